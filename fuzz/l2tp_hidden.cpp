// Fuzz target: hidden AVP decoding (RFC 2661 §4.3).
// Input: [secret length][rv length][type hi][type lo] secret rv ciphertext.
// Invariants: decoding never reads or writes outside its spans and leaves
// the ciphertext untouched; a decoded value fits the ciphertext minus the
// length field; and encoding the value again with the decrypted padding
// reproduces the ciphertext bit for bit.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/hidden.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 4) return 0;
  const std::size_t ks = data[0] % 64, rs = data[1] % 64;
  const auto type = static_cast<std::uint16_t>(data[2] << 8 | data[3]);
  if (size < 4 + ks + rs) return 0;
  auto copy = [&](std::size_t off, std::size_t n) {
    std::vector<std::byte> v(n);
    if (n) std::memcpy(v.data(), data + off, n);
    return v;
  };
  const auto secret = copy(4, ks);
  const auto rv = copy(4 + ks, rs);
  const auto ct = copy(4 + ks + rs, size - 4 - ks - rs);
  const auto before = ct;
  static crypto::openssl_md5 md5;
  std::vector<std::byte> out(ct.size());
  auto v = l2tp::decode_hidden(md5, type, ct, secret, rv, out);
  FUZZ_CHECK(ct == before);
  if (!v) {
    FUZZ_CHECK(v.offset() == 0);
    return 0;
  }
  FUZZ_CHECK(v->size() + 2 <= ct.size());
  FUZZ_CHECK(v->data() == out.data() + 2);
  if (ct.size() > 1017) return 0; // build_hidden_value enforces the AVP size limit
  const bytes_view padding = std::span(out).subspan(2 + v->size());
  const std::vector<std::byte> value(v->begin(), v->end());
  std::vector<std::byte> again(ct.size());
  auto n = l2tp::build_hidden_value(again, md5, type, secret, rv, value, padding);
  FUZZ_CHECK(n.has_value() && *n == ct.size());
  FUZZ_CHECK(again == ct);
  return 0;
}
