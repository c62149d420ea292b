// exporter.cpp: see exporter.hpp.
#include "live/exporter.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>
#include <charconv>
#include <sstream>

#include "base/error.hpp"
#include "base/fd.hpp"
#include "maps/maps.hpp"

namespace tmi {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric::Label label(std::string name, std::string value)
{
	return {std::move(name), std::move(value)};
}

std::vector<ClientMetric::Label> map_labels(const MapLabel &m)
{
	return {label("map_id", std::to_string(m.id)), label("map_name", m.name),
		label("map_type", map_type_name(m.type))};
}

ClientMetric counter(std::vector<ClientMetric::Label> labels, double v)
{
	ClientMetric c;
	c.label = std::move(labels);
	c.counter.value = v;
	return c;
}

ClientMetric gauge(std::vector<ClientMetric::Label> labels, double v)
{
	ClientMetric c;
	c.label = std::move(labels);
	c.gauge.value = v;
	return c;
}

std::vector<ClientMetric::Label> with(std::vector<ClientMetric::Label> base,
				      ClientMetric::Label extra)
{
	base.push_back(std::move(extra));
	return base;
}

ClientMetric histogram(const LiveMapState &m)
{
	ClientMetric c;
	c.label = map_labels(m.label);
	c.histogram.sample_count = m.latency.count();
	c.histogram.sample_sum = double(m.latency.sum()) / 1e9;
	for (uint64_t ns : duration_bucket_bounds_ns())
		c.histogram.bucket.push_back({m.latency.count_at_most(ns), double(ns) / 1e9});
	c.histogram.bucket.push_back(
		{m.latency.count(), std::numeric_limits<double>::infinity()});
	return c;
}

// One family per metric name, in the order of docs/metrics.md.
struct Families {
	MetricFamily gnk{"tmi_map_get_next_key_calls_total",
			 "BPF_MAP_GET_NEXT_KEY calls on the map (the final ENOENT included)",
			 MetricType::Counter, {}};
	MetricFamily batch{"tmi_map_batch_calls_total",
			   "BPF_MAP_LOOKUP[_AND_DELETE]_BATCH calls on the map, by op",
			   MetricType::Counter, {}};
	MetricFamily walks{"tmi_map_walks_total",
			   "Walks ended (get_next_key and batch), by status: complete ended at ENOENT",
			   MetricType::Counter, {}};
	MetricFamily restarts{"tmi_map_walk_restarts_total",
			      "Runs of already-returned keys inside walks", MetricType::Counter, {}};
	MetricFamily dups{"tmi_map_walk_duplicate_keys_total",
			  "Keys returned more than once within one walk", MetricType::Counter, {}};
	MetricFamily lost{"tmi_map_lost_events_total",
			  "Calls the kernel could not report (ring buffer full), counted in the kernel",
			  MetricType::Counter, {}};
	MetricFamily duration{"tmi_map_call_duration_seconds",
			      "Latency of each traced call (get_next_key and batch), entry to exit",
			      MetricType::Histogram, {}};
	MetricFamily callers{"tmi_map_caller_calls_total",
			     "Calls by process name; at most 10 comm values per map, the rest "
			     "summed as comm=\"other\"",
			     MetricType::Counter, {}};
	MetricFamily entries{"tmi_map_entries", "Entries counted at the last digest refresh",
			     MetricType::Gauge, {}};
	MetricFamily digest{"tmi_map_digest_info",
			    "The tmi-canon-v1 SHA-256 of the map's contents at the last refresh "
			    "(as dump --digest prints it)",
			    MetricType::Gauge, {}};
	MetricFamily max_chain{"tmi_map_bucket_max_chain",
			       "Hash maps: the longest bucket chain at the last refresh",
			       MetricType::Gauge, {}};
	MetricFamily empty_ratio{"tmi_map_bucket_empty_ratio",
				 "Hash maps: empty buckets / n_buckets at the last refresh",
				 MetricType::Gauge, {}};
	MetricFamily build{"tmi_build_info",
			   "trace-map-iter's version, the hook it traces with and the kernel",
			   MetricType::Gauge, {}};

	void add(const LiveMapState &m)
	{
		auto l = map_labels(m.label);
		gnk.metric.push_back(counter(l, double(m.get_next_key_calls)));
		batch.metric.push_back(counter(with(l, label("op", "lookup")), double(m.batch_lookup_calls)));
		batch.metric.push_back(counter(with(l, label("op", "lookup_and_delete")),
					       double(m.batch_lookup_and_delete_calls)));
		walks.metric.push_back(counter(with(l, label("status", "complete")), double(m.walks_complete)));
		walks.metric.push_back(
			counter(with(l, label("status", "incomplete")), double(m.walks_incomplete)));
		if (m.order_known) { // unknown in aggregate mode: no series rather than 0
			restarts.metric.push_back(counter(l, double(m.restarts)));
			dups.metric.push_back(counter(l, double(m.duplicates)));
		}
		lost.metric.push_back(counter(l, double(m.lost_events)));
		duration.metric.push_back(histogram(m));
		for (auto &[comm, n] : m.callers)
			callers.metric.push_back(counter(with(l, label("comm", comm)), double(n)));
		const MapFacts &f = m.facts;
		if (f.entries)
			entries.metric.push_back(gauge(l, double(*f.entries)));
		if (f.digest)
			digest.metric.push_back(gauge(with(l, label("digest", *f.digest)), 1));
		if (f.bucket_max_chain)
			max_chain.metric.push_back(gauge(l, double(*f.bucket_max_chain)));
		if (f.bucket_empty_ratio)
			empty_ratio.metric.push_back(gauge(l, *f.bucket_empty_ratio));
	}

	std::vector<MetricFamily> take()
	{
		std::vector<MetricFamily> out;
		for (MetricFamily *f : {&gnk, &batch, &walks, &restarts, &dups, &lost, &duration, &callers,
					&entries, &digest, &max_chain, &empty_ratio, &build})
			if (!f->metric.empty())
				out.push_back(std::move(*f));
		return out;
	}
};

// Why bind() to `a` fails now, or "" when it would succeed: civetweb only
// says "null context", so the reason is asked of the kernel directly.
std::string bind_problem(const ListenAddress &a)
{
	sockaddr_storage ss{};
	socklen_t len;
	if (a.v6) {
		auto *s6 = reinterpret_cast<sockaddr_in6 *>(&ss);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a.port);
		inet_pton(AF_INET6, a.host.c_str(), &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		auto *s4 = reinterpret_cast<sockaddr_in *>(&ss);
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a.port);
		inet_pton(AF_INET, a.host.c_str(), &s4->sin_addr);
		len = sizeof(*s4);
	}
	UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (fd.get() < 0)
		return std::strerror(errno);
	int one = 1;
	setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&ss), len) != 0)
		return std::strerror(errno);
	return "";
}

// Connects to the listener and closes at once (nothing is sent).
void wake_listener(const ListenAddress &a, int port)
{
	bool any = a.host == "0.0.0.0" || a.host == "::";
	sockaddr_storage ss{};
	socklen_t len;
	if (a.v6) {
		auto *s6 = reinterpret_cast<sockaddr_in6 *>(&ss);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(uint16_t(port));
		inet_pton(AF_INET6, any ? "::1" : a.host.c_str(), &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		auto *s4 = reinterpret_cast<sockaddr_in *>(&ss);
		s4->sin_family = AF_INET;
		s4->sin_port = htons(uint16_t(port));
		inet_pton(AF_INET, any ? "127.0.0.1" : a.host.c_str(), &s4->sin_addr);
		len = sizeof(*s4);
	}
	UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (fd.get() >= 0)
		::connect(fd.get(), reinterpret_cast<sockaddr *>(&ss), len);
}

} // namespace

const std::vector<uint64_t> &duration_bucket_bounds_ns()
{
	static const std::vector<uint64_t> bounds{100,   250,   500,    1000,    2500,     5000,
						  10000, 25000, 50000, 100000, 1000000, 10000000};
	return bounds;
}

std::vector<MetricFamily> collect_metrics(const std::vector<LiveMapState> &maps,
					  const BuildInfo &build)
{
	Families f;
	for (auto &m : maps)
		f.add(m);
	f.build.metric.push_back(gauge({label("version", build.version), label("hook", build.hook),
					label("kernel", build.kernel)},
				       1));
	return f.take();
}

std::string metrics_text(const std::vector<MetricFamily> &families)
{
	std::ostringstream out;
	prometheus::TextSerializer().Serialize(out, families);
	return out.str();
}

ListenAddress ListenAddress::parse(const std::string &s)
{
	auto bad = [&](const char *why) {
		return Error(fmt::format("invalid --listen '{}': {}", s, why));
	};
	size_t colon = s.rfind(':');
	if (colon == std::string::npos)
		throw bad("expected ADDR:PORT");
	ListenAddress a;
	a.host = s.substr(0, colon);
	if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') {
		a.host = a.host.substr(1, a.host.size() - 2);
		a.v6 = true;
	}
	std::string port = s.substr(colon + 1);
	unsigned p = 0;
	auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
	if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535)
		throw bad("the port is not a number from 0 to 65535");
	a.port = uint16_t(p);
	unsigned char buf[sizeof(in6_addr)];
	if (a.v6)
		// Debian's civetweb (prometheus-cpp's HTTP server) is built
		// without IPv6 (mg_check_feature(8) == 0): say so rather than
		// let it fail with "null context".
		throw bad("IPv6 is not supported by the HTTP server this was built with");
	if (inet_pton(AF_INET, a.host.c_str(), buf) != 1)
		throw bad("not an IPv4 address");
	return a;
}

std::string ListenAddress::civetweb() const
{
	return v6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

struct MetricsServer::Collector : prometheus::Collectable {
	Collector(const LiveEngine &e, BuildInfo b) : engine(e), build(std::move(b)) {}
	std::vector<MetricFamily> Collect() const override
	{
		return collect_metrics(engine.snapshot(), build);
	}
	const LiveEngine &engine;
	BuildInfo build;
};

MetricsServer::MetricsServer(const LiveEngine &engine, BuildInfo build, const std::string &listen)
	: collector_(std::make_shared<Collector>(engine, std::move(build)))
{
	ListenAddress a = ListenAddress::parse(listen);
	address_ = a;
	std::string problem = bind_problem(a);
	if (!problem.empty())
		throw Error(fmt::format("can't listen on {}: {}", listen, problem));
	try {
		exposer_ = std::make_unique<prometheus::Exposer>(a.civetweb(), 2);
	} catch (const std::exception &e) {
		throw Error(fmt::format("can't listen on {}: {}", listen, e.what()));
	}
	exposer_->RegisterCollectable(collector_);
	auto ports = exposer_->GetListeningPorts();
	port_ = ports.empty() ? 0 : ports.front();
}

MetricsServer::~MetricsServer()
{
	// civetweb's listener polls with a 2 s quantum and only then sees the
	// stop flag; connections wake it, so stopping takes milliseconds, not
	// up to 2 s (serve must stop within a second of SIGTERM).
	std::atomic<bool> stopped{false};
	std::thread poke([&] {
		while (!stopped) {
			wake_listener(address_, port());
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		}
	});
	exposer_.reset();
	stopped = true;
	poke.join();
}

int MetricsServer::port() const { return port_; }

} // namespace tmi
