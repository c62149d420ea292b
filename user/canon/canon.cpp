// canon.cpp: see canon.hpp.
#include "canon/canon.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/error.hpp"
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

// Appends lowercase hex of `bytes` to `buf`.
void append_hex(fmt::memory_buffer &buf, std::string_view bytes)
{
	size_t old = buf.size();
	buf.resize(old + bytes.size() * 2);
	put_hex(buf.data() + old, bytes);
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

void append_json_string(fmt::memory_buffer &buf, const std::string &s)
{
	std::string j = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
	buf.append(j.data(), j.data() + j.size());
}

void flush_if_big(fmt::memory_buffer &buf, FILE *out, bool force = false)
{
	if (buf.size() >= (1u << 20) || (force && buf.size())) {
		if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size())
			throw sys_error("can't write dump", errno);
		buf.clear();
	}
}

[[noreturn]] void corrupt(const std::string &path, size_t line, const std::string &why)
{
	throw Error(fmt::format("corrupt dump {}: line {}: {}", path, line, why));
}

} // namespace

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
	d.sort_and_dedup();
	d.compute_digest();
	return d;
}

void CanonDump::sort_and_dedup()
{
	size_t n = data_.count();
	std::vector<std::pair<uint64_t, uint32_t>> idx(n);
	for (size_t i = 0; i < n; i++)
		idx[i] = {be_prefix(data_.key(i)), static_cast<uint32_t>(i)};
	radix_sort(idx.data(), idx.size());
	bool long_keys = data_.key_size > 8;
	if (long_keys) {
		// Runs of equal 8-byte prefixes: order by the whole key, then read order.
		for (size_t i = 0, j; i < n; i = j) {
			for (j = i + 1; j < n && idx[j].first == idx[i].first; j++) {
			}
			if (j - i > 1)
				std::stable_sort(idx.begin() + i, idx.begin() + j, [&](auto &a, auto &b) {
					return data_.key(a.second) < data_.key(b.second);
				});
		}
	}
	order_.clear();
	order_.reserve(n);
	for (size_t i = 0; i < n; i++) {
		// A key read twice (get_next_key restart): keep the later read.
		bool same = i > 0 && idx[i].first == idx[i - 1].first &&
			    (!long_keys || data_.key(order_.back()) == data_.key(idx[i].second));
		if (same)
			order_.back() = idx[i].second;
		else
			order_.push_back(idx[i].second);
	}
	hdr_.entries = order_.size();
}

void CanonDump::compute_digest()
{
	Sha256 h;
	h.update(kCanonFormat, std::strlen(kCanonFormat) + 1); // with its NUL: 13 bytes
	put_le(h, hdr_.map_type, 4);
	put_le(h, hdr_.key_size, 4);
	put_le(h, hdr_.value_size, 4);
	put_le(h, hdr_.entries, 8);
	// Staged through a 64 KiB buffer: two EVP updates per entry cost more
	// than the hashing itself.
	std::string stage;
	stage.reserve(64 << 10);
	for (size_t i = 0; i < size(); i++) {
		prefetch(i + kPrefetchAhead);
		stage.append(key(i)).append(value(i));
		if (stage.size() >= (60u << 10)) {
			h.update(stage);
			stage.clear();
		}
	}
	h.update(stage);
	hdr_.sha256 = h.hex_digest();
}

void CanonDump::prefetch(size_t i) const
{
	// Sorted order gathers from arrays far larger than the caches: fetch
	// ahead so each entry's key and value are in cache when needed.
	if (i < order_.size()) {
		__builtin_prefetch(data_.keys.data() + size_t(order_[i]) * data_.key_size);
		__builtin_prefetch(data_.values.data() + size_t(order_[i]) * data_.value_bytes);
	}
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

void CanonDump::write_jsonl(FILE *out, const BtfRenderer *btf) const
{
	fmt::memory_buffer buf;
	fmt::format_to(std::back_inserter(buf),
		       "{{\"format\":\"{}\",\"map_type\":\"{}\",\"key_size\":{},\"value_size\":{},"
		       "\"entries\":{}{},\"sha256\":\"{}\"}}\n",
		       kCanonFormat, map_type_name(hdr_.map_type), hdr_.key_size, hdr_.value_size,
		       hdr_.entries, hdr_.padding_zeroed ? ",\"padding\":\"zeroed\"" : "", hdr_.sha256);
	if (!btf && !hdr_.percpu) {
		write_plain_lines(buf, out);
		return;
	}
	for (size_t i = 0; i < size(); i++) {
		prefetch(i + kPrefetchAhead);
		std::string_view v = value(i);
		buf.append(std::string_view("{\"key\":\""));
		append_hex(buf, key(i));
		if (hdr_.percpu) {
			buf.append(std::string_view("\",\"values\":["));
			for (uint32_t c = 0; c < data_.ncpu; c++) {
				buf.append(std::string_view(c ? ",\"" : "\""));
				append_hex(buf, cpu_value(i, c));
				buf.push_back('"');
			}
			buf.push_back(']');
		} else {
			buf.append(std::string_view("\",\"value\":\""));
			append_hex(buf, v);
			buf.push_back('"');
		}
		if (btf) {
			buf.append(std::string_view(",\"k\":"));
			append_json_string(buf, btf->render_key(key(i)));
			buf.append(std::string_view(",\"v\":"));
			if (hdr_.percpu) {
				buf.push_back('[');
				for (uint32_t c = 0; c < data_.ncpu; c++) {
					if (c)
						buf.push_back(',');
					append_json_string(buf, btf->render_value(cpu_value(i, c)));
				}
				buf.push_back(']');
			} else {
				append_json_string(buf, btf->render_value(v));
			}
		}
		buf.append(std::string_view("}\n"));
		flush_if_big(buf, out);
	}
	flush_if_big(buf, out, true);
}

// The common line, {"key":"..","value":".."}: every line has the same
// length, so lines [from, to) are formatted into a large buffer with plain
// stores and written with pwrite at their known offset. A regular file is
// written by two threads, each taking half of the entries (measured: the
// formatting is half of a 1M-entry dump); a pipe is written in order.
void CanonDump::write_plain_lines(fmt::memory_buffer &buf, FILE *out) const
{
	static constexpr std::string_view a = "{\"key\":\"", b = "\",\"value\":\"", c = "\"}\n";
	const size_t line = a.size() + b.size() + c.size() + 2 * (size_t(hdr_.key_size) + hdr_.value_size);
	flush_if_big(buf, out, true); // the header
	std::fflush(out);
	int fd = fileno(out);
	struct stat st;
	off_t base = lseek(fd, 0, SEEK_CUR);
	bool seekable = base >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);

	auto write_range = [&, this](size_t from, size_t to) -> int {
		std::vector<char> chunk(std::max<size_t>(1u << 20, line));
		char *p = chunk.data(), *end = chunk.data() + chunk.size();
		off_t at = base + off_t(from * line);
		auto drain = [&]() -> int {
			for (const char *q = chunk.data(); q < p;) {
				ssize_t n = seekable ? ::pwrite(fd, q, p - q, at) : ::write(fd, q, p - q);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					return n < 0 ? errno : EIO;
				q += n;
				at += n;
			}
			p = chunk.data();
			return 0;
		};
		for (size_t i = from; i < to; i++) {
			prefetch(i + kPrefetchAhead);
			if (size_t(end - p) < line)
				if (int err = drain())
					return err;
			p = std::copy(a.begin(), a.end(), p);
			p = put_hex(p, key(i));
			p = std::copy(b.begin(), b.end(), p);
			p = put_hex(p, value(i));
			p = std::copy(c.begin(), c.end(), p);
		}
		return drain();
	};

	int err = 0, err2 = 0;
	if (seekable && size() >= 65536) {
		size_t mid = size() / 2;
		std::thread second([&] { err2 = write_range(mid, size()); });
		err = write_range(0, mid);
		second.join();
	} else {
		err = write_range(0, size());
	}
	// pwrite does not move the file offset: leave it after the last line.
	if (!err && !err2 && seekable && lseek(fd, base + off_t(size() * line), SEEK_SET) < 0)
		err = errno;
	if (err || err2)
		throw sys_error("can't write dump", err ? err : err2);
}

static std::string spaced_hex(std::string_view bytes)
{
	std::string out;
	for (size_t i = 0; i < bytes.size(); i++) {
		if (i)
			out += ' ';
		out += to_hex(bytes.substr(i, 1));
	}
	return out;
}

void CanonDump::write_table(FILE *out, const BtfRenderer *btf) const
{
	fmt::memory_buffer buf;
	for (size_t i = 0; i < size(); i++) {
		std::string_view v = value(i);
		if (hdr_.percpu) {
			fmt::format_to(std::back_inserter(buf), "key: {}\n", spaced_hex(key(i)));
			for (uint32_t c = 0; c < data_.ncpu; c++) {
				std::string_view cv = cpu_value(i, c);
				fmt::format_to(std::back_inserter(buf), "  cpu{}: {}{}\n", c,
					       spaced_hex(cv),
					       btf ? "  " + btf->render_value(cv) : std::string());
			}
		} else {
			fmt::format_to(std::back_inserter(buf), "key: {}  value: {}\n",
				       spaced_hex(key(i)), spaced_hex(v));
			if (btf)
				fmt::format_to(std::back_inserter(buf), "  {} => {}\n",
					       btf->render_key(key(i)), btf->render_value(v));
		}
		flush_if_big(buf, out);
	}
	fmt::format_to(std::back_inserter(buf), "Found {} elements ({} {}, sha256 {})\n", size(),
		       kCanonFormat, map_type_name(hdr_.map_type), hdr_.sha256);
	flush_if_big(buf, out, true);
}

CanonDump CanonDump::parse_file(const std::string &path)
{
	std::ifstream in(path);
	if (!in)
		throw sys_error(fmt::format("can't open dump {}", path), errno);
	std::string line;
	size_t lineno = 1;
	if (!std::getline(in, line))
		corrupt(path, lineno, "empty file");
	CanonDump d;
	nlohmann::json h;
	try {
		h = nlohmann::json::parse(line);
		if (h.at("format") != kCanonFormat)
			corrupt(path, lineno, "not a tmi-canon-v1 dump");
		auto type = map_type_from_name(h.at("map_type").get<std::string>());
		if (!type)
			corrupt(path, lineno, "unknown map_type");
		d.hdr_.map_type = *type;
		d.hdr_.key_size = h.at("key_size").get<uint32_t>();
		d.hdr_.value_size = h.at("value_size").get<uint32_t>();
		d.hdr_.entries = h.at("entries").get<uint64_t>();
		d.hdr_.padding_zeroed = h.value("padding", "") == "zeroed";
		d.hdr_.sha256 = h.at("sha256").get<std::string>();
	} catch (const nlohmann::json::exception &e) {
		corrupt(path, lineno, fmt::format("bad header: {}", e.what()));
	}
	d.hdr_.percpu = is_percpu_type(d.hdr_.map_type);
	if (d.hdr_.key_size == 0)
		corrupt(path, lineno, "key_size 0");
	d.data_.key_size = d.hdr_.key_size;
	d.data_.ncpu = 0;

	std::string prev_key;
	while (std::getline(in, line)) {
		lineno++;
		try {
			auto e = nlohmann::json::parse(line);
			auto key = from_hex(e.at("key").get<std::string>());
			if (!key || key->size() != d.hdr_.key_size)
				corrupt(path, lineno, "key is not key_size bytes of hex");
			std::vector<std::string> parts;
			if (d.hdr_.percpu)
				parts = e.at("values").get<std::vector<std::string>>();
			else
				parts.push_back(e.at("value").get<std::string>());
			if (d.data_.ncpu == 0)
				d.data_.ncpu = parts.size();
			if (parts.size() != d.data_.ncpu || parts.empty())
				corrupt(path, lineno, "per-CPU value count differs between entries");
			for (auto &p : parts) {
				auto v = from_hex(p);
				if (!v || v->size() != d.hdr_.value_size)
					corrupt(path, lineno, "value is not value_size bytes of hex");
				d.data_.values.append(v->data(), v->size());
			}
			size_t idx = d.data_.count();
			if (idx && !(prev_key < *key))
				corrupt(path, lineno, "entries out of canonical order");
			d.data_.keys.append(key->data(), key->size());
			prev_key = std::move(*key);
			d.order_.push_back(idx);
		} catch (const nlohmann::json::exception &e) {
			corrupt(path, lineno, fmt::format("bad entry: {}", e.what()));
		}
	}
	if (d.data_.ncpu == 0)
		d.data_.ncpu = 1;
	d.data_.value_bytes = d.hdr_.value_size * d.data_.ncpu;
	if (d.order_.size() != d.hdr_.entries)
		corrupt(path, lineno, fmt::format("truncated: header says {} entries, file has {}",
						  d.hdr_.entries, d.order_.size()));
	std::string claimed = d.hdr_.sha256;
	d.compute_digest();
	if (d.hdr_.sha256 != claimed)
		corrupt(path, lineno, "sha256 does not match the entries");
	return d;
}

} // namespace tmi

namespace tmi {

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
