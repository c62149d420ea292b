// cmd_dump.cpp: `trace-map-iter dump (--map-id ID | --pinned PATH | --map-name NAME)
// [-o FILE] [--format jsonl|table] [--consistent[=N]] [--digest] [--expect SHA] [--raw]`.
//
// Writes the canonical dump (docs/canonical-dump.md). --digest prints only
// the digest; --expect SHA exits 0 when the map's digest is SHA and 1 when
// not. --consistent reads until two successive passes agree (at most N,
// default 3) and exits 3 when the map never holds still.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "base/output_file.hpp"
#include "canon/canon_io.hpp"
#include "base/error.hpp"
#include "cli/options.hpp"

namespace tmi {

namespace {

class DumpCommand {
public:
	explicit DumpCommand(const DumpOptions &o) : o_(o) {}

	int run()
	{
		std::string expect = o_.expect;
		std::transform(expect.begin(), expect.end(), expect.begin(), ::tolower);
		if (o_.expect_given && (expect.size() != 64 ||
					expect.find_first_not_of("0123456789abcdef") != std::string::npos))
			throw Error(fmt::format("invalid --expect '{}': want 64 hex characters", o_.expect));
		OpenMap map = open_one_map(o_.map.selector("dump"));
		std::optional<BtfRenderer> btf;
		CanonDump dump = read_consistent(map, btf);

		if (o_.expect_given) {
			const std::string &sha = dump.header().sha256;
			if (sha == expect)
				return kExitOk;
			fmt::print(stderr, "digest mismatch: map {} has {}, expected {}\n", map.info.id,
				   sha, expect);
			return kExitDiffers;
		}
		write_output(dump, btf && !o_.raw ? &*btf : nullptr);
		return kExitOk;
	}

private:
	CanonDump read_consistent(const OpenMap &map, std::optional<BtfRenderer> &btf) const
	{
		// Writing a dump may compute the digest alongside the lines
		// (write_dump); everything else needs it now.
		bool digest_now = o_.consistent || o_.expect_given || o_.digest_only;
		CanonDump dump = canonical_dump_of(map, &btf, digest_now);
		if (o_.consistent == 0)
			return dump;
		for (int pass = 2; pass <= o_.consistent; pass++) {
			CanonDump again = canonical_dump_of(map, &btf);
			if (again.header().sha256 == dump.header().sha256)
				return again;
			dump = std::move(again);
		}
		throw Error(fmt::format("map {} never held still: {} successive reads all differed",
					map.info.id, o_.consistent),
			    kExitUnstable);
	}

	void write_output(CanonDump &dump, const BtfRenderer *btf) const
	{
		// Regular files: written whole to a temporary, then renamed (a
		// reader never sees a partial dump); every write checked.
		OutputFile out = OutputFile::open(o_.output.empty() ? "-" : o_.output, o_.fsync);
		if (o_.digest_only)
			fmt::print(out.stream(), "{}\n", dump.header().sha256);
		else
			write_dump(dump, *dump_format_from_name(o_.format), out.stream(), btf);
		out.commit();
	}

	const DumpOptions &o_;
};

} // namespace

int run_dump(const DumpOptions &o) { return DumpCommand(o).run(); }

} // namespace tmi
