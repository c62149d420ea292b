// Hook choice, what the kernel captures with each event, failed calls, and
// tracer instances that must not see each other: real kernel, real maps,
// the tool as a child process (or the Tracer library against a child that
// makes the calls: a tracer never traces its own process). Expectations
// come from what this test did, never from the tool's output.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "common/helpers.hpp"
#include "integration/trace_run.hpp"
#include "common/root.hpp"
#include "trace/events.hpp"
#include "trace/tracer.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

std::vector<json> json_lines(const std::string &out)
{
	std::vector<json> v;
	for (auto &l : split_lines(out))
		v.push_back(json::parse(l));
	return v;
}

// The hook named on the "Tracing ... via H..." line.
std::string hook_on_tracing_line(const std::string &err)
{
	size_t at = err.find(" via ");
	if (at == std::string::npos)
		return "";
	size_t end = err.find_first_of(".\n ", at + 5);
	return err.substr(at + 5, end - at - 5);
}

std::string kernel_release()
{
	struct utsname u;
	uname(&u);
	return u.release;
}

} // namespace

// auto takes the first hook that loads and attaches, in the documented
// order; a hook that can't load is one line naming the kernel, exit 2.
TEST(Hooks, AutoPicksTheFirstHookThatLoads)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 64, 10);
	std::string id = std::to_string(map_id(map.get()));

	std::string first_ok;
	for (const char *h : {"fentry", "kprobe", "tracepoint", "raw_tp"}) {
		// Text mode: the error is one line on stderr (-j would make it JSON).
		RunResult r = run_tool({"--map-id", id, "--hook", h, "-d", "0.1"});
		if (r.code == 0) {
			EXPECT_EQ(hook_on_tracing_line(r.err), h) << r.err;
			if (first_ok.empty())
				first_ok = h;
			continue;
		}
		EXPECT_EQ(r.code, 2) << r.err;
		auto lines = split_lines(r.err);
		ASSERT_EQ(lines.size(), 1u) << r.err; // no libbpf or verifier dump without -v
		std::string want = "error: can't load the tracer: kernel " + kernel_release() +
				   " lacks " + h + " (";
		EXPECT_EQ(lines[0].rfind(want, 0), 0u) << lines[0];
		EXPECT_EQ(lines[0].find("run as root"), std::string::npos);
	}
	ASSERT_FALSE(first_ok.empty());
	RunResult a = run_tool({"--map-id", id, "--hook", "auto", "-d", "0.1", "-j"});
	ASSERT_EQ(a.code, 0) << a.err;
	EXPECT_EQ(hook_on_tracing_line(a.err), first_ok) << a.err;
	// The summary's hook is the lead's to print; the library names it too.
	auto lines = json_lines(a.out);
	ASSERT_FALSE(lines.empty());
}

// Every hook that loads reports the same walks for the same calls, with
// what this kernel allows and with what kernels before 5.12 get
// (per-thread state in the tid-keyed hash, probe reads instead of
// bpf_rdonly_cast). Kernels 6.2+ in the kernel matrix run the first with
// the cast and 6.1 runs it without.
class HooksState : public ::testing::TestWithParam<bool> {};

TEST_P(HooksState, EveryLoadableHookReportsTheSameWalks)
{
	TMI_REQUIRE_ROOT();
	UniqueFd hash = filled_hash(13, 8, 256, 100);
	UniqueFd array = create_map(BPF_MAP_TYPE_ARRAY, 4, 8, 50);
	uint32_t hid = map_id(hash.get()), aid = map_id(array.get());
	int tried = 0;
	for (HookKind h : {HookKind::Fentry, HookKind::Kprobe, HookKind::Tracepoint,
			   HookKind::RawTracepoint}) {
		TraceConfig cfg;
		cfg.hook = h;
		cfg.map_ids = {hid, aid};
		cfg.pre_5_12_paths = GetParam();
		std::vector<CallEvent> evs;
		std::unique_ptr<Tracer> t;
		try {
			t = Tracer::start(cfg, [&](const void *d, size_t n) {
				if (auto e = decode_event(d, n))
					evs.push_back(*e);
			});
		} catch (const std::exception &) {
			continue; // not on this kernel: AutoPicksTheFirstHookThatLoads checks the error
		}
		tried++;
		std::vector<Bytes> seen;
		uint32_t batch_entries = 0, batch_calls = 0;
		int fds[2] = {hash.get(), array.get()};
		in_child([&] {
			walk_keys(fds[0], 13);
			walk_keys(fds[1], 4);
			// An array batch: the kernel's own get_next_key calls inside
			// it must not show up as get_next_key events.
			std::vector<uint32_t> keys(16);
			std::vector<uint64_t> vals(16);
			uint32_t out = 0, count;
			void *in = nullptr;
			do {
				count = 16;
				if (bpf_map_lookup_batch(fds[1], in, &out, keys.data(), vals.data(), &count,
							 nullptr))
					break;
				in = &out;
			} while (true);
		});
		seen = walk_keys(hash.get(), 13); // the order the child saw (no change since)
		t->stop();
		std::vector<Bytes> got;
		size_t array_gnk = 0;
		for (auto &e : evs) {
			if (e.map_id == hid && e.next_key)
				got.push_back(*e.next_key);
			if (e.map_id == aid && !e.is_batch())
				array_gnk++;
			if (e.map_id == aid && e.is_batch()) {
				batch_calls++;
				batch_entries += e.batch_count;
			}
			EXPECT_EQ(e.map_name, "tmi_test");
		}
		EXPECT_EQ(got, seen) << t->hook_name();
		EXPECT_EQ(array_gnk, 51u) << t->hook_name(); // 50 keys + ENOENT
		EXPECT_EQ(batch_entries, 50u) << t->hook_name();
		EXPECT_EQ(batch_calls, 4u) << t->hook_name(); // 16+16+16+2 (ENOENT)
	}
	EXPECT_GE(tried, 1);
}

INSTANTIATE_TEST_SUITE_P(State, HooksState, ::testing::Values(false, true),
			 [](const ::testing::TestParamInfo<bool> &i) {
				 return i.param ? "TidHash" : "TaskStorage";
			 });

// The map's name travels with the event (with --order none: with the
// kernel's totals): a map closed before the tracer reads keeps its name.
class MapNameModes : public ::testing::TestWithParam<const char *> {};

TEST_P(MapNameModes, MapNameSurvivesTheMapsDeletion)
{
	TMI_REQUIRE_ROOT();
	const std::string order = GetParam();
	Child tool({tool_path(), "-j", "-p", std::to_string(getpid()), "--order", order});
	ASSERT_TRUE(tool.wait_for_stderr_line("Tracing", std::chrono::seconds(30))) << tool.err();
	uint32_t id;
	{
		UniqueFd m = create_map(BPF_MAP_TYPE_HASH, 4, 4, 16, 0, "tmi_gone_soon");
		id = map_id(m.get());
		put(m.get(), make_key(1, 4), make_key(2, 4));
		walk_keys(m.get(), 4);
	} // closed: the map and its id are gone before the tool's next drain
	EXPECT_LT(bpf_map_get_fd_by_id(id), 0);
	tool.signal(SIGINT);
	ASSERT_EQ(tool.wait(), 0) << tool.err();
	// --order none has no walk records: its summary counts the walk.
	const char *type = order == "none" ? "summary" : "walk";
	int walks = 0;
	for (auto &j : json_lines(tool.out()))
		if (j["type"] == type && j["map_id"] == id) {
			walks += order == "none" ? j["walks"].get<int>() : 1;
			EXPECT_EQ(j["map_name"], "tmi_gone_soon");
		}
	EXPECT_EQ(walks, 1);
}

INSTANTIATE_TEST_SUITE_P(Hooks, MapNameModes, ::testing::Values("none", "fingerprint"));

// Calls that fail are counted per map and errno in the kernel.
TEST(Hooks, FailedCallsAreCountedByErrno)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 64, 40);
	uint32_t id = map_id(map.get());
	for (HookKind h : {HookKind::Tracepoint, HookKind::RawTracepoint, HookKind::Fentry,
			   HookKind::Kprobe}) {
		TraceConfig cfg;
		cfg.hook = h;
		cfg.map_ids = {id};
		std::unique_ptr<Tracer> t;
		try {
			t = Tracer::start(cfg, [](const void *, size_t) {});
		} catch (const std::exception &) {
			ASSERT_TRUE(h == HookKind::Fentry || h == HookKind::Kprobe)
				<< hook_kind_name(h) << " must load on every kernel tested";
			continue;
		}
		const int bad_batches = 3, bad_next = 5, bad_cursor = 2;
		int fd = map.get();
		in_child([&] {
			// EFAULT inside the map operation: every hook sees these.
			for (int i = 0; i < bad_batches; i++) {
				uint32_t out = 0, count = 8;
				bpf_map_lookup_batch(fd, nullptr, &out, (void *)8, (void *)8, &count, nullptr);
			}
			// EFAULT copying the key in or out, around the operation:
			// only the syscall hooks see these (README "Hooks").
			for (int i = 0; i < bad_next; i++)
				bpf_map_get_next_key(fd, nullptr, (void *)8);
			for (int i = 0; i < bad_cursor; i++)
				bpf_map_get_next_key(fd, (void *)8, (void *)8);
		});
		t->stop();
		auto failed = t->failed_by_errno();
		bool syscall = h == HookKind::Tracepoint || h == HookKind::RawTracepoint;
		uint64_t want = bad_batches + (syscall ? bad_next + bad_cursor : 0);
		EXPECT_EQ(failed[id][EFAULT], want) << t->hook_name();
		EXPECT_EQ(t->counters().failed, want) << t->hook_name();
	}
}

// Two tracers of every map: neither reports the other's own bpf() calls
// (its periodic reads of its counters with -i, its exit-time drain).
TEST(Hooks, TwoTracersDoNotSeeEachOthersHousekeeping)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 64, 10);
	auto start = [] {
		auto c = std::make_unique<Child>(std::vector<std::string>{
			tool_path(), "-j", "-i", "0.1", "--order", "none", "--hook", "tracepoint"});
		EXPECT_TRUE(c->wait_for_stderr_line("Tracing", std::chrono::seconds(30))) << c->err();
		return c;
	};
	auto a = start(), b = start();
	walk_keys(map.get(), 8);
	std::this_thread::sleep_for(std::chrono::milliseconds(500));
	b->signal(SIGINT);
	ASSERT_EQ(b->wait(), 0) << b->err();
	a->signal(SIGINT);
	ASSERT_EQ(a->wait(), 0) << a->err();
	auto pids_in = [](const Child &c) {
		std::set<uint32_t> pids;
		for (auto &j : json_lines(c.out())) {
			if (j["type"] == "walk" || j["type"] == "batch_walk")
				pids.insert(j["pid"].get<uint32_t>());
			if (j["type"] == "summary")
				for (auto &tc : j["top_callers"])
					pids.insert(tc["pid"].get<uint32_t>());
		}
		return pids;
	};
	auto seen_by_a = pids_in(*a), seen_by_b = pids_in(*b);
	EXPECT_TRUE(seen_by_a.count(getpid())) << a->out();
	EXPECT_TRUE(seen_by_b.count(getpid())) << b->out();
	EXPECT_FALSE(seen_by_a.count(b->pid()));
	EXPECT_FALSE(seen_by_b.count(a->pid()));
	EXPECT_FALSE(seen_by_a.count(a->pid()));
	EXPECT_FALSE(seen_by_b.count(b->pid()));
}

// More than 1024 selected maps: the filter is sized to the selection.
TEST(Hooks, MoreThan1024SelectedMapsStart)
{
	TMI_REQUIRE_ROOT();
	// 1100 map fds: above the usual soft limit of 1024 open files.
	struct rlimit nofile;
	ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	if (nofile.rlim_cur < 4096) {
		nofile.rlim_cur = 4096;
		nofile.rlim_max = std::max<rlim_t>(nofile.rlim_max, 4096);
		ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &nofile), 0) << strerror(errno);
	}
	std::vector<UniqueFd> maps;
	std::vector<std::string> args{"-j", "--order", "none"};
	for (int i = 0; i < 1100; i++) {
		maps.push_back(create_map(BPF_MAP_TYPE_ARRAY, 4, 4, 1));
		args.push_back("--map-id");
		args.push_back(std::to_string(map_id(maps.back().get())));
	}
	std::vector<std::string> argv{tool_path()};
	argv.insert(argv.end(), args.begin(), args.end());
	Child tool(argv);
	ASSERT_TRUE(tool.wait_for_stderr_line("Tracing", std::chrono::seconds(60))) << tool.err();
	walk_keys(maps.back().get(), 4);
	tool.signal(SIGINT);
	ASSERT_EQ(tool.wait(), 0) << tool.err();
	uint32_t last = map_id(maps.back().get());
	int walks = 0; // --order none: counted in the summary, no walk records
	for (auto &j : json_lines(tool.out()))
		if (j["type"] == "summary" && j["map_id"] == last)
			walks += j["walks"].get<int>();
	EXPECT_EQ(walks, 1);
}
