// buckets against real hash maps. The model's placement is checked against
// the kernel's own get_next_key order: sorted by (bucket ascending, newest
// insert first) the keys must come out exactly as the kernel walks them.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <algorithm>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <signal.h>

#include "common/helpers.hpp"
#include "common/root.hpp"
#include "analysis/htab_model.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

struct Case {
	uint32_t type, key_size, max_entries, entries, flags;
	const char *name;
};

uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

json buckets_json(int fd, int top = 10)
{
	RunResult r = run_tool({"buckets", "--map-id", std::to_string(map_id(fd)), "-j", "--top",
				std::to_string(top)});
	EXPECT_EQ(r.code, 0) << r.err;
	return json::parse(r.out);
}

// The kernel's walk order as the model predicts it from insertion order.
std::vector<Bytes> predicted_order(const std::vector<Bytes> &inserted, const HtabModel &m)
{
	std::vector<std::pair<uint32_t, size_t>> order;
	for (size_t i = 0; i < inserted.size(); i++)
		order.push_back({m.bucket(inserted[i]), i});
	std::sort(order.begin(), order.end(), [](auto &a, auto &b) {
		return a.first != b.first ? a.first < b.first : a.second > b.second;
	});
	std::vector<Bytes> out;
	for (auto &[b, i] : order)
		out.push_back(inserted[i]);
	return out;
}

} // namespace

class BucketModel : public ::testing::TestWithParam<Case> {};

TEST_P(BucketModel, ModelPredictsTheKernelsWalkOrderAndHistogram)
{
	TMI_REQUIRE_ROOT();
	const Case &c = GetParam();
	bool percpu = c.type == BPF_MAP_TYPE_PERCPU_HASH;
	UniqueFd m = create_map(c.type, c.key_size, 8, c.max_entries, c.flags);
	std::vector<Bytes> inserted;
	Bytes value(size_t(percpu ? libbpf_num_possible_cpus() : 1) * 8, 'v');
	for (uint32_t i = 0; i < c.entries; i++) {
		inserted.push_back(make_key(uint64_t(i) * 2654435761u + 17, c.key_size));
		put(m.get(), inserted.back(), value);
	}
	std::vector<Bytes> kernel_order = walk_keys(m.get(), c.key_size);
	json j = buckets_json(m.get());

	uint32_t n_buckets = pow2_at_least(c.max_entries);
	EXPECT_EQ(j["n_buckets"], n_buckets);
	EXPECT_EQ(j["entries"], c.entries);
	bool zero = c.flags & BPF_F_ZERO_SEED;
	EXPECT_EQ(j["seed"], zero ? "zero" : "random");
	if (zero) {
		EXPECT_EQ(j["hashrnd"], 0);
	}
	EXPECT_EQ(j["model_agrees"], true);
	// A wrong seed or hash could not reproduce the kernel's exact order.
	HtabModel model{n_buckets, j["hashrnd"].get<uint32_t>(), HashVariant::Jhash2ForWords};
	EXPECT_EQ(predicted_order(inserted, model), kernel_order);

	// Chain histogram, empty buckets and the longest empty run, counted here.
	std::vector<uint32_t> len(n_buckets);
	for (auto &k : inserted)
		len[model.bucket(k)]++;
	std::map<std::string, uint64_t> hist;
	uint64_t empty = 0;
	uint32_t run = 0, best = 0, best_start = 0, max_chain = 0;
	for (uint32_t b = 0; b < n_buckets; b++) {
		if (!len[b]) {
			empty++;
			if (++run > best) {
				best = run;
				best_start = b + 1 - run;
			}
			continue;
		}
		run = 0;
		hist[std::to_string(len[b])]++;
		max_chain = std::max(max_chain, len[b]);
	}
	EXPECT_EQ(j["chain_hist"].get<decltype(hist)>(), hist);
	EXPECT_EQ(j["empty_buckets"], empty);
	EXPECT_EQ(j["max_chain"], max_chain);
	EXPECT_EQ(j["longest_empty_run"]["len"], best);
	EXPECT_EQ(j["longest_empty_run"]["start"], best_start);
	// hottest: by length desc, then bucket asc.
	auto hot = j["hottest"];
	ASSERT_FALSE(hot.empty());
	EXPECT_EQ(hot[0]["len"], max_chain);
	for (size_t i = 1; i < hot.size(); i++) {
		bool ordered = hot[i - 1]["len"] > hot[i]["len"] ||
			       (hot[i - 1]["len"] == hot[i]["len"] && hot[i - 1]["bucket"] < hot[i]["bucket"]);
		EXPECT_TRUE(ordered) << i;
	}
}

INSTANTIATE_TEST_SUITE_P(
	Maps, BucketModel,
	::testing::Values(Case{BPF_MAP_TYPE_HASH, 4, 1000, 700, BPF_F_ZERO_SEED, "zero4"},
			  Case{BPF_MAP_TYPE_HASH, 8, 1000, 700, BPF_F_ZERO_SEED, "zero8"},
			  Case{BPF_MAP_TYPE_HASH, 5, 600, 500, BPF_F_ZERO_SEED, "zero5_jhash"},
			  Case{BPF_MAP_TYPE_HASH, 13, 600, 500, BPF_F_ZERO_SEED, "zero13_jhash"},
			  Case{BPF_MAP_TYPE_HASH, 8, 1000, 700, 0, "random8"},
			  Case{BPF_MAP_TYPE_HASH, 13, 1000, 700, 0, "random13"},
			  Case{BPF_MAP_TYPE_LRU_HASH, 8, 4096, 300, 0, "lru8"},
			  Case{BPF_MAP_TYPE_PERCPU_HASH, 5, 1000, 500, 0, "percpu5"}),
	[](const auto &info) { return std::string(info.param.name); });

// Keys found by brute force to share one bucket form its chain, newest first.
TEST(Buckets, EngineeredCollisionsShowAsTheHottestBucket)
{
	TMI_REQUIRE_ROOT();
	const uint32_t n_buckets = 1024, target = 7;
	HtabModel model{n_buckets, 0, HashVariant::Jhash2ForWords};
	std::vector<Bytes> colliding;
	for (uint64_t i = 0; colliding.size() < 6; i++) {
		Bytes k = make_key(i, 8);
		if (model.bucket(k) == target)
			colliding.push_back(k);
	}
	UniqueFd m = create_map(BPF_MAP_TYPE_HASH, 8, 8, n_buckets, BPF_F_ZERO_SEED);
	for (auto &k : colliding)
		put(m.get(), k, Bytes(8, 'v'));
	put(m.get(), make_key(1ull << 40, 8), Bytes(8, 'v')); // one key elsewhere (or not)

	json j = buckets_json(m.get(), 1);
	ASSERT_EQ(j["hottest"].size(), 1u);
	EXPECT_EQ(j["hottest"][0]["bucket"], target);
	EXPECT_GE(j["hottest"][0]["len"].get<int>(), 6);
	std::vector<std::string> want;
	for (auto it = colliding.rbegin(); it != colliding.rend(); ++it)
		want.push_back(to_hex(*it));
	auto keys = j["hottest"][0]["keys"].get<std::vector<std::string>>();
	keys.erase(std::remove(keys.begin(), keys.end(), to_hex(make_key(1ull << 40, 8))), keys.end());
	EXPECT_EQ(keys, want);
}

namespace {

constexpr uint32_t kSparseBuckets = 1u << 20;

// Three keys in 2^20 buckets (zero seed); `buckets` gets their sorted buckets.
UniqueFd sparse_map(std::vector<uint64_t> &buckets)
{
	UniqueFd m = filled_hash(8, 8, kSparseBuckets, 3, BPF_F_ZERO_SEED | BPF_F_NO_PREALLOC);
	HtabModel model{kSparseBuckets, 0, HashVariant::Jhash2ForWords};
	for (uint64_t i = 0; i < 3; i++)
		buckets.push_back(model.bucket(make_key(i, 8)));
	std::sort(buckets.begin(), buckets.end());
	return m;
}

} // namespace

// A few keys in 2^20 buckets: the empty runs that make one get_next_key slow.
TEST(Buckets, SparseMapHasHugeEmptyRuns)
{
	TMI_REQUIRE_ROOT();
	const uint32_t n_buckets = kSparseBuckets;
	std::vector<uint64_t> b;
	UniqueFd m = sparse_map(b);
	// Longest gap among: before the first, between, after the last.
	uint64_t best = b[0], start = 0;
	for (size_t i = 1; i < b.size(); i++)
		if (b[i] - b[i - 1] - 1 > best) {
			best = b[i] - b[i - 1] - 1;
			start = b[i - 1] + 1;
		}
	if (n_buckets - 1 - b.back() > best) {
		best = n_buckets - 1 - b.back();
		start = b.back() + 1;
	}
	json j = buckets_json(m.get());
	EXPECT_EQ(j["empty_buckets"], n_buckets - 3);
	EXPECT_EQ(j["longest_empty_run"]["len"], best);
	EXPECT_EQ(j["longest_empty_run"]["start"], start);
}

TEST(Buckets, NonHashMapsAndSvg)
{
	TMI_REQUIRE_ROOT();
	UniqueFd arr = create_map(BPF_MAP_TYPE_ARRAY, 4, 4, 8);
	RunResult r = run_tool({"buckets", "--map-id", std::to_string(map_id(arr.get()))});
	EXPECT_EQ(r.code, 2);
	EXPECT_NE(r.err.find("array is not a hash map"), std::string::npos) << r.err;

	UniqueFd m = create_map(BPF_MAP_TYPE_HASH, 4, 4, 64);
	put(m.get(), make_key(1, 4), Bytes(4, 'v'));
	std::string svg = "/tmp/tmi_buckets_" + std::to_string(getpid()) + ".svg";
	RunResult s = run_tool({"buckets", "--map-id", std::to_string(map_id(m.get())), "--svg", svg});
	EXPECT_EQ(s.code, 0) << s.err;
	EXPECT_NE(s.out.find("1 entries in 64 buckets"), std::string::npos) << s.out;
	FILE *f = fopen(svg.c_str(), "r");
	ASSERT_TRUE(f);
	char head[5] = {};
	EXPECT_EQ(fread(head, 1, 4, f), 4u);
	fclose(f);
	EXPECT_STREQ(head, "<svg");
	unlink(svg.c_str());
}

// Tracing a sparse map: the slowest get_next_key is the one that scanned the
// largest run of empty buckets, as this test computes it from the model.
TEST(Buckets, TracedSparseWalkShowsItsSlowCallInHotSpots)
{
	TMI_REQUIRE_ROOT();
	const uint32_t n_buckets = kSparseBuckets;
	std::vector<uint64_t> b;
	UniqueFd m = sparse_map(b);
	// Empty buckets each call scans: start -> b0, b0 -> b1, b1 -> b2, b2 -> end.
	std::vector<uint64_t> gaps{b[0], b[1] - b[0] - 1, b[2] - b[1] - 1, n_buckets - 1 - b[2]};
	uint64_t widest = *std::max_element(gaps.begin(), gaps.end());

	Child tracer(tracer_argv({"--map-id", std::to_string(map_id(m.get())), "-j", "--order", "full"}));
	ASSERT_TRUE(tracer.wait_for_stderr_line("Tracing", std::chrono::seconds(30))) << tracer.err();
	ASSERT_EQ(walk_keys(m.get(), 8).size(), 3u);
	tracer.signal(SIGINT);
	ASSERT_EQ(tracer.wait(), 0) << tracer.err();
	json summary, walk;
	for (auto &l : split_lines(tracer.out())) {
		json j = json::parse(l);
		if (j["type"] == "summary")
			summary = j;
		if (j["type"] == "walk")
			walk = j;
	}
	// Each call annotated, in walk order: the gaps this test computed.
	EXPECT_EQ(walk["skipped"].get<std::vector<uint64_t>>(), gaps);
	ASSERT_TRUE(summary.contains("hot_spots")) << summary.dump();
	auto hs = summary["hot_spots"];
	uint64_t calls = 0;
	for (auto &x : hs["by_skip"])
		calls += x["calls"].get<uint64_t>();
	EXPECT_EQ(calls, 4u);
	ASSERT_EQ(hs["slowest"].size(), 4u);
	EXPECT_EQ(hs["slowest"][0]["skipped"], widest);
	std::multiset<uint64_t> got, want(gaps.begin(), gaps.end());
	for (auto &c : hs["slowest"])
		got.insert(c["skipped"].get<uint64_t>());
	EXPECT_EQ(got, want);
}
