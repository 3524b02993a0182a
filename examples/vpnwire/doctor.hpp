// `vpnwire doctor`: findings about an L2TP/IPsec capture, each with its
// evidence (frame numbers) and the fix. Doctor is the third renderer of the
// frame records (record.hpp): add() reads each record, report() prints.
// It sees exactly the layers, errors, warnings and events decode prints.
//
// Memory stays bounded however long the capture: per-session and per-SA
// state is capped (max_tracked), evidence lists keep their first frames
// (--evidence N, default 12) and a count, and the reorder analysis looks
// back over a fixed ring.
#pragma once

#include "doctor_actions.hpp"
#include "doctor_addr.hpp"
#include "doctor_esp.hpp"
#include "doctor_iptfs.hpp"
#include "doctor_ipv6.hpp"
#include "doctor_pmtu.hpp"
#include "options.hpp"
#include "record.hpp"
#include "summary.hpp"

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
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

namespace vpnwire_cli {

/// Frame numbers as evidence: the first `keep` are kept, the rest counted.
class evidence {
public:
  void add(std::uint64_t frame, std::size_t keep) {
    if (frames_.size() < keep) frames_.push_back(frame);
    ++count_;
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] std::uint64_t last() const noexcept { return frames_.empty() ? 0 : frames_.back(); }
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
  /// Frame numbers listed per finding unless --evidence says otherwise.
  static constexpr std::size_t default_evidence = 12;

  explicit doctor(const decode_options &o) : keep_(o.evidence == 0 ? default_evidence : o.evidence), v6_(o.sas, keep_) {
    for (const auto &s : o.sas) sa_opts_.emplace(s.spi, s);
  }

  /// Reads one record (a frame, or the end-of-capture record).
  void add(const frame_record &rec) {
    for (const event &e : rec.released) on_event(e);
    if (rec.end_of_capture()) return;
    pmtu_.add(rec);
    on_frame(rec);
    v6_.on_frame(rec);
    for (const event &e : rec.events) on_event(e);
  }

  /// The report, after the last record.
  [[nodiscard]] std::string report(const run_summary &sum) const {
    std::string s;
    s += "vpnwire doctor: " + std::to_string(sum.frames) + " frames, " + std::to_string(sessions_.size()) +
         " sequenced L2TP session(s), " + std::to_string(control_messages_) + " L2TP control message(s)\n";
    int n = 0;
    sequencing_findings(s, n);
    reorder_findings(s, n);
    fragmentation_findings(s, n);
    for (const doctor_finding &f : v6_.findings()) { // IPv6 (doctor_ipv6.hpp)
      heading(s, n, f.severity, f.title);
      for (const auto &[label, text] : f.items) item(s, label, text);
    }
    esp_findings(s, n);
    for (const auto &f : pmtu_.findings()) {
      heading(s, n, f.severity, f.title);
      for (const auto &[label, text] : f.items) item(s, label, text);
    }
    for (const auto &f : secret_findings_.findings()) {
      heading(s, n, f.severity, f.title);
      for (const auto &[label, text] : f.items) item(s, label, text);
    }
    checksum_findings(s, n);
    capture_findings(s, n, sum);
    issue_findings(s, n);
    if (n == 0)
      s += "\nNo problems found.\n";
    else
      s += "\n" + std::to_string(n) + " finding(s).\n";
    return s;
  }

private:
  friend class html_collector; // the HTML report reuses the reorder model (html_collect.hpp)

  // ------------------------------------------------------------ reading records

  /// What the layers before a given point of a record tell about it.
  struct context {
    const ipv4_layer *outer = nullptr; ///< the first IPv4 layer
    const ipv4_layer *ip = nullptr;    ///< the latest IPv4 layer
    const esp_layer *esp = nullptr;    ///< the latest ESP layer
    /// The first IP layer's addresses and the latest IP layer's source, of either family.
    std::optional<host_addr> outer_src, outer_dst, ip_src;
  };

  void on_frame(const frame_record &rec) {
    if (rec.error) {
      auto [it, fresh] = issues_.try_emplace(key_of(*rec.error));
      if (fresh) it->second.first_offset = rec.error->offset;
      it->second.frames.add(rec.number, keep_);
      if (std::string a = error_action_text(rec); !a.empty() && it->second.actions.size() < 4)
        it->second.actions.insert(std::move(a));
    }
    std::set<std::pair<std::string_view, std::string_view>> warned;
    for (const issue &w : rec.warnings) {
      if (!warned.emplace(w.layer, w.code).second) continue; // once per frame
      auto [it, fresh] = warning_issues_.try_emplace(key_of(w));
      if (fresh) it->second.first_offset = w.offset;
      it->second.frames.add(rec.number, keep_);
      if (w.code == cli_code::cut_by_snaplen) cut_layers_[std::string(w.layer)].add(rec.number, keep_);
    }
    if (rec.caplen < rec.wirelen) {
      cut_.add(rec.number, keep_);
      // What was captured: a file's declared snap length is often not the one that cut
      // (editcap -s keeps the header's; mergecap keeps the interface's).
      largest_snaplen_ = std::max<std::uint64_t>(largest_snaplen_, rec.caplen);
    }
    context c;
    for (std::size_t i = 0; i < rec.layers.size(); ++i) {
      const layer &l = rec.layers[i];
      if (const auto *ip = std::get_if<ipv4_layer>(&l)) {
        if (c.outer == nullptr) c.outer = ip;
        c.ip = ip;
        if (!c.outer_src) c.outer_src = host_addr::v4(ip->src), c.outer_dst = host_addr::v4(ip->dst);
        c.ip_src = host_addr::v4(ip->src);
        on_ip(rec, *ip, i);
      } else if (const auto *v6 = std::get_if<ipv6_layer>(&l)) {
        if (!c.outer_src) c.outer_src = host_addr::ipv6(v6->src), c.outer_dst = host_addr::ipv6(v6->dst);
        c.ip_src = host_addr::ipv6(v6->src);
      } else if (const auto *m = std::get_if<icmpv6_layer>(&l)) {
        if (m->status == static_cast<std::uint8_t>(checksum_status::bad) && c.ip_src)
          bad_checksum(*c.ip_src, rec.number);
      } else if (const auto *u = std::get_if<udp_layer>(&l)) {
        if (u->status == checksum_status::bad && c.ip_src) bad_checksum(*c.ip_src, rec.number);
      } else if (const auto *t = std::get_if<tcp_layer>(&l)) {
        on_tcp(rec, *t, c);
      } else if (const auto *e = std::get_if<esp_layer>(&l)) {
        c.esp = e;
        on_esp(rec, *e);
      } else if (const auto *l2 = std::get_if<l2tp_layer>(&l)) {
        on_l2tp(rec, *l2, c);
      }
    }
  }

  void on_ip(const frame_record &rec, const ipv4_layer &ip, std::size_t index) {
    if (ip.status == checksum_status::bad) bad_checksum(host_addr::v4(ip.src), rec.number);
    if (ip.depth != 0) return;
    if (ip.more_fragments()) largest_fragment_ = std::max<std::size_t>(largest_fragment_, ip.total_length);
    for (const event &e : rec.events)
      if (e.what == event::kind::fragment_completed && e.layer_index == index) on_reassembled(rec, ip, index, e);
  }

  /// A datagram completed at the outermost IP layer: tunnel traffic
  /// (ESP, NAT-T or L2TP) fragmented after encapsulation.
  void on_reassembled(const frame_record &rec, const ipv4_layer &ip, std::size_t index, const event &e) {
    frag_flow f;
    f.src = ip.src;
    f.dst = ip.dst;
    const layer *next = index + 1 < rec.layers.size() ? &rec.layers[index + 1] : nullptr;
    const layer *after = index + 2 < rec.layers.size() ? &rec.layers[index + 2] : nullptr;
    if (next == nullptr) return;
    if (const auto *esp = std::get_if<esp_layer>(next)) {
      f.spi = esp->spi;
    } else if (const auto *u = std::get_if<udp_layer>(next)) {
      if (u->src_port == 4500 || u->dst_port == 4500) {
        f.natt = true;
        if (const auto *esp2 = after ? std::get_if<esp_layer>(after) : nullptr) f.spi = esp2->spi;
      } else if (u->src_port == 1701 || u->dst_port == 1701) {
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
    for (std::uint32_t k = 0; k < e.fragments.count; ++k)
      it->second.frames.add(rec.fragment_frames[e.fragments.first + k], keep_);
    it->second.datagrams.add(rec.number, keep_);
    it->second.largest_datagram = std::max<std::size_t>(it->second.largest_datagram, e.datagram_length);
  }

  void on_tcp(const frame_record &rec, const tcp_layer &t, const context &c) {
    if (t.status == checksum_status::bad && c.ip_src) bad_checksum(*c.ip_src, rec.number);
    if (t.syn() && t.mss && c.ip && syns_.size() < 4096)
      syns_.push_back({rec.number, c.ip->src, c.ip->dst, *t.mss, c.esp ? c.esp->spi : 0});
  }

  void on_esp(const frame_record &rec, const esp_layer &e) {
    esp_order(rec.number, e.spi, e.seq);
    secret_findings_.on_esp(rec.number, e);
    switch (e.state) {
    case esp_layer::payload_state::no_sa:
    case esp_layer::payload_state::no_backend:
      if (esp_no_sa_.size() < max_tracked || esp_no_sa_.count(e.spi)) esp_no_sa_[e.spi].add(rec.number, keep_);
      return;
    case esp_layer::payload_state::failed:
      if (rec.error && rec.error->layer == "esp") {
        if (rec.error->code == "replayed" || rec.error->code == "left_of_window")
          replay_[e.spi].add(rec.number, keep_);
        else if (rec.error->code == "icv_mismatch")
          icv_bad_[e.spi].add(rec.number, keep_);
      }
      return;
    case esp_layer::payload_state::decrypted: {
      auto &s = sa_seen_[e.spi];
      if (e.next_header == 4)
        s.tunnel = true;
      else
        s.transport = true;
      return;
    }
    case esp_layer::payload_state::not_captured: esp_cut_.add(rec.number, keep_); return;
    }
  }

  /// Sequence numbers on the wire, whether or not the packet can be
  /// decrypted (no keys, snap length): late arrivals and repeats per SPI.
  void esp_order(std::uint64_t frame, std::uint32_t spi, std::uint32_t seq) {
    auto it = esp_seq_.find(spi);
    if (it == esp_seq_.end()) {
      if (esp_seq_.size() >= max_tracked) return;
      it = esp_seq_.emplace(spi, esp_sequence{}).first;
      it->second.highest = seq;
      it->second.seen = 1;
      ++it->second.packets;
      return;
    }
    esp_sequence &s = it->second;
    ++s.packets;
    if (seq > s.highest) {
      const std::uint32_t shift = seq - s.highest;
      s.seen = shift >= 64 ? 1 : (s.seen << shift) | 1U;
      s.highest = seq;
      return;
    }
    const std::uint32_t behind = s.highest - seq;
    if (behind < 64 && (s.seen >> behind & 1U) != 0) {
      s.repeated.add(frame, keep_);
      return;
    }
    if (behind < 64) s.seen |= std::uint64_t{1} << behind;
    s.late.add(frame, keep_);
    s.max_displacement = std::max(s.max_displacement, behind);
  }

  void on_l2tp(const frame_record &rec, const l2tp_layer &l, const context &c) {
    const host_addr src = c.outer_src.value_or(host_addr{}), dst = c.outer_dst.value_or(host_addr{});
    if (l.control) {
      if (l.zlb()) return;
      ++control_messages_;
      if (l.message_type == 9 || l.message_type == 12) { // OCCN, ICCN: where AVP 39 belongs (§6.9, §6.12)
        call_connected_.add(rec.number, keep_);
        if (l.avps_cut && !l.seq_required) control_cut_.add(rec.number, keep_);
      }
      if (l.seq_required) seq_required_.add(rec.number, keep_);
      return;
    }
    on_l2tp_data(rec.number, rec.ts_ns, src, dst, l, c.esp ? c.esp->spi : 0);
  }

  void on_l2tp_data(std::uint64_t frame, std::int64_t ts, const host_addr &src, const host_addr &dst,
                    const l2tp_layer &l, std::uint32_t spi) {
    // Direction bookkeeping for RFC 2661 §5.4.
    const auto dir = std::make_pair(src, dst);
    if (dirs_.size() >= max_tracked && dirs_.find(dir) == dirs_.end()) return;
    auto &d = dirs_[dir];
    if (l.seq_bit) {
      d.sequenced.add(frame, keep_);
      // Did the other direction already send unsequenced data?
      auto back = dirs_.find(std::make_pair(dst, src));
      if (back != dirs_.end() && back->second.first_unsequenced != 0) d.sequenced_after_unsequenced.add(frame, keep_);
    } else if (d.first_unsequenced == 0) {
      d.first_unsequenced = frame;
    }
    if (spi != 0) {
      auto &s = sa_seen_[spi];
      s.l2tp = true;
      s.l2tp_seq = s.l2tp_seq || l.seq_bit;
      s.l2tp_length = s.l2tp_length || l.length_bit;
    }
    if (!l.seq_bit) return;
    const std::uint32_t key = (std::uint32_t{l.tunnel} << 16) | l.session;
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
      if (sessions_.size() >= max_tracked) return;
      it = sessions_.emplace(key, std::make_unique<session_stats>()).first;
      it->second->src = src;
      it->second->dst = dst;
    }
    session_stats &s = *it->second;
    const std::uint16_t ns = l.ns;
    s.packets.add(frame, keep_);
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
      s.late.add(frame, keep_);
      s.max_displacement = std::max(s.max_displacement, displacement);
      s.max_delay_ns = std::max(s.max_delay_ns, ts - earliest);
    }
    // What Linux with reorder timeout 0 would have done.
    if (!s.linux_rx.offer(ns)) s.strict_lost.add(frame, keep_);
  }

  void on_event(const event &e) {
    if (e.what == event::kind::fragment_not_captured) ++fragments_not_captured_;
    if (e.what != event::kind::drop) return;
    const std::uint32_t key = (std::uint32_t{e.tunnel} << 16) | e.session;
    auto &m = e.reason == "duplicate_held" || e.reason == "duplicate_delivered" ? dup_ : reorder_drop_;
    if (m.size() < max_tracked || m.count(key)) m[key].add(e.frame, keep_);
  }

  void bad_checksum(const host_addr &src, std::uint64_t frame) {
    if (bad_checksum_sources_.size() < max_tracked || bad_checksum_sources_.count(src))
      bad_checksum_sources_[src].add(frame, keep_);
    else
      ++bad_checksum_untracked_;
  }

  static std::string key_of(const issue &i) { return std::string(i.layer) + " " + std::string(i.code); }

  // ------------------------------------------------------------ state

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
    host_addr src, dst;
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
  struct esp_sequence {
    std::uint32_t highest = 0;
    std::uint64_t seen = 0; ///< bit k: highest - k arrived
    std::uint64_t packets = 0;
    std::uint32_t max_displacement = 0;
    evidence late, repeated;
  };
  struct issue_stats {
    evidence frames;
    std::size_t first_offset = 0;
    std::set<std::string> actions; ///< what the peer does (doctor_actions.hpp), a few distinct texts
  };

  // ------------------------------------------------------------ report

  static void heading(std::string &s, int &n, std::string_view severity, const std::string &title) {
    ++n;
    s += "\n[" + std::to_string(n) + "] " + std::string(severity) + ": " + title + "\n";
  }
  static void item(std::string &s, std::string_view label, const std::string &text) {
    s += "    " + std::string(label) + ": " + text + "\n";
  }

  void sequencing_findings(std::string &s, int &n) const {
    for (const auto &[dir, d] : dirs_) {
      if (d.sequenced.empty()) continue;
      if (seq_required_.empty()) {
        heading(s, n, "warning",
                "L2TP data from " + host_text(dir.first) + " to " + host_text(dir.second) +
                    " is sequenced, but no Sequencing Required AVP was sent");
        item(s, "evidence",
             std::to_string(d.sequenced.count()) + " data messages with Ns/Nr (frames " + d.sequenced.str() + ")" +
                 (call_connected_.empty() ? "; the capture holds no ICCN/OCCN (the call was set up before it started)"
                                          : "; ICCN/OCCN without AVP 39 in frames " + call_connected_.str()));
        if (!control_cut_.empty())
          item(s, "caveat",
               std::to_string(control_cut_.count()) + " ICCN/OCCN message(s) were cut by the snap length (frames " +
                   control_cut_.str() + "): AVP 39 may be among the bytes not captured");
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
                host_text(dir.first) + " keeps sequencing after receiving unsequenced data from " +
                    host_text(dir.second));
        item(s, "evidence",
             "unsequenced data from " + host_text(dir.second) + " at frame " +
                 std::to_string(back->second.first_unsequenced) + "; sequenced data after it in frames " +
                 d.sequenced_after_unsequenced.str());
        item(s, "why",
             "RFC 2661 section 5.4: a peer that receives data messages without sequence numbers stops "
             "sending them, unless it sent Sequencing Required");
        item(s, "fix", "fix the sender's L2TP implementation (or require sequencing on both sides with AVP 39)");
      }
    }
  }

  void reorder_findings(std::string &s, int &n) const {
    for (const auto &[key, st] : sessions_) {
      if (st->late.empty()) continue;
      const std::uint32_t tunnel = key >> 16, session = key & 0xFFFFU;
      // The smallest whole-millisecond timeout longer than the longest wait (a
      // packet is released once its wait reaches the timeout, so equal is too short).
      const std::int64_t ms = std::max<std::int64_t>(st->max_delay_ns / 1'000'000 + 1, 1);
      char delay[64];
      std::snprintf(delay, sizeof delay, "%.3f ms", static_cast<double>(st->max_delay_ns) / 1e6);
      heading(s, n, "critical",
              "L2TP packets reordered in tunnel " + std::to_string(tunnel) + " session " + std::to_string(session) +
                  " (" + host_text(st->src) + " to " + host_text(st->dst) + ")");
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
           "set the session's reorder timeout to at least " + std::to_string(ms) +
               " ms (pppol2tp_reorderto / PPPOL2TP_SO_REORDERTO = " + std::to_string(ms) +
               "), which would have delivered every packet; vpnwire decode --reorder timeout=" + std::to_string(ms) +
               " shows the result");
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

  void fragmentation_findings(std::string &s, int &n) const {
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
        const auto seen_it = sa_seen_.find(f.spi);
        const sa_seen seen = seen_it != sa_seen_.end() ? seen_it->second : sa_seen{};
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
          big.add(y.frame, keep_);
          worst = std::max(worst, y.mss);
        }
      }
      if (!big.empty()) {
        item(s, "TCP SYNs",
             std::to_string(big.count()) + " SYN(s) announce an MSS above " + std::to_string(lim->tcp_mss) +
                 " (up to " + std::to_string(worst) + "; frames " + big.str() +
                 "): their full-size segments are fragmented or lost");
      }
      if (auto syn6 = v6_.syn_item(lim->inner_mtu)) item(s, syn6->first, syn6->second);
      item(s, "fix",
           "clamp the TCP MSS to " + std::to_string(lim->tcp_mss) +
               " on the tunnel (e.g. iptables -t mangle "
               "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss " +
               std::to_string(lim->tcp_mss) + ") and set the tunnel MTU to " + std::to_string(lim->inner_mtu) +
               "; vpnwire mtu shows the per-layer overhead");
      if (exact)
        for (const auto &[label, text] : iptfs_fix_items(st, pmtu, f.src, f.dst, f.spi)) item(s, label, text);
    }
  }

  void esp_findings(std::string &s, int &n) const {
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
    for (const auto &[spi, q] : esp_seq_) {
      if (q.late.empty()) continue;
      heading(s, n, "warning", "ESP packets arrived out of order on SA spi " + hex(spi));
      item(s, "evidence",
           std::to_string(q.late.count()) + " of " + std::to_string(q.packets) +
               " packets arrived after a higher sequence number (frames " + q.late.str() + ")");
      item(s, "extent",
           "largest displacement " + std::to_string(q.max_displacement) +
               " packet(s): a receiver whose replay window is smaller than " + std::to_string(q.max_displacement + 1) +
               " drops them as too old");
      item(s, "fix",
           "find the reordering on the path (multipath, a load balancer), or widen the receiver's replay window");
    }
    for (const auto &[spi, q] : esp_seq_) {
      if (q.repeated.empty()) continue;
      heading(s, n, "warning", "repeated ESP sequence numbers on SA spi " + hex(spi));
      item(s, "evidence", std::to_string(q.repeated.count()) + " packets (frames " + q.repeated.str() + ")");
      item(s, "fix",
           "a duplicating path or a replay: the receiver's anti-replay check drops them (the capture may also "
           "hold the same packet twice, e.g. captured on two interfaces)");
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

  /// Bad checksums all sent by one host are that host's own traffic
  /// captured before its NIC filled the checksum in (checksum offload).
  void checksum_findings(std::string &s, int &n) const {
    if (bad_checksum_sources_.empty()) return;
    std::uint64_t total = bad_checksum_untracked_;
    for (const auto &[src, e] : bad_checksum_sources_) total += e.count();
    if (bad_checksum_sources_.size() == 1 && bad_checksum_untracked_ == 0) {
      const auto &[src, e] = *bad_checksum_sources_.begin();
      heading(s, n, "note", "bad checksums all come from " + host_text(src) + ": likely checksum offload");
      item(s, "evidence",
           std::to_string(total) + " IP/UDP/TCP/ICMPv6 checksums fail, every one in a packet from " + host_text(src) +
               " (frames " + e.str() + ")");
      item(s, "why",
           "a host that offloads checksums to its NIC hands the capture its packets before the checksum is "
           "filled in; the packets on the wire are fine. vpnwire decoded these packets in full");
      item(s, "fix",
           "nothing on the network; to capture final checksums, turn offload off on that host (ethtool -K IFACE "
           "tx off) or capture on another host");
      return;
    }
    std::string who;
    for (const auto &[src, e] : bad_checksum_sources_) who += (who.empty() ? "" : ", ") + host_text(src);
    heading(s, n, "warning", "bad checksums from " + std::to_string(bad_checksum_sources_.size()) + " hosts");
    item(s, "evidence", std::to_string(total) + " IP/UDP/TCP/ICMPv6 checksums fail, in packets from " + who);
    item(s, "fix",
         "checksums failing for several senders point at corruption on the path or a middlebox rewriting "
         "packets; the decoder warnings below list the frames");
  }

  void capture_findings(std::string &s, int &n, const run_summary &sum) const {
    if (cut_.empty()) return;
    heading(s, n, "note",
            std::to_string(cut_.count()) + " frames were cut by the capture's snap length (at most " +
                std::to_string(largest_snaplen_) + " bytes captured)");
    std::string where;
    for (const auto &[layer_name, e] : cut_layers_)
      where += (where.empty() ? "" : ", ") + std::to_string(e.count()) + " in " + layer_name;
    item(s, "evidence", "frames " + cut_.str() + (where.empty() ? "" : "; decoding stopped " + where));
    item(s, "impact",
         "headers wholly present were decoded and their sequence numbers analysed; " +
             std::to_string(sum.esp_not_captured) + " ESP packet(s) could not be decrypted and " +
             std::to_string(fragments_not_captured_) + " fragment(s) could not be reassembled for missing bytes" +
             (esp_cut_.empty() ? "" : " (ESP frames " + esp_cut_.str() + ")"));
    item(s, "fix", "capture with a larger snap length (tcpdump -s 0) to see payloads");
  }

  void issue_findings(std::string &s, int &n) const {
    for (const auto &[what, e] : issues_) {
      heading(s, n, "error", "malformed packets: " + what);
      item(s, "evidence",
           std::to_string(e.frames.count()) + " frames (frames " + e.frames.str() + "), first at byte offset " +
               std::to_string(e.first_offset) + " of the layer");
      for (const std::string &a : e.actions) item(s, "peer action", a);
      item(s, "fix", "vpnwire decode --json shows each frame's layers and the error object");
    }
    for (const auto &[what, e] : warning_issues_) {
      heading(s, n, "warning", "decoder warnings: " + what);
      item(s, "evidence",
           std::to_string(e.frames.count()) + " frames (frames " + e.frames.str() + "), first at byte offset " +
               std::to_string(e.first_offset) + " of the layer");
    }
  }

  static std::string hex(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
  }

  std::size_t keep_;
  doctor_ipv6 v6_;                      ///< the IPv6 findings (doctor_ipv6.hpp)
  esp_secret_findings secret_findings_; ///< --esp-secrets: unverified and deprecated SAs
  std::map<std::uint32_t, esp_sa_option> sa_opts_;
  pmtu_doctor pmtu_{keep_, sa_opts_}; ///< path-MTU black holes (doctor_pmtu.hpp)
  std::map<std::string, issue_stats> issues_, warning_issues_;
  std::map<std::string, evidence> cut_layers_;
  evidence cut_, esp_cut_;
  std::uint64_t largest_snaplen_ = 0;
  std::uint64_t fragments_not_captured_ = 0;
  std::size_t largest_fragment_ = 0;
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, bool>, frag_flow> frag_;
  std::map<std::uint32_t, evidence> esp_no_sa_, replay_, icv_bad_;
  std::map<std::uint32_t, esp_sequence> esp_seq_;
  std::map<std::uint32_t, sa_seen> sa_seen_;
  std::map<host_addr, evidence> bad_checksum_sources_;
  std::uint64_t bad_checksum_untracked_ = 0;
  std::vector<syn> syns_;
  std::map<std::pair<host_addr, host_addr>, direction> dirs_;
  std::map<std::uint32_t, std::unique_ptr<session_stats>> sessions_;
  std::map<std::uint32_t, evidence> reorder_drop_, dup_;
  evidence seq_required_, call_connected_, control_cut_;
  std::uint64_t control_messages_ = 0;
};

} // namespace vpnwire_cli
