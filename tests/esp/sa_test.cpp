// The SA's size arithmetic, its validation, the packet view and the NAT-T
// demultiplexer: pure functions, no crypto.
#include "vpnwire/esp/natt.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/sa.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

using namespace vpnwire;
using vpnwire_test::hex;

namespace {

TEST(EspSaConfig, SizesOfEachAlgorithm) {
  esp::sa_config c;
  c.cipher = esp::cipher::aes_gcm;
  c.aead_icv_size = 16;
  EXPECT_EQ(c.headroom(), 16U);
  EXPECT_EQ(c.icv_size(), 16U);
  EXPECT_EQ(c.tailroom(), 3U + 2 + 16);
  EXPECT_EQ(c.overhead(0), 16U + 2 + 2 + 16); // 2 bytes of padding to reach 4
  EXPECT_EQ(c.overhead(2), 16U + 0 + 2 + 16);
  c.aead_icv_size = 8;
  EXPECT_EQ(c.icv_size(), 8U);
  c.cipher = esp::cipher::aes_cbc;
  c.integrity = esp::integrity::hmac_sha256_128;
  EXPECT_EQ(c.headroom(), 24U);
  EXPECT_EQ(c.pad_alignment(), 16U);
  EXPECT_EQ(c.overhead(14), 24U + 0 + 2 + 16);
  EXPECT_EQ(c.overhead(15), 24U + 15 + 2 + 16);
  EXPECT_EQ(c.tailroom(), 15U + 2 + 16);
  c.integrity = esp::integrity::hmac_sha1_96;
  EXPECT_EQ(c.icv_size(), 12U);
  c.integrity = esp::integrity::hmac_sha384_192;
  EXPECT_EQ(c.icv_size(), 24U);
  c.integrity = esp::integrity::hmac_sha512_256;
  EXPECT_EQ(c.icv_size(), 32U);
  c.cipher = esp::cipher::null;
  EXPECT_EQ(c.iv_size(), 0U);
  c.udp_encap = true;
  EXPECT_EQ(c.headroom(), 16U);
}

// overhead() agrees with the layout for every length, and max_payload() is
// the exact inverse: the largest length whose packet fits, by brute force.
TEST(EspSaConfig, OverheadAndMaxPayloadAreExactForEveryLength) {
  for (auto cipher : {esp::cipher::aes_gcm, esp::cipher::aes_cbc, esp::cipher::chacha20_poly1305, esp::cipher::null,
                      esp::cipher::aes_ctr}) {
    esp::sa_config c;
    c.cipher = cipher;
    c.key_bits = cipher == esp::cipher::chacha20_poly1305 ? 256 : cipher == esp::cipher::null ? 0 : 128;
    c.integrity = c.is_aead() ? esp::integrity::none : esp::integrity::hmac_sha1_96;
    c.udp_encap = cipher == esp::cipher::aes_cbc;
    ASSERT_TRUE(c.validate());
    for (std::size_t len = 0; len < 300; ++len) {
      const std::size_t size = c.packet_size(len);
      ASSERT_EQ((len + c.padding_for(len) + 2) % c.pad_alignment(), 0U);
      ASSERT_LT(c.padding_for(len), c.pad_alignment());
      ASSERT_EQ(size, c.headroom() + len + c.padding_for(len) + 2 + c.icv_size());
      ASSERT_LE(size - len, c.headroom() + c.tailroom());
    }
    for (std::size_t budget = c.packet_size(0); budget < 400; ++budget) {
      std::size_t best = 0;
      for (std::size_t len = 0; len < 400; ++len)
        if (c.packet_size(len) <= budget) best = len;
      ASSERT_EQ(c.max_payload(budget), best) << "budget " << budget;
    }
  }
}

TEST(EspSaConfig, ValidateNamesEachBadCombination) {
  esp::sa_config c;
  c.cipher = esp::cipher::aes_gcm;
  c.key_bits = 64;
  EXPECT_EQ(c.validate().code(), esp::errc::unsupported_key_length);
  c.key_bits = 128;
  c.aead_icv_size = 10;
  EXPECT_EQ(c.validate().code(), esp::errc::invalid_icv_length);
  c.aead_icv_size = 12;
  EXPECT_TRUE(c.validate());
  c.integrity = esp::integrity::hmac_sha1_96;
  EXPECT_EQ(c.validate().code(), esp::errc::integrity_not_allowed);
  c.cipher = esp::cipher::aes_cbc;
  c.integrity = esp::integrity::none;
  EXPECT_EQ(c.validate().code(), esp::errc::integrity_required);
  c.cipher = esp::cipher::chacha20_poly1305;
  c.key_bits = 128;
  EXPECT_EQ(c.validate().code(), esp::errc::unsupported_key_length);
  c.cipher = esp::cipher::null;
  c.key_bits = 0;
  EXPECT_EQ(c.validate().code(), esp::errc::integrity_required);
  c.integrity = esp::integrity::hmac_sha256_128;
  EXPECT_TRUE(c.validate());
}

TEST(EspPacketView, FieldsAndReservedSpis) {
  const auto b = hex("00001000 0000002a 01020304");
  auto p = esp::parse_packet(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->spi(), 0x1000U);
  EXPECT_EQ(p->sequence_low(), 42U);
  EXPECT_FALSE(p->spi_reserved());
  EXPECT_EQ(p->protected_region().size(), 4U);
  for (std::uint32_t spi : {0U, 1U, 255U}) EXPECT_TRUE(esp::is_reserved_spi(spi));
  EXPECT_FALSE(esp::is_reserved_spi(256));
  const auto zero = hex("00000000 00000001");
  EXPECT_TRUE(esp::parse_packet(zero)->spi_reserved());
  for (std::size_t n = 0; n < 8; ++n) {
    auto r = esp::parse_packet(std::span(b).first(n));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), esp::errc::too_short);
    EXPECT_EQ(r.offset(), n);
  }
}

TEST(EspNatt, ClassifiesKeepaliveIkeAndEsp) {
  const auto ka = hex("ff");
  EXPECT_EQ(esp::classify_udp4500(ka)->kind, esp::natt_kind::keepalive);
  const auto bad_ka = hex("fe");
  EXPECT_EQ(esp::classify_udp4500(bad_ka).code(), esp::errc::keepalive_invalid);
  EXPECT_EQ(esp::classify_udp4500(bytes_view{}).code(), esp::errc::too_short);
  const auto ike = hex("00000000 11223344");
  auto r = esp::classify_udp4500(ike);
  EXPECT_EQ(r->kind, esp::natt_kind::ike);
  EXPECT_EQ(r->payload.size(), 4U);
  const auto espp = hex("00001000 00000001 aabb");
  r = esp::classify_udp4500(espp);
  EXPECT_EQ(r->kind, esp::natt_kind::esp);
  EXPECT_EQ(r->payload.size(), espp.size());
  const auto short_esp = hex("000010");
  EXPECT_EQ(esp::classify_udp4500(short_esp).code(), esp::errc::too_short);
  const auto two_ff = hex("ffff");
  EXPECT_EQ(esp::classify_udp4500(two_ff).code(), esp::errc::too_short);
}

TEST(EspNatt, UdpHeaderHasChecksumZero) {
  std::array<std::byte, 8> h{};
  ASSERT_TRUE(esp::build_udp_header(h, 4500, 4500, 100));
  EXPECT_EQ(vpnwire_test::to_hex(h), "1194119400640000");
  EXPECT_EQ(esp::build_udp_header(std::span(h).first(7), 1, 2, 100).code(), esp::errc::buffer_too_small);
  EXPECT_EQ(esp::build_udp_header(h, 1, 2, 70000).code(), esp::errc::packet_too_large);
}

TEST(EspErrc, EveryCodeHasItsName) {
  for (int i = 0; i <= static_cast<int>(esp::errc::keepalive_invalid); ++i)
    EXPECT_NE(esp::name(static_cast<esp::errc>(i)), "unknown") << i;
  EXPECT_EQ(esp::name(esp::errc::icv_mismatch), "icv_mismatch");
}

} // namespace
