// live_tracing.cpp: see live_tracing.hpp.
#include "live/live_tracing.hpp"

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <set>

#include "base/error.hpp"
#include "maps/maps.hpp"

namespace tmi {

namespace {

constexpr int kPollMs = 50; // the ring is written without wake-ups: drain on a timer

std::map<uint32_t, MapLabel> select_maps(const LiveConfig &c)
{
	std::vector<MapSelector> sels;
	for (auto id : c.ids)
		sels.push_back({MapSelector::Kind::Id, std::to_string(id)});
	for (auto &n : c.names)
		sels.push_back({MapSelector::Kind::Name, n});
	for (auto &p : c.pinned)
		sels.push_back({MapSelector::Kind::Pinned, p});
	std::map<uint32_t, MapLabel> labels;
	for (auto &sel : sels)
		for (auto &m : open_maps(sel))
			labels[m.info.id] = {m.info.id, m.info.name, m.info.type};
	return labels;
}

std::optional<MapLabel> probe_map(uint32_t id)
{
	try {
		OpenMap m = open_map_by_id(id);
		return MapLabel{id, m.info.name, m.info.type};
	} catch (const Error &) {
		return std::nullopt;
	}
}

} // namespace

LiveTracing::LiveTracing(const LiveConfig &cfg, std::function<void(std::string_view)> warn)
	: cfg_(cfg), selected_(select_maps(cfg))
{
	engine_ = std::make_unique<LiveEngine>(probe_map, warn);
	engine_->set_order_known(cfg.walk_events);
	TraceConfig tc;
	tc.hook = cfg.hook;
	tc.ringbuf_bytes = cfg.ringbuf_bytes;
	for (auto &[id, l] : selected_) {
		tc.map_ids.push_back(id);
		engine_->adopt(l);
	}
	// No order recording: serve and top need counts, not key orders. The
	// pid and comm filters are trace's own (the session puts one pid in
	// the kernel). With walk_events every call is sent (restarts,
	// duplicates and the slowest recent calls are known); otherwise the
	// kernel counts (no event per call; those are unknown).
	SessionConfig sc{.order = OrderMode::None, .pids = cfg.pids, .comm = cfg.comm,
			 .ringbuf_bytes = cfg.ringbuf_bytes, .aggregate = !cfg.walk_events,
			 .recent_slowest = cfg.walk_events};
	session_ = std::make_unique<TraceSession>(tc, sc, *engine_, selected_);
	refresher_ = std::make_unique<Refresher>(
		*engine_,
		std::chrono::milliseconds(int64_t(cfg.digest_interval * 1000)), warn);
}

LiveTracing::~LiveTracing()
{
	refresher_.reset();
	if (session_)
		session_->finish(); // detaches; "total" summaries are not taken by the engine
}

std::string LiveTracing::describe() const
{
	if (selected_.empty())
		return "every map";
	std::string s;
	for (auto &[id, l] : selected_)
		s += fmt::format("{}map {} ({})", s.empty() ? "" : ", ", id, l.name);
	return s;
}

void LiveTracing::tick(double seconds)
{
	engine_->begin_interval(seconds);
	// Maps gone before the interval's readings: their last calls and
	// losses are in them, then the session and the engine forget them
	// (TraceSession::forget_gone). One listing of the node's maps per tick,
	// taken before the readings, serves the counting table's pruning too;
	// a map that goes during the readings is forgotten at the next tick.
	std::optional<std::vector<uint32_t>> live;
	std::optional<std::set<uint32_t>> gone;
	try {
		std::set<uint32_t> seen = session_->seen_maps();
		live = all_map_ids();
		gone = TraceSession::gone_maps(seen, *live);
	} catch (const Error &e) {
		engine_->warning(e.what()); // forget nothing this time
	}
	session_->print_interval(live ? &*live : nullptr);
	if (gone) {
		engine_->drop(*gone);
		session_->forget_gone(std::move(*gone));
	}
}

void LiveTracing::run(const std::function<bool()> &stop, const std::function<void()> &on_tick)
{
	using clock = std::chrono::steady_clock;
	auto period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(cfg_.tick));
	auto last = clock::now();
	while (!stop()) {
		session_->poll(kPollMs);
		auto now = clock::now();
		if (now - last >= period) {
			tick(std::chrono::duration<double>(now - last).count());
			last = now;
			if (on_tick)
				on_tick();
		}
	}
}

} // namespace tmi
