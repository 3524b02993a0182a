// Fuzz target: IPv4 header parse (with options), UDP and TCP views, the
// builder round trip and the fragmenter.
//
// Invariants: views stay inside the input; option iteration terminates and
// every option lies inside the options area; a parsed header rebuilt with
// build_ipv4_header parses to the same fields; fragmenting a parsed packet
// for an MTU taken from the input yields fragments that fit, are 8-byte
// aligned and reassemble (ip::reassembler) to the original packet.
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/udp.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;

namespace {

void walk_options(bytes_view opts) {
  ip::option_reader r(opts);
  std::size_t steps = 0;
  while (!r.done()) {
    auto o = r.next();
    FUZZ_CHECK(++steps <= opts.size() + 1);
    if (!o) break;
    FUZZ_CHECK(o->offset + o->size <= opts.size());
    FUZZ_CHECK(o->size >= 1);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t mtu = 68 + (std::size_t{data[0]} << 3 | (data[1] & 7U));
  const bytes_view in = std::as_bytes(std::span(data + 2, size - 2));
  auto v = ip::parse_ipv4_unchecked(in);
  if (!v) {
    FUZZ_CHECK(v.offset() <= in.size());
    return 0;
  }
  FUZZ_CHECK(v->packet().data() == in.data() && v->packet().size() <= in.size());
  FUZZ_CHECK(v->header_length() >= 20 && v->header_length() <= v->total_length());
  FUZZ_CHECK(v->payload().data() + v->payload().size() == in.data() + v->total_length());
  walk_options(v->options());
  (void)ip::parse_ipv4(in); // the checksum path

  if (auto u = ip::parse_udp(v->payload())) {
    FUZZ_CHECK(u->datagram().size() <= v->payload().size());
    (void)u->checksum_ok(v->source(), v->destination());
  }
  if (auto t = ip::parse_tcp(v->payload())) {
    FUZZ_CHECK(t->header_length() <= t->segment().size());
    walk_options(t->options());
  }

  // Builder round trip.
  ip::ipv4_fields f;
  f.tos = v->tos();
  f.identification = v->identification();
  f.reserved_flag = v->reserved_flag();
  f.dont_fragment = v->dont_fragment();
  f.more_fragments = v->more_fragments();
  f.fragment_offset = v->fragment_offset();
  f.ttl = v->ttl();
  f.protocol = v->protocol();
  f.source = v->source();
  f.destination = v->destination();
  f.options = v->options();
  std::vector<std::byte> rebuilt(v->total_length());
  auto h = ip::build_ipv4_header(rebuilt, f, v->payload().size());
  FUZZ_CHECK(h.has_value());
  FUZZ_CHECK(*h == v->header_length());
  std::memcpy(rebuilt.data() + *h, v->payload().data(), v->payload().size());
  auto v2 = ip::parse_ipv4(rebuilt);
  FUZZ_CHECK(v2.has_value());
  FUZZ_CHECK(std::memcmp(v2->header().data(), v->header().data(), 10) == 0);
  FUZZ_CHECK(std::memcmp(v2->header().data() + 12, v->header().data() + 12, *h - 12) == 0);

  // Fragmenter, then reassembly back to the original (unfragmented input only:
  // a fragment's pieces reassemble only with its siblings).
  if (v->is_fragment()) return 0;
  auto fr = ip::fragmenter::create(rebuilt, mtu);
  if (!fr) {
    FUZZ_CHECK(fr.code() == ip::errc::dont_fragment || fr.code() == ip::errc::mtu_too_small ||
               fr.code() == ip::errc::option_truncated || fr.code() == ip::errc::option_length_invalid);
    return 0;
  }
  ip::reassembler_config cfg;
  cfg.max_fragments = 8192;
  cfg.max_datagrams = 1;
  cfg.byte_budget = 1 << 17;
  ip::reassembler r(cfg);
  std::vector<std::byte> buf(mtu);
  std::size_t produced = 0;
  bool delivered = false;
  while (!fr->done()) {
    auto n = fr->next(buf);
    FUZZ_CHECK(n.has_value());
    FUZZ_CHECK(*n <= mtu);
    ++produced;
    auto piece = ip::parse_ipv4(bytes_view(buf).first(*n));
    FUZZ_CHECK(piece.has_value());
    if (piece->more_fragments()) FUZZ_CHECK(piece->payload().size() % 8 == 0);
    auto d = r.submit(bytes_view(buf).first(*n), 0, from_nanoseconds(0));
    if (d && d->status == ip::delivery_status::not_fragment) {
      FUZZ_CHECK(produced == 1);
      delivered = true;
      FUZZ_CHECK(d->datagram.size() == rebuilt.size());
    } else if (d && d->status == ip::delivery_status::complete) {
      delivered = true;
      // Same header bytes except the checksum (the first fragment's header
      // with length and flags restored), same payload.
      FUZZ_CHECK(d->datagram.size() == rebuilt.size());
      FUZZ_CHECK(std::memcmp(d->datagram.data() + *h, rebuilt.data() + *h, rebuilt.size() - *h) == 0);
      FUZZ_CHECK(std::memcmp(d->datagram.data(), rebuilt.data(), *h) == 0);
    } else if (!d) {
      // A payload that is empty or only the final piece cannot be rejected otherwise.
      FUZZ_CHECK(false);
    }
  }
  FUZZ_CHECK(produced == fr->count());
  FUZZ_CHECK(delivered);
  return 0;
}
