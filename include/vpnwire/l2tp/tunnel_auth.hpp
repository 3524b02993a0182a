// Tunnel authentication (RFC 2661 §4.2, §4.4.3 Challenge / Challenge
// Response, §5.1.1): the response to a Challenge is
//   MD5(message type octet || shared secret || challenge)
// where the octet is 2 when answering in an SCCRP and 3 in an SCCCN (the
// type of the message that carries the response).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/crypto/digest.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

using challenge_response_bytes = std::array<std::byte, 16>;

/// Computes the Challenge Response carried in a message of type `carrier`
/// (sccrp or scccn). Errors: digest_failure (offset 0).
template <crypto::md5_like D>
[[nodiscard]] result<challenge_response_bytes, errc>
compute_challenge_response(D &md5, message_type carrier, bytes_view secret, bytes_view challenge) noexcept {
  const std::array<std::byte, 1> id{static_cast<std::byte>(static_cast<std::uint16_t>(carrier) & 0xFFU)};
  challenge_response_bytes out{};
  if (!md5.reset() || !md5.update(id) || !md5.update(secret) || !md5.update(challenge) ||
      !md5.finish(std::span<std::byte, 16>(out)))
    return fail(errc::digest_failure, 0);
  return out;
}

/// Compares two byte strings in time that depends only on their lengths
/// (never on where they differ), so a peer cannot learn a response byte by
/// byte from timing.
[[nodiscard]] inline bool constant_time_equal(bytes_view a, bytes_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  // volatile keeps the compiler from turning the loop into an early-exit memcmp
  for (std::size_t i = 0; i < a.size(); ++i) {
    const volatile unsigned x = std::to_integer<unsigned>(a[i] ^ b[i]);
    diff |= x;
  }
  return diff == 0;
}

/// Checks a received Challenge Response against the expected one, in constant time.
/// Returns false for a wrong length (not 16) or a mismatch. Errors: digest_failure.
template <crypto::md5_like D>
[[nodiscard]] result<bool, errc> verify_challenge_response(D &md5, message_type carrier, bytes_view secret,
                                                           bytes_view challenge, bytes_view received) noexcept {
  auto expected = compute_challenge_response(md5, carrier, secret, challenge);
  if (!expected) return expected.error();
  return constant_time_equal(*expected, received);
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
