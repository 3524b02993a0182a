// Shared by the IP-TFS tests: inner packets that carry an id, a recording
// sink, and a channel that loses, duplicates and reorders outer payloads.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/ip/ipv4.hpp"

#include "test_bytes.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace iptfs_test {

using bytes = std::vector<std::byte>;
using vpnwire::bytes_view;

/// An IPv4/UDP-like packet of `n` bytes (n >= 24): a valid 20-byte header
/// (id in the Identification field too), the 4-byte id, then a pattern.
inline bytes ipv4_packet(std::size_t n, std::uint32_t id) {
  bytes p(n);
  p[0] = std::byte{0x45};
  vpnwire::core::store_be16(p.data() + 2, static_cast<std::uint16_t>(n));
  vpnwire::core::store_be16(p.data() + 4, static_cast<std::uint16_t>(id));
  p[8] = std::byte{64};
  p[9] = std::byte{17};
  vpnwire::core::store_be32(p.data() + 12, 0x0A000001);
  vpnwire::core::store_be32(p.data() + 16, 0x0A000002);
  vpnwire::core::store_be16(p.data() + 10, vpnwire::ip::ipv4_header_checksum(bytes_view(p).first(20)));
  vpnwire::core::store_be32(p.data() + 20, id);
  for (std::size_t i = 24; i < n; ++i) p[i] = static_cast<std::byte>((id * 31 + i) & 0xFF);
  return p;
}

/// An IPv6 packet of `n` bytes (n >= 44): 40-byte header, the id, a pattern.
inline bytes ipv6_packet(std::size_t n, std::uint32_t id) {
  bytes p(n);
  p[0] = std::byte{0x60};
  vpnwire::core::store_be16(p.data() + 4, static_cast<std::uint16_t>(n - 40));
  p[6] = std::byte{17};
  p[7] = std::byte{64};
  p[8] = std::byte{0x20};
  p[9] = std::byte{0x01};
  p[24] = std::byte{0x20};
  p[25] = std::byte{0x01};
  p[39] = std::byte{2};
  vpnwire::core::store_be32(p.data() + 40, id);
  for (std::size_t i = 44; i < n; ++i) p[i] = static_cast<std::byte>((id * 17 + i) & 0xFF);
  return p;
}

/// The id an ipv4_packet / ipv6_packet carries.
inline std::uint32_t packet_id(bytes_view p) {
  const std::size_t at = (std::to_integer<unsigned>(p[0]) >> 4) == 4 ? 20 : 40;
  return vpnwire::core::load_be32(p.data() + at);
}

/// Records what a receiver delivers.
struct recorder {
  std::vector<bytes> packets;
  auto sink() {
    return [this](bytes_view b) { packets.emplace_back(b.begin(), b.end()); };
  }
  [[nodiscard]] std::vector<std::uint32_t> ids() const {
    std::vector<std::uint32_t> v;
    for (const auto &p : packets) v.push_back(packet_id(p));
    return v;
  }
};

/// One outer payload on its way: its sequence number and bytes.
struct outer {
  std::uint64_t seq = 0;
  bytes payload;
  bool dummy = false;
};

/// Reordering, loss and duplication. Reordering shuffles blocks of
/// max_overtake + 1 consecutive sequence numbers (before the losses), so a
/// payload is overtaken by at most max_overtake others, each at most
/// max_overtake numbers ahead of it: what a receiver whose window holds that
/// many payloads, that far ahead, must absorb.
struct channel {
  double loss = 0.0;
  double duplicate = 0.0;
  std::size_t max_overtake = 0;
  std::vector<outer> apply(const std::vector<outer> &in, std::mt19937_64 &rng) const {
    std::vector<outer> shuffled = in;
    const std::size_t block = max_overtake + 1;
    for (std::size_t i = 0; i < shuffled.size(); i += block)
      std::shuffle(shuffled.begin() + static_cast<std::ptrdiff_t>(i),
                   shuffled.begin() + static_cast<std::ptrdiff_t>(std::min(shuffled.size(), i + block)), rng);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<outer> out;
    for (const outer &o : shuffled) {
      if (u(rng) < loss) continue;
      out.push_back(o);
      if (u(rng) < duplicate) out.push_back(o);
    }
    return out;
  }
};

} // namespace iptfs_test
