// hot_spots.hpp: where a hash map walk's time goes, bucket by bucket.
//
// Each get_next_key on a hash map scans from the cursor's bucket to the
// bucket of the key it returns (the kernel checks every empty bucket in
// between; a NULL cursor starts at bucket 0; ENOENT scans to the end).
// With the kernel's bucket model (htab_model.hpp) every traced call gets
// its skip distance (empty buckets scanned) and its position in the
// returned key's chain; the summary gives latency by skip distance and the
// slowest calls with the gap they crossed (and who made them).
// Contract: pure; one tracker per map.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trace/events.hpp"
#include "analysis/htab_model.hpp"

namespace tmi {

struct SkipBucket {
	uint64_t lo, hi;         // skipped buckets in [lo, hi]
	uint64_t calls, total_ns;
};

struct SlowCall {
	int64_t from_bucket;     // -1: NULL cursor (the walk's start)
	uint64_t to_bucket;      // n_buckets: ENOENT (scanned to the end)
	uint64_t skipped;        // empty buckets scanned
	uint32_t chain_pos;      // 1 = head of the returned key's chain; 0 at the end
	uint64_t latency_ns;
	uint32_t pid = 0;        // the caller (tgid) and its thread's comm
	std::string comm;
};

struct HotSpots {
	std::vector<SkipBucket> by_skip; // ascending, non-empty only
	std::vector<SlowCall> slowest;   // by latency, descending
};

class HotSpotTracker {
public:
	explicit HotSpotTracker(HtabModel model, size_t keep_slowest = 5)
		: model_(model), keep_(keep_slowest) {}
	// Places the call; nullopt when it cannot be placed (a batch call, or
	// a cursor that was not copied after an unplaced call).
	std::optional<SlowCall> on_call(const CallEvent &ev);
	HotSpots summary() const;
	// The slowest calls placed since the last take_recent() (at most
	// keep_slowest, slowest first), and forgets them: a live view's
	// recent window (live/engine.hpp), beside the summary's since-start list.
	std::vector<SlowCall> take_recent();

private:
	struct Thread {
		uint64_t bucket = 0;
		uint32_t chain_pos = 0;
		bool valid = false;
	};
	HtabModel model_;
	size_t keep_;
	std::map<uint32_t, Thread> threads_; // by tid
	std::map<unsigned, SkipBucket> by_skip_;
	std::vector<SlowCall> slowest_, recent_;
};

} // namespace tmi
