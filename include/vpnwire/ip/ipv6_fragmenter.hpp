// IPv6 source fragmentation (RFC 8200 §4.5): splits a packet for a path MTU
// into caller buffers, one fragment per call, with a Fragment header and an
// identification the caller supplies per datagram.
//
//   ip::ipv6_fragmenter f;
//   if (auto e = ip::ipv6_fragmenter::create(packet, 1280, next_id++).get(f); e != ip::errc::ok) ...
//   while (!f.done()) { auto n = f.next(buf); send(buf.first(*n)); }
//
//   original:  | unfragmentable part | fragmentable part ........................ |
//   fragment:  | unfragmentable part | Fragment header | data (a multiple of 8 but the last) |
//
// The unfragmentable part (the per-fragment headers, §4.5) is the fixed
// header and every extension header up to and including the Routing
// header, or else the Hop-by-Hop Options header, or else nothing; it is
// copied into every fragment with its last Next Header field changed to 44
// and the Payload Length set to the fragment's. The Fragment header takes
// that Next Header value; its offsets count 8-byte units from the start of
// the fragmentable part, M is set on all but the last fragment, and every
// fragment carries the same identification. The first fragment carries the
// whole header chain through the upper-layer header (RFC 7112); a packet
// that fits the MTU is produced unchanged (RFC 8021: no atomic fragments).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv6.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

class ipv6_fragmenter {
public:
  constexpr ipv6_fragmenter() noexcept = default;

  /// Prepares to fragment `packet` (an IPv6 packet) for `mtu` with the
  /// Fragment header identification `identification` (RFC 8200 §4.5: unique
  /// among the recent packets from this source to this destination; RFC 7739
  /// asks that it not be predictable). The packet's bytes must outlive the
  /// fragmenter.
  /// Errors: parse_ipv6's (truncated, bad_version, payload_length_beyond_buffer);
  /// the chain walker's (with `limits`), and extension_header_truncated
  /// (offset = packet size) when the payload ends inside the chain;
  /// multiple_fragment_headers (offset of the Fragment header) when the packet
  /// is already a fragment; mtu_too_small (0) when the MTU cannot carry the
  /// unfragmentable part, a Fragment header and 8 data bytes;
  /// incomplete_header_chain (offset of the upper-layer header) when the
  /// first fragment could not carry the header chain through the upper-layer
  /// header (RFC 7112).
  template <detail::byte_range R>
  requires detail::lasting<R>
  [[nodiscard]] static result<ipv6_fragmenter, errc> create(R &&packet, std::size_t mtu, std::uint32_t identification,
                                                            ipv6_chain_limits limits = {}) noexcept {
    return create_from(bytes_view(detail::as_span(packet)), mtu, identification, limits);
  }
  /// The fragmenter refers to its packet: fragmenting a temporary container
  /// would leave it dangling, so it does not compile.
  template <detail::byte_range R>
  requires(!detail::lasting<R>) static result<ipv6_fragmenter, errc> create(R &&, std::size_t, std::uint32_t,
                                                                            ipv6_chain_limits = {}) = delete;

  /// True when every fragment has been produced.
  [[nodiscard]] bool done() const noexcept { return single_ ? single_done_ : pos_ >= fragmentable().size(); }

  /// Writes the next fragment into `out` and returns its size.
  /// Errors: buffer_too_small (offset = out.size()); not_a_fragment (0) after done().
  [[nodiscard]] result<std::size_t, errc> next(mutable_bytes out) noexcept {
    if (done()) return fail(errc::not_a_fragment, 0);
    const bytes_view pkt = ip_.packet();
    if (single_) {
      if (out.size() < pkt.size()) return fail(errc::buffer_too_small, out.size());
      std::memcpy(out.data(), pkt.data(), pkt.size());
      single_done_ = true;
      return pkt.size();
    }
    const bytes_view data = fragmentable();
    std::size_t n = data.size() - pos_;
    const bool last = unfragmentable_ + ipv6_fragment_header_size + n <= mtu_;
    if (!last) n = data_per_fragment();
    const std::size_t size = unfragmentable_ + ipv6_fragment_header_size + n;
    if (out.size() < size) return fail(errc::buffer_too_small, out.size());
    std::byte *o = out.data();
    std::memcpy(o, pkt.data(), unfragmentable_);
    core::store_be16(o + 4, static_cast<std::uint16_t>(size - ipv6_header_size));
    core::store_u8(o + named_at_, proto::ipv6_fragment);
    // Offsets stay below 65528: the fragmentable part is at most 65535 - 8 bytes past its start.
    (void)build_ipv6_fragment_header(out.subspan(unfragmentable_), first_fragmentable_,
                                     static_cast<std::uint32_t>(pos_), !last, identification_);
    std::memcpy(o + unfragmentable_ + ipv6_fragment_header_size, data.data() + pos_, n);
    pos_ += n;
    return size;
  }

  /// How many fragments the whole packet yields (independent of progress).
  [[nodiscard]] std::size_t count() const noexcept {
    if (single_) return 1;
    const std::size_t total = fragmentable().size();
    const std::size_t per = data_per_fragment();
    const std::size_t last_max = mtu_ - unfragmentable_ - ipv6_fragment_header_size;
    if (total <= last_max) return 1; // unreachable: such a packet fits the MTU
    return (total - last_max + per - 1) / per + 1;
  }
  /// Bytes of the unfragmentable part copied into every fragment (40 and
  /// the Hop-by-Hop / Routing headers); 0 for a packet that fits.
  [[nodiscard]] std::size_t unfragmentable_size() const noexcept { return single_ ? 0 : unfragmentable_; }
  /// Data bytes in every fragment but the last: the most that fits the MTU,
  /// rounded down to a multiple of 8.
  [[nodiscard]] std::size_t data_per_fragment() const noexcept {
    return single_ ? 0 : (mtu_ - unfragmentable_ - ipv6_fragment_header_size) / 8U * 8U;
  }
  /// The identification every fragment carries.
  [[nodiscard]] std::uint32_t identification() const noexcept { return identification_; }

private:
  [[nodiscard]] bytes_view fragmentable() const noexcept { return ip_.packet().subspan(unfragmentable_); }

  [[nodiscard]] static result<ipv6_fragmenter, errc>
  create_from(bytes_view packet, std::size_t mtu, std::uint32_t identification, ipv6_chain_limits limits) noexcept {
    auto v = parse_ipv6(packet);
    if (!v) return v.error();
    ipv6_fragmenter f;
    f.ip_ = *v;
    f.mtu_ = mtu;
    f.identification_ = identification;
    if (v->packet().size() <= mtu) {
      f.single_ = true;
      return f;
    }
    // The per-fragment headers: through the last Routing header, else the Hop-by-Hop header.
    f.unfragmentable_ = ipv6_header_size;
    f.named_at_ = 6;
    auto w = v->extension_headers(limits);
    while (!w.done()) {
      auto h = w.next();
      if (!h) return h.error();
      if (h->type == proto::ipv6_fragment) return fail(errc::multiple_fragment_headers, h->offset);
      if (h->type == proto::hop_by_hop || h->type == proto::ipv6_routing) {
        f.unfragmentable_ = h->offset + h->bytes.size();
        f.named_at_ = h->offset;
      }
    }
    const std::uint8_t upper = w.format().next_header();
    if (is_extension_header(upper)) return fail(errc::extension_header_truncated, v->packet().size());
    f.first_fragmentable_ = core::load_u8(v->packet().data() + f.named_at_);
    if (mtu < f.unfragmentable_ + ipv6_fragment_header_size + 8) return fail(errc::mtu_too_small, 0);
    // RFC 7112: the first fragment holds the chain and the upper-layer header.
    const std::size_t chain_end = w.position();
    const std::size_t needed = chain_end - f.unfragmentable_ + upper_layer_header_size(upper);
    if (needed > f.data_per_fragment()) return fail(errc::incomplete_header_chain, chain_end);
    return f;
  }

  ipv6_view ip_{};
  std::size_t mtu_ = 0;
  std::size_t unfragmentable_ = 0;
  std::size_t named_at_ = 6; ///< the Next Header field the Fragment header's own value replaces
  std::size_t pos_ = 0;
  std::uint32_t identification_ = 0;
  std::uint8_t first_fragmentable_ = 0;
  bool single_ = false;
  bool single_done_ = false;
};

} // namespace ip
} // namespace v1
} // namespace vpnwire
