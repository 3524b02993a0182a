// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// The sum is computed over host-order 16-bit words in carry-free 32-bit blocks
// that the compiler vectorises, and byte-swapped once at the end (RFC 1071
// §2(B), byte-order independence): about twice the textbook loop's throughput
// on 576- and 1500-byte packets (bench/core_bench.cpp). Up to 64 bytes (a
// header) a short inlined loop over 32-bit words does the same.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/detail/config.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace core {

/// A running one's-complement sum. Feed it spans in order (odd lengths are
/// fine anywhere), then take finish() for the checksum field value.
class checksum_accumulator {
public:
  constexpr checksum_accumulator() noexcept = default;

  /// Adds bytes that follow the bytes added so far.
  VPNWIRE_ALWAYS_INLINE void add(bytes_view data) noexcept {
    if (data.size() <= small_limit && !odd_) {
      add_small(data.data(), data.size());
    } else {
      add_large(data);
    }
  }
  /// Adds one big-endian 16-bit word (for pseudo-headers). Only valid at an even offset.
  constexpr void add_u16(std::uint16_t v) noexcept { sum_ += v; }
  /// Adds a big-endian 32-bit value as two words (addresses in pseudo-headers).
  constexpr void add_u32(std::uint32_t v) noexcept { sum_ += (v >> 16) + (v & 0xFFFFU); }

  /// The folded 16-bit one's-complement sum (not inverted).
  [[nodiscard]] constexpr std::uint16_t sum() const noexcept {
    std::uint64_t s = sum_;
    while ((s >> 16) != 0) s = (s & 0xFFFFU) + (s >> 16);
    return static_cast<std::uint16_t>(s);
  }
  /// The checksum field value: the complement of the sum.
  [[nodiscard]] constexpr std::uint16_t finish() const noexcept { return static_cast<std::uint16_t>(~sum()); }

private:
  // Headers (IPv4: 20 to 60 bytes) take a short scalar loop over 32-bit
  // words into a 64-bit sum, inlined: the vectorised loop's set-up costs
  // more than a whole header.
  static constexpr std::size_t small_limit = 64;
  VPNWIRE_ALWAYS_INLINE void add_small(const std::byte *p, std::size_t n) noexcept {
    std::uint64_t sum = 0;
    for (; n >= 4; p += 4, n -= 4) {
      std::uint32_t w;
      std::memcpy(&w, p, 4);
      sum += w;
    }
    if (n >= 2) {
      std::uint16_t w;
      std::memcpy(&w, p, 2);
      sum += w;
      p += 2;
      n -= 2;
    }
    finish_span(sum, p, n);
  }

  void add_large(bytes_view data) noexcept {
    const std::byte *p = data.data();
    std::size_t n = data.size();
    if (n == 0) return;
    if (odd_) { // the previous span ended mid-word: this byte is the low half
      add_word16(0, static_cast<std::uint8_t>(*p));
      ++p;
      --n;
      odd_ = false;
    }
    // Host-order 16-bit words summed into a 32-bit accumulator: a block of
    // up to 65536 words cannot overflow it, so there is no carry to track and
    // the compiler vectorises the inner loop (RFC 1071 §2(B): byte order is
    // fixed up once at the end).
    std::uint64_t sum = 0;
    while (n >= 2) {
      const std::size_t words = std::min<std::size_t>(n / 2, 65536);
      std::uint32_t block = 0;
      for (std::size_t i = 0; i < words; ++i) {
        std::uint16_t w;
        std::memcpy(&w, p + 2 * i, 2);
        block += w;
      }
      sum += block;
      p += 2 * words;
      n -= 2 * words;
    }
    finish_span(sum, p, n);
  }

  // Ends a span: adds its odd trailing byte, if any (n is 0 or 1), zero
  // padded (RFC 1071), then the span's host-order sum.
  VPNWIRE_ALWAYS_INLINE void finish_span(std::uint64_t sum, const std::byte *p, std::size_t n) noexcept {
    if (n != 0) {
      std::uint16_t w = 0;
      std::memcpy(&w, p, 1);
      sum += w;
      odd_ = true;
    }
    add_host_sum(sum);
  }

  // Folds a host-order sum of 16-bit words (or of 32-bit words: the same
  // thing after the end-around carry) to 16 bits and adds it in network order.
  VPNWIRE_ALWAYS_INLINE void add_host_sum(std::uint64_t sum) noexcept {
    std::uint64_t folded = fold64(sum);
    if constexpr (std::endian::native == std::endian::little) folded = swap16(static_cast<std::uint16_t>(folded));
    sum_ += folded;
  }

  static constexpr std::uint16_t swap16(std::uint16_t v) noexcept {
    return static_cast<std::uint16_t>((v >> 8) | (v << 8));
  }
  static constexpr std::uint64_t fold64(std::uint64_t sum) noexcept {
    // end-around carry: fold 64 -> 16 bits
    std::uint64_t s = (sum & 0xFFFFFFFFU) + (sum >> 32);
    s = (s & 0xFFFFU) + ((s >> 16) & 0xFFFFU) + (s >> 32);
    s = (s & 0xFFFFU) + (s >> 16);
    s = (s & 0xFFFFU) + (s >> 16);
    return s;
  }
  constexpr void add_word16(std::uint8_t hi, std::uint8_t lo) noexcept {
    sum_ += static_cast<std::uint64_t>(hi) << 8 | lo;
  }

  std::uint64_t sum_ = 0;
  bool odd_ = false;
};

/// The Internet checksum of data: the value to store in a checksum field
/// (big-endian). Verifying a block that contains its own checksum yields 0.
[[nodiscard]] inline std::uint16_t internet_checksum(bytes_view data) noexcept {
  checksum_accumulator acc;
  acc.add(data);
  return acc.finish();
}

/// The Internet checksum of a header whose length is a multiple of 4 (an
/// IPv4 header: 20 to 60 bytes), the same value as internet_checksum() but
/// computed with a few 32-bit loads and no loop set-up; this is on the path
/// of every fragment and every reassembled datagram.
/// Precondition: len % 4 == 0 and p points at len readable bytes.
[[nodiscard]] VPNWIRE_ALWAYS_INLINE std::uint16_t header_checksum(const std::byte *p, std::size_t len) noexcept {
  auto word = [p](std::size_t i) {
    std::uint32_t w;
    std::memcpy(&w, p + i, 4);
    return std::uint64_t{w};
  };
  std::uint64_t s = 0;
  std::size_t i = 0;
  if (len >= 20) {
    s = word(0) + word(4) + word(8) + word(12) + word(16);
    i = 20;
  }
  for (; i + 4 <= len; i += 4) s += word(i);
  // Host-order end-around-carry fold to 16 bits (RFC 1071 §2(B)), then to
  // network order.
  s = (s & 0xFFFFFFFFU) + (s >> 32);
  s = (s & 0xFFFFU) + (s >> 16);
  s = (s & 0xFFFFU) + (s >> 16);
  s = (s & 0xFFFFU) + (s >> 16);
  auto h = static_cast<std::uint16_t>(s);
  if constexpr (std::endian::native == std::endian::little) h = static_cast<std::uint16_t>((h >> 8) | (h << 8));
  return static_cast<std::uint16_t>(~h);
}

/// RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered
/// data changes from old_word to new_word: HC' = ~(~HC + ~m + m').
/// Unlike RFC 1141's formula it agrees with a full recomputation, including
/// when the result is 0x0000 (RFC 1624 §3-4).
[[nodiscard]] constexpr std::uint16_t checksum_update(std::uint16_t old_checksum, std::uint16_t old_word,
                                                      std::uint16_t new_word) noexcept {
  std::uint32_t s = static_cast<std::uint16_t>(~old_checksum);
  s += static_cast<std::uint16_t>(~old_word);
  s += new_word;
  s = (s & 0xFFFFU) + (s >> 16);
  s = (s & 0xFFFFU) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

/// RFC 1624 for a 32-bit field (for example an IPv4 address): two word updates.
[[nodiscard]] constexpr std::uint16_t checksum_update32(std::uint16_t old_checksum, std::uint32_t old_value,
                                                        std::uint32_t new_value) noexcept {
  const std::uint16_t c = checksum_update(old_checksum, static_cast<std::uint16_t>(old_value >> 16),
                                          static_cast<std::uint16_t>(new_value >> 16));
  return checksum_update(c, static_cast<std::uint16_t>(old_value & 0xFFFFU),
                         static_cast<std::uint16_t>(new_value & 0xFFFFU));
}

} // namespace core
} // namespace v1
} // namespace vpnwire
