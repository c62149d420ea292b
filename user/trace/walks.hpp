// walks.hpp: reconstructing walks from the stream of traced calls.
//
// A walk is one pass over one map by one thread. For get_next_key it starts
// at a NULL cursor, or at a cursor that is not the key this thread was last
// given; it ends at ENOENT (complete), at the thread's next start, or when
// tracing stops (incomplete). How it started is recorded (WalkStart): a NULL
// cursor; `Resumed`, a cursor that an earlier call of the walk this thread
// was making (or of the walks it resumed) returned; `UnknownKey`, any other
// cursor: a key not in the map (bpftrace starts its complete walks from
// one), a key the thread got elsewhere, or a walk in progress when tracing
// began. Within a walk, `duplicates`
// counts keys returned more than once and `restarts` counts the times the
// kernel went back (a run of already-returned keys begins: hash maps do that
// when the cursor key was deleted). Batch calls form batch walks the same way,
// starting at in_batch == NULL and ending at ENOENT; a batch walk records
// its command (lookup or lookup_and_delete; Mixed if a walk used both).
//
// Contract: pure (no I/O, no kernel); each finished walk is handed to the
// callback exactly once, in the order walks end.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "trace/events.hpp"
#include "base/sha256.hpp"

namespace tmi {

enum class OrderMode { None, Fingerprint, Full };

// How a walk started (README "JSON lines": "start").
enum class WalkStart { Null, Resumed, UnknownKey };
// A batch walk's command (README: "op").
enum class BatchOp { Lookup, LookupAndDelete, Mixed };

// "null", "resumed", "unknown_key".
const char *walk_start_name(WalkStart s);
// "lookup", "lookup_and_delete", "mixed".
const char *batch_op_name(BatchOp op);

struct Walk {
	bool batch = false;
	uint32_t map_id = 0, pid = 0, tid = 0;
	std::string comm;
	uint64_t start_ns = 0, end_ns = 0; // enter of first call, exit of last
	uint64_t calls = 0;      // every call, including the final ENOENT
	uint64_t keys = 0;       // get_next_key: successful calls
	uint64_t entries = 0;    // batch: entries returned
	uint64_t restarts = 0, duplicates = 0;
	uint64_t busy_ns = 0;    // sum of call latencies
	bool complete = false;
	bool resumed = false;    // start == WalkStart::Resumed (kept for the JSON contract)
	WalkStart start = WalkStart::Null;
	BatchOp op = BatchOp::Lookup; // batch walks only
	std::string order_sha256;          // empty for OrderMode::None and batch walks
	std::vector<Bytes> order;          // OrderMode::Full only
	// OrderMode::Full: empty buckets each call scanned (one per call, the
	// final ENOENT included; -1 where a call could not be placed, e.g. on
	// maps that are not hash maps).
	std::vector<int64_t> skipped;
	uint64_t unreadable_keys = 0;      // calls whose key could not be copied

	uint64_t duration_ns() const { return end_ns - start_ns; }
};

class WalkTracker {
public:
	using Sink = std::function<void(Walk &&)>;
	WalkTracker(OrderMode mode, Sink sink);
	~WalkTracker();

	// `skipped`: empty buckets the call scanned, when it was placed (hash maps).
	void on_event(const CallEvent &ev, std::optional<uint64_t> skipped = std::nullopt);
	// Ends every open walk as incomplete (tracing stopped).
	void finish();
	size_t open_walks() const { return open_.size(); }

private:
	struct Open;
	void on_get_next_key(const CallEvent &ev, std::optional<uint64_t> skipped);
	void on_batch(const CallEvent &ev);
	Open &start(const CallEvent &ev, bool batch, WalkStart how);
	void end(const std::tuple<uint32_t, uint32_t, bool> &key, bool complete);

	OrderMode mode_;
	Sink sink_;
	using Key = std::tuple<uint32_t, uint32_t, bool>; // tid, map id, batch
	std::map<Key, std::unique_ptr<Open>> open_;
};

} // namespace tmi
