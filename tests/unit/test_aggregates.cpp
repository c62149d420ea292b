// The kernel's aggregate mode seen from userspace: its latency buckets are
// LatencyHist's, and cumulative readings become the same MapStats the
// event path builds (walks counted when they end; unknowns absent).
#include <gtest/gtest.h>

#include <random>

#include "trace/aggregates.hpp"

extern "C" {
#include "trace_map_iter.h"
}

using namespace tmi;

TEST(Aggregates, KernelBucketsAreLatencyHistBuckets)
{
	std::mt19937_64 rng(7);
	std::vector<uint64_t> vals;
	for (uint64_t v = 0; v < 5000; v++)
		vals.push_back(v);
	for (int shift = 7; shift < 36; shift++)
		for (uint64_t d : {0ull, 1ull, 63ull})
			vals.insert(vals.end(), {(1ull << shift) - 1 + d, (1ull << shift) + d});
	for (int i = 0; i < 100000; i++)
		vals.push_back(rng() >> (rng() % 36 + 28)); // shifts 28..63: values below 2^36
	for (uint64_t v : vals) {
		if (v < (1ull << (TMI_AGG_MAX_MSB + 1))) {
			ASSERT_EQ(tmi_agg_bucket(v), LatencyHist::bucket_index(v)) << v;
		}
	}
	EXPECT_EQ(tmi_agg_bucket(1ull << 36), uint32_t(TMI_AGG_BUCKETS - 1));
	EXPECT_EQ(tmi_agg_bucket(~0ull), uint32_t(TMI_AGG_BUCKETS - 1));
	EXPECT_EQ(LatencyHist::bucket_index((1ull << 36) - 1), size_t(TMI_AGG_BUCKETS - 1));
}

TEST(Aggregates, DeltasBecomeStatsWithUnknownsAbsent)
{
	AggMap a;
	a.map_id = 5;
	a.get_next_key_calls = 10;
	a.lookup_batch_calls = 2;
	a.walks_started = 3;
	a.walks_complete = 1;
	a.walks_abandoned = 1; // one still open
	a.batch_walks_started = 1;
	a.batch_walks_complete = 1;
	a.walks_other_start = 1;
	a.hist.assign(TMI_AGG_BUCKETS, 0);
	a.hist[LatencyHist::bucket_index(1000)] = 12;
	a.latency_sum_ns = 12000;
	a.latency_max_ns = 1000;
	a.callers[42] = {"walker", 12, 4};

	MapStats s;
	add_aggregate(s, agg_delta(a, nullptr), a.latency_max_ns);
	EXPECT_FALSE(s.order_known);
	EXPECT_EQ(s.calls, 12u);
	EXPECT_EQ(s.get_next_key_calls, 10u);
	EXPECT_EQ(s.batch_calls, 2u);
	EXPECT_EQ(s.walks, 3u); // ended: 1 complete + 1 abandoned + 1 batch
	EXPECT_EQ(s.complete_walks, 2u);
	EXPECT_EQ(s.batch_walks, 1u);
	EXPECT_EQ(s.unknown_starts, 1u);
	EXPECT_EQ(s.latency.count(), 12u);
	EXPECT_EQ(s.latency.max(), 1000u);
	auto top = s.top_callers(5);
	ASSERT_EQ(top.size(), 1u);
	EXPECT_EQ(top[0].pid, 42u);
	EXPECT_EQ(top[0].calls, 12u);
	EXPECT_EQ(top[0].walks, 4u);

	// A later reading: only the difference is added.
	AggMap b = a;
	b.get_next_key_calls += 5;
	b.walks_complete += 1; // the open walk ended
	b.hist[LatencyHist::bucket_index(1000)] += 5;
	b.latency_sum_ns += 5000;
	b.callers[42].calls += 5;
	AggMap d = agg_delta(b, &a);
	EXPECT_EQ(d.calls(), 5u);
	add_aggregate(s, d, b.latency_max_ns);
	EXPECT_EQ(s.calls, 17u);
	EXPECT_EQ(s.walks, 4u);
	EXPECT_EQ(s.latency.count(), 17u);
	add_open_walks(s, b); // nothing is open any more
	EXPECT_EQ(s.walks, 4u);
}

// The kernel's per-CPU bucket counts are 32-bit: widened by differences,
// kept only up to the highest bucket ever counted.
TEST(Aggregates, BucketCountsWidenAcrossWrapsAndKeepOnlyTheirExtent)
{
	std::vector<uint32_t> raw;
	std::vector<uint64_t> total;
	uint32_t counts[8] = {0, 3, 0, 0, 0, 0, 0, 0};
	widen_counts(counts, 8, raw, total);
	EXPECT_EQ(raw, (std::vector<uint32_t>{0, 3}));
	EXPECT_EQ(total, (std::vector<uint64_t>{0, 3}));

	counts[1] = 0xfffffffe; // many calls later
	counts[5] = 2;
	widen_counts(counts, 8, raw, total);
	EXPECT_EQ(total, (std::vector<uint64_t>{0, 0xfffffffe, 0, 0, 0, 2}));

	counts[1] = 1; // wrapped: 3 more
	counts[5] = 0; // wrapped to exactly 0: 2^32 - 2 more, and its bucket stays
	widen_counts(counts, 8, raw, total);
	EXPECT_EQ(raw.size(), 6u);
	EXPECT_EQ(total, (std::vector<uint64_t>{0, 0xfffffffeull + 3, 0, 0, 0, 1ull << 32}));

	widen_counts(counts, 8, raw, total); // nothing new
	EXPECT_EQ(total[1], 0xfffffffeull + 3);
}
