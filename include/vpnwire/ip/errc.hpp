// Error codes of the IP area (vpnwire::ip): IPv4 and IPv6 header views,
// the IPv6 extension-header chain, UDP and TCP views, builders, the
// fragmenter, the reassemblers, MSS clamping and the tunnel MTU calculator.
// Offsets in a failed result count from the start of the span handed to the
// failing function. scope() / is_fatal() say what an error ended: one
// packet, the reassembly of a datagram, or nothing (a usage error).
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ip {

enum class errc : std::uint8_t {
  ok = 0,                       ///< Not an error; never stored in a failed result.
  truncated,                    ///< Fewer bytes than the fixed header needs (20 for IPv4, 8 UDP, 20 TCP).
  bad_version,                  ///< IPv4 version field is not 4.
  ihl_too_small,                ///< IPv4 IHL below 5 (header shorter than 20 bytes).
  header_beyond_buffer,         ///< IHL * 4 is larger than the bytes available.
  total_length_below_header,    ///< IPv4 total length smaller than the header length.
  total_length_beyond_buffer,   ///< IPv4 total length larger than the bytes available.
  bad_header_checksum,          ///< IPv4 header checksum does not verify.
  option_truncated,             ///< An IPv4 or TCP option's length byte is missing.
  option_length_invalid,        ///< An option length below 2 or past the end of the options.
  options_too_long,             ///< Builder: more than 40 bytes of IPv4 options.
  buffer_too_small,             ///< The output span is too small for what must be written.
  udp_length_invalid,           ///< UDP length below 8 or larger than the bytes available.
  bad_udp_checksum,             ///< UDP checksum (pseudo-header included) does not verify.
  tcp_data_offset_too_small,    ///< TCP data offset below 5.
  tcp_header_beyond_buffer,     ///< TCP data offset * 4 larger than the segment.
  not_tcp,                      ///< MSS clamp: the packet's protocol is not TCP (6).
  dont_fragment,                ///< Fragmenter: DF is set and the packet exceeds the MTU.
  mtu_too_small,                ///< Fragmenter: the MTU cannot carry a header and 8 data bytes.
  empty_fragment,               ///< Reassembler: a fragment without payload.
  misaligned_fragment,          ///< Reassembler: MF set and payload length not a multiple of 8.
  oversize,                     ///< Reassembler: the fragment ends beyond 65535 (IPv6: its datagram's payload would).
  inconsistent_length,          ///< Reassembler: a second, different final end, or data beyond it.
  overlap,                      ///< Reassembler: overlapping fragment (datagram dropped, RFC 5722 rule).
  duplicate_fragment,           ///< Reassembler: exact duplicate of a stored fragment (dropped alone).
  too_many_fragments,           ///< Reassembler: the datagram exceeded the per-datagram fragment cap.
  budget_exhausted,             ///< Reassembler: the fragment alone does not fit in the byte budget.
  not_a_fragment,               ///< A fragment operation was given an unfragmented packet.
  invalid_parameter,            ///< A calculator or engine parameter is out of its domain.
  bad_tcp_checksum,             ///< TCP checksum (pseudo-header included) does not verify.
  datagram_too_large,           ///< Reassembler: the completed datagram exceeds 65535 bytes (IPv4 total, IPv6 payload).
  payload_length_beyond_buffer, ///< IPv6 payload length larger than the bytes available.
  extension_header_truncated,   ///< An IPv6 extension header (or its length) runs past the payload.
  hop_by_hop_not_first,         ///< An IPv6 Hop-by-Hop Options header not right after the IPv6 header (RFC 8200 §4.1).
  too_many_extension_headers,   ///< More IPv6 extension headers than the chain limit allows.
  header_chain_too_long,        ///< The IPv6 header chain is longer than the chain limit allows.
  multiple_fragment_headers,    ///< A second IPv6 Fragment header in one packet.
  incomplete_header_chain,      ///< RFC 7112: a first fragment without the whole chain through the upper-layer header.
  zero_udp_checksum,            ///< UDP over IPv6 with a zero checksum (RFC 8200 §8.1: not allowed).
  not_udp,                      ///< The packet's upper-layer protocol is not UDP (17).
  fragment_not_reassembled,     ///< A whole packet was needed but this is a fragment (reassemble it first).
  out_of_memory                 ///< An engine could not allocate its tables (create()).
};

/// What an error ended, in the spirit of ngtcp2_err_is_fatal: an embedder
/// counts packet errors and goes on; a datagram error also means that the
/// fragments received before for that datagram are gone; a usage error is
/// the caller's (an output buffer, a parameter), not the peer's.
enum class error_scope : std::uint8_t {
  none,     ///< errc::ok.
  packet,   ///< Only this packet (or fragment) is dropped; all other state is kept.
  datagram, ///< Fatal for the reassembly context: the datagram the fragment belonged to was dropped.
  usage     ///< A call the library cannot serve as made: fix the call (buffer size, parameter).
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
  case errc::bad_tcp_checksum: return "bad_tcp_checksum";
  case errc::datagram_too_large: return "datagram_too_large";
  case errc::payload_length_beyond_buffer: return "payload_length_beyond_buffer";
  case errc::extension_header_truncated: return "extension_header_truncated";
  case errc::hop_by_hop_not_first: return "hop_by_hop_not_first";
  case errc::too_many_extension_headers: return "too_many_extension_headers";
  case errc::header_chain_too_long: return "header_chain_too_long";
  case errc::multiple_fragment_headers: return "multiple_fragment_headers";
  case errc::incomplete_header_chain: return "incomplete_header_chain";
  case errc::zero_udp_checksum: return "zero_udp_checksum";
  case errc::not_udp: return "not_udp";
  case errc::fragment_not_reassembled: return "fragment_not_reassembled";
  case errc::out_of_memory: return "out_of_memory";
  }
  return "unknown";
}

/// The scope of an error (see error_scope). Reassembler errors that drop
/// the datagram the fragment belonged to (inconsistent_length, overlap,
/// too_many_fragments, budget_exhausted, datagram_too_large) are `datagram`;
/// buffer_too_small, options_too_long, mtu_too_small, invalid_parameter,
/// not_a_fragment and out_of_memory are `usage` (a reassembler given a
/// too small output buffer also drops that datagram, see submit()); every
/// other error is `packet`.
[[nodiscard]] constexpr error_scope scope(errc e) noexcept {
  switch (e) {
  case errc::ok: return error_scope::none;
  case errc::inconsistent_length:
  case errc::overlap:
  case errc::too_many_fragments:
  case errc::budget_exhausted:
  case errc::datagram_too_large: return error_scope::datagram;
  case errc::buffer_too_small:
  case errc::options_too_long:
  case errc::mtu_too_small:
  case errc::invalid_parameter:
  case errc::not_a_fragment:
  case errc::out_of_memory: return error_scope::usage;
  case errc::truncated:
  case errc::bad_version:
  case errc::ihl_too_small:
  case errc::header_beyond_buffer:
  case errc::total_length_below_header:
  case errc::total_length_beyond_buffer:
  case errc::bad_header_checksum:
  case errc::option_truncated:
  case errc::option_length_invalid:
  case errc::udp_length_invalid:
  case errc::bad_udp_checksum:
  case errc::tcp_data_offset_too_small:
  case errc::tcp_header_beyond_buffer:
  case errc::not_tcp:
  case errc::dont_fragment:
  case errc::empty_fragment:
  case errc::misaligned_fragment:
  case errc::oversize:
  case errc::duplicate_fragment:
  case errc::bad_tcp_checksum:
  case errc::payload_length_beyond_buffer:
  case errc::extension_header_truncated:
  case errc::hop_by_hop_not_first:
  case errc::too_many_extension_headers:
  case errc::header_chain_too_long:
  case errc::multiple_fragment_headers:
  case errc::incomplete_header_chain:
  case errc::zero_udp_checksum:
  case errc::not_udp:
  case errc::fragment_not_reassembled: return error_scope::packet;
  }
  return error_scope::packet;
}

/// True when the error is fatal for its reassembly context: the datagram
/// the fragment belonged to has been dropped with every fragment held for
/// it (the ngtcp2_err_is_fatal of the IP area). Per-packet and usage
/// errors are not fatal.
[[nodiscard]] constexpr bool is_fatal(errc e) noexcept { return scope(e) == error_scope::datagram; }

/// The enumerator's name, e.g. "datagram".
[[nodiscard]] constexpr std::string_view name(error_scope s) noexcept {
  switch (s) {
  case error_scope::none: return "none";
  case error_scope::packet: return "packet";
  case error_scope::datagram: return "datagram";
  case error_scope::usage: return "usage";
  }
  return "unknown";
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
