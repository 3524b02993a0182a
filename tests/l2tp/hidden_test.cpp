// Hidden AVPs (RFC 2661 §4.3) and tunnel authentication (§4.2, §5.1.1)
// through the OpenSSL MD5 backend. Known answers come from Python's hashlib
// (data/gen_hidden_vectors.py), an MD5 independent of the one under test.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/hidden.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/tunnel_auth.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace vpnwire;
using l2tp::avp_type;
using l2tp::errc;
using l2tp::message_type;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {
const std::vector<std::byte> rv = hex("101112131415161718191a1b1c1d1e1f");
const bytes_view secret = as_bytes("secret");
const std::string vendor = "Example Vendor Name for hidden test!!!!!";

// A digest that always fails, to reach digest_failure.
struct failing_md5 {
  static constexpr std::size_t digest_size = 16;
  bool reset() noexcept { return false; }
  bool update(bytes_view) noexcept { return false; }
  bool finish(std::span<std::byte, 16>) noexcept { return false; }
};
} // namespace

TEST(L2tpHidden, EncodesKnownAnswerVectors) {
  crypto::openssl_md5 md5;
  std::array<std::byte, 64> out{};
  auto n = l2tp::build_hidden_value(out, md5, 14, secret, rv, hex("1234"), {});
  ASSERT_TRUE(n);
  EXPECT_EQ(to_hex(std::span(out).first(*n)), "8e99d023");
  const std::vector<std::byte> pad(5, std::byte{0xAA});
  auto m = l2tp::build_hidden_value(out, md5, 8, secret, rv, as_bytes(vendor), pad);
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, 47U); // three blocks, the last one partial
  EXPECT_EQ(to_hex(std::span(out).first(*m)),
            "6eaf5aa5f4b5c594a3ddc65674d8d964bcdac00cc6ea163486325a4e6f9a991f4f9c75e6b4caf09b4222ad844356a5");
}

TEST(L2tpHidden, DecodesKnownAnswerVectorsIntoCallerBufferLeavingInputUntouched) {
  crypto::openssl_md5 md5;
  const auto ct = hex("6eaf5aa5f4b5c594a3ddc65674d8d964bcdac00cc6ea163486325a4e6f9a991f4f9c75e6b4caf09b4222ad844356a5");
  const auto before = ct;
  std::array<std::byte, 64> out{};
  auto v = l2tp::decode_hidden(md5, 8, ct, secret, rv, out);
  ASSERT_TRUE(v) << l2tp::name(v.code());
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(v->data()), v->size()), vendor);
  EXPECT_EQ(ct, before);
}

TEST(L2tpHidden, SingleBlockDecryptingToLengthFFFFIsRejected) {
  crypto::openssl_md5 md5;
  std::array<std::byte, 64> out{};
  auto v = l2tp::decode_hidden(md5, 14, hex("7164c2176672a43344df58606e35d658"), secret, rv, out);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.code(), errc::hidden_length_exceeds_value);
}

TEST(L2tpHidden, WrongSecretIsDetectedThroughTheLengthField) {
  crypto::openssl_md5 md5;
  std::array<std::byte, 64> out{};
  const auto ct = hex("6eaf5aa5f4b5c594a3ddc65674d8d964bcdac00cc6ea163486325a4e6f9a991f4f9c75e6b4caf09b4222ad844356a5");
  auto v = l2tp::decode_hidden(md5, 8, ct, as_bytes("Secret"), rv, out);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.code(), errc::hidden_length_exceeds_value);
  // the AVP type is part of the key too
  auto w = l2tp::decode_hidden(md5, 9, ct, secret, rv, out);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.code(), errc::hidden_length_exceeds_value);
}

TEST(L2tpHidden, ShortValuesSmallBuffersAndBackendFailuresAreErrors) {
  crypto::openssl_md5 md5;
  std::array<std::byte, 64> out{};
  EXPECT_EQ(l2tp::decode_hidden(md5, 14, {}, secret, rv, out).code(), errc::hidden_value_too_short);
  EXPECT_EQ(l2tp::decode_hidden(md5, 14, hex("00"), secret, rv, out).code(), errc::hidden_value_too_short);
  std::array<std::byte, 3> tiny{};
  EXPECT_EQ(l2tp::decode_hidden(md5, 14, hex("8e99d023"), secret, rv, tiny).code(), errc::buffer_too_small);
  failing_md5 bad;
  EXPECT_EQ(l2tp::decode_hidden(bad, 14, hex("8e99d023"), secret, rv, out).code(), errc::digest_failure);
  EXPECT_EQ(l2tp::build_hidden_value(out, bad, 14, secret, rv, hex("1234"), {}).code(), errc::digest_failure);
  const std::vector<std::byte> big(1016, std::byte{0});
  std::vector<std::byte> bigout(2048);
  EXPECT_EQ(l2tp::build_hidden_value(bigout, md5, 8, secret, rv, big, {}).code(), errc::value_too_long);
}

TEST(L2tpHidden, HiddenAvpOfTotalLength8DecodesOnlyWithLengthZero) {
  crypto::openssl_md5 md5;
  std::array<std::byte, 64> out{};
  // an 8-byte hidden AVP carries only the length field: encrypt an empty value and decode it back
  auto n = l2tp::build_hidden_value(out, md5, 8, secret, rv, {}, {});
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 2U);
  const std::vector<std::byte> ct(out.begin(), out.begin() + 2);
  std::array<std::byte, 8> plain{};
  auto v = l2tp::decode_hidden(md5, 8, ct, secret, rv, plain);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->empty());
  auto wrong = l2tp::decode_hidden(md5, 8, hex("0000"), secret, rv, plain); // decrypts to a non-zero length
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.code(), errc::hidden_length_exceeds_value);
}

// Property: encode then decode returns the value for random types, lengths,
// paddings, secrets and vectors (block boundaries included).
TEST(L2tpHidden, EncodeThenDecodeIsIdentity) {
  crypto::openssl_md5 md5;
  std::mt19937 rng(4003);
  std::vector<std::byte> out(1100), plain(1100);
  for (int i = 0; i < 3000; ++i) {
    auto rnd = [&](std::size_t n) {
      std::vector<std::byte> b(n);
      for (auto &x : b) x = static_cast<std::byte>(rng());
      return b;
    };
    const auto value = rnd(rng() % 100);
    const auto pad = rnd(rng() % 40);
    const auto key = rnd(1 + rng() % 40);
    const auto vec = rnd(1 + rng() % 40);
    const auto type = static_cast<std::uint16_t>(rng());
    auto n = l2tp::build_hidden_value(out, md5, type, key, vec, value, pad);
    ASSERT_TRUE(n);
    ASSERT_EQ(*n, 2 + value.size() + pad.size());
    auto v = l2tp::decode_hidden(md5, type, std::span(out).first(*n), key, vec, plain);
    ASSERT_TRUE(v);
    ASSERT_EQ(to_hex(*v), to_hex(value));
  }
}

TEST(L2tpHidden, MessageWriterAndValidatorRoundTripHiddenAvps) {
  crypto::openssl_md5 md5;
  std::array<std::byte, 512> buf{};
  l2tp::message_writer w(buf);
  ASSERT_TRUE(w.begin({.tunnel_id = 5, .session_id = 0, .ns = 1, .nr = 1}, message_type::icrq));
  EXPECT_EQ((w.add_hidden<avp_type::assigned_session_id>(md5, secret, 1)).error().code,
            errc::hidden_avp_without_random_vector); // sticky from here
  l2tp::message_writer w2(buf);
  ASSERT_TRUE(w2.begin({.tunnel_id = 5, .session_id = 0, .ns = 1, .nr = 1}, message_type::icrq));
  ASSERT_TRUE(w2.add_random_vector(rv));
  ASSERT_TRUE((w2.add_hidden<avp_type::assigned_session_id>(md5, secret, 0x4242, hex("0102030405"))));
  ASSERT_TRUE(w2.add_random_vector(hex("aabbccdd")));
  ASSERT_TRUE((w2.add_hidden<avp_type::call_serial_number>(md5, secret, 0xDEADBEEF)));
  ASSERT_TRUE((w2.add_hidden<avp_type::calling_number>(md5, secret, as_bytes("5551234"), hex("ff"))));
  auto n = w2.finish();
  ASSERT_TRUE(n);
  auto h = l2tp::parse_header(w2.written());
  ASSERT_TRUE(h);
  auto m = l2tp::validate_message(h->payload());
  ASSERT_TRUE(m) << l2tp::name(m.code());
  EXPECT_TRUE(m->find(avp_type::assigned_session_id)->hidden());
  std::array<std::byte, 1024> scratch{};
  EXPECT_EQ(*(m->get<avp_type::assigned_session_id>(md5, secret, scratch)), 0x4242);
  EXPECT_EQ(*(m->get<avp_type::call_serial_number>(md5, secret, scratch)), 0xDEADBEEFU);
  auto cn = m->get<avp_type::calling_number>(md5, secret, scratch);
  ASSERT_TRUE(cn);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(cn->data()), cn->size()), "5551234");
  // the nearest preceding vector was used: the first AVP decodes only with the first vector
  EXPECT_EQ(m->random_vector_for(avp_type::assigned_session_id)->value().size(), 16U);
  EXPECT_EQ(m->random_vector_for(avp_type::call_serial_number)->value().size(), 4U);
  // a wrong secret on a fixed-size AVP fails as a length error, never as garbage
  auto bad = m->get<avp_type::call_serial_number>(md5, as_bytes("wrong"), scratch);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.code() == errc::hidden_length_exceeds_value || bad.code() == errc::avp_value_length);
}

TEST(L2tpHidden, WriterRefusesToHideWhatMustNotBeHidden) {
  crypto::openssl_md5 md5;
  std::array<std::byte, 256> buf{};
  l2tp::message_writer w(buf);
  ASSERT_TRUE(w.begin({}, message_type::sccrq));
  ASSERT_TRUE(w.add_random_vector(rv));
  EXPECT_EQ((w.add_hidden<avp_type::host_name>(md5, secret, as_bytes("lac"))).error().code, errc::hidden_not_allowed);
}

TEST(L2tpTunnelAuth, ChallengeResponseMatchesKnownAnswers) {
  crypto::openssl_md5 md5;
  const auto challenge = hex("000102030405060708090a0b0c0d0e0f");
  auto r2 = l2tp::compute_challenge_response(md5, message_type::sccrp, secret, challenge);
  ASSERT_TRUE(r2);
  EXPECT_EQ(to_hex(*r2), "dd4186e2196f00124a9d588f02701259");
  auto r3 = l2tp::compute_challenge_response(md5, message_type::scccn, secret, challenge);
  ASSERT_TRUE(r3);
  EXPECT_EQ(to_hex(*r3), "8f3c2fa6fcfea72215ae83ea89ec2b77");
  EXPECT_TRUE(*l2tp::verify_challenge_response(md5, message_type::sccrp, secret, challenge, *r2));
  EXPECT_FALSE(*l2tp::verify_challenge_response(md5, message_type::scccn, secret, challenge, *r2));
  EXPECT_FALSE(*l2tp::verify_challenge_response(md5, message_type::sccrp, secret, challenge, std::span(*r2).first(15)));
  failing_md5 bad;
  EXPECT_EQ(l2tp::compute_challenge_response(bad, message_type::sccrp, secret, challenge).code(), errc::digest_failure);
}

TEST(L2tpTunnelAuth, ConstantTimeEqualComparesEveryByte) {
  const auto a = hex("00112233445566778899aabbccddeeff");
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto b = a;
    b[i] ^= std::byte{1};
    EXPECT_FALSE(l2tp::constant_time_equal(a, b)) << i;
  }
  EXPECT_TRUE(l2tp::constant_time_equal(a, a));
  EXPECT_FALSE(l2tp::constant_time_equal(a, std::span(a).first(15)));
  EXPECT_TRUE(l2tp::constant_time_equal({}, {}));
}
