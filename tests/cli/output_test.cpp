// The CLI's own I/O: the JSON Lines writer, the link-layer views (Ethernet
// with VLAN tags, SLL, SLL2, raw IPv4) and the pcap writer, whose files are
// read back through libpcap (an independent reader of the format).
#include "capture.hpp"
#include "json.hpp"

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

TEST(LinkLayer, EthernetWithStackedVlanTags) {
  const auto f = hex("ffffffffffff 020000000001 88a8 0064 8100 00c8 0800 4500");
  auto l = parse_link(link_kind::ethernet, f);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->ethertype, 0x0800);
  EXPECT_TRUE(l->has_vlan);
  EXPECT_EQ(l->vlan_id, 100);
  EXPECT_EQ(l->header_size, 22U);
  EXPECT_EQ(l->payload.size(), 2U);
}

TEST(LinkLayer, CookedV1AndV2) {
  const auto v1 = hex("0000 0001 0006 020000000001 0000 0800 45");
  auto a = parse_link(link_kind::sll, v1);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ethertype, 0x0800);
  EXPECT_EQ(a->sll_hatype, 1);
  EXPECT_EQ(a->sll_halen, 6);
  EXPECT_EQ(a->sll_addr.size(), 6U);
  EXPECT_EQ(a->payload.size(), 1U);
  const auto v2 = hex("8864 0000 00000003 0001 04 06 020000000001 0000 11");
  auto b = parse_link(link_kind::sll2, v2);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->ethertype, 0x8864);
  EXPECT_EQ(b->sll_ifindex, 3U);
  EXPECT_EQ(b->sll_pkttype, 4);
  EXPECT_EQ(b->payload.size(), 1U);
}

TEST(LinkLayer, TruncatedHeadersAreErrorsAtTheEnd) {
  const auto shortf = hex("ffffffffffff 0200000000");
  auto e = parse_link(link_kind::ethernet, shortf);
  EXPECT_EQ(e.code(), link_errc::truncated_ethernet);
  EXPECT_EQ(e.offset(), shortf.size());
  const auto vlan = hex("ffffffffffff 020000000001 8100 00");
  EXPECT_EQ(parse_link(link_kind::ethernet, vlan).code(), link_errc::truncated_vlan);
  EXPECT_EQ(parse_link(link_kind::sll, hex("0000 0001 0006")).code(), link_errc::truncated_sll);
  EXPECT_EQ(parse_link(link_kind::sll2, hex("0800 0000 0000")).code(), link_errc::truncated_sll2);
  // Raw IPv4 has no link header: even an empty frame goes to the IPv4 view.
  auto raw = parse_link(link_kind::raw_ip, {});
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->ethertype, 0x0800);
}

TEST(LinkLayer, NeverReadsPastAnyPrefix) {
  // Every prefix of valid headers: either a view inside the bytes or an error.
  const auto eth = hex("ffffffffffff 020000000001 8100 00c8 0800 4500");
  const auto sll = hex("0000 0001 0006 020000000001 0000 0800 45");
  const auto sll2 = hex("8864 0000 00000003 0001 04 06 020000000001 0000 11");
  for (auto [kind, bytes] :
       {std::pair{link_kind::ethernet, eth}, std::pair{link_kind::sll, sll}, std::pair{link_kind::sll2, sll2}}) {
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
      const std::vector<std::byte> copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      auto r = parse_link(kind, copy);
      if (r) {
        EXPECT_LE(r->header_size + r->payload.size(), n);
      } else {
        EXPECT_EQ(r.offset(), n);
      }
    }
  }
}

TEST(PcapWriter, LibpcapReadsBackEveryLinkTypeAndTimestamp) {
  const std::string path = ::testing::TempDir() + "cli_output_test.pcap";
  for (int lt : {linktype_ethernet, linktype_raw, linktype_linux_sll, linktype_linux_sll2}) {
    std::string err;
    pcap_writer w;
    ASSERT_TRUE(w.open(path, lt, err)) << err;
    const auto a = hex("4500001c");
    const auto b = hex("0102030405");
    ASSERT_TRUE(w.write_frame(1'700'000'000'123'456'000LL, a, err));
    ASSERT_TRUE(w.write_frame(1'700'000'001'000'001'000LL, b, err));
    ASSERT_TRUE(w.close(err)) << err;
    capture_reader r;
    ASSERT_TRUE(r.open(path, err)) << err;
    EXPECT_EQ(r.kind(), lt == linktype_ethernet     ? link_kind::ethernet
                        : lt == linktype_linux_sll  ? link_kind::sll
                        : lt == linktype_linux_sll2 ? link_kind::sll2
                                                    : link_kind::raw_ip);
    captured_frame f;
    ASSERT_EQ(r.next(f, err), 1);
    EXPECT_EQ(vpnwire_test::to_hex(f.data), "4500001c");
    EXPECT_EQ(f.ts_ns, 1'700'000'000'123'456'000LL);
    ASSERT_EQ(r.next(f, err), 1);
    EXPECT_EQ(f.data.size(), 5U);
    EXPECT_EQ(f.ts_ns, 1'700'000'001'000'001'000LL);
    EXPECT_EQ(r.next(f, err), 0);
  }
  std::remove(path.c_str());
}

TEST(CaptureReader, TimestampsOfAnySizeClampInsteadOfOverflowing) {
  // pcapng timestamps are 64-bit counts of any unit: libpcap can hand back
  // seconds far beyond what int64 nanoseconds hold (the fuzzer found
  // 12464520315 s). They clamp to +-9e9 s, leaving room for the clock's own
  // arithmetic.
  EXPECT_EQ(capture_reader::to_ns(1, 2), 1'000'000'002LL);
  EXPECT_EQ(capture_reader::to_ns(-1, 0), -1'000'000'000LL);
  EXPECT_EQ(capture_reader::to_ns(9'000'000'000LL, 999'999'999), 9'000'000'000'999'999'999LL);
  EXPECT_EQ(capture_reader::to_ns(12'464'520'315LL, 5), 9'000'000'000'000'000'005LL);
  EXPECT_EQ(capture_reader::to_ns(std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max()),
            9'000'000'000'000'000'000LL + (std::int64_t{1} << 32));
  EXPECT_EQ(capture_reader::to_ns(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::min()),
            -9'000'000'000'000'000'000LL - (std::int64_t{1} << 32));
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
  EXPECT_FALSE(bad.open("/nonexistent-dir/x.pcap", linktype_raw, err));
  EXPECT_NE(err.find("cannot write"), std::string::npos);
}

} // namespace
