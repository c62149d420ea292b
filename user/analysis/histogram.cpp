// histogram.cpp: see histogram.hpp.
#include "analysis/histogram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace tmi {

namespace {

constexpr size_t kStars = 40;

// Index of a power-of-two range by its upper bound: [0,1] -> 0, [2,3] -> 1.
unsigned log2_index(uint64_t hi) { return hi < 2 ? 0 : 63 - std::countl_zero(hi); }

HistRow log2_row(unsigned idx)
{
	if (idx == 0)
		return {0, 1, 0};
	uint64_t lo = uint64_t(1) << idx;
	return {lo, idx == 63 ? UINT64_MAX : (lo << 1) - 1, 0};
}

std::string stars(uint64_t count, uint64_t top)
{
	// 128 bits: count * 40 must not wrap, however long the run.
	size_t n = top ? size_t((unsigned __int128)count * kStars / top) : 0;
	return std::string(std::min(n, kStars), '*');
}

} // namespace

std::vector<HistRow> log2_rows(const std::vector<HistRow> &nonempty)
{
	std::vector<HistRow> out;
	for (auto &r : nonempty) {
		unsigned idx = log2_index(r.hi);
		if (!out.empty())
			for (unsigned gap = log2_index(out.back().hi) + 1; gap < idx; gap++)
				out.push_back(log2_row(gap));
		HistRow row = log2_row(idx);
		row.count = r.count;
		out.push_back(row);
	}
	return out;
}

std::vector<HistRow> linear_rows(const std::map<uint32_t, uint64_t> &counts)
{
	std::vector<HistRow> out;
	for (auto &[value, count] : counts) {
		if (!out.empty())
			for (uint64_t gap = out.back().hi + 1; gap < value; gap++)
				out.push_back({gap, gap, 0});
		out.push_back({value, value, count});
	}
	return out;
}

std::string format_star_hist(const std::vector<HistRow> &rows, const StarHistStyle &style)
{
	if (rows.empty())
		return "";
	uint64_t top = 0;
	for (auto &r : rows)
		top = std::max(top, r.count);
	bool range = style.label == HistLabel::Range;
	std::string out = fmt::format("{:>{}} : {:<10} distribution\n", style.unit, range ? 24 : 9,
				      style.count_name);
	for (auto &r : rows) {
		std::string label = range ? fmt::format("{:>10} -> {:<10}", r.lo, r.hi)
					  : fmt::format("{:>9}", r.lo);
		out += fmt::format("{} : {:<10} |{:<40}|\n", label, r.count, stars(r.count, top));
	}
	return out;
}

} // namespace tmi
