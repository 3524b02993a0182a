// A view of an ESP packet (RFC 4303 §2): SPI, the low 32 bits of the
// sequence number, and the protected region (IV, ciphertext, ICV) that only an
// SA can split further. The view keeps the constness of its input: parsed
// from mutable_bytes it hands out writable spans for in-place decap.
//
//   0                   1                   2                   3
//   +---------------------------------------------------------------+
//   |               Security Parameters Index (SPI)                 |  0
//   +---------------------------------------------------------------+
//   |                 Sequence Number (low 32 bits)                 |  4
//   +---------------------------------------------------------------+
//   |  protected region: IV | payload, padding, pad length, NH | ICV |  8
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/detail/byte_span.hpp"
#include "vpnwire/esp/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// Size of the SPI and Sequence Number fields.
inline constexpr std::size_t header_size = 8;

/// SPI 0 is reserved for local use and 1-255 are reserved by IANA (RFC 4303 §2.1).
[[nodiscard]] constexpr bool is_reserved_spi(std::uint32_t spi) noexcept { return spi <= 255; }

/// A view of one ESP packet over `Bytes` (bytes_view or mutable_bytes).
template <class Bytes> class basic_packet_view {
public:
  constexpr basic_packet_view() noexcept = default;

  /// Security Parameters Index.
  [[nodiscard]] std::uint32_t spi() const noexcept { return core::load_be32(bytes_.data()); }
  /// The Sequence Number field (the low 32 bits when ESN is in use).
  [[nodiscard]] std::uint32_t sequence_low() const noexcept { return core::load_be32(bytes_.data() + 4); }
  /// True for SPI 0 and 1-255, which no SA may use; the caller decides to drop.
  [[nodiscard]] bool spi_reserved() const noexcept { return is_reserved_spi(spi()); }
  /// Everything after the header: IV, ciphertext (payload, padding, pad length,
  /// next header) and ICV, as one span; the SA's sizes split it.
  [[nodiscard]] Bytes protected_region() const noexcept { return bytes_.subspan(header_size); }
  /// The whole packet.
  [[nodiscard]] Bytes bytes() const noexcept { return bytes_; }

private:
  friend result<basic_packet_view<bytes_view>, errc> parse_packet(bytes_view) noexcept;
  friend result<basic_packet_view<mutable_bytes>, errc> parse_packet(mutable_bytes) noexcept;
  explicit basic_packet_view(Bytes b) noexcept : bytes_(b) {}
  Bytes bytes_{};
};

/// A read-only ESP packet view.
using packet_view = basic_packet_view<bytes_view>;
/// An ESP packet view over the caller's writable buffer.
using mutable_packet_view = basic_packet_view<mutable_bytes>;

/// Views an ESP packet starting at its SPI.
/// Errors: too_short (offset = size) when fewer than 8 bytes are given.
[[nodiscard]] inline result<packet_view, errc> parse_packet(bytes_view bytes) noexcept {
  if (bytes.size() < header_size) return fail(errc::too_short, bytes.size());
  return packet_view(bytes);
}

/// The same over writable bytes: every span of the view is writable.
/// Errors: too_short (offset = size).
[[nodiscard]] inline result<mutable_packet_view, errc> parse_packet(mutable_bytes bytes) noexcept {
  if (bytes.size() < header_size) return fail(errc::too_short, bytes.size());
  return mutable_packet_view(bytes);
}

/// An lvalue byte container (vector, array, fixed-size span) is viewed as
/// the span of its constness.
template <class Owner>
requires detail::lasting_owner<Owner>
[[nodiscard]] auto parse_packet(Owner &&owner) noexcept { return parse_packet(detail::as_span(owner)); }

/// A packet view points into its bytes: parsing a temporary container
/// (`parse_packet(make_vector())`) would leave it dangling, so it does not compile.
template <class Owner>
requires detail::dangling_owner<Owner>
void parse_packet(Owner &&) = delete;

} // namespace esp
} // namespace v1
} // namespace vpnwire
