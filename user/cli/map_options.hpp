// map_options.hpp: the "exactly one map" options shared by dump and buckets:
// --map-id ID | --pinned PATH | --map-name NAME.
// Contract: selector() throws tmi::Error (exit 2) unless exactly one is given.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>

#include "base/error.hpp"
#include "maps/maps.hpp"

namespace tmi {

struct OneMapOptions {
	uint32_t id = 0;
	std::string pinned, name;

	void add_to(CLI::App *app)
	{
		app->add_option("--map-id", id, "The map's id")->check(CLI::PositiveNumber);
		app->add_option("--pinned", pinned, "The map pinned at PATH");
		app->add_option("--map-name", name, "The map with this name (must be unique)");
	}

	MapSelector selector(const char *command) const
	{
		if ((id != 0) + !pinned.empty() + !name.empty() != 1)
			throw Error(fmt::format("{}: select exactly one map with --map-id, --pinned or "
						"--map-name",
						command));
		if (id)
			return {MapSelector::Kind::Id, std::to_string(id)};
		if (!pinned.empty())
			return {MapSelector::Kind::Pinned, pinned};
		return {MapSelector::Kind::Name, name};
	}
};

} // namespace tmi
