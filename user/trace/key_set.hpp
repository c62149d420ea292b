// key_set.hpp: a set of byte strings for the walk tracker (every key a walk
// returned), about 1.5 words per key plus the key bytes.
//
// A traced walk of a 1M-key map keeps every key it saw, to tell duplicates
// and restarts; std::unordered_set<std::string> spends ~70 bytes per 8-byte
// key on nodes, string headers and buckets (~70 MiB per walk in flight).
// Here the keys sit back to back in one arena, indexed by an open-addressing
// table of 32-bit key numbers (linear probing, at most half full).
//
// Contract: exact set semantics (byte-wise equality, any key lengths); no
// false positives; insert returns whether the key was new.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tmi {

class KeySet {
public:
	// True if `key` was not in the set (it is now).
	bool insert(std::string_view key);
	bool contains(std::string_view key) const;
	// Adds every key of `other`.
	void merge(const KeySet &other);
	size_t size() const { return starts_.size(); }
	bool empty() const { return starts_.empty(); }

private:
	std::string_view key(uint32_t i) const;
	// The slot holding `k` (its value is i + 1), or the empty slot where it
	// goes (value 0). Requires a non-empty table.
	size_t find_slot(std::string_view k, size_t hash) const;
	void grow();

	std::string arena_;             // every key's bytes, in insertion order
	std::vector<uint64_t> starts_;  // key i is arena_[starts_[i], starts_[i+1] or end)
	std::vector<uint32_t> slots_;   // 0 = empty, else key number + 1
};

} // namespace tmi
