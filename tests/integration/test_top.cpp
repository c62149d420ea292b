// top against the real kernel, driven as a person would: in tmux (an 80x24
// terminal), keys sent with send-keys, the screen read with capture-pane,
// while this test walks a map at a rate it controls. And the plain tables
// it prints when stdout is not a terminal.
#include <bpf/bpf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <new>
#include <regex>
#include <sstream>
#include <thread>

#include "common/helpers.hpp"
#include "common/root.hpp"

using namespace tmi;
using namespace tmi::testing;

namespace {

constexpr int kWalksPerSecond = 20;
constexpr uint64_t kKeys = 200;

// Walks `fd` kWalksPerSecond times a second until destroyed.
class PacedWalker {
public:
	explicit PacedWalker(int fd)
		: thread_([this, fd] {
			  auto next = std::chrono::steady_clock::now();
			  while (!stop_) {
				  walk_keys(fd, 4);
				  walks_++;
				  next += std::chrono::milliseconds(1000 / kWalksPerSecond);
				  std::this_thread::sleep_until(next);
			  }
		  })
	{
	}
	~PacedWalker()
	{
		stop_ = true;
		thread_.join();
	}

private:
	std::atomic<bool> stop_{false};
	std::atomic<uint64_t> walks_{0};
	std::thread thread_;
};

// A child process named `comm` that walks `fd` (get_next_key from NULL to
// ENOENT) kWalksPerSecond times a second until destroyed, and publishes the
// longest any one of its calls took, timed around the syscall: a bound on
// every latency the tracer can measure for it (the tracer times inside the
// syscall, on the same clock).
class ProcessWalker {
public:
	ProcessWalker(int fd, uint32_t key_size, const char *comm)
	{
		void *mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			throw std::runtime_error("mmap");
		shared_ = new (mem) Shared;
		pid_ = fork();
		if (pid_ < 0)
			throw std::runtime_error("fork");
		if (pid_ == 0)
			run(fd, key_size, comm); // never returns
	}
	~ProcessWalker()
	{
		kill(pid_, SIGKILL);
		waitpid(pid_, nullptr, 0);
		munmap(shared_, sizeof(Shared));
	}
	pid_t pid() const { return pid_; }
	uint64_t max_call_ns() const { return shared_->max_ns.load(); }
	uint64_t walks() const { return shared_->walks.load(); }

private:
	struct Shared {
		std::atomic<uint64_t> max_ns{0}, walks{0};
	};

	// Only syscalls here: the child of a process that may have threads.
	[[noreturn]] void run(int fd, uint32_t key_size, const char *comm)
	{
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, comm, 0, 0, 0);
		unsigned char a[64], b[64];
		if (key_size > sizeof(a))
			_exit(1);
		auto now = [] {
			timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
		};
		uint64_t next = now();
		for (;;) {
			const void *cursor = nullptr;
			unsigned char *out = a;
			for (;;) {
				uint64_t t0 = now();
				int r = bpf_map_get_next_key(fd, cursor, out);
				uint64_t took = now() - t0;
				if (took > shared_->max_ns.load())
					shared_->max_ns.store(took);
				if (r != 0)
					break;
				cursor = out;
				out = out == a ? b : a;
			}
			shared_->walks++;
			next += 1'000'000'000 / kWalksPerSecond;
			timespec until{time_t(next / 1'000'000'000), long(next % 1'000'000'000)};
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
		}
	}

	Shared *shared_ = nullptr;
	pid_t pid_ = -1;
};

std::string sh(const std::string &cmd)
{
	std::string out;
	if (FILE *p = popen(cmd.c_str(), "r")) {
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
			out.append(buf, n);
		pclose(p);
	}
	return out;
}

// A private tmux server with one window (80x24 unless told) running a shell.
class Tmux {
public:
	// A socket per instance: a server being killed by the previous test
	// must not take the next test's session with it.
	explicit Tmux(int cols = 80, int rows = 24)
		: sock_(fmt::format("tmi-top-test-{}-{}", getpid(), instances_++))
	{
		sh(tmux(fmt::format("new-session -d -s t -x {} -y {} 'env TERM=xterm bash --norc "
				    "--noprofile'", cols, rows)));
	}
	~Tmux() { sh(tmux("kill-server") + " 2>/dev/null"); }
	void keys(const std::string &k) { sh(tmux("send-keys -t t " + k)); }
	void resize(int cols, int rows) { sh(tmux(fmt::format("resize-window -t t -x {} -y {}", cols, rows))); }
	std::string screen() { return sh(tmux("capture-pane -p -t t")); }
	// Waits until the screen contains `text`; returns the last screen.
	std::string wait_for(const std::string &text, std::chrono::seconds timeout)
	{
		auto deadline = std::chrono::steady_clock::now() + timeout;
		std::string s;
		do {
			s = screen();
			if (s.find(text) != std::string::npos)
				return s;
			std::this_thread::sleep_for(std::chrono::milliseconds(200));
		} while (std::chrono::steady_clock::now() < deadline);
		return s;
	}

private:
	std::string tmux(const std::string &args) { return "tmux -L " + sock_ + " " + args; }
	static inline int instances_ = 0;
	std::string sock_;
};

// The row of map `id` on a screen or table, split into columns.
std::vector<std::string> row_of(const std::string &screen, const std::string &id)
{
	for (auto &line : split_lines(screen)) {
		std::istringstream in(line);
		std::vector<std::string> cols;
		std::string c;
		while (in >> c)
			cols.push_back(c);
		if (cols.size() >= 7 && cols[0] == id)
			return cols;
	}
	return {};
}

// Walks/s and calls/s as this test walks: kWalksPerSecond walks of
// kKeys + 1 calls each (interval edges: within 25%).
void expect_rates(const std::vector<std::string> &row)
{
	ASSERT_GE(row.size(), 7u);
	double calls = std::stod(row[4]), walks = std::stod(row[6]);
	EXPECT_NEAR(walks, kWalksPerSecond, kWalksPerSecond * 0.25);
	EXPECT_NEAR(calls, walks * (kKeys + 1), walks * (kKeys + 1) * 0.05);
	EXPECT_EQ(row[5], "0"); // no batch calls
}

bool have_tmux()
{
	return !sh("command -v tmux").empty();
}

#define TMI_REQUIRE_TMUX()                                                            \
	do {                                                                          \
		if (!have_tmux()) {                                                   \
			if (in_ci())                                                  \
				FAIL() << "tmux missing (scripts/install-deps.sh installs it)"; \
			GTEST_SKIP() << "tmux missing";                               \
		}                                                                     \
	} while (0)

// Starts top in `t` and waits until two intervals are in.
std::string start_top(Tmux &t, const std::string &args)
{
	t.keys("'" + tool_path() + " top " + args + " -i 1; echo TOP_EXIT=$?' Enter");
	t.wait_for("CALLS/s", std::chrono::seconds(30));
	std::this_thread::sleep_for(std::chrono::milliseconds(2500));
	return t.screen();
}

void quit_top(Tmux &t)
{
	t.keys("q");
	std::string s = t.wait_for("TOP_EXIT=0", std::chrono::seconds(5));
	EXPECT_NE(s.find("TOP_EXIT=0"), std::string::npos) << s;
}

// The kernel gives a hash map roundup_pow_of_two(max_entries) buckets
// (htab_map_alloc, kernel/bpf/hashtab.c).
uint64_t buckets_for(uint64_t max_entries)
{
	return std::bit_ceil(max_entries);
}

// "3.08us" -> 3080: a latency as human_ns() prints it (3 significant digits).
double ns_of(const std::string &s)
{
	size_t used = 0;
	double v = std::stod(s, &used);
	std::string unit = s.substr(used);
	return unit == "ns" ? v : unit == "us" ? v * 1e3 : unit == "ms" ? v * 1e6 : v * 1e9;
}

// What a bucket strip and a slowest-calls list say, read from a screen or
// a plain table (the first of each in `text`).
struct HashDetail {
	uint64_t n_buckets = 0, occupied = 0, last_bucket = 0;
	std::string strip;
	uint64_t run_len = 0, run_start = 0, run_end = 0;
	bool slowest_none = false;
	struct Slow {
		double ns;
		uint32_t pid;
		std::string comm;
		uint64_t scanned;
	};
	std::vector<Slow> slowest;
};

HashDetail hash_detail(const std::string &text)
{
	static const std::regex totals(R"((\d+) buckets, (\d+) occupied)");
	static const std::regex strip(R"(^0 \|([.:+*#]+)\| (\d+)$)");
	static const std::regex run(R"(longest empty run: (\d+) buckets \((\d+)-(\d+)\))");
	static const std::regex slow(R"(^\s+(\S+)\s+(\d+) (\S+)\s+(\d+)  (start|bucket))");
	HashDetail d;
	bool in_slowest = false;
	std::smatch m;
	for (auto &raw : split_lines(text)) {
		std::string line = raw.substr(0, raw.find_last_not_of(' ') + 1);
		if (!d.n_buckets && std::regex_search(line, m, totals)) {
			d.n_buckets = std::stoull(m[1]);
			d.occupied = std::stoull(m[2]);
		} else if (d.strip.empty() && std::regex_search(line, m, strip)) {
			d.strip = m[1];
			d.last_bucket = std::stoull(m[2]);
		} else if (!d.run_len && std::regex_search(line, m, run)) {
			d.run_len = std::stoull(m[1]);
			d.run_start = std::stoull(m[2]);
			d.run_end = std::stoull(m[3]);
		} else if (line.find("slowest calls in the last") != std::string::npos) {
			d.slowest_none = line.ends_with(": none");
			in_slowest = !d.slowest_none && d.slowest.empty();
		} else if (in_slowest && line.find("LATENCY") == std::string::npos) {
			if (!std::regex_search(line, m, slow)) {
				in_slowest = false;
				continue;
			}
			d.slowest.push_back({ns_of(m[1]), uint32_t(std::stoul(m[2])), m[3],
					     std::stoull(m[4])});
		}
	}
	return d;
}

// The detail of a hash map this test made: `keys` keys in a map of
// `max_entries`, walked only by `w` (named `comm`). Every number is checked
// against what the test knows, not against another command's output: the
// bucket count from max_entries, occupancy from the key count, the longest
// empty run from both (n - occupied empty buckets in at most occupied + 1
// runs), the latencies from the walker's own timing of its calls.
void expect_hash_detail(const HashDetail &d, uint64_t max_entries, uint64_t keys,
			const ProcessWalker &w, const std::string &comm, const std::string &text)
{
	uint64_t n = buckets_for(max_entries);
	EXPECT_EQ(d.n_buckets, n) << text;
	EXPECT_GE(d.occupied, 1u) << text;
	EXPECT_LE(d.occupied, keys) << text;
	EXPECT_EQ(d.last_bucket, n - 1) << text;
	ASSERT_EQ(d.strip.size(), std::min<uint64_t>(n, 64)) << text;
	uint64_t per = n / d.strip.size();
	uint64_t shaded = d.strip.size() - std::count(d.strip.begin(), d.strip.end(), '.');
	EXPECT_GE(shaded, (d.occupied + per - 1) / per) << text;
	EXPECT_LE(shaded, d.occupied) << text;
	uint64_t empty = n - d.occupied;
	EXPECT_LE(d.run_len, empty) << text;
	EXPECT_GE(d.run_len, (empty + d.occupied) / (d.occupied + 1)) << text;
	EXPECT_EQ(d.run_end, d.run_start + d.run_len - 1) << text;
	EXPECT_LT(d.run_end, n) << text;

	uint64_t bound = w.max_call_ns(); // read after the screen: covers every call shown
	ASSERT_FALSE(d.slowest.empty()) << text;
	EXPECT_LE(d.slowest.size(), 5u) << text;
	for (auto &c : d.slowest) {
		EXPECT_EQ(c.comm, comm) << text;
		EXPECT_EQ(c.pid, uint32_t(w.pid())) << text;
		EXPECT_GT(c.ns, 0) << text;
		EXPECT_LE(c.ns, double(bound) * 1.005 + 1) << text; // 3 significant digits
		EXPECT_LE(c.scanned, empty) << text;
	}
	for (size_t i = 1; i < d.slowest.size(); i++)
		EXPECT_GE(d.slowest[i - 1].ns, d.slowest[i].ns) << text;
}

} // namespace

TEST(Top, InTmuxShowsWalkedMapSortsOpensDetailAndQuits)
{
	TMI_REQUIRE_ROOT();
	if (sh("command -v tmux").empty()) {
		if (in_ci())
			FAIL() << "tmux missing (scripts/install-deps.sh installs it)";
		GTEST_SKIP() << "tmux missing";
	}
	UniqueFd map = filled_hash(4, 8, 512, kKeys);
	UniqueFd idle = filled_hash(4, 8, 64, 5);
	std::string id = std::to_string(map_id(map.get()));
	std::string idle_id = std::to_string(map_id(idle.get()));
	PacedWalker walker(map.get());

	Tmux t;
	t.keys("'" + tool_path() + " top --map-id " + id + " --map-id " + idle_id +
	       " -i 1; echo TOP_EXIT=$?' Enter");
	// Two intervals in, the rates are those of whole seconds of walking.
	std::string s = t.wait_for("CALLS/s", std::chrono::seconds(30));
	std::this_thread::sleep_for(std::chrono::milliseconds(2500));
	s = t.screen();
	auto row = row_of(s, id);
	ASSERT_FALSE(row.empty()) << s;
	EXPECT_EQ(row[1], "tmi_test");
	EXPECT_EQ(row[2], "hash");
	EXPECT_EQ(row[3], std::to_string(kKeys)); // entries
	expect_rates(row);
	for (auto &line : split_lines(s))
		EXPECT_LE(line.size(), 80u) << line;
	// Sorted by calls: the walked map above the idle one.
	EXPECT_LT(s.find("\n" + std::string(6 - id.size(), ' ') + id + " "),
		  s.find("\n" + std::string(6 - idle_id.size(), ' ') + idle_id + " "))
		<< s;

	t.keys("w");
	s = t.wait_for("sort: walks", std::chrono::seconds(5));
	EXPECT_NE(s.find("sort: walks"), std::string::npos) << s;

	t.keys("Enter");
	s = t.wait_for("distribution", std::chrono::seconds(5));
	EXPECT_NE(s.find("map " + id + " (tmi_test, hash)"), std::string::npos) << s;
	EXPECT_NE(s.find("latency since start"), std::string::npos) << s;
	EXPECT_NE(s.find("distribution"), std::string::npos) << s;
	t.keys("Enter");
	s = t.wait_for("CALLS/s", std::chrono::seconds(5));
	EXPECT_NE(s.find("CALLS/s"), std::string::npos) << s;

	t.keys("q");
	s = t.wait_for("TOP_EXIT=0", std::chrono::seconds(5));
	EXPECT_NE(s.find("TOP_EXIT=0"), std::string::npos) << s;
	// The terminal is sane again: canonical mode and echo are back.
	t.keys("'stty -a | tr \" \" \"\\n\" | grep -x -e icanon -e echo | sort | tr \"\\n\" +' Enter");
	s = t.wait_for("echo+icanon+", std::chrono::seconds(5));
	EXPECT_NE(s.find("echo+icanon+"), std::string::npos) << s;
}

TEST(Top, PlainTablesWhenNotATerminal)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 512, kKeys);
	std::string id = std::to_string(map_id(map.get()));
	PacedWalker walker(map.get());
	RunResult r = run_tool({"top", "--map-id", id, "-i", "1", "-n", "3"});
	ASSERT_EQ(r.code, 0) << r.err;
	size_t tables = 0;
	std::vector<std::string> last;
	for (auto &line : split_lines(r.out)) {
		tables += line.find(" - sort: calls") != std::string::npos;
		auto row = row_of(line, id);
		if (!row.empty())
			last = row;
	}
	EXPECT_EQ(tables, 3u) << r.out;
	expect_rates(last);
}

// Several -p: the maps walked by the two selected processes show their
// rates and callers; the third process's map shows nothing.
TEST(Top, InTmuxSeveralPidsShowBothAndExcludeAThird)
{
	TMI_REQUIRE_ROOT();
	TMI_REQUIRE_TMUX();
	std::vector<UniqueFd> maps;
	std::vector<std::string> ids;
	for (int i = 0; i < 3; i++) {
		maps.push_back(filled_hash(4, 8, 512, kKeys));
		ids.push_back(std::to_string(map_id(maps.back().get())));
	}
	ProcessWalker w1(maps[0].get(), 4, "tmi_top_p1"), w2(maps[1].get(), 4, "tmi_top_p2"),
		w3(maps[2].get(), 4, "tmi_top_p3");

	Tmux t(132, 24); // wide enough for the TOP CALLER column
	std::string s = start_top(t, "--map-id " + ids[0] + " --map-id " + ids[1] + " --map-id " +
					     ids[2] + " -p " + std::to_string(w1.pid()) + " -p " +
					     std::to_string(w2.pid()));
	for (int i = 0; i < 2; i++) {
		auto row = row_of(s, ids[i]);
		ASSERT_EQ(row.size(), 13u) << s;
		expect_rates(row);
		EXPECT_EQ(row[12], i == 0 ? "tmi_top_p1" : "tmi_top_p2") << s;
	}
	auto third = row_of(s, ids[2]);
	ASSERT_EQ(third.size(), 12u) << s; // no top caller
	EXPECT_EQ(third[4], "0") << s;
	EXPECT_EQ(third[6], "0") << s;
	EXPECT_EQ(third[10], "-") << s; // no p99: no call counted
	EXPECT_GT(w3.walks(), 0u);      // yet it walked all along
	quit_top(t);
}

// --comm: only that comm's walks of a map two processes walk; its detail
// pane (80x24) shows the bucket strip and the slowest calls, all that comm's.
TEST(Top, InTmuxCommFilterAndHashDetailPane)
{
	TMI_REQUIRE_ROOT();
	TMI_REQUIRE_TMUX();
	constexpr uint64_t kMaxEntries = 1000; // 1024 buckets
	UniqueFd map = filled_hash(4, 8, kMaxEntries, kKeys);
	std::string id = std::to_string(map_id(map.get()));
	ProcessWalker wanted(map.get(), 4, "tmi_top_cx"), other(map.get(), 4, "tmi_top_cy");

	Tmux t;
	std::string s = start_top(t, "--map-id " + id + " --comm tmi_top_cx");
	expect_rates(row_of(s, id)); // one walker's rate, not two

	t.keys("Enter");
	s = t.wait_for("slowest calls", std::chrono::seconds(5));
	for (auto &line : split_lines(s))
		EXPECT_LE(line.size(), 80u) << line;
	EXPECT_NE(s.find("map " + id + " (tmi_test, hash)"), std::string::npos) << s;
	EXPECT_NE(s.find("scale (occupied per column)"), std::string::npos) << s;
	expect_hash_detail(hash_detail(s), kMaxEntries, kKeys, wanted, "tmi_top_cx", s);
	// The rest of the pane is below: paging down reaches its end, the
	// callers (how many pages depends on the rows the histogram has: a
	// sanitized build's calls spread over more of them).
	for (int page = 0; page < 6 && s.find("more lines") != std::string::npos; page++) {
		t.keys("NPage");
		std::this_thread::sleep_for(std::chrono::milliseconds(300));
		s = t.wait_for("callers", std::chrono::seconds(2));
	}
	EXPECT_NE(s.find("callers"), std::string::npos) << s;
	EXPECT_EQ(s.find("more lines"), std::string::npos) << s; // at the end
	// A smaller terminal: redrawn to fit, saying what is below.
	t.resize(60, 12);
	for (int i = 0; i < 40; i++) // back to the top
		t.keys("Up");
	s = t.wait_for("more lines: Down scrolls", std::chrono::seconds(5));
	EXPECT_NE(s.find("more lines: Down scrolls"), std::string::npos) << s;
	for (auto &line : split_lines(s))
		EXPECT_LE(line.size(), 60u) << line;
	EXPECT_NE(s.find("^ longest empty run"), std::string::npos) << s;
	t.resize(80, 24);
	for (int i = 0; i < 40; i++)
		t.keys("Down");
	s = t.wait_for("callers", std::chrono::seconds(5));
	EXPECT_NE(s.find("tmi_top_cx"), std::string::npos) << s;
	EXPECT_EQ(s.find("tmi_top_cy"), std::string::npos) << s;
	t.keys("Enter");
	t.wait_for("CALLS/s", std::chrono::seconds(5));
	quit_top(t);
}

// Not a terminal: each plain table is followed by every hash map's strip
// and slowest calls. An empty map reads as all empty, one run of every
// bucket, no calls.
TEST(Top, PlainTablesHaveStripAndSlowestCalls)
{
	TMI_REQUIRE_ROOT();
	constexpr uint64_t kMaxEntries = 1000, kEmptyMax = 100; // 1024 and 128 buckets
	UniqueFd map = filled_hash(4, 8, kMaxEntries, kKeys);
	UniqueFd empty = filled_hash(4, 8, kEmptyMax, 0);
	std::string id = std::to_string(map_id(map.get()));
	std::string empty_id = std::to_string(map_id(empty.get()));
	ProcessWalker w(map.get(), 4, "tmi_top_plain");
	RunResult r = run_tool({"top", "--map-id", id, "--map-id", empty_id, "-i", "1", "-n", "3"});
	ASSERT_EQ(r.code, 0) << r.err;
	// The last table's sections, one per map.
	size_t last = r.out.rfind(" - sort: calls");
	ASSERT_NE(last, std::string::npos) << r.out;
	std::string tail = r.out.substr(last);
	size_t at_map = tail.find("\nmap " + id + " (tmi_test):"),
	       at_empty = tail.find("\nmap " + empty_id + " (tmi_test):");
	ASSERT_NE(at_map, std::string::npos) << tail;
	ASSERT_NE(at_empty, std::string::npos) << tail;
	EXPECT_LT(at_map, at_empty) << tail; // the rows' order: calls first
	std::string walked = tail.substr(at_map, at_empty - at_map), idle = tail.substr(at_empty);
	expect_hash_detail(hash_detail(walked), kMaxEntries, kKeys, w, "tmi_top_plain", walked);

	HashDetail d = hash_detail(idle);
	uint64_t n = buckets_for(kEmptyMax);
	EXPECT_EQ(d.n_buckets, n) << idle;
	EXPECT_EQ(d.occupied, 0u) << idle;
	EXPECT_EQ(d.strip, std::string(64, '.')) << idle;
	EXPECT_EQ(d.run_len, n) << idle;
	EXPECT_EQ(d.run_start, 0u) << idle;
	EXPECT_TRUE(d.slowest_none) << idle;
}
