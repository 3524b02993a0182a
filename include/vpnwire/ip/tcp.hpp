// TCP header (RFC 9293 §3.1): a bounds-checked view with option walking
// (the same kind-length layout as IPv4 options, kinds 0 and 1 single-byte:
// ip::option_reader), the pseudo-header checksums over IPv4 and IPv6, and
// builders.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/udp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

inline constexpr std::size_t tcp_min_header = 20;
inline constexpr std::size_t tcp_max_header = 60;
inline constexpr std::size_t tcp_max_options = 40;

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
} // namespace tcp_flag

namespace tcp_option {
inline constexpr std::uint8_t end_of_list = 0;
inline constexpr std::uint8_t nop = 1;
inline constexpr std::uint8_t mss = 2;
inline constexpr std::uint8_t window_scale = 3;
inline constexpr std::uint8_t sack_permitted = 4;
inline constexpr std::uint8_t timestamps = 8;
} // namespace tcp_option

template <class Bytes> class basic_tcp_view;
/// A read-only TCP view.
using tcp_view = basic_tcp_view<bytes_view>;
/// A TCP view over writable bytes: segment(), options() and payload() are writable.
using mutable_tcp_view = basic_tcp_view<mutable_bytes>;

namespace detail {
template <class Bytes> [[nodiscard]] inline result<basic_tcp_view<Bytes>, errc> parse_tcp(Bytes bytes) noexcept;
} // namespace detail

/// A validated TCP segment. `Bytes` is bytes_view or mutable_bytes.
template <class Bytes> class basic_tcp_view {
  static_assert(detail::is_byte_span<Bytes>);

public:
  constexpr basic_tcp_view() noexcept = default;
  /// A writable view converts to a read-only one.
  template <class B>
  requires(std::is_same_v<Bytes, bytes_view> &&std::is_same_v<B, mutable_bytes>) constexpr basic_tcp_view(
      const basic_tcp_view<B> &o) noexcept // NOLINT(google-explicit-constructor)
      : bytes_(o.segment()) {}

  [[nodiscard]] std::uint16_t source_port() const noexcept { return core::load_be16(p()); }
  [[nodiscard]] std::uint16_t destination_port() const noexcept { return core::load_be16(p() + 2); }
  [[nodiscard]] std::uint32_t sequence() const noexcept { return core::load_be32(p() + 4); }
  [[nodiscard]] std::uint32_t acknowledgment() const noexcept { return core::load_be32(p() + 8); }
  /// Header length in bytes (20..60).
  [[nodiscard]] std::size_t header_length() const noexcept {
    return std::size_t{static_cast<std::uint8_t>(core::load_u8(p() + 12) >> 4)} * 4U;
  }
  /// The four reserved bits after the data offset.
  [[nodiscard]] std::uint8_t reserved() const noexcept {
    return static_cast<std::uint8_t>(core::load_u8(p() + 12) & 0x0FU);
  }
  /// The eight flag bits (CWR..FIN); see tcp_flag.
  [[nodiscard]] std::uint8_t flags() const noexcept { return core::load_u8(p() + 13); }
  [[nodiscard]] bool syn() const noexcept { return (flags() & tcp_flag::syn) != 0; }
  [[nodiscard]] bool ack() const noexcept { return (flags() & tcp_flag::ack) != 0; }
  [[nodiscard]] std::uint16_t window() const noexcept { return core::load_be16(p() + 14); }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return core::load_be16(p() + 16); }
  [[nodiscard]] std::uint16_t urgent_pointer() const noexcept { return core::load_be16(p() + 18); }
  [[nodiscard]] Bytes options() const noexcept { return bytes_.subspan(20, header_length() - 20); }
  [[nodiscard]] Bytes payload() const noexcept { return bytes_.subspan(header_length()); }
  [[nodiscard]] Bytes segment() const noexcept { return bytes_; }
  /// Walks the options; error offsets count from the start of the options
  /// area (see option_format for the errors).
  [[nodiscard]] option_reader option_iter() const noexcept { return option_reader(options()); }
  /// True when the checksum verifies over the IPv4 pseudo-header.
  [[nodiscard]] bool checksum_ok(std::uint32_t src, std::uint32_t dst) const noexcept {
    return pseudo_header_checksum(src, dst, proto::tcp, bytes_) == 0;
  }
  /// True when the checksum verifies over the IPv6 pseudo-header.
  [[nodiscard]] bool checksum_ok(const ipv6_address &src, const ipv6_address &dst) const noexcept {
    return pseudo_header_checksum(src, dst, proto::tcp, bytes_) == 0;
  }

private:
  template <class B> friend result<basic_tcp_view<B>, errc> detail::parse_tcp(B) noexcept;
  [[nodiscard]] const std::byte *p() const noexcept { return bytes_.data(); }
  Bytes bytes_{};
};

namespace detail {
template <class Bytes> [[nodiscard]] inline result<basic_tcp_view<Bytes>, errc> parse_tcp(Bytes bytes) noexcept {
  if (bytes.size() < tcp_min_header) return fail(errc::truncated, bytes.size());
  const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(core::load_u8(bytes.data() + 12) >> 4)} * 4U;
  if (hlen < tcp_min_header) return fail(errc::tcp_data_offset_too_small, 12);
  if (hlen > bytes.size()) return fail(errc::tcp_header_beyond_buffer, 12);
  basic_tcp_view<Bytes> v;
  v.bytes_ = bytes;
  return v;
}
} // namespace detail

/// Parses a TCP segment (the whole IP payload: a segment has no length
/// field of its own). A writable range gives a mutable_tcp_view.
/// Errors: truncated (offset = size) below 20 bytes; tcp_data_offset_too_small (12);
/// tcp_header_beyond_buffer (12).
template <detail::byte_range R>
requires detail::lasting<R>
[[nodiscard]] inline result<basic_tcp_view<detail::span_for<R>>, errc> parse_tcp(R &&bytes) noexcept {
  return detail::parse_tcp(detail::as_span(bytes));
}
/// A tcp_view points into its segment: parsing a temporary container would
/// leave it dangling, so it does not compile.
template <detail::byte_range R>
requires(!detail::lasting<R>) result<tcp_view, errc> parse_tcp(R &&)
= delete;

/// Parses the TCP segment of an IPv4 packet and verifies its checksum.
/// Errors: not_tcp (9) when the protocol is not 6; as parse_tcp, offset by
/// the IPv4 header length; bad_tcp_checksum (header length + 16).
template <class Bytes>
[[nodiscard]] inline result<basic_tcp_view<Bytes>, errc> parse_tcp_checked(const basic_ipv4_view<Bytes> &ip) noexcept {
  if (ip.protocol() != proto::tcp) return fail(errc::not_tcp, 9);
  auto t = detail::parse_tcp(ip.payload());
  if (!t) return fail(t.code(), ip.header_length() + t.offset());
  if (!t->checksum_ok(ip.source(), ip.destination())) return fail(errc::bad_tcp_checksum, ip.header_length() + 16);
  return t;
}

/// Parses the TCP segment of an IPv6 packet (after its extension headers)
/// and verifies its checksum against the final destination (a Routing
/// header with segments left names it: ipv6_upper_layer::checksum_destination).
/// Offsets count from the start of the packet.
/// Errors: those of basic_ipv6_view::upper_layer; fragment_not_reassembled
/// (the Fragment header) for a fragment; not_tcp (offset of the upper-layer
/// header) when the chain does not end at TCP; parse_tcp errors offset by
/// the segment's position; bad_tcp_checksum (segment offset + 16).
template <class Bytes>
[[nodiscard]] inline result<basic_tcp_view<Bytes>, errc> parse_tcp_checked(const basic_ipv6_view<Bytes> &ip,
                                                                           ipv6_chain_limits limits = {}) noexcept {
  auto ul = ip.upper_layer(limits);
  if (!ul) return ul.error();
  if (ul->is_fragment()) return fail(errc::fragment_not_reassembled, ul->fragment_header);
  if (ul->protocol != proto::tcp) return fail(errc::not_tcp, ul->offset);
  auto t = detail::parse_tcp(ul->bytes);
  if (!t) return fail(t.code(), ul->offset + t.offset());
  if (!t->checksum_ok(ul->checksum_source, ul->checksum_destination))
    return fail(errc::bad_tcp_checksum, ul->offset + 16);
  return t;
}

/// Fields of a TCP header to build.
struct tcp_fields {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t sequence = 0;
  std::uint32_t acknowledgment = 0;
  /// The four reserved bits after the data offset (0 unless testing).
  std::uint8_t reserved = 0;
  /// tcp_flag bits.
  std::uint8_t flags = 0;
  std::uint16_t window = 65535;
  std::uint16_t urgent_pointer = 0;
  /// Raw options; padded with zero (end of list) to a multiple of 4.
  bytes_view options{};
};

/// The header length build_tcp_header writes for these fields.
[[nodiscard]] constexpr std::size_t tcp_header_size(const tcp_fields &f) noexcept {
  return tcp_min_header + (f.options.size() + 3U) / 4U * 4U;
}

/// Writes a TCP header into `out` with a zero checksum (see build_tcp for
/// a whole segment with its checksum). Returns the header length.
/// Errors: options_too_long (offset 20) above 40 option bytes;
/// invalid_parameter (offset 12) when `reserved` does not fit in 4 bits;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_tcp_header(mutable_bytes out, const tcp_fields &f) noexcept {
  if (f.options.size() > tcp_max_options) return fail(errc::options_too_long, 20);
  if (f.reserved > 0x0FU) return fail(errc::invalid_parameter, 12);
  const std::size_t hlen = tcp_header_size(f);
  if (out.size() < hlen) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_be16(o, f.source_port);
  core::store_be16(o + 2, f.destination_port);
  core::store_be32(o + 4, f.sequence);
  core::store_be32(o + 8, f.acknowledgment);
  core::store_u8(o + 12, static_cast<std::uint8_t>((hlen / 4U) << 4 | f.reserved));
  core::store_u8(o + 13, f.flags);
  core::store_be16(o + 14, f.window);
  core::store_be16(o + 16, 0);
  core::store_be16(o + 18, f.urgent_pointer);
  std::size_t i = tcp_min_header;
  for (std::byte x : f.options) o[i++] = x;
  for (; i < hlen; ++i) o[i] = std::byte{0};
  return hlen;
}

namespace detail {
// Header and payload with a zero checksum, after checking that all fits.
[[nodiscard]] inline result<std::size_t, errc> build_tcp_segment(mutable_bytes out, const tcp_fields &f,
                                                                 bytes_view payload) noexcept {
  if (f.options.size() > tcp_max_options) return fail(errc::options_too_long, 20);
  if (f.reserved > 0x0FU) return fail(errc::invalid_parameter, 12);
  const std::size_t hlen = tcp_header_size(f);
  const std::size_t len = hlen + payload.size();
  if (len > 65535) return fail(errc::invalid_parameter, 0);
  if (out.size() < len) return fail(errc::buffer_too_small, out.size());
  // The payload first: it may already lie where the header goes.
  if (!payload.empty()) std::memmove(out.data() + hlen, payload.data(), payload.size());
  (void)build_tcp_header(out, f); // cannot fail: checked above
  return len;
}
} // namespace detail

/// Writes into `out` a TCP segment (header, then a copy of `payload`) for an
/// IPv4 packet from `src` to `dst`, with the pseudo-header checksum.
/// Returns the segment size.
/// Errors: those of build_tcp_header; invalid_parameter (offset 0) when
/// header + payload exceed 65535 bytes; buffer_too_small (offset =
/// out.size()) when the segment does not fit.
[[nodiscard]] inline result<std::size_t, errc> build_tcp(mutable_bytes out, std::uint32_t src, std::uint32_t dst,
                                                         const tcp_fields &f, bytes_view payload) noexcept {
  auto n = detail::build_tcp_segment(out, f, payload);
  if (n) core::store_be16(out.data() + 16, pseudo_header_checksum(src, dst, proto::tcp, out.first(*n)));
  return n;
}

/// As build_tcp, for an IPv6 packet from `src` to `dst` (RFC 8200 §8.1
/// pseudo-header).
[[nodiscard]] inline result<std::size_t, errc> build_tcp(mutable_bytes out, const ipv6_address &src,
                                                         const ipv6_address &dst, const tcp_fields &f,
                                                         bytes_view payload) noexcept {
  auto n = detail::build_tcp_segment(out, f, payload);
  if (n) core::store_be16(out.data() + 16, pseudo_header_checksum(src, dst, proto::tcp, out.first(*n)));
  return n;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
