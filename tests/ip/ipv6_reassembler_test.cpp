// ip::ipv6_reassembler against the IPv6 rules, each case with its expected
// outcome: RFC 8200 §4.5 (reassembled packet layout, 8-byte multiples, the
// 65,535-byte payload limit), RFC 5722 (overlaps), RFC 6946 (atomic
// fragments), RFC 7112 (first fragment carries the header chain), a second
// Fragment header, the key; the same bounds as IPv4 (budget, deadline,
// fragment cap, eviction); a selftest matrix (payload sizes x fragment sizes
// x orders, 1% duplicates, byte-exact output); a property test against a
// byte-map reference model; and the zero-copy reassembler against the
// copying one on random streams.
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"

#include "frag6_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <vector>

using namespace vpnwire;
using ip::delivery_status;
using ip::errc;
using ip::ipv6_reassembler;
using ip::reassembler_config;
using namespace ip6_test;

// ASan refuses absurd allocations unless told to return null instead (the
// out-of-memory test below needs create() to see the failure).
extern "C" const char *__asan_default_options() { return "allocator_may_return_null=1"; } // NOLINT

namespace {

constexpr time_point t0 = from_nanoseconds(1'000'000'000);

struct feed_result {
  std::vector<bytes> outputs; // whole reassembled packets
  std::vector<errc> errors;
};

template <class R> feed_result feed(R &r, const std::vector<bytes> &frags, std::uint64_t ctx = 0, time_point now = t0) {
  feed_result fr;
  for (const auto &f : frags) {
    auto d = r.submit(f, ctx, now);
    if (!d) {
      fr.errors.push_back(d.code());
      continue;
    }
    if (d->status == delivery_status::complete) fr.outputs.emplace_back(d->datagram.begin(), d->datagram.end());
  }
  return fr;
}

void expect_counters_add_up(const ipv6_reassembler &r) {
  const auto &c = r.counters();
  EXPECT_EQ(c.started, c.reassembled + c.failed + c.timed_out + c.evicted + r.in_progress());
  if (ip::rejects_overlaps(r.config().policy)) {
    EXPECT_EQ(c.requests, c.not_fragments + c.atomic_fragments + c.stored + c.reassembled + c.malformed +
                              c.incomplete_chain + c.misaligned + c.oversize + c.inconsistent + c.overlaps +
                              c.duplicates + c.too_many_fragments + c.budget_exhausted + c.output_too_small);
  }
  EXPECT_LE(r.bytes_in_use(), r.byte_budget());
}

frag6_spec with_chain() {
  frag6_spec s;
  s.unfragmentable = {{0, 8}, {60, 16}, {43, 24}}; // Hop-by-Hop, Destination Options, Routing
  return s;
}

TEST(Ipv6Reassembler, FragmentsGiveTheUnfragmentablePartThenThePayloadWithoutTheFragmentHeader) {
  for (const auto &s : {frag6_spec{}, with_chain()}) {
    const bytes whole = payload6(3000, 1);
    ipv6_reassembler r;
    auto frags = split6(s, whole, 1232);
    std::reverse(frags.begin(), frags.end());
    auto fr = feed(r, frags);
    ASSERT_EQ(fr.outputs.size(), 1U);
    EXPECT_TRUE(fr.errors.empty());
    EXPECT_EQ(fr.outputs[0], whole6(s, whole)); // byte for byte, payload length and next header rewritten
    auto v = ip::parse_ipv6(fr.outputs[0]);
    ASSERT_TRUE(v);
    auto ul = v->upper_layer();
    ASSERT_TRUE(ul);
    EXPECT_EQ(ul->protocol, 17);
    EXPECT_FALSE(ul->is_fragment());
    EXPECT_EQ(r.in_progress(), 0U);
    EXPECT_EQ(r.bytes_in_use(), 0U);
    expect_counters_add_up(r);
  }
}

TEST(Ipv6Reassembler, UnfragmentedPacketsPassThroughAndWritableInputGivesWritableOutput) {
  frag6_spec s;
  bytes p = whole6(s, payload6(40, 2));
  ipv6_reassembler r;
  auto d = r.submit(p, 0, t0);
  ASSERT_TRUE(d);
  static_assert(std::is_same_v<decltype(d->datagram), mutable_bytes>);
  EXPECT_EQ(d->status, delivery_status::not_fragment);
  EXPECT_EQ(d->datagram.data(), p.data());
  EXPECT_EQ(d->datagram.size(), p.size());
  EXPECT_EQ(r.counters().not_fragments, 1U);
  const bytes whole = payload6(64, 3);
  auto frags = split6(s, whole, 32);
  ASSERT_TRUE(r.submit(frags[0], 0, t0));
  auto c = r.submit(frags[1], 0, t0);
  ASSERT_TRUE(c);
  static_assert(std::is_same_v<decltype(c->datagram), mutable_bytes>);
  c->datagram[7] = std::byte{1}; // in place: the hop limit of the reassembled packet
  EXPECT_EQ(c->datagram[7], std::byte{1});
}

// --- RFC 6946: atomic fragments ------------------------------------------------

TEST(Ipv6Reassembler, AtomicFragmentIsDeliveredAloneAndNeverMixedWithAReassembly) {
  frag6_spec s = with_chain();
  const bytes whole = payload6(96, 4);
  ipv6_reassembler r;
  // A reassembly with the same (src, dst, id) is in progress...
  ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, whole, 0, 48, true)), 0, t0));
  // ...an atomic fragment with the same key is delivered alone, at once.
  const bytes atomic_data = payload6(30, 5);
  const bytes atomic = make_frag6(s, 0, false, atomic_data);
  auto a = r.submit(atomic, 0, t0);
  ASSERT_TRUE(a) << ip::name(a.code());
  EXPECT_EQ(a->status, delivery_status::atomic_fragment);
  EXPECT_EQ(bytes(a->datagram.begin(), a->datagram.end()), whole6(s, atomic_data));
  EXPECT_EQ(r.counters().atomic_fragments, 1U);
  EXPECT_EQ(r.in_progress(), 1U);
  // The reassembly is untouched and completes with its own bytes.
  auto d = r.submit(bytes_view(frag6_of(s, whole, 48, 96, false)), 0, t0);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->status, delivery_status::complete);
  EXPECT_EQ(bytes(d->datagram.begin(), d->datagram.end()), whole6(s, whole));
  expect_counters_add_up(r);
}

TEST(Ipv6Reassembler, AtomicFragmentIntoTheCallersBufferAndInZeroCopyMode) {
  frag6_spec s;
  const bytes data = payload6(20, 6);
  const bytes atomic = make_frag6(s, 0, false, data);
  ipv6_reassembler r;
  bytes out(100);
  auto a = r.submit(atomic, 0, t0, out);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->datagram.data(), out.data());
  EXPECT_EQ(bytes(a->datagram.begin(), a->datagram.end()), whole6(s, data));
  bytes small(40);
  EXPECT_EQ(r.submit(atomic, 0, t0, small).code(), errc::buffer_too_small);
  EXPECT_EQ(r.counters().output_too_small, 1U);
  expect_counters_add_up(r);

  ip::ipv6_borrowing_reassembler z;
  auto c = z.submit(atomic, 77, 0, t0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, delivery_status::atomic_fragment);
  EXPECT_TRUE(c->tokens.empty()); // the token is not taken
  bytes g(c->total_length);
  ASSERT_EQ(ip::gather(*c, g), g.size());
  EXPECT_EQ(g, whole6(s, data));
  ASSERT_EQ(c->payload.size(), 1U);
  EXPECT_EQ(c->payload[0].data(), atomic.data() + 48); // the caller's bytes, not a copy
}

// --- RFC 8200 §4.5 ---------------------------------------------------------------

TEST(Ipv6Reassembler, MoreFragmentsWithALengthNotAMultipleOfEightIsDroppedAlone) {
  frag6_spec s;
  const bytes whole = payload6(48, 7);
  ipv6_reassembler r;
  ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, whole, 0, 16, true)), 0, t0));
  auto e = r.submit(bytes_view(frag6_of(s, whole, 16, 29, true)), 0, t0);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.code(), errc::misaligned_fragment);
  EXPECT_EQ(e.offset(), 4U); // the payload length field
  EXPECT_EQ(r.counters().misaligned, 1U);
  EXPECT_EQ(r.in_progress(), 1U);
  ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, whole, 16, 32, true)), 0, t0));
  auto d = r.submit(bytes_view(frag6_of(s, whole, 32, 48, false)), 0, t0);
  ASSERT_TRUE(d);
  EXPECT_EQ(bytes(d->datagram.begin(), d->datagram.end()), whole6(s, whole));
  expect_counters_add_up(r);
}

TEST(Ipv6Reassembler, APayloadBeyond65535BytesIsRefusedPerFragmentAndOnCompletion) {
  // Per fragment: the unfragmentable extension headers count (RFC 8200 §4.5).
  frag6_spec s = with_chain(); // 48 bytes of extension headers before the Fragment header
  ipv6_reassembler r;
  const std::uint32_t last = 65488 - 8; // 48 + 65480 + 8 = 65536 > 65535
  auto e = r.submit(bytes_view(make_frag6(s, last, false, filled6(8, 'x'))), 0, t0);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.code(), errc::oversize);
  EXPECT_EQ(e.offset(), 40U + 48 + 2); // the Fragment header's offset field
  EXPECT_TRUE(r.submit(bytes_view(make_frag6(s, last, false, filled6(7, 'x'))), 0, t0)); // 65535 exactly
  EXPECT_EQ(r.in_progress(), 1U);
  // On completion: later fragments without extension headers pass their own
  // check, but the first fragment's unfragmentable part makes the packet too large.
  frag6_spec bare = s;
  bare.unfragmentable.clear();
  bare.id = 99;
  frag6_spec first = s;
  first.id = 99;
  ASSERT_TRUE(r.submit(bytes_view(make_frag6(bare, 65504, false, filled6(16, 'y'))), 0, t0)); // ends at 65520
  std::optional<errc> err;
  for (std::uint32_t off = 0; off < 65504; off += 8184) {
    const std::uint32_t n = std::min<std::uint32_t>(8184, 65504 - off);
    auto d = (off == 0) ? r.submit(bytes_view(make_frag6(first, off, true, filled6(n, 'z'))), 0, t0)
                        : r.submit(bytes_view(make_frag6(bare, off, true, filled6(n, 'z'))), 0, t0);
    if (!d) err = d.code();
  }
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, errc::datagram_too_large);
  EXPECT_TRUE(ip::is_fatal(*err));
  expect_counters_add_up(r);
}

TEST(Ipv6Reassembler, ASecondFragmentHeaderIsRejected) {
  frag6_spec s;
  s.next = 44; // the fragmentable part starts with another Fragment header
  bytes inner(16);
  inner[0] = std::byte{17};
  core::store_be32(inner.data() + 4, 5);
  ipv6_reassembler r;
  auto e = r.submit(bytes_view(make_frag6(s, 0, true, inner)), 0, t0);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.code(), errc::multiple_fragment_headers);
  EXPECT_EQ(e.offset(), 48U);
  // An atomic fragment wrapping another Fragment header too.
  auto a = r.submit(bytes_view(make_frag6(s, 0, false, inner)), 0, t0);
  EXPECT_EQ(a.code(), errc::multiple_fragment_headers);
  EXPECT_EQ(r.counters().malformed, 2U);
  EXPECT_EQ(r.in_progress(), 0U);
  expect_counters_add_up(r);
}

// --- RFC 7112 ------------------------------------------------------------------

TEST(Ipv6Reassembler, AFirstFragmentWithoutTheWholeHeaderChainIsDroppedAlone) {
  ipv6_reassembler r;
  frag6_spec s;
  s.next = 6; // TCP: 20 bytes of header needed in the first fragment
  const bytes whole = payload6(64, 8);
  auto e = r.submit(bytes_view(frag6_of(s, whole, 0, 16, true)), 0, t0);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.code(), errc::incomplete_header_chain);
  EXPECT_EQ(r.counters().incomplete_chain, 1U);
  EXPECT_FALSE(ip::is_fatal(e.code()));
  // A Destination Options header in the fragmentable part that continues
  // into the next fragment: also incomplete.
  frag6_spec d = s;
  d.next = 60;
  bytes chain(32);
  chain[0] = std::byte{17};
  chain[1] = std::byte{2}; // 24 bytes, but the first fragment carries 16
  auto e2 = r.submit(bytes_view(make_frag6(d, 0, true, std::span<const std::byte>(chain).first(16))), 0, t0);
  EXPECT_EQ(e2.code(), errc::incomplete_header_chain);
  // The same chain complete in the first fragment, UDP header included: accepted.
  bytes ok(40);
  ok[0] = std::byte{17};
  ok[1] = std::byte{2};
  ASSERT_TRUE(r.submit(bytes_view(make_frag6(d, 0, true, ok)), 0, t0));
  auto done = r.submit(bytes_view(make_frag6(d, 40, false, filled6(8, 'u'))), 0, t0);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, delivery_status::complete);
  // Non-first fragments need no header chain.
  ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, whole, 16, 32, true)), 0, t0));
  expect_counters_add_up(r);
}

// --- RFC 5722 --------------------------------------------------------------------

TEST(Ipv6Reassembler, EveryNonIdenticalOverlapDropsTheWholeDatagram) {
  struct overlap_case {
    const char *name;
    std::uint32_t start, end;
  };
  const overlap_case cases[] = {{"leading", 8, 24},
                                {"trailing", 40, 56},
                                {"spanning", 8, 40},
                                {"contained, same start", 16, 24},
                                {"contained, same end", 24, 32},
                                {"containing", 8, 48}};
  frag6_spec s;
  const bytes whole = payload6(64, 9);
  for (const auto &c : cases) {
    ipv6_reassembler r;
    for (std::uint32_t off = 0; off < 48; off += 16)
      ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, whole, off, off + 16, true)), 0, t0));
    auto e = r.submit(bytes_view(make_frag6(s, c.start, true, filled6(c.end - c.start, 'Z'))), 0, t0);
    ASSERT_FALSE(e) << c.name;
    EXPECT_EQ(e.code(), errc::overlap) << c.name;
    EXPECT_EQ(e.offset(), 42U) << c.name;
    EXPECT_TRUE(ip::is_fatal(e.code()));
    EXPECT_EQ(r.in_progress(), 0U) << c.name;
    EXPECT_EQ(r.bytes_in_use(), 0U) << c.name;
    auto d = r.submit(bytes_view(frag6_of(s, whole, 48, 64, false)), 0, t0);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, delivery_status::incomplete) << c.name;
    expect_counters_add_up(r);
  }
}

TEST(Ipv6Reassembler, ExactDuplicatesAreDroppedAlone) {
  frag6_spec s;
  const bytes whole = payload6(48, 10);
  auto frags = split6(s, whole, 16);
  ipv6_reassembler r;
  auto fr = feed(r, {frags[1], frags[1], frags[0], frags[0], frags[2]});
  ASSERT_EQ(fr.outputs.size(), 1U);
  EXPECT_EQ(fr.outputs[0], whole6(s, whole));
  EXPECT_EQ(fr.errors, (std::vector<errc>{errc::duplicate_fragment, errc::duplicate_fragment}));
  EXPECT_EQ(r.counters().duplicates, 2U);
  expect_counters_add_up(r);
}

// --- The key ---------------------------------------------------------------------

TEST(Ipv6Reassembler, KeyIsSourceDestinationIdentificationAndContextButNotTheNextHeader) {
  frag6_spec s;
  const bytes whole = payload6(32, 11);
  ipv6_reassembler r;
  ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, whole, 0, 16, true)), 7, t0));
  frag6_spec other_src = s, other_dst = s, other_id = s;
  other_src.src = addr(9);
  other_dst.dst = addr(9);
  other_id.id = s.id + 1;
  for (const auto *x : {&other_src, &other_dst, &other_id}) {
    auto d = r.submit(bytes_view(frag6_of(*x, whole, 16, 32, false)), 7, t0);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, delivery_status::incomplete);
  }
  auto ctx = r.submit(bytes_view(frag6_of(s, whole, 16, 32, false)), 8, t0);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->status, delivery_status::incomplete);
  EXPECT_EQ(r.in_progress(), 5U);
  // A different Next Header in a later fragment's Fragment header still
  // merges: the first fragment's is the packet's.
  frag6_spec other_next = s;
  other_next.next = 6;
  auto ok = r.submit(bytes_view(frag6_of(other_next, whole, 16, 32, false)), 7, t0);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, delivery_status::complete);
  EXPECT_EQ(bytes(ok->datagram.begin(), ok->datagram.end()), whole6(s, whole));
}

// --- Bounds (the same as IPv4) ----------------------------------------------------

TEST(Ipv6Reassembler, FloodOfIncompleteDatagramsStaysInBudgetAndALegitimateOneCompletes) {
  reassembler_config cfg;
  cfg.max_datagrams = 256;
  cfg.byte_budget = std::size_t{128} * 1024;
  cfg.block_size = 512;
  cfg.hash_seed = 0x5EED;
  ipv6_reassembler r(cfg);
  const std::size_t footprint = r.memory_footprint();
  frag6_spec s;
  const bytes junk = payload6(1232, 12);
  for (std::uint32_t i = 0; i < 50000; ++i) {
    s.id = i;
    s.src[14] = static_cast<std::byte>(i >> 8);
    ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, junk, 0, 1232, true)), 0, t0 + std::chrono::microseconds(i)));
    ASSERT_LE(r.bytes_in_use(), r.byte_budget());
    ASSERT_LE(r.in_progress(), cfg.max_datagrams);
  }
  EXPECT_EQ(r.memory_footprint(), footprint);
  EXPECT_GT(r.counters().evicted, 45000U);
  frag6_spec legit;
  legit.src = addr(0x77);
  const bytes whole = payload6(2000, 13);
  auto fr = feed(r, split6(legit, whole, 1232), 0, t0 + std::chrono::milliseconds(200));
  ASSERT_EQ(fr.outputs.size(), 1U);
  EXPECT_EQ(fr.outputs[0], whole6(legit, whole));
  expect_counters_add_up(r);
}

TEST(Ipv6Reassembler, DeadlineFragmentCapAndBudgetBehaveAsForIpv4) {
  frag6_spec s;
  {
    reassembler_config cfg;
    cfg.timeout = std::chrono::seconds(60);
    ipv6_reassembler r(cfg);
    const bytes whole = payload6(32, 14);
    ASSERT_TRUE(r.submit(bytes_view(frag6_of(s, whole, 0, 16, true)), 0, t0));
    auto d = r.submit(bytes_view(frag6_of(s, whole, 16, 32, false)), 0, t0 + std::chrono::seconds(60));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, delivery_status::incomplete);
    EXPECT_EQ(r.counters().timed_out, 1U);
    expect_counters_add_up(r);
  }
  {
    reassembler_config cfg;
    cfg.max_fragments = 4;
    ipv6_reassembler r(cfg);
    const bytes over = payload6(40, 15);
    auto fr = feed(r, split6(s, over, 8));
    ASSERT_EQ(fr.errors, std::vector<errc>{errc::too_many_fragments});
    EXPECT_EQ(r.in_progress(), 0U);
    expect_counters_add_up(r);
  }
  {
    reassembler_config cfg;
    cfg.byte_budget = 1024;
    cfg.block_size = 1024;
    ipv6_reassembler r(cfg);
    auto e = r.submit(bytes_view(frag6_of(s, payload6(4000, 16), 0, 4000, true)), 0, t0);
    EXPECT_EQ(e.code(), errc::budget_exhausted);
    EXPECT_EQ(e.offset(), 4U);
    expect_counters_add_up(r);
  }
}

TEST(Ipv6Reassembler, AnUnfragmentablePartLongerThanTheConfiguredMaximumIsRefused) {
  reassembler_config cfg;
  cfg.max_header_length = 64;
  ipv6_reassembler r(cfg);
  frag6_spec s;
  s.unfragmentable = {{60, 32}};
  auto e = r.submit(bytes_view(frag6_of(s, payload6(16, 17), 0, 16, true)), 0, t0);
  EXPECT_EQ(e.code(), errc::header_chain_too_long);
  EXPECT_EQ(e.offset(), 72U);
  s.unfragmentable = {{60, 24}};
  EXPECT_TRUE(r.submit(bytes_view(frag6_of(s, payload6(16, 17), 0, 16, true)), 0, t0));
}

TEST(Ipv6Reassembler, CreateReportsAllocationFailureInsteadOfTrapping) {
  auto ok = ipv6_reassembler::create({.max_datagrams = 16});
  ASSERT_TRUE(ok);
  ASSERT_NE(ok->get(), nullptr);
  EXPECT_EQ((*ok)->config().max_datagrams, 16U);
  reassembler_config huge;
  huge.max_datagrams = std::size_t{1} << 20;
  huge.max_fragments = 8192; // 2^33 fragment descriptors (192 GiB): no allocator here gives that
  auto no = ipv6_reassembler::create(huge);
  ASSERT_FALSE(no);
  EXPECT_EQ(no.code(), errc::out_of_memory);
  EXPECT_EQ(ip::scope(no.code()), ip::error_scope::usage);
}

// --- A selftest matrix -------------------------------------------------------------

TEST(Ipv6Reassembler, SelftestMatrixIsByteExact) {
  const std::size_t payloads[] = {16, 17, 64, 1000, 1473, 4096, 9000, 60000};
  const std::size_t frag_sizes[] = {8, 16, 64, 256, 1000, 1232, 1448};
  reassembler_config cfg;
  cfg.max_fragments = 8192;
  cfg.max_datagrams = 4;
  cfg.byte_budget = 1 << 20;
  ipv6_reassembler r(cfg);
  std::mt19937 rng(0x8200); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  frag6_spec s = with_chain();
  std::uint32_t id = 0;
  for (std::size_t plen : payloads) {
    for (std::size_t fsize : frag_sizes) {
      if (fsize >= plen) continue;
      for (int order = 0; order < 3; ++order) {
        s.id = ++id;
        const bytes whole = payload6(plen, static_cast<std::uint32_t>(plen * 31 + fsize));
        auto frags = split6(s, whole, fsize);
        if (order == 1) std::reverse(frags.begin(), frags.end());
        if (order == 2) std::shuffle(frags.begin(), frags.end(), rng);
        std::vector<bytes> seq;
        for (auto &f : frags) {
          seq.push_back(f);
          if (rng() % 100 == 0) seq.push_back(f);
        }
        auto fr = feed(r, seq);
        ASSERT_EQ(fr.outputs.size(), 1U) << plen << "/" << fsize << "/" << order;
        EXPECT_EQ(fr.outputs[0], whole6(s, whole)) << plen << "/" << fsize << "/" << order;
        for (errc e : fr.errors) EXPECT_EQ(e, errc::duplicate_fragment);
        r.expire(t0 + std::chrono::hours(1)); // a duplicate after completion started a new datagram
      }
    }
  }
  expect_counters_add_up(r);
}

// --- Property test against a byte-map model (rfc5722) ---------------------------------

struct model {
  struct frag {
    std::uint32_t s, e;
    bytes data;
  };
  struct dg {
    std::vector<frag> frags;
    std::optional<std::uint32_t> final_end;
  };
  std::map<std::uint32_t, dg> dgs;

  std::optional<bytes> submit(std::uint32_t id, std::uint32_t s, std::uint32_t e, bool mf, const bytes &data) {
    if (s == 0 && !mf) return data;                     // atomic: delivered alone
    if (s == 0 && data.size() < 8) return std::nullopt; // RFC 7112 (UDP header)
    if (mf && (e - s) % 8 != 0) return std::nullopt;
    auto &d = dgs[id];
    std::uint32_t max_end = 0;
    for (auto &f : d.frags) max_end = std::max(max_end, f.e);
    if ((!mf && ((d.final_end && *d.final_end != e) || e < max_end)) || (mf && d.final_end && e > *d.final_end)) {
      dgs.erase(id);
      return std::nullopt;
    }
    for (auto &f : d.frags) {
      if (f.s == s && f.e == e) return std::nullopt;
      if (f.s < e && s < f.e) {
        dgs.erase(id);
        return std::nullopt;
      }
    }
    d.frags.push_back({s, e, data});
    if (!mf) d.final_end = e;
    if (!d.final_end) return std::nullopt;
    std::vector<int> covered(*d.final_end, 0);
    for (auto &f : d.frags)
      for (std::uint32_t i = f.s; i < f.e; ++i) covered[i] = 1;
    if (std::find(covered.begin(), covered.end(), 0) != covered.end()) return std::nullopt;
    bytes out(*d.final_end);
    for (auto &f : d.frags) std::copy(f.data.begin(), f.data.end(), out.begin() + f.s);
    dgs.erase(id);
    return out;
  }
};

TEST(Ipv6Reassembler, MatchesAByteMapModelOnRandomFragmentStreams) {
  std::mt19937 rng(5722); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  for (int round = 0; round < 300; ++round) {
    ipv6_reassembler r;
    model m;
    frag6_spec s;
    for (int step = 0; step < 60; ++step) {
      const std::uint32_t id = rng() % 3;
      s.id = id;
      const std::uint32_t start = (rng() % 12) * 8;
      std::uint32_t len = (1 + rng() % 4) * 8;
      const bool mf = rng() % 4 != 0;
      if (!mf && rng() % 2) len -= rng() % 8;
      const bytes data = payload6(len, rng());
      auto mine = r.submit(bytes_view(make_frag6(s, start, mf, data)), 0, t0);
      auto ref = m.submit(id, start, start + len, mf, data);
      if (ref) {
        ASSERT_TRUE(mine) << round << "/" << step << " " << ip::name(mine.code());
        ASSERT_TRUE(mine->status == delivery_status::complete || mine->status == delivery_status::atomic_fragment);
        EXPECT_EQ(bytes(mine->datagram.begin(), mine->datagram.end()), whole6(s, *ref)) << round << "/" << step;
      } else if (mine) {
        ASSERT_EQ(mine->status, delivery_status::incomplete) << round << "/" << step;
      }
      const auto live = static_cast<std::size_t>(
          std::count_if(m.dgs.begin(), m.dgs.end(), [](const auto &kv) { return !kv.second.frags.empty(); }));
      ASSERT_EQ(r.in_progress(), live) << round << "/" << step;
    }
    expect_counters_add_up(r);
  }
}

// --- Zero copy against copying ----------------------------------------------------------

struct token_log {
  std::map<std::uint64_t, int> released;
};
void on_release(void *ctx, std::uint64_t token) noexcept { ++static_cast<token_log *>(ctx)->released[token]; }

TEST(Ipv6Reassembler, ZeroCopyDeliversWhatTheCopyingReassemblerDeliversAndReturnsEveryTokenOnce) {
  std::mt19937 rng(6946); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  token_log log;
  reassembler_config cfg;
  cfg.max_datagrams = 8;
  // The budget never binds (8 datagrams of at most 776 bytes): the copying
  // pool counts whole blocks and the zero-copy budget bytes, so their
  // evictions would differ by design. Slot evictions are the same.
  cfg.byte_budget = 64 * 1024;
  ipv6_reassembler copy(cfg);
  cfg.release = &on_release;
  cfg.release_context = &log;
  ip::ipv6_borrowing_reassembler zc(cfg);
  std::vector<bytes> keep; // the caller's buffers, alive while referenced
  std::set<std::uint64_t> taken, delivered_tokens;
  std::size_t completions = 0;
  time_point now = t0;
  // Per identification: the pieces of a split of [0, total) still to send,
  // in a random order; between them, noise anywhere.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> plans(6);
  std::vector<std::uint32_t> plan_ends(6, 0);
  for (std::uint64_t i = 0; i < 20000; ++i) {
    frag6_spec s = (rng() % 4 == 0) ? with_chain() : frag6_spec{};
    std::uint32_t start = 0;
    std::uint32_t len = 0;
    bool mf = true;
    if (rng() % 10 < 7) {
      const std::size_t id = rng() % plans.size();
      auto &plan = plans[id];
      if (plan.empty()) {
        const std::uint32_t total = 8 + (rng() % 60) * 8 + rng() % 8;
        for (std::uint32_t at = 0; at < total;) {
          const std::uint32_t end = std::min<std::uint32_t>(total, at + (1 + rng() % 12) * 8);
          plan.push_back({at, end});
          at = end;
        }
        std::shuffle(plan.begin(), plan.end(), rng);
        plan_ends[id] = total;
      }
      s.id = static_cast<std::uint32_t>(id);
      start = plan.back().first;
      len = plan.back().second - start;
      mf = plan.back().second != plan_ends[id];
      plan.pop_back();
    } else {
      s.id = rng() % 8;
      start = (rng() % 64) * 8;
      len = (1 + rng() % 32) * 8;
      mf = rng() % 5 != 0;
      if (!mf) len -= rng() % 8;
    }
    keep.push_back(make_frag6(s, start, mf, payload6(len, s.id * 7919 + start)));
    const bytes &f = keep.back();
    now += std::chrono::microseconds(rng() % 4000);
    auto a = copy.submit(f, 0, now);
    auto b = zc.submit(f, i, 0, now);
    ASSERT_EQ(a.has_value(), b.has_value()) << i;
    if (!a) {
      EXPECT_EQ(a.code(), b.code());
      continue;
    }
    ASSERT_EQ(a->status, b->status) << i;
    if (b->status == delivery_status::incomplete || b->status == delivery_status::complete) taken.insert(i);
    if (a->status == delivery_status::complete || a->status == delivery_status::atomic_fragment) {
      bytes g(b->total_length);
      ASSERT_EQ(ip::gather(*b, g), g.size());
      EXPECT_EQ(g, bytes(a->datagram.begin(), a->datagram.end())) << i;
      for (std::uint64_t t : b->tokens) {
        EXPECT_TRUE(delivered_tokens.insert(t).second) << "token delivered twice: " << t;
        EXPECT_EQ(log.released.count(t), 0U) << "token delivered after release: " << t;
      }
      ++completions;
    }
    ASSERT_EQ(copy.in_progress(), zc.in_progress()) << i;
    EXPECT_LE(zc.bytes_in_use(), zc.byte_budget());
  }
  (void)zc.expire(now + std::chrono::hours(1));
  EXPECT_GT(completions, 100U);
  EXPECT_GT(copy.counters().atomic_fragments, 20U);
  for (const auto &[t, n] : log.released) {
    EXPECT_EQ(n, 1) << "token released twice: " << t;
    EXPECT_EQ(delivered_tokens.count(t), 0U);
  }
  // Every token taken came back exactly once: delivered or released.
  for (const std::uint64_t t : taken) EXPECT_EQ(delivered_tokens.count(t) + log.released.count(t), 1U) << t;
  EXPECT_EQ(zc.bytes_in_use(), 0U);
  EXPECT_EQ(copy.counters().reassembled, zc.counters().reassembled);
  EXPECT_EQ(copy.counters().evicted, zc.counters().evicted);
  EXPECT_EQ(copy.counters().atomic_fragments, zc.counters().atomic_fragments);
}

} // namespace
