// Error codes of the ICMP and ICMPv6 views and builders (ip/icmp.hpp,
// ip/icmpv6.hpp, ip/icmp_quote.hpp). They are kept apart from ip::errc so
// the ICMP headers and the IP headers can change independently; the
// pattern is core/errc.hpp's. Offsets count from the start of the span
// handed to the failing function.
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ip {

enum class icmp_errc : std::uint8_t {
  ok = 0,                     ///< Not an error; never stored in a failed result.
  truncated,                  ///< Fewer than the 8 bytes of an ICMP or ICMPv6 header.
  bad_checksum,               ///< The checksum does not verify (ICMPv6: with its pseudo-header).
  not_an_error_message,       ///< The message is not an error type that quotes a packet.
  quote_truncated,            ///< The quoted packet is shorter than its fixed IP header (20 or 40 bytes).
  quote_bad_version,          ///< The quoted packet's version is not 4 (in ICMP) or 6 (in ICMPv6).
  quote_ihl_too_small,        ///< The quoted IPv4 header's IHL is below 5.
  quote_header_beyond_buffer, ///< The quoted IPv4 header (IHL * 4) is longer than the quote.
  buffer_too_small,           ///< Builder: the output span cannot hold the message.
  invalid_parameter           ///< Builder: a type that is not an error, or a value outside its field.
};

/// The enumerator's name, e.g. "quote_truncated".
[[nodiscard]] constexpr std::string_view name(icmp_errc e) noexcept {
  switch (e) {
  case icmp_errc::ok: return "ok";
  case icmp_errc::truncated: return "truncated";
  case icmp_errc::bad_checksum: return "bad_checksum";
  case icmp_errc::not_an_error_message: return "not_an_error_message";
  case icmp_errc::quote_truncated: return "quote_truncated";
  case icmp_errc::quote_bad_version: return "quote_bad_version";
  case icmp_errc::quote_ihl_too_small: return "quote_ihl_too_small";
  case icmp_errc::quote_header_beyond_buffer: return "quote_header_beyond_buffer";
  case icmp_errc::buffer_too_small: return "buffer_too_small";
  case icmp_errc::invalid_parameter: return "invalid_parameter";
  }
  return "unknown";
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
