// ESP over bursts of 32 packets (64, 576 and 1420-byte payloads, tunnel
// mode), encap and decap, for the two suites the incidents' peers negotiate:
// AES-CBC-128 + HMAC-SHA1-96 and AES-GCM-128. Times are per burst.
//
//   vpnwire_mb         esp::encap_burst / decap_burst over intel-ipsec-mb
//                      (crypto::ipsec_mb_burst; the library picks its path)
//   vpnwire_mb_sse     the same on the library's SSE path
//   openssl_per_packet today's path: outbound_sa/inbound_sa with the OpenSSL
//                      backend, one packet after the other
//   openssl_evp        (GCM) raw EVP per packet, as in esp_bench: the same
//                      AEAD with the header and trailer written by hand
//   ipsec_mb_raw       the multi-buffer crypto of the same burst alone, jobs
//                      filled straight from prepared packets (no ESP framing,
//                      no replay window): the job API's floor
//   ipsec_mb_direct    (GCM) the library's direct GCM calls per packet, which
//                      vpnwire_mb uses for GCM (the job manager adds ~12 ns a
//                      packet and has no parallel lanes for GCM): the floor
//   dpdk_rte_ipsec     DPDK 22.11 librte_ipsec, lookaside, with the
//                      crypto_aesni_mb / crypto_aesni_gcm software devices
//
// Decap consumes packets (decrypted in place, sequence numbers committed):
// every implementation walks a ring of prepared bursts that is re-made,
// with new sequence numbers, outside the timed region when it wraps. Encap
// re-encrypts its own buffers (the payload's bytes do not matter).
// GCC 12 at -O3 -march=native reports memmove(iv, opt.iv.data(), n) in
// outbound_sa::encap's explicit-IV branch as a null argument once the
// default (empty) options are inlined; the branch only runs for a non-empty IV.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wnonnull"
#endif
#include "vpnwire/esp/burst.hpp"
#include "vpnwire/esp/crypto/ipsec_mb.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"

#include "bench_support.hpp"

#if VPNWIRE_BENCH_DPDK
#include "esp_burst_bench_dpdk.hpp"
#endif

#include <intel-ipsec-mb.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

namespace {
std::atomic<std::uint64_t> g_allocs{0};
} // namespace

// operator new counted (allocs_per_burst must be 0 for vpnwire). The
// replacements pair malloc with free by design.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
__attribute__((noinline)) void *operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void *p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace vpnwire;
using esp::crypto::ipsec_mb_arch;
using esp::crypto::ipsec_mb_burst;
using esp::crypto::ipsec_mb_manager;
using esp::crypto::ipsec_mb_transform;
using esp::crypto::openssl_transform;

constexpr std::size_t burst = 32;
constexpr std::size_t ring = 64; // bursts per decap ring

enum class suite { cbc_sha1, gcm };

esp::sa_config config_for(suite s) {
  esp::sa_config c;
  c.spi = 0x1000;
  c.mode = esp::sa_mode::tunnel;
  c.key_bits = 128;
  if (s == suite::cbc_sha1) {
    c.cipher = esp::cipher::aes_cbc;
    c.integrity = esp::integrity::hmac_sha1_96;
  } else {
    c.cipher = esp::cipher::aes_gcm;
  }
  return c;
}

std::vector<std::byte> cipher_key(const esp::sa_config &c) {
  std::vector<std::byte> k(c.cipher_key_size());
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(i * 11 + 3);
  return k;
}
std::vector<std::byte> auth_key(const esp::sa_config &c) {
  std::vector<std::byte> k(c.integrity_key_size());
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(0x42 + i);
  return k;
}

// CBC IVs: a counter, the same cheap source for every vpnwire variant (a
// production embedder plugs its CSPRNG in here).
void counter_iv(void *ctx, mutable_bytes out) noexcept {
  auto &n = *static_cast<std::uint64_t *>(ctx);
  ++n;
  for (std::size_t i = 0; i < out.size(); i += 8) core::store_be64(out.data() + i, n * 0x9E3779B97F4A7C15ULL + i);
}

ipsec_mb_manager &manager(ipsec_mb_arch arch) {
  static ipsec_mb_manager automatic = std::move(ipsec_mb_manager::make(ipsec_mb_arch::automatic)).value();
  static ipsec_mb_manager sse = std::move(ipsec_mb_manager::make(ipsec_mb_arch::sse)).value();
  return arch == ipsec_mb_arch::sse ? sse : automatic;
}

ipsec_mb_burst mb_crypto(const esp::sa_config &c, ipsec_mb_arch arch) {
  auto t = ipsec_mb_transform::make(manager(arch), c, cipher_key(c), auth_key(c));
  if (!t) std::abort();
  return ipsec_mb_burst(std::move(t).value());
}
openssl_transform ossl_crypto(const esp::sa_config &c) {
  auto t = openssl_transform::make(c, cipher_key(c), auth_key(c));
  if (!t) std::abort();
  return std::move(t).value();
}

void fill_inner(std::byte *p, std::size_t len) {
  std::memset(p, 0x61, len);
  if (len >= 20) {
    p[0] = std::byte{0x45};
    core::store_be16(p + 2, static_cast<std::uint16_t>(len));
  }
}

void report(benchmark::State &state, std::size_t len, std::uint64_t allocs_before, std::uint64_t allocs_after,
            std::uint64_t bursts) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * burst));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * burst * len));
  state.counters["allocs_per_burst"] =
      bursts == 0 ? 0.0 : static_cast<double>(allocs_after - allocs_before) / static_cast<double>(bursts);
}

/// Packets of one burst in buffers with room around them.
struct burst_buffers {
  std::vector<std::vector<std::byte>> buf;
  burst_buffers(std::size_t n, std::size_t size) : buf(n, std::vector<std::byte>(size + 64)) {}
};

// ------------------------------------------------------------------- encap

void encap_vpnwire_mb(benchmark::State &state, suite s, ipsec_mb_arch arch) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(s);
  std::uint64_t ivc = 0;
  using tx_type = esp::outbound_sa<ipsec_mb_burst>;
  tx_type tx(cfg, mb_crypto(cfg, arch), esp::iv_generator{counter_iv, &ivc});
  burst_buffers b(burst, cfg.packet_size(len));
  std::array<esp::encap_packet<tx_type>, burst> pkts;
  auto out = esp::make_encap_results<burst>();
  for (std::size_t i = 0; i < burst; ++i) {
    std::byte *data = b.buf[i].data() + cfg.headroom();
    fill_inner(data, len);
    pkts[i] = {&tx, data, len, cfg.headroom(), b.buf[i].size() - cfg.headroom() - len, 4, {}};
  }
  const std::uint64_t a0 = g_allocs.load();
  std::uint64_t bursts = 0;
  bool ok = true;
  for (auto _ : state) {
    ok &= esp::encap_burst(std::span(pkts), std::span(out)) == burst;
    benchmark::ClobberMemory();
    ++bursts;
  }
  const std::uint64_t a1 = g_allocs.load();
  if (!ok) state.SkipWithError("encap_burst failed");
  report(state, len, a0, a1, bursts);
}

void encap_openssl_per_packet(benchmark::State &state, suite s) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(s);
  std::uint64_t ivc = 0;
  esp::outbound_sa<openssl_transform> tx(cfg, ossl_crypto(cfg), esp::iv_generator{counter_iv, &ivc});
  burst_buffers b(burst, cfg.packet_size(len));
  for (auto &v : b.buf) fill_inner(v.data() + cfg.headroom(), len);
  bool ok = true;
  for (auto _ : state) {
    for (std::size_t i = 0; i < burst; ++i) ok &= tx.encap(b.buf[i], len, 4).has_value();
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("encap failed");
  report(state, len, 0, 0, 0);
}

// Raw EVP for one AES-GCM-128 packet, as bench/esp_bench.cpp's baseline:
// header, IV = counter, padding and trailer by hand, then the AEAD.
struct raw_evp {
  EVP_CIPHER_CTX *enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX *dec = EVP_CIPHER_CTX_new();
  unsigned char salt[4]{};
  explicit raw_evp(const esp::sa_config &c) {
    const auto k = cipher_key(c);
    EVP_EncryptInit_ex(enc, EVP_aes_128_gcm(), nullptr, core::uc(k.data()), nullptr);
    EVP_DecryptInit_ex(dec, EVP_aes_128_gcm(), nullptr, core::uc(k.data()), nullptr);
    std::memcpy(salt, k.data() + 16, 4);
  }
  ~raw_evp() {
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
  }
  raw_evp(const raw_evp &) = delete;
  raw_evp &operator=(const raw_evp &) = delete;
  bool seal(const unsigned char *iv, const unsigned char *aad, unsigned char *data, int len, unsigned char *tag) {
    unsigned char nonce[12];
    std::memcpy(nonce, salt, 4);
    std::memcpy(nonce + 4, iv, 8);
    int n = 0;
    return EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, nonce) == 1 &&
           EVP_EncryptUpdate(enc, nullptr, &n, aad, 8) == 1 && EVP_EncryptUpdate(enc, data, &n, data, len) == 1 &&
           EVP_EncryptFinal_ex(enc, data + len, &n) == 1 &&
           EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
  }
  bool open(const unsigned char *iv, const unsigned char *aad, unsigned char *data, int len, unsigned char *tag) {
    unsigned char nonce[12];
    std::memcpy(nonce, salt, 4);
    std::memcpy(nonce + 4, iv, 8);
    int n = 0;
    return EVP_DecryptInit_ex(dec, nullptr, nullptr, nullptr, nonce) == 1 &&
           EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1 &&
           EVP_DecryptUpdate(dec, nullptr, &n, aad, 8) == 1 && EVP_DecryptUpdate(dec, data, &n, data, len) == 1 &&
           EVP_DecryptFinal_ex(dec, data + len, &n) == 1;
  }
};

void encap_openssl_evp(benchmark::State &state) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(suite::gcm);
  raw_evp evp(cfg);
  const std::size_t pad = cfg.padding_for(len);
  const std::size_t body = len + pad + 2;
  burst_buffers b(burst, cfg.packet_size(len));
  for (auto &v : b.buf) fill_inner(v.data() + 16, len);
  std::uint64_t seq = 0;
  bool ok = true;
  for (auto _ : state) {
    for (auto &v : b.buf) {
      std::byte *p = v.data();
      ++seq;
      core::store_be32(p, cfg.spi);
      core::store_be32(p + 4, static_cast<std::uint32_t>(seq));
      core::store_be64(p + 8, seq);
      for (std::size_t i = 0; i < pad; ++i) p[16 + len + i] = static_cast<std::byte>(i + 1);
      p[16 + len + pad] = static_cast<std::byte>(pad);
      p[16 + len + pad + 1] = std::byte{4};
      ok &= evp.seal(core::uc(p + 8), core::uc(p), core::uc(p + 16), static_cast<int>(body), core::uc(p + 16 + body));
    }
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("EVP failed");
  report(state, len, 0, 0, 0);
}

// The raw multi-buffer crypto of a burst: keys expanded once, every job
// filled from prepared packets (header, IV, trailer already in place),
// submitted, then the manager flushed.
struct raw_mb {
  IMB_MGR *m;
  suite s;
  alignas(64) gcm_key_data gcm{};
  alignas(16) std::array<std::uint8_t, 240> enc{}, dec{};
  alignas(16) std::array<std::uint8_t, 64> ipad{}, opad{};
  std::array<std::uint8_t, 4> salt{};
  raw_mb(suite su, const esp::sa_config &c) : m(manager(ipsec_mb_arch::automatic).get()), s(su) {
    const auto k = cipher_key(c);
    if (s == suite::gcm) {
      IMB_AES128_GCM_PRE(m, k.data(), &gcm);
      std::memcpy(salt.data(), k.data() + 16, 4);
    } else {
      IMB_AES_KEYEXP_128(m, k.data(), enc.data(), dec.data());
      const auto a = auth_key(c);
      std::array<std::uint8_t, 64> ib{}, ob{};
      for (std::size_t i = 0; i < 64; ++i) {
        const auto kb = i < a.size() ? std::to_integer<std::uint8_t>(a[i]) : std::uint8_t{0};
        ib[i] = static_cast<std::uint8_t>(kb ^ 0x36);
        ob[i] = static_cast<std::uint8_t>(kb ^ 0x5c);
      }
      IMB_SHA1_ONE_BLOCK(m, ib.data(), ipad.data());
      IMB_SHA1_ONE_BLOCK(m, ob.data(), opad.data());
    }
  }
  // One job per packet: p is the ESP packet, body_len the ciphertext length.
  void fill(IMB_JOB *j, std::uint8_t *p, std::size_t body_len, bool encrypt, std::uint8_t *nonce,
            std::uint8_t *tag_out) {
    j->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    j->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    j->auth_tag_output = tag_out;
    j->user_data = p;
    if (s == suite::gcm) {
      std::memcpy(nonce, salt.data(), 4);
      std::memcpy(nonce + 4, p + 8, 8);
      j->cipher_mode = IMB_CIPHER_GCM;
      j->hash_alg = IMB_AUTH_AES_GMAC;
      j->enc_keys = j->dec_keys = &gcm;
      j->key_len_in_bytes = 16;
      j->src = j->dst = p + 16;
      j->cipher_start_src_offset_in_bytes = 0;
      j->hash_start_src_offset_in_bytes = 0;
      j->msg_len_to_cipher_in_bytes = j->msg_len_to_hash_in_bytes = body_len;
      j->iv = nonce;
      j->iv_len_in_bytes = 12;
      j->u.GCM.aad = p;
      j->u.GCM.aad_len_in_bytes = 8;
      j->auth_tag_output_len_in_bytes = 16;
    } else {
      j->cipher_mode = IMB_CIPHER_CBC;
      j->hash_alg = IMB_AUTH_HMAC_SHA_1;
      j->enc_keys = enc.data();
      j->dec_keys = dec.data();
      j->key_len_in_bytes = 16;
      j->src = p;
      j->dst = p + 24;
      j->cipher_start_src_offset_in_bytes = 24;
      j->msg_len_to_cipher_in_bytes = body_len;
      j->hash_start_src_offset_in_bytes = 0;
      j->msg_len_to_hash_in_bytes = 24 + body_len;
      j->iv = p + 8;
      j->iv_len_in_bytes = 16;
      j->u.HMAC._hashed_auth_key_xor_ipad = ipad.data();
      j->u.HMAC._hashed_auth_key_xor_opad = opad.data();
      j->auth_tag_output_len_in_bytes = 12;
    }
  }
  // Runs a burst; decrypt compares each computed tag with the packet's.
  bool run(std::vector<std::byte> *const *pkts, std::size_t n, std::size_t body_len, bool encrypt) {
    std::array<std::array<std::uint8_t, 12>, burst> nonces;
    std::array<std::array<std::uint8_t, 16>, burst> tags;
    const std::size_t head = s == suite::gcm ? 16 : 24;
    const std::size_t icv = s == suite::gcm ? 16 : 12;
    std::size_t completed = 0;
    bool ok = true;
    auto done = [&](IMB_JOB *j) {
      ++completed;
      ok &= j->status == IMB_STATUS_COMPLETED;
      if (!encrypt)
        ok &= std::memcmp(j->auth_tag_output, static_cast<std::uint8_t *>(j->user_data) + head + body_len, icv) == 0;
    };
    for (std::size_t i = 0; i < n; ++i) {
      auto *p = core::uc(pkts[i]->data());
      IMB_JOB *j = IMB_GET_NEXT_JOB(m);
      fill(j, p, body_len, encrypt, nonces[i].data(), encrypt ? p + head + body_len : tags[i].data());
      for (IMB_JOB *d = IMB_SUBMIT_JOB_NOCHECK(m); d != nullptr; d = IMB_GET_COMPLETED_JOB(m)) done(d);
    }
    for (IMB_JOB *d = IMB_FLUSH_JOB(m); d != nullptr; d = IMB_FLUSH_JOB(m)) done(d);
    return ok && completed == n;
  }
};

void encap_ipsec_mb_raw(benchmark::State &state, suite s) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(s);
  // Prepared once by a vpnwire encap: header, IV and trailer are in place.
  std::uint64_t ivc = 0;
  esp::outbound_sa<openssl_transform> maker(cfg, ossl_crypto(cfg), esp::iv_generator{counter_iv, &ivc});
  burst_buffers b(burst, cfg.packet_size(len));
  std::array<std::vector<std::byte> *, burst> ptrs;
  for (std::size_t i = 0; i < burst; ++i) {
    fill_inner(b.buf[i].data() + cfg.headroom(), len);
    if (!maker.encap(b.buf[i], len, 4)) std::abort();
    ptrs[i] = &b.buf[i];
  }
  const std::size_t body_len = cfg.packet_size(len) - cfg.headroom() - cfg.icv_size();
  raw_mb mb(s, cfg);
  bool ok = true;
  for (auto _ : state) {
    ok &= mb.run(ptrs.data(), burst, body_len, true);
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("raw jobs failed");
  report(state, len, 0, 0, 0);
}

// ------------------------------------------------------------------- decap

/// A ring of prepared bursts of genuine packets with increasing sequence
/// numbers, re-made when the consumer wraps around. The first fill is made
/// by an OpenSSL SA (so every decap below starts on packets another
/// implementation made); refills, outside the timed region, go through the
/// multi-buffer encap_burst to keep the benchmark's own run time down (the
/// tests prove both produce the same bytes).
struct decap_ring {
  using tx_type = esp::outbound_sa<ipsec_mb_burst>;
  esp::sa_config cfg;
  std::size_t len;
  std::uint64_t ivc = 0;
  esp::outbound_sa<openssl_transform> maker;
  tx_type fast_maker;
  std::vector<std::vector<std::byte>> pkts; // ring * burst packets
  decap_ring(const esp::sa_config &c, std::size_t l)
      : cfg(c), len(l), maker(c, ossl_crypto(c), esp::iv_generator{counter_iv, &ivc}),
        fast_maker(c, mb_crypto(c, ipsec_mb_arch::automatic), esp::iv_generator{counter_iv, &ivc}),
        pkts(ring * burst, std::vector<std::byte>(c.packet_size(l))) {
    for (auto &p : pkts) {
      fill_inner(p.data() + cfg.headroom(), len);
      if (!maker.encap(p, len, 4)) std::abort();
    }
    fast_maker.set_last_sequence(maker.last_sequence());
  }
  void refill() {
    std::array<esp::encap_packet<tx_type>, burst> ep;
    auto out = esp::make_encap_results<burst>();
    for (std::size_t b = 0; b < ring; ++b) {
      for (std::size_t i = 0; i < burst; ++i) {
        auto &p = at(b, i);
        fill_inner(p.data() + cfg.headroom(), len);
        ep[i] = {&fast_maker, p.data() + cfg.headroom(), len, cfg.headroom(), p.size() - cfg.headroom() - len, 4, {}};
      }
      if (esp::encap_burst(std::span(ep), std::span(out)) != burst) std::abort();
    }
  }
  std::vector<std::byte> &at(std::size_t b, std::size_t i) { return pkts[b * burst + i]; }
};

void decap_vpnwire_mb(benchmark::State &state, suite s, ipsec_mb_arch arch) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(s);
  decap_ring r(cfg, len);
  using rx_type = esp::inbound_sa<ipsec_mb_burst>;
  rx_type rx(cfg, mb_crypto(cfg, arch));
  std::vector<std::array<esp::decap_packet<rx_type>, burst>> descs(ring);
  for (std::size_t b = 0; b < ring; ++b)
    for (std::size_t i = 0; i < burst; ++i) descs[b][i] = {&rx, r.at(b, i).data(), r.at(b, i).size(), 0, 0};
  auto out = esp::make_decap_results<burst>();
  std::size_t b = 0;
  bool ok = true;
  std::uint64_t allocs = 0, bursts = 0;
  for (auto _ : state) {
    const std::uint64_t a0 = g_allocs.load(std::memory_order_relaxed);
    ok &= esp::decap_burst(std::span(descs[b]), std::span(out)) == burst;
    allocs += g_allocs.load(std::memory_order_relaxed) - a0;
    ++bursts;
    benchmark::ClobberMemory();
    if (++b == ring) {
      state.PauseTiming();
      b = 0;
      r.refill();
      state.ResumeTiming();
    }
  }
  if (!ok) state.SkipWithError("decap_burst failed");
  report(state, len, 0, allocs, bursts);
}

void decap_openssl_per_packet(benchmark::State &state, suite s) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(s);
  decap_ring r(cfg, len);
  esp::inbound_sa<openssl_transform> rx(cfg, ossl_crypto(cfg));
  std::size_t b = 0;
  bool ok = true;
  for (auto _ : state) {
    for (std::size_t i = 0; i < burst; ++i) ok &= rx.decap(r.at(b, i)).has_value();
    benchmark::ClobberMemory();
    if (++b == ring) {
      state.PauseTiming();
      b = 0;
      r.refill();
      state.ResumeTiming();
    }
  }
  if (!ok) state.SkipWithError("decap failed");
  report(state, len, 0, 0, 0);
}

void decap_openssl_evp(benchmark::State &state) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(suite::gcm);
  decap_ring r(cfg, len);
  raw_evp evp(cfg);
  const std::size_t body = cfg.packet_size(len) - 16 - 16;
  std::size_t b = 0;
  bool ok = true;
  for (auto _ : state) {
    for (std::size_t i = 0; i < burst; ++i) {
      std::byte *p = r.at(b, i).data();
      ok &= evp.open(core::uc(p + 8), core::uc(p), core::uc(p + 16), static_cast<int>(body), core::uc(p + 16 + body));
      const auto pad = std::to_integer<std::size_t>(p[16 + body - 2]);
      benchmark::DoNotOptimize(pad);
    }
    benchmark::ClobberMemory();
    if (++b == ring) {
      state.PauseTiming();
      b = 0;
      r.refill();
      state.ResumeTiming();
    }
  }
  if (!ok) state.SkipWithError("EVP failed");
  report(state, len, 0, 0, 0);
}

void decap_ipsec_mb_raw(benchmark::State &state, suite s) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(s);
  decap_ring r(cfg, len);
  raw_mb mb(s, cfg);
  const std::size_t body_len = cfg.packet_size(len) - cfg.headroom() - cfg.icv_size();
  std::vector<std::array<std::vector<std::byte> *, burst>> ptrs(ring);
  for (std::size_t b = 0; b < ring; ++b)
    for (std::size_t i = 0; i < burst; ++i) ptrs[b][i] = &r.at(b, i);
  std::size_t b = 0;
  bool ok = true;
  for (auto _ : state) {
    ok &= mb.run(ptrs[b].data(), burst, body_len, false);
    benchmark::ClobberMemory();
    if (++b == ring) {
      state.PauseTiming();
      b = 0;
      r.refill();
      state.ResumeTiming();
    }
  }
  if (!ok) state.SkipWithError("raw jobs failed");
  report(state, len, 0, 0, 0);
}

// The library's direct AES-GCM-128 calls on prepared packets (GCM only).
struct raw_gcm_direct {
  IMB_MGR *m = manager(ipsec_mb_arch::automatic).get();
  alignas(64) gcm_key_data gcm{};
  std::array<std::uint8_t, 4> salt{};
  explicit raw_gcm_direct(const esp::sa_config &c) {
    const auto k = cipher_key(c);
    IMB_AES128_GCM_PRE(m, k.data(), &gcm);
    std::memcpy(salt.data(), k.data() + 16, 4);
  }
  bool run(std::byte *p, std::size_t body_len, bool encrypt) {
    std::uint8_t nonce[12];
    std::memcpy(nonce, salt.data(), 4);
    std::memcpy(nonce + 4, p + 8, 8);
    gcm_context_data ctx;
    auto *d = core::uc(p + 16);
    std::uint8_t tag[16];
    if (encrypt) {
      IMB_AES128_GCM_ENC(m, &gcm, &ctx, d, d, body_len, nonce, core::uc(p), 8, d + body_len, 16);
      return true;
    }
    IMB_AES128_GCM_DEC(m, &gcm, &ctx, d, d, body_len, nonce, core::uc(p), 8, tag, 16);
    return std::memcmp(tag, d + body_len, 16) == 0;
  }
};

void encap_ipsec_mb_direct(benchmark::State &state) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(suite::gcm);
  std::uint64_t ivc = 0;
  esp::outbound_sa<openssl_transform> maker(cfg, ossl_crypto(cfg), esp::iv_generator{counter_iv, &ivc});
  burst_buffers b(burst, cfg.packet_size(len));
  for (auto &v : b.buf) {
    fill_inner(v.data() + cfg.headroom(), len);
    if (!maker.encap(v, len, 4)) std::abort();
  }
  const std::size_t body_len = cfg.packet_size(len) - cfg.headroom() - cfg.icv_size();
  raw_gcm_direct g(cfg);
  for (auto _ : state) {
    for (auto &v : b.buf) (void)g.run(v.data(), body_len, true);
    benchmark::ClobberMemory();
  }
  report(state, len, 0, 0, 0);
}

void decap_ipsec_mb_direct(benchmark::State &state) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(suite::gcm);
  decap_ring r(cfg, len);
  raw_gcm_direct g(cfg);
  const std::size_t body_len = cfg.packet_size(len) - cfg.headroom() - cfg.icv_size();
  std::size_t b = 0;
  bool ok = true;
  for (auto _ : state) {
    for (std::size_t i = 0; i < burst; ++i) ok &= g.run(r.at(b, i).data(), body_len, false);
    benchmark::ClobberMemory();
    if (++b == ring) {
      state.PauseTiming();
      b = 0;
      r.refill();
      state.ResumeTiming();
    }
  }
  if (!ok) state.SkipWithError("GCM tags differ");
  report(state, len, 0, 0, 0);
}

// ------------------------------------------------------------------- DPDK

#if VPNWIRE_BENCH_DPDK
dpdk_baseline::sa make_dpdk_sa(bool outbound, suite s) {
  const esp::sa_config cfg = config_for(s);
  return dpdk_baseline::sa(outbound, s == suite::gcm, cfg.spi, cipher_key(cfg), auth_key(cfg), 64);
}

void encap_dpdk_rte_ipsec(benchmark::State &state, suite s) {
  const auto len = static_cast<std::size_t>(state.range(0));
  auto sa = make_dpdk_sa(true, s);
  if (!sa.ok()) return state.SkipWithError(sa.error().c_str());
  dpdk_baseline::mbuf_burst mb(burst);
  if (mb.n != burst) return state.SkipWithError("mbufs");
  std::vector<std::byte> inner(len);
  fill_inner(inner.data(), len);
  for (std::uint16_t i = 0; i < burst; ++i) mb.load(i, inner.data(), static_cast<std::uint16_t>(len), 0);
  bool ok = true;
  for (auto _ : state) {
    // A fresh inner packet in each mbuf (an application gets new mbufs;
    // the bytes themselves need not be restored for the crypto's sake).
    for (std::uint16_t i = 0; i < burst; ++i) {
      rte_mbuf *m = mb.m[i];
      m->data_off = RTE_PKTMBUF_HEADROOM;
      m->data_len = static_cast<std::uint16_t>(len);
      m->pkt_len = static_cast<std::uint32_t>(len);
    }
    ok &= sa.run(mb.m.data(), burst) == burst;
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("rte_ipsec outbound failed");
  report(state, len, 0, 0, 0);
}

void decap_dpdk_rte_ipsec(benchmark::State &state, suite s) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(s);
  auto sa = make_dpdk_sa(false, s);
  if (!sa.ok()) return state.SkipWithError(sa.error().c_str());
  decap_ring r(cfg, len);
  std::vector<std::unique_ptr<dpdk_baseline::mbuf_burst>> mbs;
  for (std::size_t b = 0; b < ring; ++b) {
    mbs.push_back(std::make_unique<dpdk_baseline::mbuf_burst>(static_cast<std::uint16_t>(burst)));
    if (mbs.back()->n != burst) return state.SkipWithError("mbufs");
  }
  // Outer IPv4 header + the ESP packet, as it arrives.
  std::vector<std::byte> frame;
  auto load = [&] {
    for (std::size_t b = 0; b < ring; ++b) {
      for (std::size_t i = 0; i < burst; ++i) {
        const auto &p = r.at(b, i);
        frame.assign(20, std::byte{0});
        frame[0] = std::byte{0x45};
        core::store_be16(frame.data() + 2, static_cast<std::uint16_t>(20 + p.size()));
        frame[8] = std::byte{64};
        frame[9] = std::byte{50};
        frame.insert(frame.end(), p.begin(), p.end());
        mbs[b]->load(static_cast<std::uint16_t>(i), frame.data(), static_cast<std::uint16_t>(frame.size()), 20);
      }
    }
  };
  load();
  std::size_t b = 0;
  bool ok = true;
  for (auto _ : state) {
    ok &= sa.run(mbs[b]->m.data(), burst) == burst;
    benchmark::ClobberMemory();
    if (++b == ring) {
      state.PauseTiming();
      b = 0;
      r.refill();
      load();
      state.ResumeTiming();
    }
  }
  if (!ok) state.SkipWithError("rte_ipsec inbound failed");
  report(state, len, 0, 0, 0);
}
#endif

#define BURST_BENCH(group, impl, ...)                                                                                  \
  BENCHMARK_CAPTURE(__VA_ARGS__)->Name(#group "/" impl)->Arg(64)->Arg(576)->Arg(1420)

BURST_BENCH(encap_cbc128_sha1, "vpnwire_mb", encap_vpnwire_mb, a, suite::cbc_sha1, ipsec_mb_arch::automatic);
BURST_BENCH(encap_cbc128_sha1, "vpnwire_mb_sse", encap_vpnwire_mb, s, suite::cbc_sha1, ipsec_mb_arch::sse);
BURST_BENCH(encap_cbc128_sha1, "openssl_per_packet", encap_openssl_per_packet, o, suite::cbc_sha1);
BURST_BENCH(encap_cbc128_sha1, "ipsec_mb_raw", encap_ipsec_mb_raw, r, suite::cbc_sha1);
BURST_BENCH(decap_cbc128_sha1, "vpnwire_mb", decap_vpnwire_mb, a, suite::cbc_sha1, ipsec_mb_arch::automatic);
BURST_BENCH(decap_cbc128_sha1, "vpnwire_mb_sse", decap_vpnwire_mb, s, suite::cbc_sha1, ipsec_mb_arch::sse);
BURST_BENCH(decap_cbc128_sha1, "openssl_per_packet", decap_openssl_per_packet, o, suite::cbc_sha1);
BURST_BENCH(decap_cbc128_sha1, "ipsec_mb_raw", decap_ipsec_mb_raw, r, suite::cbc_sha1);
BURST_BENCH(encap_gcm128, "vpnwire_mb", encap_vpnwire_mb, a, suite::gcm, ipsec_mb_arch::automatic);
BURST_BENCH(encap_gcm128, "vpnwire_mb_sse", encap_vpnwire_mb, s, suite::gcm, ipsec_mb_arch::sse);
BURST_BENCH(encap_gcm128, "openssl_per_packet", encap_openssl_per_packet, o, suite::gcm);
BENCHMARK(encap_openssl_evp)->Name("encap_gcm128/openssl_evp")->Arg(64)->Arg(576)->Arg(1420);
BURST_BENCH(encap_gcm128, "ipsec_mb_raw", encap_ipsec_mb_raw, r, suite::gcm);
BENCHMARK(encap_ipsec_mb_direct)->Name("encap_gcm128/ipsec_mb_direct")->Arg(64)->Arg(576)->Arg(1420);
BURST_BENCH(decap_gcm128, "vpnwire_mb", decap_vpnwire_mb, a, suite::gcm, ipsec_mb_arch::automatic);
BURST_BENCH(decap_gcm128, "vpnwire_mb_sse", decap_vpnwire_mb, s, suite::gcm, ipsec_mb_arch::sse);
BURST_BENCH(decap_gcm128, "openssl_per_packet", decap_openssl_per_packet, o, suite::gcm);
BENCHMARK(decap_openssl_evp)->Name("decap_gcm128/openssl_evp")->Arg(64)->Arg(576)->Arg(1420);
BURST_BENCH(decap_gcm128, "ipsec_mb_raw", decap_ipsec_mb_raw, r, suite::gcm);
BENCHMARK(decap_ipsec_mb_direct)->Name("decap_gcm128/ipsec_mb_direct")->Arg(64)->Arg(576)->Arg(1420);
#if VPNWIRE_BENCH_DPDK
BURST_BENCH(encap_cbc128_sha1, "dpdk_rte_ipsec", encap_dpdk_rte_ipsec, d, suite::cbc_sha1);
BURST_BENCH(decap_cbc128_sha1, "dpdk_rte_ipsec", decap_dpdk_rte_ipsec, d, suite::cbc_sha1);
BURST_BENCH(encap_gcm128, "dpdk_rte_ipsec", encap_dpdk_rte_ipsec, d, suite::gcm);
BURST_BENCH(decap_gcm128, "dpdk_rte_ipsec", decap_dpdk_rte_ipsec, d, suite::gcm);
#endif

} // namespace

VPNWIRE_BENCH_MAIN();
