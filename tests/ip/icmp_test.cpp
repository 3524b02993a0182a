// ICMP and ICMPv6 views and builders: every error code with its offset, the
// quote lengths RFC 792, RFC 1812 §4.3.2.3 and RFC 4443 §2.4(c) prescribe,
// RFC 4884's original-datagram length, the quote classifier's edge cases,
// the RFC 1122 / RFC 4443 rules for when an error may be sent, and a
// build-then-parse round trip over generated messages (fixed seed) in which
// every single-bit flip is caught by the checksum. Independent oracles
// (scapy, tshark) are in icmp_interop_test.cpp.
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ip;
using vpnwire_test::hex;

namespace {

// An IPv4 packet of `total` bytes (header of `ihl` words) with the given
// protocol and payload bytes 0, 1, 2, ... after the header.
std::vector<std::byte> ipv4_packet(std::size_t total, std::uint8_t protocol, std::size_t ihl = 5,
                                   std::uint16_t frag = 0x4000) {
  std::vector<std::byte> p(total);
  for (std::size_t i = 0; i < total; ++i) p[i] = static_cast<std::byte>(i & 0xFF);
  p[0] = static_cast<std::byte>(0x40 | ihl);
  p[1] = std::byte{0};
  core::store_be16(p.data() + 2, static_cast<std::uint16_t>(total));
  core::store_be16(p.data() + 6, frag);
  p[8] = std::byte{64};
  p[9] = static_cast<std::byte>(protocol);
  core::store_be32(p.data() + 12, 0xC000020A);
  core::store_be32(p.data() + 16, 0xCB007114);
  return p;
}

std::array<std::byte, 16> v6addr(std::uint8_t last, std::uint8_t first = 0x20) {
  std::array<std::byte, 16> a{};
  a[0] = static_cast<std::byte>(first);
  a[1] = std::byte{0x01};
  a[2] = std::byte{0x0d};
  a[3] = std::byte{0xb8};
  a[15] = static_cast<std::byte>(last);
  return a;
}

std::vector<std::byte> ipv6_packet(std::size_t payload, std::uint8_t next_header,
                                   const std::array<std::byte, 16> &src = v6addr(0x10),
                                   const std::array<std::byte, 16> &dst = v6addr(0x20)) {
  std::vector<std::byte> p(40 + payload);
  for (std::size_t i = 40; i < p.size(); ++i) p[i] = static_cast<std::byte>(i & 0xFF);
  ipv6_fields h;
  h.next_header = next_header;
  h.hop_limit = 64;
  h.source = src;
  h.destination = dst;
  (void)build_ipv6_header(p, h, payload);
  return p;
}

TEST(Icmpv4, ParseErrorsNameWhatAndWhere) {
  const auto inv = ipv4_packet(100, 50);
  std::vector<std::byte> m(200);
  const auto n = build_icmpv4_fragmentation_needed(m, 1400, icmpv4_quote::rfc1812, inv);
  ASSERT_TRUE(n);
  m.resize(*n);
  EXPECT_EQ(parse_icmpv4(bytes_view(m).first(7)).error(), fail(icmp_errc::truncated, 7));
  EXPECT_EQ(parse_icmpv4(bytes_view{}).error(), fail(icmp_errc::truncated, 0));
  auto bad = m;
  bad[40] ^= std::byte{0x01};
  EXPECT_EQ(parse_icmpv4(bad).error(), fail(icmp_errc::bad_checksum, 2));
  EXPECT_TRUE(parse_icmpv4_unchecked(bad)); // the caller may skip the check
  // Quote errors count from the start of the message.
  EXPECT_EQ(parse_icmpv4_unchecked(bytes_view(m).first(8 + 19))->quoted().error(),
            fail(icmp_errc::quote_truncated, 8 + 19));
  auto v = m;
  v[8] = std::byte{0x65};
  EXPECT_EQ(parse_icmpv4_unchecked(v)->quoted().error(), fail(icmp_errc::quote_bad_version, 8));
  v[8] = std::byte{0x44};
  EXPECT_EQ(parse_icmpv4_unchecked(v)->quoted().error(), fail(icmp_errc::quote_ihl_too_small, 8));
  v[8] = std::byte{0x4F}; // 60-byte header in a 28-byte quote
  EXPECT_EQ(parse_icmpv4_unchecked(bytes_view(v).first(36))->quoted().error(),
            fail(icmp_errc::quote_header_beyond_buffer, 8));
  // An echo request quotes nothing.
  std::vector<std::byte> echo = hex("0800 0000 4242 0005 70696e67");
  core::store_be16(echo.data() + 2, core::internet_checksum(echo));
  auto e = parse_icmpv4(echo);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->is_error());
  EXPECT_EQ(e->quoted().error(), fail(icmp_errc::not_an_error_message, 0));
  EXPECT_EQ(e->identifier(), 0x4242);
  EXPECT_EQ(e->sequence(), 5);
  EXPECT_EQ(name(icmp_errc::quote_header_beyond_buffer), "quote_header_beyond_buffer");
}

TEST(Icmpv4, QuoteLengthsFollowRfc792AndRfc1812) {
  // RFC 792: IP header (options included) + 64 bits.
  EXPECT_EQ(icmpv4_quote_length(ipv4_packet(1500, 50), icmpv4_quote::rfc792), 28U);
  EXPECT_EQ(icmpv4_quote_length(ipv4_packet(1500, 50, 6), icmpv4_quote::rfc792), 32U);
  EXPECT_EQ(icmpv4_quote_length(ipv4_packet(24, 50), icmpv4_quote::rfc792), 24U);
  // RFC 1812: up to 576 bytes of ICMP datagram: 548 quoted.
  EXPECT_EQ(icmpv4_quote_length(ipv4_packet(1500, 50), icmpv4_quote::rfc1812), 548U);
  EXPECT_EQ(icmpv4_quote_length(ipv4_packet(300, 50), icmpv4_quote::rfc1812), 300U);
  // Link padding after Total Length is never quoted.
  auto padded = ipv4_packet(46, 17);
  padded.resize(60);
  EXPECT_EQ(icmpv4_quote_length(padded, icmpv4_quote::rfc1812), 46U);
  std::vector<std::byte> out(600);
  auto n = build_icmpv4_error_packet(out, 0xC6336401, 0xC000020A, 64, icmp_type::destination_unreachable,
                                     icmp_unreachable::fragmentation_needed, 1400, icmpv4_quote::rfc1812,
                                     ipv4_packet(1500, 50));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 576U);
  auto ip4 = parse_ipv4(bytes_view(out).first(*n));
  ASSERT_TRUE(ip4);
  EXPECT_EQ(ip4->protocol(), 1);
  EXPECT_FALSE(ip4->dont_fragment());
  auto m = parse_icmpv4(ip4->payload());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is_fragmentation_needed());
  EXPECT_EQ(m->next_hop_mtu(), 1400);
  EXPECT_EQ(m->rest_of_header(), 1400U); // RFC 1191: the high 16 bits are zero
  auto q = m->quoted();
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->complete());
  EXPECT_EQ(q->total_length(), 1500);
  EXPECT_EQ(q->payload().size(), 528U);
  // Not an error type, or no room.
  EXPECT_EQ(build_icmpv4_error(out, icmp_type::echo_request, 0, 0, icmpv4_quote::rfc792, padded).error(),
            fail(icmp_errc::invalid_parameter, 0));
  std::vector<std::byte> small(35);
  EXPECT_EQ(build_icmpv4_time_exceeded(small, 0, icmpv4_quote::rfc792, ipv4_packet(100, 6)).error(),
            fail(icmp_errc::buffer_too_small, 35));
  EXPECT_EQ(build_icmpv4_error_packet(small, 1, 2, 64, icmp_type::time_exceeded, 0, 0, icmpv4_quote::rfc792,
                                      ipv4_packet(100, 6))
                .error(),
            fail(icmp_errc::buffer_too_small, 35));
  EXPECT_EQ(build_icmpv4_error_packet(mutable_bytes{}, 1, 2, 64, icmp_type::time_exceeded, 0, 0, icmpv4_quote::rfc792,
                                      ipv4_packet(100, 6))
                .error(),
            fail(icmp_errc::buffer_too_small, 0));
}

TEST(Icmpv4, Rfc4884LengthCutsTheOriginalDatagramFromItsExtensions) {
  // Time Exceeded with a 128-byte original datagram (32 words) and 8 bytes of extension.
  const auto inv = ipv4_packet(128, 17);
  std::vector<std::byte> m(8 + 128 + 8);
  auto n = build_icmpv4_time_exceeded(m, icmp_time_exceeded::ttl, icmpv4_quote::rfc1812, inv);
  ASSERT_TRUE(n);
  m[5] = std::byte{32};
  for (std::size_t i = 136; i < m.size(); ++i) m[i] = std::byte{0xEE};
  core::store_be16(m.data() + 2, 0);
  core::store_be16(m.data() + 2, core::internet_checksum(m));
  auto v = parse_icmpv4(m);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->original_datagram_length(), 32);
  EXPECT_EQ(v->original_datagram().size(), 128U);
  EXPECT_EQ(v->extensions().size(), 8U);
  // A length beyond the message is ignored (legacy layout): the whole body.
  m[5] = std::byte{40};
  auto w = parse_icmpv4_unchecked(m);
  EXPECT_EQ(w->original_datagram().size(), 136U);
  EXPECT_TRUE(w->extensions().empty());
  // Redirect's byte 5 is part of the gateway, not a length.
  m[0] = std::byte{icmp_type::redirect};
  EXPECT_EQ(parse_icmpv4_unchecked(m)->original_datagram_length(), 0);
}

TEST(IcmpQuote, ClassifierReadsOnlyWhatIsQuoted) {
  const auto spi_seq = hex("11223344 00000007");
  auto esp = classify_quoted_transport(50, spi_seq, true);
  EXPECT_EQ(esp.kind, quoted_kind::esp);
  EXPECT_EQ(esp.spi, 0x11223344U);
  EXPECT_EQ(esp.sequence, 7U);
  esp = classify_quoted_transport(50, bytes_view(spi_seq).first(4), true);
  EXPECT_EQ(esp.spi, 0x11223344U);
  EXPECT_FALSE(esp.sequence);
  EXPECT_EQ(classify_quoted_transport(50, bytes_view(spi_seq).first(3), true).kind, quoted_kind::not_quoted);
  EXPECT_EQ(classify_quoted_transport(50, spi_seq, false).kind, quoted_kind::later_fragment);
  EXPECT_EQ(classify_quoted_transport(47, spi_seq, true).kind, quoted_kind::other);
  // UDP 4500: ESP behind a non-zero SPI, IKE behind the zero marker, unknown without 4 payload bytes.
  EXPECT_EQ(classify_quoted_transport(17, hex("1194 1194 0010 0000 00000000"), true).kind, quoted_kind::ike);
  const auto natt = classify_quoted_transport(17, hex("1194 1194 0010 0000 cafef00d 00000009"), true);
  EXPECT_EQ(natt.kind, quoted_kind::esp_in_udp);
  EXPECT_EQ(natt.spi, 0xCAFEF00DU);
  EXPECT_EQ(natt.sequence, 9U);
  EXPECT_EQ(classify_quoted_transport(17, hex("1194 1194 0010 0000 cafe"), true).kind, quoted_kind::udp);
  const auto ports_only = classify_quoted_transport(17, hex("d431 1194"), true);
  EXPECT_EQ(ports_only.kind, quoted_kind::udp);
  EXPECT_EQ(ports_only.destination_port, 4500);
  EXPECT_EQ(classify_quoted_transport(17, hex("d431 11"), true).kind, quoted_kind::not_quoted);
  // L2TPv2: the L bit moves the ids by 2 bytes; version 3 is named only.
  auto l2 = classify_quoted_transport(17, hex("06a5 06a5 0014 0000 4002 0010 0102 0304"), true);
  EXPECT_EQ(l2.kind, quoted_kind::l2tp);
  EXPECT_EQ(l2.l2tp_version, 2);
  EXPECT_EQ(l2.l2tp_control, false);
  EXPECT_EQ(l2.l2tp_tunnel_id, 0x0102);
  EXPECT_EQ(l2.l2tp_session_id, 0x0304);
  l2 = classify_quoted_transport(17, hex("06a5 06a5 0014 0000 0002 0102 03"), true);
  EXPECT_EQ(l2.l2tp_tunnel_id, 0x0102);
  EXPECT_FALSE(l2.l2tp_session_id);
  l2 = classify_quoted_transport(17, hex("06a5 06a5 0014 0000 0003 0000 0000 1234"), true);
  EXPECT_EQ(l2.l2tp_version, 3);
  EXPECT_FALSE(l2.l2tp_tunnel_id);
  const auto tcp = classify_quoted_transport(6, hex("9c40 01bb 10203040"), true);
  EXPECT_EQ(tcp.kind, quoted_kind::tcp);
  EXPECT_EQ(tcp.sequence, 0x10203040U);
  EXPECT_EQ(name(quoted_kind::esp_in_udp), "esp_in_udp");
}

TEST(IcmpQuote, QuotedIpv4FieldsAndALaterFragment) {
  auto inv = ipv4_packet(60, 50, 5, 0x2000 | 185); // MF, offset 1480
  auto q = parse_quoted_ipv4(inv);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->more_fragments());
  EXPECT_FALSE(q->dont_fragment());
  EXPECT_EQ(q->fragment_offset(), 1480U);
  EXPECT_EQ(q->transport().kind, quoted_kind::later_fragment);
  EXPECT_TRUE(q->complete());
  // A Total Length below the header leaves no payload.
  core::store_be16(inv.data() + 2, 10);
  EXPECT_TRUE(parse_quoted_ipv4(inv)->payload().empty());
}

TEST(Icmpv6, ChecksumCoversThePseudoHeader) {
  const auto src = v6addr(1, 0x20), dst = v6addr(0x10);
  const auto inv = ipv6_packet(100, 50, dst, v6addr(0x20));
  std::vector<std::byte> m(1500);
  auto n = build_icmpv6_packet_too_big(m, src, dst, 1400, inv);
  ASSERT_TRUE(n);
  m.resize(*n);
  EXPECT_EQ(*n, 8U + 140U);
  EXPECT_TRUE(parse_icmpv6(m, src, dst));
  // Another source address: the pseudo-header differs.
  EXPECT_EQ(parse_icmpv6(m, v6addr(2), dst).error(), fail(icmp_errc::bad_checksum, 2));
  EXPECT_EQ(parse_icmpv6(bytes_view(m).first(7), src, dst).error(), fail(icmp_errc::truncated, 7));
  auto v = parse_icmpv6(m, src, dst);
  EXPECT_TRUE(v->is_packet_too_big());
  EXPECT_EQ(v->mtu(), 1400U);
  auto q = v->quoted();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->source(), dst);
  EXPECT_EQ(q->next_header(), 50);
  EXPECT_EQ(q->total_length(), 140U);
  EXPECT_TRUE(q->complete());
  // Quote errors.
  EXPECT_EQ(parse_icmpv6_unchecked(bytes_view(m).first(8 + 39))->quoted().error(),
            fail(icmp_errc::quote_truncated, 8 + 39));
  auto bad = m;
  bad[8] = std::byte{0x45};
  EXPECT_EQ(parse_icmpv6_unchecked(bad)->quoted().error(), fail(icmp_errc::quote_bad_version, 8));
  bad[0] = std::byte{icmpv6_type::echo_request};
  EXPECT_EQ(parse_icmpv6_unchecked(bad)->quoted().error(), fail(icmp_errc::not_an_error_message, 0));
  EXPECT_EQ(build_icmpv6_error(m, src, dst, icmpv6_type::echo_reply, 0, 0, inv).error(),
            fail(icmp_errc::invalid_parameter, 0));
}

TEST(Icmpv6, QuotesAsMuchAsFitsIn1280Bytes) {
  const auto src = v6addr(1), dst = v6addr(0x10);
  std::vector<std::byte> out(2000);
  auto n = build_icmpv6_error_packet(out, src, dst, 255, icmpv6_type::packet_too_big, 0, 1280,
                                     ipv6_packet(1400, 17, dst, v6addr(0x20)));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1280U);
  auto h = parse_ipv6(bytes_view(out).first(*n));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->payload_length(), 1240);
  EXPECT_EQ(h->next_header(), 58);
  EXPECT_EQ(h->hop_limit(), 255);
  auto v = parse_icmpv6(bytes_view(out).subspan(40, 1240), src, dst);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->quoted()->payload().size(), 1232U - 40U);
  EXPECT_FALSE(v->quoted()->complete());
  // Trailing bytes after Payload Length are not quoted; a short invoking packet is quoted whole.
  auto inv = ipv6_packet(20, 6, dst, src);
  inv.resize(80);
  EXPECT_EQ(icmpv6_quote_length(inv), 60U);
  EXPECT_EQ(icmpv6_quote_length(bytes_view(inv).first(30)), 30U);
  std::vector<std::byte> small(47);
  EXPECT_EQ(build_icmpv6_error_packet(small, src, dst, 64, icmpv6_type::time_exceeded, 0, 0, inv).error(),
            fail(icmp_errc::buffer_too_small, 47));
  EXPECT_EQ(build_icmpv6_time_exceeded(small, src, dst, 0, inv).error(), fail(icmp_errc::buffer_too_small, 47));
}

TEST(Icmpv6, Rfc4884LengthIsIn64BitWords) {
  const auto src = v6addr(1), dst = v6addr(0x10);
  std::vector<std::byte> m(8 + 128 + 16);
  auto n = build_icmpv6_destination_unreachable(m, src, dst, icmpv6_unreachable::port, ipv6_packet(88, 17));
  ASSERT_TRUE(n);
  m[4] = std::byte{16};
  auto v = parse_icmpv6_unchecked(m);
  EXPECT_EQ(v->original_datagram_length(), 16);
  EXPECT_EQ(v->invoking_packet().size(), 128U);
  EXPECT_EQ(v->extensions().size(), 16U);
  m[0] = std::byte{icmpv6_type::parameter_problem}; // byte 4 is the pointer's high byte there
  EXPECT_EQ(parse_icmpv6_unchecked(m)->original_datagram_length(), 0);
}

TEST(IcmpRules, ErrorsAreNeverSentAboutErrorsFragmentsOrNonUnicast) {
  auto udp = ipv4_packet(40, 17);
  EXPECT_TRUE(icmpv4_error_allowed(udp));
  auto later = ipv4_packet(40, 17, 5, 0x0010);
  EXPECT_FALSE(icmpv4_error_allowed(later));
  auto mcast = udp;
  core::store_be32(mcast.data() + 16, 0xE0000001);
  EXPECT_FALSE(icmpv4_error_allowed(mcast));
  auto bcast = udp;
  core::store_be32(bcast.data() + 16, 0xFFFFFFFF);
  EXPECT_FALSE(icmpv4_error_allowed(bcast));
  auto zero_src = udp;
  core::store_be32(zero_src.data() + 12, 0);
  EXPECT_FALSE(icmpv4_error_allowed(zero_src));
  auto icmp_err = ipv4_packet(40, 1);
  icmp_err[20] = std::byte{icmp_type::destination_unreachable};
  EXPECT_FALSE(icmpv4_error_allowed(icmp_err));
  icmp_err[20] = std::byte{icmp_type::echo_request};
  EXPECT_TRUE(icmpv4_error_allowed(icmp_err));
  EXPECT_FALSE(icmpv4_error_allowed(hex("4500")));

  auto v6 = ipv6_packet(40, 17);
  EXPECT_TRUE(icmpv6_error_allowed(v6, false));
  auto v6m = ipv6_packet(40, 17, v6addr(0x10), v6addr(1, 0xFF));
  EXPECT_FALSE(icmpv6_error_allowed(v6m, false));
  EXPECT_TRUE(icmpv6_error_allowed(v6m, true)); // RFC 4443 §2.4(e.3): PTB to multicast is allowed
  auto v6e = ipv6_packet(40, 58);
  v6e[40] = std::byte{icmpv6_type::packet_too_big};
  EXPECT_FALSE(icmpv6_error_allowed(v6e, true));
  v6e[40] = std::byte{icmpv6_type::echo_request};
  EXPECT_TRUE(icmpv6_error_allowed(v6e, true));
  auto unspecified = ipv6_packet(40, 17, std::array<std::byte, 16>{}, v6addr(0x20));
  EXPECT_FALSE(icmpv6_error_allowed(unspecified, true));
}

TEST(IcmpRoundTrip, GeneratedMessagesParseBackAndEveryBitFlipIsCaught) {
  std::mt19937 rng(792); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  const std::uint8_t v4_types[] = {3, 4, 5, 11, 12};
  const std::uint8_t v6_types[] = {1, 2, 3, 4};
  std::vector<std::byte> out(1600);
  for (int i = 0; i < 2000; ++i) {
    const bool v6 = (i & 1) != 0;
    const std::size_t size = (v6 ? 48 : 28) + rng() % 1500;
    const std::uint8_t proto = static_cast<std::uint8_t>(std::array{6, 17, 50, 47}[rng() % 4]);
    const std::uint8_t code = static_cast<std::uint8_t>(rng() % 16);
    const std::uint32_t param = rng();
    if (!v6) {
      const auto inv = ipv4_packet(size, proto);
      const std::uint8_t type = v4_types[rng() % 5];
      const auto quote = (rng() & 1) != 0 ? icmpv4_quote::rfc792 : icmpv4_quote::rfc1812;
      auto n = build_icmpv4_error(out, type, code, param, quote, inv);
      ASSERT_TRUE(n);
      ASSERT_EQ(*n, 8 + icmpv4_quote_length(inv, quote));
      const bytes_view msg = bytes_view(out).first(*n);
      auto v = parse_icmpv4(msg);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->type(), type);
      EXPECT_EQ(v->code(), code);
      EXPECT_EQ(v->rest_of_header(), param);
      auto q = parse_quoted_ipv4(v->body()); // the quote itself, regardless of a length attribute
      ASSERT_TRUE(q);
      EXPECT_EQ(q->total_length(), size);
      EXPECT_EQ(q->protocol(), proto);
      EXPECT_TRUE(std::equal(v->body().begin(), v->body().end(), inv.begin()));
      auto flipped = std::vector<std::byte>(msg.begin(), msg.end());
      const std::size_t bit = rng() % (flipped.size() * 8);
      flipped[bit / 8] ^= static_cast<std::byte>(1U << (bit % 8));
      EXPECT_EQ(parse_icmpv4(flipped).code(), icmp_errc::bad_checksum) << bit;
    } else {
      const auto src = v6addr(static_cast<std::uint8_t>(rng())), dst = v6addr(static_cast<std::uint8_t>(rng()));
      const auto inv = ipv6_packet(size - 40, proto, dst, src);
      const std::uint8_t type = v6_types[rng() % 4];
      auto n = build_icmpv6_error(out, src, dst, type, code, param, inv);
      ASSERT_TRUE(n);
      ASSERT_EQ(*n, 8 + std::min<std::size_t>(size, 1232));
      const bytes_view msg = bytes_view(out).first(*n);
      auto v = parse_icmpv6(msg, src, dst);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->type(), type);
      EXPECT_EQ(v->code(), code);
      EXPECT_EQ(v->mtu(), param);
      auto q = parse_quoted_ipv6(v->body());
      ASSERT_TRUE(q);
      EXPECT_EQ(q->total_length(), size);
      EXPECT_EQ(q->source(), dst);
      auto flipped = std::vector<std::byte>(msg.begin(), msg.end());
      const std::size_t bit = rng() % (flipped.size() * 8);
      flipped[bit / 8] ^= static_cast<std::byte>(1U << (bit % 8));
      EXPECT_EQ(parse_icmpv6(flipped, src, dst).code(), icmp_errc::bad_checksum) << bit;
    }
  }
}

TEST(IcmpRoundTrip, EveryPrefixParsesOrFailsCleanly) {
  // Under ASan this proves no read past any prefix of a message.
  std::vector<std::byte> m(600);
  auto n = build_icmpv4_fragmentation_needed(m, 1200, icmpv4_quote::rfc1812, ipv4_packet(200, 17));
  ASSERT_TRUE(n);
  for (std::size_t len = 0; len <= *n; ++len) {
    std::vector<std::byte> exact(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(len));
    auto v = parse_icmpv4_unchecked(exact);
    if (!v) continue;
    if (auto q = v->quoted()) (void)q->transport();
  }
}

} // namespace
