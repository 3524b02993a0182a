// Fuzz target: key import with the format detected from the content
// (examples/vpnwire/keys/import.hpp), the path `vpnwire keys` takes.
// Invariants: see esp_keys_fuzz.hpp; a detected format is the format of the
// result, and an undetected one is an error.
#include "esp_keys_fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  const auto f = vpnwire_cli::keys::detect_format(text);
  const auto r = vpnwire_cli::keys::import_keys(text, "fuzz");
  if (f) {
    FUZZ_CHECK(r.source_format == *f);
  } else {
    FUZZ_CHECK(!r.ok());
  }
  esp_keys_fuzz::check(text, r);
  return 0;
}
