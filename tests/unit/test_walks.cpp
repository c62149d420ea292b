// Walk reconstruction on recorded event sequences (no kernel).
#include <gtest/gtest.h>

#include "base/sha256.hpp"
#include "trace/walks.hpp"

using namespace tmi;

namespace {

constexpr int32_t kEnd = -2; // -ENOENT

Bytes key(uint32_t i) { return Bytes(reinterpret_cast<const char *>(&i), sizeof(i)); }

struct Recorder {
	std::vector<Walk> walks;
	WalkTracker tracker{OrderMode::Full, [this](Walk &&w) { walks.push_back(std::move(w)); }};
	uint64_t ts = 1000;

	CallEvent call(uint32_t tid, std::optional<Bytes> cursor, std::optional<Bytes> next,
		       uint32_t map = 7)
	{
		CallEvent ev;
		ev.ts_ns = ts += 100;
		ev.latency_ns = 50;
		ev.pid = 1;
		ev.tid = tid;
		ev.map_id = map;
		ev.comm = "walker";
		ev.cursor = std::move(cursor);
		ev.next_key = std::move(next);
		ev.ret = ev.next_key ? 0 : kEnd;
		return ev;
	}
	void gnk(uint32_t tid, std::optional<Bytes> cursor, std::optional<Bytes> next, uint32_t map = 7)
	{
		tracker.on_event(call(tid, std::move(cursor), std::move(next), map));
	}
	// get_next_key whose cursor the kernel side did not copy (TMI_F_CURSOR_IS_LAST).
	void gnk_last(uint32_t tid, std::optional<Bytes> next)
	{
		CallEvent ev = call(tid, std::nullopt, std::move(next));
		ev.cursor_is_last = true;
		tracker.on_event(ev);
	}
	// A full walk over keys in the given order.
	void walk(uint32_t tid, const std::vector<uint32_t> &order)
	{
		std::optional<Bytes> cur;
		for (uint32_t k : order) {
			gnk(tid, cur, key(k));
			cur = key(k);
		}
		gnk(tid, cur, std::nullopt);
	}
};

} // namespace

TEST(Walks, CompleteWalkCountsKeysAndCalls)
{
	Recorder r;
	r.walk(10, {3, 1, 2});
	ASSERT_EQ(r.walks.size(), 1u);
	const Walk &w = r.walks[0];
	EXPECT_EQ(w.keys, 3u);
	EXPECT_EQ(w.calls, 4u);
	EXPECT_TRUE(w.complete);
	EXPECT_FALSE(w.resumed);
	EXPECT_EQ(w.restarts, 0u);
	EXPECT_EQ(w.duplicates, 0u);
	EXPECT_EQ(w.busy_ns, 4u * 50);
	EXPECT_EQ(w.order, (std::vector<Bytes>{key(3), key(1), key(2)}));
	EXPECT_EQ(w.order_sha256, Sha256::hex_of(key(3) + key(1) + key(2)));
}

TEST(Walks, EmptyMapWalkIsOneCallNoKeys)
{
	Recorder r;
	r.gnk(10, std::nullopt, std::nullopt);
	ASSERT_EQ(r.walks.size(), 1u);
	EXPECT_EQ(r.walks[0].keys, 0u);
	EXPECT_EQ(r.walks[0].calls, 1u);
	EXPECT_TRUE(r.walks[0].complete);
	EXPECT_EQ(r.walks[0].order_sha256, Sha256::hex_of(""));
}

TEST(Walks, NewNullStartEndsPreviousWalkIncomplete)
{
	Recorder r;
	r.gnk(10, std::nullopt, key(1));
	r.gnk(10, key(1), key(2));
	r.walk(10, {1, 2, 3});
	ASSERT_EQ(r.walks.size(), 2u);
	EXPECT_FALSE(r.walks[0].complete);
	EXPECT_EQ(r.walks[0].keys, 2u);
	EXPECT_TRUE(r.walks[1].complete);
	EXPECT_EQ(r.walks[1].keys, 3u);
}

TEST(Walks, CursorNeverReturnedStartsAnUnknownKeyWalkNotAResumedOne)
{
	Recorder r;
	r.gnk(10, std::nullopt, key(1));
	r.gnk(10, key(1), key(2));
	r.gnk(10, key(9), key(4)); // jumps to a key this walk was never given
	r.gnk(10, key(4), std::nullopt);
	ASSERT_EQ(r.walks.size(), 2u);
	EXPECT_FALSE(r.walks[0].complete);
	EXPECT_EQ(r.walks[0].start, WalkStart::Null);
	EXPECT_FALSE(r.walks[1].resumed);
	EXPECT_EQ(r.walks[1].start, WalkStart::UnknownKey);
	EXPECT_TRUE(r.walks[1].complete);
	EXPECT_EQ(r.walks[1].keys, 1u);
	EXPECT_EQ(r.walks[1].calls, 2u);
}

TEST(Walks, CursorReturnedEarlierInTheWalkStartsAResumedWalk)
{
	Recorder r;
	r.gnk(10, std::nullopt, key(1));
	r.gnk(10, key(1), key(2));
	r.gnk(10, key(2), key(3));
	r.gnk(10, key(1), key(2)); // back to a key this walk returned
	r.gnk(10, key(2), key(3));
	r.gnk(10, key(1), key(2)); // and again: still a resume (chained)
	r.gnk(10, key(2), std::nullopt);
	ASSERT_EQ(r.walks.size(), 3u);
	EXPECT_EQ(r.walks[1].start, WalkStart::Resumed);
	EXPECT_TRUE(r.walks[1].resumed);
	EXPECT_EQ(r.walks[2].start, WalkStart::Resumed);
	EXPECT_TRUE(r.walks[2].complete);
}

// bpftrace walks from a key that is not in the map: the kernel starts at
// the first key, and the walk is complete, not resumed.
TEST(Walks, BpftraceStyleWalkFromAbsentKeyIsCompleteAndNotResumed)
{
	Recorder r;
	r.gnk(10, key(0xdead), key(3));
	r.gnk(10, key(3), key(1));
	r.gnk(10, key(1), std::nullopt);
	ASSERT_EQ(r.walks.size(), 1u);
	EXPECT_TRUE(r.walks[0].complete);
	EXPECT_FALSE(r.walks[0].resumed);
	EXPECT_EQ(r.walks[0].start, WalkStart::UnknownKey);
	EXPECT_EQ(r.walks[0].keys, 2u);
}

TEST(Walks, NullStartAfterAnOpenWalkIsANullStart)
{
	Recorder r;
	r.gnk(10, std::nullopt, key(1));
	r.walk(10, {1, 2});
	ASSERT_EQ(r.walks.size(), 2u);
	EXPECT_EQ(r.walks[1].start, WalkStart::Null);
	EXPECT_FALSE(r.walks[1].resumed);
}

TEST(Walks, RestartAfterDeletedCursorCountsDuplicates)
{
	// Kernel order 1 2 3 4 5; the cursor 3 is deleted, so the kernel
	// restarts from bucket 0: 1 2 4 5 follow, of which 1 and 2 repeat.
	Recorder r;
	r.walk(10, {1, 2, 3, 1, 2, 4, 5});
	ASSERT_EQ(r.walks.size(), 1u);
	EXPECT_EQ(r.walks[0].keys, 7u);
	EXPECT_EQ(r.walks[0].duplicates, 2u);
	EXPECT_EQ(r.walks[0].restarts, 1u);
}

TEST(Walks, TwoSeparateRestartsAreCountedTwice)
{
	Recorder r;
	r.walk(10, {1, 2, 3, 1, 2, 4, 1, 2, 5});
	ASSERT_EQ(r.walks.size(), 1u);
	EXPECT_EQ(r.walks[0].restarts, 2u);
	EXPECT_EQ(r.walks[0].duplicates, 4u);
}

TEST(Walks, UncopiedCursorContinuesTheWalk)
{
	Recorder r;
	r.gnk(10, std::nullopt, key(1));
	r.gnk_last(10, key(2));
	r.gnk_last(10, std::nullopt);
	ASSERT_EQ(r.walks.size(), 1u);
	EXPECT_TRUE(r.walks[0].complete);
	EXPECT_FALSE(r.walks[0].resumed);
	EXPECT_EQ(r.walks[0].keys, 2u);
}

TEST(Walks, InterleavedThreadsAndMapsAreSeparateWalks)
{
	Recorder r;
	r.gnk(10, std::nullopt, key(1));
	r.gnk(11, std::nullopt, key(1));
	r.gnk(10, std::nullopt, key(5), 8); // same thread, other map
	r.gnk(10, key(1), std::nullopt);
	r.gnk(11, key(1), key(2));
	r.gnk(11, key(2), std::nullopt);
	r.gnk(10, key(5), std::nullopt, 8);
	ASSERT_EQ(r.walks.size(), 3u);
	for (auto &w : r.walks)
		EXPECT_TRUE(w.complete);
	EXPECT_EQ(r.walks[0].tid, 10u);
	EXPECT_EQ(r.walks[0].map_id, 7u);
	EXPECT_EQ(r.walks[1].tid, 11u);
	EXPECT_EQ(r.walks[1].keys, 2u);
	EXPECT_EQ(r.walks[2].map_id, 8u);
}

TEST(Walks, FinishEndsOpenWalksIncomplete)
{
	Recorder r;
	r.gnk(10, std::nullopt, key(1));
	r.gnk(11, std::nullopt, key(1));
	EXPECT_EQ(r.tracker.open_walks(), 2u);
	r.tracker.finish();
	ASSERT_EQ(r.walks.size(), 2u);
	EXPECT_FALSE(r.walks[0].complete);
	EXPECT_FALSE(r.walks[1].complete);
	EXPECT_EQ(r.tracker.open_walks(), 0u);
}

TEST(Walks, BatchCallsFormBatchWalks)
{
	Recorder r;
	auto batch = [&](bool start, uint32_t count, bool end) {
		CallEvent ev = r.call(10, std::nullopt, std::nullopt);
		ev.cmd = Cmd::LookupBatch;
		ev.batch_start = start;
		ev.batch_count = count;
		ev.ret = end ? kEnd : 0;
		r.tracker.on_event(ev);
	};
	batch(true, 64, false);
	batch(false, 64, false);
	batch(false, 10, true);
	batch(true, 64, false); // left open
	r.tracker.finish();
	ASSERT_EQ(r.walks.size(), 2u);
	EXPECT_TRUE(r.walks[0].batch);
	EXPECT_EQ(r.walks[0].entries, 138u);
	EXPECT_EQ(r.walks[0].calls, 3u);
	EXPECT_TRUE(r.walks[0].complete);
	EXPECT_FALSE(r.walks[1].complete);
}

TEST(Walks, FullOrderKeepsOneSkipEntryPerCall)
{
	std::vector<Walk> walks;
	WalkTracker t(OrderMode::Full, [&](Walk &&w) { walks.push_back(std::move(w)); });
	CallEvent ev;
	ev.next_key = key(1);
	t.on_event(ev, std::nullopt); // could not be placed
	ev.cursor = key(1);
	ev.next_key = key(2);
	t.on_event(ev, 5);
	ev.cursor = key(2);
	ev.next_key.reset();
	ev.ret = kEnd;
	t.on_event(ev, 9);
	ASSERT_EQ(walks.size(), 1u);
	EXPECT_EQ(walks[0].skipped, (std::vector<int64_t>{-1, 5, 9}));
	EXPECT_EQ(walks[0].skipped.size(), walks[0].calls);
}

TEST(Walks, OrderModeNoneKeepsNoOrder)
{
	std::vector<Walk> walks;
	WalkTracker t(OrderMode::None, [&](Walk &&w) { walks.push_back(std::move(w)); });
	CallEvent ev;
	ev.next_key = key(1);
	t.on_event(ev);
	ev.cursor = key(1);
	ev.next_key.reset();
	ev.ret = kEnd;
	t.on_event(ev);
	ASSERT_EQ(walks.size(), 1u);
	EXPECT_TRUE(walks[0].order_sha256.empty());
	EXPECT_TRUE(walks[0].order.empty());
	EXPECT_EQ(walks[0].keys, 1u);
}

TEST(Walks, BatchWalksRecordTheirCommand)
{
	Recorder r;
	auto batch = [&](Cmd cmd, bool start, bool end) {
		CallEvent ev = r.call(10, std::nullopt, std::nullopt);
		ev.cmd = cmd;
		ev.batch_start = start;
		ev.batch_count = 8;
		ev.ret = end ? kEnd : 0;
		r.tracker.on_event(ev);
	};
	batch(Cmd::LookupBatch, true, true);
	batch(Cmd::LookupAndDeleteBatch, true, false);
	batch(Cmd::LookupAndDeleteBatch, false, true);
	batch(Cmd::LookupBatch, true, false);
	batch(Cmd::LookupAndDeleteBatch, false, true);
	batch(Cmd::LookupBatch, false, true); // no open walk: began before tracing
	ASSERT_EQ(r.walks.size(), 4u);
	EXPECT_EQ(r.walks[0].op, BatchOp::Lookup);
	EXPECT_EQ(r.walks[1].op, BatchOp::LookupAndDelete);
	EXPECT_EQ(r.walks[2].op, BatchOp::Mixed);
	EXPECT_EQ(r.walks[3].start, WalkStart::UnknownKey);
	EXPECT_FALSE(r.walks[3].resumed);
	EXPECT_STREQ(batch_op_name(r.walks[1].op), "lookup_and_delete");
	EXPECT_STREQ(walk_start_name(r.walks[3].start), "unknown_key");
}
