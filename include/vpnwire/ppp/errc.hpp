// Error codes of the PPP area: sync frames, the async HDLC codec, LCP/IPCP/CCP
// option views and PPPoE.
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace ppp {

enum class errc : std::uint8_t {
  ok = 0,                     ///< Not an error; never stored in a failed result.
  truncated,                  ///< The input ends before a fixed-size field it must hold.
  buffer_too_small,           ///< A builder's output span cannot hold what it must write.
  bad_control,                ///< Address 0xFF present but the control field is not 0x03.
  protocol_even,              ///< Protocol number is even (RFC 1661 §2: must be odd).
  protocol_high_octet_odd,    ///< Protocol's high octet has its low bit set (must be 0).
  protocol_not_allowed,       ///< A builder was asked for a value the protocol field cannot carry.
  need_more_input,            ///< HDLC decoder: all input consumed, no frame ended yet.
  frame_too_short,            ///< HDLC frame between flags shorter than 4 octets (FCS-16) / 6 (FCS-32).
  frame_too_long,             ///< HDLC frame longer than MRU plus FCS; discarded up to the next flag.
  frame_aborted,              ///< HDLC frame ended by Control Escape then Flag (7D 7E).
  bad_fcs,                    ///< HDLC frame check sequence does not give the good residue.
  packet_length_below_header, ///< Control packet Length field under 4.
  packet_length_past_end,     ///< Control packet Length field larger than the bytes present.
  option_length_below_two,    ///< Option Length field is 0 or 1 (must count type and length).
  option_past_end,            ///< Option (header or Length) runs past the end of the packet.
  option_wrong_length,        ///< A typed option accessor found a Length its type does not allow.
  option_not_found,           ///< A typed option lookup found no option of that type.
  not_configure_packet,       ///< Option iteration asked of a code that carries no options.
  pppoe_bad_version,          ///< PPPoE VER field is not 1.
  pppoe_bad_type,             ///< PPPoE TYPE field is not 1.
  pppoe_length_past_end,      ///< PPPoE LENGTH field larger than the bytes present.
  pppoe_bad_code,             ///< PPPoE CODE is not one of the discovery codes (or not 0 on a session frame).
  tag_past_end,               ///< A PPPoE tag (header or TAG_LENGTH) runs past the PPPoE payload.
};

/// The enumerator's name, e.g. "bad_fcs".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::truncated: return "truncated";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::bad_control: return "bad_control";
  case errc::protocol_even: return "protocol_even";
  case errc::protocol_high_octet_odd: return "protocol_high_octet_odd";
  case errc::protocol_not_allowed: return "protocol_not_allowed";
  case errc::need_more_input: return "need_more_input";
  case errc::frame_too_short: return "frame_too_short";
  case errc::frame_too_long: return "frame_too_long";
  case errc::frame_aborted: return "frame_aborted";
  case errc::bad_fcs: return "bad_fcs";
  case errc::packet_length_below_header: return "packet_length_below_header";
  case errc::packet_length_past_end: return "packet_length_past_end";
  case errc::option_length_below_two: return "option_length_below_two";
  case errc::option_past_end: return "option_past_end";
  case errc::option_wrong_length: return "option_wrong_length";
  case errc::option_not_found: return "option_not_found";
  case errc::not_configure_packet: return "not_configure_packet";
  case errc::pppoe_bad_version: return "pppoe_bad_version";
  case errc::pppoe_bad_type: return "pppoe_bad_type";
  case errc::pppoe_length_past_end: return "pppoe_length_past_end";
  case errc::pppoe_bad_code: return "pppoe_bad_code";
  case errc::tag_past_end: return "tag_past_end";
  }
  return "unknown";
}

} // namespace ppp
} // namespace v1
} // namespace vpnwire
