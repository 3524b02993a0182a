// Fuzz target: TCP MSS clamping on arbitrary packets.
//
// Invariants: on error nothing is written; on success at most the MSS value
// and the TCP checksum change, the MSS never rises, and a segment whose
// checksum verified before still verifies after (RFC 1624 update).
#include "vpnwire/ip/mss_clamp.hpp"
#include "vpnwire/ip/udp.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) return 0;
  const auto limit = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  std::vector<std::byte> pkt(size - 2);
  if (!pkt.empty()) std::memcpy(pkt.data(), data + 2, pkt.size());
  const std::vector<std::byte> before = pkt;
  bool verified_before = false;
  if (auto v = ip::parse_ipv4_unchecked(pkt);
      v && v->protocol() == ip::proto::tcp && v->fragment_offset() == 0 && !v->more_fragments())
    verified_before = ip::pseudo_header_checksum(v->source(), v->destination(), 6, v->payload()) == 0;

  auto r = ip::clamp_mss(pkt, limit);
  if (!r || r->status != ip::mss_clamp_status::clamped) {
    FUZZ_CHECK(pkt == before);
    if (r && r->status == ip::mss_clamp_status::already_below) FUZZ_CHECK(r->old_mss <= limit);
    return 0;
  }
  FUZZ_CHECK(r->new_mss == limit && r->old_mss > limit);
  auto v = ip::parse_ipv4_unchecked(pkt);
  FUZZ_CHECK(v.has_value());
  const std::size_t ihl = v->header_length();
  std::size_t changed = 0;
  for (std::size_t i = 0; i < pkt.size(); ++i) {
    if (pkt[i] == before[i]) continue;
    ++changed;
    const bool in_checksum = i == ihl + 16 || i == ihl + 17;
    const bool in_options = i >= ihl + 20 && i < ihl + 60;
    FUZZ_CHECK(in_checksum || in_options);
  }
  FUZZ_CHECK(changed <= 4);
  if (verified_before) FUZZ_CHECK(ip::pseudo_header_checksum(v->source(), v->destination(), 6, v->payload()) == 0);
  return 0;
}
