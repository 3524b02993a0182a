// L2TP AVP values as JSON, under Wireshark's display-filter field names
// (l2tp.avp.message_type, l2tp.avp.host_name, ...). Values are decoded by
// the library's catalogue (vpnwire/l2tp/catalogue.hpp), and the field names
// are the catalogue's too (l2tp::wireshark_field, the single-source AVP
// table): this file only says which decoded member goes to which of them.
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

/// Short name of a control message type, as tcpdump prints it (SCCRQ, ...),
/// from the library's message catalogue; "unknown" for unassigned values.
[[nodiscard]] inline std::string_view message_short_name(std::uint16_t t) noexcept {
  const l2tp::message_info &m = l2tp::message_catalogue(t);
  return m.known ? m.name : std::string_view("unknown");
}

/// write_avp_value's worker: the catalogue's error, or ok.
[[nodiscard]] inline vpnwire::error_info<l2tp::errc> write_avp_fields(json_writer &j, std::uint16_t type,
                                                                      vpnwire::bytes_view v) {
  using A = l2tp::avp_type;
  // Field names come from the library's single-source AVP table (catalogue.hpp), in its order.
  auto field = [type](std::size_t i) { return l2tp::wireshark_field(type, i); };
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
  case A::message_type: return u16(field(0), l2tp::decode_value<A::message_type>(v));
  case A::result_code: {
    auto r = l2tp::decode_value<A::result_code>(v);
    if (!r) return r.error();
    j.field(field(0), r->result);
    if (r->has_error) {
      j.field(field(1), r->error);
      if (!r->message.empty()) j.field_str(field(2), as_text(r->message));
    }
    return {};
  }
  case A::protocol_version: {
    auto r = l2tp::decode_value<A::protocol_version>(v);
    if (!r) return r.error();
    j.field(field(0), r->version);
    j.field(field(1), r->revision);
    return {};
  }
  case A::framing_capabilities: return bits(field(0), field(1), l2tp::decode_value<A::framing_capabilities>(v));
  case A::bearer_capabilities: return bits(field(0), field(1), l2tp::decode_value<A::bearer_capabilities>(v));
  case A::tie_breaker: {
    auto r = l2tp::decode_value<A::tie_breaker>(v);
    if (!r) return r.error();
    j.field(field(0), *r);
    return {};
  }
  case A::firmware_revision: return u16(field(0), l2tp::decode_value<A::firmware_revision>(v));
  case A::host_name: return text(field(0), l2tp::decode_value<A::host_name>(v));
  case A::vendor_name: return text(field(0), l2tp::decode_value<A::vendor_name>(v));
  case A::assigned_tunnel_id: return u16(field(0), l2tp::decode_value<A::assigned_tunnel_id>(v));
  case A::receive_window_size: return u16(field(0), l2tp::decode_value<A::receive_window_size>(v));
  case A::challenge: return bytes(field(0), l2tp::decode_value<A::challenge>(v));
  case A::q931_cause_code: {
    auto r = l2tp::decode_value<A::q931_cause_code>(v);
    if (!r) return r.error();
    j.field(field(0), r->cause_code);
    j.field(field(1), r->cause_msg);
    if (!r->advisory.empty()) j.field_str(field(2), as_text(r->advisory));
    return {};
  }
  case A::challenge_response: return bytes(field(0), l2tp::decode_value<A::challenge_response>(v));
  case A::assigned_session_id: return u16(field(0), l2tp::decode_value<A::assigned_session_id>(v));
  case A::call_serial_number: return u32(field(0), l2tp::decode_value<A::call_serial_number>(v));
  case A::minimum_bps: return u32(field(0), l2tp::decode_value<A::minimum_bps>(v));
  case A::maximum_bps: return u32(field(0), l2tp::decode_value<A::maximum_bps>(v));
  case A::bearer_type: return bits(field(0), field(1), l2tp::decode_value<A::bearer_type>(v));
  case A::framing_type: return bits(field(0), field(1), l2tp::decode_value<A::framing_type>(v));
  case A::called_number: return text(field(0), l2tp::decode_value<A::called_number>(v));
  case A::calling_number: return text(field(0), l2tp::decode_value<A::calling_number>(v));
  case A::sub_address: return text(field(0), l2tp::decode_value<A::sub_address>(v));
  case A::tx_connect_speed: return u32(field(0), l2tp::decode_value<A::tx_connect_speed>(v));
  case A::physical_channel_id: return u32(field(0), l2tp::decode_value<A::physical_channel_id>(v));
  case A::initial_received_lcp_confreq: return bytes(field(0), l2tp::decode_value<A::initial_received_lcp_confreq>(v));
  case A::last_sent_lcp_confreq: return bytes(field(0), l2tp::decode_value<A::last_sent_lcp_confreq>(v));
  case A::last_received_lcp_confreq: return bytes(field(0), l2tp::decode_value<A::last_received_lcp_confreq>(v));
  case A::proxy_authen_type: return u16(field(0), l2tp::decode_value<A::proxy_authen_type>(v));
  case A::proxy_authen_name: return text(field(0), l2tp::decode_value<A::proxy_authen_name>(v));
  case A::proxy_authen_challenge: return bytes(field(0), l2tp::decode_value<A::proxy_authen_challenge>(v));
  case A::proxy_authen_id: {
    auto r = l2tp::decode_value<A::proxy_authen_id>(v);
    if (!r) return r.error();
    j.field(field(0), r->id);
    return {};
  }
  case A::proxy_authen_response: return bytes(field(0), l2tp::decode_value<A::proxy_authen_response>(v));
  case A::call_errors: {
    auto r = l2tp::decode_value<A::call_errors>(v);
    if (!r) return r.error();
    j.field(field(0), r->crc_errors);
    j.field(field(1), r->framing_errors);
    j.field(field(2), r->hardware_overruns);
    j.field(field(3), r->buffer_overruns);
    j.field(field(4), r->timeout_errors);
    j.field(field(5), r->alignment_errors);
    return {};
  }
  case A::accm: {
    auto r = l2tp::decode_value<A::accm>(v);
    if (!r) return r.error();
    j.field(field(0), r->send);
    j.field(field(1), r->receive);
    return {};
  }
  case A::random_vector: return bytes(field(0), l2tp::decode_value<A::random_vector>(v));
  case A::private_group_id: return bytes(field(0), l2tp::decode_value<A::private_group_id>(v));
  case A::rx_connect_speed: return u32(field(0), l2tp::decode_value<A::rx_connect_speed>(v));
  case A::sequencing_required: {
    auto r = l2tp::decode_value<A::sequencing_required>(v);
    if (!r) return r.error();
    return {}; // Wireshark shows the AVP by its type alone.
  }
  case A::ppp_disconnect_cause_code: {
    auto r = l2tp::decode_value<A::ppp_disconnect_cause_code>(v);
    if (!r) return r.error();
    j.field(field(0), r->code);
    j.field(field(1), r->protocol);
    j.field(field(2), r->direction);
    if (!r->message.empty()) j.field_str(field(3), as_text(r->message));
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
