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

enum class errc : std::uint8_t {
  ok = 0, ///< Not an error; never stored in a failed result.

  // --- header (RFC 2661 §3.1) ---
  header_truncated, ///< The datagram ends inside the fixed or an optional header field (0-5 bytes, L/S/O fields cut).
  version_l2f,      ///< Version 1: an L2F packet (RFC 2341); discard silently.
  unsupported_version,      ///< Version other than 1 or 2 (e.g. 3 is L2TPv3); discard silently.
  control_without_length,   ///< T=1 with L=0 (RFC 2661 §3.1: L MUST be 1 for control messages).
  control_without_sequence, ///< T=1 with S=0 (S MUST be 1 for control messages).
  control_with_offset,      ///< T=1 with O=1 (O MUST be 0 for control messages).
  length_below_header,      ///< The Length field is smaller than the header it belongs to.
  length_beyond_datagram,   ///< The Length field is larger than the datagram.
  offset_beyond_end,        ///< Offset Size points past the end of the message.

  // --- AVP framing (§4.1) ---
  avp_header_truncated,      ///< Fewer than 6 bytes remain where an AVP header should start.
  avp_length_below_header,   ///< AVP Length field below 6.
  avp_length_beyond_message, ///< AVP Length field larger than the bytes remaining in the message.

  // --- typed values (§4.4) ---
  avp_value_length,       ///< A fixed-size AVP value has the wrong length.
  avp_value_too_short,    ///< A variable-size AVP value is below its minimum length.
  avp_field_truncated,    ///< An optional field of a value is cut partway (e.g. Result Code of 3 bytes).
  avp_value_out_of_range, ///< A value field is outside its defined range (e.g. Assigned Tunnel ID 0 where forbidden).

  // --- message validation (§6) ---
  message_type_not_first,  ///< The first AVP is not an IETF Message Type AVP.
  message_type_repeated,   ///< A second Message Type AVP.
  message_type_hidden,     ///< The Message Type AVP has H=1 (it MUST NOT be hidden).
  missing_required_avp,    ///< A required AVP of this message type is absent (offset = end of body).
  avp_not_allowed,         ///< A recognized mandatory AVP that the RFC does not list for this message.
  avp_repeated,            ///< A recognized AVP that may appear once appears twice.
  hidden_not_allowed,      ///< H=1 on an AVP that MUST NOT be hidden.
  not_a_control_message,   ///< Control-message validation was handed a data message.
  avp_absent,              ///< A typed accessor asked for an AVP the message does not carry.
  avp_hidden_needs_secret, ///< A typed accessor without a secret met a hidden AVP.

  // --- hidden AVPs (§4.3) ---
  hidden_avp_without_random_vector, ///< A hidden AVP and no Random Vector anywhere in the message.
  random_vector_after_hidden_avp,   ///< A hidden AVP whose only Random Vector comes after it.
  hidden_value_too_short,           ///< Hidden value shorter than the 2-byte original-length field.
  hidden_length_exceeds_value,      ///< Decrypted original length > ciphertext length - 2 (wrong secret or corruption).
  not_hidden,                       ///< A hidden-AVP decoder was handed an AVP with H=0.
  digest_failure,                   ///< The digest backend reported an error (e.g. MD5 unavailable in FIPS mode).

  // --- builders ---
  buffer_too_small, ///< The output span cannot hold what is written.
  value_too_long,   ///< A value does not fit an AVP (value > 1017 bytes) or a message (> 65535 bytes).
  writer_state,     ///< Writer used out of order (AVP before header, finish twice, ...).
};

/// The enumerator's name, e.g. "avp_length_below_header".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::header_truncated: return "header_truncated";
  case errc::version_l2f: return "version_l2f";
  case errc::unsupported_version: return "unsupported_version";
  case errc::control_without_length: return "control_without_length";
  case errc::control_without_sequence: return "control_without_sequence";
  case errc::control_with_offset: return "control_with_offset";
  case errc::length_below_header: return "length_below_header";
  case errc::length_beyond_datagram: return "length_beyond_datagram";
  case errc::offset_beyond_end: return "offset_beyond_end";
  case errc::avp_header_truncated: return "avp_header_truncated";
  case errc::avp_length_below_header: return "avp_length_below_header";
  case errc::avp_length_beyond_message: return "avp_length_beyond_message";
  case errc::avp_value_length: return "avp_value_length";
  case errc::avp_value_too_short: return "avp_value_too_short";
  case errc::avp_field_truncated: return "avp_field_truncated";
  case errc::avp_value_out_of_range: return "avp_value_out_of_range";
  case errc::message_type_not_first: return "message_type_not_first";
  case errc::message_type_repeated: return "message_type_repeated";
  case errc::message_type_hidden: return "message_type_hidden";
  case errc::missing_required_avp: return "missing_required_avp";
  case errc::avp_not_allowed: return "avp_not_allowed";
  case errc::avp_repeated: return "avp_repeated";
  case errc::hidden_not_allowed: return "hidden_not_allowed";
  case errc::not_a_control_message: return "not_a_control_message";
  case errc::avp_absent: return "avp_absent";
  case errc::avp_hidden_needs_secret: return "avp_hidden_needs_secret";
  case errc::hidden_avp_without_random_vector: return "hidden_avp_without_random_vector";
  case errc::random_vector_after_hidden_avp: return "random_vector_after_hidden_avp";
  case errc::hidden_value_too_short: return "hidden_value_too_short";
  case errc::hidden_length_exceeds_value: return "hidden_length_exceeds_value";
  case errc::not_hidden: return "not_hidden";
  case errc::digest_failure: return "digest_failure";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::value_too_long: return "value_too_long";
  case errc::writer_state: return "writer_state";
  }
  return "unknown";
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
