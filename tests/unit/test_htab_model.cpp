// The kernel hash model's arithmetic. (Its agreement with the kernel's own
// bucket order is tested against real maps in tests/integration.)
#include <gtest/gtest.h>

#include <cstring>

#include "analysis/htab_model.hpp"

using namespace tmi;

// On little-endian hosts jhash over 4n bytes equals jhash2 over n words:
// the byte tail of jhash adds the same little-endian words.
TEST(HtabModel, JhashAndJhash2AgreeOnWordKeysLittleEndian)
{
	for (uint32_t words = 1; words <= 7; words++)
		for (uint32_t seed : {0u, 1u, 0xdeadbeefu}) {
			uint32_t k[7];
			for (uint32_t i = 0; i < words; i++)
				k[i] = i * 0x01020304u + seed;
			EXPECT_EQ(jhash(k, words * 4, seed), jhash2(k, words, seed)) << words;
		}
}

TEST(HtabModel, SeedAndLengthChangeTheHash)
{
	uint8_t key[13] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
	EXPECT_NE(jhash(key, 13, 0), jhash(key, 13, 1));
	EXPECT_NE(jhash(key, 13, 0), jhash(key, 12, 0));
	EXPECT_EQ(jhash(key, 0, 7), 0xdeadbeefu + 7); // nothing mixed in: the initial value
}

TEST(HtabModel, BucketMasksWithPowerOfTwo)
{
	HtabModel m{1024, 42, HashVariant::Jhash2ForWords};
	std::string k(8, 'x');
	EXPECT_EQ(m.bucket(k), m.hash(k) & 1023);
	EXPECT_LT(m.bucket(std::string(5, 'y')), 1024u);
}
