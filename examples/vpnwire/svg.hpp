// Small helpers that write inline SVG and HTML text for the doctor's HTML
// report (html_report.hpp): escaping, compact numbers, linear scales, "nice"
// axis ticks and a plot frame with labelled axes. Nothing here fetches,
// embeds fonts or runs scripts: the page must open offline.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli::svg {

/// Appends `s` with the five HTML/XML special characters escaped, and every
/// other control character but tab and newline replaced by U+FFFD (doctor's
/// text may quote capture file names, which may hold any byte).
inline void escape(std::string &out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n')
        out += "&#xFFFD;";
      else
        out += c;
    }
  }
}

[[nodiscard]] inline std::string escaped(std::string_view s) {
  std::string out;
  escape(out, s);
  return out;
}

/// A coordinate with one decimal, without a trailing ".0" (pages stay small).
[[nodiscard]] inline std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  std::string s = b;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

/// A value printed as an axis label or a tooltip (up to 6 significant digits).
[[nodiscard]] inline std::string label(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return b;
}

/// Maps the domain [d0, d1] linearly onto the range [r0, r1]; a zero-width
/// domain maps to the middle of the range.
struct scale {
  double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
  [[nodiscard]] double operator()(double v) const noexcept {
    if (d1 == d0) return (r0 + r1) / 2;
    return r0 + (v - d0) * (r1 - r0) / (d1 - d0);
  }
};

/// About `want` round-numbered ticks (1, 2 or 5 times a power of ten) covering [lo, hi].
[[nodiscard]] inline std::vector<double> ticks(double lo, double hi, int want) {
  std::vector<double> t;
  if (!(hi > lo) || want < 1) {
    t.push_back(lo);
    return t;
  }
  const double raw = (hi - lo) / want;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9 && t.size() < 64; v += step) t.push_back(v);
  return t;
}

/// A chart area: the SVG's size, the margins around the plot, and the two scales.
struct plot {
  double width = 900, height = 260;
  double left = 64, right = 16, top = 14, bottom = 40;
  scale x, y;

  /// Sets both scales from data bounds; the y domain is padded so points
  /// on the edge stay visible.
  void fit(double x0, double x1, double y0, double y1, bool pad_y = true) {
    if (pad_y) {
      const double pad = std::max((y1 - y0) * 0.04, 0.5);
      y0 -= pad;
      y1 += pad;
    }
    x = {x0, x1, left, width - right};
    y = {y0, y1, height - bottom, top};
  }
  [[nodiscard]] double x_min() const noexcept { return left; }
  [[nodiscard]] double x_max() const noexcept { return width - right; }
  [[nodiscard]] double y_min() const noexcept { return top; }
  [[nodiscard]] double y_max() const noexcept { return height - bottom; }
};

/// Opens an <svg> element of the plot's size with a class, extra attributes
/// (already escaped, e.g. data-* values) and an accessible title.
inline void open(std::string &s, const plot &p, std::string_view cls, std::string_view attrs, std::string_view title) {
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"";
  s += cls;
  s += "\" width=\"" + num(p.width) + "\" height=\"" + num(p.height) + "\" viewBox=\"0 0 " + num(p.width) + " " +
       num(p.height) + "\" role=\"img\"";
  if (!attrs.empty()) {
    s += ' ';
    s += attrs;
  }
  s += "><title>";
  escape(s, title);
  s += "</title>";
}

/// The plot frame, grid lines at the ticks and both axis labels.
inline void axes(std::string &s, const plot &p, std::string_view x_name, std::string_view y_name,
                 const std::vector<double> &xt, const std::vector<double> &yt) {
  s += "<g class=\"axes\">";
  for (const double v : yt) {
    const double y = p.y(v);
    if (y < p.y_min() - 0.5 || y > p.y_max() + 0.5) continue;
    s += "<line class=\"grid\" x1=\"" + num(p.x_min()) + "\" x2=\"" + num(p.x_max()) + "\" y1=\"" + num(y) +
         "\" y2=\"" + num(y) + "\"/><text class=\"tick\" x=\"" + num(p.x_min() - 4) + "\" y=\"" + num(y + 3.5) +
         "\" text-anchor=\"end\">" + label(v) + "</text>";
  }
  for (const double v : xt) {
    const double x = p.x(v);
    if (x < p.x_min() - 0.5 || x > p.x_max() + 0.5) continue;
    s += "<line class=\"grid\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(p.y_min()) + "\" y2=\"" +
         num(p.y_max()) + "\"/><text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(p.y_max() + 14) +
         "\" text-anchor=\"middle\">" + label(v) + "</text>";
  }
  s += "<rect class=\"frame\" x=\"" + num(p.x_min()) + "\" y=\"" + num(p.y_min()) + "\" width=\"" +
       num(p.x_max() - p.x_min()) + "\" height=\"" + num(p.y_max() - p.y_min()) + "\"/>";
  s += "<text class=\"axis-name\" x=\"" + num((p.x_min() + p.x_max()) / 2) + "\" y=\"" + num(p.y_max() + 30) +
       "\" text-anchor=\"middle\">";
  escape(s, x_name);
  s += "</text><text class=\"axis-name\" transform=\"translate(13 " + num((p.y_min() + p.y_max()) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">";
  escape(s, y_name);
  s += "</text></g>";
}

} // namespace vpnwire_cli::svg
