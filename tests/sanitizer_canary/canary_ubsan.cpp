// Deliberately overflows a signed integer. Under UBSan with
// -fno-sanitize-recover this test must fail.
#include <gtest/gtest.h>

#include <climits>

TEST(SanitizerCanary, SignedOverflowIsCaught) {
  volatile int big = INT_MAX;
  volatile int r = big + 1;
  (void)r;
}
