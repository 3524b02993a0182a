// Link layers: the first stage of the receive pipeline. Each link type's
// header becomes a layer of the record, and the stage says which network
// protocol follows and where its bytes start. Nothing is copied.
//
//   ETHERNET (1)   dst src [8100|88a8|9100 TCI]* type      -> eth, vlan...
//   LINUX_SLL (113), LINUX_SLL2 (276)                      -> sll
//   NULL (0) / LOOP (108)  4-byte address family            -> null
//   ENC (109)      af(host) spi(net) flags(host), then IP   -> enc
//   NFLOG (239)    family version res_id, TLVs (host order)  -> nflog
//   PPP (9), PPP_HDLC (50)  [FF 03] protocol, or Cisco HDLC -> (the PPP stage)
//   PPP_ETHER (51) PPPoE header, no Ethernet header         -> (the PPPoE stage)
//   RAW (101), IPV4 (228), IPV6 (229)                       -> (the IP stage)
#pragma once

#include "capture.hpp"
#include "record.hpp"

#include "vpnwire/core/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire_cli {

/// What follows the link layer.
enum class next_protocol : std::uint8_t {
  none, ///< nothing to decode (an error, a cut header, or a protocol marked not decoded)
  ipv4,
  ipv6, ///< recorded as not decoded until the IPv6 stage exists
  pppoe_discovery,
  pppoe_session,
  ppp, ///< a PPP frame (FF 03 optional)
};

struct link_result {
  next_protocol next = next_protocol::none;
  bytes_view payload;
};

/// EtherTypes the pipeline follows.
namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t arp = 0x0806;
inline constexpr std::uint16_t vlan = 0x8100;
inline constexpr std::uint16_t ipv6 = 0x86DD;
inline constexpr std::uint16_t pppoe_discovery = 0x8863;
inline constexpr std::uint16_t pppoe_session = 0x8864;
inline constexpr std::uint16_t qinq = 0x88A8;
inline constexpr std::uint16_t qinq_old = 0x9100;
} // namespace ethertype

/// Address families of the BSD loopback and enc headers. AF_INET6 differs
/// between systems (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30).
[[nodiscard]] constexpr next_protocol from_address_family(std::uint32_t af) noexcept {
  switch (af) {
  case 2: return next_protocol::ipv4;
  case 10:
  case 24:
  case 28:
  case 30: return next_protocol::ipv6;
  default: return next_protocol::none;
  }
}

[[nodiscard]] constexpr next_protocol from_ethertype(std::uint16_t t) noexcept {
  switch (t) {
  case ethertype::ipv4: return next_protocol::ipv4;
  case ethertype::ipv6: return next_protocol::ipv6;
  case ethertype::pppoe_discovery: return next_protocol::pppoe_discovery;
  case ethertype::pppoe_session: return next_protocol::pppoe_session;
  default: return next_protocol::none;
  }
}

/// What follows, or a not-decoded layer naming the protocol number when
/// vpnwire does not follow it.
inline link_result follow(frame_record &rec, next_protocol n, std::string_view what, std::uint32_t number,
                          bytes_view payload) {
  if (n == next_protocol::none) {
    rec.add(not_decoded_layer{what, number, payload.size()});
    return {};
  }
  return {n, payload};
}

namespace detail {

[[nodiscard]] inline std::uint32_t u32_order(const std::byte *p, bool big) noexcept {
  return big ? vpnwire::core::load_be32(p)
             : std::to_integer<std::uint32_t>(p[0]) | std::to_integer<std::uint32_t>(p[1]) << 8 |
                   std::to_integer<std::uint32_t>(p[2]) << 16 | std::to_integer<std::uint32_t>(p[3]) << 24;
}

/// A 32-bit field written in the capturing host's byte order: read little
/// endian, and byte-swap when the top half is not empty (an address family
/// fits 16 bits), as tcpdump (print-null.c, print-enc.c) and Wireshark do.
/// Sane values read the same either way; damaged ones with bits in both
/// halves are swapped, as those tools swap them.
[[nodiscard]] inline std::uint32_t host_order_u32(const std::byte *p, bool &swapped) noexcept {
  const std::uint32_t le = u32_order(p, false);
  swapped = (le & 0xFFFF0000U) != 0;
  return swapped ? vpnwire::core::load_be32(p) : le;
}

[[nodiscard]] inline std::uint16_t u16_order(const std::byte *p, bool big) noexcept {
  return big ? vpnwire::core::load_be16(p)
             : static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) | std::to_integer<unsigned>(p[1]) << 8);
}

} // namespace detail

/// NFLOG: a 4-byte header, then TLVs whose length and type are in the
/// capturing host's byte order (each padded to 4 bytes). The payload TLV
/// (type 9) holds the packet; the family says which IP version it is.
inline link_result decode_nflog(frame_record &rec, bytes_view b, bool cut) {
  constexpr std::uint16_t packet_header = 1, indev = 4, outdev = 5, payload = 9, prefix = 10, uid = 11, gid = 14;
  if (b.size() < 4) {
    if (cut)
      rec.note_cut("nflog", b.size());
    else
      rec.fail("nflog", "truncated", b.size());
    return {};
  }
  nflog_layer n;
  n.family = vpnwire::core::load_u8(b.data());
  n.version = vpnwire::core::load_u8(b.data() + 1);
  n.resource_id = vpnwire::core::load_be16(b.data() + 2);
  // Byte order: the order in which the first TLV's length fits the frame.
  bool big = false;
  if (b.size() >= 8) {
    const std::uint16_t le = detail::u16_order(b.data() + 4, false);
    big = le < 4 || le > b.size() - 4;
  }
  n.tlvs.first = static_cast<std::uint32_t>(rec.tlvs.size());
  bytes_view data;
  bool found = false, data_cut = false;
  std::size_t pos = 4;
  while (pos + 4 <= b.size()) {
    const std::uint16_t len = detail::u16_order(b.data() + pos, big);
    const std::uint16_t type = static_cast<std::uint16_t>(detail::u16_order(b.data() + pos + 2, big) & 0x7FFFU);
    if (len < 4) {
      rec.fail("nflog", "tlv_length_below_header", pos);
      break;
    }
    const bool whole = len <= b.size() - pos;
    if (!whole && !cut) {
      rec.fail("nflog", "tlv_length_beyond_frame", pos);
      break;
    }
    rec.tlvs.push_back(nflog_tlv{len, type});
    const bytes_view value = b.subspan(pos + 4, (whole ? len : b.size() - pos) - 4U);
    // The fixed-size values are read only at their size (the kernel's
    // struct nfulnl_msg_packet_hdr and __be32 attributes: 4 bytes), as
    // tshark reads them; a whole TLV of another size gets a warning.
    const bool fixed = type == packet_header || type == indev || type == outdev || type == uid || type == gid;
    if (fixed && whole && value.size() != 4) rec.warn("nflog", "tlv_value_length", pos);
    if (type == packet_header && value.size() == 4) {
      n.has_packet_header = true;
      n.hw_protocol = vpnwire::core::load_be16(value.data());
      n.hook = vpnwire::core::load_u8(value.data() + 2);
    } else if (type == prefix) {
      std::size_t z = 0;
      while (z < value.size() && value[z] != std::byte{0}) ++z;
      n.prefix = std::string_view(static_cast<const char *>(static_cast<const void *>(value.data())), z);
    } else if (fixed && value.size() == 4) {
      const std::uint32_t v = vpnwire::core::load_be32(value.data());
      (type == indev ? n.indev : type == outdev ? n.outdev : type == uid ? n.uid : n.gid) = v;
    } else if (type == payload) {
      data = value;
      found = true;
      data_cut = !whole;
    }
    if (!whole) break;
    pos += (std::size_t{len} + 3U) & ~std::size_t{3};
  }
  n.tlvs.count = static_cast<std::uint32_t>(rec.tlvs.size()) - n.tlvs.first;
  rec.add(n);
  if (!rec.error && pos < b.size() && b.size() - pos < 4) {
    // A TLV header cut short.
    if (cut)
      rec.note_cut("nflog", b.size());
    else
      rec.fail("nflog", "tlv_header_truncated", pos);
  } else if (data_cut || (cut && !found)) {
    rec.note_cut("nflog", b.size());
  }
  if (!found || rec.error) return {};
  return follow(rec, from_address_family(n.family), "nflog.family", n.family, data);
}

/// Decodes the link-layer header of `f` into `rec` and says what follows.
/// A header the bytes do not hold is the record's error, or a
/// cut_by_snaplen warning when the snap length cut the frame.
inline link_result decode_link(frame_record &rec, const captured_frame &f) {
  using vpnwire::core::load_be16;
  using vpnwire::core::load_be32;
  const bytes_view b = f.data;
  const bool cut = f.wire_length > f.data.size();
  auto short_header = [&](std::string_view layer_name) -> link_result {
    if (cut)
      rec.note_cut(layer_name, b.size());
    else
      rec.fail(layer_name, "truncated", b.size());
    return {};
  };
  switch (f.linktype) {
  case linktype::raw:
  case linktype::ipv4:
  case linktype::ipv6: {
    if (b.empty()) return short_header("raw");
    const unsigned version = std::to_integer<unsigned>(b[0]) >> 4;
    if (f.linktype == linktype::ipv4 || (f.linktype == linktype::raw && version == 4)) return {next_protocol::ipv4, b};
    if (f.linktype == linktype::ipv6 || version == 6) return {next_protocol::ipv6, b};
    rec.fail("raw", "bad_version", 0);
    return {};
  }
  case linktype::ethernet: {
    if (b.size() < 14) return short_header("eth");
    eth_layer e;
    std::copy(b.begin(), b.begin() + 6, e.dst.begin());
    std::copy(b.begin() + 6, b.begin() + 12, e.src.begin());
    e.type = load_be16(b.data() + 12);
    rec.add(e);
    std::size_t off = 14;
    std::uint16_t type = e.type;
    while (type == ethertype::vlan || type == ethertype::qinq || type == ethertype::qinq_old) {
      if (b.size() < off + 4) return short_header("vlan");
      const std::uint16_t tci = load_be16(b.data() + off);
      vlan_layer v;
      v.tpid = type;
      v.priority = static_cast<std::uint8_t>(tci >> 13);
      v.dei = (tci & 0x1000U) != 0;
      v.id = static_cast<std::uint16_t>(tci & 0x0FFFU);
      v.etype = load_be16(b.data() + off + 2);
      rec.add(v);
      type = v.etype;
      off += 4;
    }
    return follow(rec, from_ethertype(type), "ethertype", type, b.subspan(off));
  }
  case linktype::linux_sll: {
    if (b.size() < 16) return short_header("sll");
    sll_layer s;
    s.pkttype = load_be16(b.data());
    s.hatype = load_be16(b.data() + 2);
    s.halen = load_be16(b.data() + 4);
    s.address = b.subspan(6, s.halen < 8 ? s.halen : 8);
    s.unused = b.subspan(6 + s.address.size(), 8 - s.address.size());
    s.protocol = load_be16(b.data() + 14);
    rec.add(s);
    return follow(rec, from_ethertype(s.protocol), "ethertype", s.protocol, b.subspan(16));
  }
  case linktype::linux_sll2: {
    if (b.size() < 20) return short_header("sll");
    sll_layer s;
    s.v2 = true;
    s.protocol = load_be16(b.data());
    s.ifindex = load_be32(b.data() + 4);
    s.hatype = load_be16(b.data() + 8);
    s.pkttype = vpnwire::core::load_u8(b.data() + 10);
    s.halen = vpnwire::core::load_u8(b.data() + 11);
    s.address = b.subspan(12, s.halen < 8 ? s.halen : 8);
    s.unused = b.subspan(12 + s.address.size(), 8 - s.address.size());
    rec.add(s);
    return follow(rec, from_ethertype(s.protocol), "ethertype", s.protocol, b.subspan(20));
  }
  case linktype::null:
  case linktype::loop: {
    if (b.size() < 4) return short_header("null");
    null_layer n;
    n.loop = f.linktype == linktype::loop;
    bool swapped = false;
    n.family = n.loop ? load_be32(b.data()) : detail::host_order_u32(b.data(), swapped);
    rec.add(n);
    return follow(rec, from_address_family(n.family), "null.family", n.family, b.subspan(4));
  }
  case linktype::enc: {
    if (b.size() < 12) return short_header("enc");
    enc_layer e;
    bool swapped = false;
    e.af = detail::host_order_u32(b.data(), swapped);
    e.spi = load_be32(b.data() + 4);
    // The flags word is in the same (host) byte order as the address family.
    e.flags = swapped ? load_be32(b.data() + 8) : detail::u32_order(b.data() + 8, false);
    rec.add(e);
    return follow(rec, from_address_family(e.af), "enc.af", e.af, b.subspan(12));
  }
  case linktype::nflog: return decode_nflog(rec, b, cut);
  case linktype::ppp:
  case linktype::ppp_hdlc: return {next_protocol::ppp, b};
  case linktype::ppp_ether: {
    if (b.size() < 2) return short_header("pppoe");
    const bool session = std::to_integer<unsigned>(b[1]) == 0;
    return {session ? next_protocol::pppoe_session : next_protocol::pppoe_discovery, b};
  }
  default: break;
  }
  rec.add(not_decoded_layer{"linktype", f.linktype, b.size()});
  rec.warn("frame", cli_code::link_type_not_decoded, 0);
  return {};
}

} // namespace vpnwire_cli
