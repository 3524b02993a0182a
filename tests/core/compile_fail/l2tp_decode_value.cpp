// decode_value() keeps views into its input: given a temporary container it must
// not compile (the view would dangle at the end of the statement), and given
// the same container as an lvalue it must. Built twice by
// tests/core/expect_compile_failure.cmake.
// expect: decode_value
#include "vpnwire/l2tp/catalogue.hpp"

#include <cstddef>
#include <vector>

std::vector<std::byte> make_bytes();

int main() {
#if VPNWIRE_EXPECT_COMPILE_FAILURE
  auto r = vpnwire::l2tp::decode_value<vpnwire::l2tp::avp_type::host_name>(make_bytes());
#else
  const std::vector<std::byte> bytes = make_bytes();
  auto r = vpnwire::l2tp::decode_value<vpnwire::l2tp::avp_type::host_name>(bytes);
#endif
  return r ? 0 : 1;
}
