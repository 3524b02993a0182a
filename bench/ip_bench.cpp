// IP engines against their real alternatives, in one binary:
//  - IPv4 reassembly of 2-, 3- and 8-fragment datagrams, in order, reversed
//    and in random order, with 100, 1000 and 3000 datagrams outstanding at
//    once: vpnwire::ip::reassembler vs DPDK's rte_ip_frag (22.11) and
//    libtins' IPv4Reassembler;
//  - IPv6 reassembly of the same shapes ("reassembly6_*", 1232-byte
//    fragments as for a 1280-byte MTU): vpnwire::ip::ipv6_reassembler vs
//    DPDK's rte_ipv6_frag_reassemble_packet (libtins has no IPv6
//    reassembler). DPDK's caller must find the Fragment header
//    (rte_ipv6_frag_get_ipv6_fragment_header, inside the timing, as in
//    DPDK's examples/ip_reassembly); vpnwire walks the header chain itself;
//  - TCP MSS clamping per SYN: vpnwire's RFC 1624 in-place update vs
//    rewriting the option and recomputing the TCP checksum in full.
//
// Time is per fragment (items_per_second counts fragments). For the
// baselines, what their API forces on the caller but a real application
// would already have is kept out of the timing, in their favour: DPDK's
// mbufs are allocated and filled, and the reassembled chains freed, with
// the timer paused; libtins' IP PDUs are parsed with the timer paused
// ("libtins"; "libtins_with_parse" times the parse as well). vpnwire's input
// is likewise written into receive buffers with the timer paused, so every
// implementation starts from packets that were just written.
// vpnwire's time includes writing every datagram contiguously;
// vpnwire_zero_copy (ip::borrowing_reassembler) copies nothing and delivers
// a chain of the caller's fragments, which is what DPDK does.
#include "vpnwire/ip/ipv6_reassembler.hpp"
#include "vpnwire/ip/mss_clamp.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/udp.hpp"

#include "bench_support.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#if VPNWIRE_BENCH_DPDK
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <unistd.h>
#endif
#if VPNWIRE_BENCH_TINS
#include <tins/ip.h>
#include <tins/ip_reassembler.h>
#endif

namespace {

using bytes = std::vector<std::byte>;
using namespace vpnwire;

enum class order { in_order, reversed, random };
const char *order_name(order o) {
  switch (o) {
  case order::in_order: return "inorder";
  case order::reversed: return "reversed";
  case order::random: return "random";
  }
  return "?";
}

bytes make_fragment(std::uint16_t id, std::uint32_t src, std::uint32_t offset, bool mf, std::size_t len,
                    std::uint8_t fill) {
  bytes p(20 + len, std::byte{fill});
  std::byte *o = p.data();
  o[0] = std::byte{0x45};
  o[1] = std::byte{0};
  core::store_be16(o + 2, static_cast<std::uint16_t>(p.size()));
  core::store_be16(o + 4, id);
  core::store_be16(o + 6, static_cast<std::uint16_t>((offset / 8) | (mf ? 0x2000 : 0)));
  o[8] = std::byte{64};
  o[9] = std::byte{17};
  core::store_be16(o + 10, 0);
  core::store_be32(o + 12, src);
  core::store_be32(o + 16, 0x0A000002);
  core::store_be16(o + 10, ip::ipv4_header_checksum(bytes_view(o, 20)));
  return p;
}

// An IPv6 fragment: fixed header, Fragment header, data.
bytes make_fragment6(std::uint32_t id, std::uint32_t src, std::uint32_t offset, bool mf, std::size_t len,
                     std::uint8_t fill) {
  bytes p(48 + len, std::byte{fill});
  std::byte *o = p.data();
  core::store_be32(o, 0x60000000U);
  core::store_be16(o + 4, static_cast<std::uint16_t>(8 + len));
  o[6] = std::byte{44};
  o[7] = std::byte{64};
  std::memset(o + 8, 0, 32);
  core::store_be32(o + 8, 0x20010DB8);
  core::store_be32(o + 20, src);
  core::store_be32(o + 24, 0x20010DB8);
  core::store_be32(o + 36, 2);
  o[40] = std::byte{17};
  o[41] = std::byte{0};
  core::store_be16(o + 42, static_cast<std::uint16_t>(offset | (mf ? 1U : 0U)));
  core::store_be32(o + 44, id);
  return p;
}

enum class family { v4, v6 };

// N datagrams of k fragments (IPv4: 1480 data bytes; IPv6: 1232, for a
// 1280-byte MTU; the last fragment 520), sent round robin: fragment slot j
// of every datagram before slot j+1, so all N are outstanding together;
// within a datagram the fragments come in `o` order.
struct workload {
  std::vector<bytes> frags;
  std::size_t datagrams = 0;
};

std::size_t data_per_fragment(family f) { return f == family::v4 ? 1480 : 1232; }

workload make_workload(std::size_t n, std::size_t k, order o, family fam = family::v4) {
  std::mt19937 rng(static_cast<unsigned>(n * 31 + k * 7 + static_cast<unsigned>(o)));
  std::vector<std::vector<bytes>> per(n);
  const std::size_t step = data_per_fragment(fam);
  for (std::size_t d = 0; d < n; ++d) {
    const auto id = static_cast<std::uint16_t>(d);
    const std::uint32_t src = 0x0A010000U + static_cast<std::uint32_t>(d >> 16);
    for (std::size_t i = 0; i < k; ++i) {
      const bool last = i + 1 == k;
      const auto off = static_cast<std::uint32_t>(i * step);
      const std::size_t len = last ? 520 : step;
      const auto fill = static_cast<std::uint8_t>(d + i);
      per[d].push_back(fam == family::v4 ? make_fragment(id, src, off, !last, len, fill)
                                         : make_fragment6(static_cast<std::uint32_t>(d), src, off, !last, len, fill));
    }
    if (o == order::reversed) std::reverse(per[d].begin(), per[d].end());
    if (o == order::random) std::shuffle(per[d].begin(), per[d].end(), rng);
  }
  workload w;
  w.datagrams = n;
  for (std::size_t j = 0; j < k; ++j)
    for (std::size_t d = 0; d < n; ++d) w.frags.push_back(per[d][j]);
  return w;
}

// Receive buffers, one 2 KiB buffer per fragment like an mbuf pool, written
// with the timer paused before each pass: every implementation reads input
// packets that were just written (DPDK's mbufs and libtins' PDUs are
// prepared the same way), so none pays cache misses the others do not.
struct rx_buffers {
  static constexpr std::size_t stride = 2048;
  std::vector<std::byte> arena;
  std::vector<bytes_view> views;
  explicit rx_buffers(const workload &w) : arena(w.frags.size() * stride) {
    for (std::size_t i = 0; i < w.frags.size(); ++i) views.emplace_back(arena.data() + i * stride, w.frags[i].size());
  }
  void refill(const workload &w) {
    for (std::size_t i = 0; i < w.frags.size(); ++i)
      std::memcpy(arena.data() + i * stride, w.frags[i].data(), w.frags[i].size());
  }
};

// Passes of the workload through one of vpnwire's engines: `submit(r, packet,
// index, now)` returns whether a datagram completed (and consumes it).
template <class Engine, class Submit>
void run_engine(benchmark::State &state, std::size_t k, order o, ip::reassembler_config cfg, Submit submit,
                family fam = family::v4) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const workload w = make_workload(n, k, o, fam);
  rx_buffers rx(w);
  cfg.max_datagrams = n;
  cfg.max_fragments = 64;
  cfg.hash_seed = 0x9E3779B97F4A7C15ULL;
  Engine r(cfg);
  std::int64_t t = 0;
  std::size_t done = 0;
  for (auto _ : state) {
    state.PauseTiming();
    rx.refill(w);
    state.ResumeTiming();
    const time_point now = from_nanoseconds(++t);
    for (std::size_t i = 0; i < rx.views.size(); ++i) done += submit(r, rx.views[i], i, now) ? 1 : 0;
  }
  if (done != static_cast<std::size_t>(state.iterations()) * n) state.SkipWithError("not every datagram completed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.frags.size()));
}

// Copying: every datagram delivered contiguously.
void run_vpnwire(benchmark::State &state, std::size_t k, order o) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ip::reassembler_config cfg;
  cfg.block_size = 2048;
  cfg.byte_budget = n * ((k * 1480) / 2048 + 2) * 2048;
  run_engine<ip::reassembler>(state, k, o, cfg, [](ip::reassembler &r, bytes_view f, std::size_t, time_point now) {
    auto d = r.submit(f, 0, now);
    if (!d || d->status != ip::delivery_status::complete) return false;
    benchmark::DoNotOptimize(d->datagram.data());
    return true;
  });
}

// Zero copy: the reassembler references the fragments where they lie (the
// receive buffers) and delivers a chain, as DPDK delivers an mbuf chain; the
// consumer reads the chain's first piece.
void run_vpnwire_zero_copy(benchmark::State &state, std::size_t k, order o) {
  ip::reassembler_config cfg;
  cfg.byte_budget = static_cast<std::size_t>(state.range(0)) * k * 1500;
  run_engine<ip::borrowing_reassembler>(state, k, o, cfg,
                                        [](ip::borrowing_reassembler &r, bytes_view f, std::size_t i, time_point now) {
                                          auto d = r.submit(f, i, 0, now);
                                          if (!d || d->status != ip::delivery_status::complete) return false;
                                          benchmark::DoNotOptimize(d->payload.front().data());
                                          benchmark::DoNotOptimize(d->tokens.data());
                                          return true;
                                        });
}

// IPv6, copying and zero copy, configured as for IPv4.
void run_vpnwire6(benchmark::State &state, std::size_t k, order o) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ip::reassembler_config cfg;
  cfg.block_size = 2048;
  cfg.byte_budget = n * ((k * 1232) / 2048 + 2) * 2048;
  run_engine<ip::ipv6_reassembler>(
      state, k, o, cfg,
      [](ip::ipv6_reassembler &r, bytes_view f, std::size_t, time_point now) {
        auto d = r.submit(f, 0, now);
        if (!d || d->status != ip::delivery_status::complete) return false;
        benchmark::DoNotOptimize(d->datagram.data());
        return true;
      },
      family::v6);
}

void run_vpnwire6_zero_copy(benchmark::State &state, std::size_t k, order o) {
  ip::reassembler_config cfg;
  cfg.byte_budget = static_cast<std::size_t>(state.range(0)) * k * 1300;
  run_engine<ip::ipv6_borrowing_reassembler>(
      state, k, o, cfg,
      [](ip::ipv6_borrowing_reassembler &r, bytes_view f, std::size_t i, time_point now) {
        auto d = r.submit(f, i, 0, now);
        if (!d || d->status != ip::delivery_status::complete) return false;
        benchmark::DoNotOptimize(d->payload.front().data());
        benchmark::DoNotOptimize(d->tokens.data());
        return true;
      },
      family::v6);
}

#if VPNWIRE_BENCH_DPDK
rte_mempool *dpdk_pool() {
  static rte_mempool *pool = [] {
    std::string prefix = "--file-prefix=vpnwire-ipbench-" + std::to_string(::getpid());
    const char *argv[] = {"ip_bench",       "--no-huge", "--no-pci", "-m",           "256",
                          "--no-telemetry", "-l",        "0",        prefix.c_str(), "--log-level=3"};
    if (rte_eal_init(static_cast<int>(std::size(argv)), const_cast<char **>(argv)) < 0)
      return static_cast<rte_mempool *>(nullptr);
    return rte_pktmbuf_pool_create("ipbench", 3000 * 8 + 1024, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  }();
  return pool;
}

void run_dpdk_family(benchmark::State &state, std::size_t k, order o, family fam) {
  const auto n = static_cast<std::size_t>(state.range(0));
  rte_mempool *pool = dpdk_pool();
  if (pool == nullptr) {
    state.SkipWithError("rte_eal_init or the mbuf pool failed");
    return;
  }
  const workload w = make_workload(n, k, o, fam);
  std::uint32_t buckets = 1;
  while (buckets < 2 * n) buckets <<= 1;
  rte_ip_frag_tbl *tbl =
      rte_ip_frag_table_create(buckets, 16, static_cast<std::uint32_t>(2 * n), rte_get_tsc_hz() * 30, SOCKET_ID_ANY);
  if (tbl == nullptr) {
    state.SkipWithError("rte_ip_frag_table_create failed");
    return;
  }
  rte_ip_frag_death_row dr{};
  std::vector<rte_mbuf *> in(w.frags.size());
  std::vector<rte_mbuf *> out;
  out.reserve(n);
  std::size_t done = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (rte_pktmbuf_alloc_bulk(pool, in.data(), static_cast<unsigned>(in.size())) != 0) {
      state.SkipWithError("mbuf pool exhausted");
      break;
    }
    for (std::size_t i = 0; i < in.size(); ++i) {
      char *p = rte_pktmbuf_append(in[i], static_cast<std::uint16_t>(w.frags[i].size()));
      std::memcpy(p, w.frags[i].data(), w.frags[i].size());
      in[i]->l2_len = 0;
      in[i]->l3_len = fam == family::v4 ? 20 : 40 + 8; // IPv6: the fixed and Fragment headers
    }
    state.ResumeTiming();
    std::uint64_t tsc = rte_rdtsc();
    for (std::size_t i = 0; i < in.size(); ++i) {
      if ((i & 31U) == 0) tsc = rte_rdtsc(); // one timestamp per burst of 32, as a poll loop does
      rte_mbuf *m = nullptr;
      if (fam == family::v4) {
        auto *hdr = rte_pktmbuf_mtod(in[i], rte_ipv4_hdr *);
        m = rte_ipv4_frag_reassemble_packet(tbl, &dr, in[i], tsc, hdr);
      } else {
        auto *hdr = rte_pktmbuf_mtod(in[i], rte_ipv6_hdr *);
        rte_ipv6_fragment_ext *fh = rte_ipv6_frag_get_ipv6_fragment_header(hdr);
        m = rte_ipv6_frag_reassemble_packet(tbl, &dr, in[i], tsc, hdr, fh);
      }
      if (m != nullptr) out.push_back(m);
      if (dr.cnt >= RTE_IP_FRAG_DEATH_ROW_LEN) rte_ip_frag_free_death_row(&dr, 3);
    }
    rte_ip_frag_free_death_row(&dr, 3);
    state.PauseTiming();
    done += out.size();
    for (rte_mbuf *m : out) rte_pktmbuf_free(m);
    out.clear();
    state.ResumeTiming();
  }
  rte_ip_frag_table_destroy(tbl);
  if (done != static_cast<std::size_t>(state.iterations()) * n) state.SkipWithError("not every datagram completed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.frags.size()));
}
void run_dpdk(benchmark::State &state, std::size_t k, order o) { run_dpdk_family(state, k, o, family::v4); }
void run_dpdk6(benchmark::State &state, std::size_t k, order o) { run_dpdk_family(state, k, o, family::v6); }
#endif

#if VPNWIRE_BENCH_TINS
void run_tins(benchmark::State &state, std::size_t k, order o) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const workload w = make_workload(n, k, o);
  Tins::IPv4Reassembler r(Tins::IPv4Reassembler::NONE);
  std::vector<Tins::IP> pdus;
  std::size_t done = 0;
  for (auto _ : state) {
    state.PauseTiming();
    pdus.clear();
    pdus.reserve(w.frags.size());
    for (const auto &f : w.frags)
      pdus.emplace_back(reinterpret_cast<const std::uint8_t *>(f.data()), static_cast<std::uint32_t>(f.size()));
    state.ResumeTiming();
    for (auto &p : pdus)
      if (r.process(p) == Tins::IPv4Reassembler::REASSEMBLED) ++done;
  }
  if (done != static_cast<std::size_t>(state.iterations()) * n) state.SkipWithError("not every datagram completed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.frags.size()));
}

// The same, but timing the PDU construction too: what an application that
// receives wire bytes pays to use libtins' reassembler at all.
void run_tins_with_parse(benchmark::State &state, std::size_t k, order o) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const workload w = make_workload(n, k, o);
  Tins::IPv4Reassembler r(Tins::IPv4Reassembler::NONE);
  std::size_t done = 0;
  for (auto _ : state) {
    for (const auto &f : w.frags) {
      Tins::IP p(reinterpret_cast<const std::uint8_t *>(f.data()), static_cast<std::uint32_t>(f.size()));
      if (r.process(p) == Tins::IPv4Reassembler::REASSEMBLED) ++done;
    }
  }
  if (done != static_cast<std::size_t>(state.iterations()) * n) state.SkipWithError("not every datagram completed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.frags.size()));
}
#endif

// ---- MSS clamp ---------------------------------------------------------------

bytes make_syn() {
  bytes p(20 + 32);
  std::byte *o = p.data();
  o[0] = std::byte{0x45};
  core::store_be16(o + 2, static_cast<std::uint16_t>(p.size()));
  o[8] = std::byte{64};
  o[9] = std::byte{6};
  core::store_be32(o + 12, 0x0A000001);
  core::store_be32(o + 16, 0x0A000002);
  core::store_be16(o + 10, ip::ipv4_header_checksum(bytes_view(o, 20)));
  std::byte *t = o + 20;
  core::store_be16(t, 40000);
  core::store_be16(t + 2, 443);
  t[12] = std::byte{0x80}; // 32-byte header
  t[13] = std::byte{0x02};
  const unsigned char opts[] = {2, 4, 0x05, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1};
  std::memcpy(t + 20, opts, 12);
  core::store_be16(t + 16, ip::pseudo_header_checksum(0x0A000001, 0x0A000002, 6, bytes_view(t, 32)));
  return p;
}

void mss_vpnwire(benchmark::State &state) {
  const bytes syn = make_syn();
  bytes p = syn;
  for (auto _ : state) {
    std::memcpy(p.data() + 42, syn.data() + 42, 2); // restore MSS 1460 (2 bytes) so every call clamps
    std::memcpy(p.data() + 36, syn.data() + 36, 2);
    auto r = ip::clamp_mss(p, 1360);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Baseline: find the option the same way, rewrite it, recompute the TCP checksum.
void mss_full_recompute(benchmark::State &state) {
  const bytes syn = make_syn();
  bytes p = syn;
  for (auto _ : state) {
    std::memcpy(p.data() + 42, syn.data() + 42, 2);
    std::memcpy(p.data() + 36, syn.data() + 36, 2);
    auto v = ip::parse_ipv4_unchecked(p);
    auto t = ip::parse_tcp(v->payload());
    auto it = t->option_iter();
    while (!it.done()) {
      auto opt = it.next();
      if (!opt) break;
      if (opt->type == 2 && opt->data.size() == 2 && core::load_be16(opt->data.data()) > 1360) {
        std::byte *seg = p.data() + v->header_length();
        core::store_be16(seg + 20 + opt->offset + 2, 1360);
        core::store_be16(seg + 16, 0);
        core::store_be16(seg + 16, ip::pseudo_header_checksum(v->source(), v->destination(), 6, t->segment()));
        break;
      }
    }
    benchmark::DoNotOptimize(p.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(mss_vpnwire)->Name("mss_clamp/vpnwire");
BENCHMARK(mss_full_recompute)->Name("mss_clamp/full_recompute");

const int registered = [] {
  for (std::size_t k : {2U, 3U, 8U}) {
    for (order o : {order::in_order, order::reversed, order::random}) {
      const std::string group = "reassembly_" + std::to_string(k) + "frag_" + order_name(o);
      auto add = [&](const std::string &impl, void (*fn)(benchmark::State &, std::size_t, order)) {
        benchmark::RegisterBenchmark((group + "/" + impl).c_str(), [fn, k, o](benchmark::State &st) { fn(st, k, o); })
            ->Arg(100)
            ->Arg(1000)
            ->Arg(3000)
            ->Unit(benchmark::kNanosecond);
      };
      add("vpnwire", run_vpnwire);
      add("vpnwire_zero_copy", run_vpnwire_zero_copy);
#if VPNWIRE_BENCH_DPDK
      add("dpdk_rte_ip_frag", run_dpdk);
#endif
#if VPNWIRE_BENCH_TINS
      add("libtins", run_tins);
      add("libtins_with_parse", run_tins_with_parse);
#endif
    }
  }
  for (std::size_t k : {2U, 3U, 8U}) {
    for (order o : {order::in_order, order::reversed, order::random}) {
      const std::string group = "reassembly6_" + std::to_string(k) + "frag_" + order_name(o);
      auto add = [&](const std::string &impl, void (*fn)(benchmark::State &, std::size_t, order)) {
        benchmark::RegisterBenchmark((group + "/" + impl).c_str(), [fn, k, o](benchmark::State &st) { fn(st, k, o); })
            ->Arg(100)
            ->Arg(1000)
            ->Arg(3000)
            ->Unit(benchmark::kNanosecond);
      };
      add("vpnwire", run_vpnwire6);
      add("vpnwire_zero_copy", run_vpnwire6_zero_copy);
#if VPNWIRE_BENCH_DPDK
      add("dpdk_rte_ipv6_frag", run_dpdk6);
#endif
    }
  }
  return 0;
}();

} // namespace

VPNWIRE_BENCH_MAIN();
