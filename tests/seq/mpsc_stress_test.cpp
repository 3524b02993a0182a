// The multi-producer window under concurrency (label tsan; run under
// ThreadSanitizer by the tsan preset). Several producers insert disjoint,
// locally shuffled shares of a numbered stream with loss and duplicates
// while one consumer drains with a timeout. Checked: conservation (every
// insert is delivered once, or handed back with a reason, by the producer's
// outcome or the consumer's reject), delivery in strictly increasing serial
// order with each item's payload matching its number, and the sequence
// space wrapping (16 and 64 bits) and the slot laps (tags) wrapping many times.
#include "vpnwire/seq/reorder_windows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;
using seq::insert_outcome;

namespace {

struct tally {
  std::uint64_t offered = 0;
  std::uint64_t buffered = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t late = 0;
  std::uint64_t beyond = 0;
};

// How the producers behave. Reorder mode: locally shuffled blocks, 1% loss,
// 2% duplicates, beyond_horizon retried. Strict: numbers sent in order per
// producer without loss (any gap would black-hole strict mode by design), so
// the expected number is always some producer's next one. Pass-through: as
// reorder mode; delivery is not ordered then. Resync: at `jump_at` the sender
// jumps `jump` numbers ahead (a restart); beyond_horizon is not retried (a
// retrying producer could wait forever for a window that resynced away from
// its numbering; the arrivals before the resync are lost, as with the
// single-threaded window).
struct shape {
  bool shuffle = true;
  bool loss = true;
  bool retry_beyond = true;
  std::uint64_t jump_at = ~std::uint64_t{0};
  std::uint64_t jump = 0;
};

template <unsigned Bits, std::size_t Cap>
seq::counters stress(unsigned producers, std::uint64_t count, std::uint64_t start, seq::policy p, std::uint32_t seed,
                     shape sh = {}) {
  using W = seq::reorder_window<std::uint64_t, Bits, Cap, seq::policy, seq::multi_producer>;
  using S = typename W::serial_type;
  using V = typename W::value_type;
  const bool ordered = p.mode != seq::reorder_mode::pass_through;
  auto number = [&](std::uint64_t i) {
    return static_cast<V>((start + i + (i >= sh.jump_at ? sh.jump : 0)) & S::mask);
  };
  auto w = std::make_unique<W>(p, number(0)); // used by the explicit anchor
  std::atomic<unsigned> running{producers};
  // Each producer's progress (the next number it will send). A producer
  // never runs more than Cap numbers ahead of the slowest one, as receive
  // queues of one session do not drift apart by a sequence space; the
  // consumer's clock is the newest progress, so the timeout (in numbers)
  // fires only for numbers really lost.
  std::vector<std::atomic<std::uint64_t>> progress(producers);
  for (auto &pr : progress) pr.store(0);
  auto slowest = [&] {
    std::uint64_t m = ~std::uint64_t{0};
    for (auto &pr : progress) m = std::min(m, pr.load(std::memory_order_acquire));
    return m;
  };
  auto newest = [&] {
    std::uint64_t m = 0;
    for (auto &pr : progress) {
      const auto v = pr.load(std::memory_order_acquire);
      if (v != ~std::uint64_t{0}) m = std::max(m, v);
    }
    return m;
  };
  std::vector<tally> tallies(producers);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(seed + t);
      tally &my = tallies[t];
      // Producer t owns the chunks of 4 consecutive numbers k with
      // k % producers == t (so consecutive numbers also come from one
      // producer, as a resync needs), sent in blocks of 8 shuffled.
      std::vector<std::uint64_t> block;
      // Like a receive path, a producer that finds no room waits for the
      // consumer and offers again (each offer counts); this also keeps the
      // producers within the sequence space, so no number aliases another.
      auto send = [&](std::uint64_t i) {
        const V s = number(i);
        for (;;) {
          ++my.offered;
          std::uint64_t item = i; // the payload is the unwrapped index
          switch (w->insert(s, std::move(item), from_nanoseconds(static_cast<std::int64_t>(i)))) {
          case insert_outcome::buffered: ++my.buffered; return;
          case insert_outcome::duplicate_held:
          case insert_outcome::duplicate_delivered: ++my.duplicate; return;
          case insert_outcome::late: ++my.late; return;
          case insert_outcome::beyond_horizon:
            ++my.beyond;
            if (!sh.retry_beyond) return;
            std::this_thread::yield();
            break;
          default: ADD_FAILURE() << "a producer cannot be told delivered"; return;
          }
        }
      };
      for (std::uint64_t i = 4 * t; i < count; i += 4 * producers) {
        for (std::uint64_t j = i; j < i + 4 && j < count; ++j) {
          progress[t].store(j, std::memory_order_release);
          while (j > slowest() + Cap / 2) std::this_thread::yield();
          if (sh.loss && rng() % 100 == 0) continue; // lost
          block.push_back(j);
          if (rng() % 50 == 0) block.push_back(j); // duplicated
          if (block.size() >= 8) {
            if (sh.shuffle) std::shuffle(block.begin(), block.end(), rng);
            for (auto b : block) send(b);
            block.clear();
          }
        }
        // Strict mode: the other producers wait for this chunk.
        if (!sh.shuffle) {
          for (auto b : block) send(b);
          block.clear();
        }
      }
      for (auto b : block) send(b);
      progress[t].store(~std::uint64_t{0}, std::memory_order_release);
      running.fetch_sub(1, std::memory_order_release);
    });
  }

  std::uint64_t delivered = 0, rejected = 0;
  bool first = true;
  V last = 0;
  std::uint64_t last_item = 0;
  bool order_ok = true, payload_ok = true;
  std::uint64_t resyncs_seen = 0;
  auto sink = [&](V s, std::uint64_t &&item) noexcept {
    // A resync restarts the order (the sender restarted its numbering); the
    // consumer counts it before delivering the resync item.
    const std::uint64_t r = w->stats().resynced;
    if (r != resyncs_seen) {
      resyncs_seen = r;
      first = true;
    }
    if (ordered && !first && !(S::less(last, s) && item > last_item)) {
      if (order_ok) ADD_FAILURE() << "delivered " << item << " after " << last_item;
      order_ok = false;
    }
    if (number(item) != s) payload_ok = false;
    first = false;
    last = s;
    last_item = item;
    ++delivered;
  };
  auto reject = [&](V s, std::uint64_t &&item, insert_outcome why) noexcept {
    // (duplicate_held: a depth slide whose number another producer placed
    // first, after the window had moved by other means.)
    if ((why != insert_outcome::late && why != insert_outcome::beyond_horizon &&
         why != insert_outcome::duplicate_delivered && why != insert_outcome::duplicate_held) ||
        number(item) != s)
      payload_ok = false;
    ++rejected;
  };
  std::int64_t now = 0;
  while (running.load(std::memory_order_acquire) != 0) {
    now = std::max(now, static_cast<std::int64_t>(newest()));
    (void)w->drain(from_nanoseconds(now), sink, reject);
  }
  for (auto &th : threads) th.join();
  (void)w->drain(from_nanoseconds(now + 1'000'000'000), sink, reject);
  (void)w->flush(sink, reject);

  tally sum;
  for (const auto &t : tallies) {
    sum.offered += t.offered;
    sum.buffered += t.buffered;
    sum.duplicate += t.duplicate;
    sum.late += t.late;
    sum.beyond += t.beyond;
  }
  EXPECT_TRUE(order_ok);
  EXPECT_TRUE(payload_ok);
  EXPECT_EQ(w->held(), 0U);
  // Conservation: everything taken was delivered once or handed back.
  EXPECT_EQ(sum.buffered, delivered + rejected);
  EXPECT_EQ(sum.offered, sum.buffered + sum.duplicate + sum.late + sum.beyond);
  const auto c = w->stats();
  EXPECT_EQ(c.inserted, sum.offered);
  EXPECT_EQ(c.delivered, delivered);
  EXPECT_EQ(c.late + c.overflow + c.duplicate, sum.late + sum.beyond + sum.duplicate + rejected);
  EXPECT_EQ(c.inserted, c.delivered + c.duplicate + c.late + c.overflow + w->held());
  return c;
}

} // namespace

TEST(MpscReorderWindow, TwoProducersAcrossTheSixteenBitWrap) {
  // Most of the stream gets through (1% loss, 2% duplicates, lagging producers).
  const auto c = stress<16, 256>(2, 20'000, 60'000,
                                 seq::policy::with_timeout(200ns).with_anchor(seq::anchor_mode::explicit_value), 1);
  EXPECT_GT(c.delivered, 15'000U);
}

TEST(MpscReorderWindow, FourProducersSmallWindowWithDepth) {
  (void)stress<16, 64>(4, 10'000, 0,
                       seq::policy::with_timeout(48ns).with_depth(48).with_anchor(seq::anchor_mode::explicit_value), 2);
}

TEST(MpscReorderWindow, ThreeProducersAcrossTheSixtyFourBitWrap) {
  (void)stress<64, 128>(3, 10'000, ~std::uint64_t{0} - 5'000,
                        seq::policy::with_timeout(100ns).with_anchor(seq::anchor_mode::explicit_value), 3);
}

TEST(MpscReorderWindow, ThreeProducersFirstPacketAnchorChosenByTheConsumer) {
  (void)stress<16, 128>(3, 10'000, 65'500, seq::policy::with_timeout(100ns).with_anchor(seq::anchor_mode::first_packet),
                        4);
}

TEST(MpscReorderWindow, StrictTwoProducersDeliverEverythingSentInOrder) {
  shape sh;
  sh.shuffle = false;
  sh.loss = false;
  const auto c =
      stress<16, 64>(2, 20'000, 65'000, seq::policy::strict().with_anchor(seq::anchor_mode::explicit_value), 11, sh);
  // Nothing lost, nothing reordered: every number arrives (once or twice) and
  // the first copy is delivered; strict never skips.
  EXPECT_EQ(c.delivered, 20'000U);
  EXPECT_EQ(c.gap_skipped, 0U);
  EXPECT_EQ(c.reordered, 0U);
}

// (Strict with a first-packet anchor is not run here: an item placed
// unchecked just before the consumer anchors, ahead of the claim, is handed
// back, and strict mode then waits for that number forever, by design; the
// retrying producers of this harness would never finish. The differential
// test and the fuzz target cover that anchor.)
TEST(MpscReorderWindow, StrictFourProducersAcrossTheSixtyFourBitWrap) {
  shape sh;
  sh.shuffle = false;
  sh.loss = false;
  const auto c = stress<64, 32>(4, 8'000, ~std::uint64_t{0} - 3'000,
                                seq::policy::strict().with_anchor(seq::anchor_mode::explicit_value), 12, sh);
  EXPECT_EQ(c.delivered, 8'000U);
}

TEST(MpscReorderWindow, PassThroughThreeProducersDeliverEveryTakenItem) {
  const auto c = stress<16, 128>(3, 12'000, 64'000, seq::policy::pass_through(), 13);
  EXPECT_EQ(c.late + c.gap_skipped + c.timed_out + c.resynced, 0U);
  EXPECT_GT(c.delivered, 11'000U);
}

TEST(MpscReorderWindow, ResyncWithTimeoutFollowsARestartedSender) {
  shape sh;
  sh.shuffle = false; // each producer's chunk in order, so a restart is seen as a run
  sh.retry_beyond = false;
  sh.jump_at = 6'000;
  sh.jump = 1'000;
  const auto c = stress<16, 64>(
      2, 12'000, 65'300, seq::policy::with_timeout(48ns).with_resync(3).with_anchor(seq::anchor_mode::explicit_value),
      14, sh);
  EXPECT_GE(c.resynced, 1U);
  // How much gets through is not asserted: a producer that lags or leads by
  // more than the window sends runs of out-of-window numbers too, and every
  // such run of N resyncs the window (as it would the single-threaded one fed
  // that interleaving). Checked here: conservation and order across resyncs.
  EXPECT_GT(c.delivered, 0U);
}

TEST(MpscReorderWindow, ResyncWithDepthThreeProducersSixtyFourBits) {
  shape sh;
  sh.shuffle = false;
  sh.retry_beyond = false;
  sh.jump_at = 4'000;
  sh.jump = std::uint64_t{1} << 40;
  const auto c = stress<64, 64>(
      3, 9'000, 0,
      seq::policy::reordering().with_depth(32).with_resync(3).with_anchor(seq::anchor_mode::explicit_value), 15, sh);
  EXPECT_GE(c.resynced, 1U);
  // Throughput is not asserted (see the test above).
  EXPECT_GT(c.delivered, 0U);
}

TEST(MpscReorderWindow, ResyncWithStrictTwoProducers) {
  shape sh;
  sh.shuffle = false;
  sh.loss = false;
  sh.retry_beyond = false;
  sh.jump_at = 5'000;
  sh.jump = 500;
  const auto c = stress<16, 32>(
      2, 10'000, 100, seq::policy::strict().with_resync(2).with_anchor(seq::anchor_mode::explicit_value), 16, sh);
  EXPECT_GE(c.resynced, 1U);
  // Without retries strict loses whatever one producer sends ahead of the
  // other, and each loss black-holes it until a resync: the point here is
  // conservation and order across many resyncs, not throughput.
  EXPECT_GT(c.delivered, 0U);
}

TEST(MpscReorderWindow, ProbationAnchorKeepsASwappedFirstPair) {
  using W = seq::reorder_window<int, 16, 8, seq::policy, seq::multi_producer>;
  W w(seq::policy::with_timeout(10ns).with_anchor(seq::anchor_mode::probation));
  std::vector<std::uint16_t> got;
  std::vector<std::uint16_t> rejected;
  auto sink = [&](std::uint16_t s, int &&) noexcept { got.push_back(s); };
  auto reject = [&](std::uint16_t s, int &&, insert_outcome) noexcept { rejected.push_back(s); };
  EXPECT_EQ(w.insert(31, 1, from_nanoseconds(0)), insert_outcome::buffered);
  EXPECT_EQ(w.drain(from_nanoseconds(1), sink, reject), 0U); // on probation until 10
  EXPECT_FALSE(w.anchored());
  EXPECT_EQ(w.next_deadline(), from_nanoseconds(10));
  EXPECT_EQ(w.insert(30, 1, from_nanoseconds(2)), insert_outcome::buffered);
  EXPECT_EQ(w.insert(1001, 1, from_nanoseconds(2)), insert_outcome::buffered); // unchecked until anchored
  EXPECT_EQ(w.insert(32, 1, from_nanoseconds(3)), insert_outcome::buffered);
  EXPECT_EQ(w.drain(from_nanoseconds(10), sink, reject), 3U);
  EXPECT_TRUE(w.anchored());
  EXPECT_EQ(got, (std::vector<std::uint16_t>{30, 31, 32}));
  EXPECT_EQ(rejected, (std::vector<std::uint16_t>{1001})); // did not fit: beyond the horizon
  const auto c = w.stats();
  EXPECT_EQ(c.inserted, c.delivered + c.duplicate + c.late + c.overflow + w.held());
  EXPECT_EQ(c.overflow, 1U);
}

TEST(MpscReorderWindow, DepthSlidesTheWindowForAnArrivalBeyondTheHorizon) {
  using W = seq::reorder_window<int, 16, 8, seq::policy, seq::multi_producer>;
  W w(seq::policy::reordering().with_depth(8).with_anchor(seq::anchor_mode::explicit_value), 0);
  std::vector<std::uint16_t> got;
  std::vector<std::uint16_t> stale;
  auto sink = [&](std::uint16_t s, int &&) noexcept { got.push_back(s); };
  auto reject = [&](std::uint16_t s, int &&, insert_outcome) noexcept { stale.push_back(s); };
  const time_point t = from_nanoseconds(0);
  for (std::uint16_t s : {0, 2, 3, 5, 6}) EXPECT_EQ(w.insert(s, 1, t), insert_outcome::buffered);
  (void)w.drain(t, sink, reject);
  EXPECT_EQ(w.insert(12, 1, t), insert_outcome::buffered);       // taken through the slide slot
  EXPECT_EQ(w.insert(13, 1, t), insert_outcome::beyond_horizon); // one slide pending at a time
  (void)w.drain(t, sink, reject);
  EXPECT_EQ(got, (std::vector<std::uint16_t>{0, 2, 3, 5, 6}));
  EXPECT_EQ(w.expected(), 7U); // 12 - (Capacity - 1) = 5, then the run 5, 6
  EXPECT_EQ(w.held(), 1U);
  EXPECT_EQ(w.insert(13, 1, t), insert_outcome::buffered);
  EXPECT_EQ(w.insert(32'000, 1, t), insert_outcome::buffered); // far: flush, then skip at once
  (void)w.drain(t, sink, reject);
  EXPECT_EQ(got, (std::vector<std::uint16_t>{0, 2, 3, 5, 6, 12, 13}));
  EXPECT_EQ(w.expected(), 31'993U);
  EXPECT_TRUE(stale.empty());
  const auto c = w.stats();
  EXPECT_EQ(c.depth_skips, 2U);
  EXPECT_EQ(c.gap_skipped, 2U + 5U + (31'993U - 14U));
  EXPECT_EQ(c.inserted, c.delivered + c.duplicate + c.late + c.overflow + w.held());
}

TEST(MpscReorderWindow, SingleThreadedUseDeliversInOrderAndHandsBackStaleItems) {
  using W = seq::reorder_window<int, 16, 8, seq::policy, seq::multi_producer>;
  W w(seq::policy::with_timeout(10ns).with_anchor(seq::anchor_mode::explicit_value), 100);
  std::vector<std::uint16_t> got;
  std::vector<std::uint16_t> stale;
  auto sink = [&](std::uint16_t s, int &&) noexcept { got.push_back(s); };
  auto reject = [&](std::uint16_t s, int &&, insert_outcome) noexcept { stale.push_back(s); };
  EXPECT_EQ(w.insert(101, 1, from_nanoseconds(0)), insert_outcome::buffered);
  EXPECT_EQ(w.insert(101, 1, from_nanoseconds(0)), insert_outcome::duplicate_held);
  EXPECT_EQ(w.insert(108, 1, from_nanoseconds(0)), insert_outcome::beyond_horizon);
  EXPECT_EQ(w.insert(99, 1, from_nanoseconds(0)), insert_outcome::late);
  EXPECT_EQ(w.drain(from_nanoseconds(5), sink, reject), 0U);
  ASSERT_TRUE(w.next_deadline().has_value());
  EXPECT_EQ(*w.next_deadline(), from_nanoseconds(10));
  EXPECT_EQ(w.drain(from_nanoseconds(10), sink, reject), 1U); // 100 skipped
  EXPECT_EQ(got, (std::vector<std::uint16_t>{101}));
  EXPECT_EQ(w.stats().gap_skipped, 1U);
  EXPECT_EQ(w.insert(102, 1, from_nanoseconds(11)), insert_outcome::buffered);
  EXPECT_EQ(w.insert(100, 1, from_nanoseconds(11)), insert_outcome::late);
  EXPECT_EQ(w.drain(from_nanoseconds(11), sink, reject), 1U);
  EXPECT_TRUE(stale.empty());
  EXPECT_FALSE(w.next_deadline().has_value());
}
