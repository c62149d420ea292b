// main.cpp: wires the command line to the commands. Prints one line per
// failure, "error: <what>: <why>" (a JSON line {"type":"error",...} on
// stdout under -j, as bpftool does), and exits non-zero on every failure.
#include <fmt/format.h>

#include <cstdio>

#include "base/error.hpp"
#include "base/host.hpp"
#include "base/version.hpp"
#include "cli/cli.hpp"

namespace {

template <class... F> struct overloaded : F... {
	using F::operator()...;
};
template <class... F> overloaded(F...) -> overloaded<F...>;

int run(const tmi::CommandOptions &c)
{
	return std::visit(overloaded{
				  [](const tmi::TraceOptions &o) { return tmi::run_trace(o); },
				  [](const tmi::DumpOptions &o) { return tmi::run_dump(o); },
				  [](const tmi::DiffOptions &o) { return tmi::run_diff(o); },
				  [](const tmi::BucketsOptions &o) { return tmi::run_buckets(o); },
				  [](const tmi::AuditOptions &o) { return tmi::run_audit(o); },
				  [](const tmi::DemoOptions &o) { return tmi::run_demo(o); },
				  [](const tmi::ServeOptions &o) { return tmi::run_serve(o); },
				  [](const tmi::TopOptions &o) { return tmi::run_top(o); },
			  },
			  c);
}

void report(const char *what, bool json)
{
	// Under -j the error is a JSON line on stdout; stdout may be what
	// failed, and then the error still reaches stderr as text.
	if (json) {
		std::string line = tmi::error_line(what, true);
		if (std::fputs(line.c_str(), stdout) >= 0 && std::fflush(stdout) == 0)
			return;
	}
	tmi::print_error(stderr, what, false);
}

} // namespace

int main(int argc, char **argv)
{
	bool json = false;
	tmi::return_freed_memory();
	try {
		tmi::ParsedCommandLine cl = tmi::parse_command_line(argc, argv);
		if (!cl.command)
			return cl.exit_code;
		json = tmi::wants_json(*cl.command);
		return run(*cl.command);
	} catch (const tmi::Error &e) {
		report(e.what(), json);
		return e.exit_code();
	} catch (const std::exception &e) {
		report(e.what(), json);
		return tmi::kExitError;
	}
}
