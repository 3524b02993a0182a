// The parts of the reassembly engine, each alone against a simple model
// (fixed seeds): the keyed slot table against a std::map plus a list in
// insertion order; the block pool against a set of free blocks; the piece
// list's rfc5722/linux_current placement against a direct scan of the
// stored ranges, and its target-based merge against a byte-owner map; the
// copy and borrow stores' accounting.
#include "vpnwire/ip/reassembly/block_pool.hpp"
#include "vpnwire/ip/reassembly/piece_list.hpp"
#include "vpnwire/ip/reassembly/slot_table.hpp"
#include "vpnwire/ip/reassembly/storage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <list>
#include <map>
#include <random>
#include <set>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ip::reassembly;

namespace {

struct test_key {
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  friend bool operator==(const test_key &, const test_key &) = default;
  [[nodiscard]] std::uint64_t hash(const keyed_hash &h) const noexcept {
    return keyed_hash::mum((std::uint64_t{a} << 32 | b) ^ h.seed(), h.seed2() ^ 0x9E3779B97F4A7C15ULL);
  }
  bool operator<(const test_key &o) const { return a != o.a ? a < o.a : b < o.b; }
};

TEST(SlotTable, FindInsertEraseAndAgeOrderMatchAMapAndAList) {
  slot_table<test_key, int> t;
  ASSERT_TRUE(t.init(64, 1234));
  std::map<test_key, std::uint32_t> model;
  std::list<std::uint32_t> age; // oldest first
  std::mt19937 rng(17);         // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  for (int step = 0; step < 100000; ++step) {
    const test_key k{static_cast<std::uint32_t>(rng() % 50), static_cast<std::uint32_t>(rng() % 3)};
    const std::size_t b = t.bucket_of(k);
    const std::uint32_t s = t.find(k, b);
    auto it = model.find(k);
    ASSERT_EQ(s != t.none, it != model.end());
    if (it != model.end()) {
      ASSERT_EQ(s, it->second);
      ASSERT_EQ(t.key(s), k);
      if (rng() % 2) { // erase it
        t.erase(s);
        age.remove(s);
        model.erase(it);
      } else {
        ++t.value(s);
      }
    } else if (!t.full()) {
      const std::uint32_t n = t.insert(k, b, from_nanoseconds(step));
      EXPECT_EQ(t.value(n), 0); // a fresh value
      model[k] = n;
      age.push_back(n);
    } else { // full: drop the oldest, as the engine does
      const std::uint32_t old = t.oldest();
      ASSERT_EQ(old, age.front());
      model.erase(t.key(old));
      t.erase(old);
      age.pop_front();
    }
    ASSERT_EQ(t.size(), model.size());
    // The age order, walked from the oldest.
    std::vector<std::uint32_t> walked;
    for (std::uint32_t x = t.oldest(); x != t.none; x = t.younger(x)) walked.push_back(x);
    ASSERT_EQ(walked, std::vector<std::uint32_t>(age.begin(), age.end()));
    if (!age.empty()) {
      for (auto x = age.begin(); std::next(x) != age.end(); ++x) ASSERT_LE(t.deadline(*x), t.deadline(*std::next(x)));
    }
  }
}

TEST(SlotTable, TheSeedSpreadsKeysThatCollideUnderAnother) {
  // Keys that share bucket 0 under one seed spread out under another.
  slot_table<test_key, int> a, b;
  ASSERT_TRUE(a.init(1024, 1));
  ASSERT_TRUE(b.init(1024, 2));
  std::vector<test_key> same;
  for (std::uint32_t i = 0; same.size() < 32; ++i)
    if (a.bucket_of({i, 7}) == 0) same.push_back({i, 7});
  std::set<std::size_t> buckets;
  for (const auto &k : same) buckets.insert(b.bucket_of(k));
  EXPECT_GT(buckets.size(), 24U);
}

TEST(BlockPool, TakeGiveBackAndPreferredBlocksMatchASetOfFreeBlocks) {
  block_pool p;
  ASSERT_TRUE(p.init(64 * 100, 64, 64));
  EXPECT_EQ(p.blocks(), 100U);
  EXPECT_EQ(p.block_size(), 64U);
  EXPECT_EQ(p.shift(), 6U);
  EXPECT_EQ(p.data(1) - p.data(0), 64);
  std::set<std::uint32_t> free;
  for (std::uint32_t i = 0; i < 100; ++i) free.insert(i);
  std::vector<std::uint32_t> taken;
  std::mt19937 rng(23); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  for (int step = 0; step < 50000; ++step) {
    const int op = static_cast<int>(rng() % 3);
    if (op == 0 && p.free_blocks() != 0) {
      const std::uint32_t b = p.take_any();
      ASSERT_EQ(free.erase(b), 1U);
      taken.push_back(b);
    } else if (op == 1) {
      const auto want = static_cast<std::uint32_t>(rng() % 100);
      ASSERT_EQ(p.is_free(want), free.count(want) == 1);
      if (p.is_free(want)) {
        ASSERT_EQ(p.take(want), want);
        free.erase(want);
        taken.push_back(want);
      }
    } else if (!taken.empty()) {
      const std::size_t i = rng() % taken.size();
      const std::uint32_t b = taken[i];
      taken.erase(taken.begin() + static_cast<std::ptrdiff_t>(i));
      p.give_back(b);
      free.insert(b);
      // The most recently freed block is the next take_any().
      if (rng() % 2 == 0) {
        ASSERT_EQ(p.take_any(), b);
        free.erase(b);
        taken.push_back(b);
      }
    }
    ASSERT_EQ(p.free_blocks(), free.size());
  }
}

// The direct rule: rfc5722 drops an exact copy alone, any other overlap
// drops the datagram; linux_current treats a fragment inside a run (a chain
// of fragments appended in order at the tail) as a duplicate.
placement_kind reference_place(const std::vector<std::pair<std::uint32_t, std::uint32_t>> &stored,
                               const std::vector<std::uint32_t> &run_of, std::uint32_t s, std::uint32_t e,
                               bool by_run) {
  bool overlap = false;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto [a, b] = stored[i];
    if (a < e && s < b) overlap = true;
  }
  if (!overlap) return placement_kind::store;
  if (!by_run) {
    for (const auto &[a, b] : stored)
      if (a == s && b == e) return placement_kind::duplicate;
    return placement_kind::overlap;
  }
  // The run of the first stored range ending after s.
  std::size_t first = stored.size();
  for (std::size_t i = 0; i < stored.size(); ++i)
    if (stored[i].second > s && (first == stored.size() || stored[i].first < stored[first].first)) first = i;
  std::uint32_t run_start = run_of[first], run_end = 0;
  for (std::size_t i = 0; i < stored.size(); ++i)
    if (run_of[i] == run_start) run_end = std::max(run_end, stored[i].second);
  // Appending past the tail while starting inside it is an overlap.
  std::uint32_t tail = 0;
  for (const auto &r : stored) tail = std::max(tail, r.second);
  if (e > tail) return placement_kind::overlap;
  return s >= run_start && e <= run_end ? placement_kind::duplicate : placement_kind::overlap;
}

TEST(PieceList, PlacementMatchesTheDirectRuleForBothRejectingPolicies) {
  std::mt19937 rng(5722); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  for (const bool by_run : {false, true}) {
    for (int round = 0; round < 3000; ++round) {
      std::vector<piece> buf(32);
      std::uint32_t n = 0;
      piece_list l(buf.data(), n, buf.size());
      std::vector<std::pair<std::uint32_t, std::uint32_t>> stored;
      std::vector<std::uint32_t> run_of;
      for (int step = 0; step < 20 && l.size() < l.capacity(); ++step) {
        const std::uint32_t s = (rng() % 16) * 8;
        const std::uint32_t e = s + (1 + rng() % 4) * 8;
        const placement p = l.place(s, e, by_run);
        ASSERT_EQ(p.kind, reference_place(stored, run_of, s, e, by_run)) << by_run << " " << round << "/" << step;
        if (p.kind != placement_kind::store) continue;
        l.insert(p, s, e, nullptr);
        // The run: appended exactly at the tail joins the tail's run.
        std::uint32_t tail = 0, tail_run = s;
        for (std::size_t i = 0; i < stored.size(); ++i)
          if (stored[i].second > tail) {
            tail = stored[i].second;
            tail_run = run_of[i];
          }
        stored.emplace_back(s, e);
        run_of.push_back(by_run && !stored.empty() && s == tail && tail != 0 ? tail_run : s);
        // Sorted and disjoint.
        for (std::uint32_t i = 1; i < l.size(); ++i) {
          ASSERT_LE(l[i - 1].end, l[i].start);
        }
      }
    }
  }
}

TEST(PieceList, TargetBasedMergeKeepsEveryByteWithItsWinner) {
  using P = ip::overlap_policy;
  std::mt19937 rng(815); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  for (const P policy : {P::first, P::last, P::bsd, P::bsd_right, P::linux_legacy, P::windows, P::solaris}) {
    for (int round = 0; round < 500; ++round) {
      constexpr std::size_t cap = 2 * 24;
      std::vector<piece> buf(cap), scratch(2 * cap + 4);
      std::uint32_t n = 0;
      piece_list l(buf.data(), n, cap);
      // Model: per byte, the fragment (index) that owns it, and each fragment's extent.
      std::vector<int> owner(256, -1);
      std::vector<std::pair<std::uint32_t, std::uint32_t>> frags;
      for (int f = 0; f < 24; ++f) {
        const std::uint32_t s = (rng() % 24) * 8;
        const std::uint32_t e = s + (1 + rng() % 6) * 8;
        std::uint32_t added = 0;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> taken;
        const merge_result r = l.merge(s, e, nullptr, policy, scratch.data(),
                                       [&](std::uint32_t a, std::uint32_t b) { taken.emplace_back(a, b); });
        ASSERT_FALSE(r.overflow);
        bool overlapped = false;
        for (std::uint32_t x = s; x < e; ++x) {
          if (owner[x] < 0) {
            owner[x] = f;
            ++added;
            continue;
          }
          overlapped = true;
          const auto [os, oe] = frags[static_cast<std::size_t>(owner[x])];
          if (new_wins(policy, s, e, piece{0, 0, os, oe, nullptr})) owner[x] = f;
        }
        frags.emplace_back(s, e);
        EXPECT_EQ(r.added, added);
        EXPECT_EQ(r.overlapped, overlapped);
        // take() was called exactly for the bytes the new fragment owns now.
        std::vector<int> took(256, 0);
        for (const auto &[a, b] : taken)
          for (std::uint32_t x = a; x < b; ++x) took[x] = 1;
        for (std::uint32_t x = 0; x < 256; ++x) ASSERT_EQ(took[x] == 1, owner[x] == f) << x;
        // The list, expanded, is the owner map.
        std::vector<int> listed(256, -1);
        for (std::uint32_t i = 0; i < l.size(); ++i) {
          if (i > 0) {
            ASSERT_LE(l[i - 1].end, l[i].start);
          }
          for (std::uint32_t x = l[i].start; x < l[i].end; ++x) {
            for (std::size_t k = 0; k < frags.size(); ++k)
              if (frags[k].first == l[i].origin_start && frags[k].second == l[i].origin_end &&
                  owner[x] == static_cast<int>(k))
                listed[x] = static_cast<int>(k);
          }
        }
        for (std::uint32_t x = 0; x < 256; ++x) {
          if (owner[x] < 0) continue;
          {
            const auto [os, oe] = frags[static_cast<std::size_t>(owner[x])];
            ASSERT_NE(listed[x], -1) << ip::name(policy) << " byte " << x;
            ASSERT_EQ(frags[static_cast<std::size_t>(listed[x])], std::make_pair(os, oe));
          }
        }
        ASSERT_LE(l.size(), cap);
      }
    }
  }
}

TEST(PieceList, AMergeThatWouldOverflowLeavesTheListUnchanged) {
  std::vector<piece> buf(3), scratch(10);
  std::uint32_t n = 0;
  piece_list l(buf.data(), n, 3);
  auto noop = [](std::uint32_t, std::uint32_t) {};
  ASSERT_FALSE(l.merge(8, 16, nullptr, ip::overlap_policy::first, scratch.data(), noop).overflow);
  ASSERT_FALSE(l.merge(24, 32, nullptr, ip::overlap_policy::first, scratch.data(), noop).overflow);
  ASSERT_EQ(l.size(), 2U);
  // [0, 40) under `first` owns the three gaps: five pieces, more than 3.
  const merge_result r = l.merge(0, 40, nullptr, ip::overlap_policy::first, scratch.data(), noop);
  EXPECT_TRUE(r.overflow);
  ASSERT_EQ(l.size(), 2U);
  EXPECT_EQ(l[0].start, 8U);
  EXPECT_EQ(l[1].start, 24U);
}

TEST(CopyStore, PlacesADatagramInOneRunAndAssemblesItInPlaceWithItsHeaderInFront) {
  copy_store st;
  ASSERT_TRUE(st.init(4, 65535, 64 * 64, 64, 64));
  copy_store::slot_state s0, s1;
  st.on_create(0, s0, 200, true); // 200 bytes: 4 blocks from the cursor
  EXPECT_EQ(s0.hint, 0U);
  ASSERT_TRUE(st.fits(0, s0, 0, 200));
  st.reserve(0, s0, 0, 200);
  EXPECT_EQ(s0.block_limit, 4U);
  std::vector<std::byte> data(200);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i);
  st.write(0, 0, data);
  EXPECT_EQ(st.bytes_in_use(), 4U * 64);
  std::vector<std::byte> out(300);
  std::byte *o = st.assemble(0, 200, 20, out, true);
  EXPECT_NE(o, out.data()); // in place, header room in front of block 0
  EXPECT_TRUE(std::equal(data.begin(), data.end(), o + 20));
  std::byte *c = st.assemble(0, 200, 20, out, false); // into the caller's buffer
  EXPECT_EQ(c, out.data());
  EXPECT_TRUE(std::equal(data.begin(), data.end(), out.begin() + 20));
  // The next datagram's run follows the first one's.
  st.on_create(1, s1, 8, false);
  EXPECT_EQ(s1.hint, 4U);
  st.release(0, s0);
  EXPECT_EQ(st.bytes_in_use(), 0U);
  // A fragment needing more blocks than are free does not fit.
  EXPECT_FALSE(st.fits(1, s1, 0, 64 * 65));
  EXPECT_FALSE(copy_store::hopeless(0, 64 * 65)); // eviction might help: the engine decides
}

TEST(CopyStore, ScatteredBlocksAreGatheredInOrder) {
  copy_store st;
  ASSERT_TRUE(st.init(2, 65535, 64 * 8, 64, 64));
  copy_store::slot_state a, b;
  st.on_create(0, a, 64, false);
  st.on_create(1, b, 64, false);
  std::vector<std::byte> data(256);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 3);
  // Interleave the two datagrams block by block so neither is one run.
  for (std::uint32_t off = 0; off < 256; off += 64) {
    st.reserve(0, a, off, off + 64);
    st.reserve(1, b, off, off + 64);
  }
  st.write(0, 0, data);
  std::vector<std::byte> out(300);
  std::byte *o = st.assemble(0, 256, 20, out, true);
  EXPECT_EQ(o, out.data()); // not contiguous: gathered into the buffer
  EXPECT_TRUE(std::equal(data.begin(), data.end(), out.begin() + 20));
}

TEST(BorrowStore, CountsTheCallersBytesAndHandsTokensBackOnlyWhenDropped) {
  struct log_t {
    std::vector<std::uint64_t> tokens;
  } log;
  borrow_store st;
  ASSERT_TRUE(st.init(
      2, 4, 100, [](void *c, std::uint64_t t) noexcept { static_cast<log_t *>(c)->tokens.push_back(t); }, &log));
  borrow_store::slot_state s0, s1;
  borrow_store::on_create(0, s0, 0, false);
  EXPECT_TRUE(st.hopeless(0, 101));
  ASSERT_TRUE(st.fits(0, s0, 0, 60));
  st.reserve(0, s0, 0, 60);
  st.set_token(0, 0, 11);
  borrow_store::on_create(1, s1, 0, false);
  EXPECT_FALSE(st.fits(1, s1, 0, 41));
  ASSERT_TRUE(st.fits(1, s1, 0, 40));
  st.reserve(1, s1, 0, 40);
  st.set_token(1, 0, 22);
  EXPECT_EQ(st.bytes_in_use(), 100U);
  EXPECT_EQ(s0.held + s1.held, 100U);
  st.release(0, s0, 1, false); // delivered: the caller has the token from the delivery
  EXPECT_TRUE(log.tokens.empty());
  st.release(1, s1, 1, true); // dropped: handed back
  EXPECT_EQ(log.tokens, std::vector<std::uint64_t>{22});
  EXPECT_EQ(st.bytes_in_use(), 0U);
}

} // namespace
