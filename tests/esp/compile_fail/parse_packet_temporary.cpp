// parse_packet() returns a view into its argument: a temporary array must not compile.
#include "vpnwire/esp/packet.hpp"

#include <array>
#include <cstddef>

std::array<std::byte, 16> make_array() { return {}; }

int main() {
#if VPNWIRE_COMPILE_FAIL
  auto p = vpnwire::esp::parse_packet(make_array());
#else
  auto a = make_array();
  auto p = vpnwire::esp::parse_packet(a);
#endif
  return p ? 0 : 1;
}
