// IP-TFS over real ESP (the OpenSSL backend): the sender's packets go through
// esp::outbound_sa with Next Header 144, the receiver's come back through
// esp::inbound_sa. Sized for the 1454-byte PPPoE path of the second incident,
// no outer packet exceeds the path, so nothing is ever IP-fragmented.
#include "iptfs_test_support.hpp"

#include <gtest/gtest.h>

#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/iptfs/receiver.hpp"
#include "vpnwire/iptfs/sender.hpp"

using namespace vpnwire;
using namespace iptfs_test;
using esp::crypto::openssl_transform;

namespace {

const time_point t0 = from_nanoseconds(1'000'000'000);

esp::sa_config sa_config(bool udp) {
  esp::sa_config sa;
  sa.spi = 0x5001;
  sa.cipher = esp::cipher::aes_gcm;
  sa.key_bits = 128;
  sa.udp_encap = udp;
  return sa;
}

struct sa_pair {
  esp::outbound_sa<openssl_transform> out;
  esp::inbound_sa<openssl_transform> in;
};

sa_pair make_sas(const esp::sa_config &sa) {
  const bytes key = vpnwire_test::hex("000102030405060708090a0b0c0d0e0f cafebabe");
  auto a = openssl_transform::make(sa, key, {});
  auto b = openssl_transform::make(sa, key, {});
  EXPECT_TRUE(a && b);
  return sa_pair{esp::outbound_sa<openssl_transform>(sa, std::move(*a)),
                 esp::inbound_sa<openssl_transform>(sa, std::move(*b))};
}

TEST(IptfsEsp, MixedTrafficThroughA1454BytePathNeverExceedsIt) {
  for (bool udp : {false, true}) {
    const esp::sa_config sa = sa_config(udp);
    sa_pair sas = make_sas(sa);
    iptfs::sender_config cfg;
    cfg.outer_packet_size = 1454;
    auto tx = iptfs::sender::create(cfg, sa);
    ASSERT_TRUE(tx);
    auto rx = iptfs::receiver<8>::create({});
    ASSERT_TRUE(rx);
    std::mt19937_64 rng(udp ? 2 : 1);
    std::vector<bytes> sent;
    std::vector<outer> wire;
    bytes buf(2048);
    for (std::uint32_t id = 0; id < 2000; ++id) {
      const std::uint64_t pick = rng() % 12;
      const std::size_t len = pick < 7 ? 64 : pick < 11 ? 576 : 1500; // the classic 7:4:1 mix
      bytes p = id % 5 == 0 ? ipv6_packet(len, id) : ipv4_packet(len, id);
      ASSERT_TRUE(tx->enqueue(p, t0));
      sent.push_back(std::move(p));
      while (rng() % 3 == 0) {
        auto n = tx->next_packet(t0, buf, sas.out);
        if (!n) break;
        ASSERT_LE(*n + 20, 1454U);
        wire.push_back(outer{0, bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)), false});
      }
    }
    for (;;) {
      auto n = tx->next_packet(t0, buf, sas.out);
      if (!n) {
        ASSERT_EQ(n.code(), iptfs::errc::queue_empty);
        break;
      }
      ASSERT_LE(*n + 20, 1454U);
      wire.push_back(outer{0, bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)), false});
    }
    // Reorder within the window on the way.
    channel ch;
    ch.max_overtake = 3;
    auto arrivals = ch.apply(wire, rng);
    recorder rec;
    for (outer &o : arrivals) {
      mutable_bytes pkt(o.payload);
      if (udp) pkt = pkt.subspan(esp::udp_header_size);
      auto r = rx->receive_esp(pkt, sas.in, t0, rec.sink());
      ASSERT_TRUE(r) << iptfs::name(r.code());
    }
    (void)rx->flush(t0, rec.sink());
    ASSERT_EQ(rec.packets.size(), sent.size());
    EXPECT_EQ(rec.packets, sent);
    EXPECT_EQ(sas.in.counters().delivered, wire.size());
    EXPECT_EQ(rx->counters().sequence_gaps, 0U);
    EXPECT_GT(tx->counters().fragmented, 100U);
  }
}

TEST(IptfsEsp, DummyPacketsAdvanceLikePadOnlyPayloads) {
  const esp::sa_config sa = sa_config(false);
  sa_pair sas = make_sas(sa);
  iptfs::sender_config cfg;
  cfg.outer_packet_size = 600;
  auto tx = iptfs::sender::create(cfg, sa);
  auto rx = iptfs::receiver<8>::create({});
  ASSERT_TRUE(tx && rx);
  const bytes big = ipv4_packet(1000, 7);
  ASSERT_TRUE(tx->enqueue(big, t0));
  bytes p1(2048), dummy(2048), p2(2048);
  auto n1 = tx->next_packet(t0, p1, sas.out);
  ASSERT_TRUE(n1);
  // An RFC 4303 §2.6 dummy packet between the two fragments.
  const std::size_t h = sas.out.headroom();
  dummy[h] = std::byte{0};
  auto nd = sas.out.encap(dummy, 1, esp::next_header_dummy);
  ASSERT_TRUE(nd);
  auto n2 = tx->next_packet(t0, p2, sas.out);
  ASSERT_TRUE(n2);
  recorder rec;
  ASSERT_TRUE(rx->receive_esp(mutable_bytes(p1).first(*n1), sas.in, t0, rec.sink()));
  ASSERT_TRUE(rx->receive_esp(mutable_bytes(dummy).first(*nd), sas.in, t0, rec.sink()));
  ASSERT_TRUE(rx->receive_esp(mutable_bytes(p2).first(*n2), sas.in, t0, rec.sink()));
  ASSERT_EQ(rec.packets.size(), 1U);
  EXPECT_EQ(rec.packets[0], big);
  EXPECT_EQ(rx->counters().dummy, 1U);
  EXPECT_EQ(rx->counters().pad_only, 1U);
  EXPECT_EQ(rx->counters().reassembled, 1U);
}

TEST(IptfsEsp, RefusedAndForeignPackets) {
  const esp::sa_config sa = sa_config(false);
  sa_pair sas = make_sas(sa);
  auto tx = iptfs::sender::create({}, sa);
  auto rx = iptfs::receiver<8>::create({});
  ASSERT_TRUE(tx && rx);
  recorder rec;
  // A plain tunnel-mode ESP packet (Next Header 4) on the AGGFRAG SA.
  bytes plain(2048);
  const bytes inner = ipv4_packet(100, 1);
  std::copy(inner.begin(), inner.end(), plain.begin() + static_cast<std::ptrdiff_t>(sas.out.headroom()));
  auto n = sas.out.encap(plain, inner.size(), esp::next_header_ipv4);
  ASSERT_TRUE(n);
  auto r = rx->receive_esp(mutable_bytes(plain).first(*n), sas.in, t0, rec.sink());
  EXPECT_EQ(r.code(), iptfs::errc::not_aggfrag);
  EXPECT_EQ(rx->counters().not_aggfrag, 1U);
  // A corrupted ICV.
  ASSERT_TRUE(tx->enqueue(inner, t0));
  bytes pkt(2048);
  auto m = tx->next_packet(t0, pkt, sas.out);
  ASSERT_TRUE(m);
  pkt[*m - 1] ^= std::byte{1};
  r = rx->receive_esp(mutable_bytes(pkt).first(*m), sas.in, t0, rec.sink());
  EXPECT_EQ(r.code(), iptfs::errc::esp_refused);
  EXPECT_EQ(rx->last_esp_error().code, esp::errc::icv_mismatch);
  EXPECT_EQ(rx->counters().esp_refused, 1U);
  EXPECT_TRUE(rec.packets.empty());
  // The SA refuses to send: nothing is consumed from the queue.
  ASSERT_TRUE(tx->enqueue(inner, t0));
  sas.out.set_last_sequence(0xFFFFFFFFU);
  auto e = tx->next_packet(t0, pkt, sas.out);
  EXPECT_EQ(e.code(), iptfs::errc::esp_refused);
  EXPECT_EQ(tx->last_esp_error().code, esp::errc::sequence_exhausted);
  EXPECT_EQ(tx->queued_packets(), 1U);
  EXPECT_EQ(tx->counters().esp_refused, 1U);
  EXPECT_EQ(tx->next_packet(t0, mutable_bytes(pkt).first(100), sas.out).code(), iptfs::errc::buffer_too_small);
  EXPECT_EQ(tx->pad_packet(pkt, sas.out).code(), iptfs::errc::esp_refused);
}

TEST(IptfsEsp, PadPacketThroughTheSa) {
  const esp::sa_config sa = sa_config(true);
  sa_pair sas = make_sas(sa);
  iptfs::sender_config cfg;
  cfg.outer_packet_size = 1454;
  auto tx = iptfs::sender::create(cfg, sa);
  auto rx = iptfs::receiver<8>::create({});
  ASSERT_TRUE(tx && rx);
  bytes pkt(2048);
  auto n = tx->pad_packet(pkt, sas.out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n + 20, 1452U); // full size: an all-pad payload of payload_size() bytes
  recorder rec;
  auto r = rx->receive_esp(mutable_bytes(pkt).subspan(8, *n - 8), sas.in, t0, rec.sink());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, iptfs::receive_outcome::processed);
  EXPECT_EQ(rx->counters().pad_only, 1U);
}

} // namespace
