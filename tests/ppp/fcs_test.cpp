// FCS-16 / FCS-32 of RFC 1662 Appendix C: the published check values, the
// good-frame residues, and the carry-less-multiplication path against the
// bit-by-bit register of the RFC over every length and alignment.
#include "vpnwire/ppp/fcs.hpp"
#include "vpnwire/ppp/hdlc_reference.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;

namespace {
std::uint32_t bitwise(fcs_kind k, std::uint32_t reg, bytes_view b) {
  for (std::byte x : b) reg = fcs_update_bitwise(k, reg, std::to_integer<std::uint8_t>(x));
  return reg;
}
} // namespace

// The CRC catalogue check values: CRC-16/IBM-SDLC (X.25) 0x906E, CRC-32 0xCBF43926.
TEST(Fcs, CheckValuesOf123456789) {
  EXPECT_EQ(fcs16(as_bytes("123456789")), 0x906E);
  EXPECT_EQ(fcs32(as_bytes("123456789")), 0xCBF43926U);
  EXPECT_EQ(static_cast<std::uint16_t>(~bitwise(fcs_kind::fcs16, 0xFFFF, as_bytes("123456789"))), 0x906E);
  EXPECT_EQ(~bitwise(fcs_kind::fcs32, 0xFFFFFFFF, as_bytes("123456789")), 0xCBF43926U);
}

// RFC 1662 §C.2/§C.3: running the register over a frame and its FCS (low
// octet first) leaves the good residue.
TEST(Fcs, FrameFollowedByItsFcsLeavesTheGoodResidue) {
  std::mt19937 rng(1662);
  for (std::size_t len = 0; len < 700; len += 13) {
    std::vector<std::byte> b(len + 4);
    for (std::size_t i = 0; i < len; ++i) b[i] = static_cast<std::byte>(rng());
    const std::uint16_t f16 = fcs16(std::span(b).first(len));
    b[len] = static_cast<std::byte>(f16 & 0xFF);
    b[len + 1] = static_cast<std::byte>(f16 >> 8);
    EXPECT_EQ(fcs16_update(fcs16_init, std::span(b).first(len + 2)), fcs16_good) << len;
    const std::uint32_t f32 = fcs32(std::span(b).first(len));
    for (int k = 0; k < 4; ++k) b[len + static_cast<std::size_t>(k)] = static_cast<std::byte>((f32 >> (8 * k)) & 0xFF);
    EXPECT_EQ(fcs32_update(fcs32_init, b), fcs32_good) << len;
    // One flipped bit anywhere breaks the residue.
    if (len > 0) {
      b[rng() % len] ^= std::byte{0x10};
      EXPECT_NE(fcs32_update(fcs32_init, b), fcs32_good) << len;
    }
  }
}

TEST(Fcs, ResidueConstantsAreTheRegisterOfAnIntactFrame) {
  // The RFC's definition: register after the complemented FCS of an empty frame.
  const std::uint16_t f16 = fcs16({});
  const auto b16 = vpnwire_test::bytes_of({f16 & 0xFF, f16 >> 8});
  EXPECT_EQ(bitwise(fcs_kind::fcs16, fcs16_init, b16), 0xF0B8U);
  const std::uint32_t f32 = fcs32({});
  const auto b32 = vpnwire_test::bytes_of({static_cast<int>(f32 & 0xFF), static_cast<int>((f32 >> 8) & 0xFF),
                                           static_cast<int>((f32 >> 16) & 0xFF), static_cast<int>(f32 >> 24)});
  EXPECT_EQ(bitwise(fcs_kind::fcs32, fcs32_init, b32), 0xDEBB20E3U);
}

// Invariant: the dispatching path (PCLMUL when present), the slicing-by-8
// tables and the RFC's bit loop agree for every length 0..1100, any start
// register and any alignment.
TEST(Fcs, AllImplementationsAgreeOverLengthsAlignmentsAndRegisters) {
  std::mt19937 rng(2026);
  std::vector<std::byte> pool(1200);
  for (auto &x : pool) x = static_cast<std::byte>(rng());
  for (std::size_t len = 0; len <= 1100; ++len) {
    const std::size_t align = len % 16;
    const bytes_view b = std::span(pool).subspan(align, len);
    const auto r16 = static_cast<std::uint16_t>(rng());
    const auto r32 = static_cast<std::uint32_t>(rng());
    const auto want16 = static_cast<std::uint16_t>(bitwise(fcs_kind::fcs16, r16, b));
    const auto want32 = bitwise(fcs_kind::fcs32, r32, b);
    ASSERT_EQ(fcs16_update(r16, b), want16) << len;
    ASSERT_EQ(fcs16_update_portable(r16, b), want16) << len;
    ASSERT_EQ(fcs32_update(r32, b), want32) << len;
    ASSERT_EQ(fcs32_update_portable(r32, b), want32) << len;
  }
}

TEST(Fcs, IncrementalUpdatesEqualOneShot) {
  std::mt19937 rng(7);
  std::vector<std::byte> b(3000);
  for (auto &x : b) x = static_cast<std::byte>(rng());
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t cut = rng() % b.size();
    const bytes_view all = b;
    EXPECT_EQ(fcs32_update(fcs32_update(fcs32_init, all.first(cut)), all.subspan(cut)), fcs32_update(fcs32_init, all));
    EXPECT_EQ(fcs16_update(fcs16_update(fcs16_init, all.first(cut)), all.subspan(cut)), fcs16_update(fcs16_init, all));
  }
}
