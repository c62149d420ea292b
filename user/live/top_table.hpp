// top_table.hpp: what `top` shows, computed from the engine's snapshot.
//
// One row per map: id, name, type, entries, get_next_key calls/s, batch
// calls/s, walks/s (over the latest interval), restarts, duplicates, lost
// events (totals since start), p50/p99 latency (latest interval; "-" when
// it had no calls) and the top caller. Rows sort by a key, biggest first,
// then by map id. The same rows are drawn by ncurses (top_screen.hpp) and
// printed as plain tables when stdout is not a terminal.
// Contract: pure (unit-tested without a kernel or a terminal).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "live/engine.hpp"

namespace tmi {

enum class TopSort { Calls, Walks, P99, Lost, Restarts };

// "calls" -> Calls ...; nullopt for anything else.
std::optional<TopSort> parse_top_sort(const std::string &s);
const char *top_sort_name(TopSort s);

struct TopRow {
	uint32_t id = 0;
	std::string name, type;
	std::optional<uint64_t> entries;
	double calls_per_s = 0, batch_per_s = 0, walks_per_s = 0;
	uint64_t restarts = 0, duplicates = 0, lost = 0;
	bool order_known = true; // false: restarts and duplicates unknown, shown as "-"
	uint64_t p50_ns = 0, p99_ns = 0; // latest interval; 0 = no calls
	std::string top_caller;
};

std::vector<TopRow> top_rows(const std::vector<LiveMapState> &maps, TopSort sort);

// The header and one line per row, each cut to `width` columns.
std::string top_header(size_t width);
std::string top_line(const TopRow &r, size_t width);

// A detail pane's lines: what reading the map told, top_hash_detail(), the
// map's latency histogram (log2, all calls since start) and its callers.
std::vector<std::string> top_detail(const LiveMapState &m, size_t width);
// For the hash family (none for other maps): the bucket strip in characters
// (heat_text.hpp, from the refresher's reading) and the slowest recent calls
// (latency, pid, comm, empty buckets scanned; or why there are none), each
// section followed by a blank line. Also printed under the plain tables.
std::vector<std::string> top_hash_detail(const LiveMapState &m, size_t width);

} // namespace tmi
