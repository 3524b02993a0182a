// The totals of a run, accumulated from the records (so decode's closing
// summary and doctor count the same things), and their two renderings.
#pragma once

#include "json.hpp"
#include "record.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace vpnwire_cli {

struct run_summary {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;      ///< captured bytes
  std::uint64_t errors = 0;     ///< frames with an error
  std::uint64_t warned = 0;     ///< frames with at least one warning
  std::uint64_t cut_frames = 0; ///< frames the snap length cut (captured < original length)
  std::uint64_t bad_ip_checksums = 0;
  std::uint64_t bad_udp_checksums = 0;
  std::uint64_t bad_tcp_checksums = 0;
  std::uint64_t decrypted = 0;        ///< ESP packets verified and decrypted
  std::uint64_t esp_unverified = 0;   ///< of them, decrypted without an ICV check (--esp-secrets)
  std::uint64_t esp_without_sa = 0;   ///< ESP packets whose SPI had no --esp-sa
  std::uint64_t esp_not_captured = 0; ///< ESP packets the snap length cut (not decryptable)
  std::uint64_t reassembled = 0;      ///< datagrams completed
  std::uint64_t reorder_delivered = 0;
  std::uint64_t reorder_dropped = 0;
  std::uint64_t reorder_unordered = 0;                 ///< data packets of sessions beyond the session cap or budget
  std::uint64_t budget_releases = 0;                   ///< packets released early because the reorder budget was full
  std::map<std::string, std::uint64_t> error_counts;   ///< "layer/code" -> frames
  std::map<std::string, std::uint64_t> warning_counts; ///< "layer/code" -> warnings

  void add(const frame_record &rec) {
    count_events(rec.released);
    if (rec.end_of_capture()) return;
    ++frames;
    bytes += rec.caplen;
    if (rec.caplen < rec.wirelen) ++cut_frames;
    if (rec.error) {
      ++errors;
      ++error_counts[std::string(rec.error->layer) + "/" + std::string(rec.error->code)];
    }
    if (!rec.warnings.empty()) ++warned;
    for (const issue &w : rec.warnings) {
      ++warning_counts[std::string(w.layer) + "/" + std::string(w.code)];
      if (w.code == cli_code::bad_tcp_checksum)
        ++bad_tcp_checksums;
      else if (w.code == "bad_udp_checksum")
        ++bad_udp_checksums;
      else if (w.code == "bad_header_checksum")
        ++bad_ip_checksums;
    }
    for (const layer &l : rec.layers) {
      const auto *e = std::get_if<esp_layer>(&l);
      if (e == nullptr) continue;
      switch (e->state) {
      case esp_layer::payload_state::decrypted:
        ++decrypted;
        if (e->unverified) ++esp_unverified;
        break;
      case esp_layer::payload_state::no_sa:
      case esp_layer::payload_state::no_backend: ++esp_without_sa; break;
      case esp_layer::payload_state::not_captured: ++esp_not_captured; break;
      case esp_layer::payload_state::failed: break;
      }
    }
    count_events(rec.events);
  }

  /// The closing line(s) of `decode`.
  [[nodiscard]] std::string text(bool with_inner, std::uint64_t inner_written) const {
    std::string s = "-- " + std::to_string(frames) + " frames, " + std::to_string(bytes) + " bytes, " +
                    std::to_string(errors) + " with errors";
    if (warned) s += ", " + std::to_string(warned) + " with warnings";
    if (cut_frames) s += ", " + std::to_string(cut_frames) + " cut by the snap length";
    if (bad_ip_checksums || bad_udp_checksums || bad_tcp_checksums)
      s += ", bad checksums: IPv4 " + std::to_string(bad_ip_checksums) + " UDP " + std::to_string(bad_udp_checksums) +
           " TCP " + std::to_string(bad_tcp_checksums);
    if (decrypted || esp_without_sa)
      s += ", ESP decrypted " + std::to_string(decrypted) + " (no SA: " + std::to_string(esp_without_sa) +
           (esp_unverified ? ", unverified: " + std::to_string(esp_unverified) : std::string()) + ")";
    if (esp_not_captured) s += ", " + std::to_string(esp_not_captured) + " ESP packets not captured whole";
    if (reassembled) s += ", " + std::to_string(reassembled) + " datagrams reassembled";
    if (reorder_delivered || reorder_dropped)
      s += ", L2TP delivered " + std::to_string(reorder_delivered) + " dropped " + std::to_string(reorder_dropped);
    if (reorder_unordered)
      s += ", " + std::to_string(reorder_unordered) + " L2TP data packets unordered (session limit)";
    if (budget_releases) s += ", " + std::to_string(budget_releases) + " released early (reorder memory budget)";
    if (with_inner) s += ", " + std::to_string(inner_written) + " inner packets written";
    s += "\n";
    for (const auto &[k, v] : error_counts) s += "--   " + k + ": " + std::to_string(v) + "\n";
    for (const auto &[k, v] : warning_counts) s += "--   warning " + k + ": " + std::to_string(v) + "\n";
    return s;
  }

  /// The closing {"summary": {...}} line of `decode --json`.
  [[nodiscard]] std::string json(bool with_inner, std::uint64_t inner_written) const {
    std::string s;
    json_writer j(s);
    j.begin_object();
    j.key("summary");
    j.begin_object();
    j.field("frames", frames);
    j.field("bytes", bytes);
    j.field("errors", errors);
    j.field("warnings", warned);
    j.field("frames_cut", cut_frames);
    j.field("bad_ip_checksums", bad_ip_checksums);
    j.field("bad_udp_checksums", bad_udp_checksums);
    j.field("bad_tcp_checksums", bad_tcp_checksums);
    j.field("esp_decrypted", decrypted);
    j.field("esp_without_sa", esp_without_sa);
    j.field("esp_unverified", esp_unverified);
    j.field("esp_not_captured", esp_not_captured);
    j.field("datagrams_reassembled", reassembled);
    j.field("reorder_delivered", reorder_delivered);
    j.field("reorder_dropped", reorder_dropped);
    j.field("reorder_unordered", reorder_unordered);
    j.field("reorder_budget_releases", budget_releases);
    if (with_inner) j.field("inner_written", inner_written);
    j.key("error_counts");
    j.begin_object();
    for (const auto &[k, v] : error_counts) j.field(k, v);
    j.end_object();
    j.key("warning_counts");
    j.begin_object();
    for (const auto &[k, v] : warning_counts) j.field(k, v);
    j.end_object();
    j.end_object();
    j.end_object();
    s.push_back('\n');
    return s;
  }

private:
  void count_events(const std::vector<event> &events) {
    for (const event &e : events) {
      switch (e.what) {
      case event::kind::fragment_completed: ++reassembled; break;
      case event::kind::deliver:
        ++reorder_delivered;
        if (e.budget_release) ++budget_releases;
        break;
      case event::kind::drop: ++reorder_dropped; break;
      case event::kind::unordered: ++reorder_unordered; break;
      case event::kind::fragment_held:
      case event::kind::fragment_not_captured: break;
      }
    }
  }
};

} // namespace vpnwire_cli
