// Internal to the async HDLC codec: the SSSE3 (16 octets per step, table-driven shuffles) kernels, compiled
// with __attribute__((target)) and reached only after a run-time CPU check
// (hdlc_decoder::set_fast_paths, build_hdlc_frame). Not part of the API.
#pragma once

#include "vpnwire/ppp/detail/hdlc_swar.hpp"
#include "vpnwire/ppp/detail/x86.hpp"
#include "vpnwire/ppp/hdlc_types.hpp"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if VPNWIRE_PPP_X86
namespace vpnwire {
inline namespace v1 {
namespace ppp {
namespace detail {

// NOLINTBEGIN(portability-simd-intrinsics)
// The same two loops 16 octets at a time with SSSE3 (any x86-64 from 2006
// on): byte shuffles driven by compile-time tables compact (decode) or
// spread (encode) eight octets per lookup.
#define VPNWIRE_PPP_SSSE3 "sse2,ssse3,popcnt"

[[nodiscard]] inline bool cpu_has_ssse3() noexcept {
  return __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("popcnt");
}

// compact[m]: positions of the set bits of m in order, then 0x80 (zero).
using shuffle8_table = std::array<std::array<std::uint8_t, 8>, 256>;
consteval shuffle8_table make_compact_table() {
  shuffle8_table t{};
  for (unsigned m = 0; m < 256; ++m) {
    unsigned k = 0;
    for (unsigned b = 0; b < 8; ++b)
      if (((m >> b) & 1U) != 0) t[m][k++] = static_cast<std::uint8_t>(b);
    for (; k < 8; ++k) t[m][k] = 0x80;
  }
  return t;
}
inline constexpr shuffle8_table compact_table = make_compact_table();

// spread[m]: for each of 8 octets, index 8 (where a 0x7D waits) before it
// when bit m is set, then the octet's own index; the rest 0x80.
using shuffle16_table = std::array<std::array<std::uint8_t, 16>, 256>;
consteval shuffle16_table make_spread_table() {
  shuffle16_table t{};
  for (unsigned m = 0; m < 256; ++m) {
    unsigned k = 0;
    for (unsigned b = 0; b < 8; ++b) {
      if (((m >> b) & 1U) != 0) t[m][k++] = 8;
      t[m][k++] = static_cast<std::uint8_t>(b);
    }
    for (; k < 16; ++k) t[m][k] = 0x80;
  }
  return t;
}
inline constexpr shuffle16_table spread_table = make_spread_table();

__attribute__((target(VPNWIRE_PPP_SSSE3))) inline __m128i load_low8(const std::uint8_t *p) noexcept {
  __m128i v = _mm_setzero_si128();
  std::memcpy(&v, p, 8);
  return v;
}

__attribute__((target(VPNWIRE_PPP_SSSE3))) inline std::size_t
decode_run_ssse3(const unsigned char *p, std::size_t n, decode_cursor &c, std::uint32_t accm) noexcept {
  std::size_t i = 0;
  const __m128i flag = _mm_set1_epi8(static_cast<char>(hdlc_flag));
  const __m128i esc = _mm_set1_epi8(static_cast<char>(hdlc_escape));
  const __m128i below = _mm_set1_epi8(0x1F);
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i eight = _mm_set1_epi8(8);
  while (n - i >= 16 && c.len + 16 <= c.limit) {
    __m128i v;
    std::memcpy(&v, p + i, 16);
    const auto flags = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, flag)));
    std::uint32_t valid = 0xFFFF;
    std::size_t take = 16;
    if (flags != 0) {
      take = static_cast<std::size_t>(std::countr_zero(flags));
      valid = (1U << take) - 1;
    }
    const __m128i escv = _mm_cmpeq_epi8(v, esc);
    const std::uint32_t escapes = static_cast<std::uint32_t>(_mm_movemask_epi8(escv)) & valid;
    std::uint32_t drop = 0;
    if (accm != 0) {
      const std::uint32_t ctrl =
          static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, below), v))) & valid;
      if (accm == 0xFFFFFFFFU) {
        drop = ctrl;
      } else {
        for (std::uint32_t m = ctrl; m != 0; m &= m - 1) {
          const auto b = static_cast<unsigned>(std::countr_zero(m));
          if (((accm >> p[i + b]) & 1U) != 0) drop |= 1U << b;
        }
      }
    }
    const std::uint32_t follow = ((escapes << 1) | (c.escape ? 1U : 0U)) & valid;
    if (((follow & escapes) | (follow & drop)) != 0) return i;
    // Octets after an escape (byte-shifted escape mask, plus the carried one) get XOR 0x20.
    __m128i fv = _mm_slli_si128(escv, 1);
    if (c.escape) fv = _mm_or_si128(fv, _mm_cvtsi32_si128(0xFF));
    const __m128i data = _mm_xor_si128(v, _mm_and_si128(fv, space));
    const std::uint32_t keep = valid & ~escapes & ~drop;
    const std::uint32_t klo = keep & 0xFFU;
    const std::uint32_t khi = keep >> 8;
    const __m128i lo = _mm_shuffle_epi8(data, load_low8(compact_table[klo].data()));
    std::memcpy(c.out + c.len, &lo, 8);
    c.len += static_cast<std::size_t>(std::popcount(klo));
    const __m128i hi = _mm_shuffle_epi8(data, _mm_add_epi8(load_low8(compact_table[khi].data()), eight));
    std::memcpy(c.out + c.len, &hi, 8);
    c.len += static_cast<std::size_t>(std::popcount(khi));
    c.dropped += static_cast<std::uint64_t>(std::popcount(drop));
    if (take != 0) c.escape = ((escapes >> (take - 1)) & 1U) != 0;
    i += take;
    if (take < 16) return i;
  }
  return i;
}

__attribute__((target(VPNWIRE_PPP_SSSE3))) inline void encode_run_ssse3(const unsigned char *p, std::size_t n,
                                                                        unsigned char *out, std::size_t cap,
                                                                        std::size_t &i, std::size_t &o,
                                                                        const send_accm &map) noexcept {
  unsigned char map_bytes[32];
  for (std::size_t j = 0; j < 32; ++j)
    map_bytes[j] = static_cast<unsigned char>((map.words[j / 4] >> (8 * (j % 4))) & 0xFFU);
  __m128i map_lo;
  __m128i map_hi;
  std::memcpy(&map_lo, map_bytes, 16);
  std::memcpy(&map_hi, map_bytes + 16, 16);
  const __m128i bits = _mm_set1_epi64x(std::bit_cast<long long>(0x8040201008040201ULL)); // 1 << (c & 7)
  const __m128i low3 = _mm_set1_epi8(7);
  const __m128i low5 = _mm_set1_epi8(31);
  const __m128i fifteen = _mm_set1_epi8(15);
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i esc = _mm_set1_epi8(static_cast<char>(hdlc_escape));
  while (n - i >= 16 && cap - o >= 32) {
    __m128i v;
    std::memcpy(&v, p + i, 16);
    const __m128i idx = _mm_and_si128(_mm_srli_epi16(v, 3), low5);
    const __m128i upper = _mm_cmpgt_epi8(idx, fifteen);
    const __m128i word = _mm_or_si128(_mm_and_si128(upper, _mm_shuffle_epi8(map_hi, _mm_and_si128(idx, fifteen))),
                                      _mm_andnot_si128(upper, _mm_shuffle_epi8(map_lo, idx)));
    const __m128i bit = _mm_shuffle_epi8(bits, _mm_and_si128(v, low3));
    const __m128i escv = _mm_cmpeq_epi8(_mm_and_si128(word, bit), bit);
    const auto m = static_cast<std::uint32_t>(_mm_movemask_epi8(escv));
    const __m128i x = _mm_xor_si128(v, _mm_and_si128(escv, space));
    __m128i t;
    std::memcpy(&t, spread_table[m & 0xFFU].data(), 16);
    const __m128i a = _mm_shuffle_epi8(_mm_unpacklo_epi64(x, esc), t);
    std::memcpy(out + o, &a, 16);
    o += 8 + static_cast<std::size_t>(std::popcount(m & 0xFFU));
    std::memcpy(&t, spread_table[m >> 8].data(), 16);
    const __m128i b = _mm_shuffle_epi8(_mm_unpackhi_epi64(x, esc), t);
    std::memcpy(out + o, &b, 16);
    o += 8 + static_cast<std::size_t>(std::popcount(m >> 8));
    i += 16;
  }
}
// NOLINTEND(portability-simd-intrinsics)

} // namespace detail
} // namespace ppp
} // namespace v1
} // namespace vpnwire
#endif
