// cli.cpp: every command's options on CLI11, with their checks and examples.
// See cli.hpp for the contract.
#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>

#include "base/error.hpp"
#include "base/version.hpp"

namespace tmi {

namespace {

// Longest -d/-i accepted: a year. Beyond it a steady_clock duration in ns
// still fits, but no user means it; nan and inf are refused too.
constexpr double kMaxSeconds = 365.0 * 24 * 3600;

const auto kSeconds = CLI::Validator(
	[](std::string &s) -> std::string {
		double v = 0;
		try {
			size_t used = 0;
			v = std::stod(s, &used);
			if (used != s.size())
				return fmt::format("'{}' is not a number of seconds", s);
		} catch (const std::exception &) {
			return fmt::format("'{}' is not a number of seconds", s);
		}
		if (!std::isfinite(v) || v <= 0 || v > kMaxSeconds)
			return fmt::format("'{}' is not between 0 and {} seconds (exclusive of 0)", s,
					   kMaxSeconds);
		return {};
	},
	"SEC", "seconds");

// --hook (alias --probe, its old name) for every command that traces.
void add_hook(CLI::App *app, std::string &hook)
{
	app->add_option("--hook,--probe", hook,
			"Hook: auto (the first that loads of fentry, kprobe, tracepoint, raw_tp), "
			"fentry, kprobe, tracepoint or raw_tp (README \"Hooks\")")
		->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint", "raw_tp"}))
		->capture_default_str();
}

// --map-id/--map-name/--pinned, each repeatable: trace, serve and top.
void add_map_selection(CLI::App *app, const char *verb, std::vector<uint32_t> &ids,
		       std::vector<std::string> &names, std::vector<std::string> &pinned)
{
	app->add_option("--map-id", ids, fmt::format("{} the map with this id (repeatable)", verb))
		->check(CLI::PositiveNumber);
	app->add_option("--map-name", names,
			fmt::format("{} every map with this name (repeatable)", verb));
	app->add_option("--pinned", pinned,
			fmt::format("{} the map pinned at PATH (repeatable)", verb));
}

// -p/--pid (repeatable) and --comm: trace and top (one filter, the session's).
void add_process_filters(CLI::App *app, const char *verb, std::vector<uint32_t> &pids,
			 std::string &comm)
{
	app->add_option("-p,--pid", pids,
			fmt::format("{} only these processes (repeatable; one is filtered in the "
				    "kernel, several in userspace)", verb))
		->check(CLI::PositiveNumber);
	app->add_option("--comm", comm, fmt::format("{} only threads with this comm", verb))
		->check([](const std::string &s) { return s.empty() ? "empty --comm" : ""; });
}

void add_one_map(CLI::App *app, OneMapOptions &m)
{
	app->add_option("--map-id", m.id, "The map's id")->check(CLI::PositiveNumber);
	app->add_option("--pinned", m.pinned, "The map pinned at PATH");
	app->add_option("--map-name", m.name, "The map with this name (must be unique)");
}

void add_trace(CLI::App &app, TraceOptions &o)
{
	add_map_selection(&app, "Trace", o.ids, o.names, o.pinned);
	add_process_filters(&app, "Trace", o.pids, o.comm);
	app.add_option("--top", o.top, "Show at most N maps per summary block")
		->check(CLI::PositiveNumber);
	app.add_option("--sort", o.sort, "Order summaries by calls, walks, p99, lost or restarts "
		       "(descending; default: map id, or calls with --top)")
		->check(CLI::IsMember({"calls", "walks", "p99", "lost", "restarts"}));
	app.add_option("-d,--duration", o.duration, "Stop after SEC seconds")->check(kSeconds);
	app.add_option("-i,--interval", o.interval, "Print summaries every SEC seconds")
		->check(kSeconds);
	app.add_flag("-j,--json", o.json, "JSON lines output (see README)");
	app.add_option("-o,--output", o.output,
		       "Write the records to FILE (created safely, in place when tracing ends)");
	app.add_option("--order", o.order, "Walk order recording: none (counted in the kernel, summaries only), "
		       "fingerprint (sha256), full")
		->check(CLI::IsMember({"none", "fingerprint", "full"}))
		->capture_default_str();
	app.add_option("--ringbuf-size", o.ringbuf_bytes,
		       "Ring buffer bytes (a power of two, at least a page)")
		->capture_default_str();
	app.add_flag("--exact-cursor", o.exact_cursor,
		     "Copy every cursor key, even the buffer the previous call returned into "
		     "(~0.1 us more per call; see README)");
	add_hook(&app, o.probe);
	app.add_flag("-v,--verbose", o.verbose, "libbpf debug output");
}

CLI::App *add_dump(CLI::App &root, DumpOptions &o)
{
	auto *app = root.add_subcommand("dump", "Write a canonical dump of a map's contents");
	add_one_map(app, o.map);
	auto *out = app->add_option("-o,--output", o.output, "Write to FILE instead of stdout");
	auto *fmt_opt = app->add_option("--format", o.format, "jsonl (canonical) or table")
				->check(CLI::IsMember({"jsonl", "table"}))
				->capture_default_str();
	app->add_flag("--consistent{3}", o.consistent,
		      "Read until two passes agree (at most N passes, default 3)")
		->check(CLI::Range(2, 100));
	auto *digest = app->add_flag("--digest", o.digest_only, "Print only the SHA-256 digest");
	auto *expect = app->add_option("--expect", o.expect,
				       "Exit 0 if the digest is SHA (64 hex digits), 1 if not");
	expect->excludes(digest)->excludes(out)->excludes(fmt_opt);
	app->add_flag("--raw", o.raw, "Leave out the typed (BTF) rendering");
	app->add_flag("--fsync", o.fsync, "fsync FILE before renaming it into place (durable, slower)")
		->needs(out);
	app->footer("EXAMPLES:\n    trace-map-iter dump --map-id 42 -o node1.jsonl\n"
		    "    trace-map-iter dump --pinned /sys/fs/bpf/conntrack --digest\n"
		    "    trace-map-iter dump --map-name counters --expect 3f0a...\n");
	return app;
}

CLI::App *add_diff(CLI::App &root, DiffOptions &o)
{
	auto *app = root.add_subcommand("diff",
					"Compare two dumps or maps (id:N, pinned:PATH, name:NAME)");
	app->add_option("A", o.a, "Dump file or map selector")->required();
	app->add_option("B", o.b, "Dump file or map selector")->required();
	app->add_flag("-j,--json", o.json, "JSON lines output");
	app->footer("EXAMPLES:\n    trace-map-iter diff node1.jsonl node2.jsonl\n"
		    "    trace-map-iter diff node1.jsonl id:42\n");
	return app;
}

CLI::App *add_buckets(CLI::App &root, BucketsOptions &o)
{
	auto *app = root.add_subcommand("buckets",
					"Show a hash map's bucket array: chains, empty runs");
	add_one_map(app, o.map);
	app->add_flag("-j,--json", o.json, "One JSON object (see README)");
	app->add_option("--top", o.top, "How many hottest buckets")
		->check(CLI::Range(0, 100000))
		->capture_default_str();
	app->add_option("--svg", o.svg, "Draw the bucket array as a heat strip into FILE");
	app->footer("EXAMPLES:\n    trace-map-iter buckets --map-id 42 --top 5\n"
		    "    trace-map-iter buckets --map-name conntrack --svg strip.svg\n");
	return app;
}

CLI::App *add_audit(CLI::App &root, AuditOptions &o)
{
	auto *app = root.add_subcommand("audit", "Check a map's walk order against the kernel's model");
	add_one_map(app, o.map);
	app->add_option("--traced", o.traced, "Audit the walks in a tracer JSON file (--order full)");
	app->add_flag("-j,--json", o.json, "JSON lines output (one object per audited walk)");
	app->footer("EXAMPLES:\n    trace-map-iter audit --map-id 42\n"
		    "    trace-map-iter --map-id 42 --order full -j -d 10 > t.jsonl && "
		    "trace-map-iter audit --traced t.jsonl\n");
	return app;
}

CLI::App *add_demo(CLI::App &root, DemoOptions &o)
{
	auto *app = root.add_subcommand("demo", "Trace a demo map while a child walks it");
	app->add_flag("-j,--json", o.json, "JSON lines output");
	app->add_option("--entries", o.entries, "Entries in the demo map")
		->check(CLI::Range(1u, 1u << 20))
		->capture_default_str();
	add_hook(app, o.probe);
	app->footer("EXAMPLES:\n    trace-map-iter demo\n    trace-map-iter demo -j --entries 10\n");
	return app;
}

CLI::App *add_serve(CLI::App &root, ServeOptions &o)
{
	auto *app = root.add_subcommand(
		"serve", "Trace continuously and serve Prometheus metrics at /metrics (docs/metrics.md)");
	app->add_option("--listen", o.listen, "Listen on ADDR:PORT (IPv4; port 0: any free port)")
		->capture_default_str();
	add_map_selection(app, "Trace", o.ids, o.names, o.pinned);
	app->add_option("-p,--pid", o.pid, "Trace only this process")->check(CLI::PositiveNumber);
	add_hook(app, o.probe);
	app->add_option("--digest-interval", o.digest_interval,
			"Read each map's digest, entries and bucket stats every SEC seconds")
		->check(kSeconds)
		->capture_default_str();
	app->add_option("--ringbuf-size", o.ringbuf_bytes,
			"Ring buffer bytes (a power of two, at least a page; with --walk-events)")
		->capture_default_str();
	app->add_flag("--walk-events", o.walk_events,
		      "Send an event per call so walk restarts and duplicates are counted "
		      "(costs more per call than the default in-kernel counts)");
	app->footer("EXAMPLES:\n    trace-map-iter serve --map-name policy\n"
		    "    trace-map-iter serve --listen 0.0.0.0:9862 --digest-interval 300\n"
		    "    curl -s http://127.0.0.1:9862/metrics | grep tmi_map_digest_info\n");
	return app;
}

CLI::App *add_top(CLI::App &root, TopOptions &o)
{
	auto *app = root.add_subcommand("top", "A live view of map iteration, one row per map");
	add_map_selection(app, "Show", o.ids, o.names, o.pinned);
	add_process_filters(app, "Count", o.pids, o.comm);
	app->add_option("-i,--interval", o.interval, "Refresh every SEC seconds")
		->check(kSeconds)
		->capture_default_str();
	app->add_option("--sort", o.sort, "Sort by calls, walks, p99, lost or restarts")
		->check(CLI::IsMember({"calls", "walks", "p99", "lost", "restarts"}))
		->capture_default_str();
	app->add_option("-n,--count", o.count, "Exit after COUNT refreshes (0: at q)")
		->capture_default_str();
	app->add_option("--digest-interval", o.digest_interval,
			"Count each map's entries every SEC seconds")
		->check(kSeconds)
		->capture_default_str();
	app->footer("KEYS: q quit; Up/Down/PgUp/PgDn scroll; c w p l r sort by calls/s, walks/s,\n"
		    "p99, lost, restarts; Enter opens/closes the selected map's detail.\n"
		    "EXAMPLES:\n    trace-map-iter top\n    trace-map-iter top --sort walks -i 2\n"
		    "    trace-map-iter top -p 1234 -p 5678 --comm cilium-agent\n"
		    "    trace-map-iter top -n 5 --map-name conntrack > top.txt\n");
	return app;
}

// Checks that need more than one option's value, or a value CLI11 can't
// check (an empty --expect: an unset $SHA must not pass).
void check_dump(const DumpOptions &o)
{
	if (o.expect_given && o.expect.empty())
		throw Error("invalid --expect: empty (is the variable holding the digest set?)");
}

} // namespace

ParsedCommandLine parse_command_line(int argc, char **argv)
{
	CLI::App app{"trace-map-iter: trace BPF map walks; dump, diff and analyse map contents"};
	app.footer(R"(EXAMPLES:
    trace-map-iter --map-id 42            # trace every walk over map 42
    trace-map-iter --map-name conntrack -d 10 -j
    trace-map-iter -p 1234 --order full   # every map, one process, full key order
    trace-map-iter dump --map-id 42 --digest
    trace-map-iter diff nodeA.jsonl id:42
    trace-map-iter buckets --map-id 42 --top 5
    trace-map-iter audit --map-id 42
    trace-map-iter demo
    trace-map-iter serve --map-name policy   # Prometheus metrics at 127.0.0.1:9862/metrics
    trace-map-iter top                       # live view of map walks, one row per map
Exit codes: 0 ok, 1 differences found, 2 error, 3 map never held still.)");
	app.require_subcommand(0, 1);
	bool show_version = false;
	app.add_flag("--version", show_version, "Print the version and exit (JSON with -j)");

	TraceOptions trace;
	DumpOptions dump;
	DiffOptions diff;
	BucketsOptions buckets;
	AuditOptions audit;
	DemoOptions demo;
	ServeOptions serve;
	TopOptions top;
	add_trace(app, trace);
	auto *dump_app = add_dump(app, dump);
	auto *diff_app = add_diff(app, diff);
	auto *buckets_app = add_buckets(app, buckets);
	auto *audit_app = add_audit(app, audit);
	auto *demo_app = add_demo(app, demo);
	auto *serve_app = add_serve(app, serve);
	auto *top_app = add_top(app, top);

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return {std::nullopt, app.exit(e)};
		fmt::print(stderr, "error: {}\n", e.what());
		return {std::nullopt, kExitError};
	}

	if (show_version) {
		fmt::print("{}\n", trace.json ? version_json() : version_line());
		return {std::nullopt, kExitOk};
	}
	if (dump_app->parsed()) {
		dump.expect_given = dump_app->count("--expect") > 0;
		check_dump(dump);
		return {dump};
	}
	if (diff_app->parsed())
		return {diff};
	if (buckets_app->parsed())
		return {buckets};
	if (audit_app->parsed())
		return {audit};
	if (demo_app->parsed())
		return {demo};
	if (serve_app->parsed())
		return {serve};
	if (top_app->parsed())
		return {top};
	return {trace};
}

bool wants_json(const CommandOptions &c)
{
	return std::visit(
		[](const auto &o) {
			if constexpr (requires { o.json; })
				return o.json;
			else
				return false;
		},
		c);
}

} // namespace tmi
