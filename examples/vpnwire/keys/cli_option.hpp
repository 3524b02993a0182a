// The bridge to the CLI's existing SA description: an imported SA as the
// esp_sa_option that `--esp-sa` produces (options.hpp). The conversion writes
// the SA as --esp-sa text and parses it with the CLI's own parse_esp_sa(), so
// the two can never disagree about names, salt or key lengths.
#pragma once

#include "keys/export.hpp"
#include "keys/model.hpp"
#include "options.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vpnwire_cli::keys {

/// The SA as the CLI's esp_sa_option, or nothing when --esp-sa cannot
/// express it (see to_esp_sa_options(): any SPI, a legacy algorithm, no
/// integrity key); `why` then says which.
[[nodiscard]] inline std::optional<esp_sa_option> to_esp_sa_option(const imported_sa &sa, std::string *why = nullptr) {
  const export_result r = to_esp_sa_options(std::span<const imported_sa>(&sa, 1));
  if (r.text.empty()) {
    if (why != nullptr && !r.notes.empty()) *why = r.notes.front().message;
    return std::nullopt;
  }
  constexpr std::string_view prefix = "--esp-sa ";
  std::string_view line = r.text;
  line.remove_prefix(prefix.size());
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  auto p = parse_esp_sa(line);
  if (!p) {
    if (why != nullptr) *why = p.error;
    return std::nullopt;
  }
  return std::move(p.value);
}

} // namespace vpnwire_cli::keys
