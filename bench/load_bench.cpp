// Throughput of the stateful engines under load (the figures beside
// tests/load/, which assert their memory bounds and accounting):
//  - SPI lookup + anti-replay check/commit over 100,000 SAs, each packet for
//    a random SA (cache-cold state, as on a concentrator), with vpnwire's
//    RFC 6479 ring against the one-word shift bitmap most implementations
//    write (same lookup, same traffic);
//  - the IPv4 reassembler fed the hostile stream of tests/load at 10x its
//    datagram slots (overlaps, duplicates, over-cap, never-completing);
//  - the reorder window at 10x its capacity;
//  - the L2TP control endpoint holding 10,000 established tunnels: a whole
//    call (ICRQ, ICRP, ICCN, CDN and the ZLB acknowledgements through both
//    endpoints) on a random tunnel, and the caller's idle poll (nothing to
//    send, no deadline due), each beside the same endpoint with one tunnel.
#include "bench_support.hpp"

#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/esp/replay_window.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/l2tp/control/endpoint.hpp"
#include "vpnwire/seq/reorder_window.hpp"

#include "../tests/ip/frag_helpers.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string_view>
#include <unordered_map>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;

namespace {

// --- 100,000 SAs ----------------------------------------------------------------

struct shift_window { // baseline: one 64-bit word shifted on every advance
  std::uint64_t top = 0, bits = 0;
  [[nodiscard]] bool check(std::uint64_t s) const {
    if (s > top) return true;
    const std::uint64_t d = top - s;
    return d < 64 && (bits & (std::uint64_t{1} << d)) == 0 && s != 0;
  }
  void commit(std::uint64_t s) {
    if (s > top) {
      const std::uint64_t d = s - top;
      bits = d >= 64 ? 1 : (bits << d) | 1;
      top = s;
    } else {
      bits |= std::uint64_t{1} << (top - s);
    }
  }
};
struct ring_window {
  esp::replay_window<64> w;
  [[nodiscard]] bool check(std::uint64_t s) const { return w.check(s) == esp::replay_check::fresh; }
  void commit(std::uint64_t s) { w.commit(s); }
};

template <class Window> void sa_lookup_replay(benchmark::State &state) {
  const auto sas = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(4303);
  struct sa {
    Window w;
    std::uint64_t next = 1;
  };
  std::vector<sa> table(sas);
  std::vector<std::uint32_t> spis(sas);
  std::unordered_map<std::uint32_t, std::uint32_t> by_spi;
  by_spi.reserve(sas * 2);
  for (std::uint32_t i = 0; i < sas; ++i) {
    std::uint32_t spi = 0;
    do spi = static_cast<std::uint32_t>(rng()) | 0x100U;
    while (by_spi.count(spi) != 0);
    spis[i] = spi;
    by_spi.emplace(spi, i);
  }
  // Packets: a random SA each; 1 in 8 a few places late (as on a real link).
  std::vector<std::uint32_t> order(1 << 20);
  for (auto &o : order) o = static_cast<std::uint32_t>(rng() % sas);
  std::size_t i = 0;
  std::uint64_t fresh = 0;
  for (auto _ : state) {
    const std::uint32_t idx = order[i];
    sa &s = table[by_spi.find(spis[idx])->second];
    const std::uint64_t seq = (i & 7) == 7 && s.next > 4 ? s.next - 3 : s.next;
    if (s.w.check(seq)) {
      s.w.commit(seq);
      s.next = std::max(s.next, seq + 1);
      ++fresh;
    }
    if (++i == order.size()) i = 0;
  }
  benchmark::DoNotOptimize(fresh);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["bytes_per_window"] = static_cast<double>(sizeof(Window));
}

BENCHMARK(sa_lookup_replay<ring_window>)->Name("sa_lookup_replay/vpnwire")->Arg(100000);
BENCHMARK(sa_lookup_replay<shift_window>)->Name("sa_lookup_replay/shift_bitmap")->Arg(100000);

// --- IPv4 reassembly under hostile load ------------------------------------------------

std::vector<std::vector<std::byte>> hostile_fragments(std::size_t datagrams) {
  std::mt19937 rng(4);
  std::vector<std::vector<std::byte>> out;
  for (std::uint32_t d = 0; d < datagrams; ++d) {
    const std::size_t len = 8 * (64 + rng() % 448);
    std::vector<std::byte> p(len);
    for (auto &b : p) b = static_cast<std::byte>(rng());
    ip_test::frag_spec s;
    s.id = static_cast<std::uint16_t>(d);
    const std::size_t piece = d % 8 == 6 ? 64 : 512;
    std::vector<std::vector<std::byte>> frags;
    for (std::size_t off = 0; off < len; off += piece) {
      const std::size_t end = std::min(len, off + piece);
      frags.push_back(
          ip_test::frag_of(s, p, static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(end), end != len));
    }
    if (d % 8 == 4) frags.push_back(frags[rng() % frags.size()]);
    if (d % 8 == 5)
      frags.push_back(
          ip_test::make_packet(s, 8 * (1 + rng() % 16), true, std::vector<std::byte>(256, std::byte{0xEE})));
    if (d % 8 == 7) frags.erase(frags.begin() + static_cast<std::ptrdiff_t>(rng() % frags.size()));
    for (auto &f : frags) out.push_back(std::move(f));
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

void reassembly_hostile(benchmark::State &state) {
  const auto slots = static_cast<std::size_t>(state.range(0));
  const auto frags = hostile_fragments(slots * 10);
  ip::reassembler_config c;
  c.max_datagrams = slots;
  c.max_fragments = 16;
  c.byte_budget = 128 * 1024;
  c.block_size = 512;
  c.timeout = 2s;
  ip::reassembler r(c);
  time_point now{};
  std::size_t i = 0;
  for (auto _ : state) {
    now += 1ms;
    auto d = r.submit(frags[i], 1, now);
    benchmark::DoNotOptimize(d);
    if (++i == frags.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["footprint_bytes"] = static_cast<double>(r.memory_footprint());
}
BENCHMARK(reassembly_hostile)->Name("reassembly_hostile_10x/vpnwire")->Arg(64);

// --- reorder window at 10x its capacity ------------------------------------------------

void reorder_hostile(benchmark::State &state) {
  constexpr std::size_t capacity = 64;
  seq::reorder_window<std::uint64_t, 32, capacity> w(seq::policy::with_timeout(5ms));
  std::mt19937_64 rng(10);
  std::vector<std::uint32_t> seqs(1 << 20);
  std::uint64_t base = 0;
  for (auto &s : seqs) {
    s = static_cast<std::uint32_t>(base + rng() % (capacity * 10));
    if (rng() % 4 == 0) base += 1 + rng() % 3;
  }
  std::uint64_t delivered = 0;
  auto sink = [&](std::uint32_t, std::uint64_t &&) noexcept { ++delivered; };
  time_point now{};
  std::size_t i = 0;
  for (auto _ : state) {
    now += 10us;
    benchmark::DoNotOptimize(w.insert(seqs[i], std::uint64_t{seqs[i]}, now, sink));
    if (++i == seqs.size()) {
      i = 0;
      (void)w.flush(sink);
      w.reanchor(0, sink);
    }
  }
  benchmark::DoNotOptimize(delivered);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(reorder_hostile)->Name("reorder_hostile_10x/vpnwire")->Arg(64);

// --- L2TP control endpoint with 10,000 tunnels -----------------------------------------

struct bench_random { // a handle to one generator, as endpoint requires
  std::mt19937_64 *g = nullptr;
  void fill(mutable_bytes out) noexcept {
    for (auto &b : out) b = static_cast<std::byte>((*g)() & 0xFF);
  }
};

/// A LAC and an LNS endpoint of N slots each, joined by a lossless link,
/// with N tunnels established from the LAC (built once per N, outside the
/// timed loops: 10,000 slots take about 300 MB per endpoint).
template <std::size_t N> struct endpoint_pair {
  using ep = l2tp::control::endpoint<crypto::openssl_md5, bench_random, N>;
  std::mt19937_64 g_lac{1}, g_lns{2}; // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seeds
  std::unique_ptr<ep> lac, lns;
  l2tp::control::peer_key lac_key = l2tp::control::peer_key::from(as_bytes(std::string_view("lac")));
  l2tp::control::peer_key lns_key = l2tp::control::peer_key::from(as_bytes(std::string_view("lns")));
  time_point now{};
  std::array<std::byte, 512> buf{};
  std::uint64_t datagrams = 0, sessions_up = 0;
  std::vector<std::uint16_t> ids; // the LAC's established tunnels

  static l2tp::control::endpoint_config config(l2tp::control::role r) {
    l2tp::control::endpoint_config c;
    c.tunnel.role = r;
    c.tunnel.host_name = r == l2tp::control::role::lac ? "bench-lac" : "bench-lns";
    c.tunnel.max_sessions = 10;
    c.tunnel.send_tie_breaker = false;
    c.tunnel.transport.max_message = 512; // as tests/load: control messages stay below 200 bytes
    c.max_events = 1024;
    return c;
  }
  endpoint_pair() {
    lac = std::make_unique<ep>(config(l2tp::control::role::lac), crypto::openssl_md5{}, bench_random{&g_lac}, now);
    lns = std::make_unique<ep>(config(l2tp::control::role::lns), crypto::openssl_md5{}, bench_random{&g_lns}, now);
    for (std::size_t i = 0; i < N; ++i) {
      auto id = lac->open(lns_key, now);
      if (id) ids.push_back(*id);
      if (i % 64 == 63) pump();
    }
    pump();
    std::erase_if(ids, [&](std::uint16_t id) {
      const auto *t = lac->find(id);
      return t == nullptr || t->state() != l2tp::control::tunnel_state::established;
    });
  }
  /// Moves every queued datagram to the other side until both are quiet,
  /// and takes every event.
  void pump() {
    for (bool moved = true; moved;) {
      moved = false;
      for (int side = 0; side < 2; ++side) {
        ep &from = side == 0 ? *lac : *lns;
        ep &to = side == 0 ? *lns : *lac;
        const auto &key = side == 0 ? lac_key : lns_key;
        for (;;) {
          auto d = from.poll_transmit(now, buf);
          if (!d || d->size == 0) break;
          to.receive(key, bytes_view(buf).first(d->size), now);
          ++datagrams;
          moved = true;
        }
      }
      for (ep *e : {lac.get(), lns.get()})
        for (typename ep::tagged_event ev; e->poll_event(ev);)
          sessions_up += ev.ev.type == l2tp::control::event_type::session_up;
    }
  }
  static endpoint_pair &get() {
    static endpoint_pair p;
    return p;
  }
};

template <std::size_t N> void endpoint_call_cycle(benchmark::State &state) {
  auto &p = endpoint_pair<N>::get();
  if (p.ids.size() != N) {
    state.SkipWithError("not every tunnel came up");
    return;
  }
  std::mt19937 rng(5); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed
  const std::uint64_t datagrams_before = p.datagrams, up_before = p.sessions_up;
  for (auto _ : state) {
    auto *t = p.lac->find(p.ids[rng() % p.ids.size()]);
    auto sid = t->start_incoming_call({}, p.now);
    p.pump(); // ICRQ, ICRP, ICCN, ZLB
    if (sid) (void)t->disconnect(*sid, p.now);
    p.pump(); // CDN, ZLB
    p.now += 1ms;
  }
  const auto calls = static_cast<double>(p.sessions_up - up_before) / 2.0; // session_up on both sides
  if (calls != static_cast<double>(state.iterations())) state.SkipWithError("a call did not come up");
  state.SetItemsProcessed(static_cast<std::int64_t>(p.datagrams - datagrams_before));
  state.counters["tunnels"] = static_cast<double>(p.ids.size());
  state.counters["calls_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(endpoint_call_cycle<10000>)->Name("endpoint_call_cycle/vpnwire_10000_tunnels");
BENCHMARK(endpoint_call_cycle<1>)->Name("endpoint_call_cycle/one_tunnel");

/// What the caller pays per turn of its event loop when nothing happens:
/// next_deadline(), handle_timeout() (nothing due) and poll_transmit()
/// (nothing queued).
template <std::size_t N> void endpoint_idle_poll(benchmark::State &state) {
  auto &p = endpoint_pair<N>::get();
  for (auto _ : state) {
    const time_point d = p.lac->next_deadline();
    benchmark::DoNotOptimize(d);
    if (d <= p.now) p.lac->handle_timeout(p.now);
    auto x = p.lac->poll_transmit(p.now, p.buf);
    benchmark::DoNotOptimize(x);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["tunnels"] = static_cast<double>(p.ids.size());
}
BENCHMARK(endpoint_idle_poll<10000>)->Name("endpoint_idle_poll/vpnwire_10000_tunnels");
BENCHMARK(endpoint_idle_poll<1>)->Name("endpoint_idle_poll/one_tunnel");

} // namespace

VPNWIRE_BENCH_MAIN();
