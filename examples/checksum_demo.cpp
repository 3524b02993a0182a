// A small demonstration of vpnwire's core: parse an IPv4 header with the
// bounds-checked reader, verify its checksum, rewrite the TTL and patch the
// checksum incrementally (RFC 1624), then show serial-number ordering across
// the 16-bit wrap that L2TP sequence numbers use.
#include <vpnwire/vpnwire.hpp>

#include <array>
#include <cstdio>

int main() {
  using namespace vpnwire;
  std::array<unsigned char, 20> raw{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  const auto bytes = std::as_writable_bytes(std::span(raw));

  core::byte_reader r(bytes);
  const auto ver_ihl = r.u8();
  (void)r.skip(7);
  const auto ttl_proto = r.u16();
  const auto checksum = r.u16();
  if (!ver_ihl || !ttl_proto || !checksum) {
    std::puts("truncated header");
    return 1;
  }
  std::printf("IPv4 header: version %u, IHL %u, TTL %u, protocol %u, checksum %04x (%s)\n", *ver_ihl >> 4,
              *ver_ihl & 15U, *ttl_proto >> 8, *ttl_proto & 0xFFU, *checksum,
              core::internet_checksum(bytes) == 0 ? "valid" : "INVALID");

  // Decrement the TTL and patch the checksum without recomputing it.
  const std::uint16_t new_word = static_cast<std::uint16_t>(*ttl_proto - 0x100);
  core::store_be16(bytes.data() + 8, new_word);
  const std::uint16_t patched = core::checksum_update(*checksum, *ttl_proto, new_word);
  core::store_be16(bytes.data() + 10, patched);
  std::printf("after TTL-1: checksum %04x (%s, RFC 1624 incremental update)\n", patched,
              core::internet_checksum(bytes) == 0 ? "valid" : "INVALID");

  // L2TP data sequence numbers are 16-bit serial numbers: 65535 precedes 0.
  std::printf("serial16: 65535 < 0? %s; 30 < 32? %s; distance(65534, 1) = %d\n",
              core::serial16::less(65535, 0) ? "yes" : "no", core::serial16::less(30, 32) ? "yes" : "no",
              core::serial16::distance(65534, 1));
  return core::internet_checksum(bytes) == 0 ? 0 : 1;
}
