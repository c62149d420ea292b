// output.cpp: see output.hpp.
#include "trace/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>

#include "analysis/histogram.hpp"
#include "base/hex.hpp"
#include "base/json.hpp"
#include "maps/maps.hpp"

namespace tmi {

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

std::string iso8601_now()
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return fmt::format("{}.{:03}Z", buf, ts.tv_nsec / 1'000'000);
}

// Length of the valid UTF-8 sequence at s[i] (2..4), or 0.
static size_t utf8_len(std::string_view s, size_t i)
{
	auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
	unsigned char c = b(i);
	size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	if (n == 0 || i + n > s.size())
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((b(i + k) & 0xc0) != 0x80)
			return 0;
	uint32_t cp = n == 2 ? ((c & 0x1f) << 6) | (b(i + 1) & 0x3f)
		    : n == 3 ? ((c & 0x0f) << 12) | ((b(i + 1) & 0x3f) << 6) | (b(i + 2) & 0x3f)
			     : ((c & 0x07) << 18) | ((b(i + 1) & 0x3f) << 12) |
				       ((b(i + 2) & 0x3f) << 6) | (b(i + 3) & 0x3f);
	bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
	bool bad = overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		   (cp >= 0x80 && cp <= 0x9f); // C1 controls: terminals act on them
	return bad ? 0 : n;
}

std::string printable(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	for (size_t i = 0; i < s.size();) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		if (c >= 0x20 && c < 0x7f) {
			if (c == '\\')
				out += '\\';
			out += char(c);
			i++;
			continue;
		}
		size_t n = c >= 0x80 ? utf8_len(s, i) : 0;
		if (n) {
			out.append(s.substr(i, n));
			i += n;
			continue;
		}
		switch (c) {
		case '\n': out += "\\n"; break;
		case '\t': out += "\\t"; break;
		case '\r': out += "\\r"; break;
		default: out += fmt::format("\\x{:02x}", c); break;
		}
		i++;
	}
	return out;
}

std::string describe_map_ids(const std::vector<uint32_t> &ids)
{
	constexpr size_t kShown = 10;
	std::string list;
	for (size_t i = 0; i < ids.size() && i < kShown; i++)
		list += fmt::format("{}{}", i ? ", " : "", ids[i]);
	if (ids.size() > kShown)
		list += fmt::format(" and {} more", ids.size() - kShown);
	return fmt::format("{} map{} ({} {})", ids.size(), ids.size() == 1 ? "" : "s",
			   ids.size() == 1 ? "id" : "ids", list);
}

void WarningTally::add(const std::string &what, const std::string &cause, uint32_t map_id)
{
	Ids &ids = by_cause_[{what, cause}];
	if (ids.seen.insert(map_id).second)
		ids.order.push_back(map_id);
}

void WarningTally::flush(TraceOutput &out)
{
	for (auto &[key, ids] : by_cause_)
		out.warning(fmt::format("{} for {}: {}", key.first, describe_map_ids(ids.order), key.second));
	by_cause_.clear();
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
	return m.name.empty() ? fmt::format("{}", m.id) : fmt::format("{}:{}", m.id, printable(m.name));
}

namespace {

// "EFAULT" (glibc's name for the errno), or the number when it has none.
std::string errno_name(int err)
{
	if (const char *n = strerrorname_np(err))
		return n;
	return std::to_string(err);
}

// "EFAULT 3, EBADF 1"
std::string failed_list(const std::map<int, uint64_t> &by_errno)
{
	std::string s;
	for (auto &[err, n] : by_errno)
		s += fmt::format("{}{} {}", s.empty() ? "" : ", ", errno_name(err), n);
	return s;
}

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
		if (w.start != WalkStart::Null)
			status += fmt::format(",{}", walk_start_name(w.start));
		if (w.batch) {
			status = "batch," + status;
			if (w.op != BatchOp::Lookup)
				status += fmt::format(",{}", batch_op_name(w.op));
		}
		fmt::print(out_, "{:<8} {:<7} {:<16} {:<20} {:>9} {:>9} {:>8} {:>6} {:>9} {}\n",
			   wall_clock_now(), w.pid, printable(w.comm), map_column(map),
			   w.batch ? w.entries : w.keys, w.calls, w.restarts, w.duplicates,
			   human_ns(w.duration_ns()), status);
		std::fflush(out_);
	}

	void summaries_begin(const SummaryBlock &b) override
	{
		std::string shown = b.shown == b.candidates
			? fmt::format("{} map{}", b.shown, b.shown == 1 ? "" : "s")
			: fmt::format("{} of {} maps", b.shown, b.candidates);
		fmt::print(out_, "\n=== {} at {}: {}{}, by {} ===\n",
			   b.scope == "interval" ? "Interval" : "Totals", b.ts, shown,
			   b.top ? fmt::format(" (--top {})", b.top) : "", b.order);
		std::fflush(out_);
	}

	void summary(const MapStats &s, const MapLabel &map, std::string_view scope) override
	{
		// Aggregate mode knows no keys: restarts and duplicates are left
		// out, the walks not started at NULL are said instead.
		std::string order = s.order_known
			? fmt::format("{} restarts, {} duplicates", s.restarts, s.duplicates)
			: fmt::format("{} not started at NULL", s.unknown_starts.value_or(0));
		fmt::print(out_, "\n{} map {} ({}, {}): {} calls ({} get_next_key, {} batch), "
				 "{} walks ({} complete, {} batch), {}, {} lost events\n",
			   scope == "interval" ? "Interval:" : "Summary:", map.id,
			   map.name.empty() ? "?" : printable(map.name), map_type_name(map.type), s.calls, s.get_next_key_calls,
			   s.batch_calls, s.walks, s.complete_walks, s.batch_walks, order,
			   s.lost_events);
		if (s.callers_overflow.value_or(0))
			fmt::print(out_, "calls not attributed to a caller (callers table full): {}\n",
				   *s.callers_overflow);
		if (!s.failed_by_errno.empty())
			fmt::print(out_, "failed calls (no event): {}\n", failed_list(s.failed_by_errno));
		print_hist(s.latency);
		if (s.latency.count())
			fmt::print(out_, "latency p50 {} p90 {} p99 {} max {}\n",
				   human_ns(s.latency.percentile(50)), human_ns(s.latency.percentile(90)),
				   human_ns(s.latency.percentile(99)), human_ns(s.latency.max()));
		auto callers = s.top_callers(5);
		if (!callers.empty()) {
			fmt::print(out_, "top callers:\n");
			for (auto &c : callers)
				fmt::print(out_, "  {:<7} {:<16} {} calls{}\n", c.pid, printable(c.comm), c.calls,
					   c.walks ? fmt::format(", {} walks", *c.walks) : "");
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
		Json j;
		j.set("type", w.batch ? "batch_walk" : "walk");
		j.set("map_id", w.map_id);
		j.set("map_name", map.name);
		j.set("pid", w.pid);
		j.set("tid", w.tid);
		j.set("comm", w.comm);
		j.set("calls", w.calls);
		if (w.batch) {
			j.set("entries", w.entries);
		} else {
			j.set("keys", w.keys);
			j.set("restarts", w.restarts);
			j.set("duplicates", w.duplicates);
		}
		j.set("complete", w.complete);
		j.set("resumed", w.resumed);
		j.set("duration_ns", w.duration_ns());
		j.set("busy_ns", w.busy_ns);
		if (w.batch) {
			j.set("start", walk_start_name(w.start));
			j.set("op", batch_op_name(w.op));
		} else {
			if (!w.order_sha256.empty())
				j.set("order_sha256", w.order_sha256);
			if (w.unreadable_keys)
				j.set("unreadable_keys", w.unreadable_keys);
			if (!w.order.empty()) {
				Json order = Json::array();
				for (auto &k : w.order)
					order.push(to_hex(k));
				j.set("order", std::move(order));
			}
			// Only for maps whose calls could be placed in buckets.
			if (std::any_of(w.skipped.begin(), w.skipped.end(), [](int64_t v) { return v >= 0; })) {
				Json skipped = Json::array();
				for (int64_t v : w.skipped)
					skipped.push(v);
				j.set("skipped", std::move(skipped));
			}
			j.set("start", walk_start_name(w.start));
		}
		emit(j);
	}

	void summary(const MapStats &s, const MapLabel &map, std::string_view scope) override
	{
		Json j;
		j.set("type", "summary");
		j.set("scope", scope);
		j.set("map_id", s.map_id);
		j.set("map_name", map.name);
		j.set("map_type", map_type_name(map.type));
		j.set("calls", s.calls);
		j.set("get_next_key_calls", s.get_next_key_calls);
		j.set("batch_calls", s.batch_calls);
		j.set("walks", s.walks);
		j.set("complete_walks", s.complete_walks);
		j.set("batch_walks", s.batch_walks);
		if (s.order_known) { // unknown in aggregate mode: absent, not zero
			j.set("restarts", s.restarts);
			j.set("duplicates", s.duplicates);
		}
		j.set("lost_events", s.lost_events);
		Json lat;
		lat.set("p50", s.latency.percentile(50));
		lat.set("p90", s.latency.percentile(90));
		lat.set("p99", s.latency.percentile(99));
		lat.set("max", s.latency.max());
		Json hist = Json::array();
		for (auto &b : s.latency.log2_buckets())
			hist.push(Json::object({{"lo", b.lo}, {"hi", b.hi}, {"count", b.count}}));
		lat.set("hist", std::move(hist));
		j.set("latency_ns", std::move(lat));
		Json callers = Json::array();
		for (auto &c : s.top_callers(5)) {
			Json caller = Json::object({{"pid", c.pid}, {"comm", c.comm}, {"calls", c.calls}});
			if (c.walks)
				caller.set("walks", *c.walks);
			callers.push(std::move(caller));
		}
		j.set("top_callers", std::move(callers));
		if (s.hot_spots) {
			Json by_skip = Json::array(), slowest = Json::array();
			for (auto &b : s.hot_spots->by_skip)
				by_skip.push(Json::object({{"lo", b.lo}, {"hi", b.hi}, {"calls", b.calls},
							   {"mean_ns", b.calls ? b.total_ns / b.calls : 0}}));
			for (auto &c : s.hot_spots->slowest)
				slowest.push(Json::object({{"from_bucket", c.from_bucket}, {"to_bucket", c.to_bucket},
							   {"skipped", c.skipped}, {"chain_pos", c.chain_pos},
							   {"latency_ns", c.latency_ns}}));
			j.set("hot_spots", Json::object({{"by_skip", by_skip}, {"slowest", slowest}}));
		}
		if (!ts_.empty())
			j.set("ts", ts_);
		j.set("hook", hook_);
		Json failed = Json::object();
		for (auto &[err, n] : s.failed_by_errno)
			failed.set(errno_name(err), n);
		j.set("failed_calls", std::move(failed));
		if (s.unknown_starts)
			j.set("unknown_starts", *s.unknown_starts);
		if (s.callers_overflow)
			j.set("callers_overflow", *s.callers_overflow);
		emit(j);
	}

	void summaries_begin(const SummaryBlock &b) override
	{
		ts_ = b.ts;
		hook_ = b.hook;
	}

	void warning(std::string_view msg) override
	{
		Json j;
		j.set("type", "warning");
		j.set("message", msg);
		emit(j);
	}

private:
	void emit(const Json &j)
	{
		std::string line = j.line();
		line += '\n';
		std::fwrite(line.data(), 1, line.size(), out_);
		std::fflush(out_);
	}

	FILE *out_;
	std::string ts_;   // of the current summary block
	std::string hook_; // of the current summary block
};

} // namespace

std::unique_ptr<TraceOutput> make_text_output(FILE *out, FILE *err)
{
	return std::make_unique<TextOutput>(out, err);
}

std::unique_ptr<TraceOutput> make_json_output(FILE *out) { return std::make_unique<JsonOutput>(out); }

} // namespace tmi
