// A fixed-size array on the heap that allocates without throwing: the
// storage of the engines that allocate once at construction (the L2TP
// control plane). An allocation failure leaves it empty, and the engine's
// create() turns that into an error value, so -fno-exceptions users can
// handle out-of-memory. Internal: not part of the API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace detail {

template <class T> class heap_array {
  static_assert(std::is_nothrow_destructible_v<T>);

public:
  constexpr heap_array() noexcept = default;
  heap_array(const heap_array &) = delete;
  heap_array &operator=(const heap_array &) = delete;
  heap_array(heap_array &&o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  heap_array &operator=(heap_array &&o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~heap_array() { release(); }

  /// `n` elements, each made by `make_one(i)` (a noexcept callable returning
  /// a T); empty when the memory cannot be had. Check allocated(n).
  template <class F> [[nodiscard]] static heap_array make_with(std::size_t n, F &&make_one) noexcept {
    static_assert(std::is_nothrow_invocable_r_v<T, F &, std::size_t>, "elements are made without throwing");
    heap_array a;
    if (n == 0) return a;
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) return a;
    void *raw = allocate(n * sizeof(T));
    if (raw == nullptr) return a;
    a.data_ = static_cast<T *>(raw);
    for (std::size_t i = 0; i < n; ++i) {
      ::new (static_cast<void *>(a.data_ + i)) T(make_one(i));
      a.size_ = i + 1;
    }
    return a;
  }
  /// `n` value-initialised elements (as `T{}`); empty when the memory cannot be had.
  /// (T's default constructor must not throw; it runs in a noexcept context.)
  [[nodiscard]] static heap_array make(std::size_t n) noexcept {
    return make_with(n, [](std::size_t) noexcept { return T{}; });
  }
  /// `n` copies of `v`; empty when the memory cannot be had.
  /// (T's copy constructor must not throw; it runs in a noexcept context.)
  [[nodiscard]] static heap_array make_filled(std::size_t n, const T &v) noexcept {
    return make_with(n, [&v](std::size_t) noexcept { return v; });
  }

  /// True when the array holds `n` elements (what make* was asked for).
  [[nodiscard]] bool allocated(std::size_t n) const noexcept { return size_ == n; }

  [[nodiscard]] T *data() noexcept { return data_; }
  [[nodiscard]] const T *data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] T &operator[](std::size_t i) noexcept { return data_[i]; }
  [[nodiscard]] const T &operator[](std::size_t i) const noexcept { return data_[i]; }
  [[nodiscard]] T *begin() noexcept { return data_; }
  [[nodiscard]] T *end() noexcept { return data_ + size_; }
  [[nodiscard]] const T *begin() const noexcept { return data_; }
  [[nodiscard]] const T *end() const noexcept { return data_ + size_; }

private:
  static constexpr bool over_aligned = alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  static void *allocate(std::size_t bytes) noexcept {
    if constexpr (over_aligned) {
      return ::operator new (bytes, std::align_val_t{alignof(T)}, std::nothrow);
    } else {
      return ::operator new(bytes, std::nothrow);
    }
  }
  void release() noexcept {
    if (data_ == nullptr) return;
    for (std::size_t i = size_; i > 0; --i) data_[i - 1].~T();
    if constexpr (over_aligned) {
      ::operator delete (static_cast<void *>(data_), std::align_val_t{alignof(T)});
    } else {
      ::operator delete(static_cast<void *>(data_));
    }
    data_ = nullptr;
    size_ = 0;
  }

  T *data_ = nullptr;
  std::size_t size_ = 0;
};

} // namespace detail
} // namespace v1
} // namespace vpnwire
