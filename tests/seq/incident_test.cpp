// The first incident, as tests. The peer's data packets arrived as
// Ns 30, 32, 31, 34, 33, ... (every pair swapped). The Linux kernel with
// reorder timeout 0 discarded every out-of-sequence packet and never
// recovered; vpnwire's strict policy must lose exactly what the kernel lost,
// and the timeout policy must deliver everything, in order.
//
// The kernel's behaviour comes from bench/baselines/seq_kernel_list.hpp, a
// stand-alone rewrite of l2tp_recv_data_seq / l2tp_recv_queue_skb /
// l2tp_recv_dequeue (net/l2tp/l2tp_core.c), the oracle of "what the kernel did".
#include "seq_kernel_list.hpp"
#include "vpnwire/seq/reorder_window.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;

namespace {

struct arrival {
  std::uint16_t ns;
  time_point at;
};

constexpr time_point t0 = from_nanoseconds(5'000'000'000);

// Ns 30, 32, 31, 34, 33, 36, 35, ...: n packets, one per millisecond.
std::vector<arrival> pair_swapped(std::uint16_t first, int n) {
  std::vector<std::uint16_t> order;
  for (int i = 0; i < n; ++i) order.push_back(static_cast<std::uint16_t>(first + i));
  for (std::size_t i = 1; i + 1 < order.size(); i += 2) std::swap(order[i], order[i + 1]);
  std::vector<arrival> v;
  for (std::size_t i = 0; i < order.size(); ++i) v.push_back({order[i], t0 + std::chrono::milliseconds(i)});
  return v;
}

// The same swap every 2 or 3 packets (fixed seed), 100 microseconds apart.
std::vector<arrival> swap_every_2_or_3(std::uint16_t first, int n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint16_t> order;
  for (int i = 0; i < n; ++i) order.push_back(static_cast<std::uint16_t>(first + i));
  for (std::size_t i = 1; i + 1 < order.size();) {
    std::swap(order[i], order[i + 1]);
    i += 2 + rng() % 2; // the next swap starts 2 or 3 packets later
  }
  std::vector<arrival> v;
  for (std::size_t i = 0; i < order.size(); ++i)
    v.push_back({order[i], t0 + std::chrono::microseconds(100 * static_cast<std::int64_t>(i))});
  return v;
}

std::vector<std::uint16_t> kernel_delivers(const std::vector<arrival> &in, std::int64_t timeout_ns) {
  vpnwire_baseline::kernel_l2tp_reorder<int> k(0xFFFF, timeout_ns, 4096);
  std::vector<std::uint16_t> out;
  for (const auto &a : in)
    k.receive(
        a.ns, 0, a.at.time_since_epoch().count(),
        [&](std::uint32_t ns, int &&) noexcept { out.push_back(static_cast<std::uint16_t>(ns)); },
        [](std::uint32_t, int &&) noexcept {});
  return out;
}

template <class Policy> struct run_result {
  std::vector<std::uint16_t> delivered;
  seq::counters stats;
};

run_result<seq::policy> vpnwire_delivers(const std::vector<arrival> &in, seq::policy p, bool poll_at_end) {
  seq::reorder_window<int, 16, 64> w(p);
  run_result<seq::policy> r;
  auto sink = [&](std::uint16_t ns, int &&) noexcept { r.delivered.push_back(ns); };
  for (const auto &a : in) (void)w.insert(a.ns, 0, a.at, sink);
  if (poll_at_end) (void)w.poll(in.back().at + 1s, sink);
  r.stats = w.stats();
  EXPECT_EQ(r.stats.inserted, r.stats.delivered + r.stats.duplicate + r.stats.late + r.stats.overflow + w.held());
  return r;
}

// The kernel's strict resynchronisation: more than nr_oos_count_max (4)
// increments of a run of consecutive out-of-sequence numbers, i.e. the 6th.
constexpr std::uint32_t kernel_resync = 6;

std::vector<std::uint16_t> consecutive(std::uint16_t first, int n) {
  std::vector<std::uint16_t> v;
  for (int i = 0; i < n; ++i) v.push_back(static_cast<std::uint16_t>(first + i));
  return v;
}

} // namespace

TEST(Incident, StrictLosesWhatTheKernelLost) {
  const auto in = pair_swapped(30, 40);
  const auto kernel = kernel_delivers(in, 0);
  const auto ours = vpnwire_delivers(in, seq::policy::strict().with_resync(kernel_resync), false);
  EXPECT_EQ(kernel, (std::vector<std::uint16_t>{30, 31})); // then the endless black hole
  EXPECT_EQ(ours.delivered, kernel);
  EXPECT_EQ(ours.stats.overflow + ours.stats.late, 38U);
}

TEST(Incident, ThirtyMillisecondTimeoutDeliversEveryPacketInOrder) {
  const auto in = pair_swapped(30, 40);
  const auto ours = vpnwire_delivers(in, seq::policy::with_timeout(30ms), true);
  EXPECT_EQ(ours.delivered, consecutive(30, 40));
  EXPECT_EQ(ours.stats.gap_skipped, 0U);
  EXPECT_EQ(ours.stats.timed_out, 0U);
  EXPECT_EQ(ours.stats.reordered, 19U);
}

TEST(Incident, SwapEvery2Or3PacketsFor10000PacketsIsFullyDeliveredUnderTimeout) {
  const auto in = swap_every_2_or_3(30, 10'000, 2661);
  const auto strict = vpnwire_delivers(in, seq::policy::strict().with_resync(kernel_resync), false);
  const auto kernel = kernel_delivers(in, 0);
  EXPECT_EQ(strict.delivered, kernel);      // strict == the kernel, packet for packet
  EXPECT_LT(strict.delivered.size(), 100U); // the black hole
  const auto ours = vpnwire_delivers(in, seq::policy::with_timeout(30ms), true);
  EXPECT_EQ(ours.delivered, consecutive(30, 10'000)); // crosses no wrap: 30..10029
  EXPECT_EQ(ours.stats.gap_skipped, 0U);
}

TEST(Incident, SwapsAcrossTheSixteenBitWrapLoseNothingUnlikeTheKernelsPlainCompare) {
  // The same stream started so that it crosses 65535 -> 0.
  const auto in = swap_every_2_or_3(60'000, 10'000, 1982);
  const auto ours = vpnwire_delivers(in, seq::policy::with_timeout(30ms), true);
  EXPECT_EQ(ours.delivered, consecutive(60'000, 10'000));
  // The kernel's sorted list compares with a plain '>' and, with the same
  // 30 ms timeout, holds the packets after the wrap behind the ones before.
  const auto kernel = kernel_delivers(in, 30'000'000);
  EXPECT_NE(kernel, consecutive(60'000, 10'000));
}

TEST(Incident, LostPacketIsSkippedNotDroppedWithTheHeldOnesBehindIt) {
  // 31 never arrives; 32..35 wait behind it.
  std::vector<arrival> in{{30, t0}, {32, t0 + 1ms}, {33, t0 + 2ms}, {34, t0 + 3ms}, {35, t0 + 4ms}};
  const auto ours = vpnwire_delivers(in, seq::policy::with_timeout(30ms), true);
  EXPECT_EQ(ours.delivered, (std::vector<std::uint16_t>{30, 32, 33, 34, 35}));
  EXPECT_EQ(ours.stats.gap_skipped, 1U);
  // The kernel, at the next arrival after the timeout, discards the expired
  // packets instead of delivering them.
  in.push_back({36, t0 + 40ms});
  const auto kernel = kernel_delivers(in, 30'000'000);
  EXPECT_EQ(kernel, (std::vector<std::uint16_t>{30, 36}));
}

TEST(Incident, SwappedFirstPairIsKeptOnProbationAndLostByTheKernel) {
  const std::vector<arrival> in{{31, t0}, {30, t0 + 1ms}, {32, t0 + 2ms}, {33, t0 + 3ms}};
  const auto kernel = kernel_delivers(in, 30'000'000);
  EXPECT_EQ(kernel, (std::vector<std::uint16_t>{31, 32, 33}));
  const auto first = vpnwire_delivers(in, seq::policy::with_timeout(30ms), true);
  EXPECT_EQ(first.delivered, kernel); // first-packet anchor: the same loss
  const auto probation =
      vpnwire_delivers(in, seq::policy::with_timeout(30ms).with_anchor(seq::anchor_mode::probation), true);
  EXPECT_EQ(probation.delivered, consecutive(30, 4));
}
