// The concurrency tags of seq::reorder_window and the template's declaration
// (its two specialisations live in reorder_window.hpp and
// mpsc_reorder_window.hpp; include reorder_window.hpp to get both).
#pragma once

#include "vpnwire/seq/policy.hpp"

#include <cstddef>

namespace vpnwire {
inline namespace v1 {
namespace seq {

/// One thread calls everything; no atomics.
struct single_thread {};
/// Any number of threads insert concurrently (lock-free, wait-free when the
/// number is inside the window); one consumer thread drains and polls.
struct multi_producer {};

/// A fixed-memory sequence reorder window; see reorder_window.hpp.
template <class Item, unsigned SeqBits, std::size_t Capacity, window_policy Policy = policy,
          class Concurrency = single_thread>
class reorder_window;

} // namespace seq
} // namespace v1
} // namespace vpnwire
