// ESP against two independent implementations, each where it is right
// (shared/ARCHITECTURE.md lists their limits on Debian 12):
//  - scapy 2.5.0 SecurityAssociation decrypts and verifies what we encap,
//    and we decap what it encrypts: AES-GCM-128/192/256 (16-byte ICV; scapy
//    ignores crypt_icv_size and always writes 16 bytes), with and without ESN, ChaCha20-Poly1305, AES-CBC and AES-CTR
//    with every HMAC, NULL+HMAC, transport and tunnel mode. Not with ESN for HMAC suites (scapy omits the high bits
//    from the ICV) and not GMAC (unsupported). scapy does not check padding, so our strict padding is proven by decap.
//  - tshark 4.0.17 decrypts and authenticates what we encap (ESP SA table
//    via -o uat:esp_sa): everything except ChaCha20-Poly1305 (it cannot
//    decrypt it) and ESN (it reports ESN ICVs as bad), including NAT-T
//    (UDP 4500) encapsulation.
#include "esp_test_support.hpp"

#include "vpnwire/core/checksum.hpp"
#include "vpnwire/esp/natt.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace vpnwire;
using namespace esp_test;
using vpnwire_test::to_hex;

namespace {

struct interop_case {
  esp::sa_config cfg;
  std::string scapy_crypt, scapy_auth;   // empty: scapy cannot check this case
  std::string tshark_crypt, tshark_auth; // empty: tshark cannot check this case
  std::uint64_t first_seq = 1;
};

std::vector<interop_case> cases() {
  std::vector<interop_case> v;
  auto add = [&](esp::cipher c, std::uint16_t bits, esp::integrity i, std::uint8_t icv, esp::sa_mode m, bool esn,
                 bool udp, std::string sc, std::string sa, std::string tc, std::string ta, std::uint64_t first = 1) {
    interop_case k;
    k.cfg.spi = 0x2000 + static_cast<std::uint32_t>(v.size());
    k.cfg.cipher = c;
    k.cfg.key_bits = bits;
    k.cfg.integrity = i;
    k.cfg.aead_icv_size = icv;
    k.cfg.mode = m;
    k.cfg.esn = esn;
    k.cfg.udp_encap = udp;
    k.scapy_crypt = std::move(sc);
    k.scapy_auth = std::move(sa);
    k.tshark_crypt = std::move(tc);
    k.tshark_auth = std::move(ta);
    k.first_seq = first;
    v.push_back(k);
  };
  using esp::cipher;
  using esp::integrity;
  const auto T = esp::sa_mode::transport;
  const auto U = esp::sa_mode::tunnel;
  add(cipher::aes_gcm, 128, integrity::none, 16, T, false, false, "AES-GCM", "NULL",
      "AES-GCM with 16 octet ICV [RFC4106]", "NULL");
  add(cipher::aes_gcm, 256, integrity::none, 16, U, false, false, "AES-GCM", "NULL",
      "AES-GCM with 16 octet ICV [RFC4106]", "NULL");
  add(cipher::aes_gcm, 192, integrity::none, 16, T, false, false, "AES-GCM", "NULL",
      "AES-GCM with 16 octet ICV [RFC4106]", "NULL");
  // Short GCM ICVs: scapy 2.5.0 ignores crypt_icv_size (always 16 bytes), so tshark only.
  add(cipher::aes_gcm, 256, integrity::none, 12, U, false, false, "", "", "AES-GCM with 12 octet ICV [RFC4106]",
      "NULL");
  add(cipher::aes_gcm, 192, integrity::none, 8, T, false, false, "", "", "AES-GCM with 8 octet ICV [RFC4106]", "NULL");
  add(cipher::aes_gcm, 128, integrity::none, 16, U, true, false, "AES-GCM", "NULL", "", "", 0x1'FFFFFFFE);
  add(cipher::chacha20_poly1305, 256, integrity::none, 16, U, false, false, "CHACHA20-POLY1305", "NULL", "", "");
  add(cipher::chacha20_poly1305, 256, integrity::none, 16, T, true, false, "CHACHA20-POLY1305", "NULL", "", "",
      0x7'FFFFFFFF);
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
  // NAT-T: scapy's SA API takes no UDP-encapsulated packet here; tshark does.
  add(cipher::aes_gcm, 128, integrity::none, 16, U, false, true, "", "", "AES-GCM with 16 octet ICV [RFC4106]", "NULL");
  add(cipher::aes_cbc, 128, integrity::hmac_sha256_128, 0, T, false, true, "", "", "AES-CBC [RFC3602]",
      "HMAC-SHA-256-128 [RFC4868]");
  return v;
}

// What the SA protects: a UDP datagram (transport, next header 17) or an
// IPv4/UDP packet (tunnel, next header 4), of `len` payload bytes.
std::vector<std::byte> inner_for(const esp::sa_config &cfg, std::size_t len, unsigned salt) {
  std::vector<std::byte> udp(8 + len);
  core::store_be16(udp.data(), 5000);
  core::store_be16(udp.data() + 2, 6000);
  core::store_be16(udp.data() + 4, static_cast<std::uint16_t>(udp.size()));
  for (std::size_t i = 0; i < len; ++i) udp[8 + i] = static_cast<std::byte>('a' + (i + salt) % 26);
  if (cfg.mode == esp::sa_mode::transport) return udp; // checksum 0: none
  std::vector<std::byte> ip(20);
  ip[0] = std::byte{0x45};
  core::store_be16(ip.data() + 2, static_cast<std::uint16_t>(20 + udp.size()));
  ip[8] = std::byte{64};
  ip[9] = std::byte{17};
  const std::array<std::uint8_t, 8> addrs{10, 1, 0, 1, 10, 2, 0, 2};
  for (std::size_t i = 0; i < 8; ++i) ip[12 + i] = static_cast<std::byte>(addrs[i]);
  core::store_be16(ip.data() + 10, core::internet_checksum(ip));
  ip.insert(ip.end(), udp.begin(), udp.end());
  return ip;
}

// Outer IPv4 header in front of our ESP (or UDP/ESP) bytes.
std::vector<std::byte> outer_ipv4(bytes_view esp_or_udp, bool udp) {
  std::vector<std::byte> ip(20);
  ip[0] = std::byte{0x45};
  core::store_be16(ip.data() + 2, static_cast<std::uint16_t>(20 + esp_or_udp.size()));
  ip[8] = std::byte{64};
  ip[9] = static_cast<std::byte>(udp ? 17 : 50);
  const std::array<std::uint8_t, 8> addrs{192, 0, 2, 1, 192, 0, 2, 2};
  for (std::size_t i = 0; i < 8; ++i) ip[12 + i] = static_cast<std::byte>(addrs[i]);
  core::store_be16(ip.data() + 10, core::internet_checksum(ip));
  ip.insert(ip.end(), esp_or_udp.begin(), esp_or_udp.end());
  return ip;
}

void write_pcap(const std::string &path, const std::vector<std::vector<std::byte>> &packets) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { f.write(reinterpret_cast<const char *>(&v), 4); }; // host order, magic says which
  auto u16 = [&](std::uint16_t v) { f.write(reinterpret_cast<const char *>(&v), 2); };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(101); // LINKTYPE_RAW: packets start with the IP header
  std::uint32_t t = 1;
  for (const auto &p : packets) {
    u32(t++);
    u32(0);
    u32(static_cast<std::uint32_t>(p.size()));
    u32(static_cast<std::uint32_t>(p.size()));
    f.write(reinterpret_cast<const char *>(p.data()), static_cast<std::streamsize>(p.size()));
  }
}

std::string run(const std::string &cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE *)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p.get()) != nullptr) out += buf;
  return out;
}

bool have(const char *tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

struct generated {
  interop_case k;
  std::vector<std::byte> ck, ik;
  std::vector<std::vector<std::byte>> inners;     // per packet
  std::vector<std::vector<std::byte>> ip_packets; // outer IPv4 + our packet
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
    for (std::size_t len : {0, 1, 13, 64, 200}) {
      const auto inner = inner_for(k.cfg, len, static_cast<unsigned>(len));
      const std::uint8_t nh = k.cfg.mode == esp::sa_mode::tunnel ? 4 : 17;
      std::vector<std::byte> buf(k.cfg.packet_size(inner.size()));
      std::memcpy(buf.data() + k.cfg.headroom(), inner.data(), inner.size());
      if (!tx.encap(buf, inner.size(), nh)) std::abort();
      g.seqs.push_back(tx.last_sequence());
      g.inners.push_back(inner);
      // The plaintext body, for comparing with tshark's decrypted data.
      std::vector<std::byte> body(inner);
      const std::size_t pad = k.cfg.padding_for(inner.size());
      for (std::size_t i = 1; i <= pad; ++i) body.push_back(static_cast<std::byte>(i));
      body.push_back(static_cast<std::byte>(pad));
      body.push_back(static_cast<std::byte>(nh));
      g.bodies.push_back(body);
      g.ip_packets.push_back(outer_ipv4(buf, k.cfg.udp_encap));
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::string tmp_path(const std::string &name) {
  const char *bin = std::getenv("VPNWIRE_BINARY_DIR");
  return std::string(bin != nullptr ? bin : "/tmp") + "/esp_interop_" + std::to_string(getpid()) + "_" + name;
}

TEST(EspInterop, ScapyDecryptsOursAndWeDecapScapys) {
  if (!have("/usr/bin/python3") ||
      run("/usr/bin/python3 -c 'import scapy.layers.ipsec; print(1)' 2>/dev/null") != "1\n")
    GTEST_SKIP() << "scapy not available";
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
          << " nh=" << (g.k.cfg.mode == esp::sa_mode::tunnel ? 4 : 17) << " inner=" << to_hex(g.inners[p])
          << " packets=" << g.seqs[p] << ":" << to_hex(g.ip_packets[p]) << "\n";
      }
    }
  }
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  const std::string script = std::string(src != nullptr ? src : ".") + "/tests/esp/scapy_esp_oracle.py";
  const std::string out = run("/usr/bin/python3 " + script + " " + spec + " 2>&1");
  std::remove(spec.c_str());
  std::istringstream lines(out);
  std::string kind, id, status;
  std::uint64_t seq = 0;
  std::size_t decrypted = 0, decapped = 0;
  std::map<std::size_t, std::unique_ptr<inbound>> receivers;
  while (lines >> kind >> id >> seq) {
    std::string rest;
    std::getline(lines, rest);
    rest.erase(0, rest.find_first_not_of(' '));
    const std::size_t ci = std::stoul(id.substr(0, id.find('_')));
    const std::size_t pi = std::stoul(id.substr(id.find('_') + 1));
    const generated &g = gen.at(ci);
    SCOPED_TRACE(testing::Message() << "case " << ci << " (" << g.k.scapy_crypt << "/" << g.k.scapy_auth
                                    << (g.k.cfg.esn ? " ESN" : "") << ") packet " << pi);
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
      EXPECT_EQ(d->next_header, g.k.cfg.mode == esp::sa_mode::tunnel ? 4 : 17);
      ++decapped;
    } else {
      ADD_FAILURE() << "unexpected oracle output: " << kind << " " << id << " " << rest;
    }
  }
  std::size_t expected = 0;
  for (const auto &g : gen)
    if (!g.k.scapy_crypt.empty()) expected += g.ip_packets.size();
  EXPECT_EQ(decrypted, expected) << out.substr(0, 2000);
  EXPECT_EQ(decapped, expected) << out.substr(0, 2000);
}

TEST(EspInterop, TsharkDecryptsAndAuthenticatesOurs) {
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
    uat += " -o 'uat:esp_sa:\"IPv4\",\"*\",\"*\",\"" + std::string(spi) + "\",\"" + g.k.tshark_crypt + "\",\"0x" +
           to_hex(g.ck) + "\",\"" + g.k.tshark_auth + "\",\"" + (g.ik.empty() ? "" : "0x" + to_hex(g.ik)) + "\"'";
    for (std::size_t p = 0; p < g.ip_packets.size(); ++p) {
      packets.push_back(g.ip_packets[p]);
      index.emplace_back(i, p);
    }
  }
  const std::string pcap = tmp_path("ours.pcap");
  write_pcap(pcap, packets);
  const std::string out =
      run("tshark -n -r " + pcap +
          " -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE"
          " -d udp.port==4500,udpencap" +
          uat +
          " -T fields -E separator=/t -E occurrence=f -e frame.number -e esp.spi -e esp.sequence"
          " -e esp.decrypted_data -e esp.icv_good -e esp.icv_bad -e esp.pad_len -e esp.protocol 2>/dev/null");
  std::remove(pcap.c_str());
  std::istringstream lines(out);
  std::string line;
  std::size_t seen = 0;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      f.push_back(line.substr(start, tab - start));
    f.push_back(line.substr(start));
    ASSERT_GE(f.size(), 8U) << line;
    const std::size_t frame = std::stoul(f[0]) - 1;
    ASSERT_LT(frame, index.size());
    const auto [ci, pi] = index[frame];
    const generated &g = gen[ci];
    SCOPED_TRACE(testing::Message() << "case " << ci << " (" << g.k.tshark_crypt << "/" << g.k.tshark_auth
                                    << (g.k.cfg.udp_encap ? " NAT-T" : "") << ") packet " << pi);
    EXPECT_EQ(std::stoul(f[1], nullptr, 16), g.k.cfg.spi);
    EXPECT_EQ(std::stoull(f[2]), g.seqs[pi]);
    EXPECT_EQ(f[3], to_hex(g.bodies[pi])) << "tshark's decryption differs";
    EXPECT_EQ(f[4], "1") << "tshark did not find the ICV good";
    EXPECT_NE(f[5], "1") << "tshark found the ICV bad";
    EXPECT_EQ(f[6], std::to_string(g.k.cfg.padding_for(g.inners[pi].size())));
    EXPECT_EQ(f[7], g.k.cfg.mode == esp::sa_mode::tunnel ? "0x04" : "0x11");
    ++seen;
  }
  EXPECT_EQ(seen, packets.size()) << out.substr(0, 2000);
}

} // namespace
