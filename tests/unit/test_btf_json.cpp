// btf_to_json on BTF built in memory (no kernel): the shapes bpftool -j gives.
#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cstring>

#include "canon/btf_json.hpp"

using namespace tmi;
using ojson = nlohmann::ordered_json;

namespace {

// The rendering as printed, read back with the library for the comparisons.
ojson render(const struct btf *b, uint32_t id, std::string_view bytes)
{
	return ojson::parse(btf_to_json(b, id, bytes).line());
}

struct Types {
	struct btf *b = btf__new_empty();
	int u8, u16, u32, s32, u64, chr, boolean, carr, u16arr, color, inner, outer;

	Types()
	{
		u8 = btf__add_int(b, "unsigned char", 1, 0);
		u16 = btf__add_int(b, "unsigned short", 2, 0);
		u32 = btf__add_int(b, "unsigned int", 4, 0);
		s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
		u64 = btf__add_int(b, "unsigned long long", 8, 0);
		chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
		boolean = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
		carr = btf__add_array(b, u32, chr, 8);
		u16arr = btf__add_array(b, u32, u16, 3);
		color = btf__add_enum(b, "color", 4);
		btf__add_enum_value(b, "RED", 0);
		btf__add_enum_value(b, "BLUE", 7);
		// struct inner { u8 x; } nested anonymously, as a union { u32 raw; struct { u8 lo; }; }
		inner = btf__add_struct(b, "", 1);
		btf__add_field(b, "lo", u8, 0, 0);
		int un = btf__add_union(b, "", 4);
		btf__add_field(b, "raw", u32, 0, 0);
		btf__add_field(b, "", inner, 0, 0);
		// struct outer { u8 a; u32 b; char name[8]; enum color c; u16 arr[3];
		//   u32 f3:3, f5:5; int neg; union {...}; u64 big; }
		outer = btf__add_struct(b, "outer", 48);
		btf__add_field(b, "a", u8, 0, 0);
		btf__add_field(b, "b", u32, 32, 0);
		btf__add_field(b, "name", carr, 64, 0);
		btf__add_field(b, "c", color, 128, 0);
		btf__add_field(b, "arr", u16arr, 160, 0);
		btf__add_field(b, "f3", u32, 208, 3);
		btf__add_field(b, "f5", u32, 211, 5);
		btf__add_field(b, "neg", s32, 224, 0);
		btf__add_field(b, "", un, 256, 0);
		btf__add_field(b, "big", u64, 320, 0);
	}
	~Types() { btf__free(b); }
};

template <class T>
void put(std::string &s, size_t off, T v)
{
	std::memcpy(&s[off], &v, sizeof(v));
}

} // namespace

TEST(BtfJson, StructsArraysStringsEnumsBitfieldsAsBpftoolGivesThem)
{
	Types t;
	std::string v(48, '\0');
	v[0] = 6;
	put<uint32_t>(v, 4, 4000000000u);
	std::memcpy(&v[8], "eth0\0\0\0\0", 8);
	put<uint32_t>(v, 16, 7);
	put<uint16_t>(v, 20, 1);
	put<uint16_t>(v, 22, 2);
	put<uint16_t>(v, 24, 65535);
	v[26] = char(5 | 17 << 3); // f3 = 5, f5 = 17 (bits 208..215 = byte 26)
	put<int32_t>(v, 28, -42);
	put<uint32_t>(v, 32, 0x1234ab);
	put<uint64_t>(v, 40, 18446744073709551615ull);
	ojson got = render(t.b, t.outer, v);
	ASSERT_TRUE(got.is_object()) << got.dump();
	EXPECT_EQ(got["a"], 6);
	EXPECT_EQ(got["b"], 4000000000u);
	EXPECT_EQ(got["name"], "eth0");
	EXPECT_EQ(got["c"], "BLUE");
	EXPECT_EQ(got["arr"], ojson::array({1, 2, 65535}));
	EXPECT_EQ(got["f3"], 5);
	EXPECT_EQ(got["f5"], 17);
	EXPECT_EQ(got["neg"], -42);
	EXPECT_EQ(got["raw"], 0x1234ab); // anonymous union: fields merged into the parent
	EXPECT_EQ(got["lo"], 0xab);
	EXPECT_EQ(got["big"], 18446744073709551615ull);
}

TEST(BtfJson, NonStringCharArraysUnknownEnumsAndShortBytes)
{
	Types t;
	std::string v(48, '\0');
	std::memcpy(&v[8], "ab\x01zzzz\0", 8); // a control byte: not a string
	put<uint32_t>(v, 16, 3);               // no enumerator has 3
	ojson got = render(t.b, t.outer, v);
	EXPECT_EQ(got["name"], ojson::array({97, 98, 1, 122, 122, 122, 122, 0}));
	EXPECT_EQ(got["c"], 3);
	std::string full(8, 'x'); // no NUL in 8 chars: not a string either
	EXPECT_TRUE(render(t.b, t.carr, full).is_array());
	EXPECT_TRUE(render(t.b, t.outer, std::string(10, '\0')).is_null()); // too short
	EXPECT_EQ(render(t.b, t.boolean, std::string(1, '\1')), true);
	EXPECT_TRUE(render(t.b, 9999, "abcd").is_null()); // no such type
}
