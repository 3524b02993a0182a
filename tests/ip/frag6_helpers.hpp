// Test helpers for IPv6 fragments, built field by field with the byte
// stores only (independently of the library's IPv6 builders and views, so
// the reassembler tests do not trust code they could share a bug with).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace ip6_test {

using bytes = std::vector<std::byte>;
using address = std::array<std::byte, 16>;

inline address addr(std::uint8_t last, std::uint8_t first = 0x20) {
  address a{};
  a[0] = std::byte{first};
  a[1] = std::byte{0x01};
  a[2] = std::byte{0x0d};
  a[3] = std::byte{0xb8};
  a[15] = std::byte{last};
  return a;
}

/// One extension header of the unfragmentable part: its type and its total
/// size (a multiple of 8; filled with one experimental option, type 0x1E,
/// whose action is "skip": Linux rejects PadN longer than 7 bytes).
struct ext {
  std::uint8_t type = 0;
  std::size_t size = 8;
};

struct frag6_spec {
  address src = addr(1);
  address dst = addr(2);
  std::uint32_t id = 0x42424242;
  /// The Fragment header's Next Header (the protocol of the reassembled payload).
  std::uint8_t next = 17;
  /// Extension headers before the Fragment header.
  std::vector<ext> unfragmentable{};
  std::uint8_t hop_limit = 64;
};

namespace detail {
// Fixed header plus the unfragmentable extension headers; the last Next
// Header field names `after`.
inline bytes head(const frag6_spec &s, std::uint8_t after, std::size_t payload_len) {
  bytes p(40);
  vpnwire::core::store_be32(p.data(), 0x60000000U);
  vpnwire::core::store_be16(p.data() + 4, static_cast<std::uint16_t>(payload_len));
  p[6] = static_cast<std::byte>(s.unfragmentable.empty() ? after : s.unfragmentable[0].type);
  p[7] = std::byte{s.hop_limit};
  std::copy(s.src.begin(), s.src.end(), p.begin() + 8);
  std::copy(s.dst.begin(), s.dst.end(), p.begin() + 24);
  for (std::size_t i = 0; i < s.unfragmentable.size(); ++i) {
    const std::size_t at = p.size();
    p.resize(at + s.unfragmentable[i].size);
    p[at] = static_cast<std::byte>(i + 1 < s.unfragmentable.size() ? s.unfragmentable[i + 1].type : after);
    p[at + 1] = static_cast<std::byte>(s.unfragmentable[i].size / 8 - 1);
    if (s.unfragmentable[i].size > 2) {
      p[at + 2] = std::byte{0x1E}; // RFC 4727 experimental option, skipped by receivers
      p[at + 3] = static_cast<std::byte>(s.unfragmentable[i].size - 4);
    }
  }
  return p;
}
inline std::size_t unfragmentable_size(const frag6_spec &s) {
  std::size_t n = 0;
  for (const auto &e : s.unfragmentable) n += e.size;
  return n;
}
} // namespace detail

/// A fragment: offset (bytes), M flag and data.
inline bytes make_frag6(const frag6_spec &s, std::uint32_t offset, bool mf, std::span<const std::byte> data) {
  const std::size_t plen = detail::unfragmentable_size(s) + 8 + data.size();
  bytes p = detail::head(s, 44, plen);
  const std::size_t at = p.size();
  p.resize(at + 8);
  p[at] = std::byte{s.next};
  p[at + 1] = std::byte{0};
  vpnwire::core::store_be16(p.data() + at + 2, static_cast<std::uint16_t>(offset | (mf ? 1U : 0U)));
  vpnwire::core::store_be32(p.data() + at + 4, s.id);
  p.insert(p.end(), data.begin(), data.end());
  return p;
}

/// The packet a reassembly of `payload` must give: the unfragmentable part
/// with the Fragment header's Next Header, then the payload.
inline bytes whole6(const frag6_spec &s, std::span<const std::byte> payload) {
  bytes p = detail::head(s, s.next, detail::unfragmentable_size(s) + payload.size());
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

/// A fragment of `whole` (the fragmentable part) covering [start, end).
inline bytes frag6_of(const frag6_spec &s, const bytes &whole, std::uint32_t start, std::uint32_t end, bool mf) {
  return make_frag6(s, start, mf, std::span<const std::byte>(whole).subspan(start, end - start));
}

/// Splits a fragmentable part into fragments of `size` data bytes (a multiple of 8).
inline std::vector<bytes> split6(const frag6_spec &s, const bytes &whole, std::size_t size) {
  std::vector<bytes> out;
  for (std::size_t off = 0; off < whole.size(); off += size) {
    const std::size_t end = std::min(whole.size(), off + size);
    out.push_back(
        frag6_of(s, whole, static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(end), end != whole.size()));
  }
  return out;
}

/// Deterministic pseudo-random bytes.
inline bytes payload6(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  bytes b(n);
  for (auto &x : b) x = static_cast<std::byte>(rng());
  return b;
}

inline bytes filled6(std::size_t n, char c) { return bytes(n, static_cast<std::byte>(c)); }

} // namespace ip6_test
