// vpnwire — the single source of the library version. CMake parses the three
// VPNWIRE_VERSION_* macros below; keep them on one line each.
#pragma once

#define VPNWIRE_VERSION_MAJOR 0
#define VPNWIRE_VERSION_MINOR 1
#define VPNWIRE_VERSION_PATCH 0

#define VPNWIRE_VERSION_STRING "0.1.0"

namespace vpnwire {
inline namespace v1 {

/// The library version as a comparable number: major * 10000 + minor * 100 + patch.
inline constexpr unsigned version_number =
    VPNWIRE_VERSION_MAJOR * 10000 + VPNWIRE_VERSION_MINOR * 100 + VPNWIRE_VERSION_PATCH;

} // namespace v1
} // namespace vpnwire
