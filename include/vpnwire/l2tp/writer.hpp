// The control message writer: builds a complete L2TPv2 control message
// (header, Message Type, AVPs, hidden AVPs) in the caller's buffer and fixes
// the Length field at the end.
//
//   std::array<std::byte, 512> buf;
//   l2tp::message_writer w(buf);
//   w.begin({.tunnel_id = 0, .ns = 0, .nr = 0}, l2tp::message_type::sccrq);
//   w.add<l2tp::avp_type::protocol_version>({1, 0});
//   w.add<l2tp::avp_type::host_name>(as_bytes("lac"));
//   ...
//   auto n = w.finish();          // size of the datagram, or the first error
//
// Errors are sticky: after the first failure every call returns it again and
// finish() reports it, so a sequence of add() calls needs one check.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/crypto/digest.hpp"
#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/errc.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/hidden.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

/// Header fields of a control message.
struct control_fields {
  std::uint16_t tunnel_id = 0;
  std::uint16_t session_id = 0;
  std::uint16_t ns = 0;
  std::uint16_t nr = 0;
};

/// How an AVP is flagged. By default M follows the catalogue (what the RFC requires).
struct avp_options {
  enum class m_bit : std::uint8_t { catalogue, set, clear };
  m_bit mandatory = m_bit::catalogue;
};

class message_writer {
public:
  explicit message_writer(mutable_bytes out) noexcept : w_(out) {}

  /// Writes the control header and the Message Type AVP (M=1).
  /// Errors: writer_state (begin twice), buffer_too_small.
  result<void, errc> begin(const control_fields &f, message_type t) noexcept {
    if (auto e = begin_header(f); !e) return e;
    return add_plain(
        avp_flag::mandatory, 0, static_cast<std::uint16_t>(avp_type::message_type),
        [&](auto &w) { return conv(w.u16(static_cast<std::uint16_t>(t)), w.position()); }, 2);
  }
  /// Writes a raw Message Type value (tests, unknown types) with an explicit M bit.
  result<void, errc> begin_raw(const control_fields &f, std::uint16_t type_value, bool mandatory) noexcept {
    if (auto e = begin_header(f); !e) return e;
    return add_plain(
        mandatory ? avp_flag::mandatory : 0, 0, 0, [&](auto &w) { return conv(w.u16(type_value), w.position()); }, 2);
  }
  /// Starts a ZLB acknowledgement (header only; finish() gives 12 bytes).
  result<void, errc> begin_zlb(const control_fields &f) noexcept { return begin_header(f); }

  /// Appends a typed AVP of type T (H=0).
  /// Errors: writer_state (before begin), value_too_long, avp_value_too_short/avp_value_length
  /// (octet values breaking the catalogue), buffer_too_small.
  template <avp_type T> result<void, errc> add(const value_t<T> &v, avp_options o = {}) noexcept {
    return add_plain(
        m_flag(T, o), 0, static_cast<std::uint16_t>(T), [&](core::byte_writer &w) { return encode_value<T>(w, v); },
        encoded_size<T>(v));
  }

  /// Appends a Random Vector; hidden AVPs added later are keyed with the latest one.
  result<void, errc> add_random_vector(bytes_view rv) noexcept {
    if (rv.empty()) return stick(fail(errc::avp_value_too_short, w_.position()));
    const std::size_t at = w_.position() + avp_header_size;
    if (auto e = add<avp_type::random_vector>(rv); !e) return e;
    rv_ = w_.written().subspan(at, rv.size());
    return {};
  }

  /// Appends AVP T hidden (H=1) with the shared secret and the latest Random
  /// Vector; `padding` (caller-supplied random bytes) follows the value.
  /// Errors: random vector missing -> hidden_avp_without_random_vector;
  /// hidden_not_allowed for types that must not be hidden; value_too_long;
  /// buffer_too_small; digest_failure.
  template <avp_type T, crypto::md5_like D>
  result<void, errc> add_hidden(D &md5, bytes_view secret, const value_t<T> &v, bytes_view padding = {},
                                avp_options o = {}) noexcept {
    if (err_.code != errc::ok) return err_;
    if (!begun_) return stick(fail(errc::writer_state, w_.position()));
    if (!avp_catalogue(T).may_hide) return stick(fail(errc::hidden_not_allowed, w_.position()));
    if (rv_.empty()) return stick(fail(errc::hidden_avp_without_random_vector, w_.position()));
    std::array<std::byte, avp_max_value> plain{};
    core::byte_writer pw(plain);
    if (auto e = encode_value<T>(pw, v); !e) return stick(fail(e.code(), w_.position()));
    const std::size_t n = hidden_size(pw.size(), padding.size());
    if (n > avp_max_value) return stick(fail(errc::value_too_long, w_.position()));
    if (w_.remaining() < avp_header_size + n) return stick(fail(errc::buffer_too_small, w_.position()));
    const std::size_t start = w_.position();
    (void)w_.u16(static_cast<std::uint16_t>(m_flag(T, o) | avp_flag::hidden | (avp_header_size + n)));
    (void)w_.u16(0);
    (void)w_.u16(static_cast<std::uint16_t>(T));
    auto dst = w_.reserve(n);
    auto enc = encode_hidden(md5, static_cast<std::uint16_t>(T), pw.written(), secret, rv_, padding, *dst);
    if (!enc) return stick(fail(enc.code(), start));
    return {};
  }

  /// Appends any AVP as given (vendor AVPs, unknown types, deliberately malformed values in tests).
  /// `flags` may carry M, H and the reserved bits; the length bits are computed.
  result<void, errc> add_raw(std::uint16_t flags, std::uint16_t vendor, std::uint16_t type, bytes_view value) noexcept {
    if (err_.code != errc::ok) return err_;
    if (!begun_) return stick(fail(errc::writer_state, w_.position()));
    if (value.size() > avp_max_value) return stick(fail(errc::value_too_long, w_.position()));
    if (w_.remaining() < avp_header_size + value.size()) return stick(fail(errc::buffer_too_small, w_.position()));
    const auto word = static_cast<std::uint16_t>((flags & static_cast<std::uint16_t>(~avp_flag::length_mask)) |
                                                 (avp_header_size + value.size()));
    (void)w_.u16(word);
    (void)w_.u16(vendor);
    (void)w_.u16(type);
    (void)w_.bytes(value);
    return {};
  }

  /// Fixes the Length field and returns the message size.
  /// Errors: the first error of any earlier call; writer_state (no begin, or
  /// finish twice); value_too_long (message above 65535 bytes).
  [[nodiscard]] result<std::size_t, errc> finish() noexcept {
    if (err_.code != errc::ok) return err_;
    if (!begun_ || finished_) return stick(fail(errc::writer_state, w_.position()));
    if (w_.size() > 0xFFFF) return stick(fail(errc::value_too_long, 2));
    core::store_be16(w_.buffer().data() + 2, static_cast<std::uint16_t>(w_.size()));
    finished_ = true;
    return w_.size();
  }

  /// What has been written (complete only after finish()).
  [[nodiscard]] bytes_view written() const noexcept { return w_.written(); }
  /// The first error, if any.
  [[nodiscard]] error_info<errc> error() const noexcept { return err_; }

private:
  static constexpr std::uint16_t m_flag(avp_type t, avp_options o) noexcept {
    switch (o.mandatory) {
    case avp_options::m_bit::set: return avp_flag::mandatory;
    case avp_options::m_bit::clear: return 0;
    case avp_options::m_bit::catalogue: break;
    }
    return avp_catalogue(t).mandatory() ? avp_flag::mandatory : std::uint16_t{0};
  }
  static result<void, errc> conv(result<void, core::errc> r, std::size_t pos) noexcept {
    if (r) return {};
    return fail(errc::buffer_too_small, pos);
  }
  error_info<errc> stick(error_info<errc> e) noexcept {
    err_ = e;
    return e;
  }
  result<void, errc> begin_header(const control_fields &f) noexcept {
    if (err_.code != errc::ok) return err_;
    if (begun_) return stick(fail(errc::writer_state, w_.position()));
    header_fields h;
    h.control = true;
    h.tunnel_id = f.tunnel_id;
    h.session_id = f.session_id;
    h.ns = f.ns;
    h.nr = f.nr;
    auto n = write_header(w_.buffer(), h, 0);
    if (!n) return stick(n.error());
    (void)w_.skip_to(*n);
    begun_ = true;
    return {};
  }
  template <class F>
  result<void, errc> add_plain(std::uint16_t flags, std::uint16_t vendor, std::uint16_t type, F &&body,
                               std::size_t value_size) noexcept {
    if (err_.code != errc::ok) return err_;
    if (!begun_) return stick(fail(errc::writer_state, w_.position()));
    if (value_size > avp_max_value) return stick(fail(errc::value_too_long, w_.position()));
    if (w_.remaining() < avp_header_size + value_size) return stick(fail(errc::buffer_too_small, w_.position()));
    const std::size_t start = w_.position();
    (void)w_.u16(0);
    (void)w_.u16(vendor);
    (void)w_.u16(type);
    if (auto e = body(w_); !e) return stick(fail(e.code(), start));
    const std::size_t len = w_.position() - start;
    core::store_be16(w_.buffer().data() + start, static_cast<std::uint16_t>(flags | len));
    return {};
  }

  struct tracked_writer : core::byte_writer {
    using core::byte_writer::byte_writer;
    result<void, core::errc> skip_to(std::size_t n) noexcept {
      auto r = reserve(n - size());
      if (!r) return r.error();
      return {};
    }
  };

  tracked_writer w_;
  bytes_view rv_{};
  error_info<errc> err_{};
  bool begun_ = false;
  bool finished_ = false;
};

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
