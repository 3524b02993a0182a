// A bounded IPv6 fragment reassembler (RFC 8200 §4.5), built on the
// reassembly engine shared with IPv4 (ip/reassembly/engine.hpp): the same
// memory budget, block pool, deadlines, eviction, overlap policies,
// counters and copy or zero-copy storage.
//
//   ip::ipv6_reassembler r({.max_datagrams = 256, .timeout = 60s, .hash_seed = random_seed()});
//   auto d = r.submit(packet, tunnel_id, now);
//   if (!d) count(ip::name(d.code()));
//   else if (d->status == ip::delivery_status::complete ||
//            d->status == ip::delivery_status::atomic_fragment) deliver(d->datagram);
//
// IPv6 rules:
//  - the key is (source, destination, 32-bit identification, caller
//    context); the next header is not part of it (RFC 8200 §4.5);
//  - RFC 5722: by default any overlap drops the whole datagram and an exact
//    duplicate is dropped alone (the policy is configurable as for IPv4;
//    linux_current is what Linux does for IPv6 too);
//  - RFC 6946: an atomic fragment (offset 0, M clear) is delivered at once,
//    alone, as the packet without its Fragment header, and never touches a
//    reassembly with the same key;
//  - RFC 8200 §4.5: a fragment with M set whose length is not a multiple of
//    8 is dropped (misaligned_fragment), as is one that would make the
//    reassembled payload exceed 65,535 bytes (oversize);
//  - RFC 7112: a first fragment must carry the whole header chain through
//    the upper-layer header (incomplete_header_chain);
//  - a second Fragment header in a packet is rejected (multiple_fragment_headers);
//  - an atomic fragment, like a packet without Fragment header, whose
//    payload ends inside its header chain is malformed
//    (extension_header_truncated);
//  - the reassembled packet is the first fragment's unfragmentable part
//    (the fixed header and the extension headers before the Fragment
//    header), with the Next Header field that named the Fragment header set
//    to the Fragment header's Next Header and the payload length
//    recomputed, followed by the fragmentable data.
//
// Errors of submit() (offsets into the packet; F is the Fragment header's
// offset), of scope packet (the datagram is kept): parse_ipv6 errors and
// header chain errors (extension_header_truncated, hop_by_hop_not_first,
// too_many_extension_headers, header_chain_too_long,
// multiple_fragment_headers; malformed), header_chain_too_long (F) when the
// unfragmentable part exceeds max_header_length; empty_fragment (4);
// misaligned_fragment (4); oversize (F + 2); incomplete_header_chain
// (offset = packet size); duplicate_fragment (F + 2). Of scope datagram
// (the datagram is dropped): inconsistent_length, overlap,
// too_many_fragments (F + 2); budget_exhausted (4); datagram_too_large
// (F + 2).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/reassembly/engine.hpp"
#include "vpnwire/ip/reassembly/slot_table.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

/// What identifies an IPv6 datagram under reassembly (RFC 8200 §4.5, with
/// the caller's context: tunnel, SA, VRF or, for link-local destinations,
/// the interface).
struct ipv6_reassembly_key {
  ipv6_address src{};
  ipv6_address dst{};
  std::uint64_t context = 0;
  std::uint32_t id = 0;
  friend bool operator==(const ipv6_reassembly_key &, const ipv6_reassembly_key &) = default;

  /// Three chained keyed multiplies over the addresses, the identification
  /// and the context; every step depends on the seeds.
  [[nodiscard]] std::uint64_t hash(const reassembly::keyed_hash &h) const noexcept {
    std::uint64_t w[4];
    std::memcpy(w, src.data(), 16);
    std::memcpy(w + 2, dst.data(), 16);
    std::uint64_t x =
        reassembly::keyed_hash::mum(w[0] ^ h.seed() ^ 0xA0761D6478BD642FULL, w[1] ^ h.seed2() ^ 0xE7037ED1A0B428DBULL);
    x = reassembly::keyed_hash::mum(w[2] ^ x ^ 0x8EBC6AF09C88C6E3ULL, w[3] ^ h.seed() ^ 0x589965CC75374CC3ULL);
    return reassembly::keyed_hash::mum(x ^ id ^ 0x1D8E4E27C47D124FULL,
                                       (context * 0x9E3779B97F4A7C15ULL) ^ h.seed2() ^ 0xA0761D6478BD642FULL);
  }
};

/// The IPv6 family of the reassembly engine.
struct ipv6_family {
  using key_type = ipv6_reassembly_key;
  /// Fragment data ends at most here (the offset field and the payload length).
  static constexpr std::size_t max_payload = ipv6_max_payload;
  /// The largest reassembled packet: the fixed header and a 65535-byte payload.
  static constexpr std::size_t max_datagram = ipv6_header_size + ipv6_max_payload;
  /// The fixed part of the saved header.
  static constexpr std::size_t min_header = ipv6_header_size;

  [[nodiscard]] static constexpr std::size_t header_capacity(const reassembler_config &cfg) noexcept {
    return cfg.max_header_length;
  }

  /// Fills `f` (default-constructed) for one packet (see the file comment
  /// for the errors).
  [[nodiscard]] VPNWIRE_ALWAYS_INLINE static result<void, errc>
  classify(bytes_view packet, std::uint64_t context, const reassembler_config &cfg,
           reassembly::fragment_info<key_type> &f) noexcept {
    auto parsed = detail::parse_ipv6(packet);
    if (!parsed) return parsed.error();
    const ipv6_view &v = *parsed;
    const bytes_view pkt = v.packet();
    // Walk to the Fragment header (usually the first extension header).
    ipv6_chain_walker w = v.extension_headers(cfg.ipv6_chain);
    ipv6_extension_header fh;
    bool found = false;
    while (!w.done()) {
      auto h = w.next();
      if (!h) return h.error();
      if (h->type == proto::ipv6_fragment) {
        fh = *h;
        found = true;
        break;
      }
    }
    if (!found) {
      if (is_extension_header(w.format().next_header())) return fail(errc::extension_header_truncated, pkt.size());
      f.kind = reassembly::fragment_kind::whole;
      f.data = pkt;
      return {};
    }
    const std::size_t at = fh.offset;
    if (at > cfg.max_header_length) return fail(errc::header_chain_too_long, at);
    f.header = pkt.first(at);
    f.next_header_at = static_cast<std::uint16_t>(w.format().fragment_named_at());
    f.next_header = fh.next_header;
    f.data = pkt.subspan(at + ipv6_fragment_header_size);
    f.start = fh.fragment_offset();
    f.more = fh.more_fragments();
    f.offset_field = static_cast<std::uint16_t>(at + 2);
    f.length_field = 4;
    if (f.start == 0) {
      // The rest of the chain is in this packet: walk it (a second
      // Fragment header is an error), and for a first fragment require the
      // upper-layer header (RFC 7112).
      while (!w.done()) {
        auto h = w.next();
        if (h) continue;
        // A first fragment whose chain runs past its end lacks part of it.
        if (f.more && h.code() == errc::extension_header_truncated)
          return fail(errc::incomplete_header_chain, pkt.size());
        return h.error();
      }
      if (!f.more) { // RFC 6946: an atomic fragment, delivered alone as a whole packet
        if (is_extension_header(w.format().next_header()))
          return fail(errc::extension_header_truncated,
                      pkt.size()); // its chain ends early: malformed, as a whole packet
        f.kind = reassembly::fragment_kind::atomic;
        f.end = static_cast<std::uint32_t>(f.data.size());
        return {};
      }
      const std::uint8_t upper = w.format().next_header();
      if (is_extension_header(upper) || w.rest().size() < upper_layer_header_size(upper))
        return fail(errc::incomplete_header_chain, pkt.size());
    }
    if (f.data.empty()) return fail(errc::empty_fragment, 4);
    if (f.more && (f.data.size() & 7U) != 0) return fail(errc::misaligned_fragment, 4);
    f.end = f.start + static_cast<std::uint32_t>(f.data.size());
    if (at - ipv6_header_size + f.end > ipv6_max_payload) return fail(errc::oversize, at + 2);
    f.kind = reassembly::fragment_kind::fragment;
    f.key = key_type{v.source(), v.destination(), context, fh.identification()};
    return {};
  }

  [[nodiscard]] static constexpr bool too_large(std::size_t header_len, std::uint32_t payload) noexcept {
    return header_len - ipv6_header_size + payload > ipv6_max_payload;
  }

  /// The first fragment's unfragmentable part, rewritten for the whole
  /// packet: payload length recomputed, and the Next Header field that
  /// named the Fragment header set to the Fragment header's Next Header.
  VPNWIRE_ALWAYS_INLINE static void write_header(const std::byte *saved, std::size_t hlen, std::uint16_t next_header_at,
                                                 std::uint8_t next_header, std::byte *o,
                                                 std::uint32_t payload) noexcept {
    if (o != saved) {
      std::memcpy(o, saved, ipv6_header_size); // a fixed-size copy, then the extension headers
      if (hlen > ipv6_header_size) std::memcpy(o + ipv6_header_size, saved + ipv6_header_size, hlen - ipv6_header_size);
    }
    core::store_be16(o + 4, static_cast<std::uint16_t>(hlen - ipv6_header_size + payload));
    core::store_u8(o + next_header_at, next_header);
  }
};

/// The IPv6 reassembler in either storage mode.
template <class Storage> using basic_ipv6_reassembler = basic_reassembler<ipv6_family, Storage>;
/// The copying IPv6 reassembler: delivers each packet contiguously.
using ipv6_reassembler = basic_reassembler<ipv6_family, copy_storage>;
/// The zero-copy IPv6 reassembler: references the caller's fragments and
/// delivers a chain (see chained_delivery and gather()).
using ipv6_borrowing_reassembler = basic_reassembler<ipv6_family, borrowed_storage>;

} // namespace ip
} // namespace v1
} // namespace vpnwire
