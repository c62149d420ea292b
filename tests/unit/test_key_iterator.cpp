// KeyIterator logic behind its seam: a fake get_next_key that behaves like
// the kernel's hash map (NULL: first key; a known key: the one after it; a
// deleted key: restart from the first; past the last: ENOENT).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "maps/key_iterator.hpp"

using namespace tmi;

namespace {

struct FakeMap {
	std::vector<uint32_t> keys;
	int fail_at_call = -1, fail_errno = 0; // 0-based call that fails
	bool endless = false;                  // never says ENOENT (wraps around)
	std::vector<const void *> cursors, outs;

	KeyIterator::NextKeyFn fn()
	{
		return [this](const void *cursor, void *next) {
			int call = int(cursors.size());
			cursors.push_back(cursor);
			outs.push_back(next);
			if (call == fail_at_call)
				return fail_errno;
			size_t at = 0;
			if (cursor) {
				uint32_t k;
				std::memcpy(&k, cursor, 4);
				auto it = std::find(keys.begin(), keys.end(), k);
				at = it == keys.end() ? 0 : size_t(it - keys.begin()) + 1;
			}
			if (endless && !keys.empty())
				at %= keys.size();
			if (at >= keys.size())
				return ENOENT;
			std::memcpy(next, &keys[at], 4);
			return 0;
		};
	}
};

MapInfo info_of(uint32_t id)
{
	MapInfo i;
	i.id = id;
	i.key_size = 4;
	i.max_entries = 16;
	return i;
}

} // namespace

TEST(KeyIterator, WalksEveryKeyThenEndsAtEnoentWithoutError)
{
	FakeMap m{{5, 9, 2}};
	KeyIterator it(m.fn(), info_of(1), 100);
	std::vector<uint32_t> seen;
	uint32_t k;
	while (it.next(&k))
		seen.push_back(k);
	EXPECT_EQ(seen, m.keys);
	EXPECT_FALSE(it.error());
	EXPECT_EQ(it.calls(), 4u); // three keys and the ENOENT
	EXPECT_EQ(it.keys(), 3u);
	EXPECT_FALSE(it.next(&k)); // stays at the end, asks the kernel no more
	EXPECT_EQ(m.cursors.size(), 4u);
}

// bpftool's shape: NULL first, then cursor and next key in one buffer.
TEST(KeyIterator, FirstKeyWithNullThenTheSameBufferAsCursorAndNextKey)
{
	FakeMap m{{1, 2, 3}};
	KeyIterator it(m.fn(), info_of(1), 100);
	Bytes k;
	while (it.next(k))
		EXPECT_EQ(k.size(), 4u);
	ASSERT_EQ(m.cursors.size(), 4u);
	EXPECT_EQ(m.cursors[0], nullptr);
	for (size_t i = 1; i < m.cursors.size(); i++) {
		EXPECT_EQ(m.cursors[i], m.outs[i - 1]) << i;
		EXPECT_EQ(m.cursors[i], m.outs[i]) << i;
	}
}

TEST(KeyIterator, EmptyMapEndsAtOnce)
{
	FakeMap m;
	KeyIterator it(m.fn(), info_of(1), 100);
	uint32_t k;
	EXPECT_FALSE(it.next(&k));
	EXPECT_FALSE(it.error());
	EXPECT_EQ(it.calls(), 1u);
}

TEST(KeyIterator, OtherErrnoIsAnErrorNamingOperationAndMap)
{
	FakeMap m{{1, 2, 3, 4}, 2, EPERM};
	KeyIterator it(m.fn(), info_of(77), 100);
	uint32_t k;
	EXPECT_TRUE(it.next(&k));
	EXPECT_TRUE(it.next(&k));
	EXPECT_FALSE(it.next(&k));
	ASSERT_TRUE(it.error());
	EXPECT_EQ(std::string(it.error()->what()),
		  std::string("can't get the next key of map 77: ") + std::strerror(EPERM));
	EXPECT_EQ(it.error()->exit_code(), kExitError);
	EXPECT_FALSE(it.next(&k));
	EXPECT_EQ(m.cursors.size(), 3u);
}

TEST(KeyIterator, ErrorOnTheFirstCall)
{
	FakeMap m{{1}, 0, EFAULT};
	KeyIterator it(m.fn(), info_of(3), 100);
	uint32_t k;
	EXPECT_FALSE(it.next(&k));
	ASSERT_TRUE(it.error());
	EXPECT_NE(std::string(it.error()->what()).find(std::strerror(EFAULT)), std::string::npos);
}

// A map under churn can keep a walk going forever: the bound ends it.
TEST(KeyIterator, EndlessWalkStopsAtTheBoundWithAnError)
{
	FakeMap m{{1, 2, 3}};
	m.endless = true;
	KeyIterator it(m.fn(), info_of(9), 10);
	uint32_t k;
	uint64_t n = 0;
	while (it.next(&k))
		n++;
	EXPECT_EQ(n, 10u);
	ASSERT_TRUE(it.error());
	EXPECT_EQ(std::string(it.error()->what()),
		  "can't walk map 9: the walk did not end after 10 keys");
	EXPECT_EQ(it.calls(), 11u);
}

TEST(KeyIterator, ExactlyTheBoundIsNotAnError)
{
	FakeMap m{{1, 2, 3}};
	KeyIterator it(m.fn(), info_of(9), 3);
	uint32_t k;
	uint64_t n = 0;
	while (it.next(&k))
		n++;
	EXPECT_EQ(n, 3u);
	EXPECT_FALSE(it.error());
}

// A deleted cursor restarts the walk (keys repeat) and still ends.
TEST(KeyIterator, DeletedCursorRestartsFromTheFirstKey)
{
	FakeMap m{{1, 2, 3, 4}};
	KeyIterator it(m.fn(), info_of(1), 100);
	std::vector<uint32_t> seen;
	uint32_t k;
	while (it.next(&k)) {
		seen.push_back(k);
		if (seen.size() == 2)
			m.keys.erase(m.keys.begin() + 1); // delete key 2, the cursor
	}
	EXPECT_EQ(seen, (std::vector<uint32_t>{1, 2, 1, 3, 4}));
	EXPECT_FALSE(it.error());
}

TEST(KeyIterator, WalkBoundFromMaxEntries)
{
	MapInfo i = info_of(1);
	i.max_entries = 1000;
	EXPECT_EQ(walk_bound(i), 4016u);
	i.max_entries = 0; // cgroup storage
	EXPECT_EQ(walk_bound(i), uint64_t(1) << 24);
}
