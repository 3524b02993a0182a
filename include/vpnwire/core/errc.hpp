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

enum class errc : std::uint8_t {
  ok = 0,            ///< Not an error; never stored in a failed result.
  truncated,         ///< A read needed more bytes than remain ("need more bytes").
  buffer_too_small,  ///< A write needed more room than the output span has.
  value_out_of_range ///< A value does not fit the field it is written to.
};

/// The enumerator's name, e.g. "truncated".
[[nodiscard]] constexpr std::string_view name(errc e) noexcept {
  switch (e) {
  case errc::ok: return "ok";
  case errc::truncated: return "truncated";
  case errc::buffer_too_small: return "buffer_too_small";
  case errc::value_out_of_range: return "value_out_of_range";
  }
  return "unknown";
}

} // namespace core
} // namespace v1
} // namespace vpnwire
