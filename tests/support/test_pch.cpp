// The translation unit of the vpnwire_test_pch target (cmake/vpnwireHelpers.cmake),
// which exists to build the precompiled <gtest/gtest.h> that the test binaries reuse.
#include <gtest/gtest.h>
