// Writing imported SAs in another format: the CLI's --esp-sa options, a
// Wireshark esp_sa file (what Wireshark's preferences write, so tshark
// reads it with -o uat:esp_sa:LINE or from a profile directory), or a
// tcpdump -E secrets file. An SA the target cannot express (an algorithm it
// has no name for, a missing key, a selector it cannot state) is left out
// with a note naming the reason; the rest is written.
#pragma once

#include "keys/algorithms.hpp"
#include "keys/model.hpp"
#include "keys/text.hpp"
#include "vpnwire/esp/sa.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli::keys {

/// What `vpnwire keys --to` writes.
enum class output_format : std::uint8_t {
  esp_sa,    ///< --esp-sa options for vpnwire decode/doctor, one per line.
  wireshark, ///< A Wireshark esp_sa file.
  tcpdump,   ///< A tcpdump -E secrets file.
};

/// The --to name: "esp-sa", "wireshark" or "tcpdump".
[[nodiscard]] constexpr std::string_view name(output_format f) noexcept {
  switch (f) {
  case output_format::esp_sa: return "esp-sa";
  case output_format::wireshark: return "wireshark";
  case output_format::tcpdump: return "tcpdump";
  }
  return "unknown";
}

[[nodiscard]] inline std::optional<output_format> output_format_by_name(std::string_view n) noexcept {
  for (auto f : {output_format::esp_sa, output_format::wireshark, output_format::tcpdump})
    if (name(f) == n) return f;
  return std::nullopt;
}

/// The converted text and one note per SA left out.
struct export_result {
  std::string text;
  std::vector<diagnostic> notes;
};

namespace detail {

inline std::string hex_of(std::span<const std::byte> b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::byte x : b) {
    const auto u = std::to_integer<unsigned>(x);
    s.push_back(digits[u >> 4]);
    s.push_back(digits[u & 15U]);
  }
  return s;
}

inline void left_out(export_result &r, const imported_sa &sa, std::string_view target, const std::string &why) {
  r.notes.push_back(
      diagnostic{sa.file, sa.line, 1,
                 (sa.any_spi ? std::string("the SA for any SPI") : "SA spi " + detail::spi_text(sa.config.spi)) +
                     " is not written as " + std::string(target) + ": " + why});
}

inline std::string algorithm_text(const imported_sa &sa) {
  std::string s(vpnwire::esp::name(sa.config.cipher));
  if (sa.config.integrity != vpnwire::esp::integrity::none)
    s += "/" + std::string(vpnwire::esp::name(sa.config.integrity));
  return s;
}

/// A UAT string field as Wireshark's uat.c putfld writes it.
inline std::string uat_quoted(std::string_view v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s = "\"";
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || u < 0x20 || u >= 0x7F) {
      s += "\\x";
      s.push_back(digits[u >> 4]);
      s.push_back(digits[u & 15U]);
    } else {
      s.push_back(c);
    }
  }
  return s + "\"";
}

} // namespace detail

/// --esp-sa options, one "--esp-sa spi=...,enc=...,key=...[,auth=...,auth-key=...][,esn=1]"
/// per line, for `vpnwire decode $(vpnwire keys FILE --to esp-sa) CAPTURE`.
/// Left out: an SA for any SPI or a reserved one (0-255), a legacy algorithm (--esp-sa has no name for
/// 3DES-CBC, HMAC-MD5-96 or HMAC-SHA1-160), an SA without its integrity key,
/// and a second SA with the same SPI (--esp-sa takes one per SPI).
[[nodiscard]] inline export_result to_esp_sa_options(std::span<const imported_sa> sas) {
  export_result r;
  std::set<std::uint32_t> spis;
  const std::string_view target = "--esp-sa";
  for (const imported_sa &sa : sas) {
    const auto &c = names_of(sa.config.cipher, sa.config.aead_icv_size);
    const auto &i = names_of(sa.config.integrity);
    if (sa.any_spi) {
      detail::left_out(r, sa, target, "--esp-sa needs an SPI");
    } else if (vpnwire::esp::is_reserved_spi(sa.config.spi)) {
      detail::left_out(r, sa, target, "SPIs 0-255 are reserved (RFC 4303 section 2.1) and --esp-sa refuses them");
    } else if (c.esp_sa.empty() || (!sa.config.is_aead() && i.esp_sa.empty())) {
      detail::left_out(r, sa, target,
                       "--esp-sa has no name for " + detail::algorithm_text(sa) + " (decap-only legacy transform)");
    } else if (!sa.verifiable()) {
      detail::left_out(r, sa, target, "the file gives no integrity key, and --esp-sa needs one");
    } else if (!spis.insert(sa.config.spi).second) {
      detail::left_out(r, sa, target, "another SA with this SPI was written already (--esp-sa takes one per SPI)");
    } else {
      r.text += "--esp-sa spi=" + detail::spi_text(sa.config.spi) + ",enc=" + std::string(c.esp_sa);
      if (!sa.cipher_key.empty()) r.text += ",key=0x" + detail::hex_of(sa.cipher_key);
      if (!sa.config.is_aead())
        r.text += ",auth=" + std::string(i.esp_sa) + ",auth-key=0x" + detail::hex_of(sa.integrity_key);
      if (sa.config.esn) r.text += ",esn=1";
      r.text += "\n";
    }
  }
  return r;
}

/// A Wireshark esp_sa file, as Wireshark's preferences write it: the
/// generated-file header, then one quoted record per SA (two, IPv4 and IPv6,
/// for an SA whose addresses are both "*"), the most specific first. A missing integrity key is
/// written as "ANY n bit authentication [no checking]".
/// Left out: ChaCha20-Poly1305 and AES-GMAC (Wireshark 4.0 cannot decrypt
/// them) and HMAC-SHA1-160 with its key (Wireshark has no name for it).
[[nodiscard]] inline export_result to_wireshark(std::span<const imported_sa> sas) {
  export_result r;
  r.text = "# This file is automatically generated, DO NOT MODIFY.\n";
  const std::string_view target = "Wireshark esp_sa";
  // Wireshark uses the first record that matches a packet: the most specific
  // selectors go first (the order find_sa() prefers), ties in file order.
  std::vector<const imported_sa *> ordered;
  for (const imported_sa &sa : sas) ordered.push_back(&sa);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const imported_sa *a, const imported_sa *b) { return a->specificity() > b->specificity(); });
  for (const imported_sa *each : ordered) {
    const imported_sa &sa = *each;
    const auto &c = names_of(sa.config.cipher, sa.config.aead_icv_size);
    const auto &i = names_of(sa.config.integrity);
    if (c.wireshark.empty()) {
      detail::left_out(r, sa, target,
                       "Wireshark has no " + std::string(vpnwire::esp::name(sa.config.cipher)) + " decryption");
      continue;
    }
    std::string_view auth = i.wireshark;
    std::string auth_key = sa.integrity_key.empty() ? "" : "0x" + detail::hex_of(sa.integrity_key);
    if (sa.config.integrity != vpnwire::esp::integrity::none && !sa.verifiable()) {
      auth = i.wireshark_unchecked;
      auth_key.clear();
    }
    if (auth.empty()) {
      detail::left_out(r, sa, target,
                       "Wireshark has no " + std::string(vpnwire::esp::name(sa.config.integrity)) + " authentication");
      continue;
    }
    const std::string key = sa.cipher_key.empty() ? "" : "0x" + detail::hex_of(sa.cipher_key);
    const std::string spi = sa.any_spi ? "*" : detail::spi_text(sa.config.spi);
    std::vector<std::string_view> protocols;
    const address &known = sa.destination.is_any() ? sa.source : sa.destination;
    if (known.family == address::family_t::ipv6)
      protocols = {"IPv6"};
    else if (known.family == address::family_t::ipv4)
      protocols = {"IPv4"};
    else
      protocols = {"IPv4", "IPv6"};
    for (std::string_view protocol : protocols) {
      r.text += detail::uat_quoted(protocol) + "," + detail::uat_quoted(sa.source.text()) + "," +
                detail::uat_quoted(sa.destination.text()) + "," + detail::uat_quoted(spi) + "," +
                detail::uat_quoted(c.wireshark) + "," + detail::uat_quoted(key) + "," + detail::uat_quoted(auth) + "," +
                detail::uat_quoted(auth_key) + "\n";
    }
  }
  return r;
}

/// A tcpdump secrets file (read with `tcpdump -E 'file NAME'`): one
/// "SPI@DESTINATION ALGORITHM:0xKEY" line per SA ("ALGORITHM:0xKEY" alone for
/// an SA for any SPI and any address: tcpdump's default secret).
/// Left out: ciphers other than 3DES-CBC and AES-CBC (tcpdump runs
/// OpenSSL's CBC with the packet's IV and nothing else, so no AES-CTR, GCM,
/// GMAC or ChaCha20-Poly1305, and a NULL cipher it does not use at all); an
/// ICV other than 0 or 12 bytes (tcpdump only knows "-hmac96"); an SA with an
/// SPI but no destination address, or a wildcard destination.
[[nodiscard]] inline export_result to_tcpdump(std::span<const imported_sa> sas) {
  export_result r;
  r.text = "# tcpdump -E 'file NAME' secrets, one ESP SA per line: SPI@DESTINATION ALGORITHM:SECRET\n";
  const std::string_view target = "a tcpdump secret";
  bool have_default = false;
  for (const imported_sa &sa : sas) {
    std::string algo = tcpdump_cipher_name(sa.config);
    if (algo.empty()) {
      detail::left_out(r, sa, target,
                       "tcpdump decrypts only 3des-cbc and aesNNN-cbc, not " +
                           std::string(vpnwire::esp::name(sa.config.cipher)));
      continue;
    }
    const std::size_t icv = sa.config.icv_size();
    if (icv == 12) {
      algo += "-hmac96";
    } else if (icv != 0) {
      detail::left_out(r, sa, target,
                       "tcpdump knows only 12-byte ICVs (-hmac96), not the " + std::to_string(icv) + " bytes of " +
                           std::string(vpnwire::esp::name(sa.config.integrity)));
      continue;
    }
    const std::string secret = algo + ":0x" + detail::hex_of(sa.cipher_key);
    if (sa.any_spi && sa.destination.is_any()) {
      if (have_default) {
        detail::left_out(r, sa, target, "tcpdump has one default secret, and it is written already");
        continue;
      }
      have_default = true;
      r.text += secret + "\n";
    } else if (sa.any_spi || sa.destination.is_any() || sa.destination.has_wildcards()) {
      detail::left_out(r, sa, target, "tcpdump needs both the SPI and the exact destination address (SPI@ADDRESS)");
    } else {
      r.text += detail::spi_text(sa.config.spi) + "@" + sa.destination.text() + " " + secret + "\n";
    }
  }
  return r;
}

/// Writes `sas` in format `f`.
[[nodiscard]] inline export_result write_keys(output_format f, std::span<const imported_sa> sas) {
  switch (f) {
  case output_format::esp_sa: return to_esp_sa_options(sas);
  case output_format::wireshark: return to_wireshark(sas);
  case output_format::tcpdump: return to_tcpdump(sas);
  }
  return {};
}

} // namespace vpnwire_cli::keys
