// walker() keeps views into its input: given a temporary container it must
// not compile (the view would dangle at the end of the statement), and given
// the same container as an lvalue it must. Built twice by
// tests/core/expect_compile_failure.cmake.
// expect: walker
#include "vpnwire/l2tp/avp.hpp"

#include <cstddef>
#include <vector>

std::vector<std::byte> make_bytes();

int main() {
#if VPNWIRE_EXPECT_COMPILE_FAILURE
  vpnwire::l2tp::avp_reader r(make_bytes());
#else
  const std::vector<std::byte> bytes = make_bytes();
  vpnwire::l2tp::avp_reader r(bytes);
#endif
  return r.done() ? 0 : 1;
}
