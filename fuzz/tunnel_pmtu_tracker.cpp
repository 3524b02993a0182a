// Fuzz target: tunnel::pmtu_tracker driven by a stream of operations (time
// steps, sequence numbers sent, raw ICMP packets, and ICMP packets built
// around a quote of the SA's own outer packet), and the encapsulation
// decision over the current limits.
//
// Input: a configuration (family, NAT-T, policy, window, floor, aging,
// first hop), then operations until the input ends.
//
// Invariants: every message is counted under exactly one outcome; the
// estimate stays within [floor (or 1280), first hop]; it never rises except
// by aging, and only a `lowered` outcome lowers it; below_floor implies the
// estimate is the floor; limits() never fails; for every inner size the
// decision sends only what the tunnel carries (or, for IPv6 up to 1280,
// flags outer fragmentation) and never reports an IPv6 MTU below 1280.
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/tunnel/encap.hpp"
#include "vpnwire/tunnel/pmtu_tracker.hpp"

#include "fuzz_input.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;

namespace {

tunnel::address addr(tunnel::ip_family f, std::uint8_t last) {
  if (f == tunnel::ip_family::ipv4) return tunnel::address::v4(0xC0000200U | last);
  std::array<std::byte, 16> a{};
  a[0] = std::byte{0x20};
  a[15] = static_cast<std::byte>(last);
  return tunnel::address::v6(a);
}

// Our outer packet (header + ESP or UDP + ESP) as a router would quote it.
std::vector<std::byte> outer(const tunnel::pmtu_config &c, std::size_t size, std::uint32_t spi, std::uint32_t seq,
                             bool udp) {
  const std::size_t h = tunnel::ip_header_size(c.stack.outer);
  size = std::max(size, h + 16);
  std::vector<std::byte> p(size);
  tunnel::outer_header oh;
  oh.source = c.local;
  oh.destination = c.remote;
  oh.protocol = udp ? 17 : 50;
  (void)tunnel::build_outer_header(p, oh, size - h);
  std::size_t at = h;
  if (udp) {
    core::store_be16(p.data() + at, 4500);
    core::store_be16(p.data() + at + 2, c.stack.esp->udp_destination_port);
    core::store_be16(p.data() + at + 4, static_cast<std::uint16_t>(size - h));
    at += 8;
  }
  core::store_be32(p.data() + at, spi);
  core::store_be32(p.data() + at + 4, seq);
  return p;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::bytes_in in{data, size};
  tunnel::pmtu_config c;
  const std::uint8_t flags = in.u8();
  c.stack.outer = (flags & 1U) != 0 ? tunnel::ip_family::ipv6 : tunnel::ip_family::ipv4;
  c.stack.inner = (flags & 2U) != 0 ? tunnel::ip_family::ipv6 : tunnel::ip_family::ipv4;
  c.stack.esp->udp_encap = (flags & 4U) != 0;
  c.stack.esp->esn = (flags & 8U) != 0;
  c.stack.esp->spi = 0x1000;
  c.policy = static_cast<tunnel::icmp_policy>((flags >> 4) % 3);
  c.match_local = (flags & 0x40U) == 0;
  c.recent_window = 1U + in.u16();
  c.ipv4_floor = 68U + in.u16() % 1500U;
  c.aging = std::chrono::seconds(1 + in.u8());
  c.stack.link_mtu = 1280U + in.u16() % 8000U;
  c.local = addr(c.stack.outer, 10);
  c.remote = addr(c.stack.outer, 20);
  auto created = tunnel::pmtu_tracker::create(c);
  if (!created) return 0;
  tunnel::pmtu_tracker t = *created;
  const std::size_t floor = c.stack.outer == tunnel::ip_family::ipv6 ? 1280 : c.ipv4_floor;
  time_point now = from_nanoseconds(0);
  std::uint64_t sent = 0, fed = 0;
  std::size_t last_estimate = t.path_mtu(now);
  std::vector<std::byte> msg(1600);
  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    switch (op % 5) {
    case 0: now += std::chrono::milliseconds(in.u16()) * 100; break;
    case 1:
      sent += in.u16();
      t.on_sent(sent);
      break;
    case 2: { // a raw packet
      const std::size_t n = std::min<std::size_t>(in.u16() % 700, in.n);
      const bytes_view raw = std::as_bytes(std::span(in.p, n));
      in.p += n;
      in.n -= n;
      (void)t.on_packet(raw, now);
      ++fed;
      break;
    }
    default: { // a built message about our own (or a lookalike) packet
      const bool udp = (op & 0x20U) != 0 ? !c.stack.esp->udp_encap : c.stack.esp->udp_encap;
      const std::uint32_t spi = (op & 0x40U) != 0 ? 0x2000U : 0x1000U;
      const auto inv = outer(c, 60 + in.u16() % 9000, spi, static_cast<std::uint32_t>(sent - in.u8()), udp);
      const std::uint32_t mtu = in.u16();
      const bool short_quote = (op & 0x80U) != 0;
      result<std::size_t, ip::icmp_errc> n = fail(ip::icmp_errc::invalid_parameter, 0);
      if (c.stack.outer == tunnel::ip_family::ipv4) {
        n = ip::build_icmpv4_error_packet(msg, 0x01020304, c.local.v4_value(), 64, 3, (op & 8U) != 0 ? 4 : 1, mtu,
                                          short_quote ? ip::icmpv4_quote::rfc792 : ip::icmpv4_quote::rfc1812, inv);
      } else {
        n = ip::build_icmpv6_error_packet(msg, addr(c.stack.outer, 1).bytes, c.local.bytes, 64, (op & 8U) != 0 ? 2 : 3,
                                          0, mtu, bytes_view(inv).first(short_quote ? 48 : inv.size()));
      }
      FUZZ_CHECK(n.has_value());
      const auto e = t.on_packet(bytes_view(msg).first(*n), now);
      ++fed;
      if (e.outcome == tunnel::pmtu_outcome::lowered) FUZZ_CHECK(e.path_mtu <= last_estimate);
      break;
    }
    }
    const std::size_t est = t.path_mtu(now);
    FUZZ_CHECK(est >= floor && est <= t.first_hop_mtu());
    if (est > last_estimate) FUZZ_CHECK(est == t.first_hop_mtu()); // only aging raises it
    if (t.below_floor(now)) FUZZ_CHECK(est == floor && c.stack.outer == tunnel::ip_family::ipv4);
    FUZZ_CHECK(t.counters().messages() == fed);
    const auto lim = t.limits(now);
    FUZZ_CHECK(lim.inner_mtu > 0 && lim.outer_packet <= est);
    last_estimate = est;
  }
  // Decisions over the final limits, for both inner families.
  for (tunnel::ip_family f : {tunnel::ip_family::ipv4, tunnel::ip_family::ipv6}) {
    auto lim = t.limits(now, f);
    if (!lim) continue;
    for (std::size_t n :
         {lim->inner_mtu - 1, lim->inner_mtu, lim->inner_mtu + 1, std::size_t{1280}, std::size_t{1281}}) {
      if (n < 60 || n > 65535) continue;
      std::vector<std::byte> pkt(n);
      if (f == tunnel::ip_family::ipv4) {
        ip::ipv4_fields h;
        h.dont_fragment = true;
        h.protocol = 17;
        h.source = 0x0A000002;
        h.destination = 0x0A000003;
        FUZZ_CHECK(ip::build_ipv4_header(pkt, h, n - 20).has_value());
      } else {
        ip::ipv6_fields h;
        h.next_header = 17;
        h.source = addr(f, 2).bytes;
        h.destination = addr(f, 3).bytes;
        FUZZ_CHECK(ip::build_ipv6_header(pkt, h, n - 40).has_value());
      }
      auto p = tunnel::read_inner_packet(pkt);
      FUZZ_CHECK(p.has_value() && p->size == n);
      const auto d = tunnel::decide_encapsulation(tunnel::df_policy::copy, *p, pkt, lim->inner_mtu, t.below_floor(now));
      if (d.action == tunnel::encap_action::send) FUZZ_CHECK(n <= lim->inner_mtu);
      if (d.action == tunnel::encap_action::send_fragmented_outer)
        FUZZ_CHECK(f == tunnel::ip_family::ipv6 && n <= 1280);
      if (d.action == tunnel::encap_action::report_too_big) {
        FUZZ_CHECK(n > lim->inner_mtu);
        if (f == tunnel::ip_family::ipv6) FUZZ_CHECK(d.mtu >= 1280);
      }
    }
  }
  return 0;
}
