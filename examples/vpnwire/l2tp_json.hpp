// L2TP AVP values as JSON, under Wireshark's display-filter field names
// (l2tp.avp.message_type, l2tp.avp.host_name, ...). Values are decoded by
// the library's catalogue (vpnwire/l2tp/catalogue.hpp); this file only maps
// each typed value to the field names Wireshark 4.0 uses for it.
#pragma once

#include "json.hpp"

#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/catalogue.hpp"

#include <cstdint>
#include <string_view>

namespace vpnwire_cli {

namespace l2tp = vpnwire::l2tp;

[[nodiscard]] inline std::string_view as_text(vpnwire::bytes_view b) noexcept {
  return {static_cast<const char *>(static_cast<const void *>(b.data())), b.size()};
}

/// Short name of a control message type, as tcpdump prints it (SCCRQ, ...).
[[nodiscard]] inline std::string_view message_short_name(std::uint16_t t) noexcept {
  switch (t) {
  case 1: return "SCCRQ";
  case 2: return "SCCRP";
  case 3: return "SCCCN";
  case 4: return "StopCCN";
  case 6: return "HELLO";
  case 7: return "OCRQ";
  case 8: return "OCRP";
  case 9: return "OCCN";
  case 10: return "ICRQ";
  case 11: return "ICRP";
  case 12: return "ICCN";
  case 14: return "CDN";
  case 15: return "WEN";
  case 16: return "SLI";
  default: return "unknown";
  }
}

/// write_avp_value's worker: the catalogue's error, or ok.
[[nodiscard]] inline vpnwire::error_info<l2tp::errc> write_avp_fields(json_writer &j, std::uint16_t type,
                                                                      vpnwire::bytes_view v) {
  using A = l2tp::avp_type;
  auto u16 = [&](std::string_view k, auto r) -> vpnwire::error_info<l2tp::errc> {
    if (!r) return r.error();
    j.field(k, *r);
    return {};
  };
  auto u32 = u16;
  auto bytes = [&](std::string_view k, auto r) -> vpnwire::error_info<l2tp::errc> {
    if (!r) return r.error();
    j.field_hex(k, *r);
    return {};
  };
  auto text = [&](std::string_view k, auto r) -> vpnwire::error_info<l2tp::errc> {
    if (!r) return r.error();
    j.field_str(k, as_text(*r));
    return {};
  };
  auto bits = [&](std::string_view async_k, std::string_view sync_k, auto r) -> vpnwire::error_info<l2tp::errc> {
    if (!r) return r.error();
    // Bit 0 (value 1) is sync/digital, bit 1 (value 2) async/analog (§4.4.3).
    j.field_bool(async_k, (*r & 2U) != 0);
    j.field_bool(sync_k, (*r & 1U) != 0);
    return {};
  };
  switch (static_cast<A>(type)) {
  case A::message_type: return u16("l2tp.avp.message_type", l2tp::decode_value<A::message_type>(v));
  case A::result_code: {
    auto r = l2tp::decode_value<A::result_code>(v);
    if (!r) return r.error();
    j.field("l2tp.result_code", r->result);
    if (r->has_error) {
      j.field("l2tp.avp.error_code", r->error);
      if (!r->message.empty()) j.field_str("l2tp.avp.error_message", as_text(r->message));
    }
    return {};
  }
  case A::protocol_version: {
    auto r = l2tp::decode_value<A::protocol_version>(v);
    if (!r) return r.error();
    j.field("l2tp.avp.protocol_version", r->version);
    j.field("l2tp.avp.protocol_revision", r->revision);
    return {};
  }
  case A::framing_capabilities:
    return bits("l2tp.avp.async_framing_supported", "l2tp.avp.sync_framing_supported",
                l2tp::decode_value<A::framing_capabilities>(v));
  case A::bearer_capabilities:
    return bits("l2tp.avp.analog_access_supported", "l2tp.avp.digital_access_supported",
                l2tp::decode_value<A::bearer_capabilities>(v));
  case A::tie_breaker: {
    auto r = l2tp::decode_value<A::tie_breaker>(v);
    if (!r) return r.error();
    j.field("l2tp.tie_breaker", *r);
    return {};
  }
  case A::firmware_revision: return u16("l2tp.avp.firmware_revision", l2tp::decode_value<A::firmware_revision>(v));
  case A::host_name: return text("l2tp.avp.host_name", l2tp::decode_value<A::host_name>(v));
  case A::vendor_name: return text("l2tp.avp.vendor_name", l2tp::decode_value<A::vendor_name>(v));
  case A::assigned_tunnel_id: return u16("l2tp.avp.assigned_tunnel_id", l2tp::decode_value<A::assigned_tunnel_id>(v));
  case A::receive_window_size:
    return u16("l2tp.avp.receive_window_size", l2tp::decode_value<A::receive_window_size>(v));
  case A::challenge: return bytes("l2tp.avp.chap_challenge", l2tp::decode_value<A::challenge>(v));
  case A::q931_cause_code: {
    auto r = l2tp::decode_value<A::q931_cause_code>(v);
    if (!r) return r.error();
    j.field("l2tp.avp.cause_code", r->cause_code);
    j.field("l2tp.avp.cause_msg", r->cause_msg);
    if (!r->advisory.empty()) j.field_str("l2tp.avp.advisory_msg", as_text(r->advisory));
    return {};
  }
  case A::challenge_response:
    return bytes("l2tp.avp.chap_challenge_response", l2tp::decode_value<A::challenge_response>(v));
  case A::assigned_session_id:
    return u16("l2tp.avp.assigned_session_id", l2tp::decode_value<A::assigned_session_id>(v));
  case A::call_serial_number: return u32("l2tp.avp.call_serial_number", l2tp::decode_value<A::call_serial_number>(v));
  case A::minimum_bps: return u32("l2tp.avp.minimum_bps", l2tp::decode_value<A::minimum_bps>(v));
  case A::maximum_bps: return u32("l2tp.avp.maximum_bps", l2tp::decode_value<A::maximum_bps>(v));
  case A::bearer_type:
    return bits("l2tp.avp.analog_bearer_type", "l2tp.avp.digital_bearer_type", l2tp::decode_value<A::bearer_type>(v));
  case A::framing_type:
    return bits("l2tp.avp.async_framing_type", "l2tp.avp.sync_framing_type", l2tp::decode_value<A::framing_type>(v));
  case A::called_number: return text("l2tp.avp.called_number", l2tp::decode_value<A::called_number>(v));
  case A::calling_number: return text("l2tp.avp.calling_number", l2tp::decode_value<A::calling_number>(v));
  case A::sub_address: return text("l2tp.avp.sub_address", l2tp::decode_value<A::sub_address>(v));
  case A::tx_connect_speed: return u32("l2tp.avp.connect_speed", l2tp::decode_value<A::tx_connect_speed>(v));
  case A::physical_channel_id: return u32("l2tp.avp.physical_channel", l2tp::decode_value<A::physical_channel_id>(v));
  case A::initial_received_lcp_confreq:
    return bytes("l2tp.avp.initial_received_lcp_confreq", l2tp::decode_value<A::initial_received_lcp_confreq>(v));
  case A::last_sent_lcp_confreq:
    return bytes("l2tp.avp.last_sent_lcp_confreq", l2tp::decode_value<A::last_sent_lcp_confreq>(v));
  case A::last_received_lcp_confreq:
    return bytes("l2tp.avp.last_received_lcp_confreq", l2tp::decode_value<A::last_received_lcp_confreq>(v));
  case A::proxy_authen_type: return u16("l2tp.avp.proxy_authen_type", l2tp::decode_value<A::proxy_authen_type>(v));
  case A::proxy_authen_name: return text("l2tp.avp.proxy_authen_name", l2tp::decode_value<A::proxy_authen_name>(v));
  case A::proxy_authen_challenge:
    return bytes("l2tp.avp.proxy_authen_challenge", l2tp::decode_value<A::proxy_authen_challenge>(v));
  case A::proxy_authen_id: {
    auto r = l2tp::decode_value<A::proxy_authen_id>(v);
    if (!r) return r.error();
    j.field("l2tp.avp.proxy_authen_id", r->id);
    return {};
  }
  case A::proxy_authen_response:
    return bytes("l2tp.avp.proxy_authen_response", l2tp::decode_value<A::proxy_authen_response>(v));
  case A::call_errors: {
    auto r = l2tp::decode_value<A::call_errors>(v);
    if (!r) return r.error();
    j.field("l2tp.avp.crc_errors", r->crc_errors);
    j.field("l2tp.avp.framing_errors", r->framing_errors);
    j.field("l2tp.avp.hardware_overruns", r->hardware_overruns);
    j.field("l2tp.avp.buffer_overruns", r->buffer_overruns);
    j.field("l2tp.avp.time_out_errors", r->timeout_errors);
    j.field("l2tp.avp.alignment_errors", r->alignment_errors);
    return {};
  }
  case A::accm: {
    auto r = l2tp::decode_value<A::accm>(v);
    if (!r) return r.error();
    j.field("l2tp.avp.send_accm", r->send);
    j.field("l2tp.avp.receive_accm", r->receive);
    return {};
  }
  case A::random_vector: return bytes("l2tp.avp.random_vector", l2tp::decode_value<A::random_vector>(v));
  case A::private_group_id: return bytes("l2tp.avp.private_group_id", l2tp::decode_value<A::private_group_id>(v));
  case A::rx_connect_speed: return u32("l2tp.avp.rx_connect_speed", l2tp::decode_value<A::rx_connect_speed>(v));
  case A::sequencing_required: {
    auto r = l2tp::decode_value<A::sequencing_required>(v);
    if (!r) return r.error();
    return {}; // Wireshark shows the AVP by its type alone.
  }
  case A::ppp_disconnect_cause_code: {
    auto r = l2tp::decode_value<A::ppp_disconnect_cause_code>(v);
    if (!r) return r.error();
    j.field("l2tp.avp.disconnect_code", r->code);
    j.field("l2tp.avp.control_protocol_number", r->protocol);
    j.field("l2tp.avp.cause_code_direction", r->direction);
    if (!r->message.empty()) j.field_str("l2tp.avp.cause_code_message", as_text(r->message));
    return {};
  }
  }
  // Unassigned IETF type: the raw value, under vpnwire's own key.
  j.field_hex("vpnwire.avp.value", v);
  return {};
}

/// Writes the value fields of one IETF AVP whose (plain or decrypted) value
/// is `v`. False, with nothing written, when the value does not decode (the
/// pipeline's catalogue check already made that the record's error).
[[nodiscard]] inline bool write_avp_value(json_writer &j, std::uint16_t type, vpnwire::bytes_view v) {
  return write_avp_fields(j, type, v).code == l2tp::errc::ok;
}

} // namespace vpnwire_cli
