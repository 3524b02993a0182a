// 16.4: a program may replace VPNWIRE_ASSERT itself (defined before the
// first vpnwire include); here it records the failure and carries on.
#include <string>
#include <vector>
std::vector<std::string> &assert_failures() {
  static std::vector<std::string> f;
  return f;
}
#define VPNWIRE_ASSERT(cond) ((cond) ? void(0) : assert_failures().push_back(#cond))

#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/result.hpp"

#include <gtest/gtest.h>

TEST(AssertOverride, TheProgramsOwnMacroRunsInstead) {
  vpnwire::result<int, vpnwire::core::errc> r = vpnwire::fail(vpnwire::core::errc::truncated, 0);
  ASSERT_TRUE(assert_failures().empty());
  (void)r.value();
  ASSERT_EQ(assert_failures().size(), 1U);
  EXPECT_EQ(assert_failures()[0], "has_value()");
  vpnwire::result<int, vpnwire::core::errc> ok = 5;
  EXPECT_EQ(ok.value(), 5);
  EXPECT_EQ(assert_failures().size(), 1U);
}
