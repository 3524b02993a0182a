// doctor's IPv6 findings (doctor.hpp feeds every record to doctor_ipv6 and
// prints what it finds):
//  - tunnel traffic (ESP, NAT-T, L2TP) over IPv6 fragmented after
//    encapsulation: outer IPv6 datagrams reassembled from Fragment headers,
//    with the path MTU they show (largest fragment) and the inner MTU and
//    TCP MSS of the stack over an IPv6 outer header (40 bytes, 20 more than
//    IPv4's), for inner IPv4 (MTU - 40) and inner IPv6 (MTU - 60);
//  - TCP SYNs over IPv6 whose MSS is above the IPv6 clamp of that stack
//    (the IPv6 clamp leaves 20 bytes less room than the IPv4 one); also
//    offered to the IPv4-outer fragmentation finding (syn_item);
//  - IPV6CP negotiation seen (RFC 5072): which interface identifiers were
//    acknowledged, and whether IPv6 then flowed over PPP.
#pragma once

#include "doctor_finding.hpp"
#include "options.hpp"
#include "record.hpp"
#include "render_ipv6.hpp"

#include "vpnwire/tunnel/mtu.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace vpnwire_cli {

/// Frame numbers of a finding: the count and the first `keep` of them.
class ipv6_evidence {
public:
  void add(std::uint64_t frame, std::size_t keep) {
    ++count_;
    if (frames_.size() < keep) frames_.push_back(frame);
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::string str() const {
    std::string s;
    for (std::size_t i = 0; i < frames_.size(); ++i) s += (i ? ", " : "") + std::to_string(frames_[i]);
    if (count_ > frames_.size()) s += ", ...";
    return s;
  }

private:
  std::uint64_t count_ = 0;
  std::vector<std::uint64_t> frames_;
};

class doctor_ipv6 {
public:
  static constexpr std::size_t max_tracked = 1024;

  doctor_ipv6(const std::vector<esp_sa_option> &sas, std::size_t keep) : keep_(keep) {
    for (const auto &s : sas) sa_opts_.emplace(s.spi, s);
  }

  /// Reads one frame's record.
  void on_frame(const frame_record &rec) {
    const ipv6_layer *last_v6 = nullptr;
    bool last_ip_is_v6 = false;
    std::uint32_t spi = 0;
    for (std::size_t i = 0; i < rec.layers.size(); ++i) {
      const layer &l = rec.layers[i];
      if (const auto *v = std::get_if<ipv6_layer>(&l)) {
        last_v6 = v;
        last_ip_is_v6 = true;
        on_ipv6(rec, *v, i);
      } else if (std::holds_alternative<ipv4_layer>(l)) {
        last_ip_is_v6 = false;
      } else if (const auto *e = std::get_if<esp_layer>(&l)) {
        spi = e->spi;
      } else if (const auto *t = std::get_if<tcp_layer>(&l)) {
        if (last_ip_is_v6 && last_v6 && t->syn() && t->mss && syns_.size() < 4096)
          syns_.push_back({rec.number, *t->mss, spi});
      } else if (const auto *c = std::get_if<ppp_control_layer>(&l)) {
        if (c->protocol == ppp_control_layer::kind::ipv6cp) on_ipv6cp(rec, *c);
      } else if (const auto *p = std::get_if<ppp_layer>(&l)) {
        if (p->protocol == 0x0057) ppp_ipv6_.add(rec.number, keep_);
      }
    }
  }

  /// The IPv6 findings, in report order.
  [[nodiscard]] std::vector<doctor_finding> findings() const {
    std::vector<doctor_finding> out;
    fragmentation(out);
    if (!ipv6cp_.empty()) {
      doctor_finding f{"info", "IPV6CP (RFC 5072) negotiated IPv6 over PPP", {}};
      f.items.emplace_back("evidence",
                           std::to_string(ipv6cp_.count()) + " IPV6CP packet(s) (frames " + ipv6cp_.str() + ")");
      if (!acked_ids_.empty()) {
        std::string ids;
        for (const auto &id : acked_ids_) ids += (ids.empty() ? "" : ", ") + id;
        f.items.emplace_back("interface identifiers acknowledged", ids);
      } else {
        f.items.emplace_back("interface identifiers acknowledged",
                             "none in the capture (no Configure-Ack with an Interface-Identifier)");
      }
      f.items.emplace_back("IPv6 over PPP", ppp_ipv6_.empty() ? std::string("no IPv6 packet (protocol 0x0057) seen")
                                                              : std::to_string(ppp_ipv6_.count()) +
                                                                    " packet(s) (frames " + ppp_ipv6_.str() + ")");
      out.push_back(std::move(f));
    }
    return out;
  }

  /// For a tunnel whose inner MTU (for IPv4 inner packets) is `inner_mtu`:
  /// the IPv6 SYNs that announce an MSS above inner_mtu - 60, as an item.
  [[nodiscard]] std::optional<std::pair<std::string, std::string>> syn_item(std::size_t inner_mtu) const {
    if (inner_mtu < 60) return std::nullopt;
    return syns_above(inner_mtu - 60);
  }

private:
  struct syn6 {
    std::uint64_t frame;
    std::uint16_t mss;
    std::uint32_t spi;
  };
  struct flow {
    ipv6_bytes src{}, dst{};
    std::uint32_t spi = 0;
    bool natt = false, l2tp = false;
    ipv6_evidence frames, datagrams;
    std::size_t largest_datagram = 0;
  };

  void on_ipv6(const frame_record &rec, const ipv6_layer &v, std::size_t index) {
    if (v.depth != 0) return;
    if (v.fragment && v.more_fragments)
      largest_fragment_ = std::max<std::size_t>(largest_fragment_, std::size_t{40} + v.payload_length);
    for (const event &e : rec.events) {
      if (e.what != event::kind::fragment_completed || e.layer_index != index) continue;
      const layer *next = index + 1 < rec.layers.size() ? &rec.layers[index + 1] : nullptr;
      const layer *after = index + 2 < rec.layers.size() ? &rec.layers[index + 2] : nullptr;
      if (next == nullptr) return;
      flow f;
      f.src = v.src;
      f.dst = v.dst;
      if (const auto *esp = std::get_if<esp_layer>(next)) {
        f.spi = esp->spi;
      } else if (const auto *u = std::get_if<udp_layer>(next)) {
        if (u->src_port == 4500 || u->dst_port == 4500) {
          f.natt = true;
          if (const auto *esp2 = after ? std::get_if<esp_layer>(after) : nullptr) f.spi = esp2->spi;
        } else if (u->src_port == 1701 || u->dst_port == 1701) {
          f.l2tp = true;
        } else {
          return; // fragmented UDP that is not tunnel traffic
        }
      } else {
        return;
      }
      const auto key = std::make_tuple(f.src, f.dst, f.spi, f.l2tp);
      auto it = flows_.find(key);
      if (it == flows_.end()) {
        if (flows_.size() >= max_tracked) return;
        it = flows_.emplace(key, f).first;
      }
      for (std::uint32_t k = 0; k < e.fragments.count; ++k)
        it->second.frames.add(rec.fragment_frames[e.fragments.first + k], keep_);
      it->second.datagrams.add(rec.number, keep_);
      it->second.largest_datagram = std::max<std::size_t>(it->second.largest_datagram, e.datagram_length);
    }
  }

  void on_ipv6cp(const frame_record &rec, const ppp_control_layer &c) {
    ipv6cp_.add(rec.number, keep_);
    constexpr std::uint8_t configure_ack = 2;
    if (c.code != configure_ack) return;
    for (std::uint32_t i = 0; i < c.options.count; ++i) {
      const ppp_option &o = rec.options[c.options.first + i];
      if (o.type != 1 || o.value.size() != 8 || acked_ids_.size() >= 16) continue;
      std::string id;
      char b[4];
      for (std::size_t k = 0; k < 8; ++k) {
        std::snprintf(b, sizeof b, "%02x", std::to_integer<unsigned>(o.value[k]));
        id += (k != 0 && k % 2 == 0 ? ":" : "") + std::string(b);
      }
      if (std::find(acked_ids_.begin(), acked_ids_.end(), id) == acked_ids_.end()) acked_ids_.push_back(id);
    }
  }

  [[nodiscard]] std::optional<std::pair<std::string, std::string>> syns_above(std::size_t mss) const {
    ipv6_evidence big;
    std::uint16_t worst = 0;
    for (const syn6 &y : syns_) {
      if (y.mss > mss) {
        big.add(y.frame, keep_);
        worst = std::max(worst, y.mss);
      }
    }
    if (big.empty()) return std::nullopt;
    return std::make_pair(std::string("TCP SYNs over IPv6"),
                          std::to_string(big.count()) + " IPv6 SYN(s) announce an MSS above " + std::to_string(mss) +
                              " (the IPv6 clamp, 20 bytes below IPv4's; up to " + std::to_string(worst) + "; frames " +
                              big.str() + "): their full-size segments are fragmented or lost");
  }

  [[nodiscard]] static std::string spi_hex(std::uint32_t spi) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", spi);
    return b;
  }

  void fragmentation(std::vector<doctor_finding> &out) const {
    namespace tunnel = vpnwire::tunnel;
    for (const auto &[key, f] : flows_) {
      const std::size_t pmtu = largest_fragment_;
      doctor_finding d;
      d.severity = "critical";
      d.title = std::string(f.l2tp ? "L2TP" : "ESP") + " datagrams over IPv6 from " + ipv6_text(f.src) + " to " +
                ipv6_text(f.dst) + " were fragmented after encapsulation (IPv6 Fragment headers)";
      d.items.emplace_back("evidence", std::to_string(f.datagrams.count()) + " datagrams of up to " +
                                           std::to_string(f.largest_datagram) +
                                           " bytes reassembled from fragments (frames " + f.frames.str() + ")");
      d.items.emplace_back("path MTU", std::to_string(pmtu) + " bytes (largest fragment; the true MTU is at most " +
                                           std::to_string(pmtu + 7) + ", fragments carry multiples of 8 data bytes)");
      tunnel::tunnel_stack st;
      st.link_mtu = pmtu;
      st.outer = tunnel::ip_family::ipv6;
      std::string sa_text;
      if (f.l2tp) {
        st.esp.reset();
        st.l2tp = true;
        sa_text = "plain L2TP over UDP/IPv6";
      } else if (auto it = sa_opts_.find(f.spi); it != sa_opts_.end()) {
        st.esp = transform_config(it->second.enc, it->second.auth);
        st.esp->udp_encap = f.natt;
        sa_text = "SA spi " + spi_hex(f.spi) + " (" + std::string(info(it->second.enc).name) + ", tunnel mode" +
                  (f.natt ? ", NAT-T" : "") + ", over IPv6)";
      } else {
        st.esp = transform_config(enc_alg::aes_cbc, auth_alg::hmac_sha512_256);
        st.esp->udp_encap = f.natt;
        sa_text = "SA spi " + spi_hex(f.spi) +
                  " (unknown: give --esp-sa for the exact value; assuming the largest overhead, "
                  "aes-cbc/hmac-sha512-256, tunnel mode, over IPv6)";
      }
      st.inner = tunnel::ip_family::ipv4;
      auto v4 = tunnel::compute_tunnel_limits(st);
      st.inner = tunnel::ip_family::ipv6;
      auto v6 = tunnel::compute_tunnel_limits(st);
      if (!v4 || !v6) {
        d.items.emplace_back("inner MTU", "the path MTU is too small for this stack (" +
                                              std::string(tunnel::name(v4 ? v6.code() : v4.code())) + ")");
        out.push_back(std::move(d));
        continue;
      }
      d.items.emplace_back("inner MTU", std::to_string(v4->inner_mtu) + " bytes for " + sa_text + "; TCP MSS " +
                                            std::to_string(v4->tcp_mss) + " for inner IPv4, " +
                                            std::to_string(v6->tcp_mss) + " for inner IPv6" +
                                            (v6->below_inner_minimum ? " (below IPv6's 1280-byte minimum MTU: the "
                                                                       "tunnel must fragment, RFC 8200 §5)"
                                                                     : ""));
      if (auto item = syns_above(v6->tcp_mss)) d.items.push_back(*item);
      d.items.emplace_back(
          "fix", "clamp the TCP MSS to " + std::to_string(v4->tcp_mss) + " (IPv4) and " + std::to_string(v6->tcp_mss) +
                     " (IPv6; ip6tables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j "
                     "TCPMSS --set-mss " +
                     std::to_string(v6->tcp_mss) + ") and set the tunnel MTU to " + std::to_string(v4->inner_mtu));
      out.push_back(std::move(d));
    }
  }

  std::size_t keep_;
  std::map<std::uint32_t, esp_sa_option> sa_opts_;
  std::map<std::tuple<ipv6_bytes, ipv6_bytes, std::uint32_t, bool>, flow> flows_;
  std::size_t largest_fragment_ = 0;
  std::vector<syn6> syns_;
  ipv6_evidence ipv6cp_, ppp_ipv6_;
  std::vector<std::string> acked_ids_;
};

} // namespace vpnwire_cli
