// The packet an ICMP or ICMPv6 error message quotes: its IP header, and as
// much of its transport header as the router sent back: the ESP SPI and
// sequence number, the UDP ports and what they carry (ESP in UDP, IKE,
// L2TP), or TCP's ports and sequence number.
//
// How much is quoted depends on the router: RFC 792 asks for the IP header
// and 64 bits of the original data (enough for the ESP SPI and sequence
// number, or a UDP header, but not for ESP inside UDP), RFC 1812 §4.3.2.3
// for as much as fits in 576 bytes, RFC 4443 §2.4(c) for as much as fits in
// the IPv6 minimum MTU of 1280. Every accessor therefore says whether its
// field was quoted (std::optional), and nothing beyond the quote is read.
//
// The quoted IPv4 header is read without verifying its checksum (routers
// quote what they received, and NATs rewrite quoted addresses, RFC 5508);
// only its version, IHL and the quote length are checked.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/icmp_errc.hpp"
#include "vpnwire/ip/ipv6.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// Well-known ports the quote classifier recognises.
namespace quoted_port {
inline constexpr std::uint16_t ike = 500;       ///< RFC 7296.
inline constexpr std::uint16_t ike_natt = 4500; ///< RFC 3948: ESP in UDP and IKE after a non-ESP marker.
inline constexpr std::uint16_t l2tp = 1701;     ///< RFC 2661 §8.1.
} // namespace quoted_port

/// What the quoted packet carried, as far as the quote shows.
enum class quoted_kind : std::uint8_t {
  not_quoted,     ///< No transport bytes quoted, or too few for the protocol's first field.
  later_fragment, ///< The quoted packet is a fragment other than the first: no transport header.
  esp,            ///< ESP (protocol 50): the SPI, and the sequence number when 8 bytes are quoted.
  esp_in_udp,     ///< RFC 3948 UDP-encapsulated ESP (a port 4500 with a non-zero SPI).
  ike,            ///< IKE: UDP port 500, or port 4500 behind the 4-byte non-ESP marker.
  l2tp,           ///< L2TP over UDP port 1701 (RFC 2661; RFC 3931 version 3 is named, not split).
  udp,            ///< Another UDP datagram, or UDP whose payload is not quoted far enough to tell.
  tcp,            ///< TCP: ports and sequence number (RFC 9293).
  other           ///< Another protocol.
};

/// The enumerator's name, e.g. "esp_in_udp".
[[nodiscard]] constexpr std::string_view name(quoted_kind k) noexcept {
  switch (k) {
  case quoted_kind::not_quoted: return "not_quoted";
  case quoted_kind::later_fragment: return "later_fragment";
  case quoted_kind::esp: return "esp";
  case quoted_kind::esp_in_udp: return "esp_in_udp";
  case quoted_kind::ike: return "ike";
  case quoted_kind::l2tp: return "l2tp";
  case quoted_kind::udp: return "udp";
  case quoted_kind::tcp: return "tcp";
  case quoted_kind::other: return "other";
  }
  return "unknown";
}

/// The transport fields a quote shows. A field is empty when it was not
/// quoted (or does not exist for the kind).
struct quoted_transport {
  quoted_kind kind = quoted_kind::not_quoted;
  /// IPv4 protocol or IPv6 next header of the quoted packet.
  std::uint8_t protocol = 0;
  /// Transport bytes the quote holds (from the end of the IP header).
  std::size_t available = 0;
  std::optional<std::uint16_t> source_port;      ///< UDP or TCP.
  std::optional<std::uint16_t> destination_port; ///< UDP or TCP.
  std::optional<std::uint32_t> spi;              ///< ESP, or ESP in UDP.
  /// The ESP sequence number (its low 32 bits with ESN) or the TCP sequence number.
  std::optional<std::uint32_t> sequence;
  std::optional<std::uint8_t> l2tp_version;     ///< The Ver field of L2TP's first word (2 or 3).
  std::optional<bool> l2tp_control;             ///< L2TP T bit: control (true) or data message.
  std::optional<std::uint16_t> l2tp_tunnel_id;  ///< L2TPv2 Tunnel ID.
  std::optional<std::uint16_t> l2tp_session_id; ///< L2TPv2 Session ID.
  friend constexpr bool operator==(const quoted_transport &, const quoted_transport &) = default;
};

/// Classifies the transport bytes of a quoted packet. `first_fragment` is
/// false for a fragment with a non-zero offset (its bytes are not a header).
/// UDP on port 4500 (either port) with a non-zero first payload word is ESP
/// in UDP; with a zero word (the non-ESP marker) or on port 500 it is IKE;
/// on port 1701 it is L2TP (RFC 2661 §3.1 header: flags and version, [length],
/// tunnel ID, session ID).
[[nodiscard]] constexpr quoted_transport classify_quoted_transport(std::uint8_t protocol, bytes_view t,
                                                                   bool first_fragment) noexcept {
  quoted_transport q;
  q.protocol = protocol;
  q.available = t.size();
  if (!first_fragment) {
    q.kind = quoted_kind::later_fragment;
    return q;
  }
  auto be16 = [&](std::size_t at) {
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(t[at]) << 8 | std::to_integer<unsigned>(t[at + 1]));
  };
  auto be32 = [&](std::size_t at) { return static_cast<std::uint32_t>(be16(at)) << 16 | be16(at + 2); };
  switch (protocol) {
  case 50: // ESP
    if (t.size() < 4) return q;
    q.kind = quoted_kind::esp;
    q.spi = be32(0);
    if (t.size() >= 8) q.sequence = be32(4);
    return q;
  case 6: // TCP
    if (t.size() < 4) return q;
    q.kind = quoted_kind::tcp;
    q.source_port = be16(0);
    q.destination_port = be16(2);
    if (t.size() >= 8) q.sequence = be32(4);
    return q;
  case 17: { // UDP
    if (t.size() < 4) return q;
    q.kind = quoted_kind::udp;
    const std::uint16_t sport = be16(0);
    const std::uint16_t dport = be16(2);
    q.source_port = sport;
    q.destination_port = dport;
    if (t.size() < 8) return q;
    const bytes_view p = t.subspan(8);
    auto on = [&](std::uint16_t port) { return sport == port || dport == port; };
    if (on(quoted_port::ike_natt)) {
      if (p.size() < 4) return q; // ESP or IKE: the quote does not say
      const std::uint32_t first = be32(8);
      if (first == 0) {
        q.kind = quoted_kind::ike;
        return q;
      }
      q.kind = quoted_kind::esp_in_udp;
      q.spi = first;
      if (p.size() >= 8) q.sequence = be32(12);
      return q;
    }
    if (on(quoted_port::ike)) {
      q.kind = quoted_kind::ike;
      return q;
    }
    if (on(quoted_port::l2tp)) {
      q.kind = quoted_kind::l2tp;
      if (p.size() < 2) return q;
      const std::uint16_t flags = be16(8);
      q.l2tp_control = (flags & 0x8000U) != 0;
      q.l2tp_version = static_cast<std::uint8_t>(flags & 0x000FU);
      if (*q.l2tp_version != 2) return q;
      const std::size_t ids = 2 + ((flags & 0x4000U) != 0 ? 2U : 0U); // the L bit adds a length field
      if (p.size() >= ids + 2) q.l2tp_tunnel_id = be16(8 + ids);
      if (p.size() >= ids + 4) q.l2tp_session_id = be16(8 + ids + 2);
    }
    return q;
  }
  default: q.kind = quoted_kind::other; return q;
  }
}

class quoted_ipv4;
[[nodiscard]] inline result<quoted_ipv4, icmp_errc> parse_quoted_ipv4(bytes_view quote) noexcept;

/// The IPv4 packet quoted by an ICMP error: its header in full, and however
/// much of its payload was quoted.
class quoted_ipv4 {
public:
  constexpr quoted_ipv4() noexcept = default;

  [[nodiscard]] std::size_t header_length() const noexcept { return std::size_t{b(0) & 0x0FU} * 4U; }
  [[nodiscard]] std::uint8_t tos() const noexcept { return b(1); }
  /// The Total Length the packet had (it may be larger than the quote).
  [[nodiscard]] std::uint16_t total_length() const noexcept { return core::load_be16(bytes_.data() + 2); }
  [[nodiscard]] std::uint16_t identification() const noexcept { return core::load_be16(bytes_.data() + 4); }
  [[nodiscard]] bool dont_fragment() const noexcept { return (b(6) & 0x40U) != 0; }
  [[nodiscard]] bool more_fragments() const noexcept { return (b(6) & 0x20U) != 0; }
  /// Fragment offset in bytes.
  [[nodiscard]] std::uint32_t fragment_offset() const noexcept {
    return static_cast<std::uint32_t>(core::load_be16(bytes_.data() + 6) & 0x1FFFU) * 8U;
  }
  [[nodiscard]] std::uint8_t ttl() const noexcept { return b(8); }
  [[nodiscard]] std::uint8_t protocol() const noexcept { return b(9); }
  /// Host-order addresses (192.0.2.1 is 0xC0000201), as ipv4_view gives them.
  [[nodiscard]] std::uint32_t source() const noexcept { return core::load_be32(bytes_.data() + 12); }
  [[nodiscard]] std::uint32_t destination() const noexcept { return core::load_be32(bytes_.data() + 16); }
  /// The quoted header (options included).
  [[nodiscard]] bytes_view header() const noexcept { return bytes_.first(header_length()); }
  /// The quoted payload bytes: after the header, at most to Total Length.
  [[nodiscard]] bytes_view payload() const noexcept {
    const std::size_t h = header_length();
    const std::size_t end = std::min<std::size_t>(bytes_.size(), std::max<std::size_t>(total_length(), h));
    return bytes_.subspan(h, end - h);
  }
  /// True when the whole packet (Total Length bytes) was quoted.
  [[nodiscard]] bool complete() const noexcept { return bytes_.size() >= total_length(); }
  /// The quote as given.
  [[nodiscard]] bytes_view bytes() const noexcept { return bytes_; }
  /// The transport fields the quote shows.
  [[nodiscard]] quoted_transport transport() const noexcept {
    return classify_quoted_transport(protocol(), payload(), fragment_offset() == 0);
  }

private:
  friend result<quoted_ipv4, icmp_errc> parse_quoted_ipv4(bytes_view) noexcept;
  [[nodiscard]] std::uint8_t b(std::size_t i) const noexcept { return core::load_u8(bytes_.data() + i); }
  bytes_view bytes_{};
};

/// Views the IPv4 packet an ICMP error quotes (the bytes after the ICMP
/// header, or ip::icmpv4_view::original_datagram()). A quote may end anywhere
/// after the IP header; the header checksum is not checked.
/// Errors: quote_truncated (offset = size) below 20 bytes; quote_bad_version
/// (0); quote_ihl_too_small (0); quote_header_beyond_buffer (0).
[[nodiscard]] inline result<quoted_ipv4, icmp_errc> parse_quoted_ipv4(bytes_view quote) noexcept {
  if (quote.size() < 20) return fail(icmp_errc::quote_truncated, quote.size());
  const std::uint8_t b0 = core::load_u8(quote.data());
  if ((b0 >> 4) != 4) return fail(icmp_errc::quote_bad_version, 0);
  const std::size_t hlen = std::size_t{b0 & 0x0FU} * 4U;
  if (hlen < 20) return fail(icmp_errc::quote_ihl_too_small, 0);
  if (hlen > quote.size()) return fail(icmp_errc::quote_header_beyond_buffer, 0);
  quoted_ipv4 q;
  q.bytes_ = quote;
  return q;
}

class quoted_ipv6;
[[nodiscard]] inline result<quoted_ipv6, icmp_errc> parse_quoted_ipv6(bytes_view quote) noexcept;

/// Where the header chain of a quoted IPv6 packet ends, as far as the quote
/// shows it.
struct quoted_ipv6_chain {
  /// The protocol after the last extension header walked: the upper layer
  /// (ESP, UDP, TCP, ICMPv6...) when `complete`; otherwise the extension
  /// header the walk stopped at.
  std::uint8_t protocol = 0;
  /// Offset of that protocol's bytes from the start of the quote.
  std::size_t offset = 0;
  /// Extension headers walked.
  std::size_t extension_headers = 0;
  /// True when the chain was walked to the upper layer (or to the data of a
  /// non-first fragment); false when the quote ends inside the chain or the
  /// chain is malformed (`error` then says which).
  bool complete = false;
  /// The chain's problem (ip::errc::ok when there is none):
  /// extension_header_truncated when the quote (or the packet) ends inside
  /// it, or a malformed chain (hop_by_hop_not_first,
  /// multiple_fragment_headers, too_many_extension_headers,
  /// header_chain_too_long). `error_offset` counts from the start of the quote.
  errc error = errc::ok;
  std::size_t error_offset = 0;
  /// Fragment header fields, when the chain has one.
  std::optional<std::uint32_t> fragment_offset;
  std::optional<bool> more_fragments;
  std::optional<std::uint32_t> identification;
};

/// The IPv6 packet quoted by an ICMPv6 error: its fixed header, its
/// extension headers (Hop-by-Hop, Routing, Fragment, Destination Options,
/// AH; walked with ip::ipv6_chain_walker within the quote), and however much
/// of the upper layer followed. A quote cut inside the chain, or a chain
/// that is malformed, shows its upper layer as not quoted.
class quoted_ipv6 {
public:
  constexpr quoted_ipv6() noexcept = default;

  [[nodiscard]] std::uint8_t traffic_class() const noexcept {
    return static_cast<std::uint8_t>((b(0) & 0x0FU) << 4 | b(1) >> 4);
  }
  [[nodiscard]] std::uint32_t flow_label() const noexcept {
    return (std::uint32_t{b(1)} & 0x0FU) << 16 | core::load_be16(bytes_.data() + 2);
  }
  /// The Payload Length the packet had (it may be larger than the quote).
  [[nodiscard]] std::uint16_t payload_length() const noexcept { return core::load_be16(bytes_.data() + 4); }
  /// The packet size: 40 + Payload Length.
  [[nodiscard]] std::size_t total_length() const noexcept { return ipv6_header_size + payload_length(); }
  /// The fixed header's Next Header field (an extension header or the upper layer).
  [[nodiscard]] std::uint8_t next_header() const noexcept { return b(6); }
  [[nodiscard]] std::uint8_t hop_limit() const noexcept { return b(7); }
  [[nodiscard]] ipv6_address source() const noexcept { return address(8); }
  [[nodiscard]] ipv6_address destination() const noexcept { return address(24); }
  /// The 40-byte fixed header.
  [[nodiscard]] bytes_view header() const noexcept { return bytes_.first(ipv6_header_size); }
  /// The quoted bytes after the fixed header (extension headers and upper
  /// layer), at most to Payload Length.
  [[nodiscard]] bytes_view payload() const noexcept {
    const bytes_view p = bytes_.subspan(ipv6_header_size);
    return p.size() > payload_length() ? p.first(payload_length()) : p;
  }
  /// True when the whole packet (40 + Payload Length bytes) was quoted.
  [[nodiscard]] bool complete() const noexcept { return bytes_.size() >= total_length(); }
  [[nodiscard]] bytes_view bytes() const noexcept { return bytes_; }

  /// A walker over the quoted extension headers (a core::walker: next(),
  /// done(), ok(), error(), range-for), positioned after the fixed header,
  /// over the quote cut at Payload Length; offsets count from the start of
  /// the quote. Where the quote ends inside the chain, the walk ends there
  /// (with extension_header_truncated when a header is cut): format().complete()
  /// is then false.
  [[nodiscard]] ipv6_chain_walker extension_headers(ipv6_chain_limits limits = {}) const noexcept {
    ipv6_chain_walker w(packet(), 0, ipv6_chain_format(limits));
    (void)w.next(); // the fixed header, which parse_quoted_ipv6 checked
    return w;
  }

  /// Walks the quoted chain to the upper layer (see quoted_ipv6_chain).
  [[nodiscard]] quoted_ipv6_chain chain(ipv6_chain_limits limits = {}) const noexcept {
    quoted_ipv6_chain c;
    auto w = extension_headers(limits);
    while (!w.done())
      if (!w.next()) break;
    const ipv6_chain_format &f = w.format();
    c.protocol = f.next_header();
    c.offset = w.position();
    c.extension_headers = f.extension_headers();
    if (f.fragment_header() != ipv6_chain_format::none) {
      const std::byte *fh = bytes_.data() + f.fragment_header();
      c.fragment_offset = static_cast<std::uint32_t>(core::load_be16(fh + 2) & 0xFFF8U);
      c.more_fragments = (core::load_u8(fh + 3) & 1U) != 0;
      c.identification = core::load_be32(fh + 4);
    }
    const bool later_fragment = c.fragment_offset && *c.fragment_offset != 0;
    if (w.error().code != errc::ok) {
      c.error = w.error().code;
      c.error_offset = w.error().offset;
    } else if (is_extension_header(c.protocol) && !later_fragment) {
      // The quote (or the packet) ends inside the chain.
      c.error = errc::extension_header_truncated;
      c.error_offset = packet().size();
    } else {
      c.complete = true;
    }
    return c;
  }

  /// The transport fields the quote shows, found behind any extension
  /// headers: ESP's SPI behind a Fragment or Destination Options header,
  /// UDP and what it carries, TCP. A non-first fragment is later_fragment;
  /// a quote cut inside the chain, or a malformed chain, is not_quoted
  /// (with `protocol` the extension header the walk stopped at).
  [[nodiscard]] quoted_transport transport() const noexcept {
    const quoted_ipv6_chain c = chain();
    if (!c.complete) {
      quoted_transport q;
      q.protocol = c.protocol;
      return q;
    }
    const bool first = !c.fragment_offset || *c.fragment_offset == 0;
    return classify_quoted_transport(c.protocol, packet().subspan(c.offset), first);
  }

private:
  friend result<quoted_ipv6, icmp_errc> parse_quoted_ipv6(bytes_view) noexcept;
  [[nodiscard]] std::uint8_t b(std::size_t i) const noexcept { return core::load_u8(bytes_.data() + i); }
  [[nodiscard]] ipv6_address address(std::size_t at) const noexcept {
    ipv6_address a;
    std::memcpy(a.data(), bytes_.data() + at, a.size());
    return a;
  }
  /// The quote cut at the packet's own end (40 + Payload Length).
  [[nodiscard]] bytes_view packet() const noexcept { return bytes_.first(std::min(bytes_.size(), total_length())); }
  bytes_view bytes_{};
};

/// Views the IPv6 packet an ICMPv6 error quotes. A quote may end anywhere
/// after the fixed header; extension headers are walked on demand
/// (extension_headers(), chain(), transport()).
/// Errors: quote_truncated (offset = size) below 40 bytes; quote_bad_version (0).
[[nodiscard]] inline result<quoted_ipv6, icmp_errc> parse_quoted_ipv6(bytes_view quote) noexcept {
  if (quote.size() < ipv6_header_size) return fail(icmp_errc::quote_truncated, quote.size());
  if ((core::load_u8(quote.data()) >> 4) != 6) return fail(icmp_errc::quote_bad_version, 0);
  quoted_ipv6 q;
  q.bytes_ = quote;
  return q;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
