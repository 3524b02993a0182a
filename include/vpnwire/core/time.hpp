// Time as vpnwire's engines see it: a monotonic nanosecond time point that
// the caller passes in (`now`). Engines never read a system clock, so tests
// and captures drive time exactly.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>

namespace vpnwire {
inline namespace v1 {

/// The clock of every `now` parameter. It has no now() of its own: a caller
/// converts from whatever it has (steady_clock, capture timestamps, a test
/// clock) with from_steady() or from_nanoseconds().
struct engine_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<engine_clock, duration>;
  static constexpr bool is_steady = true;
};

using duration = engine_clock::duration;
using time_point = engine_clock::time_point;

/// A time point from a count of nanoseconds since any fixed origin.
[[nodiscard]] constexpr time_point from_nanoseconds(std::int64_t ns) noexcept { return time_point{duration{ns}}; }

/// A time point from std::chrono::steady_clock (the origin is steady_clock's).
[[nodiscard]] inline time_point from_steady(std::chrono::steady_clock::time_point t) noexcept {
  return time_point{std::chrono::duration_cast<duration>(t.time_since_epoch())};
}

/// Something that can say what time it is in engine_clock terms. Engines
/// that are templated on a clock take any type modelling this.
template <class C>
concept clock_source = requires(const C &c) {
  { c.now() }
  noexcept->std::same_as<time_point>;
};

/// steady_clock as a clock_source, for production use.
struct steady_source {
  [[nodiscard]] time_point now() const noexcept { return from_steady(std::chrono::steady_clock::now()); }
};

/// A clock that only moves when told to: for tests and capture replay.
class manual_clock {
public:
  constexpr manual_clock() noexcept = default;
  constexpr explicit manual_clock(time_point start) noexcept : now_(start) {}
  [[nodiscard]] constexpr time_point now() const noexcept { return now_; }
  /// Moves time forward (or backward, to test clock steps) by d.
  constexpr void advance(duration d) noexcept { now_ += d; }
  constexpr void set(time_point t) noexcept { now_ = t; }

private:
  time_point now_{};
};

static_assert(clock_source<steady_source>);
static_assert(clock_source<manual_clock>);

} // namespace v1
} // namespace vpnwire
