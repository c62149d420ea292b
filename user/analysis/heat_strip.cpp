// heat_strip.cpp: see heat_strip.hpp.
#include "analysis/heat_strip.hpp"

#include "base/output_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <memory>

#include "base/error.hpp"

namespace tmi {

namespace {

// Geometry (px). The strip is 1024 px wide: with kMaxColumns columns and a
// power-of-two n_buckets every column edge falls on a whole pixel.
constexpr double kLeft = 70, kStripW = 1024, kRight = 70;
constexpr double kWidth = kLeft + kStripW + kRight;
constexpr double kStripY = 86, kStripH = 70;
constexpr double kAxisY = kStripY + kStripH;      // ticks hang from here
constexpr double kChainY = kAxisY + 56, kChainH = 50;
constexpr double kLegendY = kChainY + kChainH + 44;
constexpr double kLegendX = kLeft + 250, kLegendW = 400, kLegendH = 16;
constexpr double kHeight = kLegendY + kLegendH + 34;
constexpr double kMinRunW = 4; // the longest empty run is never thinner
constexpr const char *kEmptyFill = "#e6e6e6";
constexpr const char *kRunStroke = "#1f5fbf";

struct Rgb {
	double r, g, b;
};

// ColorBrewer YlOrRd (9 classes), evenly spaced over (0, 1]: a sequential
// scale that is light where buckets are few, readable in grey print too.
constexpr std::array<Rgb, 9> kStops = {{{255, 255, 204},
					{255, 237, 160},
					{254, 217, 118},
					{254, 178, 76},
					{253, 141, 60},
					{252, 78, 42},
					{227, 26, 28},
					{189, 0, 38},
					{128, 0, 38}}};

std::string xml_escape(std::string_view s)
{
	std::string out;
	for (char c : s) {
		switch (c) {
		case '&': out += "&amp;"; break;
		case '<': out += "&lt;"; break;
		case '>': out += "&gt;"; break;
		case '"': out += "&quot;"; break;
		default: out += c;
		}
	}
	return out;
}

double x_of_bucket(uint64_t b, uint32_t n) { return kLeft + kStripW * double(b) / n; }

// Tick every n/8 buckets (n/8 is a power of two for hash maps), and the
// last bucket.
std::vector<uint32_t> tick_buckets(uint32_t n)
{
	uint32_t step = std::max<uint32_t>(1, n / 8);
	std::vector<uint32_t> ticks;
	for (uint64_t b = 0; b < n; b += step)
		ticks.push_back(uint32_t(b));
	if (ticks.back() != n - 1)
		ticks.push_back(n - 1);
	return ticks;
}

// Text placed near x but kept inside the canvas.
std::string text_at(double x, double y, const std::string &s, const char *extra = "")
{
	const char *anchor = x < kWidth * 0.25 ? "start" : x > kWidth * 0.75 ? "end" : "middle";
	return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\"{}>{}</text>\n", x, y,
			   anchor, extra, xml_escape(s));
}

std::string header(const MapInfo &info, const BucketReport &r, const std::vector<HeatColumn> &cols)
{
	std::string title = fmt::format("map {} ({}, {})", info.id, info.name, map_type_name(info.type));
	std::string facts =
		r.entries == 0
			? fmt::format("empty: no keys in {} buckets", r.n_buckets)
			: fmt::format("{} keys in {} buckets; {} occupied ({}), {} empty ({}); "
				      "max chain {}",
				      r.entries, r.n_buckets, r.n_buckets - r.empty_buckets,
				      heat_percent(r.n_buckets - r.empty_buckets, r.n_buckets),
				      r.empty_buckets, heat_percent(r.empty_buckets, r.n_buckets), r.max_chain);
	std::string per = cols.size() == r.n_buckets
				  ? "one bucket per column"
				  : fmt::format("{} buckets per column", cols.front().buckets);
	return fmt::format("<text x=\"{}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>\n"
			   "<text x=\"{}\" y=\"42\">{}; {} columns, {}</text>\n",
			   kLeft, xml_escape(title), kLeft, xml_escape(facts), cols.size(), per);
}

std::string strip(const std::vector<HeatColumn> &cols, uint32_t n)
{
	std::string out = "<g id=\"strip\" shape-rendering=\"crispEdges\">\n";
	for (auto &c : cols) {
		double x0 = x_of_bucket(c.first, n), x1 = x_of_bucket(uint64_t(c.first) + c.buckets, n);
		out += fmt::format("<rect class=\"col\" x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
				   "fill=\"{}\" data-first=\"{}\" data-buckets=\"{}\" data-occupied=\"{}\" "
				   "data-keys=\"{}\"><title>buckets {}-{}: {} of {} occupied ({}), "
				   "{} keys, mean chain {:.2f}</title></rect>\n",
				   x0, kStripY, x1 - x0, kStripH, heat_colour(c.occupied_fraction()), c.first,
				   c.buckets, c.occupied, c.keys, c.first, c.first + c.buckets - 1,
				   c.occupied, c.buckets, xml_escape(heat_percent(c.occupied, c.buckets)), c.keys,
				   c.mean_chain());
	}
	out += "</g>\n";
	// A frame, so an all-grey (empty) strip still reads as a strip.
	out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
			   "stroke=\"#888\" stroke-width=\"1\"/>\n",
			   kLeft - 0.5, kStripY - 0.5, kStripW + 1, kStripH + 1);
	return out;
}

std::string empty_run(const BucketReport &r)
{
	uint32_t n = r.n_buckets;
	if (r.empty_run_len == 0)
		return text_at(kLeft, kStripY - 14, "no empty buckets", " fill=\"#1f5fbf\"");
	double x0 = x_of_bucket(r.empty_run_start, n);
	double w = x_of_bucket(uint64_t(r.empty_run_start) + r.empty_run_len, n) - x0;
	double mid = x0 + w / 2;
	if (w < kMinRunW) { // visible at any size: widen about its middle
		w = kMinRunW;
		x0 = mid - w / 2;
	}
	std::string label =
		r.empty_run_len == n
			? fmt::format("longest empty run: all {} buckets", n)
			: fmt::format("longest empty run: {} buckets ({}-{})", r.empty_run_len,
				      r.empty_run_start, r.empty_run_start + r.empty_run_len - 1);
	std::string out = fmt::format(
		"<g id=\"empty-run\" data-start=\"{}\" data-len=\"{}\">\n"
		"<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"none\" stroke=\"{}\" "
		"stroke-width=\"2\"/>\n"
		"<path d=\"M{:.2f},{} l-6,-9 h12 z\" fill=\"{}\"/>\n",
		r.empty_run_start, r.empty_run_len, x0, kStripY - 1, w, kStripH + 2, kRunStroke, mid,
		kStripY - 3, kRunStroke);
	out += text_at(mid, kStripY - 16, label, " fill=\"#1f5fbf\"");
	return out + "</g>\n";
}

std::string axis(uint32_t n)
{
	std::string out = "<g id=\"axis\">\n";
	out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">bucket</text>\n", kLeft - 8,
			   kAxisY + 20);
	for (uint32_t b : tick_buckets(n)) {
		double x = x_of_bucket(b, n) + (n <= kMaxColumns ? kStripW / n / 2 : 0);
		out += fmt::format("<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" "
				   "stroke=\"#333\"/>\n<text x=\"{0:.2f}\" y=\"{3}\" "
				   "text-anchor=\"middle\">{4}</text>\n",
				   x, kAxisY, kAxisY + 6, kAxisY + 20, b);
	}
	return out + "</g>\n";
}

std::string chain_bars(const std::vector<HeatColumn> &cols, uint32_t n)
{
	double top = 0;
	for (auto &c : cols)
		top = std::max(top, c.mean_chain());
	std::string out = fmt::format(
		"<g id=\"chains\">\n<text x=\"{}\" y=\"{}\">mean chain length of the occupied buckets "
		"in each column{}</text>\n",
		kLeft, kChainY - 8, top > 0 ? "" : ": no keys");
	out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" "
			   "stroke=\"#ccc\"/>\n",
			   kLeft, kChainY, kStripW, kChainH);
	if (top == 0)
		return out + "</g>\n";
	out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.2f}</text>\n"
			   "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n",
			   kLeft - 8, kChainY + 10, top, kLeft - 8, kChainY + kChainH);
	if (top > 1) { // chains of one key: the ideal
		double y = kChainY + kChainH * (1 - 1 / top);
		out += fmt::format("<line x1=\"{}\" y1=\"{:.2f}\" x2=\"{}\" y2=\"{:.2f}\" stroke=\"#999\" "
				   "stroke-dasharray=\"4 3\"/>\n<text x=\"{}\" y=\"{:.2f}\" "
				   "text-anchor=\"end\">1</text>\n",
				   kLeft, y, kLeft + kStripW, y, kLeft - 8, y + 4);
	}
	out += "<g shape-rendering=\"crispEdges\" fill=\"#8a8a8a\">\n";
	for (auto &c : cols) {
		if (!c.occupied)
			continue;
		double x0 = x_of_bucket(c.first, n), x1 = x_of_bucket(uint64_t(c.first) + c.buckets, n);
		double h = kChainH * c.mean_chain() / top;
		out += fmt::format("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\"/>\n",
				   x0, kChainY + kChainH - h, x1 - x0, h);
	}
	return out + "</g>\n</g>\n";
}

// The scale is drawn from heat_colour() itself, so it shows exactly the
// colours the columns use; the whole map's occupancy is marked on it.
std::string legend(const BucketReport &r)
{
	std::string out = fmt::format(
		"<g id=\"legend\">\n<text x=\"{}\" y=\"{}\">colour: buckets occupied per column</text>\n"
		"<g shape-rendering=\"crispEdges\">\n",
		kLeft, kLegendY + 13);
	constexpr int kSteps = 100;
	for (int i = 0; i < kSteps; i++) {
		double f = (i + 1.0) / kSteps; // (0, 1]: 0 exactly is the grey swatch
		out += fmt::format("<rect class=\"scale\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" "
				   "height=\"{}\" fill=\"{}\" data-fraction=\"{:.2f}\"/>\n",
				   kLegendX + kLegendW * i / kSteps, kLegendY, kLegendW / kSteps + 0.05,
				   kLegendH, heat_colour(f), f);
	}
	out += "</g>\n";
	for (int pct = 0; pct <= 100; pct += 25) {
		double x = kLegendX + kLegendW * pct / 100;
		out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>"
				   "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}%</text>\n",
				   x, kLegendY + kLegendH, kLegendY + kLegendH + 5, kLegendY + kLegendH + 18,
				   pct);
	}
	if (r.n_buckets && r.entries) {
		double f = double(r.n_buckets - r.empty_buckets) / r.n_buckets;
		double x = kLegendX + kLegendW * f;
		out += fmt::format("<path d=\"M{:.1f},{} l-5,-8 h10 z\" fill=\"#000\"/>\n"
				   "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">whole map {}</text>\n",
				   x, kLegendY - 1, x, kLegendY - 12,
				   xml_escape(heat_percent(r.n_buckets - r.empty_buckets, r.n_buckets)));
	}
	double sx = kLegendX + kLegendW + 30;
	out += fmt::format("<rect class=\"scale\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
			   "stroke=\"#888\" data-fraction=\"0\"/>\n<text x=\"{}\" y=\"{}\">none occupied"
			   "</text>\n",
			   sx, kLegendY, kLegendH, kLegendH, kEmptyFill, sx + kLegendH + 6, kLegendY + 13);
	out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
			   "stroke=\"{}\" stroke-width=\"2\"/>\n<text x=\"{}\" y=\"{}\">longest empty run"
			   "</text>\n",
			   sx + 130, kLegendY, kLegendH, kLegendH, kRunStroke, sx + 130 + kLegendH + 6,
			   kLegendY + 13);
	return out + "</g>\n";
}

} // namespace

std::string heat_percent(uint64_t part, uint64_t whole)
{
	if (part == 0 || whole == 0)
		return "0%";
	if (part == whole)
		return "100%";
	double v = 100.0 * double(part) / double(whole);
	return v < 0.1 ? "<0.1%" : v > 99.9 ? ">99.9%" : fmt::format("{:.1f}%", v);
}

std::vector<HeatColumn> heat_columns(const std::vector<uint32_t> &chain_len, uint32_t max_columns)
{
	std::vector<HeatColumn> cols;
	uint64_t n = chain_len.size();
	if (n == 0 || max_columns == 0)
		return cols;
	uint64_t per = (n + max_columns - 1) / max_columns;
	for (uint64_t first = 0; first < n; first += per) {
		HeatColumn c;
		c.first = uint32_t(first);
		c.buckets = uint32_t(std::min(per, n - first));
		for (uint64_t b = first; b < first + c.buckets; b++) {
			c.occupied += chain_len[b] != 0;
			c.keys += chain_len[b];
		}
		cols.push_back(c);
	}
	return cols;
}

std::string heat_colour(double f)
{
	if (!(f > 0)) // 0 and NaN
		return kEmptyFill;
	f = std::min(f, 1.0);
	// Stop 0 sits just above 0, stop 8 at 1.
	double pos = f * (kStops.size() - 1);
	size_t i = std::min<size_t>(size_t(pos), kStops.size() - 2);
	double t = pos - double(i);
	const Rgb &a = kStops[i], &b = kStops[i + 1];
	auto mix = [t](double x, double y) { return int(std::lround(x + (y - x) * t)); };
	return fmt::format("#{:02x}{:02x}{:02x}", mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
}

std::string heat_strip_svg(const MapInfo &info, const BucketReport &r)
{
	std::string out = fmt::format(
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
		"viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"13\">\n"
		"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
		kWidth, kHeight, kWidth, kHeight);
	std::vector<HeatColumn> cols = heat_columns(r.chain_len);
	if (cols.empty())
		return out + fmt::format("<text x=\"{}\" y=\"22\">map {}: no buckets</text>\n</svg>\n",
					 kLeft, info.id);
	out += header(info, r, cols);
	out += strip(cols, r.n_buckets);
	out += empty_run(r);
	out += axis(r.n_buckets);
	out += chain_bars(cols, r.n_buckets);
	out += legend(r);
	return out + "</svg>\n";
}

void write_heat_strip(const std::string &path, const MapInfo &info, const BucketReport &r)
{
	std::string svg = heat_strip_svg(info, r);
	write_whole_file(path, svg); // safe: temporary + rename, every write checked
}

} // namespace tmi
