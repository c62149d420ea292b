// trace_session.cpp: see trace_session.hpp.
#include "trace/trace_session.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "analysis/buckets.hpp"
#include "maps/maps.hpp"

namespace tmi {

TraceSession::TraceSession(const TraceConfig &cfg, OrderMode order, TraceOutput &out,
			   std::map<uint32_t, MapLabel> labels)
	: out_(out), labels_(std::move(labels)),
	  walks_(order, [this](Walk &&w) {
		  const MapLabel &m = label(w.map_id, 0);
		  total_.add_walk(w);
		  interval_.add_walk(w);
		  out_.walk(w, m);
	  })
{
	for (auto &[id, l] : labels_) {
		selected_.insert(id);
		hot_spots(id, l.type); // read geometry before attaching
	}
	tracer_ = Tracer::start(cfg, [this](const void *d, size_t n) { on_record(d, n); });
}

TraceSession::~TraceSession() = default;

void TraceSession::on_record(const void *data, size_t len)
{
	received_++;
	auto ev = decode_event(data, len);
	if (!ev) {
		malformed_++;
		return;
	}
	label(ev->map_id, ev->map_type, ev->map_name);
	std::optional<uint64_t> skipped;
	if (HotSpotTracker *h = hot_spots(ev->map_id, ev->map_type))
		if (auto placed = h->on_call(*ev))
			skipped = placed->skipped;
	total_.add_call(*ev);
	interval_.add_call(*ev);
	walks_.on_event(*ev, skipped);
}

const MapLabel &TraceSession::label(uint32_t map_id, uint32_t map_type, std::string_view name)
{
	auto it = labels_.find(map_id);
	if (it != labels_.end())
		return it->second;
	MapLabel l{map_id, std::string(name), map_type};
	if (!name.empty()) // captured in the kernel with the event: no lookup, survives the map
		return labels_.emplace(map_id, std::move(l)).first->second;
	try {
		OpenMap m = open_map_by_id(map_id);
		l.name = m.info.name;
		l.type = m.info.type;
	} catch (const Error &) {
		// The map is gone: keep the id and the type from the event.
	}
	return labels_.emplace(map_id, std::move(l)).first->second;
}

HotSpotTracker *TraceSession::hot_spots(uint32_t map_id, uint32_t map_type)
{
	auto it = hot_.find(map_id);
	if (it == hot_.end()) {
		std::optional<HotSpotTracker> tracker;
		if (is_hash_family(map_type)) {
			try {
				OpenMap m = open_map_by_id(map_id);
				tracker.emplace(read_htab_model(m, MapContents{}));
			} catch (const Error &e) {
				out_.warning(fmt::format("no bucket hot spots for map {}: {}", map_id,
							 e.what()));
			}
		}
		it = hot_.emplace(map_id, std::move(tracker)).first;
	}
	return it->second ? &*it->second : nullptr;
}

void TraceSession::print_summaries(StatsSet &stats, const std::map<uint32_t, uint64_t> &lost,
				   std::string_view scope)
{
	for (uint32_t id : selected_)
		stats.of(id);
	for (auto &[id, n] : lost)
		stats.of(id).lost_events = n;
	for (auto &[id, s] : stats.maps()) {
		auto h = hot_.find(id);
		if (scope == "total" && h != hot_.end() && h->second)
			s.hot_spots = h->second->summary();
		out_.summary(s, label(id, 0), scope);
	}
}

void TraceSession::print_interval()
{
	auto lost = tracer_->lost_by_map();
	std::map<uint32_t, uint64_t> delta;
	for (auto &[id, n] : lost)
		if (n > lost_at_interval_[id])
			delta[id] = n - lost_at_interval_[id];
	lost_at_interval_ = lost;
	print_summaries(interval_, delta, "interval");
	interval_.clear();
}

void TraceSession::finish()
{
	if (finished_)
		return;
	finished_ = true;
	tracer_->stop();
	walks_.finish();
	KernelCounters k = tracer_->counters();
	print_summaries(total_, tracer_->lost_by_map(), "total");

	if (k.lost)
		out_.warning(fmt::format("{} events lost ({} ring buffer full, {} no per-thread slot); "
					 "counts above include them as lost_events; raise --ringbuf-size",
					 k.lost, k.lost - k.no_slot, k.no_slot));
	if (malformed_)
		out_.warning(fmt::format("{} malformed events ignored", malformed_));
	if (k.calls != received_ + (k.lost - k.no_slot))
		out_.warning(fmt::format("accounting mismatch: kernel counted {} calls, received {}, "
					 "lost {}", k.calls, received_, k.lost - k.no_slot));
}

} // namespace tmi
