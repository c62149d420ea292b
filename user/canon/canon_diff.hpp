// canon_diff.hpp: comparing two canonical dumps (files or live maps), the
// output of `trace-map-iter diff` (docs/canonical-dump.md, "diff").
// Contract: load_dump_side() throws tmi::Error (exit 2) for a missing map or
// a bad dump file; write_diff() writes one line per difference in key order
// and throws tmi::Error on a failed write.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "canon/canon_io.hpp"

namespace tmi {

struct DumpSide {
	CanonDump dump;
	std::optional<BtfRenderer> btf;     // a live map with BTF
	std::vector<std::string> formatted; // a dump file's `formatted` texts
	// Entry i's `formatted` object as JSON text; empty when there is none.
	std::string formatted_text(size_t i) const;
};

// `spec`: a dump file, or a live map as id:N, pinned:PATH, name:NAME.
DumpSide load_dump_side(const std::string &spec);

struct DiffCounts {
	uint64_t only_a = 0, only_b = 0, changed = 0, fields = 0;
	uint64_t total() const { return only_a + only_b + changed + fields; }
};

// json: JSON lines, with `formatted` where a side has it.
DiffCounts write_diff(const DumpSide &a, const DumpSide &b, bool json, FILE *out);

} // namespace tmi
