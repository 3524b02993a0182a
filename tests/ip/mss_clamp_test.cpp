// TCP MSS clamping. External truth: scapy 2.5.0 built the same SYNs with the
// clamped MSS value (its checksum is a full recomputation), and our in-place
// RFC 1624 update must give byte-identical packets; plus an invariant over
// random SYNs: the incremental checksum always equals a full recomputation.
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
