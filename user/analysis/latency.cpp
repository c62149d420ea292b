// latency.cpp: see latency.hpp.
#include "analysis/latency.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tmi {

static constexpr unsigned kExact = 128; // values below this have their own bucket
static constexpr unsigned kSub = 64;    // sub-buckets per power of two above that

size_t LatencyHist::index_of(uint64_t v)
{
	if (v < kExact)
		return v;
	unsigned msb = 63 - std::countl_zero(v); // >= 7
	unsigned shift = msb - 6;                 // v >> shift in [64, 127]
	return kExact + (shift - 1) * kSub + ((v >> shift) - kSub);
}

uint64_t LatencyHist::upper_of(size_t idx)
{
	if (idx < kExact)
		return idx;
	size_t rel = idx - kExact;
	unsigned shift = rel / kSub + 1;
	uint64_t mant = rel % kSub + kSub;
	return ((mant + 1) << shift) - 1;
}

void LatencyHist::add(uint64_t ns)
{
	size_t idx = index_of(ns);
	if (idx >= buckets_.size())
		buckets_.resize(idx + 1);
	buckets_[idx]++;
	count_++;
	sum_ += ns;
	if (ns > max_)
		max_ = ns;
}

void LatencyHist::merge(const LatencyHist &o)
{
	if (o.buckets_.size() > buckets_.size())
		buckets_.resize(o.buckets_.size());
	for (size_t i = 0; i < o.buckets_.size(); i++)
		buckets_[i] += o.buckets_[i];
	count_ += o.count_;
	sum_ += o.sum_;
	if (o.max_ > max_)
		max_ = o.max_;
}

void LatencyHist::add_buckets(const std::vector<uint64_t> &counts, uint64_t sum,
			      uint64_t max_seen)
{
	if (counts.size() > buckets_.size())
		buckets_.resize(counts.size());
	size_t top = 0;
	bool any = false;
	for (size_t i = 0; i < counts.size(); i++) {
		if (!counts[i])
			continue;
		buckets_[i] += counts[i];
		count_ += counts[i];
		top = i;
		any = true;
	}
	if (!any)
		return;
	sum_ += sum;
	max_ = std::max(max_, std::min(upper_of(top), max_seen));
}

uint64_t LatencyHist::percentile(double p) const
{
	if (!count_)
		return 0;
	uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * double(count_)));
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < buckets_.size(); i++) {
		seen += buckets_[i];
		if (seen >= rank)
			return std::min(upper_of(i), max_);
	}
	return max_;
}

uint64_t LatencyHist::count_at_most(uint64_t ns) const
{
	uint64_t n = 0;
	for (size_t i = 0; i < buckets_.size() && upper_of(i) <= ns; i++)
		n += buckets_[i];
	return n;
}

std::vector<Log2Bucket> LatencyHist::log2_buckets() const
{
	std::vector<Log2Bucket> out;
	for (size_t i = 0; i < buckets_.size(); i++) {
		if (!buckets_[i])
			continue;
		// Every log-linear bucket lies inside one power-of-two range.
		uint64_t hi = upper_of(i);
		unsigned slot = hi < 2 ? 0 : 63 - std::countl_zero(hi);
		uint64_t lo = slot == 0 ? 0 : uint64_t(1) << slot;
		uint64_t top = slot == 0 ? 1 : (uint64_t(2) << slot) - 1;
		if (!out.empty() && out.back().lo == lo)
			out.back().count += buckets_[i];
		else
			out.push_back({lo, top, buckets_[i]});
	}
	return out;
}

} // namespace tmi
