// engine.hpp: the continuous aggregation that `serve` and `top` share.
//
// LiveEngine is a TraceOutput: TraceSession hands it each interval's
// per-map MapStats (print_interval(), called on a timer) and it adds them
// into cumulative per-map state: calls by kind, walks by status, restarts,
// duplicates, lost events, a latency histogram, callers by comm, and the
// slowest recent calls when summaries carry them. Facts that come from
// reading the map (entries, digest, bucket stats and strip) are set by the
// refresher (refresher.hpp). Views read a snapshot(), taken under the lock,
// from any thread.
//
// Memory is bounded whatever runs on the node: per map, the histogram has a
// bounded number of buckets (latency.hpp), the slowest calls are at most
// kSlowShown per interval of kSlowWindow, and at most kCallerCap comm
// values are kept, every later one summed as comm="other" (first come, kept:
// counters never move between series); maps are only those that exist (a
// map is adopted only while it can be opened, and drop() drops the ones
// that disappeared; a late summary for a gone map finds it unopenable
// and is ignored).
// Contract: thread-safe; never throws from the TraceOutput callbacks.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/heat_text.hpp"
#include "analysis/hot_spots.hpp"
#include "analysis/latency.hpp"
#include "trace/output.hpp"

namespace tmi {

inline constexpr size_t kCallerCap = 10;
inline constexpr const char *kOtherCallers = "other";
inline constexpr size_t kSlowWindow = 10; // intervals
inline constexpr size_t kSlowShown = 5;

// What reading the map tells (refresher.hpp); absent until read once.
struct MapFacts {
	std::optional<uint64_t> entries;
	std::optional<std::string> digest;        // tmi-canon-v1 SHA-256, hex
	std::optional<uint32_t> bucket_max_chain; // hash family only
	std::optional<double> bucket_empty_ratio; // hash family only
	std::optional<HeatSummary> buckets;       // hash family only: top's bucket strip
	std::string problem;                      // why a fact is missing ("" = none)
};

// Counts of one interval, for rates (top).
struct IntervalCounts {
	uint64_t get_next_key_calls = 0, batch_calls = 0, walks = 0;
	LatencyHist latency;
	double seconds = 0;
};

struct LiveMapState {
	MapLabel label;
	uint64_t get_next_key_calls = 0;
	uint64_t batch_lookup_calls = 0, batch_lookup_and_delete_calls = 0;
	uint64_t walks_complete = 0, walks_incomplete = 0;
	uint64_t restarts = 0, duplicates = 0, lost_events = 0;
	// False when the kernel aggregates (the default): restarts and
	// duplicates are unknown and views leave them out.
	bool order_known = true;
	LatencyHist latency;
	std::map<std::string, uint64_t> callers; // <= kCallerCap comms + "other"
	MapFacts facts;
	IntervalCounts last;                      // the latest interval
	// The slowest calls of the last kSlowWindow intervals (at most
	// kSlowShown, slowest first; hash maps whose calls are placed in their
	// buckets, hot_spots.hpp) and the window's length in seconds. nullopt:
	// not recorded, i.e. no per-call events reach the engine (the aggregate
	// mode) or no interval has been added yet.
	std::optional<std::vector<SlowCall>> slowest;
	double slowest_seconds = 0;
	std::deque<std::pair<double, std::vector<SlowCall>>> slow_window;

	// Adds one interval's stats (calls, walks, callers, lost events).
	void add_interval(const MapStats &s, double seconds);
	// Adds one interval's slowest calls to the window (from add_interval).
	void add_slowest(const std::vector<SlowCall> &interval, double seconds);
	uint64_t calls() const
	{
		return get_next_key_calls + batch_lookup_calls + batch_lookup_and_delete_calls;
	}
	// The comm with the most calls ("" when none).
	std::string top_caller() const;
};

class LiveEngine : public TraceOutput {
public:
	// exists(id): whether map `id` can be opened now, and its label; the
	// seam that lets unit tests run without a kernel.
	using Prober = std::function<std::optional<MapLabel>(uint32_t id)>;
	// warn: where warnings go (stderr for serve); may be empty.
	LiveEngine(Prober prober, std::function<void(std::string_view)> warn);

	// TraceOutput. Only "interval" summaries are taken (print_interval()
	// must be called on a timer); walks are counted through them.
	void walk(const Walk &, const MapLabel &) override {}
	void summaries_begin(const SummaryBlock &) override {}
	void summary(const MapStats &s, const MapLabel &map, std::string_view scope) override;
	void warning(std::string_view msg) override;

	// The length of the interval whose summaries come next (for rates).
	void begin_interval(double seconds);
	// Registers a selected map up front (its series exist before any call).
	void adopt(const MapLabel &label);
	// Drops these maps (gone from the node).
	void drop(const std::set<uint32_t> &gone);
	void set_facts(uint32_t map_id, const MapFacts &f);
	// Whether the tracer feeding the engine knows restarts and duplicates
	// (per-call events); set before any map is adopted.
	void set_order_known(bool known);

	std::vector<uint32_t> map_ids() const;
	std::vector<LiveMapState> snapshot() const;

private:
	LiveMapState *state_of(uint32_t map_id, const MapLabel &hint);

	Prober prober_;
	std::function<void(std::string_view)> warn_;
	mutable std::mutex mu_;
	std::map<uint32_t, LiveMapState> maps_;
	double interval_seconds_ = 1;
	bool order_known_ = true;
};

} // namespace tmi
