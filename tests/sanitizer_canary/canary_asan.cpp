// Deliberately reads one byte past a heap block through a byte_reader that
// was handed a span longer than its storage: the classic zero-copy bug.
// Under ASan this test must fail.
#include "vpnwire/core/bytes.hpp"

#include <gtest/gtest.h>

#include <memory>

TEST(SanitizerCanary, HeapOverreadIsCaught) {
  auto storage = std::make_unique<std::byte[]>(4);
  vpnwire::core::byte_reader r(std::span<const std::byte>(storage.get(), 5)); // lies about the size
  ASSERT_TRUE(r.skip(4));
  volatile auto v = r.u8(); // reads storage[4]
  (void)v;
}
