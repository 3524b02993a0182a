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
//
// The codec's vocabulary (send_accm, the configs, hdlc_step) is in
// hdlc_types.hpp; the vector kernels are in ppp/detail/ (one header per
// instruction set).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ppp/detail/hdlc_avx512.hpp"
#include "vpnwire/ppp/detail/hdlc_ssse3.hpp"
#include "vpnwire/ppp/detail/hdlc_swar.hpp"
#include "vpnwire/ppp/detail/x86.hpp"
#include "vpnwire/ppp/errc.hpp"
#include "vpnwire/ppp/fcs.hpp"
#include "vpnwire/ppp/hdlc_types.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

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
        // Word at a time while no octet needs an escape (the encoder's own
        // loop: a separate kernel costs the word path ~8%).
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
