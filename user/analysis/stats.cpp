// stats.cpp: see stats.hpp.
#include "analysis/stats.hpp"

#include <algorithm>

namespace tmi {

void MapStats::add_call(const CallEvent &ev)
{
	calls++;
	if (ev.is_batch())
		batch_calls++;
	else
		get_next_key_calls++;
	if (ev.cmd == Cmd::LookupAndDeleteBatch)
		lookup_and_delete_batch_calls++;
	latency.add(ev.latency_ns);
	callers[{ev.pid, ev.comm}]++;
}

void MapStats::add_walk(const Walk &w)
{
	walks++;
	if (w.complete)
		complete_walks++;
	if (w.batch)
		batch_walks++;
	restarts += w.restarts;
	duplicates += w.duplicates;
}

std::vector<Caller> MapStats::top_callers(size_t n) const
{
	std::vector<Caller> out;
	for (auto &[who, count] : callers)
		out.push_back({who.first, who.second, count});
	std::stable_sort(out.begin(), out.end(), [](const Caller &a, const Caller &b) {
		return a.calls > b.calls;
	});
	if (out.size() > n)
		out.resize(n);
	return out;
}

MapStats &StatsSet::of(uint32_t map_id)
{
	auto [it, inserted] = maps_.try_emplace(map_id);
	if (inserted)
		it->second.map_id = map_id;
	return it->second;
}

} // namespace tmi
