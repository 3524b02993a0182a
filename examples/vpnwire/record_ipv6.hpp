// The IPv6 layers of the dissection record (record.hpp): the fixed header
// with its extension headers (in the record's ipv6_exts side table), and
// ICMPv6. Field names follow Wireshark's (ipv6.*, ipv6.hopopts.*,
// ipv6.routing.*, ipv6.dstopts.*, ipv6.fraghdr.*, ah.*, icmpv6.*); the
// IPv6 stage (ipv6_stage.hpp) fills them, render_json/render_text print them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace vpnwire_cli {

using ipv6_bytes = std::array<std::byte, 16>;

/// One extension header of an IPv6 header chain, in wire order.
struct ipv6_ext {
  std::uint8_t type = 0;        ///< its own protocol number: 0, 43, 44, 51 (AH), 60
  std::uint8_t next_header = 0; ///< its Next Header field
  std::uint8_t length_field = 0;
  std::uint16_t length = 0; ///< bytes (8 for Fragment)
  // Routing (43).
  std::uint8_t routing_type = 0, segments_left = 0;
  // Fragment (44).
  std::uint8_t reserved_octet = 0, reserved_bits = 0;
  bool more = false;
  std::uint16_t offset_units = 0; ///< the 13-bit field (8-byte units), as Wireshark shows it
  std::uint32_t id = 0;
  // AH (51): read when the header holds them (ah_spi_end and ah_fixed_size bytes).
  std::uint32_t ah_spi = 0, ah_seq = 0;
};

/// AH's fixed part: Next Header, Payload Len, Reserved, SPI (ending at byte
/// 8), Sequence Number (RFC 4302 §2.2).
inline constexpr std::size_t ah_spi_end = 8;
inline constexpr std::size_t ah_fixed_size = 12;

/// The IPv6 fixed header (ipv6.*). `depth` counts IP layers (either family)
/// from the outermost (0), like ipv4_layer's.
struct ipv6_layer {
  std::uint8_t depth = 0;
  std::uint8_t tclass = 0, next_header = 0, hop_limit = 0;
  std::uint32_t flow = 0;
  std::uint16_t payload_length = 0; ///< as on the wire
  ipv6_bytes src{}, dst{};
  std::uint32_t ext_first = 0, ext_count = 0; ///< in the record's ipv6_exts table
  /// The first non-atomic Fragment header's fields, when there is one.
  bool fragment = false, more_fragments = false;
  std::uint32_t fragment_offset = 0; ///< bytes
  std::uint32_t fragment_id = 0;
  std::uint16_t fragment_header_at = 0; ///< offset of that Fragment header: the unfragmentable part's size
  [[nodiscard]] bool is_fragment() const noexcept { return fragment; }
};

/// ICMPv6 (icmpv6.*): the header, the checksum judged over the IPv6
/// pseudo-header, and the type's own fields.
struct icmpv6_layer {
  std::uint8_t type = 0, code = 0;
  std::uint16_t checksum = 0, checksum_calculated = 0;
  std::uint8_t status = 2;                        ///< checksum_status (record.hpp) as a number
  std::optional<std::uint32_t> mtu;               ///< Packet Too Big
  std::optional<std::uint32_t> pointer;           ///< Parameter Problem
  std::optional<std::uint16_t> echo_id, echo_seq; ///< Echo Request/Reply
  std::size_t length = 0;                         ///< the message's bytes
};

} // namespace vpnwire_cli
