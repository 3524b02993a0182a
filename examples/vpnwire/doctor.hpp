// `vpnwire doctor`: findings about an L2TP/IPsec capture, each with its
// evidence (frame numbers) and the fix. The pipeline reports what it sees
// through the on_*() calls; report() prints the findings.
//
// Memory stays bounded however long the capture: per-session and per-SA
// state is capped (max_tracked), evidence lists keep their first frames and
// a count, and the reorder analysis looks back over a fixed ring.
#pragma once

#include "options.hpp"
#include "output.hpp"

#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/sa.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/seq/outcome.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli {

struct run_summary;

/// Frame numbers as evidence: the first few are kept, the rest counted.
class evidence {
public:
  static constexpr std::size_t keep = 12;
  void add(std::uint64_t frame) {
    if (frames_.size() < keep) frames_.push_back(frame);
    ++count_;
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::string str() const {
    std::string s;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      if (i) s += ", ";
      s += std::to_string(frames_[i]);
    }
    if (count_ > frames_.size()) s += " and " + std::to_string(count_ - frames_.size()) + " more";
    return s;
  }

private:
  std::vector<std::uint64_t> frames_;
  std::uint64_t count_ = 0;
};

inline std::string dotted(std::uint32_t a) {
  char b[20];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255U, (a >> 8) & 255U, a & 255U);
  return b;
}

class doctor {
public:
  /// Sessions, SAs and peer pairs tracked; more are counted, not analysed.
  static constexpr std::size_t max_tracked = 1024;
  /// How far back the reorder analysis looks for earlier arrivals.
  static constexpr std::size_t lookback = 512;

  void configure(const decode_options &o) {
    for (const auto &s : o.sas) sa_opts_.emplace(s.spi, s);
    reorder_ = o.reorder;
  }

  // ------------------------------------------------------------ events

  void on_error(std::uint64_t frame, std::string_view layer, std::string_view code, std::size_t offset) {
    auto &e = errors_[std::string(layer) + " " + std::string(code)];
    if (e.empty()) first_offset_[std::string(layer) + " " + std::string(code)] = offset;
    e.add(frame);
  }

  void on_fragment(std::uint64_t frame, const vpnwire::ip::ipv4_view &v, int depth) {
    if (depth != 0) return;
    if (v.more_fragments()) largest_fragment_ = std::max<std::size_t>(largest_fragment_, v.total_length());
    (void)frame;
  }

  void on_reassembled(std::uint64_t frame, const vpnwire::ip::ipv4_view &pkt, const std::vector<std::uint64_t> &frames,
                      int depth) {
    if (depth != 0) return;
    frag_flow f;
    f.src = pkt.source();
    f.dst = pkt.destination();
    f.proto = pkt.protocol();
    const vpnwire::bytes_view p = pkt.payload();
    if (f.proto == vpnwire::ip::proto::esp && p.size() >= 4) {
      f.spi = vpnwire::core::load_be32(p.data());
    } else if (f.proto == vpnwire::ip::proto::udp && p.size() >= 8) {
      const std::uint16_t sp = vpnwire::core::load_be16(p.data());
      const std::uint16_t dp = vpnwire::core::load_be16(p.data() + 2);
      if (sp == 4500 || dp == 4500) {
        f.natt = true;
        if (p.size() >= 12) f.spi = vpnwire::core::load_be32(p.data() + 8);
      } else if (sp == 1701 || dp == 1701) {
        f.l2tp = true;
      } else {
        return; // fragmented UDP that is not tunnel traffic: not this doctor's business
      }
    } else {
      return;
    }
    auto key = std::make_tuple(f.src, f.dst, f.spi, f.l2tp);
    auto it = frag_.find(key);
    if (it == frag_.end()) {
      if (frag_.size() >= max_tracked) return;
      it = frag_.emplace(key, f).first;
    }
    for (std::uint64_t n : frames) it->second.frames.add(n);
    it->second.datagrams.add(frame);
    it->second.largest_datagram = std::max<std::size_t>(it->second.largest_datagram, pkt.total_length());
  }

  void on_esp(std::uint64_t frame, std::uint32_t spi, std::uint32_t seq, std::size_t size, bool have_sa,
              vpnwire::esp::errc result) {
    (void)seq;
    (void)size;
    if (!have_sa) {
      if (esp_no_sa_.size() < max_tracked) esp_no_sa_[spi].add(frame);
      return;
    }
    if (result == vpnwire::esp::errc::replayed || result == vpnwire::esp::errc::left_of_window)
      replay_[spi].add(frame);
    else if (result == vpnwire::esp::errc::icv_mismatch)
      icv_bad_[spi].add(frame);
  }

  /// What a decrypted ESP packet carried (mode detection per SA).
  void on_esp_payload(std::uint32_t spi, std::uint8_t next_header) {
    auto &s = sa_seen_[spi];
    if (next_header == 4)
      s.tunnel = true;
    else
      s.transport = true;
  }

  void on_syn(std::uint64_t frame, const vpnwire::ip::ipv4_view &pkt, std::uint16_t mss, std::uint32_t spi, bool natt) {
    (void)natt;
    if (syns_.size() >= 4096) return;
    syns_.push_back({frame, pkt.source(), pkt.destination(), mss, spi});
  }

  void on_l2tp_data(std::uint64_t frame, std::int64_t ts, std::uint32_t src, std::uint32_t dst, std::uint16_t tunnel,
                    std::uint16_t session, bool sequenced, std::uint16_t ns, std::uint32_t spi, bool length_bit) {
    // Direction bookkeeping for RFC 2661 §5.4.
    const auto dir = std::make_pair(src, dst);
    if (dirs_.size() >= max_tracked && dirs_.find(dir) == dirs_.end()) return;
    auto &d = dirs_[dir];
    if (sequenced) {
      d.sequenced.add(frame);
      // Did the other direction already send unsequenced data?
      auto back = dirs_.find(std::make_pair(dst, src));
      if (back != dirs_.end() && back->second.first_unsequenced != 0) d.sequenced_after_unsequenced.add(frame);
    } else if (d.first_unsequenced == 0) {
      d.first_unsequenced = frame;
    }
    if (spi != 0) {
      auto &s = sa_seen_[spi];
      s.l2tp = true;
      s.l2tp_seq = s.l2tp_seq || sequenced;
      s.l2tp_length = s.l2tp_length || length_bit;
    }
    if (!sequenced) return;
    const std::uint32_t key = (std::uint32_t{tunnel} << 16) | session;
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
      if (sessions_.size() >= max_tracked) return;
      it = sessions_.emplace(key, std::make_unique<session_stats>()).first;
      it->second->src = src;
      it->second->dst = dst;
    }
    session_stats &s = *it->second;
    s.packets.add(frame);
    // Reordering: a packet is late when a higher number arrived before it.
    // Its delay is how long the earliest of those higher numbers had to wait
    // for it; the largest delay is the timeout that delivers everything.
    bool late = false;
    std::int64_t earliest = ts;
    std::uint32_t displacement = 0;
    // Only a packet behind the highest Ns seen so far can be late: in-order
    // traffic skips the look-back entirely.
    const bool behind = s.count != 0 && static_cast<std::uint16_t>(s.highest - ns) != 0 &&
                        static_cast<std::uint16_t>(s.highest - ns) < 0x8000U;
    if (!behind) s.highest = ns;
    const std::size_t n = behind ? std::min<std::size_t>(s.count, lookback) : 0;
    for (std::size_t i = 0; i < n; ++i) {
      const arrival &a = s.ring[(s.count - 1 - i) % lookback];
      const auto diff = static_cast<std::uint16_t>(a.ns - ns);
      if (diff != 0 && diff < 0x8000U) {
        late = true;
        earliest = std::min(earliest, a.ts);
        displacement = std::max<std::uint32_t>(displacement, diff);
      }
    }
    s.ring[s.count % lookback] = arrival{ns, ts};
    ++s.count;
    if (late) {
      s.late.add(frame);
      s.max_displacement = std::max(s.max_displacement, displacement);
      s.max_delay_ns = std::max(s.max_delay_ns, ts - earliest);
    }
    // What Linux with reorder timeout 0 would have done.
    if (!s.linux_rx.offer(ns)) s.strict_lost.add(frame);
  }

  void on_l2tp_control(std::uint64_t frame, std::uint32_t src, std::uint32_t dst, std::uint16_t tunnel,
                       std::uint16_t session, std::uint16_t msg_type, bool seq_required) {
    (void)src;
    (void)dst;
    (void)tunnel;
    (void)session;
    ++control_messages_;
    if (msg_type == 9 || msg_type == 12) { // OCCN, ICCN: where Sequencing Required belongs (§6.9, §6.12)
      call_connected_.add(frame);
      if (seq_required) seq_required_.add(frame);
    } else if (seq_required) {
      seq_required_.add(frame);
    }
  }

  void on_reorder_outcome(std::uint64_t frame, std::uint32_t key, std::uint16_t ns, vpnwire::seq::insert_outcome o) {
    (void)ns;
    if (o == vpnwire::seq::insert_outcome::duplicate_held || o == vpnwire::seq::insert_outcome::duplicate_delivered)
      dup_[key].add(frame);
    else if (!vpnwire::seq::accepted(o))
      reorder_drop_[key].add(frame);
  }
  void on_deliver(std::uint32_t, std::uint16_t, std::uint64_t) {}

  // ------------------------------------------------------------ report

  void report(output &out, std::uint64_t frames, std::uint64_t errors) {
    std::string s;
    s += "vpnwire doctor: " + std::to_string(frames) + " frames, " + std::to_string(sessions_.size()) +
         " sequenced L2TP session(s), " + std::to_string(control_messages_) + " L2TP control message(s)\n";
    int n = 0;
    sequencing_findings(s, n);
    reorder_findings(s, n);
    fragmentation_findings(s, n);
    esp_findings(s, n);
    error_findings(s, n, errors);
    if (n == 0)
      s += "\nNo problems found.\n";
    else
      s += "\n" + std::to_string(n) + " finding(s).\n";
    out.write(s);
  }

private:
  struct arrival {
    std::uint16_t ns = 0;
    std::int64_t ts = 0;
  };
  /// What Linux does with a session whose reorder timeout is 0 (the default
  /// through xl2tpd), after l2tp_recv_data_seq() in net/l2tp/l2tp_core.c:
  /// only the expected Ns is delivered; every other packet is discarded while
  /// the kernel counts how many of them arrived one after another (the count
  /// is not reset by in-sequence deliveries); once that count exceeds
  /// nr_oos_count_max (4) it resynchronises to the packet in hand. The
  /// library's strict window (seq::policy::strict) is a cleaner policy and
  /// loses less, so the kernel's rule is modelled here as it is.
  struct linux_timeout0 {
    static constexpr std::uint32_t nr_oos_count_max = 4;
    bool started = false, reorder_skip = false;
    std::uint16_t nr = 0, nr_oos = 0xFFFF;
    std::uint32_t nr_oos_count = 0;
    /// True when the packet would have been delivered.
    bool offer(std::uint16_t ns) noexcept {
      if (!started) { // the capture may begin mid-session: expect what arrives first
        started = true;
        nr = ns;
      }
      if (ns == nr) {
        nr = static_cast<std::uint16_t>(ns + 1);
        return true;
      }
      nr_oos_count = ns == static_cast<std::uint16_t>(nr_oos + 1) ? nr_oos_count + 1 : 0;
      nr_oos = ns;
      if (nr_oos_count > nr_oos_count_max) reorder_skip = true;
      if (!reorder_skip) return false;
      reorder_skip = false;
      nr = static_cast<std::uint16_t>(ns + 1);
      return true;
    }
  };
  struct session_stats {
    std::uint32_t src = 0, dst = 0;
    evidence packets, late, strict_lost;
    std::uint32_t max_displacement = 0;
    std::int64_t max_delay_ns = 0;
    std::array<arrival, lookback> ring{};
    std::size_t count = 0;
    std::uint16_t highest = 0; ///< highest Ns seen (RFC 1982 order)
    linux_timeout0 linux_rx;
  };
  struct direction {
    evidence sequenced;
    evidence sequenced_after_unsequenced;
    std::uint64_t first_unsequenced = 0;
  };
  struct frag_flow {
    std::uint32_t src = 0, dst = 0, spi = 0;
    std::uint8_t proto = 0;
    bool natt = false, l2tp = false;
    evidence frames, datagrams;
    std::size_t largest_datagram = 0;
  };
  struct sa_seen {
    bool tunnel = false, transport = false, l2tp = false, l2tp_seq = false, l2tp_length = false;
  };
  struct syn {
    std::uint64_t frame;
    std::uint32_t src, dst;
    std::uint16_t mss;
    std::uint32_t spi;
  };

  static void heading(std::string &s, int &n, std::string_view severity, const std::string &title) {
    ++n;
    s += "\n[" + std::to_string(n) + "] " + std::string(severity) + ": " + title + "\n";
  }
  static void item(std::string &s, std::string_view label, const std::string &text) {
    s += "    " + std::string(label) + ": " + text + "\n";
  }

  void sequencing_findings(std::string &s, int &n) {
    for (const auto &[dir, d] : dirs_) {
      if (d.sequenced.empty()) continue;
      if (seq_required_.empty()) {
        heading(s, n, "warning",
                "L2TP data from " + dotted(dir.first) + " to " + dotted(dir.second) +
                    " is sequenced, but no Sequencing Required AVP was sent");
        item(s, "evidence",
             std::to_string(d.sequenced.count()) + " data messages with Ns/Nr (frames " + d.sequenced.str() + ")" +
                 (call_connected_.empty() ? "; the capture holds no ICCN/OCCN (the call was set up before it started)"
                                          : "; ICCN/OCCN without AVP 39 in frames " + call_connected_.str()));
        item(s, "why",
             "without Sequencing Required (AVP 39) the receiver may ignore Ns (RFC 2661 section 5.4); "
             "Linux with reorder timeout 0, the default through xl2tpd, then drops every packet that "
             "arrives out of order instead of waiting for the gap");
        item(s, "fix",
             "stop sequencing on the sender when it is not required, or give the receiving session a "
             "reorder timeout (the finding below says how long)");
      }
      if (!d.sequenced_after_unsequenced.empty()) {
        auto back = dirs_.find(std::make_pair(dir.second, dir.first));
        heading(s, n, "warning",
                dotted(dir.first) + " keeps sequencing after receiving unsequenced data from " + dotted(dir.second));
        item(s, "evidence",
             "unsequenced data from " + dotted(dir.second) + " at frame " +
                 std::to_string(back->second.first_unsequenced) + "; sequenced data after it in frames " +
                 d.sequenced_after_unsequenced.str());
        item(s, "why",
             "RFC 2661 section 5.4: a peer that receives data messages without sequence numbers stops "
             "sending them, unless it sent Sequencing Required");
        item(s, "fix", "fix the sender's L2TP implementation (or require sequencing on both sides with AVP 39)");
      }
    }
  }

  void reorder_findings(std::string &s, int &n) {
    for (const auto &[key, st] : sessions_) {
      if (st->late.empty()) continue;
      const std::uint32_t tunnel = key >> 16, session = key & 0xFFFFU;
      // The smallest whole-millisecond timeout longer than the longest wait (a
      // packet is released once its wait reaches the timeout, so equal is too short).
      const std::int64_t ms = st->max_delay_ns / 1'000'000 + 1;
      char delay[64];
      std::snprintf(delay, sizeof delay, "%.3f ms", static_cast<double>(st->max_delay_ns) / 1e6);
      heading(s, n, "critical",
              "L2TP packets reordered in tunnel " + std::to_string(tunnel) + " session " + std::to_string(session) +
                  " (" + dotted(st->src) + " to " + dotted(st->dst) + ")");
      item(s, "evidence",
           std::to_string(st->late.count()) + " of " + std::to_string(st->packets.count()) +
               " sequenced packets arrived after a higher Ns (frames " + st->late.str() + ")");
      item(s, "extent",
           "largest displacement " + std::to_string(st->max_displacement) + " packet(s), longest wait " + delay);
      item(s, "impact",
           "a receiver with reorder timeout 0 (Linux, the default through xl2tpd) would have dropped " +
               std::to_string(st->strict_lost.count()) + " of the " + std::to_string(st->packets.count()) +
               " sequenced packets (frames " + st->strict_lost.str() + ")" +
               (st->strict_lost.empty() ? "" : ": oversized packets split in two and swapped are lost whole"));
      item(s, "fix",
           "set the session's reorder timeout to at least " + std::to_string(std::max<std::int64_t>(ms, 1)) +
               " ms (pppol2tp_reorderto / PPPOL2TP_SO_REORDERTO = " + std::to_string(std::max<std::int64_t>(ms, 1)) +
               "), which would have delivered every packet; vpnwire decode --reorder timeout=" +
               std::to_string(std::max<std::int64_t>(ms, 1)) + " shows the result");
    }
    for (const auto &[key, e] : reorder_drop_) {
      heading(s, n, "warning",
              "the --reorder policy dropped L2TP packets in tunnel " + std::to_string(key >> 16) + " session " +
                  std::to_string(key & 0xFFFFU));
      item(s, "evidence", std::to_string(e.count()) + " packets late or beyond the window (frames " + e.str() + ")");
      item(s, "fix", "a longer --reorder timeout keeps them, if the previous finding's timeout is acceptable");
    }
    for (const auto &[key, e] : dup_) {
      heading(s, n, "warning",
              "duplicate L2TP Ns in tunnel " + std::to_string(key >> 16) + " session " + std::to_string(key & 0xFFFFU));
      item(s, "evidence", std::to_string(e.count()) + " duplicates (frames " + e.str() + ")");
      item(s, "fix", "look for a retransmitting middlebox or a peer restarting its numbering");
    }
  }

  void fragmentation_findings(std::string &s, int &n) {
    for (const auto &[key, f] : frag_) {
      // Fragment data is cut at multiples of 8, so the largest fragment gives
      // the path MTU to within 7 bytes; the lower bound is the safe one.
      const std::size_t pmtu = largest_fragment_;
      const char *what = f.l2tp ? "L2TP" : "ESP";
      heading(s, n, "critical",
              std::string(what) + " datagrams from " + dotted(f.src) + " to " + dotted(f.dst) +
                  " were fragmented after encapsulation");
      item(s, "evidence",
           std::to_string(f.datagrams.count()) + " datagrams of up to " + std::to_string(f.largest_datagram) +
               " bytes reassembled from fragments (frames " + f.frames.str() + ")");
      item(s, "path MTU",
           std::to_string(pmtu) + " bytes (largest fragment; the true MTU is at most " + std::to_string(pmtu + 7) +
               ", fragments carry multiples of 8 data bytes)");
      vpnwire::tunnel::tunnel_stack st;
      st.link_mtu = pmtu;
      std::string sa_text;
      bool exact = false;
      if (f.l2tp) {
        st.esp.reset();
        st.l2tp = true;
        st.l2tp_sequence = !sessions_.empty();
        sa_text = "plain L2TP over UDP";
        exact = true;
      } else if (auto it = sa_opts_.find(f.spi); it != sa_opts_.end()) {
        const esp_sa_option &o = it->second;
        const enc_info &e = info(o.enc);
        st.esp = transform_config(o.enc, o.auth);
        st.esp->udp_encap = f.natt;
        const sa_seen seen = sa_seen_.count(f.spi) ? sa_seen_.at(f.spi) : sa_seen{};
        st.esp->mode =
            seen.transport && !seen.tunnel ? vpnwire::esp::sa_mode::transport : vpnwire::esp::sa_mode::tunnel;
        st.l2tp = seen.l2tp;
        st.l2tp_sequence = seen.l2tp_seq;
        st.l2tp_length = seen.l2tp_length;
        sa_text = "SA spi " + hex(f.spi) + " (" + std::string(e.name) +
                  (o.auth != auth_alg::none ? "/" + std::string(info(o.auth).name) : "") + ", " +
                  (st.esp->mode == vpnwire::esp::sa_mode::tunnel ? "tunnel" : "transport") + " mode" +
                  (f.natt ? ", NAT-T" : "") + (st.l2tp ? ", L2TP inside" : "") + ")";
        exact = true;
      } else {
        // Unknown cipher: the largest overhead among the transforms vpnwire knows.
        st.esp = transform_config(enc_alg::aes_cbc, auth_alg::hmac_sha512_256);
        st.esp->udp_encap = f.natt;
        sa_text = "SA spi " + hex(f.spi) +
                  " (unknown: give --esp-sa for the exact value; assuming the largest "
                  "overhead, aes-cbc/hmac-sha512-256, tunnel mode)";
      }
      auto lim = vpnwire::tunnel::compute_tunnel_limits(st);
      if (!lim) {
        item(s, "inner MTU",
             "the path MTU is too small for this stack (" + std::string(vpnwire::tunnel::name(lim.code())) + ")");
        continue;
      }
      item(s, exact ? "inner MTU" : "inner MTU (upper bound)",
           std::to_string(lim->inner_mtu) + " bytes for " + sa_text + "; TCP MSS " + std::to_string(lim->tcp_mss));
      // SYNs announcing more than the tunnel carries.
      evidence big;
      std::uint16_t worst = 0;
      for (const syn &y : syns_) {
        if (y.mss > lim->tcp_mss) {
          big.add(y.frame);
          worst = std::max(worst, y.mss);
        }
      }
      if (!big.empty()) {
        item(s, "TCP SYNs",
             std::to_string(big.count()) + " SYN(s) announce an MSS above " + std::to_string(lim->tcp_mss) +
                 " (up to " + std::to_string(worst) + "; frames " + big.str() +
                 "): their full-size segments are fragmented or lost");
      }
      item(s, "fix",
           "clamp the TCP MSS to " + std::to_string(lim->tcp_mss) +
               " on the tunnel (e.g. iptables -t mangle "
               "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss " +
               std::to_string(lim->tcp_mss) + ") and set the tunnel MTU to " + std::to_string(lim->inner_mtu) +
               "; vpnwire mtu shows the per-layer overhead");
    }
    if (frag_.empty() && !syns_.empty() && !sa_opts_.empty()) {
      // No fragmentation seen: nothing to say about MSS without a path MTU.
    }
  }

  void esp_findings(std::string &s, int &n) {
    for (const auto &[spi, e] : replay_) {
      heading(s, n, "warning", "anti-replay drops on SA spi " + hex(spi));
      item(s, "evidence",
           std::to_string(e.count()) + " packets replayed or left of the 64-packet window (frames " + e.str() + ")");
      item(s, "fix",
           "if these are reordered rather than replayed, widen the peer's replay window (strongSwan "
           "replay_window, Linux XFRMA_REPLAY_ESN_VAL)");
    }
    for (const auto &[spi, e] : icv_bad_) {
      heading(s, n, "critical", "integrity check failed on SA spi " + hex(spi));
      item(s, "evidence", std::to_string(e.count()) + " packets (frames " + e.str() + ")");
      item(s, "fix", "check the --esp-sa keys and algorithms; with the right keys this means corruption on the path");
    }
    if (!esp_no_sa_.empty()) {
      std::string spis;
      std::uint64_t count = 0;
      for (const auto &[spi, e] : esp_no_sa_) {
        spis += (spis.empty() ? "" : ", ") + hex(spi);
        count += e.count();
      }
      heading(s, n, "note", "ESP traffic without keys: " + std::to_string(count) + " packets on SPI " + spis);
      item(s, "fix", "give --esp-sa spi=...,enc=...,key=... for each SPI to look inside (MSS and L2TP checks need it)");
    }
  }

  void error_findings(std::string &s, int &n, std::uint64_t errors) {
    (void)errors;
    for (const auto &[what, e] : errors_) {
      heading(s, n, "error", "malformed packets: " + what);
      item(s, "evidence",
           std::to_string(e.count()) + " frames (frames " + e.str() + "), first at byte offset " +
               std::to_string(first_offset_[what]) + " of the layer");
      item(s, "fix", "vpnwire decode --json shows each frame's layers and the error object");
    }
  }

  static std::string hex(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
  }

  std::map<std::uint32_t, esp_sa_option> sa_opts_;
  reorder_option reorder_{};
  std::map<std::string, evidence> errors_;
  std::map<std::string, std::size_t> first_offset_;
  std::size_t largest_fragment_ = 0;
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, bool>, frag_flow> frag_;
  std::map<std::uint32_t, evidence> esp_no_sa_, replay_, icv_bad_;
  std::map<std::uint32_t, sa_seen> sa_seen_;
  std::vector<syn> syns_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, direction> dirs_;
  std::map<std::uint32_t, std::unique_ptr<session_stats>> sessions_;
  std::map<std::uint32_t, evidence> reorder_drop_, dup_;
  evidence seq_required_, call_connected_;
  std::uint64_t control_messages_ = 0;
};

} // namespace vpnwire_cli
