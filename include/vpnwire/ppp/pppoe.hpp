// PPP over Ethernet (RFC 2516) with PPP-Max-Payload (RFC 4638): the 6-octet
// PPPoE header of discovery (EtherType 0x8863) and session (0x8864) packets,
// discovery tags, and builders for both. The input is the Ethernet payload
// (after the EtherType); octets after LENGTH are Ethernet padding.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/walker.hpp"
#include "vpnwire/ppp/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

inline constexpr std::uint16_t ethertype_pppoe_discovery = 0x8863;
inline constexpr std::uint16_t ethertype_pppoe_session = 0x8864;
inline constexpr std::size_t pppoe_header_size = 6;
/// RFC 2516 §5.1: a PADI is at most 1484 octets, leaving room for a relay's Relay-Session-Id.
inline constexpr std::size_t pppoe_padi_max = 1484;
/// RFC 2516 §4: session id 0xFFFF is reserved.
inline constexpr std::uint16_t pppoe_reserved_session_id = 0xFFFF;

// clang-format off
/// PPPoE CODE values (RFC 2516 §5): X(enumerator, value, name).
#define VPNWIRE_PPPOE_CODES(X)                                                                                         \
  X(session, 0x00, "Session Data")                                                                                     \
  X(padi,    0x09, "PADI")                                                                                             \
  X(pado,    0x07, "PADO")                                                                                             \
  X(padr,    0x19, "PADR")                                                                                             \
  X(pads,    0x65, "PADS")                                                                                             \
  X(padt,    0xA7, "PADT")

/// Discovery tags (RFC 2516 Appendix A, RFC 4638 §4): X(enumerator, TAG_TYPE,
/// .name, .min_length, .max_length, .error, .wireshark). Lengths are
/// TAG_LENGTH (value octets); .error marks the three error tags; .wireshark
/// is the Wireshark 4.0 display-filter field of the value.
#define VPNWIRE_PPPOE_TAGS(X)                                                                                          \
  X(end_of_list,        0x0000, .name = "End-Of-List", .max_length = 0)                                                \
  X(service_name,       0x0101, .name = "Service-Name", .wireshark = "pppoed.tags.service_name")                       \
  X(ac_name,            0x0102, .name = "AC-Name", .wireshark = "pppoed.tags.ac_name")                                 \
  X(host_uniq,          0x0103, .name = "Host-Uniq", .wireshark = "pppoed.tags.host_uniq")                             \
  X(ac_cookie,          0x0104, .name = "AC-Cookie", .wireshark = "pppoed.tags.ac_cookie")                             \
  X(vendor_specific,    0x0105, .name = "Vendor-Specific", .min_length = 4, .wireshark = "pppoed.tags.vendor_id")      \
  X(relay_session_id,   0x0110, .name = "Relay-Session-Id", .wireshark = "pppoed.tags.relay_session_id")               \
  X(ppp_max_payload,    0x0120, .name = "PPP-Max-Payload", .min_length = 2, .max_length = 2,                           \
    .wireshark = "pppoed.tags.max_payload")                                                                            \
  X(service_name_error, 0x0201, .name = "Service-Name-Error", .error = true,                                           \
    .wireshark = "pppoed.tags.service_name_error")                                                                     \
  X(ac_system_error,    0x0202, .name = "AC-System-Error", .error = true, .wireshark = "pppoed.tags.ac_system_error")  \
  X(generic_error,      0x0203, .name = "Generic-Error", .error = true, .wireshark = "pppoed.tags.generic_error")
// clang-format on

/// PPPoE CODE values.
namespace pppoe_code {
#define VPNWIRE_PPP_X(id, value, text) inline constexpr std::uint8_t id = value;
VPNWIRE_PPPOE_CODES(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
} // namespace pppoe_code

/// The name of a PPPoE CODE ("PADI", ...; "unknown" for others).
[[nodiscard]] constexpr std::string_view pppoe_code_name(std::uint8_t c) noexcept {
#define VPNWIRE_PPP_X(id, value, text)                                                                                 \
  if (c == (value)) return text;
  VPNWIRE_PPPOE_CODES(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
  return "unknown";
}

/// TAG_TYPE values.
namespace pppoe_tag {
#define VPNWIRE_PPP_X(id, value, ...) inline constexpr std::uint16_t id = value;
VPNWIRE_PPPOE_TAGS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
} // namespace pppoe_tag

/// One discovery tag of the table.
struct pppoe_tag_info {
  std::uint16_t type = 0;
  bool known = false;                ///< false for TAG_TYPEs the table does not list
  std::string_view name{};           ///< the RFC's name, e.g. "Host-Uniq"
  std::uint16_t min_length = 0;      ///< smallest TAG_LENGTH
  std::uint16_t max_length = 0xFFFF; ///< largest TAG_LENGTH
  bool error = false;                ///< one of the three error tags
  std::string_view wireshark{};      ///< Wireshark 4.0 display-filter field, e.g. "pppoed.tags.host_uniq"
};

/// The table entry of TAG_TYPE `t` (known=false when the table does not list it).
[[nodiscard]] constexpr pppoe_tag_info pppoe_tag_catalogue(std::uint16_t t) noexcept {
#define VPNWIRE_PPP_X(id, value, ...)                                                                                  \
  if (t == (value)) return pppoe_tag_info{.type = (value), .known = true, __VA_ARGS__};
  VPNWIRE_PPPOE_TAGS(VPNWIRE_PPP_X)
#undef VPNWIRE_PPP_X
  return pppoe_tag_info{.type = t};
}

/// True for the three error tags (Service-Name-Error, AC-System-Error, Generic-Error).
[[nodiscard]] constexpr bool is_error_tag(std::uint16_t t) noexcept { return pppoe_tag_catalogue(t).error; }
/// True for PADI, PADO, PADR, PADS and PADT.
[[nodiscard]] constexpr bool is_discovery_code(std::uint8_t c) noexcept {
  return c == pppoe_code::padi || c == pppoe_code::pado || c == pppoe_code::padr || c == pppoe_code::pads ||
         c == pppoe_code::padt;
}

/// Which EtherType the packet arrived with.
enum class pppoe_stage : std::uint8_t { discovery, session };

/// The enumerator's name, e.g. "session".
[[nodiscard]] constexpr std::string_view name(pppoe_stage v) noexcept {
  switch (v) {
  case pppoe_stage::discovery: return "discovery";
  case pppoe_stage::session: return "session";
  }
  return "unknown";
}

/// One tag: `value` is the TAG_VALUE octets.
struct pppoe_tag_view {
  std::uint16_t type = 0;
  std::size_t offset = 0; ///< Offset of TAG_TYPE from the start of the PPPoE header.
  bytes_view value{};
};

/// The tag layout for core::walker (core/walker.hpp): TAG_TYPE,
/// TAG_LENGTH, value; End-Of-List ends the walk. Offsets are base +
/// position in the payload (base 6: from the start of the PPPoE header).
struct pppoe_tag_format {
  using item_type = pppoe_tag_view;
  using errc_type = errc;
  /// next() called after the last tag.
  static constexpr errc exhausted = errc::truncated;

  /// Errors: tag_past_end (a tag header or TAG_LENGTH runs past the
  /// payload; offset of the tag).
  [[nodiscard]] static result<core::walk_step<pppoe_tag_view>, errc> read(bytes_view payload, std::size_t pos,
                                                                          std::size_t base) noexcept {
    const std::size_t off = base + pos;
    if (payload.size() - pos < 4) return fail(errc::tag_past_end, off);
    const std::uint16_t type = core::load_be16(payload.data() + pos);
    const std::uint16_t len = core::load_be16(payload.data() + pos + 2);
    if (len > payload.size() - pos - 4) return fail(errc::tag_past_end, off);
    return core::walk_step<pppoe_tag_view>{pppoe_tag_view{type, off, payload.subspan(pos + 4, len)}, 4U + len,
                                           type == pppoe_tag::end_of_list};
  }
};

/// Walks the tags of a discovery packet (a core::walker): End-Of-List is
/// returned, then done() is true. Errors: as pppoe_tag_format::read;
/// truncated when next() is called although done().
using pppoe_tag_reader = core::walker<pppoe_tag_format>;

/// A parsed PPPoE packet.
struct pppoe_view {
  pppoe_stage stage = pppoe_stage::discovery;
  std::uint8_t code = 0;
  std::uint16_t session_id = 0;
  std::uint16_t length = 0; ///< The LENGTH field (payload octets).
  bytes_view payload{};     ///< LENGTH octets after the header: tags, or a PPP frame (session).
  bytes_view padding{};     ///< Octets after LENGTH (Ethernet padding).

  /// The session id is 0xFFFF, which RFC 2516 reserves (accepted, flagged).
  [[nodiscard]] constexpr bool reserved_session_id() const noexcept { return session_id == pppoe_reserved_session_id; }
  /// A PADI longer than 1484 octets (RFC 2516 §5.1 MUST NOT; accepted, flagged).
  [[nodiscard]] constexpr bool oversized_padi() const noexcept {
    return stage == pppoe_stage::discovery && code == pppoe_code::padi && pppoe_header_size + length > pppoe_padi_max;
  }
  /// Tags of a discovery packet (for a session packet the reader walks PPP bytes; do not).
  [[nodiscard]] constexpr pppoe_tag_reader tags() const noexcept {
    return pppoe_tag_reader(payload, pppoe_header_size);
  }
  /// The first tag of `type`. Errors: as pppoe_tag_format::read for tags
  /// before it; option_not_found (offset = end of payload).
  [[nodiscard]] result<pppoe_tag_view, errc> find_tag(std::uint16_t type) const noexcept {
    auto r = tags();
    while (!r.done()) {
      auto t = r.next();
      if (!t) return t;
      if (t->type == type) return t;
    }
    return fail(errc::option_not_found, pppoe_header_size + payload.size());
  }
  /// RFC 4638 PPP-Max-Payload value. Errors: option_not_found; option_wrong_length
  /// (TAG_LENGTH not 2; offset of the tag); tag errors.
  [[nodiscard]] result<std::uint16_t, errc> ppp_max_payload() const noexcept {
    auto t = find_tag(pppoe_tag::ppp_max_payload);
    if (!t) return t.error();
    if (t->value.size() != 2) return fail(errc::option_wrong_length, t->offset + 2);
    return core::load_be16(t->value.data());
  }
  /// Checks every tag; returns how many (End-Of-List included).
  [[nodiscard]] result<std::size_t, errc> validate_tags() const noexcept {
    auto r = tags();
    std::size_t n = 0;
    while (!r.done()) {
      auto t = r.next();
      if (!t) return t.error();
      ++n;
    }
    return n;
  }
};

/// Parses the PPPoE header of a packet that came with the given EtherType.
/// Errors: truncated (under 6 octets; offset = size), pppoe_bad_version (VER
/// not 1; offset 0), pppoe_bad_type (TYPE not 1; offset 0), pppoe_bad_code
/// (a discovery packet with a code other than PADI/PADO/PADR/PADS/PADT, or a
/// session packet with code not 0; offset 1), pppoe_length_past_end (LENGTH
/// beyond the input; offset 4).
[[nodiscard]] inline result<pppoe_view, errc> parse_pppoe(bytes_view in, pppoe_stage stage) noexcept {
  if (in.size() < pppoe_header_size) return fail(errc::truncated, in.size());
  const std::uint8_t vt = core::load_u8(in.data());
  if ((vt >> 4) != 1) return fail(errc::pppoe_bad_version, 0);
  if ((vt & 0x0FU) != 1) return fail(errc::pppoe_bad_type, 0);
  pppoe_view v;
  v.stage = stage;
  v.code = core::load_u8(in.data() + 1);
  if (stage == pppoe_stage::discovery ? !is_discovery_code(v.code) : v.code != pppoe_code::session)
    return fail(errc::pppoe_bad_code, 1);
  v.session_id = core::load_be16(in.data() + 2);
  v.length = core::load_be16(in.data() + 4);
  if (v.length > in.size() - pppoe_header_size) return fail(errc::pppoe_length_past_end, 4);
  v.payload = in.subspan(pppoe_header_size, v.length);
  v.padding = in.subspan(pppoe_header_size + v.length);
  return v;
}

/// A pppoe_view points into its input: parsing a temporary container would
/// leave it dangling, so it does not compile.
template <class Owner>
requires core::temporary_owner<Owner> result<pppoe_view, errc> parse_pppoe(Owner &&, pppoe_stage)
= delete;

/// Builds a PPPoE packet in a caller buffer: the header, then tags or a
/// payload, then finish() writes LENGTH.
class pppoe_builder {
public:
  /// Errors of every call: buffer_too_small, sticky (finish() reports it).
  pppoe_builder(mutable_bytes out, std::uint8_t code, std::uint16_t session_id) noexcept : w_(out) {
    ok_ = w_.u8(0x11) && w_.u8(code) && w_.u16(session_id) && w_.u16(0);
  }
  /// Appends a tag (value at most 65535 octets).
  pppoe_builder &tag(std::uint16_t type, bytes_view value) noexcept {
    if (value.size() > 0xFFFF) ok_ = false;
    ok_ = ok_ && w_.u16(type) && w_.u16(static_cast<std::uint16_t>(value.size())) && w_.bytes(value);
    return *this;
  }
  /// Appends the RFC 4638 PPP-Max-Payload tag.
  pppoe_builder &ppp_max_payload(std::uint16_t v) noexcept {
    ok_ = ok_ && w_.u16(pppoe_tag::ppp_max_payload) && w_.u16(2) && w_.u16(v);
    return *this;
  }
  /// Appends raw payload (a PPP frame for a session packet).
  pppoe_builder &data(bytes_view d) noexcept {
    ok_ = ok_ && w_.bytes(d);
    return *this;
  }
  /// The writer, to build a payload in place (e.g. a PPP frame header).
  [[nodiscard]] core::byte_writer &writer() noexcept { return w_; }
  /// Writes LENGTH; returns the packet size. Errors: buffer_too_small
  /// (offset = octets written), also when the payload exceeds 65535 octets.
  [[nodiscard]] result<std::size_t, errc> finish() noexcept {
    if (!ok_ || w_.size() - pppoe_header_size > 0xFFFF) return fail(errc::buffer_too_small, w_.size());
    core::store_be16(w_.buffer().data() + 4, static_cast<std::uint16_t>(w_.size() - pppoe_header_size));
    return w_.size();
  }

private:
  core::byte_writer w_;
  bool ok_ = false;
};

} // namespace ppp
} // namespace v1
} // namespace vpnwire
