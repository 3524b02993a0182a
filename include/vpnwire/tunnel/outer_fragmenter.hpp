// Fragmenting an outer packet at the tunnel entry, for either outer family:
// what encap_action::send_fragmented_outer asks for (an inner IPv6 packet of
// at most 1280 bytes on a tunnel whose inner MTU is smaller, RFC 2473 §7.1,
// RFC 8200 §5), and what df_policy::clear allows for an outer IPv6 header
// (routers never fragment IPv6: only the source may).
//
//   auto r = tx.encapsulate(buf, inner_len, now);
//   if (r->decision.action == tunnel::encap_action::send_fragmented_outer) {
//     auto f = tunnel::outer_fragmenter::create(buf.first(r->size), r->outer_mtu, next_id++);
//     while (f && !f->done()) transmit(out.first(f->next(out).value()));
//   }
//
// Outer IPv6: RFC 8200 §4.5 fragments (ip::ipv6_fragmenter): a Fragment
// header after the unfragmentable part, 8-byte aligned offsets, the caller's
// identification. Outer IPv4 (its DF clear, as the tunnel writes it for this
// action): RFC 791 fragments (ip::fragmenter) keeping the header's
// identification; a sender may also leave IPv4 fragmentation to its stack.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/ipv6_fragmenter.hpp"
#include "vpnwire/tunnel/errc.hpp"
#include "vpnwire/tunnel/family.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

class outer_fragmenter {
public:
  constexpr outer_fragmenter() noexcept = default;

  /// Prepares to fragment the outer packet `packet` (IPv4 or IPv6, as
  /// outbound_tunnel wrote it) for a path MTU `path_mtu`. `identification`
  /// is the IPv6 Fragment header's, one per outer datagram (unused for
  /// IPv4, whose header already carries one). A packet that fits is
  /// produced unchanged. The packet's bytes must outlive the fragmenter.
  /// Errors: not_an_ip_packet (offset of the IP parse error) when the bytes
  /// are not an IP packet, or an IPv6 packet whose header chain cannot be
  /// walked or is already fragmented; invalid_parameter (6) for an IPv4
  /// packet with DF set; mtu_too_small (0) when the MTU cannot carry the
  /// headers and 8 data bytes, or an IPv6 first fragment the header chain
  /// through the upper-layer header (RFC 7112).
  template <ip::detail::byte_range R>
  requires ip::detail::lasting<R>
  [[nodiscard]] static result<outer_fragmenter, errc> create(R &&packet, std::size_t path_mtu,
                                                             std::uint32_t identification) noexcept {
    return create_from(bytes_view(ip::detail::as_span(packet)), path_mtu, identification);
  }
  /// A temporary container would leave the fragmenter dangling: does not compile.
  template <ip::detail::byte_range R>
  requires(!ip::detail::lasting<R>) static result<outer_fragmenter, errc> create(R &&, std::size_t,
                                                                                 std::uint32_t) = delete;

  /// The outer packet's family.
  [[nodiscard]] ip_family family() const noexcept { return family_; }
  /// True when every fragment has been produced.
  [[nodiscard]] bool done() const noexcept { return family_ == ip_family::ipv4 ? v4_.done() : v6_.done(); }
  /// How many fragments the packet yields (1 when it fits).
  [[nodiscard]] std::size_t count() const noexcept { return family_ == ip_family::ipv4 ? v4_.count() : v6_.count(); }
  /// Writes the next fragment into `out` and returns its size.
  /// Errors: buffer_too_small (offset = out.size()); invalid_parameter (0) after done().
  [[nodiscard]] result<std::size_t, errc> next(mutable_bytes out) noexcept {
    auto n = family_ == ip_family::ipv4 ? v4_.next(out) : v6_.next(out);
    if (n) return *n;
    if (n.code() == ip::errc::buffer_too_small) return fail(errc::buffer_too_small, out.size());
    return fail(errc::invalid_parameter, 0);
  }

private:
  [[nodiscard]] static result<outer_fragmenter, errc> create_from(bytes_view packet, std::size_t mtu,
                                                                  std::uint32_t identification) noexcept {
    outer_fragmenter f;
    if (!packet.empty() && (core::load_u8(packet.data()) >> 4) == 6) {
      f.family_ = ip_family::ipv6;
      auto r = ip::ipv6_fragmenter::create(packet, mtu, identification);
      if (!r) return fail(map(r.code()), map(r.code()) == errc::mtu_too_small ? 0 : r.offset());
      f.v6_ = *r;
      return f;
    }
    auto r = ip::fragmenter::create(packet, mtu);
    if (!r) {
      if (r.code() == ip::errc::dont_fragment) return fail(errc::invalid_parameter, 6);
      return fail(map(r.code()), map(r.code()) == errc::mtu_too_small ? 0 : r.offset());
    }
    f.v4_ = *r;
    return f;
  }
  [[nodiscard]] static constexpr errc map(ip::errc e) noexcept {
    switch (e) {
    case ip::errc::mtu_too_small:
    case ip::errc::incomplete_header_chain: return errc::mtu_too_small;
    default: return errc::not_an_ip_packet;
    }
  }

  ip_family family_ = ip_family::ipv4;
  ip::fragmenter v4_{};
  ip::ipv6_fragmenter v6_{};
};

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
