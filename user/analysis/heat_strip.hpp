// heat_strip.hpp: `buckets --svg`: a hash map's bucket array as a picture.
//
// The array runs left to right, one column per group of adjacent buckets
// (at most kMaxColumns columns, so a 2^20-bucket map is 1024 columns of
// 1024 buckets). A column's colour is the fraction of its buckets that are
// occupied, on one linear scale drawn as the legend from the same function
// (light yellow: few, dark red: all; grey: none). Under the strip, bars give
// each column's mean chain length over its occupied buckets. The longest
// run of empty buckets is outlined and marked at least a few pixels wide
// whatever its size; the axis has bucket numbers. Each column carries its
// numbers (data-first, data-buckets, data-occupied, data-keys) and a
// <title> tooltip, so the picture can be checked and hovered.
// Contract: heat_columns(), heat_colour() and heat_strip_svg() are pure;
// write_heat_strip() writes the SVG to `path` and throws tmi::Error (exit 2)
// when it cannot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/buckets.hpp"
#include "maps/maps.hpp"

namespace tmi {

constexpr uint32_t kMaxColumns = 1024;

struct HeatColumn {
	uint32_t first = 0;    // first bucket
	uint32_t buckets = 0;  // buckets in the column
	uint32_t occupied = 0; // buckets holding at least one key
	uint64_t keys = 0;

	double occupied_fraction() const { return buckets ? double(occupied) / buckets : 0; }
	// Mean chain length over the occupied buckets; 0 when none is.
	double mean_chain() const { return occupied ? double(keys) / occupied : 0; }
};

// Adjacent groups of ceil(n / max_columns) buckets, in bucket order; the
// last group may be shorter when n is not a multiple (hash maps have a
// power-of-two n, so it never is there).
std::vector<HeatColumn> heat_columns(const std::vector<uint32_t> &chain_len,
				     uint32_t max_columns = kMaxColumns);
// The fill for a column: "#rrggbb". 0 -> the empty grey; (0, 1] -> the
// linear scale from light yellow to dark red.
std::string heat_colour(double occupied_fraction);
// part/whole as a percentage with one decimal, but never rounded to 0% or
// 100% when it is neither: 3 keys in 2^20 buckets is not "100.0%" empty.
std::string heat_percent(uint64_t part, uint64_t whole);
// The whole SVG document.
std::string heat_strip_svg(const MapInfo &info, const BucketReport &r);
void write_heat_strip(const std::string &path, const MapInfo &info, const BucketReport &r);

} // namespace tmi
