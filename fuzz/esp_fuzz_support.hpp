// Shared by the ESP fuzz targets: an SA configuration chosen by input bytes.
#pragma once

#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/sa.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace esp_fuzz {

/// Two bytes pick every field of an sa_config; always a valid combination,
/// legacy (decap-only) transforms included.
inline vpnwire::esp::sa_config config_from(std::uint8_t a, std::uint8_t b) {
  using namespace vpnwire::esp;
  sa_config c;
  c.spi = 0x01020304;
  static constexpr cipher ciphers[] = {cipher::null,     cipher::aes_cbc,           cipher::aes_ctr, cipher::aes_gcm,
                                       cipher::aes_gmac, cipher::chacha20_poly1305, cipher::des3_cbc};
  c.cipher = ciphers[a % 7];
  static constexpr std::uint16_t bits[] = {128, 192, 256};
  c.key_bits = c.cipher == cipher::null                ? 0
               : c.cipher == cipher::chacha20_poly1305 ? 256
               : c.cipher == cipher::des3_cbc          ? 192
                                                       : bits[(a / 7) % 3];
  static constexpr std::uint8_t icvs[] = {8, 12, 16};
  c.aead_icv_size = icvs[(a / 21) % 3];
  static constexpr integrity integs[] = {integrity::hmac_sha1_96,    integrity::hmac_sha256_128,
                                         integrity::hmac_sha384_192, integrity::hmac_sha512_256,
                                         integrity::hmac_md5_96,     integrity::hmac_sha1_160};
  c.integrity = c.is_aead() ? integrity::none : integs[(b & 3) + ((b & 64) != 0 ? 2 : 0)];
  c.mode = (b & 4) != 0 ? sa_mode::tunnel : sa_mode::transport;
  c.esn = (b & 8) != 0;
  c.udp_encap = (b & 16) != 0;
  c.strict_padding = (b & 32) == 0;
  return c;
}

inline vpnwire::esp::crypto::openssl_transform crypto_for(const vpnwire::esp::sa_config &c) {
  std::vector<std::byte> ck(c.cipher_key_size()), ik(c.integrity_key_size());
  for (std::size_t i = 0; i < ck.size(); ++i) ck[i] = static_cast<std::byte>(i * 13 + 1);
  for (std::size_t i = 0; i < ik.size(); ++i) ik[i] = static_cast<std::byte>(i * 7 + 5);
  auto t = vpnwire::esp::crypto::openssl_transform::make(c, ck, ik);
  if (!t) __builtin_trap();
  return std::move(t).value();
}

} // namespace esp_fuzz
