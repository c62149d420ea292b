// htab_model.cpp: see htab_model.hpp.
#include "analysis/htab_model.hpp"

#include <cstring>
#include <string>

namespace tmi {

namespace {

constexpr uint32_t kJhashInit = 0xdeadbeef;

inline uint32_t rol32(uint32_t w, unsigned s) { return (w << s) | (w >> (32 - s)); }

inline void mix(uint32_t &a, uint32_t &b, uint32_t &c)
{
	a -= c; a ^= rol32(c, 4);  c += b;
	b -= a; b ^= rol32(a, 6);  a += c;
	c -= b; c ^= rol32(b, 8);  b += a;
	a -= c; a ^= rol32(c, 16); c += b;
	b -= a; b ^= rol32(a, 19); a += c;
	c -= b; c ^= rol32(b, 4);  b += a;
}

inline void final(uint32_t &a, uint32_t &b, uint32_t &c)
{
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
}

inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	std::memcpy(&v, p, 4); // __get_unaligned_cpu32: host byte order
	return v;
}

} // namespace

uint32_t jhash(const void *key, uint32_t length, uint32_t initval)
{
	const uint8_t *k = static_cast<const uint8_t *>(key);
	uint32_t a, b, c;
	a = b = c = kJhashInit + length + initval;
	while (length > 12) {
		a += load32(k);
		b += load32(k + 4);
		c += load32(k + 8);
		mix(a, b, c);
		length -= 12;
		k += 12;
	}
	switch (length) {
	case 12: c += uint32_t(k[11]) << 24; [[fallthrough]];
	case 11: c += uint32_t(k[10]) << 16; [[fallthrough]];
	case 10: c += uint32_t(k[9]) << 8; [[fallthrough]];
	case 9: c += k[8]; [[fallthrough]];
	case 8: b += uint32_t(k[7]) << 24; [[fallthrough]];
	case 7: b += uint32_t(k[6]) << 16; [[fallthrough]];
	case 6: b += uint32_t(k[5]) << 8; [[fallthrough]];
	case 5: b += k[4]; [[fallthrough]];
	case 4: a += uint32_t(k[3]) << 24; [[fallthrough]];
	case 3: a += uint32_t(k[2]) << 16; [[fallthrough]];
	case 2: a += uint32_t(k[1]) << 8; [[fallthrough]];
	case 1:
		a += k[0];
		final(a, b, c);
		break;
	case 0:
		break;
	}
	return c;
}

uint32_t jhash2(const uint32_t *k, uint32_t length, uint32_t initval)
{
	uint32_t a, b, c;
	a = b = c = kJhashInit + (length << 2) + initval;
	while (length > 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		mix(a, b, c);
		length -= 3;
		k += 3;
	}
	switch (length) {
	case 3: c += k[2]; [[fallthrough]];
	case 2: b += k[1]; [[fallthrough]];
	case 1:
		a += k[0];
		final(a, b, c);
		break;
	case 0:
		break;
	}
	return c;
}

uint32_t HtabModel::hash(std::string_view key) const
{
	if (variant == HashVariant::Jhash2ForWords && key.size() % 4 == 0) {
		uint32_t words[128];
		uint32_t n = key.size() / 4;
		if (n <= 128) {
			std::memcpy(words, key.data(), key.size());
			return jhash2(words, n, hashrnd);
		}
		std::string copy(key); // keys up to KMALLOC_MAX: rare, keep correct
		return jhash2(reinterpret_cast<const uint32_t *>(copy.data()), n, hashrnd);
	}
	return jhash(key.data(), key.size(), hashrnd);
}

} // namespace tmi
