// trace_session.hpp: one tracing run, from attach to the final summary.
//
// Feeds every ring-buffer record through decode -> userspace filters (pids,
// comm) -> walk reconstruction -> stats -> output. finish() detaches,
// drains the ring, closes open walks as incomplete, prints the last partial
// interval (with -i), then the per-map summaries (with lost events from the
// kernel's counters), and checks that received + lost == calls counted in
// the kernel, warning when not: nothing is dropped silently. Warnings are
// given once per cause, naming the maps concerned (WarningTally). While
// running, poll() watches the kernel's loss counter and says once, with the
// loss rate, what helps when the tracer cannot keep up. Calls on hash maps
// are placed in the kernel's buckets (hot_spots.hpp) for the summary; the
// selected maps' geometry is read before attaching through one shared
// reader (startup does not grow by a BPF object load per map).
// Contract: owns the Tracer; borrows the output, which must outlive it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/hot_spots.hpp"
#include "analysis/htab_geometry.hpp"
#include "analysis/stats.hpp"
#include "trace/aggregates.hpp"
#include "trace/output.hpp"
#include "trace/tracer.hpp"
#include "trace/walks.hpp"

namespace tmi {

// What the trace command asks of a session beyond the kernel-side
// TraceConfig (README "Tracing" lists the flags).
struct SessionConfig {
	OrderMode order = OrderMode::Fingerprint;
	// -i was given: finish() also prints the last, partial interval.
	bool intervals = false;
	// --sort; unset: by map id, or by calls when --top is given.
	std::optional<SummarySort> sort;
	size_t top = 0; // --top N: at most N summaries per block (0 = all)
	// -p PID...: one pid is filtered in the kernel (TraceConfig::pid); more
	// are filtered here, after the ring buffer.
	std::vector<uint32_t> pids;
	std::string comm; // --comm NAME: exact match of the thread's comm
	uint64_t ringbuf_bytes = 16u << 20; // for the starvation advice only
	// Aggregate mode (trace --order none; serve by default): the kernel
	// adds calls up (trace/aggregates.hpp); no walk records, and -p/--comm
	// are filtered in the kernel.
	bool aggregate = false;
	// Interval summaries carry each hash map's slowest calls since the
	// last interval (MapStats::recent_slowest): for serve and top.
	bool recent_slowest = false;
};

class TraceSession {
public:
	// labels: maps the user selected (always summarised, even with no calls).
	TraceSession(const TraceConfig &cfg, const SessionConfig &sc, TraceOutput &out,
		     std::map<uint32_t, MapLabel> labels);
	TraceSession(const TraceConfig &cfg, OrderMode order, TraceOutput &out,
		     std::map<uint32_t, MapLabel> labels);
	~TraceSession();

	void poll(int timeout_ms);
	// Summaries of what happened since the last interval, then reset them.
	// listed_before: the node's maps as listed just before this call (a
	// live tick has them already); null: listed here when needed.
	void print_interval(const std::vector<uint32_t> *listed_before = nullptr);
	void finish();
	// Long runs (serve, top) forget the maps that are gone: their labels,
	// totals, hot-spot trackers and lost-event counters, here and in the
	// kernel. Without it a run over maps that come and go grows by every
	// map it ever saw (`trace` keeps them all for its total summaries).
	// In this order: seen = seen_maps(); live = all_map_ids(); gone =
	// gone_maps(seen, live) (those of them that no longer exist);
	// print_interval(&live) (its readings hold every call and loss of a
	// map gone before they began); then forget_gone(gone). Ids are never
	// reused: nothing more comes.
	std::set<uint32_t> seen_maps() const;
	static std::set<uint32_t> gone_maps(const std::set<uint32_t> &seen,
					    const std::vector<uint32_t> &live);
	void forget_gone(std::set<uint32_t> gone);

	uint64_t received() const { return received_; }
	std::string_view hook_name() const { return tracer_->hook_name(); }

private:
	void on_record(const void *data, size_t len);
	bool wanted(const CallEvent &ev) const;
	const MapLabel &label(uint32_t map_id, uint32_t map_type,
			      const std::optional<std::string> &event_name = std::nullopt);
	// The map's hot-spot tracker; null when it is not a hash map or its
	// geometry cannot be read (then calls are not placed in buckets).
	HotSpotTracker *hot_spots(uint32_t map_id, uint32_t map_type);
	void print_summaries(StatsSet &stats, const std::map<uint32_t, uint64_t> &lost,
			     std::string_view scope);
	void watch_losses();
	// Aggregate mode: reads the kernel's totals and adds what is new to
	// the interval and total stats.
	void read_aggregates(const std::vector<uint32_t> *listed_before = nullptr);
	void warn_callers_overflow();
	void forget_gone_aggregates(const std::set<uint32_t> &gone);
	void warn_lost(const KernelCounters &k, const std::map<uint32_t, uint64_t> &lost);

	TraceOutput &out_;
	SessionConfig sc_;
	std::map<uint32_t, MapLabel> labels_;
	std::set<uint32_t> selected_;
	StatsSet total_, interval_;
	std::map<uint32_t, uint64_t> lost_at_interval_;
	uint64_t gone_with_losses_ = 0; // forgotten maps that had lost events
	std::map<uint32_t, std::optional<HotSpotTracker>> hot_;
	std::unique_ptr<HtabGeometryReader> geometry_; // loaded on first use
	WarningTally warnings_;
	WalkTracker walks_;
	std::unique_ptr<Tracer> tracer_;
	uint64_t received_ = 0, malformed_ = 0, filtered_ = 0;
	// Loss watch: counters at the start of the current window.
	std::chrono::steady_clock::time_point window_start_;
	KernelCounters window_counters_;
	bool told_starved_ = false;
	std::map<uint32_t, AggMap> agg_prev_; // aggregate mode: the last reading
	uint64_t agg_prev_calls_ = 0;         // calls in agg_prev_
	std::chrono::steady_clock::time_point agg_read_at_;
	bool finished_ = false;
};

} // namespace tmi
