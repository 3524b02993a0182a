// 16.4: VPNWIRE_ASSERT_HANDLER replaces the default report; the program
// still aborts when the handler returns. The hook is defined before the
// first vpnwire include, as an embedder would on the command line.
#include <cstdio>
void assert_test_handler(const char *condition, const char *file, int line) noexcept;
#define VPNWIRE_ASSERT_HANDLER(condition, file, line) assert_test_handler(condition, file, line)

#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/result.hpp"

#include <gtest/gtest.h>

#include <csignal>

void assert_test_handler(const char *condition, const char *file, int line) noexcept {
  std::fprintf(stderr, "custom handler saw [%s] at %s:%d\n", condition, file, line);
}

TEST(AssertHandlerDeathTest, TheHandlerReportsAndTheProgramStillAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  vpnwire::result<int, vpnwire::core::errc> r = vpnwire::fail(vpnwire::core::errc::truncated, 0);
  EXPECT_EXIT((void)r.value(), ::testing::KilledBySignal(SIGABRT),
              R"(custom handler saw \[has_value\(\)\] at .*result\.hpp:[0-9]+)");
}
