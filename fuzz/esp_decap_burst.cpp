// Fuzz target: esp::decap_burst against single-packet decap, differentially.
//
// Input: [cfg a][cfg b][flags][8 bytes window top], then records
//   [ctl][len high][len low][len bytes]   (at most 96 records)
// ctl bit 0 picks SA 0 or SA 1; bit 1 gives the packet a valid ICV under
// that SA (SPI set, the bytes encrypted as plaintext and sealed), so the
// trailer, padding and inner-length checks see hostile plaintext under a
// genuine ICV; bit 2 repeats the previous record's packet instead (a
// duplicate inside the burst, maybe to the other SA); with bit 3 the
// sequence number is set to the window top plus (ctl >> 4) minus 4 before
// sealing (close and equal numbers, the burst's hard cases).
//
// The same packets go through the reference (inbound_sa with the OpenSSL
// backend, one decap after the other), decap_burst over OpenSSL through
// crypto::burst_adapter, and, when built with it, decap_burst over
// intel-ipsec-mb. Invariants: every packet's outcome, error offset, payload
// position and length, next header, pad length, TFC length and sequence
// number are the same; every packet's bytes afterwards are the same; the
// SAs' counters and windows are the same. Each packet is its own heap
// allocation, so ASan sees any access outside it.
#include "vpnwire/esp/burst.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"
#if VPNWIRE_FUZZ_IPSEC_MB
#include "vpnwire/esp/crypto/ipsec_mb.hpp"
#endif

#include "esp_fuzz_support.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

using namespace vpnwire;

namespace {

constexpr std::size_t window = 128;
constexpr std::size_t max_records = 96;

using ref_sa = esp::inbound_sa<esp::crypto::openssl_transform, window>;
using ossl_burst_sa = esp::inbound_sa<esp::crypto::burst_adapter<esp::crypto::openssl_transform>, window>;

// The keys esp_fuzz::crypto_for uses, for the other backends.
std::vector<std::byte> cipher_key(const esp::sa_config &c) {
  std::vector<std::byte> k(c.cipher_key_size());
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(i * 13 + 1);
  return k;
}
std::vector<std::byte> integrity_key(const esp::sa_config &c) {
  std::vector<std::byte> k(c.integrity_key_size());
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(i * 7 + 5);
  return k;
}

#if VPNWIRE_FUZZ_IPSEC_MB
using mb_sa = esp::inbound_sa<esp::crypto::ipsec_mb_burst, window>;
esp::crypto::ipsec_mb_manager &manager() {
  static esp::crypto::ipsec_mb_manager m = [] {
    auto r = esp::crypto::ipsec_mb_manager::make();
    FUZZ_CHECK(r.has_value());
    return std::move(r).value();
  }();
  return m;
}
#endif

// Gives `pkt` a valid ICV under `cfg` (the bytes after the IV are taken as
// plaintext and encrypted), like fuzz/esp_decap.cpp's forge.
void seal(const esp::sa_config &cfg, std::uint64_t top, std::vector<std::byte> &pkt) {
  const std::size_t n = pkt.size();
  if (n < esp::header_size + cfg.iv_size() + cfg.icv_size()) return;
  core::store_be32(pkt.data(), cfg.spi);
  const std::uint32_t low = core::load_be32(pkt.data() + 4);
  std::uint64_t full = low;
  if (cfg.esn && !esp::infer_esn(top, low, window, full)) full = low;
  auto t = esp_fuzz::crypto_for(cfg);
  const std::size_t body_off = esp::header_size + cfg.iv_size();
  const mutable_bytes p(pkt);
  const mutable_bytes body = p.subspan(body_off, n - body_off - cfg.icv_size());
  const mutable_bytes icv = p.subspan(n - cfg.icv_size());
  std::array<std::byte, 12> aad{};
  core::store_be32(aad.data(), cfg.spi);
  core::store_be32(aad.data() + 4, static_cast<std::uint32_t>(full >> 32));
  core::store_be32(aad.data() + 8, low);
  std::array<std::byte, 4> hi{};
  core::store_be32(hi.data(), static_cast<std::uint32_t>(full >> 32));
  const bytes_view iv = p.subspan(esp::header_size, cfg.iv_size());
  const bytes_view head = cfg.esn ? bytes_view(aad) : bytes_view(p.first(8));
  if (cfg.is_aead()) {
    if (cfg.cipher == esp::cipher::aes_gmac)
      (void)t.seal(iv, head, p.subspan(8, n - 8 - cfg.icv_size()), {}, icv);
    else
      (void)t.seal(iv, head, {}, body, icv);
  } else if (body.size() % cfg.block_size() == 0 && t.encrypt(iv, body)) {
    (void)t.compute(p.first(n - cfg.icv_size()), cfg.esn ? bytes_view(hi) : bytes_view{}, icv);
  }
}

template <class SA> struct under_test {
  std::array<std::unique_ptr<SA>, 2> sa;
  std::vector<std::vector<std::byte>> bufs;
  std::vector<esp::decap_result> out;
};

void same_outcome(const esp::decap_result &a, const std::byte *a_base, const esp::decap_result &b,
                  const std::byte *b_base) {
  FUZZ_CHECK(a.has_value() == b.has_value());
  if (!a) {
    FUZZ_CHECK(a.code() == b.code());
    FUZZ_CHECK(a.offset() == b.offset());
    return;
  }
  FUZZ_CHECK(a->outcome == b->outcome);
  FUZZ_CHECK(a->payload.data() - a_base == b->payload.data() - b_base);
  FUZZ_CHECK(a->payload.size() == b->payload.size());
  FUZZ_CHECK(a->next_header == b->next_header);
  FUZZ_CHECK(a->pad_length == b->pad_length);
  FUZZ_CHECK(a->tfc_length == b->tfc_length);
  FUZZ_CHECK(a->sequence == b->sequence);
}

template <class A, class B> void same_state(const A &a, const B &b) {
  const auto &x = a.counters();
  const auto &y = b.counters();
  FUZZ_CHECK(x.delivered == y.delivered && x.delivered_bytes == y.delivered_bytes && x.dummy == y.dummy);
  FUZZ_CHECK(x.too_short == y.too_short && x.spi_mismatch == y.spi_mismatch && x.sequence_zero == y.sequence_zero);
  FUZZ_CHECK(x.replayed == y.replayed && x.left_of_window == y.left_of_window);
  FUZZ_CHECK(x.not_block_multiple == y.not_block_multiple && x.icv_mismatch == y.icv_mismatch);
  FUZZ_CHECK(x.pad_length_beyond_payload == y.pad_length_beyond_payload && x.bad_pad_bytes == y.bad_pad_bytes);
  FUZZ_CHECK(x.inner_length_invalid == y.inner_length_invalid && x.crypto_failure == y.crypto_failure);
  FUZZ_CHECK(a.window().top() == b.window().top());
  // Every number from below the window to just above its top; near the end of
  // the 64-bit space the range stops at its last number (no wrap to 0).
  const std::uint64_t top = a.window().top();
  const std::uint64_t lo = top > window + 2 ? top - window - 2 : 0;
  const std::uint64_t hi = top > UINT64_MAX - 2 ? UINT64_MAX : top + 2;
  for (std::uint64_t s = lo;; ++s) {
    FUZZ_CHECK(a.window().check(s) == b.window().check(s));
    if (s == hi) break;
  }
}

template <class SA>
void run_burst(under_test<SA> &t, const std::vector<std::vector<std::byte>> &pkts, const std::vector<int> &which) {
  t.bufs = pkts;
  std::vector<esp::decap_packet<SA>> dp;
  for (std::size_t i = 0; i < pkts.size(); ++i)
    dp.push_back({t.sa[static_cast<std::size_t>(which[i])].get(), t.bufs[i].data(), t.bufs[i].size(), 0, 0});
  t.out.assign(pkts.size(), esp::decap_result(esp::decap_output{}));
  (void)esp::decap_burst(std::span(dp), std::span(t.out));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::bytes_in in{data, size};
  const std::uint8_t a = in.u8(), b = in.u8(), flags = in.u8();
  std::uint64_t top = in.u64();
  if ((flags & 2) == 0) top &= 0xFFFF; // mostly near the start of the space
  std::array<esp::sa_config, 2> cfg{esp_fuzz::config_from(a, b), esp_fuzz::config_from(b, a)};
  cfg[1].spi = 0x05060708;

  std::vector<std::vector<std::byte>> pkts;
  std::vector<int> which;
  while (!in.empty() && pkts.size() < max_records) {
    const std::uint8_t ctl = in.u8();
    const int sa = ctl & 1;
    std::vector<std::byte> p;
    if ((ctl & 4) != 0 && !pkts.empty()) {
      p = pkts.back();
    } else {
      const std::size_t len = in.u16() % 2048;
      p.resize(len);
      for (auto &x : p) x = static_cast<std::byte>(in.u8());
      if ((ctl & 8) != 0 && p.size() >= 8)
        core::store_be32(p.data() + 4, static_cast<std::uint32_t>(top + (ctl >> 4) - 4));
      if ((ctl & 2) != 0) seal(cfg[static_cast<std::size_t>(sa)], top, p);
    }
    pkts.push_back(std::move(p));
    which.push_back(sa);
  }

  // Reference: one packet after the other.
  std::array<std::unique_ptr<ref_sa>, 2> ref;
  for (std::size_t k = 0; k < 2; ++k) {
    ref[k] = std::make_unique<ref_sa>(cfg[k], esp_fuzz::crypto_for(cfg[k]));
    ref[k]->reset_window(top);
  }
  std::vector<std::vector<std::byte>> ref_bufs = pkts;
  std::vector<esp::decap_result> ref_out;
  for (std::size_t i = 0; i < pkts.size(); ++i)
    ref_out.push_back(ref[static_cast<std::size_t>(which[i])]->decap(ref_bufs[i]));

  auto compare = [&](auto &t) {
    for (std::size_t i = 0; i < pkts.size(); ++i) {
      same_outcome(ref_out[i], ref_bufs[i].data(), t.out[i], t.bufs[i].data());
      FUZZ_CHECK(ref_bufs[i] == t.bufs[i]);
    }
    for (std::size_t k = 0; k < 2; ++k) same_state(*ref[k], *t.sa[k]);
  };

  under_test<ossl_burst_sa> ossl;
  for (std::size_t k = 0; k < 2; ++k) {
    ossl.sa[k] = std::make_unique<ossl_burst_sa>(
        cfg[k], esp::crypto::burst_adapter<esp::crypto::openssl_transform>(esp_fuzz::crypto_for(cfg[k])));
    ossl.sa[k]->reset_window(top);
  }
  run_burst(ossl, pkts, which);
  compare(ossl);

#if VPNWIRE_FUZZ_IPSEC_MB
  // intel-ipsec-mb implements no legacy (decap-only, RFC 8221 deprecated) transform.
  if (cfg[0].is_deprecated() || cfg[1].is_deprecated()) return 0;
  under_test<mb_sa> mb;
  for (std::size_t k = 0; k < 2; ++k) {
    auto t = esp::crypto::ipsec_mb_transform::make(manager(), cfg[k], cipher_key(cfg[k]), integrity_key(cfg[k]));
    FUZZ_CHECK(t.has_value());
    mb.sa[k] = std::make_unique<mb_sa>(cfg[k], esp::crypto::ipsec_mb_burst(std::move(t).value()));
    mb.sa[k]->reset_window(top);
  }
  run_burst(mb, pkts, which);
  compare(mb);
#endif
  return 0;
}
