// What a capture tool needs to explain a path-MTU problem: given one ICMP
// "too big" message and the stacks it knows (SAs from key files, plain L2TP
// tunnels), which one the message is about, what path MTU it means, and the
// inner MTU and TCP MSS that path leaves for each inner family; then, from
// the packets that follow, whether the sender shrank its packets. This is the
// library half of doctor's black-hole findings: it reads no capture and
// prints nothing.
//
//   tunnel::known_stack sas[] = {{stack_for_spi_0x1234}, {l2tp_stack}};
//   auto f = tunnel::explain_too_big(report, sas);
//   if (f && f->stack) "SA #" << *f->stack << " path MTU " << f->path_mtu
//                      << " clamp MSS to " << f->inner_ipv4->tcp_mss;
#pragma once

#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/icmp_quote.hpp"
#include "vpnwire/tunnel/errc.hpp"
#include "vpnwire/tunnel/family.hpp"
#include "vpnwire/tunnel/icmp_report.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

/// A stack the caller knows about, and, when known, its outer addresses.
struct known_stack {
  tunnel_stack stack{};
  std::optional<address> local{};
  std::optional<address> remote{};
};

/// What one too-big message means.
struct too_big_finding {
  icmp_report report{};
  /// Index of the known stack the quote matched (SPI and NAT-T port for ESP,
  /// UDP port 1701 for plain L2TP, plus the addresses when they are known);
  /// empty when none did.
  std::optional<std::size_t> stack{};
  /// The path MTU the message stands for: its MTU, or for an IPv4 router
  /// older than RFC 1191 the plateau below the quoted packet's size.
  std::size_t path_mtu = 0;
  bool from_plateau = false;
  /// False when the MTU cannot be right: not below the quoted packet, or an
  /// IPv6 MTU below 1280 (RFC 8201 §4 discards those).
  bool credible = false;
  /// The matched stack's limits over path_mtu for each inner family (empty
  /// without a match, or when the family does not fit at all).
  std::optional<tunnel_limits> inner_ipv4{};
  std::optional<tunnel_limits> inner_ipv6{};
};

/// True when `r` quotes a packet of `k`.
[[nodiscard]] constexpr bool quotes(const icmp_report &r, const known_stack &k) noexcept {
  if (r.family != k.stack.outer) return false;
  if (k.local && r.quoted_source != *k.local) return false;
  if (k.remote && r.quoted_destination != *k.remote) return false;
  const ip::quoted_transport &t = r.transport;
  if (k.stack.esp) {
    const esp::sa_config &sa = *k.stack.esp;
    const ip::quoted_kind want = sa.udp_encap ? ip::quoted_kind::esp_in_udp : ip::quoted_kind::esp;
    if (t.kind != want || !t.spi || *t.spi != sa.spi) return false;
    return !sa.udp_encap || t.destination_port == sa.udp_destination_port;
  }
  return k.stack.l2tp && t.kind == ip::quoted_kind::l2tp;
}

/// Explains one too-big message against the known stacks (the first match wins).
/// Errors: invalid_parameter (0) when `r` is not Fragmentation Needed or
/// Packet Too Big (callers skip those).
[[nodiscard]] inline result<too_big_finding, errc> explain_too_big(const icmp_report &r,
                                                                   std::span<const known_stack> known) noexcept {
  if (!r.too_big) return fail(errc::invalid_parameter, 0);
  too_big_finding f;
  f.report = r;
  f.path_mtu = r.mtu;
  if (r.family == ip_family::ipv4 && r.mtu == 0) {
    f.path_mtu = rfc1191_plateau_below(r.quoted_size);
    f.from_plateau = true;
  }
  f.credible = f.path_mtu < r.quoted_size && f.path_mtu >= minimum_mtu(r.family);
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (!quotes(r, known[i])) continue;
    f.stack = i;
    tunnel_stack s = known[i].stack;
    s.link_mtu = f.path_mtu;
    s.pppoe = false;
    s.inner = ip_family::ipv4;
    if (auto l = compute_tunnel_limits(s)) f.inner_ipv4 = *l;
    s.inner = ip_family::ipv6;
    if (auto l = compute_tunnel_limits(s)) f.inner_ipv6 = *l;
    break;
  }
  return f;
}

/// Whether a sender shrank its packets after a too-big message: feed it the
/// sizes of the outer packets of the same stack sent after the message.
struct shrink_watch {
  std::size_t path_mtu = 0;
  std::uint64_t within = 0; ///< Packets that fit the path MTU.
  std::uint64_t larger = 0; ///< Packets still larger than it.
  std::size_t largest = 0;  ///< The largest packet seen.

  constexpr void observe(std::size_t outer_size) noexcept {
    ++(outer_size <= path_mtu ? within : larger);
    if (outer_size > largest) largest = outer_size;
  }
  /// True once packets were seen and none exceeded the path MTU.
  [[nodiscard]] constexpr bool shrank() const noexcept { return within != 0 && larger == 0; }
};

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
