// Error codes of the ESP codec (RFC 4303), its SA configuration, the
// anti-replay window and the NAT-T demultiplexer (RFC 3948).
//
// Every failed decap leaves the SA state (replay window, counters other than
// the drop counter of that reason) exactly as it was.
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace esp {

enum class errc : std::uint8_t {
  ok = 0,                    ///< Not an error; never stored in a failed result.
  too_short,                 ///< Shorter than header + IV + ICV + 2 (or than the 8-byte ESP header).
  spi_mismatch,              ///< The packet's SPI is not the SA's SPI.
  not_block_multiple,        ///< The ciphertext is not a whole number of cipher blocks.
  pad_length_beyond_payload, ///< The Pad Length byte points before the start of the payload.
  bad_pad_bytes,             ///< Under a valid ICV, a padding byte is not its 1-based position.
  sequence_zero,             ///< Sequence number 0 (never sent: RFC 4303 §3.3.3 starts at 1).
  replayed,                  ///< The sequence number was already received.
  left_of_window,            ///< The sequence number is older than the anti-replay window.
  icv_mismatch,              ///< Integrity check failed (AEAD tag or HMAC).
  inner_length_invalid,      ///< Tunnel mode: the inner IP header's length is absent or beyond the payload.
  buffer_too_small,          ///< Encap: the caller's span cannot hold headroom + payload + trailer.
  sequence_exhausted,        ///< Encap: the next packet would cycle the 32-bit (or 64-bit ESN) counter.
  packet_too_large,          ///< Encap: with UDP encapsulation the datagram would exceed 65535 bytes.
  iv_length_mismatch,        ///< Encap: an explicit IV was given with the wrong length for the cipher.
  iv_source_missing,         ///< Encap: AES-CBC needs a random IV and the SA has no IV generator.
  tfc_in_transport_mode,     ///< Encap: TFC padding requested in transport mode (tunnel mode only).
  unsupported_key_length,    ///< Config: key size not valid for the cipher (e.g. 192-bit ChaCha20).
  invalid_icv_length,        ///< Config: ICV length not allowed for the algorithm (GCM: 8, 12 or 16).
  integrity_required,        ///< Config: a non-AEAD cipher without an integrity algorithm.
  integrity_not_allowed,     ///< Config: an AEAD cipher combined with a separate integrity algorithm.
  key_length_mismatch,       ///< Backend: key material has the wrong length for the configuration.
  crypto_failure,            ///< Backend: the crypto library reported an internal failure.
  keepalive_invalid,         ///< NAT-T: a 1-byte datagram that is not the 0xFF keepalive.
};

/// The enumerator's name, e.g. "icv_mismatch".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::too_short: return "too_short";
  case errc::spi_mismatch: return "spi_mismatch";
  case errc::not_block_multiple: return "not_block_multiple";
  case errc::pad_length_beyond_payload: return "pad_length_beyond_payload";
  case errc::bad_pad_bytes: return "bad_pad_bytes";
  case errc::sequence_zero: return "sequence_zero";
  case errc::replayed: return "replayed";
  case errc::left_of_window: return "left_of_window";
  case errc::icv_mismatch: return "icv_mismatch";
  case errc::inner_length_invalid: return "inner_length_invalid";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::sequence_exhausted: return "sequence_exhausted";
  case errc::packet_too_large: return "packet_too_large";
  case errc::iv_length_mismatch: return "iv_length_mismatch";
  case errc::iv_source_missing: return "iv_source_missing";
  case errc::tfc_in_transport_mode: return "tfc_in_transport_mode";
  case errc::unsupported_key_length: return "unsupported_key_length";
  case errc::invalid_icv_length: return "invalid_icv_length";
  case errc::integrity_required: return "integrity_required";
  case errc::integrity_not_allowed: return "integrity_not_allowed";
  case errc::key_length_mismatch: return "key_length_mismatch";
  case errc::crypto_failure: return "crypto_failure";
  case errc::keepalive_invalid: return "keepalive_invalid";
  }
  return "unknown";
}

} // namespace esp
} // namespace v1
} // namespace vpnwire
