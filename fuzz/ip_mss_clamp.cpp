// Fuzz target: TCP MSS clamping on arbitrary IPv4 and IPv6 packets
// (clamp_mss picks the family by the version field).
//
// Invariants: on error nothing is written; on success at most the MSS value
// and the TCP checksum change, both inside the TCP header (IPv6: after the
// extension headers), the MSS never rises, and a segment whose checksum
// verified before still verifies after (RFC 1624 update; the pseudo-header
// of either family does not change).
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/mss_clamp.hpp"
#include "vpnwire/ip/udp.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

using namespace vpnwire;

namespace {

/// Where the TCP header of an unfragmented (or first-fragment) TCP packet
/// starts, and whether its checksum verifies; nullopt when it is not one.
struct tcp_at {
  std::size_t offset = 0;
  bool checksum_ok = false;
};
std::optional<tcp_at> find_tcp(const std::vector<std::byte> &pkt) {
  if (pkt.empty()) return std::nullopt;
  if ((std::to_integer<unsigned>(pkt[0]) >> 4) == 6) {
    auto v = ip::parse_ipv6(bytes_view(pkt));
    if (!v) return std::nullopt;
    auto ul = v->upper_layer();
    if (!ul || ul->protocol != ip::proto::tcp || (ul->is_fragment() && ul->fragment_offset != 0)) return std::nullopt;
    const bool whole = !ul->is_fragment();
    return tcp_at{ul->offset,
                  whole && ip::pseudo_header_checksum(v->source(), v->destination(), ip::proto::tcp, ul->bytes) == 0};
  }
  auto v = ip::parse_ipv4_unchecked(pkt);
  if (!v || v->protocol() != ip::proto::tcp || v->fragment_offset() != 0) return std::nullopt;
  const bool whole = !v->more_fragments();
  return tcp_at{v->header_length(),
                whole && ip::pseudo_header_checksum(v->source(), v->destination(), 6, v->payload()) == 0};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) return 0;
  const auto limit = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  std::vector<std::byte> pkt(size - 2);
  if (!pkt.empty()) std::memcpy(pkt.data(), data + 2, pkt.size());
  const std::vector<std::byte> before = pkt;
  const std::optional<tcp_at> tcp_before = find_tcp(pkt);

  auto r = ip::clamp_mss(pkt, limit);
  if (!r || r->status != ip::mss_clamp_status::clamped) {
    FUZZ_CHECK(pkt == before);
    if (r && r->status == ip::mss_clamp_status::already_below) FUZZ_CHECK(r->old_mss <= limit);
    return 0;
  }
  FUZZ_CHECK(r->new_mss == limit && r->old_mss > limit);
  // Only a TCP segment the parsers recognise can be clamped, and clamping
  // changes neither the IP header nor the extension headers.
  FUZZ_CHECK(tcp_before.has_value());
  const std::optional<tcp_at> tcp_after = find_tcp(pkt);
  FUZZ_CHECK(tcp_after.has_value() && tcp_after->offset == tcp_before->offset);
  const std::size_t th = tcp_before->offset;
  std::size_t changed = 0;
  for (std::size_t i = 0; i < pkt.size(); ++i) {
    if (pkt[i] == before[i]) continue;
    ++changed;
    const bool in_checksum = i == th + 16 || i == th + 17;
    const bool in_options = i >= th + 20 && i < th + 60;
    FUZZ_CHECK(in_checksum || in_options);
  }
  FUZZ_CHECK(changed <= 4);
  if (tcp_before->checksum_ok) FUZZ_CHECK(tcp_after->checksum_ok);
  return 0;
}
