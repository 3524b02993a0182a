// UDP (RFC 768) over IPv4: a view, the pseudo-header checksum (a zero
// checksum means "not computed" and is accepted), and a builder.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"

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

class udp_view;
[[nodiscard]] inline result<udp_view, errc> parse_udp(bytes_view bytes) noexcept;

/// A validated UDP datagram.
class udp_view {
public:
  constexpr udp_view() noexcept = default;
  [[nodiscard]] std::uint16_t source_port() const noexcept { return core::load_be16(bytes_.data()); }
  [[nodiscard]] std::uint16_t destination_port() const noexcept { return core::load_be16(bytes_.data() + 2); }
  [[nodiscard]] std::uint16_t length() const noexcept { return core::load_be16(bytes_.data() + 4); }
  [[nodiscard]] std::uint16_t checksum() const noexcept { return core::load_be16(bytes_.data() + 6); }
  /// The datagram (header and payload, `length()` bytes).
  [[nodiscard]] bytes_view datagram() const noexcept { return bytes_; }
  [[nodiscard]] bytes_view payload() const noexcept { return bytes_.subspan(udp_header_size); }
  /// True when the checksum is zero (not computed) or verifies against the pseudo-header.
  [[nodiscard]] bool checksum_ok(std::uint32_t src, std::uint32_t dst) const noexcept {
    return checksum() == 0 || pseudo_header_checksum(src, dst, proto::udp, bytes_) == 0;
  }

private:
  friend result<udp_view, errc> parse_udp(bytes_view) noexcept;
  bytes_view bytes_{};
};

/// Parses a UDP datagram (the IPv4 payload). Bytes after `length` are ignored.
/// Errors: truncated (offset = size) below 8 bytes; udp_length_invalid (4)
/// when length is below 8 or beyond the bytes given.
[[nodiscard]] inline result<udp_view, errc> parse_udp(bytes_view bytes) noexcept {
  if (bytes.size() < udp_header_size) return fail(errc::truncated, bytes.size());
  const std::size_t len = core::load_be16(bytes.data() + 4);
  if (len < udp_header_size || len > bytes.size()) return fail(errc::udp_length_invalid, 4);
  udp_view v;
  v.bytes_ = bytes.first(len);
  return v;
}

/// Parses the UDP payload of an IPv4 packet and verifies its checksum.
/// Errors: as parse_udp; bad_udp_checksum (6) when a non-zero checksum fails.
[[nodiscard]] inline result<udp_view, errc> parse_udp_checked(const ipv4_view &ip) noexcept {
  auto u = parse_udp(ip.payload());
  if (!u) return u;
  if (!u->checksum_ok(ip.source(), ip.destination())) return fail(errc::bad_udp_checksum, 6);
  return u;
}

/// Writes a UDP header and copies `payload` after it. With compute_checksum
/// the pseudo-header checksum is stored (0 is sent as 0xFFFF, RFC 768);
/// otherwise the checksum is 0. Returns the datagram size.
/// Errors: invalid_parameter (4) when the datagram would exceed 65535 bytes;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport,
                                                         std::uint16_t dport, bytes_view payload, mutable_bytes out,
                                                         bool compute_checksum = true) noexcept {
  const std::size_t len = udp_header_size + payload.size();
  if (len > 65535) return fail(errc::invalid_parameter, 4);
  if (out.size() < len) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_be16(o, sport);
  core::store_be16(o + 2, dport);
  core::store_be16(o + 4, static_cast<std::uint16_t>(len));
  core::store_be16(o + 6, 0);
  if (!payload.empty()) std::memcpy(o + udp_header_size, payload.data(), payload.size());
  if (compute_checksum) {
    std::uint16_t c = pseudo_header_checksum(src, dst, proto::udp, out.first(len));
    if (c == 0) c = 0xFFFF;
    core::store_be16(o + 6, c);
  }
  return len;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
