// top against the real kernel, driven as a person would: in tmux (an 80x24
// terminal), keys sent with send-keys, the screen read with capture-pane,
// while this test walks a map at a rate it controls. And the plain tables
// it prints when stdout is not a terminal.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
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

// A private tmux server with one 80x24 window running a shell.
class Tmux {
public:
	Tmux() : sock_("tmi-top-test-" + std::to_string(getpid()))
	{
		sh(tmux("new-session -d -s t -x 80 -y 24 'env TERM=xterm bash --norc --noprofile'"));
	}
	~Tmux() { sh(tmux("kill-server") + " 2>/dev/null"); }
	void keys(const std::string &k) { sh(tmux("send-keys -t t " + k)); }
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
	s = t.wait_for("callers", std::chrono::seconds(5));
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
