// canon.cpp: see canon.hpp.
#include "canon/canon.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
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

// Canonical order within one bin: by prefix, then (long keys) by the whole
// key, then read order. In place.
void sort_bin(SortPair *a, size_t n, const MapContents &m)
{
	radix_sort(a, n, 48); // the first byte is the bin's
	if (m.key_size <= 8)
		return;
	// Runs of equal 8-byte prefixes: order by the whole key, then read order.
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && a[j].first == a[i].first; j++) {
		}
		if (j - i > 1)
			std::stable_sort(a + i, a + j, [&](auto &x, auto &y) {
				return m.key(x.second) < m.key(y.second);
			});
	}
}

// Appends a sorted bin's entries to `order`, each key once.
void append_unique(const SortPair *a, size_t n, const MapContents &m, std::vector<uint32_t> &order)
{
	bool long_keys = m.key_size > 8;
	for (size_t i = 0; i < n; i++) {
		// A key read twice (get_next_key restart): keep the later read.
		bool same = i > 0 && a[i].first == a[i - 1].first &&
			    (!long_keys || m.key(order.back()) == m.key(a[i].second));
		if (same)
			order.back() = a[i].second;
		else
			order.push_back(a[i].second);
	}
}

} // namespace

OrderBuilder::OrderBuilder(uint32_t key_size, size_t expect) : key_size_(key_size), bins_(256)
{
	if (expect)
		for (auto &b : bins_)
			b.reserve(expect / 256 + expect / 1024 + 16);
}

void OrderBuilder::add(const char *keys, size_t from, size_t to)
{
	size_t count[256] = {};
	for (size_t i = from; i < to; i++)
		count[static_cast<unsigned char>(keys[i * key_size_])]++;
	for (int d = 0; d < 256; d++) {
		auto &b = bins_[d];
		// Geometric (many small ranges stay linear), by a quarter: the
		// slack is resident once touched, on maps past the expected size.
		if (b.size() + count[d] > b.capacity())
			b.reserve(std::max(b.size() + count[d], b.capacity() + b.capacity() / 4));
	}
	for (size_t i = from; i < to; i++) {
		std::string_view k(keys + i * key_size_, key_size_);
		bins_[static_cast<unsigned char>(k[0])].emplace_back(be_prefix(k), static_cast<uint32_t>(i));
	}
	added_ = to;
}

std::vector<uint32_t> OrderBuilder::finish(const MapContents &m)
{
	std::atomic<int> next{0};
	auto work = [&] {
		for (int d; (d = next++) < 256;)
			sort_bin(bins_[d].data(), bins_[d].size(), m);
	};
	if (added_ >= (1u << 16)) { // a thread costs ~50 us; worth it for large maps only
		std::thread helper(work);
		work();
		helper.join();
	} else {
		work();
	}
	std::vector<uint32_t> order;
	order.reserve(added_);
	for (auto &b : bins_) {
		append_unique(b.data(), b.size(), m, order);
		std::vector<SortPair>().swap(b); // free as we go: peak memory
	}
	return order;
}

std::vector<uint32_t> canonical_order(const MapContents &m)
{
	OrderBuilder b(m.key_size, 0);
	b.add(m.keys.data(), 0, m.count());
	return b.finish(m);
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
	if (btf) {
		zero_padding(m.keys.data(), m.keys.size(), btf->key_mask());
		zero_padding(m.values.data(), m.values.size(), btf->value_mask());
	}
	std::vector<uint32_t> order = canonical_order(m);
	return from_ordered(std::move(m), std::move(order), info, btf != nullptr);
}

CanonDump CanonDump::from_ordered(MapContents &&m, std::vector<uint32_t> &&order,
				  const MapInfo &info, bool padding_zeroed, bool digest)
{
	CanonDump d;
	d.data_ = std::move(m);
	d.order_ = std::move(order);
	d.hdr_.map_type = info.type;
	d.hdr_.key_size = info.key_size;
	d.hdr_.value_size = info.value_size;
	d.hdr_.percpu = is_percpu_type(info.type);
	d.hdr_.padding_zeroed = padding_zeroed;
	d.hdr_.entries = d.order_.size();
	if (digest)
		d.compute_digest();
	return d;
}

void CanonDump::compute_digest()
{
	hdr_.sha256 = canon_digest(hdr_, data_, order_);
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

CanonDump canonical_dump_of(const OpenMap &m, std::optional<BtfRenderer> *btf, bool digest)
{
	std::optional<BtfRenderer> r = BtfRenderer::for_map(m.info);
	// Padding is zeroed and entries are filed into order bins while the
	// kernel copies the next batch (read_map's reader thread).
	// Bins reserved for max_entries (untouched reservation costs no RSS),
	// within reason for huge, mostly empty maps.
	OrderBuilder order(m.info.key_size, std::min<uint32_t>(m.info.max_entries, 1u << 22));
	MapContents c = read_map(m.fd.get(), m.info, [&](const ReadRange &x) {
		if (r) {
			zero_padding(x.key(x.from), (x.to - x.from) * x.key_size, r->key_mask());
			zero_padding(x.value(x.from), (x.to - x.from) * x.value_bytes, r->value_mask());
		}
		order.add(x.keys, x.from, x.to);
	});
	std::vector<uint32_t> sorted = order.finish(c);
	CanonDump d = CanonDump::from_ordered(std::move(c), std::move(sorted), m.info, r.has_value(),
					     digest);
	if (btf)
		*btf = std::move(r);
	return d;
}

} // namespace tmi
