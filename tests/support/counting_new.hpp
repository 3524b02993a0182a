// Replaces every form of the global operator new and delete with malloc/free
// wrappers that count the calls and the bytes asked for, so a test or a
// benchmark can show that code allocates nothing (the engines allocate with
// new (std::nothrow), which is counted too).
//
// Include it in exactly one translation unit of a binary: it defines the
// replacement functions, which the standard forbids to be inline.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace vpnwire_test {

/// Calls to any global operator new since the program started.
inline std::atomic<std::uint64_t> new_calls{0};
/// The bytes those calls asked for.
inline std::atomic<std::uint64_t> new_bytes{0};

namespace counting_detail {
inline void *counted(std::size_t n) noexcept {
  new_calls.fetch_add(1, std::memory_order_relaxed);
  new_bytes.fetch_add(n, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
inline void *counted_aligned(std::size_t n, std::align_val_t a) noexcept {
  const auto al = static_cast<std::size_t>(a);
  new_calls.fetch_add(1, std::memory_order_relaxed);
  new_bytes.fetch_add(n, std::memory_order_relaxed);
  return std::aligned_alloc(al, (n + al - 1) / al * al);
}
} // namespace counting_detail

} // namespace vpnwire_test

// The replacements pair malloc with free by design; GCC's
// -Wmismatched-new-delete cannot see through them once inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

__attribute__((noinline)) void *operator new(std::size_t n) {
  if (void *p = vpnwire_test::counting_detail::counted(n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void *operator new[](std::size_t n) {
  if (void *p = vpnwire_test::counting_detail::counted(n)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
  return vpnwire_test::counting_detail::counted(n);
}
__attribute__((noinline)) void *operator new[](std::size_t n, const std::nothrow_t &) noexcept {
  return vpnwire_test::counting_detail::counted(n);
}
__attribute__((noinline)) void *operator new(std::size_t n, std::align_val_t a) {
  if (void *p = vpnwire_test::counting_detail::counted_aligned(n, a)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void *operator new[](std::size_t n, std::align_val_t a) {
  if (void *p = vpnwire_test::counting_detail::counted_aligned(n, a)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void *operator new(std::size_t n, std::align_val_t a, const std::nothrow_t &) noexcept {
  return vpnwire_test::counting_detail::counted_aligned(n, a);
}
__attribute__((noinline)) void *operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t &) noexcept {
  return vpnwire_test::counting_detail::counted_aligned(n, a);
}
__attribute__((noinline)) void operator delete(void *p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void *p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void *p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void *p, std::size_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void *p, const std::nothrow_t &) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void *p, const std::nothrow_t &) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void *p, std::align_val_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void *p, std::size_t, std::align_val_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete[](void *p, std::size_t, std::align_val_t) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept {
  std::free(p);
}
__attribute__((noinline)) void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept {
  std::free(p);
}
