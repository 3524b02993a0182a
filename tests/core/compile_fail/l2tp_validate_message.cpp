// validate_message() keeps views into its input: given a temporary container it must
// not compile (the view would dangle at the end of the statement), and given
// the same container as an lvalue it must. Built twice by
// tests/core/expect_compile_failure.cmake.
// expect: validate_message
#include "vpnwire/l2tp/message.hpp"

#include <cstddef>
#include <vector>

std::vector<std::byte> make_bytes();

int main() {
#if VPNWIRE_EXPECT_COMPILE_FAILURE
  auto r = vpnwire::l2tp::validate_message(make_bytes());
#else
  const std::vector<std::byte> bytes = make_bytes();
  auto r = vpnwire::l2tp::validate_message(bytes);
#endif
  return r ? 0 : 1;
}
