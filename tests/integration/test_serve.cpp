// serve against the real kernel: real maps walked by this test, the tool
// run as a child process serving /metrics on a loopback port, scraped with
// a plain HTTP GET. Expected counts are the calls this test made.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <fstream>

#include "common/helpers.hpp"
#include "common/root.hpp"
#include "integration/live_helpers.hpp"

using namespace tmi;
using namespace tmi::testing;

namespace {

using Labels = std::map<std::string, std::string>;

std::string self_comm()
{
	std::ifstream f("/proc/self/comm");
	std::string c;
	std::getline(f, c);
	return c;
}

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

// promtool's verdict on a scrape: "" when clean.
std::string promtool_check(const std::string &text)
{
	char path[] = "/tmp/tmi-scrape-XXXXXX";
	int fd = mkstemp(path);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(write(fd, text.data(), text.size()), ssize_t(text.size()));
	close(fd);
	RunResult r{0, {}, {}};
	Child c({"/bin/sh", "-c", std::string("promtool check metrics < ") + path});
	r.code = c.wait(std::chrono::seconds(30));
	unlink(path);
	if (r.code != 0 || !c.out().empty() || !c.err().empty())
		return "exit " + std::to_string(r.code) + ": " + c.out() + c.err();
	return "";
}

} // namespace

// The "done when": a 5000-key walk shows as 5001 get_next_key calls,
// one complete walk and a histogram count of 5001; the digest label is what
// `dump --digest` prints; promtool finds nothing to say about the scrape;
// SIGTERM ends it within a second.
TEST(Serve, FiveThousandKeyWalkScrapedAsTheTestMadeIt)
{
	TMI_REQUIRE_ROOT();
	const uint64_t n = 5000;
	UniqueFd map = filled_hash(4, 8, 8192, n);
	std::string id = std::to_string(map_id(map.get()));

	ServeRun serve({"--map-id", id, "--digest-interval", "1"});
	ASSERT_TRUE(serve.started()) << serve.err();
	auto keys = walk_keys(map.get(), 4);
	ASSERT_EQ(keys.size(), n);
	const uint64_t calls = keys.size() + 1; // the final ENOENT too

	Labels m{{"map_id", id}, {"map_name", "tmi_test"}, {"map_type", "hash"}};
	std::string text;
	auto s = serve.scrape_until(
		[&](auto &s) {
			return value_of(s, "tmi_map_get_next_key_calls_total", m) == double(calls) &&
			       value_of(s, "tmi_map_walks_total", {{"map_id", id}, {"status", "complete"}}) ==
				       1.0 &&
			       !select(s, "tmi_map_digest_info", m).empty();
		},
		std::chrono::seconds(20), &text);
	EXPECT_EQ(value_of(s, "tmi_map_get_next_key_calls_total", m), double(calls)) << text;
	EXPECT_EQ(value_of(s, "tmi_map_walks_total", {{"map_id", id}, {"status", "complete"}}), 1.0);
	EXPECT_EQ(value_of(s, "tmi_map_walks_total", {{"map_id", id}, {"status", "incomplete"}}), 0.0);
	EXPECT_EQ(value_of(s, "tmi_map_call_duration_seconds_count", m), double(calls));
	EXPECT_EQ(value_of(s, "tmi_map_call_duration_seconds_bucket", {{"map_id", id}, {"le", "+Inf"}}),
		  double(calls));
	// Counted in the kernel by default: what needs keys has no series.
	EXPECT_FALSE(value_of(s, "tmi_map_walk_restarts_total", m).has_value()) << text;
	EXPECT_FALSE(value_of(s, "tmi_map_walk_duplicate_keys_total", m).has_value()) << text;
	EXPECT_EQ(value_of(s, "tmi_map_lost_events_total", m), 0.0);
	EXPECT_EQ(value_of(s, "tmi_map_batch_calls_total", {{"map_id", id}, {"op", "lookup"}}), 0.0);
	EXPECT_EQ(value_of(s, "tmi_map_caller_calls_total", {{"map_id", id}, {"comm", self_comm()}}),
		  double(calls));
	EXPECT_EQ(value_of(s, "tmi_map_entries", m), double(n));
	EXPECT_TRUE(value_of(s, "tmi_map_bucket_max_chain", m).has_value()) << text;
	auto ratio = value_of(s, "tmi_map_bucket_empty_ratio", m);
	ASSERT_TRUE(ratio.has_value());
	EXPECT_GT(*ratio, 0.0); // 5000 keys in 8192 buckets: some are empty
	EXPECT_LT(*ratio, 1.0);

	RunResult dump = run_tool({"dump", "--map-id", id, "--digest"});
	ASSERT_EQ(dump.code, 0) << dump.err;
	auto digest = select(s, "tmi_map_digest_info", m);
	ASSERT_EQ(digest.size(), 1u) << text;
	EXPECT_EQ(digest[0].labels["digest"], trim(dump.out));
	EXPECT_EQ(digest[0].value, 1.0);

	auto build = select(s, "tmi_build_info", {{"hook", "tracepoint"}});
	ASSERT_EQ(build.size(), 1u) << text;
	EXPECT_FALSE(build[0].labels["version"].empty());
	EXPECT_FALSE(build[0].labels["kernel"].empty());

	EXPECT_EQ(promtool_check(text), "");

	// Nothing more is counted later: the tool's own digest reads are not traced.
	std::this_thread::sleep_for(std::chrono::milliseconds(2200));
	s = serve.scrape();
	EXPECT_EQ(value_of(s, "tmi_map_get_next_key_calls_total", m), double(calls));

	auto t0 = std::chrono::steady_clock::now();
	serve.child().signal(SIGTERM);
	int code = serve.child().wait(std::chrono::seconds(10));
	auto took = std::chrono::steady_clock::now() - t0;
	EXPECT_EQ(code, 0) << serve.err();
	EXPECT_LT(took, std::chrono::seconds(1));
}

// Batch walks by op; walks that delete their cursor show restarts and
// duplicates with --walk-events, and have no such series by default (the
// kernel counts without keys); the counts are the same either way.
class ServeModes : public ::testing::TestWithParam<bool> {};

TEST_P(ServeModes, BatchOpsRestartsAndDuplicates)
{
	TMI_REQUIRE_ROOT();
	const bool walk_events = GetParam();
	UniqueFd map = filled_hash(4, 8, 1024, 600);
	std::string id = std::to_string(map_id(map.get()));
	std::vector<std::string> args{"--map-id", id, "--digest-interval", "30"};
	if (walk_events)
		args.push_back("--walk-events");
	ServeRun serve(args);
	ASSERT_TRUE(serve.started()) << serve.err();

	auto batch_walk = [&](bool and_delete) {
		std::vector<uint32_t> keys(64);
		std::vector<uint64_t> vals(64);
		uint32_t out_batch = 0, calls = 0;
		void *in = nullptr;
		while (true) {
			uint32_t count = 64;
			int err = and_delete ? bpf_map_lookup_and_delete_batch(map.get(), in, &out_batch,
									       keys.data(), vals.data(),
									       &count, nullptr)
					     : bpf_map_lookup_batch(map.get(), in, &out_batch, keys.data(),
								    vals.data(), &count, nullptr);
			calls++;
			if (err) {
				EXPECT_EQ(errno, ENOENT);
				return calls;
			}
			in = &out_batch;
		}
	};
	uint32_t lookups = batch_walk(false);
	auto seen = walk_keys_deleting(map.get(), 4, 100);
	uint64_t gnk_calls = seen.size() + 1;
	uint32_t deletes = batch_walk(true);

	auto s = serve.scrape_until(
		[&](auto &s) {
			return value_of(s, "tmi_map_batch_calls_total",
					{{"map_id", id}, {"op", "lookup_and_delete"}}) == double(deletes) &&
			       value_of(s, "tmi_map_get_next_key_calls_total", {{"map_id", id}}) ==
				       double(gnk_calls);
		},
		std::chrono::seconds(20));
	EXPECT_EQ(value_of(s, "tmi_map_batch_calls_total", {{"map_id", id}, {"op", "lookup"}}),
		  double(lookups));
	EXPECT_EQ(value_of(s, "tmi_map_batch_calls_total", {{"map_id", id}, {"op", "lookup_and_delete"}}),
		  double(deletes));
	EXPECT_EQ(value_of(s, "tmi_map_get_next_key_calls_total", {{"map_id", id}}), double(gnk_calls));
	// Two batch walks and one get_next_key walk, all ended at ENOENT.
	EXPECT_EQ(value_of(s, "tmi_map_walks_total", {{"map_id", id}, {"status", "complete"}}), 3.0);
	EXPECT_EQ(value_of(s, "tmi_map_walks_total", {{"map_id", id}, {"status", "incomplete"}}), 0.0);
	if (walk_events) {
		EXPECT_GE(value_of(s, "tmi_map_walk_restarts_total", {{"map_id", id}}).value_or(0), 1.0);
		EXPECT_GE(value_of(s, "tmi_map_walk_duplicate_keys_total", {{"map_id", id}}).value_or(0),
			  1.0);
	} else {
		EXPECT_FALSE(value_of(s, "tmi_map_walk_restarts_total", {{"map_id", id}}).has_value());
		EXPECT_FALSE(
			value_of(s, "tmi_map_walk_duplicate_keys_total", {{"map_id", id}}).has_value());
	}
	EXPECT_EQ(value_of(s, "tmi_map_call_duration_seconds_count", {{"map_id", id}}),
		  double(gnk_calls + lookups + deletes));
}

INSTANTIATE_TEST_SUITE_P(Serve, ServeModes, ::testing::Values(false, true),
			 [](const auto &info) { return info.param ? "WalkEvents" : "Aggregate"; });

// Twelve processes with twelve names: ten are named, two summed as "other";
// the counts add up to every call made.
TEST(Serve, CallersAreCappedWithTheRestAsOther)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 256, 100);
	std::string id = std::to_string(map_id(map.get()));
	ServeRun serve({"--map-id", id, "--digest-interval", "30"});
	ASSERT_TRUE(serve.started()) << serve.err();

	const int procs = 12;
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			std::string name = "tmi_walker_" + std::to_string(i);
			prctl(PR_SET_NAME, name.c_str());
			_exit(walk_keys(map.get(), 4).size() == 100 ? 0 : 1);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	const double total = procs * 101.0;
	auto s = serve.scrape_until(
		[&](auto &s) {
			return value_of(s, "tmi_map_get_next_key_calls_total", {{"map_id", id}}) == total;
		},
		std::chrono::seconds(20));
	auto callers = select(s, "tmi_map_caller_calls_total", {{"map_id", id}});
	double sum = 0;
	size_t named = 0;
	for (auto &c : callers) {
		sum += c.value;
		named += c.labels["comm"] != "other";
	}
	EXPECT_EQ(named, 10u);
	EXPECT_EQ(callers.size(), 11u);
	EXPECT_EQ(sum, total);
	EXPECT_EQ(value_of(s, "tmi_map_caller_calls_total", {{"map_id", id}, {"comm", "other"}}),
		  2 * 101.0);
}

// A map that disappears has its series dropped.
TEST(Serve, GoneMapIsDropped)
{
	TMI_REQUIRE_ROOT();
	UniqueFd keep = filled_hash(4, 8, 64, 10);
	UniqueFd gone = filled_hash(4, 8, 64, 10);
	std::string keep_id = std::to_string(map_id(keep.get())), gone_id = std::to_string(map_id(gone.get()));
	ServeRun serve({"--map-id", keep_id, "--map-id", gone_id, "--digest-interval", "1"});
	ASSERT_TRUE(serve.started()) << serve.err();
	walk_keys(gone.get(), 4);
	auto s = serve.scrape_until(
		[&](auto &s) {
			return value_of(s, "tmi_map_get_next_key_calls_total", {{"map_id", gone_id}}) == 11.0;
		},
		std::chrono::seconds(20));
	ASSERT_EQ(value_of(s, "tmi_map_get_next_key_calls_total", {{"map_id", gone_id}}), 11.0);
	gone.reset();
	s = serve.scrape_until(
		[&](auto &s) { return select(s, "tmi_map_walks_total", {{"map_id", gone_id}}).empty(); },
		std::chrono::seconds(20));
	for (auto &x : s)
		EXPECT_NE(x.labels["map_id"], gone_id) << x.name;
	EXPECT_EQ(value_of(s, "tmi_map_get_next_key_calls_total", {{"map_id", keep_id}}), 0.0);
}

// A busy port: one error line, exit 2.
TEST(Serve, BusyPortIsOneErrorLineAndExitTwo)
{
	TMI_REQUIRE_ROOT();
	UniqueFd map = filled_hash(4, 8, 64, 10);
	UniqueFd sock(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	ASSERT_EQ(bind(sock.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
	ASSERT_EQ(listen(sock.get(), 1), 0);
	ASSERT_EQ(getsockname(sock.get(), reinterpret_cast<sockaddr *>(&a), &len), 0);
	std::string addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));

	RunResult r = run_tool({"serve", "--listen", addr, "--map-id",
				std::to_string(map_id(map.get()))});
	EXPECT_EQ(r.code, 2);
	auto lines = split_lines(r.err);
	ASSERT_EQ(lines.size(), 1u) << r.err;
	EXPECT_EQ(lines[0], "error: can't listen on " + addr + ": Address already in use");

	r = run_tool({"serve", "--listen", "localhost:80"});
	EXPECT_EQ(r.code, 2);
	EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
}
