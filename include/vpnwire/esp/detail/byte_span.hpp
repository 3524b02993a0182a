// How esp/'s view-returning functions take their input: a bytes_view gives
// read-only views, a mutable_bytes gives writable ones (in-place decap needs
// them), any other lvalue byte container is viewed as the matching span, and
// a temporary container does not compile (the views would dangle).
//
//   f(bytes_view) / f(mutable_bytes)           the two real overloads
//   template f(Owner&) -> f(as_span(owner))    lvalue vector, array, span<_, N>
//   template f(Owner&&) = delete               temporary vector or array
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <cstddef>
#include <ranges>
#include <span>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace esp {
namespace detail {

template <class T>
concept exact_byte_span =
    std::same_as<std::remove_cvref_t<T>, bytes_view> || std::same_as<std::remove_cvref_t<T>, mutable_bytes>;

/// A contiguous range of (possibly const) std::byte that converts to one of
/// the span types, other than the span types themselves.
template <class Owner>
concept byte_owner = !exact_byte_span<Owner> && std::ranges::contiguous_range<std::remove_cvref_t<Owner>> &&
                     std::same_as<std::remove_cv_t<std::ranges::range_value_t<std::remove_cvref_t<Owner>>>, std::byte>;

/// An owner whose views would outlive it: a temporary container that is not a
/// borrowed range (std::vector, std::array; a span is borrowed and fine).
template <class Owner>
concept dangling_owner = byte_owner<Owner> && !std::is_lvalue_reference_v<Owner> && !std::ranges::borrowed_range<Owner>;

/// An owner whose views stay valid: an lvalue, or a borrowed range.
template <class Owner>
concept lasting_owner = byte_owner<Owner> && !dangling_owner<Owner>;

/// The span that keeps the owner's constness: mutable_bytes for a writable
/// container, bytes_view for a const one.
template <class Owner> [[nodiscard]] constexpr auto as_span(Owner &&o) noexcept {
  if constexpr (std::is_convertible_v<Owner &, mutable_bytes>) {
    return mutable_bytes(o);
  } else {
    return bytes_view(o);
  }
}

} // namespace detail
} // namespace esp
} // namespace v1
} // namespace vpnwire
