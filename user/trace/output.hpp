// output.hpp: how trace results are written; one interface, two formats.
//
// Text is for people (libbpf-tools style: a line per walk, then a summary
// per map with a log2 histogram). JSON lines are a contract, documented in
// README.md "JSON lines": one object per line, fields in a fixed order,
// strings always valid UTF-8 JSON (invalid bytes in a comm are replaced).
// Contract: implementations write to the FILE they are given and never
// close it; each call writes whole lines and flushes.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "analysis/stats.hpp"
#include "trace/walks.hpp"

namespace tmi {

struct MapLabel {
	uint32_t id = 0;
	std::string name;  // "" when unknown (map gone)
	uint32_t type = 0; // enum bpf_map_type; printed with map_type_name()
};

class TraceOutput {
public:
	virtual ~TraceOutput() = default;
	virtual void walk(const Walk &w, const MapLabel &map) = 0;
	// scope: "total" (whole run, at exit) or "interval" (-i).
	virtual void summary(const MapStats &s, const MapLabel &map, std::string_view scope) = 0;
	virtual void warning(std::string_view msg) = 0;
};

std::unique_ptr<TraceOutput> make_text_output(FILE *out, FILE *err);
std::unique_ptr<TraceOutput> make_json_output(FILE *out);

// "1.23ms" style durations for people.
std::string human_ns(uint64_t ns);

} // namespace tmi
