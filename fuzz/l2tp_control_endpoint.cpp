// Fuzz target: three endpoints (two LACs and an LNS, 3 or 4 tunnel slots
// each) joined by a link the input controls (deliver in any order, drop,
// duplicate, corrupt), opening tunnels to each other with chosen or random
// Tie Breakers (equal ones included), closing them, placing calls, stepping
// the clock, and receiving arbitrary datagrams from five peer keys (the three
// endpoints and two strangers), raw or addressed to live Tunnel IDs.
//
// Invariants: no crash or sanitizer report; tunnels in use never exceed the
// capacity, their local Tunnel IDs are non-zero, distinct and found by
// find(); the counters account for every datagram; when any tunnel is not
// closed, next_deadline() is finite, and after timers run and output is
// drained it is in the future; every datagram emitted parses as a control
// message; after draining, no tunnel holds a datagram or an event the
// endpoint did not hand out, and next_deadline() is the earliest of the
// tunnels' (the endpoint's scheduler against brute force).
//
// The endpoints are built once per configuration and reset() for every input
// (endpoint::reset keeps the memory and forgets every tunnel; the library's
// test checks that a reset endpoint answers as a new one).
//
// The digest is a deterministic stand-in with MD5's shape (this target
// exercises demultiplexing and tie breaking, not the cipher).
#include "vpnwire/l2tp/control/endpoint.hpp"
#include "vpnwire/l2tp/header.hpp"

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp;
using namespace vpnwire::l2tp::control;
using namespace std::chrono_literals;

namespace {

struct fold_digest {
  static constexpr std::size_t digest_size = 16;
  std::uint64_t a = 0, b = 0;
  bool reset() noexcept {
    a = 0x243F6A8885A308D3ULL;
    b = 0x13198A2E03707344ULL;
    return true;
  }
  bool update(bytes_view in) noexcept {
    for (std::byte x : in) {
      a = (a ^ std::to_integer<std::uint64_t>(x)) * 0x100000001b3ULL;
      b = (b + a) * 0x9E3779B97F4A7C15ULL;
    }
    return true;
  }
  bool finish(std::span<std::byte, 16> out) noexcept {
    core::store_be64(out.data(), a);
    core::store_be64(out.data() + 8, b);
    return true;
  }
};
static_assert(crypto::md5_like<fold_digest>);

/// A handle to one xorshift state shared by the endpoint and its tunnels.
struct shared_random {
  std::uint64_t *s = nullptr;
  void fill(mutable_bytes out) noexcept {
    for (auto &x : out) {
      *s ^= *s << 13;
      *s ^= *s >> 7;
      *s ^= *s << 17;
      x = static_cast<std::byte>(*s & 0xFF);
    }
  }
};

constexpr std::size_t nodes = 3;
constexpr std::size_t keys = 5; // the three nodes and two strangers
using ep_t = endpoint<fold_digest, shared_random, 4>;

peer_key key(std::size_t i) {
  const std::array<std::byte, 2> b{std::byte{0x4B}, static_cast<std::byte>(i)};
  return peer_key::from(b);
}

struct packet {
  std::size_t from, to;
  std::vector<std::byte> data;
};

struct world {
  std::array<std::uint64_t, nodes> rng_state{};
  std::array<std::unique_ptr<ep_t>, nodes> ep;
  std::vector<packet> link; ///< in flight; capacity reserved once, so an input frees what it allocates
  time_point now{};
  std::array<std::uint64_t, nodes> received{};

  explicit world(std::uint8_t flags) {
    for (std::size_t i = 0; i < nodes; ++i) {
      rng_state[i] = 0x9E3779B97F4A7C15ULL * (i + 1); // xorshift: never 0 (start() reseeds)
      endpoint_config c;
      c.tunnel.role = i == 1 ? role::lns : role::lac;
      c.tunnel.send_tie_breaker = ((flags >> i) & 1) == 0;
      c.tunnel.secret = (flags & 0x08) ? "fuzz-secret" : "";
      c.tunnel.max_sessions = 2;
      c.tunnel.max_events = 8;
      c.tunnel.transport.send_slots = 4;
      c.tunnel.transport.receive_window = 4;
      c.tunnel.transport.max_message = 1024;
      c.accept_sccrq = !(i == 2 && (flags & 0x10));
      c.max_events = 8;
      ep[i] = std::make_unique<ep_t>(c, fold_digest{}, shared_random{&rng_state[i]}, now);
    }
    link.reserve(129);
  }

  /// Back to the state every input starts from: endpoints reset (their
  /// memory kept), the random sources seeded from `flags`, the link empty,
  /// the clock at 0. The same whether the world is new or was used by the
  /// input before, so an input replays the same way in any process.
  void start(std::uint8_t flags) {
    for (std::size_t i = 0; i < nodes; ++i) {
      ep[i]->reset();
      rng_state[i] = 0x9E3779B97F4A7C15ULL * (i + 1) + flags;
    }
    link.clear();
    now = time_point{};
    received = {};
  }

  std::size_t ids(std::size_t i, std::array<std::uint16_t, ep_t::capacity> &out) const {
    return ep[i]->tunnel_ids(out);
  }

  void drain() {
    std::array<std::byte, 1024> buf{};
    for (std::size_t i = 0; i < nodes; ++i) {
      for (int guard = 0; guard < 256; ++guard) {
        auto d = ep[i]->poll_transmit(now, buf);
        FUZZ_CHECK(d.has_value()); // the buffer fits max_message
        if (d->size == 0) break;
        auto h = parse_header(bytes_view(buf).first(d->size));
        FUZZ_CHECK(h.has_value() && h->is_control());
        std::size_t to = keys;
        for (std::size_t k = 0; k < nodes; ++k)
          if (d->peer == key(k)) to = k;
        if (to == keys) continue; // a stranger: nobody listens there
        if (link.size() >= 128) link.erase(link.begin());
        link.push_back(
            {i, to, std::vector<std::byte>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(d->size))});
      }
      for (ep_t::tagged_event e; ep[i]->poll_event(e);) FUZZ_CHECK(e.local_tunnel_id != 0);
      // The endpoint's scheduler against brute force: once drained, no
      // tunnel has a datagram or an event left, and the endpoint's next
      // deadline is the earliest of its tunnels'.
      std::array<std::uint16_t, ep_t::capacity> ids{};
      const std::size_t n = ep[i]->tunnel_ids(ids);
      time_point earliest = time_point::max();
      for (std::size_t k = 0; k < n; ++k) {
        auto *t = ep[i]->find(ids[k]);
        FUZZ_CHECK(t != nullptr);
        auto left = t->poll_transmit(now, buf);
        FUZZ_CHECK(left.has_value() && *left == 0);
        FUZZ_CHECK(t->pending_events() == 0);
        earliest = std::min(earliest, t->next_deadline());
      }
      FUZZ_CHECK(ep[i]->next_deadline() == earliest);
    }
  }

  void check() const {
    for (std::size_t i = 0; i < nodes; ++i) {
      const ep_t &e = *ep[i];
      FUZZ_CHECK(e.tunnels_in_use() <= ep_t::capacity);
      std::array<std::uint16_t, ep_t::capacity> out{};
      const std::size_t n = e.tunnel_ids(out);
      FUZZ_CHECK(n == e.tunnels_in_use());
      std::set<std::uint16_t> seen;
      bool live = false;
      for (std::size_t k = 0; k < n; ++k) {
        FUZZ_CHECK(out[k] != 0);
        FUZZ_CHECK(seen.insert(out[k]).second);
        const auto *t = e.find(out[k]);
        FUZZ_CHECK(t != nullptr && t->local_tunnel_id() == out[k]);
        if (t->state() != tunnel_state::closed) live = true;
      }
      if (live) FUZZ_CHECK(e.next_deadline() != time_point::max());
      const endpoint_counters &c = e.counters();
      // Every datagram has exactly one fate at the endpoint level.
      const std::uint64_t fates = c.delivered + c.sccrq_duplicates + c.new_tunnels + c.malformed + c.not_control +
                                  c.unknown_tunnel_id + c.peer_mismatch + c.zero_id_not_sccrq + c.malformed_sccrq +
                                  c.sccrq_refused + c.table_full + c.tie_won + c.tie_equal + c.tie_remembered;
      FUZZ_CHECK(fates == c.datagrams);
      FUZZ_CHECK(c.datagrams == received[i]);
    }
  }

  void deliver(std::size_t from_key, std::size_t to, bytes_view d) {
    // A copy of exactly the datagram, so ASan sees any over-read.
    std::vector<std::byte> copy(d.begin(), d.end());
    ep[to]->receive(key(from_key), copy, now);
    ++received[to];
  }

  void timers() {
    for (auto &e : ep)
      if (e->next_deadline() <= now) e->handle_timeout(now);
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::bytes_in in{data, size};
  // One world per configuration (bits 0-4 of the first byte), built once and
  // reset per input: building the three endpoints (their 64 Ki-entry Tunnel
  // ID index, every tunnel's buffers) cost more than most inputs' steps.
  static std::array<std::unique_ptr<world>, 32> worlds;
  const std::uint8_t flags = in.u8();
  std::unique_ptr<world> &slot = worlds[flags & 0x1F];
  if (!slot) slot = std::make_unique<world>(flags);
  world &w = *slot;
  w.start(flags);
  for (int step = 0; step < 400 && !in.empty(); ++step) {
    const std::uint8_t op = in.u8();
    const std::size_t i = (op >> 4) % nodes;
    switch ((op & 0x0F) % 12) { // low nibble: the operation; high nibble: the node
    case 0: {                   // open a tunnel from i to another node (or a stranger)
      const std::size_t to = in.u8() % keys;
      const std::uint8_t how = in.u8();
      auto r = (how & 1) ? w.ep[i]->open(key(to), w.now, how >> 1) // small values: equal ties happen
                         : w.ep[i]->open(key(to), w.now);
      if (!r) FUZZ_CHECK(r.code() == control::errc::tunnel_table_full && w.ep[i]->tunnels_in_use() == ep_t::capacity);
      break;
    }
    case 1:
    case 2: {                            // deliver a datagram in flight (any one: reordering)
      const std::uint8_t pick = in.u8(); // operands are read even when unused, so inputs keep their framing
      if (w.link.empty()) break;
      const std::size_t k = pick % w.link.size();
      packet p = std::move(w.link[k]);
      w.link.erase(w.link.begin() + static_cast<std::ptrdiff_t>(k));
      w.deliver(p.from, p.to, p.data);
      break;
    }
    case 3: { // lose one
      const std::uint8_t pick = in.u8();
      if (!w.link.empty()) w.link.erase(w.link.begin() + static_cast<std::ptrdiff_t>(pick % w.link.size()));
      break;
    }
    case 4: { // duplicate one
      const std::uint8_t pick = in.u8();
      if (!w.link.empty() && w.link.size() < 128) w.link.push_back(w.link[pick % w.link.size()]);
      break;
    }
    case 5: { // deliver one corrupted, possibly from another key
      const std::uint8_t pick = in.u8();
      const std::uint16_t pos = in.u16();
      const std::uint8_t flip = in.u8();
      const std::size_t from = in.u8() % keys;
      if (w.link.empty()) break;
      packet p = w.link[pick % w.link.size()];
      p.data[pos % p.data.size()] ^= static_cast<std::byte>(flip | 1);
      w.deliver(from, p.to, p.data);
      break;
    }
    case 6: { // raw bytes from any key
      const std::size_t from = in.u8() % keys;
      const std::size_t n = std::min<std::size_t>(in.u8(), in.n);
      w.deliver(from, i, bytes_view(reinterpret_cast<const std::byte *>(in.p), n));
      in.p += n;
      in.n -= n;
      break;
    }
    case 7: { // a control header addressed to a live Tunnel ID (or 0), then raw bytes
      std::array<std::uint16_t, ep_t::capacity> ids{};
      const std::size_t n = w.ids(i, ids);
      const std::uint8_t pick = in.u8();
      const std::uint16_t tid = (n == 0 || pick == 0) ? 0 : ids[pick % n];
      std::vector<std::byte> d(12);
      const std::size_t extra = std::min<std::size_t>(in.u8() % 64, in.n);
      d.insert(d.end(), reinterpret_cast<const std::byte *>(in.p), reinterpret_cast<const std::byte *>(in.p) + extra);
      in.p += extra;
      in.n -= extra;
      core::store_be16(d.data(), 0xC802);
      core::store_be16(d.data() + 2, static_cast<std::uint16_t>(d.size()));
      core::store_be16(d.data() + 4, tid);
      core::store_be16(d.data() + 6, in.u16());
      core::store_be16(d.data() + 8, in.u16());
      core::store_be16(d.data() + 10, in.u16());
      w.deliver(in.u8() % keys, i, d);
      break;
    }
    case 8: { // clock step: up to 25.5 s in 100 ms steps, or up to 255 s
      const std::uint8_t s = in.u8();
      w.now += (s & 0x80) ? std::chrono::seconds(s & 0x7F) * 2 : std::chrono::milliseconds(100) * s;
      break;
    }
    case 9: { // close a tunnel
      std::array<std::uint16_t, ep_t::capacity> ids{};
      const std::size_t n = w.ids(i, ids);
      const std::uint8_t pick = in.u8();
      if (n != 0) {
        (void)w.ep[i]->close(ids[pick % n], w.now);
      } else {
        FUZZ_CHECK(w.ep[i]->close(pick, w.now).code() == control::errc::unknown_tunnel);
      }
      break;
    }
    case 10: { // place a call on an established tunnel
      std::array<std::uint16_t, ep_t::capacity> ids{};
      const std::size_t n = w.ids(i, ids);
      const std::uint8_t pick = in.u8();
      if (n == 0) break;
      auto *t = w.ep[i]->find(ids[pick % n]);
      FUZZ_CHECK(t != nullptr);
      if (t->role() == role::lac)
        (void)t->start_incoming_call({}, w.now);
      else
        (void)t->start_outgoing_call({}, w.now);
      break;
    }
    default: { // advance to the next deadline
      time_point next = time_point::max();
      for (auto &e : w.ep) next = std::min(next, e->next_deadline());
      if (next != time_point::max() && next > w.now) w.now = next;
      break;
    }
    }
    w.timers();
    w.drain();
    w.timers();
    w.drain();
    for (auto &e : w.ep) FUZZ_CHECK(e->next_deadline() > w.now);
    w.check();
  }
  // Free the datagrams still in flight now: libFuzzer runs its (slow) leak
  // check on any input that allocates more than it frees.
  w.link.clear();
  return 0;
}
