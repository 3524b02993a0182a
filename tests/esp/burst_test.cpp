// esp::encap_burst / esp::decap_burst against the single-packet calls, which
// are the reference: for random mixes of SAs (every algorithm), sizes,
// replays, duplicates inside one burst, tampered, truncated and misdirected
// packets, bursts longer than a chunk, ESN wrap-around and far jumps of the
// sequence number, every packet's outcome, offset, payload, bytes, and every
// SA's counters and replay window must equal what the same packets give when
// decapsulated (or encapsulated) one at a time in burst order.
//
// Backends: OpenSSL batched through crypto::burst_adapter (ops run one by
// one), OpenSSL unwrapped (decap_burst falls back to a loop), and
// intel-ipsec-mb (multi-buffer), each on a fixed seed.
#include "vpnwire/esp/burst.hpp"
#if VPNWIRE_TEST_IPSEC_MB
#include "vpnwire/esp/crypto/ipsec_mb.hpp"
#endif

#include "../support/counting_new.hpp"
#include "burst_test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>

using namespace vpnwire;
using namespace esp_test;
using namespace burst_test;
using vpnwire_test::to_hex;

namespace {

// ---------------------------------------------------------------- backends

// Every backend's reference is OpenSSL one packet at a time, except the
// counted one, whose reference counts its crypto calls the same way: the
// burst must do exactly the crypto work of the single-packet path (no
// speculative decryption of a packet the replay check refuses).
std::uint64_t g_ref_calls = 0;
std::uint64_t g_burst_calls = 0;

struct counting_transform {
  openssl_transform t;
  std::uint64_t *calls = nullptr;
  [[nodiscard]] bool is_aead() const noexcept { return t.is_aead(); }
  [[nodiscard]] bool seal(bytes_view iv, bytes_view ah, bytes_view at, mutable_bytes d, mutable_bytes tag) noexcept {
    ++*calls;
    return t.seal(iv, ah, at, d, tag);
  }
  [[nodiscard]] bool open(bytes_view iv, bytes_view ah, bytes_view at, mutable_bytes d, bytes_view tag) noexcept {
    ++*calls;
    return t.open(iv, ah, at, d, tag);
  }
  [[nodiscard]] bool encrypt(bytes_view iv, mutable_bytes d) noexcept {
    ++*calls;
    return t.encrypt(iv, d);
  }
  [[nodiscard]] bool decrypt(bytes_view iv, mutable_bytes d) noexcept {
    ++*calls;
    return t.decrypt(iv, d);
  }
  [[nodiscard]] bool compute(bytes_view a, bytes_view b, mutable_bytes out) noexcept {
    ++*calls;
    return t.compute(a, b, out);
  }
};
static_assert(esp::crypto::transform<counting_transform>);

struct openssl_reference {
  using ref_crypto = openssl_transform;
  static constexpr bool counted = false;
  static ref_crypto make_ref(const esp::sa_config &cfg, const std::vector<std::byte> &ck,
                             const std::vector<std::byte> &ik) {
    return make_crypto(cfg, ck, ik);
  }
};

struct openssl_batched : openssl_reference {
  using crypto = esp::crypto::burst_adapter<openssl_transform>;
  static crypto make(const esp::sa_config &cfg, const std::vector<std::byte> &ck, const std::vector<std::byte> &ik) {
    return crypto(make_crypto(cfg, ck, ik));
  }
};

struct openssl_plain : openssl_reference {
  using crypto = openssl_transform;
  static crypto make(const esp::sa_config &cfg, const std::vector<std::byte> &ck, const std::vector<std::byte> &ik) {
    return make_crypto(cfg, ck, ik);
  }
};

struct openssl_counted {
  using crypto = esp::crypto::burst_adapter<counting_transform>;
  using ref_crypto = counting_transform;
  static constexpr bool counted = true;
  static crypto make(const esp::sa_config &cfg, const std::vector<std::byte> &ck, const std::vector<std::byte> &ik) {
    return crypto(counting_transform{make_crypto(cfg, ck, ik), &g_burst_calls});
  }
  static ref_crypto make_ref(const esp::sa_config &cfg, const std::vector<std::byte> &ck,
                             const std::vector<std::byte> &ik) {
    return counting_transform{make_crypto(cfg, ck, ik), &g_ref_calls};
  }
};

#if VPNWIRE_TEST_IPSEC_MB
struct ipsec_mb_backend : openssl_reference {
  using crypto = esp::crypto::ipsec_mb_burst;
  static esp::crypto::ipsec_mb_manager &manager() {
    static esp::crypto::ipsec_mb_manager m = [] {
      auto r = esp::crypto::ipsec_mb_manager::make();
      if (!r) std::abort();
      return std::move(r).value();
    }();
    return m;
  }
  static crypto make(const esp::sa_config &cfg, const std::vector<std::byte> &ck, const std::vector<std::byte> &ik) {
    auto t = esp::crypto::ipsec_mb_transform::make(manager(), cfg, ck, ik);
    if (!t) std::abort();
    return crypto(std::move(t).value());
  }
};
#endif

template <class B> class Burst : public ::testing::Test {};
#if VPNWIRE_TEST_IPSEC_MB
using backends = ::testing::Types<openssl_batched, openssl_plain, openssl_counted, ipsec_mb_backend>;
#else
using backends = ::testing::Types<openssl_batched, openssl_plain, openssl_counted>;
#endif
class backend_names {
public:
  template <class T> static std::string GetName(int) {
    if (std::is_same_v<T, openssl_batched>) return "OpenSslBatched";
    if (std::is_same_v<T, openssl_plain>) return "OpenSslLoop";
    if (std::is_same_v<T, openssl_counted>) return "OpenSslCounted";
    return "IpsecMb";
  }
};
TYPED_TEST_SUITE(Burst, backends, backend_names);

constexpr std::size_t window = 64;
using maker_out = esp::outbound_sa<openssl_transform>;

/// One SA under test beside its reference twin, with its keys.
template <class B> struct sa_pair {
  using ref_in = esp::inbound_sa<typename B::ref_crypto, window>;
  using ref_out = esp::outbound_sa<typename B::ref_crypto>;
  using in_type = esp::inbound_sa<typename B::crypto, window>;
  using out_type = esp::outbound_sa<typename B::crypto>;
  esp::sa_config cfg;
  std::vector<std::byte> ck, ik;
  std::unique_ptr<ref_in> ref_rx;
  std::unique_ptr<in_type> rx;
  counter_iv ref_iv, iv;
  std::unique_ptr<ref_out> ref_tx;
  std::unique_ptr<out_type> tx;
  sa_pair(const esp::sa_config &c, unsigned seed) : cfg(c) {
    std::tie(ck, ik) = keys_for(cfg, seed);
    ref_rx = std::make_unique<ref_in>(cfg, B::make_ref(cfg, ck, ik));
    rx = std::make_unique<in_type>(cfg, B::make(cfg, ck, ik));
    ref_tx = std::make_unique<ref_out>(cfg, B::make_ref(cfg, ck, ik), ref_iv.generator());
    tx = std::make_unique<out_type>(cfg, B::make(cfg, ck, ik), iv.generator());
  }
  /// A genuine packet with sequence number `seq` (made by a separate OpenSSL SA).
  std::vector<std::byte> packet(std::uint64_t seq, std::size_t len, unsigned content, std::uint8_t nh = 0) {
    counter_iv g;
    g.next = seq;
    esp::sa_config c = cfg;
    c.udp_encap = false; // decap takes the packet from its SPI
    maker_out maker(c, make_crypto(c, ck, ik), g.generator());
    maker.set_last_sequence(seq - 1);
    std::vector<std::byte> p(c.packet_size(len));
    const auto inner = inner_packet(len, content);
    if (len != 0) std::memcpy(p.data() + c.headroom(), inner.data(), len);
    if (nh == 0) nh = c.mode == esp::sa_mode::tunnel && len >= 20 ? 4 : 17;
    if (!maker.encap(p, len, nh)) std::abort();
    return p;
  }
};

/// Decapsulates `pkts` (pairs of SA index and packet bytes) through the
/// reference one by one and through decap_burst, and compares everything.
template <class B>
void run_decap(std::vector<std::unique_ptr<sa_pair<B>>> &sas,
               const std::vector<std::pair<std::size_t, std::vector<std::byte>>> &pkts) {
  using in_type = typename sa_pair<B>::in_type;
  std::vector<std::vector<std::byte>> ref_bufs, bufs;
  std::vector<esp::decap_packet<in_type>> dp;
  for (const auto &[sa, bytes] : pkts) {
    ref_bufs.push_back(bytes);
    bufs.push_back(bytes);
  }
  for (std::size_t i = 0; i < pkts.size(); ++i)
    dp.push_back({sas[pkts[i].first]->rx.get(), bufs[i].data(), bufs[i].size(), 16, 16});
  std::vector<esp::decap_result> out(dp.size(), esp::decap_result(esp::decap_output{}));
  g_ref_calls = g_burst_calls = 0;
  const std::size_t ok = esp::decap_burst(std::span(dp), std::span(out));
  std::size_t ref_ok = 0;
  for (std::size_t i = 0; i < pkts.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i) + " of " + std::to_string(pkts.size()) + ", SA " +
                 describe(sas[pkts[i].first]->cfg));
    auto r = sas[pkts[i].first]->ref_rx->decap(ref_bufs[i]);
    ref_ok += r ? 1 : 0;
    expect_same_decap(r, ref_bufs[i].data(), out[i], bufs[i].data());
    EXPECT_EQ(to_hex(bufs[i]), to_hex(ref_bufs[i])) << "packet bytes after decap";
  }
  EXPECT_EQ(ok, ref_ok);
  if constexpr (B::counted) {
    EXPECT_EQ(g_burst_calls, g_ref_calls) << "crypto calls, burst vs one by one";
  }
  for (auto &s : sas) {
    SCOPED_TRACE(describe(s->cfg));
    expect_same_counters(s->rx->counters(), s->ref_rx->counters());
    expect_same_window(s->rx->window(), s->ref_rx->window());
  }
}

// ------------------------------------------------------------ directed cases

template <class B> std::vector<std::unique_ptr<sa_pair<B>>> one_sa(esp::sa_config cfg) {
  std::vector<std::unique_ptr<sa_pair<B>>> v;
  v.push_back(std::make_unique<sa_pair<B>>(cfg, 1));
  return v;
}

esp::sa_config cbc_sha1() {
  esp::sa_config c;
  c.spi = 0xc1000001;
  c.cipher = esp::cipher::aes_cbc;
  c.key_bits = 128;
  c.integrity = esp::integrity::hmac_sha1_96;
  c.mode = esp::sa_mode::tunnel;
  return c;
}

esp::sa_config gcm128() {
  esp::sa_config c;
  c.spi = 0xa0000001;
  c.cipher = esp::cipher::aes_gcm;
  c.key_bits = 128;
  c.mode = esp::sa_mode::tunnel;
  return c;
}

// Two copies of one genuine packet in one burst: the second is a replay,
// refused before any crypto, its bytes untouched.
TYPED_TEST(Burst, SameSequenceTwiceGenuineFirstSecondIsReplayed) {
  for (const auto &cfg : {cbc_sha1(), gcm128()}) {
    auto sas = one_sa<TypeParam>(cfg);
    const auto p = sas[0]->packet(7, 300, 1);
    run_decap(sas, {{0, sas[0]->packet(6, 100, 2)}, {0, p}, {0, p}});
    EXPECT_EQ(sas[0]->rx->counters().replayed, 1U);
    EXPECT_EQ(sas[0]->rx->counters().delivered, 2U);
  }
}

// A forged copy first, the genuine packet second: the forgery fails its ICV
// and must not consume the number, so the genuine packet is delivered.
TYPED_TEST(Burst, SameSequenceTwiceForgedFirstSecondIsDelivered) {
  for (const auto &cfg : {cbc_sha1(), gcm128()}) {
    auto sas = one_sa<TypeParam>(cfg);
    const auto p = sas[0]->packet(7, 300, 1);
    auto forged = p;
    forged[100] ^= std::byte{0x04};
    run_decap(sas, {{0, forged}, {0, p}, {0, forged}});
    EXPECT_EQ(sas[0]->rx->counters().icv_mismatch, 1U);
    EXPECT_EQ(sas[0]->rx->counters().replayed, 1U);
    EXPECT_EQ(sas[0]->rx->counters().delivered, 1U);
  }
}

// A number far ahead, then one that it pushes out of the window: left of the
// window if the far one is genuine, delivered if it is forged.
TYPED_TEST(Burst, HigherNumberPushesLowerOutOfTheWindowOnlyIfGenuine) {
  auto sas = one_sa<TypeParam>(cbc_sha1());
  sas[0]->ref_rx->reset_window(1000);
  sas[0]->rx->reset_window(1000);
  auto far = sas[0]->packet(1000 + window + 50, 64, 1);
  const auto near = sas[0]->packet(990, 64, 2);
  run_decap(sas, {{0, far}, {0, near}});
  EXPECT_EQ(sas[0]->rx->counters().left_of_window, 1U);

  auto sas2 = one_sa<TypeParam>(cbc_sha1());
  sas2[0]->ref_rx->reset_window(1000);
  sas2[0]->rx->reset_window(1000);
  far = sas2[0]->packet(1000 + window + 50, 64, 1);
  far[far.size() - 1] ^= std::byte{1};
  run_decap(sas2, {{0, far}, {0, sas2[0]->packet(990, 64, 2)}});
  EXPECT_EQ(sas2[0]->rx->counters().delivered, 1U);
  EXPECT_EQ(sas2[0]->rx->counters().icv_mismatch, 1U);
}

// ESN: a burst that carries the high half from 0 to 1, with late packets of
// the old subspace after the first packet of the new one.
TYPED_TEST(Burst, EsnWrapInsideOneBurst) {
  for (auto cfg : {cbc_sha1(), gcm128()}) {
    cfg.esn = true;
    auto sas = one_sa<TypeParam>(cfg);
    const std::uint64_t base = 0xFFFFFFF0ULL;
    sas[0]->ref_rx->reset_window(base);
    sas[0]->rx->reset_window(base);
    std::vector<std::pair<std::size_t, std::vector<std::byte>>> pk;
    for (std::uint64_t s : {base + 3, base + 20, base + 8, base + 15, base + 16, base + 17, base + 2, base + 20})
      pk.emplace_back(0, sas[0]->packet(s, 80, static_cast<unsigned>(s)));
    run_decap(sas, pk);
    EXPECT_EQ(sas[0]->rx->window().top(), base + 20);
    EXPECT_EQ(sas[0]->rx->counters().delivered, 7U);
  }
}

// More packets than one chunk, several SAs interleaved, every one fresh.
TYPED_TEST(Burst, LongBurstOfManySasIsChunked) {
  std::vector<std::unique_ptr<sa_pair<TypeParam>>> sas;
  auto c1 = cbc_sha1(), c2 = gcm128(), c3 = cbc_sha1();
  c3.spi = 0x33;
  c3.esn = true;
  for (const auto &c : {c1, c2, c3}) sas.push_back(std::make_unique<sa_pair<TypeParam>>(c, 7));
  std::vector<std::pair<std::size_t, std::vector<std::byte>>> pk;
  for (std::size_t i = 0; i < 3 * esp::burst_chunk + 5; ++i)
    pk.emplace_back(i % 3, sas[i % 3]->packet(i / 3 + 1, 40 + i, static_cast<unsigned>(i)));
  run_decap(sas, pk);
  for (auto &s : sas) EXPECT_EQ(s->rx->counters().delivered, esp::burst_chunk + (s == sas[0] || s == sas[1] ? 2 : 1));
}

// --------------------------------------------------------- random decap mixes

template <class B> void random_decap_mixes(unsigned seed, int cases) {
  std::mt19937_64 rng(seed);
  esp::inbound_counters seen; // over every case: the mix must reach every common outcome
  const auto configs = all_configs();
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  for (int c = 0; c < cases; ++c) {
    SCOPED_TRACE("case " + std::to_string(c));
    std::vector<std::unique_ptr<sa_pair<B>>> sas;
    const std::size_t nsa = 1 + pick(4);
    std::vector<std::uint64_t> start(nsa), next(nsa);
    for (std::size_t k = 0; k < nsa; ++k) {
      esp::sa_config cfg = configs[pick(configs.size())];
      cfg.spi = static_cast<std::uint32_t>(0x10000 + c * 8 + static_cast<int>(k));
      cfg.strict_padding = pick(4) != 0;
      sas.push_back(std::make_unique<sa_pair<B>>(cfg, static_cast<unsigned>(c * 8 + static_cast<int>(k))));
      // Start near 0, somewhere in the middle, or (ESN) just below a 2^32 boundary.
      const std::uint64_t s0 = cfg.esn && pick(2) == 0 ? 0xFFFFFFFFULL - pick(40) : pick(3) == 0 ? 0 : 500 + pick(5000);
      start[k] = next[k] = s0;
      sas[k]->ref_rx->reset_window(s0);
      sas[k]->rx->reset_window(s0);
    }
    for (int b = 0; b < 4; ++b) {
      std::vector<std::pair<std::size_t, std::vector<std::byte>>> pk;
      const std::size_t len = 1 + (pick(5) == 0 ? pick(140) : pick(40));
      for (std::size_t i = 0; i < len; ++i) {
        const std::size_t k = pick(nsa);
        const unsigned kind = static_cast<unsigned>(pick(100));
        if (kind < 8 && !pk.empty()) { // a copy of an earlier packet of this burst
          pk.push_back(pk[pick(pk.size())]);
          continue;
        }
        // Mostly the next number; sometimes late, a bit ahead, or far ahead.
        std::uint64_t seq = ++next[k];
        const unsigned how = static_cast<unsigned>(pick(20));
        if (how == 0 && next[k] > window + 2)
          seq = next[k] - window - pick(10); // likely left of the window
        else if (how == 1 && next[k] > 10)
          seq = next[k] - 1 - pick(10); // late, maybe a replay
        else if (how == 2)
          next[k] = seq = next[k] + window + pick(3 * window); // a jump
        else if (how == 3)
          seq = next[k] + pick(8); // a little ahead
        if (seq == 0) seq = 1;
        const std::size_t size = pick(3) == 0 ? pick(1500) : pick(120);
        std::vector<std::byte> p = sas[k]->packet(seq, size, static_cast<unsigned>(rng()));
        std::size_t target = k;
        if (kind < 18) {
          p[pick(p.size())] ^= static_cast<std::byte>(1U << pick(8)); // tampered anywhere
        } else if (kind < 22) {
          p.resize(pick(p.size())); // truncated
        } else if (kind < 24) {
          target = pick(nsa); // to another SA (SPI mismatch unless the same)
        } else if (kind < 26 && sas[k]->cfg.mode == esp::sa_mode::tunnel) {
          p = sas[k]->packet(seq, size, 3, static_cast<std::uint8_t>(pick(3) == 0 ? 59 : 4)); // dummy / bad inner
        }
        pk.emplace_back(target, std::move(p));
      }
      run_decap(sas, pk);
      if (::testing::Test::HasFailure()) return;
    }
    for (auto &s : sas) {
      const auto &rc = s->ref_rx->counters();
      seen.delivered += rc.delivered;
      seen.dummy += rc.dummy;
      seen.too_short += rc.too_short;
      seen.spi_mismatch += rc.spi_mismatch;
      seen.replayed += rc.replayed;
      seen.left_of_window += rc.left_of_window;
      seen.not_block_multiple += rc.not_block_multiple;
      seen.icv_mismatch += rc.icv_mismatch;
      seen.inner_length_invalid += rc.inner_length_invalid;
    }
  }
  EXPECT_GT(seen.delivered, 1000U);
  EXPECT_GT(seen.dummy, 0U);
  EXPECT_GT(seen.too_short, 0U);
  EXPECT_GT(seen.spi_mismatch, 0U);
  EXPECT_GT(seen.replayed, 50U);
  EXPECT_GT(seen.left_of_window, 50U);
  EXPECT_GT(seen.not_block_multiple, 0U);
  EXPECT_GT(seen.icv_mismatch, 50U);
  EXPECT_GT(seen.inner_length_invalid, 0U);
}

TYPED_TEST(Burst, RandomDecapMixesEqualSinglePacketDecap) { random_decap_mixes<TypeParam>(4303, 120); }

// ----------------------------------------------------------------- encap

// Random payloads through encap_burst and through the reference encap:
// same bytes (the whole buffer, headroom included), outcomes, counters and
// sequence numbers, with short headroom or tailroom, TFC padding (refused in
// transport mode), explicit IVs of the right and wrong length, and SAs at
// the end of their sequence space.
TYPED_TEST(Burst, RandomEncapMixesEqualSinglePacketEncap) {
  std::mt19937_64 rng(3948);
  const auto configs = all_configs();
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  using out_type = typename sa_pair<TypeParam>::out_type;
  for (int c = 0; c < 100; ++c) {
    SCOPED_TRACE("case " + std::to_string(c));
    std::vector<std::unique_ptr<sa_pair<TypeParam>>> sas;
    const std::size_t nsa = 1 + pick(4);
    for (std::size_t k = 0; k < nsa; ++k) {
      esp::sa_config cfg = configs[pick(configs.size())];
      sas.push_back(std::make_unique<sa_pair<TypeParam>>(cfg, static_cast<unsigned>(c + 100)));
      std::uint64_t last = pick(4) == 0 ? (cfg.esn ? 0xFFFFFFFFULL - pick(5) : 0xFFFFFFFFULL - pick(40)) : pick(1000);
      if (cfg.esn && pick(8) == 0) last = ~std::uint64_t{0} - pick(30);
      sas[k]->ref_tx->set_last_sequence(last);
      sas[k]->tx->set_last_sequence(last);
    }
    for (int b = 0; b < 3; ++b) {
      const std::size_t n = 1 + (pick(4) == 0 ? pick(100) : pick(40));
      std::vector<std::vector<std::byte>> ref_bufs, bufs;
      std::vector<std::vector<std::byte>> ivs;
      std::vector<esp::encap_packet<out_type>> ep;
      ep.reserve(n);
      ivs.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t k = pick(nsa);
        const esp::sa_config &cfg = sas[k]->cfg;
        const std::size_t len = pick(3) == 0 ? pick(1500) : pick(100);
        esp::encap_options opt;
        if (pick(10) == 0) opt.tfc_padding = pick(40);
        if (pick(10) == 0) {
          ivs.emplace_back(pick(5) == 0 ? cfg.iv_size() + 1 : cfg.iv_size(), static_cast<std::byte>(pick(256)));
          opt.iv = ivs.back();
        }
        const std::size_t need_tail = cfg.packet_size(len, opt.tfc_padding) - cfg.headroom() - len;
        std::size_t head = cfg.headroom() + pick(8);
        std::size_t tail = need_tail + pick(8);
        if (pick(12) == 0) head = pick(cfg.headroom() + 1);
        if (pick(12) == 0) tail = pick(need_tail + 1);
        std::vector<std::byte> buf(head + len + tail, std::byte{0xEE});
        const auto inner = inner_packet(len, static_cast<unsigned>(i));
        if (len != 0) std::memcpy(buf.data() + head, inner.data(), len);
        ref_bufs.push_back(buf);
        bufs.push_back(std::move(buf));
        const auto nh = static_cast<std::uint8_t>(pick(256));
        ep.push_back({sas[k]->tx.get(), bufs.back().data() + head, len, head, tail, nh, opt});
      }
      std::vector<esp::encap_result> out(n, esp::encap_result(std::size_t{0}));
      g_ref_calls = g_burst_calls = 0;
      const std::size_t ok = esp::encap_burst(std::span(ep), std::span(out));
      std::size_t ref_ok = 0;
      for (std::size_t i = 0; i < n; ++i) {
        SCOPED_TRACE("packet " + std::to_string(i));
        const auto &p = ep[i];
        using ref_out = typename sa_pair<TypeParam>::ref_out;
        ref_out &ref = [&]() -> ref_out & {
          for (auto &s : sas)
            if (s->tx.get() == p.sa) return *s->ref_tx;
          std::abort();
        }();
        std::byte *data = ref_bufs[i].data() + p.headroom;
        const std::size_t h = ref.headroom();
        auto r = p.headroom < h ? ref.encap(mutable_bytes{}, p.length, p.next_header, p.options)
                                : ref.encap(mutable_bytes(data - h, h + p.length + p.tailroom), p.length, p.next_header,
                                            p.options);
        ref_ok += r ? 1 : 0;
        expect_same_encap(r, out[i]);
        EXPECT_EQ(to_hex(bufs[i]), to_hex(ref_bufs[i]));
      }
      EXPECT_EQ(ok, ref_ok);
      if constexpr (TypeParam::counted) {
        EXPECT_EQ(g_burst_calls, g_ref_calls) << "crypto calls, burst vs one by one";
      }
      for (auto &s : sas) {
        expect_same_counters(s->tx->counters(), s->ref_tx->counters());
        EXPECT_EQ(s->tx->last_sequence(), s->ref_tx->last_sequence());
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TYPED_TEST(Burst, EncapWithShortHeadroomIsBufferTooSmallAtOffsetZero) {
  auto sas = one_sa<TypeParam>(gcm128());
  std::vector<std::byte> buf(200);
  std::array<esp::encap_packet<typename sa_pair<TypeParam>::out_type>, 1> ep{};
  ep[0] = {sas[0]->tx.get(), buf.data() + 8, 100, 8, 92, 4, {}};
  std::array<esp::encap_result, 1> out{esp::encap_result(std::size_t{0})};
  EXPECT_EQ(esp::encap_burst(std::span(ep), std::span(out)), 0U);
  ASSERT_FALSE(out[0]);
  EXPECT_EQ(out[0].code(), esp::errc::buffer_too_small);
  EXPECT_EQ(out[0].offset(), 0U);
  EXPECT_EQ(sas[0]->tx->counters().buffer_too_small, 1U);
  EXPECT_EQ(sas[0]->tx->last_sequence(), 0U);
}

// A burst allocates nothing (operator new is counted for the whole test binary).
TYPED_TEST(Burst, BurstsDoNotAllocate) {
  auto sas = one_sa<TypeParam>(cbc_sha1());
  using in_type = typename sa_pair<TypeParam>::in_type;
  using out_type = typename sa_pair<TypeParam>::out_type;
  std::vector<std::vector<std::byte>> bufs(32, std::vector<std::byte>(2048));
  std::vector<esp::encap_packet<out_type>> ep;
  std::vector<esp::decap_packet<in_type>> dp;
  const std::size_t h = sas[0]->cfg.headroom();
  for (auto &b : bufs) {
    const auto inner = inner_packet(1000, 1);
    std::memcpy(b.data() + h, inner.data(), inner.size());
    ep.push_back({sas[0]->tx.get(), b.data() + h, 1000, h, 2048 - h - 1000, 4, {}});
  }
  std::vector<esp::encap_result> eo(32, esp::encap_result(std::size_t{0}));
  std::vector<esp::decap_result> dout(32, esp::decap_result(esp::decap_output{}));
  const std::uint64_t before = vpnwire_test::new_calls.load();
  const std::size_t n = esp::encap_burst(std::span(ep), std::span(eo));
  const std::uint64_t after_encap = vpnwire_test::new_calls.load();
  ASSERT_EQ(n, 32U);
  for (std::size_t i = 0; i < 32; ++i) dp.push_back({sas[0]->rx.get(), bufs[i].data(), *eo[i], 0, 0});
  const std::uint64_t before_decap = vpnwire_test::new_calls.load();
  EXPECT_EQ(esp::decap_burst(std::span(dp), std::span(dout)), 32U);
  EXPECT_EQ(after_encap - before, 0U);
  EXPECT_EQ(vpnwire_test::new_calls.load() - before_decap, 0U);
}

} // namespace
