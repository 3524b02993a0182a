// Shared by the burst tests: SA configurations covering every algorithm,
// deterministic keys and IVs, descriptors over owned buffers, and field-by-
// field comparisons of outcomes, counters and windows.
#pragma once

#include "vpnwire/esp/burst.hpp"

#include "esp_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace burst_test {

using namespace vpnwire;

/// A readable name for a configuration (for SCOPED_TRACE).
inline std::string describe(const esp::sa_config &c) {
  static const char *ciphers[] = {"null", "aes-cbc", "aes-ctr", "aes-gcm", "aes-gmac", "chacha20-poly1305"};
  static const char *integs[] = {"", "+hmac-sha1-96", "+hmac-sha256-128", "+hmac-sha384-192", "+hmac-sha512-256"};
  std::string s = ciphers[static_cast<int>(c.cipher)];
  s += "-" + std::to_string(c.key_bits);
  if (c.cipher == esp::cipher::aes_gcm) s += "/icv" + std::to_string(c.aead_icv_size);
  s += integs[static_cast<int>(c.integrity)];
  s += c.mode == esp::sa_mode::tunnel ? " tunnel" : " transport";
  if (c.esn) s += " esn";
  if (c.udp_encap) s += " udp";
  return s;
}

/// Every cipher, key size and integrity algorithm, with and without ESN, in
/// both modes, some with UDP encapsulation.
inline std::vector<esp::sa_config> all_configs() {
  std::vector<esp::sa_config> out;
  std::uint32_t spi = 0x1000;
  auto add = [&](esp::cipher ci, std::uint16_t bits, esp::integrity in, std::uint8_t icv = 16) {
    for (int variant = 0; variant < 4; ++variant) {
      esp::sa_config c;
      c.spi = spi++;
      c.cipher = ci;
      c.key_bits = bits;
      c.integrity = in;
      c.aead_icv_size = icv;
      c.esn = (variant & 1) != 0;
      c.mode = (variant & 2) != 0 ? esp::sa_mode::tunnel : esp::sa_mode::transport;
      c.udp_encap = variant == 3;
      out.push_back(c);
    }
  };
  for (std::uint16_t bits : {128, 192, 256}) {
    for (std::uint8_t icv : {8, 12, 16}) add(esp::cipher::aes_gcm, bits, esp::integrity::none, icv);
    add(esp::cipher::aes_gmac, bits, esp::integrity::none);
    for (auto in : {esp::integrity::hmac_sha1_96, esp::integrity::hmac_sha256_128, esp::integrity::hmac_sha384_192,
                    esp::integrity::hmac_sha512_256}) {
      add(esp::cipher::aes_cbc, bits, in);
      add(esp::cipher::aes_ctr, bits, in);
    }
  }
  add(esp::cipher::chacha20_poly1305, 256, esp::integrity::none);
  add(esp::cipher::null, 0, esp::integrity::hmac_sha1_96);
  add(esp::cipher::null, 0, esp::integrity::hmac_sha256_128);
  return out;
}

/// Deterministic "random" CBC IVs: the same sequence for every SA built with
/// the same seed, so two implementations produce the same packets.
struct counter_iv {
  std::uint64_t next = 0;
  static void fill(void *ctx, mutable_bytes out) noexcept {
    auto *self = static_cast<counter_iv *>(ctx);
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<std::byte>((self->next * 131 + i * 29 + 7) & 0xFF);
    ++self->next;
  }
  esp::iv_generator generator() noexcept { return {&counter_iv::fill, this}; }
};

/// A payload of `len` bytes that tunnel mode accepts (an IPv4 header with
/// the right total length when len >= 20), the rest from `seed`.
inline std::vector<std::byte> inner_packet(std::size_t len, unsigned seed) {
  std::vector<std::byte> p(len);
  for (std::size_t i = 0; i < len; ++i) p[i] = static_cast<std::byte>((seed * 7 + i * 13) & 0xFF);
  if (len >= 20) {
    p[0] = std::byte{0x45};
    core::store_be16(p.data() + 2, static_cast<std::uint16_t>(len));
  }
  return p;
}

inline void expect_same_counters(const esp::inbound_counters &a, const esp::inbound_counters &b) {
#define BURST_TEST_FIELD(f) EXPECT_EQ(a.f, b.f) << #f
  BURST_TEST_FIELD(delivered);
  BURST_TEST_FIELD(delivered_bytes);
  BURST_TEST_FIELD(dummy);
  BURST_TEST_FIELD(too_short);
  BURST_TEST_FIELD(spi_mismatch);
  BURST_TEST_FIELD(sequence_zero);
  BURST_TEST_FIELD(replayed);
  BURST_TEST_FIELD(left_of_window);
  BURST_TEST_FIELD(not_block_multiple);
  BURST_TEST_FIELD(icv_mismatch);
  BURST_TEST_FIELD(pad_length_beyond_payload);
  BURST_TEST_FIELD(bad_pad_bytes);
  BURST_TEST_FIELD(inner_length_invalid);
  BURST_TEST_FIELD(crypto_failure);
}

inline void expect_same_counters(const esp::outbound_counters &a, const esp::outbound_counters &b) {
  BURST_TEST_FIELD(packets);
  BURST_TEST_FIELD(payload_bytes);
  BURST_TEST_FIELD(buffer_too_small);
  BURST_TEST_FIELD(sequence_exhausted);
  BURST_TEST_FIELD(bad_request);
  BURST_TEST_FIELD(crypto_failure);
#undef BURST_TEST_FIELD
}

/// Same top and the same verdict for every number around the window.
template <class W1, class W2> void expect_same_window(const W1 &a, const W2 &b) {
  ASSERT_EQ(a.top(), b.top());
  const std::uint64_t top = a.top();
  const std::uint64_t lo = top > W1::size + 4 ? top - W1::size - 4 : 0;
  const std::uint64_t hi = top > UINT64_MAX - 4 ? UINT64_MAX : top + 4; // no wrap at the end of the space
  for (std::uint64_t s = lo;; ++s) {
    EXPECT_EQ(a.check(s), b.check(s)) << "seq " << s;
    if (s == hi) break;
  }
}

/// Compares one decap outcome with another, payload given as an offset into
/// each packet's own buffer.
inline void expect_same_decap(const esp::decap_result &a, const std::byte *a_base, const esp::decap_result &b,
                              const std::byte *b_base) {
  ASSERT_EQ(a.has_value(), b.has_value());
  if (!a) {
    EXPECT_EQ(esp::name(a.code()), esp::name(b.code()));
    EXPECT_EQ(a.offset(), b.offset());
    return;
  }
  EXPECT_EQ(a->outcome, b->outcome);
  EXPECT_EQ(a->payload.data() - a_base, b->payload.data() - b_base);
  EXPECT_EQ(a->payload.size(), b->payload.size());
  EXPECT_EQ(a->next_header, b->next_header);
  EXPECT_EQ(a->pad_length, b->pad_length);
  EXPECT_EQ(a->tfc_length, b->tfc_length);
  EXPECT_EQ(a->sequence, b->sequence);
}

inline void expect_same_encap(const esp::encap_result &a, const esp::encap_result &b) {
  ASSERT_EQ(a.has_value(), b.has_value());
  if (!a) {
    EXPECT_EQ(esp::name(a.code()), esp::name(b.code()));
    EXPECT_EQ(a.offset(), b.offset());
    return;
  }
  EXPECT_EQ(*a, *b);
}

} // namespace burst_test
