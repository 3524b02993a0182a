// The reliable delivery of L2TP control messages (RFC 2661 §5.8 and
// Appendix A), sans-IO: no sockets, no threads, no clock of its own.
//
// The caller feeds received control datagrams and the time, and takes out
// datagrams to transmit and the next deadline:
//
//   l2tp::control::reliable_transport t(now, limits, config);
//   t.set_peer_tunnel_id(id);              // from the peer's Assigned Tunnel ID
//   (void)t.set_peer_window(rws);          // from its Receive Window Size AVP, if any
//   auto ns = t.send(message, now);        // a complete message from the wire layer's writer
//   t.receive(datagram, now);              // every control datagram of this tunnel
//   while (bytes_view m = t.pop_delivered(); !m.empty()) handle(m);   // in Ns order, once each
//   if (now >= t.next_deadline()) report = t.handle_timeout(now);
//   while (auto n = t.poll_transmit(now, buf); n && *n != 0) udp_send(buf.first(*n));
//
// What it guarantees: every message given to send() is transmitted in Ns
// order, retransmitted with exponential backoff until acknowledged, and the
// transport fails (handle_timeout reports peer_unreachable) after the retry
// limit; every received message is delivered once and in Ns order,
// duplicates (Ns in the 32767 values before the expected one) are dropped
// and acknowledged, and messages that arrive early are held, within the
// receive window, until the gap is filled.
//
// The layout of an L2TP control header is fixed (RFC 2661 §3.1: T, L and S
// set, O clear, so Ns and Nr are always at offsets 8 and 10); the transport
// relies on that to stamp Ns/Nr into outgoing messages. Headers are checked
// with the wire layer's l2tp::parse_header(); AVPs are not looked at.
//
// Memory: all slots are allocated once by the constructor (or create(),
// which reports out_of_memory instead of asserting)
// (send_slots + receive_window slots of max_message bytes each); nothing is
// allocated afterwards.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/serial.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/detail/heap_array.hpp"
#include "vpnwire/l2tp/control/errc.hpp"
#include "vpnwire/l2tp/header.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {

/// The Receive Window Size to assume when the peer sends none (RFC 2661 §4.4.3).
inline constexpr std::uint16_t default_peer_window = 4;

/// Timers and retry policy. The defaults are RFC 2661's recommendations.
struct transport_config {
  /// First retransmission timeout (§5.8: "recommended default 1 second").
  duration initial_timeout = std::chrono::seconds(1);
  /// Cap of the exponential backoff (§5.8: "no less than 8 seconds").
  duration max_timeout = std::chrono::seconds(8);
  /// Retransmissions of one message before the peer is declared unreachable (§5.8: default 5).
  unsigned max_retransmissions = 5;
  /// Silence after which a HELLO is due (§6.5 / §5.5 keepalive, 60 s).
  duration hello_interval = std::chrono::seconds(60);
  /// How long state is kept after StopCCN to acknowledge its retransmissions (§5.7: 31 s).
  duration linger = std::chrono::seconds(31);
  /// How long an acknowledgement waits for a message to ride on before a ZLB carries it.
  duration ack_delay = duration::zero();
};

/// Memory limits, fixed at construction. Out-of-range values are clamped
/// (send_slots and receive_window to [1, max_slots], max_message to
/// [control_header_size, 65535]).
struct transport_limits {
  static constexpr std::uint16_t max_slots = 1024;
  /// Messages accepted by send() and not yet acknowledged (sent or waiting for the window).
  std::uint16_t send_slots = 16;
  /// Our receive window: how many messages from the next one to deliver are
  /// held; advertised to the peer in the Receive Window Size AVP.
  std::uint16_t receive_window = 16;
  /// Largest control message sent or accepted, header included.
  std::size_t max_message = 4096;
};

/// Where the transport is in its life.
enum class transport_state : std::uint8_t {
  open,      ///< Normal operation.
  lingering, ///< StopCCN sent or received: acknowledging and retransmitting only, until the linger ends.
  failed,    ///< The retry limit was reached: the tunnel must be cleared (§5.8).
  closed     ///< The linger ended; nothing more is sent or accepted.
};

/// The enumerator's name, e.g. "closed".
[[nodiscard]] constexpr std::string_view name(transport_state v) noexcept {
  switch (v) {
  case transport_state::open: return "open";
  case transport_state::lingering: return "lingering";
  case transport_state::failed: return "failed";
  case transport_state::closed: return "closed";
  }
  return "unknown";
}

/// What receive() did with a datagram.
enum class receive_outcome : std::uint8_t {
  delivered,              ///< In order: it (and any held successors) can be taken with pop_delivered().
  held_out_of_order,      ///< Ahead of the expected Ns, within the receive window: held until the gap fills.
  duplicate,              ///< Already received: dropped, and an acknowledgement is scheduled (§5.8).
  ack_only,               ///< A ZLB: its Nr was processed, nothing to deliver.
  dropped_malformed,      ///< Not a control message (header bits, version, length): nothing processed.
  dropped_too_long,       ///< Longer than limits.max_message: nothing processed.
  dropped_nr_beyond_sent, ///< Nr acknowledges messages never sent: nothing processed.
  dropped_ns_undefined,   ///< Ns exactly 32768 from the expected value (RFC 1982 undefined order).
  dropped_beyond_window,  ///< Ns too far ahead for the receive window.
  dropped_closed          ///< The transport has failed or closed.
};

/// The enumerator's name, e.g. "dropped_closed".
[[nodiscard]] constexpr std::string_view name(receive_outcome v) noexcept {
  switch (v) {
  case receive_outcome::delivered: return "delivered";
  case receive_outcome::held_out_of_order: return "held_out_of_order";
  case receive_outcome::duplicate: return "duplicate";
  case receive_outcome::ack_only: return "ack_only";
  case receive_outcome::dropped_malformed: return "dropped_malformed";
  case receive_outcome::dropped_too_long: return "dropped_too_long";
  case receive_outcome::dropped_nr_beyond_sent: return "dropped_nr_beyond_sent";
  case receive_outcome::dropped_ns_undefined: return "dropped_ns_undefined";
  case receive_outcome::dropped_beyond_window: return "dropped_beyond_window";
  case receive_outcome::dropped_closed: return "dropped_closed";
  }
  return "unknown";
}

/// What handle_timeout() found.
struct timeout_report {
  bool retransmitting = false;   ///< At least one message is due for retransmission (poll_transmit sends it).
  bool hello_due = false;        ///< No message for hello_interval: the tunnel should send a HELLO.
  bool peer_unreachable = false; ///< The retry limit was reached: the transport is now failed.
  bool closed = false;           ///< The linger ended: the transport is now closed.
};

/// One counter per outcome and per drop reason.
struct transport_counters {
  std::uint64_t messages_queued = 0;        ///< Accepted by send().
  std::uint64_t messages_transmitted = 0;   ///< First transmissions.
  std::uint64_t retransmissions = 0;        ///< Retransmissions after a timeout.
  std::uint64_t zlbs_sent = 0;              ///< ZLB acknowledgements transmitted.
  std::uint64_t messages_acked = 0;         ///< Our messages acknowledged by the peer's Nr.
  std::uint64_t stale_nr = 0;               ///< Nr behind what the peer had already acknowledged (ignored).
  std::uint64_t delivered = 0;              ///< Messages handed out by pop_delivered().
  std::uint64_t held_out_of_order = 0;      ///< Messages held because they came early.
  std::uint64_t duplicates = 0;             ///< Duplicates dropped (and acknowledged).
  std::uint64_t zlbs_received = 0;          ///< ZLBs received.
  std::uint64_t dropped_malformed = 0;      ///< Datagrams that were not control messages.
  std::uint64_t dropped_too_long = 0;       ///< Datagrams longer than max_message.
  std::uint64_t dropped_nr_beyond_sent = 0; ///< Datagrams acknowledging what was never sent.
  std::uint64_t dropped_ns_undefined = 0;   ///< Datagrams with Ns exactly half the space away.
  std::uint64_t dropped_beyond_window = 0;  ///< Datagrams too far ahead.
  std::uint64_t dropped_closed = 0;         ///< Datagrams after failure or close.
  std::uint64_t send_rejected = 0;          ///< send() calls that failed.
  std::uint64_t timeouts = 0;               ///< Retransmission timeouts (each halves ssthresh, resets cwnd).
  std::uint64_t hellos_due = 0;             ///< Times a HELLO was reported due.
};

/// Reliable, ordered delivery of one tunnel's control messages.
class reliable_transport {
  using seq = core::serial16;

public:
  /// Allocates every slot. `now` starts the HELLO timer. Running out of
  /// memory is a programming error here (VPNWIRE_ASSERT); create() reports
  /// it as an error instead.
  explicit reliable_transport(time_point now, transport_limits limits = {}, transport_config config = {}) noexcept
      : reliable_transport(std::nothrow, now, limits, config) {
    VPNWIRE_ASSERT(allocated() && "out of memory: use reliable_transport::create()");
  }
  /// As above, without checking the allocation: allocated() tells.
  reliable_transport(std::nothrow_t, time_point now, transport_limits limits = {},
                     transport_config config = {}) noexcept
      : limits_(clamp(limits)), config_(config),
        send_(vpnwire::detail::heap_array<send_slot>::make(limits_.send_slots)),
        recv_(vpnwire::detail::heap_array<recv_slot>::make(limits_.receive_window)),
        send_bytes_(
            vpnwire::detail::heap_array<std::byte>::make(std::size_t{limits_.send_slots} * limits_.max_message)),
        recv_bytes_(
            vpnwire::detail::heap_array<std::byte>::make(std::size_t{limits_.receive_window} * limits_.max_message)) {
    ssthresh_ = peer_window_;
    hello_deadline_ = later(now, config_.hello_interval);
  }
  /// The transport, or out_of_memory (offset 0) when its slots cannot be
  /// allocated: for code built without exceptions that must survive that.
  [[nodiscard]] static result<reliable_transport, errc> create(time_point now, transport_limits limits = {},
                                                               transport_config config = {}) noexcept {
    reliable_transport t(std::nothrow, now, limits, config);
    if (!t.allocated()) return fail(errc::out_of_memory, 0);
    return t;
  }
  /// Whether the constructor got all the memory its limits ask for.
  [[nodiscard]] bool allocated() const noexcept {
    return send_.allocated(limits_.send_slots) && recv_.allocated(limits_.receive_window) &&
           send_bytes_.allocated(std::size_t{limits_.send_slots} * limits_.max_message) &&
           recv_bytes_.allocated(std::size_t{limits_.receive_window} * limits_.max_message);
  }

  // ---------------------------------------------------------------- setup

  /// Returns to the just-constructed state (no message queued, held or
  /// owed, Ns/Nr 0, peer window 4, counters zeroed, `now` restarting the
  /// HELLO timer) keeping the slots allocated: for an endpoint that reuses
  /// a tunnel slot. Limits and timers are unchanged.
  void reset(time_point now) noexcept {
    std::fill(send_.begin(), send_.end(), send_slot{});
    std::fill(recv_.begin(), recv_.end(), recv_slot{});
    state_ = transport_state::open;
    counters_ = transport_counters{};
    snd_una_ = snd_nxt_ = snd_end_ = 0;
    deliver_next_ = rcv_nxt_ = 0;
    peer_tunnel_id_ = 0;
    peer_window_ = default_peer_window;
    cwnd_ = 1;
    ssthresh_ = peer_window_;
    ca_acks_ = 0;
    ack_pending_ = false;
    ack_deadline_ = time_point{};
    hello_deadline_ = later(now, config_.hello_interval);
    linger_deadline_ = time_point::max();
  }

  /// The Tunnel ID to put in ZLB acknowledgements: the peer's Assigned Tunnel ID.
  void set_peer_tunnel_id(std::uint16_t id) noexcept { peer_tunnel_id_ = id; }
  [[nodiscard]] std::uint16_t peer_tunnel_id() const noexcept { return peer_tunnel_id_; }

  /// The peer's Receive Window Size (from its SCCRQ or SCCRP; 4 when absent).
  /// Also resets slow start's threshold to it (Appendix A).
  /// Errors: receive_window_zero when w is 0 (the window is unchanged).
  [[nodiscard]] result<void, errc> set_peer_window(std::uint16_t w) noexcept {
    if (w == 0) return fail(errc::receive_window_zero, 0);
    peer_window_ = w;
    ssthresh_ = w;
    cwnd_ = std::min<std::uint32_t>(cwnd_, w);
    return {};
  }

  // ---------------------------------------------------------------- sending

  /// Queues a complete control message (header and AVPs, as built by the
  /// wire layer's writer; its Ns and Nr fields are overwritten) and returns
  /// the Ns assigned to it. It is transmitted by poll_transmit() as soon as
  /// the window allows.
  /// Errors: message_too_short, message_too_long, not_a_control_message,
  /// length_mismatch (offset 2), zlb_not_allowed (a header without AVPs),
  /// transport_closed (after begin_linger(), failure or close),
  /// send_queue_full (every send slot is taken).
  [[nodiscard]] result<std::uint16_t, errc> send(bytes_view message) noexcept {
    const auto bad = check_header(message);
    if (bad.code != errc::ok) {
      ++counters_.send_rejected;
      return bad;
    }
    if (message.size() == control_header_size) return reject(errc::zlb_not_allowed, 0);
    if (state_ != transport_state::open) return reject(errc::transport_closed, 0);
    if (seq::forward_distance(snd_una_, snd_end_) >= limits_.send_slots) return reject(errc::send_queue_full, 0);
    const std::uint16_t ns = snd_end_;
    send_slot &s = send_[slot_of(ns, limits_.send_slots)];
    s = send_slot{};
    s.length = message.size();
    std::byte *bytes = send_storage(ns);
    std::memcpy(bytes, message.data(), message.size());
    core::store_be16(bytes + 8, ns);
    snd_end_ = seq::advance(snd_end_, 1);
    ++counters_.messages_queued;
    return ns;
  }

  /// The next datagram to transmit, written into `out`: retransmissions
  /// first, then new messages while fewer than min(cwnd, peer window) are
  /// unacknowledged, then a ZLB if an acknowledgement is owed and nothing
  /// else carried it. Every message carries the current Nr. Returns the size
  /// written, 0 when there is nothing to send now. Call until it returns 0.
  /// Errors: buffer_too_small (nothing is consumed; retry with a bigger span).
  [[nodiscard]] result<std::size_t, errc> poll_transmit(time_point now, mutable_bytes out) noexcept {
    if (state_ == transport_state::failed || state_ == transport_state::closed) return std::size_t{0};
    // Retransmissions, oldest first.
    for (std::uint16_t ns = snd_una_; ns != snd_nxt_; ns = seq::advance(ns, 1)) {
      send_slot &s = send_[slot_of(ns, limits_.send_slots)];
      if (!s.needs_retransmit) continue;
      if (out.size() < s.length) return fail(errc::buffer_too_small, 0);
      s.needs_retransmit = false;
      s.deadline = later(now, timeout_for(s.retransmissions));
      ++counters_.retransmissions;
      return emit(ns, s, out);
    }
    // New messages within the window.
    const std::uint32_t in_flight = seq::forward_distance(snd_una_, snd_nxt_);
    const std::uint32_t window = std::min<std::uint32_t>(cwnd_, peer_window_);
    if (snd_nxt_ != snd_end_ && in_flight < window) {
      send_slot &s = send_[slot_of(snd_nxt_, limits_.send_slots)];
      if (out.size() < s.length) return fail(errc::buffer_too_small, 0);
      s.deadline = later(now, config_.initial_timeout);
      const std::uint16_t ns = snd_nxt_;
      snd_nxt_ = seq::advance(snd_nxt_, 1);
      ++counters_.messages_transmitted;
      return emit(ns, s, out);
    }
    // A ZLB for an acknowledgement nothing else carried.
    if (ack_pending_ && now >= ack_deadline_) {
      // A header alone, to the peer's tunnel, session 0 (§5.8); it carries
      // the next Ns without consuming it.
      l2tp::header_fields f;
      f.control = true;
      f.tunnel_id = peer_tunnel_id_;
      f.ns = snd_nxt_;
      f.nr = rcv_nxt_;
      if (!l2tp::build_header(out, f, 0)) return fail(errc::buffer_too_small, 0);
      ack_pending_ = false;
      ++counters_.zlbs_sent;
      return control_header_size;
    }
    return std::size_t{0};
  }

  // ---------------------------------------------------------------- receiving

  /// Processes one received control datagram of this tunnel: its Nr
  /// acknowledges our messages, and a message (not a ZLB) is delivered,
  /// held, or dropped as a duplicate. Never fails: the outcome says what
  /// happened and the counters count it.
  receive_outcome receive(bytes_view datagram, time_point now) noexcept {
    if (state_ == transport_state::failed || state_ == transport_state::closed) {
      ++counters_.dropped_closed;
      return receive_outcome::dropped_closed;
    }
    auto parsed = l2tp::parse_header(datagram);
    if (!parsed || !parsed->is_control()) {
      ++counters_.dropped_malformed;
      return receive_outcome::dropped_malformed;
    }
    datagram = parsed->message(); // trimmed to its Length field (§3.1)
    if (datagram.size() > limits_.max_message) {
      ++counters_.dropped_too_long;
      return receive_outcome::dropped_too_long;
    }
    const std::uint16_t ns = parsed->ns();
    const std::uint16_t nr = parsed->nr();
    const bool zlb = parsed->is_zlb();

    // Classify Nr before changing anything.
    // Nr in [snd_una, snd_nxt] acknowledges. Behind snd_una, by no more than
    // the messages acknowledged so far (Ns starts at 0), it is an old
    // acknowledgement overtaken by a newer one. Anything else acknowledges
    // messages we never sent.
    const bool nr_fresh = seq::forward_distance(snd_una_, nr) <= seq::forward_distance(snd_una_, snd_nxt_);
    const bool nr_stale = !nr_fresh && seq::compare(nr, snd_una_) == core::serial_order::less &&
                          seq::forward_distance(nr, snd_una_) <= counters_.messages_acked;
    if (!nr_fresh && !nr_stale) {
      ++counters_.dropped_nr_beyond_sent;
      return receive_outcome::dropped_nr_beyond_sent;
    }
    // Classify Ns (a ZLB's Ns is only "the next one" and is not checked).
    receive_outcome outcome = receive_outcome::ack_only;
    if (!zlb) {
      const auto order = seq::compare(rcv_nxt_, ns);
      if (order == core::serial_order::undefined) {
        ++counters_.dropped_ns_undefined;
        return receive_outcome::dropped_ns_undefined;
      }
      // A duplicate is either an Ns in the 32767 before the expected one or a
      // copy of one already held.
      const bool behind = order == core::serial_order::greater;
      if (!behind && seq::forward_distance(deliver_next_, ns) >= limits_.receive_window) {
        ++counters_.dropped_beyond_window;
        return receive_outcome::dropped_beyond_window;
      }
      if (behind || recv_[slot_of(ns, limits_.receive_window)].held) {
        outcome = receive_outcome::duplicate;
      } else {
        outcome = ns == rcv_nxt_ ? receive_outcome::delivered : receive_outcome::held_out_of_order;
      }
    }

    // Accepted: apply the acknowledgement, then the message.
    hello_deadline_ = later(now, config_.hello_interval);
    if (nr_stale)
      ++counters_.stale_nr;
    else
      acknowledge_up_to(nr);

    switch (outcome) {
    case receive_outcome::ack_only: ++counters_.zlbs_received; break;
    case receive_outcome::duplicate:
      ++counters_.duplicates;
      owe_ack(now);
      break;
    case receive_outcome::delivered:
    case receive_outcome::held_out_of_order: {
      recv_slot &r = recv_[slot_of(ns, limits_.receive_window)];
      r.held = true;
      r.length = datagram.size();
      std::memcpy(recv_storage(ns), datagram.data(), datagram.size());
      if (outcome == receive_outcome::delivered) {
        while (recv_[slot_of(rcv_nxt_, limits_.receive_window)].held &&
               seq::forward_distance(deliver_next_, rcv_nxt_) < limits_.receive_window) {
          rcv_nxt_ = seq::advance(rcv_nxt_, 1);
        }
        owe_ack(now);
      } else {
        ++counters_.held_out_of_order;
      }
      break;
    }
    default: break;
    }
    return outcome;
  }

  /// The next received message in Ns order, or an empty span when none is
  /// ready. The span stays valid until the next receive() or pop_delivered().
  [[nodiscard]] bytes_view pop_delivered() noexcept {
    if (deliver_next_ == rcv_nxt_) return {};
    recv_slot &r = recv_[slot_of(deliver_next_, limits_.receive_window)];
    const bytes_view m(recv_storage(deliver_next_), r.length);
    r.held = false;
    deliver_next_ = seq::advance(deliver_next_, 1);
    ++counters_.delivered;
    return m;
  }

  // ---------------------------------------------------------------- time

  /// Runs the timers due at `now`: retransmission timeouts (backoff, and on
  /// a timeout Appendix A's ssthresh = max(cwnd/2, 1), cwnd = 1), the retry
  /// limit, the HELLO timer and the end of the linger.
  timeout_report handle_timeout(time_point now) noexcept {
    timeout_report rep;
    if (state_ == transport_state::failed || state_ == transport_state::closed) return rep;
    if (state_ == transport_state::lingering && now >= linger_deadline_) {
      state_ = transport_state::closed;
      rep.closed = true;
      return rep;
    }
    bool loss = false;
    for (std::uint16_t ns = snd_una_; ns != snd_nxt_; ns = seq::advance(ns, 1)) {
      send_slot &s = send_[slot_of(ns, limits_.send_slots)];
      if (s.needs_retransmit || now < s.deadline) continue;
      if (s.retransmissions >= config_.max_retransmissions) {
        if (state_ == transport_state::lingering) {
          state_ = transport_state::closed;
          rep.closed = true;
        } else {
          state_ = transport_state::failed;
          rep.peer_unreachable = true;
        }
        return rep;
      }
      ++s.retransmissions;
      s.needs_retransmit = true;
      loss = true;
    }
    if (loss) {
      ++counters_.timeouts;
      ssthresh_ = std::max<std::uint32_t>(cwnd_ / 2, 1);
      cwnd_ = 1;
      ca_acks_ = 0;
      rep.retransmitting = true;
    }
    if (state_ == transport_state::open && now >= hello_deadline_) {
      hello_deadline_ = later(now, config_.hello_interval);
      // Unacknowledged messages already probe the peer; a HELLO adds nothing.
      if (snd_una_ == snd_end_) {
        rep.hello_due = true;
        ++counters_.hellos_due;
      }
    }
    return rep;
  }

  /// The earliest time handle_timeout() or poll_transmit() has work to do
  /// (a retransmission timeout, a delayed acknowledgement, the HELLO timer,
  /// the end of the linger); time_point::max() once failed or closed. Work
  /// that is possible immediately (a queued message the window admits) is
  /// not a deadline: call poll_transmit() after every send() and receive().
  [[nodiscard]] time_point next_deadline() const noexcept {
    time_point t = time_point::max();
    if (state_ == transport_state::failed || state_ == transport_state::closed) return t;
    for (std::uint16_t ns = snd_una_; ns != snd_nxt_; ns = seq::advance(ns, 1)) {
      const send_slot &s = send_[slot_of(ns, limits_.send_slots)];
      if (!s.needs_retransmit) t = std::min(t, s.deadline);
    }
    if (ack_pending_) t = std::min(t, ack_deadline_);
    if (state_ == transport_state::open) t = std::min(t, hello_deadline_);
    if (state_ == transport_state::lingering) t = std::min(t, linger_deadline_);
    return t;
  }

  /// StopCCN was sent or received: take no new message, keep acknowledging
  /// and retransmitting what is queued for config.linger (31 s), then close.
  void begin_linger(time_point now) noexcept {
    if (state_ != transport_state::open) return;
    state_ = transport_state::lingering;
    linger_deadline_ = later(now, config_.linger);
  }

  // ---------------------------------------------------------------- state

  [[nodiscard]] transport_state state() const noexcept { return state_; }
  [[nodiscard]] const transport_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] const transport_limits &limits() const noexcept { return limits_; }
  [[nodiscard]] const transport_config &config() const noexcept { return config_; }
  /// The window to advertise in our Receive Window Size AVP.
  [[nodiscard]] std::uint16_t receive_window() const noexcept { return limits_.receive_window; }
  /// The peer's window in force (4 until set_peer_window()).
  [[nodiscard]] std::uint16_t peer_window() const noexcept { return peer_window_; }
  /// Appendix A's congestion window and slow-start threshold, in messages.
  [[nodiscard]] std::uint32_t congestion_window() const noexcept { return cwnd_; }
  [[nodiscard]] std::uint32_t slow_start_threshold() const noexcept { return ssthresh_; }
  /// The Ns the next queued message will get.
  [[nodiscard]] std::uint16_t next_ns() const noexcept { return snd_end_; }
  /// The Nr we send: the Ns expected next from the peer.
  [[nodiscard]] std::uint16_t next_expected_ns() const noexcept { return rcv_nxt_; }
  /// Messages transmitted and not yet acknowledged.
  [[nodiscard]] std::uint16_t in_flight() const noexcept { return seq::forward_distance(snd_una_, snd_nxt_); }
  /// Messages queued (transmitted or not) and not yet acknowledged.
  [[nodiscard]] std::uint16_t unacknowledged() const noexcept { return seq::forward_distance(snd_una_, snd_end_); }
  /// True when an acknowledgement is owed and not yet sent.
  [[nodiscard]] bool ack_pending() const noexcept { return ack_pending_; }
  /// Bytes of slot storage allocated by the constructor (the memory bound).
  [[nodiscard]] std::size_t storage_bytes() const noexcept { return send_bytes_.size() + recv_bytes_.size(); }

private:
  struct send_slot {
    std::size_t length = 0;
    time_point deadline{};
    unsigned retransmissions = 0;
    bool needs_retransmit = false;
  };
  struct recv_slot {
    std::size_t length = 0;
    bool held = false;
  };

  static transport_limits clamp(transport_limits l) noexcept {
    l.send_slots = std::clamp<std::uint16_t>(l.send_slots, 1, transport_limits::max_slots);
    l.receive_window = std::clamp<std::uint16_t>(l.receive_window, 1, transport_limits::max_slots);
    l.max_message = std::clamp<std::size_t>(l.max_message, control_header_size, 65535);
    return l;
  }
  static std::size_t slot_of(std::uint16_t ns, std::uint16_t slots) noexcept { return ns % slots; }
  static time_point later(time_point t, duration d) noexcept {
    if (d <= duration::zero()) return t;
    if (t > time_point::max() - d) return time_point::max();
    return t + d;
  }

  /// Checks a message handed to send() with the wire layer's parser: a
  /// complete control message, Length equal to its size.
  [[nodiscard]] error_info<errc> check_header(bytes_view m) const noexcept {
    if (m.size() < control_header_size) return {errc::message_too_short, m.size()};
    if (m.size() > limits_.max_message) return {errc::message_too_long, limits_.max_message};
    auto h = l2tp::parse_header(m);
    if (!h) {
      const bool length = h.code() == l2tp::errc::length_below_header || h.code() == l2tp::errc::length_beyond_datagram;
      return {length ? errc::length_mismatch : errc::not_a_control_message, h.offset()};
    }
    if (!h->is_control()) return {errc::not_a_control_message, 0};
    if (h->trailing_bytes() != 0) return {errc::length_mismatch, 2};
    return {errc::ok, 0};
  }
  [[nodiscard]] error_info<errc> reject(errc e, std::size_t offset) noexcept {
    ++counters_.send_rejected;
    return {e, offset};
  }

  std::byte *send_storage(std::uint16_t ns) noexcept {
    return send_bytes_.data() + slot_of(ns, limits_.send_slots) * limits_.max_message;
  }
  std::byte *recv_storage(std::uint16_t ns) noexcept {
    return recv_bytes_.data() + slot_of(ns, limits_.receive_window) * limits_.max_message;
  }

  [[nodiscard]] duration timeout_for(unsigned retransmissions) const noexcept {
    duration t = config_.initial_timeout;
    const duration cap = std::max(config_.max_timeout, config_.initial_timeout);
    for (unsigned i = 0; i < retransmissions && t < cap; ++i) t = t > cap / 2 ? cap : t + t;
    return std::min(t, cap);
  }

  std::size_t emit(std::uint16_t ns, const send_slot &s, mutable_bytes out) noexcept {
    std::memcpy(out.data(), send_storage(ns), s.length);
    core::store_be16(out.data() + 10, rcv_nxt_); // the current Nr, also on retransmissions
    ack_pending_ = false;                        // piggybacked
    return s.length;
  }

  void owe_ack(time_point now) noexcept {
    if (!ack_pending_) ack_deadline_ = later(now, config_.ack_delay);
    ack_pending_ = true;
  }

  void acknowledge_up_to(std::uint16_t nr) noexcept {
    while (snd_una_ != nr) {
      send_[slot_of(snd_una_, limits_.send_slots)] = send_slot{};
      snd_una_ = seq::advance(snd_una_, 1);
      ++counters_.messages_acked;
      // Appendix A: slow start below ssthresh, then one more per window's worth of acks.
      if (cwnd_ < ssthresh_) {
        ++cwnd_;
      } else if (++ca_acks_ >= cwnd_) {
        ca_acks_ = 0;
        ++cwnd_;
      }
      cwnd_ = std::min<std::uint32_t>(cwnd_, peer_window_);
    }
  }

  transport_limits limits_;
  transport_config config_;
  transport_state state_ = transport_state::open;
  transport_counters counters_{};

  vpnwire::detail::heap_array<send_slot> send_;
  vpnwire::detail::heap_array<recv_slot> recv_;
  vpnwire::detail::heap_array<std::byte> send_bytes_;
  vpnwire::detail::heap_array<std::byte> recv_bytes_;

  // Send side: [snd_una, snd_nxt) transmitted and unacknowledged, [snd_nxt, snd_end) waiting for the window.
  std::uint16_t snd_una_ = 0;
  std::uint16_t snd_nxt_ = 0;
  std::uint16_t snd_end_ = 0;
  // Receive side: [deliver_next, rcv_nxt) received in order, not yet popped; held ones beyond rcv_nxt.
  std::uint16_t deliver_next_ = 0;
  std::uint16_t rcv_nxt_ = 0;

  std::uint16_t peer_tunnel_id_ = 0;
  std::uint16_t peer_window_ = default_peer_window;
  std::uint32_t cwnd_ = 1;
  std::uint32_t ssthresh_ = default_peer_window;
  std::uint32_t ca_acks_ = 0;

  bool ack_pending_ = false;
  time_point ack_deadline_{};
  time_point hello_deadline_{};
  time_point linger_deadline_ = time_point::max();
};

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
