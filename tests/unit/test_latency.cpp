// Latency histogram: percentiles against exact order statistics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "analysis/latency.hpp"

using namespace tmi;

TEST(Latency, EmptyHistogram)
{
	LatencyHist h;
	EXPECT_EQ(h.count(), 0u);
	EXPECT_EQ(h.percentile(50), 0u);
	EXPECT_TRUE(h.log2_buckets().empty());
}

TEST(Latency, SmallValuesAreExact)
{
	LatencyHist h;
	for (uint64_t v = 1; v <= 100; v++)
		h.add(v);
	EXPECT_EQ(h.percentile(50), 50u);
	EXPECT_EQ(h.percentile(90), 90u);
	EXPECT_EQ(h.percentile(100), 100u);
	EXPECT_EQ(h.max(), 100u);
}

TEST(Latency, PercentilesWithinOneSixtyFourthOfExact)
{
	std::mt19937_64 rng(42);
	std::lognormal_distribution<double> dist(7.0, 1.5);
	std::vector<uint64_t> values;
	LatencyHist h;
	for (int i = 0; i < 200000; i++) {
		uint64_t v = static_cast<uint64_t>(dist(rng));
		values.push_back(v);
		h.add(v);
	}
	std::sort(values.begin(), values.end());
	for (double p : {50.0, 90.0, 99.0, 99.9}) {
		size_t rank = static_cast<size_t>(std::ceil(p / 100 * values.size()));
		uint64_t exact = values[rank - 1];
		uint64_t got = h.percentile(p);
		EXPECT_GE(got, exact) << "p" << p;
		EXPECT_LE(double(got), double(exact) * (1 + 1.0 / 64) + 1) << "p" << p;
	}
	EXPECT_EQ(h.max(), values.back());
}

TEST(Latency, Log2BucketsAddUpAndHaveLibbpfToolsBounds)
{
	LatencyHist h;
	std::vector<uint64_t> vals{0, 1, 2, 3, 4, 7, 8, 1000, 1023, 1024, 5000000};
	for (auto v : vals)
		h.add(v);
	auto b = h.log2_buckets();
	uint64_t total = 0;
	for (auto &x : b) {
		total += x.count;
		EXPECT_LE(x.lo, x.hi);
	}
	EXPECT_EQ(total, vals.size());
	ASSERT_GE(b.size(), 5u);
	EXPECT_EQ(b[0].lo, 0u);
	EXPECT_EQ(b[0].hi, 1u);
	EXPECT_EQ(b[0].count, 2u); // 0 and 1
	EXPECT_EQ(b[1].lo, 2u);
	EXPECT_EQ(b[1].hi, 3u);
	EXPECT_EQ(b[2].lo, 4u);
	EXPECT_EQ(b[2].count, 2u); // 4 and 7
	// 1000 and 1023 share [512, 1023]; 1024 starts the next.
	auto it = std::find_if(b.begin(), b.end(), [](auto &x) { return x.lo == 512; });
	ASSERT_NE(it, b.end());
	EXPECT_EQ(it->count, 2u);
	EXPECT_EQ((it + 1)->lo, 1024u);
}

TEST(Latency, MergeIsTheSameAsAddingAll)
{
	LatencyHist a, b, all;
	for (uint64_t v = 0; v < 5000; v += 7) {
		(v % 2 ? a : b).add(v * 13);
		all.add(v * 13);
	}
	a.merge(b);
	EXPECT_EQ(a.count(), all.count());
	EXPECT_EQ(a.max(), all.max());
	for (double p : {10.0, 50.0, 99.0})
		EXPECT_EQ(a.percentile(p), all.percentile(p));
}
