// What the ESP codec asks of a crypto backend. vpnwire implements no
// primitive: a backend (esp/crypto/openssl.hpp, or the embedder's own) keys
// its contexts once per SA and then only sets the IV per packet.
//
// A backend object is an `esp::crypto::transform`: it answers is_aead() and
// offers either the AEAD pair seal/open or the cipher pair encrypt/decrypt
// plus mac. The codec calls only the half that matches the SA's config.
//
// Conventions shared by every operation:
//  - `iv` is the explicit per-packet IV as carried in the packet (8 bytes for
//    CTR/GCM/GMAC/ChaCha20-Poly1305, 16 for CBC, empty for NULL); the backend
//    adds its salt or nonce from the key material.
//  - Data is transformed in place; the spans are the packet's own bytes.
//  - Every operation is noexcept and returns false only on an internal
//    failure of the crypto library (or, for open, a tag mismatch).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/sa.hpp"

#include <concepts>

namespace vpnwire {
inline namespace v1 {
namespace esp {
namespace crypto {

/// An AEAD (RFC 5116 shape). The associated data is aad_head || aad_tail, two
/// pieces so that the ESN layout (SPI || seq high || seq low) and GMAC's
/// "everything is AAD" need no copy. `data` may be empty (GMAC).
template <class T>
concept aead = requires(T &t, bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                        mutable_bytes tag_out, bytes_view tag_in) {
  /// Encrypts data in place and writes tag_out.size() bytes of tag.
  { t.seal(iv, aad_head, aad_tail, data, tag_out) }
  noexcept->std::same_as<bool>;
  /// Verifies tag_in and decrypts data in place; false on mismatch. On
  /// mismatch the backend must leave `data` as it was given.
  { t.open(iv, aad_head, aad_tail, data, tag_in) }
  noexcept->std::same_as<bool>;
};

/// A cipher without integrity (NULL, AES-CBC without padding, AES-CTR).
template <class T>
concept cipher = requires(T &t, bytes_view iv, mutable_bytes data) {
  { t.encrypt(iv, data) }
  noexcept->std::same_as<bool>;
  { t.decrypt(iv, data) }
  noexcept->std::same_as<bool>;
};

/// A keyed MAC (HMAC) over part1 || part2, truncated to out.size() bytes.
template <class T>
concept mac = requires(T &t, bytes_view part1, bytes_view part2, mutable_bytes out) {
  { t.compute(part1, part2, out) }
  noexcept->std::same_as<bool>;
};

/// A per-SA crypto backend usable by esp::outbound_sa / esp::inbound_sa.
template <class T>
concept transform = aead<T> && cipher<T> && mac<T> && requires(const T &t) {
  { t.is_aead() }
  noexcept->std::same_as<bool>;
};

/// Optional: an AEAD that can decrypt without checking the tag, for
/// inbound_sa::decap_unverified() (analysis only). Same arguments as open()
/// without the tag; false only on an internal failure. A backend without it
/// still works with decap_unverified(), which then verifies AEAD tags.
template <class T>
concept aead_unverified = requires(T &t, bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data) {
  { t.open_unverified(iv, aad_head, aad_tail, data) }
  noexcept->std::same_as<bool>;
};

/// Optional: a backend that can say what it was keyed for, so the SA
/// factories (inbound_sa::make, outbound_sa::make) refuse a GCM transform
/// handed a CBC config. check_config() returns transform_mismatch when the
/// backend was keyed for another cipher, key size or integrity algorithm;
/// integrity_keyed() is false for a backend keyed without its integrity key
/// (only decap_unverified() can use it). A backend without these members is
/// checked only for is_aead() == cfg.is_aead().
template <class T>
concept describes_keys = requires(const T &t, const sa_config &cfg) {
  { t.check_config(cfg) }
  noexcept->std::same_as<result<void, errc>>;
  { t.integrity_keyed() }
  noexcept->std::same_as<bool>;
};

} // namespace crypto
} // namespace esp
} // namespace v1
} // namespace vpnwire
