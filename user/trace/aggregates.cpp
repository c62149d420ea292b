// aggregates.cpp: see aggregates.hpp.
#include "trace/aggregates.hpp"

#include <algorithm>

namespace tmi {

void widen_counts(const uint32_t *counts, size_t n, std::vector<uint32_t> &raw,
		  std::vector<uint64_t> &total)
{
	size_t used = n;
	while (used > raw.size() && !counts[used - 1])
		used--;
	if (used > raw.size())
		raw.resize(used);
	if (raw.size() > total.size())
		total.resize(raw.size());
	for (size_t b = 0; b < raw.size(); b++) {
		total[b] += uint32_t(counts[b] - raw[b]); // modulo 2^32
		raw[b] = counts[b];
	}
}

AggMap agg_delta(const AggMap &cur, const AggMap *prev)
{
	if (!prev)
		return cur;
	AggMap d = cur;
	auto sub = [](uint64_t &a, uint64_t b) { a = a >= b ? a - b : 0; };
	sub(d.get_next_key_calls, prev->get_next_key_calls);
	sub(d.lookup_batch_calls, prev->lookup_batch_calls);
	sub(d.lookup_and_delete_batch_calls, prev->lookup_and_delete_batch_calls);
	sub(d.walks_started, prev->walks_started);
	sub(d.walks_complete, prev->walks_complete);
	sub(d.walks_abandoned, prev->walks_abandoned);
	sub(d.batch_walks_started, prev->batch_walks_started);
	sub(d.batch_walks_complete, prev->batch_walks_complete);
	sub(d.batch_walks_abandoned, prev->batch_walks_abandoned);
	sub(d.walks_other_start, prev->walks_other_start);
	sub(d.latency_sum_ns, prev->latency_sum_ns);
	sub(d.callers_overflow, prev->callers_overflow);
	for (size_t i = 0; i < d.hist.size() && i < prev->hist.size(); i++)
		sub(d.hist[i], prev->hist[i]);
	for (auto &[tgid, c] : d.callers) {
		auto p = prev->callers.find(tgid);
		if (p == prev->callers.end())
			continue;
		sub(c.calls, p->second.calls);
		sub(c.walks, p->second.walks);
	}
	std::erase_if(d.callers, [](const auto &kv) { return !kv.second.calls && !kv.second.walks; });
	return d;
}

void mark_aggregate(MapStats &s)
{
	s.order_known = false;
	if (!s.unknown_starts)
		s.unknown_starts = 0;
	if (!s.callers_overflow)
		s.callers_overflow = 0;
}

void add_aggregate(MapStats &s, const AggMap &d, uint64_t max_seen)
{
	mark_aggregate(s);
	uint64_t batch = d.lookup_batch_calls + d.lookup_and_delete_batch_calls;
	s.get_next_key_calls += d.get_next_key_calls;
	s.batch_calls += batch;
	s.lookup_and_delete_batch_calls += d.lookup_and_delete_batch_calls;
	s.calls += d.get_next_key_calls + batch;
	uint64_t batch_ended = d.batch_walks_complete + d.batch_walks_abandoned;
	s.walks += d.walks_complete + d.walks_abandoned + batch_ended;
	s.complete_walks += d.walks_complete + d.batch_walks_complete;
	s.batch_walks += batch_ended;
	*s.unknown_starts += d.walks_other_start;
	*s.callers_overflow += d.callers_overflow;
	s.latency.add_buckets(d.hist, d.latency_sum_ns, max_seen);
	for (auto &[tgid, c] : d.callers) {
		std::pair<uint32_t, std::string> who{tgid, c.comm};
		if (c.calls)
			s.callers[who] += c.calls;
		s.caller_walks[who] += c.walks;
	}
}

void add_open_walks(MapStats &s, const AggMap &cum)
{
	mark_aggregate(s);
	auto open = [](uint64_t started, uint64_t complete, uint64_t abandoned) {
		return started > complete + abandoned ? started - complete - abandoned : 0;
	};
	uint64_t gnk = open(cum.walks_started, cum.walks_complete, cum.walks_abandoned);
	uint64_t batch = open(cum.batch_walks_started, cum.batch_walks_complete,
			      cum.batch_walks_abandoned);
	s.walks += gnk + batch;
	s.batch_walks += batch;
}

} // namespace tmi
