// doctor's host addresses of either family: a map key and its text (dotted
// quad for IPv4, RFC 5952 for IPv6), so findings that name hosts (L2TP
// directions and sessions, checksum-offload senders) work over IPv6 too.
#pragma once

#include "record.hpp"
#include "record_ipv6.hpp"
#include "render_ipv6.hpp"

#include <compare>
#include <cstdint>
#include <cstdio>
#include <string>

namespace vpnwire_cli {

/// An IPv4 or IPv6 host address, ordered (for std::map keys). IPv4 occupies
/// the first four bytes in network order; the rest stays zero.
struct host_addr {
  bool v6 = false;
  ipv6_bytes bytes{};

  [[nodiscard]] static host_addr v4(std::uint32_t a) noexcept {
    host_addr h;
    for (std::size_t i = 0; i < 4; ++i)
      h.bytes[i] = static_cast<std::byte>(static_cast<std::uint8_t>(a >> (24 - 8 * i)));
    return h;
  }
  [[nodiscard]] static host_addr ipv6(const ipv6_bytes &a) noexcept { return host_addr{true, a}; }
  friend auto operator<=>(const host_addr &, const host_addr &) = default;
};

/// The address as text: "192.0.2.1", or "2001:db8::1" (RFC 5952).
[[nodiscard]] inline std::string host_text(const host_addr &h) {
  if (h.v6) return ipv6_text(h.bytes);
  char b[20];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", std::to_integer<unsigned>(h.bytes[0]),
                std::to_integer<unsigned>(h.bytes[1]), std::to_integer<unsigned>(h.bytes[2]),
                std::to_integer<unsigned>(h.bytes[3]));
  return b;
}

} // namespace vpnwire_cli
