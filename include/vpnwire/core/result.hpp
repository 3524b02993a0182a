// result<T, E>: a value or an error code with the byte offset where the
// failure was detected. No exceptions, no allocation, trivially copyable when
// T is.
//
//   auto h = l2tp::parse_header(bytes);
//   if (!h) return report(h.code(), h.offset());
//   use(h->tunnel_id());
//
// or simdjson-style:
//
//   l2tp::header_view h;
//   if (auto e = l2tp::parse_header(bytes).get(h); e != l2tp::errc::ok) ...
#pragma once

#include "vpnwire/detail/config.hpp"

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace vpnwire {
inline namespace v1 {

/// What went wrong and where: the error code and the byte offset, counted
/// from the start of the span handed to the failing function.
template <class E> struct error_info {
  E code{};
  std::size_t offset = 0;
  friend constexpr bool operator==(const error_info &, const error_info &) = default;
};

/// Builds an error_info; `return fail(errc::truncated, pos);` converts to any result<T, errc>.
template <class E> [[nodiscard]] constexpr error_info<E> fail(E code, std::size_t offset = 0) noexcept {
  return error_info<E>{code, offset};
}

template <class T, class E> class [[nodiscard]] result {
  static_assert(std::is_enum_v<E>, "E must be an error enumeration");
  static_assert(std::is_nothrow_move_constructible_v<T>, "T must be nothrow movable");

public:
  using value_type = T;
  using error_type = E;

  constexpr result(T v) noexcept(std::is_nothrow_copy_constructible_v<T>) // NOLINT(google-explicit-constructor)
      : value_(std::move(v)), err_{E{}, 0} {}
  constexpr result(error_info<E> e) noexcept : value_{}, err_(e) { // NOLINT(google-explicit-constructor)
    VPNWIRE_ASSERT(e.code != E{});
  }

  [[nodiscard]] constexpr bool has_value() const noexcept { return err_.code == E{}; }
  [[nodiscard]] constexpr explicit operator bool() const noexcept { return has_value(); }

  /// The value. Precondition: has_value(); traps otherwise.
  [[nodiscard]] constexpr T &value() &noexcept {
    VPNWIRE_ASSERT(has_value());
    return value_;
  }
  [[nodiscard]] constexpr const T &value() const &noexcept {
    VPNWIRE_ASSERT(has_value());
    return value_;
  }
  [[nodiscard]] constexpr T &&value() &&noexcept {
    VPNWIRE_ASSERT(has_value());
    return std::move(value_);
  }
  [[nodiscard]] constexpr T *operator->() noexcept { return &value(); }
  [[nodiscard]] constexpr const T *operator->() const noexcept { return &value(); }
  [[nodiscard]] constexpr T &operator*() &noexcept { return value(); }
  [[nodiscard]] constexpr const T &operator*() const &noexcept { return value(); }

  [[nodiscard]] constexpr T value_or(T fallback) const noexcept { return has_value() ? value_ : fallback; }

  /// The error code; E{} (ok) when there is a value.
  [[nodiscard]] constexpr E code() const noexcept { return err_.code; }
  /// The byte offset of the failure; 0 when there is a value.
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return err_.offset; }
  [[nodiscard]] constexpr error_info<E> error() const noexcept { return err_; }

  /// Moves the value into `out` on success; returns the code either way.
  [[nodiscard]] constexpr E get(T &out) &&noexcept {
    if (has_value()) out = std::move(value_);
    return err_.code;
  }

private:
  T value_;
  error_info<E> err_;
};

/// result<void, E>: success or an error.
template <class E> class [[nodiscard]] result<void, E> {
public:
  using value_type = void;
  using error_type = E;
  constexpr result() noexcept = default;
  constexpr result(error_info<E> e) noexcept : err_(e) { VPNWIRE_ASSERT(e.code != E{}); } // NOLINT
  [[nodiscard]] constexpr bool has_value() const noexcept { return err_.code == E{}; }
  [[nodiscard]] constexpr explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] constexpr E code() const noexcept { return err_.code; }
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return err_.offset; }
  [[nodiscard]] constexpr error_info<E> error() const noexcept { return err_; }

private:
  error_info<E> err_{};
};

} // namespace v1
} // namespace vpnwire
