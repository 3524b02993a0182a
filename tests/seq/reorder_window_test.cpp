// Unit behaviour of the single-threaded seq::reorder_window: one test per
// outcome, policy and anchor mode, and reordering across the wrap at every
// sequence width.
#include "vpnwire/seq/mpsc_reorder_window.hpp"
#include "vpnwire/seq/reorder_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;
using seq::insert_outcome;

namespace {

constexpr time_point t0 = from_nanoseconds(1'000'000'000);

// Collects what a window delivers.
template <class V> struct collector {
  std::vector<V> seqs;
  std::vector<int> items;
  auto sink() {
    return [this](V s, int &&item) noexcept {
      seqs.push_back(s);
      items.push_back(item);
    };
  }
};

template <class W> void expect_conservation(const W &w) {
  const auto &c = w.stats();
  EXPECT_EQ(c.inserted, c.delivered + c.duplicate + c.late + c.overflow + w.held());
}

} // namespace

TEST(ReorderWindow, InOrderArrivalsAreDeliveredAtOnce) {
  seq::reorder_window<int, 16, 8> w;
  collector<std::uint16_t> out;
  for (int s = 100; s < 110; ++s) {
    EXPECT_EQ(w.insert(static_cast<std::uint16_t>(s), int{s}, t0, out.sink()), insert_outcome::delivered);
  }
  EXPECT_EQ(out.seqs.size(), 10U);
  EXPECT_EQ(out.seqs.front(), 100);
  EXPECT_EQ(out.items.back(), 109);
  EXPECT_EQ(w.expected(), 110);
  EXPECT_EQ(w.stats().delivered, 10U);
  EXPECT_EQ(w.stats().reordered, 0U);
  expect_conservation(w);
}

TEST(ReorderWindow, EarlyArrivalIsHeldUntilTheGapFills) {
  seq::reorder_window<int, 16, 8> w;
  collector<std::uint16_t> out;
  EXPECT_EQ(w.insert(1, 10, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(w.insert(4, 40, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(3, 30, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.held(), 2U);
  EXPECT_EQ(w.insert(2, 20, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{1, 2, 3, 4}));
  EXPECT_EQ(out.items, (std::vector<int>{10, 20, 30, 40}));
  EXPECT_EQ(w.stats().reordered, 2U);
  EXPECT_EQ(w.held(), 0U);
  expect_conservation(w);
}

TEST(ReorderWindow, DuplicateOfHeldItemIsHandedBackAndTheFirstKept) {
  seq::reorder_window<int, 16, 8> w;
  collector<std::uint16_t> out;
  (void)w.insert(1, 1, t0, out.sink());
  EXPECT_EQ(w.insert(3, 30, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(3, 31, t0, out.sink()), insert_outcome::duplicate_held);
  (void)w.insert(2, 2, t0, out.sink());
  EXPECT_EQ(out.items, (std::vector<int>{1, 2, 30})); // not overwritten (DPDK overwrites)
  EXPECT_EQ(w.stats().duplicate, 1U);
  expect_conservation(w);
}

TEST(ReorderWindow, DeliveredDuplicateAndSkippedNumberAreTold) {
  seq::reorder_window<int, 16, 8> w(seq::policy::reordering().with_depth(1));
  collector<std::uint16_t> out;
  (void)w.insert(10, 0, t0, out.sink());
  // 11 lost; depth 1 skips it as soon as 12 is held.
  EXPECT_EQ(w.insert(12, 0, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(w.stats().gap_skipped, 1U);
  EXPECT_EQ(w.insert(10, 0, t0, out.sink()), insert_outcome::duplicate_delivered);
  EXPECT_EQ(w.insert(12, 0, t0, out.sink()), insert_outcome::duplicate_delivered);
  EXPECT_EQ(w.insert(11, 0, t0, out.sink()), insert_outcome::late);
  // Older than the window remembers (8 numbers): late, not a duplicate.
  EXPECT_EQ(w.insert(2, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.stats().late, 2U);
  EXPECT_EQ(w.stats().duplicate, 2U);
  expect_conservation(w);
}

TEST(ReorderWindow, NumberPastCapacityIsBeyondHorizon) {
  seq::reorder_window<int, 16, 8> w;
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  EXPECT_EQ(w.insert(9, 0, t0, out.sink()), insert_outcome::buffered); // expected 1: holds 2..9
  EXPECT_EQ(w.insert(10, 0, t0, out.sink()), insert_outcome::beyond_horizon);
  EXPECT_EQ(w.insert(40000, 0, t0, out.sink()), insert_outcome::late); // 39999 ahead is more than half: behind
  EXPECT_EQ(w.stats().overflow, 1U);
  expect_conservation(w);
}

TEST(ReorderWindow, CapacityOneHoldsExactlyOneItem) {
  seq::reorder_window<int, 16, 1> w;
  collector<std::uint16_t> out;
  (void)w.insert(5, 5, t0, out.sink());
  EXPECT_EQ(w.insert(7, 7, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(8, 8, t0, out.sink()), insert_outcome::beyond_horizon);
  EXPECT_EQ(w.insert(7, 7, t0, out.sink()), insert_outcome::duplicate_held);
  EXPECT_EQ(w.insert(6, 6, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{5, 6, 7}));
  expect_conservation(w);
}

TEST(ReorderWindow, TimeoutSkipsTheGapFromPollWithoutArrivals) {
  seq::reorder_window<int, 16, 16> w(seq::policy::with_timeout(30ms));
  collector<std::uint16_t> out;
  (void)w.insert(30, 30, t0, out.sink());
  EXPECT_FALSE(w.next_deadline().has_value());
  (void)w.insert(32, 32, t0 + 1ms, out.sink());
  (void)w.insert(33, 33, t0 + 2ms, out.sink());
  ASSERT_TRUE(w.next_deadline().has_value());
  EXPECT_EQ(*w.next_deadline(), t0 + 31ms);
  EXPECT_EQ(w.poll(t0 + 31ms - 1ns, out.sink()), 0U);
  EXPECT_EQ(w.poll(t0 + 31ms, out.sink()), 2U); // 31 skipped, 32 and 33 delivered
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{30, 32, 33}));
  EXPECT_EQ(w.stats().gap_skipped, 1U);
  EXPECT_EQ(w.stats().timed_out, 1U);
  EXPECT_FALSE(w.next_deadline().has_value());
  EXPECT_EQ(w.insert(31, 31, t0 + 40ms, out.sink()), insert_outcome::late);
  expect_conservation(w);
}

TEST(ReorderWindow, TimeoutReleasesOnlyWhatIsDueAndKeepsTheRest) {
  seq::reorder_window<int, 16, 16> w(seq::policy::with_timeout(10ms));
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  (void)w.insert(2, 2, t0, out.sink());         // gap at 1
  (void)w.insert(5, 5, t0 + 5ms, out.sink());   // gaps at 3, 4
  EXPECT_EQ(w.poll(t0 + 10ms, out.sink()), 1U); // 2 is due; 5 is not
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{0, 2}));
  EXPECT_EQ(w.held(), 1U);
  (void)w.insert(3, 3, t0 + 11ms, out.sink());
  EXPECT_EQ(w.poll(t0 + 15ms, out.sink()), 1U); // 5 due; 4 skipped
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{0, 2, 3, 5}));
  EXPECT_EQ(w.stats().gap_skipped, 2U);
  expect_conservation(w);
}

TEST(ReorderWindow, EarlyDeadlineAfterDeliveryOnlyRefreshes) {
  seq::reorder_window<int, 16, 16> w(seq::policy::with_timeout(10ms));
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  (void)w.insert(2, 2, t0, out.sink());
  (void)w.insert(5, 5, t0 + 8ms, out.sink());
  (void)w.insert(1, 1, t0 + 9ms, out.sink()); // delivers 1, 2; 5 stays
  ASSERT_TRUE(w.next_deadline().has_value());
  const time_point first = *w.next_deadline();
  EXPECT_LE(first, t0 + 18ms);              // never later than the truth (5 arrived at 8 ms)
  EXPECT_EQ(w.poll(first, out.sink()), 0U); // early: nothing due, the deadline is refreshed
  EXPECT_EQ(w.poll(t0 + 18ms - 1ns, out.sink()), 0U);
  EXPECT_EQ(*w.next_deadline(), t0 + 18ms);
  EXPECT_EQ(w.poll(t0 + 18ms, out.sink()), 1U);
  expect_conservation(w);
}

TEST(ReorderWindow, ClockStepBackwardNeverReleasesEarly) {
  seq::reorder_window<int, 16, 16> w(seq::policy::with_timeout(10ms));
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  (void)w.insert(2, 2, t0, out.sink());
  EXPECT_EQ(w.poll(t0 - 1s, out.sink()), 0U);
  (void)w.insert(3, 3, t0 - 1s, out.sink());    // arrival stamped in the past
  EXPECT_EQ(w.poll(t0 + 10ms, out.sink()), 2U); // 2 due (and 3 with it, in order)
  expect_conservation(w);
}

TEST(ReorderWindow, DepthSkipsTheGapWhenKItemsAreHeld) {
  seq::reorder_window<int, 16, 16> w(seq::policy::reordering().with_depth(3));
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  EXPECT_EQ(w.insert(3, 3, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(5, 5, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(4, 4, t0, out.sink()), insert_outcome::delivered); // third held: skip 1, 2
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{0, 3, 4, 5}));
  EXPECT_EQ(w.stats().depth_skips, 1U);
  EXPECT_EQ(w.stats().gap_skipped, 2U);
  expect_conservation(w);
}

TEST(ReorderWindow, DepthSlidesTheWindowForAnArrivalBeyondTheHorizon) {
  // Losses inside the window keep the number held below the depth limit; an
  // arrival past the horizon moves the window to Capacity - 1 before it.
  seq::reorder_window<int, 16, 8> w(seq::policy::reordering().with_depth(8));
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  for (std::uint16_t s : {2, 3, 5, 6, 8}) EXPECT_EQ(w.insert(s, s, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(12, 12, t0, out.sink()), insert_outcome::buffered); // expected becomes 5
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{0, 2, 3, 5, 6}));
  EXPECT_EQ(w.expected(), 7U);
  EXPECT_EQ(w.held(), 2U); // 8 and 12
  EXPECT_EQ(w.stats().depth_skips, 1U);
  EXPECT_EQ(w.stats().gap_skipped, 2U); // 1 and 4
  EXPECT_EQ(w.insert(4, 4, t0, out.sink()), insert_outcome::late);
  // A jump far ahead (half the space less one) flushes everything and
  // skips the rest arithmetically.
  EXPECT_EQ(w.insert(32'771, 1, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(out.seqs.back(), 12U);
  EXPECT_EQ(w.expected(), 32'764U);
  EXPECT_EQ(w.stats().gap_skipped, 2U + 1U + 3U + (32'764U - 13U));
  expect_conservation(w);
}

TEST(ReorderWindow, DepthAtCapacityNeverStallsOnALossyStream) {
  // DPDK's semantics (no timeout, skip when full): with ~2% loss the window
  // never fills, so only sliding keeps it moving. Every arrival is taken and
  // all but what is still held is delivered, in order.
  seq::reorder_window<int, 32, 64> w(seq::policy::reordering().with_depth(64));
  std::vector<std::uint32_t> sent;
  for (std::uint32_t s = 0; s < 100'000; ++s)
    if (s % 97 != 13 && s % 101 != 7) sent.push_back(s);
  for (std::size_t i = 1; i + 1 < sent.size(); i += 5) std::swap(sent[i], sent[i + 1]);
  collector<std::uint32_t> out;
  for (const std::uint32_t n : sent) ASSERT_TRUE(seq::accepted(w.insert(n, 1, t0, out.sink()))) << n;
  EXPECT_EQ(w.stats().overflow, 0U);
  EXPECT_LE(w.held(), 64U);
  EXPECT_EQ(out.seqs.size() + w.held(), sent.size());
  EXPECT_GT(w.stats().depth_skips, 1'000U);
  for (std::size_t i = 1; i < out.seqs.size(); ++i) ASSERT_LT(out.seqs[i - 1], out.seqs[i]);
  expect_conservation(w);
}

TEST(ReorderWindow, ResyncAfterNConsecutiveOutOfWindowArrivals) {
  seq::reorder_window<int, 16, 8> w(seq::policy::with_timeout(30ms).with_resync(3));
  collector<std::uint16_t> out;
  (void)w.insert(1000, 0, t0, out.sink());
  (void)w.insert(1002, 0, t0, out.sink()); // held
  EXPECT_EQ(w.insert(7, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.insert(8, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.insert(9, 0, t0, out.sink()), insert_outcome::delivered); // peer restarted
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{1000, 1002, 9}));
  EXPECT_EQ(w.stats().resynced, 1U);
  EXPECT_EQ(w.insert(10, 0, t0, out.sink()), insert_outcome::delivered);
  expect_conservation(w);
}

TEST(ReorderWindow, ResyncRunIsBrokenByANonConsecutiveNumber) {
  seq::reorder_window<int, 16, 8> w(seq::policy::reordering().with_resync(3));
  collector<std::uint16_t> out;
  (void)w.insert(1000, 0, t0, out.sink());
  EXPECT_EQ(w.insert(7, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.insert(8, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.insert(20, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.insert(21, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.stats().resynced, 0U);
  EXPECT_EQ(w.insert(1001, 0, t0, out.sink()), insert_outcome::delivered); // in window: run reset
  EXPECT_EQ(w.insert(22, 0, t0, out.sink()), insert_outcome::late);
  EXPECT_EQ(w.stats().resynced, 0U);
}

TEST(ReorderWindow, StrictDeliversOnlyTheExpectedNumber) {
  seq::reorder_window<int, 16, 8> w(seq::policy::strict());
  collector<std::uint16_t> out;
  (void)w.insert(30, 0, t0, out.sink());
  EXPECT_EQ(w.insert(32, 0, t0, out.sink()), insert_outcome::beyond_horizon);
  EXPECT_EQ(w.insert(31, 0, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(w.held(), 0U);
  EXPECT_FALSE(w.next_deadline().has_value());
  expect_conservation(w);
}

TEST(ReorderWindow, PassThroughDeliversEveryArrival) {
  seq::reorder_window<int, 16, 8> w(seq::policy::pass_through());
  collector<std::uint16_t> out;
  for (std::uint16_t s : {5, 3, 3, 9, 1}) EXPECT_EQ(w.insert(s, 0, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{5, 3, 3, 9, 1}));
  expect_conservation(w);
}

TEST(ReorderWindow, ExplicitAnchorExpectsTheGivenNumber) {
  seq::reorder_window<int, 16, 8> w(seq::policy::reordering().with_anchor(seq::anchor_mode::explicit_value), 0);
  collector<std::uint16_t> out;
  EXPECT_TRUE(w.anchored());
  EXPECT_EQ(w.insert(1, 1, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(0, 0, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{0, 1}));
}

TEST(ReorderWindow, FirstPacketAnchorLosesASwappedFirstPair) {
  seq::reorder_window<int, 16, 8> w(seq::policy::with_timeout(30ms));
  collector<std::uint16_t> out;
  EXPECT_EQ(w.insert(31, 31, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(w.insert(30, 30, t0 + 1ms, out.sink()), insert_outcome::late);
}

TEST(ReorderWindow, ProbationAnchorKeepsASwappedFirstPair) {
  seq::reorder_window<int, 16, 8> w(seq::policy::with_timeout(30ms).with_anchor(seq::anchor_mode::probation));
  collector<std::uint16_t> out;
  EXPECT_EQ(w.insert(31, 31, t0, out.sink()), insert_outcome::buffered);
  EXPECT_TRUE(w.on_probation());
  EXPECT_EQ(w.next_deadline(), t0 + 30ms);
  EXPECT_EQ(w.insert(30, 30, t0 + 1ms, out.sink()), insert_outcome::buffered); // anchor moves back
  EXPECT_EQ(w.insert(32, 32, t0 + 2ms, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(20, 20, t0 + 2ms, out.sink()), insert_outcome::late); // 20..32 does not fit in 8
  EXPECT_EQ(w.poll(t0 + 30ms, out.sink()), 3U);
  EXPECT_FALSE(w.on_probation());
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{30, 31, 32}));
  EXPECT_EQ(w.insert(33, 33, t0 + 31ms, out.sink()), insert_outcome::delivered);
  expect_conservation(w);
}

TEST(ReorderWindow, ProbationEndsEarlyAtDepth) {
  seq::reorder_window<int, 16, 8> w(seq::policy::reordering().with_probation(1s).with_depth(2));
  collector<std::uint16_t> out;
  EXPECT_EQ(w.insert(11, 0, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(10, 0, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{10, 11}));
  EXPECT_TRUE(w.anchored());
}

TEST(ReorderWindow, FlushDeliversEverythingHeldInOrder) {
  seq::reorder_window<int, 16, 64> w;
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  for (std::uint16_t s : {40, 7, 63, 2}) (void)w.insert(s, s, t0, out.sink());
  EXPECT_EQ(w.flush(out.sink()), 4U);
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{0, 2, 7, 40, 63}));
  EXPECT_EQ(w.expected(), 64);
  EXPECT_EQ(w.held(), 0U);
}

TEST(ReorderWindow, ReanchorFlushesAndExpectsTheNewNumber) {
  seq::reorder_window<int, 16, 8> w;
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  (void)w.insert(3, 3, t0, out.sink());
  w.reanchor(500, out.sink());
  EXPECT_EQ(w.expected(), 500);
  EXPECT_EQ(w.insert(500, 0, t0, out.sink()), insert_outcome::delivered);
  EXPECT_EQ(out.seqs, (std::vector<std::uint16_t>{0, 3, 500}));
}

TEST(ReorderWindow, MoveOnlyItemsAreLeftWithTheCallerWhenNotTaken) {
  seq::reorder_window<std::unique_ptr<int>, 32, 4> w;
  std::vector<int> got;
  auto sink = [&](std::uint32_t, std::unique_ptr<int> &&p) noexcept { got.push_back(*p); };
  auto a = std::make_unique<int>(1);
  auto b = std::make_unique<int>(3);
  auto dup = std::make_unique<int>(33);
  (void)w.insert(1, std::move(a), t0, sink);
  EXPECT_EQ(w.insert(3, std::move(b), t0, sink), insert_outcome::buffered);
  EXPECT_EQ(w.insert(3, std::move(dup), t0, sink), insert_outcome::duplicate_held);
  ASSERT_TRUE(dup); // still the caller's
  EXPECT_EQ(*dup, 33);
  (void)w.insert(2, std::make_unique<int>(2), t0, sink);
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
}

TEST(ReorderWindow, CompileTimePolicyBehavesLikeTheRuntimeOne) {
  using fixed = seq::fixed_policy<seq::reorder_mode::reorder, 10'000'000, 0, 0>;
  seq::reorder_window<int, 16, 16, fixed> w;
  collector<std::uint16_t> out;
  (void)w.insert(0, 0, t0, out.sink());
  (void)w.insert(2, 2, t0, out.sink());
  EXPECT_EQ(w.next_deadline(), t0 + 10ms);
  EXPECT_EQ(w.poll(t0 + 10ms, out.sink()), 1U);
  EXPECT_EQ(w.stats().gap_skipped, 1U);
}

TEST(ReorderWindow, OutcomeNamesAreDistinct) {
  EXPECT_EQ(seq::name(insert_outcome::beyond_horizon), "beyond_horizon");
  EXPECT_EQ(seq::name(insert_outcome::duplicate_delivered), "duplicate_delivered");
  EXPECT_TRUE(seq::accepted(insert_outcome::buffered));
  EXPECT_FALSE(seq::accepted(insert_outcome::late));
}

// Reordering that straddles the wrap, at every width.
template <class W> class ReorderWrap : public ::testing::Test {};
template <unsigned B> struct width { static constexpr unsigned bits = B; };
using Widths = ::testing::Types<width<16>, width<24>, width<32>, width<64>>;
TYPED_TEST_SUITE(ReorderWrap, Widths);

TYPED_TEST(ReorderWrap, SwapsAcrossTheWrapAreDeliveredInOrder) {
  using W = seq::reorder_window<int, TypeParam::bits, 8>;
  using S = typename W::serial_type;
  using V = typename W::value_type;
  W w(seq::policy::with_timeout(1ms));
  collector<V> out;
  const V start = static_cast<V>(S::mask - 3);
  // start, start+2, start+1, start+4, start+3 ... through 0.
  std::vector<std::uint64_t> order{0, 2, 1, 4, 3, 6, 5, 8, 7, 9};
  for (auto o : order) {
    const auto r = w.insert(S::advance(start, o), static_cast<int>(o), t0, out.sink());
    EXPECT_TRUE(seq::accepted(r));
  }
  ASSERT_EQ(out.items.size(), 10U);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(out.items[static_cast<std::size_t>(i)], i);
    EXPECT_EQ(out.seqs[static_cast<std::size_t>(i)], S::advance(start, static_cast<std::uint64_t>(i)));
  }
  // Behind across the wrap is late, not ahead.
  // Expected is start+10: start+2 (just before 0) is a delivered duplicate,
  // start+10+8 the last number held, start+10+9 past the horizon.
  EXPECT_EQ(w.insert(S::advance(start, 2), 0, t0, out.sink()), insert_outcome::duplicate_delivered);
  EXPECT_EQ(w.insert(S::advance(start, 1), 0, t0, out.sink()), insert_outcome::late); // 9 back: forgotten
  EXPECT_EQ(w.insert(S::advance(start, 10 + 8), 0, t0, out.sink()), insert_outcome::buffered);
  EXPECT_EQ(w.insert(S::advance(start, 10 + 9), 0, t0, out.sink()), insert_outcome::beyond_horizon);
}

TYPED_TEST(ReorderWrap, HalfSpaceAwayIsNeverTakenAsNew) {
  using W = seq::reorder_window<int, TypeParam::bits, 8>;
  using S = typename W::serial_type;
  W w;
  collector<typename W::value_type> out;
  (void)w.insert(5, 0, t0, out.sink());
  const auto r = w.insert(S::advance(6, S::half), 0, t0, out.sink());
  EXPECT_FALSE(seq::accepted(r));
}

TYPED_TEST(ReorderWrap, NumbersAreTakenModuloTheWidth) {
  using W = seq::reorder_window<int, TypeParam::bits, 8>;
  W w;
  collector<typename W::value_type> out;
  if constexpr (TypeParam::bits == 24) {
    (void)w.insert(0x1000005U, 0, t0, out.sink()); // = 5 in 24 bits
    EXPECT_EQ(w.expected(), 6U);
  } else {
    (void)w.insert(5, 0, t0, out.sink());
    EXPECT_EQ(w.expected(), 6U);
  }
}

// 16.6: the single-threaded window is movable (held items, history and
// counters go with it) and not copyable; the multi-producer one is neither.
TEST(ReorderWindow, MovesWithItsHeldItems) {
  using W = seq::reorder_window<std::unique_ptr<int>, 16, 16>;
  static_assert(std::is_nothrow_move_constructible_v<W> && std::is_nothrow_move_assignable_v<W>);
  static_assert(!std::is_copy_constructible_v<W> && !std::is_copy_assignable_v<W>);
  static_assert(!std::is_move_constructible_v<seq::reorder_window<int, 16, 16, seq::policy, seq::multi_producer>>);
  std::vector<int> got;
  auto sink = [&](std::uint16_t, std::unique_ptr<int> &&p) noexcept { got.push_back(*p); };
  W a(seq::policy::with_timeout(std::chrono::milliseconds(30)));
  const time_point start{};
  EXPECT_EQ(a.insert(0, std::make_unique<int>(0), start, sink), seq::insert_outcome::delivered);
  EXPECT_EQ(a.insert(2, std::make_unique<int>(2), start, sink), seq::insert_outcome::buffered);
  EXPECT_EQ(a.insert(3, std::make_unique<int>(3), start, sink), seq::insert_outcome::buffered);
  W b(std::move(a)); // move construction
  EXPECT_EQ(b.held(), 2U);
  EXPECT_EQ(b.expected(), 1);
  EXPECT_EQ(b.insert(1, std::make_unique<int>(1), start, sink), seq::insert_outcome::delivered);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(b.insert(5, std::make_unique<int>(5), start, sink), seq::insert_outcome::buffered);
  W c;
  c = std::move(b); // move assignment
  EXPECT_EQ(c.held(), 1U);
  EXPECT_EQ(c.next_deadline(), start + std::chrono::milliseconds(30));
  EXPECT_EQ(c.poll(start + std::chrono::milliseconds(30), sink), 1U); // the timeout moved too
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 5}));
  const auto s = c.stats();
  EXPECT_EQ(s.delivered, 5U);
  EXPECT_EQ(s.gap_skipped, 1U);
  // A container of windows, one per session.
  std::vector<W> sessions;
  sessions.emplace_back(seq::policy::strict());
  sessions.push_back(std::move(c));
  EXPECT_EQ(sessions[1].expected(), 6);
}
