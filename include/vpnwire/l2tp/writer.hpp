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
// Errors are sticky: after the first failure every step does nothing and
// finish() reports that failure, so a sequence of steps needs one check.
// The steps return the writer (chainable, and nothing to ignore: no
// [[nodiscard]] warnings); finish() is [[nodiscard]]. ok() and error() tell
// between steps whether a step failed. Each step writes with the builders
// (build_header, build_value, build_hidden_value).
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
#include <cstring>
#include <string_view>

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

/// The enumerator's name, e.g. "catalogue".
[[nodiscard]] constexpr std::string_view name(avp_options::m_bit m) noexcept {
  switch (m) {
  case avp_options::m_bit::catalogue: return "catalogue";
  case avp_options::m_bit::set: return "set";
  case avp_options::m_bit::clear: return "clear";
  }
  return "unknown";
}

class message_writer {
public:
  explicit message_writer(mutable_bytes out) noexcept : out_(out) {}

  /// Writes the control header and the Message Type AVP (M=1).
  /// Errors (sticky): writer_state (begin twice), buffer_too_small.
  message_writer &begin(const control_fields &f, message_type t) noexcept {
    if (begin_header(f)) put_u16_avp(avp_flag::mandatory, static_cast<std::uint16_t>(t));
    return *this;
  }
  /// Writes a raw Message Type value (tests, unknown types) with an explicit M bit.
  /// Errors (sticky): as begin().
  message_writer &begin_raw(const control_fields &f, std::uint16_t type_value, bool mandatory) noexcept {
    if (begin_header(f)) put_u16_avp(mandatory ? avp_flag::mandatory : std::uint16_t{0}, type_value);
    return *this;
  }
  /// Starts a ZLB acknowledgement (header only; finish() gives 12 bytes).
  /// Errors (sticky): as begin().
  message_writer &begin_zlb(const control_fields &f) noexcept {
    (void)begin_header(f);
    return *this;
  }

  /// Appends a typed AVP of type T (H=0).
  /// Errors (sticky): writer_state (before begin), value_too_long,
  /// avp_value_too_short / avp_value_length (octet values breaking the
  /// catalogue), buffer_too_small; offset = where the AVP would start.
  template <avp_type T> message_writer &add(const value_t<T> &v, avp_options o = {}) noexcept {
    if (!ready()) return *this;
    const std::size_t start = pos_;
    if (room() < avp_header_size) return stick(errc::buffer_too_small, start);
    auto n = build_value<T>(out_.subspan(start + avp_header_size), v);
    if (!n) return stick(n.code(), start);
    put_header(start, m_flag(T, o), 0, static_cast<std::uint16_t>(T), *n);
    pos_ = start + avp_header_size + *n;
    return *this;
  }

  /// Appends a Random Vector; hidden AVPs added later are keyed with the latest one.
  /// Errors (sticky): avp_value_too_short (empty), as add().
  message_writer &add_random_vector(bytes_view rv) noexcept {
    if (!ready()) return *this;
    if (rv.empty()) return stick(errc::avp_value_too_short, pos_);
    const std::size_t at = pos_ + avp_header_size;
    add<avp_type::random_vector>(rv);
    if (ok()) rv_ = bytes_view(out_.subspan(at, rv.size()));
    return *this;
  }

  /// Appends AVP T hidden (H=1) with the shared secret and the latest Random
  /// Vector; `padding` (caller-supplied random bytes) follows the value.
  /// Errors (sticky): hidden_avp_without_random_vector (no Random Vector
  /// yet); hidden_not_allowed for types that must not be hidden;
  /// value_too_long; buffer_too_small; digest_failure; as add().
  template <avp_type T, crypto::md5_like D>
  message_writer &add_hidden(D &md5, bytes_view secret, const value_t<T> &v, bytes_view padding = {},
                             avp_options o = {}) noexcept {
    if (!ready()) return *this;
    const std::size_t start = pos_;
    if (!avp_catalogue(T).may_hide) return stick(errc::hidden_not_allowed, start);
    if (rv_.empty()) return stick(errc::hidden_avp_without_random_vector, start);
    std::array<std::byte, avp_max_value> plain{};
    auto pn = build_value<T>(plain, v);
    if (!pn) return stick(pn.code(), start);
    const std::size_t n = hidden_size(*pn, padding.size());
    if (n > avp_max_value) return stick(errc::value_too_long, start);
    if (room() < avp_header_size + n) return stick(errc::buffer_too_small, start);
    auto enc = build_hidden_value(out_.subspan(start + avp_header_size, n), md5, static_cast<std::uint16_t>(T), secret,
                                  rv_, bytes_view(plain).first(*pn), padding);
    if (!enc) return stick(enc.code(), start);
    put_header(start, static_cast<std::uint16_t>(m_flag(T, o) | avp_flag::hidden), 0, static_cast<std::uint16_t>(T), n);
    pos_ = start + avp_header_size + n;
    return *this;
  }

  /// Appends any AVP as given (vendor AVPs, unknown types, deliberately
  /// malformed values in tests). `flags` may carry M, H and the reserved
  /// bits; the length bits are computed.
  /// Errors (sticky): writer_state, value_too_long, buffer_too_small.
  message_writer &add_raw(std::uint16_t flags, std::uint16_t vendor, std::uint16_t type, bytes_view value) noexcept {
    if (!ready()) return *this;
    const std::size_t start = pos_;
    if (value.size() > avp_max_value) return stick(errc::value_too_long, start);
    if (room() < avp_header_size + value.size()) return stick(errc::buffer_too_small, start);
    const auto word = static_cast<std::uint16_t>((flags & static_cast<std::uint16_t>(~avp_flag::length_mask)) |
                                                 (avp_header_size + value.size()));
    core::store_be16(out_.data() + start, word);
    core::store_be16(out_.data() + start + 2, vendor);
    core::store_be16(out_.data() + start + 4, type);
    if (!value.empty()) std::memcpy(out_.data() + start + avp_header_size, value.data(), value.size());
    pos_ = start + avp_header_size + value.size();
    return *this;
  }

  /// Fixes the Length field and returns the message size.
  /// Errors: the first error of any earlier step; writer_state (no begin, or
  /// finish twice); value_too_long (message above 65535 bytes, offset 2).
  [[nodiscard]] result<std::size_t, errc> finish() noexcept {
    if (err_.code != errc::ok) return err_;
    if (!begun_ || finished_) return stick_error(errc::writer_state, pos_);
    if (pos_ > 0xFFFF) return stick_error(errc::value_too_long, 2);
    core::store_be16(out_.data() + 2, static_cast<std::uint16_t>(pos_));
    finished_ = true;
    return pos_;
  }

  /// True while no step has failed.
  [[nodiscard]] bool ok() const noexcept { return err_.code == errc::ok; }
  /// ok(): lets a caller test a step, `if (!w.add<T>(v)) return w.error();`.
  [[nodiscard]] explicit operator bool() const noexcept { return ok(); }
  /// The first error, if any (code ok when none).
  [[nodiscard]] error_info<errc> error() const noexcept { return err_; }
  /// What has been written (complete only after finish()).
  [[nodiscard]] bytes_view written() const noexcept { return bytes_view(out_).first(pos_); }

private:
  static constexpr std::uint16_t m_flag(avp_type t, avp_options o) noexcept {
    switch (o.mandatory) {
    case avp_options::m_bit::set: return avp_flag::mandatory;
    case avp_options::m_bit::clear: return 0;
    case avp_options::m_bit::catalogue: break;
    }
    return avp_catalogue(t).mandatory() ? avp_flag::mandatory : std::uint16_t{0};
  }
  [[nodiscard]] std::size_t room() const noexcept { return out_.size() - pos_; }
  message_writer &stick(errc e, std::size_t offset) noexcept {
    err_ = fail(e, offset);
    return *this;
  }
  error_info<errc> stick_error(errc e, std::size_t offset) noexcept {
    err_ = fail(e, offset);
    return err_;
  }
  /// A step may run: no earlier error, begun, not finished (else writer_state).
  [[nodiscard]] bool ready() noexcept {
    if (err_.code != errc::ok) return false;
    if (!begun_ || finished_) {
      stick(errc::writer_state, pos_);
      return false;
    }
    return true;
  }
  void put_header(std::size_t at, std::uint16_t flags, std::uint16_t vendor, std::uint16_t type,
                  std::size_t value_size) noexcept {
    core::store_be16(out_.data() + at, static_cast<std::uint16_t>(flags | (avp_header_size + value_size)));
    core::store_be16(out_.data() + at + 2, vendor);
    core::store_be16(out_.data() + at + 4, type);
  }
  void put_u16_avp(std::uint16_t flags, std::uint16_t value) noexcept {
    if (room() < avp_header_size + 2) {
      stick(errc::buffer_too_small, pos_);
      return;
    }
    put_header(pos_, flags, 0, static_cast<std::uint16_t>(avp_type::message_type), 2);
    core::store_be16(out_.data() + pos_ + avp_header_size, value);
    pos_ += avp_header_size + 2;
  }
  bool begin_header(const control_fields &f) noexcept {
    if (err_.code != errc::ok) return false;
    if (begun_) {
      stick(errc::writer_state, pos_);
      return false;
    }
    header_fields h;
    h.control = true;
    h.tunnel_id = f.tunnel_id;
    h.session_id = f.session_id;
    h.ns = f.ns;
    h.nr = f.nr;
    auto n = build_header(out_, h, 0);
    if (!n) {
      err_ = n.error();
      return false;
    }
    pos_ = *n;
    begun_ = true;
    return true;
  }

  mutable_bytes out_;
  std::size_t pos_ = 0;
  bytes_view rv_{};
  error_info<errc> err_{};
  bool begun_ = false;
  bool finished_ = false;
};

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
