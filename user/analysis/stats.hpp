// stats.hpp: per-map aggregates of traced calls and walks, and which of
// them a summary shows (select_summaries: --top, --sort).
// Contract: pure; MapStats::calls equals the number of events added, and its
// latency histogram counts exactly those calls.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "trace/events.hpp"
#include "analysis/hot_spots.hpp"
#include "analysis/latency.hpp"
#include "trace/walks.hpp"

namespace tmi {

struct Caller {
	uint32_t pid;
	std::string comm;
	uint64_t calls;
	std::optional<uint64_t> walks; // aggregate mode: walks it started
};

struct MapStats {
	uint32_t map_id = 0;
	uint64_t calls = 0;             // every reported call (get_next_key + batch)
	uint64_t get_next_key_calls = 0;
	uint64_t batch_calls = 0;
	uint64_t lookup_and_delete_batch_calls = 0; // of batch_calls
	uint64_t walks = 0, complete_walks = 0, batch_walks = 0;
	uint64_t restarts = 0, duplicates = 0;
	uint64_t lost_events = 0;       // filled in from the kernel's counter
	// Calls that failed with an error other than ENOENT (no event is sent
	// for them), by errno; filled in from the kernel's counter (totals only).
	std::map<int, uint64_t> failed_by_errno;
	LatencyHist latency;
	std::map<std::pair<uint32_t, std::string>, uint64_t> callers;
	std::optional<HotSpots> hot_spots; // hash maps whose bucket model is known
	// Aggregate mode (--order none; serve by default): counted in the
	// kernel, without keys, so restarts and duplicates are unknown
	// (order_known false: outputs leave them out). Walks are counted when
	// they end (ENOENT, or the thread's next start on the map), and at exit.
	bool order_known = true;
	std::optional<uint64_t> unknown_starts;   // walks not started at NULL (aggregate mode)
	std::optional<uint64_t> callers_overflow; // calls not attributed to a caller (aggregate mode)
	std::map<std::pair<uint32_t, std::string>, uint64_t> caller_walks; // aggregate mode
	// Live views (SessionConfig::recent_slowest): the interval's slowest
	// calls placed in their buckets (HotSpotTracker::take_recent()).
	std::optional<std::vector<SlowCall>> recent_slowest;

	void add_call(const CallEvent &ev);
	void add_walk(const Walk &w);
	// Callers by calls, descending, then by pid; at most `n`.
	std::vector<Caller> top_callers(size_t n) const;
};

// Stats for every map seen, keyed by map id.
class StatsSet {
public:
	MapStats &of(uint32_t map_id);
	void add_call(const CallEvent &ev) { of(ev.map_id).add_call(ev); }
	void add_walk(const Walk &w) { of(w.map_id).add_walk(w); }
	std::map<uint32_t, MapStats> &maps() { return maps_; }
	const std::map<uint32_t, MapStats> &maps() const { return maps_; }
	void clear() { maps_.clear(); }

private:
	std::map<uint32_t, MapStats> maps_;
};

// How summaries are ordered: by map id (ascending) or by a count,
// descending (ties by map id).
enum class SummarySort { MapId, Calls, Walks, P99, Lost, Restarts };

// "calls", "walks", "p99", "lost", "restarts" (and "id"); nullopt otherwise.
std::optional<SummarySort> parse_summary_sort(std::string_view s);
// "map id", "calls", ...: for the text header.
const char *summary_sort_name(SummarySort s);

struct SummarySelection {
	std::vector<uint32_t> shown; // map ids, in order
	size_t candidates = 0;       // maps shown without the --top cut
};

// The maps a summary block shows: those with calls or lost events, and the
// `selected` ones (named by id, name or pin) even when idle; ordered by
// `sort`; at most `top` of them (0 = all).
SummarySelection select_summaries(const std::map<uint32_t, MapStats> &stats,
				  const std::set<uint32_t> &selected, SummarySort sort, size_t top);

} // namespace tmi
