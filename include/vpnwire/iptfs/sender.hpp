// iptfs::sender: the sending side of an IP-TFS SA (RFC 9347), sans-IO.
//
// Inner IPv4/IPv6 packets are queued (copied into a ring allocated once by
// create()); each call to next_packet() packs the oldest of them into one
// AGGFRAG payload sized to the path: whole packets while they fit, then the
// start of the next one, continued in the following payloads with the right
// BlockOffset, so the outer ESP packets never need IP fragmentation. The
// payload goes through esp::outbound_sa with Next Header 144.
//
//   auto tx = iptfs::sender::create(cfg, sa.config());
//   tx->enqueue(inner, now);                       // at most max_queue_bytes held
//   while (tx->ready(now)) {                        // init_delay elapsed, queue not empty
//     auto n = tx->next_packet(now, buf, sa);       // one ESP packet in buf
//     if (n) send(std::span(buf).first(*n));
//   }
//
// Sizing: the outer IP packet is cfg.outer_packet_size bytes when set,
// capped by a path MTU learnt later (set_path_mtu); otherwise the path MTU;
// otherwise the link MTU through tunnel::compute_tunnel_limits and the SA's
// transform (the exact ESP padding and ICV arithmetic). The payload room is
// the largest ESP payload whose outer packet fits.
//
// With dont_fragment an inner packet that does not fit one payload is
// refused with too_big (the caller sends ICMP "fragmentation needed" /
// "packet too big" with inner_mtu()); packets are never split.
//
// Every call is O(bytes copied); nothing is allocated after create(). The
// fragments of one inner packet go out in consecutive calls, so as long as
// the caller sends every packet next_packet() returns, in order, on this SA,
// they carry consecutive ESP sequence numbers as §2.2.3 requires.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/sa.hpp"
#include "vpnwire/iptfs/errc.hpp"
#include "vpnwire/iptfs/payload.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace iptfs {

/// The sender's settings (the Linux xfrm / libreswan names in brackets).
struct sender_config {
  /// The outer IP packet size to produce [pkt_size]; 0: from the path.
  std::size_t outer_packet_size = 0;
  /// An upper bound on the AGGFRAG payload size (header included), below
  /// what the path allows (to match a peer or leave room); 0: none.
  std::size_t payload_size = 0;
  /// The link's IP MTU, used when neither outer_packet_size nor a path MTU
  /// is known; with pppoe, the Ethernet payload MTU less PPPoE's 8 bytes.
  std::size_t link_mtu = 1500;
  bool pppoe = false;
  /// Version of the outer IP header: 4 (20 bytes) or 6 (40 bytes).
  std::uint8_t outer_ip_version = 4;
  /// Never split an inner packet; refuse those larger than a payload [dont_frag].
  bool dont_fragment = false;
  /// How long the first packet queued into an empty queue waits before the
  /// queue may be sent, so that later packets can join it [init_delay].
  duration init_delay{0};
  /// The most inner-packet bytes queued at once [max_queue_size].
  std::size_t max_queue_bytes = std::size_t{1} << 20;
  /// The most inner packets queued at once.
  std::size_t max_queue_packets = 1024;
  /// Fill every payload to the full size with a pad block, so that all outer
  /// packets have the same size (traffic-flow confidentiality).
  bool pad_to_size = false;
  /// Allow a payload to end inside an inner packet's length field (RFC 9347
  /// permits it; Linux never does it). Off: when fewer bytes are left than
  /// the length field needs, the rest of the payload is padding.
  bool split_length_fields = false;
  /// Send sub-type 1 headers carrying the fields of set_congestion_fields().
  bool congestion_control = false;
};

/// Sender statistics: one counter per outcome.
struct sender_counters {
  std::uint64_t enqueued = 0;           ///< Inner packets accepted into the queue.
  std::uint64_t enqueued_bytes = 0;     ///< Their bytes.
  std::uint64_t refused_invalid = 0;    ///< enqueue: not an IP packet, length mismatch, above 65535.
  std::uint64_t refused_too_big = 0;    ///< enqueue, dont_fragment: larger than a payload.
  std::uint64_t refused_queue_full = 0; ///< enqueue: byte or packet limit reached.
  std::uint64_t dropped_too_big = 0;    ///< dont_fragment: queued, then the path shrank below it.
  std::uint64_t payloads = 0;           ///< Payloads produced (pad-only ones included).
  std::uint64_t pad_only = 0;           ///< Payloads carrying nothing but padding.
  std::uint64_t payload_bytes = 0;      ///< Bytes of all payloads (headers and padding included).
  std::uint64_t pad_bytes = 0;          ///< Bytes of pad blocks.
  std::uint64_t sent = 0;               ///< Inner packets whose last byte went out.
  std::uint64_t fragmented = 0;         ///< Of those, packets split over more than one payload.
  std::uint64_t esp_refused = 0;        ///< next_packet / pad_packet: the SA refused (nothing consumed).
};

class sender {
public:
  /// An empty sender; use create().
  sender() noexcept = default;

  /// Checks `cfg` against the SA `sa` and allocates the queue.
  /// Errors: invalid_parameter when the payload room cannot hold a header
  /// and 6 data bytes, outer_ip_version is not 4 or 6, a queue limit is 0,
  /// max_queue_bytes is below 65535 (one inner packet must always fit) or
  /// the MTU is too small for the SA; out_of_memory.
  [[nodiscard]] static result<sender, errc> create(const sender_config &cfg, const esp::sa_config &sa) noexcept {
    if (cfg.outer_ip_version != 4 && cfg.outer_ip_version != 6) return fail(errc::invalid_parameter, 0);
    if (cfg.max_queue_packets == 0 || cfg.max_queue_bytes < max_inner) return fail(errc::invalid_parameter, 0);
    auto room = payload_room(cfg, sa, 0);
    if (!room) return room.error();
    sender s;
    s.cfg_ = cfg;
    s.sa_ = sa;
    s.room_ = *room;
    s.ring_.reset(new (std::nothrow) std::byte[cfg.max_queue_bytes]);
    s.lengths_.reset(new (std::nothrow) std::uint32_t[cfg.max_queue_packets]);
    if (!s.ring_ || !s.lengths_) return fail(errc::out_of_memory, 0);
    return s;
  }

  /// The ESP payload room for `cfg` on `sa`: the largest AGGFRAG payload
  /// (header included) whose outer IP packet fits. `path_mtu` (0: unknown)
  /// caps the configured outer size, or replaces the link arithmetic.
  /// Errors: invalid_parameter when fewer than header + 6 bytes fit.
  [[nodiscard]] static result<std::size_t, errc> payload_room(const sender_config &cfg, const esp::sa_config &sa,
                                                              std::size_t path_mtu) noexcept {
    const std::size_t outer_ip = cfg.outer_ip_version == 6 ? 40 : 20;
    std::size_t room = 0;
    std::size_t size = cfg.outer_packet_size;
    if (path_mtu != 0 && (size == 0 || path_mtu < size)) size = path_mtu;
    if (size != 0) {
      if (size < outer_ip + sa.packet_size(0)) return fail(errc::invalid_parameter, 0);
      room = sa.max_payload(size - outer_ip);
    } else {
      // The tunnel MTU arithmetic (tunnel/mtu.hpp) for this SA in tunnel
      // mode over the link, with the outer family's header.
      tunnel::tunnel_stack st;
      st.link_mtu = cfg.link_mtu;
      st.pppoe = cfg.pppoe;
      st.outer = cfg.outer_ip_version == 6 ? tunnel::ip_family::ipv6 : tunnel::ip_family::ipv4;
      st.esp = sa;
      st.esp->mode = esp::sa_mode::tunnel;
      auto lim = tunnel::compute_tunnel_limits(st);
      if (!lim) return fail(errc::invalid_parameter, 0);
      room = lim->esp_payload;
    }
    if (cfg.payload_size != 0 && cfg.payload_size < room) room = cfg.payload_size;
    if (room <
        header_size_of(cfg.congestion_control ? sub_type_congestion_control : sub_type_basic) + max_length_field_end)
      return fail(errc::invalid_parameter, 0);
    return room;
  }

  /// A path MTU learnt (ICMP, PLPMTUD) or forgotten (0). Caps the configured
  /// outer packet size, or replaces the link MTU arithmetic. The packet in
  /// progress continues at the new size. Errors: invalid_parameter (the
  /// setting is unchanged) when the MTU leaves no room for a payload.
  [[nodiscard]] result<void, errc> set_path_mtu(std::size_t mtu) noexcept {
    auto room = payload_room(cfg_, sa_, mtu);
    if (!room) return room.error();
    room_ = *room;
    path_mtu_ = mtu;
    return {};
  }

  /// The fields sent in sub-type 1 headers (congestion_control on).
  /// Errors: value_out_of_range (offset as build_cc_header) when a field
  /// exceeds its width; the previous fields stay.
  [[nodiscard]] result<void, errc> set_congestion_fields(const cc_fields &cc) noexcept {
    std::array<std::byte, cc_header_size> probe{};
    auto r = build_cc_header(probe, 0, cc);
    if (!r) return r.error();
    cc_ = cc;
    return {};
  }

  /// Queues a copy of the inner packet `inner` at `now`. When the queue was
  /// empty, it may be sent once init_delay has passed.
  /// Errors (offsets into `inner`): not_an_ip_packet (0) when the version
  /// nibble is not 4 or 6 or the fixed header is cut; inner_length_mismatch
  /// (2 for IPv4, 4 for IPv6) when the length field is not the size;
  /// inner_packet_too_large (0) beyond 65535 bytes; too_big (0) with
  /// dont_fragment when larger than inner_mtu(); queue_full (0).
  [[nodiscard]] result<void, errc> enqueue(bytes_view inner, time_point now) noexcept {
    if (auto v = check_inner(inner); !v) {
      ++counters_.refused_invalid;
      return v.error();
    }
    if (cfg_.dont_fragment && inner.size() > data_room()) {
      ++counters_.refused_too_big;
      return fail(errc::too_big, 0);
    }
    if (count_ == cfg_.max_queue_packets || inner.size() > cfg_.max_queue_bytes - used_) {
      ++counters_.refused_queue_full;
      return fail(errc::queue_full, 0);
    }
    if (count_ == 0) due_ = now + cfg_.init_delay;
    const std::size_t at = wrap(head_ + used_);
    copy_in(at, inner);
    lengths_[wrap_index(first_ + count_)] = static_cast<std::uint32_t>(inner.size());
    ++count_;
    used_ += inner.size();
    ++counters_.enqueued;
    counters_.enqueued_bytes += inner.size();
    return {};
  }

  /// True when next_payload() / next_packet() will produce a payload at `now`.
  [[nodiscard]] bool ready(time_point now) const noexcept { return count_ != 0 && now >= due_; }
  /// When the queue may next be sent (the oldest packet's init delay), or
  /// time_point::max() when the queue is empty.
  [[nodiscard]] time_point next_deadline() const noexcept { return count_ != 0 ? due_ : time_point::max(); }

  /// Writes the next AGGFRAG payload into `out` (at least payload_size()
  /// bytes) and returns its size: payload_size() with pad_to_size,
  /// otherwise just what it carries. Consumes what it carried from the queue.
  /// Errors: queue_empty; not_due (the init delay has not elapsed);
  /// buffer_too_small (offset = out.size()).
  [[nodiscard]] result<std::size_t, errc> next_payload(time_point now, mutable_bytes out) noexcept {
    plan p;
    auto n = build(now, out, p);
    if (n) commit(p, *n);
    return n;
  }

  /// Writes the next ESP packet into `buf` through `sa` (Next Header 144)
  /// and returns its size. `buf` starts where the SA's headroom starts (the
  /// UDP header with NAT-T, else the SPI) and must hold
  /// sa.packet_size(payload_size()). Nothing is consumed unless the SA
  /// accepted the packet. Errors: those of next_payload; esp_refused (offset
  /// of the SA's error; last_esp_error() has its code).
  template <class OutboundSa>
  [[nodiscard]] result<std::size_t, errc> next_packet(time_point now, mutable_bytes buf, OutboundSa &sa) noexcept {
    const std::size_t h = sa.headroom();
    if (buf.size() < sa.packet_size(room_)) return fail(errc::buffer_too_small, buf.size());
    plan p;
    auto n = build(now, buf.subspan(h, room_), p);
    if (!n) return n.error();
    auto e = sa.encap(buf, *n, next_header_aggfrag);
    if (!e) return refused(e.error());
    commit(p, *n);
    return *e;
  }

  /// Writes a payload of padding only (BlockOffset 0; payload_size() bytes),
  /// for a constant-rate sender with nothing to send. Allowed between the
  /// fragments of an inner packet (RFC 9347 §2.2.3). Errors: buffer_too_small.
  [[nodiscard]] result<std::size_t, errc> pad_payload(mutable_bytes out) noexcept {
    auto n = write_pad_only(out);
    if (n) count_pad_only(*n);
    return n;
  }

  /// pad_payload() through `sa`. Errors: buffer_too_small; esp_refused.
  template <class OutboundSa>
  [[nodiscard]] result<std::size_t, errc> pad_packet(mutable_bytes buf, OutboundSa &sa) noexcept {
    const std::size_t h = sa.headroom();
    if (buf.size() < sa.packet_size(room_)) return fail(errc::buffer_too_small, buf.size());
    auto n = write_pad_only(buf.subspan(h, room_));
    if (!n) return n.error();
    auto e = sa.encap(buf, *n, next_header_aggfrag);
    if (!e) return refused(e.error());
    count_pad_only(*n);
    return *e;
  }

  /// The payload room (header included): every payload is at most this big.
  [[nodiscard]] std::size_t payload_size() const noexcept { return room_; }
  /// The bytes of inner data one payload carries (payload_size() - header).
  [[nodiscard]] std::size_t data_room() const noexcept { return room_ - header_size(); }
  /// The largest inner packet that travels in one payload; with
  /// dont_fragment, the MTU to report in ICMP "too big" messages.
  [[nodiscard]] std::size_t inner_mtu() const noexcept { return data_room(); }
  /// The path MTU in force (0: none learnt).
  [[nodiscard]] std::size_t path_mtu() const noexcept { return path_mtu_; }
  /// Inner packets queued (the one in progress included).
  [[nodiscard]] std::size_t queued_packets() const noexcept { return count_; }
  /// Inner-packet bytes queued (the whole packet in progress included).
  [[nodiscard]] std::size_t queued_bytes() const noexcept { return used_; }
  /// True while an inner packet has been partly sent.
  [[nodiscard]] bool fragment_in_progress() const noexcept { return sent_ != 0; }
  [[nodiscard]] const sender_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] const sender_config &config() const noexcept { return cfg_; }
  /// The SA's error behind the last esp_refused.
  [[nodiscard]] error_info<esp::errc> last_esp_error() const noexcept { return last_esp_; }
  /// Bytes allocated by create() (fixed afterwards).
  [[nodiscard]] std::size_t memory_footprint() const noexcept {
    return cfg_.max_queue_bytes + cfg_.max_queue_packets * sizeof(std::uint32_t);
  }

private:
  static constexpr std::size_t max_inner = 65535;

  /// The queue state after a payload, applied only once the payload is out.
  struct plan {
    std::size_t head = 0;
    std::size_t used = 0;
    std::size_t first = 0;
    std::size_t count = 0;
    std::size_t sent = 0;
    std::uint64_t completed = 0;
    std::uint64_t fragmented = 0;
    std::size_t pad = 0;
  };

  [[nodiscard]] std::size_t header_size() const noexcept {
    return cfg_.congestion_control ? cc_header_size : basic_header_size;
  }
  [[nodiscard]] std::size_t wrap(std::size_t pos) const noexcept {
    return pos >= cfg_.max_queue_bytes ? pos - cfg_.max_queue_bytes : pos;
  }
  [[nodiscard]] std::size_t wrap_index(std::size_t i) const noexcept {
    return i >= cfg_.max_queue_packets ? i - cfg_.max_queue_packets : i;
  }

  static result<void, errc> check_inner(bytes_view p) noexcept {
    if (p.empty()) return fail(errc::not_an_ip_packet, 0);
    block_type t{};
    if (!block_type_of(p[0], t) || t == block_type::pad) return fail(errc::not_an_ip_packet, 0);
    if (p.size() < (t == block_type::ipv4 ? 20U : 40U)) return fail(errc::not_an_ip_packet, 0);
    if (p.size() > max_inner) return fail(errc::inner_packet_too_large, 0);
    auto len = declared_length(p, t);
    if (!len || *len != p.size()) return fail(errc::inner_length_mismatch, t == block_type::ipv4 ? 2U : 4U);
    return {};
  }

  void copy_in(std::size_t at, bytes_view b) noexcept {
    const std::size_t first = b.size() < cfg_.max_queue_bytes - at ? b.size() : cfg_.max_queue_bytes - at;
    std::memcpy(ring_.get() + at, b.data(), first);
    if (first != b.size()) std::memcpy(ring_.get(), b.data() + first, b.size() - first);
  }
  void copy_out(std::size_t at, std::byte *dst, std::size_t n) const noexcept {
    at = wrap(at);
    const std::size_t first = n < cfg_.max_queue_bytes - at ? n : cfg_.max_queue_bytes - at;
    std::memcpy(dst, ring_.get() + at, first);
    if (first != n) std::memcpy(dst + first, ring_.get(), n - first);
  }
  /// The first byte of the queued packet at ring position `at` (wrapped).
  [[nodiscard]] std::byte byte_at(std::size_t at) const noexcept { return ring_[wrap(at)]; }

  /// Writes one payload into `out` from the queue, leaving the queue as it
  /// was; `p` receives the queue state to apply when the payload is sent.
  result<std::size_t, errc> build(time_point now, mutable_bytes out, plan &p) noexcept {
    if (cfg_.dont_fragment) drop_oversized();
    if (count_ == 0) return fail(errc::queue_empty, 0);
    if (now < due_) return fail(errc::not_due, 0);
    if (out.size() < room_) return fail(errc::buffer_too_small, out.size());
    p = plan{head_, used_, first_, count_, sent_, 0, 0, 0};
    const std::size_t hs = header_size();
    std::byte *o = out.data();
    std::size_t n = hs;
    std::uint16_t block_offset = 0;
    if (p.count != 0 && p.sent != 0) {
      // Continue the packet in progress: BlockOffset = all it still needs.
      const std::size_t len = lengths_[p.first];
      const std::size_t rest = len - p.sent;
      block_offset = static_cast<std::uint16_t>(rest);
      const std::size_t take = rest < room_ - n ? rest : room_ - n;
      copy_out(p.head + p.sent, o + n, take);
      n += take;
      p.sent += take;
      if (p.sent == len) {
        pop(p);
        ++p.completed;
        ++p.fragmented;
      }
    }
    while (p.count != 0 && n < room_ && (p.sent == 0)) {
      const std::size_t len = lengths_[p.first];
      const std::size_t space = room_ - n;
      if (len <= space) {
        copy_out(p.head, o + n, len);
        n += len;
        pop(p);
        ++p.completed;
        continue;
      }
      if (cfg_.dont_fragment) break;
      block_type t{};
      (void)block_type_of(byte_at(p.head), t);
      if (!cfg_.split_length_fields && space < length_field_end(t)) break;
      copy_out(p.head, o + n, space);
      n += space;
      p.sent = space;
    }
    if (cfg_.pad_to_size && n < room_) {
      p.pad = room_ - n;
      std::memset(o + n, 0, p.pad);
      n = room_;
    }
    header_fields h;
    h.sub_type = cfg_.congestion_control ? sub_type_congestion_control : sub_type_basic;
    h.block_offset = block_offset;
    h.cc = cc_;
    (void)build_header(out, h); // fits (room_ > header) and cc_ was checked
    return n;
  }

  void pop(plan &p) const noexcept {
    const std::size_t len = lengths_[p.first];
    p.head = wrap(p.head + len);
    p.used -= len;
    p.first = wrap_index(p.first + 1);
    --p.count;
    p.sent = 0;
  }

  void commit(const plan &p, std::size_t size) noexcept {
    head_ = p.head;
    used_ = p.used;
    first_ = p.first;
    count_ = p.count;
    sent_ = p.sent;
    ++counters_.payloads;
    counters_.payload_bytes += size;
    counters_.pad_bytes += p.pad;
    counters_.sent += p.completed;
    counters_.fragmented += p.fragmented;
  }

  /// dont_fragment: packets queued before the path shrank may no longer fit
  /// one payload; they are dropped (never split).
  void drop_oversized() noexcept {
    while (count_ != 0 && sent_ == 0 && lengths_[first_] > data_room()) {
      plan p{head_, used_, first_, count_, sent_, 0, 0, 0};
      pop(p);
      head_ = p.head;
      used_ = p.used;
      first_ = p.first;
      count_ = p.count;
      ++counters_.dropped_too_big;
    }
  }

  result<std::size_t, errc> write_pad_only(mutable_bytes out) const noexcept {
    if (out.size() < room_) return fail(errc::buffer_too_small, out.size());
    header_fields h;
    h.sub_type = cfg_.congestion_control ? sub_type_congestion_control : sub_type_basic;
    h.cc = cc_;
    (void)build_header(out, h);
    const std::size_t hs = header_size();
    if (room_ > hs) std::memset(out.data() + hs, 0, room_ - hs);
    return room_;
  }
  void count_pad_only(std::size_t size) noexcept {
    ++counters_.payloads;
    ++counters_.pad_only;
    counters_.payload_bytes += size;
    counters_.pad_bytes += size - header_size();
  }

  error_info<errc> refused(error_info<esp::errc> e) noexcept {
    ++counters_.esp_refused;
    last_esp_ = e;
    return fail(errc::esp_refused, e.offset);
  }

  sender_config cfg_{};
  esp::sa_config sa_{};
  cc_fields cc_{};
  std::size_t room_ = 0;
  std::size_t path_mtu_ = 0;
  std::unique_ptr<std::byte[]> ring_;
  std::unique_ptr<std::uint32_t[]> lengths_;
  std::size_t head_ = 0;  // ring position of the oldest packet
  std::size_t used_ = 0;  // bytes queued
  std::size_t first_ = 0; // index of the oldest packet's length
  std::size_t count_ = 0; // packets queued
  std::size_t sent_ = 0;  // bytes of the oldest packet already sent
  time_point due_{};
  sender_counters counters_{};
  error_info<esp::errc> last_esp_{};
};

} // namespace iptfs
} // namespace v1
} // namespace vpnwire
