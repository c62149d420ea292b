// json.cpp: see json.hpp. The only unit of the tool that includes
// nlohmann-json.
#include "base/json.hpp"

#include <nlohmann/json.hpp>

#include <new>

namespace tmi {

namespace {

using ojson = nlohmann::ordered_json;

std::string json_line(const ojson &j)
{
	return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

} // namespace

static_assert(sizeof(ojson) == 16 && alignof(ojson) <= 8, "Json::storage_ holds one ojson");

ojson &Json::self() { return *std::launder(reinterpret_cast<ojson *>(storage_)); }
const ojson &Json::self() const { return *std::launder(reinterpret_cast<const ojson *>(storage_)); }

Json::Json() noexcept { new (storage_) ojson(); }
Json::Json(bool v) { new (storage_) ojson(v); }
Json::Json(double v) { new (storage_) ojson(v); }
Json::Json(const char *s) { new (storage_) ojson(s); }
Json::Json(std::string_view s) { new (storage_) ojson(s); }
Json::Json(const std::string &s) { new (storage_) ojson(s); }
void Json::init_signed(int64_t v) { new (storage_) ojson(v); }
void Json::init_unsigned(uint64_t v) { new (storage_) ojson(v); }
Json::Json(const Json &o) { new (storage_) ojson(o.self()); }
Json::Json(Json &&o) noexcept { new (storage_) ojson(std::move(o.self())); }
Json::~Json() { self().~ojson(); }

Json &Json::operator=(const Json &o)
{
	self() = o.self();
	return *this;
}

Json &Json::operator=(Json &&o) noexcept
{
	self() = std::move(o.self());
	return *this;
}

Json Json::object(std::initializer_list<std::pair<std::string_view, Json>> fields)
{
	Json j;
	j.self() = ojson::object();
	for (auto &[key, value] : fields)
		j.set(key, value);
	return j;
}

Json Json::array()
{
	Json j;
	j.self() = ojson::array();
	return j;
}

std::optional<Json> Json::parse(std::string_view text)
{
	try {
		Json j;
		j.self() = ojson::parse(text);
		return j;
	} catch (const ojson::exception &) {
		return std::nullopt;
	}
}

Json &Json::set(std::string_view key, Json value)
{
	self()[std::string(key)] = std::move(value.self());
	return *this;
}

Json &Json::push(Json value)
{
	self().push_back(std::move(value.self()));
	return *this;
}

std::string Json::line() const { return json_line(self()); }

Json::Kind Json::kind() const
{
	switch (self().type()) {
	case ojson::value_t::null: return Kind::Null;
	case ojson::value_t::object: return Kind::Object;
	case ojson::value_t::array: return Kind::Array;
	case ojson::value_t::string: return Kind::String;
	case ojson::value_t::boolean: return Kind::Boolean;
	case ojson::value_t::number_unsigned: return Kind::Unsigned;
	case ojson::value_t::number_integer: return Kind::Integer;
	case ojson::value_t::number_float: return Kind::Float;
	default: return Kind::Other;
	}
}

bool Json::contains(std::string_view key) const { return self().contains(key); }

Json Json::get(std::string_view key) const
{
	Json j;
	if (self().is_object()) {
		auto it = self().find(key);
		if (it != self().end())
			j.self() = *it;
	}
	return j;
}

Json Json::take(std::string_view key)
{
	Json j;
	if (self().is_object()) {
		auto it = self().find(key);
		if (it != self().end())
			j.self() = std::move(*it);
	}
	return j;
}

std::vector<std::string> Json::keys() const
{
	std::vector<std::string> names;
	if (self().is_object())
		for (auto &[name, v] : self().items())
			names.push_back(name);
	return names;
}

std::vector<Json> Json::elements() const &
{
	std::vector<Json> out;
	for (auto &e : self()) {
		Json j;
		j.self() = e;
		out.push_back(std::move(j));
	}
	return out;
}

std::vector<Json> Json::elements() &&
{
	std::vector<Json> out;
	for (auto &e : self()) {
		Json j;
		j.self() = std::move(e);
		out.push_back(std::move(j));
	}
	return out;
}

std::optional<std::string> Json::string() const
{
	if (!self().is_string())
		return std::nullopt;
	return self().get<std::string>();
}

std::optional<uint64_t> Json::unsigned_number() const
{
	if (!self().is_number_unsigned())
		return std::nullopt;
	return self().get<uint64_t>();
}

std::string Json::value(std::string_view key, std::string_view def) const
{
	return self().value(key, std::string(def));
}

uint32_t Json::value(std::string_view key, uint32_t def) const { return self().value(key, def); }

bool is_json(std::string_view text) { return ojson::accept(text); }

} // namespace tmi
