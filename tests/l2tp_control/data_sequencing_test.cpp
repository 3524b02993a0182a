// Tests of the §5.4 data sequencing policy and its use of the reorder window:
// the role rules stated in RFC 2661 §5.4 and the issue, and an invariant
// over generated arrival orders (fixed seed): every arrival is either
// delivered exactly once, in increasing Ns order, or handed back with a
// reason; nothing is lost.
#include "vpnwire/l2tp/control/data_sequencing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp::control;
using namespace std::chrono_literals;

namespace {
time_point at(duration d) { return time_point{} + d; }
struct collector {
  std::vector<int> items;
  std::vector<std::uint16_t> ns;
  auto sink() {
    return [this](std::uint16_t n, int &&v) noexcept {
      ns.push_back(n);
      items.push_back(v);
    };
  }
};
} // namespace

TEST(DataSequencing, LacStopsOnUnsequencedDataAndResumesWhereItStopped) {
  data_sequencing<int> lac(role::lac, false);
  collector c;
  EXPECT_TRUE(lac.sending_sequenced());
  EXPECT_EQ(lac.next_transmit().ns, 0);
  EXPECT_EQ(lac.next_transmit().ns, 1);
  // The LNS sends unsequenced data: the LAC stops numbering.
  EXPECT_EQ(lac.receive(false, 0, 10, at(0s), c.sink()), data_outcome::delivered);
  EXPECT_FALSE(lac.sending_sequenced());
  auto t = lac.next_transmit();
  EXPECT_FALSE(t.sequenced);
  (void)lac.next_transmit();
  // Sequenced data returns: numbering resumes at 2, not 0 and not 4.
  EXPECT_EQ(lac.receive(true, 0, 11, at(1s), c.sink()), data_outcome::delivered);
  t = lac.next_transmit();
  EXPECT_TRUE(t.sequenced);
  EXPECT_EQ(t.ns, 2);
  EXPECT_EQ(lac.counters().lac_stops, 1U);
  EXPECT_EQ(lac.counters().lac_resumes, 1U);
  EXPECT_EQ(lac.counters().sent_unsequenced, 2U);
  EXPECT_EQ(c.items, (std::vector<int>{10, 11}));
}

TEST(DataSequencing, SequencingRequiredLatchesForBothRolesAndViolationsAreOnlyCounted) {
  for (role r : {role::lac, role::lns}) {
    data_sequencing<int> s(r, true);
    collector c;
    EXPECT_TRUE(s.sending_sequenced());
    EXPECT_EQ(s.receive(true, 0, 1, at(0s), c.sink()), data_outcome::delivered);
    EXPECT_EQ(s.receive(false, 0, 2, at(0s), c.sink()), data_outcome::delivered); // violation, still delivered
    EXPECT_TRUE(s.sending_sequenced());
    EXPECT_EQ(s.counters().required_violations, 1U);
    EXPECT_EQ(s.receive(true, 1, 3, at(0s), c.sink()), data_outcome::delivered);
    EXPECT_EQ(c.items, (std::vector<int>{1, 2, 3}));
  }
  // Latched later (Sequencing Required in an ICCN processed after data began).
  data_sequencing<int> lac(role::lac, false);
  collector c;
  (void)lac.receive(false, 0, 1, at(0s), c.sink());
  EXPECT_FALSE(lac.sending_sequenced());
  lac.require_sequencing();
  EXPECT_TRUE(lac.sending_sequenced());
  (void)lac.receive(false, 0, 2, at(0s), c.sink());
  EXPECT_TRUE(lac.sending_sequenced());
}

TEST(DataSequencing, LnsDecidesAndAlwaysAcceptsSequencedData) {
  data_sequencing<int> quiet(role::lns, false);
  EXPECT_FALSE(quiet.sending_sequenced());
  sequencing_config cfg;
  cfg.lns_sequences = true;
  data_sequencing<int> numbering(role::lns, false, cfg);
  EXPECT_TRUE(numbering.sending_sequenced());
  // The client sequences although the LNS did not ask: accepted, reordered, counted.
  collector c;
  EXPECT_EQ(quiet.receive(true, 5, 5, at(0s), c.sink()), data_outcome::delivered);
  EXPECT_EQ(quiet.receive(true, 7, 7, at(0s), c.sink()), data_outcome::held);
  EXPECT_EQ(quiet.receive(true, 6, 6, at(0s), c.sink()), data_outcome::delivered);
  EXPECT_EQ(c.items, (std::vector<int>{5, 6, 7}));
  EXPECT_EQ(quiet.counters().unrequested_sequencing, 3U);
  EXPECT_FALSE(quiet.sending_sequenced()); // its own choice is unchanged
}

TEST(DataSequencing, DefaultPolicySkipsALostPacketAfterAShortTimeoutNeverStalls) {
  data_sequencing<int> s(role::lns, false);
  collector c;
  EXPECT_EQ(s.receive(true, 0, 0, at(0ms), c.sink()), data_outcome::delivered);
  // 1 is lost; 2 and 3 are held, not dropped (a strict policy would drop them).
  EXPECT_EQ(s.receive(true, 2, 2, at(1ms), c.sink()), data_outcome::held);
  EXPECT_EQ(s.receive(true, 3, 3, at(2ms), c.sink()), data_outcome::held);
  ASSERT_TRUE(s.next_deadline().has_value());
  EXPECT_EQ(*s.next_deadline(), at(1ms) + default_reorder_timeout);
  EXPECT_EQ(s.poll(at(1ms) + default_reorder_timeout, c.sink()), 2U);
  EXPECT_EQ(c.items, (std::vector<int>{0, 2, 3}));
  // 1 arriving now is late: handed back, counted.
  EXPECT_EQ(s.receive(true, 1, 1, at(100ms), c.sink()), data_outcome::late);
  EXPECT_EQ(s.receive(true, 3, 3, at(100ms), c.sink()), data_outcome::duplicate);
  EXPECT_EQ(s.counters().late, 1U);
  EXPECT_EQ(s.counters().duplicates, 1U);
}

TEST(DataSequencing, UnsequencedDataFlushesWhatIsHeldFirst) {
  data_sequencing<int> lac(role::lac, false);
  collector c;
  (void)lac.receive(true, 0, 0, at(0s), c.sink());
  EXPECT_EQ(lac.receive(true, 2, 2, at(0s), c.sink()), data_outcome::held);
  EXPECT_EQ(lac.receive(false, 0, 99, at(0s), c.sink()), data_outcome::delivered);
  EXPECT_EQ(c.items, (std::vector<int>{0, 2, 99}));
}

// Invariant over generated arrival orders: local reordering (displacement
// up to 8), 5% loss, 5% duplicates, across the 65535 -> 0 wrap.
TEST(DataSequencing, EveryArrivalDeliveredOnceInOrderOrHandedBack) {
  std::mt19937 rng(2661);
  for (int round = 0; round < 20; ++round) {
    data_sequencing<int, 64> s(role::lns, true);
    std::vector<int> order;
    const int n = 2000;
    const int start = 65000;
    for (int i = 0; i < n; ++i) {
      if (rng() % 20 == 0) continue; // lost
      order.push_back(i);
      if (rng() % 20 == 0) order.push_back(i); // duplicated
    }
    for (std::size_t i = 0; i + 1 < order.size(); ++i) // local reordering
      if (rng() % 3 == 0) std::swap(order[i], order[std::min(order.size() - 1, i + rng() % 8)]);
    collector c;
    std::size_t handed_back = 0;
    time_point now = at(0s);
    for (int v : order) {
      now += 1ms;
      const auto ns = static_cast<std::uint16_t>(start + v);
      const auto o = s.receive(true, ns, int{v}, now, c.sink());
      if (o != data_outcome::delivered && o != data_outcome::held) ++handed_back;
      if (auto d = s.next_deadline(); d && *d <= now) (void)s.poll(now, c.sink());
    }
    (void)s.flush(c.sink());
    // Delivered in strictly increasing order, each once.
    for (std::size_t i = 1; i < c.items.size(); ++i) ASSERT_LT(c.items[i - 1], c.items[i]) << round;
    // Nothing lost: every arrival is delivered or was handed back.
    EXPECT_EQ(c.items.size() + handed_back, order.size()) << round;
    std::set<int> unique(order.begin(), order.end());
    EXPECT_GE(c.items.size(), unique.size() * 9 / 10) << round; // a short timeout loses little
  }
}

// One default: the control plane's reorder timeout is the 30 ms the docs
// give (docs/reorder.md, "Choosing the timeout"); a gap is skipped exactly
// when the oldest held packet has waited it.
TEST(DataSequencing, TheDefaultReorderTimeoutIs30ms) {
  EXPECT_EQ(default_reorder_timeout, std::chrono::milliseconds(30));
  EXPECT_EQ(sequencing_config{}.reorder.timeout, std::chrono::milliseconds(30));
  data_sequencing<int, 64> ds(role::lns, true);
  std::vector<std::uint16_t> got;
  auto sink = [&](std::uint16_t ns, int &&) noexcept { got.push_back(ns); };
  const time_point t0{};
  EXPECT_EQ(ds.receive(true, 0, 0, t0, sink), data_outcome::delivered);
  EXPECT_EQ(ds.receive(true, 2, 2, t0, sink), data_outcome::held); // 1 is lost
  EXPECT_EQ(ds.poll(t0 + std::chrono::milliseconds(29), sink), 0U);
  EXPECT_EQ(ds.poll(t0 + std::chrono::milliseconds(30), sink), 1U);
  EXPECT_EQ(got, (std::vector<std::uint16_t>{0, 2}));
}
