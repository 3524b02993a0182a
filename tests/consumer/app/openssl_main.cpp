// Consumer program for the openssl component (vpnwire::openssl): hashes the
// RFC 1321 §A.5 test strings through the OpenSSL MD5 backend, so it only links
// and passes when the component brings libcrypto with it.
#include <vpnwire/crypto/openssl_digest.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <string_view>

namespace {
struct vector {
  std::string_view message;
  std::string_view md5;
};
constexpr std::array<vector, 3> rfc1321{{
    {"", "d41d8cd98f00b204e9800998ecf8427e"},
    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
}};
} // namespace

int main() {
  vpnwire::crypto::openssl_md5 md5;
  int failures = 0;
  for (const vector &v : rfc1321) {
    std::array<std::byte, vpnwire::crypto::openssl_md5::digest_size> out{};
    const bool ok = md5.reset() && md5.update(vpnwire::as_bytes(v.message)) && md5.finish(out);
    std::array<char, 2 * out.size() + 1> hex{};
    for (std::size_t i = 0; i < out.size(); ++i) std::snprintf(&hex[2 * i], 3, "%02x", static_cast<unsigned>(out[i]));
    const std::string_view got(hex.data(), 2 * out.size());
    std::printf("md5(\"%.*s\") = %s %s\n", static_cast<int>(v.message.size()), v.message.data(), hex.data(),
                ok && got == v.md5 ? "ok" : "WRONG");
    if (!ok || got != v.md5) ++failures;
  }
  return failures == 0 ? 0 : 1;
}
