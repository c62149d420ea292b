// cmd_trace.cpp: `trace-map-iter [--map-id ID]... [--map-name NAME]...
// [--pinned PATH]... [-p PID]... [--comm NAME] [-d SEC] [-i SEC] [-j] [--order MODE]
// [--ringbuf-size BYTES] [--exact-cursor] [--probe KIND] [--top N] [--sort KEY] [-v]`:
// the default command.
//
// Resolves the selected maps (read-only), starts a TraceSession, prints the
// "Tracing" line to stderr once every probe is attached, and runs until
// SIGINT/SIGTERM/SIGHUP or -d; then prints the summaries and exits 0.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli/options.hpp"
#include "base/error.hpp"
#include "base/output_file.hpp"
#include "maps/maps.hpp"
#include "base/signals.hpp"
#include "trace/trace_session.hpp"

namespace tmi {

namespace {

constexpr int kPollMs = 50; // drain period: the ring is written without wake-ups

std::chrono::steady_clock::duration seconds(double s)
{
	return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
		std::chrono::duration<double>(s));
}

OrderMode parse_order(const std::string &order)
{
	if (order == "none")
		return OrderMode::None;
	if (order == "full")
		return OrderMode::Full;
	return OrderMode::Fingerprint;
}

// Opens each selected map read-only to check it exists and learn its
// name; fills cfg.map_ids. No selection = every map.
std::map<uint32_t, MapLabel> select_maps(const TraceOptions &o, TraceConfig &cfg)
{
	std::vector<MapSelector> sels;
	for (auto id : o.ids)
		sels.push_back({MapSelector::Kind::Id, std::to_string(id)});
	for (auto &n : o.names)
		sels.push_back({MapSelector::Kind::Name, n});
	for (auto &p : o.pinned)
		sels.push_back({MapSelector::Kind::Pinned, p});
	std::map<uint32_t, MapLabel> labels;
	for (auto &sel : sels)
		for (auto &m : open_maps(sel)) {
			labels[m.info.id] = {m.info.id, m.info.name, m.info.type};
			cfg.map_ids.push_back(m.info.id);
		}
	return labels;
}

std::string describe(const std::map<uint32_t, MapLabel> &labels)
{
	if (labels.empty())
		return "every map";
	if (labels.size() > 5) { // thousands of maps: one short line
		std::vector<uint32_t> ids;
		for (auto &[id, l] : labels)
			ids.push_back(id);
		return describe_map_ids(ids);
	}
	std::string s;
	for (auto &[id, l] : labels)
		s += fmt::format("{}map {} ({})", s.empty() ? "" : ", ", id, printable(l.name));
	return s;
}

} // namespace

int run_trace(const TraceOptions &o)
{
	if (!valid_ringbuf_size(o.ringbuf_bytes))
		throw Error(fmt::format("invalid --ringbuf-size {}: must be a power of two "
					"between the page size and 2 GiB", o.ringbuf_bytes));
	TraceConfig cfg;
	cfg.ringbuf_bytes = o.ringbuf_bytes;
	cfg.verbose = o.verbose;
	cfg.exact_cursor = o.exact_cursor;
	cfg.hook = *parse_hook_kind(o.probe); // cli.cpp checked it
	auto labels = select_maps(o, cfg);
	// -o: a temporary beside FILE, renamed over it when tracing ends
	// (base/output_file.hpp); "-" or none: stdout.
	OutputFile file = OutputFile::open(o.output.empty() ? "-" : o.output);
	auto out = o.json ? make_json_output(file.stream()) : make_text_output(file.stream(), stderr);

	install_stop_handlers();
	SessionConfig sc{.order = parse_order(o.order), .intervals = o.interval > 0,
			 .sort = o.sort.empty() ? std::nullopt : parse_summary_sort(o.sort),
			 .top = o.top, .pids = o.pids, .comm = o.comm, .ringbuf_bytes = o.ringbuf_bytes,
			 .aggregate = parse_order(o.order) == OrderMode::None};
	TraceSession session(cfg, sc, *out, labels);
	fmt::print(stderr, "Tracing get_next_key and lookup batches on {} via {}... Hit Ctrl-C to end.\n",
		   describe(labels), session.hook_name());
	std::fflush(stderr);

	using clock = std::chrono::steady_clock;
	auto start = clock::now(), next_interval = start + seconds(o.interval);
	while (!stop_requested()) {
		session.poll(kPollMs);
		auto now = clock::now();
		if (o.duration > 0 && now - start >= seconds(o.duration))
			break;
		if (o.interval > 0 && now >= next_interval) {
			session.print_interval();
			next_interval += seconds(o.interval);
		}
	}
	session.finish();
	file.commit();
	flush_stdout_checked();
	return kExitOk;
}

} // namespace tmi
