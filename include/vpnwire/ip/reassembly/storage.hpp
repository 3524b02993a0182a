// Part of the reassembly engine: where the bytes of stored fragments live.
//
// copy_store copies each fragment's data once, straight to its place in
// the datagram: per slot, a table maps each block-sized part of the
// datagram to a block of a block_pool. A datagram's blocks are preferably
// taken as one run of the pool, so that on completion it is usually
// already contiguous and can be delivered in place, its header written in
// front of it.
//
// borrow_store copies nothing: the engine keeps pointers into the caller's
// fragments (in its piece lists) and this store keeps each fragment's
// caller token and counts the caller's bytes referenced against the budget.
//
// Both have the same shape for the engine, which keeps each slot's
// `slot_state` (a few bytes) in its slot table entry, beside the datagram's
// own state, so that a fragment touches one cache line of bookkeeping:
//   on_create(slot, st, first_end, final)   a new datagram
//   hopeless(start, end)            the fragment can never fit, whatever is evicted
//   fits(slot, st, start, end)      it fits now (else the engine evicts the oldest and asks again)
//   reserve(slot, st, start, end)   takes what it needs (after fits)
//   write(slot, start, data)        stores the bytes (copy) or nothing (borrow)
//   release(slot, st, ...)          frees what the slot held
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/ip/detail/fixed_array.hpp"
#include "vpnwire/ip/reassembly/block_pool.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace vpnwire {
inline namespace v1 {
namespace ip {
namespace reassembly {

/// Copy storage: fragment bytes in a block_pool.
class copy_store {
public:
  static constexpr std::uint32_t none = block_pool::none;

  copy_store() noexcept = default;

  /// For `slots` datagrams of at most `max_payload` bytes each, a pool of
  /// byte_budget / block_size blocks with `header_room` bytes in front.
  /// False when an allocation failed.
  [[nodiscard]] bool init(std::size_t slots, std::size_t max_payload, std::size_t byte_budget, std::size_t block_size,
                          std::size_t header_room) noexcept {
    if (!pool_.init(byte_budget, block_size, header_room)) return false;
    per_slot_ = (max_payload + pool_.block_size()) / pool_.block_size();
    if (!table_.allocate(slots * per_slot_)) return false;
    table_.fill(none);
    cursor_ = 0;
    est_blocks_ = 0;
    return true;
  }

  [[nodiscard]] const block_pool &pool() const noexcept { return pool_; }
  /// Bytes of the pool holding fragment data.
  [[nodiscard]] std::size_t bytes_in_use() const noexcept {
    return (pool_.blocks() - pool_.free_blocks()) * pool_.block_size();
  }
  /// The budget in force (whole blocks).
  [[nodiscard]] std::size_t byte_budget() const noexcept { return pool_.blocks() * pool_.block_size(); }
  [[nodiscard]] std::size_t memory() const noexcept { return pool_.memory() + table_.memory(); }

  /// Per slot, kept by the caller: the placement hint and the extent of
  /// the block table in use.
  struct slot_state {
    std::uint32_t hint = none;     // preferred pool block of payload block 0 (placement, not a reservation)
    std::uint32_t block_limit = 0; // one past the highest block index ever allocated
  };

  /// A new datagram in `slot` whose first fragment ends at `first_end`
  /// (`final`: that fragment is the last, so the size is known).
  ///
  /// Placement: the datagram's blocks are preferably taken as one run of
  /// the pool, starting at the cursor, so that on completion it is already
  /// contiguous. The run's length is the datagram's size when known, else
  /// the size of the last completed datagram (at least what the first
  /// fragment needs). Runs follow each other; the block before a run, once
  /// its own datagram is done, takes the next one's header. When the pool is
  /// empty the cursor restarts at its front, which keeps the memory touched
  /// small.
  void on_create(std::uint32_t, slot_state &st, std::uint32_t first_end, bool final) noexcept {
    st.block_limit = 0;
    std::size_t est = (std::size_t{first_end} - 1) / pool_.block_size() + 1;
    if (!final && est_blocks_ > est) est = est_blocks_;
    if (est > pool_.blocks()) {
      st.hint = none;
      return;
    }
    if (cursor_ + est > pool_.blocks() || pool_.free_blocks() == pool_.blocks()) cursor_ = 0;
    st.hint = static_cast<std::uint32_t>(cursor_);
    cursor_ += est;
  }

  /// Copy storage never refuses a fragment before trying to evict.
  [[nodiscard]] static constexpr bool hopeless(std::uint32_t, std::uint32_t) noexcept { return false; }

  /// True when the free blocks cover every block of [start, end) the slot lacks.
  [[nodiscard]] VPNWIRE_ALWAYS_INLINE bool fits(std::uint32_t slot, const slot_state &, std::uint32_t start,
                                                std::uint32_t end) const noexcept {
    const std::uint32_t *t = table(slot);
    std::size_t missing = 0;
    for (std::size_t i = start >> pool_.shift(); i <= (end - 1) >> pool_.shift(); ++i) missing += t[i] == none;
    return missing <= pool_.free_blocks();
  }

  /// Takes the blocks of [start, end) the slot lacks, the placement's
  /// preferred ones when free. Precondition: fits().
  VPNWIRE_ALWAYS_INLINE void reserve(std::uint32_t slot, slot_state &st, std::uint32_t start,
                                     std::uint32_t end) noexcept {
    std::uint32_t *t = table(slot);
    const std::size_t last = (end - 1) >> pool_.shift();
    for (std::size_t i = start >> pool_.shift(); i <= last; ++i) {
      if (t[i] != none) continue;
      const std::size_t want = std::size_t{st.hint} + i;
      if (st.hint != none && want < pool_.blocks() && pool_.is_free(static_cast<std::uint32_t>(want)))
        t[i] = pool_.take(static_cast<std::uint32_t>(want));
      else
        t[i] = pool_.take_any();
      if (i + 1 > st.block_limit) st.block_limit = static_cast<std::uint32_t>(i + 1);
    }
  }

  /// Copies `data` to offset `start` of the slot's datagram.
  VPNWIRE_ALWAYS_INLINE void write(std::uint32_t slot, std::uint32_t start, bytes_view data) noexcept {
    const std::uint32_t *t = table(slot);
    const std::size_t bs = pool_.block_size();
    std::size_t off = start;
    std::size_t done = 0;
    while (done < data.size()) {
      const std::size_t within = off & (bs - 1);
      const std::size_t n = std::min(bs - within, data.size() - done);
      std::memcpy(pool_.data(t[off >> pool_.shift()]) + within, data.data() + done, n);
      done += n;
      off += n;
    }
  }

  /// Returns the slot's blocks to the pool.
  void release(std::uint32_t slot, slot_state &st) noexcept {
    std::uint32_t *t = table(slot);
    for (std::size_t i = 0; i < st.block_limit; ++i) {
      if (t[i] != none) {
        pool_.give_back(t[i]);
        t[i] = none;
      }
    }
    st.block_limit = 0;
  }

  /// Lays out the completed datagram of `payload` bytes with `header_len`
  /// bytes of header in front, and returns where the header goes (the
  /// payload follows it). When the datagram's blocks form one run of the
  /// pool (the usual case, see on_create()) the payload is already
  /// contiguous: with `in_place_allowed` it is delivered where it is, the
  /// header going into the free block before the run or the room in front
  /// of the pool, so the payload was copied exactly once; otherwise it is
  /// copied to `out` with one memcpy, or gathered block by block when
  /// scattered. Precondition: out.size() >= header_len + payload.
  [[nodiscard]] std::byte *assemble(std::uint32_t slot, std::size_t payload, std::size_t header_len, mutable_bytes out,
                                    bool in_place_allowed) noexcept {
    const std::uint32_t *t = table(slot);
    const std::size_t nb = ((payload - 1) >> pool_.shift()) + 1;
    const std::uint32_t base = t[0];
    bool contiguous = true;
    for (std::size_t i = 1; i < nb; ++i) contiguous = contiguous && t[i] == base + i;
    est_blocks_ = nb;
    const bool room_before =
        base == 0 ? header_len <= pool_.front_room() : header_len <= pool_.block_size() && pool_.is_free(base - 1);
    if (in_place_allowed && contiguous && room_before) return pool_.data(base) - header_len;
    std::byte *o = out.data();
    if (contiguous) {
      std::memcpy(o + header_len, pool_.data(base), payload);
    } else {
      std::size_t off = 0;
      while (off < payload) {
        const std::size_t n = std::min(pool_.block_size(), payload - off);
        std::memcpy(o + header_len + off, pool_.data(t[off >> pool_.shift()]), n);
        off += n;
      }
    }
    return o;
  }

private:
  [[nodiscard]] std::uint32_t *table(std::uint32_t slot) noexcept { return &table_[std::size_t{slot} * per_slot_]; }
  [[nodiscard]] const std::uint32_t *table(std::uint32_t slot) const noexcept {
    return &table_[std::size_t{slot} * per_slot_];
  }

  block_pool pool_;
  detail::fixed_array<std::uint32_t> table_; // per slot: pool block of each payload block, or none
  std::size_t per_slot_ = 0;
  std::size_t cursor_ = 0;     // where the next datagram's run of blocks starts
  std::size_t est_blocks_ = 0; // blocks of the last completed datagram
};

/// Called once for each token of a stored fragment whose datagram is
/// dropped; the fragment's buffer is the caller's again.
using release_fn = void (*)(void *context, std::uint64_t token) noexcept;

/// Borrow storage: the caller's fragments are referenced, not copied.
class borrow_store {
public:
  borrow_store() noexcept = default;

  /// For `slots` datagrams of at most `max_fragments` fragments, holding at
  /// most `byte_budget` bytes of the caller's fragments. False when an
  /// allocation failed.
  [[nodiscard]] bool init(std::size_t slots, std::size_t max_fragments, std::size_t byte_budget, release_fn on_release,
                          void *on_release_context) noexcept {
    budget_ = byte_budget;
    max_fragments_ = max_fragments;
    release_ = on_release;
    release_context_ = on_release_context;
    held_total_ = 0;
    return tokens_.allocate(slots * max_fragments);
  }

  /// Per slot, kept by the caller: the caller's bytes it references.
  struct slot_state {
    std::uint32_t held = 0;
  };

  /// Bytes of the caller's fragments referenced, all slots.
  [[nodiscard]] std::size_t bytes_in_use() const noexcept { return held_total_; }
  [[nodiscard]] std::size_t byte_budget() const noexcept { return budget_; }
  [[nodiscard]] std::size_t memory() const noexcept { return tokens_.memory(); }

  static void on_create(std::uint32_t, slot_state &st, std::uint32_t, bool) noexcept { st.held = 0; }
  /// A fragment larger than the whole budget never fits.
  [[nodiscard]] bool hopeless(std::uint32_t start, std::uint32_t end) const noexcept { return end - start > budget_; }
  [[nodiscard]] bool fits(std::uint32_t, const slot_state &, std::uint32_t start, std::uint32_t end) const noexcept {
    return held_total_ + (end - start) <= budget_;
  }
  void reserve(std::uint32_t, slot_state &st, std::uint32_t start, std::uint32_t end) noexcept {
    held_total_ += end - start;
    st.held += end - start;
  }
  /// Nothing to copy: the pieces point at the caller's bytes.
  static constexpr void write(std::uint32_t, std::uint32_t, bytes_view) noexcept {}

  /// Records the token of the slot's fragment number `index`.
  void set_token(std::uint32_t slot, std::size_t index, std::uint64_t token) noexcept {
    tokens_[std::size_t{slot} * max_fragments_ + index] = token;
  }
  /// The tokens of the slot's first `count` fragments. They stay readable
  /// until the slot is reused.
  [[nodiscard]] std::span<const std::uint64_t> tokens(std::uint32_t slot, std::size_t count) const noexcept {
    return {&tokens_[std::size_t{slot} * max_fragments_], count};
  }

  /// Forgets the slot's bytes; with `hand_back` (a dropped datagram, not a
  /// delivered one) passes each of its `count` tokens to the release callback.
  void release(std::uint32_t slot, slot_state &st, std::size_t count, bool hand_back) noexcept {
    held_total_ -= st.held;
    st.held = 0;
    if (hand_back && release_ != nullptr)
      for (const std::uint64_t t : tokens(slot, count)) release_(release_context_, t);
  }

private:
  detail::fixed_array<std::uint64_t> tokens_; // per slot: the token of each stored fragment
  std::size_t held_total_ = 0;
  std::size_t budget_ = 0;
  std::size_t max_fragments_ = 0;
  release_fn release_ = nullptr;
  void *release_context_ = nullptr;
};

} // namespace reassembly
} // namespace ip
} // namespace v1
} // namespace vpnwire
