// buckets.hpp: a hash map's bucket array, from its keys and the kernel model.
//
// read_htab_model() reads n_buckets and hashrnd of a live hash-family map
// from the kernel (htab_info.bpf.c, read-only) and picks the hash variant
// that the map's batch order agrees with. analyse_buckets() is pure: chain
// lengths, empty buckets and runs, hottest buckets with their keys.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "analysis/htab_model.hpp"
#include "maps/map_reader.hpp"
#include "maps/maps.hpp"

namespace tmi {

struct HotBucket {
	uint32_t bucket = 0, len = 0;
	std::vector<Bytes> keys; // in the kernel's walk order (newest first)
};

struct BucketReport {
	uint32_t n_buckets = 0;
	uint64_t entries = 0;
	uint64_t empty_buckets = 0;
	uint32_t max_chain = 0;
	std::map<uint32_t, uint64_t> chain_hist; // chain length -> non-empty buckets
	std::vector<HotBucket> hottest;          // by length desc, then bucket asc
	uint32_t empty_run_start = 0, empty_run_len = 0; // longest run of empty buckets
	std::vector<uint32_t> chain_len;         // per bucket
	bool model_agrees = false;               // batch order is bucket-ascending under the model
};

class HtabGeometryReader;

// Throws tmi::Error for maps outside the hash family. `reader`: a loaded
// geometry reader to share across maps (null: one is loaded for this call).
HtabModel read_htab_model(const OpenMap &m, const MapContents &batch_order,
			  HtabGeometryReader *reader = nullptr);
// Keys in the kernel's batch (bucket) order; `top` hottest buckets.
BucketReport analyse_buckets(const MapContents &m, const HtabModel &model, size_t top);
// True when every key's bucket is >= the previous key's bucket.
bool order_is_bucket_ascending(const MapContents &m, const HtabModel &model);

} // namespace tmi
