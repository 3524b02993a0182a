// The CLI on captures written by real tools (tests/cli/captures/, made by
// make_captures.py with tcpdump, text2pcap, editcap, mergecap and scapy):
// every link type, checksum offload, snap lengths, a multi-interface pcapng,
// and the reorder stage's anchors. Expectations come from how the captures
// were made (incident 1's 88 frames, 64 sequenced data messages, 12 swapped
// pairs; the loopback sender's one address; editcap's snap length), and the
// same traffic under every link type must decode to the same layers.
#include "cli_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace cli_test;

const std::string tests_captures = VPNWIRE_TEST_CAPTURES_DIR;
const std::string plain = captures + "/incident1-l2tp-plain.pcap";

std::string cap(const std::string &name) { return tests_captures + "/" + name; }

bool have(const char *tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

/// The JSON frame lines of decode --json.
std::vector<std::string> frame_lines(const std::string &out) {
  std::vector<std::string> v;
  for (const auto &l : lines(out))
    if (l.rfind("{\"frame\"", 0) == 0) v.push_back(l);
  return v;
}

/// Each frame's JSON from the layer `proto` on (without the warnings and
/// error, which differ where checksums do).
std::vector<std::string> from_layer(const std::vector<std::string> &frames, const std::string &proto) {
  std::vector<std::string> v;
  for (const auto &l : frames) {
    const auto p = l.find("{\"proto\":\"" + proto + "\"");
    const auto w = l.find("],\"warnings\":");
    v.push_back(p == std::string::npos ? "" : l.substr(p, w - p));
  }
  return v;
}

/// The "proto" names of one JSON frame line, in order.
std::vector<std::string> protos(const std::string &line) {
  std::vector<std::string> v;
  const std::regex re(R"re("proto":"([a-z0-9_]+)")re");
  for (auto it = std::sregex_iterator(line.begin(), line.end(), re); it != std::sregex_iterator(); ++it)
    v.push_back((*it)[1]);
  return v;
}

std::uint64_t summary_number(const std::string &out, const std::string &name) {
  const std::regex re("\"" + name + "\":([0-9]+)");
  std::smatch m;
  const auto ls = lines(out);
  if (ls.empty() || !std::regex_search(ls.back(), m, re)) {
    ADD_FAILURE() << "no " << name << " in the summary";
    return 0;
  }
  return std::stoull(m[1]);
}

/// The text of doctor's finding whose title contains `title`, up to the
/// next finding, without its number.
std::string finding(const std::string &report, const std::string &title) {
  const auto at = report.find(title);
  if (at == std::string::npos) return {};
  const auto start = report.find("] ", report.rfind("\n[", at)) + 2;
  const auto end = report.find("\n\n", at);
  return report.substr(start, end - start);
}

// ---------------------------------------------------------------- link types

TEST(LinkTypes, EveryLinkTypeCarriesIncidentOneToTheSameLayers) {
  // text2pcap and editcap wrote incident 1's IP packets under each link
  // type's header: from the IP layer on, every frame must decode exactly as
  // in the Ethernet capture.
  const auto base = frame_lines(run("decode --json " + plain).out);
  ASSERT_EQ(base.size(), 88U);
  const auto want = from_layer(base, "ip");
  const std::map<std::string, std::vector<std::string>> link_layers{
      {"null-bsd-loopback.pcap", {"frame", "null", "ip"}},
      {"loop-openbsd.pcap", {"frame", "null", "ip"}},
      {"ppp.pcap", {"frame", "ppp", "ip"}},
      {"ppp-hdlc.pcap", {"frame", "ppp", "ip"}},
      {"ppp-ether.pcap", {"frame", "pppoe", "ppp", "ip"}},
      {"enc.pcap", {"frame", "enc", "ip"}},
      {"ipv4-rawip4.pcap", {"frame", "ip"}},
  };
  for (const auto &[file, prefix] : link_layers) {
    auto r = run("decode --json " + cap(file));
    ASSERT_EQ(r.status, 0) << file << r.err;
    const auto frames = frame_lines(r.out);
    ASSERT_GE(frames.size(), 88U) << file;
    const std::vector<std::string> first88(frames.begin(), frames.begin() + 88);
    EXPECT_EQ(from_layer(first88, "ip"), want) << file;
    const auto p = protos(frames[0]);
    EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), p.begin())) << file << ": " << frames[0].substr(0, 300);
    EXPECT_EQ(summary_number(r.out, "errors"), 0U) << file;
  }
  // Their own link-layer fields.
  const auto null_frames = frame_lines(run("decode --json " + cap("null-bsd-loopback.pcap")).out);
  EXPECT_NE(null_frames[0].find("\"null.family\":2"), std::string::npos);
  EXPECT_NE(null_frames[0].find("\"vpnwire.linktype\":0"), std::string::npos);
  // FreeBSD's AF_INET6 (28): an L2TP ZLB over UDP/IPv6 (issue 17: IPv6 is decoded).
  ASSERT_EQ(null_frames.size(), 89U);
  EXPECT_NE(null_frames[88].find("{\"proto\":\"null\",\"null.family\":28},{\"proto\":\"ipv6\",\"ip.version\":6,"),
            std::string::npos)
      << null_frames[88];
  EXPECT_NE(
      run("decode " + cap("null-bsd-loopback.pcap")).out.find("IP6 2001:db8::1 > 2001:db8::2 UDP 1701 > 1701 L2TP ZLB"),
      std::string::npos);
  const auto loop = frame_lines(run("decode --json " + cap("loop-openbsd.pcap")).out);
  EXPECT_NE(loop[0].find("\"vpnwire.linktype\":108"), std::string::npos);
  const auto enc = frame_lines(run("decode --json " + cap("enc.pcap")).out);
  EXPECT_NE(enc[0].find("\"enc.af\":2,\"enc.spi\":3238002689,\"enc.flags\":3072,\"enc.flags.payload_enc\":true,"
                        "\"enc.flags.payload_auth\":true"),
            std::string::npos)
      << enc[0];
  EXPECT_NE(enc[1].find("\"enc.spi\":1577058305"), std::string::npos);
  const auto hdlc = frame_lines(run("decode --json " + cap("ppp-hdlc.pcap")).out);
  ASSERT_EQ(hdlc.size(), 89U);
  EXPECT_NE(hdlc[0].find("\"vpnwire.linktype\":50"), std::string::npos);
  EXPECT_NE(hdlc[88].find("{\"proto\":\"chdlc\",\"chdlc.address\":15,\"chdlc.control\":0,\"chdlc.protocol\":2048}"),
            std::string::npos)
      << hdlc[88];
  const auto pe = frame_lines(run("decode --json " + cap("ppp-ether.pcap")).out);
  EXPECT_NE(pe[0].find("\"pppoe.session_id\":17"), std::string::npos);
  EXPECT_NE(frame_lines(run("decode --json " + cap("ipv4-rawip4.pcap")).out)[0].find("\"vpnwire.linktype\":228"),
            std::string::npos);
}

TEST(LinkTypes, TcpdumpCapturesOfTheKernelCarryTheSameL2tp) {
  // tcpdump on loopback (EN10MB), -i any as LINUX_SLL and LINUX_SLL2, and an
  // nflog group: the kernel carried incident 1's L2TP messages; from the
  // L2TP layer on the frames decode as in the generated capture.
  const auto base = from_layer(frame_lines(run("decode --json " + plain).out), "l2tp");
  for (const std::string file : {"offload-lo.pcap", "any-sll.pcap", "any-sll2.pcap"}) {
    auto r = run("decode --json " + cap(file));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto frames = frame_lines(r.out);
    ASSERT_EQ(frames.size(), 88U) << file;
    EXPECT_EQ(from_layer(frames, "l2tp"), base) << file;
    EXPECT_EQ(summary_number(r.out, "errors"), 0U) << file;
  }
  const auto sll = frame_lines(run("decode --json " + cap("any-sll.pcap")).out);
  EXPECT_NE(sll[0].find("{\"proto\":\"sll\",\"sll.pkttype\":0,\"sll.hatype\":772,\"sll.halen\":6"), std::string::npos)
      << sll[0].substr(0, 300);
  const auto sll2 = frame_lines(run("decode --json " + cap("any-sll2.pcap")).out);
  EXPECT_NE(sll2[0].find("\"sll.ifindex\":1"), std::string::npos) << sll2[0].substr(0, 300);
  // NFLOG: every logged packet has the rule's group and prefix and reaches L2TP.
  auto nf = run("decode --json " + cap("nflog.pcap"));
  const auto nflog = frame_lines(nf.out);
  ASSERT_GE(nflog.size(), 80U);
  for (const auto &l : nflog) {
    EXPECT_NE(l.find("{\"proto\":\"nflog\",\"nflog.family\":2,\"nflog.version\":0,\"nflog.res_id\":5,"),
              std::string::npos)
        << l.substr(0, 200);
    EXPECT_NE(l.find("\"nflog.prefix\":\"l2tp \""), std::string::npos);
    EXPECT_NE(l.find("{\"proto\":\"l2tp\""), std::string::npos);
  }
}

// nflog.pcap's first packet with one fixed-size TLV resized per frame
// (make_captures.py nflog_tlv_lengths): the packet header with 8 and 3 value
// bytes, the out-device with 8, the UID with 3, the GID with 8. Such a value is
// not read (tshark shows it as raw bytes; cli_tshark_compare checks that
// vpnwire prints no field tshark does not show), the TLV gets a warning at its
// length field, and the packet is still decoded.
TEST(LinkTypes, NflogFixedSizeTlvsOfAnotherSizeAreNotRead) {
  const auto f = frame_lines(run("decode --json " + cap("nflog-tlv-lengths.pcap")).out);
  ASSERT_EQ(f.size(), 6U);
  EXPECT_NE(f[0].find("\"nflog.protocol\":2048,\"nflog.hook\":3,"), std::string::npos) << f[0].substr(0, 400);
  EXPECT_EQ(f[0].find("tlv_value_length"), std::string::npos);
  const std::vector<std::pair<std::string, std::string>> cases{{"nflog.protocol", "4"},
                                                               {"nflog.protocol", "4"},
                                                               {"nflog.ifindex_outdev", "24"},
                                                               {"nflog.uid", "32"},
                                                               {"nflog.gid", "40"}};
  for (std::size_t i = 1; i < f.size(); ++i) {
    const auto &[field, at] = cases[i - 1];
    EXPECT_EQ(f[i].find("\"" + field + "\""), std::string::npos) << f[i].substr(0, 400);
    EXPECT_NE(f[i].find("{\"layer\":\"nflog\",\"code\":\"tlv_value_length\",\"offset\":" + at + "}"), std::string::npos)
        << f[i].substr(0, 600);
    EXPECT_NE(f[i].find("{\"proto\":\"l2tp\""), std::string::npos);
    EXPECT_NE(f[i].find("\"error\":null"), std::string::npos);
  }
}

TEST(LinkTypes, VlanAndQinqTagsOfEveryTpid) {
  auto r = run("decode --json " + cap("vlan-qinq.pcap"));
  ASSERT_EQ(r.status, 0);
  const auto frames = frame_lines(r.out);
  ASSERT_EQ(frames.size(), 88U);
  const auto base = from_layer(frame_lines(run("decode --json " + plain).out), "ip");
  EXPECT_EQ(from_layer(frames, "ip"), base);
  EXPECT_EQ(protos(frames[0]), (std::vector<std::string>{"frame", "eth", "vlan", "ip", "udp", "l2tp"}));
  EXPECT_EQ(protos(frames[1]), (std::vector<std::string>{"frame", "eth", "ieee8021ad", "vlan", "ip", "udp", "l2tp"}));
  EXPECT_NE(
      frames[0].find("\"eth.type\":33024},{\"proto\":\"vlan\",\"vlan.priority\":3,\"vlan.dei\":false,\"vlan.id\":100,"
                     "\"vlan.etype\":2048}"),
      std::string::npos)
      << frames[0].substr(0, 400);
  EXPECT_NE(
      frames[1].find("\"eth.type\":34984},{\"proto\":\"ieee8021ad\",\"ieee8021ad.priority\":0,\"ieee8021ad.dei\":"
                     "false,\"ieee8021ad.id\":300,\"vpnwire.etype\":33024},{\"proto\":\"vlan\",\"vlan.priority\":0,"
                     "\"vlan.dei\":false,\"vlan.id\":400,\"vlan.etype\":2048}"),
      std::string::npos)
      << frames[1].substr(0, 400);
  EXPECT_NE(
      frames[2].find("\"eth.type\":37120},{\"proto\":\"vlan\",\"vlan.priority\":0,\"vlan.dei\":true,\"vlan.id\":500,"
                     "\"vlan.etype\":33024},{\"proto\":\"vlan\""),
      std::string::npos)
      << frames[2].substr(0, 400);
}

TEST(LinkTypes, PppoeDiscoveryLcpPapChapAndIpcp) {
  auto r = run("decode " + cap("pppoe-ppp-family.pcap"));
  ASSERT_EQ(r.status, 0);
  const auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 21U);
  EXPECT_NE(ls[0].find("PPPoE discovery code 0x09 session 0x0000"), std::string::npos) << ls[0];
  EXPECT_NE(ls[8].find("CHAP Challenge id 1 name \"bras-1\""), std::string::npos) << ls[8];
  EXPECT_NE(ls[9].find("CHAP Response id 1 name \"user@isp\""), std::string::npos) << ls[9];
  EXPECT_NE(ls[11].find("LCP Echo-Req id 2 magic 0x6e3a1f29"), std::string::npos) << ls[11];
  EXPECT_NE(ls[13].find("PAP Auth-Req id 3 peer \"user@isp\""), std::string::npos) << ls[13];
  EXPECT_NE(ls[14].find("PAP Auth-Ack id 3"), std::string::npos) << ls[14];
  EXPECT_NE(ls.back().find("20 frames, 837 bytes, 0 with errors"), std::string::npos) << ls.back();
  const auto j = frame_lines(run("decode --json " + cap("pppoe-ppp-family.pcap")).out);
  EXPECT_NE(j[1].find("\"pppoed.tag\":[257,258,260,259],\"pppoed.tag_length\":[8,6,4,4],"
                      "\"pppoed.tags.service_name\":\"internet\",\"pppoed.tags.ac_name\":\"bras-1\","
                      "\"pppoed.tags.ac_cookie\":\"5fa1c3e2\",\"pppoed.tags.host_uniq\":\"00003039\""),
            std::string::npos)
      << j[1];
  EXPECT_NE(j[4].find("\"lcp.opt.type\":[1,3,5],\"lcp.opt.length\":[4,5,6],\"lcp.opt.mru\":1492,"
                      "\"lcp.opt.auth_protocol\":49699,\"lcp.opt.algorithm\":5,\"lcp.opt.magic_number\":1849302825"),
            std::string::npos)
      << j[4];
  EXPECT_NE(j[13].find("\"pap.peer_id.length\":8,\"pap.peer_id\":\"user@isp\",\"pap.password.length\":6,"
                       "\"pap.password\":\"secret\""),
            std::string::npos)
      << j[13];
  EXPECT_NE(j[16].find("\"ipcp.opt.type\":[3,129],\"ipcp.opt.length\":[6,6],\"ipcp.opt.ip_address\":\"203.0.113.2\","
                       "\"ipcp.opt.pri_dns_address\":\"198.51.100.53\""),
            std::string::npos)
      << j[16];
  EXPECT_NE(j[17].find("\"lcp.rej_proto\":32855"), std::string::npos) << j[17];
  EXPECT_NE(j[19].find("\"pppoed.tags.generic_error\":\"session closed by admin\""), std::string::npos) << j[19];
}

TEST(Renderers, LcpMruOfLengthThreeIsTheSameErrorInTextJsonAndDoctor) {
  // The issue's case: decode --json said option_wrong_length, decode 0
  // errors, doctor "No problems found". One record, three renderings.
  const std::string f = cap("lcp-mru-length3.pcap");
  auto text = run("decode " + f);
  auto json = run("decode --json " + f);
  auto doc = run("doctor " + f);
  EXPECT_NE(text.out.find("LCP Conf-Req id 7 [error lcp option_wrong_length at 5]"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("1 with errors"), std::string::npos);
  EXPECT_NE(json.out.find("\"error\":{\"layer\":\"lcp\",\"code\":\"option_wrong_length\",\"offset\":5}}"),
            std::string::npos);
  EXPECT_NE(doc.out.find("[1] error: malformed packets: lcp option_wrong_length\n    evidence: 1 frames (frames 1), "
                         "first at byte offset 5 of the layer"),
            std::string::npos)
      << doc.out;
  EXPECT_EQ(doc.out.find("No problems found"), std::string::npos);
}

// ---------------------------------------------------------------- checksums

TEST(Checksums, OffloadedChecksumsNeverStopDecodingAndDoctorNamesOffload) {
  // tcpdump on loopback sees the sender's packets before the checksum is
  // filled in: every UDP checksum is bad, all from 127.0.0.1.
  auto r = run("decode --json " + cap("offload-lo.pcap"));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(summary_number(r.out, "bad_udp_checksums"), 88U);
  EXPECT_EQ(summary_number(r.out, "errors"), 0U);
  EXPECT_EQ(summary_number(r.out, "reorder_delivered"), 64U); // decoded through L2TP anyway
  for (const auto &l : frame_lines(r.out)) {
    EXPECT_NE(l.find("\"udp.checksum.status\":0"), std::string::npos);
    EXPECT_NE(l.find("\"warnings\":[{\"layer\":\"udp\",\"code\":\"bad_udp_checksum\",\"offset\":6}]"),
              std::string::npos);
  }
  auto d = run("doctor " + cap("offload-lo.pcap"));
  EXPECT_NE(d.out.find("note: bad checksums all come from 127.0.0.1: likely checksum offload"), std::string::npos)
      << d.out;
  EXPECT_NE(d.out.find("critical: L2TP packets reordered in tunnel 200 session 20"), std::string::npos);
  // The same traffic with bad checksums from both ends: no offload verdict.
  std::vector<std::vector<std::byte>> store;
  auto fr = frames_of(plain, store);
  std::vector<std::pair<std::int64_t, std::vector<std::byte>>> bad;
  for (const auto &f : fr) {
    std::vector<std::byte> b(f.data.begin(), f.data.end());
    b[14 + 20 + 6] ^= std::byte{0x5a}; // the UDP checksum
    bad.emplace_back(f.ts_ns, std::move(b));
  }
  write_capture(tmp("two-senders.pcap"), linktype::ethernet, bad);
  auto two = run("doctor " + tmp("two-senders.pcap"));
  EXPECT_EQ(two.out.find("likely checksum offload"), std::string::npos);
  EXPECT_NE(two.out.find("warning: bad checksums from 2 hosts"), std::string::npos) << two.out;
  EXPECT_NE(two.out.find("warning: decoder warnings: udp bad_udp_checksum\n    evidence: 88 frames"),
            std::string::npos);
}

// ---------------------------------------------------------------- snap length

TEST(SnapLength, HeaderOnlyCaptureOfIncidentOneGivesTheSameFindings) {
  // editcap -s 128: every header that fits is decoded; the reordering, the
  // RFC 2661 section 5.4 findings and the recommended timeout are those of
  // the full capture.
  if (!have("editcap")) GTEST_SKIP() << "needs Wireshark's editcap";
  ASSERT_EQ(std::system(("editcap -s 128 " + plain + " " + tmp("s128.pcap")).c_str()), 0);
  const auto full = run("doctor " + plain).out;
  const auto cut = run("doctor " + tmp("s128.pcap")).out;
  for (const std::string title :
       {"is sequenced, but no Sequencing Required AVP was sent", "keeps sequencing after receiving unsequenced data",
        "L2TP packets reordered in tunnel 200 session 20"}) {
    const auto a = finding(full, title), b = finding(cut, title);
    EXPECT_FALSE(a.empty()) << title;
    EXPECT_EQ(a, b) << title;
  }
  EXPECT_NE(cut.find("timeout to at least 1 ms"), std::string::npos);
  EXPECT_NE(cut.find("frames were cut by the capture's snap length (at most 128 bytes captured)"), std::string::npos);
  // decode: captured and original lengths, the cut layer, no errors.
  auto r = run("decode --json " + tmp("s128.pcap"));
  EXPECT_EQ(summary_number(r.out, "errors"), 0U);
  const auto frames = frame_lines(r.out);
  ASSERT_EQ(frames.size(), 88U);
  // Frame 21 held the first fragment of a 1600-byte datagram: its bytes are missing.
  EXPECT_NE(frames[20].find("\"frame.len\":1452,\"frame.cap_len\":128"), std::string::npos) << frames[20];
  EXPECT_NE(frames[20].find("\"vpnwire.ip.reassembly\":\"not_captured\""), std::string::npos);
  EXPECT_NE(frames[20].find("\"warnings\":[{\"layer\":\"ip\",\"code\":\"cut_by_snaplen\",\"offset\":72}]"),
            std::string::npos)
      << frames[20];
  EXPECT_NE(frames[20].find("\"l2tp.Ns\":7"), std::string::npos);
  const auto text = lines(run("decode " + tmp("s128.pcap")).out);
  EXPECT_NE(text[20].find("(not captured whole: not reassembled) [captured 128 of 1452 bytes]"), std::string::npos)
      << text[20];
  // Every sequenced packet still goes through the reorder stage.
  EXPECT_EQ(summary_number(r.out, "reorder_delivered"), 64U);
}

TEST(SnapLength, CutEspSaysItCannotDecryptAndStillFeedsTheSequenceAnalysis) {
  if (!have("editcap")) GTEST_SKIP() << "needs Wireshark's editcap";
  // Incident 1 with two ESP packets of the client swapped, then cut to 128 bytes.
  std::vector<std::vector<std::byte>> store;
  auto fr = frames_of(incident1, store);
  std::vector<std::pair<std::int64_t, std::vector<std::byte>>> v;
  for (const auto &f : fr) v.emplace_back(f.ts_ns, std::vector<std::byte>(f.data.begin(), f.data.end()));
  std::swap(v[16].second, v[18].second); // ESP seq 9 and 11 of 0xc1000001
  write_capture(tmp("esp-swapped.pcap"), linktype::ethernet, v);
  ASSERT_EQ(std::system(("editcap -s 128 " + tmp("esp-swapped.pcap") + " " + tmp("esp128.pcap")).c_str()), 0);
  const std::string title = "ESP packets arrived out of order on SA spi 0xc1000001";
  const auto full = run("doctor " + sa1 + " " + tmp("esp-swapped.pcap")).out;
  const auto cut = run("doctor " + sa1 + " " + tmp("esp128.pcap")).out;
  EXPECT_FALSE(finding(full, title).empty()) << full;
  EXPECT_EQ(finding(full, title), finding(cut, title)) << cut;
  EXPECT_NE(cut.find("ESP packet(s) could not be decrypted"), std::string::npos);
  auto r = run("decode --json " + sa1 + " " + tmp("esp128.pcap"));
  EXPECT_EQ(summary_number(r.out, "errors"), 0U);
  EXPECT_GT(summary_number(r.out, "esp_not_captured"), 60U);
  EXPECT_NE(r.out.find("\"vpnwire.esp.payload\":\"not_captured\""), std::string::npos);
  EXPECT_NE(run("decode " + sa1 + " " + tmp("esp128.pcap")).out.find("(not captured whole: not decrypted)"),
            std::string::npos);
}

// ---------------------------------------------------------------- pcapng

TEST(Pcapng, EachFrameWithItsOwnInterfacesLinkTypeAndSnapLength) {
  // mergecap of an Ethernet, a NULL (editcap -s 96), an NFLOG and a
  // PPP_ETHER capture: four interfaces, four link types.
  auto r = run("decode --json " + cap("multi-interface.pcapng"));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto frames = frame_lines(r.out);
  std::map<std::string, std::size_t> per;
  const std::regex re(R"("frame.cap_len":([0-9]+),"frame.interface_id":([0-9]),.*"vpnwire.linktype":([0-9]+))");
  for (const auto &l : frames) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(l, m, re)) << l.substr(0, 200);
    ++per[m[2].str() + "/" + m[3].str()];
    if (m[2] == "1") {
      EXPECT_LE(std::stoul(m[1]), 96U);
      EXPECT_NE(l.find("{\"proto\":\"null\""), std::string::npos);
    }
  }
  EXPECT_EQ(per, (std::map<std::string, std::size_t>{{"0/1", 88}, {"1/0", 89}, {"2/239", 86}, {"3/51", 88}}));
  EXPECT_EQ(summary_number(r.out, "errors"), 0U);
  EXPECT_GT(summary_number(r.out, "frames_cut"), 30U);
  // libpcap (through tcpdump) refuses this file: the reason vpnwire reads pcapng itself.
  if (have("tcpdump")) {
    auto t = run("-r " + cap("multi-interface.pcapng"), "tcpdump -n");
    EXPECT_NE(t.status, 0);
    EXPECT_NE(t.err.find("different from the type of the first interface"), std::string::npos) << t.err;
  }
}

// ---------------------------------------------------------------- reorder anchors

/// (deliver or drop, Ns) of session 200/20 in output order.
std::vector<std::pair<bool, int>> reorder_events(const std::string &out) {
  std::vector<std::pair<bool, int>> v;
  const std::regex re(R"re(^\{"(deliver|drop)":\{"tunnel":200,"session":20,"ns":([0-9]+))re");
  for (const auto &l : lines(out)) {
    std::smatch m;
    if (std::regex_search(l, m, re)) v.emplace_back(m[1] == "deliver", std::stoi(m[2]));
  }
  return v;
}

TEST(ReorderAnchor, JoinedMidStreamWithTheFirstPairSwappedLosesNothing) {
  // The capture starts at frame 20: the session's first data packets seen
  // are Ns 8 then Ns 7 (a swapped pair). The probation anchor moves back to 7.
  std::vector<std::vector<std::byte>> store;
  auto fr = frames_of(plain, store);
  std::vector<std::pair<std::int64_t, std::vector<std::byte>>> v;
  for (std::size_t i = 19; i < fr.size(); ++i)
    v.emplace_back(fr[i].ts_ns, std::vector<std::byte>(fr[i].data.begin(), fr[i].data.end()));
  write_capture(tmp("midstream.pcap"), linktype::ethernet, v);
  for (const std::string policy : {"timeout=30", "timeout=1", "depth=2", "depth=16"}) {
    auto r = run("decode --json --reorder " + policy + " " + tmp("midstream.pcap"));
    ASSERT_EQ(r.status, 0);
    const auto ev = reorder_events(r.out);
    ASSERT_EQ(ev.size(), 57U) << policy; // Ns 7..63
    for (std::size_t i = 0; i < ev.size(); ++i) {
      EXPECT_TRUE(ev[i].first) << policy << " Ns " << ev[i].second << " dropped";
      EXPECT_EQ(ev[i].second, static_cast<int>(7 + i)) << policy;
    }
  }
  // strict is Linux's timeout 0: it anchors on the first packet and drops 7.
  const auto strict = reorder_events(run("decode --json --reorder strict " + tmp("midstream.pcap")).out);
  ASSERT_FALSE(strict.empty());
  EXPECT_EQ(strict[0], (std::pair<bool, int>{true, 8}));
  EXPECT_EQ(strict[1], (std::pair<bool, int>{false, 7}));
}

TEST(ReorderAnchor, EstablishedInTheCaptureAnchorsAtNsZero) {
  // ICRQ/ICRP are in the capture, so the session's data starts at Ns 0; Ns 1
  // (frame 11) arriving before Ns 0 (frame 9) waits for it rather than
  // becoming the anchor.
  std::vector<std::vector<std::byte>> store;
  auto fr = frames_of(plain, store);
  std::vector<std::pair<std::int64_t, std::vector<std::byte>>> v;
  for (const auto &f : fr) v.emplace_back(f.ts_ns, std::vector<std::byte>(f.data.begin(), f.data.end()));
  std::swap(v[8].second, v[10].second);
  write_capture(tmp("first-swapped.pcap"), linktype::ethernet, v);
  for (const std::string policy : {"timeout=30", "depth=2"}) {
    auto r = run("decode --json --reorder " + policy + " " + tmp("first-swapped.pcap"));
    const auto ev = reorder_events(r.out);
    ASSERT_EQ(ev.size(), 64U) << policy;
    for (std::size_t i = 0; i < ev.size(); ++i) {
      EXPECT_TRUE(ev[i].first) << policy << " Ns " << ev[i].second;
      EXPECT_EQ(ev[i].second, static_cast<int>(i)) << policy;
    }
  }
  // Strict anchored at 0 too: Ns 1 first is dropped (Linux expects 0), then 0 is delivered.
  const auto strict = reorder_events(run("decode --json --reorder strict " + tmp("first-swapped.pcap")).out);
  ASSERT_GE(strict.size(), 2U);
  EXPECT_EQ(strict[0], (std::pair<bool, int>{false, 1}));
  EXPECT_EQ(strict[1], (std::pair<bool, int>{true, 0}));
}

} // namespace
