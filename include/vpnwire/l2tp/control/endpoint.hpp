// Every control connection of one L2TP endpoint (RFC 2661 §5, §4.4.3 Tie
// Breaker, §8.1 UDP ports), sans-IO: a fixed set of tunnel slots allocated by
// the constructor, local Tunnel IDs allocated here, received datagrams
// demultiplexed by Tunnel ID, and simultaneous SCCRQs between the same two
// peers settled automatically by their Tie Breakers.
//
//   l2tp::control::endpoint<crypto::openssl_md5, os_random, 64> ep(cfg, md5, rng, now);
//   auto id = ep.open(server, now);                  // our SCCRQ to a peer
//   on datagram from `from`:  ep.receive(from, bytes, now);
//   on timer:                 if (now >= ep.next_deadline()) ep.handle_timeout(now);
//   always after:  while (auto d = ep.poll_transmit(now, buf); d && d->size) send_to(d->peer, buf, d->size);
//                  for (l2tp::control::endpoint_event<peer_key> e; ep.poll_event(e);) react(e);
//
// Demultiplexing: a control message with a non-zero Tunnel ID goes to the
// tunnel that assigned it (none: counted as unknown_tunnel_id and dropped;
// RFC 2661 defines no answer to an unknown Tunnel ID, and answering
// unauthenticated datagrams would make the endpoint a reflector). Tunnel ID 0
// is only legal on an SCCRQ (§3.1: the peer does not know our ID yet): a
// retransmitted SCCRQ goes to the tunnel created for the first copy (same
// peer key, same Assigned Tunnel ID); a new one creates a responder tunnel
// unless the table is full (counted, dropped: the peer retransmits).
//
// Tie breaking (§4.4.3): an SCCRQ from a peer to which one of our own SCCRQs
// is outstanding (our tunnel in wait_ctl_reply) compares Tie Breakers; the
// lower value wins, a side that sent none loses to one that did. We win: the
// peer's SCCRQ is ignored without an answer (it discards its tunnel when ours
// reaches it). We lose: our tunnel is cleared silently (nothing more is sent
// for it; a tunnel_down event with `tie == keep_theirs` reports it) and the
// peer's SCCRQ is answered. Equal values: both are discarded (our tunnel_down
// has `tie == drop_both`); the application may retry with a new tunnel, which
// gets a new Tie Breaker. Neither sent one: both tunnels proceed. A Tie
// Breaker that lost or tied is remembered per peer for `tie_memory`, so late
// retransmissions or duplicates of that SCCRQ cannot open a tunnel after all.
//
// Memory: MaxTunnels tunnels (each with its transport slots, sessions and
// events), the endpoint's event queue, MaxTunnels remembered Tie Breakers and
// a 64 Ki-entry Tunnel ID index, all allocated by the constructor (or
// create(), which reports out_of_memory instead of asserting). Nothing is
// allocated afterwards; a freed slot is reused with tunnel::reset().
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/crypto/digest.hpp"
#include "vpnwire/detail/heap_array.hpp"
#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/control/detail/tunnel_scheduler.hpp"
#include "vpnwire/l2tp/control/errc.hpp"
#include "vpnwire/l2tp/control/events.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"
#include "vpnwire/l2tp/control/udp_peer.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/message.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <span>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {

/// An opaque identification of a peer chosen by the caller: the endpoint
/// only compares keys for equality. For peers known by their UDP address,
/// IPv4 or IPv6, control::udp_peer (udp_peer.hpp) is the typed key:
/// `endpoint<Digest, Random, N, udp_peer>`.
struct peer_key {
  static constexpr std::size_t capacity = 32;
  std::array<std::byte, capacity> bytes{};
  std::uint8_t size = 0;

  /// A key holding the first `capacity` bytes of `b`.
  [[nodiscard]] static constexpr peer_key from(bytes_view b) noexcept {
    peer_key k;
    const std::size_t n = std::min(b.size(), capacity);
    for (std::size_t i = 0; i < n; ++i) k.bytes[i] = b[i];
    k.size = static_cast<std::uint8_t>(n);
    return k;
  }
  [[nodiscard]] constexpr bytes_view view() const noexcept { return bytes_view(bytes).first(size); }
  friend constexpr bool operator==(const peer_key &, const peer_key &) noexcept = default;
};

/// What every tunnel of the endpoint uses, and how the endpoint behaves.
struct endpoint_config {
  tunnel_config tunnel{};   ///< for every tunnel (its strings are copied by the constructor)
  bool accept_sccrq = true; ///< false: every SCCRQ received is dropped (sccrq_refused); open() still works
  duration tie_memory = std::chrono::seconds(60); ///< how long a losing or tied Tie Breaker is remembered
  std::uint16_t max_events = 64;                  ///< the endpoint's own event queue (tie outcomes); at least 4
};

/// An event tagged with the tunnel it comes from.
template <class PeerKey> struct endpoint_event {
  PeerKey peer{};                        ///< where the tunnel's datagrams go
  std::uint16_t local_tunnel_id = 0;     ///< our Assigned Tunnel ID
  tie_outcome tie = tie_outcome::no_tie; ///< keep_theirs / drop_both: this tunnel_down is our tunnel
                                         ///< discarded by tie breaking (nothing was sent about it)
  event ev{};                            ///< what happened (see events.hpp)
};

/// A datagram written by poll_transmit(): send `size` bytes to `peer`. size 0: nothing to send.
template <class PeerKey> struct endpoint_datagram {
  PeerKey peer{};
  std::uint16_t local_tunnel_id = 0;
  std::size_t size = 0;
};

/// One counter per fate of a received datagram, plus the tunnel table's life.
struct endpoint_counters {
  std::uint64_t datagrams = 0;          ///< receive() calls
  std::uint64_t delivered = 0;          ///< given to the tunnel named by the Tunnel ID
  std::uint64_t new_tunnels = 0;        ///< responder tunnels created for an SCCRQ
  std::uint64_t sccrq_duplicates = 0;   ///< SCCRQ retransmissions given to the tunnel created for the first copy
  std::uint64_t tunnels_opened = 0;     ///< initiator tunnels created by open()
  std::uint64_t tunnels_freed = 0;      ///< slots released (closed and drained, discarded, or refused)
  std::uint64_t malformed = 0;          ///< the L2TP header does not parse
  std::uint64_t not_control = 0;        ///< data messages (not the control plane's business)
  std::uint64_t unknown_tunnel_id = 0;  ///< non-zero Tunnel ID that no tunnel of ours has
  std::uint64_t peer_mismatch = 0;      ///< right Tunnel ID from another peer key, tunnel past wait_ctl_reply
  std::uint64_t peer_changed = 0;       ///< a reply from another peer key moved a tunnel on (§8.1): key updated
  std::uint64_t zero_id_not_sccrq = 0;  ///< Tunnel ID 0 on something other than an SCCRQ
  std::uint64_t malformed_sccrq = 0;    ///< SCCRQ the wire layer rejects, without a usable Assigned Tunnel ID,
                                        ///< with Ns other than 0, or not taken by the new tunnel's transport
  std::uint64_t sccrq_refused = 0;      ///< SCCRQ dropped because accept_sccrq is false
  std::uint64_t table_full = 0;         ///< SCCRQ dropped because every slot is in use
  std::uint64_t tie_won = 0;            ///< simultaneous SCCRQ: ours wins, the peer's is ignored
  std::uint64_t tie_lost = 0;           ///< simultaneous SCCRQ: ours discarded, the peer's answered
  std::uint64_t tie_equal = 0;          ///< simultaneous SCCRQ with equal Tie Breakers: both discarded
  std::uint64_t tie_none = 0;           ///< simultaneous SCCRQ, neither with a Tie Breaker: both proceed
  std::uint64_t tie_remembered = 0;     ///< SCCRQ carrying a Tie Breaker that already lost or tied: ignored
  std::uint64_t events_dropped = 0;     ///< endpoint events lost because its queue was full
  std::uint64_t establish_timeouts = 0; ///< tunnels stopped at their establishment deadline by handle_timeout()
                                        ///< (the sum of the tunnels' own counters, which a reused slot resets)
};

template <crypto::md5_like Digest, random_source Random, std::size_t MaxTunnels, class PeerKey = peer_key>
requires(MaxTunnels >= 1 && MaxTunnels <= 65535 && std::equality_comparable<PeerKey> && std::copyable<PeerKey> &&
         std::default_initializable<PeerKey> &&
         (std::copy_constructible<Digest> || std::default_initializable<Digest>)) class endpoint {
public:
  using tunnel_type = tunnel<Digest, Random>;
  using tagged_event = endpoint_event<PeerKey>;
  using datagram_type = endpoint_datagram<PeerKey>;
  static constexpr std::size_t capacity = MaxTunnels;

  /// Allocates every slot and tunnel. Every tunnel gets its own Digest (a
  /// copy of `md5`, or a default-constructed one when Digest is move-only);
  /// `md5` itself decrypts hidden AVPs of SCCRQs. `rng` draws Tunnel IDs and Tie
  /// Breakers here, and a copy of it is given to every tunnel (challenges,
  /// Random Vectors, session IDs): it must be a handle to one source (an OS
  /// generator, or a pointer to a shared one), not a generator whose copies
  /// would repeat the same sequence. Running out of memory is a programming
  /// error here (VPNWIRE_ASSERT); create() reports it as an error instead.
  endpoint(const endpoint_config &cfg, Digest md5, Random rng, time_point now) noexcept
      : endpoint(std::nothrow, cfg, std::move(md5), std::move(rng), now) {
    VPNWIRE_ASSERT(allocated() && "out of memory: use endpoint::create()");
  }
  /// As above, without checking the allocation: allocated() tells.
  endpoint(std::nothrow_t, const endpoint_config &cfg, Digest md5, Random rng, time_point now) noexcept
      : cfg_(settled(cfg)), secret_(copy_secret(cfg.tunnel.secret)), md5_(std::move(md5)), rng_(std::move(rng)),
        slots_(vpnwire::detail::heap_array<slot>::make_with(
            MaxTunnels, [&](std::size_t) noexcept { return slot(cfg.tunnel, md5_, rng_, now); })),
        events_(vpnwire::detail::heap_array<tagged_event>::make(cfg_.max_events)),
        remembered_(vpnwire::detail::heap_array<remembered_tie>::make(MaxTunnels)),
        index_(vpnwire::detail::heap_array<std::uint16_t>::make_filled(std::size_t{65536}, no_slot)),
        scratch_(vpnwire::detail::heap_array<std::byte>::make(avp_max_value)),
        sched_(vpnwire::detail::heap_array<detail::tunnel_scheduler>::make(1)) {
    allocated_ = secret_.allocated(cfg.tunnel.secret.size()) && slots_.allocated(MaxTunnels) &&
                 events_.allocated(cfg_.max_events) && remembered_.allocated(MaxTunnels) && index_.allocated(65536) &&
                 scratch_.allocated(avp_max_value) && sched_.allocated(1) && sched_[0].allocate(MaxTunnels);
    for (const slot &s : slots_) allocated_ = allocated_ && s.t.allocated();
    if (!allocated_) return;
    // The scheduler lives on the heap: the hooks stay valid when the endpoint moves.
    for (std::size_t i = 0; i < MaxTunnels; ++i)
      slots_[i].t.set_change_hook(change_hook{&detail::tunnel_scheduler::changed, sched_.data(), i});
  }
  /// The endpoint, or out_of_memory (offset 0) when its tables or tunnels
  /// cannot be allocated: for code built without exceptions that must
  /// survive that. Needs a Digest, a Random and a PeerKey that move without
  /// throwing.
  [[nodiscard]] static result<endpoint, errc> create(const endpoint_config &cfg, Digest md5, Random rng,
                                                     time_point now) noexcept {
    endpoint e(std::nothrow, cfg, std::move(md5), std::move(rng), now);
    if (!e.allocated()) return fail(errc::out_of_memory, 0);
    return e;
  }
  /// Whether the constructor got all the memory the configuration asks for.
  [[nodiscard]] bool allocated() const noexcept { return allocated_; }

  /// Forgets every tunnel at once, as a restart of the process would, but
  /// keeps every allocation: nothing is sent (no StopCCN), queued datagrams
  /// and events are discarded, remembered Tie Breakers and the counters are
  /// cleared. O(capacity), no allocation. Afterwards the endpoint answers
  /// exactly as a newly constructed one with the same configuration whose
  /// random source is in the same state: for a restart in place (fail-over
  /// to a standby that keeps its memory) and for harnesses that reuse one
  /// endpoint per input (fuzz/l2tp_control_endpoint.cpp).
  void reset() noexcept {
    for (slot &s : slots_) {
      if (s.in_use) index_[s.t.local_tunnel_id()] = no_slot;
      s.in_use = false;
      s.initiator = false;
      s.peer_assigned_id = 0;
      s.peer = PeerKey{};
    }
    for (remembered_tie &r : remembered_) r = remembered_tie{};
    sched_[0].clear();
    counters_ = endpoint_counters{};
    in_use_ = 0;
    event_head_ = 0;
    event_count_ = 0;
  }

  // ------------------------------------------------------------ tunnels

  /// Opens a tunnel to `peer` as the initiator (queues its SCCRQ with a
  /// fresh random Tie Breaker) and returns our Assigned Tunnel ID.
  /// Errors: tunnel_table_full (every slot in use), build_failed (the
  /// SCCRQ does not fit the transport's max_message; the slot is released).
  [[nodiscard]] result<std::uint16_t, errc> open(const PeerKey &peer, time_point now) noexcept {
    return open(peer, now, draw64());
  }
  /// The same with a chosen Tie Breaker value (§4.4.3 only asks that it be
  /// random; a fixed value serves tests and reproducible setups).
  /// Errors: as open().
  [[nodiscard]] result<std::uint16_t, errc> open(const PeerKey &peer, time_point now,
                                                 std::uint64_t tie_breaker) noexcept {
    slot *s = free_slot();
    if (!s) return fail(errc::tunnel_table_full, 0);
    start(*s, peer, true, now, tie_breaker);
    auto r = s->t.open(now);
    if (!r) {
      release(*s);
      return r.error();
    }
    ++counters_.tunnels_opened;
    return s->t.local_tunnel_id();
  }

  /// Clears a tunnel (StopCCN with `result`; see tunnel::close).
  /// Errors: unknown_tunnel, wrong_state (already closing or closed).
  result<void, errc> close(std::uint16_t local_tunnel_id, time_point now,
                           std::uint16_t result = result_codes::stopccn_general_request) noexcept {
    slot *s = find_slot(local_tunnel_id);
    if (!s) return fail(errc::unknown_tunnel, 0);
    return s->t.close(now, result);
  }

  /// The tunnel with this local Tunnel ID (to place calls, read its state),
  /// or nullptr. Valid until the slot is released (after its last event).
  [[nodiscard]] tunnel_type *find(std::uint16_t local_tunnel_id) noexcept {
    slot *s = find_slot(local_tunnel_id);
    return s ? &s->t : nullptr;
  }
  [[nodiscard]] const tunnel_type *find(std::uint16_t local_tunnel_id) const noexcept {
    const slot *s = find_slot(local_tunnel_id);
    return s ? &s->t : nullptr;
  }
  /// Where a tunnel's datagrams go, or nullopt when there is no such tunnel.
  [[nodiscard]] std::optional<PeerKey> peer_of(std::uint16_t local_tunnel_id) const noexcept {
    const slot *s = find_slot(local_tunnel_id);
    if (!s) return std::nullopt;
    return s->peer;
  }
  /// Slots in use (tunnels not yet closed, or closed with events not yet taken).
  [[nodiscard]] std::size_t tunnels_in_use() const noexcept { return in_use_; }
  /// Local Tunnel IDs of the slots in use, written to `out`; returns how many (at most out.size()).
  [[nodiscard]] std::size_t tunnel_ids(std::span<std::uint16_t> out) const noexcept {
    std::size_t n = 0;
    for (const slot &s : slots_)
      if (s.in_use && n < out.size()) out[n++] = s.t.local_tunnel_id();
    return n;
  }
  [[nodiscard]] const endpoint_counters &counters() const noexcept { return counters_; }

  // ------------------------------------------------------------ I/O

  /// Processes one datagram received from `peer`. Never fails: the fate of
  /// the datagram is a counter (endpoint_counters, or the tunnel's own).
  void receive(const PeerKey &peer, bytes_view datagram, time_point now) noexcept {
    ++counters_.datagrams;
    auto h = parse_header(datagram);
    if (!h) {
      ++counters_.malformed;
      return;
    }
    if (!h->is_control()) {
      ++counters_.not_control;
      return;
    }
    if (h->tunnel_id() == 0) return receive_on_id_zero(peer, *h, datagram, now);
    slot *s = find_slot(h->tunnel_id());
    if (!s) {
      ++counters_.unknown_tunnel_id;
      return;
    }
    if (s->peer == peer) {
      ++counters_.delivered;
      s->t.receive(datagram, now);
      return;
    }
    // §8.1: the recipient of our SCCRQ may answer from a port of its own
    // choosing. Only a reply that moves the tunnel on re-addresses it.
    if (s->t.state() != tunnel_state::wait_ctl_reply) {
      ++counters_.peer_mismatch;
      return;
    }
    ++counters_.delivered;
    s->t.receive(datagram, now);
    if (s->t.state() != tunnel_state::wait_ctl_reply) {
      s->peer = peer;
      ++counters_.peer_changed;
    }
  }

  /// Runs the timers of every tunnel whose deadline has come, and releases
  /// the slots of those that closed with all their events taken.
  /// O(due tunnels x log capacity).
  void handle_timeout(time_point now) noexcept {
    detail::tunnel_scheduler &q = refreshed();
    for (std::uint32_t i = q.pop_due(now); i != q.none; i = q.pop_due(now)) {
      slot &s = slots_[i];
      if (!s.in_use) continue;
      const std::uint64_t before = s.t.counters().establish_timeouts;
      s.t.handle_timeout(now);
      counters_.establish_timeouts += s.t.counters().establish_timeouts - before;
      reap(s);
    }
  }

  /// The next datagram to send, from any tunnel (round robin), written to
  /// `out`; `size == 0` when no tunnel has anything to send. Looks only at
  /// tunnels that changed since they last had nothing to send: O(1) when
  /// idle, whatever the number of tunnels.
  /// Errors: buffer_too_small (from the tunnel whose datagram does not fit;
  /// it stays queued).
  [[nodiscard]] result<datagram_type, errc> poll_transmit(time_point now, mutable_bytes out) noexcept {
    detail::tunnel_scheduler &q = sched_[0];
    while (!q.tx_empty()) {
      slot &s = slots_[q.tx_front()];
      if (!s.in_use) {
        q.tx_done();
        continue;
      }
      auto n = s.t.poll_transmit(now, out);
      if (!n) return n.error();
      if (*n == 0) {
        q.tx_done();
        continue;
      }
      q.tx_rotate();
      datagram_type d;
      d.peer = s.peer;
      d.local_tunnel_id = s.t.local_tunnel_id();
      d.size = *n;
      return d;
    }
    return datagram_type{};
  }

  /// The earliest deadline of all tunnels; time_point::max() when none has one.
  /// O(tunnels changed since the last call x log capacity).
  [[nodiscard]] time_point next_deadline() const noexcept { return refreshed().earliest(); }

  /// Takes the next event: the endpoint's own (tie outcomes) first, then
  /// each tunnel's in order. false when there is none. A closed tunnel's
  /// slot is released once its last event is taken.
  bool poll_event(tagged_event &out) noexcept {
    if (event_count_ != 0) {
      out = events_[event_head_];
      event_head_ = (event_head_ + 1) % events_.size();
      --event_count_;
      return true;
    }
    detail::tunnel_scheduler &q = sched_[0];
    while (!q.ev_empty()) {
      slot &s = slots_[q.ev_front()];
      if (!s.in_use) {
        q.ev_done();
        continue;
      }
      event e;
      if (s.t.poll_event(e)) { // the tunnel stays at the front until its events are all taken
        out = tagged(s, e, tie_outcome::no_tie);
        reap(s);
        return true;
      }
      q.ev_done();
      reap(s);
    }
    return false;
  }

private:
  static constexpr std::uint16_t no_slot = 0xFFFF;

  struct slot {
    tunnel_type t;
    PeerKey peer{};
    bool in_use = false;
    bool initiator = false;
    std::uint16_t peer_assigned_id = 0; ///< responder: the Assigned Tunnel ID of the SCCRQ that created it
    slot(const tunnel_config &c, const Digest &d, const Random &r, time_point now) noexcept
        : t(std::nothrow, c, own_digest(d), r, now) {}
  };
  /// Each tunnel hashes with its own Digest: a copy, or a fresh one when
  /// the digest owns a context and cannot be copied (crypto::openssl_md5).
  static Digest own_digest(const Digest &d) noexcept {
    if constexpr (std::copy_constructible<Digest>) {
      return d;
    } else {
      (void)d;
      return Digest{};
    }
  }
  struct remembered_tie {
    PeerKey peer{};
    std::uint64_t value = 0;
    time_point until{};
    bool used = false;
  };

  template <avp_type T> result<value_t<T>, l2tp::errc> get(const message_view &m) noexcept {
    if (secret_.empty()) return m.get<T>();
    return m.template get<T>(md5_, as_bytes(std::string_view(secret_.data(), secret_.size())), scratch_);
  }
  static endpoint_config settled(endpoint_config c) noexcept {
    c.tunnel.host_name = {}; // the tunnels hold their copies
    c.tunnel.vendor_name = {};
    c.tunnel.secret = {};
    c.max_events = std::max<std::uint16_t>(c.max_events, 4);
    return c;
  }
  static vpnwire::detail::heap_array<char> copy_secret(std::string_view s) noexcept {
    return vpnwire::detail::heap_array<char>::make_with(s.size(), [s](std::size_t i) noexcept { return s[i]; });
  }

  std::uint64_t draw64() noexcept {
    std::array<std::byte, 8> b{};
    rng_.fill(b);
    return core::load_be64(b.data());
  }
  /// A non-zero Tunnel ID no slot in use has: random, then a scan from a random start.
  std::uint16_t new_tunnel_id() noexcept {
    std::array<std::byte, 2> b{};
    for (int i = 0; i < 32; ++i) {
      rng_.fill(b);
      const std::uint16_t id = core::load_be16(b.data());
      if (id != 0 && index_[id] == no_slot) return id;
    }
    std::uint16_t id = core::load_be16(b.data());
    for (std::uint32_t i = 0; i < 65536; ++i, ++id)
      if (id != 0 && index_[id] == no_slot) return id;
    return 1; // unreachable: at most 65535 slots, and one of them is free
  }

  slot *find_slot(std::uint16_t id) noexcept {
    if (id == 0 || index_[id] == no_slot) return nullptr;
    return &slots_[index_[id]];
  }
  const slot *find_slot(std::uint16_t id) const noexcept {
    if (id == 0 || index_[id] == no_slot) return nullptr;
    return &slots_[index_[id]];
  }
  slot *free_slot() noexcept {
    for (slot &s : slots_)
      if (!s.in_use) return &s;
    return nullptr;
  }
  void start(slot &s, const PeerKey &peer, bool initiator, time_point now, std::uint64_t tie_breaker) noexcept {
    const std::uint16_t id = new_tunnel_id();
    s.t.reset(now, id, tie_breaker);
    s.peer = peer;
    s.initiator = initiator;
    s.peer_assigned_id = 0;
    s.in_use = true;
    index_[id] = static_cast<std::uint16_t>(&s - slots_.data());
    ++in_use_;
    sched_[0].mark(static_cast<std::size_t>(&s - slots_.data()));
  }
  void release(slot &s) noexcept {
    index_[s.t.local_tunnel_id()] = no_slot;
    sched_[0].mark(static_cast<std::size_t>(&s - slots_.data())); // its deadline leaves the heap
    s.in_use = false;
    --in_use_;
    ++counters_.tunnels_freed;
  }
  /// The scheduler with the deadlines of every slot changed since the last call re-read.
  detail::tunnel_scheduler &refreshed() const noexcept {
    detail::tunnel_scheduler &q = sched_[0];
    q.refresh([this](std::uint32_t i) noexcept {
      const slot &s = slots_[i];
      return s.in_use ? s.t.next_deadline() : time_point::max();
    });
    return q;
  }
  void reap(slot &s) noexcept {
    if (s.in_use && s.t.state() == tunnel_state::closed && s.t.pending_events() == 0) release(s);
  }

  tagged_event tagged(const slot &s, const event &e, tie_outcome tie) const noexcept {
    tagged_event out;
    out.peer = s.peer;
    out.local_tunnel_id = s.t.local_tunnel_id();
    out.tie = tie;
    out.ev = e;
    return out;
  }
  void push(const tagged_event &e) noexcept {
    if (event_count_ == events_.size()) {
      ++counters_.events_dropped;
      return;
    }
    events_[(event_head_ + event_count_) % events_.size()] = e;
    ++event_count_;
  }
  /// Clears our tunnel silently (tie breaking): its events so far are kept,
  /// then a tunnel_down tagged with the outcome; nothing queued is sent.
  void discard(slot &s, tie_outcome why) noexcept {
    for (event e; s.t.poll_event(e);) push(tagged(s, e, tie_outcome::no_tie));
    event down;
    down.type = control::event_type::tunnel_down;
    down.from = origin::local;
    push(tagged(s, down, why));
    release(s);
  }

  void remember(const PeerKey &peer, std::uint64_t value, time_point now) noexcept {
    remembered_tie *victim = &remembered_[0];
    for (remembered_tie &r : remembered_) {
      if (!r.used || r.until <= now) {
        victim = &r;
        break;
      }
      if (r.until < victim->until) victim = &r;
    }
    victim->peer = peer;
    victim->value = value;
    victim->until = now > time_point::max() - cfg_.tie_memory ? time_point::max() : now + cfg_.tie_memory;
    victim->used = true;
  }
  [[nodiscard]] bool is_remembered(const PeerKey &peer, std::uint64_t value, time_point now) const noexcept {
    for (const remembered_tie &r : remembered_)
      if (r.used && r.until > now && r.value == value && r.peer == peer) return true;
    return false;
  }

  void receive_on_id_zero(const PeerKey &peer, const header_view &h, bytes_view datagram, time_point now) noexcept {
    auto m = validate_message(h.payload());
    if (!m) {
      ++counters_.malformed_sccrq;
      return;
    }
    if (m->is_zlb() || m->type_value() != static_cast<std::uint16_t>(message_type::sccrq)) {
      ++counters_.zero_id_not_sccrq;
      return;
    }
    if (!cfg_.accept_sccrq) {
      ++counters_.sccrq_refused;
      return;
    }
    auto assigned = get<avp_type::assigned_tunnel_id>(*m);
    // The first message of a control connection has Ns 0 (§5.8); anything
    // else would sit in a fresh transport's window without ever being taken.
    if (!assigned || *assigned == 0 || h.ns() != 0) {
      ++counters_.malformed_sccrq;
      return;
    }
    // A retransmission (our SCCRP or its acknowledgement was lost): the
    // tunnel created for the first copy acknowledges it as a duplicate.
    for (slot &s : slots_) {
      if (s.in_use && !s.initiator && s.peer == peer && s.peer_assigned_id == *assigned) {
        ++counters_.sccrq_duplicates;
        s.t.receive(datagram, now);
        return;
      }
    }
    std::optional<std::uint64_t> theirs;
    if (m->has(avp_type::tie_breaker))
      if (auto tb = get<avp_type::tie_breaker>(*m)) theirs = *tb;
    if (theirs && is_remembered(peer, *theirs, now)) {
      ++counters_.tie_remembered;
      return;
    }
    // §4.4.3: is one of our SCCRQs to this peer outstanding?
    for (slot &s : slots_) {
      if (!s.in_use || !s.initiator || !(s.peer == peer) || s.t.state() != tunnel_state::wait_ctl_reply) continue;
      const std::optional<std::uint64_t> ours =
          cfg_.tunnel.send_tie_breaker ? std::optional<std::uint64_t>(s.t.tie_breaker()) : std::nullopt;
      const tie_outcome verdict = resolve_tie(ours, theirs);
      if (verdict == tie_outcome::keep_ours) {
        ++counters_.tie_won;
        remember(peer, *theirs, now);
        return;
      }
      if (verdict == tie_outcome::drop_both) {
        ++counters_.tie_equal;
        remember(peer, *theirs, now);
        discard(s, tie_outcome::drop_both);
        return;
      }
      if (verdict == tie_outcome::keep_theirs) {
        ++counters_.tie_lost;
        discard(s, tie_outcome::keep_theirs);
      } else {
        ++counters_.tie_none;
      }
      break; // settled against our first outstanding SCCRQ to this peer
    }
    slot *s = free_slot();
    if (!s) {
      ++counters_.table_full;
      return;
    }
    start(*s, peer, false, now, draw64());
    s->peer_assigned_id = *assigned;
    s->t.receive(datagram, now);
    if (s->t.state() == tunnel_state::idle) { // the transport refused it (e.g. an Nr we never sent)
      ++counters_.malformed_sccrq;
      release(*s);
      return;
    }
    ++counters_.new_tunnels;
  }

  endpoint_config cfg_;
  vpnwire::detail::heap_array<char> secret_;
  Digest md5_;
  Random rng_;
  vpnwire::detail::heap_array<slot> slots_;
  vpnwire::detail::heap_array<tagged_event> events_;
  vpnwire::detail::heap_array<remembered_tie> remembered_;
  vpnwire::detail::heap_array<std::uint16_t> index_; ///< local Tunnel ID -> slot index, or no_slot
  vpnwire::detail::heap_array<std::byte> scratch_;
  /// Which slots to look at (one object, on the heap: the tunnels' change
  /// hooks point at it). Mutable: next_deadline() brings it up to date.
  mutable vpnwire::detail::heap_array<detail::tunnel_scheduler> sched_;
  bool allocated_ = false;
  endpoint_counters counters_{};
  std::size_t in_use_ = 0;
  std::size_t event_head_ = 0;
  std::size_t event_count_ = 0;
};

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
