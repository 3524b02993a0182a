// The catalogue of IETF AVPs (RFC 2661 §4.4, types 0-39, and RFC 3145 type
// 46) and of the control message types (§3.2, §6): one table each, from
// which everything else is generated.
//
//   VPNWIRE_L2TP_MESSAGES  one row per message type: the message_type
//                          enumerator, its value, short and long name, and
//                          whether it belongs to a session or to the tunnel;
//   VPNWIRE_L2TP_AVPS      one row per AVP type: the avp_type enumerator, its
//                          value, then the avp_info fields as designated
//                          initialisers: name, value layout, min/max value
//                          length, may be hidden, the M-bit rule, the
//                          messages it must (required_in) or may
//                          (allowed_in) appear in, and the Wireshark 4.0
//                          display-filter fields of its value.
//
// From these two tables come the avp_type and message_type enumerations and
// their name()s, avp_catalogue() and message_catalogue() (O(1) lookups), the
// per-message required/allowed AVP sets that validate_message() applies,
// check_value()'s dispatch, and wireshark_field() for the CLI's JSON keys.
// Adding an AVP is one row (plus, for a structured value, its struct and
// its branch in decode_value/build_value).
//
// Typed values: value_t<avp_type::X> is the decoded form of type X;
// decode_value<X>() and build_value<X>() convert between it and the wire
// bytes of the (non-hidden or already decrypted) value.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ranges>
#include <string_view>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

// clang-format off
/// The control messages (RFC 2661 §3.2; value 5 and 13 are reserved):
/// X(enumerator, value, .name, .long_name, .session).
#define VPNWIRE_L2TP_MESSAGES(X)                                                                                       \
  X(sccrq,    1, .name = "SCCRQ",   .long_name = "Start-Control-Connection-Request")                                   \
  X(sccrp,    2, .name = "SCCRP",   .long_name = "Start-Control-Connection-Reply")                                     \
  X(scccn,    3, .name = "SCCCN",   .long_name = "Start-Control-Connection-Connected")                                 \
  X(stopccn,  4, .name = "StopCCN", .long_name = "Stop-Control-Connection-Notification")                               \
  X(hello,    6, .name = "HELLO",   .long_name = "Hello")                                                              \
  X(ocrq,     7, .name = "OCRQ",    .long_name = "Outgoing-Call-Request",    .session = true)                          \
  X(ocrp,     8, .name = "OCRP",    .long_name = "Outgoing-Call-Reply",      .session = true)                          \
  X(occn,     9, .name = "OCCN",    .long_name = "Outgoing-Call-Connected",  .session = true)                          \
  X(icrq,    10, .name = "ICRQ",    .long_name = "Incoming-Call-Request",    .session = true)                          \
  X(icrp,    11, .name = "ICRP",    .long_name = "Incoming-Call-Reply",      .session = true)                          \
  X(iccn,    12, .name = "ICCN",    .long_name = "Incoming-Call-Connected",  .session = true)                          \
  X(cdn,     14, .name = "CDN",     .long_name = "Call-Disconnect-Notify",   .session = true)                          \
  X(wen,     15, .name = "WEN",     .long_name = "WAN-Error-Notify",         .session = true)                          \
  X(sli,     16, .name = "SLI",     .long_name = "Set-Link-Info",            .session = true)

/// The IETF AVPs: X(enumerator, type, avp_info fields after .type and
/// .known, in declaration order). Inside a row: `var` is the largest value
/// an AVP can carry (1017 bytes); layouts, M-bit rules and message types
/// are named without their enumeration; `messages(...)` is a set of
/// message types and `all_messages` every one. allowed_in lists where an
/// AVP may appear beyond required_in. Type 20 is unassigned in RFC 2661 (a
/// draft-era AVP) and treated as unrecognized. The Wireshark fields are
/// those of the decoded value in the order of its struct's members (for the
/// bit masks: the async/analog bit 2, then the sync/digital bit 1); none for
/// Sequencing Required, which Wireshark shows by its type alone.
#define VPNWIRE_L2TP_AVPS(X)                                                                                           \
  X(message_type,                  0, .name = "Message Type", .layout = u16, .min_length = 2, .max_length = 2,         \
    .m_bit = set, .required_in = all_messages, .wireshark = {"l2tp.avp.message_type"})                                 \
  X(result_code,                   1, .name = "Result Code", .layout = structured, .min_length = 2, .max_length = var, \
    .m_bit = set, .required_in = messages(stopccn, cdn),                                                               \
    .wireshark = {"l2tp.result_code", "l2tp.avp.error_code", "l2tp.avp.error_message"})                                \
  X(protocol_version,              2, .name = "Protocol Version", .layout = structured, .min_length = 2,               \
    .max_length = 2, .m_bit = set, .required_in = messages(sccrq, sccrp),                                              \
    .wireshark = {"l2tp.avp.protocol_version", "l2tp.avp.protocol_revision"})                                          \
  X(framing_capabilities,          3, .name = "Framing Capabilities", .layout = u32, .min_length = 4,                  \
    .max_length = 4, .may_hide = true, .m_bit = set, .required_in = messages(sccrq, sccrp),                            \
    .wireshark = {"l2tp.avp.async_framing_supported", "l2tp.avp.sync_framing_supported"})                              \
  X(bearer_capabilities,           4, .name = "Bearer Capabilities", .layout = u32, .min_length = 4,                   \
    .max_length = 4, .may_hide = true, .m_bit = set, .allowed_in = messages(sccrq, sccrp),                             \
    .wireshark = {"l2tp.avp.analog_access_supported", "l2tp.avp.digital_access_supported"})                            \
  X(tie_breaker,                   5, .name = "Tie Breaker", .layout = u64, .min_length = 8, .max_length = 8,          \
    .m_bit = clear, .allowed_in = messages(sccrq), .wireshark = {"l2tp.tie_breaker"})                                  \
  X(firmware_revision,             6, .name = "Firmware Revision", .layout = u16, .min_length = 2, .max_length = 2,    \
    .may_hide = true, .m_bit = clear, .allowed_in = messages(sccrq, sccrp),                                            \
    .wireshark = {"l2tp.avp.firmware_revision"})                                                                       \
  X(host_name,                     7, .name = "Host Name", .layout = octets, .min_length = 1, .max_length = var,       \
    .m_bit = set, .required_in = messages(sccrq, sccrp), .wireshark = {"l2tp.avp.host_name"})                          \
  X(vendor_name,                   8, .name = "Vendor Name", .layout = octets, .min_length = 0, .max_length = var,     \
    .may_hide = true, .m_bit = clear, .allowed_in = messages(sccrq, sccrp), .wireshark = {"l2tp.avp.vendor_name"})     \
  X(assigned_tunnel_id,            9, .name = "Assigned Tunnel ID", .layout = u16, .min_length = 2, .max_length = 2,   \
    .may_hide = true, .m_bit = set, .required_in = messages(sccrq, sccrp, stopccn),                                    \
    .wireshark = {"l2tp.avp.assigned_tunnel_id"})                                                                      \
  X(receive_window_size,          10, .name = "Receive Window Size", .layout = u16, .min_length = 2, .max_length = 2,  \
    .m_bit = set, .allowed_in = messages(sccrq, sccrp), .wireshark = {"l2tp.avp.receive_window_size"})                 \
  X(challenge,                    11, .name = "Challenge", .layout = octets, .min_length = 1, .max_length = var,       \
    .may_hide = true, .m_bit = set, .allowed_in = messages(sccrq, sccrp), .wireshark = {"l2tp.avp.chap_challenge"})    \
  X(q931_cause_code,              12, .name = "Q.931 Cause Code", .layout = structured, .min_length = 3,               \
    .max_length = var, .m_bit = set, .allowed_in = messages(cdn),                                                      \
    .wireshark = {"l2tp.avp.cause_code", "l2tp.avp.cause_msg", "l2tp.avp.advisory_msg"})                               \
  X(challenge_response,           13, .name = "Challenge Response", .layout = octets, .min_length = 16,                \
    .max_length = 16, .may_hide = true, .m_bit = set, .allowed_in = messages(sccrp, scccn),                            \
    .wireshark = {"l2tp.avp.chap_challenge_response"})                                                                 \
  X(assigned_session_id,          14, .name = "Assigned Session ID", .layout = u16, .min_length = 2, .max_length = 2,  \
    .may_hide = true, .m_bit = set, .required_in = messages(ocrq, ocrp, icrq, icrp, cdn),                              \
    .wireshark = {"l2tp.avp.assigned_session_id"})                                                                     \
  X(call_serial_number,           15, .name = "Call Serial Number", .layout = u32, .min_length = 4, .max_length = 4,   \
    .may_hide = true, .m_bit = set, .required_in = messages(ocrq, icrq), .wireshark = {"l2tp.avp.call_serial_number"}) \
  X(minimum_bps,                  16, .name = "Minimum BPS", .layout = u32, .min_length = 4, .max_length = 4,          \
    .may_hide = true, .m_bit = set, .required_in = messages(ocrq), .wireshark = {"l2tp.avp.minimum_bps"})              \
  X(maximum_bps,                  17, .name = "Maximum BPS", .layout = u32, .min_length = 4, .max_length = 4,          \
    .may_hide = true, .m_bit = set, .required_in = messages(ocrq), .wireshark = {"l2tp.avp.maximum_bps"})              \
  X(bearer_type,                  18, .name = "Bearer Type", .layout = u32, .min_length = 4, .max_length = 4,          \
    .may_hide = true, .m_bit = set, .required_in = messages(ocrq), .allowed_in = messages(icrq),                       \
    .wireshark = {"l2tp.avp.analog_bearer_type", "l2tp.avp.digital_bearer_type"})                                      \
  X(framing_type,                 19, .name = "Framing Type", .layout = u32, .min_length = 4, .max_length = 4,         \
    .may_hide = true, .m_bit = set, .required_in = messages(ocrq, occn, iccn),                                         \
    .wireshark = {"l2tp.avp.async_framing_type", "l2tp.avp.sync_framing_type"})                                        \
  X(called_number,                21, .name = "Called Number", .layout = octets, .min_length = 0, .max_length = var,   \
    .may_hide = true, .m_bit = set, .required_in = messages(ocrq), .allowed_in = messages(icrq),                       \
    .wireshark = {"l2tp.avp.called_number"})                                                                           \
  X(calling_number,               22, .name = "Calling Number", .layout = octets, .min_length = 0, .max_length = var,  \
    .may_hide = true, .m_bit = set, .allowed_in = messages(icrq), .wireshark = {"l2tp.avp.calling_number"})            \
  X(sub_address,                  23, .name = "Sub-Address", .layout = octets, .min_length = 0, .max_length = var,     \
    .may_hide = true, .m_bit = set, .allowed_in = messages(ocrq, icrq), .wireshark = {"l2tp.avp.sub_address"})         \
  X(tx_connect_speed,             24, .name = "Tx Connect Speed", .layout = u32, .min_length = 4, .max_length = 4,     \
    .may_hide = true, .m_bit = set, .required_in = messages(occn, iccn), .wireshark = {"l2tp.avp.connect_speed"})      \
  X(physical_channel_id,          25, .name = "Physical Channel ID", .layout = u32, .min_length = 4, .max_length = 4,  \
    .may_hide = true, .m_bit = clear, .allowed_in = messages(ocrp, icrq), .wireshark = {"l2tp.avp.physical_channel"})  \
  X(initial_received_lcp_confreq, 26, .name = "Initial Received LCP CONFREQ", .layout = octets, .min_length = 0,       \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                 \
    .wireshark = {"l2tp.avp.initial_received_lcp_confreq"})                                                            \
  X(last_sent_lcp_confreq,        27, .name = "Last Sent LCP CONFREQ", .layout = octets, .min_length = 0,              \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                 \
    .wireshark = {"l2tp.avp.last_sent_lcp_confreq"})                                                                   \
  X(last_received_lcp_confreq,    28, .name = "Last Received LCP CONFREQ", .layout = octets, .min_length = 0,          \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                 \
    .wireshark = {"l2tp.avp.last_received_lcp_confreq"})                                                               \
  X(proxy_authen_type,            29, .name = "Proxy Authen Type", .layout = u16, .min_length = 2, .max_length = 2,    \
    .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn), .wireshark = {"l2tp.avp.proxy_authen_type"})       \
  X(proxy_authen_name,            30, .name = "Proxy Authen Name", .layout = octets, .min_length = 0,                  \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                 \
    .wireshark = {"l2tp.avp.proxy_authen_name"})                                                                       \
  X(proxy_authen_challenge,       31, .name = "Proxy Authen Challenge", .layout = octets, .min_length = 1,             \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                 \
    .wireshark = {"l2tp.avp.proxy_authen_challenge"})                                                                  \
  X(proxy_authen_id,              32, .name = "Proxy Authen ID", .layout = structured, .min_length = 2,                \
    .max_length = 2, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                   \
    .wireshark = {"l2tp.avp.proxy_authen_id"})                                                                         \
  X(proxy_authen_response,        33, .name = "Proxy Authen Response", .layout = octets, .min_length = 0,              \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                 \
    .wireshark = {"l2tp.avp.proxy_authen_response"})                                                                   \
  X(call_errors,                  34, .name = "Call Errors", .layout = structured, .min_length = 26,                   \
    .max_length = 26, .may_hide = true, .m_bit = set, .required_in = messages(wen),                                    \
    .wireshark = {"l2tp.avp.crc_errors", "l2tp.avp.framing_errors", "l2tp.avp.hardware_overruns",                      \
                  "l2tp.avp.buffer_overruns", "l2tp.avp.time_out_errors", "l2tp.avp.alignment_errors"})                \
  X(accm,                         35, .name = "ACCM", .layout = structured, .min_length = 10, .max_length = 10,        \
    .may_hide = true, .m_bit = set, .required_in = messages(sli),                                                      \
    .wireshark = {"l2tp.avp.send_accm", "l2tp.avp.receive_accm"})                                                      \
  X(random_vector,                36, .name = "Random Vector", .layout = octets, .min_length = 1, .max_length = var,   \
    .m_bit = set, .allowed_in = all_messages, .wireshark = {"l2tp.avp.random_vector"})                                 \
  X(private_group_id,             37, .name = "Private Group ID", .layout = octets, .min_length = 0,                   \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(iccn),                                 \
    .wireshark = {"l2tp.avp.private_group_id"})                                                                        \
  X(rx_connect_speed,             38, .name = "Rx Connect Speed", .layout = u32, .min_length = 4, .max_length = 4,     \
    .may_hide = true, .m_bit = clear, .allowed_in = messages(occn, iccn), .wireshark = {"l2tp.avp.rx_connect_speed"})  \
  X(sequencing_required,          39, .name = "Sequencing Required", .layout = empty, .min_length = 0,                 \
    .max_length = 0, .m_bit = set, .allowed_in = messages(occn, iccn))                                                 \
  X(ppp_disconnect_cause_code,    46, .name = "PPP Disconnect Cause Code", .layout = structured, .min_length = 5,      \
    .max_length = var, .may_hide = true, .m_bit = clear, .allowed_in = messages(cdn),                                  \
    .wireshark = {"l2tp.avp.disconnect_code", "l2tp.avp.control_protocol_number", "l2tp.avp.cause_code_direction",     \
                  "l2tp.avp.cause_code_message"})
// clang-format on

/// Control message types (the value of the Message Type AVP); see
/// VPNWIRE_L2TP_MESSAGES for the names.
enum class message_type : std::uint16_t {
#define VPNWIRE_L2TP_X(id, value, ...) id = value,
  VPNWIRE_L2TP_MESSAGES(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
};

/// IETF AVP types (Vendor ID 0); see VPNWIRE_L2TP_AVPS.
enum class avp_type : std::uint16_t {
#define VPNWIRE_L2TP_X(id, value, ...) id = value,
  VPNWIRE_L2TP_AVPS(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
};

/// The enumerator's name, e.g. "sccrq" (message_catalogue() has "SCCRQ").
[[nodiscard]] constexpr std::string_view name(message_type t) noexcept {
  switch (t) {
#define VPNWIRE_L2TP_X(id, ...)                                                                                        \
  case message_type::id: return #id;
    VPNWIRE_L2TP_MESSAGES(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
  }
  return "unknown";
}

/// The enumerator's name, e.g. "host_name" (avp_catalogue() has "Host Name").
[[nodiscard]] constexpr std::string_view name(avp_type t) noexcept {
  switch (t) {
#define VPNWIRE_L2TP_X(id, ...)                                                                                        \
  case avp_type::id: return #id;
    VPNWIRE_L2TP_AVPS(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
  }
  return "unknown";
}

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

/// The enumerator's name, e.g. "structured".
[[nodiscard]] constexpr std::string_view name(value_layout l) noexcept {
  switch (l) {
  case value_layout::none: return "none";
  case value_layout::u16: return "u16";
  case value_layout::u32: return "u32";
  case value_layout::u64: return "u64";
  case value_layout::octets: return "octets";
  case value_layout::empty: return "empty";
  case value_layout::structured: return "structured";
  }
  return "unknown";
}

/// The M bit RFC 2661 §4.4 prescribes for a sender ("The M bit for this AVP
/// MUST be set to ..."). A receiver accepts either for a recognized AVP.
enum class m_bit_rule : std::uint8_t {
  set,   ///< M=1: a receiver that does not recognize the AVP clears the session or tunnel.
  clear, ///< M=0: a receiver that does not recognize the AVP skips it.
};

/// The enumerator's name, e.g. "set".
[[nodiscard]] constexpr std::string_view name(m_bit_rule r) noexcept {
  switch (r) {
  case m_bit_rule::set: return "set";
  case m_bit_rule::clear: return "clear";
  }
  return "unknown";
}

/// A set of message types (bit 1 << type).
struct message_set {
  std::uint32_t bits = 0;
  [[nodiscard]] constexpr bool contains(message_type m) const noexcept {
    return ((bits >> static_cast<unsigned>(m)) & 1U) != 0;
  }
  [[nodiscard]] friend constexpr message_set operator|(message_set a, message_set b) noexcept {
    return {a.bits | b.bits};
  }
  friend constexpr bool operator==(message_set, message_set) noexcept = default;
};
/// The set of the given message types.
template <class... M>
requires(std::is_same_v<M, message_type> &&...) [[nodiscard]] constexpr message_set messages(M... m) noexcept {
  return {((std::uint32_t{1} << static_cast<unsigned>(m)) | ... | std::uint32_t{0})};
}
/// Every message type of VPNWIRE_L2TP_MESSAGES.
inline constexpr message_set all_messages = [] {
  message_set s;
#define VPNWIRE_L2TP_X(id, ...) s = s | messages(message_type::id);
  VPNWIRE_L2TP_MESSAGES(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
  return s;
}();

/// Most Wireshark fields one AVP value shows.
inline constexpr std::size_t max_wireshark_fields = 6;

/// One catalogue entry.
struct avp_info {
  avp_type type{};         ///< the type (meaningful when known)
  bool known = false;      ///< false for unassigned types (treated as unrecognized)
  std::string_view name{}; ///< the RFC's name, e.g. "Host Name"
  value_layout layout = value_layout::none;
  std::uint16_t min_length = 0; ///< minimum value length (bytes after the 6-byte header)
  std::uint16_t max_length = 0; ///< maximum value length; == min_length for fixed-size values
  bool may_hide = false;        ///< H=1 allowed
  m_bit_rule m_bit = m_bit_rule::clear;
  message_set required_in{}; ///< messages that must carry it
  message_set allowed_in{};  ///< messages that may carry it, beyond required_in
  /// Wireshark 4.0 display-filter fields of the decoded value ("l2tp.avp.host_name").
  std::array<std::string_view, max_wireshark_fields> wireshark{};

  /// The M bit the writer sets by default.
  [[nodiscard]] constexpr bool mandatory() const noexcept { return m_bit == m_bit_rule::set; }
  /// Messages it may appear in (required or allowed).
  [[nodiscard]] constexpr message_set messages() const noexcept { return required_in | allowed_in; }
};

/// Required and allowed AVPs of one message type (§6), generated from the AVP table.
struct message_info {
  message_type type{};
  bool known = false;
  std::string_view name{};      ///< short name, as tcpdump and Wireshark print it ("SCCRQ")
  std::string_view long_name{}; ///< the RFC's name ("Start-Control-Connection-Request")
  bool session = false;         ///< belongs to a session (clear the session) rather than the tunnel
  std::uint64_t required = 0;   ///< bit (1 << avp type)
  std::uint64_t allowed = 0;    ///< includes required
};

namespace detail {
// clang-format off
inline constexpr std::size_t avp_row_count = 0
#define VPNWIRE_L2TP_X(...) + 1
  VPNWIRE_L2TP_AVPS(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
  ;
inline constexpr std::size_t message_row_count = 0
#define VPNWIRE_L2TP_X(...) + 1
  VPNWIRE_L2TP_MESSAGES(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
  ;
// clang-format on

/// The AVP rows, in table order.
inline constexpr std::array<avp_info, avp_row_count> avp_rows = [] {
  using enum value_layout;
  using enum m_bit_rule;
  using enum message_type;
  [[maybe_unused]] constexpr std::uint16_t var = avp_max_value;
  return std::array<avp_info, avp_row_count>{{
#define VPNWIRE_L2TP_X(id, value, ...) avp_info{.type = avp_type::id, .known = true, __VA_ARGS__},
      VPNWIRE_L2TP_AVPS(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
  }};
}();

/// The message rows, in table order (required/allowed not yet filled).
inline constexpr std::array<message_info, message_row_count> message_rows = [] {
  return std::array<message_info, message_row_count>{{
#define VPNWIRE_L2TP_X(id, value, ...) message_info{.type = message_type::id, .known = true, __VA_ARGS__},
      VPNWIRE_L2TP_MESSAGES(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
  }};
}();

constexpr std::size_t max_type_of_rows() noexcept {
  std::size_t m = 0;
  for (const avp_info &a : avp_rows) m = static_cast<std::size_t>(a.type) > m ? static_cast<std::size_t>(a.type) : m;
  return m;
}
constexpr std::size_t max_message_of_rows() noexcept {
  std::size_t m = 0;
  for (const message_info &i : message_rows)
    m = static_cast<std::size_t>(i.type) > m ? static_cast<std::size_t>(i.type) : m;
  return m;
}
} // namespace detail

/// Catalogue slots: every type below this bound has an entry (unassigned ones are marked unknown).
inline constexpr std::size_t avp_type_slots = detail::max_type_of_rows() + 1;
/// Message catalogue slots (value 0 and the reserved values are unknown).
inline constexpr std::size_t message_type_slots = detail::max_message_of_rows() + 1;
static_assert(avp_type_slots <= 64, "the per-message AVP sets are 64-bit masks");
static_assert(message_type_slots <= 32, "message_set is a 32-bit mask");

namespace detail {
inline constexpr avp_info unknown_avp{};
inline constexpr message_info unknown_message{};
inline constexpr std::array<avp_info, avp_type_slots> avp_by_type = [] {
  std::array<avp_info, avp_type_slots> t{};
  for (const avp_info &a : avp_rows) t[static_cast<std::size_t>(a.type)] = a;
  return t;
}();
inline constexpr std::array<message_info, message_type_slots> message_by_type = [] {
  std::array<message_info, message_type_slots> t{};
  for (message_info m : message_rows) {
    for (const avp_info &a : avp_rows) {
      const std::uint64_t bit = std::uint64_t{1} << static_cast<unsigned>(a.type);
      if (a.required_in.contains(m.type)) m.required |= bit;
      if (a.messages().contains(m.type)) m.allowed |= bit;
    }
    t[static_cast<std::size_t>(m.type)] = m;
  }
  return t;
}();
// Every row has a distinct type, and every AVP a message type does not list
// is one no message lists.
constexpr bool rows_are_distinct() noexcept {
  for (std::size_t i = 0; i < avp_rows.size(); ++i)
    for (std::size_t j = i + 1; j < avp_rows.size(); ++j)
      if (avp_rows[i].type == avp_rows[j].type) return false;
  for (std::size_t i = 0; i < message_rows.size(); ++i)
    for (std::size_t j = i + 1; j < message_rows.size(); ++j)
      if (message_rows[i].type == message_rows[j].type) return false;
  return true;
}
static_assert(rows_are_distinct(), "an AVP or message type appears twice in its table");
} // namespace detail

/// The catalogue entry of IETF type `t` (known=false for unassigned or out-of-range types).
/// (A reference into the table: no copy on the validation path.)
[[nodiscard]] constexpr const avp_info &avp_catalogue(std::uint16_t t) noexcept {
  return t < avp_type_slots ? detail::avp_by_type[t] : detail::unknown_avp;
}
[[nodiscard]] constexpr const avp_info &avp_catalogue(avp_type t) noexcept {
  return avp_catalogue(static_cast<std::uint16_t>(t));
}
/// The message table of §6 (plus RFC 3145 for CDN) for Message Type value `t`
/// (known=false for values no message has). Message Type is required
/// everywhere and Random Vector allowed everywhere (§4.3).
[[nodiscard]] constexpr const message_info &message_catalogue(std::uint16_t t) noexcept {
  return t < message_type_slots ? detail::message_by_type[t] : detail::unknown_message;
}
[[nodiscard]] constexpr const message_info &message_catalogue(message_type t) noexcept {
  return message_catalogue(static_cast<std::uint16_t>(t));
}
/// Whether AVP `a` may appear in message `m` (required or allowed).
[[nodiscard]] constexpr bool may_appear_in(avp_type a, message_type m) noexcept {
  return avp_catalogue(a).messages().contains(m);
}
/// The Wireshark 4.0 display-filter field `i` of the decoded value of IETF
/// AVP type `t` (field 0 is the AVP's main field, e.g. "l2tp.avp.host_name"
/// or "l2tp.result_code"); empty when the type is unassigned or has fewer fields.
[[nodiscard]] constexpr std::string_view wireshark_field(std::uint16_t t, std::size_t i = 0) noexcept {
  return i < max_wireshark_fields ? avp_catalogue(t).wireshark[i] : std::string_view{};
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
// The decoded type of a simple layout; structured types name theirs below.
template <value_layout L> struct layout_value {
  static_assert(L != value_layout::structured && L != value_layout::none, "structured AVPs name their value type");
};
template <> struct layout_value<value_layout::u16> { using type = std::uint16_t; };
template <> struct layout_value<value_layout::u32> { using type = std::uint32_t; };
template <> struct layout_value<value_layout::u64> { using type = std::uint64_t; };
template <> struct layout_value<value_layout::octets> { using type = bytes_view; };
template <> struct layout_value<value_layout::empty> { using type = empty_value; };

template <avp_type T> struct value_of : layout_value<avp_catalogue(T).layout> {};
template <> struct value_of<avp_type::result_code> { using type = result_code_value; };
template <> struct value_of<avp_type::protocol_version> { using type = protocol_version_value; };
template <> struct value_of<avp_type::q931_cause_code> { using type = q931_cause_value; };
template <> struct value_of<avp_type::proxy_authen_id> { using type = proxy_authen_id_value; };
template <> struct value_of<avp_type::call_errors> { using type = call_errors_value; };
template <> struct value_of<avp_type::accm> { using type = accm_value; };
template <> struct value_of<avp_type::ppp_disconnect_cause_code> { using type = ppp_disconnect_cause_value; };

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

namespace detail {
// Value types that hold a span of the decoded bytes.
template <class V> inline constexpr bool holds_view = false;
template <> inline constexpr bool holds_view<bytes_view> = true;
template <> inline constexpr bool holds_view<result_code_value> = true;
template <> inline constexpr bool holds_view<q931_cause_value> = true;
template <> inline constexpr bool holds_view<ppp_disconnect_cause_value> = true;
} // namespace detail

/// Octet values (host names, challenges, the text of a Result Code, ...)
/// point into their input: decoding a temporary container into one would
/// leave it dangling, so it does not compile (integers and fixed structs do).
template <avp_type T, class Owner>
requires(core::temporary_owner<Owner> &&detail::holds_view<value_t<T>>) result<value_t<T>, errc> decode_value(Owner &&)
= delete;

/// Bytes the value `x` of an AVP of type T occupies on the wire (what
/// build_value() writes).
template <avp_type T> [[nodiscard]] constexpr std::size_t value_size(const value_t<T> &x) noexcept {
  using V = value_t<T>;
  if constexpr (T == avp_type::result_code) {
    // The RFC requires the error code field before a message.
    return x.has_error || !x.message.empty() ? 4 + x.message.size() : 2;
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

/// Writes the value `x` of an AVP of type T (no AVP header) at the start of
/// `out`; returns value_size<T>(x). A Result Code message without has_error
/// is written with error code 0 (the RFC requires the field before a message).
/// Errors: value_too_long when the value exceeds the catalogue's maximum
/// (offset 0); avp_value_too_short / avp_value_length for octet values
/// breaking the catalogue's lengths (offset 0); buffer_too_small (offset =
/// out.size()).
template <avp_type T>
[[nodiscard]] result<std::size_t, errc> build_value(mutable_bytes out, const value_t<T> &x) noexcept {
  constexpr avp_info info = avp_catalogue(T);
  using V = value_t<T>;
  const std::size_t n = value_size<T>(x);
  if (n > info.max_length) return fail(errc::value_too_long, 0);
  if constexpr (std::is_same_v<V, bytes_view>) {
    if (const errc e = detail::check_length(info, x.size()); e != errc::ok) return fail(e, 0);
  }
  if (out.size() < n) return fail(errc::buffer_too_small, out.size());
  std::byte *p = out.data();
  auto put_bytes = [&](std::size_t at, bytes_view b) noexcept {
    if (!b.empty()) std::memcpy(p + at, b.data(), b.size());
  };
  if constexpr (T == avp_type::result_code) {
    core::store_be16(p, x.result);
    if (n >= 4) {
      core::store_be16(p + 2, x.error);
      put_bytes(4, x.message);
    }
  } else if constexpr (T == avp_type::protocol_version) {
    core::store_u8(p, x.version);
    core::store_u8(p + 1, x.revision);
  } else if constexpr (T == avp_type::q931_cause_code) {
    core::store_be16(p, x.cause_code);
    core::store_u8(p + 2, x.cause_msg);
    put_bytes(3, x.advisory);
  } else if constexpr (T == avp_type::call_errors) {
    core::store_be16(p, 0);
    std::size_t at = 2;
    for (std::uint32_t c : {x.crc_errors, x.framing_errors, x.hardware_overruns, x.buffer_overruns, x.timeout_errors,
                            x.alignment_errors}) {
      core::store_be32(p + at, c);
      at += 4;
    }
  } else if constexpr (T == avp_type::accm) {
    core::store_be16(p, 0);
    core::store_be32(p + 2, x.send);
    core::store_be32(p + 6, x.receive);
  } else if constexpr (T == avp_type::proxy_authen_id) {
    core::store_u8(p, 0);
    core::store_u8(p + 1, x.id);
  } else if constexpr (T == avp_type::ppp_disconnect_cause_code) {
    core::store_be16(p, x.code);
    core::store_be16(p + 2, x.protocol);
    core::store_u8(p + 4, x.direction);
    put_bytes(5, x.message);
  } else if constexpr (std::is_same_v<V, empty_value>) {
    // nothing
  } else if constexpr (std::is_same_v<V, bytes_view>) {
    put_bytes(0, x);
  } else if constexpr (std::is_same_v<V, std::uint16_t>) {
    core::store_be16(p, x);
  } else if constexpr (std::is_same_v<V, std::uint32_t>) {
    core::store_be32(p, x);
  } else {
    static_assert(std::is_same_v<V, std::uint64_t>);
    core::store_be64(p, x);
  }
  return n;
}

/// Checks the value of IETF AVP type `type` against its catalogue entry and
/// its field rules (runtime dispatch over decode_value, generated from the
/// table). Unknown types pass.
/// Errors: as decode_value (offset from the start of the value).
[[nodiscard]] inline result<void, errc> check_value(std::uint16_t type, bytes_view v) noexcept {
  auto run = [&](auto r) -> result<void, errc> {
    if (!r) return r.error();
    return {};
  };
  switch (static_cast<avp_type>(type)) {
#define VPNWIRE_L2TP_X(id, ...)                                                                                        \
  case avp_type::id: return run(decode_value<avp_type::id>(v));
    VPNWIRE_L2TP_AVPS(VPNWIRE_L2TP_X)
#undef VPNWIRE_L2TP_X
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
