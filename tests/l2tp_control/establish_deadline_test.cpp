// The establishment deadline (tunnel_config::establish_timeout): the exact
// situation the endpoint load test found at 30% loss, reproduced step by step
// between two real tunnels. An initiator whose SCCRQ the responder
// acknowledged with a ZLB, but whose SCCRP never arrives (the responder gives
// up and forgets the tunnel), has nothing outstanding: without the deadline it
// waits in wait_ctl_reply forever. Likewise a responder whose SCCRP was
// acknowledged by a ZLB while the SCCCN never arrives, in wait_ctl_conn.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp;
using namespace vpnwire::l2tp::control;
using namespace std::chrono_literals;

namespace {

struct seeded_random {
  std::mt19937_64 g;
  explicit seeded_random(std::uint64_t seed) : g(seed) {}
  void fill(mutable_bytes out) noexcept {
    for (auto &b : out) b = static_cast<std::byte>(g() & 0xFF);
  }
};
using test_tunnel = tunnel<crypto::openssl_md5, seeded_random>;

tunnel_config config(role r) {
  tunnel_config c;
  c.role = r;
  c.host_name = r == role::lac ? "vpnwire-lac" : "vpnwire-lns";
  return c;
}

/// The message type of a datagram; 0 for a ZLB.
std::uint16_t type_of(bytes_view d) {
  auto h = parse_header(d);
  EXPECT_TRUE(h.has_value());
  if (!h || h->is_zlb()) return 0;
  auto m = validate_message(h->payload());
  EXPECT_TRUE(m.has_value());
  return m ? m->type_value() : 0xFFFF;
}
constexpr auto zlb = std::uint16_t{0};
constexpr auto sccrq = static_cast<std::uint16_t>(message_type::sccrq);
constexpr auto sccrp = static_cast<std::uint16_t>(message_type::sccrp);
constexpr auto stopccn = static_cast<std::uint16_t>(message_type::stopccn);

/// What the link does with a datagram.
enum class fate { deliver, drop, ack_only };

/// A LAC (initiator) and an LNS (responder) joined by a link that decides
/// each datagram's fate by `pass(from, type)`: delivered instantly, dropped,
/// or lost with only its acknowledgement reaching the peer, as the ZLB the
/// sender would send for it (same Nr, next Ns).
struct scenario {
  explicit scenario(const tunnel_config &lac_config = config(role::lac))
      : lac(lac_config, crypto::openssl_md5{}, seeded_random(3), time_point{}),
        lns(config(role::lns), crypto::openssl_md5{}, seeded_random(4), time_point{}) {}
  test_tunnel lac;
  test_tunnel lns;
  time_point now{};
  std::function<fate(int, std::uint16_t)> pass;
  std::array<std::vector<std::uint16_t>, 2> sent, delivered; // message types, per sender
  std::array<std::vector<event>, 2> events;

  test_tunnel &side(int i) { return i == 0 ? lac : lns; }
  void flush() {
    std::array<std::byte, 4096> buf{};
    for (bool moved = true; moved;) {
      moved = false;
      for (int i = 0; i < 2; ++i) {
        for (;;) {
          auto n = side(i).poll_transmit(now, buf);
          ASSERT_TRUE(n.has_value());
          if (*n == 0) break;
          const bytes_view d = bytes_view(buf).first(*n);
          const std::uint16_t t = type_of(d);
          sent[static_cast<std::size_t>(i)].push_back(t);
          const fate f = pass(i, t);
          if (f == fate::drop) continue;
          std::array<std::byte, control_header_size> ack{};
          bytes_view out = d;
          if (f == fate::ack_only) {
            auto h = parse_header(d);
            ASSERT_TRUE(h.has_value());
            message_writer w(ack);
            auto z = w.begin_zlb(control_fields{h->tunnel_id(), 0, static_cast<std::uint16_t>(h->ns() + 1), h->nr()})
                         .finish();
            ASSERT_TRUE(z.has_value());
            out = bytes_view(ack).first(*z);
          }
          delivered[static_cast<std::size_t>(i)].push_back(type_of(out));
          side(1 - i).receive(out, now);
          moved = true;
        }
        for (event e; side(i).poll_event(e);) events[static_cast<std::size_t>(i)].push_back(e);
      }
    }
  }
  /// Runs every timer due up to `until`.
  void run_until(time_point until) {
    flush();
    for (int guard = 0; guard < 10000; ++guard) {
      const time_point next = std::min(lac.next_deadline(), lns.next_deadline());
      if (next > until) break;
      now = std::max(now, next);
      for (int i = 0; i < 2; ++i)
        if (side(i).next_deadline() <= now) side(i).handle_timeout(now);
      flush();
    }
    now = until;
  }
  [[nodiscard]] std::size_t count(int i, event_type t) const {
    std::size_t n = 0;
    for (const auto &e : events[static_cast<std::size_t>(i)]) n += e.type == t ? 1 : 0;
    return n;
  }
  [[nodiscard]] const event *down(int i) const {
    for (const auto &e : events[static_cast<std::size_t>(i)])
      if (e.type == event_type::tunnel_down) return &e;
    return nullptr;
  }
};

TEST(EstablishDeadline, DefaultIsTwiceTheRetransmissionBudget) {
  EXPECT_EQ(retransmission_budget(transport_config{}), 31s); // 1+2+4+8+8+8, RFC 2661 §5.8 defaults
  transport_config fast;
  fast.initial_timeout = 100ms;
  fast.max_timeout = 300ms;
  fast.max_retransmissions = 3;
  EXPECT_EQ(retransmission_budget(fast), 100ms + 200ms + 300ms + 300ms);
}

TEST(EstablishDeadline, InitiatorWhoseSccrqWasAckedByAZlbButNeverGotAnSccrpClosesAtTheDeadline) {
  scenario s;
  // LAC -> LNS: everything. LNS -> LAC: every SCCRP is lost, only the ZLB
  // acknowledging the SCCRQ arrives.
  s.pass = [](int from, std::uint16_t t) {
    return from == 0 ? fate::deliver : t == sccrp ? fate::ack_only : fate::drop;
  };
  ASSERT_TRUE(s.lac.open(s.now).has_value());
  s.run_until(time_point{} + 40s);
  // The LNS gave up on its SCCRP (peer_unreachable) and forgot the tunnel...
  ASSERT_EQ(s.lns.state(), tunnel_state::closed);
  ASSERT_NE(s.down(1), nullptr);
  EXPECT_EQ(s.down(1)->from, origin::peer_unreachable);
  // ...after acknowledging the SCCRQ with a ZLB: the LAC has nothing outstanding.
  ASSERT_FALSE(s.delivered[1].empty());
  EXPECT_EQ(s.delivered[1].front(), zlb);
  EXPECT_EQ(s.lac.transport().unacknowledged(), 0u);
  EXPECT_EQ(s.lac.state(), tunnel_state::wait_ctl_reply);
  EXPECT_EQ(s.lac.next_deadline(), time_point{} + 62s); // the deadline is what wakes it

  s.run_until(time_point{} + 62s - 1ms);
  EXPECT_EQ(s.lac.state(), tunnel_state::wait_ctl_reply);
  EXPECT_EQ(s.down(0), nullptr);
  s.run_until(time_point{} + 62s);
  EXPECT_EQ(s.lac.state(), tunnel_state::closing);
  EXPECT_EQ(s.lac.counters().establish_timeouts, 1u);
  ASSERT_NE(s.down(0), nullptr);
  EXPECT_EQ(s.down(0)->from, origin::local);
  EXPECT_EQ(s.down(0)->result.result, result_codes::stopccn_general_error);
  EXPECT_EQ(s.down(0)->result.text(), establish_timeout_reason);
  EXPECT_EQ(s.count(0, event_type::tunnel_down), 1u);
  // The LNS's Assigned Tunnel ID was never learnt: no StopCCN (nothing could address it).
  for (auto t : s.sent[0]) EXPECT_EQ(t, sccrq);
  // The slot is freed after the linger.
  s.run_until(time_point{} + 62s + 31s);
  EXPECT_EQ(s.lac.state(), tunnel_state::closed);
  EXPECT_EQ(s.count(0, event_type::tunnel_down), 1u);
}

TEST(EstablishDeadline, ResponderWhoseSccrpWasAckedByAZlbButNeverGotAnScccnClosesAtTheDeadlineWithStopCcn) {
  scenario s;
  // LNS -> LAC: everything. LAC -> LNS: the SCCRQ; every SCCCN is lost, only
  // the ZLB acknowledging the SCCRP arrives.
  s.pass = [](int from, std::uint16_t t) {
    return from == 1 || t == sccrq                                ? fate::deliver
           : t == static_cast<std::uint16_t>(message_type::scccn) ? fate::ack_only
                                                                  : fate::drop;
  };
  ASSERT_TRUE(s.lac.open(s.now).has_value());
  s.run_until(time_point{} + 40s);
  // The LAC came up, its SCCCN never got through: it gave up and forgot the tunnel...
  ASSERT_EQ(s.lac.state(), tunnel_state::closed);
  ASSERT_NE(s.down(0), nullptr);
  EXPECT_EQ(s.down(0)->from, origin::peer_unreachable);
  EXPECT_EQ(s.count(0, event_type::tunnel_up), 1u);
  // ...after acknowledging the SCCRP with a ZLB: the LNS has nothing outstanding.
  ASSERT_GE(s.delivered[0].size(), 2u);
  EXPECT_EQ(s.delivered[0][0], sccrq);
  EXPECT_EQ(s.delivered[0][1], zlb);
  EXPECT_EQ(s.lns.transport().unacknowledged(), 0u);
  EXPECT_EQ(s.lns.state(), tunnel_state::wait_ctl_conn);
  EXPECT_EQ(s.lns.next_deadline(), time_point{} + 62s);

  s.run_until(time_point{} + 62s - 1ms);
  EXPECT_EQ(s.lns.state(), tunnel_state::wait_ctl_conn);
  s.run_until(time_point{} + 62s);
  EXPECT_EQ(s.lns.state(), tunnel_state::closing);
  EXPECT_EQ(s.lns.counters().establish_timeouts, 1u);
  ASSERT_NE(s.down(1), nullptr);
  EXPECT_EQ(s.down(1)->from, origin::local);
  EXPECT_EQ(s.down(1)->result.text(), establish_timeout_reason);
  // RFC 2661 §7.2: clearing a connection the peer knows of is a StopCCN.
  EXPECT_EQ(s.sent[1].back(), stopccn);
  EXPECT_EQ(s.count(1, event_type::tunnel_down), 1u);
  EXPECT_EQ(s.count(1, event_type::tunnel_up), 0u);
}

TEST(EstablishDeadline, AnEstablishedTunnelIsNotAffectedAndAConfiguredValueIsUsed) {
  tunnel_config c = config(role::lac);
  c.establish_timeout = 5s;
  scenario s(c);
  s.pass = [](int, std::uint16_t) { return fate::deliver; };
  ASSERT_TRUE(s.lac.open(s.now).has_value());
  s.run_until(time_point{} + 120s);
  EXPECT_EQ(s.lac.state(), tunnel_state::established);
  EXPECT_EQ(s.lns.state(), tunnel_state::established);
  EXPECT_EQ(s.lac.counters().establish_timeouts + s.lns.counters().establish_timeouts, 0u);
  // A configured deadline: nothing from the LNS arrives, 5 s later the LAC stops.
  scenario q(c);
  q.pass = [](int from, std::uint16_t) { return from == 0 ? fate::deliver : fate::drop; };
  ASSERT_TRUE(q.lac.open(q.now).has_value());
  q.run_until(time_point{} + 5s - 1ms);
  EXPECT_EQ(q.lac.state(), tunnel_state::wait_ctl_reply);
  q.run_until(time_point{} + 5s);
  EXPECT_EQ(q.lac.state(), tunnel_state::closing);
  EXPECT_EQ(q.lac.counters().establish_timeouts, 1u);
}

} // namespace
