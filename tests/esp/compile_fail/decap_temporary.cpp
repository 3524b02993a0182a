// inbound_sa::decap() decrypts in place and returns a sub-span: a temporary
// vector (or a read-only one) must not compile.
#include "vpnwire/esp/crypto/concepts.hpp"
#include "vpnwire/esp/inbound_sa.hpp"

#include <cstddef>
#include <vector>

// The smallest transform the codec accepts; it never runs here.
struct null_transform {
  [[nodiscard]] bool is_aead() const noexcept { return false; }
  bool seal(vpnwire::bytes_view, vpnwire::bytes_view, vpnwire::bytes_view, vpnwire::mutable_bytes,
            vpnwire::mutable_bytes) noexcept {
    return false;
  }
  bool open(vpnwire::bytes_view, vpnwire::bytes_view, vpnwire::bytes_view, vpnwire::mutable_bytes,
            vpnwire::bytes_view) noexcept {
    return false;
  }
  bool encrypt(vpnwire::bytes_view, vpnwire::mutable_bytes) noexcept { return true; }
  bool decrypt(vpnwire::bytes_view, vpnwire::mutable_bytes) noexcept { return true; }
  bool compute(vpnwire::bytes_view, vpnwire::bytes_view, vpnwire::mutable_bytes) noexcept { return false; }
};

std::vector<std::byte> make_vec() { return std::vector<std::byte>(64, std::byte{0}); }

int main() {
  vpnwire::esp::inbound_sa<null_transform> rx;
#if VPNWIRE_COMPILE_FAIL
  auto d = rx.decap(make_vec());
#else
  auto v = make_vec();
  auto d = rx.decap(v);
#endif
  return d ? 0 : 1;
}
