// A bounded IPv4 fragment reassembler (RFC 791 §3.2, RFC 815, RFC 5722's
// overlap rule, RFC 6864 identification semantics), built on the reassembly
// engine shared with IPv6 (ip/reassembly/engine.hpp).
//
// Every bound is a constructor parameter and all memory is allocated in the
// constructor: a table of datagram slots with a hash index, per-slot
// fragment and block tables, and a pool of fixed-size payload blocks that
// holds the byte budget. Fragment payload is copied once, straight to its
// place in the datagram (blocks indexed by offset). A datagram's blocks are
// preferably taken as one run of the pool, so that on completion it is
// usually already contiguous and is delivered in place (header written in
// front of the payload), with no second copy; otherwise, or into a caller's
// buffer, it is copied out once.
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
// Errors of submit() (offset into the packet): any parse_ipv4 error
// (malformed); empty_fragment (2); misaligned_fragment (2); oversize (6)
// for offset + length beyond 65535; duplicate_fragment (6) — all of scope
// packet: the datagram the fragment belongs to is kept; and, dropping that
// datagram (scope datagram): inconsistent_length (6); overlap (6);
// too_many_fragments (6); budget_exhausted (2); datagram_too_large (6) when
// header + data of the completed datagram exceed 65535 bytes.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/reassembly/engine.hpp"
#include "vpnwire/ip/reassembly/slot_table.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// What identifies an IPv4 datagram under reassembly (RFC 791 §3.2, with
/// the caller's context: tunnel, SA or VRF).
struct ipv4_reassembly_key {
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::uint64_t context = 0;
  std::uint16_t id = 0;
  std::uint8_t proto = 0;
  friend bool operator==(const ipv4_reassembly_key &, const ipv4_reassembly_key &) = default;

  /// One keyed multiply over (addresses) and (identification, protocol, context).
  [[nodiscard]] std::uint64_t hash(const reassembly::keyed_hash &h) const noexcept {
    const std::uint64_t a = ((std::uint64_t{src} << 32) | dst) ^ h.seed() ^ 0xA0761D6478BD642FULL;
    const std::uint64_t b =
        ((std::uint64_t{id} << 8) | proto) ^ (context * 0x9E3779B97F4A7C15ULL) ^ h.seed2() ^ 0xE7037ED1A0B428DBULL;
    return reassembly::keyed_hash::mum(a, b);
  }
};

/// The IPv4 family of the reassembly engine.
struct ipv4_family {
  using key_type = ipv4_reassembly_key;
  /// Fragment data ends at most here (the 13-bit offset and 16-bit length).
  static constexpr std::size_t max_payload = ipv4_max_total;
  /// The largest reassembled datagram (total length).
  static constexpr std::size_t max_datagram = ipv4_max_total;
  /// The fixed part of the saved header.
  static constexpr std::size_t min_header = ipv4_min_header;

  [[nodiscard]] static constexpr std::size_t header_capacity(const reassembler_config &) noexcept {
    return ipv4_max_header;
  }

  /// Fills `f` (default-constructed) for one packet.
  /// Errors: parse_ipv4's; empty_fragment (2); misaligned_fragment (2); oversize (6).
  [[nodiscard]] VPNWIRE_ALWAYS_INLINE static result<void, errc>
  classify(bytes_view packet, std::uint64_t context, const reassembler_config &,
           reassembly::fragment_info<key_type> &f) noexcept {
    auto parsed = detail::parse_ipv4(packet, true);
    if (!parsed) return parsed.error();
    const ipv4_view &v = *parsed;
    if (!v.is_fragment()) {
      f.kind = reassembly::fragment_kind::whole;
      f.data = v.packet();
      return {};
    }
    const bytes_view data = v.payload();
    if (data.empty()) return fail(errc::empty_fragment, 2);
    const bool more = v.more_fragments();
    if (more && (data.size() & 7U) != 0) return fail(errc::misaligned_fragment, 2);
    const std::uint32_t start = v.fragment_offset();
    const std::uint32_t end = start + static_cast<std::uint32_t>(data.size());
    if (end > ipv4_max_total) return fail(errc::oversize, 6);
    f.kind = reassembly::fragment_kind::fragment;
    f.key = key_type{v.source(), v.destination(), context, v.identification(), v.protocol()};
    f.start = start;
    f.end = end;
    f.more = more;
    f.data = data;
    if (start == 0) f.header = v.header();
    f.next_header_at = 0;
    f.next_header = 0;
    f.offset_field = 6;
    f.length_field = 2;
    return {};
  }

  [[nodiscard]] static constexpr bool too_large(std::size_t header_len, std::uint32_t payload) noexcept {
    return header_len + payload > ipv4_max_total;
  }

  /// The first fragment's header, rewritten for the whole datagram: total
  /// length, MF and offset cleared (RF and DF kept), checksum recomputed.
  VPNWIRE_ALWAYS_INLINE static void write_header(const std::byte *saved, std::size_t hlen, std::uint16_t, std::uint8_t,
                                                 std::byte *o, std::uint32_t payload) noexcept {
    if (o != saved) {
      std::memcpy(o, saved, ipv4_min_header); // a fixed-size copy, then the options
      if (hlen > ipv4_min_header) std::memcpy(o + ipv4_min_header, saved + ipv4_min_header, hlen - ipv4_min_header);
    }
    core::store_be16(o + 2, static_cast<std::uint16_t>(hlen + payload));
    core::store_be16(o + 6, static_cast<std::uint16_t>(core::load_be16(o + 6) & 0xC000U)); // keep RF and DF
    core::store_be16(o + 10, 0);
    core::store_be16(o + 10, core::header_checksum(o, hlen));
  }
};

/// The IPv4 reassembler in either storage mode.
template <class Storage> using basic_ipv4_reassembler = basic_reassembler<ipv4_family, Storage>;
/// The copying reassembler: delivers each datagram contiguously.
using reassembler = basic_reassembler<ipv4_family, copy_storage>;
/// The zero-copy reassembler: references the caller's fragments and
/// delivers a chain (see chained_delivery and gather()).
using borrowing_reassembler = basic_reassembler<ipv4_family, borrowed_storage>;

} // namespace ip
} // namespace v1
} // namespace vpnwire
