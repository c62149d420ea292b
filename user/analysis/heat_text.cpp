// heat_text.cpp: see heat_text.hpp.
#include "analysis/heat_text.hpp"

#include <fmt/format.h>

#include <array>

namespace tmi {

namespace {

struct Shade {
	double up_to; // the class holds fractions in (previous up_to, up_to]
	char c;
	const char *label;
};

// Linear, like heat_colour(): 0 exactly is its own class ("none"), so an
// occupied column never looks empty however few of its buckets hold keys.
constexpr std::array<Shade, 5> kShades = {{{0, '.', "none"},
					   {0.25, ':', "<=25%"},
					   {0.5, '+', "<=50%"},
					   {0.75, '*', "<=75%"},
					   {1, '#', "<=100%"}}};

} // namespace

HeatSummary heat_summary(const BucketReport &r, uint32_t max_columns)
{
	HeatSummary s;
	s.n_buckets = r.n_buckets;
	s.entries = r.entries;
	s.empty_buckets = r.empty_buckets;
	s.max_chain = r.max_chain;
	s.empty_run_start = r.empty_run_start;
	s.empty_run_len = r.empty_run_len;
	s.columns = heat_columns(r.chain_len, max_columns);
	return s;
}

char heat_shade(double f)
{
	for (auto &s : kShades)
		if (f <= s.up_to)
			return s.c;
	return kShades.back().c; // above 1 (or NaN): as full
}

std::string heat_shade_scale()
{
	std::string out = "scale (occupied per column):";
	for (auto &s : kShades)
		out += fmt::format("{}{} {}", out.back() == ':' ? " " : "  ", s.c, s.label);
	return out;
}

std::vector<std::string> heat_strip_text(const HeatSummary &s)
{
	if (s.columns.empty())
		return {"buckets: none"};
	std::vector<std::string> out;
	uint32_t per = s.columns.front().buckets;
	out.push_back(fmt::format("{} buckets, {} occupied ({}), max chain {}; {}", s.n_buckets,
				  s.occupied(), heat_percent(s.occupied(), s.n_buckets), s.max_chain,
				  per == 1 ? "a bucket per column"
					   : fmt::format("{} buckets per column", per)));
	std::string strip, marks;
	uint64_t run_end = uint64_t(s.empty_run_start) + s.empty_run_len; // exclusive
	for (auto &c : s.columns) {
		strip += heat_shade(c.occupied_fraction());
		uint64_t end = uint64_t(c.first) + c.buckets;
		marks += s.empty_run_len && c.first < run_end && end > s.empty_run_start ? '^' : ' ';
	}
	std::string left = "0 |";
	out.push_back(fmt::format("{}{}| {}", left, strip, s.n_buckets - 1));
	while (!marks.empty() && marks.back() == ' ')
		marks.pop_back();
	if (!marks.empty())
		out.push_back(std::string(left.size(), ' ') + marks);
	if (s.empty_run_len == 0)
		out.push_back("longest empty run: none (no empty bucket)");
	else if (s.empty_run_len == s.n_buckets)
		out.push_back(fmt::format("^ longest empty run: {} buckets ({}-{}): every bucket",
					  s.empty_run_len, s.empty_run_start, run_end - 1));
	else
		out.push_back(fmt::format("^ longest empty run: {} buckets ({}-{})", s.empty_run_len,
					  s.empty_run_start, run_end - 1));
	out.push_back(heat_shade_scale());
	return out;
}

} // namespace tmi
