// Baseline for bench/ppp_bench.cpp: async HDLC the classic way, one octet per
// loop iteration with the 256-entry FCS-16 table of RFC 1662 Appendix C, as
// the Linux ppp_async driver (async_encode, ppp_async_input) and pppd's
// userspace framing do it. Written for the comparison; not part of the
// library. FCS-16 only, frames delivered into a caller buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ppp_async_baseline {

inline constexpr std::array<std::uint16_t, 256> fcstab = [] {
  std::array<std::uint16_t, 256> t{};
  for (unsigned b = 0; b < 256; ++b) {
    unsigned v = b;
    for (int i = 0; i < 8; ++i) v = (v & 1U) != 0 ? (v >> 1) ^ 0x8408U : v >> 1;
    t[b] = static_cast<std::uint16_t>(v);
  }
  return t;
}();

inline std::uint16_t fcs_byte(std::uint16_t fcs, std::uint8_t c) {
  return static_cast<std::uint16_t>((fcs >> 8) ^ fcstab[(fcs ^ c) & 0xFFU]);
}

// Encoder: opening flag, per-octet FCS update and ACCM test, FCS, flag.
// `xaccm` is the 256-bit transmit map (bit c%32 of word c/32). Returns bytes
// written; `out` must hold 2 * (n + 2) + 2.
inline std::size_t encode(const std::uint8_t *p, std::size_t n, std::uint8_t *out, const std::uint32_t *xaccm) {
  std::size_t w = 0;
  out[w++] = 0x7E;
  std::uint16_t fcs = 0xFFFF;
  auto put = [&](std::uint8_t c) {
    if (((xaccm[c >> 5] >> (c & 31U)) & 1U) != 0 || c == 0x7D || c == 0x7E) {
      out[w++] = 0x7D;
      out[w++] = static_cast<std::uint8_t>(c ^ 0x20U);
    } else {
      out[w++] = c;
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t c = p[i];
    fcs = fcs_byte(fcs, c);
    put(c);
  }
  fcs = static_cast<std::uint16_t>(~fcs);
  put(static_cast<std::uint8_t>(fcs & 0xFFU));
  put(static_cast<std::uint8_t>(fcs >> 8));
  out[w++] = 0x7E;
  return w;
}

// Streaming decoder: one octet per step, FCS updated as octets are stored.
class decoder {
public:
  decoder(std::uint8_t *buf, std::size_t cap, std::uint32_t raccm) : buf_(buf), cap_(cap), raccm_(raccm) {}

  // Consumes input up to and including the flag that ends a good frame;
  // returns the octets consumed and sets `frame_len` (0: no frame ended).
  std::size_t decode(const std::uint8_t *p, std::size_t n, std::size_t &frame_len) {
    frame_len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t c = p[i];
      if (c == 0x7E) {
        const bool good = !escape_ && !toss_ && len_ >= 4 && fcs_ == 0xF0B8;
        const std::size_t len = len_;
        len_ = 0;
        fcs_ = 0xFFFF;
        escape_ = toss_ = false;
        if (good) {
          frame_len = len - 2;
          return i + 1;
        }
        continue;
      }
      if (c < 0x20 && ((raccm_ >> c) & 1U) != 0) continue;
      if (c == 0x7D) {
        escape_ = true;
        continue;
      }
      if (escape_) {
        c ^= 0x20;
        escape_ = false;
      }
      if (len_ >= cap_) {
        toss_ = true;
        continue;
      }
      buf_[len_++] = c;
      fcs_ = fcs_byte(fcs_, c);
    }
    return n;
  }

private:
  std::uint8_t *buf_;
  std::size_t cap_;
  std::uint32_t raccm_;
  std::size_t len_ = 0;
  std::uint16_t fcs_ = 0xFFFF;
  bool escape_ = false;
  bool toss_ = false;
};

} // namespace ppp_async_baseline
