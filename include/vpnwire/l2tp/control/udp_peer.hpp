// The UDP address of an L2TP peer (RFC 2661 §8.1: L2TP over UDP, on IPv4
// or IPv6), as a value: a family tag, the address bytes, the port and, for
// IPv6, the scope (zone) of a link-local address. It allocates nothing and
// compares with ==, so it is a ready PeerKey for control::endpoint:
//
//   using lns_endpoint = l2tp::control::endpoint<crypto::openssl_md5, os_random, 256, l2tp::control::udp_peer>;
//   // recvfrom(fd, ..., &from) on an AF_INET6 socket (dual stack or not):
//   auto peer = l2tp::control::udp_peer::v6(bytes_of(from.sin6_addr), ntohs(from.sin6_port), from.sin6_scope_id);
//   ep.receive(peer, datagram, now);
//   // poll_transmit() gives d->peer back: sendto() a sockaddr_in6 (or sockaddr_in when d->peer.is_v4()).
//
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack AF_INET6
// socket reports for IPv4 peers, RFC 4291 §2.5.5.2) is stored as the IPv4
// address it maps, so one peer is one key whichever socket it came through.
// The library never opens sockets: converting to and from sockaddr is the
// caller's, in the few lines above.
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {

/// The IP family of a UDP peer.
enum class address_family : std::uint8_t {
  ipv4, ///< RFC 791.
  ipv6  ///< RFC 8200.
};

/// "ipv4" or "ipv6".
[[nodiscard]] constexpr std::string_view name(address_family f) noexcept {
  switch (f) {
  case address_family::ipv4: return "ipv4";
  case address_family::ipv6: return "ipv6";
  }
  return "unknown";
}

/// A peer's UDP address: family, address, port, IPv6 scope. The unused
/// bytes of an IPv4 address, and the scope of an IPv4 peer, are always
/// zero, so == compares exactly the meaningful fields.
struct udp_peer {
  address_family family = address_family::ipv4;
  /// The address in network byte order: 4 bytes (IPv4, the rest zero) or 16.
  std::array<std::byte, 16> address{};
  /// The UDP port, in host order (1701 for L2TP, RFC 2661 §8.1).
  std::uint16_t port = 0;
  /// The IPv6 scope (zone) identifier of a link-local peer (sin6_scope_id); 0 otherwise.
  std::uint32_t scope_id = 0;

  /// An IPv4 peer from a host-order address (192.0.2.1 is 0xC0000201).
  [[nodiscard]] static constexpr udp_peer v4(std::uint32_t address, std::uint16_t port) noexcept {
    udp_peer p;
    for (std::size_t i = 0; i < 4; ++i)
      p.address[i] = static_cast<std::byte>(static_cast<std::uint8_t>(address >> (24 - 8 * i)));
    p.port = port;
    return p;
  }
  /// An IPv4 peer from its 4 address bytes in network order (sin_addr).
  [[nodiscard]] static constexpr udp_peer v4(std::span<const std::byte, 4> address, std::uint16_t port) noexcept {
    udp_peer p;
    for (std::size_t i = 0; i < 4; ++i) p.address[i] = address[i];
    p.port = port;
    return p;
  }
  /// An IPv6 peer from its 16 address bytes in network order (sin6_addr).
  /// An IPv4-mapped address (::ffff:0:0/96) gives the IPv4 peer it maps
  /// (its scope ignored).
  [[nodiscard]] static constexpr udp_peer v6(std::span<const std::byte, 16> address, std::uint16_t port,
                                             std::uint32_t scope_id = 0) noexcept {
    udp_peer p;
    if (is_v4_mapped(address)) return v4(address.subspan<12, 4>(), port);
    p.family = address_family::ipv6;
    for (std::size_t i = 0; i < 16; ++i) p.address[i] = address[i];
    p.port = port;
    p.scope_id = scope_id;
    return p;
  }

  [[nodiscard]] constexpr bool is_v4() const noexcept { return family == address_family::ipv4; }
  [[nodiscard]] constexpr bool is_v6() const noexcept { return family == address_family::ipv6; }
  /// The IPv4 address in host order (0 for an IPv6 peer).
  [[nodiscard]] constexpr std::uint32_t v4_value() const noexcept {
    if (!is_v4()) return 0;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | std::to_integer<std::uint32_t>(address[i]);
    return v;
  }
  /// The address bytes as on the wire: 4 for IPv4, 16 for IPv6.
  [[nodiscard]] constexpr bytes_view address_bytes() const noexcept {
    return bytes_view(address).first(is_v4() ? 4 : 16);
  }
  /// The same address with port 0: a key that ignores the port, for
  /// endpoints whose peers may send SCCRQs from ports other than the one
  /// they are reached at (so simultaneous SCCRQs meet, see docs/l2tp-control.md).
  [[nodiscard]] constexpr udp_peer without_port() const noexcept {
    udp_peer p = *this;
    p.port = 0;
    return p;
  }
  /// The IPv4-mapped IPv6 form (::ffff:a.b.c.d) of an IPv4 peer, for a
  /// sockaddr_in6 on a dual-stack socket; an IPv6 peer's own address.
  [[nodiscard]] constexpr std::array<std::byte, 16> v6_address() const noexcept {
    if (!is_v4()) return address;
    std::array<std::byte, 16> a{};
    a[10] = std::byte{0xFF};
    a[11] = std::byte{0xFF};
    for (std::size_t i = 0; i < 4; ++i) a[12 + i] = address[i];
    return a;
  }

  friend constexpr bool operator==(const udp_peer &, const udp_peer &) noexcept = default;

private:
  [[nodiscard]] static constexpr bool is_v4_mapped(std::span<const std::byte, 16> a) noexcept {
    for (std::size_t i = 0; i < 10; ++i)
      if (a[i] != std::byte{0}) return false;
    return a[10] == std::byte{0xFF} && a[11] == std::byte{0xFF};
  }
};

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
