// doctor's path-MTU black-hole findings (issue #19 point 4): large packets
// silently lost while small ones pass.
//
//   1. ICMP "too big" messages (IPv4 Fragmentation Needed, RFC 1191; ICMPv6
//      Packet Too Big, RFC 4443) that quote one of the capture's tunnel
//      packets (ESP, ESP in UDP, L2TP): read with tunnel::read_icmp_packet,
//      explained with tunnel::explain_too_big (which SA, which path MTU, the
//      RFC 1191 plateau when an old router sent none, the inner MTU and MSS
//      per inner family), then tunnel::shrink_watch over the same tunnel's
//      later packets: did the sender shrink them?
//   2. Without ICMP, TCP's own evidence: the same full-size segment
//      retransmitted again and again (same sequence number and length) while
//      smaller segments of the connection got through, with DF set: "black
//      hole: path MTU below N, clamp MSS to M".
//
// Every finding gives the MSS for the stack in use, per inner family, and
// where to set it in the seeds' own tools: iptables/ip6tables TCPMSS, pf
// max-mss, and for L2TP the PPP mtu/mru of xl2tpd's pppd options.
//
// It reads the records doctor reads (the ICMP message itself through
// frame_record::inner, the IP packet the ICMP arrived in) and keeps bounded
// state: max_flows tunnel and TCP flows, max_segments segments per TCP flow.
#pragma once

#include "doctor_esp.hpp"
#include "options.hpp"
#include "record.hpp"
#include "record_ipv6.hpp"
#include "render_ipv6.hpp"

#include "vpnwire/esp/sa.hpp"
#include "vpnwire/tunnel/diagnose.hpp"
#include "vpnwire/tunnel/icmp_report.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace vpnwire_cli {

/// Common link MTUs, highest first, for an estimate when only an upper bound
/// is known: Ethernet, PPPoE (RFC 2516), PPPoE with a further tunnel, the
/// values VPN products default to, the IPv6 minimum and RFC 791's 576.
inline constexpr std::array<std::uint16_t, 14> common_mtus{1500, 1492, 1480, 1472, 1460, 1454, 1440,
                                                           1420, 1400, 1380, 1360, 1280, 1006, 576};

/// The largest common MTU strictly below `size`, but not below `at_least`.
[[nodiscard]] inline std::size_t common_mtu_below(std::size_t size, std::size_t at_least) noexcept {
  for (std::uint16_t m : common_mtus)
    if (m < size) return std::max<std::size_t>(m, at_least);
  return std::max<std::size_t>(576, at_least);
}

class pmtu_doctor {
public:
  /// Tunnels, too-big groups and TCP connections tracked (each bound alone).
  static constexpr std::size_t max_flows = 256;
  /// Data segments remembered per TCP connection: 256 x 1024 map nodes
  /// (about 20 MiB) at most, however hostile the capture.
  static constexpr std::size_t max_segments = 1024;
  /// Retransmissions of one segment that count as "lost again and again".
  static constexpr std::uint32_t min_retransmissions = 2;

  pmtu_doctor(std::size_t keep, const std::map<std::uint32_t, esp_sa_option> &sa_opts)
      : keep_(keep), sa_opts_(sa_opts) {}

  void add(const frame_record &rec) {
    // The outermost IP header of either family: its addresses and size.
    std::optional<outer_ip> outer;
    std::size_t outer_index = 0;
    for (std::size_t i = 0; i < rec.layers.size() && !outer; ++i) {
      if (const auto *ip = std::get_if<ipv4_layer>(&rec.layers[i]); ip != nullptr && ip->depth == 0)
        outer = outer_ip{addr::v4(ip->src), addr::v4(ip->dst), ip->total_length};
      else if (const auto *v6 = std::get_if<ipv6_layer>(&rec.layers[i]); v6 != nullptr && v6->depth == 0)
        outer = outer_ip{addr::v6(v6->src), addr::v6(v6->dst), std::size_t{40} + v6->payload_length};
      if (outer) outer_index = i;
    }
    if (!outer) return;
    const std::optional<tunnel_key> tk = tunnel_of(rec, *outer, outer_index);
    if (tk) on_tunnel_packet(rec, *tk, *outer);
    const ipv4_layer *ip = nullptr;
    std::optional<addr> carrier; // source of the innermost IP header so far
    bool df = false;
    for (const layer &l : rec.layers) {
      if (const auto *p = std::get_if<ipv4_layer>(&l)) {
        ip = p;
        carrier = addr::v4(p->src);
        df = df || (p->flags & 0x2U) != 0;
      } else if (const auto *v6 = std::get_if<ipv6_layer>(&l)) {
        ip = nullptr;
        carrier = addr::v6(v6->src);
      } else if (const auto *t = std::get_if<tcp_layer>(&l); t != nullptr && ip != nullptr) {
        on_tcp(rec, *ip, *t, df, outer->size, tk);
      } else if (const auto *n = std::get_if<not_decoded_layer>(&l);
                 n != nullptr && n->protocol == "ip.proto" && n->number == 1 && ip != nullptr) {
        on_icmp(rec, *carrier);
      } else if (const auto *m = std::get_if<icmpv6_layer>(&l);
                 m != nullptr && m->type == vpnwire::ip::icmpv6_type::packet_too_big && carrier) {
        on_icmp(rec, *carrier);
      }
    }
  }

  [[nodiscard]] std::vector<doctor_finding> findings() const {
    std::vector<doctor_finding> out;
    for (const auto &[key, g] : too_big_) out.push_back(too_big_finding_text(key, g));
    for (const auto &[key, f] : tcp_) {
      if (auto d = black_hole(key, f)) out.push_back(std::move(*d));
    }
    return out;
  }

private:
  // ------------------------------------------------------------ tunnels

  using addr = vpnwire::tunnel::address;
  /// An address as a map key (tunnel::address has no ordering).
  struct addr_key {
    bool v6 = false;
    ipv6_bytes bytes{};
    friend auto operator<=>(const addr_key &, const addr_key &) = default;
  };
  [[nodiscard]] static addr_key key_of(const addr &a) noexcept {
    return addr_key{a.family == vpnwire::tunnel::ip_family::ipv6, a.bytes};
  }
  [[nodiscard]] static addr addr_of(const addr_key &k) noexcept {
    addr a = addr::v6(k.bytes);
    if (!k.v6) a.family = vpnwire::tunnel::ip_family::ipv4;
    return a;
  }
  /// An address as text: dotted quad, or RFC 5952 for IPv6.
  [[nodiscard]] static std::string text_of(const addr &a) {
    return a.family == vpnwire::tunnel::ip_family::ipv6 ? ipv6_text(a.bytes) : dotted_quad(a.v4_value());
  }
  [[nodiscard]] static std::string text_of(const addr_key &k) { return text_of(addr_of(k)); }

  /// The outermost IP header of a frame.
  struct outer_ip {
    addr src, dst;
    std::size_t size = 0;
  };

  /// One direction of tunnel traffic: outer addresses and what it carries.
  struct tunnel_key {
    addr_key src, dst;
    std::uint32_t spi = 0; ///< 0 for plain L2TP
    bool natt = false, l2tp = false;
    friend auto operator<=>(const tunnel_key &, const tunnel_key &) = default;
  };
  /// What the capture showed of a tunnel (for its stack).
  struct tunnel_seen {
    bool tunnel_mode = false, transport_mode = false, l2tp_inside = false, l2tp_seq = false, l2tp_length = false;
  };

  static std::optional<tunnel_key> tunnel_of(const frame_record &rec, const outer_ip &outer, std::size_t index) {
    tunnel_key k{key_of(outer.src), key_of(outer.dst), 0, false, false};
    const layer *next = index + 1 < rec.layers.size() ? &rec.layers[index + 1] : nullptr;
    const layer *after = index + 2 < rec.layers.size() ? &rec.layers[index + 2] : nullptr;
    if (next == nullptr) return std::nullopt;
    if (const auto *e = std::get_if<esp_layer>(next)) {
      k.spi = e->spi;
      return k;
    }
    if (const auto *u = std::get_if<udp_layer>(next)) {
      if (u->src_port == 4500 || u->dst_port == 4500) {
        const auto *e = after != nullptr ? std::get_if<esp_layer>(after) : nullptr;
        if (e == nullptr) return std::nullopt;
        k.spi = e->spi;
        k.natt = true;
        return k;
      }
      if (u->src_port == 1701 || u->dst_port == 1701) {
        k.l2tp = true;
        return k;
      }
    }
    return std::nullopt;
  }

  void on_tunnel_packet(const frame_record &rec, const tunnel_key &k, const outer_ip &outer) {
    auto it = seen_.find(k);
    if (it == seen_.end()) {
      if (seen_.size() >= max_flows) return;
      it = seen_.emplace(k, tunnel_seen{}).first;
    }
    tunnel_seen &s = it->second;
    bool after_esp = false;
    for (const layer &l : rec.layers) {
      if (const auto *e = std::get_if<esp_layer>(&l); e != nullptr && e->state == esp_layer::payload_state::decrypted) {
        after_esp = true;
        (e->next_header == 4 || e->next_header == 41 ? s.tunnel_mode : s.transport_mode) = true;
      } else if (const auto *l2 = std::get_if<l2tp_layer>(&l); l2 != nullptr && (after_esp || k.l2tp)) {
        s.l2tp_inside = true;
        if (!l2->control) {
          s.l2tp_seq = s.l2tp_seq || l2->seq_bit;
          s.l2tp_length = s.l2tp_length || l2->length_bit;
        }
      }
    }
    // Later packets of a tunnel that was told "too big".
    for (auto &[key, g] : too_big_)
      if (key.first == k && rec.number > g.first_frame) g.after.observe(outer.size);
  }

  /// The stack of a tunnel: exact when its SA is known (--esp-sa) or it is
  /// plain L2TP; else the largest overhead vpnwire knows (an upper bound).
  [[nodiscard]] vpnwire::tunnel::tunnel_stack stack_of(const tunnel_key &k, bool &exact, std::string &text) const {
    namespace tunnel = vpnwire::tunnel;
    tunnel::tunnel_stack st;
    const auto it = seen_.find(k);
    const tunnel_seen s = it != seen_.end() ? it->second : tunnel_seen{};
    st.l2tp = s.l2tp_inside || k.l2tp;
    st.l2tp_sequence = s.l2tp_seq;
    st.l2tp_length = s.l2tp_length;
    if (k.l2tp) {
      st.esp.reset();
      exact = true;
      text = "plain L2TP over UDP";
      return st;
    }
    const auto o = sa_opts_.find(k.spi);
    exact = o != sa_opts_.end();
    st.esp = exact ? transform_config(o->second.enc, o->second.auth)
                   : transform_config(enc_alg::aes_cbc, auth_alg::hmac_sha512_256);
    st.esp->spi = k.spi;
    st.esp->udp_encap = k.natt;
    st.esp->mode =
        s.transport_mode && !s.tunnel_mode ? vpnwire::esp::sa_mode::transport : vpnwire::esp::sa_mode::tunnel;
    text = "SA spi " + hex(k.spi) + " (";
    text += exact ? std::string(info(o->second.enc).name) +
                        (o->second.auth != auth_alg::none ? "/" + std::string(info(o->second.auth).name) : "")
                  : "unknown transform: give --esp-sa for the exact value; assuming the largest overhead, "
                    "aes-cbc/hmac-sha512-256";
    text += std::string(", ") + (st.esp->mode == vpnwire::esp::sa_mode::tunnel ? "tunnel" : "transport") + " mode";
    text += std::string(k.natt ? ", NAT-T" : "") + (st.l2tp ? ", L2TP inside" : "") + ")";
    return st;
  }

  // ------------------------------------------------------------ ICMP

  struct too_big_group {
    std::uint64_t first_frame = 0;
    frame_list frames;
    addr router; ///< source of the first message
    std::size_t quoted_size = 0;
    bool from_plateau = false, credible = true, quoted_df = true;
    std::uint32_t reported_mtu = 0;
    vpnwire::tunnel::shrink_watch after;
  };

  /// An ICMPv4 or ICMPv6 message in `rec.inner` (the IP packet it arrived
  /// in), sent by `router`.
  void on_icmp(const frame_record &rec, const addr &router) {
    namespace tunnel = vpnwire::tunnel;
    if (rec.inner.empty()) return;
    auto r = tunnel::read_icmp_packet(rec.inner);
    if (!r || !r->too_big) return;
    using vpnwire::ip::quoted_kind;
    const auto &t = r->transport;
    tunnel_key k{key_of(r->quoted_source), key_of(r->quoted_destination), 0, false, false};
    if ((t.kind == quoted_kind::esp || t.kind == quoted_kind::esp_in_udp) && t.spi) {
      k.spi = *t.spi;
      k.natt = t.kind == quoted_kind::esp_in_udp;
    } else if (t.kind == quoted_kind::l2tp) {
      k.l2tp = true;
    } else {
      return; // not about tunnel traffic
    }
    bool exact = false;
    std::string text;
    tunnel::known_stack ks{stack_of(k, exact, text), addr_of(k.src), addr_of(k.dst)};
    auto f = tunnel::explain_too_big(*r, std::span<const tunnel::known_stack>(&ks, 1));
    if (!f) return;
    const auto key = std::make_pair(k, f->path_mtu);
    auto it = too_big_.find(key);
    if (it == too_big_.end()) {
      if (too_big_.size() >= max_flows) return;
      too_big_group g;
      g.first_frame = rec.number;
      g.router = router;
      g.quoted_size = r->quoted_size;
      g.from_plateau = f->from_plateau;
      g.credible = f->credible;
      g.quoted_df = r->quoted_dont_fragment;
      g.reported_mtu = r->mtu;
      g.after.path_mtu = f->path_mtu;
      it = too_big_.emplace(key, g).first;
    }
    it->second.frames.add(rec.number, keep_);
    icmp_tunnels_.insert(k);
  }

  [[nodiscard]] doctor_finding too_big_finding_text(const std::pair<tunnel_key, std::size_t> &key,
                                                    const too_big_group &g) const {
    namespace tunnel = vpnwire::tunnel;
    const tunnel_key &k = key.first;
    const std::size_t pmtu = key.second;
    bool exact = false;
    std::string text;
    tunnel::tunnel_stack st = stack_of(k, exact, text);
    st.link_mtu = pmtu;
    const bool shrank = g.after.shrank();
    doctor_finding d;
    d.severity = shrank ? "note" : "critical";
    d.title = std::string(k.l2tp ? "L2TP" : "ESP") + " packets from " + text_of(k.src) + " to " + text_of(k.dst) +
              " are too big for the path: " + (k.src.v6 ? "ICMPv6 Packet Too Big" : "ICMP Fragmentation Needed") +
              ", path MTU " + std::to_string(pmtu);
    d.items.emplace_back(
        "evidence", std::to_string(g.frames.count()) + (k.src.v6 ? " ICMPv6" : " ICMP") + " message(s) from router " +
                        text_of(g.router) + " quoting a " + std::to_string(g.quoted_size) + "-byte packet of " + text +
                        (g.quoted_df && !k.src.v6 ? " with DF set" : "") + " (frames " + g.frames.str() + ")");
    if (g.from_plateau)
      d.items.emplace_back("path MTU", std::to_string(pmtu) +
                                           " bytes: the router gave no MTU (pre-RFC 1191), so this is the RFC 1191 "
                                           "plateau below the quoted packet's size");
    else if (!g.credible)
      d.items.emplace_back("path MTU", std::to_string(g.reported_mtu) +
                                           " bytes reported, which cannot be right (not below the quoted packet, or "
                                           "below the family minimum): a broken or forged message");
    if (g.after.within + g.after.larger == 0)
      d.items.emplace_back("after", "no later packet of this tunnel in the capture");
    else if (shrank)
      d.items.emplace_back("after", "the sender shrank its packets: all " + std::to_string(g.after.within) +
                                        " later packets fit " + std::to_string(pmtu) + " bytes");
    else
      d.items.emplace_back("after", "the sender did NOT shrink: " + std::to_string(g.after.larger) + " of " +
                                        std::to_string(g.after.larger + g.after.within) +
                                        " later packets are still larger than " + std::to_string(pmtu) + " (up to " +
                                        std::to_string(g.after.largest) +
                                        "): the ICMP is ignored (DF policy, unauthenticated ICMP refused) "
                                        "or does not reach the sender, and those packets are lost");
    add_limits_and_fix(d, st, exact, k.l2tp || st.l2tp, false);
    return d;
  }

  // ------------------------------------------------------------ TCP

  struct tcp_key {
    std::uint32_t src = 0, dst = 0;
    std::uint16_t sport = 0, dport = 0;
    friend auto operator<=>(const tcp_key &, const tcp_key &) = default;
  };
  struct segment {
    std::size_t length = 0;
    std::uint32_t sent = 0;
    std::size_t outer_size = 0;
    bool df = false;
    std::uint64_t first_frame = 0;
  };
  struct tcp_flow {
    std::map<std::uint32_t, segment> segments;
    frame_list retransmitted;
    std::optional<tunnel_key> tunnel;
  };

  void on_tcp(const frame_record &rec, const ipv4_layer &ip, const tcp_layer &t, bool df, std::size_t outer_size,
              const std::optional<tunnel_key> &tk) {
    if (t.syn() || t.payload_length == 0) return;
    const tcp_key key{ip.src, ip.dst, t.src_port, t.dst_port};
    auto it = tcp_.find(key);
    if (it == tcp_.end()) {
      if (tcp_.size() >= max_flows) return;
      it = tcp_.emplace(key, tcp_flow{}).first;
    }
    tcp_flow &f = it->second;
    if (tk) f.tunnel = tk;
    auto s = f.segments.find(t.seq);
    if (s == f.segments.end()) {
      if (f.segments.size() >= max_segments) return;
      f.segments.emplace(t.seq, segment{t.payload_length, 1, outer_size, df, rec.number});
      return;
    }
    if (s->second.length != t.payload_length) return; // repacketised: not the same segment
    ++s->second.sent;
    f.retransmitted.add(rec.number, keep_);
  }

  [[nodiscard]] std::optional<doctor_finding> black_hole(const tcp_key &key, const tcp_flow &f) const {
    std::size_t lost_min = 0, lost_count = 0, passed_max_len = 0, passed_max_outer = 0, lost_len = 0;
    bool lost_df = true;
    std::uint64_t lost_first = 0;
    for (const auto &[seq, s] : f.segments) {
      if (s.sent > min_retransmissions) {
        if (lost_min == 0 || s.outer_size < lost_min) {
          lost_min = s.outer_size;
          lost_len = s.length;
          lost_first = s.first_frame;
        }
        ++lost_count;
        lost_df = lost_df && s.df;
      } else if (s.sent == 1) {
        passed_max_len = std::max(passed_max_len, s.length);
        passed_max_outer = std::max(passed_max_outer, s.outer_size);
      }
    }
    // Large segments lost again and again while smaller ones pass, with DF.
    if (lost_count == 0 || passed_max_len == 0 || lost_len <= passed_max_len || !lost_df) return std::nullopt;
    if (f.tunnel && icmp_tunnels_.count(*f.tunnel) != 0) return std::nullopt; // explained by the ICMP finding
    const std::size_t estimate = common_mtu_below(lost_min, passed_max_outer);
    doctor_finding d;
    d.severity = "critical";
    d.title = "black hole: path MTU below " + std::to_string(lost_min) + " for TCP " + dotted_quad(key.src) + ":" +
              std::to_string(key.sport) + " > " + dotted_quad(key.dst) + ":" + std::to_string(key.dport);
    d.items.emplace_back(
        "evidence",
        std::to_string(lost_count) + " segment(s) of " + std::to_string(lost_len) + " bytes (outer packets of " +
            std::to_string(lost_min) + " bytes, DF set) sent " + std::to_string(min_retransmissions + 1) +
            "+ times from frame " + std::to_string(lost_first) + ", while segments of up to " +
            std::to_string(passed_max_len) + " bytes (outer " + std::to_string(passed_max_outer) +
            ") went through once; no ICMP too-big seen (retransmissions: frames " + f.retransmitted.str() + ")");
    d.items.emplace_back("why",
                         "a link on the path has a smaller MTU and its ICMP Fragmentation Needed / Packet Too Big "
                         "is filtered or never sent, so the sender never learns to shrink (RFC 2923 section 2.1)");
    d.items.emplace_back("path MTU", "below " + std::to_string(lost_min) + ", at least " +
                                         std::to_string(passed_max_outer) + "; the numbers below assume " +
                                         std::to_string(estimate) +
                                         " (the largest common link MTU below it: confirm with ping -M do -s SIZE)");
    bool exact = true;
    std::string text = "plain IP";
    vpnwire::tunnel::tunnel_stack st;
    st.esp.reset();
    if (f.tunnel) st = stack_of(*f.tunnel, exact, text);
    st.link_mtu = estimate;
    d.items.emplace_back("stack", text);
    add_limits_and_fix(d, st, exact, st.l2tp, true);
    return d;
  }

  // ------------------------------------------------------------ advice

  /// The inner MTU and MSS of `st` per inner family, and where to set them.
  static void add_limits_and_fix(doctor_finding &d, vpnwire::tunnel::tunnel_stack st, bool exact, bool l2tp,
                                 bool icmp_filtered) {
    namespace tunnel = vpnwire::tunnel;
    st.inner = tunnel::ip_family::ipv4;
    const auto v4 = tunnel::compute_tunnel_limits(st);
    st.inner = tunnel::ip_family::ipv6;
    // An error here (family_mismatch: transport-mode ESP without L2TP carries only its own family) leaves IPv6 out.
    const auto v6 = tunnel::compute_tunnel_limits(st);
    const bool v6_possible = static_cast<bool>(v6);
    if (!v4) {
      d.items.emplace_back("inner MTU",
                           "the path MTU is too small for this stack (" + std::string(tunnel::name(v4.code())) + ")");
      return;
    }
    std::string lim = std::to_string(v4->inner_mtu) + " bytes for IPv4 (TCP MSS " + std::to_string(v4->tcp_mss) + ")";
    if (v6_possible)
      lim += ", " + std::to_string(v6->inner_mtu) + " for IPv6 (TCP MSS " + std::to_string(v6->tcp_mss) + ")" +
             (v6->below_inner_minimum ? ", below IPv6's 1280 minimum: the tunnel must fragment for IPv6" : "");
    d.items.emplace_back(exact ? "inner MTU" : "inner MTU (upper bound)", lim);
    const std::string m4 = std::to_string(v4->tcp_mss);
    d.items.emplace_back("fix (Linux)", "iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS "
                                        "--set-mss " +
                                            m4);
    if (v6_possible)
      d.items.emplace_back("fix (Linux, IPv6)",
                           "ip6tables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss " +
                               std::to_string(v6->tcp_mss));
    d.items.emplace_back("fix (pf)", "FreeBSD: scrub on $tunnel_if all max-mss " + m4 +
                                         "; OpenBSD: match on $tunnel_if scrub (max-mss " + m4 + ")");
    if (l2tp)
      d.items.emplace_back("fix (L2TP/PPP)", "in xl2tpd's pppd options file (pppol2tp): mtu " +
                                                 std::to_string(v4->inner_mtu) + " and mru " +
                                                 std::to_string(v4->inner_mtu));
    if (icmp_filtered)
      d.items.emplace_back("also", "let ICMP type 3 code 4 (and ICMPv6 type 2) through to the tunnel endpoints");
  }

  static std::string hex(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
  }

  std::size_t keep_;
  const std::map<std::uint32_t, esp_sa_option> &sa_opts_;
  std::map<tunnel_key, tunnel_seen> seen_;
  std::map<std::pair<tunnel_key, std::size_t>, too_big_group> too_big_;
  std::set<tunnel_key> icmp_tunnels_;
  std::map<tcp_key, tcp_flow> tcp_;
};

} // namespace vpnwire_cli
