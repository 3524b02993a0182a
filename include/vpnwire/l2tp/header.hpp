// The L2TPv2 header (RFC 2661 §3.1): a zero-copy view and a builder
// (build_header, the builder convention: output span first).
//
//   0                   1                   2                   3
//   |T|L|x|x|S|x|O|P|x|x|x|x|  Ver  |          Length (opt)         |
//   |           Tunnel ID           |           Session ID          |
//   |             Ns (opt)          |             Nr (opt)          |
//   |      Offset Size (opt)        |    Offset pad... (opt)
//
// parse_header() checks everything once; the accessors then read fields
// without further checks. Reserved bits are ignored on receive and written
// as zero. Version 1 (L2F) and other versions are distinct errors so that a
// receiver can discard them silently (§3.1: "packets received with an
// unknown Ver field MUST be discarded").
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/l2tp/errc.hpp"

#include <cstddef>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {

/// Masks of the first 16-bit word.
namespace flag {
inline constexpr std::uint16_t type = 0x8000;     ///< T: 1 = control message.
inline constexpr std::uint16_t length = 0x4000;   ///< L: Length field present.
inline constexpr std::uint16_t sequence = 0x0800; ///< S: Ns and Nr present.
inline constexpr std::uint16_t offset = 0x0200;   ///< O: Offset Size present.
inline constexpr std::uint16_t priority = 0x0100; ///< P: data message priority.
inline constexpr std::uint16_t version_mask = 0x000F;
inline constexpr std::uint16_t defined = type | length | sequence | offset | priority | version_mask;
} // namespace flag

/// The only version this layer parses; 1 is L2F.
inline constexpr std::uint16_t version2 = 2;
/// The UDP port of L2TP (RFC 2661 §8.1).
inline constexpr std::uint16_t udp_port = 1701;
/// Size of a control message header (T, L, S set; no offset).
inline constexpr std::size_t control_header_size = 12;

namespace detail {
// Where the datagram of n (>= 6) bytes ends inside the header announced by
// flags f: the start of the first field that is missing or cut (cold path).
[[nodiscard]] constexpr std::size_t truncation_offset(std::uint16_t f, std::size_t n) noexcept {
  std::size_t pos = (f & flag::length) ? 4 : 2;
  if (n < pos + 4) return n < pos + 2 ? pos : pos + 2; // Tunnel ID, Session ID
  pos += 4;
  if (f & flag::sequence) {
    if (n < pos + 4) return n < pos + 2 ? pos : pos + 2; // Ns, Nr
    pos += 4;
  }
  return pos; // Offset Size
}
} // namespace detail

/// A parsed, validated L2TPv2 header over the caller's datagram.
class header_view {
public:
  constexpr header_view() noexcept = default;

  /// The first 16 bits as received (reserved bits included).
  [[nodiscard]] constexpr std::uint16_t flags_word() const noexcept { return flags_; }
  /// T=1: a control message (AVPs follow).
  [[nodiscard]] constexpr bool is_control() const noexcept { return (flags_ & flag::type) != 0; }
  /// T=0: a data message (a PPP frame follows).
  [[nodiscard]] constexpr bool is_data() const noexcept { return !is_control(); }
  /// L=1: the Length field is present.
  [[nodiscard]] constexpr bool has_length() const noexcept { return (flags_ & flag::length) != 0; }
  /// S=1: Ns and Nr are present.
  [[nodiscard]] constexpr bool has_sequence() const noexcept { return (flags_ & flag::sequence) != 0; }
  /// O=1: the Offset Size field is present.
  [[nodiscard]] constexpr bool has_offset() const noexcept { return (flags_ & flag::offset) != 0; }
  /// P=1: the data message asks for priority queueing.
  [[nodiscard]] constexpr bool priority() const noexcept { return (flags_ & flag::priority) != 0; }
  /// Ver (always 2 in a parsed view).
  [[nodiscard]] constexpr std::uint16_t version() const noexcept { return flags_ & flag::version_mask; }

  /// The Length field, or the datagram size when L=0.
  [[nodiscard]] constexpr std::size_t length() const noexcept { return message_.size(); }
  /// Tunnel ID (the receiver's identifier).
  [[nodiscard]] constexpr std::uint16_t tunnel_id() const noexcept { return tunnel_; }
  /// Session ID (the receiver's identifier; 0 for tunnel messages).
  [[nodiscard]] constexpr std::uint16_t session_id() const noexcept { return session_; }
  /// Ns and Nr; 0 when S=0.
  [[nodiscard]] constexpr std::uint16_t ns() const noexcept { return ns_; }
  [[nodiscard]] constexpr std::uint16_t nr() const noexcept { return nr_; }
  /// Offset Size; 0 when O=0.
  [[nodiscard]] constexpr std::uint16_t offset_size() const noexcept { return offset_size_; }
  /// Bytes of header proper (up to and including Offset Size, not the pad).
  [[nodiscard]] constexpr std::size_t header_size() const noexcept { return header_size_; }
  /// The offset pad (undefined contents; §3.1).
  [[nodiscard]] constexpr bytes_view offset_pad() const noexcept {
    return message_.subspan(header_size_, offset_size_);
  }
  /// The payload (PPP frame for data, AVPs for control): a sub-span of the input.
  [[nodiscard]] constexpr bytes_view payload() const noexcept { return message_.subspan(header_size_ + offset_size_); }
  /// Offset of the payload from the start of the datagram.
  [[nodiscard]] constexpr std::size_t payload_offset() const noexcept { return header_size_ + offset_size_; }
  /// The whole message (header and payload), trimmed to Length.
  [[nodiscard]] constexpr bytes_view message() const noexcept { return message_; }
  /// Datagram bytes beyond Length (ignored; non-zero means Length trimmed the datagram).
  [[nodiscard]] constexpr std::size_t trailing_bytes() const noexcept { return trailing_; }
  /// A control message without AVPs: the Zero-Length Body acknowledgement (§5.8).
  [[nodiscard]] constexpr bool is_zlb() const noexcept { return is_control() && payload().empty(); }

  friend result<header_view, errc> parse_header(bytes_view datagram) noexcept;

private:
  bytes_view message_{};
  std::size_t trailing_ = 0;
  std::uint16_t flags_ = 0;
  std::uint16_t tunnel_ = 0;
  std::uint16_t session_ = 0;
  std::uint16_t ns_ = 0;
  std::uint16_t nr_ = 0;
  std::uint16_t offset_size_ = 0;
  std::uint8_t header_size_ = 0;
};

/// Parses and validates the header of one L2TP datagram (the UDP payload).
///
/// Errors (offset = byte where the problem was found):
///  - header_truncated: fewer than 6 bytes, or the datagram ends inside a
///    field announced by L, S or O (offset = start of the missing field);
///  - version_l2f (Ver=1), unsupported_version (Ver other than 2), offset 1;
///  - control_without_length, control_without_sequence, control_with_offset
///    (offset 0) for a control message breaking §3.1's MUSTs;
///  - length_below_header / length_beyond_datagram (offset 2);
///  - offset_beyond_end: Offset Size past the end of the message (offset of the field).
/// A Length shorter than the datagram trims the message; trailing_bytes() says by how much.
[[nodiscard]] inline result<header_view, errc> parse_header(bytes_view datagram) noexcept {
  const std::size_t n = datagram.size();
  if (VPNWIRE_UNLIKELY(n < 6)) return fail(errc::header_truncated, n);
  const std::byte *p = datagram.data();
  header_view h;
  const std::uint16_t f = core::load_be16(p);
  h.flags_ = f;
  const std::uint16_t ver = f & flag::version_mask;
  if (VPNWIRE_UNLIKELY(ver != version2)) return fail(ver == 1 ? errc::version_l2f : errc::unsupported_version, 1);
  if (f & flag::type) {
    if (!(f & flag::length)) return fail(errc::control_without_length, 0);
    if (!(f & flag::sequence)) return fail(errc::control_without_sequence, 0);
    if (f & flag::offset) return fail(errc::control_with_offset, 0);
  }
  std::size_t pos = 2;
  std::size_t len = n;
  if (f & flag::length) {
    len = core::load_be16(p + 2);
    pos = 4;
  }
  if (VPNWIRE_UNLIKELY(n < pos + 4)) return fail(errc::header_truncated, detail::truncation_offset(f, n));
  h.tunnel_ = core::load_be16(p + pos);
  h.session_ = core::load_be16(p + pos + 2);
  pos += 4;
  if (f & flag::sequence) {
    if (n < pos + 4) return fail(errc::header_truncated, detail::truncation_offset(f, n));
    h.ns_ = core::load_be16(p + pos);
    h.nr_ = core::load_be16(p + pos + 2);
    pos += 4;
  }
  std::size_t offset_field = 0;
  if (f & flag::offset) {
    if (n < pos + 2) return fail(errc::header_truncated, pos);
    offset_field = pos;
    h.offset_size_ = core::load_be16(p + pos);
    pos += 2;
  }
  if (f & flag::length) {
    if (len < pos) return fail(errc::length_below_header, 2);
    if (len > n) return fail(errc::length_beyond_datagram, 2);
  }
  if (VPNWIRE_UNLIKELY(h.offset_size_ > len - pos)) return fail(errc::offset_beyond_end, offset_field);
  h.header_size_ = static_cast<std::uint8_t>(pos);
  h.message_ = datagram.first(len);
  h.trailing_ = n - len;
  return h;
}

/// A header_view points into its datagram: parsing a temporary container
/// (`parse_header(make_vector())`) would leave it dangling, so it does not compile.
template <class Owner>
requires core::temporary_owner<Owner> result<header_view, errc> parse_header(Owner &&)
= delete;

/// What build_header() puts on the wire. Reserved bits are always zero.
struct header_fields {
  bool control = false;       ///< T. A control header always has L and S set and O clear.
  bool with_length = false;   ///< L (forced for control).
  bool with_sequence = false; ///< S (forced for control).
  bool with_offset = false;   ///< O (ignored for control).
  bool priority = false;      ///< P (ignored for control: §3.1 says it MUST be 0 there).
  std::uint16_t tunnel_id = 0;
  std::uint16_t session_id = 0;
  std::uint16_t ns = 0;
  std::uint16_t nr = 0;
  std::uint16_t offset_size = 0; ///< Pad bytes written (zeros) after the Offset Size field.
};

/// Bytes build_header() will write for these fields (header and offset pad).
[[nodiscard]] constexpr std::size_t header_size(const header_fields &f) noexcept {
  if (f.control) return control_header_size;
  std::size_t s = 6;
  if (f.with_length) s += 2;
  if (f.with_sequence) s += 4;
  if (f.with_offset) s += 2 + std::size_t{f.offset_size};
  return s;
}

/// Writes a header (and a zeroed offset pad) for a payload of payload_size
/// bytes that the caller places right after it; Length, when present, covers
/// both. Returns the bytes written (header_size(f)).
/// Errors: value_too_long when the message would exceed 65535 bytes (offset 0);
/// buffer_too_small when out cannot hold the header (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_header(mutable_bytes out, const header_fields &f,
                                                            std::size_t payload_size) noexcept {
  const std::size_t hs = header_size(f);
  const bool has_len = f.control || f.with_length;
  if (has_len && hs + payload_size > 0xFFFF) return fail(errc::value_too_long, 0);
  if (out.size() < hs) return fail(errc::buffer_too_small, out.size());
  std::uint16_t w = version2;
  if (f.control) {
    w |= flag::type | flag::length | flag::sequence;
  } else {
    if (f.with_length) w |= flag::length;
    if (f.with_sequence) w |= flag::sequence;
    if (f.with_offset) w |= flag::offset;
    if (f.priority) w |= flag::priority;
  }
  std::byte *p = out.data();
  core::store_be16(p, w);
  std::size_t pos = 2;
  if (has_len) {
    core::store_be16(p + 2, static_cast<std::uint16_t>(hs + payload_size));
    pos = 4;
  }
  core::store_be16(p + pos, f.tunnel_id);
  core::store_be16(p + pos + 2, f.session_id);
  pos += 4;
  if (f.control || f.with_sequence) {
    core::store_be16(p + pos, f.ns);
    core::store_be16(p + pos + 2, f.nr);
    pos += 4;
  }
  if (!f.control && f.with_offset) {
    core::store_be16(p + pos, f.offset_size);
    pos += 2;
    for (std::size_t i = 0; i < f.offset_size; ++i) p[pos + i] = std::byte{0};
    pos += f.offset_size;
  }
  return pos;
}

/// Rewrites the Length field of a message built in place (L must be set).
/// Errors: header_truncated when message is shorter than 4 bytes; value_too_long above 65535.
[[nodiscard]] inline result<void, errc> patch_length(mutable_bytes message) noexcept {
  if (message.size() < 4) return fail(errc::header_truncated, message.size());
  if (message.size() > 0xFFFF) return fail(errc::value_too_long, 2);
  core::store_be16(message.data() + 2, static_cast<std::uint16_t>(message.size()));
  return {};
}

} // namespace l2tp
} // namespace v1
} // namespace vpnwire
