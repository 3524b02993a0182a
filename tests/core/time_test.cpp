#include "vpnwire/core/time.hpp"

#include <gtest/gtest.h>

using namespace vpnwire;
using namespace std::chrono_literals;

TEST(ManualClock, MovesOnlyWhenTold) {
  manual_clock c(from_nanoseconds(1000));
  EXPECT_EQ(c.now().time_since_epoch().count(), 1000);
  c.advance(30ms);
  EXPECT_EQ(c.now(), from_nanoseconds(1000 + 30'000'000));
  c.advance(-5ms); // clock steps backwards can be simulated
  EXPECT_EQ(c.now(), from_nanoseconds(1000 + 25'000'000));
  c.set(from_nanoseconds(7));
  EXPECT_EQ(c.now(), from_nanoseconds(7));
}

TEST(SteadySource, IsMonotonic) {
  steady_source s;
  const auto a = s.now();
  const auto b = s.now();
  EXPECT_LE(a, b);
}

TEST(EngineClock, ConvertsFromSteadyClockExactly) {
  const auto t = std::chrono::steady_clock::time_point{std::chrono::nanoseconds{123456789}};
  EXPECT_EQ(from_steady(t).time_since_epoch().count(), 123456789);
}
