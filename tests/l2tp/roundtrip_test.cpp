// Build-then-parse property over every message type and every AVP type:
// a message_writer fills a message with all AVPs the message allows (random
// values, each hideable one hidden at random after a fresh Random Vector),
// then parse_header + validate_message + the typed accessors must give back
// every field. Fixed seed; thousands of messages.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "avp_samples.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace vpnwire;
using l2tp::avp_type;
using l2tp::message_type;

namespace {

constexpr message_type all_messages[] = {
    message_type::sccrq, message_type::sccrp, message_type::scccn, message_type::stopccn, message_type::hello,
    message_type::ocrq,  message_type::ocrp,  message_type::occn,  message_type::icrq,    message_type::icrp,
    message_type::iccn,  message_type::cdn,   message_type::wen,   message_type::sli};

struct harness {
  crypto::openssl_md5 md5;
  l2tp_test::sampler s{1701};
  bytes_view secret = as_bytes("tunnel secret");
  std::map<avp_type, std::string> expected;
  std::map<avp_type, bool> hidden;
  std::size_t avps_checked = 0;
  std::size_t hidden_checked = 0;

  template <avp_type T> void add(l2tp::message_writer &w, message_type m) {
    if (!l2tp::may_appear_in(T, m)) return;
    const bool required =
        ((l2tp::message_catalogue(static_cast<std::uint16_t>(m)).required >> static_cast<unsigned>(T)) & 1U) != 0;
    if (!required && s.rng()() % 4 == 0) return; // optional AVPs are sometimes left out
    const auto v = s.value<T>();
    expected[T] = l2tp_test::render<T>(v);
    const bool hide = l2tp::avp_catalogue(T).may_hide && s.rng()() % 2 == 0;
    hidden[T] = hide;
    if (hide) {
      ASSERT_TRUE(w.add_random_vector(s.octets(1, 20)));
      ASSERT_TRUE((w.add_hidden<T>(md5, secret, v, s.octets(0, 17)))) << l2tp::name(w.error().code);
    } else {
      ASSERT_TRUE(w.add<T>(v)) << l2tp::name(w.error().code);
    }
  }
  template <avp_type T> void check(const l2tp::message_view &m) {
    auto it = expected.find(T);
    if (it == expected.end()) {
      EXPECT_FALSE(m.has(T));
      return;
    }
    std::array<std::byte, 1024> scratch{};
    auto got = m.get<T>(md5, secret, scratch);
    ASSERT_TRUE(got) << l2tp::avp_catalogue(T).name << ": " << l2tp::name(got.code());
    EXPECT_EQ(l2tp_test::render<T>(*got), it->second) << l2tp::avp_catalogue(T).name;
    EXPECT_EQ(m.find(T)->hidden(), hidden[T]);
    ++avps_checked;
    if (hidden[T]) ++hidden_checked;
  }
  template <avp_type... Ts> void add_all(l2tp::message_writer &w, message_type m, l2tp_test::type_list<Ts...>) {
    (add<Ts>(w, m), ...);
  }
  template <avp_type... Ts> void check_all(const l2tp::message_view &v, l2tp_test::type_list<Ts...>) {
    (check<Ts>(v), ...);
  }
};

} // namespace

TEST(L2tpRoundTrip, EveryMessageWithEveryAllowedAvpParsesBackFieldByField) {
  harness h;
  std::vector<std::byte> buf(65535);
  std::map<avp_type, int> seen;
  for (int iter = 0; iter < 400; ++iter) {
    for (message_type mt : all_messages) {
      h.expected.clear();
      h.hidden.clear();
      l2tp::message_writer w(buf);
      const l2tp::control_fields f{static_cast<std::uint16_t>(h.s.rng()()), static_cast<std::uint16_t>(h.s.rng()()),
                                   static_cast<std::uint16_t>(h.s.rng()()), static_cast<std::uint16_t>(h.s.rng()())};
      ASSERT_TRUE(w.begin(f, mt));
      h.add_all(w, mt, l2tp_test::all_avp_types{});
      if (h.s.rng()() % 3 == 0) {
        ASSERT_TRUE(w.add_raw(0, 9, 1, as_bytes("vendor"))); // a vendor AVP: skipped and counted
      }
      auto n = w.finish();
      ASSERT_TRUE(n) << l2tp::name(n.code());
      auto hd = l2tp::parse_header(w.written());
      ASSERT_TRUE(hd);
      EXPECT_EQ(hd->length(), *n);
      EXPECT_EQ(hd->tunnel_id(), f.tunnel_id);
      EXPECT_EQ(hd->session_id(), f.session_id);
      EXPECT_EQ(hd->ns(), f.ns);
      EXPECT_EQ(hd->nr(), f.nr);
      auto m = l2tp::validate_message(hd->payload());
      ASSERT_TRUE(m) << l2tp::name(m.code()) << " at " << m.offset() << " in "
                     << l2tp::message_catalogue(static_cast<std::uint16_t>(mt)).name;
      EXPECT_EQ(m->action(), l2tp::disposition::accept);
      EXPECT_EQ(m->type(), mt);
      h.check_all(*m, l2tp_test::all_avp_types{});
      for (const auto &[t, _] : h.expected) ++seen[t];
    }
  }
  // every catalogue type was exercised, plain and hidden
  EXPECT_EQ(seen.size(), 38U);
  EXPECT_GT(h.hidden_checked, 1000U);
  EXPECT_GT(h.avps_checked, 10000U);
}

TEST(L2tpRoundTrip, EncodeDecodeOfEveryTypeAlone) {
  l2tp_test::sampler s(99);
  auto one = [&]<avp_type T>() {
    for (int i = 0; i < 200; ++i) {
      const auto v = s.value<T>();
      std::array<std::byte, 1100> buf{};
      const auto n = l2tp::build_value<T>(buf, v);
      ASSERT_TRUE(n);
      ASSERT_EQ(*n, l2tp::value_size<T>(v));
      const bytes_view written = std::span(buf).first(*n);
      auto back = l2tp::decode_value<T>(written);
      ASSERT_TRUE(back) << l2tp::avp_catalogue(T).name;
      ASSERT_EQ(l2tp_test::render<T>(*back), l2tp_test::render<T>(v));
      ASSERT_TRUE(l2tp::check_value(static_cast<std::uint16_t>(T), written));
      // One byte short: buffer_too_small at the span's size, like every builder.
      if (*n > 0) {
        const auto short_by_one = l2tp::build_value<T>(std::span(buf).first(*n - 1), v);
        ASSERT_EQ(short_by_one.code(), l2tp::errc::buffer_too_small);
        ASSERT_EQ(short_by_one.offset(), *n - 1);
      }
    }
  };
  [&]<avp_type... Ts>(l2tp_test::type_list<Ts...>) { (one.template operator()<Ts>(), ...); }
  (l2tp_test::all_avp_types{});
}
