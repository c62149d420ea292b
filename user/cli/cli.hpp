// cli.hpp: the command line. The only interface to CLI11 (compiled in
// cli.cpp alone: CLI11 is header-only and costs seconds per file).
// Contract: parse_command_line either returns one command's options, checked
// (numbers finite and in range, exclusive options refused), or says which
// exit code to return now: 0 after --help/--version, 2 after a usage error
// (already reported on stderr as one "error: ..." line).
#pragma once

#include <optional>
#include <variant>

#include "cli/options.hpp"

namespace tmi {

using CommandOptions = std::variant<TraceOptions, DumpOptions, DiffOptions, BucketsOptions,
				    AuditOptions, DemoOptions>;

struct ParsedCommandLine {
	std::optional<CommandOptions> command; // empty: exit with exit_code now
	int exit_code = 0;
};

ParsedCommandLine parse_command_line(int argc, char **argv);

// Whether the command asked for JSON output (-j): its errors are then JSON
// lines too, as bpftool's -j does.
bool wants_json(const CommandOptions &c);

} // namespace tmi
