// decap_unverified(): the explicitly named analysis entry point.
//  - Without the integrity key it gives the same inner packets as decap()
//    with the key, for every algorithm, many lengths, both modes, ESN and
//    IPv6 inner packets (fixed seed).
//  - decap() on an SA built without the key refuses every packet
//    (integrity_key_missing); inbound_sa::make() refuses such a backend.
//  - A packet whose ICV is wrong: decap() refuses it, decap_unverified()
//    still reads it (the ICV is only located by its length).
//  - Padding and inner-length checks still run; counters keep verified and
//    unverified deliveries apart.
#include "esp_test_support.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace vpnwire;
using namespace esp_test;
using vpnwire_test::to_hex;

namespace {

struct suite {
  esp::cipher c;
  std::uint16_t bits;
  esp::integrity i;
  std::uint8_t icv = 16;
};

const suite suites[] = {
    {esp::cipher::aes_cbc, 128, esp::integrity::hmac_sha1_96},
    {esp::cipher::aes_cbc, 256, esp::integrity::hmac_sha256_128},
    {esp::cipher::aes_ctr, 192, esp::integrity::hmac_sha384_192},
    {esp::cipher::null, 0, esp::integrity::hmac_sha512_256},
    {esp::cipher::des3_cbc, 192, esp::integrity::hmac_md5_96},
    {esp::cipher::des3_cbc, 192, esp::integrity::hmac_sha1_160},
    {esp::cipher::aes_gcm, 128, esp::integrity::none, 8},
    {esp::cipher::aes_gcm, 256, esp::integrity::none, 16},
    {esp::cipher::aes_gmac, 128, esp::integrity::none},
    {esp::cipher::chacha20_poly1305, 256, esp::integrity::none},
};

std::vector<std::byte> inner_packet(std::mt19937 &rng, esp::sa_mode mode, int family, std::size_t len,
                                    std::uint8_t &nh) {
  std::vector<std::byte> data(len);
  for (auto &b : data) b = static_cast<std::byte>(rng());
  if (mode == esp::sa_mode::transport) {
    nh = 17;
    return data;
  }
  if (family == 6) {
    nh = 41;
    return ipv6_packet(59, data, v6_inner_src(), v6_inner_dst());
  }
  nh = 4;
  return ipv4_packet(253, data, v4_inner_src, v4_inner_dst);
}

TEST(EspUnverified, SameInnerPacketsWithAndWithoutTheIntegrityKey) {
  std::mt19937 rng(4303);
  std::size_t compared = 0;
  for (const suite &s : suites) {
    for (bool esn : {false, true}) {
      for (auto mode : {esp::sa_mode::transport, esp::sa_mode::tunnel}) {
        esp::sa_config cfg;
        cfg.spi = 0x5000 + static_cast<std::uint32_t>(compared);
        cfg.cipher = s.c;
        cfg.key_bits = s.bits;
        cfg.integrity = s.i;
        cfg.aead_icv_size = s.icv;
        cfg.esn = esn;
        cfg.mode = mode;
        SCOPED_TRACE(std::string(esp::name(s.c)) + "/" + std::string(esp::name(s.i)) + (esn ? " esn " : " ") +
                     std::string(esp::name(mode)));
        auto [ck, ik] = keys_for(cfg, static_cast<unsigned>(compared));
        auto sender = make_crypto(cfg, ck, ik);
        auto with_key = inbound::make(cfg, make_crypto(cfg, ck, ik));
        ASSERT_TRUE(with_key) << esp::name(with_key.code());
        auto keyless = openssl_transform::make_without_integrity(cfg, ck);
        ASSERT_TRUE(keyless) << esp::name(keyless.code());
        auto without_key = inbound::make_unverified(cfg, std::move(keyless).value());
        ASSERT_TRUE(without_key) << esp::name(without_key.code());
        EXPECT_TRUE(with_key->verifies());
        EXPECT_FALSE(without_key->verifies());
        const std::uint64_t base = esn ? 0x00000002'FFFFFFF0ULL : 1;
        with_key->reset_window(base - 1);
        without_key->reset_window(base - 1);
        std::uint64_t seq = base;
        for (std::size_t len : {0, 1, 15, 16, 17, 63, 300}) {
          for (int family : {4, 6}) {
            if (mode == esp::sa_mode::transport && family == 6) continue;
            std::uint8_t nh = 0;
            const auto inner = inner_packet(rng, mode, family, len, nh);
            const auto pkt = build_esp_packet(cfg, sender, rng, seq++, inner, nh);
            auto a = pkt;
            auto b = pkt;
            auto va = with_key->decap(a);
            auto vb = without_key->decap_unverified(b);
            ASSERT_TRUE(va) << esp::name(va.code());
            ASSERT_TRUE(vb) << esp::name(vb.code());
            EXPECT_EQ(to_hex(vb->payload), to_hex(inner));
            EXPECT_EQ(to_hex(va->payload), to_hex(vb->payload));
            EXPECT_EQ(va->next_header, vb->next_header);
            EXPECT_EQ(va->sequence, vb->sequence);
            EXPECT_EQ(va->pad_length, vb->pad_length);
            EXPECT_TRUE(va->verified);
            EXPECT_FALSE(vb->verified);
            // The keyless SA's normal receive path refuses everything.
            auto c = pkt;
            auto vc = without_key->decap(c);
            ASSERT_FALSE(vc);
            EXPECT_EQ(vc.code(), esp::errc::integrity_key_missing);
            EXPECT_EQ(c, pkt);
            ++compared;
          }
        }
        EXPECT_EQ(with_key->counters().delivered, without_key->counters().unverified);
        EXPECT_EQ(without_key->counters().delivered, 0U);
        EXPECT_EQ(with_key->counters().delivered_bytes, without_key->counters().unverified_bytes);
        EXPECT_EQ(without_key->counters().integrity_key_missing, without_key->counters().unverified);
      }
    }
  }
  EXPECT_EQ(compared, 10U * 2U * (7U + 14U));
}

TEST(EspUnverified, ReadsPacketsWhoseIcvIsWrongButDecapDoesNot) {
  std::mt19937 rng(7);
  for (const suite &s : suites) {
    esp::sa_config cfg;
    cfg.spi = 0x6000;
    cfg.cipher = s.c;
    cfg.key_bits = s.bits;
    cfg.integrity = s.i;
    cfg.aead_icv_size = s.icv;
    cfg.mode = esp::sa_mode::transport;
    SCOPED_TRACE(std::string(esp::name(s.c)) + "/" + std::string(esp::name(s.i)));
    auto [ck, ik] = keys_for(cfg, 11);
    auto sender = make_crypto(cfg, ck, ik);
    auto rx = inbound::make(cfg, make_crypto(cfg, ck, ik));
    ASSERT_TRUE(rx);
    std::vector<std::byte> inner(40);
    for (auto &b : inner) b = static_cast<std::byte>(rng());
    auto pkt = build_esp_packet(cfg, sender, rng, 1, inner, 17);
    pkt.back() ^= std::byte{0x40};
    auto a = pkt;
    EXPECT_EQ(rx->decap(a).code(), esp::errc::icv_mismatch);
    auto d = rx->decap_unverified(pkt);
    ASSERT_TRUE(d) << esp::name(d.code());
    EXPECT_FALSE(d->verified);
    EXPECT_EQ(to_hex(d->payload), to_hex(inner));
    EXPECT_EQ(rx->counters().unverified, 1U);
    EXPECT_EQ(rx->counters().delivered, 0U);
    // decap_unverified commits to the window like decap.
    auto again = build_esp_packet(cfg, sender, rng, 1, inner, 17);
    EXPECT_EQ(rx->decap(again).code(), esp::errc::replayed);
  }
}

// tcpdump's "3des-cbc:0x…" without "-hmac96" says: no ICV at all. Only
// make_unverified() accepts that configuration.
TEST(EspUnverified, ConfidentialityOnlySaHasNoIcv) {
  esp::sa_config cfg;
  cfg.spi = 0x7000;
  cfg.cipher = esp::cipher::des3_cbc;
  cfg.key_bits = 192;
  cfg.integrity = esp::integrity::none;
  cfg.mode = esp::sa_mode::transport;
  EXPECT_EQ(cfg.validate().code(), esp::errc::integrity_required);
  ASSERT_TRUE(cfg.validate_unverified());
  EXPECT_EQ(cfg.icv_size(), 0U);
  auto [ck, ik] = keys_for(cfg, 2);
  EXPECT_EQ(openssl_transform::make(cfg, ck, ik).code(), esp::errc::integrity_required);
  auto t = openssl_transform::make_without_integrity(cfg, ck);
  ASSERT_TRUE(t);
  EXPECT_EQ(inbound::make(cfg, openssl_transform::make_without_integrity(cfg, ck).value()).code(),
            esp::errc::integrity_required);
  auto rx = inbound::make_unverified(cfg, std::move(t).value());
  ASSERT_TRUE(rx);
  auto sender = openssl_transform::make_without_integrity(cfg, ck);
  std::mt19937 rng(1);
  const std::vector<std::byte> inner{std::byte{1}, std::byte{2}, std::byte{3}};
  auto pkt = build_esp_packet(cfg, *sender, rng, 9, inner, 17);
  EXPECT_EQ(pkt.size(), 8U + 8U + 8U);
  auto d = rx->decap_unverified(pkt);
  ASSERT_TRUE(d) << esp::name(d.code());
  EXPECT_EQ(to_hex(d->payload), "010203");
  EXPECT_EQ(d->sequence, 9U);
}

TEST(EspUnverified, PaddingAndInnerLengthChecksStillRun) {
  esp::sa_config cfg;
  cfg.spi = 0x7100;
  cfg.cipher = esp::cipher::aes_cbc;
  cfg.key_bits = 128;
  cfg.integrity = esp::integrity::hmac_sha1_96;
  cfg.mode = esp::sa_mode::transport;
  auto [ck, ik] = keys_for(cfg, 5);
  auto t = make_crypto(cfg, ck, ik);
  auto rx = inbound::make_unverified(cfg, openssl_transform::make_without_integrity(cfg, ck).value());
  ASSERT_TRUE(rx);
  // Body: 13 payload bytes, padding 1 2 9 (wrong third byte), pad length 1?
  // Built by hand: 16 bytes = 11 payload + padding (1, 2, 7) + pad length 3 + next header 17.
  std::vector<std::byte> p(8 + 16 + 16 + 12);
  core::store_be32(p.data(), cfg.spi);
  core::store_be32(p.data() + 4, 1);
  std::vector<std::byte> body(16, std::byte{0x61});
  body[11] = std::byte{1};
  body[12] = std::byte{2};
  body[13] = std::byte{7};
  body[14] = std::byte{3};
  body[15] = std::byte{17};
  const std::vector<std::byte> iv(16, std::byte{0x11});
  std::memcpy(p.data() + 8, iv.data(), 16);
  ASSERT_TRUE(t.encrypt(iv, body));
  std::memcpy(p.data() + 24, body.data(), 16);
  auto r = rx->decap_unverified(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), esp::errc::bad_pad_bytes);
  EXPECT_EQ(r.offset(), 24U + 13U);
  EXPECT_EQ(rx->counters().bad_pad_bytes, 1U);
  EXPECT_EQ(rx->window().top(), 0U);

  // Tunnel mode, next header 41 with a 20-byte payload: no IPv6 header fits.
  cfg.mode = esp::sa_mode::tunnel;
  auto rx2 = inbound::make_unverified(cfg, openssl_transform::make_without_integrity(cfg, ck).value());
  ASSERT_TRUE(rx2);
  std::vector<std::byte> body2(32, std::byte{0x60});
  for (int i = 0; i < 10; ++i) body2[20 + static_cast<std::size_t>(i)] = static_cast<std::byte>(i + 1);
  body2[30] = std::byte{10};
  body2[31] = std::byte{41};
  ASSERT_TRUE(t.encrypt(iv, body2));
  std::vector<std::byte> q(8 + 16 + 32 + 12);
  core::store_be32(q.data(), cfg.spi);
  core::store_be32(q.data() + 4, 1);
  std::memcpy(q.data() + 8, iv.data(), 16);
  std::memcpy(q.data() + 24, body2.data(), 32);
  auto r2 = rx2->decap_unverified(q);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.code(), esp::errc::inner_length_invalid);
}

} // namespace
