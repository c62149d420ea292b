// maps.hpp: finding BPF maps and opening them read-only.
// Contract: every map fd this project opens comes from here and is opened
// with BPF_F_RDONLY, so nothing in trace-map-iter can modify a map. Lookups
// that fail throw tmi::Error with a one-line message naming the map.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"

namespace tmi {

struct MapInfo {
	uint32_t id = 0;
	uint32_t type = 0;
	uint32_t key_size = 0;
	uint32_t value_size = 0;
	uint32_t max_entries = 0;
	uint32_t map_flags = 0;
	uint32_t btf_id = 0;
	uint32_t btf_key_type_id = 0;
	uint32_t btf_value_type_id = 0;
	std::string name;
};

// bpftool's spelling ("hash", "lru_percpu_hash", ...); "type N" if unknown.
std::string map_type_name(uint32_t type);
bool is_percpu_type(uint32_t type);
// hash, lru_hash, percpu_hash, lru_percpu_hash, hash_of_maps.
bool is_hash_family(uint32_t type);
bool is_array_type(uint32_t type);

struct OpenMap {
	UniqueFd fd;
	MapInfo info;
};

// How a user names a map: --map-id, --pinned, --map-name, or "id:N",
// "pinned:PATH", "name:NAME" where a string selects.
struct MapSelector {
	enum class Kind { Id, Pinned, Name } kind;
	std::string value;

	static std::optional<MapSelector> parse(const std::string &spec);
	std::string describe() const;
};

MapInfo map_info_of(int fd);
OpenMap open_map_by_id(uint32_t id);
OpenMap open_map_pinned(const std::string &path);
// Every map whose name is `name`; throws when there is none.
std::vector<OpenMap> open_maps_by_name(const std::string &name);
// Exactly one map; throws when a name matches none or several.
OpenMap open_one_map(const MapSelector &sel);
std::vector<OpenMap> open_maps(const MapSelector &sel);
std::vector<uint32_t> all_map_ids();

} // namespace tmi
