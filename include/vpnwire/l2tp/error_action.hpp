// What RFC 2661 asks of a receiver when the wire layer rejects a control
// message: the Result Code and General Error Code to send (§4.4.2), and
// which connection, if any, the rejection clears. The library owns this
// mapping (as ngtcp2 owns ngtcp2_err_infer_quic_transport_error_code) so
// that an embedder's control plane and vpnwire's agree:
//
//   auto m = l2tp::validate_message(h->payload());
//   if (!m) {
//     const l2tp::result_code rc = l2tp::result_code_for(m.code());
//     switch (l2tp::clears(m.code(), type_value, tunnel_is_up)) {
//     case l2tp::clear_scope::tunnel:  send_stopccn(rc); break;
//     case l2tp::clear_scope::session: send_cdn(session, rc); break;
//     case l2tp::clear_scope::none:    break;   // report, keep going
//     }
//   }
//
// An unknown M=1 AVP is not an error of validate_message(): it is accepted
// with disposition clear_session or clear_tunnel, and message_view carries
// the Result and Error Code (2 and 8) itself.
#pragma once

#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

/// The Result Code AVP fields (§4.4.2) that answer a rejected message.
struct result_code {
  std::uint16_t result = 0; ///< StopCCN or CDN result (2: general error, see the error code)
  std::uint16_t error = 0;  ///< General Error Code (0: none)
  friend constexpr bool operator==(const result_code &, const result_code &) noexcept = default;
};

/// The Result Code to send about a message the wire layer rejected with `e`.
/// The result is 2 ("General error--Error Code indicates the problem" in a
/// StopCCN, "Call disconnected for the reasons indicated in error code" in
/// a CDN); the General Error Code is
///  - 2 "Length is wrong" for every error about a Length field or a value
///    of the wrong size (header, AVP framing, fixed and minimum value
///    lengths, a field cut partway, a hidden value's length);
///  - 3 "One of the field values was out of range or reserved field was
///    non-zero" for the other errors about what a message carries (a value
///    out of range, Message Type misplaced, hidden or repeated, AVPs
///    missing, repeated, hidden or present where the RFC forbids, a hidden
///    AVP without its Random Vector, header flags a control message must
///    not have, a version this layer does not speak);
///  - 4 "Insufficient resources to handle this operation now" for
///    digest_failure (the receiver could not decrypt, the sender did
///    nothing wrong);
///  - 0 (no general error) for ok and for the errors that describe no
///    received message (typed accessors, builders, the writer).
[[nodiscard]] constexpr result_code result_code_for(errc e) noexcept {
  switch (e) {
  case errc::ok: return {0, 0};
  case errc::header_truncated:
  case errc::length_below_header:
  case errc::length_beyond_datagram:
  case errc::offset_beyond_end:
  case errc::avp_header_truncated:
  case errc::avp_length_below_header:
  case errc::avp_length_beyond_message:
  case errc::avp_value_length:
  case errc::avp_value_too_short:
  case errc::avp_field_truncated:
  case errc::hidden_value_too_short:
  case errc::hidden_length_exceeds_value:
    return {result_codes::stopccn_general_error, result_codes::error_length_wrong};
  case errc::version_l2f:
  case errc::unsupported_version:
  case errc::control_without_length:
  case errc::control_without_sequence:
  case errc::control_with_offset:
  case errc::avp_value_out_of_range:
  case errc::message_type_not_first:
  case errc::message_type_repeated:
  case errc::message_type_hidden:
  case errc::missing_required_avp:
  case errc::avp_not_allowed:
  case errc::avp_repeated:
  case errc::hidden_not_allowed:
  case errc::not_a_control_message:
  case errc::hidden_avp_without_random_vector:
  case errc::random_vector_after_hidden_avp:
    return {result_codes::stopccn_general_error, result_codes::error_value_out_of_range};
  case errc::digest_failure: return {result_codes::stopccn_general_error, result_codes::error_insufficient_resources};
  case errc::avp_absent:
  case errc::avp_hidden_needs_secret:
  case errc::not_hidden:
  case errc::buffer_too_small:
  case errc::value_too_long:
  case errc::writer_state: return {result_codes::stopccn_general_error, result_codes::error_none};
  }
  return {result_codes::stopccn_general_error, result_codes::error_none};
}

/// Which connection a rejected message clears.
enum class clear_scope : std::uint8_t {
  none,    ///< Nothing: discard (or report) the message and keep the tunnel and sessions.
  session, ///< The session the message belongs to: send CDN.
  tunnel,  ///< The whole control connection: send StopCCN.
};

/// The enumerator's name, e.g. "session".
[[nodiscard]] constexpr std::string_view name(clear_scope s) noexcept {
  switch (s) {
  case clear_scope::none: return "none";
  case clear_scope::session: return "session";
  case clear_scope::tunnel: return "tunnel";
  }
  return "unknown";
}

/// Whether the error `e` found in a control message (Message Type value
/// `message_type_value`, 0 when unknown) clears the session, the tunnel or
/// nothing, given whether the control connection is established:
///  - errors of the header (including versions other than 2, which §3.1
///    says to discard silently), digest_failure and the errors that describe
///    no received message: none (the message is dropped; it cannot be
///    attributed, or the sender did nothing wrong);
///  - any other error while the control connection is being set up: tunnel
///    (§5.1: a broken setup message leaves nothing to talk to);
///  - once it is established: session for a session message (§6.6-§6.12:
///    OCRQ to SLI), none for a tunnel message (the error is reported and the
///    tunnel kept).
[[nodiscard]] constexpr clear_scope clears(errc e, std::uint16_t message_type_value, bool tunnel_established) noexcept {
  switch (e) {
  case errc::ok:
  case errc::header_truncated:
  case errc::version_l2f:
  case errc::unsupported_version:
  case errc::control_without_length:
  case errc::control_without_sequence:
  case errc::control_with_offset:
  case errc::length_below_header:
  case errc::length_beyond_datagram:
  case errc::offset_beyond_end:
  case errc::not_a_control_message:
  case errc::digest_failure:
  case errc::avp_absent:
  case errc::avp_hidden_needs_secret:
  case errc::not_hidden:
  case errc::buffer_too_small:
  case errc::value_too_long:
  case errc::writer_state: return clear_scope::none;
  default: break;
  }
  if (!tunnel_established) return clear_scope::tunnel;
  return message_catalogue(message_type_value).session ? clear_scope::session : clear_scope::none;
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
