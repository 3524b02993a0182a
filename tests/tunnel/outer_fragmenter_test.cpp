// IPv6 source fragmentation (ip::ipv6_fragmenter, RFC 8200 §4.5) and the
// tunnel's outer fragmenter. Truth:
//  - invariants over generated packets (fixed seed; header chains with
//    Hop-by-Hop, Routing and Destination Options headers; every MTU from
//    the minimum that carries the chain up to 1500; sizes to 9000): every
//    fragment fits the MTU, parses, carries the caller's identification,
//    8-byte aligned offsets that follow on, M on all but the last, full
//    fragments but the last, the unfragmentable part copied unchanged but for
//    its last Next Header and the Payload Length, the header chain through
//    the upper-layer header in the first fragment (RFC 7112); count() is the
//    number produced; and the library's own ip::ipv6_reassembler, fed the
//    fragments in a random order, gives back the original packet byte for byte;
//  - scapy's defragment6 (an independent implementation) rebuilds the
//    original packet from our fragments (label interop);
//  - the Linux kernel in a network namespace reassembles our fragments of UDP
//    datagrams sent through a raw socket to ::1: a UDP socket receives
//    exactly the datagram's payload (label interop).
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_fragmenter.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/udp.hpp"
#include "vpnwire/tunnel/outer_fragmenter.hpp"

#include "../ppp/interop_support.hpp"
#include "netns.hpp"
#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <vector>

using namespace vpnwire;
using bytes = std::vector<std::byte>;

namespace {

const time_point t0 = from_nanoseconds(1'000'000'000);

ip::ipv6_address addr(std::uint8_t last) {
  ip::ipv6_address a{};
  a[0] = std::byte{0x20};
  a[1] = std::byte{0x01};
  a[2] = std::byte{0x0d};
  a[3] = std::byte{0xb8};
  a[15] = static_cast<std::byte>(last);
  return a;
}

ip::ipv6_address loopback() {
  ip::ipv6_address a{};
  a[15] = std::byte{1};
  return a;
}

// An IPv6 packet from `src` to `dst`: the extension headers `chain` (each 8
// bytes: an options header with one skippable experimental option 0x1E, or
// a Routing header of type 253 with segments left 0), then UDP from port
// 40000 to `port` with `payload` bytes of a pattern and a valid checksum.
bytes make_packet(const std::vector<std::uint8_t> &chain, std::size_t payload, std::uint32_t seed,
                  const ip::ipv6_address &src = addr(1), const ip::ipv6_address &dst = addr(2),
                  std::uint16_t port = 40125) {
  const std::size_t hdrs = 8 * chain.size();
  bytes p(40 + hdrs + 8 + payload);
  ip::ipv6_fields f;
  f.next_header = chain.empty() ? ip::proto::udp : chain.front();
  f.source = src;
  f.destination = dst;
  f.flow_label = seed & 0xFFFFFU;
  EXPECT_TRUE(ip::build_ipv6_header(p, f, p.size() - 40));
  std::size_t at = 40;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const std::uint8_t next = i + 1 < chain.size() ? chain[i + 1] : ip::proto::udp;
    const mutable_bytes out = mutable_bytes(p).subspan(at);
    if (chain[i] == ip::proto::ipv6_routing) {
      const std::array<std::byte, 4> data{};
      EXPECT_TRUE(ip::build_ipv6_routing_header(out, next, 253, 0, data));
    } else {
      const std::array<std::byte, 6> opt{std::byte{0x1E}, std::byte{4}, std::byte{1},
                                         std::byte{2},    std::byte{3}, std::byte{4}};
      EXPECT_EQ(ip::build_ipv6_options_header(out, next, opt).value(), 8U);
    }
    at += 8;
  }
  std::byte *u = p.data() + at;
  core::store_be16(u, 40000);
  core::store_be16(u + 2, port);
  core::store_be16(u + 4, static_cast<std::uint16_t>(8 + payload));
  for (std::size_t i = 0; i < payload; ++i) u[8 + i] = static_cast<std::byte>((i * 7 + seed) & 0xFF);
  std::uint16_t c = ip::pseudo_header_checksum(src, dst, ip::proto::udp, bytes_view(u, 8 + payload));
  if (c == 0) c = 0xFFFF;
  core::store_be16(u + 6, c);
  return p;
}

// The unfragmentable part of a chain: through the last Routing header, else the Hop-by-Hop header.
std::size_t unfragmentable(const std::vector<std::uint8_t> &chain) {
  std::size_t n = 40;
  for (std::size_t i = 0; i < chain.size(); ++i)
    if (chain[i] == ip::proto::hop_by_hop || chain[i] == ip::proto::ipv6_routing) n = 40 + 8 * (i + 1);
  return n;
}

std::vector<bytes> fragment(const bytes &packet, std::size_t mtu, std::uint32_t id) {
  auto f = ip::ipv6_fragmenter::create(packet, mtu, id);
  EXPECT_TRUE(f) << ip::name(f.code());
  std::vector<bytes> out;
  if (!f) return out;
  while (!f->done()) {
    bytes b(mtu + 100);
    auto n = f->next(b);
    EXPECT_TRUE(n);
    if (!n) break;
    b.resize(*n);
    out.push_back(std::move(b));
  }
  EXPECT_EQ(out.size(), f->count());
  return out;
}

const std::vector<std::vector<std::uint8_t>> chains = {
    {},
    {ip::proto::hop_by_hop},
    {ip::proto::ipv6_destination},
    {ip::proto::hop_by_hop, ip::proto::ipv6_destination},
    {ip::proto::hop_by_hop, ip::proto::ipv6_destination, ip::proto::ipv6_routing, ip::proto::ipv6_destination},
    {ip::proto::ipv6_routing, ip::proto::ipv6_destination, ip::proto::ipv6_destination}};

} // namespace

TEST(Ipv6Fragmenter, FragmentsKeepEveryRfc8200RuleAndReassembleToTheOriginal) {
  std::mt19937 rng(20261206);
  ip::reassembler_config cfg;
  cfg.max_fragments = 8192;
  ip::ipv6_reassembler r(cfg);
  std::size_t cases = 0, total_fragments = 0;
  for (int round = 0; round < 1500; ++round) {
    const auto &chain = chains[rng() % chains.size()];
    const std::size_t unfrag = unfragmentable(chain);
    const std::size_t chain_end = 40 + 8 * chain.size();
    // From the smallest MTU the first fragment can carry the chain and UDP header in, to 1500.
    const std::size_t min_mtu = unfrag + 8 + ((chain_end - unfrag + 8 + 7) / 8 * 8);
    const std::size_t mtu = round % 5 == 0 ? 1280 : min_mtu + rng() % (1500 - min_mtu + 1);
    const std::size_t payload = rng() % 9000;
    const auto p = make_packet(chain, payload, static_cast<std::uint32_t>(round));
    const std::uint32_t id = rng();
    SCOPED_TRACE("chain " + std::to_string(chain.size()) + " mtu " + std::to_string(mtu) + " size " +
                 std::to_string(p.size()));
    const auto frags = fragment(p, mtu, id);
    ASSERT_FALSE(frags.empty());
    if (p.size() <= mtu) {
      ASSERT_EQ(frags.size(), 1U);
      EXPECT_EQ(frags[0], p); // unchanged: no atomic fragment (RFC 8021)
      continue;
    }
    ++cases;
    total_fragments += frags.size();
    std::size_t expect_offset = 0;
    for (std::size_t i = 0; i < frags.size(); ++i) {
      const bytes &fr = frags[i];
      const bool last = i + 1 == frags.size();
      ASSERT_LE(fr.size(), mtu);
      auto v = ip::parse_ipv6(fr);
      ASSERT_TRUE(v);
      EXPECT_EQ(v->packet().size(), fr.size());
      auto u = v->upper_layer();
      ASSERT_TRUE(u) << ip::name(u.code());
      ASSERT_EQ(u->fragment_header, unfrag);
      EXPECT_EQ(u->identification, id);
      EXPECT_EQ(u->fragment_offset, expect_offset);
      EXPECT_EQ(u->more_fragments, !last);
      const std::size_t data = fr.size() - unfrag - 8;
      if (!last) {
        EXPECT_EQ(data % 8, 0U);
        EXPECT_GT(fr.size() + 8, mtu); // as full as the MTU and alignment allow
      }
      // The unfragmentable part is the original's but for its last Next Header and Payload Length.
      bytes head(fr.begin(), fr.begin() + static_cast<std::ptrdiff_t>(unfrag));
      bytes orig(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(unfrag));
      const std::size_t named = unfrag == 40 ? 6 : unfrag - 8;
      EXPECT_EQ(head[named], std::byte{ip::proto::ipv6_fragment});
      EXPECT_EQ(fr[unfrag], orig[named]); // the Fragment header takes the original value
      head[named] = orig[named];
      head[4] = orig[4];
      head[5] = orig[5];
      EXPECT_EQ(head, orig);
      // The data is the original's fragmentable part at that offset.
      EXPECT_TRUE(std::equal(fr.begin() + static_cast<std::ptrdiff_t>(unfrag + 8), fr.end(),
                             p.begin() + static_cast<std::ptrdiff_t>(unfrag + expect_offset)));
      if (i == 0) {
        EXPECT_GE(fr.size(), chain_end + 8 + 8); // RFC 7112: chain + UDP header
      }
      expect_offset += data;
    }
    EXPECT_EQ(unfrag + expect_offset, p.size());
    // The library's reassembler, given the fragments in a random order, rebuilds the packet.
    std::vector<std::size_t> order(frags.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    bytes got;
    for (std::size_t k = 0; k < order.size(); ++k) {
      auto d = r.submit(bytes_view(frags[order[k]]), 0, t0);
      ASSERT_TRUE(d) << ip::name(d.code());
      if (k + 1 < order.size()) {
        EXPECT_EQ(d->status, ip::delivery_status::incomplete);
      } else {
        ASSERT_EQ(d->status, ip::delivery_status::complete);
        got.assign(d->datagram.begin(), d->datagram.end());
      }
    }
    EXPECT_EQ(got, p);
  }
  EXPECT_GT(cases, 1000U);
  EXPECT_GT(total_fragments, 5000U);
}

TEST(Ipv6Fragmenter, ErrorsNameWhatAndWhere) {
  const auto p = make_packet({ip::proto::hop_by_hop}, 2000, 1);
  // The MTU cannot carry the unfragmentable part (48), a Fragment header and 8 bytes.
  EXPECT_EQ(ip::ipv6_fragmenter::create(p, 63, 1).error(), fail(ip::errc::mtu_too_small, 0));
  // 64 can carry 8 data bytes, but not the UDP header behind it in the first fragment... it can (8 bytes):
  EXPECT_TRUE(ip::ipv6_fragmenter::create(p, 64, 1));
  // RFC 7112: a Destination Options header in the fragmentable part too long for the first fragment.
  bytes big(40 + 1200 + 8 + 100);
  ip::ipv6_fields f;
  f.next_header = ip::proto::ipv6_destination;
  ASSERT_TRUE(ip::build_ipv6_header(big, f, big.size() - 40));
  big[40] = std::byte{ip::proto::udp};
  big[41] = std::byte{149}; // (149 + 1) * 8 = 1200 bytes; Pad1 options
  EXPECT_EQ(ip::ipv6_fragmenter::create(big, 1240, 1).error(), fail(ip::errc::incomplete_header_chain, 1240U));
  EXPECT_TRUE(ip::ipv6_fragmenter::create(big, 1280, 1));
  // The chain walker's limits apply (default: a chain within 1280 bytes).
  big[41] = std::byte{162}; // 1304 bytes
  big.resize(40 + 1304 + 8 + 100);
  core::store_be16(big.data() + 4, static_cast<std::uint16_t>(big.size() - 40));
  EXPECT_EQ(ip::ipv6_fragmenter::create(big, 1400, 1).error(), fail(ip::errc::header_chain_too_long, 40U));
  EXPECT_TRUE(ip::ipv6_fragmenter::create(big, 1400, 1, {16, 2048}));
  // Already a fragment.
  const auto frags = fragment(p, 1280, 9);
  EXPECT_EQ(ip::ipv6_fragmenter::create(frags[0], 600, 1).error(), fail(ip::errc::multiple_fragment_headers, 48U));
  // A chain cut by the payload length; not IPv6.
  bytes cut = p;
  core::store_be16(cut.data() + 4, 4);
  cut.resize(44);
  EXPECT_EQ(ip::ipv6_fragmenter::create(cut, 40, 1).error(), fail(ip::errc::extension_header_truncated, 41U));
  bytes v4 = p;
  v4[0] = std::byte{0x45};
  EXPECT_EQ(ip::ipv6_fragmenter::create(v4, 1280, 1).error(), fail(ip::errc::bad_version, 0));
  // Output too small, and next() after done().
  auto fr = ip::ipv6_fragmenter::create(p, 1280, 1).value();
  bytes small(100);
  EXPECT_EQ(fr.next(small).error(), fail(ip::errc::buffer_too_small, 100U));
  bytes out(1280);
  while (!fr.done()) ASSERT_TRUE(fr.next(out));
  EXPECT_EQ(fr.next(out).error(), fail(ip::errc::not_a_fragment, 0));
  EXPECT_EQ(fr.unfragmentable_size(), 48U);
  EXPECT_EQ(fr.data_per_fragment(), 1224U);
  EXPECT_EQ(fr.identification(), 1U);
}

TEST(OuterFragmenter, BothFamiliesAndItsErrors) {
  // IPv6: RFC 8200 fragments with the caller's identification.
  const auto p6 = make_packet({}, 1300, 3);
  auto f6 = tunnel::outer_fragmenter::create(p6, 1280, 0xABCDEF01);
  ASSERT_TRUE(f6);
  EXPECT_EQ(f6->family(), tunnel::ip_family::ipv6);
  EXPECT_EQ(f6->count(), 2U);
  bytes out(1280);
  auto n = f6->next(out);
  ASSERT_TRUE(n);
  EXPECT_EQ(ip::parse_ipv6(bytes_view(out).first(*n))->upper_layer()->identification, 0xABCDEF01U);
  // IPv4 with DF clear: RFC 791 fragments, the header's identification kept.
  bytes p4(3000);
  ip::ipv4_fields f;
  f.dont_fragment = false;
  f.protocol = 50;
  f.identification = 0x4242;
  ASSERT_TRUE(ip::build_ipv4_header(p4, f, p4.size() - 20));
  auto f4 = tunnel::outer_fragmenter::create(p4, 1500, 7);
  ASSERT_TRUE(f4);
  EXPECT_EQ(f4->family(), tunnel::ip_family::ipv4);
  EXPECT_EQ(f4->count(), 3U);
  ip::reassembler r4;
  std::size_t produced = 0;
  bytes got;
  out.resize(1500);
  while (!f4->done()) {
    auto m = f4->next(out);
    ASSERT_TRUE(m);
    ++produced;
    auto v = ip::parse_ipv4(bytes_view(out).first(*m));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->identification(), 0x4242);
    auto d = r4.submit(bytes_view(out).first(*m), 0, t0);
    ASSERT_TRUE(d);
    if (d->status == ip::delivery_status::complete) got.assign(d->datagram.begin(), d->datagram.end());
  }
  EXPECT_EQ(produced, 3U);
  EXPECT_EQ(got, p4);
  EXPECT_EQ(f4->next(out).error(), fail(tunnel::errc::invalid_parameter, 0));
  // IPv4 with DF set may not be fragmented; errors of both families.
  f.dont_fragment = true;
  ASSERT_TRUE(ip::build_ipv4_header(p4, f, p4.size() - 20));
  EXPECT_EQ(tunnel::outer_fragmenter::create(p4, 1500, 7).error(), fail(tunnel::errc::invalid_parameter, 6));
  EXPECT_EQ(tunnel::outer_fragmenter::create(p6, 50, 7).error(), fail(tunnel::errc::mtu_too_small, 0));
  bytes junk(30);
  EXPECT_EQ(tunnel::outer_fragmenter::create(junk, 1280, 7).code(), tunnel::errc::not_an_ip_packet);
  bytes small(10);
  auto f6b = tunnel::outer_fragmenter::create(p6, 1280, 1).value();
  EXPECT_EQ(f6b.next(small).error(), fail(tunnel::errc::buffer_too_small, 10U));
}

TEST(Ipv6FragmenterInterop, ScapyDefragment6RebuildsTheOriginalPackets) {
  int status = 0;
  (void)ppp_interop::run("/usr/bin/python3 -c 'import scapy' 2>&1", status);
  if (status != 0) GTEST_SKIP() << "scapy not installed";
  std::mt19937 rng(77);
  std::map<std::string, bytes> originals;
  std::ostringstream in;
  for (int i = 0; i < 24; ++i) {
    const auto &chain = chains[static_cast<std::size_t>(i) % chains.size()];
    const auto p = make_packet(chain, 1300 + rng() % 6000, static_cast<std::uint32_t>(i));
    const std::size_t mtu = i % 3 == 0 ? 1280 : 1280 + rng() % std::min<std::size_t>(221, p.size() - 1280);
    const std::string set = "s" + std::to_string(i);
    originals[set] = p;
    auto frags = fragment(p, mtu, 0x1000U + static_cast<std::uint32_t>(i));
    std::shuffle(frags.begin(), frags.end(), rng);
    for (const auto &fr : frags) in << set << ' ' << vpnwire_test::to_hex(fr) << '\n';
  }
  const std::string file = ppp_interop::scratch_dir() + "/frag6_sets.txt";
  std::ofstream(file) << in.str();
  const std::string out =
      ppp_interop::run("/usr/bin/python3 " VPNWIRE_TEST_SOURCE_DIR "/defrag6_scapy.py < " + file, status);
  ASSERT_EQ(status, 0) << out;
  std::istringstream lines(out);
  std::string set, hexbytes;
  std::size_t checked = 0;
  while (lines >> set >> hexbytes) {
    ASSERT_TRUE(originals.count(set)) << set;
    EXPECT_EQ(hexbytes, vpnwire_test::to_hex(originals[set])) << set;
    ++checked;
  }
  EXPECT_EQ(checked, originals.size());
}

TEST(Ipv6FragmenterInterop, TheKernelReassemblesOurFragmentsOfUdpDatagrams) {
  vpnwire_test::netns ns("frag6");
  if (!ns.skip_reason.empty()) GTEST_SKIP() << ns.skip_reason;
  constexpr std::uint16_t port = 40125;
  const int rx = ::socket(AF_INET6, SOCK_DGRAM, 0);
  const int raw = ::socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
  ASSERT_GE(rx, 0);
  ASSERT_GE(raw, 0);
  sockaddr_in6 lo{};
  lo.sin6_family = AF_INET6;
  lo.sin6_addr = in6addr_loopback;
  lo.sin6_port = htons(port);
  ASSERT_EQ(::bind(rx, reinterpret_cast<const sockaddr *>(&lo), sizeof lo), 0);
  lo.sin6_port = 0;
  std::mt19937 rng(4242);
  // Chains the kernel processes (no Routing header: Linux drops some types even with segments left 0).
  const std::vector<std::vector<std::uint8_t>> kernel_chains = {
      {}, {ip::proto::hop_by_hop}, {ip::proto::ipv6_destination}, {ip::proto::hop_by_hop, ip::proto::ipv6_destination}};
  int delivered = 0;
  for (int i = 0; i < 40; ++i) {
    const auto &chain = kernel_chains[static_cast<std::size_t>(i) % kernel_chains.size()];
    const std::size_t payload = i == 39 ? 65535 - 8 - 8 * chain.size() - 8 : 1233 + rng() % 20000;
    const auto p = make_packet(chain, payload, static_cast<std::uint32_t>(i), loopback(), loopback(), port);
    const std::size_t mtu = i % 2 == 0 ? 1280 : 1280 + rng() % (p.size() - 1280);
    auto frags = fragment(p, mtu, 0x70000000U + static_cast<std::uint32_t>(i));
    ASSERT_GE(frags.size(), 2U);
    std::shuffle(frags.begin(), frags.end(), rng);
    for (const auto &fr : frags)
      ASSERT_EQ(::sendto(raw, fr.data(), fr.size(), 0, reinterpret_cast<const sockaddr *>(&lo), sizeof lo),
                static_cast<ssize_t>(fr.size()))
          << "fragment of set " << i;
    pollfd pfd{rx, POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 2000), 1) << "the kernel delivered nothing for set " << i << " (" << frags.size()
                                        << " fragments, mtu " << mtu << ")";
    bytes got(70000);
    const ssize_t n = ::recv(rx, got.data(), got.size(), 0);
    ASSERT_GE(n, 0);
    got.resize(static_cast<std::size_t>(n));
    const std::size_t udp_at = 40 + 8 * chain.size();
    EXPECT_TRUE(got.size() == payload &&
                std::equal(got.begin(), got.end(), p.begin() + static_cast<std::ptrdiff_t>(udp_at + 8)))
        << "set " << i;
    ++delivered;
  }
  EXPECT_EQ(delivered, 40);
  ::close(rx);
  ::close(raw);
}
