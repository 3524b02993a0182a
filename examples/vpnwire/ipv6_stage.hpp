// The IPv6 stage of the receive pipeline (pipeline.hpp): the fixed header
// (RFC 8200 §3), every extension header of the chain through the library's
// walker (Hop-by-Hop, Routing, Fragment, Destination Options, AH), and
// fragments through the library's ip::ipv6_reassembler, with the same
// record events as IPv4 (fragment_held, fragment_completed,
// fragment_not_captured). It says which upper-layer protocol follows and
// where its bytes are; the pipeline continues with UDP, TCP, ESP, inner
// IPv4 or IPv6, or ICMPv6 (decode_icmpv6 below), all with the IPv6
// pseudo-header.
//
// A cut capture (snap length) is handled as for IPv4: a Payload Length
// beyond the captured bytes is the snap length's doing, the header and
// whatever extension headers were captured are decoded, and the layer
// carries a cut_by_snaplen warning.
#pragma once

#include "record.hpp"
#include "snap_cut.hpp"

#include "vpnwire/core/time.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

namespace vpnwire_cli {

/// Where an IPv6 packet's header chain ends: the upper-layer protocol, its
/// bytes, and the addresses of the pseudo-header.
struct ipv6_upper {
  std::uint8_t protocol = 0;
  vpnwire::bytes_view payload;
  std::size_t wire_length = 0; ///< upper-layer bytes on the wire (more than payload.size() when cut)
  /// The checksum pseudo-header's addresses: the source (or home address)
  /// and the final destination (ip::ipv6_upper_layer::checksum_source and
  /// checksum_destination).
  vpnwire::ip::ipv6_address src{}, dst{};
};

/// The IPv6 header stage: owns the IPv6 reassembler (the same limits and
/// overlap policy as the IPv4 one) and the list of frames of each
/// datagram under reassembly.
class ipv6_header_stage {
public:
  static constexpr int max_depth = 4;

  explicit ipv6_header_stage(const vpnwire::ip::reassembler_config &c) : reasm_(c) {
    for (auto &b : buf_) b.resize(vpnwire::ip::ipv6_family::max_datagram + 2048);
  }

  /// Decodes the IPv6 packet `b` at nesting `depth` into `rec` (an
  /// ipv6_layer, its extension headers, fragment events in `events`).
  /// `context` keeps fragments of different tunnels apart. Returns the
  /// upper layer to continue with, or nothing (an error or cut recorded,
  /// a fragment held, nothing follows).
  std::optional<ipv6_upper> dissect(frame_record &rec, snap_cut &cut, std::vector<event> &events, vpnwire::bytes_view b,
                                    int depth, std::uint64_t context, vpnwire::time_point now) {
    namespace ip = vpnwire::ip;
    auto v = ip::parse_ipv6(b);
    bool cut_here = false;
    std::uint16_t wire_plen = 0;
    if (!v && cut.reaches_cut(b)) {
      if (v.code() == ip::errc::truncated) {
        rec.note_cut("ipv6", b.size());
        return std::nullopt;
      }
      if (v.code() == ip::errc::payload_length_beyond_buffer) {
        wire_plen = vpnwire::core::load_be16(b.data() + 4);
        const vpnwire::bytes_view copy = cut.patched(b, 4, static_cast<std::uint16_t>(b.size() - ip::ipv6_header_size));
        if (copy.empty()) {
          rec.note_cut("ipv6", b.size());
          return std::nullopt;
        }
        v = ip::parse_ipv6(copy);
        cut_here = static_cast<bool>(v);
      }
    }
    if (!v) {
      rec.fail("ipv6", v.error());
      return std::nullopt;
    }
    ipv6_layer l;
    l.depth = static_cast<std::uint8_t>(depth);
    l.tclass = v->traffic_class();
    l.flow = v->flow_label();
    l.payload_length = cut_here ? wire_plen : v->payload_length();
    l.next_header = v->next_header();
    l.hop_limit = v->hop_limit();
    l.src = v->source();
    l.dst = v->destination();
    l.ext_first = static_cast<std::uint32_t>(rec.ipv6_exts.size());
    // The chain, header by header, into the record.
    auto w = v->extension_headers();
    std::optional<vpnwire::error_info<ip::errc>> chain_error;
    while (!w.done()) {
      auto h = w.next();
      if (!h) {
        chain_error = h.error();
        break;
      }
      rec.ipv6_exts.push_back(extension_of(*h));
      if (h->type == ip::proto::ipv6_destination) {
        const auto hoa = ip::find_ipv6_option(*h, ip::home_address_option);
        if (hoa && (hoa->length != 16 || !hoa->whole()))
          rec.warn("ipv6", cli_code::home_address_option_length,
                   h->offset + static_cast<std::size_t>(hoa->value.data() - h->bytes.data()) - 1);
      }
      if (h->type == ip::proto::ah && h->bytes.size() < ah_fixed_size)
        rec.warn("ipv6", cli_code::ah_length_too_small, h->offset + 1);
      if (h->type == ip::proto::ipv6_fragment && !h->atomic_fragment() && !l.fragment) {
        l.fragment = true;
        l.more_fragments = h->more_fragments();
        l.fragment_offset = h->fragment_offset();
        l.fragment_id = h->identification();
        l.fragment_header_at = static_cast<std::uint16_t>(h->offset);
      }
    }
    l.ext_count = static_cast<std::uint32_t>(rec.ipv6_exts.size()) - l.ext_first;
    const std::size_t layer_index = rec.layers.size();
    rec.add(l);
    if (cut_here) rec.note_cut("ipv6", b.size());
    const ip::ipv6_chain_format &f = w.format();
    if (!chain_error && ip::is_extension_header(f.next_header()) && !l.fragment)
      chain_error = vpnwire::error_info<ip::errc>{ip::errc::extension_header_truncated, v->packet().size()};
    // A first fragment whose chain runs past its end: the reassembler judges
    // it (RFC 7112: incomplete_header_chain).
    if (chain_error && l.fragment && l.fragment_offset == 0 && !cut_here &&
        chain_error->code == ip::errc::extension_header_truncated)
      chain_error.reset();
    if (chain_error) {
      if (cut_here && chain_error->code == ip::errc::extension_header_truncated) return std::nullopt;
      rec.fail("ipv6", *chain_error);
      return std::nullopt;
    }
    ip::ipv6_view pkt = *v;
    if (l.fragment) {
      if (cut_here) {
        events.push_back(fragment_event(rec, event::kind::fragment_not_captured, layer_index));
        rec.inner = {};
        return std::nullopt;
      }
      auto whole = reassemble(rec, events, *v, l, depth, context, now, layer_index);
      if (!whole) return std::nullopt;
      pkt = *whole;
    }
    auto up = pkt.upper_layer();
    if (!up) {
      rec.fail("ipv6", up.error());
      return std::nullopt;
    }
    rec.inner = cut_here ? vpnwire::bytes_view{} : pkt.packet();
    ipv6_upper u;
    u.protocol = up->protocol;
    u.payload = up->bytes;
    u.wire_length = cut_here ? ip::ipv6_header_size + wire_plen - up->offset : up->bytes.size();
    u.src = up->checksum_source;      // the home address a Home Address option names, if any
    u.dst = up->checksum_destination; // the final destination a Routing header names, if any
    return u;
  }

private:
  [[nodiscard]] static ipv6_ext extension_of(const vpnwire::ip::ipv6_extension_header &h) noexcept {
    namespace ip = vpnwire::ip;
    ipv6_ext e;
    e.type = h.type;
    e.next_header = h.next_header;
    e.length = static_cast<std::uint16_t>(h.bytes.size());
    e.length_field = vpnwire::core::load_u8(h.bytes.data() + 1);
    if (h.type == ip::proto::ipv6_routing && h.bytes.size() >= 4) {
      e.routing_type = h.routing_type();
      e.segments_left = h.segments_left();
    } else if (h.type == ip::proto::ipv6_fragment) {
      e.reserved_octet = e.length_field;
      e.reserved_bits = h.fragment_reserved();
      e.more = h.more_fragments();
      e.offset_units = static_cast<std::uint16_t>(h.fragment_offset() / 8U);
      e.id = h.identification();
    } else if (h.type == ip::proto::ah) {
      // Fields past a short header's end are not read (render lists only the ones it holds).
      if (h.bytes.size() >= ah_spi_end) e.ah_spi = vpnwire::core::load_be32(h.bytes.data() + 4);
      if (h.bytes.size() >= ah_fixed_size) e.ah_seq = vpnwire::core::load_be32(h.bytes.data() + 8);
    }
    return e;
  }

  [[nodiscard]] static event fragment_event(const frame_record &rec, event::kind k, std::size_t layer_index) {
    event e;
    e.what = k;
    e.frame = rec.number;
    e.layer_index = layer_index;
    return e;
  }

  using frag_key = std::tuple<ipv6_bytes, ipv6_bytes, std::uint32_t, std::uint64_t>;

  /// Offers a fragment to the reassembler: fragment_held while its datagram
  /// is incomplete; fragment_completed (every fragment's frame) and the
  /// reassembled packet when it completes.
  std::optional<vpnwire::ip::ipv6_view> reassemble(frame_record &rec, std::vector<event> &events,
                                                   const vpnwire::ip::ipv6_view &v, const ipv6_layer &l, int depth,
                                                   std::uint64_t context, vpnwire::time_point now,
                                                   std::size_t layer_index) {
    namespace ip = vpnwire::ip;
    std::vector<std::byte> &buf = buf_[static_cast<std::size_t>(depth < max_depth ? depth : max_depth - 1)];
    const frag_key key{l.src, l.dst, l.fragment_id, context};
    auto r = reasm_.submit(v.packet(), context, now, vpnwire::mutable_bytes(buf.data(), buf.size()));
    auto &frames = frames_[key];
    if (frames.empty()) first_ts_[key] = rec.ts_ns;
    const bool listed = frames.size() < 256;
    if (listed) frames.push_back(rec.number);
    if (!r) {
      keep_or_forget(key, frames, listed, r.code());
      rec.fail("ipv6", r.error());
      return std::nullopt;
    }
    if (r->status == ip::delivery_status::incomplete) {
      events.push_back(fragment_event(rec, event::kind::fragment_held, layer_index));
      rec.inner = {};
      prune(rec.ts_ns);
      return std::nullopt;
    }
    event e = fragment_event(rec, event::kind::fragment_completed, layer_index);
    e.fragments.first = static_cast<std::uint32_t>(rec.fragment_frames.size());
    rec.fragment_frames.insert(rec.fragment_frames.end(), frames.begin(), frames.end());
    e.fragments.count = static_cast<std::uint32_t>(frames.size());
    forget(key);
    auto whole = ip::parse_ipv6(r->datagram);
    if (!whole) {
      rec.fail("ipv6", whole.error());
      return std::nullopt;
    }
    e.datagram_length = static_cast<std::uint32_t>(whole->packet().size());
    events.push_back(e);
    return *whole;
  }

  void forget(const frag_key &key) {
    frames_.erase(key);
    first_ts_.erase(key);
  }

  /// After the reassembler refused a fragment: a datagram-scope error
  /// dropped the datagram (its list goes); a packet-scope one dropped this
  /// fragment alone, and the datagram's frames stay listed: an exact
  /// duplicate stays among them (a fragment of the datagram, as tshark lists
  /// it), any other refused fragment is taken off.
  void keep_or_forget(const frag_key &key, std::vector<std::uint64_t> &frames, bool listed, vpnwire::ip::errc code) {
    if (vpnwire::ip::scope(code) != vpnwire::ip::error_scope::packet) {
      forget(key);
      return;
    }
    if (listed && code != vpnwire::ip::errc::duplicate_fragment) frames.pop_back();
    if (frames.empty()) forget(key);
  }

  /// Keeps the frame lists as bounded as the reassembler: datagrams first
  /// seen more than 60 s ago are forgotten once 2048 are listed.
  void prune(std::int64_t now_ns) {
    if (frames_.size() <= 2048) return;
    const std::int64_t limit = now_ns - std::int64_t{60} * 1'000'000'000;
    for (auto it = first_ts_.begin(); it != first_ts_.end();) {
      if (it->second < limit || frames_.size() > 4096) {
        frames_.erase(it->first);
        it = first_ts_.erase(it);
      } else {
        ++it;
      }
    }
  }

  vpnwire::ip::ipv6_reassembler reasm_;
  std::array<std::vector<std::byte>, max_depth> buf_;
  std::map<frag_key, std::vector<std::uint64_t>> frames_;
  std::map<frag_key, std::int64_t> first_ts_;
};

/// An ICMPv6 message (RFC 4443) from `src` to `dst`: the header, the
/// checksum over the IPv6 pseudo-header (judged when the message was
/// captured whole; a bad one is a warning), and the type's fields.
/// `wire_length` is the message's size on the wire.
inline void decode_icmpv6(frame_record &rec, snap_cut &cut, const vpnwire::ip::ipv6_address &src,
                          const vpnwire::ip::ipv6_address &dst, vpnwire::bytes_view b, std::size_t wire_length) {
  namespace ip = vpnwire::ip;
  auto m = ip::parse_icmpv6_unchecked(b);
  if (!m) {
    if (cut.reaches_cut(b))
      rec.note_cut("icmpv6", b.size());
    else
      rec.fail("icmpv6", m.error());
    return;
  }
  icmpv6_layer l;
  l.type = m->type();
  l.code = m->code();
  l.checksum = m->checksum();
  l.checksum_calculated = l.checksum;
  l.length = wire_length;
  const bool whole = wire_length <= b.size();
  if (whole) {
    const std::uint16_t r = ip::icmpv6_checksum(src, dst, b);
    l.status = static_cast<std::uint8_t>(r == 0 ? checksum_status::good : checksum_status::bad);
    if (r != 0) {
      // The value that verifies: what the sender should have stored.
      std::uint32_t sum =
          static_cast<std::uint16_t>(~r) + static_cast<std::uint32_t>(static_cast<std::uint16_t>(~l.checksum));
      sum = (sum & 0xFFFFU) + (sum >> 16);
      sum = (sum & 0xFFFFU) + (sum >> 16);
      l.checksum_calculated = static_cast<std::uint16_t>(~sum);
      rec.warn("icmpv6", ip::name(ip::icmp_errc::bad_checksum), 2);
    }
  } else {
    l.status = static_cast<std::uint8_t>(checksum_status::unverified);
  }
  switch (l.type) {
  case ip::icmpv6_type::packet_too_big: l.mtu = m->mtu(); break;
  case ip::icmpv6_type::parameter_problem: l.pointer = m->pointer(); break;
  case ip::icmpv6_type::echo_request:
  case ip::icmpv6_type::echo_reply:
    l.echo_id = m->identifier();
    l.echo_seq = m->sequence();
    break;
  default: break;
  }
  rec.add(l);
  if (!whole) rec.note_cut("icmpv6", b.size());
}

} // namespace vpnwire_cli
