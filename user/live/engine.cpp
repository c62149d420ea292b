// engine.cpp: see engine.hpp.
#include "live/engine.hpp"

#include <algorithm>

namespace tmi {

void LiveMapState::add_interval(const MapStats &s, double seconds)
{
	get_next_key_calls += s.get_next_key_calls;
	batch_lookup_and_delete_calls += s.lookup_and_delete_batch_calls;
	batch_lookup_calls += s.batch_calls - s.lookup_and_delete_batch_calls;
	walks_complete += s.complete_walks;
	walks_incomplete += s.walks - s.complete_walks;
	restarts += s.restarts;
	duplicates += s.duplicates;
	lost_events += s.lost_events;
	latency.merge(s.latency);

	// Sum this interval by comm (pids differ), biggest first, so that when
	// the cap is reached the busiest newcomers are the ones named.
	std::map<std::string, uint64_t> by_comm;
	for (auto &[who, n] : s.callers)
		by_comm[who.second] += n;
	std::vector<std::pair<std::string, uint64_t>> order(by_comm.begin(), by_comm.end());
	std::stable_sort(order.begin(), order.end(),
			 [](auto &a, auto &b) { return a.second > b.second; });
	for (auto &[comm, n] : order) {
		auto it = callers.find(comm);
		size_t named = callers.size() - callers.count(kOtherCallers);
		if (it != callers.end() && comm != kOtherCallers)
			it->second += n;
		else if (named < kCallerCap && comm != kOtherCallers)
			callers.emplace(comm, n);
		else
			callers[kOtherCallers] += n;
	}

	last = IntervalCounts{s.get_next_key_calls, s.batch_calls, s.walks, s.latency, seconds};
	if (s.recent_slowest)
		add_slowest(*s.recent_slowest, seconds);
}

void LiveMapState::add_slowest(const std::vector<SlowCall> &interval, double seconds)
{
	slow_window.emplace_back(seconds, interval);
	if (slow_window.size() > kSlowWindow)
		slow_window.pop_front();
	std::vector<SlowCall> all;
	slowest_seconds = 0;
	for (auto &[secs, calls] : slow_window) {
		slowest_seconds += secs;
		all.insert(all.end(), calls.begin(), calls.end());
	}
	std::stable_sort(all.begin(), all.end(),
			 [](auto &a, auto &b) { return a.latency_ns > b.latency_ns; });
	if (all.size() > kSlowShown)
		all.resize(kSlowShown);
	slowest = std::move(all);
}

std::string LiveMapState::top_caller() const
{
	std::string best;
	uint64_t most = 0;
	for (auto &[comm, n] : callers)
		if (n > most) {
			most = n;
			best = comm;
		}
	return best;
}

LiveEngine::LiveEngine(Prober prober, std::function<void(std::string_view)> warn)
	: prober_(std::move(prober)), warn_(std::move(warn))
{
}

LiveMapState *LiveEngine::state_of(uint32_t map_id, const MapLabel &hint)
{
	auto it = maps_.find(map_id);
	if (it != maps_.end())
		return &it->second;
	// Adopt only maps that exist now: a gone map's late summary must not
	// bring its series back.
	std::optional<MapLabel> label = prober_(map_id);
	if (!label)
		return nullptr;
	if (label->name.empty())
		label->name = hint.name;
	LiveMapState st;
	st.label = *label;
	st.order_known = order_known_;
	return &maps_.emplace(map_id, std::move(st)).first->second;
}

void LiveEngine::summary(const MapStats &s, const MapLabel &map, std::string_view scope)
{
	if (scope != "interval")
		return;
	std::lock_guard lock(mu_);
	if (LiveMapState *st = state_of(s.map_id, map))
		st->add_interval(s, interval_seconds_);
}

void LiveEngine::warning(std::string_view msg)
{
	if (warn_)
		warn_(msg);
}

void LiveEngine::begin_interval(double seconds)
{
	std::lock_guard lock(mu_);
	interval_seconds_ = seconds;
}

void LiveEngine::adopt(const MapLabel &label)
{
	std::lock_guard lock(mu_);
	auto [it, inserted] = maps_.try_emplace(label.id);
	if (inserted) {
		it->second.label = label;
		it->second.order_known = order_known_;
	}
}

void LiveEngine::set_order_known(bool known)
{
	std::lock_guard lock(mu_);
	order_known_ = known;
	for (auto &[id, st] : maps_)
		st.order_known = known;
}

void LiveEngine::drop(const std::set<uint32_t> &gone)
{
	std::lock_guard lock(mu_);
	for (uint32_t id : gone)
		maps_.erase(id);
}

void LiveEngine::set_facts(uint32_t map_id, const MapFacts &f)
{
	std::lock_guard lock(mu_);
	auto it = maps_.find(map_id);
	if (it != maps_.end())
		it->second.facts = f;
}

std::vector<uint32_t> LiveEngine::map_ids() const
{
	std::lock_guard lock(mu_);
	std::vector<uint32_t> ids;
	for (auto &[id, st] : maps_)
		ids.push_back(id);
	return ids;
}

std::vector<LiveMapState> LiveEngine::snapshot() const
{
	std::lock_guard lock(mu_);
	std::vector<LiveMapState> out;
	out.reserve(maps_.size());
	for (auto &[id, st] : maps_)
		out.push_back(st);
	return out;
}

} // namespace tmi
