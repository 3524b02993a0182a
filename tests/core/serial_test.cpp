#include "vpnwire/core/serial.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

using namespace vpnwire::core;

template <class S> class SerialTest : public ::testing::Test {};
using Widths = ::testing::Types<serial16, serial24, serial32, serial64>;
TYPED_TEST_SUITE(SerialTest, Widths);

TYPED_TEST(SerialTest, WrapsFromMaxToZero) {
  using S = TypeParam;
  EXPECT_EQ(S::advance(S::mask, 1), 0U);
  EXPECT_TRUE(S::less(S::mask, 0));
  EXPECT_TRUE(S::greater(0, S::mask));
  EXPECT_EQ(S::distance(S::mask, 0), 1);
  EXPECT_EQ(S::distance(0, S::mask), -1);
  EXPECT_EQ(S::forward_distance(S::mask, 1), 2U);
  EXPECT_EQ(S::advance(S::mask - 2, 5), 2U);
}

TYPED_TEST(SerialTest, HalfRangeIsUndefinedBothWays) {
  using S = TypeParam;
  for (typename S::value_type a : {typename S::value_type{0}, typename S::value_type{1}, S::half, S::mask}) {
    const auto b = S::advance(a, S::half);
    EXPECT_EQ(S::compare(a, b), serial_order::undefined);
    EXPECT_EQ(S::compare(b, a), serial_order::undefined);
    EXPECT_FALSE(S::less(a, b));
    EXPECT_FALSE(S::greater(a, b));
    EXPECT_FALSE(S::less(b, a));
    EXPECT_FALSE(S::greater(b, a));
  }
}

TYPED_TEST(SerialTest, OneBelowHalfIsStillOrderedAndOneAboveFlips) {
  using S = TypeParam;
  const typename S::value_type a = S::mask - 5; // straddle the wrap
  const auto just_ahead = S::advance(a, S::half - 1);
  const auto past_half = S::advance(a, S::half + 1);
  EXPECT_TRUE(S::less(a, just_ahead));
  EXPECT_EQ(S::distance(a, just_ahead), static_cast<typename S::difference_type>(S::half - 1));
  EXPECT_TRUE(S::greater(a, past_half));
  EXPECT_EQ(S::distance(a, past_half), -static_cast<typename S::difference_type>(S::half - 1));
}

TYPED_TEST(SerialTest, EqualIsNeitherLessNorGreater) {
  using S = TypeParam;
  EXPECT_EQ(S::compare(42, 42), serial_order::equal);
  EXPECT_FALSE(S::less(42, 42));
  EXPECT_TRUE(S::less_equal(42, 42));
  EXPECT_EQ(S::distance(42, 42), 0);
}

// Invariant over many generated pairs: compare() agrees with the definition
// in RFC 1982 §3.2, distance() is antisymmetric except at the half point,
// and advance(a, distance(a, b)) == b.
TYPED_TEST(SerialTest, MatchesTheRfcDefinitionOverGeneratedPairs) {
  using S = TypeParam;
  using V = typename S::value_type;
  std::mt19937_64 rng(1982);
  for (int i = 0; i < 200000; ++i) {
    const V a = static_cast<V>(rng() & S::mask);
    V b;
    switch (i % 4) {
    case 0: b = static_cast<V>(rng() & S::mask); break;
    case 1: b = S::advance(a, rng() % 70000); break;              // near, forward
    case 2: b = S::advance(a, S::mask - (rng() % 70000)); break;  // near, backward
    default: b = S::advance(a, S::half + (rng() % 5) - 2); break; // around half
    }
    // RFC 1982 §3.2, literally, with unbounded integers for i1 and i2.
    const std::uint64_t i1 = a, i2 = b, h = S::half;
    const bool rfc_less = (i1 < i2 && i2 - i1 < h) || (i1 > i2 && i1 - i2 > h);
    const bool rfc_greater = (i1 < i2 && i2 - i1 > h) || (i1 > i2 && i1 - i2 < h);
    ASSERT_EQ(S::less(a, b), rfc_less) << a << " " << b;
    ASSERT_EQ(S::greater(a, b), rfc_greater) << a << " " << b;
    ASSERT_EQ(S::advance(a, static_cast<std::uint64_t>(static_cast<std::int64_t>(S::distance(a, b)))), b);
    if (S::compare(a, b) != serial_order::undefined) {
      ASSERT_EQ(S::distance(a, b), -S::distance(b, a));
    }
  }
}

TEST(Serial, SixteenBitIncidentNumbersOrderAcrossTheWrap) {
  // Sequence numbers as L2TP data uses them: 65535 comes before 0 and 1.
  EXPECT_TRUE(serial16::less(65535, 0));
  EXPECT_TRUE(serial16::less(65534, 1));
  EXPECT_FALSE(serial16::less(1, 65534));
  EXPECT_EQ(serial16::distance(65534, 1), 3);
  EXPECT_EQ(serial24::mask, 0xFFFFFFU);
  EXPECT_EQ(serial24::advance(0xFFFFFF, 1), 0U);
  EXPECT_EQ(serial64::advance(~std::uint64_t{0}, 1), 0U);
}
