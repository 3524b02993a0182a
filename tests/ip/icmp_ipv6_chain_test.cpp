// A quoted IPv6 packet is followed through its extension headers (RFC 8200
// §4: Hop-by-Hop, Routing, Fragment, Destination Options, AH) to the ESP
// SPI or the UDP header, with ip::ipv6_chain_walker. Packets are built with
// the library's IPv6 builders; scapy-built quotes are in
// icmp_interop_test.cpp and kernel-built ones in icmp_kernel_test.cpp.
// Invariants: for every cut of the quote, the transport is reported exactly
// when the quote reaches its first field, and nothing past the quote is read
// (ASan); RFC 4443 §2.4(e) is applied behind extension headers.
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/tunnel/icmp_report.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ip;

namespace {

ipv6_address addr(std::uint8_t last) {
  ipv6_address a{};
  a[0] = std::byte{0x20};
  a[1] = std::byte{0x01};
  a[2] = std::byte{0x0d};
  a[3] = std::byte{0xb8};
  a[15] = static_cast<std::byte>(last);
  return a;
}

// One extension header to put before the upper layer.
enum class ext { hop_by_hop, destination, fragment_first, fragment_later, routing };

// An IPv6 packet: the extension headers in order, then `upper` with `upper_size` bytes
// whose first 8 are SPI 0x11223344, sequence 0x00000007 (ESP) or ports 1701 -> 1701 (UDP).
std::vector<std::byte> packet(const std::vector<ext> &chain, std::uint8_t upper, std::size_t upper_size = 64) {
  std::vector<std::byte> p(2000);
  std::size_t at = 40;
  std::vector<std::size_t> next_fields{6};
  std::vector<std::uint8_t> types;
  for (ext e : chain) {
    mutable_bytes out = mutable_bytes(p).subspan(at);
    std::size_t n = 0;
    switch (e) {
    case ext::hop_by_hop:
    case ext::destination: {
      const std::array<std::byte, 4> opt{std::byte{0x1e}, std::byte{2}, std::byte{0xAA}, std::byte{0xBB}};
      n = build_ipv6_options_header(out, 0, opt).value();
      types.push_back(e == ext::hop_by_hop ? proto::hop_by_hop : proto::ipv6_destination);
      break;
    }
    case ext::fragment_first:
    case ext::fragment_later:
      n = build_ipv6_fragment_header(out, 0, e == ext::fragment_first ? 0 : 1448, e == ext::fragment_first, 0xCAFE)
              .value();
      types.push_back(proto::ipv6_fragment);
      break;
    case ext::routing: {
      std::array<std::byte, 20> data{}; // type 2: reserved, one address
      data[19] = std::byte{0x30};
      n = build_ipv6_routing_header(out, 0, 2, 0, data).value();
      types.push_back(proto::ipv6_routing);
      break;
    }
    }
    next_fields.push_back(at);
    at += n;
  }
  types.push_back(upper);
  for (std::size_t i = 0; i < next_fields.size(); ++i) p[next_fields[i]] = static_cast<std::byte>(types[i]);
  std::byte *u = p.data() + at;
  for (std::size_t i = 0; i < upper_size; ++i) u[i] = static_cast<std::byte>(i * 3);
  if (upper == proto::esp) {
    core::store_be32(u, 0x11223344);
    core::store_be32(u + 4, 7);
  } else if (upper == proto::udp) {
    core::store_be16(u, 1701);
    core::store_be16(u + 2, 1701);
    core::store_be16(u + 4, static_cast<std::uint16_t>(upper_size));
  }
  ipv6_fields f;
  f.next_header = types.front();
  f.source = addr(0x10);
  f.destination = addr(0x20);
  const std::size_t total = at + upper_size;
  (void)build_ipv6_header(p, f, total - 40);
  p[6] = static_cast<std::byte>(types.front());
  p.resize(total);
  return p;
}

// The quote handed to the views in its own allocation, so ASan sees any read past it.
struct quote_copy {
  std::unique_ptr<std::byte[]> bytes;
  std::size_t size;
  explicit quote_copy(bytes_view b) : bytes(new std::byte[b.size()]), size(b.size()) {
    if (!b.empty()) std::memcpy(bytes.get(), b.data(), b.size());
  }
  [[nodiscard]] bytes_view view() const { return bytes_view(bytes.get(), size); }
};

} // namespace

TEST(QuotedIpv6Chain, FollowsEveryExtensionHeaderToTheEspSpi) {
  const std::vector<std::vector<ext>> chains = {
      {},
      {ext::fragment_first},
      {ext::destination},
      {ext::hop_by_hop, ext::destination},
      {ext::hop_by_hop, ext::routing, ext::fragment_first},
      {ext::hop_by_hop, ext::destination, ext::routing, ext::fragment_first, ext::destination}};
  for (const auto &c : chains) {
    SCOPED_TRACE(c.size());
    for (std::uint8_t upper : {proto::esp, proto::udp}) {
      const auto p = packet(c, upper);
      auto q = parse_quoted_ipv6(p);
      ASSERT_TRUE(q);
      const quoted_ipv6_chain ch = q->chain();
      EXPECT_TRUE(ch.complete);
      EXPECT_EQ(ch.error, errc::ok);
      EXPECT_EQ(ch.protocol, upper);
      EXPECT_EQ(ch.extension_headers, c.size());
      EXPECT_EQ(ch.offset, p.size() - 64);
      const bool fragmented = std::find(c.begin(), c.end(), ext::fragment_first) != c.end();
      EXPECT_EQ(ch.identification.has_value(), fragmented);
      if (fragmented) {
        EXPECT_EQ(*ch.identification, 0xCAFEU);
        EXPECT_EQ(*ch.fragment_offset, 0U);
        EXPECT_TRUE(*ch.more_fragments);
      }
      const quoted_transport t = q->transport();
      EXPECT_EQ(t.protocol, upper);
      if (upper == proto::esp) {
        EXPECT_EQ(t.kind, quoted_kind::esp);
        EXPECT_EQ(t.spi, 0x11223344U);
        EXPECT_EQ(t.sequence, 7U);
      } else {
        EXPECT_EQ(t.kind, quoted_kind::l2tp); // port 1701
        EXPECT_EQ(t.source_port, 1701);
        EXPECT_EQ(t.destination_port, 1701);
      }
      // The walker the view hands out yields the same headers.
      auto w = q->extension_headers();
      std::size_t n = 0;
      for (const auto &h : w) {
        EXPECT_TRUE(is_extension_header(h.type));
        ++n;
      }
      EXPECT_TRUE(w.ok());
      EXPECT_EQ(n, c.size());
    }
  }
}

TEST(QuotedIpv6Chain, ALaterFragmentHasNoTransportHeader) {
  const auto p = packet({ext::destination, ext::fragment_later}, proto::esp);
  auto q = parse_quoted_ipv6(p);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->chain().complete);
  EXPECT_EQ(q->chain().fragment_offset, 1448U);
  const quoted_transport t = q->transport();
  EXPECT_EQ(t.kind, quoted_kind::later_fragment);
  EXPECT_FALSE(t.spi);
}

TEST(QuotedIpv6Chain, MalformedChainsAreNamedAndShowNoTransport) {
  // Hop-by-Hop after a Destination Options header (RFC 8200 §4.1).
  auto p = packet({ext::destination, ext::hop_by_hop}, proto::esp);
  auto q = parse_quoted_ipv6(p);
  ASSERT_TRUE(q);
  auto c = q->chain();
  EXPECT_FALSE(c.complete);
  EXPECT_EQ(c.error, errc::hop_by_hop_not_first);
  EXPECT_EQ(c.error_offset, 40U); // the Next Header field naming it
  EXPECT_EQ(q->transport().kind, quoted_kind::not_quoted);
  // Two Fragment headers.
  p = packet({ext::fragment_first, ext::fragment_first}, proto::udp);
  q = parse_quoted_ipv6(p);
  c = q->chain();
  EXPECT_EQ(c.error, errc::multiple_fragment_headers);
  EXPECT_EQ(c.error_offset, 48U);
  EXPECT_EQ(q->transport().kind, quoted_kind::not_quoted);
  // More extension headers than the default limit (16).
  p = packet(std::vector<ext>(17, ext::destination), proto::esp);
  c = parse_quoted_ipv6(p)->chain();
  EXPECT_EQ(c.error, errc::too_many_extension_headers);
  EXPECT_EQ(c.error_offset, 40U + 16U * 8U);
  EXPECT_EQ(parse_quoted_ipv6(p)->chain({17, 1280}).error, errc::ok);
}

TEST(QuotedIpv6Chain, EveryCutReportsTheTransportExactlyWhenItsFieldsAreQuoted) {
  for (const auto &c :
       std::vector<std::vector<ext>>{{ext::hop_by_hop, ext::routing, ext::fragment_first}, {ext::destination}}) {
    const auto p = packet(c, proto::esp);
    const std::size_t esp_at = p.size() - 64;
    for (std::size_t len = 40; len <= p.size(); ++len) {
      SCOPED_TRACE(len);
      const quote_copy cut(bytes_view(p).first(len));
      auto q = parse_quoted_ipv6(cut.view());
      ASSERT_TRUE(q);
      const quoted_ipv6_chain ch = q->chain();
      const quoted_transport t = q->transport();
      EXPECT_EQ(ch.complete, len >= esp_at);
      if (len < esp_at) {
        EXPECT_EQ(ch.error, errc::extension_header_truncated);
        EXPECT_TRUE(is_extension_header(t.protocol));
      }
      EXPECT_EQ(t.kind, len >= esp_at + 4 ? quoted_kind::esp : quoted_kind::not_quoted);
      EXPECT_EQ(t.spi.has_value(), len >= esp_at + 4);
      EXPECT_EQ(t.sequence.has_value(), len >= esp_at + 8);
      EXPECT_EQ(q->total_length(), p.size());
      EXPECT_EQ(q->complete(), len == p.size());
    }
  }
}

TEST(QuotedIpv6Chain, Rfc4443NeverAnErrorAboutAnIcmpv6ErrorBehindExtensionHeaders) {
  auto icmp = [](std::uint8_t type, std::vector<ext> chain) {
    auto p = packet(chain, proto::icmpv6, 16);
    p[p.size() - 16] = static_cast<std::byte>(type);
    return p;
  };
  EXPECT_FALSE(icmpv6_error_allowed(icmp(icmpv6_type::packet_too_big, {}), true));
  EXPECT_FALSE(icmpv6_error_allowed(icmp(icmpv6_type::packet_too_big, {ext::destination}), true));
  EXPECT_FALSE(icmpv6_error_allowed(icmp(icmpv6_type::destination_unreachable, {ext::hop_by_hop, ext::routing}), true));
  EXPECT_FALSE(icmpv6_error_allowed(icmp(icmpv6_type::time_exceeded, {ext::fragment_first}), false));
  EXPECT_TRUE(icmpv6_error_allowed(icmp(icmpv6_type::echo_request, {ext::destination}), false));
  // A later fragment of an ICMPv6 message shows no ICMPv6 header (RFC 8200 §4.5).
  EXPECT_TRUE(icmpv6_error_allowed(icmp(icmpv6_type::packet_too_big, {ext::fragment_later}), true));
  // An ICMPv6 header cut before its type byte: not known to be informational.
  const auto p = icmp(icmpv6_type::echo_request, {ext::destination});
  EXPECT_FALSE(icmpv6_error_allowed(bytes_view(p).first(p.size() - 16), true));
  EXPECT_TRUE(icmpv6_error_allowed(bytes_view(p).first(p.size() - 15), true));
  // ESP behind extension headers may be answered.
  EXPECT_TRUE(icmpv6_error_allowed(packet({ext::hop_by_hop, ext::fragment_first}, proto::esp), true));
}

TEST(QuotedIpv6Chain, TunnelReadsPacketTooBigBehindExtensionHeadersAndItsQuotedSpi) {
  // The invoking packet: our ESP behind a Fragment header; the ICMPv6 packet carrying the
  // error has a Hop-by-Hop header (as a router alert would put there) before ICMPv6.
  const auto inv = packet({ext::fragment_first}, proto::esp, 1300);
  std::vector<std::byte> msg(1280);
  const ipv6_address router = addr(0x99), us = addr(0x10);
  const std::size_t m = build_icmpv6_packet_too_big(msg, router, us, 1300, inv).value();
  msg.resize(m);
  std::vector<std::byte> pkt(48 + m);
  ipv6_fields f;
  f.next_header = proto::hop_by_hop;
  f.source = router;
  f.destination = us;
  ASSERT_TRUE(build_ipv6_header(pkt, f, 8 + m));
  ASSERT_TRUE(build_ipv6_options_header(mutable_bytes(pkt).subspan(40), proto::icmpv6, {}));
  std::copy(msg.begin(), msg.end(), pkt.begin() + 48);
  auto r = tunnel::read_icmp_packet(pkt);
  ASSERT_TRUE(r) << tunnel::name(r.code()) << " at " << r.offset();
  EXPECT_TRUE(r->too_big);
  EXPECT_EQ(r->mtu, 1300U);
  EXPECT_EQ(r->quoted_source, tunnel::address::v6(us));
  EXPECT_EQ(r->transport.kind, quoted_kind::esp);
  EXPECT_EQ(r->transport.spi, 0x11223344U);
  // A checksum error is located behind the Hop-by-Hop header.
  pkt[48 + 2] ^= std::byte{1};
  EXPECT_EQ(tunnel::read_icmp_packet(pkt).error(), fail(tunnel::errc::icmp_malformed, 48U + 2U));
  pkt[48 + 2] ^= std::byte{1};
  // Another upper layer behind the chain: not_icmp at the Next Header field naming it.
  pkt[40] = std::byte{proto::udp};
  EXPECT_EQ(tunnel::read_icmp_packet(pkt).error(), fail(tunnel::errc::not_icmp, 40U));
  // A fragment (not atomic) is not read: not_icmp at the Fragment header.
  std::vector<std::byte> frag(48 + m);
  f.next_header = proto::ipv6_fragment;
  ASSERT_TRUE(build_ipv6_header(frag, f, 8 + m));
  ASSERT_TRUE(build_ipv6_fragment_header(mutable_bytes(frag).subspan(40), proto::icmpv6, 0, true, 1));
  std::copy(msg.begin(), msg.end(), frag.begin() + 48);
  EXPECT_EQ(tunnel::read_icmp_packet(frag).error(), fail(tunnel::errc::not_icmp, 40U));
  // An atomic fragment (RFC 6946) is read.
  ASSERT_TRUE(build_ipv6_fragment_header(mutable_bytes(frag).subspan(40), proto::icmpv6, 0, false, 1));
  EXPECT_TRUE(tunnel::read_icmp_packet(frag));
  // A chain cut by the payload length: not_an_ip_packet.
  frag[40] = std::byte{proto::ipv6_destination};
  frag[49] = std::byte{200}; // the first byte after the Fragment header is read as a length
  EXPECT_EQ(tunnel::read_icmp_packet(frag).code(), tunnel::errc::not_an_ip_packet);
}
