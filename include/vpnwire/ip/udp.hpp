// UDP (RFC 768) over IPv4 and IPv6: a view, the pseudo-header checksums
// (RFC 768; RFC 8200 §8.1), and builders. A zero checksum means "not
// computed" and is accepted over IPv4; over IPv6 it is an error.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/ipv6.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

inline constexpr std::size_t udp_header_size = 8;

/// The checksum over the IPv4 pseudo-header (RFC 768) and `segment` (UDP
/// or TCP header and data, with its checksum field as stored). Storing the
/// result of a computation over a zeroed checksum field makes the segment
/// verify; verifying a stored checksum yields 0.
[[nodiscard]] inline std::uint16_t pseudo_header_checksum(std::uint32_t src, std::uint32_t dst, std::uint8_t protocol,
                                                          bytes_view segment) noexcept {
  core::checksum_accumulator acc;
  acc.add_u32(src);
  acc.add_u32(dst);
  acc.add_u16(protocol);
  acc.add_u16(static_cast<std::uint16_t>(segment.size()));
  acc.add(segment);
  return acc.finish();
}

/// The checksum over the IPv6 pseudo-header (RFC 8200 §8.1: source,
/// destination, 32-bit upper-layer length, next header) and `segment`.
/// `dst` is the final destination: the packet's Destination Address, or,
/// while a Routing header has segments left, the address it ends at
/// (ipv6_upper_layer::checksum_destination, routing_final_destination()).
[[nodiscard]] inline std::uint16_t pseudo_header_checksum(const ipv6_address &src, const ipv6_address &dst,
                                                          std::uint8_t next_header, bytes_view segment) noexcept {
  core::checksum_accumulator acc;
  acc.add(bytes_view(src));
  acc.add(bytes_view(dst));
  acc.add_u32(static_cast<std::uint32_t>(segment.size()));
  acc.add_u16(next_header);
  acc.add(segment);
  return acc.finish();
}

template <class Bytes> class basic_udp_view;
/// A read-only UDP view.
using udp_view = basic_udp_view<bytes_view>;
/// A UDP view over writable bytes: datagram() and payload() are writable.
using mutable_udp_view = basic_udp_view<mutable_bytes>;

namespace detail {
template <class Bytes> [[nodiscard]] inline result<basic_udp_view<Bytes>, errc> parse_udp(Bytes bytes) noexcept;
} // namespace detail

/// A validated UDP datagram. `Bytes` is bytes_view or mutable_bytes.
template <class Bytes> class basic_udp_view {
  static_assert(detail::is_byte_span<Bytes>);

public:
  constexpr basic_udp_view() noexcept = default;
  /// A writable view converts to a read-only one.
  template <class B>
  requires(std::is_same_v<Bytes, bytes_view> &&std::is_same_v<B, mutable_bytes>) constexpr basic_udp_view(
      const basic_udp_view<B> &o) noexcept // NOLINT(google-explicit-constructor)
      : bytes_(o.datagram()) {}

  [[nodiscard]] std::uint16_t source_port() const noexcept { return core::load_be16(bytes_.data()); }
  [[nodiscard]] std::uint16_t destination_port() const noexcept { return core::load_be16(bytes_.data() + 2); }
  [[nodiscard]] std::uint16_t length() const noexcept { return core::load_be16(bytes_.data() + 4); }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return core::load_be16(bytes_.data() + 6); }
  /// The datagram (header and payload, `length()` bytes).
  [[nodiscard]] Bytes datagram() const noexcept { return bytes_; }
  [[nodiscard]] Bytes payload() const noexcept { return bytes_.subspan(udp_header_size); }
  /// Over IPv4: true when the checksum is zero (not computed) or verifies
  /// against the pseudo-header.
  [[nodiscard]] bool checksum_ok(std::uint32_t src, std::uint32_t dst) const noexcept {
    return checksum() == 0 || pseudo_header_checksum(src, dst, proto::udp, bytes_) == 0;
  }
  /// Over IPv6: true when the checksum is non-zero and verifies against the
  /// pseudo-header (RFC 8200 §8.1: a zero UDP checksum is not allowed).
  [[nodiscard]] bool checksum_ok(const ipv6_address &src, const ipv6_address &dst) const noexcept {
    return checksum() != 0 && pseudo_header_checksum(src, dst, proto::udp, bytes_) == 0;
  }

private:
  template <class B> friend result<basic_udp_view<B>, errc> detail::parse_udp(B) noexcept;
  Bytes bytes_{};
};

namespace detail {
template <class Bytes> [[nodiscard]] inline result<basic_udp_view<Bytes>, errc> parse_udp(Bytes bytes) noexcept {
  if (bytes.size() < udp_header_size) return fail(errc::truncated, bytes.size());
  const std::size_t len = core::load_be16(bytes.data() + 4);
  if (len < udp_header_size || len > bytes.size()) return fail(errc::udp_length_invalid, 4);
  basic_udp_view<Bytes> v;
  v.bytes_ = bytes.first(len);
  return v;
}
} // namespace detail

/// Parses a UDP datagram (the IP payload). Bytes after `length` are ignored.
/// A writable range gives a mutable_udp_view.
/// Errors: truncated (offset = size) below 8 bytes; udp_length_invalid (4)
/// when length is below 8 or beyond the bytes given.
template <detail::byte_range R>
requires detail::lasting<R>
[[nodiscard]] inline result<basic_udp_view<detail::span_for<R>>, errc> parse_udp(R &&bytes) noexcept {
  return detail::parse_udp(detail::as_span(bytes));
}
/// A udp_view points into its datagram: parsing a temporary container would
/// leave it dangling, so it does not compile.
template <detail::byte_range R>
requires(!detail::lasting<R>) result<udp_view, errc> parse_udp(R &&)
= delete;

/// Parses the UDP payload of an IPv4 packet and verifies its checksum (a
/// writable IPv4 view gives a writable UDP view).
/// Errors: as parse_udp; bad_udp_checksum (6) when a non-zero checksum fails.
template <class Bytes>
[[nodiscard]] inline result<basic_udp_view<Bytes>, errc> parse_udp_checked(const basic_ipv4_view<Bytes> &ip) noexcept {
  auto u = detail::parse_udp(ip.payload());
  if (!u) return u;
  if (!u->checksum_ok(ip.source(), ip.destination())) return fail(errc::bad_udp_checksum, 6);
  return u;
}

/// Parses the UDP datagram of an IPv6 packet (after its extension headers)
/// and verifies its checksum (a writable IPv6 view gives a writable UDP
/// view) against the final destination (a Routing header with segments
/// left names it: ipv6_upper_layer::checksum_destination). Offsets count
/// from the start of the packet.
/// Errors: those of basic_ipv6_view::upper_layer; fragment_not_reassembled
/// (the Fragment header) for a fragment; not_udp (offset of the upper-layer
/// header) when the chain does not end at UDP; parse_udp errors offset by the UDP header's
/// position; zero_udp_checksum and bad_udp_checksum (UDP offset + 6).
template <class Bytes>
[[nodiscard]] inline result<basic_udp_view<Bytes>, errc> parse_udp_checked(const basic_ipv6_view<Bytes> &ip,
                                                                           ipv6_chain_limits limits = {}) noexcept {
  auto ul = ip.upper_layer(limits);
  if (!ul) return ul.error();
  if (ul->is_fragment()) return fail(errc::fragment_not_reassembled, ul->fragment_header);
  if (ul->protocol != proto::udp) return fail(errc::not_udp, ul->offset);
  auto u = detail::parse_udp(ul->bytes);
  if (!u) return fail(u.code(), ul->offset + u.offset());
  if (u->checksum() == 0) return fail(errc::zero_udp_checksum, ul->offset + 6);
  if (!u->checksum_ok(ul->checksum_source, ul->checksum_destination))
    return fail(errc::bad_udp_checksum, ul->offset + 6);
  return u;
}

/// Writes into `out` a UDP header followed by a copy of `payload`, for an
/// IPv4 packet from `src` to `dst`. With compute_checksum the pseudo-header
/// checksum is stored (0 is sent as 0xFFFF, RFC 768); otherwise the
/// checksum is 0. Returns the datagram size.
/// Errors: invalid_parameter (4) when the datagram would exceed 65535 bytes;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_udp(mutable_bytes out, std::uint32_t src, std::uint32_t dst,
                                                         std::uint16_t sport, std::uint16_t dport, bytes_view payload,
                                                         bool compute_checksum = true) noexcept {
  const std::size_t len = udp_header_size + payload.size();
  if (len > 65535) return fail(errc::invalid_parameter, 4);
  if (out.size() < len) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  // The payload first: it may already lie where the header goes.
  if (!payload.empty()) std::memmove(o + udp_header_size, payload.data(), payload.size());
  core::store_be16(o, sport);
  core::store_be16(o + 2, dport);
  core::store_be16(o + 4, static_cast<std::uint16_t>(len));
  core::store_be16(o + 6, 0);
  if (compute_checksum) {
    std::uint16_t c = pseudo_header_checksum(src, dst, proto::udp, out.first(len));
    if (c == 0) c = 0xFFFF;
    core::store_be16(o + 6, c);
  }
  return len;
}

/// Writes into `out` a UDP header followed by a copy of `payload`, for an
/// IPv6 packet from `src` to `dst`, with the pseudo-header checksum (always
/// computed over IPv6; a computed 0 is sent as 0xFFFF). Returns the
/// datagram size.
/// Errors: invalid_parameter (4) when the datagram would exceed 65535 bytes;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_udp(mutable_bytes out, const ipv6_address &src,
                                                         const ipv6_address &dst, std::uint16_t sport,
                                                         std::uint16_t dport, bytes_view payload) noexcept {
  const std::size_t len = udp_header_size + payload.size();
  if (len > 65535) return fail(errc::invalid_parameter, 4);
  if (out.size() < len) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  // The payload first: it may already lie where the header goes.
  if (!payload.empty()) std::memmove(o + udp_header_size, payload.data(), payload.size());
  core::store_be16(o, sport);
  core::store_be16(o + 2, dport);
  core::store_be16(o + 4, static_cast<std::uint16_t>(len));
  core::store_be16(o + 6, 0);
  std::uint16_t c = pseudo_header_checksum(src, dst, proto::udp, out.first(len));
  if (c == 0) c = 0xFFFF;
  core::store_be16(o + 6, c);
  return len;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
