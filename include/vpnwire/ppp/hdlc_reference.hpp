// A byte-at-a-time async HDLC codec written straight from RFC 1662 §4 and
// its FCS computed bit by bit (no tables), with the same interface and
// semantics as hdlc_decoder / build_hdlc_frame. It is the oracle the fast codec is
// tested and fuzzed against; it is also usable where code size matters more
// than speed.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ppp/errc.hpp"
#include "vpnwire/ppp/fcs.hpp"
#include "vpnwire/ppp/hdlc.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

/// One bit at a time, least significant bit first (reflected), as RFC 1662
/// Appendix C describes the register.
[[nodiscard]] constexpr std::uint32_t fcs_update_bitwise(fcs_kind k, std::uint32_t reg, std::uint8_t octet) noexcept {
  const std::uint32_t poly = k == fcs_kind::fcs16 ? 0x8408U : 0xEDB88320U;
  reg ^= octet;
  for (int bit = 0; bit < 8; ++bit) reg = (reg & 1U) != 0 ? (reg >> 1) ^ poly : reg >> 1;
  return reg;
}

/// The reference decoder; see hdlc_decoder for the interface.
class hdlc_reference_decoder {
public:
  hdlc_reference_decoder(mutable_bytes buffer, hdlc_decoder_config config = {}) noexcept : buf_(buffer), cfg_(config) {}

  /// As hdlc_decoder::decode.
  [[nodiscard]] hdlc_step decode(bytes_view in) noexcept {
    for (std::size_t i = 0; i < in.size(); ++i) {
      const std::uint8_t c = core::load_u8(in.data() + i);
      const errc e = octet(c);
      if (e != errc::need_more_input) {
        hdlc_step s{e, i + 1, i, {}};
        if (e == errc::ok) s.frame = buf_.first(len_out_);
        return s;
      }
    }
    return {errc::need_more_input, in.size(), in.size(), {}};
  }
  [[nodiscard]] const hdlc_decoder_counters &counters() const noexcept { return counters_; }

private:
  // One octet of input; need_more_input unless a frame ended with a report.
  errc octet(std::uint8_t c) noexcept {
    if (c == hdlc_flag) {
      // The flag closes the current frame and opens the next.
      const bool was_open = open_;
      const bool aborted = escape_;
      const std::size_t n = len_;
      open_ = true;
      escape_ = false;
      len_ = 0;
      if (!was_open) return errc::need_more_input;
      if (aborted) {
        ++counters_.aborted_frames;
        return errc::frame_aborted;
      }
      if (n == 0) {
        ++counters_.empty_frames;
        return errc::need_more_input;
      }
      const std::size_t fcs_len = fcs_size(cfg_.fcs);
      if (n < (cfg_.fcs == fcs_kind::fcs16 ? 4U : 6U)) {
        ++counters_.short_frames;
        return errc::frame_too_short;
      }
      std::uint32_t reg = cfg_.fcs == fcs_kind::fcs16 ? fcs16_init : fcs32_init;
      for (std::size_t i = 0; i < n; ++i) reg = fcs_update_bitwise(cfg_.fcs, reg, core::load_u8(buf_.data() + i));
      const std::uint32_t good = cfg_.fcs == fcs_kind::fcs16 ? fcs16_good : fcs32_good;
      if (reg != good) {
        ++counters_.fcs_errors;
        return errc::bad_fcs;
      }
      ++counters_.frames;
      len_out_ = n - fcs_len;
      return errc::ok;
    }
    if (!open_) {
      ++counters_.hunt_discarded;
      return errc::need_more_input;
    }
    // §4.2: mapped control characters are removed before anything else.
    if (c < 0x20 && ((cfg_.receive_accm >> c) & 1U) != 0) {
      ++counters_.control_dropped;
      return errc::need_more_input;
    }
    if (escape_) {
      escape_ = false;
      c = static_cast<std::uint8_t>(c ^ 0x20U);
    } else if (c == hdlc_escape) {
      escape_ = true;
      return errc::need_more_input;
    }
    const std::size_t limit = cfg_.mru + fcs_size(cfg_.fcs) < buf_.size() ? cfg_.mru + fcs_size(cfg_.fcs) : buf_.size();
    if (len_ >= limit) {
      ++counters_.long_frames;
      open_ = false; // hunt for the next flag
      len_ = 0;
      return errc::frame_too_long;
    }
    core::store_u8(buf_.data() + len_++, c);
    return errc::need_more_input;
  }

  mutable_bytes buf_;
  hdlc_decoder_config cfg_;
  std::size_t len_ = 0;
  std::size_t len_out_ = 0;
  bool open_ = false;
  bool escape_ = false;
  hdlc_decoder_counters counters_{};
};

/// The reference encoder; see build_hdlc_frame.
[[nodiscard]] inline result<std::size_t, errc>
build_hdlc_frame_reference(mutable_bytes out, const hdlc_encoder_config &cfg, bytes_view frame) noexcept {
  // RFC 1662 §7.1: 7D and 7E always escaped; 5E never (7D 7E would abort).
  const send_accm map = cfg.accm;
  std::size_t w = 0;
  auto raw = [&](std::uint8_t c) noexcept {
    if (w >= out.size()) return false;
    core::store_u8(out.data() + w++, c);
    return true;
  };
  auto put = [&](std::uint8_t c) noexcept {
    if (map.escaped(c)) return raw(hdlc_escape) && raw(static_cast<std::uint8_t>(c ^ 0x20U));
    return raw(c);
  };
  if (cfg.leading_flag && !raw(hdlc_flag)) return fail(errc::buffer_too_small, out.size());
  std::uint32_t reg = cfg.fcs == fcs_kind::fcs16 ? fcs16_init : fcs32_init;
  for (std::byte b : frame) {
    const auto c = std::to_integer<std::uint8_t>(b);
    reg = fcs_update_bitwise(cfg.fcs, reg, c);
    if (!put(c)) return fail(errc::buffer_too_small, out.size());
  }
  reg = ~reg;
  for (std::size_t k = 0; k < fcs_size(cfg.fcs); ++k)
    if (!put(static_cast<std::uint8_t>((reg >> (8 * k)) & 0xFFU))) return fail(errc::buffer_too_small, out.size());
  if (!raw(hdlc_flag)) return fail(errc::buffer_too_small, out.size());
  return w;
}

} // namespace ppp
} // namespace v1
} // namespace vpnwire
