// ip::scope() / ip::is_fatal() against behaviour: every error a reassembler
// can report is produced on purpose (IPv4 and IPv6), and an error must be
// classified `datagram` (fatal) exactly when the datagram the fragment
// belonged to was dropped (`failed` counted, the slot gone), `usage` only for
// what the caller controls. Plus the names of every public enum of ip/.
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"
#include "vpnwire/ip/mss_clamp.hpp"
#include "vpnwire/ip/reassembler.hpp"

#include "frag6_helpers.hpp"
#include "frag_helpers.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace vpnwire;
using ip::errc;

namespace {

constexpr time_point t0 = from_nanoseconds(1'000'000'000);

struct observed {
  errc code = errc::ok;
  bool datagram_dropped = false;
};

// Submits `setup` (each must succeed), then `trigger`; reports the
// trigger's error and whether it dropped a datagram.
template <class R>
observed run(R &r, const std::vector<std::vector<std::byte>> &setup, const std::vector<std::byte> &trigger,
             std::size_t out_size = 0) {
  for (const auto &p : setup) EXPECT_TRUE(r.submit(p, 0, t0));
  const auto failed = r.counters().failed;
  std::vector<std::byte> out(out_size);
  auto e = out_size != 0 ? r.submit(trigger, 0, t0, out) : r.submit(trigger, 0, t0);
  EXPECT_FALSE(e);
  return {e.code(), r.counters().failed != failed};
}

void expect_consistent(const observed &o, std::set<errc> &seen) {
  SCOPED_TRACE(std::string(ip::name(o.code)));
  seen.insert(o.code);
  if (o.code == errc::buffer_too_small) {
    // The caller's output buffer: a usage error (not the peer's doing), and
    // documented to drop the completed datagram as well.
    EXPECT_EQ(ip::scope(o.code), ip::error_scope::usage);
    EXPECT_TRUE(o.datagram_dropped);
    return;
  }
  EXPECT_EQ(ip::is_fatal(o.code), o.datagram_dropped);
  EXPECT_EQ(ip::scope(o.code), o.datagram_dropped ? ip::error_scope::datagram : ip::error_scope::packet);
}

TEST(ErrorScope, Ipv4ReassemblerErrorsAreFatalExactlyWhenTheDatagramIsDropped) {
  using namespace ip_test;
  std::set<errc> seen;
  frag_spec s;
  const bytes whole = payload(64, 1);
  auto fresh = [] { return ip::reassembler(ip::reassembler_config{.max_fragments = 3}); };
  {
    auto r = fresh();
    auto bad = frag_of(s, whole, 0, 16, true);
    bad[10] ^= std::byte{1};
    expect_consistent(run(r, {}, bad), seen); // bad_header_checksum
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {}, make_packet(s, 8, true, {})), seen); // empty_fragment
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag_of(s, whole, 0, 16, true)}, frag_of(s, whole, 16, 21, true)), seen); // misaligned
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {}, make_packet(s, 65528, false, filled(8, 'x'))), seen); // oversize
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag_of(s, whole, 0, 16, true)}, frag_of(s, whole, 0, 16, true)), seen); // duplicate
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag_of(s, whole, 0, 16, true)}, make_packet(s, 8, true, filled(16, 'Z'))), seen);
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag_of(s, whole, 32, 48, false)}, frag_of(s, whole, 48, 64, false)), seen);
  }
  {
    auto r = fresh();
    expect_consistent(
        run(r, {frag_of(s, whole, 0, 8, true), frag_of(s, whole, 8, 16, true), frag_of(s, whole, 16, 24, true)},
            frag_of(s, whole, 24, 32, true)),
        seen); // too_many_fragments
  }
  {
    ip::reassembler r({.byte_budget = 64, .block_size = 64});
    expect_consistent(run(r, {frag_of(s, whole, 0, 8, true)}, frag_of(s, payload(4000, 2), 64, 4000, false)),
                      seen); // budget_exhausted
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag_of(s, whole, 0, 32, true)}, frag_of(s, whole, 32, 64, false), 40),
                      seen); // buffer_too_small
  }
  {
    ip::reassembler r;
    ASSERT_TRUE(r.submit(bytes_view(make_packet(s, 65528, false, filled(7, 'x'))), 0, t0));
    const bytes big = payload(65528, 3);
    observed o;
    for (std::uint32_t off = 0; off < 65528; off += 8184) {
      const auto failed = r.counters().failed;
      auto d = r.submit(bytes_view(frag_of(s, big, off, std::min<std::uint32_t>(off + 8184, 65528), true)), 0, t0);
      if (!d) o = {d.code(), r.counters().failed != failed};
    }
    expect_consistent(o, seen); // datagram_too_large
  }
  for (errc e : {errc::bad_header_checksum, errc::empty_fragment, errc::misaligned_fragment, errc::oversize,
                 errc::duplicate_fragment, errc::overlap, errc::inconsistent_length, errc::too_many_fragments,
                 errc::budget_exhausted, errc::buffer_too_small, errc::datagram_too_large})
    EXPECT_EQ(seen.count(e), 1U) << ip::name(e);
}

TEST(ErrorScope, Ipv6ReassemblerErrorsAreFatalExactlyWhenTheDatagramIsDropped) {
  using namespace ip6_test;
  std::set<errc> seen;
  frag6_spec s;
  const bytes whole = payload6(64, 4);
  auto fresh = [] { return ip::ipv6_reassembler(ip::reassembler_config{.max_fragments = 3}); };
  {
    auto r = fresh();
    frag6_spec t = s;
    t.next = 6;                                                           // TCP: 20 bytes needed in the first fragment
    expect_consistent(run(r, {}, frag6_of(t, whole, 0, 16, true)), seen); // incomplete_header_chain
  }
  {
    auto r = fresh();
    frag6_spec two = s;
    two.next = 44;
    bytes inner(16);
    inner[0] = std::byte{17};
    expect_consistent(run(r, {}, make_frag6(two, 0, true, inner)), seen); // multiple_fragment_headers
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag6_of(s, whole, 0, 16, true)}, frag6_of(s, whole, 16, 21, true)), seen);
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag6_of(s, whole, 0, 16, true)}, make_frag6(s, 8, true, filled6(16, 'Z'))), seen);
  }
  {
    auto r = fresh();
    expect_consistent(run(r, {frag6_of(s, whole, 0, 16, true)}, frag6_of(s, whole, 0, 16, true)), seen);
  }
  {
    ip::ipv6_reassembler r({.max_header_length = 48});
    frag6_spec longer = s;
    longer.unfragmentable = {{60, 16}};
    expect_consistent(run(r, {}, frag6_of(longer, whole, 0, 16, true)), seen); // header_chain_too_long
  }
  for (errc e : {errc::incomplete_header_chain, errc::multiple_fragment_headers, errc::misaligned_fragment,
                 errc::overlap, errc::duplicate_fragment, errc::header_chain_too_long})
    EXPECT_EQ(seen.count(e), 1U) << ip::name(e);
}

TEST(ErrorScope, EveryEnumeratorHasAScopeAndOnlyTheDroppingOnesAreFatal) {
  const std::set<errc> fatal = {errc::inconsistent_length, errc::overlap, errc::too_many_fragments,
                                errc::budget_exhausted, errc::datagram_too_large};
  for (unsigned i = 0; ip::name(static_cast<errc>(i)) != "unknown"; ++i) {
    const auto e = static_cast<errc>(i);
    EXPECT_EQ(ip::is_fatal(e), fatal.count(e) == 1) << ip::name(e);
    if (e == errc::ok) {
      EXPECT_EQ(ip::scope(e), ip::error_scope::none);
    }
  }
}

TEST(EnumNames, EveryPublicEnumOfIpHasItsNames) {
  EXPECT_EQ(ip::name(ip::error_scope::datagram), "datagram");
  EXPECT_EQ(ip::name(ip::error_scope::usage), "usage");
  EXPECT_EQ(ip::name(ip::delivery_status::atomic_fragment), "atomic_fragment");
  EXPECT_EQ(ip::name(ip::delivery_status::not_fragment), "not_fragment");
  EXPECT_EQ(ip::name(ip::mss_clamp_status::non_first_fragment), "non_first_fragment");
  EXPECT_EQ(ip::name(ip::mss_clamp_status::already_below), "already_below");
  EXPECT_EQ(ip::name(ip::overlap_policy::linux_current), "linux-current");
  EXPECT_EQ(ip::name(static_cast<ip::mss_clamp_status>(200)), "unknown");
  EXPECT_EQ(ip::name(static_cast<ip::delivery_status>(200)), "unknown");
  EXPECT_EQ(ip::name(static_cast<ip::error_scope>(200)), "unknown");
  EXPECT_EQ(ip::reassembly::name(ip::reassembly::fragment_kind::atomic), "atomic");
  EXPECT_EQ(ip::reassembly::name(ip::reassembly::placement_kind::duplicate), "duplicate");
  EXPECT_EQ(ip::reassembly::name(static_cast<ip::reassembly::placement_kind>(9)), "unknown");
  // Every value up to the first "unknown" has a distinct name.
  std::set<std::string_view> names;
  for (unsigned i = 0; i < 5; ++i) names.insert(ip::name(static_cast<ip::mss_clamp_status>(i)));
  for (unsigned i = 0; i < 4; ++i) names.insert(ip::name(static_cast<ip::delivery_status>(i)));
  EXPECT_EQ(names.size(), 9U);
}

} // namespace
