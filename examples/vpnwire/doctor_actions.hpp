// What a protocol peer does about an error the CLI reports (issue #15 point
// 4), from the library's own mappings rather than the CLI's:
//   - an L2TP control message the wire layer rejected: l2tp::clears() says
//     whether an RFC 2661 peer sends StopCCN (the tunnel), CDN (the session)
//     or discards it, l2tp::result_code_for() the Result and General Error
//     Code it sends (RFC 2661 section 4.4.2);
//   - an ESP error: esp::is_fatal() says whether the SA can go on;
//   - an IPv4/IPv6 error: ip::scope() says what it ended, the packet alone or
//     the whole datagram its fragment belonged to.
// The renderers (text, JSON) and doctor's malformed-packet findings print it.
#pragma once

#include "record.hpp"

#include "vpnwire/esp/errc.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/l2tp/errc.hpp"
#include "vpnwire/l2tp/error_action.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace vpnwire_cli {

/// The error code whose name() is `code`, among the enum's 256 values.
template <class E> [[nodiscard]] std::optional<E> errc_named(std::string_view code) noexcept {
  for (unsigned v = 1; v < 256; ++v)
    if (name(static_cast<E>(v)) == code) return static_cast<E>(v);
  return std::nullopt;
}

/// What an RFC 2661 peer does about a control message rejected with an error.
struct l2tp_peer_action {
  std::string_view action; ///< "stopccn", "cdn" or "discard"
  vpnwire::l2tp::result_code code;
};

/// The peer's action for the record's L2TP control-message error, if it has
/// one. Whether the tunnel is established is read from the message itself:
/// SCCRQ, SCCRP, SCCCN (types 1-3) and a message without a known type are
/// setup; any other message type implies an established control connection.
[[nodiscard]] inline std::optional<l2tp_peer_action> l2tp_action_of(const frame_record &rec) noexcept {
  namespace l2 = vpnwire::l2tp;
  if (!rec.error || rec.error->layer != "l2tp") return std::nullopt;
  const l2tp_layer *l = nullptr;
  for (const layer &x : rec.layers)
    if (const auto *p = std::get_if<l2tp_layer>(&x)) l = p;
  if (l == nullptr || !l->control) return std::nullopt;
  const auto e = errc_named<l2::errc>(rec.error->code);
  if (!e) return std::nullopt;
  const bool established = l->message_type > 3;
  const l2::clear_scope scope = l2::clears(*e, l->message_type, established);
  l2tp_peer_action a;
  a.action = scope == l2::clear_scope::tunnel ? "stopccn" : scope == l2::clear_scope::session ? "cdn" : "discard";
  a.code = l2::result_code_for(*e);
  return a;
}

/// Whether the record's ESP error ends the SA (esp::is_fatal), if it has one.
[[nodiscard]] inline std::optional<bool> esp_fatal_of(const frame_record &rec) noexcept {
  if (!rec.error || rec.error->layer != "esp") return std::nullopt;
  const auto e = errc_named<vpnwire::esp::errc>(rec.error->code);
  if (!e) return std::nullopt;
  return vpnwire::esp::is_fatal(*e);
}

/// What the record's IPv4/IPv6 error ended (ip::scope), if it has one.
[[nodiscard]] inline std::optional<vpnwire::ip::error_scope> ip_scope_of(const frame_record &rec) noexcept {
  if (!rec.error || (rec.error->layer != "ip" && rec.error->layer != "ipv6")) return std::nullopt;
  const auto e = errc_named<vpnwire::ip::errc>(rec.error->code);
  if (!e) return std::nullopt;
  return vpnwire::ip::scope(*e);
}

/// The JSON value of vpnwire.ip.scope: "packet", "datagram" or "usage".
[[nodiscard]] constexpr std::string_view scope_word(vpnwire::ip::error_scope s) noexcept {
  switch (s) {
  case vpnwire::ip::error_scope::datagram: return "datagram";
  case vpnwire::ip::error_scope::usage: return "usage";
  default: return "packet";
  }
}

/// A short text of the action: "RFC 2661 peer: StopCCN, result 2 error 3",
/// "RFC 2661 peer: discard", "fatal for the SA", "SA survives", "packet
/// dropped", "datagram dropped"; empty when the record has none of these errors.
[[nodiscard]] inline std::string error_action_text(const frame_record &rec) {
  if (const auto a = l2tp_action_of(rec)) {
    if (a->action == "discard") return "RFC 2661 peer: discard";
    return std::string("RFC 2661 peer: ") + (a->action == "stopccn" ? "StopCCN" : "CDN") + ", result " +
           std::to_string(a->code.result) + " error " + std::to_string(a->code.error);
  }
  if (const auto f = esp_fatal_of(rec)) return *f ? "fatal for the SA" : "SA survives";
  if (const auto sc = ip_scope_of(rec)) {
    if (*sc == vpnwire::ip::error_scope::datagram) return "datagram dropped";
    if (*sc == vpnwire::ip::error_scope::packet) return "packet dropped";
  }
  return {};
}

} // namespace vpnwire_cli
