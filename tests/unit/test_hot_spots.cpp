// Placing traced calls in buckets: skip distances and chain positions.
#include <gtest/gtest.h>

#include "analysis/hot_spots.hpp"

using namespace tmi;

namespace {

Bytes key_in_bucket(const HtabModel &m, uint32_t bucket, uint64_t skip = 0)
{
	for (uint64_t i = 0;; i++) {
		Bytes k(reinterpret_cast<const char *>(&i), 8);
		if (m.bucket(k) == bucket && skip-- == 0)
			return k;
	}
}

CallEvent call(std::optional<Bytes> cursor, std::optional<Bytes> next, uint64_t lat)
{
	CallEvent ev;
	ev.tid = 1;
	ev.cursor = std::move(cursor);
	ev.next_key = std::move(next);
	ev.ret = ev.next_key ? 0 : -2;
	ev.latency_ns = lat;
	return ev;
}

} // namespace

TEST(HotSpots, SkipDistancesAndChainPositions)
{
	HtabModel m{16, 0, HashVariant::Jhash2ForWords};
	Bytes a = key_in_bucket(m, 2), b = key_in_bucket(m, 2, 1), c = key_in_bucket(m, 9);
	HotSpotTracker t(m, 10);
	t.on_call(call(std::nullopt, a, 100)); // start -> 2: buckets 0, 1 scanned
	t.on_call(call(a, b, 50));             // same bucket: 0 scanned, chain position 2
	CallEvent last = call(std::nullopt, c, 300); // cursor not copied: continues from b
	last.cursor_is_last = true;
	t.on_call(last);                       // 2 -> 9: 6 scanned
	t.on_call(call(c, std::nullopt, 200)); // 9 -> end: 6 scanned (10..15)
	HotSpots h = t.summary();
	ASSERT_EQ(h.slowest.size(), 4u);
	EXPECT_EQ(h.slowest[0].latency_ns, 300u);
	EXPECT_EQ(h.slowest[0].from_bucket, 2);
	EXPECT_EQ(h.slowest[0].to_bucket, 9u);
	EXPECT_EQ(h.slowest[0].skipped, 6u);
	EXPECT_EQ(h.slowest[1].to_bucket, 16u); // ENOENT
	EXPECT_EQ(h.slowest[1].skipped, 6u);
	EXPECT_EQ(h.slowest[1].chain_pos, 0u);
	EXPECT_EQ(h.slowest[2].from_bucket, -1);
	EXPECT_EQ(h.slowest[2].skipped, 2u);
	EXPECT_EQ(h.slowest[3].skipped, 0u);
	EXPECT_EQ(h.slowest[3].chain_pos, 2u);
	uint64_t calls = 0;
	for (auto &s : h.by_skip)
		calls += s.calls;
	EXPECT_EQ(calls, 4u);
	EXPECT_EQ(h.by_skip.front().lo, 0u); // the same-bucket call
	EXPECT_EQ(h.by_skip.back().lo, 4u);  // 6 falls in [4, 7]
	EXPECT_EQ(h.by_skip.back().calls, 2u);
}

// The recent list (live views): the slowest since the last take, with who
// made them; taking it empties it and leaves the since-start list alone.
TEST(HotSpots, RecentSlowestIsTakenPerInterval)
{
	HtabModel m{16, 0, HashVariant::Jhash2ForWords};
	Bytes a = key_in_bucket(m, 3);
	HotSpotTracker t(m, 2);
	auto by = [&](uint64_t lat, uint32_t pid, const std::string &comm) {
		CallEvent ev = call(std::nullopt, a, lat);
		ev.pid = pid;
		ev.comm = comm;
		return ev;
	};
	t.on_call(by(100, 10, "one"));
	t.on_call(by(300, 11, "two"));
	t.on_call(by(200, 12, "three"));
	auto recent = t.take_recent();
	ASSERT_EQ(recent.size(), 2u);
	EXPECT_EQ(recent[0].latency_ns, 300u);
	EXPECT_EQ(recent[0].pid, 11u);
	EXPECT_EQ(recent[0].comm, "two");
	EXPECT_EQ(recent[0].skipped, 3u);
	EXPECT_EQ(recent[1].comm, "three");
	EXPECT_TRUE(t.take_recent().empty());
	t.on_call(by(50, 13, "four"));
	recent = t.take_recent();
	ASSERT_EQ(recent.size(), 1u);
	EXPECT_EQ(recent[0].comm, "four");
	EXPECT_EQ(t.summary().slowest.size(), 2u);
	EXPECT_EQ(t.summary().slowest[0].latency_ns, 300u);
}
