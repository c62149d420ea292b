// output.hpp: how trace results are written; one interface, two formats.
//
// Text is for people (libbpf-tools style: a line per walk, then a summary
// per map with a log2 histogram). JSON lines are a contract, documented in
// README.md "JSON lines": one object per line, fields in a fixed order,
// strings always valid UTF-8 JSON (invalid bytes in a comm are replaced).
// Human output escapes control bytes (and invalid UTF-8) in comms and map
// names, so a hostile comm cannot drive the terminal.
// Contract: implementations write to the FILE they are given and never
// close it; each call writes whole lines and flushes.
#pragma once

#include <cstdio>
#include <memory>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/stats.hpp"
#include "trace/walks.hpp"

namespace tmi {

struct MapLabel {
	uint32_t id = 0;
	std::string name;  // "" when unknown (map gone)
	uint32_t type = 0; // enum bpf_map_type; printed with map_type_name()
};

// One block of summaries (the totals, or one -i interval).
struct SummaryBlock {
	std::string scope;  // "total" or "interval"
	std::string ts;     // ISO-8601 UTC wall clock when the block was cut
	size_t shown = 0;   // summaries that follow
	size_t candidates = 0; // maps the block would show without --top
	std::string order;  // "map id", "calls", ... (how they are sorted)
	size_t top = 0;     // --top N, 0 = all
	std::string hook;   // the hook the tracer attached with ("fentry", "tracepoint", ...)
};

class TraceOutput {
public:
	virtual ~TraceOutput() = default;
	virtual void walk(const Walk &w, const MapLabel &map) = 0;
	// Starts a block of summaries: text prints a header line with the
	// timestamp; JSON adds "ts" to each summary of the block.
	virtual void summaries_begin(const SummaryBlock &block) = 0;
	// scope: "total" (whole run, at exit) or "interval" (-i).
	virtual void summary(const MapStats &s, const MapLabel &map, std::string_view scope) = 0;
	virtual void warning(std::string_view msg) = 0;
};

// Warnings gathered per cause, given once for all the maps they concern
// ("no bucket hot spots for 5 maps (ids 3, 7, ...): the map was gone"),
// so a churn of short-lived maps cannot flood stderr or the JSON stream.
class WarningTally {
public:
	// `what`: what could not be done ("no bucket hot spots"); `cause`: why,
	// without the map's id.
	void add(const std::string &what, const std::string &cause, uint32_t map_id);
	// One warning per (what, cause), then forgets them.
	void flush(TraceOutput &out);
	bool empty() const { return by_cause_.empty(); }

private:
	// Ids in the order first added (the warning names the first ten); the
	// set keeps a long run over many maps from re-scanning the list.
	struct Ids {
		std::vector<uint32_t> order;
		std::set<uint32_t> seen;
	};
	std::map<std::pair<std::string, std::string>, Ids> by_cause_;
};

// "5 maps (ids 3, 7, 9, 12, 15)": at most 10 ids, then "and N more".
std::string describe_map_ids(const std::vector<uint32_t> &ids);

// Bytes a terminal would act on written as escapes: C0 controls and DEL as
// \n, \t, \xNN; a backslash as \\; invalid UTF-8 and C1 controls as \xNN.
// Valid printable UTF-8 passes unchanged.
std::string printable(std::string_view s);

// The current wall clock as ISO-8601 UTC with milliseconds
// ("2026-12-01T10:55:39.123Z").
std::string iso8601_now();

std::unique_ptr<TraceOutput> make_text_output(FILE *out, FILE *err);
std::unique_ptr<TraceOutput> make_json_output(FILE *out);

// "1.23ms" style durations for people.
std::string human_ns(uint64_t ns);

} // namespace tmi
