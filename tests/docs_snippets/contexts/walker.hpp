// docs/contributing.md, walker convention: `packet` stands for any view whose
// options() returns result<core::walker<Format>, errc>; `use` for the caller.
#pragma once
#include "vpnwire/core/walker.hpp"

#include <cstddef>
#include <cstdint>

namespace docs_context {
enum class option_errc : std::uint8_t { ok = 0, truncated, exhausted };
struct option_format {
  using item_type = vpnwire::bytes_view;
  using errc_type = option_errc;
  static constexpr errc_type exhausted = option_errc::exhausted;
  [[nodiscard]] vpnwire::result<vpnwire::core::walk_step<item_type>, errc_type>
  read(vpnwire::bytes_view area, std::size_t pos, std::size_t base) const noexcept;
};
struct packet_view {
  [[nodiscard]] vpnwire::result<vpnwire::core::walker<option_format>, option_errc> options() const noexcept;
};
} // namespace docs_context

template <class T> void use(const T &) noexcept {}
#define DOCS_SNIPPET_PARAMETERS const docs_context::packet_view &packet
#define DOCS_SNIPPET_RETURN vpnwire::error_info<docs_context::option_errc>
