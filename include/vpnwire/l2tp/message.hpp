// Control message validation (RFC 2661 §4.1, §4.4, §6) in one pass, without
// allocation, with O(1) access afterwards to every recognized AVP.
//
//   auto h = l2tp::parse_header(datagram);            // header.hpp
//   auto m = l2tp::validate_message(h->payload());
//   if (!m) { /* malformed: m.code(), m.offset() */ }
//   switch (m->action()) {
//   case l2tp::disposition::accept: ...               // m->type(), m->get<avp_type::host_name>()
//   case l2tp::disposition::ignore_message: ...       // unknown message type, M=0
//   case l2tp::disposition::clear_session:            // unknown M=1 AVP: send CDN with
//   case l2tp::disposition::clear_tunnel: ...         //  m->result_code(), m->error_code() (2 / 8)
//   }
//
// Rules applied, in order, to the AVPs of the body:
//  - the first AVP must be an IETF Message Type AVP, not hidden, 2 bytes;
//    an empty body is the ZLB acknowledgement (is_zlb());
//  - a message type value this layer does not know: M=1 -> clear_tunnel,
//    M=0 -> ignore_message (§4.4.1); the rest of the body is not examined;
//  - an unrecognized AVP (vendor AVP, unassigned IETF type, or reserved bits
//    set, §4.1): M=1 -> clear_session / clear_tunnel with Result Code 2 and
//    Error Code 8; M=0 -> skipped and counted (unknown_skipped());
//  - a recognized AVP: H=1 only where the catalogue allows it; not listed
//    for this message: M=1 -> avp_not_allowed, M=0 -> skipped and counted;
//    at most once (Random Vector excepted: the nearest preceding one keys
//    each hidden AVP); plain values are checked against the catalogue;
//  - every hidden AVP needs a Random Vector before it;
//  - every required AVP of the message is present.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/crypto/digest.hpp"
#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/errc.hpp"
#include "vpnwire/l2tp/hidden.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

/// What the caller must do with a well-formed message.
enum class disposition : std::uint8_t {
  accept,         ///< process it
  ignore_message, ///< unknown message type with M=0: acknowledge, otherwise ignore (§4.4.1)
  clear_session,  ///< unknown M=1 AVP in a session message: send CDN (Result 2, Error 8) (§4.1)
  clear_tunnel,   ///< unknown M=1 AVP in a tunnel message, or unknown message type with M=1: send StopCCN
};

/// The enumerator's name, e.g. "clear_tunnel".
[[nodiscard]] constexpr std::string_view name(disposition d) noexcept {
  switch (d) {
  case disposition::accept: return "accept";
  case disposition::ignore_message: return "ignore_message";
  case disposition::clear_session: return "clear_session";
  case disposition::clear_tunnel: return "clear_tunnel";
  }
  return "unknown";
}

/// The result of validating a control body. Holds the body span (no copy):
/// valid while the caller's bytes live. Trivially copyable, ~200 bytes.
class message_view {
public:
  constexpr message_view() noexcept = default;

  /// Empty body: a ZLB acknowledgement (type() is then 0).
  [[nodiscard]] constexpr bool is_zlb() const noexcept { return zlb_; }
  /// The Message Type value (may be a type this layer does not know when ignore_message/clear_tunnel).
  [[nodiscard]] constexpr std::uint16_t type_value() const noexcept { return type_; }
  /// The Message Type as the enumeration.
  [[nodiscard]] constexpr message_type type() const noexcept { return static_cast<message_type>(type_); }
  /// True when the Message Type AVP had M=1.
  [[nodiscard]] constexpr bool type_mandatory() const noexcept { return type_m_; }
  /// What the caller must do with the message.
  [[nodiscard]] constexpr disposition action() const noexcept { return disp_; }
  /// Result Code / Error Code to send in the CDN or StopCCN that action() calls for (0 when accept).
  [[nodiscard]] constexpr std::uint16_t result_code() const noexcept { return result_; }
  [[nodiscard]] constexpr std::uint16_t error_code() const noexcept { return error_; }
  /// The AVP that caused a clear_* disposition: its offset in the body, Vendor ID and type.
  [[nodiscard]] constexpr std::size_t culprit_offset() const noexcept { return culprit_offset_; }
  [[nodiscard]] constexpr std::uint16_t culprit_vendor() const noexcept { return culprit_vendor_; }
  [[nodiscard]] constexpr std::uint16_t culprit_type() const noexcept { return culprit_type_; }
  /// Unrecognized M=0 AVPs skipped.
  [[nodiscard]] constexpr std::uint16_t unknown_skipped() const noexcept { return unknown_skipped_; }
  /// Recognized M=0 AVPs that this message type does not list, skipped.
  [[nodiscard]] constexpr std::uint16_t unexpected_skipped() const noexcept { return unexpected_skipped_; }
  /// Number of AVPs in the body (all kinds).
  [[nodiscard]] constexpr std::uint16_t avp_count() const noexcept { return avp_count_; }
  /// The body the view was built from.
  [[nodiscard]] constexpr bytes_view body() const noexcept { return body_; }
  /// Every AVP of the body, in order (Message Type first; unrecognized and
  /// skipped ones included), as a walker:
  ///
  ///   for (const l2tp::avp_view &a : m->avps()) use(a);
  ///
  /// A message accepted by validate_message() walks without error. Where
  /// validation stopped early (ignore_message, clear_session, clear_tunnel)
  /// the AVPs after the culprit were not examined: the walk stops at the
  /// first framing error there (check error() afterwards).
  [[nodiscard]] constexpr avp_reader avps() const noexcept { return avp_reader(body_); }

  /// Whether a recognized AVP of type t is present (Random Vector: any).
  [[nodiscard]] constexpr bool has(avp_type t) const noexcept { return slot(t) != 0; }
  /// The AVP of type t, O(1) (Random Vector: the last one).
  [[nodiscard]] std::optional<avp_view> find(avp_type t) const noexcept {
    const std::size_t s = slot(t);
    if (s == 0) return std::nullopt;
    return avp_at(s - 1);
  }
  /// The Random Vector nearest before the hidden AVP of type t (nullopt if t is absent or not hidden).
  [[nodiscard]] std::optional<avp_view> random_vector_for(avp_type t) const noexcept {
    const auto i = static_cast<std::size_t>(t);
    if (i >= avp_type_slots || rv_[i] == 0) return std::nullopt;
    return avp_at(std::size_t{rv_[i]} - 1);
  }

  /// The decoded value of a plain (H=0) AVP of type T.
  /// Errors: avp_absent (offset = body size); avp_hidden_needs_secret (offset of the AVP);
  /// decode errors of decode_value (offset from the start of the body).
  template <avp_type T> [[nodiscard]] result<value_t<T>, errc> get() const noexcept {
    const auto a = find(T);
    if (!a) return fail(errc::avp_absent, body_.size());
    if (a->hidden()) return fail(errc::avp_hidden_needs_secret, a->offset());
    return rebase(decode_value<T>(a->value()), a->value_offset());
  }

  /// The decoded value of an AVP of type T, decrypting it first when hidden
  /// (with its nearest preceding Random Vector). `scratch` receives the
  /// plaintext (it needs the AVP's value size); spans in the result point
  /// into it (hidden) or into the body (plain).
  /// Errors: as get(), plus decode_hidden's errors (offset from the body start).
  template <avp_type T, crypto::md5_like D>
  [[nodiscard]] result<value_t<T>, errc> get(D &md5, bytes_view secret, mutable_bytes scratch) const noexcept {
    const auto a = find(T);
    if (!a) return fail(errc::avp_absent, body_.size());
    if (!a->hidden()) return rebase(decode_value<T>(a->value()), a->value_offset());
    const auto rv = random_vector_for(T);
    if (!rv) return fail(errc::hidden_avp_without_random_vector, a->offset());
    auto plain = decode_hidden(md5, static_cast<std::uint16_t>(T), a->value(), secret, rv->value(), scratch);
    if (!plain) return fail(plain.code(), a->value_offset() + plain.offset());
    return rebase(decode_value<T>(*plain), a->value_offset());
  }

  friend result<message_view, errc> validate_message(bytes_view body) noexcept;

private:
  [[nodiscard]] constexpr std::size_t slot(avp_type t) const noexcept {
    const auto i = static_cast<std::size_t>(t);
    return i < avp_type_slots ? at_[i] : 0;
  }
  [[nodiscard]] avp_view avp_at(std::size_t offset) const noexcept {
    // Offsets stored here were validated by validate_message.
    const std::size_t len = core::load_be16(body_.data() + offset) & avp_flag::length_mask;
    return avp_view(body_.subspan(offset, len), offset);
  }
  template <class V> static result<V, errc> rebase(result<V, errc> r, std::size_t base) noexcept {
    if (r) return r;
    return fail(r.code(), base + r.offset());
  }

  bytes_view body_{};
  std::array<std::uint16_t, avp_type_slots> at_{}; // offset + 1 of each recognized AVP, 0 = absent
  std::array<std::uint16_t, avp_type_slots> rv_{}; // offset + 1 of the RV keying each hidden AVP
  std::size_t culprit_offset_ = 0;
  std::uint16_t type_ = 0;
  std::uint16_t result_ = 0;
  std::uint16_t error_ = 0;
  std::uint16_t culprit_vendor_ = 0;
  std::uint16_t culprit_type_ = 0;
  std::uint16_t unknown_skipped_ = 0;
  std::uint16_t unexpected_skipped_ = 0;
  std::uint16_t avp_count_ = 0;
  disposition disp_ = disposition::accept;
  bool zlb_ = false;
  bool type_m_ = false;
};

/// Validates a control message body (the payload of a control header).
///
/// Errors (offset from the start of the body):
///  - AVP framing: avp_header_truncated, avp_length_below_header,
///    avp_length_beyond_message (offset of the AVP);
///  - message_type_not_first (offset 0), message_type_hidden (0),
///    message_type_repeated (offset of the second one);
///  - avp_value_length / avp_value_too_short / avp_field_truncated /
///    avp_value_out_of_range: a plain value breaking the catalogue (offset
///    inside the value; the AVP starts 6 bytes before its value);
///  - hidden_not_allowed, avp_not_allowed, avp_repeated (offset of the AVP);
///  - hidden_value_too_short (offset of the AVP);
///  - hidden_avp_without_random_vector / random_vector_after_hidden_avp
///    (offset of the first hidden AVP lacking a preceding Random Vector);
///  - missing_required_avp (offset = body size).
/// error_avp_type() tells which AVP type an error names.
[[nodiscard]] inline result<message_view, errc> validate_message(bytes_view body) noexcept {
  message_view m;
  m.body_ = body;
  if (body.size() > 0xFFFF) return fail(errc::value_too_long, 0);
  if (body.empty()) {
    m.zlb_ = true;
    return m;
  }
  avp_reader r(body);
  auto first = r.next();
  if (!first) return first.error();
  avp_view a = *first;
  m.avp_count_ = 1;
  if (!a.is_ietf() || a.type() != 0 || a.has_reserved_bits()) return fail(errc::message_type_not_first, 0);
  if (a.hidden()) return fail(errc::message_type_hidden, 0);
  if (a.value().size() != 2) return fail(errc::avp_value_length, a.value_offset());
  m.type_ = core::load_be16(a.value().data());
  m.type_m_ = a.mandatory();
  m.at_[0] = 1;
  const message_info &mi = message_catalogue(m.type_);
  if (!mi.known) {
    m.culprit_offset_ = 0;
    if (a.mandatory()) {
      m.disp_ = disposition::clear_tunnel;
      m.result_ = result_codes::stopccn_general_error;
      m.error_ = result_codes::error_value_out_of_range;
    } else {
      m.disp_ = disposition::ignore_message;
    }
    return m;
  }
  std::size_t last_rv = 0; // offset + 1 of the latest Random Vector
  std::size_t orphan = 0;  // offset + 1 of the first hidden AVP without a preceding RV
  bool rv_after_orphan = false;
  while (!r.done()) {
    auto next = r.next();
    if (!next) return next.error();
    a = *next;
    ++m.avp_count_;
    const std::uint16_t t = a.type();
    const avp_info &info = a.is_ietf() ? avp_catalogue(t) : detail::unknown_avp;
    if (a.is_ietf() && t == 0) return fail(errc::message_type_repeated, a.offset());
    if (!info.known || a.has_reserved_bits()) {
      if (a.mandatory()) {
        m.disp_ = mi.session ? disposition::clear_session : disposition::clear_tunnel;
        m.result_ = mi.session ? result_codes::cdn_general_error : result_codes::stopccn_general_error;
        m.error_ = result_codes::error_unknown_mandatory_avp;
        m.culprit_offset_ = a.offset();
        m.culprit_vendor_ = a.vendor_id();
        m.culprit_type_ = t;
        return m;
      }
      ++m.unknown_skipped_;
      continue;
    }
    if (a.hidden() && !info.may_hide) return fail(errc::hidden_not_allowed, a.offset());
    if (((mi.allowed >> t) & 1U) == 0) {
      if (a.mandatory()) return fail(errc::avp_not_allowed, a.offset());
      ++m.unexpected_skipped_;
      continue;
    }
    const auto here = static_cast<std::uint16_t>(a.offset() + 1);
    if (t == static_cast<std::uint16_t>(avp_type::random_vector)) {
      if (a.value().empty()) return fail(errc::avp_value_too_short, a.value_offset());
      if (orphan != 0) rv_after_orphan = true;
      last_rv = here;
      m.at_[t] = here;
      continue;
    }
    if (m.at_[t] != 0) return fail(errc::avp_repeated, a.offset());
    m.at_[t] = here;
    if (a.hidden()) {
      if (a.value().size() < 2) return fail(errc::hidden_value_too_short, a.offset());
      if (last_rv == 0) {
        if (orphan == 0) orphan = here;
      } else {
        m.rv_[t] = static_cast<std::uint16_t>(last_rv);
      }
      continue;
    }
    if (auto c = check_value(t, a.value()); !c) return fail(c.code(), a.value_offset() + c.offset());
  }
  if (orphan != 0)
    return fail(rv_after_orphan ? errc::random_vector_after_hidden_avp : errc::hidden_avp_without_random_vector,
                orphan - 1);
  for (std::size_t t = 0; t < avp_type_slots; ++t)
    if (((mi.required >> t) & 1U) != 0 && m.at_[t] == 0) return fail(errc::missing_required_avp, body.size());
  return m;
}

/// A message_view points into its body: validating a temporary container
/// would leave it dangling, so it does not compile.
template <class Owner>
requires core::temporary_owner<Owner> result<message_view, errc> validate_message(Owner &&)
= delete;

/// The AVP type an error of validate_message() names: the type of the AVP
/// at the error offset, or for missing_required_avp the first required type
/// that is absent. nullopt when the error names no AVP (framing errors).
[[nodiscard]] inline std::optional<std::uint16_t> error_avp_type(bytes_view body, error_info<errc> e) noexcept {
  if (e.code == errc::missing_required_avp) {
    if (body.size() < 8) return std::nullopt;
    const message_info &mi = message_catalogue(core::load_be16(body.data() + 6));
    std::uint64_t present = 0;
    for (const avp_view &a : avp_reader(body))
      if (a.is_ietf() && !a.has_reserved_bits() && a.type() < 64) present |= std::uint64_t{1} << a.type();
    const std::uint64_t missing = mi.required & ~present;
    for (std::uint16_t t = 0; t < 64; ++t)
      if ((missing >> t) & 1U) return t;
    return std::nullopt;
  }
  // Find the AVP containing the offset.
  for (const avp_view &a : avp_reader(body))
    if (e.offset >= a.offset() && e.offset < a.offset() + a.length()) return a.type();
  return std::nullopt;
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
