// Error codes of the tunnel composition area (vpnwire::tunnel): the MTU
// arithmetic over an esp::sa_config, the PMTU tracker and the encapsulation
// step. Offsets in a failed result count from the start of the span handed
// to the failing function (0 for calculations that read no bytes).
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

enum class errc : std::uint8_t {
  ok = 0,            ///< Not an error; never stored in a failed result.
  mtu_too_small,     ///< The link cannot carry the stack with an inner IP + TCP header (40 or 60 bytes) inside.
  invalid_sa_config, ///< The esp::sa_config does not validate (esp::sa_config::validate fails).
  family_mismatch,   ///< Transport mode without L2TP keeps the inner header as the outer one: families must agree.
  invalid_parameter, ///< A configuration value outside its domain (a floor below 68, a zero window, ...).
  buffer_too_small,  ///< The output span (or the headroom in front of a packet) is too small.
  packet_too_large,  ///< The outer packet would exceed 65535 bytes (IPv4 total length, IPv6 payload length).
  not_an_ip_packet,  ///< A packet that is neither a well-formed IPv4 nor a well-formed IPv6 packet.
  not_icmp,          ///< An IP packet that does not carry ICMP (IPv4 protocol 1, IPv6 next header 58).
  icmp_malformed,    ///< The ICMP message or its quoted packet did not parse (see ip::icmp_errc for details).
  not_an_icmp_error, ///< An ICMP message of an informational type (echo, ...): it quotes no packet.
  esp_refused        ///< The ESP SA refused to encapsulate (its outbound counters name the reason).
};

/// The enumerator's name, e.g. "mtu_too_small".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::mtu_too_small: return "mtu_too_small";
  case errc::invalid_sa_config: return "invalid_sa_config";
  case errc::family_mismatch: return "family_mismatch";
  case errc::invalid_parameter: return "invalid_parameter";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::packet_too_large: return "packet_too_large";
  case errc::not_an_ip_packet: return "not_an_ip_packet";
  case errc::not_icmp: return "not_icmp";
  case errc::icmp_malformed: return "icmp_malformed";
  case errc::not_an_icmp_error: return "not_an_icmp_error";
  case errc::esp_refused: return "esp_refused";
  }
  return "unknown";
}

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
