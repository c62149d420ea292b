// canon_io.hpp: tmi-canon-v1 files: the JSON-lines and table writers and
// the strict, bounded parser (docs/canonical-dump.md, "Reading dump files").
//
// Writers produce the bytes the format doc specifies; with a BtfRenderer
// they add the typed fields (`k`, `v`, `formatted`), which are informative:
// neither the canonical bytes nor the digest depend on them.
// The parser accepts exactly what the writer produces: lowercase hex, `\n`
// line ends, no BOM, no spaces, no unknown or reordered fields, integers
// only in the header; entries strictly ascending; the digest must match.
// Contract: writers throw tmi::Error on a failed write; the parser throws
// tmi::Error "reading NAME: line N: field "F": why" (exit 2) on any
// violation, and reads at most the documented limits (kDumpLimits).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/input_file.hpp"
#include "canon/canon.hpp"

namespace tmi {

enum class DumpFormat { Jsonl, Table };
std::optional<DumpFormat> dump_format_from_name(std::string_view name);

// `btf` may be null (no typed fields). write_jsonl and write_table need the
// digest (has_digest()); write_dump computes a pending one, for plain JSON
// lines to a regular file while it writes (the header goes in last).
void write_jsonl(const CanonDump &dump, FILE *out, const BtfRenderer *btf);
void write_table(const CanonDump &dump, FILE *out, const BtfRenderer *btf);
void write_dump(CanonDump &dump, DumpFormat format, FILE *out, const BtfRenderer *btf);

// Entry i's `formatted` object as compact JSON text (as written in a dump).
std::string formatted_entry(const CanonDump &dump, size_t i, const BtfRenderer &btf);

// The reader's limits (documented in docs/canonical-dump.md).
struct DumpLimits {
	size_t max_header_line = 4096;
	size_t max_entry_line = size_t(64) << 20;
	InputLimits input; // file size, pipe idle timeout
};
inline constexpr DumpLimits kDumpLimits{};

struct LoadedDump {
	CanonDump dump;
	// Each entry's `formatted` JSON text when the file carries it (one per
	// entry), else empty.
	std::vector<std::string> formatted;
};

LoadedDump read_dump_file(const std::string &path, const DumpLimits &limits = kDumpLimits);
LoadedDump parse_dump(LineInput &in, const DumpLimits &limits = kDumpLimits);

// Why `hex` is not exactly `bytes` bytes of lowercase hex; nullopt when it is.
std::optional<std::string> hex_problem(std::string_view hex, size_t bytes);

} // namespace tmi
