// Precompiled header for tests/: json.hpp plus GoogleTest.
#include "json.hpp"

#include <gtest/gtest.h>
