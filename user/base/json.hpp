// json.hpp: the one home of the project's JSON conventions (nlohmann-json
// underneath).
//
//   Json             one JSON value, built field by field (object, set,
//                    push) or parsed (parse), and read back (kind, get,
//                    take, value, keys, elements, string, unsigned_number).
//                    Objects keep their keys in insertion order: the field
//                    order of every JSON record is part of its contract.
//                    Integers keep their signedness as nlohmann's do, so a
//                    record prints exactly as the library prints it.
//   Json::line()     compact, on one line, no trailing newline; invalid
//                    UTF-8 is replaced by U+FFFD instead of throwing.
//   is_json(s)       whether s is JSON (no value is built).
//
// Why a funnel: nlohmann's templates are the costliest part of the build.
// Every unit that built values with them instantiated and optimised the
// same operators again (4-9 CPU-s each, a third of a clean build); Json has
// no template that reaches the library, and all of it is compiled once, in
// json.cpp, the only unit of the tool that includes <nlohmann/json.hpp>. A
// Json is the library's value itself (nlohmann::ordered_json, 16 bytes, no
// allocation for scalars), held opaquely.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tmi {

class Json {
public:
	enum class Kind { Null, Object, Array, String, Boolean, Unsigned, Integer, Float, Other };

	Json() noexcept; // null
	Json(bool v);
	Json(double v);
	Json(const char *s);
	Json(std::string_view s);
	Json(const std::string &s);
	template <class T>
		requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
	Json(T v)
	{
		if constexpr (std::is_signed_v<T>)
			init_signed(int64_t(v));
		else
			init_unsigned(uint64_t(v));
	}
	Json(const Json &o);
	Json(Json &&o) noexcept;
	Json &operator=(const Json &o);
	Json &operator=(Json &&o) noexcept;
	~Json();

	// An object with these members, in this order ({} for an empty one).
	static Json object(std::initializer_list<std::pair<std::string_view, Json>> fields = {});
	static Json array();
	static std::optional<Json> parse(std::string_view text);

	// Building. A null becomes an object (set) or an array (push), as in
	// nlohmann; set replaces an existing member in place.
	Json &set(std::string_view key, Json value);
	Json &push(Json value);
	std::string line() const;

	// Reading.
	Kind kind() const;
	bool is_null() const { return kind() == Kind::Null; }
	bool is_object() const { return kind() == Kind::Object; }
	bool is_string() const { return kind() == Kind::String; }
	bool is_number() const
	{
		Kind k = kind();
		return k == Kind::Unsigned || k == Kind::Integer || k == Kind::Float;
	}
	bool contains(std::string_view key) const;
	Json get(std::string_view key) const;     // a copy of the member; null if absent
	Json take(std::string_view key);          // the member moved out (null left); null if absent
	std::vector<std::string> keys() const;    // an object's member names, in order
	// As range-for over the value iterates: copies, or moved out of an rvalue
	// (a large parsed array is read without a second copy).
	std::vector<Json> elements() const &;
	std::vector<Json> elements() &&;
	std::optional<std::string> string() const;          // if a string
	std::optional<uint64_t> unsigned_number() const;    // if a non-negative integer
	// nlohmann's value(key, default): the member converted, or `def` if
	// absent; a member of another type throws (as the library does).
	std::string value(std::string_view key, std::string_view def) const;
	uint32_t value(std::string_view key, uint32_t def) const;

private:
	void init_signed(int64_t v);
	void init_unsigned(uint64_t v);
	nlohmann::ordered_json &self();
	const nlohmann::ordered_json &self() const;

	alignas(8) unsigned char storage_[16]; // an ojson (json.cpp asserts the layout)
};

bool is_json(std::string_view text);

} // namespace tmi
