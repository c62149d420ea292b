// The canonical dump's pure parts without a kernel: order, dedup, digest,
// the strict parser and hex checks. Expected digests are computed here with
// OpenSSL's SHA256 over the bytes the format doc lists, never taken from
// the code under test.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <random>

#include "base/error.hpp"
#include "base/hex.hpp"
#include "canon/canon.hpp"
#include "canon/canon_io.hpp"

using namespace tmi;

namespace {

MapContents contents(uint32_t key_size, uint32_t value_size,
		     const std::vector<std::pair<Bytes, Bytes>> &entries)
{
	MapContents m;
	m.key_size = key_size;
	m.value_bytes = value_size;
	for (auto &[k, v] : entries) {
		m.keys.append(k.data(), k.size());
		m.values.append(v.data(), v.size());
	}
	return m;
}

std::string le(uint64_t v, int n)
{
	std::string s;
	for (int i = 0; i < n; i++)
		s += char(v >> (8 * i));
	return s;
}

// The digest as docs/canonical-dump.md defines it, over a std::map (sorted
// by key bytes, unsigned: std::string compares as unsigned char).
std::string expected_digest(uint32_t type, uint32_t ks, uint32_t vs, const std::map<Bytes, Bytes> &m)
{
	std::string data("tmi-canon-v1\0", 13);
	data += le(type, 4) + le(ks, 4) + le(vs, 4) + le(m.size(), 8);
	for (auto &[k, v] : m)
		data += k + v;
	unsigned char md[32];
	SHA256(reinterpret_cast<const unsigned char *>(data.data()), data.size(), md);
	return to_hex(std::string_view(reinterpret_cast<char *>(md), 32));
}

std::vector<Bytes> keys_in(const MapContents &m, const std::vector<uint32_t> &order)
{
	std::vector<Bytes> out;
	for (auto i : order)
		out.emplace_back(m.key(i));
	return out;
}

CanonDump dump_of(uint32_t type, uint32_t ks, uint32_t vs,
		  const std::vector<std::pair<Bytes, Bytes>> &entries)
{
	MapInfo info;
	info.type = type;
	info.key_size = ks;
	info.value_size = vs;
	return CanonDump::from_contents(contents(ks, vs, entries), info, nullptr);
}

// Through a real file: the writer pwrite()s plain lines at their offsets.
std::string jsonl_of(const CanonDump &d)
{
	FILE *f = std::tmpfile();
	write_jsonl(d, f, nullptr);
	std::fflush(f);
	std::string s(size_t(std::ftell(f)), '\0');
	std::rewind(f);
	EXPECT_EQ(std::fread(s.data(), 1, s.size(), f), s.size());
	std::fclose(f);
	return s;
}

LoadedDump parse(const std::string &text)
{
	LineInput in = LineInput::from_memory(text, "A.jsonl");
	return parse_dump(in);
}

std::string parse_error(const std::string &text)
{
	try {
		parse(text);
	} catch (const Error &e) {
		EXPECT_EQ(e.exit_code(), kExitError);
		return e.what();
	}
	return "(accepted)";
}

} // namespace

TEST(CanonOrder, LongKeysWithEqualEightBytePrefixesSortByTheWholeKey)
{
	// 12-byte keys, all sharing their first 8 bytes: only bytes 8..11 differ,
	// including a byte >= 0x80 (unsigned order).
	std::string prefix("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	std::vector<std::pair<Bytes, Bytes>> e;
	for (unsigned char tail : {0x90, 0x01, 0xff, 0x00, 0x7f})
		e.push_back({prefix + std::string(3, '\0') + char(tail), "v"});
	MapContents m = contents(12, 1, e);
	auto order = canonical_order(m);
	std::vector<Bytes> got = keys_in(m, order), want;
	for (auto &[k, v] : e)
		want.push_back(k);
	std::sort(want.begin(), want.end());
	EXPECT_EQ(got, want);
}

TEST(CanonOrder, UnsortedInputOfManyKeysComesOutInMemcmpOrder)
{
	// Enough entries to take the radix path (>= 64 per digit), with varied
	// prefixes and long keys.
	std::mt19937_64 rng(7);
	std::vector<std::pair<Bytes, Bytes>> e;
	std::map<Bytes, Bytes> want;
	for (int i = 0; i < 5000; i++) {
		Bytes k(16, '\0');
		for (auto &c : k)
			c = char(rng() % 4); // few distinct bytes: many equal prefixes
		Bytes v = le(i, 4);
		e.push_back({k, v});
		want[k] = v; // a repeated key: the later read wins
	}
	MapContents m = contents(16, 4, e);
	auto order = canonical_order(m);
	ASSERT_EQ(order.size(), want.size());
	size_t i = 0;
	for (auto &[k, v] : want) {
		EXPECT_EQ(m.key(order[i]), k) << i;
		EXPECT_EQ(m.value(order[i]), v) << i;
		i++;
	}
}

TEST(CanonOrder, DuplicateKeysKeepTheLaterReadShortAndLongKeys)
{
	for (uint32_t ks : {4u, 8u, 9u, 20u}) {
		Bytes a(ks, 'a'), b(ks, 'b');
		MapContents m = contents(ks, 2, {{b, "b1"}, {a, "a1"}, {b, "b2"}, {a, "a2"}, {a, "a3"}});
		auto order = canonical_order(m);
		ASSERT_EQ(order.size(), 2u) << ks;
		EXPECT_EQ(m.key(order[0]), a);
		EXPECT_EQ(m.value(order[0]), "a3");
		EXPECT_EQ(m.key(order[1]), b);
		EXPECT_EQ(m.value(order[1]), "b2");
	}
}

TEST(CanonDigest, MatchesTheDocumentedBytesWhateverTheReadOrder)
{
	std::vector<std::pair<Bytes, Bytes>> e = {
		{le(5, 4), "xxxxxx"}, {le(1, 4), "aaaaaa"}, {le(0x80000000u, 4), "zzzzzz"}, {le(1, 4), "bbbbbb"}};
	std::map<Bytes, Bytes> want;
	for (auto &[k, v] : e)
		want[k] = v;
	CanonDump d = dump_of(1, 4, 6, e);
	EXPECT_EQ(d.header().sha256, expected_digest(1, 4, 6, want));
	EXPECT_EQ(d.header().entries, 3u);
	std::reverse(e.begin(), e.end());
	e.erase(e.begin()); // "bbbbbb" was read first now: drop it so the values agree
	e.push_back({le(1, 4), "bbbbbb"});
	EXPECT_EQ(dump_of(1, 4, 6, e).header().sha256, d.header().sha256);
	// An empty map has a digest too: the header alone.
	EXPECT_EQ(dump_of(2, 4, 8, {}).header().sha256, expected_digest(2, 4, 8, {}));
}

TEST(CanonParse, WriterOutputParsesBackToTheSameEntriesAndDigest)
{
	CanonDump d = dump_of(1, 9, 3, {{Bytes(9, '\x07'), "abc"}, {Bytes(9, '\x01'), "\xff\x00\x10"}});
	std::string text = jsonl_of(d);
	LoadedDump l = parse(text);
	ASSERT_EQ(l.dump.size(), 2u);
	EXPECT_EQ(l.dump.header().sha256, d.header().sha256);
	EXPECT_EQ(l.dump.key(0), Bytes(9, '\x01'));
	EXPECT_EQ(l.dump.value(1), "abc");
	EXPECT_TRUE(l.formatted.empty());
	EXPECT_EQ(jsonl_of(l.dump), text);
}

TEST(CanonParse, RefusesWhatTheFormatDocForbidsNamingLineAndField)
{
	CanonDump d = dump_of(1, 4, 2, {{le(1, 4), "ab"}, {le(2, 4), "cd"}, {le(3, 4), "ef"}});
	std::string good = jsonl_of(d);
	auto lines = [&] {
		std::vector<std::string> ls;
		size_t p = 0;
		while (p < good.size()) {
			size_t nl = good.find('\n', p);
			ls.push_back(good.substr(p, nl - p));
			p = nl + 1;
		}
		return ls;
	}();
	ASSERT_EQ(lines.size(), 4u);
	auto join = [](std::vector<std::string> ls) {
		std::string s;
		for (auto &l : ls)
			s += l + "\n";
		return s;
	};
	auto with = [&](size_t i, const std::string &l) {
		auto ls = lines;
		ls[i] = l;
		return join(ls);
	};
	std::string key2 = lines[2];
	key2.replace(key2.find("02000000"), 8, "0200000A");
	std::string pad(64, 'x');
	pad += "\n";
	std::string two = lines[0];
	two.replace(two.find("\"entries\":3"), 11, "\"entries\":2");
	two += "\n";
	struct Case {
		std::string text, want;
	} cases[] = {
		{"", "reading A.jsonl: empty file"},
		{with(2, key2), "reading A.jsonl: line 3: field \"key\": uppercase hex"},
		{with(2, "{\"key\":\"02000000\",\"value\":\"636g\"}"), "line 3: field \"value\": not hex"},
		// Shorter lines: padded at the end so the size check at the header
		// (entries cannot fit the bytes left) does not catch them first.
		{with(2, "{\"key\":\"020000\",\"value\":\"6364\"}") + pad, "line 3: field \"key\": 3 bytes, want 4"},
		{with(2, "{\"key\":\"02000000\",\"value\":\"636\"}") + pad, "field \"value\": odd number of hex digits"},
		{with(2, "{\"key\": \"02000000\",\"value\":\"6364\"}"), "line 3: a space at column 8"},
		{with(2, "{\"key\":\"02000000\",\"value\":\"6364\",\"x\":1}"), "line 3: field \"x\": unexpected field"},
		{with(2, "{\"value\":\"6364\",\"key\":\"02000000\"}"), "an entry starts with"},
		{with(2, lines[2] + "\r"), "line 3: CRLF line end"},
		{"\xEF\xBB\xBF" + good, "line 1: a byte-order mark"},
		{with(0, lines[0] + "\r"), "line 1: CRLF"},
		{with(2, lines[1]), "line 3: field \"key\": not after the previous entry's key"},
		{join({lines[0], lines[1], lines[2]}),
		 "line 1: field \"entries\": 3 entries of at least 34 bytes cannot fit the 68 bytes"},
		{two + lines[1] + "\n" + lines[2] + "\n" + lines[3], "line 4: no newline at the end"},
		{join({lines[0], lines[1], lines[2], lines[3], lines[3]}), "line 5: more entries than"},
	};
	for (auto &c : cases) {
		std::string err = parse_error(c.text);
		EXPECT_NE(err.find(c.want), std::string::npos) << "got: " << err << "\nwant: " << c.want;
	}
}

TEST(CanonParse, HeaderFieldsAreCheckedStrictly)
{
	CanonDump d = dump_of(1, 4, 2, {{le(1, 4), "ab"}});
	std::string good = jsonl_of(d);
	size_t nl = good.find('\n');
	std::string head = good.substr(0, nl), rest = good.substr(nl);
	auto swap = [&](const std::string &from, const std::string &to) {
		std::string h = head;
		h.replace(h.find(from), from.size(), to);
		return h + rest;
	};
	struct Case {
		std::string text, want;
	} cases[] = {
		{swap("\"key_size\":4", "\"key_size\":4294967304"), "field \"key_size\": 4294967304 is out of range"},
		{swap("\"key_size\":4", "\"key_size\":4.0"), "field \"key_size\": not an integer"},
		{swap("\"entries\":1", "\"entries\":1000.0"), "field \"entries\": not an integer"},
		{swap("\"entries\":1", "\"entries\":-1"), "field \"entries\": negative"},
		{swap("\"key_size\":4", "\"key_size\":\"4\""), "field \"key_size\": not a number"},
		{swap("\"entries\":1", "\"entries\":1,\"extra\":2"), "field \"extra\": unknown field"},
		{swap("\"map_type\":\"hash\"", "\"map_type\":\"hashx\""), "field \"map_type\": not a known"},
		{swap("\"format\":\"tmi-canon-v1\"", "\"format\":\"tmi-canon-v2\""), "field \"format\""},
		{swap("\"key_size\":4", "\"key_size\": 4"), "line 1: header not in canonical form"},
		{swap("\"sha256\":\"", "\"sha256\":\"A"), "field \"sha256\": uppercase hex"},
		{swap("\"entries\":1", "\"entries\":99999999"), "field \"entries\": 99999999 entries"},
		{swap("\"value_size\":2", "\"value_size\":2000000000"), "does not fit the"},
	};
	for (auto &c : cases) {
		std::string err = parse_error(c.text);
		EXPECT_NE(err.find(c.want), std::string::npos) << "got: " << err << "\nwant: " << c.want;
	}
	// A digest that does not match the entries.
	std::string tampered = good;
	tampered[tampered.rfind("6162") + 1] = '2';
	EXPECT_NE(parse_error(tampered).find("field \"sha256\""), std::string::npos);
}

TEST(CanonParse, TypedFieldsNeedZeroedPaddingAndCanonicalJson)
{
	std::string head = "{\"format\":\"tmi-canon-v1\",\"map_type\":\"hash\",\"key_size\":4,\"value_size\":1,"
			   "\"entries\":1,\"padding\":\"zeroed\",\"sha256\":\"";
	CanonDump d = dump_of(1, 4, 1, {{le(1, 4), "\x05"}});
	std::string sha = d.header().sha256;
	std::string entry = "{\"key\":\"01000000\",\"value\":\"05\",\"k\":\"(u32)1\",\"v\":\"(u8)5\"";
	std::string ok = head + sha + "\"}\n" + entry + ",\"formatted\":{\"key\":1,\"value\":5}}\n";
	LoadedDump l = parse(ok);
	ASSERT_EQ(l.formatted.size(), 1u);
	EXPECT_EQ(l.formatted[0], "{\"key\":1,\"value\":5}");
	EXPECT_EQ(parse(head + sha + "\"}\n" + entry + "}\n").formatted.size(), 0u); // older files
	EXPECT_NE(parse_error(head + sha + "\"}\n" + entry + ",\"formatted\":{\"key\": 1}}\n").find("field \"formatted\": spaces"),
		  std::string::npos);
	EXPECT_NE(parse_error(head + sha + "\"}\n" + entry + ",\"formatted\":{\"key\":1}x}\n").find("field \"formatted\": not valid JSON"),
		  std::string::npos);
	std::string escaped = "{\"key\":\"01000000\",\"value\":\"05\",\"k\":\"\\u0028u32)1\",\"v\":\"(u8)5\"}\n";
	EXPECT_NE(parse_error(head + sha + "\"}\n" + escaped).find("field \"k\": not in canonical JSON form"),
		  std::string::npos);
	// Without "padding":"zeroed" typed fields are not allowed.
	std::string plain_head = head;
	plain_head.replace(plain_head.find(",\"padding\":\"zeroed\""), 19, "");
	EXPECT_NE(parse_error(plain_head + sha + "\"}\n" + entry + "}\n").find("field \"k\": typed fields need"),
		  std::string::npos);
}

TEST(CanonParse, PerCpuValuesMustAgreeInCount)
{
	std::string text = "{\"format\":\"tmi-canon-v1\",\"map_type\":\"percpu_hash\",\"key_size\":1,\"value_size\":1,"
			   "\"entries\":2,\"sha256\":\"" + std::string(64, '0') + "\"}\n"
			   "{\"key\":\"01\",\"values\":[\"00\",\"01\"]}\n{\"key\":\"02\",\"values\":[\"00\"]}\n";
	EXPECT_NE(parse_error(text).find("line 3: field \"values\": 1 per-CPU values, the first entry has 2"),
		  std::string::npos);
}

TEST(CanonParse, LinesLongerThanTheLimitAreRefusedWithoutReadingOn)
{
	DumpLimits lim;
	lim.max_header_line = 64;
	LineInput in = LineInput::from_memory(std::string(1000, '{') + "\n", "big.jsonl");
	try {
		parse_dump(in, lim);
		FAIL() << "accepted";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("line 1: longer than the 64-byte line limit"), std::string::npos)
			<< e.what();
	}
}

TEST(Hex, ProblemsAreNamed)
{
	EXPECT_EQ(hex_problem("00ff", 2), std::nullopt);
	EXPECT_EQ(hex_problem("00FF", 2), "uppercase hex");
	EXPECT_EQ(hex_problem("0x", 1), "not hex (byte 2 of the string)");
	EXPECT_EQ(hex_problem("abc", 2), "odd number of hex digits");
	EXPECT_EQ(hex_problem("", 1), "0 bytes, want 1");
	EXPECT_EQ(from_hex("zz"), std::nullopt);
	EXPECT_EQ(from_hex("0a0B"), Bytes("\x0a\x0b", 2));
}

// The order dump builds while the map is read (ranges of any size, filed
// into bins; bins sorted on two threads past 65536 entries) is the order
// computed from a std::map here: keys ascending, the later read of a
// repeated key kept. Short and long keys, first bytes uniform and all equal.
TEST(CanonOrder, OrderBuilderFedInRangesMatchesAMapOfTheEntries)
{
	std::mt19937_64 rng(11);
	for (uint32_t ks : {1u, 3u, 8u, 13u})
		for (bool same_first_byte : {false, true})
			for (size_t n : {size_t(0), size_t(100), size_t(70000)}) {
				std::vector<std::pair<Bytes, Bytes>> e;
				std::map<Bytes, Bytes> want;
				for (size_t i = 0; i < n; i++) {
					Bytes k(ks, '\0');
					for (auto &c : k)
						c = char(rng() % (ks > 8 ? 3 : 256));
					if (same_first_byte)
						k[0] = '\x42';
					Bytes v = le(i, 4);
					e.push_back({k, v});
					want[k] = v;
				}
				MapContents m = contents(ks, 4, e);
				OrderBuilder b(ks, n / 2);
				for (size_t from = 0; from < n;) {
					size_t to = std::min(n, from + 1 + rng() % 5000);
					b.add(m.keys.data(), from, to);
					from = to;
				}
				auto order = b.finish(m);
				ASSERT_EQ(order.size(), want.size()) << ks << " " << n;
				size_t i = 0;
				for (auto &[k, v] : want) {
					ASSERT_EQ(m.key(order[i]), k) << ks << " " << n << " " << i;
					ASSERT_EQ(m.value(order[i]), v) << ks << " " << n << " " << i;
					i++;
				}
			}
}
