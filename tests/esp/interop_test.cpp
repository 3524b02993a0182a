// ESP against two independent implementations, each where it is right
// (shared/ARCHITECTURE.md lists their limits on Debian 12), over IPv4 and
// IPv6 outer headers and, in tunnel mode, all four inner/outer combinations
// (4-in-4, 6-in-4, 4-in-6, 6-in-6):
//  - scapy 2.5.0 SecurityAssociation decrypts and verifies what we encap,
//    and we decap what it encrypts: AES-GCM-128/192/256 (16-byte ICV; scapy
//    ignores crypt_icv_size and always writes 16 bytes), with and without
//    ESN, ChaCha20-Poly1305, AES-CBC and AES-CTR with every HMAC, NULL+HMAC,
//    transport and tunnel mode, both families, TFC padding after an IPv6
//    inner packet, and NAT-T in tunnel mode over IPv4 and IPv6. Not with ESN
//    for HMAC suites (scapy omits the high bits from the ICV), not GMAC
//    (unsupported), not NAT-T in transport mode (scapy's SA cannot strip the
//    UDP header there). scapy does not check padding, so our strict padding is
//    proven by decap.
//  - tshark 4.0.17 decrypts and authenticates what we encap (ESP SA table
//    via -o uat:esp_sa, one row per family) and dissects the inner packet:
//    every case except ChaCha20-Poly1305 (it cannot decrypt it) and ESN (it
//    reports ESN ICVs as bad), including NAT-T (UDP 4500) over IPv4 and
//    IPv6, where it also verifies the UDP checksum we compute over the IPv6
//    pseudo-header. Every inner field it shows (addresses, ports, lengths,
//    checksum status, data) must be what we put in.
#include "esp_test_support.hpp"

#include "vpnwire/esp/natt.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

using namespace vpnwire;
using namespace esp_test;
using vpnwire_test::to_hex;

namespace {

struct interop_case {
  esp::sa_config cfg;
  int outer = 4;                         // outer IP family
  int inner = 4;                         // tunnel mode: inner IP family
  std::size_t tfc = 0;                   // TFC padding bytes (tunnel mode)
  std::string scapy_crypt, scapy_auth;   // empty: scapy cannot check this case
  std::string tshark_crypt, tshark_auth; // empty: tshark cannot check this case
  std::uint64_t first_seq = 1;
};

std::vector<interop_case> cases() {
  std::vector<interop_case> v;
  struct opts {
    int outer = 4, inner = 4;
    std::size_t tfc = 0;
    std::uint64_t first = 1;
  };
  auto add = [&](esp::cipher c, std::uint16_t bits, esp::integrity i, std::uint8_t icv, esp::sa_mode m, bool esn,
                 bool udp, std::string sc, std::string sa, std::string tc, std::string ta, opts o = {}) {
    interop_case k;
    k.cfg.spi = 0x2000 + static_cast<std::uint32_t>(v.size());
    k.cfg.cipher = c;
    k.cfg.key_bits = bits;
    k.cfg.integrity = i;
    k.cfg.aead_icv_size = icv;
    k.cfg.mode = m;
    k.cfg.esn = esn;
    k.cfg.udp_encap = udp;
    k.outer = o.outer;
    k.inner = m == esp::sa_mode::tunnel ? o.inner : o.outer;
    k.tfc = o.tfc;
    k.scapy_crypt = std::move(sc);
    k.scapy_auth = std::move(sa);
    k.tshark_crypt = std::move(tc);
    k.tshark_auth = std::move(ta);
    k.first_seq = o.first;
    v.push_back(k);
  };
  using esp::cipher;
  using esp::integrity;
  const auto T = esp::sa_mode::transport;
  const auto U = esp::sa_mode::tunnel;
  const std::string gcm16 = "AES-GCM with 16 octet ICV [RFC4106]";
  add(cipher::aes_gcm, 128, integrity::none, 16, T, false, false, "AES-GCM", "NULL", gcm16, "NULL");
  add(cipher::aes_gcm, 256, integrity::none, 16, U, false, false, "AES-GCM", "NULL", gcm16, "NULL");
  add(cipher::aes_gcm, 192, integrity::none, 16, T, false, false, "AES-GCM", "NULL", gcm16, "NULL");
  // Short GCM ICVs: scapy 2.5.0 ignores crypt_icv_size (always 16 bytes), so tshark only.
  add(cipher::aes_gcm, 256, integrity::none, 12, U, false, false, "", "", "AES-GCM with 12 octet ICV [RFC4106]",
      "NULL");
  add(cipher::aes_gcm, 192, integrity::none, 8, T, false, false, "", "", "AES-GCM with 8 octet ICV [RFC4106]", "NULL");
  add(cipher::aes_gcm, 128, integrity::none, 16, U, true, false, "AES-GCM", "NULL", "", "", {.first = 0x1'FFFFFFFE});
  add(cipher::chacha20_poly1305, 256, integrity::none, 16, U, false, false, "CHACHA20-POLY1305", "NULL", "", "");
  add(cipher::chacha20_poly1305, 256, integrity::none, 16, T, true, false, "CHACHA20-POLY1305", "NULL", "", "",
      {.first = 0x7'FFFFFFFF});
  add(cipher::aes_cbc, 128, integrity::hmac_sha1_96, 0, U, false, false, "AES-CBC", "HMAC-SHA1-96", "AES-CBC [RFC3602]",
      "HMAC-SHA-1-96 [RFC2404]");
  add(cipher::aes_cbc, 256, integrity::hmac_sha256_128, 0, T, false, false, "AES-CBC", "SHA2-256-128",
      "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]");
  add(cipher::aes_cbc, 192, integrity::hmac_sha384_192, 0, T, false, false, "AES-CBC", "SHA2-384-192",
      "AES-CBC [RFC3602]", "HMAC-SHA-384-192 [RFC4868]");
  add(cipher::aes_ctr, 128, integrity::hmac_sha512_256, 0, U, false, false, "AES-CTR", "SHA2-512-256",
      "AES-CTR [RFC3686]", "HMAC-SHA-512-256 [RFC4868]");
  add(cipher::null, 0, integrity::hmac_sha256_128, 0, T, false, false, "NULL", "SHA2-256-128", "NULL",
      "HMAC-SHA-256-128 [RFC4868]");
  // NAT-T over IPv4: tunnel mode through both oracles, transport through tshark.
  add(cipher::aes_gcm, 128, integrity::none, 16, U, false, true, "AES-GCM", "NULL", gcm16, "NULL");
  add(cipher::aes_cbc, 128, integrity::hmac_sha256_128, 0, T, false, true, "", "", "AES-CBC [RFC3602]",
      "HMAC-SHA-256-128 [RFC4868]");
  // IPv6: the four tunnel combinations, transport over IPv6, TFC after an
  // IPv6 inner packet, and NAT-T over IPv6 (UDP checksum computed).
  add(cipher::aes_gcm, 128, integrity::none, 16, U, false, false, "AES-GCM", "NULL", gcm16, "NULL", {4, 6});
  add(cipher::aes_gcm, 256, integrity::none, 16, U, false, false, "AES-GCM", "NULL", gcm16, "NULL", {6, 4});
  add(cipher::aes_cbc, 128, integrity::hmac_sha1_96, 0, U, false, false, "AES-CBC", "HMAC-SHA1-96", "AES-CBC [RFC3602]",
      "HMAC-SHA-1-96 [RFC2404]", {6, 6});
  add(cipher::aes_ctr, 256, integrity::hmac_sha256_128, 0, U, false, false, "AES-CTR", "SHA2-256-128",
      "AES-CTR [RFC3686]", "HMAC-SHA-256-128 [RFC4868]", {6, 6, 13});
  add(cipher::aes_cbc, 256, integrity::hmac_sha256_128, 0, T, false, false, "AES-CBC", "SHA2-256-128",
      "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]", {6, 6});
  add(cipher::null, 0, integrity::hmac_sha384_192, 0, T, false, false, "NULL", "SHA2-384-192", "NULL",
      "HMAC-SHA-384-192 [RFC4868]", {6, 6});
  add(cipher::chacha20_poly1305, 256, integrity::none, 16, T, true, false, "CHACHA20-POLY1305", "NULL", "", "",
      {6, 6, 0, 0x2'FFFFFFF0});
  add(cipher::aes_gcm, 256, integrity::none, 16, T, true, false, "AES-GCM", "NULL", "", "", {6, 6, 0, 0x1'FFFFFFFF});
  add(cipher::aes_gcm, 128, integrity::none, 16, U, false, true, "AES-GCM", "NULL", gcm16, "NULL", {6, 6});
  add(cipher::aes_cbc, 128, integrity::hmac_sha1_96, 0, U, false, true, "AES-CBC", "HMAC-SHA1-96", "AES-CBC [RFC3602]",
      "HMAC-SHA-1-96 [RFC2404]", {6, 4});
  add(cipher::aes_cbc, 192, integrity::hmac_sha512_256, 0, T, false, true, "", "", "AES-CBC [RFC3602]",
      "HMAC-SHA-512-256 [RFC4868]", {6, 6});
  return v;
}

std::uint8_t next_header_of(const interop_case &k) {
  if (k.cfg.mode == esp::sa_mode::transport) return 17;
  return k.inner == 6 ? 41 : 4;
}

// What the SA protects: a UDP datagram (transport, next header 17; its
// checksum over the outer addresses) or an IPv4/IPv6 packet carrying UDP
// (tunnel, next header 4 or 41), of `len` payload bytes.
std::vector<std::byte> inner_for(const interop_case &k, std::size_t len, unsigned salt) {
  const std::array<std::byte, 4> o4s{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}};
  const std::array<std::byte, 4> o4d{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{2}};
  const std::array<std::byte, 4> i4s{std::byte{10}, std::byte{1}, std::byte{0}, std::byte{1}};
  const std::array<std::byte, 4> i4d{std::byte{10}, std::byte{2}, std::byte{0}, std::byte{2}};
  if (k.cfg.mode == esp::sa_mode::transport) {
    if (k.outer == 6) return udp_datagram(5000, 6000, len, salt, v6_outer_src(), v6_outer_dst());
    return udp_datagram(5000, 6000, len, salt, o4s, o4d);
  }
  if (k.inner == 6) {
    const auto u = udp_datagram(5000, 6000, len, salt, v6_inner_src(), v6_inner_dst());
    return ipv6_packet(17, u, v6_inner_src(), v6_inner_dst());
  }
  const auto u = udp_datagram(5000, 6000, len, salt, i4s, i4d);
  return ipv4_packet(17, u, v4_inner_src, v4_inner_dst, static_cast<std::uint16_t>(0x100 + salt));
}

// The outer IP header in front of our ESP (or UDP/ESP) bytes.
std::vector<std::byte> outer_for(const interop_case &k, bytes_view esp_or_udp) {
  const std::uint8_t proto = k.cfg.udp_encap ? 17 : 50;
  if (k.outer == 6) return ipv6_packet(proto, esp_or_udp, v6_outer_src(), v6_outer_dst());
  return ipv4_packet(proto, esp_or_udp, v4_outer_src, v4_outer_dst);
}

struct generated {
  interop_case k;
  std::vector<std::byte> ck, ik;
  std::vector<std::vector<std::byte>> inners;     // per packet
  std::vector<std::vector<std::byte>> ip_packets; // outer IP + our packet
  std::vector<std::vector<std::byte>> bodies;     // plaintext ESP body per packet
  std::vector<std::uint64_t> seqs;
};

std::vector<generated> generate() {
  std::vector<generated> out;
  for (const interop_case &k : cases()) {
    generated g;
    g.k = k;
    std::tie(g.ck, g.ik) = keys_for(k.cfg, k.cfg.spi);
    std::uint8_t ivs = 9;
    outbound tx(k.cfg, make_crypto(k.cfg, g.ck, g.ik),
                esp::iv_generator{[](void *c, mutable_bytes o) noexcept {
                                    auto *n = static_cast<std::uint8_t *>(c);
                                    for (auto &b : o) b = static_cast<std::byte>((*n)++ * 37);
                                  },
                                  &ivs});
    tx.set_last_sequence(k.first_seq - 1);
    esp::udp_ipv6_addresses six{v6_outer_src(), v6_outer_dst()};
    for (std::size_t len : {0, 1, 13, 64, 200}) {
      const auto inner = inner_for(k, len, static_cast<unsigned>(len));
      const std::uint8_t nh = next_header_of(k);
      std::vector<std::byte> buf(k.cfg.packet_size(inner.size(), k.tfc));
      std::memcpy(buf.data() + k.cfg.headroom(), inner.data(), inner.size());
      esp::encap_options opt;
      opt.tfc_padding = k.tfc;
      if (k.outer == 6) opt.udp_ipv6 = &six;
      if (!tx.encap(buf, inner.size(), nh, opt)) std::abort();
      g.seqs.push_back(tx.last_sequence());
      g.inners.push_back(inner);
      // The plaintext body, for comparing with tshark's decrypted data.
      std::vector<std::byte> body(inner);
      body.resize(body.size() + k.tfc, std::byte{0});
      const std::size_t pad = k.cfg.padding_for(inner.size(), k.tfc);
      for (std::size_t i = 1; i <= pad; ++i) body.push_back(static_cast<std::byte>(i));
      body.push_back(static_cast<std::byte>(pad));
      body.push_back(static_cast<std::byte>(nh));
      g.bodies.push_back(body);
      g.ip_packets.push_back(outer_for(k, buf));
    }
    out.push_back(std::move(g));
  }
  return out;
}

TEST(EspInterop, ScapyDecryptsOursAndWeDecapScapys) {
  if (!have_scapy()) GTEST_SKIP() << "scapy not available";
  const auto gen = generate();
  const std::string spec = tmp_path("scapy_cases.txt");
  {
    std::ofstream f(spec);
    for (std::size_t i = 0; i < gen.size(); ++i) {
      const generated &g = gen[i];
      if (g.k.scapy_crypt.empty()) continue;
      // scapy sees one inner per line: emit one line per packet.
      for (std::size_t p = 0; p < g.ip_packets.size(); ++p) {
        f << "id=" << i << "_" << p << " crypt=" << g.k.scapy_crypt << " crypt_key=" << to_hex(g.ck)
          << " icv=" << int(g.k.cfg.aead_icv_size) << " auth=" << g.k.scapy_auth << " auth_key=" << to_hex(g.ik)
          << " spi=" << g.k.cfg.spi << " esn=" << (g.k.cfg.esn ? 1 : 0)
          << " mode=" << (g.k.cfg.mode == esp::sa_mode::tunnel ? "tunnel" : "transport")
          << " nh=" << int(next_header_of(g.k)) << " outer=" << g.k.outer << " natt=" << (g.k.cfg.udp_encap ? 1 : 0)
          << " tfc=" << g.k.tfc << " inner=" << to_hex(g.inners[p]) << " packets=" << g.seqs[p] << ":"
          << to_hex(g.ip_packets[p]) << "\n";
      }
    }
  }
  const std::string out =
      run("/usr/bin/python3 " + source_path("tests/esp/scapy_esp_oracle.py") + " " + spec + " 2>&1");
  std::remove(spec.c_str());
  std::istringstream lines(out);
  std::string kind, id, status;
  std::uint64_t seq = 0;
  std::size_t decrypted = 0, decapped = 0, decapped_v6 = 0;
  std::map<std::size_t, std::unique_ptr<inbound>> receivers;
  while (lines >> kind >> id >> seq) {
    std::string rest;
    std::getline(lines, rest);
    rest.erase(0, rest.find_first_not_of(' '));
    const std::size_t ci = std::stoul(id.substr(0, id.find('_')));
    const std::size_t pi = std::stoul(id.substr(id.find('_') + 1));
    const generated &g = gen.at(ci);
    SCOPED_TRACE(testing::Message() << "case " << ci << " (" << g.k.scapy_crypt << "/" << g.k.scapy_auth
                                    << (g.k.cfg.esn ? " ESN" : "") << ", outer IPv" << g.k.outer << ", inner IPv"
                                    << g.k.inner << (g.k.cfg.udp_encap ? ", NAT-T" : "") << ") packet " << pi);
    if (kind == "dec") {
      EXPECT_EQ(rest, "ok") << "scapy could not decrypt our packet at seq " << seq;
      ++decrypted;
    } else if (kind == "enc") {
      auto &rx = receivers[ci];
      if (!rx) {
        rx = std::make_unique<inbound>(g.k.cfg, make_crypto(g.k.cfg, g.ck, g.ik));
        rx->reset_window(g.k.first_seq + 999 - 1);
      }
      std::vector<std::byte> pkt = vpnwire_test::hex(rest);
      auto d = rx->decap(pkt);
      ASSERT_TRUE(d) << esp::name(d.code()) << " at " << d.offset();
      EXPECT_EQ(d->sequence, seq);
      EXPECT_EQ(to_hex(d->payload), to_hex(g.inners[pi]));
      EXPECT_EQ(d->next_header, next_header_of(g.k));
      EXPECT_EQ(d->tfc_length, 0U);
      ++decapped;
      if (g.k.outer == 6 || g.k.inner == 6) ++decapped_v6;
    } else {
      ADD_FAILURE() << "unexpected oracle output: " << kind << " " << id << " " << rest;
    }
  }
  std::size_t expected = 0;
  for (const auto &g : gen)
    if (!g.k.scapy_crypt.empty()) expected += g.ip_packets.size();
  EXPECT_EQ(decrypted, expected) << out.substr(0, 2000);
  EXPECT_EQ(decapped, expected) << out.substr(0, 2000);
  EXPECT_GE(decapped_v6, 40U);
}

// Every occurrence of a field, comma-separated, as tshark prints it with -E occurrence=a.
std::string addresses_v4(const std::array<std::uint8_t, 4> &a) {
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." + std::to_string(a[3]);
}
std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (const auto &x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

TEST(EspInterop, TsharkDecryptsAuthenticatesAndDissectsOurs) {
  if (!have("tshark")) GTEST_SKIP() << "tshark not available";
  const auto gen = generate();
  std::vector<std::vector<std::byte>> packets;
  std::vector<std::pair<std::size_t, std::size_t>> index; // frame -> (case, packet)
  std::string uat;
  for (std::size_t i = 0; i < gen.size(); ++i) {
    const generated &g = gen[i];
    if (g.k.tshark_crypt.empty()) continue;
    char spi[16];
    std::snprintf(spi, sizeof spi, "0x%08x", g.k.cfg.spi);
    uat += std::string(" -o 'uat:esp_sa:\"") + (g.k.outer == 6 ? "IPv6" : "IPv4") + "\",\"*\",\"*\",\"" + spi +
           "\",\"" + g.k.tshark_crypt + "\",\"0x" + to_hex(g.ck) + "\",\"" + g.k.tshark_auth + "\",\"" +
           (g.ik.empty() ? "" : "0x" + to_hex(g.ik)) + "\"'";
    for (std::size_t p = 0; p < g.ip_packets.size(); ++p) {
      packets.push_back(g.ip_packets[p]);
      index.emplace_back(i, p);
    }
  }
  const std::string pcap = tmp_path("ours.pcap");
  write_pcap(pcap, packets);
  const std::string out = run("tshark -n -r " + pcap +
                              " -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE"
                              " -o udp.check_checksum:TRUE -d udp.port==4500,udpencap" +
                              uat +
                              " -T fields -E separator=/t -E occurrence=a -e frame.number -e esp.spi -e esp.sequence"
                              " -e esp.decrypted_data -e esp.icv_good -e esp.icv_bad -e esp.pad_len -e esp.protocol"
                              " -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e udp.srcport -e udp.dstport -e udp.length"
                              " -e udp.checksum.status -e data.data 2>/dev/null");
  std::remove(pcap.c_str());
  std::istringstream lines(out);
  std::string line;
  std::size_t seen = 0, seen_v6 = 0;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      f.push_back(line.substr(start, tab - start));
    f.push_back(line.substr(start));
    ASSERT_GE(f.size(), 17U) << line;
    const std::size_t frame = std::stoul(f[0]) - 1;
    ASSERT_LT(frame, index.size());
    const auto [ci, pi] = index[frame];
    const generated &g = gen[ci];
    const interop_case &k = g.k;
    SCOPED_TRACE(testing::Message() << "case " << ci << " (" << k.tshark_crypt << "/" << k.tshark_auth
                                    << (k.cfg.udp_encap ? " NAT-T" : "") << ", outer IPv" << k.outer << ", inner IPv"
                                    << k.inner << ") packet " << pi);
    EXPECT_EQ(std::stoul(f[1], nullptr, 16), k.cfg.spi);
    EXPECT_EQ(std::stoull(f[2]), g.seqs[pi]);
    EXPECT_EQ(f[3], to_hex(g.bodies[pi])) << "tshark's decryption differs";
    EXPECT_EQ(f[4], "1") << "tshark did not find the ICV good";
    EXPECT_NE(f[5], "1") << "tshark found the ICV bad";
    EXPECT_EQ(f[6], std::to_string(k.cfg.padding_for(g.inners[pi].size(), k.tfc)));
    char nh[8];
    std::snprintf(nh, sizeof nh, "0x%02x", next_header_of(k));
    EXPECT_EQ(f[7], nh);
    // The dissected layers, outer first: IP addresses of each family in
    // order, then the UDP headers (NAT-T's outer one first), all checksums
    // good, and the inner data.
    std::vector<std::string> ip_src, ip_dst, ip6_src, ip6_dst, sport, dport, ulen, csum;
    if (k.outer == 4) {
      ip_src.push_back(addresses_v4(v4_outer_src));
      ip_dst.push_back(addresses_v4(v4_outer_dst));
    } else {
      ip6_src.emplace_back("2001:db8::1");
      ip6_dst.emplace_back("2001:db8::2");
    }
    if (k.cfg.udp_encap) {
      sport.emplace_back("4500");
      dport.emplace_back("4500");
      ulen.push_back(std::to_string(g.ip_packets[pi].size() - (k.outer == 6 ? 40 : 20)));
      csum.emplace_back(k.outer == 6 ? "1" : "3"); // IPv6: good; IPv4: 0, "not present"
    }
    if (k.cfg.mode == esp::sa_mode::tunnel && k.inner == 4) {
      ip_src.push_back(addresses_v4(v4_inner_src));
      ip_dst.push_back(addresses_v4(v4_inner_dst));
    } else if (k.cfg.mode == esp::sa_mode::tunnel) {
      ip6_src.emplace_back("fd00:1::1");
      ip6_dst.emplace_back("fd00:2::2");
    }
    const std::size_t data_len =
        g.inners[pi].size() - 8 - (k.cfg.mode == esp::sa_mode::tunnel ? (k.inner == 6 ? 40 : 20) : 0);
    sport.emplace_back("5000");
    dport.emplace_back("6000");
    ulen.push_back(std::to_string(8 + data_len));
    csum.emplace_back("1");
    EXPECT_EQ(f[8], joined(ip_src));
    EXPECT_EQ(f[9], joined(ip_dst));
    EXPECT_EQ(f[10], joined(ip6_src));
    EXPECT_EQ(f[11], joined(ip6_dst));
    EXPECT_EQ(f[12], joined(sport));
    EXPECT_EQ(f[13], joined(dport));
    EXPECT_EQ(f[14], joined(ulen));
    EXPECT_EQ(f[15], joined(csum));
    const auto &in = g.inners[pi];
    EXPECT_EQ(f[16], to_hex(bytes_view(in).subspan(in.size() - data_len)));
    ++seen;
    if (k.outer == 6 || k.inner == 6) ++seen_v6;
  }
  EXPECT_EQ(seen, packets.size()) << out.substr(0, 2000);
  EXPECT_GE(seen_v6, 40U);
}

} // namespace
