// The exact tunnel MTU and TCP MSS for a stack of encapsulations: the largest
// inner packet that leaves the link unfragmented, for either IP family
// outside and inside.
//
// The ESP sizes come from the SA's own description (esp::sa_config: IV,
// padding alignment, ICV, mode, UDP encapsulation), so there is one
// description of a transform. The arithmetic is done here in closed form,
// with the ESP padding rounded to the cipher's alignment exactly as RFC 4303
// §2.4 requires; tests/tunnel/mtu_vs_esp_test.cpp checks every inner size of
// every stack, both families, against the ESP encapsulator itself.
//
// Layers, outermost first:
//   link (IP MTU of the interface; with `pppoe` the Ethernet payload MTU
//   less PPPoE's 6-byte header and 2-byte PPP protocol, RFC 2516)
//   outer IP header: IPv4 20 (no options) or IPv6 40 (no extension headers)
//   UDP 8 (RFC 3948 NAT-T: sa_config::udp_encap), optional
//   ESP: SPI 4 + sequence 4 + IV | payload + padding + 2 | ICV
//     tunnel mode: the payload is an inner IP packet;
//     transport mode: the payload is what followed the outer IP header
//   L2TPv2 over UDP (RFC 2661): UDP 8 + L2TP 6 [+2 length] [+4 Ns/Nr]
//     (in tunnel mode an IP header of the outer family carries it inside)
//   PPP: address/control 2 (0 with ACFC) + protocol 2 (1 with PFC)
//   inner IP packet (IPv4 or IPv6: PPP protocol 0x0021 or 0x0057)
#pragma once

#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/sa.hpp"
#include "vpnwire/tunnel/errc.hpp"
#include "vpnwire/tunnel/family.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

/// Bytes PPPoE takes from an Ethernet payload (RFC 2516: 6-byte header and
/// the 2-byte PPP protocol field).
inline constexpr std::size_t pppoe_overhead = 8;

/// A stack of encapsulations over one link.
struct tunnel_stack {
  /// IP MTU of the link (largest outer packet); with pppoe, the Ethernet
  /// payload MTU (usually 1500) from which PPPoE's 8 bytes are taken.
  std::size_t link_mtu = 1500;
  bool pppoe = false;
  /// Family of the outer header (the packets on the link).
  ip_family outer = ip_family::ipv4;
  /// Family of the inner packet whose MTU is computed.
  ip_family inner = ip_family::ipv4;
  /// The ESP SA (cipher, integrity, ICV length, mode, udp_encap for NAT-T);
  /// empty for a stack without ESP (plain L2TP over UDP, or a bare link).
  std::optional<esp::sa_config> esp = esp::sa_config{};
  /// L2TPv2 over UDP carried inside (L2TP/IPsec is transport mode + l2tp).
  bool l2tp = false;
  bool l2tp_length = false;   ///< L bit: the 2-byte length field is present.
  bool l2tp_sequence = false; ///< S bit: Ns and Nr (4 bytes) are present.
  bool ppp_acfc = false;      ///< Address and control fields compressed away.
  bool ppp_pfc = false;       ///< Protocol field compressed to 1 byte.
};

/// The sizes a stack allows, all in bytes.
struct tunnel_limits {
  /// The largest inner packet (header included) that passes unfragmented.
  std::size_t inner_mtu = 0;
  /// The TCP MSS for that packet: inner_mtu - 40 (IPv4) or - 60 (IPv6).
  std::size_t tcp_mss = 0;
  /// The ESP payload at inner_mtu (0 without ESP).
  std::size_t esp_payload = 0;
  /// The outer packet size at inner_mtu (<= link_ip_mtu).
  std::size_t outer_packet = 0;
  /// Bytes added to the inner packet at inner_mtu (outer_packet - inner_mtu).
  std::size_t overhead = 0;
  /// The link's IP MTU (link_mtu less PPPoE's 8 bytes).
  std::size_t link_ip_mtu = 0;
  /// True when inner_mtu is below the inner family's minimum link MTU
  /// (1280 for IPv6, RFC 8200 §5; 68 for IPv4): the stack cannot carry
  /// every packet that family may send unfragmented, so the tunnel must
  /// fragment outer packets for inner packets up to that minimum (see
  /// tunnel/encap.hpp) instead of reporting them too big.
  bool below_inner_minimum = false;
};

/// Bytes between the start of the ESP payload (or the outer UDP/IP payload
/// without ESP) and the inner IP packet: L2TP's UDP, L2TP and PPP headers,
/// and in tunnel mode the IP header (of the outer family) that carries L2TP.
[[nodiscard]] constexpr std::size_t inner_prefix(const tunnel_stack &s) noexcept {
  std::size_t n = 0;
  if (s.l2tp) {
    n += 8 + 6 + (s.l2tp_length ? 2U : 0U) + (s.l2tp_sequence ? 4U : 0U);
    n += (s.ppp_acfc ? 0U : 2U) + (s.ppp_pfc ? 1U : 2U);
    if (s.esp && s.esp->mode == esp::sa_mode::tunnel) n += ip_header_size(s.outer);
  }
  return n;
}

/// Computes the limits of a stack.
/// Errors (offset 0): invalid_sa_config when `esp` does not validate;
/// family_mismatch for transport-mode ESP without L2TP whose inner and outer
/// families differ (the inner header is the outer one there);
/// mtu_too_small when no inner packet with an IP and a TCP header (40 bytes
/// for IPv4, 60 for IPv6) fits.
[[nodiscard]] constexpr result<tunnel_limits, errc> compute_tunnel_limits(const tunnel_stack &s) noexcept {
  if (s.esp && !s.esp->validate()) return fail(errc::invalid_sa_config, 0);
  const bool transport = s.esp && s.esp->mode == esp::sa_mode::transport;
  if (transport && !s.l2tp && s.inner != s.outer) return fail(errc::family_mismatch, 0);
  const std::size_t pppoe = s.pppoe ? pppoe_overhead : 0;
  const std::size_t outer_ip = ip_header_size(s.outer);
  const std::size_t udp = s.esp && s.esp->udp_encap ? esp::udp_header_size : 0;
  const std::size_t fixed = pppoe + outer_ip + udp;
  if (s.link_mtu < fixed) return fail(errc::mtu_too_small, 0);
  const std::size_t room = s.link_mtu - fixed; // for ESP, or for L2TP's UDP datagram without ESP
  const std::size_t prefix = inner_prefix(s);
  tunnel_limits r{};
  r.link_ip_mtu = s.link_mtu - pppoe;
  if (!s.esp) {
    if (s.l2tp) {
      if (room < prefix) return fail(errc::mtu_too_small, 0);
      r.inner_mtu = room - prefix;
    } else {
      r.inner_mtu = r.link_ip_mtu; // a bare link: the inner packet is the packet on the link
    }
  } else {
    // The ESP sizes are the SA's; the rounding is done here, independently of
    // esp::sa_config::max_payload, so the brute-force test checks both.
    const std::size_t a = s.esp->pad_alignment();
    const std::size_t esp_fixed = esp::header_size + s.esp->iv_size() + s.esp->icv_size();
    if (room < esp_fixed + a) return fail(errc::mtu_too_small, 0);
    const std::size_t cipher_room = (room - esp_fixed) / a * a; // payload + padding + 2, aligned
    const std::size_t payload = cipher_room - 2;
    if (payload < prefix) return fail(errc::mtu_too_small, 0);
    r.esp_payload = payload;
    // Transport mode without L2TP: the inner packet is the original packet
    // whose header becomes the outer header.
    r.inner_mtu = payload - prefix + (transport && !s.l2tp ? outer_ip : 0);
  }
  if (r.inner_mtu < ip_header_size(s.inner) + tcp_header_size) return fail(errc::mtu_too_small, 0);
  r.tcp_mss = tcp_mss(s.inner, r.inner_mtu);
  r.below_inner_minimum = r.inner_mtu < minimum_mtu(s.inner);
  if (!s.esp) {
    r.outer_packet = s.l2tp ? r.inner_mtu + prefix + outer_ip : r.inner_mtu;
  } else {
    const std::size_t a = s.esp->pad_alignment();
    const std::size_t padded = (r.esp_payload + 2 + a - 1) / a * a;
    r.outer_packet = outer_ip + udp + esp::header_size + s.esp->iv_size() + padded + s.esp->icv_size();
  }
  r.overhead = r.outer_packet - r.inner_mtu;
  return r;
}

/// The limits of ESP alone over an IP path of `path_mtu` bytes (no PPPoE,
/// no L2TP): the common case of an SA whose path MTU was learnt from ICMP.
/// Errors: as compute_tunnel_limits.
[[nodiscard]] constexpr result<tunnel_limits, errc>
compute_tunnel_limits(std::size_t path_mtu, const esp::sa_config &sa, ip_family outer, ip_family inner) noexcept {
  tunnel_stack s;
  s.link_mtu = path_mtu;
  s.outer = outer;
  s.inner = inner;
  s.esp = sa;
  return compute_tunnel_limits(s);
}

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
