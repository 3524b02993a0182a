// Fuzz target: the IPv6 view and its extension-header chain walker, UDP and
// TCP over IPv6, MSS clamping over IPv6, and the IPv6 builders.
//
// Input: 2 bytes of walker limits, then the packet.
//
// Invariants: views stay inside the input; the walk terminates within the
// header-count limit, its items are consecutive, inside the packet and
// within the chain-length limit; its error offset lies inside the packet;
// upper_layer() agrees with the walk (same end, same protocol); no Fragment
// header appears twice; the checksum destination is the one the first
// Routing header names (each type's layout) or the fixed header's, the
// checksum source the first Home Address option's or the packet's; a
// parsed fixed header rebuilt with build_ipv6_header is byte-identical;
// MSS clamping writes nothing on error, at most the MSS value and the TCP
// checksum otherwise, never raises the MSS, and keeps a verifying checksum
// verifying.
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/mss_clamp.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/udp.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) return 0;
  const ip::ipv6_chain_limits lim{.max_extension_headers = 1 + (data[0] % 20U),
                                  .max_chain_length = 40 + std::size_t{data[1]} * 8};
  std::vector<std::byte> buf(size - 2); // its own allocation, so ASan sees any over-read
  if (!buf.empty()) std::memcpy(buf.data(), data + 2, buf.size());
  const bytes_view in(buf);
  auto v = ip::parse_ipv6(in);
  if (!v) {
    FUZZ_CHECK(v.offset() <= in.size());
    return 0;
  }
  const bytes_view pkt = v->packet();
  FUZZ_CHECK(pkt.data() == in.data() && pkt.size() <= in.size());
  FUZZ_CHECK(pkt.size() == 40U + v->payload_length());

  // The walk.
  auto w = v->extension_headers(lim);
  std::size_t expect_at = 40;
  std::size_t count = 0;
  std::size_t fragments = 0;
  ip::ipv6_address final_destination = v->destination(), home = v->source();
  bool routed = false, homed = false;
  while (!w.done()) {
    auto h = w.next();
    if (!h) {
      FUZZ_CHECK(h.offset() <= pkt.size());
      FUZZ_CHECK(w.done() && w.error() == h.error());
      break;
    }
    FUZZ_CHECK(++count <= lim.max_extension_headers);
    FUZZ_CHECK(h->offset == expect_at);
    FUZZ_CHECK(h->bytes.data() == pkt.data() + h->offset);
    FUZZ_CHECK(h->offset + h->bytes.size() <= pkt.size());
    FUZZ_CHECK(h->offset + h->bytes.size() <= std::max<std::size_t>(lim.max_chain_length, 40));
    FUZZ_CHECK(ip::is_extension_header(h->type));
    FUZZ_CHECK(h->bytes.size() >= 8 && h->bytes.size() % (h->type == ip::proto::ah ? 4 : 8) == 0);
    if (h->type == ip::proto::hop_by_hop) FUZZ_CHECK(count == 1);
    if (h->type == ip::proto::ipv6_fragment) FUZZ_CHECK(++fragments == 1);
    if (h->type == ip::proto::ipv6_routing) {
      // The final destination: what each routing type's layout says, or
      // the fixed header's destination.
      const ip::ipv6_address fixed = v->destination();
      const ip::ipv6_address got = ip::routing_final_destination(*h, fixed);
      const std::size_t units = h->bytes.size() / 8 - 1;
      const auto at = [&](std::size_t o, std::size_t keep) {
        return std::memcmp(got.data(), fixed.data(), keep) == 0 &&
               std::memcmp(got.data() + keep, h->bytes.data() + o, 16 - keep) == 0;
      };
      if (h->segments_left() == 0) {
        FUZZ_CHECK(got == fixed);
      } else if (h->routing_type() == 0 && units > 0 && units % 2 == 0) {
        FUZZ_CHECK(at(8 + 16 * (units / 2 - 1), 0));
      } else if ((h->routing_type() == 2 && units == 2) || (h->routing_type() == 4 && units >= 2)) {
        FUZZ_CHECK(at(8, 0));
      } else if (h->routing_type() == 3 && got != fixed) {
        const std::size_t keep = static_cast<std::size_t>(h->bytes[4]) & 15U;
        bool found = false; // the last address lies inside the header, after its prefix from `fixed`
        for (std::size_t o = 8; o + 16 - keep <= h->bytes.size() && !found; ++o) found = at(o, keep);
        FUZZ_CHECK(found);
      } else if (h->routing_type() != 3) {
        FUZZ_CHECK(got == fixed);
      }
      if (!routed) final_destination = got;
      routed = true;
    }
    if (h->type == ip::proto::ipv6_destination && !homed) {
      // A Home Address option's address (type 0xC9, length 16) inside the
      // header, or the packet's source.
      const ip::ipv6_address got = ip::home_address_source(*h, v->source());
      if (got != v->source()) {
        bool found = false;
        for (std::size_t o = 2; o + 18 <= h->bytes.size() && !found; ++o)
          found = h->bytes[o] == std::byte{0xC9} && h->bytes[o + 1] == std::byte{16} &&
                  std::memcmp(got.data(), h->bytes.data() + o + 2, 16) == 0;
        FUZZ_CHECK(found);
        home = got;
        homed = true;
      }
    }
    expect_at += h->bytes.size();
  }
  FUZZ_CHECK(w.position() == expect_at && w.rest().data() == pkt.data() + expect_at);

  // upper_layer() walks the same chain.
  auto ul = v->upper_layer(lim);
  if (w.ok()) {
    const bool truncated = ip::is_extension_header(w.format().next_header());
    if (ul) {
      FUZZ_CHECK(ul->offset == expect_at);
      FUZZ_CHECK(ul->protocol == w.format().next_header());
      FUZZ_CHECK(ul->bytes.size() == pkt.size() - expect_at);
      FUZZ_CHECK(ul->checksum_destination == final_destination); // the first Routing header's
      FUZZ_CHECK(ul->checksum_source == home);                   // the first Home Address option's
    } else {
      FUZZ_CHECK(truncated && ul.code() == ip::errc::extension_header_truncated);
    }
  } else {
    FUZZ_CHECK(!ul && ul.error() == w.error());
  }

  // Upper layers: never crash, offsets inside the packet.
  if (auto u = ip::parse_udp_checked(*v, lim); !u) FUZZ_CHECK(u.offset() <= pkt.size());
  if (auto t = ip::parse_tcp_checked(*v, lim); !t) FUZZ_CHECK(t.offset() <= pkt.size());

  // The fixed header rebuilt from its fields.
  ip::ipv6_fields f;
  f.traffic_class = v->traffic_class();
  f.flow_label = v->flow_label();
  f.next_header = v->next_header();
  f.hop_limit = v->hop_limit();
  f.source = v->source();
  f.destination = v->destination();
  std::vector<std::byte> rebuilt(40);
  auto h = ip::build_ipv6_header(rebuilt, f, v->payload_length());
  FUZZ_CHECK(h && *h == 40);
  FUZZ_CHECK(std::memcmp(rebuilt.data(), pkt.data(), 40) == 0);

  // MSS clamping on a copy.
  std::vector<std::byte> c(pkt.begin(), pkt.end());
  const std::vector<std::byte> before = c;
  bool verified_before = false;
  std::size_t seg_at = 0;
  if (ul && ul->protocol == ip::proto::tcp && !ul->is_fragment()) {
    seg_at = ul->offset;
    verified_before = ip::pseudo_header_checksum(f.source, f.destination, 6, ul->bytes) == 0;
  }
  const std::size_t limit = data[0] * 7U;
  auto r = ip::clamp_mss_ipv6(c, limit, lim);
  if (!r || r->status != ip::mss_clamp_status::clamped) {
    FUZZ_CHECK(c == before);
    if (r && r->status == ip::mss_clamp_status::already_below) FUZZ_CHECK(r->old_mss <= limit);
    return 0;
  }
  FUZZ_CHECK(r->new_mss == limit && r->old_mss > limit);
  FUZZ_CHECK(ul.has_value() && ul->protocol == ip::proto::tcp);
  std::size_t changed = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c[i] == before[i]) continue;
    ++changed;
    FUZZ_CHECK(i >= ul->offset + 16 && i < ul->offset + 60);
  }
  FUZZ_CHECK(changed <= 4);
  if (verified_before)
    FUZZ_CHECK(ip::pseudo_header_checksum(f.source, f.destination, 6, bytes_view(c).subspan(seg_at)) == 0);
  return 0;
}
