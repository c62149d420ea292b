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
	for (auto &[who, count] : callers) {
		Caller c{who.first, who.second, count, std::nullopt};
		if (!order_known) {
			auto w = caller_walks.find(who);
			c.walks = w == caller_walks.end() ? 0 : w->second;
		}
		out.push_back(std::move(c));
	}
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

std::optional<SummarySort> parse_summary_sort(std::string_view s)
{
	if (s == "id")
		return SummarySort::MapId;
	if (s == "calls")
		return SummarySort::Calls;
	if (s == "walks")
		return SummarySort::Walks;
	if (s == "p99")
		return SummarySort::P99;
	if (s == "lost")
		return SummarySort::Lost;
	if (s == "restarts")
		return SummarySort::Restarts;
	return std::nullopt;
}

const char *summary_sort_name(SummarySort s)
{
	switch (s) {
	case SummarySort::MapId: return "map id";
	case SummarySort::Calls: return "calls";
	case SummarySort::Walks: return "walks";
	case SummarySort::P99: return "p99";
	case SummarySort::Lost: return "lost";
	case SummarySort::Restarts: return "restarts";
	}
	return "map id";
}

static uint64_t sort_value(const MapStats &s, SummarySort by)
{
	switch (by) {
	case SummarySort::MapId: return 0;
	case SummarySort::Calls: return s.calls;
	case SummarySort::Walks: return s.walks;
	case SummarySort::P99: return s.latency.percentile(99);
	case SummarySort::Lost: return s.lost_events;
	case SummarySort::Restarts: return s.restarts;
	}
	return 0;
}

SummarySelection select_summaries(const std::map<uint32_t, MapStats> &stats,
				  const std::set<uint32_t> &selected, SummarySort sort, size_t top)
{
	SummarySelection sel;
	std::vector<std::pair<uint64_t, uint32_t>> rows; // (value, id)
	for (auto &[id, s] : stats) {
		bool active = s.calls + s.lost_events > 0;
		if (active || selected.count(id))
			rows.emplace_back(sort_value(s, sort), id);
	}
	// stats is ordered by id, so a stable sort keeps ties by id.
	std::stable_sort(rows.begin(), rows.end(),
			 [](const auto &a, const auto &b) { return a.first > b.first; });
	sel.candidates = rows.size();
	if (top && rows.size() > top)
		rows.resize(top);
	for (auto &r : rows)
		sel.shown.push_back(r.second);
	return sel;
}

} // namespace tmi
