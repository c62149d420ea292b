// refresher.hpp: what reading a map tells, refreshed in a worker thread.
//
// Every `interval`, for each map the engine holds: the entry count and the
// tmi-canon-v1 digest (canonical_dump_of, the very code `dump --digest`
// runs, so the two agree byte for byte) and, for the hash family, the
// longest bucket chain and the empty-bucket ratio (analyse_buckets with the
// kernel's own n_buckets and seed), and the text heat strip's columns
// (heat_text.hpp) that top's detail pane draws. A map seen for the first
// time is read within a second, not an interval later. Reads are read-only
// and made by this process, which the tracer never traces.
// Contract: the thread starts in the constructor and is stopped and joined
// by the destructor, which waits at most for the read in progress. A map
// that cannot be read is reported once per distinct reason through `warn`
// and keeps no facts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "live/engine.hpp"

namespace tmi {

// Reads one map's facts now; nullopt when the map no longer exists; throws
// tmi::Error when it exists but can't be read.
std::optional<MapFacts> read_map_facts(uint32_t map_id);

class Refresher {
public:
	Refresher(LiveEngine &engine, std::chrono::milliseconds interval,
		  std::function<void(std::string_view)> warn);
	~Refresher();
	Refresher(const Refresher &) = delete;
	Refresher &operator=(const Refresher &) = delete;

private:
	void run();
	void refresh_due();
	// Warns once per map and distinct problem ("" = none).
	void report(uint32_t id, const std::string &problem);

	LiveEngine &engine_;
	std::chrono::milliseconds interval_;
	std::function<void(std::string_view)> warn_;
	std::map<uint32_t, std::chrono::steady_clock::time_point> next_;
	std::map<uint32_t, std::string> last_error_;
	std::mutex mu_;
	std::condition_variable cv_;
	bool stop_ = false;
	std::thread thread_;
};

} // namespace tmi
