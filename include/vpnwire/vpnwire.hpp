// vpnwire umbrella header: includes every public header of the library
// except the optional crypto backends (esp/crypto/openssl.hpp), which need
// OpenSSL and are included explicitly by those who use them.
#pragma once

#include "vpnwire/version.hpp"

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/serial.hpp"
#include "vpnwire/core/time.hpp"
