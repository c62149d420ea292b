// dump and diff against real maps. Expected digests are computed here from
// this test's own reading of the map (get_next_key + lookup, its own sort,
// OpenSSL's SHA256), never taken from the tool.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/helpers.hpp"
#include "common/root.hpp"

using namespace tmi;
using namespace tmi::testing;
using json = nlohmann::json;

namespace {

struct Spec {
	uint32_t type, key_size, value_size, max_entries, flags = 0;
};

bool percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

int ncpus() { return libbpf_num_possible_cpus(); }

// This test's own reading: every entry, per-CPU values de-rounded.
std::map<Bytes, Bytes> read_all(int fd, const Spec &s)
{
	std::map<Bytes, Bytes> out;
	uint32_t stride = percpu(s.type) ? (s.value_size + 7) / 8 * 8 : s.value_size;
	int n = percpu(s.type) ? ncpus() : 1;
	for (auto &k : walk_keys(fd, s.key_size)) {
		Bytes raw(size_t(stride) * n, '\0');
		if (bpf_map_lookup_elem(fd, k.data(), raw.data()))
			continue;
		Bytes v;
		for (int c = 0; c < n; c++)
			v += raw.substr(size_t(c) * stride, s.value_size);
		out[k] = v;
	}
	return out;
}

std::string hex(const Bytes &b) { return to_hex(b); }

// Keys order by unsigned bytes (memcmp), spelled out here.
struct Unsigned {
	bool operator()(const Bytes &a, const Bytes &b) const
	{
		int c = memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
		return c ? c < 0 : a.size() < b.size();
	}
};

std::string digest_sorted(const std::map<Bytes, Bytes> &m, const Spec &s)
{
	std::vector<std::pair<Bytes, Bytes>> v(m.begin(), m.end());
	std::sort(v.begin(), v.end(), [](auto &a, auto &b) { return Unsigned()(a.first, b.first); });
	std::string msg("tmi-canon-v1\0", 13);
	auto le = [&](uint64_t x, int bytes) {
		for (int i = 0; i < bytes; i++)
			msg += char(x >> (8 * i));
	};
	le(s.type, 4);
	le(s.key_size, 4);
	le(s.value_size, 4);
	le(v.size(), 8);
	for (auto &[k, val] : v)
		msg += k + val;
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(reinterpret_cast<const unsigned char *>(msg.data()), msg.size(), md);
	return hex(Bytes(reinterpret_cast<char *>(md), sizeof(md)));
}

// LRU maps get headroom (lru_capacity): they evict before they are full.
UniqueFd make(const Spec &s)
{
	bool lru = s.type == BPF_MAP_TYPE_LRU_HASH || s.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	uint32_t max_entries = lru ? lru_capacity(std::min<uint32_t>(s.max_entries, 300)) : s.max_entries;
	return create_map(s.type, s.key_size, s.value_size, std::max(max_entries, s.max_entries), s.flags);
}

Bytes value_for(uint64_t i, const Spec &s)
{
	int n = percpu(s.type) ? ncpus() : 1;
	uint32_t stride = percpu(s.type) ? (s.value_size + 7) / 8 * 8 : s.value_size;
	Bytes v(size_t(stride) * n, '\0');
	for (int c = 0; c < n; c++)
		for (uint32_t b = 0; b < s.value_size; b++)
			v[size_t(c) * stride + b] = char(i * 31 + c * 7 + b);
	return v;
}

void fill(int fd, const Spec &s, const std::vector<uint64_t> &ids)
{
	for (auto i : ids)
		put(fd, s.type == BPF_MAP_TYPE_ARRAY || s.type == BPF_MAP_TYPE_PERCPU_ARRAY
				? make_key(i, 4)
				: make_key(i * 2654435761u, s.key_size),
		    value_for(i, s));
}

std::string id_arg(int fd) { return std::to_string(map_id(fd)); }

std::string write_file(const std::string &content)
{
	char path[] = "/tmp/tmi_dump_XXXXXX";
	int fd = mkstemp(path);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(write(fd, content.data(), content.size()), ssize_t(content.size()));
	close(fd);
	return path;
}

} // namespace

TEST(Dump, SameEntriesDumpToIdenticalBytesWhateverSeedSizeAndOrder)
{
	TMI_REQUIRE_ROOT();
	Spec a{BPF_MAP_TYPE_HASH, 8, 16, 1000, BPF_F_ZERO_SEED};
	Spec b{BPF_MAP_TYPE_HASH, 8, 16, 5000, BPF_F_NO_PREALLOC};
	std::vector<uint64_t> ids(700);
	for (uint64_t i = 0; i < ids.size(); i++)
		ids[i] = i;
	UniqueFd ma = make(a), mb = make(b);
	fill(ma.get(), a, ids);
	std::reverse(ids.begin(), ids.end());
	fill(mb.get(), b, ids);
	// Same entries, different kernel order: the premise of the test.
	ASSERT_NE(walk_keys(ma.get(), 8), walk_keys(mb.get(), 8));

	RunResult da = run_tool({"dump", "--map-id", id_arg(ma.get())});
	RunResult db = run_tool({"dump", "--map-id", id_arg(mb.get())});
	ASSERT_EQ(da.code, 0) << da.err;
	ASSERT_EQ(db.code, 0) << db.err;
	EXPECT_EQ(da.out, db.out);
	EXPECT_EQ(split_lines(da.out).size(), 701u);
	RunResult ga = run_tool({"dump", "--map-id", id_arg(ma.get()), "--digest"});
	EXPECT_EQ(ga.out, digest_sorted(read_all(mb.get(), b), a) + "\n");
}

class DumpTypes : public ::testing::TestWithParam<Spec> {};

TEST_P(DumpTypes, DigestAndLinesEqualTheTestsOwnReading)
{
	TMI_REQUIRE_ROOT();
	Spec s = GetParam();
	UniqueFd m = make(s);
	std::vector<uint64_t> ids;
	for (uint64_t i = 0; i < std::min<uint32_t>(s.max_entries, 300); i += 1)
		ids.push_back(i);
	fill(m.get(), s, ids);
	auto mine = read_all(m.get(), s);
	std::string want = digest_sorted(mine, s);

	RunResult r = run_tool({"dump", "--map-id", id_arg(m.get())});
	ASSERT_EQ(r.code, 0) << r.err;
	auto lines = split_lines(r.out);
	ASSERT_EQ(lines.size(), mine.size() + 1);
	json h = json::parse(lines[0]);
	EXPECT_EQ(h["format"], "tmi-canon-v1");
	EXPECT_EQ(h["entries"], mine.size());
	EXPECT_EQ(h["key_size"], s.key_size);
	EXPECT_EQ(h["value_size"], s.value_size);
	EXPECT_EQ(h["sha256"], want);

	std::vector<std::pair<Bytes, Bytes>> sorted(mine.begin(), mine.end());
	std::sort(sorted.begin(), sorted.end(), [](auto &x, auto &y) { return Unsigned()(x.first, y.first); });
	for (size_t i = 0; i < sorted.size(); i++) {
		json e = json::parse(lines[i + 1]);
		EXPECT_EQ(e["key"], hex(sorted[i].first)) << i;
		if (percpu(s.type)) {
			auto vals = e["values"].get<std::vector<std::string>>();
			ASSERT_EQ(vals.size(), size_t(ncpus()));
			std::string joined;
			for (auto &v : vals)
				joined += v;
			EXPECT_EQ(joined, hex(sorted[i].second)) << i;
		} else {
			EXPECT_EQ(e["value"], hex(sorted[i].second)) << i;
		}
	}
	RunResult d = run_tool({"dump", "--map-id", id_arg(m.get()), "--digest"});
	EXPECT_EQ(d.out, want + "\n");
}

INSTANTIATE_TEST_SUITE_P(
	Maps, DumpTypes,
	::testing::Values(Spec{BPF_MAP_TYPE_HASH, 4, 8, 512}, Spec{BPF_MAP_TYPE_HASH, 5, 3, 512},
			  Spec{BPF_MAP_TYPE_HASH, 13, 20, 512}, Spec{BPF_MAP_TYPE_LRU_HASH, 8, 8, 1024},
			  Spec{BPF_MAP_TYPE_PERCPU_HASH, 8, 12, 512},
			  Spec{BPF_MAP_TYPE_PERCPU_HASH, 5, 3, 512},
			  Spec{BPF_MAP_TYPE_LRU_PERCPU_HASH, 8, 4, 1024},
			  Spec{BPF_MAP_TYPE_ARRAY, 4, 12, 50},
			  Spec{BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 50}));

// Large hash maps take dump's fast paths: two threads each reading half of
// the bucket array, order bins sorted on two threads, and (-o to a regular
// file) lines pwritten by two threads with the header written last. The
// file must still be byte for byte what the test's own reading gives.
TEST(Dump, LargeHashMapsOnTheParallelPathsEqualTheTestsOwnReading)
{
	TMI_REQUIRE_ROOT();
	for (Spec s : {Spec{BPF_MAP_TYPE_HASH, 8, 16, 200000}, Spec{BPF_MAP_TYPE_PERCPU_HASH, 5, 3, 70000}}) {
		UniqueFd m = make(s);
		std::vector<uint64_t> ids(s.max_entries * 3 / 4);
		for (uint64_t i = 0; i < ids.size(); i++)
			ids[i] = i;
		fill(m.get(), s, ids);
		auto mine = read_all(m.get(), s);
		ASSERT_EQ(mine.size(), ids.size());
		std::vector<std::pair<Bytes, Bytes>> sorted(mine.begin(), mine.end());
		std::sort(sorted.begin(), sorted.end(),
			  [](auto &x, auto &y) { return Unsigned()(x.first, y.first); });
		std::string want = fmt::format(
			"{{\"format\":\"tmi-canon-v1\",\"map_type\":\"{}\",\"key_size\":{},\"value_size\":{},"
			"\"entries\":{},\"sha256\":\"{}\"}}\n",
			percpu(s.type) ? "percpu_hash" : "hash", s.key_size, s.value_size, sorted.size(),
			digest_sorted(mine, s));
		for (auto &[k, v] : sorted) {
			if (!percpu(s.type)) {
				want += "{\"key\":\"" + hex(k) + "\",\"value\":\"" + hex(v) + "\"}\n";
				continue;
			}
			want += "{\"key\":\"" + hex(k) + "\",\"values\":[";
			for (int c = 0; c < ncpus(); c++)
				want += std::string(c ? ",\"" : "\"") + hex(v.substr(size_t(c) * s.value_size, s.value_size)) + "\"";
			want += "]}\n";
		}
		std::string path = write_file("stale");
		RunResult r = run_tool({"dump", "--map-id", id_arg(m.get()), "-o", path});
		ASSERT_EQ(r.code, 0) << r.err;
		std::ifstream f(path);
		std::string got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
		unlink(path.c_str());
		ASSERT_EQ(got.size(), want.size()) << s.type;
		EXPECT_TRUE(got == want) << s.type;
		RunResult d = run_tool({"dump", "--map-id", id_arg(m.get())}); // a pipe: in order
		EXPECT_TRUE(d.out == want) << s.type;
	}
}

TEST(Dump, EmptyMap)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_HASH, 8, 8, 64};
	UniqueFd m = make(s);
	RunResult r = run_tool({"dump", "--map-id", id_arg(m.get())});
	ASSERT_EQ(r.code, 0) << r.err;
	auto lines = split_lines(r.out);
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(json::parse(lines[0])["entries"], 0);
	EXPECT_EQ(json::parse(lines[0])["sha256"], digest_sorted({}, s));
}

TEST(Dump, ArraysHoldEveryIndex)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_ARRAY, 4, 8, 10};
	UniqueFd m = make(s);
	fill(m.get(), s, {2, 5});
	RunResult r = run_tool({"dump", "--map-id", id_arg(m.get())});
	auto lines = split_lines(r.out);
	ASSERT_EQ(lines.size(), 11u);
	EXPECT_EQ(json::parse(lines[1])["key"], "00000000");
	EXPECT_EQ(json::parse(lines[1])["value"], "0000000000000000");
	EXPECT_EQ(json::parse(lines[10])["key"], "09000000");
}

// The get_next_key + lookup path: an LPM trie has no batch lookup.
TEST(Dump, TrieUsesNextKeyPathAndSortsCanonically)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_LPM_TRIE, 8, 4, 64, BPF_F_NO_PREALLOC};
	UniqueFd m = make(s);
	for (uint32_t i = 0; i < 20; i++) {
		Bytes k(8, '\0');
		uint32_t plen = 32;
		memcpy(k.data(), &plen, 4);
		uint32_t addr = 0x0a000000 + i * 977;
		memcpy(k.data() + 4, &addr, 4);
		put(m.get(), k, make_key(i, 4));
	}
	auto mine = read_all(m.get(), s);
	ASSERT_EQ(mine.size(), 20u);
	RunResult r = run_tool({"dump", "--map-id", id_arg(m.get()), "--digest"});
	ASSERT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.out, digest_sorted(mine, s) + "\n");
}

namespace {

// A hash map whose value type is BTF `struct padded { u8 a; u32 b; u16 c; u64 d; }`
// (24 bytes: holes at 1..3 and 10..15).
UniqueFd btf_map(UniqueFd &btf_fd)
{
	struct btf *b = btf__new_empty();
	int u8 = btf__add_int(b, "unsigned char", 1, 0);
	int u16 = btf__add_int(b, "unsigned short", 2, 0);
	int u32 = btf__add_int(b, "unsigned int", 4, 0);
	int u64 = btf__add_int(b, "unsigned long long", 8, 0);
	int st = btf__add_struct(b, "padded", 24);
	btf__add_field(b, "a", u8, 0, 0);
	btf__add_field(b, "b", u32, 32, 0);
	btf__add_field(b, "c", u16, 64, 0);
	btf__add_field(b, "d", u64, 128, 0);
	if (btf__load_into_kernel(b))
		throw std::runtime_error("btf load failed");
	btf_fd.reset(dup(btf__fd(b)));
	btf__free(b);
	LIBBPF_OPTS(bpf_map_create_opts, opts, .btf_fd = uint32_t(btf_fd.get()),
		    .btf_key_type_id = uint32_t(u32), .btf_value_type_id = uint32_t(st));
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "tmi_btf", 4, 24, 64, &opts);
	if (fd < 0)
		throw std::runtime_error("btf map create failed");
	return UniqueFd(fd);
}

Bytes padded_value(uint32_t i, char garbage)
{
	Bytes v(24, garbage);
	v[0] = char(i);
	uint32_t b = i * 1000;
	memcpy(&v[4], &b, 4);
	uint16_t c = uint16_t(i + 7);
	memcpy(&v[8], &c, 2);
	uint64_t d = uint64_t(i) << 40;
	memcpy(&v[16], &d, 8);
	return v;
}

} // namespace

TEST(Dump, BtfPaddingIsZeroedAndTypedRenderingComesFromBtfDump)
{
	TMI_REQUIRE_ROOT();
	UniqueFd btf1, btf2;
	UniqueFd m1 = btf_map(btf1), m2 = btf_map(btf2);
	for (uint32_t i = 1; i <= 5; i++) {
		put(m1.get(), make_key(i, 4), padded_value(i, '\x00'));
		put(m2.get(), make_key(i, 4), padded_value(i, '\xee')); // garbage in the holes
	}
	RunResult a = run_tool({"dump", "--map-id", id_arg(m1.get())});
	RunResult b = run_tool({"dump", "--map-id", id_arg(m2.get())});
	ASSERT_EQ(a.code, 0) << a.err;
	EXPECT_EQ(a.out, b.out);
	auto lines = split_lines(a.out);
	ASSERT_EQ(lines.size(), 6u);
	json h = json::parse(lines[0]);
	EXPECT_EQ(h["padding"], "zeroed");
	// The digest: this test's own entries with the holes zeroed by hand.
	Spec s{BPF_MAP_TYPE_HASH, 4, 24, 64};
	std::map<Bytes, Bytes> mine;
	for (uint32_t i = 1; i <= 5; i++)
		mine[make_key(i, 4)] = padded_value(i, '\x00');
	EXPECT_EQ(h["sha256"], digest_sorted(mine, s));
	json e = json::parse(lines[1]);
	EXPECT_EQ(e["value"], hex(padded_value(1, '\x00')));
	// btf_dump's compact form: a cast, then the value in decimal.
	EXPECT_EQ(e["k"], "(unsigned int)1");
	std::string v = e["v"];
	EXPECT_NE(v.find(".a = (unsigned char)1,"), std::string::npos) << v;
	EXPECT_NE(v.find(".b = (unsigned int)1000,"), std::string::npos) << v;
	EXPECT_NE(v.find(".c = (unsigned short)8,"), std::string::npos) << v;
	EXPECT_NE(v.find(".d = (unsigned long long)" + std::to_string(1ULL << 40)), std::string::npos) << v;
	// --raw: no typed fields, same digest.
	RunResult raw = run_tool({"dump", "--map-id", id_arg(m2.get()), "--raw"});
	auto rl = split_lines(raw.out);
	EXPECT_EQ(json::parse(rl[0])["sha256"], h["sha256"]);
	EXPECT_FALSE(json::parse(rl[1]).contains("v"));
}

TEST(Diff, NamesExactlyTheChangedAddedAndRemovedKeys)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_HASH, 4, 8, 256};
	UniqueFd a = make(s), b = make(s);
	std::vector<uint64_t> ids;
	for (uint64_t i = 0; i < 100; i++)
		ids.push_back(i);
	fill(a.get(), s, ids);
	fill(b.get(), s, ids);
	Bytes removed = make_key(10 * 2654435761u, 4), changed = make_key(20 * 2654435761u, 4);
	Bytes added = make_key(999 * 2654435761u, 4);
	ASSERT_EQ(bpf_map_delete_elem(b.get(), removed.data()), 0);
	Bytes newval(8, 'Z');
	put(b.get(), changed, newval);
	put(b.get(), added, value_for(999, s));

	RunResult r = run_tool({"diff", "id:" + id_arg(a.get()), "id:" + id_arg(b.get())});
	EXPECT_EQ(r.code, 1) << r.err;
	std::set<std::string> got;
	for (auto &l : split_lines(r.out))
		got.insert(l);
	std::set<std::string> want = {
		"- " + hex(removed) + " " + hex(value_for(10, s)),
		"+ " + hex(added) + " " + hex(value_for(999, s)),
		"~ " + hex(changed) + " " + hex(value_for(20, s)) + " " + hex(newval),
	};
	EXPECT_EQ(got, want);
	EXPECT_NE(r.err.find("3 differences"), std::string::npos) << r.err;

	// File against live map; identical sides exit 0.
	std::string file = write_file(run_tool({"dump", "--map-id", id_arg(a.get())}).out);
	RunResult same = run_tool({"diff", file, "id:" + id_arg(a.get())});
	EXPECT_EQ(same.code, 0) << same.err;
	EXPECT_EQ(same.out, "");
	RunResult j = run_tool({"diff", file, "id:" + id_arg(b.get()), "-j"});
	EXPECT_EQ(j.code, 1);
	EXPECT_EQ(split_lines(j.out).size(), 3u);
	for (auto &l : split_lines(j.out))
		EXPECT_TRUE(json::parse(l).contains("op"));
	unlink(file.c_str());
}

TEST(Diff, CorruptOrTruncatedDumpFilesAreTroubleExitTwo)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_HASH, 4, 8, 64};
	UniqueFd m = make(s);
	fill(m.get(), s, {1, 2, 3, 4});
	std::string good = run_tool({"dump", "--map-id", id_arg(m.get())}).out;
	auto lines = split_lines(good);
	ASSERT_EQ(lines.size(), 5u);
	auto join = [](const std::vector<std::string> &ls) {
		std::string s;
		for (auto &l : ls)
			s += l + "\n";
		return s;
	};
	std::vector<std::string> bad = {
		"",                                                       // empty
		join({lines[0], lines[1], lines[2], lines[3]}),           // truncated at a line
		good.substr(0, good.size() - 10),                         // truncated mid-line
		join({lines[0], lines[2], lines[1], lines[3], lines[4]}), // out of order
		join({lines[0], "{\"key\":\"zz\",\"value\":\"00\"}", lines[2], lines[3], lines[4]}),
		"not json at all\n",
	};
	std::string tampered = good;
	tampered[good.find("\"value\":\"") + 9] ^= 1; // one value bit: digest no longer matches
	bad.push_back(tampered);
	std::string ok_file = write_file(good);
	for (size_t i = 0; i < bad.size(); i++) {
		std::string f = write_file(bad[i]);
		RunResult r = run_tool({"diff", f, ok_file});
		EXPECT_EQ(r.code, 2) << i << ": " << r.err;
		EXPECT_EQ(split_lines(r.err).size(), 1u) << i << ": " << r.err;
		EXPECT_EQ(r.err.rfind("error: reading " + f + ": ", 0), 0u) << i << ": " << r.err;
		unlink(f.c_str());
	}
	RunResult missing = run_tool({"diff", "/nonexistent/dump.jsonl", ok_file});
	EXPECT_EQ(missing.code, 2);
	unlink(ok_file.c_str());
}

TEST(Dump, ExpectExitsZeroOnMatchOneOnMismatchTwoOnBadDigest)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_HASH, 4, 8, 64};
	UniqueFd m = make(s);
	fill(m.get(), s, {1, 2, 3});
	std::string want = digest_sorted(read_all(m.get(), s), s);
	EXPECT_EQ(run_tool({"dump", "--map-id", id_arg(m.get()), "--expect", want}).code, 0);
	std::string other = want;
	other[0] = other[0] == '0' ? '1' : '0';
	RunResult r = run_tool({"dump", "--map-id", id_arg(m.get()), "--expect", other});
	EXPECT_EQ(r.code, 1);
	EXPECT_NE(r.err.find("digest mismatch"), std::string::npos);
	EXPECT_EQ(run_tool({"dump", "--map-id", id_arg(m.get()), "--expect", "abc"}).code, 2);
}

TEST(Dump, MapsThatCannotBeIteratedGetOneLineErrorNamingTheType)
{
	TMI_REQUIRE_ROOT();
	UniqueFd q = create_map(BPF_MAP_TYPE_QUEUE, 0, 8, 16);
	RunResult r = run_tool({"dump", "--map-id", id_arg(q.get())});
	EXPECT_EQ(r.code, 2);
	EXPECT_EQ(split_lines(r.err).size(), 1u);
	EXPECT_NE(r.err.find("queue"), std::string::npos) << r.err;
	RunResult none = run_tool({"dump"});
	EXPECT_EQ(none.code, 2);
	RunResult two = run_tool({"dump", "--map-id", "1", "--map-name", "x"});
	EXPECT_EQ(two.code, 2);
}

TEST(Dump, ConsistentExitsThreeWhenTheMapNeverHoldsStill)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_HASH, 8, 8, 20000};
	UniqueFd m = make(s);
	std::vector<uint64_t> ids;
	for (uint64_t i = 0; i < 20000; i++)
		ids.push_back(i);
	fill(m.get(), s, ids);
	EXPECT_EQ(run_tool({"dump", "--map-id", id_arg(m.get()), "--consistent", "--digest"}).code, 0);

	std::atomic<bool> stop{false};
	std::thread writer([&] {
		uint64_t n = 0;
		while (!stop) {
			Bytes v(8, char(n++));
			bpf_map_update_elem(m.get(), make_key((n % 20000) * 2654435761u, 8).data(),
					    v.data(), BPF_ANY);
		}
	});
	RunResult r = run_tool({"dump", "--map-id", id_arg(m.get()), "--consistent=3", "--digest"});
	stop = true;
	writer.join();
	EXPECT_EQ(r.code, 3) << r.err;
	EXPECT_NE(r.err.find("never held still"), std::string::npos) << r.err;
}

TEST(Dump, TableFormatAndOutputFile)
{
	TMI_REQUIRE_ROOT();
	Spec s{BPF_MAP_TYPE_HASH, 4, 4, 64};
	UniqueFd m = make(s);
	fill(m.get(), s, {1, 2, 3});
	RunResult t = run_tool({"dump", "--map-id", id_arg(m.get()), "--format", "table"});
	ASSERT_EQ(t.code, 0);
	auto lines = split_lines(t.out);
	ASSERT_EQ(lines.size(), 4u);
	EXPECT_EQ(lines[0].rfind("key: ", 0), 0u);
	EXPECT_EQ(lines[3].rfind("Found 3 elements", 0), 0u);
	std::string path = "/tmp/tmi_dump_out_" + std::to_string(getpid());
	ASSERT_EQ(run_tool({"dump", "--map-id", id_arg(m.get()), "-o", path}).code, 0);
	std::ifstream f(path);
	std::string content((std::istreambuf_iterator<char>(f)), {});
	EXPECT_EQ(content, run_tool({"dump", "--map-id", id_arg(m.get())}).out);
	unlink(path.c_str());
}
