// The exact tunnel MTU and TCP MSS for a stack of encapsulations: which
// inner packet is the largest one that leaves the link unfragmented.
//
// Computed in closed form from per-layer sizes (this header's own table of
// ESP transforms: IV, padding alignment, ICV), with the ESP padding rounded
// to the cipher's alignment exactly as RFC 4303 §2.4 requires, not
// estimated. tests/ip/mtu_vs_esp_test.cpp checks every inner size against
// the ESP encapsulator.
//
// Layers, outermost first:
//   link (IP MTU of the interface; with `pppoe` the Ethernet payload MTU
//   less PPPoE's 6-byte header and 2-byte PPP protocol, RFC 2516)
//   outer IPv4 header (20, no options)
//   UDP 8 (RFC 3948 NAT-T on port 4500), optional
//   ESP: SPI 4 + sequence 4 + IV | payload + padding + 2 | ICV
//     tunnel mode: the payload is an IPv4 packet;
//     transport mode: the payload is what followed the (outer) IPv4 header
//   L2TPv2 over UDP (RFC 2661): UDP 8 + L2TP 6 [+2 length] [+4 Ns/Nr]
//   PPP: address/control 2 (0 with ACFC) + protocol 2 (1 with PFC)
//   inner IPv4 packet
#pragma once

#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// Sizes of an ESP transform as they appear on the wire.
struct esp_transform {
  std::string_view name{};
  std::uint8_t iv_size = 0;       ///< Explicit IV per packet.
  std::uint8_t pad_alignment = 4; ///< payload + 2 is padded to a multiple of this (lcm(block, 4)).
  std::uint8_t icv_size = 0;      ///< Integrity check value.
};

/// The transforms of RFC 8221's list in common use, with their sizes.
namespace esp_transforms {
/// AES-CBC (RFC 3602: 16-byte IV and block) with HMAC-SHA1-96 (RFC 2404).
inline constexpr esp_transform aes_cbc_hmac_sha1_96{"aes-cbc/hmac-sha1-96", 16, 16, 12};
/// AES-CBC with HMAC-SHA-256-128 (RFC 4868).
inline constexpr esp_transform aes_cbc_hmac_sha256_128{"aes-cbc/hmac-sha256-128", 16, 16, 16};
/// AES-GCM with a 16-byte ICV (RFC 4106: 8-byte IV, no block alignment beyond ESP's 4).
inline constexpr esp_transform aes_gcm_16{"aes-gcm-16", 8, 4, 16};
inline constexpr esp_transform aes_gcm_12{"aes-gcm-12", 8, 4, 12};
inline constexpr esp_transform aes_gcm_8{"aes-gcm-8", 8, 4, 8};
/// AES-CTR (RFC 3686: 8-byte IV) with HMAC-SHA1-96.
inline constexpr esp_transform aes_ctr_hmac_sha1_96{"aes-ctr/hmac-sha1-96", 8, 4, 12};
/// ChaCha20-Poly1305 (RFC 7634: 8-byte IV, 16-byte tag).
inline constexpr esp_transform chacha20_poly1305{"chacha20-poly1305", 8, 4, 16};
/// AES-GMAC (RFC 4543): integrity only, 8-byte IV, 16-byte tag.
inline constexpr esp_transform aes_gmac{"aes-gmac", 8, 4, 16};
/// NULL encryption (RFC 2410) with HMAC-SHA1-96.
inline constexpr esp_transform null_hmac_sha1_96{"null/hmac-sha1-96", 0, 4, 12};
/// 3DES-CBC (RFC 2451: 8-byte IV and block) with HMAC-SHA1-96 (legacy).
inline constexpr esp_transform des3_cbc_hmac_sha1_96{"3des-cbc/hmac-sha1-96", 8, 8, 12};
} // namespace esp_transforms

enum class esp_mode : std::uint8_t {
  none,      ///< No ESP (plain L2TP over UDP, for example).
  transport, ///< ESP between the outer IPv4 header and its payload.
  tunnel     ///< ESP carrying a whole inner IPv4 packet.
};

struct tunnel_stack {
  /// IP MTU of the link (largest outer IPv4 packet); with pppoe, the
  /// Ethernet payload MTU (usually 1500) from which PPPoE's 8 bytes are taken.
  std::size_t link_mtu = 1500;
  bool pppoe = false;
  /// RFC 3948 UDP encapsulation of ESP (8 bytes).
  bool nat_t = false;
  esp_mode mode = esp_mode::tunnel;
  esp_transform esp = esp_transforms::aes_gcm_16;
  /// L2TPv2 over UDP carried inside (L2TP/IPsec is transport mode + l2tp).
  bool l2tp = false;
  bool l2tp_length = false;   ///< L bit: the 2-byte length field is present.
  bool l2tp_sequence = false; ///< S bit: Ns and Nr (4 bytes) are present.
  bool ppp_acfc = false;      ///< Address and control fields compressed away.
  bool ppp_pfc = false;       ///< Protocol field compressed to 1 byte.
};

/// The sizes a stack allows, all in bytes.
struct tunnel_limits {
  /// The largest inner IPv4 packet (header included) that passes unfragmented.
  std::size_t inner_mtu = 0;
  /// The TCP MSS for that packet: inner_mtu - 20 (IPv4) - 20 (TCP).
  std::size_t tcp_mss = 0;
  /// The ESP payload at inner_mtu (0 without ESP).
  std::size_t esp_payload = 0;
  /// The outer IPv4 packet size at inner_mtu (<= the link's IP MTU).
  std::size_t outer_packet = 0;
  /// Bytes added to the inner packet at inner_mtu (outer_packet - inner_mtu).
  std::size_t overhead = 0;
};

/// Bytes between the start of the ESP payload (or the outer UDP/IP
/// payload without ESP) and the inner IPv4 packet.
[[nodiscard]] constexpr std::size_t inner_prefix(const tunnel_stack &s) noexcept {
  std::size_t n = 0;
  if (s.l2tp) {
    n += 8 + 6 + (s.l2tp_length ? 2U : 0U) + (s.l2tp_sequence ? 4U : 0U);
    n += (s.ppp_acfc ? 0U : 2U) + (s.ppp_pfc ? 1U : 2U);
    if (s.mode == esp_mode::tunnel) n += 20; // the IPv4 header that carries L2TP's UDP inside the tunnel
  }
  return n;
}

/// Computes the limits of a stack.
/// Errors: invalid_parameter (offset 0) when an ESP stack's pad alignment
/// is not a power of two >= 4; mtu_too_small (offset 0) when no inner IPv4
/// packet of at least 40 bytes (IPv4 + TCP headers) fits.
[[nodiscard]] constexpr result<tunnel_limits, errc> compute_tunnel_limits(const tunnel_stack &s) noexcept {
  const std::size_t a = s.esp.pad_alignment;
  if (s.mode != esp_mode::none && (a < 4 || (a & (a - 1)) != 0)) return fail(errc::invalid_parameter, 0);
  const std::size_t pppoe = s.pppoe ? 8 : 0;
  const std::size_t outer_ip = 20;
  const std::size_t udp = s.nat_t && s.mode != esp_mode::none ? 8 : 0;
  std::size_t fixed = pppoe + outer_ip + udp;
  if (s.link_mtu < fixed) return fail(errc::mtu_too_small, 0);
  std::size_t room = s.link_mtu - fixed; // bytes for ESP (or the L2TP UDP datagram without ESP)
  tunnel_limits r{};
  const std::size_t prefix = inner_prefix(s);
  if (s.mode == esp_mode::none) {
    if (room < prefix) return fail(errc::mtu_too_small, 0);
    r.inner_mtu = room - prefix + (s.l2tp ? 0 : outer_ip);
    r.esp_payload = 0;
  } else {
    const std::size_t esp_fixed = 8U + s.esp.iv_size + s.esp.icv_size;
    if (room < esp_fixed + a) return fail(errc::mtu_too_small, 0);
    const std::size_t cipher_room = (room - esp_fixed) / a * a; // payload + padding + 2, aligned
    const std::size_t payload = cipher_room - 2;
    if (payload < prefix) return fail(errc::mtu_too_small, 0);
    r.esp_payload = payload;
    // Transport mode without L2TP: the inner packet is the original IPv4
    // packet whose header becomes the outer header.
    r.inner_mtu = payload - prefix + (s.mode == esp_mode::transport && !s.l2tp ? outer_ip : 0);
  }
  if (r.inner_mtu < 40) return fail(errc::mtu_too_small, 0);
  r.tcp_mss = r.inner_mtu - 40;
  // The outer packet at that size (padding included).
  if (s.mode == esp_mode::none) {
    r.outer_packet = r.inner_mtu + prefix + udp + (s.l2tp ? outer_ip : 0);
  } else {
    const std::size_t payload = r.esp_payload;
    const std::size_t padded = (payload + 2 + a - 1) / a * a;
    r.outer_packet = outer_ip + udp + 8U + s.esp.iv_size + padded + s.esp.icv_size;
  }
  r.overhead = r.outer_packet - r.inner_mtu;
  return r;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
