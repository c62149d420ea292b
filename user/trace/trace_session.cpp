// trace_session.cpp: see trace_session.hpp.
#include "trace/trace_session.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "analysis/buckets.hpp"
#include "base/error.hpp"
#include "maps/maps.hpp"

namespace tmi {

namespace {

constexpr auto kLossWindow = std::chrono::seconds(1);

// The map's name as the kernel had it at the call (captured with the
// event, so it survives the map); unnamed maps fall back to a lookup.
std::optional<std::string> event_map_name(const CallEvent &ev)
{
	if (ev.map_name.empty())
		return std::nullopt;
	return ev.map_name;
}

// An error message without the map's id, so that the same failure on many
// maps is one cause ("can't open map id 7: no such map" -> "can't open map
// id: no such map").
std::string cause_without_id(std::string msg, uint32_t map_id)
{
	std::string id = fmt::format(" {}", map_id);
	for (size_t at; (at = msg.find(id + ":")) != std::string::npos;)
		msg.erase(at, id.size());
	if (msg.size() >= id.size() && msg.compare(msg.size() - id.size(), id.size(), id) == 0)
		msg.erase(msg.size() - id.size());
	return msg;
}

std::string human_bytes(uint64_t b)
{
	if (b >= (1u << 20) && b % (1u << 20) == 0)
		return fmt::format("{} MiB", b >> 20);
	if (b >= 1024 && b % 1024 == 0)
		return fmt::format("{} KiB", b >> 10);
	return fmt::format("{} bytes", b);
}

// In-kernel counting sends no events: its losses are calls its bounded
// tables had no room for, which a ring buffer does not change.
std::string what_helps(const SessionConfig &sc)
{
	if (sc.aggregate)
		return "what helps: fewer maps (--map-id/--map-name) or fewer threads calling "
		       "at once";
	return fmt::format("what helps: a bigger --ringbuf-size (now {}), --order none, fewer "
			   "maps (--map-id/--map-name), or a less busy CPU for the tracer",
			   human_bytes(sc.ringbuf_bytes));
}

// The kernel-side configuration: one pid is filtered in BPF; several are
// filtered in userspace (the BPF filter takes one tgid).
// SEAM(hooks): when TraceConfig takes a pid set, pass sc.pids there.
TraceConfig kernel_config(TraceConfig cfg, const SessionConfig &sc)
{
	if (sc.pids.size() == 1)
		cfg.pid = sc.pids.front();
	else if (sc.pids.size() > 1)
		cfg.pid = 0;
	cfg.aggregate = sc.aggregate;
	if (sc.aggregate && sc.pids.size() > 1)
		cfg.agg_pids = sc.pids;
	if (sc.aggregate)
		cfg.agg_comm = sc.comm;
	return cfg;
}

// Aggregate readings more often than this keep the kernel's 32-bit
// per-CPU bucket counts from wrapping unseen (tracer.hpp).
constexpr auto kAggReadPeriod = std::chrono::seconds(1);

} // namespace

TraceSession::TraceSession(const TraceConfig &cfg, OrderMode order, TraceOutput &out,
			   std::map<uint32_t, MapLabel> labels)
	: TraceSession(cfg, SessionConfig{.order = order, .ringbuf_bytes = cfg.ringbuf_bytes}, out,
		       std::move(labels))
{
}

TraceSession::TraceSession(const TraceConfig &cfg, const SessionConfig &sc, TraceOutput &out,
			   std::map<uint32_t, MapLabel> labels)
	: out_(out), sc_(sc), labels_(std::move(labels)),
	  walks_(sc.order, [this](Walk &&w) {
		  const MapLabel &m = label(w.map_id, 0);
		  total_.add_walk(w);
		  interval_.add_walk(w);
		  out_.walk(w, m);
	  })
{
	for (auto &[id, l] : labels_) {
		selected_.insert(id);
		if (!sc_.aggregate) // no call reaches userspace to be placed in buckets
			hot_spots(id, l.type); // read geometry before attaching
	}
	if (geometry_)
		geometry_->detach(); // once for every map read
	tracer_ = Tracer::start(kernel_config(cfg, sc_),
				[this](const void *d, size_t n) { on_record(d, n); });
	window_start_ = std::chrono::steady_clock::now();
	agg_read_at_ = window_start_;
}

TraceSession::~TraceSession() = default;

bool TraceSession::wanted(const CallEvent &ev) const
{
	if (sc_.pids.size() > 1 &&
	    std::find(sc_.pids.begin(), sc_.pids.end(), ev.pid) == sc_.pids.end())
		return false;
	// The kernel keeps 15 bytes of a comm: a longer name matches its prefix.
	return sc_.comm.empty() || ev.comm == sc_.comm.substr(0, 15);
}

void TraceSession::on_record(const void *data, size_t len)
{
	received_++;
	auto ev = decode_event(data, len);
	if (!ev) {
		malformed_++;
		return;
	}
	if (!wanted(*ev)) {
		filtered_++;
		return;
	}
	label(ev->map_id, ev->map_type, event_map_name(*ev));
	std::optional<uint64_t> skipped;
	if (HotSpotTracker *h = hot_spots(ev->map_id, ev->map_type))
		if (auto placed = h->on_call(*ev))
			skipped = placed->skipped;
	total_.add_call(*ev);
	interval_.add_call(*ev);
	walks_.on_event(*ev, skipped);
}

const MapLabel &TraceSession::label(uint32_t map_id, uint32_t map_type,
				    const std::optional<std::string> &event_name)
{
	auto it = labels_.find(map_id);
	if (it != labels_.end())
		return it->second;
	MapLabel l{map_id, event_name.value_or(""), map_type};
	if (!event_name) {
		try {
			OpenMap m = open_map_by_id(map_id);
			l.name = m.info.name;
			l.type = m.info.type;
		} catch (const Error &) {
			// The map is gone: keep the id and the type from the event.
		}
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
				if (!geometry_)
					geometry_ = std::make_unique<HtabGeometryReader>();
				tracker.emplace(read_htab_model(m, MapContents{}, geometry_.get()));
			} catch (const Error &e) {
				warnings_.add("no bucket hot spots", cause_without_id(e.what(), map_id),
					      map_id);
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
	if (sc_.aggregate)
		for (auto &[id, s] : stats.maps())
			mark_aggregate(s);
	for (auto &[id, n] : lost)
		stats.of(id).lost_events = n;
	if (scope == "total")
		for (auto &[id, by_errno] : tracer_->failed_by_errno())
			stats.of(id).failed_by_errno = by_errno;
	if (scope == "interval" && sc_.recent_slowest)
		for (auto &[id, tracker] : hot_)
			if (tracker && (stats.maps().count(id) || selected_.count(id)))
				stats.of(id).recent_slowest = tracker->take_recent();
	SummarySort sort = sc_.sort.value_or(sc_.top ? SummarySort::Calls : SummarySort::MapId);
	SummarySelection sel = select_summaries(stats.maps(), selected_, sort, sc_.top);
	out_.summaries_begin({std::string(scope), iso8601_now(), sel.shown.size(), sel.candidates,
			      summary_sort_name(sort), sc_.top, std::string(tracer_->hook_name())});
	for (uint32_t id : sel.shown) {
		MapStats &s = stats.of(id);
		auto h = hot_.find(id);
		if (scope == "total" && h != hot_.end() && h->second)
			s.hot_spots = h->second->summary();
		out_.summary(s, label(id, 0), scope);
	}
}

void TraceSession::read_aggregates(const std::vector<uint32_t> *listed_before)
{
	agg_read_at_ = std::chrono::steady_clock::now();
	// The kernel's per-map table is bounded: once it is a quarter full, the
	// maps that are gone are deleted after each reading (room for a burst
	// of new maps within one reading period). Gone: read at the previous
	// reading (so it existed then) and missing from a list of the maps
	// asked for *before* this reading, which therefore holds every call it
	// had. (Asked after, a map could take calls after the reading, vanish,
	// and be deleted with those calls uncounted.)
	std::optional<std::set<uint32_t>> gone;
	if (agg_prev_.size() * 4 >= tracer_->aggregate_capacity()) {
		std::set<uint32_t> read_before;
		for (auto &[id, a] : agg_prev_)
			read_before.insert(id);
		std::vector<uint32_t> listed;
		if (!listed_before) {
			listed = all_map_ids();
			listed_before = &listed;
		}
		gone = gone_maps(read_before, *listed_before);
	}
	auto cur = tracer_->aggregates();
	uint64_t calls = 0;
	for (auto &[id, a] : cur) {
		calls += a.calls();
		auto p = agg_prev_.find(id);
		AggMap d = agg_delta(a, p == agg_prev_.end() ? nullptr : &p->second);
		label(id, a.map_type, a.map_name.empty() ? std::nullopt
							 : std::optional<std::string>(a.map_name));
		if (!d.calls() && !d.walks_started && !d.batch_walks_started)
			continue;
		add_aggregate(total_.of(id), d, a.latency_max_ns);
		add_aggregate(interval_.of(id), d, a.latency_max_ns);
	}
	received_ += calls - agg_prev_calls_;
	agg_prev_calls_ = calls;
	agg_prev_ = std::move(cur);
	if (gone)
		forget_gone_aggregates(*gone);
}

// Gone maps leave the kernel's table after their last reading, so a long
// run over churning maps keeps counting new ones.
void TraceSession::forget_gone_aggregates(const std::set<uint32_t> &gone)
{
	for (uint32_t id : gone) {
		auto it = agg_prev_.find(id);
		if (it == agg_prev_.end())
			continue;
		const AggMap &a = it->second;
		// Its open walks can't go on: they end now, incomplete.
		add_open_walks(total_.of(id), a);
		add_open_walks(interval_.of(id), a);
		agg_prev_calls_ -= a.calls();
		agg_prev_.erase(it);
	}
	tracer_->forget_aggregates(gone);
}

std::set<uint32_t> TraceSession::seen_maps() const
{
	std::set<uint32_t> ids;
	for (auto &[id, l] : labels_)
		ids.insert(id);
	for (auto &[id, n] : lost_at_interval_)
		ids.insert(id);
	return ids;
}

// The maps of `seen` missing from `live` (all_map_ids()). When `seen` was
// known before that listing, each of them existed then and is gone now (a
// map made since is missing from the list too, but it can't be in `seen`).
std::set<uint32_t> TraceSession::gone_maps(const std::set<uint32_t> &seen,
					   const std::vector<uint32_t> &live)
{
	std::set<uint32_t> alive(live.begin(), live.end()), gone;
	for (uint32_t id : seen)
		if (!alive.count(id))
			gone.insert(id);
	return gone;
}

void TraceSession::forget_gone(std::set<uint32_t> gone)
{
	// Selected maps are always summarised; a map still in the counting
	// table leaves it after its last reading (forget_gone_aggregates), and
	// here at a later call.
	std::erase_if(gone, [&](uint32_t id) { return selected_.count(id) || agg_prev_.count(id); });
	for (uint32_t id : gone) {
		auto l = lost_at_interval_.find(id);
		gone_with_losses_ += l != lost_at_interval_.end() && l->second;
		labels_.erase(id);
		hot_.erase(id);
		total_.maps().erase(id);
		lost_at_interval_.erase(id);
	}
	tracer_->forget_lost(gone);
}

void TraceSession::warn_callers_overflow()
{
	std::vector<uint32_t> ids;
	uint64_t calls = 0;
	for (auto &[id, s] : total_.maps())
		if (s.callers_overflow.value_or(0)) {
			ids.push_back(id);
			calls += *s.callers_overflow;
		}
	if (!ids.empty())
		out_.warning(fmt::format("the callers table is full: {} calls on {} not attributed to a "
					 "caller (summaries: callers_overflow)",
					 calls, describe_map_ids(ids)));
}

void TraceSession::poll(int timeout_ms)
{
	tracer_->poll(timeout_ms);
	if (sc_.aggregate && std::chrono::steady_clock::now() - agg_read_at_ >= kAggReadPeriod)
		read_aggregates();
	// Maps first seen in this drain had their geometry read: one detach
	// for all of them.
	if (geometry_ && geometry_->attached())
		geometry_->detach();
	watch_losses();
}

// Under CPU starvation the drain falls behind and the ring fills: say so
// once, while it happens, with the rate and what helps.
void TraceSession::watch_losses()
{
	auto now = std::chrono::steady_clock::now();
	if (told_starved_ || now - window_start_ < kLossWindow)
		return;
	KernelCounters k = tracer_->counters();
	uint64_t lost = k.lost - window_counters_.lost;
	uint64_t made = (k.calls + k.no_slot) - (window_counters_.calls + window_counters_.no_slot);
	if (lost) {
		double secs = std::chrono::duration<double>(now - window_start_).count();
		out_.warning(fmt::format("the tracer is not keeping up: {:.1f}% of events lost in the "
					 "last {:.1f} s ({} of {} calls); the summaries count them as "
					 "lost_events; {}",
					 made ? 100.0 * lost / made : 100.0, secs, lost, made,
					 what_helps(sc_)));
		told_starved_ = true;
	}
	window_start_ = now;
	window_counters_ = k;
}

void TraceSession::warn_lost(const KernelCounters &k, const std::map<uint32_t, uint64_t> &lost)
{
	if (!k.lost)
		return;
	std::vector<uint32_t> ids;
	for (auto &[id, n] : lost)
		if (n)
			ids.push_back(id);
	// Maps forgotten once gone (serve, top) are no longer listed.
	std::string where = ids.empty() ? "" : describe_map_ids(ids);
	if (gone_with_losses_)
		where += fmt::format("{}{} map{} since gone", where.empty() ? "" : " and ",
				     gone_with_losses_, gone_with_losses_ == 1 ? "" : "s");
	// The kernel's per-map table was full for these: in no summary.
	if (k.lost_no_room)
		where += fmt::format("{}maps the per-map loss table had no room for ({} events, in "
				     "no summary)", where.empty() ? "" : " and ", k.lost_no_room);
	uint64_t made = k.calls + k.no_slot;
	out_.warning(fmt::format("{} events lost on {} ({} {}, {} no per-thread slot; "
				 "{:.1f}% of {} calls); the summaries count them as lost_events; {}",
				 k.lost, where.empty() ? "no map known" : where, k.lost - k.no_slot,
				 sc_.aggregate ? "counting table full" : "ring buffer full", k.no_slot,
				 made ? 100.0 * k.lost / made : 100.0, made,
				 what_helps(sc_)));
}

void TraceSession::print_interval(const std::vector<uint32_t> *listed_before)
{
	if (sc_.aggregate)
		read_aggregates(listed_before);
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
	if (sc_.aggregate) {
		read_aggregates();
		// Walks still open end now, as the event path ends them.
		for (auto &[id, a] : agg_prev_) {
			add_open_walks(total_.of(id), a);
			add_open_walks(interval_.of(id), a);
		}
	}
	if (sc_.intervals)
		print_interval(); // the last, partial interval
	KernelCounters k = tracer_->counters();
	auto lost = tracer_->lost_by_map();
	print_summaries(total_, lost, "total");

	warn_lost(k, lost);
	if (sc_.aggregate)
		warn_callers_overflow();
	warnings_.flush(out_);
	if (malformed_)
		out_.warning(fmt::format("{} malformed events ignored", malformed_));
	if (k.calls != received_ + (k.lost - k.no_slot))
		out_.warning(fmt::format("accounting mismatch: kernel counted {} calls, received {}, "
					 "lost {}", k.calls, received_, k.lost - k.no_slot));
}

} // namespace tmi
