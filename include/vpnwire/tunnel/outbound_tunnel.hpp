// The tunnel encapsulation step: an ESP SA in tunnel mode, its PMTU tracker
// and its DF policy, composed. For each inner packet it decides (see
// tunnel/encap.hpp) whether to send it, fragment it first or report it too
// big, and when sending, encrypts it in place (esp::outbound_sa) and writes
// the outer IPv4 or IPv6 header in front, with the DF bit the policy and the
// path call for. ICMP from the outside goes to on_icmp, which feeds the
// tracker with what the SA has sent.
//
//   buffer: [ outer IP header | UDP (NAT-T) | SPI seq IV | inner packet | tailroom ]
//            ^ buf             ^ headroom() before the inner packet
//
//   tunnel::outbound_tunnel tx(std::move(sa), tracker, {tunnel::df_policy::copy});
//   auto r = tx.encapsulate(buf, inner_len, now);
//   switch (r->decision.action) {
//   case send: transmit(buf.first(r->size)); break;
//   case send_fragmented_outer:  // tunnel/outer_fragmenter.hpp, with a fresh identification
//     for (auto f = tunnel::outer_fragmenter::create(buf.first(r->size), r->outer_mtu, id++).value(); !f.done();)
//       transmit(frag.first(f.next(frag).value()));
//     break;
//   case fragment_inner:  ip::fragmenter::create(inner, r->decision.mtu) ... encapsulate each; break;
//   case report_too_big:  tunnel::build_too_big_reply(reply, my_inner_address, r->decision.mtu, 64, inner); break;
//   case drop: break;
//   }
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/detail/config.hpp"
#include "vpnwire/esp/crypto/concepts.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/esp/sa.hpp"
#include "vpnwire/tunnel/encap.hpp"
#include "vpnwire/tunnel/errc.hpp"
#include "vpnwire/tunnel/family.hpp"
#include "vpnwire/tunnel/pmtu_tracker.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

/// The named settings of a tunnel-mode SA's outer header.
struct tunnel_settings {
  /// RFC 4301 §8.1: set, clear or copy the DF bit.
  df_policy df = df_policy::copy;
  /// Outer TTL / hop limit.
  std::uint8_t ttl = 64;
  /// Copy the inner TOS / Traffic Class (DSCP, RFC 4301 §5.1.2.1; ECN, RFC
  /// 6040 normal mode) into the outer header; 0 otherwise.
  bool copy_tos = true;
};

/// One counter per action, and the refusals.
struct tunnel_counters {
  std::uint64_t sent = 0;
  std::uint64_t sent_fragmented_outer = 0;
  std::uint64_t fragment_inner = 0;
  std::uint64_t report_too_big = 0;
  std::uint64_t dropped = 0;
  std::uint64_t not_ip = 0;      ///< Refused: the inner bytes are not an IP packet.
  std::uint64_t esp_refused = 0; ///< Refused by the ESP SA (see its counters).
  std::uint64_t no_room = 0;     ///< Refused: the buffer is too small, or the inner family does not fit.
};

/// What encapsulate did.
struct encap_result {
  encap_decision decision{};
  /// For send and send_fragmented_outer: the outer packet at the start of
  /// the buffer (outer header + [UDP] + ESP); 0 otherwise.
  std::size_t size = 0;
  /// For send_fragmented_outer: the path MTU the outer packet exceeds, to
  /// fragment it to (tunnel::outer_fragmenter; an outer IPv6 packet must be
  /// fragmented by us, routers never do); 0 otherwise.
  std::size_t outer_mtu = 0;
};

/// Checks that an SA and a tracker configuration describe the same tunnel:
/// tunnel mode, the same SPI, cipher and UDP encapsulation.
/// Errors: invalid_parameter (0) otherwise.
[[nodiscard]] inline result<void, errc> check_tunnel(const esp::sa_config &sa, const pmtu_config &cfg) noexcept {
  if (sa.mode != esp::sa_mode::tunnel || !cfg.stack.esp) return fail(errc::invalid_parameter, 0);
  const esp::sa_config &t = *cfg.stack.esp;
  if (t.spi != sa.spi || t.cipher != sa.cipher || t.integrity != sa.integrity || t.udp_encap != sa.udp_encap ||
      t.mode != sa.mode || t.icv_size() != sa.icv_size() || t.udp_destination_port != sa.udp_destination_port)
    return fail(errc::invalid_parameter, 0);
  return {};
}

template <esp::crypto::transform Crypto> class outbound_tunnel {
public:
  /// Precondition: check_tunnel(sa.config(), tracker.config()) succeeds;
  /// traps otherwise.
  outbound_tunnel(esp::outbound_sa<Crypto> sa, const pmtu_tracker &tracker, tunnel_settings settings = {}) noexcept
      : sa_(std::move(sa)), tracker_(tracker), settings_(settings) {
    VPNWIRE_ASSERT(check_tunnel(sa_.config(), tracker_.config()).has_value());
  }

  /// Bytes before the inner packet: the outer IP header and ESP's headroom.
  [[nodiscard]] std::size_t headroom() const noexcept { return outer_header_size() + sa_.headroom(); }
  /// Bytes the buffer needs after the inner packet.
  [[nodiscard]] std::size_t tailroom() const noexcept { return sa_.tailroom(); }

  /// Decides about the inner packet at buf[headroom(), headroom() + inner_len)
  /// and, when it is to be sent, encapsulates it in place and writes the
  /// outer header at buf[0]. Bytes after the inner packet's own length
  /// (link padding) are not encapsulated.
  /// Errors (the packet is not sent; each counted): buffer_too_small
  /// (offset = buf.size()) when buf cannot hold headroom() + inner_len, or
  /// the encapsulated packet; not_an_ip_packet (offset in buf) when the inner
  /// bytes are not an IP packet; mtu_too_small (0) when the tunnel cannot
  /// carry the inner packet's family at all; esp_refused (0) when the SA
  /// refuses (sequence numbers exhausted, crypto failure: see sa().counters()).
  [[nodiscard]] result<encap_result, errc> encapsulate(mutable_bytes buf, std::size_t inner_len,
                                                       time_point now) noexcept {
    const std::size_t head = headroom();
    if (buf.size() < head || buf.size() - head < inner_len) {
      ++counters_.no_room;
      return fail(errc::buffer_too_small, buf.size());
    }
    const bytes_view inner = buf.subspan(head, inner_len);
    auto p = read_inner_packet(inner);
    if (!p) {
      ++counters_.not_ip;
      return fail(errc::not_an_ip_packet, head + p.offset());
    }
    auto lim = tracker_.limits(now, p->family);
    if (!lim) {
      ++counters_.no_room;
      return fail(errc::mtu_too_small, 0);
    }
    encap_result r;
    r.decision = decide_encapsulation(settings_.df, *p, inner, lim->inner_mtu, tracker_.below_floor(now));
    switch (r.decision.action) {
    case encap_action::fragment_inner: ++counters_.fragment_inner; return r;
    case encap_action::report_too_big: ++counters_.report_too_big; return r;
    case encap_action::drop: ++counters_.dropped; return r;
    case encap_action::send:
    case encap_action::send_fragmented_outer: break;
    }
    const std::size_t ip_len = outer_header_size();
    const std::uint8_t next_header = p->family == ip_family::ipv4 ? 4 : 41; // RFC 4303 §2.6: IP-in-IP
    auto n = sa_.encap(buf.subspan(ip_len), p->size, next_header);
    if (!n) {
      if (n.code() == esp::errc::buffer_too_small) {
        ++counters_.no_room;
        return fail(errc::buffer_too_small, buf.size());
      }
      ++counters_.esp_refused;
      return fail(errc::esp_refused, 0);
    }
    outer_header h;
    h.source = tracker_.config().local;
    h.destination = tracker_.config().remote;
    h.protocol = sa_.config().udp_encap ? 17 : 50;
    h.dont_fragment = r.decision.outer_dont_fragment;
    h.ttl = settings_.ttl;
    h.tos = settings_.copy_tos ? p->tos : std::uint8_t{0};
    h.identification = next_id_++;
    auto hdr = build_outer_header(buf, h, *n);
    if (!hdr) { // the outer length field cannot hold it (an IPv4 packet above 65535)
      ++counters_.no_room;
      return hdr.error();
    }
    if (sa_.config().udp_encap && h.source.family == ip_family::ipv6) write_udp6_checksum(buf, h, *n);
    tracker_.on_sent(sa_.last_sequence());
    ++(r.decision.action == encap_action::send ? counters_.sent : counters_.sent_fragmented_outer);
    r.size = ip_len + *n;
    if (r.decision.action == encap_action::send_fragmented_outer) r.outer_mtu = tracker_.path_mtu(now);
    return r;
  }

  /// Feeds an ICMP or ICMPv6 packet from the outside to the tracker, with
  /// the sequence numbers sent so far.
  pmtu_event on_icmp(bytes_view packet, time_point now) noexcept {
    tracker_.on_sent(sa_.last_sequence());
    return tracker_.on_packet(packet, now);
  }

  [[nodiscard]] esp::outbound_sa<Crypto> &sa() noexcept { return sa_; }
  [[nodiscard]] const pmtu_tracker &tracker() const noexcept { return tracker_; }
  [[nodiscard]] pmtu_tracker &tracker() noexcept { return tracker_; }
  [[nodiscard]] const tunnel_settings &settings() const noexcept { return settings_; }
  [[nodiscard]] const tunnel_counters &counters() const noexcept { return counters_; }

private:
  [[nodiscard]] std::size_t outer_header_size() const noexcept { return ip_header_size(tracker_.config().stack.outer); }

  // RFC 8200 §8.1: UDP over IPv6 carries a checksum (a zero one is allowed
  // only under RFC 6935/6936's conditions); outbound_sa writes 0, as RFC 3948
  // asks for IPv4.
  static void write_udp6_checksum(mutable_bytes buf, const outer_header &h, std::size_t udp_len) noexcept {
    const mutable_bytes udp = buf.subspan(ip::ipv6_header_size, udp_len);
    core::store_be16(udp.data() + 6, 0);
    core::checksum_accumulator acc;
    acc.add(h.source.wire());
    acc.add(h.destination.wire());
    acc.add_u32(static_cast<std::uint32_t>(udp_len));
    acc.add_u16(17);
    acc.add(udp);
    std::uint16_t c = acc.finish();
    if (c == 0) c = 0xFFFF;
    core::store_be16(udp.data() + 6, c);
  }

  esp::outbound_sa<Crypto> sa_;
  pmtu_tracker tracker_;
  tunnel_settings settings_{};
  tunnel_counters counters_{};
  std::uint16_t next_id_ = 1;
};

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
