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

// A violated precondition of an accessor (for example value() on an error
// result) is a programming error, not a wire error: it traps in every build
// mode instead of reading garbage.
#define VPNWIRE_ASSERT(cond)                                                                                           \
  do {                                                                                                                 \
    if (VPNWIRE_UNLIKELY(!(cond))) __builtin_trap();                                                                   \
  } while (false)
