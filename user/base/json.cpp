// json.cpp: see json.hpp.
#include "base/json.hpp"

namespace tmi {

std::string json_line(const ojson &j)
{
	return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::optional<ojson> parse_json(std::string_view text)
{
	try {
		return ojson::parse(text);
	} catch (const ojson::exception &) {
		return std::nullopt;
	}
}

bool is_json(std::string_view text) { return ojson::accept(text); }

} // namespace tmi
