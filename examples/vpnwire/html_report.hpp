// `vpnwire doctor --html FILE`: one self-contained HTML page (inline SVG and
// CSS, no script, no font, nothing fetched: a Content-Security-Policy of
// default-src 'none' makes the browser refuse any fetch) holding
//  - the capture summary (frames, time span, SAs with and without keys) and
//    the command line that produced the page;
//  - every finding of the text report with all its evidence lines, and for
//    the kinds drawn here, the picture that shows it:
//      reordered L2TP session    Ns against arrival time, late packets marked
//                                with their displacement, a band where a
//                                timeout-0 receiver drops, the waits against
//                                the recommended timeout line;
//      ESP out of order/repeated sequence number against arrival time;
//      fragmentation             outer size histogram per SA and direction
//                                with path MTU and inner MTU lines and the
//                                fragmented datagrams marked; TCP SYN MSS
//                                values against the recommended clamp;
//      malformed/checksum/...    the rows of the count table it concerns;
//  - the error, warning, checksum and replay counts per layer and code.
//
// The findings are doctor's text report parsed back (parse_doctor_report):
// the text is the single source, so a finding kind added to doctor.hpp shows
// up here with its evidence without any change to this file; only a picture
// needs code here. Numbers drawn as lines (path MTU, inner MTU, clamp,
// timeout) are read from the finding's text, so the page draws what doctor
// prints. The points come from html_collector (html_collect.hpp).
//
// Scale: a chart draws its points one by one up to html_limits::raw_points
// (default 2000) arrivals; above that it draws html_limits::columns columns
// (the Ns range of each run of consecutive arrivals) and at most
// html_limits::marks marked packets, and says so under the chart. A page
// therefore holds a bounded number of SVG elements whatever the capture's size.
#pragma once

#include "html_collect.hpp"
#include "summary.hpp"
#include "svg.hpp"

#include "vpnwire/version.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpnwire_cli {

/// One finding of doctor's text report.
struct report_finding {
  int number = 0;
  std::string severity; ///< critical, error, warning, note
  std::string title;
  std::vector<std::pair<std::string, std::string>> items; ///< (label, text) in order
};

/// Doctor's text report as data.
struct parsed_doctor_report {
  std::string headline; ///< "vpnwire doctor: N frames, ..."
  std::vector<report_finding> findings;
  std::string closing; ///< "N finding(s)." or "No problems found."
};

/// Parses doctor::report()'s text: "[N] severity: title" opens a finding,
/// "    label: text" adds an item, any other indented line continues the
/// previous item, blank lines separate. Never fails: a line it does not
/// recognise is kept as an item without a label.
[[nodiscard]] inline parsed_doctor_report parse_doctor_report(std::string_view text) {
  parsed_doctor_report r;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    if (line.starts_with("vpnwire doctor:")) {
      r.headline = std::string(line);
      continue;
    }
    if (line.front() == '[') {
      const std::size_t close = line.find("] ");
      const std::size_t colon = close == std::string_view::npos ? close : line.find(": ", close);
      bool digits = close != std::string_view::npos && close > 1 && close <= 9; // fits an int
      for (std::size_t i = 1; digits && i < close; ++i) digits = line[i] >= '0' && line[i] <= '9';
      if (digits && colon != std::string_view::npos) {
        report_finding f;
        f.number = std::stoi(std::string(line.substr(1, close - 1)));
        f.severity = std::string(line.substr(close + 2, colon - close - 2));
        f.title = std::string(line.substr(colon + 2));
        r.findings.push_back(std::move(f));
        continue;
      }
    }
    if (line.starts_with("    ") && !r.findings.empty()) {
      const std::string_view body = line.substr(4);
      const std::size_t colon = body.find(": ");
      if (colon != std::string_view::npos && colon < 40)
        r.findings.back().items.emplace_back(std::string(body.substr(0, colon)), std::string(body.substr(colon + 2)));
      else
        r.findings.back().items.emplace_back(std::string(), std::string(body));
      continue;
    }
    if (r.findings.empty() || line.find("finding(s).") != std::string_view::npos || line == "No problems found.")
      r.closing = std::string(line);
    else
      r.findings.back().items.emplace_back(std::string(), std::string(line));
  }
  return r;
}

/// What the page says about how it was made.
struct html_page_info {
  std::string capture;      ///< the capture's path
  std::string command_line; ///< the command as typed (argv joined)
};

namespace html_detail {

/// The first unsigned number in `s` at or after `from` (-1 when none).
inline long long number_after(std::string_view s, std::string_view anchor) {
  std::size_t p = anchor.empty() ? 0 : s.find(anchor);
  if (p == std::string_view::npos) return -1;
  p += anchor.size();
  while (p < s.size() && (s[p] < '0' || s[p] > '9')) ++p;
  if (p >= s.size()) return -1;
  long long v = 0;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9' && v < (1LL << 40)) v = v * 10 + (s[p++] - '0');
  return v;
}
/// "a.b.c.d" starting at s[p] to a host-order address (0 when it is not one).
/// The address written at `p` (dotted IPv4, or IPv6 text up to the next
/// space); a zero IPv4 address when there is none.
inline host_addr address_at(std::string_view s, std::size_t p) {
  if (p >= s.size()) return {};
  std::size_t end = s.find(' ', p);
  if (end == std::string_view::npos) end = s.size();
  const std::string text(s.substr(p, end - p));
  if (text.size() >= INET6_ADDRSTRLEN) return {};
  host_addr h;
  if (text.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, text.c_str(), h.bytes.data()) != 1) return {};
    h.v6 = true;
    return h;
  }
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, text.c_str(), v4.data()) != 1) return {};
  for (std::size_t i = 0; i < 4; ++i) h.bytes[i] = std::byte{v4[i]};
  return h;
}
inline std::uint32_t hex_after(std::string_view s, std::string_view anchor) {
  const std::size_t p = s.find(anchor);
  if (p == std::string_view::npos) return 0;
  std::uint32_t v = 0;
  for (std::size_t i = p + anchor.size(); i < s.size(); ++i) {
    const char c = s[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    v = (v << 4) | static_cast<std::uint32_t>(d);
  }
  return v;
}
inline const std::string *item(const report_finding &f, std::string_view label) {
  for (const auto &[l, t] : f.items)
    if (l.starts_with(label)) return &t;
  return nullptr;
}
inline std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}
inline std::string u(std::uint64_t v) { return std::to_string(v); }
inline std::string ms(std::int64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f ms", static_cast<double>(ns) / 1e6);
  return b;
}
inline std::string seconds(std::int64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6f s", static_cast<double>(ns) / 1e9);
  return b;
}

constexpr std::string_view style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:980px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin:.2em 0}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.5em;border:1px solid #ddd}
.finding{border-left:6px solid #999;padding:.4em .8em;margin:1em 0;background:#fcfcfc}
.sev-critical{border-color:#c0392b}.sev-error{border-color:#8e44ad}.sev-warning{border-color:#e67e22}.sev-note{border-color:#2980b9}
.sev{font-weight:bold;text-transform:uppercase;font-size:.8em;padding:1px 6px;border-radius:3px;color:#fff;background:#999}
.sev-critical .sev{background:#c0392b}.sev-error .sev{background:#8e44ad}.sev-warning .sev{background:#e67e22}.sev-note .sev{background:#2980b9}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:.4em 0}dt{font-weight:bold}dd{margin:0}
.note{color:#555;font-size:.9em}svg{display:block;margin:.5em 0;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .grid{stroke:#e4e4e4}svg .frame{fill:none;stroke:#888}
svg .pts{stroke:#2c6fbb;stroke-width:3;stroke-linecap:round;fill:none}
svg .col{stroke:#2c6fbb;stroke-width:2}svg .late{fill:#d62728;stroke:#7a0c0c;stroke-width:.6}
svg .repeated{fill:#9467bd}svg .band-timeout0{fill:#f5b7b1;opacity:.55}
svg .wait{fill:#d62728}svg .timeout-line{stroke:#1e8449;stroke-width:2;stroke-dasharray:6 3}
svg .bar.whole{fill:#5b9bd5}svg .bar.fragmented{fill:#d62728}
svg .mtu-line{stroke-width:2;stroke-dasharray:6 3}svg .path-mtu{stroke:#c0392b}svg .inner-mtu{stroke:#1e8449}
svg .clamp-line{stroke:#1e8449;stroke-width:2;stroke-dasharray:6 3}svg .syn.ok{fill:#5b9bd5}svg .syn.above{fill:#d62728}
svg .legend text{font-size:11px}svg text.line-label{paint-order:stroke;stroke:#fff;stroke-width:3px}svg .key-arrival{fill:#2c6fbb}
)";

// ------------------------------------------------------------ pictures

/// The x axis in milliseconds or seconds, whichever reads better.
struct time_axis {
  double unit = 1e6; ///< ns per axis unit
  const char *name = "arrival time (ms since the first frame)";
  explicit time_axis(std::int64_t span_ns) {
    if (span_ns > 20'000'000'000LL) {
      unit = 1e9;
      name = "arrival time (s since the first frame)";
    }
  }
};

inline void legend(std::string &s, double x, double y, const std::vector<std::pair<std::string, std::string>> &keys) {
  s += "<g class=\"legend\">";
  for (const auto &[cls, text] : keys) {
    s += "<rect class=\"key " + cls + "\" x=\"" + svg::num(x) + "\" y=\"" + svg::num(y - 8) +
         "\" width=\"10\" height=\"10\"/><text x=\"" + svg::num(x + 14) + "\" y=\"" + svg::num(y + 1) + "\">";
    svg::escape(s, text);
    s += "</text>";
    x += 22 + 6.2 * static_cast<double>(text.size());
  }
  s += "</g>";
}

/// Sequence number against arrival time (L2TP Ns or ESP sequence number).
/// `timeout_ms` >= 0 draws the waits strip with the recommended timeout line.
inline void sequence_chart(std::string &s, const seq_series &q, std::string_view kind, std::string_view id,
                           std::string_view seq_name, bool timeout0_band, long long timeout_ms) {
  using svg::num;
  const time_axis ta(q.t_last() - q.t_first());
  svg::plot p;
  p.height = 290;
  p.bottom = 62;
  const double t0 = static_cast<double>(q.t_first()) / ta.unit;
  double t1 = static_cast<double>(q.t_last()) / ta.unit;
  if (t1 <= t0) t1 = t0 + 1;
  p.fit(t0, t1, static_cast<double>(q.seq_lo()), static_cast<double>(q.seq_hi()));
  const auto xt = svg::ticks(t0, t1, 8),
             yt = svg::ticks(static_cast<double>(q.seq_lo()), static_cast<double>(q.seq_hi()), 6);
  auto X = [&](std::int64_t t) { return p.x(static_cast<double>(t) / ta.unit); };
  auto Y = [&](std::int64_t v) { return p.y(static_cast<double>(v)); };
  std::string attrs = "data-kind=\"" + std::string(kind) + "\" data-id=\"" + svg::escaped(id) + "\" data-packets=\"" +
                      u(q.total()) + "\" data-late=\"" + u(q.late()) + "\" data-dropped=\"" + u(q.dropped()) +
                      "\" data-repeated=\"" + u(q.repeated()) + "\" data-aggregated=\"" + (q.aggregated() ? "1" : "0") +
                      "\"";
  svg::open(s, p, "chart seq", attrs, std::string(seq_name) + " against arrival time, " + std::string(id));
  svg::axes(s, p, ta.name, seq_name, xt, yt);
  // The timeout-0 band: where such a receiver drops (runs of dropped arrivals).
  if (timeout0_band) {
    s += "<g class=\"bands\">";
    auto band = [&](std::int64_t a, std::int64_t b, std::uint64_t count) {
      const double x0 = X(a) - 2, x1 = X(b) + 2;
      s += "<rect class=\"band-timeout0\" data-count=\"" + u(count) + "\" x=\"" + num(x0) + "\" y=\"" + num(p.y_min()) +
           "\" width=\"" + num(x1 - x0) + "\" height=\"" + num(p.y_max() - p.y_min()) + "\"/>";
    };
    if (!q.aggregated()) {
      const auto &r = q.raw();
      for (std::size_t i = 0; i < r.size();) {
        if (!(r[i].flags & seq_point::dropped)) {
          ++i;
          continue;
        }
        std::size_t j = i;
        while (j + 1 < r.size() && (r[j + 1].flags & seq_point::dropped)) ++j;
        band(r[i].t, r[j].t, j - i + 1);
        i = j + 1;
      }
    } else {
      for (const seq_column &c : q.columns())
        if (c.dropped) band(c.t0, c.t1, c.dropped);
    }
    s += "</g>";
  }
  // Every arrival: dots (one path) or columns.
  if (!q.aggregated()) {
    s += "<path class=\"pts\" data-count=\"" + u(q.raw().size()) + "\" d=\"";
    for (const seq_point &pt : q.raw()) s += "M" + num(X(pt.t)) + " " + num(Y(pt.seq)) + "h0";
    s += "\"/>";
  } else {
    s += "<path class=\"col\" data-count=\"" + u(q.columns().size()) + "\" d=\"";
    for (const seq_column &c : q.columns()) {
      const double x = X(c.t0 / 2 + c.t1 / 2);
      const double y0 = Y(c.lo), y1 = std::min(Y(c.hi), y0 - 1.5);
      s += "M" + num(x) + " " + num(y0) + "V" + num(y1);
    }
    s += "\"/>";
  }
  // Late and repeated packets: a marker each, with its displacement.
  const std::vector<seq_point> &marked = q.aggregated() ? q.marks() : q.raw();
  s += "<g class=\"marks\">";
  for (const seq_point &pt : marked) {
    if (!(pt.flags & (seq_point::late | seq_point::repeated))) continue;
    const double x = X(pt.t), y = Y(pt.seq);
    const bool late = (pt.flags & seq_point::late) != 0;
    s += std::string("<path class=\"") + (late ? "late" : "repeated") + "\" data-seq=\"" + std::to_string(pt.seq) +
         "\" data-displacement=\"" + u(pt.displacement) + "\" d=\"M" + num(x) + " " + num(y - 5) +
         "l4.5 8h-9z\"><title>" + (late ? "late: " : "repeated: ") + std::string(seq_name) + " " +
         std::to_string(pt.seq) +
         (late ? ", displacement " + u(pt.displacement) + (pt.wait ? ", waited " + ms(pt.wait) : "") : "") +
         "</title></path>";
  }
  s += "</g>";
  std::vector<std::pair<std::string, std::string>> keys{{"key-arrival", "arrival"},
                                                        {"late", "late (after a higher number)"}};
  if (q.repeated()) keys.emplace_back("repeated", "repeated");
  if (timeout0_band) keys.emplace_back("band-timeout0", "dropped by a timeout-0 receiver");
  legend(s, p.x_min(), p.height - 8, keys);
  s += "</svg>";

  if (timeout_ms >= 0 && q.late() != 0) {
    // The waits of late packets against the recommended timeout.
    svg::plot w;
    w.height = 170;
    double wmax = std::max(static_cast<double>(q.max_wait()) / 1e6, static_cast<double>(timeout_ms)) * 1.15;
    if (wmax <= 0) wmax = 1;
    w.fit(t0, t1, 0, wmax, false);
    svg::open(s, w, "chart waits", "data-kind=\"" + std::string(kind) + "\" data-id=\"" + svg::escaped(id) + "\"",
              "how long each late packet waited, against the recommended reorder timeout");
    svg::axes(s, w, ta.name, "wait (ms)", xt, svg::ticks(0, wmax, 4));
    s += "<g class=\"marks\">";
    auto bar = [&](std::int64_t t, std::int64_t wait) {
      const double x = p.x(static_cast<double>(t) / ta.unit), y = w.y(static_cast<double>(wait) / 1e6);
      s += "<rect class=\"wait\" data-wait-ns=\"" + std::to_string(wait) + "\" x=\"" + num(x - 1.5) + "\" y=\"" +
           num(y) + "\" width=\"3\" height=\"" + num(std::max(w.y_max() - y, 1.0)) + "\"/>";
    };
    if (!q.aggregated()) {
      for (const seq_point &pt : q.raw())
        if (pt.flags & seq_point::late) bar(pt.t, pt.wait);
    } else {
      for (const seq_column &c : q.columns())
        if (c.late) bar(c.t0 / 2 + c.t1 / 2, c.max_wait);
    }
    s += "</g>";
    const double ty = w.y(static_cast<double>(timeout_ms));
    s += "<line class=\"timeout-line\" data-ms=\"" + std::to_string(timeout_ms) + "\" x1=\"" + num(w.x_min()) +
         "\" x2=\"" + num(w.x_max()) + "\" y1=\"" + num(ty) + "\" y2=\"" + num(ty) + "\"/><text x=\"" +
         num(w.x_max() - 4) + "\" y=\"" + num(ty - 4) +
         "\" class=\"line-label\" text-anchor=\"end\">recommended reorder timeout " + std::to_string(timeout_ms) +
         " ms</text></svg>";
  }
  s += "<p class=\"note\">" + u(q.total()) + " packets, " + u(q.late()) + " late (largest displacement " +
       u(q.max_displacement()) + ")" + (q.repeated() ? ", " + u(q.repeated()) + " repeated" : "") +
       (timeout0_band ? ", " + u(q.dropped()) + " dropped by a timeout-0 receiver" : "") + ".";
  if (q.aggregated())
    s += " Aggregated: " + u(q.columns().size()) + " columns of up to " + u(q.packets_per_column()) +
         " consecutive arrivals; one marked packet in every " + u(q.mark_stride()) + " is drawn (" +
         u(q.marks().size()) + " marks).";
  s += "</p>";
}

/// Outer size histogram of one flow, with the MTU lines (values < 0: none).
inline void size_chart(std::string &s, const size_histogram &h, std::string_view id, long long path_mtu,
                       long long inner_mtu) {
  using svg::num;
  if (h.packets == 0) return;
  const std::size_t lo_bin = h.smallest / size_histogram::bin_bytes, hi_bin = h.largest / size_histogram::bin_bytes;
  double lo = static_cast<double>(lo_bin * size_histogram::bin_bytes);
  double hi = static_cast<double>((hi_bin + 3) * size_histogram::bin_bytes);
  for (const long long v : {path_mtu, inner_mtu})
    if (v >= 0) {
      lo = std::min(lo, static_cast<double>(v) - 16);
      hi = std::max(hi, static_cast<double>(v) + 16);
    }
  lo = std::max(lo, 0.0);
  // Wide ranges group the 8-byte bins so at most ~120 bars are drawn.
  const std::size_t span_bins = static_cast<std::size_t>((hi - lo) / size_histogram::bin_bytes) + 1;
  const std::size_t group = std::max<std::size_t>(1, (span_bins + 119) / 120);
  struct bar_t {
    std::size_t first;
    std::uint64_t whole = 0, frag = 0;
  };
  std::vector<bar_t> bars;
  std::uint64_t top = 1;
  for (std::size_t b = lo_bin; b <= hi_bin; b += group) {
    bar_t br{b};
    for (std::size_t k = b; k < std::min(b + group, size_histogram::bins); ++k) {
      br.whole += h.counts[k][0];
      br.frag += h.counts[k][1];
    }
    if (br.whole + br.frag == 0) continue;
    top = std::max(top, br.whole + br.frag);
    bars.push_back(br);
  }
  svg::plot p;
  p.height = 260;
  p.bottom = 62;
  p.fit(lo, hi, 0, static_cast<double>(top) * 1.1, false);
  svg::open(s, p, "chart sizes",
            "data-flow=\"" + svg::escaped(id) + "\" data-packets=\"" + u(h.packets) + "\" data-fragmented=\"" +
                u(h.fragmented) + "\"",
            "outer IP packet sizes, " + std::string(id));
  svg::axes(s, p, "outer IP packet size (bytes; a fragmented datagram at its reassembled size)", "packets",
            svg::ticks(lo, hi, 8), svg::ticks(0, static_cast<double>(top) * 1.1, 4));
  const double bw = static_cast<double>(group * size_histogram::bin_bytes);
  for (const bar_t &br : bars) {
    const double x0 = p.x(static_cast<double>(br.first * size_histogram::bin_bytes));
    const double x1 = std::max(p.x(static_cast<double>(br.first * size_histogram::bin_bytes) + bw), x0 + 2);
    double base = p.y_max();
    for (int f = 0; f < 2; ++f) {
      const std::uint64_t n = f ? br.frag : br.whole;
      if (n == 0) continue;
      const double hgt = p.y_max() - p.y(static_cast<double>(n));
      s += std::string("<rect class=\"bar ") + (f ? "fragmented" : "whole") + "\" data-size=\"" +
           u(br.first * size_histogram::bin_bytes) + "\" data-count=\"" + u(n) + "\" x=\"" + num(x0) + "\" y=\"" +
           num(base - hgt) + "\" width=\"" + num(x1 - x0 - 0.5) + "\" height=\"" + num(hgt) + "\"><title>" + u(n) +
           (f ? " fragmented datagram(s) of " : " packet(s) of ") + u(br.first * size_histogram::bin_bytes) + ".." +
           u(br.first * size_histogram::bin_bytes + group * size_histogram::bin_bytes - 1) + " bytes</title></rect>";
      base -= hgt;
    }
  }
  auto vline = [&](const char *cls, long long v, const std::string &text, bool lower) {
    const double x = p.x(static_cast<double>(v));
    s += std::string("<line class=\"mtu-line ") + cls + "\" data-bytes=\"" + std::to_string(v) + "\" x1=\"" + num(x) +
         "\" x2=\"" + num(x) + "\" y1=\"" + num(p.y_min()) + "\" y2=\"" + num(p.y_max()) + "\"/><text x=\"" +
         num(x - 4) + "\" y=\"" + num(p.y_min() + (lower ? 26 : 12)) + "\" class=\"line-label\" text-anchor=\"end\">" +
         text + "</text>";
  };
  if (path_mtu >= 0) vline("path-mtu", path_mtu, "path MTU " + std::to_string(path_mtu), true);
  if (inner_mtu >= 0) vline("inner-mtu", inner_mtu, "inner MTU " + std::to_string(inner_mtu), false);
  legend(s, p.x_min(), p.height - 8,
         {{"bar whole", "unfragmented packets"}, {"bar fragmented", "datagrams that arrived in fragments"}});
  s += "</svg>";
}

/// TCP SYN MSS values (count per value) against the recommended clamp.
inline void mss_chart(std::string &s, const std::map<std::uint16_t, std::uint64_t> &mss, long long clamp) {
  using svg::num;
  if (mss.empty()) return;
  double lo = mss.begin()->first, hi = mss.rbegin()->first;
  if (clamp >= 0) {
    lo = std::min(lo, static_cast<double>(clamp));
    hi = std::max(hi, static_cast<double>(clamp));
  }
  lo -= 40;
  hi += 40;
  std::uint64_t top = 1, above = 0;
  for (const auto &[v, n] : mss) {
    top = std::max(top, n);
    if (clamp >= 0 && v > clamp) above += n;
  }
  svg::plot p;
  p.height = 170;
  p.fit(std::max(lo, 0.0), hi, 0, static_cast<double>(top) * 1.2, false);
  svg::open(s, p, "chart mss", "data-clamp=\"" + std::to_string(clamp) + "\" data-above=\"" + u(above) + "\"",
            "TCP SYN MSS values against the recommended clamp");
  svg::axes(s, p, "MSS announced in TCP SYNs (bytes)", "SYNs", svg::ticks(std::max(lo, 0.0), hi, 8),
            svg::ticks(0, static_cast<double>(top) * 1.2, 3));
  for (const auto &[v, n] : mss) {
    const bool big = clamp >= 0 && v > clamp;
    const double x = p.x(v), y = p.y(static_cast<double>(n));
    s += std::string("<rect class=\"syn ") + (big ? "above" : "ok") + "\" data-mss=\"" + u(v) + "\" data-count=\"" +
         u(n) + "\" x=\"" + num(x - 3) + "\" y=\"" + num(y) + "\" width=\"6\" height=\"" + num(p.y_max() - y) +
         "\"><title>" + u(n) + " SYN(s) with MSS " + u(v) + "</title></rect>";
  }
  if (clamp >= 0) {
    const double x = p.x(static_cast<double>(clamp));
    s += "<line class=\"clamp-line\" data-mss=\"" + std::to_string(clamp) + "\" x1=\"" + num(x) + "\" x2=\"" + num(x) +
         "\" y1=\"" + num(p.y_min()) + "\" y2=\"" + num(p.y_max()) + "\"/><text x=\"" + num(x - 4) + "\" y=\"" +
         num(p.y_min() + 12) + "\" class=\"line-label\" text-anchor=\"end\">clamp " + std::to_string(clamp) + "</text>";
  }
  s += "</svg>";
}

inline std::string flow_name(const html_collector::flow_key &k) {
  std::string n = host_text(k.src) + " \xE2\x86\x92 " + host_text(k.dst) + ", ";
  switch (k.kind) {
  case html_collector::flow_kind::esp: n += "ESP SA spi " + hex32(k.spi); break;
  case html_collector::flow_kind::natt: n += "ESP SA spi " + hex32(k.spi) + " (NAT-T)"; break;
  case html_collector::flow_kind::l2tp: n += "L2TP over UDP"; break;
  }
  return n;
}

inline void count_table(std::string &s, const html_collector &c, std::string_view only_category,
                        std::string_view only_layer, std::string_view only_code) {
  std::string rows;
  for (const auto &[k, r] : c.rows()) {
    const auto &[cat, layer_name, code] = k;
    if (!only_category.empty() && cat != only_category) continue;
    if (!only_layer.empty() && layer_name != only_layer) continue;
    if (!only_code.empty() && code != only_code) continue;
    std::string frames;
    for (const auto f : r.first_frames) frames += (frames.empty() ? "" : ", ") + u(f);
    if (r.count > r.first_frames.size()) frames += ", \xE2\x80\xA6";
    rows += "<tr><td>" + svg::escaped(cat) + "</td><td>" + svg::escaped(layer_name) + "</td><td>" + svg::escaped(code) +
            "</td><td class=\"n\">" + u(r.count) + "</td><td>" + frames + "</td></tr>";
  }
  if (rows.empty()) return;
  s += "<table class=\"counts\"><tr><th>kind</th><th>layer</th><th>code</th><th>frames</th><th>first "
       "frames</th></tr>" +
       rows + "</table>";
}

} // namespace html_detail

/// The page. `report` is doctor's text report for the same records.
[[nodiscard]] inline std::string render_html_report(const std::string &report, const html_collector &c,
                                                    const run_summary &sum, const html_page_info &info) {
  using namespace html_detail;
  const parsed_doctor_report r = parse_doctor_report(report);
  const html_limits &lim = c.limits();
  std::string s;
  s.reserve(64 * 1024);
  s += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
       "<meta name=\"viewport\" content=\"width=device-width\"><meta name=\"generator\" "
       "content=\"vpnwire " VPNWIRE_VERSION_STRING "\"><title>vpnwire doctor: ";
  svg::escape(s, info.capture);
  s += "</title><style>";
  s += style;
  s += "</style></head><body>\n<h1>vpnwire doctor: ";
  svg::escape(s, info.capture);
  s += "</h1>\n";

  // ---- summary
  std::uint64_t keyed = 0, unkeyed = 0;
  std::string sa_rows;
  for (const auto &[spi, t] : c.sas()) {
    (t.keyed ? keyed : unkeyed) += 1;
    sa_rows += "<tr><td>" + hex32(spi) + "</td><td>" + (t.keyed ? "yes" : "no") + "</td><td class=\"n\">" +
               u(t.packets) + "</td><td class=\"n\">" + u(t.decrypted) + "</td><td class=\"n\">" + u(t.no_keys) +
               "</td><td class=\"n\">" + u(t.failed) + "</td><td class=\"n\">" + u(t.not_captured) + "</td></tr>";
  }
  s += "<section id=\"summary\"><h2>Capture</h2><table class=\"summary\">";
  s += "<tr><th>capture</th><td>" + svg::escaped(info.capture) + "</td></tr>";
  s += "<tr><th>frames</th><td class=\"n\" id=\"frames\">" + u(sum.frames) + "</td></tr>";
  s += "<tr><th>bytes captured</th><td class=\"n\">" + u(sum.bytes) + "</td></tr>";
  s += "<tr><th>time span</th><td class=\"n\">" + seconds(c.span_ns()) + "</td></tr>";
  s += "<tr><th>ESP SAs</th><td id=\"sas\">" + u(keyed) + " with keys, " + u(unkeyed) + " without</td></tr>";
  s += "<tr><th>ESP decrypted / without keys</th><td class=\"n\">" + u(sum.decrypted) + " / " + u(sum.esp_without_sa) +
       "</td></tr>";
  s += "<tr><th>datagrams reassembled</th><td class=\"n\">" + u(sum.reassembled) + "</td></tr>";
  s += "<tr><th>doctor</th><td>";
  svg::escape(s, r.headline);
  s += "</td></tr></table>";
  if (!sa_rows.empty())
    s += "<table class=\"sas\"><tr><th>SPI</th><th>keys</th><th>packets</th><th>decrypted</th><th>no keys</th>"
         "<th>failed</th><th>cut</th></tr>" +
         sa_rows + "</table>";
  s += "<p>Command line:</p><pre id=\"command-line\">";
  svg::escape(s, info.command_line);
  s += "</pre></section>\n";

  // ---- findings
  s += "<section id=\"findings\"><h2>Findings</h2>";
  if (r.findings.empty()) s += "<p>No problems found.</p>";
  std::set<html_collector::flow_key> drawn_flows;
  for (const report_finding &f : r.findings) {
    s += "<article class=\"finding sev-" + svg::escaped(f.severity) + "\" id=\"finding-" + std::to_string(f.number) +
         "\"><h2><span class=\"sev\">" + svg::escaped(f.severity) + "</span> [" + std::to_string(f.number) + "] ";
    svg::escape(s, f.title);
    s += "</h2><dl>";
    for (const auto &[label, text] : f.items) {
      s += "<dt>";
      svg::escape(s, label);
      s += "</dt><dd>";
      svg::escape(s, text);
      s += "</dd>";
    }
    s += "</dl>";
    const std::string &t = f.title;
    if (t.starts_with("L2TP packets reordered in tunnel ")) {
      const long long tunnel = number_after(t, "tunnel "), session = number_after(t, "session ");
      const auto it = c.sessions().find(static_cast<std::uint32_t>((tunnel << 16) | session));
      long long timeout = -1;
      if (const std::string *fix = item(f, "fix")) timeout = number_after(*fix, "at least ");
      if (it != c.sessions().end())
        sequence_chart(s, it->second->series, "l2tp",
                       "tunnel " + std::to_string(tunnel) + " session " + std::to_string(session), "Ns", true, timeout);
      else
        s += "<p class=\"note\">This session is beyond the " + u(lim.charts) + " sessions the page charts.</p>";
    } else if (t.find("on SA spi 0x") != std::string::npos &&
               (t.starts_with("ESP packets arrived out of order") || t.starts_with("repeated ESP sequence") ||
                t.starts_with("anti-replay drops"))) {
      const std::uint32_t spi = hex_after(t, "spi 0x");
      const auto it = c.esp_charts().find(spi);
      if (it != c.esp_charts().end())
        sequence_chart(s, it->second->series, "esp", "SA spi " + hex32(spi), "ESP sequence number", false, -1);
      if (t.starts_with("anti-replay")) count_table(s, c, "replay", "esp", "");
    } else if (t.find(" were fragmented after encapsulation") != std::string::npos) {
      const std::size_t from = t.find(" from "), to = t.find(" to ", from == std::string::npos ? 0 : from);
      const host_addr src = from == std::string::npos ? host_addr{} : address_at(t, from + 6);
      const host_addr dst = to == std::string::npos ? host_addr{} : address_at(t, to + 4);
      const bool l2tp = t.starts_with("L2TP");
      const std::string *pm = item(f, "path MTU");
      const std::string *im = item(f, "inner MTU");
      const long long path_mtu = pm ? number_after(*pm, "") : -1;
      const long long inner_mtu = im ? number_after(*im, "") : -1;
      const std::uint32_t spi = im ? hex_after(*im, "SA spi 0x") : 0;
      long long clamp = -1;
      if (const std::string *fix = item(f, "fix")) clamp = number_after(*fix, "clamp the TCP MSS to ");
      if (clamp < 0 && im) clamp = number_after(*im, "TCP MSS ");
      for (const auto &[k, h] : c.flows()) {
        if (k.src != src || k.dst != dst) continue;
        if (l2tp != (k.kind == html_collector::flow_kind::l2tp)) continue;
        if (spi != 0 && k.spi != spi) continue;
        s += "<h3>" + svg::escaped(flow_name(k)) + "</h3>";
        size_chart(s, *h, flow_name(k), path_mtu, inner_mtu);
        drawn_flows.insert(k);
      }
      if (!c.syn_mss().empty()) {
        s += "<h3>TCP SYN MSS</h3>";
        mss_chart(s, c.syn_mss(), clamp);
      }
    } else if (t.starts_with("malformed packets: ") || t.starts_with("decoder warnings: ")) {
      const std::string what = t.substr(t.find(": ") + 2);
      const std::size_t sp = what.find(' ');
      count_table(s, c, "", what.substr(0, sp), sp == std::string::npos ? "" : what.substr(sp + 1));
    } else if (t.starts_with("bad checksums")) {
      count_table(s, c, "checksum", "", "");
    } else if (t.starts_with("integrity check failed")) {
      count_table(s, c, "integrity", "", "");
    }
    s += "</article>\n";
  }
  if (!r.closing.empty()) s += "<p>" + svg::escaped(r.closing) + "</p>";
  s += "</section>\n";

  // ---- counts
  s += "<section id=\"counts\"><h2>Checksum, replay and malformed-packet counts</h2>";
  const std::size_t before = s.size();
  count_table(s, c, "", "", "");
  if (s.size() == before) s += "<p>No errors or warnings.</p>";
  if (c.rows_not_kept()) s += "<p class=\"note\">" + u(c.rows_not_kept()) + " more (beyond the table's limit).</p>";
  s += "</section>\n";

  // ---- the other flows' sizes
  std::string others;
  for (const auto &[k, h] : c.flows()) {
    if (drawn_flows.count(k)) continue;
    others += "<h3>" + svg::escaped(flow_name(k)) + "</h3>";
    size_chart(others, *h, flow_name(k), -1, -1);
  }
  if (!others.empty())
    s += "<section id=\"traffic\"><h2>Outer packet sizes of the other tunnel flows</h2>" + others + "</section>\n";

  // ---- how the page was made
  s += "<footer><p class=\"note\" id=\"scale-note\">";
  bool aggregated = false;
  for (const auto &[k, x] : c.sessions()) aggregated = aggregated || x->series.aggregated();
  for (const auto &[k, x] : c.esp_charts()) aggregated = aggregated || x->series.aggregated();
  s += aggregated ? "Some charts are aggregated: " : "Every packet is drawn: ";
  s += "a chart draws each packet up to " + u(lim.raw_points) + " packets; above that it draws " + u(lim.columns) +
       " columns (the sequence range of each run of consecutive arrivals) and at most " + u(lim.marks) +
       " late or repeated packets, evenly sampled (the counts above are exact). Up to " + u(lim.charts) +
       " L2TP sessions and " + u(lim.charts) + " ESP SAs are charted";
  if (c.sessions_not_charted() || c.sas_not_charted() || c.flows_not_charted())
    s += " (not charted: " + u(c.sessions_not_charted()) + " sessions, " + u(c.sas_not_charted()) + " SAs, " +
         u(c.flows_not_charted()) + " flows)";
  s += ". Written by vpnwire " VPNWIRE_VERSION_STRING
       "; nothing on this page is fetched from the network.</p></footer>\n";
  s += "</body></html>\n";
  return s;
}

/// `a` as a POSIX shell word (single-quoted unless it is plain).
[[nodiscard]] inline std::string shell_quoted(std::string_view a) {
  const bool plain = !a.empty() && std::all_of(a.begin(), a.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_./:=,+-@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(a);
  std::string q = "'";
  for (const char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The command line as the page quotes it: `vpnwire CMD ARGS...`, shell
/// quoted, with secrets redacted (the page is meant to be attached to
/// tickets): the key= and auth-key= values of --esp-sa and the value of
/// --l2tp-secret become "REDACTED".
[[nodiscard]] inline std::string html_command_line(std::string_view cmd, const std::vector<std::string_view> &args) {
  std::string line = "vpnwire " + shell_quoted(cmd);
  bool secret_next = false, sa_next = false;
  for (const std::string_view a : args) {
    std::string w(a);
    auto redact_sa = [](std::string v) {
      for (const std::string_view k : {"key=", "auth-key="}) {
        for (std::size_t p = v.find(k); p != std::string::npos; p = v.find(k, p + 1)) {
          if (p != 0 && v[p - 1] != ',' && v[p - 1] != '=') continue;
          const std::size_t end = std::min(v.find(',', p), v.size());
          v.replace(p + k.size(), end - p - k.size(), "REDACTED");
        }
      }
      return v;
    };
    if (secret_next) {
      w = "REDACTED";
    } else if (sa_next) {
      w = redact_sa(w);
    } else if (a.starts_with("--l2tp-secret=")) {
      w = "--l2tp-secret=REDACTED";
    } else if (a.starts_with("--esp-sa=")) {
      w = redact_sa(w);
    }
    secret_next = a == "--l2tp-secret";
    sa_next = a == "--esp-sa";
    line += " " + shell_quoted(w);
  }
  return line;
}

/// Writes `page` to `path`. False with a one-line error when the file
/// cannot be created or written whole.
[[nodiscard]] inline bool write_html_report(const std::string &path, const std::string &page, std::string &error) {
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    error = "--html: cannot create '" + path + "': " + std::strerror(errno);
    return false;
  }
  const bool wrote = std::fwrite(page.data(), 1, page.size(), f) == page.size();
  const int e = errno;
  if (std::fclose(f) != 0 || !wrote) {
    error = "--html: cannot write '" + path + "': " + std::strerror(wrote ? errno : e);
    return false;
  }
  return true;
}

} // namespace vpnwire_cli
