// canon.hpp: the canonical dump model, format tmi-canon-v1
// (docs/canonical-dump.md): canonical order, dedup and the digest. Writing
// and reading files is canon_io.hpp.
//
// The same entries give the same bytes on every node, whatever the hash
// seed, max_entries, insertion order, preallocation or map id: entries are
// sorted by key bytes (memcmp), per-CPU values are concatenated in CPU order
// with the kernel's 8-byte rounding removed, struct padding is zeroed when
// the map has BTF, and nothing node-specific (id, name, max_entries, flags,
// time) enters the output or the digest.
// Contract: CanonDump owns its bytes. canonical_order() and canon_digest()
// are pure (unit-tested without a kernel).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "canon/btf_render.hpp"
#include "maps/map_reader.hpp"

namespace tmi {

inline constexpr const char *kCanonFormat = "tmi-canon-v1";

struct CanonHeader {
	uint32_t map_type = 0;
	uint32_t key_size = 0;
	uint32_t value_size = 0; // the map's value_size (per CPU for per-CPU maps)
	uint64_t entries = 0;
	bool percpu = false;
	bool padding_zeroed = false;
	std::string sha256;
};

// Indices of m's entries in canonical order: sorted by key bytes (memcmp),
// each key once; of a key read twice (a get_next_key restart) the later read
// is kept.
std::vector<uint32_t> canonical_order(const MapContents &m);

// canonical_order() built while the map is read: add() files each range of
// entries (in read order) into one of 256 bins by its first key byte, so
// what is left once the read ends is sorting small, cache-sized bins
// (on two threads for large maps). The result equals canonical_order().
class OrderBuilder {
public:
	// `expect`: entries expected (bin capacity hint; 0 when unknown).
	OrderBuilder(uint32_t key_size, size_t expect);
	// Entries [from, to) with keys at keys + i * key_size; ranges must come
	// in read order, each entry once.
	void add(const char *keys, size_t from, size_t to);
	// `m` holds every added entry (with the same key bytes).
	std::vector<uint32_t> finish(const MapContents &m);

private:
	using Pair = std::pair<uint64_t, uint32_t>; // (big-endian key prefix, read index)
	uint32_t key_size_;
	size_t added_ = 0;
	std::vector<std::vector<Pair>> bins_;
};

// The tmi-canon-v1 digest (lowercase hex) of `order`'s entries of `m` under
// header `h` (map_type, key_size, value_size; the count is order.size()).
std::string canon_digest(const CanonHeader &h, const MapContents &m,
			 const std::vector<uint32_t> &order);

class CanonDump {
public:
	// Canonicalises what was read (zero padding, sort, drop repeated keys).
	static CanonDump from_contents(MapContents &&m, const MapInfo &info,
				       const BtfRenderer *btf);
	// Padding already zeroed (when `padding_zeroed`) and `order` from
	// canonical_order() or an OrderBuilder.
	// With `digest` false the header's sha256 stays empty until
	// compute_digest() (a writer may compute it while it formats).
	static CanonDump from_ordered(MapContents &&m, std::vector<uint32_t> &&order,
				      const MapInfo &info, bool padding_zeroed, bool digest = true);
	bool has_digest() const { return !hdr_.sha256.empty(); }
	void compute_digest();
	// Entries already in canonical order (a parser checked it): computes
	// the digest into the header (hdr.sha256 is overwritten).
	static CanonDump from_canonical(CanonHeader hdr, MapContents &&m);

	const CanonHeader &header() const { return hdr_; }
	size_t size() const { return order_.size(); }
	uint32_t ncpu() const { return data_.ncpu; }
	std::string_view key(size_t i) const { return data_.key(order_[i]); }
	std::string_view value(size_t i) const { return data_.value(order_[i]); }
	// CPU c's value of a per-CPU entry (value_size bytes).
	std::string_view cpu_value(size_t i, uint32_t c) const
	{
		return value(i).substr(size_t(c) * hdr_.value_size, hdr_.value_size);
	}
	// The value as printed: hex, per-CPU values joined by ','.
	std::string value_hex(size_t i) const;
	// Sorted order gathers from arrays far larger than the caches: writers
	// fetch entry i + kPrefetchAhead while handling entry i.
	void prefetch(size_t i) const;
	static constexpr size_t kPrefetchAhead = 16;

private:
	MapContents data_;
	std::vector<uint32_t> order_;
	CanonHeader hdr_;
};

// "hash" -> 1, "type 40" -> 40; nullopt when neither.
std::optional<uint32_t> map_type_from_name(const std::string &name);

// Reads a live map (read-only) and canonicalises it, zeroing padding when
// the map has BTF; `btf` (may be null) receives the map's renderer. With
// `digest` false the digest is left to compute_digest() (see from_ordered).
CanonDump canonical_dump_of(const OpenMap &m, std::optional<BtfRenderer> *btf,
			    bool digest = true);

} // namespace tmi
