// An inbound SA (OpenSSL backend) from an imported SA: a verifying SA when
// the file gave every key, an analysis-only SA (decap_unverified) when it
// gave no integrity key or only the ICV length. Needs vpnwire::openssl.
#pragma once

#include "keys/model.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"

#include <cstddef>
#include <utility>

namespace vpnwire_cli::keys {

template <std::size_t WindowSize = 64>
using receiver = vpnwire::esp::inbound_sa<vpnwire::esp::crypto::openssl_transform, WindowSize>;

/// Keys an inbound SA for `sa`. receiver::verifies() then says whether
/// decap() works (every key known) or only decap_unverified() does.
/// Errors: those of openssl_transform::make / make_without_integrity and of
/// inbound_sa::make / make_unverified (an imported SA is already validated,
/// so in practice only crypto_failure).
template <std::size_t WindowSize = 64>
[[nodiscard]] vpnwire::result<receiver<WindowSize>, vpnwire::esp::errc> make_receiver(const imported_sa &sa) {
  using vpnwire::esp::crypto::openssl_transform;
  if (sa.verifiable()) {
    auto t = openssl_transform::make(sa.config, sa.cipher_key, sa.integrity_key);
    if (!t) return t.error();
    return receiver<WindowSize>::make(sa.config, std::move(t).value());
  }
  auto t = openssl_transform::make_without_integrity(sa.config, sa.cipher_key);
  if (!t) return t.error();
  return receiver<WindowSize>::make_unverified(sa.config, std::move(t).value());
}

} // namespace vpnwire_cli::keys
