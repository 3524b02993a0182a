// Fuzz target: ESP decap, and the analysis path decap_unverified, with a
// random SA (legacy decap-only transforms included) and random bytes.
// Input: [cfg a][cfg b][flags][8 bytes window top][packet...]. With flag bit
// 0 set the target first gives the packet a valid ICV (encrypting the body
// as plaintext and sealing it with the SA's keys), so the trailer checks,
// the padding checks and the tunnel-mode inner length see hostile plaintext
// under a genuine ICV. Invariants: decap never reads or writes outside the
// packet (ASan, the packet is its own allocation with guards around it); on
// failure the window is unchanged; on success the payload lies inside the
// packet and the sequence number was committed. decap_unverified on the same
// bytes keeps the same bounds, and reads every packet decap accepts, with
// the same payload, marked unverified.
#include "vpnwire/esp/inbound_sa.hpp"

#include "esp_fuzz_support.hpp"
#include "fuzz_check.hpp"

#include <cstring>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 11) return 0;
  const esp::sa_config cfg = esp_fuzz::config_from(data[0], data[1]);
  const bool forge = (data[2] & 1) != 0;
  std::uint64_t top = 0;
  for (int i = 0; i < 8; ++i) top = (top << 8) | data[3 + i];
  if ((data[2] & 2) == 0) top &= 0xFFFF; // mostly near the start of the space
  esp::inbound_sa<esp::crypto::openssl_transform, 128> rx(cfg, esp_fuzz::crypto_for(cfg));
  rx.reset_window(top);

  // The packet in the middle of a larger buffer: guards must stay intact.
  const std::size_t n = size - 11;
  std::vector<std::byte> buf(n + 32, std::byte{0xA5});
  std::memcpy(buf.data() + 16, data + 11, n);
  const mutable_bytes pkt(buf.data() + 16, n);
  if (forge && n >= esp::header_size + cfg.iv_size() + cfg.icv_size()) {
    core::store_be32(pkt.data(), cfg.spi);
    std::uint64_t seq = core::load_be32(pkt.data() + 4);
    std::uint64_t full = seq;
    if (cfg.esn && !esp::infer_esn(top, static_cast<std::uint32_t>(seq), 128, full)) full = seq;
    auto t = esp_fuzz::crypto_for(cfg);
    const std::size_t body_off = esp::header_size + cfg.iv_size();
    const mutable_bytes body = pkt.subspan(body_off, n - body_off - cfg.icv_size());
    const mutable_bytes icv = pkt.subspan(n - cfg.icv_size());
    std::array<std::byte, 12> aad{};
    core::store_be32(aad.data(), cfg.spi);
    core::store_be32(aad.data() + 4, static_cast<std::uint32_t>(full >> 32));
    core::store_be32(aad.data() + 8, static_cast<std::uint32_t>(full));
    std::array<std::byte, 4> hi{};
    core::store_be32(hi.data(), static_cast<std::uint32_t>(full >> 32));
    const bytes_view iv = pkt.subspan(esp::header_size, cfg.iv_size());
    const bytes_view head = cfg.esn ? bytes_view(aad) : bytes_view(pkt.first(8));
    if (cfg.is_aead()) {
      if (cfg.cipher == esp::cipher::aes_gmac)
        (void)t.seal(iv, head, pkt.subspan(8, n - 8 - cfg.icv_size()), {}, icv);
      else
        (void)t.seal(iv, head, {}, body, icv);
    } else if (body.size() % cfg.block_size() == 0 && t.encrypt(iv, body)) {
      (void)t.compute(pkt.first(n - cfg.icv_size()), cfg.esn ? bytes_view(hi) : bytes_view{}, icv);
    }
  }
  // The same bytes for the analysis path, in their own guarded buffer.
  std::vector<std::byte> buf2(buf);
  const mutable_bytes pkt2(buf2.data() + 16, n);
  esp::inbound_sa<esp::crypto::openssl_transform, 128> rx2(cfg, esp_fuzz::crypto_for(cfg));
  rx2.reset_window(top);

  const std::uint64_t top_before = rx.window().top();
  auto r = rx.decap(pkt);
  auto u = rx2.decap_unverified(pkt2);
  for (std::size_t i = 0; i < 16; ++i) FUZZ_CHECK(buf2[i] == std::byte{0xA5});
  for (std::size_t i = 16 + n; i < buf2.size(); ++i) FUZZ_CHECK(buf2[i] == std::byte{0xA5});
  if (!u) {
    FUZZ_CHECK(rx2.window().top() == top_before);
    FUZZ_CHECK(u.offset() <= n);
  } else {
    FUZZ_CHECK(u->payload.data() >= pkt2.data() && u->payload.data() + u->payload.size() <= pkt2.data() + n);
  }
  if (r) {
    FUZZ_CHECK(u.has_value());
    FUZZ_CHECK(u->payload.size() == r->payload.size());
    FUZZ_CHECK(std::memcmp(u->payload.data(), r->payload.data(), r->payload.size()) == 0);
    FUZZ_CHECK(u->sequence == r->sequence && u->next_header == r->next_header);
    FUZZ_CHECK(!u->verified || !esp::crypto::aead_unverified<esp::crypto::openssl_transform>);
  }
  for (std::size_t i = 0; i < 16; ++i) FUZZ_CHECK(buf[i] == std::byte{0xA5});
  for (std::size_t i = 16 + n; i < buf.size(); ++i) FUZZ_CHECK(buf[i] == std::byte{0xA5});
  if (!r) {
    FUZZ_CHECK(rx.window().top() == top_before);
    FUZZ_CHECK(r.offset() <= n);
  } else {
    FUZZ_CHECK(r->payload.data() >= pkt.data());
    FUZZ_CHECK(r->payload.data() + r->payload.size() <= pkt.data() + pkt.size());
    FUZZ_CHECK(r->sequence != 0);
    FUZZ_CHECK(rx.window().check(r->sequence) == esp::replay_check::replayed);
    FUZZ_CHECK(r->payload.size() + r->tfc_length + r->pad_length + 2 + cfg.icv_size() + cfg.iv_size() + 8 == n);
  }
  return 0;
}
