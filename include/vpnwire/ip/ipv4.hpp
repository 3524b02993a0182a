// IPv4 header (RFC 791): a bounds-checked view with option walking, the
// header checksum, and a builder that writes a header into a caller buffer.
//
//   auto v = ip::parse_ipv4(bytes);            // validates IHL, lengths, checksum
//   if (!v) return report(v.code(), v.offset());
//   if (v->is_fragment()) reassembler.submit(...);
//
// A view keeps the constness of its input: parsing a writable buffer (a
// non-const vector, a mutable_bytes) gives a mutable_ipv4_view whose
// payload() is writable, for in-place decapsulation and MSS clamping.
// Parsing a temporary container does not compile: the view would dangle.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/walker.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/errc.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace ip {

inline constexpr std::size_t ipv4_min_header = 20;
inline constexpr std::size_t ipv4_max_header = 60;
inline constexpr std::size_t ipv4_max_options = 40;
inline constexpr std::size_t ipv4_max_total = 65535;

/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used in
/// this library; IPv6 next-header values share the registry.
namespace proto {
inline constexpr std::uint8_t hop_by_hop = 0; ///< IPv6 Hop-by-Hop Options (RFC 8200 §4.3).
inline constexpr std::uint8_t icmp = 1;
inline constexpr std::uint8_t ipv4 = 4; ///< IPv4 encapsulation (tunnel mode inner packet).
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
inline constexpr std::uint8_t ipv6 = 41;             ///< IPv6 encapsulation; also the fixed IPv6 header in a chain.
inline constexpr std::uint8_t ipv6_routing = 43;     ///< IPv6 Routing header (RFC 8200 §4.4).
inline constexpr std::uint8_t ipv6_fragment = 44;    ///< IPv6 Fragment header (RFC 8200 §4.5).
inline constexpr std::uint8_t esp = 50;              ///< Encapsulating Security Payload (RFC 4303).
inline constexpr std::uint8_t ah = 51;               ///< Authentication Header (RFC 4302).
inline constexpr std::uint8_t icmpv6 = 58;           ///< ICMPv6 (RFC 4443).
inline constexpr std::uint8_t no_next_header = 59;   ///< IPv6 No Next Header (RFC 8200 §4.7).
inline constexpr std::uint8_t ipv6_destination = 60; ///< IPv6 Destination Options (RFC 8200 §4.6).
} // namespace proto

/// Option types with the meaning of their top bit (RFC 791 §3.1: copied flag).
namespace ipv4_option {
inline constexpr std::uint8_t end_of_list = 0;
inline constexpr std::uint8_t nop = 1;
inline constexpr std::uint8_t copied_flag = 0x80;
/// True when the option must be copied into every fragment.
[[nodiscard]] constexpr bool is_copied(std::uint8_t type) noexcept { return (type & copied_flag) != 0; }
} // namespace ipv4_option

/// The checksum field value for an IPv4 header whose checksum bytes are
/// treated as zero. `header` must be the whole header (IHL * 4 bytes).
[[nodiscard]] inline std::uint16_t ipv4_header_checksum(bytes_view header) noexcept {
  core::checksum_accumulator acc;
  if (header.size() < 12) {
    acc.add(header);
    return acc.finish();
  }
  acc.add(header.first(10));
  acc.add(header.subspan(12));
  return acc.finish();
}

/// One IPv4 or TCP option: its type (kind) byte, its offset inside the
/// options area, and its data (without type and length bytes).
struct option {
  std::uint8_t type = 0;
  std::size_t offset = 0;
  bytes_view data{};
  /// Total bytes the option occupies (1 for EOL/NOP).
  std::size_t size = 0;
};

/// The core::walker Format of a type-length-value options area in which
/// types 0 (end of list) and 1 (no-operation) are single bytes: IPv4
/// (RFC 791) and TCP (RFC 9293) options share this layout. The walk ends
/// after the end-of-list option (which is returned) or at the end of the area.
struct option_format {
  using item_type = option;
  using errc_type = errc;
  /// next() called although done().
  static constexpr errc exhausted = errc::option_truncated;

  /// Errors (offset = base + the option's type byte): option_truncated when
  /// the length byte is missing; option_length_invalid when the length is
  /// below 2 or runs past the end of the area.
  [[nodiscard]] result<core::walk_step<option>, errc> read(bytes_view area, std::size_t pos,
                                                           std::size_t base) const noexcept {
    const std::uint8_t type = core::load_u8(area.data() + pos);
    if (type == ipv4_option::end_of_list || type == ipv4_option::nop)
      return core::walk_step<option>{option{type, pos, bytes_view{}, 1}, 1, type == ipv4_option::end_of_list};
    if (pos + 1 >= area.size()) return fail(errc::option_truncated, base + pos);
    const std::size_t len = core::load_u8(area.data() + pos + 1);
    if (len < 2 || len > area.size() - pos) return fail(errc::option_length_invalid, base + pos);
    return core::walk_step<option>{option{type, pos, area.subspan(pos + 2, len - 2), len}, len, false};
  }
};

/// Walks IPv4 or TCP options (a core::walker: next(), done(), ok(),
/// error(), range-for). Error offsets count from the start of the options
/// area unless a base is given.
using option_reader = core::walker<option_format>;

template <class Bytes> class basic_ipv4_view;
/// A read-only IPv4 view.
using ipv4_view = basic_ipv4_view<bytes_view>;
/// An IPv4 view over writable bytes: header(), payload() and packet() are writable.
using mutable_ipv4_view = basic_ipv4_view<mutable_bytes>;

namespace detail {
template <class Bytes>
[[nodiscard]] inline result<basic_ipv4_view<Bytes>, errc> parse_ipv4(Bytes bytes, bool verify_checksum) noexcept;
} // namespace detail

/// A validated IPv4 packet. Holds the span it was parsed from; the bytes
/// must outlive the view. `Bytes` is bytes_view or mutable_bytes.
template <class Bytes> class basic_ipv4_view {
  static_assert(detail::is_byte_span<Bytes>);

public:
  constexpr basic_ipv4_view() noexcept = default;
  /// A writable view converts to a read-only one.
  template <class B>
  requires(std::is_same_v<Bytes, bytes_view> &&std::is_same_v<B, mutable_bytes>) constexpr basic_ipv4_view(
      const basic_ipv4_view<B> &o) noexcept // NOLINT(google-explicit-constructor)
      : bytes_(o.packet()) {}

  [[nodiscard]] std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(b(0) >> 4); }
  /// Header length in 32-bit words (5..15).
  [[nodiscard]] std::uint8_t ihl() const noexcept { return static_cast<std::uint8_t>(b(0) & 0x0FU); }
  /// Header length in bytes (20..60).
  [[nodiscard]] std::size_t header_length() const noexcept { return std::size_t{ihl()} * 4U; }
  [[nodiscard]] std::uint8_t tos() const noexcept { return b(1); }
  [[nodiscard]] std::uint8_t dscp() const noexcept { return static_cast<std::uint8_t>(b(1) >> 2); }
  [[nodiscard]] std::uint8_t ecn() const noexcept { return static_cast<std::uint8_t>(b(1) & 3U); }
  [[nodiscard]] std::uint16_t total_length() const noexcept { return core::load_be16(p() + 2); }
  [[nodiscard]] std::uint16_t identification() const noexcept { return core::load_be16(p() + 4); }
  /// The reserved ("evil") bit, bit 0 of the flags.
  [[nodiscard]] bool reserved_flag() const noexcept { return (b(6) & 0x80U) != 0; }
  [[nodiscard]] bool dont_fragment() const noexcept { return (b(6) & 0x40U) != 0; }
  [[nodiscard]] bool more_fragments() const noexcept { return (b(6) & 0x20U) != 0; }
  /// Fragment offset in bytes (the field times 8).
  [[nodiscard]] std::uint32_t fragment_offset() const noexcept {
    return static_cast<std::uint32_t>(core::load_be16(p() + 6) & 0x1FFFU) * 8U;
  }
  /// MF set or a non-zero offset.
  [[nodiscard]] bool is_fragment() const noexcept { return more_fragments() || fragment_offset() != 0; }
  [[nodiscard]] std::uint8_t ttl() const noexcept { return b(8); }
  [[nodiscard]] std::uint8_t protocol() const noexcept { return b(9); }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return core::load_be16(p() + 10); }
  [[nodiscard]] std::uint32_t source() const noexcept { return core::load_be32(p() + 12); }
  [[nodiscard]] std::uint32_t destination() const noexcept { return core::load_be32(p() + 16); }
  /// True when the stored header checksum verifies.
  [[nodiscard]] bool checksum_valid() const noexcept { return core::header_checksum(p(), header_length()) == 0; }

  /// The header including options.
  [[nodiscard]] Bytes header() const noexcept { return bytes_.first(header_length()); }
  /// The options area (IHL * 4 - 20 bytes, possibly padded with EOL).
  [[nodiscard]] Bytes options() const noexcept { return bytes_.subspan(20, header_length() - 20); }
  /// Walks the options; error offsets count from the start of the header.
  [[nodiscard]] option_reader option_walker() const noexcept { return option_reader(options(), ipv4_min_header); }
  /// The payload: bytes from the end of the header to total length.
  [[nodiscard]] Bytes payload() const noexcept {
    return bytes_.subspan(header_length(), std::size_t{total_length()} - header_length());
  }
  /// The whole packet (total length bytes; trailing link padding excluded).
  [[nodiscard]] Bytes packet() const noexcept { return bytes_; }

private:
  template <class B> friend result<basic_ipv4_view<B>, errc> detail::parse_ipv4(B, bool) noexcept;
  [[nodiscard]] const std::byte *p() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::uint8_t b(std::size_t i) const noexcept { return core::load_u8(p() + i); }
  Bytes bytes_{};
};

namespace detail {
// Shared by parse_ipv4 and parse_ipv4_unchecked for both constnesses.
template <class Bytes>
[[nodiscard]] inline result<basic_ipv4_view<Bytes>, errc> parse_ipv4(Bytes bytes, bool verify_checksum) noexcept {
  if (bytes.size() < ipv4_min_header) return fail(errc::truncated, bytes.size());
  const auto b0 = core::load_u8(bytes.data());
  if ((b0 >> 4) != 4) return fail(errc::bad_version, 0);
  const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(b0 & 0x0FU)} * 4U;
  if (hlen < ipv4_min_header) return fail(errc::ihl_too_small, 0);
  if (hlen > bytes.size()) return fail(errc::header_beyond_buffer, 0);
  const std::size_t total = core::load_be16(bytes.data() + 2);
  if (total < hlen) return fail(errc::total_length_below_header, 2);
  if (total > bytes.size()) return fail(errc::total_length_beyond_buffer, 2);
  basic_ipv4_view<Bytes> v;
  v.bytes_ = bytes.first(total);
  if (verify_checksum && !v.checksum_valid()) return fail(errc::bad_header_checksum, 10);
  return v;
}
} // namespace detail

/// Parses and validates an IPv4 packet at the start of `bytes` (trailing
/// bytes past total length, such as Ethernet padding, are ignored). `bytes`
/// is any contiguous range of std::byte; a writable one gives a
/// mutable_ipv4_view.
/// Errors: truncated (offset = size) below 20 bytes; bad_version (0);
/// ihl_too_small (0); header_beyond_buffer (0); total_length_below_header (2);
/// total_length_beyond_buffer (2); bad_header_checksum (10).
template <detail::byte_range R>
requires detail::lasting<R>
[[nodiscard]] inline result<basic_ipv4_view<detail::span_for<R>>, errc> parse_ipv4(R &&bytes) noexcept {
  return detail::parse_ipv4(detail::as_span(bytes), true);
}

/// As parse_ipv4 but without verifying the header checksum (for packets
/// whose checksum was offloaded or is checked elsewhere).
template <detail::byte_range R>
requires detail::lasting<R>
[[nodiscard]] inline result<basic_ipv4_view<detail::span_for<R>>, errc> parse_ipv4_unchecked(R &&bytes) noexcept {
  return detail::parse_ipv4(detail::as_span(bytes), false);
}

/// An ipv4_view points into its packet: parsing a temporary container
/// (`parse_ipv4(make_vector())`) would leave it dangling, so it does not compile.
template <detail::byte_range R>
requires(!detail::lasting<R>) result<ipv4_view, errc> parse_ipv4(R &&)
= delete;
/// See parse_ipv4: a view of a temporary container would dangle.
template <detail::byte_range R>
requires(!detail::lasting<R>) result<ipv4_view, errc> parse_ipv4_unchecked(R &&)
= delete;

/// Fields of an IPv4 header to build. Addresses are host-order integers
/// (192.0.2.1 is 0xC0000201). `fragment_offset` is in bytes and must be a
/// multiple of 8.
struct ipv4_fields {
  std::uint8_t tos = 0;
  std::uint16_t identification = 0;
  bool reserved_flag = false;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint32_t fragment_offset = 0;
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  std::uint32_t source = 0;
  std::uint32_t destination = 0;
  /// Raw options; padded with zero (end of list) to a multiple of 4.
  bytes_view options{};
};

/// Writes into `out` an IPv4 header for a payload of `payload_length`
/// bytes (which the caller writes after it), with the checksum computed.
/// Returns the header length.
/// Errors: options_too_long (offset 20) above 40 option bytes;
/// invalid_parameter (offset 6) for an unaligned or too large fragment
/// offset, (offset 2) when header + payload exceed 65535;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_ipv4_header(mutable_bytes out, const ipv4_fields &f,
                                                                 std::size_t payload_length) noexcept {
  if (f.options.size() > ipv4_max_options) return fail(errc::options_too_long, 20);
  const std::size_t hlen = ipv4_min_header + (f.options.size() + 3U) / 4U * 4U;
  if (f.fragment_offset % 8U != 0 || f.fragment_offset / 8U > 0x1FFFU) return fail(errc::invalid_parameter, 6);
  if (payload_length > ipv4_max_total - hlen) return fail(errc::invalid_parameter, 2);
  if (out.size() < hlen) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_u8(o, static_cast<std::uint8_t>(0x40U | (hlen / 4U)));
  core::store_u8(o + 1, f.tos);
  core::store_be16(o + 2, static_cast<std::uint16_t>(hlen + payload_length));
  core::store_be16(o + 4, f.identification);
  std::uint16_t ff = static_cast<std::uint16_t>(f.fragment_offset / 8U);
  if (f.reserved_flag) ff = static_cast<std::uint16_t>(ff | 0x8000U);
  if (f.dont_fragment) ff = static_cast<std::uint16_t>(ff | 0x4000U);
  if (f.more_fragments) ff = static_cast<std::uint16_t>(ff | 0x2000U);
  core::store_be16(o + 6, ff);
  core::store_u8(o + 8, f.ttl);
  core::store_u8(o + 9, f.protocol);
  core::store_be16(o + 10, 0);
  core::store_be32(o + 12, f.source);
  core::store_be32(o + 16, f.destination);
  std::size_t i = 20;
  for (std::byte x : f.options) o[i++] = x;
  for (; i < hlen; ++i) o[i] = std::byte{0};
  core::store_be16(o + 10, ipv4_header_checksum(out.first(hlen)));
  return hlen;
}

/// Recomputes and stores the header checksum of the IPv4 header at the
/// start of `packet`. Errors: truncated or ihl_too_small/header_beyond_buffer.
[[nodiscard]] inline result<void, errc> update_ipv4_checksum(mutable_bytes packet) noexcept {
  if (packet.size() < ipv4_min_header) return fail(errc::truncated, packet.size());
  const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(core::load_u8(packet.data()) & 0x0FU)} * 4U;
  if (hlen < ipv4_min_header) return fail(errc::ihl_too_small, 0);
  if (hlen > packet.size()) return fail(errc::header_beyond_buffer, 0);
  core::store_be16(packet.data() + 10, ipv4_header_checksum(packet.first(hlen)));
  return {};
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
