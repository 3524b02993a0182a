// Encapsulation decisions, outer headers and too-big replies. Truth: the
// rules of RFC 4301 §8.1 (DF set/clear/copy), RFC 1191 §4 and RFC 4459 /
// Linux xfrm (fragment an IPv4 packet without DF before encapsulation,
// report one with DF), RFC 8200 §5 / RFC 2473 §7.1 / Linux sit (IPv6 packets
// up to 1280 bytes always pass, the outer packet fragmenting; never a Packet
// Too Big below 1280), RFC 1122 §3.2.2 / RFC 4443 §2.4(e) (no error about an
// error), each checked over every size around the limits; the headers and
// replies are read back by the library's own views here and by tshark in
// outbound_tunnel_test.cpp.
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/tunnel/encap.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace vpnwire;
using tunnel::address;
using tunnel::df_policy;
using tunnel::encap_action;
using tunnel::ip_family;

namespace {

const address host4 = address::v4(0x0A000002);   // 10.0.0.2, behind the tunnel
const address server4 = address::v4(0x0A010005); // 10.1.0.5, across it
const address gw4 = address::v4(0x0A000001);     // the tunnel's inner address

address v6(std::uint8_t net, std::uint8_t last, std::uint8_t first = 0xfd) {
  std::array<std::byte, 16> a{};
  a[0] = static_cast<std::byte>(first);
  a[1] = static_cast<std::byte>(net);
  a[15] = static_cast<std::byte>(last);
  return address::v6(a);
}

std::vector<std::byte> inner4(std::size_t size, bool df, std::uint8_t protocol = 17, std::uint8_t tos = 0x2e) {
  std::vector<std::byte> p(size);
  ip::ipv4_fields f;
  f.dont_fragment = df;
  f.protocol = protocol;
  f.tos = tos;
  f.source = host4.v4_value();
  f.destination = server4.v4_value();
  (void)ip::build_ipv4_header(p, f, size - 20);
  for (std::size_t i = 20; i < size; ++i) p[i] = static_cast<std::byte>(i);
  return p;
}

std::vector<std::byte> inner6(std::size_t size, std::uint8_t next_header = 17, const address &dst = v6(2, 5)) {
  std::vector<std::byte> p(size);
  ip::ipv6_fields h;
  h.next_header = next_header;
  h.hop_limit = 64;
  h.traffic_class = 0xb8;
  h.source = v6(1, 2).bytes;
  h.destination = dst.bytes;
  (void)ip::build_ipv6_header(p, h, size - 40);
  for (std::size_t i = 40; i < size; ++i) p[i] = static_cast<std::byte>(i);
  return p;
}

tunnel::encap_decision decide(df_policy pol, const std::vector<std::byte> &pkt, std::size_t mtu, bool below = false) {
  auto p = tunnel::read_inner_packet(pkt);
  EXPECT_TRUE(p);
  return tunnel::decide_encapsulation(pol, *p, pkt, mtu, below);
}

TEST(Encap, Ipv4InnerFollowsDfAndThePolicy) {
  const std::size_t mtu = 1398;
  for (std::size_t n = 1300; n <= 1500; ++n) {
    for (bool df : {false, true}) {
      const auto pkt = inner4(n, df);
      for (df_policy pol : {df_policy::copy, df_policy::set, df_policy::clear}) {
        const auto d = decide(pol, pkt, mtu);
        const bool want_df = pol == df_policy::copy ? df : pol == df_policy::set;
        EXPECT_EQ(d.outer_dont_fragment, want_df) << n;
        if (n <= mtu) {
          EXPECT_EQ(d.action, encap_action::send) << n;
        } else if (df) {
          EXPECT_EQ(d.action, encap_action::report_too_big) << n;
          EXPECT_EQ(d.mtu, mtu);
        } else {
          EXPECT_EQ(d.action, encap_action::fragment_inner) << n;
          EXPECT_EQ(d.mtu, mtu);
        }
      }
    }
  }
  // A path below the IPv4 floor clears DF whatever the policy.
  EXPECT_FALSE(decide(df_policy::set, inner4(500, true), mtu, true).outer_dont_fragment);
  EXPECT_EQ(tunnel::name(df_policy::clear), "clear");
}

TEST(Encap, Ipv6InnerUpTo1280AlwaysPassesAndNoPtbBelow1280) {
  for (std::size_t mtu : {1206U, 1280U, 1426U}) {
    for (std::size_t n = 1200; n <= 1500; ++n) {
      const auto pkt = inner6(n);
      for (df_policy pol : {df_policy::copy, df_policy::set, df_policy::clear}) {
        const auto d = decide(pol, pkt, mtu);
        if (n <= mtu) {
          EXPECT_EQ(d.action, encap_action::send) << n;
          EXPECT_EQ(d.outer_dont_fragment, pol != df_policy::clear) << n; // copy: IPv6 is never fragmented en route
        } else if (n <= 1280) {
          EXPECT_EQ(d.action, encap_action::send_fragmented_outer) << mtu << " " << n;
          EXPECT_FALSE(d.outer_dont_fragment);
        } else {
          EXPECT_EQ(d.action, encap_action::report_too_big) << n;
          EXPECT_EQ(d.mtu, std::max<std::size_t>(mtu, 1280)) << n;
        }
      }
    }
  }
}

TEST(Encap, NoErrorAboutAnErrorAMulticastPacketOrALaterFragment) {
  auto icmp_err = inner4(1500, true, 1);
  icmp_err[20] = std::byte{ip::icmp_type::destination_unreachable};
  EXPECT_EQ(decide(df_policy::copy, icmp_err, 1398).action, encap_action::drop);
  auto ping = inner4(1500, true, 1);
  ping[20] = std::byte{ip::icmp_type::echo_request};
  EXPECT_EQ(decide(df_policy::copy, ping, 1398).action, encap_action::report_too_big);
  auto mcast_src = inner4(1500, true);
  core::store_be32(mcast_src.data() + 12, 0xE0000005);
  (void)ip::update_ipv4_checksum(mcast_src);
  EXPECT_EQ(decide(df_policy::copy, mcast_src, 1398).action, encap_action::drop);
  auto v6err = inner6(1500, 58);
  v6err[40] = std::byte{ip::icmpv6_type::time_exceeded};
  EXPECT_EQ(decide(df_policy::copy, v6err, 1398).action, encap_action::drop);
  // A Packet Too Big may go back to a multicast sender's group destination (RFC 4443 §2.4(e.3)).
  EXPECT_EQ(decide(df_policy::copy, inner6(1500, 17, v6(2, 1, 0xff)), 1398).action, encap_action::report_too_big);
}

TEST(Encap, TooBigRepliesQuoteTheRightAmountAndParseBack) {
  std::vector<std::byte> out(1600);
  const auto pkt4 = inner4(1500, true, 6);
  auto n = tunnel::build_too_big_reply(out, gw4, 1398, 64, pkt4);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 576U); // RFC 1812 §4.3.2.3
  auto r = ip::parse_ipv4(bytes_view(out).first(*n));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source(), gw4.v4_value());
  EXPECT_EQ(r->destination(), host4.v4_value());
  auto m = ip::parse_icmpv4(r->payload());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is_fragmentation_needed());
  EXPECT_EQ(m->next_hop_mtu(), 1398);
  EXPECT_TRUE(std::equal(m->body().begin(), m->body().end(), pkt4.begin()));

  const auto pkt6 = inner6(1500);
  const address gw6 = v6(1, 1);
  n = tunnel::build_too_big_reply(out, gw6, 1426, 255, pkt6);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1280U); // RFC 4443 §2.4(c)
  auto h = ip::parse_ipv6(bytes_view(out).first(*n));
  ASSERT_TRUE(h);
  EXPECT_EQ(address::v6(h->destination()), v6(1, 2));
  auto m6 = ip::parse_icmpv6(h->payload(), h->source(), h->destination());
  ASSERT_TRUE(m6);
  EXPECT_TRUE(m6->is_packet_too_big());
  EXPECT_EQ(m6->mtu(), 1426U);

  // Errors.
  EXPECT_EQ(tunnel::build_too_big_reply(out, gw6, 1398, 64, pkt4).error(), fail(tunnel::errc::invalid_parameter, 0));
  EXPECT_EQ(tunnel::build_too_big_reply(out, gw4, 70000, 64, pkt4).error(), fail(tunnel::errc::invalid_parameter, 0));
  std::vector<std::byte> small(100);
  EXPECT_EQ(tunnel::build_too_big_reply(small, gw4, 1398, 64, pkt4).error(), fail(tunnel::errc::buffer_too_small, 100));
  EXPECT_EQ(tunnel::build_too_big_reply(out, gw4, 1398, 64, bytes_view(pkt4).first(10)).code(),
            tunnel::errc::not_an_ip_packet);
}

TEST(Encap, OuterHeadersForBothFamilies) {
  std::vector<std::byte> out(64);
  tunnel::outer_header h;
  h.source = address::v4(0xC000020A);
  h.destination = address::v4(0xCB007114);
  h.tos = 0xb8;
  h.identification = 0x1234;
  auto n = tunnel::build_outer_header(out, h, 1000);
  ASSERT_EQ(*n, 20U);
  out.resize(1020);
  auto v = ip::parse_ipv4(out);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->dont_fragment());
  EXPECT_EQ(v->protocol(), 50);
  EXPECT_EQ(v->tos(), 0xb8);
  EXPECT_EQ(v->identification(), 0x1234);
  EXPECT_EQ(v->total_length(), 1020);
  h.source = v6(9, 1, 0x20);
  h.destination = v6(9, 2, 0x20);
  h.protocol = 17;
  h.flow_label = 0x12345;
  out.resize(1040); // the view checks that Payload Length is within the bytes
  n = tunnel::build_outer_header(out, h, 1000);
  ASSERT_EQ(*n, 40U);
  auto h6 = ip::parse_ipv6(out);
  ASSERT_TRUE(h6);
  EXPECT_EQ(h6->payload_length(), 1000);
  EXPECT_EQ(h6->next_header(), 17);
  EXPECT_EQ(h6->flow_label(), 0x12345U);
  EXPECT_EQ(h6->traffic_class(), 0xb8);
  EXPECT_EQ(tunnel::build_outer_header(out, h, 65536).error(), fail(tunnel::errc::packet_too_large, 4));
  EXPECT_EQ(tunnel::build_outer_header(mutable_bytes{}, h, 10).error(), fail(tunnel::errc::buffer_too_small, 0));
  h.destination = address::v4(1);
  EXPECT_EQ(tunnel::build_outer_header(out, h, 10).error(), fail(tunnel::errc::invalid_parameter, 0));
  h.source = address::v4(2);
  EXPECT_EQ(tunnel::build_outer_header(out, h, 65516).error(), fail(tunnel::errc::packet_too_large, 2));
}

TEST(Encap, ReadInnerPacketRefusesWhatIsNotIp) {
  EXPECT_EQ(tunnel::read_inner_packet(bytes_view{}).code(), tunnel::errc::not_an_ip_packet);
  auto p6 = inner6(100);
  EXPECT_EQ(tunnel::read_inner_packet(bytes_view(p6).first(99)).error(), fail(tunnel::errc::not_an_ip_packet, 4));
  auto p4 = inner4(100, false);
  p4[10] ^= std::byte{1};
  EXPECT_EQ(tunnel::read_inner_packet(p4).error(), fail(tunnel::errc::not_an_ip_packet, 10));
  const auto ok = tunnel::read_inner_packet(inner4(100, true));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->tos, 0x2e);
  EXPECT_TRUE(ok->dont_fragment);
  EXPECT_EQ(ok->source, host4);
}

} // namespace
