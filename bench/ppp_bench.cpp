// Async HDLC (RFC 1662 §4) codec throughput: vpnwire's hdlc_decoder and
// hdlc_encode (vector/word fast paths, PCLMUL or slicing-by-8 FCS) against
// the byte-at-a-time table codec in the style of Linux ppp_async
// (bench/baselines/ppp_async_baseline.hpp). Frames of 1500 random octets,
// default ACCM (all control characters escaped), FCS-16. Bytes processed are
// the unescaped frame octets, so GB/s compare like with like.
// "vpnwire" is the default dispatch (AVX-512 VBMI2 vectors when the CPU has
// them), "vpnwire_ssse3" the 16-octet path x86-64 CPUs without AVX-512 get,
// "vpnwire_word" the portable 8-octets-at-a-time path. Also: FCS alone (dispatching PCLMUL vs portable slicing-by-8 vs
// the table loop).
#include "vpnwire/ppp/fcs.hpp"
#include "vpnwire/ppp/hdlc.hpp"

#include "baselines/ppp_async_baseline.hpp"
#include "bench_support.hpp"

#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace vpnwire;

constexpr std::size_t frames_per_stream = 64;

std::vector<std::byte> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> b(n);
  for (auto &x : b) x = static_cast<std::byte>(rng());
  return b;
}

// 64 encoded frames back to back (one closing flag doubles as the next opening one).
std::vector<std::byte> encoded_stream(std::size_t frame_size) {
  std::vector<std::byte> s;
  std::vector<std::byte> tmp(ppp::hdlc_encoded_size_max(frame_size, ppp::fcs_kind::fcs16));
  for (std::size_t f = 0; f < frames_per_stream; ++f) {
    const auto frame = random_bytes(frame_size, static_cast<std::uint32_t>(f + 1));
    ppp::hdlc_encoder_config cfg;
    cfg.leading_flag = f == 0;
    const auto n = ppp::build_hdlc_frame(tmp, cfg, frame);
    if (!n) std::abort();
    s.insert(s.end(), tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  return s;
}

void decode_with(benchmark::State &state, ppp::hdlc_fast_path path) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto stream = encoded_stream(size);
  std::vector<std::byte> buf(size + 64);
  for (auto _ : state) {
    ppp::hdlc_decoder dec(buf, {ppp::fcs_kind::fcs16, 0xFFFFFFFFU, size});
    dec.set_fast_paths(path);
    bytes_view in = stream;
    std::size_t frames = 0;
    while (!in.empty()) {
      const auto step = dec.decode(in);
      in = in.subspan(step.consumed);
      frames += step.code == ppp::errc::ok ? 1 : 0;
      benchmark::DoNotOptimize(step.frame.data());
    }
    if (frames != frames_per_stream) state.SkipWithError("lost frames");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frames_per_stream * size));
}

void decode_vpnwire(benchmark::State &state) { decode_with(state, ppp::hdlc_fast_path::best); }
void decode_vpnwire_word(benchmark::State &state) { decode_with(state, ppp::hdlc_fast_path::word); }
void decode_vpnwire_ssse3(benchmark::State &state) { decode_with(state, ppp::hdlc_fast_path::ssse3); }

void decode_ppp_async(benchmark::State &state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto stream = encoded_stream(size);
  std::vector<std::uint8_t> buf(size + 64);
  const auto *p = core::uc(stream.data());
  for (auto _ : state) {
    ppp_async_baseline::decoder dec(buf.data(), buf.size(), 0xFFFFFFFFU);
    std::size_t pos = 0;
    std::size_t frames = 0;
    while (pos < stream.size()) {
      std::size_t len = 0;
      pos += dec.decode(p + pos, stream.size() - pos, len);
      frames += len != 0 ? 1 : 0;
      benchmark::DoNotOptimize(buf.data());
    }
    if (frames != frames_per_stream) state.SkipWithError("lost frames");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frames_per_stream * size));
}

void encode_with(benchmark::State &state, ppp::hdlc_fast_path path) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto frame = random_bytes(size, 7);
  std::vector<std::byte> out(ppp::hdlc_encoded_size_max(size, ppp::fcs_kind::fcs16));
  ppp::hdlc_encoder_config cfg;
  cfg.fast_paths = path;
  for (auto _ : state) {
    const auto n = ppp::build_hdlc_frame(out, cfg, frame);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void encode_vpnwire(benchmark::State &state) { encode_with(state, ppp::hdlc_fast_path::best); }
void encode_vpnwire_word(benchmark::State &state) { encode_with(state, ppp::hdlc_fast_path::word); }
void encode_vpnwire_ssse3(benchmark::State &state) { encode_with(state, ppp::hdlc_fast_path::ssse3); }

void encode_ppp_async(benchmark::State &state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto frame = random_bytes(size, 7);
  std::vector<std::uint8_t> out(ppp::hdlc_encoded_size_max(size, ppp::fcs_kind::fcs16));
  const std::uint32_t xaccm[8] = {0xFFFFFFFFU, 0, 0, 0x60000000U, 0, 0, 0, 0};
  for (auto _ : state) {
    const auto n = ppp_async_baseline::encode(core::uc(frame.data()), size, out.data(), xaccm);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void fcs16_vpnwire(benchmark::State &state) {
  const auto b = random_bytes(static_cast<std::size_t>(state.range(0)), 3);
  for (auto _ : state) benchmark::DoNotOptimize(ppp::fcs16_update(ppp::fcs16_init, b));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void fcs16_vpnwire_portable(benchmark::State &state) {
  const auto b = random_bytes(static_cast<std::size_t>(state.range(0)), 3);
  for (auto _ : state) benchmark::DoNotOptimize(ppp::fcs16_update_portable(ppp::fcs16_init, b));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void fcs16_table(benchmark::State &state) {
  const auto b = random_bytes(static_cast<std::size_t>(state.range(0)), 3);
  for (auto _ : state) {
    std::uint16_t fcs = 0xFFFF;
    for (std::byte x : b) fcs = ppp_async_baseline::fcs_byte(fcs, std::to_integer<std::uint8_t>(x));
    benchmark::DoNotOptimize(fcs);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void fcs32_vpnwire(benchmark::State &state) {
  const auto b = random_bytes(static_cast<std::size_t>(state.range(0)), 3);
  for (auto _ : state) benchmark::DoNotOptimize(ppp::fcs32_update(ppp::fcs32_init, b));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void fcs32_vpnwire_portable(benchmark::State &state) {
  const auto b = random_bytes(static_cast<std::size_t>(state.range(0)), 3);
  for (auto _ : state) benchmark::DoNotOptimize(ppp::fcs32_update_portable(ppp::fcs32_init, b));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

} // namespace

BENCHMARK(decode_vpnwire)->Name("hdlc_decode/vpnwire")->Arg(1500)->Arg(64);
BENCHMARK(decode_vpnwire_ssse3)->Name("hdlc_decode/vpnwire_ssse3")->Arg(1500)->Arg(64);
BENCHMARK(decode_vpnwire_word)->Name("hdlc_decode/vpnwire_word")->Arg(1500)->Arg(64);
BENCHMARK(decode_ppp_async)->Name("hdlc_decode/ppp_async_table")->Arg(1500)->Arg(64);
BENCHMARK(encode_vpnwire)->Name("hdlc_encode/vpnwire")->Arg(1500)->Arg(64);
BENCHMARK(encode_vpnwire_ssse3)->Name("hdlc_encode/vpnwire_ssse3")->Arg(1500)->Arg(64);
BENCHMARK(encode_vpnwire_word)->Name("hdlc_encode/vpnwire_word")->Arg(1500)->Arg(64);
BENCHMARK(encode_ppp_async)->Name("hdlc_encode/ppp_async_table")->Arg(1500)->Arg(64);
BENCHMARK(fcs16_vpnwire)->Name("fcs16/vpnwire")->Arg(1500);
BENCHMARK(fcs16_vpnwire_portable)->Name("fcs16/vpnwire_slicing8")->Arg(1500);
BENCHMARK(fcs16_table)->Name("fcs16/table_loop")->Arg(1500);
BENCHMARK(fcs32_vpnwire)->Name("fcs32/vpnwire")->Arg(1500);
BENCHMARK(fcs32_vpnwire_portable)->Name("fcs32/vpnwire_slicing8")->Arg(1500);

VPNWIRE_BENCH_MAIN();
