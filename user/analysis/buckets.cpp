// buckets.cpp: see buckets.hpp.
#include "analysis/buckets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <optional>

#include "analysis/htab_geometry.hpp"
#include "base/error.hpp"

namespace tmi {

bool order_is_bucket_ascending(const MapContents &m, const HtabModel &model)
{
	uint32_t prev = 0;
	for (size_t i = 0; i < m.count(); i++) {
		uint32_t b = model.bucket(m.key(i));
		if (b < prev)
			return false;
		prev = b;
	}
	return true;
}

HtabModel read_htab_model(const OpenMap &m, const MapContents &batch_order,
			  HtabGeometryReader *reader)
{
	if (!is_hash_family(m.info.type))
		throw Error(fmt::format("can't analyse buckets of map {}: {} is not a hash map",
					m.info.id, map_type_name(m.info.type)));
	std::optional<HtabGeometryReader> own;
	if (!reader)
		reader = &own.emplace();
	HtabGeometry g = reader->read(m);
	if (g.n_buckets == 0 || (g.n_buckets & (g.n_buckets - 1)))
		throw Error(fmt::format("can't analyse buckets of map {}: n_buckets {} read from "
					"the kernel is not a power of two",
					m.info.id, g.n_buckets));
	HtabModel model{g.n_buckets, g.hashrnd, HashVariant::Jhash2ForWords};
	// Kernels before the jhash2 patch hash every key with jhash; the batch
	// order (bucket ascending) tells which one this kernel uses. On
	// little-endian hosts jhash over 4n bytes equals jhash2 over n words
	// (tests/unit/test_htab_model.cpp), so only big-endian hosts need the pass.
	if (std::endian::native == std::endian::big && m.info.key_size % 4 == 0 &&
	    !order_is_bucket_ascending(batch_order, model)) {
		HtabModel old = model;
		old.variant = HashVariant::JhashOnly;
		if (order_is_bucket_ascending(batch_order, old))
			return old;
	}
	return model;
}

BucketReport analyse_buckets(const MapContents &m, const HtabModel &model, size_t top)
{
	BucketReport r;
	r.n_buckets = model.n_buckets;
	r.entries = m.count();
	r.chain_len.assign(model.n_buckets, 0);
	std::vector<uint32_t> bucket_of(m.count());
	uint32_t prev = 0;
	r.model_agrees = true;
	for (size_t i = 0; i < m.count(); i++) {
		uint32_t b = model.bucket(m.key(i));
		bucket_of[i] = b;
		r.chain_len[b]++;
		r.model_agrees &= b >= prev;
		prev = b;
	}
	uint32_t run = 0;
	for (uint32_t b = 0; b < model.n_buckets; b++) {
		uint32_t len = r.chain_len[b];
		if (len == 0) {
			r.empty_buckets++;
			if (++run > r.empty_run_len) {
				r.empty_run_len = run;
				r.empty_run_start = b + 1 - run;
			}
			continue;
		}
		run = 0;
		r.chain_hist[len]++;
		r.max_chain = std::max(r.max_chain, len);
	}
	// Hottest: partial sort of non-empty buckets by (len desc, bucket asc).
	std::vector<uint32_t> nonempty;
	for (uint32_t b = 0; b < model.n_buckets; b++)
		if (r.chain_len[b])
			nonempty.push_back(b);
	size_t k = std::min(top, nonempty.size());
	std::partial_sort(nonempty.begin(), nonempty.begin() + k, nonempty.end(),
			  [&](uint32_t a, uint32_t b) {
				  return r.chain_len[a] != r.chain_len[b] ? r.chain_len[a] > r.chain_len[b]
									  : a < b;
			  });
	std::map<uint32_t, size_t> slot;
	for (size_t i = 0; i < k; i++) {
		r.hottest.push_back({nonempty[i], r.chain_len[nonempty[i]], {}});
		slot[nonempty[i]] = i;
	}
	for (size_t i = 0; i < m.count(); i++) {
		auto it = slot.find(bucket_of[i]);
		if (it != slot.end())
			r.hottest[it->second].keys.emplace_back(m.key(i));
	}
	return r;
}

} // namespace tmi
