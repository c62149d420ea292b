// top_table.cpp: see top_table.hpp.
#include "live/top_table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "analysis/heat_text.hpp"
#include "maps/maps.hpp"
#include "trace/output.hpp"

namespace tmi {

namespace {

double rate(uint64_t n, double seconds) { return seconds > 0 ? double(n) / seconds : 0; }

std::string cut(std::string s, size_t width)
{
	if (s.size() > width)
		s.resize(width);
	return s;
}

std::string human_rate(double v)
{
	if (v >= 1e6)
		return fmt::format("{:.1f}M", v / 1e6);
	if (v >= 1e4)
		return fmt::format("{:.1f}k", v / 1e3);
	return fmt::format("{:.0f}", v);
}

std::string latency(uint64_t ns) { return ns ? human_ns(ns) : "-"; }

double key_of(const TopRow &r, TopSort s)
{
	switch (s) {
	case TopSort::Calls:
		return r.calls_per_s + r.batch_per_s;
	case TopSort::Walks:
		return r.walks_per_s;
	case TopSort::P99:
		return double(r.p99_ns);
	case TopSort::Lost:
		return double(r.lost);
	case TopSort::Restarts:
		return double(r.restarts);
	}
	return 0;
}

constexpr const char *kRowFormat = "{:>6} {:<15} {:<10} {:>8} {:>8} {:>7} {:>7} {:>8} {:>6} {:>8} {:>8} {:>6} {}";

std::string bucket_place(int64_t from, uint64_t to, uint32_t chain_pos)
{
	return fmt::format("{} -> {}", from < 0 ? "start" : fmt::format("bucket {}", from),
			   chain_pos ? fmt::format("bucket {}", to) : "end");
}

std::vector<std::string> slowest_lines(const LiveMapState &m)
{
	if (!m.slowest) {
		if (m.last.seconds == 0)
			return {"slowest calls: none yet (the first interval is not over)"};
		if (!m.facts.problem.empty() && !m.facts.buckets)
			return {"slowest calls: not placed (no bucket model; see the warning)"};
		return {"slowest calls: not recorded in aggregate mode"};
	}
	std::string head = fmt::format("slowest calls in the last {:.0f} s", m.slowest_seconds);
	if (m.slowest->empty())
		return {head + ": none"};
	std::vector<std::string> out{head + ":",
				     fmt::format("  {:>8} {:>7} {:<16} {:>8}  {}", "LATENCY", "PID",
						 "COMM", "SCANNED", "BUCKETS")};
	for (auto &c : *m.slowest)
		out.push_back(fmt::format("  {:>8} {:>7} {:<16} {:>8}  {}", human_ns(c.latency_ns),
					  c.pid, printable(c.comm), c.skipped,
					  bucket_place(c.from_bucket, c.to_bucket, c.chain_pos)));
	return out;
}

} // namespace

std::vector<std::string> top_hash_detail(const LiveMapState &m, size_t width)
{
	std::vector<std::string> out;
	if (!is_hash_family(m.label.type))
		return out;
	if (m.facts.buckets)
		out = heat_strip_text(*m.facts.buckets);
	else if (!m.facts.problem.empty())
		out.push_back("buckets: " + m.facts.problem);
	else
		out.push_back("buckets: not read yet");
	out.push_back("");
	for (auto &line : slowest_lines(m))
		out.push_back(line);
	out.push_back("");
	for (auto &line : out)
		line = cut(std::move(line), width);
	return out;
}

std::optional<TopSort> parse_top_sort(const std::string &s)
{
	for (TopSort k : {TopSort::Calls, TopSort::Walks, TopSort::P99, TopSort::Lost, TopSort::Restarts})
		if (s == top_sort_name(k))
			return k;
	return std::nullopt;
}

const char *top_sort_name(TopSort s)
{
	switch (s) {
	case TopSort::Calls:
		return "calls";
	case TopSort::Walks:
		return "walks";
	case TopSort::P99:
		return "p99";
	case TopSort::Lost:
		return "lost";
	case TopSort::Restarts:
		return "restarts";
	}
	return "calls";
}

std::vector<TopRow> top_rows(const std::vector<LiveMapState> &maps, TopSort sort)
{
	std::vector<TopRow> rows;
	for (auto &m : maps) {
		TopRow r;
		r.id = m.label.id;
		r.name = m.label.name;
		r.type = map_type_name(m.label.type);
		r.entries = m.facts.entries;
		r.calls_per_s = rate(m.last.get_next_key_calls, m.last.seconds);
		r.batch_per_s = rate(m.last.batch_calls, m.last.seconds);
		r.walks_per_s = rate(m.last.walks, m.last.seconds);
		r.restarts = m.restarts;
		r.duplicates = m.duplicates;
		r.order_known = m.order_known;
		r.lost = m.lost_events;
		r.p50_ns = m.last.latency.percentile(50);
		r.p99_ns = m.last.latency.percentile(99);
		r.top_caller = m.top_caller();
		rows.push_back(std::move(r));
	}
	std::stable_sort(rows.begin(), rows.end(), [sort](const TopRow &a, const TopRow &b) {
		double ka = key_of(a, sort), kb = key_of(b, sort);
		return ka != kb ? ka > kb : a.id < b.id;
	});
	return rows;
}

std::string top_header(size_t width)
{
	return cut(fmt::format(kRowFormat, "ID", "NAME", "TYPE", "ENTRIES", "CALLS/s", "BATCH/s",
			       "WALKS/s", "RESTARTS", "DUPS", "P50", "P99", "LOST", "TOP CALLER"),
		   width);
}

std::string top_line(const TopRow &r, size_t width)
{
	return cut(fmt::format(kRowFormat, r.id, cut(r.name, 15), cut(r.type, 10),
			       r.entries ? std::to_string(*r.entries) : "-", human_rate(r.calls_per_s),
			       human_rate(r.batch_per_s), human_rate(r.walks_per_s),
			       r.order_known ? std::to_string(r.restarts) : "-",
			       r.order_known ? std::to_string(r.duplicates) : "-", latency(r.p50_ns), latency(r.p99_ns), r.lost, r.top_caller),
		   width);
}

std::vector<std::string> top_detail(const LiveMapState &m, size_t width)
{
	std::vector<std::string> out;
	auto add = [&](std::string s) { out.push_back(cut(std::move(s), width)); };
	add(fmt::format("map {} ({}, {}): {} calls since start ({} get_next_key, {} lookup batch, "
			"{} lookup_and_delete batch)",
			m.label.id, m.label.name, map_type_name(m.label.type), m.calls(),
			m.get_next_key_calls, m.batch_lookup_calls, m.batch_lookup_and_delete_calls));
	add(fmt::format("walks: {} complete, {} incomplete; restarts {}, duplicates {}, lost {}",
			m.walks_complete, m.walks_incomplete,
			m.order_known ? std::to_string(m.restarts) : "-",
			m.order_known ? std::to_string(m.duplicates) : "-", m.lost_events));
	const MapFacts &f = m.facts;
	add(fmt::format("entries {}; digest {}{}", f.entries ? std::to_string(*f.entries) : "-",
			f.digest ? f.digest->substr(0, 16) + "..." : "-",
			f.bucket_max_chain
				? fmt::format("; buckets: max chain {}, {:.1f}% empty", *f.bucket_max_chain,
					      100 * f.bucket_empty_ratio.value_or(0))
				: ""));
	add("");
	for (auto &line : top_hash_detail(m, width))
		add(line);
	add(fmt::format("latency since start: p50 {} p90 {} p99 {} max {}", latency(m.latency.percentile(50)),
			latency(m.latency.percentile(90)), latency(m.latency.percentile(99)),
			latency(m.latency.max())));
	auto hist = m.latency.log2_buckets();
	uint64_t top = 0;
	for (auto &b : hist)
		top = std::max(top, b.count);
	add(fmt::format("{:>24} : {:<10} {}", "ns", "count", "distribution"));
	for (auto &b : hist)
		add(fmt::format("{:>11} -> {:<10} : {:<10} |{:<30}|", b.lo, b.hi, b.count,
				std::string(top ? b.count * 30 / top : 0, '*')));
	add("");
	add("callers (process name: calls since start)");
	std::vector<std::pair<std::string, uint64_t>> callers(m.callers.begin(), m.callers.end());
	std::stable_sort(callers.begin(), callers.end(),
			 [](auto &a, auto &b) { return a.second > b.second; });
	for (auto &[comm, n] : callers)
		add(fmt::format("  {:<16} {}", comm, n));
	return out;
}

} // namespace tmi
