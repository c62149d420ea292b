// command.hpp: the command table. Each command registers its options on the
// CLI and runs when selected; main only wires them together.
// Contract: run() returns an exit code from error.hpp or throws tmi::Error.
#pragma once

#include <memory>
#include <vector>

namespace CLI {
class App;
}

namespace tmi {

class Command {
public:
	virtual ~Command() = default;
	// Adds a subcommand (or, for the default command, options) to `root`.
	virtual void add_to(CLI::App &root) = 0;
	virtual bool selected() const = 0;
	virtual int run() = 0;
};

// The default command (no subcommand): trace.
std::unique_ptr<Command> make_trace_command();
std::unique_ptr<Command> make_demo_command();
std::unique_ptr<Command> make_dump_command();
std::unique_ptr<Command> make_diff_command();
std::unique_ptr<Command> make_buckets_command();
std::unique_ptr<Command> make_audit_command();

} // namespace tmi
