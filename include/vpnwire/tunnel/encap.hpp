// Tunnel-mode encapsulation decisions and the outer header: the DF policy
// (RFC 4301 §8.1: set, clear, or copy from the inner header, per SA), what
// to do with an inner packet larger than the tunnel carries (send, fragment
// it first, or report it too big with the matching ICMP or ICMPv6 error),
// and builders for the outer IPv4/IPv6 header and for that error.
//
// The rules, for an inner packet of n bytes and the tunnel's inner MTU m
// (tunnel::compute_tunnel_limits over the path MTU, e.g. pmtu_tracker::limits):
//   inner IPv4, n <= m:   send; outer DF per policy (copy: the inner DF).
//   inner IPv4, n > m, DF set:   report Fragmentation Needed with MTU m
//                        (RFC 1191 §4: the tunnel entry is a router whose
//                        next hop is the tunnel), unless RFC 1122/1812 forbid
//                        an error about that packet: then drop.
//   inner IPv4, n > m, DF clear: fragment the inner packet to m first, then
//                        send each fragment (RFC 4459 §3.4; Linux's xfrm
//                        output does this: the outer packet never fragments).
//   inner IPv6, n <= m:  send; outer DF per policy (copy: set, since IPv6
//                        packets are never fragmented on the way).
//   inner IPv6, m < n <= 1280:  send with outer fragmentation allowed (DF
//                        clear outside IPv4; source fragmentation outside
//                        IPv6): every IPv6 link carries 1280 bytes (RFC 8200
//                        §5), so a tunnel that cannot must fragment below
//                        IPv6 (RFC 2473 §7.1; RFC 4213 §3.2.2 gives the same
//                        algorithm for IPv6 over IPv4). Linux: sit clears
//                        DF when its MTU is below 1280, and xfrm never sends
//                        a Packet Too Big below 1280.
//   inner IPv6, n > max(m, 1280):  report Packet Too Big with MTU
//                        max(m, 1280) (RFC 8201 §4: a smaller one would be
//                        discarded), unless RFC 4443 §2.4(e) forbids it: drop.
// A path known to be below the IPv4 floor (pmtu_tracker::below_floor) sends
// every outer IPv4 packet with DF clear.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmp_quote.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/tunnel/errc.hpp"
#include "vpnwire/tunnel/family.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

/// The DF bit of the outer IPv4 header (RFC 4301 §8.1, a setting per SA).
/// For an outer IPv6 header, "DF clear" means the encapsulator may fragment
/// the outer packet itself (routers never fragment IPv6).
enum class df_policy : std::uint8_t {
  copy, ///< From the inner packet: the IPv4 DF bit; set for IPv6 (Linux's default).
  set,  ///< Always set: the path MTU is discovered, nothing is fragmented on the way.
  clear ///< Always clear: routers may fragment the outer packet (Linux's XFRM_STATE_NOPMTUDISC).
};

/// The enumerator's name, e.g. for logs and JSON.
[[nodiscard]] constexpr std::string_view name(df_policy p) noexcept {
  switch (p) {
  case df_policy::copy: return "copy";
  case df_policy::set: return "set";
  case df_policy::clear: return "clear";
  }
  return "unknown";
}

/// What to do with one inner packet.
enum class encap_action : std::uint8_t {
  send,                  ///< Encapsulate and send; the outer packet fits the path.
  send_fragmented_outer, ///< Encapsulate and send; the outer packet exceeds the path and must be fragmented (IPv6 <=
                         ///< 1280 inside).
  fragment_inner,        ///< Fragment the inner IPv4 packet to `mtu` (ip::fragmenter), then encapsulate each fragment.
  report_too_big,        ///< Do not send; answer with Fragmentation Needed / Packet Too Big carrying `mtu`
                         ///< (build_too_big_reply).
  drop                   ///< Too big, and no error may be sent about it (RFC 1122 §3.2.2, RFC 4443 §2.4(e)).
};

/// The enumerator's name, e.g. for logs and JSON.
[[nodiscard]] constexpr std::string_view name(encap_action a) noexcept {
  switch (a) {
  case encap_action::send: return "send";
  case encap_action::send_fragmented_outer: return "send_fragmented_outer";
  case encap_action::fragment_inner: return "fragment_inner";
  case encap_action::report_too_big: return "report_too_big";
  case encap_action::drop: return "drop";
  }
  return "unknown";
}

/// The decision for one inner packet.
struct encap_decision {
  encap_action action = encap_action::send;
  /// The outer header's DF bit (IPv4), or "do not fragment at the source" (IPv6).
  bool outer_dont_fragment = true;
  /// report_too_big: the MTU to report; fragment_inner: the size to fragment to; 0 otherwise.
  std::size_t mtu = 0;
};

/// The fields of an inner packet the decision needs.
struct inner_packet {
  ip_family family = ip_family::ipv4;
  std::size_t size = 0;       ///< IPv4 Total Length, or 40 + IPv6 Payload Length.
  bool dont_fragment = false; ///< IPv4 DF (false for IPv6).
  std::uint8_t tos = 0;       ///< IPv4 TOS or IPv6 Traffic Class (DSCP and ECN).
  address source{};
  address destination{};
};

/// Reads the header of an inner IP packet (IPv4 with its header checksum
/// verified; IPv6 with ip::parse_ipv6, its extension headers left to the
/// ICMPv6 rules).
/// Errors: not_an_ip_packet (offset of the problem) when `packet` is neither,
/// or its length field runs past the bytes given.
[[nodiscard]] inline result<inner_packet, errc> read_inner_packet(bytes_view packet) noexcept {
  inner_packet p;
  if (!packet.empty() && (core::load_u8(packet.data()) >> 4) == 6) {
    auto v = ip::parse_ipv6(packet);
    if (!v) return fail(errc::not_an_ip_packet, v.offset());
    p.family = ip_family::ipv6;
    p.size = v->packet().size();
    p.tos = v->traffic_class();
    p.source = address::v6(v->source());
    p.destination = address::v6(v->destination());
    return p;
  }
  auto v = ip::parse_ipv4(packet);
  if (!v) return fail(errc::not_an_ip_packet, v.offset());
  p.size = v->total_length();
  p.dont_fragment = v->dont_fragment();
  p.tos = v->tos();
  p.source = address::v4(v->source());
  p.destination = address::v4(v->destination());
  return p;
}

/// Decides what to do with an inner packet `packet` (its first bytes at
/// least: the header, and for the ICMP rules the first transport bytes)
/// whose fields are `p`, for a tunnel whose inner MTU for p.family is
/// `inner_mtu`. `path_below_floor` (pmtu_tracker::below_floor) clears DF.
/// Never fails: every inner packet gets one of the five actions.
[[nodiscard]] inline encap_decision decide_encapsulation(df_policy policy, const inner_packet &p, bytes_view packet,
                                                         std::size_t inner_mtu,
                                                         bool path_below_floor = false) noexcept {
  encap_decision d;
  const bool inner_df = p.family == ip_family::ipv4 ? p.dont_fragment : true;
  d.outer_dont_fragment = policy == df_policy::copy ? inner_df : policy == df_policy::set;
  if (path_below_floor) d.outer_dont_fragment = false;
  if (p.size <= inner_mtu) return d;
  if (p.family == ip_family::ipv4) {
    if (!p.dont_fragment) {
      d.action = encap_action::fragment_inner;
      d.mtu = inner_mtu;
      return d;
    }
    d.action = ip::icmpv4_error_allowed(packet) ? encap_action::report_too_big : encap_action::drop;
    d.mtu = inner_mtu;
    return d;
  }
  const std::size_t ipv6_min = minimum_mtu(ip_family::ipv6);
  if (p.size <= ipv6_min) {
    d.action = encap_action::send_fragmented_outer;
    d.outer_dont_fragment = false;
    return d;
  }
  d.action = ip::icmpv6_error_allowed(packet, true) ? encap_action::report_too_big : encap_action::drop;
  d.mtu = std::max(inner_mtu, ipv6_min);
  return d;
}

/// Writes the error that answers a too-big inner packet: an IPv4 packet
/// carrying Fragmentation Needed (RFC 1191, quoting as RFC 1812 §4.3.2.3
/// allows) or an IPv6 packet carrying Packet Too Big (quoting as much as
/// fits in 1280 bytes, RFC 4443 §2.4(c)), from `tunnel_address` (the tunnel
/// endpoint's address on the inner side) to the inner packet's source.
/// Returns the packet size.
/// Errors: not_an_ip_packet as read_inner_packet; invalid_parameter (0) when
/// `tunnel_address` is not of the inner packet's family or `mtu` does not
/// fit the message (above 65535 for IPv4); buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_too_big_reply(mutable_bytes out, const address &tunnel_address,
                                                                   std::size_t mtu, std::uint8_t ttl,
                                                                   bytes_view inner) noexcept {
  auto p = read_inner_packet(inner);
  if (!p) return p.error();
  if (tunnel_address.family != p->family) return fail(errc::invalid_parameter, 0);
  result<std::size_t, ip::icmp_errc> n = fail(ip::icmp_errc::invalid_parameter, 0);
  if (p->family == ip_family::ipv4) {
    if (mtu > 0xFFFFU) return fail(errc::invalid_parameter, 0);
    n = ip::build_icmpv4_error_packet(
        out, tunnel_address.v4_value(), p->source.v4_value(), ttl, ip::icmp_type::destination_unreachable,
        ip::icmp_unreachable::fragmentation_needed, static_cast<std::uint32_t>(mtu), ip::icmpv4_quote::rfc1812, inner);
  } else {
    if (mtu > 0xFFFFFFFFU) return fail(errc::invalid_parameter, 0);
    n = ip::build_icmpv6_error_packet(out, tunnel_address.bytes, p->source.bytes, ttl, ip::icmpv6_type::packet_too_big,
                                      0, static_cast<std::uint32_t>(mtu), inner);
  }
  if (!n) return fail(errc::buffer_too_small, out.size());
  return *n;
}

/// The fields of an outer header the tunnel writes.
struct outer_header {
  address source{};
  address destination{};
  /// 50 for ESP, 17 for UDP-encapsulated ESP (RFC 3948), 4/41 for IP-in-IP.
  std::uint8_t protocol = 50;
  /// IPv4 DF (ignored for IPv6: it has none).
  bool dont_fragment = true;
  /// IPv4 TTL or IPv6 hop limit.
  std::uint8_t ttl = 64;
  /// IPv4 TOS or IPv6 Traffic Class: RFC 4301 §5.1.2.1 copies the DSCP from
  /// the inner header by default, RFC 6040 §4.1 (normal mode) the ECN field.
  std::uint8_t tos = 0;
  std::uint16_t identification = 0; ///< IPv4 only.
  std::uint32_t flow_label = 0;     ///< IPv6 only (20 bits).
};

/// Writes an outer IPv4 (20 bytes, no options) or IPv6 (40 bytes, no
/// extension headers) header for `payload_length` bytes of payload.
/// Returns the header size.
/// Errors: invalid_parameter (0) when the addresses' families differ;
/// packet_too_large (2 for IPv4, 4 for IPv6) when the length field cannot
/// hold the packet; buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_outer_header(mutable_bytes out, const outer_header &h,
                                                                  std::size_t payload_length) noexcept {
  if (h.source.family != h.destination.family) return fail(errc::invalid_parameter, 0);
  if (h.source.family == ip_family::ipv4) {
    if (payload_length > ip::ipv4_max_total - ip::ipv4_min_header) return fail(errc::packet_too_large, 2);
    if (out.size() < ip::ipv4_min_header) return fail(errc::buffer_too_small, out.size());
    ip::ipv4_fields f;
    f.tos = h.tos;
    f.identification = h.identification;
    f.dont_fragment = h.dont_fragment;
    f.ttl = h.ttl;
    f.protocol = h.protocol;
    f.source = h.source.v4_value();
    f.destination = h.destination.v4_value();
    auto n = ip::build_ipv4_header(out, f, payload_length);
    if (!n) return fail(errc::buffer_too_small, out.size()); // sizes were checked above
    return *n;
  }
  if (payload_length > ip::ipv6_max_payload) return fail(errc::packet_too_large, 4);
  ip::ipv6_fields f;
  f.traffic_class = h.tos;
  f.flow_label = h.flow_label & 0xFFFFFU;
  f.next_header = h.protocol;
  f.hop_limit = h.ttl;
  f.source = h.source.bytes;
  f.destination = h.destination.bytes;
  auto n = ip::build_ipv6_header(out, f, payload_length);
  if (!n) return fail(errc::buffer_too_small, out.size()); // the flow label and length were checked above
  return *n;
}

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
