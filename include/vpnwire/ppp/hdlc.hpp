// The async HDLC-like framing of RFC 1662 §4, as pppd speaks it over a tty or
// pty: frames between 0x7E flags, 0x7D escapes (next octet XOR 0x20), control
// characters mapped by the Async-Control-Character-Map, and an FCS-16 or
// FCS-32 trailer.
//
//  - hdlc_decoder: streaming; input may be split at any byte (also inside an
//    escape). Decoded frames go into one caller-owned buffer; nothing is
//    allocated. Fast paths, chosen at run time: 64 octets at a time with
//    AVX-512 VBMI2 (compress), 16 with SSSE3 (table-driven shuffles), else 8
//    (SWAR); the FCS is then checked over the decoded frame (fcs.hpp).
//  - build_hdlc_frame: escapes per a 256-bit send ACCM plus 0x7D and 0x7E and
//    appends the FCS. Fast paths: 32 input octets at a time with AVX-512
//    VBMI2 (expand), 16 with SSSE3, else 8.
//
// Decoder semantics (also those of the byte-at-a-time reference in
// hdlc_reference.hpp, the test oracle):
//  - Before the first flag and after an over-long frame, octets are
//    discarded until a flag ("hunting").
//  - Receive order per RFC 1662 §4.2: control characters (< 0x20) set in the
//    receive ACCM are removed first; then a 0x7D is removed and the next
//    octet (whatever it is, 0x7D included) XORed with 0x20; 0x7D then 0x7E
//    aborts the frame.
//  - Flags with nothing between them are dropped silently (counted).
//  - A frame (after unescaping, FCS included) is at least 4 octets with
//    FCS-16 (6 with FCS-32) and at most MRU + FCS octets.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ppp/errc.hpp"
#include "vpnwire/ppp/fcs.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

inline constexpr std::uint8_t hdlc_flag = 0x7E;   ///< Flag Sequence.
inline constexpr std::uint8_t hdlc_escape = 0x7D; ///< Control Escape.

/// A 256-bit send ACCM: bit (c % 32) of words[c / 32] set means octet c is
/// escaped. 0x7D and 0x7E are always escaped whatever the map says; 0x5E
/// never is (escaped it would read 7D 7E, an abort).
struct send_accm {
  std::array<std::uint32_t, 8> words{};

  /// The RFC 1662 default: all of 0x00..0x1F (plus 0x7D, 0x7E).
  [[nodiscard]] static constexpr send_accm rfc_default() noexcept { return from_async_map(0xFFFFFFFFU); }
  /// The map LCP negotiates (option 2): the 32 control characters only.
  [[nodiscard]] static constexpr send_accm from_async_map(std::uint32_t map) noexcept {
    send_accm a;
    a.words[0] = map;
    return a;
  }
  /// Marks octet c as escaped.
  constexpr void set(std::uint8_t c) noexcept { words[c >> 5] |= std::uint32_t{1} << (c & 31U); }
  /// Marks octet c as sent as is (0x7D and 0x7E are escaped regardless).
  constexpr void clear(std::uint8_t c) noexcept { words[c >> 5] &= ~(std::uint32_t{1} << (c & 31U)); }
  /// True when octet c goes out escaped.
  [[nodiscard]] constexpr bool escaped(std::uint8_t c) const noexcept {
    return c == hdlc_flag || c == hdlc_escape || (c != 0x5E && ((words[c >> 5] >> (c & 31U)) & 1U) != 0);
  }
  /// The map as the encoders apply it: 7D and 7E set, 5E clear.
  [[nodiscard]] constexpr send_accm effective() const noexcept {
    send_accm a = *this;
    a.set(hdlc_flag);
    a.set(hdlc_escape);
    a.clear(0x5E);
    return a;
  }
};

/// Upper bound of build_hdlc_frame's output for a frame of n octets.
[[nodiscard]] constexpr std::size_t hdlc_encoded_size_max(std::size_t n, fcs_kind k) noexcept {
  return 2 + 2 * (n + fcs_size(k));
}

/// Which fast path the codec may use. `best` picks AVX-512 VBMI2 (64
/// octets per step) when the CPU has it, else SSSE3 (16), else the word
/// path; the others exist so tests can prove every path against the
/// reference on any machine (a path the CPU lacks falls back to `word`).
enum class hdlc_fast_path : std::uint8_t {
  none,  ///< The byte loop only.
  word,  ///< 8 octets at a time (portable SWAR).
  ssse3, ///< 16 octets at a time with SSSE3 shuffles.
  best,  ///< The widest vector path the CPU has.
};

/// Receive-side settings.
struct hdlc_decoder_config {
  fcs_kind fcs = fcs_kind::fcs16;
  std::uint32_t receive_accm = 0xFFFFFFFFU; ///< Control characters removed on receipt.
  std::size_t mru = 1500;                   ///< Largest frame (without FCS) accepted.
};

/// What one hdlc_decoder::decode() call found. Always advance the input by
/// `consumed` and call again while input remains.
struct hdlc_step {
  /// ok: `frame` holds a frame. need_more_input: all input consumed without a
  /// frame ending. frame_too_short, frame_too_long, frame_aborted, bad_fcs:
  /// a frame was discarded for that reason.
  errc code = errc::need_more_input;
  std::size_t consumed = 0; ///< Input octets consumed by this call.
  std::size_t offset = 0;   ///< Offset in this call's input of the octet that ended the frame or caused the error.
  /// ok only: the frame without its FCS, in the decoder's buffer; valid until the next decode().
  bytes_view frame{};
};

/// One counter per outcome.
struct hdlc_decoder_counters {
  std::uint64_t frames = 0;          ///< Good frames delivered.
  std::uint64_t empty_frames = 0;    ///< Flag pairs with nothing between (dropped silently).
  std::uint64_t short_frames = 0;    ///< frame_too_short.
  std::uint64_t long_frames = 0;     ///< frame_too_long.
  std::uint64_t aborted_frames = 0;  ///< frame_aborted.
  std::uint64_t fcs_errors = 0;      ///< bad_fcs.
  std::uint64_t control_dropped = 0; ///< Octets removed by the receive ACCM.
  std::uint64_t hunt_discarded = 0;  ///< Octets discarded while hunting for a flag.
};

namespace detail {

[[nodiscard]] constexpr std::size_t hdlc_min_frame(fcs_kind k) noexcept { return k == fcs_kind::fcs16 ? 4 : 6; }

[[nodiscard]] inline bool fcs_good(fcs_kind k, bytes_view frame) noexcept {
  return k == fcs_kind::fcs16 ? fcs16_update(fcs16_init, frame) == fcs16_good
                              : fcs32_update(fcs32_init, frame) == fcs32_good;
}

// SWAR: nonzero iff some byte of v is zero / below n (n <= 128).
[[nodiscard]] constexpr std::uint64_t has_zero_byte(std::uint64_t v) noexcept {
  return (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
}
[[nodiscard]] constexpr std::uint64_t has_byte_below(std::uint64_t v, std::uint64_t n) noexcept {
  return (v - 0x0101010101010101ULL * n) & ~v & 0x8080808080808080ULL;
}
[[nodiscard]] constexpr std::uint64_t has_byte(std::uint64_t v, std::uint8_t c) noexcept {
  return has_zero_byte(v ^ (0x0101010101010101ULL * c));
}

// State the fast paths share with the decoder.
struct decode_cursor {
  unsigned char *out;
  std::size_t len;
  std::size_t limit;
  bool escape;
  std::uint64_t dropped;
};

// Word-at-a-time: copies 8-octet words with no flag, escape or control
// character; stops at the first word that has one (the scalar loop takes it).
[[nodiscard]] inline std::size_t decode_run_swar(const unsigned char *p, std::size_t n, decode_cursor &c,
                                                 bool check_control) noexcept {
  if (c.escape) return 0;
  std::size_t i = 0;
  while (n - i >= 8 && c.len + 8 <= c.limit) {
    std::uint64_t v;
    std::memcpy(&v, p + i, 8);
    std::uint64_t special = has_byte(v, hdlc_flag) | has_byte(v, hdlc_escape);
    if (check_control) special |= has_byte_below(v, 0x20);
    if (special != 0) break;
    std::memcpy(c.out + c.len, &v, 8);
    c.len += 8;
    i += 8;
  }
  return i;
}

#if VPNWIRE_PPP_X86
// x86-only code, reached only after a run-time CPU check.
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
#endif

} // namespace detail

/// The streaming async HDLC decoder. It writes into the caller's buffer;
/// a copy shares that buffer, so keep one decoder per buffer.
class hdlc_decoder {
public:
  /// `buffer` receives decoded frames; frames longer than
  /// min(config.mru, buffer.size() - FCS size) are frame_too_long.
  hdlc_decoder(mutable_bytes buffer, hdlc_decoder_config config = {}) noexcept : buf_(buffer), cfg_(config) {
    const std::size_t want = cfg_.mru + fcs_size(cfg_.fcs);
    limit_ = std::min(want, buf_.size());
    for (unsigned ch = 0; ch < 32; ++ch)
      accm_table_[ch] = ((cfg_.receive_accm >> ch) & 1U) != 0 ? std::uint8_t{0xFF} : std::uint8_t{0};
#if VPNWIRE_PPP_X86
    set_fast_paths(hdlc_fast_path::best);
#endif
  }

  /// Consumes input until a frame ends (delivered or discarded) or the input
  /// is exhausted. Errors, in step.code: need_more_input, frame_too_short,
  /// frame_too_long (reported at the octet that overflowed; the rest up to
  /// the next flag is discarded), frame_aborted, bad_fcs. Never fails
  /// otherwise; any input is accepted.
  [[nodiscard]] hdlc_step decode(bytes_view in) noexcept {
    const unsigned char *p = core::uc(in.data());
    const std::size_t n = in.size();
    std::size_t i = 0;
    while (i < n) {
      if (state_ == state::in_frame && fast_ != hdlc_fast_path::none) i += fast_run(p + i, n - i);
      const std::size_t stop = std::min(n, i + 64);
      for (; i < stop; ++i) {
        const std::uint8_t b = p[i];
        if (b == hdlc_flag) {
          const errc e = end_frame();
          if (e != errc::need_more_input) {
            hdlc_step s{e, i + 1, i, {}};
            if (e == errc::ok) s.frame = frame_;
            return s;
          }
          continue;
        }
        if (state_ != state::in_frame) {
          ++counters_.hunt_discarded;
          continue;
        }
        if (b < 0x20 && ((cfg_.receive_accm >> b) & 1U) != 0) {
          ++counters_.control_dropped;
          continue;
        }
        std::uint8_t d = b;
        if (escape_) {
          d = static_cast<std::uint8_t>(b ^ 0x20U);
          escape_ = false;
        } else if (b == hdlc_escape) {
          escape_ = true;
          continue;
        }
        if (len_ == limit_) {
          ++counters_.long_frames;
          state_ = state::hunting;
          len_ = 0;
          return {errc::frame_too_long, i + 1, i, {}};
        }
        core::store_u8(buf_.data() + len_++, d);
      }
    }
    return {errc::need_more_input, n, n, {}};
  }

  /// Forgets any partial frame and hunts for the next flag.
  void reset() noexcept {
    state_ = state::hunting;
    escape_ = false;
    len_ = 0;
  }
  /// Restricts the fast paths (hdlc_fast_path::best by default).
  void set_fast_paths(hdlc_fast_path f) noexcept {
    fast_ = f;
    use_avx512_ = false;
    use_ssse3_ = false;
#if VPNWIRE_PPP_X86
    use_avx512_ = f == hdlc_fast_path::best && detail::cpu_has_avx512_vbmi2();
    use_ssse3_ = !use_avx512_ && (f == hdlc_fast_path::best || f == hdlc_fast_path::ssse3) && detail::cpu_has_ssse3();
#endif
  }

  [[nodiscard]] const hdlc_decoder_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] const hdlc_decoder_config &config() const noexcept { return cfg_; }
  /// True between a flag and the next one (a frame may be under way).
  [[nodiscard]] bool in_frame() const noexcept { return state_ == state::in_frame; }
  /// True when the last octet seen was a Control Escape.
  [[nodiscard]] bool escape_pending() const noexcept { return escape_; }
  /// Octets of the current partial frame.
  [[nodiscard]] std::size_t partial_size() const noexcept { return len_; }

private:
  enum class state : std::uint8_t { hunting, in_frame };

  std::size_t fast_run(const unsigned char *p, std::size_t n) noexcept {
    detail::decode_cursor c{core::uc(buf_.data()), len_, limit_, escape_, 0};
    std::size_t k = 0;
#if VPNWIRE_PPP_X86
    if (use_avx512_)
      k = detail::decode_run_avx512(p, n, c, cfg_.receive_accm, accm_table_.data());
    else if (use_ssse3_)
      k = detail::decode_run_ssse3(p, n, c, cfg_.receive_accm);
    else
#endif
      k = detail::decode_run_swar(p, n, c, cfg_.receive_accm != 0);
    len_ = c.len;
    escape_ = c.escape;
    counters_.control_dropped += c.dropped;
    return k;
  }

  // A flag ended whatever was in progress; returns need_more_input when
  // nothing is reported (hunting, or an empty frame).
  errc end_frame() noexcept {
    if (state_ != state::in_frame) {
      state_ = state::in_frame;
      escape_ = false;
      len_ = 0;
      return errc::need_more_input;
    }
    const std::size_t len = len_;
    len_ = 0;
    if (escape_) {
      escape_ = false;
      ++counters_.aborted_frames;
      return errc::frame_aborted;
    }
    if (len == 0) {
      ++counters_.empty_frames;
      return errc::need_more_input;
    }
    if (len < detail::hdlc_min_frame(cfg_.fcs)) {
      ++counters_.short_frames;
      return errc::frame_too_short;
    }
    const bytes_view whole = buf_.first(len);
    if (!detail::fcs_good(cfg_.fcs, whole)) {
      ++counters_.fcs_errors;
      return errc::bad_fcs;
    }
    ++counters_.frames;
    frame_ = whole.first(len - fcs_size(cfg_.fcs));
    return errc::ok;
  }

  mutable_bytes buf_;
  hdlc_decoder_config cfg_;
  std::size_t limit_ = 0;
  std::size_t len_ = 0;
  state state_ = state::hunting;
  bool escape_ = false;
  hdlc_fast_path fast_ = hdlc_fast_path::best;
  bool use_avx512_ = false;
  bool use_ssse3_ = false;
  std::array<std::uint8_t, 64> accm_table_{};
  bytes_view frame_{};
  hdlc_decoder_counters counters_{};
};

/// Encoder settings.
struct hdlc_encoder_config {
  fcs_kind fcs = fcs_kind::fcs16;
  send_accm accm = send_accm::rfc_default();
  bool leading_flag = true; ///< Write an opening flag (omit between back-to-back frames).
  hdlc_fast_path fast_paths = hdlc_fast_path::best;
};

/// Frames `frame` (Address through information field, no FCS) for an async
/// link at the start of `out`: [7E] escaped(frame, FCS) 7E. Returns the
/// octets written.
/// Errors: buffer_too_small (offset = out.size(); the octets before the end
/// of `out` may have been written; hdlc_encoded_size_max() always suffices).
[[nodiscard]] inline result<std::size_t, errc> build_hdlc_frame(mutable_bytes out, const hdlc_encoder_config &cfg,
                                                                bytes_view frame) noexcept {
  const send_accm map = cfg.accm.effective();
  unsigned char fcs[4];
  std::size_t fcs_len = 0;
  if (cfg.fcs == fcs_kind::fcs16) {
    const std::uint16_t f = fcs16(frame);
    fcs[0] = static_cast<unsigned char>(f & 0xFFU);
    fcs[1] = static_cast<unsigned char>(f >> 8);
    fcs_len = 2;
  } else {
    const std::uint32_t f = fcs32(frame);
    for (std::size_t k = 0; k < 4; ++k) fcs[k] = static_cast<unsigned char>((f >> (8 * k)) & 0xFFU);
    fcs_len = 4;
  }
  unsigned char *o = core::uc(out.data());
  const std::size_t cap = out.size();
  std::size_t w = 0;
  auto put = [&](unsigned char c) noexcept -> bool {
    if (map.escaped(c)) {
      if (cap - w < 2) return false;
      o[w] = hdlc_escape;
      o[w + 1] = static_cast<unsigned char>(c ^ 0x20U);
      w += 2;
    } else {
      if (cap - w < 1) return false;
      o[w++] = c;
    }
    return true;
  };
  if (cfg.leading_flag) {
    if (cap < 1) return fail(errc::buffer_too_small, cap);
    o[w++] = hdlc_flag;
  }
  const unsigned char *p = core::uc(frame.data());
  const std::size_t n = frame.size();
  std::size_t i = 0;
  bool plain_high = true; // no octet >= 0x20 escaped except 7D, 7E
  for (std::size_t k = 1; k < 8; ++k) plain_high = plain_high && map.words[k] == (k == 3 ? 0x60000000U : 0U);
#if VPNWIRE_PPP_X86
  const bool avx512 = cfg.fast_paths == hdlc_fast_path::best && detail::cpu_has_avx512_vbmi2();
  const bool ssse3 = !avx512 && (cfg.fast_paths == hdlc_fast_path::best || cfg.fast_paths == hdlc_fast_path::ssse3) &&
                     detail::cpu_has_ssse3();
#endif
  while (i < n) {
    if (cfg.fast_paths != hdlc_fast_path::none) {
#if VPNWIRE_PPP_X86
      if (avx512)
        detail::encode_run_avx512(p, n, o, cap, i, w, map);
      else if (ssse3)
        detail::encode_run_ssse3(p, n, o, cap, i, w, map);
#endif
      if (plain_high) {
        const bool ctrl = map.words[0] != 0;
        while (n - i >= 8 && cap - w >= 8) {
          std::uint64_t v;
          std::memcpy(&v, p + i, 8);
          std::uint64_t special = detail::has_byte(v, hdlc_flag) | detail::has_byte(v, hdlc_escape);
          if (ctrl) special |= detail::has_byte_below(v, 0x20);
          if (special != 0) break;
          std::memcpy(o + w, &v, 8);
          w += 8;
          i += 8;
        }
      }
    }
    const std::size_t stop = std::min(n, i + 8);
    for (; i < stop; ++i)
      if (!put(p[i])) return fail(errc::buffer_too_small, cap);
  }
  for (std::size_t k = 0; k < fcs_len; ++k)
    if (!put(fcs[k])) return fail(errc::buffer_too_small, cap);
  if (cap - w < 1) return fail(errc::buffer_too_small, cap);
  o[w++] = hdlc_flag;
  return w;
}

/// As above with the default configuration (FCS-16, the RFC 1662 default
/// ACCM, an opening flag, the fastest path the CPU has).
[[nodiscard]] inline result<std::size_t, errc> build_hdlc_frame(mutable_bytes out, bytes_view frame) noexcept {
  return build_hdlc_frame(out, hdlc_encoder_config{}, frame);
}

} // namespace ppp
} // namespace v1
} // namespace vpnwire
