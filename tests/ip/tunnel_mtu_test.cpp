// The tunnel MTU calculator. Truth: (1) hand-derived sums for the incident's
// stacks, each term named (RFC 4303 §2.4 padding, RFC 3948 UDP, RFC 2661 and
// RFC 1661 header sizes); (2) an invariant over many stacks: inner_mtu fits
// and inner_mtu + 1 does not, with padding rounded per the transform's
// alignment by an independent byte-by-byte simulation of the packet.
#include "vpnwire/ip/tunnel_mtu.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace vpnwire;
using ip::esp_mode;
using ip::tunnel_stack;
namespace xf = ip::esp_transforms;

namespace {

// The outer IPv4 packet size for an inner packet of n bytes, by building the
// stack's sizes one layer at a time (the simplest possible statement).
std::size_t simulate_outer(const tunnel_stack &s, std::size_t n) {
  std::size_t inner = n;
  std::size_t pkt = inner;
  if (s.l2tp) {
    pkt += (s.ppp_pfc ? 1 : 2) + (s.ppp_acfc ? 0 : 2);              // PPP
    pkt += 6 + (s.l2tp_length ? 2 : 0) + (s.l2tp_sequence ? 4 : 0); // L2TP
    pkt += 8;                                                       // UDP 1701
    if (s.mode != esp_mode::transport) pkt += 20;                   // its IPv4 header (tunnel mode or no ESP)
  }
  if (s.mode == esp_mode::transport && !s.l2tp) pkt -= 20; // the inner header becomes the outer one
  if (s.mode != esp_mode::none) {
    std::size_t body = pkt + 2;
    while (body % s.esp.pad_alignment != 0) ++body; // padding, one byte at a time
    pkt = 8 + s.esp.iv_size + body + s.esp.icv_size;
    if (s.nat_t) pkt += 8;
    pkt += 20;
  } else if (!s.l2tp) {
    // a bare link: the packet is the inner packet
  }
  return pkt;
}

std::size_t link_ip_mtu(const tunnel_stack &s) { return s.link_mtu - (s.pppoe ? 8 : 0); }

TEST(TunnelMtu, IncidentStacksOnA1454ByteLinkMatchHandSums) {
  tunnel_stack s;
  s.link_mtu = 1454;
  // Tunnel mode, AES-GCM-16: 1454 - 20 (IP) - 8 (ESP hdr) - 8 (IV) - 16 (ICV) = 1402;
  // 1402 rounded down to 4 = 1400; minus 2 (pad length, next header) = 1398.
  s.mode = esp_mode::tunnel;
  s.esp = xf::aes_gcm_16;
  auto r = ip::compute_tunnel_limits(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->inner_mtu, 1398U);
  EXPECT_EQ(r->tcp_mss, 1358U);
  EXPECT_EQ(r->outer_packet, 1452U); // 2 bytes of the link stay unused: 1402 is not a multiple of 4
  // + NAT-T: 1402 - 8 = 1394 -> 1392 - 2 = 1390.
  s.nat_t = true;
  EXPECT_EQ(ip::compute_tunnel_limits(s)->inner_mtu, 1390U);
  // AES-CBC/HMAC-SHA1-96: 1454 - 20 - 8 - 16 (IV) - 12 (ICV) = 1398 -> /16 = 1392 - 2 = 1390;
  // with NAT-T 1390 -> 1376 - 2 = 1374.
  s.esp = xf::aes_cbc_hmac_sha1_96;
  s.nat_t = false;
  EXPECT_EQ(ip::compute_tunnel_limits(s)->inner_mtu, 1390U);
  s.nat_t = true;
  EXPECT_EQ(ip::compute_tunnel_limits(s)->inner_mtu, 1374U);
  // L2TP/IPsec (transport, NAT-T, AES-CBC/SHA1, L2TP without L/S, PPP with
  // address/control and 2-byte protocol): ESP payload 1374 = UDP 8 + L2TP 6 +
  // PPP 4 + inner 1356.
  s.mode = esp_mode::transport;
  s.l2tp = true;
  auto l = ip::compute_tunnel_limits(s);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->esp_payload, 1374U);
  EXPECT_EQ(l->inner_mtu, 1356U);
  EXPECT_EQ(l->tcp_mss, 1316U);
  // Transport mode without L2TP: the IP header is not inside ESP.
  s.l2tp = false;
  s.nat_t = false;
  s.esp = xf::aes_gcm_16;
  EXPECT_EQ(ip::compute_tunnel_limits(s)->inner_mtu, 1418U); // 1398 payload + 20
}

TEST(TunnelMtu, PppoeTakesEightBytes) {
  tunnel_stack s;
  s.link_mtu = 1500;
  s.pppoe = true;
  s.mode = esp_mode::none;
  EXPECT_EQ(ip::compute_tunnel_limits(s)->inner_mtu, 1492U);
}

TEST(TunnelMtu, ExactOverManyStacks) {
  std::mt19937 rng(4303); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  const ip::esp_transform xfs[] = {xf::aes_cbc_hmac_sha1_96,
                                   xf::aes_cbc_hmac_sha256_128,
                                   xf::aes_gcm_16,
                                   xf::aes_gcm_8,
                                   xf::chacha20_poly1305,
                                   xf::null_hmac_sha1_96,
                                   xf::des3_cbc_hmac_sha1_96,
                                   xf::aes_ctr_hmac_sha1_96};
  for (int i = 0; i < 20000; ++i) {
    tunnel_stack s;
    s.link_mtu = 200 + rng() % 9000;
    s.pppoe = rng() & 1;
    s.nat_t = rng() & 1;
    s.mode = static_cast<esp_mode>(rng() % 3);
    s.esp = xfs[rng() % std::size(xfs)];
    s.l2tp = rng() & 1;
    s.l2tp_length = rng() & 1;
    s.l2tp_sequence = rng() & 1;
    s.ppp_acfc = rng() & 1;
    s.ppp_pfc = rng() & 1;
    if (s.mode == esp_mode::none) s.nat_t = false;
    auto r = ip::compute_tunnel_limits(s);
    ASSERT_TRUE(r) << i;
    const std::size_t m = link_ip_mtu(s);
    EXPECT_LE(simulate_outer(s, r->inner_mtu), m) << i;
    EXPECT_GT(simulate_outer(s, r->inner_mtu + 1), m) << i;
    EXPECT_EQ(simulate_outer(s, r->inner_mtu), r->outer_packet) << i;
    EXPECT_EQ(r->tcp_mss, r->inner_mtu - 40);
  }
}

TEST(TunnelMtu, TooSmallLinksAndBadAlignmentAreErrors) {
  tunnel_stack s;
  s.link_mtu = 60;
  EXPECT_EQ(ip::compute_tunnel_limits(s).code(), ip::errc::mtu_too_small);
  s.link_mtu = 1500;
  s.esp.pad_alignment = 6;
  EXPECT_EQ(ip::compute_tunnel_limits(s).code(), ip::errc::invalid_parameter);
}

} // namespace
