#include <vpnwire/vpnwire.hpp>

#include <array>
#include <cstdio>

#ifdef TEST_PACKAGE_OPENSSL
#include <vpnwire/crypto/openssl_digest.hpp>
#endif

int main() {
  constexpr std::array<unsigned char, 8> raw{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  const auto ck = vpnwire::core::internet_checksum(std::as_bytes(std::span(raw)));
  std::printf("vpnwire %s checksum %04x\n", VPNWIRE_VERSION_STRING, ck);
  bool ok = ck == 0x220d;
#ifdef TEST_PACKAGE_OPENSSL
  // RFC 1321 §A.5: MD5("abc") starts 90 01 50 98.
  vpnwire::crypto::openssl_md5 md5;
  std::array<std::byte, 16> out{};
  ok = ok && md5.reset() && md5.update(vpnwire::as_bytes("abc")) && md5.finish(out) && out[0] == std::byte{0x90} &&
       out[1] == std::byte{0x01} && out[2] == std::byte{0x50} && out[3] == std::byte{0x98};
#endif
  return ok ? 0 : 1;
}
