// Fuzz target: decode/doctor --esp-secrets (examples/vpnwire/esp_secrets.hpp):
// a key file of any format, loaded the way the CLI loads it, then ESP
// packets matched to its SAs (by SPI and the outer addresses) and
// decapsulated, verified or (without an integrity key) unverified.
//
// Input: KEY FILE TEXT, a 0x00 byte, then records [len_hi][len_lo][flags]
// [len bytes: an ESP packet]; flags bit 0 swaps the outer addresses
// (192.0.2.1 -> 192.0.2.2, or back). A length beyond the input takes the rest.
//
// Invariants: no crash, leak or over-read (ASan); a parse error imports no
// SA; the receivers stay within esp_secret_store::max_receivers; a packet of
// an SA with every key is delivered only verified; a delivered payload lies
// inside the packet; the layer is marked unverified exactly when the ICV was
// not checked, and deprecated exactly for the legacy transforms.
#include "fuzz_check.hpp"

#include "esp_secrets.hpp"
#include "vpnwire/core/bytes.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const auto *nul = static_cast<const std::uint8_t *>(std::memchr(data, 0, size));
  const std::size_t text_size = nul != nullptr ? static_cast<std::size_t>(nul - data) : size;
  const std::string_view text(reinterpret_cast<const char *>(data), text_size);
  vpnwire_cli::esp_secrets_loaded loaded;
  vpnwire_cli::add_esp_secrets_text(text, "fuzz", loaded);
  if (loaded.error) {
    FUZZ_CHECK(loaded.sas.empty());
    return 0;
  }
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  vpnwire_cli::esp_secret_store store;
  store.add(std::move(loaded.sas), loaded.notes);
  std::size_t pos = text_size + 1;
  std::vector<std::byte> buf;
  const auto a = vpnwire_cli::address_bytes(0xC0000201U), b = vpnwire_cli::address_bytes(0xC0000202U);
  while (pos + 3 <= size) {
    std::size_t len = (std::size_t{data[pos]} << 8) | data[pos + 1];
    const bool swap = (data[pos + 2] & 1U) != 0;
    pos += 3;
    len = std::min(len, size - pos);
    buf.assign(reinterpret_cast<const std::byte *>(data + pos), reinterpret_cast<const std::byte *>(data + pos + len));
    pos += len;
    if (buf.size() < 4) continue;
    const std::uint32_t spi = vpnwire::core::load_be32(buf.data());
    const auto m = swap ? store.find(spi, b, a) : store.find(spi, a, b);
    if (!m) continue;
    const vpnwire::mutable_bytes pkt(buf.data(), buf.size());
    auto d = vpnwire_cli::esp_secret_store::decap(m, pkt);
    vpnwire_cli::esp_layer l;
    vpnwire_cli::mark_secret_sa(l, *m.sa, d && !d->verified);
    FUZZ_CHECK(l.deprecated_cipher.empty() != vpnwire::esp::is_deprecated(m.sa->config.cipher));
    if (!d) continue;
    if (m.rx->verifies()) FUZZ_CHECK(d->verified);
    FUZZ_CHECK(l.unverified == !d->verified);
    FUZZ_CHECK(d->payload.data() >= buf.data() && d->payload.data() + d->payload.size() <= buf.data() + buf.size());
  }
#endif
  return 0;
}
