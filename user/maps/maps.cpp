// maps.cpp: see maps.hpp.
#include "maps/maps.hpp"

#include <bpf/bpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <string_view>

#include "base/error.hpp"

namespace tmi {

std::string map_type_name(uint32_t type)
{
	// Indexed by enum bpf_map_type (uapi/linux/bpf.h).
	static constexpr std::array<const char *, 34> names = {
		"unspec", "hash", "array", "prog_array", "perf_event_array",
		"percpu_hash", "percpu_array", "stack_trace", "cgroup_array",
		"lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps",
		"hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash",
		"cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage",
		"queue", "stack", "sk_storage", "devmap_hash", "struct_ops",
		"ringbuf", "inode_storage", "task_storage", "bloom_filter",
		"user_ringbuf", "cgrp_storage", "arena",
	};
	if (type < names.size())
		return names[type];
	return fmt::format("type {}", type);
}

bool is_percpu_type(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool is_hash_family(uint32_t type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

bool is_array_type(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_PROG_ARRAY || type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       type == BPF_MAP_TYPE_PERF_EVENT_ARRAY || type == BPF_MAP_TYPE_CGROUP_ARRAY;
}

std::optional<MapSelector> MapSelector::parse(const std::string &spec)
{
	auto colon = spec.find(':');
	if (colon == std::string::npos)
		return std::nullopt;
	std::string kind = spec.substr(0, colon), value = spec.substr(colon + 1);
	if (value.empty())
		return std::nullopt;
	if (kind == "id") {
		uint32_t id;
		auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
		if (ec != std::errc() || p != value.data() + value.size())
			return std::nullopt;
		return MapSelector{Kind::Id, value};
	}
	if (kind == "pinned")
		return MapSelector{Kind::Pinned, value};
	if (kind == "name")
		return MapSelector{Kind::Name, value};
	return std::nullopt;
}

std::string MapSelector::describe() const
{
	switch (kind) {
	case Kind::Id: return fmt::format("map id {}", value);
	case Kind::Pinned: return fmt::format("pinned map {}", value);
	case Kind::Name: return fmt::format("map name {}", value);
	}
	return value;
}

MapInfo map_info_of(int fd)
{
	bpf_map_info raw{};
	uint32_t len = sizeof(raw);
	if (bpf_obj_get_info_by_fd(fd, &raw, &len))
		throw sys_error("can't get map info", errno);
	MapInfo info;
	info.id = raw.id;
	info.type = raw.type;
	info.key_size = raw.key_size;
	info.value_size = raw.value_size;
	info.max_entries = raw.max_entries;
	info.map_flags = raw.map_flags;
	info.btf_id = raw.btf_id;
	info.btf_key_type_id = raw.btf_key_type_id;
	info.btf_value_type_id = raw.btf_value_type_id;
	info.name = raw.name;
	return info;
}

OpenMap open_map_by_id(uint32_t id)
{
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts, .open_flags = BPF_F_RDONLY);
	int fd = bpf_map_get_fd_by_id_opts(id, &opts);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT)
			throw Error(fmt::format("can't open map id {}: no such map", id));
		throw sys_error(fmt::format("can't open map id {}", id), err);
	}
	OpenMap m{UniqueFd(fd), {}};
	m.info = map_info_of(fd);
	return m;
}

// What a BPF fd is, from its anon inode's name ("bpf-map", "bpf-prog",
// "bpf-link", ...); empty when /proc cannot say. bpf_obj_get_info_by_fd
// cannot tell: it fills a program's info into a map's struct and succeeds.
static std::string bpf_fd_kind(int fd)
{
	char link[64] = {};
	std::string proc = fmt::format("/proc/self/fd/{}", fd);
	ssize_t n = ::readlink(proc.c_str(), link, sizeof(link) - 1);
	if (n <= 0)
		return {};
	std::string target(link, n);
	static constexpr std::string_view prefix = "anon_inode:";
	return target.rfind(prefix, 0) == 0 ? target.substr(prefix.size()) : target;
}

OpenMap open_map_pinned(const std::string &path)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	int fd = bpf_obj_get_opts(path.c_str(), &opts);
	if (fd < 0)
		throw sys_error(fmt::format("can't open pinned map {}", path), errno);
	OpenMap m{UniqueFd(fd), {}};
	std::string kind = bpf_fd_kind(fd);
	if (!kind.empty() && kind != "bpf-map")
		throw Error(fmt::format("can't open pinned map {}: not a BPF map ({})", path,
					kind == "bpf-prog"   ? "a BPF program"
					: kind == "bpf-link" ? "a BPF link"
							     : kind));
	try {
		m.info = map_info_of(fd);
	} catch (const Error &) {
		throw Error(fmt::format("can't open pinned map {}: not a BPF map", path));
	}
	return m;
}

std::vector<uint32_t> all_map_ids()
{
	std::vector<uint32_t> ids;
	uint32_t id = 0;
	while (bpf_map_get_next_id(id, &id) == 0)
		ids.push_back(id);
	if (errno != ENOENT)
		throw sys_error("can't list maps", errno);
	return ids;
}

std::vector<OpenMap> open_maps_by_name(const std::string &name)
{
	std::vector<OpenMap> found;
	for (uint32_t id : all_map_ids()) {
		try {
			OpenMap m = open_map_by_id(id);
			if (m.info.name == name)
				found.push_back(std::move(m));
		} catch (const Error &) {
			// The map went away between listing and opening.
		}
	}
	if (found.empty())
		throw Error(fmt::format("can't find map named {}: no such map", name));
	return found;
}

std::vector<OpenMap> open_maps(const MapSelector &sel)
{
	std::vector<OpenMap> out;
	switch (sel.kind) {
	case MapSelector::Kind::Id: {
		uint32_t id = 0;
		std::from_chars(sel.value.data(), sel.value.data() + sel.value.size(), id);
		out.push_back(open_map_by_id(id));
		break;
	}
	case MapSelector::Kind::Pinned: out.push_back(open_map_pinned(sel.value)); break;
	case MapSelector::Kind::Name: out = open_maps_by_name(sel.value); break;
	}
	return out;
}

OpenMap open_one_map(const MapSelector &sel)
{
	auto maps = open_maps(sel);
	if (maps.size() > 1) {
		std::string ids;
		for (auto &m : maps)
			ids += fmt::format("{}{}", ids.empty() ? "" : ",", m.info.id);
		throw Error(fmt::format("{} is ambiguous: ids {}; select one with --map-id",
					sel.describe(), ids));
	}
	return std::move(maps.front());
}

} // namespace tmi
