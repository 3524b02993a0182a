// The AGGFRAG payload of RFC 9347 (IP-TFS): the ESP payload of Next Header
// 144 that carries whole inner IP packets, pieces of them, and padding.
//
// Layout (offsets from the start of the ESP payload):
//
//   sub-type 0 (basic), 4 bytes:
//     0        1        2        3
//     Sub-Type Reserved BlockOffset (16)
//   sub-type 1 (congestion control), 24 bytes:
//     0        1            2-3          4-7
//     Sub-Type Reserved|P|E BlockOffset  LossEventRate (32)
//     8-15: RTT (22) | Delay (21) | XDelay (21)      16-19: TVal   20-23: TEcho
//   then the data blocks, to the end of the payload:
//     [continuation: BlockOffset bytes ending an inner packet begun earlier]
//     [IPv4 packet: first nibble 4, length = Total Length (bytes 2-3)]
//     [IPv6 packet: first nibble 6, length = 40 + Payload Length (bytes 4-5)]
//     ...  the last one may be the start of a packet continued in the next
//          payload; its length field itself may be cut (a "runt": fewer than
//          4 bytes of an IPv4 or 6 of an IPv6 header)
//     [pad: first nibble 0, runs to the end of the payload]
//
// A data block has no length of its own: the inner IP header says how long it
// is (RFC 9347 §2.2.1 chose the type values to coincide with the IP version).
// BlockOffset counts the bytes at the start of the data that end the previous
// payload's last inner packet; it may point past the end of this payload when
// the packet continues further (§2.2). The P and E bits of sub-type 1 are the
// two low bits of the Reserved byte (E = 0x01, P = 0x02), as the Linux
// IP-TFS patches defined them.
//
//   auto p = iptfs::parse_payload(bytes);          // header checked
//   auto blocks = p->blocks();                     // core::walker over the data blocks
//   for (const iptfs::data_block &b : blocks) use(b);
//   if (!blocks.ok()) report(blocks.error());
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/walker.hpp"
#include "vpnwire/iptfs/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace iptfs {

/// The ESP Next Header (and IP protocol number) of an AGGFRAG payload.
inline constexpr std::uint8_t next_header_aggfrag = 144;
/// Sub-type 0: no congestion-control fields.
inline constexpr std::uint8_t sub_type_basic = 0;
/// Sub-type 1: the congestion-control fields of RFC 9347 §6.1.2.
inline constexpr std::uint8_t sub_type_congestion_control = 1;
inline constexpr std::size_t basic_header_size = 4;
inline constexpr std::size_t cc_header_size = 24;
/// The largest BlockOffset (a 16-bit field).
inline constexpr std::size_t max_block_offset = 0xFFFF;
/// Bytes of an inner IPv4 header up to the end of Total Length.
inline constexpr std::size_t ipv4_length_field_end = 4;
/// Bytes of an inner IPv6 header up to the end of Payload Length.
inline constexpr std::size_t ipv6_length_field_end = 6;
/// The most bytes of an inner packet a receiver keeps while its length field
/// is cut by the end of a payload (an IPv6 runt is at most 5 bytes).
inline constexpr std::size_t max_length_field_end = 6;
/// The E bit of a sub-type 1 header (ECN Congestion Experienced seen).
inline constexpr std::uint8_t cc_flag_ecn_ce = 0x01;
/// The P bit of a sub-type 1 header (a PLMTUD probe).
inline constexpr std::uint8_t cc_flag_plmtud = 0x02;
inline constexpr std::uint32_t max_rtt = (1U << 22) - 1;
inline constexpr std::uint32_t max_delay = (1U << 21) - 1;

/// The data block types (the first nibble of a block).
enum class block_type : std::uint8_t { pad = 0, ipv4 = 4, ipv6 = 6 };

/// Bytes from the start of an inner packet of type `t` to the end of its
/// length field (4 for IPv4, 6 for IPv6; 1 for pad, whose type alone is enough).
[[nodiscard]] constexpr std::size_t length_field_end(block_type t) noexcept {
  return t == block_type::ipv4 ? ipv4_length_field_end : t == block_type::ipv6 ? ipv6_length_field_end : 1;
}

/// The type nibble of a block starting with byte `b`, or false when it is
/// none of pad, IPv4 and IPv6.
[[nodiscard]] constexpr bool block_type_of(std::byte b, block_type &out) noexcept {
  switch (std::to_integer<unsigned>(b) >> 4) {
  case 0: out = block_type::pad; return true;
  case 4: out = block_type::ipv4; return true;
  case 6: out = block_type::ipv6; return true;
  default: return false;
  }
}

/// The length an inner packet declares. `head` holds at least
/// length_field_end(t) bytes of it. Errors: inner_length_below_header
/// (offset 2) for an IPv4 Total Length below 20.
[[nodiscard]] inline result<std::size_t, errc> declared_length(bytes_view head, block_type t) noexcept {
  if (t == block_type::ipv4) {
    const std::size_t n = core::load_be16(head.data() + 2);
    if (n < 20) return fail(errc::inner_length_below_header, 2);
    return n;
  }
  return 40 + std::size_t{core::load_be16(head.data() + 4)};
}

/// The congestion-control fields of a sub-type 1 header (RFC 9347 §6.1.2),
/// as carried; vpnwire parses and writes them but runs no congestion
/// controller (an embedder's controller interprets them).
struct cc_fields {
  bool ecn_ce = false;               ///< E: ECN Congestion Experienced was received.
  bool plmtud = false;               ///< P: the payload is a packetization-layer PMTU probe.
  std::uint32_t loss_event_rate = 0; ///< LossEventRate (32 bits; 0: no loss).
  std::uint32_t rtt = 0;             ///< RTT (22 bits).
  std::uint32_t delay = 0;           ///< Delay (21 bits): the echo delay.
  std::uint32_t xdelay = 0;          ///< XDelay (21 bits): the transmit delay.
  std::uint32_t tval = 0;            ///< TVal (32 bits): the sender's timestamp.
  std::uint32_t techo = 0;           ///< TEcho (32 bits): the last TVal received from the peer.
  friend constexpr bool operator==(const cc_fields &, const cc_fields &) = default;
};

/// What kind of bytes a data block holds.
enum class block_kind : std::uint8_t {
  continuation, ///< The first BlockOffset bytes: the end (or middle) of an inner packet begun earlier.
  ipv4,         ///< An inner IPv4 packet, whole or its first part.
  ipv6,         ///< An inner IPv6 packet, whole or its first part.
  pad,          ///< Padding to the end of the payload.
};

/// One data block of a payload, as the walker finds it.
struct data_block {
  block_kind kind = block_kind::pad;
  /// Offset of the block from the start of the payload (header included).
  std::size_t offset = 0;
  /// The block's bytes in this payload (a sub-span of the payload).
  bytes_view bytes{};
  /// ipv4/ipv6: the inner packet's declared length, 0 when the payload ends
  /// inside its length field (a runt). continuation: the BlockOffset.
  /// pad: the pad's size.
  std::size_t length = 0;

  /// The block ends its inner packet in this payload: a whole IPv4/IPv6
  /// packet, a continuation that does not go past the payload, or pad.
  [[nodiscard]] constexpr bool complete() const noexcept { return length != 0 && bytes.size() == length; }
  /// An inner packet whose length field is cut by the end of the payload.
  [[nodiscard]] constexpr bool length_split() const noexcept {
    return (kind == block_kind::ipv4 || kind == block_kind::ipv6) && length == 0;
  }
};

/// The core::walker Format of the data blocks of one payload.
struct block_format {
  using item_type = data_block;
  using errc_type = errc;
  static constexpr errc_type exhausted = errc::walk_exhausted;

  /// The payload's BlockOffset: the first block is a continuation of that many bytes.
  std::size_t lead = 0;

  /// Errors: unknown_block_type (offset of the block); inner_length_below_header
  /// (offset of its Total Length field).
  [[nodiscard]] result<core::walk_step<data_block>, errc> read(bytes_view area, std::size_t pos,
                                                               std::size_t base) const noexcept {
    const std::size_t left = area.size() - pos;
    core::walk_step<data_block> s;
    s.item.offset = base + pos;
    if (pos == 0 && lead != 0) {
      s.size = lead < left ? lead : left;
      s.item.kind = block_kind::continuation;
      s.item.length = lead;
      s.item.bytes = area.subspan(0, s.size);
      s.last = s.size == area.size();
      return s;
    }
    block_type t{};
    if (!block_type_of(area[pos], t)) return fail(errc::unknown_block_type, base + pos);
    if (t == block_type::pad) {
      s.item.kind = block_kind::pad;
      s.item.length = left;
      s.item.bytes = area.subspan(pos);
      s.size = left;
      s.last = true;
      return s;
    }
    s.item.kind = t == block_type::ipv4 ? block_kind::ipv4 : block_kind::ipv6;
    if (left < length_field_end(t)) { // a runt: the payload ends inside the length field
      s.item.bytes = area.subspan(pos);
      s.size = left;
      s.last = true;
      return s;
    }
    auto len = declared_length(area.subspan(pos), t);
    if (!len) return fail(len.code(), base + pos + len.offset());
    s.item.length = *len;
    s.size = *len < left ? *len : left;
    s.item.bytes = area.subspan(pos, s.size);
    s.last = s.size < *len; // the packet continues in the next payload
    return s;
  }
};

/// Walks the data blocks of a payload (see core/walker.hpp).
using block_reader = core::walker<block_format>;

/// A checked view of an AGGFRAG payload: the header is known to be whole and
/// of a known sub-type. The data blocks are checked as they are walked.
class payload_view {
public:
  constexpr payload_view() noexcept = default;

  /// The Sub-Type: 0 (basic) or 1 (congestion control).
  [[nodiscard]] std::uint8_t sub_type() const noexcept { return core::load_u8(bytes_.data()); }
  /// The second byte as received. Sub-type 0: reserved; sub-type 1: six
  /// reserved bits, then P and E. The sender writes reserved bits as zero;
  /// the receiver ignores them.
  [[nodiscard]] std::uint8_t reserved() const noexcept { return core::load_u8(bytes_.data() + 1); }
  [[nodiscard]] std::uint16_t block_offset() const noexcept { return core::load_be16(bytes_.data() + 2); }
  [[nodiscard]] bool congestion_control() const noexcept { return sub_type() == sub_type_congestion_control; }
  /// 4 for sub-type 0, 24 for sub-type 1.
  [[nodiscard]] std::size_t header_size() const noexcept {
    return congestion_control() ? cc_header_size : basic_header_size;
  }
  /// The congestion-control fields (all zero for sub-type 0).
  [[nodiscard]] cc_fields congestion() const noexcept {
    cc_fields f;
    if (!congestion_control()) return f;
    const std::byte *p = bytes_.data();
    f.ecn_ce = (reserved() & cc_flag_ecn_ce) != 0;
    f.plmtud = (reserved() & cc_flag_plmtud) != 0;
    f.loss_event_rate = core::load_be32(p + 4);
    const std::uint64_t d = core::load_be64(p + 8);
    f.rtt = static_cast<std::uint32_t>(d >> 42);
    f.delay = static_cast<std::uint32_t>((d >> 21) & max_delay);
    f.xdelay = static_cast<std::uint32_t>(d & max_delay);
    f.tval = core::load_be32(p + 16);
    f.techo = core::load_be32(p + 20);
    return f;
  }
  /// The data blocks: everything after the header.
  [[nodiscard]] bytes_view data() const noexcept { return bytes_.subspan(header_size()); }
  /// The leading bytes that continue an earlier inner packet:
  /// min(BlockOffset, data().size()) bytes.
  [[nodiscard]] bytes_view continuation() const noexcept {
    const bytes_view d = data();
    return d.first(block_offset() < d.size() ? block_offset() : d.size());
  }
  /// BlockOffset points past the end of this payload: the inner packet in
  /// progress continues in the next one too.
  [[nodiscard]] bool continues_beyond() const noexcept { return block_offset() > data().size(); }
  /// A walker over the data blocks, offsets counted from the payload start.
  [[nodiscard]] block_reader blocks() const noexcept {
    return block_reader(data(), header_size(), block_format{block_offset()});
  }
  /// The whole payload.
  [[nodiscard]] bytes_view bytes() const noexcept { return bytes_; }

private:
  friend result<payload_view, errc> parse_payload(bytes_view) noexcept;
  explicit payload_view(bytes_view b) noexcept : bytes_(b) {}
  bytes_view bytes_{};
};

/// Views an AGGFRAG payload (the ESP payload of Next Header 144).
/// Errors: truncated (offset = size) when shorter than 4 bytes, or than 24
/// for sub-type 1; unknown_sub_type (offset 0).
[[nodiscard]] inline result<payload_view, errc> parse_payload(bytes_view bytes) noexcept {
  if (bytes.size() < basic_header_size) return fail(errc::truncated, bytes.size());
  const std::uint8_t st = core::load_u8(bytes.data());
  if (st == sub_type_congestion_control) {
    if (bytes.size() < cc_header_size) return fail(errc::truncated, bytes.size());
  } else if (st != sub_type_basic) {
    return fail(errc::unknown_sub_type, 0);
  }
  return payload_view(bytes);
}

/// A payload_view points into its bytes: parsing a temporary container
/// (`parse_payload(make_vector())`) would leave it dangling, so it does not compile.
template <class Owner>
requires(!std::is_lvalue_reference_v<Owner> &&
         !std::ranges::borrowed_range<Owner>) result<payload_view, errc> parse_payload(Owner &&)
= delete;

/// What a header builder writes.
struct header_fields {
  std::uint8_t sub_type = sub_type_basic; ///< 0 or 1.
  std::uint16_t block_offset = 0;
  cc_fields cc{}; ///< Written for sub-type 1 only.
};

/// Size of the header for `sub_type` (0 for an unknown one).
[[nodiscard]] constexpr std::size_t header_size_of(std::uint8_t sub_type) noexcept {
  return sub_type == sub_type_basic ? basic_header_size : sub_type == sub_type_congestion_control ? cc_header_size : 0;
}

/// Writes a sub-type 0 header (Reserved = 0). Returns 4.
/// Errors: buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_header(mutable_bytes out, std::uint16_t block_offset) noexcept {
  if (out.size() < basic_header_size) return fail(errc::buffer_too_small, out.size());
  core::store_u8(out.data(), sub_type_basic);
  core::store_u8(out.data() + 1, 0);
  core::store_be16(out.data() + 2, block_offset);
  return basic_header_size;
}

/// Writes a sub-type 1 header (reserved bits 0, P and E from `cc`). Returns 24.
/// Errors: value_out_of_range (offset 8 for RTT, 10 for Delay, 13 for
/// XDelay: the byte where the field starts) when a field exceeds its width;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_cc_header(mutable_bytes out, std::uint16_t block_offset,
                                                               const cc_fields &cc) noexcept {
  if (cc.rtt > max_rtt) return fail(errc::value_out_of_range, 8);
  if (cc.delay > max_delay) return fail(errc::value_out_of_range, 10);
  if (cc.xdelay > max_delay) return fail(errc::value_out_of_range, 13);
  if (out.size() < cc_header_size) return fail(errc::buffer_too_small, out.size());
  std::byte *p = out.data();
  core::store_u8(p, sub_type_congestion_control);
  core::store_u8(p + 1,
                 static_cast<std::uint8_t>((cc.ecn_ce ? cc_flag_ecn_ce : 0U) | (cc.plmtud ? cc_flag_plmtud : 0U)));
  core::store_be16(p + 2, block_offset);
  core::store_be32(p + 4, cc.loss_event_rate);
  core::store_be64(p + 8, std::uint64_t{cc.rtt} << 42 | std::uint64_t{cc.delay} << 21 | cc.xdelay);
  core::store_be32(p + 16, cc.tval);
  core::store_be32(p + 20, cc.techo);
  return cc_header_size;
}

/// Writes the header `h` (sub-type 0 or 1). Errors: unknown_sub_type
/// (offset 0); those of build_header / build_cc_header.
[[nodiscard]] inline result<std::size_t, errc> build_header(mutable_bytes out, const header_fields &h) noexcept {
  if (h.sub_type == sub_type_basic) return build_header(out, h.block_offset);
  if (h.sub_type == sub_type_congestion_control) return build_cc_header(out, h.block_offset, h.cc);
  return fail(errc::unknown_sub_type, 0);
}

/// Writes a pad block of `n` bytes (type nibble 0, all bytes zero).
/// Errors: value_out_of_range (offset 0) for n == 0; buffer_too_small
/// (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_pad_block(mutable_bytes out, std::size_t n) noexcept {
  if (n == 0) return fail(errc::value_out_of_range, 0);
  if (out.size() < n) return fail(errc::buffer_too_small, out.size());
  std::memset(out.data(), 0, n);
  return n;
}

/// Writes a whole payload: the header `h`, then `blocks` verbatim and in
/// order (the continuation bytes first when h.block_offset != 0, then inner
/// packets; the last may be the start of a packet continued in the next
/// payload), then, when `pad_to` exceeds what was written, a pad block up to
/// `pad_to` bytes. Returns the payload size. The view gives back h and the
/// blocks (round trip). The builder does not check that the blocks are IP
/// packets: it writes what a test or a sender chose.
/// Errors: those of build_header; buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_payload(mutable_bytes out, const header_fields &h,
                                                             std::span<const bytes_view> blocks,
                                                             std::size_t pad_to = 0) noexcept {
  auto hs = build_header(out, h);
  if (!hs) return hs.error();
  std::size_t n = *hs;
  for (const bytes_view b : blocks) {
    if (b.size() > out.size() - n) return fail(errc::buffer_too_small, out.size());
    if (!b.empty()) std::memcpy(out.data() + n, b.data(), b.size());
    n += b.size();
  }
  if (pad_to > n) {
    auto p = build_pad_block(out.subspan(n), pad_to - n);
    if (!p) return fail(errc::buffer_too_small, out.size());
    n += *p;
  }
  return n;
}

} // namespace iptfs
} // namespace v1
} // namespace vpnwire
