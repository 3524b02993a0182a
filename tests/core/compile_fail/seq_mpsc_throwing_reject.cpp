// The multi-producer window's drain() calls sink and reject from inside a
// noexcept call: a reject callback not declared noexcept must not compile.
// Built twice by tests/core/expect_compile_failure.cmake.
// expect: declare them noexcept
// reason: static[_ ]assert(ion)? failed
#include "vpnwire/seq/mpsc_reorder_window.hpp"

#include <cstdint>

int main() {
  vpnwire::seq::reorder_window<int, 16, 8, vpnwire::seq::policy, vpnwire::seq::multi_producer> w;
  int n = 0;
  auto sink = [&](std::uint16_t, int &&) noexcept { ++n; };
#if VPNWIRE_EXPECT_COMPILE_FAILURE
  auto reject = [&](std::uint16_t, int &&, vpnwire::seq::insert_outcome) { --n; };
#else
  auto reject = [&](std::uint16_t, int &&, vpnwire::seq::insert_outcome) noexcept { --n; };
#endif
  (void)w.insert(0, 1, vpnwire::time_point{});
  return w.drain(vpnwire::time_point{}, sink, reject) == 1 ? 0 : 1;
}
