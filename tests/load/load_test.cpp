// Load tests of the stateful engines: many objects at once and hostile
// traffic at ten times each engine's configured limits. They assert the
// memory bounds each engine promises (its footprint fixed at construction,
// no heap allocation while it runs, held bytes and items never above the
// budget) and that nothing accepted is lost: every accepted item is
// delivered once, or counted under a named reason. No timing is asserted;
// the throughput figures are in bench/load_bench.cpp (docs/performance.md).
#include "vpnwire/esp/replay_window.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/seq/reorder_window.hpp"

#include "../ip/frag6_helpers.hpp"
#include "../ip/frag_helpers.hpp"
#include "../support/counting_new.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;

namespace {

/// Heap allocations so far (every operator new is counted), to assert that an
/// engine allocates nothing after its construction.
std::uint64_t allocations() { return vpnwire_test::new_calls.load(std::memory_order_relaxed); }

// ---------------------------------------------------------------- ESP
// 100,000 inbound SAs, each with its replay window, found by SPI. The
// library keeps no SA table (the application owns its SAs); the lookup here
// is the one an application would write: a hash map reserved up front.
// Traffic per SA: in order, reordered inside the window, duplicated, replayed
// from far left, jumps ahead; plus packets for unknown SPIs. A reference
// model (the set of numbers committed) decides each outcome.
TEST(LoadEsp, HundredThousandSasReplayAndSpiLookup) {
  constexpr std::size_t sas = 100'000;
  constexpr std::size_t window = 64;
  using window_t = esp::replay_window<window>;
  // The memory bound: the ring of 64-bit words (RFC 6479) plus the top.
  static_assert(sizeof(window_t) == window_t::words * 8 + 8);
  static_assert(sizeof(window_t) <= 24);

  std::mt19937_64 rng(20261206); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed
  struct sa_state {
    std::uint32_t spi;
    window_t replay;
    std::uint64_t next = 1;
  };
  std::vector<sa_state> table(sas);
  std::unordered_map<std::uint32_t, std::uint32_t> by_spi;
  by_spi.reserve(sas * 2);
  for (std::uint32_t i = 0; i < sas; ++i) {
    std::uint32_t spi = 0;
    do spi = static_cast<std::uint32_t>(rng()) | 0x100U; // SPIs 1..255 are reserved (RFC 4303 §2.1)
    while (by_spi.count(spi) != 0);
    table[i].spi = spi;
    by_spi.emplace(spi, i);
  }
  // The model for every 16th SA: numbers committed, and the top.
  std::unordered_map<std::uint32_t, std::set<std::uint64_t>> model;
  for (std::uint32_t i = 0; i < sas; i += 16) model[i];

  std::uint64_t packets = 0, fresh = 0, replayed = 0, left = 0, unknown_spi = 0, model_checked = 0;
  std::uint64_t lost_after_commit = 0, model_mismatch = 0;
  const std::uint64_t allocs_before = allocations();
  for (int round = 0; round < 24; ++round) {
    for (std::uint32_t i = 0; i < sas; ++i) {
      // Most rounds touch each SA once; the unknown SPIs are forged.
      std::uint32_t spi = table[i].spi;
      if (rng() % 50 == 0) spi = static_cast<std::uint32_t>(rng());
      ++packets;
      const auto it = by_spi.find(spi);
      if (it == by_spi.end()) {
        ++unknown_spi;
        continue;
      }
      sa_state &sa = table[it->second];
      std::uint64_t seq = 0;
      switch (rng() % 8) {
      case 0: seq = sa.next > 3 ? sa.next - 1 - rng() % 3 : 1; break;                        // duplicate or reorder
      case 1: seq = sa.next > window * 2 ? sa.next - window - 1 - rng() % window : 1; break; // far left
      case 2: seq = sa.next + rng() % (window / 2); break;                                   // reordered ahead
      case 3: seq = sa.next + window * (1 + rng() % 4); break;                               // jump
      default: seq = sa.next; break;                                                         // in order
      }
      const esp::replay_check c = sa.replay.check(seq);
      auto m = model.find(it->second);
      if (m != model.end()) {
        ++model_checked;
        const auto &done = m->second;
        const std::uint64_t top = done.empty() ? 0 : *done.rbegin();
        esp::replay_check want = esp::replay_check::fresh;
        if (seq == 0 || (seq <= top && top - seq >= window))
          want = esp::replay_check::left_of_window;
        else if (done.count(seq) != 0)
          want = esp::replay_check::replayed;
        if (want != c) ++model_mismatch;
      }
      switch (c) {
      case esp::replay_check::fresh:
        ++fresh;
        sa.replay.commit(seq); // the ICV verified
        if (sa.replay.check(seq) != esp::replay_check::replayed) ++lost_after_commit;
        if (m != model.end()) m->second.insert(seq);
        sa.next = std::max(sa.next, seq + 1);
        break;
      case esp::replay_check::replayed: ++replayed; break;
      case esp::replay_check::left_of_window: ++left; break;
      }
    }
  }
  const std::uint64_t allocs_model = allocations() - allocs_before;
  EXPECT_EQ(packets, fresh + replayed + left + unknown_spi); // one named outcome per packet
  EXPECT_EQ(model_mismatch, 0u);
  EXPECT_EQ(lost_after_commit, 0u);
  EXPECT_GT(model_checked, 100'000u);
  EXPECT_GT(replayed, 10'000u);
  EXPECT_GT(left, 10'000u);
  EXPECT_GT(unknown_spi, 10'000u);
  // Only the model's sets allocated; the windows and the lookup did not.
  EXPECT_LE(allocs_model, model_checked);
  std::uint64_t a0 = allocations();
  for (std::uint32_t i = 0; i < sas; ++i) {
    sa_state &sa = table[by_spi.find(table[i].spi)->second];
    if (sa.replay.check(sa.next) == esp::replay_check::fresh) sa.replay.commit(sa.next);
  }
  EXPECT_EQ(allocations() - a0, 0u);
  RecordProperty("bytes_per_sa_window", static_cast<int>(sizeof(window_t)));
}

// ---------------------------------------------------------------- reassemblers
// Hostile fragment streams at 10x the configured limits: ten times as many
// datagrams in flight as there are slots, datagrams with more fragments than
// the cap, overlaps, exact duplicates, misaligned fragments, truncated
// headers, datagrams that never complete (timeout or eviction) and a byte
// budget far smaller than what is in flight; all fragments of all datagrams
// shuffled together.
constexpr std::size_t slots = 64;
constexpr std::size_t frag_cap = 16;

ip::reassembler_config limits() {
  ip::reassembler_config c;
  c.max_datagrams = slots;
  c.max_fragments = frag_cap;
  c.byte_budget = 128 * 1024;
  c.block_size = 512;
  c.timeout = 2s;
  c.hash_seed = 0x5EED;
  return c;
}

using bytes = std::vector<std::byte>;

/// The fragments of `datagrams` hostile datagrams; make(index, offset, mf, data) builds one fragment.
template <class Make>
std::vector<bytes> hostile_stream(std::size_t datagrams, std::mt19937 &rng, Make &&make, std::vector<bytes> &payloads) {
  std::vector<bytes> out;
  for (std::uint32_t d = 0; d < datagrams; ++d) {
    const std::size_t len = 8 * (64 + rng() % 448); // 512 .. 4088 bytes
    bytes p(len);
    for (auto &b : p) b = static_cast<std::byte>(rng());
    std::memcpy(p.data(), &d, sizeof d); // the delivered datagram says which it is
    payloads.push_back(p);
    const std::size_t piece = d % 8 == 6 ? 64 : 512; // variant 6: more fragments than the cap
    std::vector<bytes> frags;
    for (std::size_t off = 0; off < len; off += piece) {
      const std::size_t end = std::min(len, off + piece);
      frags.push_back(make(d, off, end != len, std::span<const std::byte>(p).subspan(off, end - off)));
    }
    switch (d % 8) {
    case 4: frags.push_back(frags[rng() % frags.size()]); break; // an exact duplicate
    case 5: {                                                    // an overlap with other bytes
      bytes other(256, std::byte{0xEE});
      frags.push_back(make(d, 8 * (1 + rng() % 16), true, other));
      break;
    }
    case 7: frags.erase(frags.begin() + static_cast<std::ptrdiff_t>(rng() % frags.size())); break; // never completes
    default: break;
    }
    if (d % 16 == 3) frags.push_back(make(d, 1024, true, bytes(13, std::byte{1})));   // misaligned (MF, 13 bytes)
    if (d % 32 == 9) frags.push_back(bytes(frags[0].begin(), frags[0].begin() + 10)); // truncated header
    for (auto &f : frags) out.push_back(std::move(f));
  }
  std::shuffle(out.begin(), out.end(), rng);
  // Then datagrams with four times the fragment cap, each sent in a row, so
  // they reach the cap before eviction takes them.
  for (std::uint32_t k = 0; k < 4; ++k) {
    const auto d = static_cast<std::uint32_t>(payloads.size());
    bytes p(8 * 8 * frag_cap * 4);
    for (auto &b : p) b = static_cast<std::byte>(rng());
    std::memcpy(p.data(), &d, sizeof d);
    payloads.push_back(p);
    for (std::size_t off = 0; off < p.size(); off += 8 * 8)
      out.push_back(make(d, off, off + 64 != p.size(), std::span<const std::byte>(p).subspan(off, 64)));
  }
  return out;
}

template <class Reassembler>
void run_hostile(Reassembler &r, const std::vector<bytes> &stream, const std::vector<bytes> &payloads,
                 std::size_t header_size) {
  const std::size_t footprint = r.memory_footprint();
  EXPECT_GT(footprint, 0u);
  std::vector<int> delivered(payloads.size(), 0);
  std::uint64_t wrong_content = 0, over_budget = 0, footprint_changed = 0, errors = 0, complete = 0;
  time_point now{};
  const std::uint64_t a0 = allocations();
  for (const bytes &f : stream) {
    now += 1ms;
    auto d = r.submit(f, 7, now);
    if (!d) {
      ++errors;
    } else if (d->status == ip::delivery_status::complete) {
      ++complete;
      const bytes_view got = d->datagram;
      std::uint32_t which = 0;
      if (got.size() >= header_size + 4) std::memcpy(&which, got.data() + header_size, 4);
      if (which >= payloads.size() || got.size() != header_size + payloads[which].size() ||
          std::memcmp(got.data() + header_size, payloads[which].data(), payloads[which].size()) != 0)
        ++wrong_content;
      else
        ++delivered[which];
    }
    if (r.bytes_in_use() > r.byte_budget()) ++over_budget;
    if (r.memory_footprint() != footprint) ++footprint_changed;
    if (now.time_since_epoch() % 100ms == 0ms) (void)r.expire(now);
  }
  const std::uint64_t allocs = allocations() - a0;
  (void)r.expire(now + 1h);
  const ip::reassembler_counters &c = r.counters();
  EXPECT_EQ(allocs, 0u);
  EXPECT_EQ(over_budget, 0u);
  EXPECT_EQ(footprint_changed, 0u);
  EXPECT_EQ(wrong_content, 0u);
  EXPECT_EQ(c.requests, stream.size());
  // Every submit has exactly one outcome.
  EXPECT_EQ(c.requests, c.not_fragments + c.atomic_fragments + c.stored + c.reassembled + c.malformed +
                            c.incomplete_chain + c.misaligned + c.oversize + c.inconsistent + c.duplicates +
                            c.too_many_fragments + c.budget_exhausted + c.output_too_small + c.overlaps);
  // Every datagram started is delivered or dropped under a named reason.
  EXPECT_EQ(r.in_progress(), 0u);
  EXPECT_EQ(c.started, c.reassembled + c.failed + c.timed_out + c.evicted);
  EXPECT_EQ(c.reassembled, complete);
  // No datagram delivered twice.
  EXPECT_EQ(std::count_if(delivered.begin(), delivered.end(), [](int n) { return n > 1; }), 0);
  // The hostility reached every path.
  EXPECT_GT(c.reassembled, 0u);
  EXPECT_GT(c.evicted + c.timed_out, 0u);
  EXPECT_GT(c.too_many_fragments, 0u);
  EXPECT_GT(c.duplicates, 0u);
  EXPECT_GT(c.overlaps, 0u);
  EXPECT_GT(c.misaligned, 0u);
  EXPECT_GT(c.malformed, 0u);
  EXPECT_GT(errors, 0u);
  // Datagrams without a hostile variant that were not evicted came out whole: at least some.
  std::size_t clean_delivered = 0;
  for (std::size_t d = 0; d < payloads.size(); ++d)
    if (d % 8 < 4 && delivered[d] == 1) ++clean_delivered;
  EXPECT_GT(clean_delivered, 0u);
}

TEST(LoadReassembly, Ipv4TenTimesTheLimits) {
  std::mt19937 rng(4); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed
  std::vector<bytes> payloads;
  const auto stream = hostile_stream(
      slots * 10, rng,
      [](std::uint32_t d, std::size_t off, bool mf, std::span<const std::byte> data) {
        ip_test::frag_spec s;
        s.id = static_cast<std::uint16_t>(d);
        return ip_test::make_packet(s, static_cast<std::uint32_t>(off), mf, data);
      },
      payloads);
  ip::reassembler r(limits());
  run_hostile(r, stream, payloads, 20);
}

TEST(LoadReassembly, Ipv6TenTimesTheLimits) {
  std::mt19937 rng(6); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed
  std::vector<bytes> payloads;
  const auto stream = hostile_stream(
      slots * 10, rng,
      [](std::uint32_t d, std::size_t off, bool mf, std::span<const std::byte> data) {
        ip6_test::frag6_spec s;
        s.id = 0x10000 + d;
        return ip6_test::make_frag6(s, static_cast<std::uint32_t>(off), mf, data);
      },
      payloads);
  ip::ipv6_reassembler r(limits());
  run_hostile(r, stream, payloads, 40);
}

// ---------------------------------------------------------------- reorder window
// A window of 64 under a sender whose numbers spread over 640 (10x the
// capacity): reordering, duplicates, late arrivals, jumps past the horizon,
// timeouts. Every item taken is delivered exactly once, in increasing
// order; every item refused has its named outcome; the held items never
// exceed the capacity and the window never allocates.
constexpr std::size_t capacity = 64;

seq::counters reorder_hostile(seq::policy p) {
  seq::reorder_window<std::uint64_t, 32, capacity> w(p);
  std::mt19937_64 rng(10); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed
  std::vector<std::uint8_t> seen(1u << 22, 0);
  std::uint64_t order_errors = 0, twice = 0, over_capacity = 0, taken = 0, refused = 0, delivered = 0;
  std::int64_t last = -1;
  auto sink = [&](std::uint32_t s, std::uint64_t &&item) noexcept {
    ++delivered;
    if (item != s) ++order_errors;
    if (static_cast<std::int64_t>(s) <= last) ++order_errors;
    last = s;
    if (seen[s]++ != 0) ++twice;
  };
  time_point now{};
  std::uint64_t base = 0;
  const std::uint64_t a0 = allocations();
  for (int i = 0; i < 1'000'000; ++i) {
    now += std::chrono::microseconds(rng() % 20);
    std::uint64_t s = base + rng() % (capacity * 10);
    if (rng() % 10 == 0 && base > capacity * 20) s = base - rng() % (capacity * 20); // late or duplicate
    if (s >= seen.size()) break;
    if (rng() % 4 == 0) base += 1 + rng() % 3;
    const auto o = w.insert(static_cast<std::uint32_t>(s), s, now, sink);
    if (seq::accepted(o))
      ++taken;
    else
      ++refused;
    if (w.held() > capacity) ++over_capacity;
    if (i % 64 == 0) (void)w.poll(now, sink);
  }
  const std::uint64_t allocs = allocations() - a0;
  const seq::counters before_flush = w.stats();
  EXPECT_EQ(before_flush.inserted,
            before_flush.delivered + before_flush.duplicate + before_flush.late + before_flush.overflow + w.held());
  (void)w.flush(sink);
  const seq::counters c = w.stats();
  EXPECT_EQ(allocs, 0u);
  EXPECT_EQ(over_capacity, 0u);
  EXPECT_EQ(order_errors, 0u);
  EXPECT_EQ(twice, 0u);
  EXPECT_EQ(w.held(), 0u);
  EXPECT_EQ(delivered, taken); // everything taken came out, once
  EXPECT_EQ(c.delivered, taken);
  EXPECT_EQ(refused, c.duplicate + c.late + c.overflow);
  EXPECT_GT(c.duplicate, 0u);
  EXPECT_GT(c.late, 0u);
  EXPECT_GT(c.gap_skipped, 0u);
  return c;
}

TEST(LoadReorder, TenTimesTheCapacityHostileWithTimeout) {
  const seq::counters c = reorder_hostile(seq::policy::with_timeout(5ms));
  EXPECT_GT(c.overflow, 0u); // beyond the horizon: refused, counted
  EXPECT_GT(c.timed_out, 0u);
}

TEST(LoadReorder, TenTimesTheCapacityHostileWithDepth) {
  const seq::counters c = reorder_hostile(seq::policy::with_timeout(5ms).with_depth(48));
  EXPECT_GT(c.depth_skips, 0u);
}

} // namespace
