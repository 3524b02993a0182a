// Fuzz target: the vpnwire CLI's option parsers (examples/vpnwire/options.hpp,
// mtu.hpp), which read argv bytes: --esp-sa, --reorder, --reassembly, the
// decode/doctor argument list and the mtu stack with its report.
//
// Input: NUL-separated arguments. The whole list goes to parse_decode_args()
// and parse_mtu_args() (+ mtu_report()); each argument also goes alone to
// parse_esp_sa(), parse_reorder() and parse_reassembly().
//
// Invariants: no crash or over-read; every error is one non-empty line
// without control characters (values echoed from argv are escaped) that
// names its option; an accepted --esp-sa has the key sizes its algorithms
// need, a valid library SA configuration (and, with OpenSSL, keys the
// backend accepts: decode never fails later on an option the parser let
// through), and prints back to a canonical text that parses to the same SA;
// an accepted --reorder prints back to itself; an accepted decode argument
// list names a capture, no SPI twice and a --reorder-memory in range; the mtu table's rows add up to its
// "total overhead" line and the MSS is the inner MTU - 40 (IPv4 inside) or - 60 (IPv6 inside).
#include "mtu.hpp"
#include "options.hpp"
#include "pipeline.hpp"

#include "fuzz_check.hpp"

#ifdef VPNWIRE_CLI_HAVE_OPENSSL
#include "vpnwire/esp/crypto/openssl.hpp"
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

void check_error(const std::string &e, std::string_view prefix) {
  FUZZ_CHECK(!e.empty());
  for (char c : e) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F); // one printable line
  FUZZ_CHECK(prefix.empty() || std::string_view(e).starts_with(prefix));
}

std::string hex(std::span<const std::byte> b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "0x";
  for (std::byte x : b) {
    s.push_back(digits[std::to_integer<unsigned>(x) >> 4]);
    s.push_back(digits[std::to_integer<unsigned>(x) & 15U]);
  }
  return s;
}

/// The canonical --esp-sa text of a parsed SA.
std::string canonical(const vpnwire_cli::esp_sa_option &o) {
  char spi[16];
  std::snprintf(spi, sizeof spi, "0x%08x", o.spi);
  std::string s = "spi=" + std::string(spi) + ",enc=" + std::string(vpnwire_cli::info(o.enc).name);
  std::vector<std::byte> key(o.key);
  if (vpnwire_cli::info(o.enc).salted) key.insert(key.end(), o.salt.begin(), o.salt.end());
  if (!key.empty()) s += ",key=" + hex(key);
  if (o.auth != vpnwire_cli::auth_alg::none)
    s += ",auth=" + std::string(vpnwire_cli::info(o.auth).name) + ",auth-key=" + hex(o.auth_key);
  if (o.esn) s += ",esn=1";
  return s;
}

void check_esp_sa(std::string_view text) {
  auto p = vpnwire_cli::parse_esp_sa(text);
  if (!p) {
    check_error(p.error, "--esp-sa: ");
    return;
  }
  const vpnwire_cli::esp_sa_option &o = p.value;
  const vpnwire_cli::enc_info &e = vpnwire_cli::info(o.enc);
  FUZZ_CHECK(!vpnwire::esp::is_reserved_spi(o.spi));
  if (o.enc == vpnwire_cli::enc_alg::null)
    FUZZ_CHECK(o.key.empty());
  else if (o.enc == vpnwire_cli::enc_alg::chacha20_poly1305)
    FUZZ_CHECK(o.key.size() == 32);
  else
    FUZZ_CHECK(o.key.size() == 16 || o.key.size() == 24 || o.key.size() == 32);
  FUZZ_CHECK(e.aead == (o.auth == vpnwire_cli::auth_alg::none));
  FUZZ_CHECK(o.auth_key.size() == vpnwire_cli::info(o.auth).key);
  const vpnwire::esp::sa_config cfg = vpnwire_cli::to_sa_config(o);
  FUZZ_CHECK(cfg.validate().has_value());
  FUZZ_CHECK(cfg.icv_size() == o.icv_size());
  FUZZ_CHECK(cfg.iv_size() == e.iv);
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  std::vector<std::byte> material(o.key);
  if (e.salted) material.insert(material.end(), o.salt.begin(), o.salt.end());
  FUZZ_CHECK(vpnwire::esp::crypto::openssl_transform::make(cfg, material, o.auth_key).has_value());
#endif
  const std::string again = canonical(o);
  auto q = vpnwire_cli::parse_esp_sa(again);
  FUZZ_CHECK(static_cast<bool>(q));
  FUZZ_CHECK(q.value.spi == o.spi && q.value.enc == o.enc && q.value.key == o.key && q.value.salt == o.salt &&
             q.value.auth == o.auth && q.value.auth_key == o.auth_key && q.value.esn == o.esn);
}

void check_reorder(std::string_view text) {
  auto p = vpnwire_cli::parse_reorder(text);
  if (!p) {
    check_error(p.error, "--reorder: ");
    return;
  }
  std::string again;
  switch (p.value.mode) {
  case vpnwire_cli::reorder_option::kind::strict: again = "strict"; break;
  case vpnwire_cli::reorder_option::kind::none: again = "none"; break;
  case vpnwire_cli::reorder_option::kind::timeout: again = "timeout=" + std::to_string(p.value.value); break;
  case vpnwire_cli::reorder_option::kind::depth:
    again = "depth=" + std::to_string(p.value.value);
    FUZZ_CHECK(p.value.value >= 1 && p.value.value <= vpnwire_cli::pipeline::reorder_capacity);
    break;
  }
  auto q = vpnwire_cli::parse_reorder(again);
  FUZZ_CHECK(static_cast<bool>(q) && q.value == p.value);
  // The anchor follows what the capture holds (pipeline.hpp: to_seq_policy).
  using vpnwire::seq::anchor_mode;
  using vpnwire::seq::reorder_mode;
  const auto joined = vpnwire_cli::to_seq_policy(p.value, false);
  const auto established = vpnwire_cli::to_seq_policy(p.value, true);
  if (p.value.mode == vpnwire_cli::reorder_option::kind::none) {
    FUZZ_CHECK(joined.mode == reorder_mode::pass_through && established.mode == reorder_mode::pass_through);
    return;
  }
  FUZZ_CHECK(established.anchor == anchor_mode::explicit_value);
  const bool strict = p.value.mode == vpnwire_cli::reorder_option::kind::strict ||
                      (p.value.mode == vpnwire_cli::reorder_option::kind::timeout && p.value.value == 0);
  FUZZ_CHECK(joined.anchor == (strict ? anchor_mode::first_packet : anchor_mode::probation));
  FUZZ_CHECK((joined.mode == reorder_mode::strict) == strict);
}

void check_reassembly(std::string_view text) {
  auto p = vpnwire_cli::parse_reassembly(text);
  if (!p) {
    check_error(p.error, "--reassembly: ");
    return;
  }
  FUZZ_CHECK(vpnwire_cli::reassembly_names[static_cast<std::size_t>(p.value)] == text);
}

void check_decode_args(const std::vector<std::string_view> &args) {
  auto p = vpnwire_cli::parse_decode_args(args);
  if (!p) {
    check_error(p.error, "");
    return;
  }
  FUZZ_CHECK(!p.value.capture.empty());
  FUZZ_CHECK(!p.value.have_secret || !p.value.l2tp_secret.empty());
  FUZZ_CHECK(p.value.reorder_memory_mib >= vpnwire_cli::reorder_memory_min_mib &&
             p.value.reorder_memory_mib <= vpnwire_cli::reorder_memory_max_mib);
  for (std::size_t i = 0; i < p.value.sas.size(); ++i)
    for (std::size_t j = i + 1; j < p.value.sas.size(); ++j) FUZZ_CHECK(p.value.sas[i].spi != p.value.sas[j].spi);
}

/// The number at the start of the bytes column of one table row.
std::size_t row_bytes(std::string_view line) {
  // "  %-26s %5zu  note": the layer name takes 26 columns after two spaces.
  FUZZ_CHECK(line.size() >= 34);
  std::string_view cell = line.substr(29, 5);
  while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
  FUZZ_CHECK(!cell.empty());
  std::size_t v = 0;
  for (char c : cell) {
    FUZZ_CHECK(c >= '0' && c <= '9');
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

void check_mtu(const std::vector<std::string_view> &args) {
  auto p = vpnwire_cli::parse_mtu_args(args);
  if (!p) {
    check_error(p.error, "");
    return;
  }
  std::string out, err;
  if (!vpnwire_cli::mtu_report(p.value, out, err)) {
    check_error(err, "mtu: ");
    return;
  }
  auto lim = vpnwire::tunnel::compute_tunnel_limits(p.value.stack);
  FUZZ_CHECK(lim.has_value());
  // IP and TCP headers without options: 20 + 20 for an IPv4 inner packet,
  // 40 + 20 for IPv6 (RFC 879 §3, RFC 8200 §8.3); spelled out here rather
  // than taken from the library, so a wrong family in it would show.
  const std::size_t headers = p.value.stack.inner == vpnwire::tunnel::ip_family::ipv4 ? 40 : 60;
  FUZZ_CHECK(lim->tcp_mss + headers == lim->inner_mtu);
  // Rows between the heading and "total overhead" add up to the total.
  std::size_t sum = 0, total = 0;
  bool in_table = false, have_total = false;
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t nl = out.find('\n', pos);
    FUZZ_CHECK(nl != std::string::npos);
    const std::string_view line(out.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("layer ")) {
      in_table = true;
    } else if (line.starts_with("  total overhead")) {
      total = row_bytes(line);
      have_total = true;
      in_table = false;
    } else if (in_table) {
      sum += row_bytes(line);
    }
  }
  FUZZ_CHECK(have_total);
  FUZZ_CHECK(sum == total);
  FUZZ_CHECK(out.find("TCP MSS          " + std::to_string(lim->tcp_mss) + "   (clamp SYNs to this: inner MTU - " +
                      std::to_string(headers) + ")\n") != std::string::npos);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size > 4096) return 0;
  // Owned copy: the parsers keep string_views into it.
  const std::string text(static_cast<const char *>(static_cast<const void *>(data)), size);
  std::vector<std::string_view> args;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\0', pos), text.size());
    args.emplace_back(text.data() + pos, end - pos);
    pos = end + 1;
    if (args.size() > 64) break;
  }
  for (std::string_view a : args) {
    check_esp_sa(a);
    check_reorder(a);
    check_reassembly(a);
  }
  check_decode_args(args);
  check_mtu(args);
  return 0;
}
