// Part of the reassembly engine: the sorted list of byte ranges received
// for one datagram, and the overlap policies that decide what a new
// fragment does to it.
//
//   piece buf[64];
//   std::uint32_t n = 0;
//   piece_list l(buf, n, 64);
//   placement p = l.place(start, end, /*by_run=*/false);   // rfc5722
//   if (p.kind == placement_kind::store) l.insert(p, start, end, src);
//
// Two insertion paths:
//  - place()/insert() for the policies that never store overlapping bytes
//    (rfc5722, linux_current): one piece per fragment, a fragment appended
//    at the tail in O(1), any other a binary search and a move of at most
//    the list's length;
//  - merge() for the target-based policies: the list is rebuilt so pieces
//    stay sorted and disjoint, each tagged with the fragment that owns its
//    bytes; at most 2 pieces per fragment stored.
#pragma once

#include "vpnwire/detail/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

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
  /// What Linux 4.19 and later do for IPv4 and IPv6 (net/ipv4/inet_fragment.c,
  /// checked against the running kernel by tests/ip/kernel_oracle_test.cpp
  /// and tests/ip/ipv6_kernel_oracle_test.cpp).
  /// Fragments that arrive in order at the tail are chained into runs; a
  /// fragment lying entirely inside one run is dropped alone as a duplicate,
  /// whatever its bytes; any other overlap drops the datagram. It differs
  /// from rfc5722 only for a fragment inside a run but not equal to one
  /// fragment of it (rfc5722 drops the datagram, Linux keeps it with the
  /// bytes received first).
  linux_current
};

/// The policy's name as the CLI spells it, e.g. "linux-current".
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

/// True for the policies that never store overlapping bytes (one piece
/// per fragment): rfc5722 and linux_current.
[[nodiscard]] constexpr bool rejects_overlaps(overlap_policy p) noexcept {
  return p == overlap_policy::rfc5722 || p == overlap_policy::linux_current;
}

namespace reassembly {

/// A contiguous run of received bytes [start, end) of a datagram, the
/// extent of the fragment that wrote it (target-based policies; under
/// linux_current origin_start is the start of the piece's run), and where
/// its bytes are in the caller's fragment (zero copy).
struct piece {
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::uint32_t origin_start = 0;
  std::uint32_t origin_end = 0;
  const std::byte *src = nullptr;
};

/// Under a target-based policy, whether the new fragment [ns, ne) wins the
/// bytes it shares with the stored piece `o`. False for rfc5722 and
/// linux_current (they never store overlapping bytes).
[[nodiscard]] constexpr bool new_wins(overlap_policy policy, std::uint32_t ns, std::uint32_t ne,
                                      const piece &o) noexcept {
  const std::uint32_t os = o.origin_start;
  const std::uint32_t oe = o.origin_end;
  switch (policy) {
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

enum class placement_kind : std::uint8_t {
  store,     ///< The fragment fits between the stored pieces.
  duplicate, ///< An exact copy of a piece (rfc5722) or inside a run (linux_current): drop it alone.
  overlap    ///< Any other overlap: the datagram must be dropped.
};

/// The enumerator's name, e.g. "duplicate".
[[nodiscard]] constexpr std::string_view name(placement_kind k) noexcept {
  switch (k) {
  case placement_kind::store: return "store";
  case placement_kind::duplicate: return "duplicate";
  case placement_kind::overlap: return "overlap";
  }
  return "unknown";
}

/// Where place() put a fragment: its index in the list and, for
/// linux_current, the start of the run it joins.
struct placement {
  placement_kind kind = placement_kind::store;
  std::uint32_t at = 0;
  std::uint32_t run = 0;
};

/// What merge() did: bytes newly covered, whether any were overlapped, and
/// whether the merged list would not fit the capacity (then it is unchanged).
struct merge_result {
  std::uint32_t added = 0;
  bool overlapped = false;
  bool overflow = false;
};

/// The pieces of one datagram: a handle on caller-owned storage (an array
/// of `capacity` pieces and its count).
class piece_list {
public:
  piece_list(piece *pieces, std::uint32_t &count, std::size_t capacity) noexcept
      : ps_(pieces), n_(count), cap_(capacity) {}

  [[nodiscard]] std::uint32_t size() const noexcept { return n_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }
  [[nodiscard]] const piece &operator[](std::size_t i) const noexcept { return ps_[i]; }
  [[nodiscard]] std::span<const piece> pieces() const noexcept { return {ps_, n_}; }

  /// rfc5722 (by_run false) and linux_current (by_run true): where the
  /// fragment [start, end) goes, or why it cannot. linux_current chains a
  /// fragment appended exactly at the tail into the tail's run; any other
  /// fragment starts a run of its own.
  [[nodiscard]] VPNWIRE_ALWAYS_INLINE placement place(std::uint32_t start, std::uint32_t end,
                                                      bool by_run) const noexcept {
    placement p{placement_kind::store, n_, start};
    if (n_ == 0) return p;
    const piece &last = ps_[n_ - 1];
    // The tail: at or after the last end (rfc5722); ending past it (Linux).
    if (by_run ? end > last.end : start >= last.end) {
      if (start < last.end) p.kind = placement_kind::overlap;
      if (by_run && start == last.end) p.run = last.origin_start;
      return p;
    }
    // First piece that ends after our start.
    p.at = static_cast<std::uint32_t>(
        std::upper_bound(ps_, ps_ + n_, start, [](std::uint32_t x, const piece &q) { return x < q.end; }) - ps_);
    if (p.at < n_ && ps_[p.at].start < end)
      p.kind = is_duplicate(p.at, start, end, by_run) ? placement_kind::duplicate : placement_kind::overlap;
    return p;
  }

  /// Stores [start, end) where place() said (kind store). Precondition:
  /// size() < capacity().
  VPNWIRE_ALWAYS_INLINE void insert(const placement &p, std::uint32_t start, std::uint32_t end,
                                    const std::byte *src) noexcept {
    if (p.at != n_)
      std::memmove(static_cast<void *>(ps_ + p.at + 1), static_cast<const void *>(ps_ + p.at),
                   (n_ - p.at) * sizeof(piece));
    ps_[p.at] = piece{start, end, p.run, end, src};
    ++n_;
  }

  /// Target-based insertion of [start, end) (bytes at `src`; src + k is
  /// the byte at start + k): the list is rebuilt in `scratch` (room for
  /// 2 * size() + 3 pieces: each stored piece yields at most one kept part
  /// and one gap before it, plus the two split edges) so pieces stay sorted
  /// and disjoint, each tagged with the fragment that owns its bytes, and
  /// `take(a, b)` is called for every range [a, b) whose bytes the new
  /// fragment provides. Adjacent pieces of one fragment are merged. When the
  /// result would exceed the capacity the list is left unchanged and
  /// `overflow` is set.
  template <class Take>
  merge_result merge(std::uint32_t start, std::uint32_t end, const std::byte *src, overlap_policy policy,
                     piece *scratch, Take &&take) noexcept {
    merge_result r;
    std::size_t n = 0;
    piece *out = scratch;
    std::uint32_t pos = start;
    auto own = [&](std::uint32_t a, std::uint32_t b) { // bytes [a, b) come from the new fragment
      take(a, b);
      out[n++] = piece{a, b, start, end, src == nullptr ? nullptr : src + (a - start)};
    };
    // Part [a, b) of an existing piece.
    auto part = [](const piece &q, std::uint32_t a, std::uint32_t b) {
      return piece{a, b, q.origin_start, q.origin_end, q.src == nullptr ? nullptr : q.src + (a - q.start)};
    };
    std::size_t i = 0;
    for (; i < n_ && ps_[i].end <= start; ++i) out[n++] = ps_[i];
    for (; i < n_ && ps_[i].start < end; ++i) {
      const piece q = ps_[i];
      if (q.start > pos) {
        own(pos, q.start);
        r.added += q.start - pos;
      }
      const std::uint32_t os = std::max(q.start, start);
      const std::uint32_t oe = std::min(q.end, end);
      if (q.start < os) out[n++] = part(q, q.start, os);
      r.overlapped = true;
      if (new_wins(policy, start, end, q))
        own(os, oe);
      else
        out[n++] = part(q, os, oe);
      if (q.end > oe) out[n++] = part(q, oe, q.end);
      pos = oe;
    }
    if (pos < end) {
      own(pos, end);
      r.added += end - pos;
    }
    for (; i < n_; ++i) out[n++] = ps_[i];
    std::size_t m = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (m != 0 && out[m - 1].end == out[j].start && out[m - 1].origin_start == out[j].origin_start &&
          out[m - 1].origin_end == out[j].origin_end) {
        out[m - 1].end = out[j].end;
      } else {
        out[m++] = out[j];
      }
    }
    if (m > cap_) {
      r.overflow = true; // the list is unchanged; the caller drops the datagram
      return r;
    }
    std::memcpy(static_cast<void *>(ps_), static_cast<const void *>(out), m * sizeof(piece));
    n_ = static_cast<std::uint32_t>(m);
    return r;
  }

private:
  // A fragment [start, end) that overlaps piece `at` (the first piece
  // ending after start) is dropped alone when it is an exact copy of that
  // piece (rfc5722) or lies inside that piece's run (linux_current).
  [[nodiscard]] bool is_duplicate(std::size_t at, std::uint32_t start, std::uint32_t end, bool by_run) const noexcept {
    if (!by_run) return ps_[at].start == start && ps_[at].end == end;
    const std::uint32_t run_start = ps_[at].origin_start;
    std::size_t j = at;
    while (j + 1 < n_ && ps_[j + 1].origin_start == run_start) ++j;
    return start >= run_start && end <= ps_[j].end;
  }

  piece *ps_;
  std::uint32_t &n_;
  std::size_t cap_;
};

} // namespace reassembly
} // namespace ip
} // namespace v1
} // namespace vpnwire
