// canon.cpp: see canon.hpp.
#include "canon/canon.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/hex.hpp"
#include "base/sha256.hpp"

namespace tmi {

namespace {

uint64_t be_prefix(std::string_view k)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < k.size() ? static_cast<unsigned char>(k[i]) : 0);
	return v;
}

void put_le(Sha256 &h, uint64_t v, int bytes)
{
	unsigned char b[8];
	for (int i = 0; i < bytes; i++)
		b[i] = static_cast<unsigned char>(v >> (8 * i));
	h.update(b, bytes);
}

using SortPair = std::pair<uint64_t, uint32_t>; // (big-endian key prefix, read index)

// In-place MSD radix sort (American flag sort) of (prefix, index) pairs by
// prefix, then index: no scratch copy, so a whole-map sort needs only the
// pairs themselves (16 bytes an entry). Digits that never vary cost one
// counting pass and no moves.
void radix_sort(SortPair *a, size_t n, int shift = 56)
{
	if (n < 64) {
		std::sort(a, a + n);
		return;
	}
	size_t count[256] = {};
	for (size_t i = 0; i < n; i++)
		count[(a[i].first >> shift) & 0xff]++;
	size_t start[256], next[256], pos = 0;
	for (int d = 0; d < 256; d++) {
		start[d] = next[d] = pos;
		pos += count[d];
	}
	for (int d = 0; d < 256; d++) {
		size_t end = start[d] + count[d];
		while (next[d] < end) {
			SortPair v = a[next[d]];
			int vd = (v.first >> shift) & 0xff;
			while (vd != d) {
				std::swap(v, a[next[vd]++]);
				vd = (v.first >> shift) & 0xff;
			}
			a[next[d]++] = v;
		}
	}
	for (int d = 0; d < 256; d++) {
		if (count[d] < 2)
			continue;
		if (shift == 0) // equal prefixes: read order
			std::sort(a + start[d], a + start[d] + count[d]);
		else
			radix_sort(a + start[d], count[d], shift - 8);
	}
}

void prefetch_entry(const MapContents &m, uint32_t idx)
{
	__builtin_prefetch(m.keys.data() + size_t(idx) * m.key_size);
	__builtin_prefetch(m.values.data() + size_t(idx) * m.value_bytes);
}

} // namespace

std::vector<uint32_t> canonical_order(const MapContents &m)
{
	size_t n = m.count();
	std::vector<SortPair> idx(n);
	for (size_t i = 0; i < n; i++)
		idx[i] = {be_prefix(m.key(i)), static_cast<uint32_t>(i)};
	radix_sort(idx.data(), idx.size());
	bool long_keys = m.key_size > 8;
	if (long_keys) {
		// Runs of equal 8-byte prefixes: order by the whole key, then read order.
		for (size_t i = 0, j; i < n; i = j) {
			for (j = i + 1; j < n && idx[j].first == idx[i].first; j++) {
			}
			if (j - i > 1)
				std::stable_sort(idx.begin() + i, idx.begin() + j, [&](auto &a, auto &b) {
					return m.key(a.second) < m.key(b.second);
				});
		}
	}
	std::vector<uint32_t> order;
	order.reserve(n);
	for (size_t i = 0; i < n; i++) {
		// A key read twice (get_next_key restart): keep the later read.
		bool same = i > 0 && idx[i].first == idx[i - 1].first &&
			    (!long_keys || m.key(order.back()) == m.key(idx[i].second));
		if (same)
			order.back() = idx[i].second;
		else
			order.push_back(idx[i].second);
	}
	return order;
}

std::string canon_digest(const CanonHeader &hdr, const MapContents &m,
			 const std::vector<uint32_t> &order)
{
	static constexpr size_t kAhead = CanonDump::kPrefetchAhead;
	Sha256 h;
	h.update(kCanonFormat, std::strlen(kCanonFormat) + 1); // with its NUL: 13 bytes
	put_le(h, hdr.map_type, 4);
	put_le(h, hdr.key_size, 4);
	put_le(h, hdr.value_size, 4);
	put_le(h, order.size(), 8);
	// Staged through a 64 KiB buffer: two EVP updates per entry cost more
	// than the hashing itself.
	std::string stage;
	stage.reserve(64 << 10);
	for (size_t i = 0; i < order.size(); i++) {
		if (i + kAhead < order.size())
			prefetch_entry(m, order[i + kAhead]);
		stage.append(m.key(order[i])).append(m.value(order[i]));
		if (stage.size() >= (60u << 10)) {
			h.update(stage);
			stage.clear();
		}
	}
	h.update(stage);
	return h.hex_digest();
}

std::optional<uint32_t> map_type_from_name(const std::string &name)
{
	for (uint32_t t = 0; t < 64; t++)
		if (map_type_name(t) == name)
			return t;
	return std::nullopt;
}

CanonDump CanonDump::from_contents(MapContents &&m, const MapInfo &info, const BtfRenderer *btf)
{
	CanonDump d;
	d.data_ = std::move(m);
	d.hdr_.map_type = info.type;
	d.hdr_.key_size = info.key_size;
	d.hdr_.value_size = info.value_size;
	d.hdr_.percpu = is_percpu_type(info.type);
	if (btf) {
		zero_padding(d.data_.keys.data(), d.data_.keys.size(), btf->key_mask());
		zero_padding(d.data_.values.data(), d.data_.values.size(), btf->value_mask());
		d.hdr_.padding_zeroed = true;
	}
	d.order_ = canonical_order(d.data_);
	d.hdr_.entries = d.order_.size();
	d.hdr_.sha256 = canon_digest(d.hdr_, d.data_, d.order_);
	return d;
}

CanonDump CanonDump::from_canonical(CanonHeader hdr, MapContents &&m)
{
	CanonDump d;
	d.data_ = std::move(m);
	d.hdr_ = std::move(hdr);
	d.order_.resize(d.data_.count());
	for (size_t i = 0; i < d.order_.size(); i++)
		d.order_[i] = static_cast<uint32_t>(i);
	d.hdr_.entries = d.order_.size();
	d.hdr_.sha256 = canon_digest(d.hdr_, d.data_, d.order_);
	return d;
}

void CanonDump::prefetch(size_t i) const
{
	if (i < order_.size())
		prefetch_entry(data_, order_[i]);
}

std::string CanonDump::value_hex(size_t i) const
{
	if (!hdr_.percpu)
		return to_hex(value(i));
	std::string out;
	for (uint32_t c = 0; c < data_.ncpu; c++) {
		if (c)
			out += ',';
		out += to_hex(cpu_value(i, c));
	}
	return out;
}

CanonDump canonical_dump_of(const OpenMap &m, std::optional<BtfRenderer> *btf)
{
	std::optional<BtfRenderer> r = BtfRenderer::for_map(m.info);
	CanonDump d = CanonDump::from_contents(read_map(m.fd.get(), m.info), m.info,
					       r ? &*r : nullptr);
	if (btf)
		*btf = std::move(r);
	return d;
}

} // namespace tmi
