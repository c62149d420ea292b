// refresher.cpp: see refresher.hpp.
#include "live/refresher.hpp"

#include <fmt/format.h>

#include <set>

#include "analysis/buckets.hpp"
#include "base/error.hpp"
#include "canon/canon.hpp"
#include "maps/map_reader.hpp"
#include "maps/maps.hpp"

namespace tmi {

std::optional<MapFacts> read_map_facts(uint32_t map_id)
{
	std::optional<OpenMap> opened;
	try {
		opened.emplace(open_map_by_id(map_id));
	} catch (const Error &) {
		return std::nullopt; // gone: the engine drops it at its next tick
	}
	const OpenMap &m = *opened;
	MapFacts f;
	CanonDump d = canonical_dump_of(m, nullptr);
	f.entries = d.header().entries;
	f.digest = d.header().sha256;
	if (!is_hash_family(m.info.type))
		return f;
	// The digest stands even when the bucket array can't be modelled.
	try {
		MapContents contents = read_map(m.fd.get(), m.info);
		HtabModel model = read_htab_model(m, contents);
		BucketReport r = analyse_buckets(contents, model, 0);
		f.bucket_max_chain = r.max_chain;
		if (r.n_buckets)
			f.bucket_empty_ratio = double(r.empty_buckets) / r.n_buckets;
		f.buckets = heat_summary(r);
	} catch (const Error &e) {
		f.problem = fmt::format("no bucket stats for map {}: {}", map_id, e.what());
	}
	return f;
}

Refresher::Refresher(LiveEngine &engine, std::chrono::milliseconds interval,
		     std::function<void(std::string_view)> warn)
	: engine_(engine), interval_(interval), warn_(std::move(warn)),
	  thread_([this] { run(); })
{
}

Refresher::~Refresher()
{
	{
		std::lock_guard lock(mu_);
		stop_ = true;
	}
	cv_.notify_all();
	thread_.join();
}

void Refresher::run()
{
	std::unique_lock lock(mu_);
	while (!stop_) {
		lock.unlock();
		refresh_due();
		lock.lock();
		// New maps are picked up within a second.
		cv_.wait_for(lock, std::min<std::chrono::milliseconds>(interval_, std::chrono::seconds(1)),
			     [this] { return stop_; });
	}
}

void Refresher::report(uint32_t id, const std::string &problem)
{
	if (problem.empty()) {
		last_error_.erase(id);
		return;
	}
	if (last_error_[id] != problem && warn_)
		warn_(problem);
	last_error_[id] = problem;
}

void Refresher::refresh_due()
{
	auto ids = engine_.map_ids();
	std::set<uint32_t> present(ids.begin(), ids.end());
	std::erase_if(next_, [&](auto &kv) { return !present.count(kv.first); });
	std::erase_if(last_error_, [&](auto &kv) { return !present.count(kv.first); });
	for (uint32_t id : ids) {
		auto now = std::chrono::steady_clock::now();
		auto due = next_.find(id);
		if (due != next_.end() && now < due->second)
			continue;
		{
			std::lock_guard lock(mu_);
			if (stop_)
				return;
		}
		next_[id] = now + interval_;
		try {
			std::optional<MapFacts> f = read_map_facts(id);
			if (!f)
				continue;
			engine_.set_facts(id, *f);
			report(id, f->problem);
		} catch (const std::exception &e) {
			engine_.set_facts(id, MapFacts{});
			report(id, fmt::format("can't read map {} for its digest: {}", id, e.what()));
		}
	}
}

} // namespace tmi
