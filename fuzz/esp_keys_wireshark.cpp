// Fuzz target: key import's wireshark parser (examples/vpnwire/keys/), Wireshark esp_sa UAT files.
// Invariants: see esp_keys_fuzz.hpp.
#include "esp_keys_fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  esp_keys_fuzz::check(text, vpnwire_cli::keys::parse_wireshark(text, "fuzz"));

  return 0;
}
