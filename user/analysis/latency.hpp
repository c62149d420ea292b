// latency.hpp: a bounded-memory latency histogram.
//
// Values are kept in log-linear buckets (64 sub-buckets per power of two,
// exact below 128 ns), so a percentile is exact to within 1/64 (1.6%) of
// its value whatever the run length; max and count are exact. log2_buckets()
// gives the coarse power-of-two view printed like libbpf-tools'
// print_log2_hist. Contract: pure; counts in both views add up to count().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tmi {

struct Log2Bucket {
	uint64_t lo, hi, count; // values in [lo, hi]
};

class LatencyHist {
public:
	void add(uint64_t ns);
	void merge(const LatencyHist &o);
	// Adds counts[i] values to bucket i (the kernel's aggregate mode keeps
	// the same buckets, bucket_index()). `sum` is their sum; `max_seen` a
	// bound on them (the running maximum): the largest added value is taken
	// as its bucket's upper bound capped at max_seen.
	void add_buckets(const std::vector<uint64_t> &counts, uint64_t sum, uint64_t max_seen);
	static size_t bucket_index(uint64_t ns) { return index_of(ns); }
	uint64_t count() const { return count_; }
	uint64_t max() const { return max_; }
	uint64_t sum() const { return sum_; }
	// Smallest bucket upper bound with at least p% of values at or below it,
	// capped at max(); 0 when empty. p in [0, 100].
	uint64_t percentile(double p) const;
	// Values whose bucket lies at or below `ns` (exact below 128 ns, else
	// to within 1/64 of `ns`: a bucket straddling it is not counted).
	uint64_t count_at_most(uint64_t ns) const;
	// Non-empty power-of-two buckets, ascending: [0,1], [2,3], [4,7], ...
	std::vector<Log2Bucket> log2_buckets() const;

private:
	static size_t index_of(uint64_t v);
	static uint64_t upper_of(size_t idx);
	std::vector<uint64_t> buckets_;
	uint64_t count_ = 0, max_ = 0, sum_ = 0;
};

} // namespace tmi
