// Consumer smoke program: uses the library through its public umbrella
// header and checks a known answer (RFC 1071 §3's example sums to 0xddf2).
#include <vpnwire/vpnwire.hpp>

#include <array>
#include <cstdio>

int main() {
  constexpr std::array<unsigned char, 8> raw{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  const auto bytes = std::as_bytes(std::span(raw));
  const std::uint16_t ck = vpnwire::core::internet_checksum(bytes);
  std::printf("vpnwire %s: checksum %04x\n", VPNWIRE_VERSION_STRING, ck);
  return ck == static_cast<std::uint16_t>(~0xddf2) ? 0 : 1;
}
