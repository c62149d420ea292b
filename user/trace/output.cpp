// output.cpp: see output.hpp.
#include "trace/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "analysis/histogram.hpp"
#include "base/hex.hpp"
#include "maps/maps.hpp"

namespace tmi {

using ojson = nlohmann::ordered_json;

std::string human_ns(uint64_t ns)
{
	if (ns < 1'000)
		return fmt::format("{}ns", ns);
	if (ns < 1'000'000)
		return fmt::format("{:.3g}us", ns / 1e3);
	if (ns < 1'000'000'000ULL)
		return fmt::format("{:.3g}ms", ns / 1e6);
	return fmt::format("{:.3g}s", ns / 1e9);
}

static std::string wall_clock_now()
{
	time_t t = time(nullptr);
	struct tm tm;
	localtime_r(&t, &tm);
	char buf[16];
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	return buf;
}

static std::string map_column(const MapLabel &m)
{
	return m.name.empty() ? fmt::format("{}", m.id) : fmt::format("{}:{}", m.id, m.name);
}

namespace {

class TextOutput final : public TraceOutput {
public:
	TextOutput(FILE *out, FILE *err) : out_(out), err_(err) {}

	void walk(const Walk &w, const MapLabel &map) override
	{
		if (!header_done_) {
			fmt::print(out_, "{:<8} {:<7} {:<16} {:<20} {:>9} {:>9} {:>8} {:>6} {:>9} {}\n",
				   "TIME", "PID", "COMM", "MAP", "KEYS", "CALLS", "RESTARTS", "DUPS",
				   "DURATION", "STATUS");
			header_done_ = true;
		}
		std::string status = w.complete ? "complete" : "incomplete";
		if (w.resumed)
			status += ",resumed";
		if (w.batch)
			status = "batch," + status;
		fmt::print(out_, "{:<8} {:<7} {:<16} {:<20} {:>9} {:>9} {:>8} {:>6} {:>9} {}\n",
			   wall_clock_now(), w.pid, w.comm, map_column(map),
			   w.batch ? w.entries : w.keys, w.calls, w.restarts, w.duplicates,
			   human_ns(w.duration_ns()), status);
		std::fflush(out_);
	}

	void summary(const MapStats &s, const MapLabel &map, std::string_view scope) override
	{
		fmt::print(out_, "\n{} map {} ({}, {}): {} calls ({} get_next_key, {} batch), "
				 "{} walks ({} complete, {} batch), {} restarts, {} duplicates, "
				 "{} lost events\n",
			   scope == "interval" ? "Interval:" : "Summary:", map.id,
			   map.name.empty() ? "?" : map.name, map_type_name(map.type), s.calls, s.get_next_key_calls,
			   s.batch_calls, s.walks, s.complete_walks, s.batch_walks, s.restarts,
			   s.duplicates, s.lost_events);
		print_hist(s.latency);
		if (s.latency.count())
			fmt::print(out_, "latency p50 {} p90 {} p99 {} max {}\n",
				   human_ns(s.latency.percentile(50)), human_ns(s.latency.percentile(90)),
				   human_ns(s.latency.percentile(99)), human_ns(s.latency.max()));
		auto callers = s.top_callers(5);
		if (!callers.empty()) {
			fmt::print(out_, "top callers:\n");
			for (auto &c : callers)
				fmt::print(out_, "  {:<7} {:<16} {} calls\n", c.pid, c.comm, c.calls);
		}
		if (s.hot_spots)
			print_hot_spots(*s.hot_spots);
		std::fflush(out_);
	}

	void warning(std::string_view msg) override
	{
		fmt::print(err_, "warning: {}\n", msg);
		std::fflush(err_);
	}

private:
	void print_hot_spots(const HotSpots &h)
	{
		fmt::print(out_, "hot spots: latency by empty buckets scanned per get_next_key\n");
		fmt::print(out_, "{:>24} : {:<10} {}\n", "empty buckets", "calls", "mean latency");
		for (auto &b : h.by_skip)
			fmt::print(out_, "{:>10} -> {:<10} : {:<10} {}\n", b.lo, b.hi, b.calls,
				   human_ns(b.calls ? b.total_ns / b.calls : 0));
		if (!h.slowest.empty())
			fmt::print(out_, "slowest calls:\n");
		for (auto &c : h.slowest)
			fmt::print(out_, "  {} from {} to {}: {} empty buckets scanned{}\n",
				   human_ns(c.latency_ns),
				   c.from_bucket < 0 ? "the start" : fmt::format("bucket {}", c.from_bucket),
				   c.chain_pos ? fmt::format("bucket {}", c.to_bucket) : "the end (ENOENT)",
				   c.skipped, c.chain_pos > 1 ? fmt::format(", chain position {}", c.chain_pos) : "");
	}

	void print_hist(const LatencyHist &h)
	{
		std::vector<HistRow> rows;
		for (auto &b : h.log2_buckets())
			rows.push_back({b.lo, b.hi, b.count});
		fmt::print(out_, "{}", format_star_hist(log2_rows(rows), {"nsecs", "count", HistLabel::Range}));
	}

	FILE *out_, *err_;
	bool header_done_ = false;
};

class JsonOutput final : public TraceOutput {
public:
	explicit JsonOutput(FILE *out) : out_(out) {}

	void walk(const Walk &w, const MapLabel &map) override
	{
		ojson j;
		j["type"] = w.batch ? "batch_walk" : "walk";
		j["map_id"] = w.map_id;
		j["map_name"] = map.name;
		j["pid"] = w.pid;
		j["tid"] = w.tid;
		j["comm"] = w.comm;
		j["calls"] = w.calls;
		if (w.batch) {
			j["entries"] = w.entries;
		} else {
			j["keys"] = w.keys;
			j["restarts"] = w.restarts;
			j["duplicates"] = w.duplicates;
		}
		j["complete"] = w.complete;
		j["resumed"] = w.resumed;
		j["duration_ns"] = w.duration_ns();
		j["busy_ns"] = w.busy_ns;
		if (!w.batch) {
			if (!w.order_sha256.empty())
				j["order_sha256"] = w.order_sha256;
			if (w.unreadable_keys)
				j["unreadable_keys"] = w.unreadable_keys;
			if (!w.order.empty()) {
				ojson order = ojson::array();
				for (auto &k : w.order)
					order.push_back(to_hex(k));
				j["order"] = std::move(order);
			}
			// Only for maps whose calls could be placed in buckets.
			if (std::any_of(w.skipped.begin(), w.skipped.end(), [](int64_t v) { return v >= 0; }))
				j["skipped"] = w.skipped;
		}
		emit(j);
	}

	void summary(const MapStats &s, const MapLabel &map, std::string_view scope) override
	{
		ojson j;
		j["type"] = "summary";
		j["scope"] = scope;
		j["map_id"] = s.map_id;
		j["map_name"] = map.name;
		j["map_type"] = map_type_name(map.type);
		j["calls"] = s.calls;
		j["get_next_key_calls"] = s.get_next_key_calls;
		j["batch_calls"] = s.batch_calls;
		j["walks"] = s.walks;
		j["complete_walks"] = s.complete_walks;
		j["batch_walks"] = s.batch_walks;
		j["restarts"] = s.restarts;
		j["duplicates"] = s.duplicates;
		j["lost_events"] = s.lost_events;
		ojson lat;
		lat["p50"] = s.latency.percentile(50);
		lat["p90"] = s.latency.percentile(90);
		lat["p99"] = s.latency.percentile(99);
		lat["max"] = s.latency.max();
		ojson hist = ojson::array();
		for (auto &b : s.latency.log2_buckets())
			hist.push_back(ojson{{"lo", b.lo}, {"hi", b.hi}, {"count", b.count}});
		lat["hist"] = std::move(hist);
		j["latency_ns"] = std::move(lat);
		ojson callers = ojson::array();
		for (auto &c : s.top_callers(5))
			callers.push_back(ojson{{"pid", c.pid}, {"comm", c.comm}, {"calls", c.calls}});
		j["top_callers"] = std::move(callers);
		if (s.hot_spots) {
			ojson by_skip = ojson::array(), slowest = ojson::array();
			for (auto &b : s.hot_spots->by_skip)
				by_skip.push_back(ojson{{"lo", b.lo}, {"hi", b.hi}, {"calls", b.calls},
							{"mean_ns", b.calls ? b.total_ns / b.calls : 0}});
			for (auto &c : s.hot_spots->slowest)
				slowest.push_back(ojson{{"from_bucket", c.from_bucket}, {"to_bucket", c.to_bucket},
							{"skipped", c.skipped}, {"chain_pos", c.chain_pos},
							{"latency_ns", c.latency_ns}});
			j["hot_spots"] = ojson{{"by_skip", by_skip}, {"slowest", slowest}};
		}
		emit(j);
	}

	void warning(std::string_view msg) override
	{
		ojson j;
		j["type"] = "warning";
		j["message"] = msg;
		emit(j);
	}

private:
	void emit(const ojson &j)
	{
		std::string line = j.dump(-1, ' ', false, ojson::error_handler_t::replace);
		line += '\n';
		std::fwrite(line.data(), 1, line.size(), out_);
		std::fflush(out_);
	}

	FILE *out_;
};

} // namespace

std::unique_ptr<TraceOutput> make_text_output(FILE *out, FILE *err)
{
	return std::make_unique<TextOutput>(out, err);
}

std::unique_ptr<TraceOutput> make_json_output(FILE *out) { return std::make_unique<JsonOutput>(out); }

} // namespace tmi
