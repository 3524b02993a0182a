#include <vpnwire/vpnwire.hpp>

#include <array>
#include <cstdio>

int main() {
  constexpr std::array<unsigned char, 8> raw{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  const auto ck = vpnwire::core::internet_checksum(std::as_bytes(std::span(raw)));
  std::printf("vpnwire %s checksum %04x\n", VPNWIRE_VERSION_STRING, ck);
  return ck == 0x220d ? 0 : 1;
}
