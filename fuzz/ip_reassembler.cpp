// Fuzz target: ip::reassembler fed arbitrary fragment streams.
//
// Input: 4 configuration bytes (policy, fragment cap, budget, block size,
// slots), then 8-byte records, each one fragment: time step, key choice,
// offset, length, flags (MF, DF, content mode, header damage) and a fill
// byte. Fragments whose content is "consistent" carry, at every datagram
// offset, the byte pattern(key, offset), so any policy must deliver exactly
// that pattern for a key that never received inconsistent bytes.
//
// Invariants: memory stays within the byte budget and the footprint never
// changes; at most max_datagrams are in progress; every output is a
// consistent, unfragmented IPv4 datagram whose bytes are the pattern (when
// untainted); the counters add up.
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/reassembler.hpp"

#include "fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;

namespace {

std::byte pattern(unsigned key, std::size_t pos) {
  return static_cast<std::byte>((pos * 131 + std::size_t{key} * 29 + (pos >> 8)) & 0xFF);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 4) return 0;
  ip::reassembler_config cfg;
  cfg.policy = static_cast<ip::overlap_policy>(data[0] % 8);
  cfg.max_fragments = 1 + (data[1] % 70);
  cfg.byte_budget = std::size_t{64} << (data[2] % 12);
  cfg.block_size = std::size_t{64} << ((data[2] >> 4) % 6);
  cfg.max_datagrams = 1 + (data[3] % 16);
  cfg.timeout = std::chrono::milliseconds(1 + (data[3] >> 4) * 10);
  cfg.hash_seed = 0x0123456789ABCDEFULL;
  ip::reassembler r(cfg);
  const std::size_t footprint = r.memory_footprint();

  std::array<bool, 16> tainted{};
  std::vector<std::byte> pkt(60 + 65535 + 8);
  std::vector<std::byte> out(65535);
  time_point now = from_nanoseconds(0);
  std::uint64_t submitted = 0;

  for (std::size_t at = 4; at + 8 <= size; at += 8) {
    const std::uint8_t *rec = data + at;
    now += std::chrono::microseconds(rec[0] * 50);
    const unsigned key = rec[1] & 15U; // id (2 bits), proto (1), context (1)
    const std::uint32_t offset = rec[2] & 0x80 ? (static_cast<std::uint32_t>(rec[2] & 0x7F) << 9) * 8 % 65536
                                               : static_cast<std::uint32_t>(rec[2]) * 8;
    std::size_t len = rec[3] | ((rec[4] & 0x0FU) << 8);
    const bool mf = rec[4] & 0x10;
    const bool consistent = (rec[4] & 0x20) == 0;
    const bool damage = (rec[4] & 0xC0) == 0xC0;
    const std::uint8_t ihl = static_cast<std::uint8_t>(5 + (rec[5] & 3));
    const std::size_t hlen = std::size_t{ihl} * 4;
    if (offset + len > 65535 + 16) len = 65535 + 16 - offset;
    if (hlen + len > 65535) len = 65535 - hlen;

    std::byte *o = pkt.data();
    o[0] = static_cast<std::byte>(0x40 | ihl);
    o[1] = std::byte{0};
    core::store_be16(o + 2, static_cast<std::uint16_t>(hlen + len));
    core::store_be16(o + 4, static_cast<std::uint16_t>(0x1000 + (key & 3)));
    core::store_be16(o + 6, static_cast<std::uint16_t>(((offset / 8) & 0x1FFF) | (mf ? 0x2000 : 0)));
    o[8] = std::byte{64};
    o[9] = static_cast<std::byte>(key & 4 ? 6 : 17);
    core::store_be32(o + 12, 0x0A000001);
    core::store_be32(o + 16, 0x0A000002);
    for (std::size_t i = 20; i < hlen; ++i) o[i] = std::byte{1};
    core::store_be16(o + 10, 0);
    core::store_be16(o + 10, ip::ipv4_header_checksum(bytes_view(o, hlen)));
    for (std::size_t i = 0; i < len; ++i) o[hlen + i] = consistent ? pattern(key, offset + i) : std::byte{rec[6]};
    if (damage) o[rec[7] % hlen] ^= std::byte{rec[6]};
    if (!consistent && len != 0) tainted[key] = true;
    if (damage) tainted.fill(true); // a damaged header may land in another key's datagram
    const std::uint64_t ctx = key & 8 ? 1 : 0;

    const bool caller_buffer = rec[5] & 4;
    const mutable_bytes ob =
        caller_buffer ? mutable_bytes(out).first(rec[7] % 2 ? out.size() : (rec[6] * 64U)) : mutable_bytes{};
    auto d = caller_buffer ? r.submit(bytes_view(o, hlen + len), ctx, now, ob)
                           : r.submit(bytes_view(o, hlen + len), ctx, now);
    ++submitted;
    if (d && d->status == ip::delivery_status::complete) {
      auto v = ip::parse_ipv4(d->datagram);
      FUZZ_CHECK(v.has_value());
      FUZZ_CHECK(!v->more_fragments());
      FUZZ_CHECK(v->fragment_offset() == 0);
      FUZZ_CHECK(v->total_length() == d->datagram.size());
      FUZZ_CHECK(v->identification() == 0x1000 + (key & 3));
      if (!damage && !tainted[key]) {
        const bytes_view p = v->payload();
        for (std::size_t i = 0; i < p.size(); ++i) FUZZ_CHECK(p[i] == pattern(key, i));
      }
      // The same key can be reused from now on: a new datagram starts clean.
      tainted[key] = false;
    }
    FUZZ_CHECK(r.bytes_in_use() <= r.byte_budget());
    FUZZ_CHECK(r.in_progress() <= cfg.max_datagrams);
    FUZZ_CHECK(r.memory_footprint() == footprint);
  }
  const auto &c = r.counters();
  FUZZ_CHECK(c.requests == submitted);
  FUZZ_CHECK(c.started == c.reassembled + c.failed + c.timed_out + c.evicted + r.in_progress());
  std::uint64_t outcomes = c.not_fragments + c.stored + c.reassembled + c.malformed + c.misaligned + c.oversize +
                           c.inconsistent + c.duplicates + c.too_many_fragments + c.budget_exhausted +
                           c.output_too_small;
  if (r.config().policy == ip::overlap_policy::rfc5722) outcomes += c.overlaps;
  FUZZ_CHECK(c.requests == outcomes);
  r.expire(now + std::chrono::hours(1));
  FUZZ_CHECK(r.in_progress() == 0);
  FUZZ_CHECK(r.bytes_in_use() == 0);
  return 0;
}
