// TCP MSS clamping (the fix for tunnels whose path MTU is smaller than the
// hosts believe): the MSS option of a SYN or SYN-ACK is lowered in place to
// min(current, limit) and the TCP checksum is patched with RFC 1624's
// incremental update, so the rest of the segment is never read for a sum.
// IPv4 and IPv6 (after the extension headers); clamp_mss picks by version.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/tcp.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ip {

enum class mss_clamp_status : std::uint8_t {
  clamped,           ///< The MSS was above the limit and has been lowered.
  already_below,     ///< The MSS was at or below the limit; nothing changed.
  no_mss_option,     ///< SYN without an MSS option (nothing to clamp; RFC 9293 default 536 applies).
  not_syn,           ///< Not a SYN or SYN-ACK.
  non_first_fragment ///< A fragment with a non-zero offset: no TCP header inside.
};

/// The enumerator's name, e.g. "already_below".
[[nodiscard]] constexpr std::string_view name(mss_clamp_status s) noexcept {
  switch (s) {
  case mss_clamp_status::clamped: return "clamped";
  case mss_clamp_status::already_below: return "already_below";
  case mss_clamp_status::no_mss_option: return "no_mss_option";
  case mss_clamp_status::not_syn: return "not_syn";
  case mss_clamp_status::non_first_fragment: return "non_first_fragment";
  }
  return "unknown";
}

struct mss_clamp_result {
  mss_clamp_status status = mss_clamp_status::not_syn;
  std::uint16_t old_mss = 0;
  std::uint16_t new_mss = 0;
};

namespace detail {
// Patches the 16-bit checksum at `csum` after the two bytes at segment
// offset `at` changed from old_value to new_value. The sum works on words at
// even offsets of the segment; a value at an odd offset straddles two words.
inline void patch_checksum(std::byte *seg, std::size_t at, std::uint16_t old_value, std::uint16_t new_value,
                           std::byte *csum) noexcept {
  std::uint16_t c = core::load_be16(csum);
  if ((at & 1U) == 0) {
    c = core::checksum_update(c, old_value, new_value);
  } else {
    // Words (seg[at-1], hi) and (lo, seg[at+2]).
    const auto prev = static_cast<std::uint16_t>(core::load_u8(seg + at - 1) << 8);
    const auto next = static_cast<std::uint16_t>(core::load_u8(seg + at + 2));
    c = core::checksum_update(c, static_cast<std::uint16_t>(prev | (old_value >> 8)),
                              static_cast<std::uint16_t>(prev | (new_value >> 8)));
    c = core::checksum_update(c, static_cast<std::uint16_t>(((old_value & 0xFFU) << 8) | next),
                              static_cast<std::uint16_t>(((new_value & 0xFFU) << 8) | next));
  }
  core::store_be16(csum, c);
}
// Clamps the TCP segment `seg`, which starts at offset `base` of the
// packet (error offsets count from the packet's start).
[[nodiscard]] inline result<mss_clamp_result, errc> clamp_segment(mutable_bytes seg, std::size_t base,
                                                                  std::size_t limit) noexcept {
  auto tr = detail::parse_tcp(seg);
  if (!tr) return fail(tr.code(), base + tr.offset());
  const mutable_tcp_view &tcp = *tr;
  if (!tcp.syn()) return mss_clamp_result{mss_clamp_status::not_syn, 0, 0};
  option_reader opts(tcp.options(), base + tcp_min_header);
  std::size_t mss_at = 0;
  std::uint16_t mss = 0;
  bool found = false;
  while (!opts.done()) {
    auto o = opts.next();
    if (!o) return o.error();
    if (o->type != tcp_option::mss) continue;
    if (o->data.size() != 2) return fail(errc::option_length_invalid, base + tcp_min_header + o->offset);
    if (!found) { // the first MSS option is the one hosts use
      found = true;
      mss_at = tcp_min_header + o->offset + 2;
      mss = core::load_be16(o->data.data());
    }
  }
  if (!found) return mss_clamp_result{mss_clamp_status::no_mss_option, 0, 0};
  if (mss <= limit) return mss_clamp_result{mss_clamp_status::already_below, mss, mss};
  const auto lowered = static_cast<std::uint16_t>(limit); // limit < mss <= 65535
  patch_checksum(seg.data(), mss_at, mss, lowered, seg.data() + 16);
  core::store_be16(seg.data() + mss_at, lowered);
  return mss_clamp_result{mss_clamp_status::clamped, mss, lowered};
}
} // namespace detail

/// Lowers the MSS option of a TCP SYN (or SYN-ACK) inside the IPv4
/// packet `packet` to `limit` when it is larger; never raises it. Only the
/// option value and the TCP checksum are written. A non-first fragment is
/// skipped; a first fragment (MF set, offset 0) is clamped when its TCP
/// header is complete. The IPv4 header checksum is not verified (routers
/// clamp before or after their own checks) and is unchanged. `limit` has
/// the type of tunnel_limits::tcp_mss; a limit above 65535 never lowers
/// anything.
///
/// Errors, with nothing written: any parse_ipv4_unchecked error; not_tcp (9);
/// parse_tcp errors offset by the IPv4 header length; option_truncated or
/// option_length_invalid (offset of the option in the packet), also for an
/// MSS option whose length is not 4.
[[nodiscard]] inline result<mss_clamp_result, errc> clamp_mss_ipv4(mutable_bytes packet, std::size_t limit) noexcept {
  auto ipr = parse_ipv4_unchecked(packet);
  if (!ipr) return ipr.error();
  const mutable_ipv4_view &ip = *ipr;
  if (ip.protocol() != proto::tcp) return fail(errc::not_tcp, 9);
  if (ip.fragment_offset() != 0) return mss_clamp_result{mss_clamp_status::non_first_fragment, 0, 0};
  return detail::clamp_segment(ip.payload(), ip.header_length(), limit);
}

/// As clamp_mss_ipv4, for an IPv6 packet: the TCP segment is found after
/// the extension headers (RFC 8200); a non-first fragment is skipped; a
/// first fragment is clamped when its TCP header is complete (RFC 7112
/// requires it). The TCP checksum is patched with RFC 1624's update, which
/// holds for the IPv6 pseudo-header as well (it does not change).
///
/// Errors, with nothing written: any parse_ipv6 error; the errors of
/// basic_ipv6_view::upper_layer (header chain); not_tcp (the offset of the
/// upper-layer header) when the chain does not end at TCP; parse_tcp
/// errors and option errors offset by the segment's position.
[[nodiscard]] inline result<mss_clamp_result, errc> clamp_mss_ipv6(mutable_bytes packet, std::size_t limit,
                                                                   ipv6_chain_limits chain = {}) noexcept {
  auto ipr = parse_ipv6(packet);
  if (!ipr) return ipr.error();
  auto ul = ipr->upper_layer(chain);
  if (!ul) return ul.error();
  if (ul->is_fragment() && ul->fragment_offset != 0)
    return mss_clamp_result{mss_clamp_status::non_first_fragment, 0, 0};
  if (ul->protocol != proto::tcp) return fail(errc::not_tcp, ul->offset);
  return detail::clamp_segment(ul->bytes, ul->offset, limit);
}

/// Clamps the MSS of a TCP SYN in an IPv4 or IPv6 packet (by its version
/// field): clamp_mss_ipv4 or clamp_mss_ipv6, with their errors.
/// Errors: truncated (0) for an empty packet; bad_version (0) for a version
/// other than 4 or 6.
[[nodiscard]] inline result<mss_clamp_result, errc> clamp_mss(mutable_bytes packet, std::size_t limit) noexcept {
  if (packet.empty()) return fail(errc::truncated, 0);
  switch (core::load_u8(packet.data()) >> 4) {
  case 4: return clamp_mss_ipv4(packet, limit);
  case 6: return clamp_mss_ipv6(packet, limit);
  default: return fail(errc::bad_version, 0);
  }
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
