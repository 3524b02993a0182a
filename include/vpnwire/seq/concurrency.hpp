// The concurrency tags of seq::reorder_window and the template's declaration
// (its two specialisations live in reorder_window.hpp, single-threaded, and
// mpsc_reorder_window.hpp, multi-producer; reorder_windows.hpp has both).
#pragma once

#include "vpnwire/core/serial.hpp"
#include "vpnwire/seq/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace seq {

/// One thread calls everything; no atomics.
struct single_thread {};
/// Any number of threads insert concurrently (lock-free, wait-free when the
/// number is inside the window); one consumer thread drains and polls.
struct multi_producer {};

/// Whether `Sink` may be a window's sink (or reject callback) for these
/// arguments. Delivery runs inside noexcept calls (insert, poll, flush,
/// drain): a sink that throws would terminate the program, so a sink must be
/// declared noexcept, e.g. `[&](auto seq, auto &&item) noexcept { ... }`.
/// The windows check it with a static_assert wherever they take a sink.
template <class Sink, class... Args> inline constexpr bool nothrow_sink = std::is_nothrow_invocable_v<Sink &, Args...>;

namespace detail {
/// What both variants of reorder_window require of their parameters (an
/// empty base of each, so the checks are written once).
template <class Item, unsigned SeqBits, std::size_t Capacity> struct window_requirements {
  static_assert(Capacity >= 1 && (Capacity & (Capacity - 1)) == 0, "Capacity must be a power of two");
  static_assert(static_cast<std::uint64_t>(Capacity) < core::serial<SeqBits>::half,
                "Capacity must be below 2^(SeqBits-1)");
  static_assert(std::is_default_constructible_v<Item> && std::is_nothrow_move_constructible_v<Item> &&
                    std::is_nothrow_move_assignable_v<Item>,
                "Item must be default-constructible and nothrow-movable");
};
} // namespace detail

/// A fixed-memory sequence reorder window; see reorder_window.hpp.
template <class Item, unsigned SeqBits, std::size_t Capacity, window_policy Policy = policy,
          class Concurrency = single_thread>
class reorder_window;

} // namespace seq
} // namespace v1
} // namespace vpnwire
