// classify_udp4500() returns a view into its argument: a temporary vector
// would leave it dangling (ASan: heap-use-after-free), so it must not compile.
#include "vpnwire/esp/natt.hpp"

#include <cstddef>
#include <vector>

std::vector<std::byte> make_vec() { return std::vector<std::byte>(8, std::byte{1}); }

int main() {
#if VPNWIRE_COMPILE_FAIL
  auto r = vpnwire::esp::classify_udp4500(make_vec());
#else
  auto v = make_vec();
  auto r = vpnwire::esp::classify_udp4500(v);
#endif
  return r ? 0 : 1;
}
