// json.hpp: the one home of the project's JSON conventions (nlohmann-json).
//
//   ojson            objects keep their keys in insertion order: the field
//                    order of every JSON record is part of its contract.
//   json_line(j)     compact, on one line, no trailing newline; invalid
//                    UTF-8 is replaced by U+FFFD instead of throwing.
//   parse_json(s)    the value s holds, or nullopt if s is not JSON.
//   is_json(s)       whether s is JSON (no value is built).
//
// Serializer and parser are compiled once, in json.cpp: they are the
// costliest parts of the library to instantiate (~1 s and ~2 s per unit).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tmi {

using ojson = nlohmann::ordered_json;

std::string json_line(const ojson &j);
std::optional<ojson> parse_json(std::string_view text);
bool is_json(std::string_view text);

} // namespace tmi
