// UDP encapsulation of ESP (RFC 3948) on port 4500: telling the three kinds
// of datagram apart, and the UDP header that encap writes in front of ESP.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/sa.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// What a UDP/4500 payload carries.
enum class natt_kind : std::uint8_t {
  keepalive, ///< The 1-byte 0xFF NAT-keepalive (RFC 3948 §2.3): drop it.
  ike,       ///< Starts with the 4-byte non-ESP marker (zero): IKE, payload after the marker.
  esp,       ///< An ESP packet (SPI is never 0, so no marker).
};

/// A classified UDP/4500 payload: its kind and the bytes the next layer takes
/// (the IKE message without the marker, or the whole ESP packet).
struct natt_datagram {
  natt_kind kind = natt_kind::esp;
  bytes_view payload{};
};

/// Size of the non-ESP marker.
inline constexpr std::size_t non_esp_marker_size = 4;

/// Classifies the payload of a UDP datagram received on port 4500.
/// Errors: keepalive_invalid (0) for a 1-byte datagram other than 0xFF;
/// too_short (size) for an empty datagram or an ESP packet shorter than its
/// 8-byte header.
[[nodiscard]] inline result<natt_datagram, errc> classify_udp4500(bytes_view udp_payload) noexcept {
  const std::size_t n = udp_payload.size();
  if (n == 0) return fail(errc::too_short, 0);
  if (n == 1) {
    if (udp_payload[0] == std::byte{0xFF}) return natt_datagram{natt_kind::keepalive, udp_payload};
    return fail(errc::keepalive_invalid, 0);
  }
  if (n >= non_esp_marker_size && core::load_be32(udp_payload.data()) == 0)
    return natt_datagram{natt_kind::ike, udp_payload.subspan(non_esp_marker_size)};
  if (n < header_size) return fail(errc::too_short, n);
  return natt_datagram{natt_kind::esp, udp_payload};
}

/// Writes an 8-byte UDP header for a datagram of `udp_length` bytes (header
/// included) with checksum 0, as RFC 3948 §2.1 asks of UDP-encapsulated ESP.
/// Errors: buffer_too_small (offset = out.size()); packet_too_large when
/// udp_length > 65535 or < 8.
[[nodiscard]] inline result<std::size_t, errc> write_udp_header(mutable_bytes out, std::uint16_t source_port,
                                                                std::uint16_t destination_port,
                                                                std::size_t udp_length) noexcept {
  if (out.size() < udp_header_size) return fail(errc::buffer_too_small, out.size());
  if (udp_length > 0xFFFFU || udp_length < udp_header_size) return fail(errc::packet_too_large, 4);
  core::store_be16(out.data(), source_port);
  core::store_be16(out.data() + 2, destination_port);
  core::store_be16(out.data() + 4, static_cast<std::uint16_t>(udp_length));
  core::store_be16(out.data() + 6, 0);
  return udp_header_size;
}

} // namespace esp
} // namespace v1
} // namespace vpnwire
