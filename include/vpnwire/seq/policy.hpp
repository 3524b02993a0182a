// What a sequence reorder window does with a gap: the policy vocabulary of
// vpnwire::seq (see docs/reorder.md for how to pick one).
//
// A policy is any type with the members below (checked by window_policy).
// seq::policy carries them as run-time values, so one window type can be
// configured per session; a type with `static constexpr` members of the same
// names fixes them at compile time (see fixed_policy) and lets the compiler
// drop the branches a policy never takes.
#pragma once

#include "vpnwire/core/time.hpp"

#include <concepts>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace seq {

/// How the window treats numbers that do not arrive in order.
enum class reorder_mode : std::uint8_t {
  reorder,      ///< Hold early arrivals and release them in order (gaps skipped by timeout/depth).
  strict,       ///< Deliver only the expected number; anything else is handed back at once
                ///< (Linux L2TP with reorder timeout 0).
  pass_through, ///< No reordering: every arrival is delivered as it comes.
};

/// The enumerator's name, e.g. "pass_through".
[[nodiscard]] constexpr std::string_view name(reorder_mode v) noexcept {
  switch (v) {
  case reorder_mode::reorder: return "reorder";
  case reorder_mode::strict: return "strict";
  case reorder_mode::pass_through: return "pass_through";
  }
  return "unknown";
}

/// Where the expected sequence number comes from before the first delivery.
enum class anchor_mode : std::uint8_t {
  first_packet,   ///< The first arrival is delivered and fixes the expected number.
  explicit_value, ///< The constructor's `expected` argument fixes it.
  probation,      ///< The first arrivals are held for the probation time and the anchor
                  ///< moves back when a lower number arrives, so a swapped first pair is kept.
};

/// The enumerator's name, e.g. "probation".
[[nodiscard]] constexpr std::string_view name(anchor_mode v) noexcept {
  switch (v) {
  case anchor_mode::first_packet: return "first_packet";
  case anchor_mode::explicit_value: return "explicit_value";
  case anchor_mode::probation: return "probation";
  }
  return "unknown";
}

/// Run-time policy. The defaults give a reorder window with no timeout, no
/// depth limit, no resync and a first-packet anchor; combine the named
/// constructors with the with_*() modifiers, e.g.
/// `policy::with_timeout(30ms).with_depth(16).with_resync(8)`.
struct policy {
  reorder_mode mode = reorder_mode::reorder;
  /// A held item older than this is released: the gaps before it are
  /// skipped (never dropped). Zero: no timeout.
  duration timeout{0};
  /// Skip the first gap once this many items are held. Zero: only Capacity limits.
  std::uint32_t depth = 0;
  /// Resynchronise to the sender after this many consecutive out-of-window
  /// arrivals whose numbers run on one by one (a restarted peer). Zero: never.
  std::uint32_t resync_after = 0;
  anchor_mode anchor = anchor_mode::first_packet;
  /// How long the probation anchor holds the first arrivals; zero means `timeout`.
  duration probation{0};

  [[nodiscard]] static constexpr policy reordering() noexcept { return {}; }
  /// Deliver only in order (Linux L2TP with reorder timeout 0).
  [[nodiscard]] static constexpr policy strict() noexcept {
    policy p;
    p.mode = reorder_mode::strict;
    return p;
  }
  /// Reorder, skipping a gap once the oldest item waiting behind it is `t` old.
  [[nodiscard]] static constexpr policy with_timeout(duration t) noexcept {
    policy p;
    p.timeout = t;
    return p;
  }
  /// No reordering at all.
  [[nodiscard]] static constexpr policy pass_through() noexcept {
    policy p;
    p.mode = reorder_mode::pass_through;
    return p;
  }
  [[nodiscard]] constexpr policy and_timeout(duration t) const noexcept {
    policy p = *this;
    p.timeout = t;
    return p;
  }
  [[nodiscard]] constexpr policy with_depth(std::uint32_t k) const noexcept {
    policy p = *this;
    p.depth = k;
    return p;
  }
  [[nodiscard]] constexpr policy with_resync(std::uint32_t n) const noexcept {
    policy p = *this;
    p.resync_after = n;
    return p;
  }
  [[nodiscard]] constexpr policy with_anchor(anchor_mode a) const noexcept {
    policy p = *this;
    p.anchor = a;
    return p;
  }
  [[nodiscard]] constexpr policy with_probation(duration d) const noexcept {
    policy p = *this;
    p.anchor = anchor_mode::probation;
    p.probation = d;
    return p;
  }
};

/// The members a window reads from its Policy type.
template <class P>
concept window_policy = std::copyable<P> && requires(const P &p) {
  { p.mode } -> std::convertible_to<reorder_mode>;
  { p.timeout } -> std::convertible_to<duration>;
  { p.depth } -> std::convertible_to<std::uint32_t>;
  { p.resync_after } -> std::convertible_to<std::uint32_t>;
  { p.anchor } -> std::convertible_to<anchor_mode>;
  { p.probation } -> std::convertible_to<duration>;
};

/// A policy fixed at compile time (timeouts in nanoseconds), for windows
/// whose behaviour never changes: the unused branches compile away.
template <reorder_mode Mode, std::int64_t TimeoutNs = 0, std::uint32_t Depth = 0, std::uint32_t ResyncAfter = 0,
          anchor_mode Anchor = anchor_mode::first_packet, std::int64_t ProbationNs = 0>
struct fixed_policy {
  static constexpr reorder_mode mode = Mode;
  static constexpr duration timeout{TimeoutNs};
  static constexpr std::uint32_t depth = Depth;
  static constexpr std::uint32_t resync_after = ResyncAfter;
  static constexpr anchor_mode anchor = Anchor;
  static constexpr duration probation{ProbationNs};
};

static_assert(window_policy<policy>);
static_assert(window_policy<fixed_policy<reorder_mode::strict>>);

} // namespace seq
} // namespace v1
} // namespace vpnwire
