// What key import produces, whatever the source format: one imported_sa per
// ESP SA the file describes (an esp::sa_config plus the key material and the
// addresses the SA applies to), the notes about what was skipped and why, and
// at most one error (the first line that could not be parsed, with file, line
// and column; nothing is imported then).
//
// Every parser in keys/ is a pure function over a std::string_view: no I/O,
// no exceptions on bad input, so the fuzz targets (fuzz/esp_keys_*.cpp) call
// them directly.
#pragma once

#include "options.hpp"
#include "vpnwire/esp/sa.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli::keys {

/// The key-file formats vpnwire reads.
enum class format : std::uint8_t {
  ip_xfrm,   ///< `ip xfrm state` output (iproute2, Linux).
  setkey,    ///< `setkey -D` output (KAME: FreeBSD, NetBSD, ipsec-tools).
  tcpdump,   ///< tcpdump's -E secrets file (`spi@addr algo:secret` lines).
  wireshark, ///< Wireshark's esp_sa UAT file (also written by strongSwan's save-keys).
};

/// The format's name as users know it, e.g. "ip xfrm state".
[[nodiscard]] constexpr std::string_view name(format f) noexcept {
  switch (f) {
  case format::ip_xfrm: return "ip xfrm state";
  case format::setkey: return "setkey -D";
  case format::tcpdump: return "tcpdump -E";
  case format::wireshark: return "Wireshark esp_sa";
  }
  return "unknown";
}

/// An IP address, a wildcard, or (Wireshark) an IPv4 address with wildcard
/// octets such as 192.0.2.*.
struct address {
  enum class family_t : std::uint8_t { any, ipv4, ipv6 };
  family_t family = family_t::any;
  std::array<std::uint8_t, 16> bytes{};
  /// Per byte: true when that byte matches anything (IPv4 wildcard octets).
  std::array<bool, 16> wild{};

  [[nodiscard]] bool is_any() const noexcept { return family == family_t::any; }
  [[nodiscard]] std::size_t size() const noexcept { return family == family_t::ipv6 ? 16 : 4; }
  [[nodiscard]] bool has_wildcards() const noexcept {
    return std::any_of(wild.begin(), wild.begin() + static_cast<std::ptrdiff_t>(size()), [](bool w) { return w; });
  }

  /// True when `a` (4 bytes for IPv4, 16 for IPv6) is this address or one the
  /// pattern covers; a wildcard matches both families.
  [[nodiscard]] bool matches(std::span<const std::uint8_t> a) const noexcept {
    if (is_any()) return true;
    if (a.size() != size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!wild[i] && a[i] != bytes[i]) return false;
    return true;
  }

  /// The address as text: "*", a dotted quad (with '*' octets), or RFC 5952 IPv6.
  [[nodiscard]] std::string text() const {
    if (is_any()) return "*";
    if (family == family_t::ipv4) {
      std::string s;
      for (std::size_t i = 0; i < 4; ++i) {
        if (i != 0) s += '.';
        s += wild[i] ? std::string("*") : std::to_string(bytes[i]);
      }
      return s;
    }
    char buf[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) == nullptr) return "?";
    return buf;
  }

  friend bool operator==(const address &, const address &) = default;
};

/// Parses "*", an IPv4 dotted quad, or an IPv6 address (no zone, no prefix).
/// With `allow_octet_wildcards` an IPv4 octet may be "*" (Wireshark's esp_sa).
[[nodiscard]] inline std::optional<address> parse_address(std::string_view s, bool allow_octet_wildcards = false) {
  address a;
  if (s == "*") return a;
  if (s.empty() || s.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string z(s);
  if (z.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, z.c_str(), a.bytes.data()) != 1) return std::nullopt;
    a.family = address::family_t::ipv6;
    return a;
  }
  // IPv4: four decimal octets 0-255 without leading zeros, or '*'.
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t end = i == 3 ? s.size() : s.find('.', pos);
    if (end == std::string_view::npos || end == pos) return std::nullopt;
    const std::string_view octet = s.substr(pos, end - pos);
    if (octet == "*" && allow_octet_wildcards) {
      a.wild[i] = true;
    } else {
      if (octet.size() > 3 || (octet.size() > 1 && octet[0] == '0')) return std::nullopt;
      unsigned v = 0;
      for (char c : octet) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v > 255) return std::nullopt;
      a.bytes[i] = static_cast<std::uint8_t>(v);
    }
    pos = end + 1;
  }
  a.family = address::family_t::ipv4;
  return a;
}

/// One ESP SA read from a key file.
struct imported_sa {
  /// The library's description of the SA: spi, cipher, key size, AEAD ICV
  /// length, integrity, mode, ESN, UDP encapsulation and its ports.
  vpnwire::esp::sa_config config{};
  /// The SA applies to packets with any SPI (a tcpdump secret without
  /// spi@addr, or a Wireshark SPI of "*"); config.spi is then 0.
  bool any_spi = false;
  address source;
  address destination;
  /// False when the file does not say (tcpdump, Wireshark, setkey mode=any):
  /// config.mode is then transport, which trims nothing; a tunnel-mode reader
  /// trims TFC padding by the inner IP length itself.
  bool mode_known = false;
  /// The whole encryption key material: the AES/3DES/ChaCha20 key followed,
  /// for CTR, GCM, GMAC and ChaCha20-Poly1305, by the 4-byte salt/nonce
  /// (config.cipher_key_size() bytes).
  std::vector<std::byte> cipher_key;
  /// The HMAC key; empty when the file gives none (tcpdump, Wireshark "ANY
  /// n bit" authentication). Then only decap_unverified() can read the SA.
  std::vector<std::byte> integrity_key;
  /// False when the file gives only the ICV length (tcpdump "-hmac96",
  /// Wireshark "ANY 96 bit"): config.integrity is then the transform with
  /// that ICV length and stands for "unknown algorithm".
  bool integrity_algorithm_known = true;
  /// The algorithm names exactly as the file printed them (for messages).
  std::string cipher_source_name;
  std::string integrity_source_name;
  std::uint32_t reqid = 0;
  /// The file and line (1-based) the SA starts on, for messages.
  std::string file;
  std::size_t line = 0;

  /// True when decap() can verify every packet: an AEAD, or an integrity
  /// algorithm with its key.
  [[nodiscard]] bool verifiable() const noexcept {
    return config.is_aead() ||
           (config.integrity != vpnwire::esp::integrity::none && integrity_algorithm_known && !integrity_key.empty());
  }

  /// True when a packet with this SPI between these addresses (4 or 16
  /// bytes each) belongs to the SA, by SPI and by the addresses the file gave.
  [[nodiscard]] bool matches(std::uint32_t spi, std::span<const std::uint8_t> src,
                             std::span<const std::uint8_t> dst) const noexcept {
    return (any_spi || config.spi == spi) && source.matches(src) && destination.matches(dst);
  }
  /// How specific the selectors are: exact SPI and addresses win over wildcards.
  [[nodiscard]] int specificity() const noexcept {
    auto addr = [](const address &a) { return a.is_any() ? 0 : a.has_wildcards() ? 1 : 2; };
    return (any_spi ? 0 : 8) + addr(destination) * 2 + addr(source);
  }
};

/// The most specific SA matching a packet's SPI and addresses, or null.
[[nodiscard]] inline const imported_sa *find_sa(std::span<const imported_sa> sas, std::uint32_t spi,
                                                std::span<const std::uint8_t> src, std::span<const std::uint8_t> dst) {
  const imported_sa *best = nullptr;
  for (const imported_sa &sa : sas)
    if (sa.matches(spi, src, dst) && (best == nullptr || sa.specificity() > best->specificity())) best = &sa;
  return best;
}

/// A place in a key file and what is wrong (or was skipped) there.
struct diagnostic {
  std::string file;
  std::size_t line = 0;   ///< 1-based
  std::size_t column = 0; ///< 1-based byte column (a tab counts as one)
  std::string message;

  /// "file:line:column: message", one line, control characters escaped.
  [[nodiscard]] std::string text() const {
    return printable(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message);
  }
};

/// The result of importing one file.
struct import_result {
  format source_format = format::ip_xfrm;
  std::vector<imported_sa> sas;
  /// What was skipped (an algorithm vpnwire cannot use, named; an SA that is
  /// not ESP) and lines ignored; the rest of the file still loaded.
  std::vector<diagnostic> notes;
  /// The first unparsable line; when set, `sas` is empty.
  std::optional<diagnostic> error;

  [[nodiscard]] bool ok() const noexcept { return !error.has_value(); }
};

} // namespace vpnwire_cli::keys
