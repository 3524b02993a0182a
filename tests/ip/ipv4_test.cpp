// IPv4, UDP and TCP views and builders. External truth: packets built by
// scapy 2.5.0 (the exact scapy expressions are given next to each vector),
// parsed field by field; and our builders' output compared byte for byte
// with scapy's.
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/udp.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace vpnwire;
using ip::errc;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {

// IP(src="192.0.2.1", dst="198.51.100.7", id=0x1234, ttl=61, flags="DF")
//   /UDP(sport=1701, dport=1701)/b"hello l2tp"
const char *const scapy_udp = "45000026123440003d113f57c0000201c633640706a506a50012e1ae68656c6c6f206c327470";
// IP(src="10.1.2.3", dst="10.9.8.7", id=77, options=[IPOption_RR(routers=["1.2.3.4","0.0.0.0"])])
//   /TCP(sport=40000, dport=443, flags="S", seq=1000, options=[("MSS",1460),("NOP",None),("WScale",7)])
const char *const scapy_tcp_rr =
    "4800003c004d00004006484d0a0102030a090807070b040102030400000000009c4001bb000003e80000000070022000a4210000020405b4"
    "01030307";

TEST(Ipv4View, ParsesScapysUdpPacketFieldByField) {
  const auto b = hex(scapy_udp);
  auto v = ip::parse_ipv4(b);
  ASSERT_TRUE(v) << ip::name(v.code());
  EXPECT_EQ(v->version(), 4);
  EXPECT_EQ(v->header_length(), 20U);
  EXPECT_EQ(v->total_length(), 38);
  EXPECT_EQ(v->identification(), 0x1234);
  EXPECT_TRUE(v->dont_fragment());
  EXPECT_FALSE(v->more_fragments());
  EXPECT_FALSE(v->is_fragment());
  EXPECT_EQ(v->ttl(), 61);
  EXPECT_EQ(v->protocol(), ip::proto::udp);
  EXPECT_EQ(v->source(), 0xC0000201U);
  EXPECT_EQ(v->destination(), 0xC6336407U);
  EXPECT_EQ(v->checksum(), 0x3F57);
  auto u = ip::parse_udp_checked(*v);
  ASSERT_TRUE(u) << ip::name(u.code());
  EXPECT_EQ(u->source_port(), 1701);
  EXPECT_EQ(u->length(), 18);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(u->payload().data()), u->payload().size()), "hello l2tp");
}

TEST(Ipv4Builder, ReproducesScapysPacketExactly) {
  const auto want = hex(scapy_udp);
  std::vector<std::byte> out(64);
  ip::ipv4_fields f;
  f.identification = 0x1234;
  f.ttl = 61;
  f.dont_fragment = true;
  f.protocol = ip::proto::udp;
  f.source = 0xC0000201U;
  f.destination = 0xC6336407U;
  auto h = ip::build_ipv4_header(out, f, 18);
  ASSERT_TRUE(h);
  auto u = ip::build_udp(mutable_bytes(out).subspan(*h), f.source, f.destination, 1701, 1701,
                         as_bytes(std::string_view("hello l2tp")));
  ASSERT_TRUE(u);
  EXPECT_EQ(to_hex(bytes_view(out).first(*h + *u)), scapy_udp);
}

TEST(Ipv4View, IteratesOptionsOfScapysRecordRoutePacket) {
  const auto b = hex(scapy_tcp_rr);
  auto v = ip::parse_ipv4(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->header_length(), 32U);
  ip::option_reader r(v->options());
  auto rr = r.next();
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->type, 7); // record route, not copied
  EXPECT_FALSE(ip::ipv4_option::is_copied(rr->type));
  EXPECT_EQ(rr->size, 11U);
  EXPECT_EQ(rr->data.size(), 9U);
  auto eol = r.next();
  ASSERT_TRUE(eol);
  EXPECT_EQ(eol->type, ip::ipv4_option::end_of_list);
  EXPECT_TRUE(r.done());
  auto t = ip::parse_tcp(v->payload());
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->syn());
  EXPECT_FALSE(t->ack());
  EXPECT_EQ(t->sequence(), 1000U);
  EXPECT_EQ(t->header_length(), 28U);
  EXPECT_TRUE(t->checksum_ok(v->source(), v->destination()));
  auto it = t->option_iter();
  auto mss = it.next();
  ASSERT_TRUE(mss);
  EXPECT_EQ(mss->type, ip::tcp_option::mss);
  EXPECT_EQ(core::load_be16(mss->data.data()), 1460);
  auto nop = it.next();
  ASSERT_TRUE(nop);
  EXPECT_EQ(nop->type, ip::tcp_option::nop);
  auto ws = it.next();
  ASSERT_TRUE(ws);
  EXPECT_EQ(ws->type, ip::tcp_option::window_scale);
  EXPECT_EQ(core::load_u8(ws->data.data()), 7);
  EXPECT_TRUE(it.done());
}

TEST(Ipv4View, EveryHeaderErrorIsReportedWithItsOffset) {
  const auto good = hex(scapy_udp);
  {
    auto e = ip::parse_ipv4(bytes_view(good).first(19));
    EXPECT_EQ(e.code(), errc::truncated);
    EXPECT_EQ(e.offset(), 19U);
  }
  // The error of parsing the packet with byte i replaced by v.
  auto mutated = [&](std::size_t i, std::byte v, bool verify = true) {
    auto b = good;
    b[i] = v;
    return verify ? ip::parse_ipv4(b).error() : ip::parse_ipv4_unchecked(b).error();
  };
  EXPECT_EQ(mutated(0, std::byte{0x65}).code, errc::bad_version);
  EXPECT_EQ(mutated(0, std::byte{0x44}).code, errc::ihl_too_small);
  EXPECT_EQ(mutated(0, std::byte{0x4F}).code, errc::header_beyond_buffer);
  EXPECT_EQ(mutated(3, std::byte{0x10}).code, errc::total_length_below_header);
  auto e = mutated(3, std::byte{0x27});
  EXPECT_EQ(e.code, errc::total_length_beyond_buffer);
  EXPECT_EQ(e.offset, 2U);
  auto c = mutated(8, std::byte{0x3E});
  EXPECT_EQ(c.code, errc::bad_header_checksum);
  EXPECT_EQ(c.offset, 10U);
  EXPECT_EQ(mutated(8, std::byte{0x3E}, false).code, errc::ok);
}

TEST(Ipv4View, TrailingLinkPaddingIsExcluded) {
  auto b = hex(scapy_udp);
  b.resize(b.size() + 8);
  auto v = ip::parse_ipv4(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->packet().size(), 38U);
  EXPECT_EQ(v->payload().size(), 18U);
}

TEST(OptionReader, RejectsBadLengths) {
  const auto zero_len = hex("07 00 00 00");
  ip::option_reader a(zero_len);
  auto e = a.next();
  EXPECT_EQ(e.code(), errc::option_length_invalid);
  EXPECT_TRUE(a.done());
  const auto too_long = hex("01 07 09 00 00");
  ip::option_reader b(too_long);
  ASSERT_TRUE(b.next());
  auto e2 = b.next();
  EXPECT_EQ(e2.code(), errc::option_length_invalid);
  EXPECT_EQ(e2.offset(), 1U);
  const auto missing_len = hex("01 83");
  ip::option_reader c(missing_len);
  ASSERT_TRUE(c.next());
  EXPECT_EQ(c.next().code(), errc::option_truncated);
}

TEST(Ipv4Builder, RoundTripsRandomFieldsThroughTheView) {
  std::mt19937 rng(791);
  for (int i = 0; i < 2000; ++i) {
    ip::ipv4_fields f;
    f.tos = static_cast<std::uint8_t>(rng());
    f.identification = static_cast<std::uint16_t>(rng());
    f.dont_fragment = rng() & 1;
    f.more_fragments = rng() & 1;
    f.reserved_flag = rng() & 1;
    f.fragment_offset = (rng() % 8192) * 8;
    f.ttl = static_cast<std::uint8_t>(rng());
    f.protocol = static_cast<std::uint8_t>(rng());
    f.source = rng();
    f.destination = rng();
    std::vector<std::byte> opts(rng() % 41, std::byte{1});
    f.options = opts;
    const std::size_t plen = rng() % 100;
    std::vector<std::byte> out(60 + plen);
    auto h = ip::build_ipv4_header(out, f, plen);
    ASSERT_TRUE(h);
    auto v = ip::parse_ipv4(bytes_view(out).first(*h + plen));
    ASSERT_TRUE(v) << ip::name(v.code());
    EXPECT_EQ(v->tos(), f.tos);
    EXPECT_EQ(v->identification(), f.identification);
    EXPECT_EQ(v->dont_fragment(), f.dont_fragment);
    EXPECT_EQ(v->more_fragments(), f.more_fragments);
    EXPECT_EQ(v->reserved_flag(), f.reserved_flag);
    EXPECT_EQ(v->fragment_offset(), f.fragment_offset);
    EXPECT_EQ(v->ttl(), f.ttl);
    EXPECT_EQ(v->protocol(), f.protocol);
    EXPECT_EQ(v->source(), f.source);
    EXPECT_EQ(v->destination(), f.destination);
    EXPECT_EQ(v->header_length(), 20 + (opts.size() + 3) / 4 * 4);
    EXPECT_EQ(v->payload().size(), plen);
  }
}

TEST(Ipv4Builder, RefusesWhatCannotBeEncoded) {
  ip::ipv4_fields f;
  std::vector<std::byte> out(100);
  std::vector<std::byte> opts(41);
  f.options = opts;
  EXPECT_EQ(ip::build_ipv4_header(out, f, 0).code(), errc::options_too_long);
  f.options = {};
  f.fragment_offset = 4;
  EXPECT_EQ(ip::build_ipv4_header(out, f, 0).code(), errc::invalid_parameter);
  f.fragment_offset = 0;
  EXPECT_EQ(ip::build_ipv4_header(out, f, 65516).code(), errc::invalid_parameter);
  EXPECT_EQ(ip::build_ipv4_header(mutable_bytes(out).first(19), f, 0).code(), errc::buffer_too_small);
}

TEST(Udp, ZeroChecksumIsAcceptedAndAComputedZeroIsSentAsAllOnes) {
  auto b = hex(scapy_udp);
  b[26] = std::byte{0};
  b[27] = std::byte{0};
  auto v = ip::parse_ipv4(b);
  ASSERT_TRUE(v);
  EXPECT_TRUE(ip::parse_udp_checked(*v));
  b[26] = std::byte{0x12}; // now a wrong non-zero checksum
  auto v2 = ip::parse_ipv4(b);
  auto e = ip::parse_udp_checked(*v2);
  EXPECT_EQ(e.code(), errc::bad_udp_checksum);
  EXPECT_EQ(e.offset(), 6U);

  // Search a payload whose checksum computes to 0: it must go out as 0xFFFF.
  std::vector<std::byte> out(16);
  bool found = false;
  for (std::uint32_t x = 0; x < 65536 && !found; ++x) {
    std::array<std::byte, 2> pl{std::byte(x >> 8), std::byte(x & 0xFF)};
    auto n = ip::build_udp(out, 1, 2, 3, 4, pl);
    ASSERT_TRUE(n);
    std::array<std::byte, 10> zeroed{};
    std::copy(out.begin(), out.begin() + 10, zeroed.begin());
    zeroed[6] = zeroed[7] = std::byte{0};
    if (ip::pseudo_header_checksum(1, 2, ip::proto::udp, zeroed) == 0) {
      found = true;
      EXPECT_EQ(core::load_be16(out.data() + 6), 0xFFFF);
      auto u = ip::parse_udp(bytes_view(out).first(10));
      ASSERT_TRUE(u);
      EXPECT_TRUE(u->checksum_ok(1, 2));
    }
  }
  EXPECT_TRUE(found);
}

TEST(Udp, LengthErrors) {
  const auto b = hex("06a506a50007e1ae");
  EXPECT_EQ(ip::parse_udp(b).code(), errc::udp_length_invalid);
  const auto c = hex("06a506a50010e1ae");
  EXPECT_EQ(ip::parse_udp(c).code(), errc::udp_length_invalid);
  EXPECT_EQ(ip::parse_udp(bytes_view(c).first(7)).code(), errc::truncated);
}

TEST(Tcp, DataOffsetErrors) {
  auto b = hex(scapy_tcp_rr);
  auto v = ip::parse_ipv4(b);
  ASSERT_TRUE(v);
  std::vector<std::byte> seg(v->payload().begin(), v->payload().end());
  seg[12] = std::byte{0x40};
  EXPECT_EQ(ip::parse_tcp(seg).code(), errc::tcp_data_offset_too_small);
  seg[12] = std::byte{0xF0};
  EXPECT_EQ(ip::parse_tcp(seg).code(), errc::tcp_header_beyond_buffer);
  EXPECT_EQ(ip::parse_tcp(bytes_view(seg).first(19)).code(), errc::truncated);
}

} // namespace
