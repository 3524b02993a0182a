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
#include <optional>
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
  // A default-constructible T is stored as is (the result of a trivially
  // copyable T stays trivially copyable: views and sizes travel in
  // registers); any other T (an engine from create()) in an optional.
  static constexpr bool direct_ = std::is_default_constructible_v<T>;
  using storage_type = std::conditional_t<direct_, T, std::optional<T>>;

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

  /// The value. Precondition: has_value(); a violation is reported by
  /// VPNWIRE_ASSERT (detail/config.hpp: message, then abort).
  [[nodiscard]] constexpr T &value() &noexcept {
    VPNWIRE_ASSERT(has_value());
    return stored();
  }
  [[nodiscard]] constexpr const T &value() const &noexcept {
    VPNWIRE_ASSERT(has_value());
    return stored();
  }
  [[nodiscard]] constexpr T &&value() &&noexcept {
    VPNWIRE_ASSERT(has_value());
    return std::move(stored());
  }
  [[nodiscard]] constexpr T *operator->() noexcept { return &value(); }
  [[nodiscard]] constexpr const T *operator->() const noexcept { return &value(); }
  [[nodiscard]] constexpr T &operator*() &noexcept { return value(); }
  [[nodiscard]] constexpr const T &operator*() const &noexcept { return value(); }

  [[nodiscard]] constexpr T value_or(T fallback) const noexcept { return has_value() ? stored() : fallback; }

  /// The error code; E{} (ok) when there is a value.
  [[nodiscard]] constexpr E code() const noexcept { return err_.code; }
  /// The byte offset of the failure; 0 when there is a value.
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return err_.offset; }
  [[nodiscard]] constexpr error_info<E> error() const noexcept { return err_; }

  /// Moves the value into `out` on success; returns the code either way.
  [[nodiscard]] constexpr E get(T &out) &&noexcept {
    if (has_value()) out = std::move(stored());
    return err_.code;
  }

private:
  [[nodiscard]] constexpr T &stored() noexcept {
    if constexpr (direct_) {
      return value_;
    } else {
      return *value_;
    }
  }
  [[nodiscard]] constexpr const T &stored() const noexcept {
    if constexpr (direct_) {
      return value_;
    } else {
      return *value_;
    }
  }

  storage_type value_;
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
