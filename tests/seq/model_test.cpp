// Property tests: seq::reorder_window against a reference model written
// straight from the specification (an ordered map of held items keyed by the
// unwrapped sequence number, a set of delivered numbers and a clock), over
// generated streams with loss, duplication, bounded and unbounded
// displacement, jumps, the wrap and clock steps, at widths 16/24/32/64 and
// capacities 1, 8, 64 and the maximum for 16 bits (2^14). Fixed seeds.
//
// Compared after every operation: the outcome of each insert, everything
// delivered (number and item, in order), every counter, the number held, and
// the next deadline (the window's may be earlier than the model's exact one,
// never later). To replay one case step by step, run the binary with
// SEQ_TRACE=<case number> (the failure message names the case).
#include "vpnwire/seq/reorder_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;
using seq::anchor_mode;
using seq::insert_outcome;
using seq::reorder_mode;

namespace {

__extension__ typedef __int128 wide;

template <unsigned Bits, std::size_t Cap> class model {
public:
  using S = core::serial<Bits>;
  using V = typename S::value_type;
  struct held_item {
    time_point at;
    int item;
  };

  explicit model(seq::policy p, V expected) : p_(p) {
    if (p.mode == reorder_mode::pass_through) {
      phase_ = phase::passing;
    } else if (p.anchor == anchor_mode::explicit_value) {
      phase_ = phase::running;
      next_ = expected;
    }
  }

  insert_outcome insert(V s, int item, time_point now) {
    ++c_.inserted;
    if (phase_ == phase::passing) {
      ++c_.delivered;
      out.push_back({s, item});
      return insert_outcome::delivered;
    }
    if (phase_ == phase::unanchored) {
      next_ = s;
      const duration pt = p_.probation.count() > 0 ? p_.probation : p_.timeout;
      if (p_.anchor == anchor_mode::probation && pt.count() > 0) {
        phase_ = phase::probation;
        probation_end_ = now + pt;
        held_[next_] = {now, item};
        return after_hold(next_);
      }
      phase_ = phase::running;
      deliver(next_, item);
      return insert_outcome::delivered;
    }
    poll(now);
    const auto fwd = S::forward_distance(mod(next_), s);
    const bool undefined = fwd == S::half;
    const wide r = undefined ? wide{S::half} : wide{S::distance(mod(next_), s)};
    const wide e = next_ + r;
    if (phase_ == phase::probation) {
      const wide top = held_.rbegin()->first + 1;
      if (!undefined && r >= 0 && r < wide{Cap}) {
        if (held_.count(e) != 0) {
          ++c_.duplicate;
          return insert_outcome::duplicate_held;
        }
        held_[e] = {now, item};
        return after_hold(e);
      }
      if (!undefined && r < 0) {
        if (top - e <= wide{Cap}) {
          next_ = e;
          held_[e] = {now, item};
          return after_hold(e);
        }
        ++c_.late;
        return insert_outcome::late;
      }
      ++c_.overflow;
      return insert_outcome::beyond_horizon;
    }
    if (!undefined && r == 0) {
      oos_run_ = 0;
      deliver(e, item);
      run();
      return insert_outcome::delivered;
    }
    if (p_.mode == reorder_mode::reorder && !undefined && r >= 1 && r <= wide{Cap}) {
      oos_run_ = 0;
      if (held_.count(e) != 0) {
        ++c_.duplicate;
        return insert_outcome::duplicate_held;
      }
      held_[e] = {now, item};
      return after_hold(e);
    }
    if (p_.resync_after != 0) {
      oos_run_ = (oos_run_ != 0 && s == S::advance(oos_last_, 1)) ? oos_run_ + 1 : 1;
      oos_last_ = s;
      if (oos_run_ >= p_.resync_after) {
        ++c_.resynced;
        flush_all();
        delivered_.clear();
        oos_run_ = 0;
        deliver(e, item);
        return insert_outcome::delivered;
      }
    }
    if (p_.mode == reorder_mode::reorder && p_.depth != 0 && !undefined && r > wide{Cap} && r + 1 < wide{S::half}) {
      // A depth limit slides the window to take an arrival ahead of it:
      // expected becomes e - (Cap - 1), everything before is released.
      ++c_.depth_skips;
      release_through(e - wide{Cap});
      oos_run_ = 0;
      if (e == next_) {
        deliver(e, item);
        run();
        return insert_outcome::delivered;
      }
      if (held_.count(e) != 0) {
        ++c_.duplicate;
        return insert_outcome::duplicate_held;
      }
      held_[e] = {now, item};
      return after_hold(e);
    }
    if (!undefined && r < 0) {
      if (-r <= wide{Cap} && delivered_.count(e) != 0) {
        ++c_.duplicate;
        return insert_outcome::duplicate_delivered;
      }
      ++c_.late;
      return insert_outcome::late;
    }
    ++c_.overflow;
    return insert_outcome::beyond_horizon;
  }

  void poll(time_point now) {
    if (phase_ == phase::probation && now >= probation_end_) end_probation();
    if (phase_ != phase::running || p_.timeout.count() <= 0) return;
    std::optional<wide> last_due;
    for (const auto &[k, h] : held_)
      if (now - h.at >= p_.timeout) last_due = k;
    if (!last_due) return;
    ++c_.timed_out;
    release_through(*last_due);
  }

  void flush() {
    if (phase_ == phase::probation) phase_ = phase::running;
    if (phase_ == phase::running) flush_all();
  }

  [[nodiscard]] std::optional<time_point> deadline() const {
    if (phase_ == phase::probation) return probation_end_;
    if (phase_ != phase::running || held_.empty() || p_.timeout.count() <= 0) return std::nullopt;
    time_point oldest = time_point::max();
    for (const auto &[k, h] : held_) oldest = std::min(oldest, h.at);
    return oldest + p_.timeout;
  }

  [[nodiscard]] std::size_t held() const { return held_.size(); }
  [[nodiscard]] V expected() const { return mod(next_); }
  [[nodiscard]] const seq::counters &stats() const { return c_; }
  std::vector<std::pair<V, int>> out;

private:
  enum class phase { unanchored, probation, running, passing };
  static V mod(wide e) { return static_cast<V>(static_cast<std::uint64_t>(e) & S::mask); }

  void deliver(wide e, int item) {
    ++c_.delivered;
    delivered_.insert(e);
    out.push_back({mod(e), item});
    next_ = e + 1;
  }
  void run() {
    for (auto it = held_.find(next_); it != held_.end(); it = held_.find(next_)) {
      const int item = it->second.item;
      held_.erase(it);
      deliver(next_, item);
    }
  }
  // Every held number <= k is delivered, every missing one skipped.
  void release_through(wide k) {
    while (next_ <= k) {
      if (held_.empty()) { // skip the rest at once (a slide can pass 2^63 numbers)
        c_.gap_skipped += static_cast<std::uint64_t>(k - next_ + 1);
        delivered_.erase(delivered_.lower_bound(next_), delivered_.upper_bound(k));
        next_ = k + 1;
        break;
      }
      auto it = held_.find(next_);
      if (it != held_.end()) {
        const int item = it->second.item;
        held_.erase(it);
        deliver(next_, item);
      } else {
        ++c_.gap_skipped;
        delivered_.erase(next_);
        ++next_;
      }
    }
    run();
  }
  void flush_all() {
    if (!held_.empty()) release_through(held_.rbegin()->first);
  }
  void end_probation() {
    phase_ = phase::running;
    run();
    if (p_.mode == reorder_mode::strict) flush_all();
  }
  insert_outcome after_hold(wide e) {
    if (p_.depth != 0 && held_.size() >= p_.depth) {
      ++c_.depth_skips;
      if (phase_ == phase::probation) {
        end_probation();
      } else {
        release_through(held_.begin()->first);
      }
    }
    if (phase_ == phase::running && e < next_) return insert_outcome::delivered;
    ++c_.reordered;
    return insert_outcome::buffered;
  }

  seq::policy p_;
  phase phase_ = phase::unanchored;
  wide next_ = 0;
  std::map<wide, held_item> held_;
  std::set<wide> delivered_;
  time_point probation_end_{};
  std::uint32_t oos_run_ = 0;
  V oos_last_ = 0;
  seq::counters c_{};
};

seq::policy random_policy(std::mt19937_64 &rng) {
  seq::policy p;
  switch (rng() % 8) {
  case 0: p = seq::policy::strict(); break;
  case 1: p = seq::policy::pass_through(); break;
  case 2: p = seq::policy::reordering(); break;
  default: p = seq::policy::with_timeout(std::chrono::microseconds(1 + rng() % 5000)); break;
  }
  if (rng() % 3 == 0) p = p.with_depth(static_cast<std::uint32_t>(1 + rng() % 40));
  if (rng() % 3 == 0) p = p.with_resync(static_cast<std::uint32_t>(1 + rng() % 8));
  switch (rng() % 4) {
  case 0: p = p.with_anchor(anchor_mode::explicit_value); break;
  case 1: p = p.with_anchor(anchor_mode::probation); break;
  case 2:
    if (rng() % 2 == 0) p = p.with_probation(std::chrono::microseconds(1 + rng() % 3000));
    break;
  default: break;
  }
  return p;
}

template <unsigned Bits, std::size_t Cap> void run_cases(std::uint64_t seed, int cases, int length) {
  using W = seq::reorder_window<int, Bits, Cap>;
  using S = core::serial<Bits>;
  using V = typename S::value_type;
  std::mt19937_64 rng(seed);
  seq::counters seen{}; // the generator must reach every outcome
  for (int c = 0; c < cases; ++c) {
    const seq::policy p = random_policy(rng);
    // Start anywhere, often just before the wrap.
    const V start = rng() % 2 == 0 ? static_cast<V>(S::mask - rng() % 64) : static_cast<V>(rng() & S::mask);
    const V anchor = rng() % 4 == 0 ? static_cast<V>(S::advance(start, rng() % 4)) : start;
    auto w = std::make_unique<W>(p, anchor);
    model<Bits, Cap> m(p, anchor);
    std::vector<std::pair<V, int>> got;
    auto sink = [&](V s, int &&item) noexcept { got.push_back({s, item}); };

    const double loss = (rng() % 4) * 0.03;
    const double dup = (rng() % 3) * 0.03;
    const std::uint64_t displacement = rng() % 4 == 0 ? 0 : 1 + rng() % (2 * Cap + 3);
    std::vector<std::pair<V, int>> delayed; // unbounded displacement: sent much later
    std::uniform_real_distribution<double> u(0, 1);
    time_point now = from_nanoseconds(static_cast<std::int64_t>(rng() % 1'000'000'000));
    V base = start;
    std::vector<std::pair<V, int>> window; // bounded displacement: shuffle within a small window
    int id = 0;
    const bool trace = std::getenv("SEQ_TRACE") != nullptr && c == std::atoi(std::getenv("SEQ_TRACE"));
    if (trace)
      std::printf("policy mode %d T %lld depth %u resync %u anchor %d prob %lld start %llu anchor %llu\n",
                  static_cast<int>(p.mode), static_cast<long long>(p.timeout.count()), p.depth, p.resync_after,
                  static_cast<int>(p.anchor), static_cast<long long>(p.probation.count()),
                  static_cast<unsigned long long>(start), static_cast<unsigned long long>(anchor));
    auto offer = [&](V s, int item) {
      if (trace)
        std::printf("t=%lld insert %llu -> ", static_cast<long long>(now.time_since_epoch().count()),
                    static_cast<unsigned long long>(s));
      const insert_outcome want = m.insert(s, item, now);
      const insert_outcome have = w->insert(s, int{item}, now, sink);
      if (trace)
        std::printf("%s / %s held %zu next %llu / %llu\n", seq::name(have).data(), seq::name(want).data(), w->held(),
                    static_cast<unsigned long long>(w->expected()), static_cast<unsigned long long>(m.expected()));
      ASSERT_EQ(seq::name(have), seq::name(want)) << "seed " << seed << " case " << c << " seq " << s;
    };
    for (int i = 0; i < length; ++i) {
      // Clock: small steps, sometimes a step back, sometimes a long pause.
      const auto r = rng() % 100;
      if (r < 2)
        now -= std::chrono::microseconds(rng() % 50'000);
      else if (r < 4)
        now += std::chrono::milliseconds(rng() % 100);
      else
        now += std::chrono::microseconds(rng() % 400);
      if (rng() % 200 == 0) base = static_cast<V>(S::advance(base, rng() % 100'000)); // jump
      if (rng() % 400 == 0) base = static_cast<V>(rng() & S::mask);                   // restart
      const V s = base;
      base = S::advance(base, 1);
      ++id;
      if (u(rng) < loss) continue;
      window.push_back({s, id});
      if (u(rng) < dup) window.push_back({s, -id});
      if (rng() % 50 == 0) {
        delayed.push_back(window.back());
        window.pop_back();
      }
      while (!window.empty() && window.size() > displacement) {
        const std::size_t k = rng() % window.size();
        const auto [ws, wi] = window[k];
        window.erase(window.begin() + static_cast<std::ptrdiff_t>(k));
        offer(ws, wi);
        if (::testing::Test::HasFatalFailure()) return;
      }
      if (!delayed.empty() && rng() % 30 == 0) {
        const auto [ds, di] = delayed.front();
        delayed.erase(delayed.begin());
        offer(ds, di);
        if (::testing::Test::HasFatalFailure()) return;
      }
      if (rng() % 10 == 0) {
        if (trace) std::printf("t=%lld poll\n", static_cast<long long>(now.time_since_epoch().count()));
        m.poll(now);
        (void)w->poll(now, sink);
      }
      if (rng() % 997 == 0) {
        if (trace) std::printf("flush\n");
        m.flush();
        (void)w->flush(sink);
      }
      const auto md = m.deadline();
      const auto wd = w->next_deadline();
      ASSERT_EQ(md.has_value(), wd.has_value()) << "seed " << seed << " case " << c;
      if (md) {
        ASSERT_LE(*wd, *md);
      }
      ASSERT_EQ(w->held(), m.held()) << "seed " << seed << " case " << c;
      ASSERT_LE(w->held(), Cap);
    }
    for (const auto &[s, item] : window) offer(s, item);
    if (::testing::Test::HasFatalFailure()) return;
    m.poll(now + 1h);
    (void)w->poll(now + 1h, sink);
    m.flush();
    (void)w->flush(sink);
    ASSERT_EQ(got, m.out) << "seed " << seed << " case " << c;
    const auto &a = w->stats();
    const auto &b = m.stats();
    EXPECT_EQ(a.inserted, b.inserted);
    EXPECT_EQ(a.delivered, b.delivered);
    EXPECT_EQ(a.reordered, b.reordered);
    EXPECT_EQ(a.duplicate, b.duplicate);
    EXPECT_EQ(a.late, b.late);
    EXPECT_EQ(a.overflow, b.overflow);
    EXPECT_EQ(a.gap_skipped, b.gap_skipped);
    EXPECT_EQ(a.timed_out, b.timed_out);
    EXPECT_EQ(a.depth_skips, b.depth_skips);
    EXPECT_EQ(a.resynced, b.resynced);
    EXPECT_EQ(a.inserted, a.delivered + a.duplicate + a.late + a.overflow + w->held());
    EXPECT_EQ(w->held(), 0U);
    seen.reordered += a.reordered;
    seen.duplicate += a.duplicate;
    seen.late += a.late;
    seen.overflow += a.overflow;
    seen.gap_skipped += a.gap_skipped;
    seen.timed_out += a.timed_out;
    seen.depth_skips += a.depth_skips;
    seen.resynced += a.resynced;
    // Delivered numbers strictly increase between resyncs, pass-through aside.
    if (p.mode != reorder_mode::pass_through && a.resynced == 0) {
      for (std::size_t i = 1; i < got.size(); ++i) ASSERT_TRUE(S::less(got[i - 1].first, got[i].first));
    }
  }
  EXPECT_GT(seen.reordered, 0U);
  EXPECT_GT(seen.duplicate, 0U);
  EXPECT_GT(seen.late, 0U);
  EXPECT_GT(seen.overflow, 0U);
  EXPECT_GT(seen.gap_skipped, 0U);
  EXPECT_GT(seen.timed_out, 0U);
  EXPECT_GT(seen.depth_skips, 0U);
  EXPECT_GT(seen.resynced, 0U);
}

} // namespace

TEST(ReorderModel, Width16Capacity1) { run_cases<16, 1>(1, 2000, 300); }
TEST(ReorderModel, Width16Capacity8) { run_cases<16, 8>(2, 2000, 400); }
TEST(ReorderModel, Width16Capacity64) { run_cases<16, 64>(3, 1000, 800); }
TEST(ReorderModel, Width16CapacityMaximum) { run_cases<16, 16384>(4, 16, 12000); }
TEST(ReorderModel, Width24Capacity8) { run_cases<24, 8>(5, 1500, 400); }
TEST(ReorderModel, Width32Capacity1) { run_cases<32, 1>(6, 1500, 300); }
TEST(ReorderModel, Width32Capacity64) { run_cases<32, 64>(7, 1000, 800); }
TEST(ReorderModel, Width64Capacity16) { run_cases<64, 16>(8, 1500, 500); }
