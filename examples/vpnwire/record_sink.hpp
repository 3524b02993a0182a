// Where the records go: the renderer the command asked for (text, JSON or
// doctor), the summary, and the --write-inner file. main() and the fuzz
// targets drive the same sink, so what the fuzzers check is what the
// program prints.
#pragma once

#include "capture.hpp"
#include "doctor.hpp"
#include "html_report.hpp"
#include "options.hpp"
#include "output.hpp"
#include "record.hpp"
#include "render_json.hpp"
#include "render_text.hpp"
#include "summary.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace vpnwire_cli {

/// Writes the innermost packets of --write-inner in delivery order.
class inner_writer {
public:
  /// Opens `path` (nothing to do when empty). False with a one-line error.
  [[nodiscard]] bool open(const std::string &path, std::string &error) {
    enabled_ = !path.empty();
    return !enabled_ || file_.open(path, linktype::raw, error);
  }
  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  [[nodiscard]] std::uint64_t written() const noexcept { return written_; }

  /// Delivery order: what a timeout released before the frame, the frame's
  /// own inner packet when the reorder stage did not take it, then what the
  /// frame's arrival delivered. Packets are stamped with the latest frame's time.
  void add(const frame_record &rec, std::int64_t ts_ns) {
    if (!enabled_) return;
    deliveries(rec.released, ts_ns);
    if (!rec.end_of_capture() && !rec.inner.empty() && !rec.inner_held) write(rec.inner, ts_ns);
    for (const auto &p : rec.iptfs_inner) write(p, ts_ns);
    deliveries(rec.events, ts_ns);
  }

  [[nodiscard]] bool close(std::string &error) { return file_.close(error); }

private:
  void deliveries(const std::vector<event> &events, std::int64_t ts_ns) {
    for (const auto &e : events)
      if (e.what == event::kind::deliver && !e.packet.empty()) write(e.packet, ts_ns);
  }
  void write(vpnwire::bytes_view p, std::int64_t ts_ns) {
    std::string err;
    if (file_.write_frame(ts_ns, p, err)) ++written_;
  }
  pcap_writer file_;
  bool enabled_ = false;
  std::uint64_t written_ = 0;
};

/// The consumer of a run's records.
class record_sink {
public:
  enum class mode : std::uint8_t { text, json, doctor };

  record_sink(const decode_options &o, mode m, output &out)
      : mode_(m), out_(out), doctor_(o), html_path_(m == mode::doctor ? o.html : std::string()), html_(o) {
    html_info_.capture = o.capture;
  }

  /// The command line the HTML report quotes (doctor --html).
  void set_command_line(std::string line) { html_info_.command_line = std::move(line); }

  /// Opens --write-inner. False with a one-line error.
  [[nodiscard]] bool open_inner(const std::string &path, std::string &error) { return inner_.open(path, error); }

  /// One record: counted, written to --write-inner, rendered.
  void add(const frame_record &rec) {
    if (!rec.end_of_capture()) last_ts_ = rec.ts_ns;
    summary_.add(rec);
    inner_.add(rec, last_ts_);
    switch (mode_) {
    case mode::doctor:
      doctor_.add(rec);
      if (!html_path_.empty()) html_.add(rec);
      return;
    case mode::json:
      text_.clear();
      render_json(text_, rec);
      break;
    case mode::text:
      text_.clear();
      render_text(text_, rec);
      break;
    }
    out_.write(text_);
  }

  /// After the end-of-capture record: the summary (decode) or the report
  /// (doctor). False when --write-inner could not be completed (`error`).
  [[nodiscard]] bool finish(std::string &error) {
    const bool ok = inner_.close(error);
    switch (mode_) {
    case mode::doctor: {
      const std::string report = doctor_.report(summary_);
      out_.write(report);
      if (!html_path_.empty() &&
          !write_html_report(html_path_, render_html_report(report, html_, summary_, html_info_), error))
        return false;
      break;
    }
    case mode::json: out_.write(summary_.json(inner_.enabled(), inner_.written())); break;
    case mode::text: out_.write(summary_.text(inner_.enabled(), inner_.written())); break;
    }
    return ok;
  }

  [[nodiscard]] const run_summary &summary() const noexcept { return summary_; }
  [[nodiscard]] std::uint64_t inner_written() const noexcept { return inner_.written(); }

private:
  mode mode_;
  output &out_;
  doctor doctor_;
  run_summary summary_;
  inner_writer inner_;
  std::string html_path_;
  html_collector html_;
  html_page_info html_info_;
  std::string text_;
  std::int64_t last_ts_ = 0;
};

} // namespace vpnwire_cli
