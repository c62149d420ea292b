// Precompiled header (Makefile "Precompiled headers"): the standard library
// and fmt, which nearly every translation unit parses. Only system headers
// belong here: nothing of ours, so no project change rebuilds it. A file
// must still include what it uses; this only makes that cheaper.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
