// Error codes of the IP-TFS area (vpnwire::iptfs): the AGGFRAG payload view,
// walker and builders (RFC 9347 §2.2, §6.1), the sender and the receiver.
// Offsets in a failed result count from the start of the span handed to the
// failing function (the AGGFRAG payload for the view and the receiver).
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace iptfs {

enum class errc : std::uint8_t {
  ok = 0,                    ///< Not an error; never stored in a failed result.
  truncated,                 ///< Shorter than the sub-type's header (4 bytes; 24 for congestion control).
  unknown_sub_type,          ///< The Sub-Type is neither 0 (basic) nor 1 (congestion control).
  unknown_block_type,        ///< A data block's type nibble is not 0 (pad), 4 (IPv4) or 6 (IPv6).
  inner_length_below_header, ///< An IPv4 data block's Total Length is below 20 (the block cannot be delimited).
  inner_packet_too_large,    ///< An inner packet is longer than the engine accepts (65535, or the receiver's limit).
  block_offset_mismatch,     ///< Receiver: a BlockOffset disagrees with the bytes the packet in progress still needs.
  walk_exhausted,            ///< next() called on a finished data-block walk.
  buffer_too_small,          ///< The output span cannot hold what must be written.
  value_out_of_range,        ///< Builder: a field does not fit (RTT >= 2^22, Delay/XDelay >= 2^21, empty pad).
  not_an_ip_packet,          ///< Sender: an inner packet's version nibble is not 4 or 6, or its header is cut.
  inner_length_mismatch,     ///< Sender: an inner packet's length field disagrees with its size.
  too_big,                   ///< Sender in don't-fragment mode: the inner packet exceeds one payload.
  queue_full,                ///< Sender: the queue's byte or packet limit would be exceeded.
  queue_empty,               ///< Sender: nothing is queued.
  not_due,                   ///< Sender: the init delay of the oldest queued packet has not elapsed.
  invalid_parameter,         ///< A configuration value is outside its domain (sizes, window, MTU too small).
  out_of_memory,             ///< create(): the engine's fixed memory could not be allocated.
  esp_refused,               ///< The ESP SA refused the packet (its counters and last_esp_error() say why).
  not_aggfrag,               ///< Receiver: the decapsulated Next Header is not 144 (AGGFRAG).
  payload_too_large,         ///< Receiver: a payload that must wait for reordering is larger than a slot.
};

/// The enumerator's name, e.g. "block_offset_mismatch".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::truncated: return "truncated";
  case errc::unknown_sub_type: return "unknown_sub_type";
  case errc::unknown_block_type: return "unknown_block_type";
  case errc::inner_length_below_header: return "inner_length_below_header";
  case errc::inner_packet_too_large: return "inner_packet_too_large";
  case errc::block_offset_mismatch: return "block_offset_mismatch";
  case errc::walk_exhausted: return "walk_exhausted";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::value_out_of_range: return "value_out_of_range";
  case errc::not_an_ip_packet: return "not_an_ip_packet";
  case errc::inner_length_mismatch: return "inner_length_mismatch";
  case errc::too_big: return "too_big";
  case errc::queue_full: return "queue_full";
  case errc::queue_empty: return "queue_empty";
  case errc::not_due: return "not_due";
  case errc::invalid_parameter: return "invalid_parameter";
  case errc::out_of_memory: return "out_of_memory";
  case errc::esp_refused: return "esp_refused";
  case errc::not_aggfrag: return "not_aggfrag";
  case errc::payload_too_large: return "payload_too_large";
  }
  return "unknown";
}

} // namespace iptfs
} // namespace v1
} // namespace vpnwire
