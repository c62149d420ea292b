// audit.hpp: checking a walk's order against the kernel's model.
//
// Hash family: keys come in ascending bucket order (htab_model.hpp) and no
// key comes twice (a repeat is a restart from bucket 0). Arrays: indices
// 0, 1, 2, ... exactly. Other types have no model: their class says so and
// nothing can violate it. The order class tells a user what the order means
// across nodes. Contract: audit_order() is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "analysis/htab_model.hpp"
#include "maps/maps.hpp"

namespace tmi {

enum class OrderClass { ArrayIndex, HashZeroSeed, HashRandomSeed, LpmTrie, Unmodelled };

struct OrderModel {
	OrderClass cls = OrderClass::Unmodelled;
	std::optional<HtabModel> htab; // hash family only
};

struct Violation {
	size_t position = 0;   // index in the walk
	Bytes key;
	uint64_t rank = 0;     // bucket (hash) or index (array) of this key
	uint64_t expected = 0; // the smallest rank the model allowed here
	std::string reason;
};

struct AuditResult {
	OrderClass cls = OrderClass::Unmodelled;
	size_t keys = 0;
	size_t violation_count = 0;
	std::vector<Violation> violations; // the first kMaxListed
	static constexpr size_t kMaxListed = 20;
};

AuditResult audit_order(const std::vector<Bytes> &order, const OrderModel &model);
std::string order_class_name(OrderClass c);
// What a user should do with maps of this class.
std::string order_advice(OrderClass c);

} // namespace tmi
