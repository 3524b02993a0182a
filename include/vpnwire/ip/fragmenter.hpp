// IPv4 fragmentation (RFC 791 §3.2, §2.3 "Fragmentation"): splits a
// datagram for an MTU into caller buffers, one fragment per call.
//
//   ip::fragmenter f;
//   if (auto e = ip::fragmenter::create(packet, 1400).get(f); e != ip::errc::ok) ...
//   while (!f.done()) { auto n = f.next(buf); send(buf.first(*n)); }
//
// Every fragment except the last carries a multiple of 8 data bytes. The
// first fragment carries all options; the others carry only options whose
// copied flag is set (RFC 791 §3.1), padded to a 4-byte boundary. An
// already fragmented packet can be fragmented again: offsets are relative
// to its own offset and the last piece keeps its MF bit.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vpnwire {
inline namespace v1 {
namespace ip {

class fragmenter {
public:
  constexpr fragmenter() noexcept = default;

  /// Prepares to fragment `packet` (a valid IPv4 packet; its checksum is not
  /// verified) for `mtu`. A packet that fits is produced as one unchanged
  /// "fragment". The packet's bytes must outlive the fragmenter.
  /// Errors: parse_ipv4_unchecked errors; dont_fragment (6) when DF is set
  /// and the packet exceeds the MTU; mtu_too_small (offset 0) when the MTU
  /// cannot carry a header plus 8 data bytes (68 is the RFC 791 minimum);
  /// option_truncated / option_length_invalid (offset in the packet) when
  /// the options cannot be walked to find the copied ones.
  template <detail::byte_range R>
  requires detail::lasting<R>
  [[nodiscard]] static result<fragmenter, errc> create(R &&packet, std::size_t mtu) noexcept {
    return create_from(bytes_view(detail::as_span(packet)), mtu);
  }
  /// The fragmenter refers to its packet: fragmenting a temporary container
  /// would leave it dangling, so it does not compile.
  template <detail::byte_range R>
  requires(!detail::lasting<R>) static result<fragmenter, errc> create(R &&, std::size_t) = delete;

  /// True when every fragment has been produced.
  [[nodiscard]] bool done() const noexcept { return single_ ? single_done_ : pos_ >= ip_.payload().size(); }

  /// Writes the next fragment into `out` and returns its size.
  /// Errors: buffer_too_small (offset = out.size()); not_a_fragment (0) after done().
  [[nodiscard]] result<std::size_t, errc> next(mutable_bytes out) noexcept {
    if (done()) return fail(errc::not_a_fragment, 0);
    if (single_) {
      const bytes_view pkt = ip_.packet();
      if (out.size() < pkt.size()) return fail(errc::buffer_too_small, out.size());
      std::memcpy(out.data(), pkt.data(), pkt.size());
      single_done_ = true;
      return pkt.size();
    }
    const bytes_view payload = ip_.payload();
    const bool first = pos_ == 0;
    const std::size_t hlen = first ? ip_.header_length() : ipv4_min_header + (copied_len_ + 3U) / 4U * 4U;
    std::size_t n = payload.size() - pos_;
    const bool last = hlen + n <= mtu_;
    if (!last) n = (mtu_ - hlen) / 8U * 8U;
    if (out.size() < hlen + n) return fail(errc::buffer_too_small, out.size());
    std::byte *o = out.data();
    if (first) {
      std::memcpy(o, ip_.header().data(), hlen);
    } else {
      std::memcpy(o, ip_.header().data(), ipv4_min_header);
      core::store_u8(o, static_cast<std::uint8_t>(0x40U | (hlen / 4U)));
      if (copied_len_ != 0) std::memcpy(o + ipv4_min_header, copied_.data(), copied_len_);
      for (std::size_t i = ipv4_min_header + copied_len_; i < hlen; ++i) o[i] = std::byte{0};
    }
    core::store_be16(o + 2, static_cast<std::uint16_t>(hlen + n));
    const std::uint32_t off = ip_.fragment_offset() + static_cast<std::uint32_t>(pos_);
    std::uint16_t ff = static_cast<std::uint16_t>((core::load_be16(ip_.header().data() + 6) & 0xC000U) | (off / 8U));
    if (!last || ip_.more_fragments()) ff = static_cast<std::uint16_t>(ff | 0x2000U);
    core::store_be16(o + 6, ff);
    core::store_be16(o + 10, 0);
    core::store_be16(o + 10, ipv4_header_checksum(bytes_view(o, hlen)));
    std::memcpy(o + hlen, payload.data() + pos_, n);
    pos_ += n;
    return hlen + n;
  }

  /// How many fragments the whole packet yields (independent of progress).
  [[nodiscard]] std::size_t count() const noexcept {
    if (single_) return 1;
    const std::size_t total = ip_.payload().size();
    const std::size_t first_data = (mtu_ - ip_.header_length()) / 8U * 8U;
    if (ip_.header_length() + total <= mtu_) return 1;
    const std::size_t later_hlen = ipv4_min_header + (copied_len_ + 3U) / 4U * 4U;
    const std::size_t later_data = (mtu_ - later_hlen) / 8U * 8U;
    const std::size_t rest = total - first_data;
    if (later_hlen + rest <= mtu_) return 2;
    // Every later fragment but the last carries later_data bytes; the last
    // may carry up to mtu - later_hlen.
    const std::size_t last_max = mtu_ - later_hlen;
    return 1 + (rest - last_max + later_data - 1) / later_data + 1;
  }

private:
  [[nodiscard]] static result<fragmenter, errc> create_from(bytes_view packet, std::size_t mtu) noexcept {
    auto pr = parse_ipv4_unchecked(packet);
    if (!pr) return pr.error();
    fragmenter f;
    f.ip_ = *pr;
    f.mtu_ = mtu;
    const ipv4_view &v = f.ip_;
    if (v.total_length() <= mtu) {
      f.single_ = true;
      return f;
    }
    if (v.dont_fragment()) return fail(errc::dont_fragment, 6);
    // Options to copy into later fragments.
    option_reader r = v.option_walker();
    while (!r.done()) {
      auto o = r.next();
      if (!o) return o.error();
      if (o->type != ipv4_option::end_of_list && o->type != ipv4_option::nop && ipv4_option::is_copied(o->type)) {
        std::memcpy(f.copied_.data() + f.copied_len_, v.options().data() + o->offset, o->size);
        f.copied_len_ += o->size;
      }
    }
    const std::size_t later_hlen = ipv4_min_header + (f.copied_len_ + 3U) / 4U * 4U;
    if (mtu < v.header_length() + 8 || mtu < later_hlen + 8) return fail(errc::mtu_too_small, 0);
    return f;
  }

  ipv4_view ip_{};
  std::size_t mtu_ = 0;
  std::size_t pos_ = 0;
  std::array<std::byte, ipv4_max_options> copied_{};
  std::size_t copied_len_ = 0;
  bool single_ = false;
  bool single_done_ = false;
};

} // namespace ip
} // namespace v1
} // namespace vpnwire
