// 15.5: seq/reorder_window.hpp is the single-threaded window only, so a
// user of it compiles no atomics; the multi-producer window and the
// umbrella bring them. The standard library marks <atomic> with a guard
// macro (libstdc++ _GLIBCXX_ATOMIC, libc++ _LIBCPP_ATOMIC); its state is
// recorded right after the include, before anything else can pull it in.
#include "vpnwire/seq/reorder_window.hpp"
#if defined(_GLIBCXX_ATOMIC) || defined(_LIBCPP_ATOMIC)
constexpr bool atomic_after_single_threaded_header = true;
#else
constexpr bool atomic_after_single_threaded_header = false;
#endif
#include "vpnwire/seq/reorder_windows.hpp"
#if defined(_GLIBCXX_ATOMIC) || defined(_LIBCPP_ATOMIC)
constexpr bool atomic_after_umbrella = true;
#else
constexpr bool atomic_after_umbrella = false;
#endif

#include <gtest/gtest.h>

TEST(SeqHeaders, TheSingleThreadedWindowCompilesNoAtomics) {
  EXPECT_FALSE(atomic_after_single_threaded_header);
  EXPECT_TRUE(atomic_after_umbrella); // the guard macro is the right one: the multi-producer window has it
  // Both variants are reachable through the umbrella.
  vpnwire::seq::reorder_window<int, 16, 8> single;
  vpnwire::seq::reorder_window<int, 16, 8, vpnwire::seq::policy, vpnwire::seq::multi_producer> multi;
  EXPECT_EQ(single.held(), 0U);
  EXPECT_EQ(multi.held(), 0U);
}
