// `vpnwire mtu`: the inner MTU and TCP MSS of a tunnel stack, with the
// overhead of each layer. The arithmetic is the library's
// (tunnel::compute_tunnel_limits); this file parses the stack and prints the table.
#pragma once

#include "options.hpp"

#include "vpnwire/tunnel/mtu.hpp"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli {

struct mtu_options {
  vpnwire::tunnel::tunnel_stack stack{};
  std::string esp_name = "aes-gcm-16";
};

/// The transform of --esp ENC[/AUTH] as the library describes it.
[[nodiscard]] inline parsed<vpnwire::esp::sa_config> parse_esp_transform(std::string_view v) {
  const std::string pre = "--esp: ";
  const std::size_t slash = v.find('/');
  const std::string_view enc_s = v.substr(0, slash);
  const std::string_view auth_s = slash == std::string_view::npos ? std::string_view{} : v.substr(slash + 1);
  auto e = enc_by_name(enc_s);
  if (!e)
    return parse_fail<vpnwire::esp::sa_config>(pre + "unknown cipher '" + std::string(enc_s) + "' (one of " +
                                               enc_names() + ")");
  const enc_info &ei = info(*e);
  auth_alg auth = auth_alg::none;
  if (ei.aead) {
    if (!auth_s.empty() && auth_s != "none")
      return parse_fail<vpnwire::esp::sa_config>(pre + std::string(ei.name) + " carries its own ICV; give no /AUTH");
  } else {
    if (auth_s.empty() || auth_s == "none")
      return parse_fail<vpnwire::esp::sa_config>(pre + std::string(ei.name) + " needs an integrity algorithm, e.g. " +
                                                 std::string(ei.name) + "/hmac-sha1-96");
    auto a = auth_by_name(auth_s);
    if (!a)
      return parse_fail<vpnwire::esp::sa_config>(pre + "unknown integrity '" + std::string(auth_s) + "' (one of " +
                                                 auth_names() + ")");
    auth = *a;
  }
  return {transform_config(*e, auth), {}};
}

[[nodiscard]] inline parsed<mtu_options> parse_mtu_args(const std::vector<std::string_view> &args) {
  mtu_options o;
  o.stack.esp = transform_config(enc_alg::aes_gcm_16, auth_alg::none);
  bool mode_given = false;
  bool nat_t = false;
  vpnwire::esp::sa_mode mode = vpnwire::esp::sa_mode::tunnel;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    std::string_view val;
    bool has_val = false;
    if (const std::size_t eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_val = true;
    }
    auto value = [&]() -> bool {
      if (has_val) return true;
      if (i + 1 >= args.size()) return false;
      val = args[++i];
      return true;
    };
    auto flag = [&](bool &f) -> std::string {
      if (has_val) return std::string(a) + ": takes no value";
      f = true;
      return {};
    };
    std::string err;
    if (a == "--link-mtu") {
      if (!value()) return parse_fail<mtu_options>("--link-mtu: missing value");
      auto n = parse_uint(val, 65535);
      if (!n || *n < 68)
        return parse_fail<mtu_options>("--link-mtu: '" + std::string(val) + "' is not an MTU in 68..65535");
      o.stack.link_mtu = static_cast<std::size_t>(*n);
    } else if (a == "--esp") {
      if (!value()) return parse_fail<mtu_options>("--esp: missing value");
      if (val == "none") {
        o.stack.esp.reset();
        o.esp_name = "none";
        continue;
      }
      auto t = parse_esp_transform(val);
      if (!t) return parse_fail<mtu_options>(t.error);
      o.stack.esp = t.value;
      o.esp_name = std::string(val);
    } else if (a == "--mode") {
      if (!value()) return parse_fail<mtu_options>("--mode: missing value");
      if (val == "tunnel")
        mode = vpnwire::esp::sa_mode::tunnel;
      else if (val == "transport")
        mode = vpnwire::esp::sa_mode::transport;
      else
        return parse_fail<mtu_options>("--mode: '" + std::string(val) + "' is not tunnel or transport");
      mode_given = true;
    } else if (a == "--pppoe")
      err = flag(o.stack.pppoe);
    else if (a == "--nat-t")
      err = flag(nat_t);
    else if (a == "--l2tp")
      err = flag(o.stack.l2tp);
    else if (a == "--l2tp-seq")
      err = flag(o.stack.l2tp_sequence);
    else if (a == "--l2tp-length")
      err = flag(o.stack.l2tp_length);
    else if (a == "--ppp") {
      // PPP is implied by L2TP; accepted for readability of the stack.
      bool dummy = false;
      err = flag(dummy);
    } else if (a == "--ppp-acfc")
      err = flag(o.stack.ppp_acfc);
    else if (a == "--ppp-pfc")
      err = flag(o.stack.ppp_pfc);
    else
      return parse_fail<mtu_options>("mtu: unknown option '" + std::string(args[i]) + "'");
    if (!err.empty()) return parse_fail<mtu_options>(err);
  }
  if ((o.stack.l2tp_sequence || o.stack.l2tp_length || o.stack.ppp_acfc || o.stack.ppp_pfc) && !o.stack.l2tp)
    return parse_fail<mtu_options>("mtu: --l2tp-seq, --l2tp-length, --ppp-acfc and --ppp-pfc need --l2tp");
  // L2TP/IPsec (RFC 3193) is transport mode unless told otherwise.
  if (o.stack.l2tp && !mode_given) mode = vpnwire::esp::sa_mode::transport;
  if (nat_t && !o.stack.esp) return parse_fail<mtu_options>("mtu: --nat-t needs ESP (--esp none was given)");
  if (o.stack.esp) {
    o.stack.esp->mode = mode;
    o.stack.esp->udp_encap = nat_t;
  }
  return {o, {}};
}

/// Prints the stack's limits and the overhead of each layer into `out`.
/// False with `error` set when the link cannot carry even a 40-byte packet.
[[nodiscard]] inline bool mtu_report(const mtu_options &o, std::string &out, std::string &error) {
  namespace tunnel = vpnwire::tunnel;
  const tunnel::tunnel_stack &s = o.stack;
  auto r = tunnel::compute_tunnel_limits(s);
  if (!r) {
    error = "mtu: the link MTU " + std::to_string(s.link_mtu) + " is too small for this stack (" +
            std::string(tunnel::name(r.code())) + ")";
    return false;
  }
  char line[160];
  auto row = [&](const char *name, std::size_t bytes, const std::string &note) {
    char cells[64];
    std::snprintf(cells, sizeof cells, "  %-26s %5zu  ", name, bytes);
    out += cells;
    out += note;
    out += "\n";
  };
  std::size_t ip_mtu = s.link_mtu;
  out += "layer                        bytes  note\n";
  if (s.pppoe) {
    row("PPPoE + PPP", 8, "RFC 2516: 6-byte PPPoE header + 2-byte PPP protocol");
    ip_mtu -= 8;
  }
  row("outer IPv4", 20, "no options");
  if (s.esp) {
    if (s.esp->udp_encap) row("UDP (NAT-T)", 8, "RFC 3948, port 4500");
    row("ESP header", 8, "SPI + sequence number");
    if (s.esp->iv_size() != 0) row("ESP IV", s.esp->iv_size(), "explicit IV");
    const std::size_t a = s.esp->pad_alignment();
    const std::size_t pad = (a - (r->esp_payload + 2) % a) % a;
    std::snprintf(line, sizeof line, "aligned to %zu at this size (up to %zu)", a, a - 1);
    row("ESP padding", pad, line);
    row("ESP pad length + next hdr", 2, "");
    if (s.esp->icv_size() != 0) row("ESP ICV", s.esp->icv_size(), "integrity check value");
  }
  if (s.l2tp) {
    if (s.esp && s.esp->mode == vpnwire::esp::sa_mode::tunnel)
      row("IPv4 (inside the tunnel)", 20, "carries L2TP's UDP");
    row("UDP (L2TP)", 8, "port 1701");
    const std::size_t l2 = 6 + (s.l2tp_length ? 2U : 0U) + (s.l2tp_sequence ? 4U : 0U);
    std::snprintf(line, sizeof line, "flags, tunnel, session%s%s", s.l2tp_length ? ", length" : "",
                  s.l2tp_sequence ? ", Ns/Nr" : "");
    row("L2TP data header", l2, line);
    const std::size_t p = (s.ppp_acfc ? 0U : 2U) + (s.ppp_pfc ? 1U : 2U);
    row("PPP header", p, s.ppp_acfc ? "address/control compressed" : "FF 03 + protocol");
  }
  // The rows above sum to this: the library's overhead (outer IPv4 to PPP) plus PPPoE.
  std::snprintf(line, sizeof line, "  %-26s %5zu\n", "total overhead", r->overhead + (s.pppoe ? 8U : 0U));
  out += line;
  out += "\n";
  std::snprintf(line, sizeof line, "link IP MTU      %zu%s\n", ip_mtu, s.pppoe ? " (after PPPoE)" : "");
  out += line;
  std::snprintf(line, sizeof line, "outer packet     %zu bytes at the inner MTU\n", r->outer_packet);
  out += line;
  std::snprintf(line, sizeof line, "inner MTU        %zu\n", r->inner_mtu);
  out += line;
  std::snprintf(line, sizeof line, "TCP MSS          %zu   (clamp SYNs to this: inner MTU - 40)\n", r->tcp_mss);
  out += line;
  return true;
}

} // namespace vpnwire_cli
