// doctor's library half: which known stack an ICMP too-big message is about,
// the path MTU it means (its own, or RFC 1191's plateau), the inner MTU and
// MSS per family over that path (the same arithmetic as mtu_test.cpp checks
// against the ESP encapsulator), and whether the sender shrank afterwards.
// Messages are whole packets written by the library's ICMP builders around
// quoted packets, read back with tunnel::read_icmp_packet.
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/tunnel/diagnose.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace vpnwire;
using tunnel::address;
using tunnel::ip_family;

namespace {

std::vector<std::byte> quoted4(std::size_t size, std::uint8_t proto, std::uint16_t dport, std::uint32_t spi) {
  std::vector<std::byte> p(size);
  ip::ipv4_fields f;
  f.dont_fragment = true;
  f.protocol = proto;
  f.source = 0xC000020A;
  f.destination = 0xCB007114;
  std::size_t h = ip::build_ipv4_header(p, f, size - 20).value();
  if (proto == 17) {
    core::store_be16(p.data() + h, dport);
    core::store_be16(p.data() + h + 2, dport);
    core::store_be16(p.data() + h + 4, static_cast<std::uint16_t>(size - h));
    h += 8;
    if (dport == 1701) {
      core::store_be16(p.data() + h, 0x0002); // L2TPv2 data, no L bit
      core::store_be16(p.data() + h + 2, 7);
      core::store_be16(p.data() + h + 4, 9);
      return p;
    }
  }
  core::store_be32(p.data() + h, spi);
  core::store_be32(p.data() + h + 4, 1);
  return p;
}

tunnel::icmp_report frag_needed(const std::vector<std::byte> &inv, std::uint16_t mtu) {
  std::vector<std::byte> out(600);
  out.resize(ip::build_icmpv4_error_packet(out, 0xC6336401, 0xC000020A, 64, ip::icmp_type::destination_unreachable,
                                           ip::icmp_unreachable::fragmentation_needed, mtu, ip::icmpv4_quote::rfc1812,
                                           inv)
                 .value());
  return tunnel::read_icmp_packet(out).value();
}

std::vector<tunnel::known_stack> known() {
  std::vector<tunnel::known_stack> k(3);
  k[0].stack.esp->spi = 0x1000; // tunnel mode AES-GCM-16
  k[1].stack.esp->spi = 0x2000; // L2TP/IPsec: transport, NAT-T, AES-CBC/SHA1
  k[1].stack.esp->cipher = esp::cipher::aes_cbc;
  k[1].stack.esp->integrity = esp::integrity::hmac_sha1_96;
  k[1].stack.esp->mode = esp::sa_mode::transport;
  k[1].stack.esp->udp_encap = true;
  k[1].stack.l2tp = true;
  k[2].stack.esp.reset(); // plain L2TP
  k[2].stack.l2tp = true;
  return k;
}

TEST(Diagnose, NamesTheSaThePathMtuAndTheMssPerFamily) {
  const auto k = known();
  // The incident: a 1454-byte path and the L2TP/IPsec SA.
  auto f = tunnel::explain_too_big(frag_needed(quoted4(1500, 17, 4500, 0x2000), 1454), k);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->stack, 1U);
  EXPECT_EQ(f->path_mtu, 1454U);
  EXPECT_TRUE(f->credible);
  ASSERT_TRUE(f->inner_ipv4 && f->inner_ipv6);
  EXPECT_EQ(f->inner_ipv4->inner_mtu, 1356U); // as tunnel_mtu's hand sum
  EXPECT_EQ(f->inner_ipv4->tcp_mss, 1316U);
  EXPECT_EQ(f->inner_ipv6->tcp_mss, 1296U);
  // Tunnel-mode SA.
  f = tunnel::explain_too_big(frag_needed(quoted4(1500, 50, 0, 0x1000), 1454), k);
  EXPECT_EQ(f->stack, 0U);
  EXPECT_EQ(f->inner_ipv4->tcp_mss, 1358U);
  // Plain L2TP, and an SA nobody told us about.
  f = tunnel::explain_too_big(frag_needed(quoted4(1500, 17, 1701, 0), 1400), k);
  EXPECT_EQ(f->stack, 2U);
  EXPECT_EQ(f->inner_ipv4->inner_mtu, 1400U - 20 - 8 - 6 - 4);
  f = tunnel::explain_too_big(frag_needed(quoted4(1500, 50, 0, 0x3000), 1400), k);
  EXPECT_FALSE(f->stack);
  EXPECT_FALSE(f->inner_ipv4);
  EXPECT_EQ(f->path_mtu, 1400U);
}

TEST(Diagnose, PlateausAndIncredibleMtus) {
  const auto k = known();
  auto f = tunnel::explain_too_big(frag_needed(quoted4(1500, 50, 0, 0x1000), 0), k);
  EXPECT_TRUE(f->from_plateau);
  EXPECT_EQ(f->path_mtu, 1492U);
  EXPECT_TRUE(f->credible);
  f = tunnel::explain_too_big(frag_needed(quoted4(1400, 50, 0, 0x1000), 1400), k);
  EXPECT_FALSE(f->credible);
  // Addresses, when known, must agree.
  auto k2 = k;
  k2[0].remote = address::v4(0x01020304);
  f = tunnel::explain_too_big(frag_needed(quoted4(1500, 50, 0, 0x1000), 1400), k2);
  EXPECT_FALSE(f->stack);
  // Not a too-big message.
  tunnel::icmp_report te = frag_needed(quoted4(1500, 50, 0, 0x1000), 1400);
  te.too_big = false;
  EXPECT_EQ(tunnel::explain_too_big(te, k).code(), tunnel::errc::invalid_parameter);
}

TEST(Diagnose, ShrinkWatch) {
  tunnel::shrink_watch w{1400};
  EXPECT_FALSE(w.shrank());
  w.observe(1400);
  w.observe(800);
  EXPECT_TRUE(w.shrank());
  w.observe(1500);
  EXPECT_FALSE(w.shrank());
  EXPECT_EQ(w.largest, 1500U);
  EXPECT_EQ(w.larger, 1U);
}

} // namespace
