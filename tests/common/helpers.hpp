// helpers.hpp: what the integration tests and the benchmark share: real
// maps, walks done by the test itself, and the tool run as a child process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/hex.hpp"

namespace tmi::testing {

// build/trace-map-iter, or $TMI_BIN.
std::string tool_path();
// True when the environment says CI: skips are failures there.
bool in_ci();
// The hook the tracer is asked to use: $TMI_HOOK, passed as `--hook H` by
// every test that starts the tracer (the kernel matrix sets it per hook).
// Unset, empty or "default": no --hook, the tool picks.  Returns the
// arguments to append to a tracing command line ({} or {"--hook", H}).
std::vector<std::string> hook_args();
// The tracer's command line: tool_path(), `args`, then hook_args().
std::vector<std::string> tracer_argv(const std::vector<std::string> &args);

// Creates a map (read-write: the test owns it) or throws std::runtime_error.
UniqueFd create_map(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
		    uint32_t flags = 0, const char *name = "tmi_test");
uint32_t map_id(int fd);
// Key i as key_size bytes: i little-endian, then a fill pattern.
Bytes make_key(uint64_t i, uint32_t key_size);
void put(int fd, const Bytes &key, const Bytes &value);
// max_entries for an LRU map that must hold n entries without evicting any.
// An LRU map evicts before it is full: each CPU keeps up to
// LOCAL_FREE_TARGET (128) free nodes of its own (kernel/bpf/bpf_lru_list.c),
// so an update on a CPU whose local list is empty evicts while other CPUs
// still hold free nodes (seen on 6.1 with maps filled to exactly n).
uint32_t lru_capacity(uint32_t n);
// A hash map holding make_key(0..n-1, key_size), each value `value_size` bytes.
UniqueFd filled_hash(uint32_t key_size, uint32_t value_size, uint32_t max_entries, uint64_t n,
		     uint32_t flags = 0);
// Like walk_keys, but deletes the cursor key once `delete_at` keys were
// returned, so the kernel restarts from bucket 0 (keys repeat).
std::vector<Bytes> walk_keys_deleting(int fd, uint32_t key_size, size_t delete_at);
// get_next_key from NULL to ENOENT with tmi::KeyIterator, as bpftool does
// (cursor and next key in the same buffer); returns the keys in the order
// the kernel gave them; throws std::runtime_error on any other errno or a
// walk longer than walk_bound().
std::vector<Bytes> walk_keys(int fd, uint32_t key_size);

// A child process with its stdout and stderr captured.
class Child {
public:
	explicit Child(const std::vector<std::string> &argv);
	~Child();
	Child(const Child &) = delete;
	Child &operator=(const Child &) = delete;

	// Reads stderr until a line starts with `prefix`; false on timeout or exit.
	bool wait_for_stderr_line(const std::string &prefix, std::chrono::milliseconds timeout);
	// The same on stdout (e.g. bpftrace printing from BEGIN once attached).
	bool wait_for_stdout_line(const std::string &prefix, std::chrono::milliseconds timeout);
	void signal(int sig);
	// Waits for exit (killing it after `timeout`); returns the exit code,
	// or 128 + signal.
	int wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
	const std::string &out() const { return out_; }
	const std::string &err() const { return err_; }
	pid_t pid() const { return pid_; }

private:
	void pump(int timeout_ms);
	pid_t pid_ = -1;
	UniqueFd out_fd_, err_fd_;
	std::string out_, err_;
	size_t err_scanned_ = 0, out_scanned_ = 0;
	bool wait_for_line(const std::string &buf, size_t &scanned, const std::string &prefix,
			   std::chrono::milliseconds timeout);
	int status_ = -1;
};

// Runs the tool to completion; convenient for dump/diff/buckets/audit.
struct RunResult {
	int code;
	std::string out, err;
};
RunResult run_tool(const std::vector<std::string> &args);

std::vector<std::string> split_lines(const std::string &s);

} // namespace tmi::testing
