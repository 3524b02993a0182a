// L2TP over UDP/IPv6 in the control plane (RFC 2661 §8.1 over RFC 8200):
// endpoints keyed by control::udp_peer (family-tagged address and port, no
// allocation) exchanging real datagrams through the kernel's UDP sockets on
// loopback. xl2tpd has no IPv6, so both sides are vpnwire endpoints:
//  - a LAC and an LNS over [::1]: the tunnel and a call come up, the LNS's
//    peer is the LAC's IPv6 address and port as its socket reported them;
//  - a dual-stack LNS (one AF_INET6 socket, IPV6_V6ONLY off) serving a LAC
//    over IPv4 and a LAC over IPv6 at once: the IPv4 peer, reported as
//    ::ffff:127.0.0.1, is keyed as the IPv4 peer 127.0.0.1 (one peer, one key);
//  - every datagram of the IPv6 run, wrapped by scapy in IPv6/UDP with the
//    addresses and ports the sockets used, is dissected by tshark as L2TP
//    over IPv6/UDP with the Tunnel ID, Ns, Nr and message type our header
//    and message views read, and a UDP checksum that verifies (label interop);
//  - the example LAC (examples/lac/lac_client.hpp, the code path of l2tp_lac)
//    given ::1 reaches an LNS on an IPv6-only [::1] socket, and given
//    127.0.0.1 one on an IPv4 socket: tunnel and calls come up, then clear.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/control/endpoint.hpp"
#include "vpnwire/l2tp/control/udp_peer.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/message.hpp"

#include "../ppp/interop_support.hpp"
#include "lac_client.hpp"
#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp;
using namespace vpnwire::l2tp::control;

namespace {

struct shared_random {
  std::mt19937_64 *g = nullptr;
  void fill(mutable_bytes out) noexcept {
    for (auto &b : out) b = static_cast<std::byte>((*g)() & 0xFF);
  }
};

using ep_t = endpoint<crypto::openssl_md5, shared_random, 8, udp_peer>;

std::array<std::byte, 16> bytes16(const in6_addr &a) {
  std::array<std::byte, 16> b{};
  std::memcpy(b.data(), &a, 16);
  return b;
}

// What recvfrom() reported, as a key.
udp_peer peer_of(const sockaddr_storage &ss) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in a{};
    std::memcpy(&a, &ss, sizeof a);
    std::array<std::byte, 4> b{};
    std::memcpy(b.data(), &a.sin_addr, 4);
    return udp_peer::v4(b, ntohs(a.sin_port));
  }
  sockaddr_in6 a{};
  std::memcpy(&a, &ss, sizeof a);
  return udp_peer::v6(bytes16(a.sin6_addr), ntohs(a.sin6_port), a.sin6_scope_id);
}

struct udp_socket {
  int fd = -1;
  int family = AF_INET6;
  udp_peer local{};

  // Binds [::1]:0, [::]:0 (dual stack) or 127.0.0.1:0.
  static udp_socket open(int family, bool any_dual_stack = false) {
    udp_socket s;
    s.family = family;
    s.fd = ::socket(family, SOCK_DGRAM, 0);
    if (s.fd < 0) return s;
    if (family == AF_INET6) {
      const int off = 0;
      if (any_dual_stack) (void)::setsockopt(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = any_dual_stack ? in6addr_any : in6addr_loopback;
      if (::bind(s.fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) return close(s);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(s.fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) return close(s);
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    (void)::getsockname(s.fd, reinterpret_cast<sockaddr *>(&ss), &len);
    s.local = peer_of(ss);
    return s;
  }
  static udp_socket close(udp_socket &s) {
    ::close(s.fd);
    s.fd = -1;
    return s;
  }
  bool send_to(const udp_peer &to, bytes_view data) const {
    if (family == AF_INET6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      const auto addr = to.v6_address();
      std::memcpy(&a.sin6_addr, addr.data(), 16);
      a.sin6_port = htons(to.port);
      a.sin6_scope_id = to.scope_id;
      return ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<const sockaddr *>(&a), sizeof a) ==
             static_cast<ssize_t>(data.size());
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(to.v4_value());
    a.sin_port = htons(to.port);
    return ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<const sockaddr *>(&a), sizeof a) ==
           static_cast<ssize_t>(data.size());
  }
};

udp_peer loopback6(std::uint16_t port) { return udp_peer::v6(bytes16(in6addr_loopback), port); }

struct datagram_record {
  udp_peer from, to;
  std::vector<std::byte> bytes;
};

// One endpoint on one socket, with what it saw.
struct node {
  std::unique_ptr<std::mt19937_64> gen;
  std::unique_ptr<ep_t> ep;
  udp_socket sock;
  int tunnels_up = 0, sessions_up = 0;
  bool lac = false;

  node(role r, udp_socket s, std::uint64_t seed, time_point now) : gen(new std::mt19937_64(seed)), sock(s) {
    endpoint_config c;
    c.tunnel.role = r;
    c.tunnel.host_name = r == role::lac ? "vpnwire-lac6" : "vpnwire-lns6";
    c.tunnel.secret = "over-ipv6";
    c.tunnel.max_sessions = 4;
    lac = r == role::lac;
    ep = std::make_unique<ep_t>(c, crypto::openssl_md5{}, shared_random{gen.get()}, now);
  }
  // Sends what the endpoint has queued; takes its events.
  void flush(time_point now, std::vector<datagram_record> *log) {
    std::array<std::byte, 4096> buf{};
    for (;;) {
      auto d = ep->poll_transmit(now, buf);
      ASSERT_TRUE(d);
      if (d->size == 0) break;
      ASSERT_TRUE(sock.send_to(d->peer, bytes_view(buf).first(d->size)));
      if (log) log->push_back({sock.local, d->peer, {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(d->size)}});
    }
    for (ep_t::tagged_event e; ep->poll_event(e);) {
      if (e.ev.type == event_type::tunnel_up) {
        ++tunnels_up;
        if (lac) {
          ASSERT_TRUE(ep->find(e.local_tunnel_id)->start_incoming_call({}, now));
        }
      }
      if (e.ev.type == event_type::session_up) ++sessions_up;
    }
  }
};

// Runs the nodes over their sockets until `done` or 10 s pass.
template <class Done> void run(std::vector<node *> nodes, Done done, std::vector<datagram_record> *log = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  auto now = [&] {
    return from_nanoseconds(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count() +
        1'000'000'000);
  };
  while (!done() && std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    for (node *n : nodes) n->flush(now(), log);
    std::vector<pollfd> fds;
    for (node *n : nodes) fds.push_back({n->sock.fd, POLLIN, 0});
    (void)::poll(fds.data(), fds.size(), 20);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      std::array<std::byte, 4096> buf{};
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      const ssize_t r = ::recvfrom(fds[i].fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr *>(&from), &len);
      if (r > 0) nodes[i]->ep->receive(peer_of(from), bytes_view(buf).first(static_cast<std::size_t>(r)), now());
    }
    for (node *n : nodes)
      if (n->ep->next_deadline() <= now()) n->ep->handle_timeout(now());
  }
}

bool have_ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string text6(const udp_peer &p) {
  char s[INET6_ADDRSTRLEN] = {};
  const auto a = p.v6_address();
  in6_addr in{};
  std::memcpy(&in, a.data(), 16);
  (void)::inet_ntop(AF_INET6, &in, s, sizeof s);
  return s;
}

} // namespace

TEST(UdpPeer, FamilyTaggedValuesThatCompareExactly) {
  constexpr udp_peer a = udp_peer::v4(0xC0000201, 1701);
  static_assert(a.is_v4() && a.v4_value() == 0xC0000201 && a.address_bytes().size() == 4);
  std::array<std::byte, 16> six{};
  six[0] = std::byte{0x20};
  six[1] = std::byte{0x01};
  six[15] = std::byte{1};
  const udp_peer b = udp_peer::v6(six, 1701);
  EXPECT_TRUE(b.is_v6());
  EXPECT_EQ(b.address_bytes().size(), 16U);
  EXPECT_EQ(b.v4_value(), 0U);
  EXPECT_EQ(b.v6_address(), six);
  EXPECT_NE(a, b);
  EXPECT_NE(b, udp_peer::v6(six, 1702));
  EXPECT_NE(b, udp_peer::v6(six, 1701, 3)); // another link's fe80::/10 is another peer
  EXPECT_EQ(b.without_port(), udp_peer::v6(six, 0));
  // The same four bytes as IPv4 and as the start of an IPv6 address are different peers.
  std::array<std::byte, 16> prefix{};
  prefix[0] = std::byte{192};
  prefix[2] = std::byte{2};
  prefix[3] = std::byte{1};
  EXPECT_NE(udp_peer::v6(prefix, 1701), udp_peer::v4(0xC0000201, 1701));
  // RFC 4291 §2.5.5.2: ::ffff:192.0.2.1 is the IPv4 peer 192.0.2.1, and maps back.
  std::array<std::byte, 16> mapped{};
  mapped[10] = std::byte{0xFF};
  mapped[11] = std::byte{0xFF};
  mapped[12] = std::byte{192};
  mapped[14] = std::byte{2};
  mapped[15] = std::byte{1};
  EXPECT_EQ(udp_peer::v6(mapped, 1701, 7), a);
  EXPECT_EQ(a.v6_address(), mapped);
  // ::192.0.2.1 (deprecated IPv4-compatible) is not mapped: an IPv6 peer.
  mapped[10] = std::byte{0};
  mapped[11] = std::byte{0};
  EXPECT_TRUE(udp_peer::v6(mapped, 1701).is_v6());
  EXPECT_EQ(name(address_family::ipv6), "ipv6");
}

TEST(EndpointIpv6, LacAndLnsEstablishATunnelAndACallOverUdpIpv6) {
  if (!have_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback";
  const time_point t = from_nanoseconds(1'000'000'000);
  node lns(role::lns, udp_socket::open(AF_INET6), 11, t);
  node lac(role::lac, udp_socket::open(AF_INET6), 22, t);
  ASSERT_GE(lns.sock.fd, 0);
  ASSERT_GE(lac.sock.fd, 0);
  EXPECT_TRUE(lns.sock.local.is_v6());
  auto id = lac.ep->open(lns.sock.local, t);
  ASSERT_TRUE(id);
  std::vector<datagram_record> log;
  run(
      {&lns, &lac}, [&] { return lac.sessions_up == 1 && lns.sessions_up == 1; }, &log);
  EXPECT_EQ(lac.tunnels_up, 1);
  EXPECT_EQ(lns.tunnels_up, 1);
  EXPECT_EQ(lac.sessions_up, 1);
  EXPECT_EQ(lns.sessions_up, 1);
  // The LNS keys its tunnel by the LAC's IPv6 address and port, as recvfrom reported them.
  std::array<std::uint16_t, 8> ids{};
  ASSERT_EQ(lns.ep->tunnel_ids(ids), 1U);
  EXPECT_EQ(lns.ep->peer_of(ids[0]), lac.sock.local);
  EXPECT_EQ(lac.ep->peer_of(*id), lns.sock.local);
  EXPECT_EQ(lns.ep->counters().new_tunnels, 1U);
  EXPECT_EQ(lns.ep->counters().peer_mismatch, 0U);
  ASSERT_GE(log.size(), 6U); // SCCRQ, SCCRP, SCCCN, ICRQ, ICRP, ICCN and acknowledgements

  // The capture, through scapy and tshark.
  int status = 0;
  (void)ppp_interop::run("/usr/bin/python3 -c 'import scapy' 2>&1", status);
  if (status != 0 || !ppp_interop::have_tool("tshark")) GTEST_SKIP() << "scapy or tshark not installed";
  std::ostringstream in;
  for (const auto &d : log)
    in << text6(d.from) << ' ' << d.from.port << ' ' << text6(d.to) << ' ' << d.to.port << ' '
       << vpnwire_test::to_hex(d.bytes) << '\n';
  const std::string dir = ppp_interop::scratch_dir();
  std::ofstream(dir + "/l2tp6.txt") << in.str();
  const std::string pcap = dir + "/l2tp_over_ipv6.pcap";
  const std::string out = ppp_interop::run("/usr/bin/python3 " VPNWIRE_TEST_SOURCE_DIR "/l2tp_ipv6_pcap.py " + pcap +
                                               " < " + dir + "/l2tp6.txt 2>&1",
                                           status);
  ASSERT_EQ(status, 0) << out;
  const std::vector<std::string> fields = {
      "ipv6.src",  "ipv6.dst",    "udp.srcport", "udp.dstport", "udp.checksum.status",
      "l2tp.type", "l2tp.tunnel", "l2tp.Ns",     "l2tp.Nr",     "l2tp.avp.message_type"};
  const auto rows = ppp_interop::tshark_fields(
      pcap, fields, "-o udp.check_checksum:TRUE -d udp.port==" + std::to_string(lns.sock.local.port) + ",l2tp");
  ASSERT_EQ(rows.size(), log.size());
  int messages = 0;
  for (std::size_t i = 0; i < log.size(); ++i) {
    SCOPED_TRACE("datagram " + std::to_string(i + 1));
    const auto &r = rows[i];
    EXPECT_EQ(r.at("ipv6.src"), "::1");
    EXPECT_EQ(r.at("ipv6.dst"), "::1");
    EXPECT_EQ(r.at("udp.srcport"), std::to_string(log[i].from.port));
    EXPECT_EQ(r.at("udp.dstport"), std::to_string(log[i].to.port));
    EXPECT_EQ(r.at("udp.checksum.status"), "1"); // RFC 8200 §8.1: UDP over IPv6 carries a real checksum
    auto h = parse_header(log[i].bytes);
    ASSERT_TRUE(h);
    EXPECT_TRUE(h->is_control());
    EXPECT_EQ(r.at("l2tp.tunnel"), std::to_string(h->tunnel_id()));
    EXPECT_EQ(r.at("l2tp.Ns"), std::to_string(h->ns()));
    EXPECT_EQ(r.at("l2tp.Nr"), std::to_string(h->nr()));
    auto m = validate_message(h->payload());
    ASSERT_TRUE(m);
    if (!m->is_zlb()) {
      EXPECT_EQ(r.at("l2tp.avp.message_type"), std::to_string(m->type_value()));
      ++messages;
    } else {
      EXPECT_EQ(r.at("l2tp.avp.message_type"), "");
    }
  }
  EXPECT_GE(messages, 6);
}

TEST(EndpointIpv6, ADualStackLnsServesIpv4AndIpv6LacsWithOneKeyPerPeer) {
  if (!have_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback";
  const time_point t = from_nanoseconds(1'000'000'000);
  node lns(role::lns, udp_socket::open(AF_INET6, true), 33, t);
  node lac4(role::lac, udp_socket::open(AF_INET), 44, t);
  node lac6(role::lac, udp_socket::open(AF_INET6), 55, t);
  ASSERT_GE(lns.sock.fd, 0);
  ASSERT_GE(lac4.sock.fd, 0);
  ASSERT_GE(lac6.sock.fd, 0);
  const std::uint16_t port = lns.sock.local.port;
  ASSERT_TRUE(lac4.ep->open(udp_peer::v4(0x7F000001, port), t));
  ASSERT_TRUE(lac6.ep->open(loopback6(port), t));
  run({&lns, &lac4, &lac6}, [&] { return lns.sessions_up == 2 && lac4.sessions_up == 1 && lac6.sessions_up == 1; });
  EXPECT_EQ(lns.tunnels_up, 2);
  EXPECT_EQ(lns.sessions_up, 2);
  EXPECT_EQ(lac4.sessions_up, 1);
  EXPECT_EQ(lac6.sessions_up, 1);
  std::array<std::uint16_t, 8> ids{};
  ASSERT_EQ(lns.ep->tunnel_ids(ids), 2U);
  std::vector<udp_peer> peers = {*lns.ep->peer_of(ids[0]), *lns.ep->peer_of(ids[1])};
  // The IPv4 LAC reached the AF_INET6 socket as ::ffff:127.0.0.1 and is keyed as 127.0.0.1.
  EXPECT_EQ(std::count(peers.begin(), peers.end(), lac4.sock.local), 1);
  EXPECT_EQ(std::count(peers.begin(), peers.end(), lac6.sock.local), 1);
  EXPECT_TRUE(lac4.sock.local.is_v4());
  EXPECT_EQ(lns.ep->counters().peer_mismatch, 0U);
  EXPECT_EQ(lns.ep->counters().unknown_tunnel_id, 0U);
}

// The example LAC over each family: its socket follows the --server address.
// The LNS's socket takes only that family (an IPv6-only [::1] socket, or
// 127.0.0.1), so the tunnel comes up only if the LAC used it.
TEST(EndpointIpv6, TheExampleLacFollowsTheServerAddressFamily) {
  if (!have_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback";
  for (const int family : {AF_INET6, AF_INET}) {
    const time_point t = from_nanoseconds(1'000'000'000);
    node lns(role::lns, udp_socket::open(family), 66, t);
    ASSERT_GE(lns.sock.fd, 0);
    vpnwire_example::lac_options o;
    o.server = family == AF_INET6 ? "::1" : "127.0.0.1";
    o.port = lns.sock.local.port;
    o.secret = "over-ipv6"; // the nodes' secret: a challenge both ways and hidden AVPs
    o.calls = 2;
    o.timeout = std::chrono::milliseconds(8000);
    o.verbose = false;
    std::atomic<bool> lac_done{false};
    std::thread server([&] { run({&lns}, [&] { return lac_done.load(); }); });
    const vpnwire_example::lac_report rep = vpnwire_example::run_lac(o, nullptr);
    lac_done = true;
    server.join();
    EXPECT_EQ(rep.error, "") << o.server;
    EXPECT_TRUE(rep.tunnel_up) << o.server;
    EXPECT_EQ(rep.sessions_up, 2) << o.server;
    EXPECT_FALSE(rep.timed_out) << o.server;
    EXPECT_EQ(lns.tunnels_up, 1) << o.server;
    EXPECT_EQ(lns.sessions_up, 2) << o.server;
    ::close(lns.sock.fd);
  }
}
