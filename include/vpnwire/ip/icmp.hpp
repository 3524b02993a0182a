// ICMP for IPv4 (RFC 792): a view of any message with the fields of the
// error messages a tunnel meets (Destination Unreachable with RFC 1191's
// next-hop MTU, Time Exceeded, Parameter Problem, Redirect, Source Quench),
// the packet they quote (ip/icmp_quote.hpp), RFC 4884's original-datagram
// length, and builders that quote the right amount (RFC 792 or RFC 1812).
//
//   0      8      16             31
//   | type | code |   checksum    |
//   |   rest of header (4 bytes)   |   frag needed: unused 8 | length 8 | next-hop MTU 16
//   |  original datagram: IP header + data ...  [RFC 4884 extensions]
//
//   auto m = ip::parse_icmpv4(ipv4->payload());     // checksum verified
//   if (m && m->is_fragmentation_needed()) {
//     auto q = m->quoted();                            // the packet we sent
//     if (q && q->transport().spi) ... q->transport().spi, m->next_hop_mtu()
//   }
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/icmp_errc.hpp"
#include "vpnwire/ip/icmp_quote.hpp"
#include "vpnwire/ip/ipv4.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// Size of the ICMP header: type, code, checksum and the 4-byte rest of header.
inline constexpr std::size_t icmp_header_size = 8;

/// ICMP message types (RFC 792; IANA "ICMP Type Numbers").
namespace icmp_type {
inline constexpr std::uint8_t echo_reply = 0;
inline constexpr std::uint8_t destination_unreachable = 3;
inline constexpr std::uint8_t source_quench = 4; ///< Deprecated (RFC 6633) but still quoted.
inline constexpr std::uint8_t redirect = 5;
inline constexpr std::uint8_t echo_request = 8;
inline constexpr std::uint8_t time_exceeded = 11;
inline constexpr std::uint8_t parameter_problem = 12;
} // namespace icmp_type

/// Destination Unreachable codes (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1).
namespace icmp_unreachable {
inline constexpr std::uint8_t net = 0;
inline constexpr std::uint8_t host = 1;
inline constexpr std::uint8_t protocol = 2;
inline constexpr std::uint8_t port = 3;
inline constexpr std::uint8_t fragmentation_needed = 4; ///< "fragmentation needed and DF set" (RFC 1191).
inline constexpr std::uint8_t source_route_failed = 5;
inline constexpr std::uint8_t communication_prohibited = 13;
} // namespace icmp_unreachable

/// Time Exceeded codes (RFC 792).
namespace icmp_time_exceeded {
inline constexpr std::uint8_t ttl = 0;        ///< Time to live exceeded in transit.
inline constexpr std::uint8_t reassembly = 1; ///< Fragment reassembly time exceeded.
} // namespace icmp_time_exceeded

/// True for the ICMP types that report an error and quote the packet that
/// caused it: Destination Unreachable, Source Quench, Redirect, Time
/// Exceeded, Parameter Problem.
[[nodiscard]] constexpr bool is_icmpv4_error(std::uint8_t type) noexcept {
  return type == icmp_type::destination_unreachable || type == icmp_type::source_quench ||
         type == icmp_type::redirect || type == icmp_type::time_exceeded || type == icmp_type::parameter_problem;
}

/// True for the error types whose byte 5 is RFC 4884's length attribute.
[[nodiscard]] constexpr bool has_icmpv4_length_attribute(std::uint8_t type) noexcept {
  return type == icmp_type::destination_unreachable || type == icmp_type::time_exceeded ||
         type == icmp_type::parameter_problem;
}

class icmpv4_view;
[[nodiscard]] inline result<icmpv4_view, icmp_errc> parse_icmpv4_unchecked(bytes_view bytes) noexcept;

/// An ICMP message. Holds the span it was parsed from (the IPv4 payload).
class icmpv4_view {
public:
  constexpr icmpv4_view() noexcept = default;

  [[nodiscard]] std::uint8_t type() const noexcept { return core::load_u8(bytes_.data()); }
  [[nodiscard]] std::uint8_t code() const noexcept { return core::load_u8(bytes_.data() + 1); }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return core::load_be16(bytes_.data() + 2); }
  /// The 4 bytes after the checksum, whose meaning depends on the type.
  [[nodiscard]] std::uint32_t rest_of_header() const noexcept { return core::load_be32(bytes_.data() + 4); }
  /// True when the checksum over the whole message verifies (RFC 792).
  [[nodiscard]] bool checksum_valid() const noexcept { return core::internet_checksum(bytes_) == 0; }

  /// An error message that quotes the packet that caused it.
  [[nodiscard]] bool is_error() const noexcept { return is_icmpv4_error(type()); }
  /// Destination Unreachable, code 4: fragmentation needed and DF set.
  [[nodiscard]] bool is_fragmentation_needed() const noexcept {
    return type() == icmp_type::destination_unreachable && code() == icmp_unreachable::fragmentation_needed;
  }
  /// RFC 1191: the MTU of the next-hop network, in the low 16 bits of the
  /// rest of header. 0 from a router that predates RFC 1191 (the sender then
  /// estimates from RFC 1191 §7's plateau table). Meaningful for
  /// is_fragmentation_needed() only.
  [[nodiscard]] std::uint16_t next_hop_mtu() const noexcept { return core::load_be16(bytes_.data() + 6); }
  /// Parameter Problem: the octet of the quoted header where the problem is.
  [[nodiscard]] std::uint8_t pointer() const noexcept { return core::load_u8(bytes_.data() + 4); }
  /// Redirect: the gateway address (host order).
  [[nodiscard]] std::uint32_t gateway() const noexcept { return rest_of_header(); }
  /// Echo request and reply: identifier and sequence number.
  [[nodiscard]] std::uint16_t identifier() const noexcept { return core::load_be16(bytes_.data() + 4); }
  [[nodiscard]] std::uint16_t sequence() const noexcept { return core::load_be16(bytes_.data() + 6); }
  /// RFC 4884: the length of the original datagram in 32-bit words (byte 5
  /// of Destination Unreachable, Time Exceeded and Parameter Problem); 0 when
  /// not given (no extensions follow) or for other types.
  [[nodiscard]] std::uint8_t original_datagram_length() const noexcept {
    return has_icmpv4_length_attribute(type()) ? core::load_u8(bytes_.data() + 5) : std::uint8_t{0};
  }

  /// Everything after the 8-byte header.
  [[nodiscard]] bytes_view body() const noexcept { return bytes_.subspan(icmp_header_size); }
  /// The quoted packet of an error: the body, cut to RFC 4884's length when
  /// it is given and within the message (zero padding included).
  [[nodiscard]] bytes_view original_datagram() const noexcept {
    const std::size_t words = original_datagram_length();
    const bytes_view b = body();
    return words != 0 && words * 4U <= b.size() ? b.first(words * 4U) : b;
  }
  /// RFC 4884 extension structure after the original datagram (empty without).
  [[nodiscard]] bytes_view extensions() const noexcept { return body().subspan(original_datagram().size()); }
  /// The whole message.
  [[nodiscard]] bytes_view message() const noexcept { return bytes_; }

  /// The packet an error message quotes.
  /// Errors: not_an_error_message (offset 0) for a type that quotes nothing;
  /// as parse_quoted_ipv4, with offsets counted from the start of the message.
  [[nodiscard]] result<quoted_ipv4, icmp_errc> quoted() const noexcept {
    if (!is_error()) return fail(icmp_errc::not_an_error_message, 0);
    auto q = parse_quoted_ipv4(original_datagram());
    if (!q) return fail(q.code(), icmp_header_size + q.offset());
    return q;
  }

private:
  friend result<icmpv4_view, icmp_errc> parse_icmpv4_unchecked(bytes_view) noexcept;
  bytes_view bytes_{};
};

/// Views an ICMP message (the payload of an IPv4 packet with protocol 1)
/// without verifying its checksum (for truncated captures, or a checksum
/// checked elsewhere). Errors: truncated (offset = size) below 8 bytes.
[[nodiscard]] inline result<icmpv4_view, icmp_errc> parse_icmpv4_unchecked(bytes_view bytes) noexcept {
  if (bytes.size() < icmp_header_size) return fail(icmp_errc::truncated, bytes.size());
  icmpv4_view v;
  v.bytes_ = bytes;
  return v;
}

/// Views an ICMP message and verifies its checksum.
/// Errors: truncated (offset = size) below 8 bytes; bad_checksum (2).
[[nodiscard]] inline result<icmpv4_view, icmp_errc> parse_icmpv4(bytes_view bytes) noexcept {
  auto v = parse_icmpv4_unchecked(bytes);
  if (v && !v->checksum_valid()) return fail(icmp_errc::bad_checksum, 2);
  return v;
}

/// How much of the invoking packet an ICMPv4 error quotes.
enum class icmpv4_quote : std::uint8_t {
  rfc792, ///< The IP header and the first 64 bits of its data (RFC 792): what hosts and old routers send.
  rfc1812 ///< As much as fits without the ICMP datagram exceeding 576 bytes (RFC 1812 §4.3.2.3).
};

/// The datagram size RFC 1812 §4.3.2.3 keeps ICMP errors within.
inline constexpr std::size_t icmpv4_error_datagram_limit = 576;
/// The longest RFC 1812 quote behind a 20-byte IPv4 header and the ICMP header: 548.
inline constexpr std::size_t icmpv4_max_quote = icmpv4_error_datagram_limit - ipv4_min_header - icmp_header_size;

/// The number of bytes of `invoking` an error quotes. When `invoking` starts
/// with an IPv4 header whose Total Length is within the span, bytes past it
/// (link padding) are never quoted, and RFC 792's 64 bits count from the end
/// of that header (options included).
[[nodiscard]] constexpr std::size_t icmpv4_quote_length(bytes_view invoking, icmpv4_quote q) noexcept {
  std::size_t n = invoking.size();
  std::size_t hlen = ipv4_min_header;
  if (n >= ipv4_min_header && (std::to_integer<unsigned>(invoking[0]) >> 4) == 4) {
    hlen = std::max<std::size_t>(ipv4_min_header, std::size_t{std::to_integer<unsigned>(invoking[0]) & 0x0FU} * 4U);
    const std::size_t total =
        std::size_t{std::to_integer<unsigned>(invoking[2])} << 8 | std::to_integer<unsigned>(invoking[3]);
    if (total >= hlen && total < n) n = total;
  }
  return q == icmpv4_quote::rfc792 ? std::min(n, hlen + 8) : std::min(n, icmpv4_max_quote);
}

/// Writes an ICMP error message: type, code, the 4-byte rest of header, and
/// the quote of `invoking` (icmpv4_quote_length bytes); computes the
/// checksum. Returns the message size.
/// Errors: invalid_parameter (offset 0) when `type` is not an error type;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc> build_icmpv4_error(mutable_bytes out, std::uint8_t type,
                                                                       std::uint8_t code, std::uint32_t rest_of_header,
                                                                       icmpv4_quote quote,
                                                                       bytes_view invoking) noexcept {
  if (!is_icmpv4_error(type)) return fail(icmp_errc::invalid_parameter, 0);
  const std::size_t q = icmpv4_quote_length(invoking, quote);
  const std::size_t size = icmp_header_size + q;
  if (out.size() < size) return fail(icmp_errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_u8(o, type);
  core::store_u8(o + 1, code);
  core::store_be16(o + 2, 0);
  core::store_be32(o + 4, rest_of_header);
  if (q != 0) std::memmove(o + icmp_header_size, invoking.data(), q);
  core::store_be16(o + 2, core::internet_checksum(out.first(size)));
  return size;
}

/// Destination Unreachable, fragmentation needed and DF set, with RFC 1191's
/// next-hop MTU (the high 16 bits of the rest of header are zero).
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc> build_icmpv4_fragmentation_needed(mutable_bytes out,
                                                                                      std::uint16_t next_hop_mtu,
                                                                                      icmpv4_quote quote,
                                                                                      bytes_view invoking) noexcept {
  return build_icmpv4_error(out, icmp_type::destination_unreachable, icmp_unreachable::fragmentation_needed,
                            next_hop_mtu, quote, invoking);
}

/// Destination Unreachable with another code (rest of header zero).
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc> build_icmpv4_destination_unreachable(mutable_bytes out,
                                                                                         std::uint8_t code,
                                                                                         icmpv4_quote quote,
                                                                                         bytes_view invoking) noexcept {
  return build_icmpv4_error(out, icmp_type::destination_unreachable, code, 0, quote, invoking);
}

/// Time Exceeded (code 0: TTL, 1: reassembly).
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc>
build_icmpv4_time_exceeded(mutable_bytes out, std::uint8_t code, icmpv4_quote quote, bytes_view invoking) noexcept {
  return build_icmpv4_error(out, icmp_type::time_exceeded, code, 0, quote, invoking);
}

/// Parameter Problem with the pointer to the offending octet.
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc> build_icmpv4_parameter_problem(mutable_bytes out,
                                                                                   std::uint8_t pointer,
                                                                                   icmpv4_quote quote,
                                                                                   bytes_view invoking) noexcept {
  return build_icmpv4_error(out, icmp_type::parameter_problem, 0, std::uint32_t{pointer} << 24, quote, invoking);
}

/// Writes a whole IPv4 packet carrying an ICMP error: a 20-byte header
/// (`source` -> `destination`, protocol 1, the given TTL, DF clear) and the
/// message of build_icmpv4_error. Returns the packet size.
/// Errors: invalid_parameter (0) for a type that is not an error;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, icmp_errc>
build_icmpv4_error_packet(mutable_bytes out, std::uint32_t source, std::uint32_t destination, std::uint8_t ttl,
                          std::uint8_t type, std::uint8_t code, std::uint32_t rest_of_header, icmpv4_quote quote,
                          bytes_view invoking) noexcept {
  if (out.size() < ipv4_min_header) return fail(icmp_errc::buffer_too_small, out.size());
  auto m = build_icmpv4_error(out.subspan(ipv4_min_header), type, code, rest_of_header, quote, invoking);
  if (!m) return m.code() == icmp_errc::buffer_too_small ? fail(m.code(), out.size()) : m;
  ipv4_fields f;
  f.ttl = ttl;
  f.protocol = 1;
  f.source = source;
  f.destination = destination;
  auto h = build_ipv4_header(out, f, *m);
  if (!h) return fail(icmp_errc::buffer_too_small, out.size()); // 20 bytes fit (checked above); never reached
  return *h + *m;
}

/// RFC 1122 §3.2.2 and RFC 1812 §4.3.2.7: whether an ICMP error may be sent
/// about `invoking` (an IPv4 packet). Not about an ICMP error message, a
/// fragment other than the first, a packet to a multicast or limited
/// broadcast address, or from an address that does not name one host (0.0.0.0,
/// 127/8 loopback, multicast, class E, broadcast). False for bytes that are
/// not an IPv4 header.
[[nodiscard]] inline bool icmpv4_error_allowed(bytes_view invoking) noexcept {
  auto q = parse_quoted_ipv4(invoking);
  if (!q) return false;
  if (q->fragment_offset() != 0) return false;
  const std::uint32_t src = q->source();
  const std::uint32_t dst = q->destination();
  if (dst >> 28 == 0xEU || dst == 0xFFFFFFFFU) return false;
  if (src == 0 || src >> 24 == 127U || src >> 28 >= 0xEU) return false;
  if (q->protocol() == 1) {
    const bytes_view p = q->payload();
    if (p.empty() || is_icmpv4_error(core::load_u8(p.data()))) return false; // unknown or an error: never answer
  }
  return true;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
