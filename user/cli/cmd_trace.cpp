// cmd_trace.cpp: `trace-map-iter [--map-id ID]... [--map-name NAME]...
// [--pinned PATH]... [-p PID] [-d SEC] [-i SEC] [-j] [--order MODE]
// [--ringbuf-size BYTES] [--exact-cursor] [--probe KIND] [-v]`: the default command.
//
// Resolves the selected maps (read-only), starts a TraceSession, prints the
// "Tracing" line to stderr once every probe is attached, and runs until
// SIGINT/SIGTERM or -d; then prints the summaries and exits 0.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cli/command.hpp"
#include "base/error.hpp"
#include "maps/maps.hpp"
#include "base/signals.hpp"
#include "trace/trace_session.hpp"

namespace tmi {

namespace {

constexpr int kPollMs = 50; // drain period: the ring is written without wake-ups

class TraceCommand final : public Command {
public:
	void add_to(CLI::App &app) override
	{
		app.add_option("--map-id", ids_, "Trace the map with this id (repeatable)")
			->check(CLI::PositiveNumber);
		app.add_option("--map-name", names_, "Trace every map with this name (repeatable)");
		app.add_option("--pinned", pinned_, "Trace the map pinned at PATH (repeatable)");
		app.add_option("-p,--pid", pid_, "Trace only this process")->check(CLI::PositiveNumber);
		app.add_option("-d,--duration", duration_, "Stop after SEC seconds")
			->check(CLI::PositiveNumber);
		app.add_option("-i,--interval", interval_, "Print summaries every SEC seconds")
			->check(CLI::PositiveNumber);
		app.add_flag("-j,--json", json_, "JSON lines output (see README)");
		app.add_option("--order", order_, "Walk order recording: none, fingerprint (sha256), full")
			->check(CLI::IsMember({"none", "fingerprint", "full"}));
		app.add_option("--ringbuf-size", ringbuf_, "Ring buffer bytes (power of two)");
		app.add_flag("--exact-cursor", exact_cursor_,
			     "Copy every cursor key, even the buffer the previous call returned into "
			     "(~0.1 us more per call; see README)");
		app.add_option("--probe", probe_, "Probe pair: tracepoint (syscalls:sys_*_bpf) or raw_tp "
			       "(raw sys_enter/sys_exit: cheaper per bpf() call, runs on every syscall)")
			->check(CLI::IsMember({"tracepoint", "raw_tp"}));
		app.add_flag("-v,--verbose", verbose_, "libbpf debug output");
	}

	bool selected() const override { return true; }

	int run() override
	{
		if (!valid_ringbuf_size(ringbuf_))
			throw Error(fmt::format("invalid --ringbuf-size {}: must be a power of two "
						"between the page size and 2 GiB", ringbuf_));
		TraceConfig cfg;
		cfg.pid = pid_;
		cfg.ringbuf_bytes = ringbuf_;
		cfg.verbose = verbose_;
		cfg.exact_cursor = exact_cursor_;
		cfg.probe = probe_ == "raw_tp" ? ProbeKind::RawTracepoint : ProbeKind::Tracepoint;
		auto labels = select_maps(cfg);
		auto out = json_ ? make_json_output(stdout) : make_text_output(stdout, stderr);

		install_stop_handlers();
		TraceSession session(cfg, parse_order(), *out, labels);
		fmt::print(stderr, "Tracing get_next_key and lookup batches on {}... Hit Ctrl-C to end.\n",
			   describe(labels));
		std::fflush(stderr);

		using clock = std::chrono::steady_clock;
		auto start = clock::now(), next_interval = start + seconds(interval_);
		while (!stop_requested()) {
			session.poll(kPollMs);
			auto now = clock::now();
			if (duration_ > 0 && now - start >= seconds(duration_))
				break;
			if (interval_ > 0 && now >= next_interval) {
				session.print_interval();
				next_interval += seconds(interval_);
			}
		}
		session.finish();
		return kExitOk;
	}

private:
	static std::chrono::steady_clock::duration seconds(double s)
	{
		return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
			std::chrono::duration<double>(s));
	}

	OrderMode parse_order() const
	{
		if (order_ == "none")
			return OrderMode::None;
		if (order_ == "full")
			return OrderMode::Full;
		return OrderMode::Fingerprint;
	}

	// Opens each selected map read-only to check it exists and learn its
	// name; fills cfg.map_ids. No selection = every map.
	std::map<uint32_t, MapLabel> select_maps(TraceConfig &cfg) const
	{
		std::vector<MapSelector> sels;
		for (auto id : ids_)
			sels.push_back({MapSelector::Kind::Id, std::to_string(id)});
		for (auto &n : names_)
			sels.push_back({MapSelector::Kind::Name, n});
		for (auto &p : pinned_)
			sels.push_back({MapSelector::Kind::Pinned, p});
		std::map<uint32_t, MapLabel> labels;
		for (auto &sel : sels)
			for (auto &m : open_maps(sel)) {
				labels[m.info.id] = {m.info.id, m.info.name, m.info.type};
				cfg.map_ids.push_back(m.info.id);
			}
		return labels;
	}

	static std::string describe(const std::map<uint32_t, MapLabel> &labels)
	{
		if (labels.empty())
			return "every map";
		std::string s;
		for (auto &[id, l] : labels)
			s += fmt::format("{}map {} ({})", s.empty() ? "" : ", ", id, l.name);
		return s;
	}

	std::vector<uint32_t> ids_;
	std::vector<std::string> names_, pinned_;
	uint32_t pid_ = 0;
	double duration_ = 0, interval_ = 0;
	bool json_ = false, verbose_ = false, exact_cursor_ = false;
	std::string order_ = "fingerprint";
	std::string probe_ = "tracepoint";
	uint64_t ringbuf_ = 16u << 20;
};

} // namespace

std::unique_ptr<Command> make_trace_command() { return std::make_unique<TraceCommand>(); }

} // namespace tmi
