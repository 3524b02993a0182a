// Part of the reassembly engine: a fixed-capacity table of keyed slots with
// their age order.
//
//   slot_table<ipv4_key, datagram_state> t;
//   if (!t.init(1024, seed)) out_of_memory();
//   const std::size_t b = t.bucket_of(k);
//   std::uint32_t s = t.find(k, b);
//   if (s == t.none) s = t.insert(k, b, now + timeout);   // after making room
//   ...
//   while (!t.empty() && t.deadline(t.oldest()) <= now) t.erase(t.oldest());
//
// Lookup is a keyed hash (a per-instance seed, so that remote senders
// cannot aim keys at one bucket) into a chained index; every slot is also
// on one list in insertion order, which is deadline order when every slot
// gets the same lifetime, so expiry and eviction of the oldest are O(1).
// All memory is allocated by init(); nothing afterwards. The key type
// provides `operator==` and `std::uint64_t hash(const keyed_hash &) const`.
#pragma once

#include "vpnwire/core/time.hpp"
#include "vpnwire/detail/config.hpp"
#include "vpnwire/ip/detail/fixed_array.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace ip {
namespace reassembly {

/// A seeded 64-bit hash step: the seed enters both operands of one
/// 64x64 -> 128-bit multiply whose halves are folded (the "mum" step of
/// wyhash-style hashes). Not cryptographic: the seed makes bucket-aiming
/// harder, the table's bounds make it harmless.
class keyed_hash {
public:
  constexpr keyed_hash() noexcept = default;
  constexpr explicit keyed_hash(std::uint64_t seed) noexcept : seed_(seed), seed2_(mix(seed + 1)) {}

  [[nodiscard]] constexpr std::uint64_t seed() const noexcept { return seed_; }
  [[nodiscard]] constexpr std::uint64_t seed2() const noexcept { return seed2_; }

  /// Folds a*b (128 bits) to 64 bits. Callers mix the seeds into a and b.
  [[nodiscard]] static constexpr std::uint64_t mum(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128;
    const u128 r = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
#else
    return mix(mix(a) ^ b);
#endif
  }
  /// A 64-bit finaliser (used to derive the second key and without int128).
  [[nodiscard]] static constexpr std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    return x;
  }

private:
  std::uint64_t seed_ = 0;
  std::uint64_t seed2_ = mix(1);
};

/// A fixed-capacity keyed table of slots, each carrying a Value, with the
/// age order of insertion and one deadline per slot.
template <class Key, class Value> class slot_table {
public:
  static constexpr std::uint32_t none = 0xFFFFFFFFU;

  /// A slot. What a lookup reads (the key and the hash chain) comes first,
  /// then the Value (whose first fields should be those touched per use),
  /// then what only insertion, erasure and expiry touch.
  struct alignas(64) entry {
    Key key{};
    std::uint32_t hash_next = none;
    Value value{};
    std::uint32_t age_prev = none;
    std::uint32_t age_next = none;
    std::uint32_t bucket = 0; // kept so erase() need not rehash
    time_point deadline{};
  };

  slot_table() noexcept = default;

  /// Allocates `capacity` slots and an index of the next power of two at or
  /// above twice that many buckets. False when an allocation failed.
  [[nodiscard]] bool init(std::size_t capacity, std::uint64_t seed) noexcept {
    hash_ = keyed_hash(seed);
    std::size_t nb = 1;
    while (nb < 2 * capacity) nb <<= 1;
    if (!entries_.allocate(capacity) || !free_.allocate(capacity) || !buckets_.allocate(nb)) return false;
    buckets_.fill(none);
    mask_ = nb - 1;
    for (std::size_t i = 0; i < capacity; ++i) free_[i] = static_cast<std::uint32_t>(capacity - 1 - i);
    free_count_ = capacity;
    used_ = 0;
    oldest_ = youngest_ = none;
    return true;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return entries_.size(); }
  /// Slots in use.
  [[nodiscard]] std::size_t size() const noexcept { return used_; }
  [[nodiscard]] bool empty() const noexcept { return used_ == 0; }
  [[nodiscard]] bool full() const noexcept { return free_count_ == 0; }
  [[nodiscard]] const keyed_hash &hash() const noexcept { return hash_; }

  /// The bucket of a key.
  [[nodiscard]] VPNWIRE_ALWAYS_INLINE std::size_t bucket_of(const Key &k) const noexcept {
    const std::uint64_t h = k.hash(hash_);
    return static_cast<std::size_t>(h ^ (h >> 29)) & mask_;
  }
  /// The slot holding `k` (whose bucket is `bucket`), or none.
  [[nodiscard]] VPNWIRE_ALWAYS_INLINE std::uint32_t find(const Key &k, std::size_t bucket) const noexcept {
    for (std::uint32_t s = buckets_[bucket]; s != none; s = entries_[s].hash_next)
      if (entries_[s].key == k) return s;
    return none;
  }

  /// Takes a free slot for `k` (not present; its bucket is `bucket`), the
  /// youngest in age order, with a value-initialised Value.
  /// Precondition: !full().
  std::uint32_t insert(const Key &k, std::size_t bucket, time_point deadline) noexcept {
    VPNWIRE_ASSERT(free_count_ != 0);
    const std::uint32_t s = free_[--free_count_];
    entry &e = entries_[s];
    e.key = k;
    e.value = Value{};
    e.bucket = static_cast<std::uint32_t>(bucket);
    e.deadline = deadline;
    e.hash_next = buckets_[bucket];
    buckets_[bucket] = s;
    e.age_prev = youngest_;
    e.age_next = none;
    if (youngest_ != none)
      entries_[youngest_].age_next = s;
    else
      oldest_ = s;
    youngest_ = s;
    ++used_;
    return s;
  }

  /// Frees slot s (in use): unlinks it from its bucket and the age order.
  void erase(std::uint32_t s) noexcept {
    entry &e = entries_[s];
    std::uint32_t *link = &buckets_[e.bucket];
    while (*link != s) link = &entries_[*link].hash_next;
    *link = e.hash_next;
    if (e.age_prev != none)
      entries_[e.age_prev].age_next = e.age_next;
    else
      oldest_ = e.age_next;
    if (e.age_next != none)
      entries_[e.age_next].age_prev = e.age_prev;
    else
      youngest_ = e.age_prev;
    free_[free_count_++] = s;
    --used_;
  }

  /// The oldest slot in use, or none.
  [[nodiscard]] std::uint32_t oldest() const noexcept { return oldest_; }
  /// The next younger slot after s, or none.
  [[nodiscard]] std::uint32_t younger(std::uint32_t s) const noexcept { return entries_[s].age_next; }
  [[nodiscard]] time_point deadline(std::uint32_t s) const noexcept { return entries_[s].deadline; }
  [[nodiscard]] const Key &key(std::uint32_t s) const noexcept { return entries_[s].key; }
  [[nodiscard]] Value &value(std::uint32_t s) noexcept { return entries_[s].value; }
  [[nodiscard]] const Value &value(std::uint32_t s) const noexcept { return entries_[s].value; }

  /// Bytes allocated.
  [[nodiscard]] std::size_t memory() const noexcept { return entries_.memory() + free_.memory() + buckets_.memory(); }

private:
  detail::fixed_array<entry> entries_;
  detail::fixed_array<std::uint32_t> free_;
  detail::fixed_array<std::uint32_t> buckets_;
  keyed_hash hash_{};
  std::size_t mask_ = 0;
  std::size_t free_count_ = 0;
  std::size_t used_ = 0;
  std::uint32_t oldest_ = none;
  std::uint32_t youngest_ = none;
};

} // namespace reassembly
} // namespace ip
} // namespace v1
} // namespace vpnwire
