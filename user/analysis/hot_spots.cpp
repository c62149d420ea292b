// hot_spots.cpp: see hot_spots.hpp.
#include "analysis/hot_spots.hpp"

#include <algorithm>
#include <bit>

namespace tmi {

namespace {

// Inserts `c` into `list` (slowest first) if it is among the `keep` slowest.
void keep_slowest(std::vector<SlowCall> &list, const SlowCall &c, size_t keep)
{
	auto slower = [](const SlowCall &a, const SlowCall &b) { return a.latency_ns > b.latency_ns; };
	if (list.size() < keep || slower(c, list.back())) {
		list.insert(std::upper_bound(list.begin(), list.end(), c, slower), c);
		if (list.size() > keep)
			list.pop_back();
	}
}

} // namespace

std::optional<SlowCall> HotSpotTracker::on_call(const CallEvent &ev)
{
	if (ev.is_batch())
		return std::nullopt;
	Thread &t = threads_[ev.tid];
	int64_t from;
	if (ev.walk_start())
		from = -1;
	else if (ev.cursor)
		from = model_.bucket(*ev.cursor);
	else if (t.valid)
		from = t.bucket; // cursor not copied: the thread's last returned key
	else {
		t.valid = false;
		return std::nullopt; // cannot place this call
	}
	uint64_t to = ev.next_key ? model_.bucket(*ev.next_key) : model_.n_buckets;
	if (ev.next_key_unreadable) {
		t.valid = false;
		return std::nullopt;
	}
	// Empty buckets scanned: those strictly between; from the start, all
	// before `to`; a key from the same bucket scans none.
	uint64_t skipped = from < 0 ? to : (to > uint64_t(from) ? to - from - 1 : 0);
	uint32_t pos = 0;
	if (ev.next_key)
		pos = (from >= 0 && uint64_t(from) == to && t.valid) ? t.chain_pos + 1 : 1;
	t = {to, pos, ev.next_key.has_value()};

	unsigned slot = skipped ? std::bit_width(skipped) : 0; // 0 | 1 | 2-3 | 4-7 ...
	auto [it, fresh] = by_skip_.try_emplace(slot);
	if (fresh)
		it->second = {slot ? uint64_t(1) << (slot - 1) : 0, slot ? (uint64_t(1) << slot) - 1 : 0, 0, 0};
	it->second.calls++;
	it->second.total_ns += ev.latency_ns;

	SlowCall c{from, to, skipped, pos, ev.latency_ns, ev.pid, ev.comm};
	keep_slowest(slowest_, c, keep_);
	keep_slowest(recent_, c, keep_);
	return c;
}

HotSpots HotSpotTracker::summary() const
{
	HotSpots h;
	for (auto &[slot, b] : by_skip_)
		h.by_skip.push_back(b);
	h.slowest = slowest_;
	return h;
}

std::vector<SlowCall> HotSpotTracker::take_recent()
{
	std::vector<SlowCall> out;
	out.swap(recent_);
	return out;
}

} // namespace tmi
