// LineInput on real files, FIFOs and devices (no root needed).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/input_file.hpp"

using namespace tmi;

namespace {

std::string error_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const Error &e) {
		return e.what();
	}
	return "(no error)";
}

std::string temp_path(const char *name)
{
	return fmt::format("/tmp/tmi_input_{}_{}", getpid(), name);
}

} // namespace

TEST(LineInput, ReadsLinesAndRefusesOversizedFilesBeforeReading)
{
	std::string p = temp_path("lines");
	std::ofstream(p) << "first\nsecond\n";
	LineInput in = LineInput::open_file(p);
	std::string_view l;
	ASSERT_TRUE(in.next(l, 100));
	EXPECT_EQ(l, "first");
	ASSERT_TRUE(in.next(l, 100));
	EXPECT_EQ(l, "second");
	EXPECT_EQ(in.line_number(), 2u);
	EXPECT_FALSE(in.next(l, 100));

	InputLimits small;
	small.max_bytes = 5;
	EXPECT_EQ(error_of([&] { LineInput::open_file(p, small); }),
		  "reading " + p + ": 13 bytes, more than the 5-byte limit for a dump file");
	LineInput again = LineInput::open_file(p);
	EXPECT_EQ(error_of([&] { again.next(l, 3); }), "reading " + p + ": line 1: longer than the 3-byte line limit");
	unlink(p.c_str());
}

TEST(LineInput, AFifoWithNoWriterTimesOutAndDevicesAreRefused)
{
	std::string p = temp_path("fifo");
	ASSERT_EQ(mkfifo(p.c_str(), 0600), 0);
	InputLimits quick;
	quick.idle_timeout_ms = 200;
	auto t0 = std::chrono::steady_clock::now();
	LineInput in = LineInput::open_file(p, quick); // must not block: no writer
	std::string_view l;
	EXPECT_EQ(error_of([&] { in.next(l, 100); }), "reading " + p + ": no data for 0.2 s (a FIFO with no writer?)");
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
	unlink(p.c_str());
	EXPECT_EQ(error_of([&] { LineInput::open_file("/dev/zero"); }),
		  "reading /dev/zero: a character device, not a regular file or a pipe");
	EXPECT_EQ(error_of([&] { LineInput::open_file("/tmp"); }),
		  "reading /tmp: a directory, not a regular file or a pipe");
	EXPECT_EQ(error_of([&] { LineInput::open_file("/nonexistent/x"); }),
		  "reading /nonexistent/x: No such file or directory");
}
