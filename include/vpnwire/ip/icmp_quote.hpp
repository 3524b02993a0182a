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
#include "vpnwire/ip/icmp_errc.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
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
  other           ///< Another protocol, or an IPv6 extension header (not walked here).
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

/// Reading an IPv6 fixed header. This is a stop-gap so the ICMPv6 views and
/// the tunnel area can read the 40-byte header (RFC 8200 §3) of a quoted or
/// outer packet; it is meant to be replaced by ip::parse_ipv6 (ip/ipv6.hpp)
/// and does not walk extension headers.
namespace icmp_detail {

inline constexpr std::size_t ipv6_header_size = 40;

struct ipv6_fixed_header {
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::uint16_t payload_length = 0;
  std::uint8_t next_header = 0;
  std::uint8_t hop_limit = 0;
  std::array<std::byte, 16> source{};
  std::array<std::byte, 16> destination{};
};

/// Reads the fixed header at the start of `b`; empty when fewer than 40
/// bytes are given or the version is not 6.
[[nodiscard]] inline std::optional<ipv6_fixed_header> read_ipv6_fixed_header(bytes_view b) noexcept {
  if (b.size() < ipv6_header_size || (core::load_u8(b.data()) >> 4) != 6) return std::nullopt;
  ipv6_fixed_header h;
  const std::uint32_t w0 = core::load_be32(b.data());
  h.traffic_class = static_cast<std::uint8_t>((w0 >> 20) & 0xFFU);
  h.flow_label = w0 & 0xFFFFFU;
  h.payload_length = core::load_be16(b.data() + 4);
  h.next_header = core::load_u8(b.data() + 6);
  h.hop_limit = core::load_u8(b.data() + 7);
  for (std::size_t i = 0; i < 16; ++i) {
    h.source[i] = b[8 + i];
    h.destination[i] = b[24 + i];
  }
  return h;
}

/// Writes a 40-byte fixed header (version 6) at the start of `out`, which
/// must hold 40 bytes.
inline void write_ipv6_fixed_header(mutable_bytes out, const ipv6_fixed_header &h) noexcept {
  core::store_be32(out.data(),
                   6U << 28 | static_cast<std::uint32_t>(h.traffic_class) << 20 | (h.flow_label & 0xFFFFFU));
  core::store_be16(out.data() + 4, h.payload_length);
  core::store_u8(out.data() + 6, h.next_header);
  core::store_u8(out.data() + 7, h.hop_limit);
  for (std::size_t i = 0; i < 16; ++i) {
    out[8 + i] = h.source[i];
    out[24 + i] = h.destination[i];
  }
}

} // namespace icmp_detail

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

/// The IPv6 packet quoted by an ICMPv6 error: its fixed header, and however
/// much followed. Extension headers are not walked (see icmp_detail): when
/// the next header is not the transport, transport() says `other`.
class quoted_ipv6 {
public:
  constexpr quoted_ipv6() noexcept = default;

  [[nodiscard]] std::uint8_t traffic_class() const noexcept { return h_.traffic_class; }
  [[nodiscard]] std::uint32_t flow_label() const noexcept { return h_.flow_label; }
  /// The Payload Length the packet had (it may be larger than the quote).
  [[nodiscard]] std::uint16_t payload_length() const noexcept { return h_.payload_length; }
  /// The packet size: 40 + Payload Length.
  [[nodiscard]] std::size_t total_length() const noexcept { return icmp_detail::ipv6_header_size + h_.payload_length; }
  [[nodiscard]] std::uint8_t next_header() const noexcept { return h_.next_header; }
  [[nodiscard]] std::uint8_t hop_limit() const noexcept { return h_.hop_limit; }
  [[nodiscard]] const std::array<std::byte, 16> &source() const noexcept { return h_.source; }
  [[nodiscard]] const std::array<std::byte, 16> &destination() const noexcept { return h_.destination; }
  [[nodiscard]] bytes_view header() const noexcept { return bytes_.first(icmp_detail::ipv6_header_size); }
  /// The quoted bytes after the fixed header, at most to Payload Length.
  [[nodiscard]] bytes_view payload() const noexcept {
    const bytes_view p = bytes_.subspan(icmp_detail::ipv6_header_size);
    return p.size() > h_.payload_length ? p.first(h_.payload_length) : p;
  }
  /// True when the whole packet (40 + Payload Length bytes) was quoted.
  [[nodiscard]] bool complete() const noexcept { return bytes_.size() >= total_length(); }
  [[nodiscard]] bytes_view bytes() const noexcept { return bytes_; }
  /// The transport fields the quote shows, when the fixed header's next
  /// header is ESP, UDP or TCP; `other` behind an extension header.
  [[nodiscard]] quoted_transport transport() const noexcept {
    return classify_quoted_transport(h_.next_header, payload(), true);
  }

private:
  friend result<quoted_ipv6, icmp_errc> parse_quoted_ipv6(bytes_view) noexcept;
  bytes_view bytes_{};
  icmp_detail::ipv6_fixed_header h_{};
};

/// Views the IPv6 packet an ICMPv6 error quotes.
/// Errors: quote_truncated (offset = size) below 40 bytes; quote_bad_version (0).
[[nodiscard]] inline result<quoted_ipv6, icmp_errc> parse_quoted_ipv6(bytes_view quote) noexcept {
  if (quote.size() < icmp_detail::ipv6_header_size) return fail(icmp_errc::quote_truncated, quote.size());
  auto h = icmp_detail::read_ipv6_fixed_header(quote);
  if (!h) return fail(icmp_errc::quote_bad_version, 0);
  quoted_ipv6 q;
  q.bytes_ = quote;
  q.h_ = *h;
  return q;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
