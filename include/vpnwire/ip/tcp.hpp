// TCP header (RFC 9293 §3.1): a bounds-checked view and option iteration.
// Option iteration shares ip::option_reader (same kind-length layout, kinds
// 0 and 1 single-byte).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/udp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

inline constexpr std::size_t tcp_min_header = 20;

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

class tcp_view;
[[nodiscard]] inline result<tcp_view, errc> parse_tcp(bytes_view bytes) noexcept;

/// A validated TCP segment.
class tcp_view {
public:
  constexpr tcp_view() noexcept = default;
  [[nodiscard]] std::uint16_t source_port() const noexcept { return core::load_be16(p()); }
  [[nodiscard]] std::uint16_t destination_port() const noexcept { return core::load_be16(p() + 2); }
  [[nodiscard]] std::uint32_t sequence() const noexcept { return core::load_be32(p() + 4); }
  [[nodiscard]] std::uint32_t acknowledgment() const noexcept { return core::load_be32(p() + 8); }
  /// Header length in bytes (20..60).
  [[nodiscard]] std::size_t header_length() const noexcept {
    return std::size_t{static_cast<std::uint8_t>(core::load_u8(p() + 12) >> 4)} * 4U;
  }
  /// The eight flag bits (CWR..FIN); see tcp_flag.
  [[nodiscard]] std::uint8_t flags() const noexcept { return core::load_u8(p() + 13); }
  [[nodiscard]] bool syn() const noexcept { return (flags() & tcp_flag::syn) != 0; }
  [[nodiscard]] bool ack() const noexcept { return (flags() & tcp_flag::ack) != 0; }
  [[nodiscard]] std::uint16_t window() const noexcept { return core::load_be16(p() + 14); }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return core::load_be16(p() + 16); }
  [[nodiscard]] std::uint16_t urgent_pointer() const noexcept { return core::load_be16(p() + 18); }
  [[nodiscard]] bytes_view options() const noexcept { return bytes_.subspan(20, header_length() - 20); }
  [[nodiscard]] bytes_view payload() const noexcept { return bytes_.subspan(header_length()); }
  [[nodiscard]] bytes_view segment() const noexcept { return bytes_; }
  /// Iterates the options (see option_reader for the errors of next()).
  [[nodiscard]] option_reader option_iter() const noexcept { return option_reader(options()); }
  /// True when the checksum verifies over the IPv4 pseudo-header.
  [[nodiscard]] bool checksum_ok(std::uint32_t src, std::uint32_t dst) const noexcept {
    return pseudo_header_checksum(src, dst, proto::tcp, bytes_) == 0;
  }

private:
  friend result<tcp_view, errc> parse_tcp(bytes_view) noexcept;
  [[nodiscard]] const std::byte *p() const noexcept { return bytes_.data(); }
  bytes_view bytes_{};
};

/// Parses a TCP segment (the whole IPv4 payload).
/// Errors: truncated (offset = size) below 20 bytes; tcp_data_offset_too_small (12);
/// tcp_header_beyond_buffer (12).
[[nodiscard]] inline result<tcp_view, errc> parse_tcp(bytes_view bytes) noexcept {
  if (bytes.size() < tcp_min_header) return fail(errc::truncated, bytes.size());
  const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(core::load_u8(bytes.data() + 12) >> 4)} * 4U;
  if (hlen < tcp_min_header) return fail(errc::tcp_data_offset_too_small, 12);
  if (hlen > bytes.size()) return fail(errc::tcp_header_beyond_buffer, 12);
  tcp_view v;
  v.bytes_ = bytes;
  return v;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
