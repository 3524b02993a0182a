// Oracles: scapy 2.5 builds ICMP and ICMPv6 error messages quoting ESP, ESP
// in UDP, L2TP, IKE and TCP packets (tests/ip/icmp_scapy.py prints the bytes
// and the field values it put in); tshark 4.0 dissects both scapy's packets
// and ours. What this proves:
//  - our views read, from scapy's bytes, exactly the fields scapy wrote
//    (type, code, RFC 1191/4443 MTU, pointer, the quoted IP header and the
//    ESP SPI and sequence number, UDP ports, L2TP tunnel and session);
//  - our builders, given scapy's invoking packet and fields, write the same
//    ICMP/ICMPv6 bytes scapy wrote, checksum included (ICMPv6's over the
//    pseudo-header), quoting RFC 792's 8 bytes or RFC 1812 / RFC 4443's
//    larger quote exactly as long as scapy's;
//  - tshark reads the same type, code, MTU, pointer, SPI, sequence number,
//    ports and L2TP ids from every packet (scapy's and ours) as our views do,
//    and says every checksum is good.
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/ipv6.hpp"

#include "../ppp/interop_support.hpp"
#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ip;
using ppp_interop::have_tool;
using ppp_interop::run;

namespace {

struct scapy_message {
  bool v6 = false;
  std::vector<std::byte> packet;
  std::map<std::string, std::string> fields;
  [[nodiscard]] bool has(const std::string &k) const { return fields.count(k) != 0; }
  [[nodiscard]] unsigned long num(const std::string &k) const { return std::stoul(fields.at(k)); }
};

std::vector<scapy_message> scapy_messages() {
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  const std::string script = std::string(src != nullptr ? src : ".") + "/tests/ip/icmp_scapy.py";
  int status = 0;
  const std::string out = run("/usr/bin/python3 '" + script + "' 2>&1", status);
  EXPECT_EQ(status, 0) << out;
  std::vector<scapy_message> msgs;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    scapy_message m;
    std::string family, hexbytes, kv;
    words >> family >> hexbytes;
    m.v6 = family == "icmp6";
    m.packet = vpnwire_test::hex(hexbytes);
    while (words >> kv) {
      const auto eq = kv.find('=');
      m.fields[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    msgs.push_back(std::move(m));
  }
  return msgs;
}

// What our views read from one whole IP packet carrying ICMP or ICMPv6,
// keyed by the Wireshark field name tshark reports it under.
std::map<std::string, std::string> our_fields(bytes_view packet) {
  std::map<std::string, std::string> f;
  quoted_transport t;
  if ((std::to_integer<unsigned>(packet[0]) >> 4) == 4) {
    auto ip4 = parse_ipv4(packet);
    EXPECT_TRUE(ip4);
    auto m = parse_icmpv4(ip4->payload());
    EXPECT_TRUE(m) << name(m.code());
    if (!m) return f;
    f["icmp.type"] = std::to_string(m->type());
    f["icmp.code"] = std::to_string(m->code());
    f["icmp.checksum.status"] = "1";
    if (m->is_fragmentation_needed()) f["icmp.mtu"] = std::to_string(m->next_hop_mtu());
    if (m->type() == icmp_type::parameter_problem) f["icmp.pointer"] = std::to_string(m->pointer());
    if (auto q = m->quoted()) t = q->transport();
  } else {
    auto h = parse_ipv6(packet);
    EXPECT_TRUE(h);
    if (!h) return f;
    auto m = parse_icmpv6(h->payload(), h->source(), h->destination());
    EXPECT_TRUE(m) << name(m.code());
    if (!m) return f;
    f["icmpv6.type"] = std::to_string(m->type());
    f["icmpv6.code"] = std::to_string(m->code());
    f["icmpv6.checksum.status"] = "1";
    if (m->is_packet_too_big()) f["icmpv6.mtu"] = std::to_string(m->mtu());
    if (m->type() == icmpv6_type::parameter_problem) f["icmpv6.pointer"] = std::to_string(m->pointer());
    if (auto q = m->quoted()) {
      t = q->transport();
      // tshark does not dissect past the Fragment header of a quoted first
      // fragment (it would need the other fragments): transport fields of
      // such quotes are ours alone (scapy is their oracle).
      if (q->chain().identification) f["_fragment"] = "1";
    }
  }
  if (t.spi) f["esp.spi"] = ppp_interop::hex32(*t.spi);
  if (t.spi && t.sequence) f["esp.sequence"] = std::to_string(*t.sequence);
  if (t.source_port && t.kind != quoted_kind::tcp) f["udp.srcport"] = std::to_string(*t.source_port);
  if (t.l2tp_tunnel_id) f["l2tp.tunnel"] = std::to_string(*t.l2tp_tunnel_id);
  if (t.l2tp_session_id) f["l2tp.session"] = std::to_string(*t.l2tp_session_id);
  if (t.kind == quoted_kind::tcp && t.sequence) f["tcp.seq_raw"] = std::to_string(*t.sequence);
  return f;
}

// Checks what our views read from a scapy message against what scapy put in.
template <class Quoted> void check_quote(const scapy_message &m, const Quoted &q) {
  const quoted_transport t = q.transport();
  EXPECT_EQ(name(t.kind), m.fields.at("kind"));
  EXPECT_EQ(q.total_length(), m.num("qlen"));
  if (m.has("spi")) {
    ASSERT_TRUE(t.spi);
    EXPECT_EQ(*t.spi, m.num("spi"));
  } else {
    EXPECT_FALSE(t.spi);
  }
  if (m.has("seq")) {
    ASSERT_TRUE(t.sequence);
    EXPECT_EQ(*t.sequence, m.num("seq"));
  }
  if (m.has("sport")) {
    ASSERT_TRUE(t.source_port && t.destination_port);
    EXPECT_EQ(*t.source_port, m.num("sport"));
    EXPECT_EQ(*t.destination_port, m.num("dport"));
  }
  if (m.has("tunnel")) {
    ASSERT_TRUE(t.l2tp_tunnel_id && t.l2tp_session_id && t.l2tp_control);
    EXPECT_EQ(*t.l2tp_tunnel_id, m.num("tunnel"));
    EXPECT_EQ(*t.l2tp_session_id, m.num("session"));
    EXPECT_EQ(*t.l2tp_control, m.num("control") == 1);
  }
}

class IcmpInterop : public ::testing::Test {
protected:
  void SetUp() override {
    (void)run("/usr/bin/python3 -c 'import scapy' 2>&1", status_);
    if (status_ != 0) GTEST_SKIP() << "scapy not installed (apt-get install python3-scapy)";
  }
  int status_ = 0;
};

} // namespace

TEST_F(IcmpInterop, ViewsReadWhatScapyBuiltAndBuildersWriteTheSameBytes) {
  const auto msgs = scapy_messages();
  ASSERT_EQ(msgs.size(), 20U);
  int built = 0;
  for (const auto &m : msgs) {
    SCOPED_TRACE(vpnwire_test::to_hex(m.packet).substr(0, 120));
    if (!m.v6) {
      auto ip4 = parse_ipv4(m.packet);
      ASSERT_TRUE(ip4);
      auto v = parse_icmpv4(ip4->payload());
      ASSERT_TRUE(v) << name(v.code());
      EXPECT_EQ(v->type(), m.num("type"));
      EXPECT_EQ(v->code(), m.num("code"));
      if (m.has("mtu")) {
        EXPECT_EQ(v->next_hop_mtu(), m.num("mtu"));
      }
      if (m.has("pointer")) {
        EXPECT_EQ(v->pointer(), m.num("pointer"));
      }
      if (!m.has("invoking")) {
        EXPECT_FALSE(v->is_error());
        EXPECT_EQ(v->quoted().code(), icmp_errc::not_an_error_message);
        EXPECT_EQ(v->identifier(), m.num("ident"));
        EXPECT_EQ(v->sequence(), m.num("sequence"));
        continue;
      }
      auto q = v->quoted();
      ASSERT_TRUE(q) << name(q.code());
      EXPECT_EQ(q->protocol(), m.num("qproto"));
      EXPECT_EQ(q->dont_fragment(), m.num("qdf") == 1);
      if (m.has("qsrc")) {
        EXPECT_EQ(q->source(), m.num("qsrc"));
        EXPECT_EQ(q->destination(), m.num("qdst"));
      }
      check_quote(m, *q);
      // Our builder, from the same invoking packet and fields.
      const auto invoking = vpnwire_test::hex(m.fields.at("invoking"));
      const icmpv4_quote policy =
          m.has("quote") && m.fields.at("quote") == "rfc792" ? icmpv4_quote::rfc792 : icmpv4_quote::rfc1812;
      std::vector<std::byte> out(1500);
      std::uint32_t rest = 0;
      if (v->is_fragmentation_needed()) rest = v->next_hop_mtu();
      if (v->type() == icmp_type::parameter_problem) rest = std::uint32_t{v->pointer()} << 24;
      auto n = build_icmpv4_error(out, v->type(), v->code(), rest, policy, invoking);
      ASSERT_TRUE(n);
      out.resize(*n);
      EXPECT_EQ(vpnwire_test::to_hex(out), vpnwire_test::to_hex(ip4->payload()));
      ++built;
    } else {
      auto h = parse_ipv6(m.packet);
      ASSERT_TRUE(h);
      const bytes_view payload = h->payload();
      auto v = parse_icmpv6(payload, h->source(), h->destination());
      ASSERT_TRUE(v) << name(v.code());
      EXPECT_EQ(v->type(), m.num("type"));
      EXPECT_EQ(v->code(), m.num("code"));
      if (m.has("mtu")) {
        EXPECT_EQ(v->mtu(), m.num("mtu"));
      }
      if (m.has("pointer")) {
        EXPECT_EQ(v->pointer(), m.num("pointer"));
      }
      if (!m.has("invoking")) {
        EXPECT_FALSE(v->is_error());
        EXPECT_EQ(v->identifier(), m.num("ident"));
        EXPECT_EQ(v->sequence(), m.num("sequence"));
        continue;
      }
      auto q = v->quoted();
      ASSERT_TRUE(q) << name(q.code());
      EXPECT_EQ(q->next_header(), m.num("qnh"));
      check_quote(m, *q);
      const auto invoking = vpnwire_test::hex(m.fields.at("invoking"));
      std::vector<std::byte> out(1500);
      const std::uint32_t param = v->type() == icmpv6_type::packet_too_big      ? v->mtu()
                                  : v->type() == icmpv6_type::parameter_problem ? v->pointer()
                                                                                : 0;
      auto n = build_icmpv6_error(out, h->source(), h->destination(), v->type(), v->code(), param, invoking);
      ASSERT_TRUE(n);
      out.resize(*n);
      EXPECT_EQ(vpnwire_test::to_hex(out), vpnwire_test::to_hex(payload));
      ++built;
    }
  }
  EXPECT_EQ(built, 18);
}

TEST_F(IcmpInterop, TsharkReadsWhatOurViewsReadFromScapysPacketsAndOurs) {
  if (!have_tool("tshark")) GTEST_SKIP() << "tshark not installed";
  const auto msgs = scapy_messages();
  std::vector<std::vector<std::byte>> packets;
  const std::uint32_t router4 = 0xC6336401, local4 = 0xC000020A;
  const std::array<std::byte, 16> router6 = [] {
    std::array<std::byte, 16> a{};
    const auto b = vpnwire_test::hex("20010db8ffff00000000000000000001");
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  }();
  for (const auto &m : msgs) {
    packets.push_back(m.packet);
    if (!m.has("invoking")) continue;
    // Our whole packets: the same error about the same invoking packet.
    const auto invoking = vpnwire_test::hex(m.fields.at("invoking"));
    std::vector<std::byte> out(1500);
    if (!m.v6) {
      const std::uint32_t rest = m.has("mtu")       ? static_cast<std::uint32_t>(m.num("mtu"))
                                 : m.has("pointer") ? static_cast<std::uint32_t>(m.num("pointer")) << 24
                                                    : 0;
      const icmpv4_quote policy =
          m.has("quote") && m.fields.at("quote") == "rfc792" ? icmpv4_quote::rfc792 : icmpv4_quote::rfc1812;
      auto n = build_icmpv4_error_packet(out, router4, local4, 64, static_cast<std::uint8_t>(m.num("type")),
                                         static_cast<std::uint8_t>(m.num("code")), rest, policy, invoking);
      ASSERT_TRUE(n);
      out.resize(*n);
    } else {
      auto q = parse_quoted_ipv6(invoking);
      ASSERT_TRUE(q);
      const std::uint32_t param = m.has("mtu")       ? static_cast<std::uint32_t>(m.num("mtu"))
                                  : m.has("pointer") ? static_cast<std::uint32_t>(m.num("pointer"))
                                                     : 0;
      auto n = build_icmpv6_error_packet(out, router6, q->source(), 64, static_cast<std::uint8_t>(m.num("type")),
                                         static_cast<std::uint8_t>(m.num("code")), param, invoking);
      ASSERT_TRUE(n);
      EXPECT_LE(*n, 1280U);
      out.resize(*n);
    }
    packets.push_back(std::move(out));
  }
  ppp_interop::pcap_writer w(101); // LINKTYPE_RAW: IPv4 or IPv6 by the version nibble
  for (const auto &p : packets) w.add(p);
  const std::string pcap = ppp_interop::scratch_dir() + "/icmp_interop.pcap";
  w.save(pcap);
  const std::vector<std::string> names = {"icmp.type",
                                          "icmp.code",
                                          "icmp.checksum.status",
                                          "icmp.mtu",
                                          "icmp.pointer",
                                          "icmpv6.type",
                                          "icmpv6.code",
                                          "icmpv6.checksum.status",
                                          "icmpv6.mtu",
                                          "icmpv6.pointer",
                                          "esp.spi",
                                          "esp.sequence",
                                          "udp.srcport",
                                          "l2tp.tunnel",
                                          "l2tp.session",
                                          "tcp.seq_raw"};
  const auto rows = ppp_interop::tshark_fields(pcap, names);
  ASSERT_EQ(rows.size(), packets.size());
  // Fields tshark must report whenever our view has them; the others are
  // compared when tshark dissects that deep (it stops early in some quotes).
  const std::vector<std::string> required = {"icmp.type",
                                             "icmp.code",
                                             "icmp.checksum.status",
                                             "icmp.mtu",
                                             "icmp.pointer",
                                             "icmpv6.type",
                                             "icmpv6.code",
                                             "icmpv6.checksum.status",
                                             "icmpv6.mtu",
                                             "icmpv6.pointer",
                                             "esp.spi",
                                             "esp.sequence",
                                             "l2tp.tunnel",
                                             "l2tp.session"};
  int compared = 0;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i + 1));
    const auto ours = our_fields(packets[i]);
    const bool fragment = ours.count("_fragment") != 0;
    for (const auto &[k, v] : ours) {
      if (k[0] == '_') continue;
      const std::string &theirs = rows[i].at(k);
      const bool transport = k.rfind("icmp", 0) != 0;
      const bool must = std::find(required.begin(), required.end(), k) != required.end() && !(fragment && transport);
      if (!must && theirs.empty()) continue;
      // tshark aggregates repeated fields (an IKE quote's two UDP ports): compare the first.
      EXPECT_EQ(theirs.substr(0, theirs.find(',')), v) << k;
      ++compared;
    }
  }
  EXPECT_GT(compared, 100);
}
