#include "vpnwire/core/checksum.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::core;
using vpnwire_test::hex;

namespace {
// The textbook algorithm of RFC 1071 §4.1, 16 bits at a time: the oracle.
std::uint16_t reference_checksum(std::span<const std::byte> b) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < b.size(); i += 2)
    sum += (std::to_integer<std::uint32_t>(b[i]) << 8) | std::to_integer<std::uint32_t>(b[i + 1]);
  if (i < b.size()) sum += std::to_integer<std::uint32_t>(b[i]) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}
} // namespace

// RFC 1071 §3, numerical example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
TEST(Checksum, Rfc1071NumericalExample) {
  const auto b = hex("00 01 f2 03 f4 f5 f6 f7");
  checksum_accumulator acc;
  acc.add(b);
  EXPECT_EQ(acc.sum(), 0xddf2);
  EXPECT_EQ(internet_checksum(b), static_cast<std::uint16_t>(~0xddf2));
}

// A real IPv4 header (checksum field 0xb861), the classic worked example.
TEST(Checksum, VerifyingAHeaderWithItsChecksumYieldsZero) {
  const auto ip = hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
  EXPECT_EQ(internet_checksum(ip), 0);
  auto zeroed = ip;
  zeroed[10] = zeroed[11] = std::byte{0};
  EXPECT_EQ(internet_checksum(zeroed), 0xb861);
}

TEST(Checksum, OddLengthPadsWithZero) {
  EXPECT_EQ(internet_checksum(hex("01")), static_cast<std::uint16_t>(~0x0100));
  EXPECT_EQ(internet_checksum(hex("")), 0xFFFF);
}

// Invariant over generated buffers: equal to the textbook oracle for every
// length 0..300 and any split of the data into two add() calls.
TEST(Checksum, MatchesTheTextbookLoopForEveryLengthAndSplit) {
  std::mt19937 rng(1071);
  for (std::size_t len = 0; len <= 300; ++len) {
    std::vector<std::byte> b(len);
    for (auto &x : b) x = static_cast<std::byte>(rng());
    const auto want = reference_checksum(b);
    ASSERT_EQ(internet_checksum(b), want) << len;
    for (std::size_t split = 0; split <= len; split += (len < 40 ? 1 : 7)) {
      checksum_accumulator acc;
      acc.add(std::span(b).first(split));
      acc.add(std::span(b).subspan(split));
      ASSERT_EQ(acc.finish(), want) << len << " split " << split;
    }
  }
}

TEST(Checksum, AllOnesDataDoesNotOverflowTheCarry) {
  std::vector<std::byte> b(65536 + 13, std::byte{0xFF});
  EXPECT_EQ(internet_checksum(b), reference_checksum(b));
}

// RFC 1624 §4: HC = 0xDD2F, m = 0x5555, m' = 0x3285; eqn. 3 gives 0x0000
// where the older eqn. 2 gives 0xFFFF.
TEST(ChecksumUpdate, Rfc1624Example) { EXPECT_EQ(checksum_update(0xDD2F, 0x5555, 0x3285), 0x0000); }

// Invariant: incremental update equals recomputation for random edits of
// random headers (20 bytes, every word position).
TEST(ChecksumUpdate, EqualsFullRecomputationOverGeneratedEdits) {
  std::mt19937 rng(1624);
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::byte> h(20);
    for (auto &x : h) x = static_cast<std::byte>(rng());
    h[10] = h[11] = std::byte{0};
    const std::uint16_t ck = internet_checksum(h);
    store_be16(h.data() + 10, ck);
    const std::size_t word = 2 * (rng() % 10);
    if (word == 10) continue;
    const std::uint16_t old_word = load_be16(h.data() + word);
    const std::uint16_t new_word = static_cast<std::uint16_t>(rng());
    store_be16(h.data() + word, new_word);
    const std::uint16_t updated = checksum_update(ck, old_word, new_word);
    store_be16(h.data() + 10, 0);
    ASSERT_EQ(updated, internet_checksum(h));
  }
}

TEST(ChecksumUpdate, ThirtyTwoBitFieldEqualsRecomputation) {
  auto h = hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
  const std::uint32_t new_src = 0x0a000001;
  const auto updated = checksum_update32(0xb861, load_be32(h.data() + 12), new_src);
  store_be32(h.data() + 12, new_src);
  store_be16(h.data() + 10, 0);
  EXPECT_EQ(updated, internet_checksum(h));
}

TEST(ChecksumAccumulator, PseudoHeaderWordsAddLikeBytes) {
  const auto b = hex("c0a80001 c0a800c7 0011 001c");
  checksum_accumulator a, w;
  a.add(b);
  w.add_u32(0xc0a80001);
  w.add_u32(0xc0a800c7);
  w.add_u16(0x0011);
  w.add_u16(0x001c);
  EXPECT_EQ(a.finish(), w.finish());
}
