// Kernel-internal errnos (512-531) are spelled out, not "Unknown error 524".
#include <gtest/gtest.h>

#include "base/error.hpp"

using namespace tmi;

TEST(ErrnoText, KernelInternalErrnosAreNamed)
{
	EXPECT_EQ(errno_text(524).rfind("kernel error 524 ENOTSUPP", 0), 0u) << errno_text(524);
	EXPECT_EQ(errno_text(-524), errno_text(524));
	EXPECT_EQ(errno_text(512).rfind("kernel error 512 ERESTARTSYS", 0), 0u);
	EXPECT_EQ(errno_text(531).rfind("kernel error 531 ENOGRACE", 0), 0u);
	for (int e = 512; e <= 531; e++)
		EXPECT_EQ(errno_text(e).find("Unknown error"), std::string::npos) << e;
	EXPECT_EQ(errno_text(ENOENT), std::strerror(ENOENT));
	EXPECT_EQ(std::string(sys_error("can't x", -524).what()).find("Unknown"), std::string::npos);
}
