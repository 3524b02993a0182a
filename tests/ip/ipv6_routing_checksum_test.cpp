// Upper-layer checksums under IPv6 Routing headers (RFC 8200 §8.1): while a
// Routing header has segments left, the pseudo-header's destination is the
// final destination it names, not the fixed header's Destination Address;
// with a Home Address option (RFC 6275 §6.3) its source is the home address.
// Truth from two independent implementations, on the same capture:
//  - scapy 2.5 builds the packets (tests/ip/ipv6_routing_cases.py) and says
//    for each whether its checksum was computed over the right destination
//    (types 0, 2, 3 (RPL, RFC 6554) and 4 (SRH, RFC 8754); segments left 0
//    and not; Home Address options alone and after padding; UDP, TCP,
//    ICMPv6; some wrong on purpose);
//  - tshark 4.0 judges every checksum (udp/tcp/icmpv6.checksum.status).
// vpnwire's verdict (ip::parse_udp_checked, parse_tcp_checked, parse_icmpv6
// over upper_layer()'s checksum_source and checksum_destination,
// tunnel::read_icmp_packet) must equal both, frame by frame.
// Skipped with the reason when /usr/bin/python3 with scapy or tshark is missing.
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/udp.hpp"
#include "vpnwire/tunnel/icmp_report.hpp"

#include "../ppp/interop_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace vpnwire;
using ppp_interop::read_pcap;
using ppp_interop::run;

namespace {

using bytes = std::vector<std::byte>;

struct frame_case {
  std::string name, expect, tshark;
};

/// vpnwire's verdict on the upper-layer checksum of an Ethernet frame: "good", "bad" or what failed.
std::string verdict(const bytes &frame) {
  const bytes_view packet = bytes_view(frame).subspan(14);
  auto v = ip::parse_ipv6(packet);
  if (!v) return std::string("ipv6 ") + std::string(ip::name(v.code()));
  auto ul = v->upper_layer();
  if (!ul) return std::string("chain ") + std::string(ip::name(ul.code()));
  switch (ul->protocol) {
  case ip::proto::udp: {
    auto u = ip::parse_udp_checked(*v);
    if (u) return "good";
    return u.code() == ip::errc::bad_udp_checksum ? "bad" : std::string(ip::name(u.code()));
  }
  case ip::proto::tcp: {
    auto t = ip::parse_tcp_checked(*v);
    if (t) return "good";
    return t.code() == ip::errc::bad_tcp_checksum ? "bad" : std::string(ip::name(t.code()));
  }
  case ip::icmpv6_next_header: {
    auto m = ip::parse_icmpv6(ul->bytes, ul->checksum_source, ul->checksum_destination);
    const std::string r = m                                         ? "good"
                          : m.code() == ip::icmp_errc::bad_checksum ? "bad"
                                                                    : std::string(ip::name(m.code()));
    if (m && m->is_error()) {
      // The PMTU path reads the whole packet: same verdict.
      auto rep = tunnel::read_icmp_packet(packet);
      if (!rep) return "read_icmp_packet " + std::string(tunnel::name(rep.code()));
      EXPECT_TRUE(rep->too_big);
      EXPECT_EQ(rep->mtu, 1280U);
    }
    return r;
  }
  default: return "protocol " + std::to_string(ul->protocol);
  }
}

TEST(Ipv6RoutingChecksum, AgreesWithScapyAndTsharkOnEveryFrame) {
  if (!ppp_interop::have_tool("tshark")) GTEST_SKIP() << "tshark is not installed";
  int st = 0;
  const std::string dir = ::testing::TempDir() + "vpnwire_rh_" + std::to_string(getpid());
  run("mkdir -p '" + dir + "'", st);
  const std::string gen =
      run("/usr/bin/python3 '" VPNWIRE_IP_TEST_DIR "/ipv6_routing_cases.py' '" + dir + "' 2>&1", st);
  if (st != 0) GTEST_SKIP() << "/usr/bin/python3 with scapy could not build the cases: " << gen;

  std::vector<frame_case> cases;
  {
    std::ifstream m(dir + "/routing.txt");
    for (std::string name, expect; m >> name >> expect;) cases.push_back({name, expect, ""});
  }
  const std::string fields =
      run("tshark -r '" + dir +
              "/routing.pcap' -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE -T fields "
              "-e udp.checksum.status -e tcp.checksum.status -e icmpv6.checksum.status 2>/dev/null",
          st);
  ASSERT_EQ(st, 0);
  std::istringstream lines(fields);
  std::size_t i = 0;
  for (std::string line; std::getline(lines, line) && i < cases.size(); ++i) {
    // One of the three fields is set: 1 good, 0 bad.
    cases[i].tshark = line.find('1') != std::string::npos ? "good" : line.find('0') != std::string::npos ? "bad" : "?";
  }
  const std::vector<bytes> frames = read_pcap(dir + "/routing.pcap");
  ASSERT_EQ(frames.size(), cases.size());
  ASSERT_EQ(i, cases.size());
  ASSERT_GE(cases.size(), 23U);
  std::size_t good = 0, bad = 0;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const frame_case &c = cases[k];
    EXPECT_EQ(c.tshark, c.expect) << c.name << ": tshark and scapy's construction disagree";
    EXPECT_EQ(verdict(frames[k]), c.expect) << c.name;
    (c.expect == "good" ? good : bad) += 1;
  }
  EXPECT_GE(good, 16U);
  EXPECT_GE(bad, 5U);
  run("rm -rf '" + dir + "'", st);
}

/// The bytes of `h` (a whole Routing header) as an extension-header item.
ip::ipv6_extension_header routing(const bytes &h) {
  ip::ipv6_extension_header e;
  e.type = ip::proto::ipv6_routing;
  e.next_header = 17;
  e.offset = 40;
  e.bytes = bytes_view(h);
  return e;
}

ip::ipv6_address addr(unsigned char last) {
  ip::ipv6_address a{};
  a[0] = std::byte{0x20};
  a[15] = std::byte{last};
  return a;
}

// Headers that cannot name a final destination leave the fixed header's:
// every Hdr Ext Len and routing type over short and odd-sized headers, with
// segments left. Nothing is read past the header (ASan), and a result other
// than the fixed destination copies bytes that lie inside the header.
TEST(Ipv6RoutingChecksum, MalformedRoutingHeadersKeepTheFixedDestination) {
  const ip::ipv6_address dst = addr(0xDD);
  std::size_t named = 0;
  for (unsigned type : {0U, 1U, 2U, 3U, 4U, 5U, 253U}) {
    for (std::size_t size = 8; size <= 64; size += 8) {
      for (unsigned len_field = 0; len_field < 10; ++len_field) {
        for (unsigned cmpr = 0; cmpr < 256; cmpr += 17) {
          bytes h(size, std::byte{0xAB});
          h[0] = std::byte{17};
          h[1] = static_cast<std::byte>(len_field); // may disagree with the size: hostile input
          h[2] = static_cast<std::byte>(type);
          h[3] = std::byte{1};
          h[4] = static_cast<std::byte>(cmpr);
          h[5] = static_cast<std::byte>(cmpr & 0xF0U);
          const ip::ipv6_address got = ip::routing_final_destination(routing(h), dst);
          if (got != dst) {
            ++named;
            EXPECT_TRUE(type == 0 || type == 2 || type == 3 || type == 4) << type;
          }
          h[3] = std::byte{0}; // no segment left: always the fixed destination
          EXPECT_EQ(ip::routing_final_destination(routing(h), dst), dst);
        }
      }
    }
  }
  EXPECT_GT(named, 0U);
  // Not a Routing header at all.
  bytes h(24, std::byte{0xAB});
  h[1] = std::byte{2};
  h[3] = std::byte{1};
  ip::ipv6_extension_header e = routing(h);
  e.type = ip::proto::ipv6_destination;
  EXPECT_EQ(ip::routing_final_destination(e, dst), dst);
}

// Options of a Destination Options header: the first option of a type,
// whole or running past the header; a Home Address option names the
// checksum's source only when its length is 16 and it is whole.
TEST(Ipv6RoutingChecksum, HomeAddressOptionOnlyWhenWellFormed) {
  const ip::ipv6_address src = addr(0x5C), home = addr(0x77);
  auto header = [](std::vector<std::uint8_t> opts) {
    bytes h{std::byte{17}, std::byte{0}};
    for (auto b : opts) h.push_back(static_cast<std::byte>(b));
    while (h.size() % 8 != 0) h.push_back(std::byte{0}); // Pad1s
    h[1] = static_cast<std::byte>(h.size() / 8 - 1);
    return h;
  };
  auto hoa = [&](std::uint8_t len, std::size_t data) {
    std::vector<std::uint8_t> v{ip::home_address_option, len};
    for (std::size_t i = 0; i < data; ++i) v.push_back(static_cast<std::uint8_t>(home[std::min<std::size_t>(i, 15)]));
    return v;
  };
  auto opts = [&](bytes &h) {
    ip::ipv6_extension_header e = routing(h);
    e.type = ip::proto::ipv6_destination;
    return e;
  };
  {
    std::vector<std::uint8_t> o{1, 2, 0, 0}; // PadN, then the option at 4n+2
    const auto a = hoa(16, 16);
    o.insert(o.end(), a.begin(), a.end());
    bytes h = header(o);
    const auto f = ip::find_ipv6_option(opts(h), ip::home_address_option);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->length, 16U);
    EXPECT_TRUE(f->whole());
    EXPECT_EQ(ip::home_address_source(opts(h), src), home);
    EXPECT_FALSE(ip::find_ipv6_option(opts(h), 0x05)); // no Router Alert
  }
  {
    // Length 20 with 16 bytes left in the header (a PadN before it): found,
    // not whole, ignored (difffuzz's frame: tshark reads the 16 bytes).
    std::vector<std::uint8_t> o{1, 2, 0, 0};
    const auto a = hoa(20, 16);
    o.insert(o.end(), a.begin(), a.end());
    bytes h = header(o);
    ASSERT_EQ(h.size(), 24U);
    const auto f = ip::find_ipv6_option(opts(h), ip::home_address_option);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->length, 20U);
    EXPECT_FALSE(f->whole());
    EXPECT_EQ(f->value.data() + f->value.size(), h.data() + h.size());
    EXPECT_EQ(ip::home_address_source(opts(h), src), src);
  }
  {
    bytes h = header(hoa(8, 8)); // whole, but not an address
    EXPECT_EQ(ip::home_address_source(opts(h), src), src);
  }
  {
    // Another option running past the header hides what follows it.
    std::vector<std::uint8_t> o{0x1E, 200};
    bytes h = header(o);
    EXPECT_FALSE(ip::find_ipv6_option(opts(h), ip::home_address_option));
    EXPECT_EQ(ip::home_address_source(opts(h), src), src);
  }
  {
    // A Hop-by-Hop header's options are found too, but name no home address.
    bytes h = header(hoa(16, 16));
    ip::ipv6_extension_header e = routing(h);
    e.type = ip::proto::hop_by_hop;
    EXPECT_TRUE(ip::find_ipv6_option(e, ip::home_address_option));
    EXPECT_EQ(ip::home_address_source(e, src), src);
  }
}

} // namespace
