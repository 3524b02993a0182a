// doctor's findings about SAs read from --esp-secrets: which SAs were
// decrypted without checking their ICV (analysis only) and which use
// transforms RFC 8221 deprecates. doctor.hpp feeds it the ESP layers and
// renders its findings with its own heading/item format.
#pragma once

#include "doctor_finding.hpp"
#include "record.hpp"

#include "vpnwire/esp/sa.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpnwire_cli {

/// Frame numbers as evidence for the doctor_*.hpp helpers: the first `keep`
/// kept, the rest counted (the same rendering as doctor.hpp's evidence).
class frame_list {
public:
  void add(std::uint64_t frame, std::size_t keep) {
    if (frames_.size() < keep) frames_.push_back(frame);
    ++count_;
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::string str() const {
    std::string s;
    for (std::size_t i = 0; i < frames_.size(); ++i) s += (i != 0 ? ", " : "") + std::to_string(frames_[i]);
    if (count_ > frames_.size()) s += " and " + std::to_string(count_ - frames_.size()) + " more";
    return s;
  }

private:
  std::vector<std::uint64_t> frames_;
  std::uint64_t count_ = 0;
};

/// An IPv4 address (host order) as a dotted quad.
[[nodiscard]] inline std::string dotted_quad(std::uint32_t a) {
  char b[20];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255U, (a >> 8) & 255U, a & 255U);
  return b;
}

class esp_secret_findings {
public:
  /// SAs tracked; more are counted under the last finding only.
  static constexpr std::size_t max_tracked = 1024;

  using finding = doctor_finding;

  /// One decrypted ESP layer of frame `frame`.
  void on_esp(std::uint64_t frame, const esp_layer &e) {
    if (e.state != esp_layer::payload_state::decrypted) return;
    if (!e.unverified && e.deprecated_cipher.empty() && e.deprecated_integrity.empty()) return;
    auto it = sas_.find(e.spi);
    if (it == sas_.end()) {
      if (sas_.size() >= max_tracked) return;
      it = sas_.emplace(e.spi, per_sa{}).first;
    }
    per_sa &s = it->second;
    if (e.unverified) {
      if (s.unverified == 0) s.first_unverified = frame;
      ++s.unverified;
    }
    if (!e.deprecated_cipher.empty()) s.deprecated_cipher = e.deprecated_cipher;
    if (!e.deprecated_integrity.empty()) s.deprecated_integrity = e.deprecated_integrity;
    if (s.deprecated_first == 0 && (!e.deprecated_cipher.empty() || !e.deprecated_integrity.empty()))
      s.deprecated_first = frame;
  }

  /// The findings, in SPI order: one for every SA read unverified (all of
  /// them in one finding), one per SA with a deprecated transform.
  [[nodiscard]] std::vector<finding> findings() const {
    std::vector<finding> out;
    std::string spis;
    std::uint64_t total = 0;
    for (const auto &[spi, s] : sas_) {
      if (s.unverified == 0) continue;
      spis += (spis.empty() ? "" : ", ") + hex(spi) + " (" + std::to_string(s.unverified) + " packets from frame " +
              std::to_string(s.first_unverified) + ")";
      total += s.unverified;
    }
    if (total != 0) {
      finding f{"note", "ESP decrypted WITHOUT integrity verification on SA spi " + spis, {}};
      f.items.emplace_back("evidence", std::to_string(total) +
                                           " packets decrypted with --esp-secrets keys that give no integrity key "
                                           "(tcpdump -E secrets, Wireshark \"ANY n bit authentication\"): the ICV "
                                           "was skipped by its length, padding still checked");
      f.items.emplace_back("meaning",
                           "for analysis only: a forged or corrupted packet would look the same; findings inside "
                           "these SAs rest on unauthenticated data");
      f.items.emplace_back("fix", "give the integrity key (ip xfrm state, setkey -D or --esp-sa auth=..,auth-key=..) "
                                  "to verify every packet");
      out.push_back(std::move(f));
    }
    for (const auto &[spi, s] : sas_) {
      if (s.deprecated_first == 0) continue;
      std::string what(s.deprecated_cipher);
      if (!s.deprecated_integrity.empty()) what += (what.empty() ? "" : " and ") + std::string(s.deprecated_integrity);
      finding f{
          "warning", "SA spi " + hex(spi) + " uses " + what + ": " + std::string(vpnwire::esp::deprecated_note), {}};
      f.items.emplace_back("evidence", "decrypted from frame " + std::to_string(s.deprecated_first));
      f.items.emplace_back("why", "RFC 8221 says 3DES-CBC SHOULD NOT and HMAC-MD5-96 MUST NOT be used for ESP; "
                                  "vpnwire only decapsulates them, for old captures");
      f.items.emplace_back("fix", "rekey with aes-gcm-16 (or aes-cbc with hmac-sha256-128) on both gateways");
      out.push_back(std::move(f));
    }
    return out;
  }

private:
  struct per_sa {
    std::uint64_t unverified = 0, first_unverified = 0, deprecated_first = 0;
    std::string_view deprecated_cipher, deprecated_integrity;
  };
  static std::string hex(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
  }
  std::map<std::uint32_t, per_sa> sas_;
};

} // namespace vpnwire_cli
