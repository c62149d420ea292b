// Precompiled header for the translation units that use nlohmann-json
// (Makefile JSON_SRCS): std.hpp plus the JSON library, whose parse alone
// costs ~2 s per unit.
#include "std.hpp"

#include <nlohmann/json.hpp>
