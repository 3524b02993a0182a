// tcpdump's ESP secrets (-E), read the way tcpdump's print-esp.c reads them:
//
//   0x12345678@192.0.2.2 3des-cbc-hmac96:0x0123456789abcdef0123456789abcdef0123456789abcdef
//   0x1000@2001:db8::2 aes256-cbc:0x...
//   aes128-cbc:a text secret of 16 bytes         (no spi@addr: the default SA)
//
// SPI is read as C's strtoul with base 0 (decimal, 0x hex, leading-0 octal),
// the address is the SA's destination (IPv6 or IPv4). The algorithm is an
// OpenSSL cipher name after tcpdump cuts an "-hmac96" suffix (the packets
// carry a 12-byte ICV tcpdump never checks; without it, no ICV at all) and a
// "-cbc" suffix; tcpdump adds "3des" as a name of DES-EDE3-CBC. The secret is
// 0x and hex digits, or else the rest of the line taken as text. tcpdump has
// no integrity key, so every SA read here is for decap_unverified() only,
// and its integrity algorithm is unknown (config.integrity stands for the
// 12-byte ICV).
//
// In a file ("-E file NAME"), lines starting with '#' and empty lines are
// skipped; on the command line, secrets are separated by commas or newlines
// (parse_tcpdump_argument). A later default secret replaces an earlier one,
// as in tcpdump. "file NAME" and "ikev2 ..." lines are skipped with a note.
#pragma once

#include "keys/algorithms.hpp"
#include "keys/model.hpp"
#include "keys/text.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli::keys {

namespace detail {

class tcpdump_parser {
public:
  explicit tcpdump_parser(context &ctx) : ctx_(ctx) {}

  /// One secret: `s` is its text, `line` and `column` where it starts.
  bool secret(std::string_view s, std::size_t line, std::size_t column) {
    std::size_t skip = 0;
    while (skip < s.size() && is_blank(s[skip])) ++skip;
    s.remove_prefix(skip);
    column += skip;
    if (s.empty()) return true;
    std::size_t sep = 0;
    while (sep < s.size() && !is_blank(s[sep])) ++sep;
    const std::string_view first = s.substr(0, sep);
    std::size_t rest_at = sep;
    while (rest_at < s.size() && is_blank(s[rest_at])) ++rest_at;
    const bool has_rest = sep < s.size(); // tcpdump: anything after a blank
    imported_sa sa;
    sa.line = line;
    std::string_view decode = s;
    std::size_t decode_column = column;
    if (has_rest) {
      const std::string first_lower = lower(first);
      if (first_lower == "file") {
        ctx_.note(line, column,
                  "skipped: 'file NAME' makes tcpdump read another secrets file; give that file to vpnwire itself");
        return true;
      }
      if (first_lower == "ikev2") {
        ctx_.note(line, column, "skipped: an IKEv2 SA key line (ikev2 ...), not an ESP SA");
        return true;
      }
      const std::size_t at = first.find('@');
      if (at == std::string_view::npos)
        return ctx_.fail(line, column, "expected SPI@ADDRESS before the secret, not " + in_quotes(first));
      auto spi = strtoul_base0(first.substr(0, at));
      if (!spi) return ctx_.fail(line, column, "SPI " + in_quotes(first.substr(0, at)) + " is not a 32-bit number");
      auto addr = parse_address(first.substr(at + 1));
      if (!addr || addr->is_any())
        return ctx_.fail(line, column + at + 1, "not an IP address: " + in_quotes(first.substr(at + 1)));
      sa.config.spi = *spi;
      sa.destination = *addr;
      decode = s.substr(rest_at);
      decode_column = column + rest_at;
    } else {
      sa.any_spi = true;
    }
    const std::size_t colon = decode.find(':');
    if (colon == std::string_view::npos)
      return ctx_.fail(line, decode_column, "expected ALGORITHM:SECRET, not " + in_quotes(decode));
    const std::string_view given = decode.substr(0, colon);
    std::string algo = lower(given);
    const bool hmac96 = algo.size() > 7 && algo.ends_with("-hmac96");
    if (hmac96) algo.resize(algo.size() - 7);
    if (algo.size() > 4 && algo.ends_with("-cbc")) algo.resize(algo.size() - 4);
    const std::string who =
        sa.any_spi ? "skipped the default secret: " : "skipped SA spi " + spi_text(sa.config.spi) + ": ";
    const auto c = cipher_by_tcpdump(algo);
    if (!c) {
      ctx_.note(line, decode_column, who + in_quotes(given) + " is not an algorithm vpnwire implements");
      return true;
    }
    std::string_view secret = decode.substr(colon + 1);
    const std::size_t secret_column = decode_column + colon + 1;
    std::vector<std::byte> key;
    if (secret.starts_with("0x")) {
      auto k = hex_digits(secret.substr(2));
      if (!k || secret.size() == 2)
        return ctx_.fail(line, secret_column,
                         "secret " + in_quotes(secret) + " is not 0x and an even number of hex digits");
      key = std::move(*k);
    } else {
      for (char ch : secret) key.push_back(static_cast<std::byte>(ch));
    }
    const cipher_names &row = names_of(c->cipher, 0);
    if (auto why = set_cipher(sa, row, std::move(key), given); !why.empty()) return ctx_.fail(line, secret_column, why);
    if (hmac96) {
      if (auto why = set_integrity(sa, names_of(vpnwire::esp::integrity::hmac_sha1_96), {}, false, false, given);
          !why.empty())
        return ctx_.fail(line, decode_column, why);
    }
    if (auto v = sa.config.validate_unverified(); !v) {
      ctx_.note(line, decode_column, who + std::string(vpnwire::esp::name(v.code())));
      return true;
    }
    if (sa.any_spi) {
      if (default_line_ != 0)
        ctx_.note(line, column, "this default secret replaces the one on line " + std::to_string(default_line_));
      default_line_ = line;
    }
    ctx_.add(std::move(sa));
    return true;
  }

private:
  context &ctx_;
  std::size_t default_line_ = 0;
};

/// Keeps only the last default (any-SPI) secret, as tcpdump does.
inline import_result keep_last_default(import_result r) {
  std::size_t last = r.sas.size();
  for (std::size_t i = 0; i < r.sas.size(); ++i)
    if (r.sas[i].any_spi) last = i;
  std::vector<imported_sa> kept;
  for (std::size_t i = 0; i < r.sas.size(); ++i)
    if (!r.sas[i].any_spi || i == last) kept.push_back(std::move(r.sas[i]));
  r.sas = std::move(kept);
  return r;
}

} // namespace detail

/// Reads a tcpdump -E secrets file (the file given as "-E file NAME"). `file`
/// names the source in diagnostics. Never throws on any input; an unparsable
/// line is the result's error and no SA is returned then.
[[nodiscard]] inline import_result parse_tcpdump(std::string_view text, std::string_view file = "-") {
  detail::context ctx(format::tcpdump, file);
  detail::tcpdump_parser p(ctx);
  for (const auto &l : detail::split_lines(text)) {
    if (const std::size_t c = detail::first_control_column(l.text); c != 0) {
      ctx.fail(l.number, c, "a control character; a tcpdump secrets file is text");
      break;
    }
    if (l.text.empty() || l.text[0] == '#') continue;
    if (!p.secret(l.text, l.number, 1)) break;
  }
  return detail::keep_last_default(std::move(ctx).finish());
}

/// Reads tcpdump's -E argument as given on the command line: secrets
/// separated by commas or newlines. Diagnostics say line 1 and the column
/// within the argument (newlines count as line breaks).
[[nodiscard]] inline import_result parse_tcpdump_argument(std::string_view arg, std::string_view file = "-E") {
  detail::context ctx(format::tcpdump, file);
  detail::tcpdump_parser p(ctx);
  for (const auto &l : detail::split_lines(arg)) {
    if (const std::size_t c = detail::first_control_column(l.text); c != 0) {
      ctx.fail(l.number, c, "a control character in the secret");
      break;
    }
    std::size_t pos = 0;
    bool ok = true;
    while (ok && pos <= l.text.size()) {
      const std::size_t comma = std::min(l.text.find(',', pos), l.text.size());
      ok = p.secret(l.text.substr(pos, comma - pos), l.number, pos + 1);
      pos = comma + 1;
    }
    if (!ok) break;
  }
  return detail::keep_last_default(std::move(ctx).finish());
}

} // namespace vpnwire_cli::keys
