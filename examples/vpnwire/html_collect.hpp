// What the HTML report draws, collected from the frame records while the
// capture streams (the fourth reader of record.hpp, beside text, JSON and
// doctor). Doctor decides the findings; this collector keeps the points
// behind them, with the same rules, so the picture and the text agree:
//
//  - per sequenced L2TP session: (arrival time, Ns) for every packet, the
//    late ones (a higher Ns arrived before, within doctor::lookback
//    arrivals) with their displacement and wait, and the packets a Linux
//    receiver with reorder timeout 0 would have dropped (doctor's model);
//  - per ESP SA: (arrival time, sequence number), late and repeated ones;
//  - per tunnel flow (outer source, destination, SPI or plain L2TP): a
//    histogram of outer IPv4/IPv6 sizes, unfragmented packets apart from
//    datagrams that arrived in fragments (counted at their reassembled size);
//  - TCP SYN MSS values; error and warning counts per layer and code; SAs
//    with and without keys; the capture's time span.
//
// Memory is bounded whatever the capture's length (html_limits): a series
// keeps its points raw up to raw_points, then folds them into at most
// `columns` columns (min/max sequence number per run of consecutive
// arrivals, merged pairwise as the capture grows); late/dropped marks are
// kept at a stride that doubles whenever `marks` is exceeded, so they stay
// spread over the whole capture. memory_used() <= memory_bound() always.
#pragma once

#include "doctor.hpp"
#include "doctor_addr.hpp"
#include "options.hpp"
#include "record.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

namespace vpnwire_cli {

/// The bounds of what the report keeps and draws.
struct html_limits {
  /// Points kept one by one per chart; above it the chart is aggregated.
  std::size_t raw_points = 2000;
  /// Columns of an aggregated chart (each: the sequence range of a run of arrivals).
  std::size_t columns = 512;
  /// Late, dropped or repeated packets marked per chart (sampled above it).
  std::size_t marks = 1000;
  /// L2TP sessions and ESP SAs charted (each); more are counted.
  std::size_t charts = 32;
  /// Tunnel flows with a size histogram; more are counted.
  std::size_t flows = 32;
  /// Rows of the error/warning table and distinct SYN MSS values kept.
  std::size_t rows = 256;
  /// ESP SAs listed in the summary.
  std::size_t sas = 256;
};

/// One packet of a sequence chart.
struct seq_point {
  enum : std::uint8_t { late = 1, dropped = 2, repeated = 4 };
  std::int64_t t = 0;    ///< arrival, ns since the capture's first frame
  std::int64_t seq = 0;  ///< sequence number (L2TP Ns unwrapped past 65535)
  std::int64_t wait = 0; ///< late: ns since the earliest higher number arrived
  std::uint32_t displacement = 0;
  std::uint8_t flags = 0;
};

/// A run of consecutive arrivals of an aggregated chart.
struct seq_column {
  std::int64_t t0 = 0, t1 = 0, lo = 0, hi = 0, max_wait = 0;
  std::uint32_t n = 0, late = 0, dropped = 0, repeated = 0;
};

/// The points of one chart, bounded (see the file comment).
class seq_series {
public:
  explicit seq_series(const html_limits &l) : lim_(l) {}

  void add(const seq_point &p) {
    ++total_;
    if (p.flags & seq_point::late) ++late_;
    if (p.flags & seq_point::dropped) ++dropped_;
    if (p.flags & seq_point::repeated) ++repeated_;
    max_wait_ = std::max(max_wait_, p.wait);
    max_displacement_ = std::max(max_displacement_, p.displacement);
    lo_ = total_ == 1 ? p.seq : std::min(lo_, p.seq);
    hi_ = total_ == 1 ? p.seq : std::max(hi_, p.seq);
    t_last_ = p.t;
    if (total_ == 1) t_first_ = p.t;
    if (p.flags & (seq_point::late | seq_point::repeated)) keep_mark(p);
    if (!aggregated_) {
      if (raw_.capacity() == 0) raw_.reserve(lim_.raw_points + 1);
      raw_.push_back(p);
      if (raw_.size() > lim_.raw_points) to_columns();
      return;
    }
    put(total_ - 1, p);
  }

  [[nodiscard]] bool aggregated() const noexcept { return aggregated_; }
  /// Every point, in arrival order (not aggregated only).
  [[nodiscard]] const std::vector<seq_point> &raw() const noexcept { return raw_; }
  /// The columns (aggregated only).
  [[nodiscard]] const std::vector<seq_column> &columns() const noexcept { return cols_; }
  /// Late and repeated points (aggregated: one in every mark_stride()).
  [[nodiscard]] const std::vector<seq_point> &marks() const noexcept { return marks_; }
  [[nodiscard]] std::uint64_t mark_stride() const noexcept { return stride_; }
  [[nodiscard]] std::uint64_t packets_per_column() const noexcept { return per_; }
  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t late() const noexcept { return late_; }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
  [[nodiscard]] std::uint64_t repeated() const noexcept { return repeated_; }
  [[nodiscard]] std::int64_t max_wait() const noexcept { return max_wait_; }
  [[nodiscard]] std::uint32_t max_displacement() const noexcept { return max_displacement_; }
  [[nodiscard]] std::int64_t seq_lo() const noexcept { return lo_; }
  [[nodiscard]] std::int64_t seq_hi() const noexcept { return hi_; }
  [[nodiscard]] std::int64_t t_first() const noexcept { return t_first_; }
  [[nodiscard]] std::int64_t t_last() const noexcept { return t_last_; }

  [[nodiscard]] std::size_t memory_used() const noexcept {
    return raw_.capacity() * sizeof(seq_point) + cols_.capacity() * sizeof(seq_column) +
           marks_.capacity() * sizeof(seq_point);
  }
  /// The most memory_used() can reach under `l`.
  [[nodiscard]] static std::size_t memory_bound(const html_limits &l) noexcept {
    return std::max((l.raw_points + 1) * sizeof(seq_point), l.columns * sizeof(seq_column)) +
           (l.marks + 1) * sizeof(seq_point);
  }

private:
  void keep_mark(const seq_point &p) {
    if (mark_seen_++ % stride_ != 0) return;
    if (marks_.capacity() == 0) marks_.reserve(lim_.marks + 1);
    marks_.push_back(p);
    if (marks_.size() <= lim_.marks) return;
    std::size_t k = 0;
    for (std::size_t i = 0; i < marks_.size(); i += 2) marks_[k++] = marks_[i];
    marks_.resize(k);
    stride_ *= 2;
  }

  static seq_column column_of(const seq_point &p) {
    seq_column c;
    c.t0 = c.t1 = p.t;
    c.lo = c.hi = p.seq;
    c.max_wait = p.wait;
    c.n = 1;
    c.late = (p.flags & seq_point::late) ? 1 : 0;
    c.dropped = (p.flags & seq_point::dropped) ? 1 : 0;
    c.repeated = (p.flags & seq_point::repeated) ? 1 : 0;
    return c;
  }
  static void merge(seq_column &a, const seq_column &b) {
    a.t0 = std::min(a.t0, b.t0);
    a.t1 = std::max(a.t1, b.t1);
    a.lo = std::min(a.lo, b.lo);
    a.hi = std::max(a.hi, b.hi);
    a.max_wait = std::max(a.max_wait, b.max_wait);
    a.n += b.n;
    a.late += b.late;
    a.dropped += b.dropped;
    a.repeated += b.repeated;
  }

  /// Column `index / per_` takes the point; folds pairs when full.
  void put(std::uint64_t index, const seq_point &p) {
    while (index / per_ >= lim_.columns) fold();
    const std::uint64_t b = index / per_;
    if (b >= cols_.size())
      cols_.push_back(column_of(p));
    else
      merge(cols_[b], column_of(p));
  }
  void fold() {
    std::size_t k = 0;
    for (std::size_t i = 0; i < cols_.size(); i += 2) {
      seq_column c = cols_[i];
      if (i + 1 < cols_.size()) merge(c, cols_[i + 1]);
      cols_[k++] = c;
    }
    cols_.resize(k);
    per_ *= 2;
  }
  void to_columns() {
    aggregated_ = true;
    cols_.reserve(std::max<std::size_t>(lim_.columns, 1));
    for (std::size_t i = 0; i < raw_.size(); ++i) put(i, raw_[i]);
    raw_.clear();
    raw_.shrink_to_fit();
  }

  html_limits lim_;
  std::vector<seq_point> raw_, marks_;
  std::vector<seq_column> cols_;
  bool aggregated_ = false;
  std::uint64_t per_ = 1, stride_ = 1, mark_seen_ = 0;
  std::uint64_t total_ = 0, late_ = 0, dropped_ = 0, repeated_ = 0;
  std::int64_t max_wait_ = 0, lo_ = 0, hi_ = 0, t_first_ = 0, t_last_ = 0;
  std::uint32_t max_displacement_ = 0;
};

/// Outer sizes of one tunnel flow, in 8-byte bins (fragment data comes in
/// multiples of 8, so the bins lose nothing that decides fragmentation).
struct size_histogram {
  static constexpr std::size_t bin_bytes = 8;
  static constexpr std::size_t bins = 65536 / bin_bytes;
  /// [bin][0]: unfragmented packets, [bin][1]: datagrams that arrived in fragments.
  std::vector<std::array<std::uint32_t, 2>> counts = std::vector<std::array<std::uint32_t, 2>>(bins);
  std::uint64_t packets = 0, fragmented = 0;
  std::uint32_t smallest = 0xFFFFFFFFU, largest = 0;
  void add(std::uint32_t size, bool was_fragmented) {
    size = std::min<std::uint32_t>(size, 65535);
    auto &c = counts[size / bin_bytes][was_fragmented ? 1 : 0];
    if (c != 0xFFFFFFFFU) ++c;
    ++packets;
    if (was_fragmented) ++fragmented;
    smallest = std::min(smallest, size);
    largest = std::max(largest, size);
  }
};

/// The collector (see the file comment). Feed it every record, in order.
class html_collector {
public:
  enum class flow_kind : std::uint8_t { esp, natt, l2tp };
  struct flow_key {
    host_addr src{}, dst{}; ///< outer addresses, IPv4 or IPv6
    std::uint32_t spi = 0;
    flow_kind kind = flow_kind::esp;
    friend auto operator<=>(const flow_key &, const flow_key &) = default;
  };
  struct l2tp_session {
    std::uint16_t tunnel = 0, session = 0;
    host_addr src{}, dst{};
    seq_series series;
  };
  struct esp_sa_chart {
    std::uint32_t spi = 0;
    host_addr src{}, dst{};
    seq_series series;
  };
  struct sa_totals {
    bool keyed = false; ///< an --esp-sa names the SPI
    std::uint64_t packets = 0, decrypted = 0, no_keys = 0, failed = 0, not_captured = 0;
  };
  /// One row of the error and warning table.
  struct count_row {
    std::uint64_t count = 0;
    std::vector<std::uint64_t> first_frames; ///< up to 5
  };
  /// (category, layer, code); category: checksum, replay, integrity, snaplen, malformed, warning.
  using row_key = std::tuple<std::string, std::string, std::string>;

  explicit html_collector(const decode_options &o, html_limits l = {}) : lim_(l) {
    for (const auto &s : o.sas) keyed_.insert(s.spi);
  }

  /// Reads one record (a frame, or the end-of-capture record).
  void add(const frame_record &rec) {
    if (rec.end_of_capture()) return;
    if (frames_ == 0) first_ts_ = rec.ts_ns;
    ++frames_;
    last_ts_ = std::max(last_ts_, rec.ts_ns);
    const std::int64_t t = rec.ts_ns - first_ts_;
    count_issues(rec);
    // The outermost IP layer, of either family.
    std::optional<outer_ip> outer;
    for (std::size_t i = 0; i < rec.layers.size(); ++i) {
      const layer &l = rec.layers[i];
      if (const auto *ip = std::get_if<ipv4_layer>(&l)) {
        if (!outer)
          outer = outer_ip{host_addr::v4(ip->src), host_addr::v4(ip->dst), ip->total_length, ip->is_fragment(), i};
      } else if (const auto *ip6 = std::get_if<ipv6_layer>(&l)) {
        if (!outer)
          outer = outer_ip{host_addr::ipv6(ip6->src), host_addr::ipv6(ip6->dst),
                           static_cast<std::uint32_t>(40U + ip6->payload_length), ip6->is_fragment(), i};
      } else if (const auto *e = std::get_if<esp_layer>(&l)) {
        on_esp(t, *e, outer);
      } else if (const auto *l2 = std::get_if<l2tp_layer>(&l)) {
        if (!l2->control && l2->seq_bit) on_l2tp(t, *l2, outer);
      } else if (const auto *tcp = std::get_if<tcp_layer>(&l)) {
        if (tcp->syn() && tcp->mss) on_syn(*tcp->mss);
      }
    }
    if (outer) on_outer(rec, *outer);
  }

  // ------------------------------------------------------------ what the page reads
  [[nodiscard]] const html_limits &limits() const noexcept { return lim_; }
  [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
  [[nodiscard]] std::int64_t first_ts() const noexcept { return first_ts_; }
  [[nodiscard]] std::int64_t span_ns() const noexcept { return frames_ ? last_ts_ - first_ts_ : 0; }
  [[nodiscard]] const std::map<std::uint32_t, std::unique_ptr<l2tp_session>> &sessions() const noexcept {
    return sessions_;
  }
  [[nodiscard]] const std::map<std::uint32_t, std::unique_ptr<esp_sa_chart>> &esp_charts() const noexcept {
    return esp_;
  }
  [[nodiscard]] const std::map<flow_key, std::unique_ptr<size_histogram>> &flows() const noexcept { return flows_; }
  [[nodiscard]] const std::map<std::uint32_t, sa_totals> &sas() const noexcept { return sas_; }
  [[nodiscard]] const std::map<std::uint16_t, std::uint64_t> &syn_mss() const noexcept { return syn_mss_; }
  [[nodiscard]] const std::map<row_key, count_row> &rows() const noexcept { return rows_; }
  /// What did not fit the limits: sessions, SAs, flows, SAs in the summary, table rows and MSS values.
  [[nodiscard]] std::uint64_t sessions_not_charted() const noexcept { return sessions_over_; }
  [[nodiscard]] std::uint64_t sas_not_charted() const noexcept { return esp_over_; }
  [[nodiscard]] std::uint64_t flows_not_charted() const noexcept { return flows_over_; }
  [[nodiscard]] std::uint64_t rows_not_kept() const noexcept { return rows_over_; }

  /// Heap bytes held now (vector capacities and map nodes, approximated from below by their payloads).
  [[nodiscard]] std::size_t memory_used() const noexcept {
    std::size_t m = 0;
    for (const auto &[k, s] : sessions_) m += sizeof(*s) + sizeof(l2tp_track) + s->series.memory_used();
    for (const auto &[k, s] : esp_) m += sizeof(*s) + sizeof(esp_track) + s->series.memory_used();
    for (const auto &[k, f] : flows_) m += sizeof(*f) + f->counts.capacity() * sizeof(f->counts[0]);
    m += sas_.size() * sizeof(sa_totals) + syn_mss_.size() * 16;
    for (const auto &[k, r] : rows_)
      m += sizeof(r) + r.first_frames.capacity() * 8 + std::get<0>(k).size() + std::get<1>(k).size() +
           std::get<2>(k).size();
    m += (over_sessions_.size() + over_esp_.size() + over_flows_.size()) * 64;
    return m;
  }
  /// The most memory_used() can reach under the limits (table keys counted at 96 bytes each).
  [[nodiscard]] std::size_t memory_bound() const noexcept {
    const std::size_t chart = seq_series::memory_bound(lim_);
    return lim_.charts * (sizeof(l2tp_session) + sizeof(l2tp_track) + chart) +
           lim_.charts * (sizeof(esp_sa_chart) + sizeof(esp_track) + chart) +
           lim_.flows * (sizeof(size_histogram) + size_histogram::bins * sizeof(std::array<std::uint32_t, 2>)) +
           lim_.sas * sizeof(sa_totals) + lim_.rows * 16 + lim_.rows * (sizeof(count_row) + 5 * 8 + 96) +
           3 * over_cap * 64;
  }

private:
  /// Distinct sessions, SAs and flows beyond the limits remembered (to count each once).
  static constexpr std::size_t over_cap = 4096;
  struct arrival {
    std::uint16_t ns = 0;
    std::int64_t ts = 0;
  };
  /// Doctor's reorder state for one session (doctor::on_l2tp_data), plus the unwrapped Ns.
  struct l2tp_track {
    std::array<arrival, doctor::lookback> ring{};
    std::size_t count = 0;
    std::uint16_t highest = 0;
    std::int64_t highest_ext = 0;
    doctor::linux_timeout0 linux_rx;
  };
  /// Doctor's ESP order state (doctor::esp_order).
  struct esp_track {
    std::uint32_t highest = 0;
    std::uint64_t seen = 0;
    bool started = false;
  };

  /// The outermost IP header of a frame: addresses, size, and where it is among the layers.
  struct outer_ip {
    host_addr src, dst;
    std::uint32_t size = 0; ///< total length (IPv6: 40 + payload length)
    bool fragment = false;
    std::size_t index = 0;
  };

  void on_l2tp(std::int64_t t, const l2tp_layer &l, const std::optional<outer_ip> &outer) {
    const std::uint32_t key = (std::uint32_t{l.tunnel} << 16) | l.session;
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
      if (sessions_.size() >= lim_.charts) {
        if (over_sessions_.size() < over_cap && over_sessions_.insert(key).second) ++sessions_over_;
        return;
      }
      auto s = std::make_unique<l2tp_session>(l2tp_session{l.tunnel, l.session, outer ? outer->src : host_addr{},
                                                           outer ? outer->dst : host_addr{}, seq_series(lim_)});
      it = sessions_.emplace(key, std::move(s)).first;
      l2tp_tracks_.emplace(key, std::make_unique<l2tp_track>());
    }
    l2tp_track &k = *l2tp_tracks_[key];
    const std::uint16_t ns = l.ns;
    seq_point p;
    p.t = t;
    // Unwrapped Ns: relative to the highest so far, in RFC 1982 order.
    const auto ahead = static_cast<std::int16_t>(static_cast<std::uint16_t>(ns - k.highest));
    p.seq = k.count == 0 ? ns : k.highest_ext + ahead;
    // doctor::on_l2tp_data's rule, step for step.
    const auto gap = static_cast<std::uint16_t>(k.highest - ns);
    const bool behind = k.count != 0 && gap != 0 && gap < 0x8000U;
    if (!behind) {
      k.highest = ns;
      k.highest_ext = p.seq;
    }
    const std::int64_t ts = t;
    std::int64_t earliest = ts;
    bool late = false;
    const std::size_t n = behind ? std::min<std::size_t>(k.count, doctor::lookback) : 0;
    for (std::size_t i = 0; i < n; ++i) {
      const arrival &a = k.ring[(k.count - 1 - i) % doctor::lookback];
      const auto diff = static_cast<std::uint16_t>(a.ns - ns);
      if (diff != 0 && diff < 0x8000U) {
        late = true;
        earliest = std::min(earliest, a.ts);
        p.displacement = std::max<std::uint32_t>(p.displacement, diff);
      }
    }
    k.ring[k.count % doctor::lookback] = arrival{ns, ts};
    ++k.count;
    if (late) {
      p.flags |= seq_point::late;
      p.wait = ts - earliest;
    }
    if (!k.linux_rx.offer(ns)) p.flags |= seq_point::dropped;
    it->second->series.add(p);
  }

  void on_esp(std::int64_t t, const esp_layer &e, const std::optional<outer_ip> &outer) {
    auto sit = sas_.find(e.spi);
    if (sit == sas_.end() && sas_.size() < lim_.sas)
      sit = sas_.emplace(e.spi, sa_totals{keyed_.count(e.spi) != 0}).first;
    if (sit != sas_.end()) {
      sa_totals &s = sit->second;
      ++s.packets;
      switch (e.state) {
      case esp_layer::payload_state::decrypted: ++s.decrypted; break;
      case esp_layer::payload_state::no_sa:
      case esp_layer::payload_state::no_backend: ++s.no_keys; break;
      case esp_layer::payload_state::failed: ++s.failed; break;
      case esp_layer::payload_state::not_captured: ++s.not_captured; break;
      }
    }
    auto it = esp_.find(e.spi);
    if (it == esp_.end()) {
      if (esp_.size() >= lim_.charts) {
        if (over_esp_.size() < over_cap && over_esp_.insert(e.spi).second) ++esp_over_;
        return;
      }
      it = esp_.emplace(e.spi, std::make_unique<esp_sa_chart>(esp_sa_chart{e.spi, outer ? outer->src : host_addr{},
                                                                           outer ? outer->dst : host_addr{},
                                                                           seq_series(lim_)}))
               .first;
      esp_tracks_.emplace(e.spi, esp_track{});
    }
    esp_track &s = esp_tracks_[e.spi];
    seq_point p;
    p.t = t;
    p.seq = e.seq;
    if (!s.started) {
      s.started = true;
      s.highest = e.seq;
      s.seen = 1;
    } else if (e.seq > s.highest) {
      const std::uint32_t shift = e.seq - s.highest;
      s.seen = shift >= 64 ? 1 : (s.seen << shift) | 1U;
      s.highest = e.seq;
    } else {
      const std::uint32_t behind = s.highest - e.seq;
      if (behind < 64 && (s.seen >> behind & 1U) != 0) {
        p.flags = seq_point::repeated;
      } else {
        if (behind < 64) s.seen |= std::uint64_t{1} << behind;
        p.flags = seq_point::late;
        p.displacement = behind;
      }
    }
    it->second->series.add(p);
  }

  void on_syn(std::uint16_t mss) {
    auto it = syn_mss_.find(mss);
    if (it != syn_mss_.end())
      ++it->second;
    else if (syn_mss_.size() < lim_.rows)
      syn_mss_.emplace(mss, 1);
  }

  /// The outer IPv4 or IPv6 packet of tunnel traffic, or the datagram its fragment completed.
  void on_outer(const frame_record &rec, const outer_ip &ip) {
    const std::size_t index = ip.index;
    std::uint32_t size = ip.size;
    bool fragmented = false;
    if (ip.fragment) {
      const event *done = nullptr;
      for (const event &e : rec.events)
        if (e.what == event::kind::fragment_completed && e.layer_index == index) done = &e;
      if (done == nullptr) return; // a fragment still waiting: counted with its datagram
      size = done->datagram_length;
      fragmented = true;
    }
    flow_key k;
    k.src = ip.src;
    k.dst = ip.dst;
    const layer *next = index + 1 < rec.layers.size() ? &rec.layers[index + 1] : nullptr;
    const layer *after = index + 2 < rec.layers.size() ? &rec.layers[index + 2] : nullptr;
    if (next == nullptr) return;
    if (const auto *esp = std::get_if<esp_layer>(next)) {
      k.spi = esp->spi;
    } else if (const auto *u = std::get_if<udp_layer>(next)) {
      if (u->src_port == 4500 || u->dst_port == 4500) {
        const auto *esp2 = after ? std::get_if<esp_layer>(after) : nullptr;
        if (esp2 == nullptr) return; // keepalives and IKE are not tunnel data
        k.kind = flow_kind::natt;
        k.spi = esp2->spi;
      } else if (u->src_port == 1701 || u->dst_port == 1701) {
        k.kind = flow_kind::l2tp;
      } else {
        return;
      }
    } else {
      return;
    }
    auto it = flows_.find(k);
    if (it == flows_.end()) {
      if (flows_.size() >= lim_.flows) {
        if (over_flows_.size() < over_cap && over_flows_.insert(k).second) ++flows_over_;
        return;
      }
      it = flows_.emplace(k, std::make_unique<size_histogram>()).first;
    }
    it->second->add(size, fragmented);
  }

  void count_issues(const frame_record &rec) {
    if (rec.error) {
      const std::string_view c = rec.error->code;
      const char *cat = rec.error->layer == "esp" && (c == "replayed" || c == "left_of_window") ? "replay"
                        : c == "icv_mismatch"                                                   ? "integrity"
                        : c.find("checksum") != std::string_view::npos                          ? "checksum"
                                                                                                : "malformed";
      row(cat, rec.error->layer, c, rec.number);
    }
    std::set<std::pair<std::string_view, std::string_view>> once;
    for (const issue &w : rec.warnings) {
      if (!once.emplace(w.layer, w.code).second) continue; // once per frame, as doctor counts
      const char *cat = w.code == cli_code::cut_by_snaplen                  ? "snaplen"
                        : w.code.find("checksum") != std::string_view::npos ? "checksum"
                                                                            : "warning";
      row(cat, w.layer, w.code, rec.number);
    }
  }
  void row(std::string_view cat, std::string_view layer_name, std::string_view code, std::uint64_t frame) {
    row_key key{std::string(cat), std::string(layer_name), std::string(code)};
    auto it = rows_.find(key);
    if (it == rows_.end()) {
      if (rows_.size() >= lim_.rows) {
        ++rows_over_;
        return;
      }
      it = rows_.emplace(std::move(key), count_row{}).first;
    }
    ++it->second.count;
    if (it->second.first_frames.size() < 5) it->second.first_frames.push_back(frame);
  }

  html_limits lim_;
  std::set<std::uint32_t> keyed_;
  std::uint64_t frames_ = 0;
  std::int64_t first_ts_ = 0, last_ts_ = 0;
  std::map<std::uint32_t, std::unique_ptr<l2tp_session>> sessions_;
  std::map<std::uint32_t, std::unique_ptr<l2tp_track>> l2tp_tracks_;
  std::map<std::uint32_t, std::unique_ptr<esp_sa_chart>> esp_;
  std::map<std::uint32_t, esp_track> esp_tracks_;
  std::map<flow_key, std::unique_ptr<size_histogram>> flows_;
  std::map<std::uint32_t, sa_totals> sas_;
  std::map<std::uint16_t, std::uint64_t> syn_mss_;
  std::map<row_key, count_row> rows_;
  std::set<std::uint32_t> over_sessions_, over_esp_;
  std::set<flow_key> over_flows_;
  std::uint64_t sessions_over_ = 0, esp_over_ = 0, flows_over_ = 0, rows_over_ = 0;
};

} // namespace vpnwire_cli
