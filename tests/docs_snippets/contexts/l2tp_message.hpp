// docs/l2tp.md, hidden AVPs: `m` is the validated message of the receiving
// snippet; the shared secret is the application's.
#pragma once
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/message.hpp"

#include <array>
#include <cstddef>

using namespace vpnwire;

#define DOCS_SNIPPET_PARAMETERS const decltype(l2tp::validate_message(bytes_view{})) &m, bytes_view secret
