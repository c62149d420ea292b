// events.hpp: decoding ring-buffer records into CallEvents.
// Contract: decode_event() checks every size against the record length and
// returns nullopt for a malformed record (never reads past `len`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/hex.hpp"

namespace tmi {

enum class Cmd : uint16_t { GetNextKey = 4, LookupBatch = 24, LookupAndDeleteBatch = 25 };

struct CallEvent {
	uint64_t ts_ns = 0;       // exit time (CLOCK_MONOTONIC)
	uint64_t latency_ns = 0;
	uint32_t pid = 0, tid = 0, map_id = 0, map_type = 0, key_size = 0;
	Cmd cmd = Cmd::GetNextKey;
	int32_t ret = 0;          // 0 or -ENOENT
	uint32_t batch_count = 0;
	uint16_t cpu = 0;
	bool key_truncated = false;
	std::string comm;
	std::string map_name;     // the map's name in the kernel at the time of the call
	std::optional<Bytes> cursor;    // get_next_key; absent: NULL cursor (walk start)
	bool cursor_is_last = false;    // get_next_key: cursor not copied, it is the
	                                // buffer this thread's previous call returned into
	bool batch_start = false;       // batch call with in_batch == NULL
	std::optional<Bytes> next_key;  // absent: ENOENT, or batch call
	bool next_key_unreadable = false; // ret == 0 but the key could not be copied

	bool is_batch() const { return cmd != Cmd::GetNextKey; }
	bool walk_start() const { return !is_batch() && !cursor && !cursor_is_last; }
	bool at_end() const { return ret != 0; }
	uint64_t enter_ns() const { return ts_ns - latency_ns; }
};

std::optional<CallEvent> decode_event(const void *data, size_t len);

// Builds a raw record the way tracer.bpf.c lays it out; for tests and tools.
std::string encode_event(const CallEvent &ev);

} // namespace tmi
