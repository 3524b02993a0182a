// Fuzz target: a LAC and an LNS tunnel (with or without a shared secret)
// joined by a link the input controls, driven by arbitrary API calls, clock
// steps, and hostile messages injected into either side: raw bytes, and
// well-framed control messages of any type with arbitrary AVPs addressed to
// the right tunnel and session so they reach the state machines.
//
// Invariants: no crash or sanitizer report; sessions never exceed
// max_sessions; events are bounded by the queue; the transport's memory never
// changes; after timers run and output is drained the next deadline is finite
// and in the future unless the tunnel is closed (then it is max()); every
// datagram either side emits parses as a control message that the wire
// layer's validation accepts.
//
// The digest is a deterministic stand-in with MD5's shape (this target
// exercises the state machines, not the cipher; both sides use the same one,
// so authentication still succeeds or fails as the secrets say).
#include "vpnwire/l2tp/control/tunnel.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp;
using namespace vpnwire::l2tp::control;

namespace {

struct mix_digest {
  static constexpr std::size_t digest_size = 16;
  std::array<std::uint64_t, 2> h{};
  bool reset() noexcept {
    h = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
    return true;
  }
  bool update(bytes_view in) noexcept {
    for (std::byte b : in) {
      h[0] = (h[0] ^ std::to_integer<std::uint64_t>(b)) * 0x100000001b3ULL;
      h[1] = (h[1] + h[0]) * 0x9E3779B97F4A7C15ULL;
    }
    return true;
  }
  bool finish(std::span<std::byte, 16> out) noexcept {
    core::store_be64(out.data(), h[0]);
    core::store_be64(out.data() + 8, h[1]);
    return true;
  }
};
static_assert(crypto::md5_like<mix_digest>);

struct counter_random {
  std::uint64_t s;
  void fill(mutable_bytes out) noexcept {
    for (auto &b : out) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      b = static_cast<std::byte>(s >> 56);
    }
  }
};

using fuzz_tunnel = tunnel<mix_digest, counter_random>;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::bytes_in in{data, size};
  const std::uint8_t setup = in.u8();
  tunnel_config a, b;
  a.role = role::lac;
  b.role = role::lns;
  if (setup & 1) a.secret = "fuzz";
  if (setup & 2) b.secret = (setup & 4) ? "fuzz" : "other";
  a.hide_avps = b.hide_avps = (setup & 8) != 0;
  a.max_sessions = b.max_sessions = 3;
  a.max_events = b.max_events = 8;
  a.transport = b.transport = transport_limits{4, 4, 1024};
  time_point now{};
  std::array<fuzz_tunnel, 2> t{fuzz_tunnel(a, mix_digest{}, counter_random{1}, now),
                               fuzz_tunnel(b, mix_digest{}, counter_random{2}, now)};
  const std::array<std::size_t, 2> storage{t[0].transport().storage_bytes(), t[1].transport().storage_bytes()};
  std::array<std::deque<std::vector<std::byte>>, 2> wire;
  std::array<std::vector<std::uint16_t>, 2> sessions; // local IDs seen in events
  std::array<std::byte, 2048> buf{};

  auto drain = [&](int s) {
    for (int guard = 0; guard < 64; ++guard) {
      auto r = t[s].poll_transmit(now, buf);
      FUZZ_CHECK(r.has_value());
      if (*r == 0) break;
      const bytes_view d(buf.data(), *r);
      auto h = parse_header(d);
      FUZZ_CHECK(h.has_value() && h->is_control());
      auto m = validate_message(h->payload());
      FUZZ_CHECK(m.has_value());
      FUZZ_CHECK(m->action() == disposition::accept);
      if (wire[1 - s].size() < 32) wire[1 - s].emplace_back(d.begin(), d.end());
    }
    for (event e; t[s].poll_event(e);) {
      if (e.type == event_type::session_up || e.type == event_type::outgoing_call_request)
        if (sessions[s].size() < 16) sessions[s].push_back(e.session.local_session_id);
    }
  };
  auto check = [&](int s) {
    FUZZ_CHECK(t[s].active_sessions() <= 3);
    FUZZ_CHECK(t[s].transport().storage_bytes() == storage[s]);
    const time_point d = t[s].next_deadline();
    if (t[s].state() == tunnel_state::closed)
      FUZZ_CHECK(d == time_point::max());
    else
      FUZZ_CHECK(d != time_point::max() && d > now);
  };
  auto pick_session = [&](int s) -> std::uint16_t {
    if (sessions[s].empty()) return in.u16();
    return sessions[s][in.u8() % sessions[s].size()];
  };

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    const int s = op & 1;
    switch ((op >> 1) % 12) {
    case 0: (void)t[s].open(now); break;
    case 1: {
      call_request c;
      c.sequencing_required = (op & 0x80) != 0;
      c.called_number = as_bytes("123");
      if (s == 0)
        (void)t[0].start_incoming_call(c, now);
      else
        (void)t[1].start_outgoing_call(c, now);
      break;
    }
    case 2: (void)t[s].connect_outgoing_call(pick_session(s), call_request{}, now); break;
    case 3: (void)t[s].disconnect(pick_session(s), now, in.u8(), in.u8(), "x"); break;
    case 4: (void)t[s].close(now, in.u8(), in.u8(), "bye"); break;
    case 5:
      if (s == 0)
        (void)t[0].send_wan_error(pick_session(0), call_errors_value{1, 2, 3, 4, 5, 6}, now);
      else
        (void)t[1].send_set_link_info(pick_session(1), accm_value{in.u16(), in.u16()}, now);
      break;
    case 6: // deliver the oldest datagram to side s
      if (!wire[s].empty()) {
        auto d = std::move(wire[s].front());
        wire[s].pop_front();
        t[s].receive(d, now);
      }
      break;
    case 7: // lose, duplicate or reorder
      if (!wire[s].empty()) {
        if (op & 0x80)
          wire[s].push_back(wire[s].front());
        else if (op & 0x40)
          wire[s].pop_front();
        else {
          wire[s].push_back(std::move(wire[s].front()));
          wire[s].pop_front();
        }
      }
      break;
    case 8: { // clock step, timers on both sides
      now += std::chrono::milliseconds(std::uint32_t{in.u16()} * 4);
      for (int i = 0; i < 2; ++i) {
        if (t[i].next_deadline() <= now) t[i].handle_timeout(now);
        drain(i);
        check(i);
      }
      break;
    }
    case 9: { // raw hostile bytes
      std::vector<std::byte> d(in.u8() % 64);
      for (auto &x : d) x = std::byte{in.u8()};
      t[s].receive(d, now);
      break;
    }
    case 10:
    case 11: { // a framed message of any type with arbitrary AVPs, to the right tunnel
      std::vector<std::byte> d(1024);
      message_writer w(d);
      const std::uint16_t session = (op & 0x80) ? pick_session(s) : std::uint16_t{0};
      const std::uint16_t ns = (op & 0x40) ? t[s].transport().next_expected_ns() : in.u16();
      (void)w.begin_raw({t[s].local_tunnel_id(), session, ns, in.u16()}, in.u8() % 18, true);
      const std::size_t navps = in.u8() % 6;
      for (std::size_t i = 0; i < navps; ++i) {
        const std::uint16_t flags = static_cast<std::uint16_t>(in.u8() << 8);
        const std::uint16_t type = in.u8() % 48;
        std::vector<std::byte> v(in.u8() % 24);
        for (auto &x : v) x = std::byte{in.u8()};
        (void)w.add_raw(flags, (op & 0x20) ? in.u16() : 0, type, v);
      }
      if (auto n = w.finish()) {
        d.resize(*n);
        t[s].receive(d, now);
      }
      break;
    }
    }
    drain(s);
  }
  return 0;
}
