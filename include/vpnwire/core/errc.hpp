// Error codes of the core layer (byte reader and writer).
//
// Every area of vpnwire has its own `errc` enumeration in its own namespace
// (vpnwire::l2tp::errc, vpnwire::esp::errc, ...). Each one follows the same
// pattern as this file: a documented enumerator per distinct failure, value 0
// reserved for "no error", and a constexpr `name()` giving the enumerator's
// spelling for logs and JSON output.
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace core {

// clang-format off
/// The error codes: X(enumerator, "what it means"), in value order (ok = 0 first).
#define VPNWIRE_CORE_ERRCS(X)                                                                                          \
  X(ok, "Not an error; never stored in a failed result.")                                                              \
  X(truncated, "A read needed more bytes than remain (\"need more bytes\").")                                          \
  X(buffer_too_small, "A write needed more room than the output span has.")                                            \
  X(value_out_of_range, "A value does not fit the field it is written to.")
// clang-format on

enum class errc : std::uint8_t {
#define VPNWIRE_CORE_ERRC_X(id, text) id,
  VPNWIRE_CORE_ERRCS(VPNWIRE_CORE_ERRC_X)
#undef VPNWIRE_CORE_ERRC_X
};

/// The enumerator's name, e.g. "truncated".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
#define VPNWIRE_CORE_ERRC_X(id, text)                                                                                  \
  case errc::id: return #id;
    VPNWIRE_CORE_ERRCS(VPNWIRE_CORE_ERRC_X)
#undef VPNWIRE_CORE_ERRC_X
  }
  return "unknown";
}

/// What the code means, in one sentence (the table's text).
[[nodiscard]] constexpr std::string_view description(errc e) noexcept {
  switch (e) {
#define VPNWIRE_CORE_ERRC_X(id, text)                                                                                  \
  case errc::id: return text;
    VPNWIRE_CORE_ERRCS(VPNWIRE_CORE_ERRC_X)
#undef VPNWIRE_CORE_ERRC_X
  }
  return "unknown error code";
}

} // namespace core
} // namespace v1
} // namespace vpnwire
