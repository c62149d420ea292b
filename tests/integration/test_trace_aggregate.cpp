// `trace --order none`: the kernel adds calls up (bpf/agg.bpf.h), nothing
// is sent per call. Real maps, walks made by this test, the tool run as a
// child process; every expected count is what this test did. The records
// must lack what this mode cannot know (restarts, duplicates, order).
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <functional>
#include <thread>

#include "common/helpers.hpp"
#include "integration/trace_run.hpp"
#include "common/root.hpp"
#include "maps/maps.hpp"
#include "trace/trace_session.hpp"
#include "trace/tracer.hpp"
#include "trace_map_iter.h"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

// The tracer in --order none; stop() also expects exit 0.
class NoneRun : public TraceRun {
public:
	explicit NoneRun(uint32_t map_id, std::vector<std::string> extra = {})
		: TraceRun(args(map_id, std::move(extra)))
	{
	}
	std::vector<json> stop()
	{
		auto lines = TraceRun::stop();
		EXPECT_EQ(exit_code(), 0) << err();
		return lines;
	}

private:
	static std::vector<std::string> args(uint32_t map_id, std::vector<std::string> extra)
	{
		std::vector<std::string> a{"--order", "none", "--map-id", std::to_string(map_id)};
		a.insert(a.end(), extra.begin(), extra.end());
		return a;
	}
};

// The total summary of `id`; fails the test on any per-call record.
json total_of(const std::vector<json> &lines, uint32_t id)
{
	json found;
	for (auto &j : lines) {
		EXPECT_NE(j["type"], "walk") << j.dump();
		EXPECT_NE(j["type"], "batch_walk") << j.dump();
		if (j["type"] == "summary" && j["scope"] == "total" && j["map_id"] == id)
			found = j;
	}
	return found;
}

uint64_t hist_count(const json &s)
{
	uint64_t n = 0;
	for (auto &b : s["latency_ns"]["hist"])
		n += b["count"].get<uint64_t>();
	return n;
}

// What this mode cannot know is absent, not zero.
void expect_no_order_fields(const json &s)
{
	EXPECT_FALSE(s.contains("restarts")) << s.dump();
	EXPECT_FALSE(s.contains("duplicates")) << s.dump();
	EXPECT_FALSE(s.contains("order_sha256")) << s.dump();
	EXPECT_EQ(s["callers_overflow"], 0) << s.dump();
}

// caller pid -> {calls, walks}
std::map<uint32_t, std::pair<uint64_t, uint64_t>> callers_of(const json &s)
{
	std::map<uint32_t, std::pair<uint64_t, uint64_t>> out;
	for (auto &c : s["top_callers"])
		out[c["pid"].get<uint32_t>()] = {c["calls"].get<uint64_t>(), c["walks"].get<uint64_t>()};
	return out;
}

} // namespace

// Two walks by one thread: calls, complete walks, histogram count, caller.
TEST(TraceAggregate, SingleThreadCountsEveryCallAndWalk)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 300;
	UniqueFd map = filled_hash(4, 8, 512, n);
	UniqueFd other = filled_hash(4, 8, 64, 10); // not selected: never counted
	uint32_t id = map_id(map.get());
	NoneRun run(id);
	ASSERT_TRUE(run.started()) << run.err();
	uint64_t calls = 0;
	for (int i = 0; i < 2; i++) {
		calls += walk_keys(map.get(), 4).size() + 1; // + the final ENOENT
		walk_keys(other.get(), 4);                   // interleaved with the selected map's walks
	}
	auto lines = run.stop();
	for (auto &j : lines)
		EXPECT_NE(j["map_id"], map_id(other.get())) << j.dump();
	auto s = total_of(lines, id);
	ASSERT_FALSE(s.is_null());
	EXPECT_EQ(s["calls"], calls);
	EXPECT_EQ(s["get_next_key_calls"], calls);
	EXPECT_EQ(s["batch_calls"], 0);
	EXPECT_EQ(s["walks"], 2);
	EXPECT_EQ(s["complete_walks"], 2);
	EXPECT_EQ(s["batch_walks"], 0);
	EXPECT_EQ(s["unknown_starts"], 0);
	EXPECT_EQ(s["lost_events"], 0);
	EXPECT_EQ(s["failed_calls"], json::object());
	EXPECT_EQ(hist_count(s), calls);
	EXPECT_GT(s["latency_ns"]["max"].get<uint64_t>(), 0u);
	expect_no_order_fields(s);
	auto callers = callers_of(s);
	ASSERT_EQ(callers.size(), 1u) << s.dump();
	EXPECT_EQ(callers[getpid()], std::make_pair(calls, uint64_t(2)));
}

// Two threads walking at once: two walks, one caller (the process).
TEST(TraceAggregate, TwoThreadsAreTwoWalksOfOneCaller)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(8, 8, 4096, 2000);
	uint32_t id = map_id(map.get());
	NoneRun run(id);
	ASSERT_TRUE(run.started()) << run.err();
	size_t a = 0, b = 0;
	std::thread ta([&] { a = walk_keys(map.get(), 8).size(); });
	std::thread tb([&] { b = walk_keys(map.get(), 8).size(); });
	ta.join();
	tb.join();
	auto s = total_of(run.stop(), id);
	uint64_t calls = a + 1 + b + 1;
	EXPECT_EQ(s["calls"], calls);
	EXPECT_EQ(s["walks"], 2);
	EXPECT_EQ(s["complete_walks"], 2);
	EXPECT_EQ(hist_count(s), calls);
	expect_no_order_fields(s);
	auto callers = callers_of(s);
	ASSERT_EQ(callers.size(), 1u) << s.dump();
	EXPECT_EQ(callers[getpid()], std::make_pair(calls, uint64_t(2)));
}

// Two processes: one caller each, with its own calls and walk.
TEST(TraceAggregate, TwoProcessesAreTwoCallers)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 100, per_walk = n + 1;
	UniqueFd map = filled_hash(4, 8, 256, n);
	uint32_t id = map_id(map.get());
	NoneRun run(id);
	ASSERT_TRUE(run.started()) << run.err();
	int fd = map.get();
	pid_t p1 = fork_child([&] { walk_keys(fd, 4); });
	wait_ok(p1);
	pid_t p2 = fork_child([&] { walk_keys(fd, 4); walk_keys(fd, 4); });
	wait_ok(p2);
	auto s = total_of(run.stop(), id);
	EXPECT_EQ(s["calls"], 3 * per_walk);
	EXPECT_EQ(s["walks"], 3);
	EXPECT_EQ(s["complete_walks"], 3);
	auto callers = callers_of(s);
	ASSERT_EQ(callers.size(), 2u) << s.dump();
	EXPECT_EQ(callers[p1], std::make_pair(per_walk, uint64_t(1)));
	EXPECT_EQ(callers[p2], std::make_pair(2 * per_walk, uint64_t(2)));
}

// A jump back to a key returned earlier (from another buffer) ends the walk
// incomplete and starts one that is not counted as starting at NULL.
TEST(TraceAggregate, ResumedWalkIsANewWalkNotStartedAtNull)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 50;
	UniqueFd map = filled_hash(4, 8, 128, n);
	uint32_t id = map_id(map.get());
	NoneRun run(id);
	ASSERT_TRUE(run.started()) << run.err();
	int fd = map.get();
	uint32_t cur = 0, saved = 0;
	uint64_t calls = 0;
	void *prev = nullptr;
	for (int i = 0; i < 10; i++) { // the first 10 keys, bpftool-style (one buffer)
		ASSERT_EQ(bpf_map_get_next_key(fd, prev, &cur), 0);
		calls++;
		prev = &cur;
		if (i == 3)
			saved = cur;
	}
	// Back to the 4th key, from another buffer, then on to the end.
	ASSERT_EQ(bpf_map_get_next_key(fd, &saved, &cur), 0);
	calls++;
	while (true) {
		int err = bpf_map_get_next_key(fd, &cur, &cur);
		calls++;
		if (err) {
			ASSERT_EQ(errno, ENOENT);
			break;
		}
	}
	auto s = total_of(run.stop(), id);
	EXPECT_EQ(s["calls"], calls);
	EXPECT_EQ(s["walks"], 2);
	EXPECT_EQ(s["complete_walks"], 1);
	EXPECT_EQ(s["unknown_starts"], 1);
	EXPECT_EQ(hist_count(s), calls);
	expect_no_order_fields(s);
	EXPECT_EQ(callers_of(s)[getpid()], std::make_pair(calls, uint64_t(2)));
}

// A batch walk: its calls are batch calls, one batch walk, complete.
TEST(TraceAggregate, BatchWalkIsCounted)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 1024, 600);
	uint32_t id = map_id(map.get());
	NoneRun run(id);
	ASSERT_TRUE(run.started()) << run.err();
	std::vector<uint32_t> keys(64);
	std::vector<uint64_t> vals(64);
	uint32_t out_batch = 0;
	uint64_t calls = 0;
	void *in = nullptr;
	while (true) {
		uint32_t count = 64;
		int err = bpf_map_lookup_batch(map.get(), in, &out_batch, keys.data(), vals.data(), &count,
					       nullptr);
		calls++;
		if (err) {
			ASSERT_EQ(errno, ENOENT);
			break;
		}
		in = &out_batch;
	}
	auto s = total_of(run.stop(), id);
	EXPECT_EQ(s["calls"], calls);
	EXPECT_EQ(s["batch_calls"], calls);
	EXPECT_EQ(s["get_next_key_calls"], 0);
	EXPECT_EQ(s["walks"], 1);
	EXPECT_EQ(s["batch_walks"], 1);
	EXPECT_EQ(s["complete_walks"], 1);
	EXPECT_EQ(s["unknown_starts"], 0);
	EXPECT_EQ(hist_count(s), calls);
	expect_no_order_fields(s);
	EXPECT_EQ(callers_of(s)[getpid()], std::make_pair(calls, uint64_t(1)));
}

// Failed calls are counted by errno and nowhere else; a walk cut short by
// tracing's end is counted as an incomplete walk.
TEST(TraceAggregate, FailedCallsAndAnOpenWalk)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 64, 40);
	uint32_t id = map_id(map.get());
	NoneRun run(id);
	ASSERT_TRUE(run.started()) << run.err();
	const int bad = 3;
	for (int i = 0; i < bad; i++) { // EFAULT inside the map operation: every hook sees it
		uint32_t out = 0, count = 8;
		bpf_map_lookup_batch(map.get(), nullptr, &out, (void *)8, (void *)8, &count, nullptr);
	}
	uint32_t key = 0;
	ASSERT_EQ(bpf_map_get_next_key(map.get(), nullptr, &key), 0); // a walk left open
	auto s = total_of(run.stop(), id);
	EXPECT_EQ(s["failed_calls"], (json{{"EFAULT", bad}})) << s.dump();
	EXPECT_EQ(s["calls"], 1);
	EXPECT_EQ(s["batch_calls"], 0);
	EXPECT_EQ(s["walks"], 1);
	EXPECT_EQ(s["complete_walks"], 0);
	EXPECT_EQ(hist_count(s), 1u);
	expect_no_order_fields(s);
}

// Intervals add up to the totals; the text summary names no restarts.
TEST(TraceAggregate, IntervalsAddUpToTheTotals)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 256, 100);
	uint32_t id = map_id(map.get());
	NoneRun run(id, {"-i", "0.3"});
	ASSERT_TRUE(run.started()) << run.err();
	uint64_t calls = 0;
	for (int i = 0; i < 3; i++) {
		calls += walk_keys(map.get(), 4).size() + 1;
		std::this_thread::sleep_for(std::chrono::milliseconds(400));
	}
	auto lines = run.stop();
	uint64_t icalls = 0, iwalks = 0, ihist = 0;
	for (auto &j : lines)
		if (j["type"] == "summary" && j["scope"] == "interval" && j["map_id"] == id) {
			icalls += j["calls"].get<uint64_t>();
			iwalks += j["walks"].get<uint64_t>();
			ihist += hist_count(j);
			expect_no_order_fields(j);
		}
	auto s = total_of(lines, id);
	EXPECT_EQ(s["calls"], calls);
	EXPECT_EQ(icalls, calls);
	EXPECT_EQ(iwalks, 3u);
	EXPECT_EQ(ihist, calls);
}

// The per-thread state of kernels without task storage (a tid-keyed LRU
// map) counts the same walks, on every hook that loads here.
TEST(TraceAggregate, TidMapStateCountsTheSameWalks)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 200;
	UniqueFd map = filled_hash(4, 8, 512, n);
	uint32_t id = map_id(map.get());
	for (bool tid_state : {true, false})
		for (HookKind h : {HookKind::Tracepoint, HookKind::RawTracepoint, HookKind::Fentry,
				   HookKind::Kprobe}) {
			TraceConfig cfg;
			cfg.hook = h;
			cfg.map_ids = {id};
			cfg.aggregate = true;
			cfg.pre_5_12_paths = tid_state;
			std::unique_ptr<Tracer> t;
			try {
				t = Tracer::start(cfg, [](const void *, size_t) {});
			} catch (const std::exception &) {
				ASSERT_TRUE(h == HookKind::Fentry || h == HookKind::Kprobe)
					<< hook_kind_name(h) << " must load on every kernel tested";
				continue;
			}
			int fd = map.get();
			pid_t p = fork_child([&] { walk_keys(fd, 4); walk_keys(fd, 4); });
			wait_ok(p);
			t->stop();
			AggMap a = t->aggregates()[id];
			std::string what = fmt::format("{} tid_state={}", t->hook_name(), tid_state);
			EXPECT_EQ(a.get_next_key_calls, 2 * (n + 1)) << what;
			EXPECT_EQ(a.walks_started, 2u) << what;
			EXPECT_EQ(a.walks_complete, 2u) << what;
			EXPECT_EQ(a.walks_other_start, 0u) << what;
			ASSERT_EQ(a.callers.size(), 1u) << what;
			EXPECT_EQ(a.callers[uint32_t(p)].calls, 2 * (n + 1)) << what;
			EXPECT_EQ(a.callers[uint32_t(p)].walks, 2u) << what;
		}
}

// More callers of one map on one CPU than its value has caller slots
// (TMI_AGG_CALLER_SLOTS): the first ones are counted in the slots, the rest
// in agg_callers, and every caller gets exactly its own calls and walks.
TEST(TraceAggregate, CallersBeyondTheSlotsOfOneCpuKeepTheirOwnCounts)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 50, per_walk = n + 1;
	const int callers = TMI_AGG_CALLER_SLOTS + 3;
	UniqueFd map = filled_hash(4, 8, 128, n);
	uint32_t id = map_id(map.get());
	TraceConfig cfg;
	cfg.hook = HookKind::Tracepoint;
	cfg.map_ids = {id};
	cfg.aggregate = true;
	auto t = Tracer::start(cfg, [](const void *, size_t) {});
	int fd = map.get();
	std::map<uint32_t, uint64_t> walks_of; // pid -> walks it made
	for (int i = 0; i < callers; i++) {
		uint64_t walks = 1 + i % 3;
		pid_t p = fork_child([&] {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(0, &one);
			if (sched_setaffinity(0, sizeof(one), &one))
				_exit(3);
			for (uint64_t w = 0; w < walks; w++)
				walk_keys(fd, 4);
		});
		wait_ok(p);
		walks_of[uint32_t(p)] = walks;
	}
	t->stop();
	AggMap a = t->aggregates()[id];
	ASSERT_EQ(a.callers.size(), walks_of.size());
	uint64_t calls = 0;
	for (auto &[pid, walks] : walks_of) {
		EXPECT_EQ(a.callers[pid].calls, walks * per_walk) << pid;
		EXPECT_EQ(a.callers[pid].walks, walks) << pid;
		EXPECT_FALSE(a.callers[pid].comm.empty()) << pid;
		calls += walks * per_walk;
	}
	EXPECT_EQ(a.get_next_key_calls, calls);
	EXPECT_EQ(a.callers_overflow, 0u);
}

namespace {

// Keeps the summaries a session writes.
struct Collect final : TraceOutput {
	std::map<std::pair<std::string, uint32_t>, MapStats> last; // (scope, map id)
	std::vector<std::string> warnings;
	void walk(const Walk &, const MapLabel &) override { ADD_FAILURE() << "a walk record"; }
	void summaries_begin(const SummaryBlock &) override {}
	void summary(const MapStats &s, const MapLabel &, std::string_view scope) override
	{
		last[{std::string(scope), s.map_id}] = s;
	}
	void warning(std::string_view m) override { warnings.emplace_back(m); }
};

// `count` hash maps of n keys, all selected, with a counting table of
// `table` maps.
struct SelectedHashes {
	std::vector<UniqueFd> maps;
	TraceConfig cfg;
	std::map<uint32_t, MapLabel> labels;
};

// A TraceSession's configuration in this mode (trace --order none).
const SessionConfig kCounting{.order = OrderMode::None, .aggregate = true};

// Each map walked once by a child process (another process's calls);
// `after` runs after each walk.
void walk_each_in_a_child(std::vector<UniqueFd> &maps,
			  const std::function<void(UniqueFd &)> &after = {})
{
	for (auto &m : maps) {
		int fd = m.get();
		in_child([&] { walk_keys(fd, 4); });
		if (after)
			after(m);
	}
}

SelectedHashes selected_hashes(int count, uint32_t table, uint64_t n)
{
	SelectedHashes r;
	r.cfg.aggregate = true;
	r.cfg.agg_max_maps = table;
	for (int i = 0; i < count; i++) {
		r.maps.push_back(filled_hash(4, 8, 64, n));
		uint32_t id = map_id(r.maps.back().get());
		r.cfg.map_ids.push_back(id);
		r.labels[id] = {id, "tmi_test", BPF_MAP_TYPE_HASH};
	}
	return r;
}

} // namespace

// The kernel's per-map table is bounded: maps that are gone are deleted
// from it once read, so a run over more maps than it holds counts them all.
TEST(TraceAggregate, GoneMapsMakeRoomForNewOnes)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 20;
	SelectedHashes sel = selected_hashes(10, 4, n);
	auto &[maps, cfg, labels] = sel;
	Collect out;
	TraceSession session(cfg, kCounting, out, labels);
	walk_each_in_a_child(maps, [&](UniqueFd &m) {
		m.reset(); // gone
		session.print_interval(); // a reading
	});
	session.finish();
	for (uint32_t id : cfg.map_ids) {
		const MapStats &s = out.last[{"total", id}];
		EXPECT_EQ(s.calls, n + 1) << id;
		EXPECT_EQ(s.walks, 1u) << id;
		EXPECT_EQ(s.complete_walks, 1u) << id;
		EXPECT_EQ(s.lost_events, 0u) << id;
	}
	for (auto &w : out.warnings)
		ADD_FAILURE() << w;
}

// A full counting table loses calls, and says so: every call is counted or
// lost on its map, and the one warning names the table (no ring buffer is
// involved in this mode, so --ringbuf-size is not what helps).
TEST(TraceAggregate, AFullCountingTableIsReportedAsSuch)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 20;
	SelectedHashes sel = selected_hashes(4, 2, n);
	auto &[maps, cfg, labels] = sel;
	Collect out;
	TraceSession session(cfg, kCounting, out, labels);
	walk_each_in_a_child(maps);
	session.finish();
	uint64_t counted_maps = 0, lost_maps = 0;
	for (uint32_t id : cfg.map_ids) {
		const MapStats &s = out.last[{"total", id}];
		EXPECT_EQ(s.calls + s.lost_events, n + 1) << id;
		counted_maps += s.calls == n + 1;
		lost_maps += s.lost_events == n + 1;
	}
	EXPECT_EQ(counted_maps, 2u);
	EXPECT_EQ(lost_maps, 2u);
	bool told = false;
	for (auto &w : out.warnings) {
		EXPECT_EQ(w.find("--ringbuf-size"), std::string::npos) << w;
		told |= w.find(fmt::format("{} counting table full", 2 * (n + 1))) != std::string::npos;
	}
	EXPECT_TRUE(told) << "no warning names the full counting table";
}

// The kernel's per-map loss table is bounded too: losses on a map it has no
// room for are counted as such, in the total and in the warning, not
// dropped. (4 maps, a counting table of 2, a loss table of 1: the 2 maps
// beyond the counting table lose every call, one of them into the loss
// table, the other's beyond it.)
TEST(TraceAggregate, LossesBeyondAFullLossTableAreCountedNotDropped)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 20;
	SelectedHashes sel = selected_hashes(4, 2, n);
	auto &[maps, cfg, labels] = sel;
	cfg.lost_table_entries = 1;
	Collect out;
	TraceSession session(cfg, kCounting, out, labels);
	walk_each_in_a_child(maps);
	session.finish();
	uint64_t counted_maps = 0, lost_maps = 0, unaccounted_maps = 0;
	for (uint32_t id : cfg.map_ids) {
		const MapStats &s = out.last[{"total", id}];
		counted_maps += s.calls == n + 1 && s.lost_events == 0;
		lost_maps += s.calls == 0 && s.lost_events == n + 1;
		unaccounted_maps += s.calls == 0 && s.lost_events == 0;
	}
	EXPECT_EQ(counted_maps, 2u);
	EXPECT_EQ(lost_maps, 1u);
	EXPECT_EQ(unaccounted_maps, 1u);
	bool told = false;
	for (auto &w : out.warnings)
		told |= w.find(fmt::format("{} events lost", 2 * (n + 1))) != std::string::npos &&
			w.find(fmt::format("maps the per-map loss table had no room for ({} events",
					   n + 1)) != std::string::npos;
	EXPECT_TRUE(told) << "no warning counts the losses beyond the loss table";
}

namespace {

// A child process that, once told to go, makes `count` small hash maps one
// after another (20 keys each), walks each fully (21 calls) and closes it
// at once, sending each map's id down a pipe. ids() reads them after.
class Churn {
public:
	static constexpr uint64_t kCallsPerMap = 21;
	explicit Churn(int count)
	{
		int go[2], out[2];
		EXPECT_EQ(pipe(go), 0);
		EXPECT_EQ(pipe(out), 0);
		pid_ = fork_child([&] {
			close(go[1]);
			close(out[0]);
			char c;
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			for (int i = 0; i < count; i++) {
				UniqueFd m = filled_hash(4, 8, 64, kCallsPerMap - 1);
				uint32_t id = map_id(m.get());
				walk_keys(m.get(), 4);
				m.reset(); // gone right after its walk
				if (write(out[1], &id, sizeof(id)) != sizeof(id))
					_exit(1);
			}
		});
		close(go[0]);
		close(out[1]);
		go_.reset(go[1]);
		out_.reset(out[0]);
	}
	pid_t pid() const { return pid_; }
	void go() { ASSERT_EQ(write(go_.get(), "g", 1), 1); }
	// Whether the child is still running (it is reaped when it is not).
	bool running()
	{
		int st = 0;
		pid_t r = waitpid(pid_, &st, WNOHANG);
		if (r == 0)
			return true;
		EXPECT_TRUE(r == pid_ && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		return false;
	}
	std::vector<uint32_t> ids()
	{
		std::vector<uint32_t> out;
		uint32_t id;
		while (read(out_.get(), &id, sizeof(id)) == sizeof(id))
			out.push_back(id);
		return out;
	}

private:
	pid_t pid_ = -1;
	UniqueFd go_, out_;
};

} // namespace

// Maps that come and go while they are read: a map read, walked on, and
// gone before the table is pruned must not be deleted with those calls
// uncounted. Every churned map's calls are counted or lost, exactly, while
// a small counting table is read (and pruned) over and over.
TEST(TraceAggregate, MapsGoneBetweenReadingsKeepEveryCall)
{
	TMI_REQUIRE_ROOT();
	Churn churn(400);
	TraceConfig cfg;
	cfg.aggregate = true;
	cfg.agg_max_maps = 16; // pruned from 4 maps on
	cfg.pid = churn.pid();
	Collect out;
	TraceSession session(cfg, kCounting, out, {});
	churn.go();
	while (churn.running())
		session.print_interval(); // a reading, and pruning
	session.finish();
	std::vector<uint32_t> ids = churn.ids();
	ASSERT_EQ(ids.size(), 400u);
	uint64_t counted = 0, lost = 0;
	for (uint32_t id : ids) {
		auto it = out.last.find({"total", id});
		ASSERT_NE(it, out.last.end()) << "no total summary for churned map " << id;
		const MapStats &s = it->second;
		EXPECT_EQ(s.calls + s.lost_events, Churn::kCallsPerMap) << id;
		counted += s.calls;
		lost += s.lost_events;
	}
	EXPECT_EQ(counted + lost, 400 * Churn::kCallsPerMap);
	EXPECT_GT(counted, 0u);
	for (auto &w : out.warnings)
		EXPECT_EQ(w.find("accounting mismatch"), std::string::npos) << w;
}

// A long run (serve, top) forgets maps once gone, after their last
// interval: what it holds stays bounded however many maps came and went,
// and their calls were all in the intervals before.
TEST(TraceAggregate, LongRunsForgetGoneMapsAfterTheirLastInterval)
{
	TMI_REQUIRE_ROOT();
	Churn churn(300);
	TraceConfig cfg;
	cfg.aggregate = true;
	cfg.agg_max_maps = 16;
	cfg.pid = churn.pid();
	Collect out;
	TraceSession session(cfg, kCounting, out, {});
	std::map<uint32_t, uint64_t> interval_calls; // added up over intervals
	size_t most_seen = 0;
	auto tick = [&] { // as LiveTracing::tick does
		std::set<uint32_t> seen = session.seen_maps();
		std::vector<uint32_t> live = all_map_ids();
		auto gone = TraceSession::gone_maps(seen, live);
		out.last.clear();
		session.print_interval(&live);
		for (auto &[key, s] : out.last)
			if (key.first == "interval")
				interval_calls[key.second] += s.calls + s.lost_events;
		session.forget_gone(gone);
		most_seen = std::max(most_seen, session.seen_maps().size());
	};
	churn.go();
	while (churn.running())
		tick();
	for (int i = 0; i < 3; i++) // read the last maps, then forget them
		tick();
	std::vector<uint32_t> ids = churn.ids();
	ASSERT_EQ(ids.size(), 300u);
	for (uint32_t id : ids)
		EXPECT_EQ(interval_calls[id], Churn::kCallsPerMap) << id;
	// Gone maps still held: only those the counting table keeps until it
	// is a quarter full (then they are pruned after a reading).
	std::set<uint32_t> left = session.seen_maps();
	size_t held = 0;
	for (uint32_t id : ids)
		held += left.count(id);
	EXPECT_LE(held, cfg.agg_max_maps / 4);
	// Bounded by the counting table and what one interval sees, not by 300.
	EXPECT_LT(most_seen, 150u);
}
