// Json (base/json.hpp), the non-template funnel to nlohmann-json: every
// record must print exactly as the library prints the same value built
// directly (the JSON output contracts were written against the library), and
// reading back must follow the library's rules.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "base/json.hpp"

using namespace tmi;
using ojson = nlohmann::ordered_json;

namespace {

// How the library prints a value, invalid UTF-8 replaced (what Json::line promises).
std::string json_line(const ojson &j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

} // namespace

TEST(Json, ScalarsPrintAsTheLibraryPrintsThem)
{
	EXPECT_EQ(Json().line(), json_line(ojson()));
	EXPECT_EQ(Json(true).line(), "true");
	EXPECT_EQ(Json(false).line(), "false");
	EXPECT_EQ(Json(std::numeric_limits<uint64_t>::max()).line(), "18446744073709551615");
	EXPECT_EQ(Json(std::numeric_limits<int64_t>::min()).line(), "-9223372036854775808");
	EXPECT_EQ(Json(uint32_t(7)).line(), "7");
	EXPECT_EQ(Json(-1).line(), "-1");
	EXPECT_EQ(Json(int8_t(-5)).line(), "-5");
	for (double d : {0.0, 1.5, 100.0, 1e20, 1.0 / 3, -2.5e-7})
		EXPECT_EQ(Json(d).line(), json_line(ojson(d))) << d;
	EXPECT_EQ(Json("a\"b\\c\n\x01").line(), R"("a\"b\\c\n\u0001")");
	// Invalid UTF-8 (a comm can hold any bytes) is replaced, never thrown.
	std::string bad = "ab\xff\xfe";
	EXPECT_EQ(Json(bad).line(), json_line(ojson(bad)));
	EXPECT_EQ(Json(bad).line(), "\"ab\xEF\xBF\xBD\xEF\xBF\xBD\"");
	EXPECT_EQ(Json(std::string_view("xy", 1)).line(), "\"x\"");
}

TEST(Json, IntegersKeepTheirSignednessAsTheLibraryDoes)
{
	EXPECT_EQ(Json(uint16_t(3)).kind(), Json::Kind::Unsigned);
	EXPECT_EQ(Json(size_t(3)).kind(), Json::Kind::Unsigned);
	EXPECT_EQ(Json(int64_t(3)).kind(), Json::Kind::Integer);
	EXPECT_EQ(Json(3).kind(), Json::Kind::Integer);
	EXPECT_EQ(Json(3.0).kind(), Json::Kind::Float);
	EXPECT_EQ(ojson(uint16_t(3)).type(), ojson::value_t::number_unsigned);
	EXPECT_EQ(ojson(3).type(), ojson::value_t::number_integer);
}

TEST(Json, RecordsKeepInsertionOrderAndPrintAsTheLibraryDoes)
{
	Json j;
	j.set("type", "walk").set("map_id", uint32_t(42)).set("neg", int64_t(-3));
	j.set("list", Json::array().push("0102").push(uint64_t(9)).push(Json::object()));
	j.set("obj", Json::object({{"lo", 1u}, {"hi", 2u}, {"name", std::string("x")}}));
	j.set("map_id", uint32_t(43)); // replaced in place
	ojson o;
	o["type"] = "walk";
	o["map_id"] = 42u;
	o["neg"] = int64_t(-3);
	o["list"] = ojson::array({"0102", uint64_t(9), ojson::object()});
	o["obj"] = ojson{{"lo", 1u}, {"hi", 2u}, {"name", "x"}};
	o["map_id"] = 43u;
	EXPECT_EQ(j.line(), json_line(o));
	EXPECT_EQ(j.line(), R"({"type":"walk","map_id":43,"neg":-3,"list":["0102",9,{}],"obj":{"lo":1,"hi":2,"name":"x"}})");
	EXPECT_EQ(Json::object().line(), "{}");
	EXPECT_EQ(Json::array().line(), "[]");
	Json copy = j;
	copy.set("extra", true);
	EXPECT_EQ(j.keys().size(), 5u) << "a copy is independent";
	EXPECT_EQ(copy.keys().size(), 6u);
}

TEST(Json, ParseAndReadBackFollowTheLibrary)
{
	EXPECT_FALSE(Json::parse("{"));
	EXPECT_FALSE(Json::parse(""));
	EXPECT_FALSE(Json::parse("[1] x"));
	std::optional<Json> j = Json::parse(R"({"b":1,"a":"s","f":1.5,"n":-2,"arr":["x","y"],"o":{}})");
	ASSERT_TRUE(j);
	EXPECT_TRUE(j->is_object());
	EXPECT_EQ(j->keys(), (std::vector<std::string>{"b", "a", "f", "n", "arr", "o"}));
	EXPECT_TRUE(j->contains("a"));
	EXPECT_FALSE(j->contains("z"));
	EXPECT_TRUE(j->get("z").is_null());
	EXPECT_EQ(j->get("a").string(), "s");
	EXPECT_EQ(j->get("b").string(), std::nullopt);
	EXPECT_EQ(j->get("b").unsigned_number(), 1u);
	EXPECT_EQ(j->get("n").unsigned_number(), std::nullopt);
	EXPECT_EQ(j->get("n").kind(), Json::Kind::Integer);
	EXPECT_EQ(j->get("f").kind(), Json::Kind::Float);
	EXPECT_TRUE(j->get("f").is_number());
	EXPECT_FALSE(j->get("a").is_number());
	std::vector<Json> arr = j->get("arr").elements();
	ASSERT_EQ(arr.size(), 2u);
	EXPECT_EQ(arr[1].string(), "y");
	Json copy = *j;
	std::vector<Json> moved = copy.take("arr").elements(); // rvalue: moved out
	ASSERT_EQ(moved.size(), 2u);
	EXPECT_EQ(moved[0].string(), "x");
	EXPECT_EQ(moved[1].string(), "y");
	EXPECT_TRUE(copy.contains("arr")) << "take leaves a null in place";
	EXPECT_TRUE(copy.get("arr").is_null());
	EXPECT_EQ(copy.get("b").unsigned_number(), 1u) << "the other members stay";
	EXPECT_TRUE(copy.take("zz").is_null());
	EXPECT_EQ(j->get("arr").line(), R"(["x","y"])") << "the original is untouched";
	// Range-for over a scalar visits it once, over null never (nlohmann).
	EXPECT_EQ(j->get("a").elements().size(), 1u);
	EXPECT_EQ(j->get("z").elements().size(), 0u);
	EXPECT_EQ(j->value("a", ""), "s");
	EXPECT_EQ(j->value("z", "dflt"), "dflt");
	EXPECT_EQ(j->value("b", 7u), 1u);
	EXPECT_EQ(j->value("z", 7u), 7u);
	EXPECT_THROW(j->value("a", 7u), std::exception) << "a member of another type throws";
	// A parsed value prints back canonically, and embeds in a record.
	EXPECT_EQ(j->get("arr").line(), R"(["x","y"])");
	Json rec = Json::object({{"op", "+"}});
	rec.set("formatted", *j);
	EXPECT_EQ(rec.line(), R"({"op":"+","formatted":{"b":1,"a":"s","f":1.5,"n":-2,"arr":["x","y"],"o":{}}})");
}

TEST(Json, IsJsonAcceptsExactlyWhatParseAccepts)
{
	for (const char *s : {"{}", "[1,2]", "\"x\"", "1", "null", " {\"a\" : 1} "})
		EXPECT_TRUE(is_json(s)) << s;
	for (const char *s : {"", "{", "{a:1}", "'x'", "[1,]", "1 2"})
		EXPECT_FALSE(is_json(s)) << s;
}
