// Command-line parsing of the vpnwire CLI. Pure functions over strings so
// every option and every error path is unit-tested (tests/cli/options_test.cpp).
// An error is one human-readable sentence naming the option and what is wrong;
// main() prints it on one stderr line and exits with status 2.
#pragma once

#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/sa.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli {

/// A parsed value or the sentence describing why parsing failed.
template <class T> struct parsed {
  T value{};
  std::string error; ///< empty on success
  [[nodiscard]] explicit operator bool() const noexcept { return error.empty(); }
};

/// `s` with every control character (below 0x20, and 0x7F) written as \xNN:
/// error messages quote values from argv, which may hold any byte, and must
/// stay one line on the terminal.
[[nodiscard]] inline std::string printable(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      out += "\\x";
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15U]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

template <class T> [[nodiscard]] parsed<T> parse_fail(std::string msg) {
  parsed<T> p;
  p.error = printable(msg);
  return p;
}

// ---------------------------------------------------------------- numbers

/// Decimal, or hexadecimal with a 0x prefix. Rejects signs, spaces, overflow.
[[nodiscard]] inline std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

/// Hex bytes with an optional 0x prefix ("0x0011aabb" or "0011AABB").
[[nodiscard]] inline std::optional<std::vector<std::byte>> parse_hex_bytes(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() % 2 != 0) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::byte> out;
  out.reserve(s.size() / 2);
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nib(s[i]);
    const int lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::byte>(hi * 16 + lo));
  }
  return out;
}

// ---------------------------------------------------------------- --esp-sa

enum class enc_alg : std::uint8_t {
  null,
  aes_cbc,
  aes_ctr,
  aes_gcm_8,
  aes_gcm_12,
  aes_gcm_16,
  aes_gmac,
  chacha20_poly1305
};
enum class auth_alg : std::uint8_t { none, hmac_sha1_96, hmac_sha256_128, hmac_sha384_192, hmac_sha512_256 };

struct enc_info {
  std::string_view name;
  enc_alg alg;
  bool salted;       ///< the key ends with a 4-byte salt (RFC 3686, 4106, 4543, 7634)
  bool aead;         ///< integrity comes with the cipher: auth must be none
  std::size_t iv;    ///< IV bytes on the wire
  std::size_t icv;   ///< ICV bytes of an AEAD (0 otherwise)
  std::size_t block; ///< padding block size (payload + 2 aligned to it)
};
inline constexpr std::array<enc_info, 8> enc_table{{
    {"null", enc_alg::null, false, false, 0, 0, 4},
    {"aes-cbc", enc_alg::aes_cbc, false, false, 16, 0, 16},
    {"aes-ctr", enc_alg::aes_ctr, true, false, 8, 0, 4},
    {"aes-gcm-8", enc_alg::aes_gcm_8, true, true, 8, 8, 4},
    {"aes-gcm-12", enc_alg::aes_gcm_12, true, true, 8, 12, 4},
    {"aes-gcm-16", enc_alg::aes_gcm_16, true, true, 8, 16, 4},
    {"aes-gmac", enc_alg::aes_gmac, true, true, 8, 16, 4},
    {"chacha20-poly1305", enc_alg::chacha20_poly1305, true, true, 8, 16, 4},
}};

struct auth_info {
  std::string_view name;
  auth_alg alg;
  std::size_t key; ///< key bytes (RFC 2404, RFC 4868)
  std::size_t icv; ///< truncated ICV bytes
};
inline constexpr std::array<auth_info, 5> auth_table{{
    {"none", auth_alg::none, 0, 0},
    {"hmac-sha1-96", auth_alg::hmac_sha1_96, 20, 12},
    {"hmac-sha256-128", auth_alg::hmac_sha256_128, 32, 16},
    {"hmac-sha384-192", auth_alg::hmac_sha384_192, 48, 24},
    {"hmac-sha512-256", auth_alg::hmac_sha512_256, 64, 32},
}};

[[nodiscard]] inline const enc_info &info(enc_alg a) noexcept { return enc_table[static_cast<std::size_t>(a)]; }
[[nodiscard]] inline const auth_info &info(auth_alg a) noexcept { return auth_table[static_cast<std::size_t>(a)]; }

/// The library's description of the transform ENC[/AUTH] (sizes only: no SPI,
/// no keys), for the MTU arithmetic of tunnel::compute_tunnel_limits.
[[nodiscard]] inline vpnwire::esp::sa_config transform_config(enc_alg e, auth_alg a) noexcept {
  namespace esp = vpnwire::esp;
  esp::sa_config c;
  c.key_bits = 128;
  c.aead_icv_size = 16;
  switch (e) {
  case enc_alg::null:
    c.cipher = esp::cipher::null;
    c.key_bits = 0;
    break;
  case enc_alg::aes_cbc: c.cipher = esp::cipher::aes_cbc; break;
  case enc_alg::aes_ctr: c.cipher = esp::cipher::aes_ctr; break;
  case enc_alg::aes_gcm_8:
  case enc_alg::aes_gcm_12:
  case enc_alg::aes_gcm_16:
    c.cipher = esp::cipher::aes_gcm;
    c.aead_icv_size = static_cast<std::uint8_t>(info(e).icv);
    break;
  case enc_alg::aes_gmac: c.cipher = esp::cipher::aes_gmac; break;
  case enc_alg::chacha20_poly1305:
    c.cipher = esp::cipher::chacha20_poly1305;
    c.key_bits = 256;
    break;
  }
  switch (a) {
  case auth_alg::none: c.integrity = esp::integrity::none; break;
  case auth_alg::hmac_sha1_96: c.integrity = esp::integrity::hmac_sha1_96; break;
  case auth_alg::hmac_sha256_128: c.integrity = esp::integrity::hmac_sha256_128; break;
  case auth_alg::hmac_sha384_192: c.integrity = esp::integrity::hmac_sha384_192; break;
  case auth_alg::hmac_sha512_256: c.integrity = esp::integrity::hmac_sha512_256; break;
  }
  return c;
}

[[nodiscard]] inline std::optional<enc_alg> enc_by_name(std::string_view n) {
  for (const auto &e : enc_table)
    if (e.name == n) return e.alg;
  return std::nullopt;
}
[[nodiscard]] inline std::optional<auth_alg> auth_by_name(std::string_view n) {
  for (const auto &a : auth_table)
    if (a.name == n) return a.alg;
  return std::nullopt;
}

/// One --esp-sa: everything needed to verify and decrypt one inbound SA.
struct esp_sa_option {
  std::uint32_t spi = 0;
  enc_alg enc = enc_alg::null;
  std::vector<std::byte> key; ///< cipher key without the salt
  std::array<std::byte, 4> salt{};
  auth_alg auth = auth_alg::none;
  std::vector<std::byte> auth_key;
  bool esn = false;

  /// ICV bytes on the wire (AEAD tag or truncated HMAC).
  [[nodiscard]] std::size_t icv_size() const noexcept { return info(enc).aead ? info(enc).icv : info(auth).icv; }
};

inline std::string enc_names() {
  std::string s;
  for (const auto &e : enc_table) s.append(s.empty() ? "" : ", ").append(e.name);
  return s;
}
inline std::string auth_names() {
  std::string s;
  for (const auto &a : auth_table) s.append(s.empty() ? "" : ", ").append(a.name);
  return s;
}

/// Parses "spi=0x…,enc=NAME,key=0x…[,auth=NAME,auth-key=0x…][,esn=1]".
[[nodiscard]] inline parsed<esp_sa_option> parse_esp_sa(std::string_view text) {
  using P = parsed<esp_sa_option>;
  const std::string pre = "--esp-sa: ";
  esp_sa_option sa;
  bool have_spi = false, have_enc = false, have_key = false, have_auth = false, have_auth_key = false, have_esn = false;
  std::vector<std::byte> raw_key;
  if (text.empty()) return parse_fail<esp_sa_option>(pre + "empty value; expected spi=0x…,enc=NAME,key=0x…");
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t eq = item.find('=');
    if (item.empty()) return parse_fail<esp_sa_option>(pre + "empty item (two commas in a row or a trailing comma)");
    if (eq == std::string_view::npos)
      return parse_fail<esp_sa_option>(pre + "item '" + std::string(item) + "' is not NAME=VALUE");
    const std::string_view k = item.substr(0, eq);
    const std::string_view v = item.substr(eq + 1);
    auto dup = [&](bool &seen) {
      const bool was = seen;
      seen = true;
      return was;
    };
    if (k == "spi") {
      if (dup(have_spi)) return parse_fail<esp_sa_option>(pre + "spi given twice");
      auto n = parse_uint(v, 0xFFFFFFFFULL);
      if (!n) return parse_fail<esp_sa_option>(pre + "spi '" + std::string(v) + "' is not a 32-bit number");
      if (vpnwire::esp::is_reserved_spi(static_cast<std::uint32_t>(*n)))
        return parse_fail<esp_sa_option>(pre + "spi " + std::string(v) +
                                         " is reserved (0-255 are never assigned to an SA, RFC 4303 section 2.1)");
      sa.spi = static_cast<std::uint32_t>(*n);
    } else if (k == "enc") {
      if (dup(have_enc)) return parse_fail<esp_sa_option>(pre + "enc given twice");
      auto a = enc_by_name(v);
      if (!a)
        return parse_fail<esp_sa_option>(pre + "unknown enc '" + std::string(v) + "' (one of " + enc_names() + ")");
      sa.enc = *a;
    } else if (k == "key") {
      if (dup(have_key)) return parse_fail<esp_sa_option>(pre + "key given twice");
      auto b = parse_hex_bytes(v);
      if (!b) return parse_fail<esp_sa_option>(pre + "key is not an even number of hex digits");
      raw_key = std::move(*b);
    } else if (k == "auth") {
      if (dup(have_auth)) return parse_fail<esp_sa_option>(pre + "auth given twice");
      auto a = auth_by_name(v);
      if (!a)
        return parse_fail<esp_sa_option>(pre + "unknown auth '" + std::string(v) + "' (one of " + auth_names() + ")");
      sa.auth = *a;
    } else if (k == "auth-key") {
      if (dup(have_auth_key)) return parse_fail<esp_sa_option>(pre + "auth-key given twice");
      auto b = parse_hex_bytes(v);
      if (!b) return parse_fail<esp_sa_option>(pre + "auth-key is not an even number of hex digits");
      sa.auth_key = std::move(*b);
    } else if (k == "esn") {
      if (dup(have_esn)) return parse_fail<esp_sa_option>(pre + "esn given twice");
      if (v != "0" && v != "1")
        return parse_fail<esp_sa_option>(pre + "esn must be 0 or 1, not '" + std::string(v) + "'");
      sa.esn = v == "1";
    } else {
      return parse_fail<esp_sa_option>(pre + "unknown item '" + std::string(k) +
                                       "' (expected spi, enc, key, auth, auth-key, esn)");
    }
  }
  if (!have_spi) return parse_fail<esp_sa_option>(pre + "missing spi=");
  if (!have_enc) return parse_fail<esp_sa_option>(pre + "missing enc=");
  const enc_info &e = info(sa.enc);
  if (sa.enc == enc_alg::null) {
    if (have_key && !raw_key.empty()) return parse_fail<esp_sa_option>(pre + "enc=null takes no key");
  } else {
    if (!have_key) return parse_fail<esp_sa_option>(pre + "missing key= for enc=" + std::string(e.name));
    const std::size_t salt = e.salted ? 4 : 0;
    const std::size_t n = raw_key.size();
    const bool aes_ok = n == 16 + salt || n == 24 + salt || n == 32 + salt;
    const bool ok = sa.enc == enc_alg::chacha20_poly1305 ? n == 36 : aes_ok;
    if (!ok) {
      std::string want = sa.enc == enc_alg::chacha20_poly1305 ? "36 (a 32-byte key and the 4-byte salt)"
                         : salt != 0 ? "20, 28 or 36 (an AES-128/192/256 key and the 4-byte salt)"
                                     : "16, 24 or 32 (AES-128/192/256)";
      return parse_fail<esp_sa_option>(pre + "key for enc=" + std::string(e.name) + " is " + std::to_string(n) +
                                       " bytes; expected " + want);
    }
    sa.key.assign(raw_key.begin(), raw_key.end() - static_cast<std::ptrdiff_t>(salt));
    for (std::size_t i = 0; i < salt; ++i) sa.salt[i] = raw_key[n - salt + i];
  }
  if (e.aead && sa.auth != auth_alg::none)
    return parse_fail<esp_sa_option>(pre + "enc=" + std::string(e.name) +
                                     " is a combined-mode cipher with its own ICV; use auth=none or omit auth");
  if (!e.aead && sa.auth == auth_alg::none)
    return parse_fail<esp_sa_option>(pre + "enc=" + std::string(e.name) +
                                     " needs an integrity algorithm (auth=NAME,auth-key=0x...): vpnwire does not "
                                     "decapsulate ESP without integrity");
  if (sa.auth == auth_alg::none) {
    if (have_auth_key) return parse_fail<esp_sa_option>(pre + "auth-key given without an auth algorithm");
  } else {
    const auth_info &a = info(sa.auth);
    if (!have_auth_key) return parse_fail<esp_sa_option>(pre + "missing auth-key= for auth=" + std::string(a.name));
    if (sa.auth_key.size() != a.key)
      return parse_fail<esp_sa_option>(pre + "auth-key for auth=" + std::string(a.name) + " is " +
                                       std::to_string(sa.auth_key.size()) + " bytes; expected " +
                                       std::to_string(a.key));
  }
  P out;
  out.value = std::move(sa);
  return out;
}

// ---------------------------------------------------------------- policies

/// --reassembly. `linux_kernel` is the option value "linux" (an enumerator
/// named `linux` clashes with the `linux` macro GNU-mode compilers define).
enum class reassembly_policy : std::uint8_t {
  drop,
  first,
  last,
  bsd,
  bsd_right,
  linux_kernel,
  windows,
  solaris,
  linux_current
};
inline constexpr std::array<std::string_view, 9> reassembly_names{
    "drop", "first", "last", "bsd", "bsd-right", "linux", "windows", "solaris", "linux-current"};

[[nodiscard]] inline parsed<reassembly_policy> parse_reassembly(std::string_view v) {
  for (std::size_t i = 0; i < reassembly_names.size(); ++i)
    if (reassembly_names[i] == v) return {static_cast<reassembly_policy>(i), {}};
  return parse_fail<reassembly_policy>(
      "--reassembly: unknown policy '" + std::string(v) +
      "' (one of drop, first, last, bsd, bsd-right, linux, windows, solaris, linux-current)");
}

struct reorder_option {
  enum class kind : std::uint8_t { strict, timeout, depth, none } mode = kind::timeout;
  std::uint64_t value = 30; ///< milliseconds for timeout, packets for depth
  friend bool operator==(const reorder_option &, const reorder_option &) = default;
};

[[nodiscard]] inline parsed<reorder_option> parse_reorder(std::string_view v) {
  const std::string pre = "--reorder: ";
  if (v == "strict") return {{reorder_option::kind::strict, 0}, {}};
  if (v == "none") return {{reorder_option::kind::none, 0}, {}};
  auto num = [&](std::string_view what, std::string_view s, std::uint64_t lo,
                 std::uint64_t hi) -> parsed<std::uint64_t> {
    auto n = parse_uint(s, hi);
    if (!n || *n < lo)
      return parse_fail<std::uint64_t>(pre + std::string(what) + " '" + std::string(s) + "' is not a number in " +
                                       std::to_string(lo) + ".." + std::to_string(hi));
    return {*n, {}};
  };
  if (v.starts_with("timeout=")) {
    auto n = num("timeout", v.substr(8), 0, 3'600'000);
    if (!n) return parse_fail<reorder_option>(n.error);
    return {{reorder_option::kind::timeout, n.value}, {}};
  }
  if (v.starts_with("depth=")) {
    auto n = num("depth", v.substr(6), 1, 1024); // the reorder window holds 1024 packets
    if (!n) return parse_fail<reorder_option>(n.error);
    return {{reorder_option::kind::depth, n.value}, {}};
  }
  return parse_fail<reorder_option>(pre + "unknown policy '" + std::string(v) +
                                    "' (one of strict, timeout=MS, depth=N, none)");
}

// ---------------------------------------------------------------- subcommands

struct decode_options {
  std::vector<esp_sa_option> sas;
  /// --esp-secrets FILE (repeatable): key files read by esp_secrets.hpp.
  std::vector<std::string> esp_secrets;
  std::string l2tp_secret;
  bool have_secret = false;
  reassembly_policy reassembly = reassembly_policy::drop;
  reorder_option reorder{};
  bool json = false;
  std::string write_inner; ///< empty: none
  /// --reorder-memory: MiB the reorder stage may hold (windows and held packets).
  std::size_t reorder_memory_mib = 64;
  /// --evidence: frame numbers doctor lists per finding (0: its default).
  std::size_t evidence = 0;
  std::string html; ///< --html: doctor's HTML report file (empty: none)
  std::string capture;
};

/// Bounds of --evidence.
inline constexpr std::size_t evidence_max = 1'000'000;

/// Bounds of --reorder-memory, in MiB.
inline constexpr std::size_t reorder_memory_min_mib = 1;
inline constexpr std::size_t reorder_memory_max_mib = 65536;

/// Parses the arguments after "decode" or "doctor" (doctor accepts the same
/// options; --json and --write-inner are refused by doctor's caller, and
/// --evidence by decode's).
[[nodiscard]] inline parsed<decode_options> parse_decode_args(const std::vector<std::string_view> &args) {
  decode_options o;
  bool have_reasm = false, have_reorder = false, have_memory = false, have_evidence = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    std::string_view val;
    bool inline_val = false;
    if (a.starts_with("--")) {
      const std::size_t eq = a.find('=');
      if (eq != std::string_view::npos) {
        val = a.substr(eq + 1);
        a = a.substr(0, eq);
        inline_val = true;
      }
    }
    auto take = [&]() -> std::optional<std::string_view> {
      if (inline_val) return val;
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    auto needs = [&](std::string_view opt) { return parse_fail<decode_options>(std::string(opt) + ": missing value"); };
    if (a == "--esp-sa") {
      auto v = take();
      if (!v) return needs(a);
      auto sa = parse_esp_sa(*v);
      if (!sa) return parse_fail<decode_options>(sa.error);
      for (const auto &s : o.sas)
        if (s.spi == sa.value.spi)
          return parse_fail<decode_options>("--esp-sa: spi " + std::to_string(s.spi) + " given twice");
      o.sas.push_back(std::move(sa.value));
    } else if (a == "--esp-secrets") {
      auto v = take();
      if (!v) return needs(a);
      if (v->empty()) return parse_fail<decode_options>("--esp-secrets: empty file name");
      o.esp_secrets.emplace_back(*v);
    } else if (a == "--l2tp-secret") {
      auto v = take();
      if (!v) return needs(a);
      if (o.have_secret) return parse_fail<decode_options>("--l2tp-secret: given twice");
      if (v->empty()) return parse_fail<decode_options>("--l2tp-secret: empty secret");
      o.l2tp_secret = std::string(*v);
      o.have_secret = true;
    } else if (a == "--reassembly") {
      auto v = take();
      if (!v) return needs(a);
      if (have_reasm) return parse_fail<decode_options>("--reassembly: given twice");
      auto p = parse_reassembly(*v);
      if (!p) return parse_fail<decode_options>(p.error);
      o.reassembly = p.value;
      have_reasm = true;
    } else if (a == "--reorder") {
      auto v = take();
      if (!v) return needs(a);
      if (have_reorder) return parse_fail<decode_options>("--reorder: given twice");
      auto p = parse_reorder(*v);
      if (!p) return parse_fail<decode_options>(p.error);
      o.reorder = p.value;
      have_reorder = true;
    } else if (a == "--reorder-memory") {
      auto v = take();
      if (!v) return needs(a);
      if (have_memory) return parse_fail<decode_options>("--reorder-memory: given twice");
      auto n = parse_uint(*v, reorder_memory_max_mib);
      if (!n || *n < reorder_memory_min_mib)
        return parse_fail<decode_options>("--reorder-memory: '" + std::string(*v) + "' is not a size in MiB from " +
                                          std::to_string(reorder_memory_min_mib) + " to " +
                                          std::to_string(reorder_memory_max_mib));
      o.reorder_memory_mib = static_cast<std::size_t>(*n);
      have_memory = true;
    } else if (a == "--evidence") {
      auto v = take();
      if (!v) return needs(a);
      if (have_evidence) return parse_fail<decode_options>("--evidence: given twice");
      auto n = parse_uint(*v, evidence_max);
      if (!n || *n == 0)
        return parse_fail<decode_options>("--evidence: '" + std::string(*v) + "' is not a count from 1 to " +
                                          std::to_string(evidence_max));
      o.evidence = static_cast<std::size_t>(*n);
      have_evidence = true;
    } else if (a == "--html") {
      auto v = take();
      if (!v) return needs(a);
      if (!o.html.empty()) return parse_fail<decode_options>("--html: given twice");
      if (v->empty()) return parse_fail<decode_options>("--html: empty file name");
      o.html = std::string(*v);
    } else if (a == "--json") {
      if (inline_val) return parse_fail<decode_options>("--json: takes no value");
      o.json = true;
    } else if (a == "--write-inner") {
      auto v = take();
      if (!v) return needs(a);
      if (!o.write_inner.empty()) return parse_fail<decode_options>("--write-inner: given twice");
      if (v->empty()) return parse_fail<decode_options>("--write-inner: empty file name");
      o.write_inner = std::string(*v);
    } else if (a.starts_with("-") && a != "-") {
      return parse_fail<decode_options>("unknown option '" + std::string(a) + "'");
    } else {
      if (!o.capture.empty())
        return parse_fail<decode_options>("more than one capture given ('" + o.capture + "' and '" + std::string(a) +
                                          "')");
      o.capture = std::string(a);
    }
  }
  if (o.capture.empty()) return parse_fail<decode_options>("no capture file given");
  return {std::move(o), {}};
}

} // namespace vpnwire_cli
