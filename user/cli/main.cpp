// main.cpp: wires the command table to the CLI. Prints one line,
// "error: <what>: <why>", and exits non-zero on every failure.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.hpp"
#include "base/error.hpp"

int main(int argc, char **argv)
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
Exit codes: 0 ok, 1 differences found, 2 error, 3 map never held still.)");
	app.require_subcommand(0, 1);

	std::vector<std::unique_ptr<tmi::Command>> commands;
	commands.push_back(tmi::make_demo_command());
	commands.push_back(tmi::make_dump_command());
	commands.push_back(tmi::make_diff_command());
	commands.push_back(tmi::make_buckets_command());
	commands.push_back(tmi::make_audit_command());
	commands.push_back(tmi::make_trace_command()); // the default: last
	for (auto &c : commands)
		c->add_to(app);

	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return app.exit(e);
		fmt::print(stderr, "error: {}\n", e.what());
		return tmi::kExitError;
	}

	try {
		for (auto &c : commands)
			if (c->selected())
				return c->run();
	} catch (const tmi::Error &e) {
		fmt::print(stderr, "error: {}\n", e.what());
		return e.exit_code();
	} catch (const std::exception &e) {
		fmt::print(stderr, "error: {}\n", e.what());
		return tmi::kExitError;
	}
	return tmi::kExitOk;
}
