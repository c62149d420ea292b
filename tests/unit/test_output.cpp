// The JSON-lines contract (README "JSON lines"): field names and order,
// valid JSON whatever a comm holds, histogram counts adding up to calls.
#include <gtest/gtest.h>

#include <cerrno>

#include <algorithm>
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
							 "order", "start"}));
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

TEST(TextOutput, ControlBytesInCommAndMapNameAreEscaped)
{
	Walk w = sample_walk();
	w.comm = std::string("evil\n\x1b[2J\tx\\");
	std::string out = capture([&](TraceOutput &o) { o.walk(w, {42, "m\x07\r", 1}); }, false);
	EXPECT_EQ(out.find('\x1b'), std::string::npos);
	EXPECT_EQ(out.find('\x07'), std::string::npos);
	EXPECT_EQ(out.find('\r'), std::string::npos);
	EXPECT_NE(out.find("evil\\n\\x1b[2J\\tx\\\\"), std::string::npos) << out;
	EXPECT_NE(out.find("42:m\\x07\\r"), std::string::npos) << out;
	// Exactly two lines: the header and the walk (the newline was escaped).
	EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST(Printable, KeepsValidUtf8AndEscapesTheRest)
{
	EXPECT_EQ(printable("plain-name_1"), "plain-name_1");
	EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
	EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
	EXPECT_EQ(printable("\x7f"), "\\x7f");
	EXPECT_EQ(printable("\xc2\x9b"), "\\xc2\\x9b"); // C1 CSI
	EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
	EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82"); // cut sequence
}

TEST(JsonOutput, WalkStartAndBatchOpAreAppended)
{
	Walk w = sample_walk();
	w.start = WalkStart::UnknownKey;
	std::string s = capture([&](TraceOutput &o) { o.walk(w, {42, "m", 1}); }, true);
	ojson j = ojson::parse(s);
	EXPECT_EQ(keys_of(j).back(), "start");
	EXPECT_EQ(j["start"], "unknown_key");
	EXPECT_EQ(j["resumed"], false);

	Walk b;
	b.batch = true;
	b.op = BatchOp::LookupAndDelete;
	s = capture([&](TraceOutput &o) { o.walk(b, {42, "m", 1}); }, true);
	j = ojson::parse(s);
	EXPECT_EQ(keys_of(j), (std::vector<std::string>{"type", "map_id", "map_name", "pid", "tid",
							 "comm", "calls", "entries", "complete",
							 "resumed", "duration_ns", "busy_ns", "start",
							 "op"}));
	EXPECT_EQ(j["op"], "lookup_and_delete");
	EXPECT_EQ(j["start"], "null");
}

// The contract only appends: ts, then hook and failed_calls, end a summary.
TEST(JsonOutput, SummariesOfABlockEndWithTimestampHookAndFailedCalls)
{
	MapStats s;
	s.map_id = 42;
	s.failed_by_errno = {{EFAULT, 3}, {EBADF, 1}};
	SummaryBlock b{"interval", iso8601_now(), 1, 1, "map id", 0, "kprobe"};
	std::string out = capture(
		[&](TraceOutput &o) {
			o.summaries_begin(b);
			o.summary(s, {42, "m", 1}, "interval");
		},
		true);
	ojson j = ojson::parse(out);
	auto keys = keys_of(j);
	ASSERT_GE(keys.size(), 3u);
	EXPECT_EQ(keys[keys.size() - 3], "ts");
	EXPECT_EQ(keys[keys.size() - 2], "hook");
	EXPECT_EQ(keys.back(), "failed_calls");
	EXPECT_EQ(j["hook"], "kprobe");
	EXPECT_EQ(j["failed_calls"]["EFAULT"], 3);
	EXPECT_EQ(j["failed_calls"]["EBADF"], 1);
	EXPECT_EQ(j["failed_calls"].size(), 2u);
	std::string ts = j["ts"];
	// 2026-12-01T10:55:39.123Z
	ASSERT_EQ(ts.size(), 24u) << ts;
	EXPECT_EQ(ts[4], '-');
	EXPECT_EQ(ts[10], 'T');
	EXPECT_EQ(ts[19], '.');
	EXPECT_EQ(ts[23], 'Z');
}

TEST(TextOutput, SummaryBlockHeaderHasTheTimestamp)
{
	SummaryBlock b{"interval", "2026-12-01T10:55:39.123Z", 3, 17, "calls", 3};
	std::string out = capture([&](TraceOutput &o) { o.summaries_begin(b); }, false);
	EXPECT_NE(out.find("Interval at 2026-12-01T10:55:39.123Z: 3 of 17 maps (--top 3), by calls"),
		  std::string::npos)
		<< out;
}

TEST(WarningTally, OneWarningPerCauseNamingEveryMap)
{
	WarningTally t;
	for (uint32_t id = 1; id <= 12; id++)
		t.add("no bucket hot spots", "the map was gone", id);
	t.add("no bucket hot spots", "the map was gone", 3); // once per map
	t.add("no bucket hot spots", "permission denied", 40);
	std::string out = capture([&](TraceOutput &o) { t.flush(o); }, false);
	EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
	EXPECT_NE(out.find("warning: no bucket hot spots for 12 maps (ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 "
			   "and 2 more): the map was gone"),
		  std::string::npos)
		<< out;
	EXPECT_NE(out.find("for 1 map (id 40): permission denied"), std::string::npos) << out;
	EXPECT_TRUE(t.empty());
}
