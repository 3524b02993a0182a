// The first incident, in a few lines of embedding code: L2TP data messages
// Ns 30, 32, 31, 34, 33 (each oversized packet's two halves swapped) go
// through vpnwire's header parser and a reorder window. With a 30 ms timeout
// every message is delivered in order; a strict window (Linux's reorder
// timeout 0) loses what the kernel lost. Exits non-zero if either result
// differs from that, so CI runs it as a test.
#include <vpnwire/l2tp/header.hpp>
#include <vpnwire/seq/reorder_window.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;

namespace {

std::vector<std::uint16_t> run(seq::policy policy, const char *name) {
  seq::reorder_window<std::uint16_t, 16, 64> window(policy);
  std::vector<std::uint16_t> delivered;
  auto sink = [&](std::uint16_t, std::uint16_t &&ns) noexcept { delivered.push_back(ns); };
  time_point now = from_nanoseconds(0);

  for (std::uint16_t ns : {30, 32, 31, 34, 33, 36, 35}) {
    // A sequenced data message as the incident's client sends it (S bit set).
    std::array<std::byte, 64> datagram{};
    const l2tp::header_fields fields{.with_sequence = true, .tunnel_id = 200, .session_id = 20, .ns = ns};
    const auto size = l2tp::build_header(datagram, fields, 0);
    if (!size) return {};

    const auto header = l2tp::parse_header(std::span(datagram).first(*size));
    if (!header || !header->has_sequence()) return {};
    std::uint16_t item = header->ns();
    const auto outcome = window.insert(header->ns(), std::move(item), now, sink);
    std::printf("  %s: Ns %u -> %s\n", name, unsigned{header->ns()}, seq::name(outcome).data());
    now += 100us;
  }
  window.poll(now + 1s, sink); // the timer fires: whatever waited for a gap is released
  return delivered;
}

} // namespace

int main() {
  const auto timeout = run(seq::policy::with_timeout(30ms), "timeout 30 ms");
  const auto strict = run(seq::policy::strict(), "strict       ");
  auto print = [](const char *what, const std::vector<std::uint16_t> &v) {
    std::printf("%s delivered:", what);
    for (auto ns : v) std::printf(" %u", unsigned{ns});
    std::printf(" (%zu of 7)\n", v.size());
  };
  print("timeout 30 ms", timeout);
  print("strict       ", strict);
  const bool ok = timeout == std::vector<std::uint16_t>{30, 31, 32, 33, 34, 35, 36} && strict.size() < 7;
  return ok ? 0 : 1;
}
