// The RFC 6479-style anti-replay window against a reference model (a set of
// every accepted number) over many generated sequences, and the RFC 4303
// Appendix A2.1 ESN inference against its definition at every boundary.
#include "vpnwire/esp/replay_window.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>

using namespace vpnwire;
using esp::replay_check;

namespace {

// Reference: accepted numbers in a set; a number is fresh when it is new and
// not older than Size below the highest accepted.
template <std::size_t Size> struct model {
  std::set<std::uint64_t> seen;
  std::uint64_t top = 0;
  replay_check check(std::uint64_t s) const {
    if (s > top) return replay_check::fresh;
    if (s == 0 || top - s >= Size) return replay_check::left_of_window;
    return seen.count(s) != 0 ? replay_check::replayed : replay_check::fresh;
  }
  void commit(std::uint64_t s) {
    seen.insert(s);
    if (s > top) top = s;
  }
};

template <std::size_t Size> void run_against_model(std::uint32_t seed, std::uint64_t start) {
  std::mt19937_64 rng(seed);
  esp::replay_window<Size> w;
  model<Size> m;
  w.reset(start);
  if (start != 0) m.commit(start);
  std::uint64_t cursor = start;
  for (int i = 0; i < 20000; ++i) {
    // Mostly near the front, sometimes far behind, sometimes far ahead.
    const auto r = rng() % 100;
    std::uint64_t s;
    if (r < 60)
      s = cursor + rng() % 8;
    else if (r < 85)
      s = cursor - std::min<std::uint64_t>(cursor, rng() % (Size + 64));
    else if (r < 95)
      s = cursor + rng() % (4 * Size);
    else
      s = cursor - std::min<std::uint64_t>(cursor, rng() % (1U << 20));
    const replay_check want = m.check(s);
    ASSERT_EQ(w.check(s), want) << "i=" << i << " s=" << s << " top=" << w.top();
    if (want == replay_check::fresh && (rng() % 8) != 0) { // sometimes the ICV "fails": no commit
      w.commit(s);
      m.commit(s);
      cursor = m.top;
    }
    ASSERT_EQ(w.top(), m.top);
  }
}

TEST(ReplayWindow, MatchesReferenceModelForEverySize) {
  run_against_model<32>(1, 0);
  run_against_model<64>(2, 0);
  run_against_model<100>(3, 5000);
  run_against_model<1024>(4, 0);
  run_against_model<8192>(5, 123456);
  run_against_model<65536>(6, 0);
}

TEST(ReplayWindow, StartsEmptyAndRejectsZero) {
  esp::replay_window<> w;
  EXPECT_EQ(w.top(), 0U);
  EXPECT_EQ(w.check(0), replay_check::left_of_window);
  EXPECT_EQ(w.check(1), replay_check::fresh);
  w.commit(1);
  EXPECT_EQ(w.check(1), replay_check::replayed);
}

TEST(ReplayWindow, EdgesOfTheDefaultWindow) {
  esp::replay_window<64> w;
  w.commit(200);
  EXPECT_EQ(w.check(137), replay_check::fresh);          // 200 - 63: last number inside
  EXPECT_EQ(w.check(136), replay_check::left_of_window); // 200 - 64: first outside
  w.commit(137);
  EXPECT_EQ(w.check(137), replay_check::replayed);
  w.commit(201); // moves the window by one: 137 falls out
  EXPECT_EQ(w.check(137), replay_check::left_of_window);
  EXPECT_EQ(w.check(138), replay_check::fresh);
}

TEST(ReplayWindow, CommitOfAnUncheckedNumberChangesNothing) {
  esp::replay_window<64> w;
  w.commit(100);
  w.commit(100); // replayed: ignored
  w.commit(10);  // left of window: ignored
  w.commit(0);
  EXPECT_EQ(w.top(), 100U);
  EXPECT_EQ(w.check(99), replay_check::fresh);
}

TEST(ReplayWindow, JumpFarAheadClearsEveryWord) {
  esp::replay_window<8192> w;
  for (std::uint64_t s = 1; s <= 8192; ++s) w.commit(s);
  w.commit(1'000'000);
  for (std::uint64_t s = 1'000'000 - 8191; s < 1'000'000; ++s) ASSERT_EQ(w.check(s), replay_check::fresh) << s;
  EXPECT_EQ(w.check(1'000'000), replay_check::replayed);
}

TEST(ReplayWindow, WorksAtTheTopOfThe64BitSpace) {
  esp::replay_window<64> w;
  const std::uint64_t max = ~std::uint64_t{0};
  w.reset(max - 1);
  EXPECT_EQ(w.check(max), replay_check::fresh);
  w.commit(max);
  EXPECT_EQ(w.check(max), replay_check::replayed);
  EXPECT_EQ(w.check(max - 63), replay_check::fresh);
  EXPECT_EQ(w.check(max - 64), replay_check::left_of_window);
}

// RFC 4303 A2.1 by its meaning: the inferred number is the one congruent to
// Sl (mod 2^32) in [T - W + 1, T - W + 2^32], if that lies in [1, 2^64 - 1]
// ... or, for T - W + 1 <= 0, in [T - W + 1, ...] with negative values invalid.
__extension__ typedef __int128 i128;

bool reference_esn(std::uint64_t top, std::uint32_t sl, std::uint64_t w, std::uint64_t &out) {
  const i128 lo = static_cast<i128>(top) - static_cast<i128>(w) + 1;
  const i128 two32 = static_cast<i128>(1) << 32;
  // Smallest x >= lo with x == sl (mod 2^32).
  i128 base = lo - (((lo - sl) % two32) + two32) % two32;
  i128 x = base < lo ? base + two32 : base;
  if (x < 0 || x > static_cast<i128>(~std::uint64_t{0})) return false;
  out = static_cast<std::uint64_t>(x);
  return true;
}

void expect_esn(std::uint64_t top, std::uint32_t sl, std::size_t w) {
  std::uint64_t got = 0, want = 0;
  const bool ok = esp::infer_esn(top, sl, w, got);
  const bool ref = reference_esn(top, sl, w, want);
  ASSERT_EQ(ok, ref) << "top=" << top << " sl=" << sl << " w=" << w;
  if (ok) {
    ASSERT_EQ(got, want) << "top=" << top << " sl=" << sl << " w=" << w;
  }
}

TEST(EsnInference, EveryBoundaryOfBothCases) {
  const std::uint64_t two32 = std::uint64_t{1} << 32;
  for (std::size_t w : {32U, 64U, 1024U, 8192U}) {
    for (std::uint64_t th : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0x87654321}, std::uint64_t{0xFFFFFFFE},
                             std::uint64_t{0xFFFFFFFF}}) {
      // Tl around W - 1 (the case A/B split), 0, and the top of the subspace.
      for (std::uint64_t tl : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{w - 2}, std::uint64_t{w - 1},
                               std::uint64_t{w}, two32 / 2, two32 - 2, two32 - 1}) {
        const std::uint64_t top = (th << 32) | tl;
        // Sl around the bottom of the window (Tl - W + 1 mod 2^32), Tl itself, 0 and max.
        const std::uint32_t bottom = static_cast<std::uint32_t>(tl - w + 1);
        for (std::uint32_t sl : {bottom - 1, bottom, bottom + 1, static_cast<std::uint32_t>(tl),
                                 static_cast<std::uint32_t>(tl + 1), 0U, 1U, 0xFFFFFFFFU, 0x80000000U}) {
          expect_esn(top, sl, w);
        }
      }
    }
  }
}

TEST(EsnInference, RandomAgainstDefinition) {
  std::mt19937_64 rng(4303);
  for (int i = 0; i < 200000; ++i) {
    const std::size_t w = std::size_t{32} << (rng() % 9);
    expect_esn(rng(), static_cast<std::uint32_t>(rng()), w);
    const std::uint64_t top = rng() % 100000; // near the start of the space too
    expect_esn(top, static_cast<std::uint32_t>(rng()), w);
  }
}

TEST(EsnInference, RfcCasesByExample) {
  std::uint64_t s = 0;
  // Case A: window inside one subspace; a low Sl means the next subspace.
  ASSERT_TRUE(esp::infer_esn(0x00000005'00001000, 0x00000010, 64, s));
  EXPECT_EQ(s, 0x00000006'00000010U);
  ASSERT_TRUE(esp::infer_esn(0x00000005'00001000, 0x00000FD0, 64, s));
  EXPECT_EQ(s, 0x00000005'00000FD0U);
  // Case B: window straddles the subspace boundary; a high Sl is the previous one.
  ASSERT_TRUE(esp::infer_esn(0x00000005'00000010, 0xFFFFFFF0, 64, s));
  EXPECT_EQ(s, 0x00000004'FFFFFFF0U);
  ASSERT_TRUE(esp::infer_esn(0x00000005'00000010, 0x00000020, 64, s));
  EXPECT_EQ(s, 0x00000005'00000020U);
  // Before the start of the space.
  EXPECT_FALSE(esp::infer_esn(0, 0xFFFFFFF0, 64, s));
}

} // namespace
