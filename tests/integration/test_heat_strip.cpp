// `buckets --svg` on real hash maps: the SVG parses as XML, each column's
// numbers are what this test computes from the bucket layout (keys placed
// with the model, whose placement test_buckets checks against the kernel's
// own walk order), an empty map draws no filled column, and the map of the
// issue (5000 keys in 65536 buckets, ~92.7% empty) is mostly light.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/htab_model.hpp"
#include "common/helpers.hpp"
#include "common/root.hpp"
#include "common/svg.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

struct Drawn {
	json report;
	std::vector<XmlElement> doc;
};

// Runs `buckets -j --svg` on map `fd` and parses both outputs.
Drawn draw(int fd)
{
	std::string path = "/tmp/tmi_heat_" + std::to_string(getpid()) + ".svg";
	RunResult r = run_tool({"buckets", "--map-id", std::to_string(map_id(fd)), "-j", "--svg", path});
	EXPECT_EQ(r.code, 0) << r.err;
	std::ifstream in(path);
	std::stringstream svg;
	svg << in.rdbuf();
	unlink(path.c_str());
	return {json::parse(r.out), parse_xml(svg.str())};
}

std::vector<XmlElement> columns(const std::vector<XmlElement> &doc)
{
	std::vector<XmlElement> out;
	for (auto &e : doc)
		if (e.attrs.count("class") && e.attrs.at("class") == "col")
			out.push_back(e);
	return out;
}

uint64_t num(const XmlElement &e, const char *attr) { return std::stoull(e.attrs.at(attr)); }

} // namespace

TEST(HeatStrip, MostlyEmptyMapColumnsMatchTheLayoutAndAreLight)
{
	TMI_REQUIRE_ROOT();
	const uint32_t n_buckets = 65536, n_keys = 5000;
	UniqueFd m = filled_hash(8, 8, n_buckets, n_keys);
	Drawn d = draw(m.get());
	ASSERT_EQ(d.report["n_buckets"], n_buckets);

	// Where each key lands, computed here (8-byte keys: jhash2 over words).
	HtabModel model{n_buckets, d.report["hashrnd"].get<uint32_t>(), HashVariant::Jhash2ForWords};
	std::vector<uint32_t> len(n_buckets);
	for (uint64_t i = 0; i < n_keys; i++)
		len[model.bucket(make_key(i, 8))]++;
	uint64_t empty = std::count(len.begin(), len.end(), 0u);
	EXPECT_EQ(d.report["empty_buckets"], empty);
	EXPECT_GT(double(empty) / n_buckets, 0.92);

	auto cols = columns(d.doc);
	ASSERT_EQ(cols.size(), 1024u);
	double lum = 0, occupied_share = 0;
	for (size_t c = 0; c < cols.size(); c++) {
		ASSERT_EQ(num(cols[c], "data-first"), c * 64);
		ASSERT_EQ(num(cols[c], "data-buckets"), 64u);
		uint64_t occ = 0, keys = 0;
		for (uint32_t b = c * 64; b < (c + 1) * 64; b++) {
			occ += len[b] != 0;
			keys += len[b];
		}
		EXPECT_EQ(num(cols[c], "data-occupied"), occ) << "column " << c;
		EXPECT_EQ(num(cols[c], "data-keys"), keys) << "column " << c;
		lum += luminance(cols[c].attrs.at("fill"));
		occupied_share += occ / 64.0;
	}
	// The light half of the scale: brighter on average than its middle colour
	// (the legend's 50% swatch) and than mid-grey.
	double mid = -1;
	for (auto &e : d.doc)
		if (e.attrs.count("data-fraction") && e.attrs.at("data-fraction") == "0.50")
			mid = luminance(e.attrs.at("fill"));
	ASSERT_GE(mid, 0) << "no 50% swatch in the legend";
	EXPECT_GT(lum / cols.size(), mid);
	EXPECT_GT(lum / cols.size(), 0.5);
	EXPECT_LT(occupied_share / cols.size(), 0.1);
}

TEST(HeatStrip, EmptyMapDrawsNoFilledColumn)
{
	TMI_REQUIRE_ROOT();
	UniqueFd m = create_map(BPF_MAP_TYPE_HASH, 8, 8, 4096);
	Drawn d = draw(m.get());
	auto cols = columns(d.doc);
	ASSERT_EQ(cols.size(), 1024u);
	std::string none; // the legend's "none occupied" swatch
	for (auto &e : d.doc)
		if (e.attrs.count("data-fraction") && e.attrs.at("data-fraction") == "0")
			none = e.attrs.at("fill");
	ASSERT_FALSE(none.empty());
	for (auto &c : cols) {
		EXPECT_EQ(num(c, "data-occupied"), 0u);
		EXPECT_EQ(c.attrs.at("fill"), none);
	}
}
