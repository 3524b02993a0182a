// docs/iptfs.md: what the application around the blocks has: the ESP SA of
// each direction (OpenSSL backend), the packet at hand, the time, and what it
// does with what comes out.
#pragma once
#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/iptfs/payload.hpp"

#include <cstddef>

void use(vpnwire::iptfs::block_kind kind, std::size_t offset, vpnwire::bytes_view bytes, std::size_t length,
         bool complete, bool length_split);
void send(vpnwire::bytes_view esp_packet);
void forward(vpnwire::bytes_view inner);

#define DOCS_SNIPPET_PARAMETERS                                                                                        \
  vpnwire::esp::outbound_sa<vpnwire::esp::crypto::openssl_transform> &sa,                                              \
      vpnwire::esp::inbound_sa<vpnwire::esp::crypto::openssl_transform> &rx_sa, vpnwire::bytes_view inner,             \
      vpnwire::mutable_bytes pkt, vpnwire::time_point now
