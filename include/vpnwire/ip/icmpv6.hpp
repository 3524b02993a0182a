// ICMPv6 (RFC 4443): a view of any message with the fields of the error
// messages (Destination Unreachable, Packet Too Big with its 32-bit MTU,
// Time Exceeded, Parameter Problem with its 32-bit pointer), the checksum
// over the IPv6 pseudo-header (RFC 8200 §8.1), the quoted packet
// (ip/icmp_quote.hpp), RFC 4884's original-datagram length, and builders
// that quote as much as fits in the IPv6 minimum MTU (RFC 4443 §2.4(c)).
//
//   0      8      16             31
//   | type | code |   checksum    |
//   |  MTU (PTB) / pointer (PP) / length 8 | unused (DU, TE)  |
//   |  as much of the invoking packet as fits in 1280 bytes ...
//
// Addresses are 16-byte values in network order (std::span<const std::byte,
// 16> accepts a std::array<std::byte, 16>).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/icmp_errc.hpp"
#include "vpnwire/ip/icmp_quote.hpp"
#include "vpnwire/ip/ipv6.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// A 16-byte IPv6 address in network order.
using ipv6_address_span = std::span<const std::byte, 16>;

/// Size of the ICMPv6 header: type, code, checksum and 4 bytes of message body.
inline constexpr std::size_t icmpv6_header_size = 8;
/// The IPv6 next header value of ICMPv6.
inline constexpr std::uint8_t icmpv6_next_header = 58;
/// The largest ICMPv6 error packet: the IPv6 minimum link MTU (RFC 8200 §5, RFC 4443 §2.4(c)).
inline constexpr std::size_t icmpv6_error_packet_limit = 1280;
/// The longest quote behind a 40-byte IPv6 header and the ICMPv6 header: 1232.
inline constexpr std::size_t icmpv6_max_quote = icmpv6_error_packet_limit - ipv6_header_size - icmpv6_header_size;

/// ICMPv6 message types (RFC 4443 §2.1).
namespace icmpv6_type {
inline constexpr std::uint8_t destination_unreachable = 1;
inline constexpr std::uint8_t packet_too_big = 2;
inline constexpr std::uint8_t time_exceeded = 3;
inline constexpr std::uint8_t parameter_problem = 4;
inline constexpr std::uint8_t echo_request = 128;
inline constexpr std::uint8_t echo_reply = 129;
} // namespace icmpv6_type

/// Destination Unreachable codes (RFC 4443 §3.1).
namespace icmpv6_unreachable {
inline constexpr std::uint8_t no_route = 0;
inline constexpr std::uint8_t administratively_prohibited = 1;
inline constexpr std::uint8_t beyond_scope = 2;
inline constexpr std::uint8_t address = 3;
inline constexpr std::uint8_t port = 4;
inline constexpr std::uint8_t source_policy = 5;
inline constexpr std::uint8_t reject_route = 6;
} // namespace icmpv6_unreachable

/// Time Exceeded codes (RFC 4443 §3.3).
namespace icmpv6_time_exceeded {
inline constexpr std::uint8_t hop_limit = 0;
inline constexpr std::uint8_t reassembly = 1;
} // namespace icmpv6_time_exceeded

/// RFC 4443 §2.1: types 0-127 are errors, 128-255 informational.
[[nodiscard]] constexpr bool is_icmpv6_error(std::uint8_t type) noexcept { return type < 128; }

/// True for the error types whose first body byte is RFC 4884's length attribute.
[[nodiscard]] constexpr bool has_icmpv6_length_attribute(std::uint8_t type) noexcept {
  return type == icmpv6_type::destination_unreachable || type == icmpv6_type::time_exceeded;
}

/// The checksum over the IPv6 pseudo-header (source, destination, 32-bit
/// upper-layer length, next header 58; RFC 8200 §8.1) and `message` with its
/// checksum field as stored: the value to store when computed over a zeroed
/// field, 0 when verifying a stored one.
[[nodiscard]] inline std::uint16_t icmpv6_checksum(ipv6_address_span source, ipv6_address_span destination,
                                                   bytes_view message) noexcept {
  core::checksum_accumulator acc;
  acc.add(source);
  acc.add(destination);
  acc.add_u32(static_cast<std::uint32_t>(message.size()));
  acc.add_u16(icmpv6_next_header);
  acc.add(message);
  return acc.finish();
}

class icmpv6_view;
[[nodiscard]] inline result<icmpv6_view, icmp_errc> parse_icmpv6_unchecked(bytes_view bytes) noexcept;

/// An ICMPv6 message. Holds the span it was parsed from.
class icmpv6_view {
public:
  constexpr icmpv6_view() noexcept = default;

  [[nodiscard]] std::uint8_t type() const noexcept { return core::load_u8(bytes_.data()); }
  [[nodiscard]] std::uint8_t code() const noexcept { return core::load_u8(bytes_.data() + 1); }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return core::load_be16(bytes_.data() + 2); }
  /// True when the checksum verifies against the pseudo-header of the packet
  /// that carried the message (its source and destination).
  [[nodiscard]] bool checksum_valid(ipv6_address_span source, ipv6_address_span destination) const noexcept {
    return icmpv6_checksum(source, destination, bytes_) == 0;
  }

  /// An error message (type < 128), which quotes the invoking packet.
  [[nodiscard]] bool is_error() const noexcept { return is_icmpv6_error(type()); }
  [[nodiscard]] bool is_packet_too_big() const noexcept { return type() == icmpv6_type::packet_too_big; }
  /// Packet Too Big: the MTU of the next-hop link (32 bits, RFC 4443 §3.2).
  [[nodiscard]] std::uint32_t mtu() const noexcept { return core::load_be32(bytes_.data() + 4); }
  /// Parameter Problem: the offset in the invoking packet where the problem is.
  [[nodiscard]] std::uint32_t pointer() const noexcept { return core::load_be32(bytes_.data() + 4); }
  /// Echo request and reply: identifier and sequence number.
  [[nodiscard]] std::uint16_t identifier() const noexcept { return core::load_be16(bytes_.data() + 4); }
  [[nodiscard]] std::uint16_t sequence() const noexcept { return core::load_be16(bytes_.data() + 6); }
  /// RFC 4884: the length of the original datagram in 64-bit words (first
  /// body byte of Destination Unreachable and Time Exceeded); 0 when not given.
  [[nodiscard]] std::uint8_t original_datagram_length() const noexcept {
    return has_icmpv6_length_attribute(type()) ? core::load_u8(bytes_.data() + 4) : std::uint8_t{0};
  }

  /// Everything after the 8-byte header.
  [[nodiscard]] bytes_view body() const noexcept { return bytes_.subspan(icmpv6_header_size); }
  /// The invoking packet of an error: the body, cut to RFC 4884's length when
  /// it is given and within the message.
  [[nodiscard]] bytes_view invoking_packet() const noexcept {
    const std::size_t words = original_datagram_length();
    const bytes_view b = body();
    return words != 0 && words * 8U <= b.size() ? b.first(words * 8U) : b;
  }
  /// RFC 4884 extension structure after the invoking packet (empty without).
  [[nodiscard]] bytes_view extensions() const noexcept { return body().subspan(invoking_packet().size()); }
  [[nodiscard]] bytes_view message() const noexcept { return bytes_; }

  /// The packet an error message quotes.
  /// Errors: not_an_error_message (offset 0) for an informational type; as
  /// parse_quoted_ipv6, with offsets counted from the start of the message.
  [[nodiscard]] result<quoted_ipv6, icmp_errc> quoted() const noexcept {
    if (!is_error()) return fail(icmp_errc::not_an_error_message, 0);
    auto q = parse_quoted_ipv6(invoking_packet());
    if (!q) return fail(q.code(), icmpv6_header_size + q.offset());
    return q;
  }

private:
  friend result<icmpv6_view, icmp_errc> parse_icmpv6_unchecked(bytes_view) noexcept;
  bytes_view bytes_{};
};

/// Views an ICMPv6 message (the upper-layer payload of an IPv6 packet with
/// next header 58) without verifying the checksum.
/// Errors: truncated (offset = size) below 8 bytes.
[[nodiscard]] inline result<icmpv6_view, icmp_errc> parse_icmpv6_unchecked(bytes_view bytes) noexcept {
  if (bytes.size() < icmpv6_header_size) return fail(icmp_errc::truncated, bytes.size());
  icmpv6_view v;
  v.bytes_ = bytes;
  return v;
}

/// Views an ICMPv6 message and verifies its checksum against the carrying
/// packet's source and destination addresses.
/// Errors: truncated (offset = size) below 8 bytes; bad_checksum (2).
[[nodiscard]] inline result<icmpv6_view, icmp_errc> parse_icmpv6(bytes_view bytes, ipv6_address_span source,
                                                                 ipv6_address_span destination) noexcept {
  auto v = parse_icmpv6_unchecked(bytes);
  if (v && !v->checksum_valid(source, destination)) return fail(icmp_errc::bad_checksum, 2);
  return v;
}

/// The number of bytes of `invoking` an ICMPv6 error quotes: as much as fits
/// without the error packet exceeding 1280 bytes (RFC 4443 §2.4(c)), and
/// never past the invoking packet's own end (40 + Payload Length) when
/// `invoking` starts with an IPv6 header that says so.
[[nodiscard]] inline std::size_t icmpv6_quote_length(bytes_view invoking) noexcept {
  std::size_t n = invoking.size();
  // A payload length of 0 is a jumbogram (RFC 2675): its length is not known here.
  if (auto v = parse_ipv6(invoking); v && v->payload_length() != 0) n = v->packet().size();
  return std::min(n, icmpv6_max_quote);
}

/// Writes an ICMPv6 error message: type, code, the 32-bit parameter (MTU,
/// pointer, or 0), the quote of `invoking` (icmpv6_quote_length bytes), and
/// the checksum for a packet from `source` to `destination`. Returns the
/// message size.
/// Errors: invalid_parameter (offset 0) when `type` is informational (>= 128);
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc> build_icmpv6_error(mutable_bytes out, ipv6_address_span source,
                                                                       ipv6_address_span destination, std::uint8_t type,
                                                                       std::uint8_t code, std::uint32_t parameter,
                                                                       bytes_view invoking) noexcept {
  if (!is_icmpv6_error(type)) return fail(icmp_errc::invalid_parameter, 0);
  const std::size_t q = icmpv6_quote_length(invoking);
  const std::size_t size = icmpv6_header_size + q;
  if (out.size() < size) return fail(icmp_errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_u8(o, type);
  core::store_u8(o + 1, code);
  core::store_be16(o + 2, 0);
  core::store_be32(o + 4, parameter);
  if (q != 0) std::memmove(o + icmpv6_header_size, invoking.data(), q);
  core::store_be16(o + 2, icmpv6_checksum(source, destination, out.first(size)));
  return size;
}

/// Packet Too Big with the next-hop MTU (RFC 4443 §3.2).
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc>
build_icmpv6_packet_too_big(mutable_bytes out, ipv6_address_span source, ipv6_address_span destination,
                            std::uint32_t mtu, bytes_view invoking) noexcept {
  return build_icmpv6_error(out, source, destination, icmpv6_type::packet_too_big, 0, mtu, invoking);
}

/// Destination Unreachable (RFC 4443 §3.1).
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc>
build_icmpv6_destination_unreachable(mutable_bytes out, ipv6_address_span source, ipv6_address_span destination,
                                     std::uint8_t code, bytes_view invoking) noexcept {
  return build_icmpv6_error(out, source, destination, icmpv6_type::destination_unreachable, code, 0, invoking);
}

/// Time Exceeded (RFC 4443 §3.3; code 0 hop limit, 1 reassembly).
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc>
build_icmpv6_time_exceeded(mutable_bytes out, ipv6_address_span source, ipv6_address_span destination,
                           std::uint8_t code, bytes_view invoking) noexcept {
  return build_icmpv6_error(out, source, destination, icmpv6_type::time_exceeded, code, 0, invoking);
}

/// Parameter Problem (RFC 4443 §3.4) with the offset of the problem.
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc>
build_icmpv6_parameter_problem(mutable_bytes out, ipv6_address_span source, ipv6_address_span destination,
                               std::uint8_t code, std::uint32_t pointer, bytes_view invoking) noexcept {
  return build_icmpv6_error(out, source, destination, icmpv6_type::parameter_problem, code, pointer, invoking);
}

/// Writes a whole IPv6 packet carrying an ICMPv6 error: a 40-byte header
/// (next header 58, the given hop limit) and the message of
/// build_icmpv6_error; the packet never exceeds 1280 bytes. Returns its size.
/// Errors: invalid_parameter (0) for an informational type;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc>
build_icmpv6_error_packet(mutable_bytes out, ipv6_address_span source, ipv6_address_span destination,
                          std::uint8_t hop_limit, std::uint8_t type, std::uint8_t code, std::uint32_t parameter,
                          bytes_view invoking) noexcept {
  const std::size_t h = ipv6_header_size;
  if (out.size() < h) return fail(icmp_errc::buffer_too_small, out.size());
  auto m = build_icmpv6_error(out.subspan(h), source, destination, type, code, parameter, invoking);
  if (!m) return m.code() == icmp_errc::buffer_too_small ? fail(m.code(), out.size()) : m;
  ipv6_fields f;
  f.next_header = icmpv6_next_header;
  f.hop_limit = hop_limit;
  std::copy(source.begin(), source.end(), f.source.begin());
  std::copy(destination.begin(), destination.end(), f.destination.begin());
  // The message is at most 1240 bytes: the header always fits its length field.
  if (!build_ipv6_header(out, f, *m)) return fail(icmp_errc::buffer_too_small, out.size());
  return h + *m;
}

/// RFC 4443 §2.4(e): whether an ICMPv6 error may be sent about `invoking`
/// (an IPv6 packet, or its first bytes). Never about an ICMPv6 error message
/// (found behind any extension headers with ip::ipv6_chain_walker; a
/// non-first fragment shows no ICMPv6 header and is not one, RFC 8200 §4.5,
/// as in Linux's icmp6 is_ineligible), nor from an unspecified or multicast
/// source; to a multicast destination only Packet Too Big (and Parameter
/// Problem code 2, which this helper's callers do not send) is allowed,
/// hence `packet_too_big`. A header chain that cannot be walked does not
/// forbid an error (Linux answers those too); an ICMPv6 header cut before
/// its type byte does.
[[nodiscard]] inline bool icmpv6_error_allowed(bytes_view invoking, bool packet_too_big) noexcept {
  if (invoking.size() < ipv6_header_size || (core::load_u8(invoking.data()) >> 4) != 6) return false;
  const std::byte *p = invoking.data();
  const bool src_unspecified = std::all_of(p + 8, p + 24, [](std::byte b) { return b == std::byte{0}; });
  if (src_unspecified || p[8] == std::byte{0xFF}) return false;
  if (p[24] == std::byte{0xFF} && !packet_too_big) return false;
  const std::size_t end = std::min<std::size_t>(invoking.size(), ipv6_header_size + core::load_be16(p + 4));
  ipv6_chain_walker w(invoking.first(end), 0, ipv6_chain_format(ipv6_chain_limits{}));
  while (!w.done())
    if (!w.next()) return true; // a chain that cannot be walked: not known to be an ICMPv6 error
  const ipv6_chain_format &f = w.format();
  if (f.next_header() != icmpv6_next_header) return true;
  if (f.fragment_header() != ipv6_chain_format::none && (core::load_be16(p + f.fragment_header() + 2) & 0xFFF8U) != 0)
    return true; // a non-first fragment: no ICMPv6 header in it
  const bytes_view icmp = w.rest();
  return !icmp.empty() && !is_icmpv6_error(core::load_u8(icmp.data()));
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
