// Shared by the key tests: the samples, and ESP packets for an imported SA
// built with the keys the sample gives (a random HMAC key where the sample
// gives none: the reader cannot check the ICV anyway).
#pragma once

#include "keys/import.hpp"
#include "keys/receiver.hpp"
#include "vpnwire/esp/natt.hpp"

#include "esp_test_support.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace keys_test {

using vpnwire_cli::keys::address;
using vpnwire_cli::keys::imported_sa;

inline std::string sample(const std::string &name) {
  std::ifstream f(esp_test::source_path("tests/data/keys/" + name), std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Every SA of every sample file, in file order.
inline std::vector<imported_sa> every_sample_sa() {
  std::vector<imported_sa> all;
  for (const char *f : {"ip_xfrm_state.txt", "setkey_D.txt", "setkey_D_kame.txt", "tcpdump_secrets.txt", "esp_sa"}) {
    auto r = vpnwire_cli::keys::import_keys(sample(f), f);
    if (!r.ok()) std::abort();
    for (auto &sa : r.sas) all.push_back(std::move(sa));
  }
  return all;
}

/// A concrete address for a selector: the address itself, wildcard octets
/// filled with 7, or a documentation address of `family` for "*".
inline std::vector<std::uint8_t> concrete(const address &a, address::family_t family, std::uint8_t last) {
  if (a.is_any()) {
    if (family == address::family_t::ipv6) return {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
    return {192, 0, 2, last};
  }
  std::vector<std::uint8_t> out(a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.size()));
  for (std::size_t i = 0; i < out.size(); ++i)
    if (a.wild[i]) out[i] = 7;
  return out;
}

/// The family an SA's packets use: its addresses', IPv4 when both are "*".
inline address::family_t family_of(const imported_sa &sa) {
  if (!sa.destination.is_any()) return sa.destination.family;
  if (!sa.source.is_any()) return sa.source.family;
  return address::family_t::ipv4;
}

/// One ESP packet for `sa` in an outer IP (and, for NAT-T, UDP/4500) header.
struct sample_packet {
  std::vector<std::byte> ip;    ///< the whole outer datagram
  std::vector<std::byte> esp;   ///< the ESP packet from its SPI
  std::vector<std::byte> inner; ///< what the SA protects
  std::uint8_t next_header = 0;
  std::uint64_t sequence = 0;
};

/// Builds a packet for `sa`: tunnel mode (or mode unknown) carries an inner
/// IPv4/UDP packet (next header 4), transport mode a UDP datagram (17).
inline sample_packet packet_for(const imported_sa &sa, std::size_t len, std::uint64_t seq, std::mt19937 &rng) {
  namespace esp = vpnwire::esp;
  sample_packet p;
  p.sequence = seq;
  const auto fam = family_of(sa);
  const auto src = concrete(sa.source, fam, 1);
  const auto dst = concrete(sa.destination, fam, 2);
  auto as_bytes = [](const std::vector<std::uint8_t> &v) {
    std::vector<std::byte> b(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) b[i] = static_cast<std::byte>(v[i]);
    return b;
  };
  const auto src_b = as_bytes(src);
  const auto dst_b = as_bytes(dst);
  if (sa.config.mode == esp::sa_mode::transport && sa.mode_known) {
    p.inner = esp_test::udp_datagram(5000, 6000, len, static_cast<unsigned>(len), src_b, dst_b);
    p.next_header = 17;
  } else {
    const std::array<std::byte, 4> is{std::byte{10}, std::byte{1}, std::byte{0}, std::byte{1}};
    const std::array<std::byte, 4> id{std::byte{10}, std::byte{2}, std::byte{0}, std::byte{2}};
    p.inner =
        esp_test::ipv4_packet(17, esp_test::udp_datagram(5000, 6000, len, static_cast<unsigned>(len), is, id),
                              esp_test::v4_inner_src, esp_test::v4_inner_dst, static_cast<std::uint16_t>(0x100 + len));
    p.next_header = 4;
  }
  esp::sa_config cfg = sa.config;
  if (sa.any_spi) cfg.spi = 0x7a7a0001;
  std::vector<std::byte> ik = sa.integrity_key;
  if (ik.empty() && cfg.integrity != esp::integrity::none) {
    ik.resize(cfg.integrity_key_size());
    for (auto &b : ik) b = static_cast<std::byte>(rng());
  }
  auto t = cfg.is_aead() || cfg.integrity != esp::integrity::none
               ? esp::crypto::openssl_transform::make(cfg, sa.cipher_key, ik)
               : esp::crypto::openssl_transform::make_without_integrity(cfg, sa.cipher_key);
  if (!t) std::abort();
  p.esp = esp_test::build_esp_packet(cfg, *t, rng, seq, p.inner, p.next_header);
  std::vector<std::byte> l4 = p.esp;
  std::uint8_t proto = 50;
  if (cfg.udp_encap) {
    std::vector<std::byte> udp(8);
    if (!esp::build_udp_header(udp, cfg.udp_source_port, cfg.udp_destination_port, 8 + l4.size())) std::abort();
    udp.insert(udp.end(), l4.begin(), l4.end());
    l4 = std::move(udp);
    proto = 17;
  }
  if (fam == address::family_t::ipv6) {
    std::array<std::byte, 16> s{}, d{};
    std::copy(src_b.begin(), src_b.end(), s.begin());
    std::copy(dst_b.begin(), dst_b.end(), d.begin());
    if (proto == 17) { // IPv6: the UDP checksum is not optional
      vpnwire::core::checksum_accumulator acc;
      acc.add(s);
      acc.add(d);
      acc.add_u32(static_cast<std::uint32_t>(l4.size()));
      acc.add_u32(17);
      acc.add(l4);
      const std::uint16_t c = acc.finish();
      vpnwire::core::store_be16(l4.data() + 6, c == 0 ? 0xFFFF : c);
    }
    p.ip = esp_test::ipv6_packet(proto, l4, s, d);
  } else {
    p.ip = esp_test::ipv4_packet(proto, l4, {src[0], src[1], src[2], src[3]}, {dst[0], dst[1], dst[2], dst[3]});
  }
  return p;
}

} // namespace keys_test
