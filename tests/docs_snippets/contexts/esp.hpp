// docs/esp.md overview: written inside `using namespace vpnwire;`; the keys,
// buffers and sizes are the application's (rx_keys as made for the inbound
// direction, like keys for the outbound one).
#pragma once
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/sa.hpp"

#include <cstddef>

using namespace vpnwire;

#define DOCS_SNIPPET_PARAMETERS                                                                                        \
  bytes_view cipher_key_with_salt, bytes_view hmac_key, mutable_bytes buf, mutable_bytes packet_span, std::size_t n,   \
      std::size_t len, std::size_t tfc, std::size_t budget,                                                            \
      decltype(esp::crypto::openssl_transform::make(esp::sa_config{}, bytes_view{}, bytes_view{})) &rx_keys
