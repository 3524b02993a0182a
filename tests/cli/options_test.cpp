// Option parsing of the vpnwire CLI: every accepted form and every error
// path of --esp-sa, --reorder, --reassembly, the decode/doctor argument
// list and the mtu stack options, plus the mtu arithmetic checked against
// sizes worked out by hand from the RFCs.
#include "mtu.hpp"
#include "options.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace vpnwire_cli;

const std::string cbc_key = "0x00112233445566778899aabbccddeeff";
const std::string sha1_key = "0x0102030405060708090a0b0c0d0e0f1011121314";

std::string sa_error(const std::string &s) {
  auto r = parse_esp_sa(s);
  EXPECT_FALSE(r) << s;
  return r.error;
}

TEST(EspSaOption, ParsesCbcWithHmac) {
  auto r = parse_esp_sa("spi=0xc1000001,enc=aes-cbc,key=" + cbc_key + ",auth=hmac-sha1-96,auth-key=" + sha1_key);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value.spi, 0xc1000001U);
  EXPECT_EQ(r.value.enc, enc_alg::aes_cbc);
  EXPECT_EQ(r.value.key.size(), 16U);
  EXPECT_EQ(r.value.auth, auth_alg::hmac_sha1_96);
  EXPECT_EQ(r.value.auth_key.size(), 20U);
  EXPECT_FALSE(r.value.esn);
  EXPECT_EQ(r.value.icv_size(), 12U);
}

TEST(EspSaOption, SplitsTheSaltOffSaltedCiphers) {
  auto r = parse_esp_sa("spi=4096,enc=aes-gcm-12,key=0x000102030405060708090a0b0c0d0e0fcafebabe,esn=1");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value.spi, 4096U);
  EXPECT_EQ(r.value.key.size(), 16U);
  EXPECT_EQ(r.value.salt[0], std::byte{0xca});
  EXPECT_EQ(r.value.salt[3], std::byte{0xbe});
  EXPECT_TRUE(r.value.esn);
  EXPECT_EQ(r.value.icv_size(), 12U);
}

TEST(EspSaOption, AesKeySizeFollowsKeyLength) {
  for (std::size_t bytes : {16U, 24U, 32U}) {
    const std::string key = "0x" + std::string(bytes * 2, 'a');
    auto r =
        parse_esp_sa("spi=300,enc=aes-cbc,key=" + key + ",auth=hmac-sha256-128,auth-key=0x" + std::string(64, '1'));
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value.key.size(), bytes);
    auto g = parse_esp_sa("spi=300,enc=aes-ctr,key=" + key + "01020304,auth=hmac-sha512-256,auth-key=0x" +
                          std::string(128, '2'));
    ASSERT_TRUE(g) << g.error;
    EXPECT_EQ(g.value.key.size(), bytes);
  }
}

TEST(EspSaOption, EveryCipherAndIntegrityName) {
  for (const auto &e : enc_table) {
    std::string s = "spi=0x1000,enc=" + std::string(e.name);
    if (e.alg == enc_alg::chacha20_poly1305)
      s += ",key=0x" + std::string(72, 'f');
    else if (e.alg != enc_alg::null)
      s += ",key=0x" + std::string(e.salted ? 40 : 32, 'f');
    if (!e.aead) s += ",auth=hmac-sha384-192,auth-key=0x" + std::string(96, '3');
    auto r = parse_esp_sa(s);
    ASSERT_TRUE(r) << s << ": " << r.error;
    EXPECT_EQ(r.value.enc, e.alg);
  }
  for (const auto &a : auth_table) {
    if (a.alg == auth_alg::none) continue;
    auto r =
        parse_esp_sa("spi=0x1000,enc=null,auth=" + std::string(a.name) + ",auth-key=0x" + std::string(a.key * 2, '4'));
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value.auth, a.alg);
    EXPECT_EQ(r.value.icv_size(), a.icv);
  }
}

TEST(EspSaOption, EveryErrorPathSaysWhatIsWrong) {
  const std::string ok_tail = ",enc=aes-cbc,key=" + cbc_key + ",auth=hmac-sha1-96,auth-key=" + sha1_key;
  EXPECT_NE(sa_error("").find("empty value"), std::string::npos);
  EXPECT_NE(sa_error("spi=0x1000,,enc=null").find("empty item"), std::string::npos);
  EXPECT_NE(sa_error("spi=0x1000" + ok_tail + ",").find("empty item"), std::string::npos);
  EXPECT_NE(sa_error("spi").find("not NAME=VALUE"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,spi=1001" + ok_tail).find("spi given twice"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=null" + ok_tail).find("enc given twice"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000" + ok_tail + ",key=" + cbc_key).find("key given twice"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000" + ok_tail + ",auth=none").find("auth given twice"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000" + ok_tail + ",auth-key=" + sha1_key).find("auth-key given twice"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000" + ok_tail + ",esn=1,esn=0").find("esn given twice"), std::string::npos);
  EXPECT_NE(sa_error("spi=zz" + ok_tail).find("not a 32-bit number"), std::string::npos);
  EXPECT_NE(sa_error("spi=0x100000000" + ok_tail).find("not a 32-bit number"), std::string::npos);
  EXPECT_NE(sa_error("spi=-1" + ok_tail).find("not a 32-bit number"), std::string::npos);
  EXPECT_NE(sa_error("spi=0" + ok_tail).find("reserved"), std::string::npos);
  EXPECT_NE(sa_error("spi=255" + ok_tail).find("reserved"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=des,key=0x00").find("unknown enc 'des'"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=null,auth=md5").find("unknown auth 'md5'"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-cbc,key=0x123").find("key is not an even number of hex digits"),
            std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-cbc,key=0xgg").find("key is not"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=null,auth=hmac-sha1-96,auth-key=0xq1").find("auth-key is not"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000" + ok_tail + ",esn=yes").find("esn must be 0 or 1"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000" + ok_tail + ",mode=tunnel").find("unknown item 'mode'"), std::string::npos);
  EXPECT_NE(sa_error("enc=null,auth=hmac-sha1-96,auth-key=" + sha1_key).find("missing spi="), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,key=" + cbc_key).find("missing enc="), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=null,key=" + cbc_key).find("enc=null takes no key"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-cbc,auth=hmac-sha1-96,auth-key=" + sha1_key).find("missing key="),
            std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-cbc,key=0x0011").find("is 2 bytes; expected 16, 24 or 32"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-gcm-16,key=" + cbc_key).find("expected 20, 28 or 36"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=chacha20-poly1305,key=" + cbc_key).find("expected 36"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-gmac,key=0x" + std::string(40, '0') + ",auth=hmac-sha1-96,auth-key=" + sha1_key)
                .find("combined-mode"),
            std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-cbc,key=" + cbc_key).find("needs an integrity algorithm"), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=aes-gcm-8,key=0x" + std::string(40, '0') + ",auth-key=" + sha1_key)
                .find("auth-key given without an auth algorithm"),
            std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=null,auth=hmac-sha1-96").find("missing auth-key="), std::string::npos);
  EXPECT_NE(sa_error("spi=1000,enc=null,auth=hmac-sha256-128,auth-key=" + sha1_key).find("is 20 bytes; expected 32"),
            std::string::npos);
  for (const std::string &s : {std::string("spi=1000,enc=null"), std::string("x=y")})
    EXPECT_EQ(sa_error(s).rfind("--esp-sa: ", 0), 0U) << "errors name the option";
}

TEST(ReorderOption, AcceptsEveryPolicy) {
  EXPECT_EQ(parse_reorder("strict").value, (reorder_option{reorder_option::kind::strict, 0}));
  EXPECT_EQ(parse_reorder("none").value, (reorder_option{reorder_option::kind::none, 0}));
  EXPECT_EQ(parse_reorder("timeout=30").value, (reorder_option{reorder_option::kind::timeout, 30}));
  EXPECT_EQ(parse_reorder("timeout=0").value, (reorder_option{reorder_option::kind::timeout, 0}));
  EXPECT_EQ(parse_reorder("depth=8").value, (reorder_option{reorder_option::kind::depth, 8}));
  EXPECT_EQ(parse_reorder("depth=1024").value, (reorder_option{reorder_option::kind::depth, 1024}));
}

TEST(ReorderOption, RejectsBadValues) {
  for (const char *bad : {"", "fast", "timeout=", "timeout=-1", "timeout=abc", "timeout=3600001", "depth=0",
                          "depth=1025", "depth=x", "Strict"}) {
    auto r = parse_reorder(bad);
    EXPECT_FALSE(r) << bad;
    EXPECT_EQ(r.error.rfind("--reorder: ", 0), 0U) << r.error;
  }
}

TEST(ReassemblyOption, AcceptsTheNinePolicies) {
  const std::vector<std::pair<const char *, reassembly_policy>> all{
      {"drop", reassembly_policy::drop},
      {"first", reassembly_policy::first},
      {"last", reassembly_policy::last},
      {"bsd", reassembly_policy::bsd},
      {"bsd-right", reassembly_policy::bsd_right},
      {"linux", reassembly_policy::linux_kernel},
      {"windows", reassembly_policy::windows},
      {"solaris", reassembly_policy::solaris},
      {"linux-current", reassembly_policy::linux_current}};
  for (const auto &[name, p] : all) {
    auto r = parse_reassembly(name);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r.value, p);
  }
  auto bad = parse_reassembly("bsd_right");
  EXPECT_FALSE(bad);
  EXPECT_NE(bad.error.find("unknown policy 'bsd_right'"), std::string::npos);
}

std::vector<std::string_view> args(std::initializer_list<std::string_view> a) { return a; }

TEST(DecodeArguments, ParsesEveryOptionInBothSpellings) {
  const std::string sa = "spi=0x1000,enc=null,auth=hmac-sha1-96,auth-key=" + sha1_key;
  const std::string sa2 = "spi=0x2000,enc=null,auth=hmac-sha1-96,auth-key=" + sha1_key;
  const std::string inline_sa = "--esp-sa=" + sa2;
  auto r = parse_decode_args(args({"--esp-sa", sa, inline_sa, "--l2tp-secret", "s3cret", "--reassembly=bsd",
                                   "--reorder", "depth=4", "--json", "--write-inner", "out.pcap", "cap.pcap"}));
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value.sas.size(), 2U);
  EXPECT_EQ(r.value.l2tp_secret, "s3cret");
  EXPECT_TRUE(r.value.have_secret);
  EXPECT_EQ(r.value.reassembly, reassembly_policy::bsd);
  EXPECT_EQ(r.value.reorder, (reorder_option{reorder_option::kind::depth, 4}));
  EXPECT_TRUE(r.value.json);
  EXPECT_EQ(r.value.write_inner, "out.pcap");
  EXPECT_EQ(r.value.capture, "cap.pcap");
  EXPECT_EQ(r.value.reorder_memory_mib, 64U) << "the default";
}

TEST(DecodeArguments, ReorderMemoryInMiB) {
  auto r = parse_decode_args(args({"--reorder-memory", "8", "cap.pcap"}));
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value.reorder_memory_mib, 8U);
  r = parse_decode_args(args({"--reorder-memory=65536", "cap.pcap"}));
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value.reorder_memory_mib, 65536U);
  for (std::string_view bad : {"0", "65537", "-1", "8M", "", "18446744073709551617"}) {
    auto e = parse_decode_args(args({"--reorder-memory", bad, "cap.pcap"}));
    EXPECT_FALSE(e) << bad;
    EXPECT_EQ(e.error.rfind("--reorder-memory: '", 0), 0U) << e.error;
    EXPECT_NE(e.error.find("from 1 to 65536"), std::string::npos) << e.error;
  }
  auto twice = parse_decode_args(args({"--reorder-memory", "8", "--reorder-memory=9", "cap.pcap"}));
  EXPECT_FALSE(twice);
  EXPECT_EQ(twice.error, "--reorder-memory: given twice");
  auto missing = parse_decode_args(args({"cap.pcap", "--reorder-memory"}));
  EXPECT_FALSE(missing);
  EXPECT_EQ(missing.error, "--reorder-memory: missing value");
}

TEST(DecodeArguments, EvidenceCount) {
  auto r = parse_decode_args(args({"--evidence", "1000000", "cap.pcap"}));
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value.evidence, 1000000U);
  EXPECT_EQ(parse_decode_args(args({"cap.pcap"})).value.evidence, 0U) << "0: doctor's default";
  for (std::string_view bad : {"0", "1000001", "-3", "many", ""}) {
    auto e = parse_decode_args(args({"--evidence", bad, "cap.pcap"}));
    EXPECT_FALSE(e) << bad;
    EXPECT_EQ(e.error, "--evidence: '" + std::string(bad) + "' is not a count from 1 to 1000000");
  }
  EXPECT_EQ(parse_decode_args(args({"--evidence=2", "--evidence=3", "cap.pcap"})).error, "--evidence: given twice");
}

TEST(DecodeArguments, DefaultsAreDropAndTimeout30) {
  auto r = parse_decode_args(args({"cap.pcap"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value.reassembly, reassembly_policy::drop);
  EXPECT_EQ(r.value.reorder, (reorder_option{reorder_option::kind::timeout, 30}));
  EXPECT_FALSE(r.value.json);
  EXPECT_TRUE(r.value.sas.empty());
}

TEST(DecodeArguments, EveryErrorPath) {
  const std::string sa = "spi=0x1000,enc=null,auth=hmac-sha1-96,auth-key=" + sha1_key;
  const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases{
      {{}, "no capture file given"},
      {{"--json"}, "no capture file given"},
      {{"a.pcap", "b.pcap"}, "more than one capture"},
      {{"--esp-sa"}, "--esp-sa: missing value"},
      {{"--esp-sa", "spi=1"}, "--esp-sa: "},
      {{"--esp-sa", sa, "--esp-sa", sa, "c"}, "given twice"},
      {{"--l2tp-secret"}, "--l2tp-secret: missing value"},
      {{"--l2tp-secret", "", "c"}, "empty secret"},
      {{"--l2tp-secret", "a", "--l2tp-secret", "b", "c"}, "--l2tp-secret: given twice"},
      {{"--reassembly"}, "--reassembly: missing value"},
      {{"--reassembly", "x", "c"}, "--reassembly: unknown policy"},
      {{"--reassembly", "bsd", "--reassembly=drop", "c"}, "--reassembly: given twice"},
      {{"--reorder"}, "--reorder: missing value"},
      {{"--reorder", "x", "c"}, "--reorder: unknown policy"},
      {{"--reorder", "none", "--reorder", "strict", "c"}, "--reorder: given twice"},
      {{"--json=1", "c"}, "--json: takes no value"},
      {{"--write-inner"}, "--write-inner: missing value"},
      {{"--write-inner=", "c"}, "--write-inner: empty file name"},
      {{"--write-inner", "a", "--write-inner", "b", "c"}, "--write-inner: given twice"},
      {{"--bogus", "c"}, "unknown option '--bogus'"},
      {{"-x", "c"}, "unknown option '-x'"},
  };
  for (const auto &[a, want] : cases) {
    auto r = parse_decode_args(a);
    EXPECT_FALSE(r) << want;
    EXPECT_NE(r.error.find(want), std::string::npos) << "got: " << r.error << " want: " << want;
  }
}

// ---------------------------------------------------------------- mtu

std::size_t inner_mtu_of(std::initializer_list<std::string_view> a) {
  auto m = parse_mtu_args(a);
  EXPECT_TRUE(m) << m.error;
  auto r = vpnwire::tunnel::compute_tunnel_limits(m.value.stack);
  EXPECT_TRUE(r);
  return r ? r->inner_mtu : 0;
}

TEST(MtuCommand, MatchesHandComputedStacks) {
  // L2TP/IPsec over PPPoE, NAT-T, AES-CBC + HMAC-SHA1-96, L2TP with Ns/Nr:
  // 1500 - 8 PPPoE = 1492; - 20 IP - 8 UDP = 1464 for ESP; - 8 header - 16 IV
  // - 12 ICV = 1428, rounded down to 16 = 1424 = payload + 2; payload 1422;
  // - 8 UDP - 10 L2TP - 4 PPP = 1400.
  EXPECT_EQ(inner_mtu_of({"--pppoe", "--nat-t", "--esp", "aes-cbc/hmac-sha1-96", "--l2tp", "--l2tp-seq"}), 1400U);
  // Tunnel-mode AES-GCM-16 on 1500: 1500 - 20 - 8 - 8 - 16 = 1448 (multiple of 4) - 2 = 1446.
  EXPECT_EQ(inner_mtu_of({"--esp", "aes-gcm-16"}), 1446U);
  // The same with NAT-T on the 1454-byte path of incident 2: 1454 - 28 - 32 = 1394 -> 1392 - 2 = 1390.
  EXPECT_EQ(inner_mtu_of({"--link-mtu", "1454", "--nat-t", "--esp=aes-gcm-16"}), 1390U);
  // Plain L2TP (no ESP), PPP without address/control: 1500 - 20 - 8 - 6 - 2 = 1464.
  EXPECT_EQ(inner_mtu_of({"--esp", "none", "--l2tp", "--ppp", "--ppp-acfc"}), 1464U);
}

/// The bytes column of one table row ("  %-26s %5zu  note").
std::size_t row_bytes(const std::string &line) { return std::stoul(line.substr(29, 5)); }

// The rows of the table add up to the total overhead for every stack the
// options can describe (fuzz_cli_options found `--esp none` printing a
// 20-byte outer IPv4 row under a total of 0; transport-mode ESP alone did the same).
TEST(MtuCommand, RowsAddUpToTheTotalForEveryStack) {
  std::size_t stacks = 0;
  for (const char *esp : {"none", "aes-cbc/hmac-sha1-96", "aes-gcm-16", "aes-cbc/hmac-sha256-128"})
    for (const char *mode : {"tunnel", "transport"})
      for (int bits = 0; bits < 16; ++bits)
        for (const char *outer : {"ipv4", "ipv6"})
          for (const char *inner : {"ipv4", "ipv6"}) {
            std::vector<std::string_view> a{"--esp", esp, "--mode", mode, "--outer", outer, "--inner", inner};
            if (bits & 1) a.push_back("--pppoe");
            if (bits & 2) a.push_back("--nat-t");
            if (bits & 4) a.push_back("--l2tp");
            if (bits & 8) a.push_back("--l2tp-seq");
            auto m = parse_mtu_args(a);
            if (!m) continue; // a combination the options refuse
            std::string out, err;
            if (!mtu_report(m.value, out, err)) continue; // e.g. transport mode across families
            ++stacks;
            std::size_t sum = 0, total = 0;
            bool table = false;
            std::istringstream lines(out);
            for (std::string l; std::getline(lines, l);) {
              if (l.starts_with("layer ")) {
                table = true;
              } else if (l.starts_with("  total overhead")) {
                total = row_bytes(l);
                table = false;
              } else if (table) {
                sum += row_bytes(l);
              }
            }
            EXPECT_EQ(sum, total) << out;
            // And the total is what the link loses: link IP MTU - inner MTU at a full-size packet.
            auto lim = vpnwire::tunnel::compute_tunnel_limits(m.value.stack);
            ASSERT_TRUE(lim.has_value());
            EXPECT_EQ(total, lim->overhead + (m.value.stack.pppoe ? 8U : 0U)) << out;
          }
  EXPECT_GT(stacks, 200U);
}

TEST(MtuCommand, ReportHasEveryLayerAndTheMss) {
  auto m = parse_mtu_args({"--pppoe", "--nat-t", "--esp", "aes-cbc/hmac-sha1-96", "--l2tp", "--l2tp-seq"});
  ASSERT_TRUE(m);
  std::string out, err;
  ASSERT_TRUE(mtu_report(m.value, out, err)) << err;
  for (const char *want :
       {"PPPoE + PPP", "outer IPv4", "UDP (NAT-T)", "ESP header", "ESP IV", "ESP padding", "ESP ICV", "UDP (L2TP)",
        "L2TP data header", "PPP header", "inner MTU        1400", "TCP MSS          1360", "total overhead"})
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
}

TEST(MtuCommand, EveryErrorPath) {
  const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases{
      {{"--link-mtu"}, "--link-mtu: missing value"},
      {{"--link-mtu", "67"}, "not an MTU in 68..65535"},
      {{"--link-mtu", "big"}, "not an MTU"},
      {{"--esp"}, "--esp: missing value"},
      {{"--esp", "rot13"}, "unknown cipher 'rot13'"},
      {{"--esp", "aes-cbc"}, "needs an integrity algorithm"},
      {{"--esp", "aes-cbc/crc32"}, "unknown integrity 'crc32'"},
      {{"--esp", "aes-gcm-16/hmac-sha1-96"}, "carries its own ICV"},
      {{"--mode"}, "--mode: missing value"},
      {{"--mode", "bridge"}, "is not tunnel or transport"},
      {{"--pppoe=1"}, "--pppoe: takes no value"},
      {{"--l2tp-seq"}, "need --l2tp"},
      {{"--esp", "none", "--nat-t"}, "--nat-t needs ESP"},
      {{"--frobnicate"}, "unknown option '--frobnicate'"},
  };
  for (const auto &[a, want] : cases) {
    auto r = parse_mtu_args(a);
    EXPECT_FALSE(r) << want;
    EXPECT_NE(r.error.find(want), std::string::npos) << "got: " << r.error << " want: " << want;
  }
  auto tiny = parse_mtu_args({"--link-mtu", "100", "--esp", "aes-cbc/hmac-sha512-256", "--l2tp"});
  ASSERT_TRUE(tiny);
  std::string out, err;
  EXPECT_FALSE(mtu_report(tiny.value, out, err));
  EXPECT_NE(err.find("too small"), std::string::npos) << err;
}

} // namespace
