// seq::reorder_window<..., multi_producer>: several threads insert, one
// consumer thread delivers in order. Lock-free; an insert of a number inside
// the window is wait-free (a bounded number of steps: one load of the
// delivery point, one CAS on the slot, in strict mode one CAS on the claim
// word, plain writes, one release store, a few relaxed counter adds). Only an
// out-of-window arrival under a resync policy runs a CAS loop (lock-free).
//
// Linearization points (docs/reorder.md has the full argument):
//  - reorder mode, an insert that takes the item: its successful CAS on the
//    slot state (EMPTY -> WRITING tagged with the number's lap); the item
//    becomes visible to the consumer at the release store WRITING -> FULL;
//  - strict mode, an insert that takes the item: its successful CAS of the
//    claim word (the producer-side expected number) from seq to seq + 1;
//  - pass-through: the successful CAS on the slot;
//  - an insert that does not take it: its acquire load of the delivery point
//    or claim word (late, duplicate_delivered, beyond_horizon), or its failed
//    CAS on the slot (duplicate_held: the slot holds the same number);
//    duplicate_delivered versus late is read from the consumer's record of the
//    last number it passed in that slot (written before the slot is freed and
//    before the delivery point is published);
//  - a resync: the producer's CAS of the resync slot EMPTY -> WRITING after
//    the N-th consecutive out-of-window arrival; the consumer applies it at its
//    next drain (flush what is held, then deliver the item and expect seq + 1);
//  - a delivery: the consumer's release store FULL -> EMPTY after moving the
//    item out; the delivery point is published with a release store;
//  - the anchor (first-packet, probation): the consumer's release store of
//    the anchored flag, after the delivery point.
// A producer can read a stale delivery point and place a number the consumer
// has already skipped. Such an item is never delivered out of order: the
// consumer finds it (tag mismatch or behind the delivery point) and hands it
// back through `reject(seq, item, reason)` with reason late,
// duplicate_delivered or beyond_horizon. Conservation:
// inserted == delivered + duplicate + late + overflow + held.
#pragma once

#include "vpnwire/core/serial.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/seq/concurrency.hpp"
#include "vpnwire/seq/outcome.hpp"
#include "vpnwire/seq/policy.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace seq {

/// Test seam of the multi-producer window: a window built with it starts
/// every internal 64-bit counter near `value` (so tests can drive them across
/// their wrap). The counters stay consistent modulo 2^64 (conservation holds
/// in unsigned arithmetic); stats() reports the raw values. Not for production.
struct counter_origin_for_testing {
  std::uint64_t value = 0;
};

/// The multi-producer, single-consumer window. Producers: insert(). The one
/// consumer: drain(), flush(), next_deadline(), expected(), stats(), held().
/// Delivery goes to `sink(value_type seq, Item&& item)`, in increasing serial
/// order (pass-through: in slot order from the delivery point, without
/// waiting for gaps); an item a producer placed that cannot be delivered in
/// order goes to `reject(value_type seq, Item&& item, insert_outcome reason)`.
/// Both run inside noexcept calls and must be declared noexcept (checked at
/// compile time, nothrow_sink). The window holds atomics and is neither
/// copyable nor movable: create it where it will live.
template <class Item, unsigned SeqBits, std::size_t Capacity, window_policy Policy>
class reorder_window<Item, SeqBits, Capacity, Policy, multi_producer>
    : detail::window_requirements<Item, SeqBits, Capacity> {
public:
  using serial_type = core::serial<SeqBits>;
  using value_type = typename serial_type::value_type;
  using item_type = Item;
  using policy_type = Policy;
  static constexpr std::size_t capacity = Capacity;

  /// A window with the given policy. With anchor_mode::explicit_value the
  /// first number expected is `expected`. Otherwise producers place items
  /// unchecked until the consumer anchors: at the first drain() that sees
  /// items (first_packet), or once the earliest of them has waited the
  /// probation time (probation), on the lowest number seen; items that do
  /// not fit in Capacity from there are handed back as beyond_horizon. In
  /// strict mode the items placed before the anchor are delivered in order
  /// (gaps skipped), as the single-threaded window does at the end of
  /// probation. Pass-through needs no anchor.
  explicit reorder_window(Policy p = Policy{}, value_type expected = 0) noexcept
      : policy_(p), next_(static_cast<value_type>(expected & serial_type::mask)) {
    frontier_.store(next_, std::memory_order_relaxed);
    claim_.store(next_, std::memory_order_relaxed);
    anchored_c_ = policy_.anchor == anchor_mode::explicit_value || policy_.mode == reorder_mode::pass_through;
    anchored_.store(anchored_c_, std::memory_order_relaxed);
    reset_history();
  }
  /// Test seam (see counter_origin_for_testing): as above, with every
  /// internal counter started at `origin.value` (the accepted count at four
  /// times it, so held() starts at 0).
  reorder_window(Policy p, value_type expected, counter_origin_for_testing origin) noexcept
      : reorder_window(p, expected) {
    const std::uint64_t o = origin.value;
    stripe &s0 = stripes_[0];
    s0.accepted.store(4 * o, std::memory_order_relaxed); // consumer_late_/overflow_/dup_ start at o too
    s0.reordered.store(o, std::memory_order_relaxed);
    s0.duplicate.store(o, std::memory_order_relaxed);
    s0.late.store(o, std::memory_order_relaxed);
    s0.overflow.store(o, std::memory_order_relaxed);
    delivered_ = o;
    consumer_late_ = o;
    consumer_overflow_ = o;
    consumer_dup_ = o;
    gap_skipped_ = o;
    timed_out_ = o;
    depth_skips_ = o;
    resynced_ = o;
  }
  reorder_window(const reorder_window &) = delete;
  reorder_window &operator=(const reorder_window &) = delete;

  /// Producer side, any thread. Offers `item` numbered `seq` at `now`.
  /// buffered: the window took the item (the consumer delivers it, or hands
  /// it back with a reason if a stale view let it in). A producer is never
  /// told `delivered`: delivery is the consumer's. duplicate_held,
  /// duplicate_delivered, late, beyond_horizon: not taken, `item` is
  /// untouched. Wait-free for numbers inside the window.
  [[nodiscard]] insert_outcome insert(value_type seq, Item &&item, time_point now) noexcept {
    seq = static_cast<value_type>(seq & serial_type::mask);
    stripe &st = stripes_[static_cast<std::size_t>(seq) & (stripe_count - 1)];
    if (policy_.mode == reorder_mode::pass_through) return insert_passing(seq, item, now, st);
    const bool anchored = anchored_.load(std::memory_order_acquire);
    if (policy_.mode == reorder_mode::strict && anchored) return insert_strict(seq, item, now, st);
    const value_type f = frontier_.load(std::memory_order_acquire);
    const std::uint64_t d = anchored ? serial_type::forward_distance(f, seq) : 0;
    if (d >= Capacity) return out_of_window(seq, item, now, f, st);
    slot &s = slots_[index(seq)];
    const std::uint64_t tag = tag_of(seq);
    std::uint64_t expect = empty;
    if (!s.state.compare_exchange_strong(expect, tag | writing, std::memory_order_acquire, std::memory_order_relaxed)) {
      end_oos_run();
      if ((expect & ~status_mask) == tag) {
        st.duplicate.fetch_add(1, std::memory_order_relaxed);
        return insert_outcome::duplicate_held;
      }
      st.overflow.fetch_add(1, std::memory_order_relaxed); // the slot still holds another lap
      return insert_outcome::beyond_horizon;
    }
    end_oos_run();
    // Counted before the item is published, so the consumer never sees more
    // items leave than were counted in (held() cannot go negative).
    st.accepted.fetch_add(1, std::memory_order_relaxed);
    if (d != 0) st.reordered.fetch_add(1, std::memory_order_relaxed);
    publish(s, seq, item, now, tag);
    return insert_outcome::buffered;
  }

  /// Consumer side. Applies a pending resync, delivers the run at the
  /// delivery point, applies the depth limit and the timeout (measured from
  /// each item's arrival), and publishes the new delivery point. Returns how
  /// many items went to `sink`.
  template <class Sink, class Reject>
  requires std::invocable<Sink &, value_type, Item &&> && std::invocable<Reject &, value_type, Item &&, insert_outcome>
      std::size_t drain(time_point now, Sink &&sink, Reject &&reject)
  noexcept {
    static_assert(nothrow_sink<Sink, value_type, Item &&> && nothrow_sink<Reject, value_type, Item &&, insert_outcome>,
                  "sink and reject run inside a noexcept call: declare them noexcept (a throwing one would terminate)");
    const std::uint64_t before = delivered_;
    if (policy_.mode == reorder_mode::pass_through) {
      pass_all(sink);
      return static_cast<std::size_t>(delivered_ - before);
    }
    if (!anchored_c_ && !try_anchor(now, false, sink, reject)) return 0;
    apply_resync(sink, reject);
    apply_slide(sink, reject);
    run(sink, reject);
    if (policy_.mode == reorder_mode::strict) {
      reject_unclaimed(reject);
    } else if (held() != 0) {
      if (policy_.depth != 0 && held() >= policy_.depth) {
        ++depth_skips_;
        skip_to_lowest(sink, reject);
      }
      if (policy_.timeout.count() > 0 && held() != 0) {
        if (!deadline_) refresh_deadline(now, sink, reject);
        if (deadline_ && now >= *deadline_) expire(now, sink, reject);
      }
    }
    if (held() == 0 || policy_.mode == reorder_mode::strict) deadline_.reset();
    frontier_.store(next_, std::memory_order_release);
    return static_cast<std::size_t>(delivered_ - before);
  }

  /// Consumer side. Delivers everything held, in order, skipping gaps (items
  /// still being written by a producer are skipped and handed back as late
  /// when they land). Returns how many items went to `sink`.
  template <class Sink, class Reject>
  requires std::invocable<Sink &, value_type, Item &&> && std::invocable<Reject &, value_type, Item &&, insert_outcome>
      std::size_t flush(Sink &&sink, Reject &&reject)
  noexcept {
    static_assert(nothrow_sink<Sink, value_type, Item &&> && nothrow_sink<Reject, value_type, Item &&, insert_outcome>,
                  "sink and reject run inside a noexcept call: declare them noexcept (a throwing one would terminate)");
    const std::uint64_t before = delivered_;
    if (policy_.mode == reorder_mode::pass_through) {
      pass_all(sink);
      return static_cast<std::size_t>(delivered_ - before);
    }
    if (!anchored_c_ && !try_anchor(time_point::max(), true, sink, reject)) return 0;
    apply_resync(sink, reject);
    apply_slide(sink, reject);
    flush_held(sink, reject);
    deadline_.reset();
    frontier_.store(next_, std::memory_order_release);
    return static_cast<std::size_t>(delivered_ - before);
  }

  /// Consumer side: when drain() next has timeout work (never later than
  /// the true deadline), or std::nullopt.
  [[nodiscard]] std::optional<time_point> next_deadline() const noexcept { return deadline_; }
  /// Consumer side: the next number to be delivered (once anchored()).
  [[nodiscard]] value_type expected() const noexcept { return next_; }
  /// Consumer side: whether the expected number is fixed.
  [[nodiscard]] bool anchored() const noexcept { return anchored_c_; }
  /// Consumer side: items taken and not yet delivered or handed back
  /// (including items a producer is writing at this moment).
  [[nodiscard]] std::size_t held() const noexcept {
    std::uint64_t accepted = 0;
    for (const stripe &s : stripes_) accepted += s.accepted.load(std::memory_order_relaxed);
    return static_cast<std::size_t>(accepted - delivered_ - consumer_late_ - consumer_overflow_ - consumer_dup_);
  }
  /// A snapshot of the counters (call from the consumer thread; producer
  /// counters are read with relaxed loads).
  [[nodiscard]] counters stats() const noexcept {
    counters c{};
    for (const stripe &s : stripes_) {
      const std::uint64_t accepted = s.accepted.load(std::memory_order_relaxed);
      const std::uint64_t dup = s.duplicate.load(std::memory_order_relaxed);
      const std::uint64_t late = s.late.load(std::memory_order_relaxed);
      const std::uint64_t over = s.overflow.load(std::memory_order_relaxed);
      c.inserted += accepted + dup + late + over;
      c.duplicate += dup;
      c.late += late;
      c.overflow += over;
      c.reordered += s.reordered.load(std::memory_order_relaxed);
    }
    // An item a producer placed after its number was passed counts as
    // inserted (taken) and then late or duplicate (handed back by the consumer).
    c.late += consumer_late_;
    c.overflow += consumer_overflow_;
    c.duplicate += consumer_dup_;
    c.delivered = delivered_;
    c.gap_skipped = gap_skipped_;
    c.timed_out = timed_out_;
    c.depth_skips = depth_skips_;
    c.resynced = resynced_;
    return c;
  }
  [[nodiscard]] const Policy &active_policy() const noexcept { return policy_; }

private:
  static constexpr std::uint64_t empty = 0;
  static constexpr std::uint64_t writing = 1;
  static constexpr std::uint64_t full = 2;
  static constexpr std::uint64_t status_mask = 3;
  static constexpr std::size_t mask_ = Capacity - 1;
  static constexpr unsigned cap_bits_ = static_cast<unsigned>(std::countr_zero(Capacity));
  static constexpr std::size_t stripe_count = 4;
  // Resync runs are tracked on the low 32 bits of the numbers (one atomic
  // word holds the last number and the run length).
  static constexpr std::uint64_t run_key_mask = SeqBits >= 32 ? 0xffffffffU : serial_type::mask;

  struct alignas(64) slot {
    std::atomic<std::uint64_t> state{empty};
    value_type seq{};
    time_point at{};
    Item item{};
  };
  struct alignas(64) stripe {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> reordered{0};
    std::atomic<std::uint64_t> duplicate{0};
    std::atomic<std::uint64_t> late{0};
    std::atomic<std::uint64_t> overflow{0};
  };

  [[nodiscard]] static constexpr std::size_t index(value_type p) noexcept {
    return static_cast<std::size_t>(p) & mask_;
  }
  // The lap of a number, shifted clear of the two status bits. Numbers that
  // share a slot differ in lap; laps alias only 2^62 slots apart.
  [[nodiscard]] static constexpr std::uint64_t tag_of(value_type p) noexcept {
    return (static_cast<std::uint64_t>(p) >> cap_bits_) << 2;
  }

  void publish(slot &s, value_type seq, Item &item, time_point now, std::uint64_t tag) noexcept {
    s.seq = seq;
    s.at = now;
    s.item = std::move(item);
    s.state.store(tag | full, std::memory_order_release);
  }

  // ---- producer paths ----------------------------------------------------

  // An arrival inside the window ends a run of out-of-window arrivals.
  void end_oos_run() noexcept {
    if (policy_.resync_after != 0 && oos_.load(std::memory_order_relaxed) != 0)
      oos_.store(0, std::memory_order_relaxed);
  }

  insert_outcome insert_passing(value_type seq, Item &item, time_point now, stripe &st) noexcept {
    slot &s = slots_[index(seq)];
    const std::uint64_t tag = tag_of(seq);
    std::uint64_t expect = empty;
    if (!s.state.compare_exchange_strong(expect, tag | writing, std::memory_order_acquire, std::memory_order_relaxed)) {
      // The slot still holds an item the consumer has not passed on yet.
      if ((expect & ~status_mask) == tag) {
        st.duplicate.fetch_add(1, std::memory_order_relaxed);
        return insert_outcome::duplicate_held;
      }
      st.overflow.fetch_add(1, std::memory_order_relaxed);
      return insert_outcome::beyond_horizon;
    }
    st.accepted.fetch_add(1, std::memory_order_relaxed);
    publish(s, seq, item, now, tag);
    return insert_outcome::buffered;
  }

  // Strict: the item is taken only if it is the expected number, decided by
  // one CAS on the claim word (the producer-side expected number). The slot
  // is reserved first so that a claimed number always has its slot.
  insert_outcome insert_strict(value_type seq, Item &item, time_point now, stripe &st) noexcept {
    value_type c = claim_.load(std::memory_order_acquire);
    if (seq == c) {
      slot &s = slots_[index(seq)];
      const std::uint64_t tag = tag_of(seq);
      std::uint64_t expect = empty;
      if (s.state.compare_exchange_strong(expect, tag | writing, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
        if (claim_.compare_exchange_strong(c, serial_type::advance(seq, 1), std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
          end_oos_run();
          st.accepted.fetch_add(1, std::memory_order_relaxed);
          publish(s, seq, item, now, tag);
          return insert_outcome::buffered;
        }
        s.state.store(empty, std::memory_order_release); // another arrival took the number first
      } else if ((expect & ~status_mask) == tag) {
        end_oos_run();
        st.duplicate.fetch_add(1, std::memory_order_relaxed);
        return insert_outcome::duplicate_held;
      } else {
        // The consumer has not yet collected the number Capacity before.
        st.overflow.fetch_add(1, std::memory_order_relaxed);
        return insert_outcome::beyond_horizon;
      }
      // c now holds the claim word another arrival moved.
    }
    return out_of_window(seq, item, now, c, st);
  }

  // Not inside the window seen at `f` (strict: not the expected number):
  // counts towards a resync, then classifies.
  insert_outcome out_of_window(value_type seq, Item &item, time_point now, value_type f, stripe &st) noexcept {
    if (policy_.resync_after != 0 && count_oos(seq) && post_resync(seq, item, now, st)) {
      return insert_outcome::buffered;
    }
    if (serial_type::less(seq, f)) {
      const insert_outcome o = behind(seq);
      if (o == insert_outcome::late) {
        st.late.fetch_add(1, std::memory_order_relaxed);
      } else {
        st.duplicate.fetch_add(1, std::memory_order_relaxed);
      }
      return o;
    }
    if (policy_.mode == reorder_mode::reorder && policy_.depth != 0 &&
        serial_type::forward_distance(f, seq) < serial_type::half - 1 && post_slide(seq, item, now, st)) {
      return insert_outcome::buffered;
    }
    st.overflow.fetch_add(1, std::memory_order_relaxed);
    return insert_outcome::beyond_horizon;
  }

  // Depth limit: an arrival ahead of the window goes to the consumer through
  // the slide slot; the consumer moves the window forward to take it. False
  // if a previous slide is still pending (the item is then beyond_horizon).
  bool post_slide(value_type seq, Item &item, time_point now, stripe &st) noexcept {
    std::uint64_t expect = empty;
    if (!slide_.state.compare_exchange_strong(expect, writing, std::memory_order_acquire, std::memory_order_relaxed)) {
      return false;
    }
    end_oos_run();
    st.accepted.fetch_add(1, std::memory_order_relaxed);
    st.reordered.fetch_add(1, std::memory_order_relaxed);
    publish(slide_, seq, item, now, 0);
    return true;
  }

  // A number behind the delivery point: held (claimed, not yet delivered),
  // delivered within the last Capacity numbers, or late.
  [[nodiscard]] insert_outcome behind(value_type seq) const noexcept {
    const std::uint64_t st = slots_[index(seq)].state.load(std::memory_order_acquire);
    if ((st & status_mask) != empty && (st & ~status_mask) == tag_of(seq)) return insert_outcome::duplicate_held;
    if (passed_[index(seq)].load(std::memory_order_relaxed) == seq) return insert_outcome::duplicate_delivered;
    return insert_outcome::late;
  }

  // Extends the run of consecutive out-of-window arrivals; true when it
  // reaches resync_after. Lock-free (a CAS loop on one word).
  bool count_oos(value_type seq) noexcept {
    const std::uint64_t key = static_cast<std::uint64_t>(seq) & run_key_mask;
    std::uint64_t w = oos_.load(std::memory_order_relaxed);
    std::uint64_t n = 0;
    for (;;) {
      const std::uint64_t count = w & 0xffffffffU;
      const std::uint64_t last = w >> 32;
      n = count != 0 && key == ((last + 1) & run_key_mask) ? count + 1 : 1;
      if (n > 0xffffffffU) n = 0xffffffffU;
      if (oos_.compare_exchange_weak(w, (key << 32) | n, std::memory_order_relaxed, std::memory_order_relaxed)) break;
    }
    return n >= policy_.resync_after;
  }

  // Hands the N-th item to the consumer through the resync slot. False if a
  // previous resync is still pending (the item is then classified as usual).
  bool post_resync(value_type seq, Item &item, time_point now, stripe &st) noexcept {
    std::uint64_t expect = empty;
    if (!resync_.state.compare_exchange_strong(expect, writing, std::memory_order_acquire, std::memory_order_relaxed)) {
      return false;
    }
    oos_.store(0, std::memory_order_relaxed);
    st.accepted.fetch_add(1, std::memory_order_relaxed);
    publish(resync_, seq, item, now, 0);
    return true;
  }

  // ---- consumer paths ----------------------------------------------------

  // Moves the item out of a FULL slot and frees the slot.
  Item take(slot &s) noexcept {
    Item it = std::move(s.item);
    s.state.store(empty, std::memory_order_release);
    return it;
  }

  // Delivers the item of a FULL slot numbered next_ and advances next_.
  template <class Sink> void deliver(slot &s, Sink &sink) noexcept {
    const value_type seq = next_;
    next_ = serial_type::advance(next_, 1);
    ++delivered_;
    // Recorded before the slot is freed (release) and before the delivery
    // point is published: a producer that sees either sees this.
    passed_[index(seq)].store(seq, std::memory_order_relaxed);
    if (policy_.mode == reorder_mode::strict) {
      // An item placed before the anchor may be the claim word's number.
      value_type c = seq;
      (void)claim_.compare_exchange_strong(c, next_, std::memory_order_acq_rel, std::memory_order_relaxed);
    }
    sink(seq, take(s));
  }

  // next_ is given up: recorded as a number that cannot be behind the
  // delivery point until the slot is passed again (so never "delivered").
  void skip_one() noexcept {
    passed_[index(next_)].store(serial_type::advance(next_, Capacity), std::memory_order_relaxed);
    ++gap_skipped_;
    next_ = serial_type::advance(next_, 1);
  }

  // After a jump of next_ (anchor, resync): nothing behind it was delivered.
  void reset_history() noexcept {
    for (std::size_t k = 0; k < Capacity; ++k) {
      const value_type p = serial_type::advance(next_, k);
      passed_[index(p)].store(p, std::memory_order_relaxed);
    }
  }

  // Hands back an item that is not the number its slot is expected to hold:
  // behind the delivery point (placed after its number was passed: late or
  // duplicate_delivered), or ahead of the window (placed unchecked just
  // before the anchor was set, or, strict, not the expected number).
  template <class Reject> void reject_stale(slot &s, Reject &reject) noexcept {
    const value_type seq = s.seq;
    if (serial_type::less(seq, next_)) {
      if (passed_[index(seq)].load(std::memory_order_relaxed) == seq) {
        ++consumer_dup_;
        reject(seq, take(s), insert_outcome::duplicate_delivered);
      } else {
        ++consumer_late_;
        reject(seq, take(s), insert_outcome::late);
      }
    } else {
      ++consumer_overflow_;
      reject(seq, take(s), insert_outcome::beyond_horizon);
    }
  }

  // Anchors on the lowest number placed so far (see the constructor).
  template <class Sink, class Reject> bool try_anchor(time_point now, bool force, Sink &sink, Reject &reject) noexcept {
    bool found = false;
    value_type low = 0;
    time_point first_at = time_point::max();
    for (slot &s : slots_) {
      if ((s.state.load(std::memory_order_acquire) & status_mask) != full) continue;
      if (!found || serial_type::less(s.seq, low)) low = s.seq;
      if (s.at < first_at) first_at = s.at;
      found = true;
    }
    if (!found) return false;
    const duration pt = policy_.probation.count() > 0 ? duration{policy_.probation} : duration{policy_.timeout};
    if (!force && policy_.anchor == anchor_mode::probation && pt.count() > 0 && now - first_at < pt) {
      deadline_ = first_at + pt;
      return false;
    }
    next_ = low;
    anchored_c_ = true;
    deadline_.reset();
    reset_history();
    for (slot &s : slots_) {
      if ((s.state.load(std::memory_order_acquire) & status_mask) != full) continue;
      if (serial_type::forward_distance(next_, s.seq) >= Capacity) reject_stale(s, reject);
    }
    if (policy_.mode == reorder_mode::strict) {
      flush_held(sink, reject); // strict holds nothing once anchored
      claim_.store(next_, std::memory_order_release);
    }
    frontier_.store(next_, std::memory_order_release);
    anchored_.store(true, std::memory_order_release);
    return true;
  }

  // A producer posted a resync: flush what is held, deliver its item and
  // expect the number after it.
  template <class Sink, class Reject> void apply_resync(Sink &sink, Reject &reject) noexcept {
    if ((resync_.state.load(std::memory_order_acquire) & status_mask) != full) return;
    flush_held(sink, reject);
    ++resynced_;
    next_ = resync_.seq;
    reset_history();
    deliver(resync_, sink);
    if (policy_.mode == reorder_mode::strict) claim_.store(next_, std::memory_order_release);
    deadline_.reset();
  }

  // A producer posted an arrival ahead of the window under a depth limit:
  // move the delivery point to Capacity - 1 before it (delivering what is
  // held on the way, skipping the gaps; O(Capacity) however far), then put
  // the item in its slot, or deliver it, or hand it back if a resync or a
  // concurrent producer got there first.
  template <class Sink, class Reject> void apply_slide(Sink &sink, Reject &reject) noexcept {
    if ((slide_.state.load(std::memory_order_acquire) & status_mask) != full) return;
    const value_type seq = slide_.seq;
    const std::uint64_t d = serial_type::forward_distance(next_, seq);
    if (d >= Capacity && d < serial_type::half - 1) {
      ++depth_skips_;
      const value_type target =
          static_cast<value_type>((static_cast<std::uint64_t>(seq) - (Capacity - 1)) & serial_type::mask);
      if (serial_type::forward_distance(next_, target) > Capacity) flush_held(sink, reject);
      const std::uint64_t n = serial_type::forward_distance(next_, target);
      if (n > Capacity && n < serial_type::half) {
        gap_skipped_ += n; // flushed above, nothing is held: skip at once
        next_ = target;
        reset_history();
      } else if (n != 0 && n < serial_type::half) {
        release_through(serial_type::advance(target, serial_type::mask), sink, reject);
      }
    }
    const std::uint64_t left = serial_type::forward_distance(next_, seq);
    if (left == 0) {
      deliver(slide_, sink);
      run(sink, reject);
      return;
    }
    if (left < Capacity) {
      slot &s = slots_[index(seq)];
      std::uint64_t expect = s.state.load(std::memory_order_acquire);
      if ((expect & status_mask) == full && s.seq != seq && serial_type::less(s.seq, next_)) {
        reject_stale(s, reject); // a stale item a producer placed behind the delivery point
      }
      const std::uint64_t tag = tag_of(seq);
      expect = empty;
      if (s.state.compare_exchange_strong(expect, tag | writing, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
        s.seq = seq;
        s.at = slide_.at;
        s.item = take(slide_);
        s.state.store(tag | full, std::memory_order_release);
        return;
      }
      if ((expect & ~status_mask) == tag) {
        ++consumer_dup_; // a producer placed the same number meanwhile
        reject(seq, take(slide_), insert_outcome::duplicate_held);
        return;
      }
    }
    reject_stale(slide_, reject); // behind (a resync moved past it) or, rarely, still ahead
  }

  // Pass-through: delivers every visible item in slot order from next_.
  template <class Sink> void pass_all(Sink &sink) noexcept {
    if (held() == 0) return;
    const std::size_t start = index(next_);
    for (std::size_t k = 0; k < Capacity; ++k) {
      slot &s = slots_[(start + k) & mask_];
      if ((s.state.load(std::memory_order_acquire) & status_mask) != full) continue;
      const value_type seq = s.seq;
      if (serial_type::less_equal(next_, seq)) next_ = serial_type::advance(seq, 1);
      ++delivered_;
      sink(seq, take(s));
    }
    frontier_.store(next_, std::memory_order_release);
  }

  // Delivers the run starting at next_; hands back stale items met on the way.
  template <class Sink, class Reject> void run(Sink &sink, Reject &reject) noexcept {
    for (;;) {
      slot &s = slots_[index(next_)];
      const std::uint64_t st = s.state.load(std::memory_order_acquire);
      if ((st & status_mask) != full) return;
      if (s.seq != next_) { // not the expected number: behind it, or placed unchecked
        reject_stale(s, reject);
        continue;
      }
      deliver(s, sink);
    }
  }

  // Strict: everything held must be a claimed number in [next_, claim);
  // anything else was placed unchecked around the anchor or a resync.
  template <class Reject> void reject_unclaimed(Reject &reject) noexcept {
    if (held() == 0) return;
    if (held() <= serial_type::forward_distance(next_, claim_.load(std::memory_order_acquire))) return;
    for (slot &s : slots_) {
      if ((s.state.load(std::memory_order_acquire) & status_mask) != full) continue;
      // Read after the slot (acquire): covers the claim of the item seen.
      const value_type c = claim_.load(std::memory_order_acquire);
      if (serial_type::forward_distance(next_, s.seq) >= serial_type::forward_distance(next_, c)) {
        reject_stale(s, reject);
      }
    }
  }

  // Delivers everything held, in order, skipping gaps.
  template <class Sink, class Reject> void flush_held(Sink &sink, Reject &reject) noexcept {
    run(sink, reject);
    while (held() != 0) {
      const std::optional<std::size_t> best = scan(time_point::max(), duration::zero(), reject);
      if (!best) break; // only items still being written remain
      release_through(serial_type::advance(next_, *best), sink, reject);
    }
    if (policy_.mode == reorder_mode::strict) {
      value_type c = claim_.load(std::memory_order_acquire);
      while (serial_type::less(c, next_) &&
             !claim_.compare_exchange_weak(c, next_, std::memory_order_acq_rel, std::memory_order_acquire)) {
      }
    }
  }

  // Moves the delivery point to `target` (inclusive), delivering what is
  // there and skipping the rest, then delivers the run after it.
  template <class Sink, class Reject> void release_through(value_type target, Sink &sink, Reject &reject) noexcept {
    const value_type end = serial_type::advance(target, 1);
    while (next_ != end) {
      slot &s = slots_[index(next_)];
      const std::uint64_t st = s.state.load(std::memory_order_acquire);
      if ((st & status_mask) == full && s.seq == next_) {
        deliver(s, sink);
        continue;
      }
      if ((st & status_mask) == full) reject_stale(s, reject);
      skip_one();
    }
    run(sink, reject);
  }

  // Scans every slot: hands back stale items; returns the highest offset
  // from next_ of an item that waited `t` by `now` (time_point::max() with
  // t = 0: of any item), and sets oldest_left_ to the earliest arrival of
  // the others.
  template <class Reject> std::optional<std::size_t> scan(time_point now, duration t, Reject &reject) noexcept {
    std::optional<std::size_t> best;
    oldest_left_ = time_point::max();
    for (slot &s : slots_) {
      const std::uint64_t st = s.state.load(std::memory_order_acquire);
      if ((st & status_mask) != full) continue;
      const std::size_t off = static_cast<std::size_t>(serial_type::forward_distance(next_, s.seq));
      if (off >= Capacity) { // behind the delivery point, or beyond the window
        reject_stale(s, reject);
        continue;
      }
      if (now == time_point::max() || now - s.at >= t) {
        if (!best || off > *best) best = off;
      } else if (s.at < oldest_left_) {
        oldest_left_ = s.at;
      }
    }
    return best;
  }

  template <class Sink, class Reject> void refresh_deadline(time_point now, Sink &sink, Reject &reject) noexcept {
    (void)sink;
    (void)scan(now, duration::max(), reject);
    // Nothing visible yet (still being written): start the clock now.
    deadline_ = (oldest_left_ == time_point::max() ? now : oldest_left_) + policy_.timeout;
  }

  template <class Sink, class Reject> void expire(time_point now, Sink &sink, Reject &reject) noexcept {
    const std::optional<std::size_t> best = scan(now, policy_.timeout, reject);
    if (best) {
      ++timed_out_;
      release_through(serial_type::advance(next_, *best), sink, reject);
    }
    deadline_.reset();
    if (held() != 0) {
      deadline_ = (oldest_left_ == time_point::max() ? now : oldest_left_) + policy_.timeout;
    }
  }

  template <class Sink, class Reject> void skip_to_lowest(Sink &sink, Reject &reject) noexcept {
    for (std::size_t off = 0; off < Capacity; ++off) {
      const value_type p = serial_type::advance(next_, off);
      slot &s = slots_[index(p)];
      const std::uint64_t st = s.state.load(std::memory_order_acquire);
      if ((st & status_mask) == full && s.seq == p) {
        release_through(p, sink, reject);
        return;
      }
    }
  }

  [[no_unique_address]] Policy policy_;
  // Consumer-owned state.
  value_type next_;
  std::uint64_t delivered_ = 0;
  bool anchored_c_ = true;
  std::uint64_t consumer_late_ = 0;
  std::uint64_t consumer_overflow_ = 0;
  std::uint64_t consumer_dup_ = 0;
  std::uint64_t gap_skipped_ = 0;
  std::uint64_t timed_out_ = 0;
  std::uint64_t depth_skips_ = 0;
  std::uint64_t resynced_ = 0;
  std::optional<time_point> deadline_;
  time_point oldest_left_ = time_point::max();
  // Shared.
  alignas(64) std::atomic<value_type> frontier_{0};
  std::atomic<bool> anchored_{true};
  alignas(64) std::atomic<value_type> claim_{0};  // strict: the number producers may take next
  alignas(64) std::atomic<std::uint64_t> oos_{0}; // resync: last out-of-window key << 32 | run length
  std::array<stripe, stripe_count> stripes_{};
  slot resync_{};                                          // resync: the N-th item, for the consumer
  slot slide_{};                                           // depth: an arrival ahead of the window
  std::array<std::atomic<value_type>, Capacity> passed_{}; // per slot: last number passed (see skip_one)
  std::array<slot, Capacity> slots_{};
};

} // namespace seq
} // namespace v1
} // namespace vpnwire
