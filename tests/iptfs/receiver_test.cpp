// iptfs::receiver: reassembly across payloads, the runt rule, pad-only
// payloads, gaps, BlockOffset disagreements, the reorder window with
// reorder_window and drop_time, and one counter for every drop reason.
// Payloads are assembled by hand (header bytes written out, blocks cut from
// inner packets at the offsets the RFC's layout gives).
#include "iptfs_test_support.hpp"

#include <gtest/gtest.h>

#include "vpnwire/iptfs/payload.hpp"
#include "vpnwire/iptfs/receiver.hpp"

#include <chrono>

using namespace vpnwire;
using namespace iptfs_test;
using namespace std::chrono_literals;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {

const time_point t0 = from_nanoseconds(1'000'000'000);
using receiver = iptfs::receiver<8>;

/// A payload: header "00 00 <BlockOffset>", then the parts, then padding to `pad_to`.
bytes payload(std::uint16_t bo, std::initializer_list<bytes_view> parts, std::size_t pad_to = 0) {
  bytes out = hex("00 00");
  out.push_back(static_cast<std::byte>(bo >> 8));
  out.push_back(static_cast<std::byte>(bo & 0xFF));
  for (bytes_view p : parts) out.insert(out.end(), p.begin(), p.end());
  if (out.size() < pad_to) out.resize(pad_to, std::byte{0});
  return out;
}

receiver make(iptfs::receiver_config cfg = {}) {
  auto r = receiver::create(cfg);
  EXPECT_TRUE(r) << iptfs::name(r.code());
  return std::move(*r);
}

/// Checks the two conservation laws of receiver_counters.
void expect_conserved(const receiver &r) {
  const auto &c = r.counters();
  EXPECT_EQ(c.payloads, c.processed + c.duplicate + c.late + c.out_of_window + c.too_large + r.held());
  EXPECT_EQ(c.started, c.reassembled + c.abandoned_gap + c.abandoned_timeout + c.abandoned_mismatch +
                           c.abandoned_invalid + c.abandoned_flush + (r.in_progress() ? 1U : 0U));
}

struct appendix_a {
  bytes a = ipv4_packet(800, 1), b = ipv4_packet(800, 2), c = ipv4_packet(60, 3), d = ipv4_packet(240, 4),
        e = ipv4_packet(4000, 5);
  // RFC 9347 Appendix A, BlockOffsets 0, 100, 2900, 1400 (see sender_test.cpp).
  std::vector<bytes> payloads() const {
    const bytes_view bv(b), ev(e);
    return {payload(0, {a, bv.first(700)}), payload(100, {bv.subspan(700), c, d, ev.first(1100)}),
            payload(2900, {ev.subspan(1100, 1500)}), payload(1400, {ev.subspan(2600)}, 1504)};
  }
};

TEST(IptfsReceiver, RfcAppendixAFlow) {
  appendix_a f;
  const auto p = f.payloads();
  ASSERT_EQ(to_hex(bytes_view(p[2]).first(4)), "00000b54");
  receiver r = make();
  recorder rec;
  for (std::size_t i = 0; i < p.size(); ++i)
    EXPECT_EQ(r.receive(i + 1, p[i], t0, rec.sink()), iptfs::receive_outcome::processed);
  ASSERT_EQ(rec.packets.size(), 5U);
  EXPECT_EQ(rec.packets[0], f.a);
  EXPECT_EQ(rec.packets[1], f.b);
  EXPECT_EQ(rec.packets[2], f.c);
  EXPECT_EQ(rec.packets[3], f.d);
  EXPECT_EQ(rec.packets[4], f.e);
  const auto &c = r.counters();
  EXPECT_EQ(c.processed, 4U);
  EXPECT_EQ(c.delivered, 5U);
  EXPECT_EQ(c.delivered_bytes, 800U + 800 + 60 + 240 + 4000);
  EXPECT_EQ(c.started, 2U);
  EXPECT_EQ(c.reassembled, 2U);
  EXPECT_FALSE(r.in_progress());
  expect_conserved(r);
}

// Any order within the window gives the same result.
TEST(IptfsReceiver, RfcAppendixAFlowReordered) {
  appendix_a f;
  const auto p = f.payloads();
  receiver r = make();
  recorder rec;
  EXPECT_EQ(r.receive(3, p[2], t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.receive(2, p[1], t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.receive(4, p[3], t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.held(), 3U);
  EXPECT_TRUE(rec.packets.empty());
  EXPECT_EQ(r.receive(1, p[0], t0, rec.sink()), iptfs::receive_outcome::processed);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(r.held(), 0U);
  expect_conserved(r);
}

// §2.2.3: an all-pad payload between two fragments advances the expected
// sequence number and keeps the packet in progress.
TEST(IptfsReceiver, PadOnlyPayloadKeepsThePacketInProgress) {
  const bytes e = ipv4_packet(1000, 9);
  const bytes_view ev(e);
  receiver r = make();
  recorder rec;
  (void)r.receive(1, payload(0, {ev.first(400)}), t0, rec.sink());
  EXPECT_TRUE(r.in_progress());
  EXPECT_EQ(r.in_progress_bytes(), 400U);
  (void)r.receive(2, hex("00 00 00 00 00 00 00 00"), t0, rec.sink());
  (void)r.receive(3, hex("00 00 00 00"), t0, rec.sink()); // no data at all: pad-only as well
  EXPECT_TRUE(r.in_progress());
  (void)r.receive(4, payload(600, {ev.subspan(400)}), t0, rec.sink());
  ASSERT_EQ(rec.packets.size(), 1U);
  EXPECT_EQ(rec.packets[0], e);
  EXPECT_EQ(r.counters().pad_only, 2U);
  EXPECT_EQ(r.counters().sequence_gaps, 0U);
  expect_conserved(r);
}

// A missing payload abandons the packet in progress; the continuation that
// follows is an orphan, and the blocks after it are delivered.
TEST(IptfsReceiver, GapAbandonsThePacketInProgress) {
  const bytes e = ipv4_packet(1000, 9);
  const bytes x = ipv4_packet(50, 10);
  const bytes_view ev(e);
  iptfs::receiver_config cfg;
  cfg.reorder_window = 0; // give a gap up at once
  receiver r = make(cfg);
  recorder rec;
  (void)r.receive(1, payload(0, {ev.first(400)}), t0, rec.sink());
  // seq 2 (400 more bytes) is lost
  EXPECT_EQ(r.receive(3, payload(200, {ev.subspan(800), x}), t0, rec.sink()), iptfs::receive_outcome::processed);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{10}));
  const auto &c = r.counters();
  EXPECT_EQ(c.abandoned_gap, 1U);
  EXPECT_EQ(c.orphan_continuations, 1U);
  EXPECT_EQ(c.sequence_gaps, 1U);
  EXPECT_EQ(c.missing_payloads, 1U);
  // The late payload is refused: its gap was given up.
  EXPECT_EQ(r.receive(2, payload(600, {ev.subspan(400, 400)}), t0, rec.sink()), iptfs::receive_outcome::late);
  EXPECT_EQ(r.counters().late, 1U);
  expect_conserved(r);
}

// The runt rule: the first payload ends inside the length field; the next
// BlockOffset must cover the missing length bytes and equal what is left.
TEST(IptfsReceiver, RuntIpv4AndIpv6) {
  for (bool v6 : {false, true}) {
    const bytes y = v6 ? ipv6_packet(300, 1) : ipv4_packet(300, 1);
    for (std::size_t cut = 1; cut < (v6 ? 6U : 4U); ++cut) {
      receiver r = make();
      recorder rec;
      const bytes_view yv(y);
      (void)r.receive(1, payload(0, {ipv4_packet(60, 7), yv.first(cut)}), t0, rec.sink());
      EXPECT_TRUE(r.in_progress());
      EXPECT_EQ(r.in_progress_bytes(), cut);
      (void)r.receive(2, payload(static_cast<std::uint16_t>(300 - cut), {yv.subspan(cut)}, 400), t0, rec.sink());
      ASSERT_EQ(rec.packets.size(), 2U) << cut;
      EXPECT_EQ(rec.packets[1], y);
      EXPECT_EQ(r.counters().reassembled, 1U);
      expect_conserved(r);
    }
  }
}

TEST(IptfsReceiver, RuntWhoseContinuationCannotCompleteItIsAbandoned) {
  const bytes y = ipv6_packet(300, 1);
  const bytes_view yv(y);
  {
    // BlockOffset 2 < the 4 bytes of the length field still missing.
    receiver r = make();
    recorder rec;
    (void)r.receive(1, payload(0, {yv.first(2)}), t0, rec.sink());
    (void)r.receive(2, payload(2, {yv.subspan(2, 2), ipv4_packet(30, 5)}), t0, rec.sink());
    EXPECT_EQ(r.counters().abandoned_mismatch, 1U);
    EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{5})); // the packet after the continuation survives
    EXPECT_EQ(r.last_error().code, iptfs::errc::block_offset_mismatch);
    expect_conserved(r);
  }
  {
    // The completed length says 300 but BlockOffset says 200.
    receiver r = make();
    recorder rec;
    (void)r.receive(1, payload(0, {yv.first(3)}), t0, rec.sink());
    (void)r.receive(2, payload(200, {yv.subspan(3, 200)}), t0, rec.sink());
    EXPECT_EQ(r.counters().abandoned_mismatch, 1U);
    EXPECT_TRUE(rec.packets.empty());
  }
  {
    // An IPv4 runt whose completed Total Length is 10 (below 20).
    receiver r = make();
    recorder rec;
    (void)r.receive(1, payload(0, {hex("45 00")}), t0, rec.sink());
    (void)r.receive(2, payload(8, {hex("00 0a 00 00 00 00 00 00")}), t0, rec.sink());
    EXPECT_EQ(r.counters().abandoned_invalid, 1U);
    EXPECT_EQ(r.last_error().code, iptfs::errc::inner_length_below_header);
  }
  {
    // The completed length is above max_inner_size.
    iptfs::receiver_config cfg;
    cfg.max_inner_size = 200;
    receiver r = make(cfg);
    recorder rec;
    (void)r.receive(1, payload(0, {yv.first(5)}), t0, rec.sink());
    (void)r.receive(2, payload(295, {yv.subspan(5)}), t0, rec.sink());
    EXPECT_EQ(r.counters().abandoned_invalid, 1U);
    EXPECT_EQ(r.last_error().code, iptfs::errc::inner_packet_too_large);
    expect_conserved(r);
  }
}

TEST(IptfsReceiver, BlockOffsetDisagreeingWithThePacketInProgress) {
  const bytes e = ipv4_packet(1000, 9);
  const bytes x = ipv4_packet(50, 10);
  const bytes_view ev(e);
  receiver r = make();
  recorder rec;
  (void)r.receive(1, payload(0, {ev.first(400)}), t0, rec.sink());
  (void)r.receive(2, payload(500, {ev.subspan(400, 500), x}), t0, rec.sink()); // 600 are missing, not 500
  EXPECT_EQ(r.counters().abandoned_mismatch, 1U);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{10}));
  // A payload that starts a new packet where a continuation was due.
  (void)r.receive(3, payload(0, {ev.first(400)}), t0, rec.sink());
  (void)r.receive(4, payload(0, {x}), t0, rec.sink());
  EXPECT_EQ(r.counters().abandoned_mismatch, 2U);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{10, 10}));
  expect_conserved(r);
}

TEST(IptfsReceiver, OrphanContinuationIsSkipped) {
  const bytes x = ipv4_packet(50, 10);
  receiver r = make();
  recorder rec;
  (void)r.receive(1, payload(30, {bytes(30, std::byte{0xEE}), x}), t0, rec.sink());
  EXPECT_EQ(r.counters().orphan_continuations, 1U);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{10}));
  // BlockOffset beyond the payload: nothing else in it.
  (void)r.receive(2, payload(3000, {bytes(30, std::byte{0xEE})}), t0, rec.sink());
  EXPECT_EQ(r.counters().orphan_continuations, 2U);
  EXPECT_EQ(rec.packets.size(), 1U);
}

TEST(IptfsReceiver, MalformedPayloadsAreCountedAndSkipped) {
  const bytes e = ipv4_packet(1000, 9);
  const bytes_view ev(e);
  receiver r = make();
  recorder rec;
  (void)r.receive(1, payload(0, {ev.first(400)}), t0, rec.sink());
  (void)r.receive(2, hex("05 00 02 58 00 00"), t0, rec.sink()); // sub-type 5
  EXPECT_EQ(r.counters().malformed, 1U);
  EXPECT_EQ(r.counters().abandoned_invalid, 1U);
  EXPECT_EQ(r.last_error().code, iptfs::errc::unknown_sub_type);
  (void)r.receive(3, hex("01 00 00"), t0, rec.sink()); // truncated
  EXPECT_EQ(r.counters().malformed, 2U);
  EXPECT_EQ(r.last_error().code, iptfs::errc::truncated);
  // Unknown block type after a good packet: the packet is delivered, the rest dropped.
  (void)r.receive(4, payload(0, {ipv4_packet(40, 1), hex("90 00 00 00"), ipv4_packet(40, 2)}), t0, rec.sink());
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(r.counters().unknown_block_type, 1U);
  EXPECT_EQ(r.last_error().offset, 44U);
  // IPv4 Total Length 19 cannot be delimited.
  (void)r.receive(5, payload(0, {hex("45 00 00 13 00 00 00 00")}), t0, rec.sink());
  EXPECT_EQ(r.counters().bad_inner_length, 1U);
  EXPECT_EQ(r.last_error().code, iptfs::errc::inner_length_below_header);
  EXPECT_EQ(r.last_error().offset, 6U);
  expect_conserved(r);
}

TEST(IptfsReceiver, InnerPacketAboveTheReassemblyLimit) {
  iptfs::receiver_config cfg;
  cfg.max_inner_size = 1000;
  receiver r = make(cfg);
  recorder rec;
  const bytes big = ipv4_packet(1500, 1);
  const bytes_view bv(big);
  // Whole in one payload: delivered in place, no buffer needed.
  (void)r.receive(1, payload(0, {big}), t0, rec.sink());
  EXPECT_EQ(rec.packets.size(), 1U);
  // Split: refused at its start; its continuation is an orphan.
  (void)r.receive(2, payload(0, {bv.first(700)}), t0, rec.sink());
  (void)r.receive(3, payload(800, {bv.subspan(700)}), t0, rec.sink());
  EXPECT_EQ(rec.packets.size(), 1U);
  EXPECT_EQ(r.counters().bad_inner_length, 1U);
  EXPECT_EQ(r.counters().orphan_continuations, 1U);
  EXPECT_EQ(r.last_error().code, iptfs::errc::inner_packet_too_large);
}

// reorder_window 3 (the Linux default): three payloads wait behind a gap;
// the fourth gives the gap up (depth reorder_window + 1).
TEST(IptfsReceiver, ReorderWindowGivesUpAfterThreeWaiting) {
  receiver r = make();
  recorder rec;
  auto p = [](std::uint32_t id) { return payload(0, {ipv4_packet(40, id)}); };
  EXPECT_EQ(r.receive(1, p(1), t0, rec.sink()), iptfs::receive_outcome::processed);
  EXPECT_EQ(r.receive(3, p(3), t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.receive(4, p(4), t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.receive(5, p(5), t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.held(), 3U);
  // The fourth waiting payload gives the gap up and goes out with the run.
  EXPECT_EQ(r.receive(6, p(6), t0, rec.sink()), iptfs::receive_outcome::processed);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{1, 3, 4, 5, 6}));
  EXPECT_EQ(r.held(), 0U);
  EXPECT_EQ(r.counters().sequence_gaps, 1U);
  EXPECT_EQ(r.window_stats().depth_skips, 1U);
  EXPECT_EQ(r.receive(2, p(2), t0, rec.sink()), iptfs::receive_outcome::late);
  EXPECT_EQ(r.receive(6, p(6), t0, rec.sink()), iptfs::receive_outcome::duplicate);
  EXPECT_EQ(r.receive(8, p(8), t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.receive(8, p(8), t0, rec.sink()), iptfs::receive_outcome::duplicate);
  EXPECT_EQ(r.counters().duplicate, 2U);
  expect_conserved(r);
}

// drop_time: a payload waits at most that long; the packet in progress
// waits at most that long for its continuation.
TEST(IptfsReceiver, DropTimeReleasesWaitingPayloadsAndAbandonsStalePackets) {
  iptfs::receiver_config cfg;
  cfg.drop_time = 10ms;
  receiver r = make(cfg);
  recorder rec;
  const bytes e = ipv4_packet(1000, 9);
  const bytes_view ev(e);
  (void)r.receive(1, payload(0, {ipv4_packet(40, 1)}), t0, rec.sink());
  EXPECT_EQ(r.receive(3, payload(0, {ipv4_packet(40, 3)}), t0 + 1ms, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.next_deadline(), t0 + 11ms);
  EXPECT_EQ(r.poll(t0 + 10ms, rec.sink()), 0U);
  EXPECT_EQ(r.poll(t0 + 11ms, rec.sink()), 1U);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(r.window_stats().timed_out, 1U);
  EXPECT_FALSE(r.next_deadline());

  (void)r.receive(4, payload(0, {ev.first(400)}), t0 + 20ms, rec.sink());
  EXPECT_EQ(r.next_deadline(), t0 + 30ms);
  EXPECT_EQ(r.poll(t0 + 29ms, rec.sink()), 0U);
  EXPECT_TRUE(r.in_progress());
  (void)r.poll(t0 + 30ms, rec.sink());
  EXPECT_FALSE(r.in_progress());
  EXPECT_EQ(r.counters().abandoned_timeout, 1U);
  // Its continuation, when it comes, is an orphan.
  (void)r.receive(5, payload(600, {ev.subspan(400)}), t0 + 31ms, rec.sink());
  EXPECT_EQ(r.counters().orphan_continuations, 1U);
  expect_conserved(r);
}

TEST(IptfsReceiver, FlushProcessesWhatWaitsAndAbandonsThePacketInProgress) {
  receiver r = make();
  recorder rec;
  const bytes e = ipv4_packet(1000, 9);
  (void)r.receive(1, payload(0, {ipv4_packet(40, 1)}), t0, rec.sink());
  (void)r.receive(3, payload(0, {ipv4_packet(40, 3), bytes_view(e).first(100)}), t0, rec.sink());
  EXPECT_EQ(r.flush(t0, rec.sink()), 1U);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(r.counters().abandoned_flush, 1U);
  EXPECT_FALSE(r.in_progress());
  expect_conserved(r);
}

TEST(IptfsReceiver, EarlyPayloadLargerThanASlot) {
  iptfs::receiver_config cfg;
  cfg.max_payload_size = 100;
  receiver r = make(cfg);
  recorder rec;
  const bytes big = payload(0, {ipv4_packet(200, 2)});
  EXPECT_EQ(r.receive(2, big, t0, rec.sink()), iptfs::receive_outcome::too_large);
  EXPECT_EQ(r.last_error().code, iptfs::errc::payload_too_large);
  // In order it needs no slot.
  EXPECT_EQ(r.receive(1, big, t0, rec.sink()), iptfs::receive_outcome::processed);
  EXPECT_EQ(rec.packets.size(), 1U);
  EXPECT_EQ(r.counters().too_large, 1U);
  expect_conserved(r);
}

TEST(IptfsReceiver, FirstArrivalAnchorsWhenNoFirstSequenceIsGiven) {
  iptfs::receiver_config cfg;
  cfg.first_sequence = 0;
  receiver r = make(cfg);
  recorder rec;
  EXPECT_EQ(r.receive(1000, payload(0, {ipv4_packet(40, 1)}), t0, rec.sink()), iptfs::receive_outcome::processed);
  EXPECT_EQ(r.receive(1002, payload(0, {ipv4_packet(40, 3)}), t0, rec.sink()), iptfs::receive_outcome::held);
  EXPECT_EQ(r.receive(1001, payload(0, {ipv4_packet(40, 2)}), t0, rec.sink()), iptfs::receive_outcome::processed);
  EXPECT_EQ(rec.ids(), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(r.expected(), 1003U);
}

TEST(IptfsReceiver, InvalidConfigurations) {
  iptfs::receiver_config cfg;
  cfg.reorder_window = 8;
  EXPECT_EQ(receiver::create(cfg).code(), iptfs::errc::invalid_parameter);
  EXPECT_TRUE(iptfs::receiver<16>::create(cfg));
  cfg = {};
  cfg.max_inner_size = 39;
  EXPECT_EQ(receiver::create(cfg).code(), iptfs::errc::invalid_parameter);
  cfg.max_inner_size = 65576;
  EXPECT_EQ(receiver::create(cfg).code(), iptfs::errc::invalid_parameter);
  cfg = {};
  cfg.max_payload_size = 65536;
  EXPECT_EQ(receiver::create(cfg).code(), iptfs::errc::invalid_parameter);
  cfg = {};
  cfg.drop_time = -1ms;
  EXPECT_EQ(receiver::create(cfg).code(), iptfs::errc::invalid_parameter);
}

// Hostile payloads of every shape: memory stays what create() allocated,
// nothing is delivered that is not a whole inner packet, the counters
// balance.
TEST(IptfsReceiver, RandomBytesStayWithinBounds) {
  std::mt19937_64 rng(99);
  iptfs::receiver_config cfg;
  cfg.max_payload_size = 600;
  cfg.max_inner_size = 2000;
  cfg.drop_time = 5ms;
  receiver r = make(cfg);
  const std::size_t footprint = r.memory_footprint();
  std::uint64_t seq = 1;
  time_point now = t0;
  for (int i = 0; i < 50000; ++i) {
    bytes p(rng() % 700);
    for (auto &b : p) b = static_cast<std::byte>(rng());
    if (p.size() >= 10 && rng() % 2 == 0) {
      // A plausible header and first block, with a length that may or may not fit.
      p[0] = std::byte{0};
      const bool v4 = rng() % 2 == 0;
      p[4] = static_cast<std::byte>(v4 ? 0x45 : 0x60);
      const std::size_t len = rng() % (p.size() + 100);
      core::store_be16(p.data() + (v4 ? 6 : 8), static_cast<std::uint16_t>(v4 ? len : len / 2));
      if (rng() % 3 == 0) p[2] = p[3] = std::byte{0};
    }
    if (rng() % 4 == 0) {
      seq = seq > 5 && rng() % 2 == 0 ? seq - rng() % 5 : seq + rng() % 20;
    } else {
      ++seq;
    }
    now += std::chrono::microseconds(rng() % 2000);
    (void)r.receive(seq, p, now, [&](bytes_view inner) {
      ASSERT_GE(inner.size(), 20U);
      const unsigned v = std::to_integer<unsigned>(inner[0]) >> 4;
      ASSERT_TRUE(v == 4 || v == 6);
      const std::size_t len = v == 4 ? core::load_be16(inner.data() + 2) : 40U + core::load_be16(inner.data() + 4);
      ASSERT_EQ(len, inner.size());
    });
    ASSERT_LE(r.in_progress_bytes(), cfg.max_inner_size);
    ASSERT_LE(r.held(), 8U);
  }
  EXPECT_EQ(r.memory_footprint(), footprint);
  expect_conserved(r);
  EXPECT_GT(r.counters().delivered, 0U);
  EXPECT_GT(r.counters().malformed, 0U);
  EXPECT_GT(r.counters().started, 0U);
}

} // namespace
