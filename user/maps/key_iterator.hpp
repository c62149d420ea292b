// key_iterator.hpp: the one way this project walks a map's keys with
// BPF_MAP_GET_NEXT_KEY (modelled on cilium/ebpf's MapIterator).
//
//   KeyIterator it(fd, info, walk_bound(info));
//   Bytes key;
//   while (it.next(key))
//           ...;
//   if (it.error())
//           throw *it.error();
//
// The first key is asked for with a NULL cursor; later calls pass the
// iterator's own buffer as both cursor and next key, as bpftool does (the
// tracer relies on that shape: it does not copy such a cursor). ENOENT is
// the end of the walk; any other errno is an error naming the operation and
// the map. A hash map restarts from bucket 0 when the cursor key is deleted,
// so a walk under churn might never end: more than `max_keys` keys is an
// error too.
// Contract: borrows `fd` (never closes it); next() returns false at the
// end and on error, and keeps returning false afterwards; error() is set
// only in the second case. The map is only read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "base/error.hpp"
#include "base/hex.hpp"
#include "maps/maps.hpp"

namespace tmi {

// A bound for one walk of `info`: four times max_entries (room for a few
// restarts under churn) plus slack; maps without max_entries (cgroup
// storage) get 2^24.
uint64_t walk_bound(const MapInfo &info);

class KeyIterator {
public:
	// 0, or the errno of a failed get_next_key; `cursor` nullptr asks for
	// the first key. The seam that unit tests fill without a kernel.
	using NextKeyFn = std::function<int(const void *cursor, void *next)>;

	// Walks map `fd` (borrowed) with bpf_map_get_next_key.
	KeyIterator(int fd, const MapInfo &info, uint64_t max_keys);
	// Walks whatever `next_key` returns; `info` names the map in errors and
	// gives key_size.
	KeyIterator(NextKeyFn next_key, const MapInfo &info, uint64_t max_keys);

	// Copies the next key (key_size bytes) into `key`; false at the end or
	// on error.
	bool next(void *key);
	// As above; `key` is resized to key_size.
	bool next(Bytes &key);

	const std::optional<Error> &error() const { return error_; }
	// get_next_key calls made, the final ENOENT (or failing) one included.
	uint64_t calls() const { return calls_; }
	// Keys returned so far.
	uint64_t keys() const { return keys_; }

private:
	bool step();

	NextKeyFn next_key_;
	uint32_t map_id_, key_size_;
	uint64_t max_keys_;
	Bytes cursor_;
	uint64_t calls_ = 0, keys_ = 0;
	bool done_ = false;
	std::optional<Error> error_;
};

} // namespace tmi
