// The reassembly engine shared by IPv4 (ip/reassembler.hpp) and IPv6
// (ip/ipv6_reassembler.hpp), built from named parts:
//
//   slot_table   keyed slots in age order (lookup, expiry, eviction)
//   piece_list   the byte ranges of one datagram, with the overlap policies
//   copy_store / borrow_store   where fragment bytes live (a block pool, or
//                the caller's buffers)
//
// and a Family that knows one IP version: how to classify a packet (not a
// fragment, a fragment with its key, offset, length and the header a first
// fragment carries, or an IPv6 atomic fragment), how large a datagram may
// be, and how to write the reassembled datagram's header. Everything the
// engine allocates is allocated by its constructor (or create()); nothing
// per packet.
//
// Costs: lookup O(1) expected (keyed hash with a per-instance seed);
// in-order (tail) fragments O(1); other insertions a binary search
// (O(log k)) plus a move of at most k 24-byte descriptors (k <= the
// fragment cap); expiry and eviction O(1) each (datagrams sit in one list
// in creation order, which is also deadline order because every datagram
// gets the same timeout).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/detail/fixed_array.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/reassembly/piece_list.hpp"
#include "vpnwire/ip/reassembly/slot_table.hpp"
#include "vpnwire/ip/reassembly/storage.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// The reassembler's bounds (both IP versions). Out-of-range values are
/// clamped by the constructor (see the comment of each field); config()
/// reports the values in use.
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
  /// 15 s for the timer; RFC 8200 §4.5 and Linux use 60 s for IPv6 and Linux
  /// 30 s for IPv4). At least 1 ns.
  duration timeout = std::chrono::seconds(30);
  overlap_policy policy = overlap_policy::rfc5722;
  /// Seed of the keyed hash: pass a random value per instance in production
  /// so remote senders cannot aim identifications at one bucket.
  std::uint64_t hash_seed = 0;
  /// Zero-copy mode only (borrowing reassemblers): called once for each
  /// token of a stored fragment whose datagram is dropped (timeout,
  /// eviction, a bad fragment), from inside submit() or expire(); the
  /// fragment's buffer is the caller's again. Null: tokens of dropped
  /// datagrams are forgotten.
  void (*release)(void *context, std::uint64_t token) noexcept = nullptr;
  void *release_context = nullptr;
  /// IPv6 only: bytes of a first fragment's unfragmentable part (the fixed
  /// header and the extension headers before the Fragment header) kept per
  /// datagram; a fragment with a longer one is rejected
  /// (header_chain_too_long). Clamped to [40, 2048].
  std::size_t max_header_length = 256;
  /// IPv6 only: bounds of the header chain walked in each fragment.
  ipv6_chain_limits ipv6_chain{};
};

/// Storage modes of basic_reassembler.
struct copy_storage {};     ///< Fragment payload is copied into an internal pool.
struct borrowed_storage {}; ///< The caller's fragment buffers are referenced (zero copy).

/// One counter per outcome. For every submit() exactly one of not_fragments,
/// atomic_fragments, stored, reassembled, malformed, incomplete_chain,
/// misaligned, oversize, inconsistent, duplicates, too_many_fragments,
/// budget_exhausted, output_too_small or (rfc5722 and linux_current only)
/// overlaps is incremented; with a target-based policy an overlapping
/// fragment is stored and `overlaps` counts the event only.
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
  std::uint64_t malformed = 0;          ///< Bad IP header or header chain, or an empty fragment.
  std::uint64_t inconsistent = 0;       ///< Two different final ends or data past the final end.
  std::uint64_t budget_exhausted = 0;   ///< A fragment that cannot fit even after evicting all others.
  std::uint64_t output_too_small = 0;   ///< Completed datagram larger than the caller's buffer.
  std::uint64_t atomic_fragments = 0;   ///< IPv6 atomic fragments (RFC 6946) delivered alone.
  std::uint64_t incomplete_chain = 0;   ///< IPv6 first fragments without the whole header chain (RFC 7112).
};

enum class delivery_status : std::uint8_t {
  incomplete,     ///< The fragment was stored; nothing to deliver yet.
  complete,       ///< `datagram` is the reassembled datagram.
  not_fragment,   ///< The packet was not a fragment; `datagram` is the packet itself.
  atomic_fragment ///< IPv6: an atomic fragment (RFC 6946), delivered alone as a whole packet without its Fragment
                  ///< header.
};

/// The enumerator's name, e.g. "not_fragment".
[[nodiscard]] constexpr std::string_view name(delivery_status s) noexcept {
  switch (s) {
  case delivery_status::incomplete: return "incomplete";
  case delivery_status::complete: return "complete";
  case delivery_status::not_fragment: return "not_fragment";
  case delivery_status::atomic_fragment: return "atomic_fragment";
  }
  return "unknown";
}

/// What the copying reassembler delivers. `Bytes` keeps the constness of
/// the submitted packet: a writable packet gives a writable datagram (for
/// in-place decapsulation or MSS clamping).
template <class Bytes> struct basic_delivery {
  delivery_status status = delivery_status::incomplete;
  /// The datagram (complete, atomic_fragment) or the packet (not_fragment); empty otherwise.
  Bytes datagram{};

  constexpr basic_delivery() noexcept = default;
  constexpr basic_delivery(delivery_status s, Bytes d) noexcept : status(s), datagram(d) {}
  /// A writable delivery converts to a read-only one.
  template <class B>
  requires(std::is_same_v<Bytes, bytes_view> &&std::is_same_v<B, mutable_bytes>) constexpr basic_delivery(
      const basic_delivery<B> &o) noexcept // NOLINT(google-explicit-constructor)
      : status(o.status), datagram(o.datagram) {}
};
using delivery = basic_delivery<bytes_view>;
using mutable_delivery = basic_delivery<mutable_bytes>;

/// What the zero-copy reassembler delivers. The spans stay valid until the
/// next call to submit() or expire().
struct chained_delivery {
  delivery_status status = delivery_status::incomplete;
  /// complete, atomic_fragment: the rewritten header (IPv4: total length,
  /// flags, offset and checksum of the whole datagram; IPv6: the
  /// unfragmentable part with the payload length and next header of a
  /// packet without Fragment header), in internal memory. not_fragment:
  /// the whole packet.
  bytes_view header{};
  /// complete, atomic_fragment: the payload, in order, as pieces of the
  /// caller's fragments.
  std::span<const bytes_view> payload{};
  /// complete: the token of every fragment stored for this datagram
  /// (including the one just submitted); their buffers are the caller's
  /// again. Empty for an atomic fragment, whose token is not taken.
  std::span<const std::uint64_t> tokens{};
  /// complete, atomic_fragment: header plus payload bytes; not_fragment: the packet's size.
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

namespace reassembly {

enum class fragment_kind : std::uint8_t {
  whole,    ///< Not a fragment: passed through.
  fragment, ///< A fragment to reassemble.
  atomic    ///< IPv6 atomic fragment: delivered alone.
};

/// The enumerator's name, e.g. "atomic".
[[nodiscard]] constexpr std::string_view name(fragment_kind k) noexcept {
  switch (k) {
  case fragment_kind::whole: return "whole";
  case fragment_kind::fragment: return "fragment";
  case fragment_kind::atomic: return "atomic";
  }
  return "unknown";
}

/// What a Family makes of one packet. Deliberately without default member
/// initialisers: it is filled per packet on the hot path, and classify()
/// sets every field the engine reads for the kind it returns (whole: kind
/// and data; atomic: also header, next_header_at, next_header; fragment:
/// all, header only when start is 0).
template <class Key> struct fragment_info {
  fragment_kind kind;
  Key key;
  /// The fragment's data range in the datagram's payload.
  std::uint32_t start;
  std::uint32_t end;
  bool more;
  /// fragment, atomic: the fragment's data; whole: the packet.
  bytes_view data;
  /// A first fragment's (or an atomic fragment's) header to keep: the IPv4
  /// header, or the IPv6 unfragmentable part.
  bytes_view header;
  /// IPv6: offset in `header` of the Next Header field naming the Fragment
  /// header, and the Fragment header's own Next Header.
  std::uint16_t next_header_at;
  std::uint8_t next_header;
  /// Offsets reported with the engine's errors about this fragment: its
  /// fragment offset field and its length field.
  std::uint16_t offset_field;
  std::uint16_t length_field;
};

/// Per datagram: what every fragment reads and updates first.
struct datagram_state {
  std::uint32_t final_end = 0; // valid when has_final
  std::uint32_t max_end = 0;
  std::uint32_t covered = 0;
  std::uint32_t npieces = 0;
  std::uint32_t nfrags = 0;
  std::uint16_t header_len = 0; // 0 until the first fragment (offset 0) arrived
  std::uint16_t next_header_at = 0;
  std::uint8_t next_header = 0;
  bool has_final = false;
};

} // namespace reassembly

/// A bounded fragment reassembler for one IP version (Family) and one
/// storage mode (copy_storage or borrowed_storage). See ip/reassembler.hpp
/// (IPv4) and ip/ipv6_reassembler.hpp (IPv6) for the families and aliases.
template <class Family, class Storage> class basic_reassembler {
  static_assert(std::is_same_v<Storage, copy_storage> || std::is_same_v<Storage, borrowed_storage>);
  static constexpr bool borrowing = std::is_same_v<Storage, borrowed_storage>;
  using key_type = typename Family::key_type;
  using info_type = reassembly::fragment_info<key_type>;
  using store_type = std::conditional_t<borrowing, reassembly::borrow_store, reassembly::copy_store>;
  // A slot's value: the datagram's state and the store's few bytes, so a
  // fragment's bookkeeping is in the slot's first cache line.
  struct slot_value {
    reassembly::datagram_state d;
    typename store_type::slot_state st;
  };
  using table_type = reassembly::slot_table<key_type, slot_value>;
  // Saved headers are kept in whole cache lines.
  struct alignas(64) header_line {
    std::byte b[64];
  };
  static constexpr std::uint32_t none = table_type::none;
  struct deferred {};

  // The internal form of a delivery: complete and atomic datagrams are in
  // writable memory (the pool, the internal buffer or the caller's);
  // not_fragment is the packet itself (`size` bytes of it).
  struct raw_delivery {
    delivery_status status = delivery_status::incomplete;
    std::byte *data = nullptr;
    std::size_t size = 0;
  };
  // What submit_impl returns: the zero-copy reassembler's delivery itself.
  using impl_delivery = std::conditional_t<borrowing, chained_delivery, raw_delivery>;

public:
  using family_type = Family;
  using storage_type = Storage;

  /// Allocates every table (and, copying, the block pool). Nothing is
  /// allocated afterwards. When an allocation fails: std::bad_alloc where
  /// exceptions are enabled, a trap otherwise (use create() to handle it).
  explicit basic_reassembler(const reassembler_config &cfg = {}) : basic_reassembler(cfg, deferred{}) {
    if (!allocate()) detail::out_of_memory();
  }

  /// As the constructor, for callers that must survive out-of-memory
  /// (-fno-exceptions): the engine on the heap, or out_of_memory
  /// (offset 0) when an allocation failed.
  [[nodiscard]] static result<std::unique_ptr<basic_reassembler>, errc>
  create(const reassembler_config &cfg = {}) noexcept {
    std::unique_ptr<basic_reassembler> r(new (std::nothrow) basic_reassembler(cfg, deferred{}));
    if (!r || !r->allocate()) return fail(errc::out_of_memory, 0);
    return r;
  }

  basic_reassembler(const basic_reassembler &) = delete;
  basic_reassembler &operator=(const basic_reassembler &) = delete;
  basic_reassembler(basic_reassembler &&) noexcept = default;
  basic_reassembler &operator=(basic_reassembler &&) noexcept = default;
  ~basic_reassembler() = default;

  /// Offers one packet received at `now` in `context` (tunnel, SA or VRF:
  /// fragments are only merged within the same context). Expired datagrams
  /// are dropped first. On completion the datagram is in internal memory
  /// (in place in the block pool, or an internal buffer); the returned span
  /// stays valid until the next call to submit(). `packet` is any contiguous
  /// range of std::byte; a writable one gives a mutable_delivery (the
  /// datagram writable, for in-place decapsulation).
  ///
  /// Errors: see the family's header (ip/reassembler.hpp,
  /// ip/ipv6_reassembler.hpp) for the per-packet ones; the scope() of each
  /// says whether the datagram the fragment belonged to was dropped too.
  template <detail::byte_range R>
  requires(detail::lasting<R> && !borrowing)
      [[nodiscard]] result<basic_delivery<detail::span_for<R>>, errc> submit(R &&packet, std::uint64_t context,
                                                                             time_point now) noexcept {
    const auto in = detail::as_span(packet);
    return finish(in, submit_impl(in, 0, context, now, mutable_bytes(output_.data(), output_.size()), true));
  }

  /// As submit(), but a completed datagram is written into `out`.
  /// Additional error: buffer_too_small (offset = out.size()) when the
  /// datagram does not fit; a reassembled datagram is then dropped
  /// (output_too_small).
  template <detail::byte_range R>
  requires(detail::lasting<R> && !borrowing)
      [[nodiscard]] result<basic_delivery<detail::span_for<R>>, errc> submit(R &&packet, std::uint64_t context,
                                                                             time_point now,
                                                                             mutable_bytes out) noexcept {
    const auto in = detail::as_span(packet);
    return finish(in, submit_impl(in, 0, context, now, out, false));
  }

  /// Zero-copy mode. As submit(), but nothing is copied: when the fragment
  /// is stored (incomplete or complete) the reassembler keeps a reference to
  /// `packet` and its `token` until it delivers the datagram (the token is
  /// then listed in chained_delivery::tokens) or drops it (the token is
  /// passed to the release callback). The caller must keep the bytes of a
  /// stored fragment unchanged until then. On any error, and for a packet
  /// that is not a fragment or is an atomic fragment, the token is not taken.
  template <detail::byte_range R>
  requires(detail::lasting<R> &&borrowing)
      [[nodiscard]] result<chained_delivery, errc> submit(R &&packet, std::uint64_t token, std::uint64_t context,
                                                          time_point now) noexcept {
    return submit_impl(bytes_view(detail::as_span(packet)), token, context, now, mutable_bytes{}, false);
  }

  /// The reassembler may refer to the packet (the pass-through, the zero-copy
  /// pieces): submitting a temporary container would dangle, so it does not compile.
  template <detail::byte_range R>
  requires(!detail::lasting<R> && !borrowing) result<delivery, errc> submit(R &&, std::uint64_t, time_point)
  = delete;
  /// See above: a temporary container cannot be submitted.
  template <detail::byte_range R>
  requires(!detail::lasting<R> && !borrowing) result<delivery, errc> submit(R &&, std::uint64_t, time_point,
                                                                            mutable_bytes)
  = delete;
  /// See above: the zero-copy reassembler keeps references to the packet.
  template <detail::byte_range R>
  requires(!detail::lasting<R> && borrowing) result<chained_delivery, errc> submit(R &&, std::uint64_t, std::uint64_t,
                                                                                   time_point)
  = delete;

  /// Drops every datagram whose deadline is at or before `now`. Returns how many.
  std::size_t expire(time_point now) noexcept {
    std::size_t n = 0;
    while (!table_.empty() && table_.deadline(table_.oldest()) <= now) {
      release(table_.oldest(), true);
      ++counters_.timed_out;
      ++n;
    }
    return n;
  }

  /// Datagrams currently incomplete.
  [[nodiscard]] std::size_t in_progress() const noexcept { return table_.size(); }
  /// Copying: bytes of the block pool holding fragment data. Zero copy:
  /// bytes of the caller's fragments referenced. Never above byte_budget().
  [[nodiscard]] std::size_t bytes_in_use() const noexcept { return store_.bytes_in_use(); }
  /// The payload byte budget actually in force (copying: whole blocks).
  [[nodiscard]] std::size_t byte_budget() const noexcept { return store_.byte_budget(); }
  /// Everything the instance allocated (fixed from construction on).
  [[nodiscard]] std::size_t memory_footprint() const noexcept {
    return table_.memory() + store_.memory() + pieces_.memory() + scratch_.memory() + headers_.memory() +
           output_.memory() + chain_pieces_.memory() + chain_header_.memory();
  }
  [[nodiscard]] const reassembler_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] const reassembler_config &config() const noexcept { return cfg_; }

private:
  basic_reassembler(const reassembler_config &cfg, deferred) noexcept : cfg_(clamped(cfg)) {}

  [[nodiscard]] static reassembler_config clamped(reassembler_config c) noexcept {
    c.max_datagrams = std::clamp<std::size_t>(c.max_datagrams, 1, std::size_t{1} << 24);
    c.max_fragments = std::clamp<std::size_t>(c.max_fragments, 1, 8192);
    std::size_t b = 64;
    while (b < c.block_size && b < 65536) b <<= 1;
    c.block_size = b;
    if (c.byte_budget < c.block_size) c.byte_budget = c.block_size;
    c.byte_budget = c.byte_budget / c.block_size * c.block_size;
    if (c.timeout <= duration::zero()) c.timeout = duration{1};
    c.max_header_length = std::clamp<std::size_t>(c.max_header_length, ipv6_header_size, 2048);
    return c;
  }

  [[nodiscard]] bool allocate() noexcept {
    rejects_ = rejects_overlaps(cfg_.policy);
    by_run_ = cfg_.policy == overlap_policy::linux_current;
    piece_cap_ = rejects_ ? cfg_.max_fragments : 2 * cfg_.max_fragments;
    header_cap_ = Family::header_capacity(cfg_);
    header_lines_ = (header_cap_ + sizeof(header_line) - 1) / sizeof(header_line);
    if (!table_.init(cfg_.max_datagrams, cfg_.hash_seed)) return false;
    if (!pieces_.allocate(cfg_.max_datagrams * piece_cap_)) return false;
    if (!rejects_overlaps(cfg_.policy) && !scratch_.allocate(2 * piece_cap_ + 4)) return false;
    if (!headers_.allocate(cfg_.max_datagrams * header_lines_)) return false;
    if (!chain_header_.allocate(header_cap_)) return false;
    if constexpr (borrowing) {
      if (!chain_pieces_.allocate(std::max<std::size_t>(piece_cap_, 1))) return false;
      return store_.init(cfg_.max_datagrams, cfg_.max_fragments, cfg_.byte_budget, cfg_.release, cfg_.release_context);
    } else {
      if (!output_.allocate(Family::max_datagram)) return false;
      // Room in front of the pool for the header of a datagram placed at block 0.
      const std::size_t room = (header_cap_ + 63) / 64 * 64;
      return store_.init(cfg_.max_datagrams, Family::max_payload, cfg_.byte_budget, cfg_.block_size, room);
    }
  }

  [[nodiscard]] reassembly::piece_list pieces(std::uint32_t s) noexcept {
    return reassembly::piece_list(&pieces_[std::size_t{s} * piece_cap_], table_.value(s).d.npieces, piece_cap_);
  }
  [[nodiscard]] std::byte *saved_header(std::uint32_t s) noexcept { return headers_[std::size_t{s} * header_lines_].b; }

  // Frees slot s; zero copy: hands its fragments back through the release
  // callback when the datagram is dropped (hand_back), not when it is delivered.
  void release(std::uint32_t s, bool hand_back) noexcept {
    slot_value &v = table_.value(s);
    if constexpr (borrowing)
      store_.release(s, v.st, v.d.nfrags, hand_back);
    else
      store_.release(s, v.st);
    (void)hand_back;
    table_.erase(s);
  }

  // Evicts the oldest datagram other than `keep`; false when there is none.
  bool evict_oldest(std::uint32_t keep) noexcept {
    std::uint32_t victim = table_.oldest();
    if (victim == keep && victim != none) victim = table_.younger(victim);
    if (victim == none) return false;
    release(victim, true);
    ++counters_.evicted;
    return true;
  }

  std::uint32_t create(const key_type &k, std::size_t bucket, time_point now, std::uint32_t first_end,
                       bool final) noexcept {
    if (table_.full()) evict_oldest(none);
    const std::uint32_t s = table_.insert(k, bucket, now + cfg_.timeout);
    store_.on_create(s, table_.value(s).st, first_end, final);
    ++counters_.started;
    return s;
  }

  // Makes room for [start, end) in slot s, evicting older datagrams while
  // it does not fit. False when even that is not enough.
  VPNWIRE_ALWAYS_INLINE bool reserve(std::uint32_t s, std::uint32_t start, std::uint32_t end) noexcept {
    typename store_type::slot_state &st = table_.value(s).st;
    if (VPNWIRE_UNLIKELY(!store_.fits(s, st, start, end))) {
      if (store_.hopeless(start, end)) return false;
      do {
        if (!evict_oldest(s)) return false;
      } while (!store_.fits(s, st, start, end));
    }
    store_.reserve(s, st, start, end);
    return true;
  }

  // Drops slot s because of fragment error e; counts it.
  error_info<errc> drop(std::uint32_t s, errc e, std::size_t offset, std::uint64_t &counter) noexcept {
    release(s, true);
    ++counters_.failed;
    ++counter;
    return fail(e, offset);
  }

  void count_rejection(errc e) noexcept {
    switch (e) {
    case errc::misaligned_fragment: ++counters_.misaligned; break;
    case errc::oversize: ++counters_.oversize; break;
    case errc::incomplete_header_chain: ++counters_.incomplete_chain; break;
    default: ++counters_.malformed; break;
    }
  }

  template <class Bytes>
  [[nodiscard]] static result<basic_delivery<Bytes>, errc> finish(Bytes in, result<raw_delivery, errc> r) noexcept {
    if (!r) return r.error();
    switch (r->status) {
    case delivery_status::incomplete: return basic_delivery<Bytes>{};
    case delivery_status::not_fragment: return basic_delivery<Bytes>{r->status, in.first(r->size)};
    case delivery_status::complete:
    case delivery_status::atomic_fragment: break;
    }
    return basic_delivery<Bytes>{r->status, Bytes(r->data, r->size)};
  }

  result<impl_delivery, errc> submit_impl(bytes_view packet, std::uint64_t token, std::uint64_t context, time_point now,
                                          mutable_bytes out, bool internal_out) noexcept {
    ++counters_.requests;
    expire(now);
    info_type f;
    if (auto c = Family::classify(packet, context, cfg_, f); !c) {
      count_rejection(c.code());
      return c.error();
    }
    if (f.kind == reassembly::fragment_kind::whole) {
      ++counters_.not_fragments;
      if constexpr (borrowing)
        return chained_delivery{delivery_status::not_fragment, f.data, {}, {}, f.data.size()};
      else
        return raw_delivery{delivery_status::not_fragment, nullptr, f.data.size()};
    }
    if (f.kind == reassembly::fragment_kind::atomic) return deliver_atomic(f, out, internal_out);

    const std::uint32_t start = f.start;
    const std::uint32_t end = f.end;
    const std::size_t bucket = table_.bucket_of(f.key);
    std::uint32_t s = table_.find(f.key, bucket);
    if (s == none) s = create(f.key, bucket, now, end, !f.more);
    reassembly::datagram_state &d = table_.value(s).d;

    // Length consistency (the last fragment fixes the length).
    if (!f.more) {
      if ((d.has_final && end != d.final_end) || end < d.max_end)
        return drop(s, errc::inconsistent_length, f.offset_field, counters_.inconsistent);
    } else if (d.has_final && end > d.final_end) {
      return drop(s, errc::inconsistent_length, f.offset_field, counters_.inconsistent);
    }

    reassembly::piece_list list = pieces(s);
    if (rejects_) {
      const auto p = list.place(start, end, by_run_);
      if (p.kind == reassembly::placement_kind::overlap)
        return drop(s, errc::overlap, f.offset_field, counters_.overlaps);
      if (p.kind == reassembly::placement_kind::duplicate) {
        ++counters_.duplicates;
        return fail(errc::duplicate_fragment, f.offset_field);
      }
      if (d.nfrags >= cfg_.max_fragments)
        return drop(s, errc::too_many_fragments, f.offset_field, counters_.too_many_fragments);
      if (!reserve(s, start, end)) return drop(s, errc::budget_exhausted, f.length_field, counters_.budget_exhausted);
      list.insert(p, start, end, f.data.data());
      d.covered += end - start;
      store_.write(s, start, f.data);
    } else {
      if (d.nfrags >= cfg_.max_fragments)
        return drop(s, errc::too_many_fragments, f.offset_field, counters_.too_many_fragments);
      if (!reserve(s, start, end)) return drop(s, errc::budget_exhausted, f.length_field, counters_.budget_exhausted);
      const auto m =
          list.merge(start, end, f.data.data(), cfg_.policy, scratch_.data(),
                     [&](std::uint32_t a, std::uint32_t b) { store_.write(s, a, f.data.subspan(a - start, b - a)); });
      if (m.overflow) return drop(s, errc::too_many_fragments, f.offset_field, counters_.too_many_fragments);
      d.covered += m.added;
      if (m.overlapped) ++counters_.overlaps;
    }
    ++d.nfrags;
    if constexpr (borrowing)
      store_.set_token(s, d.nfrags - 1, token);
    else
      (void)token;
    if (start == 0 && d.header_len == 0) {
      std::byte *h = saved_header(s);
      std::memcpy(h, f.header.data(), Family::min_header); // a fixed-size copy, then the rest
      if (f.header.size() > Family::min_header)
        std::memcpy(h + Family::min_header, f.header.data() + Family::min_header, f.header.size() - Family::min_header);
      d.header_len = static_cast<std::uint16_t>(f.header.size());
      d.next_header_at = f.next_header_at;
      d.next_header = f.next_header;
    }
    if (end > d.max_end) d.max_end = end;
    if (!f.more) {
      d.has_final = true;
      d.final_end = end;
    }
    if (!d.has_final || d.covered != d.final_end || d.header_len == 0) {
      ++counters_.stored;
      return impl_delivery{};
    }
    return complete(s, f, out, internal_out);
  }

  result<impl_delivery, errc> complete(std::uint32_t s, const info_type &f, mutable_bytes out,
                                       bool internal_out) noexcept {
    const reassembly::datagram_state &d = table_.value(s).d;
    const std::size_t hlen = d.header_len;
    if (Family::too_large(hlen, d.final_end))
      return drop(s, errc::datagram_too_large, f.offset_field, counters_.oversize);
    const std::size_t total = hlen + d.final_end;
    if constexpr (borrowing) {
      (void)out;
      (void)internal_out;
      std::byte *o = chain_header_.data();
      Family::write_header(saved_header(s), hlen, d.next_header_at, d.next_header, o, d.final_end);
      const auto ps = pieces(s).pieces();
      for (std::size_t i = 0; i < ps.size(); ++i) chain_pieces_[i] = bytes_view(ps[i].src, ps[i].end - ps[i].start);
      // The slot's token list stays as it is until the slot is reused (by a
      // later submit), so the span is valid as documented.
      const chained_delivery cd{delivery_status::complete, bytes_view(o, hlen),
                                std::span<const bytes_view>(chain_pieces_.data(), ps.size()),
                                store_.tokens(s, d.nfrags), total};
      release(s, false);
      ++counters_.reassembled;
      return cd;
    } else {
      if (out.size() < total) return drop(s, errc::buffer_too_small, out.size(), counters_.output_too_small);
      std::byte *o = store_.assemble(s, d.final_end, hlen, out, internal_out);
      Family::write_header(saved_header(s), hlen, d.next_header_at, d.next_header, o, d.final_end);
      release(s, false);
      ++counters_.reassembled;
      return raw_delivery{delivery_status::complete, o, total};
    }
  }

  // An IPv6 atomic fragment (RFC 6946): delivered alone, as the packet
  // without its Fragment header; never merged with a reassembly.
  result<impl_delivery, errc> deliver_atomic(const info_type &f, mutable_bytes out, bool internal_out) noexcept {
    const std::size_t hlen = f.header.size();
    const std::size_t total = hlen + f.data.size();
    if constexpr (borrowing) {
      (void)out;
      (void)internal_out;
      std::byte *o = chain_header_.data();
      Family::write_header(f.header.data(), hlen, f.next_header_at, f.next_header, o,
                           static_cast<std::uint32_t>(f.data.size()));
      chain_pieces_[0] = f.data;
      const chained_delivery cd{delivery_status::atomic_fragment,
                                bytes_view(o, hlen),
                                std::span<const bytes_view>(chain_pieces_.data(), 1),
                                {},
                                total};
      ++counters_.atomic_fragments;
      return cd;
    } else {
      (void)internal_out;
      if (out.size() < total) {
        ++counters_.output_too_small;
        return fail(errc::buffer_too_small, out.size());
      }
      std::byte *o = out.data();
      std::memmove(o + hlen, f.data.data(), f.data.size());
      Family::write_header(f.header.data(), hlen, f.next_header_at, f.next_header, o,
                           static_cast<std::uint32_t>(f.data.size()));
      ++counters_.atomic_fragments;
      return raw_delivery{delivery_status::atomic_fragment, o, total};
    }
  }

  reassembler_config cfg_;
  bool rejects_ = true; // rfc5722 or linux_current: one piece per fragment
  bool by_run_ = false; // linux_current
  std::size_t piece_cap_ = 0;
  std::size_t header_cap_ = 0;
  std::size_t header_lines_ = 0;
  table_type table_;
  store_type store_;
  detail::fixed_array<reassembly::piece> pieces_;  // per slot: piece_cap_ pieces
  detail::fixed_array<reassembly::piece> scratch_; // target-based policies: the rebuilt list
  detail::fixed_array<header_line> headers_;       // per slot: the first fragment's header
  detail::fixed_array<std::byte> output_;          // copying: the internal output buffer
  detail::fixed_array<bytes_view> chain_pieces_;   // zero copy: the payload pieces of the last delivery
  detail::fixed_array<std::byte> chain_header_;    // zero copy: its header
  reassembler_counters counters_{};
};

} // namespace ip
} // namespace v1
} // namespace vpnwire
