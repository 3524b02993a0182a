// PPPoE (RFC 2516, RFC 4638): discovery and session headers, tag iteration,
// the flagged-but-accepted cases (oversized PADI, session id 0xFFFF) and the
// builder's round trip.
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <deque>

#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;
using vpnwire_test::hex;

namespace {
// Keeps a test input alive for the whole test: parsers refuse temporaries
// (their views would dangle), so inputs built in place are held here.
const std::vector<std::byte> &held(std::vector<std::byte> b) {
  static std::deque<std::vector<std::byte>> pool;
  return pool.emplace_back(std::move(b));
}
} // namespace

TEST(Pppoe, PadiWithTags) {
  // Service-Name "", Host-Uniq 01020304, PPP-Max-Payload 1500, End-Of-List.
  const auto b = hex("11 09 00 00 00 16  01 01 00 00  01 03 00 04 01 02 03 04  01 20 00 02 05 dc  00 00 00 00");
  const auto v = parse_pppoe(b, pppoe_stage::discovery);
  ASSERT_TRUE(v) << name(v.code());
  EXPECT_EQ(v->code, pppoe_code::padi);
  EXPECT_EQ(v->session_id, 0);
  EXPECT_EQ(v->length, 0x16);
  EXPECT_FALSE(v->oversized_padi());
  EXPECT_FALSE(v->reserved_session_id());
  auto r = v->tags();
  auto t = r.next();
  EXPECT_EQ(t->type, pppoe_tag::service_name);
  EXPECT_TRUE(t->value.empty());
  EXPECT_EQ(t->offset, 6U);
  t = r.next();
  EXPECT_EQ(t->type, pppoe_tag::host_uniq);
  EXPECT_EQ(vpnwire_test::to_hex(t->value), "01020304");
  t = r.next();
  EXPECT_EQ(t->type, pppoe_tag::ppp_max_payload);
  t = r.next();
  EXPECT_EQ(t->type, pppoe_tag::end_of_list);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(*v->ppp_max_payload(), 1500);
  EXPECT_EQ(*v->validate_tags(), 4U);
}

TEST(Pppoe, ErrorTagsAreRecognised) {
  const auto b = hex("11 65 00 00 00 0b  02 01 00 07 6e 6f 20 73 76 63 21");
  const auto v = parse_pppoe(b, pppoe_stage::discovery);
  ASSERT_TRUE(v);
  const auto t = v->tags().next();
  ASSERT_TRUE(t);
  EXPECT_TRUE(is_error_tag(t->type));
  EXPECT_TRUE(is_error_tag(pppoe_tag::ac_system_error));
  EXPECT_TRUE(is_error_tag(pppoe_tag::generic_error));
  EXPECT_FALSE(is_error_tag(pppoe_tag::ac_name));
}

TEST(Pppoe, SessionFrameCarriesPppWithoutAddressControl) {
  const auto b = hex("11 00 12 34 00 06  c0 21 09 01 00 08  00 00 00 00");
  const auto v = parse_pppoe(b, pppoe_stage::session);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->session_id, 0x1234);
  EXPECT_EQ(v->padding.size(), 4U);
  const auto f = parse_frame(v->payload);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->has_address_control);
  EXPECT_EQ(f->protocol, protocol::lcp);
}

TEST(Pppoe, VersionAndTypeMustBeOne) {
  const auto v_bytes = hex("21 09 00 00 00 00");
  auto v = parse_pppoe(v_bytes, pppoe_stage::discovery);
  EXPECT_EQ(v.code(), errc::pppoe_bad_version);
  v = parse_pppoe(held(hex("12 09 00 00 00 00")), pppoe_stage::discovery);
  EXPECT_EQ(v.code(), errc::pppoe_bad_type);
  EXPECT_EQ(v.offset(), 0U);
}

TEST(Pppoe, CodesMustMatchTheStage) {
  EXPECT_EQ(parse_pppoe(held(hex("11 00 00 01 00 00")), pppoe_stage::discovery).code(), errc::pppoe_bad_code);
  EXPECT_EQ(parse_pppoe(held(hex("11 09 00 01 00 00")), pppoe_stage::session).code(), errc::pppoe_bad_code);
  for (std::uint8_t c : {pppoe_code::padi, pppoe_code::pado, pppoe_code::padr, pppoe_code::pads, pppoe_code::padt}) {
    std::vector<std::byte> b = hex("11 00 00 00 00 00");
    b[1] = std::byte{c};
    EXPECT_TRUE(parse_pppoe(b, pppoe_stage::discovery));
  }
}

TEST(Pppoe, LengthBeyondTheFrameIsAnError) {
  const auto v_bytes = hex("11 00 00 01 00 05 c0 21 01 01");
  const auto v = parse_pppoe(v_bytes, pppoe_stage::session);
  EXPECT_EQ(v.code(), errc::pppoe_length_past_end);
  EXPECT_EQ(v.offset(), 4U);
  EXPECT_EQ(parse_pppoe(held(hex("11 00 00 01 00")), pppoe_stage::session).code(), errc::truncated);
}

TEST(Pppoe, TagRunningPastTheEndIsAnError) {
  // Host-Uniq claims 8 octets, 4 remain (and the Ethernet padding after LENGTH must not be read).
  const auto b = hex("11 09 00 00 00 08  01 03 00 08 01 02 03 04  00 00 00 00");
  const auto v = parse_pppoe(b, pppoe_stage::discovery);
  ASSERT_TRUE(v);
  const auto n = v->validate_tags();
  EXPECT_EQ(n.code(), errc::tag_past_end);
  EXPECT_EQ(n.offset(), 6U);
  // A partial tag header.
  const auto w_bytes = hex("11 09 00 00 00 06  01 01 00 00 01 03");
  const auto w = parse_pppoe(w_bytes, pppoe_stage::discovery);
  const auto m = w->validate_tags();
  EXPECT_EQ(m.code(), errc::tag_past_end);
  EXPECT_EQ(m.offset(), 10U);
  EXPECT_EQ(w->find_tag(pppoe_tag::ac_name).code(), errc::tag_past_end);
}

TEST(Pppoe, PppMaxPayloadWithWrongLength) {
  const auto v_bytes = hex("11 09 00 00 00 05 01 20 00 01 05");
  const auto v = parse_pppoe(v_bytes, pppoe_stage::discovery);
  EXPECT_EQ(v->ppp_max_payload().code(), errc::option_wrong_length);
  const auto w_bytes = hex("11 09 00 00 00 00");
  const auto w = parse_pppoe(w_bytes, pppoe_stage::discovery);
  EXPECT_EQ(w->ppp_max_payload().code(), errc::option_not_found);
}

TEST(Pppoe, OversizedPadiAndReservedSessionIdAreFlagged) {
  std::vector<std::byte> out(1600);
  pppoe_builder b(out, pppoe_code::padi, 0);
  std::vector<std::byte> big(1474); // 6 + 4 + 1474 = 1484: allowed
  b.tag(pppoe_tag::host_uniq, big);
  auto n = b.finish();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1484U);
  EXPECT_FALSE(parse_pppoe(std::span(out).first(*n), pppoe_stage::discovery)->oversized_padi());
  pppoe_builder c(out, pppoe_code::padi, 0);
  big.push_back(std::byte{0});
  c.tag(pppoe_tag::host_uniq, big);
  n = c.finish();
  EXPECT_TRUE(parse_pppoe(std::span(out).first(*n), pppoe_stage::discovery)->oversized_padi());
  // A PADO of the same size is not a PADI.
  out[1] = std::byte{pppoe_code::pado};
  EXPECT_FALSE(parse_pppoe(std::span(out).first(*n), pppoe_stage::discovery)->oversized_padi());

  const auto s_bytes = hex("11 00 ff ff 00 00");

  const auto s = parse_pppoe(s_bytes, pppoe_stage::session);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->reserved_session_id());
}

TEST(PppoeBuilder, SessionPacketRoundTrip) {
  std::vector<std::byte> out(64);
  pppoe_builder b(out, pppoe_code::session, 0x0042);
  const auto h = build_frame_header(b.writer().buffer().subspan(6), protocol::ipcp, {false, false});
  ASSERT_TRUE(h);
  ASSERT_TRUE(b.writer().reserve(*h));
  b.data(hex("01 01 00 04"));
  const auto n = b.finish();
  ASSERT_TRUE(n);
  const auto v = parse_pppoe(std::span(out).first(*n), pppoe_stage::session);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->session_id, 0x42);
  EXPECT_EQ(v->length, 6);
  EXPECT_EQ(parse_frame(v->payload)->protocol, protocol::ipcp);
}

TEST(PppoeBuilder, BufferTooSmall) {
  std::vector<std::byte> out(12);
  pppoe_builder b(out, pppoe_code::padi, 0);
  b.tag(pppoe_tag::service_name, {}).tag(pppoe_tag::host_uniq, hex("01 02 03 04"));
  EXPECT_EQ(b.finish().code(), errc::buffer_too_small);
}

// Invariant over generated tag lists: tags tile the payload exactly or the
// reader stops with an offset inside it; nothing is read past LENGTH.
TEST(Pppoe, GeneratedTagListsStayInBounds) {
  std::mt19937 rng(2516);
  for (int iter = 0; iter < 5000; ++iter) {
    std::vector<std::byte> b(6 + rng() % 40);
    for (auto &x : b) x = static_cast<std::byte>(rng() % 4 == 0 ? rng() : rng() % 8);
    const std::size_t len = rng() % (b.size() - 5);
    b[0] = std::byte{0x11};
    b[1] = std::byte{pppoe_code::pado};
    b[4] = std::byte{0};
    b[5] = static_cast<std::byte>(len);
    const auto v = parse_pppoe(b, pppoe_stage::discovery);
    ASSERT_TRUE(v);
    auto r = v->tags();
    std::size_t end = 6;
    while (!r.done()) {
      const auto t = r.next();
      if (!t) {
        ASSERT_EQ(t.code(), errc::tag_past_end);
        ASSERT_EQ(t.offset(), end);
        break;
      }
      ASSERT_EQ(t->offset, end);
      end += 4 + t->value.size();
      ASSERT_LE(end, 6 + len);
    }
  }
}

// The tag table against RFC 2516 Appendix A and RFC 4638 §4.
TEST(Pppoe, TagTableFollowsTheRfcs) {
  const std::pair<std::uint16_t, std::string_view> tags[] = {
      {0x0000, "End-Of-List"},      {0x0101, "Service-Name"},    {0x0102, "AC-Name"},
      {0x0103, "Host-Uniq"},        {0x0104, "AC-Cookie"},       {0x0105, "Vendor-Specific"},
      {0x0110, "Relay-Session-Id"}, {0x0120, "PPP-Max-Payload"}, {0x0201, "Service-Name-Error"},
      {0x0202, "AC-System-Error"},  {0x0203, "Generic-Error"},
  };
  std::size_t known = 0;
  for (unsigned t = 0; t < 0x10000; ++t) known += ppp::pppoe_tag_catalogue(static_cast<std::uint16_t>(t)).known ? 1 : 0;
  EXPECT_EQ(known, std::size(tags));
  for (const auto &[t, n] : tags) {
    EXPECT_EQ(ppp::pppoe_tag_catalogue(t).name, n);
    EXPECT_EQ(ppp::is_error_tag(t), t >= 0x0201 && t <= 0x0203) << t;
  }
  EXPECT_EQ(ppp::pppoe_tag_catalogue(ppp::pppoe_tag::host_uniq).wireshark, "pppoed.tags.host_uniq");
  EXPECT_EQ(ppp::pppoe_tag_catalogue(ppp::pppoe_tag::ppp_max_payload).max_length, 2);
  EXPECT_EQ(ppp::pppoe_code_name(ppp::pppoe_code::padi), "PADI");
  EXPECT_EQ(ppp::pppoe_code_name(0x42), "unknown");
}
