// IPv4 header (RFC 791): a bounds-checked view with option iteration, the
// header checksum, and a builder that writes a header into a caller buffer.
//
//   auto v = ip::parse_ipv4(bytes);            // validates IHL, lengths, checksum
//   if (!v) return report(v.code(), v.offset());
//   if (v->is_fragment()) reassembler.submit(...);
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
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

/// IP protocol numbers used in this library.
namespace proto {
inline constexpr std::uint8_t icmp = 1;
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
inline constexpr std::uint8_t esp = 50;
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

/// Iterates over a type-length-value options area in which types 0 (end of
/// list) and 1 (no-operation) are single bytes: IPv4 (RFC 791) and TCP
/// (RFC 9293) options share this layout. Stops at end of list.
class option_reader {
public:
  constexpr explicit option_reader(bytes_view options) noexcept : bytes_(options) {}

  /// No more options (end of span or end-of-list seen).
  [[nodiscard]] constexpr bool done() const noexcept { return pos_ >= bytes_.size() || ended_; }

  /// The next option, including NOPs and the end-of-list option itself.
  /// Errors (offset = the option's type byte within the options area):
  /// option_truncated when the length byte is missing; option_length_invalid
  /// when the length is below 2 or runs past the end. After an error, done() is true.
  [[nodiscard]] result<option, errc> next() noexcept {
    if (done()) return fail(errc::option_truncated, pos_);
    const std::size_t at = pos_;
    const std::uint8_t type = core::load_u8(bytes_.data() + at);
    if (type == ipv4_option::end_of_list || type == ipv4_option::nop) {
      pos_ = at + 1;
      if (type == ipv4_option::end_of_list) ended_ = true;
      return option{type, at, bytes_view{}, 1};
    }
    if (at + 1 >= bytes_.size()) {
      ended_ = true;
      return fail(errc::option_truncated, at);
    }
    const std::size_t len = core::load_u8(bytes_.data() + at + 1);
    if (len < 2 || len > bytes_.size() - at) {
      ended_ = true;
      return fail(errc::option_length_invalid, at);
    }
    pos_ = at + len;
    return option{type, at, bytes_.subspan(at + 2, len - 2), len};
  }

private:
  bytes_view bytes_;
  std::size_t pos_ = 0;
  bool ended_ = false;
};

class ipv4_view;
[[nodiscard]] inline result<ipv4_view, errc> parse_ipv4_impl(bytes_view bytes, bool verify_checksum) noexcept;

/// A validated IPv4 packet. Holds the span it was parsed from; the span must
/// outlive the view.
class ipv4_view {
public:
  constexpr ipv4_view() noexcept = default;

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
  [[nodiscard]] bool checksum_valid() const noexcept { return internet_checksum_of_header() == 0; }

  /// The header including options.
  [[nodiscard]] bytes_view header() const noexcept { return bytes_.first(header_length()); }
  /// The options area (IHL * 4 - 20 bytes, possibly padded with EOL).
  [[nodiscard]] bytes_view options() const noexcept { return bytes_.subspan(20, header_length() - 20); }
  /// The payload: bytes from the end of the header to total length.
  [[nodiscard]] bytes_view payload() const noexcept {
    return bytes_.subspan(header_length(), std::size_t{total_length()} - header_length());
  }
  /// The whole packet (total length bytes; trailing link padding excluded).
  [[nodiscard]] bytes_view packet() const noexcept { return bytes_.first(total_length()); }

private:
  friend result<ipv4_view, errc> parse_ipv4_impl(bytes_view, bool) noexcept;
  [[nodiscard]] const std::byte *p() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::uint8_t b(std::size_t i) const noexcept { return core::load_u8(p() + i); }
  [[nodiscard]] std::uint16_t internet_checksum_of_header() const noexcept {
    return core::header_checksum(bytes_.data(), header_length());
  }
  bytes_view bytes_{};
};

/// Shared by parse_ipv4 and parse_ipv4_unchecked (not part of the API: use those).
[[nodiscard]] inline result<ipv4_view, errc> parse_ipv4_impl(bytes_view bytes, bool verify_checksum) noexcept {
  if (bytes.size() < ipv4_min_header) return fail(errc::truncated, bytes.size());
  const auto b0 = core::load_u8(bytes.data());
  if ((b0 >> 4) != 4) return fail(errc::bad_version, 0);
  const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(b0 & 0x0FU)} * 4U;
  if (hlen < ipv4_min_header) return fail(errc::ihl_too_small, 0);
  if (hlen > bytes.size()) return fail(errc::header_beyond_buffer, 0);
  const std::size_t total = core::load_be16(bytes.data() + 2);
  if (total < hlen) return fail(errc::total_length_below_header, 2);
  if (total > bytes.size()) return fail(errc::total_length_beyond_buffer, 2);
  ipv4_view v;
  v.bytes_ = bytes.first(total);
  if (verify_checksum && !v.checksum_valid()) return fail(errc::bad_header_checksum, 10);
  return v;
}

/// Parses and validates an IPv4 packet at the start of `bytes` (trailing
/// bytes past total length, such as Ethernet padding, are ignored).
/// Errors: truncated (offset = size) below 20 bytes; bad_version (0);
/// ihl_too_small (0); header_beyond_buffer (0); total_length_below_header (2);
/// total_length_beyond_buffer (2); bad_header_checksum (10).
[[nodiscard]] inline result<ipv4_view, errc> parse_ipv4(bytes_view bytes) noexcept {
  return parse_ipv4_impl(bytes, true);
}

/// As parse_ipv4 but without verifying the header checksum (for packets
/// whose checksum was offloaded or is checked elsewhere).
[[nodiscard]] inline result<ipv4_view, errc> parse_ipv4_unchecked(bytes_view bytes) noexcept {
  return parse_ipv4_impl(bytes, false);
}

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

/// Writes an IPv4 header for a payload of `payload_length` bytes into
/// `out`, with the checksum computed. Returns the header length.
/// Errors: options_too_long (offset 20) above 40 option bytes;
/// invalid_parameter (offset 6) for an unaligned or too large fragment
/// offset, (offset 2) when header + payload exceed 65535;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_ipv4_header(const ipv4_fields &f, std::size_t payload_length,
                                                                 mutable_bytes out) noexcept {
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
