// AVP framing (RFC 2661 §4.1): a zero-copy view of one AVP and a walker
// over a control message body (a core::walker, the shape of every walker).
//
//   |M|H| rsvd  |      Length       |           Vendor ID           |
//   |         Attribute Type        |        Attribute Value...
//
// The walker never loops and never over-reads: each step either consumes
// exactly Length bytes (>= 6) or stops with an error naming the offset of
// the offending AVP. Reserved bits are reported (has_reserved_bits()); the
// validator treats such an AVP as unrecognized (§4.1). A Vendor ID other than
// 0 puts the type in the vendor's space: is_ietf() is false and the AVP is
// never dispatched as an IETF one.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/walker.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

namespace avp_flag {
inline constexpr std::uint16_t mandatory = 0x8000; ///< M
inline constexpr std::uint16_t hidden = 0x4000;    ///< H
inline constexpr std::uint16_t reserved = 0x3C00;  ///< must be zero (§4.1)
inline constexpr std::uint16_t length_mask = 0x03FF;
} // namespace avp_flag

/// AVP header size and the limits of its 10-bit Length.
inline constexpr std::size_t avp_header_size = 6;
inline constexpr std::size_t avp_max_length = 1023;
inline constexpr std::size_t avp_max_value = avp_max_length - avp_header_size;

/// One AVP inside a control body. Valid only while the body's bytes live.
class avp_view {
public:
  constexpr avp_view() noexcept = default;
  /// A view of `bytes` (a whole AVP, already bounds-checked) found at `offset` of its body.
  constexpr avp_view(bytes_view bytes, std::size_t offset) noexcept : bytes_(bytes), offset_(offset) {}

  /// The first 16 bits as received (flags and Length).
  [[nodiscard]] std::uint16_t flags_word() const noexcept { return core::load_be16(bytes_.data()); }
  /// M: an unrecognized AVP with M=1 clears the session or tunnel.
  [[nodiscard]] bool mandatory() const noexcept { return (flags_word() & avp_flag::mandatory) != 0; }
  /// H: the value is hidden (RFC 2661 §4.3).
  [[nodiscard]] bool hidden() const noexcept { return (flags_word() & avp_flag::hidden) != 0; }
  /// Any of the 4 reserved bits set: the AVP must be treated as unrecognized.
  [[nodiscard]] bool has_reserved_bits() const noexcept { return (flags_word() & avp_flag::reserved) != 0; }
  /// The Length field (header + value), 6..1023.
  [[nodiscard]] constexpr std::size_t length() const noexcept { return bytes_.size(); }
  /// Vendor ID (0 = IETF).
  [[nodiscard]] std::uint16_t vendor_id() const noexcept { return core::load_be16(bytes_.data() + 2); }
  /// Attribute Type, in the vendor's space when vendor_id() != 0.
  [[nodiscard]] std::uint16_t type() const noexcept { return core::load_be16(bytes_.data() + 4); }
  /// Vendor ID 0: the type is one of the IETF types of RFC 2661 and successors.
  [[nodiscard]] bool is_ietf() const noexcept { return vendor_id() == 0; }
  /// The value (for hidden AVPs: the ciphertext).
  [[nodiscard]] constexpr bytes_view value() const noexcept { return bytes_.subspan(avp_header_size); }
  /// The whole AVP, header included.
  [[nodiscard]] constexpr bytes_view bytes() const noexcept { return bytes_; }
  /// Offset of the AVP from the start of the body it was read from.
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return offset_; }
  /// Offset of the value from the start of the body.
  [[nodiscard]] constexpr std::size_t value_offset() const noexcept { return offset_ + avp_header_size; }

private:
  bytes_view bytes_{};
  std::size_t offset_ = 0;
};

/// The AVP layout for core::walker (see core/walker.hpp): each step reads
/// one AVP as read_avp() does; offsets (of the view and of errors) are
/// base + position in the body.
struct avp_format {
  using item_type = avp_view;
  using errc_type = errc;
  /// next() called after the last AVP: no header where one would start.
  static constexpr errc exhausted = errc::avp_header_truncated;

  /// Errors (offset = base + start of the AVP): avp_header_truncated,
  /// avp_length_below_header, avp_length_beyond_message.
  [[nodiscard]] static result<core::walk_step<avp_view>, errc> read(bytes_view body, std::size_t pos,
                                                                    std::size_t base) noexcept {
    const std::size_t left = body.size() - pos;
    if (left < avp_header_size) return fail(errc::avp_header_truncated, base + pos);
    const std::size_t len = core::load_be16(body.data() + pos) & avp_flag::length_mask;
    if (len < avp_header_size) return fail(errc::avp_length_below_header, base + pos);
    if (len > left) return fail(errc::avp_length_beyond_message, base + pos);
    return core::walk_step<avp_view>{avp_view(body.subspan(pos, len), base + pos), len, false};
  }
};

/// Reads the AVP at `offset` of `body`.
/// Errors (offset = start of the AVP): avp_header_truncated when fewer than
/// 6 bytes remain; avp_length_below_header when Length < 6;
/// avp_length_beyond_message when Length exceeds the remaining bytes.
[[nodiscard]] inline result<avp_view, errc> read_avp(bytes_view body, std::size_t offset) noexcept {
  if (offset > body.size()) return fail(errc::avp_header_truncated, offset);
  auto s = avp_format::read(body, offset, 0);
  if (!s) return s.error();
  return s->item;
}
/// An avp_view points into its body: reading from a temporary container
/// would leave it dangling, so it does not compile.
template <class Owner>
requires core::temporary_owner<Owner> result<avp_view, errc> read_avp(Owner &&, std::size_t)
= delete;

/// Walks the AVPs of a control body (a core::walker: next() returns
/// result<avp_view, errc>, done(), ok(), error() keeps the first error):
///
///   for (const l2tp::avp_view &a : l2tp::avp_reader(body)) use(a);
///
/// or, to stop at the error:
///
///   l2tp::avp_reader r(body);
///   while (!r.done()) {
///     auto a = r.next();
///     if (!a) return a.error();            // code and offset
///     use(*a);
///   }
///
/// The walk never rereads or skips bytes it has not validated; errors as
/// avp_format::read.
using avp_reader = core::walker<avp_format>;

/// Writes one AVP (header and value) at the start of `out`; returns its
/// size (6 + value.size()). `flags` may carry M and H; the length bits are
/// computed and the reserved bits written as zero.
/// Errors: value_too_long (value > 1017 bytes; offset 0), buffer_too_small
/// (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_avp(mutable_bytes out, std::uint16_t flags, std::uint16_t vendor,
                                                         std::uint16_t type, bytes_view value) noexcept {
  if (value.size() > avp_max_value) return fail(errc::value_too_long, 0);
  const std::size_t n = avp_header_size + value.size();
  if (out.size() < n) return fail(errc::buffer_too_small, out.size());
  const auto word = static_cast<std::uint16_t>((flags & (avp_flag::mandatory | avp_flag::hidden)) | n);
  core::store_be16(out.data(), word);
  core::store_be16(out.data() + 2, vendor);
  core::store_be16(out.data() + 4, type);
  if (!value.empty()) std::memcpy(out.data() + avp_header_size, value.data(), value.size());
  return n;
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
