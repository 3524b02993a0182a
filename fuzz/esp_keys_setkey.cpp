// Fuzz target: key import's setkey parser (examples/vpnwire/keys/), `setkey -D` output.
// Invariants: see esp_keys_fuzz.hpp.
#include "esp_keys_fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  esp_keys_fuzz::check(text, vpnwire_cli::keys::parse_setkey(text, "fuzz"));

  return 0;
}
