// btf_render.hpp: typed rendering of keys and values through the map's BTF.
//
// Rendering is libbpf's btf_dump__dump_type_data (compact, names, zeroes),
// not a hand-written printer. padding_mask() marks the bytes that belong to
// some member (recursively through structs, unions, arrays, typedefs and
// modifiers); bytes it leaves unmarked are struct padding, which the
// canonical dump zeroes so garbage in holes cannot make equal maps differ.
// Contract: BtfRenderer owns its btf and btf_dump; for_map() returns nullopt
// when the map has no BTF for its key and value.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "maps/maps.hpp"

struct btf;
struct btf_dump;

namespace tmi {

class BtfRenderer {
public:
	static std::optional<BtfRenderer> for_map(const MapInfo &info);
	BtfRenderer(BtfRenderer &&) noexcept;
	BtfRenderer &operator=(BtfRenderer &&) noexcept;
	~BtfRenderer();

	std::string render_key(std::string_view bytes) const { return render(key_type_, bytes); }
	std::string render_value(std::string_view bytes) const { return render(value_type_, bytes); }
	// For structured rendering (btf_json.hpp): borrowed, valid while *this lives.
	const struct btf *btf() const { return btf_.get(); }
	uint32_t key_type() const { return key_type_; }
	uint32_t value_type() const { return value_type_; }
	// 0xff for member bytes, 0x00 for padding; size = the type's size.
	const std::string &key_mask() const { return key_mask_; }
	const std::string &value_mask() const { return value_mask_; }

private:
	BtfRenderer() = default;
	std::string render(uint32_t type_id, std::string_view bytes) const;

	struct BtfFree {
		void operator()(struct btf *b) const;
	};
	struct DumpFree {
		void operator()(struct btf_dump *d) const;
	};
	std::unique_ptr<struct btf, BtfFree> btf_;
	std::unique_ptr<struct btf_dump, DumpFree> dump_;
	std::unique_ptr<std::string> sink_; // btf_dump's printf target, stable address
	uint32_t key_type_ = 0, value_type_ = 0;
	std::string key_mask_, value_mask_;
};

// Zeroes the bytes of `data` that `mask` marks as padding (mask repeats for
// per-CPU values). No-op when mask is empty.
void zero_padding(char *data, size_t len, const std::string &mask);

} // namespace tmi
