// btf_json.hpp: a key or value rendered as structured JSON through BTF, the
// "formatted" objects of the canonical dump (as `bpftool -j map dump` gives):
// structs -> objects of their members (an anonymous struct or union member's
// fields are merged into the parent), arrays -> arrays, char arrays holding a
// printable NUL-terminated string -> that string, integers -> numbers
// (bitfields included; 128-bit ones as "0x..." strings), bool -> true/false,
// enums -> their value's name (the number when no name matches), floats ->
// numbers, pointers -> numbers, anything else -> null.
// Contract: pure (reads only `btf` and `bytes`); never reads past `bytes`
// (a type larger than the bytes renders as null); recursion bounded.
// formatted_entry_line is the whole "formatted" member of a typed dump line.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/json.hpp"

struct btf;

namespace tmi {

Json btf_to_json(const struct btf *btf, uint32_t type_id, std::string_view bytes);

// {"key":K,"value":V} on one line (Json::line), or {"key":K,"values":[{"cpu":
// 0,"value":V},...]} with one element per entry of `values` when `percpu`.
std::string formatted_entry_line(const struct btf *btf, uint32_t key_type, uint32_t value_type,
				 std::string_view key, std::span<const std::string_view> values,
				 bool percpu);

} // namespace tmi
