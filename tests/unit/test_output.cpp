// The JSON-lines contract (README "JSON lines"): field names and order,
// valid JSON whatever a comm holds, histogram counts adding up to calls.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "trace/output.hpp"

using namespace tmi;
using ojson = nlohmann::ordered_json;

namespace {

std::string capture(const std::function<void(TraceOutput &)> &fn, bool json)
{
	FILE *f = tmpfile();
	auto out = json ? make_json_output(f) : make_text_output(f, f);
	fn(*out);
	std::fflush(f);
	std::string s(std::ftell(f), '\0');
	std::rewind(f);
	size_t n = std::fread(s.data(), 1, s.size(), f);
	s.resize(n);
	std::fclose(f);
	return s;
}

std::vector<std::string> keys_of(const ojson &j)
{
	std::vector<std::string> k;
	for (auto &[name, _] : j.items())
		k.push_back(name);
	return k;
}

Walk sample_walk()
{
	Walk w;
	w.map_id = 42;
	w.pid = 100;
	w.tid = 101;
	w.comm = std::string("bad\xff\xfe\x01name");
	w.start_ns = 1000;
	w.end_ns = 5000;
	w.calls = 3;
	w.keys = 2;
	w.complete = true;
	w.order_sha256 = std::string(64, 'a');
	w.order = {Bytes("\x01\x02", 2), Bytes("\xff\x00", 2)};
	return w;
}

} // namespace

TEST(JsonOutput, WalkObjectFieldsInDocumentedOrder)
{
	std::string s = capture([](TraceOutput &o) { o.walk(sample_walk(), {42, "m", 1 /* BPF_MAP_TYPE_HASH */}); }, true);
	ASSERT_EQ(s.back(), '\n');
	ojson j = ojson::parse(s); // throws on invalid JSON (the comm has invalid UTF-8)
	EXPECT_EQ(keys_of(j), (std::vector<std::string>{"type", "map_id", "map_name", "pid", "tid",
							 "comm", "calls", "keys", "restarts",
							 "duplicates", "complete", "resumed",
							 "duration_ns", "busy_ns", "order_sha256",
							 "order"}));
	EXPECT_EQ(j["type"], "walk");
	EXPECT_EQ(j["duration_ns"], 4000);
	EXPECT_EQ(j["order"], (ojson{"0102", "ff00"}));
	EXPECT_EQ(j["comm"].get<std::string>().substr(0, 3), "bad");
}

TEST(JsonOutput, SummaryHistogramAddsUpToCalls)
{
	MapStats s;
	s.map_id = 42;
	for (uint64_t i = 1; i <= 1000; i++) {
		CallEvent ev;
		ev.latency_ns = i * 37;
		ev.pid = i % 3;
		ev.comm = "w";
		s.add_call(ev);
	}
	s.lost_events = 5;
	std::string out = capture([&](TraceOutput &o) { o.summary(s, {42, "m", 1 /* BPF_MAP_TYPE_HASH */}, "total"); },
				  true);
	ojson j = ojson::parse(out);
	EXPECT_EQ(j["type"], "summary");
	EXPECT_EQ(j["calls"], 1000);
	EXPECT_EQ(j["lost_events"], 5);
	uint64_t sum = 0;
	for (auto &b : j["latency_ns"]["hist"])
		sum += b["count"].get<uint64_t>();
	EXPECT_EQ(sum, 1000u);
	EXPECT_EQ(j["latency_ns"]["max"], 37000);
	EXPECT_LE(j["latency_ns"]["p50"].get<uint64_t>(), j["latency_ns"]["p90"].get<uint64_t>());
	EXPECT_LE(j["latency_ns"]["p99"].get<uint64_t>(), 37000u);
	EXPECT_EQ(j["top_callers"].size(), 3u);
}

TEST(TextOutput, WalkLineAndSummary)
{
	MapStats s;
	s.map_id = 42;
	CallEvent ev;
	ev.latency_ns = 900;
	s.add_call(ev);
	std::string out = capture(
		[&](TraceOutput &o) {
			o.walk(sample_walk(), {42, "m", 1 /* BPF_MAP_TYPE_HASH */});
			o.summary(s, {42, "m", 1 /* BPF_MAP_TYPE_HASH */}, "total");
		},
		false);
	EXPECT_NE(out.find("TIME     PID"), std::string::npos);
	EXPECT_NE(out.find("42:m"), std::string::npos);
	EXPECT_NE(out.find("complete"), std::string::npos);
	EXPECT_NE(out.find("Summary: map 42 (m, hash): 1 calls"), std::string::npos);
	EXPECT_NE(out.find("512 -> 1023"), std::string::npos);
}
