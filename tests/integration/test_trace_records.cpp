// What the tracer's records say, against the real kernel (issue 10 item 8,
// issue 12 item 2): walk starts, batch commands, the last interval, one
// warning per cause, escaped human output, SIGHUP, starvation advice,
// startup with many maps, summary selection and filters. Every expectation
// comes from what this test itself did.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/helpers.hpp"
#include "common/root.hpp"
#include "integration/trace_run.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

std::vector<json> summaries(const std::vector<json> &lines, const std::string &scope)
{
	std::vector<json> out;
	for (auto &j : lines)
		if (j["type"] == "summary" && j["scope"] == scope)
			out.push_back(j);
	return out;
}

std::vector<std::string> warnings(const std::vector<json> &lines)
{
	std::vector<std::string> out;
	for (auto &j : lines)
		if (j["type"] == "warning")
			out.push_back(j["message"]);
	return out;
}

bool is_iso8601_utc(const std::string &ts)
{
	// 2026-12-01T10:55:39.123Z
	if (ts.size() != 24)
		return false;
	for (size_t i = 0; i < ts.size(); i++) {
		char c = ts[i];
		bool ok = i == 4 || i == 7 ? c == '-' : i == 10 ? c == 'T' : i == 13 || i == 16 ? c == ':'
			: i == 19 ? c == '.' : i == 23 ? c == 'Z' : (c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

// A child process that waits for a byte on a pipe, runs `fn`, and exits.
class Walker {
public:
	explicit Walker(const std::function<void()> &fn)
	{
		if (pipe(go_))
			throw std::runtime_error("pipe");
		pid_ = fork();
		if (pid_ == 0) {
			char c;
			if (read(go_[0], &c, 1) != 1)
				_exit(1);
			fn();
			_exit(0);
		}
	}
	pid_t pid() const { return pid_; }
	// Lets it run and waits; true when it exited 0.
	bool run()
	{
		if (write(go_[1], "g", 1) != 1)
			return false;
		int st = 0;
		waitpid(pid_, &st, 0);
		return WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	~Walker()
	{
		close(go_[0]);
		close(go_[1]);
	}

private:
	int go_[2];
	pid_t pid_;
};

// Waits until the process is in the stopped state ('T' in /proc/PID/stat).
bool wait_stopped(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
		std::string stat((std::istreambuf_iterator<char>(f)), {});
		size_t paren = stat.rfind(')');
		if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T')
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return false;
}

UniqueFd small_hash(uint32_t n, const char *name = "tmi_test")
{
	UniqueFd fd = create_map(BPF_MAP_TYPE_HASH, 8, 8, 64, 0, name);
	for (uint32_t i = 0; i < n; i++)
		put(fd.get(), make_key(i + 1, 8), Bytes(8, 'v'));
	return fd;
}

} // namespace

// bpftrace walks from a key that is not in the map (the kernel then starts
// at the first key), with separate cursor and next-key buffers: a complete
// walk, not a resumed one.
TEST(TraceRecords, WalkFromAbsentKeyIsCompleteAndNotResumed)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(20);
	uint32_t id = map_id(map.get());
	TraceRun run({"--map-id", std::to_string(id)});
	ASSERT_TRUE(run.started()) << run.err();
	Bytes cur(8, '\xff'), next(8, '\0');
	uint64_t keys = 0;
	while (bpf_map_get_next_key(map.get(), cur.data(), next.data()) == 0) {
		keys++;
		cur = next;
	}
	ASSERT_EQ(run.end(), 0);
	auto walks = of_type(run.lines(), "walk", id);
	ASSERT_EQ(walks.size(), 1u) << run.out();
	EXPECT_EQ(walks[0]["keys"], keys);
	EXPECT_EQ(walks[0]["complete"], true);
	EXPECT_EQ(walks[0]["resumed"], false);
	EXPECT_EQ(walks[0]["start"], "unknown_key");
}

// Going back to a key the walk was given is a resume; a NULL start is "null".
TEST(TraceRecords, JumpBackToAReturnedKeyIsResumed)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(20);
	uint32_t id = map_id(map.get());
	TraceRun run({"--map-id", std::to_string(id), "--exact-cursor"});
	ASSERT_TRUE(run.started()) << run.err();
	std::vector<Bytes> got;
	Bytes key(8, '\0');
	ASSERT_EQ(bpf_map_get_next_key(map.get(), nullptr, key.data()), 0);
	got.push_back(key);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(bpf_map_get_next_key(map.get(), key.data(), key.data()), 0);
		got.push_back(key);
	}
	key = got[1]; // back to the second key returned
	uint64_t after = 0;
	while (bpf_map_get_next_key(map.get(), key.data(), key.data()) == 0)
		after++;
	ASSERT_EQ(run.end(), 0);
	auto walks = of_type(run.lines(), "walk", id);
	ASSERT_EQ(walks.size(), 2u) << run.out();
	EXPECT_EQ(walks[0]["start"], "null");
	EXPECT_EQ(walks[0]["resumed"], false);
	EXPECT_EQ(walks[1]["start"], "resumed");
	EXPECT_EQ(walks[1]["resumed"], true);
	EXPECT_EQ(walks[1]["keys"], after);
	EXPECT_EQ(walks[1]["complete"], true);
}

// A lookup-and-delete batch walk says so; a lookup batch walk says lookup.
TEST(TraceRecords, BatchWalksNameTheirCommand)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(30);
	uint32_t id = map_id(map.get());
	TraceRun run({"--map-id", std::to_string(id)});
	ASSERT_TRUE(run.started()) << run.err();
	auto batch_walk = [&](bool and_delete) {
		std::vector<uint64_t> keys(16), vals(16);
		uint64_t token = 0, entries = 0;
		void *in = nullptr;
		while (true) {
			uint32_t count = 16;
			int err = and_delete
				? bpf_map_lookup_and_delete_batch(map.get(), in, &token, keys.data(),
								  vals.data(), &count, nullptr)
				: bpf_map_lookup_batch(map.get(), in, &token, keys.data(), vals.data(),
						       &count, nullptr);
			entries += count;
			if (err)
				break;
			in = &token;
		}
		return entries;
	};
	ASSERT_EQ(batch_walk(false), 30u);
	ASSERT_EQ(batch_walk(true), 30u);
	ASSERT_EQ(run.end(), 0);
	auto walks = of_type(run.lines(), "batch_walk", id);
	ASSERT_EQ(walks.size(), 2u) << run.out();
	EXPECT_EQ(walks[0]["op"], "lookup");
	EXPECT_EQ(walks[1]["op"], "lookup_and_delete");
	EXPECT_EQ(walks[1]["entries"], 30);
	EXPECT_EQ(walks[1]["start"], "null");
}

// With -i the last, partial interval is printed, with a timestamp.
TEST(TraceRecords, LastPartialIntervalIsEmittedWithTimestamp)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(10);
	uint32_t id = map_id(map.get());
	TraceRun run({"--map-id", std::to_string(id), "-i", "600"});
	ASSERT_TRUE(run.started()) << run.err();
	uint64_t calls = walk_keys(map.get(), 8).size() + 1;
	ASSERT_EQ(run.end(), 0);
	auto lines = run.lines();
	auto iv = summaries(lines, "interval");
	ASSERT_EQ(iv.size(), 1u) << run.out();
	EXPECT_EQ(iv[0]["calls"], calls);
	EXPECT_TRUE(is_iso8601_utc(iv[0]["ts"])) << iv[0]["ts"];
	auto total = summaries(lines, "total");
	ASSERT_EQ(total.size(), 1u);
	EXPECT_TRUE(is_iso8601_utc(total[0]["ts"]));
	// The interval comes before the totals.
	EXPECT_LE(iv[0]["ts"].get<std::string>(), total[0]["ts"].get<std::string>());
}

// Interval blocks in human output carry a timestamp header.
TEST(TraceRecords, TextIntervalBlocksHaveTimestamps)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(10);
	uint32_t id = map_id(map.get());
	TraceRun run({"--map-id", std::to_string(id), "-i", "0.3"}, false);
	ASSERT_TRUE(run.started()) << run.err();
	walk_keys(map.get(), 8);
	std::this_thread::sleep_for(std::chrono::milliseconds(800));
	ASSERT_EQ(run.end(), 0);
	size_t headers = 0;
	for (auto &l : split_lines(run.out()))
		if (l.rfind("=== Interval at ", 0) == 0) {
			headers++;
			EXPECT_TRUE(is_iso8601_utc(l.substr(16, 24))) << l;
		}
	EXPECT_GE(headers, 2u) << run.out();
	EXPECT_NE(run.out().find("=== Totals at "), std::string::npos);
}

// SIGHUP ends the run like SIGTERM: exit 0 with the summary.
TEST(TraceRecords, SighupEndsWithTheSummary)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(10);
	uint32_t id = map_id(map.get());
	TraceRun run({"--map-id", std::to_string(id)});
	ASSERT_TRUE(run.started()) << run.err();
	uint64_t calls = walk_keys(map.get(), 8).size() + 1;
	ASSERT_EQ(run.end(SIGHUP), 0) << run.err();
	auto s = summaries(run.lines(), "total");
	ASSERT_EQ(s.size(), 1u) << run.out();
	EXPECT_EQ(s[0]["calls"], calls);
}

// A comm with a newline and escape sequences reaches the terminal escaped.
TEST(TraceRecords, HumanOutputEscapesControlBytesInComm)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(10);
	uint32_t id = map_id(map.get());
	TraceRun run({"--map-id", std::to_string(id)}, false);
	ASSERT_TRUE(run.started()) << run.err();
	std::thread t([&] {
		prctl(PR_SET_NAME, "ev\n\x1b[2Jil", 0, 0, 0);
		walk_keys(map.get(), 8);
	});
	t.join();
	ASSERT_EQ(run.end(), 0);
	EXPECT_EQ(run.out().find('\x1b'), std::string::npos);
	EXPECT_NE(run.out().find("ev\\n\\x1b[2Jil"), std::string::npos) << run.out();
}

// Short-lived maps whose geometry can't be read: one warning for all of
// them, not one per map.
TEST(TraceRecords, OneWarningPerCauseForManyShortLivedMaps)
{
	TMI_REQUIRE_ROOT();
	TraceRun run({"-p", std::to_string(getpid())});
	ASSERT_TRUE(run.started()) << run.err();
	// Stopped, the tool sees the events only after the maps are gone.
	run.child().signal(SIGSTOP);
	ASSERT_TRUE(wait_stopped(run.child().pid()));
	std::vector<uint32_t> ids;
	for (int i = 0; i < 5; i++) {
		UniqueFd m = small_hash(4);
		ids.push_back(map_id(m.get()));
		walk_keys(m.get(), 8);
	}
	run.child().signal(SIGCONT);
	ASSERT_EQ(run.end(), 0);
	auto w = warnings(run.lines());
	size_t hot = std::count_if(w.begin(), w.end(), [](const std::string &m) {
		return m.find("no bucket hot spots") != std::string::npos;
	});
	EXPECT_EQ(hot, 1u) << run.out();
	for (auto &m : w) {
		if (m.find("no bucket hot spots") != std::string::npos) {
			EXPECT_NE(m.find("5 maps"), std::string::npos) << m;
		}
	}
	for (uint32_t id : ids)
		EXPECT_EQ(of_type(run.lines(), "walk", id).size(), 1u);
}

// Starved of events, the tool says so once while running, with the loss
// rate and what helps; at the end one warning covers every map.
TEST(TraceRecords, LossesAreExplainedOnceWithRateAndAdvice)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 20000;
	UniqueFd a = filled_hash(8, 8, n, n), b = filled_hash(8, 8, n, n);
	TraceRun run({"--map-id", std::to_string(map_id(a.get())), "--map-id",
		 std::to_string(map_id(b.get())), "--ringbuf-size", "4096"});
	ASSERT_TRUE(run.started()) << run.err();
	auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
	while (std::chrono::steady_clock::now() < until) {
		walk_keys(a.get(), 8);
		walk_keys(b.get(), 8);
	}
	// Under -j an error is a JSON line on stdout: show its end.
	ASSERT_EQ(run.end(), 0) << run.err()
				 << run.out().substr(run.out().size() > 600 ? run.out().size() - 600 : 0);
	auto lines = run.lines();
	size_t live = 0, final = 0, first_summary = lines.size(), live_at = lines.size();
	for (size_t i = 0; i < lines.size(); i++) {
		if (lines[i]["type"] == "summary" && first_summary == lines.size())
			first_summary = i;
		if (lines[i]["type"] != "warning")
			continue;
		std::string m = lines[i]["message"];
		if (m.find("not keeping up") != std::string::npos) {
			live++;
			live_at = i;
			EXPECT_NE(m.find("% of events lost"), std::string::npos) << m;
			EXPECT_NE(m.find("--ringbuf-size"), std::string::npos) << m;
			EXPECT_NE(m.find("--order none"), std::string::npos) << m;
		}
		if (m.find("events lost on 2 maps") != std::string::npos)
			final++;
	}
	EXPECT_EQ(live, 1u) << run.out();
	EXPECT_LT(live_at, first_summary); // told while running, not at the end
	EXPECT_EQ(final, 1u) << run.out();
}

// --top and --sort: the most walked maps, most first.
TEST(TraceRecords, TopAndSortPickTheBusiestMaps)
{
	TMI_REQUIRE_ROOT();
	std::vector<UniqueFd> maps;
	for (int i = 0; i < 4; i++)
		maps.push_back(small_hash(5, "tmi_top"));
	TraceRun run({"--map-name", "tmi_top", "--top", "2", "--sort", "walks"});
	ASSERT_TRUE(run.started()) << run.err();
	for (int i = 0; i < 4; i++)
		for (int k = 0; k <= i; k++)
			walk_keys(maps[i].get(), 8);
	ASSERT_EQ(run.end(), 0) << run.err();
	auto s = summaries(run.lines(), "total");
	ASSERT_EQ(s.size(), 2u) << run.out();
	EXPECT_EQ(s[0]["map_id"], map_id(maps[3].get()));
	EXPECT_EQ(s[0]["walks"], 4);
	EXPECT_EQ(s[1]["map_id"], map_id(maps[2].get()));
	EXPECT_EQ(s[1]["walks"], 3);
}

// Several -p: only those processes; --comm: only threads with that comm.
TEST(TraceRecords, SeveralPidsAndCommFilter)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = small_hash(10);
	uint32_t id = map_id(map.get());
	auto walk = [&] { walk_keys(map.get(), 8); };
	{
		Walker w1(walk), w2(walk), w3(walk);
		TraceRun run({"--map-id", std::to_string(id), "-p", std::to_string(w1.pid()), "-p",
			 std::to_string(w2.pid())});
		ASSERT_TRUE(run.started()) << run.err();
		walk(); // this process: not selected
		ASSERT_TRUE(w1.run() && w2.run() && w3.run());
		ASSERT_EQ(run.end(), 0) << run.err();
		std::set<uint32_t> pids;
		for (auto &j : of_type(run.lines(), "walk", id))
			pids.insert(j["pid"].get<uint32_t>());
		EXPECT_EQ(pids, (std::set<uint32_t>{uint32_t(w1.pid()), uint32_t(w2.pid())}));
		EXPECT_EQ(summaries(run.lines(), "total").at(0)["calls"], 2 * 11);
	}
	{
		TraceRun run({"--map-id", std::to_string(id), "--comm", "tmi_comm_x"});
		ASSERT_TRUE(run.started()) << run.err();
		walk();
		std::thread t([&] {
			prctl(PR_SET_NAME, "tmi_comm_x", 0, 0, 0);
			walk();
		});
		t.join();
		ASSERT_EQ(run.end(), 0) << run.err();
		auto walks = of_type(run.lines(), "walk", id);
		ASSERT_EQ(walks.size(), 1u) << run.out();
		EXPECT_EQ(walks[0]["comm"], "tmi_comm_x");
	}
}

// Startup with many selected maps: well under a second per hundred maps
// (it was ~120 ms per map: a BPF object load and detach per map's
// geometry). What is checked is the time the 300 maps add to a one-map
// startup, so a loaded host's fixed costs (loading the tracer) don't count.
TEST(TraceRecords, StartupWithThreeHundredMapsIsFast)
{
	TMI_REQUIRE_ROOT();
	UniqueFd one = create_map(BPF_MAP_TYPE_HASH, 8, 8, 16, 0, "tmi_one");
	std::vector<UniqueFd> maps;
	for (int i = 0; i < 300; i++)
		maps.push_back(create_map(BPF_MAP_TYPE_HASH, 8, 8, 16, 0, "tmi_many"));
	auto startup = [](const char *name) {
		auto t0 = std::chrono::steady_clock::now();
		TraceRun run({"--map-name", name});
		double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
		EXPECT_TRUE(run.started()) << run.err();
		EXPECT_EQ(run.end(), 0) << run.err();
		return secs;
	};
	double t1 = startup("tmi_one"), t300 = startup("tmi_many");
	std::printf("startup: 1 map %.2f s, 300 maps %.2f s\n", t1, t300);
	EXPECT_LT(t300 - t1, 1.5); // < 0.5 s per hundred maps
}

// Without privileges the one error line says what is needed.
TEST(TraceRecords, NonRootIsToldWhatPrivilegesAreNeeded)
{
	TMI_REQUIRE_ROOT();
	ASSERT_EQ(access("/usr/bin/setpriv", X_OK), 0) << "util-linux setpriv is needed";
	Child c({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		 "--inh-caps=-all", tool_path(), "-d", "1"});
	int code = c.wait(std::chrono::seconds(30));
	EXPECT_EQ(code, 2) << c.err();
	auto lines = split_lines(c.err());
	ASSERT_EQ(lines.size(), 1u) << c.err();
	EXPECT_EQ(lines[0], "error: can't trace: needs root or CAP_BPF and CAP_PERFMON");
}
