// A bounded IPv4 fragment reassembler (RFC 791 §3.2, RFC 815, RFC 5722's
// overlap rule, RFC 6864 identification semantics).
//
// Every bound is a constructor parameter and all memory is allocated in the
// constructor: a table of datagram slots, a hash index, per-slot fragment
// and block tables, and a pool of fixed-size payload blocks that holds the
// byte budget. Fragment payload is copied once, straight to its place in the
// datagram (blocks indexed by offset). A datagram's blocks are preferably
// taken as one run of the pool, so that on completion it is usually already
// contiguous and is delivered in place (header written in front of the
// payload), with no second copy; otherwise, or into a caller's buffer, it is
// copied out once.
//
//   ip::reassembler r({.max_datagrams = 256, .hash_seed = random_seed()});
//   auto d = r.submit(packet, tunnel_id, now);
//   if (d && d->status == ip::delivery_status::complete) deliver(d->datagram);
//
// Zero-copy mode (ip::borrowing_reassembler): the reassembler copies nothing.
// It keeps references to the caller's fragment buffers, each with a caller
// token (an mbuf pointer, a buffer index), and delivers a chain: the
// rewritten header plus the payload pieces in order, pointing into those
// buffers, with the tokens of every fragment it used, which are the
// caller's again. Fragments of a datagram that is dropped (timeout,
// eviction, a bad fragment) are handed back through the release callback of
// the configuration. The byte budget then bounds the caller's bytes held.
//
//   ip::borrowing_reassembler r({.release = &recycle, .release_context = pool});
//   auto d = r.submit(packet, token, tunnel_id, now);   // token: owned by r if stored
//   if (d && d->status == ip::delivery_status::complete) {
//     send_chain(d->header, d->payload);                // or ip::gather(*d, buffer)
//     for (auto t : d->tokens) recycle(pool, t);
//   }
//
// Costs: lookup O(1) expected (keyed hash with a per-instance seed);
// in-order (tail) fragments O(1); other insertions a binary search
// (O(log k)) plus a move of at most k 16-byte descriptors (k <= the
// fragment cap); expiry and eviction O(1) each (datagrams sit in one list
// in creation order, which is also deadline order because every datagram
// gets the same timeout).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// What to do when a fragment overlaps data already received.
enum class overlap_policy : std::uint8_t {
  /// Default. An exact duplicate (same offset and end) is dropped alone; any
  /// other overlap, including a fragment contained in another, drops the
  /// whole datagram (RFC 5722 §4, applied by Linux to IPv4 since 4.19).
  rfc5722,
  /// Target-based policies (Novak, "Target-Based Fragmentation
  /// Reassembly", 2005; Snort frag3, Suricata) for analysing what a given
  /// host would have reassembled. For each overlapped range, the new
  /// fragment N wins over the earlier fragment O when:
  first,        ///< never (the earliest data always wins);
  last,         ///< always (the latest data always wins);
  bsd,          ///< N starts before O;
  bsd_right,    ///< O starts before N, or N ends after O (O wins when it starts at/after N and reaches N's end);
  linux_legacy, ///< N starts at or before O (Linux before 4.19);
  windows,      ///< N starts before O and ends after O;
  solaris,      ///< N starts before O and ends at or after O's end.
  /// What Linux 4.19 and later do (net/ipv4/inet_fragment.c, checked
  /// against the running kernel by tests/ip/kernel_oracle_test.cpp).
  /// Fragments that arrive in order at the tail are chained into runs; a
  /// fragment lying entirely inside one run is dropped alone as a duplicate,
  /// whatever its bytes; any other overlap drops the datagram. It differs
  /// from rfc5722 only for a fragment inside a run but not equal to one
  /// fragment of it (rfc5722 drops the datagram, Linux keeps it with the
  /// bytes received first).
  linux_current
};

[[nodiscard]] constexpr std::string_view name(overlap_policy p) noexcept {
  switch (p) {
  case overlap_policy::rfc5722: return "rfc5722";
  case overlap_policy::first: return "first";
  case overlap_policy::last: return "last";
  case overlap_policy::bsd: return "bsd";
  case overlap_policy::bsd_right: return "bsd-right";
  case overlap_policy::linux_legacy: return "linux";
  case overlap_policy::windows: return "windows";
  case overlap_policy::solaris: return "solaris";
  case overlap_policy::linux_current: return "linux-current";
  }
  return "unknown";
}

/// The reassembler's bounds. Out-of-range values are clamped by the
/// constructor (see the comment of each field); config() reports the values in use.
struct reassembler_config {
  /// Datagrams reassembled at the same time (slots). Clamped to [1, 2^24].
  std::size_t max_datagrams = 1024;
  /// Fragments accepted per datagram. Clamped to [1, 8192].
  std::size_t max_fragments = 64;
  /// Payload bytes held for incomplete datagrams, all datagrams together.
  /// Rounded down to whole blocks; at least one block.
  std::size_t byte_budget = std::size_t{4} << 20;
  /// Size of a payload block; a power of two in [64, 65536] (rounded up).
  /// Smaller blocks waste less budget on small fragments; larger blocks
  /// make fewer copies.
  std::size_t block_size = 2048;
  /// Lifetime of a datagram from its first fragment (RFC 791 suggests up to
  /// 15 s for the timer; Linux uses 30 s). At least 1 ns.
  duration timeout = std::chrono::seconds(30);
  overlap_policy policy = overlap_policy::rfc5722;
  /// Seed of the keyed hash: pass a random value per instance in production
  /// so remote senders cannot aim identifications at one bucket.
  std::uint64_t hash_seed = 0;
  /// Zero-copy mode only (borrowing_reassembler): called once for each token
  /// of a stored fragment whose datagram is dropped (timeout, eviction, a
  /// bad fragment), from inside submit() or expire(); the fragment's buffer
  /// is the caller's again. Null: tokens of dropped datagrams are forgotten.
  void (*release)(void *context, std::uint64_t token) noexcept = nullptr;
  void *release_context = nullptr;
};

/// Storage modes of basic_reassembler.
struct copy_storage {};     ///< Fragment payload is copied into an internal pool.
struct borrowed_storage {}; ///< The caller's fragment buffers are referenced (zero copy).

/// One counter per outcome. For every submit() exactly one of not_fragments,
/// stored, reassembled, malformed, misaligned, oversize, inconsistent,
/// duplicates, too_many_fragments, budget_exhausted, output_too_small or
/// (rfc5722 and linux_current only) overlaps is incremented; with a
/// target-based policy an overlapping fragment is stored and `overlaps`
/// counts the event only.
/// For datagrams: started == reassembled + failed + timed_out + evicted + in_progress().
struct reassembler_counters {
  std::uint64_t requests = 0;           ///< submit() calls.
  std::uint64_t not_fragments = 0;      ///< Unfragmented packets passed through.
  std::uint64_t stored = 0;             ///< Fragments stored, datagram still incomplete.
  std::uint64_t reassembled = 0;        ///< Datagrams completed and delivered.
  std::uint64_t started = 0;            ///< Datagrams created by a first-seen fragment.
  std::uint64_t failed = 0;             ///< Datagrams dropped by a fragment (overlap, cap, length, budget...).
  std::uint64_t timed_out = 0;          ///< Datagrams dropped at their deadline.
  std::uint64_t evicted = 0;            ///< Oldest incomplete datagrams dropped to make room.
  std::uint64_t overlaps = 0;           ///< Overlapping fragments (not counting exact duplicates under rfc5722).
  std::uint64_t duplicates = 0;         ///< Exact duplicates dropped alone (rfc5722).
  std::uint64_t oversize = 0;           ///< Fragment end or datagram size beyond 65535.
  std::uint64_t too_many_fragments = 0; ///< Fragments beyond the per-datagram cap.
  std::uint64_t misaligned = 0;         ///< MF fragments whose length is not a multiple of 8.
  std::uint64_t malformed = 0;          ///< Bad IPv4 header or empty fragment.
  std::uint64_t inconsistent = 0;       ///< Two different final ends or data past the final end.
  std::uint64_t budget_exhausted = 0;   ///< A fragment that cannot fit even after evicting all others.
  std::uint64_t output_too_small = 0;   ///< Completed datagram larger than the caller's buffer.
};

enum class delivery_status : std::uint8_t {
  incomplete,  ///< The fragment was stored; nothing to deliver yet.
  complete,    ///< `datagram` is the reassembled datagram.
  not_fragment ///< The packet was not a fragment; `datagram` is the packet itself.
};

struct delivery {
  delivery_status status = delivery_status::incomplete;
  /// The datagram (complete) or the packet (not_fragment); empty otherwise.
  bytes_view datagram{};
};

/// What the zero-copy reassembler delivers. The spans stay valid until the
/// next call to submit() or expire().
struct chained_delivery {
  delivery_status status = delivery_status::incomplete;
  /// complete: the rewritten IPv4 header (total length, flags, offset and
  /// checksum of the whole datagram), in internal memory. not_fragment: the
  /// whole packet.
  bytes_view header{};
  /// complete: the payload, in order, as pieces of the caller's fragments.
  std::span<const bytes_view> payload{};
  /// complete: the token of every fragment stored for this datagram
  /// (including the one just submitted); their buffers are the caller's again.
  std::span<const std::uint64_t> tokens{};
  /// complete: header plus payload bytes; not_fragment: the packet's size.
  std::size_t total_length = 0;
};

/// Writes a chained datagram contiguously into `out`; returns the bytes
/// written, or 0 when `out` is smaller than d.total_length.
[[nodiscard]] inline std::size_t gather(const chained_delivery &d, mutable_bytes out) noexcept {
  if (out.size() < d.total_length) return 0;
  std::byte *o = out.data();
  std::memcpy(o, d.header.data(), d.header.size());
  o += d.header.size();
  for (const bytes_view p : d.payload) {
    std::memcpy(o, p.data(), p.size());
    o += p.size();
  }
  return static_cast<std::size_t>(o - out.data());
}

template <class Storage> class basic_reassembler {
  static_assert(std::is_same_v<Storage, copy_storage> || std::is_same_v<Storage, borrowed_storage>);
  static constexpr bool borrowing = std::is_same_v<Storage, borrowed_storage>;
  using delivery_type = std::conditional_t<borrowing, chained_delivery, delivery>;

  static constexpr std::uint32_t none = 0xFFFFFFFFU;
  // Bytes kept free in front of the pool, at least the largest IPv4 header.
  static constexpr std::size_t header_room = 64;
  static_assert(header_room >= ipv4_max_header);

public:
  /// Allocates every table (and, copying, the block pool). Nothing is
  /// allocated afterwards.
  explicit basic_reassembler(const reassembler_config &cfg = {}) : cfg_(clamped(cfg)), seed2_(mix(cfg_.hash_seed + 1)) {
    piece_cap_ = rejects_overlaps() ? cfg_.max_fragments : 2 * cfg_.max_fragments;
    slots_.resize(cfg_.max_datagrams);
    pieces_.resize(cfg_.max_datagrams * piece_cap_);
    std::size_t nb = 1;
    while (nb < 2 * cfg_.max_datagrams) nb <<= 1;
    buckets_.assign(nb, none);
    bucket_mask_ = nb - 1;
    free_slots_.resize(cfg_.max_datagrams);
    for (std::size_t i = 0; i < cfg_.max_datagrams; ++i)
      free_slots_[i] = static_cast<std::uint32_t>(cfg_.max_datagrams - 1 - i);
    free_slot_count_ = cfg_.max_datagrams;
    if (!rejects_overlaps()) scratch_.resize(piece_cap_ + 4);
    if constexpr (borrowing) {
      tokens_.resize(cfg_.max_datagrams * cfg_.max_fragments);
      chain_.resize(piece_cap_);
      return;
    }
    blocks_per_datagram_ = (ipv4_max_total + cfg_.block_size) / cfg_.block_size;
    block_shift_ = 0;
    while ((std::size_t{1} << block_shift_) < cfg_.block_size) ++block_shift_;
    const std::size_t nblocks = cfg_.byte_budget / cfg_.block_size;
    nblocks_ = nblocks;
    // header_room bytes in front of block 0 so a datagram placed at block 0
    // can also be delivered in place (see complete()).
    pool_.resize(header_room + nblocks * cfg_.block_size);
    free_blocks_.resize(nblocks);
    free_pos_.resize(nblocks);
    for (std::size_t i = 0; i < nblocks; ++i) {
      free_blocks_[i] = static_cast<std::uint32_t>(nblocks - 1 - i);
      free_pos_[nblocks - 1 - i] = static_cast<std::uint32_t>(i);
    }
    free_count_ = nblocks;
    block_table_.assign(cfg_.max_datagrams * blocks_per_datagram_, none);
    output_.resize(ipv4_max_total);
  }

  basic_reassembler(const basic_reassembler &) = delete;
  basic_reassembler &operator=(const basic_reassembler &) = delete;
  basic_reassembler(basic_reassembler &&) noexcept = default;
  basic_reassembler &operator=(basic_reassembler &&) noexcept = default;

  /// Offers one IPv4 packet received at `now` in `context` (tunnel, SA or
  /// VRF: fragments are only merged within the same context). Expired
  /// datagrams are dropped first. On completion the datagram is in internal
  /// memory (in place in the block pool, or an internal buffer); the returned
  /// span stays valid until the next call to submit().
  ///
  /// Errors (offset into `packet`): any parse_ipv4 error (malformed);
  /// empty_fragment (2); misaligned_fragment (2); oversize (6) for offset +
  /// length beyond 65535 or a completed datagram beyond 65535 bytes;
  /// inconsistent_length (6); overlap (6); duplicate_fragment (6);
  /// too_many_fragments (6); budget_exhausted (2). Every error except
  /// malformed, empty, misaligned, oversize-of-the-fragment and duplicate
  /// also drops the datagram the fragment belonged to.
  [[nodiscard]] result<delivery, errc> submit(bytes_view packet, std::uint64_t context, time_point now) noexcept
      requires(!borrowing) {
    return submit_impl(packet, 0, context, now, mutable_bytes(output_), true);
  }

  /// As submit(), but a completed datagram is written into `out`.
  /// Additional error: buffer_too_small (offset = out.size()) when the
  /// datagram does not fit; the datagram is then dropped (output_too_small).
  [[nodiscard]] result<delivery, errc> submit(bytes_view packet, std::uint64_t context, time_point now,
                                              mutable_bytes out) noexcept requires(!borrowing) {
    return submit_impl(packet, 0, context, now, out, false);
  }

  /// Zero-copy mode. As submit(), but nothing is copied: when the fragment
  /// is stored (incomplete or complete) the reassembler keeps a reference to
  /// `packet` and its `token` until it delivers the datagram (the token is
  /// then listed in chained_delivery::tokens) or drops it (the token is
  /// passed to the release callback). The caller must keep the bytes of a
  /// stored fragment unchanged until then. On any error, and for a packet
  /// that is not a fragment, the token is not taken.
  [[nodiscard]] result<chained_delivery, errc> submit(bytes_view packet, std::uint64_t token, std::uint64_t context,
                                                      time_point now) noexcept requires borrowing {
    return submit_impl(packet, token, context, now, mutable_bytes{}, false);
  }

  /// Drops every datagram whose deadline is at or before `now`. Returns how many.
  std::size_t expire(time_point now) noexcept {
    std::size_t n = 0;
    while (age_head_ != none && slots_[age_head_].deadline <= now) {
      release(age_head_, true);
      ++counters_.timed_out;
      ++n;
    }
    return n;
  }

  /// Datagrams currently incomplete.
  [[nodiscard]] std::size_t in_progress() const noexcept { return in_use_; }
  /// Copying: bytes of the block pool holding fragment data. Zero copy:
  /// bytes of the caller's fragments referenced. Never above byte_budget().
  [[nodiscard]] std::size_t bytes_in_use() const noexcept {
    if constexpr (borrowing) return borrowed_bytes_;
    return (nblocks_ - free_count_) * cfg_.block_size;
  }
  /// The payload byte budget actually in force (whole blocks).
  [[nodiscard]] std::size_t byte_budget() const noexcept {
    if constexpr (borrowing) return cfg_.byte_budget;
    return nblocks_ * cfg_.block_size;
  }
  /// Everything the instance allocated (fixed from construction on).
  [[nodiscard]] std::size_t memory_footprint() const noexcept {
    return pool_.size() + free_blocks_.size() * 4 + free_pos_.size() * 4 + slots_.size() * sizeof(slot) +
           pieces_.size() * sizeof(piece) + block_table_.size() * 4 + buckets_.size() * 4 + free_slots_.size() * 4 +
           scratch_.size() * sizeof(piece) + output_.size() + tokens_.size() * 8 + chain_.size() * sizeof(bytes_view);
  }
  [[nodiscard]] const reassembler_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] const reassembler_config &config() const noexcept { return cfg_; }

private:
  struct key {
    std::uint32_t src = 0;
    std::uint32_t dst = 0;
    std::uint64_t context = 0;
    std::uint16_t id = 0;
    std::uint8_t proto = 0;
    friend bool operator==(const key &, const key &) = default;
  };
  // A contiguous run of received bytes [start, end) and, for target-based
  // policies, the extent of the fragment that wrote it.
  struct piece {
    std::uint32_t start = 0;
    std::uint32_t end = 0;
    std::uint32_t origin_start = 0;
    std::uint32_t origin_end = 0;
    const std::byte *src = nullptr; // zero copy: the caller's byte at `start`
  };
  // What every fragment reads (the key, the hash chain, the coverage) and
  // the age links (touched when a neighbour is created or released) fit in
  // the slot's first cache line; the rest is touched once per datagram.
  struct alignas(64) slot {
    key k{};
    std::uint32_t hash_next = none;
    std::uint32_t final_end = 0; // valid when has_final
    std::uint32_t max_end = 0;
    std::uint32_t covered = 0;
    std::uint32_t npieces = 0;
    std::uint32_t nfrags = 0;
    std::uint8_t header_len = 0; // 20 to 60
    bool has_final = false;
    bool in_use = false;
    std::uint32_t borrowed = 0; // zero copy: bytes of the caller's fragments referenced
    std::uint32_t age_prev = none;
    std::uint32_t age_next = none;
    // Second cache line.
    time_point deadline{};
    std::uint32_t block_limit = 0; // one past the highest block index ever allocated
    std::uint32_t bucket = 0;      // hash bucket, kept so release() need not rehash
    std::uint32_t hint = none;     // preferred pool block of payload block 0 (placement, not a reservation)
    std::array<std::byte, ipv4_max_header> header{};
  };
  static_assert(offsetof(slot, age_next) + sizeof(std::uint32_t) <= 64, "the per-fragment fields fill one cache line");

  // The policies that never store overlapping bytes (one piece per fragment).
  [[nodiscard]] bool rejects_overlaps() const noexcept {
    return cfg_.policy == overlap_policy::rfc5722 || cfg_.policy == overlap_policy::linux_current;
  }

  static reassembler_config clamped(reassembler_config c) noexcept {
    c.max_datagrams = std::clamp<std::size_t>(c.max_datagrams, 1, std::size_t{1} << 24);
    c.max_fragments = std::clamp<std::size_t>(c.max_fragments, 1, 8192);
    std::size_t b = 64;
    while (b < c.block_size && b < 65536) b <<= 1;
    c.block_size = b;
    if (c.byte_budget < c.block_size) c.byte_budget = c.block_size;
    c.byte_budget = c.byte_budget / c.block_size * c.block_size;
    if (c.timeout <= duration::zero()) c.timeout = duration{1};
    return c;
  }

  static std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    return x;
  }
  [[nodiscard]] std::size_t bucket_of(const key &k) const noexcept {
    // Keyed: the seed enters both halves of one 64x64 -> 128-bit multiply
    // whose halves are folded (the "mum" step of wyhash-style hashes).
    const std::uint64_t a = ((std::uint64_t{k.src} << 32) | k.dst) ^ cfg_.hash_seed ^ 0xA0761D6478BD642FULL;
    const std::uint64_t b =
        ((std::uint64_t{k.id} << 8) | k.proto) ^ (k.context * 0x9E3779B97F4A7C15ULL) ^ seed2_ ^ 0xE7037ED1A0B428DBULL;
#if defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128;
    const u128 r = static_cast<u128>(a) * b;
    const std::uint64_t h = static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
#else
    const std::uint64_t h = mix(mix(a) ^ b);
#endif
    return static_cast<std::size_t>(h ^ (h >> 29)) & bucket_mask_;
  }

  [[nodiscard]] std::uint32_t find(const key &k, std::size_t bucket) const noexcept {
    for (std::uint32_t s = buckets_[bucket]; s != none; s = slots_[s].hash_next)
      if (slots_[s].k == k) return s;
    return none;
  }

  // Unlinks a slot from the hash and age lists, returns its blocks and the
  // slot; zero copy: hands its fragments back through the release callback
  // when the datagram is dropped (hand_back), not when it is delivered.
  void release(std::uint32_t s, bool hand_back) noexcept {
    slot &sl = slots_[s];
    std::uint32_t *link = &buckets_[sl.bucket];
    while (*link != s) link = &slots_[*link].hash_next;
    *link = sl.hash_next;
    if (sl.age_prev != none)
      slots_[sl.age_prev].age_next = sl.age_next;
    else
      age_head_ = sl.age_next;
    if (sl.age_next != none)
      slots_[sl.age_next].age_prev = sl.age_prev;
    else
      age_tail_ = sl.age_prev;
    if constexpr (borrowing) {
      borrowed_bytes_ -= sl.borrowed;
      if (hand_back && cfg_.release != nullptr) {
        const std::uint64_t *t = &tokens_[std::size_t{s} * cfg_.max_fragments];
        for (std::size_t i = 0; i < sl.nfrags; ++i) cfg_.release(cfg_.release_context, t[i]);
      }
    } else {
      (void)hand_back;
      std::uint32_t *table = &block_table_[std::size_t{s} * blocks_per_datagram_];
      for (std::size_t i = 0; i < sl.block_limit; ++i) {
        if (table[i] != none) {
          push_free(table[i]);
          table[i] = none;
        }
      }
    }
    sl.in_use = false;
    free_slots_[free_slot_count_++] = s;
    --in_use_;
  }

  // Evicts the oldest datagram other than `keep`; false when there is none.
  bool evict_oldest(std::uint32_t keep) noexcept {
    std::uint32_t victim = age_head_;
    if (victim == keep && victim != none) victim = slots_[victim].age_next;
    if (victim == none) return false;
    release(victim, true);
    ++counters_.evicted;
    return true;
  }

  // first_end: end of the first fragment's payload; final: whether that
  // fragment is the last one (then the datagram's size is known).
  std::uint32_t create(const key &k, std::size_t bucket, time_point now, std::uint32_t first_end, bool final) noexcept {
    if (free_slot_count_ == 0) {
      evict_oldest(none);
    }
    const std::uint32_t s = free_slots_[--free_slot_count_];
    slot &sl = slots_[s];
    // Placement: the datagram's blocks are preferably taken as one run of
    // the pool, starting at the cursor, so that on completion the datagram
    // is already contiguous. The run's length is the datagram's size when
    // known, else the size of the last completed datagram (at least what
    // the first fragment needs). Runs follow each other; the block before a
    // run, once its own datagram is done, takes the next one's IPv4 header.
    // When the pool is empty the cursor restarts at its front, which keeps
    // the memory touched small.
    if constexpr (!borrowing) {
      std::size_t est = (std::size_t{first_end} - 1) / cfg_.block_size + 1;
      if (!final && est_blocks_ > est) est = est_blocks_;
      if (est > nblocks_) {
        sl.hint = none;
      } else {
        if (cursor_ + est > nblocks_ || free_count_ == nblocks_) cursor_ = 0;
        sl.hint = static_cast<std::uint32_t>(cursor_);
        cursor_ += est;
      }
    } else {
      (void)first_end;
      (void) final;
    }
    sl.k = k;
    sl.bucket = static_cast<std::uint32_t>(bucket);
    sl.deadline = now + cfg_.timeout;
    sl.hash_next = buckets_[bucket];
    buckets_[bucket] = s;
    sl.age_prev = age_tail_;
    sl.age_next = none;
    if (age_tail_ != none)
      slots_[age_tail_].age_next = s;
    else
      age_head_ = s;
    age_tail_ = s;
    sl.final_end = 0;
    sl.max_end = 0;
    sl.covered = 0;
    sl.npieces = 0;
    sl.nfrags = 0;
    sl.header_len = 0;
    sl.block_limit = 0;
    sl.borrowed = 0;
    sl.has_final = false;
    sl.in_use = true;
    ++in_use_;
    ++counters_.started;
    return s;
  }

  // Makes sure every block of [start, end) exists for slot s; evicts older
  // datagrams when the pool is empty. False when even that is not enough.
  bool reserve_blocks(std::uint32_t s, std::uint32_t start, std::uint32_t end) noexcept {
    if constexpr (borrowing) {
      // The budget counts the caller's bytes referenced.
      const std::size_t need = end - start;
      if (need > cfg_.byte_budget) return false;
      while (borrowed_bytes_ + need > cfg_.byte_budget) {
        if (!evict_oldest(s)) return false;
      }
      borrowed_bytes_ += need;
      slots_[s].borrowed += static_cast<std::uint32_t>(need);
      return true;
    }
    std::uint32_t *table = &block_table_[std::size_t{s} * blocks_per_datagram_];
    const std::size_t first = start >> block_shift_;
    const std::size_t last = (end - 1) >> block_shift_;
    for (std::size_t i = first; i <= last; ++i) {
      if (table[i] != none) continue;
      while (free_count_ == 0) {
        if (!evict_oldest(s)) return false;
      }
      const std::size_t want = std::size_t{slots_[s].hint} + i;
      if (slots_[s].hint != none && want < nblocks_ && free_pos_[want] != none)
        table[i] = take_free(static_cast<std::uint32_t>(want));
      else
        table[i] = take_free(free_blocks_[free_count_ - 1]);
      if (i + 1 > slots_[s].block_limit) slots_[s].block_limit = static_cast<std::uint32_t>(i + 1);
    }
    return true;
  }

  // The free list is a stack with each free block's position in it, so a
  // given block can be taken out in O(1).
  void push_free(std::uint32_t b) noexcept {
    free_pos_[b] = static_cast<std::uint32_t>(free_count_);
    free_blocks_[free_count_++] = b;
  }
  std::uint32_t take_free(std::uint32_t b) noexcept {
    const std::uint32_t at = free_pos_[b];
    const std::uint32_t top = free_blocks_[--free_count_];
    free_blocks_[at] = top;
    free_pos_[top] = at;
    free_pos_[b] = none;
    return b;
  }
  [[nodiscard]] std::byte *block_data(std::uint32_t b) noexcept {
    return pool_.data() + header_room + (std::size_t{b} << block_shift_);
  }
  [[nodiscard]] const std::byte *block_data(std::uint32_t b) const noexcept {
    return pool_.data() + header_room + (std::size_t{b} << block_shift_);
  }

  void write_blocks(std::uint32_t s, std::uint32_t start, bytes_view data) noexcept {
    if constexpr (borrowing) return; // the pieces point at the caller's bytes
    const std::uint32_t *table = &block_table_[std::size_t{s} * blocks_per_datagram_];
    std::size_t off = start;
    std::size_t done = 0;
    while (done < data.size()) {
      const std::size_t blk = off >> block_shift_;
      const std::size_t within = off & (cfg_.block_size - 1);
      const std::size_t n = std::min(cfg_.block_size - within, data.size() - done);
      std::memcpy(block_data(table[blk]) + within, data.data() + done, n);
      done += n;
      off += n;
    }
  }

  void read_blocks(std::uint32_t s, std::size_t len, std::byte *out) const noexcept {
    const std::uint32_t *table = &block_table_[std::size_t{s} * blocks_per_datagram_];
    std::size_t off = 0;
    while (off < len) {
      const std::size_t n = std::min(cfg_.block_size, len - off);
      std::memcpy(out + off, block_data(table[off >> block_shift_]), n);
      off += n;
    }
  }

  // Drops slot s because of fragment error e; counts it.
  error_info<errc> drop(std::uint32_t s, errc e, std::size_t offset, std::uint64_t &counter) noexcept {
    release(s, true);
    ++counters_.failed;
    ++counter;
    return fail(e, offset);
  }

  [[nodiscard]] bool new_wins(std::uint32_t ns, std::uint32_t ne, const piece &o) const noexcept {
    const std::uint32_t os = o.origin_start;
    const std::uint32_t oe = o.origin_end;
    switch (cfg_.policy) {
    case overlap_policy::first: return false;
    case overlap_policy::last: return true;
    case overlap_policy::bsd: return ns < os;
    case overlap_policy::bsd_right: return os < ns || oe < ne;
    case overlap_policy::linux_legacy: return ns <= os;
    case overlap_policy::windows: return ns < os && ne > oe;
    case overlap_policy::solaris: return ns < os && ne >= oe;
    case overlap_policy::rfc5722:
    case overlap_policy::linux_current: return false;
    }
    return false;
  }

  result<delivery_type, errc> submit_impl(bytes_view packet, std::uint64_t token, std::uint64_t context, time_point now,
                                          mutable_bytes out, bool internal_out) noexcept {
    ++counters_.requests;
    expire(now);
    auto parsed = parse_ipv4(packet);
    if (!parsed) {
      ++counters_.malformed;
      return parsed.error();
    }
    const ipv4_view &v = *parsed;
    if (!v.is_fragment()) {
      ++counters_.not_fragments;
      if constexpr (borrowing) {
        chained_delivery d;
        d.status = delivery_status::not_fragment;
        d.header = v.packet();
        d.total_length = v.packet().size();
        return d;
      } else {
        return delivery{delivery_status::not_fragment, v.packet()};
      }
    }
    const bytes_view data = v.payload();
    if (data.empty()) {
      ++counters_.malformed;
      return fail(errc::empty_fragment, 2);
    }
    const bool mf = v.more_fragments();
    if (mf && (data.size() & 7U) != 0) {
      ++counters_.misaligned;
      return fail(errc::misaligned_fragment, 2);
    }
    const std::uint32_t start = v.fragment_offset();
    const std::uint32_t end = start + static_cast<std::uint32_t>(data.size());
    if (end > ipv4_max_total) {
      ++counters_.oversize;
      return fail(errc::oversize, 6);
    }

    const key k{v.source(), v.destination(), context, v.identification(), v.protocol()};
    const std::size_t bucket = bucket_of(k);
    std::uint32_t s = find(k, bucket);
    if (s == none) s = create(k, bucket, now, end, !mf);
    slot &sl = slots_[s];

    // Length consistency (RFC 791: the last fragment fixes the length).
    if (!mf) {
      if ((sl.has_final && end != sl.final_end) || end < sl.max_end)
        return drop(s, errc::inconsistent_length, 6, counters_.inconsistent);
    } else if (sl.has_final && end > sl.final_end) {
      return drop(s, errc::inconsistent_length, 6, counters_.inconsistent);
    }

    if (rejects_overlaps()) {
      // One piece per fragment, sorted. linux_current: origin_start is the
      // start of the run the fragment belongs to (fragments appended in order
      // at the tail join the tail run; any other starts a run of its own).
      const bool by_run = cfg_.policy == overlap_policy::linux_current;
      piece *ps = &pieces_[std::size_t{s} * piece_cap_];
      std::size_t at = sl.npieces;
      std::uint32_t run = start;
      if (sl.npieces != 0) {
        const piece &last = ps[sl.npieces - 1];
        // The tail: at or after the last end (rfc5722); ending past it (Linux).
        if (by_run ? end > last.end : start >= last.end) {
          if (start < last.end) return drop(s, errc::overlap, 6, counters_.overlaps);
          if (by_run && start == last.end) run = last.origin_start;
        } else {
          // First piece that ends after our start.
          at = static_cast<std::size_t>(
              std::upper_bound(ps, ps + sl.npieces, start, [](std::uint32_t x, const piece &p) { return x < p.end; }) -
              ps);
          if (at < sl.npieces && ps[at].start < end) {
            if (is_duplicate(ps, sl.npieces, at, start, end, by_run)) {
              ++counters_.duplicates;
              return fail(errc::duplicate_fragment, 6);
            }
            return drop(s, errc::overlap, 6, counters_.overlaps);
          }
        }
      }
      if (sl.nfrags >= cfg_.max_fragments) return drop(s, errc::too_many_fragments, 6, counters_.too_many_fragments);
      if (!reserve_blocks(s, start, end)) return drop(s, errc::budget_exhausted, 2, counters_.budget_exhausted);
      if (at != sl.npieces)
        std::memmove(static_cast<void *>(ps + at + 1), static_cast<const void *>(ps + at),
                     (sl.npieces - at) * sizeof(piece));
      ps[at] = piece{start, end, run, end, data.data()};
      ++sl.npieces;
      ++sl.nfrags;
      sl.covered += end - start;
      write_blocks(s, start, data);
    } else {
      if (sl.nfrags >= cfg_.max_fragments) return drop(s, errc::too_many_fragments, 6, counters_.too_many_fragments);
      if (!reserve_blocks(s, start, end)) return drop(s, errc::budget_exhausted, 2, counters_.budget_exhausted);
      insert_with_policy(s, start, end, data);
      ++sl.nfrags;
    }
    if constexpr (borrowing)
      tokens_[std::size_t{s} * cfg_.max_fragments + sl.nfrags - 1] = token;
    else
      (void)token;
    if (start == 0 && sl.header_len == 0) {
      sl.header_len = static_cast<std::uint8_t>(v.header_length());
      std::memcpy(sl.header.data(), v.header().data(), ipv4_min_header);
      if (sl.header_len > ipv4_min_header)
        std::memcpy(sl.header.data() + ipv4_min_header, v.header().data() + ipv4_min_header,
                    std::size_t{sl.header_len} - ipv4_min_header);
    }
    if (end > sl.max_end) sl.max_end = end;
    if (!mf) {
      sl.has_final = true;
      sl.final_end = end;
    }
    if (!sl.has_final || sl.covered != sl.final_end || sl.header_len == 0) {
      ++counters_.stored;
      return delivery_type{};
    }
    return complete(s, out, internal_out);
  }

  // A fragment [start, end) that overlaps piece `at` (the first piece ending
  // after start) is dropped alone when it is an exact copy of that piece
  // (rfc5722) or lies inside that piece's run (Linux); otherwise it overlaps.
  [[nodiscard]] static bool is_duplicate(const piece *ps, std::size_t n, std::size_t at, std::uint32_t start,
                                         std::uint32_t end, bool by_run) noexcept {
    if (!by_run) return ps[at].start == start && ps[at].end == end;
    const std::uint32_t run_start = ps[at].origin_start;
    std::size_t j = at;
    while (j + 1 < n && ps[j + 1].origin_start == run_start) ++j;
    return start >= run_start && end <= ps[j].end;
  }

  // Target-based insertion: rebuilds the piece list so pieces stay sorted
  // and disjoint, each tagged with the fragment that owns its bytes.
  void insert_with_policy(std::uint32_t s, std::uint32_t start, std::uint32_t end, bytes_view data) noexcept {
    slot &sl = slots_[s];
    piece *ps = &pieces_[std::size_t{s} * piece_cap_];
    std::size_t n = 0;
    piece *out = scratch_.data();
    bool overlapped = false;
    std::uint32_t pos = start;
    auto take = [&](std::uint32_t a, std::uint32_t b) { // bytes [a, b) come from the new fragment
      write_blocks(s, a, data.subspan(a - start, b - a));
      out[n++] = piece{a, b, start, end, data.data() + (a - start)};
    };
    // Part [a, b) of an existing piece.
    auto part = [](const piece &p, std::uint32_t a, std::uint32_t b) {
      return piece{a, b, p.origin_start, p.origin_end, p.src == nullptr ? nullptr : p.src + (a - p.start)};
    };
    std::size_t i = 0;
    for (; i < sl.npieces && ps[i].end <= start; ++i) out[n++] = ps[i];
    for (; i < sl.npieces && ps[i].start < end; ++i) {
      const piece p = ps[i];
      if (p.start > pos) {
        take(pos, p.start);
        sl.covered += p.start - pos;
      }
      const std::uint32_t os = std::max(p.start, start);
      const std::uint32_t oe = std::min(p.end, end);
      if (p.start < os) out[n++] = part(p, p.start, os);
      overlapped = true;
      if (new_wins(start, end, p))
        take(os, oe);
      else
        out[n++] = part(p, os, oe);
      if (p.end > oe) out[n++] = part(p, oe, p.end);
      pos = oe;
    }
    if (pos < end) {
      take(pos, end);
      sl.covered += end - pos;
    }
    for (; i < sl.npieces; ++i) out[n++] = ps[i];
    // Adjacent pieces of one fragment are merged so the count stays below 2 * fragments.
    std::size_t m = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (m != 0 && ps[m - 1].end == out[j].start && ps[m - 1].origin_start == out[j].origin_start &&
          ps[m - 1].origin_end == out[j].origin_end) {
        ps[m - 1].end = out[j].end;
      } else {
        ps[m++] = out[j];
      }
    }
    sl.npieces = static_cast<std::uint32_t>(m);
    if (overlapped) ++counters_.overlaps;
  }

  // On completion. When the datagram's blocks form one run of the pool (the
  // usual case, see create()) the payload is already contiguous: with the
  // internal output it is delivered in place, the header written just in
  // front of it (into the free block before the run, or the room in front of
  // the pool), so the payload is copied exactly once; with a caller's buffer
  // it is copied out with one memcpy. Otherwise it is gathered block by block.
  result<delivery_type, errc> complete(std::uint32_t s, mutable_bytes out, bool internal_out) noexcept {
    slot &sl = slots_[s];
    const std::size_t hlen = sl.header_len;
    const std::size_t total = hlen + sl.final_end;
    if (total > ipv4_max_total) return drop(s, errc::oversize, 6, counters_.oversize);
    if constexpr (borrowing) {
      (void)out;
      (void)internal_out;
      std::byte *o = chain_header_.data();
      write_header(sl, o, total);
      const piece *ps = &pieces_[std::size_t{s} * piece_cap_];
      for (std::size_t i = 0; i < sl.npieces; ++i) chain_[i] = bytes_view(ps[i].src, ps[i].end - ps[i].start);
      chained_delivery d;
      d.status = delivery_status::complete;
      d.header = bytes_view(o, hlen);
      d.payload = std::span<const bytes_view>(chain_.data(), sl.npieces);
      // The slot's token list stays as it is until the slot is reused (by a
      // later submit), so the span is valid as documented.
      d.tokens = std::span<const std::uint64_t>(&tokens_[std::size_t{s} * cfg_.max_fragments], sl.nfrags);
      d.total_length = total;
      release(s, false);
      ++counters_.reassembled;
      return d;
    } else {
      if (out.size() < total) return drop(s, errc::buffer_too_small, out.size(), counters_.output_too_small);
      const std::uint32_t *table = &block_table_[std::size_t{s} * blocks_per_datagram_];
      const std::size_t nb = ((std::size_t{sl.final_end} - 1) >> block_shift_) + 1;
      const std::uint32_t base = table[0];
      bool contiguous = true;
      for (std::size_t i = 1; i < nb; ++i) contiguous = contiguous && table[i] == base + i;
      std::byte *o = out.data();
      const bool in_place = internal_out && contiguous && (base == 0 || free_pos_[base - 1] != none);
      if (in_place) o = block_data(base) - hlen;
      write_header(sl, o, total);
      if (!in_place) {
        if (contiguous)
          std::memcpy(o + hlen, block_data(base), sl.final_end);
        else
          read_blocks(s, sl.final_end, o + hlen);
      }
      est_blocks_ = nb;
      release(s, false);
      ++counters_.reassembled;
      return delivery{delivery_status::complete, bytes_view(o, total)};
    }
  }

  // The first fragment's header, rewritten for the whole datagram: total
  // length, MF and offset cleared (RF and DF kept), checksum recomputed.
  static void write_header(const slot &sl, std::byte *o, std::size_t total) noexcept {
    const std::size_t hlen = sl.header_len;
    std::memcpy(o, sl.header.data(), ipv4_min_header); // a fixed-size copy, then the options
    if (hlen > ipv4_min_header)
      std::memcpy(o + ipv4_min_header, sl.header.data() + ipv4_min_header, hlen - ipv4_min_header);
    core::store_be16(o + 2, static_cast<std::uint16_t>(total));
    core::store_be16(o + 6, static_cast<std::uint16_t>(core::load_be16(o + 6) & 0xC000U)); // keep RF and DF
    core::store_be16(o + 10, 0);
    core::store_be16(o + 10, core::header_checksum(o, hlen));
  }

  reassembler_config cfg_;
  std::uint64_t seed2_ = 0; // second hash key, derived from the seed
  std::size_t piece_cap_ = 0;
  std::size_t blocks_per_datagram_ = 0;
  unsigned block_shift_ = 0;
  std::vector<std::byte> pool_;
  std::size_t nblocks_ = 0;
  std::vector<std::uint32_t> free_blocks_;
  std::vector<std::uint32_t> free_pos_; // position in free_blocks_, or none when in use
  std::size_t free_count_ = 0;
  std::size_t cursor_ = 0;     // where the next datagram's run of blocks starts
  std::size_t est_blocks_ = 0; // blocks of the last completed datagram
  std::vector<slot> slots_;
  std::vector<piece> pieces_;
  std::vector<std::uint32_t> block_table_;
  std::vector<std::uint32_t> buckets_;
  std::size_t bucket_mask_ = 0;
  std::vector<std::uint32_t> free_slots_;
  std::size_t free_slot_count_ = 0;
  std::vector<piece> scratch_;
  std::vector<std::byte> output_;
  std::vector<std::uint64_t> tokens_;                     // zero copy: per slot, the token of each stored fragment
  std::vector<bytes_view> chain_;                         // zero copy: the payload pieces of the last completion
  std::array<std::byte, ipv4_max_header> chain_header_{}; // zero copy: its header
  std::size_t borrowed_bytes_ = 0;                        // zero copy: bytes referenced, all slots
  std::uint32_t age_head_ = none;
  std::uint32_t age_tail_ = none;
  std::size_t in_use_ = 0;
  reassembler_counters counters_{};
};

/// The copying reassembler: delivers each datagram contiguously.
using reassembler = basic_reassembler<copy_storage>;
/// The zero-copy reassembler: references the caller's fragments and
/// delivers a chain (see chained_delivery and gather()).
using borrowing_reassembler = basic_reassembler<borrowed_storage>;

} // namespace ip
} // namespace v1
} // namespace vpnwire
