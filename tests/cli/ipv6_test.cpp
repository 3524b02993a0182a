// The CLI on IPv6 (issue 17), on the captures of tests/cli/captures/ipv6-*.pcap
// written by scapy, text2pcap, editcap and tcpdump on a veth pair between two
// network namespaces (make_captures.py --ipv6-only). Expectations come from
// how the captures were made: scapy's packets (a 3072-byte UDP datagram in
// three fragments of a 1280-byte path, an IPV6CP negotiation, tunnels
// fragmented on a 1280-byte path with an IPv6 SYN announcing MSS 1440), the
// kernel's (2000-byte echoes and a 3072-byte datagram fragmented on MTU
// 1280, a handshake with MSS 1220 = 1280 - 60), and tshark reading what
// --write-inner writes. The same IPv6 packets under every link type decode
// to the same ipv6 layers.
#include "cli_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

namespace {

using namespace cli_test;

const std::string tests_captures = VPNWIRE_TEST_CAPTURES_DIR;

std::string cap(const std::string &name) { return tests_captures + "/" + name; }

bool have(const char *tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

std::vector<std::string> frame_lines(const std::string &out) {
  std::vector<std::string> v;
  for (const auto &l : lines(out))
    if (l.rfind("{\"frame\"", 0) == 0) v.push_back(l);
  return v;
}

/// Each frame's JSON from its first `proto` layer to the end of the layers.
std::vector<std::string> from_layer(const std::vector<std::string> &frames, const std::string &proto) {
  std::vector<std::string> v;
  for (const auto &l : frames) {
    const auto p = l.find("{\"proto\":\"" + proto + "\"");
    const auto w = l.find("],\"warnings\":");
    v.push_back(p == std::string::npos ? "" : l.substr(p, w - p));
  }
  return v;
}

bool has(const std::string &hay, const std::string &needle) { return hay.find(needle) != std::string::npos; }

std::string finding(const std::string &report, const std::string &title) {
  const auto at = report.find(title);
  if (at == std::string::npos) return {};
  const auto end = report.find("\n\n", at);
  return report.substr(at, end - at);
}

TEST(Ipv6LinkTypes, EthernetRawIpv6NullAndLoopGiveTheSameIpv6Layers) {
  const auto eth = frame_lines(run("decode --json " + cap("ipv6-scapy.pcap")).out);
  ASSERT_EQ(eth.size(), 19U);
  // LINKTYPE_IPV6 (editcap -T rawip6) holds every IPv6 frame: all but the 6in4 one (frame 18).
  const auto raw6r = run("decode --json " + cap("ipv6-rawip6.pcap"));
  const auto raw6 = frame_lines(raw6r.out);
  ASSERT_EQ(raw6.size(), 18U);
  std::vector<std::string> want(eth.begin(), eth.end());
  want.erase(want.begin() + 17);
  EXPECT_EQ(from_layer(raw6, "ipv6"), from_layer(want, "ipv6"));
  EXPECT_TRUE(has(raw6[0], "\"vpnwire.linktype\":229"));
  // NULL with AF_INET6 24, 28 and 30 (host order) and LOOP with 24: the first six.
  const auto null6 = frame_lines(run("decode --json " + cap("ipv6-null.pcap")).out);
  const auto loop6 = frame_lines(run("decode --json " + cap("ipv6-loop.pcap")).out);
  ASSERT_EQ(null6.size(), 6U);
  ASSERT_EQ(loop6.size(), 6U);
  const std::vector<std::string> first6(eth.begin(), eth.begin() + 6);
  // A lone first fragment: held, never completed, in every file alike.
  EXPECT_EQ(from_layer(null6, "ipv6"), from_layer(first6, "ipv6"));
  EXPECT_EQ(from_layer(loop6, "ipv6"), from_layer(first6, "ipv6"));
  EXPECT_TRUE(has(null6[0], "\"null.family\":24"));
  EXPECT_TRUE(has(null6[1], "\"null.family\":28"));
  EXPECT_TRUE(has(null6[2], "\"null.family\":30"));
  EXPECT_TRUE(has(loop6[0], "\"null.family\":24"));
  // LINKTYPE_RAW with both families: the version nibble decides.
  const auto mixed = frame_lines(run("decode --json " + cap("ipv6-raw-mixed.pcap")).out);
  ASSERT_EQ(mixed.size(), 6U);
  EXPECT_EQ(from_layer(mixed, "ipv6")[0], from_layer(eth, "ipv6")[0]);
  EXPECT_TRUE(has(mixed[3], "{\"proto\":\"ip\",\"ip.version\":4,"));
  EXPECT_TRUE(has(mixed[3], "\"ip.proto\":41")); // 6in4
  for (const auto &f : {"ipv6-scapy.pcap", "ipv6-rawip6.pcap", "ipv6-null.pcap", "ipv6-loop.pcap",
                        "ipv6-raw-mixed.pcap", "ipv6-pppoe-ipv6cp.pcap", "ipv6-tunnel-fragmented.pcap"})
    EXPECT_TRUE(has(run("decode --json " + cap(f)).out, "\"errors\":0")) << f;
}

TEST(Ipv6LinkTypes, KernelTrafficOnEthernetAndSll2) {
  for (const std::string file : {"ipv6-veth.pcap", "ipv6-any-sll2.pcap"}) {
    const auto r = run("decode " + cap(file));
    EXPECT_EQ(r.status, 0) << file;
    // Two 2000-byte echoes each way, fragmented by the kernels (2048 = 40 + 8 + 2000).
    const std::regex echo(R"(reassembled 2048 bytes from 2 fragments ICMP6 echo (request|reply) id 119 seq [12])");
    EXPECT_EQ(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), echo), std::sregex_iterator()), 4) << file;
    // The handshake: MSS 1220 both ways (1280 - 40 - 20).
    EXPECT_TRUE(has(r.out, "TCP ") && has(r.out, "> 8080 [S] mss 1220")) << file;
    EXPECT_TRUE(has(r.out, "[S.] mss 1220")) << file;
    // Incident 1's control messages over UDP/IPv6, and a 3072-byte datagram in three fragments.
    EXPECT_TRUE(has(r.out, "UDP 1701 > 1701 L2TP SCCRQ t=0 s=0 Ns=0 Nr=0")) << file;
    EXPECT_TRUE(has(r.out, "reassembled 3120 bytes from 3 fragments UDP 33000 > 33001")) << file;
    // The port-unreachable answers are ICMPv6 with a checksum that verifies.
    EXPECT_TRUE(has(r.out, "ICMP6 destination unreachable code 4")) << file;
    EXPECT_FALSE(has(r.out, "bad_checksum")) << file;
  }
  const auto sll2 = frame_lines(run("decode --json " + cap("ipv6-any-sll2.pcap")).out);
  ASSERT_FALSE(sll2.empty());
  EXPECT_TRUE(has(sll2[0], "{\"proto\":\"sll\"") && has(sll2[0], "\"sll.etype\":34525")) << sll2[0];
}

TEST(Ipv6Reassembly, ScapyFragmentsAreHeldThenCompletedWithTheirFrames) {
  const auto f = frame_lines(run("decode --json " + cap("ipv6-scapy.pcap")).out);
  ASSERT_EQ(f.size(), 19U);
  EXPECT_TRUE(has(f[5], "\"ipv6.fraghdr.offset\":[0],\"ipv6.fraghdr.reserved_bits\":[0],\"ipv6.fraghdr.more\":[1],"
                        "\"ipv6.fraghdr.ident\":[305441741],\"vpnwire.ipv6.reassembly\":\"held\""))
      << f[5];
  EXPECT_TRUE(has(f[6], "\"ipv6.fraghdr.offset\":[154]")) << f[6]; // 1232 / 8
  EXPECT_TRUE(has(f[7], "\"vpnwire.ipv6.reassembly\":\"completed\",\"ipv6.fragment.count\":3,"
                        "\"ipv6.reassembled.length\":3080,\"ipv6.fragment\":[6,7,8]"))
      << f[7];
  // The reassembled datagram's UDP checksum verifies over the IPv6 pseudo-header.
  EXPECT_TRUE(has(f[7], "\"udp.length\":3080,")) << f[7];
  EXPECT_TRUE(has(f[7], "\"udp.checksum.status\":1")) << f[7];
  // The extension chain of frame 1: Hop-by-Hop -> Destination Options -> Routing -> UDP.
  EXPECT_TRUE(has(f[0], "\"ipv6.nxt\":0,") && has(f[0], "\"ipv6.hopopts.nxt\":[60]") &&
              has(f[0], "\"ipv6.dstopts.nxt\":[43]") && has(f[0], "\"ipv6.routing.nxt\":[17]") &&
              has(f[0], "\"ipv6.routing.type\":[0]"))
      << f[0];
  EXPECT_TRUE(has(f[0], "\"ipv6.tclass\":184,\"ipv6.tclass.dscp\":46,\"ipv6.tclass.ecn\":0,\"ipv6.flow\":74565,"))
      << f[0];
  // AH in the chain, then UDP.
  EXPECT_TRUE(has(f[9], "\"ah.spi\":[1611464706],\"ah.sequence\":[5]") && has(f[9], "\"udp.checksum.status\":1"))
      << f[9];
  // L2TP over UDP/IPv6 whose PPP carries IPv6 and ICMPv6.
  EXPECT_TRUE(has(f[16], "\"ppp.protocol\":87}") && has(f[16], "\"ipv6.src\":\"fd00::2\"") &&
              has(f[16], "\"icmpv6.type\":128") && has(f[16], "\"icmpv6.checksum.status\":1"))
      << f[16];
  // 6in4 and 4in6.
  EXPECT_TRUE(has(f[17], "\"ip.proto\":41") && has(f[17], "{\"proto\":\"ipv6\"")) << f[17];
  EXPECT_TRUE(has(f[18], "\"ipv6.nxt\":4,") && has(f[18], "{\"proto\":\"ip\"")) << f[18];
}

TEST(Ipv6WriteInner, RawFileOfBothFamiliesIsReadByTshark) {
  if (!have("tshark")) GTEST_SKIP() << "needs tshark";
  const std::string out = tmp("inner6.pcap");
  const auto r = run("decode --write-inner " + out + " " + cap("ipv6-scapy.pcap"));
  ASSERT_EQ(r.status, 0) << r.err;
  // tshark reads LINKTYPE_RAW by the version nibble: the reassembled datagram
  // is one 3120-byte IPv6 packet; 6in4 writes its inner IPv6 packet, 4in6
  // its inner IPv4 packet, and the sequenced L2TP data message its inner
  // IPv6 packet when the reorder stage releases it (at the end: the session
  // was joined mid-stream).
  const auto t =
      run("-r " + out + " -T fields -e frame.len -e ipv6.src -e ip.src -e _ws.malformed 2>/dev/null", "tshark");
  const auto ls = lines(t.out);
  ASSERT_EQ(ls.size(), 17U) << t.out; // 19 frames, two fragments held
  EXPECT_EQ(ls[0], "105\t2001:db8:1::10\t\t");
  EXPECT_EQ(ls[5], "3120\t2001:db8:1::10\t\t");
  EXPECT_EQ(ls[14], "52\t2001:db8:1::10\t\t");
  EXPECT_EQ(ls[15], "32\t\t10.0.0.1\t");
  EXPECT_EQ(ls[16], "53\tfd00::2\t\t");
  for (const auto &l : ls) EXPECT_EQ(l.back(), '\t') << "tshark says malformed: " << l;
}

TEST(Ipv6Doctor, TunnelsFragmentedOverIpv6AndTheIpv6MssClamp) {
  const auto d = run("doctor " + cap("ipv6-tunnel-fragmented.pcap")).out;
  // Plain L2TP over UDP/IPv6 on a 1280-byte path: 1280 - 40 (IPv6) - 8 (UDP)
  // - 6 (L2TP data header) - 4 (PPP) = 1222; MSS 1222 - 40 = 1182 for IPv4,
  // 1222 - 60 = 1162 for IPv6; the SYN's 1440 is above it.
  const auto l2tp = finding(d, "L2TP datagrams over IPv6 from 2001:db8:1::10 to 2001:db8:2::1 were fragmented");
  ASSERT_FALSE(l2tp.empty()) << d;
  EXPECT_TRUE(has(l2tp, "path MTU: 1280 bytes")) << l2tp;
  EXPECT_TRUE(has(l2tp, "inner MTU: 1222 bytes") && has(l2tp, "TCP MSS 1182 for inner IPv4, 1162 for inner IPv6"))
      << l2tp;
  EXPECT_TRUE(has(l2tp, "1 IPv6 SYN(s) announce an MSS above 1162") && has(l2tp, "up to 1440; frames 2")) << l2tp;
  EXPECT_TRUE(has(l2tp, "below IPv6's 1280-byte minimum MTU")) << l2tp;
  const auto esp = finding(d, "ESP datagrams over IPv6");
  ASSERT_FALSE(esp.empty()) << d;
  EXPECT_TRUE(has(esp, "SA spi 0x600d0003 (unknown")) << esp;
  // IPV6CP seen, the acknowledged identifier, and IPv6 over PPP after it.
  const auto p = run("doctor " + cap("ipv6-pppoe-ipv6cp.pcap")).out;
  const auto cp = finding(p, "IPV6CP (RFC 5072) negotiated IPv6 over PPP");
  EXPECT_TRUE(has(cp, "5 IPV6CP packet(s) (frames 1, 2, 3, 4, 5)")) << p;
  EXPECT_TRUE(has(cp, "interface identifiers acknowledged: 0211:22ff:fe33:4455")) << cp;
  EXPECT_TRUE(has(cp, "IPv6 over PPP: 2 packet(s) (frames 6, 7)")) << cp;
}

TEST(Ipv6Esp, ScapySecurityAssociationsDecryptInEveryFamilyCombination) {
  // scapy's SecurityAssociation encrypted these (make_captures.py): 6-in-6 and
  // 4-in-6 tunnel mode, UDP and TCP in transport mode over IPv6, 6-in-4.
  const std::string sa = ",enc=aes-cbc,key=0x000102030405060708090a0b0c0d0e0f,auth=hmac-sha1-96,"
                         "auth-key=0x1011121314151617181920212223242526272829";
  const std::string keys =
      "--esp-sa spi=0x6e600001" + sa + " --esp-sa spi=0x6e600002" + sa + " --esp-sa spi=0x6e600003" + sa + " ";
  const auto r = run("decode " + keys + cap("ipv6-esp.pcap"));
  const auto ls = lines(r.out);
  ASSERT_GE(ls.size(), 5U) << r.out;
  EXPECT_TRUE(has(ls[0], "ESP(spi=0x6e600001,seq=1) | IP6 fd00::2 > fd00::1 UDP 33000 > 33001")) << ls[0];
  EXPECT_TRUE(has(ls[1], "ESP(spi=0x6e600001,seq=2) | IP 10.0.0.1 > 10.0.0.2 UDP 33000 > 33001")) << ls[1];
  // Transport mode: the UDP and TCP checksums verify over the outer IPv6 pseudo-header.
  EXPECT_TRUE(has(ls[2], "ESP(spi=0x6e600002,seq=1) | UDP 33000 > 33001")) << ls[2];
  EXPECT_TRUE(has(ls[3], "ESP(spi=0x6e600002,seq=2) | TCP 40003 > 443 [S] mss 1400")) << ls[3];
  EXPECT_TRUE(has(ls[4], "IP 192.0.2.1 > 198.51.100.9 ESP(spi=0x6e600003,seq=1) | IP6 fd00::2 > fd00::1")) << ls[4];
  EXPECT_FALSE(has(r.out, "warning")) << r.out;
  EXPECT_TRUE(has(r.out, "ESP decrypted 5 (no SA: 0)")) << r.out;
  const auto j = frame_lines(run("decode --json " + keys + cap("ipv6-esp.pcap")).out);
  ASSERT_EQ(j.size(), 5U);
  EXPECT_TRUE(has(j[2], "\"esp.protocol\":17") && has(j[2], "\"udp.checksum.status\":1")) << j[2];
  EXPECT_TRUE(has(j[3], "\"esp.protocol\":6") && has(j[3], "\"tcp.checksum.status\":1")) << j[3];
  // A wrong key: the ICV check fails and the frame says so.
  const auto bad = run("decode --esp-sa spi=0x6e600002,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,"
                       "auth=hmac-sha1-96,auth-key=0x0000000000000000000000000000000000000000 " +
                       cap("ipv6-esp.pcap"));
  EXPECT_TRUE(has(lines(bad.out)[2], "[error esp icv_mismatch")) << bad.out;
}

TEST(Ipv6Ipv6cp, OptionsUnderWiresharksNames) {
  const auto f = frame_lines(run("decode --json " + cap("ipv6-pppoe-ipv6cp.pcap")).out);
  ASSERT_EQ(f.size(), 7U);
  EXPECT_TRUE(has(f[0], "{\"proto\":\"ipv6cp\",\"ppp.code\":1,\"ppp.identifier\":1,\"ppp.length\":14,"
                        "\"ipv6cp.opt.type\":[1],\"ipv6cp.opt.length\":[10],"
                        "\"ipv6cp.opt.interface_identifier\":\"010a021122fffe334455\","
                        "\"ipv6cp.interface_identifier\":\"021122fffe334455\"}"))
      << f[0];
  // IPv6-Compression-Protocol under IPCP's names, as Wireshark shows it.
  EXPECT_TRUE(has(f[1], "\"ipcp.opt.type\":[2],\"ipcp.opt.length\":[4]") &&
              has(f[1], "\"ipcp.opt.compress\":\"0204004f\",\"ipcp.opt.compress_proto\":79"))
      << f[1];
  EXPECT_TRUE(has(run("decode " + cap("ipv6-pppoe-ipv6cp.pcap")).out, "PPPoE session 0x1234 IPV6CP Conf-Ack id 1"));
}

TEST(Ipv6Errors, MalformedChainsAreNamedWithTheirOffsets) {
  const auto r = run("decode " + cap("ipv6-malformed.pcap"));
  const auto ls = lines(r.out);
  ASSERT_GE(ls.size(), 6U);
  EXPECT_TRUE(has(ls[0], "[error ipv6 hop_by_hop_not_first at 40]")) << ls[0];      // DestOpt's Next Header
  EXPECT_TRUE(has(ls[1], "[error ipv6 multiple_fragment_headers at 48]")) << ls[1]; // the second one
  EXPECT_TRUE(has(ls[2], "[error ipv6 payload_length_beyond_buffer at 4]")) << ls[2];
  EXPECT_TRUE(has(ls[3], "[warning udp zero_udp_checksum at 6]")) << ls[3];
  EXPECT_TRUE(has(ls[4], "[error ipv6cp option_wrong_length")) << ls[4];
  EXPECT_TRUE(has(ls[5], "[error ipv6 incomplete_header_chain at 56]")) << ls[5]; // RFC 7112
}

// scapy's AHs (make_captures.py ah_lengths): with a 12-byte ICV, with none,
// and two whose Payload Len of 0 makes them 8 bytes, shorter than AH's fixed
// part: those hold an SPI but no Sequence Number (tshark reads one past the
// header's end), and the chain goes on at their 9th byte, as Linux skips it.
TEST(Ipv6Errors, ShortAuthenticationHeadersListOnlyTheFieldsTheyHold) {
  const auto r = run("decode --json " + cap("ipv6-ah-lengths.pcap"));
  const auto f = frame_lines(r.out);
  ASSERT_EQ(f.size(), 4U) << r.out;
  EXPECT_TRUE(has(f[0], "\"ah.length\":[4],\"ah.spi\":[2751463426],\"ah.sequence\":[1]")) << f[0];
  EXPECT_TRUE(has(f[1], "\"ah.length\":[1],\"ah.spi\":[2751463427],\"ah.sequence\":[2]")) << f[1];
  for (std::size_t i : {0U, 1U}) EXPECT_TRUE(has(f[i], "\"warnings\":[]")) << f[i];
  for (std::size_t i : {2U, 3U}) {
    const auto &l = f[i];
    EXPECT_TRUE(has(l, "\"ah.length\":[0],\"ah.spi\":[" + std::to_string(i == 2 ? 0xA4000001U : 0xA4000004U) + "]"))
        << l;
    EXPECT_FALSE(has(l, "ah.sequence")) << l;
    EXPECT_TRUE(has(l, "{\"layer\":\"ipv6\",\"code\":\"ah_length_too_small\",\"offset\":41}")) << l;
    EXPECT_TRUE(has(l, "\"error\":null")) << l;
  }
  // The UDP datagram right after the 8 bytes, its checksum good over the addresses.
  EXPECT_TRUE(has(f[3], "\"udp.srcport\":33000,\"udp.dstport\":33001")) << f[3];
  EXPECT_TRUE(has(f[3], "\"udp.checksum.status\":1")) << f[3];
}

TEST(Ipv6SnapLength, CutPacketsGiveWarningsNotErrors) {
  if (!have("editcap")) GTEST_SKIP() << "needs Wireshark's editcap";
  const std::string cut = tmp("ipv6-s90.pcap");
  ASSERT_EQ(std::system(("editcap -s 90 " + cap("ipv6-scapy.pcap") + " " + cut).c_str()), 0);
  const auto r = run("decode --json " + cut);
  EXPECT_TRUE(has(r.out, "\"errors\":0")) << r.out;
  const auto f = frame_lines(r.out);
  ASSERT_EQ(f.size(), 19U);
  // A fragment cut short cannot join a reassembly; the header is still decoded.
  EXPECT_TRUE(has(f[5], "\"vpnwire.ipv6.reassembly\":\"not_captured\"")) << f[5];
  EXPECT_TRUE(has(f[5], "\"ipv6.plen\":1240,")) << f[5]; // as on the wire
  EXPECT_TRUE(has(f[5], "\"code\":\"cut_by_snaplen\"")) << f[5];
}

} // namespace
