// UDP encapsulation of ESP (RFC 3948) on port 4500, over IPv4 or IPv6:
// telling the three kinds of datagram apart, the receive helper that strips
// the UDP header, classifies and finds the SA by SPI, and the builders for the
// UDP header and the NAT-keepalive.
//
//   UDP datagram:  src port | dst port | length | checksum | payload
//   payload:       0xFF                          NAT-keepalive (1 byte)
//                  00 00 00 00 | IKE message      non-ESP marker, then IKE
//                  SPI (never 0) | seq | ...      ESP packet
//
// Every function keeps the constness of its input: given mutable_bytes it
// returns writable sub-spans, so the ESP packet goes to inbound_sa::decap()
// without pointer arithmetic. Temporary containers do not compile.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/detail/byte_span.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/sa.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// What a UDP/4500 payload carries.
enum class natt_kind : std::uint8_t {
  keepalive, ///< The 1-byte 0xFF NAT-keepalive (RFC 3948 §2.3): drop it.
  ike,       ///< Starts with the 4-byte non-ESP marker (zero): IKE, payload after the marker.
  esp,       ///< An ESP packet (SPI is never 0, so no marker).
};

/// The enumerator's name: "keepalive", "ike" or "esp".
[[nodiscard]] constexpr std::string_view name(natt_kind k) noexcept {
  switch (k) {
  case natt_kind::keepalive: return "keepalive";
  case natt_kind::ike: return "ike";
  case natt_kind::esp: return "esp";
  }
  return "unknown";
}

/// A classified UDP/4500 payload: its kind and the bytes the next layer takes
/// (the IKE message without the marker, the whole ESP packet, or the
/// keepalive byte), over bytes_view or mutable_bytes.
template <class Bytes> struct basic_natt_datagram {
  natt_kind kind = natt_kind::esp;
  Bytes payload{};
};
using natt_datagram = basic_natt_datagram<bytes_view>;
using mutable_natt_datagram = basic_natt_datagram<mutable_bytes>;

/// Size of the non-ESP marker.
inline constexpr std::size_t non_esp_marker_size = 4;

namespace detail {
template <class Bytes> [[nodiscard]] result<basic_natt_datagram<Bytes>, errc> classify(Bytes p) noexcept {
  const std::size_t n = p.size();
  if (n == 0) return fail(errc::too_short, 0);
  if (n == 1) {
    if (p[0] == std::byte{0xFF}) return basic_natt_datagram<Bytes>{natt_kind::keepalive, p};
    return fail(errc::keepalive_invalid, 0);
  }
  if (n >= non_esp_marker_size && core::load_be32(p.data()) == 0)
    return basic_natt_datagram<Bytes>{natt_kind::ike, p.subspan(non_esp_marker_size)};
  if (n < header_size) return fail(errc::too_short, n);
  return basic_natt_datagram<Bytes>{natt_kind::esp, p};
}
} // namespace detail

/// Classifies the payload of a UDP datagram received on port 4500.
/// Errors: keepalive_invalid (0) for a 1-byte datagram other than 0xFF;
/// too_short (size) for an empty datagram or an ESP packet shorter than its
/// 8-byte header.
[[nodiscard]] inline result<natt_datagram, errc> classify_udp4500(bytes_view udp_payload) noexcept {
  return detail::classify(udp_payload);
}
/// The same over writable bytes: the payload span is writable. Errors: as above.
[[nodiscard]] inline result<mutable_natt_datagram, errc> classify_udp4500(mutable_bytes udp_payload) noexcept {
  return detail::classify(udp_payload);
}
/// An lvalue byte container is classified through the span of its constness.
template <class Owner>
requires detail::lasting_owner<Owner>
[[nodiscard]] auto classify_udp4500(Owner &&owner) noexcept { return classify_udp4500(detail::as_span(owner)); }
/// The payload view would point into a temporary: does not compile.
template <class Owner>
requires detail::dangling_owner<Owner>
void classify_udp4500(Owner &&) = delete;

/// A UDP datagram with its 8-byte header stripped (RFC 768): the ports and
/// the payload, cut to the length field (bytes after it, such as link-layer
/// padding, are not part of the payload).
template <class Bytes> struct basic_udp_encapsulated {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  /// The checksum field as received. vpnwire does not verify it: over IPv4
  /// RFC 3948 §2.1 lets it be 0, and a non-zero one (and every one over IPv6)
  /// covers a pseudo-header only the IP layer knows.
  std::uint16_t checksum = 0;
  Bytes payload{};
};
using udp_encapsulated = basic_udp_encapsulated<bytes_view>;
using mutable_udp_encapsulated = basic_udp_encapsulated<mutable_bytes>;

namespace detail {
template <class Bytes> [[nodiscard]] result<basic_udp_encapsulated<Bytes>, errc> strip_udp(Bytes d) noexcept {
  if (d.size() < udp_header_size) return fail(errc::too_short, d.size());
  const std::size_t len = core::load_be16(d.data() + 4);
  if (len < udp_header_size || len > d.size()) return fail(errc::udp_length_invalid, 4);
  basic_udp_encapsulated<Bytes> u;
  u.source_port = core::load_be16(d.data());
  u.destination_port = core::load_be16(d.data() + 2);
  u.checksum = core::load_be16(d.data() + 6);
  u.payload = d.subspan(udp_header_size, len - udp_header_size);
  return u;
}
} // namespace detail

/// Strips the UDP header of a datagram (from its first UDP byte, over IPv4 or
/// IPv6). Errors: too_short (size) below 8 bytes; udp_length_invalid (4) when
/// the length field is below 8 or beyond the datagram.
[[nodiscard]] inline result<udp_encapsulated, errc> parse_udp_encapsulation(bytes_view datagram) noexcept {
  return detail::strip_udp(datagram);
}
/// The same over writable bytes. Errors: as above.
[[nodiscard]] inline result<mutable_udp_encapsulated, errc> parse_udp_encapsulation(mutable_bytes datagram) noexcept {
  return detail::strip_udp(datagram);
}
/// An lvalue byte container, through the span of its constness.
template <class Owner>
requires detail::lasting_owner<Owner>
[[nodiscard]] auto parse_udp_encapsulation(Owner &&owner) noexcept {
  return parse_udp_encapsulation(detail::as_span(owner));
}
/// The payload view would point into a temporary: does not compile.
template <class Owner>
requires detail::dangling_owner<Owner>
void parse_udp_encapsulation(Owner &&) = delete;

/// What receive_udp4500() found: the UDP fields, the kind, the payload for
/// the next layer and, for ESP, the SPI and the SA the lookup returned.
template <class Bytes, class Sa> struct basic_natt_receive {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  natt_kind kind = natt_kind::esp;
  /// ESP: the packet from its SPI (give it to the SA's decap); IKE: the
  /// message after the non-ESP marker; keepalive: the 0xFF byte.
  Bytes payload{};
  /// ESP only: the packet's SPI.
  std::uint32_t spi = 0;
  /// ESP only: what the lookup returned (never null for ESP); value-initialised otherwise.
  Sa sa{};
};

/// A callable that maps an SPI to an SA handle (a pointer, or anything
/// testable in a condition whose "false" means no SA).
template <class F>
concept spi_lookup = std::invocable<F &, std::uint32_t> && requires(F &f) {
  {static_cast<bool>(f(std::uint32_t{}))};
} && std::is_default_constructible_v<std::invoke_result_t<F &, std::uint32_t>>;

namespace detail {
template <class Bytes, class Lookup>
[[nodiscard]] auto receive(Bytes datagram, Lookup &lookup) noexcept
    -> result<basic_natt_receive<Bytes, std::invoke_result_t<Lookup &, std::uint32_t>>, errc> {
  using out_t = basic_natt_receive<Bytes, std::invoke_result_t<Lookup &, std::uint32_t>>;
  auto u = strip_udp(datagram);
  if (!u) return u.error();
  auto c = classify(u->payload);
  if (!c) return fail(c.code(), c.offset() + udp_header_size);
  out_t r;
  r.source_port = u->source_port;
  r.destination_port = u->destination_port;
  r.kind = c->kind;
  r.payload = c->payload;
  if (c->kind == natt_kind::esp) {
    r.spi = core::load_be32(c->payload.data());
    r.sa = lookup(r.spi);
    if (!static_cast<bool>(r.sa)) return fail(errc::no_sa_for_spi, udp_header_size);
  }
  return r;
}
} // namespace detail

/// The NAT-T receive step in one call: strips the UDP header of a datagram
/// received on port 4500 (its first UDP byte onwards, over IPv4 or IPv6),
/// classifies the payload and, for ESP, calls `lookup(spi)` and returns its
/// SA with the packet. Offsets count from the start of the UDP header.
///
///   auto r = esp::receive_udp4500(udp, [&](std::uint32_t spi) { return table.find(spi); });
///   if (r && r->kind == esp::natt_kind::esp) auto d = r->sa->decap(r->payload);
///
/// Errors: those of parse_udp_encapsulation(); those of classify_udp4500()
/// (offset + 8); no_sa_for_spi (8) when the lookup returns no SA.
template <spi_lookup Lookup> [[nodiscard]] auto receive_udp4500(bytes_view datagram, Lookup &&lookup) noexcept {
  return detail::receive(datagram, lookup);
}
/// The same over writable bytes: the payload is a writable sub-span for
/// in-place decap. Errors: as above.
template <spi_lookup Lookup> [[nodiscard]] auto receive_udp4500(mutable_bytes datagram, Lookup &&lookup) noexcept {
  return detail::receive(datagram, lookup);
}
/// An lvalue byte container, through the span of its constness.
template <class Owner, spi_lookup Lookup>
requires detail::lasting_owner<Owner>
[[nodiscard]] auto receive_udp4500(Owner &&owner, Lookup &&lookup) noexcept {
  return receive_udp4500(detail::as_span(owner), std::forward<Lookup>(lookup));
}
/// The payload view would point into a temporary: does not compile.
template <class Owner, class Lookup>
requires detail::dangling_owner<Owner>
void receive_udp4500(Owner &&, Lookup &&) = delete;

/// Builds the 8-byte UDP header of a datagram of `udp_length` bytes (header
/// included) with checksum 0, as RFC 3948 §2.1 asks of UDP-encapsulated ESP
/// over IPv4 (over IPv6 the caller fills in the checksum, or lets
/// outbound_sa::encap do it with encap_options::udp_ipv6).
/// Errors: buffer_too_small (offset = out.size()); packet_too_large (4) when
/// udp_length > 65535 or < 8.
[[nodiscard]] inline result<std::size_t, errc> build_udp_header(mutable_bytes out, std::uint16_t source_port,
                                                                std::uint16_t destination_port,
                                                                std::size_t udp_length) noexcept {
  if (out.size() < udp_header_size) return fail(errc::buffer_too_small, out.size());
  if (udp_length > 0xFFFFU || udp_length < udp_header_size) return fail(errc::packet_too_large, 4);
  core::store_be16(out.data(), source_port);
  core::store_be16(out.data() + 2, destination_port);
  core::store_be16(out.data() + 4, static_cast<std::uint16_t>(udp_length));
  core::store_be16(out.data() + 6, 0);
  return udp_header_size;
}

/// Builds the 1-byte NAT-keepalive payload (0xFF, RFC 3948 §2.3) that a
/// NAT-T peer sends on port 4500 to keep the NAT mapping alive.
/// Errors: buffer_too_small (offset = out.size()) for an empty span.
[[nodiscard]] inline result<std::size_t, errc> build_natt_keepalive(mutable_bytes out) noexcept {
  if (out.empty()) return fail(errc::buffer_too_small, 0);
  out[0] = std::byte{0xFF};
  return std::size_t{1};
}

} // namespace esp
} // namespace v1
} // namespace vpnwire
