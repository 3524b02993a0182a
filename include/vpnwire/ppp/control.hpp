// Control protocol packets of the PPP family (RFC 1661 §5, §6): LCP, and the
// NCPs that reuse its packet format, IPCP (RFC 1332, RFC 1877), CCP
// (RFC 1962) and IPV6CP (RFC 5072). The option tables are in
// option_catalogue.hpp. A packet is Code, Identifier, Length, then data; the
// Configure-* codes carry a list of options, each Type, Length, value.
//
// Views never read outside the packet's Length: an option with Length 0 or
// 1, or one running past the end, is an error naming its offset.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/walker.hpp"
#include "vpnwire/ppp/errc.hpp"
#include "vpnwire/ppp/option_catalogue.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

// clang-format off
/// Packet codes (RFC 1661 §5; 14 and 15 are CCP's, RFC 1962 §2.1):
/// X(enumerator, value, RFC name).
#define VPNWIRE_PPP_CODES(X)                                                                                           \
  X(configure_request,  1, "Configure-Request")                                                                        \
  X(configure_ack,      2, "Configure-Ack")                                                                            \
  X(configure_nak,      3, "Configure-Nak")                                                                            \
  X(configure_reject,   4, "Configure-Reject")                                                                         \
  X(terminate_request,  5, "Terminate-Request")                                                                        \
  X(terminate_ack,      6, "Terminate-Ack")                                                                            \
  X(code_reject,        7, "Code-Reject")                                                                              \
  X(protocol_reject,    8, "Protocol-Reject")                                                                          \
  X(echo_request,       9, "Echo-Request")                                                                             \
  X(echo_reply,        10, "Echo-Reply")                                                                               \
  X(discard_request,   11, "Discard-Request")                                                                          \
  X(reset_request,     14, "Reset-Request")                                                                            \
  X(reset_ack,         15, "Reset-Ack")
// clang-format on

/// Packet codes.
namespace code {
#define VPNWIRE_PPP_X(id, value, text) inline constexpr std::uint8_t id = value;
VPNWIRE_PPP_CODES(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
} // namespace code

/// The RFC's name of a packet code ("Configure-Request"); "unknown" for others.
[[nodiscard]] constexpr std::string_view code_name(std::uint8_t c) noexcept {
#define VPNWIRE_PPP_X(id, value, text)                                                                                 \
  if (c == (value)) return text;
  VPNWIRE_PPP_CODES(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
  return "unknown";
}

/// True for the codes whose data is an option list (Configure-Request/Ack/Nak/Reject).
[[nodiscard]] constexpr bool carries_options(std::uint8_t c) noexcept {
  return c >= code::configure_request && c <= code::configure_reject;
}

/// One option: `value` is the octets after Type and Length.
struct option_view {
  std::uint8_t type = 0;
  std::uint8_t length = 0; ///< The Length field (value size + 2).
  std::size_t offset = 0;  ///< Offset of the Type octet from the start of the packet.
  bytes_view value{};
};

/// The option layout for core::walker (core/walker.hpp): Type, Length
/// (counting both), value. Offsets are base + position in the list.
struct option_format {
  using item_type = option_view;
  using errc_type = errc;
  /// next() called after the last option.
  static constexpr errc exhausted = errc::truncated;

  /// Errors: option_past_end (fewer than 2 octets left, or Length beyond the
  /// list; offset of the option), option_length_below_two (Length 0 or 1;
  /// offset of the Length octet).
  [[nodiscard]] static result<core::walk_step<option_view>, errc> read(bytes_view list, std::size_t pos,
                                                                       std::size_t base) noexcept {
    const std::size_t left = list.size() - pos;
    if (left < 2) return fail(errc::option_past_end, base + pos);
    const std::uint8_t type = core::load_u8(list.data() + pos);
    const std::uint8_t len = core::load_u8(list.data() + pos + 1);
    if (len < 2) return fail(errc::option_length_below_two, base + pos + 1);
    if (len > left) return fail(errc::option_past_end, base + pos);
    return core::walk_step<option_view>{option_view{type, len, base + pos, list.subspan(pos + 2, len - 2U)}, len,
                                        false};
  }
};

/// Walks an option list (a core::walker: next() returns
/// result<option_view, errc>, done(), ok(), error(), range-for). Offsets
/// count from the start of the packet when the reader comes from
/// control_packet_view::options() (base 4). Errors: as option_format::read;
/// truncated when next() is called although done().
using option_reader = core::walker<option_format>;

/// A parsed LCP, IPCP or CCP packet.
struct control_packet_view {
  std::uint8_t code = 0;
  std::uint8_t identifier = 0;
  std::uint16_t length = 0; ///< The Length field (header included).
  bytes_view data{};        ///< Octets after the 4-octet header, up to Length.
  bytes_view padding{};     ///< Octets after Length (RFC 1661 §5: treated as padding).

  /// The option list (Configure-* codes only; others: not_configure_packet at offset 0).
  [[nodiscard]] result<option_reader, errc> options() const noexcept {
    if (!carries_options(code)) return fail(errc::not_configure_packet, 0);
    return option_reader(data, 4);
  }
  /// Checks the whole option list; returns the number of options.
  /// Errors: as option_format::read; not_configure_packet.
  [[nodiscard]] result<std::size_t, errc> validate_options() const noexcept {
    auto r = options();
    if (!r) return r.error();
    std::size_t count = 0;
    while (!r->done()) {
      auto o = r->next();
      if (!o) return o.error();
      ++count;
    }
    return count;
  }
  /// The first option of `type`. Errors: as validate_options (for options
  /// before it); option_not_found (offset = Length).
  [[nodiscard]] result<option_view, errc> find(std::uint8_t type) const noexcept {
    auto r = options();
    if (!r) return r.error();
    while (!r->done()) {
      auto o = r->next();
      if (!o) return o;
      if (o->type == type) return o;
    }
    return fail(errc::option_not_found, length);
  }
};

/// Parses a control packet (the PPP information field of protocol LCP, IPCP, CCP...).
/// Errors: truncated (under 4 octets), packet_length_below_header (Length < 4;
/// offset 2), packet_length_past_end (Length beyond the input; offset 2).
[[nodiscard]] inline result<control_packet_view, errc> parse_control_packet(bytes_view in) noexcept {
  if (in.size() < 4) return fail(errc::truncated, in.size());
  control_packet_view p;
  p.code = core::load_u8(in.data());
  p.identifier = core::load_u8(in.data() + 1);
  p.length = core::load_be16(in.data() + 2);
  if (p.length < 4) return fail(errc::packet_length_below_header, 2);
  if (p.length > in.size()) return fail(errc::packet_length_past_end, 2);
  p.data = in.subspan(4, p.length - 4U);
  p.padding = in.subspan(p.length);
  return p;
}

/// A control_packet_view points into its input: parsing a temporary
/// container would leave it dangling, so it does not compile.
template <class Owner>
requires core::temporary_owner<Owner> result<control_packet_view, errc> parse_control_packet(Owner &&)
= delete;

namespace detail {
// Checks the type and the Length field against the option table.
[[nodiscard]] inline result<void, errc> expect(const option_view &o, control_protocol p, std::uint8_t type) noexcept {
  if (o.type != type) return fail(errc::option_not_found, o.offset);
  if (!option_catalogue(p, type).length_ok(o.length)) return fail(errc::option_wrong_length, o.offset + 1);
  return {};
}
[[nodiscard]] inline result<std::uint16_t, errc> u16_option(const option_view &o, control_protocol p,
                                                            std::uint8_t type) noexcept {
  if (auto e = expect(o, p, type); !e) return e.error();
  return core::load_be16(o.value.data());
}
[[nodiscard]] inline result<std::uint32_t, errc> u32_option(const option_view &o, control_protocol p,
                                                            std::uint8_t type) noexcept {
  if (auto e = expect(o, p, type); !e) return e.error();
  return core::load_be32(o.value.data());
}
[[nodiscard]] inline result<bool, errc> flag_option(const option_view &o, control_protocol p,
                                                    std::uint8_t type) noexcept {
  if (auto e = expect(o, p, type); !e) return e.error();
  return true;
}
} // namespace detail

// Typed option accessors. Each checks the type (option_not_found, offset of
// the option) and the Length its RFC gives, from option_catalogue()
// (option_wrong_length, offset of the Length octet).

/// LCP Maximum-Receive-Unit (type 1, length 4).
[[nodiscard]] inline result<std::uint16_t, errc> lcp_mru(const option_view &o) noexcept {
  return detail::u16_option(o, control_protocol::lcp, lcp_option::mru);
}
/// LCP Async-Control-Character-Map (type 2, length 6).
[[nodiscard]] inline result<std::uint32_t, errc> lcp_accm(const option_view &o) noexcept {
  return detail::u32_option(o, control_protocol::lcp, lcp_option::accm);
}
/// LCP Magic-Number (type 5, length 6).
[[nodiscard]] inline result<std::uint32_t, errc> lcp_magic_number(const option_view &o) noexcept {
  return detail::u32_option(o, control_protocol::lcp, lcp_option::magic_number);
}
/// LCP Protocol-Field-Compression (type 7, length 2).
[[nodiscard]] inline result<bool, errc> lcp_pfc(const option_view &o) noexcept {
  return detail::flag_option(o, control_protocol::lcp, lcp_option::protocol_field_compression);
}
/// LCP Address-and-Control-Field-Compression (type 8, length 2).
[[nodiscard]] inline result<bool, errc> lcp_acfc(const option_view &o) noexcept {
  return detail::flag_option(o, control_protocol::lcp, lcp_option::address_control_field_compression);
}

/// LCP Authentication-Protocol: the protocol and what follows it (CHAP's algorithm octet).
struct auth_protocol {
  std::uint16_t protocol = 0;
  bytes_view data{};
};
/// LCP Authentication-Protocol (type 3, length >= 4).
[[nodiscard]] inline result<auth_protocol, errc> lcp_auth_protocol(const option_view &o) noexcept {
  if (auto e = detail::expect(o, control_protocol::lcp, lcp_option::authentication_protocol); !e) return e.error();
  return auth_protocol{core::load_be16(o.value.data()), o.value.subspan(2)};
}

/// IPCP IP-Address (type 3, length 6), as a host-order integer (192.0.2.1 = 0xC0000201).
[[nodiscard]] inline result<std::uint32_t, errc> ipcp_ip_address(const option_view &o) noexcept {
  return detail::u32_option(o, control_protocol::ipcp, ipcp_option::ip_address);
}
/// IPCP Primary-DNS-Server-Address (type 129, length 6).
[[nodiscard]] inline result<std::uint32_t, errc> ipcp_primary_dns(const option_view &o) noexcept {
  return detail::u32_option(o, control_protocol::ipcp, ipcp_option::primary_dns);
}
/// IPCP Secondary-DNS-Server-Address (type 131, length 6).
[[nodiscard]] inline result<std::uint32_t, errc> ipcp_secondary_dns(const option_view &o) noexcept {
  return detail::u32_option(o, control_protocol::ipcp, ipcp_option::secondary_dns);
}

/// IPV6CP Interface-Identifier (RFC 5072 §4.1; type 1, length 10): the 64-bit
/// identifier in network order as an integer. Zero is returned as is (RFC
/// 5072 §4.1 has a peer answer an all-zero identifier with a Configure-Nak;
/// that is a negotiation decision, not a format error).
[[nodiscard]] inline result<std::uint64_t, errc> ipv6cp_interface_identifier(const option_view &o) noexcept {
  if (auto e = detail::expect(o, control_protocol::ipv6cp, ipv6cp_option::interface_identifier); !e) return e.error();
  return core::load_be64(o.value.data());
}

/// Builds a control packet in a caller buffer: header first, then options
/// or raw data, then finish() writes the Length.
class control_packet_builder {
public:
  /// Errors of every call: buffer_too_small, sticky (later calls keep failing
  /// and finish() reports the first failure's offset).
  control_packet_builder(mutable_bytes out, std::uint8_t code, std::uint8_t identifier) noexcept : w_(out) {
    ok_ = w_.u8(code) && w_.u8(identifier) && w_.u16(0);
  }
  /// Appends an option with an arbitrary value (at most 253 octets;
  /// longer values are buffer_too_small).
  control_packet_builder &option(std::uint8_t type, bytes_view value) noexcept {
    if (value.size() > 253) return failed();
    ok_ = ok_ && w_.u8(type) && w_.u8(static_cast<std::uint8_t>(value.size() + 2)) && w_.bytes(value);
    return *this;
  }
  control_packet_builder &option_u16(std::uint8_t type, std::uint16_t v) noexcept {
    ok_ = ok_ && w_.u8(type) && w_.u8(4) && w_.u16(v);
    return *this;
  }
  control_packet_builder &option_u32(std::uint8_t type, std::uint32_t v) noexcept {
    ok_ = ok_ && w_.u8(type) && w_.u8(6) && w_.u32(v);
    return *this;
  }
  /// Appends raw data (Echo magic number and data, Terminate data...).
  control_packet_builder &data(bytes_view d) noexcept {
    ok_ = ok_ && w_.bytes(d);
    return *this;
  }
  /// Writes the Length field; returns the packet size.
  /// Errors: buffer_too_small (offset = octets written before it ran out),
  /// or when the packet exceeds 65535 octets.
  [[nodiscard]] result<std::size_t, errc> finish() noexcept {
    if (!ok_ || w_.size() > 0xFFFF) return fail(errc::buffer_too_small, w_.size());
    core::store_be16(w_.buffer().data() + 2, static_cast<std::uint16_t>(w_.size()));
    return w_.size();
  }

private:
  control_packet_builder &failed() noexcept {
    ok_ = false;
    return *this;
  }
  core::byte_writer w_;
  bool ok_ = false;
};

} // namespace ppp
} // namespace v1
} // namespace vpnwire
