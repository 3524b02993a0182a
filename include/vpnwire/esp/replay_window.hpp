// Anti-replay window for ESP (RFC 4303 §3.4.3), kept as a ring of 64-bit
// words as in RFC 6479: advancing the window clears whole words and never
// shifts the bitmap, so the cost of a commit does not grow with the window.
//
// check() and commit() are separate on purpose: the receiver checks before
// spending work on the ICV and commits only after the ICV (and the trailer)
// proved the packet genuine, so a forged packet can never move the window.
//
// Sequence numbers here are the full 64-bit values; with ESN the caller first
// reconstructs the high half with infer_esn() (RFC 4303 Appendix A2.1).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// Outcome of a replay check.
enum class replay_check : std::uint8_t {
  fresh,         ///< Not yet seen and inside or right of the window.
  replayed,      ///< Already committed.
  left_of_window ///< Older than the window (or outside the 64-bit sequence space).
};

/// The enumerator's name: "fresh", "replayed" or "left_of_window".
[[nodiscard]] constexpr std::string_view name(replay_check c) noexcept {
  switch (c) {
  case replay_check::fresh: return "fresh";
  case replay_check::replayed: return "replayed";
  case replay_check::left_of_window: return "left_of_window";
  }
  return "unknown";
}

/// A window that accepts the `Size` newest sequence numbers ending at the
/// highest one committed. Size is from 32 to 65536 (RFC 4303 default 64).
template <std::size_t Size = 64> class replay_window {
  static_assert(Size >= 32 && Size <= 65536, "window size must be in [32, 65536]");

public:
  static constexpr std::size_t size = Size;
  /// Words in the ring: at least one more than the window spans, a power of two
  /// so the ring index is a mask (RFC 6479 §2).
  static constexpr std::size_t words = std::bit_ceil((Size + 63) / 64 + 1);

  /// The highest sequence number committed; 0 before the first commit.
  [[nodiscard]] constexpr std::uint64_t top() const noexcept { return top_; }

  /// Would `seq` be accepted? Does not change the window. seq 0 is never
  /// fresh (it is "before" the first packet).
  [[nodiscard]] constexpr replay_check check(std::uint64_t seq) const noexcept {
    if (seq > top_) return replay_check::fresh;
    if (seq == 0 || top_ - seq >= Size) return replay_check::left_of_window;
    return (bitmap_[word_index(seq)] & bit(seq)) != 0 ? replay_check::replayed : replay_check::fresh;
  }

  /// Records `seq` as received. Precondition: check(seq) == fresh (a commit of
  /// anything else is ignored, so the window can never be corrupted).
  constexpr void commit(std::uint64_t seq) noexcept {
    if (check(seq) != replay_check::fresh) return;
    if (seq > top_) {
      const std::uint64_t old_word = top_ / 64;
      const std::uint64_t new_word = seq / 64;
      std::uint64_t clear = new_word - old_word;
      if (clear > words) clear = words;
      for (std::uint64_t i = 1; i <= clear; ++i) bitmap_[word_index((old_word + i) * 64)] = 0;
      top_ = seq;
    }
    bitmap_[word_index(seq)] |= bit(seq);
  }

  /// Forgets everything and marks `highest_seen` as received (0: as new).
  /// For restoring an SA or starting a test at a given point of the space.
  constexpr void reset(std::uint64_t highest_seen = 0) noexcept {
    bitmap_ = {};
    top_ = highest_seen;
    if (highest_seen != 0) bitmap_[word_index(highest_seen)] |= bit(highest_seen);
  }

private:
  [[nodiscard]] static constexpr std::size_t word_index(std::uint64_t seq) noexcept {
    return static_cast<std::size_t>((seq / 64) & (words - 1));
  }
  [[nodiscard]] static constexpr std::uint64_t bit(std::uint64_t seq) noexcept {
    return std::uint64_t{1} << (seq % 64);
  }

  std::array<std::uint64_t, words> bitmap_{};
  std::uint64_t top_ = 0;
};

/// The full 64-bit sequence number of a packet carrying `seq_low`, given the
/// highest number received so far (`top`) and the window size, per RFC 4303
/// Appendix A2.1 (its cases A and B). Returns false when the number would fall
/// outside the 64-bit space (before 1, or after 2^64 - 1): such a packet can
/// only be stale or forged.
[[nodiscard]] constexpr bool infer_esn(std::uint64_t top, std::uint32_t seq_low, std::size_t window_size,
                                       std::uint64_t &out) noexcept {
  const auto tl = static_cast<std::uint32_t>(top);
  const auto th = static_cast<std::uint32_t>(top >> 32);
  const auto w = static_cast<std::uint32_t>(window_size);
  const std::uint32_t bottom = tl - w + 1; // modulo 2^32, as in the RFC
  std::uint32_t sh = th;
  if (tl >= w - 1) {
    // Case A: the window lies within one subspace.
    if (seq_low < bottom) {
      if (th == 0xFFFFFFFFU) return false;
      sh = th + 1;
    }
  } else {
    // Case B: the window spans two subspaces.
    if (seq_low >= bottom) {
      if (th == 0) return false;
      sh = th - 1;
    }
  }
  out = (std::uint64_t{sh} << 32) | seq_low;
  return true;
}

} // namespace esp
} // namespace v1
} // namespace vpnwire
