// cmd_dump.cpp: `trace-map-iter dump (--map-id ID | --pinned PATH | --map-name NAME)
// [-o FILE] [--format jsonl|table] [--consistent[=N]] [--digest] [--expect SHA] [--raw]`.
//
// Writes the canonical dump (docs/canonical-dump.md). --digest prints only
// the digest; --expect SHA exits 0 when the map's digest is SHA and 1 when
// not. --consistent reads until two successive passes agree (at most N,
// default 3) and exits 3 when the map never holds still.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "base/output_file.hpp"
#include "canon/canon_io.hpp"
#include "cli/command.hpp"
#include "base/error.hpp"
#include "cli/map_options.hpp"

namespace tmi {

namespace {

class DumpCommand final : public Command {
public:
	void add_to(CLI::App &root) override
	{
		app_ = root.add_subcommand("dump", "Write a canonical dump of a map's contents");
		map_.add_to(app_);
		app_->add_option("-o,--output", output_, "Write to FILE instead of stdout");
		app_->add_option("--format", format_, "jsonl (canonical, default) or table")
			->check(CLI::IsMember({"jsonl", "table"}));
		app_->add_flag("--consistent{3}", consistent_,
			       "Read until two passes agree (at most N passes, default 3)")
			->check(CLI::Range(2, 100));
		app_->add_flag("--digest", digest_only_, "Print only the SHA-256 digest");
		app_->add_option("--expect", expect_, "Exit 0 if the digest is SHA, 1 if not");
		app_->add_flag("--raw", raw_, "Leave out the typed (BTF) rendering");
		app_->footer("EXAMPLES:\n    trace-map-iter dump --map-id 42 -o node1.jsonl\n"
			     "    trace-map-iter dump --pinned /sys/fs/bpf/conntrack --digest\n"
			     "    trace-map-iter dump --map-name counters --expect 3f0a...\n");
	}
	bool selected() const override { return app_->parsed(); }

	int run() override
	{
		if (!expect_.empty()) {
			std::transform(expect_.begin(), expect_.end(), expect_.begin(), ::tolower);
			if (expect_.size() != 64 || expect_.find_first_not_of("0123456789abcdef") !=
							    std::string::npos)
				throw Error(fmt::format("invalid --expect {}: want 64 hex characters",
							expect_));
		}
		OpenMap map = open_one_map(map_.selector("dump"));
		std::optional<BtfRenderer> btf;
		CanonDump dump = read_consistent(map, btf);
		const std::string &sha = dump.header().sha256;

		if (!expect_.empty()) {
			if (sha == expect_)
				return kExitOk;
			fmt::print(stderr, "digest mismatch: map {} has {}, expected {}\n", map.info.id,
				   sha, expect_);
			return kExitDiffers;
		}
		write_output(dump, btf && !raw_ ? &*btf : nullptr);
		return kExitOk;
	}

private:
	CanonDump read_consistent(const OpenMap &map, std::optional<BtfRenderer> &btf) const
	{
		CanonDump dump = canonical_dump_of(map, &btf);
		if (consistent_ == 0)
			return dump;
		for (int pass = 2; pass <= consistent_; pass++) {
			CanonDump again = canonical_dump_of(map, &btf);
			if (again.header().sha256 == dump.header().sha256)
				return again;
			dump = std::move(again);
		}
		throw Error(fmt::format("map {} never held still: {} successive reads all differed",
					map.info.id, consistent_),
			    kExitUnstable);
	}

	void write_output(const CanonDump &dump, const BtfRenderer *btf) const
	{
		// Regular files: written whole to a temporary, then renamed (a
		// reader never sees a partial dump); every write checked.
		OutputFile out = OutputFile::open(output_.empty() ? "-" : output_);
		if (digest_only_)
			fmt::print(out.stream(), "{}\n", dump.header().sha256);
		else
			write_dump(dump, *dump_format_from_name(format_), out.stream(), btf);
		out.commit();
	}

	CLI::App *app_ = nullptr;
	OneMapOptions map_;
	std::string output_, format_ = "jsonl", expect_;
	int consistent_ = 0;
	bool digest_only_ = false, raw_ = false;
};

} // namespace

std::unique_ptr<Command> make_dump_command() { return std::make_unique<DumpCommand>(); }

} // namespace tmi
