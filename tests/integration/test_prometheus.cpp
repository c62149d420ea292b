// Fleet agreement on a real Prometheus server: two `serve` instances trace
// two maps of the same name with different contents; Prometheus (the Debian
// package's /usr/bin/prometheus, on loopback only) scrapes both every
// second and evaluates the shipped rules every second. Through its HTTP API
// the test checks that the walk counts are the walks it made and that
// TmiMapDigestMismatch fires. Bounded: everything ends within a minute.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "common/helpers.hpp"
#include "common/root.hpp"
#include "integration/live_helpers.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char *kPrometheus = "/usr/bin/prometheus";
constexpr const char *kShippedRules = "contrib/prometheus/rules.yml";

// The shipped rules when the tree has them, with every `for:` cut to 0s so
// the alert fires within the test's time; else the alert alone.
std::string rules_text()
{
	std::ifstream shipped(kShippedRules);
	if (shipped) {
		std::stringstream ss;
		ss << shipped.rdbuf();
		return std::regex_replace(ss.str(), std::regex("(\\n\\s*for:)\\s*\\S+"), "$1 0s");
	}
	return "groups:\n"
	       "  - name: tmi-test\n"
	       "    rules:\n"
	       "      - alert: TmiMapDigestMismatch\n"
	       "        expr: count by (map_name) (count by (map_name, digest) (tmi_map_digest_info == 1)) > 1\n";
}

std::string url_encode(const std::string &s)
{
	std::string out;
	for (unsigned char c : s) {
		if (isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~')
			out += char(c);
		else
			out += fmt::format("%{:02X}", c);
	}
	return out;
}

json api(int port, const std::string &path)
{
	HttpReply r = http_get(port, path);
	if (r.status != 200)
		return json();
	return json::parse(r.body, nullptr, false);
}

} // namespace

TEST(Prometheus, ScrapesTwoInstancesCountsWalksAndAlertsOnDigestMismatch)
{
	TMI_REQUIRE_ROOT();
	if (access(kPrometheus, X_OK) != 0) {
		if (in_ci())
			FAIL() << kPrometheus << " missing (scripts/install-deps.sh installs it)";
		GTEST_SKIP() << kPrometheus << " missing";
	}
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(55);

	// Same name, different contents (different key counts).
	UniqueFd a = create_map(1 /* hash */, 4, 8, 256, 0, "tmi_fleet");
	UniqueFd b = create_map(1, 4, 8, 256, 0, "tmi_fleet");
	for (uint64_t i = 0; i < 50; i++)
		put(a.get(), make_key(i, 4), Bytes(8, 1));
	for (uint64_t i = 0; i < 60; i++)
		put(b.get(), make_key(i, 4), Bytes(8, 1));

	// -p: only this test's walks count, whatever else reads the maps (on a
	// shared host, another serve's digest reads are walks too).
	std::string self = std::to_string(getpid());
	ServeRun sa({"--map-id", std::to_string(map_id(a.get())), "--digest-interval", "1", "-p", self});
	ServeRun sb({"--map-id", std::to_string(map_id(b.get())), "--digest-interval", "1", "-p", self});
	ASSERT_TRUE(sa.started()) << sa.err();
	ASSERT_TRUE(sb.started()) << sb.err();
	const int walks_a = 3, walks_b = 2;
	for (int i = 0; i < walks_a; i++)
		ASSERT_EQ(walk_keys(a.get(), 4).size(), 50u);
	for (int i = 0; i < walks_b; i++)
		ASSERT_EQ(walk_keys(b.get(), 4).size(), 60u);

	char tmpl[] = "/tmp/tmi-prom-XXXXXX";
	ASSERT_NE(mkdtemp(tmpl), nullptr);
	fs::path dir = tmpl;
	{
		std::ofstream(dir / "rules.yml") << rules_text();
		std::ofstream(dir / "prometheus.yml")
			<< "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
			<< "rule_files:\n  - " << (dir / "rules.yml").string() << "\n"
			<< "scrape_configs:\n  - job_name: trace-map-iter\n    static_configs:\n"
			<< "      - targets: ['127.0.0.1:" << sa.port() << "', '127.0.0.1:" << sb.port()
			<< "']\n";
	}
	int port = free_port();
	ASSERT_GT(port, 0);
	Child prom({kPrometheus, "--config.file=" + (dir / "prometheus.yml").string(),
		    "--storage.tsdb.path=" + (dir / "data").string(),
		    "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"});

	// Ready, then both instances' complete walks as made.
	std::map<int, double> walks; // serve port -> complete walks, as Prometheus has them
	std::string query = url_encode("tmi_map_walks_total{status=\"complete\",map_name=\"tmi_fleet\"}");
	while (std::chrono::steady_clock::now() < deadline) {
		prom.wait_for_stderr_line("\x01", std::chrono::milliseconds(300)); // drain its log
		json j = api(port, "/api/v1/query?query=" + query);
		if (j.is_object() && j.value("status", "") == "success") {
			walks.clear();
			for (auto &r : j["data"]["result"]) {
				std::string inst = r["metric"]["instance"];
				walks[std::atoi(inst.c_str() + inst.rfind(':') + 1)] =
					std::stod(r["value"][1].get<std::string>());
			}
			if (walks[sa.port()] == walks_a && walks[sb.port()] == walks_b)
				break;
		}
	}
	EXPECT_EQ(walks[sa.port()], walks_a) << prom.err();
	EXPECT_EQ(walks[sb.port()], walks_b) << prom.err();

	// The digests disagree: the alert fires.
	std::string state;
	while (std::chrono::steady_clock::now() < deadline && state != "firing") {
		prom.wait_for_stderr_line("\x01", std::chrono::milliseconds(300));
		json j = api(port, "/api/v1/alerts");
		if (!j.is_object() || j.value("status", "") != "success")
			continue;
		for (auto &al : j["data"]["alerts"])
			if (al["labels"]["alertname"] == "TmiMapDigestMismatch" &&
			    al["labels"]["map_name"] == "tmi_fleet")
				state = al["state"];
	}
	EXPECT_EQ(state, "firing") << prom.err();

	prom.signal(SIGTERM);
	EXPECT_EQ(prom.wait(std::chrono::seconds(10)), 0) << prom.err();
	fs::remove_all(dir);
}
