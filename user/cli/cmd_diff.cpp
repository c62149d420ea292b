// cmd_diff.cpp: `trace-map-iter diff A B [-j]`.
//
// Each side is a canonical dump file or a live map (`id:N`, `pinned:PATH`,
// `name:NAME`). Prints one line per difference, in key order:
// `- KEY VALUE` (only in A), `+ KEY VALUE` (only in B), `~ KEY A_VALUE B_VALUE`
// (changed), and `! FIELD A B` when map_type, key_size or value_size differ;
// a count on stderr; exits 0 identical, 1 different, 2 trouble, like diff(1).
// -j writes JSON lines {"op":"-|+|~|!",...} instead.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/output_file.hpp"
#include "canon/canon_diff.hpp"
#include "cli/command.hpp"
#include "base/error.hpp"

namespace tmi {

namespace {

class DiffCommand final : public Command {
public:
	void add_to(CLI::App &root) override
	{
		app_ = root.add_subcommand("diff", "Compare two dumps or maps (id:N, pinned:PATH, name:NAME)");
		app_->add_option("A", a_, "Dump file or map selector")->required();
		app_->add_option("B", b_, "Dump file or map selector")->required();
		app_->add_flag("-j,--json", json_, "JSON lines output");
		app_->footer("EXAMPLES:\n    trace-map-iter diff node1.jsonl node2.jsonl\n"
			     "    trace-map-iter diff node1.jsonl id:42\n");
	}
	bool selected() const override { return app_->parsed(); }

	int run() override
	{
		DumpSide a = load_dump_side(a_), b = load_dump_side(b_);
		DiffCounts p = write_diff(a, b, json_, stdout);
		flush_stdout_checked();
		if (p.total() == 0) {
			fmt::print(stderr, "identical: {} entries, sha256 {}\n", a.dump.size(),
				   a.dump.header().sha256);
			return kExitOk;
		}
		fmt::print(stderr, "{} differences: {} only in A, {} only in B, {} changed{}\n",
			   p.total(), p.only_a, p.only_b, p.changed,
			   p.fields ? fmt::format(", {} header fields", p.fields) : "");
		return kExitDiffers;
	}

private:
	CLI::App *app_ = nullptr;
	std::string a_, b_;
	bool json_ = false;
};

} // namespace

std::unique_ptr<Command> make_diff_command() { return std::make_unique<DiffCommand>(); }

} // namespace tmi
