// seq::reorder_window: put items that carry sequence numbers back in order,
// in fixed memory, without ever stalling.
//
// The window is a ring of Capacity slots indexed by `seq & (Capacity - 1)`,
// an occupancy bitmap over it, and a "delivered" bitmap remembering the last
// Capacity numbers behind the delivery point (to tell a duplicate from a late
// arrival). insert() is O(1); only the gap-skipping paths (timeout, depth,
// resync, flush) scan the bitmap, one 64-bit word at a time. All sequence
// arithmetic is RFC 1982 serial arithmetic (core::serial), so reordering
// across the wrap is ordinary reordering.
//
// The window holds the numbers expected()+1 .. expected()+Capacity; the
// expected number itself is never held, it is delivered on arrival. Each
// item is delivered exactly once, in increasing serial order, to the sink
// passed to insert(), poll() or flush(); an item the window does not take is
// left with the caller and the outcome says why. See docs/reorder.md.
//
// This file defines the single-threaded window (Concurrency = single_thread)
// and nothing else: no atomics. The multi-producer window is in
// mpsc_reorder_window.hpp; reorder_windows.hpp includes both.
#pragma once

#include "vpnwire/core/serial.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/detail/config.hpp"
#include "vpnwire/seq/concurrency.hpp"
#include "vpnwire/seq/outcome.hpp"
#include "vpnwire/seq/policy.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace seq {

/// The single-threaded window: no atomics, every call from one thread.
///
/// Item: what is reordered (a packet handle, a pointer, an index); it must be
/// default-constructible and nothrow-movable. SeqBits: 16, 24, 32 or 64; the
/// numbers passed in are taken modulo 2^SeqBits. Capacity: a power of two,
/// below 2^(SeqBits-1); the window holds at most Capacity items.
///
/// A Sink is any noexcept callable `sink(value_type seq, Item&& item)`; it
/// receives each delivered item once, in increasing serial order of seq. It
/// runs inside the window's noexcept calls, so a throwing sink would
/// terminate the program: one not declared noexcept is rejected at compile
/// time (nothrow_sink, concurrency.hpp).
template <class Item, unsigned SeqBits, std::size_t Capacity, window_policy Policy>
class reorder_window<Item, SeqBits, Capacity, Policy, single_thread>
    : detail::window_requirements<Item, SeqBits, Capacity> {
public:
  using serial_type = core::serial<SeqBits>;
  using value_type = typename serial_type::value_type;
  using item_type = Item;
  using policy_type = Policy;
  static constexpr std::size_t capacity = Capacity;

  /// A window with the given policy. With anchor_mode::explicit_value the
  /// first number expected is `expected`; otherwise the first arrival sets it.
  explicit reorder_window(Policy p = Policy{}, value_type expected = 0) noexcept : policy_(p) {
    next_ = static_cast<value_type>(expected & serial_type::mask);
    if (policy_.mode == reorder_mode::pass_through) {
      phase_ = phase::passing;
    } else if (policy_.anchor == anchor_mode::explicit_value) {
      phase_ = phase::running;
    }
  }

  reorder_window(const reorder_window &) = delete;
  reorder_window &operator=(const reorder_window &) = delete;
  /// Movable (into a container of sessions, out of a factory): the held
  /// items, the history and the counters move with it. The moved-from
  /// window is valid but unspecified (its items were moved from): assign a
  /// window to it or destroy it.
  reorder_window(reorder_window &&) noexcept = default;
  reorder_window &operator=(reorder_window &&) noexcept = default;

  /// Offers `item` numbered `seq`, arriving at `now`. Returns exactly one
  /// outcome: delivered (it and any run it completed went to `sink`, in
  /// order), buffered (held), or one of duplicate_held, duplicate_delivered,
  /// late, beyond_horizon, in which case `item` is left untouched with the
  /// caller. Timeouts due at `now` are applied first, as poll(now) would.
  /// Never fails otherwise; O(1) except when a gap is skipped.
  template <class Sink>
  requires std::invocable<Sink &, value_type, Item &&> insert_outcome insert(value_type seq, Item &&item,
                                                                             time_point now, Sink &&sink)
  noexcept {
    static_assert(nothrow_sink<Sink, value_type, Item &&>,
                  "the sink runs inside a noexcept call: declare it noexcept (a throwing sink would terminate)");
    seq = static_cast<value_type>(seq & serial_type::mask);
    if (VPNWIRE_LIKELY(seq == next_ && held_ == 0 && phase_ == phase::running)) {
      deliver_direct(seq, item, sink);
      return insert_outcome::delivered;
    }
    // Second fast path: an early arrival inside the window, nothing due.
    if (policy_.mode == reorder_mode::reorder && phase_ == phase::running && now < deadline_) {
      const std::uint64_t d = serial_type::forward_distance(next_, seq);
      if (d - 1 < Capacity && !occupied(index(seq))) {
        oos_run_ = 0;
        hold(seq, item, now);
        return finish_buffered(seq, sink);
      }
    }
    return insert_slow(seq, item, now, sink);
  }

  /// As above for a copyable Item: the window stores a copy when it takes it.
  template <class Sink>
  requires std::invocable<Sink &, value_type, Item &&> insert_outcome insert(value_type seq, const Item &item,
                                                                             time_point now, Sink &&sink)
  noexcept {
    Item copy(item);
    return insert(seq, std::move(copy), now, sink);
  }

  /// Applies what is due at `now` with no new arrival: ends a probation
  /// period, and releases every held item whose wait reached the timeout
  /// (skipping the gaps before it). Returns how many items went to `sink`.
  template <class Sink>
  requires std::invocable<Sink &, value_type, Item &&> std::size_t poll(time_point now, Sink &&sink)
  noexcept {
    static_assert(nothrow_sink<Sink, value_type, Item &&>,
                  "the sink runs inside a noexcept call: declare it noexcept (a throwing sink would terminate)");
    const std::uint64_t before = counters_.delivered;
    if (phase_ == phase::probation && now >= probation_end_) end_probation(sink);
    if (phase_ == phase::running) expire(now, sink);
    return static_cast<std::size_t>(counters_.delivered - before);
  }

  /// Delivers everything held, in order, skipping the gaps between (session
  /// teardown, or before handing the stream to someone else). Returns how
  /// many items went to `sink`. The window stays anchored after the last one.
  template <class Sink>
  requires std::invocable<Sink &, value_type, Item &&> std::size_t flush(Sink &&sink)
  noexcept {
    static_assert(nothrow_sink<Sink, value_type, Item &&>,
                  "the sink runs inside a noexcept call: declare it noexcept (a throwing sink would terminate)");
    const std::uint64_t before = counters_.delivered;
    if (phase_ == phase::probation) {
      phase_ = phase::running;
      deliver_run(sink); // on probation next_ is the lowest held number
    }
    if (phase_ == phase::running) flush_held(sink);
    return static_cast<std::size_t>(counters_.delivered - before);
  }

  /// Flushes what is held (to `sink`) and expects `expected` next, e.g.
  /// when the control plane learns the peer restarted its numbering.
  template <class Sink>
  requires std::invocable<Sink &, value_type, Item &&>
  void reanchor(value_type expected, Sink &&sink) noexcept {
    static_assert(nothrow_sink<Sink, value_type, Item &&>,
                  "the sink runs inside a noexcept call: declare it noexcept (a throwing sink would terminate)");
    flush(sink);
    next_ = static_cast<value_type>(expected & serial_type::mask);
    forget_history();
    oos_run_ = 0;
    if (phase_ != phase::passing) phase_ = phase::running;
  }

  /// When poll() next has work: the end of probation, or the moment the
  /// oldest held item reaches the timeout. Never later than the true
  /// deadline; it can be earlier after deliveries (a poll then does nothing
  /// but refresh it). std::nullopt: nothing will time out.
  [[nodiscard]] std::optional<time_point> next_deadline() const noexcept {
    if (phase_ == phase::probation) return probation_end_;
    if (phase_ == phase::running && held_ != 0 && policy_.timeout.count() > 0) return deadline_;
    return std::nullopt;
  }

  /// The next number to be delivered (meaningful once anchored()).
  [[nodiscard]] value_type expected() const noexcept { return next_; }
  /// Whether the expected number is fixed (after the first arrival, the
  /// explicit anchor, or the end of probation).
  [[nodiscard]] bool anchored() const noexcept { return phase_ == phase::running || phase_ == phase::passing; }
  /// Whether the anchor is still on probation.
  [[nodiscard]] bool on_probation() const noexcept { return phase_ == phase::probation; }
  /// Items held now (taken, not yet delivered).
  [[nodiscard]] std::size_t held() const noexcept { return held_; }
  /// The counters. `inserted` and `reordered` are derived rather than
  /// counted on every arrival: every insert has exactly one outcome, so
  /// inserted = delivered + duplicate + late + overflow + held; and every
  /// held item leaves the slots through a run delivery, so reordered = items
  /// delivered from the slots + held - items a depth skip delivered at once.
  [[nodiscard]] counters stats() const noexcept {
    counters c = counters_;
    c.inserted = c.delivered + c.duplicate + c.late + c.overflow + held_;
    c.reordered = released_ + held_ - depth_immediate_;
    return c;
  }
  [[nodiscard]] const Policy &active_policy() const noexcept { return policy_; }

private:
  enum class phase : std::uint8_t { unanchored, probation, running, passing };
  struct run {
    value_type first; // consecutive numbers held one after the other
    value_type last;
  };
  static constexpr std::size_t mask_ = Capacity - 1;
  // Per-slot flags: the slot holds an item; the last number that passed
  // through the slot was delivered (not skipped). One 16-bit word per slot:
  // consecutive arrivals write different words, so there is no
  // read-modify-write chain through a shared bitmap word, and (not being a
  // character type) a flag store does not force the compiler to reload
  // everything else, the caller's sink state included.
  using flag_word = std::uint16_t;
  static constexpr flag_word held_bit = 1;
  static constexpr flag_word delivered_bit = 2;

  [[nodiscard]] static constexpr std::size_t index(value_type p) noexcept {
    return static_cast<std::size_t>(p) & mask_;
  }
  [[nodiscard]] bool occupied(std::size_t i) const noexcept { return (flags_[i] & held_bit) != 0; }
  void set_occupied(std::size_t i) noexcept { flags_[i] = static_cast<flag_word>(flags_[i] | held_bit); }
  [[nodiscard]] bool was_delivered(std::size_t i) const noexcept { return (flags_[i] & delivered_bit) != 0; }
  void mark_delivered(std::size_t i) noexcept { flags_[i] = static_cast<flag_word>(flags_[i] | delivered_bit); }
  void mark_skipped(std::size_t i) noexcept { flags_[i] = static_cast<flag_word>(flags_[i] & held_bit); }
  /// Forgets which numbers behind the delivery point were delivered.
  void forget_history() noexcept {
    for (flag_word &f : flags_) f = static_cast<flag_word>(f & held_bit);
  }
  /// Offset from next_ (1..Capacity) of the held position stored at slot i.
  [[nodiscard]] std::size_t offset_of(std::size_t i) const noexcept {
    const std::size_t o = (i - static_cast<std::size_t>(next_)) & mask_;
    return o == 0 ? Capacity : o;
  }
  [[nodiscard]] duration probation_time() const noexcept {
    return policy_.probation.count() > 0 ? duration{policy_.probation} : duration{policy_.timeout};
  }

  template <class Sink> VPNWIRE_ALWAYS_INLINE void deliver_direct(value_type seq, Item &item, Sink &sink) noexcept {
    mark_delivered(index(seq));
    ++counters_.delivered;
    next_ = serial_type::advance(seq, 1);
    oos_run_ = 0;
    sink(seq, std::move(item));
  }

  /// Delivers the held run starting at next_. The run is measured and the
  /// window updated first, then the items go to the sink one after another
  /// (a sink sees the window as it is after the whole run).
  template <class Sink> void deliver_run(Sink &sink) noexcept {
    std::size_t i = index(next_);
    std::size_t n = 0;
    for (std::size_t j = i; n < held_ && (flags_[j] & held_bit) != 0; j = (j + 1) & mask_) {
      flags_[j] = delivered_bit;
      ++n;
    }
    if (n == 0) return;
    held_ -= n;
    counters_.delivered += n;
    released_ += n;
    value_type s = next_;
    next_ = serial_type::advance(next_, n);
    for (std::size_t k = 0; k < n; ++k) {
      sink(s, std::move(items_[i]));
      s = serial_type::advance(s, 1);
      i = (i + 1) & mask_;
    }
  }

  /// Skips up to `limit` missing numbers at next_ (stops at a held one);
  /// returns how many.
  std::size_t skip_gap(std::size_t limit) noexcept {
    std::size_t n = 0;
    std::size_t i = index(next_);
    while (n < limit && (flags_[i] & held_bit) == 0) {
      flags_[i] = 0;
      ++n;
      i = (i + 1) & mask_;
    }
    counters_.gap_skipped += n;
    next_ = serial_type::advance(next_, n);
    return n;
  }

  /// Moves the delivery point to `target` (delivering what is held on the
  /// way, skipping the rest), then delivers the run from there.
  /// Precondition (running): next_ is missing and target is held, within
  /// (next_, next_ + Capacity]. The slot of next_ itself is not looked at: it
  /// belongs to next_ + Capacity.
  template <class Sink> void release_up_to(value_type target, Sink &sink) noexcept {
    mark_skipped(index(next_));
    ++counters_.gap_skipped;
    next_ = serial_type::advance(next_, 1);
    for (;;) {
      // Distance left to the target; the run delivery may step past it,
      // which makes the distance wrap to far more than Capacity.
      const std::uint64_t left = serial_type::forward_distance(next_, target);
      if (left == 0 || left > Capacity) break;
      if (occupied(index(next_))) {
        deliver_run(sink);
      } else {
        (void)skip_gap(static_cast<std::size_t>(left));
      }
    }
    deliver_run(sink);
  }

  /// Moves the delivery point forward to `target`: every held number before
  /// it is delivered, every missing one skipped, then the run from there is
  /// delivered. O(Capacity) however far the target is.
  template <class Sink> void slide_to(value_type target, Sink &sink) noexcept {
    while (held_ != 0) {
      const std::size_t i = first_occupied_from(index(serial_type::advance(next_, 1)));
      const value_type low = serial_type::advance(next_, offset_of(i));
      if (!serial_type::less(low, target)) break;
      release_up_to(low, sink);
    }
    if (!serial_type::less(next_, target)) return;
    std::uint64_t n = serial_type::forward_distance(next_, target);
    if (held_ == 0 && n >= Capacity) {
      forget_history(); // nothing in the remembered range was delivered
      counters_.gap_skipped += n;
      next_ = target;
      return;
    }
    // next_ is missing and nothing is held before target, so the slots from
    // next_ + 1 up to target hold nothing (next_'s own slot may hold
    // next_ + Capacity: step over it first, as release_up_to does).
    mark_skipped(index(next_));
    ++counters_.gap_skipped;
    next_ = serial_type::advance(next_, 1);
    for (n -= 1; n != 0;) n -= skip_gap(static_cast<std::size_t>(n));
    deliver_run(sink);
  }

  /// Slot index of the first occupied slot at or cyclically after `start`.
  /// Precondition: held_ != 0.
  [[nodiscard]] std::size_t first_occupied_from(std::size_t start) const noexcept {
    std::size_t i = start;
    for (std::size_t k = 0; k < Capacity; ++k, i = (i + 1) & mask_) {
      // Four slots at a time where they do not wrap.
      if constexpr (Capacity >= 4) {
        while ((i & 3) == 0 && k + 4 <= Capacity) {
          std::uint64_t w;
          std::memcpy(&w, &flags_[i], sizeof w);
          if ((w & 0x0001000100010001ULL) != 0) break;
          k += 4;
          i = (i + 4) & mask_;
        }
        if (k >= Capacity) break;
      }
      if ((flags_[i] & held_bit) != 0) return i;
    }
    return start; // unreachable while held_ != 0
  }

  /// Delivers every held item in order, skipping gaps.
  template <class Sink> void flush_held(Sink &sink) noexcept {
    while (held_ != 0) {
      const std::size_t i = first_occupied_from(index(serial_type::advance(next_, 1)));
      release_up_to(serial_type::advance(next_, offset_of(i)), sink);
    }
  }

  template <class Sink> void end_probation(Sink &sink) noexcept {
    phase_ = phase::running;
    deliver_run(sink); // next_ is the lowest held number
    if (policy_.mode == reorder_mode::strict) flush_held(sink);
  }

  /// Releases every held item that waited `timeout` or longer by `now`.
  template <class Sink> void expire(time_point now, Sink &sink) noexcept {
    const duration t = policy_.timeout;
    if (t.count() > 0 && held_ != 0 && fifo_ordered_) {
      expire_ordered(now, sink);
      return;
    }
    if (t.count() <= 0 || held_ == 0 || now - oldest_ < t) {
      if (held_ == 0) deadline_ = time_point::max();
      return;
    }
    bool found = false;
    std::size_t best = 0;
    time_point oldest_left = time_point::max();
    for (std::size_t i = 0; i < Capacity; ++i) {
      if ((flags_[i] & held_bit) == 0) continue;
      const time_point a = arrival_[i];
      if (now - a >= t) {
        const std::size_t off = offset_of(i);
        if (!found || off > best) best = off;
        found = true;
      } else if (a < oldest_left) {
        oldest_left = a;
      }
    }
    oldest_ = oldest_left; // a lower bound of what stays held
    deadline_ = oldest_left == time_point::max() ? oldest_left : oldest_left + t;
    if (!found) return;
    ++counters_.timed_out;
    release_up_to(serial_type::advance(next_, best), sink);
    if (held_ == 0) deadline_ = time_point::max();
  }

  VPNWIRE_ALWAYS_INLINE void hold(value_type seq, Item &item, time_point now) noexcept {
    const std::size_t i = index(seq);
    items_[i] = std::move(item);
    arrival_[i] = now;
    set_occupied(i);
    if (held_ == 0) {
      fifo_head_ = fifo_tail_ = 0;
      fifo_ordered_ = true;
      oldest_ = now;
      if (policy_.timeout.count() > 0) deadline_ = now + policy_.timeout;
    } else if (VPNWIRE_UNLIKELY(now < last_hold_ || !fifo_ordered_)) {
      hold_unordered(now);
    }
    last_hold_ = now;
    // While time is monotonic the queue never fills (see expire_ordered).
    if (VPNWIRE_UNLIKELY(fifo_ordered_ && fifo_tail_ - fifo_head_ == fifo_.size())) leave_ordered(now);
    if (VPNWIRE_LIKELY(fifo_ordered_)) {
      // Consecutive numbers held one after the other (what follows a lost
      // packet) share one queue entry. The back entry's last number lives in
      // fifo_back_last_ and is written to the entry when the entry is closed
      // or the queue is read (sync_back).
      if (fifo_tail_ == fifo_head_ || seq != serial_type::advance(fifo_back_last_, 1)) {
        sync_back();
        fifo_[fifo_tail_++ & (fifo_.size() - 1)].first = seq;
      }
      fifo_back_last_ = seq;
    }
    ++held_;
  }

  /// Writes the back entry's last number (see hold) before the queue is read.
  void sync_back() noexcept {
    if (fifo_tail_ != fifo_head_) fifo_[(fifo_tail_ - 1) & (fifo_.size() - 1)].last = fifo_back_last_;
  }

  /// The clock stepped back (or already had): arrival order is no longer
  /// time order, so track a lower bound of the arrival times instead.
  void hold_unordered(time_point now) noexcept {
    if (fifo_ordered_) leave_ordered(now);
    if (now < oldest_) oldest_ = now;
    if (policy_.timeout.count() > 0 && now + policy_.timeout < deadline_) deadline_ = now + policy_.timeout;
  }
  void leave_ordered(time_point now) noexcept {
    pop_released();
    if (fifo_head_ != fifo_tail_) {
      const time_point front = arrival_[index(fifo_front().first)];
      oldest_ = front < now ? front : now;
    } else {
      oldest_ = now;
    }
    fifo_ordered_ = false;
  }

  [[nodiscard]] run &fifo_front() noexcept { return fifo_[fifo_head_ & (fifo_.size() - 1)]; }
  [[nodiscard]] bool ahead(value_type seq) const noexcept {
    const std::uint64_t d = serial_type::forward_distance(next_, seq);
    return d != 0 && d <= Capacity;
  }
  /// Drops queue entries whose numbers were all released and trims the
  /// front entry to its numbers still held (releases go in order, so what
  /// is left of a run is a suffix of it); returns that entry, or nullptr
  /// when nothing is left. Call sync_back() first.
  run *held_front() noexcept {
    while (fifo_head_ != fifo_tail_) {
      run &e = fifo_front();
      if (!ahead(e.last) || !occupied(index(e.last))) {
        ++fifo_head_;
        continue;
      }
      if (!ahead(e.first)) e.first = serial_type::advance(next_, 1);
      return &e;
    }
    return nullptr;
  }
  void pop_released() noexcept {
    sync_back();
    (void)held_front();
  }
  [[nodiscard]] bool due(value_type seq, time_point now) const noexcept {
    return now - arrival_[index(seq)] >= policy_.timeout;
  }

  /// Timeout with the arrival queue: runs of held numbers in arrival order,
  /// so the items due are a prefix of it (and, inside a run, a prefix of the
  /// run, found by bisection). Entries of released numbers are dropped
  /// lazily; while the clock is monotonic the queue never holds more than
  /// 2 x Capacity entries (at most one per held item, plus at most Capacity
  /// released numbers below the oldest held one, which arrived after it).
  template <class Sink> void expire_ordered(time_point now, Sink &sink) noexcept {
    sync_back();
    std::uint64_t best = 0;
    while (run *front = held_front()) {
      run &e = *front;
      if (!due(e.first, now)) break;
      if (due(e.last, now)) {
        best = std::max<std::uint64_t>(best, serial_type::forward_distance(next_, e.last));
        ++fifo_head_;
        continue;
      }
      // e.first is due and e.last is not: bisect for the last one due.
      std::uint64_t lo = 0;
      std::uint64_t hi = serial_type::forward_distance(e.first, e.last);
      while (hi - lo > 1) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if (due(serial_type::advance(e.first, mid), now)) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      const value_type last_due = serial_type::advance(e.first, lo);
      best = std::max<std::uint64_t>(best, serial_type::forward_distance(next_, last_due));
      e.first = serial_type::advance(last_due, 1);
      break;
    }
    if (best != 0) {
      ++counters_.timed_out;
      release_up_to(serial_type::advance(next_, best), sink);
      pop_released();
    }
    deadline_ = fifo_head_ == fifo_tail_ ? time_point::max() : arrival_[index(fifo_front().first)] + policy_.timeout;
  }

  template <class Sink>
  [[gnu::noinline]] insert_outcome insert_slow(value_type seq, Item &item, time_point now, Sink &sink) noexcept {
    if (VPNWIRE_LIKELY(phase_ == phase::running)) {
      if (now >= deadline_) expire(now, sink);
      return insert_running(seq, item, now, sink);
    }
    switch (phase_) {
    case phase::passing:
      ++counters_.delivered;
      if (serial_type::less_equal(next_, seq)) next_ = serial_type::advance(seq, 1);
      sink(seq, std::move(item));
      return insert_outcome::delivered;
    case phase::unanchored:
      if (policy_.anchor == anchor_mode::probation && probation_time().count() > 0) {
        next_ = seq;
        top_ = serial_type::advance(seq, 1);
        hold(seq, item, now);
        probation_end_ = now + probation_time();
        phase_ = phase::probation;
        return finish_buffered(seq, sink);
      }
      phase_ = phase::running;
      deliver_direct(seq, item, sink);
      return insert_outcome::delivered;
    case phase::probation:
      poll(now, sink);
      if (phase_ == phase::probation) return insert_probation(seq, item, now, sink);
      break;
    case phase::running: break;
    }
    if (now >= deadline_) expire(now, sink);
    return insert_running(seq, item, now, sink);
  }

  template <class Sink>
  insert_outcome insert_probation(value_type seq, Item &item, time_point now, Sink &sink) noexcept {
    const std::uint64_t d = serial_type::forward_distance(next_, seq);
    if (d < Capacity) {
      const std::size_t i = index(seq);
      if (occupied(i)) {
        ++counters_.duplicate;
        return insert_outcome::duplicate_held;
      }
      if (d >= serial_type::forward_distance(next_, top_)) top_ = serial_type::advance(seq, 1);
      hold(seq, item, now);
      return finish_buffered(seq, sink);
    }
    if (serial_type::less(seq, next_)) {
      if (serial_type::forward_distance(seq, top_) <= Capacity) {
        next_ = seq; // the anchor moves back: a lower number arrived while on probation
        hold(seq, item, now);
        return finish_buffered(seq, sink);
      }
      ++counters_.late;
      return insert_outcome::late;
    }
    ++counters_.overflow;
    return insert_outcome::beyond_horizon;
  }

  /// After an item was held: applies the depth limit (which may deliver the
  /// item itself) and reports what became of the item.
  template <class Sink> VPNWIRE_ALWAYS_INLINE insert_outcome finish_buffered(value_type seq, Sink &sink) noexcept {
    if (VPNWIRE_UNLIKELY(policy_.depth != 0 && held_ >= policy_.depth)) return depth_skip(seq, sink);
    return insert_outcome::buffered;
  }

  /// The depth limit is reached: skip to the lowest held number (or end
  /// probation) and report whether the new item went out with the run.
  template <class Sink> insert_outcome depth_skip(value_type seq, Sink &sink) noexcept {
    ++counters_.depth_skips;
    if (phase_ == phase::probation) {
      end_probation(sink);
    } else {
      const std::size_t i = first_occupied_from(index(serial_type::advance(next_, 1)));
      release_up_to(serial_type::advance(next_, offset_of(i)), sink);
    }
    if (held_ == 0) deadline_ = time_point::max();
    if (phase_ == phase::running && serial_type::less(seq, next_)) {
      ++depth_immediate_; // held, and delivered by the skip it triggered: not reordered
      return insert_outcome::delivered;
    }
    return insert_outcome::buffered;
  }

  template <class Sink> insert_outcome insert_running(value_type seq, Item &item, time_point now, Sink &sink) noexcept {
    const std::uint64_t d = serial_type::forward_distance(next_, seq);
    if (d == 0) {
      deliver_direct(seq, item, sink);
      deliver_run(sink);
      return insert_outcome::delivered;
    }
    if (policy_.mode == reorder_mode::reorder && d <= Capacity) {
      oos_run_ = 0;
      const std::size_t i = index(seq);
      if (occupied(i)) {
        ++counters_.duplicate;
        return insert_outcome::duplicate_held;
      }
      hold(seq, item, now);
      return finish_buffered(seq, sink);
    }
    // Outside the window: count towards a resynchronisation first.
    if (policy_.resync_after != 0) {
      if (oos_run_ != 0 && seq == serial_type::advance(oos_last_, 1)) {
        ++oos_run_;
      } else {
        oos_run_ = 1;
      }
      oos_last_ = seq;
      if (oos_run_ >= policy_.resync_after) {
        ++counters_.resynced;
        flush_held(sink);
        forget_history();
        deliver_direct(seq, item, sink);
        return insert_outcome::delivered;
      }
    }
    // A depth limit never refuses an arrival ahead of the window: the window
    // slides just far enough to take it (Capacity - 1 behind it, as the
    // multi-producer window does), releasing what it passes and skipping the
    // gaps, so that losses inside the window cannot stall it.
    if (policy_.mode == reorder_mode::reorder && policy_.depth != 0 && d > Capacity && d < serial_type::half - 1) {
      ++counters_.depth_skips;
      slide_to(static_cast<value_type>((static_cast<std::uint64_t>(seq) - (Capacity - 1)) & serial_type::mask), sink);
      if (held_ == 0) deadline_ = time_point::max();
      return insert_running(seq, item, now, sink);
    }
    if (serial_type::less(seq, next_)) {
      ++counters_.duplicate;
      const std::uint64_t back = serial_type::forward_distance(seq, next_);
      if (back <= Capacity && was_delivered(index(seq))) return insert_outcome::duplicate_delivered;
      --counters_.duplicate;
      ++counters_.late;
      return insert_outcome::late;
    }
    ++counters_.overflow;
    return insert_outcome::beyond_horizon;
  }

  [[no_unique_address]] Policy policy_;
  value_type next_ = 0;
  value_type top_ = 0; // probation only: one past the highest held number
  value_type oos_last_ = 0;
  std::uint32_t oos_run_ = 0;
  phase phase_ = phase::unanchored;
  std::size_t held_ = 0;
  time_point oldest_{};                     // lower bound of the arrival times of held items
  time_point deadline_ = time_point::max(); // when expire() has work; never later than the truth
  time_point last_hold_{};
  std::size_t fifo_head_ = 0; // the arrival queue: held numbers in arrival order
  std::size_t fifo_tail_ = 0;
  value_type fifo_back_last_ = 0; // the last number of the queue's back entry (when not empty)
  bool fifo_ordered_ = true;      // false after a clock step back: expire() scans instead
  time_point probation_end_{};
  counters counters_{};               // inserted and reordered are derived in stats()
  std::uint64_t released_ = 0;        // items delivered out of the slots
  std::uint64_t depth_immediate_ = 0; // items a depth skip delivered on their own arrival
  std::array<flag_word, Capacity> flags_{};
  std::array<time_point, Capacity> arrival_{};
  std::array<run, 2 * Capacity> fifo_{};
  std::array<Item, Capacity> items_{};
};

} // namespace seq
} // namespace v1
} // namespace vpnwire
