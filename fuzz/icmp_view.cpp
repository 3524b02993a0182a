// Fuzz target: ICMP and ICMPv6 views, the quoted-packet views and their
// transport classifier, the family-neutral report (tunnel::read_icmp_packet),
// and the builders' round trip.
//
// Input: byte 0 selects the entry point (bit 0: ICMPv6; bit 1: the rest is a
// whole IP packet for tunnel::read_icmp_packet instead of a bare message);
// for a bare ICMPv6 message the next 32 bytes are the pseudo-header's
// source and destination.
//
// Invariants: every view, quote and payload lies inside the input; error
// offsets are within the input; a classified transport never claims more
// bytes than were quoted, and its fields exist only when their bytes were
// quoted; an error message rebuilt by the builder from its own fields and
// quote parses back to the same type, code, parameter and quote prefix, with
// a valid checksum, within the RFC 1812 / RFC 4443 size limits.
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/tunnel/icmp_report.hpp"

#include "fuzz_check.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;

namespace {

bool inside(bytes_view part, bytes_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_transport(const ip::quoted_transport &t, bytes_view payload) {
  FUZZ_CHECK(t.available == payload.size());
  if (t.spi) FUZZ_CHECK(t.kind == ip::quoted_kind::esp || t.kind == ip::quoted_kind::esp_in_udp);
  if (t.kind == ip::quoted_kind::esp) FUZZ_CHECK(t.spi && payload.size() >= 4);
  if (t.kind == ip::quoted_kind::esp && t.sequence) FUZZ_CHECK(payload.size() >= 8);
  if (t.kind == ip::quoted_kind::esp_in_udp) FUZZ_CHECK(t.spi && *t.spi != 0 && payload.size() >= 12);
  if (t.source_port) FUZZ_CHECK(payload.size() >= 4);
  if (t.l2tp_session_id) FUZZ_CHECK(t.l2tp_tunnel_id && payload.size() >= 14);
}

void v4(bytes_view in) {
  auto v = ip::parse_icmpv4_unchecked(in);
  if (!v) {
    FUZZ_CHECK(in.size() < 8 && v.offset() == in.size());
    return;
  }
  FUZZ_CHECK(inside(v->body(), in) && inside(v->original_datagram(), in) && inside(v->extensions(), in));
  FUZZ_CHECK(v->original_datagram().size() + v->extensions().size() == v->body().size());
  const bool checksum_ok = ip::parse_icmpv4(in).has_value();
  FUZZ_CHECK(checksum_ok == v->checksum_valid());
  auto q = v->quoted();
  if (!q) {
    FUZZ_CHECK(q.offset() <= in.size());
    return;
  }
  FUZZ_CHECK(inside(q->bytes(), in) && inside(q->payload(), in) && inside(q->header(), in));
  check_transport(q->transport(), q->payload());
  // Rebuild the message from its own fields and quote.
  std::vector<std::byte> out(700);
  auto n = ip::build_icmpv4_error(out, v->type(), v->code(), v->rest_of_header(), ip::icmpv4_quote::rfc1812,
                                  v->original_datagram());
  FUZZ_CHECK(n.has_value());
  FUZZ_CHECK(*n <= ip::icmpv4_error_datagram_limit - ip::ipv4_min_header);
  auto back = ip::parse_icmpv4(bytes_view(out).first(*n));
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(back->type() == v->type() && back->code() == v->code());
  FUZZ_CHECK(back->rest_of_header() == v->rest_of_header());
  const bytes_view a = back->body();
  FUZZ_CHECK(a.size() <= v->original_datagram().size());
  FUZZ_CHECK(std::equal(a.begin(), a.end(), v->original_datagram().begin()));
  (void)ip::icmpv4_error_allowed(q->bytes());
}

void v6(bytes_view in) {
  if (in.size() < 32) return;
  std::array<std::byte, 16> src{}, dst{};
  std::copy_n(in.begin(), 16, src.begin());
  std::copy_n(in.begin() + 16, 16, dst.begin());
  in = in.subspan(32);
  auto v = ip::parse_icmpv6_unchecked(in);
  if (!v) {
    FUZZ_CHECK(in.size() < 8 && v.offset() == in.size());
    return;
  }
  FUZZ_CHECK(inside(v->body(), in) && inside(v->invoking_packet(), in) && inside(v->extensions(), in));
  FUZZ_CHECK(ip::parse_icmpv6(in, src, dst).has_value() == v->checksum_valid(src, dst));
  auto q = v->quoted();
  if (!q) {
    FUZZ_CHECK(q.offset() <= in.size());
    return;
  }
  FUZZ_CHECK(inside(q->bytes(), in) && inside(q->payload(), in));
  // The extension-header chain is walked within the quote: where it ends is
  // inside it, and the transport is classified from the bytes after it only.
  const ip::quoted_ipv6_chain c = q->chain();
  FUZZ_CHECK(c.offset >= ip::ipv6_header_size && c.offset <= ip::ipv6_header_size + q->payload().size());
  FUZZ_CHECK(c.complete == (c.error == ip::errc::ok));
  if (!c.complete) FUZZ_CHECK(c.error_offset <= q->bytes().size());
  const ip::quoted_transport t = q->transport();
  FUZZ_CHECK(t.protocol == c.protocol);
  if (c.complete) {
    check_transport(t, q->payload().subspan(c.offset - ip::ipv6_header_size));
  } else {
    FUZZ_CHECK(t.kind == ip::quoted_kind::not_quoted && t.available == 0);
  }
  std::size_t walked = 0;
  for (const auto &h : q->extension_headers()) {
    FUZZ_CHECK(ip::is_extension_header(h.type) && inside(h.bytes, q->bytes()));
    ++walked;
  }
  FUZZ_CHECK(walked == c.extension_headers);
  std::vector<std::byte> out(1400);
  auto n = ip::build_icmpv6_error_packet(out, src, dst, 64, v->type(), v->code(), v->mtu(), v->invoking_packet());
  FUZZ_CHECK(n.has_value() && *n <= ip::icmpv6_error_packet_limit);
  auto back = tunnel::read_icmp_packet(bytes_view(out).first(*n));
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(back->type == v->type() && back->code == v->code());
  FUZZ_CHECK(back->quoted_source == tunnel::address::v6(q->source()));
  (void)ip::icmpv6_error_allowed(q->bytes(), v->is_packet_too_big());
}

void packet(bytes_view in) {
  auto r = tunnel::read_icmp_packet(in);
  if (!r) {
    FUZZ_CHECK(r.offset() <= in.size());
    return;
  }
  FUZZ_CHECK(r->too_big == (r->family == tunnel::ip_family::ipv4 ? (r->type == 3 && r->code == 4) : r->type == 2));
  if (!r->too_big) FUZZ_CHECK(r->mtu == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 1) return 0;
  const bytes_view in = std::as_bytes(std::span(data + 1, size - 1));
  if ((data[0] & 2U) != 0)
    packet(in);
  else if ((data[0] & 1U) != 0)
    v6(in);
  else
    v4(in);
  return 0;
}
