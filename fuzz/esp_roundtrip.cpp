// Fuzz target: encap then decap round trip over every SA configuration.
// Input: [cfg a][cfg b][next header][tfc][iv seed][payload...].
// Invariants: encap writes exactly packet_size() bytes and nothing past it;
// decap gives back the payload, the next header and the sequence number; a
// legacy (decap-only) transform is refused with decap_only_transform.
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/natt.hpp"
#include "vpnwire/esp/outbound_sa.hpp"

#include "esp_fuzz_support.hpp"
#include "fuzz_check.hpp"

#include <cstring>
#include <vector>

using namespace vpnwire;

namespace {
void fill_iv(void *ctx, mutable_bytes out) noexcept {
  auto *s = static_cast<std::uint8_t *>(ctx);
  for (auto &b : out) b = static_cast<std::byte>(*s += 29);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 5) return 0;
  const esp::sa_config cfg = esp_fuzz::config_from(data[0], data[1]);
  std::uint8_t nh = data[2];
  const std::size_t tfc = cfg.mode == esp::sa_mode::tunnel ? data[3] % 64 : 0;
  std::uint8_t iv_state = data[4];
  const bytes_view payload = std::as_bytes(std::span(data + 5, size - 5));
  // Tunnel mode trims by the inner IP length: only IPv4/IPv6 inners whose
  // header says exactly their length survive; use another next header else.
  if (cfg.mode == esp::sa_mode::tunnel && (nh == 4 || nh == 41)) nh = 17;
  esp::outbound_sa<esp::crypto::openssl_transform> tx(cfg, esp_fuzz::crypto_for(cfg),
                                                      esp::iv_generator{fill_iv, &iv_state});
  esp::inbound_sa<esp::crypto::openssl_transform> rx(cfg, esp_fuzz::crypto_for(cfg));
  if (cfg.esn) {
    tx.set_last_sequence(0xFFFFFFFFULL - (data[3] % 4));
    rx.reset_window(0xFFFFFFFFULL - (data[3] % 4));
  }
  const std::size_t total = cfg.packet_size(payload.size(), tfc);
  std::vector<std::byte> buf(total + 8, std::byte{0x3C});
  std::memcpy(buf.data() + cfg.headroom(), payload.data(), payload.size());
  esp::encap_options opt;
  opt.tfc_padding = tfc;
  auto n = tx.encap(std::span(buf).first(total), payload.size(), nh, opt);
  if (cfg.is_deprecated()) { // legacy transforms are decap only, refused before anything is written
    FUZZ_CHECK(n.code() == esp::errc::decap_only_transform);
    for (std::size_t i = cfg.headroom() + payload.size(); i < buf.size(); ++i) FUZZ_CHECK(buf[i] == std::byte{0x3C});
    return 0;
  }
  if (cfg.udp_encap && total > 0xFFFF) {
    FUZZ_CHECK(n.code() == esp::errc::packet_too_large);
    return 0;
  }
  FUZZ_CHECK(n.has_value());
  FUZZ_CHECK(*n == total);
  for (std::size_t i = total; i < buf.size(); ++i) FUZZ_CHECK(buf[i] == std::byte{0x3C});
  mutable_bytes pkt = std::span(buf).first(total);
  if (cfg.udp_encap) {
    auto k = esp::classify_udp4500(pkt.subspan(esp::udp_header_size));
    FUZZ_CHECK(k.has_value() && k->kind == esp::natt_kind::esp);
    pkt = pkt.subspan(esp::udp_header_size);
  }
  auto d = rx.decap(pkt);
  FUZZ_CHECK(d.has_value());
  FUZZ_CHECK(d->sequence == tx.last_sequence());
  FUZZ_CHECK(d->next_header == nh);
  if (nh == esp::next_header_dummy) {
    FUZZ_CHECK(d->outcome == esp::decap_outcome::dummy);
  } else {
    FUZZ_CHECK(d->outcome == esp::decap_outcome::delivered);
  }
  // Without an IP inner, TFC padding stays in the payload (nothing says where it starts).
  FUZZ_CHECK(d->payload.size() == payload.size() + tfc);
  FUZZ_CHECK(std::memcmp(d->payload.data(), payload.data(), payload.size()) == 0);
  // A second decap of the same bytes is a replay.
  std::vector<std::byte> again(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(total));
  auto r = rx.decap(std::span(again).subspan(cfg.udp_encap ? esp::udp_header_size : 0));
  FUZZ_CHECK(!r.has_value());
  return 0;
}
