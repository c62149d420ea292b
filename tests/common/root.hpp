// root.hpp: integration tests need root. Outside CI a non-root run skips
// them; under CI=true a missing capability is a failure, never a skip.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/helpers.hpp"

#define TMI_REQUIRE_ROOT()                                                                 \
	do {                                                                               \
		if (geteuid() != 0) {                                                      \
			if (tmi::testing::in_ci())                                          \
				FAIL() << "integration tests need root (CI=true: no skips)"; \
			GTEST_SKIP() << "integration tests need root";                     \
		}                                                                          \
	} while (0)
