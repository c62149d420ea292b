// Version string from the VERSION file (read here, from the tree's top:
// run-tests.sh runs from there) and the text/JSON error lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "base/version.hpp"

using namespace tmi;

namespace {
std::string version_file()
{
	std::ifstream in("VERSION");
	std::string v;
	std::getline(in, v);
	return v;
}
} // namespace

TEST(Version, ComesFromTheVersionFile)
{
	std::string v = version_file();
	ASSERT_FALSE(v.empty()) << "run from the top of the tree: VERSION not found";
	EXPECT_EQ(version(), v);
}

TEST(Version, LineNamesToolVersionAndCommit)
{
	std::string want = "trace-map-iter " + version_file();
	std::string git = version_git();
	if (!git.empty())
		want += " (git " + git + ")";
	EXPECT_EQ(version_line(), want);
}

TEST(Version, JsonIsOneObject)
{
	auto j = nlohmann::json::parse(version_json());
	EXPECT_EQ(j["version"], version_file());
	EXPECT_EQ(j.contains("git"), *version_git() != '\0');
	EXPECT_EQ(version_json().find('\n'), std::string::npos);
}

TEST(ErrorLine, TextIsOneLine)
{
	EXPECT_EQ(error_line("can't open map 7: No such file or directory", false),
		  "error: can't open map 7: No such file or directory\n");
}

TEST(ErrorLine, JsonEscapesAndReplacesInvalidUtf8)
{
	std::string msg = "can't read \"a\\b\"\n: bad \xff byte";
	std::string line = error_line(msg, true);
	ASSERT_EQ(line.back(), '\n');
	EXPECT_EQ(line.find('\n'), line.size() - 1); // one line whatever the message holds
	auto j = nlohmann::json::parse(line);
	EXPECT_EQ(j.size(), 2u);
	EXPECT_EQ(j["type"], "error");
	EXPECT_EQ(j["message"], "can't read \"a\\b\"\n: bad \xef\xbf\xbd byte");
	EXPECT_EQ(line.rfind("{\"type\":\"error\",\"message\":", 0), 0u); // field order
}

TEST(ErrorLine, PrintErrorWritesTheLine)
{
	std::FILE *f = std::tmpfile();
	ASSERT_NE(f, nullptr);
	print_error(f, "x: y", true);
	std::rewind(f);
	char buf[128] = {};
	size_t n = std::fread(buf, 1, sizeof buf - 1, f);
	std::fclose(f);
	EXPECT_EQ(std::string(buf, n), "{\"type\":\"error\",\"message\":\"x: y\"}\n");
}
