// Dissection of one AGGFRAG payload into named fields, for a capture tool
// (the vpnwire CLI renders them as text or JSON). tshark 4.0 has no AGGFRAG
// dissector, so the names are vpnwire's own: "vpnwire.iptfs.<field>".
//
//   iptfs::dissect_payload(payload, [&](const iptfs::field &f) {
//     print(f.name, f.value, f.offset, f.length);
//   });
//
// Fields come in wire order: the header fields, then for each data block
// "vpnwire.iptfs.block" (value = block index) followed by that block's fields.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/iptfs/errc.hpp"
#include "vpnwire/iptfs/payload.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace iptfs {

/// One dissected field: its name, its value, and where it is in the payload.
struct field {
  std::string_view name{};
  std::uint64_t value = 0;
  std::size_t offset = 0; ///< Byte offset from the start of the payload.
  std::size_t length = 0; ///< Bytes the field spans (0 for a field that is a bit or derived).
};

/// The field names, one per line, for a catalogue or a JSON schema.
namespace field_names {
inline constexpr std::string_view sub_type = "vpnwire.iptfs.subtype";
inline constexpr std::string_view reserved = "vpnwire.iptfs.reserved";
inline constexpr std::string_view flag_p = "vpnwire.iptfs.cc.flags.p";
inline constexpr std::string_view flag_e = "vpnwire.iptfs.cc.flags.e";
inline constexpr std::string_view block_offset = "vpnwire.iptfs.block_offset";
inline constexpr std::string_view loss_event_rate = "vpnwire.iptfs.cc.loss_event_rate";
inline constexpr std::string_view rtt = "vpnwire.iptfs.cc.rtt";
inline constexpr std::string_view delay = "vpnwire.iptfs.cc.delay";
inline constexpr std::string_view xdelay = "vpnwire.iptfs.cc.xdelay";
inline constexpr std::string_view tval = "vpnwire.iptfs.cc.tval";
inline constexpr std::string_view techo = "vpnwire.iptfs.cc.techo";
/// Starts a block; value = its index (0, 1, ...).
inline constexpr std::string_view block = "vpnwire.iptfs.block";
/// The block kind: 0 pad, 4 IPv4, 6 IPv6, 255 continuation of an earlier packet.
inline constexpr std::string_view block_type = "vpnwire.iptfs.block.type";
/// The inner packet's declared length (continuation: the BlockOffset; 0 for a runt).
inline constexpr std::string_view block_length = "vpnwire.iptfs.block.length";
/// The block's bytes present in this payload.
inline constexpr std::string_view block_present = "vpnwire.iptfs.block.present";
/// 1 when the block ends its inner packet here; 0 when it continues in the next payload.
inline constexpr std::string_view block_complete = "vpnwire.iptfs.block.complete";
/// 1 when the payload ends inside the inner packet's length field.
inline constexpr std::string_view block_length_split = "vpnwire.iptfs.block.length_split";
} // namespace field_names

/// The value of block_type for a continuation.
inline constexpr std::uint64_t continuation_type_value = 255;

/// Calls `on_field(const field&)` for every field of `payload`, in wire
/// order, and returns the number of data blocks. Fields found before an
/// error are reported. Errors: those of parse_payload (no field reported)
/// and of the block walk (unknown_block_type, inner_length_below_header,
/// with their offsets).
template <class OnField>
requires std::invocable<OnField &, const field &>
[[nodiscard]] result<std::size_t, errc> dissect_payload(bytes_view payload, OnField &&on_field) noexcept {
  auto p = parse_payload(payload);
  if (!p) return p.error();
  namespace n = field_names;
  on_field(field{n::sub_type, p->sub_type(), 0, 1});
  if (p->congestion_control()) {
    on_field(field{n::reserved, static_cast<std::uint64_t>(p->reserved() >> 2), 1, 1});
    const cc_fields cc = p->congestion();
    on_field(field{n::flag_p, cc.plmtud ? 1U : 0U, 1, 0});
    on_field(field{n::flag_e, cc.ecn_ce ? 1U : 0U, 1, 0});
    on_field(field{n::block_offset, p->block_offset(), 2, 2});
    on_field(field{n::loss_event_rate, cc.loss_event_rate, 4, 4});
    on_field(field{n::rtt, cc.rtt, 8, 3});
    on_field(field{n::delay, cc.delay, 10, 3});
    on_field(field{n::xdelay, cc.xdelay, 13, 3});
    on_field(field{n::tval, cc.tval, 16, 4});
    on_field(field{n::techo, cc.techo, 20, 4});
  } else {
    on_field(field{n::reserved, p->reserved(), 1, 1});
    on_field(field{n::block_offset, p->block_offset(), 2, 2});
  }
  block_reader r = p->blocks();
  std::size_t index = 0;
  for (const data_block &b : r) {
    on_field(field{n::block, index, b.offset, b.bytes.size()});
    std::uint64_t type = continuation_type_value;
    if (b.kind == block_kind::pad) type = 0;
    if (b.kind == block_kind::ipv4) type = 4;
    if (b.kind == block_kind::ipv6) type = 6;
    on_field(field{n::block_type, type, b.offset, b.kind == block_kind::continuation ? 0U : 1U});
    on_field(field{n::block_length, b.length, b.offset, 0});
    on_field(field{n::block_present, b.bytes.size(), b.offset, b.bytes.size()});
    on_field(field{n::block_complete, b.complete() ? 1U : 0U, b.offset, 0});
    if (b.length_split()) on_field(field{n::block_length_split, 1, b.offset, b.bytes.size()});
    ++index;
  }
  if (!r.ok()) return r.error();
  return index;
}

} // namespace iptfs
} // namespace v1
} // namespace vpnwire
