// trace_run.hpp: what the tracing tests share (test_trace, test_trace_aggregate,
// test_hooks): the tracer as a child process that stop() ends and whose JSON
// lines it parses, records picked by type and map, and walks run by another
// process (a child's calls are another process's calls to the tracer).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/helpers.hpp"

namespace tmi::testing {

// The tool tracing with -j (and the hook tracer_argv picks); started() once
// it said "Tracing"; stop() sends SIGINT and parses every stdout line.
class TraceRun {
public:
	explicit TraceRun(std::vector<std::string> args)
	{
		args.insert(args.begin(), "-j");
		child_ = std::make_unique<Child>(tracer_argv(args));
		started_ = child_->wait_for_stderr_line("Tracing", std::chrono::seconds(30));
	}
	bool started() const { return started_; }
	std::string err() const { return child_->err(); }

	std::vector<nlohmann::json> stop()
	{
		child_->signal(SIGINT);
		exit_code_ = child_->wait();
		std::vector<nlohmann::json> out;
		for (auto &line : split_lines(child_->out()))
			out.push_back(nlohmann::json::parse(line));
		return out;
	}
	int exit_code() const { return exit_code_; }

private:
	std::unique_ptr<Child> child_;
	bool started_ = false;
	int exit_code_ = -1;
};

// The records of `type` about `map_id`, in output order.
inline std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json> &lines,
					   const std::string &type, uint32_t map_id)
{
	std::vector<nlohmann::json> out;
	for (auto &j : lines)
		if (j["type"] == type && j["map_id"] == map_id)
			out.push_back(j);
	return out;
}

// Runs `fn` in a forked child that exits 0 after it; returns the child's pid.
template <typename F> pid_t fork_child(F fn)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

// Waits for `pid`; fails the test unless it exited 0.
inline void wait_ok(pid_t pid)
{
	int st = 0;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

// fn in a child process, waited for.
template <typename F> void in_child(F fn) { wait_ok(fork_child(fn)); }

} // namespace tmi::testing
