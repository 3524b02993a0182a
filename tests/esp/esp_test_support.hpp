// Shared by the ESP tests: the vector file reader, SA helpers, packet
// builders for both IP families, and the plumbing for the external oracles
// (running a command, temporary files, a raw-IP pcap writer).
#pragma once

#include "vpnwire/core/checksum.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/outbound_sa.hpp"

#include "test_bytes.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

namespace esp_test {

using vpnwire::esp::crypto::openssl_transform;
using outbound = vpnwire::esp::outbound_sa<openssl_transform>;
using inbound = vpnwire::esp::inbound_sa<openssl_transform>;

/// One [section] of a vector file: field name to value (continuation lines
/// that start with whitespace are appended).
struct vector_case {
  std::string name;
  std::map<std::string, std::string> fields;
  [[nodiscard]] std::vector<std::byte> bytes(const std::string &k) const { return vpnwire_test::hex(fields.at(k)); }
  [[nodiscard]] const std::string &text(const std::string &k) const { return fields.at(k); }
  [[nodiscard]] bool has(const std::string &k) const { return fields.count(k) != 0; }
};

inline std::string data_path(const std::string &file) {
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/tests/data/esp/" + file;
}

inline std::vector<vector_case> read_vectors(const std::string &file) {
  std::ifstream in(data_path(file));
  std::vector<vector_case> out;
  std::string line, last_key;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      out.push_back({line.substr(1, line.find(']') - 1), {}});
      continue;
    }
    if (out.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      out.back().fields[last_key] += " " + line;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq);
    while (!k.empty() && k.back() == ' ') k.pop_back();
    last_key = k;
    out.back().fields[k] = line.substr(eq + 1);
  }
  return out;
}

inline std::uint64_t be_number(const std::vector<std::byte> &b) {
  std::uint64_t v = 0;
  for (std::byte x : b) v = (v << 8) | std::to_integer<std::uint64_t>(x);
  return v;
}

inline openssl_transform make_crypto(const vpnwire::esp::sa_config &cfg, const std::vector<std::byte> &ck,
                                     const std::vector<std::byte> &ik) {
  auto t = openssl_transform::make(cfg, ck, ik);
  if (!t) std::abort();
  return std::move(t).value();
}

/// Keys of the right length for cfg, filled from a seed.
inline std::pair<std::vector<std::byte>, std::vector<std::byte>> keys_for(const vpnwire::esp::sa_config &cfg,
                                                                          unsigned seed) {
  std::vector<std::byte> ck(cfg.cipher_key_size()), ik(cfg.integrity_key_size());
  for (std::size_t i = 0; i < ck.size(); ++i) ck[i] = static_cast<std::byte>(seed * 31 + i * 7 + 1);
  for (std::size_t i = 0; i < ik.size(); ++i) ik[i] = static_cast<std::byte>(seed * 17 + i * 5 + 3);
  return {ck, ik};
}

// ------------------------------------------------------------ oracles

/// Runs a shell command and returns its standard output.
inline std::string run(const std::string &cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE *)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p.get()) != nullptr) out += buf;
  return out;
}

/// True when `tool` is on PATH (or an existing path).
inline bool have(const std::string &tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

/// True when /usr/bin/python3 has scapy's IPsec layer.
inline bool have_scapy() {
  return have("/usr/bin/python3") &&
         run("/usr/bin/python3 -c 'import scapy.layers.ipsec; print(1)' 2>/dev/null") == "1\n";
}

/// A per-process scratch file name under the build tree.
inline std::string tmp_path(const std::string &name) {
  const char *bin = std::getenv("VPNWIRE_BINARY_DIR");
  return std::string(bin != nullptr ? bin : "/tmp") + "/esp_test_" + std::to_string(getpid()) + "_" + name;
}

inline std::string source_path(const std::string &relative) {
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/" + relative;
}

inline void write_file(const std::string &path, vpnwire::bytes_view data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char *>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline std::vector<std::byte> read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) out[i] = static_cast<std::byte>(c[i]);
  return out;
}

/// A classic pcap file of LINKTYPE_RAW packets (each starts with its IPv4 or
/// IPv6 header), one per second.
inline void write_pcap(const std::string &path, const std::vector<std::vector<std::byte>> &packets) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { f.write(reinterpret_cast<const char *>(&v), 4); }; // host order, magic says which
  auto u16 = [&](std::uint16_t v) { f.write(reinterpret_cast<const char *>(&v), 2); };
  u32(0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(101); // LINKTYPE_RAW
  std::uint32_t t = 1;
  for (const auto &p : packets) {
    u32(t++);
    u32(0);
    u32(static_cast<std::uint32_t>(p.size()));
    u32(static_cast<std::uint32_t>(p.size()));
    f.write(reinterpret_cast<const char *>(p.data()), static_cast<std::streamsize>(p.size()));
  }
}

// ------------------------------------------------------------ packets

/// Outer and inner addresses used by the IP builders below.
inline constexpr std::array<std::uint8_t, 4> v4_outer_src{192, 0, 2, 1};
inline constexpr std::array<std::uint8_t, 4> v4_outer_dst{192, 0, 2, 2};
inline constexpr std::array<std::uint8_t, 4> v4_inner_src{10, 1, 0, 1};
inline constexpr std::array<std::uint8_t, 4> v4_inner_dst{10, 2, 0, 2};
/// 2001:db8::1 / ::2 outside, fd00:1::1 / fd00:2::2 inside.
inline std::array<std::byte, 16> v6_address(std::uint16_t first, std::uint16_t second, std::uint8_t last) {
  std::array<std::byte, 16> a{};
  vpnwire::core::store_be16(a.data(), first);
  vpnwire::core::store_be16(a.data() + 2, second);
  a[15] = static_cast<std::byte>(last);
  return a;
}
inline std::array<std::byte, 16> v6_outer_src() { return v6_address(0x2001, 0x0db8, 1); }
inline std::array<std::byte, 16> v6_outer_dst() { return v6_address(0x2001, 0x0db8, 2); }
inline std::array<std::byte, 16> v6_inner_src() { return v6_address(0xfd00, 0x0001, 1); }
inline std::array<std::byte, 16> v6_inner_dst() { return v6_address(0xfd00, 0x0002, 2); }

/// An IPv4 header (20 bytes, checksum set) in front of `payload`.
inline std::vector<std::byte> ipv4_packet(std::uint8_t proto, vpnwire::bytes_view payload,
                                          const std::array<std::uint8_t, 4> &src,
                                          const std::array<std::uint8_t, 4> &dst, std::uint16_t id = 0) {
  std::vector<std::byte> ip(20);
  ip[0] = std::byte{0x45};
  vpnwire::core::store_be16(ip.data() + 2, static_cast<std::uint16_t>(20 + payload.size()));
  vpnwire::core::store_be16(ip.data() + 4, id);
  ip[8] = std::byte{64};
  ip[9] = static_cast<std::byte>(proto);
  for (std::size_t i = 0; i < 4; ++i) {
    ip[12 + i] = static_cast<std::byte>(src[i]);
    ip[16 + i] = static_cast<std::byte>(dst[i]);
  }
  vpnwire::core::store_be16(ip.data() + 10, vpnwire::core::internet_checksum(ip));
  ip.insert(ip.end(), payload.begin(), payload.end());
  return ip;
}

/// An IPv6 header (40 bytes, hop limit 64, flow label 0x12345) in front of `payload`.
inline std::vector<std::byte> ipv6_packet(std::uint8_t next_header, vpnwire::bytes_view payload,
                                          const std::array<std::byte, 16> &src, const std::array<std::byte, 16> &dst) {
  std::vector<std::byte> ip(40);
  vpnwire::core::store_be32(ip.data(), 0x60012345U);
  vpnwire::core::store_be16(ip.data() + 4, static_cast<std::uint16_t>(payload.size()));
  ip[6] = static_cast<std::byte>(next_header);
  ip[7] = std::byte{64};
  std::copy(src.begin(), src.end(), ip.begin() + 8);
  std::copy(dst.begin(), dst.end(), ip.begin() + 24);
  ip.insert(ip.end(), payload.begin(), payload.end());
  return ip;
}

/// A UDP datagram (header + `len` letters) with its checksum over the
/// pseudo-header of the given family's addresses (IPv4: 4-byte spans, IPv6: 16).
inline std::vector<std::byte> udp_datagram(std::uint16_t sport, std::uint16_t dport, std::size_t len, unsigned salt,
                                           vpnwire::bytes_view src, vpnwire::bytes_view dst) {
  std::vector<std::byte> u(8 + len);
  vpnwire::core::store_be16(u.data(), sport);
  vpnwire::core::store_be16(u.data() + 2, dport);
  vpnwire::core::store_be16(u.data() + 4, static_cast<std::uint16_t>(u.size()));
  for (std::size_t i = 0; i < len; ++i) u[8 + i] = static_cast<std::byte>('a' + (i + salt) % 26);
  vpnwire::core::checksum_accumulator acc;
  acc.add(src);
  acc.add(dst);
  acc.add_u32(static_cast<std::uint32_t>(u.size()));
  acc.add_u32(17);
  acc.add(u);
  const std::uint16_t c = acc.finish();
  vpnwire::core::store_be16(u.data() + 6, c == 0 ? std::uint16_t{0xFFFF} : c);
  return u;
}

/// An ESP packet (from the SPI) built with the backend directly, for any
/// config our encap refuses (legacy ciphers, no integrity): header, random
/// IV, inner + default padding + pad length + next header, ICV (none when
/// the config has no ICV).
inline std::vector<std::byte> build_esp_packet(const vpnwire::esp::sa_config &cfg, openssl_transform &t,
                                               std::mt19937 &rng, std::uint64_t seq,
                                               const std::vector<std::byte> &inner, std::uint8_t nh) {
  const std::size_t pad = cfg.padding_for(inner.size());
  // From the SPI: no UDP header even when cfg.udp_encap is set.
  std::vector<std::byte> p(8 + cfg.iv_size() + inner.size() + pad + 2 + cfg.icv_size());
  vpnwire::core::store_be32(p.data(), cfg.spi);
  vpnwire::core::store_be32(p.data() + 4, static_cast<std::uint32_t>(seq));
  const std::size_t body_off = 8 + cfg.iv_size();
  for (std::size_t i = 0; i < cfg.iv_size(); ++i) p[8 + i] = static_cast<std::byte>(rng());
  if (!inner.empty()) std::memcpy(p.data() + body_off, inner.data(), inner.size());
  for (std::size_t i = 1; i <= pad; ++i) p[body_off + inner.size() + i - 1] = static_cast<std::byte>(i);
  p[body_off + inner.size() + pad] = static_cast<std::byte>(pad);
  p[body_off + inner.size() + pad + 1] = static_cast<std::byte>(nh);
  const std::size_t body_len = inner.size() + pad + 2;
  const auto iv = std::span(p).subspan(8, cfg.iv_size());
  const auto body = std::span(p).subspan(body_off, body_len);
  const auto icv = std::span(p).subspan(body_off + body_len);
  std::array<std::byte, 12> aad{};
  vpnwire::core::store_be32(aad.data(), cfg.spi);
  vpnwire::core::store_be32(aad.data() + 4, static_cast<std::uint32_t>(seq >> 32));
  vpnwire::core::store_be32(aad.data() + 8, static_cast<std::uint32_t>(seq));
  const vpnwire::bytes_view head = cfg.esn ? vpnwire::bytes_view(aad) : vpnwire::bytes_view(p).first(8);
  std::array<std::byte, 4> hi{};
  vpnwire::core::store_be32(hi.data(), static_cast<std::uint32_t>(seq >> 32));
  bool ok = false;
  if (cfg.cipher == vpnwire::esp::cipher::aes_gmac) {
    ok = t.seal(iv, head, vpnwire::bytes_view(p).subspan(8, cfg.iv_size() + body_len), {}, icv);
  } else if (cfg.is_aead()) {
    ok = t.seal(iv, head, {}, body, icv);
  } else {
    ok = t.encrypt(iv, body) &&
         (icv.empty() || t.compute(vpnwire::bytes_view(p).first(body_off + body_len),
                                   cfg.esn ? vpnwire::bytes_view(hi) : vpnwire::bytes_view{}, icv));
  }
  if (!ok) std::abort();
  return p;
}

} // namespace esp_test
