// `ip xfrm state` output (iproute2, Linux), as `ip xfrm state` and
// `ip -s xfrm state` print it (ip/ipxfrm.c, xfrm_state_info_print):
//
//   src 192.0.2.1 dst 192.0.2.2
//   	proto esp spi 0x00001000 reqid 1 mode tunnel
//   	replay-window 0 flag af-unspec esn
//   	auth-trunc hmac(sha256) 0x00112233... 128
//   	enc cbc(aes) 0x00112233...
//   	aead rfc4106(gcm(aes)) 0x00112233... 128      (instead of enc + auth)
//   	encap type espinudp sport 4500 dport 4500 addr 0.0.0.0
//   	anti-replay esn context:
//   	 seq-hi 0x0, seq 0x0, oseq-hi 0x0, oseq 0x0
//   	 replay_window 128, bitmap-length 4
//   	 00000000 00000000 00000000 00000000
//   	sel src 0.0.0.0/0 dst 0.0.0.0/0
//
// A state starts at a "src ... dst ..." line in column 1; every indented line
// belongs to it. Lines vpnwire does not need (selectors, lifetimes, stats,
// marks, offload) are skipped; an indented line with an attribute vpnwire
// does not know is skipped with a note (newer iproute2 versions add some);
// a malformed line of a known attribute, or text outside a state, is an
// error with its line and column. A state whose protocol, mode, algorithm or
// encapsulation vpnwire cannot use is skipped with a note naming it.
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

struct xfrm_algorithm_line {
  std::string name;
  std::vector<std::byte> key;
  std::uint32_t bits = 0; ///< auth-trunc length or aead ICV length
  std::size_t line = 0;
  std::size_t key_column = 0;
  std::size_t name_column = 0;
};

struct xfrm_state {
  imported_sa sa;
  bool have_proto = false;
  std::string skip; ///< why vpnwire cannot use the state (noted, not an error)
  std::optional<xfrm_algorithm_line> enc, auth, auth_trunc, aead;
};

/// Drops iproute2's "-s" decorations after a key: " (128 bits)".
inline void drop_bits_suffix(std::vector<token> &t, std::size_t after) {
  if (t.size() > after + 1 && t[after].text.starts_with("(") && t[after + 1].text == "bits)")
    t.erase(t.begin() + static_cast<std::ptrdiff_t>(after), t.begin() + static_cast<std::ptrdiff_t>(after + 2));
}

/// A number as iproute2 prints it, possibly with "-s" extras: "0x00001000",
/// "0x00001000(4096)", "1", "1(0x00000001)".
inline std::optional<std::uint64_t> xfrm_number(std::string_view v) {
  const std::size_t paren = v.find('(');
  if (paren != std::string_view::npos && v.back() == ')') v = v.substr(0, paren);
  return parse_uint(v, 0xFFFFFFFFULL);
}

inline bool all_hex_words(const std::vector<token> &t) {
  for (const token &w : t) {
    if (w.text.size() != 8) return false;
    for (char c : w.text)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

class xfrm_parser {
public:
  explicit xfrm_parser(context &ctx) : ctx_(ctx) {}

  bool header(const text_line &l) {
    const auto t = tokens_of(l.text);
    if (t.size() != 4 || t[0].text != "src" || t[2].text != "dst")
      return ctx_.fail(l.number, 1,
                       "expected a state's first line, 'src ADDRESS dst ADDRESS', not " + in_quotes(l.text));
    state_.emplace();
    state_->sa.line = l.number;
    for (std::size_t i : {std::size_t{1}, std::size_t{3}}) {
      auto a = parse_address(t[i].text);
      if (!a || a->is_any()) return ctx_.fail(l.number, t[i].column, "not an IP address: " + in_quotes(t[i].text));
      (i == 1 ? state_->sa.source : state_->sa.destination) = *a;
    }
    if (state_->sa.source.family != state_->sa.destination.family)
      return ctx_.fail(l.number, t[3].column, "src and dst are of different address families");
    return true;
  }

  bool attribute(const text_line &l) {
    if (!state_) return ctx_.fail(l.number, 1, "an indented line before any 'src ADDRESS dst ADDRESS' line");
    auto t = tokens_of(l.text);
    const std::string_view k = t[0].text;
    if (k == "proto") return proto(l, t);
    if (k == "replay-window") {
      bool in_flags = false;
      for (const token &w : t) {
        if (w.text == "flag")
          in_flags = true;
        else if (in_flags && w.text == "esn")
          state_->sa.config.esn = true;
      }
      return true;
    }
    if (k == "anti-replay") {
      if (t.size() > 1 && t[1].text == "esn") state_->sa.config.esn = true; // only ESN states print this
      return true;
    }
    if (k == "enc" || k == "auth" || k == "auth-trunc" || k == "aead") return algorithm(l, t);
    if (k == "encap") return encap(l, t);
    static constexpr std::array<std::string_view, 27> skipped{
        "mark",   "output-mark", "if_id",         "sel",      "lastused", "lifetime", "limit:", "expire", "add",
        "stats:", "seq-hi",      "replay_window", "security", "crypto",   "dir",      "tfcpad", "coa",    "tmpl",
        "level",  "extra_flag",  "offload",       "comp",     "pcpu-num", "seq",      "replay", "ctx",    "lastused:"};
    for (std::string_view s : skipped)
      if (k == s) return true;
    // Sub-lines of lifetimes and replay bitmaps start with a number.
    if ((k[0] >= '0' && k[0] <= '9') || all_hex_words(t)) return true;
    ctx_.note(l.number, t[0].column,
              "ignored line: " + in_quotes(k) + " is not an ip xfrm state attribute vpnwire knows");
    return true;
  }

  bool finish() {
    if (!state_) return true;
    xfrm_state s = std::move(*state_);
    state_.reset();
    const std::size_t line = s.sa.line;
    if (!s.have_proto) return ctx_.fail(line, 1, "state without its 'proto ... spi ... mode ...' line");
    const std::string who = "skipped SA spi " + spi_text(s.sa.config.spi) + ": ";
    if (!s.skip.empty()) {
      ctx_.note(line, 1, who + s.skip);
      return true;
    }
    if (s.enc && s.aead) return ctx_.fail(s.aead->line, 1, "a state with both enc and aead");
    if (!s.enc && !s.aead) return ctx_.fail(line, 1, "an ESP state without an enc or aead line");
    if (s.auth && s.auth_trunc) return ctx_.fail(s.auth->line, 1, "a state with both auth and auth-trunc");
    imported_sa &sa = s.sa;
    const xfrm_algorithm_line &e = s.aead ? *s.aead : *s.enc;
    const cipher_names *c = cipher_by_xfrm(e.name, s.aead.has_value(), e.bits);
    if (c == nullptr) {
      ctx_.note(e.line, e.name_column,
                who + (s.aead ? "aead " + e.name + " with a " + std::to_string(e.bits) + "-bit ICV" : "enc " + e.name) +
                    " is not an algorithm vpnwire implements");
      return true;
    }
    if (auto why = set_cipher(sa, *c, e.key, e.name); !why.empty()) return ctx_.fail(e.line, e.key_column, why);
    const std::optional<xfrm_algorithm_line> &a = s.auth_trunc ? s.auth_trunc : s.auth;
    if (a && c->xfrm_aead) {
      ctx_.note(a->line, 1, who + "an AEAD (" + e.name + ") with a separate auth algorithm is not an ESP transform");
      return true;
    }
    if (a) {
      const std::uint32_t bits = s.auth_trunc ? a->bits : linux_default_trunc_bits(a->name);
      const integrity_names *i = integrity_by_xfrm(a->name, bits);
      if (i == nullptr) {
        std::string what =
            s.auth_trunc
                ? "auth-trunc " + a->name + " " + std::to_string(bits)
                : "auth " + a->name +
                      (bits != 0 ? " (Linux truncates it to " + std::to_string(bits) + " bits without auth-trunc)"
                                 : std::string());
        ctx_.note(a->line, a->name_column, who + what + " is not an algorithm vpnwire implements");
        return true;
      }
      if (auto why = set_integrity(sa, *i, a->key, true, true, a->name); !why.empty())
        return ctx_.fail(a->line, a->key_column, why);
    }
    if (auto v = sa.config.validate_unverified(); !v) {
      ctx_.note(line, 1, who + std::string(vpnwire::esp::name(v.code())));
      return true;
    }
    ctx_.add(std::move(sa));
    return true;
  }

private:
  bool proto(const text_line &l, const std::vector<token> &t) {
    xfrm_state &s = *state_;
    s.have_proto = true;
    for (std::size_t i = 0; i < t.size(); i += 2) {
      const std::string_view k = t[i].text;
      if (i + 1 >= t.size()) return ctx_.fail(l.number, t[i].column, in_quotes(k) + " without a value");
      const token &v = t[i + 1];
      if (k == "proto") {
        if (v.text != "esp") s.skip = "proto " + std::string(v.text) + " is not ESP";
      } else if (k == "spi") {
        auto n = xfrm_number(v.text);
        if (!n) return ctx_.fail(l.number, v.column, "spi " + in_quotes(v.text) + " is not a 32-bit number");
        s.sa.config.spi = static_cast<std::uint32_t>(*n);
      } else if (k == "reqid") {
        auto n = xfrm_number(v.text);
        if (!n) return ctx_.fail(l.number, v.column, "reqid " + in_quotes(v.text) + " is not a 32-bit number");
        s.sa.reqid = static_cast<std::uint32_t>(*n);
      } else if (k == "mode") {
        if (v.text == "tunnel" || v.text == "transport") {
          s.sa.config.mode = v.text == "tunnel" ? vpnwire::esp::sa_mode::tunnel : vpnwire::esp::sa_mode::transport;
          s.sa.mode_known = true;
        } else if (s.skip.empty()) {
          s.skip = "mode " + std::string(v.text) + " is not transport or tunnel";
        }
      } else {
        return ctx_.fail(l.number, t[i].column, "unexpected " + in_quotes(k) + " on the proto line");
      }
    }
    return true;
  }

  bool algorithm(const text_line &l, std::vector<token> t) {
    const std::string_view k = t[0].text;
    drop_bits_suffix(t, 3);
    const bool with_bits = k == "auth-trunc" || k == "aead";
    const std::size_t want = with_bits ? 4 : 3;
    if (t.size() != want)
      return ctx_.fail(l.number, t[0].column,
                       std::string(k) + (with_bits ? " takes NAME 0xKEY BITS" : " takes NAME 0xKEY") + ", not " +
                           in_quotes(l.text));
    xfrm_algorithm_line a;
    a.name = std::string(t[1].text);
    a.name_column = t[1].column;
    a.key_column = t[2].column;
    a.line = l.number;
    auto key = prefixed_hex(t[2].text);
    if (!key) return ctx_.fail(l.number, t[2].column, "key " + in_quotes(t[2].text) + " is not 0x and hex digits");
    a.key = std::move(*key);
    if (with_bits) {
      auto b = parse_uint(t[3].text, 4096);
      if (!b) return ctx_.fail(l.number, t[3].column, in_quotes(t[3].text) + " is not a length in bits");
      a.bits = static_cast<std::uint32_t>(*b);
    }
    auto &slot = k == "enc"    ? state_->enc
                 : k == "auth" ? state_->auth
                 : k == "aead" ? state_->aead
                               : state_->auth_trunc;
    if (slot) return ctx_.fail(l.number, t[0].column, std::string(k) + " given twice in one state");
    slot = std::move(a);
    return true;
  }

  bool encap(const text_line &l, const std::vector<token> &t) {
    // encap type espinudp sport 4500 dport 4500 addr 0.0.0.0
    if (t.size() != 9 || t[1].text != "type" || t[3].text != "sport" || t[5].text != "dport" || t[7].text != "addr")
      return ctx_.fail(l.number, t[0].column,
                       "expected 'encap type TYPE sport PORT dport PORT addr ADDRESS', not " + in_quotes(l.text));
    auto sp = parse_uint(t[4].text, 0xFFFF);
    auto dp = parse_uint(t[6].text, 0xFFFF);
    if (!sp) return ctx_.fail(l.number, t[4].column, in_quotes(t[4].text) + " is not a port");
    if (!dp) return ctx_.fail(l.number, t[6].column, in_quotes(t[6].text) + " is not a port");
    if (t[2].text != "espinudp") {
      if (state_->skip.empty())
        state_->skip = "encap type " + std::string(t[2].text) + " is not RFC 3948 UDP encapsulation (espinudp)";
      return true;
    }
    state_->sa.config.udp_encap = true;
    state_->sa.config.udp_source_port = static_cast<std::uint16_t>(*sp);
    state_->sa.config.udp_destination_port = static_cast<std::uint16_t>(*dp);
    return true;
  }

  context &ctx_;
  std::optional<xfrm_state> state_;
};

} // namespace detail

/// Reads `ip xfrm state` (or `ip -s xfrm state`) output. `file` names the
/// source in diagnostics. Never throws on any input; an unparsable line is
/// the result's error (with line and column) and no SA is returned then.
[[nodiscard]] inline import_result parse_ip_xfrm(std::string_view text, std::string_view file = "-") {
  detail::context ctx(format::ip_xfrm, file);
  detail::xfrm_parser p(ctx);
  for (const auto &l : detail::split_lines(text)) {
    if (const std::size_t c = detail::first_control_column(l.text); c != 0) {
      ctx.fail(l.number, c, "a control character; ip xfrm state output is text");
      break;
    }
    if (detail::blank_line(l.text)) continue;
    const bool ok = detail::is_blank(l.text[0]) ? p.attribute(l) : (p.finish() && p.header(l));
    if (!ok) break;
  }
  if (!ctx.failed()) p.finish();
  return std::move(ctx).finish();
}

} // namespace vpnwire_cli::keys
