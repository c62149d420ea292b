// test_cli.cpp: the command line's checks, run through the real binary.
// Every refusal is one "error: ..." line and exit 2, before any map is read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/helpers.hpp"

using namespace tmi::testing;

namespace {

void expect_one_line_refusal(const std::vector<std::string> &args, const std::string &needle)
{
	RunResult r = run_tool(args);
	std::string shown;
	for (auto &a : args)
		shown += a + " ";
	EXPECT_EQ(r.code, 2) << shown << r.err;
	auto lines = split_lines(r.err);
	ASSERT_EQ(lines.size(), 1u) << shown << r.err;
	EXPECT_EQ(lines[0].rfind("error: ", 0), 0u) << lines[0];
	EXPECT_NE(lines[0].find(needle), std::string::npos) << lines[0];
	EXPECT_EQ(r.out, "") << shown;
}

} // namespace

// nan never stopped, 1e10 overflowed into "stop at once", 1e300 printed
// on every drain: all are refused now, as are 0 and negatives.
TEST(Cli, DurationsMustBeFiniteAndInRange)
{
	for (const char *opt : {"-d", "-i"})
		for (const char *v : {"nan", "inf", "-inf", "1e10", "1e300", "0", "-1", "abc", "5s"})
			expect_one_line_refusal({opt, v}, v);
}

// An unset $SHA gave `--expect ""`, which passed the check.
TEST(Cli, EmptyExpectIsRefused)
{
	expect_one_line_refusal({"dump", "--map-id", "1", "--expect", ""}, "--expect");
}

// --expect silently overrode --digest, -o and --format.
TEST(Cli, ExpectConflictsAreRefused)
{
	std::string sha(64, 'a');
	expect_one_line_refusal({"dump", "--map-id", "1", "--expect", sha, "--digest"}, "--expect");
	expect_one_line_refusal({"dump", "--map-id", "1", "--expect", sha, "-o", "/tmp/x"},
				"--expect");
	expect_one_line_refusal({"dump", "--map-id", "1", "--expect", sha, "--format", "table"},
				"--expect");
	expect_one_line_refusal({"dump", "--map-id", "1", "--expect", "xyz"}, "64 hex");
}

// With -j, an error is a JSON line on stdout (as bpftool -j does).
TEST(Cli, JsonModeErrorsAreJsonLines)
{
	RunResult r = run_tool({"buckets", "--map-id", "4000000000", "-j"});
	EXPECT_EQ(r.code, 2);
	auto lines = split_lines(r.out);
	ASSERT_EQ(lines.size(), 1u) << r.out << r.err;
	auto j = nlohmann::json::parse(lines[0]);
	EXPECT_EQ(j["type"], "error");
	EXPECT_NE(j["message"].get<std::string>().find("4000000000"), std::string::npos);
}

// Each command's --help carries its own examples.
TEST(Cli, EachCommandHelpHasExamples)
{
	for (const char *cmd : {"dump", "diff", "buckets", "audit", "demo"}) {
		RunResult r = run_tool({cmd, "--help"});
		EXPECT_EQ(r.code, 0) << cmd;
		EXPECT_NE(r.out.find("EXAMPLES:"), std::string::npos) << cmd;
		EXPECT_NE(r.out.find(std::string("trace-map-iter ") + cmd), std::string::npos) << cmd;
	}
}
