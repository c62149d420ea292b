// live_tracing.hpp: continuous tracing into the LiveEngine, for serve and top.
//
// Resolves the selected maps (read-only; no selection = every map), starts
// a TraceSession whose output is the engine (with trace's process filters,
// and each interval's slowest calls), and runs the drain loop: poll
// the ring every 50 ms, and every `tick` close an interval (its summaries go
// into the engine) and drop the maps that no longer exist. A Refresher
// reads digests, entries and bucket stats in its own thread.
// Contract: the constructor throws tmi::Error (exit 2) when a selected map
// does not exist or tracing can't start; the "Tracing" line is the caller's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "live/engine.hpp"
#include "live/refresher.hpp"
#include "trace/trace_session.hpp"
#include "trace/tracer.hpp"

namespace tmi {

struct LiveConfig {
	std::vector<uint32_t> ids;
	std::vector<std::string> names, pinned;
	// -p PID... and --comm NAME, filtered as trace filters them
	// (SessionConfig: one pid in the kernel, several and the comm in
	// userspace); empty = every process, every thread.
	std::vector<uint32_t> pids;
	std::string comm;
	HookKind hook = HookKind::Auto;
	uint64_t ringbuf_bytes = 16u << 20;
	double digest_interval = 60; // seconds
	double tick = 1;             // seconds between intervals
	// Per-call events (restarts and duplicates counted) instead of the
	// kernel's aggregates (the default: cheaper per traced call).
	bool walk_events = false;
};

class LiveTracing {
public:
	LiveTracing(const LiveConfig &cfg, std::function<void(std::string_view)> warn);
	~LiveTracing();

	LiveEngine &engine() { return *engine_; }
	// "every map" or "map 12 (name), map 13 (name)".
	std::string describe() const;
	// The hook the tracer attached with ("fentry", "tracepoint", ...).
	std::string_view hook_name() const { return session_->hook_name(); }
	// Runs until stop() is true (checked every 50 ms); on_tick() after each
	// interval was added to the engine.
	void run(const std::function<bool()> &stop, const std::function<void()> &on_tick);

private:
	void tick(double seconds);

	LiveConfig cfg_;
	std::map<uint32_t, MapLabel> selected_;
	std::unique_ptr<LiveEngine> engine_;
	std::unique_ptr<TraceSession> session_;
	std::unique_ptr<Refresher> refresher_;
};

} // namespace tmi
