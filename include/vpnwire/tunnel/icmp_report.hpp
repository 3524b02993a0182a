// What an ICMP or ICMPv6 error says about a packet we sent, in one shape for
// both families: whether it is a "too big" message (IPv4 Fragmentation
// Needed, RFC 1191; ICMPv6 Packet Too Big, RFC 4443 §3.2), the MTU it
// reports, and the quoted packet's addresses, size, DF bit and transport
// fields (ESP SPI and sequence number, UDP ports, L2TP ids). The PMTU
// tracker, the encapsulation step and doctor all read ICMP through this.
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

#include <array>
#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

/// RFC 1191 §7 (table 7-1): the plateaus of common MTUs, highest first, for
/// a sender whose Fragmentation Needed message carries no MTU.
inline constexpr std::array<std::uint16_t, 11> rfc1191_plateaus{65535, 32000, 17914, 8166, 4352, 2002,
                                                                1492,  1006,  508,   296,  68};

/// The largest plateau strictly below `size` (68 when none is).
[[nodiscard]] constexpr std::size_t rfc1191_plateau_below(std::size_t size) noexcept {
  for (std::uint16_t p : rfc1191_plateaus)
    if (p < size) return p;
  return 68;
}

/// An ICMP or ICMPv6 error message about a packet, family-neutral.
struct icmp_report {
  /// Family of the ICMP message, and of the packet it quotes.
  ip_family family = ip_family::ipv4;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  /// IPv4 Fragmentation Needed (type 3 code 4) or ICMPv6 Packet Too Big (type 2).
  bool too_big = false;
  /// The MTU the message reports (RFC 1191 next-hop MTU, 16 bits, 0 from a
  /// router that predates RFC 1191; RFC 4443 MTU, 32 bits). 0 when not too_big.
  std::uint32_t mtu = 0;
  /// Addresses of the quoted packet (our outer packet: source = us).
  address quoted_source{};
  address quoted_destination{};
  /// The quoted packet's size as its header states it (IPv4 Total Length,
  /// IPv6 40 + Payload Length), not the quote's length.
  std::size_t quoted_size = 0;
  /// The quoted IPv4 packet's DF bit (always true for IPv6: routers never fragment it).
  bool quoted_dont_fragment = true;
  /// The quoted transport fields (as far as they were quoted).
  ip::quoted_transport transport{};
};

/// Reads an ICMP message (the IPv4 payload), checksum verified.
/// Errors: icmp_malformed (offset of ip::parse_icmpv4 or of the quote, from
/// the start of the message) when the message or its quoted IPv4 header does
/// not parse; not_an_icmp_error (0) for an informational type.
[[nodiscard]] inline result<icmp_report, errc> read_icmpv4(bytes_view message) noexcept {
  auto m = ip::parse_icmpv4(message);
  if (!m) return fail(errc::icmp_malformed, m.offset());
  if (!m->is_error()) return fail(errc::not_an_icmp_error, 0);
  auto q = m->quoted();
  if (!q) return fail(errc::icmp_malformed, q.offset());
  icmp_report r;
  r.family = ip_family::ipv4;
  r.type = m->type();
  r.code = m->code();
  r.too_big = m->is_fragmentation_needed();
  r.mtu = r.too_big ? m->next_hop_mtu() : 0U;
  r.quoted_source = address::v4(q->source());
  r.quoted_destination = address::v4(q->destination());
  r.quoted_size = q->total_length();
  r.quoted_dont_fragment = q->dont_fragment();
  r.transport = q->transport();
  return r;
}

/// Reads an ICMPv6 message, its checksum verified against the carrying
/// packet's `source` and `destination`.
/// Errors: icmp_malformed (offset from the start of the message) when the
/// message or its quoted IPv6 header does not parse; not_an_icmp_error (0)
/// for an informational type.
[[nodiscard]] inline result<icmp_report, errc> read_icmpv6(bytes_view message, ip::ipv6_address_span source,
                                                           ip::ipv6_address_span destination) noexcept {
  auto m = ip::parse_icmpv6(message, source, destination);
  if (!m) return fail(errc::icmp_malformed, m.offset());
  if (!m->is_error()) return fail(errc::not_an_icmp_error, 0);
  auto q = m->quoted();
  if (!q) return fail(errc::icmp_malformed, q.offset());
  icmp_report r;
  r.family = ip_family::ipv6;
  r.type = m->type();
  r.code = m->code();
  r.too_big = m->is_packet_too_big();
  r.mtu = r.too_big ? m->mtu() : 0U;
  r.quoted_source = address::v6(q->source());
  r.quoted_destination = address::v6(q->destination());
  r.quoted_size = q->total_length();
  r.quoted_dont_fragment = true;
  r.transport = q->transport();
  return r;
}

/// Reads a whole IP packet carrying ICMP: an IPv4 packet (header checksum
/// verified) with protocol 1, or an IPv6 packet whose header chain
/// (ip::parse_ipv6, then the extension-header walker: Hop-by-Hop, Routing,
/// Destination Options, AH) ends at ICMPv6. The ICMPv6 checksum is verified
/// against ip::ipv6_upper_layer's checksum_source and checksum_destination
/// (the fixed header's addresses, or the final destination a Routing header
/// with segments left names and the home address of a Home Address option).
/// Errors: not_an_ip_packet (offset of the IPv4 or IPv6 parse error, or of
/// the extension-header chain's error) when the bytes are neither, or the
/// chain is malformed or cut; not_icmp (9 for IPv4; for IPv6 the offset of
/// the Next Header field naming the upper layer, 6 without extension
/// headers, or of the Fragment header) for another protocol or an IPv6
/// fragment (ICMPv6 errors fit 1280 bytes and are never fragmented by their
/// sender; reassemble first); icmp_malformed and not_an_icmp_error as
/// read_icmpv4 and read_icmpv6, with offsets counted from the start of the packet.
[[nodiscard]] inline result<icmp_report, errc> read_icmp_packet(bytes_view packet) noexcept {
  if (!packet.empty() && (core::load_u8(packet.data()) >> 4) == 6) {
    auto v = ip::parse_ipv6(packet);
    if (!v) return fail(errc::not_an_ip_packet, v.offset());
    auto w = v->extension_headers();
    while (!w.done())
      if (auto h = w.next(); !h) return fail(errc::not_an_ip_packet, h.offset());
    const ip::ipv6_chain_format &f = w.format();
    if (f.fragment_header() != ip::ipv6_chain_format::none) {
      const std::byte *fh = packet.data() + f.fragment_header();
      if ((core::load_be16(fh + 2) & 0xFFF9U) != 0) return fail(errc::not_icmp, f.fragment_header());
    }
    if (ip::is_extension_header(f.next_header())) return fail(errc::not_an_ip_packet, v->packet().size());
    if (f.next_header() != ip::icmpv6_next_header) return fail(errc::not_icmp, f.next_header_field());
    const std::size_t at = w.position();
    // The pseudo-header's addresses (Routing header, Home Address option).
    auto ul = v->upper_layer();
    if (!ul) return fail(errc::not_an_ip_packet, ul.offset());
    auto r = read_icmpv6(v->packet().subspan(at), ul->checksum_source, ul->checksum_destination);
    if (!r) return fail(r.code(), r.code() == errc::icmp_malformed ? at + r.offset() : r.offset());
    return r;
  }
  auto ip4 = ip::parse_ipv4(packet);
  if (!ip4) return fail(errc::not_an_ip_packet, ip4.offset());
  if (ip4->protocol() != ip::proto::icmp) return fail(errc::not_icmp, 9);
  auto r = read_icmpv4(ip4->payload());
  if (!r) return fail(r.code(), r.code() == errc::icmp_malformed ? ip4->header_length() + r.offset() : r.offset());
  return r;
}

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
