// The tunnel encapsulation step end to end, with real ESP (OpenSSL backend):
//  - every inner size around the limits gets the action the rules name, and
//    every outer packet sent fits the path (or is flagged to fragment);
//  - the receiving SA (esp::inbound_sa) decrypts each outer packet back to
//    the exact inner packet;
//  - a router on a narrower path answers our outer packet with an RFC 792
//    Fragmentation Needed (the library's builder); the tunnel's tracker
//    lowers the path MTU, and the next large inner packet with DF is
//    answered with the right ICMP error, while one without DF is
//    fragmented first (ip::fragmenter) and every fragment fits;
//  - 6-in-4 below 1280 and 6-in-6 over UDP (NAT-T) follow RFC 8200 §5 and
//    RFC 8200 §8.1 (a real UDP checksum over IPv6);
//  - tshark (oracle) dissects every outer packet and reply: DF bit, ESP SPI
//    and sequence number, IPv6 next header, UDP checksum status, the ICMP and
//    ICMPv6 MTU of the replies.
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"
#include "vpnwire/tunnel/outbound_tunnel.hpp"
#include "vpnwire/tunnel/outer_fragmenter.hpp"

#include "../ppp/interop_support.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;
using tunnel::address;
using tunnel::encap_action;
using tunnel::ip_family;

namespace {

const address local4 = address::v4(0xC000020A), remote4 = address::v4(0xCB007114);
const address host4 = address::v4(0x0A000002), server4 = address::v4(0x0A010005);

address v6(std::uint8_t net, std::uint8_t last, std::uint8_t first = 0x20) {
  std::array<std::byte, 16> a{};
  a[0] = static_cast<std::byte>(first);
  a[1] = std::byte{0x01};
  a[2] = std::byte{0x0d};
  a[3] = std::byte{0xb8};
  a[5] = static_cast<std::byte>(net);
  a[15] = static_cast<std::byte>(last);
  return address::v6(a);
}

using crypto_t = esp::crypto::openssl_transform;

esp::sa_config gcm(bool natt) {
  esp::sa_config c;
  c.spi = 0x0BADCAFE;
  c.udp_encap = natt;
  return c;
}

crypto_t keyed(const esp::sa_config &c) {
  const std::vector<std::byte> key(c.cipher_key_size(), std::byte{0x42});
  return crypto_t::make(c, key, {}).value();
}

tunnel::outbound_tunnel<crypto_t> make_tunnel(const esp::sa_config &sa, const address &local, const address &remote,
                                              ip_family inner, std::size_t first_hop,
                                              tunnel::df_policy df = tunnel::df_policy::copy) {
  tunnel::pmtu_config cfg;
  cfg.stack.link_mtu = first_hop;
  cfg.stack.outer = local.family;
  cfg.stack.inner = inner;
  cfg.stack.esp = sa;
  cfg.local = local;
  cfg.remote = remote;
  auto tracker = tunnel::pmtu_tracker::create(cfg).value();
  return tunnel::outbound_tunnel<crypto_t>(esp::outbound_sa<crypto_t>(sa, keyed(sa)), tracker, {df});
}

std::vector<std::byte> inner4(std::size_t size, bool df) {
  std::vector<std::byte> p(size);
  ip::ipv4_fields f;
  f.dont_fragment = df;
  f.protocol = 17;
  f.identification = static_cast<std::uint16_t>(size);
  f.source = host4.v4_value();
  f.destination = server4.v4_value();
  (void)ip::build_ipv4_header(p, f, size - 20);
  for (std::size_t i = 20; i < size; ++i) p[i] = static_cast<std::byte>(i * 3);
  return p;
}

std::vector<std::byte> inner6(std::size_t size) {
  std::vector<std::byte> p(size);
  ip::ipv6_fields h;
  h.next_header = 17;
  h.hop_limit = 64;
  h.source = v6(1, 2, 0xfd).bytes;
  h.destination = v6(2, 5, 0xfd).bytes;
  (void)ip::build_ipv6_header(p, h, size - 40);
  for (std::size_t i = 40; i < size; ++i) p[i] = static_cast<std::byte>(i * 5);
  return p;
}

struct sent_packet {
  std::vector<std::byte> bytes;
  encap_action action;
};

// Encapsulates one inner packet; returns the outer packet (empty when not sent).
std::vector<std::byte> encapsulate(tunnel::outbound_tunnel<crypto_t> &tx, const std::vector<std::byte> &inner,
                                   time_point now, tunnel::encap_result &r) {
  std::vector<std::byte> buf(tx.headroom() + inner.size() + tx.tailroom());
  std::copy(inner.begin(), inner.end(), buf.begin() + static_cast<std::ptrdiff_t>(tx.headroom()));
  auto res = tx.encapsulate(buf, inner.size(), now);
  EXPECT_TRUE(res) << tunnel::name(res.code());
  r = res.value_or(tunnel::encap_result{});
  buf.resize(r.size);
  return buf;
}

// The receiver: decrypts an outer packet and checks it carries `inner`.
void expect_decrypts_to(const esp::sa_config &sa, std::vector<std::byte> outer, const std::vector<std::byte> &inner) {
  esp::inbound_sa<crypto_t> rx(sa, keyed(sa));
  const std::size_t ip = (std::to_integer<unsigned>(outer[0]) >> 4) == 4 ? 20 : 40;
  const std::size_t udp = sa.udp_encap ? 8 : 0;
  auto d = rx.decap(mutable_bytes(outer).subspan(ip + udp));
  ASSERT_TRUE(d) << esp::name(d.code());
  ASSERT_GE(d->payload.size(), inner.size());
  EXPECT_TRUE(std::equal(inner.begin(), inner.end(), d->payload.begin()));
  EXPECT_EQ(d->next_header, (std::to_integer<unsigned>(inner[0]) >> 4) == 4 ? 4 : 41);
}

const time_point t0 = from_nanoseconds(5'000'000'000);

} // namespace

class OutboundTunnel : public ::testing::Test {
protected:
  static void TearDownTestSuite() {
    if (captured().empty() || !ppp_interop::have_tool("tshark")) return;
    check_with_tshark();
  }
  static std::vector<std::pair<std::vector<std::byte>, std::map<std::string, std::string>>> &captured() {
    static std::vector<std::pair<std::vector<std::byte>, std::map<std::string, std::string>>> c;
    return c;
  }
  // Records a packet with the tshark fields it must show.
  static void capture(const std::vector<std::byte> &p, std::map<std::string, std::string> want) {
    captured().emplace_back(p, std::move(want));
  }
  static void check_with_tshark();
};

TEST_F(OutboundTunnel, FourInFourFollowsThePathAndTheTrackerLowersIt) {
  const auto sa = gcm(false);
  auto tx = make_tunnel(sa, local4, remote4, ip_family::ipv4, 1500);
  // First hop 1500: AES-GCM-16 tunnel mode carries 1446.
  for (std::size_t n = 1400; n <= 1500; ++n) {
    tunnel::encap_result r;
    const auto inner = inner4(n, true);
    const auto outer = encapsulate(tx, inner, t0, r);
    if (n <= 1446) {
      ASSERT_EQ(r.decision.action, encap_action::send) << n;
      EXPECT_LE(outer.size(), 1500U);
      auto v = ip::parse_ipv4(outer);
      ASSERT_TRUE(v);
      EXPECT_TRUE(v->dont_fragment()); // copied from the inner packet
      EXPECT_EQ(v->protocol(), 50);
      expect_decrypts_to(sa, outer, inner);
      if (n == 1446) {
        EXPECT_EQ(outer.size(), 1500U);
        capture(outer, {{"ip.flags.df", "1"}, {"ip.proto", "50"}, {"esp.spi", "0x0badcafe"}});
      }
    } else {
      EXPECT_EQ(r.decision.action, encap_action::report_too_big) << n;
      EXPECT_EQ(r.decision.mtu, 1446U);
    }
  }
  EXPECT_EQ(tx.counters().sent, 47U);
  EXPECT_EQ(tx.counters().report_too_big, 54U);

  // The path narrows to 1400: a router answers our 1500-byte packet with
  // Fragmentation Needed quoting RFC 792's 8 bytes (enough for SPI + sequence).
  tunnel::encap_result r;
  const auto big = encapsulate(tx, inner4(1446, true), t0, r);
  std::vector<std::byte> icmp(600);
  icmp.resize(
      ip::build_icmpv4_error_packet(icmp, 0xC6336401, local4.v4_value(), 64, ip::icmp_type::destination_unreachable,
                                    ip::icmp_unreachable::fragmentation_needed, 1400, ip::icmpv4_quote::rfc792, big)
          .value());
  capture(icmp, {{"icmp.type", "3"}, {"icmp.code", "4"}, {"icmp.mtu", "1400"}, {"esp.spi", "0x0badcafe"}});
  const auto e = tx.on_icmp(icmp, t0 + 1s);
  EXPECT_EQ(e.outcome, tunnel::pmtu_outcome::lowered);
  EXPECT_EQ(tx.tracker().limits(t0 + 1s).inner_mtu, 1346U); // 1400 - 20 - 32 = 1348 -> 1346
  EXPECT_EQ(tx.tracker().limits(t0 + 1s).tcp_mss, 1306U);

  // A 1400-byte inner packet with DF: answered with Fragmentation Needed, MTU 1346.
  const auto df_inner = inner4(1400, true);
  (void)encapsulate(tx, df_inner, t0 + 2s, r);
  ASSERT_EQ(r.decision.action, encap_action::report_too_big);
  EXPECT_EQ(r.decision.mtu, 1346U);
  std::vector<std::byte> reply(600);
  reply.resize(tunnel::build_too_big_reply(reply, address::v4(0x0A000001), r.decision.mtu, 64, df_inner).value());
  capture(reply, {{"icmp.type", "3"}, {"icmp.code", "4"}, {"icmp.mtu", "1346"}, {"ip.dst", "10.0.0.2,10.1.0.5"}});

  // Without DF: fragmented to 1346 first, each fragment sent within 1400.
  const auto frag_inner = inner4(3000, false);
  (void)encapsulate(tx, frag_inner, t0 + 2s, r);
  ASSERT_EQ(r.decision.action, encap_action::fragment_inner);
  auto f = ip::fragmenter::create(frag_inner, r.decision.mtu).value();
  int fragments = 0;
  while (!f.done()) {
    std::vector<std::byte> frag(1500);
    frag.resize(f.next(frag).value());
    tunnel::encap_result fr;
    const auto outer = encapsulate(tx, frag, t0 + 2s, fr);
    EXPECT_EQ(fr.decision.action, encap_action::send);
    EXPECT_LE(outer.size(), 1400U);
    expect_decrypts_to(sa, outer, frag);
    ++fragments;
  }
  EXPECT_EQ(fragments, 3);
  // Ten minutes later the estimate is back at 1500.
  EXPECT_EQ(tx.tracker().limits(t0 + 1s + 10min).inner_mtu, 1446U);
}

TEST_F(OutboundTunnel, SixInFourBelow1280FragmentsTheOuterPacketAndNeverReportsBelow1280) {
  const auto sa = gcm(false);
  auto tx = make_tunnel(sa, local4, remote4, ip_family::ipv6, 1280);
  ASSERT_EQ(tx.tracker().limits(t0).inner_mtu, 1226U); // 1280 - 20 - 32 = 1228 -> 1226
  tunnel::encap_result r;
  auto outer = encapsulate(tx, inner6(1226), t0, r);
  EXPECT_EQ(r.decision.action, encap_action::send);
  EXPECT_TRUE(ip::parse_ipv4(outer)->dont_fragment()); // copy: IPv6 inside, DF set
  outer = encapsulate(tx, inner6(1250), t0, r);
  EXPECT_EQ(r.decision.action, encap_action::send_fragmented_outer);
  EXPECT_GT(outer.size(), 1280U);
  EXPECT_FALSE(ip::parse_ipv4(outer)->dont_fragment());
  expect_decrypts_to(sa, outer, inner6(1250));
  capture(outer, {{"ip.flags.df", "0"}, {"ip.proto", "50"}, {"esp.spi", "0x0badcafe"}});
  // The outer packet, fragmented for the 1280 path, still fits in fragments.
  auto f = ip::fragmenter::create(outer, 1280).value();
  EXPECT_EQ(f.count(), 2U);
  (void)encapsulate(tx, inner6(1281), t0, r);
  EXPECT_EQ(r.decision.action, encap_action::report_too_big);
  EXPECT_EQ(r.decision.mtu, 1280U);
  std::vector<std::byte> reply(1400);
  reply.resize(tunnel::build_too_big_reply(reply, v6(1, 1, 0xfd), 1280, 64, inner6(1281)).value());
  EXPECT_EQ(reply.size(), 1280U);
  capture(reply, {{"icmpv6.type", "2"}, {"icmpv6.mtu", "1280"}, {"icmpv6.checksum.status", "1"}});
}

TEST_F(OutboundTunnel, SixInSixOverUdpCarriesARealUdpChecksum) {
  const auto sa = gcm(true);
  const address l6 = v6(9, 1), r6 = v6(9, 2);
  auto tx = make_tunnel(sa, l6, r6, ip_family::ipv6, 1500);
  // 1500 - 40 - 8 (UDP) - 32 = 1420 -> 1418.
  EXPECT_EQ(tx.tracker().limits(t0).inner_mtu, 1418U);
  tunnel::encap_result r;
  const auto inner = inner6(1418);
  auto outer = encapsulate(tx, inner, t0, r);
  ASSERT_EQ(r.decision.action, encap_action::send);
  EXPECT_EQ(outer.size(), 1500U);
  auto h = ip::parse_ipv6(outer);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->next_header(), 17);
  EXPECT_EQ(h->traffic_class(), 0); // the inner traffic class, copied
  EXPECT_NE(core::load_be16(outer.data() + 46), 0);
  expect_decrypts_to(sa, outer, inner);
  capture(outer, {{"ipv6.nxt", "17"}, {"udp.checksum.status", "1"}, {"esp.spi", "0x0badcafe"}});
  // A Packet Too Big from a router on a 1400 path, quoting as RFC 4443 asks.
  std::vector<std::byte> ptb(1400);
  ptb.resize(
      ip::build_icmpv6_error_packet(ptb, v6(7, 1).bytes, l6.bytes, 64, ip::icmpv6_type::packet_too_big, 0, 1400, outer)
          .value());
  EXPECT_EQ(tx.on_icmp(ptb, t0).outcome, tunnel::pmtu_outcome::lowered);
  EXPECT_EQ(tx.tracker().limits(t0).inner_mtu, 1318U);
  capture(ptb, {{"icmpv6.type", "2"}, {"icmpv6.mtu", "1400"}, {"esp.spi", "0x0badcafe"}});
  // Errors: a buffer without headroom, bytes that are not IP.
  std::vector<std::byte> tiny(10);
  EXPECT_EQ(tx.encapsulate(tiny, 1, t0).code(), tunnel::errc::buffer_too_small);
  std::vector<std::byte> junk(tx.headroom() + 60 + tx.tailroom());
  EXPECT_EQ(tx.encapsulate(junk, 60, t0).code(), tunnel::errc::not_an_ip_packet);
  EXPECT_EQ(tx.counters().not_ip, 1U);
  EXPECT_EQ(tx.counters().no_room, 1U);
}

TEST_F(OutboundTunnel, SixInSixBelow1280SendsRfc8200OuterFragmentsThatReassembleAndDecrypt) {
  const auto sa = gcm(false);
  const address l6 = v6(9, 1), r6 = v6(9, 2);
  auto tx = make_tunnel(sa, l6, r6, ip_family::ipv6, 1280);
  // 1280 - 40 - 32 (GCM: SPI, seq, IV, pad/next header, ICV) -> 1206 inside.
  const std::size_t inner_mtu = tx.tracker().limits(t0).inner_mtu;
  ASSERT_LT(inner_mtu, 1280U);
  ip::ipv6_reassembler rx;
  std::uint32_t id = 0x0A0B0C00;
  for (std::size_t n = inner_mtu + 1; n <= 1280; n += 9) {
    SCOPED_TRACE(n);
    tunnel::encap_result r;
    const auto inner = inner6(n);
    auto outer = encapsulate(tx, inner, t0, r);
    ASSERT_EQ(r.decision.action, encap_action::send_fragmented_outer);
    EXPECT_EQ(r.outer_mtu, 1280U);
    ASSERT_GT(outer.size(), 1280U);
    auto f = tunnel::outer_fragmenter::create(outer, r.outer_mtu, ++id);
    ASSERT_TRUE(f) << tunnel::name(f.code());
    EXPECT_EQ(f->count(), 2U);
    std::vector<std::vector<std::byte>> frags;
    while (!f->done()) {
      std::vector<std::byte> b(1280);
      b.resize(f->next(b).value());
      EXPECT_LE(b.size(), 1280U);
      frags.push_back(std::move(b));
    }
    // The receiver reassembles the fragments (in reverse order) and decrypts the inner packet.
    std::vector<std::byte> whole;
    for (auto it = frags.rbegin(); it != frags.rend(); ++it) {
      auto d = rx.submit(bytes_view(*it), 0, t0);
      ASSERT_TRUE(d) << ip::name(d.code());
      if (d->status == ip::delivery_status::complete) whole.assign(d->datagram.begin(), d->datagram.end());
    }
    EXPECT_EQ(whole, outer);
    expect_decrypts_to(sa, whole, inner);
    if (n == inner_mtu + 1) {
      capture(frags[0], {{"ipv6.fraghdr.more", "1"}, {"ipv6.fraghdr.offset", "0"}});
      capture(frags[1], {{"ipv6.fraghdr.more", "0"},
                         {"ipv6.reassembled.length", std::to_string(outer.size() - 40)},
                         {"esp.spi", "0x0badcafe"}});
    }
  }
  EXPECT_GT(tx.counters().sent_fragmented_outer, 5U);
}

void OutboundTunnel::check_with_tshark() {
  const std::string pcap = ppp_interop::scratch_dir() + "/tunnel_outbound.pcap";
  ppp_interop::pcap_writer w(101);
  std::vector<std::string> fields;
  for (const auto &[p, want] : captured()) {
    w.add(p);
    for (const auto &[k, v] : want)
      if (std::find(fields.begin(), fields.end(), k) == fields.end()) fields.push_back(k);
  }
  w.save(pcap);
  const auto rows = ppp_interop::tshark_fields(pcap, fields, "-o udp.check_checksum:TRUE");
  ASSERT_EQ(rows.size(), captured().size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const auto &[k, v] : captured()[i].second) {
      const std::string &got = rows[i].at(k);
      // Quoted packets repeat fields: compare the whole list when we gave one, else the first.
      EXPECT_EQ(v.find(',') == std::string::npos ? got.substr(0, got.find(',')) : got, v)
          << "packet " << i + 1 << " field " << k;
    }
  }
}
