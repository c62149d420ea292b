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

// fmt 9 defines its formatting engine, detail::vformat_to<char> (and under it
// every integer, float and string writer), as a template in format.h: each
// unit that calls fmt::format_to or formats into a memory_buffer instantiates
// and optimises all of it again (canon_io: 11.6 -> 6.9 CPU-s without it).
// libfmt.so already exports that one instantiation; declaring it extern here
// makes every unit call the library's copy (fmt 10 made the function a
// non-template for the same reason). Same code, so the same output.
// GCC only: clang mangles the argument type differently from the GCC-built
// library, so a clang build keeps its own instantiation.
#if FMT_VERSION >= 90000 && FMT_VERSION < 100000 && !defined(FMT_HEADER_ONLY) && \
	defined(__GNUC__) && !defined(__clang__)
FMT_BEGIN_NAMESPACE
namespace detail {
extern template void vformat_to<char>(buffer<char>&, basic_string_view<char>,
                                      basic_format_args<FMT_BUFFER_CONTEXT(char)>,
                                      locale_ref);
}  // namespace detail
FMT_END_NAMESPACE
#endif
