// Error codes of the PPP area: sync frames, the async HDLC codec, LCP/IPCP/CCP
// option views and PPPoE.
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

// clang-format off
/// The error codes: X(enumerator, "what it means"), in value order (ok = 0 first).
#define VPNWIRE_PPP_ERRCS(X)                                                                                           \
  X(ok, "Not an error; never stored in a failed result.")                                                              \
  X(truncated, "The input ends before a fixed-size field it must hold.")                                               \
  X(buffer_too_small, "A builder's output span cannot hold what it must write.")                                       \
  X(bad_control, "Address 0xFF present but the control field is not 0x03.")                                            \
  X(protocol_even, "Protocol number is even (RFC 1661 §2: must be odd).")                                              \
  X(protocol_high_octet_odd, "Protocol's high octet has its low bit set (must be 0).")                                 \
  X(protocol_not_allowed, "A builder was asked for a value the protocol field cannot carry.")                          \
  X(need_more_input, "HDLC decoder: all input consumed, no frame ended yet.")                                          \
  X(frame_too_short, "HDLC frame between flags shorter than 4 octets (FCS-16) / 6 (FCS-32).")                          \
  X(frame_too_long, "HDLC frame longer than MRU plus FCS; discarded up to the next flag.")                             \
  X(frame_aborted, "HDLC frame ended by Control Escape then Flag (7D 7E).")                                            \
  X(bad_fcs, "HDLC frame check sequence does not give the good residue.")                                              \
  X(packet_length_below_header, "Control packet Length field under 4.")                                                \
  X(packet_length_past_end, "Control packet Length field larger than the bytes present.")                              \
  X(option_length_below_two, "Option Length field is 0 or 1 (must count type and length).")                            \
  X(option_past_end, "Option (header or Length) runs past the end of the packet.")                                     \
  X(option_wrong_length, "A typed option accessor found a Length its type does not allow.")                            \
  X(option_not_found, "A typed option lookup found no option of that type.")                                           \
  X(not_configure_packet, "Option iteration asked of a code that carries no options.")                                 \
  X(pppoe_bad_version, "PPPoE VER field is not 1.")                                                                    \
  X(pppoe_bad_type, "PPPoE TYPE field is not 1.")                                                                      \
  X(pppoe_length_past_end, "PPPoE LENGTH field larger than the bytes present.")                                        \
  X(pppoe_bad_code, "PPPoE CODE is not one of the discovery codes (or not 0 on a session frame).")                     \
  X(tag_past_end, "A PPPoE tag (header or TAG_LENGTH) runs past the PPPoE payload.")
// clang-format on

enum class errc : std::uint8_t {
#define VPNWIRE_PPP_ERRC_X(id, text) id,
  VPNWIRE_PPP_ERRCS(VPNWIRE_PPP_ERRC_X)
#undef VPNWIRE_PPP_ERRC_X
};

/// The enumerator's name, e.g. "bad_fcs".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
#define VPNWIRE_PPP_ERRC_X(id, text)                                                                                   \
  case errc::id: return #id;
    VPNWIRE_PPP_ERRCS(VPNWIRE_PPP_ERRC_X)
#undef VPNWIRE_PPP_ERRC_X
  }
  return "unknown";
}

/// What the code means, in one sentence (the table's text).
[[nodiscard]] constexpr std::string_view description(errc e) noexcept {
  switch (e) {
#define VPNWIRE_PPP_ERRC_X(id, text)                                                                                   \
  case errc::id: return text;
    VPNWIRE_PPP_ERRCS(VPNWIRE_PPP_ERRC_X)
#undef VPNWIRE_PPP_ERRC_X
  }
  return "unknown error code";
}

} // namespace ppp
} // namespace v1
} // namespace vpnwire
