// btf_json.cpp: see btf_json.hpp. Follows bpftool's btf_dumper.c choices.
#include "canon/btf_json.hpp"

#include <bpf/btf.h>

#include <cstring>
#include <string>

namespace tmi {

namespace {

constexpr int kMaxDepth = 32;

const struct btf_type *skip_mods(const struct btf *b, uint32_t &id, bool typedefs)
{
	const struct btf_type *t = btf__type_by_id(b, id);
	for (int i = 0; t && i < kMaxDepth; i++) {
		bool skip = btf_is_mod(t) || btf_is_type_tag(t) || (typedefs && btf_is_typedef(t));
		if (!skip)
			return t;
		id = t->type;
		t = btf__type_by_id(b, id);
	}
	return t && !btf_is_mod(t) && !btf_is_typedef(t) ? t : nullptr;
}

// Little-endian (host order) unsigned integer of `size` bytes (<= 8).
uint64_t load_uint(const unsigned char *p, size_t size)
{
	uint64_t v = 0;
	std::memcpy(&v, p, size); // BPF maps are host-endian; x86 and arm64 are little-endian
	return v;
}

int64_t sign_extend(uint64_t v, unsigned bits)
{
	if (bits == 0 || bits >= 64)
		return int64_t(v);
	uint64_t m = uint64_t(1) << (bits - 1);
	v &= (m << 1) - 1;
	return int64_t((v ^ m) - m);
}

// Bits [bit_off, bit_off + bits) of p, little-endian bit numbering.
uint64_t load_bits(const unsigned char *p, uint32_t bit_off, uint32_t bits)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < bits && i < 64; i++) {
		uint32_t b = bit_off + i;
		if (p[b / 8] >> (b % 8) & 1)
			v |= uint64_t(1) << i;
	}
	return v;
}

Json int_json(uint64_t raw, unsigned bits, bool is_signed)
{
	if (is_signed)
		return Json(sign_extend(raw, bits));
	if (bits < 64)
		raw &= (uint64_t(1) << bits) - 1;
	return raw;
}

class Renderer {
public:
	explicit Renderer(const struct btf *b) : b_(b) {}

	Json value(uint32_t id, const unsigned char *p, size_t avail, int depth) const
	{
		if (depth > kMaxDepth)
			return Json();
		const struct btf_type *t = skip_mods(b_, id, true);
		if (!t)
			return Json();
		long size = btf__resolve_size(b_, id);
		if (size < 0 || size_t(size) > avail)
			return Json();
		switch (btf_kind(t)) {
		case BTF_KIND_INT: return integer(t, p, 0);
		case BTF_KIND_PTR: return Json(load_uint(p, size <= 8 ? size : 8));
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: return enumeration(t, load_uint(p, t->size <= 8 ? t->size : 8));
		case BTF_KIND_FLOAT: return floating(t, p);
		case BTF_KIND_ARRAY: return array(t, p, avail, depth);
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION: {
			Json obj = Json::object();
			members(t, p, avail, depth, obj);
			return obj;
		}
		default: return Json();
		}
	}

private:
	Json integer(const struct btf_type *t, const unsigned char *p, uint32_t extra_bits) const
	{
		uint32_t info = *reinterpret_cast<const uint32_t *>(t + 1);
		unsigned enc = BTF_INT_ENCODING(info), off = BTF_INT_OFFSET(info) + extra_bits;
		unsigned bits = BTF_INT_BITS(info);
		bool is_signed = enc & BTF_INT_SIGNED;
		if (bits > 64) { // __int128: bpftool prints hex
			uint64_t lo = load_uint(p, 8), hi = load_uint(p + 8, 8);
			char buf[40];
			if (hi)
				std::snprintf(buf, sizeof buf, "0x%llx%016llx", (unsigned long long)hi,
					      (unsigned long long)lo);
			else
				std::snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)lo);
			return buf;
		}
		if (t->size > 8 || off + bits > t->size * 8)
			return Json(); // malformed: bits beyond the type's bytes
		uint64_t raw = off || bits != t->size * 8 ? load_bits(p, off, bits) : load_uint(p, t->size);
		if (enc & BTF_INT_BOOL)
			return raw != 0;
		if (enc & BTF_INT_CHAR) {
			unsigned char c = static_cast<unsigned char>(raw);
			if (c >= 0x20 && c < 0x7f)
				return std::string(1, char(c));
		}
		return int_json(raw, bits, is_signed);
	}

	Json enumeration(const struct btf_type *t, uint64_t raw) const
	{
		unsigned bits = t->size * 8;
		if (bits < 64)
			raw &= (uint64_t(1) << bits) - 1;
		bool is_signed = btf_kflag(t);
		for (int i = 0; i < btf_vlen(t); i++) {
			uint64_t v;
			uint32_t name;
			if (btf_is_enum(t)) {
				const struct btf_enum *e = btf_enum(t) + i;
				v = uint32_t(e->val);
				name = e->name_off;
			} else {
				const struct btf_enum64 *e = btf_enum64(t) + i;
				v = btf_enum64_value(e);
				name = reinterpret_cast<const uint32_t *>(e)[0];
			}
			if (bits < 64)
				v &= (uint64_t(1) << bits) - 1;
			if (v == raw)
				return btf__name_by_offset(b_, name);
		}
		return int_json(raw, bits, is_signed);
	}

	Json floating(const struct btf_type *t, const unsigned char *p) const
	{
		if (t->size == 4) {
			float f;
			std::memcpy(&f, p, 4);
			return Json(double(f)); // as nlohmann stores a float
		}
		if (t->size == 8) {
			double d;
			std::memcpy(&d, p, 8);
			return Json(d);
		}
		return Json();
	}

	// bpftool's is_str_array: 1-byte char elements, printable up to a NUL.
	bool is_string(const struct btf_array *a, const unsigned char *p) const
	{
		uint32_t elem_id = a->type;
		const struct btf_type *e = skip_mods(b_, elem_id, false);
		if (!a->nelems || !e || !btf_is_int(e) || e->size != 1)
			return false;
		if (!(btf_int_encoding(e) & BTF_INT_CHAR) &&
		    std::strcmp(btf__name_by_offset(b_, e->name_off), "char") != 0)
			return false;
		for (uint32_t i = 0; i < a->nelems; i++) {
			if (!p[i])
				return true;
			if (p[i] <= 0x1f || p[i] >= 0x7f)
				return false;
		}
		return false;
	}

	Json array(const struct btf_type *t, const unsigned char *p, size_t avail, int depth) const
	{
		const struct btf_array *a = btf_array(t);
		if (is_string(a, p))
			return std::string(reinterpret_cast<const char *>(p));
		long elem = btf__resolve_size(b_, a->type);
		Json arr = Json::array();
		if (elem <= 0)
			return arr;
		for (uint32_t i = 0; i < a->nelems && size_t(i + 1) * elem <= avail; i++)
			arr.push(value(a->type, p + size_t(i) * elem, avail - size_t(i) * elem, depth + 1));
		return arr;
	}

	void members(const struct btf_type *t, const unsigned char *p, size_t avail, int depth,
		     Json &obj) const
	{
		const struct btf_member *m = btf_members(t);
		for (int i = 0; i < btf_vlen(t); i++, m++) {
			uint32_t bit_off = btf_member_bit_offset(t, i);
			uint32_t bits = btf_member_bitfield_size(t, i);
			const char *name = btf__name_by_offset(b_, m->name_off);
			size_t byte = bit_off / 8;
			if (byte > avail)
				continue;
			uint32_t mid = m->type;
			const struct btf_type *mt = skip_mods(b_, mid, true);
			if (!mt)
				continue;
			if ((!name || !*name) && btf_is_composite(mt)) {
				members(mt, p + byte, avail - byte, depth + 1, obj); // C: s.field
				continue;
			}
			Json v;
			if (bits) {
				if ((bit_off + bits + 7) / 8 > avail)
					continue;
				uint64_t raw = load_bits(p, bit_off, bits);
				bool is_signed = (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED)) ||
						 (btf_is_any_enum(mt) && btf_kflag(mt));
				v = btf_is_any_enum(mt) ? enumeration(mt, raw) : int_json(raw, bits, is_signed);
			} else if (bit_off % 8) {
				v = Json(); // not byte-aligned and not a bitfield: no such C layout
			} else {
				v = value(m->type, p + byte, avail - byte, depth + 1);
			}
			obj.set(name ? name : "", std::move(v));
		}
	}

	const struct btf *b_;
};

} // namespace

Json btf_to_json(const struct btf *btf, uint32_t type_id, std::string_view bytes)
{
	return Renderer(btf).value(type_id, reinterpret_cast<const unsigned char *>(bytes.data()),
				   bytes.size(), 0);
}

std::string formatted_entry_line(const struct btf *btf, uint32_t key_type, uint32_t value_type,
				 std::string_view key, std::span<const std::string_view> values,
				 bool percpu)
{
	Json f = Json::object();
	f.set("key", btf_to_json(btf, key_type, key));
	if (!percpu) {
		f.set("value", btf_to_json(btf, value_type, values.empty() ? std::string_view() : values[0]));
	} else {
		Json per_cpu = Json::array();
		for (size_t c = 0; c < values.size(); c++)
			per_cpu.push(Json::object({{"cpu", uint32_t(c)}, {"value", btf_to_json(btf, value_type, values[c])}}));
		f.set("values", std::move(per_cpu));
	}
	return f.line();
}

} // namespace tmi
