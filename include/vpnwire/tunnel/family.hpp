// The two IP families as the tunnel area sees them: header sizes, minimum
// MTUs, the TCP MSS a packet size allows, and an address value that holds
// either family (for matching quoted packets against an SA's endpoints).
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

/// IPv4 (RFC 791) or IPv6 (RFC 8200).
enum class ip_family : std::uint8_t { ipv4, ipv6 };

/// "ipv4" or "ipv6".
[[nodiscard]] constexpr std::string_view name(ip_family f) noexcept { return f == ip_family::ipv4 ? "ipv4" : "ipv6"; }

/// The fixed header: 20 bytes for IPv4 without options, 40 for IPv6 without
/// extension headers. The tunnel area never adds options or extension headers.
[[nodiscard]] constexpr std::size_t ip_header_size(ip_family f) noexcept { return f == ip_family::ipv4 ? 20 : 40; }

/// The smallest MTU a link of the family must carry: 68 for IPv4 (RFC 791:
/// "every internet module must be able to forward a datagram of 68 octets
/// without further fragmentation"), 1280 for IPv6 (RFC 8200 §5).
[[nodiscard]] constexpr std::size_t minimum_mtu(ip_family f) noexcept { return f == ip_family::ipv4 ? 68 : 1280; }

/// TCP header without options (RFC 9293).
inline constexpr std::size_t tcp_header_size = 20;

/// The TCP MSS for packets of at most `mtu` bytes: mtu - 40 for IPv4, mtu - 60
/// for IPv6 (RFC 879 §3, RFC 8200 §8.3, RFC 9293 §3.7.1); 0 when the MTU
/// cannot carry the two headers.
[[nodiscard]] constexpr std::size_t tcp_mss(ip_family f, std::size_t mtu) noexcept {
  const std::size_t headers = ip_header_size(f) + tcp_header_size;
  return mtu > headers ? mtu - headers : 0;
}

/// An IPv4 or IPv6 address as a value. IPv4 addresses occupy the first four
/// bytes (network order); the rest stays zero, so == compares correctly.
struct address {
  ip_family family = ip_family::ipv4;
  std::array<std::byte, 16> bytes{};

  /// An IPv4 address from a host-order integer (192.0.2.1 is 0xC0000201),
  /// the form ip::ipv4_view::source() returns.
  [[nodiscard]] static constexpr address v4(std::uint32_t a) noexcept {
    address r;
    for (std::size_t i = 0; i < 4; ++i)
      r.bytes[i] = static_cast<std::byte>(static_cast<std::uint8_t>(a >> (24 - 8 * i)));
    return r;
  }
  /// An IPv6 address from its 16 bytes in network order.
  [[nodiscard]] static constexpr address v6(const std::array<std::byte, 16> &a) noexcept {
    address r;
    r.family = ip_family::ipv6;
    r.bytes = a;
    return r;
  }
  /// The IPv4 address as a host-order integer (0 for an IPv6 address).
  [[nodiscard]] constexpr std::uint32_t v4_value() const noexcept {
    if (family != ip_family::ipv4) return 0;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | std::to_integer<std::uint32_t>(bytes[i]);
    return v;
  }
  /// The address bytes on the wire: 4 for IPv4, 16 for IPv6.
  [[nodiscard]] constexpr bytes_view wire() const noexcept {
    return bytes_view(bytes).first(family == ip_family::ipv4 ? 4 : 16);
  }
  friend constexpr bool operator==(const address &, const address &) = default;
};

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
