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

// clang-format off
/// The error codes: X(enumerator, "what it means"), in value order (ok = 0 first).
#define VPNWIRE_L2TP_CONTROL_ERRCS(X)                                                                                  \
  X(ok, "Not an error; never stored in a failed result.")                                                              \
  X(message_too_short, "A control message is shorter than the 12-byte control header.")                                \
  X(message_too_long, "A control message is longer than the transport's max_message limit.")                           \
  X(not_a_control_message, "The T, L or S bit is clear, or O is set, or the version is not 2 (offset 0).")             \
  X(length_mismatch, "The header's Length field differs from the message size (offset 2).")                            \
  X(zlb_not_allowed, "send() was given a message without AVPs; ZLBs are the transport's own.")                         \
  X(send_queue_full, "Every send slot holds a message not yet acknowledged.")                                          \
  X(transport_closed, "The transport is lingering, failed or closed and takes no new message.")                        \
  X(receive_window_zero, "The peer advertised a Receive Window Size of 0 (RFC 2661 §4.4.3 forbids it).")               \
  X(buffer_too_small, "The output span cannot hold the datagram to transmit.")                                         \
  X(build_failed, "The wire layer's message writer refused the message (too long for the buffer).")                    \
  X(wrong_state, "The tunnel or session is not in a state that allows the call.")                                      \
  X(wrong_role, "The call belongs to the other role (e.g. an LNS placing an incoming call).")                          \
  X(unknown_session, "No session has this local session ID.")                                                          \
  X(session_table_full, "Every session slot is in use.")                                                               \
  X(not_an_sccrq, "inspect_sccrq() was given a datagram that is not an SCCRQ (offset 0).")                             \
  X(malformed_message, "The wire layer rejected the message (offset = where, from the datagram start).")               \
  X(tunnel_table_full, "Every tunnel slot of an endpoint is in use.")                                                  \
  X(unknown_tunnel, "No tunnel of the endpoint has this local Tunnel ID.")                                             \
  X(out_of_memory, "create() could not allocate the memory the limits ask for (nothing was built).")
// clang-format on

enum class errc : std::uint8_t {
#define VPNWIRE_L2TP_CONTROL_ERRC_X(id, text) id,
  VPNWIRE_L2TP_CONTROL_ERRCS(VPNWIRE_L2TP_CONTROL_ERRC_X)
#undef VPNWIRE_L2TP_CONTROL_ERRC_X
};

/// The enumerator's name, e.g. "send_queue_full".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
#define VPNWIRE_L2TP_CONTROL_ERRC_X(id, text)                                                                          \
  case errc::id: return #id;
    VPNWIRE_L2TP_CONTROL_ERRCS(VPNWIRE_L2TP_CONTROL_ERRC_X)
#undef VPNWIRE_L2TP_CONTROL_ERRC_X
  }
  return "unknown";
}

/// What the code means, in one sentence (the table's text).
[[nodiscard]] constexpr std::string_view description(errc e) noexcept {
  switch (e) {
#define VPNWIRE_L2TP_CONTROL_ERRC_X(id, text)                                                                          \
  case errc::id: return text;
    VPNWIRE_L2TP_CONTROL_ERRCS(VPNWIRE_L2TP_CONTROL_ERRC_X)
#undef VPNWIRE_L2TP_CONTROL_ERRC_X
  }
  return "unknown error code";
}

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
