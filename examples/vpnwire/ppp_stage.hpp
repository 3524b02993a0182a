// The PPP family stages of the receive pipeline: PPPoE (RFC 2516) discovery
// and session headers, the PPP frame header (RFC 1661/1662), Cisco HDLC on
// the PPP_HDLC link type, and the packets PPP carries besides IP: LCP and
// IPCP (option lists, Echo magic numbers), PAP (RFC 1334) and CHAP
// (RFC 1994). Parsing is the library's (vpnwire/ppp/) where it has a view;
// PAP and CHAP bodies are read here (the library has no view for them yet).
// Every stage writes layers into the record and says what follows.
#pragma once

#include "link.hpp"
#include "record.hpp"
#include "snap_cut.hpp"

#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vpnwire_cli {

namespace ppp = vpnwire::ppp;

/// A length-prefixed field of a PAP or CHAP packet: a 1-byte length and
/// that many bytes, at `pos` of `data`; advances `pos`. Nothing (and `pos`
/// unchanged) when the field runs past the data.
[[nodiscard]] inline std::optional<bytes_view> counted_field(bytes_view data, std::size_t &pos) noexcept {
  if (pos >= data.size()) return std::nullopt;
  const std::size_t n = std::to_integer<std::size_t>(data[pos]);
  if (n > data.size() - pos - 1) return std::nullopt;
  const bytes_view v = data.subspan(pos + 1, n);
  pos += 1 + n;
  return v;
}

/// The control-packet header every PPP control protocol shares (code,
/// identifier, length), with a Length beyond a cut capture read as the
/// captured bytes. Fails into the record under `layer_name` and returns nothing.
[[nodiscard]] inline std::optional<ppp::control_packet_view>
control_header(frame_record &rec, snap_cut &cut, std::string_view layer_name, bytes_view b, bool &cut_here) {
  cut_here = false;
  auto c = ppp::parse_control_packet(b);
  if (!c && cut.reaches_cut(b) && (c.code() == ppp::errc::packet_length_past_end || c.code() == ppp::errc::truncated)) {
    if (c.code() == ppp::errc::truncated) {
      rec.note_cut(layer_name, b.size());
      return std::nullopt;
    }
    const std::uint16_t wire_length = vpnwire::core::load_be16(b.data() + 2);
    const bytes_view copy = cut.patched(b, 2, static_cast<std::uint16_t>(b.size()));
    if (copy.empty()) {
      rec.note_cut(layer_name, b.size());
      return std::nullopt;
    }
    c = ppp::parse_control_packet(copy);
    if (c) {
      c->length = wire_length;
      cut_here = true;
      rec.note_cut(layer_name, b.size());
    }
  }
  if (!c) {
    rec.fail(layer_name, c.error());
    return std::nullopt;
  }
  return *c;
}

/// Checks the value length of the options whose size the RFCs fix, with the
/// library's typed accessors; the first wrong one is the record's error.
inline void check_option(frame_record &rec, bool lcp, const ppp::option_view &o) {
  auto check = [&](auto r) {
    if (!r) rec.fail(lcp ? "lcp" : "ipcp", r.error());
  };
  if (lcp) {
    switch (o.type) {
    case ppp::lcp_option::mru: check(ppp::lcp_mru(o)); break;
    case ppp::lcp_option::accm: check(ppp::lcp_accm(o)); break;
    case ppp::lcp_option::authentication_protocol: check(ppp::lcp_auth_protocol(o)); break;
    case ppp::lcp_option::magic_number: check(ppp::lcp_magic_number(o)); break;
    case ppp::lcp_option::protocol_field_compression: check(ppp::lcp_pfc(o)); break;
    case ppp::lcp_option::address_control_field_compression: check(ppp::lcp_acfc(o)); break;
    default: break;
    }
  } else {
    switch (o.type) {
    case ppp::ipcp_option::ip_address: check(ppp::ipcp_ip_address(o)); break;
    case ppp::ipcp_option::primary_dns: check(ppp::ipcp_primary_dns(o)); break;
    case ppp::ipcp_option::secondary_dns: check(ppp::ipcp_secondary_dns(o)); break;
    default: break;
    }
  }
}

/// LCP or IPCP: the header, the option list of Configure-* packets, the
/// magic number of Echo and Discard, the protocol of a Protocol-Reject.
inline void decode_control(frame_record &rec, snap_cut &cut, bool lcp, bytes_view b) {
  const std::string_view layer_name = lcp ? "lcp" : "ipcp";
  bool cut_here = false;
  auto c = control_header(rec, cut, layer_name, b, cut_here);
  if (!c) return;
  ppp_control_layer l;
  l.protocol = lcp ? ppp_control_layer::kind::lcp : ppp_control_layer::kind::ipcp;
  l.code = c->code;
  l.identifier = c->identifier;
  l.length = c->length;
  l.options.first = static_cast<std::uint32_t>(rec.options.size());
  if (ppp::carries_options(c->code)) {
    auto rd = c->options();
    while (rd && !rd->done()) {
      auto o = rd->next();
      if (!o) {
        // An option running into the end of a cut capture is where the capture stopped.
        if (!(cut_here && o.code() == ppp::errc::option_past_end)) rec.fail(layer_name, o.error());
        break;
      }
      rec.options.push_back(ppp_option{o->type, o->length, o->value});
      check_option(rec, lcp, *o);
    }
  } else if (lcp) {
    const bytes_view d = c->data;
    switch (c->code) {
    case ppp::code::echo_request:
    case ppp::code::echo_reply:
    case ppp::code::discard_request:
      if (d.size() >= 4)
        l.magic_number = vpnwire::core::load_be32(d.data());
      else if (!cut_here)
        rec.fail(layer_name, "truncated", 4 + d.size());
      break;
    case ppp::code::protocol_reject:
      if (d.size() >= 2)
        l.rejected_protocol = vpnwire::core::load_be16(d.data());
      else if (!cut_here)
        rec.fail(layer_name, "truncated", 4 + d.size());
      break;
    default: break;
    }
  }
  l.options.count = static_cast<std::uint32_t>(rec.options.size()) - l.options.first;
  rec.add(l);
}

/// IPV6CP (RFC 5072): the control header and, for Configure-* packets, the
/// options; an Interface-Identifier (1) must hold 8 bytes (the library's
/// ipv6cp_interface_identifier judges it); IPv6-Compression-Protocol (2) and
/// other types are listed with their length only.
inline void decode_ipv6cp(frame_record &rec, snap_cut &cut, bytes_view b) {
  bool cut_here = false;
  auto c = control_header(rec, cut, "ipv6cp", b, cut_here);
  if (!c) return;
  ppp_control_layer l;
  l.protocol = ppp_control_layer::kind::ipv6cp;
  l.code = c->code;
  l.identifier = c->identifier;
  l.length = c->length;
  l.options.first = static_cast<std::uint32_t>(rec.options.size());
  if (ppp::carries_options(c->code)) {
    auto rd = c->options();
    while (rd && !rd->done()) {
      auto o = rd->next();
      if (!o) {
        if (!(cut_here && o.code() == ppp::errc::option_past_end)) rec.fail("ipv6cp", o.error());
        break;
      }
      rec.options.push_back(ppp_option{o->type, o->length, o->value});
      if (o->type == ppp::ipv6cp_option::interface_identifier)
        if (auto r = ppp::ipv6cp_interface_identifier(*o); !r) rec.fail("ipv6cp", r.error());
    }
  }
  l.options.count = static_cast<std::uint32_t>(rec.options.size()) - l.options.first;
  rec.add(l);
}

/// PAP (RFC 1334 §2.2): Authenticate-Request (1) holds Peer-ID and
/// Password, Authenticate-Ack (2) and -Nak (3) a Message.
inline void decode_pap(frame_record &rec, snap_cut &cut, bytes_view b) {
  bool cut_here = false;
  auto c = control_header(rec, cut, "pap", b, cut_here);
  if (!c) return;
  pap_layer l;
  l.code = c->code;
  l.identifier = c->identifier;
  l.length = c->length;
  std::size_t pos = 0;
  auto field = [&](std::optional<bytes_view> &out) {
    if (rec.error) return;
    out = counted_field(c->data, pos);
    if (!out && !cut_here) rec.fail("pap", "truncated", 4 + pos);
  };
  if (c->code == 1) {
    field(l.peer_id);
    if (l.peer_id) field(l.password);
  } else if (c->code == 2 || c->code == 3) {
    field(l.message);
  }
  rec.add(l);
}

/// CHAP (RFC 1994 §4): Challenge (1) and Response (2) hold Value-Size,
/// Value and Name (the rest); Success (3) and Failure (4) a Message (the rest).
inline void decode_chap(frame_record &rec, snap_cut &cut, bytes_view b) {
  bool cut_here = false;
  auto c = control_header(rec, cut, "chap", b, cut_here);
  if (!c) return;
  chap_layer l;
  l.code = c->code;
  l.identifier = c->identifier;
  l.length = c->length;
  const bytes_view d = c->data;
  if (c->code == 1 || c->code == 2) {
    std::size_t pos = 0;
    l.value = counted_field(d, pos);
    if (l.value)
      l.name = d.subspan(pos);
    else if (!cut_here)
      rec.fail("chap", "truncated", 4);
  } else if (c->code == 3 || c->code == 4) {
    l.message = d;
  }
  rec.add(l);
}

/// A PPP frame: its header, then LCP/IPCP/PAP/CHAP here, or the network
/// protocol the caller continues with. `link` is true for the PPP and
/// PPP_HDLC link types, where Cisco HDLC frames (first byte 0x0F or 0x8F,
/// RFC 1547 §4.3.1) appear too, as Wireshark reads them.
inline link_result decode_ppp(frame_record &rec, snap_cut &cut, bytes_view b, bool link = false) {
  if (link && !b.empty() && (b[0] == std::byte{0x0F} || b[0] == std::byte{0x8F})) {
    if (b.size() < 4) {
      if (cut.reaches_cut(b))
        rec.note_cut("chdlc", b.size());
      else
        rec.fail("chdlc", "truncated", b.size());
      return {};
    }
    chdlc_layer h;
    h.address = vpnwire::core::load_u8(b.data());
    h.control = vpnwire::core::load_u8(b.data() + 1);
    h.protocol = vpnwire::core::load_be16(b.data() + 2);
    rec.add(h);
    return follow(rec, from_ethertype(h.protocol), "chdlc.protocol", h.protocol, b.subspan(4));
  }
  auto f = ppp::parse_frame(b);
  if (!f) {
    if (cut.reaches_cut(b) && f.code() == ppp::errc::truncated)
      rec.note_cut("ppp", b.size());
    else
      rec.fail("ppp", f.error());
    return {};
  }
  rec.add(ppp_layer{f->has_address_control, f->protocol});
  switch (f->protocol) {
  case ppp::protocol::ipv4: return {next_protocol::ipv4, f->payload};
  case ppp::protocol::ipv6: return {next_protocol::ipv6, f->payload};
  case ppp::protocol::lcp: decode_control(rec, cut, true, f->payload); return {};
  case ppp::protocol::ipcp: decode_control(rec, cut, false, f->payload); return {};
  case ppp::protocol::ipv6cp: decode_ipv6cp(rec, cut, f->payload); return {};
  case ppp::protocol::pap: decode_pap(rec, cut, f->payload); return {};
  case ppp::protocol::chap: decode_chap(rec, cut, f->payload); return {};
  default: rec.add(not_decoded_layer{"ppp.protocol", f->protocol, f->payload.size()}); return {};
  }
}

/// A PPPoE packet (the Ethernet payload, or the whole frame on PPP_ETHER):
/// discovery tags, or the session's PPP frame and what it carries.
inline link_result decode_pppoe(frame_record &rec, snap_cut &cut, bool session, bytes_view b) {
  auto p = ppp::parse_pppoe(b, session ? ppp::pppoe_stage::session : ppp::pppoe_stage::discovery);
  bool cut_here = false;
  if (!p && cut.reaches_cut(b) && (p.code() == ppp::errc::pppoe_length_past_end || p.code() == ppp::errc::truncated)) {
    const bytes_view copy = p.code() == ppp::errc::truncated
                                ? bytes_view{}
                                : cut.patched(b, 4, static_cast<std::uint16_t>(b.size() - ppp::pppoe_header_size));
    if (copy.empty()) {
      rec.note_cut("pppoe", b.size());
      return {};
    }
    const std::uint16_t wire_length = vpnwire::core::load_be16(b.data() + 4);
    p = ppp::parse_pppoe(copy, session ? ppp::pppoe_stage::session : ppp::pppoe_stage::discovery);
    if (p) {
      p->length = wire_length;
      cut_here = true;
      rec.note_cut("pppoe", b.size());
    }
  }
  if (!p) {
    rec.fail("pppoe", p.error());
    return {};
  }
  pppoe_layer l;
  l.session = session;
  l.code = p->code;
  l.session_id = p->session_id;
  l.payload_length = p->length;
  l.tags.first = static_cast<std::uint32_t>(rec.tags.size());
  if (!session) {
    auto rd = p->tags();
    while (!rd.done()) {
      auto t = rd.next();
      if (!t) {
        if (!(cut_here && t.code() == ppp::errc::tag_past_end)) rec.fail("pppoe", t.error());
        break;
      }
      rec.tags.push_back(pppoe_tag{t->type, t->value});
    }
  }
  l.tags.count = static_cast<std::uint32_t>(rec.tags.size()) - l.tags.first;
  rec.add(l);
  if (!session) return {};
  return decode_ppp(rec, cut, p->payload);
}

} // namespace vpnwire_cli
