// Error codes of the ESP codec (RFC 4303), its SA configuration, the
// anti-replay window and the NAT-T demultiplexer (RFC 3948), and what each
// one means for the SA: is_fatal() says whether the SA can go on (drop this
// packet, keep the SA) or not (rekey, tear down, or fix the configuration),
// in the spirit of ngtcp2_err_is_fatal.
//
// Every failed decap leaves the SA state (replay window, counters other than
// the drop counter of that reason) exactly as it was.
#pragma once

#include <array>
#include <cstddef>
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
  iv_source_missing,         ///< Encap: a CBC cipher needs a random IV and the SA has no IV generator.
  tfc_in_transport_mode,     ///< Encap: TFC padding requested in transport mode (tunnel mode only).
  unsupported_key_length,    ///< Config: key size not valid for the cipher (e.g. 192-bit ChaCha20).
  invalid_icv_length,        ///< Config: ICV length not allowed for the algorithm (GCM: 8, 12 or 16).
  integrity_required,        ///< Config: a non-AEAD cipher without an integrity algorithm.
  integrity_not_allowed,     ///< Config: an AEAD cipher combined with a separate integrity algorithm.
  key_length_mismatch,       ///< Backend: key material has the wrong length for the configuration.
  crypto_failure,            ///< Backend: the crypto library reported an internal failure.
  keepalive_invalid,         ///< NAT-T: a 1-byte datagram that is not the 0xFF keepalive.
  udp_length_invalid,        ///< NAT-T: the UDP length field is below 8 or beyond the datagram.
  no_sa_for_spi,             ///< NAT-T: the lookup found no SA for the packet's SPI.
  transform_mismatch,        ///< Factory: the crypto transform is keyed for another algorithm than the config.
  integrity_key_missing,     ///< Decap: the SA has no integrity key; only decap_unverified() can read it.
  decap_only_transform,      ///< Encap: a legacy transform (3DES-CBC, HMAC-MD5-96, HMAC-SHA1-160) is decap only.
  // A new code gets a row in detail::errc_table below (the static_assert checks the last one).
};

/// The enumerator's name, e.g. "icv_mismatch".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept;

/// True when the error means the SA itself cannot go on: its configuration or
/// keys are wrong (every packet would fail the same way), its sequence space
/// is used up (rekey), or the crypto backend failed. The caller tears the SA
/// down, rekeys, or fixes the configuration. False for everything that is
/// about one packet or one call (a forged, replayed, truncated or misrouted
/// packet; a buffer too small for this payload): drop the packet, count it,
/// keep the SA.
[[nodiscard]] constexpr bool is_fatal(errc e) noexcept;

namespace detail {

/// One row per errc, in enumerator order: the single source of name() and
/// is_fatal(). A static_assert below checks the order and the count.
struct errc_info {
  errc code;
  std::string_view name;
  bool fatal;
};

inline constexpr std::array<errc_info, 29> errc_table{{
    {errc::ok, "ok", false},
    {errc::too_short, "too_short", false},
    {errc::spi_mismatch, "spi_mismatch", false},
    {errc::not_block_multiple, "not_block_multiple", false},
    {errc::pad_length_beyond_payload, "pad_length_beyond_payload", false},
    {errc::bad_pad_bytes, "bad_pad_bytes", false},
    {errc::sequence_zero, "sequence_zero", false},
    {errc::replayed, "replayed", false},
    {errc::left_of_window, "left_of_window", false},
    {errc::icv_mismatch, "icv_mismatch", false},
    {errc::inner_length_invalid, "inner_length_invalid", false},
    {errc::buffer_too_small, "buffer_too_small", false},
    {errc::sequence_exhausted, "sequence_exhausted", true},
    {errc::packet_too_large, "packet_too_large", false},
    {errc::iv_length_mismatch, "iv_length_mismatch", false},
    {errc::iv_source_missing, "iv_source_missing", true},
    {errc::tfc_in_transport_mode, "tfc_in_transport_mode", false},
    {errc::unsupported_key_length, "unsupported_key_length", true},
    {errc::invalid_icv_length, "invalid_icv_length", true},
    {errc::integrity_required, "integrity_required", true},
    {errc::integrity_not_allowed, "integrity_not_allowed", true},
    {errc::key_length_mismatch, "key_length_mismatch", true},
    {errc::crypto_failure, "crypto_failure", true},
    {errc::keepalive_invalid, "keepalive_invalid", false},
    {errc::udp_length_invalid, "udp_length_invalid", false},
    {errc::no_sa_for_spi, "no_sa_for_spi", false},
    {errc::transform_mismatch, "transform_mismatch", true},
    {errc::integrity_key_missing, "integrity_key_missing", true},
    {errc::decap_only_transform, "decap_only_transform", true},
}};

[[nodiscard]] constexpr bool errc_table_in_order() noexcept {
  for (std::size_t i = 0; i < errc_table.size(); ++i)
    if (static_cast<std::size_t>(errc_table[i].code) != i || errc_table[i].name.empty()) return false;
  return static_cast<std::size_t>(errc::decap_only_transform) + 1 == errc_table.size();
}
static_assert(errc_table_in_order(), "errc_table must list every errc once, in enumerator order");

} // namespace detail

constexpr std::string_view name(errc e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < detail::errc_table.size() ? detail::errc_table[i].name : std::string_view("unknown");
}

constexpr bool is_fatal(errc e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < detail::errc_table.size() && detail::errc_table[i].fatal;
}

} // namespace esp
} // namespace v1
} // namespace vpnwire
