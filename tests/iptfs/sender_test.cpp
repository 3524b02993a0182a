// iptfs::sender: sizing from the SA and the path, aggregation, fragmentation
// with BlockOffset, don't-fragment, init delay, queue limits, and no heap
// allocation per packet. The first test replays the example flow of RFC 9347
// Appendix A with the offsets worked out by hand.
#include "../support/counting_new.hpp"
#include "iptfs_test_support.hpp"

#include <gtest/gtest.h>

#include "vpnwire/iptfs/payload.hpp"
#include "vpnwire/iptfs/sender.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>

using namespace vpnwire;
using namespace iptfs_test;
using namespace std::chrono_literals;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

// Counts heap allocations in this binary (the no-allocation test reads it).
// The replacements pair malloc with free, which GCC cannot see through.

namespace {

const time_point t0 = from_nanoseconds(1'000'000'000);

esp::sa_config gcm() {
  esp::sa_config sa;
  sa.spi = 0x1000;
  return sa; // AES-128-GCM, 16-byte ICV, tunnel mode
}

iptfs::sender make(const iptfs::sender_config &cfg, const esp::sa_config &sa = gcm()) {
  auto s = iptfs::sender::create(cfg, sa);
  EXPECT_TRUE(s) << iptfs::name(s.code());
  return std::move(*s);
}

std::vector<bytes> drain(iptfs::sender &s, time_point now) {
  std::vector<bytes> out;
  bytes buf(s.payload_size());
  for (;;) {
    auto n = s.next_payload(now, buf);
    if (!n) {
      EXPECT_EQ(n.code(), iptfs::errc::queue_empty);
      return out;
    }
    out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
}

// Splits a lossless payload stream back into inner packets with the view
// and the walker only, checking every BlockOffset against the bytes the
// packet in progress still needs.
std::vector<bytes> split_stream(const std::vector<bytes> &payloads, bool *consistent) {
  std::vector<bytes> out;
  bytes partial;
  std::size_t want = 0; // declared length of the partial packet (0: unknown yet)
  *consistent = true;
  for (const bytes &p : payloads) {
    auto v = iptfs::parse_payload(p);
    if (!v) {
      *consistent = false;
      return out;
    }
    const bool in_progress = !partial.empty();
    if (in_progress != (v->block_offset() != 0)) *consistent = false;
    auto r = v->blocks();
    for (const iptfs::data_block &b : r) {
      switch (b.kind) {
      case iptfs::block_kind::continuation:
        if (want != 0 && b.length != want - partial.size()) *consistent = false;
        partial.insert(partial.end(), b.bytes.begin(), b.bytes.end());
        if (b.complete()) {
          out.push_back(partial);
          partial.clear();
          want = 0;
        }
        break;
      case iptfs::block_kind::ipv4:
      case iptfs::block_kind::ipv6:
        if (b.complete()) {
          out.emplace_back(b.bytes.begin(), b.bytes.end());
        } else {
          partial.assign(b.bytes.begin(), b.bytes.end());
          want = b.length;
        }
        break;
      case iptfs::block_kind::pad: break;
      }
    }
    if (!r.ok()) *consistent = false;
  }
  if (!partial.empty()) *consistent = false;
  return out;
}

// RFC 9347 Appendix A: inner packets of 800, 800, 60, 240 and 4000 bytes in
// payloads whose data area is 1500 bytes. By hand:
//   payload 1: BlockOffset 0;    800 of A, 700 of B
//   payload 2: BlockOffset 100;  100 of B, C (60), D (240), 1100 of E
//   payload 3: BlockOffset 2900; 1500 of E (2900 > 1500: E goes on)
//   payload 4: BlockOffset 1400; 1400 of E, then 100 bytes of pad
// so E, split across three outer packets, is whole again after payload 4.
TEST(IptfsSender, RfcAppendixAFlowByHand) {
  const bytes a = ipv4_packet(800, 1), b = ipv4_packet(800, 2), c = ipv4_packet(60, 3), d = ipv4_packet(240, 4),
              e = ipv4_packet(4000, 5);
  for (bool pad : {true, false}) {
    iptfs::sender_config cfg;
    cfg.outer_packet_size = 9000;
    cfg.payload_size = 1504; // 4-byte header + 1500 bytes of data blocks
    cfg.pad_to_size = pad;
    iptfs::sender s = make(cfg);
    ASSERT_EQ(s.payload_size(), 1504U);
    ASSERT_EQ(s.data_room(), 1500U);
    for (const bytes *p : {&a, &b, &c, &d, &e}) ASSERT_TRUE(s.enqueue(*p, t0));
    const auto out = drain(s, t0);
    ASSERT_EQ(out.size(), 4U);
    const bytes_view bv(b), ev(e);
    const bytes want1 = [&] {
      bytes w = hex("00 00 00 00");
      w.insert(w.end(), a.begin(), a.end());
      w.insert(w.end(), bv.begin(), bv.begin() + 700);
      return w;
    }();
    bytes want2 = hex("00 00 00 64");
    want2.insert(want2.end(), bv.begin() + 700, bv.end());
    want2.insert(want2.end(), c.begin(), c.end());
    want2.insert(want2.end(), d.begin(), d.end());
    want2.insert(want2.end(), ev.begin(), ev.begin() + 1100);
    bytes want3 = hex("00 00 0b 54");
    want3.insert(want3.end(), ev.begin() + 1100, ev.begin() + 2600);
    bytes want4 = hex("00 00 05 78");
    want4.insert(want4.end(), ev.begin() + 2600, ev.end());
    if (pad) want4.resize(1504, std::byte{0});
    EXPECT_EQ(to_hex(out[0]), to_hex(want1));
    EXPECT_EQ(to_hex(out[1]), to_hex(want2));
    EXPECT_EQ(to_hex(out[2]), to_hex(want3));
    EXPECT_EQ(to_hex(out[3]), to_hex(want4));
    EXPECT_EQ(out[3].size(), pad ? 1504U : 1404U);
    EXPECT_EQ(s.counters().sent, 5U);
    EXPECT_EQ(s.counters().fragmented, 2U); // B and E
    EXPECT_EQ(s.counters().payloads, 4U);
    EXPECT_EQ(s.counters().pad_bytes, pad ? 100U : 0U);
    EXPECT_EQ(s.queued_packets(), 0U);
  }
}

// Payload room from the link MTU and the SA, worked out by hand for
// AES-128-GCM-16 (SPI + sequence 8, IV 8, ICV 16, padding to 4):
//   link 1500: 1480 for ESP, 1480 - 32 = 1448 (a multiple of 4) - 2 = 1446
//   NAT-T:     1472 - 32 = 1440 - 2 = 1438; PPPoE: the same
//   IPv6 outer: 1460 - 32 = 1428 - 2 = 1426
//   outer size 1454 (the PPPoE incident path): 1434 - 32 = 1402 -> 1400 - 2 = 1398
TEST(IptfsSender, PayloadRoomByHand) {
  iptfs::sender_config cfg;
  EXPECT_EQ(*iptfs::sender::payload_room(cfg, gcm(), 0), 1446U);
  esp::sa_config natt = gcm();
  natt.udp_encap = true;
  EXPECT_EQ(*iptfs::sender::payload_room(cfg, natt, 0), 1438U);
  cfg.pppoe = true;
  EXPECT_EQ(*iptfs::sender::payload_room(cfg, gcm(), 0), 1438U);
  cfg.pppoe = false;
  cfg.outer_ip_version = 6;
  EXPECT_EQ(*iptfs::sender::payload_room(cfg, gcm(), 0), 1426U);
  cfg.outer_ip_version = 4;
  cfg.outer_packet_size = 1454;
  EXPECT_EQ(*iptfs::sender::payload_room(cfg, gcm(), 0), 1398U);
  // The packet that room makes: 1398 + 16 + 0 padding + 2 + 16 = 1432 ESP
  // bytes, 1452 with the outer header, within 1454.
  EXPECT_EQ(gcm().packet_size(1398), 1432U);
  // A path MTU caps the configured size but never raises it.
  EXPECT_EQ(*iptfs::sender::payload_room(cfg, gcm(), 1500), 1398U);
  EXPECT_EQ(*iptfs::sender::payload_room(cfg, gcm(), 1300), 1246U);
  // The congestion-control header takes 20 more bytes of the room.
  iptfs::sender_config cc = cfg;
  cc.congestion_control = true;
  iptfs::sender s = make(cc);
  EXPECT_EQ(s.payload_size(), 1398U);
  EXPECT_EQ(s.data_room(), 1374U);
}

// The link arithmetic of tunnel::compute_tunnel_limits and the SA's own
// max_payload() are two separate implementations: for every MTU and
// transform the unset size (through tunnel/) equals a fixed outer size (through
// esp/) of the same MTU, and the packet always fits.
TEST(IptfsSender, TunnelLimitsAgreeWithTheSaForEveryMtu) {
  std::vector<esp::sa_config> sas;
  for (auto c : {esp::cipher::aes_gcm, esp::cipher::aes_cbc, esp::cipher::aes_ctr, esp::cipher::chacha20_poly1305,
                 esp::cipher::null}) {
    for (bool udp : {false, true}) {
      esp::sa_config sa;
      sa.cipher = c;
      sa.key_bits = c == esp::cipher::null ? 0 : c == esp::cipher::chacha20_poly1305 ? 256 : 128;
      sa.integrity = sa.is_aead() ? esp::integrity::none : esp::integrity::hmac_sha256_128;
      sa.udp_encap = udp;
      sas.push_back(sa);
    }
  }
  for (const auto &sa : sas) {
    for (std::size_t mtu = 200; mtu <= 9000; mtu += 7) {
      for (std::uint8_t v : {4, 6}) {
        iptfs::sender_config unset;
        unset.link_mtu = mtu;
        unset.outer_ip_version = v;
        iptfs::sender_config fixed = unset;
        fixed.outer_packet_size = mtu;
        auto a = iptfs::sender::payload_room(unset, sa, 0);
        auto b = iptfs::sender::payload_room(fixed, sa, 0);
        ASSERT_EQ(a.has_value(), b.has_value()) << mtu;
        if (!a) continue;
        ASSERT_EQ(*a, *b) << mtu << " " << static_cast<int>(sa.cipher);
        const std::size_t outer = (v == 6 ? 40U : 20U) + sa.packet_size(*a);
        ASSERT_LE(outer, mtu);
        ASSERT_GT(outer + sa.pad_alignment(), mtu); // and one more alignment step would not fit
      }
    }
  }
}

TEST(IptfsSender, InvalidConfigurations) {
  iptfs::sender_config cfg;
  cfg.outer_ip_version = 5;
  EXPECT_EQ(iptfs::sender::create(cfg, gcm()).code(), iptfs::errc::invalid_parameter);
  cfg = {};
  cfg.max_queue_packets = 0;
  EXPECT_EQ(iptfs::sender::create(cfg, gcm()).code(), iptfs::errc::invalid_parameter);
  cfg = {};
  cfg.max_queue_bytes = 65534;
  EXPECT_EQ(iptfs::sender::create(cfg, gcm()).code(), iptfs::errc::invalid_parameter);
  cfg = {};
  cfg.outer_packet_size = 60; // 20 + 8 + 8 + 16 + 2 leaves 6 bytes: below a header + 6
  EXPECT_EQ(iptfs::sender::create(cfg, gcm()).code(), iptfs::errc::invalid_parameter);
  cfg.link_mtu = 40;
  cfg.outer_packet_size = 0;
  EXPECT_EQ(iptfs::sender::create(cfg, gcm()).code(), iptfs::errc::invalid_parameter);
  cfg = {};
  iptfs::sender s = make(cfg);
  EXPECT_EQ(s.set_path_mtu(50).code(), iptfs::errc::invalid_parameter);
  EXPECT_EQ(s.payload_size(), 1446U); // unchanged
  ASSERT_TRUE(s.set_path_mtu(1280));
  EXPECT_EQ(s.path_mtu(), 1280U);
  EXPECT_EQ(s.payload_size(), 1226U);
  ASSERT_TRUE(s.set_path_mtu(0));
  EXPECT_EQ(s.payload_size(), 1446U);
}

TEST(IptfsSender, EnqueueRefusesWhatIsNotOneIpPacket) {
  iptfs::sender s = make({});
  bytes p = ipv4_packet(100, 1);
  p[0] = std::byte{0x55};
  EXPECT_EQ(s.enqueue(p, t0).code(), iptfs::errc::not_an_ip_packet);
  EXPECT_EQ(s.enqueue(bytes{}, t0).code(), iptfs::errc::not_an_ip_packet);
  EXPECT_EQ(s.enqueue(bytes(10, std::byte{0x45}), t0).code(), iptfs::errc::not_an_ip_packet);
  EXPECT_EQ(s.enqueue(bytes(30, std::byte{0x00}), t0).code(), iptfs::errc::not_an_ip_packet); // pad nibble
  bytes q = ipv4_packet(100, 1);
  auto r = s.enqueue(bytes_view(q).first(99), t0);
  EXPECT_EQ(r.code(), iptfs::errc::inner_length_mismatch);
  EXPECT_EQ(r.offset(), 2U);
  bytes v6 = ipv6_packet(100, 1);
  r = s.enqueue(bytes_view(v6).first(90), t0);
  EXPECT_EQ(r.code(), iptfs::errc::inner_length_mismatch);
  EXPECT_EQ(r.offset(), 4U);
  bytes jumbo = ipv6_packet(65536, 1);
  EXPECT_EQ(s.enqueue(jumbo, t0).code(), iptfs::errc::inner_packet_too_large);
  EXPECT_EQ(s.counters().refused_invalid, 7U);
  EXPECT_TRUE(s.enqueue(ipv6_packet(65535, 1), t0));
  EXPECT_EQ(s.counters().enqueued, 1U);
}

// Aggregation and fragmentation over random traffic: every payload fits,
// BlockOffset always equals what the packet in progress still needs, and
// the payloads split back into exactly the packets queued, in order. With
// split_length_fields off no payload ends inside a length field.
TEST(IptfsSender, StreamSplitsBackIntoThePacketsQueued) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    iptfs::sender_config cfg;
    cfg.outer_packet_size = 9000;
    cfg.payload_size = 40 + rng() % 1600;
    cfg.pad_to_size = (rng() & 1) != 0;
    cfg.split_length_fields = (rng() & 1) != 0;
    cfg.congestion_control = rng() % 4 == 0;
    cfg.max_queue_bytes = 65535 + rng() % 100000; // small rings wrap
    iptfs::sender s = make(cfg);
    std::vector<bytes> queued;
    std::vector<bytes> payloads;
    bytes buf(s.payload_size());
    for (int k = 0; k < 200; ++k) {
      const std::size_t len = rng() % 10 == 0 ? 1000 + rng() % 9000 : 44 + rng() % 600;
      bytes p = (rng() & 1) != 0 ? ipv4_packet(len, static_cast<std::uint32_t>(k)) : ipv6_packet(len, 0);
      if (s.enqueue(p, t0)) queued.push_back(std::move(p));
      // Drain some of the time, so packets are queued behind a fragment in progress.
      while (rng() % 3 != 0) {
        auto n = s.next_payload(t0, buf);
        if (!n) break;
        ASSERT_LE(*n, s.payload_size());
        if (cfg.pad_to_size) {
          ASSERT_EQ(*n, s.payload_size());
        }
        payloads.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
      }
    }
    for (auto &p : drain(s, t0)) payloads.push_back(std::move(p));
    bool consistent = false;
    const auto back = split_stream(payloads, &consistent);
    ASSERT_TRUE(consistent) << iter;
    ASSERT_EQ(back, queued) << iter;
    EXPECT_EQ(s.counters().sent, queued.size());
    if (!cfg.split_length_fields) {
      for (const bytes &p : payloads) {
        auto r = iptfs::parse_payload(p)->blocks();
        for (const auto &b : r) ASSERT_FALSE(b.length_split());
      }
    }
    std::uint64_t bytes_total = 0;
    for (const auto &p : payloads) bytes_total += p.size();
    EXPECT_EQ(s.counters().payload_bytes, bytes_total);
  }
}

// With split_length_fields the sender does cut a length field when the room
// left is smaller than it: a 1-byte tail of room after a packet.
TEST(IptfsSender, SplitLengthFieldWhenAllowed) {
  iptfs::sender_config cfg;
  cfg.outer_packet_size = 9000;
  cfg.payload_size = 4 + 100;
  cfg.split_length_fields = true;
  iptfs::sender s = make(cfg);
  ASSERT_TRUE(s.enqueue(ipv4_packet(98, 1), t0));
  ASSERT_TRUE(s.enqueue(ipv6_packet(60, 2), t0));
  auto out = drain(s, t0);
  ASSERT_EQ(out.size(), 2U);
  // 98 + 2 bytes of the IPv6 header in payload 1; BlockOffset 58 in payload 2.
  EXPECT_EQ(to_hex(bytes_view(out[0]).subspan(102)), "6000");
  EXPECT_EQ(to_hex(bytes_view(out[1]).first(4)), "0000003a");
  cfg.split_length_fields = false;
  iptfs::sender t = make(cfg);
  ASSERT_TRUE(t.enqueue(ipv4_packet(98, 1), t0));
  ASSERT_TRUE(t.enqueue(ipv6_packet(60, 2), t0));
  out = drain(t, t0);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].size(), 102U); // the IPv6 packet waits for the next payload
  EXPECT_EQ(to_hex(bytes_view(out[1]).first(5)), "0000000060");
}

TEST(IptfsSender, DontFragmentSignalsTooBigAndNeverSplits) {
  iptfs::sender_config cfg;
  cfg.outer_packet_size = 1454;
  cfg.dont_fragment = true;
  iptfs::sender s = make(cfg);
  EXPECT_EQ(s.inner_mtu(), 1394U);
  EXPECT_EQ(s.enqueue(ipv4_packet(1395, 1), t0).code(), iptfs::errc::too_big);
  EXPECT_EQ(s.counters().refused_too_big, 1U);
  ASSERT_TRUE(s.enqueue(ipv4_packet(1394, 2), t0));
  ASSERT_TRUE(s.enqueue(ipv4_packet(700, 3), t0));
  ASSERT_TRUE(s.enqueue(ipv4_packet(700, 4), t0));
  ASSERT_TRUE(s.enqueue(ipv4_packet(600, 5), t0));
  const auto out = drain(s, t0);
  ASSERT_EQ(out.size(), 3U); // [1394] [700] [700 600]: the second 700 waits rather than split
  for (const bytes &p : out) {
    auto v = iptfs::parse_payload(p);
    EXPECT_EQ(v->block_offset(), 0);
    auto r = v->blocks();
    for (const auto &b : r) EXPECT_TRUE(b.complete());
  }
  EXPECT_EQ(out[0].size(), 4U + 1394);
  EXPECT_EQ(out[1].size(), 4U + 700);
  EXPECT_EQ(out[2].size(), 4U + 700 + 600);
  // The path shrinks after packets were queued: those no longer fitting are dropped.
  ASSERT_TRUE(s.enqueue(ipv4_packet(1300, 6), t0));
  ASSERT_TRUE(s.enqueue(ipv4_packet(100, 7), t0));
  ASSERT_TRUE(s.set_path_mtu(1280));
  const auto after = drain(s, t0);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].size(), 104U);
  EXPECT_EQ(s.counters().dropped_too_big, 1U);
}

TEST(IptfsSender, InitDelayHoldsTheQueue) {
  iptfs::sender_config cfg;
  cfg.init_delay = 2ms;
  iptfs::sender s = make(cfg);
  bytes buf(s.payload_size());
  EXPECT_EQ(s.next_deadline(), time_point::max());
  EXPECT_EQ(s.next_payload(t0, buf).code(), iptfs::errc::queue_empty);
  ASSERT_TRUE(s.enqueue(ipv4_packet(100, 1), t0));
  EXPECT_EQ(s.next_deadline(), t0 + 2ms);
  EXPECT_FALSE(s.ready(t0 + 1ms));
  EXPECT_EQ(s.next_payload(t0 + 1ms, buf).code(), iptfs::errc::not_due);
  // A packet queued meanwhile joins the first one; the deadline stays.
  ASSERT_TRUE(s.enqueue(ipv4_packet(200, 2), t0 + 1ms));
  EXPECT_EQ(s.next_deadline(), t0 + 2ms);
  EXPECT_TRUE(s.ready(t0 + 2ms));
  auto n = s.next_payload(t0 + 2ms, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 304U);
  // The queue emptied: the next packet starts a new delay.
  ASSERT_TRUE(s.enqueue(ipv4_packet(100, 3), t0 + 5ms));
  EXPECT_EQ(s.next_deadline(), t0 + 7ms);
  EXPECT_EQ(s.next_payload(t0 + 6ms, buf).code(), iptfs::errc::not_due);
  EXPECT_EQ(s.next_payload(t0 + 7ms, mutable_bytes(buf).first(10)).code(), iptfs::errc::buffer_too_small);
  EXPECT_TRUE(s.next_payload(t0 + 7ms, buf));
}

TEST(IptfsSender, QueueLimitsInPacketsAndBytes) {
  iptfs::sender_config cfg;
  cfg.max_queue_packets = 3;
  iptfs::sender s = make(cfg);
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(s.enqueue(ipv4_packet(100, i), t0));
  EXPECT_EQ(s.enqueue(ipv4_packet(100, 9), t0).code(), iptfs::errc::queue_full);
  cfg = {};
  cfg.max_queue_bytes = 65535;
  iptfs::sender b = make(cfg);
  ASSERT_TRUE(b.enqueue(ipv4_packet(65000, 1), t0));
  ASSERT_TRUE(b.enqueue(ipv4_packet(535, 2), t0));
  EXPECT_EQ(b.queued_bytes(), 65535U);
  EXPECT_EQ(b.enqueue(ipv4_packet(24, 3), t0).code(), iptfs::errc::queue_full);
  EXPECT_EQ(b.counters().refused_queue_full, 1U);
  // Bytes are freed as packets are sent whole, not before.
  bytes buf(b.payload_size());
  ASSERT_TRUE(b.next_payload(t0, buf));
  EXPECT_TRUE(b.fragment_in_progress());
  EXPECT_EQ(b.queued_bytes(), 65535U);
  EXPECT_EQ(b.enqueue(ipv4_packet(24, 3), t0).code(), iptfs::errc::queue_full);
  (void)drain(b, t0);
  EXPECT_EQ(b.queued_bytes(), 0U);
  EXPECT_TRUE(b.enqueue(ipv4_packet(24, 3), t0));
}

// An all-pad payload may go out between the fragments of a packet
// (RFC 9347 §2.2.3): it does not disturb the packet in progress.
TEST(IptfsSender, PadOnlyPayloadBetweenFragments) {
  iptfs::sender_config cfg;
  cfg.outer_packet_size = 9000;
  cfg.payload_size = 504;
  iptfs::sender s = make(cfg);
  ASSERT_TRUE(s.enqueue(ipv4_packet(1200, 1), t0));
  bytes buf(504);
  std::vector<bytes> out;
  auto n = s.next_payload(t0, buf);
  out.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  n = s.pad_payload(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 504U);
  EXPECT_EQ(to_hex(buf), to_hex(bytes(504, std::byte{0})));
  out.emplace_back(buf.begin(), buf.end());
  for (auto &p : drain(s, t0)) out.push_back(std::move(p));
  ASSERT_EQ(out.size(), 4U);
  EXPECT_EQ(iptfs::parse_payload(out[2])->block_offset(), 700);
  EXPECT_EQ(iptfs::parse_payload(out[3])->block_offset(), 200);
  EXPECT_EQ(s.counters().pad_only, 1U);
  EXPECT_EQ(s.counters().payloads, 4U);
  EXPECT_EQ(s.pad_payload(mutable_bytes(buf).first(3)).code(), iptfs::errc::buffer_too_small);
}

TEST(IptfsSender, CongestionControlHeaders) {
  iptfs::sender_config cfg;
  cfg.congestion_control = true;
  iptfs::sender s = make(cfg);
  iptfs::cc_fields cc;
  cc.tval = 42;
  cc.rtt = iptfs::max_rtt + 1;
  EXPECT_EQ(s.set_congestion_fields(cc).code(), iptfs::errc::value_out_of_range);
  cc.rtt = 1000;
  ASSERT_TRUE(s.set_congestion_fields(cc));
  ASSERT_TRUE(s.enqueue(ipv4_packet(100, 1), t0));
  bytes buf(s.payload_size());
  auto n = s.next_payload(t0, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 124U);
  auto v = iptfs::parse_payload(bytes_view(buf).first(*n));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->congestion_control());
  EXPECT_EQ(v->congestion(), cc);
}

// After create(), enqueue and next_payload never touch the heap.
TEST(IptfsSender, NoHeapAllocationPerPacket) {
  iptfs::sender_config cfg;
  cfg.max_queue_bytes = 1 << 17;
  iptfs::sender s = make(cfg);
  std::vector<bytes> packets;
  for (std::uint32_t i = 0; i < 64; ++i)
    packets.push_back(i % 3 == 0 ? ipv6_packet(44 + i * 40, i) : ipv4_packet(24 + i * 37, i));
  bytes buf(s.payload_size());
  const std::size_t before = vpnwire_test::new_calls.load();
  std::size_t produced = 0;
  for (int round = 0; round < 2000; ++round) {
    for (std::size_t i = round % 7; i < packets.size(); i += 7) (void)s.enqueue(packets[i], t0);
    while (true) {
      auto n = s.next_payload(t0, buf);
      if (!n) break;
      produced += *n;
    }
  }
  const std::size_t after = vpnwire_test::new_calls.load();
  EXPECT_EQ(after, before);
  EXPECT_GT(produced, 1000000U);
  EXPECT_GT(s.counters().fragmented, 0U);
}

} // namespace
