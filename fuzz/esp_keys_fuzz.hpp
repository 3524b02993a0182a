// The body shared by the key-import fuzz targets (fuzz/esp_keys_*.cpp): one
// of examples/vpnwire/keys/'s parsers over arbitrary bytes.
//
// Invariants: no crash, hang or over-read (the input lives in an exactly
// sized heap block); an error has a line within the text and a column >= 1,
// and then no SA; every imported SA has a configuration the library accepts
// for unverified decap and keys of exactly its lengths; and whatever was
// imported, each converter's output reads back without error through the
// matching parser (Wireshark, tcpdump) or the CLI's --esp-sa parser, with one
// SA per record written.
#pragma once

#include "keys/cli_option.hpp"
#include "keys/export.hpp"
#include "keys/import.hpp"
#include "options.hpp"

#include "fuzz_check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace esp_keys_fuzz {

inline std::size_t lines_in(std::string_view t) {
  return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n')) + 1;
}

inline void check(std::string_view text, const vpnwire_cli::keys::import_result &r) {
  using namespace vpnwire_cli::keys;
  if (!r.ok()) {
    FUZZ_CHECK(r.sas.empty());
    FUZZ_CHECK(r.error->line >= 1 && r.error->line <= lines_in(text));
    FUZZ_CHECK(r.error->column >= 1);
    FUZZ_CHECK(!r.error->message.empty());
    FUZZ_CHECK(r.error->text().find('\n') == std::string::npos);
    return;
  }
  for (const auto &n : r.notes) FUZZ_CHECK(n.line >= 1 && n.line <= lines_in(text) && !n.message.empty());
  for (const imported_sa &sa : r.sas) {
    FUZZ_CHECK(sa.config.validate_unverified().has_value());
    FUZZ_CHECK(sa.cipher_key.size() == sa.config.cipher_key_size());
    FUZZ_CHECK(sa.integrity_key.empty() || sa.integrity_key.size() == sa.config.integrity_key_size());
    FUZZ_CHECK(!sa.verifiable() || sa.config.validate().has_value());
  }
  // Whatever was imported converts to text each importer reads back.
  const auto w = to_wireshark(r.sas);
  const auto wb = parse_wireshark(w.text, "w");
  FUZZ_CHECK(wb.ok());
  FUZZ_CHECK(wb.notes.empty());
  const auto t = to_tcpdump(r.sas);
  const auto tb = parse_tcpdump(t.text, "t");
  FUZZ_CHECK(tb.ok());
  FUZZ_CHECK(tb.sas.size() + t.notes.size() == r.sas.size());
  const auto e = to_esp_sa_options(r.sas);
  FUZZ_CHECK(e.notes.size() <= r.sas.size());
  std::size_t start = 0, n = 0;
  while (start < e.text.size()) {
    const std::size_t end = e.text.find('\n', start);
    const std::string_view line = std::string_view(e.text).substr(start, end - start);
    FUZZ_CHECK(line.starts_with("--esp-sa "));
    FUZZ_CHECK(vpnwire_cli::parse_esp_sa(line.substr(9)));
    start = end + 1;
    ++n;
  }
  FUZZ_CHECK(n + e.notes.size() == r.sas.size());
}

} // namespace esp_keys_fuzz
