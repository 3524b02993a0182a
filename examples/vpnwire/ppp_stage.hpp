// PPPoE and PPP for the CLI: the PPPoE header (RFC 2516), the PPP frame
// header, and the LCP/IPCP packets inside, printed under Wireshark's field
// names (Wireshark keeps the LCP/IPCP code, identifier and length under
// ppp.*). Parsing is the library's (vpnwire/ppp/); this file prints.
#pragma once

#include "json.hpp"

#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace vpnwire_cli {

/// What the PPP(oE) layers found: text for the readable line, the first
/// error, and the IPv4 packet to continue with.
struct ppp_stage_result {
  std::string text;
  bool has_error = false;
  std::string_view err_layer;
  std::string_view err_code;
  std::size_t err_offset = 0;
  std::optional<vpnwire::bytes_view> ipv4;

  template <class E> void fail_at(std::string_view layer, vpnwire::error_info<E> e, std::size_t base = 0) {
    if (has_error) return;
    has_error = true;
    err_layer = layer;
    err_code = name(e.code);
    err_offset = base + e.offset;
  }
};

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

/// LCP or IPCP packet: header fields under ppp.*, options under lcp.opt.* / ipcp.opt.*.
inline void decode_control(json_writer *j, bool lcp, vpnwire::bytes_view info, ppp_stage_result &r) {
  namespace ppp = vpnwire::ppp;
  auto c = ppp::parse_control_packet(info);
  if (!c) {
    r.fail_at(lcp ? "lcp" : "ipcp", c.error());
    return;
  }
  r.text += lcp ? "LCP " : "IPCP ";
  r.text += ppp_code_name(c->code);
  r.text += " id " + std::to_string(c->identifier);
  if (j) {
    j->begin_object();
    j->field_str("proto", lcp ? "lcp" : "ipcp");
    j->field("ppp.code", c->code);
    j->field("ppp.identifier", c->identifier);
    j->field("ppp.length", c->length);
  }
  if (ppp::carries_options(c->code)) {
    auto rd = c->options();
    while (rd && !rd->done()) {
      auto o = rd->next();
      if (!o) {
        r.fail_at(lcp ? "lcp" : "ipcp", o.error());
        break;
      }
      if (!j) continue;
      if (lcp) {
        switch (o->type) {
        case ppp::lcp_option::mru:
          if (auto v = ppp::lcp_mru(*o))
            j->field("lcp.opt.mru", *v);
          else
            r.fail_at("lcp", v.error());
          break;
        case ppp::lcp_option::accm:
          if (auto v = ppp::lcp_accm(*o))
            j->field("lcp.opt.asyncmap", *v);
          else
            r.fail_at("lcp", v.error());
          break;
        case ppp::lcp_option::magic_number:
          if (auto v = ppp::lcp_magic_number(*o))
            j->field("lcp.opt.magic_number", *v);
          else
            r.fail_at("lcp", v.error());
          break;
        case ppp::lcp_option::authentication_protocol:
          if (auto v = ppp::lcp_auth_protocol(*o))
            j->field("lcp.opt.auth_protocol", v->protocol);
          else
            r.fail_at("lcp", v.error());
          break;
        default: break;
        }
      } else {
        switch (o->type) {
        case ppp::ipcp_option::ip_address:
          if (auto v = ppp::ipcp_ip_address(*o))
            j->field_ipv4("ipcp.opt.ip_address", *v);
          else
            r.fail_at("ipcp", v.error());
          break;
        case ppp::ipcp_option::primary_dns:
          if (auto v = ppp::ipcp_primary_dns(*o))
            j->field_ipv4("ipcp.opt.pri_dns_address", *v);
          else
            r.fail_at("ipcp", v.error());
          break;
        case ppp::ipcp_option::secondary_dns:
          if (auto v = ppp::ipcp_secondary_dns(*o))
            j->field_ipv4("ipcp.opt.sec_dns_address", *v);
          else
            r.fail_at("ipcp", v.error());
          break;
        default: break;
        }
      }
    }
    if (!rd) r.fail_at(lcp ? "lcp" : "ipcp", rd.error());
  }
  if (j) j->end_object();
}

/// The PPP layer and what it carries.
inline ppp_stage_result decode_ppp_payload(json_writer *j, const vpnwire::ppp::frame_view &f) {
  namespace ppp = vpnwire::ppp;
  ppp_stage_result r;
  if (j) {
    j->begin_object();
    j->field_str("proto", "ppp");
    if (f.has_address_control) {
      j->field("ppp.address", 0xFF);
      j->field("ppp.control", 0x03);
    }
    j->field("ppp.protocol", f.protocol);
    j->end_object();
  }
  switch (f.protocol) {
  case ppp::protocol::ipv4:
    r.text = "PPP IPv4";
    r.ipv4 = f.payload;
    break;
  case ppp::protocol::lcp: decode_control(j, true, f.payload, r); break;
  case ppp::protocol::ipcp: decode_control(j, false, f.payload, r); break;
  default: {
    char b[32];
    std::snprintf(b, sizeof b, "PPP proto 0x%04x", f.protocol);
    r.text = b;
  }
  }
  return r;
}

/// PPPoE discovery or session packet (the Ethernet payload).
inline ppp_stage_result decode_pppoe(json_writer *j, std::uint16_t ethertype, vpnwire::bytes_view b) {
  namespace ppp = vpnwire::ppp;
  const bool session = ethertype == ppp::ethertype_pppoe_session;
  auto p = ppp::parse_pppoe(b, session ? ppp::pppoe_stage::session : ppp::pppoe_stage::discovery);
  ppp_stage_result r;
  if (!p) {
    r.fail_at("pppoe", p.error());
    return r;
  }
  if (j) {
    j->begin_object();
    j->field_str("proto", "pppoe");
    j->field("pppoe.version", 1);
    j->field("pppoe.type", 1);
    j->field("pppoe.code", p->code);
    j->field("pppoe.session_id", p->session_id);
    j->field("pppoe.payload_length", p->length);
    j->end_object();
  }
  if (!session) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "PPPoE discovery code 0x%02x session 0x%04x", p->code, p->session_id);
    r.text = buf;
    return r;
  }
  r.text = "PPPoE session 0x";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", p->session_id);
  r.text += buf;
  r.text += " ";
  auto f = ppp::parse_frame(p->payload);
  if (!f) {
    r.fail_at("ppp", f.error(), ppp::pppoe_header_size);
    return r;
  }
  ppp_stage_result inner = decode_ppp_payload(j, *f);
  r.text += inner.text;
  if (inner.has_error) {
    r.has_error = true;
    r.err_layer = inner.err_layer;
    r.err_code = inner.err_code;
    r.err_offset = inner.err_offset;
  }
  r.ipv4 = inner.ipv4;
  if (!session) r.ipv4.reset();
  if (r.ipv4) r.text += " | ";
  return r;
}

} // namespace vpnwire_cli
