// Fuzz target: the NAT-T receive step (esp/natt.hpp): receive_udp4500 over a
// writable datagram, with a lookup that knows one SPI, then decap of what it
// hands back.
// Input: the UDP datagram from its first header byte.
// Invariants: no read or write outside the datagram (its own allocation,
// guards around it); on success the payload is a sub-span of the datagram,
// within the UDP length, and agrees with parse_udp_encapsulation and
// classify_udp4500 on the read-only view; a keepalive is one 0xFF byte, IKE
// follows a zero marker, ESP starts with the SPI the lookup was given and
// has an SA; decap of that payload stays inside the datagram; errors point
// inside it.
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/natt.hpp"

#include "esp_fuzz_support.hpp"
#include "fuzz_check.hpp"

#include <cstring>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size > 0xFFFF) return 0; // a UDP datagram
  std::vector<std::byte> buf(size + 32, std::byte{0x5C});
  if (size != 0) std::memcpy(buf.data() + 16, data, size);
  const mutable_bytes d(buf.data() + 16, size);
  const esp::sa_config cfg = esp_fuzz::config_from(size > 0 ? data[size - 1] : 0, size > 1 ? data[size - 2] : 0);
  esp::inbound_sa<esp::crypto::openssl_transform> rx(cfg, esp_fuzz::crypto_for(cfg));
  std::uint32_t asked = 0;
  auto lookup = [&](std::uint32_t spi) noexcept {
    asked = spi;
    return spi == cfg.spi ? &rx : nullptr;
  };
  const std::vector<std::byte> copy(d.begin(), d.end());
  auto r = esp::receive_udp4500(d, lookup);
  auto u = esp::parse_udp_encapsulation(bytes_view(copy));
  if (!r) {
    FUZZ_CHECK(r.offset() <= size);
  } else {
    FUZZ_CHECK(u.has_value());
    FUZZ_CHECK(r->payload.data() >= d.data() + 8 && r->payload.data() + r->payload.size() <= d.data() + size);
    FUZZ_CHECK(r->source_port == u->source_port && r->destination_port == u->destination_port);
    auto c = esp::classify_udp4500(u->payload);
    FUZZ_CHECK(c.has_value() && c->kind == r->kind && c->payload.size() == r->payload.size());
    switch (r->kind) {
    case esp::natt_kind::keepalive: FUZZ_CHECK(r->payload.size() == 1 && r->payload[0] == std::byte{0xFF}); break;
    case esp::natt_kind::ike: FUZZ_CHECK(core::load_be32(r->payload.data() - 4) == 0); break;
    case esp::natt_kind::esp: {
      FUZZ_CHECK(r->sa == &rx && r->spi == cfg.spi && asked == cfg.spi);
      FUZZ_CHECK(r->payload.size() >= esp::header_size && core::load_be32(r->payload.data()) == cfg.spi);
      auto dec = r->sa->decap(r->payload);
      if (dec)
        FUZZ_CHECK(dec->payload.data() >= r->payload.data() &&
                   dec->payload.data() + dec->payload.size() <= r->payload.data() + r->payload.size());
      break;
    }
    }
  }
  for (std::size_t i = 0; i < 16; ++i) FUZZ_CHECK(buf[i] == std::byte{0x5C});
  for (std::size_t i = 16 + size; i < buf.size(); ++i) FUZZ_CHECK(buf[i] == std::byte{0x5C});
  return 0;
}
