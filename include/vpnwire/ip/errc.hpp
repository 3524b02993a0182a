// Error codes of the IPv4 area (vpnwire::ip): header, UDP and TCP views,
// builders, the fragmenter, the reassembler, MSS clamping and the tunnel
// MTU calculator. Offsets in a failed result count from the start of the
// span handed to the failing function.
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ip {

enum class errc : std::uint8_t {
  ok = 0,                     ///< Not an error; never stored in a failed result.
  truncated,                  ///< Fewer bytes than the fixed header needs (20 for IPv4, 8 UDP, 20 TCP).
  bad_version,                ///< IPv4 version field is not 4.
  ihl_too_small,              ///< IPv4 IHL below 5 (header shorter than 20 bytes).
  header_beyond_buffer,       ///< IHL * 4 is larger than the bytes available.
  total_length_below_header,  ///< IPv4 total length smaller than the header length.
  total_length_beyond_buffer, ///< IPv4 total length larger than the bytes available.
  bad_header_checksum,        ///< IPv4 header checksum does not verify.
  option_truncated,           ///< An IPv4 or TCP option's length byte is missing.
  option_length_invalid,      ///< An option length below 2 or past the end of the options.
  options_too_long,           ///< Builder: more than 40 bytes of IPv4 options.
  buffer_too_small,           ///< The output span is too small for what must be written.
  udp_length_invalid,         ///< UDP length below 8 or larger than the bytes available.
  bad_udp_checksum,           ///< UDP checksum (pseudo-header included) does not verify.
  tcp_data_offset_too_small,  ///< TCP data offset below 5.
  tcp_header_beyond_buffer,   ///< TCP data offset * 4 larger than the segment.
  not_tcp,                    ///< MSS clamp: the packet's protocol is not TCP (6).
  dont_fragment,              ///< Fragmenter: DF is set and the packet exceeds the MTU.
  mtu_too_small,              ///< Fragmenter: the MTU cannot carry a header and 8 data bytes.
  empty_fragment,             ///< Reassembler: a fragment without payload.
  misaligned_fragment,        ///< Reassembler: MF set and payload length not a multiple of 8.
  oversize,                   ///< Reassembler: fragment end or datagram size beyond 65535.
  inconsistent_length,        ///< Reassembler: a second, different final end, or data beyond it.
  overlap,                    ///< Reassembler: overlapping fragment (datagram dropped, RFC 5722 rule).
  duplicate_fragment,         ///< Reassembler: exact duplicate of a stored fragment (dropped alone).
  too_many_fragments,         ///< Reassembler: the datagram exceeded the per-datagram fragment cap.
  budget_exhausted,           ///< Reassembler: the fragment alone does not fit in the byte budget.
  not_a_fragment,             ///< A fragment operation was given an unfragmented packet.
  invalid_parameter           ///< A calculator or engine parameter is out of its domain.
};

/// The enumerator's name, e.g. "misaligned_fragment".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::truncated: return "truncated";
  case errc::bad_version: return "bad_version";
  case errc::ihl_too_small: return "ihl_too_small";
  case errc::header_beyond_buffer: return "header_beyond_buffer";
  case errc::total_length_below_header: return "total_length_below_header";
  case errc::total_length_beyond_buffer: return "total_length_beyond_buffer";
  case errc::bad_header_checksum: return "bad_header_checksum";
  case errc::option_truncated: return "option_truncated";
  case errc::option_length_invalid: return "option_length_invalid";
  case errc::options_too_long: return "options_too_long";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::udp_length_invalid: return "udp_length_invalid";
  case errc::bad_udp_checksum: return "bad_udp_checksum";
  case errc::tcp_data_offset_too_small: return "tcp_data_offset_too_small";
  case errc::tcp_header_beyond_buffer: return "tcp_header_beyond_buffer";
  case errc::not_tcp: return "not_tcp";
  case errc::dont_fragment: return "dont_fragment";
  case errc::mtu_too_small: return "mtu_too_small";
  case errc::empty_fragment: return "empty_fragment";
  case errc::misaligned_fragment: return "misaligned_fragment";
  case errc::oversize: return "oversize";
  case errc::inconsistent_length: return "inconsistent_length";
  case errc::overlap: return "overlap";
  case errc::duplicate_fragment: return "duplicate_fragment";
  case errc::too_many_fragments: return "too_many_fragments";
  case errc::budget_exhausted: return "budget_exhausted";
  case errc::not_a_fragment: return "not_a_fragment";
  case errc::invalid_parameter: return "invalid_parameter";
  }
  return "unknown";
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
