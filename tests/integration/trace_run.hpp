// trace_run.hpp: what the tracing tests share (test_trace,
// test_trace_aggregate, test_hooks, test_trace_records): the tracer as a
// child process that stop() ends and whose JSON lines it parses, records
// picked by type and map, and walks run by another process (a child's calls
// are another process's calls to the tracer).
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

// The tool tracing (with -j unless json_lines is false, and the hook
// tracer_argv picks); started() once it said "Tracing". end() sends a
// signal and returns the exit code; stop() ends it with SIGINT and parses
// every stdout line.
class TraceRun {
public:
	explicit TraceRun(std::vector<std::string> args, bool json_lines = true)
	{
		if (json_lines)
			args.insert(args.begin(), "-j");
		child_ = std::make_unique<Child>(tracer_argv(args));
		started_ = child_->wait_for_stderr_line("Tracing", std::chrono::seconds(60));
	}
	bool started() const { return started_; }
	Child &child() { return *child_; }
	const std::string &out() const { return child_->out(); }
	const std::string &err() const { return child_->err(); }

	int end(int sig = SIGINT)
	{
		child_->signal(sig);
		exit_code_ = child_->wait();
		return exit_code_;
	}
	std::vector<nlohmann::json> lines() const
	{
		std::vector<nlohmann::json> out;
		for (auto &line : split_lines(child_->out()))
			out.push_back(nlohmann::json::parse(line));
		return out;
	}
	std::vector<nlohmann::json> stop()
	{
		end();
		return lines();
	}
	int exit_code() const { return exit_code_; }

private:
	std::unique_ptr<Child> child_;
	bool started_ = false;
	int exit_code_ = -1;
};

// The records of `type` about `map_id` (0: any map), in output order.
inline std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json> &lines,
					   const std::string &type, uint32_t map_id)
{
	std::vector<nlohmann::json> out;
	for (auto &j : lines)
		if (j["type"] == type && (map_id == 0 || j["map_id"] == map_id))
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
