// The vocabulary of the async HDLC codec (RFC 1662 §4): the flag and escape
// octets, the send ACCM, the decoder's and encoder's settings, what a decode
// step reports and the decoder's counters. hdlc.hpp has the codec itself.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/ppp/errc.hpp"
#include "vpnwire/ppp/fcs.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

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

/// The enumerator's name, e.g. "ssse3".
[[nodiscard]] constexpr std::string_view name(hdlc_fast_path f) noexcept {
  switch (f) {
  case hdlc_fast_path::none: return "none";
  case hdlc_fast_path::word: return "word";
  case hdlc_fast_path::ssse3: return "ssse3";
  case hdlc_fast_path::best: return "best";
  }
  return "unknown";
}

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

/// Encoder settings.
struct hdlc_encoder_config {
  fcs_kind fcs = fcs_kind::fcs16;
  send_accm accm = send_accm::rfc_default();
  bool leading_flag = true; ///< Write an opening flag (omit between back-to-back frames).
  hdlc_fast_path fast_paths = hdlc_fast_path::best;
};

} // namespace ppp
} // namespace v1
} // namespace vpnwire
