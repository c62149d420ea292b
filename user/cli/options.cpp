// options.cpp: the few option rules that are code, not CLI11 checks.
#include "cli/options.hpp"

#include <fmt/format.h>

#include "base/error.hpp"

namespace tmi {

MapSelector OneMapOptions::selector(const char *command) const
{
	if ((id != 0) + !pinned.empty() + !name.empty() != 1)
		throw Error(fmt::format("{}: select exactly one map with --map-id, --pinned or --map-name",
					command));
	if (id)
		return {MapSelector::Kind::Id, std::to_string(id)};
	if (!pinned.empty())
		return {MapSelector::Kind::Pinned, pinned};
	return {MapSelector::Kind::Name, name};
}

} // namespace tmi
