// Comparison of secrets (ICVs) whose time does not depend on where they
// differ, so a forger learns nothing from how long a rejection takes.
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <cstddef>

namespace vpnwire {
inline namespace v1 {
namespace esp {
namespace detail {

/// a == b over all bytes, in time that depends only on the length.
/// Precondition: a.size() == b.size().
[[nodiscard]] inline bool constant_time_equal(bytes_view a, bytes_view b) noexcept {
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= std::to_integer<unsigned>(a[i] ^ b[i]);
    // Keep the compiler from turning the accumulation into an early exit.
#if defined(__GNUC__) || defined(__clang__)
  __asm__ volatile("" : "+r"(diff));
#endif
  return diff == 0;
}

} // namespace detail
} // namespace esp
} // namespace v1
} // namespace vpnwire
