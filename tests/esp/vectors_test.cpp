// Byte-exact encap and exact decap against published vectors:
// draft-mcgrew-gcm-test-01 (all 17 cases), RFC 7634 Appendix A, RFC 3602
// Cases #5-#8, RFC 3686 Test Vector #1 (files in tests/data/esp/).
#include "esp_test_support.hpp"

#include <gtest/gtest.h>

#include <openssl/hmac.h>

#include <cstring>

using namespace vpnwire;
using namespace esp_test;
using vpnwire_test::to_hex;

namespace {

esp::sa_config gcm_config(const vector_case &c) {
  esp::sa_config cfg;
  cfg.spi = static_cast<std::uint32_t>(be_number(c.bytes("spi")));
  cfg.cipher = c.text("algorithm").find("gmac") != std::string::npos ? esp::cipher::aes_gmac : esp::cipher::aes_gcm;
  cfg.key_bits = static_cast<std::uint16_t>(c.bytes("key").size() * 8);
  cfg.aead_icv_size = 16;
  cfg.mode = esp::sa_mode::transport; // the draft's next header is 1 (ICMP) throughout
  cfg.esn = c.bytes("seq").size() == 8;
  return cfg;
}

TEST(EspVectors, DraftMcgrewGcmTest01HasAll17Cases) { EXPECT_EQ(read_vectors("gcm_test_01.txt").size(), 17U); }

// Decap of the published packet gives the published plaintext's payload,
// pad length and next header, with the full (ESN) sequence number; encap of
// that payload with the same SA, sequence number and IV gives the packet.
TEST(EspVectors, DraftMcgrewGcmTest01EncapAndDecapAreExact) {
  for (const vector_case &c : read_vectors("gcm_test_01.txt")) {
    SCOPED_TRACE(c.name);
    const esp::sa_config cfg = gcm_config(c);
    const auto nonce = c.bytes("nonce");
    std::vector<std::byte> key = c.bytes("key");
    key.insert(key.end(), nonce.begin(), nonce.begin() + 4); // salt
    const std::vector<std::byte> iv(nonce.begin() + 4, nonce.end());
    const std::uint64_t seq = be_number(c.bytes("seq"));
    const auto plaintext = c.bytes("plaintext");
    const auto packet = c.bytes("packet");
    const auto pad_len = std::to_integer<std::size_t>(plaintext[plaintext.size() - 2]);
    const auto nh = std::to_integer<std::uint8_t>(plaintext.back());
    const std::size_t payload_len = plaintext.size() - 2 - pad_len;

    // Decap.
    inbound rx(cfg, make_crypto(cfg, key, {}));
    rx.reset_window(seq - 1);
    std::vector<std::byte> in = packet;
    auto d = rx.decap(in);
    ASSERT_TRUE(d) << esp::name(d.code()) << " at " << d.offset();
    EXPECT_EQ(d->sequence, seq);
    EXPECT_EQ(d->next_header, nh);
    EXPECT_EQ(d->pad_length, pad_len);
    EXPECT_EQ(to_hex(d->payload), to_hex(std::span(plaintext).first(payload_len)));
    EXPECT_EQ(d->payload.data(), in.data() + cfg.headroom()); // in place

    // Encap.
    outbound tx(cfg, make_crypto(cfg, key, {}));
    tx.set_last_sequence(seq - 1);
    std::vector<std::byte> out(cfg.packet_size(payload_len));
    std::memcpy(out.data() + cfg.headroom(), plaintext.data(), payload_len);
    esp::encap_options opt;
    opt.iv = iv;
    auto n = tx.encap(out, payload_len, nh, opt);
    ASSERT_TRUE(n) << esp::name(n.code());
    EXPECT_EQ(*n, packet.size());
    EXPECT_EQ(to_hex(out), to_hex(packet));
    EXPECT_EQ(tx.last_sequence(), seq);
    EXPECT_EQ(cfg.overhead(payload_len), packet.size() - payload_len);
  }
}

// A flipped bit anywhere in each published packet is an ICV mismatch, and
// the packet bytes are left exactly as they were.
TEST(EspVectors, DraftMcgrewGcmTest01AnyFlippedBitFailsIntegrity) {
  for (const vector_case &c : read_vectors("gcm_test_01.txt")) {
    SCOPED_TRACE(c.name);
    const esp::sa_config cfg = gcm_config(c);
    const auto nonce = c.bytes("nonce");
    std::vector<std::byte> key = c.bytes("key");
    key.insert(key.end(), nonce.begin(), nonce.begin() + 4);
    const std::uint64_t seq = be_number(c.bytes("seq"));
    inbound rx(cfg, make_crypto(cfg, key, {}));
    rx.reset_window(seq - 1);
    const auto packet = c.bytes("packet");
    for (std::size_t i = esp::header_size; i < packet.size(); ++i) {
      std::vector<std::byte> in = packet;
      in[i] ^= std::byte{0x01};
      const std::vector<std::byte> before = in;
      auto d = rx.decap(in);
      ASSERT_FALSE(d) << "byte " << i;
      EXPECT_EQ(d.code(), esp::errc::icv_mismatch);
      EXPECT_EQ(in, before) << "byte " << i;
    }
    EXPECT_EQ(rx.window().top(), seq - 1);
  }
}

std::vector<std::byte> integrity_key_for(const esp::sa_config &cfg) {
  std::vector<std::byte> k(cfg.integrity_key_size());
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(0xA0 + i);
  return k;
}

TEST(EspVectors, Rfc7634AppendixAEncapAndDecapAreExact) {
  const auto cases = read_vectors("other_vectors.txt");
  const vector_case &c = cases.at(0);
  ASSERT_EQ(c.name, "rfc7634 appendix A");
  esp::sa_config cfg;
  cfg.spi = static_cast<std::uint32_t>(be_number(c.bytes("spi")));
  cfg.cipher = esp::cipher::chacha20_poly1305;
  cfg.key_bits = 256;
  cfg.mode = esp::sa_mode::tunnel;
  const auto payload = c.bytes("payload");
  const auto packet = c.bytes("packet");
  const std::uint64_t seq = be_number(c.bytes("seq"));

  outbound tx(cfg, make_crypto(cfg, c.bytes("key"), {}));
  tx.set_last_sequence(seq - 1);
  std::vector<std::byte> out(cfg.packet_size(payload.size()));
  std::memcpy(out.data() + cfg.headroom(), payload.data(), payload.size());
  const auto iv = c.bytes("iv");
  esp::encap_options opt;
  opt.iv = iv;
  auto n = tx.encap(out, payload.size(), 4, opt);
  ASSERT_TRUE(n);
  EXPECT_EQ(to_hex(out), to_hex(packet));

  inbound rx(cfg, make_crypto(cfg, c.bytes("key"), {}));
  std::vector<std::byte> in = packet;
  auto d = rx.decap(in);
  ASSERT_TRUE(d) << esp::name(d.code());
  EXPECT_EQ(to_hex(d->payload), to_hex(payload));
  EXPECT_EQ(d->next_header, 4);
  EXPECT_EQ(d->pad_length, 2);
  EXPECT_EQ(d->sequence, 5U);
}

// RFC 3602's cases carry no ICV: encap with HMAC-SHA1-96 must reproduce the
// packet up to the ICV; decap takes the published packet plus an HMAC that
// OpenSSL computes directly (an independent call, not through the codec).
TEST(EspVectors, Rfc3602Cases5To8EncapAndDecapAreExact) {
  for (const vector_case &c : read_vectors("other_vectors.txt")) {
    if (c.text("algorithm").find("aes-cbc") == std::string::npos) continue;
    SCOPED_TRACE(c.name);
    esp::sa_config cfg;
    cfg.spi = static_cast<std::uint32_t>(be_number(c.bytes("spi")));
    cfg.cipher = esp::cipher::aes_cbc;
    cfg.key_bits = 128;
    cfg.integrity = esp::integrity::hmac_sha1_96;
    const auto nh = static_cast<std::uint8_t>(be_number(c.bytes("next_header")));
    cfg.mode = nh == 4 ? esp::sa_mode::tunnel : esp::sa_mode::transport;
    const auto payload = c.bytes("payload");
    const auto packet = c.bytes("packet");
    const auto ik = integrity_key_for(cfg);
    const std::uint64_t seq = be_number(c.bytes("seq"));

    outbound tx(cfg, make_crypto(cfg, c.bytes("key"), ik));
    tx.set_last_sequence(seq - 1);
    std::vector<std::byte> out(cfg.packet_size(payload.size()));
    ASSERT_EQ(out.size(), packet.size() + 12);
    std::memcpy(out.data() + cfg.headroom(), payload.data(), payload.size());
    const auto iv = c.bytes("iv");
    esp::encap_options opt;
    opt.iv = iv;
    ASSERT_TRUE(tx.encap(out, payload.size(), nh, opt));
    EXPECT_EQ(to_hex(std::span(out).first(packet.size())), to_hex(packet));

    // ICV by OpenSSL's one-shot HMAC over the published packet.
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    ASSERT_NE(HMAC(EVP_sha1(), ik.data(), static_cast<int>(ik.size()),
                   reinterpret_cast<const unsigned char *>(packet.data()), packet.size(), md, &md_len),
              nullptr);
    std::vector<std::byte> in = packet;
    for (int i = 0; i < 12; ++i) in.push_back(static_cast<std::byte>(md[i]));
    EXPECT_EQ(to_hex(out), to_hex(in));
    inbound rx(cfg, make_crypto(cfg, c.bytes("key"), ik));
    auto d = rx.decap(in);
    ASSERT_TRUE(d) << esp::name(d.code());
    EXPECT_EQ(to_hex(d->payload), to_hex(payload));
    EXPECT_EQ(d->next_header, nh);
    EXPECT_EQ(d->sequence, seq);
  }
}

// RFC 3686 vector #1 through the backend, and through encap: a payload that
// starts with the vector's plaintext must start its ciphertext with the
// vector's ciphertext (CTR's first keystream block is nonce || IV || 1).
TEST(EspVectors, Rfc3686Vector1) {
  const auto cases = read_vectors("other_vectors.txt");
  const vector_case &c = cases.back();
  ASSERT_EQ(c.name, "rfc3686 vector 1");
  esp::sa_config cfg;
  cfg.spi = 0x1000;
  cfg.cipher = esp::cipher::aes_ctr;
  cfg.key_bits = 128;
  cfg.integrity = esp::integrity::hmac_sha256_128;
  cfg.mode = esp::sa_mode::transport;
  auto t = make_crypto(cfg, c.bytes("key"), integrity_key_for(cfg));
  auto block = c.bytes("plaintext");
  const auto iv = c.bytes("iv");
  ASSERT_TRUE(t.encrypt(iv, block));
  EXPECT_EQ(to_hex(block), to_hex(c.bytes("ciphertext")));
  ASSERT_TRUE(t.decrypt(iv, block));
  EXPECT_EQ(to_hex(block), to_hex(c.bytes("plaintext")));

  outbound tx(cfg, make_crypto(cfg, c.bytes("key"), integrity_key_for(cfg)));
  const auto pt = c.bytes("plaintext");
  std::vector<std::byte> out(cfg.packet_size(30));
  std::memcpy(out.data() + cfg.headroom(), pt.data(), pt.size());
  esp::encap_options opt;
  opt.iv = iv;
  ASSERT_TRUE(tx.encap(out, 30, 17, opt));
  EXPECT_EQ(to_hex(std::span(out).subspan(cfg.headroom(), 16)), to_hex(c.bytes("ciphertext")));
  inbound rx(cfg, make_crypto(cfg, c.bytes("key"), integrity_key_for(cfg)));
  auto d = rx.decap(std::span(out).first(cfg.packet_size(30)));
  ASSERT_TRUE(d);
  EXPECT_EQ(to_hex(d->payload.first(16)), to_hex(pt));
}

} // namespace
