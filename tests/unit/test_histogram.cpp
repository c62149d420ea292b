// The one star histogram (latency, chain lengths): rows as libbpf-tools'
// print_log2_hist prints them, empty middle rows included.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include "analysis/histogram.hpp"

using namespace tmi;

namespace {

std::vector<std::string> lines_of(const std::string &s)
{
	std::vector<std::string> out;
	size_t at = 0;
	while (at < s.size()) {
		size_t nl = s.find('\n', at);
		out.push_back(s.substr(at, nl - at));
		at = nl + 1;
	}
	return out;
}

std::string stars(size_t n) { return "|" + std::string(n, '*') + std::string(40 - n, ' ') + "|"; }

} // namespace

TEST(Histogram, Log2RowsFillTheEmptyMiddleRowsOnly)
{
	auto rows = log2_rows({{4, 7, 3}, {32, 63, 1}});
	ASSERT_EQ(rows.size(), 4u); // no leading [0,1], [2,3]
	uint64_t lo[] = {4, 8, 16, 32}, hi[] = {7, 15, 31, 63}, count[] = {3, 0, 0, 1};
	for (size_t i = 0; i < rows.size(); i++) {
		EXPECT_EQ(rows[i].lo, lo[i]) << i;
		EXPECT_EQ(rows[i].hi, hi[i]) << i;
		EXPECT_EQ(rows[i].count, count[i]) << i;
	}
}

TEST(Histogram, Log2RowsOfTheFirstRangesAndTheLast)
{
	auto rows = log2_rows({{0, 1, 5}, {2, 3, 6}});
	ASSERT_EQ(rows.size(), 2u);
	EXPECT_EQ(rows[0].lo, 0u);
	EXPECT_EQ(rows[0].hi, 1u);
	EXPECT_EQ(rows[1].lo, 2u);
	EXPECT_EQ(rows[1].hi, 3u);
	auto top = log2_rows({{uint64_t(1) << 62, (uint64_t(1) << 63) - 1, 1}, {uint64_t(1) << 63, UINT64_MAX, 2}});
	ASSERT_EQ(top.size(), 2u);
	EXPECT_EQ(top[1].hi, UINT64_MAX);
	EXPECT_TRUE(log2_rows({}).empty());
}

TEST(Histogram, LinearRowsFillGapsBetweenValues)
{
	auto rows = linear_rows({{1, 10}, {2, 4}, {5, 1}});
	ASSERT_EQ(rows.size(), 5u);
	for (size_t i = 0; i < rows.size(); i++) {
		EXPECT_EQ(rows[i].lo, i + 1);
		EXPECT_EQ(rows[i].hi, i + 1);
	}
	EXPECT_EQ(rows[2].count, 0u);
	EXPECT_EQ(rows[3].count, 0u);
	EXPECT_EQ(rows[4].count, 1u);
}

// libbpf-tools' layout: right-aligned low bound, "->", left-aligned high
// bound, count, and 40 stars for the fullest row (count * 40 / max).
TEST(Histogram, RangeLayoutLikePrintLog2Hist)
{
	auto text = format_star_hist(log2_rows({{256, 511, 80}, {1024, 2047, 30}}),
				     {"nsecs", "count", HistLabel::Range});
	auto lines = lines_of(text);
	ASSERT_EQ(lines.size(), 4u);
	EXPECT_EQ(lines[0], fmt::format("{:19}nsecs : count      distribution", ""));
	EXPECT_EQ(lines[1], "       256 -> 511        : 80         " + stars(40));
	EXPECT_EQ(lines[2], "       512 -> 1023       : 0          " + stars(0));
	EXPECT_EQ(lines[3], "      1024 -> 2047       : 30         " + stars(15));
	EXPECT_EQ(text.back(), '\n');
}

TEST(Histogram, ValueLayoutForChainLengths)
{
	auto lines = lines_of(format_star_hist(linear_rows({{1, 7}, {3, 2}}),
					       {"chain len", "buckets", HistLabel::Value}));
	ASSERT_EQ(lines.size(), 4u);
	EXPECT_EQ(lines[0], "chain len : buckets    distribution");
	EXPECT_EQ(lines[1], "        1 : 7          " + stars(40));
	EXPECT_EQ(lines[2], "        2 : 0          " + stars(0));
	EXPECT_EQ(lines[3], "        3 : 2          " + stars(2 * 40 / 7));
}

TEST(Histogram, NothingForNoRows)
{
	EXPECT_EQ(format_star_hist({}, {"nsecs", "count", HistLabel::Range}), "");
}

TEST(Histogram, HugeCountsDoNotOverflowTheStars)
{
	uint64_t big = UINT64_MAX / 2;
	auto lines = lines_of(format_star_hist({{0, 1, big}, {2, 3, big / 2}},
					       {"nsecs", "count", HistLabel::Range}));
	ASSERT_EQ(lines.size(), 3u);
	EXPECT_NE(lines[1].find(stars(40)), std::string::npos);
	EXPECT_NE(lines[2].find(stars(19)), std::string::npos); // floor(40 * 0.5) - rounding
}
