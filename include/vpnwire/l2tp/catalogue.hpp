// The typed catalogue of IETF AVPs (RFC 2661 §4.4, types 0-39, and RFC 3145
// type 46) and of the control message types (§3.2, §6).
//
// Per AVP type: the value layout, exact or minimum value length, whether it
// may be hidden, the M bit the RFC requires, and the messages it may appear
// in (derived from the per-message tables of §6). Per message: required and
// allowed AVPs, and whether it belongs to a session or to the tunnel.
//
// Typed values: value_t<avp_type::X> is the decoded form of type X;
// decode_value<X>() and encode_value<X>() convert between it and the wire
// bytes of the (non-hidden or already decrypted) value.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

/// IETF AVP types (Vendor ID 0).
enum class avp_type : std::uint16_t {
  message_type = 0,
  result_code = 1,
  protocol_version = 2,
  framing_capabilities = 3,
  bearer_capabilities = 4,
  tie_breaker = 5,
  firmware_revision = 6,
  host_name = 7,
  vendor_name = 8,
  assigned_tunnel_id = 9,
  receive_window_size = 10,
  challenge = 11,
  q931_cause_code = 12,
  challenge_response = 13,
  assigned_session_id = 14,
  call_serial_number = 15,
  minimum_bps = 16,
  maximum_bps = 17,
  bearer_type = 18,
  framing_type = 19,
  // 20 is unassigned in RFC 2661 (it was a draft-era AVP): treated as unrecognized.
  called_number = 21,
  calling_number = 22,
  sub_address = 23,
  tx_connect_speed = 24,
  physical_channel_id = 25,
  initial_received_lcp_confreq = 26,
  last_sent_lcp_confreq = 27,
  last_received_lcp_confreq = 28,
  proxy_authen_type = 29,
  proxy_authen_name = 30,
  proxy_authen_challenge = 31,
  proxy_authen_id = 32,
  proxy_authen_response = 33,
  call_errors = 34,
  accm = 35,
  random_vector = 36,
  private_group_id = 37,
  rx_connect_speed = 38,
  sequencing_required = 39,
  ppp_disconnect_cause_code = 46, ///< RFC 3145
};

/// Catalogue slots: every type below this bound has an entry (unassigned ones are marked unknown).
inline constexpr std::size_t avp_type_slots = 47;

/// Control message types (the value of the Message Type AVP).
enum class message_type : std::uint16_t {
  sccrq = 1,   ///< Start-Control-Connection-Request
  sccrp = 2,   ///< Start-Control-Connection-Reply
  scccn = 3,   ///< Start-Control-Connection-Connected
  stopccn = 4, ///< Stop-Control-Connection-Notification
  hello = 6,   ///< Hello
  ocrq = 7,    ///< Outgoing-Call-Request
  ocrp = 8,    ///< Outgoing-Call-Reply
  occn = 9,    ///< Outgoing-Call-Connected
  icrq = 10,   ///< Incoming-Call-Request
  icrp = 11,   ///< Incoming-Call-Reply
  iccn = 12,   ///< Incoming-Call-Connected
  cdn = 14,    ///< Call-Disconnect-Notify
  wen = 15,    ///< WAN-Error-Notify
  sli = 16,    ///< Set-Link-Info
};
inline constexpr std::size_t message_type_slots = 17;

/// How a value is laid out.
enum class value_layout : std::uint8_t {
  none,       ///< unassigned type
  u16,        ///< 16-bit integer
  u32,        ///< 32-bit integer (bit masks, speeds, serial numbers)
  u64,        ///< 64-bit integer (Tie Breaker)
  octets,     ///< opaque octets or a string
  empty,      ///< no value (Sequencing Required)
  structured, ///< several fields (Result Code, Q.931 cause, Call Errors, ACCM, ...)
};

/// One catalogue entry.
struct avp_info {
  std::string_view name{}; ///< Wireshark-like human name
  bool known = false;      ///< false for unassigned types (treated as unrecognized)
  value_layout layout = value_layout::none;
  std::uint16_t min_length = 0; ///< minimum value length (bytes after the 6-byte header)
  std::uint16_t max_length = 0; ///< maximum value length; == min_length for fixed-size values
  bool may_hide = false;        ///< H=1 allowed
  bool mandatory = false;       ///< the M bit the RFC requires on send
  std::uint32_t messages = 0;   ///< bit (1 << message type) for each message it may appear in
};

namespace detail {
constexpr std::uint32_t mbit(message_type t) noexcept { return std::uint32_t{1} << static_cast<unsigned>(t); }
constexpr std::uint64_t abit(avp_type t) noexcept { return std::uint64_t{1} << static_cast<unsigned>(t); }
} // namespace detail

/// Required and allowed AVPs of one message type (§6). Random Vector is allowed everywhere.
struct message_info {
  std::string_view name{};
  bool known = false;
  bool session = false;       ///< belongs to a session (clear the session) rather than the tunnel
  std::uint64_t required = 0; ///< bit (1 << avp type)
  std::uint64_t allowed = 0;  ///< includes required
};

/// The message table of §6 (plus RFC 3145 for CDN).
[[nodiscard]] constexpr message_info message_catalogue(std::uint16_t t) noexcept {
  using A = avp_type;
  using detail::abit;
  // Message Type is required everywhere; Random Vector is allowed everywhere (§4.3).
  const std::uint64_t mt = abit(A::message_type);
  const std::uint64_t common = mt | abit(A::random_vector);
  switch (t) {
  case 1: {
    const std::uint64_t req =
        abit(A::protocol_version) | abit(A::host_name) | abit(A::framing_capabilities) | abit(A::assigned_tunnel_id);
    return {"SCCRQ", true, false, mt | req,
            common | req | abit(A::bearer_capabilities) | abit(A::receive_window_size) | abit(A::challenge) |
                abit(A::tie_breaker) | abit(A::firmware_revision) | abit(A::vendor_name)};
  }
  case 2: {
    const std::uint64_t req =
        abit(A::protocol_version) | abit(A::framing_capabilities) | abit(A::host_name) | abit(A::assigned_tunnel_id);
    return {"SCCRP", true, false, mt | req,
            common | req | abit(A::bearer_capabilities) | abit(A::firmware_revision) | abit(A::vendor_name) |
                abit(A::receive_window_size) | abit(A::challenge) | abit(A::challenge_response)};
  }
  case 3: return {"SCCCN", true, false, mt, common | abit(A::challenge_response)};
  case 4: {
    const std::uint64_t req = abit(A::assigned_tunnel_id) | abit(A::result_code);
    return {"StopCCN", true, false, mt | req, common | req};
  }
  case 6: return {"HELLO", true, false, mt, common};
  case 7: {
    const std::uint64_t req = abit(A::assigned_session_id) | abit(A::call_serial_number) | abit(A::minimum_bps) |
                              abit(A::maximum_bps) | abit(A::bearer_type) | abit(A::framing_type) |
                              abit(A::called_number);
    return {"OCRQ", true, true, mt | req, common | req | abit(A::sub_address)};
  }
  case 8: {
    const std::uint64_t req = abit(A::assigned_session_id);
    return {"OCRP", true, true, mt | req, common | req | abit(A::physical_channel_id)};
  }
  case 9: {
    const std::uint64_t req = abit(A::tx_connect_speed) | abit(A::framing_type);
    return {"OCCN", true, true, mt | req, common | req | abit(A::rx_connect_speed) | abit(A::sequencing_required)};
  }
  case 10: {
    const std::uint64_t req = abit(A::assigned_session_id) | abit(A::call_serial_number);
    return {"ICRQ", true, true, mt | req,
            common | req | abit(A::bearer_type) | abit(A::physical_channel_id) | abit(A::calling_number) |
                abit(A::called_number) | abit(A::sub_address)};
  }
  case 11: {
    const std::uint64_t req = abit(A::assigned_session_id);
    return {"ICRP", true, true, mt | req, common | req};
  }
  case 12: {
    const std::uint64_t req = abit(A::tx_connect_speed) | abit(A::framing_type);
    return {"ICCN", true, true, mt | req,
            common | req | abit(A::initial_received_lcp_confreq) | abit(A::last_sent_lcp_confreq) |
                abit(A::last_received_lcp_confreq) | abit(A::proxy_authen_type) | abit(A::proxy_authen_name) |
                abit(A::proxy_authen_challenge) | abit(A::proxy_authen_id) | abit(A::proxy_authen_response) |
                abit(A::private_group_id) | abit(A::rx_connect_speed) | abit(A::sequencing_required)};
  }
  case 14: {
    const std::uint64_t req = abit(A::result_code) | abit(A::assigned_session_id);
    return {"CDN", true, true, mt | req, common | req | abit(A::q931_cause_code) | abit(A::ppp_disconnect_cause_code)};
  }
  case 15: {
    const std::uint64_t req = abit(A::call_errors);
    return {"WEN", true, true, mt | req, common | req};
  }
  case 16: {
    const std::uint64_t req = abit(A::accm);
    return {"SLI", true, true, mt | req, common | req};
  }
  default: return {};
  }
}

namespace detail {
constexpr std::uint32_t messages_allowing(std::uint16_t avp) noexcept {
  std::uint32_t m = 0;
  for (std::uint16_t t = 0; t < message_type_slots; ++t)
    if ((message_catalogue(t).allowed >> avp) & 1U) m |= std::uint32_t{1} << t;
  return m;
}
constexpr avp_info entry(std::string_view name, value_layout l, std::uint16_t min, std::uint16_t max, bool hide, bool m,
                         std::uint16_t type) noexcept {
  return {name, true, l, min, max, hide, m, messages_allowing(type)};
}
inline constexpr std::uint16_t var = 1017; // avp_max_value
} // namespace detail

/// The catalogue entry of IETF type `t` (known=false for unassigned or out-of-range types).
[[nodiscard]] constexpr avp_info avp_catalogue(std::uint16_t t) noexcept {
  using L = value_layout;
  using detail::entry;
  using detail::var;
  switch (t) {
  case 0: return entry("Message Type", L::u16, 2, 2, false, true, t);
  case 1: return entry("Result Code", L::structured, 2, var, false, true, t);
  case 2: return entry("Protocol Version", L::structured, 2, 2, false, true, t);
  case 3: return entry("Framing Capabilities", L::u32, 4, 4, true, true, t);
  case 4: return entry("Bearer Capabilities", L::u32, 4, 4, true, true, t);
  case 5: return entry("Tie Breaker", L::u64, 8, 8, false, false, t);
  case 6: return entry("Firmware Revision", L::u16, 2, 2, true, false, t);
  case 7: return entry("Host Name", L::octets, 1, var, false, true, t);
  case 8: return entry("Vendor Name", L::octets, 0, var, true, false, t);
  case 9: return entry("Assigned Tunnel ID", L::u16, 2, 2, true, true, t);
  case 10: return entry("Receive Window Size", L::u16, 2, 2, false, true, t);
  case 11: return entry("Challenge", L::octets, 1, var, true, true, t);
  case 12: return entry("Q.931 Cause Code", L::structured, 3, var, false, true, t);
  case 13: return entry("Challenge Response", L::octets, 16, 16, true, true, t);
  case 14: return entry("Assigned Session ID", L::u16, 2, 2, true, true, t);
  case 15: return entry("Call Serial Number", L::u32, 4, 4, true, true, t);
  case 16: return entry("Minimum BPS", L::u32, 4, 4, true, true, t);
  case 17: return entry("Maximum BPS", L::u32, 4, 4, true, true, t);
  case 18: return entry("Bearer Type", L::u32, 4, 4, true, true, t);
  case 19: return entry("Framing Type", L::u32, 4, 4, true, true, t);
  case 21: return entry("Called Number", L::octets, 0, var, true, true, t);
  case 22: return entry("Calling Number", L::octets, 0, var, true, true, t);
  case 23: return entry("Sub-Address", L::octets, 0, var, true, true, t);
  case 24: return entry("Tx Connect Speed", L::u32, 4, 4, true, true, t);
  case 25: return entry("Physical Channel ID", L::u32, 4, 4, true, false, t);
  case 26: return entry("Initial Received LCP CONFREQ", L::octets, 0, var, true, false, t);
  case 27: return entry("Last Sent LCP CONFREQ", L::octets, 0, var, true, false, t);
  case 28: return entry("Last Received LCP CONFREQ", L::octets, 0, var, true, false, t);
  case 29: return entry("Proxy Authen Type", L::u16, 2, 2, true, false, t);
  case 30: return entry("Proxy Authen Name", L::octets, 0, var, true, false, t);
  case 31: return entry("Proxy Authen Challenge", L::octets, 1, var, true, false, t);
  case 32: return entry("Proxy Authen ID", L::structured, 2, 2, true, false, t);
  case 33: return entry("Proxy Authen Response", L::octets, 0, var, true, false, t);
  case 34: return entry("Call Errors", L::structured, 26, 26, true, true, t);
  case 35: return entry("ACCM", L::structured, 10, 10, true, true, t);
  case 36: return entry("Random Vector", L::octets, 1, var, false, true, t);
  case 37: return entry("Private Group ID", L::octets, 0, var, true, false, t);
  case 38: return entry("Rx Connect Speed", L::u32, 4, 4, true, false, t);
  case 39: return entry("Sequencing Required", L::empty, 0, 0, false, true, t);
  case 46: return entry("PPP Disconnect Cause Code", L::structured, 5, var, true, false, t);
  default: return {};
  }
}
[[nodiscard]] constexpr avp_info avp_catalogue(avp_type t) noexcept {
  return avp_catalogue(static_cast<std::uint16_t>(t));
}
[[nodiscard]] constexpr bool may_appear_in(avp_type a, message_type m) noexcept {
  return ((avp_catalogue(a).messages >> static_cast<unsigned>(m)) & 1U) != 0;
}

// ---------------------------------------------------------------------------
// Typed values.

/// Result Code (§4.4.2): result, optional error code, optional message (requires the error code).
struct result_code_value {
  std::uint16_t result = 0;
  bool has_error = false;
  std::uint16_t error = 0;
  bytes_view message{}; ///< ASCII text, may be empty
};
/// Protocol Version (§4.4.3): 1.0 for RFC 2661.
struct protocol_version_value {
  std::uint8_t version = 1;
  std::uint8_t revision = 0;
};
/// Q.931 Cause Code (§4.4.5): cause code, cause message, optional advisory text.
struct q931_cause_value {
  std::uint16_t cause_code = 0;
  std::uint8_t cause_msg = 0;
  bytes_view advisory{};
};
/// Call Errors (§4.4.6): six counters after 2 reserved bytes.
struct call_errors_value {
  std::uint32_t crc_errors = 0;
  std::uint32_t framing_errors = 0;
  std::uint32_t hardware_overruns = 0;
  std::uint32_t buffer_overruns = 0;
  std::uint32_t timeout_errors = 0;
  std::uint32_t alignment_errors = 0;
};
/// ACCM (§4.4.6): send and receive async control character maps after 2 reserved bytes.
struct accm_value {
  std::uint32_t send = 0;
  std::uint32_t receive = 0;
};
/// Proxy Authen ID (§4.4.5): a reserved byte and the PPP authentication ID.
struct proxy_authen_id_value {
  std::uint8_t id = 0;
};
/// Sequencing Required carries no value.
struct empty_value {};
/// PPP Disconnect Cause Code (RFC 3145 §3.1).
struct ppp_disconnect_cause_value {
  std::uint16_t code = 0;     ///< disconnect code
  std::uint16_t protocol = 0; ///< control protocol number (e.g. 0xC021 LCP)
  std::uint8_t direction = 0; ///< 0 global, 1 at peer, 2 at local
  bytes_view message{};
};

/// Bits of Framing Capabilities / Framing Type and of Bearer Capabilities / Bearer Type.
namespace framing {
inline constexpr std::uint32_t sync = 1;
inline constexpr std::uint32_t async = 2;
} // namespace framing
namespace bearer {
inline constexpr std::uint32_t digital = 1;
inline constexpr std::uint32_t analog = 2;
} // namespace bearer

namespace detail {
template <avp_type T> struct value_of;
#define VPNWIRE_L2TP_VALUE(type_, value_)                                                                              \
  template <> struct value_of<avp_type::type_> { using type = value_; }
VPNWIRE_L2TP_VALUE(message_type, std::uint16_t);
VPNWIRE_L2TP_VALUE(result_code, result_code_value);
VPNWIRE_L2TP_VALUE(protocol_version, protocol_version_value);
VPNWIRE_L2TP_VALUE(framing_capabilities, std::uint32_t);
VPNWIRE_L2TP_VALUE(bearer_capabilities, std::uint32_t);
VPNWIRE_L2TP_VALUE(tie_breaker, std::uint64_t);
VPNWIRE_L2TP_VALUE(firmware_revision, std::uint16_t);
VPNWIRE_L2TP_VALUE(host_name, bytes_view);
VPNWIRE_L2TP_VALUE(vendor_name, bytes_view);
VPNWIRE_L2TP_VALUE(assigned_tunnel_id, std::uint16_t);
VPNWIRE_L2TP_VALUE(receive_window_size, std::uint16_t);
VPNWIRE_L2TP_VALUE(challenge, bytes_view);
VPNWIRE_L2TP_VALUE(q931_cause_code, q931_cause_value);
VPNWIRE_L2TP_VALUE(challenge_response, bytes_view);
VPNWIRE_L2TP_VALUE(assigned_session_id, std::uint16_t);
VPNWIRE_L2TP_VALUE(call_serial_number, std::uint32_t);
VPNWIRE_L2TP_VALUE(minimum_bps, std::uint32_t);
VPNWIRE_L2TP_VALUE(maximum_bps, std::uint32_t);
VPNWIRE_L2TP_VALUE(bearer_type, std::uint32_t);
VPNWIRE_L2TP_VALUE(framing_type, std::uint32_t);
VPNWIRE_L2TP_VALUE(called_number, bytes_view);
VPNWIRE_L2TP_VALUE(calling_number, bytes_view);
VPNWIRE_L2TP_VALUE(sub_address, bytes_view);
VPNWIRE_L2TP_VALUE(tx_connect_speed, std::uint32_t);
VPNWIRE_L2TP_VALUE(physical_channel_id, std::uint32_t);
VPNWIRE_L2TP_VALUE(initial_received_lcp_confreq, bytes_view);
VPNWIRE_L2TP_VALUE(last_sent_lcp_confreq, bytes_view);
VPNWIRE_L2TP_VALUE(last_received_lcp_confreq, bytes_view);
VPNWIRE_L2TP_VALUE(proxy_authen_type, std::uint16_t);
VPNWIRE_L2TP_VALUE(proxy_authen_name, bytes_view);
VPNWIRE_L2TP_VALUE(proxy_authen_challenge, bytes_view);
VPNWIRE_L2TP_VALUE(proxy_authen_id, proxy_authen_id_value);
VPNWIRE_L2TP_VALUE(proxy_authen_response, bytes_view);
VPNWIRE_L2TP_VALUE(call_errors, call_errors_value);
VPNWIRE_L2TP_VALUE(accm, accm_value);
VPNWIRE_L2TP_VALUE(random_vector, bytes_view);
VPNWIRE_L2TP_VALUE(private_group_id, bytes_view);
VPNWIRE_L2TP_VALUE(rx_connect_speed, std::uint32_t);
VPNWIRE_L2TP_VALUE(sequencing_required, empty_value);
VPNWIRE_L2TP_VALUE(ppp_disconnect_cause_code, ppp_disconnect_cause_value);
#undef VPNWIRE_L2TP_VALUE

// Length check shared by every decoder: offset 0 (the value start).
[[nodiscard]] constexpr errc check_length(const avp_info &info, std::size_t n) noexcept {
  if (info.min_length == info.max_length) return n == info.min_length ? errc::ok : errc::avp_value_length;
  if (n < info.min_length) return errc::avp_value_too_short;
  if (n > info.max_length) return errc::avp_value_length;
  return errc::ok;
}
} // namespace detail

/// The decoded value type of AVP type T.
template <avp_type T> using value_t = typename detail::value_of<T>::type;

/// Decodes the (plain or decrypted) value of an AVP of type T. Returned
/// spans point into `v`.
/// Errors (offset from the start of the value): avp_value_length (fixed size
/// wrong, offset 0), avp_value_too_short (below minimum, offset 0),
/// avp_field_truncated (Result Code of 3 bytes: offset 2),
/// avp_value_out_of_range (Assigned Tunnel/Session ID 0, offset 0).
template <avp_type T> [[nodiscard]] result<value_t<T>, errc> decode_value(bytes_view v) noexcept {
  constexpr avp_info info = avp_catalogue(T);
  if (const errc e = detail::check_length(info, v.size()); e != errc::ok) return fail(e, 0);
  const std::byte *p = v.data();
  using V = value_t<T>;
  if constexpr (T == avp_type::result_code) {
    V r;
    r.result = core::load_be16(p);
    if (v.size() == 3) return fail(errc::avp_field_truncated, 2);
    if (v.size() >= 4) {
      r.has_error = true;
      r.error = core::load_be16(p + 2);
      r.message = v.subspan(4);
    }
    return r;
  } else if constexpr (T == avp_type::protocol_version) {
    return V{core::load_u8(p), core::load_u8(p + 1)};
  } else if constexpr (T == avp_type::q931_cause_code) {
    return V{core::load_be16(p), core::load_u8(p + 2), v.subspan(3)};
  } else if constexpr (T == avp_type::call_errors) {
    return V{core::load_be32(p + 2),  core::load_be32(p + 6),  core::load_be32(p + 10),
             core::load_be32(p + 14), core::load_be32(p + 18), core::load_be32(p + 22)};
  } else if constexpr (T == avp_type::accm) {
    return V{core::load_be32(p + 2), core::load_be32(p + 6)};
  } else if constexpr (T == avp_type::proxy_authen_id) {
    return V{core::load_u8(p + 1)};
  } else if constexpr (T == avp_type::ppp_disconnect_cause_code) {
    return V{core::load_be16(p), core::load_be16(p + 2), core::load_u8(p + 4), v.subspan(5)};
  } else if constexpr (std::is_same_v<V, empty_value>) {
    return V{};
  } else if constexpr (std::is_same_v<V, bytes_view>) {
    return v;
  } else if constexpr (std::is_same_v<V, std::uint16_t>) {
    const std::uint16_t x = core::load_be16(p);
    // §4.4.3 / §4.4.4: an assigned identifier is non-zero.
    if ((T == avp_type::assigned_tunnel_id || T == avp_type::assigned_session_id) && x == 0)
      return fail(errc::avp_value_out_of_range, 0);
    return x;
  } else if constexpr (std::is_same_v<V, std::uint32_t>) {
    return core::load_be32(p);
  } else {
    static_assert(std::is_same_v<V, std::uint64_t>);
    return core::load_be64(p);
  }
}

/// Bytes the encoded value of `x` occupies.
template <avp_type T> [[nodiscard]] constexpr std::size_t encoded_size(const value_t<T> &x) noexcept {
  using V = value_t<T>;
  if constexpr (T == avp_type::result_code) {
    return x.has_error ? 4 + x.message.size() : 2;
  } else if constexpr (T == avp_type::q931_cause_code) {
    return 3 + x.advisory.size();
  } else if constexpr (T == avp_type::ppp_disconnect_cause_code) {
    return 5 + x.message.size();
  } else if constexpr (std::is_same_v<V, bytes_view>) {
    return x.size();
  } else {
    return avp_catalogue(T).min_length;
  }
}

/// Writes the value of `x` (no AVP header).
/// Errors: buffer_too_small (offset = writer position); value_too_long when
/// the value exceeds the catalogue's maximum (a Result Code message without
/// has_error is written with error code 0, as the RFC requires the field
/// before a message).
template <avp_type T>
[[nodiscard]] result<void, errc> encode_value(core::byte_writer &w, const value_t<T> &x) noexcept {
  constexpr avp_info info = avp_catalogue(T);
  using V = value_t<T>;
  std::size_t n = encoded_size<T>(x);
  if constexpr (T == avp_type::result_code)
    if (!x.has_error && !x.message.empty()) n = 4 + x.message.size();
  if (n > info.max_length) return fail(errc::value_too_long, w.position());
  if (w.remaining() < n) return fail(errc::buffer_too_small, w.position());
  if constexpr (T == avp_type::result_code) {
    (void)w.u16(x.result);
    if (n >= 4) {
      (void)w.u16(x.error);
      (void)w.bytes(x.message);
    }
  } else if constexpr (T == avp_type::protocol_version) {
    (void)w.u8(x.version);
    (void)w.u8(x.revision);
  } else if constexpr (T == avp_type::q931_cause_code) {
    (void)w.u16(x.cause_code);
    (void)w.u8(x.cause_msg);
    (void)w.bytes(x.advisory);
  } else if constexpr (T == avp_type::call_errors) {
    (void)w.u16(0);
    for (std::uint32_t c :
         {x.crc_errors, x.framing_errors, x.hardware_overruns, x.buffer_overruns, x.timeout_errors, x.alignment_errors})
      (void)w.u32(c);
  } else if constexpr (T == avp_type::accm) {
    (void)w.u16(0);
    (void)w.u32(x.send);
    (void)w.u32(x.receive);
  } else if constexpr (T == avp_type::proxy_authen_id) {
    (void)w.u8(0);
    (void)w.u8(x.id);
  } else if constexpr (T == avp_type::ppp_disconnect_cause_code) {
    (void)w.u16(x.code);
    (void)w.u16(x.protocol);
    (void)w.u8(x.direction);
    (void)w.bytes(x.message);
  } else if constexpr (std::is_same_v<V, empty_value>) {
    // nothing
  } else if constexpr (std::is_same_v<V, bytes_view>) {
    if (const errc e = detail::check_length(info, x.size()); e != errc::ok) return fail(e, w.position());
    (void)w.bytes(x);
  } else if constexpr (std::is_same_v<V, std::uint16_t>) {
    (void)w.u16(x);
  } else if constexpr (std::is_same_v<V, std::uint32_t>) {
    (void)w.u32(x);
  } else {
    static_assert(std::is_same_v<V, std::uint64_t>);
    (void)w.u64(x);
  }
  return {};
}

/// Checks the value of IETF AVP type `type` against its catalogue entry and
/// its field rules (runtime dispatch over decode_value). Unknown types pass.
/// Errors: as decode_value (offset from the start of the value).
[[nodiscard]] inline result<void, errc> check_value(std::uint16_t type, bytes_view v) noexcept {
  auto run = [&](auto r) -> result<void, errc> {
    if (!r) return r.error();
    return {};
  };
  switch (static_cast<avp_type>(type)) {
#define VPNWIRE_L2TP_CASE(t)                                                                                           \
  case avp_type::t: return run(decode_value<avp_type::t>(v));
    VPNWIRE_L2TP_CASE(message_type)
    VPNWIRE_L2TP_CASE(result_code)
    VPNWIRE_L2TP_CASE(protocol_version)
    VPNWIRE_L2TP_CASE(framing_capabilities)
    VPNWIRE_L2TP_CASE(bearer_capabilities)
    VPNWIRE_L2TP_CASE(tie_breaker)
    VPNWIRE_L2TP_CASE(firmware_revision)
    VPNWIRE_L2TP_CASE(host_name)
    VPNWIRE_L2TP_CASE(vendor_name)
    VPNWIRE_L2TP_CASE(assigned_tunnel_id)
    VPNWIRE_L2TP_CASE(receive_window_size)
    VPNWIRE_L2TP_CASE(challenge)
    VPNWIRE_L2TP_CASE(q931_cause_code)
    VPNWIRE_L2TP_CASE(challenge_response)
    VPNWIRE_L2TP_CASE(assigned_session_id)
    VPNWIRE_L2TP_CASE(call_serial_number)
    VPNWIRE_L2TP_CASE(minimum_bps)
    VPNWIRE_L2TP_CASE(maximum_bps)
    VPNWIRE_L2TP_CASE(bearer_type)
    VPNWIRE_L2TP_CASE(framing_type)
    VPNWIRE_L2TP_CASE(called_number)
    VPNWIRE_L2TP_CASE(calling_number)
    VPNWIRE_L2TP_CASE(sub_address)
    VPNWIRE_L2TP_CASE(tx_connect_speed)
    VPNWIRE_L2TP_CASE(physical_channel_id)
    VPNWIRE_L2TP_CASE(initial_received_lcp_confreq)
    VPNWIRE_L2TP_CASE(last_sent_lcp_confreq)
    VPNWIRE_L2TP_CASE(last_received_lcp_confreq)
    VPNWIRE_L2TP_CASE(proxy_authen_type)
    VPNWIRE_L2TP_CASE(proxy_authen_name)
    VPNWIRE_L2TP_CASE(proxy_authen_challenge)
    VPNWIRE_L2TP_CASE(proxy_authen_id)
    VPNWIRE_L2TP_CASE(proxy_authen_response)
    VPNWIRE_L2TP_CASE(call_errors)
    VPNWIRE_L2TP_CASE(accm)
    VPNWIRE_L2TP_CASE(random_vector)
    VPNWIRE_L2TP_CASE(private_group_id)
    VPNWIRE_L2TP_CASE(rx_connect_speed)
    VPNWIRE_L2TP_CASE(sequencing_required)
    VPNWIRE_L2TP_CASE(ppp_disconnect_cause_code)
#undef VPNWIRE_L2TP_CASE
  }
  return {};
}

/// Result Code values (§4.4.2) and the General Error codes.
namespace result_codes {
// StopCCN
inline constexpr std::uint16_t stopccn_general_request = 1;
inline constexpr std::uint16_t stopccn_general_error = 2;
inline constexpr std::uint16_t stopccn_channel_exists = 3;
inline constexpr std::uint16_t stopccn_not_authorized = 4;
inline constexpr std::uint16_t stopccn_unsupported_version = 5;
inline constexpr std::uint16_t stopccn_shutting_down = 6;
inline constexpr std::uint16_t stopccn_fsm_error = 7;
// CDN
inline constexpr std::uint16_t cdn_lost_carrier = 1;
inline constexpr std::uint16_t cdn_general_error = 2;
inline constexpr std::uint16_t cdn_admin = 3;
// General Error Codes
inline constexpr std::uint16_t error_none = 0;
inline constexpr std::uint16_t error_no_control_connection = 1;
inline constexpr std::uint16_t error_length_wrong = 2;
inline constexpr std::uint16_t error_value_out_of_range = 3;
inline constexpr std::uint16_t error_insufficient_resources = 4;
inline constexpr std::uint16_t error_invalid_session_id = 5;
inline constexpr std::uint16_t error_vendor_specific = 6;
inline constexpr std::uint16_t error_try_another = 7;
inline constexpr std::uint16_t error_unknown_mandatory_avp = 8;
} // namespace result_codes

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
