// The L2TPv2 header view and builder (RFC 2661 §3.1): field decoding against
// hand-assembled bytes, every header error, and a build-then-parse property
// over generated headers.
#include "vpnwire/l2tp/header.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vpnwire;
using l2tp::errc;
using vpnwire_test::hex;

namespace {
void expect_error(const std::vector<std::byte> &b, errc code, std::size_t offset) {
  auto h = l2tp::parse_header(b);
  ASSERT_FALSE(h) << "expected " << l2tp::name(code);
  EXPECT_EQ(h.code(), code) << l2tp::name(h.code());
  EXPECT_EQ(h.offset(), offset);
}
} // namespace

TEST(L2tpHeader, DecodesControlHeaderFields) {
  // SCCRQ-like: T L S, ver 2, length 20, tunnel 0x1234, session 0, Ns 1, Nr 2, one AVP of 8 bytes
  const auto b = hex("c802 0014 1234 0000 0001 0002 8008 0000 0000 0001");
  auto h = l2tp::parse_header(b);
  ASSERT_TRUE(h) << l2tp::name(h.code());
  EXPECT_TRUE(h->is_control());
  EXPECT_TRUE(h->has_length());
  EXPECT_TRUE(h->has_sequence());
  EXPECT_FALSE(h->has_offset());
  EXPECT_EQ(h->version(), 2);
  EXPECT_EQ(h->length(), 20U);
  EXPECT_EQ(h->tunnel_id(), 0x1234);
  EXPECT_EQ(h->session_id(), 0);
  EXPECT_EQ(h->ns(), 1);
  EXPECT_EQ(h->nr(), 2);
  EXPECT_EQ(h->header_size(), 12U);
  EXPECT_EQ(h->payload().size(), 8U);
  EXPECT_EQ(h->payload().data(), b.data() + 12); // a sub-span, not a copy
  EXPECT_FALSE(h->is_zlb());
  EXPECT_EQ(h->trailing_bytes(), 0U);
}

TEST(L2tpHeader, MinimalDataHeaderHasSixBytes) {
  const auto b = hex("0002 0007 0009 ff03 c021");
  auto h = l2tp::parse_header(b);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->is_data());
  EXPECT_EQ(h->tunnel_id(), 7);
  EXPECT_EQ(h->session_id(), 9);
  EXPECT_EQ(h->header_size(), 6U);
  EXPECT_EQ(vpnwire_test::to_hex(h->payload()), "ff03c021");
}

TEST(L2tpHeader, ZlbIsControlWithEmptyBody) {
  const auto b = hex("c802 000c 0001 0000 0005 0007");
  auto h = l2tp::parse_header(b);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->is_zlb());
}

TEST(L2tpHeader, ReservedBitsAreIgnoredOnReceive) {
  // 0x34f2: reserved bits 0x3000, 0x0400, 0x00f0 set on a data message with ver 2
  const auto b = hex("34f2 0001 0002 aa");
  auto h = l2tp::parse_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->flags_word(), 0x34f2);
  EXPECT_FALSE(h->has_length());
  EXPECT_FALSE(h->has_sequence());
  EXPECT_EQ(h->payload().size(), 1U);
}

TEST(L2tpHeader, PayloadsOfZeroToFiveBytesAreTruncated) {
  const auto full = hex("0002 0001 0002");
  for (std::size_t n = 0; n <= 5; ++n) {
    const std::vector<std::byte> b(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    expect_error(b, errc::header_truncated, n);
  }
}

TEST(L2tpHeader, ControlWithoutLengthBitIsRejected) {
  expect_error(hex("8802 0001 0000 0000 0000"), errc::control_without_length, 0);
}
TEST(L2tpHeader, ControlWithoutSequenceBitIsRejected) {
  expect_error(hex("c002 000c 0001 0000 0000 0000"), errc::control_without_sequence, 0);
}
TEST(L2tpHeader, ControlWithOffsetBitIsRejected) {
  expect_error(hex("ca02 000e 0001 0000 0000 0000 0000"), errc::control_with_offset, 0);
}

TEST(L2tpHeader, LengthBelowHeaderIsRejected) {
  expect_error(hex("c802 000b 0001 0000 0000 0000"), errc::length_below_header, 2);
  expect_error(hex("4002 0005 0001 0000"), errc::length_below_header, 2);
}
TEST(L2tpHeader, LengthAboveDatagramIsRejected) {
  expect_error(hex("c802 000d 0001 0000 0000 0000"), errc::length_beyond_datagram, 2);
  expect_error(hex("4002 ffff 0001 0000"), errc::length_beyond_datagram, 2);
}
TEST(L2tpHeader, LengthShorterThanDatagramTrimsPayloadAndSaysSo) {
  const auto b = hex("4002 000a 0001 0002 aabb ccdd eeff");
  auto h = l2tp::parse_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->length(), 10U);
  EXPECT_EQ(h->trailing_bytes(), 4U);
  EXPECT_EQ(vpnwire_test::to_hex(h->payload()), "aabb");
}

TEST(L2tpHeader, VersionsOtherThanTwoAreDistinctErrors) {
  expect_error(hex("0000 0001 0002"), errc::unsupported_version, 1);
  expect_error(hex("0001 0001 0002"), errc::version_l2f, 1);
  expect_error(hex("0003 0001 0002"), errc::unsupported_version, 1);
  expect_error(hex("000f 0001 0002"), errc::unsupported_version, 1);
  // version is checked before the control-message rules
  expect_error(hex("8001 0001 0002"), errc::version_l2f, 1);
}

TEST(L2tpHeader, OffsetSizeZeroAndOddAreAccepted) {
  const auto b0 = hex("0202 0001 0002 0000 ff03");
  auto h0 = l2tp::parse_header(b0);
  ASSERT_TRUE(h0);
  EXPECT_EQ(h0->offset_size(), 0);
  EXPECT_EQ(h0->payload().size(), 2U);
  const auto b3 = hex("0202 0001 0002 0003 000000 ff03");
  auto h3 = l2tp::parse_header(b3);
  ASSERT_TRUE(h3);
  EXPECT_EQ(h3->offset_size(), 3);
  EXPECT_EQ(h3->offset_pad().size(), 3U);
  EXPECT_EQ(h3->payload_offset(), 11U);
  EXPECT_EQ(vpnwire_test::to_hex(h3->payload()), "ff03");
}
TEST(L2tpHeader, OffsetSizeBeyondEndIsRejected) {
  expect_error(hex("0202 0001 0002 ffff 0000"), errc::offset_beyond_end, 6);
  // exactly to the end: empty payload; one past: error
  const auto be = hex("0202 0001 0002 0002 aabb");
  auto exact = l2tp::parse_header(be);
  ASSERT_TRUE(exact);
  EXPECT_TRUE(exact->payload().empty());
  expect_error(hex("0202 0001 0002 0003 aabb"), errc::offset_beyond_end, 6);
  // with L and S: the Offset Size field sits at 12, and Length bounds the pad
  expect_error(hex("4a02 0010 0001 0002 0000 0000 0003 aabb cc"), errc::offset_beyond_end, 12);
}
TEST(L2tpHeader, OffsetFieldTruncatedIsRejected) {
  expect_error(hex("0202 0001 0002"), errc::header_truncated, 6);
  expect_error(hex("0202 0001 0002 00"), errc::header_truncated, 6);
}
TEST(L2tpHeader, SequenceFieldsTruncatedAreRejected) {
  expect_error(hex("0802 0001 0002 00"), errc::header_truncated, 6);
  expect_error(hex("0802 0001 0002 0000 00"), errc::header_truncated, 8);
  expect_error(hex("4002 0006 0001"), errc::header_truncated, 6);
}

TEST(L2tpHeader, BuilderZeroesReservedBitsAndFixesLength) {
  std::array<std::byte, 32> out{};
  out.fill(std::byte{0xEE});
  l2tp::header_fields f;
  f.with_length = true;
  f.with_offset = true;
  f.offset_size = 2;
  f.priority = true;
  f.tunnel_id = 1;
  f.session_id = 2;
  auto n = l2tp::build_header(out, f, 4);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 12U);
  EXPECT_EQ(vpnwire_test::to_hex(std::span(out).first(*n)), "4302001000010002"
                                                            "0002"
                                                            "0000");
}

TEST(L2tpHeader, BuilderReportsSmallBuffersAndOversizedMessages) {
  std::array<std::byte, 11> small{};
  l2tp::header_fields c;
  c.control = true;
  auto n = l2tp::build_header(small, c, 0);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.code(), errc::buffer_too_small);
  std::array<std::byte, 12> ok{};
  auto big = l2tp::build_header(ok, c, 65535 - 11);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.code(), errc::value_too_long);
}

// Property: every combination of flags and field values round-trips through
// build_header + parse_header, and the payload is exactly what follows.
TEST(L2tpHeader, BuildThenParseGivesBackEveryField) {
  std::mt19937 rng(2661);
  std::vector<std::byte> buf(2048);
  for (int i = 0; i < 20000; ++i) {
    l2tp::header_fields f;
    f.control = (rng() & 7) == 0;
    f.with_length = (rng() & 1) != 0;
    f.with_sequence = (rng() & 1) != 0;
    f.with_offset = (rng() & 1) != 0;
    f.priority = (rng() & 1) != 0;
    f.tunnel_id = static_cast<std::uint16_t>(rng());
    f.session_id = static_cast<std::uint16_t>(rng());
    f.ns = static_cast<std::uint16_t>(rng());
    f.nr = static_cast<std::uint16_t>(rng());
    f.offset_size = static_cast<std::uint16_t>(rng() % 40);
    const std::size_t payload = rng() % 200;
    auto n = l2tp::build_header(buf, f, payload);
    ASSERT_TRUE(n);
    for (std::size_t k = 0; k < payload; ++k) buf[*n + k] = static_cast<std::byte>(k);
    auto h = l2tp::parse_header(std::span(buf).first(*n + payload));
    ASSERT_TRUE(h) << l2tp::name(h.code());
    EXPECT_EQ(h->is_control(), f.control);
    EXPECT_EQ(h->has_length(), f.control || f.with_length);
    EXPECT_EQ(h->has_sequence(), f.control || f.with_sequence);
    EXPECT_EQ(h->has_offset(), !f.control && f.with_offset);
    EXPECT_EQ(h->priority(), !f.control && f.priority);
    EXPECT_EQ(h->flags_word() & ~l2tp::flag::defined, 0);
    EXPECT_EQ(h->tunnel_id(), f.tunnel_id);
    EXPECT_EQ(h->session_id(), f.session_id);
    if (h->has_sequence()) {
      EXPECT_EQ(h->ns(), f.ns);
      EXPECT_EQ(h->nr(), f.nr);
    }
    EXPECT_EQ(h->offset_size(), h->has_offset() ? f.offset_size : 0);
    ASSERT_EQ(h->payload().size(), payload);
    if (payload != 0) {
      EXPECT_EQ(h->payload().data(), buf.data() + *n);
    }
  }
}
