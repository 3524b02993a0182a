// Fuzz target: ip::ipv6_reassembler and ip::ipv6_borrowing_reassembler fed
// arbitrary IPv6 fragment streams.
//
// Input: 4 configuration bytes (policy, fragment cap, budget and block size,
// slots and timeout), then 8-byte records, each one packet: time step, key
// choice (identification, source, context), offset, length, flags (M,
// content mode, header damage, a Fragment header or not), Routing headers
// before the Fragment header (0-2) and a fill byte. The fragmentable part
// of a key's datagram carries, at every offset, pattern(key, offset),
// except that its first two bytes make it start with an 8-byte Destination
// Options header naming UDP, so a first fragment of at least 16 bytes
// carries the whole chain (RFC 7112) and a shorter one does not.
//
// Invariants, for both reassemblers: memory stays within the byte budget
// and the footprint never changes; at most max_datagrams are in progress;
// every complete or atomic delivery is a well-formed IPv6 packet without a
// Fragment header whose fragmentable part is the pattern (when no
// inconsistent bytes were sent for its key); the counters add up (one
// outcome per packet). Zero copy: nothing is delivered twice and nothing is
// lost: a chain's pieces lie in the buffers of the tokens it hands back,
// every token taken comes back exactly once, in a completion or through the
// release callback (at the latest when everything expires at the end), and
// an atomic fragment's token is never taken.
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"

#include "fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

using namespace vpnwire;

namespace {

std::byte pattern(unsigned key, std::size_t pos) {
  return static_cast<std::byte>((pos * 131 + std::size_t{key} * 29 + (pos >> 8)) & 0xFF);
}

// A delivered packet: IPv6, no Fragment header left; when untainted, the
// fragmentable part (from its Destination Options header on; the Routing
// headers before it are the unfragmentable part) is the pattern.
void check_packet(bytes_view packet, unsigned key, bool check_bytes) {
  auto v = ip::parse_ipv6(packet);
  FUZZ_CHECK(v.has_value());
  FUZZ_CHECK(v->packet().size() == packet.size());
  auto w = v->extension_headers();
  std::size_t fragmentable = packet.size();
  for (const auto &h : w) {
    FUZZ_CHECK(h.type != ip::proto::ipv6_fragment);
    if (h.type == ip::proto::ipv6_destination && fragmentable == packet.size()) fragmentable = h.offset;
  }
  if (!check_bytes) return;
  FUZZ_CHECK(w.ok());
  FUZZ_CHECK(fragmentable < packet.size());
  const bytes_view frag = packet.subspan(fragmentable);
  for (std::size_t i = 2; i < frag.size(); ++i) FUZZ_CHECK(frag[i] == pattern(key, i));
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

void check_counters(const ip::reassembler_counters &c, std::uint64_t submitted, std::size_t in_progress,
                    ip::overlap_policy policy) {
  FUZZ_CHECK(c.requests == submitted);
  FUZZ_CHECK(c.started == c.reassembled + c.failed + c.timed_out + c.evicted + in_progress);
  std::uint64_t outcomes = c.not_fragments + c.atomic_fragments + c.stored + c.reassembled + c.malformed +
                           c.incomplete_chain + c.misaligned + c.oversize + c.inconsistent + c.duplicates +
                           c.too_many_fragments + c.budget_exhausted + c.output_too_small;
  if (ip::rejects_overlaps(policy)) outcomes += c.overlaps;
  FUZZ_CHECK(c.requests == outcomes);
}

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
  cfg.max_header_length = 40 + 16 * ((data[0] >> 4) % 3); // sometimes too small for two extension headers
  cfg.hash_seed = 0x0123456789ABCDEFULL;
  ip::ipv6_reassembler r(cfg);
  const std::size_t footprint = r.memory_footprint();
  token_states tokens;
  ip::reassembler_config zcfg = cfg;
  zcfg.release = &token_states::release;
  zcfg.release_context = &tokens;
  ip::ipv6_borrowing_reassembler z(zcfg);
  const std::size_t zfootprint = z.memory_footprint();
  std::deque<std::vector<std::byte>> buffers; // the caller's packet buffers, by token

  std::array<bool, 16> tainted{}, ztainted{};
  std::vector<std::byte> pkt(40 + 16 + 8 + 65536 + 16);
  std::vector<std::byte> out(40 + 65535);
  time_point now = from_nanoseconds(0);
  std::uint64_t submitted = 0;

  for (std::size_t at = 4; at + 8 <= size; at += 8) {
    const std::uint8_t *rec = data + at;
    now += std::chrono::microseconds(rec[0] * 50);
    const unsigned key = rec[1] & 15U; // id (2 bits), source (1), context (1)
    const std::uint32_t offset = rec[2] & 0x80 ? (static_cast<std::uint32_t>(rec[2] & 0x7F) << 9) * 8 % 65536
                                               : static_cast<std::uint32_t>(rec[2]) * 8;
    std::size_t len = rec[3] | ((rec[4] & 0x0FU) << 8);
    const bool mf = rec[4] & 0x10;
    const bool consistent = (rec[4] & 0x20) == 0;
    const bool damage = (rec[4] & 0xC0) == 0xC0;
    const bool no_fragment_header = (rec[5] & 0x30) == 0x30;
    const std::size_t ext = rec[5] & 3U; // 0-2 (3 counts as 2) Routing headers of 8 bytes
    const std::size_t nexts = ext > 2 ? 2 : ext;
    if (offset + len > 65535 + 16) len = 65535 + 16 - offset;
    const std::size_t head = 40 + 8 * nexts + (no_fragment_header ? 0 : 8);
    if (head - 40 + len > 65535) len = 65535 - (head - 40);

    std::byte *o = pkt.data();
    std::memset(o, 0, head);
    core::store_be32(o, 0x60000000U);
    core::store_be16(o + 4, static_cast<std::uint16_t>(head - 40 + len));
    o[7] = std::byte{64};
    o[8] = std::byte{0x20};
    o[23] = static_cast<std::byte>(1 + ((key >> 2) & 1));
    o[24] = std::byte{0x20};
    o[39] = std::byte{9};
    std::size_t nh_at = 6;
    for (std::size_t i = 0; i < nexts; ++i) {
      o[nh_at] = std::byte{ip::proto::ipv6_routing};
      nh_at = 40 + 8 * i;
      o[nh_at + 2] = std::byte{253}; // an experimental routing type, segments left 0
    }
    if (no_fragment_header) {
      o[nh_at] = std::byte{ip::proto::ipv6_destination};
    } else {
      o[nh_at] = std::byte{ip::proto::ipv6_fragment};
      std::byte *f = o + head - 8;
      f[0] = std::byte{ip::proto::ipv6_destination}; // the fragmentable part starts with Destination Options
      core::store_be16(f + 2, static_cast<std::uint16_t>((offset & 0xFFF8U) | (mf ? 1U : 0U)));
      core::store_be32(f + 4, 0x1000U + (key & 3U));
    }
    for (std::size_t i = 0; i < len; ++i) o[head + i] = consistent ? pattern(key, offset + i) : std::byte{rec[6]};
    if (consistent && offset == 0 && len >= 2) {
      o[head] = std::byte{ip::proto::udp}; // the pattern's first bytes form the Destination Options header
      o[head + 1] = std::byte{0};
    }
    if (damage) o[rec[7] % head] ^= std::byte{rec[6]};
    if (!consistent && len != 0) tainted[key] = ztainted[key] = true;
    if (damage) {
      tainted.fill(true);
      ztainted.fill(true);
    }
    const bool clean = consistent && !damage; // this packet's own bytes are the pattern
    const std::uint64_t ctx = key & 8 ? 1 : 0;
    const bytes_view packet(o, head + len);

    const bool caller_buffer = rec[5] & 4;
    const mutable_bytes ob =
        caller_buffer ? mutable_bytes(out).first(rec[7] % 2 ? out.size() : (rec[6] * 64U)) : mutable_bytes{};
    auto d = caller_buffer ? r.submit(packet, ctx, now, ob) : r.submit(packet, ctx, now);
    ++submitted;
    if (d && d->status == ip::delivery_status::complete) {
      check_packet(d->datagram, key, !damage && !tainted[key]);
      tainted[key] = false; // a new datagram for the key starts clean
    }
    if (d && d->status == ip::delivery_status::atomic_fragment) check_packet(d->datagram, key, clean);

    // Zero copy: the packet stays in its own buffer while it is held.
    buffers.emplace_back(o, o + head + len);
    const std::uint64_t token = buffers.size() - 1;
    tokens.state.push_back(0);
    auto zd = z.submit(buffers.back(), token, ctx, now);
    if (zd && (zd->status == ip::delivery_status::incomplete || zd->status == ip::delivery_status::complete))
      tokens.state[token] = 1;
    if (zd && (zd->status == ip::delivery_status::complete || zd->status == ip::delivery_status::atomic_fragment)) {
      std::size_t payload = 0;
      for (const bytes_view piece : zd->payload) {
        bool inside = piece.data() >= buffers.back().data() &&
                      piece.data() + piece.size() <= buffers.back().data() + buffers.back().size();
        for (const std::uint64_t t : zd->tokens) {
          const auto &b = buffers[t];
          inside = inside || (piece.data() >= b.data() && piece.data() + piece.size() <= b.data() + b.size());
        }
        FUZZ_CHECK(inside);
        payload += piece.size();
      }
      FUZZ_CHECK(zd->header.size() + payload == zd->total_length);
      if (zd->status == ip::delivery_status::atomic_fragment) FUZZ_CHECK(zd->tokens.empty());
      for (const std::uint64_t t : zd->tokens) { // nothing delivered twice
        FUZZ_CHECK(t < tokens.state.size() && tokens.state[t] == 1);
        tokens.state[t] = 2;
      }
      std::vector<std::byte> whole(zd->total_length);
      FUZZ_CHECK(ip::gather(*zd, whole) == whole.size());
      if (zd->status == ip::delivery_status::complete) {
        check_packet(whole, key, !damage && !ztainted[key]);
        ztainted[key] = false;
      } else {
        check_packet(whole, key, clean);
      }
    }
    FUZZ_CHECK(z.bytes_in_use() <= z.byte_budget());
    FUZZ_CHECK(z.in_progress() <= cfg.max_datagrams);
    FUZZ_CHECK(z.memory_footprint() == zfootprint);
    FUZZ_CHECK(r.bytes_in_use() <= r.byte_budget());
    FUZZ_CHECK(r.in_progress() <= cfg.max_datagrams);
    FUZZ_CHECK(r.memory_footprint() == footprint);
  }
  check_counters(r.counters(), submitted, r.in_progress(), r.config().policy);
  r.expire(now + std::chrono::hours(1));
  FUZZ_CHECK(r.in_progress() == 0);
  FUZZ_CHECK(r.bytes_in_use() == 0);
  check_counters(z.counters(), submitted, z.in_progress(), z.config().policy);
  z.expire(now + std::chrono::hours(1));
  FUZZ_CHECK(z.in_progress() == 0);
  FUZZ_CHECK(z.bytes_in_use() == 0);
  for (const std::uint8_t st : tokens.state) FUZZ_CHECK(st != 1); // every token taken came back
  return 0;
}
