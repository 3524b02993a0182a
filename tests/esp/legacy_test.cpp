// Legacy decap-only transforms (3DES-CBC, HMAC-MD5-96, HMAC-SHA1-160)
// against OpenSSL's command line, byte for byte, on generated packets:
//  - `openssl enc -des-ede3-cbc -K … -iv … -nopad` encrypts the ESP body;
//    our backend's encrypt() gives the same ciphertext and decap() gets the
//    plaintext back;
//  - `openssl dgst -md5 -hmac TEXT` and `openssl dgst -sha1 -mac HMAC
//    -macopt hexkey:…` compute the ICV over SPI | sequence | IV | ciphertext;
//    our compute() gives the same bytes (truncated to 12 for -96, all 20 for
//    SHA1-160) and decap() accepts the packet, and refuses it with one bit
//    of the ICV flipped;
//  - outbound_sa refuses every legacy transform with decap_only_transform,
//    and is_deprecated() flags exactly these.
#include "esp_test_support.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

using namespace vpnwire;
using namespace esp_test;
using vpnwire_test::to_hex;

namespace {

bool have_openssl() { return have("openssl"); }

// The ESP body for `inner` with default padding to `block`, pad length and next header.
std::vector<std::byte> body_for(const std::vector<std::byte> &inner, std::size_t block, std::uint8_t nh) {
  std::vector<std::byte> b(inner);
  const std::size_t align = block > 4 ? block : 4;
  const std::size_t pad = (align - (inner.size() + 2) % align) % align;
  for (std::size_t i = 1; i <= pad; ++i) b.push_back(static_cast<std::byte>(i));
  b.push_back(static_cast<std::byte>(pad));
  b.push_back(static_cast<std::byte>(nh));
  return b;
}

// A key of printable letters, for `openssl dgst -hmac TEXT` (tcpdump and
// Wireshark secrets may be text too).
std::vector<std::byte> text_key(std::mt19937 &rng, std::size_t n) {
  std::vector<std::byte> k(n);
  for (auto &b : k) b = static_cast<std::byte>('A' + rng() % 26);
  return k;
}

std::vector<std::byte> random_bytes(std::mt19937 &rng, std::size_t n) {
  std::vector<std::byte> k(n);
  for (auto &b : k) b = static_cast<std::byte>(rng());
  return k;
}

std::string as_text(const std::vector<std::byte> &k) {
  std::string s;
  for (std::byte b : k) s.push_back(static_cast<char>(b));
  return s;
}

struct openssl_packet {
  std::vector<std::byte> packet;     // SPI .. ICV
  std::vector<std::byte> ciphertext; // what openssl enc produced
  std::vector<std::byte> full_mac;   // what openssl dgst produced
};

// Builds one ESP packet with OpenSSL's command line only.
openssl_packet openssl_build(const esp::sa_config &cfg, const std::vector<std::byte> &ck,
                             const std::vector<std::byte> &ik, bool text_mac_key, std::uint32_t seq,
                             const std::vector<std::byte> &iv, const std::vector<std::byte> &body) {
  openssl_packet r;
  const std::string body_file = tmp_path("legacy_body.bin");
  const std::string ct_file = tmp_path("legacy_ct.bin");
  const std::string mac_in = tmp_path("legacy_mac_in.bin");
  const std::string mac_out = tmp_path("legacy_mac_out.bin");
  write_file(body_file, body);
  if (cfg.cipher == esp::cipher::des3_cbc) {
    run("openssl enc -des-ede3-cbc -K " + to_hex(ck) + " -iv " + to_hex(iv) + " -nopad -in " + body_file + " -out " +
        ct_file);
    r.ciphertext = read_file(ct_file);
  } else if (cfg.cipher == esp::cipher::aes_cbc) {
    run("openssl enc -aes-" + std::to_string(cfg.key_bits) + "-cbc -K " + to_hex(ck) + " -iv " + to_hex(iv) +
        " -nopad -in " + body_file + " -out " + ct_file);
    r.ciphertext = read_file(ct_file);
  } else {
    r.ciphertext = body; // NULL encryption
  }
  std::vector<std::byte> authenticated(8);
  core::store_be32(authenticated.data(), cfg.spi);
  core::store_be32(authenticated.data() + 4, seq);
  authenticated.insert(authenticated.end(), iv.begin(), iv.end());
  authenticated.insert(authenticated.end(), r.ciphertext.begin(), r.ciphertext.end());
  write_file(mac_in, authenticated);
  const std::string md = cfg.integrity == esp::integrity::hmac_md5_96 ? "-md5" : "-sha1";
  if (text_mac_key)
    run("openssl dgst " + md + " -hmac '" + as_text(ik) + "' -binary -out " + mac_out + " " + mac_in);
  else
    run("openssl dgst " + md + " -mac HMAC -macopt hexkey:" + to_hex(ik) + " -binary -out " + mac_out + " " + mac_in);
  r.full_mac = read_file(mac_out);
  r.packet = authenticated;
  r.packet.insert(r.packet.end(), r.full_mac.begin(), r.full_mac.begin() + static_cast<std::ptrdiff_t>(cfg.icv_size()));
  for (const auto &f : {body_file, ct_file, mac_in, mac_out}) std::remove(f.c_str());
  return r;
}

esp::sa_config legacy_config(esp::cipher c, std::uint16_t bits, esp::integrity i, esp::sa_mode m) {
  esp::sa_config cfg;
  cfg.spi = 0xC0FFEE00U + static_cast<std::uint32_t>(c) * 16 + static_cast<std::uint32_t>(i);
  cfg.cipher = c;
  cfg.key_bits = bits;
  cfg.integrity = i;
  cfg.mode = m;
  return cfg;
}

TEST(EspLegacy, SizesFollowRfc2451And2403) {
  auto c = legacy_config(esp::cipher::des3_cbc, 192, esp::integrity::hmac_md5_96, esp::sa_mode::tunnel);
  ASSERT_TRUE(c.validate());
  EXPECT_EQ(c.iv_size(), 8U);
  EXPECT_EQ(c.block_size(), 8U);
  EXPECT_EQ(c.pad_alignment(), 8U);
  EXPECT_EQ(c.cipher_key_size(), 24U);
  EXPECT_EQ(c.integrity_key_size(), 16U);
  EXPECT_EQ(c.icv_size(), 12U);
  EXPECT_EQ(c.headroom(), 16U);
  c.integrity = esp::integrity::hmac_sha1_160;
  EXPECT_EQ(c.icv_size(), 20U);
  EXPECT_EQ(c.integrity_key_size(), 20U);
  c.key_bits = 128;
  EXPECT_EQ(c.validate().code(), esp::errc::unsupported_key_length);
}

TEST(EspLegacy, IsDeprecatedFlagsExactlyTheLegacyTransforms) {
  EXPECT_TRUE(esp::is_deprecated(esp::cipher::des3_cbc));
  EXPECT_TRUE(esp::is_deprecated(esp::integrity::hmac_md5_96));
  EXPECT_TRUE(esp::is_deprecated(esp::integrity::hmac_sha1_160));
  for (auto c : {esp::cipher::null, esp::cipher::aes_cbc, esp::cipher::aes_ctr, esp::cipher::aes_gcm,
                 esp::cipher::aes_gmac, esp::cipher::chacha20_poly1305})
    EXPECT_FALSE(esp::is_deprecated(c)) << esp::name(c);
  for (auto i : {esp::integrity::none, esp::integrity::hmac_sha1_96, esp::integrity::hmac_sha256_128,
                 esp::integrity::hmac_sha384_192, esp::integrity::hmac_sha512_256})
    EXPECT_FALSE(esp::is_deprecated(i)) << esp::name(i);
  auto modern = legacy_config(esp::cipher::aes_cbc, 128, esp::integrity::hmac_sha1_96, esp::sa_mode::tunnel);
  EXPECT_FALSE(modern.is_deprecated());
  modern.integrity = esp::integrity::hmac_md5_96;
  EXPECT_TRUE(modern.is_deprecated());
  EXPECT_EQ(esp::deprecated_note, "deprecated (RFC 8221)");
}

TEST(EspLegacy, OutboundRefusesEveryLegacyTransform) {
  for (auto [c, bits, i] : {std::tuple{esp::cipher::des3_cbc, std::uint16_t{192}, esp::integrity::hmac_sha1_96},
                            std::tuple{esp::cipher::aes_cbc, std::uint16_t{128}, esp::integrity::hmac_md5_96},
                            std::tuple{esp::cipher::aes_cbc, std::uint16_t{256}, esp::integrity::hmac_sha1_160},
                            std::tuple{esp::cipher::des3_cbc, std::uint16_t{192}, esp::integrity::hmac_md5_96}}) {
    const auto cfg = legacy_config(c, bits, i, esp::sa_mode::transport);
    SCOPED_TRACE(std::string(esp::name(c)) + "/" + std::string(esp::name(i)));
    EXPECT_EQ(cfg.validate_outbound().code(), esp::errc::decap_only_transform);
    auto [ck, ik] = keys_for(cfg, 3);
    auto made = outbound::make(cfg, make_crypto(cfg, ck, ik));
    ASSERT_FALSE(made);
    EXPECT_EQ(made.code(), esp::errc::decap_only_transform);
    EXPECT_TRUE(esp::is_fatal(made.code()));
    // The keyed constructor builds it, and every encap then fails by name.
    std::uint8_t n = 0;
    outbound tx(cfg, make_crypto(cfg, ck, ik),
                esp::iv_generator{[](void *ctx, mutable_bytes o) noexcept {
                                    for (auto &b : o) b = static_cast<std::byte>((*static_cast<std::uint8_t *>(ctx))++);
                                  },
                                  &n});
    std::vector<std::byte> buf(cfg.packet_size(20), std::byte{0x33});
    const auto before = buf;
    auto r = tx.encap(buf, 20, 17);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), esp::errc::decap_only_transform);
    EXPECT_EQ(buf, before);
    EXPECT_EQ(tx.last_sequence(), 0U);
    EXPECT_EQ(tx.counters().decap_only_transform, 1U);
  }
}

// The core of the issue: old captures (3DES, MD5) decapsulate, checked
// against packets OpenSSL's command line made.
TEST(EspLegacy, DecapMatchesOpensslCommandLineByteForByte) {
  if (!have_openssl()) GTEST_SKIP() << "openssl command line not available";
  std::mt19937 rng(2451);
  struct suite {
    esp::cipher c;
    std::uint16_t bits;
    esp::integrity i;
    bool text_key;
  };
  const suite suites[] = {
      {esp::cipher::des3_cbc, 192, esp::integrity::hmac_md5_96, true},
      {esp::cipher::des3_cbc, 192, esp::integrity::hmac_md5_96, false},
      {esp::cipher::des3_cbc, 192, esp::integrity::hmac_sha1_96, false},
      {esp::cipher::des3_cbc, 192, esp::integrity::hmac_sha1_160, false},
      {esp::cipher::aes_cbc, 128, esp::integrity::hmac_md5_96, true},
      {esp::cipher::aes_cbc, 256, esp::integrity::hmac_sha1_160, false},
      {esp::cipher::null, 0, esp::integrity::hmac_md5_96, false},
  };
  std::size_t checked = 0;
  for (const suite &s : suites) {
    for (auto mode : {esp::sa_mode::transport, esp::sa_mode::tunnel}) {
      const auto cfg = legacy_config(s.c, s.bits, s.i, mode);
      SCOPED_TRACE(std::string(esp::name(s.c)) + "/" + std::string(esp::name(s.i)) + " " +
                   std::string(esp::name(mode)));
      const auto ck = random_bytes(rng, cfg.cipher_key_size());
      const auto ik =
          s.text_key ? text_key(rng, cfg.integrity_key_size()) : random_bytes(rng, cfg.integrity_key_size());
      auto t = openssl_transform::make(cfg, ck, ik);
      ASSERT_TRUE(t) << esp::name(t.code());
      auto rx = inbound::make(cfg, make_crypto(cfg, ck, ik));
      ASSERT_TRUE(rx) << esp::name(rx.code());
      EXPECT_TRUE(rx->config().is_deprecated());
      for (std::size_t len : {0, 1, 7, 8, 29, 100}) {
        const std::uint32_t seq = static_cast<std::uint32_t>(1 + checked);
        std::vector<std::byte> inner;
        std::uint8_t nh = 17;
        if (mode == esp::sa_mode::tunnel) {
          inner = ipv4_packet(17, udp_datagram(5000, 6000, len, static_cast<unsigned>(len), {}, {}), v4_inner_src,
                              v4_inner_dst);
          nh = 4;
        } else {
          inner = random_bytes(rng, len);
        }
        const auto body = body_for(inner, cfg.block_size(), nh);
        const auto iv = random_bytes(rng, cfg.iv_size());
        const auto o = openssl_build(cfg, ck, ik, s.text_key, seq, iv, body);
        ASSERT_EQ(o.ciphertext.size(), body.size());
        ASSERT_EQ(o.full_mac.size(), s.i == esp::integrity::hmac_md5_96 ? 16U : 20U);
        // Our backend, byte for byte against the command line.
        std::vector<std::byte> ours(body);
        ASSERT_TRUE(t->encrypt(iv, ours));
        EXPECT_EQ(to_hex(ours), to_hex(o.ciphertext));
        std::vector<std::byte> mac(cfg.icv_size());
        ASSERT_TRUE(t->compute(bytes_view(o.packet).first(o.packet.size() - cfg.icv_size()), {}, mac));
        EXPECT_EQ(to_hex(mac), to_hex(bytes_view(o.full_mac).first(cfg.icv_size())));
        // decap gets the inner packet back; a flipped ICV bit is refused.
        auto flipped = o.packet;
        flipped.back() ^= std::byte{0x01};
        auto bad = rx->decap(flipped);
        ASSERT_FALSE(bad);
        EXPECT_EQ(bad.code(), esp::errc::icv_mismatch);
        auto pkt = o.packet;
        auto d = rx->decap(pkt);
        ASSERT_TRUE(d) << esp::name(d.code()) << " at " << d.offset();
        EXPECT_EQ(to_hex(d->payload), to_hex(inner));
        EXPECT_EQ(d->next_header, nh);
        EXPECT_TRUE(d->verified);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 7U * 2U * 6U);
}

} // namespace
