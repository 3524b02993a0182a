// The intel-ipsec-mb backend against external truth, on the library's SSE
// path (init_mb_mgr_sse) and on the path it picks for this CPU
// (init_mb_mgr_auto): the published vectors (draft-mcgrew-gcm-test-01, RFC
// 7634, RFC 3602 with OpenSSL's one-shot HMAC as ICV, RFC 3686, RFC 2202),
// and OpenSSL as an independent implementation: every algorithm, key size,
// mode, ESN and UDP encapsulation, at sizes from 0 to 1500 bytes, gives the
// same packets byte for byte, single-packet and in bursts, and each side
// decapsulates the other's packets.
#include "vpnwire/esp/crypto/ipsec_mb.hpp"

#include "burst_test_support.hpp"

#include <openssl/hmac.h>

#include <gtest/gtest.h>

using namespace vpnwire;
using namespace esp_test;
using namespace burst_test;
using esp::crypto::ipsec_mb_arch;
using esp::crypto::ipsec_mb_burst;
using esp::crypto::ipsec_mb_manager;
using esp::crypto::ipsec_mb_transform;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {

using mb_out = esp::outbound_sa<ipsec_mb_burst>;
using mb_in = esp::inbound_sa<ipsec_mb_burst>;

class IpsecMb : public ::testing::TestWithParam<ipsec_mb_arch> {
protected:
  void SetUp() override {
    auto m = ipsec_mb_manager::make(GetParam());
    ASSERT_TRUE(m) << esp::name(m.code());
    mgr_ = std::move(m).value();
  }
  ipsec_mb_transform transform(const esp::sa_config &cfg, const std::vector<std::byte> &ck,
                               const std::vector<std::byte> &ik) {
    auto t = ipsec_mb_transform::make(mgr_, cfg, ck, ik);
    if (!t) ADD_FAILURE() << "make: " << esp::name(t.code()) << " for " << describe(cfg);
    return t ? std::move(t).value() : ipsec_mb_transform{};
  }
  ipsec_mb_burst burst(const esp::sa_config &cfg, const std::vector<std::byte> &ck, const std::vector<std::byte> &ik) {
    return ipsec_mb_burst(transform(cfg, ck, ik));
  }
  ipsec_mb_manager mgr_;
};

TEST_P(IpsecMb, ManagerUsesTheRequestedPath) {
  if (GetParam() == ipsec_mb_arch::sse) {
    EXPECT_EQ(mgr_.arch(), ipsec_mb_arch::sse);
  }
  EXPECT_NE(mgr_.arch(), ipsec_mb_arch::automatic);
  EXPECT_EQ(ipsec_mb_manager::version().substr(0, 2), "1.");
  RecordProperty("arch", std::string(esp::crypto::name(mgr_.arch())));
}

TEST_P(IpsecMb, MakeRefusesWrongKeysAndConfigs) {
  esp::sa_config cfg;
  cfg.cipher = esp::cipher::aes_cbc;
  cfg.key_bits = 128;
  cfg.integrity = esp::integrity::hmac_sha1_96;
  EXPECT_EQ(ipsec_mb_transform::make(mgr_, cfg, std::vector<std::byte>(15), std::vector<std::byte>(20)).code(),
            esp::errc::key_length_mismatch);
  EXPECT_EQ(ipsec_mb_transform::make(mgr_, cfg, std::vector<std::byte>(16), std::vector<std::byte>(19)).code(),
            esp::errc::key_length_mismatch);
  cfg.integrity = esp::integrity::none;
  EXPECT_EQ(ipsec_mb_transform::make(mgr_, cfg, std::vector<std::byte>(16), {}).code(), esp::errc::integrity_required);
  ipsec_mb_manager empty;
  cfg.integrity = esp::integrity::hmac_sha1_96;
  EXPECT_EQ(ipsec_mb_transform::make(empty, cfg, std::vector<std::byte>(16), std::vector<std::byte>(20)).code(),
            esp::errc::crypto_failure);
}

esp::sa_config gcm_config(const vector_case &c) {
  esp::sa_config cfg;
  cfg.spi = static_cast<std::uint32_t>(be_number(c.bytes("spi")));
  cfg.cipher = c.text("algorithm").find("gmac") != std::string::npos ? esp::cipher::aes_gmac : esp::cipher::aes_gcm;
  cfg.key_bits = static_cast<std::uint16_t>(c.bytes("key").size() * 8);
  cfg.mode = esp::sa_mode::transport;
  cfg.esn = c.bytes("seq").size() == 8;
  return cfg;
}

// All 17 cases of the draft, each with its own SA, as one burst each way:
// decap_burst recovers every plaintext, encap_burst with the draft's IVs
// reproduces every packet; the same through the single-packet calls.
TEST_P(IpsecMb, DraftMcgrewGcmTest01AsOneBurstOfSeventeenSas) {
  const auto cases = read_vectors("gcm_test_01.txt");
  ASSERT_EQ(cases.size(), 17U);
  std::vector<std::unique_ptr<mb_in>> rx;
  std::vector<std::unique_ptr<mb_out>> tx;
  std::vector<std::vector<std::byte>> in_bufs, out_bufs, ivs;
  std::vector<esp::decap_packet<mb_in>> dp;
  std::vector<esp::encap_packet<mb_out>> ep;
  for (const vector_case &c : cases) {
    const esp::sa_config cfg = gcm_config(c);
    const auto nonce = c.bytes("nonce");
    std::vector<std::byte> key = c.bytes("key");
    key.insert(key.end(), nonce.begin(), nonce.begin() + 4);
    const std::uint64_t seq = be_number(c.bytes("seq"));
    rx.push_back(std::make_unique<mb_in>(cfg, burst(cfg, key, {})));
    rx.back()->reset_window(seq - 1);
    tx.push_back(std::make_unique<mb_out>(cfg, burst(cfg, key, {})));
    tx.back()->set_last_sequence(seq - 1);
    in_bufs.push_back(c.bytes("packet"));
    const auto plaintext = c.bytes("plaintext");
    const auto pad_len = std::to_integer<std::size_t>(plaintext[plaintext.size() - 2]);
    const std::size_t payload_len = plaintext.size() - 2 - pad_len;
    std::vector<std::byte> out(cfg.packet_size(payload_len));
    std::memcpy(out.data() + cfg.headroom(), plaintext.data(), payload_len);
    out_bufs.push_back(std::move(out));
    ivs.emplace_back(nonce.begin() + 4, nonce.end());
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    dp.push_back({rx[i].get(), in_bufs[i].data(), in_bufs[i].size(), 0, 0});
    const esp::sa_config &cfg = rx[i]->config();
    const auto plaintext = cases[i].bytes("plaintext");
    const std::size_t h = cfg.headroom();
    esp::encap_packet<mb_out> p{
        tx[i].get(), out_bufs[i].data() + h, out_bufs[i].size() - h - cfg.icv_size() - 2, h, 0, 0, {}};
    p.length = plaintext.size() - 2 - std::to_integer<std::size_t>(plaintext[plaintext.size() - 2]);
    p.tailroom = out_bufs[i].size() - h - p.length;
    p.next_header = std::to_integer<std::uint8_t>(plaintext.back());
    p.options.iv = ivs[i];
    ep.push_back(p);
  }
  std::vector<esp::decap_result> dr(dp.size(), esp::decap_result(esp::decap_output{}));
  EXPECT_EQ(esp::decap_burst(std::span(dp), std::span(dr)), cases.size());
  std::vector<esp::encap_result> er(ep.size(), esp::encap_result(std::size_t{0}));
  EXPECT_EQ(esp::encap_burst(std::span(ep), std::span(er)), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const auto plaintext = cases[i].bytes("plaintext");
    const auto pad_len = std::to_integer<std::size_t>(plaintext[plaintext.size() - 2]);
    ASSERT_TRUE(dr[i]) << esp::name(dr[i].code());
    EXPECT_EQ(to_hex(dr[i]->payload), to_hex(std::span(plaintext).first(plaintext.size() - 2 - pad_len)));
    EXPECT_EQ(dr[i]->sequence, be_number(cases[i].bytes("seq")));
    ASSERT_TRUE(er[i]) << esp::name(er[i].code());
    EXPECT_EQ(to_hex(out_bufs[i]), to_hex(cases[i].bytes("packet")));
  }

  // And one packet at a time through the transform's single-packet calls.
  for (const vector_case &c : cases) {
    SCOPED_TRACE(c.name);
    const esp::sa_config cfg = gcm_config(c);
    const auto nonce = c.bytes("nonce");
    std::vector<std::byte> key = c.bytes("key");
    key.insert(key.end(), nonce.begin(), nonce.begin() + 4);
    esp::inbound_sa<ipsec_mb_transform> single(cfg, transform(cfg, key, {}));
    single.reset_window(be_number(c.bytes("seq")) - 1);
    std::vector<std::byte> in = c.bytes("packet");
    auto d = single.decap(in);
    ASSERT_TRUE(d) << esp::name(d.code());
    // A flipped bit: icv_mismatch and the bytes as they were.
    std::vector<std::byte> bad = c.bytes("packet");
    bad[bad.size() / 2] ^= std::byte{0x20};
    const auto before = bad;
    single.reset_window(be_number(c.bytes("seq")) - 1);
    auto f = single.decap(bad);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.code(), esp::errc::icv_mismatch);
    EXPECT_EQ(bad, before);
  }
}

TEST_P(IpsecMb, Rfc7634AppendixAEncapAndDecapAreExact) {
  const auto cases = read_vectors("other_vectors.txt");
  const vector_case &c = cases.at(0);
  ASSERT_EQ(c.name, "rfc7634 appendix A");
  esp::sa_config cfg;
  cfg.spi = static_cast<std::uint32_t>(be_number(c.bytes("spi")));
  cfg.cipher = esp::cipher::chacha20_poly1305;
  cfg.key_bits = 256;
  const auto payload = c.bytes("payload");
  const auto packet = c.bytes("packet");
  mb_out tx(cfg, burst(cfg, c.bytes("key"), {}));
  tx.set_last_sequence(4);
  std::vector<std::byte> out(cfg.packet_size(payload.size()));
  std::memcpy(out.data() + cfg.headroom(), payload.data(), payload.size());
  const auto iv = c.bytes("iv");
  std::array<esp::encap_packet<mb_out>, 1> ep{};
  ep[0] = {
      &tx, out.data() + cfg.headroom(), payload.size(), cfg.headroom(), out.size() - cfg.headroom() - payload.size(), 4,
      {}};
  ep[0].options.iv = iv;
  std::array<esp::encap_result, 1> er{esp::encap_result(std::size_t{0})};
  ASSERT_EQ(esp::encap_burst(std::span(ep), std::span(er)), 1U);
  EXPECT_EQ(to_hex(out), to_hex(packet));

  mb_in rx(cfg, burst(cfg, c.bytes("key"), {}));
  std::vector<std::byte> in = packet;
  auto d = rx.decap(in); // outside a burst: the single-packet path
  ASSERT_TRUE(d) << esp::name(d.code());
  EXPECT_EQ(to_hex(d->payload), to_hex(payload));
  EXPECT_EQ(d->sequence, 5U);
}

std::vector<std::byte> integrity_key_for(const esp::sa_config &cfg) {
  std::vector<std::byte> k(cfg.integrity_key_size());
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(0xA0 + i);
  return k;
}

// RFC 3602 Cases #5-#8 have no ICV: the packet up to the ICV must be the
// published one, and the ICV must be OpenSSL's one-shot HMAC-SHA1-96 of it.
TEST_P(IpsecMb, Rfc3602Cases5To8AreExact) {
  for (const vector_case &c : read_vectors("other_vectors.txt")) {
    if (c.text("algorithm").find("aes-cbc") == std::string::npos) continue;
    SCOPED_TRACE(c.name);
    esp::sa_config cfg;
    cfg.spi = static_cast<std::uint32_t>(be_number(c.bytes("spi")));
    cfg.cipher = esp::cipher::aes_cbc;
    cfg.key_bits = 128;
    cfg.integrity = esp::integrity::hmac_sha1_96;
    const auto nh = static_cast<std::uint8_t>(be_number(c.bytes("next_header")));
    cfg.mode = nh == 4 ? esp::sa_mode::tunnel : esp::sa_mode::transport;
    const auto payload = c.bytes("payload");
    const auto packet = c.bytes("packet");
    const auto ik = integrity_key_for(cfg);
    mb_out tx(cfg, burst(cfg, c.bytes("key"), ik));
    tx.set_last_sequence(be_number(c.bytes("seq")) - 1);
    std::vector<std::byte> out(cfg.packet_size(payload.size()));
    std::memcpy(out.data() + cfg.headroom(), payload.data(), payload.size());
    const auto iv = c.bytes("iv");
    std::array<esp::encap_packet<mb_out>, 1> ep{};
    ep[0] = {&tx,
             out.data() + cfg.headroom(),
             payload.size(),
             cfg.headroom(),
             out.size() - cfg.headroom() - payload.size(),
             nh,
             {}};
    ep[0].options.iv = iv;
    std::array<esp::encap_result, 1> er{esp::encap_result(std::size_t{0})};
    ASSERT_EQ(esp::encap_burst(std::span(ep), std::span(er)), 1U);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    ASSERT_NE(HMAC(EVP_sha1(), ik.data(), static_cast<int>(ik.size()),
                   reinterpret_cast<const unsigned char *>(packet.data()), packet.size(), md, &md_len),
              nullptr);
    std::vector<std::byte> expect = packet;
    for (int i = 0; i < 12; ++i) expect.push_back(static_cast<std::byte>(md[i]));
    EXPECT_EQ(to_hex(out), to_hex(expect));

    mb_in rx(cfg, burst(cfg, c.bytes("key"), ik));
    std::array<esp::decap_packet<mb_in>, 1> dp{{{&rx, expect.data(), expect.size(), 0, 0}}};
    std::array<esp::decap_result, 1> dr{esp::decap_result(esp::decap_output{})};
    ASSERT_EQ(esp::decap_burst(std::span(dp), std::span(dr)), 1U);
    EXPECT_EQ(to_hex(dr[0]->payload), to_hex(payload));
  }
}

TEST_P(IpsecMb, Rfc3686Vector1) {
  const auto cases = read_vectors("other_vectors.txt");
  const vector_case &c = cases.back();
  ASSERT_EQ(c.name, "rfc3686 vector 1");
  esp::sa_config cfg;
  cfg.cipher = esp::cipher::aes_ctr;
  cfg.key_bits = 128;
  cfg.integrity = esp::integrity::hmac_sha256_128;
  auto t = transform(cfg, c.bytes("key"), integrity_key_for(cfg));
  auto block = c.bytes("plaintext");
  const auto iv = c.bytes("iv");
  ASSERT_TRUE(t.encrypt(iv, block));
  EXPECT_EQ(to_hex(block), to_hex(c.bytes("ciphertext")));
  ASSERT_TRUE(t.decrypt(iv, block));
  EXPECT_EQ(to_hex(block), to_hex(c.bytes("plaintext")));
}

// RFC 2202 §3 test case 1 (HMAC-SHA-1, key 0x0b x 20, "Hi There"): the full
// digest, and its first 12 bytes as the HMAC-SHA1-96 ICV (RFC 2404).
TEST_P(IpsecMb, Rfc2202HmacSha1TestCase1) {
  esp::sa_config cfg;
  cfg.cipher = esp::cipher::null;
  cfg.key_bits = 0;
  cfg.integrity = esp::integrity::hmac_sha1_96;
  auto t = transform(cfg, {}, std::vector<std::byte>(20, std::byte{0x0b}));
  const auto data = as_bytes(std::string_view("Hi There"));
  std::array<std::byte, 20> full{};
  ASSERT_TRUE(t.compute(data, {}, full));
  EXPECT_EQ(to_hex(full), "b617318655057264e28bc0b6fb378c8ef146be00");
  std::array<std::byte, 12> icv{};
  ASSERT_TRUE(t.compute(data.first(5), data.subspan(5), icv)); // split input
  EXPECT_EQ(to_hex(icv), "b617318655057264e28bc0b6");
}

// The single-packet calls against OpenSSL's: HMAC over two parts, ciphers
// in place, AEAD with the ESN AAD, GMAC with its AAD tail.
TEST_P(IpsecMb, SinglePacketCallsMatchOpenSsl) {
  for (const esp::sa_config &cfg : all_configs()) {
    SCOPED_TRACE(describe(cfg));
    const auto [ck, ik] = keys_for(cfg, 3);
    auto mb = transform(cfg, ck, ik);
    auto ossl = make_crypto(cfg, ck, ik);
    const std::vector<std::byte> iv(cfg.iv_size(), std::byte{0x5a});
    for (std::size_t len : {0U, 16U, 48U, 1024U}) {
      SCOPED_TRACE(len);
      auto a = inner_packet(len, 9), b = a;
      const std::array<std::byte, 4> tail{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
      if (cfg.is_aead()) {
        const std::array<std::byte, 12> aad{std::byte{9}, std::byte{8}, std::byte{7}};
        std::vector<std::byte> ta(cfg.icv_size()), tb(cfg.icv_size());
        if (cfg.cipher == esp::cipher::aes_gmac) {
          // Everything is AAD: head, then the tail (the packet's IV and payload).
          ASSERT_TRUE(ossl.seal(iv, aad, b, {}, tb));
          ASSERT_TRUE(mb.seal(iv, aad, a, {}, ta));
          EXPECT_EQ(to_hex(ta), to_hex(tb));
          EXPECT_TRUE(mb.open(iv, aad, a, {}, ta));
          ta[0] ^= std::byte{1};
          EXPECT_FALSE(mb.open(iv, aad, a, {}, ta));
        } else {
          ASSERT_TRUE(ossl.seal(iv, aad, {}, b, tb));
          ASSERT_TRUE(mb.seal(iv, aad, {}, a, ta));
          EXPECT_EQ(to_hex(a), to_hex(b));
          EXPECT_EQ(to_hex(ta), to_hex(tb));
          const auto ciphertext = a;
          ta[0] ^= std::byte{1};
          EXPECT_FALSE(mb.open(iv, aad, {}, a, ta));
          EXPECT_EQ(to_hex(a), to_hex(ciphertext)) << "data restored after a tag mismatch";
          ta[0] ^= std::byte{1};
          ASSERT_TRUE(mb.open(iv, aad, {}, a, ta));
          EXPECT_EQ(to_hex(a), to_hex(inner_packet(len, 9)));
        }
      } else {
        if (len % cfg.block_size() == 0) {
          ASSERT_TRUE(ossl.encrypt(iv, b));
          ASSERT_TRUE(mb.encrypt(iv, a));
          EXPECT_EQ(to_hex(a), to_hex(b));
          ASSERT_TRUE(mb.decrypt(iv, a));
          EXPECT_EQ(to_hex(a), to_hex(inner_packet(len, 9)));
        }
        std::vector<std::byte> ma(cfg.icv_size()), mo(cfg.icv_size());
        ASSERT_TRUE(ossl.compute(a, tail, mo));
        ASSERT_TRUE(mb.compute(a, tail, ma));
        EXPECT_EQ(to_hex(ma), to_hex(mo));
        ASSERT_TRUE(ossl.compute(a, {}, mo));
        if (len == 0) {
          EXPECT_FALSE(mb.compute(a, {}, ma)); // the library takes no empty HMAC input
        } else {
          ASSERT_TRUE(mb.compute(a, {}, ma));
          EXPECT_EQ(to_hex(ma), to_hex(mo));
        }
      }
    }
  }
}

// Every configuration, sizes 0..1500: OpenSSL single-packet encap, ipsec-mb
// single-packet encap and ipsec-mb encap_burst give the same bytes; ipsec-mb
// decap_burst takes OpenSSL's packets and OpenSSL takes ipsec-mb's; a
// flipped bit fails with icv_mismatch and leaves the packet as it was.
TEST_P(IpsecMb, EveryAlgorithmIsByteExactWithOpenSsl) {
  const std::size_t sizes[] = {0, 1, 15, 16, 17, 40, 63, 64, 65, 100, 576, 1000, 1420, 1500};
  for (const esp::sa_config &cfg : all_configs()) {
    SCOPED_TRACE(describe(cfg));
    const auto [ck, ik] = keys_for(cfg, 5);
    counter_iv g1, g2, g3;
    esp::outbound_sa<openssl_transform> ref(cfg, make_crypto(cfg, ck, ik), g1.generator());
    esp::outbound_sa<ipsec_mb_transform> single(cfg, transform(cfg, ck, ik), g2.generator());
    mb_out batched(cfg, burst(cfg, ck, ik), g3.generator());
    esp::inbound_sa<openssl_transform> ref_rx(cfg, make_crypto(cfg, ck, ik));
    mb_in rx(cfg, burst(cfg, ck, ik));
    const std::uint64_t start = cfg.esn ? 0xFFFFFFF0ULL : 100; // ESN: cross into the next 2^32
    ref.set_last_sequence(start);
    single.set_last_sequence(start);
    batched.set_last_sequence(start);
    ref_rx.reset_window(start);
    rx.reset_window(start);

    std::vector<std::vector<std::byte>> ref_pkts, one_pkts, burst_bufs;
    std::vector<esp::encap_packet<mb_out>> ep;
    for (std::size_t len : sizes) {
      const auto inner = inner_packet(len, static_cast<unsigned>(len));
      std::vector<std::byte> r(cfg.packet_size(len)), o(cfg.packet_size(len)), b(cfg.packet_size(len) + 8);
      if (len != 0) {
        std::memcpy(r.data() + cfg.headroom(), inner.data(), len);
        std::memcpy(o.data() + cfg.headroom(), inner.data(), len);
        std::memcpy(b.data() + 4 + cfg.headroom(), inner.data(), len);
      }
      // Tunnel mode needs an inner IPv4 header to trim by; smaller payloads go as UDP.
      const std::uint8_t nh = cfg.mode == esp::sa_mode::tunnel && len >= 20 ? 4 : 17;
      auto nr = ref.encap(r, len, nh);
      auto no = single.encap(o, len, nh);
      ASSERT_TRUE(nr) << esp::name(nr.code());
      ASSERT_TRUE(no) << esp::name(no.code());
      EXPECT_EQ(to_hex(o), to_hex(r)) << "single, len " << len;
      ref_pkts.push_back(std::move(r));
      one_pkts.push_back(std::move(o));
      burst_bufs.push_back(std::move(b));
      ep.push_back({&batched,
                    burst_bufs.back().data() + 4 + cfg.headroom(),
                    len,
                    4 + cfg.headroom(),
                    cfg.packet_size(len) - cfg.headroom() - len + 4,
                    nh,
                    {}});
    }
    std::vector<esp::encap_result> er(ep.size(), esp::encap_result(std::size_t{0}));
    ASSERT_EQ(esp::encap_burst(std::span(ep), std::span(er)), ep.size());
    for (std::size_t i = 0; i < ep.size(); ++i) {
      ASSERT_TRUE(er[i]);
      EXPECT_EQ(*er[i], ref_pkts[i].size());
      EXPECT_EQ(to_hex(std::span(burst_bufs[i]).subspan(4, ref_pkts[i].size())), to_hex(ref_pkts[i]))
          << "burst, len " << sizes[i];
    }
    expect_same_counters(batched.counters(), ref.counters());
    EXPECT_EQ(batched.last_sequence(), ref.last_sequence());

    // Decap OpenSSL's packets in one burst (UDP header stripped), plus one
    // tampered copy of each, after its genuine one: each copy is a replay or
    // an ICV failure depending on order, exactly as decap alone says.
    const std::size_t esp_off = cfg.udp_encap ? esp::udp_header_size : 0;
    std::vector<std::vector<std::byte>> in;
    for (const auto &p : ref_pkts) {
      in.emplace_back(p.begin() + static_cast<std::ptrdiff_t>(esp_off), p.end());
      auto t = in.back();
      t[t.size() - 1] ^= std::byte{0x80};
      in.push_back(std::move(t));
    }
    // Tampered before genuine for the second half: the forgery must fail
    // and leave the window for the genuine packet.
    for (std::size_t i = in.size() / 2; i + 1 < in.size(); i += 2) std::swap(in[i], in[i + 1]);
    auto before = in;
    std::vector<esp::decap_packet<mb_in>> dp;
    for (auto &p : in) dp.push_back({&rx, p.data(), p.size(), 0, 0});
    std::vector<esp::decap_result> dr(dp.size(), esp::decap_result(esp::decap_output{}));
    const std::size_t delivered = esp::decap_burst(std::span(dp), std::span(dr));
    EXPECT_EQ(delivered, std::size(sizes));
    for (std::size_t i = 0; i < before.size(); ++i) {
      auto r = ref_rx.decap(before[i]);
      expect_same_decap(r, before[i].data(), dr[i], in[i].data());
      if (!r) {
        EXPECT_EQ(to_hex(before[i]), to_hex(in[i])) << "failed packet " << i << " changed";
      }
    }
    expect_same_counters(rx.counters(), ref_rx.counters());
    expect_same_window(rx.window(), ref_rx.window());

    // And OpenSSL decapsulates what the multi-buffer path made.
    esp::inbound_sa<openssl_transform> check_rx(cfg, make_crypto(cfg, ck, ik));
    check_rx.reset_window(start);
    for (std::size_t i = 0; i < burst_bufs.size(); ++i) {
      auto d = check_rx.decap(std::span(burst_bufs[i]).subspan(4 + esp_off, ref_pkts[i].size() - esp_off));
      ASSERT_TRUE(d) << esp::name(d.code()) << " len " << sizes[i];
      EXPECT_EQ(to_hex(d->payload), to_hex(inner_packet(sizes[i], static_cast<unsigned>(sizes[i]))));
    }
  }
}

std::string path_name(const ::testing::TestParamInfo<ipsec_mb_arch> &p) {
  return std::string(esp::crypto::name(p.param));
}
INSTANTIATE_TEST_SUITE_P(Paths, IpsecMb, ::testing::Values(ipsec_mb_arch::sse, ipsec_mb_arch::automatic), path_name);

} // namespace
