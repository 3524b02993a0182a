// Tests of the tunnel and session state machines (RFC 2661 §5, §7):
// two vpnwire endpoints, a LAC and an LNS, over a simulated link (lossless,
// or losing/reordering/duplicating with fixed seeds), with and without a
// shared secret. The wire layer (validate_message) checks every message one
// side builds when the other side receives it; the MD5 of challenge
// responses is OpenSSL's.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "sim_link.hpp"
#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp;
using namespace vpnwire::l2tp::control;
using namespace vpnwire_test;

namespace {

struct seeded_random {
  std::mt19937_64 g;
  explicit seeded_random(std::uint64_t seed) : g(seed) {}
  void fill(mutable_bytes out) noexcept {
    for (auto &b : out) b = static_cast<std::byte>(g() & 0xFF);
  }
};
using test_tunnel = tunnel<crypto::openssl_md5, seeded_random>;

time_point at(duration d) { return time_point{} + d; }

tunnel_config config(role r, std::string_view secret = {}) {
  tunnel_config c;
  c.role = r;
  c.host_name = r == role::lac ? "vpnwire-lac" : "vpnwire-lns";
  c.secret = secret;
  c.max_sessions = 4;
  return c;
}

/// Two tunnels joined by a sim_link; run() moves datagrams and time until
/// nothing is left to do (or a time limit).
struct pair_fixture {
  sim_link link;
  test_tunnel lac;
  test_tunnel lns;
  time_point now = at(0s);
  std::array<std::vector<event>, 2> events;
  std::array<std::vector<bytes>, 2> sent; // every datagram each side emitted

  pair_fixture(tunnel_config a, tunnel_config b, sim_link::impairments imp = {}, std::uint32_t seed = 1)
      : link(imp, seed), lac(a, crypto::openssl_md5{}, seeded_random(seed * 2 + 1), at(0s)),
        lns(b, crypto::openssl_md5{}, seeded_random(seed * 2 + 2), at(0s)) {}

  test_tunnel &side(int i) { return i == 0 ? lac : lns; }
  void flush() {
    std::array<std::byte, 4096> buf{};
    for (int i = 0; i < 2; ++i) {
      for (;;) {
        auto n = side(i).poll_transmit(now, buf);
        ASSERT_TRUE(n.has_value());
        if (*n == 0) break;
        bytes d(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
        sent[static_cast<std::size_t>(i)].push_back(d);
        link.send(1 - i, now, d);
      }
      for (event e; side(i).poll_event(e);) events[static_cast<std::size_t>(i)].push_back(e);
    }
  }
  void run(duration limit = 120s) {
    const time_point end = now + limit;
    flush();
    for (int guard = 0; guard < 100000; ++guard) {
      const time_point next = std::min({link.next_arrival(), lac.next_deadline(), lns.next_deadline()});
      if (next > end || next == time_point::max()) break;
      now = std::max(now, next);
      for (auto &f : link.arrivals(now)) side(f.to).receive(f.data, now);
      for (int i = 0; i < 2; ++i)
        if (side(i).next_deadline() <= now) side(i).handle_timeout(now);
      flush();
      if (link.next_arrival() == time_point::max() && !lac.transport().ack_pending() &&
          !lns.transport().ack_pending() && lac.transport().unacknowledged() == 0 &&
          lns.transport().unacknowledged() == 0)
        break; // quiescent: only HELLO and linger timers remain
    }
  }
  std::vector<event_type> types(int i) const {
    std::vector<event_type> t;
    for (const auto &e : events[static_cast<std::size_t>(i)]) t.push_back(e.type);
    return t;
  }
  const event *find(int i, event_type t) const {
    for (const auto &e : events[static_cast<std::size_t>(i)])
      if (e.type == t) return &e;
    return nullptr;
  }
};

/// The body of every datagram side i sent, validated by the wire layer, by message type.
std::vector<std::uint16_t> message_types(const std::vector<bytes> &sent) {
  std::vector<std::uint16_t> t;
  for (const auto &d : sent) {
    auto h = parse_header(d);
    EXPECT_TRUE(h.has_value());
    auto m = validate_message(h->payload());
    EXPECT_TRUE(m.has_value()) << name(m.code()) << " at " << m.offset();
    if (m && !m->is_zlb()) t.push_back(m->type_value());
  }
  return t;
}

} // namespace

TEST(Tunnel, LacAndLnsEstablishTunnelAndIncomingCall) {
  pair_fixture p(config(role::lac), config(role::lns));
  ASSERT_TRUE(p.lac.open(p.now));
  EXPECT_EQ(p.lac.state(), tunnel_state::wait_ctl_reply);
  p.run();
  ASSERT_EQ(p.lac.state(), tunnel_state::established);
  ASSERT_EQ(p.lns.state(), tunnel_state::established);
  EXPECT_EQ(p.lac.peer_tunnel_id(), p.lns.local_tunnel_id());
  EXPECT_EQ(p.lns.peer_tunnel_id(), p.lac.local_tunnel_id());
  EXPECT_EQ(p.lns.peer_host_name(), "vpnwire-lac");
  EXPECT_EQ(p.lac.peer_host_name(), "vpnwire-lns");
  EXPECT_EQ(p.types(0), std::vector<event_type>{event_type::tunnel_up});
  EXPECT_EQ(p.types(1), std::vector<event_type>{event_type::tunnel_up});

  call_request c;
  c.tx_connect_speed = 54000000;
  c.framing_type = framing::sync;
  c.sequencing_required = true;
  auto sid = p.lac.start_incoming_call(c, p.now);
  ASSERT_TRUE(sid);
  EXPECT_EQ(p.lac.state_of(*sid), session_state::wait_reply);
  p.run();
  EXPECT_EQ(p.lac.state_of(*sid), session_state::established);
  const event *up_lac = p.find(0, event_type::session_up);
  const event *up_lns = p.find(1, event_type::session_up);
  ASSERT_TRUE(up_lac && up_lns);
  EXPECT_EQ(up_lac->session.local_session_id, *sid);
  EXPECT_EQ(up_lac->session.peer_session_id, up_lns->session.local_session_id);
  EXPECT_EQ(up_lns->session.peer_session_id, *sid);
  EXPECT_EQ(up_lns->session.tx_connect_speed, 54000000U);
  EXPECT_EQ(up_lns->session.framing_type, framing::sync);
  EXPECT_TRUE(up_lns->session.sequencing_required);
  EXPECT_TRUE(up_lns->session.incoming);
  EXPECT_EQ(up_lns->session.call_serial_number, up_lac->session.call_serial_number);
  // The exchange, as the wire layer reads it: SCCRQ, SCCCN, ICRQ, ICCN from the LAC; SCCRP, ICRP from the LNS.
  EXPECT_EQ(message_types(p.sent[0]), (std::vector<std::uint16_t>{1, 3, 10, 12}));
  EXPECT_EQ(message_types(p.sent[1]), (std::vector<std::uint16_t>{2, 11}));

  // CDN from the LNS clears the call on both sides.
  ASSERT_TRUE(p.lns.disconnect(up_lns->session.local_session_id, p.now, result_codes::cdn_admin, 0, "bye"));
  p.run();
  EXPECT_EQ(p.lac.state_of(*sid), session_state::unused);
  const event *down = p.find(0, event_type::session_down);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->from, origin::peer);
  EXPECT_EQ(down->result.result, result_codes::cdn_admin);
  EXPECT_EQ(down->result.text(), "bye");
}

TEST(Tunnel, SharedSecretChallengesBothWaysAndHidesSessionAvps) {
  pair_fixture p(config(role::lac, "s3cret"), config(role::lns, "s3cret"));
  ASSERT_TRUE(p.lac.open(p.now));
  p.run();
  ASSERT_EQ(p.lac.state(), tunnel_state::established);
  ASSERT_EQ(p.lns.state(), tunnel_state::established);
  auto sid = p.lac.start_incoming_call(call_request{}, p.now);
  ASSERT_TRUE(sid);
  p.run();
  ASSERT_EQ(p.lac.state_of(*sid), session_state::established);
  // What went on the wire: Challenge in SCCRQ and SCCRP, Challenge Response in
  // SCCRP and SCCCN, and a hidden Assigned Session ID after a Random Vector.
  bool sccrq_challenge = false, sccrp_both = false, scccn_response = false, icrq_hidden = false;
  for (int i = 0; i < 2; ++i)
    for (const auto &d : p.sent[static_cast<std::size_t>(i)]) {
      auto h = parse_header(d);
      auto m = validate_message(h->payload());
      ASSERT_TRUE(m);
      if (m->is_zlb()) continue;
      switch (m->type()) {
      case message_type::sccrq: sccrq_challenge = m->has(avp_type::challenge); break;
      case message_type::sccrp: sccrp_both = m->has(avp_type::challenge) && m->has(avp_type::challenge_response); break;
      case message_type::scccn: scccn_response = m->has(avp_type::challenge_response); break;
      case message_type::icrq:
        icrq_hidden = m->find(avp_type::assigned_session_id)->hidden() && m->has(avp_type::random_vector);
        break;
      default: break;
      }
    }
  EXPECT_TRUE(sccrq_challenge);
  EXPECT_TRUE(sccrp_both);
  EXPECT_TRUE(scccn_response);
  EXPECT_TRUE(icrq_hidden);
  // And the LNS decrypted the hidden session ID correctly.
  const event *up_lns = p.find(1, event_type::session_up);
  ASSERT_TRUE(up_lns);
  EXPECT_EQ(up_lns->session.peer_session_id, *sid);
}

TEST(Tunnel, WrongSecretIsRefusedWithResultCode4) {
  pair_fixture p(config(role::lac, "right"), config(role::lns, "wrong"));
  ASSERT_TRUE(p.lac.open(p.now));
  p.run();
  // The LAC finds the LNS's response to its challenge wrong and stops the tunnel.
  EXPECT_NE(p.lac.state(), tunnel_state::established);
  EXPECT_EQ(p.lac.counters().auth_failures, 1U);
  const event *down = p.find(0, event_type::tunnel_down);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->result.result, result_codes::stopccn_not_authorized);
  const event *peer_down = p.find(1, event_type::tunnel_down);
  ASSERT_TRUE(peer_down);
  EXPECT_EQ(peer_down->from, origin::peer);
  EXPECT_EQ(peer_down->result.result, result_codes::stopccn_not_authorized);
}

TEST(Tunnel, ChallengeWithoutASecretIsRefused) {
  pair_fixture p(config(role::lac, "only-lac"), config(role::lns));
  ASSERT_TRUE(p.lac.open(p.now));
  p.run();
  EXPECT_EQ(p.lns.counters().auth_failures, 1U); // challenged, cannot answer
  const event *down = p.find(0, event_type::tunnel_down);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->from, origin::peer);
  EXPECT_EQ(down->result.result, result_codes::stopccn_not_authorized);
}

TEST(Tunnel, OutgoingCallFromLnsWithSetLinkInfoAndWanError) {
  pair_fixture p(config(role::lac), config(role::lns));
  ASSERT_TRUE(p.lac.open(p.now));
  p.run();
  call_request c;
  c.called_number = as_bytes("5551234");
  c.minimum_bps = 9600;
  c.maximum_bps = 64000;
  c.framing_type = framing::async;
  auto lns_sid = p.lns.start_outgoing_call(c, p.now);
  ASSERT_TRUE(lns_sid);
  p.run();
  ASSERT_TRUE(p.find(0, event_type::outgoing_call_request));
  const event req_copy = *p.find(0, event_type::outgoing_call_request); // events grow: keep a copy
  const event *req = &req_copy;
  EXPECT_EQ(req->session.minimum_bps, 9600U);
  EXPECT_EQ(req->session.maximum_bps, 64000U);
  EXPECT_FALSE(req->session.incoming);
  EXPECT_EQ(p.lns.state_of(*lns_sid), session_state::wait_connect);
  call_request answer;
  answer.tx_connect_speed = 33600;
  ASSERT_TRUE(p.lac.connect_outgoing_call(req->session.local_session_id, answer, p.now));
  p.run();
  EXPECT_EQ(p.lns.state_of(*lns_sid), session_state::established);
  ASSERT_TRUE(p.find(1, event_type::session_up));
  EXPECT_EQ(p.find(1, event_type::session_up)->session.tx_connect_speed, 33600U);
  EXPECT_FALSE(p.find(1, event_type::session_up)->session.incoming);
  ASSERT_TRUE(p.lns.send_set_link_info(*lns_sid, accm_value{0xFFFFFFFF, 0x000A0000}, p.now));
  ASSERT_TRUE(p.lac.send_wan_error(req->session.local_session_id, call_errors_value{1, 2, 3, 4, 5, 6}, p.now));
  p.run();
  const event *sli = p.find(0, event_type::set_link_info);
  ASSERT_TRUE(sli);
  EXPECT_EQ(sli->accm.send, 0xFFFFFFFFU);
  EXPECT_EQ(sli->accm.receive, 0x000A0000U);
  const event *wen = p.find(1, event_type::wan_error);
  ASSERT_TRUE(wen);
  EXPECT_EQ(wen->call_errors.crc_errors, 1U);
  EXPECT_EQ(wen->call_errors.alignment_errors, 6U);
  EXPECT_EQ(message_types(p.sent[1]), (std::vector<std::uint16_t>{2, 7, 16}));
  EXPECT_EQ(message_types(p.sent[0]), (std::vector<std::uint16_t>{1, 3, 8, 9, 15}));
  // Roles are enforced.
  EXPECT_EQ(p.lac.start_outgoing_call(c, p.now).code(), control::errc::wrong_role);
  EXPECT_EQ(p.lns.start_incoming_call(c, p.now).code(), control::errc::wrong_role);
}

TEST(Tunnel, StopCcnClearsSessionsAndLingers) {
  pair_fixture p(config(role::lac), config(role::lns));
  ASSERT_TRUE(p.lac.open(p.now));
  p.run();
  ASSERT_TRUE(p.lac.start_incoming_call(call_request{}, p.now));
  p.run();
  ASSERT_EQ(p.lns.active_sessions(), 1U);
  ASSERT_TRUE(p.lac.close(p.now, result_codes::stopccn_shutting_down, 0, "maintenance"));
  p.run(10s);
  EXPECT_EQ(p.lac.state(), tunnel_state::closing);
  EXPECT_EQ(p.lns.state(), tunnel_state::closing);
  EXPECT_EQ(p.lns.active_sessions(), 0U);
  ASSERT_TRUE(p.find(1, event_type::tunnel_down));
  const event *down = p.find(1, event_type::tunnel_down);
  EXPECT_EQ(down->from, origin::peer);
  EXPECT_EQ(down->result.result, result_codes::stopccn_shutting_down);
  EXPECT_EQ(down->result.text(), "maintenance");
  ASSERT_TRUE(p.find(1, event_type::session_down));
  // 31 s after the StopCCN both sides are closed (nothing is in flight: step the clock).
  EXPECT_EQ(p.lac.transport().unacknowledged(), 0);
  p.now += 31s;
  p.lac.handle_timeout(p.now);
  p.lns.handle_timeout(p.now);
  EXPECT_EQ(p.lac.state(), tunnel_state::closed);
  EXPECT_EQ(p.lns.state(), tunnel_state::closed);
  EXPECT_EQ(p.lac.next_deadline(), time_point::max());
}

TEST(Tunnel, EverythingSurvivesALossyReorderingLink) {
  for (std::uint32_t seed : {3U, 5U, 8U, 13U}) {
    tunnel_config a = config(role::lac, "k"), b = config(role::lns, "k");
    a.timers.max_retransmissions = 10;
    b.timers.max_retransmissions = 10;
    pair_fixture p(a, b, {0.25, 0.1, 20ms, 200ms}, seed);
    ASSERT_TRUE(p.lac.open(p.now));
    p.run(300s);
    ASSERT_EQ(p.lac.state(), tunnel_state::established) << seed;
    ASSERT_EQ(p.lns.state(), tunnel_state::established) << seed;
    std::vector<std::uint16_t> sids;
    for (int i = 0; i < 3; ++i) {
      auto s = p.lac.start_incoming_call(call_request{}, p.now);
      ASSERT_TRUE(s);
      sids.push_back(*s);
    }
    p.run(300s);
    for (auto s : sids) EXPECT_EQ(p.lac.state_of(s), session_state::established) << seed;
    EXPECT_EQ(p.lns.active_sessions(), 3U) << seed;
    // Exactly one session_up per call on each side: nothing delivered twice.
    std::size_t ups = 0;
    for (const auto &e : p.events[1]) ups += e.type == event_type::session_up;
    EXPECT_EQ(ups, 3U) << seed;
    EXPECT_GT(p.link.lost(), 0U) << seed;
  }
}

TEST(Tunnel, UnreachablePeerTakesTheTunnelDown) {
  pair_fixture p(config(role::lac), config(role::lns), {1.0, 0.0, 10ms, 0ms});
  ASSERT_TRUE(p.lac.open(p.now));
  p.flush();
  for (int i = 0; i < 20 && p.lac.state() != tunnel_state::closed; ++i) {
    p.now = p.lac.next_deadline();
    p.lac.handle_timeout(p.now);
    p.flush();
  }
  EXPECT_EQ(p.lac.state(), tunnel_state::closed);
  EXPECT_EQ(p.sent[0].size(), 6U); // SCCRQ and 5 retransmissions
  const event *down = p.find(0, event_type::tunnel_down);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->from, origin::peer_unreachable);
  EXPECT_EQ(p.now, at(31s));
}

TEST(Tunnel, HelloIsSentAfterSixtySecondsOfSilence) {
  pair_fixture p(config(role::lac), config(role::lns));
  ASSERT_TRUE(p.lac.open(p.now));
  p.run();
  const auto before = message_types(p.sent[0]).size();
  const time_point quiet = p.now;
  // Step time by hand: nothing is in flight, the next deadline is the HELLO timer.
  for (int i = 0; i < 4; ++i) {
    p.now = std::min(p.lac.next_deadline(), p.lns.next_deadline());
    p.lac.handle_timeout(p.now);
    p.lns.handle_timeout(p.now);
    p.run(1s);
  }
  auto after = message_types(p.sent[0]);
  ASSERT_GT(after.size(), before);
  EXPECT_EQ(after[before], 6); // HELLO
  EXPECT_GE(p.now - quiet, duration(60s));
  EXPECT_EQ(p.lac.state(), tunnel_state::established);
}

// ---------------------------------------------------------------- hostile peers
// A hand-driven peer: messages built with the wire layer's writer and fed straight in.

namespace {
struct raw_peer {
  std::uint16_t ns = 0, nr = 0;
  std::uint16_t my_tunnel = 4242;
  bytes build(std::uint16_t to_tunnel, std::uint16_t session, message_type t,
              const std::function<void(message_writer &)> &add) {
    bytes b(1024);
    message_writer w(b);
    EXPECT_TRUE(w.begin({to_tunnel, session, ns, nr}, t));
    add(w);
    auto n = w.finish();
    EXPECT_TRUE(n);
    b.resize(*n);
    ns = static_cast<std::uint16_t>(ns + 1);
    return b;
  }
};

/// Drives an LNS-side tunnel (responder) through SCCRQ/SCCCN from a raw peer.
struct responder_fixture {
  test_tunnel lns{config(role::lns), crypto::openssl_md5{}, seeded_random(77), at(0s)};
  raw_peer peer;
  std::vector<event> events;
  std::vector<bytes> out;
  time_point now = at(0s);

  void pump() {
    std::array<std::byte, 2048> buf{};
    for (;;) {
      auto n = lns.poll_transmit(now, buf);
      if (!n || *n == 0) break;
      out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
      // The raw peer acknowledges everything by tracking Nr = their next Ns.
      auto h = parse_header(out.back());
      if (h && !h->is_zlb()) peer.nr = static_cast<std::uint16_t>(h->ns() + 1);
    }
    for (event e; lns.poll_event(e);) events.push_back(e);
  }
  void feed(const bytes &d) {
    lns.receive(d, now);
    pump();
  }
  void establish() {
    feed(peer.build(0, 0, message_type::sccrq, [&](message_writer &w) {
      (void)w.add<avp_type::protocol_version>({1, 0});
      (void)w.add<avp_type::host_name>(as_bytes("raw"));
      (void)w.add<avp_type::framing_capabilities>(3);
      (void)w.add<avp_type::assigned_tunnel_id>(peer.my_tunnel);
    }));
    ASSERT_EQ(lns.state(), tunnel_state::wait_ctl_conn);
    feed(peer.build(lns.local_tunnel_id(), 0, message_type::scccn, [](message_writer &) {}));
    ASSERT_EQ(lns.state(), tunnel_state::established);
  }
};
} // namespace

TEST(TunnelHostile, PeerWindowAbsentIsFourAndZeroIsRefused) {
  responder_fixture f;
  f.establish();
  EXPECT_EQ(f.lns.transport().peer_window(), 4);
  responder_fixture g;
  g.feed(g.peer.build(0, 0, message_type::sccrq, [&](message_writer &w) {
    (void)w.add<avp_type::protocol_version>({1, 0});
    (void)w.add<avp_type::host_name>(as_bytes("raw"));
    (void)w.add<avp_type::framing_capabilities>(3);
    (void)w.add<avp_type::assigned_tunnel_id>(g.peer.my_tunnel);
    (void)w.add<avp_type::receive_window_size>(0);
  }));
  EXPECT_EQ(g.lns.state(), tunnel_state::closing);
  ASSERT_FALSE(g.events.empty());
  EXPECT_EQ(g.events.back().type, event_type::tunnel_down);
  EXPECT_EQ(g.events.back().result.result, result_codes::stopccn_general_error);
  responder_fixture h;
  h.feed(h.peer.build(0, 0, message_type::sccrq, [&](message_writer &w) {
    (void)w.add<avp_type::protocol_version>({1, 0});
    (void)w.add<avp_type::host_name>(as_bytes("raw"));
    (void)w.add<avp_type::framing_capabilities>(3);
    (void)w.add<avp_type::assigned_tunnel_id>(h.peer.my_tunnel);
    (void)w.add<avp_type::receive_window_size>(65535);
  }));
  EXPECT_EQ(h.lns.state(), tunnel_state::wait_ctl_conn);
  EXPECT_EQ(h.lns.transport().peer_window(), 65535);
}

TEST(TunnelHostile, TunnelIdZeroInSccrqIsRefused) {
  responder_fixture f;
  bytes b = f.peer.build(0, 0, message_type::sccrq, [&](message_writer &w) {
    (void)w.add<avp_type::protocol_version>({1, 0});
    (void)w.add<avp_type::host_name>(as_bytes("raw"));
    (void)w.add<avp_type::framing_capabilities>(3);
    (void)w.add_raw(avp_flag::mandatory, 0, 9, bytes{std::byte{0}, std::byte{0}}); // Assigned Tunnel ID 0
  });
  f.feed(b);
  EXPECT_EQ(f.lns.state(), tunnel_state::closing);
  EXPECT_EQ(f.lns.counters().malformed, 1U);
  ASSERT_GE(f.events.size(), 1U);
  EXPECT_EQ(f.events[0].type, event_type::protocol_error);
  EXPECT_EQ(f.events[0].wire_error, l2tp::errc::avp_value_out_of_range);
}

TEST(TunnelHostile, RetransmittedSccrqWithTunnelIdZeroIsAcknowledgedNotReprocessed) {
  responder_fixture f;
  const bytes sccrq = f.peer.build(0, 0, message_type::sccrq, [&](message_writer &w) {
    (void)w.add<avp_type::protocol_version>({1, 0});
    (void)w.add<avp_type::host_name>(as_bytes("raw"));
    (void)w.add<avp_type::framing_capabilities>(3);
    (void)w.add<avp_type::assigned_tunnel_id>(f.peer.my_tunnel);
  });
  f.feed(sccrq);
  ASSERT_EQ(f.lns.state(), tunnel_state::wait_ctl_conn);
  const auto sent = f.out.size();
  f.feed(sccrq); // our SCCRP was lost: the peer retransmits, still to Tunnel ID 0
  EXPECT_EQ(f.lns.counters().wrong_tunnel_id, 0U);
  EXPECT_EQ(f.lns.transport().counters().duplicates, 1U);
  ASSERT_EQ(f.out.size(), sent + 1); // a ZLB acknowledging it, no second SCCRP
  EXPECT_TRUE(parse_header(f.out.back())->is_zlb());
  EXPECT_EQ(f.lns.state(), tunnel_state::wait_ctl_conn);
}

TEST(TunnelHostile, MessagesToAnotherTunnelIdAreDropped) {
  responder_fixture f;
  f.establish();
  f.feed(f.peer.build(static_cast<std::uint16_t>(f.lns.local_tunnel_id() + 1), 0, message_type::hello,
                      [](message_writer &) {}));
  EXPECT_EQ(f.lns.counters().wrong_tunnel_id, 1U);
}

TEST(TunnelHostile, StopCcnWithMismatchedAssignedTunnelIdIsIgnored) {
  responder_fixture f;
  f.establish();
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 0, message_type::stopccn, [&](message_writer &w) {
    (void)w.add<avp_type::assigned_tunnel_id>(static_cast<std::uint16_t>(f.peer.my_tunnel + 1));
    (void)w.add<avp_type::result_code>({1, false, 0, {}});
  }));
  EXPECT_EQ(f.lns.state(), tunnel_state::established);
  EXPECT_EQ(f.lns.counters().stopccn_id_mismatch, 1U);
  // It was still acknowledged (the transport delivered it once).
  EXPECT_EQ(f.lns.transport().next_expected_ns(), f.peer.ns);
  // The right one closes.
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 0, message_type::stopccn, [&](message_writer &w) {
    (void)w.add<avp_type::assigned_tunnel_id>(f.peer.my_tunnel);
    (void)w.add<avp_type::result_code>({1, false, 0, {}});
  }));
  EXPECT_EQ(f.lns.state(), tunnel_state::closing);
}

TEST(TunnelHostile, HelloCarryingASessionIdIsAcknowledgedAndCounted) {
  responder_fixture f;
  f.establish();
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 77, message_type::hello, [](message_writer &) {}));
  EXPECT_EQ(f.lns.counters().hello_with_session_id, 1U);
  EXPECT_EQ(f.lns.state(), tunnel_state::established);
  ASSERT_FALSE(f.out.empty());
  auto h = parse_header(f.out.back());
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->is_zlb());
  EXPECT_EQ(h->nr(), f.peer.ns);
}

TEST(TunnelHostile, SessionIdZeroAndUnknownSessionsAreRefused) {
  responder_fixture f;
  f.establish();
  // ICRQ with Assigned Session ID 0: the wire layer rejects it; no session is created.
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 0, message_type::icrq, [](message_writer &w) {
    (void)w.add_raw(avp_flag::mandatory, 0, 14, bytes{std::byte{0}, std::byte{0}});
    (void)w.add<avp_type::call_serial_number>(1);
  }));
  EXPECT_EQ(f.lns.active_sessions(), 0U);
  EXPECT_EQ(f.lns.counters().malformed, 1U);
  EXPECT_EQ(f.lns.state(), tunnel_state::established);
  // ICCN for a session that does not exist.
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 999, message_type::iccn, [](message_writer &w) {
    (void)w.add<avp_type::tx_connect_speed>(1);
    (void)w.add<avp_type::framing_type>(1);
  }));
  EXPECT_EQ(f.lns.counters().unknown_session, 1U);
  // A proper ICRQ works, and the session table bound holds.
  for (std::uint16_t i = 1; i <= 5; ++i)
    f.feed(f.peer.build(f.lns.local_tunnel_id(), 0, message_type::icrq, [&](message_writer &w) {
      (void)w.add<avp_type::assigned_session_id>(i);
      (void)w.add<avp_type::call_serial_number>(i);
    }));
  EXPECT_EQ(f.lns.active_sessions(), 4U); // max_sessions
  EXPECT_EQ(f.lns.counters().sessions_refused, 1U);
  auto last = parse_header(f.out.back());
  auto m = validate_message(last->payload());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), message_type::cdn); // the refusal
  EXPECT_EQ(last->session_id(), 5);
}

TEST(TunnelHostile, UnexpectedMessagesForTheStateAreCountedNotObeyed) {
  responder_fixture f;
  // ICRQ before the tunnel exists.
  f.feed(f.peer.build(0, 0, message_type::icrq, [](message_writer &w) {
    (void)w.add<avp_type::assigned_session_id>(1);
    (void)w.add<avp_type::call_serial_number>(1);
  }));
  EXPECT_EQ(f.lns.counters().unexpected, 1U);
  EXPECT_EQ(f.lns.active_sessions(), 0U);
}

TEST(TunnelHostile, UnknownMandatoryAvpClearsTheTunnelWithResult2Error8) {
  responder_fixture f;
  f.establish();
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 0, message_type::hello,
                      [](message_writer &w) { (void)w.add_raw(avp_flag::mandatory, 0x1234, 1, bytes{std::byte{1}}); }));
  EXPECT_EQ(f.lns.state(), tunnel_state::closing);
  const event &down = f.events.back();
  EXPECT_EQ(down.type, event_type::tunnel_down);
  EXPECT_EQ(down.result.result, result_codes::stopccn_general_error);
  EXPECT_EQ(down.result.error, result_codes::error_unknown_mandatory_avp);
}

TEST(TieBreaker, LowerWinsEqualDropsBothPresentBeatsAbsent) {
  EXPECT_EQ(resolve_tie(1, 2), tie_outcome::keep_ours);
  EXPECT_EQ(resolve_tie(2, 1), tie_outcome::keep_theirs);
  EXPECT_EQ(resolve_tie(7, 7), tie_outcome::drop_both);
  EXPECT_EQ(resolve_tie(std::nullopt, 7), tie_outcome::keep_theirs);
  EXPECT_EQ(resolve_tie(7, std::nullopt), tie_outcome::keep_ours);
  EXPECT_EQ(resolve_tie(std::nullopt, std::nullopt), tie_outcome::no_tie);
}

TEST(TieBreaker, ResponderReportsThePeersTieBreaker) {
  pair_fixture p(config(role::lac), config(role::lns));
  ASSERT_TRUE(p.lac.open(p.now));
  p.run();
  ASSERT_TRUE(p.lns.peer_tie_breaker().has_value());
  EXPECT_EQ(*p.lns.peer_tie_breaker(), p.lac.tie_breaker());
}

TEST(TieBreaker, InspectSccrqSettlesTwoSimultaneousTunnels) {
  // Two LACs open tunnels to each other at once; each inspects the other's
  // SCCRQ and compares Tie Breakers: exactly one side keeps its own tunnel.
  test_tunnel a(config(role::lac), crypto::openssl_md5{}, seeded_random(1), at(0s));
  test_tunnel b(config(role::lac), crypto::openssl_md5{}, seeded_random(2), at(0s));
  ASSERT_TRUE(a.open(at(0s)));
  ASSERT_TRUE(b.open(at(0s)));
  std::array<std::byte, 1024> buf{};
  auto na = a.poll_transmit(at(0s), buf);
  ASSERT_TRUE(na && *na > 0);
  const bytes from_a(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*na));
  auto nb = b.poll_transmit(at(0s), buf);
  ASSERT_TRUE(nb && *nb > 0);
  const bytes from_b(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*nb));
  auto ia = inspect_sccrq(from_a);
  auto ib = inspect_sccrq(from_b);
  ASSERT_TRUE(ia && ib);
  ASSERT_TRUE(ia->tie_breaker && ib->tie_breaker);
  EXPECT_EQ(*ia->tie_breaker, a.tie_breaker());
  EXPECT_EQ(to_hex(ia->host_name), to_hex(as_bytes("vpnwire-lac")));
  const auto at_a = resolve_tie(a.tie_breaker(), ib->tie_breaker);
  const auto at_b = resolve_tie(b.tie_breaker(), ia->tie_breaker);
  ASSERT_NE(a.tie_breaker(), b.tie_breaker());
  EXPECT_TRUE((at_a == tie_outcome::keep_ours && at_b == tie_outcome::keep_theirs) ||
              (at_a == tie_outcome::keep_theirs && at_b == tie_outcome::keep_ours));
  // Equal values: both give up.
  EXPECT_EQ(resolve_tie(a.tie_breaker(), ia->tie_breaker), tie_outcome::drop_both);
  // Not an SCCRQ / malformed.
  const auto a_zlb = zlb(1, 0, 0); // a named datagram: inspect_sccrq refuses temporaries
  EXPECT_EQ(inspect_sccrq(a_zlb).code(), control::errc::not_an_sccrq);
  auto bad = from_a;
  bad[13] = std::byte{0x03}; // Message Type AVP length 3
  auto r = inspect_sccrq(bad);
  EXPECT_EQ(r.code(), control::errc::malformed_message);
  EXPECT_EQ(r.offset(), 12U);
}

TEST(TunnelApi, EveryApiErrorIsTypedAndChangesNothing) {
  pair_fixture p(config(role::lac), config(role::lns));
  EXPECT_EQ(p.lac.start_incoming_call(call_request{}, p.now).code(), control::errc::wrong_state); // no tunnel yet
  ASSERT_TRUE(p.lac.open(p.now));
  EXPECT_EQ(p.lac.open(p.now).code(), control::errc::wrong_state);
  p.run();
  ASSERT_EQ(p.lac.state(), tunnel_state::established);
  EXPECT_EQ(p.lac.disconnect(12345, p.now).code(), control::errc::unknown_session);
  EXPECT_EQ(p.lac.send_wan_error(12345, {}, p.now).code(), control::errc::unknown_session);
  EXPECT_EQ(p.lac.connect_outgoing_call(12345, {}, p.now).code(), control::errc::unknown_session);
  std::vector<std::uint16_t> sids;
  for (int i = 0; i < 4; ++i) {
    auto s = p.lac.start_incoming_call(call_request{}, p.now);
    ASSERT_TRUE(s);
    sids.push_back(*s);
  }
  EXPECT_EQ(p.lac.start_incoming_call(call_request{}, p.now).code(), control::errc::session_table_full);
  // Not established yet (ICRP outstanding): WEN is refused; an incoming call cannot be "connected" as outgoing.
  EXPECT_EQ(p.lac.send_wan_error(sids[0], {}, p.now).code(), control::errc::wrong_state);
  EXPECT_EQ(p.lac.connect_outgoing_call(sids[0], {}, p.now).code(), control::errc::wrong_state);
  EXPECT_EQ(p.lns.send_set_link_info(sids[0], {}, p.now).code(), control::errc::unknown_session);
  EXPECT_EQ(p.lac.send_set_link_info(sids[0], {}, p.now).code(), control::errc::wrong_role);
  EXPECT_EQ(p.lns.send_wan_error(sids[0], {}, p.now).code(), control::errc::wrong_role);
  EXPECT_EQ(p.lns.connect_outgoing_call(sids[0], {}, p.now).code(), control::errc::wrong_role);
  EXPECT_EQ(p.lac.active_sessions(), 4U);
  ASSERT_TRUE(p.lac.close(p.now));
  EXPECT_EQ(p.lac.close(p.now).code(), control::errc::wrong_state);
  EXPECT_EQ(p.lac.active_sessions(), 0U);
  // A message that cannot fit the transport's max_message: the writer refuses it.
  tunnel_config tiny = config(role::lac);
  tiny.transport.max_message = 40;
  test_tunnel t(tiny, crypto::openssl_md5{}, seeded_random(9), at(0s));
  EXPECT_EQ(t.open(at(0s)).code(), control::errc::build_failed);
  EXPECT_EQ(t.state(), tunnel_state::idle);
}

TEST(TunnelApi, EveryErrorCodeHasAName) {
  for (int e = 0; e <= static_cast<int>(control::errc::malformed_message); ++e)
    EXPECT_NE(control::name(static_cast<control::errc>(e)), "unknown") << e;
  for (int e = 0; e <= static_cast<int>(event_type::protocol_error); ++e)
    EXPECT_NE(control::name(static_cast<event_type>(e)), "unknown") << e;
  for (int s = 0; s <= static_cast<int>(tunnel_state::closed); ++s)
    EXPECT_NE(control::name(static_cast<tunnel_state>(s)), "unknown") << s;
}

// 15.4: the tunnel answers rejected messages with the library's mapping
// (l2tp::result_code_for and l2tp::clears in error_action.hpp).
namespace {
/// The Result Code AVP of the last message of `type` the LNS sent.
std::optional<result_code_value> last_result(const std::vector<bytes> &out, message_type type) {
  for (auto it = out.rbegin(); it != out.rend(); ++it) {
    auto h = parse_header(*it);
    if (!h || h->is_zlb()) continue;
    auto m = validate_message(h->payload());
    if (!m || m->type() != type) continue;
    auto rc = m->get<avp_type::result_code>();
    if (rc) return *rc;
  }
  return std::nullopt;
}
} // namespace

TEST(TunnelHostile, BrokenSetupMessageClearsTheTunnelWithTheMappedResultCode) {
  responder_fixture f;
  bytes b = f.peer.build(0, 0, message_type::sccrq, [&](message_writer &w) {
    (void)w.add<avp_type::protocol_version>({1, 0});
    (void)w.add<avp_type::host_name>(as_bytes("raw"));
    (void)w.add_raw(avp_flag::mandatory, 0, 3, bytes{std::byte{0}, std::byte{3}}); // Framing Capabilities of 2 bytes
    (void)w.add<avp_type::assigned_tunnel_id>(f.peer.my_tunnel);
  });
  f.feed(b);
  EXPECT_EQ(f.lns.state(), tunnel_state::closing);
  ASSERT_GE(f.events.size(), 2U);
  EXPECT_EQ(f.events[0].wire_error, l2tp::errc::avp_value_length);
  EXPECT_EQ(f.events.back().type, event_type::tunnel_down);
  EXPECT_EQ(f.events.back().result.result, 2);
  EXPECT_EQ(f.events.back().result.error, 2); // "Length is wrong"
  const auto rc = last_result(f.out, message_type::stopccn);
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->result, l2tp::result_code_for(l2tp::errc::avp_value_length).result);
  EXPECT_EQ(rc->error, l2tp::result_code_for(l2tp::errc::avp_value_length).error);
}

TEST(TunnelHostile, BrokenSessionMessageClearsOnlyTheSession) {
  responder_fixture f;
  f.establish();
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 0, message_type::icrq, [](message_writer &w) {
    (void)w.add<avp_type::assigned_session_id>(31);
    (void)w.add<avp_type::call_serial_number>(1);
  }));
  ASSERT_EQ(f.lns.active_sessions(), 1U);
  // The LNS's ICRP names its session; the ICCN is sent to it with a
  // Tx Connect Speed out of the catalogue's size.
  auto icrp = validate_message(parse_header(f.out.back())->payload());
  ASSERT_TRUE(icrp);
  const std::uint16_t ours = *icrp->get<avp_type::assigned_session_id>();
  f.feed(f.peer.build(f.lns.local_tunnel_id(), ours, message_type::iccn, [](message_writer &w) {
    (void)w.add_raw(avp_flag::mandatory, 0, 24, bytes{std::byte{1}, std::byte{2}, std::byte{3}});
    (void)w.add<avp_type::framing_type>(1);
  }));
  EXPECT_EQ(f.lns.state(), tunnel_state::established);
  EXPECT_EQ(f.lns.active_sessions(), 0U);
  const auto rc = last_result(f.out, message_type::cdn);
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->result, 2);
  EXPECT_EQ(rc->error, 2);
  // A broken tunnel message once established is reported, not obeyed: the tunnel stays.
  f.feed(f.peer.build(f.lns.local_tunnel_id(), 0, message_type::hello, [](message_writer &w) {
    (void)w.add_raw(avp_flag::mandatory, 0, 36, {}); // Random Vector of length 0
  }));
  EXPECT_EQ(f.lns.state(), tunnel_state::established);
  EXPECT_EQ(f.events.back().type, event_type::protocol_error);
  EXPECT_EQ(f.events.back().wire_error, l2tp::errc::avp_value_too_short);
  EXPECT_EQ(f.events.back().result.error, 2);
}
