// Fuzz target: two reliable control transports joined by a link the input
// controls (drop, duplicate, reorder), plus hostile datagrams injected into
// one side and arbitrary clock steps and window changes.
//
// Invariants:
//  - what B delivers from A is a strictly increasing run of A's tags (never a
//    duplicate, never out of order; hostile acknowledgements injected into A
//    may make A forget messages, so gaps are allowed, nothing else);
//  - in-flight and queued counts never exceed the configured limits, and the
//    slot storage never changes size (memory is bounded);
//  - after timers run and output is drained, the next deadline is in the
//    future and finite while the transport is open or lingering, and
//    time_point::max() only once it has failed or closed;
//  - every datagram produced parses as an L2TP control message.
#include "vpnwire/l2tp/control/reliable_transport.hpp"
#include "vpnwire/l2tp/header.hpp"

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp::control;
using namespace std::chrono_literals;

namespace {

std::vector<std::byte> message(std::uint16_t tunnel, std::uint32_t tag, std::size_t pad) {
  // Header + Message Type AVP (HELLO) + a vendor AVP whose value is the tag.
  std::vector<std::byte> b(12 + 8 + 10 + pad, std::byte{0});
  l2tp::header_fields f;
  f.control = true;
  f.tunnel_id = tunnel;
  FUZZ_CHECK(l2tp::build_header(b, f, b.size() - 12));
  core::store_be16(b.data() + 12, 0x8008);
  core::store_be16(b.data() + 18, 6);
  core::store_be16(b.data() + 20, static_cast<std::uint16_t>(10 + pad));
  core::store_be16(b.data() + 22, 0x9999);
  core::store_be16(b.data() + 24, 1);
  core::store_be32(b.data() + 26, tag);
  return b;
}
std::uint32_t tag_of(bytes_view m) { return core::load_be32(m.data() + 26); }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  fuzz::bytes_in in{data, size};
  const transport_limits limits{static_cast<std::uint16_t>(1 + in.u8() % 8),
                                static_cast<std::uint16_t>(1 + in.u8() % 8), 256};
  transport_config cfg;
  cfg.max_retransmissions = in.u8() % 8;
  cfg.ack_delay = std::chrono::milliseconds(in.u8() % 4 * 100);
  time_point now{};
  std::array<reliable_transport, 2> ep{reliable_transport(now, limits, cfg), reliable_transport(now, limits, cfg)};
  ep[0].set_peer_tunnel_id(2);
  ep[1].set_peer_tunnel_id(1);
  const std::size_t storage = ep[0].storage_bytes();
  std::array<std::deque<std::vector<std::byte>>, 2> wire; // wire[i]: datagrams on their way to ep[i]
  std::array<std::uint32_t, 2> next_tag{0, 0};
  std::array<std::int64_t, 2> last_delivered{-1, -1};
  std::array<std::byte, 512> buf{};

  auto drain = [&](int s) {
    for (int guard = 0; guard < 64; ++guard) {
      auto r = ep[s].poll_transmit(now, buf);
      FUZZ_CHECK(r.has_value());
      if (*r == 0) return;
      const bytes_view d(buf.data(), *r);
      auto h = l2tp::parse_header(d);
      FUZZ_CHECK(h.has_value() && h->is_control() && h->trailing_bytes() == 0);
      if (wire[1 - s].size() < 64) wire[1 - s].emplace_back(d.begin(), d.end());
    }
  };
  auto deliver = [&](int s) {
    for (bytes_view m = ep[s].pop_delivered(); !m.empty(); m = ep[s].pop_delivered()) {
      if (m.size() < 30) continue; // a hostile message injected into side 0
      if (s == 1) {
        const std::int64_t t = tag_of(m);
        FUZZ_CHECK(t > last_delivered[1]);
        FUZZ_CHECK(t < next_tag[0]);
        last_delivered[1] = t;
      }
    }
  };
  auto check = [&](int s) {
    const auto &e = ep[s];
    FUZZ_CHECK(e.storage_bytes() == storage);
    FUZZ_CHECK(e.unacknowledged() <= limits.send_slots);
    FUZZ_CHECK(e.in_flight() <= e.unacknowledged());
    FUZZ_CHECK(e.congestion_window() >= 1);
    FUZZ_CHECK(e.congestion_window() <= e.peer_window());
    const time_point d = e.next_deadline();
    const bool live = e.state() == transport_state::open || e.state() == transport_state::lingering;
    FUZZ_CHECK(live == (d != time_point::max()));
    if (live) FUZZ_CHECK(d > now);
  };

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    const int s = op & 1;
    switch ((op >> 1) % 8) {
    case 0: // the application queues a message
      if (ep[s].send(message(s ? 1 : 2, next_tag[s], in.u8() % 64))) ++next_tag[s];
      break;
    case 1: { // deliver the oldest datagram on the wire to side s
      if (wire[s].empty()) break;
      auto d = std::move(wire[s].front());
      wire[s].pop_front();
      (void)ep[s].receive(d, now);
      deliver(s);
      break;
    }
    case 2: // lose the oldest datagram
      if (!wire[s].empty()) wire[s].pop_front();
      break;
    case 3: // duplicate or reorder: rotate the queue
      if (!wire[s].empty()) {
        if (op & 0x80)
          wire[s].push_back(wire[s].front());
        else {
          wire[s].push_back(std::move(wire[s].front()));
          wire[s].pop_front();
        }
      }
      break;
    case 4: { // clock step (0 .. ~65 s), then timers and output on both sides
      now += std::chrono::milliseconds(in.u16());
      for (int i = 0; i < 2; ++i) {
        (void)ep[i].handle_timeout(now);
        drain(i);
        check(i);
      }
      break;
    }
    case 5: { // a hostile datagram into side 0 (its Nr may lie)
      const std::size_t len = in.u8() % 48;
      std::vector<std::byte> d(len);
      for (auto &b : d) b = std::byte{in.u8()};
      if (len >= 12 && (op & 0x80)) { // make it parse, so Ns/Nr logic runs
        core::store_be16(d.data(), 0xC802);
        core::store_be16(d.data() + 2, static_cast<std::uint16_t>(len));
      }
      (void)ep[0].receive(d, now);
      deliver(0);
      break;
    }
    case 6: { // the peer's window changes (0 must be refused)
      const std::uint16_t w = in.u16();
      const auto r = ep[s].set_peer_window(w);
      FUZZ_CHECK(r.has_value() == (w != 0));
      break;
    }
    default:
      if (op & 0x80)
        ep[s].begin_linger(now);
      else
        drain(s);
      break;
    }
    drain(s);
  }
  return 0;
}
