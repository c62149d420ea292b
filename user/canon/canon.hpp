// canon.hpp: the canonical dump, format tmi-canon-v1 (docs/canonical-dump.md).
//
// The same entries give the same bytes on every node, whatever the hash
// seed, max_entries, insertion order, preallocation or map id: entries are
// sorted by key bytes (memcmp), per-CPU values are concatenated in CPU order
// with the kernel's 8-byte rounding removed, struct padding is zeroed when
// the map has BTF, and nothing node-specific (id, name, max_entries, flags,
// time) enters the output or the digest.
// Contract: CanonDump owns its bytes; parse_file() accepts only a complete,
// self-consistent file and throws tmi::Error (exit 2) otherwise.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

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

class CanonDump {
public:
	// Canonicalises what was read (zero padding, sort, drop repeated keys).
	static CanonDump from_contents(MapContents &&m, const MapInfo &info,
				       const BtfRenderer *btf);
	static CanonDump parse_file(const std::string &path);

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

	void write_jsonl(FILE *out, const BtfRenderer *btf) const;
	void write_table(FILE *out, const BtfRenderer *btf) const;

private:
	void sort_and_dedup();
	void compute_digest();
	void prefetch(size_t i) const;
	void write_plain_lines(fmt::memory_buffer &buf, FILE *out) const;
	static constexpr size_t kPrefetchAhead = 16;

	MapContents data_;
	std::vector<uint32_t> order_;
	CanonHeader hdr_;
};

// "hash" -> 1, "type 40" -> 40; nullopt when neither.
std::optional<uint32_t> map_type_from_name(const std::string &name);

} // namespace tmi

namespace tmi {

// Reads a live map (read-only) and canonicalises it, zeroing padding when
// the map has BTF; `btf` (may be null) receives the map's renderer.
CanonDump canonical_dump_of(const OpenMap &m, std::optional<BtfRenderer> *btf);

} // namespace tmi
