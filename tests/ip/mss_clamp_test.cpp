// TCP MSS clamping. External truth: scapy 2.5.0 built the same SYNs with the
// clamped MSS value (its checksum is a full recomputation), and our in-place
// RFC 1624 update must give byte-identical packets; plus an invariant over
// random SYNs: the incremental checksum always equals a full recomputation.
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/mss_clamp.hpp"
#include "vpnwire/ip/udp.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace vpnwire;
using ip::errc;
using ip::mss_clamp_status;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {

// IP(src="10.1.2.3", dst="10.9.8.7", id=77, options=[IPOption_RR(routers=["1.2.3.4","0.0.0.0"])])
//   /TCP(sport=40000, dport=443, flags="S", seq=1000, options=[("MSS",M),("NOP",None),("WScale",7)])
const char *const syn_1460 =
    "4800003c004d00004006484d0a0102030a090807070b040102030400000000009c4001bb000003e80000000070022000a4210000020405b4"
    "01030307";
const char *const syn_1360 =
    "4800003c004d00004006484d0a0102030a090807070b040102030400000000009c4001bb000003e80000000070022000a4850000020405500"
    "1030307";
// IP(src="10.1.2.3", dst="10.9.8.7", id=78)/TCP(sport=40001, dport=443, flags="SA", seq=5, ack=9,
//   options=[("NOP",None),("MSS",M),("SAckOK",b"")])/b"x"   -- MSS value at an odd offset
const char *const synack_odd_1460 =
    "45000031004e000040065c660a0102030a0908079c4101bb000000050000000970122000809f000001020405b404020078";
const char *const synack_odd_1360 =
    "45000031004e000040065c660a0102030a0908079c4101bb000000050000000970122000e49f0000010204055004020078";

// IPv6(src="2001:db8::1", dst="2001:db8::2")/TCP(sport=40001, dport=443, flags="SA", seq=5, ack=9,
//   options=[("NOP",None),("MSS",M),("SAckOK",b"")])/b"x"   -- M = 1460, then 1220
const char *const synack6_1460 = "60000000001d064020010db800000000000000000000000120010db80000000000000000000000029c410"
                                 "1bb000000050000000970122000433e000001020405b404020078";
const char *const synack6_1220 = "60000000001d064020010db800000000000000000000000120010db80000000000000000000000029c410"
                                 "1bb000000050000000970122000333f000001020404c404020078";
// IPv6(src="2001:db8::a", dst="2001:db8::b")/IPv6ExtHdrHopByHop()
//   /IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\0\0\0\0')])/TCP(sport=40000, dport=443, flags="S",
//   seq=1000, options=[("MSS",M),("NOP",None),("WScale",7),("SAckOK",b""),("Timestamp",(1,0))])
//   -- M = 1440, then 1200
const char *const syn6_chain_1440 =
    "600000000038004020010db800000000000000000000000a20010db800000000000000000000000b3c0001040000000006000104000000"
    "009c4001bb000003e800000000a00220002aa90000020405a0010303070402080a0000000100000000";
const char *const syn6_chain_1200 =
    "600000000038004020010db800000000000000000000000a20010db800000000000000000000000b3c0001040000000006000104000000"
    "009c4001bb000003e800000000a00220002b990000020404b0010303070402080a0000000100000000";

TEST(MssClamp6, MatchesScapysRebuiltSynAckAndSynBehindExtensionHeaders) {
  auto a = hex(synack6_1460);
  auto r = ip::clamp_mss(a, 1220);
  ASSERT_TRUE(r) << ip::name(r.code());
  EXPECT_EQ(r->status, mss_clamp_status::clamped);
  EXPECT_EQ(r->old_mss, 1460);
  EXPECT_EQ(to_hex(a), synack6_1220);
  auto c = hex(syn6_chain_1440);
  auto rc = ip::clamp_mss_ipv6(c, 1200);
  ASSERT_TRUE(rc) << ip::name(rc.code());
  EXPECT_EQ(rc->status, mss_clamp_status::clamped);
  EXPECT_EQ(to_hex(c), syn6_chain_1200);
  // Already below: nothing written.
  const auto before = c;
  auto again = ip::clamp_mss(c, 1300);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, mss_clamp_status::already_below);
  EXPECT_EQ(c, before);
}

TEST(MssClamp6, FragmentsChainErrorsAndOtherProtocols) {
  // A first fragment carrying the SYN is clamped; a later fragment is skipped.
  auto base = hex(synack6_1460);
  std::vector<std::byte> first(base.begin(), base.begin() + 40);
  first[6] = std::byte{ip::proto::ipv6_fragment};
  const std::uint8_t frag_first[8] = {6, 0, 0x00, 0x01, 0, 0, 0, 7}; // offset 0, M set
  for (auto x : frag_first) first.push_back(std::byte{x});
  first.insert(first.end(), base.begin() + 40, base.end());
  core::store_be16(first.data() + 4, static_cast<std::uint16_t>(first.size() - 40));
  auto rf = ip::clamp_mss(first, 1220);
  ASSERT_TRUE(rf) << ip::name(rf.code());
  EXPECT_EQ(rf->status, mss_clamp_status::clamped);
  EXPECT_EQ(to_hex(bytes_view(first).subspan(48)), std::string(synack6_1220).substr(80));
  auto later = first;
  later[42] = std::byte{0x00};
  later[43] = std::byte{0x10}; // offset 16
  const auto before = later;
  auto rl = ip::clamp_mss(later, 1000);
  ASSERT_TRUE(rl);
  EXPECT_EQ(rl->status, mss_clamp_status::non_first_fragment);
  EXPECT_EQ(later, before);
  // A header chain error is reported with its offset, nothing written.
  auto bad = hex(syn6_chain_1440);
  bad[48] = std::byte{0}; // the Destination Options header now names a Hop-by-Hop header
  const auto bad_before = bad;
  auto e = ip::clamp_mss(bad, 1000);
  EXPECT_EQ(e.code(), errc::hop_by_hop_not_first);
  EXPECT_EQ(e.offset(), 48U);
  EXPECT_EQ(bad, bad_before);
  // Not TCP.
  auto u = hex(synack6_1460);
  u[6] = std::byte{17};
  auto nt = ip::clamp_mss(u, 1000);
  EXPECT_EQ(nt.code(), errc::not_tcp);
  EXPECT_EQ(nt.offset(), 40U);
  // Neither 4 nor 6.
  auto v5 = hex(synack6_1460);
  v5[0] = std::byte{0x50};
  EXPECT_EQ(ip::clamp_mss(v5, 1000).code(), errc::bad_version);
}

TEST(MssClamp6, IncrementalChecksumEqualsFullRecomputationOnRandomSyns) {
  std::mt19937 rng(8200); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  int clamped = 0;
  for (int i = 0; i < 20000; ++i) {
    // Fixed header, 0-2 Destination Options headers, TCP with 0-3 NOPs before MSS.
    const std::size_t exts = rng() % 3;
    const std::size_t nops = rng() % 4;
    const std::size_t opt_len = (nops + 4 + 3) / 4 * 4;
    const std::size_t payload = rng() % 7;
    const std::size_t tcp_at = 40 + 8 * exts;
    std::vector<std::byte> p(tcp_at + 20 + opt_len + payload);
    for (auto &x : p) x = static_cast<std::byte>(rng());
    ip::ipv6_fields f;
    for (auto &x : f.source) x = static_cast<std::byte>(rng());
    for (auto &x : f.destination) x = static_cast<std::byte>(rng());
    f.next_header = exts == 0 ? 6 : 60;
    ASSERT_TRUE(ip::build_ipv6_header(p, f, p.size() - 40));
    for (std::size_t k = 0; k < exts; ++k) {
      p[40 + 8 * k] = std::byte{static_cast<std::uint8_t>(k + 1 == exts ? 6 : 60)};
      p[40 + 8 * k + 1] = std::byte{0};
    }
    p[tcp_at + 12] = static_cast<std::byte>((20 + opt_len) / 4 << 4);
    p[tcp_at + 13] = std::byte{0x02};
    std::size_t at = tcp_at + 20;
    for (std::size_t k = 0; k < nops; ++k) p[at++] = std::byte{1};
    p[at] = std::byte{2};
    p[at + 1] = std::byte{4};
    for (std::size_t k = at + 4; k < tcp_at + 20 + opt_len; ++k) p[k] = std::byte{0};
    const auto seg = [&] { return bytes_view(p).subspan(tcp_at); };
    core::store_be16(p.data() + tcp_at + 16, 0);
    core::store_be16(p.data() + tcp_at + 16, ip::pseudo_header_checksum(f.source, f.destination, 6, seg()));
    const auto limit = static_cast<std::uint16_t>(rng());
    const std::uint16_t mss = core::load_be16(p.data() + at + 2);
    auto r = ip::clamp_mss(p, limit);
    ASSERT_TRUE(r) << i << " " << ip::name(r.code());
    EXPECT_EQ(core::load_be16(p.data() + at + 2), std::min(mss, limit));
    if (r->status == mss_clamp_status::clamped) ++clamped;
    EXPECT_EQ(ip::pseudo_header_checksum(f.source, f.destination, 6, seg()), 0) << i; // still verifies
  }
  EXPECT_GT(clamped, 5000);
}

TEST(MssClamp, MatchesScapysRebuiltSyn) {
  auto b = hex(syn_1460);
  auto r = ip::clamp_mss(b, 1360);
  ASSERT_TRUE(r) << ip::name(r.code());
  EXPECT_EQ(r->status, mss_clamp_status::clamped);
  EXPECT_EQ(r->old_mss, 1460);
  EXPECT_EQ(r->new_mss, 1360);
  EXPECT_EQ(to_hex(b), syn_1360);
}

TEST(MssClamp, MatchesScapyWhenTheValueSitsAtAnOddOffset) {
  auto b = hex(synack_odd_1460);
  auto r = ip::clamp_mss(b, 1360);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, mss_clamp_status::clamped);
  EXPECT_EQ(to_hex(b), synack_odd_1360);
}

TEST(MssClamp, OnlyEverLowers) {
  auto b = hex(syn_1360);
  const auto before = b;
  auto r = ip::clamp_mss(b, 1400);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, mss_clamp_status::already_below);
  EXPECT_EQ(b, before);
  auto same = ip::clamp_mss(b, 1360);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, mss_clamp_status::already_below);
}

TEST(MssClamp, SkipsNonSynNonFirstFragmentsAndOtherProtocols) {
  auto b = hex(syn_1460);
  b[20 + 20 + 13] = std::byte{0x10}; // ACK only (byte 13 of the TCP header; IHL is 8 words)
  b = hex(syn_1460);
  b[32 + 13] = std::byte{0x10};
  auto r = ip::clamp_mss(b, 1000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, mss_clamp_status::not_syn);

  auto f = hex(syn_1460);
  core::store_be16(f.data() + 6, 0x0001); // offset 8: a non-first fragment
  core::store_be16(f.data() + 10, 0);
  const auto before = f;
  auto nf = ip::clamp_mss(f, 1000);
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, mss_clamp_status::non_first_fragment);
  EXPECT_EQ(f, before);

  auto u = hex(syn_1460);
  u[9] = std::byte{17};
  EXPECT_EQ(ip::clamp_mss(u, 1000).code(), errc::not_tcp);
}

TEST(MssClamp, MalformedOptionsAreReportedAndNothingIsWritten) {
  // Options area (8 bytes at packet offset 52): replace with broken variants.
  const char *const variants[] = {
      "02 05 05 b4 01 03 03 07", // MSS with length 5 (past its value: rejected as not 4)
      "02 03 05 b4 01 03 03 07", // MSS with length 3
      "01 01 01 01 01 01 01 02", // kind without a length byte
      "01 03 00 07 01 01 01 01", // zero length
      "01 03 09 07 01 01 01 01", // length past the end
  };
  for (const char *v : variants) {
    auto b = hex(syn_1460);
    const auto o = hex(v);
    std::copy(o.begin(), o.end(), b.begin() + 52);
    const auto before = b;
    auto r = ip::clamp_mss(b, 1000);
    EXPECT_FALSE(r) << v;
    if (!r) {
      EXPECT_TRUE(r.code() == errc::option_length_invalid || r.code() == errc::option_truncated) << v;
      EXPECT_GE(r.offset(), 52U) << v;
    }
    EXPECT_EQ(b, before) << v;
  }
}

TEST(MssClamp, SynWithoutMssOption) {
  auto b = hex(syn_1460);
  const auto o = hex("01 01 01 01 01 03 03 07");
  std::copy(o.begin(), o.end(), b.begin() + 52);
  auto r = ip::clamp_mss(b, 1000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, mss_clamp_status::no_mss_option);
}

TEST(MssClamp, IncrementalChecksumEqualsFullRecomputationOnRandomSyns) {
  std::mt19937 rng(1624); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  int clamped = 0;
  for (int i = 0; i < 20000; ++i) {
    // IPv4 header (20) + TCP header with 0-3 NOPs before the MSS option and random payload.
    const std::size_t nops = rng() % 4;
    const std::size_t opt_len = (nops + 4 + 3) / 4 * 4;
    const std::size_t payload = rng() % 7;
    std::vector<std::byte> p(20 + 20 + opt_len + payload);
    for (auto &x : p) x = static_cast<std::byte>(rng());
    p[0] = std::byte{0x45};
    core::store_be16(p.data() + 2, static_cast<std::uint16_t>(p.size()));
    core::store_be16(p.data() + 6, 0);
    p[9] = std::byte{6};
    p[20 + 12] = static_cast<std::byte>((20 + opt_len) / 4 << 4);
    p[20 + 13] = std::byte{0x02};
    std::size_t at = 40;
    for (std::size_t k = 0; k < nops; ++k) p[at++] = std::byte{1};
    p[at] = std::byte{2};
    p[at + 1] = std::byte{4};
    for (std::size_t k = at + 4; k < 40 + opt_len; ++k) p[k] = std::byte{0};
    const std::uint32_t src = core::load_be32(p.data() + 12), dst = core::load_be32(p.data() + 16);
    core::store_be16(p.data() + 36, 0);
    const auto seg = [&] { return bytes_view(p).subspan(20); };
    core::store_be16(p.data() + 36, ip::pseudo_header_checksum(src, dst, 6, seg()));
    const auto limit = static_cast<std::uint16_t>(rng());
    const std::uint16_t mss = core::load_be16(p.data() + at + 2);
    auto r = ip::clamp_mss(p, limit);
    ASSERT_TRUE(r) << i << " " << ip::name(r.code());
    EXPECT_EQ(core::load_be16(p.data() + at + 2), std::min(mss, limit));
    if (r->status == mss_clamp_status::clamped) ++clamped;
    EXPECT_EQ(ip::pseudo_header_checksum(src, dst, 6, seg()), 0) << i; // still verifies
  }
  EXPECT_GT(clamped, 5000);
}

} // namespace
