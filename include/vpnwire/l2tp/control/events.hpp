// What the control plane tells the embedding application: tunnel and
// session up/down with the negotiated parameters, call requests it must act
// on, link information, and protocol errors with their result codes.
#pragma once

#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {

/// Which end of a call this endpoint is (RFC 2661 §1.2).
enum class role : std::uint8_t {
  lac, ///< L2TP Access Concentrator: places incoming calls (ICRQ), answers outgoing ones (OCRQ).
  lns  ///< L2TP Network Server: answers incoming calls, places outgoing ones.
};

/// The enumerator's name, e.g. "lns".
[[nodiscard]] constexpr std::string_view name(role v) noexcept {
  switch (v) {
  case role::lac: return "lac";
  case role::lns: return "lns";
  }
  return "unknown";
}

enum class event_type : std::uint8_t {
  tunnel_up,             ///< The control connection is established (SCCCN sent or received).
  tunnel_down,           ///< The control connection is gone: StopCCN sent or received, or the peer is unreachable.
  session_up,            ///< A call is established; `session` holds the negotiated parameters.
  session_down,          ///< A call is cleared (CDN sent or received, or its tunnel went down).
  outgoing_call_request, ///< LAC: the LNS asked for an outgoing call (OCRQ); answer with connect_outgoing_call().
  wan_error,             ///< LNS: the LAC reported WAN errors (WEN); `call_errors` holds them.
  set_link_info,         ///< LAC: the LNS set the PPP ACCM (SLI); `accm` holds it.
  protocol_error         ///< A message was malformed or unexpected; `wire_error`/`result` say what and where.
};

[[nodiscard]] constexpr std::string_view name(event_type e) noexcept {
  switch (e) {
  case event_type::tunnel_up: return "tunnel_up";
  case event_type::tunnel_down: return "tunnel_down";
  case event_type::session_up: return "session_up";
  case event_type::session_down: return "session_down";
  case event_type::outgoing_call_request: return "outgoing_call_request";
  case event_type::wan_error: return "wan_error";
  case event_type::set_link_info: return "set_link_info";
  case event_type::protocol_error: return "protocol_error";
  }
  return "unknown";
}

/// Where a tunnel_down or session_down came from.
enum class origin : std::uint8_t {
  local,           ///< We sent the StopCCN / CDN (close(), disconnect(), or a protocol violation by the peer).
  peer,            ///< The peer sent it.
  peer_unreachable ///< The retry limit was reached (§5.8).
};

/// The enumerator's name, e.g. "peer_unreachable".
[[nodiscard]] constexpr std::string_view name(origin v) noexcept {
  switch (v) {
  case origin::local: return "local";
  case origin::peer: return "peer";
  case origin::peer_unreachable: return "peer_unreachable";
  }
  return "unknown";
}

/// The parameters of a call, as negotiated.
struct session_params {
  std::uint16_t local_session_id = 0; ///< Our Assigned Session ID (the peer puts it in headers to us).
  std::uint16_t peer_session_id = 0;  ///< The peer's (we put it in headers to the peer).
  std::uint32_t call_serial_number = 0;
  std::uint32_t bearer_type = 0;
  std::uint32_t framing_type = 0;
  std::uint32_t tx_connect_speed = 0;
  std::uint32_t rx_connect_speed = 0; ///< 0 when absent (then equal to tx, §4.4.5)
  std::uint32_t minimum_bps = 0;      ///< outgoing calls
  std::uint32_t maximum_bps = 0;      ///< outgoing calls
  std::uint32_t physical_channel_id = 0;
  bool incoming = true;             ///< ICRQ call (true) or OCRQ call (false)
  bool sequencing_required = false; ///< Sequencing Required AVP present in ICCN/OCCN (§5.4)
};

/// A result code carried by StopCCN or CDN (§4.4.2), with a bounded copy of its message.
struct result_info {
  std::uint16_t result = 0;
  std::uint16_t error = 0;
  bool has_error = false;
  std::array<char, 64> message{}; ///< truncated copy of the advisory message
  std::uint8_t message_length = 0;
  [[nodiscard]] std::string_view text() const noexcept { return {message.data(), message_length}; }
};

struct event {
  event_type type = event_type::protocol_error;
  origin from = origin::local;
  session_params session{};               ///< session_* and outgoing_call_request
  result_info result{};                   ///< tunnel_down, session_down, protocol_error
  call_errors_value call_errors{};        ///< wan_error
  accm_value accm{};                      ///< set_link_info
  std::uint16_t message_type = 0;         ///< protocol_error: the message concerned (0 if unknown)
  l2tp::errc wire_error = l2tp::errc::ok; ///< protocol_error: the wire layer's verdict, if any
  std::size_t wire_offset = 0;            ///< ... and where in the message body
};

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
