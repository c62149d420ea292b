// exporter.hpp: the engine's state as Prometheus metrics (docs/metrics.md).
//
// prometheus-cpp does the exposition format and the HTTP server (its
// Exposer, civetweb); this file only maps LiveMapState to metric families.
// The families are built from a snapshot at each scrape, so a dropped map's
// series disappear at once and a changed digest replaces the old series.
// Contract: collect_metrics() is pure (unit-tested without a kernel);
// MetricsServer throws tmi::Error (exit 2) with one line naming the address
// when it can't listen, and stops serving in its destructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "live/engine.hpp"

namespace prometheus {
class Exposer;
}

namespace tmi {

struct BuildInfo {
	std::string version, hook, kernel;
};

// Upper bounds (ns) of tmi_map_call_duration_seconds' buckets; +Inf follows.
const std::vector<uint64_t> &duration_bucket_bounds_ns();

std::vector<prometheus::MetricFamily> collect_metrics(const std::vector<LiveMapState> &maps,
						      const BuildInfo &build);
// The families in the text exposition format.
std::string metrics_text(const std::vector<prometheus::MetricFamily> &families);

// Splits "ADDR:PORT"; throws tmi::Error on a malformed one, and on
// "[V6]:PORT" (the HTTP server has no IPv6 here).
struct ListenAddress {
	std::string host; // without brackets
	uint16_t port = 0;
	bool v6 = false;
	static ListenAddress parse(const std::string &s);
	std::string civetweb() const; // "127.0.0.1:9862", "[::1]:9862"
};

class MetricsServer {
public:
	// listen: "ADDR:PORT" (IPv4); port 0 picks a free one.
	MetricsServer(const LiveEngine &engine, BuildInfo build, const std::string &listen);
	~MetricsServer();
	MetricsServer(const MetricsServer &) = delete;
	MetricsServer &operator=(const MetricsServer &) = delete;

	int port() const;

private:
	struct Collector;
	std::shared_ptr<Collector> collector_;
	std::unique_ptr<prometheus::Exposer> exposer_;
	ListenAddress address_;
	int port_ = 0;
};


} // namespace tmi
