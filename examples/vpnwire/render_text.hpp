// The text renderer of a frame_record: one tcpdump-style line per frame,
//   HH:MM:SS.uuuuuu IP a > b UDP 4500 > 4500 ESP(spi=..,seq=..) | UDP 1701 > 1701 L2TP data ... [warning ...] [error
//   ...]
// where " | " separates what a tunnel (ESP, L2TP, PPP) carries, followed
// by a line for each packet the reorder stage dropped.
#pragma once

#include "doctor_actions.hpp"
#include "json.hpp"
#include "l2tp_json.hpp"
#include "record.hpp"
#include "render_ipv6.hpp"

#include "vpnwire/esp/sa.hpp"
#include "vpnwire/ppp/control.hpp"

#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

namespace vpnwire_cli {

[[nodiscard]] inline std::string_view ppp_code_name(std::uint8_t c) noexcept {
  namespace code = vpnwire::ppp::code;
  switch (c) {
  case code::configure_request: return "Conf-Req";
  case code::configure_ack: return "Conf-Ack";
  case code::configure_nak: return "Conf-Nak";
  case code::configure_reject: return "Conf-Rej";
  case code::terminate_request: return "Term-Req";
  case code::terminate_ack: return "Term-Ack";
  case code::code_reject: return "Code-Rej";
  case code::protocol_reject: return "Prot-Rej";
  case code::echo_request: return "Echo-Req";
  case code::echo_reply: return "Echo-Reply";
  case code::discard_request: return "Discard-Req";
  default: return "code";
  }
}

namespace detail_text {

inline void append_time(std::string &s, std::int64_t ts_ns) {
  const std::int64_t sec = ts_ns / 1'000'000'000;
  const std::int64_t us = (ts_ns % 1'000'000'000) / 1000;
  char b[48];
  std::snprintf(b, sizeof b, "%02lld:%02lld:%02lld.%06lld ", static_cast<long long>((sec / 3600) % 24),
                static_cast<long long>((sec / 60) % 60), static_cast<long long>(sec % 60), static_cast<long long>(us));
  s += b;
}

inline void append_hex(std::string &s, const char *fmt, unsigned v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  s += b;
}

inline void append_quoted(std::string &s, bytes_view v) {
  s.push_back('"');
  for (std::byte x : v) {
    const auto c = std::to_integer<unsigned char>(x);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
      append_hex(s, "\\x%02x", c);
    else
      s.push_back(static_cast<char>(c));
  }
  s.push_back('"');
}

/// Writes each layer's words; returns whether anything was written.
struct word_writer {
  std::string &s;
  const frame_record &rec;
  std::size_t index;

  bool operator()(const eth_layer &) { return false; }
  bool operator()(const vlan_layer &) { return false; }
  bool operator()(const sll_layer &) { return false; }
  bool operator()(const null_layer &) { return false; }
  bool operator()(const enc_layer &e) {
    append_hex(s, "ENC(spi=0x%08x)", e.spi);
    return true;
  }
  bool operator()(const nflog_layer &n) {
    s += "NFLOG group " + std::to_string(n.resource_id);
    if (!n.prefix.empty()) {
      s += " ";
      append_quoted(
          s, bytes_view(static_cast<const std::byte *>(static_cast<const void *>(n.prefix.data())), n.prefix.size()));
    }
    return true;
  }
  bool operator()(const chdlc_layer &) { return false; }
  bool operator()(const pppoe_layer &p) {
    if (p.session) {
      append_hex(s, "PPPoE session 0x%04x", p.session_id);
    } else {
      append_hex(s, "PPPoE discovery code 0x%02x", p.code);
      append_hex(s, " session 0x%04x", p.session_id);
    }
    return true;
  }
  bool operator()(const ppp_layer &p) {
    if (p.protocol == 0x0021)
      s += "PPP IPv4";
    else if (p.protocol == 0x0057)
      s += "PPP IPv6";
    else
      return false;
    return true;
  }
  bool operator()(const ppp_control_layer &c) {
    s += c.protocol == ppp_control_layer::kind::lcp    ? "LCP "
         : c.protocol == ppp_control_layer::kind::ipcp ? "IPCP "
                                                       : "IPV6CP ";
    s += ppp_code_name(c.code);
    s += " id " + std::to_string(c.identifier);
    if (c.magic_number) append_hex(s, " magic 0x%08x", *c.magic_number);
    return true;
  }
  bool operator()(const pap_layer &p) {
    static constexpr std::string_view names[] = {"code", "Auth-Req", "Auth-Ack", "Auth-Nak"};
    s += "PAP ";
    s += names[p.code < 4 ? p.code : 0];
    s += " id " + std::to_string(p.identifier);
    if (p.peer_id) {
      s += " peer ";
      append_quoted(s, *p.peer_id);
    }
    return true;
  }
  bool operator()(const chap_layer &c) {
    static constexpr std::string_view names[] = {"code", "Challenge", "Response", "Success", "Failure"};
    s += "CHAP ";
    s += names[c.code < 5 ? c.code : 0];
    s += " id " + std::to_string(c.identifier);
    if (c.name && !c.name->empty()) {
      s += " name ";
      append_quoted(s, *c.name);
    }
    return true;
  }
  bool operator()(const ipv4_layer &v) {
    s += "IP ";
    json_writer::append_ipv4(s, v.src);
    s += " > ";
    json_writer::append_ipv4(s, v.dst);
    for (const event &e : rec.events) {
      if (e.layer_index != index) continue;
      switch (e.what) {
      case event::kind::fragment_held:
      case event::kind::fragment_not_captured:
        s += " frag id " + std::to_string(v.id) + " off " + std::to_string(v.fragment_offset);
        if (v.more_fragments()) s += "+";
        if (e.what == event::kind::fragment_not_captured) s += " (not captured whole: not reassembled)";
        break;
      case event::kind::fragment_completed:
        s += " reassembled " + std::to_string(e.datagram_length) + " bytes from " + std::to_string(e.fragments.count) +
             " fragments";
        break;
      default: break;
      }
    }
    return true;
  }
  bool operator()(const udp_layer &u) {
    s += "UDP " + std::to_string(u.src_port) + " > " + std::to_string(u.dst_port);
    return true;
  }
  bool operator()(const tcp_layer &t) {
    s += "TCP " + std::to_string(t.src_port) + " > " + std::to_string(t.dst_port);
    if (t.syn()) s += t.ack_flag() ? " [S.]" : " [S]";
    if (t.mss) s += " mss " + std::to_string(*t.mss);
    return true;
  }
  bool operator()(const esp_layer &e) {
    append_hex(s, "ESP(spi=0x%08x", e.spi);
    s += ",seq=" + std::to_string(e.seq) + ")";
    switch (e.state) {
    case esp_layer::payload_state::no_sa:
    case esp_layer::payload_state::no_backend: s += " encrypted"; break;
    case esp_layer::payload_state::not_captured: s += " (not captured whole: not decrypted)"; break;
    case esp_layer::payload_state::decrypted:
      if (e.dummy) s += " dummy";
      if (e.unverified) s += " UNVERIFIED";
      break;
    case esp_layer::payload_state::failed: break;
    }
    if (!e.deprecated_cipher.empty() || !e.deprecated_integrity.empty()) {
      s += " [";
      s += e.deprecated_cipher;
      s += !e.deprecated_cipher.empty() && !e.deprecated_integrity.empty() ? "/" : "";
      s += e.deprecated_integrity;
      s += " ";
      s += vpnwire::esp::deprecated_note;
      s += "]";
    }
    return true;
  }
  /// An AGGFRAG payload: "AGGFRAG(off=N,blocks=K,inner=M)" (inner: packets completed).
  bool operator()(const iptfs_layer &t) {
    s += "AGGFRAG(";
    if (t.sub_type != 0) s += "cc,";
    s += "off=" + std::to_string(t.block_offset) + ",blocks=" + std::to_string(t.blocks) +
         ",inner=" + std::to_string(t.completed) + ")";
    return true;
  }
  bool operator()(const natt_layer &n) {
    if (!n.keepalive) return false;
    s += "NAT-keepalive";
    return true;
  }
  bool operator()(const l2tp_layer &l) {
    s += "L2TP ";
    if (l.zlb()) {
      s += "ZLB t=" + std::to_string(l.tunnel) + " Ns=" + std::to_string(l.ns) + " Nr=" + std::to_string(l.nr);
      return true;
    }
    if (l.control) {
      s += message_short_name(l.message_type);
      s += " t=" + std::to_string(l.tunnel) + " s=" + std::to_string(l.session);
    } else {
      s += "data t=" + std::to_string(l.tunnel) + " s=" + std::to_string(l.session);
    }
    if (l.seq_bit) s += " Ns=" + std::to_string(l.ns) + " Nr=" + std::to_string(l.nr);
    if (l.seq_required) s += " seq-required";
    if (l.avps_cut) s += " (AVPs cut)";
    if (!l.disposition.empty()) s += " (" + std::string(l.disposition) + ")";
    return true;
  }
  bool operator()(const ipv6_layer &v) {
    write_ipv6_words(s, rec, index, v);
    return true;
  }
  bool operator()(const icmpv6_layer &m) {
    write_icmpv6_words(s, m);
    return true;
  }
  bool operator()(const not_decoded_layer &n) {
    const std::string_view p = n.protocol;
    if (p == "ipv6")
      s += "IPv6 (not decoded)";
    else if (p == "ip.proto")
      s += "proto " + std::to_string(n.number);
    else if (p == "isakmp")
      s += "IKE";
    else if (p == "nesting_limit")
      s += "(nesting limit)";
    else if (p == "ppp.protocol")
      append_hex(s, "PPP proto 0x%04x", n.number);
    else if (p == "chdlc.protocol")
      append_hex(s, "CHDLC proto 0x%04x", n.number);
    else if (p == "ethertype")
      append_hex(s, "ethertype 0x%04x (not decoded)", n.number);
    else
      s += std::string(p) + " " + std::to_string(n.number) + " (not decoded)";
    return true;
  }
};

/// True when what follows a layer is carried inside it (printed after " | ").
[[nodiscard]] inline bool carries(const layer &l) noexcept {
  return std::holds_alternative<esp_layer>(l) || std::holds_alternative<l2tp_layer>(l) ||
         std::holds_alternative<iptfs_layer>(l) || std::holds_alternative<ppp_layer>(l);
}

inline void append_issue(std::string &s, std::string_view kind, const issue &i) {
  s += " [";
  s += kind;
  s += " ";
  s += i.layer;
  s += " ";
  s += i.code;
  s += " at " + std::to_string(i.offset) + "]";
}

} // namespace detail_text

/// Appends the reorder drop lines of `events`.
inline void render_text_events(std::string &out, const std::vector<event> &events) {
  for (const event &e : events) {
    if (e.what != event::kind::drop) continue;
    out += "   reorder: dropped tunnel " + std::to_string(e.tunnel) + " session " + std::to_string(e.session) +
           " Ns=" + std::to_string(e.ns) + " (frame " + std::to_string(e.frame) + "): " + std::string(e.reason) + "\n";
  }
}

/// Appends the text line of one record (with the drop lines around it).
inline void render_text(std::string &out, const frame_record &rec) {
  render_text_events(out, rec.released);
  if (rec.end_of_capture()) return;
  detail_text::append_time(out, rec.ts_ns);
  bool any = false;
  bool inside = false; // the previous word belongs to a layer that carries the next
  for (std::size_t i = 0; i < rec.layers.size(); ++i) {
    const layer &l = rec.layers[i];
    std::string word;
    if (!std::visit(detail_text::word_writer{word, rec, i}, l)) continue;
    if (any) out += inside ? " | " : " ";
    out += word;
    any = true;
    inside = detail_text::carries(l);
  }
  if (rec.caplen < rec.wirelen)
    out += " [captured " + std::to_string(rec.caplen) + " of " + std::to_string(rec.wirelen) + " bytes]";
  if (rec.error) // what the peer does about the error, before the issues (tests/cli/agreement_test.py reads those last)
    if (const std::string a = error_action_text(rec); !a.empty()) out += " (" + a + ")";
  for (const issue &w : rec.warnings) detail_text::append_issue(out, "warning", w);
  if (rec.error) detail_text::append_issue(out, "error", *rec.error);
  out.push_back('\n');
  render_text_events(out, rec.events);
}

} // namespace vpnwire_cli
