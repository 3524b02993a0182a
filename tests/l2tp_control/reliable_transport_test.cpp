// Tests of the reliable control transport against RFC 2661 §5.8 and
// Appendix A: hand-computed expectations from the RFC text, and simulations
// between two transports over a link that loses, reorders and duplicates,
// checked against the invariant "every message delivered once, in order".
#include "vpnwire/l2tp/control/reliable_transport.hpp"

#include "sim_link.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp::control;
using namespace vpnwire_test;

namespace {

constexpr std::uint16_t kTunnelA = 100; // A's Assigned Tunnel ID (what B puts in headers)
constexpr std::uint16_t kTunnelB = 200;

time_point at(duration d) { return time_point{} + d; }

/// Drains every datagram the transport has to send now.
std::vector<bytes> drain(reliable_transport &t, time_point now) {
  std::vector<bytes> out;
  std::array<std::byte, 4096> buf{};
  for (;;) {
    auto n = t.poll_transmit(now, buf);
    EXPECT_TRUE(n.has_value());
    if (!n || *n == 0) break;
    out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  return out;
}
std::vector<std::uint32_t> pop_tags(reliable_transport &t) {
  std::vector<std::uint32_t> tags;
  for (bytes_view m = t.pop_delivered(); !m.empty(); m = t.pop_delivered()) tags.push_back(tag_of(m));
  return tags;
}

} // namespace

TEST(ReliableTransport, FirstMessageCarriesNsZeroNrZeroAndZlbAcksWithoutConsumingNs) {
  reliable_transport a(at(0s)), b(at(0s));
  a.set_peer_tunnel_id(kTunnelB);
  b.set_peer_tunnel_id(kTunnelA);
  auto ns = a.send(control_message(kTunnelB, 0, 0xFFFF, 0xFFFF, 1, 7));
  ASSERT_TRUE(ns);
  EXPECT_EQ(*ns, 0);
  auto tx = drain(a, at(0s));
  ASSERT_EQ(tx.size(), 1U);
  EXPECT_EQ(ns_of(tx[0]), 0); // stamped over the caller's placeholder
  EXPECT_EQ(nr_of(tx[0]), 0);
  EXPECT_EQ(b.receive(tx[0], at(10ms)), receive_outcome::delivered);
  EXPECT_EQ(pop_tags(b), std::vector<std::uint32_t>{7});
  auto ack = drain(b, at(10ms));
  ASSERT_EQ(ack.size(), 1U);
  EXPECT_EQ(ack[0], zlb(kTunnelA, 0, 1)); // ZLB: Ns = next Ns (0, unconsumed), Nr = 1
  EXPECT_EQ(a.receive(ack[0], at(20ms)), receive_outcome::ack_only);
  EXPECT_EQ(a.unacknowledged(), 0);
  EXPECT_EQ(b.next_ns(), 0);                    // the ZLB consumed no Ns
  EXPECT_EQ(a.next_deadline(), at(20ms + 60s)); // only the HELLO timer remains
}

TEST(ReliableTransport, AckRidesOnTheNextMessageInsteadOfAZlb) {
  reliable_transport a(at(0s)), b(at(0s));
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 1)));
  auto tx = drain(a, at(0s));
  ASSERT_EQ(b.receive(tx[0], at(1ms)), receive_outcome::delivered);
  (void)pop_tags(b);
  ASSERT_TRUE(b.send(control_message(kTunnelA, 0, 0, 0, 2, 2))); // e.g. SCCRP answering SCCRQ
  auto reply = drain(b, at(1ms));
  ASSERT_EQ(reply.size(), 1U); // the reply only, no ZLB
  EXPECT_EQ(ns_of(reply[0]), 0);
  EXPECT_EQ(nr_of(reply[0]), 1);
  EXPECT_EQ(b.counters().zlbs_sent, 0U);
}

TEST(ReliableTransport, AckDelayWaitsForAPiggybackThenSendsAZlb) {
  transport_config cfg;
  cfg.ack_delay = 200ms;
  reliable_transport a(at(0s)), b(at(0s), {}, cfg);
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 1)));
  ASSERT_EQ(b.receive(drain(a, at(0s))[0], at(1ms)), receive_outcome::delivered);
  EXPECT_TRUE(drain(b, at(100ms)).empty());
  EXPECT_EQ(b.next_deadline(), at(201ms));
  auto z = drain(b, at(201ms));
  ASSERT_EQ(z.size(), 1U);
  EXPECT_EQ(z[0].size(), l2tp::control_header_size);
}

// §5.8: retransmit after 1 s, doubling, capped at 8 s; after 5
// retransmissions unacknowledged the tunnel is cleared. The times follow:
// sent at 0, retransmitted at 1, 3, 7, 15, 23; failure at 31.
TEST(ReliableTransport, RetransmitsWithExponentialBackoffThenFailsAfterTheRetryLimit) {
  reliable_transport a(at(0s));
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 1)));
  std::vector<time_point> sends;
  time_point now = at(0s);
  bool unreachable = false;
  for (int step = 0; step < 100 && !unreachable; ++step) {
    for (auto &d : drain(a, now)) {
      EXPECT_EQ(ns_of(d), 0); // a retransmission keeps its Ns
      sends.push_back(now);
    }
    now = a.next_deadline();
    ASSERT_NE(now, time_point::max());
    const auto rep = a.handle_timeout(now);
    unreachable = rep.peer_unreachable;
  }
  ASSERT_TRUE(unreachable);
  EXPECT_EQ(sends, (std::vector<time_point>{at(0s), at(1s), at(3s), at(7s), at(15s), at(23s)}));
  EXPECT_EQ(now, at(31s));
  EXPECT_EQ(a.state(), transport_state::failed);
  EXPECT_EQ(a.next_deadline(), time_point::max());
  EXPECT_EQ(a.counters().retransmissions, 5U);
  auto refused = a.send(control_message(kTunnelB, 0, 0, 0, 1, 2));
  EXPECT_EQ(refused.code(), errc::transport_closed);
}

TEST(ReliableTransport, RetryLimitAndBackoffCapAreConfigurable) {
  transport_config cfg;
  cfg.max_retransmissions = 2;
  cfg.max_timeout = 16s;
  cfg.initial_timeout = 4s;
  reliable_transport a(at(0s), {}, cfg);
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 1)));
  std::vector<time_point> sends;
  time_point now = at(0s);
  for (int i = 0; i < 10 && a.state() == transport_state::open; ++i) {
    for (auto &d : drain(a, now)) {
      (void)d;
      sends.push_back(now);
    }
    now = a.next_deadline();
    (void)a.handle_timeout(now);
  }
  EXPECT_EQ(sends, (std::vector<time_point>{at(0s), at(4s), at(12s)}));
  EXPECT_EQ(now, at(28s));
  EXPECT_EQ(a.state(), transport_state::failed);
}

TEST(ReliableTransport, RetransmissionCarriesTheCurrentNr) {
  reliable_transport a(at(0s)), b(at(0s));
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 1)));
  auto first = drain(a, at(0s));
  EXPECT_EQ(nr_of(first[0]), 0);
  // Meanwhile B's message arrives at A; A's retransmission must acknowledge it.
  ASSERT_TRUE(b.send(control_message(kTunnelA, 0, 0, 0, 1, 9)));
  ASSERT_EQ(a.receive(drain(b, at(0s))[0], at(100ms)), receive_outcome::delivered);
  (void)a.handle_timeout(at(1s));
  auto again = drain(a, at(1s));
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(ns_of(again[0]), 0);
  EXPECT_EQ(nr_of(again[0]), 1);
}

TEST(ReliableTransport, DuplicatesAreDroppedButAcknowledged) {
  reliable_transport b(at(0s));
  b.set_peer_tunnel_id(kTunnelA);
  const auto m = control_message(kTunnelB, 0, 0, 0, 1, 5);
  EXPECT_EQ(b.receive(m, at(0s)), receive_outcome::delivered);
  EXPECT_EQ(pop_tags(b).size(), 1U);
  EXPECT_EQ(drain(b, at(0s)).size(), 1U); // the ZLB
  EXPECT_EQ(b.receive(m, at(2s)), receive_outcome::duplicate);
  EXPECT_TRUE(pop_tags(b).empty());
  auto z = drain(b, at(2s));
  ASSERT_EQ(z.size(), 1U); // the duplicate is acknowledged again: the first ZLB may have been lost
  EXPECT_EQ(z[0], zlb(kTunnelA, 0, 1));
  EXPECT_EQ(b.counters().duplicates, 1U);
}

TEST(ReliableTransport, EarlyMessagesAreHeldAndDeliveredInOrder) {
  reliable_transport b(at(0s));
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 2, 0, 1, 2), at(0s)), receive_outcome::held_out_of_order);
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 1, 0, 1, 1), at(0s)), receive_outcome::held_out_of_order);
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 1, 0, 1, 1), at(0s)), receive_outcome::duplicate);
  EXPECT_TRUE(pop_tags(b).empty());
  EXPECT_EQ(b.next_expected_ns(), 0);
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 0, 0, 1, 0), at(0s)), receive_outcome::delivered);
  EXPECT_EQ(b.next_expected_ns(), 3);
  EXPECT_EQ(pop_tags(b), (std::vector<std::uint32_t>{0, 1, 2}));
}

// Hostile sequence numbers around the expected value E (= 0 here, so the
// negative side also crosses the 65535 -> 0 wrap).
TEST(ReliableTransport, NsAtPlusMinus32767And32768FromExpected) {
  reliable_transport b(at(0s));
  b.set_peer_tunnel_id(kTunnelA);
  // +32767: a valid "later" number but far outside the receive window.
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 32767, 0, 1, 1), at(0s)), receive_outcome::dropped_beyond_window);
  // -32767 (= 32769): within the previous 32767, a duplicate: acknowledged.
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 32769, 0, 1, 1), at(0s)), receive_outcome::duplicate);
  auto z = drain(b, at(0s));
  ASSERT_EQ(z.size(), 1U);
  EXPECT_EQ(nr_of(z[0]), 0);
  // ±32768: RFC 1982 leaves the order undefined: neither new nor duplicate.
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 32768, 0, 1, 1), at(0s)), receive_outcome::dropped_ns_undefined);
  EXPECT_TRUE(drain(b, at(0s)).empty());
  // -1 (= 65535) is the message just before: a duplicate.
  EXPECT_EQ(b.receive(control_message(kTunnelB, 0, 65535, 0, 1, 1), at(0s)), receive_outcome::duplicate);
  EXPECT_TRUE(pop_tags(b).empty());
  EXPECT_EQ(b.counters().dropped_beyond_window, 1U);
  EXPECT_EQ(b.counters().dropped_ns_undefined, 1U);
  EXPECT_EQ(b.counters().duplicates, 2U);
}

TEST(ReliableTransport, NrBeyondWhatWasSentIsDroppedAndChangesNothing) {
  reliable_transport a(at(0s));
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 1)));
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 2)));
  (void)drain(a, at(0s)); // cwnd 1: only Ns 0 is out
  ASSERT_EQ(a.in_flight(), 1);
  // Nr 2 would acknowledge Ns 1, which was queued but never transmitted.
  EXPECT_EQ(a.receive(zlb(kTunnelA, 0, 2), at(1ms)), receive_outcome::dropped_nr_beyond_sent);
  EXPECT_EQ(a.receive(control_message(kTunnelA, 0, 0, 40000, 1, 1), at(1ms)), receive_outcome::dropped_nr_beyond_sent);
  EXPECT_EQ(a.unacknowledged(), 2);
  EXPECT_EQ(a.next_expected_ns(), 0); // the message was not accepted either
  EXPECT_EQ(a.counters().dropped_nr_beyond_sent, 2U);
  // Nr 1 is fine.
  EXPECT_EQ(a.receive(zlb(kTunnelA, 0, 1), at(2ms)), receive_outcome::ack_only);
  EXPECT_EQ(a.unacknowledged(), 1);
  // An older Nr afterwards is stale: ignored, the message still accepted.
  EXPECT_EQ(a.receive(control_message(kTunnelA, 0, 0, 0, 1, 1), at(3ms)), receive_outcome::delivered);
  EXPECT_EQ(a.counters().stale_nr, 1U);
}

TEST(ReliableTransport, ReceiveWindowZeroIsRejectedAnd65535IsBoundedBySendSlots) {
  reliable_transport a(at(0s), transport_limits{8, 8, 512});
  EXPECT_EQ(a.peer_window(), default_peer_window);
  auto r = a.set_peer_window(0);
  EXPECT_EQ(r.code(), errc::receive_window_zero);
  EXPECT_EQ(a.peer_window(), 4);
  ASSERT_TRUE(a.set_peer_window(65535));
  // Open the congestion window fully by acknowledging one message at a time.
  reliable_transport b(at(0s), transport_limits{8, 8, 512});
  for (std::uint32_t i = 0; i < 8; ++i) ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, i)));
  // More than the send slots cannot be queued, whatever the peer's window.
  EXPECT_EQ(a.send(control_message(kTunnelB, 0, 0, 0, 1, 99)).code(), errc::send_queue_full);
  std::size_t max_in_flight = 0;
  std::uint32_t delivered = 0;
  time_point now = at(0s);
  for (int round = 0; round < 100 && delivered < 40; ++round) {
    for (auto &d : drain(a, now)) (void)b.receive(d, now);
    max_in_flight = std::max<std::size_t>(max_in_flight, a.in_flight());
    delivered += static_cast<std::uint32_t>(pop_tags(b).size());
    for (auto &d : drain(b, now)) (void)a.receive(d, now);
    while (a.unacknowledged() < 8 && a.counters().messages_queued < 40U)
      ASSERT_TRUE(
          a.send(control_message(kTunnelB, 0, 0, 0, 1, static_cast<std::uint32_t>(a.counters().messages_queued))));
    now += 10ms;
  }
  EXPECT_EQ(delivered, 40U);
  EXPECT_LE(max_in_flight, 8U);
  EXPECT_EQ(max_in_flight, 8U); // the window opened to the send-slot bound
}

TEST(ReliableTransport, SendQueueFullWhenEverySlotIsUnacknowledged) {
  reliable_transport a(at(0s), transport_limits{3, 3, 512});
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, i)));
  auto r = a.send(control_message(kTunnelB, 0, 0, 0, 1, 3));
  EXPECT_EQ(r.code(), errc::send_queue_full);
  EXPECT_EQ(a.counters().send_rejected, 1U);
}

TEST(ReliableTransport, SendRejectsWhatIsNotACompleteControlMessage) {
  reliable_transport a(at(0s), transport_limits{4, 4, 64});
  auto m = control_message(kTunnelB, 0, 0, 0, 1, 1);
  EXPECT_EQ(a.send(bytes_view(m).first(11)).code(), errc::message_too_short);
  auto data = m;
  data[0] = std::byte{0x40}; // T clear: a data message
  EXPECT_EQ(a.send(data).code(), errc::not_a_control_message);
  auto offset = m;
  offset[0] = std::byte{0xCA}; // O set: forbidden on control messages
  EXPECT_EQ(a.send(offset).code(), errc::not_a_control_message);
  auto v3 = m;
  v3[1] = std::byte{0x03};
  EXPECT_EQ(a.send(v3).code(), errc::not_a_control_message);
  auto len = m;
  len[3] = std::byte{0x10};
  auto r = a.send(len);
  EXPECT_EQ(r.code(), errc::length_mismatch);
  EXPECT_EQ(r.offset(), 2U);
  EXPECT_EQ(a.send(zlb(kTunnelB, 0, 0)).code(), errc::zlb_not_allowed);
  bytes big = control_message(kTunnelB, 0, 0, 0, 1, 1);
  big.resize(65);
  big[2] = std::byte{0};
  big[3] = std::byte{65};
  EXPECT_EQ(a.send(big).code(), errc::message_too_long);
  EXPECT_EQ(a.counters().send_rejected, 7U);
  // The same checks guard receive().
  EXPECT_EQ(a.receive(data, at(0s)), receive_outcome::dropped_malformed);
  EXPECT_EQ(a.receive(big, at(0s)), receive_outcome::dropped_too_long);
}

TEST(ReliableTransport, BufferTooSmallConsumesNothing) {
  reliable_transport a(at(0s));
  auto m = control_message(kTunnelB, 0, 0, 0, 1, 1);
  ASSERT_TRUE(a.send(m));
  std::array<std::byte, 8> tiny{};
  auto r = a.poll_transmit(at(0s), tiny);
  EXPECT_EQ(r.code(), errc::buffer_too_small);
  EXPECT_EQ(drain(a, at(0s)).size(), 1U);
}

// Appendix A: cwnd starts at 1 and grows by one per acknowledged message up
// to ssthresh (initially the peer's window), then by one per cwnd acks; a
// retransmission timeout sets ssthresh = max(cwnd/2, 1) and cwnd = 1.
TEST(ReliableTransport, SlowStartThenCongestionAvoidanceThenBackoffOnTimeout) {
  reliable_transport a(at(0s), transport_limits{64, 8, 512});
  ASSERT_TRUE(a.set_peer_window(32));
  reliable_transport b(at(0s), transport_limits{64, 64, 512});
  for (std::uint32_t i = 0; i < 60; ++i) ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, i)));
  EXPECT_EQ(a.congestion_window(), 1U);
  EXPECT_EQ(a.slow_start_threshold(), 32U);
  std::vector<std::size_t> burst_sizes;
  time_point now = at(0s);
  for (int round = 0; round < 6; ++round) {
    auto burst = drain(a, now);
    burst_sizes.push_back(burst.size());
    for (auto &d : burst) (void)b.receive(d, now);
    (void)pop_tags(b);
    for (auto &d : drain(b, now)) (void)a.receive(d, now); // one cumulative ZLB
    now += 10ms;
  }
  // Slow start doubles per round trip: 1, 2, 4, 8, 16, then 29 (the 60 queued run out).
  EXPECT_EQ(burst_sizes, (std::vector<std::size_t>{1, 2, 4, 8, 16, 29}));
  EXPECT_EQ(a.congestion_window(), 32U); // capped by the peer's window
  // Congestion avoidance: force ssthresh to 2 by a timeout at cwnd 4; then
  // after cwnd reaches 2 it takes cwnd acknowledgements per increment.
  reliable_transport c(at(0s), transport_limits{64, 8, 512});
  ASSERT_TRUE(c.set_peer_window(16));
  reliable_transport d(at(0s), transport_limits{64, 64, 512});
  for (std::uint32_t i = 0; i < 40; ++i) ASSERT_TRUE(c.send(control_message(kTunnelB, 0, 0, 0, 1, i)));
  now = at(0s);
  for (int round = 0; round < 3; ++round) { // cwnd 1 -> 2 -> 4 -> 8? stop at 4 in flight
    auto burst = drain(c, now);
    for (auto &m : burst) (void)d.receive(m, now);
    (void)pop_tags(d);
    if (round < 2)
      for (auto &z : drain(d, now)) (void)c.receive(z, now);
    now += 10ms;
  }
  ASSERT_EQ(c.congestion_window(), 4U);
  ASSERT_EQ(c.in_flight(), 4U);
  (void)drain(d, now); // lose d's acknowledgement
  const auto rep = c.handle_timeout(c.next_deadline());
  EXPECT_TRUE(rep.retransmitting);
  EXPECT_EQ(c.congestion_window(), 1U);
  EXPECT_EQ(c.slow_start_threshold(), 2U);
  EXPECT_EQ(c.counters().timeouts, 1U);
  // Acknowledge all 4: slow start to 2, then avoidance: +1 only after 2 more acks.
  now = at(2s);
  (void)drain(c, now);
  (void)c.receive(zlb(kTunnelA, 0, 7), now); // Ns 0..2 were acked before; 3..6 now
  EXPECT_EQ(c.unacknowledged(), 33);
  EXPECT_EQ(c.congestion_window(), 3U); // 1 ->2 (slow start), ca: 1 ack, 2 acks -> 3, 1 ack
}

TEST(ReliableTransport, HelloIsDueAfterSixtySecondsOfSilenceOnly) {
  reliable_transport a(at(0s));
  EXPECT_EQ(a.next_deadline(), at(60s));
  EXPECT_FALSE(a.handle_timeout(at(59s)).hello_due);
  (void)a.receive(control_message(kTunnelA, 0, 0, 0, 6, 1), at(30s)); // any message resets it
  EXPECT_FALSE(a.handle_timeout(at(60s)).hello_due);
  (void)drain(a, at(60s));
  EXPECT_EQ(a.next_deadline(), at(90s));
  EXPECT_TRUE(a.handle_timeout(at(90s)).hello_due);
  EXPECT_EQ(a.next_deadline(), at(150s)); // re-armed, not firing in a loop
  EXPECT_EQ(a.counters().hellos_due, 1U);
}

TEST(ReliableTransport, StopCcnLingerKeepsAcknowledgingFor31SecondsThenCloses) {
  reliable_transport b(at(0s));
  b.set_peer_tunnel_id(kTunnelA);
  const auto stop = control_message(kTunnelB, 0, 0, 0, 4, 1); // StopCCN
  EXPECT_EQ(b.receive(stop, at(0s)), receive_outcome::delivered);
  (void)pop_tags(b);
  b.begin_linger(at(0s));
  EXPECT_EQ(b.state(), transport_state::lingering);
  EXPECT_EQ(b.send(control_message(kTunnelA, 0, 0, 0, 6, 1)).code(), errc::transport_closed);
  EXPECT_EQ(drain(b, at(0s)).size(), 1U); // the ZLB for the StopCCN
  // The ZLB was lost: the peer retransmits, the lingering side acknowledges again.
  EXPECT_EQ(b.receive(stop, at(1s)), receive_outcome::duplicate);
  EXPECT_EQ(drain(b, at(1s)).size(), 1U);
  EXPECT_EQ(b.next_deadline(), at(31s));
  EXPECT_FALSE(b.handle_timeout(at(30s)).closed);
  EXPECT_TRUE(b.handle_timeout(at(31s)).closed);
  EXPECT_EQ(b.state(), transport_state::closed);
  EXPECT_EQ(b.receive(stop, at(32s)), receive_outcome::dropped_closed);
  EXPECT_EQ(b.next_deadline(), time_point::max());
}

TEST(ReliableTransport, SequenceNumbersWrapFrom65535ToZero) {
  reliable_transport a(at(0s), transport_limits{16, 16, 512}), b(at(0s), transport_limits{16, 16, 512});
  ASSERT_TRUE(a.set_peer_window(16));
  constexpr std::uint32_t total = 65536 + 300;
  std::uint32_t queued = 0, expect = 0;
  time_point now = at(0s);
  bool saw_wrap = false;
  while (expect < total) {
    while (queued < total && a.unacknowledged() < 16)
      ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, queued++)));
    for (auto &d : drain(a, now)) {
      if (ns_of(d) == 0 && expect > 0) saw_wrap = true;
      ASSERT_EQ(b.receive(d, now), receive_outcome::delivered);
    }
    for (auto t : pop_tags(b)) ASSERT_EQ(t, expect++);
    for (auto &z : drain(b, now)) ASSERT_EQ(a.receive(z, now), receive_outcome::ack_only);
    now += 1ms;
  }
  EXPECT_TRUE(saw_wrap);
  EXPECT_EQ(a.unacknowledged(), 0);
  EXPECT_EQ(b.next_expected_ns(), static_cast<std::uint16_t>(total));
}

// The central invariant over a bad link: both directions deliver every
// message exactly once and in order, whatever is lost, reordered or
// duplicated, as long as the loss rate leaves the retry limit unreached.
class LossyLink : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(LossyLink, EveryMessageDeliveredOnceAndInOrderInBothDirections) {
  const std::uint32_t seed = GetParam();
  sim_link link({0.2, 0.1, 20ms, 300ms}, seed);
  transport_config cfg;
  cfg.max_retransmissions = 12; // at 20% loss, 6 straight losses (0.2^6) would happen in a long run
  std::array<reliable_transport, 2> ep{reliable_transport(at(0s), transport_limits{8, 8, 512}, cfg),
                                       reliable_transport(at(0s), transport_limits{8, 8, 512}, cfg)};
  ep[0].set_peer_tunnel_id(kTunnelB);
  ep[1].set_peer_tunnel_id(kTunnelA);
  ASSERT_TRUE(ep[0].set_peer_window(8));
  ASSERT_TRUE(ep[1].set_peer_window(8));
  constexpr std::uint32_t per_side = 300;
  std::array<std::uint32_t, 2> queued{0, 0}, expect{0, 0};
  time_point now = at(0s);
  std::mt19937 rng(seed ^ 0x5a5aU);
  for (int iter = 0; iter < 200000 && (expect[0] < per_side || expect[1] < per_side); ++iter) {
    for (int s = 0; s < 2; ++s) {
      // The application queues messages in bursts as slots free up.
      while (queued[s] < per_side && ep[s].unacknowledged() < 8 && rng() % 3 != 0)
        ASSERT_TRUE(ep[s].send(control_message(s ? kTunnelA : kTunnelB, 0, 0, 0, 1, queued[s]++)));
      for (auto &d : drain(ep[s], now)) link.send(1 - s, now, d);
    }
    // Advance to the next event: an arrival or a timer.
    time_point next = std::min({link.next_arrival(), ep[0].next_deadline(), ep[1].next_deadline()});
    ASSERT_NE(next, time_point::max());
    now = std::max(now, next);
    for (auto &f : link.arrivals(now)) {
      (void)ep[f.to].receive(f.data, now);
      for (auto t : pop_tags(ep[f.to])) ASSERT_EQ(t, expect[f.to]++) << "seed " << seed;
    }
    for (auto &e : ep) {
      (void)e.handle_timeout(now);
      ASSERT_NE(e.state(), transport_state::failed) << "seed " << seed;
    }
  }
  EXPECT_EQ(expect[0], per_side);
  EXPECT_EQ(expect[1], per_side);
  EXPECT_GT(link.lost(), 0U);
  for (auto &e : ep) {
    EXPECT_GT(e.counters().retransmissions, 0U);
    EXPECT_GT(e.counters().duplicates + e.counters().held_out_of_order, 0U);
    EXPECT_EQ(e.counters().delivered, per_side);
  }
}

INSTANTIATE_TEST_SUITE_P(FixedSeeds, LossyLink, ::testing::Values(1U, 2U, 3U, 42U, 1234U, 99991U));

// The same link, but the peer vanishes: the sender must fail after the retry
// limit, not retry forever.
TEST(ReliableTransport, PeerThatStopsAnsweringIsDeclaredUnreachable) {
  sim_link link({0.0, 0.0, 10ms, 0ms}, 7);
  reliable_transport a(at(0s)), b(at(0s));
  time_point now = at(0s);
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 1, 0)));
  for (auto &d : drain(a, now)) link.send(1, now, d);
  now += 10ms;
  for (auto &f : link.arrivals(now)) (void)b.receive(f.data, now);
  for (auto &d : drain(b, now)) link.send(0, now, d);
  now += 10ms;
  for (auto &f : link.arrivals(now)) (void)a.receive(f.data, now);
  EXPECT_EQ(a.unacknowledged(), 0);
  link.set_loss(1.0); // the peer is gone
  ASSERT_TRUE(a.send(control_message(kTunnelB, 0, 0, 0, 6, 1)));
  bool unreachable = false;
  for (int i = 0; i < 50 && !unreachable; ++i) {
    for (auto &d : drain(a, now)) link.send(1, now, d);
    now = a.next_deadline();
    unreachable = a.handle_timeout(now).peer_unreachable;
  }
  EXPECT_TRUE(unreachable);
  EXPECT_EQ(now, at(20ms + 31s));
}
