// Precompiled for tests/ only, under test.hpp: std.hpp plus the JSON
// library, whose parse alone costs ~2 s per unit. The tool's units do not
// use it (Makefile "Precompiled headers").
#include "std.hpp"

#include <nlohmann/json.hpp>
