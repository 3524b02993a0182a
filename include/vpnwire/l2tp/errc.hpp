// Error codes of the L2TPv2 wire layer (RFC 2661): header, AVPs, the typed
// catalogue, message validation, hidden AVPs and the message writer.
//
// Every failure carries the byte offset at which it was detected, counted
// from the start of the span handed to the failing function (the datagram for
// parse_header, the control body for AVP walks and validation, the AVP value
// for typed decoders).
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

// clang-format off
/// The error codes: X(enumerator, "what it means"), in value order (ok = 0 first).
#define VPNWIRE_L2TP_ERRCS(X)                                                                                          \
  X(ok, "Not an error; never stored in a failed result.")                                                              \
  /* header (RFC 2661 §3.1) */                                                                                         \
  X(header_truncated, "The datagram ends inside the fixed or an optional header field (0-5 bytes, L/S/O fields cut).") \
  X(version_l2f, "Version 1: an L2F packet (RFC 2341); discard silently.")                                             \
  X(unsupported_version, "Version other than 1 or 2 (e.g. 3 is L2TPv3); discard silently.")                            \
  X(control_without_length, "T=1 with L=0 (RFC 2661 §3.1: L MUST be 1 for control messages).")                         \
  X(control_without_sequence, "T=1 with S=0 (S MUST be 1 for control messages).")                                      \
  X(control_with_offset, "T=1 with O=1 (O MUST be 0 for control messages).")                                           \
  X(length_below_header, "The Length field is smaller than the header it belongs to.")                                 \
  X(length_beyond_datagram, "The Length field is larger than the datagram.")                                           \
  X(offset_beyond_end, "Offset Size points past the end of the message.")                                              \
  /* AVP framing (§4.1) */                                                                                             \
  X(avp_header_truncated, "Fewer than 6 bytes remain where an AVP header should start.")                               \
  X(avp_length_below_header, "AVP Length field below 6.")                                                              \
  X(avp_length_beyond_message, "AVP Length field larger than the bytes remaining in the message.")                     \
  /* typed values (§4.4) */                                                                                            \
  X(avp_value_length, "A fixed-size AVP value has the wrong length.")                                                  \
  X(avp_value_too_short, "A variable-size AVP value is below its minimum length.")                                     \
  X(avp_field_truncated, "An optional field of a value is cut partway (e.g. Result Code of 3 bytes).")                 \
  X(avp_value_out_of_range, "A value field is outside its defined range (e.g. Assigned Tunnel ID 0 where forbidden).") \
  /* message validation (§6) */                                                                                        \
  X(message_type_not_first, "The first AVP is not an IETF Message Type AVP.")                                          \
  X(message_type_repeated, "A second Message Type AVP.")                                                               \
  X(message_type_hidden, "The Message Type AVP has H=1 (it MUST NOT be hidden).")                                      \
  X(missing_required_avp, "A required AVP of this message type is absent (offset = end of body).")                     \
  X(avp_not_allowed, "A recognized mandatory AVP that the RFC does not list for this message.")                        \
  X(avp_repeated, "A recognized AVP that may appear once appears twice.")                                              \
  X(hidden_not_allowed, "H=1 on an AVP that MUST NOT be hidden.")                                                      \
  X(not_a_control_message, "Control-message validation was handed a data message.")                                    \
  X(avp_absent, "A typed accessor asked for an AVP the message does not carry.")                                       \
  X(avp_hidden_needs_secret, "A typed accessor without a secret met a hidden AVP.")                                    \
  /* hidden AVPs (§4.3) */                                                                                             \
  X(hidden_avp_without_random_vector, "A hidden AVP and no Random Vector anywhere in the message.")                    \
  X(random_vector_after_hidden_avp, "A hidden AVP whose only Random Vector comes after it.")                           \
  X(hidden_value_too_short, "Hidden value shorter than the 2-byte original-length field.")                             \
  X(hidden_length_exceeds_value, "Decrypted original length > ciphertext length - 2 (wrong secret or corruption).")    \
  X(not_hidden, "A hidden-AVP decoder was handed an AVP with H=0.")                                                    \
  X(digest_failure, "The digest backend reported an error (e.g. MD5 unavailable in FIPS mode).")                       \
  /* builders */                                                                                                       \
  X(buffer_too_small, "The output span cannot hold what is written.")                                                  \
  X(value_too_long, "A value does not fit an AVP (value > 1017 bytes) or a message (> 65535 bytes).")                  \
  X(writer_state, "Writer used out of order (AVP before header, finish twice, ...).")
// clang-format on

enum class errc : std::uint8_t {
#define VPNWIRE_L2TP_ERRC_X(id, text) id,
  VPNWIRE_L2TP_ERRCS(VPNWIRE_L2TP_ERRC_X)
#undef VPNWIRE_L2TP_ERRC_X
};

/// The enumerator's name, e.g. "avp_length_below_header".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
#define VPNWIRE_L2TP_ERRC_X(id, text)                                                                                  \
  case errc::id: return #id;
    VPNWIRE_L2TP_ERRCS(VPNWIRE_L2TP_ERRC_X)
#undef VPNWIRE_L2TP_ERRC_X
  }
  return "unknown";
}

/// What the code means, in one sentence (the table's text).
[[nodiscard]] constexpr std::string_view description(errc e) noexcept {
  switch (e) {
#define VPNWIRE_L2TP_ERRC_X(id, text)                                                                                  \
  case errc::id: return text;
    VPNWIRE_L2TP_ERRCS(VPNWIRE_L2TP_ERRC_X)
#undef VPNWIRE_L2TP_ERRC_X
  }
  return "unknown error code";
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
