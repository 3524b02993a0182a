// The dissection record: everything the receive pipeline found in one frame,
// produced once (pipeline.hpp) and read by every renderer: the text line
// (render_text.hpp), the JSON object (render_json.hpp), doctor (doctor.hpp)
// and the summary (summary.hpp). Beast's parser/handler split applied to a
// capture tool: the pipeline never asks which output is wanted, so the three
// outputs cannot disagree.
//
// A record holds
//  - the frame's capture metadata (number, time, captured and original
//    length, interface, link type);
//  - the typed layers in wire order, each a struct of field values (a
//    std::variant member per protocol; adding a protocol is adding a struct
//    and its two render functions);
//  - side tables the layers index into (L2TP AVPs, PPP options, PPPoE tags,
//    NFLOG TLVs, the frames of a reassembled datagram);
//  - the first error (layer, code, byte offset within the layer) and the
//    warnings (bad checksums, the snap length cutting a layer);
//  - the innermost packet;
//  - the pipeline events: fragment held or completed, reorder deliveries
//    and drops (those a timeout released before the frame, and those the
//    frame caused).
//
// Byte views point into the captured frame or into the pipeline's buffers
// (reassembled datagrams, decrypted payloads, hidden AVP values, packets
// leaving the reorder stage); they stay valid until the next frame is
// dissected. Clearing keeps every vector's capacity: no allocation per frame
// once warm.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"

#include "record_ipv6.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace vpnwire_cli {

using vpnwire::bytes_view;
using mac_address = std::array<std::byte, 6>;

/// An error or a warning: the layer (the Wireshark protocol name of the
/// layer, e.g. "ip", "l2tp"), the code (the library's errc name, or one of
/// cli_code below) and the byte offset within that layer's bytes.
struct issue {
  std::string_view layer;
  std::string_view code;
  std::size_t offset = 0;
  friend bool operator==(const issue &, const issue &) = default;
};

/// Codes the CLI reports that are not a library errc.
namespace cli_code {
/// The capture's snap length cut the layer: its header was decoded when
/// wholly present, what lies beyond the captured bytes was not.
inline constexpr std::string_view cut_by_snaplen = "cut_by_snaplen";
/// A TCP checksum that does not verify (the library views TCP without
/// judging its checksum; UDP and IPv4 use ip::errc names).
inline constexpr std::string_view bad_tcp_checksum = "bad_tcp_checksum";
/// A frame of a link type vpnwire does not decode (pcapng interfaces may mix them).
inline constexpr std::string_view link_type_not_decoded = "link_type_not_decoded";
/// A Destination Options header's Home Address option (RFC 6275 §6.3) whose
/// length is not 16, or that runs past the header: it names no home address,
/// so the upper layer's checksum
/// is judged over the packet's source (tshark reads the first 16 bytes as
/// the home address). The offset is the option's length byte.
inline constexpr std::string_view home_address_option_length = "home_address_option_length";
/// An Authentication Header whose Payload Len makes it shorter than its
/// fixed part (Next Header, Payload Len, Reserved, SPI, Sequence Number: 12
/// bytes, RFC 4302 §2.2): the chain is still walked by that length (as
/// Linux skips it), the fields it does not hold are not shown. The offset
/// is the Payload Len byte.
inline constexpr std::string_view ah_length_too_small = "ah_length_too_small";
} // namespace cli_code

/// Wireshark's checksum status (proto_checksum_enum_e), printed by tshark
/// as these numbers under ip.checksum.status, udp.checksum.status and
/// tcp.checksum.status when checksum validation is enabled.
/// `illegal`: a zero UDP checksum over IPv6 (RFC 8200 §8.1).
enum class checksum_status : std::uint8_t { bad = 0, good = 1, unverified = 2, not_present = 3, illegal = 4 };

/// A run of entries in one of the record's side tables.
struct table_range {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

// ------------------------------------------------------------------ link layers

/// Ethernet II (eth.*). `type` is the first EtherType (0x8100 when tagged).
struct eth_layer {
  mac_address dst{}, src{};
  std::uint16_t type = 0;
};
/// One 802.1Q tag (vlan.*), or an 802.1ad service tag (ieee8021ad.*, TPID
/// 0x88a8); `tpid` is the EtherType that announced it.
struct vlan_layer {
  std::uint16_t tpid = 0;
  std::uint8_t priority = 0;
  bool dei = false;
  std::uint16_t id = 0;
  std::uint16_t etype = 0; ///< the EtherType after the tag
};
/// Linux cooked capture v1 or v2 (sll.*).
struct sll_layer {
  bool v2 = false;
  std::uint16_t pkttype = 0, hatype = 0, halen = 0;
  std::uint32_t ifindex = 0; ///< v2 only
  bytes_view address;        ///< at most 8 bytes
  bytes_view unused;         ///< the rest of the 8-byte address field (sll.unused)
  std::uint16_t protocol = 0;
};
/// BSD loopback, LINKTYPE_NULL (host byte order) or LINKTYPE_LOOP (network
/// byte order): the address family (null.family).
struct null_layer {
  bool loop = false;
  std::uint32_t family = 0;
};
/// OpenBSD/FreeBSD enc(4) header (enc.*): IPsec traffic seen in the clear.
struct enc_layer {
  std::uint32_t af = 0, spi = 0, flags = 0;
};
/// Linux NFLOG (nflog.*). TLVs are in the record's nflog table.
struct nflog_layer {
  std::uint8_t family = 0, version = 0;
  std::uint16_t resource_id = 0;
  std::uint16_t hw_protocol = 0; ///< from the packet-header TLV (0 when absent)
  std::uint8_t hook = 0;
  bool has_packet_header = false;
  std::string_view prefix;
  std::optional<std::uint32_t> indev, outdev, uid, gid; ///< NFULA_IFINDEX_INDEV/OUTDEV, NFULA_UID/GID
  table_range tlvs;
};
struct nflog_tlv {
  std::uint16_t length = 0, type = 0;
};

// ------------------------------------------------------------------ PPP family

/// Cisco HDLC (chdlc.*), on the PPP_HDLC link type: address, control, EtherType.
struct chdlc_layer {
  std::uint8_t address = 0, control = 0;
  std::uint16_t protocol = 0;
};

/// PPPoE discovery or session header (pppoe.*); discovery tags in the tags table.
struct pppoe_layer {
  bool session = false;
  std::uint8_t version = 1, type = 1, code = 0;
  std::uint16_t session_id = 0, payload_length = 0;
  table_range tags;
};
struct pppoe_tag {
  std::uint16_t type = 0;
  bytes_view value;
};
/// The PPP header (ppp.*): address/control when present, the protocol.
struct ppp_layer {
  bool address_control = false;
  std::uint16_t protocol = 0;
};
/// LCP, IPCP or IPV6CP packet (ppp.code/identifier/length, lcp.opt.* / ipcp.opt.* / ipv6cp.opt.*).
struct ppp_control_layer {
  enum class kind : std::uint8_t { lcp, ipcp, ipv6cp } protocol = kind::lcp;
  std::uint8_t code = 0, identifier = 0;
  std::uint16_t length = 0;
  table_range options;                            ///< Configure-* codes
  std::optional<std::uint32_t> magic_number;      ///< LCP Echo-Request/Reply, Discard-Request
  std::optional<std::uint16_t> rejected_protocol; ///< LCP Protocol-Reject
};
struct ppp_option {
  std::uint8_t type = 0, length = 0;
  bytes_view value;
};
/// PAP (RFC 1334 §2.2): Authenticate-Request carries peer id and password,
/// Ack/Nak a message.
struct pap_layer {
  std::uint8_t code = 0, identifier = 0;
  std::uint16_t length = 0;
  std::optional<bytes_view> peer_id, password, message;
};
/// CHAP (RFC 1994 §4): Challenge/Response carry value and name, Success/Failure a message.
struct chap_layer {
  std::uint8_t code = 0, identifier = 0;
  std::uint16_t length = 0;
  std::optional<bytes_view> value, name, message;
};

// ------------------------------------------------------------------ IP family

/// An IPv4 header (ip.*). `depth` counts IP layers from the outermost (0).
struct ipv4_layer {
  std::uint8_t depth = 0;
  std::uint8_t header_length = 0, tos = 0, ttl = 0, protocol = 0, flags = 0;
  std::uint16_t total_length = 0, id = 0, checksum = 0, checksum_calculated = 0;
  std::uint16_t fragment_offset = 0; ///< in bytes
  std::uint32_t src = 0, dst = 0;
  checksum_status status = checksum_status::unverified;
  [[nodiscard]] bool more_fragments() const noexcept { return (flags & 0x1U) != 0; }
  [[nodiscard]] bool is_fragment() const noexcept { return more_fragments() || fragment_offset != 0; }
};
struct udp_layer {
  std::uint16_t src_port = 0, dst_port = 0, length = 0, checksum = 0, checksum_calculated = 0;
  checksum_status status = checksum_status::unverified;
};
struct tcp_layer {
  std::uint16_t src_port = 0, dst_port = 0, window = 0, checksum = 0, checksum_calculated = 0, urgent = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t header_length = 0;
  std::uint16_t flags = 0; ///< the 12 bits after the data offset (reserved, AE, CWR ... FIN)
  std::size_t payload_length = 0;
  std::optional<std::uint16_t> mss;
  table_range options; ///< kinds and sizes, in the tcp_options table
  checksum_status status = checksum_status::unverified;
  [[nodiscard]] bool syn() const noexcept { return (flags & 0x02U) != 0; }
  [[nodiscard]] bool ack_flag() const noexcept { return (flags & 0x10U) != 0; }
};
struct tcp_option {
  std::uint8_t kind = 0, size = 0; ///< size 1: EOL or NOP (no length byte)
};
/// ESP (esp.*) and what became of its payload.
struct esp_layer {
  enum class payload_state : std::uint8_t {
    no_sa,        ///< no --esp-sa for this SPI: encrypted
    decrypted,    ///< verified and decrypted
    failed,       ///< the SA refused it (the record's error says why)
    not_captured, ///< the snap length cut the packet: nothing to verify or decrypt
    no_backend,   ///< built without OpenSSL
  };
  std::uint32_t spi = 0, seq = 0;
  payload_state state = payload_state::no_sa;
  std::uint8_t pad_length = 0, next_header = 0;
  bool dummy = false; ///< a dummy packet (next header 59, RFC 4303 §2.6)
  /// Decrypted without checking the ICV (an --esp-secrets SA without its
  /// integrity key): for analysis only (vpnwire.esp.unverified).
  bool unverified = false;
  /// The SA's legacy transforms (esp::name(), static text; empty: none),
  /// flagged "deprecated (RFC 8221)".
  std::string_view deprecated_cipher, deprecated_integrity;
};
/// An AGGFRAG payload (ESP next header 144, RFC 9347 IP-TFS), dissected by
/// iptfs::dissect_payload (iptfs_stage.hpp); its fields (vpnwire.iptfs.*) are
/// in the iptfs_fields table in wire order. The inner packets it completes
/// follow as layers and are in the record's iptfs_inner table.
struct iptfs_layer {
  std::uint8_t sub_type = 0;
  std::uint16_t block_offset = 0;
  table_range fields;
  std::uint32_t blocks = 0;
  std::uint32_t completed = 0; ///< inner packets this payload completed (whole ones and reassembled ones)
};
struct iptfs_field {
  std::string_view name; ///< iptfs::field_names (static text)
  std::uint64_t value = 0;
  std::uint32_t offset = 0, length = 0;
};
/// NAT-T (RFC 3948) payloads of UDP 4500 that are not ESP.
struct natt_layer {
  bool keepalive = false; ///< else IKE (non-ESP marker)
};
/// L2TP header (l2tp.*); control messages list their AVPs in the avps table.
struct l2tp_layer {
  std::uint16_t flags = 0; ///< the flags and version word (l2tp.flags)
  bool control = false, length_bit = false, seq_bit = false, offset_bit = false, priority = false;
  std::uint8_t version = 2;
  std::uint16_t length = 0, tunnel = 0, session = 0, ns = 0, nr = 0, offset_size = 0;
  std::uint16_t message_type = 0; ///< control: the Message Type AVP (0: a ZLB or none)
  bool seq_required = false;      ///< control: carries Sequencing Required (AVP 39)
  bool avps_cut = false;          ///< control: the snap length cut the AVP list
  std::string_view disposition;   ///< control: validate_message's action when not "accept"
  table_range avps;
  [[nodiscard]] bool zlb() const noexcept { return control && avps.count == 0 && !avps_cut; }
};
/// One AVP; `value` is its plain value (decrypted when hidden and the secret is known).
struct l2tp_avp {
  bool mandatory = false, hidden = false;
  std::uint16_t length = 0, vendor = 0, type = 0;
  bytes_view value;
  /// Hidden and not decrypted: `value` is the ciphertext.
  bool still_hidden = false;
};
/// A payload vpnwire does not decode (IPv6 until it does, other EtherTypes,
/// other IP protocols, unknown link types): what it is and its size.
struct not_decoded_layer {
  std::string_view protocol; ///< "ipv6", "arp", "ethertype", "ip.proto", "linktype", ...
  std::uint32_t number = 0;  ///< the EtherType, IP protocol, address family or link type
  std::size_t length = 0;
};

using layer =
    std::variant<eth_layer, vlan_layer, sll_layer, null_layer, enc_layer, nflog_layer, chdlc_layer, pppoe_layer,
                 ppp_layer, ppp_control_layer, pap_layer, chap_layer, ipv4_layer, udp_layer, tcp_layer, esp_layer,
                 natt_layer, l2tp_layer, not_decoded_layer, ipv6_layer, icmpv6_layer, iptfs_layer>;

// ------------------------------------------------------------------ events

/// What the pipeline's stateful stages did, in the order they did it.
struct event {
  enum class kind : std::uint8_t {
    fragment_held,         ///< an IPv4 fragment was stored, its datagram is incomplete
    fragment_completed,    ///< this fragment completed a datagram (frames in the fragments table)
    fragment_not_captured, ///< a fragment cut by the snap length: it cannot join a reassembly
    deliver,               ///< the reorder stage delivered an L2TP data packet
    drop,                  ///< the reorder stage dropped one (reason)
    unordered,             ///< a session over the session or memory limit: passed on unordered
  };
  kind what = kind::deliver;
  std::uint16_t tunnel = 0, session = 0, ns = 0;
  std::uint64_t frame = 0;           ///< the frame that carried the packet
  std::string_view reason;           ///< drop: the window's outcome name or "over_reorder_budget"
  bool budget_release = false;       ///< deliver: released early by the reorder memory budget
  bytes_view packet;                 ///< deliver: the innermost packet (empty: none)
  std::size_t layer_index = 0;       ///< fragment_*: the ip layer of this record it concerns
  table_range fragments;             ///< fragment_completed: frames of the fragments
  std::uint32_t datagram_length = 0; ///< fragment_completed: total length of the datagram
};

// ------------------------------------------------------------------ the record

struct frame_record {
  // Capture metadata.
  std::uint64_t number = 0; ///< 1-based; 0 for the end-of-capture record
  std::int64_t ts_ns = 0;
  std::uint32_t caplen = 0, wirelen = 0, interface = 0, snaplen = 0;
  std::uint16_t linktype = 0;

  std::vector<layer> layers;
  // Side tables.
  std::vector<l2tp_avp> avps;
  std::vector<ppp_option> options;
  std::vector<pppoe_tag> tags;
  std::vector<nflog_tlv> tlvs;
  std::vector<tcp_option> tcp_options;
  std::vector<std::uint64_t> fragment_frames;
  std::vector<ipv6_ext> ipv6_exts;
  std::vector<iptfs_field> iptfs_fields;
  /// Inner packets IP-TFS completed during this frame, in delivery order
  /// (written by --write-inner after `inner`).
  std::vector<bytes_view> iptfs_inner;

  std::optional<issue> error;
  std::vector<issue> warnings;

  /// The innermost IP packet (IPv4 or IPv6), whole (empty when there is none, it is a
  /// fragment still waiting, or the snap length cut it).
  bytes_view inner;
  /// The reorder stage took the inner packet: it leaves in a deliver event.
  bool inner_held = false;

  std::vector<event> released; ///< events a timeout fired before this frame (in time order)
  std::vector<event> events;   ///< events this frame caused

  std::optional<issue> cut_; ///< see note_cut()

  /// True for the record finish() fills: no frame, only released events.
  [[nodiscard]] bool end_of_capture() const noexcept { return number == 0; }

  void clear() noexcept {
    number = 0;
    ts_ns = 0;
    caplen = wirelen = interface = snaplen = 0;
    linktype = 0;
    layers.clear();
    avps.clear();
    options.clear();
    tags.clear();
    tlvs.clear();
    tcp_options.clear();
    fragment_frames.clear();
    ipv6_exts.clear();
    iptfs_fields.clear();
    iptfs_inner.clear();
    error.reset();
    warnings.clear();
    inner = {};
    inner_held = false;
    released.clear();
    events.clear();
    cut_.reset();
  }

  template <class L> L &add(L l) { return std::get<L>(layers.emplace_back(std::move(l))); }

  /// Records the first error; later ones are consequences and are dropped.
  void fail(std::string_view layer_name, std::string_view code, std::size_t offset) {
    if (!error) error = issue{layer_name, code, offset};
  }
  template <class E> void fail(std::string_view layer_name, vpnwire::error_info<E> e, std::size_t base = 0) {
    fail(layer_name, name(e.code), base + e.offset);
  }
  void warn(std::string_view layer_name, std::string_view code, std::size_t offset) {
    warnings.push_back(issue{layer_name, code, offset});
  }

  /// Notes that the snap length cut the frame inside `layer_name`, after
  /// `captured` of its bytes. Each deeper layer that is cut overrides the
  /// note: the warning names the layer where decoding stopped.
  void note_cut(std::string_view layer_name, std::size_t captured) {
    cut_ = issue{layer_name, cli_code::cut_by_snaplen, captured};
  }
  /// Turns the cut note into the record's warning (the pipeline calls it
  /// once the frame is decoded).
  void finish_cut() {
    if (cut_) warnings.push_back(*cut_);
    cut_.reset();
  }
};

/// The JSON "proto" name of a layer (Wireshark's protocol filter name).
[[nodiscard]] inline std::string_view proto_name(const layer &l) noexcept {
  struct namer {
    std::string_view operator()(const eth_layer &) const { return "eth"; }
    std::string_view operator()(const vlan_layer &v) const { return v.tpid == 0x88A8 ? "ieee8021ad" : "vlan"; }
    std::string_view operator()(const sll_layer &) const { return "sll"; }
    std::string_view operator()(const null_layer &) const { return "null"; }
    std::string_view operator()(const enc_layer &) const { return "enc"; }
    std::string_view operator()(const nflog_layer &) const { return "nflog"; }
    std::string_view operator()(const chdlc_layer &) const { return "chdlc"; }
    std::string_view operator()(const pppoe_layer &) const { return "pppoe"; }
    std::string_view operator()(const ppp_layer &) const { return "ppp"; }
    std::string_view operator()(const ppp_control_layer &c) const {
      return c.protocol == ppp_control_layer::kind::lcp    ? "lcp"
             : c.protocol == ppp_control_layer::kind::ipcp ? "ipcp"
                                                           : "ipv6cp";
    }
    std::string_view operator()(const pap_layer &) const { return "pap"; }
    std::string_view operator()(const chap_layer &) const { return "chap"; }
    std::string_view operator()(const ipv4_layer &) const { return "ip"; }
    std::string_view operator()(const udp_layer &) const { return "udp"; }
    std::string_view operator()(const tcp_layer &) const { return "tcp"; }
    std::string_view operator()(const esp_layer &) const { return "esp"; }
    std::string_view operator()(const natt_layer &) const { return "udpencap"; }
    std::string_view operator()(const l2tp_layer &) const { return "l2tp"; }
    std::string_view operator()(const not_decoded_layer &n) const { return n.protocol; }
    std::string_view operator()(const ipv6_layer &) const { return "ipv6"; }
    std::string_view operator()(const icmpv6_layer &) const { return "icmpv6"; }
    std::string_view operator()(const iptfs_layer &) const { return "iptfs"; }
  };
  return std::visit(namer{}, l);
}

} // namespace vpnwire_cli
