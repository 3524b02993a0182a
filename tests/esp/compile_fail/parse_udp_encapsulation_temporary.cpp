// parse_udp_encapsulation() returns a view into its argument: a temporary must not compile.
#include "vpnwire/esp/natt.hpp"

#include <cstddef>
#include <vector>

std::vector<std::byte> make_vec() { return std::vector<std::byte>(12, std::byte{0}); }

int main() {
#if VPNWIRE_COMPILE_FAIL
  auto u = vpnwire::esp::parse_udp_encapsulation(make_vec());
#else
  const auto v = make_vec();
  auto u = vpnwire::esp::parse_udp_encapsulation(v);
#endif
  return u ? 0 : 1;
}
