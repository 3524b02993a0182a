// The tunnel MTU calculator. Truth: (1) hand-derived sums for the incident's
// stacks and for IPv6 inside and outside, each term named (RFC 4303 §2.4
// padding, RFC 3948 UDP, RFC 2661 and RFC 1661 header sizes, RFC 8200's
// 40-byte header and 1280-byte minimum); (2) an invariant over many stacks:
// inner_mtu fits and inner_mtu + 1 does not, with padding rounded per the
// transform's alignment by an independent byte-by-byte simulation of the
// packet; (3) agreement with the ESP area's own max_payload().
#include "vpnwire/tunnel/mtu.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace vpnwire;
using tunnel::ip_family;
using tunnel::tunnel_stack;

namespace {

esp::sa_config sa(esp::cipher c, esp::integrity i = esp::integrity::none, std::uint8_t icv = 16,
                  esp::sa_mode mode = esp::sa_mode::tunnel, bool nat_t = false) {
  esp::sa_config cfg;
  cfg.spi = 0x1000;
  cfg.cipher = c;
  cfg.integrity = i;
  cfg.aead_icv_size = icv;
  cfg.key_bits = c == esp::cipher::null ? 0 : c == esp::cipher::chacha20_poly1305 ? 256 : 128;
  cfg.mode = mode;
  cfg.udp_encap = nat_t;
  return cfg;
}

std::size_t hdr(ip_family f) { return f == ip_family::ipv4 ? 20 : 40; }

// The outer packet size for an inner packet of n bytes, by building the
// stack's sizes one layer at a time (the simplest possible statement).
std::size_t simulate_outer(const tunnel_stack &s, std::size_t n) {
  std::size_t pkt = n;
  const bool transport = s.esp && s.esp->mode == esp::sa_mode::transport;
  if (s.l2tp) {
    pkt += (s.ppp_pfc ? 1 : 2) + (s.ppp_acfc ? 0 : 2);              // PPP
    pkt += 6 + (s.l2tp_length ? 2 : 0) + (s.l2tp_sequence ? 4 : 0); // L2TP
    pkt += 8;                                                       // UDP 1701
    if (!transport) pkt += hdr(s.outer);                            // its IP header (tunnel mode or no ESP)
  }
  if (transport && !s.l2tp) pkt -= hdr(s.outer); // the inner header becomes the outer one
  if (s.esp) {
    // Written out from the RFCs, not from esp::sa_config's helpers.
    std::size_t iv = 8, align = 4, icv = 16;
    switch (s.esp->cipher) {
    case esp::cipher::null: iv = 0; break;
    case esp::cipher::aes_cbc:
      iv = 16; // RFC 3602
      align = 16;
      break;
    case esp::cipher::des3_cbc:
      iv = 8; // RFC 2451
      align = 8;
      break;
    default: break;
    }
    if (s.esp->cipher == esp::cipher::aes_gcm) icv = s.esp->aead_icv_size; // RFC 4106
    switch (s.esp->integrity) {
    case esp::integrity::hmac_md5_96: icv = 12; break;   // RFC 2403
    case esp::integrity::hmac_sha1_96: icv = 12; break;  // RFC 2404
    case esp::integrity::hmac_sha1_160: icv = 20; break; // full-length HMAC-SHA1
    case esp::integrity::hmac_sha256_128: icv = 16; break;
    case esp::integrity::hmac_sha384_192: icv = 24; break;
    case esp::integrity::hmac_sha512_256: icv = 32; break; // RFC 4868
    case esp::integrity::none: break;
    }
    std::size_t body = pkt + 2;
    while (body % align != 0) ++body; // padding, one byte at a time
    pkt = 8 + iv + body + icv;
    if (s.esp->udp_encap) pkt += 8;
    pkt += hdr(s.outer);
  }
  return pkt;
}

std::size_t link_ip_mtu(const tunnel_stack &s) { return s.link_mtu - (s.pppoe ? 8 : 0); }

TEST(TunnelMtu, IncidentStacksOnA1454ByteLinkMatchHandSums) {
  tunnel_stack s;
  s.link_mtu = 1454;
  // Tunnel mode, AES-GCM-16: 1454 - 20 (IP) - 8 (ESP hdr) - 8 (IV) - 16 (ICV) = 1402;
  // 1402 rounded down to 4 = 1400; minus 2 (pad length, next header) = 1398.
  s.esp = sa(esp::cipher::aes_gcm);
  auto r = tunnel::compute_tunnel_limits(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->inner_mtu, 1398U);
  EXPECT_EQ(r->tcp_mss, 1358U);
  EXPECT_EQ(r->outer_packet, 1452U); // 2 bytes of the link stay unused: 1402 is not a multiple of 4
  EXPECT_FALSE(r->below_inner_minimum);
  // + NAT-T: 1402 - 8 = 1394 -> 1392 - 2 = 1390.
  s.esp->udp_encap = true;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1390U);
  // AES-CBC/HMAC-SHA1-96: 1454 - 20 - 8 - 16 (IV) - 12 (ICV) = 1398 -> /16 = 1392 - 2 = 1390;
  // with NAT-T 1390 -> 1376 - 2 = 1374.
  s.esp = sa(esp::cipher::aes_cbc, esp::integrity::hmac_sha1_96);
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1390U);
  s.esp->udp_encap = true;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1374U);
  // L2TP/IPsec (transport, NAT-T, AES-CBC/SHA1, L2TP without L/S, PPP with
  // address/control and 2-byte protocol): ESP payload 1374 = UDP 8 + L2TP 6 +
  // PPP 4 + inner 1356.
  s.esp->mode = esp::sa_mode::transport;
  s.l2tp = true;
  auto l = tunnel::compute_tunnel_limits(s);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->esp_payload, 1374U);
  EXPECT_EQ(l->inner_mtu, 1356U);
  EXPECT_EQ(l->tcp_mss, 1316U);
  // The same tunnel carrying IPv6 over PPP (IPV6CP): the MSS is 20 bytes smaller.
  s.inner = ip_family::ipv6;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1356U);
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->tcp_mss, 1296U);
  s.inner = ip_family::ipv4;
  // Transport mode without L2TP: the IP header is not inside ESP.
  s.l2tp = false;
  s.esp = sa(esp::cipher::aes_gcm, esp::integrity::none, 16, esp::sa_mode::transport);
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1418U); // 1398 payload + 20
}

TEST(TunnelMtu, Ipv6OutsideAndInsideMatchHandSums) {
  tunnel_stack s;
  s.link_mtu = 1500;
  s.esp = sa(esp::cipher::aes_gcm);
  // 6-in-6, AES-GCM-16: 1500 - 40 (IPv6) - 8 - 8 - 16 = 1428 (a multiple of 4) - 2 = 1426; MSS 1426 - 60.
  s.outer = ip_family::ipv6;
  s.inner = ip_family::ipv6;
  auto r = tunnel::compute_tunnel_limits(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->inner_mtu, 1426U);
  EXPECT_EQ(r->tcp_mss, 1366U);
  EXPECT_EQ(r->outer_packet, 1500U);
  // 4-in-6: the same inner MTU, MSS - 40.
  s.inner = ip_family::ipv4;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->tcp_mss, 1386U);
  // 6-in-4: 1500 - 20 - 32 = 1448 - 2 = 1446; MSS 1386.
  s.outer = ip_family::ipv4;
  s.inner = ip_family::ipv6;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1446U);
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->tcp_mss, 1386U);
  // Transport mode over IPv6: 1426 + the 40-byte header that stays outside.
  s.outer = ip_family::ipv6;
  s.esp->mode = esp::sa_mode::transport;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1466U);
  // ... but an IPv4 packet cannot keep its header as an IPv6 outer header.
  s.inner = ip_family::ipv4;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s).code(), tunnel::errc::family_mismatch);
}

TEST(TunnelMtu, SaysWhenAStackCannotCarryTheIpv6Minimum) {
  // RFC 8200 §5: every IPv6 link carries 1280 bytes. IPv6 over an IPv6 path
  // of exactly 1280 through ESP cannot: 1280 - 40 - 32 = 1208 -> 1206.
  tunnel_stack s;
  s.link_mtu = 1280;
  s.outer = ip_family::ipv6;
  s.inner = ip_family::ipv6;
  s.esp = sa(esp::cipher::aes_gcm);
  auto r = tunnel::compute_tunnel_limits(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->inner_mtu, 1206U);
  EXPECT_TRUE(r->below_inner_minimum);
  // The smallest IPv4 link that carries 1280 inside: 1280 + 2 rounded up to
  // 4 is 1284, + 32 (ESP) + 20 (IPv4) = 1336, where the inner MTU is 1282.
  s.outer = ip_family::ipv4;
  s.link_mtu = 1335;
  EXPECT_TRUE(tunnel::compute_tunnel_limits(s)->below_inner_minimum);
  s.link_mtu = 1336;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1282U);
  EXPECT_FALSE(tunnel::compute_tunnel_limits(s)->below_inner_minimum);
  // IPv4 inside has its own minimum (68, RFC 791): 130 - 20 - 32 = 78 -> 76 - 2 = 74 ok; 120 -> 66 below.
  s.inner = ip_family::ipv4;
  s.link_mtu = 130;
  EXPECT_FALSE(tunnel::compute_tunnel_limits(s)->below_inner_minimum);
  s.link_mtu = 120;
  EXPECT_TRUE(tunnel::compute_tunnel_limits(s)->below_inner_minimum);
}

TEST(TunnelMtu, PppoeTakesEightBytes) {
  tunnel_stack s;
  s.link_mtu = 1500;
  s.pppoe = true;
  s.esp.reset();
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1492U);
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->link_ip_mtu, 1492U);
  // 6-in-4 over PPPoE with AES-GCM-16: 1492 - 20 - 32 = 1440 - 2 = 1438.
  s.esp = sa(esp::cipher::aes_gcm);
  s.inner = ip_family::ipv6;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 1438U);
}

const esp::sa_config all_transforms[] = {
    sa(esp::cipher::aes_cbc, esp::integrity::hmac_sha1_96),
    sa(esp::cipher::aes_cbc, esp::integrity::hmac_sha256_128),
    sa(esp::cipher::aes_cbc, esp::integrity::hmac_sha384_192),
    sa(esp::cipher::aes_cbc, esp::integrity::hmac_sha512_256),
    sa(esp::cipher::aes_ctr, esp::integrity::hmac_sha1_96),
    sa(esp::cipher::aes_gcm, esp::integrity::none, 16),
    sa(esp::cipher::aes_gcm, esp::integrity::none, 12),
    sa(esp::cipher::aes_gcm, esp::integrity::none, 8),
    sa(esp::cipher::aes_gmac),
    sa(esp::cipher::chacha20_poly1305),
    sa(esp::cipher::null, esp::integrity::hmac_sha1_96),
    sa(esp::cipher::null, esp::integrity::hmac_sha512_256),
};

TEST(TunnelMtu, ExactOverManyStacksBothFamilies) {
  std::mt19937 rng(4303); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  int checked = 0;
  for (int i = 0; i < 40000; ++i) {
    tunnel_stack s;
    s.link_mtu = 200 + rng() % 9000;
    s.pppoe = (rng() & 1) != 0;
    s.outer = (rng() & 1) != 0 ? ip_family::ipv6 : ip_family::ipv4;
    s.inner = (rng() & 1) != 0 ? ip_family::ipv6 : ip_family::ipv4;
    const unsigned m = rng() % 3;
    if (m == 0) {
      s.esp.reset();
    } else {
      s.esp = all_transforms[rng() % std::size(all_transforms)];
      s.esp->mode = m == 1 ? esp::sa_mode::tunnel : esp::sa_mode::transport;
      s.esp->udp_encap = (rng() & 1) != 0;
    }
    s.l2tp = (rng() & 1) != 0;
    s.l2tp_length = (rng() & 1) != 0;
    s.l2tp_sequence = (rng() & 1) != 0;
    s.ppp_acfc = (rng() & 1) != 0;
    s.ppp_pfc = (rng() & 1) != 0;
    auto r = tunnel::compute_tunnel_limits(s);
    if (m == 2 && !s.l2tp && s.inner != s.outer) {
      EXPECT_EQ(r.code(), tunnel::errc::family_mismatch) << i;
      continue;
    }
    if (!r) {
      // Only tiny links fail: then not even the minimal headers fit.
      ASSERT_EQ(r.code(), tunnel::errc::mtu_too_small) << i;
      EXPECT_GT(simulate_outer(s, hdr(s.inner) + 20), link_ip_mtu(s)) << i;
      continue;
    }
    const std::size_t mtu = link_ip_mtu(s);
    EXPECT_LE(simulate_outer(s, r->inner_mtu), mtu) << i;
    EXPECT_GT(simulate_outer(s, r->inner_mtu + 1), mtu) << i;
    EXPECT_EQ(simulate_outer(s, r->inner_mtu), r->outer_packet) << i;
    EXPECT_EQ(r->overhead, r->outer_packet - r->inner_mtu) << i;
    EXPECT_EQ(r->tcp_mss, r->inner_mtu - hdr(s.inner) - 20) << i;
    EXPECT_EQ(r->below_inner_minimum, r->inner_mtu < (s.inner == ip_family::ipv6 ? 1280U : 68U)) << i;
    if (s.esp) {
      // The ESP area's own arithmetic agrees on the payload that fits.
      const std::size_t budget = mtu - hdr(s.outer);
      EXPECT_EQ(s.esp->max_payload(budget), r->esp_payload) << i;
    }
    ++checked;
  }
  EXPECT_GT(checked, 30000);
}

TEST(TunnelMtu, ErrorsNameTheirCause) {
  tunnel_stack s;
  s.link_mtu = 60;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s).code(), tunnel::errc::mtu_too_small);
  s.link_mtu = 1500;
  s.esp->aead_icv_size = 7; // not a GCM tag length: the SA does not validate
  EXPECT_EQ(tunnel::compute_tunnel_limits(s).code(), tunnel::errc::invalid_sa_config);
  s.esp = sa(esp::cipher::aes_cbc); // CBC without integrity
  EXPECT_EQ(tunnel::compute_tunnel_limits(s).code(), tunnel::errc::invalid_sa_config);
  // IPv6 inside needs 60 bytes: an inner MTU of 58 is an error, 62 is not.
  s.esp = sa(esp::cipher::aes_gcm);
  s.inner = ip_family::ipv6;
  s.link_mtu = 20 + 32 + 58 + 2;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s).code(), tunnel::errc::mtu_too_small);
  s.link_mtu += 4;
  EXPECT_EQ(tunnel::compute_tunnel_limits(s)->inner_mtu, 62U);
  EXPECT_EQ(tunnel::name(tunnel::errc::family_mismatch), "family_mismatch");
}

TEST(TunnelMtu, PathMtuOverloadIsTheEspOnlyStack) {
  const auto cfg = sa(esp::cipher::chacha20_poly1305);
  auto a = tunnel::compute_tunnel_limits(1400, cfg, ip_family::ipv6, ip_family::ipv4);
  tunnel_stack s;
  s.link_mtu = 1400;
  s.outer = ip_family::ipv6;
  s.esp = cfg;
  auto b = tunnel::compute_tunnel_limits(s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->inner_mtu, b->inner_mtu);
  EXPECT_EQ(a->inner_mtu, 1400U - 40 - 32 - 2); // 1328 is a multiple of 4
}

} // namespace
