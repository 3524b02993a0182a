// Hidden AVPs (RFC 2661 §4.3): encoding and decoding of H=1 values with the
// tunnel's shared secret and the nearest preceding Random Vector.
//
// The hidden value is the "subformat" (2-byte original length, the original
// value, padding) XORed with an MD5 keystream chained over the ciphertext:
//   b1 = MD5(AVP type || secret || RV)    c1 = p1 ^ b1
//   bi = MD5(secret || c(i-1))            ci = pi ^ bi
// The last block may be partial. The AVP type enters the first hash as two
// octets in network byte order: RFC 2661's text leaves the width open, and
// this is what deployed implementations (Wireshark's dissector, xl2tpd,
// accel-ppp, the Linux-based LNS/LAC stacks) do, so it is what interoperates.
//
// build_hidden_value() follows the builder convention (output span first);
// decode_hidden() writes into a caller buffer and never modifies its input.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/crypto/digest.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

namespace detail {
// XORs `in` with the chained keystream into `out` (same size). When
// `decrypting`, the chain runs over `in` (the ciphertext); otherwise over `out`.
template <crypto::md5_like D>
[[nodiscard]] bool hidden_xor(D &md5, std::uint16_t type, bytes_view secret, bytes_view rv, bytes_view in,
                              std::byte *out, bool decrypting) noexcept {
  std::array<std::byte, 16> b{};
  std::array<std::byte, 2> t{};
  core::store_be16(t.data(), type);
  if (!md5.reset() || !md5.update(t) || !md5.update(secret) || !md5.update(rv) ||
      !md5.finish(std::span<std::byte, 16>(b)))
    return false;
  for (std::size_t pos = 0; pos < in.size(); pos += 16) {
    const std::size_t n = in.size() - pos < 16 ? in.size() - pos : 16;
    for (std::size_t i = 0; i < n; ++i) out[pos + i] = in[pos + i] ^ b[i];
    if (pos + 16 < in.size()) {
      const bytes_view prev = decrypting ? in.subspan(pos, 16) : bytes_view(out + pos, 16);
      if (!md5.reset() || !md5.update(secret) || !md5.update(prev) || !md5.finish(std::span<std::byte, 16>(b)))
        return false;
    }
  }
  return true;
}
} // namespace detail

/// Decrypts the hidden value `ciphertext` of an AVP of IETF type `type` into
/// `out` and returns the original value (a sub-span of `out`).
///
/// Errors (offset from the start of the ciphertext):
///  - hidden_value_too_short: fewer than 2 bytes (offset 0);
///  - buffer_too_small: out.size() < ciphertext.size() (offset 0);
///  - digest_failure: the backend failed (offset 0);
///  - hidden_length_exceeds_value: the decrypted original length is greater
///    than ciphertext.size() - 2 (offset 0). This is also how a wrong secret
///    or Random Vector shows up in most cases: the format carries no check
///    value, so a wrong key is only detectable through this length (and,
///    for fixed-size AVPs, the value length the catalogue then checks).
template <crypto::md5_like D>
[[nodiscard]] result<bytes_view, errc> decode_hidden(D &md5, std::uint16_t type, bytes_view ciphertext,
                                                     bytes_view secret, bytes_view random_vector,
                                                     mutable_bytes out) noexcept {
  if (ciphertext.size() < 2) return fail(errc::hidden_value_too_short, 0);
  if (out.size() < ciphertext.size()) return fail(errc::buffer_too_small, 0);
  if (!detail::hidden_xor(md5, type, secret, random_vector, ciphertext, out.data(), true))
    return fail(errc::digest_failure, 0);
  const std::size_t original = core::load_be16(out.data());
  if (original > ciphertext.size() - 2) return fail(errc::hidden_length_exceeds_value, 0);
  return bytes_view(out.data() + 2, original);
}

/// Size of the hidden value for an original value of `value_size` bytes and `padding_size` pad bytes.
[[nodiscard]] constexpr std::size_t hidden_size(std::size_t value_size, std::size_t padding_size) noexcept {
  return 2 + value_size + padding_size;
}

/// Writes the hidden form of `value` (an AVP of IETF type `type`) at the
/// start of `out`: the original-length field, the value and `padding`
/// (random bytes the caller supplies; §4.3 recommends padding so the length
/// is not revealed), encrypted with the shared secret and the Random Vector.
/// Returns the ciphertext size, hidden_size().
/// Errors: value_too_long when 2 + value + padding exceeds the 1017 bytes an
/// AVP value can hold (offset 0); buffer_too_small (offset = out.size());
/// digest_failure (offset 0).
template <crypto::md5_like D>
[[nodiscard]] result<std::size_t, errc> build_hidden_value(mutable_bytes out, D &md5, std::uint16_t type,
                                                           bytes_view secret, bytes_view random_vector,
                                                           bytes_view value, bytes_view padding = {}) noexcept {
  const std::size_t n = hidden_size(value.size(), padding.size());
  if (n > 1017) return fail(errc::value_too_long, 0);
  if (out.size() < n) return fail(errc::buffer_too_small, out.size());
  // Plaintext first (in place in out), then encrypt in place: the chain runs
  // over the ciphertext just produced, so in-place is safe block by block.
  core::store_be16(out.data(), static_cast<std::uint16_t>(value.size()));
  if (!value.empty()) std::memcpy(out.data() + 2, value.data(), value.size());
  if (!padding.empty()) std::memcpy(out.data() + 2 + value.size(), padding.data(), padding.size());
  if (!detail::hidden_xor(md5, type, secret, random_vector, bytes_view(out.data(), n), out.data(), false))
    return fail(errc::digest_failure, 0);
  return n;
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
