// The digest concept: what vpnwire needs from an MD5-like hash (L2TP hidden
// AVPs, RFC 2661 §4.3, and tunnel authentication, §4.2/§5.1.1). vpnwire
// contains no hash of its own; crypto/openssl_digest.hpp is the OpenSSL 3
// backend, and any other implementation (a hardware engine, a test double)
// works if it models this concept.
//
// Every operation reports failure as `false` (a backend may be unable to
// provide MD5, e.g. OpenSSL in FIPS mode); callers turn it into an error.
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <concepts>
#include <cstddef>
#include <span>

namespace vpnwire {
inline namespace v1 {
namespace crypto {

/// A resettable streaming hash with a fixed digest size:
///   d.reset(); d.update(a); d.update(b); d.finish(out);  // out = H(a || b)
template <class D>
concept digest = requires(D &d, bytes_view in, std::span<std::byte, D::digest_size> out) {
  { D::digest_size } -> std::convertible_to<std::size_t>;
  { d.reset() }
  noexcept->std::same_as<bool>;
  { d.update(in) }
  noexcept->std::same_as<bool>;
  { d.finish(out) }
  noexcept->std::same_as<bool>;
};

/// A digest with MD5's 16-byte output, as L2TP requires.
template <class D>
concept md5_like = digest<D> &&(D::digest_size == 16);

} // namespace crypto
} // namespace v1
} // namespace vpnwire
