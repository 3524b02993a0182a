// A reorder window delivers from inside noexcept calls, so a sink that may
// throw (one not declared noexcept) must not compile; the same sink
// declared noexcept must. Built twice by tests/core/expect_compile_failure.cmake.
// expect: declare it noexcept
// reason: static[_ ]assert(ion)? failed
#include "vpnwire/seq/reorder_window.hpp"

#include <cstdint>

int main() {
  vpnwire::seq::reorder_window<int, 16, 8> w;
  int delivered = 0;
#if VPNWIRE_EXPECT_COMPILE_FAILURE
  auto sink = [&](std::uint16_t, int &&) { ++delivered; };
#else
  auto sink = [&](std::uint16_t, int &&) noexcept { ++delivered; };
#endif
  (void)w.insert(0, 1, vpnwire::time_point{}, sink);
  return delivered == 1 ? 0 : 1;
}
