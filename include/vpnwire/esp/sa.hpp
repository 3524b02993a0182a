// The parameters of an ESP security association (RFC 4303) and the exact
// sizes they imply: headroom before the payload, tailroom after it, and the
// overhead for any payload length, so a caller can reserve buffer space and
// compute MTUs without encapsulating anything.
//
// Layout written by encap (offsets from the start of the caller's span):
//
//   [UDP header 8, only with RFC 3948 UDP encapsulation]
//   SPI 4 | Sequence Number 4 | IV (0, 8 or 16)          <- headroom()
//   payload | TFC padding (tunnel mode) | padding | pad length | next header
//   ICV (0, 8, 12 or 16)
//
// The outer IP header is not part of ESP's sizes: the IP layer adds it, and
// ESP is the same over IPv4 and IPv6 (RFC 4303 §3.1): only the outer header
// and, in tunnel mode, the inner packet's version differ.
//
// Legacy transforms (3DES-CBC, HMAC-MD5-96, HMAC-SHA1 with its full 160-bit
// ICV) exist to read old captures: they decapsulate, outbound_sa refuses them
// (decap_only_transform), and is_deprecated() lets output flag them
// "deprecated (RFC 8221)".
#pragma once

#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// Encryption transform.
enum class cipher : std::uint8_t {
  null,              ///< ENCR_NULL (RFC 2410): integrity only.
  aes_cbc,           ///< AES-CBC with an explicit random 16-byte IV (RFC 3602).
  aes_ctr,           ///< AES-CTR (RFC 3686): key || 4-byte nonce; 8-byte IV.
  aes_gcm,           ///< AES-GCM AEAD (RFC 4106): key || 4-byte salt; 8-byte IV.
  aes_gmac,          ///< ENCR_NULL_AUTH_AES_GMAC (RFC 4543): authenticated, not encrypted.
  chacha20_poly1305, ///< ChaCha20-Poly1305 AEAD (RFC 7634): 32-byte key || 4-byte salt.
  des3_cbc,          ///< Legacy, decap only: 3DES-CBC (RFC 2451), 24-byte key, 8-byte IV and block.
};

/// Integrity transform for the non-AEAD ciphers.
enum class integrity : std::uint8_t {
  none,            ///< Only with an AEAD cipher (GCM, GMAC, ChaCha20-Poly1305).
  hmac_sha1_96,    ///< RFC 2404: 20-byte key, 12-byte ICV.
  hmac_sha256_128, ///< RFC 4868: 32-byte key, 16-byte ICV.
  hmac_sha384_192, ///< RFC 4868: 48-byte key, 24-byte ICV.
  hmac_sha512_256, ///< RFC 4868: 64-byte key, 32-byte ICV.
  hmac_md5_96,     ///< Legacy, decap only: RFC 2403, 16-byte key, 12-byte ICV.
  hmac_sha1_160,   ///< Legacy, decap only: HMAC-SHA1 with the full 20-byte ICV (Linux auth-trunc 160).
};

/// Transport or tunnel mode (RFC 4301 §4.1). TFC padding and the trimming of
/// it by the inner IP length exist only in tunnel mode.
enum class sa_mode : std::uint8_t { transport, tunnel };

/// The enumerator's name, e.g. "aes_gcm".
[[nodiscard]] constexpr std::string_view name(cipher c) noexcept {
  switch (c) {
  case cipher::null: return "null";
  case cipher::aes_cbc: return "aes_cbc";
  case cipher::aes_ctr: return "aes_ctr";
  case cipher::aes_gcm: return "aes_gcm";
  case cipher::aes_gmac: return "aes_gmac";
  case cipher::chacha20_poly1305: return "chacha20_poly1305";
  case cipher::des3_cbc: return "des3_cbc";
  }
  return "unknown";
}
/// The enumerator's name, e.g. "hmac_sha256_128".
[[nodiscard]] constexpr std::string_view name(integrity i) noexcept {
  switch (i) {
  case integrity::none: return "none";
  case integrity::hmac_sha1_96: return "hmac_sha1_96";
  case integrity::hmac_sha256_128: return "hmac_sha256_128";
  case integrity::hmac_sha384_192: return "hmac_sha384_192";
  case integrity::hmac_sha512_256: return "hmac_sha512_256";
  case integrity::hmac_md5_96: return "hmac_md5_96";
  case integrity::hmac_sha1_160: return "hmac_sha1_160";
  }
  return "unknown";
}
/// The enumerator's name: "transport" or "tunnel".
[[nodiscard]] constexpr std::string_view name(sa_mode m) noexcept {
  switch (m) {
  case sa_mode::transport: return "transport";
  case sa_mode::tunnel: return "tunnel";
  }
  return "unknown";
}

/// True for the legacy ciphers vpnwire only decapsulates: RFC 8221 §5 says
/// 3DES-CBC SHOULD NOT be used.
[[nodiscard]] constexpr bool is_deprecated(cipher c) noexcept { return c == cipher::des3_cbc; }
/// True for the legacy integrity transforms vpnwire only decapsulates:
/// RFC 8221 §6 says HMAC-MD5-96 MUST NOT be used; HMAC-SHA1 with a 160-bit
/// ICV is no IANA ESP transform at all (only Linux's auth-trunc can make it).
[[nodiscard]] constexpr bool is_deprecated(integrity i) noexcept {
  return i == integrity::hmac_md5_96 || i == integrity::hmac_sha1_160;
}
/// The text output shows next to a deprecated transform.
inline constexpr std::string_view deprecated_note = "deprecated (RFC 8221)";

/// The UDP port of IKE and UDP-encapsulated ESP (RFC 3948).
inline constexpr std::uint16_t natt_port = 4500;
/// Size of the UDP header written in front of ESP with UDP encapsulation.
inline constexpr std::size_t udp_header_size = 8;

/// Everything about an SA except its keys and its state.
struct sa_config {
  std::uint32_t spi = 0;
  esp::cipher cipher = esp::cipher::aes_gcm;
  /// AES: 128, 192 or 256; ChaCha20-Poly1305: 256; 3DES: 192; NULL: 0.
  std::uint16_t key_bits = 128;
  /// AEAD tag length for AES-GCM (8, 12 or 16); ignored otherwise (GMAC and
  /// ChaCha20-Poly1305 use 16, HMACs their truncation).
  std::uint8_t aead_icv_size = 16;
  esp::integrity integrity = esp::integrity::none;
  sa_mode mode = sa_mode::tunnel;
  /// Extended (64-bit) Sequence Numbers (RFC 4303 §2.2.1).
  bool esn = false;
  /// RFC 3948 UDP encapsulation: encap writes a UDP header (checksum 0).
  bool udp_encap = false;
  std::uint16_t udp_source_port = natt_port;
  std::uint16_t udp_destination_port = natt_port;
  /// Decap checks every padding byte equals its position (RFC 4303 §2.4
  /// default padding). Set to false to accept arbitrary padding contents.
  bool strict_padding = true;

  /// True for GCM, GMAC and ChaCha20-Poly1305 (one AEAD call does both jobs).
  [[nodiscard]] constexpr bool is_aead() const noexcept {
    return cipher == esp::cipher::aes_gcm || cipher == esp::cipher::aes_gmac ||
           cipher == esp::cipher::chacha20_poly1305;
  }
  /// True when the SA uses a legacy transform (3DES-CBC, HMAC-MD5-96,
  /// HMAC-SHA1-160): decapsulation only, flagged "deprecated (RFC 8221)".
  [[nodiscard]] constexpr bool is_deprecated() const noexcept {
    return esp::is_deprecated(cipher) || esp::is_deprecated(integrity);
  }
  /// Encryption block size: 16 for AES-CBC, 8 for 3DES-CBC, 1 for stream-like
  /// modes and NULL.
  [[nodiscard]] constexpr std::size_t block_size() const noexcept {
    switch (cipher) {
    case esp::cipher::aes_cbc: return 16;
    case esp::cipher::des3_cbc: return 8;
    default: return 1;
    }
  }
  /// Padding aligns payload + 2 to lcm(block size, 4) (RFC 4303 §2.4).
  [[nodiscard]] constexpr std::size_t pad_alignment() const noexcept { return block_size() > 4 ? block_size() : 4; }
  /// Explicit IV carried in every packet.
  [[nodiscard]] constexpr std::size_t iv_size() const noexcept {
    switch (cipher) {
    case esp::cipher::null: return 0;
    case esp::cipher::aes_cbc: return 16;
    default: return 8; // CTR, GCM, GMAC, ChaCha20-Poly1305, 3DES-CBC
    }
  }
  /// Integrity Check Value length.
  [[nodiscard]] constexpr std::size_t icv_size() const noexcept {
    if (cipher == esp::cipher::aes_gcm) return aead_icv_size;
    if (is_aead()) return 16;
    switch (integrity) {
    case esp::integrity::none: return 0;
    case esp::integrity::hmac_sha1_96: return 12;
    case esp::integrity::hmac_sha256_128: return 16;
    case esp::integrity::hmac_sha384_192: return 24;
    case esp::integrity::hmac_sha512_256: return 32;
    case esp::integrity::hmac_md5_96: return 12;
    case esp::integrity::hmac_sha1_160: return 20;
    }
    return 0;
  }
  /// Encryption key material length in bytes, including the 4-byte salt or
  /// nonce that RFC 3686/4106/4543/7634 take from the end of the key.
  [[nodiscard]] constexpr std::size_t cipher_key_size() const noexcept {
    const std::size_t k = key_bits / 8U;
    switch (cipher) {
    case esp::cipher::null: return 0;
    case esp::cipher::aes_cbc:
    case esp::cipher::des3_cbc: return k;
    default: return k + 4;
    }
  }
  /// Integrity key length in bytes (RFC 2404, RFC 4868): the hash output size.
  [[nodiscard]] constexpr std::size_t integrity_key_size() const noexcept {
    switch (integrity) {
    case esp::integrity::none: return 0;
    case esp::integrity::hmac_sha1_96: return 20;
    case esp::integrity::hmac_sha256_128: return 32;
    case esp::integrity::hmac_sha384_192: return 48;
    case esp::integrity::hmac_sha512_256: return 64;
    case esp::integrity::hmac_md5_96: return 16;
    case esp::integrity::hmac_sha1_160: return 20;
    }
    return 0;
  }

  /// Bytes before the payload: [UDP 8] + SPI + sequence + IV.
  [[nodiscard]] constexpr std::size_t headroom() const noexcept {
    return (udp_encap ? udp_header_size : 0) + header_size + iv_size();
  }
  /// The most bytes after the payload any packet needs (without TFC padding):
  /// alignment - 1 padding bytes, pad length, next header, ICV.
  [[nodiscard]] constexpr std::size_t tailroom() const noexcept { return pad_alignment() - 1 + 2 + icv_size(); }
  /// Padding bytes for a payload of `payload_len` (plus `tfc_len` TFC bytes).
  [[nodiscard]] constexpr std::size_t padding_for(std::size_t payload_len, std::size_t tfc_len = 0) const noexcept {
    const std::size_t a = pad_alignment();
    return (a - (payload_len + tfc_len + 2) % a) % a;
  }
  /// Exact bytes added to a payload of `payload_len`: headroom + TFC + padding
  /// + 2 + ICV. encap of that payload returns payload_len + overhead().
  [[nodiscard]] constexpr std::size_t overhead(std::size_t payload_len, std::size_t tfc_len = 0) const noexcept {
    return headroom() + tfc_len + padding_for(payload_len, tfc_len) + 2 + icv_size();
  }
  /// Total bytes encap writes for a payload of `payload_len`.
  [[nodiscard]] constexpr std::size_t packet_size(std::size_t payload_len, std::size_t tfc_len = 0) const noexcept {
    return payload_len + overhead(payload_len, tfc_len);
  }
  /// The largest payload whose packet_size() fits in `budget` bytes (0 when
  /// even an empty payload does not fit; check packet_size(0) <= budget).
  [[nodiscard]] constexpr std::size_t max_payload(std::size_t budget) const noexcept {
    const std::size_t fixed = headroom() + 2 + icv_size();
    if (budget < fixed) return 0;
    // Round the room for payload + 2 down to the alignment.
    const std::size_t room = budget - headroom() - icv_size();
    const std::size_t aligned = room - room % pad_alignment();
    return aligned < 2 ? 0 : aligned - 2;
  }

  /// Checks the combination is one the codec and backends implement, for an
  /// SA whose packets are verified (inbound_sa::decap, outbound_sa::encap).
  /// Errors: unsupported_key_length, invalid_icv_length, integrity_required,
  /// integrity_not_allowed.
  [[nodiscard]] constexpr result<void, errc> validate() const noexcept {
    if (auto v = validate_unverified(); !v) return v;
    if (!is_aead() && integrity == esp::integrity::none) return fail(errc::integrity_required);
    return {};
  }

  /// validate() plus the rule that only modern transforms encapsulate.
  /// Errors: those of validate(); decap_only_transform for 3DES-CBC,
  /// HMAC-MD5-96 and HMAC-SHA1-160.
  [[nodiscard]] constexpr result<void, errc> validate_outbound() const noexcept {
    if (auto v = validate(); !v) return v;
    if (is_deprecated()) return fail(errc::decap_only_transform);
    return {};
  }

  /// The weaker check for an SA that is only read with
  /// inbound_sa::decap_unverified() (analysis of a capture whose integrity key
  /// is unknown): as validate(), but a non-AEAD cipher may also come without
  /// an integrity algorithm (an ICV of 0 bytes, as a tcpdump secret without
  /// "-hmac96" describes). Errors: unsupported_key_length,
  /// invalid_icv_length, integrity_not_allowed.
  [[nodiscard]] constexpr result<void, errc> validate_unverified() const noexcept {
    switch (cipher) {
    case esp::cipher::null:
      if (key_bits != 0) return fail(errc::unsupported_key_length);
      break;
    case esp::cipher::chacha20_poly1305:
      if (key_bits != 256) return fail(errc::unsupported_key_length);
      break;
    case esp::cipher::des3_cbc:
      if (key_bits != 192) return fail(errc::unsupported_key_length);
      break;
    default:
      if (key_bits != 128 && key_bits != 192 && key_bits != 256) return fail(errc::unsupported_key_length);
    }
    if (cipher == esp::cipher::aes_gcm && aead_icv_size != 8 && aead_icv_size != 12 && aead_icv_size != 16)
      return fail(errc::invalid_icv_length);
    if (is_aead() && integrity != esp::integrity::none) return fail(errc::integrity_not_allowed);
    return {};
  }
};

} // namespace esp
} // namespace v1
} // namespace vpnwire
