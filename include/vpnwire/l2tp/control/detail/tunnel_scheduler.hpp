// Which tunnel slots of an endpoint need attention, so that the endpoint's
// polls cost what is pending instead of the size of its table (internal to
// l2tp::control::endpoint).
//
// Three structures over slot indices 0..n-1, each holding a slot at most
// once: a FIFO of slots that may have a datagram to send, a FIFO of slots
// that may have events, and a min-heap of the slots' next deadlines, kept
// current through a list of slots whose deadline may have moved. A tunnel
// reports every change through its change hook (tunnel::set_change_hook),
// which calls mark(); the endpoint then looks at marked slots only.
//
// Memory: 29 bytes per slot, allocated once by allocate(); nothing after.
#pragma once

#include "vpnwire/core/time.hpp"
#include "vpnwire/detail/heap_array.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {
namespace detail {

/// A FIFO of slot indices for n slots, each slot in it at most once (the
/// scheduler keeps the membership bits), so n entries always suffice.
class slot_fifo {
public:
  [[nodiscard]] bool allocate(std::size_t n) noexcept {
    ring_ = vpnwire::detail::heap_array<std::uint32_t>::make(n);
    clear();
    return ring_.allocated(n);
  }
  void clear() noexcept { head_ = count_ = 0; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::uint32_t front() const noexcept { return ring_[head_]; }
  void push(std::uint32_t slot) noexcept { ring_[(head_ + count_++) % ring_.size()] = slot; }
  /// Removes the front slot and returns it.
  std::uint32_t pop() noexcept {
    const std::uint32_t s = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    --count_;
    return s;
  }
  /// Moves the front slot to the back.
  void rotate() noexcept { push(pop()); }

private:
  vpnwire::detail::heap_array<std::uint32_t> ring_;
  std::size_t head_ = 0, count_ = 0;
};

class tunnel_scheduler {
public:
  static constexpr std::uint32_t none = 0xFFFFFFFFU;

  /// Sizes every structure for `n` slots, all empty. False when the memory
  /// cannot be had: the scheduler then holds no slot at all (never some
  /// arrays sized and others empty).
  [[nodiscard]] bool allocate(std::size_t n) noexcept {
    using vpnwire::detail::heap_array;
    flags_ = heap_array<std::uint8_t>::make(n);
    stale_ = heap_array<std::uint32_t>::make(n);
    heap_ = heap_array<std::uint32_t>::make(n);
    pos_ = heap_array<std::uint32_t>::make_filled(n, none);
    deadline_ = heap_array<time_point>::make_filled(n, time_point::max());
    const bool ok = tx_.allocate(n) && ev_.allocate(n) && flags_.allocated(n) && stale_.allocated(n) &&
                    heap_.allocated(n) && pos_.allocated(n) && deadline_.allocated(n);
    if (!ok) {
      tx_ = {};
      ev_ = {};
      flags_ = {};
      stale_ = {};
      heap_ = {};
      pos_ = {};
      deadline_ = {};
    }
    clear();
    return ok;
  }

  /// The number of slots (0 when allocate() failed).
  [[nodiscard]] std::size_t size() const noexcept { return flags_.size(); }

  /// Everything empty (the endpoint's reset()). O(n).
  void clear() noexcept {
    for (std::size_t i = 0; i < flags_.size(); ++i) {
      flags_[i] = 0;
      pos_[i] = none;
      deadline_[i] = time_point::max();
    }
    tx_.clear();
    ev_.clear();
    stale_count_ = heap_size_ = 0;
  }

  /// The tunnels' change hook: `context` is the scheduler, `slot` the tunnel's index.
  static void changed(void *context, std::size_t slot) noexcept {
    static_cast<tunnel_scheduler *>(context)->mark(slot);
  }

  /// Slot `i` may have a datagram, an event, a new deadline.
  void mark(std::size_t i) noexcept {
    std::uint8_t &f = flags_[i];
    const auto slot = static_cast<std::uint32_t>(i);
    if ((f & tx_bit) == 0) {
      f |= tx_bit;
      tx_.push(slot);
    }
    if ((f & ev_bit) == 0) {
      f |= ev_bit;
      ev_.push(slot);
    }
    if ((f & stale_bit) == 0) {
      f |= stale_bit;
      stale_[stale_count_++] = slot;
    }
  }

  // -------------------------------------------------------------- output FIFO
  [[nodiscard]] bool tx_empty() const noexcept { return tx_.empty(); }
  [[nodiscard]] std::uint32_t tx_front() const noexcept { return tx_.front(); }
  /// The front slot has nothing more to send: out of the FIFO until marked again.
  void tx_done() noexcept { flags_[tx_.pop()] &= static_cast<std::uint8_t>(~tx_bit); }
  /// The front slot sent one datagram and may have more: to the back (round robin).
  void tx_rotate() noexcept { tx_.rotate(); }

  // -------------------------------------------------------------- event FIFO
  [[nodiscard]] bool ev_empty() const noexcept { return ev_.empty(); }
  [[nodiscard]] std::uint32_t ev_front() const noexcept { return ev_.front(); }
  /// The front slot has no event left: out of the FIFO until marked again.
  void ev_done() noexcept { flags_[ev_.pop()] &= static_cast<std::uint8_t>(~ev_bit); }

  // -------------------------------------------------------------- deadlines
  /// Re-reads, through `deadline_of(slot)`, the deadline of every slot
  /// marked since the last call (time_point::max(): no deadline).
  template <class F> void refresh(F &&deadline_of) noexcept {
    for (std::size_t k = 0; k < stale_count_; ++k) {
      const std::uint32_t i = stale_[k];
      flags_[i] &= static_cast<std::uint8_t>(~stale_bit);
      set(i, deadline_of(i));
    }
    stale_count_ = 0;
  }
  /// The earliest deadline as of the last refresh(); time_point::max() when none.
  [[nodiscard]] time_point earliest() const noexcept {
    return heap_size_ == 0 ? time_point::max() : deadline_[heap_[0]];
  }
  /// Takes the slot with the earliest deadline out of the heap when that
  /// deadline is at or before `now` (none otherwise), and marks it so the
  /// next refresh() reads its new deadline.
  [[nodiscard]] std::uint32_t pop_due(time_point now) noexcept {
    if (heap_size_ == 0 || deadline_[heap_[0]] > now) return none;
    const std::uint32_t i = heap_[0];
    remove(i);
    mark(i);
    return i;
  }

private:
  static constexpr std::uint8_t tx_bit = 1, ev_bit = 2, stale_bit = 4;

  void set(std::uint32_t i, time_point d) noexcept {
    if (d == time_point::max()) {
      if (pos_[i] != none) remove(i);
      return;
    }
    const time_point old = deadline_[i];
    deadline_[i] = d;
    if (pos_[i] == none) {
      pos_[i] = static_cast<std::uint32_t>(heap_size_);
      heap_[heap_size_++] = i;
      up(pos_[i]);
    } else if (d < old) {
      up(pos_[i]);
    } else {
      down(pos_[i]);
    }
  }
  void remove(std::uint32_t i) noexcept {
    const std::uint32_t p = pos_[i];
    const std::uint32_t last = heap_[--heap_size_];
    pos_[i] = none;
    deadline_[i] = time_point::max();
    if (last == i) return;
    heap_[p] = last;
    pos_[last] = p;
    up(p);
    down(pos_[last]);
  }
  void place(std::size_t p, std::uint32_t i) noexcept {
    heap_[p] = i;
    pos_[i] = static_cast<std::uint32_t>(p);
  }
  void up(std::size_t p) noexcept {
    const std::uint32_t i = heap_[p];
    while (p > 0) {
      const std::size_t parent = (p - 1) / 2;
      if (!(deadline_[i] < deadline_[heap_[parent]])) break;
      place(p, heap_[parent]);
      p = parent;
    }
    place(p, i);
  }
  void down(std::size_t p) noexcept {
    const std::uint32_t i = heap_[p];
    for (;;) {
      std::size_t c = 2 * p + 1;
      if (c >= heap_size_) break;
      if (c + 1 < heap_size_ && deadline_[heap_[c + 1]] < deadline_[heap_[c]]) ++c;
      if (!(deadline_[heap_[c]] < deadline_[i])) break;
      place(p, heap_[c]);
      p = c;
    }
    place(p, i);
  }

  vpnwire::detail::heap_array<std::uint8_t> flags_;
  slot_fifo tx_, ev_;
  vpnwire::detail::heap_array<std::uint32_t> stale_, heap_, pos_;
  vpnwire::detail::heap_array<time_point> deadline_;
  std::size_t stale_count_ = 0, heap_size_ = 0;
};

} // namespace detail
} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
