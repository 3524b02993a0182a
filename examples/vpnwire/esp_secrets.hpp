// --esp-secrets FILE for decode and doctor: ESP keys in whatever form the
// gateway printed them (`ip xfrm state`, `setkey -D`, tcpdump -E secrets,
// Wireshark's esp_sa), the format detected from the content by the key
// import (keys/import.hpp, docs/keys.md). This header adds the two things the
// pipeline needs on top of the import:
//
//   - load_esp_secrets(): reads the files; the first unparsable line stops
//     the run with FILE:LINE:COLUMN; an algorithm vpnwire cannot use is a
//     note naming it, and the rest of the file still loads;
//   - esp_secret_store: the receivers (keys::make_receiver) of the imported
//     SAs, found per packet by SPI and by the addresses the file gave
//     (keys::find_sa). An SA without its integrity key (tcpdump's secrets,
//     Wireshark's "ANY n bit authentication") is read with the library's
//     decap_unverified(): the ICV is skipped by the algorithm's length, the
//     padding is still checked, and the packet is marked unverified.
//
// Memory is bounded: one receiver per (SA, SPI) pair, at most max_receivers.
#pragma once

#include "keys/import.hpp"
#include "keys/model.hpp"
#include "record.hpp"

#ifdef VPNWIRE_CLI_HAVE_OPENSSL
#include "keys/receiver.hpp"
#endif

#include "vpnwire/esp/sa.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpnwire_cli {

/// Largest --esp-secrets file read (a key file is a few KiB; this keeps a
/// mistaken argument, such as a capture, from being read whole).
inline constexpr std::size_t esp_secrets_max_bytes = std::size_t{16} << 20;

/// What the --esp-secrets files gave: the SAs, the notes (skipped algorithms
/// and lines, by name and place), or the first error (FILE:LINE:COLUMN: what,
/// or FILE: why it cannot be read).
struct esp_secrets_loaded {
  std::vector<keys::imported_sa> sas;
  std::vector<std::string> notes;
  std::optional<std::string> error;
};

/// Reads the whole of `path` into `out`. False with `err` set when it cannot
/// be opened or read, or is larger than esp_secrets_max_bytes.
[[nodiscard]] inline bool read_secrets_file(const std::string &path, std::string &out, std::string &err) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    err = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  out.clear();
  char buf[8192];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, n);
    if (out.size() > esp_secrets_max_bytes) {
      std::fclose(f);
      err = path + ": larger than " + std::to_string(esp_secrets_max_bytes >> 20) + " MiB: not a key file";
      return false;
    }
    if (n < sizeof buf) break;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    err = path + ": cannot read";
    return false;
  }
  return true;
}

/// Imports the text of one key file named `file` into `into`: the first
/// parse error stops (into.error), notes are appended.
inline void add_esp_secrets_text(std::string_view text, std::string_view file, esp_secrets_loaded &into) {
  keys::import_result r = keys::import_keys(text, file);
  if (!r.ok()) {
    into.error = r.error->text();
    return;
  }
  for (const auto &n : r.notes) into.notes.push_back(n.text());
  for (auto &sa : r.sas) into.sas.push_back(std::move(sa));
}

/// Reads every --esp-secrets file in order.
[[nodiscard]] inline esp_secrets_loaded load_esp_secrets(const std::vector<std::string> &files) {
  esp_secrets_loaded out;
  std::string text, err;
  for (const auto &path : files) {
    if (!read_secrets_file(path, text, err)) {
      out.error = printable(err);
      return out;
    }
    add_esp_secrets_text(text, path, out);
    if (out.error) return out;
  }
  return out;
}

/// The name to print for an SA's transform, e.g. "des3_cbc/hmac_md5_96", with
/// "ICV n bytes" for an integrity algorithm the file named only by length.
[[nodiscard]] inline std::string transform_text(const keys::imported_sa &sa) {
  namespace esp = vpnwire::esp;
  std::string s(esp::name(sa.config.cipher));
  if (sa.config.is_aead()) return s;
  if (!sa.integrity_algorithm_known)
    s += "/unknown " + std::to_string(sa.config.icv_size() * 8) + "-bit ICV";
  else
    s += "/" + std::string(esp::name(sa.config.integrity));
  return s;
}

/// An IPv4 address (host order) as the 4 bytes keys::find_sa() matches.
[[nodiscard]] inline std::array<std::uint8_t, 4> address_bytes(std::uint32_t a) noexcept {
  return {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16), static_cast<std::uint8_t>(a >> 8),
          static_cast<std::uint8_t>(a)};
}

/// Marks an ESP layer decrypted with an --esp-secrets SA: unverified when the
/// ICV was not checked, and the SA's deprecated transforms by name.
inline void mark_secret_sa(esp_layer &l, const keys::imported_sa &sa, bool unverified) noexcept {
  namespace esp = vpnwire::esp;
  l.unverified = unverified;
  if (esp::is_deprecated(sa.config.cipher)) l.deprecated_cipher = esp::name(sa.config.cipher);
  if (sa.integrity_algorithm_known && esp::is_deprecated(sa.config.integrity))
    l.deprecated_integrity = esp::name(sa.config.integrity);
}

#ifdef VPNWIRE_CLI_HAVE_OPENSSL

/// The receivers of the SAs of --esp-secrets files.
class esp_secret_store {
public:
  using receiver = keys::receiver<64>;
  /// (SA, SPI) receivers kept at most: an any-SPI secret gets one per SPI it
  /// is used for (each SPI has its own replay window).
  static constexpr std::size_t max_receivers = 4096;

  /// A receiver for one packet and the SA it came from.
  struct match {
    receiver *rx = nullptr;
    const keys::imported_sa *sa = nullptr;
    [[nodiscard]] explicit operator bool() const noexcept { return rx != nullptr; }
  };

  /// Takes the imported SAs. Each is keyed once here so a key the backend
  /// refuses (e.g. a legacy cipher without OpenSSL's legacy provider) is a
  /// note naming the SA and its algorithm, and the SA is left out.
  void add(std::vector<keys::imported_sa> sas, std::vector<std::string> &notes) {
    for (auto &sa : sas) {
      if (auto rx = make(sa, sa.any_spi ? std::uint32_t{0x100} : sa.config.spi); !rx) {
        notes.push_back(printable(sa.file + ":" + std::to_string(sa.line) + ":1: SA spi " + spi_text(sa) + " (" +
                                  transform_text(sa) + ") skipped: " + std::string(vpnwire::esp::name(rx.code()))));
        continue;
      }
      sas_.push_back(std::move(sa));
    }
  }

  [[nodiscard]] bool empty() const noexcept { return sas_.empty(); }
  [[nodiscard]] std::span<const keys::imported_sa> sas() const noexcept { return sas_; }

  /// The receiver for a packet with `spi` from `src` to `dst` (4 or 16
  /// address bytes each): the most specific SA that matches. Nothing when no
  /// SA matches or the receiver limit is reached.
  [[nodiscard]] match find(std::uint32_t spi, std::span<const std::uint8_t> src, std::span<const std::uint8_t> dst) {
    const keys::imported_sa *sa = keys::find_sa(sas_, spi, src, dst);
    if (sa == nullptr) return {};
    const auto key = std::make_pair(static_cast<std::size_t>(sa - sas_.data()), spi);
    auto it = rx_.find(key);
    if (it == rx_.end()) {
      if (rx_.size() >= max_receivers) return {};
      auto rx = make(*sa, spi);
      if (!rx) return {};
      it = rx_.emplace(key, std::make_unique<receiver>(std::move(rx).value())).first;
    }
    return {it->second.get(), sa};
  }

  /// Decapsulates `pkt` in place with `m`: verified when the SA has every key,
  /// with decap_unverified() otherwise (the output's `verified` says which).
  [[nodiscard]] static vpnwire::result<vpnwire::esp::decap_output, vpnwire::esp::errc>
  decap(const match &m, vpnwire::mutable_bytes pkt) noexcept {
    return m.rx->verifies() ? m.rx->decap(pkt) : m.rx->decap_unverified(pkt);
  }

  [[nodiscard]] static std::string spi_text(const keys::imported_sa &sa) {
    if (sa.any_spi) return "*";
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", sa.config.spi);
    return b;
  }

private:
  /// The pipeline decapsulates in transport mode and trims tunnel-mode TFC
  /// padding by the inner IP length itself (as for --esp-sa).
  static vpnwire::result<receiver, vpnwire::esp::errc> make(const keys::imported_sa &sa, std::uint32_t spi) {
    keys::imported_sa copy = sa;
    copy.config.spi = spi;
    copy.config.mode = vpnwire::esp::sa_mode::transport;
    copy.config.strict_padding = true;
    return keys::make_receiver<64>(copy);
  }

  std::vector<keys::imported_sa> sas_;
  std::map<std::pair<std::size_t, std::uint32_t>, std::unique_ptr<receiver>> rx_;
};

#endif

} // namespace vpnwire_cli
