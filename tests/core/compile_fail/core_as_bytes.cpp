// as_bytes() views the characters of its string: given a temporary
// std::string it must not compile (the view would dangle at the end of the
// statement), and given the same string as an lvalue it must. Built twice by
// tests/core/expect_compile_failure.cmake.
// expect: as_bytes
#include "vpnwire/core/bytes.hpp"

#include <string>

std::string make_text();

int main() {
#if VPNWIRE_EXPECT_COMPILE_FAILURE
  const vpnwire::bytes_view b = vpnwire::as_bytes(make_text());
#else
  const std::string text = make_text();
  const vpnwire::bytes_view b = vpnwire::as_bytes(text);
#endif
  return b.empty() ? 0 : 1;
}
