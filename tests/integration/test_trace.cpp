// The tracer against the real kernel: real maps, walks done by this test
// process, the tool run as a separate process. Every expectation comes from
// what this test itself observed, never from the tool's own output.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <fstream>
#include <set>
#include <thread>
#include <bpf/libbpf.h>

#include "common/helpers.hpp"
#include "integration/trace_run.hpp"
#include "common/root.hpp"
#include "base/sha256.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

json summary_of(const std::vector<json> &lines, uint32_t map_id)
{
	auto s = of_type(lines, "summary", map_id);
	return s.empty() ? json() : s.back();
}

std::vector<std::string> hex_all(const std::vector<Bytes> &keys)
{
	std::vector<std::string> out;
	for (auto &k : keys)
		out.push_back(to_hex(k));
	return out;
}

std::string sha_of_order(const std::vector<Bytes> &keys)
{
	Sha256 h;
	for (auto &k : keys)
		h.update(k);
	return h.hex_digest();
}

uint32_t gettid_u32() { return static_cast<uint32_t>(syscall(SYS_gettid)); }

struct MapCase {
	uint32_t type;
	uint32_t key_size;
	uint32_t entries;
	const char *name;
};

std::string case_name(const ::testing::TestParamInfo<MapCase> &info)
{
	return std::string(info.param.name) + "_key" + std::to_string(info.param.key_size);
}

UniqueFd filled_map(const MapCase &c, uint32_t max_entries)
{
	uint32_t value_size = 12;
	UniqueFd fd = create_map(c.type, c.key_size, value_size, max_entries);
	bool array = c.type == BPF_MAP_TYPE_ARRAY || c.type == BPF_MAP_TYPE_PERCPU_ARRAY;
	int ncpu = libbpf_num_possible_cpus();
	bool percpu = c.type == BPF_MAP_TYPE_PERCPU_HASH || c.type == BPF_MAP_TYPE_PERCPU_ARRAY;
	Bytes value(size_t(percpu ? ncpu : 1) * 16, 'v'); // per-CPU values are 8-byte rounded
	for (uint32_t i = 0; i < c.entries && !array; i++)
		put(fd.get(), make_key(i * 2654435761u, c.key_size), value);
	return fd;
}

} // namespace

class TraceMapTypes : public ::testing::TestWithParam<MapCase> {};

// The order the tool reports for a walk equals the order this process saw.
TEST_P(TraceMapTypes, ReportedOrderEqualsObservedOrder)
{
	TMI_REQUIRE_ROOT();
	const MapCase &c = GetParam();
	bool lru = c.type == BPF_MAP_TYPE_LRU_HASH;
	UniqueFd map = filled_map(c, lru ? lru_capacity(c.entries) : c.entries);
	uint32_t id = map_id(map.get());

	TraceRun run({"--map-id", std::to_string(id), "--order", "full"});
	ASSERT_TRUE(run.started()) << run.err();
	std::vector<Bytes> seen = walk_keys(map.get(), c.key_size);
	auto lines = run.stop();
	ASSERT_EQ(run.exit_code(), 0) << run.err();

	ASSERT_EQ(seen.size(), c.entries);
	auto walks = of_type(lines, "walk", id);
	ASSERT_EQ(walks.size(), 1u);
	const json &w = walks[0];
	EXPECT_EQ(w["pid"], uint32_t(getpid()));
	EXPECT_EQ(w["tid"], gettid_u32());
	EXPECT_EQ(w["keys"], seen.size());
	EXPECT_EQ(w["calls"], seen.size() + 1);
	EXPECT_EQ(w["complete"], true);
	EXPECT_EQ(w["restarts"], 0);
	EXPECT_EQ(w["duplicates"], 0);
	EXPECT_EQ(w["order"].get<std::vector<std::string>>(), hex_all(seen));
	EXPECT_EQ(w["order_sha256"], sha_of_order(seen));

	json s = summary_of(lines, id);
	ASSERT_FALSE(s.is_null());
	EXPECT_EQ(s["calls"], seen.size() + 1);
	EXPECT_EQ(s["lost_events"], 0);
	uint64_t hist_total = 0;
	for (auto &b : s["latency_ns"]["hist"])
		hist_total += b["count"].get<uint64_t>();
	EXPECT_EQ(hist_total, seen.size() + 1);
}

INSTANTIATE_TEST_SUITE_P(
	Maps, TraceMapTypes,
	::testing::Values(MapCase{BPF_MAP_TYPE_HASH, 4, 300, "hash"},
			  MapCase{BPF_MAP_TYPE_HASH, 5, 300, "hash"},
			  MapCase{BPF_MAP_TYPE_HASH, 8, 300, "hash"},
			  MapCase{BPF_MAP_TYPE_HASH, 13, 300, "hash"},
			  MapCase{BPF_MAP_TYPE_HASH, 64, 300, "hash"},
			  MapCase{BPF_MAP_TYPE_HASH, 100, 50, "hash"},
			  MapCase{BPF_MAP_TYPE_LRU_HASH, 5, 300, "lru_hash"},
			  MapCase{BPF_MAP_TYPE_LRU_HASH, 8, 300, "lru_hash"},
			  MapCase{BPF_MAP_TYPE_PERCPU_HASH, 8, 300, "percpu_hash"},
			  MapCase{BPF_MAP_TYPE_PERCPU_HASH, 13, 300, "percpu_hash"},
			  MapCase{BPF_MAP_TYPE_ARRAY, 4, 200, "array"},
			  MapCase{BPF_MAP_TYPE_PERCPU_ARRAY, 4, 200, "percpu_array"}),
	case_name);

// A key deleted mid-walk: the kernel restarts from bucket 0 and repeats keys.
TEST(Trace, DeletedCursorShowsRestartAndDuplicates)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 1024, 200);
	uint32_t id = map_id(map.get());

	TraceRun run({"--map-id", std::to_string(id), "--order", "full"});
	ASSERT_TRUE(run.started()) << run.err();
	std::vector<Bytes> seen = walk_keys_deleting(map.get(), 8, 100);
	auto lines = run.stop();

	// What this test saw: duplicates, and runs of repeats (restarts).
	std::set<Bytes> uniq;
	uint64_t dups = 0, restarts = 0;
	bool in_run = false;
	for (auto &k : seen) {
		bool dup = !uniq.insert(k).second;
		dups += dup;
		restarts += dup && !in_run;
		in_run = dup;
	}
	ASSERT_GT(dups, 0u) << "the kernel did not restart: test premise broken";

	auto walks = of_type(lines, "walk", id);
	ASSERT_EQ(walks.size(), 1u);
	EXPECT_EQ(walks[0]["keys"], seen.size());
	EXPECT_EQ(walks[0]["duplicates"], dups);
	EXPECT_EQ(walks[0]["restarts"], restarts);
	EXPECT_GE(walks[0]["restarts"].get<int>(), 1);
	EXPECT_EQ(walks[0]["order"].get<std::vector<std::string>>(), hex_all(seen));
	EXPECT_EQ(walks[0]["complete"], true);
}

// Two threads walking at once are two walks, each with its own order.
TEST(Trace, TwoThreadsGiveTwoWalks)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 4096, 2000);
	uint32_t id = map_id(map.get());

	TraceRun run({"--map-id", std::to_string(id), "--order", "fingerprint"});
	ASSERT_TRUE(run.started()) << run.err();
	std::vector<Bytes> a, b;
	uint32_t tid_a = 0, tid_b = 0;
	std::thread ta([&] { tid_a = gettid_u32(); a = walk_keys(map.get(), 8); });
	std::thread tb([&] { tid_b = gettid_u32(); b = walk_keys(map.get(), 8); });
	ta.join();
	tb.join();
	auto lines = run.stop();

	auto walks = of_type(lines, "walk", id);
	ASSERT_EQ(walks.size(), 2u);
	std::map<uint32_t, json> by_tid;
	for (auto &w : walks)
		by_tid[w["tid"]] = w;
	ASSERT_TRUE(by_tid.count(tid_a) && by_tid.count(tid_b));
	EXPECT_EQ(by_tid[tid_a]["order_sha256"], sha_of_order(a));
	EXPECT_EQ(by_tid[tid_b]["order_sha256"], sha_of_order(b));
	EXPECT_EQ(by_tid[tid_a]["keys"], 2000);
	EXPECT_EQ(by_tid[tid_b]["keys"], 2000);
	EXPECT_EQ(summary_of(lines, id)["calls"], 2 * 2001);
}

// Walks of maps not selected, and of processes not selected, are excluded.
TEST(Trace, OtherMapsAndOtherPidsAreExcluded)
{
	TMI_REQUIRE_ROOT();
	UniqueFd mine = create_map(BPF_MAP_TYPE_HASH, 4, 4, 64);
	UniqueFd other = create_map(BPF_MAP_TYPE_HASH, 4, 4, 64);
	for (uint32_t i = 0; i < 10; i++) {
		put(mine.get(), make_key(i, 4), Bytes(4, 'v'));
		put(other.get(), make_key(i, 4), Bytes(4, 'v'));
	}
	uint32_t id = map_id(mine.get()), other_id = map_id(other.get());

	// A child process walks `mine`; the tool follows only the child's pid.
	// If this test fails before "go", `go_w` closes and the child reads EOF
	// and exits: a child left blocked would hold the test's stdout open
	// forever (seen in guests where the tracer does not load).
	int go[2];
	ASSERT_EQ(pipe(go), 0);
	pid_t child = fork();
	if (child == 0) {
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		walk_keys(mine.get(), 4);
		_exit(0);
	}
	close(go[0]);
	UniqueFd go_w(go[1]);
	TraceRun run({"--map-id", std::to_string(id), "--map-id", std::to_string(other_id), "-p",
		      std::to_string(child)});
	ASSERT_TRUE(run.started()) << run.err();
	walk_keys(mine.get(), 4);  // this pid: excluded by -p
	walk_keys(other.get(), 4); // this pid, other map: excluded
	ASSERT_EQ(write(go_w.get(), "g", 1), 1);
	int st;
	waitpid(child, &st, 0);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	auto lines = run.stop();

	auto walks = of_type(lines, "walk", id);
	ASSERT_EQ(walks.size(), 1u);
	EXPECT_EQ(walks[0]["pid"], uint32_t(child));
	EXPECT_EQ(walks[0]["keys"], 10);
	EXPECT_TRUE(of_type(lines, "walk", other_id).empty());
	EXPECT_EQ(summary_of(lines, other_id)["calls"], 0);
	EXPECT_EQ(summary_of(lines, id)["calls"], 11);
}

// A tiny ring buffer loses events; reported calls + lost still equals the
// calls this test made.
TEST(Trace, TinyRingBufferCountsEveryLostEvent)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 20000;
	UniqueFd map = filled_hash(8, 8, n, n);
	uint32_t id = map_id(map.get());

	TraceRun run({"--map-id", std::to_string(id), "--ringbuf-size", "4096"});
	ASSERT_TRUE(run.started()) << run.err();
	uint64_t calls = walk_keys(map.get(), 8).size() + 1;
	calls += walk_keys(map.get(), 8).size() + 1;
	auto lines = run.stop();
	EXPECT_EQ(run.exit_code(), 0) << run.err();

	json s = summary_of(lines, id);
	ASSERT_FALSE(s.is_null());
	EXPECT_GT(s["lost_events"].get<uint64_t>(), 0u);
	EXPECT_EQ(s["calls"].get<uint64_t>() + s["lost_events"].get<uint64_t>(), calls);
	bool warned = false;
	for (auto &j : lines)
		warned |= j["type"] == "warning" &&
			  j["message"].get<std::string>().find("lost") != std::string::npos;
	EXPECT_TRUE(warned);
}

// Ctrl-C while the tracer is blocked writing to a full stdout pipe (a slow
// reader: here, nobody reads until the signal) ends the run cleanly: the
// write resumes, no record is lost, exit 0 (it once was exit 2, "can't write
// standard output", with the write interrupted by the signal).
TEST(Trace, CtrlCWhileStdoutIsFullLosesNoRecord)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 16, 4);
	uint32_t id = map_id(map.get());
	const int walks = 400; // ~300 bytes each: more than a 64 KiB pipe holds

	TraceRun run({"--map-id", std::to_string(id)});
	ASSERT_TRUE(run.started()) << run.err();
	for (int i = 0; i < walks; i++)
		ASSERT_EQ(walk_keys(map.get(), 4).size(), 4u);
	// The tracer is blocked writing; the signal comes, and only later does
	// anyone read (a reader that read at once could unblock the write first).
	std::this_thread::sleep_for(std::chrono::milliseconds(500));
	run.child().signal(SIGINT);
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	auto lines = run.stop();

	EXPECT_EQ(run.exit_code(), 0) << run.err();
	EXPECT_EQ(of_type(lines, "walk", id).size(), size_t(walks));
	EXPECT_EQ(summary_of(lines, id)["calls"], walks * 5);
}

// LOOKUP_BATCH walks: entries and calls as this test made them.
TEST(Trace, BatchWalksAreSeen)
{
	TMI_REQUIRE_ROOT();
	const uint32_t n = 1000;
	UniqueFd map = filled_hash(4, 8, 2048, n);
	uint32_t id = map_id(map.get());

	TraceRun run({"--map-id", std::to_string(id)});
	ASSERT_TRUE(run.started()) << run.err();
	std::vector<uint32_t> keys(64);
	std::vector<uint64_t> vals(64);
	uint32_t out_batch = 0, calls = 0, entries = 0;
	void *in = nullptr;
	while (true) {
		uint32_t count = 64;
		int err = bpf_map_lookup_batch(map.get(), in, &out_batch, keys.data(), vals.data(),
					       &count, nullptr);
		calls++;
		entries += count;
		if (err) {
			ASSERT_EQ(errno, ENOENT);
			break;
		}
		in = &out_batch;
	}
	auto lines = run.stop();

	ASSERT_EQ(entries, n);
	auto walks = of_type(lines, "batch_walk", id);
	ASSERT_EQ(walks.size(), 1u);
	EXPECT_EQ(walks[0]["entries"], entries);
	EXPECT_EQ(walks[0]["calls"], calls);
	EXPECT_EQ(walks[0]["complete"], true);
	EXPECT_EQ(summary_of(lines, id)["batch_calls"], calls);
}

// A walk that jumps (cursor not the key it was given) starts a new walk,
// even when the cursor copy is skipped for the common case; the key jumped
// to was never returned to this thread, so it is not a resumed walk.
TEST(Trace, JumpInSameBufferStartsAnUnknownKeyWalk)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 64, 20);
	uint32_t id = map_id(map.get());
	std::vector<Bytes> order = walk_keys(map.get(), 8);

	TraceRun run({"--map-id", std::to_string(id), "--exact-cursor", "--order", "full"});
	ASSERT_TRUE(run.started()) << run.err();
	Bytes key(8, '\0');
	ASSERT_EQ(bpf_map_get_next_key(map.get(), nullptr, key.data()), 0);
	key = order[10]; // rewrite the buffer: jump ahead
	std::vector<Bytes> after;
	while (bpf_map_get_next_key(map.get(), key.data(), key.data()) == 0)
		after.push_back(key);
	auto lines = run.stop();

	auto walks = of_type(lines, "walk", id);
	ASSERT_EQ(walks.size(), 2u);
	EXPECT_EQ(walks[0]["complete"], false);
	EXPECT_EQ(walks[0]["keys"], 1);
	EXPECT_EQ(walks[1]["resumed"], false);
	EXPECT_EQ(walks[1]["start"], "unknown_key");
	EXPECT_EQ(walks[1]["complete"], true);
	EXPECT_EQ(walks[1]["order"].get<std::vector<std::string>>(), hex_all(after));
}

TEST(Trace, MapsSelectedByNameAndPinnedPath)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = create_map(BPF_MAP_TYPE_HASH, 4, 4, 64, 0, "tmi_byname");
	for (uint32_t i = 0; i < 5; i++)
		put(map.get(), make_key(i, 4), Bytes(4, 'v'));
	uint32_t id = map_id(map.get());
	std::string pin = "/sys/fs/bpf/tmi_test_pin_" + std::to_string(getpid());
	ASSERT_EQ(bpf_obj_pin(map.get(), pin.c_str()), 0);

	for (auto sel : {std::vector<std::string>{"--map-name", "tmi_byname"},
			 std::vector<std::string>{"--pinned", pin}}) {
		TraceRun run(sel);
		ASSERT_TRUE(run.started()) << run.err();
		walk_keys(map.get(), 4);
		auto lines = run.stop();
		auto walks = of_type(lines, "walk", id);
		ASSERT_EQ(walks.size(), 1u) << sel[0];
		EXPECT_EQ(walks[0]["keys"], 5);
		EXPECT_EQ(walks[0]["map_name"], "tmi_byname");
	}
	unlink(pin.c_str());
}

TEST(Trace, DurationEndsTheRunWithASummary)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = create_map(BPF_MAP_TYPE_HASH, 4, 4, 64);
	uint32_t id = map_id(map.get());
	// Timed from the Tracing line, not from exec: loading the tracer takes
	// seconds on a slow machine (a TCG guest), and -d counts tracing time.
	Child c(tracer_argv({"--map-id", std::to_string(id), "-d", "1", "-j"}));
	ASSERT_TRUE(c.wait_for_stderr_line("Tracing", std::chrono::seconds(60))) << c.err();
	auto t0 = std::chrono::steady_clock::now();
	int code = c.wait();
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	EXPECT_EQ(code, 0) << c.err();
	EXPECT_GE(secs, 0.9); // the timer may start just before the line is read
	EXPECT_LT(secs, 10.0);
	auto lines = split_lines(c.out());
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(json::parse(lines[0])["type"], "summary");
}

TEST(Trace, DemoTracesItsOwnWalker)
{
	TMI_REQUIRE_ROOT();
	Child c(tracer_argv({"demo", "-j", "--entries", "500"}));
	RunResult r{c.wait(), c.out(), c.err()};
	ASSERT_EQ(r.code, 0) << r.err;
	int walks = 0, batch = 0;
	for (auto &line : split_lines(r.out)) {
		json j = json::parse(line);
		if (j["type"] == "walk") {
			walks++;
			EXPECT_EQ(j["keys"], 500);
			EXPECT_EQ(j["comm"], "tmi-demo-walker");
		}
		if (j["type"] == "batch_walk") {
			batch++;
			EXPECT_EQ(j["entries"], 500);
		}
	}
	EXPECT_EQ(walks, 2);
	EXPECT_EQ(batch, 1);
}

// Bad input: one line "error: ...", exit 2.
TEST(Trace, BadInputGivesOneLineErrorAndExitTwo)
{
	TMI_REQUIRE_ROOT();
	std::vector<std::vector<std::string>> cases = {
		{"--map-id", "4000000000"},     // out of range for an id / no such map
		{"--map-id", "0"},
		{"--map-name", "tmi_no_such_map_name"},
		{"--pinned", "/sys/fs/bpf/tmi_no_such_pin"},
		{"--ringbuf-size", "1000"},
		{"--order", "sideways"},
		{"-p", "-5"},
		{"-d", "abc"},
		{"--no-such-flag"},
	};
	for (auto &args : cases) {
		RunResult r = run_tool(args);
		EXPECT_EQ(r.code, 2) << args[0] << " " << r.err;
		auto lines = split_lines(r.err);
		ASSERT_EQ(lines.size(), 1u) << r.err;
		EXPECT_EQ(lines[0].rfind("error: ", 0), 0u) << lines[0];
	}
	RunResult r = run_tool({"--map-id", "999999"});
	EXPECT_EQ(r.err, "error: can't open map id 999999: no such map\n");
}

// Tracing never modifies a map: contents are byte-identical afterwards.
TEST(Trace, TracingLeavesTheMapUntouched)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = create_map(BPF_MAP_TYPE_HASH, 8, 8, 128);
	for (uint64_t i = 0; i < 100; i++)
		put(map.get(), make_key(i, 8), make_key(i * 3, 8));
	auto snapshot = [&] {
		std::map<Bytes, Bytes> m;
		for (auto &k : walk_keys(map.get(), 8)) {
			Bytes v(8, '\0');
			bpf_map_lookup_elem(map.get(), k.data(), v.data());
			m[k] = v;
		}
		return m;
	};
	auto before = snapshot();
	TraceRun run({"--map-id", std::to_string(map_id(map.get()))});
	ASSERT_TRUE(run.started());
	walk_keys(map.get(), 8);
	run.stop();
	EXPECT_EQ(snapshot(), before);
}

// Failed calls reach the summary by errno (so calls + lost_events +
// failed_calls = every call made on the map), and every summary names the
// hook that traced it.
TEST(Trace, SummaryCountsFailedCallsByErrnoAndNamesTheHook)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 64, 10);
	uint32_t id = map_id(map.get());
	// The syscall hook sees a failed copy-out (fentry/kprobe see the
	// operation succeed): pinned here whatever $TMI_HOOK says.
	Child c({tool_path(), "-j", "--map-id", std::to_string(id), "--hook", "tracepoint"});
	ASSERT_TRUE(c.wait_for_stderr_line("Tracing", std::chrono::seconds(30))) << c.err();
	const int bad = 4;
	pid_t child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		// A next-key buffer the kernel can't write: EFAULT, after the lookup.
		for (int i = 0; i < bad; i++)
			bpf_map_get_next_key(map.get(), nullptr, (void *)8);
		_exit(0);
	}
	waitpid(child, nullptr, 0);
	auto walk = walk_keys(map.get(), 8); // 11 good calls (10 keys + ENOENT)
	c.signal(SIGINT);
	EXPECT_EQ(c.wait(), 0) << c.err();
	int summaries = 0;
	for (auto &line : split_lines(c.out()))
		if (auto j = json::parse(line); j["type"] == "summary" && j["map_id"] == id) {
			summaries++;
			EXPECT_EQ(j["hook"], "tracepoint");
			EXPECT_EQ(j["calls"], walk.size() + 1);
			EXPECT_EQ(j["failed_calls"]["EFAULT"], bad) << j.dump();
			EXPECT_EQ(j["failed_calls"].size(), 1u) << j.dump();
		}
	EXPECT_EQ(summaries, 1);
}

// -o FILE: the records land in FILE (nothing on stdout), whole when the
// run ends; an existing file's mode is kept.
TEST(Trace, OutputFileGetsTheRecords)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 64, 12);
	uint32_t id = map_id(map.get());
	char dir[] = "/tmp/tmi-trace-o-XXXXXX";
	ASSERT_TRUE(mkdtemp(dir));
	std::string path = std::string(dir) + "/records.jsonl";
	{
		FILE *f = fopen(path.c_str(), "w");
		ASSERT_TRUE(f);
		fputs("old\n", f);
		fclose(f);
		chmod(path.c_str(), 0600);
	}
	Child c(tracer_argv({"-j", "--map-id", std::to_string(id), "-o", path}));
	ASSERT_TRUE(c.wait_for_stderr_line("Tracing", std::chrono::seconds(30))) << c.err();
	auto walk = walk_keys(map.get(), 8);
	c.signal(SIGINT);
	EXPECT_EQ(c.wait(), 0) << c.err();
	EXPECT_EQ(c.out(), "");
	std::ifstream in(path);
	std::string line;
	int walks = 0;
	while (std::getline(in, line)) {
		auto j = json::parse(line);
		if (j["type"] == "walk" && j["map_id"] == id) {
			walks++;
			EXPECT_EQ(j["keys"], walk.size());
		}
	}
	EXPECT_EQ(walks, 1);
	struct stat st;
	ASSERT_EQ(stat(path.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600u);
	unlink(path.c_str());
	rmdir(dir);
}
