// The library's mapping of wire-layer errors to RFC 2661 actions
// (error_action.hpp), checked against the RFC's own text: §4.4.2's General
// Error Codes are transcribed below, and every errc is expected to map to
// the one whose words describe it (an independent classification, written
// from the RFC, not from the implementation).
#include "vpnwire/l2tp/error_action.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>

using namespace vpnwire;
using l2tp::clear_scope;
using l2tp::errc;
using l2tp::message_type;

namespace {

// RFC 2661 §4.4.2, "General Error Codes" (the first sentence of each).
const std::map<std::uint16_t, std::string_view> general_error_codes = {
    {0, "No general error"},
    {1, "No control connection exists yet for this LAC-LNS pair"},
    {2, "Length is wrong"},
    {3, "One of the field values was out of range or reserved field was non-zero"},
    {4, "Insufficient resources to handle this operation now"},
    {5, "The Session ID is invalid in this context"},
    {6, "A generic vendor-specific error occurred in the LAC"},
    {7, "Try another."},
    {8, "Session or tunnel was shutdown due to receipt of an unknown AVP with the M-bit set."},
};
// §4.4.2, StopCCN and CDN Result Code 2.
constexpr std::string_view stopccn_2 = "General error--Error Code indicates the problem";
constexpr std::string_view cdn_2 = "Call disconnected for the reasons indicated in error code";

// What each error is, in the RFC's words.
const std::map<errc, std::string_view> expected = {
    {errc::ok, "No general error"},
    {errc::header_truncated, "Length is wrong"},
    {errc::version_l2f, "One of the field values was out of range or reserved field was non-zero"},
    {errc::unsupported_version, "One of the field values was out of range or reserved field was non-zero"},
    {errc::control_without_length, "One of the field values was out of range or reserved field was non-zero"},
    {errc::control_without_sequence, "One of the field values was out of range or reserved field was non-zero"},
    {errc::control_with_offset, "One of the field values was out of range or reserved field was non-zero"},
    {errc::length_below_header, "Length is wrong"},
    {errc::length_beyond_datagram, "Length is wrong"},
    {errc::offset_beyond_end, "Length is wrong"},
    {errc::avp_header_truncated, "Length is wrong"},
    {errc::avp_length_below_header, "Length is wrong"},
    {errc::avp_length_beyond_message, "Length is wrong"},
    {errc::avp_value_length, "Length is wrong"},
    {errc::avp_value_too_short, "Length is wrong"},
    {errc::avp_field_truncated, "Length is wrong"},
    {errc::avp_value_out_of_range, "One of the field values was out of range or reserved field was non-zero"},
    {errc::message_type_not_first, "One of the field values was out of range or reserved field was non-zero"},
    {errc::message_type_repeated, "One of the field values was out of range or reserved field was non-zero"},
    {errc::message_type_hidden, "One of the field values was out of range or reserved field was non-zero"},
    {errc::missing_required_avp, "One of the field values was out of range or reserved field was non-zero"},
    {errc::avp_not_allowed, "One of the field values was out of range or reserved field was non-zero"},
    {errc::avp_repeated, "One of the field values was out of range or reserved field was non-zero"},
    {errc::hidden_not_allowed, "One of the field values was out of range or reserved field was non-zero"},
    {errc::not_a_control_message, "One of the field values was out of range or reserved field was non-zero"},
    {errc::avp_absent, "No general error"},
    {errc::avp_hidden_needs_secret, "No general error"},
    {errc::hidden_avp_without_random_vector, "One of the field values was out of range or reserved field was non-zero"},
    {errc::random_vector_after_hidden_avp, "One of the field values was out of range or reserved field was non-zero"},
    {errc::hidden_value_too_short, "Length is wrong"},
    {errc::hidden_length_exceeds_value, "Length is wrong"},
    {errc::not_hidden, "No general error"},
    {errc::digest_failure, "Insufficient resources to handle this operation now"},
    {errc::buffer_too_small, "No general error"},
    {errc::value_too_long, "No general error"},
    {errc::writer_state, "No general error"},
};

} // namespace

TEST(ErrorAction, EveryErrorMapsToTheGeneralErrorCodeTheRfcDescribes) {
  std::size_t n = 0;
#define VPNWIRE_TEST_X(id, text)                                                                                       \
  {                                                                                                                    \
    ++n;                                                                                                               \
    const auto want = expected.find(errc::id);                                                                         \
    ASSERT_NE(want, expected.end()) << #id << " is not classified by this test";                                       \
    const l2tp::result_code rc = l2tp::result_code_for(errc::id);                                                      \
    EXPECT_EQ(general_error_codes.at(rc.error), want->second) << #id;                                                  \
    /* Result 2 (general error) whenever there is an error to report. */                                               \
    EXPECT_EQ(rc.result, errc::id == errc::ok ? 0 : 2) << #id;                                                         \
  }
  VPNWIRE_L2TP_ERRCS(VPNWIRE_TEST_X)
#undef VPNWIRE_TEST_X
  EXPECT_EQ(n, expected.size());
  // Result Code 2 reads the same in both messages that carry it.
  EXPECT_EQ(l2tp::result_codes::stopccn_general_error, 2);
  EXPECT_EQ(l2tp::result_codes::cdn_general_error, 2);
  EXPECT_NE(stopccn_2.find("Error Code"), std::string_view::npos);
  EXPECT_NE(cdn_2.find("error code"), std::string_view::npos);
}

TEST(ErrorAction, WhatAnErrorClears) {
  constexpr auto sccrq = static_cast<std::uint16_t>(message_type::sccrq);
  constexpr auto hello = static_cast<std::uint16_t>(message_type::hello);
  constexpr auto iccn = static_cast<std::uint16_t>(message_type::iccn);
  constexpr auto cdn = static_cast<std::uint16_t>(message_type::cdn);
  // §3.1: an unknown version MUST be discarded silently; a header that does
  // not parse is dropped whatever the state.
  for (errc e : {errc::version_l2f, errc::unsupported_version, errc::header_truncated, errc::length_beyond_datagram})
    for (bool up : {false, true}) EXPECT_EQ(l2tp::clears(e, sccrq, up), clear_scope::none) << l2tp::name(e);
  // During setup every message error ends the control connection (§5.1).
  EXPECT_EQ(l2tp::clears(errc::avp_value_length, sccrq, false), clear_scope::tunnel);
  EXPECT_EQ(l2tp::clears(errc::missing_required_avp, iccn, false), clear_scope::tunnel);
  // Once established: a session message clears its session, a tunnel message nothing.
  EXPECT_EQ(l2tp::clears(errc::avp_value_length, iccn, true), clear_scope::session);
  EXPECT_EQ(l2tp::clears(errc::avp_repeated, cdn, true), clear_scope::session);
  EXPECT_EQ(l2tp::clears(errc::avp_value_too_short, hello, true), clear_scope::none);
  EXPECT_EQ(l2tp::clears(errc::avp_value_out_of_range, sccrq, true), clear_scope::none);
  // The receiver's own failure or an accessor error never clears anything.
  for (errc e : {errc::digest_failure, errc::avp_absent, errc::buffer_too_small, errc::ok})
    EXPECT_EQ(l2tp::clears(e, iccn, false), clear_scope::none) << l2tp::name(e);
  EXPECT_EQ(l2tp::name(clear_scope::session), "session");
}
