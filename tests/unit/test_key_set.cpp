// KeySet (the walk tracker's set of returned keys) against std::unordered_set.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_set>

#include "trace/key_set.hpp"

using tmi::KeySet;

TEST(KeySet, AgreesWithUnorderedSetOnRandomKeysOfMixedLengths)
{
	std::mt19937 rng(7);
	KeySet set;
	std::unordered_set<std::string> ref;
	for (int i = 0; i < 200000; i++) {
		// Short keys from a small alphabet: many repeats, shared prefixes,
		// lengths 0..12 (a shorter key is a prefix of longer ones).
		std::string k(rng() % 13, '\0');
		for (auto &c : k)
			c = char(rng() % 3);
		bool fresh = ref.insert(k).second;
		ASSERT_EQ(set.insert(k), fresh) << "insert " << i;
		std::string probe(rng() % 13, '\1');
		ASSERT_EQ(set.contains(probe), ref.count(probe) == 1);
	}
	EXPECT_EQ(set.size(), ref.size());
	for (auto &k : ref)
		EXPECT_TRUE(set.contains(k));
}

TEST(KeySet, EqualPrefixesAndEmptyKeyAreDistinct)
{
	KeySet set;
	EXPECT_FALSE(set.contains(""));
	EXPECT_TRUE(set.insert(std::string("\0\0\0\0\0\0\0\0\1", 9)));
	EXPECT_TRUE(set.insert(std::string("\0\0\0\0\0\0\0\0\2", 9)));
	EXPECT_FALSE(set.contains(std::string(8, '\0')));
	EXPECT_TRUE(set.insert(""));
	EXPECT_FALSE(set.insert(""));
	EXPECT_EQ(set.size(), 3u);
}

TEST(KeySet, MergeAddsEveryKeyOnce)
{
	KeySet a, b;
	for (uint32_t i = 0; i < 1000; i++)
		a.insert(std::string(reinterpret_cast<const char *>(&i), 4));
	for (uint32_t i = 500; i < 3000; i++)
		b.insert(std::string(reinterpret_cast<const char *>(&i), 4));
	a.merge(b);
	EXPECT_EQ(a.size(), 3000u);
	for (uint32_t i = 0; i < 3000; i++)
		EXPECT_FALSE(a.insert(std::string(reinterpret_cast<const char *>(&i), 4)));
}
