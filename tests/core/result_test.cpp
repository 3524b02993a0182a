#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/result.hpp"

#include <gtest/gtest.h>

#include <type_traits>

using namespace vpnwire;
using vpnwire::core::errc;

namespace {
result<int, errc> half(int x) noexcept {
  if (x % 2 != 0) return fail(errc::value_out_of_range, 7);
  return x / 2;
}
result<void, errc> check(bool ok) noexcept {
  if (!ok) return fail(errc::truncated, 3);
  return {};
}
} // namespace

TEST(Result, HoldsAValue) {
  auto r = half(10);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5);
  EXPECT_EQ(r.value(), 5);
  EXPECT_EQ(r.code(), errc::ok);
  EXPECT_EQ(r.offset(), 0U);
}

TEST(Result, HoldsAnErrorWithItsOffset) {
  auto r = half(3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::value_out_of_range);
  EXPECT_EQ(r.offset(), 7U);
  EXPECT_EQ(r.value_or(-1), -1);
  EXPECT_EQ(r.error(), (error_info<errc>{errc::value_out_of_range, 7}));
}

TEST(Result, GetMovesOutTheValueAndReturnsTheCode) {
  int v = 0;
  EXPECT_EQ(half(8).get(v), errc::ok);
  EXPECT_EQ(v, 4);
  EXPECT_EQ(half(9).get(v), errc::value_out_of_range);
  EXPECT_EQ(v, 4); // untouched on error
}

TEST(Result, VoidResult) {
  EXPECT_TRUE(check(true));
  auto r = check(false);
  EXPECT_FALSE(r);
  EXPECT_EQ(r.code(), errc::truncated);
  EXPECT_EQ(r.offset(), 3U);
}

TEST(Result, IsTriviallyCopyableForTrivialValues) {
  static_assert(std::is_trivially_copyable_v<result<int, errc>>);
  static_assert(std::is_nothrow_move_constructible_v<result<int, errc>>);
  static_assert(noexcept(half(1)));
  SUCCEED();
}

TEST(ResultDeathTest, ValueOfAnErrorTraps) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH({ (void)half(1).value(); }, "");
}
