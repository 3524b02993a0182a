// LCP, IPCP and CCP packets (RFC 1661 §5-6, RFC 1332, RFC 1877, RFC 1962):
// header validation, option iteration and its errors, typed options, and
// the builder's round trip.
#include "vpnwire/ppp/control.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <deque>

#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;
using vpnwire_test::hex;

namespace {
// Keeps a test input alive for the whole test: parsers refuse temporaries
// (their views would dangle), so inputs built in place are held here.
const std::vector<std::byte> &held(std::vector<std::byte> b) {
  static std::deque<std::vector<std::byte>> pool;
  return pool.emplace_back(std::move(b));
}
} // namespace

namespace {
// A Configure-Request as pppd sends it: MRU 1492, ACCM 0, CHAP/MD5, magic, PFC, ACFC.
const auto lcp_request =
    hex("01 01 00 1d  01 04 05 d4  02 06 00 00 00 00  03 05 c2 23 05  05 06 12 34 56 78  07 02 08 02");
} // namespace

TEST(ControlPacket, ParsesTheHeaderAndEveryLcpOption) {
  const auto p = parse_control_packet(lcp_request);
  ASSERT_TRUE(p) << name(p.code());
  EXPECT_EQ(p->code, code::configure_request);
  EXPECT_EQ(p->identifier, 1);
  EXPECT_EQ(p->length, 0x1d);
  EXPECT_TRUE(p->padding.empty());
  auto r = p->options();
  ASSERT_TRUE(r);
  auto o = r->next();
  ASSERT_TRUE(o);
  EXPECT_EQ(o->offset, 4U);
  EXPECT_EQ(*lcp_mru(*o), 1492);
  o = r->next();
  EXPECT_EQ(*lcp_accm(*o), 0U);
  o = r->next();
  const auto auth = lcp_auth_protocol(*o);
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->protocol, 0xC223);
  EXPECT_EQ(vpnwire_test::to_hex(auth->data), "05"); // MD5
  o = r->next();
  EXPECT_EQ(*lcp_magic_number(*o), 0x12345678U);
  o = r->next();
  EXPECT_TRUE(*lcp_pfc(*o));
  o = r->next();
  EXPECT_TRUE(*lcp_acfc(*o));
  EXPECT_TRUE(r->done());
  EXPECT_EQ(*p->validate_options(), 6U);
  EXPECT_EQ(*lcp_magic_number(*p->find(lcp_option::magic_number)), 0x12345678U);
  EXPECT_EQ(p->find(lcp_option::quality_protocol).code(), errc::option_not_found);
}

TEST(ControlPacket, IpcpAddressAndDnsOptions) {
  const auto b = hex("03 07 00 16  03 06 c0 00 02 01  81 06 08 08 08 08  83 06 01 01 01 01");
  const auto p = parse_control_packet(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, code::configure_nak);
  EXPECT_EQ(*ipcp_ip_address(*p->find(ipcp_option::ip_address)), 0xC0000201U);
  EXPECT_EQ(*ipcp_primary_dns(*p->find(ipcp_option::primary_dns)), 0x08080808U);
  EXPECT_EQ(*ipcp_secondary_dns(*p->find(ipcp_option::secondary_dns)), 0x01010101U);
}

TEST(ControlPacket, CcpOptionsIterate) {
  // CCP Configure-Request: MPPE (18) with 4 octets of bits, Deflate (26) window 15.
  const auto b = hex("01 02 00 0e  12 06 01 00 00 40  1a 04 78 00");
  const auto p = parse_control_packet(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->validate_options(), 2U);
  EXPECT_EQ(p->find(26)->value.size(), 2U);
}

TEST(ControlPacket, TrailingOctetsAfterLengthArePadding) {
  const auto b = hex("09 05 00 08 11 22 33 44 00 00 00");
  const auto p = parse_control_packet(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, code::echo_request);
  EXPECT_EQ(p->data.size(), 4U);
  EXPECT_EQ(p->padding.size(), 3U);
  EXPECT_EQ(p->options().code(), errc::not_configure_packet);
}

TEST(ControlPacket, HeaderErrors) {
  EXPECT_EQ(parse_control_packet(held(hex("01 01 00"))).code(), errc::truncated);
  const auto p_bytes = hex("01 01 00 03");
  auto p = parse_control_packet(p_bytes);
  EXPECT_EQ(p.code(), errc::packet_length_below_header);
  EXPECT_EQ(p.offset(), 2U);
  p = parse_control_packet(held(hex("01 01 00 09 01 04 05 dc")));
  EXPECT_EQ(p.code(), errc::packet_length_past_end);
  EXPECT_EQ(p.offset(), 2U);
}

TEST(ControlPacket, OptionLengthZeroIsAnError) {
  const auto p_bytes = hex("01 01 00 0a 01 04 05 dc 05 00");
  const auto p = parse_control_packet(p_bytes);
  ASSERT_TRUE(p);
  const auto v = p->validate_options();
  EXPECT_EQ(v.code(), errc::option_length_below_two);
  EXPECT_EQ(v.offset(), 9U);
}

TEST(ControlPacket, OptionLengthOneIsAnError) {
  const auto p_bytes = hex("01 01 00 06 07 01");
  const auto p = parse_control_packet(p_bytes);
  ASSERT_TRUE(p);
  auto r = p->options();
  const auto o = r->next();
  EXPECT_EQ(o.code(), errc::option_length_below_two);
  EXPECT_EQ(o.offset(), 5U);
  EXPECT_TRUE(r->done()); // the reader stops after an error
  EXPECT_EQ(r->next().code(), errc::truncated);
}

TEST(ControlPacket, OptionPastTheEndIsAnError) {
  // The magic-number option claims 6 octets; Length leaves it only 4. The
  // octets beyond Length are in the buffer but must not be read.
  const auto b = hex("01 01 00 0c 01 04 05 dc 05 06 12 34 56 78");
  const auto p = parse_control_packet(b);
  ASSERT_TRUE(p);
  const auto v = p->validate_options();
  EXPECT_EQ(v.code(), errc::option_past_end);
  EXPECT_EQ(v.offset(), 8U);
  // A lone type octet at the end.
  const auto q_bytes = hex("01 01 00 05 01");
  const auto q = parse_control_packet(q_bytes);
  EXPECT_EQ(q->validate_options().code(), errc::option_past_end);
}

TEST(ControlPacket, TypedAccessorsCheckLengthAndType) {
  const auto p_bytes = hex("01 01 00 0b 01 05 05 dc 00 05 02");
  const auto p = parse_control_packet(p_bytes);
  ASSERT_TRUE(p);
  auto r = p->options();
  auto o = r->next();
  const auto mru = lcp_mru(*o);
  EXPECT_EQ(mru.code(), errc::option_wrong_length);
  EXPECT_EQ(mru.offset(), 5U);
  EXPECT_EQ(lcp_magic_number(*o).code(), errc::option_not_found);
  o = r->next();
  EXPECT_EQ(lcp_magic_number(*o).code(), errc::option_wrong_length);
}

TEST(ControlPacketBuilder, BuildsWhatTheViewReadsBack) {
  std::vector<std::byte> out(64);
  control_packet_builder b(out, code::configure_request, 42);
  b.option_u16(lcp_option::mru, 1400)
      .option_u32(lcp_option::accm, 0x000A0000)
      .option(lcp_option::authentication_protocol, hex("c0 23"))
      .option_u32(lcp_option::magic_number, 0xCAFEBABE)
      .option(lcp_option::protocol_field_compression, {});
  const auto n = b.finish();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4U + 4 + 6 + 4 + 6 + 2);
  const auto p = parse_control_packet(std::span(out).first(*n));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->identifier, 42);
  EXPECT_EQ(*lcp_mru(*p->find(lcp_option::mru)), 1400);
  EXPECT_EQ(*lcp_accm(*p->find(lcp_option::accm)), 0x000A0000U);
  EXPECT_EQ(lcp_auth_protocol(*p->find(lcp_option::authentication_protocol))->protocol, 0xC023);
  EXPECT_EQ(*lcp_magic_number(*p->find(lcp_option::magic_number)), 0xCAFEBABEU);
  EXPECT_TRUE(*lcp_pfc(*p->find(lcp_option::protocol_field_compression)));
}

TEST(ControlPacketBuilder, ReportsBufferTooSmall) {
  std::vector<std::byte> out(10);
  control_packet_builder b(out, code::configure_request, 1);
  b.option_u32(lcp_option::magic_number, 1).option_u16(lcp_option::mru, 1500);
  const auto n = b.finish();
  EXPECT_EQ(n.code(), errc::buffer_too_small);
  std::vector<std::byte> tiny(3);
  EXPECT_EQ(control_packet_builder(tiny, 1, 1).finish().code(), errc::buffer_too_small);
}

// Invariant over generated option lists: the reader never yields an option
// outside the packet, and either consumes the list exactly or stops with an
// error whose offset lies inside it.
TEST(ControlPacket, GeneratedOptionListsStayInBounds) {
  std::mt19937 rng(1661);
  for (int iter = 0; iter < 5000; ++iter) {
    std::vector<std::byte> b(4 + rng() % 40);
    for (auto &x : b) x = static_cast<std::byte>(rng() % 8 == 0 ? rng() % 3 : rng() % 12);
    b[0] = std::byte{1};
    b[2] = std::byte{0};
    b[3] = static_cast<std::byte>(b.size());
    const auto p = parse_control_packet(b);
    ASSERT_TRUE(p);
    auto r = p->options();
    std::size_t end = 4;
    while (!r->done()) {
      const auto o = r->next();
      if (!o) {
        ASSERT_GE(o.offset(), end);
        ASSERT_LT(o.offset(), b.size());
        break;
      }
      ASSERT_EQ(o->offset, end);
      ASSERT_GE(o->length, 2);
      end += o->length;
      ASSERT_LE(end, b.size());
      ASSERT_EQ(o->value.data(), b.data() + o->offset + 2);
    }
  }
}

// The option tables against the RFCs' Length fields, and the typed
// accessors reading their lengths from them.
TEST(OptionCatalogue, LengthsFollowTheRfcs) {
  using vpnwire::ppp::control_protocol;
  using vpnwire::ppp::option_catalogue;
  struct row {
    control_protocol p;
    std::uint8_t type;
    std::uint8_t min, max;
  };
  // RFC 1661 §6.1-6.6, RFC 1662 §7.1, RFC 1570 §2, RFC 1990 §5.1.1;
  // RFC 1332 §3.2-3.3, RFC 1877 §1.1-1.2; RFC 1978 §2, RFC 1974 §2.1,
  // RFC 2118 §2, RFC 1977 §2.1, RFC 1979 §2.1; RFC 5072 §4.1-4.2.
  const row rows[] = {
      {control_protocol::lcp, 1, 4, 4},    {control_protocol::lcp, 2, 6, 6},      {control_protocol::lcp, 3, 4, 255},
      {control_protocol::lcp, 4, 4, 255},  {control_protocol::lcp, 5, 6, 6},      {control_protocol::lcp, 7, 2, 2},
      {control_protocol::lcp, 8, 2, 2},    {control_protocol::lcp, 9, 3, 3},      {control_protocol::lcp, 17, 4, 4},
      {control_protocol::ipcp, 2, 4, 255}, {control_protocol::ipcp, 3, 6, 6},     {control_protocol::ipcp, 129, 6, 6},
      {control_protocol::ipcp, 130, 6, 6}, {control_protocol::ipcp, 131, 6, 6},   {control_protocol::ipcp, 132, 6, 6},
      {control_protocol::ccp, 0, 6, 255},  {control_protocol::ccp, 1, 2, 2},      {control_protocol::ccp, 2, 2, 2},
      {control_protocol::ccp, 17, 5, 5},   {control_protocol::ccp, 18, 6, 6},     {control_protocol::ccp, 21, 3, 3},
      {control_protocol::ccp, 26, 4, 4},   {control_protocol::ipv6cp, 1, 10, 10}, {control_protocol::ipv6cp, 2, 4, 255},
  };
  std::size_t known = 0;
  for (control_protocol p :
       {control_protocol::lcp, control_protocol::ipcp, control_protocol::ccp, control_protocol::ipv6cp})
    for (unsigned t = 0; t < 256; ++t) known += option_catalogue(p, static_cast<std::uint8_t>(t)).known ? 1 : 0;
  EXPECT_EQ(known, std::size(rows)); // the table lists exactly these
  for (const row &r : rows) {
    const auto o = option_catalogue(r.p, r.type);
    SCOPED_TRACE(std::string(vpnwire::ppp::name(r.p)) + " " + std::to_string(r.type));
    EXPECT_TRUE(o.known);
    EXPECT_EQ(o.min_length, r.min);
    EXPECT_EQ(o.max_length, r.max);
    EXPECT_FALSE(o.name.empty());
    EXPECT_FALSE(o.wireshark.empty());
  }
  EXPECT_EQ(vpnwire::ppp::protocol_number(control_protocol::ipv6cp), 0x8057);
  EXPECT_EQ(vpnwire::ppp::control_protocol_of(0x8057), control_protocol::ipv6cp);
  EXPECT_EQ(vpnwire::ppp::control_protocol_of(0x0021), std::nullopt);
}

TEST(OptionCatalogue, ProtocolAndCodeNames) {
  EXPECT_EQ(vpnwire::ppp::protocol_name(0x8057), "IPV6CP");
  EXPECT_EQ(vpnwire::ppp::protocol_name(0x0057), "IPv6");
  EXPECT_EQ(vpnwire::ppp::protocol_name(0xC021), "LCP");
  EXPECT_EQ(vpnwire::ppp::protocol_name(0x1234), "unknown");
  EXPECT_EQ(vpnwire::ppp::code_name(1), "Configure-Request");
  EXPECT_EQ(vpnwire::ppp::code_name(15), "Reset-Ack");
  EXPECT_EQ(vpnwire::ppp::code_name(12), "unknown");
}

// RFC 5072 §4.1: Interface-Identifier, type 1, length 10, 8 octets.
TEST(ControlPacket, Ipv6cpInterfaceIdentifier) {
  const auto pkt = hex("01 07 00 12  01 0a 02 11 22 ff fe 33 44 55  02 04 00 4f");
  auto p = vpnwire::ppp::parse_control_packet(pkt);
  ASSERT_TRUE(p);
  auto r = *p->options();
  auto id = r.next();
  ASSERT_TRUE(id);
  EXPECT_EQ(*vpnwire::ppp::ipv6cp_interface_identifier(*id), 0x021122fffe334455ULL);
  auto comp = r.next(); // IPv6-Compression-Protocol: walked, length-checked, no typed view
  ASSERT_TRUE(comp);
  EXPECT_EQ(comp->type, vpnwire::ppp::ipv6cp_option::ipv6_compression_protocol);
  EXPECT_TRUE(
      vpnwire::ppp::option_catalogue(vpnwire::ppp::control_protocol::ipv6cp, comp->type).length_ok(comp->length));
  EXPECT_TRUE(r.done());
  // wrong length, wrong type
  const auto bad = hex("01 07 00 0c  01 08 02 11 22 ff fe 33");
  auto q = vpnwire::ppp::parse_control_packet(bad);
  ASSERT_TRUE(q);
  auto o = q->options()->next();
  ASSERT_TRUE(o);
  EXPECT_EQ(vpnwire::ppp::ipv6cp_interface_identifier(*o).code(), vpnwire::ppp::errc::option_wrong_length);
  EXPECT_EQ(vpnwire::ppp::ipv6cp_interface_identifier(*o).offset(), 5U);
  EXPECT_EQ(vpnwire::ppp::ipv6cp_interface_identifier(*comp).code(), vpnwire::ppp::errc::option_not_found);
}
