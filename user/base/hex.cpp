// hex.cpp: see hex.hpp.
#include "base/hex.hpp"

#include <cstdint>
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

// Eight hex characters of four bytes with plain 64-bit arithmetic (SWAR):
// dumps encode tens of MB, and a table lookup per byte costs twice this.
// Byte i of `in` (memory order) becomes characters 2i and 2i+1.
inline uint64_t hex8(uint32_t in)
{
	uint64_t x = in;
	x = (x | x << 16) & 0x0000ffff0000ffffULL;
	x = (x | x << 8) & 0x00ff00ff00ff00ffULL; // byte i now at byte 2i
	// Nibbles in output order (little-endian: the high nibble first).
	uint64_t n = (x >> 4 & 0x000f000f000f000fULL) | (x & 0x000f000f000f000fULL) << 8;
	// '0' + n for 0..9, 'a' + n - 10 for 10..15: +39 where n > 9.
	uint64_t letters = (n + 0x0606060606060606ULL) >> 4 & 0x0101010101010101ULL;
	return n + 0x3030303030303030ULL + letters * 39;
}

} // namespace

char *put_hex(char *out, std::string_view bytes)
{
	const char *p = bytes.data(), *end = p + bytes.size();
	constexpr bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__; // hex8's byte order
	for (; little && end - p >= 4; p += 4, out += 8) {
		uint32_t in;
		std::memcpy(&in, p, 4);
		uint64_t h = hex8(in);
		std::memcpy(out, &h, 8);
	}
	for (; p < end; p++, out += 2)
		std::memcpy(out, kHex.pairs[static_cast<unsigned char>(*p)], 2);
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
