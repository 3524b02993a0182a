// The two capture file formats, parsed over spans: classic pcap (the 24-byte
// file header and 16-byte record headers, either byte order, microsecond or
// nanosecond timestamps) and pcapng (Section Header, Interface Description,
// Enhanced/Simple/obsolete Packet blocks; every other block is skipped).
// Pure functions, no I/O: capture.hpp streams a file through them, and
// fuzz/cli_pcapng.cpp fuzzes them through that reader.
//
// Why not libpcap: it refuses a pcapng file whose interfaces have different
// link types or snap lengths ("an interface has a type different from the
// type of the first interface"), and its API gives one link type per file,
// not per packet. Wireshark's own multi-interface captures (mergecap of an
// Ethernet and a loopback capture, `dumpcap -i eth0 -i lo`) are exactly that.
// docs/cli.md ("Capture files") gives the comparison.
//
//   pcapng block:  0        4        8                    total-4  total
//                  | type   | total  | body ...           | total  |
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vpnwire_cli {

using vpnwire::bytes_view;

/// Why a capture file cannot be read further. The offset of a failed result
/// is the byte of the file header, record header or block that is wrong.
enum class capture_errc : std::uint8_t {
  ok = 0,
  not_a_capture,            ///< The first four bytes are neither a pcap nor a pcapng magic.
  unsupported_version,      ///< pcap version other than 2.x, pcapng major version other than 1.
  truncated,                ///< The file ends inside a header, record or block.
  record_too_large,         ///< A record or block is larger than the reader accepts (max_block).
  block_length_invalid,     ///< A pcapng total length below 12, not a multiple of 4, or not repeated at the end.
  bad_byte_order_magic,     ///< A Section Header Block whose byte-order magic is neither order.
  unknown_interface,        ///< A packet names an interface the section has not described.
  too_many_interfaces,      ///< A section describes more interfaces than the reader keeps (max_interfaces).
  bad_timestamp_resolution, ///< if_tsresol beyond what 64-bit ticks can express (10^-19, 2^-64).
  packet_before_section,    ///< A pcapng block before the first Section Header Block.
  captured_beyond_block,    ///< A packet's captured length runs past its block.
};

[[nodiscard]] constexpr std::string_view name(capture_errc e) noexcept {
  switch (e) {
  case capture_errc::ok: return "ok";
  case capture_errc::not_a_capture: return "not_a_capture";
  case capture_errc::unsupported_version: return "unsupported_version";
  case capture_errc::truncated: return "truncated";
  case capture_errc::record_too_large: return "record_too_large";
  case capture_errc::block_length_invalid: return "block_length_invalid";
  case capture_errc::bad_byte_order_magic: return "bad_byte_order_magic";
  case capture_errc::unknown_interface: return "unknown_interface";
  case capture_errc::too_many_interfaces: return "too_many_interfaces";
  case capture_errc::bad_timestamp_resolution: return "bad_timestamp_resolution";
  case capture_errc::packet_before_section: return "packet_before_section";
  case capture_errc::captured_beyond_block: return "captured_beyond_block";
  }
  return "unknown";
}

/// Records and blocks above this size are refused (the largest link-layer
/// snap length libpcap and Wireshark use is 262144; pcapng blocks add their
/// options). Memory per reader is bounded by it.
inline constexpr std::size_t max_block = std::size_t{1} << 20;
/// Interfaces one pcapng section may describe.
inline constexpr std::size_t max_interfaces = 4096;

/// Reads 16/32/64-bit fields in a file's byte order.
struct byte_order {
  bool big = false;
  [[nodiscard]] std::uint16_t u16(const std::byte *p) const noexcept {
    return big ? vpnwire::core::load_be16(p) : static_cast<std::uint16_t>(load(p, 2));
  }
  [[nodiscard]] std::uint32_t u32(const std::byte *p) const noexcept {
    return big ? vpnwire::core::load_be32(p) : static_cast<std::uint32_t>(load(p, 4));
  }
  [[nodiscard]] std::uint64_t u64(const std::byte *p) const noexcept {
    return big ? (std::uint64_t{vpnwire::core::load_be32(p)} << 32) | vpnwire::core::load_be32(p + 4) : load(p, 8);
  }

private:
  static std::uint64_t load(const std::byte *p, int n) noexcept {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
    return v;
  }
};

/// Nanoseconds of a (seconds, nanoseconds) capture timestamp. A file may hold
/// any value: seconds are clamped to +-9e9 (past year 2255) so the result and
/// the pipeline's clock arithmetic on it (timeouts of up to hours) cannot overflow.
[[nodiscard]] constexpr std::int64_t clamp_ns(std::int64_t sec, std::int64_t ns) noexcept {
  constexpr std::int64_t max_sec = 9'000'000'000;
  sec = sec < -max_sec ? -max_sec : (sec > max_sec ? max_sec : sec);
  ns = ns < 0 ? 0 : (ns > 999'999'999 ? 999'999'999 : ns);
  return sec * 1'000'000'000 + ns;
}

// ------------------------------------------------------------------ classic pcap

/// The classic pcap file header (24 bytes).
struct pcap_file_header {
  byte_order order;
  bool nanosecond = false;
  std::uint32_t snaplen = 0;
  std::uint16_t linktype = 0; ///< low 16 bits of the LinkType field (the FCS bits above are ignored)
};

inline constexpr std::size_t pcap_file_header_size = 24;
inline constexpr std::size_t pcap_record_header_size = 16;

/// Errors: truncated (offset = size) under 24 bytes; not_a_capture (0) for an
/// unknown magic; unsupported_version (4) for a major version other than 2.
[[nodiscard]] inline vpnwire::result<pcap_file_header, capture_errc> parse_pcap_file_header(bytes_view b) noexcept {
  if (b.size() < pcap_file_header_size) return vpnwire::fail(capture_errc::truncated, b.size());
  pcap_file_header h;
  const std::uint32_t be = vpnwire::core::load_be32(b.data());
  switch (be) {
  case 0xa1b2c3d4U: h.order.big = true; break;
  case 0xa1b23c4dU:
    h.order.big = true;
    h.nanosecond = true;
    break;
  case 0xd4c3b2a1U: break;
  case 0x4d3cb2a1U: h.nanosecond = true; break;
  default: return vpnwire::fail(capture_errc::not_a_capture, 0);
  }
  if (h.order.u16(b.data() + 4) != 2) return vpnwire::fail(capture_errc::unsupported_version, 4);
  h.snaplen = h.order.u32(b.data() + 16);
  h.linktype = static_cast<std::uint16_t>(h.order.u32(b.data() + 20) & 0xFFFFU);
  return h;
}

/// One classic pcap record header.
struct pcap_record_header {
  std::int64_t ts_ns = 0;
  std::uint32_t caplen = 0;
  std::uint32_t wirelen = 0;
};

/// Errors: truncated under 16 bytes; record_too_large (8) above max_block.
[[nodiscard]] inline vpnwire::result<pcap_record_header, capture_errc>
parse_pcap_record_header(bytes_view b, const pcap_file_header &f) noexcept {
  if (b.size() < pcap_record_header_size) return vpnwire::fail(capture_errc::truncated, b.size());
  pcap_record_header r;
  const std::int64_t sec = f.order.u32(b.data());
  const std::int64_t frac = f.order.u32(b.data() + 4);
  r.ts_ns = clamp_ns(sec, f.nanosecond ? frac : frac * 1000);
  r.caplen = f.order.u32(b.data() + 8);
  r.wirelen = f.order.u32(b.data() + 12);
  if (r.caplen > max_block) return vpnwire::fail(capture_errc::record_too_large, 8);
  return r;
}

// ------------------------------------------------------------------ pcapng

namespace pcapng {

inline constexpr std::uint32_t section_header = 0x0A0D0D0AU;
inline constexpr std::uint32_t interface_description = 1;
inline constexpr std::uint32_t obsolete_packet = 2;
inline constexpr std::uint32_t simple_packet = 3;
inline constexpr std::uint32_t enhanced_packet = 6;
inline constexpr std::uint32_t byte_order_magic = 0x1A2B3C4DU;

/// What an Interface Description Block says about an interface.
struct interface_info {
  std::uint16_t linktype = 0;
  std::uint32_t snaplen = 0; ///< 0: no limit
  /// Timestamp units per second: 10^n or 2^n (if_tsresol; default 10^6).
  std::uint64_t units_per_second = 1'000'000;
  std::int64_t offset_seconds = 0; ///< if_tsoffset
};

/// The state a section carries between blocks: its byte order and interfaces.
struct section {
  bool started = false;
  byte_order order;
  std::vector<interface_info> interfaces;
};

/// A packet found in a block: its bytes (inside the block body) and metadata.
struct packet {
  bytes_view data;
  std::uint32_t wirelen = 0;
  std::uint32_t interface = 0;
  std::int64_t ts_ns = 0;
};

/// What one block was.
enum class block_kind : std::uint8_t { section, interface, packet, other };

/// The byte order of a Section Header Block from its first 12 bytes
/// (type, total length, byte-order magic). Errors: truncated;
/// bad_byte_order_magic (8).
[[nodiscard]] inline vpnwire::result<byte_order, capture_errc> section_byte_order(bytes_view first12) noexcept {
  if (first12.size() < 12) return vpnwire::fail(capture_errc::truncated, first12.size());
  const std::uint32_t m = vpnwire::core::load_be32(first12.data() + 8);
  if (m == byte_order_magic) return byte_order{true};
  if (m == 0x4D3C2B1AU) return byte_order{false};
  return vpnwire::fail(capture_errc::bad_byte_order_magic, 8);
}

/// Converts a 64-bit tick count of an interface to nanoseconds since the epoch.
[[nodiscard]] inline std::int64_t ticks_to_ns(std::uint64_t ticks, const interface_info &i) noexcept {
  const std::uint64_t u = i.units_per_second;
  const std::uint64_t sec = ticks / u;
  const std::uint64_t frac = ticks % u;
  // frac < u <= 2^63: frac * 1e9 needs 128 bits.
  __extension__ using u128 = unsigned __int128;
  const auto ns = static_cast<std::int64_t>(static_cast<u128>(frac) * 1'000'000'000U / u);
  const std::int64_t s = sec > 0x7FFFFFFFFFFFULL ? std::int64_t{0x7FFFFFFFFFFF} : static_cast<std::int64_t>(sec);
  return clamp_ns(s + i.offset_seconds, ns);
}

/// Walks the options of a block body from `pos`: calls f(code, value) for
/// each until opt_endofopt or the end. Options that run past the body end
/// the walk (options are metadata: a damaged one never loses the packet).
template <class F> void for_each_option(bytes_view body, std::size_t pos, const byte_order &o, F &&f) {
  while (pos + 4 <= body.size()) {
    const std::uint16_t code = o.u16(body.data() + pos);
    const std::uint16_t len = o.u16(body.data() + pos + 2);
    if (code == 0) return;
    if (len > body.size() - pos - 4) return;
    f(code, body.subspan(pos + 4, len));
    pos += 4 + ((std::size_t{len} + 3U) & ~std::size_t{3});
  }
}

/// Parses one block whose `body` (the bytes between the two length fields)
/// has type `type`, updating `sec`. A packet block fills `out`.
/// Errors: packet_before_section; unsupported_version (SHB major != 1);
/// unknown_interface; too_many_interfaces; bad_timestamp_resolution;
/// captured_beyond_block; truncated (a body shorter than its fixed fields).
/// Offsets count from the start of the body.
[[nodiscard]] inline vpnwire::result<block_kind, capture_errc> parse_block(std::uint32_t type, bytes_view body,
                                                                           section &sec, packet &out) noexcept {
  if (type == section_header) {
    if (body.size() < 16) return vpnwire::fail(capture_errc::truncated, body.size());
    const std::uint32_t m = vpnwire::core::load_be32(body.data());
    if (m != byte_order_magic && m != 0x4D3C2B1AU) return vpnwire::fail(capture_errc::bad_byte_order_magic, 0);
    sec.order.big = m == byte_order_magic;
    sec.started = true;
    sec.interfaces.clear();
    if (sec.order.u16(body.data() + 4) != 1) return vpnwire::fail(capture_errc::unsupported_version, 4);
    return block_kind::section;
  }
  if (!sec.started) return vpnwire::fail(capture_errc::packet_before_section, 0);
  const byte_order &o = sec.order;
  switch (type) {
  case interface_description: {
    if (body.size() < 8) return vpnwire::fail(capture_errc::truncated, body.size());
    if (sec.interfaces.size() >= max_interfaces) return vpnwire::fail(capture_errc::too_many_interfaces, 0);
    interface_info i;
    i.linktype = o.u16(body.data());
    i.snaplen = o.u32(body.data() + 4);
    bool bad_resolution = false;
    for_each_option(body, 8, o, [&](std::uint16_t code, bytes_view v) {
      if (code == 9 && v.size() >= 1) { // if_tsresol
        const auto r = std::to_integer<unsigned>(v[0]);
        const unsigned n = r & 0x7FU;
        if ((r & 0x80U) != 0) {
          if (n > 63)
            bad_resolution = true;
          else
            i.units_per_second = std::uint64_t{1} << n;
        } else {
          if (n > 19) bad_resolution = true;
          std::uint64_t u = 1;
          for (unsigned k = 0; k < n && k < 19; ++k) u *= 10;
          i.units_per_second = u;
        }
      } else if (code == 14 && v.size() >= 8) { // if_tsoffset
        i.offset_seconds = static_cast<std::int64_t>(o.u64(v.data()));
        constexpr std::int64_t lim = std::int64_t{1} << 40;
        if (i.offset_seconds > lim || i.offset_seconds < -lim) i.offset_seconds = 0;
      }
    });
    if (bad_resolution) return vpnwire::fail(capture_errc::bad_timestamp_resolution, 8);
    sec.interfaces.push_back(i);
    return block_kind::interface;
  }
  case enhanced_packet:
  case obsolete_packet: {
    if (body.size() < 20) return vpnwire::fail(capture_errc::truncated, body.size());
    const std::uint32_t ifc = type == enhanced_packet ? o.u32(body.data()) : o.u16(body.data());
    if (ifc >= sec.interfaces.size()) return vpnwire::fail(capture_errc::unknown_interface, 0);
    const std::uint64_t ticks = (std::uint64_t{o.u32(body.data() + 4)} << 32) | o.u32(body.data() + 8);
    const std::uint32_t caplen = o.u32(body.data() + 12);
    if (caplen > body.size() - 20) return vpnwire::fail(capture_errc::captured_beyond_block, 12);
    out.interface = ifc;
    out.data = body.subspan(20, caplen);
    out.wirelen = o.u32(body.data() + 16);
    out.ts_ns = ticks_to_ns(ticks, sec.interfaces[ifc]);
    return block_kind::packet;
  }
  case simple_packet: {
    if (body.size() < 4) return vpnwire::fail(capture_errc::truncated, body.size());
    if (sec.interfaces.empty()) return vpnwire::fail(capture_errc::unknown_interface, 0);
    // The captured length is the original length cut by interface 0's snap
    // length and by the block (RFC draft-ietf-opsawg-pcapng §4.4).
    out.interface = 0;
    out.wirelen = o.u32(body.data());
    std::size_t cap = std::min<std::size_t>(out.wirelen, body.size() - 4);
    if (sec.interfaces[0].snaplen != 0) cap = std::min<std::size_t>(cap, sec.interfaces[0].snaplen);
    out.data = body.subspan(4, cap);
    out.ts_ns = 0; // a Simple Packet Block has no timestamp
    return block_kind::packet;
  }
  default: return block_kind::other;
  }
}

} // namespace pcapng

} // namespace vpnwire_cli
