// hex.cpp: see hex.hpp.
#include "hex.hpp"

namespace tmi {

std::string to_hex(std::string_view bytes)
{
	static constexpr char digits[] = "0123456789abcdef";
	std::string out(bytes.size() * 2, '\0');
	for (size_t i = 0; i < bytes.size(); i++) {
		auto b = static_cast<unsigned char>(bytes[i]);
		out[2 * i] = digits[b >> 4];
		out[2 * i + 1] = digits[b & 15];
	}
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
