// AVP framing (§4.1), the catalogue (§4.4) and message validation (§6):
// every framing and validation error, every disposition, and the message
// tables checked against RFC 2661 §6 transcribed independently below.
#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <deque>

#include <initializer_list>
#include <vector>

using namespace vpnwire;
using l2tp::avp_type;
using l2tp::errc;
using l2tp::message_type;
using vpnwire_test::hex;

namespace {
// Keeps a test input alive for the whole test: parsers refuse temporaries
// (their views would dangle), so inputs built in place are held here.
const std::vector<std::byte> &held(std::vector<std::byte> b) {
  static std::deque<std::vector<std::byte>> pool;
  return pool.emplace_back(std::move(b));
}
} // namespace

namespace {
using bytes = std::vector<std::byte>;

// One AVP, assembled by hand: flags word = flags | length.
bytes avp(std::uint16_t flags, std::uint16_t vendor, std::uint16_t type, const bytes &value) {
  bytes out;
  const auto len = static_cast<std::uint16_t>(flags | (6 + value.size()));
  for (std::uint16_t w : {len, vendor, type}) {
    out.push_back(static_cast<std::byte>(w >> 8));
    out.push_back(static_cast<std::byte>(w & 0xFF));
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}
constexpr std::uint16_t M = 0x8000;
constexpr std::uint16_t H = 0x4000;
bytes u16(std::uint16_t v) { return {static_cast<std::byte>(v >> 8), static_cast<std::byte>(v & 0xFF)}; }
bytes u32(std::uint32_t v) {
  return {static_cast<std::byte>(v >> 24), static_cast<std::byte>(v >> 16), static_cast<std::byte>(v >> 8),
          static_cast<std::byte>(v)};
}
bytes str(std::string_view s) {
  bytes b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}
bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
bytes mt(std::uint16_t t, std::uint16_t flags = M) { return avp(flags, 0, 0, u16(t)); }
// A complete valid HELLO / ICRP / SCCRQ body prefix.
bytes hello() { return mt(6); }
bytes icrp() { return cat({mt(11), avp(M, 0, 14, u16(7))}); }
bytes sccrq_required() {
  return cat({mt(1), avp(M, 0, 2, hex("0100")), avp(M, 0, 7, str("lac")), avp(M, 0, 3, u32(3)), avp(M, 0, 9, u16(42))});
}

// One step of the walker into `a`; false at the end or on an error.
bool step(l2tp::avp_reader &r, l2tp::avp_view &a) {
  auto x = r.next();
  if (x) a = *x;
  return x.has_value();
}

void expect_fail(const bytes &body, errc code, std::size_t offset) {
  auto m = l2tp::validate_message(body);
  ASSERT_FALSE(m) << "expected " << l2tp::name(code);
  EXPECT_EQ(m.code(), code) << l2tp::name(m.code());
  EXPECT_EQ(m.offset(), offset);
}
} // namespace

// ---------------------------------------------------------------- framing

TEST(L2tpAvp, ReaderDecodesFlagsVendorTypeAndValue) {
  const bytes body = cat({avp(M | H, 0, 9, u16(1)), avp(0x3C00, 311, 100, str("x"))});
  l2tp::avp_reader r(body);
  l2tp::avp_view a;
  ASSERT_TRUE(step(r, a));
  EXPECT_TRUE(a.mandatory());
  EXPECT_TRUE(a.hidden());
  EXPECT_FALSE(a.has_reserved_bits());
  EXPECT_EQ(a.length(), 8U);
  EXPECT_TRUE(a.is_ietf());
  EXPECT_EQ(a.type(), 9);
  EXPECT_EQ(a.offset(), 0U);
  ASSERT_TRUE(step(r, a));
  EXPECT_TRUE(a.has_reserved_bits());
  EXPECT_FALSE(a.mandatory());
  EXPECT_EQ(a.vendor_id(), 311);
  EXPECT_FALSE(a.is_ietf());
  EXPECT_EQ(a.offset(), 8U);
  EXPECT_EQ(a.value_offset(), 14U);
  EXPECT_FALSE(step(r, a));
  EXPECT_TRUE(r.done());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.next().code(), errc::avp_header_truncated); // past the end: the exhausted code, at the end
  EXPECT_EQ(r.next().offset(), body.size());
}

TEST(L2tpAvp, LengthsZeroOneAndFiveAreBelowHeader) {
  for (std::uint16_t len : {0, 1, 5}) {
    const bytes body = cat(
        {hello(), {std::byte{0}, static_cast<std::byte>(len), std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1}}});
    expect_fail(body, errc::avp_length_below_header, 8);
    l2tp::avp_reader r(body);
    l2tp::avp_view a;
    EXPECT_TRUE(step(r, a));
    EXPECT_FALSE(step(r, a));
    EXPECT_FALSE(step(r, a)); // stays stopped
    EXPECT_EQ(r.error().code, errc::avp_length_below_header);
    EXPECT_EQ(r.error().offset, 8U);
  }
}
TEST(L2tpAvp, LengthSixIsAnEmptyValue) {
  // Sequencing Required is the AVP with an empty value
  const bytes body = cat({mt(12), avp(M, 0, 24, u32(9600)), avp(M, 0, 19, u32(1)), avp(M, 0, 39, {})});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m) << l2tp::name(m.code());
  EXPECT_TRUE(m->has(avp_type::sequencing_required));
}
TEST(L2tpAvp, Length1023IsTheLargestAvp) {
  const bytes v(1017, std::byte{'a'});
  const bytes body = cat({hello(), avp(0, 0, 8, v)});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  // Vendor Name is not listed for HELLO: M=0, so skipped and counted, and the walk stays in step
  EXPECT_EQ(m->unexpected_skipped(), 1);
  EXPECT_EQ(m->avp_count(), 2);
}
TEST(L2tpAvp, LengthOnePastRemainingIsRejected) {
  bytes body = cat({hello(), avp(0, 0, 8, str("abcd"))});
  body[8 + 1] = std::byte{11}; // Length 11 where 10 bytes remain
  expect_fail(body, errc::avp_length_beyond_message, 8);
}
TEST(L2tpAvp, TrailingBytesShorterThanAHeaderAreRejected) {
  bytes body = cat({hello(), hex("0000 0000 00")});
  expect_fail(body, errc::avp_header_truncated, 8);
  EXPECT_FALSE(l2tp::read_avp(body, body.size() + 1)); // never reads past the span
}

// -------------------------------------------------------------- catalogue

TEST(L2tpCatalogue, CoversTypes0To39And46) {
  for (std::uint16_t t = 0; t <= 39; ++t) EXPECT_EQ(l2tp::avp_catalogue(t).known, t != 20) << t;
  EXPECT_TRUE(l2tp::avp_catalogue(46).known);
  for (std::uint16_t t : {40, 45, 47, 300, 65535}) EXPECT_FALSE(l2tp::avp_catalogue(t).known);
}

TEST(L2tpCatalogue, MandatoryAndHiddenRulesFollowTheRfc) {
  // Transcribed from RFC 2661 §4.4 (and RFC 3145 for 46): types whose M bit MUST be 0
  for (std::uint16_t t : {5, 6, 8, 25, 26, 27, 28, 29, 30, 31, 32, 33, 37, 38, 46})
    EXPECT_FALSE(l2tp::avp_catalogue(t).mandatory()) << t;
  for (std::uint16_t t : {0, 1, 2, 3, 4, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 34, 35, 36, 39})
    EXPECT_TRUE(l2tp::avp_catalogue(t).mandatory()) << t;
  // types that MUST NOT be hidden
  for (std::uint16_t t : {0, 1, 2, 5, 7, 10, 12, 36, 39}) EXPECT_FALSE(l2tp::avp_catalogue(t).may_hide) << t;
}

TEST(L2tpCatalogue, MessageTablesMatchSection6) {
  using A = avp_type;
  auto req = [](message_type m, std::initializer_list<A> list) {
    std::uint64_t want = (1ULL << 0) | (1ULL << 36);
    for (A a : list) want |= 1ULL << static_cast<unsigned>(a);
    // required = exactly the list plus Message Type (Random Vector is allowed, not required)
    EXPECT_EQ(l2tp::message_catalogue(static_cast<std::uint16_t>(m)).required | (1ULL << 36), want)
        << l2tp::message_catalogue(static_cast<std::uint16_t>(m)).name;
  };
  req(message_type::sccrq, {A::protocol_version, A::host_name, A::framing_capabilities, A::assigned_tunnel_id});
  req(message_type::sccrp, {A::protocol_version, A::framing_capabilities, A::host_name, A::assigned_tunnel_id});
  req(message_type::scccn, {});
  req(message_type::stopccn, {A::assigned_tunnel_id, A::result_code});
  req(message_type::hello, {});
  req(message_type::ocrq, {A::assigned_session_id, A::call_serial_number, A::minimum_bps, A::maximum_bps,
                           A::bearer_type, A::framing_type, A::called_number});
  req(message_type::ocrp, {A::assigned_session_id});
  req(message_type::occn, {A::tx_connect_speed, A::framing_type});
  req(message_type::icrq, {A::assigned_session_id, A::call_serial_number});
  req(message_type::icrp, {A::assigned_session_id});
  req(message_type::iccn, {A::tx_connect_speed, A::framing_type});
  req(message_type::cdn, {A::result_code, A::assigned_session_id});
  req(message_type::wen, {A::call_errors});
  req(message_type::sli, {A::accm});
  EXPECT_TRUE(l2tp::may_appear_in(A::challenge_response, message_type::scccn));
  EXPECT_TRUE(l2tp::may_appear_in(A::q931_cause_code, message_type::cdn));
  EXPECT_TRUE(l2tp::may_appear_in(A::ppp_disconnect_cause_code, message_type::cdn));
  EXPECT_TRUE(l2tp::may_appear_in(A::random_vector, message_type::hello));
  EXPECT_FALSE(l2tp::may_appear_in(A::tie_breaker, message_type::sccrp));
  EXPECT_FALSE(l2tp::may_appear_in(A::sequencing_required, message_type::icrq));
  for (std::uint16_t t : {0, 5, 13, 17, 100}) EXPECT_FALSE(l2tp::message_catalogue(t).known);
}

TEST(L2tpCatalogue, ResultCodeOfSevenOrNineBytesIsRejected) {
  // 7 bytes in total: 1-byte value, below the 2-byte minimum
  auto seven = l2tp::decode_value<avp_type::result_code>(held(hex("01")));
  ASSERT_FALSE(seven);
  EXPECT_EQ(seven.code(), errc::avp_value_too_short);
  // 9 bytes in total: the optional error code is cut after one byte
  auto nine = l2tp::decode_value<avp_type::result_code>(held(hex("0002 00")));
  ASSERT_FALSE(nine);
  EXPECT_EQ(nine.code(), errc::avp_field_truncated);
  EXPECT_EQ(nine.offset(), 2U);
  // in a message: the error offset points inside the AVP, and error_avp_type names it
  const bytes body = cat({mt(4), avp(M, 0, 9, u16(5)), avp(M, 0, 1, hex("0002 00"))});
  auto m = l2tp::validate_message(body);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.code(), errc::avp_field_truncated);
  EXPECT_EQ(m.offset(), 16U + 6 + 2);
  EXPECT_EQ(l2tp::error_avp_type(body, m.error()), std::optional<std::uint16_t>(1));
}

TEST(L2tpCatalogue, TypedAccessorsDecodeEveryStructuredValue) {
  auto rc = l2tp::decode_value<avp_type::result_code>(held(cat({hex("0002 0008"), str("unknown")})));
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->result, 2);
  EXPECT_TRUE(rc->has_error);
  EXPECT_EQ(rc->error, 8);
  EXPECT_EQ(rc->message.size(), 7U);
  auto q = l2tp::decode_value<avp_type::q931_cause_code>(held(hex("0010 05 61 62")));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->cause_code, 16);
  EXPECT_EQ(q->cause_msg, 5);
  EXPECT_EQ(q->advisory.size(), 2U);
  auto ce =
      l2tp::decode_value<avp_type::call_errors>(hex("0000 00000001 00000002 00000003 00000004 00000005 00000006"));
  ASSERT_TRUE(ce);
  EXPECT_EQ(ce->crc_errors, 1U);
  EXPECT_EQ(ce->alignment_errors, 6U);
  auto ac = l2tp::decode_value<avp_type::accm>(hex("0000 ffffffff 000a0000"));
  ASSERT_TRUE(ac);
  EXPECT_EQ(ac->send, 0xFFFFFFFFU);
  EXPECT_EQ(ac->receive, 0x000A0000U);
  auto pid = l2tp::decode_value<avp_type::proxy_authen_id>(hex("00 2a"));
  ASSERT_TRUE(pid);
  EXPECT_EQ(pid->id, 42);
  auto pdc = l2tp::decode_value<avp_type::ppp_disconnect_cause_code>(held(cat({hex("0003 c021 01"), str("bye")})));
  ASSERT_TRUE(pdc);
  EXPECT_EQ(pdc->code, 3);
  EXPECT_EQ(pdc->protocol, 0xC021);
  EXPECT_EQ(pdc->direction, 1);
  auto tb = l2tp::decode_value<avp_type::tie_breaker>(hex("0102030405060708"));
  ASSERT_TRUE(tb);
  EXPECT_EQ(*tb, 0x0102030405060708ULL);
  auto pv = l2tp::decode_value<avp_type::protocol_version>(hex("0100"));
  ASSERT_TRUE(pv);
  EXPECT_EQ(pv->version, 1);
  EXPECT_EQ(pv->revision, 0);
  EXPECT_TRUE(l2tp::decode_value<avp_type::sequencing_required>({}));
  // wrong sizes are distinct errors
  EXPECT_EQ(l2tp::decode_value<avp_type::accm>(hex("0000 ffffffff 000a00")).code(), errc::avp_value_length);
  EXPECT_EQ(l2tp::decode_value<avp_type::challenge_response>(held(hex("00"))).code(), errc::avp_value_length);
  EXPECT_EQ(l2tp::decode_value<avp_type::host_name>({}).code(), errc::avp_value_too_short);
  EXPECT_EQ(l2tp::decode_value<avp_type::ppp_disconnect_cause_code>(held(hex("0003 c021"))).code(),
            errc::avp_value_too_short);
  EXPECT_EQ(l2tp::decode_value<avp_type::sequencing_required>(hex("00")).code(), errc::avp_value_length);
  EXPECT_EQ(l2tp::decode_value<avp_type::assigned_tunnel_id>(hex("0000")).code(), errc::avp_value_out_of_range);
  EXPECT_EQ(l2tp::decode_value<avp_type::assigned_session_id>(hex("0000")).code(), errc::avp_value_out_of_range);
}

// -------------------------------------------------------------- validation

// Views cannot be built from temporaries (they would dangle); spans and lvalues are fine.
template <class T>
concept can_validate = requires(T &&t) {
  l2tp::validate_message(std::forward<T>(t));
};
template <class T>
concept can_parse = requires(T &&t) {
  l2tp::parse_header(std::forward<T>(t));
};
static_assert(!can_validate<std::vector<std::byte>>);
static_assert(!can_validate<std::array<std::byte, 8>>);
static_assert(can_validate<std::vector<std::byte> &>);
static_assert(can_validate<const std::vector<std::byte> &>);
static_assert(can_validate<bytes_view>);
static_assert(!can_parse<std::vector<std::byte>>);
static_assert(can_parse<std::vector<std::byte> &>);
static_assert(can_parse<bytes_view>);
static_assert(can_parse<mutable_bytes>);

TEST(L2tpMessage, EmptyBodyIsZlb) {
  auto m = l2tp::validate_message({});
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->is_zlb());
}

TEST(L2tpMessage, ValidSccrqGivesO1AccessToEveryAvp) {
  const bytes body =
      cat({sccrq_required(), avp(M, 0, 4, u32(1)), avp(M, 0, 10, u16(8)), avp(0, 0, 5, hex("0102030405060708")),
           avp(0, 0, 6, u16(0x0690)), avp(0, 0, 8, str("vendor")), avp(M, 0, 11, str("challenge"))});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m) << l2tp::name(m.code()) << " @" << m.offset();
  EXPECT_EQ(m->type(), message_type::sccrq);
  EXPECT_EQ(m->action(), l2tp::disposition::accept);
  EXPECT_EQ(m->avp_count(), 11);
  EXPECT_EQ(*m->get<avp_type::assigned_tunnel_id>(), 42);
  EXPECT_EQ(*m->get<avp_type::framing_capabilities>(), 3U);
  EXPECT_EQ(*m->get<avp_type::receive_window_size>(), 8);
  EXPECT_EQ(*m->get<avp_type::firmware_revision>(), 0x0690);
  const auto hn = *m->get<avp_type::host_name>();
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(hn.data()), hn.size()), "lac");
  EXPECT_FALSE(m->has(avp_type::challenge_response));
  EXPECT_EQ(m->get<avp_type::challenge_response>().code(), errc::avp_absent);
  EXPECT_EQ(m->find(avp_type::host_name)->offset(), 16U);
}

TEST(L2tpMessage, MessageTypeMustBeFirst) {
  expect_fail(cat({avp(M, 0, 9, u16(1)), mt(6)}), errc::message_type_not_first, 0);
}
TEST(L2tpMessage, RepeatedMessageTypeIsRejected) { expect_fail(cat({hello(), mt(6)}), errc::message_type_repeated, 8); }
TEST(L2tpMessage, HiddenMessageTypeIsRejected) { expect_fail(mt(6, M | H), errc::message_type_hidden, 0); }
TEST(L2tpMessage, MessageTypeOfWrongLengthIsRejected) {
  expect_fail(avp(M, 0, 0, hex("000600")), errc::avp_value_length, 6);
}
TEST(L2tpMessage, UnknownMessageTypeWithoutMIsIgnored) {
  const bytes body = cat({mt(99, 0), avp(M, 0, 9, u16(1))});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::ignore_message);
  EXPECT_EQ(m->type_value(), 99);
}
TEST(L2tpMessage, UnknownMessageTypeWithMClearsTheTunnel) {
  const bytes body = mt(5);
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::clear_tunnel);
  EXPECT_EQ(m->result_code(), 2);
}

TEST(L2tpMessage, UnknownMandatoryAvpInSessionMessageClearsTheSession) {
  const bytes body = cat({icrp(), avp(M, 0, 45, u16(1))});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::clear_session);
  EXPECT_EQ(m->result_code(), 2);
  EXPECT_EQ(m->error_code(), 8);
  EXPECT_EQ(m->culprit_offset(), 16U);
  EXPECT_EQ(m->culprit_type(), 45);
}
TEST(L2tpMessage, UnknownMandatoryAvpInTunnelMessageClearsTheTunnel) {
  const bytes body = cat({hello(), avp(M, 0, 20, {})});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::clear_tunnel);
  EXPECT_EQ(m->result_code(), 2);
  EXPECT_EQ(m->error_code(), 8);
}
TEST(L2tpMessage, UnknownOptionalAvpIsSkippedAndTheWalkStaysInStep) {
  // go-l2tp lost step here: the valid AVP after the unknown one must still be read
  const bytes body = cat({mt(11), avp(0, 0, 44, str("whatever bytes")), avp(M, 0, 14, u16(77))});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::accept);
  EXPECT_EQ(m->unknown_skipped(), 1);
  EXPECT_EQ(*m->get<avp_type::assigned_session_id>(), 77);
}
TEST(L2tpMessage, ReservedBitsMakeAnAvpUnrecognized) {
  // a known type with a reserved bit: M=0 -> skipped (and so Assigned Session ID is missing)
  expect_fail(cat({mt(11), avp(0x0400, 0, 14, u16(7))}), errc::missing_required_avp, 16);
  const bytes skipped_body = cat({icrp(), avp(0x0800, 0, 14, u16(7))});
  auto skipped = l2tp::validate_message(skipped_body);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->unknown_skipped(), 1);
  // M=1 -> clear
  const bytes cleared = cat({icrp(), avp(M | 0x2000, 0, 14, u16(7))});
  auto m = l2tp::validate_message(cleared);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::clear_session);
  EXPECT_EQ(m->culprit_type(), 14);
}
TEST(L2tpMessage, VendorAvpsAreNeverDispatchedAsIetf) {
  // Vendor ID 9 (Cisco) type 0 first: not a Message Type
  expect_fail(cat({avp(M, 9, 0, u16(6))}), errc::message_type_not_first, 0);
  // vendor type 0 and 39 later: unknown vendor AVPs, M=0 skipped, M=1 clears
  const bytes skipped_body = cat({hello(), avp(0, 9, 0, u16(6)), avp(0, 9, 39, {})});
  auto skip = l2tp::validate_message(skipped_body);
  ASSERT_TRUE(skip);
  EXPECT_EQ(skip->unknown_skipped(), 2);
  EXPECT_FALSE(skip->has(avp_type::sequencing_required));
  const bytes clear_body = cat({hello(), avp(M, 9, 39, {})});
  auto clear = l2tp::validate_message(clear_body);
  ASSERT_TRUE(clear);
  EXPECT_EQ(clear->action(), l2tp::disposition::clear_tunnel);
  EXPECT_EQ(clear->culprit_vendor(), 9);
}
TEST(L2tpMessage, MissingRequiredAvpIsNamed) {
  const bytes body = cat({mt(1), avp(M, 0, 2, hex("0100")), avp(M, 0, 7, str("lac")), avp(M, 0, 9, u16(1))});
  auto m = l2tp::validate_message(body);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.code(), errc::missing_required_avp);
  EXPECT_EQ(m.offset(), body.size());
  EXPECT_EQ(l2tp::error_avp_type(body, m.error()), std::optional<std::uint16_t>(3)); // Framing Capabilities
}
TEST(L2tpMessage, MandatoryAvpNotListedForTheMessageIsRejected) {
  expect_fail(cat({hello(), avp(M, 0, 9, u16(1))}), errc::avp_not_allowed, 8);
}
TEST(L2tpMessage, RepeatedAvpIsRejected) { expect_fail(cat({icrp(), avp(M, 0, 14, u16(8))}), errc::avp_repeated, 16); }
TEST(L2tpMessage, HiddenWhereForbiddenIsRejected) {
  expect_fail(cat({mt(1), avp(M, 0, 36, str("rv")), avp(M | H, 0, 2, hex("0100"))}), errc::hidden_not_allowed, 16);
}
TEST(L2tpMessage, HiddenAvpWithoutRandomVectorIsRejected) {
  expect_fail(cat({mt(11), avp(M | H, 0, 14, hex("1122 3344"))}), errc::hidden_avp_without_random_vector, 8);
}
TEST(L2tpMessage, RandomVectorOnlyAfterTheHiddenAvpIsRejected) {
  expect_fail(cat({mt(11), avp(M | H, 0, 14, hex("1122 3344")), avp(M, 0, 36, str("rv"))}),
              errc::random_vector_after_hidden_avp, 8);
}
TEST(L2tpMessage, RandomVectorOfLengthZeroIsRejectedAnd1017BytesIsAccepted) {
  expect_fail(cat({hello(), avp(M, 0, 36, {})}), errc::avp_value_too_short, 14);
  const bytes body = cat({hello(), avp(M, 0, 36, bytes(1017, std::byte{7}))});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->find(avp_type::random_vector)->length(), 1023U);
}
TEST(L2tpMessage, NearestPrecedingRandomVectorKeysEachHiddenAvp) {
  const bytes body = cat({mt(10), avp(M, 0, 36, str("first")), avp(M | H, 0, 14, hex("00112233")),
                          avp(M, 0, 36, str("second")), avp(M | H, 0, 15, hex("0011223344556677"))});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m) << l2tp::name(m.code());
  EXPECT_EQ(m->random_vector_for(avp_type::assigned_session_id)->offset(), 8U);
  EXPECT_EQ(m->random_vector_for(avp_type::call_serial_number)->offset(), 29U);
  EXPECT_EQ(m->get<avp_type::assigned_session_id>().code(), errc::avp_hidden_needs_secret);
}
TEST(L2tpMessage, HiddenValueShorterThanTwoBytesIsRejected) {
  // hidden AVPs of total length 6 and 7
  expect_fail(cat({mt(11), avp(M, 0, 36, str("rv")), avp(M | H, 0, 14, {})}), errc::hidden_value_too_short, 16);
  expect_fail(cat({mt(11), avp(M, 0, 36, str("rv")), avp(M | H, 0, 14, hex("00"))}), errc::hidden_value_too_short, 16);
}
TEST(L2tpMessage, NotControlDataIsNotValidatedAsControl) {
  // the writer refuses to add AVPs before a header
  std::array<std::byte, 64> buf{};
  l2tp::message_writer w(buf);
  EXPECT_EQ(w.add<avp_type::host_name>(as_bytes("x")).error().code, errc::writer_state);
  EXPECT_EQ(w.finish().code(), errc::writer_state);
}

TEST(L2tpWriter, BuildsZlb) {
  std::array<std::byte, 64> buf{};
  l2tp::message_writer w(buf);
  ASSERT_TRUE(w.begin_zlb({.tunnel_id = 3, .session_id = 0, .ns = 4, .nr = 5}));
  auto n = w.finish();
  ASSERT_TRUE(n);
  EXPECT_EQ(vpnwire_test::to_hex(w.written()), "c802000c0003000000040005");
  auto h = l2tp::parse_header(w.written());
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->is_zlb());
}
TEST(L2tpWriter, ErrorsAreStickyAndReportBufferTooSmall) {
  std::array<std::byte, 20> buf{};
  l2tp::message_writer w(buf);
  ASSERT_TRUE(w.begin({.tunnel_id = 1}, message_type::hello));
  EXPECT_EQ(w.add<avp_type::host_name>(as_bytes("a-long-host-name")).error().code, errc::buffer_too_small);
  EXPECT_EQ(w.add<avp_type::assigned_tunnel_id>(1).error().code, errc::buffer_too_small);
  EXPECT_EQ(w.finish().code(), errc::buffer_too_small);
}
TEST(L2tpWriter, RejectsValuesTheCatalogueForbids) {
  std::array<std::byte, 2048> buf{};
  l2tp::message_writer w(buf);
  ASSERT_TRUE(w.begin({}, message_type::sccrp));
  EXPECT_EQ(w.add<avp_type::challenge_response>(as_bytes("short")).error().code, errc::avp_value_length);
  l2tp::message_writer w2(buf);
  ASSERT_TRUE(w2.begin({}, message_type::sccrp));
  const bytes big(1018, std::byte{1});
  EXPECT_EQ(w2.add<avp_type::host_name>(big).error().code, errc::value_too_long);
}

TEST(L2tpMessage, ErrorAvpTypeIgnoresAvpsWithReservedBits) {
  // found by fuzz/l2tp_message.cpp: a WEN whose only Call Errors AVP has a reserved bit set
  const bytes body = cat({mt(15), avp(0x1000, 0, 34, bytes(26, std::byte{0}))});
  auto m = l2tp::validate_message(body);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.code(), errc::missing_required_avp);
  EXPECT_EQ(l2tp::error_avp_type(body, m.error()), std::optional<std::uint16_t>(34));
}

TEST(L2tpWriter, RawMessageTypeAndMBitOverridesReachTheWire) {
  std::array<std::byte, 128> buf{};
  l2tp::message_writer w(buf);
  ASSERT_TRUE(w.begin_raw({.tunnel_id = 9}, 200, false));
  ASSERT_TRUE(w.add<avp_type::assigned_tunnel_id>(5, {l2tp::avp_options::m_bit::clear}));
  ASSERT_TRUE(w.add<avp_type::tie_breaker>(1, {l2tp::avp_options::m_bit::set}));
  ASSERT_TRUE(w.add_raw(0x8000 | 0x03FF, 311, 7, as_bytes("v"))); // stray length bits are recomputed
  auto n = w.finish();
  ASSERT_TRUE(n);
  EXPECT_EQ(w.finish().code(), errc::writer_state); // once only
  auto h = l2tp::parse_header(w.written());
  ASSERT_TRUE(h);
  l2tp::avp_reader r(h->payload());
  l2tp::avp_view a;
  ASSERT_TRUE(step(r, a));
  EXPECT_FALSE(a.mandatory());
  EXPECT_EQ(core::load_be16(a.value().data()), 200);
  ASSERT_TRUE(step(r, a));
  EXPECT_FALSE(a.mandatory()); // catalogue says M=1, overridden
  ASSERT_TRUE(step(r, a));
  EXPECT_TRUE(a.mandatory()); // catalogue says M=0, overridden
  ASSERT_TRUE(step(r, a));
  EXPECT_EQ(a.length(), 7U);
  EXPECT_EQ(a.vendor_id(), 311);
  EXPECT_TRUE(r.ok());
  auto m = l2tp::validate_message(h->payload());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::ignore_message);
}

TEST(L2tpHeaderBuilder, PatchLengthRewritesTheField) {
  auto b = hex("c802 0000 0001 0000 0000 0000 8008 0000 0000 0006");
  ASSERT_TRUE(l2tp::patch_length(b));
  auto h = l2tp::parse_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->length(), 20U);
  std::vector<std::byte> tiny(3);
  EXPECT_EQ(l2tp::patch_length(tiny).code(), errc::header_truncated);
}

// 16.6: the AVPs of a validated message, walked in order from the view.
TEST(L2tpMessage, AvpIterationOnTheMessageView) {
  const bytes body = cat({sccrq_required(), avp(0, 0, 8, str("vendor")), avp(0, 311, 1, str("x"))});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m) << l2tp::name(m.code());
  std::vector<std::uint16_t> types;
  std::vector<std::size_t> offsets;
  auto avps = m->avps();
  for (const l2tp::avp_view &a : avps) {
    types.push_back(a.type());
    offsets.push_back(a.offset());
  }
  EXPECT_TRUE(avps.ok());
  EXPECT_EQ(types, (std::vector<std::uint16_t>{0, 2, 7, 3, 9, 8, 1}));
  EXPECT_EQ(offsets, (std::vector<std::size_t>{0, 8, 16, 25, 35, 43, 55}));
  EXPECT_EQ(types.size(), m->avp_count());
  // The same walk by next()/done(), and the walker stays done.
  auto r = m->avps();
  std::size_t n = 0;
  while (!r.done()) {
    auto a = r.next();
    ASSERT_TRUE(a);
    ++n;
  }
  EXPECT_EQ(n, types.size());
  EXPECT_EQ(r.position(), body.size());
  const bytes zlb;
  EXPECT_TRUE(l2tp::validate_message(zlb)->avps().ok()); // a ZLB has none
}

// Where validation stopped at the culprit, the walk reports the framing
// error after it.
TEST(L2tpMessage, AvpIterationStopsAtAnUnexaminedFramingError) {
  const bytes body = cat({icrp(), avp(M, 311, 1, str("x")), bytes{std::byte{0}, std::byte{3}}});
  auto m = l2tp::validate_message(body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->action(), l2tp::disposition::clear_session);
  auto r = m->avps();
  std::size_t n = 0;
  for (const l2tp::avp_view &a : r) n += a.length() != 0 ? 1 : 0;
  EXPECT_EQ(n, 3U);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::avp_header_truncated);
  EXPECT_EQ(r.error().offset, body.size() - 2);
}

// 16.5: the steps return the writer (chainable, ignorable), finish() reports
// the first error, and ok()/error() tell between steps.
TEST(L2tpWriter, StepsChainAndTheFirstErrorSticks) {
  std::array<std::byte, 64> buf{};
  l2tp::message_writer w(buf);
  w.begin({.tunnel_id = 7}, message_type::sccrq)
      .add<avp_type::protocol_version>({1, 0})
      .add<avp_type::host_name>(as_bytes("lac"))
      .add<avp_type::framing_capabilities>(3)
      .add<avp_type::assigned_tunnel_id>(9);
  ASSERT_TRUE(w.ok());
  const auto n = w.finish();
  ASSERT_TRUE(n);
  auto h = l2tp::parse_header(w.written());
  ASSERT_TRUE(h);
  EXPECT_TRUE(l2tp::validate_message(h->payload()));

  l2tp::message_writer small(mutable_bytes(buf).first(30));
  small.begin({}, message_type::hello).add<avp_type::host_name>(as_bytes("a-host-name-too-long"));
  EXPECT_FALSE(small);
  const auto first = small.error();
  EXPECT_EQ(first.code, errc::buffer_too_small);
  EXPECT_EQ(first.offset, 20U);                  // where the AVP would have started
  small.add<avp_type::host_name>(as_bytes("x")); // a later step changes nothing
  EXPECT_EQ(small.error(), first);
  EXPECT_EQ(small.finish().error(), first);
}
