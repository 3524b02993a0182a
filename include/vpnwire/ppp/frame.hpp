// PPP frames as L2TP and PPPoE carry them (RFC 1661 §2, RFC 1662 §3): an
// optional Address/Control pair FF 03 (absent under Address-and-Control-Field
// Compression), a one- or two-octet Protocol field (one octet under
// Protocol-Field-Compression), then the information field.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ppp/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

// clang-format off
/// Protocol field values used across vpnwire (RFC 1661 §2, IANA PPP
/// numbers): X(enumerator, value, name).
#define VPNWIRE_PPP_PROTOCOLS(X)                                                                                       \
  X(ipv4,       0x0021, "IPv4")                                                                                        \
  X(ipv6,       0x0057, "IPv6")                                                                                        \
  X(compressed, 0x00FD, "Compressed datagram")                                                                         \
  X(ipcp,       0x8021, "IPCP")                                                                                        \
  X(ipv6cp,     0x8057, "IPV6CP")                                                                                      \
  X(ccp,        0x80FD, "CCP")                                                                                         \
  X(lcp,        0xC021, "LCP")                                                                                         \
  X(pap,        0xC023, "PAP")                                                                                         \
  X(lqr,        0xC025, "LQR")                                                                                         \
  X(chap,       0xC223, "CHAP")                                                                                        \
  X(eap,        0xC227, "EAP")
// clang-format on

/// Protocol field values.
namespace protocol {
#define VPNWIRE_PPP_X(id, value, text) inline constexpr std::uint16_t id = value;
VPNWIRE_PPP_PROTOCOLS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
} // namespace protocol

/// The name of a Protocol field value ("IPv6", "IPV6CP", ...; "unknown" for others).
[[nodiscard]] constexpr std::string_view protocol_name(std::uint16_t p) noexcept {
#define VPNWIRE_PPP_X(id, value, text)                                                                                 \
  if (p == (value)) return text;
  VPNWIRE_PPP_PROTOCOLS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
  return "unknown";
}

inline constexpr std::uint8_t all_stations = 0xFF; ///< The Address field value (RFC 1662 §3.1).
inline constexpr std::uint8_t ui_control = 0x03;   ///< The Control field value (Unnumbered Information).

/// True when `p` is a value the Protocol field can carry: odd, and the low
/// bit of the high octet zero (RFC 1661 §2).
[[nodiscard]] constexpr bool protocol_valid(std::uint16_t p) noexcept {
  return (p & 0x0001U) != 0 && (p & 0x0100U) == 0;
}

/// What the receiver accepts (what LCP negotiated). With both true (the
/// default) every legal form is accepted, as an L2TP LNS must.
struct frame_options {
  bool allow_acfc = true; ///< Accept frames without FF 03.
  bool allow_pfc = true;  ///< Accept a one-octet Protocol field.
};

/// A parsed sync PPP frame; `payload` is a sub-span of the parsed bytes.
struct frame_view {
  bool has_address_control = false; ///< FF 03 was present.
  bool protocol_compressed = false; ///< The Protocol field was one octet.
  std::uint16_t protocol = 0;
  std::size_t header_size = 0; ///< Octets before the information field (1..4).
  bytes_view payload{};        ///< The information field (and any padding).
};

/// Parses a frame without HDLC framing or FCS (L2TP data payload, PPPoE
/// session payload, or an HDLC frame after decoding).
/// Errors: truncated (input shorter than its header); bad_control (FF not
/// followed by 03; offset 1); address_control_missing is reported as
/// bad_control at offset 0 when options forbid ACFC and FF 03 is absent;
/// protocol_high_octet_odd (a one-octet Protocol field while PFC is not
/// allowed); protocol_even (offset of the Protocol field's low octet).
[[nodiscard]] inline result<frame_view, errc> parse_frame(bytes_view in, frame_options opt = {}) noexcept {
  frame_view f;
  std::size_t pos = 0;
  if (in.empty()) return fail(errc::truncated, 0);
  if (core::load_u8(in.data()) == all_stations) {
    if (in.size() < 2) return fail(errc::truncated, 1);
    if (core::load_u8(in.data() + 1) != ui_control) return fail(errc::bad_control, 1);
    f.has_address_control = true;
    pos = 2;
  } else if (!opt.allow_acfc) {
    return fail(errc::bad_control, 0);
  }
  if (in.size() <= pos) return fail(errc::truncated, pos);
  const std::uint8_t first = core::load_u8(in.data() + pos);
  if ((first & 1U) != 0) {
    if (!opt.allow_pfc) return fail(errc::protocol_high_octet_odd, pos);
    f.protocol = first;
    f.protocol_compressed = true;
    pos += 1;
  } else {
    if (in.size() < pos + 2) return fail(errc::truncated, pos + 1);
    const std::uint16_t p = core::load_be16(in.data() + pos);
    if ((p & 1U) == 0) return fail(errc::protocol_even, pos + 1);
    f.protocol = p;
    pos += 2;
  }
  f.header_size = pos;
  f.payload = in.subspan(pos);
  return f;
}

/// A frame_view points into its input: parsing a temporary container would
/// leave it dangling, so it does not compile.
template <class Owner>
requires core::temporary_owner<Owner> result<frame_view, errc> parse_frame(Owner &&, frame_options = {})
= delete;

/// How a builder writes the header.
struct frame_build_options {
  bool address_control = true; ///< Write FF 03 (false: ACFC form).
  /// One-octet Protocol field when the value is under 0xFF (0x00FF stays two
  /// octets: a lone FF would read as the Address field).
  bool compress_protocol = false;
};

/// Header size build_frame_header would write for `protocol`.
[[nodiscard]] constexpr std::size_t frame_header_size(std::uint16_t protocol, frame_build_options opt = {}) noexcept {
  return (opt.address_control ? 2U : 0U) + (opt.compress_protocol && protocol < 0xFF ? 1U : 2U);
}

/// Writes the Address/Control and Protocol fields at the start of `out`;
/// returns the header size. Errors: protocol_not_allowed (protocol_valid()
/// false; offset 0), buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_frame_header(mutable_bytes out, std::uint16_t protocol,
                                                                  frame_build_options opt = {}) noexcept {
  if (!protocol_valid(protocol)) return fail(errc::protocol_not_allowed, 0);
  const std::size_t n = frame_header_size(protocol, opt);
  if (out.size() < n) return fail(errc::buffer_too_small, out.size());
  std::size_t pos = 0;
  if (opt.address_control) {
    core::store_u8(out.data(), all_stations);
    core::store_u8(out.data() + 1, ui_control);
    pos = 2;
  }
  if (n - pos == 1)
    core::store_u8(out.data() + pos, static_cast<std::uint8_t>(protocol));
  else
    core::store_be16(out.data() + pos, protocol);
  return n;
}

/// Writes a whole frame (header, then `payload`) at the start of `out`;
/// returns its size (frame_header_size() + payload.size()).
/// Errors: protocol_not_allowed (offset 0); buffer_too_small (offset =
/// out.size(), like every builder), nothing written.
[[nodiscard]] inline result<std::size_t, errc> build_frame(mutable_bytes out, std::uint16_t protocol,
                                                           frame_build_options opt, bytes_view payload) noexcept {
  const std::size_t h = frame_header_size(protocol, opt);
  if (!protocol_valid(protocol)) return fail(errc::protocol_not_allowed, 0);
  if (out.size() < h + payload.size()) return fail(errc::buffer_too_small, out.size());
  auto r = build_frame_header(out, protocol, opt);
  if (!r) return r;
  if (!payload.empty()) std::memcpy(out.data() + h, payload.data(), payload.size());
  return h + payload.size();
}
/// As above with the default options (FF 03 and a two-octet Protocol field).
[[nodiscard]] inline result<std::size_t, errc> build_frame(mutable_bytes out, std::uint16_t protocol,
                                                           bytes_view payload) noexcept {
  return build_frame(out, protocol, frame_build_options{}, payload);
}

} // namespace ppp
} // namespace v1
} // namespace vpnwire
