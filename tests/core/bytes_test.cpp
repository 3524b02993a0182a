#include "vpnwire/core/bytes.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <array>

using namespace vpnwire;
using vpnwire::core::byte_reader;
using vpnwire::core::byte_writer;
using vpnwire::core::errc;
using vpnwire_test::hex;

namespace {
template <class R> bool wrap(R res, errc &code, std::size_t &off) {
  code = res.code();
  off = res.offset();
  return res.has_value();
}
} // namespace

TEST(ByteReader, ReadsBigEndianFieldsInOrder) {
  const auto b = hex("01 0203 040506 0708090a 0b0c0d0e0f101112 ff");
  byte_reader r(b);
  EXPECT_EQ(r.u8().value(), 0x01);
  EXPECT_EQ(r.u16().value(), 0x0203);
  EXPECT_EQ(r.u24().value(), 0x040506U);
  EXPECT_EQ(r.u32().value(), 0x0708090aU);
  EXPECT_EQ(r.u64().value(), 0x0b0c0d0e0f101112ULL);
  EXPECT_EQ(r.position(), 18U);
  EXPECT_EQ(r.remaining(), 1U);
  EXPECT_EQ(r.rest().size(), 1U);
}

// Every width, given exactly one byte too few after a 1-byte prefix, fails
// with `truncated` at offset 1 and leaves the position unchanged; given
// exactly enough, it succeeds and consumes everything.
TEST(ByteReader, EveryWidthFailsOneBytePastTheEndWithoutMoving) {
  const auto b = hex("aa 0102030405060708");
  using read_fn = bool (*)(byte_reader &, errc &, std::size_t &);
  struct width_case {
    std::size_t width;
    read_fn read;
  };
  const width_case cases[] = {
      {1, [](byte_reader &r, errc &c, std::size_t &o) { return wrap(r.u8(), c, o); }},
      {2, [](byte_reader &r, errc &c, std::size_t &o) { return wrap(r.u16(), c, o); }},
      {3, [](byte_reader &r, errc &c, std::size_t &o) { return wrap(r.u24(), c, o); }},
      {4, [](byte_reader &r, errc &c, std::size_t &o) { return wrap(r.u32(), c, o); }},
      {8, [](byte_reader &r, errc &c, std::size_t &o) { return wrap(r.u64(), c, o); }},
      {5, [](byte_reader &r, errc &c, std::size_t &o) { return wrap(r.bytes(5), c, o); }},
      {6, [](byte_reader &r, errc &c, std::size_t &o) { return wrap(r.skip(6), c, o); }},
  };
  for (const auto &wc : cases) {
    SCOPED_TRACE(wc.width);
    errc code{};
    std::size_t off = 99;
    byte_reader short_by_one{std::span(b).first(wc.width)}; // prefix + width-1
    ASSERT_TRUE(short_by_one.skip(1));
    EXPECT_FALSE(wc.read(short_by_one, code, off));
    EXPECT_EQ(code, errc::truncated);
    EXPECT_EQ(off, 1U);
    EXPECT_EQ(short_by_one.position(), 1U);

    byte_reader exact{std::span(b).first(wc.width + 1)};
    ASSERT_TRUE(exact.skip(1));
    EXPECT_TRUE(wc.read(exact, code, off));
    EXPECT_TRUE(exact.empty());
  }
}

TEST(ByteReader, EmptySpanFailsEveryReadAtOffsetZero) {
  byte_reader r{bytes_view{}};
  EXPECT_EQ(r.u8().code(), errc::truncated);
  EXPECT_EQ(r.u8().offset(), 0U);
  EXPECT_TRUE(r.bytes(0));
  EXPECT_EQ(r.bytes(1).code(), errc::truncated);
  std::array<std::byte, 1> one{};
  EXPECT_EQ(r.copy_to(one).code(), errc::truncated);
  EXPECT_TRUE(r.copy_to(std::span(one).first(0)));
}

TEST(ByteReader, BytesAreASubspanOfTheInputNotACopy) {
  const auto b = hex("00 11 22 33");
  byte_reader r(b);
  ASSERT_TRUE(r.skip(1));
  auto s = r.bytes(2);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->data(), b.data() + 1);
  EXPECT_EQ(s->size(), 2U);
}

TEST(ByteWriter, WritesBigEndianAndReportsSize) {
  std::array<std::byte, 18> out{};
  byte_writer w(out);
  ASSERT_TRUE(w.u8(0x01));
  ASSERT_TRUE(w.u16(0x0203));
  ASSERT_TRUE(w.u24(0x040506));
  ASSERT_TRUE(w.u32(0x0708090a));
  ASSERT_TRUE(w.u64(0x0b0c0d0e0f101112ULL));
  EXPECT_EQ(w.size(), 18U);
  EXPECT_EQ(vpnwire_test::to_hex(w.written()), "0102030405060708090a0b0c0d0e0f101112");
}

TEST(ByteWriter, EveryWriteOneBytePastTheEndFailsAndWritesNothing) {
  for (std::size_t room = 0; room < 8; ++room) {
    std::array<std::byte, 9> out{};
    out.fill(std::byte{0xEE});
    auto check = [&](std::size_t width, auto write) {
      byte_writer w{std::span(out).first(room)};
      auto res = write(w);
      if (room >= width) {
        EXPECT_TRUE(res.has_value());
        EXPECT_EQ(w.size(), width);
      } else {
        EXPECT_EQ(res.code(), errc::buffer_too_small);
        EXPECT_EQ(res.offset(), 0U);
        EXPECT_EQ(w.size(), 0U);
      }
    };
    check(1, [](byte_writer &w) { return w.u8(0); });
    check(2, [](byte_writer &w) { return w.u16(0); });
    check(3, [](byte_writer &w) { return w.u24(0); });
    check(4, [](byte_writer &w) { return w.u32(0); });
    check(8, [](byte_writer &w) { return w.u64(0); });
    // Nothing beyond the span was touched.
    EXPECT_EQ(out[8], std::byte{0xEE});
  }
  std::array<std::byte, 2> two{};
  byte_writer w(two);
  EXPECT_EQ(w.bytes(hex("010203")).code(), errc::buffer_too_small);
  EXPECT_EQ(w.fill(3, std::byte{1}).code(), errc::buffer_too_small);
  EXPECT_EQ(w.reserve(3).code(), errc::buffer_too_small);
  EXPECT_TRUE(w.fill(2, std::byte{7}));
  EXPECT_EQ(two[1], std::byte{7});
  EXPECT_EQ(w.u8(1).offset(), 2U);
}

TEST(ByteWriter, U24RejectsValuesAbove24Bits) {
  std::array<std::byte, 3> out{};
  byte_writer w(out);
  EXPECT_EQ(w.u24(0x1000000).code(), errc::value_out_of_range);
  EXPECT_TRUE(w.u24(0xFFFFFF));
}

TEST(ByteWriter, ReservedBytesCanBePatchedLater) {
  std::array<std::byte, 4> out{};
  byte_writer w(out);
  auto len = w.reserve(2);
  ASSERT_TRUE(len);
  ASSERT_TRUE(w.u16(0xBEEF));
  core::store_be16(len->data(), static_cast<std::uint16_t>(w.size()));
  EXPECT_EQ(vpnwire_test::to_hex(w.written()), "0004beef");
}

TEST(ByteWriter, RoundTripsThroughTheReaderOverManyValues) {
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 10000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::array<std::byte, 18> out{};
    byte_writer w(out);
    ASSERT_TRUE(w.u8(static_cast<std::uint8_t>(x)));
    ASSERT_TRUE(w.u16(static_cast<std::uint16_t>(x >> 8)));
    ASSERT_TRUE(w.u24(static_cast<std::uint32_t>(x >> 16) & 0xFFFFFF));
    ASSERT_TRUE(w.u32(static_cast<std::uint32_t>(x >> 20)));
    ASSERT_TRUE(w.u64(x));
    byte_reader r(out);
    EXPECT_EQ(r.u8().value(), static_cast<std::uint8_t>(x));
    EXPECT_EQ(r.u16().value(), static_cast<std::uint16_t>(x >> 8));
    EXPECT_EQ(r.u24().value(), static_cast<std::uint32_t>(x >> 16) & 0xFFFFFF);
    EXPECT_EQ(r.u32().value(), static_cast<std::uint32_t>(x >> 20));
    EXPECT_EQ(r.u64().value(), x);
    EXPECT_TRUE(r.empty());
  }
}

TEST(Bytes, AsBytesViewsAStringWithoutCopy) {
  std::string_view s = "abc";
  auto b = as_bytes(s);
  EXPECT_EQ(b.size(), 3U);
  EXPECT_EQ(static_cast<const void *>(b.data()), static_cast<const void *>(s.data()));
}

TEST(CoreErrc, EveryEnumeratorHasItsName) {
  EXPECT_EQ(core::name(errc::ok), "ok");
  EXPECT_EQ(core::name(errc::truncated), "truncated");
  EXPECT_EQ(core::name(errc::buffer_too_small), "buffer_too_small");
  EXPECT_EQ(core::name(errc::value_out_of_range), "value_out_of_range");
  EXPECT_EQ(core::name(static_cast<errc>(200)), "unknown");
}
