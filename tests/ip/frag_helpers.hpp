// Test helpers for the ip area: deterministic datagrams and hand-made
// fragments built field by field (independently of ip::fragmenter, so the
// reassembler tests do not trust the code they could share a bug with).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace ip_test {

using bytes = std::vector<std::byte>;

struct frag_spec {
  std::uint32_t src = 0xC0000201; // 192.0.2.1
  std::uint32_t dst = 0xC6336407; // 198.51.100.7
  std::uint8_t proto = 17;
  std::uint16_t id = 0x4242;
  std::uint8_t ihl = 5;
  bool df = false;
};

/// An IPv4 packet with the given offset (bytes), MF flag and payload; the
/// header checksum is correct. Options (ihl > 5) are NOPs ending in EOL.
inline bytes make_packet(const frag_spec &s, std::uint32_t offset, bool mf, std::span<const std::byte> data) {
  const std::size_t hlen = std::size_t{s.ihl} * 4;
  bytes p(hlen + data.size());
  std::byte *o = p.data();
  o[0] = static_cast<std::byte>(0x40 | s.ihl);
  o[1] = std::byte{0};
  vpnwire::core::store_be16(o + 2, static_cast<std::uint16_t>(p.size()));
  vpnwire::core::store_be16(o + 4, s.id);
  std::uint16_t ff = static_cast<std::uint16_t>(offset / 8);
  if (mf) ff |= 0x2000;
  if (s.df) ff |= 0x4000;
  vpnwire::core::store_be16(o + 6, ff);
  o[8] = std::byte{64};
  o[9] = static_cast<std::byte>(s.proto);
  vpnwire::core::store_be32(o + 12, s.src);
  vpnwire::core::store_be32(o + 16, s.dst);
  for (std::size_t i = 20; i < hlen; ++i) o[i] = std::byte{1};
  if (hlen > 20) o[hlen - 1] = std::byte{0};
  for (std::size_t i = 0; i < data.size(); ++i) o[hlen + i] = data[i];
  vpnwire::core::store_be16(o + 10, vpnwire::core::internet_checksum(std::span<const std::byte>(o, hlen)));
  return p;
}

/// Deterministic pseudo-random payload.
inline bytes payload(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  bytes b(n);
  for (auto &x : b) x = static_cast<std::byte>(rng());
  return b;
}

inline bytes filled(std::size_t n, char c) { return bytes(n, static_cast<std::byte>(c)); }

/// A fragment of `whole` (the datagram payload) covering [start, end).
inline bytes frag_of(const frag_spec &s, const bytes &whole, std::uint32_t start, std::uint32_t end, bool mf) {
  return make_packet(s, start, mf, std::span<const std::byte>(whole).subspan(start, end - start));
}

/// Splits a payload into fragments of `size` data bytes (a multiple of 8).
inline std::vector<bytes> split(const frag_spec &s, const bytes &whole, std::size_t size) {
  std::vector<bytes> out;
  for (std::size_t off = 0; off < whole.size(); off += size) {
    const std::size_t end = std::min(whole.size(), off + size);
    out.push_back(
        frag_of(s, whole, static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(end), end != whole.size()));
  }
  return out;
}

} // namespace ip_test
