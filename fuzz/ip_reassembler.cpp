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
//
// The same stream also goes to the zero-copy reassembler (each fragment in
// its own buffer, its index as the token), checked for the same invariants
// and for its contract: a chain's pieces lie in the buffers of the tokens it
// hands back, and every token taken comes back exactly once, in a
// completion or through the release callback (at the latest when
// everything expires at the end).
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/reassembler.hpp"

#include "fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

using namespace vpnwire;

namespace {

std::byte pattern(unsigned key, std::size_t pos) {
  return static_cast<std::byte>((pos * 131 + std::size_t{key} * 29 + (pos >> 8)) & 0xFF);
}

// A delivered datagram: unfragmented, consistent, the pattern when untainted.
void check_datagram(bytes_view datagram, unsigned key, bool check_bytes) {
  auto v = ip::parse_ipv4(datagram);
  FUZZ_CHECK(v.has_value());
  FUZZ_CHECK(!v->more_fragments());
  FUZZ_CHECK(v->fragment_offset() == 0);
  FUZZ_CHECK(v->total_length() == datagram.size());
  FUZZ_CHECK(v->identification() == 0x1000 + (key & 3));
  if (check_bytes) {
    const bytes_view p = v->payload();
    for (std::size_t i = 0; i < p.size(); ++i) FUZZ_CHECK(p[i] == pattern(key, i));
  }
}

// Per token: 0 not taken, 1 held by the zero-copy reassembler, 2 handed back.
struct token_states {
  std::vector<std::uint8_t> state;
  static void release(void *ctx, std::uint64_t token) noexcept {
    auto &st = static_cast<token_states *>(ctx)->state;
    FUZZ_CHECK(token < st.size() && st[token] == 1);
    st[token] = 2;
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 4) return 0;
  ip::reassembler_config cfg;
  cfg.policy = static_cast<ip::overlap_policy>(data[0] % 9);
  cfg.max_fragments = 1 + (data[1] % 70);
  cfg.byte_budget = std::size_t{64} << (data[2] % 12);
  cfg.block_size = std::size_t{64} << ((data[2] >> 4) % 6);
  cfg.max_datagrams = 1 + (data[3] % 16);
  cfg.timeout = std::chrono::milliseconds(1 + (data[3] >> 4) * 10);
  cfg.hash_seed = 0x0123456789ABCDEFULL;
  ip::reassembler r(cfg);
  const std::size_t footprint = r.memory_footprint();
  token_states tokens;
  ip::reassembler_config zcfg = cfg;
  zcfg.release = &token_states::release;
  zcfg.release_context = &tokens;
  ip::borrowing_reassembler z(zcfg);
  const std::size_t zfootprint = z.memory_footprint();
  std::deque<std::vector<std::byte>> buffers; // the caller's fragment buffers, by token
  std::array<bool, 16> ztainted{};

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
    if (!consistent && len != 0) tainted[key] = ztainted[key] = true;
    if (damage) { // a damaged header may land in another key's datagram
      tainted.fill(true);
      ztainted.fill(true);
    }
    const std::uint64_t ctx = key & 8 ? 1 : 0;

    const bool caller_buffer = rec[5] & 4;
    const mutable_bytes ob =
        caller_buffer ? mutable_bytes(out).first(rec[7] % 2 ? out.size() : (rec[6] * 64U)) : mutable_bytes{};
    auto d = caller_buffer ? r.submit(bytes_view(o, hlen + len), ctx, now, ob)
                           : r.submit(bytes_view(o, hlen + len), ctx, now);
    ++submitted;
    if (d && d->status == ip::delivery_status::complete) {
      check_datagram(d->datagram, key, !damage && !tainted[key]);
      // The same key can be reused from now on: a new datagram starts clean.
      tainted[key] = false;
    }

    // Zero copy: the fragment stays in its own buffer while it is held.
    buffers.emplace_back(o, o + hlen + len);
    const std::uint64_t token = buffers.size() - 1;
    tokens.state.push_back(0);
    auto zd = z.submit(buffers.back(), token, ctx, now);
    if (zd && zd->status != ip::delivery_status::not_fragment) tokens.state[token] = 1;
    if (zd && zd->status == ip::delivery_status::complete) {
      std::size_t payload = 0;
      for (const bytes_view piece : zd->payload) {
        bool inside = false;
        for (const std::uint64_t t : zd->tokens) {
          const auto &b = buffers[t];
          inside = inside || (piece.data() >= b.data() && piece.data() + piece.size() <= b.data() + b.size());
        }
        FUZZ_CHECK(inside);
        payload += piece.size();
      }
      FUZZ_CHECK(zd->header.size() + payload == zd->total_length);
      for (const std::uint64_t t : zd->tokens) {
        FUZZ_CHECK(t < tokens.state.size() && tokens.state[t] == 1);
        tokens.state[t] = 2;
      }
      std::vector<std::byte> whole(zd->total_length);
      FUZZ_CHECK(ip::gather(*zd, whole) == whole.size());
      check_datagram(whole, key, !damage && !ztainted[key]);
      ztainted[key] = false;
    }
    FUZZ_CHECK(z.bytes_in_use() <= z.byte_budget());
    FUZZ_CHECK(z.in_progress() <= cfg.max_datagrams);
    FUZZ_CHECK(z.memory_footprint() == zfootprint);
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
  if (r.config().policy == ip::overlap_policy::rfc5722 || r.config().policy == ip::overlap_policy::linux_current)
    outcomes += c.overlaps;
  FUZZ_CHECK(c.requests == outcomes);
  r.expire(now + std::chrono::hours(1));
  FUZZ_CHECK(r.in_progress() == 0);
  FUZZ_CHECK(r.bytes_in_use() == 0);

  const auto &zc = z.counters();
  FUZZ_CHECK(zc.requests == submitted);
  FUZZ_CHECK(zc.started == zc.reassembled + zc.failed + zc.timed_out + zc.evicted + z.in_progress());
  z.expire(now + std::chrono::hours(1));
  FUZZ_CHECK(z.in_progress() == 0);
  FUZZ_CHECK(z.bytes_in_use() == 0);
  for (const std::uint8_t st : tokens.state) FUZZ_CHECK(st != 1); // every token taken came back
  return 0;
}
