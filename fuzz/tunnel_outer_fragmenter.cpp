// Fuzz target: IPv6 (and IPv4) source fragmentation of an arbitrary packet:
// ip::ipv6_fragmenter and tunnel::outer_fragmenter.
//
// Input: 2 bytes MTU, 4 bytes identification, then the packet (raw bytes,
// so the IP version, Payload Length and header chain are the fuzzer's).
//
// Invariants: create() either refuses with an error offset within the
// packet, or every fragment fits the MTU, its count is count(), a packet that
// fits comes back unchanged, and every IPv6 fragment parses with its Fragment
// header right after the unfragmentable part, carrying the identification,
// offsets that follow on and M on all but the last; ip::ipv6_reassembler,
// fed the fragments, gives back the original packet byte for byte;
// tunnel::outer_fragmenter agrees with the IP-layer fragmenters.
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_fragmenter.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"
#include "vpnwire/tunnel/outer_fragmenter.hpp"

#include "fuzz_input.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::bytes_in in{data, size};
  const std::size_t mtu = in.u16();
  const std::uint32_t id = static_cast<std::uint32_t>(in.u16()) << 16 | in.u16();
  // The packet in its own allocation, so ASan sees any read past it.
  std::vector<std::byte> packet(in.n);
  if (in.n != 0) std::memcpy(packet.data(), in.p, in.n);

  auto f = ip::ipv6_fragmenter::create(packet, mtu, id);
  auto outer = tunnel::outer_fragmenter::create(packet, mtu, id);
  const bool v6 = !packet.empty() && (std::to_integer<unsigned>(packet[0]) >> 4) == 6;
  if (v6) FUZZ_CHECK(f.has_value() == outer.has_value());
  if (!v6 && outer && outer->count() <= 256) { // IPv4 with DF clear: RFC 791 fragments within the MTU
    std::vector<std::byte> b(mtu + 64);
    std::size_t produced = 0;
    while (!outer->done()) {
      auto n = outer->next(b);
      FUZZ_CHECK(n.has_value() && *n <= std::max<std::size_t>(mtu, 20) + 60);
      ++produced;
    }
    FUZZ_CHECK(produced == outer->count());
  }
  if (!f) {
    FUZZ_CHECK(f.offset() <= packet.size());
    return 0;
  }
  auto v = ip::parse_ipv6(packet);
  FUZZ_CHECK(v.has_value());
  if (f->count() > 256) return 0; // tiny MTUs: thousands of fragments would only slow the search
  const std::size_t whole = v->packet().size();
  std::vector<std::byte> buf(mtu + 64), other(mtu + 64);
  std::vector<std::vector<std::byte>> frags;
  std::size_t offset = 0;
  while (!f->done()) {
    auto n = f->next(buf);
    FUZZ_CHECK(n.has_value());
    auto m = outer->next(other);
    FUZZ_CHECK(m.has_value() && *m == *n && std::memcmp(buf.data(), other.data(), *n) == 0);
    frags.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    if (whole <= mtu) {
      FUZZ_CHECK(*n == whole && std::memcmp(buf.data(), packet.data(), whole) == 0);
      continue;
    }
    FUZZ_CHECK(*n <= mtu);
    auto fv = ip::parse_ipv6(bytes_view(buf).first(*n));
    FUZZ_CHECK(fv.has_value());
    auto u = fv->upper_layer({64, 65535});
    FUZZ_CHECK(u.has_value() && u->fragment_header == f->unfragmentable_size());
    FUZZ_CHECK(u->identification == id && u->fragment_offset == offset);
    offset += *n - f->unfragmentable_size() - ip::ipv6_fragment_header_size;
    FUZZ_CHECK(u->more_fragments == !f->done());
  }
  FUZZ_CHECK(outer->done());
  FUZZ_CHECK(frags.size() == f->count() && frags.size() == outer->count());
  FUZZ_CHECK(!f->next(buf).has_value());
  if (whole <= mtu) return 0;
  FUZZ_CHECK(f->unfragmentable_size() + offset == whole);
  // The library's reassembler gives back the original packet.
  ip::reassembler_config cfg;
  cfg.max_datagrams = 1;
  cfg.max_fragments = 256;
  cfg.byte_budget = std::size_t{256} << 10;
  cfg.max_header_length = 2048;
  cfg.ipv6_chain = {64, 65535}; // the Fragment header adds one header to the original chain
  ip::ipv6_reassembler r(cfg);
  std::vector<std::byte> got;
  for (auto it = frags.rbegin(); it != frags.rend(); ++it) {
    auto d = r.submit(bytes_view(*it), 0, time_point{});
    FUZZ_CHECK(d.has_value());
    if (d->status == ip::delivery_status::complete) got.assign(d->datagram.begin(), d->datagram.end());
  }
  FUZZ_CHECK(got.size() == whole && std::memcmp(got.data(), packet.data(), whole) == 0);
  return 0;
}
