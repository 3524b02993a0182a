// Error codes of the L2TP control plane (vpnwire::l2tp::control).
//
// These are the failures of calls into the control plane: a message handed
// to the reliable transport that cannot be sent, a parameter the peer
// advertised that RFC 2661 forbids. What happens to received datagrams is
// reported through the transport's receive_outcome and counters instead,
// because dropping a hostile datagram is a normal outcome, not an error of
// the caller.
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {

enum class errc : std::uint8_t {
  ok = 0,                ///< Not an error; never stored in a failed result.
  message_too_short,     ///< A control message is shorter than the 12-byte control header.
  message_too_long,      ///< A control message is longer than the transport's max_message limit.
  not_a_control_message, ///< The T, L or S bit is clear, or O is set, or the version is not 2 (offset 0).
  length_mismatch,       ///< The header's Length field differs from the message size (offset 2).
  zlb_not_allowed,       ///< send() was given a message without AVPs; ZLBs are the transport's own.
  send_queue_full,       ///< Every send slot holds a message not yet acknowledged.
  transport_closed,      ///< The transport is lingering, failed or closed and takes no new message.
  receive_window_zero,   ///< The peer advertised a Receive Window Size of 0 (RFC 2661 §4.4.3 forbids it).
  buffer_too_small,      ///< The output span cannot hold the datagram to transmit.
  build_failed,          ///< The wire layer's message writer refused the message (too long for the buffer).
  wrong_state,           ///< The tunnel or session is not in a state that allows the call.
  wrong_role,            ///< The call belongs to the other role (e.g. an LNS placing an incoming call).
  unknown_session,       ///< No session has this local session ID.
  session_table_full,    ///< Every session slot is in use.
  not_an_sccrq,          ///< inspect_sccrq() was given a datagram that is not an SCCRQ (offset 0).
  malformed_message,     ///< The wire layer rejected the message (offset = where, from the datagram start).
  tunnel_table_full,     ///< Every tunnel slot of an endpoint is in use.
  unknown_tunnel         ///< No tunnel of the endpoint has this local Tunnel ID.
};

/// The enumerator's name, e.g. "send_queue_full".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::message_too_short: return "message_too_short";
  case errc::message_too_long: return "message_too_long";
  case errc::not_a_control_message: return "not_a_control_message";
  case errc::length_mismatch: return "length_mismatch";
  case errc::zlb_not_allowed: return "zlb_not_allowed";
  case errc::send_queue_full: return "send_queue_full";
  case errc::transport_closed: return "transport_closed";
  case errc::receive_window_zero: return "receive_window_zero";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::build_failed: return "build_failed";
  case errc::wrong_state: return "wrong_state";
  case errc::wrong_role: return "wrong_role";
  case errc::unknown_session: return "unknown_session";
  case errc::session_table_full: return "session_table_full";
  case errc::not_an_sccrq: return "not_an_sccrq";
  case errc::malformed_message: return "malformed_message";
  case errc::tunnel_table_full: return "tunnel_table_full";
  case errc::unknown_tunnel: return "unknown_tunnel";
  }
  return "unknown";
}

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
