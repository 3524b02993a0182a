// parse_header() keeps views into its input: given a temporary container it must
// not compile (the view would dangle at the end of the statement), and given
// the same container as an lvalue it must. Built twice by
// tests/core/expect_compile_failure.cmake.
// expect: parse_header
#include "vpnwire/l2tp/header.hpp"

#include <cstddef>
#include <vector>

std::vector<std::byte> make_bytes();

int main() {
#if VPNWIRE_EXPECT_COMPILE_FAILURE
  auto r = vpnwire::l2tp::parse_header(make_bytes());
#else
  const std::vector<std::byte> bytes = make_bytes();
  auto r = vpnwire::l2tp::parse_header(bytes);
#endif
  return r ? 0 : 1;
}
