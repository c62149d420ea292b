// histogram.hpp: the one star histogram for people (latency in the trace
// summary, chain lengths in `buckets`), drawn as libbpf-tools'
// print_log2_hist draws it: a header, one row per range with its count and
// up to 40 stars scaled to the fullest row.
//
// Rows run from the first non-empty range to the last one, and the empty
// ranges between them are printed with count 0 (as print_log2_hist does):
// a gap in a latency distribution is information, and skipping it makes
// two humps look like one. Leading empty ranges are not printed.
// Contract: pure; format_star_hist() returns whole lines ("" for no rows).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tmi {

struct HistRow {
	uint64_t lo = 0, hi = 0, count = 0; // values in [lo, hi]
};

// Power-of-two rows [0,1], [2,3], [4,7], ... from the non-empty ones
// (ascending, each one of those ranges), gaps filled with empty rows.
std::vector<HistRow> log2_rows(const std::vector<HistRow> &nonempty);
// One row per value (lo == hi) from a value -> count map, gaps filled.
std::vector<HistRow> linear_rows(const std::map<uint32_t, uint64_t> &counts);

enum class HistLabel {
	Range, // "        lo -> hi         " (log2 rows)
	Value, // "     value" (linear rows)
};

struct StarHistStyle {
	std::string unit;       // first header column, e.g. "nsecs", "chain len"
	std::string count_name; // second header column, e.g. "count", "buckets"
	HistLabel label = HistLabel::Range;
};

// The header line and one line per row; "" when `rows` is empty.
std::string format_star_hist(const std::vector<HistRow> &rows, const StarHistStyle &style);

} // namespace tmi
