// doctor's reorder analysis against two independent references, over many
// generated arrival orders (fixed seed):
//  - the loss at reorder timeout 0 against a line-by-line transcription of
//    Linux's l2tp_recv_data_seq() (net/l2tp/l2tp_core.c, reorder_timeout 0:
//    out-of-sequence packets are discarded until more than nr_oos_count_max
//    (4) consecutive ones arrive in order, then the receiver resynchronises);
//  - the recommended timeout against the library's reorder window: with it
//    no gap is skipped and nothing arrives late; with 1 ms less (when that is
//    shorter than the longest wait) something is.
#include "doctor.hpp"
#include "options.hpp"
#include "record.hpp"
#include "summary.hpp"

#include "vpnwire/seq/reorder_window.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace {

using namespace vpnwire_cli;

struct arrival {
  std::uint16_t ns;
  std::int64_t ts;
};

/// Linux, reorder timeout 0. Returns how many packets are discarded.
std::size_t linux_timeout0_losses(const std::vector<arrival> &a) {
  std::uint32_t nr = 0, nr_oos = 0xFFFF, nr_oos_count = 0;
  bool reorder_skip = false, first = true;
  std::size_t lost = 0;
  for (const auto &p : a) {
    if (first) { // the kernel starts at nr 0; the capture may start anywhere: anchor on the first packet
      nr = p.ns;
      first = false;
    }
    if (p.ns == nr) {
      nr = (p.ns + 1U) & 0xFFFFU;
      continue;
    }
    const std::uint32_t nr_next = (nr_oos + 1U) & 0xFFFFU;
    nr_oos_count = p.ns == nr_next ? nr_oos_count + 1 : 0;
    nr_oos = p.ns;
    if (nr_oos_count > 4) reorder_skip = true;
    if (!reorder_skip) {
      ++lost;
      continue;
    }
    reorder_skip = false; // l2tp_recv_dequeue: resynchronise to this packet
    nr = (p.ns + 1U) & 0xFFFFU;
  }
  return lost;
}

/// A sender's order disturbed by swaps and short moves; arrivals 50-450 us apart.
std::vector<arrival> generate(std::mt19937 &rng) {
  const std::size_t n = 40 + rng() % 200;
  const std::uint16_t start = static_cast<std::uint16_t>(rng() % 3 == 0 ? 65500 + rng() % 36 : rng() % 65536);
  std::vector<std::uint16_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint16_t>(start + i);
  const std::size_t moves = rng() % (n / 4 + 1);
  for (std::size_t m = 0; m < moves; ++m) {
    const std::size_t i = 1 + rng() % (n - 1);
    const std::size_t d = 1 + rng() % 4;
    const std::size_t j = i + d < n ? i + d : n - 1;
    std::swap(order[i], order[j]);
  }
  std::vector<arrival> a;
  std::int64_t t = 1'000'000'000;
  for (auto ns : order) {
    t += 50'000 + static_cast<std::int64_t>(rng() % 400'000);
    a.push_back({ns, t});
  }
  return a;
}

/// Doctor's report on sequenced L2TP data arriving as `a` (records as the
/// pipeline makes them: IPv4, UDP, L2TP data with Ns).
std::string report(const std::vector<arrival> &a) {
  const decode_options o;
  doctor d(o);
  run_summary sum;
  std::uint64_t frame = 0;
  frame_record rec;
  for (const auto &p : a) {
    rec.clear();
    rec.number = ++frame;
    rec.ts_ns = p.ts;
    ipv4_layer ip;
    ip.src = 0x0A000001U;
    ip.dst = 0x0A000002U;
    ip.protocol = 17;
    rec.add(ip);
    rec.add(udp_layer{1701, 1701, 0, 0, 0, checksum_status::not_present});
    l2tp_layer l;
    l.seq_bit = true;
    l.tunnel = 7;
    l.session = 9;
    l.ns = p.ns;
    rec.add(l);
    sum.add(rec);
    d.add(rec);
  }
  return d.report(sum);
}

struct window_result {
  std::uint64_t gap_skipped = 0, late = 0;
};
window_result run_window(const std::vector<arrival> &a, std::int64_t timeout_ms) {
  vpnwire::seq::reorder_window<int, 16, 1024, vpnwire::seq::policy, vpnwire::seq::single_thread> w(
      vpnwire::seq::policy::with_timeout(std::chrono::milliseconds(timeout_ms)));
  auto sink = [](std::uint16_t, int &&) noexcept {};
  for (const auto &p : a) (void)w.insert(p.ns, 0, vpnwire::from_nanoseconds(p.ts), sink);
  (void)w.flush(sink);
  return {w.stats().gap_skipped, w.stats().late};
}

TEST(DoctorReorder, AgreesWithLinuxAndWithTheWindowOverGeneratedOrders) {
  std::mt19937 rng(20260115);
  const std::regex dropped(R"(would have dropped ([0-9]+) of the ([0-9]+) sequenced packets)");
  const std::regex timeout(R"(reorder timeout to at least ([0-9]+) ms)");
  int with_findings = 0;
  for (int c = 0; c < 300; ++c) {
    const auto a = generate(rng);
    const std::string r = report(a);
    std::smatch m;
    const std::size_t linux_lost = linux_timeout0_losses(a);
    if (!std::regex_search(r, m, dropped)) {
      // No finding: nothing arrived out of order, and Linux lost nothing either.
      EXPECT_EQ(linux_lost, 0U) << "case " << c;
      continue;
    }
    ++with_findings;
    EXPECT_EQ(std::stoul(m[1]), linux_lost) << "case " << c << "\n" << r;
    EXPECT_EQ(std::stoul(m[2]), a.size());
    ASSERT_TRUE(std::regex_search(r, m, timeout)) << r;
    const std::int64_t ms = std::stol(m[1]);
    const auto ok = run_window(a, ms);
    EXPECT_EQ(ok.gap_skipped, 0U) << "case " << c << ": " << ms << " ms";
    EXPECT_EQ(ok.late, 0U) << "case " << c;
    if (ms > 1) {
      const auto short_run = run_window(a, ms - 1);
      EXPECT_GT(short_run.gap_skipped + short_run.late, 0U) << "case " << c << ": " << ms - 1 << " ms is enough";
    }
  }
  EXPECT_GT(with_findings, 200) << "the generator must produce reordering";
}

} // namespace
