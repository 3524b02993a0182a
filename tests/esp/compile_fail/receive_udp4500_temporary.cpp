// receive_udp4500() returns the ESP packet as a view into its argument: a
// temporary datagram must not compile.
#include "vpnwire/esp/natt.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

std::vector<std::byte> make_vec() { return std::vector<std::byte>(20, std::byte{1}); }

int main() {
  int sa = 0;
  auto lookup = [&](std::uint32_t) noexcept { return &sa; };
#if VPNWIRE_COMPILE_FAIL
  auto r = vpnwire::esp::receive_udp4500(make_vec(), lookup);
#else
  auto v = make_vec();
  auto r = vpnwire::esp::receive_udp4500(v, lookup);
#endif
  return r ? 0 : 1;
}
