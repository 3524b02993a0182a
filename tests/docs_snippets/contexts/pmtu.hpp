// docs/pmtu.md: what the application around the blocks has: its outbound ESP
// SA in tunnel mode (OpenSSL backend), the stack and tracker of the earlier
// blocks, the packets at hand (`packet` an IPv4 packet, `icmp_packet` an
// ICMP or ICMPv6 packet from outside), the buffers, the time, its inner-side
// address, and what it does with a quoted ESP packet.
#pragma once
#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/tunnel/family.hpp"
#include "vpnwire/tunnel/mtu.hpp"
#include "vpnwire/tunnel/pmtu_tracker.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

void use(std::uint32_t spi, std::optional<std::uint32_t> sequence, std::uint16_t next_hop_mtu);
void transmit(vpnwire::bytes_view packet);
std::uint32_t next_identification();

#define DOCS_SNIPPET_PARAMETERS                                                                                        \
  vpnwire::esp::outbound_sa<vpnwire::esp::crypto::openssl_transform> &sa, const vpnwire::tunnel::tunnel_stack &stack,  \
      const vpnwire::tunnel::pmtu_tracker &tracker, vpnwire::bytes_view packet, vpnwire::bytes_view icmp_packet,       \
      vpnwire::mutable_bytes buf, std::size_t inner_len, vpnwire::mutable_bytes reply,                                 \
      const vpnwire::tunnel::address &my_inner_address, vpnwire::time_point now
