// 16.4: a programming error reports what and where before aborting, in
// every build mode (the default VPNWIRE_ASSERT; its hooks are tested in
// assert_handler_test.cpp and assert_override_test.cpp).
#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/walker.hpp"

#include <gtest/gtest.h>

using namespace vpnwire;

namespace {
result<int, core::errc> failing() { return fail(core::errc::truncated, 3); }
using int_result = result<int, core::errc>;
} // namespace

TEST(AssertDeathTest, ValueOfAnErrorPrintsTheConditionFileAndLineThenAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto r = failing();
  EXPECT_DEATH((void)r.value(), R"(vpnwire: assertion failed: has_value\(\) \(.*core/result\.hpp:[0-9]+\))");
  EXPECT_DEATH((void)*failing(), "vpnwire: assertion failed: has_value");
}

TEST(AssertDeathTest, AnErrorResultWithoutAnErrorCodeIsAProgrammingError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH((void)int_result(fail(core::errc::ok, 0)), R"(assertion failed: e\.code != E\{\})");
}

TEST(AssertDeathTest, TheProcessEndsBySigabrt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT((void)failing().value(), ::testing::KilledBySignal(SIGABRT), "assertion failed");
}
