// Sync PPP frames (RFC 1661 §2, RFC 1662 §3): ACFC and PFC forms, the
// Protocol field validity rule, and build/parse round trips.
#include "vpnwire/ppp/frame.hpp"

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

TEST(Frame, FullHeaderWithAddressControlAndTwoOctetProtocol) {
  const auto b = hex("ff 03 c0 21 01 01 00 04");
  const auto f = parse_frame(b);
  ASSERT_TRUE(f) << name(f.code());
  EXPECT_TRUE(f->has_address_control);
  EXPECT_FALSE(f->protocol_compressed);
  EXPECT_EQ(f->protocol, protocol::lcp);
  EXPECT_EQ(f->header_size, 4U);
  EXPECT_EQ(vpnwire_test::to_hex(f->payload), "01010004");
  EXPECT_EQ(f->payload.data(), b.data() + 4); // a sub-span, no copy
}

TEST(Frame, AddressControlCompressedForm) {
  const auto f_bytes = hex("00 21 45 00");
  const auto f = parse_frame(f_bytes);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->has_address_control);
  EXPECT_EQ(f->protocol, protocol::ipv4);
  EXPECT_EQ(f->header_size, 2U);
}

TEST(Frame, OneOctetProtocolIsPfc) {
  const auto f_bytes = hex("ff 03 21 45");
  const auto f = parse_frame(f_bytes);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->protocol_compressed);
  EXPECT_EQ(f->protocol, 0x0021);
  EXPECT_EQ(f->header_size, 3U);
  const auto g_bytes = hex("57 60");
  const auto g = parse_frame(g_bytes);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->protocol, protocol::ipv6);
  EXPECT_EQ(g->header_size, 1U);
}

TEST(Frame, OneOctetProtocolRejectedWithoutPfc) {
  const auto f_bytes = hex("ff 03 21 45");
  const auto f = parse_frame(f_bytes, {true, false});
  EXPECT_EQ(f.code(), errc::protocol_high_octet_odd);
  EXPECT_EQ(f.offset(), 2U);
}

TEST(Frame, ProtocolWithHighOctetLowBitSetIsAnErrorWithoutPfc) {
  // 0x0121: odd, but the high octet is odd too; without PFC that is invalid.
  const auto f_bytes = hex("ff 03 01 21");
  const auto f = parse_frame(f_bytes, {true, false});
  EXPECT_EQ(f.code(), errc::protocol_high_octet_odd);
  EXPECT_EQ(f.offset(), 2U);
  EXPECT_FALSE(protocol_valid(0x0121));
}

TEST(Frame, EvenProtocolNumberIsAnError) {
  const auto f_bytes = hex("ff 03 c0 20 00");
  const auto f = parse_frame(f_bytes);
  EXPECT_EQ(f.code(), errc::protocol_even);
  EXPECT_EQ(f.offset(), 3U);
  EXPECT_EQ(parse_frame(held(hex("00 20"))).code(), errc::protocol_even);
}

TEST(Frame, AddressWithoutUiControlIsAnError) {
  const auto f_bytes = hex("ff 13 c0 21");
  const auto f = parse_frame(f_bytes);
  EXPECT_EQ(f.code(), errc::bad_control);
  EXPECT_EQ(f.offset(), 1U);
}

TEST(Frame, MissingAddressControlRejectedWithoutAcfc) {
  const auto f_bytes = hex("c0 21 01");
  const auto f = parse_frame(f_bytes, {false, true});
  EXPECT_EQ(f.code(), errc::bad_control);
  EXPECT_EQ(f.offset(), 0U);
}

TEST(Frame, TruncatedHeaders) {
  EXPECT_EQ(parse_frame({}).code(), errc::truncated);
  EXPECT_EQ(parse_frame(held(hex("ff"))).code(), errc::truncated);
  EXPECT_EQ(parse_frame(held(hex("ff 03"))).code(), errc::truncated);
  const auto f_bytes = hex("ff 03 c0");
  const auto f = parse_frame(f_bytes);
  EXPECT_EQ(f.code(), errc::truncated);
  EXPECT_EQ(f.offset(), 3U);
}

TEST(Frame, BuilderRejectsInvalidProtocolsAndSmallBuffers) {
  std::vector<std::byte> out(8);
  EXPECT_EQ(build_frame(out, 0xC020, {}).code(), errc::protocol_not_allowed);
  EXPECT_EQ(build_frame(out, 0x0121, {}).code(), errc::protocol_not_allowed);
  const auto payload = hex("01 02 03 04 05");
  const auto r = build_frame(out, protocol::lcp, payload);
  EXPECT_EQ(r.code(), errc::buffer_too_small);
  EXPECT_EQ(r.offset(), out.size()); // like every builder: the size of the span given (9 are needed)
  EXPECT_EQ(frame_header_size(protocol::lcp) + payload.size(), 9U);
  std::vector<std::byte> three(3);
  const auto h = build_frame_header(three, protocol::lcp);
  EXPECT_EQ(h.code(), errc::buffer_too_small);
  EXPECT_EQ(h.offset(), 3U);
  EXPECT_EQ(*build_frame(std::span(out).first(9 - 1), protocol::lcp, {false, false}, payload), 7U);
}

// Round trip over every valid protocol value and every header form.
TEST(Frame, BuildThenParseGivesBackTheSameFields) {
  std::vector<std::byte> out(16);
  const auto payload = hex("de ad be ef");
  for (std::uint32_t p = 0; p <= 0xFFFF; ++p) {
    const auto proto = static_cast<std::uint16_t>(p);
    if (!protocol_valid(proto)) continue;
    for (int form = 0; form < 4; ++form) {
      const frame_build_options opt{(form & 1) != 0, (form & 2) != 0};
      const auto n = build_frame(out, proto, opt, payload);
      ASSERT_TRUE(n);
      const auto f = parse_frame(std::span(out).first(*n));
      ASSERT_TRUE(f) << p;
      ASSERT_EQ(f->protocol, proto);
      ASSERT_EQ(f->has_address_control, opt.address_control);
      ASSERT_EQ(f->protocol_compressed, opt.compress_protocol && proto < 0xFF);
      ASSERT_EQ(vpnwire_test::to_hex(f->payload), "deadbeef");
    }
  }
}
