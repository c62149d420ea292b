// cmd_diff.cpp: `trace-map-iter diff A B [-j]`.
//
// Each side is a canonical dump file or a live map (`id:N`, `pinned:PATH`,
// `name:NAME`). Prints one line per difference, in key order:
// `- KEY VALUE` (only in A), `+ KEY VALUE` (only in B), `~ KEY A_VALUE B_VALUE`
// (changed), and `! FIELD A B` when map_type, key_size or value_size differ;
// a count on stderr; exits 0 identical, 1 different, 2 trouble, like diff(1).
// -j writes JSON lines {"op":"-|+|~|!",...} instead.
#include <fmt/format.h>

#include "base/error.hpp"
#include "base/output_file.hpp"
#include "canon/canon_diff.hpp"
#include "cli/options.hpp"

namespace tmi {

int run_diff(const DiffOptions &o)
{
	DumpSide a = load_dump_side(o.a), b = load_dump_side(o.b);
	DiffCounts p = write_diff(a, b, o.json, stdout);
	flush_stdout_checked();
	if (p.total() == 0) {
		fmt::print(stderr, "identical: {} entries, sha256 {}\n", a.dump.size(),
			   a.dump.header().sha256);
		return kExitOk;
	}
	fmt::print(stderr, "{} differences: {} only in A, {} only in B, {} changed{}\n", p.total(),
		   p.only_a, p.only_b, p.changed,
		   p.fields ? fmt::format(", {} header fields", p.fields) : "");
	return kExitDiffers;
}

} // namespace tmi
