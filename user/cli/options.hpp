// options.hpp: each command's options as a plain struct, filled by the CLI
// (cli.cpp, the only file that sees CLI11) and read by the command's run_*.
// Defaults live here, once; cli.cpp shows them in --help.
// Contract: a struct that reaches run_* has passed the CLI's checks (ranges,
// finite numbers, exclusive options); run_* still reports what only it can
// know (no such map, unreadable file) as tmi::Error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "maps/maps.hpp"

namespace tmi {

// --map-id ID | --pinned PATH | --map-name NAME: exactly one (dump, buckets,
// audit). selector() throws tmi::Error (exit 2) unless exactly one is given.
struct OneMapOptions {
	uint32_t id = 0;
	std::string pinned, name;

	MapSelector selector(const char *command) const;
};

struct TraceOptions {
	std::vector<uint32_t> ids;
	std::vector<std::string> names, pinned;
	std::vector<uint32_t> pids;        // -p, repeatable; empty = every process
	std::string comm;                  // --comm; empty = every thread
	size_t top = 0;                    // --top N; 0 = every map
	std::string sort;                  // --sort calls|walks|p99|lost|restarts; empty = default
	double duration = 0, interval = 0; // seconds; 0 = none
	bool json = false, verbose = false, exact_cursor = false;
	std::string output; // -o FILE: records there instead of stdout ("" or "-": stdout)
	std::string order = "fingerprint"; // none | fingerprint | full
	std::string probe = "auto";  // --hook: auto | fentry | kprobe | tracepoint | raw_tp
	uint64_t ringbuf_bytes = 16u << 20;
};

struct DumpOptions {
	OneMapOptions map;
	std::string output;          // empty = stdout
	std::string format = "jsonl"; // jsonl | table
	int consistent = 0;          // 0 = one pass; else at most N passes
	bool digest_only = false, raw = false;
	bool fsync = false;          // fsync FILE (-o) before renaming it into place
	bool expect_given = false;   // --expect was on the command line (even empty)
	std::string expect;
};

struct DiffOptions {
	std::string a, b;
	bool json = false;
};

struct BucketsOptions {
	OneMapOptions map;
	std::string svg;
	bool json = false;
	size_t top = 10;
};

struct AuditOptions {
	OneMapOptions map;
	std::string traced;
	bool json = false;
};

struct DemoOptions {
	bool json = false;
	uint32_t entries = 1000;
	std::string probe = "auto"; // --hook, as for trace
};

// serve: trace continuously, export Prometheus metrics (docs/metrics.md).
struct ServeOptions {
	std::string listen = "127.0.0.1:9862";
	std::vector<uint32_t> ids;
	std::vector<std::string> names, pinned;
	uint32_t pid = 0;
	std::string probe = "auto"; // --hook: auto | fentry | kprobe | tracepoint | raw_tp
	double digest_interval = 60;      // seconds
	uint64_t ringbuf_bytes = 16u << 20;
	// --walk-events: per-call events (restarts, duplicates) instead of the
	// kernel's aggregates (README "Always-on")
	bool walk_events = false;
};

// top: a live view of map iteration, one row per map.
struct TopOptions {
	std::vector<uint32_t> ids;
	std::vector<std::string> names, pinned;
	std::vector<uint32_t> pids;     // -p, repeatable, as trace's; empty = every process
	std::string comm;               // --comm, as trace's; empty = every thread
	double interval = 1;            // seconds between refreshes
	std::string sort = "calls";     // calls | walks | p99 | lost | restarts
	uint32_t count = 0;             // refreshes before exiting; 0 = until q
	double digest_interval = 10;    // seconds between entry counts
};

// The commands; each returns an exit code from base/error.hpp or throws
// tmi::Error.
int run_trace(const TraceOptions &o);
int run_dump(const DumpOptions &o);
int run_diff(const DiffOptions &o);
int run_buckets(const BucketsOptions &o);
int run_audit(const AuditOptions &o);
int run_demo(const DemoOptions &o);
int run_serve(const ServeOptions &o);
int run_top(const TopOptions &o);

} // namespace tmi
