// One table per transform kind: every ESP transform vpnwire implements and
// its name in each key-file format and in --esp-sa. Parsers look names up
// here and writers print them from here, so adding a name is one field.
// An empty name means the format (or the tool behind it) cannot express the
// transform: the writer skips that SA with a note naming the algorithm.
#pragma once

#include "keys/text.hpp"
#include "vpnwire/esp/sa.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpnwire_cli::keys {

struct cipher_names {
  vpnwire::esp::cipher cipher;
  /// AES-GCM rows: the ICV length the name implies (8, 12 or 16); 0 otherwise.
  std::uint8_t aead_icv;
  /// `ip xfrm state`: the name on the enc line, or on the aead line (then
  /// the ICV length in bits follows the key).
  std::string_view xfrm;
  bool xfrm_aead;
  /// `setkey -D`: the name after "E:" (KAME / FreeBSD spelling).
  std::string_view setkey;
  /// Wireshark's esp_sa "Encryption" value (as tshark 4.0 accepts it).
  std::string_view wireshark;
  /// The CLI's --esp-sa enc= name.
  std::string_view esp_sa;
};

using vpnwire::esp::cipher;
using vpnwire::esp::integrity;

inline constexpr std::array<cipher_names, 9> cipher_table{{
    {cipher::null, 0, "ecb(cipher_null)", false, "null", "NULL", "null"},
    {cipher::aes_cbc, 0, "cbc(aes)", false, "aes-cbc", "AES-CBC [RFC3602]", "aes-cbc"},
    {cipher::aes_ctr, 0, "rfc3686(ctr(aes))", false, "aes-ctr", "AES-CTR [RFC3686]", "aes-ctr"},
    {cipher::aes_gcm, 8, "rfc4106(gcm(aes))", true, "", "AES-GCM with 8 octet ICV [RFC4106]", "aes-gcm-8"},
    {cipher::aes_gcm, 12, "rfc4106(gcm(aes))", true, "", "AES-GCM with 12 octet ICV [RFC4106]", "aes-gcm-12"},
    {cipher::aes_gcm, 16, "rfc4106(gcm(aes))", true, "aes-gcm-16", "AES-GCM with 16 octet ICV [RFC4106]", "aes-gcm-16"},
    {cipher::aes_gmac, 0, "rfc4543(gcm(aes))", true, "", "", "aes-gmac"},
    {cipher::chacha20_poly1305, 0, "rfc7539esp(chacha20,poly1305)", true, "chacha20-poly1305", "", "chacha20-poly1305"},
    {cipher::des3_cbc, 0, "cbc(des3_ede)", false, "3des-cbc", "TripleDES-CBC [RFC2451]", ""},
}};

struct integrity_names {
  vpnwire::esp::integrity integrity;
  /// `ip xfrm state`: the HMAC's name and the auth-trunc length in bits.
  std::string_view xfrm;
  std::uint16_t xfrm_trunc_bits;
  /// `setkey -D`: the name after "A:" (KAME spelling, and ipsec-tools' alias).
  std::string_view setkey;
  std::string_view setkey_alias;
  /// Wireshark's esp_sa "Authentication" value.
  std::string_view wireshark;
  /// Wireshark's value for "an ICV of this length, not checked": used when
  /// the key (or the algorithm) is unknown.
  std::string_view wireshark_unchecked;
  /// The CLI's --esp-sa auth= name.
  std::string_view esp_sa;
};

inline constexpr std::array<integrity_names, 7> integrity_table{{
    {integrity::none, "digest_null", 0, "null", "none", "NULL", "NULL", "none"},
    {integrity::hmac_sha1_96, "hmac(sha1)", 96, "hmac-sha1", "", "HMAC-SHA-1-96 [RFC2404]",
     "ANY 96 bit authentication [no checking]", "hmac-sha1-96"},
    {integrity::hmac_sha256_128, "hmac(sha256)", 128, "hmac-sha2-256", "hmac-sha256", "HMAC-SHA-256-128 [RFC4868]",
     "ANY 128 bit authentication [no checking]", "hmac-sha256-128"},
    {integrity::hmac_sha384_192, "hmac(sha384)", 192, "hmac-sha2-384", "hmac-sha384", "HMAC-SHA-384-192 [RFC4868]",
     "ANY 192 bit authentication [no checking]", "hmac-sha384-192"},
    {integrity::hmac_sha512_256, "hmac(sha512)", 256, "hmac-sha2-512", "hmac-sha512", "HMAC-SHA-512-256 [RFC4868]",
     "ANY 256 bit authentication [no checking]", "hmac-sha512-256"},
    {integrity::hmac_md5_96, "hmac(md5)", 96, "hmac-md5", "", "HMAC-MD5-96 [RFC2403]",
     "ANY 96 bit authentication [no checking]", ""},
    {integrity::hmac_sha1_160, "hmac(sha1)", 160, "", "", "", "", ""},
}};

[[nodiscard]] inline const cipher_names &names_of(vpnwire::esp::cipher c, std::uint8_t aead_icv) noexcept {
  for (const auto &row : cipher_table)
    if (row.cipher == c && (c != cipher::aes_gcm || row.aead_icv == aead_icv)) return row;
  return cipher_table[0];
}
[[nodiscard]] inline const integrity_names &names_of(vpnwire::esp::integrity i) noexcept {
  for (const auto &row : integrity_table)
    if (row.integrity == i) return row;
  return integrity_table[0];
}

/// The cipher a Wireshark "Encryption" value names, or null.
[[nodiscard]] inline const cipher_names *cipher_by_wireshark(std::string_view n) noexcept {
  for (const auto &row : cipher_table)
    if (!row.wireshark.empty() && row.wireshark == n) return &row;
  return nullptr;
}
/// The integrity transform a Wireshark "Authentication" value names, or
/// null; *unchecked is set for the "ANY n bit" values (ICV length only).
[[nodiscard]] inline const integrity_names *integrity_by_wireshark(std::string_view n, bool &unchecked) noexcept {
  for (const auto &row : integrity_table) {
    if (!row.wireshark.empty() && row.wireshark == n) {
      unchecked = false;
      return &row;
    }
  }
  for (const auto &row : integrity_table) {
    if (row.integrity != integrity::none && !row.wireshark_unchecked.empty() && row.wireshark_unchecked == n) {
      unchecked = true;
      return &row;
    }
  }
  return nullptr;
}

/// The cipher a `setkey -D` "E:" name gives (KAME names and aliases), or null.
[[nodiscard]] inline const cipher_names *cipher_by_setkey(std::string_view n) noexcept {
  if (n == "rijndael-cbc") n = "aes-cbc"; // KAME's older name for AES-CBC (FreeBSD 4-6)
  for (const auto &row : cipher_table)
    if (!row.setkey.empty() && row.setkey == n) return &row;
  return nullptr;
}
/// The integrity transform a `setkey -D` "A:" name gives, or null.
[[nodiscard]] inline const integrity_names *integrity_by_setkey(std::string_view n) noexcept {
  for (const auto &row : integrity_table)
    if (!row.setkey.empty() && (row.setkey == n || (!row.setkey_alias.empty() && row.setkey_alias == n))) return &row;
  return nullptr;
}

/// The transform `ip xfrm state`'s line names: an enc or aead algorithm name
/// (for rfc4106(gcm(aes)) the ICV bits pick the row), or null.
[[nodiscard]] inline const cipher_names *cipher_by_xfrm(std::string_view n, bool aead_line,
                                                        std::uint32_t icv_bits) noexcept {
  for (const auto &row : cipher_table) {
    if (row.xfrm != n || row.xfrm_aead != aead_line) continue;
    if (row.cipher == cipher::aes_gcm && row.aead_icv * 8U != icv_bits) continue;
    return &row;
  }
  return nullptr;
}
/// The integrity transform of an auth-trunc line (name and length), or null.
[[nodiscard]] inline const integrity_names *integrity_by_xfrm(std::string_view n, std::uint32_t trunc_bits) noexcept {
  for (const auto &row : integrity_table)
    if (row.integrity != integrity::none && row.xfrm == n && row.xfrm_trunc_bits == trunc_bits) return &row;
  return nullptr;
}
/// The ICV length Linux gives an `auth` line without a truncation length
/// (its algorithm table's default): 96 bits for hmac(md5), hmac(sha1) and,
/// before RFC 4868, hmac(sha256); 192 and 256 for hmac(sha384/512); 0 when
/// vpnwire does not know the algorithm.
[[nodiscard]] inline std::uint32_t linux_default_trunc_bits(std::string_view n) noexcept {
  if (n == "hmac(md5)" || n == "hmac(sha1)" || n == "hmac(sha256)" || n == "hmac(rmd160)") return 96;
  if (n == "hmac(sha384)") return 192;
  if (n == "hmac(sha512)") return 256;
  return 0;
}

/// tcpdump's -E name for a CBC cipher with this key size ("3des-cbc",
/// "aes128-cbc", ...); empty when tcpdump cannot decrypt the transform (it
/// runs OpenSSL's CBC with the packet's IV and nothing else).
[[nodiscard]] inline std::string tcpdump_cipher_name(const vpnwire::esp::sa_config &c) {
  if (c.cipher == cipher::des3_cbc) return "3des-cbc";
  if (c.cipher == cipher::aes_cbc) return "aes" + std::to_string(c.key_bits) + "-cbc";
  return {};
}

/// What tcpdump's algorithm name (after its "-hmac96" and "-cbc" suffixes
/// are cut, lower case) means to OpenSSL's EVP_get_cipherbyname, for the
/// ciphers vpnwire implements: the cipher and its key bits, or nothing.
struct tcpdump_cipher {
  vpnwire::esp::cipher cipher;
  std::uint16_t key_bits;
};
[[nodiscard]] inline std::optional<tcpdump_cipher> cipher_by_tcpdump(std::string_view evp) noexcept {
  if (evp == "3des" || evp == "des3") return tcpdump_cipher{cipher::des3_cbc, 192};
  if (evp == "aes128") return tcpdump_cipher{cipher::aes_cbc, 128};
  if (evp == "aes192") return tcpdump_cipher{cipher::aes_cbc, 192};
  if (evp == "aes256") return tcpdump_cipher{cipher::aes_cbc, 256};
  if (evp == "none" || evp == "null") return tcpdump_cipher{cipher::null, 0};
  return std::nullopt;
}

/// Key bits for a cipher from the length of its whole key material (with
/// the salt), or nothing when no key size fits.
[[nodiscard]] inline std::optional<std::uint16_t> key_bits_for(vpnwire::esp::cipher c, std::size_t material) noexcept {
  using bits = std::optional<std::uint16_t>;
  switch (c) {
  case cipher::null: return material == 0 ? bits(0) : std::nullopt;
  case cipher::des3_cbc: return material == 24 ? bits(192) : std::nullopt;
  case cipher::chacha20_poly1305: return material == 36 ? bits(256) : std::nullopt;
  case cipher::aes_cbc:
    if (material == 16 || material == 24 || material == 32) return static_cast<std::uint16_t>(material * 8);
    return std::nullopt;
  default: // AES-CTR, GCM, GMAC: an AES key and the 4-byte salt
    if (material == 20 || material == 28 || material == 36) return static_cast<std::uint16_t>((material - 4) * 8);
    return std::nullopt;
  }
}

/// "16, 24 or 32" style text for messages: the key lengths a cipher takes.
[[nodiscard]] inline std::string_view key_lengths_text(vpnwire::esp::cipher c) noexcept {
  switch (c) {
  case cipher::null: return "0 bytes";
  case cipher::des3_cbc: return "24 bytes";
  case cipher::chacha20_poly1305: return "36 bytes (a 32-byte key and the 4-byte salt)";
  case cipher::aes_cbc: return "16, 24 or 32 bytes";
  default: return "20, 28 or 36 bytes (an AES key and the 4-byte salt)";
  }
}

/// Puts a cipher and its key material into `sa` (config.cipher, key_bits,
/// aead_icv_size, cipher_key). Returns the reason when the key length does
/// not fit the cipher, or an empty string.
[[nodiscard]] inline std::string set_cipher(imported_sa &sa, const cipher_names &c, std::vector<std::byte> key,
                                            std::string_view shown_name) {
  const auto bits = key_bits_for(c.cipher, key.size());
  if (!bits)
    return "the key for " + std::string(shown_name) + " is " + std::to_string(key.size()) + " bytes; it takes " +
           std::string(key_lengths_text(c.cipher));
  sa.config.cipher = c.cipher;
  sa.config.key_bits = *bits;
  if (c.cipher == cipher::aes_gcm) sa.config.aead_icv_size = c.aead_icv;
  sa.cipher_key = std::move(key);
  sa.cipher_source_name = std::string(shown_name);
  return {};
}

/// Puts an integrity transform and its key into `sa`. `key` empty with
/// `key_given` false: the file gives no key. `algorithm_known` false: the
/// file gives only the ICV length. Returns the reason when a given key has
/// the wrong length for the HMAC, or an empty string.
[[nodiscard]] inline std::string set_integrity(imported_sa &sa, const integrity_names &i, std::vector<std::byte> key,
                                               bool key_given, bool algorithm_known, std::string_view shown_name) {
  sa.config.integrity = i.integrity;
  sa.integrity_algorithm_known = algorithm_known;
  sa.integrity_source_name = std::string(shown_name);
  if (key_given && algorithm_known && i.integrity != integrity::none) {
    if (key.size() != sa.config.integrity_key_size())
      return "the key for " + std::string(shown_name) + " is " + std::to_string(key.size()) + " bytes; it takes " +
             std::to_string(sa.config.integrity_key_size());
    sa.integrity_key = std::move(key);
  }
  return {};
}

} // namespace vpnwire_cli::keys
