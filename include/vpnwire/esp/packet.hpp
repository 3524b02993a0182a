// A read-only view of an ESP packet (RFC 4303 §2): SPI, the low 32 bits of
// the sequence number, and the protected region (IV, ciphertext, ICV) that
// only an SA can split further.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/errc.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// Size of the SPI and Sequence Number fields.
inline constexpr std::size_t header_size = 8;

/// SPI 0 is reserved for local use and 1-255 are reserved by IANA (RFC 4303 §2.1).
[[nodiscard]] constexpr bool is_reserved_spi(std::uint32_t spi) noexcept { return spi <= 255; }

class packet_view {
public:
  constexpr packet_view() noexcept = default;

  /// Security Parameters Index.
  [[nodiscard]] std::uint32_t spi() const noexcept { return core::load_be32(bytes_.data()); }
  /// The Sequence Number field (the low 32 bits when ESN is in use).
  [[nodiscard]] std::uint32_t sequence_low() const noexcept { return core::load_be32(bytes_.data() + 4); }
  /// True for SPI 0 and 1-255, which no SA may use; the caller decides to drop.
  [[nodiscard]] bool spi_reserved() const noexcept { return is_reserved_spi(spi()); }
  /// Everything after the header: IV, ciphertext (payload, padding, pad length,
  /// next header) and ICV, as one span; the SA's sizes split it.
  [[nodiscard]] bytes_view protected_region() const noexcept { return bytes_.subspan(header_size); }
  /// The whole packet.
  [[nodiscard]] bytes_view bytes() const noexcept { return bytes_; }

private:
  friend result<packet_view, errc> parse_packet(bytes_view) noexcept;
  explicit packet_view(bytes_view b) noexcept : bytes_(b) {}
  bytes_view bytes_{};
};

/// Views an ESP packet starting at its SPI.
/// Errors: too_short (offset = size) when fewer than 8 bytes are given.
[[nodiscard]] inline result<packet_view, errc> parse_packet(bytes_view bytes) noexcept {
  if (bytes.size() < header_size) return fail(errc::too_short, bytes.size());
  return packet_view(bytes);
}

} // namespace esp
} // namespace v1
} // namespace vpnwire
