// Fuzz target: key import's tcpdump parser (examples/vpnwire/keys/), tcpdump -E secrets files (and, for the same bytes,
// the command-line form). Invariants: see esp_keys_fuzz.hpp.
#include "esp_keys_fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  esp_keys_fuzz::check(text, vpnwire_cli::keys::parse_tcpdump(text, "fuzz"));
  esp_keys_fuzz::check(text, vpnwire_cli::keys::parse_tcpdump_argument(text, "fuzz"));
  return 0;
}
