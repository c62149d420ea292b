// heat_text.hpp: the heat strip (heat_strip.hpp) in characters, for `top`.
//
// The same columns (heat_columns(): adjacent groups of buckets) and the same
// measure (the fraction of a column's buckets that hold a key), drawn as one
// shade character per column on a scale of five classes: '.' none occupied,
// then ':' '+' '*' '#' for up to 25%, 50%, 75%, 100%. Under the strip, '^'
// marks the columns the longest empty run touches, so a run is visible
// whatever its size; the scale line is written from the same table as the
// shades. An empty map reads as all '.', one run of every bucket.
// Contract: pure. HeatSummary is small (kTextColumns columns, whatever the
// map's size) so a live view can copy it on every redraw.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/buckets.hpp"
#include "analysis/heat_strip.hpp"

namespace tmi {

// 64 columns: with the bucket numbers either side, a strip of a 2^31-bucket
// map still fits 80 columns; hash maps' power-of-two n divides evenly.
constexpr uint32_t kTextColumns = 64;

// What the text strip needs of a BucketReport.
struct HeatSummary {
	uint32_t n_buckets = 0;
	uint64_t entries = 0, empty_buckets = 0;
	uint32_t max_chain = 0;
	uint32_t empty_run_start = 0, empty_run_len = 0; // longest run of empty buckets
	std::vector<HeatColumn> columns;                 // heat_columns(chain_len, kTextColumns)

	uint64_t occupied() const { return n_buckets - empty_buckets; }
};

HeatSummary heat_summary(const BucketReport &r, uint32_t max_columns = kTextColumns);
// The shade of a column whose buckets are `occupied_fraction` occupied.
char heat_shade(double occupied_fraction);
// "scale (occupied per column): . none  : <=25% ..." from the shade table.
std::string heat_shade_scale();
// The lines: totals, the strip between its first and last bucket numbers,
// the run marks (none when no bucket is empty), the longest empty run, the
// scale. Uncut (at most 80
// columns for kTextColumns); the caller cuts to its width.
std::vector<std::string> heat_strip_text(const HeatSummary &s);

} // namespace tmi
