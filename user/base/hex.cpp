// hex.cpp: see hex.hpp.
#include "base/hex.hpp"

#include <cstring>

namespace tmi {

namespace {

// Two hex characters per byte value, built once: dumps encode tens of MB.
struct HexTable {
	char pairs[256][2];
	constexpr HexTable() : pairs()
	{
		const char *digits = "0123456789abcdef";
		for (int i = 0; i < 256; i++) {
			pairs[i][0] = digits[i >> 4];
			pairs[i][1] = digits[i & 15];
		}
	}
};
constexpr HexTable kHex;

} // namespace

char *put_hex(char *out, std::string_view bytes)
{
	for (unsigned char c : bytes) {
		std::memcpy(out, kHex.pairs[c], 2);
		out += 2;
	}
	return out;
}

std::string to_hex(std::string_view bytes)
{
	std::string out(bytes.size() * 2, '\0');
	put_hex(out.data(), bytes);
	return out;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

std::optional<Bytes> from_hex(std::string_view hex)
{
	if (hex.size() % 2)
		return std::nullopt;
	Bytes out(hex.size() / 2, '\0');
	for (size_t i = 0; i < out.size(); i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return std::nullopt;
		out[i] = static_cast<char>(hi << 4 | lo);
	}
	return out;
}

} // namespace tmi
