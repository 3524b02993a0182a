// iptfs::receiver: the receiving side of an IP-TFS SA (RFC 9347), sans-IO.
//
//   ESP packet --esp::inbound_sa--> (sequence number, AGGFRAG payload)
//     --> seq::reorder_window (reorder_window + drop_time, as Linux/libreswan)
//     --> payloads in sequence order --> data blocks --> inner packets, in order, to the sink
//
// Payloads are put back in ESP sequence order by a seq::reorder_window whose
// depth limit is reorder_window + 1 (so at most reorder_window payloads wait
// behind a gap; one more gives the gap up) and whose timeout is drop_time (a
// payload waits at most that long for the ones before it). A payload that
// arrives in order is processed straight from the caller's buffer; only one
// that must wait is copied, into one of WindowCapacity + 1 fixed slots.
//
// In order, each payload's data blocks are cut by the inner IP length
// fields. Whole inner packets go to the sink as sub-spans of the payload; an
// inner packet that continues in the next payload is copied into one fixed
// reassembly buffer and delivered when its BlockOffset-marked continuations
// complete it. A gap in the sequence numbers abandons the packet in progress
// (its pieces must be in consecutive ESP packets, §2.2.3), except that
// pad-only payloads (BlockOffset 0, nothing but padding) and ESP dummy
// packets only advance the expected number. When the payload ends inside an
// inner packet's length field (a runt), the bytes are kept and the length is
// completed from the next payload, whose BlockOffset must then cover at least
// the missing length bytes and equal the packet's remaining length.
//
// Memory: (WindowCapacity + 1) x max_payload_size + max_inner_size bytes and
// the window, all allocated by create(); nothing afterwards. Every payload and
// every inner packet ends in exactly one counter (see receiver_counters).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/serial.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/iptfs/errc.hpp"
#include "vpnwire/iptfs/payload.hpp"
#include "vpnwire/seq/reorder_window.hpp"

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace iptfs {

/// The receiver's settings (the Linux xfrm / libreswan names in brackets).
struct receiver_config {
  /// Payloads held waiting for a missing one before it is given up
  /// [reorder_window, default 3; 0: never wait]. At most WindowCapacity - 1.
  std::uint32_t reorder_window = 3;
  /// How long a payload waits for the ones before it, and an inner packet
  /// in progress for its continuation [drop_time, default 1 s]. 0: forever.
  duration drop_time = std::chrono::seconds(1);
  /// The largest payload that can wait in the window (a slot's size).
  std::size_t max_payload_size = 9216;
  /// The largest inner packet reassembled (up to 65575, an IPv6 packet with
  /// the largest Payload Length).
  std::size_t max_inner_size = 65535;
  /// The ESP sequence number expected first (1 for a new SA). 0: the first
  /// payload to arrive fixes it.
  std::uint64_t first_sequence = 1;
};

/// What became of one payload offered to receive().
enum class receive_outcome : std::uint8_t {
  processed,     ///< In order: processed now, with the payloads it released.
  held,          ///< Early: waits for the gap before it to fill or be given up.
  duplicate,     ///< Refused: that sequence number is waiting or was processed.
  late,          ///< Refused: behind the delivery point (its gap was given up).
  out_of_window, ///< Refused: half the sequence space away.
  too_large,     ///< Refused: early, and larger than max_payload_size.
};

/// The enumerator's name, e.g. "held".
[[nodiscard]] constexpr std::string_view name(receive_outcome o) noexcept {
  switch (o) {
  case receive_outcome::processed: return "processed";
  case receive_outcome::held: return "held";
  case receive_outcome::duplicate: return "duplicate";
  case receive_outcome::late: return "late";
  case receive_outcome::out_of_window: return "out_of_window";
  case receive_outcome::too_large: return "too_large";
  }
  return "unknown";
}

/// Receiver statistics. Payloads: payloads == processed + duplicate + late +
/// out_of_window + too_large + held(). Inner packets begun in one payload and
/// continued in another: started == reassembled + abandoned_gap +
/// abandoned_timeout + abandoned_mismatch + abandoned_invalid +
/// abandoned_flush + (in_progress() ? 1 : 0).
struct receiver_counters {
  std::uint64_t payloads = 0;           ///< receive() calls (dummy ESP packets included).
  std::uint64_t processed = 0;          ///< Payloads processed in sequence order.
  std::uint64_t duplicate = 0;          ///< Refused: number waiting or already processed.
  std::uint64_t late = 0;               ///< Refused: number behind the delivery point.
  std::uint64_t out_of_window = 0;      ///< Refused: half the sequence space away.
  std::uint64_t too_large = 0;          ///< Refused: had to wait, larger than a slot.
  std::uint64_t sequence_gaps = 0;      ///< Times the processed numbers skipped some.
  std::uint64_t missing_payloads = 0;   ///< Numbers skipped in total.
  std::uint64_t pad_only = 0;           ///< Payloads of padding only (or no data), ESP dummies included.
  std::uint64_t dummy = 0;              ///< ESP dummy packets (Next Header 59), treated as pad-only.
  std::uint64_t malformed = 0;          ///< Payloads with a bad header (truncated, unknown sub-type): skipped.
  std::uint64_t unknown_block_type = 0; ///< Payloads cut short at a block of unknown type.
  std::uint64_t bad_inner_length =
      0; ///< Payloads cut short at an IPv4 length below 20, or a start above max_inner_size.
  std::uint64_t orphan_continuations =
      0;                                ///< Leading continuation bytes with no packet in progress (its start was lost).
  std::uint64_t delivered = 0;          ///< Inner packets delivered.
  std::uint64_t delivered_bytes = 0;    ///< Their bytes.
  std::uint64_t started = 0;            ///< Inner packets that began in a payload and continue in the next.
  std::uint64_t reassembled = 0;        ///< Of those, completed and delivered.
  std::uint64_t abandoned_gap = 0;      ///< In progress, lost to a gap in the sequence numbers.
  std::uint64_t abandoned_timeout = 0;  ///< In progress, no continuation within drop_time.
  std::uint64_t abandoned_mismatch = 0; ///< In progress; the next payload's BlockOffset disagrees with it.
  std::uint64_t abandoned_invalid = 0;  ///< In progress; its completed length or the next payload is invalid.
  std::uint64_t abandoned_flush = 0;    ///< In progress at flush().
  std::uint64_t esp_refused = 0;        ///< receive_esp: the SA dropped the packet.
  std::uint64_t not_aggfrag = 0;        ///< receive_esp: Next Header not 144 (and not 59).
};

template <std::size_t WindowCapacity = 8> class receiver {
  static_assert(WindowCapacity >= 1 && (WindowCapacity & (WindowCapacity - 1)) == 0,
                "WindowCapacity must be a power of two");

  static constexpr std::uint32_t no_slot = 0xFFFFFFFFU;
  /// What the window holds: a payload (in the caller's buffer while it is
  /// processed at once, in a slot while it waits), or an ESP dummy packet.
  struct held_payload {
    bytes_view bytes{};
    std::uint32_t slot = no_slot;
    bool dummy = false;
  };
  using serial = core::serial<64>;

public:
  using window_type = seq::reorder_window<held_payload, 64, WindowCapacity>;
  static constexpr std::size_t window_capacity = WindowCapacity;

  /// An empty receiver; use create().
  receiver() noexcept = default;

  /// Checks `cfg` and allocates the slots, the reassembly buffer and the
  /// window. Errors: invalid_parameter when reorder_window >= WindowCapacity,
  /// drop_time is negative, max_payload_size < 4 or above 65535, or
  /// max_inner_size is below 40 or above 65575; out_of_memory.
  [[nodiscard]] static result<receiver, errc> create(const receiver_config &cfg) noexcept {
    if (cfg.reorder_window >= WindowCapacity || cfg.drop_time.count() < 0 || cfg.max_payload_size < basic_header_size ||
        cfg.max_payload_size > 65535 || cfg.max_inner_size < 40 || cfg.max_inner_size > 65575)
      return fail(errc::invalid_parameter, 0);
    receiver r;
    r.cfg_ = cfg;
    seq::policy p = seq::policy::with_timeout(cfg.drop_time).with_depth(cfg.reorder_window + 1);
    if (cfg.first_sequence != 0) {
      p = p.with_anchor(seq::anchor_mode::explicit_value);
      r.last_ = cfg.first_sequence - 1;
      r.have_last_ = true;
    }
    r.window_.reset(new (std::nothrow) window_type(p, cfg.first_sequence));
    r.slots_.reset(new (std::nothrow) std::byte[(WindowCapacity + 1) * cfg.max_payload_size]);
    r.free_.reset(new (std::nothrow) std::uint32_t[WindowCapacity + 1]);
    r.buf_.reset(new (std::nothrow) std::byte[cfg.max_inner_size]);
    if (!r.window_ || !r.slots_ || !r.free_ || !r.buf_) return fail(errc::out_of_memory, 0);
    for (std::uint32_t i = 0; i <= WindowCapacity; ++i) r.free_[i] = i;
    r.free_count_ = WindowCapacity + 1;
    return r;
  }

  /// Offers the AGGFRAG payload `payload` carried by ESP sequence number
  /// `seq`, arriving at `now` (an inbound SA has already checked integrity
  /// and replay). Every inner packet it completes, and those of the
  /// payloads it releases, go to `sink(bytes_view inner)` in order; the span
  /// is valid during the call only. An inner packet in progress past
  /// drop_time is abandoned first, and payloads whose wait reached drop_time
  /// are released. A payload processed at once is read in place; one that
  /// waits is copied. Never fails: problems inside a payload are counted
  /// (last_error() has the latest, with its offset in that payload).
  template <class Sink>
  requires std::invocable<Sink &, bytes_view> receive_outcome receive(std::uint64_t seq, bytes_view payload,
                                                                      time_point now, Sink &&sink)
  noexcept { return offer(seq, held_payload{payload, no_slot, false}, now, sink); }

  /// Decapsulates the ESP packet `pkt` (from the SPI on) in place with the
  /// inbound SA `sa` and offers its payload. An ESP dummy packet (Next
  /// Header 59) counts as a pad-only payload: it advances the expected
  /// number without abandoning the packet in progress.
  /// Errors: esp_refused (offset of the SA's error; last_esp_error() has its
  /// code); not_aggfrag (offset 0) when Next Header is neither 144 nor 59.
  template <class InboundSa, class Sink>
  requires std::invocable<Sink &, bytes_view>
  [[nodiscard]] result<receive_outcome, errc> receive_esp(mutable_bytes pkt, InboundSa &sa, time_point now,
                                                          Sink &&sink) noexcept {
    auto d = sa.decap(pkt);
    if (!d) {
      ++counters_.esp_refused;
      last_esp_ = d.error();
      return fail(errc::esp_refused, d.offset());
    }
    if (d->outcome == esp::decap_outcome::dummy) {
      ++counters_.dummy;
      return offer(d->sequence, held_payload{bytes_view{}, no_slot, true}, now, sink);
    }
    if (d->next_header != next_header_aggfrag) {
      ++counters_.not_aggfrag;
      return fail(errc::not_aggfrag, 0);
    }
    return offer(d->sequence, held_payload{d->payload, no_slot, false}, now, sink);
  }

  /// Applies what is due at `now` without an arrival: abandons an inner
  /// packet whose continuation is overdue, and releases payloads whose wait
  /// reached drop_time. Returns the inner packets delivered.
  template <class Sink>
  requires std::invocable<Sink &, bytes_view> std::size_t poll(time_point now, Sink &&sink)
  noexcept {
    const std::uint64_t before = counters_.delivered;
    expire_in_progress(now);
    auto w = window_sink(now, sink);
    window_->poll(now, w);
    return static_cast<std::size_t>(counters_.delivered - before);
  }

  /// Processes every waiting payload in order, giving up the gaps between
  /// them, then abandons an inner packet still in progress (SA teardown).
  /// `now` is the time the processing is attributed to. Returns the inner
  /// packets delivered.
  template <class Sink>
  requires std::invocable<Sink &, bytes_view> std::size_t flush(time_point now, Sink &&sink)
  noexcept {
    const std::uint64_t before = counters_.delivered;
    auto w = window_sink(now, sink);
    window_->flush(w);
    if (in_progress_) abandon(counters_.abandoned_flush);
    return static_cast<std::size_t>(counters_.delivered - before);
  }

  /// When poll() next has work (a waiting payload's or the packet in
  /// progress's drop time), or std::nullopt.
  [[nodiscard]] std::optional<time_point> next_deadline() const noexcept {
    std::optional<time_point> t = window_->next_deadline();
    if (in_progress_ && cfg_.drop_time.count() > 0) {
      const time_point d = progress_ + cfg_.drop_time;
      if (!t || d < *t) t = d;
    }
    return t;
  }

  [[nodiscard]] const receiver_counters &counters() const noexcept { return counters_; }
  /// The reorder window's own counters (gaps skipped, timeouts, depth skips).
  [[nodiscard]] seq::counters window_stats() const noexcept { return window_->stats(); }
  /// Payloads waiting in the window.
  [[nodiscard]] std::size_t held() const noexcept { return window_->held(); }
  /// An inner packet is partly reassembled.
  [[nodiscard]] bool in_progress() const noexcept { return in_progress_; }
  /// Bytes of the inner packet in progress.
  [[nodiscard]] std::size_t in_progress_bytes() const noexcept { return in_progress_ ? have_ : 0; }
  /// The next sequence number the window expects.
  [[nodiscard]] std::uint64_t expected() const noexcept { return window_->expected(); }
  /// The latest problem found inside a processed payload (code ok: none).
  [[nodiscard]] error_info<errc> last_error() const noexcept { return last_error_; }
  /// The SA's error behind the last esp_refused.
  [[nodiscard]] error_info<esp::errc> last_esp_error() const noexcept { return last_esp_; }
  [[nodiscard]] const receiver_config &config() const noexcept { return cfg_; }
  /// Bytes allocated by create() (fixed afterwards).
  [[nodiscard]] std::size_t memory_footprint() const noexcept {
    return (WindowCapacity + 1) * (cfg_.max_payload_size + sizeof(std::uint32_t)) + cfg_.max_inner_size +
           sizeof(window_type);
  }

private:
  template <class Sink> receive_outcome offer(std::uint64_t seq, held_payload h, time_point now, Sink &sink) noexcept {
    VPNWIRE_ASSERT(window_ != nullptr);
    ++counters_.payloads;
    expire_in_progress(now);
    // The window delivers at once anything at or behind its delivery point
    // (or refuses it): only a payload ahead of it may be kept, so only that
    // one is copied out of the caller's buffer.
    if (window_->anchored() && serial::less(window_->expected(), seq) && !h.dummy) {
      if (h.bytes.size() > cfg_.max_payload_size) {
        ++counters_.too_large;
        last_error_ = fail(errc::payload_too_large, h.bytes.size());
        return receive_outcome::too_large;
      }
      VPNWIRE_ASSERT(free_count_ != 0);
      const std::uint32_t slot = free_[--free_count_];
      std::byte *dst = slots_.get() + std::size_t{slot} * cfg_.max_payload_size;
      if (!h.bytes.empty()) std::memcpy(dst, h.bytes.data(), h.bytes.size());
      h = held_payload{bytes_view(dst, h.bytes.size()), slot, false};
    }
    auto w = window_sink(now, sink);
    const std::uint32_t slot = h.slot;
    const seq::insert_outcome o = window_->insert(seq, std::move(h), now, w);
    if (!seq::accepted(o) && slot != no_slot) free_[free_count_++] = slot;
    switch (o) {
    case seq::insert_outcome::delivered: return receive_outcome::processed;
    case seq::insert_outcome::buffered: return receive_outcome::held;
    case seq::insert_outcome::duplicate_held:
    case seq::insert_outcome::duplicate_delivered: ++counters_.duplicate; return receive_outcome::duplicate;
    case seq::insert_outcome::late: ++counters_.late; return receive_outcome::late;
    case seq::insert_outcome::beyond_horizon: break;
    }
    ++counters_.out_of_window;
    return receive_outcome::out_of_window;
  }

  template <class Sink> auto window_sink(time_point now, Sink &sink) noexcept {
    return [this, now, &sink](std::uint64_t s, held_payload &&h) noexcept {
      process(s, h, now, sink);
      if (h.slot != no_slot) free_[free_count_++] = h.slot;
    };
  }

  void expire_in_progress(time_point now) noexcept {
    if (in_progress_ && cfg_.drop_time.count() > 0 && now - progress_ >= cfg_.drop_time)
      abandon(counters_.abandoned_timeout);
  }

  void abandon(std::uint64_t &counter) noexcept {
    ++counter;
    in_progress_ = false;
  }

  void note(errc e, std::size_t offset) noexcept { last_error_ = fail(e, offset); }

  template <class Sink> void deliver(bytes_view inner, Sink &sink) noexcept {
    ++counters_.delivered;
    counters_.delivered_bytes += inner.size();
    sink(inner);
  }

  /// One payload, in sequence order.
  template <class Sink> void process(std::uint64_t seq, const held_payload &h, time_point now, Sink &sink) noexcept {
    ++counters_.processed;
    if (have_last_ && seq != serial::advance(last_, 1)) {
      ++counters_.sequence_gaps;
      counters_.missing_payloads += serial::forward_distance(last_, seq) - 1;
      if (in_progress_) abandon(counters_.abandoned_gap);
    }
    last_ = seq;
    have_last_ = true;
    if (h.dummy) {
      ++counters_.pad_only;
      return;
    }
    auto pv = parse_payload(h.bytes);
    if (!pv) {
      ++counters_.malformed;
      note(pv.code(), pv.offset());
      if (in_progress_) abandon(counters_.abandoned_invalid);
      return;
    }
    const bytes_view data = pv->data();
    const std::size_t base = pv->header_size();
    const std::size_t bo = pv->block_offset();
    if (bo == 0 && (data.empty() || (std::to_integer<unsigned>(data[0]) >> 4) == 0)) {
      ++counters_.pad_only; // §2.2.3: advances the expected number, keeps the packet in progress
      return;
    }
    std::size_t pos = 0;
    if (in_progress_) {
      if (bo == 0) {
        abandon(counters_.abandoned_mismatch); // a new packet begins where the continuation was due
        note(errc::block_offset_mismatch, 2);
      } else {
        pos = continue_packet(data, bo, now, sink);
      }
    } else if (bo != 0) {
      ++counters_.orphan_continuations;
      pos = bo < data.size() ? bo : data.size();
    }
    parse_blocks(data, pos, base, now, sink);
  }

  /// Feeds the continuation of the packet in progress; returns where the
  /// next block starts.
  template <class Sink>
  std::size_t continue_packet(bytes_view data, std::size_t bo, time_point now, Sink &sink) noexcept {
    const std::size_t avail = bo < data.size() ? bo : data.size();
    std::size_t used = 0;
    std::size_t remaining = want_ - have_;
    if (want_ == 0) {
      // A runt: the length field was cut by the end of the last payload.
      const std::size_t need = length_field_end(type_) - have_;
      if (bo < need || data.size() < need) {
        abandon(counters_.abandoned_mismatch);
        note(errc::block_offset_mismatch, 2);
        return avail;
      }
      std::memcpy(buf_.get() + have_, data.data(), need);
      auto len = declared_length(bytes_view(buf_.get(), have_ + need), type_);
      if (!len || *len > cfg_.max_inner_size) {
        abandon(counters_.abandoned_invalid);
        note(len ? errc::inner_packet_too_large : len.code(), 0);
        return avail;
      }
      remaining = *len - have_;
      want_ = *len;
      have_ += need;
      used = need;
    }
    if (bo != remaining) {
      abandon(counters_.abandoned_mismatch);
      note(errc::block_offset_mismatch, 2);
      return avail;
    }
    const std::size_t n = avail - used;
    if (n != 0) std::memcpy(buf_.get() + have_, data.data() + used, n);
    have_ += n;
    if (have_ == want_) {
      in_progress_ = false;
      ++counters_.reassembled;
      deliver(bytes_view(buf_.get(), want_), sink);
    } else {
      progress_ = now;
    }
    return avail;
  }

  /// Cuts the data blocks from `pos` on: whole packets are delivered, the
  /// last may start a packet in progress, padding ends the payload.
  template <class Sink>
  void parse_blocks(bytes_view data, std::size_t pos, std::size_t base, time_point now, Sink &sink) noexcept {
    while (pos < data.size()) {
      block_type t{};
      if (!block_type_of(data[pos], t)) {
        ++counters_.unknown_block_type;
        note(errc::unknown_block_type, base + pos);
        return;
      }
      if (t == block_type::pad) return;
      const std::size_t left = data.size() - pos;
      if (left < length_field_end(t)) { // a runt: keep it, the length comes next
        start(t, data.subspan(pos), 0, now);
        return;
      }
      auto len = declared_length(data.subspan(pos), t);
      if (!len) {
        ++counters_.bad_inner_length;
        note(len.code(), base + pos + len.offset());
        return;
      }
      if (*len <= left) {
        deliver(data.subspan(pos, *len), sink);
        pos += *len;
        continue;
      }
      if (*len > cfg_.max_inner_size) {
        ++counters_.bad_inner_length;
        note(errc::inner_packet_too_large, base + pos);
        return;
      }
      start(t, data.subspan(pos), *len, now);
      return;
    }
  }

  void start(block_type t, bytes_view first, std::size_t want, time_point now) noexcept {
    std::memcpy(buf_.get(), first.data(), first.size());
    have_ = first.size();
    want_ = want;
    type_ = t;
    progress_ = now;
    in_progress_ = true;
    ++counters_.started;
  }

  receiver_config cfg_{};
  std::unique_ptr<window_type> window_;
  std::unique_ptr<std::byte[]> slots_;
  std::unique_ptr<std::uint32_t[]> free_;
  std::size_t free_count_ = 0;
  std::unique_ptr<std::byte[]> buf_;
  bool in_progress_ = false;
  block_type type_ = block_type::pad;
  std::size_t have_ = 0; // bytes of the packet in progress in buf_
  std::size_t want_ = 0; // its declared length; 0 while its length field is incomplete
  time_point progress_{};
  std::uint64_t last_ = 0; // the last sequence number processed
  bool have_last_ = false;
  receiver_counters counters_{};
  error_info<errc> last_error_{};
  error_info<esp::errc> last_esp_{};
};

} // namespace iptfs
} // namespace v1
} // namespace vpnwire
