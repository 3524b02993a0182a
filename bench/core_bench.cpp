// Core primitives against the naive loops they replace:
//  - Internet checksum: vpnwire's 64-bit accumulation vs the RFC 1071 §4.1
//    16-bit loop (what most hand-written parsers do);
//  - serial-number comparison: vpnwire's modular subtraction vs the literal
//    four-comparison definition of RFC 1982 §3.2.
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/serial.hpp"

#include "bench_support.hpp"

#include <cstdint>
#include <random>
#include <vector>

namespace {

std::vector<std::byte> random_bytes(std::size_t n) {
  std::mt19937 rng(42);
  std::vector<std::byte> b(n);
  for (auto &x : b) x = static_cast<std::byte>(rng());
  return b;
}

// Baseline: the textbook loop, one 16-bit word per iteration.
std::uint16_t naive_checksum(std::span<const std::byte> b) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < b.size(); i += 2)
    sum += (std::to_integer<std::uint32_t>(b[i]) << 8) | std::to_integer<std::uint32_t>(b[i + 1]);
  if (i < b.size()) sum += std::to_integer<std::uint32_t>(b[i]) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

void checksum_vpnwire(benchmark::State &state) {
  const auto b = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(vpnwire::core::internet_checksum(b));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void checksum_naive(benchmark::State &state) {
  const auto b = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(naive_checksum(b));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(checksum_vpnwire)->Name("checksum/vpnwire")->Arg(20)->Arg(64)->Arg(576)->Arg(1500);
BENCHMARK(checksum_naive)->Name("checksum/naive_loop")->Arg(20)->Arg(64)->Arg(576)->Arg(1500);

// Baseline: RFC 1982 §3.2 written out literally.
bool naive_serial_less(std::uint32_t i1, std::uint32_t i2) {
  constexpr std::uint64_t half = std::uint64_t{1} << 31;
  return (i1 < i2 && i2 - i1 < half) || (i1 > i2 && i1 - i2 > half);
}

std::vector<std::uint32_t> random_words(std::size_t n) {
  std::mt19937 rng(1982);
  std::vector<std::uint32_t> v(n);
  for (auto &x : v) x = rng();
  return v;
}

void serial_less_vpnwire(benchmark::State &state) {
  const auto v = random_words(1024);
  for (auto _ : state) {
    unsigned count = 0;
    for (std::size_t i = 0; i + 1 < v.size(); ++i) count += vpnwire::core::serial32::less(v[i], v[i + 1]);
    benchmark::DoNotOptimize(count);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1023);
}
void serial_less_naive(benchmark::State &state) {
  const auto v = random_words(1024);
  for (auto _ : state) {
    unsigned count = 0;
    for (std::size_t i = 0; i + 1 < v.size(); ++i) count += naive_serial_less(v[i], v[i + 1]);
    benchmark::DoNotOptimize(count);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1023);
}
BENCHMARK(serial_less_vpnwire)->Name("serial32_less/vpnwire");
BENCHMARK(serial_less_naive)->Name("serial32_less/rfc1982_literal");

} // namespace

VPNWIRE_BENCH_MAIN();
