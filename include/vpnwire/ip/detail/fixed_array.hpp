// A heap array whose size is fixed at allocation, allocated without
// exceptions (allocate() reports failure), so that the engines can offer an
// error-returning create() to -fno-exceptions users. Internal to vpnwire::ip.
#pragma once

#include "vpnwire/detail/config.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace ip {
namespace detail {

template <class T> class fixed_array {
public:
  fixed_array() noexcept = default;

  /// Allocates n elements (none for n == 0), replacing any previous array.
  /// False when the allocation failed (then empty). Elements are
  /// value-initialised, except bytes: byte arrays are payload storage
  /// (the reassembly pool, output and header buffers) that the engines
  /// write before they read, so they are left as allocated and their pages
  /// are only touched when used (a 10 MiB pool costs nothing until
  /// fragments arrive).
  [[nodiscard]] bool allocate(std::size_t n) noexcept {
    data_.reset();
    size_ = 0;
    if (n == 0) return true;
    if constexpr (std::is_same_v<T, std::byte>)
      data_.reset(new (std::nothrow) T[n]);
    else
      data_.reset(new (std::nothrow) T[n]());
    if (!data_) return false;
    size_ = n;
    return true;
  }
  void fill(const T &v) noexcept {
    for (std::size_t i = 0; i < size_; ++i) data_[i] = v;
  }
  [[nodiscard]] T &operator[](std::size_t i) noexcept { return data_[i]; }
  [[nodiscard]] const T &operator[](std::size_t i) const noexcept { return data_[i]; }
  [[nodiscard]] T *data() noexcept { return data_.get(); }
  [[nodiscard]] const T *data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Bytes allocated.
  [[nodiscard]] std::size_t memory() const noexcept { return size_ * sizeof(T); }

private:
  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
};

/// What a constructor does when an allocation failed: std::bad_alloc where
/// exceptions are enabled (what std::vector would have thrown), a trap
/// otherwise. Engines offer create() for callers who must handle it.
[[noreturn]] inline void out_of_memory() {
#if VPNWIRE_HAS_EXCEPTIONS
  throw std::bad_alloc();
#else
  __builtin_trap();
#endif
}

} // namespace detail
} // namespace ip
} // namespace v1
} // namespace vpnwire
