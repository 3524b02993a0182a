// One L2TP control connection and its calls (RFC 2661 §5, §7.2-§7.5),
// sans-IO: the tunnel and session state machines of the LAC and the LNS on
// top of the reliable transport, with messages parsed and built by the wire
// layer (validate_message, message_writer, hidden AVPs, challenge/response).
//
//   l2tp::control::tunnel<crypto::openssl_md5, my_random> t(cfg, md5, rng, now);
//   t.open(now);                                   // initiator: SCCRQ
//   on datagram:  t.receive(bytes, now);
//   on timer:     if (now >= t.next_deadline()) t.handle_timeout(now);
//   always after: while (auto n = t.poll_transmit(now, buf); n && *n) udp_send(...);
//                 for (l2tp::control::event e; t.poll_event(e);) react(e);
//
// Tunnel states (§7.2): idle -> wait_ctl_reply (initiator, SCCRQ sent) or
// wait_ctl_conn (responder, SCCRP sent) -> established -> closing (StopCCN
// sent or received; the transport lingers 31 s) -> closed. The waiting
// states end at tunnel_config::establish_timeout (62 s by default) if the
// peer, having acknowledged our SCCRQ/SCCRP, never answers.
// Session states (§7.4, §7.5): wait_reply (ICRQ/OCRQ sent), wait_connect
// (ICRP/OCRP sent or OCRP received, waiting for ICCN/OCCN, or the LAC's
// application placing the outgoing call), established.
//
// Authentication (§4.2, §5.1.1): with a secret, each side sends a Challenge
// and requires the matching Challenge Response (MD5 of the carrying message
// type, the secret and the challenge); a peer that fails or omits it is sent
// StopCCN with Result Code 4. With a secret and hide_avps, session AVPs
// (Assigned Session ID, Call Serial Number, speeds, framing) are sent hidden
// (§4.3), and hidden AVPs are decrypted on receipt.
//
// Memory: the transport's slots, max_sessions session slots, max_events
// events and two message buffers of the transport's max_message bytes, all
// allocated by the constructor (or create(), which reports out_of_memory
// instead of asserting).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/crypto/digest.hpp"
#include "vpnwire/detail/heap_array.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/control/errc.hpp"
#include "vpnwire/l2tp/control/events.hpp"
#include "vpnwire/l2tp/control/reliable_transport.hpp"
#include "vpnwire/l2tp/error_action.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/tunnel_auth.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {

/// A source of unpredictable bytes (challenges, Random Vectors, tie
/// breakers, session and tunnel IDs). The library never picks one itself.
template <class R>
concept random_source = requires(R &r, mutable_bytes out) {
  { r.fill(out) }
  noexcept->std::same_as<void>;
};

/// Tie Breaker resolution (§4.4.3) when both ends sent an SCCRQ to each other.
enum class tie_outcome : std::uint8_t {
  no_tie,      ///< Neither SCCRQ carried a Tie Breaker: both tunnels proceed.
  keep_ours,   ///< We win: drop the peer's SCCRQ (its tunnel).
  keep_theirs, ///< The peer wins: discard our own initiating tunnel.
  drop_both    ///< Equal values: both sides discard their tunnels.
};

/// The enumerator's name, e.g. "drop_both".
[[nodiscard]] constexpr std::string_view name(tie_outcome v) noexcept {
  switch (v) {
  case tie_outcome::no_tie: return "no_tie";
  case tie_outcome::keep_ours: return "keep_ours";
  case tie_outcome::keep_theirs: return "keep_theirs";
  case tie_outcome::drop_both: return "drop_both";
  }
  return "unknown";
}
/// The lower Tie Breaker value wins; a side that sent one wins over a side
/// that did not; equal values make both sides give up (§4.4.3).
[[nodiscard]] constexpr tie_outcome resolve_tie(std::optional<std::uint64_t> ours,
                                                std::optional<std::uint64_t> theirs) noexcept {
  if (!ours && !theirs) return tie_outcome::no_tie;
  if (!theirs) return tie_outcome::keep_ours;
  if (!ours) return tie_outcome::keep_theirs;
  if (*ours == *theirs) return tie_outcome::drop_both;
  return *ours < *theirs ? tie_outcome::keep_ours : tie_outcome::keep_theirs;
}

/// What a demultiplexer needs from an SCCRQ before it creates a responder
/// tunnel for it: the Tie Breaker (to settle two simultaneous SCCRQs with
/// resolve_tie() against our own outstanding tunnel's tie_breaker()) and
/// the peer's Host Name. Spans point into the datagram.
struct sccrq_info {
  std::optional<std::uint64_t> tie_breaker;
  bytes_view host_name{};
};
/// Reads an SCCRQ without creating any state.
/// Errors: malformed_message (offset from the datagram start, of the wire
/// layer's header or validation error); not_an_sccrq (a data message, a ZLB,
/// or another message type; offset 0).
[[nodiscard]] inline result<sccrq_info, errc> inspect_sccrq(bytes_view datagram) noexcept {
  auto h = parse_header(datagram);
  if (!h) return fail(errc::malformed_message, h.offset());
  if (!h->is_control()) return fail(errc::not_an_sccrq, 0);
  auto m = validate_message(h->payload());
  if (!m) return fail(errc::malformed_message, h->payload_offset() + m.offset());
  if (m->is_zlb() || m->type_value() != static_cast<std::uint16_t>(message_type::sccrq))
    return fail(errc::not_an_sccrq, 0);
  sccrq_info info;
  if (auto tb = m->get<avp_type::tie_breaker>()) info.tie_breaker = *tb;
  if (auto hn = m->get<avp_type::host_name>()) info.host_name = *hn;
  return info;
}

/// sccrq_info points into the datagram: inspecting a temporary container
/// would leave it dangling, so it does not compile.
template <class Owner>
requires core::temporary_owner<Owner> result<sccrq_info, errc> inspect_sccrq(Owner &&)
= delete;

enum class tunnel_state : std::uint8_t { idle, wait_ctl_reply, wait_ctl_conn, established, closing, closed };
enum class session_state : std::uint8_t { unused, wait_reply, wait_connect, established };

/// The enumerator's name, e.g. "established".
[[nodiscard]] constexpr std::string_view name(session_state v) noexcept {
  switch (v) {
  case session_state::unused: return "unused";
  case session_state::wait_reply: return "wait_reply";
  case session_state::wait_connect: return "wait_connect";
  case session_state::established: return "established";
  }
  return "unknown";
}

[[nodiscard]] constexpr std::string_view name(tunnel_state s) noexcept {
  switch (s) {
  case tunnel_state::idle: return "idle";
  case tunnel_state::wait_ctl_reply: return "wait_ctl_reply";
  case tunnel_state::wait_ctl_conn: return "wait_ctl_conn";
  case tunnel_state::established: return "established";
  case tunnel_state::closing: return "closing";
  case tunnel_state::closed: return "closed";
  }
  return "unknown";
}

/// What this end says about itself and how it behaves. The strings are copied.
struct tunnel_config {
  control::role role = role::lac;
  std::string_view host_name = "vpnwire";
  std::string_view vendor_name = "vpnwire"; ///< empty: AVP omitted
  std::string_view secret{};                ///< empty: no tunnel authentication, nothing hidden
  bool hide_avps = true;                    ///< with a secret: send session AVPs hidden (§4.3)
  std::uint32_t framing_capabilities = framing::sync | framing::async;
  std::uint32_t bearer_capabilities = 0; ///< 0: AVP omitted
  std::uint16_t firmware_revision = 0x0100;
  bool send_tie_breaker = true;
  std::uint16_t max_sessions = 16;
  std::uint16_t max_events = 64;
  transport_limits transport{};
  transport_config timers{};
  /// Establishment deadline: how long the tunnel may stay in wait_ctl_reply
  /// (initiator, from open()) or wait_ctl_conn (responder, from the SCCRQ)
  /// before it gives up. Needed because a peer that acknowledged our
  /// SCCRQ/SCCRP and then gave up (its own reply failed) leaves nothing
  /// outstanding here, so no retransmission would ever end the wait. On
  /// expiry the tunnel is stopped as by close(): StopCCN (Result Code 2,
  /// message establish_timeout_reason) when the peer's Assigned Tunnel ID is
  /// known (always in wait_ctl_conn; not in wait_ctl_reply, where nothing is
  /// sent), a tunnel_down event with origin::local and that message, and
  /// tunnel_counters::establish_timeouts counted. zero (the default): twice
  /// retransmission_budget(timers), 62 s with the RFC 2661 §5.8 defaults
  /// (our message's retries, then the peer's reply's retries).
  duration establish_timeout = duration::zero();
};

/// The message of the StopCCN and of the tunnel_down event when the
/// establishment deadline (tunnel_config::establish_timeout) expires.
inline constexpr std::string_view establish_timeout_reason = "establishment timeout";

/// How long the transport keeps retransmitting one message before it
/// declares the peer unreachable: the sum of the max_retransmissions + 1
/// backed-off timeouts (initial_timeout doubling, capped at max_timeout);
/// 31 s with the defaults (1+2+4+8+8+8).
[[nodiscard]] constexpr duration retransmission_budget(const transport_config &t) noexcept {
  duration total = duration::zero();
  duration rto = t.initial_timeout;
  for (unsigned i = 0; i <= t.max_retransmissions && i < 64; ++i) {
    total += std::min(rto, t.max_timeout);
    if (rto < t.max_timeout) rto *= 2;
  }
  return total;
}

/// Parameters of a call this end places: ICRQ + ICCN (LAC) or OCRQ (LNS).
struct call_request {
  std::uint32_t call_serial_number = 0; ///< 0: the tunnel numbers calls itself
  std::uint32_t bearer_type = 0;        ///< 0: AVP omitted (ICRQ)
  std::uint32_t framing_type = framing::async;
  std::uint32_t tx_connect_speed = 100000000;
  std::uint32_t rx_connect_speed = 0;    ///< 0: AVP omitted
  std::uint32_t minimum_bps = 0;         ///< OCRQ
  std::uint32_t maximum_bps = 100000000; ///< OCRQ
  bytes_view called_number{};            ///< OCRQ (required), ICRQ (optional)
  bytes_view calling_number{};           ///< ICRQ (optional)
  bool sequencing_required = false;      ///< send the Sequencing Required AVP in ICCN/OCCN (§5.4)
};

/// One counter per outcome of a received message.
struct tunnel_counters {
  std::uint64_t messages_handled = 0;      ///< delivered by the transport and processed
  std::uint64_t malformed = 0;             ///< rejected by the wire layer's validation
  std::uint64_t not_control = 0;           ///< datagrams that were not control messages
  std::uint64_t wrong_tunnel_id = 0;       ///< header Tunnel ID not ours
  std::uint64_t unexpected = 0;            ///< valid message not allowed in the current state or role
  std::uint64_t unknown_session = 0;       ///< session message for a session we do not have
  std::uint64_t ignored_unknown_type = 0;  ///< unknown message type with M=0 (§4.4.1)
  std::uint64_t stopccn_id_mismatch = 0;   ///< StopCCN whose Assigned Tunnel ID is not the peer's (ignored)
  std::uint64_t hello_with_session_id = 0; ///< HELLO with a non-zero Session ID (accepted, counted)
  std::uint64_t auth_failures = 0;         ///< missing or wrong Challenge Response, or a challenge we cannot answer
  std::uint64_t sessions_refused = 0;      ///< incoming ICRQ/OCRQ refused for lack of a slot
  std::uint64_t events_dropped = 0;        ///< events lost because the event queue was full
  std::uint64_t establish_timeouts = 0;    ///< stopped in wait_ctl_reply/wait_ctl_conn at the establishment deadline
};

/// Called after every call that may change what a tunnel has to send, its
/// events or its next deadline (tunnel::set_change_hook): how an endpoint
/// learns which of its tunnels to look at, including tunnels its caller
/// drives directly through the pointer endpoint::find() returns.
struct change_hook {
  void (*fn)(void *context, std::size_t tag) noexcept = nullptr;
  void *context = nullptr;
  std::size_t tag = 0;
};

template <crypto::md5_like Digest, random_source Random> class tunnel {
  static constexpr bool nothrow_parts =
      std::is_nothrow_move_constructible_v<Digest> && std::is_nothrow_move_constructible_v<Random>;

public:
  /// Allocates everything. Our Assigned Tunnel ID is drawn from `rng` (never
  /// 0). Running out of memory is a programming error here (VPNWIRE_ASSERT);
  /// create() reports it as an error instead.
  tunnel(const tunnel_config &cfg, Digest md5, Random rng, time_point now) noexcept(nothrow_parts)
      : tunnel(std::nothrow, cfg, std::move(md5), std::move(rng), now) {
    VPNWIRE_ASSERT(allocated() && "out of memory: use tunnel::create()");
  }
  /// As above, without checking the allocation: allocated() tells.
  tunnel(std::nothrow_t, const tunnel_config &cfg, Digest md5, Random rng, time_point now) noexcept(nothrow_parts)
      : cfg_(settled(cfg)), host_(copy_text(host_or_default(cfg.host_name))), vendor_(copy_text(cfg.vendor_name)),
        secret_(copy_text(cfg.secret)), md5_(std::move(md5)), rng_(std::move(rng)),
        transport_(std::nothrow, now, cfg.transport, cfg.timers),
        sessions_(vpnwire::detail::heap_array<session>::make(cfg_.max_sessions)),
        events_(vpnwire::detail::heap_array<event>::make(cfg_.max_events)),
        tx_(vpnwire::detail::heap_array<std::byte>::make(transport_.limits().max_message)),
        scratch_(vpnwire::detail::heap_array<std::byte>::make(avp_max_value)) {
    allocated_ = host_.allocated(host_or_default(cfg.host_name).size()) && vendor_.allocated(cfg.vendor_name.size()) &&
                 secret_.allocated(cfg.secret.size()) && transport_.allocated() &&
                 sessions_.allocated(cfg_.max_sessions) && events_.allocated(cfg_.max_events) &&
                 tx_.allocated(transport_.limits().max_message) && scratch_.allocated(avp_max_value);
    local_tunnel_id_ = random_nonzero_u16();
    std::array<std::byte, 8> tb{};
    rng_.fill(tb);
    tie_breaker_ = core::load_be64(tb.data());
  }
  /// The tunnel, or out_of_memory (offset 0) when its buffers cannot be
  /// allocated: for code built without exceptions that must survive that.
  /// Needs a Digest and a Random that move without throwing.
  [[nodiscard]] static result<tunnel, errc> create(const tunnel_config &cfg, Digest md5, Random rng,
                                                   time_point now) noexcept {
    static_assert(nothrow_parts, "create() moves the tunnel out: Digest and Random must be nothrow movable");
    tunnel t(std::nothrow, cfg, std::move(md5), std::move(rng), now);
    if (!t.allocated()) return fail(errc::out_of_memory, 0);
    return t;
  }
  /// Whether the constructor got all the memory the configuration asks for.
  [[nodiscard]] bool allocated() const noexcept { return allocated_; }

  /// Installs `h` (or removes it: a default change_hook). Every public
  /// call that can queue a datagram, raise an event or move the next
  /// deadline calls h.fn(h.context, h.tag) before it returns. The
  /// endpoint sets this on its tunnels; a tunnel used alone needs none.
  void set_change_hook(change_hook h) noexcept { hook_ = h; }

  // ------------------------------------------------------------ tunnel

  /// Returns to the just-constructed state (idle, no session, no event,
  /// counters zeroed, the transport reset) keeping every buffer: for an
  /// endpoint that reuses tunnel slots. Our Assigned Tunnel ID becomes
  /// `local_tunnel_id` (0: drawn from the random source, never 0) and the
  /// Tie Breaker `tie_breaker` (nullopt: drawn from the random source).
  void reset(time_point now, std::uint16_t local_tunnel_id,
             std::optional<std::uint64_t> tie_breaker = std::nullopt) noexcept {
    const notify_on_return notice_{hook_};
    transport_.reset(now);
    counters_ = tunnel_counters{};
    state_ = tunnel_state::idle;
    establish_deadline_ = time_point::max();
    initiator_ = false;
    peer_tunnel_id_ = 0;
    peer_tie_breaker_.reset();
    our_challenge_ = {};
    peer_host_ = {};
    peer_host_len_ = 0;
    call_serial_ = 0;
    std::fill(sessions_.begin(), sessions_.end(), session{});
    event_head_ = 0;
    event_count_ = 0;
    local_tunnel_id_ = local_tunnel_id != 0 ? local_tunnel_id : random_nonzero_u16();
    if (tie_breaker) {
      tie_breaker_ = *tie_breaker;
    } else {
      std::array<std::byte, 8> tb{};
      rng_.fill(tb);
      tie_breaker_ = core::load_be64(tb.data());
    }
  }

  /// Starts the tunnel as the initiator: queues an SCCRQ.
  /// Errors: wrong_state (not idle), build_failed.
  [[nodiscard]] result<void, errc> open(time_point now) noexcept {
    const notify_on_return notice_{hook_};
    if (state_ != tunnel_state::idle) return fail(errc::wrong_state, 0);
    initiator_ = true;
    if (has_secret()) rng_.fill(our_challenge_);
    auto r = send_message(message_type::sccrq, 0, [&](message_writer &w) {
      add_identity(w);
      if (cfg_.send_tie_breaker) (void)w.add<avp_type::tie_breaker>(tie_breaker_);
    });
    if (!r) return r;
    state_ = tunnel_state::wait_ctl_reply;
    establish_deadline_ = now + cfg_.establish_timeout;
    return {};
  }

  /// Clears the tunnel: every session goes down, StopCCN with `result` is
  /// queued, and the transport lingers (31 s) before the tunnel is closed.
  /// Errors: wrong_state (already closing or closed).
  result<void, errc> close(time_point now, std::uint16_t result = result_codes::stopccn_general_request,
                           std::uint16_t error = 0, std::string_view message = {}) noexcept {
    const notify_on_return notice_{hook_};
    if (state_ == tunnel_state::closing || state_ == tunnel_state::closed) return fail(errc::wrong_state, 0);
    stop(now, result, error, message, origin::local);
    return {};
  }

  /// Processes one datagram received from the peer on this tunnel's socket.
  void receive(bytes_view datagram, time_point now) noexcept {
    const notify_on_return notice_{hook_};
    auto h = parse_header(datagram);
    if (!h || !h->is_control()) {
      ++counters_.not_control;
      return;
    }
    // Until the peer has our SCCRP it does not know our ID and sends 0: the
    // SCCRQ, and its retransmissions if our SCCRP was lost (the transport
    // then acknowledges them as duplicates).
    const bool before_our_id_is_known =
        !initiator_ && (state_ == tunnel_state::idle || state_ == tunnel_state::wait_ctl_conn);
    if (h->tunnel_id() != local_tunnel_id_ && !(before_our_id_is_known && h->tunnel_id() == 0)) {
      ++counters_.wrong_tunnel_id;
      return;
    }
    (void)transport_.receive(datagram, now);
    for (bytes_view m = transport_.pop_delivered(); !m.empty(); m = transport_.pop_delivered()) handle(m, now);
  }

  /// Runs the timers: retransmissions, HELLO, the retry limit, the linger,
  /// the establishment deadline (tunnel_config::establish_timeout).
  void handle_timeout(time_point now) noexcept {
    const notify_on_return notice_{hook_};
    if (waiting_for_establishment() && now >= establish_deadline_) {
      ++counters_.establish_timeouts;
      // An initiator still waiting for SCCRP has not learnt the peer's
      // Assigned Tunnel ID: a StopCCN could not be addressed to its tunnel.
      stop(now, result_codes::stopccn_general_error, 0, establish_timeout_reason, origin::local, peer_tunnel_id_ != 0);
    }
    const timeout_report rep = transport_.handle_timeout(now);
    if (rep.peer_unreachable) {
      sessions_down(origin::peer_unreachable, result_info{});
      if (state_ != tunnel_state::closing && state_ != tunnel_state::closed) {
        event e;
        e.type = event_type::tunnel_down;
        e.from = origin::peer_unreachable;
        push(e);
      }
      state_ = tunnel_state::closed;
      return;
    }
    if (rep.closed) state_ = tunnel_state::closed;
    if (rep.hello_due && state_ == tunnel_state::established) (void)send_message(message_type::hello, 0, [](auto &) {});
  }

  /// The next datagram to send (see reliable_transport::poll_transmit).
  [[nodiscard]] result<std::size_t, errc> poll_transmit(time_point now, mutable_bytes out) noexcept {
    auto n = transport_.poll_transmit(now, out);
    // A datagram sent arms a retransmission timer; nothing sent changes nothing.
    if (n && *n != 0 && hook_.fn != nullptr) hook_.fn(hook_.context, hook_.tag);
    return n;
  }
  /// When handle_timeout() must run next (the transport's timers, and the
  /// establishment deadline while in wait_ctl_reply/wait_ctl_conn);
  /// time_point::max() once closed.
  [[nodiscard]] time_point next_deadline() const noexcept {
    const time_point t = transport_.next_deadline();
    return waiting_for_establishment() ? std::min(t, establish_deadline_) : t;
  }

  /// Takes the oldest event; false when there is none.
  bool poll_event(event &out) noexcept { // taking an event changes no output and no deadline: no hook
    if (event_count_ == 0) return false;
    out = events_[event_head_];
    event_head_ = (event_head_ + 1) % events_.size();
    --event_count_;
    return true;
  }

  // ------------------------------------------------------------ sessions

  /// LAC: places an incoming call (ICRQ; ICCN follows the peer's ICRP) and
  /// returns its local session ID.
  /// Errors: wrong_role, wrong_state (tunnel not established), session_table_full, build_failed.
  [[nodiscard]] result<std::uint16_t, errc> start_incoming_call(const call_request &c, time_point now) noexcept {
    const notify_on_return notice_{hook_};
    (void)now;
    if (cfg_.role != role::lac) return fail(errc::wrong_role, 0);
    return start_call(c, true);
  }
  /// LNS: asks the LAC to place an outgoing call (OCRQ) and returns its local session ID.
  /// Errors: wrong_role, wrong_state, session_table_full, build_failed.
  [[nodiscard]] result<std::uint16_t, errc> start_outgoing_call(const call_request &c, time_point now) noexcept {
    const notify_on_return notice_{hook_};
    (void)now;
    if (cfg_.role != role::lns) return fail(errc::wrong_role, 0);
    return start_call(c, false);
  }
  /// LAC: the outgoing call requested by an OCRQ is connected: sends OCCN.
  /// Errors: wrong_role, unknown_session, wrong_state (not an answered OCRQ), build_failed.
  [[nodiscard]] result<void, errc> connect_outgoing_call(std::uint16_t local_id, const call_request &c,
                                                         time_point now) noexcept {
    const notify_on_return notice_{hook_};
    (void)now;
    if (cfg_.role != role::lac) return fail(errc::wrong_role, 0);
    session *s = find(local_id);
    if (!s) return fail(errc::unknown_session, 0);
    if (s->state != session_state::wait_connect || s->p.incoming) return fail(errc::wrong_state, 0);
    auto r = send_connected(message_type::occn, *s, c);
    if (!r) return r;
    establish(*s);
    return {};
  }
  /// Clears a call: sends CDN with `result` and frees the session.
  /// Errors: unknown_session, build_failed (the session is freed anyway).
  result<void, errc> disconnect(std::uint16_t local_id, time_point now, std::uint16_t result = result_codes::cdn_admin,
                                std::uint16_t error = 0, std::string_view message = {}) noexcept {
    const notify_on_return notice_{hook_};
    (void)now;
    session *s = find(local_id);
    if (!s) return fail(errc::unknown_session, 0);
    result_info ri = make_result(result, error, message);
    auto r = send_cdn(*s, result, error, message);
    session_down(*s, origin::local, ri);
    return r;
  }
  /// LAC: reports WAN errors for a call (WEN).
  /// Errors: wrong_role, unknown_session, wrong_state, build_failed.
  [[nodiscard]] result<void, errc> send_wan_error(std::uint16_t local_id, const call_errors_value &v,
                                                  time_point now) noexcept {
    const notify_on_return notice_{hook_};
    (void)now;
    if (cfg_.role != role::lac) return fail(errc::wrong_role, 0);
    session *s = find(local_id);
    if (!s) return fail(errc::unknown_session, 0);
    if (s->state != session_state::established) return fail(errc::wrong_state, 0);
    return send_message(message_type::wen, s->p.peer_session_id,
                        [&](message_writer &w) { (void)w.add<avp_type::call_errors>(v); });
  }
  /// LNS: sets the ACCM of a call (SLI).
  /// Errors: wrong_role, unknown_session, wrong_state, build_failed.
  [[nodiscard]] result<void, errc> send_set_link_info(std::uint16_t local_id, const accm_value &v,
                                                      time_point now) noexcept {
    const notify_on_return notice_{hook_};
    (void)now;
    if (cfg_.role != role::lns) return fail(errc::wrong_role, 0);
    session *s = find(local_id);
    if (!s) return fail(errc::unknown_session, 0);
    if (s->state != session_state::established) return fail(errc::wrong_state, 0);
    return send_message(message_type::sli, s->p.peer_session_id,
                        [&](message_writer &w) { (void)w.add<avp_type::accm>(v); });
  }

  // ------------------------------------------------------------ state

  [[nodiscard]] tunnel_state state() const noexcept { return state_; }
  [[nodiscard]] control::role role() const noexcept { return cfg_.role; }
  [[nodiscard]] std::uint16_t local_tunnel_id() const noexcept { return local_tunnel_id_; }
  [[nodiscard]] std::uint16_t peer_tunnel_id() const noexcept { return peer_tunnel_id_; }
  [[nodiscard]] std::uint64_t tie_breaker() const noexcept { return tie_breaker_; }
  /// The peer's Tie Breaker from its SCCRQ, if it sent one.
  [[nodiscard]] std::optional<std::uint64_t> peer_tie_breaker() const noexcept { return peer_tie_breaker_; }
  /// The peer's Host Name (bounded copy).
  [[nodiscard]] std::string_view peer_host_name() const noexcept { return {peer_host_.data(), peer_host_len_}; }
  [[nodiscard]] const tunnel_counters &counters() const noexcept { return counters_; }
  /// Events queued and not yet taken by poll_event().
  [[nodiscard]] std::size_t pending_events() const noexcept { return event_count_; }
  [[nodiscard]] const reliable_transport &transport() const noexcept { return transport_; }
  /// The state of a session, or unused when there is none with this ID.
  [[nodiscard]] session_state state_of(std::uint16_t local_id) const noexcept {
    for (const session &s : sessions_)
      if (s.state != session_state::unused && s.p.local_session_id == local_id) return s.state;
    return session_state::unused;
  }
  /// The parameters of a session (nullopt when there is none).
  [[nodiscard]] std::optional<session_params> params_of(std::uint16_t local_id) const noexcept {
    for (const session &s : sessions_)
      if (s.state != session_state::unused && s.p.local_session_id == local_id) return s.p;
    return std::nullopt;
  }
  [[nodiscard]] std::size_t active_sessions() const noexcept {
    return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                  [](const session &s) { return s.state != session_state::unused; }));
  }

private:
  struct session {
    session_state state = session_state::unused;
    session_params p{};
  };

  [[nodiscard]] bool has_secret() const noexcept { return !secret_.empty(); }
  [[nodiscard]] bool waiting_for_establishment() const noexcept {
    return state_ == tunnel_state::wait_ctl_reply || state_ == tunnel_state::wait_ctl_conn;
  }
  static tunnel_config settled(tunnel_config c) noexcept {
    c.host_name = {}; // the copies in host_, vendor_ and secret_ are used
    c.vendor_name = {};
    c.secret = {};
    c.max_sessions = std::max<std::uint16_t>(c.max_sessions, 1);
    c.max_events = std::max<std::uint16_t>(c.max_events, 4);
    if (c.establish_timeout <= duration::zero()) c.establish_timeout = 2 * retransmission_budget(c.timers);
    return c;
  }
  /// Host Name is required and at least 1 byte.
  static std::string_view host_or_default(std::string_view h) noexcept { return h.empty() ? "vpnwire" : h; }
  static vpnwire::detail::heap_array<char> copy_text(std::string_view s) noexcept {
    return vpnwire::detail::heap_array<char>::make_with(s.size(), [s](std::size_t i) noexcept { return s[i]; });
  }
  static std::string_view text(const vpnwire::detail::heap_array<char> &a) noexcept { return {a.data(), a.size()}; }
  [[nodiscard]] bool hiding() const noexcept { return has_secret() && cfg_.hide_avps; }
  [[nodiscard]] bytes_view secret() const noexcept { return as_bytes(text(secret_)); }

  std::uint16_t random_nonzero_u16() noexcept {
    std::array<std::byte, 2> b{};
    for (int i = 0; i < 16; ++i) {
      rng_.fill(b);
      const std::uint16_t v = core::load_be16(b.data());
      if (v != 0) return v;
    }
    return 1;
  }
  std::uint16_t new_session_id() noexcept {
    for (int i = 0; i < 64; ++i) {
      const std::uint16_t id = random_nonzero_u16();
      if (!find(id)) return id;
    }
    for (std::uint16_t id = 1; id != 0; ++id)
      if (!find(id)) return id;
    return 1; // unreachable: fewer than 65535 sessions exist
  }
  session *find(std::uint16_t local_id) noexcept {
    if (local_id == 0) return nullptr;
    for (session &s : sessions_)
      if (s.state != session_state::unused && s.p.local_session_id == local_id) return &s;
    return nullptr;
  }
  session *free_slot() noexcept {
    for (session &s : sessions_)
      if (s.state == session_state::unused) return &s;
    return nullptr;
  }

  void push(const event &e) noexcept {
    if (event_count_ == events_.size()) {
      ++counters_.events_dropped;
      return;
    }
    events_[(event_head_ + event_count_) % events_.size()] = e;
    ++event_count_;
  }
  static result_info make_result(std::uint16_t result, std::uint16_t error, std::string_view message) noexcept {
    result_info r;
    r.result = result;
    r.error = error;
    r.has_error = error != 0 || !message.empty();
    const std::size_t n = std::min(message.size(), r.message.size());
    std::copy_n(message.data(), n, r.message.data());
    r.message_length = static_cast<std::uint8_t>(n);
    return r;
  }
  static result_info from_value(const result_code_value &v) noexcept {
    result_info r;
    r.result = v.result;
    r.error = v.error;
    r.has_error = v.has_error;
    const std::size_t n = std::min(v.message.size(), r.message.size());
    for (std::size_t i = 0; i < n; ++i) r.message[i] = static_cast<char>(v.message[i]);
    r.message_length = static_cast<std::uint8_t>(n);
    return r;
  }
  void protocol_error(std::uint16_t type, l2tp::errc e, std::size_t offset, std::uint16_t result = 0,
                      std::uint16_t error = 0) noexcept {
    event ev;
    ev.type = event_type::protocol_error;
    ev.message_type = type;
    ev.wire_error = e;
    ev.wire_offset = offset;
    ev.result.result = result;
    ev.result.error = error;
    ev.result.has_error = error != 0;
    push(ev);
  }

  // ---- building

  template <class F>
  result<void, errc> send_message(message_type t, std::uint16_t header_session, F &&add_avps) noexcept {
    message_writer w(tx_);
    (void)w.begin(control_fields{peer_tunnel_id_, header_session, 0, 0}, t);
    add_avps(w);
    auto n = w.finish();
    if (!n) return fail(errc::build_failed, n.offset());
    auto s = transport_.send(bytes_view(tx_).first(*n));
    if (!s) return s.error();
    return {};
  }
  /// Adds T, hidden when a secret is configured (after one Random Vector per message).
  template <avp_type T> void add_maybe_hidden(message_writer &w, const value_t<T> &v, bool &rv_added) noexcept {
    if (!hiding()) {
      (void)w.add<T>(v);
      return;
    }
    if (!rv_added) {
      std::array<std::byte, 16> rv{};
      rng_.fill(rv);
      (void)w.add_random_vector(rv);
      rv_added = true;
    }
    (void)w.template add_hidden<T>(md5_, secret(), v);
  }
  void add_identity(message_writer &w) noexcept {
    (void)w.add<avp_type::protocol_version>(protocol_version_value{1, 0});
    (void)w.add<avp_type::host_name>(as_bytes(text(host_)));
    (void)w.add<avp_type::framing_capabilities>(cfg_.framing_capabilities);
    if (cfg_.bearer_capabilities != 0) (void)w.add<avp_type::bearer_capabilities>(cfg_.bearer_capabilities);
    (void)w.add<avp_type::assigned_tunnel_id>(local_tunnel_id_);
    (void)w.add<avp_type::receive_window_size>(transport_.receive_window());
    (void)w.add<avp_type::firmware_revision>(cfg_.firmware_revision);
    if (!vendor_.empty()) (void)w.add<avp_type::vendor_name>(as_bytes(text(vendor_)));
    if (has_secret()) (void)w.add<avp_type::challenge>(bytes_view(our_challenge_));
  }
  result<void, errc> send_connected(message_type t, session &s, const call_request &c) noexcept {
    s.p.tx_connect_speed = c.tx_connect_speed;
    s.p.rx_connect_speed = c.rx_connect_speed;
    s.p.framing_type = c.framing_type;
    s.p.sequencing_required = c.sequencing_required;
    return send_message(t, s.p.peer_session_id, [&](message_writer &w) {
      bool rv = false;
      add_maybe_hidden<avp_type::tx_connect_speed>(w, c.tx_connect_speed, rv);
      add_maybe_hidden<avp_type::framing_type>(w, c.framing_type, rv);
      if (c.rx_connect_speed != 0) add_maybe_hidden<avp_type::rx_connect_speed>(w, c.rx_connect_speed, rv);
      if (c.sequencing_required) (void)w.add<avp_type::sequencing_required>(empty_value{});
    });
  }
  result<void, errc> send_cdn(const session &s, std::uint16_t result, std::uint16_t error,
                              std::string_view message) noexcept {
    return send_message(message_type::cdn, s.p.peer_session_id, [&](message_writer &w) {
      (void)w.add<avp_type::result_code>(
          result_code_value{result, error != 0 || !message.empty(), error, as_bytes(message)});
      bool rv = false;
      add_maybe_hidden<avp_type::assigned_session_id>(w, s.p.local_session_id, rv);
    });
  }

  result<std::uint16_t, errc> start_call(const call_request &c, bool incoming) noexcept {
    if (state_ != tunnel_state::established) return fail(errc::wrong_state, 0);
    session *s = free_slot();
    if (!s) return fail(errc::session_table_full, 0);
    session fresh;
    fresh.p.local_session_id = new_session_id();
    fresh.p.incoming = incoming;
    fresh.p.call_serial_number = c.call_serial_number != 0 ? c.call_serial_number : ++call_serial_;
    fresh.p.bearer_type = c.bearer_type;
    fresh.p.framing_type = c.framing_type;
    fresh.p.minimum_bps = c.minimum_bps;
    fresh.p.maximum_bps = c.maximum_bps;
    fresh.p.tx_connect_speed = c.tx_connect_speed; // sent in ICCN once ICRP arrives
    fresh.p.rx_connect_speed = c.rx_connect_speed;
    fresh.p.sequencing_required = c.sequencing_required;
    fresh.state = session_state::wait_reply;
    auto r = send_message(incoming ? message_type::icrq : message_type::ocrq, 0, [&](message_writer &w) {
      bool rv = false;
      add_maybe_hidden<avp_type::assigned_session_id>(w, fresh.p.local_session_id, rv);
      add_maybe_hidden<avp_type::call_serial_number>(w, fresh.p.call_serial_number, rv);
      if (incoming) {
        if (c.bearer_type != 0) add_maybe_hidden<avp_type::bearer_type>(w, c.bearer_type, rv);
        if (!c.calling_number.empty()) add_maybe_hidden<avp_type::calling_number>(w, c.calling_number, rv);
        if (!c.called_number.empty()) add_maybe_hidden<avp_type::called_number>(w, c.called_number, rv);
      } else {
        add_maybe_hidden<avp_type::minimum_bps>(w, c.minimum_bps, rv);
        add_maybe_hidden<avp_type::maximum_bps>(w, c.maximum_bps, rv);
        add_maybe_hidden<avp_type::bearer_type>(w, c.bearer_type, rv);
        add_maybe_hidden<avp_type::framing_type>(w, c.framing_type, rv);
        add_maybe_hidden<avp_type::called_number>(w, c.called_number, rv);
      }
    });
    if (!r) return r.error();
    *s = fresh;
    return fresh.p.local_session_id;
  }

  // ---- state changes

  void establish(session &s) noexcept {
    s.state = session_state::established;
    event e;
    e.type = event_type::session_up;
    e.session = s.p;
    push(e);
  }
  void session_down(session &s, origin from, const result_info &r) noexcept {
    event e;
    e.type = event_type::session_down;
    e.from = from;
    e.session = s.p;
    e.result = r;
    push(e);
    s = session{};
  }
  void sessions_down(origin from, const result_info &r) noexcept {
    for (session &s : sessions_)
      if (s.state != session_state::unused) session_down(s, from, r);
  }
  void stop(time_point now, std::uint16_t result, std::uint16_t error, std::string_view message, origin from,
            bool send_stopccn = true) noexcept {
    const result_info ri = make_result(result, error, message);
    sessions_down(from, ri);
    // Nothing to tell a peer we never exchanged a message with.
    if (send_stopccn && (state_ != tunnel_state::idle || transport_.next_expected_ns() != 0)) {
      (void)send_message(message_type::stopccn, 0, [&](message_writer &w) {
        (void)w.add<avp_type::assigned_tunnel_id>(local_tunnel_id_);
        (void)w.add<avp_type::result_code>(
            result_code_value{result, error != 0 || !message.empty(), error, as_bytes(message)});
      });
    }
    event e;
    e.type = event_type::tunnel_down;
    e.from = from;
    e.result = ri;
    push(e);
    transport_.begin_linger(now);
    state_ = tunnel_state::closing;
  }
  void auth_failed(time_point now, std::string_view why) noexcept {
    ++counters_.auth_failures;
    stop(now, result_codes::stopccn_not_authorized, 0, why, origin::local);
  }

  // ---- decoding

  template <avp_type T> result<value_t<T>, l2tp::errc> get(const message_view &m) noexcept {
    if (!has_secret()) return m.get<T>();
    return m.template get<T>(md5_, secret(), scratch_);
  }

  // ---- receiving

  void handle(bytes_view datagram, time_point now) noexcept {
    if (state_ == tunnel_state::closing || state_ == tunnel_state::closed) return; // only acknowledged
    auto h = parse_header(datagram);
    if (!h) return; // the transport accepted it, so it parses; defensive
    ++counters_.messages_handled;
    const bytes_view body = h->payload();
    auto v = validate_message(body);
    if (!v) {
      ++counters_.malformed;
      // The library's mapping (error_action.hpp): the Result Code, and
      // whether the error clears the tunnel (any error during setup), the
      // session (a session message once established) or nothing.
      const std::uint16_t type = body.size() >= 8 ? core::load_be16(body.data() + 6) : 0;
      const result_code rc = result_code_for(v.code());
      protocol_error(type, v.code(), v.offset(), rc.result, rc.error);
      switch (clears(v.code(), type, state_ == tunnel_state::established)) {
      case clear_scope::tunnel: stop(now, rc.result, rc.error, name(v.code()), origin::local); break;
      case clear_scope::session:
        if (session *s = find(h->session_id())) disconnect_with(*s, rc.result, rc.error, name(v.code()));
        break;
      case clear_scope::none: break;
      }
      return;
    }
    switch (v->action()) {
    case disposition::accept: break;
    case disposition::ignore_message: ++counters_.ignored_unknown_type; return;
    case disposition::clear_tunnel:
      protocol_error(v->type_value(), l2tp::errc::ok, v->culprit_offset(), v->result_code(), v->error_code());
      stop(now, v->result_code(), v->error_code(), "unknown mandatory AVP", origin::local);
      return;
    case disposition::clear_session:
      protocol_error(v->type_value(), l2tp::errc::ok, v->culprit_offset(), v->result_code(), v->error_code());
      if (session *s = find(h->session_id()))
        disconnect_with(*s, v->result_code(), v->error_code(), "unknown mandatory AVP");
      return;
    }
    const message_type t = v->type();
    const bool tunnel_msg = !message_catalogue(v->type_value()).session;
    if (tunnel_msg) {
      handle_tunnel(t, *h, *v, now);
      return;
    }
    if (state_ != tunnel_state::established) {
      unexpected(t);
      return;
    }
    handle_session(t, *h, *v, now);
  }

  void unexpected(message_type t) noexcept {
    ++counters_.unexpected;
    protocol_error(static_cast<std::uint16_t>(t), l2tp::errc::ok, 0);
  }

  /// Reads and checks the peer's SCCRQ/SCCRP identity AVPs. False when the tunnel was stopped.
  bool take_identity(const message_view &m, time_point now) noexcept {
    auto ver = get<avp_type::protocol_version>(m);
    if (!ver || ver->version != 1 || ver->revision != 0) {
      stop(now, result_codes::stopccn_unsupported_version, 0x0100, "protocol version 1.0 only", origin::local);
      return false;
    }
    auto tid = get<avp_type::assigned_tunnel_id>(m);
    if (!tid) {
      protocol_error(static_cast<std::uint16_t>(m.type()), tid.code(), tid.offset());
      stop(now, result_codes::stopccn_general_error, result_codes::error_value_out_of_range, "Assigned Tunnel ID",
           origin::local);
      return false;
    }
    peer_tunnel_id_ = *tid;
    transport_.set_peer_tunnel_id(peer_tunnel_id_);
    if (m.has(avp_type::receive_window_size)) {
      auto rws = get<avp_type::receive_window_size>(m);
      if (!rws || !transport_.set_peer_window(*rws)) {
        protocol_error(static_cast<std::uint16_t>(m.type()), rws ? l2tp::errc::avp_value_out_of_range : rws.code(),
                       rws ? 0 : rws.offset());
        stop(now, result_codes::stopccn_general_error, result_codes::error_value_out_of_range, "Receive Window Size 0",
             origin::local);
        return false;
      }
    }
    if (auto hn = get<avp_type::host_name>(m)) {
      peer_host_len_ = std::min(hn->size(), peer_host_.size());
      for (std::size_t i = 0; i < peer_host_len_; ++i) peer_host_[i] = static_cast<char>((*hn)[i]);
    }
    return true;
  }
  /// Computes our answer to the peer's Challenge, if any. False when the tunnel was stopped.
  bool answer_challenge(const message_view &m, message_type carrier, std::optional<challenge_response_bytes> &out,
                        time_point now) noexcept {
    if (!m.has(avp_type::challenge)) return true;
    if (!has_secret()) {
      auth_failed(now, "challenged without a shared secret");
      return false;
    }
    auto ch = get<avp_type::challenge>(m);
    if (!ch) {
      auth_failed(now, "unreadable challenge");
      return false;
    }
    auto resp = compute_challenge_response(md5_, carrier, secret(), *ch);
    if (!resp) {
      auth_failed(now, "digest failure");
      return false;
    }
    out = *resp;
    return true;
  }
  /// Checks the peer's answer to our Challenge. False when the tunnel was stopped.
  bool check_response(const message_view &m, message_type carrier, time_point now) noexcept {
    if (!has_secret()) return true;
    auto resp = get<avp_type::challenge_response>(m);
    if (!resp) {
      auth_failed(now, "no challenge response");
      return false;
    }
    auto ok = verify_challenge_response(md5_, carrier, secret(), bytes_view(our_challenge_), *resp);
    if (!ok || !*ok) {
      auth_failed(now, "wrong challenge response");
      return false;
    }
    return true;
  }

  void tunnel_up() noexcept {
    state_ = tunnel_state::established;
    event e;
    e.type = event_type::tunnel_up;
    push(e);
  }

  void handle_tunnel(message_type t, const header_view &h, const message_view &m, time_point now) noexcept {
    switch (t) {
    case message_type::sccrq: {
      if (state_ != tunnel_state::idle || initiator_) return unexpected(t);
      if (m.has(avp_type::tie_breaker))
        if (auto tb = get<avp_type::tie_breaker>(m)) peer_tie_breaker_ = *tb;
      if (!take_identity(m, now)) return;
      std::optional<challenge_response_bytes> resp;
      if (!answer_challenge(m, message_type::sccrp, resp, now)) return;
      if (has_secret()) rng_.fill(our_challenge_);
      (void)send_message(message_type::sccrp, 0, [&](message_writer &w) {
        add_identity(w);
        if (resp) (void)w.add<avp_type::challenge_response>(bytes_view(*resp));
      });
      state_ = tunnel_state::wait_ctl_conn;
      establish_deadline_ = now + cfg_.establish_timeout;
      return;
    }
    case message_type::sccrp: {
      if (state_ != tunnel_state::wait_ctl_reply) return unexpected(t);
      if (!take_identity(m, now)) return;
      if (!check_response(m, message_type::sccrp, now)) return;
      std::optional<challenge_response_bytes> resp;
      if (!answer_challenge(m, message_type::scccn, resp, now)) return;
      (void)send_message(message_type::scccn, 0, [&](message_writer &w) {
        if (resp) (void)w.add<avp_type::challenge_response>(bytes_view(*resp));
      });
      tunnel_up();
      return;
    }
    case message_type::scccn:
      if (state_ != tunnel_state::wait_ctl_conn) return unexpected(t);
      if (!check_response(m, message_type::scccn, now)) return;
      tunnel_up();
      return;
    case message_type::stopccn: {
      auto tid = get<avp_type::assigned_tunnel_id>(m);
      if (!tid || (peer_tunnel_id_ != 0 && *tid != peer_tunnel_id_)) {
        ++counters_.stopccn_id_mismatch;
        protocol_error(static_cast<std::uint16_t>(t), tid ? l2tp::errc::avp_value_out_of_range : tid.code(),
                       tid ? 0 : tid.offset());
        return;
      }
      result_info ri;
      if (auto rc = get<avp_type::result_code>(m)) ri = from_value(*rc);
      sessions_down(origin::peer, ri);
      event e;
      e.type = event_type::tunnel_down;
      e.from = origin::peer;
      e.result = ri;
      push(e);
      transport_.begin_linger(now); // acknowledge its retransmissions for 31 s (§5.7)
      state_ = tunnel_state::closing;
      return;
    }
    case message_type::hello:
      if (h.session_id() != 0) ++counters_.hello_with_session_id;
      return; // the transport has acknowledged it; that is all a HELLO asks for
    default: return unexpected(t);
    }
  }

  void disconnect_with(session &s, std::uint16_t result, std::uint16_t error, std::string_view why) noexcept {
    const result_info ri = make_result(result, error, why);
    (void)send_cdn(s, result, error, why);
    session_down(s, origin::local, ri);
  }

  /// The peer's Assigned Session ID of a call message, or nullopt after a protocol_error.
  std::optional<std::uint16_t> peer_session_id(const message_view &m, message_type t) noexcept {
    auto sid = get<avp_type::assigned_session_id>(m);
    if (!sid) {
      protocol_error(static_cast<std::uint16_t>(t), sid.code(), sid.offset());
      return std::nullopt;
    }
    return *sid;
  }

  void handle_session(message_type t, const header_view &h, const message_view &m, time_point now) noexcept {
    (void)now;
    // Call requests carry Session ID 0 in the header: the peer does not know ours yet.
    if (t == message_type::icrq || t == message_type::ocrq) {
      const bool ok_role = (t == message_type::icrq) == (cfg_.role == role::lns);
      if (!ok_role) return unexpected(t);
      auto peer = peer_session_id(m, t);
      if (!peer) return;
      session *s = free_slot();
      session fresh;
      fresh.p.local_session_id = new_session_id();
      fresh.p.peer_session_id = *peer;
      fresh.p.incoming = t == message_type::icrq;
      if (auto v = get<avp_type::call_serial_number>(m)) fresh.p.call_serial_number = *v;
      if (auto v = get<avp_type::bearer_type>(m)) fresh.p.bearer_type = *v;
      if (auto v = get<avp_type::physical_channel_id>(m)) fresh.p.physical_channel_id = *v;
      if (t == message_type::ocrq) {
        if (auto v = get<avp_type::framing_type>(m)) fresh.p.framing_type = *v;
        if (auto v = get<avp_type::minimum_bps>(m)) fresh.p.minimum_bps = *v;
        if (auto v = get<avp_type::maximum_bps>(m)) fresh.p.maximum_bps = *v;
      }
      if (!s) {
        ++counters_.sessions_refused;
        (void)send_cdn(fresh, result_codes::cdn_general_error, result_codes::error_insufficient_resources,
                       "no session slot");
        return;
      }
      const message_type reply = t == message_type::icrq ? message_type::icrp : message_type::ocrp;
      (void)send_message(reply, fresh.p.peer_session_id, [&](message_writer &w) {
        bool rv = false;
        add_maybe_hidden<avp_type::assigned_session_id>(w, fresh.p.local_session_id, rv);
      });
      fresh.state = session_state::wait_connect;
      *s = fresh;
      if (t == message_type::ocrq) {
        event e;
        e.type = event_type::outgoing_call_request;
        e.session = s->p;
        push(e);
      }
      return;
    }
    session *s = find(h.session_id());
    if (!s) {
      ++counters_.unknown_session;
      protocol_error(static_cast<std::uint16_t>(t), l2tp::errc::ok, 0, result_codes::cdn_general_error,
                     result_codes::error_invalid_session_id);
      return;
    }
    switch (t) {
    case message_type::icrp:
    case message_type::ocrp: {
      const bool mine = s->state == session_state::wait_reply && s->p.incoming == (t == message_type::icrp);
      if (!mine) return unexpected(t);
      auto peer = peer_session_id(m, t);
      if (!peer) return;
      s->p.peer_session_id = *peer;
      if (t == message_type::ocrp) {
        if (auto v = get<avp_type::physical_channel_id>(m)) s->p.physical_channel_id = *v;
        s->state = session_state::wait_connect; // the LAC now places the call; OCCN follows
        return;
      }
      call_request c;
      c.tx_connect_speed = s->p.tx_connect_speed;
      c.rx_connect_speed = s->p.rx_connect_speed;
      c.framing_type = s->p.framing_type;
      c.sequencing_required = s->p.sequencing_required;
      if (!send_connected(message_type::iccn, *s, c)) return;
      establish(*s);
      return;
    }
    case message_type::iccn:
    case message_type::occn: {
      // ICCN answers our ICRP (LNS); OCCN answers our OCRQ after OCRP (LNS).
      const bool incoming = t == message_type::iccn;
      if (cfg_.role != role::lns || s->state != session_state::wait_connect || s->p.incoming != incoming)
        return unexpected(t);
      auto tx = get<avp_type::tx_connect_speed>(m);
      auto ft = get<avp_type::framing_type>(m);
      if (!tx || !ft) {
        protocol_error(static_cast<std::uint16_t>(t), !tx ? tx.code() : ft.code(), !tx ? tx.offset() : ft.offset());
        disconnect_with(*s, result_codes::cdn_general_error, result_codes::error_value_out_of_range,
                        "connect speed or framing");
        return;
      }
      s->p.tx_connect_speed = *tx;
      s->p.framing_type = *ft;
      if (auto rx = get<avp_type::rx_connect_speed>(m)) s->p.rx_connect_speed = *rx;
      s->p.sequencing_required = m.has(avp_type::sequencing_required);
      establish(*s);
      return;
    }
    case message_type::cdn: {
      result_info ri;
      if (auto rc = get<avp_type::result_code>(m)) ri = from_value(*rc);
      session_down(*s, origin::peer, ri);
      return;
    }
    case message_type::wen: {
      if (cfg_.role != role::lns || s->state != session_state::established) return unexpected(t);
      event e;
      e.type = event_type::wan_error;
      e.session = s->p;
      if (auto v = get<avp_type::call_errors>(m)) e.call_errors = *v;
      push(e);
      return;
    }
    case message_type::sli: {
      if (cfg_.role != role::lac || s->state != session_state::established) return unexpected(t);
      event e;
      e.type = event_type::set_link_info;
      e.session = s->p;
      if (auto v = get<avp_type::accm>(m)) e.accm = *v;
      push(e);
      return;
    }
    default: return unexpected(t);
    }
  }

  tunnel_config cfg_;
  vpnwire::detail::heap_array<char> host_;
  vpnwire::detail::heap_array<char> vendor_;
  vpnwire::detail::heap_array<char> secret_;
  Digest md5_;
  Random rng_;
  reliable_transport transport_;
  tunnel_counters counters_{};
  tunnel_state state_ = tunnel_state::idle;
  time_point establish_deadline_ = time_point::max();
  bool initiator_ = false;
  std::uint16_t local_tunnel_id_ = 0;
  std::uint16_t peer_tunnel_id_ = 0;
  std::uint64_t tie_breaker_ = 0;
  std::optional<std::uint64_t> peer_tie_breaker_;
  std::array<std::byte, 16> our_challenge_{};
  std::array<char, 64> peer_host_{};
  std::size_t peer_host_len_ = 0;
  std::uint32_t call_serial_ = 0;
  vpnwire::detail::heap_array<session> sessions_;
  vpnwire::detail::heap_array<event> events_;
  std::size_t event_head_ = 0;
  std::size_t event_count_ = 0;
  vpnwire::detail::heap_array<std::byte> tx_;
  vpnwire::detail::heap_array<std::byte> scratch_;
  bool allocated_ = false;
  change_hook hook_{};

  /// Calls the change hook when a public call returns.
  struct notify_on_return {
    const change_hook &h;
    ~notify_on_return() {
      if (h.fn != nullptr) h.fn(h.context, h.tag);
    }
  };
};

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
