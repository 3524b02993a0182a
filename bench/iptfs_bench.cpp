// IP-TFS (RFC 9347) against plain tunnel-mode ESP on the same inner traffic,
// both through vpnwire's ESP codec with the OpenSSL backend (AES-128-GCM),
// sized for the 1454-byte PPPoE path of the second incident:
//
//  - iptfs_send/<impl>/<profile>: inner packets per second in, ESP packets
//    out. vpnwire_iptfs queues each burst of 32 packets and drains it
//    through iptfs::sender::next_packet (aggregating and fragmenting);
//    esp_plain copies each packet behind the ESP headroom and encapsulates
//    it alone (the inner packet's own copy, as a stack would).
//  - iptfs_recv/<impl>/<profile>: the same traffic back: iptfs::receiver::
//    receive_esp (decap, reorder window, reassembly) against inbound_sa::decap.
//  - wire_1454/<impl>/imix: what goes on the wire for the simple IMIX
//    (7:4:1 of 64, 576 and 1500-byte packets): outer packets and bytes per
//    inner packet, IP-TFS against ESP followed by IPv4 fragmentation of the
//    ESP packets larger than the path (ip::fragmenter). Not a timing: read
//    the counters.
//
// Profiles: imix (7:4:1 of 64/576/1500), small (64), large (1400).
// Counters: outer_per_inner (ESP packets per inner packet) and
// allocs_per_packet (global operator new and OpenSSL's allocator; must be 0).
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/iptfs/receiver.hpp"
#include "vpnwire/iptfs/sender.hpp"

#include "bench_support.hpp"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <vector>

namespace {

std::atomic<std::uint64_t> g_allocs{0};
void *counting_malloc(std::size_t n, const char *, int) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void *counting_realloc(void *p, std::size_t n, const char *, int) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void counting_free(void *p, const char *, int) { std::free(p); }
const bool g_openssl_counted = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;

} // namespace

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
__attribute__((noinline)) void *operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void *operator new[](std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
__attribute__((noinline)) void *operator new[](std::size_t n, const std::nothrow_t &) noexcept {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
__attribute__((noinline)) void operator delete(void *p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void *p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void *p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace vpnwire;
using esp::crypto::openssl_transform;
using bytes = std::vector<std::byte>;

constexpr std::size_t path_mtu = 1454;
constexpr std::size_t burst = 32;
constexpr std::size_t packets_per_pass = 1024;
const time_point t0 = from_nanoseconds(1'000'000'000);

enum class profile { imix, small, large };

bytes ipv4_packet(std::size_t n, std::uint32_t id) {
  bytes p(n, std::byte{0});
  p[0] = std::byte{0x45};
  core::store_be16(p.data() + 2, static_cast<std::uint16_t>(n));
  core::store_be16(p.data() + 4, static_cast<std::uint16_t>(id));
  p[8] = std::byte{64};
  p[9] = std::byte{17};
  core::store_be32(p.data() + 12, 0x0A000001);
  core::store_be32(p.data() + 16, 0x0A000002);
  core::store_be16(p.data() + 10, ip::ipv4_header_checksum(bytes_view(p).first(20)));
  for (std::size_t i = 20; i < n; ++i) p[i] = static_cast<std::byte>(id + i);
  return p;
}

std::vector<bytes> traffic(profile pr, std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<bytes> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t len = 64;
    if (pr == profile::large) len = 1400;
    if (pr == profile::imix) {
      const std::uint64_t k = rng() % 12;
      len = k < 7 ? 64 : k < 11 ? 576 : 1500;
    }
    out.push_back(ipv4_packet(len, static_cast<std::uint32_t>(i)));
  }
  return out;
}

esp::sa_config sa() {
  esp::sa_config c;
  c.spi = 0x2000;
  c.cipher = esp::cipher::aes_gcm;
  c.key_bits = 128;
  return c;
}

openssl_transform keys() {
  const std::array<std::byte, 20> k{std::byte{1}, std::byte{2}, std::byte{3}};
  auto t = openssl_transform::make(sa(), k, {});
  if (!t) std::abort();
  return std::move(*t);
}

iptfs::sender make_sender() {
  iptfs::sender_config cfg;
  cfg.outer_packet_size = path_mtu;
  auto s = iptfs::sender::create(cfg, sa());
  if (!s) std::abort();
  return std::move(*s);
}

/// All ESP packets (from the SPI on) one pass of `t` becomes.
std::vector<bytes> encapsulate(const std::vector<bytes> &t, bool iptfs_mode) {
  esp::outbound_sa<openssl_transform> tx(sa(), keys());
  std::vector<bytes> out;
  bytes buf(4096);
  if (iptfs_mode) {
    iptfs::sender s = make_sender();
    for (std::size_t i = 0; i < t.size(); i += burst) {
      for (std::size_t j = i; j < i + burst && j < t.size(); ++j) (void)s.enqueue(t[j], t0);
      for (auto n = s.next_packet(t0, buf, tx); n; n = s.next_packet(t0, buf, tx))
        out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
  } else {
    for (const bytes &p : t) {
      std::memcpy(buf.data() + tx.headroom(), p.data(), p.size());
      auto n = tx.encap(buf, p.size(), esp::next_header_ipv4);
      out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
  }
  return out;
}

void bm_send(benchmark::State &st, profile pr, bool iptfs_mode) {
  const auto t = traffic(pr, packets_per_pass);
  esp::outbound_sa<openssl_transform> tx(sa(), keys());
  iptfs::sender s = make_sender();
  bytes buf(4096);
  std::uint64_t outer = 0;
  std::uint64_t allocs = 0;
  for (auto _ : st) {
    if (tx.last_sequence() > 0xF0000000U) tx.set_last_sequence(0);
    const std::uint64_t allocs0 = g_allocs.load();
    if (iptfs_mode) {
      for (std::size_t i = 0; i < t.size(); i += burst) {
        for (std::size_t j = i; j < i + burst; ++j) (void)s.enqueue(t[j], t0);
        for (auto n = s.next_packet(t0, buf, tx); n; n = s.next_packet(t0, buf, tx)) {
          benchmark::DoNotOptimize(buf.data());
          ++outer;
        }
      }
    } else {
      for (const bytes &p : t) {
        std::memcpy(buf.data() + tx.headroom(), p.data(), p.size());
        auto n = tx.encap(buf, p.size(), esp::next_header_ipv4);
        benchmark::DoNotOptimize(n);
        ++outer;
      }
    }
    allocs += g_allocs.load() - allocs0;
  }
  const double inner = static_cast<double>(st.iterations()) * static_cast<double>(t.size());
  st.SetItemsProcessed(static_cast<std::int64_t>(inner));
  st.counters["outer_per_inner"] = static_cast<double>(outer) / inner;
  st.counters["allocs_per_packet"] = static_cast<double>(allocs) / inner;
}

void bm_recv(benchmark::State &st, profile pr, bool iptfs_mode) {
  const auto t = traffic(pr, packets_per_pass);
  const auto wire = encapsulate(t, iptfs_mode);
  esp::inbound_sa<openssl_transform> rx(sa(), keys());
  auto r = iptfs::receiver<8>::create({});
  bytes work(4096);
  std::uint64_t delivered = 0;
  std::uint64_t allocs = 0;
  for (auto _ : st) {
    st.PauseTiming(); // the same sequence numbers again: fresh windows
    rx.reset_window(0);
    r = iptfs::receiver<8>::create({});
    const std::uint64_t allocs0 = g_allocs.load();
    st.ResumeTiming();
    for (const bytes &w : wire) {
      std::memcpy(work.data(), w.data(), w.size());
      const mutable_bytes pkt = mutable_bytes(work).first(w.size());
      if (iptfs_mode) {
        auto o = r->receive_esp(pkt, rx, t0, [&](bytes_view inner) {
          benchmark::DoNotOptimize(inner.data());
          ++delivered;
        });
        benchmark::DoNotOptimize(o);
      } else {
        auto d = rx.decap(pkt);
        if (d) {
          benchmark::DoNotOptimize(d->payload.data());
          ++delivered;
        }
      }
    }
    allocs += g_allocs.load() - allocs0;
  }
  const double inner = static_cast<double>(st.iterations()) * static_cast<double>(t.size());
  if (static_cast<double>(delivered) != inner) st.SkipWithError("not every inner packet came back");
  st.SetItemsProcessed(static_cast<std::int64_t>(inner));
  st.counters["outer_per_inner"] = static_cast<double>(wire.size()) / static_cast<double>(t.size());
  st.counters["allocs_per_packet"] = static_cast<double>(allocs) / inner;
}

/// Outer packets and bytes (outer IPv4 header included) for 10000 IMIX
/// packets through the 1454-byte path.
void bm_wire(benchmark::State &st, bool iptfs_mode) {
  const auto t = traffic(profile::imix, 10000);
  std::uint64_t inner_bytes = 0;
  for (const bytes &p : t) inner_bytes += p.size();
  std::uint64_t packets = 0, wire_bytes = 0, fragmented = 0;
  for (auto _ : st) {
    packets = wire_bytes = fragmented = 0;
    const auto esp_packets = encapsulate(t, iptfs_mode);
    bytes outer(4096), frag(4096);
    for (const bytes &e : esp_packets) {
      const std::size_t total = 20 + e.size();
      if (total <= path_mtu) {
        ++packets;
        wire_bytes += total;
        continue;
      }
      // ESP followed by IPv4 fragmentation of the outer packet.
      std::memset(outer.data(), 0, 20);
      outer[0] = std::byte{0x45};
      core::store_be16(outer.data() + 2, static_cast<std::uint16_t>(total));
      outer[8] = std::byte{64};
      outer[9] = std::byte{50};
      std::memcpy(outer.data() + 20, e.data(), e.size());
      core::store_be16(outer.data() + 10, ip::ipv4_header_checksum(bytes_view(outer).first(20)));
      auto f = ip::fragmenter::create(bytes_view(outer).first(total), path_mtu);
      if (!f) std::abort();
      ++fragmented;
      while (!f->done()) {
        auto n = f->next(frag);
        ++packets;
        wire_bytes += *n;
      }
    }
    benchmark::DoNotOptimize(wire_bytes);
  }
  const double n = static_cast<double>(t.size());
  st.counters["outer_packets_per_1000"] = static_cast<double>(packets) * 1000.0 / n;
  st.counters["wire_bytes_per_inner"] = static_cast<double>(wire_bytes) / n;
  st.counters["overhead_pct"] =
      100.0 * (static_cast<double>(wire_bytes) - static_cast<double>(inner_bytes)) / static_cast<double>(inner_bytes);
  st.counters["ip_fragmented_pct"] = 100.0 * static_cast<double>(fragmented) / n;
}

BENCHMARK_CAPTURE(bm_send, iptfs_send_vpnwire_iptfs_imix, profile::imix, true)
    ->Name("iptfs_send/vpnwire_iptfs/imix")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_send, iptfs_send_esp_plain_imix, profile::imix, false)
    ->Name("iptfs_send/esp_plain/imix")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_send, iptfs_send_vpnwire_iptfs_small, profile::small, true)
    ->Name("iptfs_send/vpnwire_iptfs/small")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_send, iptfs_send_esp_plain_small, profile::small, false)
    ->Name("iptfs_send/esp_plain/small")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_send, iptfs_send_vpnwire_iptfs_large, profile::large, true)
    ->Name("iptfs_send/vpnwire_iptfs/large")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_send, iptfs_send_esp_plain_large, profile::large, false)
    ->Name("iptfs_send/esp_plain/large")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_recv, iptfs_recv_vpnwire_iptfs_imix, profile::imix, true)
    ->Name("iptfs_recv/vpnwire_iptfs/imix")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_recv, iptfs_recv_esp_plain_imix, profile::imix, false)
    ->Name("iptfs_recv/esp_plain/imix")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_recv, iptfs_recv_vpnwire_iptfs_small, profile::small, true)
    ->Name("iptfs_recv/vpnwire_iptfs/small")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_recv, iptfs_recv_esp_plain_small, profile::small, false)
    ->Name("iptfs_recv/esp_plain/small")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_recv, iptfs_recv_vpnwire_iptfs_large, profile::large, true)
    ->Name("iptfs_recv/vpnwire_iptfs/large")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_recv, iptfs_recv_esp_plain_large, profile::large, false)
    ->Name("iptfs_recv/esp_plain/large")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_wire, wire_1454_iptfs_imix, true)->Name("wire_1454/iptfs/imix")->Iterations(1);
BENCHMARK_CAPTURE(bm_wire, wire_1454_esp_ipfrag_imix, false)->Name("wire_1454/esp_ipfrag/imix")->Iterations(1);

} // namespace

VPNWIRE_BENCH_MAIN();
