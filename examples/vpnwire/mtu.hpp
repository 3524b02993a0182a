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
  /// --iptfs: the SA uses AGGFRAG mode (RFC 9347); report the outer packet
  /// size to configure and what one outer packet carries.
  bool iptfs = false;
};

/// Parses an IP family value of --outer/--inner: "ipv4" or "ipv6".
[[nodiscard]] inline parsed<vpnwire::tunnel::ip_family> parse_family(std::string_view option, std::string_view v) {
  if (v == "ipv4" || v == "4") return {vpnwire::tunnel::ip_family::ipv4, {}};
  if (v == "ipv6" || v == "6") return {vpnwire::tunnel::ip_family::ipv6, {}};
  return parse_fail<vpnwire::tunnel::ip_family>(std::string(option) + ": '" + std::string(v) + "' is not ipv4 or ipv6");
}

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
    } else if (a == "--outer" || a == "--inner") {
      if (!value()) return parse_fail<mtu_options>(std::string(a) + ": missing value");
      auto f = parse_family(a, val);
      if (!f) return parse_fail<mtu_options>(f.error);
      (a == "--outer" ? o.stack.outer : o.stack.inner) = f.value;
    } else if (a == "--iptfs")
      err = flag(o.iptfs);
    else if (a == "--pppoe")
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
  if (o.iptfs && (!o.stack.esp || mode != vpnwire::esp::sa_mode::tunnel))
    return parse_fail<mtu_options>("mtu: --iptfs needs a tunnel-mode ESP SA (AGGFRAG carries whole IP packets; "
                                   "L2TP/IPsec is transport mode: give --mode tunnel)");
  if (o.stack.esp) {
    o.stack.esp->mode = mode;
    o.stack.esp->udp_encap = nat_t;
  }
  return {o, {}};
}

inline void iptfs_report(const mtu_options &o, const vpnwire::tunnel::tunnel_limits &plain, std::string &out);

/// Prints the stack's limits and the overhead of each layer into `out`.
/// False with `error` set when the link cannot carry even a 40-byte packet.
[[nodiscard]] inline bool mtu_report(const mtu_options &o, std::string &out, std::string &error) {
  namespace tunnel = vpnwire::tunnel;
  const tunnel::tunnel_stack &s = o.stack;
  auto r = tunnel::compute_tunnel_limits(s);
  if (!r) {
    if (r.code() == tunnel::errc::family_mismatch) {
      error = "mtu: transport-mode ESP without L2TP carries only its own family: --inner " +
              std::string(tunnel::name(s.inner)) + " needs --outer " + std::string(tunnel::name(s.inner)) +
              " (or --mode tunnel)";
      return false;
    }
    error = "mtu: the link MTU " + std::to_string(s.link_mtu) + " is too small for this stack (" +
            std::string(tunnel::name(r.code())) + ")";
    return false;
  }
  const bool v6_out = s.outer == tunnel::ip_family::ipv6;
  const std::size_t outer_ip_size = tunnel::ip_header_size(s.outer);
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
  // A new IP header is overhead only when the inner packet is encapsulated in
  // one: L2TP, or tunnel-mode ESP. Transport-mode ESP alone follows the
  // packet's own header, and without ESP or L2TP nothing is added at all.
  if (s.l2tp || (s.esp && s.esp->mode == vpnwire::esp::sa_mode::tunnel))
    row(v6_out ? "outer IPv6" : "outer IPv4", outer_ip_size, v6_out ? "no extension headers" : "no options");
  else
    row(v6_out ? "IPv6 (the packet's own)" : "IPv4 (the packet's own)", 0,
        s.esp ? "transport mode: ESP follows the packet's own header" : "no encapsulation: the packet as it is");
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
      row(v6_out ? "IPv6 (inside the tunnel)" : "IPv4 (inside the tunnel)", outer_ip_size, "carries L2TP's UDP");
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
  const bool v6_in = s.inner == tunnel::ip_family::ipv6;
  std::snprintf(line, sizeof line, "inner MTU        %zu%s\n", r->inner_mtu, v6_in ? " (IPv6)" : "");
  out += line;
  std::snprintf(line, sizeof line, "TCP MSS          %zu   (clamp SYNs to this: inner MTU - %zu)\n", r->tcp_mss,
                tunnel::ip_header_size(s.inner) + tunnel::tcp_header_size);
  out += line;
  if (r->below_inner_minimum)
    out +=
        "warning          the inner MTU is below IPv6's minimum of 1280 (RFC 8200 section 5): this stack cannot carry "
        "every IPv6 packet unfragmented; the tunnel must fragment (or use --iptfs)\n";
  if (o.iptfs) iptfs_report(o, *r, out);
  return true;
}

/// The --iptfs part of the report: with AGGFRAG mode (RFC 9347) the inner
/// MTU no longer depends on the path. The outer packet size to configure is
/// the link's IP MTU; one outer packet carries the largest ESP payload that
/// fits it (the tunnel arithmetic without L2TP), less the 4-byte AGGFRAG
/// header, of inner data, whole packets or pieces of them.
inline void iptfs_report(const mtu_options &o, const vpnwire::tunnel::tunnel_limits &plain, std::string &out) {
  namespace tunnel = vpnwire::tunnel;
  tunnel::tunnel_stack st = o.stack;
  st.l2tp = false;
  st.inner = st.outer;
  const auto lim = tunnel::compute_tunnel_limits(st);
  if (!lim || lim->esp_payload <= 4) {
    out += "\nIP-TFS: the link leaves no room for an AGGFRAG payload\n";
    return;
  }
  const std::size_t outer = lim->outer_packet;
  const std::size_t data = lim->esp_payload - 4;
  const std::size_t max_inner = o.stack.inner == tunnel::ip_family::ipv6 ? 65575 : 65535;
  const std::size_t inner_mtu = o.stack.l2tp ? plain.inner_mtu : 1500;
  const std::size_t per_packet = (inner_mtu + data - 1) / data;
  char line[200];
  out += "\nIP-TFS (RFC 9347 AGGFRAG mode, tunnel SA)\n";
  std::snprintf(line, sizeof line,
                "outer packet     %zu bytes (the link IP MTU: configure it as Linux iptfs-opts pkt-size, strongSwan "
                "charon.iptfs.packet_size, libreswan iptfs-packet-size)\n",
                lim->link_ip_mtu);
  out += line;
  if (outer != lim->link_ip_mtu) {
    std::snprintf(line, sizeof line, "                 full packets are %zu bytes with this SA's %zu-byte alignment\n",
                  outer, o.stack.esp->pad_alignment());
    out += line;
  }
  std::snprintf(line, sizeof line, "AGGFRAG payload  %zu bytes: 4-byte header + %zu bytes of inner packets\n",
                lim->esp_payload, data);
  out += line;
  std::snprintf(line, sizeof line, "efficiency       %.1f%% of each outer packet is inner data (queue full)\n",
                100.0 * static_cast<double>(data) / static_cast<double>(outer));
  out += line;
  std::snprintf(line, sizeof line,
                "inner MTU        up to %zu: not limited by the path (larger inner packets are split across "
                "outer packets, never fragmented after encapsulation)\n",
                max_inner);
  out += line;
  std::snprintf(line, sizeof line,
                "TCP MSS          no clamping needed; a %zu-byte inner packet takes %zu outer packet(s) "
                "(without IP-TFS: inner MTU %zu, MSS %zu)\n",
                inner_mtu, per_packet, plain.inner_mtu, plain.tcp_mss);
  out += line;
}

} // namespace vpnwire_cli
