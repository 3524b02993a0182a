// Compiler and build-mode detection shared by every header.
#pragma once

// Exceptions are never thrown by vpnwire; the macro only lets tests and
// examples know whether the translation unit was built with -fno-exceptions.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define VPNWIRE_HAS_EXCEPTIONS 1
#else
#define VPNWIRE_HAS_EXCEPTIONS 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define VPNWIRE_LIKELY(x) __builtin_expect(!!(x), 1)
#define VPNWIRE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define VPNWIRE_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define VPNWIRE_LIKELY(x) (x)
#define VPNWIRE_UNLIKELY(x) (x)
#define VPNWIRE_ALWAYS_INLINE inline
#endif

// Programming errors (a violated precondition such as value() on an error
// result, an engine constructor that cannot get its memory, a broken
// internal invariant) are not wire errors: they go through VPNWIRE_ASSERT,
// checked in every build mode. By default a failure writes
//
//   vpnwire: assertion failed: has_value() (include/vpnwire/core/result.hpp:71)
//
// to stderr and calls std::abort(). Two hooks, to be defined (the same way
// in every translation unit, e.g. on the compiler command line) before the
// first vpnwire include:
//  - VPNWIRE_ASSERT_HANDLER(condition, file, line): called on a failure with
//    the condition's text, __FILE__ and __LINE__ instead of the default
//    message (to log it your way, or to throw where exceptions are
//    available and the caller is not noexcept); if it returns, the program
//    aborts;
//  - VPNWIRE_ASSERT(cond): replaces the check itself (e.g. with your own
//    assert macro). It must not evaluate to a value.
#ifndef VPNWIRE_ASSERT
#include <cstdio>
#include <cstdlib>

namespace vpnwire {
inline namespace v1 {
namespace detail {
/// Reports a failed VPNWIRE_ASSERT (see above) and aborts.
[[noreturn]] inline void assertion_failed(const char *condition, const char *file, int line) noexcept {
#ifdef VPNWIRE_ASSERT_HANDLER
  VPNWIRE_ASSERT_HANDLER(condition, file, line);
#else
  (void)std::fprintf(stderr, "vpnwire: assertion failed: %s (%s:%d)\n", condition, file, line);
  (void)std::fflush(stderr);
#endif
  std::abort();
}
} // namespace detail
} // namespace v1
} // namespace vpnwire

// The report is made from a cold, out-of-line lambda: the checked code only
// holds a compare, a branch and a call with no arguments, as small as a trap
// instruction would be (accessors such as result::value() are on hot paths).
#if defined(__GNUC__) || defined(__clang__)
#define VPNWIRE_ASSERT(cond)                                                                                           \
  do {                                                                                                                 \
    if (VPNWIRE_UNLIKELY(!(cond))) []() __attribute__((cold, noinline, noreturn)) {                                    \
        ::vpnwire::detail::assertion_failed(#cond, __FILE__, __LINE__);                                                \
      }                                                                                                                \
    ();                                                                                                                \
  } while (false)
#else
#define VPNWIRE_ASSERT(cond)                                                                                           \
  do {                                                                                                                 \
    if (!(cond)) ::vpnwire::detail::assertion_failed(#cond, __FILE__, __LINE__);                                       \
  } while (false)
#endif
#endif
