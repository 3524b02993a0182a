// ESP encap/decap against raw OpenSSL EVP doing the same AEAD on the same
// buffer ("openssl_evp"): the same key schedule done once, the same nonce,
// AAD and in-place encryption of the same bytes, the same tag. The ratio is
// what vpnwire's framing, padding, trailer checks and replay window cost on
// top of the cipher. Also: anti-replay check + commit alone, against the
// classic shifting 64-bit bitmap (RFC 4303 §3.4.3 as most code writes it).
//
// Allocations are counted for every packet: a replaced global operator new
// and OpenSSL's CRYPTO_set_mem_functions both feed one counter, reported as
// the benchmark counter allocs_per_packet (it must be 0).
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/esp/replay_window.hpp"

#include "bench_support.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <vector>

namespace {

std::atomic<std::uint64_t> g_allocs{0};

void *counting_malloc(std::size_t n, const char *, int) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void *counting_realloc(void *p, std::size_t n, const char *, int) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void counting_free(void *p, const char *, int) { std::free(p); }

// Installed before main (and before OpenSSL allocates anything).
const bool g_openssl_counted = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;

} // namespace

// The replaced operators below pair malloc with free by design; GCC's
// -Wmismatched-new-delete cannot see through the replacement once inlined.
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
using esp::crypto::openssl_transform;

enum class algo { gcm128, gcm256, chacha, cbc128_sha256 };

esp::sa_config config_for(algo a) {
  esp::sa_config c;
  c.spi = 0x1000;
  c.mode = esp::sa_mode::tunnel;
  c.cipher = a == algo::chacha ? esp::cipher::chacha20_poly1305 : esp::cipher::aes_gcm;
  c.key_bits = a == algo::gcm128 ? 128 : 256;
  if (a == algo::cbc128_sha256) {
    c.cipher = esp::cipher::aes_cbc;
    c.key_bits = 128;
    c.integrity = esp::integrity::hmac_sha256_128;
  }
  return c;
}

std::vector<std::byte> key_for(const esp::sa_config &c) {
  std::vector<std::byte> k(c.cipher_key_size());
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(i * 11 + 3);
  return k;
}

std::vector<std::byte> integrity_key_for(const esp::sa_config &c) {
  return std::vector<std::byte>(c.integrity_key_size(), std::byte{0x42});
}

openssl_transform transform_for(const esp::sa_config &c) {
  auto t = openssl_transform::make(c, key_for(c), integrity_key_for(c));
  if (!t) std::abort();
  return std::move(t).value();
}

// An inner IPv4 packet of `len` bytes (tunnel mode trims by its length).
void fill_inner(std::byte *p, std::size_t len) {
  std::memset(p, 0x61, len);
  if (len >= 20) {
    p[0] = std::byte{0x45};
    core::store_be16(p + 2, static_cast<std::uint16_t>(len));
  }
}

// The baseline: what an embedder would write with EVP alone for one AEAD
// packet: set the nonce on a pre-keyed context, AAD, encrypt in place, tag.
struct raw_evp {
  EVP_CIPHER_CTX *enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX *dec = EVP_CIPHER_CTX_new();
  unsigned char salt[4];
  explicit raw_evp(const esp::sa_config &c) {
    const auto k = key_for(c);
    const EVP_CIPHER *cipher = c.cipher == esp::cipher::chacha20_poly1305 ? EVP_chacha20_poly1305()
                               : c.key_bits == 128                        ? EVP_aes_128_gcm()
                                                                          : EVP_aes_256_gcm();
    const auto *kp = reinterpret_cast<const unsigned char *>(k.data());
    EVP_EncryptInit_ex(enc, cipher, nullptr, kp, nullptr);
    EVP_DecryptInit_ex(dec, cipher, nullptr, kp, nullptr);
    std::memcpy(salt, kp + k.size() - 4, 4);
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

unsigned char *uc(std::byte *p) { return reinterpret_cast<unsigned char *>(p); }

// Runs `one` (one packet) 1000 times outside the timed loop and returns the
// allocations per packet: the benchmark framework allocates between timed
// batches, so counting inside the timed loop would blame it on the packet.
template <class F> double allocs_per_packet(F &&one) {
  const std::uint64_t before = g_allocs.load();
  for (int i = 0; i < 1000; ++i) one();
  return static_cast<double>(g_allocs.load() - before) / 1000.0;
}

void report(benchmark::State &state, std::size_t len, double allocs) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(len));
  state.counters["allocs_per_packet"] = allocs;
  if (!g_openssl_counted) state.SetLabel("OpenSSL allocations not counted");
}

// --- encap ------------------------------------------------------------------

void fixed_iv(void *, mutable_bytes out) noexcept {
  for (auto &b : out) b = std::byte{0x24};
}

void encap_vpnwire(benchmark::State &state, algo a) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(a);
  esp::outbound_sa<openssl_transform> tx(cfg, transform_for(cfg), esp::iv_generator{fixed_iv, nullptr});
  std::vector<std::byte> buf(cfg.packet_size(len));
  fill_inner(buf.data() + cfg.headroom(), len);
  bool ok = true;
  auto one = [&] {
    auto n = tx.encap(buf, len, 4);
    benchmark::DoNotOptimize(n);
    ok = ok && n.has_value();
  };
  const double allocs = allocs_per_packet(one);
  for (auto _ : state) one();
  if (!ok) state.SkipWithError("encap failed");
  report(state, len, allocs);
}

// Same work with EVP alone: header, IV = counter, padding, trailer, AEAD.
void encap_openssl_evp(benchmark::State &state, algo a) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(a);
  raw_evp evp(cfg);
  const std::size_t pad = cfg.padding_for(len);
  const std::size_t body = len + pad + 2;
  std::vector<std::byte> buf(cfg.packet_size(len));
  fill_inner(buf.data() + 16, len);
  std::uint64_t seq = 0;
  auto one = [&] {
    ++seq;
    core::store_be32(buf.data(), cfg.spi);
    core::store_be32(buf.data() + 4, static_cast<std::uint32_t>(seq));
    core::store_be64(buf.data() + 8, seq);
    for (std::size_t i = 0; i < pad; ++i) buf[16 + len + i] = static_cast<std::byte>(i + 1);
    buf[16 + len + pad] = static_cast<std::byte>(pad);
    buf[16 + len + pad + 1] = std::byte{4};
    const bool ok = evp.seal(uc(buf.data() + 8), uc(buf.data()), uc(buf.data() + 16), static_cast<int>(body),
                             uc(buf.data() + 16 + body));
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();
  };
  const double allocs = allocs_per_packet(one);
  for (auto _ : state) one();
  report(state, len, allocs);
}

// --- decap ------------------------------------------------------------------
// Decap consumes its packet (decrypts in place, commits the sequence number),
// so both implementations copy the next of a ring of prepared packets into
// the work buffer first; the copy is the same for both.

constexpr std::size_t ring = 1024;

std::vector<std::vector<std::byte>> prepare(const esp::sa_config &cfg, std::size_t len) {
  esp::outbound_sa<openssl_transform> tx(cfg, transform_for(cfg), esp::iv_generator{fixed_iv, nullptr});
  std::vector<std::vector<std::byte>> pkts(ring, std::vector<std::byte>(cfg.packet_size(len)));
  for (auto &p : pkts) {
    fill_inner(p.data() + cfg.headroom(), len);
    if (!tx.encap(p, len, 4)) std::abort();
  }
  return pkts;
}

void decap_vpnwire(benchmark::State &state, algo a) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(a);
  const auto pkts = prepare(cfg, len);
  esp::inbound_sa<openssl_transform> rx(cfg, transform_for(cfg));
  std::vector<std::byte> work(pkts[0].size());
  std::size_t i = 0;
  bool ok = true;
  auto one = [&] {
    std::memcpy(work.data(), pkts[i].data(), work.size());
    auto d = rx.decap(work);
    benchmark::DoNotOptimize(d);
    ok = ok && d.has_value();
    if (++i == ring) {
      i = 0;
      rx.reset_window(0);
    }
  };
  const double allocs = allocs_per_packet(one);
  for (auto _ : state) one();
  if (!ok) state.SkipWithError("decap failed");
  report(state, len, allocs);
}

// Same work with EVP alone: open, then read pad length and next header.
void decap_openssl_evp(benchmark::State &state, algo a) {
  const auto len = static_cast<std::size_t>(state.range(0));
  const esp::sa_config cfg = config_for(a);
  const auto pkts = prepare(cfg, len);
  raw_evp evp(cfg);
  std::vector<std::byte> work(pkts[0].size());
  const std::size_t body = work.size() - 16 - 16;
  std::size_t i = 0;
  auto one = [&] {
    std::memcpy(work.data(), pkts[i].data(), work.size());
    const bool ok = evp.open(uc(work.data() + 8), uc(work.data()), uc(work.data() + 16), static_cast<int>(body),
                             uc(work.data() + 16 + body));
    const auto pad = std::to_integer<std::size_t>(work[16 + body - 2]);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(pad);
    if (++i == ring) i = 0;
  };
  const double allocs = allocs_per_packet(one);
  for (auto _ : state) one();
  report(state, len, allocs);
}

#define ESP_BENCH(group, fn, impl, algo_value)                                                                         \
  BENCHMARK_CAPTURE(fn, group, algo_value)->Name(#group "/" impl)->Arg(64)->Arg(576)->Arg(1420)

ESP_BENCH(encap_aes_gcm_128, encap_vpnwire, "vpnwire", algo::gcm128);
ESP_BENCH(encap_aes_gcm_128, encap_openssl_evp, "openssl_evp", algo::gcm128);
ESP_BENCH(encap_aes_gcm_256, encap_vpnwire, "vpnwire", algo::gcm256);
ESP_BENCH(encap_aes_gcm_256, encap_openssl_evp, "openssl_evp", algo::gcm256);
ESP_BENCH(encap_chacha20_poly1305, encap_vpnwire, "vpnwire", algo::chacha);
ESP_BENCH(encap_chacha20_poly1305, encap_openssl_evp, "openssl_evp", algo::chacha);
ESP_BENCH(decap_aes_gcm_128, decap_vpnwire, "vpnwire", algo::gcm128);
ESP_BENCH(decap_aes_gcm_128, decap_openssl_evp, "openssl_evp", algo::gcm128);
ESP_BENCH(decap_aes_gcm_256, decap_vpnwire, "vpnwire", algo::gcm256);
ESP_BENCH(decap_aes_gcm_256, decap_openssl_evp, "openssl_evp", algo::gcm256);
ESP_BENCH(decap_chacha20_poly1305, decap_vpnwire, "vpnwire", algo::chacha);
ESP_BENCH(decap_chacha20_poly1305, decap_openssl_evp, "openssl_evp", algo::chacha);
// Cipher + HMAC: no raw-EVP twin here; run for its time and its allocation
// count (OpenSSL 3.0 allocates when an HMAC context is re-initialised).
ESP_BENCH(encap_aes_cbc_128_hmac_sha256, encap_vpnwire, "vpnwire", algo::cbc128_sha256);
ESP_BENCH(decap_aes_cbc_128_hmac_sha256, decap_vpnwire, "vpnwire", algo::cbc128_sha256);

// --- anti-replay --------------------------------------------------------------
// Mostly in order with some reordering, as on a real link: 7 of 8 numbers
// advance the window, 1 in 8 arrives a few places late.

std::vector<std::uint64_t> arrival_order(std::size_t n) {
  std::vector<std::uint64_t> v(n);
  std::mt19937_64 rng(6479);
  for (std::size_t i = 0; i < n; ++i) v[i] = i + 1;
  for (std::size_t i = 8; i < n; i += 8) std::swap(v[i], v[i - 1 - rng() % 6]);
  return v;
}

template <std::size_t W> void replay_vpnwire(benchmark::State &state) {
  const auto order = arrival_order(1 << 16);
  esp::replay_window<W> w;
  std::size_t i = 0;
  std::uint64_t base = 0;
  for (auto _ : state) {
    const std::uint64_t s = base + order[i];
    if (w.check(s) == esp::replay_check::fresh) w.commit(s);
    if (++i == order.size()) {
      i = 0;
      base += order.size();
    }
  }
  benchmark::DoNotOptimize(w.top());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Baseline: one 64-bit word shifted on every advance (RFC 4303 §3.4.3 as
// most implementations write it; window 64 only).
struct shift_window {
  std::uint64_t top = 0, bits = 0;
  bool check(std::uint64_t s) const {
    if (s > top) return true;
    const std::uint64_t d = top - s;
    return d < 64 && (bits & (std::uint64_t{1} << d)) == 0 && s != 0;
  }
  void commit(std::uint64_t s) {
    if (s > top) {
      const std::uint64_t d = s - top;
      bits = d >= 64 ? 1 : (bits << d) | 1;
      top = s;
    } else {
      bits |= std::uint64_t{1} << (top - s);
    }
  }
};

void replay_shift_bitmap(benchmark::State &state) {
  const auto order = arrival_order(1 << 16);
  shift_window w;
  std::size_t i = 0;
  std::uint64_t base = 0;
  for (auto _ : state) {
    const std::uint64_t s = base + order[i];
    if (w.check(s)) w.commit(s);
    if (++i == order.size()) {
      i = 0;
      base += order.size();
    }
  }
  benchmark::DoNotOptimize(w.top);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(replay_vpnwire<64>)->Name("replay_check_commit/vpnwire/64");
BENCHMARK(replay_shift_bitmap)->Name("replay_check_commit/shift_bitmap/64");
BENCHMARK(replay_vpnwire<1024>)->Name("replay_check_commit/vpnwire/1024");
BENCHMARK(replay_vpnwire<8192>)->Name("replay_check_commit/vpnwire/8192");

} // namespace

VPNWIRE_BENCH_MAIN();
