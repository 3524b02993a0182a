// core::walker: the mechanics every protocol walker shares (sticky errors,
// offsets, end-of-list, range-for), checked on a small type-length format
// (IPv4-option-like: type 0 ends the list, type 1 is one byte, others carry
// a length that includes the two header bytes) against a plain reference
// loop over many generated option areas.
#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/walker.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

using namespace vpnwire;
using vpnwire::core::errc;

namespace {

struct tl_item {
  std::uint8_t type = 0;
  std::size_t offset = 0;
  bytes_view value{};
};

struct tl_format {
  using item_type = tl_item;
  using errc_type = errc;
  static constexpr errc exhausted = errc::truncated;
  [[nodiscard]] result<core::walk_step<tl_item>, errc> read(bytes_view a, std::size_t pos,
                                                            std::size_t base) const noexcept {
    const auto type = static_cast<std::uint8_t>(a[pos]);
    if (type == 0) return core::walk_step<tl_item>{{type, base + pos, {}}, 1, true};
    if (type == 1) return core::walk_step<tl_item>{{type, base + pos, {}}, 1, false};
    if (a.size() - pos < 2) return fail(errc::truncated, base + pos);
    const std::size_t len = static_cast<std::uint8_t>(a[pos + 1]);
    if (len < 2 || len > a.size() - pos) return fail(errc::value_out_of_range, base + pos + 1);
    return core::walk_step<tl_item>{{type, base + pos, a.subspan(pos + 2, len - 2)}, len, false};
  }
};
using tl_walker = core::walker<tl_format>;

struct ref_result {
  std::vector<std::size_t> offsets;
  error_info<errc> err{};
  std::size_t consumed = 0;
};

// The same rules written as the obvious loop.
ref_result reference(const std::vector<std::byte> &v, std::size_t base) {
  ref_result r;
  std::size_t i = 0;
  while (i < v.size()) {
    const auto t = static_cast<std::uint8_t>(v[i]);
    if (t == 0 || t == 1) {
      r.offsets.push_back(base + i);
      ++i;
      if (t == 0) break;
      continue;
    }
    if (v.size() - i < 2) {
      r.err = {errc::truncated, base + i};
      break;
    }
    const std::size_t len = static_cast<std::uint8_t>(v[i + 1]);
    if (len < 2 || len > v.size() - i) {
      r.err = {errc::value_out_of_range, base + i + 1};
      break;
    }
    r.offsets.push_back(base + i);
    i += len;
  }
  r.consumed = i;
  return r;
}

std::vector<std::byte> bytes_of(std::initializer_list<int> l) {
  std::vector<std::byte> v;
  for (int x : l) v.push_back(static_cast<std::byte>(x));
  return v;
}

} // namespace

TEST(Walker, ReadsElementsWithOffsetsFromTheBase) {
  const auto v = bytes_of({1, 7, 4, 0xAA, 0xBB, 0, 0x55});
  tl_walker w(v, 4);
  auto a = w.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, 1);
  EXPECT_EQ(a->offset, 4U);
  auto b = w.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->type, 7);
  EXPECT_EQ(b->offset, 5U);
  EXPECT_EQ(b->value.size(), 2U);
  auto c = w.next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, 0);
  EXPECT_TRUE(w.done());
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.rest().size(), 1U); // the byte after end-of-list is padding, not read
  auto d = w.next();
  ASSERT_FALSE(d);
  EXPECT_EQ(d.code(), errc::truncated);
  EXPECT_EQ(d.offset(), 4U + 6U);
  EXPECT_EQ(w.error().code, errc::ok); // calling past the end is not kept as the walk's error
}

TEST(Walker, AnErrorStopsTheWalkAndIsKept) {
  const auto v = bytes_of({7, 9, 1, 1});
  tl_walker w(v, 10);
  auto a = w.next();
  ASSERT_FALSE(a);
  EXPECT_EQ(a.code(), errc::value_out_of_range);
  EXPECT_EQ(a.offset(), 11U);
  EXPECT_TRUE(w.done());
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.error(), (error_info<errc>{errc::value_out_of_range, 11}));
  EXPECT_EQ(w.position(), 0U);
}

TEST(Walker, RangeForStopsAtTheFirstError) {
  const auto v = bytes_of({1, 1, 5});
  tl_walker w(v);
  int n = 0;
  for (const auto &o : w) {
    EXPECT_EQ(o.type, 1);
    ++n;
  }
  EXPECT_EQ(n, 2);
  EXPECT_EQ(w.error(), (error_info<errc>{errc::truncated, 2}));
}

TEST(Walker, EmptyAreaIsDoneAndOk) {
  tl_walker w(bytes_view{});
  EXPECT_TRUE(w.done());
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.begin() == std::default_sentinel, true);
}

TEST(Walker, AgreesWithTheReferenceLoopOnGeneratedAreas) {
  std::mt19937 rng(20261206);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<std::byte> v(rng() % 48);
    for (auto &b : v) {
      const auto r = rng() % 16;
      b = static_cast<std::byte>(r < 2 ? 1 : (r < 3 ? 0 : (r < 10 ? rng() % 12 : rng() % 256)));
    }
    const std::size_t base = rng() % 8;
    const auto ref = reference(v, base);
    tl_walker w(v, base);
    std::vector<std::size_t> got;
    std::size_t steps = 0;
    while (!w.done()) {
      ASSERT_LE(++steps, v.size()) << "walker did not advance";
      auto o = w.next();
      if (!o) break;
      got.push_back(o->offset);
    }
    ASSERT_EQ(got, ref.offsets) << "iteration " << iter;
    ASSERT_EQ(w.error(), ref.err) << "iteration " << iter;
    ASSERT_EQ(w.position(), ref.consumed) << "iteration " << iter;
    // Range-for over a fresh walker yields the same elements.
    tl_walker w2(v, base);
    std::vector<std::size_t> got2;
    for (const auto &o : w2) got2.push_back(o.offset);
    ASSERT_EQ(got2, ref.offsets);
    ASSERT_EQ(w2.error(), ref.err);
  }
}
