// map_reader.cpp: see map_reader.hpp.
#include "maps/map_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "base/error.hpp"
#include "maps/key_iterator.hpp"

namespace tmi {

namespace {

constexpr int kENOTSUPP = 524; // kernel-internal ENOTSUPP leaks to userspace
constexpr uint32_t kBatchEntries = 16384;

void strip_percpu_padding(MapContents &m, const char *raw, size_t n, uint32_t value_size,
			  uint32_t stride)
{
	size_t old = m.values.size();
	m.values.resize(old + n * m.value_bytes);
	char *out = m.values.data() + old;
	for (size_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < m.ncpu; c++) {
			std::memcpy(out, raw + (i * m.ncpu + c) * stride, value_size);
			out += value_size;
		}
}

// Returns false when the kernel has no batch lookup for this map type.
// Non-per-CPU entries land directly in m.keys/m.values (no second copy).
bool read_batched(int fd, const MapInfo &info, MapContents &m, uint32_t stride)
{
	uint32_t chunk = std::min<uint32_t>(kBatchEntries, std::max<uint32_t>(info.max_entries, 1));
	std::string token_in(std::max<uint32_t>(info.key_size, 8), '\0'), token_out = token_in;
	std::string raw;
	bool first = true, percpu = is_percpu_type(info.type);
	size_t n = 0; // entries read so far
	while (true) {
		m.keys.resize((n + chunk) * info.key_size);
		char *vals;
		if (percpu) {
			raw.resize(size_t(chunk) * stride * m.ncpu);
			vals = raw.data();
		} else {
			m.values.resize((n + chunk) * info.value_size);
			vals = m.values.data() + n * info.value_size;
		}
		uint32_t count = chunk;
		int err = bpf_map_lookup_batch(fd, first ? nullptr : token_in.data(), token_out.data(),
					       m.keys.data() + n * info.key_size, vals, &count, nullptr);
		int e = err ? errno : 0;
		if (err && e != ENOENT) {
			if (first && (e == kENOTSUPP || e == EOPNOTSUPP || e == EINVAL))
				return false;
			if (e == ENOSPC && count == 0) { // one bucket holds more than `chunk`
				chunk *= 2;
				continue;
			}
			throw sys_error(fmt::format("can't batch-read map {}", info.id), e);
		}
		if (percpu)
			strip_percpu_padding(m, raw.data(), count, info.value_size, stride);
		n += count;
		if (e == ENOENT) {
			m.keys.resize(n * info.key_size);
			m.values.resize(n * m.value_bytes);
			return true;
		}
		std::swap(token_in, token_out);
		first = false;
	}
}

void read_by_next_key(int fd, const MapInfo &info, MapContents &m, uint32_t stride)
{
	std::string key(info.key_size, '\0'), raw(size_t(stride) * m.ncpu, '\0');
	bool percpu = is_percpu_type(info.type);
	KeyIterator it(fd, info, walk_bound(info));
	while (it.next(key)) {
		if (bpf_map_lookup_elem(fd, key.data(), raw.data())) {
			if (errno == ENOENT)
				continue; // deleted between next_key and lookup: not an entry now
			throw sys_error(fmt::format("can't look up a key of map {} ({})", info.id,
						    map_type_name(info.type)),
					errno);
		}
		m.keys.append(key.data(), key.size());
		if (percpu)
			strip_percpu_padding(m, raw.data(), 1, info.value_size, stride);
		else
			m.values.append(raw.data(), info.value_size);
	}
	if (it.error())
		throw *it.error();
}

} // namespace

void check_iterable(const MapInfo &info)
{
	switch (info.type) {
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_BLOOM_FILTER:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
	case BPF_MAP_TYPE_STRUCT_OPS:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case 32: // cgrp_storage (uapi headers of Debian 12 predate it)
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case 33: // arena
		throw Error(fmt::format("can't dump map {}: {} maps cannot be iterated", info.id,
					map_type_name(info.type)));
	default:
		break;
	}
	if (info.key_size == 0)
		throw Error(fmt::format("can't dump map {}: {} map has no keys", info.id,
					map_type_name(info.type)));
}

MapContents read_map(int fd, const MapInfo &info)
{
	check_iterable(info);
	MapContents m;
	m.key_size = info.key_size;
	uint32_t stride = info.value_size;
	if (is_percpu_type(info.type)) {
		int ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			throw sys_error("can't count possible CPUs", ncpu);
		m.ncpu = ncpu;
		stride = (info.value_size + 7) / 8 * 8;
	}
	m.value_bytes = info.value_size * m.ncpu;
	// One batch beyond max_entries: read_batched resizes a chunk ahead, and
	// growing past the reservation would double the buffers.
	size_t expect = std::min<uint32_t>(info.max_entries, 1u << 20) + kBatchEntries;
	m.keys.reserve(expect * info.key_size);
	m.values.reserve(expect * m.value_bytes);
	if (read_batched(fd, info, m, stride)) {
		m.method = ReadMethod::Batch;
		return m;
	}
	m.keys.clear();
	m.values.clear();
	m.method = ReadMethod::NextKey;
	read_by_next_key(fd, info, m, stride);
	return m;
}

} // namespace tmi
