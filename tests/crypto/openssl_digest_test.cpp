// The OpenSSL MD5 backend against the RFC 1321 §A.5 test suite, and the
// concept's contract (reset reuses the context, misuse reports false).
#include "vpnwire/crypto/openssl_digest.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

using vpnwire::as_bytes;
using vpnwire::crypto::openssl_md5;
using vpnwire_test::to_hex;

namespace {
std::string md5_hex(openssl_md5 &d, std::string_view s) {
  std::array<std::byte, 16> out{};
  EXPECT_TRUE(d.reset());
  EXPECT_TRUE(d.update(as_bytes(s)));
  EXPECT_TRUE(d.finish(out));
  return to_hex(out);
}
} // namespace

TEST(OpenSslMd5, MatchesRfc1321TestSuite) {
  openssl_md5 d;
  ASSERT_TRUE(d.ok());
  // RFC 1321 Appendix A.5; one context reused for all of them.
  EXPECT_EQ(md5_hex(d, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex(d, "a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex(d, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex(d, "message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex(d, "abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex(d, "12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(OpenSslMd5, UpdatesConcatenate) {
  openssl_md5 d;
  std::array<std::byte, 16> out{};
  ASSERT_TRUE(d.reset());
  ASSERT_TRUE(d.update(as_bytes("message ")));
  ASSERT_TRUE(d.update(as_bytes("")));
  ASSERT_TRUE(d.update(as_bytes("digest")));
  ASSERT_TRUE(d.finish(out));
  EXPECT_EQ(to_hex(out), "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST(OpenSslMd5, UpdateOrFinishWithoutResetFails) {
  openssl_md5 d;
  std::array<std::byte, 16> out{};
  EXPECT_FALSE(d.update(as_bytes("x")));
  EXPECT_FALSE(d.finish(out));
  ASSERT_TRUE(d.reset());
  ASSERT_TRUE(d.finish(out));
  EXPECT_FALSE(d.finish(out)); // a finished hash needs a new reset
}

TEST(OpenSslMd5, MovedFromObjectReportsFailure) {
  openssl_md5 a;
  openssl_md5 b(std::move(a));
  EXPECT_FALSE(a.ok()); // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_FALSE(a.reset());
  EXPECT_TRUE(b.reset());
}
