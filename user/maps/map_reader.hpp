// map_reader.hpp: reading every entry of a map, read-only.
//
// LOOKUP_BATCH where the kernel has it for the map type (hash maps resume by
// bucket and never restart; arrays by index); otherwise get_next_key +
// lookup, where a key that vanishes between the two is skipped and keys a
// restart returns twice are kept once (dedup happens in canonicalisation).
// Per-CPU values come back as value_size bytes per possible CPU, in CPU order,
// with the kernel's 8-byte rounding removed.
// With a RangeSink, the kernel's batch copies run on a reader thread and the
// caller's thread is handed each new range of entries as it lands, so work
// on the entries (ordering, padding) overlaps the copies.
// Contract: borrows `fd` (never closes it); throws tmi::Error naming the map
// type for maps that cannot be iterated.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/huge_buffer.hpp"
#include "maps/maps.hpp"

namespace tmi {

enum class ReadMethod { Batch, NextKey };

struct MapContents {
	uint32_t key_size = 0;
	uint32_t value_bytes = 0; // per entry: value_size, or value_size * ncpu for per-CPU maps
	uint32_t ncpu = 1;        // values per entry (possible CPUs for per-CPU maps)
	HugeBuffer keys;          // count() * key_size
	HugeBuffer values;        // count() * value_bytes
	ReadMethod method = ReadMethod::Batch;

	size_t count() const { return key_size ? keys.size() / key_size : 0; }
	std::string_view key(size_t i) const { return {keys.data() + i * key_size, key_size}; }
	std::string_view value(size_t i) const
	{
		return {values.data() + i * value_bytes, value_bytes};
	}
};

// Entries [from, to) of a read in progress: key_size (value_bytes) bytes
// each at keys (values) + i * size. The pointers are valid during the call
// only; the entries are the caller's to modify (they are never written again).
struct ReadRange {
	char *keys;
	char *values;
	size_t from, to;
	uint32_t key_size, value_bytes;

	char *key(size_t i) const { return keys + i * key_size; }
	char *value(size_t i) const { return values + i * value_bytes; }
};
// Called on the caller's thread, ranges in order, each entry exactly once,
// before read_map returns.
using RangeSink = std::function<void(const ReadRange &)>;

// Throws tmi::Error (exit 2) when the type cannot be iterated.
void check_iterable(const MapInfo &info);
MapContents read_map(int fd, const MapInfo &info, const RangeSink &sink = {});

} // namespace tmi
