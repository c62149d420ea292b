// The live engine and the exporter's metric families, without a kernel:
// interval stats are built here and fed the way TraceSession feeds them.
#include <gtest/gtest.h>

#include "live/engine.hpp"
#include "live/exporter.hpp"
#include "live/top_table.hpp"
#include "base/error.hpp"

#include <algorithm>
#include <cmath>
#include <set>

using namespace tmi;

namespace {

CallEvent call(uint32_t map_id, Cmd cmd, uint64_t latency, const std::string &comm, uint32_t pid = 7)
{
	CallEvent ev;
	ev.map_id = map_id;
	ev.cmd = cmd;
	ev.latency_ns = latency;
	ev.comm = comm;
	ev.pid = pid;
	return ev;
}

LiveEngine engine_with(std::set<uint32_t> *existing)
{
	return LiveEngine(
		[existing](uint32_t id) -> std::optional<MapLabel> {
			if (!existing->count(id))
				return std::nullopt;
			return MapLabel{id, "m" + std::to_string(id), 1};
		},
		nullptr);
}

const prometheus::MetricFamily *family(const std::vector<prometheus::MetricFamily> &f,
				       const std::string &name)
{
	for (auto &x : f)
		if (x.name == name)
			return &x;
	return nullptr;
}

} // namespace

TEST(LiveEngine, IntervalsAddUp)
{
	std::set<uint32_t> existing{5};
	LiveEngine e = engine_with(&existing);
	for (int round = 0; round < 3; round++) {
		MapStats s;
		s.map_id = 5;
		s.add_call(call(5, Cmd::GetNextKey, 100, "a"));
		s.add_call(call(5, Cmd::LookupBatch, 300, "a"));
		s.add_call(call(5, Cmd::LookupAndDeleteBatch, 3000, "b"));
		Walk w;
		w.complete = round != 1;
		w.restarts = 2;
		w.duplicates = 3;
		s.add_walk(w);
		s.lost_events = 4;
		e.summary(s, MapLabel{5, "m5", 1}, "interval");
		e.summary(s, MapLabel{5, "m5", 1}, "total"); // ignored
	}
	auto snap = e.snapshot();
	ASSERT_EQ(snap.size(), 1u);
	auto &m = snap[0];
	EXPECT_EQ(m.get_next_key_calls, 3u);
	EXPECT_EQ(m.batch_lookup_calls, 3u);
	EXPECT_EQ(m.batch_lookup_and_delete_calls, 3u);
	EXPECT_EQ(m.walks_complete, 2u);
	EXPECT_EQ(m.walks_incomplete, 1u);
	EXPECT_EQ(m.restarts, 6u);
	EXPECT_EQ(m.duplicates, 9u);
	EXPECT_EQ(m.lost_events, 12u);
	EXPECT_EQ(m.latency.count(), 9u);
	EXPECT_EQ(m.callers.at("a"), 6u);
	EXPECT_EQ(m.callers.at("b"), 3u);
	EXPECT_EQ(m.top_caller(), "a");
}

TEST(LiveEngine, CallersCappedFirstComeKept)
{
	std::set<uint32_t> existing{1};
	LiveEngine e = engine_with(&existing);
	for (int i = 0; i < 25; i++) {
		MapStats s;
		s.map_id = 1;
		for (int k = 0; k <= i; k++)
			s.add_call(call(1, Cmd::GetNextKey, 10, "c" + std::to_string(i), 100 + i));
		e.summary(s, {}, "interval");
	}
	// The first ten comms are named for good; a later, busier one is "other".
	MapStats again;
	again.map_id = 1;
	again.add_call(call(1, Cmd::GetNextKey, 10, "c0"));
	again.add_call(call(1, Cmd::GetNextKey, 10, "other")); // a process really named so
	e.summary(again, {}, "interval");
	auto m = e.snapshot().at(0);
	EXPECT_EQ(m.callers.size(), kCallerCap + 1);
	EXPECT_EQ(m.callers.at("c0"), 2u);
	uint64_t sum = 0, expected_other = 1;
	for (int i = 10; i < 25; i++)
		expected_other += i + 1;
	for (auto &[c, n] : m.callers)
		sum += n;
	EXPECT_EQ(m.callers.at("other"), expected_other);
	EXPECT_EQ(sum, m.calls());
}

TEST(LiveEngine, GoneMapsAreDroppedAndNotBroughtBack)
{
	std::set<uint32_t> existing{1, 2};
	LiveEngine e = engine_with(&existing);
	e.adopt(MapLabel{1, "one", 1});
	MapStats s;
	s.map_id = 2;
	s.add_call(call(2, Cmd::GetNextKey, 10, "x"));
	e.summary(s, {}, "interval");
	EXPECT_EQ(e.map_ids(), (std::vector<uint32_t>{1, 2}));
	existing.erase(2);
	e.drop({2});
	EXPECT_EQ(e.map_ids(), (std::vector<uint32_t>{1}));
	e.summary(s, {}, "interval"); // a late summary of the gone map
	EXPECT_EQ(e.map_ids(), (std::vector<uint32_t>{1}));
}

TEST(Exporter, FamiliesFollowTheContract)
{
	std::set<uint32_t> existing{3};
	LiveEngine e = engine_with(&existing);
	MapStats s;
	s.map_id = 3;
	for (uint64_t ns : {50, 100, 101, 250, 251, 900, 5000, 20000000})
		s.add_call(call(3, Cmd::GetNextKey, ns, "w"));
	e.summary(s, {}, "interval");
	MapFacts f;
	f.entries = 42;
	f.digest = std::string(64, 'a');
	e.set_facts(3, f);
	auto fams = collect_metrics(e.snapshot(), BuildInfo{"0.1.0", "tracepoint", "6.18"});

	auto *h = family(fams, "tmi_map_call_duration_seconds");
	ASSERT_NE(h, nullptr);
	ASSERT_EQ(h->metric.size(), 1u);
	auto &hist = h->metric[0].histogram;
	EXPECT_EQ(hist.sample_count, 8u);
	ASSERT_EQ(hist.bucket.size(), duration_bucket_bounds_ns().size() + 1);
	EXPECT_EQ(hist.bucket[0].cumulative_count, 2u); // <= 100 ns
	EXPECT_DOUBLE_EQ(hist.bucket[0].upper_bound, 1e-7);
	EXPECT_EQ(hist.bucket.back().cumulative_count, 8u);
	EXPECT_TRUE(std::isinf(hist.bucket.back().upper_bound));
	for (size_t i = 1; i < hist.bucket.size(); i++)
		EXPECT_GE(hist.bucket[i].cumulative_count, hist.bucket[i - 1].cumulative_count);

	auto labels = family(fams, "tmi_map_get_next_key_calls_total")->metric.at(0).label;
	ASSERT_EQ(labels.size(), 3u);
	EXPECT_EQ(labels[0].name, "map_id");
	EXPECT_EQ(labels[0].value, "3");
	EXPECT_EQ(labels[1].value, "m3");
	EXPECT_EQ(labels[2].value, "hash");
	EXPECT_EQ(family(fams, "tmi_map_walks_total")->metric.size(), 2u);
	EXPECT_EQ(family(fams, "tmi_map_batch_calls_total")->metric.size(), 2u);
	EXPECT_EQ(family(fams, "tmi_map_entries")->metric.at(0).gauge.value, 42);
	EXPECT_EQ(family(fams, "tmi_map_digest_info")->metric.at(0).label.back().value, f.digest);
	EXPECT_EQ(family(fams, "tmi_map_bucket_max_chain"), nullptr); // not read: no series
	EXPECT_NE(family(fams, "tmi_build_info"), nullptr);

	std::string text = metrics_text(fams);
	EXPECT_NE(text.find("tmi_map_call_duration_seconds_bucket{map_id=\"3\",map_name=\"m3\","
			    "map_type=\"hash\",le=\"+Inf\"} 8"),
		  std::string::npos)
		<< text;
}

TEST(Exporter, ListenAddresses)
{
	auto a = ListenAddress::parse("127.0.0.1:9862");
	EXPECT_EQ(a.host, "127.0.0.1");
	EXPECT_EQ(a.port, 9862);
	EXPECT_EQ(a.civetweb(), "127.0.0.1:9862");
	EXPECT_EQ(ListenAddress::parse("0.0.0.0:0").port, 0);
	for (const char *bad : {"[::1]:0", "9862", "localhost:80", "1.2.3.4:", "1.2.3.4:65536", "::1:80", "1.2.3.4:8x"})
		EXPECT_THROW(ListenAddress::parse(bad), Error) << bad;
}

TEST(TopTable, RowsRatesAndSorting)
{
	std::vector<LiveMapState> maps(3);
	for (uint32_t i = 0; i < 3; i++) {
		maps[i].label = MapLabel{10 + i, "m" + std::to_string(i), 1};
		maps[i].last.seconds = 2;
	}
	maps[0].last.get_next_key_calls = 100; // 50/s
	maps[0].last.walks = 2;
	maps[1].last.get_next_key_calls = 400; // 200/s
	maps[1].last.walks = 1;
	maps[2].restarts = 9;
	for (int i = 0; i < 100; i++)
		maps[1].last.latency.add(i < 99 ? 100 : 5000);
	maps[1].callers = {{"a", 5}, {"b", 7}};

	auto rows = top_rows(maps, TopSort::Calls);
	ASSERT_EQ(rows.size(), 3u);
	EXPECT_EQ(rows[0].id, 11u);
	EXPECT_DOUBLE_EQ(rows[0].calls_per_s, 200);
	EXPECT_DOUBLE_EQ(rows[0].walks_per_s, 0.5);
	EXPECT_EQ(rows[0].p50_ns, 100u);
	EXPECT_EQ(rows[0].top_caller, "b");
	EXPECT_EQ(rows[1].id, 10u);
	EXPECT_EQ(top_rows(maps, TopSort::Walks)[0].id, 10u);
	EXPECT_EQ(top_rows(maps, TopSort::Restarts)[0].id, 12u);
	EXPECT_EQ(top_rows(maps, TopSort::P99)[0].id, 11u);
	EXPECT_EQ(parse_top_sort("p99"), TopSort::P99);
	EXPECT_FALSE(parse_top_sort("nope"));

	EXPECT_LE(top_header(80).size(), 80u);
	EXPECT_LE(top_line(rows[0], 80).size(), 80u);
	EXPECT_EQ(top_line(rows[0], 200).substr(0, 7), "    11 ");
	auto detail = top_detail(maps[1], 80);
	EXPECT_NE(std::find_if(detail.begin(), detail.end(),
			       [](auto &l) { return l.find("callers") != std::string::npos; }),
		  detail.end());
}

// The slowest calls: absent until a summary carries them (the aggregate
// mode never does), then the slowest of the last kSlowWindow intervals.
TEST(LiveEngine, SlowestCallsOverARecentWindow)
{
	std::set<uint32_t> existing{5};
	LiveEngine e = engine_with(&existing);
	MapStats plain;
	plain.map_id = 5;
	plain.add_call(call(5, Cmd::GetNextKey, 100, "a"));
	e.summary(plain, MapLabel{5, "m5", 1}, "interval");
	ASSERT_EQ(e.snapshot().size(), 1u);
	EXPECT_FALSE(e.snapshot()[0].slowest); // not recorded

	for (uint64_t round = 1; round <= kSlowWindow + 2; round++) {
		MapStats s = plain;
		// Round 1 holds the slowest call of all; it leaves the window.
		s.recent_slowest = std::vector<SlowCall>{
			{-1, 3, 3, 1, round == 1 ? 1'000'000 : 1000 + round, uint32_t(round), "w"}};
		e.summary(s, MapLabel{5, "m5", 1}, "interval");
	}
	LiveMapState m = e.snapshot()[0];
	ASSERT_TRUE(m.slowest);
	ASSERT_EQ(m.slowest->size(), kSlowShown);
	EXPECT_EQ((*m.slowest)[0].latency_ns, 1000 + kSlowWindow + 2);
	EXPECT_EQ((*m.slowest)[0].pid, kSlowWindow + 2);
	EXPECT_EQ((*m.slowest)[kSlowShown - 1].latency_ns, 1000 + kSlowWindow + 2 - (kSlowShown - 1));
	EXPECT_DOUBLE_EQ(m.slowest_seconds, double(kSlowWindow)); // 1 s intervals
}

TEST(TopTable, HashDetailHasStripAndSlowestOrSaysWhyNot)
{
	LiveMapState m;
	m.label = MapLabel{7, "h", 1}; // BPF_MAP_TYPE_HASH
	m.last.seconds = 1;
	auto has = [](const std::vector<std::string> &lines, const std::string &text) {
		return std::any_of(lines.begin(), lines.end(),
				   [&](auto &l) { return l.find(text) != std::string::npos; });
	};
	auto lines = top_hash_detail(m, 80);
	EXPECT_TRUE(has(lines, "slowest calls: not recorded in aggregate mode"));
	EXPECT_TRUE(has(lines, "buckets: not read yet"));

	BucketReport r;
	r.n_buckets = 64;
	r.chain_len.assign(64, 0);
	r.chain_len[10] = 1;
	r.entries = 1;
	r.empty_buckets = 63;
	r.max_chain = 1;
	r.empty_run_start = 11;
	r.empty_run_len = 53;
	m.facts.buckets = heat_summary(r);
	m.slowest = std::vector<SlowCall>{{-1, 10, 10, 1, 2500, 42, "walker"}};
	m.slowest_seconds = 10;
	lines = top_hash_detail(m, 80);
	EXPECT_TRUE(has(lines, "64 buckets, 1 occupied"));
	EXPECT_TRUE(has(lines, "0 |" + std::string(10, '.') + "#"));
	EXPECT_TRUE(has(lines, "longest empty run: 53 buckets (11-63)"));
	EXPECT_TRUE(has(lines, "slowest calls in the last 10 s:"));
	EXPECT_TRUE(has(lines, "2.5us      42 walker                 10  start -> bucket 10"));
	for (auto &l : lines)
		EXPECT_LE(l.size(), 80u) << l;
	for (auto &l : top_hash_detail(m, 20))
		EXPECT_LE(l.size(), 20u) << l;
	EXPECT_TRUE(has(top_detail(m, 80), "slowest calls in the last 10 s:"));

	m.label.type = 2; // BPF_MAP_TYPE_ARRAY: no buckets
	EXPECT_TRUE(top_hash_detail(m, 80).empty());
}
