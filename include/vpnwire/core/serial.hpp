// Serial-number arithmetic (RFC 1982) for sequence spaces of 16, 24, 32 and
// 64 bits. Sequence numbers are never compared with a plain `<`: across the
// wrap 65535 is *before* 0.
//
// RFC 1982 §3.2 leaves the comparison of two numbers exactly half the space
// apart undefined; compare() reports that case as serial_order::undefined and
// less()/greater() both answer false for it, so a caller can never treat an
// ambiguous number as new.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace core {

enum class serial_order : std::uint8_t { less, equal, greater, undefined };

/// The enumerator's name, e.g. "undefined".
[[nodiscard]] constexpr std::string_view name(serial_order v) noexcept {
  switch (v) {
  case serial_order::less: return "less";
  case serial_order::equal: return "equal";
  case serial_order::greater: return "greater";
  case serial_order::undefined: return "undefined";
  }
  return "unknown";
}

namespace detail {
template <unsigned Bits>
using serial_storage_t =
    std::conditional_t<(Bits <= 16), std::uint16_t, std::conditional_t<(Bits <= 32), std::uint32_t, std::uint64_t>>;
template <unsigned Bits> using serial_signed_t = std::conditional_t<(Bits <= 16), std::int32_t, std::int64_t>;
} // namespace detail

/// Arithmetic in a sequence space of `Bits` bits (16, 24, 32 or 64).
template <unsigned Bits> struct serial {
  static_assert(Bits == 16 || Bits == 24 || Bits == 32 || Bits == 64, "serial widths are 16, 24, 32 or 64");
  using value_type = detail::serial_storage_t<Bits>;
  using difference_type = detail::serial_signed_t<Bits>;

  static constexpr unsigned bits = Bits;
  /// All valid numbers are <= mask.
  static constexpr value_type mask =
      Bits == 64 ? static_cast<value_type>(~std::uint64_t{0}) : static_cast<value_type>((std::uint64_t{1} << Bits) - 1);
  /// 2^(Bits-1): the distance at which order becomes undefined.
  static constexpr value_type half = static_cast<value_type>(std::uint64_t{1} << (Bits - 1));

  /// a + n modulo 2^Bits. (RFC 1982 defines addition only for n < half;
  /// advance() is plain modular addition for any n.)
  [[nodiscard]] static constexpr value_type advance(value_type a, std::uint64_t n) noexcept {
    return static_cast<value_type>((static_cast<std::uint64_t>(a) + n) & mask);
  }
  /// How far b is ahead of a, counting forward: (b - a) mod 2^Bits, in [0, mask].
  [[nodiscard]] static constexpr value_type forward_distance(value_type a, value_type b) noexcept {
    return static_cast<value_type>((static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a)) & mask);
  }
  /// Signed distance from a to b in [-half, half - 1]: positive when b is after a.
  /// Exactly half apart yields -half (the undefined case; check compare()).
  [[nodiscard]] static constexpr difference_type distance(value_type a, value_type b) noexcept {
    const std::uint64_t d = forward_distance(a, b);
    if (d >= half) {
      if constexpr (Bits == 64) {
        return static_cast<difference_type>(d); // two's complement: d - 2^64
      } else {
        return static_cast<difference_type>(static_cast<std::int64_t>(d) - (std::int64_t{1} << Bits));
      }
    }
    return static_cast<difference_type>(d);
  }
  /// RFC 1982 §3.2 comparison of a with b.
  [[nodiscard]] static constexpr serial_order compare(value_type a, value_type b) noexcept {
    const value_type d = forward_distance(a, b);
    if (d == 0) return serial_order::equal;
    if (d == half) return serial_order::undefined;
    return d < half ? serial_order::less : serial_order::greater;
  }
  /// a precedes b (false when equal or undefined).
  [[nodiscard]] static constexpr bool less(value_type a, value_type b) noexcept {
    return compare(a, b) == serial_order::less;
  }
  /// a follows b (false when equal or undefined).
  [[nodiscard]] static constexpr bool greater(value_type a, value_type b) noexcept {
    return compare(a, b) == serial_order::greater;
  }
  /// a precedes or equals b.
  [[nodiscard]] static constexpr bool less_equal(value_type a, value_type b) noexcept { return a == b || less(a, b); }
};

using serial16 = serial<16>;
using serial24 = serial<24>;
using serial32 = serial<32>;
using serial64 = serial<64>;

} // namespace core
} // namespace v1
} // namespace vpnwire
