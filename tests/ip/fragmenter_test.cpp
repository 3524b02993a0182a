// ip::fragmenter: every fragment fits the MTU, data is 8-byte aligned except
// in the last fragment, options follow their copy flag (RFC 791 §3.1), DF is
// honoured, and the fragments reassemble to the original byte for byte
// (checked by offsets and payload directly, and through ip::reassembler).
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/reassembler.hpp"

#include "frag_helpers.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace vpnwire;
using ip::errc;
using namespace ip_test;

namespace {

bytes with_options(const bytes &opts, const bytes &data, bool df = false) {
  ip::ipv4_fields f;
  f.identification = 0x7788;
  f.protocol = 17;
  f.source = 0x0A000001;
  f.destination = 0x0A000002;
  f.dont_fragment = df;
  f.options = opts;
  bytes out(60 + data.size());
  auto h = ip::build_ipv4_header(out, f, data.size());
  EXPECT_TRUE(h);
  std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(*h));
  out.resize(*h + data.size());
  return out;
}

std::vector<bytes> fragment_all(const bytes &pkt, std::size_t mtu, std::size_t *count = nullptr) {
  ip::fragmenter f;
  auto c = ip::fragmenter::create(pkt, mtu);
  EXPECT_TRUE(c) << ip::name(c.code());
  if (!c) return {};
  f = *c;
  if (count) *count = f.count();
  std::vector<bytes> out;
  while (!f.done()) {
    bytes buf(mtu);
    auto n = f.next(buf);
    EXPECT_TRUE(n);
    if (!n) break;
    buf.resize(*n);
    out.push_back(buf);
  }
  return out;
}

TEST(Fragmenter, FragmentsFitAreAlignedAndCoverTheDatagram) {
  std::mt19937 rng(815); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  // Options: a copied option (type 0x83 loose source route, 7 bytes) and a
  // non-copied record route (type 7, 7 bytes).
  const bytes opts = {std::byte{0x83}, std::byte{7}, std::byte{4}, std::byte{1}, std::byte{2},
                      std::byte{3},    std::byte{4}, std::byte{7}, std::byte{7}, std::byte{4},
                      std::byte{0},    std::byte{0}, std::byte{0}, std::byte{0}};
  for (int round = 0; round < 300; ++round) {
    const std::size_t len = 1 + rng() % 9000;
    const std::size_t mtu = 68 + rng() % 1500;
    const bytes data = payload(len, static_cast<std::uint32_t>(round));
    const bytes pkt = with_options(round % 2 ? opts : bytes{}, data);
    std::size_t count = 0;
    auto frags = fragment_all(pkt, mtu, &count);
    ASSERT_FALSE(frags.empty());
    EXPECT_EQ(frags.size(), count) << len << "/" << mtu;
    bytes rebuilt(len);
    std::size_t covered = 0;
    for (std::size_t i = 0; i < frags.size(); ++i) {
      auto v = ip::parse_ipv4(frags[i]);
      ASSERT_TRUE(v) << ip::name(v.code());
      EXPECT_LE(frags[i].size(), mtu);
      const bool last = i + 1 == frags.size();
      EXPECT_EQ(v->more_fragments(), !last && frags.size() > 1);
      if (!last) {
        EXPECT_EQ(v->payload().size() % 8, 0U);
      }
      EXPECT_EQ(v->fragment_offset(), covered);
      EXPECT_EQ(v->identification(), 0x7788);
      if (round % 2) {
        // First: all 14 option bytes (+2 padding); later: only the copied 7 (+1).
        EXPECT_EQ(v->header_length(), i == 0 ? 36U : 28U);
        if (i != 0) {
          EXPECT_EQ(core::load_u8(v->options().data()), 0x83);
        }
      }
      std::copy(v->payload().begin(), v->payload().end(), rebuilt.begin() + static_cast<std::ptrdiff_t>(covered));
      covered += v->payload().size();
    }
    EXPECT_EQ(covered, len);
    EXPECT_EQ(rebuilt, data);
    // And through the reassembler, in reverse order.
    if (frags.size() > 1) {
      ip::reassembler_config cfg;
      cfg.max_fragments = 8192;
      cfg.max_datagrams = 1; // descriptors are preallocated per slot: keep the table small
      ip::reassembler r(cfg);
      std::optional<bytes> out;
      for (auto it = frags.rbegin(); it != frags.rend(); ++it) {
        auto d = r.submit(*it, 0, from_nanoseconds(0));
        ASSERT_TRUE(d) << ip::name(d.code());
        if (d->status == ip::delivery_status::complete) out = bytes(d->datagram.begin(), d->datagram.end());
      }
      ASSERT_TRUE(out.has_value());
      EXPECT_EQ(*out, pkt);
    }
  }
}

TEST(Fragmenter, PacketThatFitsIsOneUnchangedFragment) {
  const bytes pkt = with_options({}, payload(100, 1));
  auto frags = fragment_all(pkt, 1500);
  ASSERT_EQ(frags.size(), 1U);
  EXPECT_EQ(frags[0], pkt);
}

TEST(Fragmenter, DontFragmentIsAnError) {
  const bytes pkt = with_options({}, payload(2000, 2), true);
  auto r = ip::fragmenter::create(pkt, 1500);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::dont_fragment);
  EXPECT_EQ(r.offset(), 6U);
  EXPECT_TRUE(ip::fragmenter::create(pkt, 2020)); // fits: DF does not matter
}

TEST(Fragmenter, MtuTooSmallAndBufferTooSmall) {
  const bytes pkt = with_options({}, payload(200, 3));
  EXPECT_EQ(ip::fragmenter::create(pkt, 27).code(), errc::mtu_too_small);
  auto f = ip::fragmenter::create(pkt, 28);
  ASSERT_TRUE(f);
  bytes small(20);
  EXPECT_EQ(f->next(small).code(), errc::buffer_too_small);
  bytes ok(28);
  auto n = f->next(ok);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 28U);
}

TEST(Fragmenter, RefragmentingAFragmentKeepsOffsetsAndTheMfBit) {
  frag_spec s;
  const bytes whole = payload(3000, 4);
  auto middle = frag_of(s, whole, 1480, 2960, true); // a middle fragment, MF set
  auto frags = fragment_all(middle, 576);
  ASSERT_GT(frags.size(), 1U);
  std::uint32_t expect_off = 1480;
  for (auto &f : frags) {
    auto v = ip::parse_ipv4(f);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->more_fragments()); // the original MF survives on the last piece too
    EXPECT_EQ(v->fragment_offset(), expect_off);
    expect_off += static_cast<std::uint32_t>(v->payload().size());
  }
  EXPECT_EQ(expect_off, 2960U);
}

} // namespace
