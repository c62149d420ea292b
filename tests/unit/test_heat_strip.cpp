// The heat strip (`buckets --svg`) from made-up bucket arrays: column
// grouping, the colour scale and its legend, and what the picture says
// about an empty and a mostly-empty map. The SVG is parsed as XML. And the
// same strip in characters (heat_text.hpp).
#include <gtest/gtest.h>

#include <random>

#include "analysis/heat_strip.hpp"
#include "analysis/heat_text.hpp"
#include "common/svg.hpp"

using namespace tmi;
using namespace tmi::testing;

namespace {

// The report analyse_buckets() would give, counted here from chain lengths.
BucketReport report_of(const std::vector<uint32_t> &len)
{
	BucketReport r;
	r.n_buckets = uint32_t(len.size());
	r.chain_len = len;
	uint32_t run = 0;
	for (uint32_t b = 0; b < len.size(); b++) {
		r.entries += len[b];
		r.max_chain = std::max(r.max_chain, len[b]);
		if (len[b]) {
			run = 0;
			r.chain_hist[len[b]]++;
			continue;
		}
		r.empty_buckets++;
		if (++run > r.empty_run_len) {
			r.empty_run_len = run;
			r.empty_run_start = b + 1 - run;
		}
	}
	return r;
}

MapInfo info_named(const std::string &name)
{
	MapInfo i;
	i.id = 42;
	i.type = 1; // BPF_MAP_TYPE_HASH
	i.name = name;
	return i;
}

std::vector<XmlElement> with_class(const std::vector<XmlElement> &doc, const std::string &cls)
{
	std::vector<XmlElement> out;
	for (auto &e : doc) {
		auto it = e.attrs.find("class");
		if (it != e.attrs.end() && it->second == cls)
			out.push_back(e);
	}
	return out;
}

uint64_t num(const XmlElement &e, const std::string &attr) { return std::stoull(e.attrs.at(attr)); }

// 5000 keys thrown uniformly into 65536 buckets: ~92.7% empty.
std::vector<uint32_t> sparse_layout()
{
	std::vector<uint32_t> len(65536);
	std::mt19937 rng(7);
	for (int i = 0; i < 5000; i++)
		len[rng() % len.size()]++;
	return len;
}

} // namespace

TEST(HeatStrip, ColumnsGroupAdjacentBuckets)
{
	std::vector<uint32_t> len = {1, 0, 0, 2, 3, 0, 0, 0, 0, 4};
	auto cols = heat_columns(len, 4); // ceil(10 / 4) = 3 buckets per column
	ASSERT_EQ(cols.size(), 4u);
	uint32_t first[] = {0, 3, 6, 9}, buckets[] = {3, 3, 3, 1}, occupied[] = {1, 2, 0, 1};
	uint64_t keys[] = {1, 5, 0, 4};
	for (size_t i = 0; i < cols.size(); i++) {
		EXPECT_EQ(cols[i].first, first[i]);
		EXPECT_EQ(cols[i].buckets, buckets[i]);
		EXPECT_EQ(cols[i].occupied, occupied[i]);
		EXPECT_EQ(cols[i].keys, keys[i]);
	}
	EXPECT_DOUBLE_EQ(cols[1].mean_chain(), 2.5);
	EXPECT_EQ(cols[2].mean_chain(), 0);
	EXPECT_EQ(heat_columns(std::vector<uint32_t>(65536)).size(), 1024u);
	EXPECT_EQ(heat_columns(std::vector<uint32_t>(16)).size(), 16u);
	EXPECT_TRUE(heat_columns({}).empty());
}

TEST(HeatStrip, ScaleGoesFromLightToDarkAndEmptyIsItsOwnColour)
{
	std::string empty = heat_colour(0);
	double prev = 2;
	for (int i = 1; i <= 100; i++) { // the legend's steps: strictly darker
		double l = luminance(heat_colour(i / 100.0));
		EXPECT_LT(l, prev) << "not monotone at " << i << "%";
		prev = l;
	}
	prev = 2;
	for (int i = 1; i <= 1000; i++) { // finer: darker but for 8-bit rounding
		std::string c = heat_colour(i / 1000.0);
		EXPECT_NE(c, empty) << i;
		double l = luminance(c);
		EXPECT_LE(l, prev + 1e-3) << "not monotone at " << i;
		prev = l;
	}
	EXPECT_GT(luminance(heat_colour(0.001)), 0.8);
	EXPECT_LT(luminance(heat_colour(1)), 0.1);
}

TEST(HeatStrip, ColumnsEncodeTheirBucketsAndLegendUsesTheSameScale)
{
	std::vector<uint32_t> len = sparse_layout();
	BucketReport r = report_of(len);
	auto doc = parse_xml(heat_strip_svg(info_named("m"), r));
	auto cols = with_class(doc, "col");
	ASSERT_EQ(cols.size(), 1024u);
	uint32_t next = 0;
	for (auto &c : cols) {
		uint32_t first = uint32_t(num(c, "data-first")), n = uint32_t(num(c, "data-buckets"));
		ASSERT_EQ(first, next);
		uint64_t occ = 0, keys = 0;
		for (uint32_t b = first; b < first + n; b++) {
			occ += len[b] != 0;
			keys += len[b];
		}
		EXPECT_EQ(num(c, "data-occupied"), occ);
		EXPECT_EQ(num(c, "data-keys"), keys);
		EXPECT_EQ(c.attrs.at("fill"), heat_colour(double(occ) / n));
		next = first + n;
	}
	EXPECT_EQ(next, 65536u);
	auto scale = with_class(doc, "scale");
	ASSERT_GE(scale.size(), 11u);
	for (auto &s : scale)
		EXPECT_EQ(s.attrs.at("fill"), heat_colour(std::stod(s.attrs.at("data-fraction"))));
}

TEST(HeatStrip, MostlyEmptyMapIsMostlyLight)
{
	BucketReport r = report_of(sparse_layout());
	ASSERT_GT(r.empty_buckets, 65536 * 0.92);
	auto cols = with_class(parse_xml(heat_strip_svg(info_named("m"), r)), "col");
	double sum = 0;
	for (auto &c : cols)
		sum += luminance(c.attrs.at("fill"));
	EXPECT_GT(sum / cols.size(), luminance(heat_colour(0.5)));
	EXPECT_GT(sum / cols.size(), 0.5);
}

TEST(HeatStrip, EmptyMapHasNoFilledColumns)
{
	BucketReport r = report_of(std::vector<uint32_t>(4096));
	std::string svg = heat_strip_svg(info_named("m"), r);
	auto doc = parse_xml(svg);
	auto cols = with_class(doc, "col");
	ASSERT_EQ(cols.size(), 1024u);
	for (auto &c : cols) {
		EXPECT_EQ(num(c, "data-occupied"), 0u);
		EXPECT_EQ(c.attrs.at("fill"), heat_colour(0));
	}
	EXPECT_NE(svg.find("empty: no keys in 4096 buckets"), std::string::npos);
}

TEST(HeatStrip, LongestEmptyRunVisibleAtAnySize)
{
	std::vector<uint32_t> len(1u << 20, 1);
	len[777777] = 0; // one empty bucket: 0.001 px at 1024 px
	BucketReport r = report_of(len);
	auto doc = parse_xml(heat_strip_svg(info_named("m"), r));
	int group = -1;
	for (size_t i = 0; i < doc.size(); i++)
		if (doc[i].attrs.count("id") && doc[i].attrs.at("id") == "empty-run")
			group = int(i);
	ASSERT_GE(group, 0);
	EXPECT_EQ(num(doc[group], "data-start"), 777777u);
	EXPECT_EQ(num(doc[group], "data-len"), 1u);
	bool outlined = false;
	for (auto &e : doc)
		if (e.parent == group && e.name == "rect")
			outlined = std::stod(e.attrs.at("width")) >= 3;
	EXPECT_TRUE(outlined);
}

TEST(HeatStrip, AxisHasBucketNumbersAndNamesAreEscaped)
{
	BucketReport r = report_of(sparse_layout());
	auto doc = parse_xml(heat_strip_svg(info_named("a<b&\"c"), r));
	int axis = -1;
	for (size_t i = 0; i < doc.size(); i++)
		if (doc[i].attrs.count("id") && doc[i].attrs.at("id") == "axis")
			axis = int(i);
	ASSERT_GE(axis, 0);
	std::vector<std::string> labels;
	for (auto &e : doc)
		if (e.parent == axis && e.name == "text")
			labels.push_back(e.text);
	std::vector<std::string> want = {"bucket", "0", "8192", "16384", "24576", "32768",
					 "40960", "49152", "57344", "65535"};
	EXPECT_EQ(labels, want);
	bool titled = false;
	for (auto &e : doc)
		titled |= e.name == "text" && e.text.find("map 42 (a<b&\"c, hash)") == 0;
	EXPECT_TRUE(titled);
}

// 3 keys in 2^20 buckets: neither "0.0%" occupied nor "100.0%" empty, and
// the "<" of "<0.1%" escaped wherever it appears.
TEST(HeatStrip, TinySharesAreNotRoundedAway)
{
	std::vector<uint32_t> len(1u << 20);
	len[5] = len[500000] = len[1000000] = 1;
	auto doc = parse_xml(heat_strip_svg(info_named("m"), report_of(len)));
	bool header = false, marker = false, tooltip = false;
	for (auto &e : doc) {
		header |= e.text.find("3 occupied (<0.1%), 1048573 empty (>99.9%)") != std::string::npos;
		marker |= e.text == "whole map <0.1%";
		tooltip |= e.name == "title" && e.text.find("1 of 1024 occupied (<0.1%)") != std::string::npos;
	}
	EXPECT_TRUE(header);
	EXPECT_TRUE(marker);
	EXPECT_TRUE(tooltip);
}

// The strip in characters (top's detail pane): the same columns and the
// same measure, one shade per column, the run marked, the scale from the
// shade table.
TEST(HeatText, ShadesFollowTheOccupiedFraction)
{
	EXPECT_EQ(heat_shade(0), '.');
	EXPECT_EQ(heat_shade(1e-6), ':'); // one key in a huge column is not empty
	EXPECT_EQ(heat_shade(0.25), ':');
	EXPECT_EQ(heat_shade(0.26), '+');
	EXPECT_EQ(heat_shade(0.75), '*');
	EXPECT_EQ(heat_shade(0.76), '#');
	EXPECT_EQ(heat_shade(1), '#');
	std::string scale = heat_shade_scale();
	for (char c : {'.', ':', '+', '*', '#'})
		EXPECT_NE(scale.find(std::string(1, c) + " "), std::string::npos) << scale;
	EXPECT_LE(scale.size(), 80u);
}

TEST(HeatText, EmptyMapIsAllEmptyWithOneRunOfEveryBucket)
{
	auto lines = heat_strip_text(heat_summary(report_of(std::vector<uint32_t>(1024))));
	ASSERT_EQ(lines.size(), 5u);
	EXPECT_EQ(lines[0], "1024 buckets, 0 occupied (0%), max chain 0; 16 buckets per column");
	EXPECT_EQ(lines[1], "0 |" + std::string(64, '.') + "| 1023");
	EXPECT_EQ(lines[2], "   " + std::string(64, '^'));
	EXPECT_EQ(lines[3], "^ longest empty run: 1024 buckets (0-1023): every bucket");
	for (auto &l : lines)
		EXPECT_LE(l.size(), 80u) << l;
}

TEST(HeatText, ColumnsAndRunMatchTheLayout)
{
	// 128 buckets in 64 columns of 2: bucket 0 and 1 full, bucket 5 alone,
	// the rest empty except the last bucket: the run is 6..126.
	std::vector<uint32_t> len(128);
	len[0] = 2;
	len[1] = 1;
	len[5] = 1;
	len[127] = 3;
	auto s = heat_summary(report_of(len));
	auto lines = heat_strip_text(s);
	ASSERT_EQ(lines.size(), 5u);
	EXPECT_EQ(lines[0], "128 buckets, 4 occupied (3.1%), max chain 3; 2 buckets per column");
	std::string strip = "#.+" + std::string(60, '.') + "+";
	EXPECT_EQ(lines[1], "0 |" + strip + "| 127");
	// Columns 3..63 touch buckets 6..126 (column 2 holds 4 and 5: 5 is full).
	EXPECT_EQ(lines[2], "   " + std::string(3, ' ') + std::string(61, '^'));
	EXPECT_EQ(lines[3], "^ longest empty run: 121 buckets (6-126)");
	EXPECT_EQ(lines[4], heat_shade_scale());
	// The biggest map still fits 80 columns.
	HeatSummary big = s;
	big.n_buckets = 1u << 31;
	EXPECT_LE(heat_strip_text(big)[1].size(), 80u);
}

TEST(HeatText, FullMapHasNoRun)
{
	auto lines = heat_strip_text(heat_summary(report_of(std::vector<uint32_t>(16, 1))));
	ASSERT_EQ(lines.size(), 4u);
	EXPECT_EQ(lines[1], "0 |" + std::string(16, '#') + "| 15");
	EXPECT_EQ(lines[2], "longest empty run: none (no empty bucket)");
}
