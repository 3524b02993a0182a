// Shared by the ESP tests: the vector file reader and SA helpers.
#pragma once

#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/outbound_sa.hpp"

#include "test_bytes.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace esp_test {

using vpnwire::esp::crypto::openssl_transform;
using outbound = vpnwire::esp::outbound_sa<openssl_transform>;
using inbound = vpnwire::esp::inbound_sa<openssl_transform>;

/// One [section] of a vector file: field name to value (continuation lines
/// that start with whitespace are appended).
struct vector_case {
  std::string name;
  std::map<std::string, std::string> fields;
  [[nodiscard]] std::vector<std::byte> bytes(const std::string &k) const { return vpnwire_test::hex(fields.at(k)); }
  [[nodiscard]] const std::string &text(const std::string &k) const { return fields.at(k); }
  [[nodiscard]] bool has(const std::string &k) const { return fields.count(k) != 0; }
};

inline std::string data_path(const std::string &file) {
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/tests/data/esp/" + file;
}

inline std::vector<vector_case> read_vectors(const std::string &file) {
  std::ifstream in(data_path(file));
  std::vector<vector_case> out;
  std::string line, last_key;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      out.push_back({line.substr(1, line.find(']') - 1), {}});
      continue;
    }
    if (out.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      out.back().fields[last_key] += " " + line;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq);
    while (!k.empty() && k.back() == ' ') k.pop_back();
    last_key = k;
    out.back().fields[k] = line.substr(eq + 1);
  }
  return out;
}

inline std::uint64_t be_number(const std::vector<std::byte> &b) {
  std::uint64_t v = 0;
  for (std::byte x : b) v = (v << 8) | std::to_integer<std::uint64_t>(x);
  return v;
}

inline openssl_transform make_crypto(const vpnwire::esp::sa_config &cfg, const std::vector<std::byte> &ck,
                                     const std::vector<std::byte> &ik) {
  auto t = openssl_transform::make(cfg, ck, ik);
  if (!t) std::abort();
  return std::move(t).value();
}

/// Keys of the right length for cfg, filled from a seed.
inline std::pair<std::vector<std::byte>, std::vector<std::byte>> keys_for(const vpnwire::esp::sa_config &cfg,
                                                                          unsigned seed) {
  std::vector<std::byte> ck(cfg.cipher_key_size()), ik(cfg.integrity_key_size());
  for (std::size_t i = 0; i < ck.size(); ++i) ck[i] = static_cast<std::byte>(seed * 31 + i * 7 + 1);
  for (std::size_t i = 0; i < ik.size(); ++i) ik[i] = static_cast<std::byte>(seed * 17 + i * 5 + 3);
  return {ck, ik};
}

} // namespace esp_test
