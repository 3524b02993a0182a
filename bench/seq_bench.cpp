// seq::reorder_window against the alternatives, in one binary:
//  - dpdk_rte_reorder: DPDK's rte_reorder (insert, then drain every 32
//    packets), same capacity (1024), 32-bit sequence numbers;
//  - kernel_list: the Linux L2TP sorted-list reorder queue
//    (bench/baselines/seq_kernel_list.hpp), reorder timeout 200 us;
//  - vpnwire: the single-threaded window, Capacity 1024, 32 bits, timeout
//    200 us (virtual clock: one packet per microsecond), delivering to a sink;
//  - vpnwire_depth: the same window with DPDK's semantics (no timeout, a gap
//    is skipped when Capacity items are held);
//  - vpnwire_mpsc_2p: the multi-producer window, 2 producer threads (each
//    inserting every other packet), one of them also draining every 32.
// Streams (fixed seed, 8192 packets per pass, numbers continue across passes):
//  r0 in order; r5 / r30: 5% / 30% of packets displaced 1..8 places later;
//  r5_l1 / r30_l1: the same with 1% loss. Items are mbuf-sized pointers.
// Counters report delivered and dropped items per pass so the work done is
// visible next to the time.
#include "baselines/seq_kernel_list.hpp"
#include "vpnwire/seq/reorder_windows.hpp"

#include "bench_support.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#if VPNWIRE_BENCH_HAVE_DPDK
#include <rte_config.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_reorder.h>
#include <unistd.h>
#endif

namespace {

using namespace vpnwire;
constexpr std::size_t stream_len = 8192;
constexpr std::size_t capacity = 1024;
constexpr std::int64_t packet_ns = 1000;          // virtual clock: one packet per microsecond
constexpr std::int64_t timeout_ns = 200'000;      // 200 packets
constexpr std::size_t pool_size = 2 * stream_len; // items in flight: a power of two, indexed with a mask
static_assert((pool_size & (pool_size - 1)) == 0);

struct packet {
  std::uint64_t payload[8];
};

// Offsets 0..stream_len-1 in arrival order.
std::vector<std::uint32_t> make_stream(int reorder_pct, int loss_permille) {
  std::mt19937 rng(static_cast<std::uint32_t>(reorder_pct * 1000 + loss_permille));
  std::vector<std::uint32_t> v(stream_len);
  for (std::uint32_t i = 0; i < stream_len; ++i) v[i] = i;
  for (std::size_t i = 0; i + 9 < stream_len; ++i) {
    if (static_cast<int>(rng() % 100) < reorder_pct) {
      const std::size_t by = 1 + rng() % 8;
      std::rotate(v.begin() + static_cast<std::ptrdiff_t>(i), v.begin() + static_cast<std::ptrdiff_t>(i + 1),
                  v.begin() + static_cast<std::ptrdiff_t>(i + by + 1));
    }
  }
  if (loss_permille != 0) {
    std::erase_if(v, [&](std::uint32_t) { return static_cast<int>(rng() % 1000) < loss_permille * 10; });
  }
  return v;
}

struct scenario {
  const char *name;
  int reorder_pct;
  int loss_pct;
};
constexpr scenario scenarios[] = {{"r0", 0, 0}, {"r5", 5, 0}, {"r30", 30, 0}, {"r5_l1", 5, 1}, {"r30_l1", 30, 1}};

std::vector<packet> &packets() {
  static std::vector<packet> p(pool_size);
  return p;
}

void report(benchmark::State &state, std::uint64_t delivered, std::uint64_t dropped, std::size_t per_pass) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_pass));
  state.counters["delivered/pass"] = static_cast<double>(delivered) / static_cast<double>(state.iterations());
  state.counters["dropped/pass"] = static_cast<double>(dropped) / static_cast<double>(state.iterations());
}

void bm_vpnwire_with(benchmark::State &state, scenario sc, seq::policy policy) {
  const auto stream = make_stream(sc.reorder_pct, sc.loss_pct);
  using W = seq::reorder_window<packet *, 32, capacity>;
  auto w = std::make_unique<W>(policy);
  auto &pk = packets();
  packet *out[64];
  std::uint64_t dropped = 0, base = 0;
  // The consumer stores each packet into a burst array indexed by its number
  // (as DPDK's drain fills `out`); the window counts what it delivered.
  auto sink = [&](std::uint32_t s, packet *&&p) noexcept { out[s & 63] = p; };
  for (auto _ : state) {
    std::int64_t t = static_cast<std::int64_t>(base) * packet_ns; // arrival time: one packet per microsecond
    for (const std::uint32_t off : stream) {
      const std::uint64_t n = base + off;
      t += packet_ns;
      const auto r = w->insert(static_cast<std::uint32_t>(n), &pk[n & (pool_size - 1)], from_nanoseconds(t), sink);
      dropped += seq::accepted(r) ? 0 : 1;
    }
    base += stream_len;
    benchmark::DoNotOptimize(out);
  }
  report(state, w->stats().delivered, dropped, stream.size());
}
// The L2TP default: timeout 200 us.
void bm_vpnwire(benchmark::State &state, scenario sc) {
  bm_vpnwire_with(state, sc, seq::policy::with_timeout(duration{timeout_ns}));
}
// DPDK's semantics: no timeout, a gap is skipped when the window is full.
void bm_vpnwire_depth(benchmark::State &state, scenario sc) {
  bm_vpnwire_with(state, sc, seq::policy::reordering().with_depth(capacity));
}

void bm_vpnwire_mpsc(benchmark::State &state, scenario sc) {
  static std::vector<std::uint32_t> stream;
  using W = seq::reorder_window<packet *, 32, capacity, seq::policy, seq::multi_producer>;
  static std::unique_ptr<W> w;
  static std::uint64_t delivered = 0, rejected = 0;
  static std::atomic<std::uint64_t> dropped{0};
  if (state.thread_index() == 0) {
    stream = make_stream(sc.reorder_pct, sc.loss_pct);
    w = std::make_unique<W>(
        seq::policy::with_timeout(duration{timeout_ns}).with_anchor(seq::anchor_mode::explicit_value), 0);
    delivered = rejected = 0;
    dropped = 0;
  }
  auto &pk = packets();
  packet *out[64];
  auto sink = [&](std::uint32_t, packet *&&p) noexcept { out[delivered++ & 63] = p; };
  auto reject = [&](std::uint32_t, packet *&&, seq::insert_outcome) noexcept { ++rejected; };
  const std::size_t me = static_cast<std::size_t>(state.thread_index());
  std::uint64_t base = 0, my_dropped = 0;
  for (auto _ : state) {
    for (std::size_t i = me; i < stream.size(); i += 2) {
      const std::uint64_t n = base + stream[i];
      const auto t = from_nanoseconds(static_cast<std::int64_t>(base + i) * packet_ns); // arrival time
      const auto r = w->insert(static_cast<std::uint32_t>(n), &pk[n & (pool_size - 1)], t);
      my_dropped += seq::accepted(r) ? 0 : 1;
      if (me == 0 && (i & 63) == 0) (void)w->drain(t, sink, reject);
    }
    base += stream_len;
    benchmark::DoNotOptimize(out);
  }
  dropped += my_dropped;
  if (me == 0) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
    state.counters["dropped/pass"] =
        static_cast<double>(dropped.load() + rejected) / static_cast<double>(state.iterations());
  }
}

void bm_kernel(benchmark::State &state, scenario sc) {
  const auto stream = make_stream(sc.reorder_pct, sc.loss_pct);
  vpnwire_baseline::kernel_l2tp_reorder<packet *> k(0xFFFFFFFFU, timeout_ns, 2 * capacity);
  auto &pk = packets();
  packet *out[64];
  std::uint64_t delivered = 0, dropped = 0, base = 0;
  auto sink = [&](std::uint32_t, packet *&&p) noexcept { out[delivered++ & 63] = p; };
  auto drop = [&](std::uint32_t, packet *&&) noexcept { ++dropped; };
  for (auto _ : state) {
    std::int64_t t = static_cast<std::int64_t>(base) * packet_ns;
    for (const std::uint32_t off : stream) {
      const std::uint64_t n = base + off;
      t += packet_ns;
      k.receive(static_cast<std::uint32_t>(n), &pk[n & (pool_size - 1)], t, sink, drop);
    }
    base += stream_len;
    benchmark::DoNotOptimize(out);
  }
  report(state, delivered, dropped, stream.size());
}

#if VPNWIRE_BENCH_HAVE_DPDK
rte_mempool *dpdk_pool() {
  static rte_mempool *pool = [] {
    std::string prefix = "--file-prefix=vpnwire_seq_bench_" + std::to_string(getpid());
    const char *args[] = {"seq_bench",      "--no-huge", "--no-pci", "-m",           "256",
                          "--no-telemetry", "-l",        "0",        prefix.c_str(), "--log-level=error"};
    std::vector<char *> argv;
    for (const char *a : args) argv.push_back(const_cast<char *>(a));
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
      return static_cast<rte_mempool *>(nullptr);
    }
    return rte_pktmbuf_pool_create("seq_bench", pool_size + 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  }();
  return pool;
}

void bm_dpdk(benchmark::State &state, scenario sc) {
  rte_mempool *pool = dpdk_pool();
  if (pool == nullptr) {
    state.SkipWithError("DPDK EAL or mempool unavailable");
    return;
  }
  static std::vector<rte_mbuf *> mbufs;
  if (mbufs.empty()) {
    mbufs.resize(pool_size);
    if (rte_pktmbuf_alloc_bulk(pool, mbufs.data(), static_cast<unsigned>(mbufs.size())) != 0) {
      state.SkipWithError("mbuf allocation failed");
      return;
    }
  }
  const auto stream = make_stream(sc.reorder_pct, sc.loss_pct);
  const std::string name = std::string("rob_") + sc.name;
  rte_reorder_buffer *b = rte_reorder_create(name.c_str(), 0, capacity);
  if (b == nullptr) {
    state.SkipWithError("rte_reorder_create failed");
    return;
  }
  rte_mbuf *out[64];
  std::uint64_t delivered = 0, dropped = 0, base = 0;
  for (auto _ : state) {
    std::size_t since_drain = 0;
    for (const std::uint32_t off : stream) {
      const std::uint64_t n = base + off;
      rte_mbuf *m = mbufs[n & (pool_size - 1)];
      *rte_reorder_seqn(m) = static_cast<rte_reorder_seqn_t>(n);
      if (rte_reorder_insert(b, m) != 0) ++dropped;
      if (++since_drain == 32) {
        since_drain = 0;
        delivered += rte_reorder_drain(b, out, 64);
      }
    }
    delivered += rte_reorder_drain(b, out, 64);
    base += stream_len;
    benchmark::DoNotOptimize(out);
  }
  rte_reorder_free(b);
  report(state, delivered, dropped, stream.size());
}
#endif

const bool registered = [] {
  for (const scenario &sc : scenarios) {
    const std::string args = sc.name;
    benchmark::RegisterBenchmark(("reorder/vpnwire/" + args).c_str(), bm_vpnwire, sc);
    benchmark::RegisterBenchmark(("reorder/vpnwire_depth/" + args).c_str(), bm_vpnwire_depth, sc);
    benchmark::RegisterBenchmark(("reorder/vpnwire_mpsc_2p/" + args).c_str(), bm_vpnwire_mpsc, sc)
        ->Threads(2)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("reorder/kernel_list/" + args).c_str(), bm_kernel, sc);
#if VPNWIRE_BENCH_HAVE_DPDK
    benchmark::RegisterBenchmark(("reorder/dpdk_rte_reorder/" + args).c_str(), bm_dpdk, sc);
#endif
  }
  return true;
}();

} // namespace

VPNWIRE_BENCH_MAIN();
