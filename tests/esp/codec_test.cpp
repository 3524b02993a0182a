// Encap and decap behaviour: round trips over every algorithm, and each
// decap error reached with a packet built outside the codec (the backend
// called directly, so the ICV is valid while the trailer is not), checking
// that the window and the bytes outside the packet stay unchanged.
#include "esp_test_support.hpp"

#include <gtest/gtest.h>

#include "vpnwire/esp/natt.hpp"

#include <cstring>
#include <random>

using namespace vpnwire;
using namespace esp_test;
using vpnwire_test::to_hex;

namespace {

std::vector<esp::sa_config> every_config() {
  std::vector<esp::sa_config> out;
  auto add = [&](esp::cipher c, std::uint16_t bits, esp::integrity i, std::uint8_t icv = 16) {
    for (bool esn : {false, true}) {
      for (bool udp : {false, true}) {
        for (auto mode : {esp::sa_mode::transport, esp::sa_mode::tunnel}) {
          esp::sa_config cfg;
          cfg.spi = 0x1000 + static_cast<std::uint32_t>(out.size());
          cfg.cipher = c;
          cfg.key_bits = bits;
          cfg.integrity = i;
          cfg.aead_icv_size = icv;
          cfg.esn = esn;
          cfg.udp_encap = udp;
          cfg.mode = mode;
          out.push_back(cfg);
        }
      }
    }
  };
  for (std::uint16_t bits : {128, 192, 256}) {
    for (std::uint8_t icv : {8, 12, 16}) add(esp::cipher::aes_gcm, bits, esp::integrity::none, icv);
    add(esp::cipher::aes_gmac, bits, esp::integrity::none);
    add(esp::cipher::aes_cbc, bits, esp::integrity::hmac_sha256_128);
    add(esp::cipher::aes_ctr, bits, esp::integrity::hmac_sha1_96);
  }
  add(esp::cipher::chacha20_poly1305, 256, esp::integrity::none);
  add(esp::cipher::aes_cbc, 128, esp::integrity::hmac_sha1_96);
  add(esp::cipher::aes_cbc, 128, esp::integrity::hmac_sha384_192);
  add(esp::cipher::aes_cbc, 128, esp::integrity::hmac_sha512_256);
  add(esp::cipher::null, 0, esp::integrity::hmac_sha256_128);
  return out;
}

void counter_iv(void *ctx, mutable_bytes out) noexcept {
  auto *n = static_cast<std::uint8_t *>(ctx);
  for (auto &b : out) b = static_cast<std::byte>((*n)++);
}

// Every configuration, many lengths: decap(encap(p)) == p, the size is
// packet_size(), the sequence numbers follow 1, 2, 3...
TEST(EspCodec, RoundTripEveryAlgorithmAndLength) {
  std::mt19937 rng(4303);
  for (const esp::sa_config &cfg : every_config()) {
    SCOPED_TRACE(testing::Message() << "cipher " << int(cfg.cipher) << " bits " << cfg.key_bits << " integ "
                                    << int(cfg.integrity) << " esn " << cfg.esn << " udp " << cfg.udp_encap);
    auto [ck, ik] = keys_for(cfg, cfg.spi);
    std::uint8_t iv_state = 0;
    outbound tx(cfg, make_crypto(cfg, ck, ik), esp::iv_generator{counter_iv, &iv_state});
    inbound rx(cfg, make_crypto(cfg, ck, ik));
    if (cfg.esn) { // start just below a subspace boundary so the high half changes
      tx.set_last_sequence(0x00000001'FFFFFFF0);
      rx.reset_window(0x00000001'FFFFFFF0);
    }
    for (std::size_t len : {0, 1, 2, 3, 15, 16, 17, 40, 63, 64, 100, 1400}) {
      std::vector<std::byte> payload(len);
      for (auto &b : payload) b = static_cast<std::byte>(rng());
      if (cfg.mode == esp::sa_mode::tunnel && len >= 20) { // a plausible inner IPv4 header
        payload[0] = std::byte{0x45};
        core::store_be16(payload.data() + 2, static_cast<std::uint16_t>(len));
      }
      const std::uint8_t nh = cfg.mode == esp::sa_mode::tunnel && len >= 20 ? 4 : 17;
      std::vector<std::byte> buf(cfg.packet_size(len) + 5, std::byte{0xEE});
      if (len != 0) std::memcpy(buf.data() + cfg.headroom(), payload.data(), len);
      auto n = tx.encap(buf, len, nh);
      ASSERT_TRUE(n) << esp::name(n.code());
      ASSERT_EQ(*n, cfg.packet_size(len));
      for (std::size_t i = *n; i < buf.size(); ++i) ASSERT_EQ(buf[i], std::byte{0xEE}); // nothing past the packet
      mutable_bytes pkt = std::span(buf).first(*n);
      if (cfg.udp_encap) {
        EXPECT_EQ(core::load_be16(pkt.data()), 4500);
        EXPECT_EQ(core::load_be16(pkt.data() + 4), *n);
        EXPECT_EQ(core::load_be16(pkt.data() + 6), 0); // RFC 3948 checksum 0
        auto k = esp::classify_udp4500(pkt.subspan(8));
        ASSERT_TRUE(k);
        ASSERT_EQ(k->kind, esp::natt_kind::esp);
        pkt = pkt.subspan(8);
      }
      auto d = rx.decap(pkt);
      ASSERT_TRUE(d) << esp::name(d.code()) << " at " << d.offset() << " len " << len;
      EXPECT_EQ(to_hex(d->payload), to_hex(payload));
      EXPECT_EQ(d->next_header, nh);
      EXPECT_EQ(d->sequence, tx.last_sequence());
      EXPECT_EQ(rx.window().top(), tx.last_sequence());
      // The same packet again is a replay.
      std::vector<std::byte> again(pkt.begin(), pkt.end());
      EXPECT_EQ(rx.decap(again).code(), esp::errc::replayed);
    }
    EXPECT_EQ(tx.counters().packets, 12U);
    EXPECT_EQ(rx.counters().delivered, 12U);
    EXPECT_EQ(rx.counters().replayed, 12U);
  }
}

// A packet built by hand: header, IV, body (payload + trailer as given) and
// a valid ICV computed by the backend directly, for GCM-128 or CBC+HMAC.
struct forge {
  esp::sa_config cfg;
  std::vector<std::byte> ck, ik;
  explicit forge(esp::sa_config c) : cfg(c) { std::tie(ck, ik) = keys_for(cfg, 7); }
  std::vector<std::byte> packet(std::uint64_t seq, const std::vector<std::byte> &body) const {
    auto t = make_crypto(cfg, ck, ik);
    std::vector<std::byte> p(esp::header_size + cfg.iv_size() + body.size() + cfg.icv_size());
    core::store_be32(p.data(), cfg.spi);
    core::store_be32(p.data() + 4, static_cast<std::uint32_t>(seq));
    for (std::size_t i = 0; i < cfg.iv_size(); ++i) p[8 + i] = static_cast<std::byte>(0x30 + i);
    const std::size_t body_off = 8 + cfg.iv_size();
    std::memcpy(p.data() + body_off, body.data(), body.size());
    const auto iv = std::span(p).subspan(8, cfg.iv_size());
    const auto b = std::span(p).subspan(body_off, body.size());
    const auto icv = std::span(p).subspan(body_off + body.size());
    std::array<std::byte, 12> aad{};
    core::store_be32(aad.data(), cfg.spi);
    core::store_be32(aad.data() + 4, static_cast<std::uint32_t>(seq >> 32));
    core::store_be32(aad.data() + 8, static_cast<std::uint32_t>(seq));
    std::array<std::byte, 4> hi{};
    core::store_be32(hi.data(), static_cast<std::uint32_t>(seq >> 32));
    if (cfg.is_aead()) {
      const bytes_view head = cfg.esn ? bytes_view(aad) : std::span(p).first(8);
      if (!t.seal(iv, head, {}, b, icv)) std::abort();
    } else {
      if (!t.encrypt(iv, b)) std::abort();
      if (!t.compute(std::span(p).first(body_off + body.size()), cfg.esn ? bytes_view(hi) : bytes_view{}, icv))
        std::abort();
    }
    return p;
  }
  inbound receiver() const { return inbound(cfg, make_crypto(cfg, ck, ik)); }
};

esp::sa_config gcm_transport() {
  esp::sa_config c;
  c.spi = 0x4242;
  c.cipher = esp::cipher::aes_gcm;
  c.key_bits = 128;
  c.mode = esp::sa_mode::transport;
  return c;
}
esp::sa_config cbc_hmac_transport() {
  esp::sa_config c = gcm_transport();
  c.cipher = esp::cipher::aes_cbc;
  c.integrity = esp::integrity::hmac_sha256_128;
  return c;
}

std::vector<std::byte> body_of(std::size_t payload, std::vector<int> trailer) {
  std::vector<std::byte> b(payload, std::byte{0x61});
  for (int x : trailer) b.push_back(static_cast<std::byte>(x));
  return b;
}

// decap of `pkt` placed inside a larger buffer fails with `want`, leaves the
// guard bytes around it and the window untouched, and a later genuine packet
// with the same sequence number is still accepted.
void expect_drop(inbound &rx, const forge &f, const std::vector<std::byte> &pkt, esp::errc want,
                 std::size_t want_offset, std::uint64_t seq_for_retry) {
  std::vector<std::byte> buf(pkt.size() + 32, std::byte{0x5A});
  if (!pkt.empty()) std::memcpy(buf.data() + 16, pkt.data(), pkt.size());
  const auto top = rx.window().top();
  auto d = rx.decap(std::span(buf).subspan(16, pkt.size()));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.code(), want) << esp::name(d.code());
  EXPECT_EQ(d.offset(), want_offset);
  for (std::size_t i = 0; i < 16; ++i) ASSERT_EQ(buf[i], std::byte{0x5A});
  for (std::size_t i = 16 + pkt.size(); i < buf.size(); ++i) ASSERT_EQ(buf[i], std::byte{0x5A});
  EXPECT_EQ(rx.window().top(), top);
  if (seq_for_retry != 0) {
    auto good = f.cfg.block_size() == 16
                    ? f.packet(seq_for_retry, body_of(16, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 17}))
                    : f.packet(seq_for_retry, body_of(6, {1, 2, 2, 17}));
    EXPECT_TRUE(rx.decap(good)) << "state changed by the dropped packet";
  }
}

TEST(EspCodec, TooShortAtEveryLengthBelowTheMinimum) {
  for (auto cfg : {gcm_transport(), cbc_hmac_transport()}) {
    forge f(cfg);
    auto rx = f.receiver();
    const std::size_t min = 8 + cfg.iv_size() + cfg.icv_size() + 2;
    const auto full = f.packet(1, body_of(16, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 4}));
    for (std::size_t n = 0; n < min; ++n) {
      std::vector<std::byte> p(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      expect_drop(rx, f, p, esp::errc::too_short, n, 0);
    }
    EXPECT_EQ(rx.counters().too_short, min);
  }
}

TEST(EspCodec, SpiMismatch) {
  forge f(gcm_transport());
  auto rx = f.receiver();
  auto p = f.packet(1, body_of(2, {0, 4}));
  p[3] ^= std::byte{1};
  expect_drop(rx, f, p, esp::errc::spi_mismatch, 0, 1);
}

TEST(EspCodec, SequenceZeroWithoutEsn) {
  forge f(gcm_transport());
  auto rx = f.receiver();
  expect_drop(rx, f, f.packet(0, body_of(2, {0, 4})), esp::errc::sequence_zero, 4, 1);
  EXPECT_EQ(rx.counters().sequence_zero, 1U);
}

TEST(EspCodec, ReplayedAndLeftOfWindow) {
  forge f(gcm_transport());
  auto rx = f.receiver();
  auto first = f.packet(100, body_of(2, {0, 4}));
  ASSERT_TRUE(rx.decap(first));
  auto again = f.packet(100, body_of(2, {0, 4}));
  expect_drop(rx, f, again, esp::errc::replayed, 4, 101);
  expect_drop(rx, f, f.packet(101 - 64, body_of(2, {0, 4})), esp::errc::left_of_window, 4, 0);
  auto inside = f.packet(101 - 63, body_of(2, {0, 4}));
  EXPECT_TRUE(rx.decap(inside));
}

TEST(EspCodec, CiphertextNotAWholeNumberOfBlocks) {
  forge f(cbc_hmac_transport());
  auto rx = f.receiver();
  auto p = f.packet(1, body_of(16, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 4}));
  p.insert(p.begin() + 8 + 16 + 16, std::byte{0});
  expect_drop(rx, f, p, esp::errc::not_block_multiple, 24, 1);
}

// With cipher + HMAC the ICV is checked before decryption: a failed packet's
// bytes are not decrypted (the buffer is unchanged).
TEST(EspCodec, IcvMismatchLeavesPacketBytesUnchanged) {
  for (auto cfg : {gcm_transport(), cbc_hmac_transport()}) {
    forge f(cfg);
    auto rx = f.receiver();
    auto p = f.packet(1, body_of(16, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 4}));
    p.back() ^= std::byte{0x80};
    const auto before = p;
    auto d = rx.decap(p);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.code(), esp::errc::icv_mismatch);
    EXPECT_EQ(d.offset(), p.size() - cfg.icv_size());
    EXPECT_EQ(p, before);
    EXPECT_EQ(rx.window().top(), 0U);
    expect_drop(rx, f, before, esp::errc::icv_mismatch, p.size() - cfg.icv_size(), 1);
  }
}

TEST(EspCodec, PadLengthBeyondPayloadUnderValidIcv) {
  forge f(gcm_transport());
  auto rx = f.receiver();
  // 2 bytes of body before the trailer, pad length 3.
  expect_drop(rx, f, f.packet(1, body_of(2, {3, 4})), esp::errc::pad_length_beyond_payload, 16 + 2, 1);
  expect_drop(rx, f, f.packet(2, body_of(0, {255, 4})), esp::errc::pad_length_beyond_payload, 16, 2);
  EXPECT_EQ(rx.counters().pad_length_beyond_payload, 2U);
}

TEST(EspCodec, BadPadBytesUnderValidIcvUnlessRelaxed) {
  forge f(gcm_transport());
  auto rx = f.receiver();
  // Padding 1, 2, 4 (third byte wrong).
  const auto p = f.packet(1, body_of(3, {1, 2, 4, 3, 17}));
  expect_drop(rx, f, p, esp::errc::bad_pad_bytes, 16 + 3 + 2, 1);
  esp::sa_config relaxed = gcm_transport();
  relaxed.strict_padding = false;
  forge fr(relaxed);
  auto rx2 = fr.receiver();
  auto loose = fr.packet(1, body_of(3, {9, 9, 9, 3, 17}));
  auto d = rx2.decap(loose);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload.size(), 3U);
  EXPECT_EQ(d->pad_length, 3);
}

TEST(EspCodec, DummyPacketIsADistinctOutcomeAndCommits) {
  forge f(gcm_transport());
  auto rx = f.receiver();
  auto p = f.packet(5, body_of(10, {0, 59}));
  auto d = rx.decap(p);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->outcome, esp::decap_outcome::dummy);
  EXPECT_EQ(rx.counters().dummy, 1U);
  EXPECT_EQ(rx.counters().delivered, 0U);
  EXPECT_EQ(rx.window().top(), 5U);
}

esp::sa_config gcm_tunnel() {
  esp::sa_config c = gcm_transport();
  c.mode = esp::sa_mode::tunnel;
  return c;
}

TEST(EspCodec, TunnelModeTrimsTfcPaddingByInnerLength) {
  esp::sa_config cfg = gcm_tunnel();
  auto [ck, ik] = keys_for(cfg, 1);
  outbound tx(cfg, make_crypto(cfg, ck, ik));
  inbound rx(cfg, make_crypto(cfg, ck, ik));
  std::vector<std::byte> inner(28, std::byte{0});
  inner[0] = std::byte{0x45};
  core::store_be16(inner.data() + 2, 28);
  for (std::size_t tfc : {0, 1, 5, 100}) {
    std::vector<std::byte> buf(cfg.packet_size(inner.size(), tfc));
    std::memcpy(buf.data() + cfg.headroom(), inner.data(), inner.size());
    esp::encap_options opt;
    opt.tfc_padding = tfc;
    auto n = tx.encap(buf, inner.size(), 4, opt);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, inner.size() + cfg.overhead(inner.size(), tfc));
    auto d = rx.decap(buf);
    ASSERT_TRUE(d);
    EXPECT_EQ(to_hex(d->payload), to_hex(inner));
    EXPECT_EQ(d->tfc_length, tfc);
  }
  // IPv6 inner: 40 + payload length.
  std::vector<std::byte> v6(48, std::byte{0});
  v6[0] = std::byte{0x60};
  core::store_be16(v6.data() + 4, 8);
  std::vector<std::byte> buf(cfg.packet_size(v6.size(), 12));
  std::memcpy(buf.data() + cfg.headroom(), v6.data(), v6.size());
  esp::encap_options opt;
  opt.tfc_padding = 12;
  ASSERT_TRUE(tx.encap(buf, v6.size(), 41, opt));
  auto d = rx.decap(buf);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload.size(), 48U);
  EXPECT_EQ(d->tfc_length, 12U);
}

TEST(EspCodec, TunnelModeInnerLengthInvalid) {
  forge f(gcm_tunnel());
  auto rx = f.receiver();
  // next header 4 but the payload is 10 bytes: no IPv4 header.
  expect_drop(rx, f, f.packet(1, body_of(10, {0, 4})), esp::errc::inner_length_invalid, 16, 0);
  // IPv4 header claiming 100 bytes in a 20-byte payload.
  auto body = body_of(20, {2, 2, 2, 4});
  body[0] = std::byte{0x45};
  body[2] = std::byte{0};
  body[3] = std::byte{100};
  body[20] = std::byte{1};
  expect_drop(rx, f, f.packet(1, body), esp::errc::inner_length_invalid, 16, 0);
  EXPECT_EQ(rx.window().top(), 0U);
}

TEST(EspCodec, EsnHighBitsAreCoveredByTheIcv) {
  for (auto base : {gcm_transport(), cbc_hmac_transport()}) {
    base.esn = true;
    forge f(base);
    const auto body = base.block_size() == 16 ? body_of(16, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 4})
                                              : body_of(2, {0, 4});
    auto rx = f.receiver();
    rx.reset_window(0x00000003'00000100);
    // Built for high half 4; the receiver infers 3 (case A, low Sl = 0x200 is
    // inside the window's subspace): the ICV cannot match.
    auto p = f.packet(0x00000004'00000200, body);
    expect_drop(rx, f, p, esp::errc::icv_mismatch, p.size() - base.icv_size(), 0);
    auto q = f.packet(0x00000003'00000200, body);
    auto d = rx.decap(q);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->sequence, 0x00000003'00000200U);
  }
}

TEST(EspCodec, EsnSequenceZeroAndBeforeTheSpace) {
  auto cfg = gcm_transport();
  cfg.esn = true;
  forge f(cfg);
  auto rx = f.receiver();
  // A fresh ESN receiver reads a high Sl as "previous subspace" of 0: outside.
  expect_drop(rx, f, f.packet(0xFFFFFFF0, body_of(2, {0, 4})), esp::errc::left_of_window, 4, 0);
  expect_drop(rx, f, f.packet(0, body_of(2, {0, 4})), esp::errc::sequence_zero, 4, 1);
}

TEST(EspCodec, SenderRefusesToCycleTheCounter) {
  for (bool esn : {false, true}) {
    auto cfg = gcm_transport();
    cfg.esn = esn;
    auto [ck, ik] = keys_for(cfg, 3);
    outbound tx(cfg, make_crypto(cfg, ck, ik));
    const std::uint64_t last = esn ? ~std::uint64_t{0} : 0xFFFFFFFFU;
    tx.set_last_sequence(last - 1);
    std::vector<std::byte> buf(cfg.packet_size(4));
    ASSERT_TRUE(tx.encap(buf, 4, 17));
    EXPECT_EQ(tx.last_sequence(), last);
    auto r = tx.encap(buf, 4, 17);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), esp::errc::sequence_exhausted);
    EXPECT_EQ(tx.last_sequence(), last);
    EXPECT_EQ(tx.counters().sequence_exhausted, 1U);
    EXPECT_EQ(tx.counters().packets, 1U);
  }
  // Without ESN, the 32-bit counter continues into the next packet's ESN-less
  // field: 0xFFFFFFFF is the last one ever sent.
}

TEST(EspCodec, EncapRequestErrorsChangeNothing) {
  auto cfg = cbc_hmac_transport();
  auto [ck, ik] = keys_for(cfg, 4);
  outbound tx(cfg, make_crypto(cfg, ck, ik)); // no IV generator
  std::vector<std::byte> buf(cfg.packet_size(10), std::byte{0x77});
  const auto before = buf;
  EXPECT_EQ(tx.encap(buf, 10, 17).code(), esp::errc::iv_source_missing);
  std::array<std::byte, 8> short_iv{};
  esp::encap_options opt;
  opt.iv = short_iv;
  EXPECT_EQ(tx.encap(buf, 10, 17, opt).code(), esp::errc::iv_length_mismatch);
  esp::encap_options tfc;
  tfc.tfc_padding = 4;
  EXPECT_EQ(tx.encap(buf, 10, 17, tfc).code(), esp::errc::tfc_in_transport_mode);
  auto r = tx.encap(std::span(buf).first(buf.size() - 1), 10, 17);
  EXPECT_EQ(r.code(), esp::errc::buffer_too_small);
  EXPECT_EQ(r.offset(), buf.size() - 1);
  EXPECT_EQ(tx.encap(buf, 1U << 30, 17).code(), esp::errc::buffer_too_small);
  EXPECT_EQ(buf, before);
  EXPECT_EQ(tx.last_sequence(), 0U);
  EXPECT_EQ(tx.counters().bad_request, 3U);
  EXPECT_EQ(tx.counters().buffer_too_small, 2U);
}

TEST(EspCodec, CbcIvComesFromTheGenerator) {
  auto cfg = cbc_hmac_transport();
  auto [ck, ik] = keys_for(cfg, 5);
  std::uint8_t state = 0x40;
  outbound tx(cfg, make_crypto(cfg, ck, ik), esp::iv_generator{counter_iv, &state});
  std::vector<std::byte> buf(cfg.packet_size(10));
  ASSERT_TRUE(tx.encap(buf, 10, 17));
  EXPECT_EQ(to_hex(std::span(buf).subspan(8, 16)), "404142434445464748494a4b4c4d4e4f");
  ASSERT_TRUE(tx.encap(buf, 10, 17));
  EXPECT_EQ(to_hex(std::span(buf).subspan(8, 16)), "505152535455565758595a5b5c5d5e5f");
}

TEST(EspCodec, CounterModesUseTheSequenceNumberAsIv) {
  auto cfg = gcm_transport();
  auto [ck, ik] = keys_for(cfg, 6);
  outbound tx(cfg, make_crypto(cfg, ck, ik));
  tx.set_last_sequence(0x1233);
  std::vector<std::byte> buf(cfg.packet_size(10));
  ASSERT_TRUE(tx.encap(buf, 10, 17));
  EXPECT_EQ(to_hex(std::span(buf).first(16)), "00004242000012340000000000001234");
}

TEST(EspCodec, UdpEncapRefusesDatagramsBeyond65535) {
  auto cfg = gcm_transport();
  cfg.udp_encap = true;
  auto [ck, ik] = keys_for(cfg, 8);
  outbound tx(cfg, make_crypto(cfg, ck, ik));
  std::vector<std::byte> buf(70000);
  EXPECT_EQ(tx.encap(buf, 65535 - cfg.overhead(0), 17).code(), esp::errc::packet_too_large);
  const std::size_t max = cfg.max_payload(65535);
  auto n = tx.encap(buf, max, 17);
  ASSERT_TRUE(n);
  EXPECT_LE(*n, 65535U);
}

TEST(EspCodec, BackendRejectsWrongKeyLengths) {
  auto cfg = gcm_transport();
  std::vector<std::byte> k(19);
  EXPECT_EQ(openssl_transform::make(cfg, k, {}).code(), esp::errc::key_length_mismatch);
  cfg.key_bits = 100;
  EXPECT_EQ(openssl_transform::make(cfg, k, {}).code(), esp::errc::unsupported_key_length);
}

} // namespace
