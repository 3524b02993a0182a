// Internal to the async HDLC codec: the AVX-512 VBMI2 (64 octets per decode step, 32 per encode step) kernels, compiled
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
#define VPNWIRE_PPP_AVX512 "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,bmi,bmi2,popcnt"

[[nodiscard]] inline bool cpu_has_avx512_vbmi2() noexcept {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi") &&
         __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
}

// 64 octets per step: find escapes, flags and mapped control characters by
// compare masks, XOR the octets after escapes, compress out escapes and
// dropped characters. Processes the octets before a flag, then stops. Blocks
// where an escape follows an escape or a dropped character follows an escape
// (never produced by a conforming sender) are left to the scalar loop.
// `accm_table` holds 0xFF at index c (< 32) when c is in the receive ACCM.
__attribute__((target(VPNWIRE_PPP_AVX512))) inline std::size_t
decode_run_avx512(const unsigned char *p, std::size_t n, decode_cursor &c, std::uint32_t accm,
                  const unsigned char *accm_table) noexcept {
  std::size_t i = 0;
  const __m512i flag = _mm512_set1_epi8(static_cast<char>(hdlc_flag));
  const __m512i esc = _mm512_set1_epi8(static_cast<char>(hdlc_escape));
  const __m512i space = _mm512_set1_epi8(0x20);
  const __m512i table = _mm512_loadu_si512(accm_table);
  while (n - i >= 64 && c.len + 64 <= c.limit) {
    const __m512i v = _mm512_loadu_si512(p + i);
    const std::uint64_t flags = _mm512_cmpeq_epi8_mask(v, flag);
    std::uint64_t valid = ~std::uint64_t{0};
    std::size_t take = 64;
    if (flags != 0) {
      take = static_cast<std::size_t>(std::countr_zero(flags));
      valid = (std::uint64_t{1} << take) - 1; // take < 64
    }
    const std::uint64_t escapes = _mm512_cmpeq_epi8_mask(v, esc) & valid;
    std::uint64_t drop = 0;
    if (accm != 0) {
      const std::uint64_t ctrl = _mm512_cmplt_epu8_mask(v, space) & valid;
      if (ctrl != 0 && accm == 0xFFFFFFFFU) {
        drop = ctrl;
      } else if (ctrl != 0) {
        // table[c & 63] is 0xFF for mapped characters; only c < 0x20 counts.
        const __m512i mapped = _mm512_maskz_permutexvar_epi8(~__mmask64{0}, v, table);
        drop = _mm512_test_epi8_mask(mapped, mapped) & ctrl;
      }
    }
    const std::uint64_t follow = ((escapes << 1) | (c.escape ? 1U : 0U)) & valid;
    if (((follow & escapes) | (follow & drop)) != 0) return i;
    const __m512i data = _mm512_mask_blend_epi8(follow, v, _mm512_xor_si512(v, space));
    const std::uint64_t keep = valid & ~escapes & ~drop;
    _mm512_storeu_si512(c.out + c.len, _mm512_maskz_compress_epi8(keep, data));
    c.len += static_cast<std::size_t>(std::popcount(keep));
    c.dropped += static_cast<std::uint64_t>(std::popcount(drop));
    if (take != 0) c.escape = ((escapes >> (take - 1)) & 1U) != 0;
    i += take;
    if (take < 64) return i;
  }
  return i;
}

// 32 input octets per step: escape mask by table lookup in the 256-bit map,
// output positions by bit deposit/extract, octets placed by expand.
__attribute__((target(VPNWIRE_PPP_AVX512))) inline void encode_run_avx512(const unsigned char *p, std::size_t n,
                                                                          unsigned char *out, std::size_t cap,
                                                                          std::size_t &i, std::size_t &o,
                                                                          const send_accm &map) noexcept {
  // Byte j of the map holds octets 8j..8j+7 (little-endian words); `map`
  // is already effective(). Both 256-bit halves get a copy for vpermb.
  unsigned char map_bytes[64];
  for (std::size_t j = 0; j < 32; ++j)
    map_bytes[j] = map_bytes[j + 32] = static_cast<unsigned char>((map.words[j / 4] >> (8 * (j % 4))) & 0xFFU);
  const __m512i table = _mm512_loadu_si512(map_bytes);
  const __m512i bits = _mm512_set1_epi64(std::bit_cast<long long>(0x8040201008040201ULL)); // 1 << (c & 7);
  const __m512i low3 = _mm512_set1_epi8(7);
  const __m512i low5 = _mm512_set1_epi8(31);
  const __m512i space = _mm512_set1_epi8(0x20);
  const __m512i esc = _mm512_set1_epi8(static_cast<char>(hdlc_escape));
  while (n - i >= 32 && cap - o >= 64) {
    // A masked load of the 32 octets (the other lanes are neither read nor faulted).
    const __m512i v = _mm512_maskz_loadu_epi8(0xFFFFFFFFULL, p + i);
    const __m512i idx = _mm512_and_si512(_mm512_srli_epi16(v, 3), low5);
    const __m512i word = _mm512_maskz_permutexvar_epi8(~__mmask64{0}, idx, table);
    const __m512i bit = _mm512_shuffle_epi8(bits, _mm512_and_si512(v, low3));
    const std::uint64_t m = _mm512_test_epi8_mask(word, bit) & 0xFFFFFFFFULL;
    const __m512i x = _mm512_mask_blend_epi8(m, v, _mm512_xor_si512(v, space));
    const std::uint64_t spread = _pdep_u64(m, 0x5555555555555555ULL);
    const std::uint64_t positions = _pext_u64(0xAAAAAAAAAAAAAAAAULL, spread | 0xAAAAAAAAAAAAAAAAULL);
    _mm512_storeu_si512(out + o, _mm512_mask_expand_epi8(esc, positions, x));
    o += 32 + static_cast<std::size_t>(std::popcount(m));
    i += 32;
  }
}
// NOLINTEND(portability-simd-intrinsics)

} // namespace detail
} // namespace ppp
} // namespace v1
} // namespace vpnwire
#endif
