// btf_render.cpp: see btf_render.hpp.
#include "canon/btf_render.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstring>

namespace tmi {

void BtfRenderer::BtfFree::operator()(struct btf *b) const { btf__free(b); }
void BtfRenderer::DumpFree::operator()(struct btf_dump *d) const { btf_dump__free(d); }

BtfRenderer::BtfRenderer(BtfRenderer &&) noexcept = default;
BtfRenderer &BtfRenderer::operator=(BtfRenderer &&) noexcept = default;
BtfRenderer::~BtfRenderer() = default;

namespace {

void append_printf(void *ctx, const char *fmt, va_list args)
{
	auto *out = static_cast<std::string *>(ctx);
	va_list copy;
	va_copy(copy, args);
	int n = vsnprintf(nullptr, 0, fmt, copy);
	va_end(copy);
	if (n <= 0)
		return;
	size_t old = out->size();
	out->resize(old + n + 1);
	vsnprintf(out->data() + old, n + 1, fmt, args);
	out->resize(old + n);
}

// Marks in `mask` every byte that a member of `type_id` at byte `off` covers.
void mark(const struct btf *btf, uint32_t type_id, size_t off, std::string &mask, int depth = 0)
{
	if (depth > 32)
		return;
	const struct btf_type *t = btf__type_by_id(btf, type_id);
	if (!t)
		return;
	auto fill = [&](size_t from, size_t len) {
		for (size_t i = from; i < from + len && i < mask.size(); i++)
			mask[i] = char(0xff);
	};
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		mark(btf, t->type, off, mask, depth + 1);
		return;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);
		for (int i = 0; i < btf_vlen(t); i++, m++) {
			uint32_t bit_off = btf_member_bit_offset(t, i);
			uint32_t bits = btf_member_bitfield_size(t, i);
			if (bits)
				fill(off + bit_off / 8, (bit_off % 8 + bits + 7) / 8);
			else
				mark(btf, m->type, off + bit_off / 8, mask, depth + 1);
		}
		return;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		long elem = btf__resolve_size(btf, a->type);
		if (elem <= 0)
			return;
		for (uint32_t i = 0; i < a->nelems; i++)
			mark(btf, a->type, off + i * size_t(elem), mask, depth + 1);
		return;
	}
	default: {
		long size = btf__resolve_size(btf, type_id);
		if (size > 0)
			fill(off, size);
	}
	}
}

std::string mask_of(const struct btf *btf, uint32_t type_id)
{
	long size = btf__resolve_size(btf, type_id);
	if (size <= 0)
		return {};
	std::string mask(size, '\0');
	mark(btf, type_id, 0, mask);
	return mask;
}

} // namespace

std::optional<BtfRenderer> BtfRenderer::for_map(const MapInfo &info)
{
	if (!info.btf_id || !info.btf_key_type_id || !info.btf_value_type_id)
		return std::nullopt;
	struct btf *b = btf__load_from_kernel_by_id(info.btf_id);
	if (!b)
		return std::nullopt;
	BtfRenderer r;
	r.btf_.reset(b);
	r.sink_ = std::make_unique<std::string>();
	r.dump_.reset(btf_dump__new(b, append_printf, r.sink_.get(), nullptr));
	if (!r.dump_)
		return std::nullopt;
	r.key_type_ = info.btf_key_type_id;
	r.value_type_ = info.btf_value_type_id;
	r.key_mask_ = mask_of(b, r.key_type_);
	r.value_mask_ = mask_of(b, r.value_type_);
	if (r.key_mask_.size() != info.key_size || r.value_mask_.size() != info.value_size)
		return std::nullopt; // BTF does not describe these bytes: stay untyped
	return r;
}

std::string BtfRenderer::render(uint32_t type_id, std::string_view bytes) const
{
	LIBBPF_OPTS(btf_dump_type_data_opts, opts, .compact = true, .emit_zeroes = true);
	sink_->clear();
	if (btf_dump__dump_type_data(dump_.get(), type_id, bytes.data(), bytes.size(), &opts) < 0)
		return {};
	return *sink_;
}

void zero_padding(char *data, size_t len, const std::string &mask)
{
	if (mask.empty())
		return;
	for (size_t i = 0; i < len; i++)
		data[i] &= mask[i % mask.size()];
}

} // namespace tmi
