// OpenSSL 3 EVP backend for the ESP codec: one object per SA holding
// pre-keyed cipher contexts (one for each direction) and a pre-keyed HMAC
// context. Per packet it only sets the IV (and, for AEAD, the tag): no key
// schedule, no context allocation on the hot path.
//
// The legacy decap-only transforms need nothing beyond OpenSSL 3's default
// provider: DES-EDE3-CBC, MD5 and SHA-1 are all there (only single DES,
// Blowfish, CAST5 and friends moved to the legacy provider), so no provider
// is ever loaded and the embedder's OpenSSL state is left alone.
//
// The only vpnwire header that includes OpenSSL. Link with vpnwire::openssl.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/crypto/concepts.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/sa.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace esp {
namespace crypto {

/// An SA's keys in OpenSSL contexts. Move-only; create with make().
class openssl_transform {
public:
  openssl_transform() noexcept = default;
  openssl_transform(const openssl_transform &) = delete;
  openssl_transform &operator=(const openssl_transform &) = delete;
  openssl_transform(openssl_transform &&o) noexcept { swap(o); }
  openssl_transform &operator=(openssl_transform &&o) noexcept {
    openssl_transform tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~openssl_transform() { release(); }

  /// Keys the contexts for `cfg`. cipher_key is the whole encryption key
  /// material (AES key, then the 4-byte salt/nonce for CTR, GCM, GMAC and
  /// ChaCha20-Poly1305; the 24-byte 3DES key); integrity_key is the HMAC key
  /// (empty for AEAD).
  /// Errors: the errors of cfg.validate(); key_length_mismatch when a key is
  /// not cfg.cipher_key_size() / cfg.integrity_key_size() bytes; crypto_failure
  /// when OpenSSL cannot create or key a context.
  [[nodiscard]] static result<openssl_transform, errc> make(const sa_config &cfg, bytes_view cipher_key,
                                                            bytes_view integrity_key) noexcept {
    if (auto v = cfg.validate(); !v) return v.error();
    if (integrity_key.size() != cfg.integrity_key_size()) return fail(errc::key_length_mismatch);
    return make_impl(cfg, cipher_key, integrity_key);
  }

  /// Keys only the cipher, for an SA whose integrity key is unknown: the
  /// result serves inbound_sa::make_unverified() / decap_unverified() and
  /// nothing else (compute() fails, integrity_keyed() is false, and
  /// inbound_sa::make() refuses it with integrity_key_missing).
  /// Errors: the errors of cfg.validate_unverified(); key_length_mismatch;
  /// crypto_failure.
  [[nodiscard]] static result<openssl_transform, errc> make_without_integrity(const sa_config &cfg,
                                                                              bytes_view cipher_key) noexcept {
    if (auto v = cfg.validate_unverified(); !v) return v.error();
    return make_impl(cfg, cipher_key, bytes_view{});
  }

  /// Whether this transform was keyed for `cfg`'s cipher, key size and
  /// integrity algorithm. Errors: transform_mismatch.
  [[nodiscard]] result<void, errc> check_config(const sa_config &cfg) const noexcept {
    if (cfg.cipher != kind_ || cfg.key_bits != key_bits_ || cfg.integrity != integrity_)
      return fail(errc::transform_mismatch);
    return {};
  }
  /// False when made by make_without_integrity() for a non-AEAD cipher.
  [[nodiscard]] bool integrity_keyed() const noexcept { return aead_ || mac_ != nullptr; }

  [[nodiscard]] bool is_aead() const noexcept { return aead_; }

  /// AEAD encrypt in place (GCM, GMAC with empty data, ChaCha20-Poly1305).
  [[nodiscard]] bool seal(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                          mutable_bytes tag_out) noexcept {
    if (!aead_ || iv.size() != 8 || tag_out.size() > 16) return false;
    std::array<unsigned char, 12> nonce;
    make_nonce(nonce, iv);
    int n = 0;
    if (EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, nonce.data()) != 1) return false;
    if (!add_aad(enc_, aad_head) || !add_aad(enc_, aad_tail)) return false;
    if (!update(enc_, data)) return false;
    unsigned char last[16];
    if (EVP_EncryptFinal_ex(enc_, last, &n) != 1) return false;
    return EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_out.size()),
                               core::uc(tag_out.data())) == 1;
  }

  /// AEAD verify and decrypt in place. On a tag mismatch the data is restored
  /// (re-encrypted with the same keystream) so no unauthenticated plaintext
  /// is left in the caller's buffer.
  [[nodiscard]] bool open(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                          bytes_view tag_in) noexcept {
    if (!aead_ || iv.size() != 8 || tag_in.size() > 16 || tag_in.empty()) return false;
    std::array<unsigned char, 12> nonce;
    make_nonce(nonce, iv);
    std::array<unsigned char, 16> tag{};
    std::memcpy(tag.data(), tag_in.data(), tag_in.size());
    if (EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, nonce.data()) != 1) return false;
    if (EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_in.size()), tag.data()) != 1)
      return false;
    if (!add_aad(dec_, aad_head) || !add_aad(dec_, aad_tail)) return false;
    if (!update(dec_, data)) return false;
    unsigned char last[16];
    int n = 0;
    if (EVP_DecryptFinal_ex(dec_, last, &n) == 1) return true;
    if (!data.empty()) {
      std::array<std::byte, 16> scratch;
      (void)seal(iv, aad_head, aad_tail, data, mutable_bytes(scratch).first(tag_in.size()));
    }
    return false;
  }

  /// AEAD decrypt in place WITHOUT checking the tag (crypto::aead_unverified),
  /// for inbound_sa::decap_unverified(): GCM and ChaCha20-Poly1305 are
  /// counter-mode ciphers, so the plaintext is right even when the tag would
  /// not be. GMAC (empty data) has nothing to decrypt.
  [[nodiscard]] bool open_unverified(bytes_view iv, bytes_view aad_head, bytes_view aad_tail,
                                     mutable_bytes data) noexcept {
    if (!aead_ || iv.size() != 8) return false;
    if (data.empty()) return true;
    std::array<unsigned char, 12> nonce;
    make_nonce(nonce, iv);
    if (EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, nonce.data()) != 1) return false;
    if (!add_aad(dec_, aad_head) || !add_aad(dec_, aad_tail)) return false;
    return update(dec_, data);
  }

  /// Cipher-only encrypt in place (NULL, AES-CBC without padding, AES-CTR).
  [[nodiscard]] bool encrypt(bytes_view iv, mutable_bytes data) noexcept { return crypt(enc_, iv, data); }
  /// Cipher-only decrypt in place.
  [[nodiscard]] bool decrypt(bytes_view iv, mutable_bytes data) noexcept { return crypt(dec_, iv, data); }

  /// HMAC of part1 || part2 truncated to out.size() bytes.
  [[nodiscard]] bool compute(bytes_view part1, bytes_view part2, mutable_bytes out) noexcept {
    if (mac_ == nullptr) return false;
    if (EVP_MAC_init(mac_, nullptr, 0, nullptr) != 1) return false;
    if (!part1.empty() && EVP_MAC_update(mac_, core::uc(part1.data()), part1.size()) != 1) return false;
    if (!part2.empty() && EVP_MAC_update(mac_, core::uc(part2.data()), part2.size()) != 1) return false;
    std::array<unsigned char, 64> full;
    std::size_t len = 0;
    if (EVP_MAC_final(mac_, full.data(), &len, full.size()) != 1 || len < out.size()) return false;
    std::memcpy(out.data(), full.data(), out.size());
    return true;
  }

private:
  static result<openssl_transform, errc> make_impl(const sa_config &cfg, bytes_view cipher_key,
                                                   bytes_view integrity_key) noexcept {
    if (cipher_key.size() != cfg.cipher_key_size()) return fail(errc::key_length_mismatch);
    openssl_transform t;
    t.kind_ = cfg.cipher;
    t.key_bits_ = cfg.key_bits;
    t.integrity_ = cfg.integrity;
    t.aead_ = cfg.is_aead();
    const EVP_CIPHER *evp = pick_cipher(cfg);
    if (cfg.cipher != esp::cipher::null) {
      if (evp == nullptr) return fail(errc::crypto_failure);
      const bool salted = cfg.cipher != esp::cipher::aes_cbc && cfg.cipher != esp::cipher::des3_cbc;
      const std::size_t key_len = cipher_key.size() - (salted ? 4 : 0);
      if (salted) std::memcpy(t.salt_.data(), cipher_key.data() + key_len, 4);
      t.enc_ = EVP_CIPHER_CTX_new();
      t.dec_ = EVP_CIPHER_CTX_new();
      if (t.enc_ == nullptr || t.dec_ == nullptr) return fail(errc::crypto_failure);
      const unsigned char *k = core::uc(cipher_key.data());
      if (EVP_EncryptInit_ex(t.enc_, evp, nullptr, k, nullptr) != 1 ||
          EVP_DecryptInit_ex(t.dec_, evp, nullptr, k, nullptr) != 1)
        return fail(errc::crypto_failure);
      // ESP pads itself (RFC 4303 §2.4): CBC must not add PKCS#7 padding.
      if (cfg.block_size() > 1 &&
          (EVP_CIPHER_CTX_set_padding(t.enc_, 0) != 1 || EVP_CIPHER_CTX_set_padding(t.dec_, 0) != 1))
        return fail(errc::crypto_failure);
    }
    if (cfg.integrity != esp::integrity::none && !integrity_key.empty()) {
      t.mac_alg_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
      if (t.mac_alg_ == nullptr) return fail(errc::crypto_failure);
      t.mac_ = EVP_MAC_CTX_new(t.mac_alg_);
      if (t.mac_ == nullptr) return fail(errc::crypto_failure);
      char digest[16] = {};
      const char *name = digest_name(cfg.integrity);
      std::memcpy(digest, name, std::strlen(name) + 1);
      const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                   OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(t.mac_, core::uc(integrity_key.data()), integrity_key.size(), params) != 1)
        return fail(errc::crypto_failure);
    }
    return t;
  }

  static const EVP_CIPHER *pick_cipher(const sa_config &cfg) noexcept {
    const bool k128 = cfg.key_bits == 128;
    const bool k192 = cfg.key_bits == 192;
    switch (cfg.cipher) {
    case esp::cipher::null: return nullptr;
    case esp::cipher::aes_cbc: return k128 ? EVP_aes_128_cbc() : k192 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
    case esp::cipher::aes_ctr: return k128 ? EVP_aes_128_ctr() : k192 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
    case esp::cipher::aes_gcm:
    case esp::cipher::aes_gmac: return k128 ? EVP_aes_128_gcm() : k192 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
    case esp::cipher::chacha20_poly1305: return EVP_chacha20_poly1305();
    case esp::cipher::des3_cbc: return EVP_des_ede3_cbc();
    }
    return nullptr;
  }
  static const char *digest_name(esp::integrity i) noexcept {
    switch (i) {
    case esp::integrity::hmac_sha1_96: return "SHA1";
    case esp::integrity::hmac_sha256_128: return "SHA256";
    case esp::integrity::hmac_sha384_192: return "SHA384";
    case esp::integrity::hmac_sha512_256: return "SHA512";
    case esp::integrity::hmac_md5_96: return "MD5";
    case esp::integrity::hmac_sha1_160: return "SHA1";
    case esp::integrity::none: break;
    }
    return "SHA256";
  }

  void make_nonce(std::array<unsigned char, 12> &nonce, bytes_view iv) const noexcept {
    std::memcpy(nonce.data(), salt_.data(), 4);
    std::memcpy(nonce.data() + 4, iv.data(), 8);
  }
  static bool add_aad(EVP_CIPHER_CTX *ctx, bytes_view aad) noexcept {
    if (aad.empty()) return true;
    if (aad.size() > static_cast<std::size_t>(INT_MAX)) return false;
    int n = 0;
    return EVP_CipherUpdate(ctx, nullptr, &n, core::uc(aad.data()), static_cast<int>(aad.size())) == 1;
  }
  static bool update(EVP_CIPHER_CTX *ctx, mutable_bytes data) noexcept {
    if (data.empty()) return true;
    if (data.size() > static_cast<std::size_t>(INT_MAX)) return false;
    int n = 0;
    unsigned char *p = core::uc(data.data());
    return EVP_CipherUpdate(ctx, p, &n, p, static_cast<int>(data.size())) == 1 &&
           static_cast<std::size_t>(n) == data.size();
  }
  bool crypt(EVP_CIPHER_CTX *ctx, bytes_view iv, mutable_bytes data) noexcept {
    if (aead_) return false;
    if (kind_ == esp::cipher::null) return iv.empty();
    std::array<unsigned char, 16> block{};
    if (kind_ == esp::cipher::aes_cbc) {
      if (iv.size() != 16 || data.size() % 16 != 0) return false;
      std::memcpy(block.data(), iv.data(), 16);
    } else if (kind_ == esp::cipher::des3_cbc) { // RFC 2451: 8-byte IV and block
      if (iv.size() != 8 || data.size() % 8 != 0) return false;
      std::memcpy(block.data(), iv.data(), 8);
    } else { // AES-CTR, RFC 3686 §4: nonce || IV || block counter starting at 1
      if (iv.size() != 8) return false;
      std::memcpy(block.data(), salt_.data(), 4);
      std::memcpy(block.data() + 4, iv.data(), 8);
      block[15] = 1;
    }
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, block.data(), -1) != 1) return false;
    return update(ctx, data);
  }

  void release() noexcept {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
    EVP_MAC_CTX_free(mac_);
    EVP_MAC_free(mac_alg_);
    enc_ = dec_ = nullptr;
    mac_ = nullptr;
    mac_alg_ = nullptr;
  }
  void swap(openssl_transform &o) noexcept {
    std::swap(enc_, o.enc_);
    std::swap(dec_, o.dec_);
    std::swap(mac_, o.mac_);
    std::swap(mac_alg_, o.mac_alg_);
    std::swap(salt_, o.salt_);
    std::swap(kind_, o.kind_);
    std::swap(key_bits_, o.key_bits_);
    std::swap(integrity_, o.integrity_);
    std::swap(aead_, o.aead_);
  }

  EVP_CIPHER_CTX *enc_ = nullptr;
  EVP_CIPHER_CTX *dec_ = nullptr;
  EVP_MAC_CTX *mac_ = nullptr;
  EVP_MAC *mac_alg_ = nullptr;
  std::array<unsigned char, 4> salt_{};
  esp::cipher kind_ = esp::cipher::null;
  std::uint16_t key_bits_ = 0;
  esp::integrity integrity_ = esp::integrity::none;
  bool aead_ = false;
};

static_assert(transform<openssl_transform>);
static_assert(aead_unverified<openssl_transform>);
static_assert(describes_keys<openssl_transform>);

} // namespace crypto
} // namespace esp
} // namespace v1
} // namespace vpnwire
