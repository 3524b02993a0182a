// `setkey -D` output: the KAME format FreeBSD, NetBSD and ipsec-tools print
// (libipsec/pfkey_dump.c, pfkey_sadump):
//
//   192.0.2.1 192.0.2.2                      ([port] after each with NAT-T)
//   	esp mode=tunnel spi=4096(0x00001000) reqid=0(0x00000000)
//   	E: aes-cbc  00112233 44556677 8899aabb ccddeeff
//   	A: hmac-sha2-256  00112233 44556677 8899aabb ccddeeff 00112233 44556677 8899aabb ccddeeff
//   	seq=0x00000000 replay=4 flags=0x00000040 state=mature
//   	created: Jan  2 03:04:05 2024	current: Jan  2 03:05:05 2024
//   	diff: 60(s)	hard: 0(s)	soft: 0(s)
//   	last:                     	hard: 0(s)	soft: 0(s)
//   	current: 0(bytes)	hard: 0(bytes)	soft: 0(bytes)
//   	allocated: 0	hard: 0	soft: 0
//   	sadb_seq=1 pid=4242 refcnt=0
//
// Keys are printed as 4-byte hex groups, 32 bytes per line: a longer key
// (a 36-byte AES-256-GCM key with its salt, a 64-byte HMAC-SHA-512 key)
// continues on the next line, which starts with a space and no tab. NAT-T
// SAs are "esp-udp" (FreeBSD) and carry their ports in brackets after the
// addresses. An ESP SA without an E: line uses NULL encryption (setkey prints
// no key for it); without an A: line it has no integrity algorithm. FreeBSD
// prints ESN as flag 0x400 (SADB_X_SAFLAGS_ESN). KAME's 96-bit truncated
// HMAC-SHA2 (before RFC 4868) cannot be told apart in the dump: hmac-sha2-*
// is read as RFC 4868.
#pragma once

#include "keys/algorithms.hpp"
#include "keys/model.hpp"
#include "keys/text.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli::keys {

namespace detail {

/// "192.0.2.1", "192.0.2.1[4500]", "2001:db8::1[any]".
struct setkey_endpoint {
  address addr;
  std::optional<std::uint16_t> port;
};
inline std::optional<setkey_endpoint> parse_setkey_endpoint(std::string_view s) {
  setkey_endpoint e;
  if (!s.empty() && s.back() == ']') {
    const std::size_t open = s.rfind('[');
    if (open == std::string_view::npos) return std::nullopt;
    const std::string_view p = s.substr(open + 1, s.size() - open - 2);
    if (p != "any") {
      auto n = parse_uint(p, 0xFFFF);
      if (!n || p.starts_with("0x")) return std::nullopt;
      e.port = static_cast<std::uint16_t>(*n);
    }
    s = s.substr(0, open);
  }
  auto a = parse_address(s);
  if (!a || a->is_any()) return std::nullopt;
  e.addr = *a;
  return e;
}

/// "4096(0x00001000)": the decimal and the hex must agree.
inline std::optional<std::uint32_t> setkey_number(std::string_view v) {
  const std::size_t open = v.find('(');
  if (open == std::string_view::npos || v.back() != ')') return std::nullopt;
  auto dec = parse_uint(v.substr(0, open), 0xFFFFFFFFULL);
  auto hex = parse_uint(v.substr(open + 1, v.size() - open - 2), 0xFFFFFFFFULL);
  if (!dec || !hex || *dec != *hex || v.substr(0, open).starts_with("0x")) return std::nullopt;
  return static_cast<std::uint32_t>(*dec);
}

inline bool hex_group(std::string_view w) {
  if (w.empty() || w.size() > 8) return false;
  for (char c : w)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

struct setkey_key {
  std::string name;
  std::string hex;
  std::size_t line = 0;
  std::size_t name_column = 0;
  std::size_t key_column = 0;
};

struct setkey_sa {
  imported_sa sa;
  std::string satype;
  bool have_type = false;
  bool natt = false;
  std::string skip;
  std::optional<setkey_key> enc, auth;
  setkey_key *last_key = nullptr; ///< where a continuation line appends
};

class setkey_parser {
public:
  explicit setkey_parser(context &ctx) : ctx_(ctx) {}

  bool header(const text_line &l) {
    const auto t = tokens_of(l.text);
    if (t.size() != 2)
      return ctx_.fail(l.number, 1, "expected an SA's first line, 'SOURCE DESTINATION', not " + in_quotes(l.text));
    cur_.emplace();
    cur_->sa.line = l.number;
    for (std::size_t i = 0; i < 2; ++i) {
      auto e = parse_setkey_endpoint(t[i].text);
      if (!e) return ctx_.fail(l.number, t[i].column, "not an address[port]: " + in_quotes(t[i].text));
      (i == 0 ? cur_->sa.source : cur_->sa.destination) = e->addr;
      if (e->port) {
        cur_->natt = true;
        (i == 0 ? cur_->sa.config.udp_source_port : cur_->sa.config.udp_destination_port) = *e->port;
      }
    }
    if (cur_->sa.source.family != cur_->sa.destination.family)
      return ctx_.fail(l.number, t[1].column, "source and destination are of different address families");
    return true;
  }

  bool attribute(const text_line &l) {
    if (!cur_) return ctx_.fail(l.number, 1, "an indented line before any SA's 'SOURCE DESTINATION' line");
    const auto t = tokens_of(l.text);
    setkey_sa &s = *cur_;
    const std::string_view k = t[0].text;
    // A key continued from the line above: hex groups only, after E:/A:.
    if (s.last_key != nullptr && l.text[0] == ' ') {
      bool all = true;
      for (const token &w : t) all = all && hex_group(w.text);
      if (all) {
        for (const token &w : t) s.last_key->hex += w.text;
        return true;
      }
    }
    s.last_key = nullptr;
    if (!s.have_type) return type_line(l, t);
    if (k == "E:" || k == "A:") {
      if (t.size() < 2) return ctx_.fail(l.number, t[0].column, std::string(k) + " without an algorithm");
      auto &slot = k == "E:" ? s.enc : s.auth;
      if (slot) return ctx_.fail(l.number, t[0].column, std::string(k) + " given twice in one SA");
      setkey_key key;
      key.name = std::string(t[1].text);
      key.line = l.number;
      key.name_column = t[1].column;
      key.key_column = t.size() > 2 ? t[2].column : t[1].column + t[1].text.size();
      for (std::size_t i = 2; i < t.size(); ++i) {
        if (!hex_group(t[i].text))
          return ctx_.fail(l.number, t[i].column, "not a hex key group: " + in_quotes(t[i].text));
        key.hex += t[i].text;
      }
      slot = std::move(key);
      s.last_key = &*slot;
      return true;
    }
    if (k.starts_with("seq=")) return flags(l, t);
    static constexpr std::array<std::string_view, 12> skipped{
        "C:",         "NAT:",  "created:", "diff:",  "last:",   "current:",
        "allocated:", "hard:", "soft:",    "state=", "refcnt=", "spid="};
    for (std::string_view sk : skipped)
      if (k == sk || (sk.back() == '=' && k.starts_with(sk))) return true;
    if (k.starts_with("sadb_seq=")) return true;
    ctx_.note(l.number, t[0].column, "ignored line: " + in_quotes(k) + " is not a setkey -D field vpnwire knows");
    return true;
  }

  bool finish() {
    if (!cur_) return true;
    setkey_sa s = std::move(*cur_);
    cur_.reset();
    const std::size_t line = s.sa.line;
    if (!s.have_type) return ctx_.fail(line, 1, "SA without its 'esp mode=... spi=...' line");
    const std::string who = "skipped SA spi " + spi_text(s.sa.config.spi) + ": ";
    if (!s.skip.empty()) {
      ctx_.note(line, 1, who + s.skip);
      return true;
    }
    imported_sa &sa = s.sa;
    if (s.natt) sa.config.udp_encap = true;
    // ESP without E: is NULL encryption (setkey prints no key for it).
    std::string enc_name = s.enc ? s.enc->name : "null";
    const cipher_names *c = cipher_by_setkey(enc_name);
    if (c == nullptr) {
      ctx_.note(s.enc->line, s.enc->name_column, who + "E: " + enc_name + " is not an algorithm vpnwire implements");
      return true;
    }
    auto ekey = s.enc ? hex_digits(s.enc->hex) : std::optional<std::vector<std::byte>>(std::vector<std::byte>{});
    if (!ekey) return ctx_.fail(s.enc->line, s.enc->key_column, "the E: key has an odd number of hex digits");
    if (auto why = set_cipher(sa, *c, std::move(*ekey), enc_name); !why.empty())
      return ctx_.fail(s.enc ? s.enc->line : line, s.enc ? s.enc->key_column : 1, why);
    if (s.auth) {
      const integrity_names *i = integrity_by_setkey(s.auth->name);
      if (i == nullptr) {
        ctx_.note(s.auth->line, s.auth->name_column,
                  who + "A: " + s.auth->name + " is not an algorithm vpnwire implements");
        return true;
      }
      if (i->integrity != vpnwire::esp::integrity::none && c->xfrm_aead) {
        ctx_.note(s.auth->line, 1, who + "an AEAD (" + enc_name + ") with a separate A: algorithm");
        return true;
      }
      auto akey = hex_digits(s.auth->hex);
      if (!akey) return ctx_.fail(s.auth->line, s.auth->key_column, "the A: key has an odd number of hex digits");
      if (auto why = set_integrity(sa, *i, std::move(*akey), true, true, s.auth->name); !why.empty())
        return ctx_.fail(s.auth->line, s.auth->key_column, why);
    }
    if (auto v = sa.config.validate_unverified(); !v) {
      ctx_.note(line, 1, who + std::string(vpnwire::esp::name(v.code())));
      return true;
    }
    ctx_.add(std::move(sa));
    return true;
  }

private:
  // "esp mode=tunnel spi=4096(0x00001000) reqid=0(0x00000000)"
  bool type_line(const text_line &l, const std::vector<token> &t) {
    setkey_sa &s = *cur_;
    s.have_type = true;
    s.satype = std::string(t[0].text);
    if (s.satype == "esp-udp")
      s.natt = true;
    else if (s.satype != "esp")
      s.skip = "an " + s.satype + " SA, not ESP";
    bool have_spi = false;
    for (std::size_t i = 1; i < t.size(); ++i) {
      const std::string_view w = t[i].text;
      const std::size_t eq = w.find('=');
      if (eq == std::string_view::npos)
        return ctx_.fail(l.number, t[i].column, "expected NAME=VALUE, not " + in_quotes(w));
      const std::string_view k = w.substr(0, eq);
      const std::string_view v = w.substr(eq + 1);
      if (k == "mode") {
        if (v == "tunnel" || v == "transport") {
          s.sa.config.mode = v == "tunnel" ? vpnwire::esp::sa_mode::tunnel : vpnwire::esp::sa_mode::transport;
          s.sa.mode_known = true;
        } else if (v != "any" && s.skip.empty()) {
          s.skip = "mode " + std::string(v) + " is not transport or tunnel";
        }
      } else if (k == "spi") {
        auto n = setkey_number(v);
        if (!n) return ctx_.fail(l.number, t[i].column + 4, "spi " + in_quotes(v) + " is not DECIMAL(0xHEX)");
        s.sa.config.spi = *n;
        have_spi = true;
      } else if (k == "reqid") {
        auto n = setkey_number(v);
        if (!n) return ctx_.fail(l.number, t[i].column + 6, "reqid " + in_quotes(v) + " is not DECIMAL(0xHEX)");
        s.sa.reqid = *n;
      } else {
        return ctx_.fail(l.number, t[i].column, "unexpected " + in_quotes(k) + " on the SA type line");
      }
    }
    if (!have_spi) return ctx_.fail(l.number, t[0].column, "SA type line without spi=");
    return true;
  }

  // "seq=0x00000000 replay=4 flags=0x00000040 state=mature"
  bool flags(const text_line &l, const std::vector<token> &t) {
    for (const token &w : t) {
      if (!w.text.starts_with("flags=")) continue;
      auto f = parse_uint(w.text.substr(6), 0xFFFFFFFFULL);
      if (!f) return ctx_.fail(l.number, w.column + 6, "flags " + in_quotes(w.text.substr(6)) + " is not a number");
      if ((*f & 0x400U) != 0) cur_->sa.config.esn = true; // SADB_X_SAFLAGS_ESN (FreeBSD)
    }
    return true;
  }

  context &ctx_;
  std::optional<setkey_sa> cur_;
};

} // namespace detail

/// Reads `setkey -D` output. `file` names the source in diagnostics. Never
/// throws on any input; an unparsable line is the result's error (with line
/// and column) and no SA is returned then. "No SAD entries." reads as no SA.
[[nodiscard]] inline import_result parse_setkey(std::string_view text, std::string_view file = "-") {
  detail::context ctx(format::setkey, file);
  detail::setkey_parser p(ctx);
  for (const auto &l : detail::split_lines(text)) {
    if (const std::size_t c = detail::first_control_column(l.text); c != 0) {
      ctx.fail(l.number, c, "a control character; setkey -D output is text");
      break;
    }
    if (detail::blank_line(l.text)) continue;
    if (l.text == "No SAD entries.") continue;
    const bool ok = detail::is_blank(l.text[0]) ? p.attribute(l) : (p.finish() && p.header(l));
    if (!ok) break;
  }
  if (!ctx.failed()) p.finish();
  return std::move(ctx).finish();
}

} // namespace vpnwire_cli::keys
