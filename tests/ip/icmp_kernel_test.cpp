// Kernel oracle for quoted IPv6 packets with extension headers (label
// interop): in a private network namespace the Linux kernel answers packets
// we send to ::1 with ICMPv6 errors quoting them, and the views must follow
// the quote's extension headers to the transport fields we put in.
//   - A UDP datagram to a closed port 1701, sent with Hop-by-Hop and
//     Destination Options headers (IPV6_HOPOPTS, IPV6_DSTOPTS): the kernel
//     answers Port Unreachable; the quote walks to UDP and the L2TP Tunnel ID.
//   - ESP (next header 50) behind an atomic Fragment header (RFC 6946) and
//     a Destination Options header, sent raw: this kernel has no ESP
//     protocol handler, so it answers Parameter Problem "unrecognized Next
//     Header" (RFC 4443 §3.4 code 1) whose pointer names the Next Header
//     field that says 50; the quote walks to the ESP SPI and sequence number,
//     and the chain's end must be where the kernel's pointer says.
// The ICMPv6 messages are read from a raw ICMPv6 socket, their checksums
// verified against ::1. Without root or iproute2 the test is skipped.
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"

#include "../tunnel/netns.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ip;

namespace {

ipv6_address loopback() {
  ipv6_address a{};
  a[15] = std::byte{1};
  return a;
}

sockaddr_in6 to_loopback(std::uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  sa.sin6_port = htons(port);
  return sa;
}

// The next ICMPv6 error of `type` read from the raw socket within 2 s.
std::optional<std::vector<std::byte>> next_error(int fd, std::uint8_t type) {
  for (int i = 0; i < 20; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    std::vector<std::byte> buf(2048);
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) continue;
    buf.resize(static_cast<std::size_t>(n));
    if (std::to_integer<std::uint8_t>(buf[0]) == type) return buf;
  }
  return std::nullopt;
}

class IcmpKernel : public ::testing::Test {
protected:
  void SetUp() override {
    ns_ = std::make_unique<vpnwire_test::netns>("icmp6");
    if (!ns_->skip_reason.empty()) GTEST_SKIP() << ns_->skip_reason;
    icmp_ = ::socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
    ASSERT_GE(icmp_, 0);
  }
  void TearDown() override {
    if (icmp_ >= 0) ::close(icmp_);
    ns_.reset();
  }
  std::unique_ptr<vpnwire_test::netns> ns_;
  int icmp_ = -1;
};

} // namespace

TEST_F(IcmpKernel, PortUnreachableQuoteIsFollowedThroughHopByHopAndDestinationOptions) {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  // Each header: Next Header (the kernel fills it), length 0, PadN of 4 bytes.
  const std::array<std::uint8_t, 8> opts{0, 0, 1, 4, 0, 0, 0, 0};
  ASSERT_EQ(::setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, opts.data(), opts.size()), 0);
  ASSERT_EQ(::setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, opts.data(), opts.size()), 0);
  // An L2TPv2 control header (T, L, S, version 2), Tunnel ID 0x1234, Session ID 0.
  const std::array<std::uint8_t, 12> l2tp{0xC8, 0x02, 0x00, 0x0C, 0x12, 0x34, 0x00, 0x00, 0, 0, 0, 0};
  const sockaddr_in6 dst = to_loopback(1701);
  ASSERT_EQ(::sendto(fd, l2tp.data(), l2tp.size(), 0, reinterpret_cast<const sockaddr *>(&dst), sizeof dst),
            static_cast<ssize_t>(l2tp.size()));
  sockaddr_in6 self{};
  socklen_t len = sizeof self;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr *>(&self), &len), 0);
  ::close(fd);

  auto msg = next_error(icmp_, icmpv6_type::destination_unreachable);
  ASSERT_TRUE(msg) << "the kernel sent no Destination Unreachable";
  auto v = parse_icmpv6(*msg, loopback(), loopback());
  ASSERT_TRUE(v) << name(v.code());
  EXPECT_EQ(v->code(), icmpv6_unreachable::port);
  auto q = v->quoted();
  ASSERT_TRUE(q) << name(q.code());
  EXPECT_EQ(q->next_header(), proto::hop_by_hop);
  EXPECT_TRUE(q->complete());
  const quoted_ipv6_chain c = q->chain();
  EXPECT_TRUE(c.complete);
  EXPECT_EQ(c.extension_headers, 2U);
  EXPECT_EQ(c.protocol, proto::udp);
  EXPECT_EQ(c.offset, 56U);
  std::vector<std::uint8_t> types;
  for (const auto &h : q->extension_headers()) types.push_back(h.type);
  EXPECT_EQ(types, (std::vector<std::uint8_t>{proto::hop_by_hop, proto::ipv6_destination}));
  const quoted_transport t = q->transport();
  EXPECT_EQ(t.kind, quoted_kind::l2tp);
  EXPECT_EQ(t.source_port, ntohs(self.sin6_port));
  EXPECT_EQ(t.destination_port, 1701);
  EXPECT_EQ(t.l2tp_control, true);
  EXPECT_EQ(t.l2tp_tunnel_id, 0x1234);
  EXPECT_EQ(t.l2tp_session_id, 0);
  // RFC 4443 §2.4(e): the kernel's own error, with its extension headers, is never answered.
  std::vector<std::byte> whole(40 + msg->size());
  ipv6_fields f;
  f.next_header = proto::icmpv6;
  f.source = loopback();
  f.destination = loopback();
  ASSERT_TRUE(build_ipv6_header(whole, f, msg->size()));
  std::copy(msg->begin(), msg->end(), whole.begin() + 40);
  EXPECT_FALSE(icmpv6_error_allowed(whole, true));
}

TEST_F(IcmpKernel, ParameterProblemPointerIsWhereOurChainEndsAtEsp) {
  const int raw = ::socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
  ASSERT_GE(raw, 0);
  // IPv6 / Fragment (atomic: offset 0, M clear) / Destination Options / ESP.
  std::vector<std::byte> p(40 + 8 + 8 + 8 + 32);
  ipv6_fields f;
  f.next_header = proto::ipv6_fragment;
  f.source = loopback();
  f.destination = loopback();
  ASSERT_TRUE(build_ipv6_header(p, f, p.size() - 40));
  ASSERT_TRUE(build_ipv6_fragment_header(mutable_bytes(p).subspan(40), proto::ipv6_destination, 0, false, 0x5151));
  ASSERT_TRUE(build_ipv6_options_header(mutable_bytes(p).subspan(48), proto::esp, {}));
  core::store_be32(p.data() + 56, 0xABCD0001);
  core::store_be32(p.data() + 60, 9);
  const sockaddr_in6 dst = to_loopback(0);
  ASSERT_EQ(::sendto(raw, p.data(), p.size(), 0, reinterpret_cast<const sockaddr *>(&dst), sizeof dst),
            static_cast<ssize_t>(p.size()));
  ::close(raw);

  auto msg = next_error(icmp_, icmpv6_type::parameter_problem);
  if (!msg) GTEST_SKIP() << "no Parameter Problem: this kernel has an ESP handler (esp6 loaded)";
  auto v = parse_icmpv6(*msg, loopback(), loopback());
  ASSERT_TRUE(v) << name(v.code());
  EXPECT_EQ(v->code(), 1); // unrecognized Next Header
  auto q = v->quoted();
  ASSERT_TRUE(q);
  const quoted_ipv6_chain c = q->chain();
  ASSERT_TRUE(c.complete);
  EXPECT_EQ(c.protocol, proto::esp);
  EXPECT_EQ(c.extension_headers, 2U);
  EXPECT_EQ(c.identification, 0x5151U);
  EXPECT_EQ(c.fragment_offset, 0U);
  EXPECT_EQ(c.more_fragments, false);
  // The kernel's pointer names the Next Header field that says 50: the last header walked.
  auto w = q->extension_headers();
  while (!w.done()) ASSERT_TRUE(w.next());
  EXPECT_EQ(v->pointer(), w.format().next_header_field());
  EXPECT_EQ(v->pointer(), 48U);
  const quoted_transport t = q->transport();
  EXPECT_EQ(t.kind, quoted_kind::esp);
  EXPECT_EQ(t.spi, 0xABCD0001U);
  EXPECT_EQ(t.sequence, 9U);
}
