// The JSON renderer of a frame_record: one JSON Lines object per frame,
//   {"frame":N,"layers":[{"proto":...,fields},...],"warnings":[...],"error":null|{...}}
// under Wireshark's display-filter field names, plus one line per reorder
// delivery and drop, in delivery order: those a timeout released before the
// frame come before its line, those the frame caused after it. Keys that
// start with "vpnwire." are the ones Wireshark has no name for.
#pragma once

#include "doctor_actions.hpp"
#include "json.hpp"
#include "l2tp_json.hpp"
#include "record.hpp"
#include "render_ipv6.hpp"

#include "vpnwire/iptfs/dissect.hpp"

#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include <cstdio>
#include <string>
#include <string_view>
#include <variant>

namespace vpnwire_cli {

namespace detail_json {

[[nodiscard]] inline std::string_view text_of(bytes_view b) noexcept {
  return {static_cast<const char *>(static_cast<const void *>(b.data())), b.size()};
}

[[nodiscard]] inline std::string_view payload_state_name(esp_layer::payload_state s) noexcept {
  switch (s) {
  case esp_layer::payload_state::no_sa: return "encrypted";
  case esp_layer::payload_state::decrypted: return "decrypted";
  case esp_layer::payload_state::failed: return "failed";
  case esp_layer::payload_state::not_captured: return "not_captured";
  case esp_layer::payload_state::no_backend: return "encrypted";
  }
  return "encrypted";
}

/// Writes the fields of each layer; `rec` gives the side tables and events.
struct layer_writer {
  json_writer &j;
  const frame_record &rec;
  std::size_t index; ///< of the layer being written

  template <class F> void list(std::string_view key, table_range r, F &&value_of) {
    j.key(key);
    j.begin_array();
    for (std::uint32_t i = 0; i < r.count; ++i) value_of(r.first + i);
    j.end_array();
  }

  void operator()(const eth_layer &e) {
    j.key("eth.dst");
    j.mac(e.dst);
    j.key("eth.src");
    j.mac(e.src);
    j.field("eth.type", e.type);
  }
  void operator()(const vlan_layer &v) {
    if (v.tpid == 0x88A8) {
      // Wireshark's 802.1ad dissector names the service tag's fields so and
      // shows no EtherType; the next tag or protocol says it.
      j.field("ieee8021ad.priority", v.priority);
      j.field_bool("ieee8021ad.dei", v.dei);
      j.field("ieee8021ad.id", v.id);
      j.field("vpnwire.etype", v.etype);
      return;
    }
    j.field("vlan.priority", v.priority);
    j.field_bool("vlan.dei", v.dei);
    j.field("vlan.id", v.id);
    j.field("vlan.etype", v.etype);
  }
  void operator()(const sll_layer &s) {
    j.field("sll.pkttype", s.pkttype);
    j.field("sll.hatype", s.hatype);
    j.field("sll.halen", s.halen);
    if (s.v2) j.field("sll.ifindex", s.ifindex);
    if (s.address.size() == 6) {
      j.key("sll.src.eth");
      j.mac(std::span<const std::byte, 6>(s.address.data(), 6));
    }
    if (!s.unused.empty()) j.field_hex("sll.unused", s.unused);
    j.field("sll.etype", s.protocol);
  }
  void operator()(const null_layer &n) { j.field("null.family", n.family); }
  void operator()(const enc_layer &e) {
    j.field("enc.af", e.af);
    j.field("enc.spi", e.spi);
    j.field("enc.flags", e.flags);
    // OpenBSD's M_CONF, M_AUTH, M_COMP and M_AUTH_AH.
    j.field_bool("enc.flags.payload_enc", (e.flags & 0x0400U) != 0);
    j.field_bool("enc.flags.payload_auth", (e.flags & 0x0800U) != 0);
    j.field_bool("enc.flags.payload_compress", (e.flags & 0x1000U) != 0);
    j.field_bool("enc.flags.header_auth", (e.flags & 0x2000U) != 0);
    j.field("enc.flags.reserved", e.flags & ~0x3C00U);
  }
  void operator()(const nflog_layer &n) {
    j.field("nflog.family", n.family);
    j.field("nflog.version", n.version);
    j.field("nflog.res_id", n.resource_id);
    list("nflog.tlv_length", n.tlvs, [&](std::uint32_t i) { j.number(rec.tlvs[i].length); });
    list("nflog.tlv_type", n.tlvs, [&](std::uint32_t i) { j.number(rec.tlvs[i].type); });
    if (n.has_packet_header) {
      j.field("nflog.protocol", n.hw_protocol);
      j.field("nflog.hook", n.hook);
    }
    if (!n.prefix.empty()) j.field_str("nflog.prefix", n.prefix);
    if (n.indev) j.field("nflog.ifindex_indev", *n.indev);
    if (n.outdev) j.field("nflog.ifindex_outdev", *n.outdev);
    if (n.uid) j.field("nflog.uid", *n.uid);
    if (n.gid) j.field("nflog.gid", *n.gid);
  }
  void operator()(const chdlc_layer &c) {
    j.field("chdlc.address", c.address);
    j.field("chdlc.control", c.control);
    j.field("chdlc.protocol", c.protocol);
  }
  void operator()(const pppoe_layer &p) {
    j.field("pppoe.version", p.version);
    j.field("pppoe.type", p.type);
    j.field("pppoe.code", p.code);
    j.field("pppoe.session_id", p.session_id);
    j.field("pppoe.payload_length", p.payload_length);
    if (p.session) return;
    list("pppoed.tag", p.tags, [&](std::uint32_t i) { j.number(rec.tags[i].type); });
    list("pppoed.tag_length", p.tags, [&](std::uint32_t i) { j.number(rec.tags[i].value.size()); });
    for (std::uint32_t i = 0; i < p.tags.count; ++i) pppoe_tag_value(rec.tags[p.tags.first + i]);
  }
  void pppoe_tag_value(const pppoe_tag &t) {
    namespace tag = vpnwire::ppp::pppoe_tag;
    switch (t.type) {
    case tag::service_name: j.field_str("pppoed.tags.service_name", text_of(t.value)); break;
    case tag::ac_name: j.field_str("pppoed.tags.ac_name", text_of(t.value)); break;
    case tag::host_uniq: j.field_hex("pppoed.tags.host_uniq", t.value); break;
    case tag::ac_cookie: j.field_hex("pppoed.tags.ac_cookie", t.value); break;
    case tag::vendor_specific:
      if (t.value.size() >= 4) j.field("pppoed.tags.vendor_id", vpnwire::core::load_be32(t.value.data()));
      break;
    case tag::relay_session_id: j.field_hex("pppoed.tags.relay_session_id", t.value); break;
    case tag::ppp_max_payload: j.field_hex("pppoed.tags.max_payload", t.value); break;
    case tag::service_name_error: j.field_str("pppoed.tags.service_name_error", text_of(t.value)); break;
    case tag::ac_system_error: j.field_str("pppoed.tags.ac_system_error", text_of(t.value)); break;
    case tag::generic_error: j.field_str("pppoed.tags.generic_error", text_of(t.value)); break;
    default: break;
    }
  }
  void operator()(const ppp_layer &p) {
    if (p.address_control) {
      j.field("ppp.address", 0xFF);
      j.field("ppp.control", 0x03);
    }
    j.field("ppp.protocol", p.protocol);
  }
  void operator()(const ppp_control_layer &c) {
    namespace ppp = vpnwire::ppp;
    if (c.protocol == ppp_control_layer::kind::ipv6cp) return write_ipv6cp(j, rec, c);
    const bool lcp = c.protocol == ppp_control_layer::kind::lcp;
    j.field("ppp.code", c.code);
    j.field("ppp.identifier", c.identifier);
    j.field("ppp.length", c.length);
    if (c.magic_number) j.field("lcp.magic_number", *c.magic_number);
    if (c.rejected_protocol) j.field("lcp.rej_proto", *c.rejected_protocol);
    if (!ppp::carries_options(c.code)) return;
    list(lcp ? "lcp.opt.type" : "ipcp.opt.type", c.options, [&](std::uint32_t i) { j.number(rec.options[i].type); });
    list(lcp ? "lcp.opt.length" : "ipcp.opt.length", c.options,
         [&](std::uint32_t i) { j.number(rec.options[i].length); });
    // Values of the options whose layout the RFCs fix, when the length is right.
    for (std::uint32_t i = 0; i < c.options.count; ++i) {
      const ppp_option &o = rec.options[c.options.first + i];
      const bytes_view v = o.value;
      auto u16 = [&](std::string_view k) {
        if (v.size() >= 2) j.field(k, vpnwire::core::load_be16(v.data()));
      };
      auto u32 = [&](std::string_view k, std::size_t size) {
        if (v.size() == size) j.field(k, vpnwire::core::load_be32(v.data()));
      };
      auto addr = [&](std::string_view k) {
        if (v.size() == 4) j.field_ipv4(k, vpnwire::core::load_be32(v.data()));
      };
      if (lcp) {
        switch (o.type) {
        case ppp::lcp_option::mru:
          if (v.size() == 2) j.field("lcp.opt.mru", vpnwire::core::load_be16(v.data()));
          break;
        case ppp::lcp_option::accm: u32("lcp.opt.asyncmap", 4); break;
        case ppp::lcp_option::authentication_protocol:
          u16("lcp.opt.auth_protocol");
          if (v.size() == 3) j.field("lcp.opt.algorithm", std::to_integer<unsigned>(v[2])); // CHAP's algorithm
          break;
        case ppp::lcp_option::quality_protocol: u16("lcp.opt.quality_protocol"); break;
        case ppp::lcp_option::magic_number: u32("lcp.opt.magic_number", 4); break;
        default: break;
        }
      } else {
        switch (o.type) {
        case ppp::ipcp_option::ip_compression_protocol: u16("ipcp.opt.compress_proto"); break;
        case ppp::ipcp_option::ip_address: addr("ipcp.opt.ip_address"); break;
        case ppp::ipcp_option::primary_dns: addr("ipcp.opt.pri_dns_address"); break;
        case ppp::ipcp_option::primary_nbns: addr("ipcp.opt.pri_nbns_address"); break;
        case ppp::ipcp_option::secondary_dns: addr("ipcp.opt.sec_dns_address"); break;
        case ppp::ipcp_option::secondary_nbns: addr("ipcp.opt.sec_nbns_address"); break;
        default: break;
        }
      }
    }
  }
  void operator()(const pap_layer &p) {
    j.field("pap.code", p.code);
    j.field("pap.identifier", p.identifier);
    j.field("pap.length", p.length);
    auto counted = [&](std::string_view len_key, std::string_view key, const std::optional<bytes_view> &v) {
      if (!v) return;
      j.field(len_key, v->size());
      j.field_str(key, text_of(*v));
    };
    counted("pap.peer_id.length", "pap.peer_id", p.peer_id);
    counted("pap.password.length", "pap.password", p.password);
    counted("pap.message.length", "pap.message", p.message);
  }
  void operator()(const chap_layer &c) {
    j.field("chap.code", c.code);
    j.field("chap.identifier", c.identifier);
    j.field("chap.length", c.length);
    if (c.value) {
      j.field("chap.value_size", c.value->size());
      j.field_hex("chap.value", *c.value);
    }
    if (c.name) j.field_str("chap.name", text_of(*c.name));
    if (c.message) j.field_str("chap.message", text_of(*c.message));
  }
  void operator()(const ipv4_layer &v) {
    j.field("ip.version", 4);
    j.field("ip.hdr_len", v.header_length);
    j.field("ip.dsfield", v.tos);
    j.field("ip.dsfield.dscp", v.tos >> 2);
    j.field("ip.dsfield.ecn", v.tos & 3U);
    j.field("ip.len", v.total_length);
    j.field("ip.id", v.id);
    j.field("ip.flags", v.flags);
    j.field_bool("ip.flags.rb", (v.flags & 4U) != 0);
    j.field_bool("ip.flags.df", (v.flags & 2U) != 0);
    j.field_bool("ip.flags.mf", (v.flags & 1U) != 0);
    j.field("ip.frag_offset", v.fragment_offset / 8U); // Wireshark shows the field itself (8-byte units)
    j.field("ip.ttl", v.ttl);
    j.field("ip.proto", v.protocol);
    j.field("ip.checksum", v.checksum);
    j.field("ip.checksum.status", static_cast<unsigned>(v.status));
    j.field("ip.checksum_calculated", v.checksum_calculated);
    j.field_ipv4("ip.src", v.src);
    j.field_ipv4("ip.dst", v.dst);
    for (const event &e : rec.events) {
      if (e.layer_index != index) continue;
      switch (e.what) {
      case event::kind::fragment_held: j.field_str("vpnwire.ip.reassembly", "held"); break;
      case event::kind::fragment_not_captured: j.field_str("vpnwire.ip.reassembly", "not_captured"); break;
      case event::kind::fragment_completed:
        j.field_str("vpnwire.ip.reassembly", "completed");
        j.field("ip.reassembled_in", rec.number);
        j.field("ip.fragment.count", e.fragments.count);
        j.field("ip.reassembled.length", e.datagram_length - std::uint32_t{v.header_length});
        list("ip.fragment", e.fragments, [&](std::uint32_t i) { j.number(rec.fragment_frames[i]); });
        break;
      default: break;
      }
    }
  }
  void operator()(const udp_layer &u) {
    j.field("udp.srcport", u.src_port);
    j.field("udp.dstport", u.dst_port);
    j.field("udp.length", u.length);
    j.field("udp.checksum", u.checksum);
    j.field("udp.checksum.status", static_cast<unsigned>(u.status));
    if (u.status == checksum_status::good || u.status == checksum_status::bad)
      j.field("udp.checksum_calculated", u.checksum_calculated);
  }
  void operator()(const tcp_layer &t) {
    j.field("tcp.srcport", t.src_port);
    j.field("tcp.dstport", t.dst_port);
    j.field("tcp.seq_raw", t.seq);
    j.field("tcp.ack_raw", t.ack);
    j.field("tcp.hdr_len", t.header_length);
    j.field("tcp.flags", t.flags);
    j.field("tcp.flags.res", (t.flags >> 9) & 7U);
    j.field_bool("tcp.flags.ae", (t.flags & 0x100U) != 0);
    j.field_bool("tcp.flags.cwr", (t.flags & 0x80U) != 0);
    j.field_bool("tcp.flags.ece", (t.flags & 0x40U) != 0);
    j.field_bool("tcp.flags.urg", (t.flags & 0x20U) != 0);
    j.field_bool("tcp.flags.ack", (t.flags & 0x10U) != 0);
    j.field_bool("tcp.flags.push", (t.flags & 0x08U) != 0);
    j.field_bool("tcp.flags.reset", (t.flags & 0x04U) != 0);
    j.field_bool("tcp.flags.syn", (t.flags & 0x02U) != 0);
    j.field_bool("tcp.flags.fin", (t.flags & 0x01U) != 0);
    j.field("tcp.window_size_value", t.window);
    j.field("tcp.checksum", t.checksum);
    j.field("tcp.checksum.status", static_cast<unsigned>(t.status));
    if (t.status == checksum_status::good || t.status == checksum_status::bad)
      j.field("tcp.checksum_calculated", t.checksum_calculated);
    j.field("tcp.urgent_pointer", t.urgent);
    j.field("tcp.len", t.payload_length);
    if (t.options.count != 0) {
      list("tcp.option_kind", t.options, [&](std::uint32_t i) { j.number(rec.tcp_options[i].kind); });
      j.key("tcp.option_len");
      j.begin_array();
      for (std::uint32_t i = 0; i < t.options.count; ++i)
        if (rec.tcp_options[t.options.first + i].size > 1) j.number(rec.tcp_options[t.options.first + i].size);
      j.end_array();
    }
    if (t.mss) j.field("tcp.options.mss_val", *t.mss);
  }
  void operator()(const esp_layer &e) {
    j.field("esp.spi", e.spi);
    j.field("esp.sequence", e.seq);
    if (e.state == esp_layer::payload_state::decrypted) {
      j.field("esp.pad_len", e.pad_length);
      j.field("esp.protocol", e.next_header);
      if (!e.unverified) {
        j.field_bool("esp.icv_good", true);
        j.field_bool("esp.icv_bad", false);
      }
      j.field_bool("vpnwire.esp.unverified", e.unverified);
    } else if (e.state == esp_layer::payload_state::failed && rec.error && rec.error->code == "icv_mismatch") {
      j.field_bool("esp.icv_good", false);
      j.field_bool("esp.icv_bad", true);
    }
    j.field_str("vpnwire.esp.payload", e.dummy ? "dummy" : payload_state_name(e.state));
    if (!e.deprecated_cipher.empty() || !e.deprecated_integrity.empty())
      j.field_str("vpnwire.esp.deprecated",
                  std::string(e.deprecated_cipher) +
                      (!e.deprecated_cipher.empty() && !e.deprecated_integrity.empty() ? "," : "") +
                      std::string(e.deprecated_integrity));
  }
  /// vpnwire.iptfs.* (tshark 4.0 has no AGGFRAG dissector): the header
  /// fields, then the data blocks as an array of objects.
  void operator()(const iptfs_layer &t) {
    const std::string_view block = vpnwire::iptfs::field_names::block;
    std::uint32_t i = 0;
    for (; i < t.fields.count && rec.iptfs_fields[t.fields.first + i].name != block; ++i)
      j.field(rec.iptfs_fields[t.fields.first + i].name, rec.iptfs_fields[t.fields.first + i].value);
    j.key("vpnwire.iptfs.blocks");
    j.begin_array();
    bool open = false;
    for (; i < t.fields.count; ++i) {
      const iptfs_field &f = rec.iptfs_fields[t.fields.first + i];
      if (f.name == block) {
        if (open) j.end_object();
        j.begin_object();
        open = true;
        j.field("vpnwire.iptfs.block.offset", f.offset);
        continue;
      }
      j.field(f.name, f.value);
    }
    if (open) j.end_object();
    j.end_array();
    j.field("vpnwire.iptfs.inner_completed", t.completed);
  }
  void operator()(const natt_layer &n) {
    if (n.keepalive)
      j.field("udpencap.nat_keepalive", 0xFF);
    else
      j.field("udpencap.non_esp_marker", 0);
  }
  void operator()(const l2tp_layer &l) {
    j.field("l2tp.flags", l.flags);
    j.field("l2tp.type", l.control ? 1 : 0);
    j.field_bool("l2tp.length_bit", l.length_bit);
    j.field_bool("l2tp.seq_bit", l.seq_bit);
    j.field_bool("l2tp.offset_bit", l.offset_bit);
    j.field_bool("l2tp.priority", l.priority);
    j.field("l2tp.version", l.version);
    if (l.length_bit) j.field("l2tp.length", l.length);
    j.field("l2tp.tunnel", l.tunnel);
    j.field("l2tp.session", l.session);
    if (l.seq_bit) {
      j.field("l2tp.Ns", l.ns);
      j.field("l2tp.Nr", l.nr);
    }
    if (l.offset_bit) j.field("l2tp.offset", l.offset_size);
    if (!l.control) return;
    j.key("l2tp.avps");
    j.begin_array();
    for (std::uint32_t i = 0; i < l.avps.count; ++i) {
      const l2tp_avp &a = rec.avps[l.avps.first + i];
      j.begin_object();
      j.field_bool("l2tp.avp.mandatory", a.mandatory);
      j.field_bool("l2tp.avp.hidden", a.hidden);
      j.field("l2tp.avp.length", a.length);
      j.field("l2tp.avp.vendor_id", a.vendor);
      j.field("l2tp.avp.type", a.type);
      if (a.vendor != 0)
        j.field_hex("vpnwire.avp.value", a.value);
      else if (a.still_hidden)
        j.field_hex("vpnwire.avp.hidden_value", a.value);
      else if (!write_avp_value(j, a.type, a.value))
        j.field_hex("vpnwire.avp.value", a.value); // the record's error names the bad value
      j.end_object();
    }
    j.end_array();
    if (l.avps_cut) j.field_bool("vpnwire.l2tp.avps_cut", true);
    if (!l.disposition.empty()) j.field_str("vpnwire.l2tp.disposition", l.disposition);
  }
  void operator()(const ipv6_layer &v) { write_ipv6(j, rec, index, v); }
  void operator()(const icmpv6_layer &m) { write_icmpv6(j, m); }
  void operator()(const not_decoded_layer &n) {
    j.field_str("vpnwire.not_decoded", n.protocol);
    if (n.number != 0) j.field("vpnwire.number", n.number);
    j.field("data.len", n.length);
  }
};

} // namespace detail_json

/// Appends a JSON issue object.
inline void write_issue(json_writer &j, const issue &i) {
  j.begin_object();
  j.field_str("layer", i.layer);
  j.field_str("code", i.code);
  j.field("offset", i.offset);
  j.end_object();
}

/// The record's error, with what the peer does about it (doctor_actions.hpp):
/// for an L2TP control message, vpnwire.l2tp.peer_action ("stopccn", "cdn",
/// "discard") and the Result/General Error Code an RFC 2661 peer sends; for
/// ESP, vpnwire.esp.sa_fatal (esp::is_fatal); for IPv4/IPv6,
/// vpnwire.ip.scope ("packet" or "datagram": ip::scope).
inline void write_error(json_writer &j, const frame_record &rec) {
  const issue &i = *rec.error;
  j.begin_object();
  j.field_str("layer", i.layer);
  j.field_str("code", i.code);
  j.field("offset", i.offset);
  if (const auto a = l2tp_action_of(rec)) {
    j.field_str("vpnwire.l2tp.peer_action", a->action);
    j.field("vpnwire.l2tp.result_code", a->code.result);
    j.field("vpnwire.l2tp.error_code", a->code.error);
  } else if (const auto f = esp_fatal_of(rec)) {
    j.field_bool("vpnwire.esp.sa_fatal", *f);
  } else if (const auto sc = ip_scope_of(rec)) {
    j.field_str("vpnwire.ip.scope", scope_word(*sc));
  }
  j.end_object();
}

/// Appends the lines of the reorder events in `events` (deliveries and drops).
inline void render_json_events(std::string &out, const std::vector<event> &events) {
  for (const event &e : events) {
    if (e.what != event::kind::deliver && e.what != event::kind::drop) continue;
    json_writer j(out);
    j.begin_object();
    j.key(e.what == event::kind::deliver ? "deliver" : "drop");
    j.begin_object();
    j.field("tunnel", e.tunnel);
    j.field("session", e.session);
    j.field("ns", e.ns);
    j.field("frame", e.frame);
    if (e.what == event::kind::drop) j.field_str("reason", e.reason);
    j.end_object();
    j.end_object();
    out.push_back('\n');
  }
}

/// Appends the JSON Lines of one record: released events, the frame object,
/// the frame's events. The end-of-capture record gives its events only.
inline void render_json(std::string &out, const frame_record &rec) {
  render_json_events(out, rec.released);
  if (rec.end_of_capture()) return;
  json_writer j(out);
  j.begin_object();
  j.field("frame", rec.number);
  j.key("layers");
  j.begin_array();
  j.begin_object();
  j.field_str("proto", "frame");
  j.field("frame.len", rec.wirelen);
  j.field("frame.cap_len", rec.caplen);
  j.field("frame.interface_id", rec.interface);
  if (rec.snaplen != 0) j.field("vpnwire.snaplen", rec.snaplen);
  {
    char stamp[40];
    const std::int64_t sec = rec.ts_ns / 1'000'000'000, ns = rec.ts_ns % 1'000'000'000;
    std::snprintf(stamp, sizeof stamp, "%s%lld.%09lld", rec.ts_ns < 0 && sec == 0 ? "-" : "",
                  static_cast<long long>(sec), static_cast<long long>(ns < 0 ? -ns : ns));
    j.field_str("frame.time_epoch", stamp);
  }
  j.field("vpnwire.linktype", rec.linktype);
  j.end_object();
  for (std::size_t i = 0; i < rec.layers.size(); ++i) {
    const layer &l = rec.layers[i];
    j.begin_object();
    const std::string_view proto = proto_name(l);
    const auto *nd = std::get_if<not_decoded_layer>(&l);
    // A payload vpnwire does not decode is Wireshark's "data" unless it names a protocol.
    const bool named = nd == nullptr || nd->protocol == "ipv6" || nd->protocol == "isakmp";
    j.field_str("proto", named ? proto : std::string_view("data"));
    std::visit(detail_json::layer_writer{j, rec, i}, l);
    j.end_object();
  }
  j.end_array();
  j.key("warnings");
  j.begin_array();
  for (const issue &w : rec.warnings) write_issue(j, w);
  j.end_array();
  j.key("error");
  if (rec.error)
    write_error(j, rec);
  else
    j.null();
  j.end_object();
  out.push_back('\n');
  render_json_events(out, rec.events);
}

} // namespace vpnwire_cli
