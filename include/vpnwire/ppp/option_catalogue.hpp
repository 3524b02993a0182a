// The configuration options of the PPP control protocols that share LCP's
// packet format (RFC 1661 §5-6): LCP, IPCP (RFC 1332, RFC 1877), CCP
// (RFC 1962 and the compression RFCs) and IPV6CP (RFC 5072). One table per
// protocol, one row per option:
//
//   X(enumerator, type, .name, .layout, .min_length, .max_length, .wireshark)
//
// Lengths are the option's Length field (Type and Length octets included),
// as the RFCs state them; .wireshark is the Wireshark 4.0 display-filter
// field of the option (of its value where Wireshark has one). From the
// tables come the lcp_option / ipcp_option / ccp_option / ipv6cp_option
// constants, option_catalogue() and the length checks of the typed
// accessors in control.hpp. Adding an option is one row.
#pragma once

#include "vpnwire/ppp/frame.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

// clang-format off
/// The control protocols: X(enumerator, PPP protocol number (frame.hpp), name).
#define VPNWIRE_PPP_CONTROL_PROTOCOLS(X)                                                                               \
  X(lcp,    protocol::lcp,    "LCP")                                                                                     \
  X(ipcp,   protocol::ipcp,   "IPCP")                                                                                    \
  X(ccp,    protocol::ccp,    "CCP")                                                                                     \
  X(ipv6cp, protocol::ipv6cp, "IPV6CP")

/// LCP options (RFC 1661 §6; ACCM RFC 1662 §7.1; FCS-Alternatives RFC 1570; MRRU RFC 1990).
#define VPNWIRE_PPP_LCP_OPTIONS(X)                                                                                     \
  X(mru,                                1, .name = "Maximum-Receive-Unit", .layout = u16, .min_length = 4,             \
    .max_length = 4, .wireshark = "lcp.opt.mru")                                                                       \
  X(accm,                               2, .name = "Async-Control-Character-Map", .layout = u32, .min_length = 6,      \
    .max_length = 6, .wireshark = "lcp.opt.asyncmap")                                                                  \
  X(authentication_protocol,            3, .name = "Authentication-Protocol", .layout = structured,                    \
    .min_length = 4, .max_length = 255, .wireshark = "lcp.opt.auth_protocol")                                          \
  X(quality_protocol,                   4, .name = "Quality-Protocol", .layout = structured, .min_length = 4,          \
    .max_length = 255, .wireshark = "lcp.opt.quality_protocol")                                                        \
  X(magic_number,                       5, .name = "Magic-Number", .layout = u32, .min_length = 6, .max_length = 6,    \
    .wireshark = "lcp.opt.magic_number")                                                                               \
  X(protocol_field_compression,         7, .name = "Protocol-Field-Compression", .layout = flag, .min_length = 2,      \
    .max_length = 2, .wireshark = "lcp.opt.field_compress")                                                            \
  X(address_control_field_compression,  8, .name = "Address-and-Control-Field-Compression", .layout = flag,            \
    .min_length = 2, .max_length = 2, .wireshark = "lcp.opt.addr_field_compress")                                      \
  X(fcs_alternatives,                   9, .name = "FCS-Alternatives", .layout = u8, .min_length = 3, .max_length = 3, \
    .wireshark = "lcp.opt.fcs_alternatives")                                                                           \
  X(mrru,                              17, .name = "Multilink-MRRU", .layout = u16, .min_length = 4, .max_length = 4,  \
    .wireshark = "lcp.opt.mrru")

/// IPCP options (RFC 1332 §3; DNS and NBNS RFC 1877 §1).
#define VPNWIRE_PPP_IPCP_OPTIONS(X)                                                                                    \
  X(ip_compression_protocol,  2, .name = "IP-Compression-Protocol", .layout = structured, .min_length = 4,             \
    .max_length = 255, .wireshark = "ipcp.opt.compress_proto")                                                         \
  X(ip_address,               3, .name = "IP-Address", .layout = ipv4_address, .min_length = 6, .max_length = 6,       \
    .wireshark = "ipcp.opt.ip_address")                                                                                \
  X(primary_dns,            129, .name = "Primary-DNS-Server-Address", .layout = ipv4_address, .min_length = 6,        \
    .max_length = 6, .wireshark = "ipcp.opt.pri_dns_address")                                                          \
  X(primary_nbns,           130, .name = "Primary-NBNS-Server-Address", .layout = ipv4_address, .min_length = 6,       \
    .max_length = 6, .wireshark = "ipcp.opt.pri_nbns_address")                                                         \
  X(secondary_dns,          131, .name = "Secondary-DNS-Server-Address", .layout = ipv4_address, .min_length = 6,      \
    .max_length = 6, .wireshark = "ipcp.opt.sec_dns_address")                                                          \
  X(secondary_nbns,         132, .name = "Secondary-NBNS-Server-Address", .layout = ipv4_address, .min_length = 6,     \
    .max_length = 6, .wireshark = "ipcp.opt.sec_nbns_address")

/// CCP options: the compression methods (RFC 1962 §4; Predictor RFC 1978,
/// Stac LZS RFC 1974, MPPC RFC 2118, BSD-Compress RFC 1977, Deflate RFC 1979).
#define VPNWIRE_PPP_CCP_OPTIONS(X)                                                                                     \
  X(oui,           0, .name = "OUI", .layout = structured, .min_length = 6, .max_length = 255,                         \
    .wireshark = "ccp.opt.oui")                                                                                        \
  X(predictor1,    1, .name = "Predictor type 1", .layout = flag, .min_length = 2, .max_length = 2,                    \
    .wireshark = "ccp.opt.predict1")                                                                                   \
  X(predictor2,    2, .name = "Predictor type 2", .layout = flag, .min_length = 2, .max_length = 2,                    \
    .wireshark = "ccp.opt.predict2")                                                                                   \
  X(stac_lzs,     17, .name = "Stac-LZS", .layout = structured, .min_length = 5, .max_length = 5,                      \
    .wireshark = "ccp.opt.stac")                                                                                       \
  X(mppc,         18, .name = "Microsoft-PPC", .layout = u32, .min_length = 6, .max_length = 6,                        \
    .wireshark = "ccp.opt.supported_bits")                                                                             \
  X(bsd_compress, 21, .name = "BSD-Compress", .layout = u8, .min_length = 3, .max_length = 3,                          \
    .wireshark = "ccp.opt.vd")                                                                                         \
  X(deflate,      26, .name = "Deflate", .layout = structured, .min_length = 4, .max_length = 4,                       \
    .wireshark = "ccp.opt.deflate")

/// IPV6CP options (RFC 5072 §4). The compression option has no typed view:
/// it is walked and length-checked like any option.
#define VPNWIRE_PPP_IPV6CP_OPTIONS(X)                                                                                  \
  X(interface_identifier,       1, .name = "Interface-Identifier", .layout = interface_id, .min_length = 10,           \
    .max_length = 10, .wireshark = "ipv6cp.interface_identifier")                                                      \
  X(ipv6_compression_protocol,  2, .name = "IPv6-Compression-Protocol", .layout = octets, .min_length = 4,             \
    .max_length = 255, .wireshark = "ipv6cp.opt.compress")
// clang-format on

/// A PPP control protocol with RFC 1661's option format.
enum class control_protocol : std::uint8_t {
#define VPNWIRE_PPP_X(id, number, text) id,
  VPNWIRE_PPP_CONTROL_PROTOCOLS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
};

/// The enumerator's name, e.g. "ipv6cp".
[[nodiscard]] constexpr std::string_view name(control_protocol p) noexcept {
  switch (p) {
#define VPNWIRE_PPP_X(id, number, text)                                                                                \
  case control_protocol::id: return #id;
    VPNWIRE_PPP_CONTROL_PROTOCOLS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
  }
  return "unknown";
}

/// The PPP protocol number of a control protocol (0xC021 for LCP).
[[nodiscard]] constexpr std::uint16_t protocol_number(control_protocol p) noexcept {
  switch (p) {
#define VPNWIRE_PPP_X(id, number, text)                                                                                \
  case control_protocol::id: return number;
    VPNWIRE_PPP_CONTROL_PROTOCOLS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
  }
  return 0;
}

/// The control protocol a PPP protocol number carries, if it is one of the table's.
[[nodiscard]] constexpr std::optional<control_protocol> control_protocol_of(std::uint16_t ppp_protocol) noexcept {
#define VPNWIRE_PPP_X(id, number, text)                                                                                \
  if (ppp_protocol == (number)) return control_protocol::id;
  VPNWIRE_PPP_CONTROL_PROTOCOLS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
  return std::nullopt;
}

/// How an option value is laid out.
enum class option_layout : std::uint8_t {
  none,         ///< not in the table
  flag,         ///< no value (the option's presence says it)
  u8,           ///< one octet
  u16,          ///< 16-bit integer
  u32,          ///< 32-bit integer
  ipv4_address, ///< an IPv4 address
  interface_id, ///< a 64-bit IPv6 Interface Identifier
  octets,       ///< opaque octets
  structured,   ///< several fields (a protocol number and its data, ...)
};

/// The enumerator's name, e.g. "ipv4_address".
[[nodiscard]] constexpr std::string_view name(option_layout l) noexcept {
  switch (l) {
  case option_layout::none: return "none";
  case option_layout::flag: return "flag";
  case option_layout::u8: return "u8";
  case option_layout::u16: return "u16";
  case option_layout::u32: return "u32";
  case option_layout::ipv4_address: return "ipv4_address";
  case option_layout::interface_id: return "interface_id";
  case option_layout::octets: return "octets";
  case option_layout::structured: return "structured";
  }
  return "unknown";
}

/// One option of a control protocol.
struct option_info {
  control_protocol protocol{};
  std::uint8_t type = 0;
  bool known = false;      ///< false for types the table does not list
  std::string_view name{}; ///< the RFC's name, e.g. "Maximum-Receive-Unit"
  option_layout layout = option_layout::none;
  std::uint8_t min_length = 0;  ///< smallest Length field (Type and Length included)
  std::uint8_t max_length = 0;  ///< largest Length field
  std::string_view wireshark{}; ///< Wireshark 4.0 display-filter field, e.g. "lcp.opt.mru"

  /// Whether a Length field of `n` is one the RFC allows for this option.
  [[nodiscard]] constexpr bool length_ok(std::size_t n) const noexcept { return n >= min_length && n <= max_length; }
};

// The option type constants, one namespace per protocol.
#define VPNWIRE_PPP_X(id, type, ...) inline constexpr std::uint8_t id = type;
/// LCP option types.
namespace lcp_option {
VPNWIRE_PPP_LCP_OPTIONS(VPNWIRE_PPP_X)
} // namespace lcp_option
/// IPCP option types.
namespace ipcp_option {
VPNWIRE_PPP_IPCP_OPTIONS(VPNWIRE_PPP_X)
} // namespace ipcp_option
/// CCP option types (compression methods).
namespace ccp_option {
VPNWIRE_PPP_CCP_OPTIONS(VPNWIRE_PPP_X)
} // namespace ccp_option
/// IPV6CP option types.
namespace ipv6cp_option {
VPNWIRE_PPP_IPV6CP_OPTIONS(VPNWIRE_PPP_X)
} // namespace ipv6cp_option
#undef VPNWIRE_PPP_X

namespace detail {
// One lookup per table: a linear scan over at most a dozen rows (this is
// never on a per-packet path; the walker does not consult it).
#define VPNWIRE_PPP_ROW(proto)                                                                                         \
  [[maybe_unused]] constexpr auto u8 = option_layout::u8;                                                              \
  [[maybe_unused]] constexpr auto u16 = option_layout::u16;                                                            \
  [[maybe_unused]] constexpr auto u32 = option_layout::u32;                                                            \
  [[maybe_unused]] constexpr auto flag = option_layout::flag;                                                          \
  [[maybe_unused]] constexpr auto octets = option_layout::octets;                                                      \
  [[maybe_unused]] constexpr auto structured = option_layout::structured;                                              \
  [[maybe_unused]] constexpr auto ipv4_address = option_layout::ipv4_address;                                          \
  [[maybe_unused]] constexpr auto interface_id = option_layout::interface_id;                                          \
  [[maybe_unused]] constexpr control_protocol self = control_protocol::proto;
#define VPNWIRE_PPP_X(id, value, ...)                                                                                  \
  if (type == (value)) return option_info{.protocol = self, .type = (value), .known = true, __VA_ARGS__};
[[nodiscard]] constexpr option_info lcp_option_info(std::uint8_t type) noexcept {
  VPNWIRE_PPP_ROW(lcp)
  VPNWIRE_PPP_LCP_OPTIONS(VPNWIRE_PPP_X)
  return option_info{.protocol = self, .type = type};
}
[[nodiscard]] constexpr option_info ipcp_option_info(std::uint8_t type) noexcept {
  VPNWIRE_PPP_ROW(ipcp)
  VPNWIRE_PPP_IPCP_OPTIONS(VPNWIRE_PPP_X)
  return option_info{.protocol = self, .type = type};
}
[[nodiscard]] constexpr option_info ccp_option_info(std::uint8_t type) noexcept {
  VPNWIRE_PPP_ROW(ccp)
  VPNWIRE_PPP_CCP_OPTIONS(VPNWIRE_PPP_X)
  return option_info{.protocol = self, .type = type};
}
[[nodiscard]] constexpr option_info ipv6cp_option_info(std::uint8_t type) noexcept {
  VPNWIRE_PPP_ROW(ipv6cp)
  VPNWIRE_PPP_IPV6CP_OPTIONS(VPNWIRE_PPP_X)
  return option_info{.protocol = self, .type = type};
}
#undef VPNWIRE_PPP_X
#undef VPNWIRE_PPP_ROW
} // namespace detail

/// The table entry of option `type` of protocol `p` (known=false when the
/// table does not list it: such an option is walked like any other).
[[nodiscard]] constexpr option_info option_catalogue(control_protocol p, std::uint8_t type) noexcept {
  switch (p) {
  case control_protocol::lcp: return detail::lcp_option_info(type);
  case control_protocol::ipcp: return detail::ipcp_option_info(type);
  case control_protocol::ccp: return detail::ccp_option_info(type);
  case control_protocol::ipv6cp: return detail::ipv6cp_option_info(type);
  }
  return option_info{.protocol = p, .type = type};
}

} // namespace ppp
} // namespace v1
} // namespace vpnwire
