// How the ip/ parsers take their input: any contiguous range of std::byte
// (a span, a vector, an array), keeping its constness, and never an rvalue
// that owns its bytes (a view into it would dangle at the end of the full
// expression). Internal to vpnwire::ip; users pass their buffers directly.
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <concepts>
#include <cstddef>
#include <ranges>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace ip {
namespace detail {

/// A contiguous, sized range of std::byte (const or not).
template <class R>
concept byte_range = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    std::same_as<std::remove_cv_t<std::ranges::range_value_t<R>>, std::byte>;

/// A byte range whose elements may be written (a non-const vector, a span of
/// non-const bytes).
template <class R>
concept writable_byte_range =
    byte_range<R> && !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

/// A range a view may point into after the call: an lvalue, or a range that
/// does not own its elements (a span).
template <class R>
concept lasting = std::is_lvalue_reference_v<R> || std::ranges::borrowed_range<R>;

/// bytes_view or mutable_bytes, whichever keeps the range's constness.
template <class R> using span_for = std::conditional_t<writable_byte_range<R>, mutable_bytes, bytes_view>;

/// The range as the span type that keeps its constness.
template <byte_range R> [[nodiscard]] constexpr span_for<R> as_span(R &&r) noexcept {
  return span_for<R>(std::ranges::data(r), std::ranges::size(r));
}

/// True for the two span types the views are instantiated with.
template <class B>
inline constexpr bool is_byte_span = std::is_same_v<B, bytes_view> || std::is_same_v<B, mutable_bytes>;

} // namespace detail
} // namespace ip
} // namespace v1
} // namespace vpnwire
