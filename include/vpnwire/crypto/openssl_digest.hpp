// OpenSSL 3 backend of crypto::md5_like: MD5 through the EVP interface.
// The only vpnwire header that includes OpenSSL for digests; link with
// vpnwire::openssl.
//
// One openssl_md5 object owns one EVP_MD_CTX, allocated at construction and
// reused for every hash (no allocation per message). It is movable, not
// copyable, and not thread-safe: use one per thread.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/crypto/digest.hpp"

#include <openssl/evp.h>

#include <cstddef>
#include <span>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace crypto {

class openssl_md5 {
public:
  static constexpr std::size_t digest_size = 16;

  /// Allocates the context; ok() is false if OpenSSL could not provide one.
  openssl_md5() noexcept : ctx_(EVP_MD_CTX_new()) {}
  openssl_md5(const openssl_md5 &) = delete;
  openssl_md5 &operator=(const openssl_md5 &) = delete;
  openssl_md5(openssl_md5 &&o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)), started_(o.started_) {}
  openssl_md5 &operator=(openssl_md5 &&o) noexcept {
    if (this != &o) {
      EVP_MD_CTX_free(ctx_);
      ctx_ = std::exchange(o.ctx_, nullptr);
      started_ = o.started_;
    }
    return *this;
  }
  ~openssl_md5() { EVP_MD_CTX_free(ctx_); }

  /// The context exists (allocation succeeded).
  [[nodiscard]] bool ok() const noexcept { return ctx_ != nullptr; }

  /// Starts a new hash. False if the context is missing or MD5 is unavailable (FIPS).
  [[nodiscard]] bool reset() noexcept {
    started_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr) == 1;
    return started_;
  }
  /// Adds bytes. False if reset() did not succeed or OpenSSL fails.
  [[nodiscard]] bool update(bytes_view in) noexcept {
    if (!started_) return false;
    if (in.empty()) return true;
    return EVP_DigestUpdate(ctx_, in.data(), in.size()) == 1;
  }
  /// Writes the 16-byte digest; a new reset() is needed before the next hash.
  [[nodiscard]] bool finish(std::span<std::byte, digest_size> out) noexcept {
    if (!started_) return false;
    started_ = false;
    unsigned int n = 0;
    return EVP_DigestFinal_ex(ctx_, core::uc(out.data()), &n) == 1 && n == digest_size;
  }

private:
  EVP_MD_CTX *ctx_ = nullptr;
  bool started_ = false;
};

static_assert(md5_like<openssl_md5>);

} // namespace crypto
} // namespace v1
} // namespace vpnwire
