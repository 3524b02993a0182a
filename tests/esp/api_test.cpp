// The embedder-facing API of esp/: SA factories that check the config
// against the keyed transform, name() for every public enum, and
// is_fatal(errc) proved by behaviour: every code is produced through the
// public API, and afterwards the same SA either still works (per-packet
// error, is_fatal false) or cannot work at all (is_fatal true).
#include "esp_test_support.hpp"

#include "vpnwire/esp/natt.hpp"
#include "vpnwire/esp/replay_window.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

using namespace vpnwire;
using namespace esp_test;

namespace {

esp::sa_config gcm() {
  esp::sa_config c;
  c.spi = 0x3000;
  c.cipher = esp::cipher::aes_gcm;
  c.key_bits = 128;
  c.mode = esp::sa_mode::transport;
  return c;
}
esp::sa_config cbc() {
  esp::sa_config c = gcm();
  c.cipher = esp::cipher::aes_cbc;
  c.integrity = esp::integrity::hmac_sha256_128;
  return c;
}

// ---------------------------------------------------------------- factories

TEST(EspFactory, GcmTransformWithCbcConfigDoesNotConstruct) {
  auto g = gcm();
  auto c = cbc();
  auto [gk, gi] = keys_for(g, 1);
  EXPECT_EQ(inbound::make(c, make_crypto(g, gk, gi)).code(), esp::errc::transform_mismatch);
  EXPECT_EQ(outbound::make(c, make_crypto(g, gk, gi)).code(), esp::errc::transform_mismatch);
  auto [ck, ci] = keys_for(c, 1);
  EXPECT_EQ(inbound::make(g, make_crypto(c, ck, ci)).code(), esp::errc::transform_mismatch);
  // Same cipher, other key size or integrity algorithm: also a mismatch.
  auto c256 = c;
  c256.key_bits = 256;
  EXPECT_EQ(inbound::make(c256, make_crypto(c, ck, ci)).code(), esp::errc::transform_mismatch);
  auto sha1 = c;
  sha1.integrity = esp::integrity::hmac_sha1_96;
  EXPECT_EQ(outbound::make(sha1, make_crypto(c, ck, ci)).code(), esp::errc::transform_mismatch);
  // Invalid configs are refused before the transform is looked at.
  auto bad = g;
  bad.aead_icv_size = 10;
  EXPECT_EQ(inbound::make(bad, make_crypto(g, gk, gi)).code(), esp::errc::invalid_icv_length);
  // The matching pair constructs and works.
  auto tx = outbound::make(g, make_crypto(g, gk, gi));
  auto rx = inbound::make(g, make_crypto(g, gk, gi));
  ASSERT_TRUE(tx);
  ASSERT_TRUE(rx);
  std::vector<std::byte> buf(g.packet_size(5));
  ASSERT_TRUE(tx->encap(buf, 5, 17));
  EXPECT_TRUE(rx->decap(buf));
}

// A backend that cannot describe its keys is checked for AEAD agreement only.
struct opaque_transform {
  openssl_transform inner;
  [[nodiscard]] bool is_aead() const noexcept { return inner.is_aead(); }
  bool seal(bytes_view a, bytes_view b, bytes_view c, mutable_bytes d, mutable_bytes e) noexcept {
    return inner.seal(a, b, c, d, e);
  }
  bool open(bytes_view a, bytes_view b, bytes_view c, mutable_bytes d, bytes_view e) noexcept {
    return inner.open(a, b, c, d, e);
  }
  bool encrypt(bytes_view iv, mutable_bytes d) noexcept { return inner.encrypt(iv, d); }
  bool decrypt(bytes_view iv, mutable_bytes d) noexcept { return inner.decrypt(iv, d); }
  bool compute(bytes_view a, bytes_view b, mutable_bytes o) noexcept { return inner.compute(a, b, o); }
};
static_assert(esp::crypto::transform<opaque_transform>);
static_assert(!esp::crypto::describes_keys<opaque_transform>);
static_assert(!esp::crypto::aead_unverified<opaque_transform>);

TEST(EspFactory, OpaqueBackendIsCheckedForAeadAgreement) {
  auto g = gcm();
  auto c = cbc();
  auto [gk, gi] = keys_for(g, 2);
  using rx_t = esp::inbound_sa<opaque_transform>;
  EXPECT_EQ(rx_t::make(c, opaque_transform{make_crypto(g, gk, gi)}).code(), esp::errc::transform_mismatch);
  auto rx = rx_t::make(g, opaque_transform{make_crypto(g, gk, gi)});
  ASSERT_TRUE(rx);
  // Without open_unverified, decap_unverified verifies AEAD tags (and says so).
  outbound tx(g, make_crypto(g, gk, gi));
  std::vector<std::byte> buf(g.packet_size(3));
  ASSERT_TRUE(tx.encap(buf, 3, 17));
  auto d = rx->decap_unverified(buf);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->verified);
  EXPECT_EQ(rx->counters().delivered, 1U);
}

// ---------------------------------------------------------------- names

template <class E> void expect_distinct_names(std::initializer_list<E> all) {
  std::set<std::string_view> seen;
  for (E e : all) {
    const auto n = esp::name(e);
    EXPECT_NE(n, "unknown");
    EXPECT_FALSE(n.empty());
    EXPECT_TRUE(seen.insert(n).second) << n;
  }
}

TEST(EspNames, EveryPublicEnumHasNames) {
  expect_distinct_names({esp::natt_kind::keepalive, esp::natt_kind::ike, esp::natt_kind::esp});
  expect_distinct_names({esp::cipher::null, esp::cipher::aes_cbc, esp::cipher::aes_ctr, esp::cipher::aes_gcm,
                         esp::cipher::aes_gmac, esp::cipher::chacha20_poly1305, esp::cipher::des3_cbc});
  expect_distinct_names({esp::integrity::none, esp::integrity::hmac_sha1_96, esp::integrity::hmac_sha256_128,
                         esp::integrity::hmac_sha384_192, esp::integrity::hmac_sha512_256, esp::integrity::hmac_md5_96,
                         esp::integrity::hmac_sha1_160});
  expect_distinct_names({esp::sa_mode::transport, esp::sa_mode::tunnel});
  expect_distinct_names({esp::decap_outcome::delivered, esp::decap_outcome::dummy});
  expect_distinct_names({esp::replay_check::fresh, esp::replay_check::replayed, esp::replay_check::left_of_window});
  EXPECT_EQ(esp::name(esp::natt_kind::ike), "ike");
  EXPECT_EQ(esp::name(esp::cipher::des3_cbc), "des3_cbc");
  std::set<std::string_view> errs;
  for (int i = 0; i <= static_cast<int>(esp::errc::decap_only_transform); ++i) {
    const auto n = esp::name(static_cast<esp::errc>(i));
    EXPECT_NE(n, "unknown") << i;
    EXPECT_TRUE(errs.insert(n).second) << n;
  }
  EXPECT_EQ(esp::name(static_cast<esp::errc>(200)), "unknown");
  EXPECT_FALSE(esp::is_fatal(static_cast<esp::errc>(200)));
}

// ---------------------------------------------------------------- is_fatal

struct observed {
  esp::errc code;
  bool sa_still_works;
};

// Produces every errc through the public API and records whether the SA
// involved still handles a genuine packet afterwards.
std::vector<observed> produce_every_error() {
  std::vector<observed> out;
  auto g = gcm();
  const auto keys = keys_for(g, 9); // not a structured binding: lambdas capture these (clang 14)
  const auto &k = keys.first;
  const auto &i = keys.second;
  outbound tx(g, make_crypto(g, k, i));
  inbound rx(g, make_crypto(g, k, i));
  auto genuine = [&]() {
    std::vector<std::byte> b(g.packet_size(4));
    if (!tx.encap(b, 4, 17)) std::abort();
    return b;
  };
  auto rx_works = [&]() {
    auto b = genuine();
    return rx.decap(b).has_value();
  };
  auto decap_err = [&](std::vector<std::byte> p) {
    auto r = rx.decap(p);
    if (r) std::abort();
    out.push_back({r.code(), rx_works()});
  };
  // Per-packet decap errors.
  decap_err(std::vector<std::byte>(10));
  {
    auto p = genuine();
    p[0] ^= std::byte{1};
    decap_err(p);
  }
  {
    auto p = genuine();
    std::memset(p.data() + 4, 0, 4);
    decap_err(p);
  }
  {
    auto p = genuine();
    auto q = p;
    if (!rx.decap(p)) std::abort();
    decap_err(q);
  }
  {
    auto old = genuine();
    for (int n = 0; n < 70; ++n) {
      auto b = genuine();
      if (!rx.decap(b)) std::abort();
    }
    decap_err(old);
  }
  {
    auto p = genuine();
    p.back() ^= std::byte{1};
    decap_err(p);
  }
  // Trailer errors under a valid ICV: the backend seals a hand-made body.
  auto sealed = [&](std::vector<std::byte> body, esp::sa_config cfg, inbound &r, std::uint64_t seq) {
    auto t = make_crypto(cfg, k, i);
    std::vector<std::byte> p(8 + 8 + body.size() + 16);
    core::store_be32(p.data(), cfg.spi);
    core::store_be32(p.data() + 4, static_cast<std::uint32_t>(seq));
    std::memcpy(p.data() + 16, body.data(), body.size());
    if (!t.seal(std::span(p).subspan(8, 8), std::span(p).first(8), {}, std::span(p).subspan(16, body.size()),
                std::span(p).subspan(16 + body.size())))
      std::abort();
    auto d = r.decap(p);
    if (d) std::abort();
    return d.code();
  };
  out.push_back({sealed({std::byte{9}, std::byte{17}}, g, rx, 500), rx_works()});
  out.push_back({sealed({std::byte{5}, std::byte{1}, std::byte{2}, std::byte{17}}, g, rx, 501), rx_works()});
  {
    auto tun = g;
    tun.mode = esp::sa_mode::tunnel;
    inbound rt(tun, make_crypto(tun, k, i));
    const auto code = sealed({std::byte{0x45}, std::byte{0}, std::byte{0}, std::byte{4}}, tun, rt, 1);
    outbound tt(tun, make_crypto(tun, k, i));
    std::vector<std::byte> inner(20, std::byte{0});
    inner[0] = std::byte{0x45};
    core::store_be16(inner.data() + 2, 20);
    std::vector<std::byte> b(tun.packet_size(20));
    std::memcpy(b.data() + tun.headroom(), inner.data(), 20);
    tt.set_last_sequence(5);
    if (!tt.encap(b, 20, 4)) std::abort();
    out.push_back({code, rt.decap(b).has_value()});
  }
  {
    auto c = cbc();
    auto [ck, ci] = keys_for(c, 3);
    inbound rc(c, make_crypto(c, ck, ci));
    std::vector<std::byte> p(8 + 16 + 17 + 16);
    core::store_be32(p.data(), c.spi);
    core::store_be32(p.data() + 4, 1);
    auto r = rc.decap(p);
    if (r) std::abort();
    std::uint8_t n = 0;
    outbound tc(c, make_crypto(c, ck, ci),
                esp::iv_generator{[](void *x, mutable_bytes o) noexcept {
                                    for (auto &b : o) b = static_cast<std::byte>((*static_cast<std::uint8_t *>(x))++);
                                  },
                                  &n});
    std::vector<std::byte> b(c.packet_size(4));
    if (!tc.encap(b, 4, 17)) std::abort();
    out.push_back({r.code(), rc.decap(b).has_value()});
  }
  // Encap request errors: the same SA sends the next genuine packet.
  auto tx_works = [&]() {
    std::vector<std::byte> b(g.packet_size(4));
    return tx.encap(b, 4, 17).has_value();
  };
  {
    std::vector<std::byte> b(3);
    out.push_back({tx.encap(b, 4, 17).code(), tx_works()});
    std::vector<std::byte> big(70000);
    auto u = g;
    u.udp_encap = true;
    outbound tu(u, make_crypto(u, k, i));
    const auto code = tu.encap(big, 65530, 17).code();
    std::vector<std::byte> ok(u.packet_size(4));
    out.push_back({code, tu.encap(ok, 4, 17).has_value()});
    std::array<std::byte, 3> iv{};
    esp::encap_options o;
    o.iv = iv;
    std::vector<std::byte> c(g.packet_size(4));
    out.push_back({tx.encap(c, 4, 17, o).code(), tx_works()});
    esp::encap_options t;
    t.tfc_padding = 1;
    out.push_back({tx.encap(c, 4, 17, t).code(), tx_works()});
  }
  // Fatal: the SA can never send or receive again (or never exists).
  {
    outbound te(g, make_crypto(g, k, i));
    te.set_last_sequence(0xFFFFFFFFU);
    std::vector<std::byte> b(g.packet_size(4));
    const auto code = te.encap(b, 4, 17).code();
    out.push_back({code, te.encap(b, 4, 17).has_value()});
  }
  {
    auto c = cbc();
    auto [ck, ci] = keys_for(c, 4);
    outbound tn(c, make_crypto(c, ck, ci)); // CBC without IV generator
    std::vector<std::byte> b(c.packet_size(4));
    const auto code = tn.encap(b, 4, 17).code();
    out.push_back({code, tn.encap(b, 4, 17).has_value()});
  }
  {
    auto c = g;
    c.key_bits = 100;
    out.push_back({c.validate().code(), false});
    c = g;
    c.aead_icv_size = 4;
    out.push_back({c.validate().code(), false});
    c = cbc();
    c.integrity = esp::integrity::none;
    out.push_back({c.validate().code(), false});
    c = g;
    c.integrity = esp::integrity::hmac_sha1_96;
    out.push_back({c.validate().code(), false});
    std::vector<std::byte> short_key(3);
    out.push_back({openssl_transform::make(g, short_key, {}).code(), false});
    auto [ck, ci] = keys_for(cbc(), 5);
    out.push_back({inbound::make(g, make_crypto(cbc(), ck, ci)).code(), false});
    auto keyless = openssl_transform::make_without_integrity(cbc(), ck).value();
    auto un = inbound::make_unverified(cbc(), std::move(keyless)).value();
    std::vector<std::byte> b(cbc().packet_size(4));
    out.push_back({un.decap(b).code(), un.decap(b).has_value()});
    auto legacy = cbc();
    legacy.cipher = esp::cipher::des3_cbc;
    legacy.key_bits = 192;
    out.push_back({legacy.validate_outbound().code(), false});
  }
  // NAT-T: per datagram.
  auto lookup = [](std::uint32_t) noexcept { return static_cast<int *>(nullptr); };
  {
    auto ka = vpnwire_test::hex("fe");
    out.push_back({esp::classify_udp4500(ka).code(), tx_works()});
    auto d = vpnwire_test::hex("11941194 0030 0000 ff");
    out.push_back({esp::parse_udp_encapsulation(d).code(), tx_works()});
    auto e = vpnwire_test::hex("11941194 0010 0000 00001000 00000001");
    out.push_back({esp::receive_udp4500(e, lookup).code(), tx_works()});
  }
  return out;
}

TEST(EspErrc, IsFatalMatchesWhatTheSaCanStillDo) {
  const auto seen = produce_every_error();
  std::set<esp::errc> codes;
  for (const observed &o : seen) {
    SCOPED_TRACE(std::string(esp::name(o.code)));
    EXPECT_NE(o.code, esp::errc::ok);
    EXPECT_EQ(esp::is_fatal(o.code), !o.sa_still_works);
    codes.insert(o.code);
  }
  // Every code except ok and crypto_failure (an internal OpenSSL failure no
  // input can provoke) was produced.
  for (int i = 1; i <= static_cast<int>(esp::errc::decap_only_transform); ++i) {
    const auto e = static_cast<esp::errc>(i);
    if (e == esp::errc::crypto_failure) continue;
    EXPECT_EQ(codes.count(e), 1U) << "not produced: " << esp::name(e);
  }
  EXPECT_TRUE(esp::is_fatal(esp::errc::crypto_failure));
  EXPECT_FALSE(esp::is_fatal(esp::errc::ok));
}

} // namespace
