// cmd_serve.cpp: `trace-map-iter serve [--listen ADDR:PORT] [--map-id ID]...
// [--map-name NAME]... [--pinned PATH]... [-p PID] [--probe KIND]
// [--digest-interval SEC] [--ringbuf-size BYTES]`.
//
// Traces continuously (live/live_tracing.hpp) and serves the engine's state
// at http://ADDR:PORT/metrics in the Prometheus text format (the contract:
// docs/metrics.md). Prints "Serving ..." on stderr once the probes are
// attached and the port is open; SIGINT/SIGTERM stop it within a second
// (exit 0). A port that can't be bound is one error line and exit 2.
#include <fmt/format.h>
#include <sys/utsname.h>

#include <cstdio>

#include "base/error.hpp"
#include "base/signals.hpp"
#include "base/version.hpp"
#include "cli/options.hpp"
#include "live/exporter.hpp"
#include "live/live_tracing.hpp"

namespace tmi {

namespace {

std::string kernel_release()
{
	struct utsname u {};
	return uname(&u) == 0 ? u.release : "unknown";
}

void warn(std::string_view msg)
{
	fmt::print(stderr, "warning: {}\n", msg);
	std::fflush(stderr);
}

} // namespace

int run_serve(const ServeOptions &o)
{
	if (!valid_ringbuf_size(o.ringbuf_bytes))
		throw Error(fmt::format("invalid --ringbuf-size {}: must be a power of two "
					"between the page size and 2 GiB", o.ringbuf_bytes));
	ListenAddress::parse(o.listen); // a bad address is refused before tracing starts
	LiveConfig cfg;
	cfg.ids = o.ids;
	cfg.names = o.names;
	cfg.pinned = o.pinned;
	if (o.pid)
		cfg.pids = {o.pid};
	cfg.hook = *parse_hook_kind(o.probe); // cli.cpp checked it
	cfg.ringbuf_bytes = o.ringbuf_bytes;
	cfg.digest_interval = o.digest_interval;
	cfg.walk_events = o.walk_events;

	install_stop_handlers();
	LiveTracing live(cfg, warn);
	MetricsServer server(live.engine(), BuildInfo{version(), std::string(live.hook_name()), kernel_release()},
			     o.listen);
	ListenAddress a = ListenAddress::parse(o.listen);
	fmt::print(stderr, "Serving http://{}/metrics (tracing {}); Ctrl-C or SIGTERM to stop.\n",
		   ListenAddress{a.host, uint16_t(server.port()), a.v6}.civetweb(), live.describe());
	std::fflush(stderr);
	live.run(stop_requested, nullptr);
	return kExitOk;
}

} // namespace tmi
