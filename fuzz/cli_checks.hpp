// Checks shared by the CLI's fuzz targets: a strict JSON validator for one
// output line, and the renderer agreement of one record (its text line and
// its JSON object carry the same warnings and error, in order).
#pragma once

#include "record.hpp"
#include "render_json.hpp"
#include "render_text.hpp"

#include "fuzz_check.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cli_fuzz {

/// A strict RFC 8259 validator for one line (bounded nesting), enough to
/// prove the CLI never prints a broken JSON Lines record.
class json_check {
public:
  explicit json_check(std::string_view s) : s_(s) {}
  [[nodiscard]] bool valid() {
    ws();
    if (!value(0)) return false;
    ws();
    return i_ == s_.size();
  }

private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool value(int depth) {
    if (depth > 64 || i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (c == 't') return lit("true");
    if (c == 'f') return lit("false");
    if (c == 'n') return lit("null");
    return number();
  }
  bool object(int depth) {
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    for (;;) {
      ws();
      if (!string()) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == '}') return ++i_, true;
      if (s_[i_] != ',') return false;
      ++i_;
    }
  }
  bool array(int depth) {
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    for (;;) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ']') return ++i_, true;
      if (s_[i_] != ',') return false;
      ++i_;
    }
  }
  bool string() {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20 || c >= 0x80) return false; // the CLI escapes every non-ASCII byte
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        const char e = s_[i_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (++i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
      ++i_;
    }
    return false;
  }
  bool number() {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    return i_ > start;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

inline std::size_t count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + needle.size())) ++n;
  return n;
}

/// The number after `"key":` in a JSON line (the CLI prints no spaces).
inline std::optional<std::uint64_t> field_number(std::string_view line, std::string_view key) {
  const std::string pat = "\"" + std::string(key) + "\":";
  const std::size_t p = line.find(pat);
  if (p == std::string_view::npos) return std::nullopt;
  std::uint64_t v = 0;
  std::size_t i = p + pat.size();
  if (i >= line.size() || !std::isdigit(static_cast<unsigned char>(line[i]))) return std::nullopt;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])))
    v = v * 10 + static_cast<std::uint64_t>(line[i++] - '0');
  return v;
}

/// The renderers agree on a record: its text line ends with its warnings
/// and error in order, and its JSON object with the same list, and the JSON
/// object is valid. The text renderer's and the JSON renderer's code for
/// issues are separate; this is their agreement, checked on every record.
/// Returns what render_json wrote for the record (the frame's line and its
/// event lines), for callers that compare it with a sink's output.
inline std::string check_renderers(const vpnwire_cli::frame_record &rec) {
  std::string text, json;
  if (rec.end_of_capture()) {
    vpnwire_cli::render_json(json, rec);
    return json;
  }
  vpnwire_cli::render_text(text, rec);
  vpnwire_cli::render_json(json, rec);
  std::string want_text;
  std::string want_json = ",\"warnings\":[";
  auto text_issue = [&](std::string_view kind, const vpnwire_cli::issue &i) {
    want_text += " [" + std::string(kind) + " " + std::string(i.layer) + " " + std::string(i.code) + " at " +
                 std::to_string(i.offset) + "]";
  };
  auto json_issue = [&](const vpnwire_cli::issue &i) {
    want_json += "{\"layer\":\"" + std::string(i.layer) + "\",\"code\":\"" + std::string(i.code) +
                 "\",\"offset\":" + std::to_string(i.offset) + "}";
  };
  for (std::size_t k = 0; k < rec.warnings.size(); ++k) {
    text_issue("warning", rec.warnings[k]);
    if (k != 0) want_json += ",";
    json_issue(rec.warnings[k]);
  }
  want_json += "],\"error\":";
  if (rec.error) {
    text_issue("error", *rec.error);
    json_issue(*rec.error);
    // The error object also says what the peer does about it (doctor_actions.hpp).
    want_json.pop_back();
    if (const auto a = vpnwire_cli::l2tp_action_of(rec))
      want_json += ",\"vpnwire.l2tp.peer_action\":\"" + std::string(a->action) +
                   "\",\"vpnwire.l2tp.result_code\":" + std::to_string(a->code.result) +
                   ",\"vpnwire.l2tp.error_code\":" + std::to_string(a->code.error);
    else if (const auto f = vpnwire_cli::esp_fatal_of(rec))
      want_json += std::string(",\"vpnwire.esp.sa_fatal\":") + (*f ? "true" : "false");
    else if (const auto sc = vpnwire_cli::ip_scope_of(rec))
      want_json += ",\"vpnwire.ip.scope\":\"" + std::string(vpnwire_cli::scope_word(*sc)) + "\"";
    want_json += "}";
  } else {
    want_json += "null";
  }
  want_json += "}";
  // The frame's own line: after any released-event lines, before the frame's events.
  const std::string frame_prefix = "{\"frame\":" + std::to_string(rec.number) + ",";
  const std::size_t jf = json.find(frame_prefix);
  FUZZ_CHECK(jf != std::string::npos);
  const std::string_view jline = std::string_view(json).substr(jf, json.find('\n', jf) - jf);
  FUZZ_CHECK(json_check(jline).valid());
  FUZZ_CHECK(jline.ends_with(want_json));
  std::size_t tl = 0; // skip the drop lines a timeout released before the frame
  while (std::string_view(text).substr(tl).starts_with("   reorder: ")) tl = text.find('\n', tl) + 1;
  const std::string_view tline = std::string_view(text).substr(tl, text.find('\n', tl) - tl);
  FUZZ_CHECK(tline.ends_with(want_text));
  return json;
}

} // namespace cli_fuzz
