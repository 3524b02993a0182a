// Internal to the async HDLC codec: what the decoder and its fast paths
// share (the cursor over the decoder's buffer, frame limits, the FCS check)
// and the portable word-at-a-time (SWAR) kernels. Not part of the API.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/ppp/fcs.hpp"
#include "vpnwire/ppp/hdlc_types.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ppp {
namespace detail {

[[nodiscard]] constexpr std::size_t hdlc_min_frame(fcs_kind k) noexcept { return k == fcs_kind::fcs16 ? 4 : 6; }

[[nodiscard]] inline bool fcs_good(fcs_kind k, bytes_view frame) noexcept {
  return k == fcs_kind::fcs16 ? fcs16_update(fcs16_init, frame) == fcs16_good
                              : fcs32_update(fcs32_init, frame) == fcs32_good;
}

// State the fast paths share with the decoder.
struct decode_cursor {
  unsigned char *out;
  std::size_t len;
  std::size_t limit;
  bool escape;
  std::uint64_t dropped;
};

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

} // namespace detail
} // namespace ppp
} // namespace v1
} // namespace vpnwire
