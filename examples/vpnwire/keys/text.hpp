// Line and token scanning shared by the key-file parsers, with 1-based line
// and column numbers for every token, and the context that collects notes and
// the first error of one file.
#pragma once

#include "keys/model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpnwire_cli::keys::detail {

/// One line of a file, without its '\n' (and without a '\r' before it).
struct text_line {
  std::string_view text;
  std::size_t number = 0; ///< 1-based
};

/// Splits text into lines ('\n', with an optional '\r' before it).
[[nodiscard]] inline std::vector<text_line> split_lines(std::string_view text) {
  std::vector<text_line> out;
  std::size_t pos = 0;
  std::size_t n = 1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out.push_back({l, n++});
    pos = end + 1;
  }
  return out;
}

[[nodiscard]] constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// A whitespace-separated word of a line and its 1-based column.
struct token {
  std::string_view text;
  std::size_t column = 0;
};

/// The words of a line (separated by spaces and tabs).
[[nodiscard]] inline std::vector<token> tokens_of(std::string_view line) {
  std::vector<token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) out.push_back({line.substr(start, i - start), start + 1});
  }
  return out;
}

/// True when the line is empty or only blanks.
[[nodiscard]] inline bool blank_line(std::string_view l) noexcept {
  for (char c : l)
    if (!is_blank(c)) return false;
  return true;
}

/// The 1-based column of the first character that is not printable ASCII or
/// a tab, or 0 when there is none. Key files are text; anything else is
/// refused with its position.
[[nodiscard]] inline std::size_t first_control_column(std::string_view l) noexcept {
  for (std::size_t i = 0; i < l.size(); ++i) {
    const auto u = static_cast<unsigned char>(l[i]);
    if ((u < 0x20 && l[i] != '\t') || u >= 0x7F) return i + 1;
  }
  return 0;
}

/// Hex digits only (no prefix), even count; empty is allowed.
[[nodiscard]] inline std::optional<std::vector<std::byte>> hex_digits(std::string_view s) {
  if (s.empty()) return std::vector<std::byte>{};
  if (s.starts_with("0x") || s.starts_with("0X")) return std::nullopt; // digits only here
  return parse_hex_bytes(s);
}

/// "0x" followed by an even number of hex digits (possibly none: iproute2
/// prints "0x" for the empty key of ecb(cipher_null)).
[[nodiscard]] inline std::optional<std::vector<std::byte>> prefixed_hex(std::string_view s) {
  if (!s.starts_with("0x") && !s.starts_with("0X")) return std::nullopt;
  return hex_digits(s.substr(2));
}

/// ASCII lower case.
[[nodiscard]] inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// Collects one file's notes and its first error.
class context {
public:
  context(format f, std::string_view file) : file_(file) { result_.source_format = f; }

  /// Records the first error (later ones are ignored) and returns false.
  bool fail(std::size_t line, std::size_t column, std::string message) {
    if (!result_.error) result_.error = diagnostic{file_, line, column, std::move(message)};
    return false;
  }
  void note(std::size_t line, std::size_t column, std::string message) {
    result_.notes.push_back(diagnostic{file_, line, column, std::move(message)});
  }
  void add(imported_sa sa) {
    sa.file = file_;
    result_.sas.push_back(std::move(sa));
  }
  [[nodiscard]] bool failed() const noexcept { return result_.error.has_value(); }

  /// The result; after an error no SA is kept.
  [[nodiscard]] import_result finish() && {
    if (result_.error) result_.sas.clear();
    return std::move(result_);
  }

private:
  std::string file_;
  import_result result_;
};

/// C's strtoul(s, &end, 0) over the whole of s, within 32 bits.
inline std::optional<std::uint32_t> strtoul_base0(std::string_view s) {
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    unsigned d = 0;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    else
      return std::nullopt;
    if (d >= base) return std::nullopt;
    v = v * base + d;
    if (v > 0xFFFFFFFFULL) return std::nullopt;
  }
  return static_cast<std::uint32_t>(v);
}

/// "0x0000abcd": an SPI as every tool prints it.
[[nodiscard]] inline std::string spi_text(std::uint32_t spi) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s.push_back(digits[(spi >> shift) & 15U]);
  return s;
}

/// "'text'" with control characters escaped, for messages. Not named quoted():
/// called with a std::string, argument-dependent lookup would pick std::quoted
/// wherever <iomanip> is visible.
[[nodiscard]] inline std::string in_quotes(std::string_view s) { return "'" + printable(s) + "'"; }

} // namespace vpnwire_cli::keys::detail
