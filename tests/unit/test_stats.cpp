// Which summaries a block shows (--top, --sort, idle maps left out).
#include <gtest/gtest.h>

#include "analysis/stats.hpp"

using namespace tmi;

namespace {

MapStats stats(uint32_t id, uint64_t calls, uint64_t walks, uint64_t lost, uint64_t restarts,
	       uint64_t latency_ns)
{
	MapStats s;
	s.map_id = id;
	for (uint64_t i = 0; i < calls; i++) {
		CallEvent ev;
		ev.map_id = id;
		ev.latency_ns = latency_ns;
		s.add_call(ev);
	}
	s.walks = walks;
	s.lost_events = lost;
	s.restarts = restarts;
	return s;
}

std::map<uint32_t, MapStats> sample()
{
	std::map<uint32_t, MapStats> m;
	m[1] = stats(1, 10, 1, 0, 0, 100);
	m[2] = stats(2, 0, 0, 0, 0, 0);      // idle
	m[3] = stats(3, 50, 5, 2, 1, 10);
	m[4] = stats(4, 0, 0, 7, 0, 0);      // only lost events: not idle
	m[5] = stats(5, 20, 9, 0, 3, 5000);
	return m;
}

} // namespace

TEST(SelectSummaries, IdleMapsLeftOutUnlessSelected)
{
	auto m = sample();
	auto sel = select_summaries(m, {}, SummarySort::MapId, 0);
	EXPECT_EQ(sel.shown, (std::vector<uint32_t>{1, 3, 4, 5}));
	EXPECT_EQ(sel.candidates, 4u);
	sel = select_summaries(m, {2}, SummarySort::MapId, 0);
	EXPECT_EQ(sel.shown, (std::vector<uint32_t>{1, 2, 3, 4, 5}));
	EXPECT_EQ(sel.candidates, 5u);
}

TEST(SelectSummaries, SortsDescendingWithTiesByIdAndCutsAtTop)
{
	auto m = sample();
	EXPECT_EQ(select_summaries(m, {}, SummarySort::Calls, 0).shown,
		  (std::vector<uint32_t>{3, 5, 1, 4}));
	EXPECT_EQ(select_summaries(m, {}, SummarySort::Walks, 2).shown, (std::vector<uint32_t>{5, 3}));
	EXPECT_EQ(select_summaries(m, {}, SummarySort::Lost, 1).shown, (std::vector<uint32_t>{4}));
	EXPECT_EQ(select_summaries(m, {}, SummarySort::Restarts, 0).shown,
		  (std::vector<uint32_t>{5, 3, 1, 4}));
	EXPECT_EQ(select_summaries(m, {}, SummarySort::P99, 2).shown, (std::vector<uint32_t>{5, 1}));
	auto sel = select_summaries(m, {}, SummarySort::Calls, 2);
	EXPECT_EQ(sel.candidates, 4u);
}

TEST(SelectSummaries, ParsesSortKeys)
{
	EXPECT_EQ(parse_summary_sort("p99"), SummarySort::P99);
	EXPECT_EQ(parse_summary_sort("restarts"), SummarySort::Restarts);
	EXPECT_FALSE(parse_summary_sort("bogus"));
}
