// The CLI's own I/O: the JSON Lines writer, the link layers of every link
// type (through the pipeline: Ethernet with 802.1Q/QinQ tags, SLL, SLL2,
// NULL, LOOP, ENC, NFLOG, PPP, PPP_HDLC, PPP_ETHER), on whole and cut
// frames, and the pcap writer, whose files are read back through libpcap
// (an independent reader of the format) and the CLI's reader.
#include "capture.hpp"
#include "json.hpp"
#include "pipeline.hpp"
#include "record.hpp"
#include "render_ipv6.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <gtest/gtest.h>

#include <limits>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "test_bytes.hpp"

namespace {

using namespace vpnwire_cli;
using vpnwire_test::hex;

TEST(JsonWriter, WritesObjectsArraysAndEveryValueKind) {
  std::string s;
  json_writer j(s);
  j.begin_object();
  j.field("n", 18446744073709551615ULL);
  j.key("neg");
  j.signed_number(-5);
  j.field_bool("t", true);
  j.key("z");
  j.null();
  j.field_str("s", "a\"b\\c\n\t\x01\xff");
  const auto b = hex("00 ff 10");
  j.field_hex("h", b);
  j.field_ipv4("ip", 0xC0000201U);
  const auto m = hex("02 00 00 00 00 0a");
  j.key("mac");
  j.mac(std::span<const std::byte, 6>(m.data(), 6));
  j.key("a");
  j.begin_array();
  j.number(1);
  j.begin_object();
  j.end_object();
  j.begin_array();
  j.end_array();
  j.end_array();
  j.end_object();
  EXPECT_EQ(s, "{\"n\":18446744073709551615,\"neg\":-5,\"t\":true,\"z\":null,"
               "\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u00ff\",\"h\":\"00ff10\",\"ip\":\"192.0.2.1\","
               "\"mac\":\"02:00:00:00:00:0a\",\"a\":[1,{},[]]}");
}

/// The record of one frame of link type `lt` (through the whole pipeline,
/// without keys).
frame_record dissect(std::uint16_t lt, const std::vector<std::byte> &bytes, std::uint32_t missing = 0) {
  static const decode_options opt = [] {
    decode_options o;
    o.capture = "test";
    return o;
  }();
  pipeline_limits lim;
  lim.reasm_datagrams = 4;
  pipeline p(opt, lim);
  EXPECT_FALSE(p.ready());
  captured_frame f;
  f.data = bytes;
  f.wire_length = static_cast<std::uint32_t>(bytes.size() + missing);
  f.linktype = lt;
  frame_record rec;
  p.dissect(1, f, rec);
  return rec;
}

/// A 28-byte IPv4/UDP packet 10.0.0.1:1 > 10.0.0.2:2 with valid checksums (scapy's bytes).
const char *const udp_packet = "4500001c 0001 0000 4011 66ce 0a000001 0a000002 0001 0002 0008 ebd8";

template <class L> const L *layer_at(const frame_record &r, std::size_t i) {
  return i < r.layers.size() ? std::get_if<L>(&r.layers[i]) : nullptr;
}

TEST(LinkLayer, EthernetWithStackedVlanTagsOfEveryTpid) {
  // 802.1ad outer tag (0x88a8), the older 0x9100, then 802.1Q.
  const auto f = hex(std::string("ffffffffffff 020000000001 88a8 2064 9100 f0c8 8100 012c 0800 ") + udp_packet);
  const frame_record r = dissect(linktype::ethernet, f);
  ASSERT_EQ(r.layers.size(), 6U) << r.layers.size();
  EXPECT_EQ(layer_at<eth_layer>(r, 0)->type, 0x88a8);
  const auto *v1 = layer_at<vlan_layer>(r, 1);
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(v1->tpid, 0x88a8);
  EXPECT_EQ(v1->priority, 1);
  EXPECT_EQ(v1->id, 100);
  EXPECT_EQ(v1->etype, 0x9100);
  const auto *v2 = layer_at<vlan_layer>(r, 2);
  EXPECT_EQ(v2->priority, 7);
  EXPECT_TRUE(v2->dei);
  EXPECT_EQ(v2->id, 200);
  EXPECT_EQ(layer_at<vlan_layer>(r, 3)->id, 300);
  EXPECT_EQ(layer_at<vlan_layer>(r, 3)->etype, 0x0800);
  ASSERT_NE(layer_at<ipv4_layer>(r, 4), nullptr);
  EXPECT_EQ(layer_at<udp_layer>(r, 5)->status, checksum_status::good);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(LinkLayer, CookedV1AndV2) {
  const auto v1 = hex(std::string("0000 0001 0006 020000000001 0000 0800 ") + udp_packet);
  const frame_record a = dissect(linktype::linux_sll, v1);
  const auto *s1 = layer_at<sll_layer>(a, 0);
  ASSERT_NE(s1, nullptr);
  EXPECT_FALSE(s1->v2);
  EXPECT_EQ(s1->protocol, 0x0800);
  EXPECT_EQ(s1->hatype, 1);
  EXPECT_EQ(s1->address.size(), 6U);
  EXPECT_NE(layer_at<udp_layer>(a, 2), nullptr);
  const auto v2 = hex("8864 0000 00000003 0001 04 06 020000000001 0000 1100 0011 0000");
  const frame_record b = dissect(linktype::linux_sll2, v2);
  const auto *s2 = layer_at<sll_layer>(b, 0);
  ASSERT_NE(s2, nullptr);
  EXPECT_TRUE(s2->v2);
  EXPECT_EQ(s2->ifindex, 3U);
  EXPECT_EQ(s2->pkttype, 4);
  EXPECT_NE(layer_at<pppoe_layer>(b, 1), nullptr);
}

TEST(LinkLayer, BsdLoopbackInEitherByteOrderAndLoop) {
  // LINKTYPE_NULL holds AF_INET in the capturing host's order; LOOP in network order.
  for (const char *af : {"02000000", "00000002"}) {
    const frame_record r = dissect(linktype::null, hex(std::string(af) + udp_packet));
    ASSERT_NE(layer_at<null_layer>(r, 0), nullptr) << af;
    EXPECT_EQ(layer_at<null_layer>(r, 0)->family, 2U) << af;
    EXPECT_NE(layer_at<udp_layer>(r, 2), nullptr) << af;
  }
  const frame_record loop = dissect(linktype::loop, hex(std::string("00000002") + udp_packet));
  EXPECT_TRUE(layer_at<null_layer>(loop, 0)->loop);
  EXPECT_NE(layer_at<udp_layer>(loop, 2), nullptr);
  // FreeBSD's AF_INET6 (28): an IPv6 packet, decoded (issue 17), here UDP with a zero checksum.
  const frame_record v6 =
      dissect(linktype::null, hex("1c000000 6000000000081140 " + std::string(64, '0') + " 0001000200080000"));
  const auto *ip6 = layer_at<ipv6_layer>(v6, 1);
  ASSERT_NE(ip6, nullptr);
  EXPECT_EQ(ip6->next_header, 17U);
  EXPECT_NE(layer_at<udp_layer>(v6, 2), nullptr);
  EXPECT_FALSE(v6.error);
  // A header cut short without a snap length: the ipv6 layer's error.
  const frame_record short6 = dissect(linktype::null, hex("1c000000 6000000000081140"));
  ASSERT_TRUE(short6.error);
  EXPECT_EQ(short6.error->layer, "ipv6");
  EXPECT_EQ(short6.error->code, "truncated");
}

TEST(LinkLayer, EncHeaderGivesSpiAndFlags) {
  const frame_record r = dissect(linktype::enc, hex(std::string("02000000 c1000001 000c0000 ") + udp_packet));
  const auto *e = layer_at<enc_layer>(r, 0);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->af, 2U);
  EXPECT_EQ(e->spi, 0xc1000001U);
  EXPECT_EQ(e->flags, 0x0c00U); // M_CONF | M_AUTH
  EXPECT_NE(layer_at<udp_layer>(r, 2), nullptr);
}

TEST(LinkLayer, NflogTlvsPrefixAndPayload) {
  // Header AF_INET/v0/group 5; NFULA_PACKET_HDR (0x0800, hook 3); NFULA_PREFIX "l2tp";
  // NFULA_PAYLOAD; little-endian TLV headers as the kernel writes them on x86.
  const auto f =
      hex(std::string("02 00 0005  0800 0100 0800 0300  0900 0a00 6c327470 00000000  2000 0900 ") + udp_packet);
  const frame_record r = dissect(linktype::nflog, f);
  const auto *n = layer_at<nflog_layer>(r, 0);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->resource_id, 5);
  EXPECT_EQ(n->hw_protocol, 0x0800);
  EXPECT_EQ(n->hook, 3);
  EXPECT_EQ(n->prefix, "l2tp");
  EXPECT_EQ(n->tlvs.count, 3U);
  EXPECT_NE(layer_at<udp_layer>(r, 2), nullptr);
  EXPECT_FALSE(r.error);
}

TEST(LinkLayer, PppHdlcCiscoHdlcAndPppoeWithoutEthernet) {
  const frame_record ppp = dissect(linktype::ppp, hex(std::string("ff030021") + udp_packet));
  EXPECT_TRUE(layer_at<ppp_layer>(ppp, 0)->address_control);
  EXPECT_NE(layer_at<udp_layer>(ppp, 2), nullptr);
  const frame_record bare = dissect(linktype::ppp, hex(std::string("0021") + udp_packet));
  EXPECT_FALSE(layer_at<ppp_layer>(bare, 0)->address_control);
  const frame_record chdlc = dissect(linktype::ppp_hdlc, hex(std::string("0f000800") + udp_packet));
  ASSERT_NE(layer_at<chdlc_layer>(chdlc, 0), nullptr);
  EXPECT_EQ(layer_at<chdlc_layer>(chdlc, 0)->protocol, 0x0800);
  EXPECT_NE(layer_at<udp_layer>(chdlc, 2), nullptr);
  const frame_record pe = dissect(linktype::ppp_ether, hex(std::string("1100 0011 001e 0021") + udp_packet));
  ASSERT_NE(layer_at<pppoe_layer>(pe, 0), nullptr);
  EXPECT_TRUE(layer_at<pppoe_layer>(pe, 0)->session);
  EXPECT_NE(layer_at<udp_layer>(pe, 3), nullptr);
}

TEST(LinkLayer, TruncatedHeadersAreErrorsUnlessTheSnapLengthCutThem) {
  const auto shortf = hex("ffffffffffff 0200000000");
  const frame_record e = dissect(linktype::ethernet, shortf);
  ASSERT_TRUE(e.error);
  EXPECT_EQ(e.error->layer, "eth");
  EXPECT_EQ(e.error->offset, shortf.size());
  const frame_record cut = dissect(linktype::ethernet, shortf, 100);
  EXPECT_FALSE(cut.error);
  ASSERT_EQ(cut.warnings.size(), 1U);
  EXPECT_EQ(cut.warnings[0], (issue{"eth", cli_code::cut_by_snaplen, shortf.size()}));
  EXPECT_EQ(dissect(linktype::ethernet, hex("ffffffffffff 020000000001 8100 00")).error->layer, "vlan");
  EXPECT_EQ(dissect(linktype::linux_sll, hex("0000 0001 0006")).error->layer, "sll");
  EXPECT_EQ(dissect(linktype::null, hex("0200")).error->layer, "null");
  EXPECT_EQ(dissect(linktype::enc, hex("02000000 c100")).error->layer, "enc");
  EXPECT_EQ(dissect(linktype::nflog, hex("0200")).error->layer, "nflog");
}

TEST(LinkLayer, UnknownLinkTypesAndEtherTypesAreRecordedNotDecoded) {
  const frame_record usb = dissect(189, hex("0102"));
  const auto *nd = layer_at<not_decoded_layer>(usb, 0);
  ASSERT_NE(nd, nullptr);
  EXPECT_EQ(nd->protocol, "linktype");
  EXPECT_EQ(nd->number, 189U);
  const frame_record arp = dissect(linktype::ethernet, hex("ffffffffffff 020000000001 0806 0001"));
  EXPECT_EQ(layer_at<not_decoded_layer>(arp, 1)->number, 0x0806U);
}

TEST(LinkLayer, NeverReadsPastAnyPrefix) {
  // Every prefix of valid frames of every link type: a record whose layers
  // lie inside the bytes (ASan) with an error or a cut warning when short.
  const std::vector<std::pair<std::uint16_t, std::string>> frames{
      {linktype::ethernet, std::string("ffffffffffff 020000000001 8100 00c8 0800 ") + udp_packet},
      {linktype::linux_sll, std::string("0000 0001 0006 020000000001 0000 0800 ") + udp_packet},
      {linktype::linux_sll2, std::string("0800 0000 00000003 0001 04 06 020000000001 0000 ") + udp_packet},
      {linktype::null, std::string("02000000 ") + udp_packet},
      {linktype::enc, std::string("02000000 c1000001 000c0000 ") + udp_packet},
      {linktype::nflog, std::string("02000005 0800 0100 0800 0300 2000 0900 ") + udp_packet},
      {linktype::ppp_ether, std::string("1100 0011 001e 0021") + udp_packet},
      {linktype::ppp_hdlc, std::string("ff030021") + udp_packet},
  };
  for (const auto &[lt, text] : frames) {
    const auto bytes = hex(text);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      // Its own allocation of exactly n bytes, so ASan sees an over-read.
      const std::vector<std::byte> copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      const frame_record whole = dissect(lt, copy);
      // (An NFLOG frame may end after any whole TLV: it logged no payload.)
      EXPECT_TRUE(whole.error || (lt == linktype::nflog && n >= 4)) << lt << " " << n;
      const frame_record cut = dissect(lt, copy, static_cast<std::uint32_t>(bytes.size() - n));
      EXPECT_FALSE(cut.error) << lt << " " << n << " " << cut.error->layer << " " << cut.error->code;
      EXPECT_EQ(cut.warnings.size(), 1U) << lt << " " << n;
    }
    EXPECT_FALSE(dissect(lt, bytes).error) << lt;
  }
}

TEST(PcapWriter, LibpcapReadsBackWhatItWrites) {
  // libpcap, an independent reader of the format, and ours see the same frames.
  const std::string path = ::testing::TempDir() + "cli_output_test.pcap";
  for (std::uint16_t lt : {linktype::ethernet, linktype::raw, linktype::linux_sll, linktype::null, linktype::nflog}) {
    std::string err;
    pcap_writer w;
    ASSERT_TRUE(w.open(path, lt, err)) << err;
    const auto a = hex("4500001c");
    const auto b = hex("0102030405");
    ASSERT_TRUE(w.write_frame(1'700'000'000'123'456'000LL, a, err));
    ASSERT_TRUE(w.write_frame(1'700'000'001'000'001'000LL, b, err, 1500));
    ASSERT_TRUE(w.close(err)) << err;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t *p = pcap_open_offline(path.c_str(), errbuf);
    ASSERT_NE(p, nullptr) << errbuf;
    pcap_pkthdr *h = nullptr;
    const u_char *d = nullptr;
    ASSERT_EQ(pcap_next_ex(p, &h, &d), 1);
    EXPECT_EQ(h->caplen, 4U);
    EXPECT_EQ(h->ts.tv_sec, 1'700'000'000);
    EXPECT_EQ(h->ts.tv_usec, 123'456);
    ASSERT_EQ(pcap_next_ex(p, &h, &d), 1);
    EXPECT_EQ(h->caplen, 5U);
    EXPECT_EQ(h->len, 1500U);
    pcap_close(p);
    capture_reader r;
    ASSERT_TRUE(r.open(path, err)) << err;
    captured_frame f;
    ASSERT_EQ(r.next(f, err), 1);
    EXPECT_EQ(f.linktype, lt);
    EXPECT_EQ(vpnwire_test::to_hex(f.data), "4500001c");
    EXPECT_EQ(f.ts_ns, 1'700'000'000'123'456'000LL);
    ASSERT_EQ(r.next(f, err), 1);
    EXPECT_EQ(f.data.size(), 5U);
    EXPECT_EQ(f.wire_length, 1500U);
    EXPECT_EQ(f.ts_ns, 1'700'000'001'000'001'000LL);
    EXPECT_EQ(r.next(f, err), 0);
  }
  std::remove(path.c_str());
}

TEST(CaptureFormat, TimestampsOfAnySizeClampInsteadOfOverflowing) {
  // pcapng timestamps are 64-bit counts of any unit: seconds far beyond what
  // int64 nanoseconds hold (the fuzzer found 12464520315 s) clamp to +-9e9 s,
  // leaving room for the clock's own arithmetic.
  EXPECT_EQ(clamp_ns(1, 2), 1'000'000'002LL);
  EXPECT_EQ(clamp_ns(-1, 0), -1'000'000'000LL);
  EXPECT_EQ(clamp_ns(9'000'000'000LL, 999'999'999), 9'000'000'000'999'999'999LL);
  EXPECT_EQ(clamp_ns(12'464'520'315LL, 5), 9'000'000'000'000'000'005LL);
  EXPECT_EQ(clamp_ns(std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max()),
            9'000'000'000'999'999'999LL);
  EXPECT_EQ(clamp_ns(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min()),
            -9'000'000'000'000'000'000LL);
  // Resolutions: microseconds (default), 2^-30 (a power of two), and the largest.
  pcapng::interface_info us, pow2, ns;
  pow2.units_per_second = std::uint64_t{1} << 30;
  ns.units_per_second = 1'000'000'000;
  EXPECT_EQ(pcapng::ticks_to_ns(1'700'000'000'000'001ULL, us), 1'700'000'000'000'001'000LL);
  EXPECT_EQ(pcapng::ticks_to_ns((std::uint64_t{5} << 30) + (std::uint64_t{1} << 29), pow2), 5'500'000'000LL);
  EXPECT_EQ(pcapng::ticks_to_ns(~std::uint64_t{0}, ns), 9'000'000'000'709'551'615LL);
}

TEST(CaptureReader, RefusesUnknownLinkTypesAndMissingFiles) {
  const std::string path = ::testing::TempDir() + "cli_output_test_usb.pcap";
  std::string err;
  pcap_writer w;
  ASSERT_TRUE(w.open(path, 147 /* LINKTYPE_USER0 */, err));
  ASSERT_TRUE(w.close(err));
  capture_reader r;
  EXPECT_FALSE(r.open(path, err));
  EXPECT_NE(err.find("unsupported link type 147"), std::string::npos) << err;
  EXPECT_FALSE(r.open(path + ".missing", err));
  EXPECT_NE(err.find("cannot read capture"), std::string::npos) << err;
  std::remove(path.c_str());
  pcap_writer bad;
  EXPECT_FALSE(bad.open("/nonexistent-dir/x.pcap", linktype::raw, err));
  EXPECT_NE(err.find("cannot write"), std::string::npos);
}

// IPv6 addresses as text, against glibc's inet_ntop(3) (which tshark 4.0
// matches, mixed IPv4 notation included): every shape of zero runs and the
// prefixes with an embedded IPv4 address, over 200,000 addresses built from
// groups that are mostly 0, sometimes 0xffff or 1, else random.
TEST(Ipv6Text, MatchesInetNtopOnEveryZeroRunShape) {
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int n = 0; n < 200000; ++n) {
    ipv6_bytes a{};
    for (std::size_t g = 0; g < 8; ++g) {
      const std::uint64_t r = next();
      const unsigned kind = static_cast<unsigned>(r % 8);
      const unsigned v = kind < 4    ? 0U
                         : kind == 4 ? 0xFFFFU
                         : kind == 5 ? 1U
                                     : static_cast<unsigned>((r >> 8) & 0xFFFFU);
      a[2 * g] = static_cast<std::byte>(v >> 8);
      a[2 * g + 1] = static_cast<std::byte>(v & 0xFFU);
    }
    char want[INET6_ADDRSTRLEN] = {};
    ASSERT_NE(inet_ntop(AF_INET6, a.data(), want, sizeof want), nullptr);
    ASSERT_EQ(ipv6_text(a), want) << "address " << n;
  }
}

} // namespace
