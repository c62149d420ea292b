// Root-free tests of the pure parts that were tested only through the binary:
// the walk-order audit, the bucket analysis, map selectors and hex.
// Expectations are computed here from first principles (the model's own
// bucket function, hand-built layouts), never from the tool's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

#include "analysis/audit.hpp"
#include "analysis/buckets.hpp"
#include "base/hex.hpp"
#include "maps/maps.hpp"
#include "trace/tracer.hpp"
#include "trace_map_iter.h"

using namespace tmi;

namespace {

Bytes key_of(uint64_t i, size_t size = 8)
{
	Bytes k(size, '\0');
	std::memcpy(k.data(), &i, std::min(size, sizeof(i)));
	return k;
}

const HtabModel kModel{64, 0x1234567u, HashVariant::Jhash2ForWords};

// Keys 0..n-1 sorted by the model's bucket: the order a walk must follow.
std::vector<Bytes> bucket_ordered_keys(uint64_t n, size_t key_size = 8)
{
	std::vector<Bytes> keys;
	for (uint64_t i = 0; i < n; i++)
		keys.push_back(key_of(i, key_size));
	std::stable_sort(keys.begin(), keys.end(), [](const Bytes &a, const Bytes &b) {
		return kModel.bucket(a) < kModel.bucket(b);
	});
	return keys;
}

OrderModel hash_model() { return {OrderClass::HashRandomSeed, kModel}; }

MapContents contents_of(const std::vector<Bytes> &keys, uint32_t key_size)
{
	MapContents m;
	m.key_size = key_size;
	m.value_bytes = 0;
	for (auto &k : keys)
		m.keys.insert(m.keys.end(), k.begin(), k.end());
	return m;
}

} // namespace

TEST(Audit, BucketAscendingWalkHasNoViolation)
{
	auto walk = bucket_ordered_keys(200);
	AuditResult r = audit_order(walk, hash_model());
	EXPECT_EQ(r.keys, 200u);
	EXPECT_EQ(r.violation_count, 0u);
}

TEST(Audit, RestartIsReportedWhereTheRepeatStarts)
{
	auto walk = bucket_ordered_keys(50);
	// The cursor key was deleted after position 19: the kernel restarts at
	// bucket 0 and returns the first keys again.
	std::vector<Bytes> restarted(walk.begin(), walk.begin() + 20);
	restarted.insert(restarted.end(), walk.begin(), walk.end());
	AuditResult r = audit_order(restarted, hash_model());
	ASSERT_GE(r.violation_count, 1u);
	EXPECT_EQ(r.violations[0].position, 20u);
	EXPECT_EQ(r.violations[0].key, walk[0]);
	// every repeated key is one violation: the 20 keys returned twice
	EXPECT_EQ(r.violation_count, 20u);
}

TEST(Audit, BucketGoingBackwardsIsAViolation)
{
	auto walk = bucket_ordered_keys(100);
	// find two keys in different buckets and swap them
	size_t j = 1;
	while (kModel.bucket(walk[j]) == kModel.bucket(walk[0]))
		j++;
	std::swap(walk[0], walk[j]);
	AuditResult r = audit_order(walk, hash_model());
	EXPECT_GE(r.violation_count, 1u);
}

TEST(Audit, ArrayMustWalkIndicesInOrder)
{
	std::vector<Bytes> walk = {key_of(0, 4), key_of(1, 4), key_of(3, 4), key_of(2, 4)};
	AuditResult r = audit_order(walk, {OrderClass::ArrayIndex, std::nullopt});
	ASSERT_EQ(r.violation_count, 2u);
	EXPECT_EQ(r.violations[0].position, 2u);
	EXPECT_EQ(r.violations[0].rank, 3u);
	EXPECT_EQ(r.violations[1].position, 3u);
}

TEST(Audit, UnmodelledTypesCannotViolate)
{
	std::vector<Bytes> walk = {key_of(5), key_of(5), key_of(1)};
	AuditResult r = audit_order(walk, {OrderClass::Unmodelled, std::nullopt});
	EXPECT_EQ(r.violation_count, 0u);
	EXPECT_EQ(r.keys, 3u);
}

TEST(Buckets, ChainsEmptyRunsAndHottestFromFirstPrinciples)
{
	// Keys longer than 8 bytes with equal prefixes: only the tail differs.
	const uint32_t ks = 13;
	std::vector<Bytes> keys;
	for (uint64_t i = 0; i < 40; i++)
		keys.push_back("samepref" + key_of(i, ks - 8));
	std::stable_sort(keys.begin(), keys.end(), [](const Bytes &a, const Bytes &b) {
		return kModel.bucket(a) < kModel.bucket(b);
	});
	std::map<uint32_t, uint32_t> len;
	for (auto &k : keys)
		len[kModel.bucket(k)]++;
	uint64_t empty = kModel.n_buckets - len.size();
	uint32_t max_chain = 0;
	std::map<uint32_t, uint64_t> hist;
	for (auto &[b, l] : len) {
		max_chain = std::max(max_chain, l);
		hist[l]++;
	}
	uint32_t best_start = 0, best_len = 0, run_start = 0, run_len = 0;
	for (uint32_t b = 0; b < kModel.n_buckets; b++) {
		if (len.count(b)) {
			run_len = 0;
			continue;
		}
		if (run_len++ == 0)
			run_start = b;
		if (run_len > best_len)
			best_len = run_len, best_start = run_start;
	}

	BucketReport r = analyse_buckets(contents_of(keys, ks), kModel, 3);
	EXPECT_EQ(r.n_buckets, kModel.n_buckets);
	EXPECT_EQ(r.entries, keys.size());
	EXPECT_EQ(r.empty_buckets, empty);
	EXPECT_EQ(r.max_chain, max_chain);
	EXPECT_EQ(r.chain_hist, hist);
	EXPECT_EQ(r.empty_run_start, best_start);
	EXPECT_EQ(r.empty_run_len, best_len);
	ASSERT_FALSE(r.hottest.empty());
	EXPECT_EQ(r.hottest[0].len, max_chain);
	EXPECT_TRUE(order_is_bucket_ascending(contents_of(keys, ks), kModel));
	std::reverse(keys.begin(), keys.end());
	EXPECT_FALSE(order_is_bucket_ascending(contents_of(keys, ks), kModel));
}

TEST(Buckets, EmptyMapIsOneEmptyRun)
{
	BucketReport r = analyse_buckets(contents_of({}, 8), kModel, 3);
	EXPECT_EQ(r.entries, 0u);
	EXPECT_EQ(r.empty_buckets, kModel.n_buckets);
	EXPECT_EQ(r.empty_run_start, 0u);
	EXPECT_EQ(r.empty_run_len, kModel.n_buckets);
	EXPECT_TRUE(r.hottest.empty());
}

TEST(MapSelectorParse, AcceptsTheThreeKindsOnly)
{
	auto id = MapSelector::parse("id:42");
	ASSERT_TRUE(id);
	EXPECT_EQ(id->kind, MapSelector::Kind::Id);
	EXPECT_EQ(id->value, "42");
	auto pin = MapSelector::parse("pinned:/sys/fs/bpf/a:b");
	ASSERT_TRUE(pin);
	EXPECT_EQ(pin->kind, MapSelector::Kind::Pinned);
	EXPECT_EQ(pin->value, "/sys/fs/bpf/a:b");
	auto name = MapSelector::parse("name:conntrack");
	ASSERT_TRUE(name);
	EXPECT_EQ(name->kind, MapSelector::Kind::Name);
	for (const char *bad : {"42", "id:", "id:x", "id:42x", "id:-1", "id:99999999999", "file:x",
				"nodeA.jsonl", ":x"})
		EXPECT_FALSE(MapSelector::parse(bad)) << bad;
}

TEST(Hex, RoundTripsEveryByte)
{
	Bytes all;
	for (int i = 0; i < 256; i++)
		all.push_back(static_cast<char>(i));
	std::string h = to_hex(all);
	EXPECT_EQ(h.size(), 512u);
	EXPECT_EQ(h.substr(0, 8), "00010203");
	EXPECT_EQ(h.substr(504), "fcfdfeff");
	EXPECT_EQ(from_hex(h), all);
}

// put_hex encodes four bytes at a time: every length (the tail of 0-3
// bytes included) and every byte value at every position of a group,
// against snprintf.
TEST(Hex, EveryLengthAndPositionMatchesPrintf)
{
	for (size_t len = 0; len <= 13; len++)
		for (int v = 0; v < 256; v++)
			for (size_t at = 0; at < std::max<size_t>(len, 1); at++) {
				Bytes b(len, '\x5a');
				if (len)
					b[at] = static_cast<char>(v);
				std::string want;
				for (unsigned char c : b) {
					char two[3];
					std::snprintf(two, sizeof two, "%02x", c);
					want += two;
				}
				ASSERT_EQ(to_hex(b), want) << "len " << len << " byte " << v << " at " << at;
			}
}

TEST(Hex, RejectsOddLengthAndNonHex)
{
	EXPECT_FALSE(from_hex("abc"));
	EXPECT_FALSE(from_hex("zz"));
	EXPECT_FALSE(from_hex("0g"));
	EXPECT_FALSE(from_hex("12 4"));
	EXPECT_EQ(from_hex(""), Bytes());
}

// The kernel reads the ring's fill level every (mask + 1)-th event per CPU:
// a power of two up to 64, with that many of the largest records on every
// CPU at most a quarter of the ring; every event when even one is more.
TEST(WakeupCheck, IntervalKeepsTheUncheckedFillUnderAQuarterOfTheRing)
{
	const uint64_t largest = 8 + sizeof(tmi_event) + 2 * TMI_MAX_KEY;
	for (uint64_t ring : {uint64_t(4096), uint64_t(64) << 10, uint64_t(1) << 20, uint64_t(16) << 20,
			      uint64_t(1) << 31})
		for (uint32_t ncpu : {1u, 2u, 64u, 1024u}) {
			uint32_t mask = wakeup_check_mask(ring, ncpu);
			uint64_t every = uint64_t(mask) + 1;
			SCOPED_TRACE(testing::Message() << ring << " bytes, " << ncpu << " CPUs");
			EXPECT_EQ(every & mask, 0u); // a power of two
			EXPECT_LE(every, 64u);
			if (every > 1) {
				EXPECT_LE(every * ncpu * largest, ring / 4);
			}
			if (every < 64) { // the largest interval that fits
				EXPECT_GT(2 * every * ncpu * largest, ring / 4);
			}
		}
	EXPECT_EQ(wakeup_check_mask(4096, 2), 0u);
	EXPECT_EQ(wakeup_check_mask(uint64_t(16) << 20, 2), 63u); // the default ring
	EXPECT_EQ(wakeup_check_mask(uint64_t(16) << 20, 0), 63u); // no CPU count: as one
}
