// The PPP Frame Check Sequences of RFC 1662 (Appendix C): FCS-16 (CRC-CCITT,
// x^16 + x^12 + x^5 + 1) and FCS-32 (the IEEE 802.3 polynomial), both
// bit-reflected, initialised to all ones and sent complemented, least
// significant octet first.
//
// Two implementations behind one function, chosen at run time:
//  - slicing-by-8 over tables generated at compile time (any CPU);
//  - carry-less multiplication (PCLMULQDQ) folding 64 bytes per step, used
//    when the CPU has it and the buffer is long enough. The fold constants
//    are derived at compile time from the polynomial, so one routine serves
//    both widths.
// Neither keeps any mutable state; the CPU check reads the compiler
// runtime's feature word.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/ppp/detail/x86.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

/// Which frame check sequence a link uses (LCP option 9 negotiates FCS-32).
enum class fcs_kind : std::uint8_t { fcs16, fcs32 };

/// The enumerator's name, e.g. "fcs32".
[[nodiscard]] constexpr std::string_view name(fcs_kind v) noexcept {
  switch (v) {
  case fcs_kind::fcs16: return "fcs16";
  case fcs_kind::fcs32: return "fcs32";
  }
  return "unknown";
}

/// Octets the FCS occupies on the wire.
[[nodiscard]] constexpr std::size_t fcs_size(fcs_kind k) noexcept { return k == fcs_kind::fcs16 ? 2 : 4; }

inline constexpr std::uint16_t fcs16_init = 0xFFFF;     ///< Initial FCS-16 register.
inline constexpr std::uint16_t fcs16_good = 0xF0B8;     ///< Register after a frame with a good FCS-16.
inline constexpr std::uint32_t fcs32_init = 0xFFFFFFFF; ///< Initial FCS-32 register.
inline constexpr std::uint32_t fcs32_good = 0xDEBB20E3; ///< Register after a frame with a good FCS-32.

namespace detail {

// Reflected polynomials (bit i = coefficient of x^(w-1-i)) and the
// unreflected full polynomials including x^w, used to derive fold constants.
inline constexpr std::uint32_t poly16_reflected = 0x8408;
inline constexpr std::uint32_t poly32_reflected = 0xEDB88320;
inline constexpr std::uint64_t poly16_full = 0x11021;
inline constexpr std::uint64_t poly32_full = 0x104C11DB7;

using crc_tables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[k][b]: register after byte b followed by k zero bytes, from zero.
consteval crc_tables make_tables(std::uint32_t poly) {
  crc_tables t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t r = b;
    for (int i = 0; i < 8; ++i) r = (r & 1U) != 0 ? (r >> 1) ^ poly : r >> 1;
    t[0][b] = r;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFU];
  return t;
}
inline constexpr crc_tables tables16 = make_tables(poly16_reflected);
inline constexpr crc_tables tables32 = make_tables(poly32_reflected);

// Slicing-by-8: eight bytes per step, then one at a time.
[[nodiscard]] inline std::uint32_t crc_update_sliced(const crc_tables &t, std::uint32_t reg, const unsigned char *p,
                                                     std::size_t n) noexcept {
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    v = boost::endian::little_to_native(v) ^ reg;
    reg = t[7][v & 0xFFU] ^ t[6][(v >> 8) & 0xFFU] ^ t[5][(v >> 16) & 0xFFU] ^ t[4][(v >> 24) & 0xFFU] ^
          t[3][(v >> 32) & 0xFFU] ^ t[2][(v >> 40) & 0xFFU] ^ t[1][(v >> 48) & 0xFFU] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- != 0) reg = (reg >> 8) ^ t[0][(reg ^ *p++) & 0xFFU];
  return reg;
}

// x^n mod P (unreflected), P of degree w.
consteval std::uint64_t xpow_mod(unsigned n, std::uint64_t full, unsigned w) {
  std::uint64_t r = 1;
  for (unsigned i = 0; i < n; ++i) {
    r <<= 1;
    if ((r >> w) & 1U) r ^= full;
  }
  return r;
}
consteval std::uint64_t reverse64(std::uint64_t v) {
  std::uint64_t r = 0;
  for (int i = 0; i < 64; ++i) r |= ((v >> i) & 1U) << (63 - i);
  return r;
}

// Folding a 128-bit block A (first 8 stream bytes = high-degree half) forward
// by D bits multiplies it by x^D mod P. In the reflected register a
// carry-less product of two bit-reversed 64-bit values comes out shifted by
// one, which the exponents D+63 and D-1 (instead of D+64 and D) absorb.
struct fold_constants {
  std::uint64_t far_lo, far_hi;   // D = 512: four blocks in flight
  std::uint64_t near_lo, near_hi; // D = 128
};
consteval fold_constants make_fold(std::uint64_t full, unsigned w) {
  return {reverse64(xpow_mod(512 + 63, full, w)), reverse64(xpow_mod(512 - 1, full, w)),
          reverse64(xpow_mod(128 + 63, full, w)), reverse64(xpow_mod(128 - 1, full, w))};
}
inline constexpr fold_constants fold16 = make_fold(poly16_full, 16);
inline constexpr fold_constants fold32 = make_fold(poly32_full, 32);

#if VPNWIRE_PPP_X86
__attribute__((target("pclmul,sse2"))) inline __m128i fold_block(__m128i x, __m128i k) noexcept {
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}
__attribute__((target("pclmul,sse2"))) inline __m128i load128(const unsigned char *p) noexcept {
  __m128i v;
  std::memcpy(&v, p, 16);
  return v;
}

// Precondition: n >= 64. Folds the buffer down to 16 bytes whose CRC from a
// zero register equals the buffer's CRC from `reg`, then finishes with tables.
__attribute__((target("pclmul,sse2"))) inline std::uint32_t crc_update_clmul(const crc_tables &t,
                                                                             const fold_constants &c, std::uint32_t reg,
                                                                             const unsigned char *p,
                                                                             std::size_t n) noexcept {
  const __m128i k_far = _mm_set_epi64x(static_cast<long long>(c.far_hi), static_cast<long long>(c.far_lo));
  const __m128i k_near = _mm_set_epi64x(static_cast<long long>(c.near_hi), static_cast<long long>(c.near_lo));
  // XORing the register into the first bytes equals starting from it.
  __m128i x0 = _mm_xor_si128(load128(p), _mm_cvtsi32_si128(static_cast<int>(reg)));
  __m128i x1 = load128(p + 16);
  __m128i x2 = load128(p + 32);
  __m128i x3 = load128(p + 48);
  p += 64;
  n -= 64;
  while (n >= 64) {
    x0 = _mm_xor_si128(fold_block(x0, k_far), load128(p));
    x1 = _mm_xor_si128(fold_block(x1, k_far), load128(p + 16));
    x2 = _mm_xor_si128(fold_block(x2, k_far), load128(p + 32));
    x3 = _mm_xor_si128(fold_block(x3, k_far), load128(p + 48));
    p += 64;
    n -= 64;
  }
  __m128i x = _mm_xor_si128(fold_block(x0, k_near), x1);
  x = _mm_xor_si128(fold_block(x, k_near), x2);
  x = _mm_xor_si128(fold_block(x, k_near), x3);
  while (n >= 16) {
    x = _mm_xor_si128(fold_block(x, k_near), load128(p));
    p += 16;
    n -= 16;
  }
  unsigned char rest[16];
  std::memcpy(rest, &x, 16);
  reg = crc_update_sliced(t, 0, rest, 16);
  return crc_update_sliced(t, reg, p, n);
}

[[nodiscard]] inline bool cpu_has_pclmul() noexcept { return __builtin_cpu_supports("pclmul") != 0; }
#endif

[[nodiscard]] inline std::uint32_t crc_update(const crc_tables &t, const fold_constants &c, std::uint32_t reg,
                                              bytes_view data) noexcept {
  const unsigned char *p = core::uc(data.data());
#if VPNWIRE_PPP_X86
  if (data.size() >= 128 && cpu_has_pclmul()) return crc_update_clmul(t, c, reg, p, data.size());
#else
  (void)c;
#endif
  return crc_update_sliced(t, reg, p, data.size());
}

} // namespace detail

/// Runs the FCS-16 register over `data` (no init, no complement): start from
/// fcs16_init; after a frame plus its transmitted FCS the register is
/// fcs16_good when the frame is intact.
[[nodiscard]] inline std::uint16_t fcs16_update(std::uint16_t reg, bytes_view data) noexcept {
  return static_cast<std::uint16_t>(detail::crc_update(detail::tables16, detail::fold16, reg, data));
}
/// As fcs16_update for FCS-32 (fcs32_init, fcs32_good).
[[nodiscard]] inline std::uint32_t fcs32_update(std::uint32_t reg, bytes_view data) noexcept {
  return detail::crc_update(detail::tables32, detail::fold32, reg, data);
}
/// The FCS-16 value to transmit for `data` (complemented register; sent low octet first).
[[nodiscard]] inline std::uint16_t fcs16(bytes_view data) noexcept {
  return static_cast<std::uint16_t>(~fcs16_update(fcs16_init, data));
}
/// The FCS-32 value to transmit for `data` (complemented register; sent low octet first).
[[nodiscard]] inline std::uint32_t fcs32(bytes_view data) noexcept { return ~fcs32_update(fcs32_init, data); }

/// The table-only FCS-16 register update (no CPU dispatch); for tests and benchmarks.
[[nodiscard]] inline std::uint16_t fcs16_update_portable(std::uint16_t reg, bytes_view data) noexcept {
  return static_cast<std::uint16_t>(
      detail::crc_update_sliced(detail::tables16, reg, core::uc(data.data()), data.size()));
}
/// The table-only FCS-32 register update (no CPU dispatch); for tests and benchmarks.
[[nodiscard]] inline std::uint32_t fcs32_update_portable(std::uint32_t reg, bytes_view data) noexcept {
  return detail::crc_update_sliced(detail::tables32, reg, core::uc(data.data()), data.size());
}

} // namespace ppp
} // namespace v1
} // namespace vpnwire
