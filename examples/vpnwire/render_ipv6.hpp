// Rendering of the IPv6 layers (record_ipv6.hpp) and IPV6CP, for
// render_json.hpp (Wireshark's field names: ipv6.*, ipv6.hopopts.*,
// ipv6.routing.*, ipv6.dstopts.*, ipv6.fraghdr.*, ah.*, icmpv6.*,
// ipv6cp.opt.*) and render_text.hpp (the tcpdump-style words).
#pragma once

#include "json.hpp"
#include "record.hpp"

#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ppp/control.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace vpnwire_cli {

/// Appends an IPv6 address in RFC 5952 form (lowercase, no leading zeros,
/// the longest run of two or more zero groups, the first on a tie, as "::"),
/// with the mixed notation of RFC 5952 §5 for the well-known prefixes of RFC
/// 4291 §2.5.5 that embed an IPv4 address: IPv4-mapped (::ffff:192.0.2.1)
/// and IPv4-compatible (::192.0.2.1; not :: or ::1 nor any address whose
/// zero run is longer than six groups), as Wireshark and inet_ntop(3) print them.
inline void append_ipv6(std::string &s, const ipv6_bytes &a) {
  std::uint16_t g[8];
  for (int i = 0; i < 8; ++i)
    g[i] = static_cast<std::uint16_t>(std::to_integer<unsigned>(a[static_cast<std::size_t>(2 * i)]) << 8 |
                                      std::to_integer<unsigned>(a[static_cast<std::size_t>(2 * i + 1)]));
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  char buf[20];
  if (best == 0 && (best_len == 6 || (best_len == 5 && g[5] == 0xFFFF))) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", std::to_integer<unsigned>(a[12]), std::to_integer<unsigned>(a[13]),
                  std::to_integer<unsigned>(a[14]), std::to_integer<unsigned>(a[15]));
    s += best_len == 6 ? "::" : "::ffff:";
    s += buf;
    return;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      s += "::";
      i += best_len - 1;
      continue;
    }
    if (i != 0 && i != best + best_len) s += ':';
    std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(g[i]));
    s += buf;
  }
}

[[nodiscard]] inline std::string ipv6_text(const ipv6_bytes &a) {
  std::string s;
  append_ipv6(s, a);
  return s;
}

namespace detail_json {

/// The ipv6.* fields of a fixed header, its extension headers, and the
/// reassembly events of layer `index`.
inline void write_ipv6(json_writer &j, const frame_record &rec, std::size_t index, const ipv6_layer &v) {
  namespace proto = vpnwire::ip::proto;
  j.field("ip.version", 6);
  j.field("ipv6.version", 6);
  j.field("ipv6.tclass", v.tclass);
  j.field("ipv6.tclass.dscp", v.tclass >> 2);
  j.field("ipv6.tclass.ecn", v.tclass & 3U);
  j.field("ipv6.flow", v.flow);
  j.field("ipv6.plen", v.payload_length);
  j.field("ipv6.nxt", v.next_header);
  j.field("ipv6.hlim", v.hop_limit);
  j.field_str("ipv6.src", ipv6_text(v.src));
  j.field_str("ipv6.dst", ipv6_text(v.dst));
  // Each kind of extension header as Wireshark names it; a kind that occurs
  // more than once gives a list (tshark repeats the key). A field is listed
  // for the headers that hold it: `min_bytes`, the header length its end needs.
  auto ext_field = [&](std::uint8_t type, std::string_view key, auto value_of, std::size_t min_bytes = 0) {
    auto holds = [&](const ipv6_ext &e) { return e.type == type && e.length >= min_bytes; };
    bool any = false;
    for (std::uint32_t i = 0; i < v.ext_count; ++i) any = any || holds(rec.ipv6_exts[v.ext_first + i]);
    if (!any) return;
    j.key(key);
    j.begin_array();
    for (std::uint32_t i = 0; i < v.ext_count; ++i) {
      const ipv6_ext &e = rec.ipv6_exts[v.ext_first + i];
      if (holds(e)) j.number(value_of(e));
    }
    j.end_array();
  };
  for (const auto &[type, prefix] : {std::pair<std::uint8_t, std::string_view>{proto::hop_by_hop, "ipv6.hopopts"},
                                     {proto::ipv6_destination, "ipv6.dstopts"},
                                     {proto::ipv6_routing, "ipv6.routing"}}) {
    const std::string p(prefix);
    ext_field(type, p + ".nxt", [](const ipv6_ext &e) { return e.next_header; });
    ext_field(type, p + ".len", [](const ipv6_ext &e) { return e.length_field; });
    ext_field(type, p + ".len_oct", [](const ipv6_ext &e) { return e.length; });
  }
  ext_field(proto::ipv6_routing, "ipv6.routing.type", [](const ipv6_ext &e) { return e.routing_type; });
  ext_field(proto::ipv6_routing, "ipv6.routing.segleft", [](const ipv6_ext &e) { return e.segments_left; });
  ext_field(proto::ipv6_fragment, "ipv6.fraghdr.nxt", [](const ipv6_ext &e) { return e.next_header; });
  ext_field(proto::ipv6_fragment, "ipv6.fraghdr.reserved_octet", [](const ipv6_ext &e) { return e.reserved_octet; });
  ext_field(proto::ipv6_fragment, "ipv6.fraghdr.offset", [](const ipv6_ext &e) { return e.offset_units; });
  ext_field(proto::ipv6_fragment, "ipv6.fraghdr.reserved_bits", [](const ipv6_ext &e) { return e.reserved_bits; });
  ext_field(proto::ipv6_fragment, "ipv6.fraghdr.more", [](const ipv6_ext &e) { return e.more ? 1U : 0U; });
  ext_field(proto::ipv6_fragment, "ipv6.fraghdr.ident", [](const ipv6_ext &e) { return e.id; });
  ext_field(proto::ah, "ah.next_header", [](const ipv6_ext &e) { return e.next_header; });
  ext_field(proto::ah, "ah.length", [](const ipv6_ext &e) { return e.length_field; });
  // An AH shorter than its 12-byte fixed part (warning ah_length_too_small)
  // lists only what it holds; tshark reads the missing ones past its end.
  const auto spi = [](const ipv6_ext &e) { return e.ah_spi; };
  const auto sequence = [](const ipv6_ext &e) { return e.ah_seq; };
  ext_field(proto::ah, "ah.spi", spi, ah_spi_end);
  ext_field(proto::ah, "ah.sequence", sequence, ah_fixed_size);
  for (const event &e : rec.events) {
    if (e.layer_index != index) continue;
    switch (e.what) {
    case event::kind::fragment_held: j.field_str("vpnwire.ipv6.reassembly", "held"); break;
    case event::kind::fragment_not_captured: j.field_str("vpnwire.ipv6.reassembly", "not_captured"); break;
    case event::kind::fragment_completed:
      j.field_str("vpnwire.ipv6.reassembly", "completed");
      j.field("ipv6.fragment.count", e.fragments.count);
      j.field("ipv6.reassembled.length", e.datagram_length - std::uint32_t{v.fragment_header_at});
      j.key("ipv6.fragment");
      j.begin_array();
      for (std::uint32_t i = 0; i < e.fragments.count; ++i) j.number(rec.fragment_frames[e.fragments.first + i]);
      j.end_array();
      break;
    default: break;
    }
  }
}

inline void write_icmpv6(json_writer &j, const icmpv6_layer &m) {
  j.field("icmpv6.type", m.type);
  j.field("icmpv6.code", m.code);
  j.field("icmpv6.checksum", m.checksum);
  j.field("icmpv6.checksum.status", m.status);
  if (m.status == static_cast<std::uint8_t>(checksum_status::bad))
    j.field("vpnwire.icmpv6.checksum_calculated", m.checksum_calculated);
  if (m.mtu) j.field("icmpv6.mtu", *m.mtu);
  if (m.pointer) j.field("icmpv6.pointer", *m.pointer);
  if (m.echo_id) j.field("icmpv6.echo.identifier", *m.echo_id);
  if (m.echo_seq) j.field("icmpv6.echo.sequence_number", *m.echo_seq);
}

/// IPV6CP (RFC 5072): the control header and its options. As in Wireshark,
/// the IPv6-Compression-Protocol option (2) is shown under IPCP's field
/// names (ipcp.opt.*, RFC 5072 §4.2 reuses IPCP's option layout), every
/// other option under ipv6cp.opt.*.
inline void write_ipv6cp(json_writer &j, const frame_record &rec, const ppp_control_layer &c) {
  j.field("ppp.code", c.code);
  j.field("ppp.identifier", c.identifier);
  j.field("ppp.length", c.length);
  if (!vpnwire::ppp::carries_options(c.code)) return;
  constexpr std::uint8_t interface_identifier = 1, compression = 2;
  auto list = [&](std::string_view key, bool compress, bool type) {
    bool any = false;
    for (std::uint32_t i = 0; i < c.options.count; ++i)
      any = any || (rec.options[c.options.first + i].type == compression) == compress;
    if (!any) return;
    j.key(key);
    j.begin_array();
    for (std::uint32_t i = 0; i < c.options.count; ++i) {
      const ppp_option &o = rec.options[c.options.first + i];
      if ((o.type == compression) == compress) j.number(type ? o.type : o.length);
    }
    j.end_array();
  };
  list("ipv6cp.opt.type", false, true);
  list("ipv6cp.opt.length", false, false);
  list("ipcp.opt.type", true, true);
  list("ipcp.opt.length", true, false);
  for (std::uint32_t i = 0; i < c.options.count; ++i) {
    const ppp_option &o = rec.options[c.options.first + i];
    // The whole option (type, length, value), as Wireshark's option item shows it.
    std::array<std::byte, 257> whole{};
    whole[0] = std::byte{o.type};
    whole[1] = std::byte{o.length};
    const std::size_t n = o.value.size() < 255 ? o.value.size() : 255;
    for (std::size_t k = 0; k < n; ++k) whole[2 + k] = o.value[k];
    const std::span<const std::byte> bytes(whole.data(), 2 + n);
    if (o.type == interface_identifier && o.value.size() == 8) {
      j.field_hex("ipv6cp.opt.interface_identifier", bytes);
      j.field_hex("ipv6cp.interface_identifier", o.value);
    } else if (o.type == compression && o.value.size() >= 2) {
      j.field_hex("ipcp.opt.compress", bytes);
      j.field("ipcp.opt.compress_proto", vpnwire::core::load_be16(o.value.data()));
    }
  }
}

} // namespace detail_json

namespace detail_text {

/// "IP6 src > dst" with the fragment or reassembly words of layer `index`.
inline void write_ipv6_words(std::string &s, const frame_record &rec, std::size_t index, const ipv6_layer &v) {
  s += "IP6 ";
  append_ipv6(s, v.src);
  s += " > ";
  append_ipv6(s, v.dst);
  for (const event &e : rec.events) {
    if (e.layer_index != index) continue;
    switch (e.what) {
    case event::kind::fragment_held:
    case event::kind::fragment_not_captured:
      s += " frag id " + std::to_string(v.fragment_id) + " off " + std::to_string(v.fragment_offset);
      if (v.more_fragments) s += "+";
      if (e.what == event::kind::fragment_not_captured) s += " (not captured whole: not reassembled)";
      break;
    case event::kind::fragment_completed:
      s += " reassembled " + std::to_string(e.datagram_length) + " bytes from " + std::to_string(e.fragments.count) +
           " fragments";
      break;
    default: break;
    }
  }
}

inline void write_icmpv6_words(std::string &s, const icmpv6_layer &m) {
  switch (m.type) {
  case 1: s += "ICMP6 destination unreachable code " + std::to_string(m.code); break;
  case 2: s += "ICMP6 packet too big mtu " + std::to_string(m.mtu ? *m.mtu : 0); break;
  case 3: s += "ICMP6 time exceeded code " + std::to_string(m.code); break;
  case 4: s += "ICMP6 parameter problem code " + std::to_string(m.code); break;
  case 128:
  case 129:
    s += m.type == 128 ? "ICMP6 echo request" : "ICMP6 echo reply";
    s += " id " + std::to_string(m.echo_id ? *m.echo_id : 0) + " seq " + std::to_string(m.echo_seq ? *m.echo_seq : 0);
    break;
  default: s += "ICMP6 type " + std::to_string(m.type) + " code " + std::to_string(m.code);
  }
}

} // namespace detail_text

} // namespace vpnwire_cli
