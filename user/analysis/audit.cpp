// audit.cpp: see audit.hpp.
#include "analysis/audit.hpp"

#include <fmt/format.h>

#include <cstring>
#include <unordered_set>

namespace tmi {

std::string order_class_name(OrderClass c)
{
	switch (c) {
	case OrderClass::ArrayIndex: return "array-index";
	case OrderClass::HashZeroSeed: return "hash-zero-seed";
	case OrderClass::HashRandomSeed: return "hash-random-seed";
	case OrderClass::LpmTrie: return "lpm-trie";
	case OrderClass::Unmodelled: return "unmodelled";
	}
	return "unmodelled";
}

std::string order_advice(OrderClass c)
{
	switch (c) {
	case OrderClass::ArrayIndex:
		return "the order is the index: walks of equal arrays agree on every node";
	case OrderClass::HashZeroSeed:
		return "the order follows the insertion history (same keys, insertion order and "
		       "max_entries give the same order); to compare contents across nodes use "
		       "`trace-map-iter dump --digest`";
	case OrderClass::HashRandomSeed:
		return "the order depends on a per-map random seed: it differs per map instance and "
		       "node; never compare walk orders, compare `trace-map-iter dump --digest`";
	case OrderClass::LpmTrie:
		return "the order is defined by the trie's shape, not modelled here; compare contents "
		       "with `trace-map-iter dump --digest`";
	case OrderClass::Unmodelled:
		return "no ordering model for this map type; compare contents with "
		       "`trace-map-iter dump --digest`";
	}
	return {};
}

static void note(AuditResult &r, Violation v)
{
	r.violation_count++;
	if (r.violations.size() < AuditResult::kMaxListed)
		r.violations.push_back(std::move(v));
}

AuditResult audit_order(const std::vector<Bytes> &order, const OrderModel &model)
{
	AuditResult r;
	r.cls = model.cls;
	r.keys = order.size();
	if (model.cls == OrderClass::ArrayIndex) {
		for (size_t i = 0; i < order.size(); i++) {
			uint32_t idx = 0;
			std::memcpy(&idx, order[i].data(), std::min<size_t>(4, order[i].size()));
			if (idx != i)
				note(r, {i, order[i], idx, i,
					 fmt::format("index {} at position {}", idx, i)});
		}
		return r;
	}
	std::unordered_set<Bytes> seen;
	if (!model.htab) {
		// A hash map whose geometry could not be read: repeats still
		// show restarts; bucket order can't be checked.
		if (model.cls == OrderClass::HashZeroSeed || model.cls == OrderClass::HashRandomSeed)
			for (size_t i = 0; i < order.size(); i++)
				if (!seen.insert(order[i]).second)
					note(r, {i, order[i], 0, 0, "key returned again (the walk restarted)"});
		return r;
	}
	uint64_t prev = 0;
	for (size_t i = 0; i < order.size(); i++) {
		uint64_t b = model.htab->bucket(order[i]);
		// Each break is reported where it happens, then the check follows
		// the walk from there: a restart is one break plus its repeats.
		if (!seen.insert(order[i]).second)
			note(r, {i, order[i], b, prev, "key returned again (the walk restarted)"});
		else if (b < prev)
			note(r, {i, order[i], b, prev,
				 fmt::format("bucket {} after bucket {}", b, prev)});
		prev = b;
	}
	return r;
}

} // namespace tmi
