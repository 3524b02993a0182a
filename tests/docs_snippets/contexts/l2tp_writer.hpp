// docs/l2tp.md, "Sending": the hidden-AVP snippet's md5 and secret, the
// tunnel's state (IDs, Ns/Nr) and the peer's challenge; random bytes from the
// application's generator.
#pragma once
#include "vpnwire/crypto/openssl_digest.hpp"

#include <cstdint>

using namespace vpnwire;

#define DOCS_SNIPPET_PARAMETERS                                                                                        \
  crypto::openssl_md5 &md5, bytes_view secret, std::uint16_t peer_tid, std::uint16_t my_tid, std::uint16_t ns,         \
      std::uint16_t nr, bytes_view their_challenge, bytes_view random_16_bytes, bytes_view random_pad
