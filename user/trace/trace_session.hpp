// trace_session.hpp: one tracing run, from attach to the final summary.
//
// Feeds every ring-buffer record through decode -> walk reconstruction ->
// stats -> output. finish() detaches, drains the ring, closes open walks as
// incomplete, prints the per-map summaries (with lost events from the
// kernel's counters) and checks that received + lost == calls counted in the
// kernel, warning when not: nothing is dropped silently. Calls on hash maps
// are placed in the kernel's buckets (hot_spots.hpp) for the summary.
// Contract: owns the Tracer; borrows the output, which must outlive it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "analysis/hot_spots.hpp"
#include "trace/output.hpp"
#include "analysis/stats.hpp"
#include "trace/tracer.hpp"
#include "trace/walks.hpp"

namespace tmi {

class TraceSession {
public:
	// labels: maps the user selected (always summarised, even with no calls).
	TraceSession(const TraceConfig &cfg, OrderMode order, TraceOutput &out,
		     std::map<uint32_t, MapLabel> labels);
	~TraceSession();

	void poll(int timeout_ms) { tracer_->poll(timeout_ms); }
	// Summaries of what happened since the last interval, then reset them.
	void print_interval();
	void finish();

	uint64_t received() const { return received_; }
	std::string_view hook_name() const { return tracer_->hook_name(); }

private:
	void on_record(const void *data, size_t len);
	const MapLabel &label(uint32_t map_id, uint32_t map_type, std::string_view name = {});
	// The map's hot-spot tracker; null when it is not a hash map or its
	// geometry cannot be read (then calls are not placed in buckets).
	HotSpotTracker *hot_spots(uint32_t map_id, uint32_t map_type);
	void print_summaries(StatsSet &stats, const std::map<uint32_t, uint64_t> &lost,
			     std::string_view scope);

	TraceOutput &out_;
	std::map<uint32_t, MapLabel> labels_;
	std::set<uint32_t> selected_;
	StatsSet total_, interval_;
	std::map<uint32_t, uint64_t> lost_at_interval_;
	std::map<uint32_t, std::optional<HotSpotTracker>> hot_;
	WalkTracker walks_;
	std::unique_ptr<Tracer> tracer_;
	uint64_t received_ = 0, malformed_ = 0;
	bool finished_ = false;
};

} // namespace tmi
