// hex.hpp: lowercase hex encoding of byte strings (keys and values are
// std::string holding raw bytes throughout the project).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tmi {

using Bytes = std::string;

std::string to_hex(std::string_view bytes);
// Writes 2 * bytes.size() lowercase hex characters at `out`; returns the end.
char *put_hex(char *out, std::string_view bytes);
// nullopt when `hex` has odd length or a character outside [0-9a-fA-F].
std::optional<Bytes> from_hex(std::string_view hex);

} // namespace tmi
