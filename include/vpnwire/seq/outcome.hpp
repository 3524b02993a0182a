// The result of offering one item to a reorder window, and the counters
// every window keeps (one per outcome and per reason a gap was given up).
#pragma once

#include <cstdint>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace seq {

/// Exactly one of these answers every insert(). The first two mean the
/// window took the item (it will be delivered exactly once); the others mean
/// the item was not taken and stays with the caller, who drops or recycles it.
enum class insert_outcome : std::uint8_t {
  delivered = 0,       ///< It was the expected number: delivered now, with any run it released.
  buffered,            ///< Held until the gap before it fills or is skipped.
  duplicate_held,      ///< Not taken: an item with this number is already held.
  duplicate_delivered, ///< Not taken: this number was delivered within the last Capacity numbers.
  late,                ///< Not taken: the number is behind the delivery point (its gap was
                       ///< skipped, or it is older than the window remembers).
  beyond_horizon,      ///< Not taken: the number is too far ahead to hold (strict mode: any
                       ///< number other than the expected one).
};

/// Whether the window took the item.
[[nodiscard]] constexpr bool accepted(insert_outcome o) noexcept {
  return o == insert_outcome::delivered || o == insert_outcome::buffered;
}

/// The enumerator's name, e.g. "beyond_horizon".
[[nodiscard]] constexpr std::string_view name(insert_outcome o) noexcept {
  switch (o) {
  case insert_outcome::delivered: return "delivered";
  case insert_outcome::buffered: return "buffered";
  case insert_outcome::duplicate_held: return "duplicate_held";
  case insert_outcome::duplicate_delivered: return "duplicate_delivered";
  case insert_outcome::late: return "late";
  case insert_outcome::beyond_horizon: return "beyond_horizon";
  }
  return "unknown";
}

/// Counters of a window. Conservation, checked by the tests and the fuzz
/// target: inserted == delivered + duplicate + late + overflow + held().
struct counters {
  std::uint64_t inserted = 0;    ///< insert() calls.
  std::uint64_t delivered = 0;   ///< Items handed to a sink (in order).
  std::uint64_t reordered = 0;   ///< Items that arrived early and were held (buffered).
  std::uint64_t duplicate = 0;   ///< duplicate_held + duplicate_delivered outcomes.
  std::uint64_t late = 0;        ///< late outcomes.
  std::uint64_t overflow = 0;    ///< beyond_horizon outcomes.
  std::uint64_t gap_skipped = 0; ///< Sequence numbers given up (never arrived in time).
  std::uint64_t timed_out = 0;   ///< Times the timeout released held items past a gap.
  std::uint64_t depth_skips = 0; ///< Times the depth limit released held items past a gap.
  std::uint64_t resynced = 0;    ///< Resynchronisations to a restarted sender.
};

} // namespace seq
} // namespace v1
} // namespace vpnwire
