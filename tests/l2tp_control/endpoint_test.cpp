// Tests of the endpoint (several tunnels, Tunnel ID demultiplexing, local
// Tunnel ID allocation, automatic tie breaking per RFC 2661 §4.4.3): vpnwire
// endpoints exchanging datagrams over the simulated link of sim_link.hpp
// (lossless, or losing/duplicating/reordering under fixed seeds). The
// expected outcomes come from §4.4.3: the lower Tie Breaker wins, a side
// without one loses to a side with one, equal values discard both tunnels,
// and without any Tie Breaker both tunnels proceed.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/control/endpoint.hpp"

#include "sim_link.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp;
using namespace vpnwire::l2tp::control;
using namespace vpnwire_test;

namespace {

/// A handle to one generator (copies share it, as endpoint requires).
struct shared_random {
  std::mt19937_64 *g = nullptr;
  void fill(mutable_bytes out) noexcept {
    for (auto &b : out) b = static_cast<std::byte>((*g)() & 0xFF);
  }
};

time_point at(duration d) { return time_point{} + d; }

peer_key key_of(int node) {
  const std::string s = "node-" + std::to_string(node);
  return peer_key::from(as_bytes(std::string_view(s)));
}

endpoint_config config(role r, bool tie_breaker = true) {
  endpoint_config c;
  c.tunnel.role = r;
  c.tunnel.host_name = r == role::lac ? "vpnwire-lac" : "vpnwire-lns";
  c.tunnel.max_sessions = 4;
  c.tunnel.send_tie_breaker = tie_breaker;
  return c;
}

/// Endpoints joined by one sim_link; node i is known to the others as key_of(i).
/// A datagram from i to j travels with `to` = i * 1000 + j.
template <std::size_t N> struct mesh {
  using ep = endpoint<crypto::openssl_md5, shared_random, N>;
  sim_link link;
  std::vector<std::unique_ptr<std::mt19937_64>> gens;
  std::vector<std::unique_ptr<ep>> nodes;
  std::vector<std::vector<typename ep::tagged_event>> events;
  std::vector<std::vector<bytes>> sent; // every datagram each node emitted
  time_point now = at(0s);

  explicit mesh(std::vector<endpoint_config> cfgs, sim_link::impairments imp = {}, std::uint32_t seed = 1)
      : link(imp, seed) {
    for (std::size_t i = 0; i < cfgs.size(); ++i) {
      gens.push_back(std::make_unique<std::mt19937_64>(seed * 100 + i));
      nodes.push_back(std::make_unique<ep>(cfgs[i], crypto::openssl_md5{}, shared_random{gens.back().get()}, now));
      events.emplace_back();
      sent.emplace_back();
    }
  }
  ep &operator[](std::size_t i) { return *nodes[i]; }
  int index_of(const peer_key &k) const {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (key_of(static_cast<int>(i)) == k) return static_cast<int>(i);
    return -1;
  }
  void flush() {
    std::array<std::byte, 4096> buf{};
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      for (;;) {
        auto d = nodes[i]->poll_transmit(now, buf);
        ASSERT_TRUE(d.has_value());
        if (d->size == 0) break;
        const int to = index_of(d->peer);
        ASSERT_GE(to, 0);
        sent[i].emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(d->size));
        link.send(static_cast<int>(i) * 1000 + to, now, bytes_view(buf).first(d->size));
      }
      for (typename ep::tagged_event e; nodes[i]->poll_event(e);) events[i].push_back(e);
    }
  }
  void run(duration limit) {
    const time_point end = now + limit;
    flush();
    for (int guard = 0; guard < 200000; ++guard) {
      time_point next = link.next_arrival();
      for (auto &n : nodes) next = std::min(next, n->next_deadline());
      if (next > end || next == time_point::max()) break;
      now = std::max(now, next);
      for (auto &f : link.arrivals(now))
        nodes[static_cast<std::size_t>(f.to % 1000)]->receive(key_of(f.to / 1000), f.data, now);
      for (auto &n : nodes)
        if (n->next_deadline() <= now) n->handle_timeout(now);
      flush();
    }
    now = std::max(now, end);
  }
  /// (local ID, peer's ID) of node i's established tunnels to node j.
  std::vector<std::pair<std::uint16_t, std::uint16_t>> established(std::size_t i, std::size_t j) {
    std::array<std::uint16_t, N> ids{};
    const std::size_t n = nodes[i]->tunnel_ids(ids);
    std::vector<std::pair<std::uint16_t, std::uint16_t>> out;
    for (std::size_t k = 0; k < n; ++k) {
      const auto *t = nodes[i]->find(ids[k]);
      if (t && t->state() == tunnel_state::established && nodes[i]->peer_of(ids[k]) == key_of(static_cast<int>(j)))
        out.emplace_back(t->local_tunnel_id(), t->peer_tunnel_id());
    }
    return out;
  }
  std::size_t count(std::size_t i, event_type t, tie_outcome tie = tie_outcome::no_tie) const {
    return static_cast<std::size_t>(std::count_if(events[i].begin(), events[i].end(),
                                                  [&](const auto &e) { return e.ev.type == t && e.tie == tie; }));
  }
};

using pair_mesh = mesh<8>;

/// Both ends open a tunnel to each other at the same instant.
struct simultaneous {
  std::optional<std::uint64_t> tb_a, tb_b; // nullopt: that side sends no Tie Breaker
};

pair_mesh open_simultaneously(const simultaneous &s, std::uint16_t &id_a, std::uint16_t &id_b,
                              sim_link::impairments imp = {}, std::uint32_t seed = 1) {
  pair_mesh m({config(role::lac, s.tb_a.has_value()), config(role::lns, s.tb_b.has_value())}, imp, seed);
  auto a = m[0].open(key_of(1), m.now, s.tb_a.value_or(0));
  auto b = m[1].open(key_of(0), m.now, s.tb_b.value_or(0));
  EXPECT_TRUE(a && b);
  id_a = a ? *a : 0;
  id_b = b ? *b : 0;
  return m;
}

/// Checks that exactly one tunnel is established, initiated by `winner`
/// (0 or 1), that both sides agree on its IDs, and the loser's events and counters.
void expect_single_tunnel(pair_mesh &m, int winner, std::uint16_t winner_id, std::uint16_t loser_id) {
  const std::size_t w = static_cast<std::size_t>(winner), l = 1 - w;
  const auto at_w = m.established(w, l);
  const auto at_l = m.established(l, w);
  ASSERT_EQ(at_w.size(), 1u);
  ASSERT_EQ(at_l.size(), 1u);
  EXPECT_EQ(at_w[0].first, winner_id);      // the winner's own initiating tunnel survived
  EXPECT_EQ(at_w[0].second, at_l[0].first); // both sides agree on the IDs
  EXPECT_EQ(at_l[0].second, at_w[0].first);
  EXPECT_NE(at_l[0].first, 0);
  EXPECT_EQ(m[w].counters().tie_won, 1u);
  EXPECT_EQ(m[w].counters().tie_lost, 0u);
  EXPECT_EQ(m[l].counters().tie_lost, 1u);
  EXPECT_EQ(m[l].counters().tie_won, 0u);
  EXPECT_EQ(m[l].counters().new_tunnels, 1u);
  EXPECT_EQ(m[w].counters().new_tunnels, 0u);
  // The loser reported its discarded tunnel, tagged, and nothing else went down.
  ASSERT_EQ(m.count(l, event_type::tunnel_down, tie_outcome::keep_theirs), 1u);
  for (const auto &e : m.events[l]) {
    if (e.tie == tie_outcome::keep_theirs) {
      EXPECT_EQ(e.local_tunnel_id, loser_id);
    }
  }
  EXPECT_EQ(m.count(l, event_type::tunnel_down), 0u);
  EXPECT_EQ(m.count(w, event_type::tunnel_down), 0u);
  EXPECT_EQ(m.count(w, event_type::tunnel_up), 1u);
  EXPECT_EQ(m.count(l, event_type::tunnel_up), 1u);
  EXPECT_EQ(m[l].find(loser_id), nullptr);
}

} // namespace

TEST(EndpointTieBreaker, LowerValueWinsAndTheLoserAnswersThePeersSccrq) {
  std::uint16_t a = 0, b = 0;
  auto m = open_simultaneously({1, 2}, a, b);
  m.run(20s);
  expect_single_tunnel(m, 0, a, b);
  // A late copy of the losing SCCRQ cannot open a second tunnel: its Tie
  // Breaker is remembered (the loser discarded that tunnel long ago).
  ASSERT_FALSE(m.sent[1].empty());
  ASSERT_EQ(m.sent[1][0][11], std::byte{0}); // B's first datagram: its SCCRQ (Tunnel ID 0)
  m[0].receive(key_of(1), m.sent[1][0], m.now);
  EXPECT_EQ(m[0].counters().tie_remembered, 1u);
  EXPECT_EQ(m[0].counters().new_tunnels, 0u);
  EXPECT_EQ(m[0].tunnels_in_use(), 1u);
}

TEST(EndpointTieBreaker, HigherValueLosesItsOwnTunnel) {
  std::uint16_t a = 0, b = 0;
  auto m = open_simultaneously({0xFFFF'FFFF'FFFF'FFFFull, 0x8000'0000'0000'0000ull}, a, b);
  m.run(20s);
  expect_single_tunnel(m, 1, b, a);
}

TEST(EndpointTieBreaker, ASideWithoutTieBreakerLosesToOneWithIt) {
  std::uint16_t a = 0, b = 0;
  // A sends none; B's value is the highest possible and still wins.
  auto m = open_simultaneously({std::nullopt, 0xFFFF'FFFF'FFFF'FFFFull}, a, b);
  m.run(20s);
  expect_single_tunnel(m, 1, b, a);
  std::uint16_t c = 0, d = 0;
  auto m2 = open_simultaneously({0, std::nullopt}, c, d);
  m2.run(20s);
  expect_single_tunnel(m2, 0, c, d);
}

TEST(EndpointTieBreaker, EqualValuesDiscardBothTunnelsAndARetryWithNewValuesSucceeds) {
  std::uint16_t a = 0, b = 0;
  auto m = open_simultaneously({42, 42}, a, b);
  m.run(60s);
  EXPECT_TRUE(m.established(0, 1).empty());
  EXPECT_TRUE(m.established(1, 0).empty());
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(m[i].counters().tie_equal, 1u) << i;
    EXPECT_EQ(m[i].counters().new_tunnels, 0u) << i;
    EXPECT_EQ(m.count(i, event_type::tunnel_down, tie_outcome::drop_both), 1u) << i;
    EXPECT_EQ(m.count(i, event_type::tunnel_up), 0u) << i;
    EXPECT_EQ(m[i].tunnels_in_use(), 0u) << i;
  }
  // The application retries (new random Tie Breakers): exactly one tunnel.
  auto ra = m[0].open(key_of(1), m.now);
  auto rb = m[1].open(key_of(0), m.now);
  ASSERT_TRUE(ra && rb);
  m.run(20s);
  const auto at_a = m.established(0, 1);
  const auto at_b = m.established(1, 0);
  ASSERT_EQ(at_a.size(), 1u);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_a[0].second, at_b[0].first);
  EXPECT_EQ(m[0].counters().tie_won + m[1].counters().tie_won, 1u);
  EXPECT_EQ(m[0].counters().tie_lost + m[1].counters().tie_lost, 1u);
}

TEST(EndpointTieBreaker, EqualValuesOverALossyLinkNeverBringATunnelUp) {
  // With loss, one side may learn of the tie long before the other, and the
  // other keeps retransmitting its SCCRQ: the tied value must stay refused.
  sim_link::impairments imp;
  imp.loss = 0.3;
  imp.duplicate = 0.2;
  imp.jitter = 400ms;
  for (std::uint32_t seed = 1; seed <= 8; ++seed) {
    std::uint16_t a = 0, b = 0;
    auto m = open_simultaneously({77, 77}, a, b, imp, seed);
    m.run(60s);
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(m.established(i, 1 - i).empty()) << "seed " << seed;
      EXPECT_EQ(m.count(i, event_type::tunnel_up), 0u) << "seed " << seed;
      EXPECT_EQ(m[i].counters().tie_won + m[i].counters().tie_lost, 0u) << "seed " << seed;
    }
    EXPECT_GE(m[0].counters().tie_equal + m[1].counters().tie_equal, 1u) << "seed " << seed;
  }
}

TEST(EndpointTieBreaker, WithASharedSecretTheWinnerAuthenticatesAndTheLoserStaysSilent) {
  // Challenge/response in both directions on the surviving tunnel; the
  // loser's discarded tunnel never sends its StopCCN.
  auto ca = config(role::lac), cb = config(role::lns);
  ca.tunnel.secret = "tie-secret";
  cb.tunnel.secret = "tie-secret";
  pair_mesh m({ca, cb});
  auto a = m[0].open(key_of(1), m.now, 0x10);
  auto b = m[1].open(key_of(0), m.now, 0x20);
  ASSERT_TRUE(a && b);
  m.run(20s);
  expect_single_tunnel(m, 0, *a, *b);
  for (const auto &d : m.sent[1]) {
    auto h = parse_header(d);
    ASSERT_TRUE(h.has_value());
    auto v = validate_message(h->payload());
    ASSERT_TRUE(v.has_value());
    if (!v->is_zlb()) {
      EXPECT_NE(v->type_value(), static_cast<std::uint16_t>(message_type::stopccn));
    }
  }
  EXPECT_EQ(m[0].find(*a)->counters().auth_failures, 0u);
}

TEST(EndpointTieBreaker, WithoutAnyTieBreakerBothTunnelsProceed) {
  std::uint16_t a = 0, b = 0;
  auto m = open_simultaneously({std::nullopt, std::nullopt}, a, b);
  m.run(20s);
  EXPECT_EQ(m[0].counters().tie_none, 1u);
  EXPECT_EQ(m[1].counters().tie_none, 1u);
  EXPECT_EQ(m.established(0, 1).size(), 2u); // ours and the one answering the peer
  EXPECT_EQ(m.established(1, 0).size(), 2u);
}

TEST(EndpointTieBreaker, ExactlyOneTunnelOverALossyDuplicatingReorderingLink) {
  sim_link::impairments imp;
  imp.loss = 0.2;
  imp.duplicate = 0.15;
  imp.jitter = 400ms;
  for (std::uint32_t seed = 1; seed <= 8; ++seed) {
    std::uint16_t a = 0, b = 0;
    std::mt19937_64 g(seed);
    const std::uint64_t ta = g(), tb = g();
    auto m = open_simultaneously({ta, tb}, a, b, imp, seed);
    m.run(45s);
    const int winner = ta < tb ? 0 : 1;
    const std::size_t w = static_cast<std::size_t>(winner), l = 1 - w;
    const auto at_w = m.established(w, l);
    const auto at_l = m.established(l, w);
    ASSERT_EQ(at_w.size(), 1u) << "seed " << seed;
    ASSERT_EQ(at_l.size(), 1u) << "seed " << seed;
    EXPECT_EQ(at_w[0].first, winner == 0 ? a : b) << "seed " << seed;
    EXPECT_EQ(at_w[0].second, at_l[0].first) << "seed " << seed;
    EXPECT_EQ(at_l[0].second, at_w[0].first) << "seed " << seed;
    EXPECT_EQ(m[l].counters().tie_won, 0u) << "seed " << seed;
    EXPECT_EQ(m[w].counters().tie_lost, 0u) << "seed " << seed;
    EXPECT_EQ(m.count(w, event_type::tunnel_down), 0u) << "seed " << seed;
  }
}

TEST(EndpointTable, SccrqBeyondCapacityIsCountedAndAcceptedOnceASlotIsFree) {
  using hub_t = endpoint<crypto::openssl_md5, shared_random, 2>;
  std::mt19937_64 g(7);
  hub_t hub(config(role::lns), crypto::openssl_md5{}, shared_random{&g}, at(0s));
  pair_mesh clients({config(role::lac), config(role::lac), config(role::lac)});
  std::array<std::byte, 4096> buf{};
  std::array<std::uint16_t, 3> ids{};
  for (std::size_t i = 0; i < 3; ++i) {
    auto r = clients[i].open(key_of(9), at(0s));
    ASSERT_TRUE(r);
    ids[i] = *r;
    auto d = clients[i].poll_transmit(at(0s), buf);
    ASSERT_TRUE(d && d->size > 0);
    hub.receive(key_of(static_cast<int>(i)), bytes_view(buf).first(d->size), at(0s));
  }
  EXPECT_EQ(hub.tunnels_in_use(), 2u);
  EXPECT_EQ(hub.counters().new_tunnels, 2u);
  EXPECT_EQ(hub.counters().table_full, 1u);
  EXPECT_EQ(hub.open(key_of(5), at(0s)).code(), control::errc::tunnel_table_full);
  // Two SCCRPs, nothing for the third client (it will retransmit).
  int sccrps = 0;
  for (;;) {
    auto d = hub.poll_transmit(at(0s), buf);
    ASSERT_TRUE(d);
    if (d->size == 0) break;
    EXPECT_NE(d->peer, key_of(2));
    ++sccrps;
  }
  EXPECT_EQ(sccrps, 2);
  // Close one tunnel; after the 31 s linger and its events the slot is free.
  std::array<std::uint16_t, 2> live{};
  ASSERT_EQ(hub.tunnel_ids(live), 2u);
  ASSERT_TRUE(hub.close(live[0], at(1s)));
  EXPECT_EQ(hub.close(live[0], at(1s)).code(), control::errc::wrong_state);
  EXPECT_EQ(hub.close(0, at(1s)).code(), control::errc::unknown_tunnel);
  time_point now = at(1s);
  while (hub.next_deadline() <= at(40s)) {
    now = hub.next_deadline();
    hub.handle_timeout(now);
    while (auto d = hub.poll_transmit(now, buf)) {
      if (d->size == 0) break;
    }
  }
  for (hub_t::tagged_event e; hub.poll_event(e);) {
  }
  hub.handle_timeout(now);
  // One closed by us, the other unanswered (its SCCRP hit the retry limit at 31 s).
  EXPECT_EQ(hub.tunnels_in_use(), 0u);
  EXPECT_EQ(hub.counters().tunnels_freed, 2u);
  EXPECT_EQ(hub.find(live[0]), nullptr);
  // The third client's SCCRQ (retransmitted) now gets a tunnel.
  clients[2].handle_timeout(at(1s));
  auto d = clients[2].poll_transmit(at(1s), buf);
  ASSERT_TRUE(d && d->size > 0);
  hub.receive(key_of(2), bytes_view(buf).first(d->size), now);
  EXPECT_EQ(hub.counters().new_tunnels, 3u);
  EXPECT_EQ(hub.tunnels_in_use(), 1u);
}

TEST(EndpointTable, TunnelIdsAreNeverZeroAndUniqueUnderChurnEvenWithAPoorRandomSource) {
  // A random source that only ever yields the bytes 0 and 1: most drawn IDs
  // are 0 or collide, so allocation must fall back to its scan.
  struct poor_random {
    std::mt19937 *g = nullptr;
    void fill(mutable_bytes out) noexcept {
      for (auto &b : out) b = static_cast<std::byte>((*g)() & 1);
    }
  };
  using ep_t = endpoint<crypto::openssl_md5, poor_random, 8>;
  std::mt19937 g(3);
  ep_t ep(config(role::lac), crypto::openssl_md5{}, poor_random{&g}, at(0s));
  std::mt19937 ops(11);
  time_point now = at(0s);
  std::array<std::byte, 4096> buf{};
  std::set<std::uint16_t> seen;
  for (int step = 0; step < 3000; ++step) {
    const bool full = ep.tunnels_in_use() == ep_t::capacity;
    if (ops() % 3 != 0) {
      auto r = ep.open(key_of(static_cast<int>(ops() % 5)), now);
      if (full) {
        EXPECT_EQ(r.code(), control::errc::tunnel_table_full);
      } else {
        ASSERT_TRUE(r);
        EXPECT_NE(*r, 0);
        seen.insert(*r);
      }
    } else {
      std::array<std::uint16_t, 8> ids{};
      const std::size_t n = ep.tunnel_ids(ids);
      if (n > 0) (void)ep.close(ids[ops() % n], now);
      now += 32s; // past the linger (and past the retry limit of unanswered SCCRQs)
      ep.handle_timeout(now);
    }
    while (auto d = ep.poll_transmit(now, buf)) {
      if (d->size == 0) break;
    }
    for (ep_t::tagged_event e; ep.poll_event(e);) {
    }
    std::array<std::uint16_t, 8> ids{};
    const std::size_t n = ep.tunnel_ids(ids);
    ASSERT_EQ(n, ep.tunnels_in_use());
    std::set<std::uint16_t> unique(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
    ASSERT_EQ(unique.size(), n) << "step " << step;
    ASSERT_EQ(unique.count(0), 0u) << "step " << step;
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_NE(ep.find(ids[k]), nullptr);
      EXPECT_EQ(ep.find(ids[k])->local_tunnel_id(), ids[k]);
    }
  }
  EXPECT_GE(seen.size(), 8u); // eight at once at least, most from the fallback scan
  EXPECT_GT(ep.counters().tunnels_freed, 100u);
}

TEST(EndpointDemux, UnknownIdsAndHostileDatagramsAreCountedAndNeverAnswered) {
  std::uint16_t a = 0, b = 0;
  auto m = open_simultaneously({1, 2}, a, b);
  m.run(20s);
  ASSERT_EQ(m.established(1, 0).size(), 1u);
  auto &ep = m[1];
  const std::uint16_t live = m.established(1, 0)[0].first;
  const std::uint16_t unknown = live == 1 ? 2 : 1;
  ASSERT_EQ(ep.find(unknown), nullptr);
  const auto before = ep.counters();
  const peer_key from = key_of(0);

  ep.receive(from, zlb(unknown, 0, 0), m.now);                      // unknown Tunnel ID
  ep.receive(from, control_message(unknown, 0, 0, 0, 6, 1), m.now); // HELLO to an unknown tunnel
  ep.receive(from, zlb(0, 0, 0), m.now);                            // Tunnel ID 0, not an SCCRQ
  ep.receive(from, control_message(0, 0, 0, 0, 6, 2), m.now);       // HELLO with Tunnel ID 0
  ep.receive(
      from,
      bytes{std::byte{0x00}, std::byte{0x02}, std::byte{0}, std::byte{1}, std::byte{0}, std::byte{1}, std::byte{0xFF}},
      m.now);                                                         // data message
  ep.receive(from, bytes{std::byte{0xC8}}, m.now);                    // truncated header
  ep.receive(key_of(7), control_message(live, 0, 1, 1, 6, 3), m.now); // right ID, wrong peer
  const auto &c = ep.counters();
  EXPECT_EQ(c.unknown_tunnel_id - before.unknown_tunnel_id, 2u);
  EXPECT_EQ(c.zero_id_not_sccrq - before.zero_id_not_sccrq, 2u);
  EXPECT_EQ(c.not_control - before.not_control, 1u);
  EXPECT_EQ(c.malformed - before.malformed, 1u);
  EXPECT_EQ(c.peer_mismatch - before.peer_mismatch, 1u);
  EXPECT_EQ(c.delivered, before.delivered);
  EXPECT_EQ(c.datagrams - before.datagrams, 7u);
  std::array<std::byte, 4096> buf{};
  auto d = ep.poll_transmit(m.now, buf);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 0u); // nothing answered
  EXPECT_EQ(ep.tunnels_in_use(), 1u);
  // A datagram for the live tunnel from its peer is delivered.
  ep.receive(from, zlb(live, 0, 0), m.now);
  EXPECT_EQ(ep.counters().delivered, before.delivered + 1);
}

TEST(EndpointDemux, SccrqWithNonZeroNsCreatesNoTunnelAndRetransmissionsReachTheFirstTunnel) {
  pair_mesh m({config(role::lac), config(role::lns)});
  auto r = m[0].open(key_of(1), m.now);
  ASSERT_TRUE(r);
  std::array<std::byte, 4096> buf{};
  auto d = m[0].poll_transmit(m.now, buf);
  ASSERT_TRUE(d && d->size > 0);
  bytes sccrq(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(d->size));
  bytes ns5 = sccrq;
  ns5[9] = std::byte{5}; // Ns = 5: not the first message of a connection
  m[1].receive(key_of(0), ns5, m.now);
  EXPECT_EQ(m[1].counters().malformed_sccrq, 1u);
  EXPECT_EQ(m[1].tunnels_in_use(), 0u);
  // The real one creates a tunnel; its retransmission goes to that tunnel.
  m[1].receive(key_of(0), sccrq, m.now);
  m[1].receive(key_of(0), sccrq, m.now);
  EXPECT_EQ(m[1].counters().new_tunnels, 1u);
  EXPECT_EQ(m[1].counters().sccrq_duplicates, 1u);
  EXPECT_EQ(m[1].tunnels_in_use(), 1u);
  // The same SCCRQ from another peer key is another peer's tunnel.
  m[1].receive(key_of(3), sccrq, m.now);
  EXPECT_EQ(m[1].counters().new_tunnels, 2u);
  // An endpoint that accepts no SCCRQ.
  auto cfg = config(role::lac);
  cfg.accept_sccrq = false;
  std::mt19937_64 g(1);
  endpoint<crypto::openssl_md5, shared_random, 2> closed(cfg, crypto::openssl_md5{}, shared_random{&g}, m.now);
  closed.receive(key_of(0), sccrq, m.now);
  EXPECT_EQ(closed.counters().sccrq_refused, 1u);
  EXPECT_EQ(closed.tunnels_in_use(), 0u);
}

TEST(EndpointDemux, ReplyFromAnotherPortReaddressesTheTunnel) {
  // §8.1: the recipient of an SCCRQ may answer from another UDP port. Node 1
  // is reached at key_of(1) but answers as key_of(2) (a relabelling in the test).
  pair_mesh m({config(role::lac), config(role::lns), config(role::lns)});
  auto r = m[0].open(key_of(1), m.now);
  ASSERT_TRUE(r);
  std::array<std::byte, 4096> buf{};
  auto d = m[0].poll_transmit(m.now, buf);
  ASSERT_TRUE(d && d->size > 0);
  m[1].receive(key_of(0), bytes_view(buf).first(d->size), m.now);
  auto reply = m[1].poll_transmit(m.now, buf);
  ASSERT_TRUE(reply && reply->size > 0);
  m[0].receive(key_of(2), bytes_view(buf).first(reply->size), m.now);
  EXPECT_EQ(m[0].counters().peer_changed, 1u);
  EXPECT_EQ(m[0].peer_of(*r), key_of(2));
  EXPECT_EQ(m[0].find(*r)->state(), tunnel_state::established);
  // Now key_of(1) is a stranger for this tunnel.
  m[0].receive(key_of(1), zlb(*r, 0, 1), m.now);
  EXPECT_EQ(m[0].counters().peer_mismatch, 1u);
}

TEST(EndpointMany, ManyTunnelsToDifferentPeersOverALossyLink) {
  // One LNS hub (node 0) and 10 LACs; every LAC opens a tunnel to the hub,
  // the hub opens one to each of three LACs too, and every LAC places a call.
  constexpr std::size_t lacs = 10;
  sim_link::impairments imp;
  imp.loss = 0.15;
  imp.duplicate = 0.1;
  imp.jitter = 300ms;
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<endpoint_config> cfgs{config(role::lns, false)};
    for (std::size_t i = 0; i < lacs; ++i) cfgs.push_back(config(role::lac, false)); // no Tie Breaker: both proceed
    mesh<16> m(cfgs, imp, seed);
    for (std::size_t i = 1; i <= lacs; ++i) ASSERT_TRUE(m[i].open(key_of(0), m.now));
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(m[0].open(key_of(i), m.now));
    m.run(30s);
    std::size_t hub_total = 0;
    for (std::size_t i = 1; i <= lacs; ++i) {
      const auto at_lac = m.established(i, 0);
      const auto at_hub = m.established(0, i);
      const std::size_t expected = i <= 3 ? 2 : 1;
      ASSERT_EQ(at_lac.size(), expected) << "seed " << seed << " lac " << i;
      ASSERT_EQ(at_hub.size(), expected) << "seed " << seed << " lac " << i;
      hub_total += at_hub.size();
      for (const auto &[local, peer] : at_lac) {
        EXPECT_TRUE(std::count(at_hub.begin(), at_hub.end(), std::make_pair(peer, local)) == 1)
            << "seed " << seed << " lac " << i;
        ASSERT_TRUE(m[i].find(local)->start_incoming_call({}, m.now));
      }
    }
    EXPECT_EQ(hub_total, lacs + 3);
    EXPECT_EQ(m[0].tunnels_in_use(), lacs + 3);
    EXPECT_EQ(m[0].counters().unknown_tunnel_id, 0u);
    m.run(30s);
    std::size_t sessions_at_hub = 0;
    for (const auto &e : m.events[0])
      if (e.ev.type == event_type::session_up) ++sessions_at_hub;
    EXPECT_EQ(sessions_at_hub, lacs + 3) << "seed " << seed;
    for (std::size_t i = 1; i <= lacs; ++i)
      EXPECT_EQ(m.count(i, event_type::session_up), i <= 3 ? 2u : 1u) << "seed " << seed << " lac " << i;
  }
}

TEST(EndpointApi, NewErrorCodesHaveNames) {
  EXPECT_EQ(control::name(control::errc::tunnel_table_full), "tunnel_table_full");
  EXPECT_EQ(control::name(control::errc::unknown_tunnel), "unknown_tunnel");
  const peer_key k = peer_key::from(as_bytes(std::string_view("0123456789abcdef0123456789abcdefXYZ")));
  EXPECT_EQ(k.size, peer_key::capacity);
  EXPECT_EQ(k.view().size(), 32u);
  EXPECT_NE(peer_key::from(as_bytes(std::string_view("ab"))), peer_key::from(as_bytes(std::string_view("abc"))));
}

namespace {

/// Traffic that leaves an endpoint with something in every table: tunnels
/// both ways with a Tie Breaker clash, calls, a close, over an impaired link.
void exercise(pair_mesh &m) {
  ASSERT_TRUE(m[0].open(key_of(1), m.now, 5).has_value());
  ASSERT_TRUE(m[1].open(key_of(0), m.now, 5).has_value()); // equal values: both discarded, remembered
  ASSERT_TRUE(m[0].open(key_of(1), m.now).has_value());
  ASSERT_TRUE(m[1].open(key_of(0), m.now).has_value());
  m.run(20s);
  for (const auto &[id, peer_id] : m.established(0, 1)) {
    (void)peer_id;
    if (auto *t = m[0].find(id)) (void)t->start_incoming_call({}, m.now);
  }
  for (const auto &[id, peer_id] : m.established(1, 0)) {
    (void)peer_id;
    if (auto *t = m[1].find(id)) (void)t->start_outgoing_call({}, m.now);
  }
  m.run(10s);
  const auto up = m.established(1, 0);
  if (!up.empty()) (void)m[1].close(up.front().first, m.now);
  ASSERT_TRUE(m[0].open(key_of(1), m.now).has_value());
  m.run(15s);
}

bool same_counters(const endpoint_counters &a, const endpoint_counters &b) {
  return a.datagrams == b.datagrams && a.delivered == b.delivered && a.new_tunnels == b.new_tunnels &&
         a.sccrq_duplicates == b.sccrq_duplicates && a.tunnels_opened == b.tunnels_opened &&
         a.tunnels_freed == b.tunnels_freed && a.malformed == b.malformed && a.not_control == b.not_control &&
         a.unknown_tunnel_id == b.unknown_tunnel_id && a.peer_mismatch == b.peer_mismatch &&
         a.peer_changed == b.peer_changed && a.zero_id_not_sccrq == b.zero_id_not_sccrq &&
         a.malformed_sccrq == b.malformed_sccrq && a.sccrq_refused == b.sccrq_refused && a.table_full == b.table_full &&
         a.tie_won == b.tie_won && a.tie_lost == b.tie_lost && a.tie_equal == b.tie_equal && a.tie_none == b.tie_none &&
         a.tie_remembered == b.tie_remembered && a.events_dropped == b.events_dropped &&
         a.establish_timeouts == b.establish_timeouts;
}

} // namespace

// reset() keeps the memory and forgets everything else: after it, with the
// random source in the same state, an endpoint sends byte for byte what a
// newly constructed one sends, and reports the same events and counters.
TEST(EndpointReset, AnswersExactlyAsANewEndpointWithTheSameRandomSource) {
  const sim_link::impairments imp{0.2, 0.1, 10ms, 40ms};
  pair_mesh used({config(role::lac), config(role::lns)}, imp, 3);
  exercise(used);
  for (std::size_t i = 0; i < 2; ++i) ASSERT_GT(used[i].counters().datagrams, 0u);
  ASSERT_GT(used[0].tunnels_in_use() + used[1].tunnels_in_use(), 0u); // there is something to forget
  ASSERT_GT(used[0].counters().tie_equal + used[1].counters().tie_equal, 0u);
  for (std::size_t i = 0; i < 2; ++i) {
    used[i].reset();
    EXPECT_EQ(used[i].tunnels_in_use(), 0u);
    EXPECT_EQ(used[i].next_deadline(), time_point::max());
    std::array<std::byte, 4096> buf{};
    auto d = used[i].poll_transmit(used.now, buf);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->size, 0u); // queued datagrams are gone: nothing is sent
    pair_mesh::ep::tagged_event e;
    EXPECT_FALSE(used[i].poll_event(e));
    EXPECT_TRUE(same_counters(used[i].counters(), endpoint_counters{}));
  }

  pair_mesh fresh({config(role::lac), config(role::lns)}, imp, 3);
  for (std::size_t i = 0; i < 2; ++i) {
    used.gens[i]->seed(900 + i);
    fresh.gens[i]->seed(900 + i);
    used.events[i].clear();
    used.sent[i].clear();
  }
  used.link = sim_link(imp, 11);
  fresh.link = sim_link(imp, 11);
  fresh.now = used.now;
  exercise(used);
  exercise(fresh);
  ASSERT_GT(fresh.count(0, event_type::tunnel_up) + fresh.count(1, event_type::tunnel_up), 0u);
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_GT(fresh.sent[i].size(), 10u);
    EXPECT_TRUE(used.sent[i] == fresh.sent[i]);
    EXPECT_TRUE(same_counters(used[i].counters(), fresh[i].counters()));
    ASSERT_EQ(used.events[i].size(), fresh.events[i].size());
    for (std::size_t k = 0; k < used.events[i].size(); ++k) {
      EXPECT_EQ(used.events[i][k].local_tunnel_id, fresh.events[i][k].local_tunnel_id);
      EXPECT_EQ(used.events[i][k].ev.type, fresh.events[i][k].ev.type);
      EXPECT_EQ(used.events[i][k].tie, fresh.events[i][k].tie);
    }
    std::array<std::uint16_t, 8> a{}, b{};
    const std::size_t na = used[i].tunnel_ids(a);
    ASSERT_EQ(na, fresh[i].tunnel_ids(b));
    EXPECT_TRUE(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(na), b.begin()));
  }
}
