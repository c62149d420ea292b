// cmd_top.cpp: `trace-map-iter top [--map-id ID]... [--map-name NAME]...
// [--pinned PATH]... [-p PID]... [--comm NAME] [-i SEC]
// [--sort calls|walks|p99|lost|restarts] [-n COUNT] [--digest-interval SEC]`.
//
// A live view of map iteration on the node, one row per map, riding the
// same engine as serve (live/live_tracing.hpp). Full screen (ncurses) when
// stdout is a terminal; otherwise a plain table per interval, stamped with
// the time, then each hash map's bucket strip and slowest calls. Ends on q, SIGINT/SIGTERM, or after COUNT intervals (exit 0).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>

#include "base/error.hpp"
#include "base/signals.hpp"
#include "cli/options.hpp"
#include "live/live_tracing.hpp"
#include "live/top_screen.hpp"
#include "live/top_table.hpp"
#include "maps/maps.hpp"
#include "trace/output.hpp"

namespace tmi {

namespace {

void print_plain(const LiveEngine &engine, TopSort sort)
{
	std::time_t now = std::time(nullptr);
	char ts[32];
	std::strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
	std::string out = fmt::format("{} - sort: {}\n{}\n", ts, top_sort_name(sort), top_header(1000));
	auto maps = engine.snapshot();
	auto rows = top_rows(maps, sort);
	for (auto &r : rows)
		out += top_line(r, 1000) + "\n";
	// What the detail pane adds for hash maps, in the rows' order.
	std::map<uint32_t, const LiveMapState *> by_id;
	for (auto &m : maps)
		by_id[m.label.id] = &m;
	for (auto &r : rows) {
		const LiveMapState &m = *by_id.at(r.id);
		if (!is_hash_family(m.label.type))
			continue;
		out += fmt::format("\nmap {} ({}):\n", r.id, printable(r.name));
		for (auto &line : top_hash_detail(m, 1000))
			if (!line.empty())
				out += line + "\n";
	}
	fmt::print("{}\n", out);
	std::fflush(stdout);
}

// " (pids 1, 2; comm NAME)" for the Tracing line; "" without filters.
std::string filters(const TopOptions &o)
{
	std::vector<std::string> parts;
	if (!o.pids.empty())
		parts.push_back(fmt::format("pid{} {}", o.pids.size() > 1 ? "s" : "",
					    fmt::join(o.pids, ", ")));
	if (!o.comm.empty())
		parts.push_back("comm " + printable(o.comm));
	return parts.empty() ? "" : fmt::format(" ({})", fmt::join(parts, "; "));
}

} // namespace

int run_top(const TopOptions &o)
{
	auto sort = parse_top_sort(o.sort);
	if (!sort)
		throw Error(fmt::format("invalid --sort '{}': expected calls, walks, p99, lost or restarts",
					o.sort));
	LiveConfig cfg;
	cfg.ids = o.ids;
	cfg.names = o.names;
	cfg.pinned = o.pinned;
	cfg.pids = o.pids;
	cfg.comm = o.comm;
	cfg.tick = o.interval;
	cfg.digest_interval = o.digest_interval;
	// top's detail pane shows each map's slowest recent calls: they need
	// an event per call (serve counts in the kernel by default instead).
	cfg.walk_events = true;

	install_stop_handlers();
	// On a full screen, stderr lines would tear the view: they are kept
	// (the first 4 KiB; the refresher thread adds to them too) and printed
	// at the end.
	std::mutex warnings_mu;
	std::string warnings;
	LiveTracing live(cfg, [&](std::string_view w) {
		std::lock_guard lock(warnings_mu);
		if (warnings.size() < 4096)
			warnings += fmt::format("warning: {}\n", w);
	});
	bool tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	uint32_t ticks = 0;
	bool quit = false;
	auto done = [&] { return quit || stop_requested() || (o.count && ticks >= o.count); };
	if (tty) {
		TopScreen screen(live.engine(), *sort);
		screen.draw();
		live.run([&] { quit = quit || !screen.handle_keys(); return done(); },
			 [&] {
				 ticks++;
				 screen.draw();
			 });
	} else {
		fmt::print(stderr, "Tracing {}{}; a table every {} s.\n", live.describe(),
			   filters(o), o.interval);
		live.run(done, [&] {
			ticks++;
			print_plain(live.engine(), *sort);
		});
	}
	std::lock_guard lock(warnings_mu);
	fmt::print(stderr, "{}", warnings);
	return kExitOk;
}

} // namespace tmi
