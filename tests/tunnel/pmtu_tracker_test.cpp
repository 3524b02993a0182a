// The PMTU tracker. Truth:
//  - named cases for each rule (RFC 1191 plateaus, the IPv4 floor and DF,
//    RFC 8201's 1280 minimum, aging after 10 minutes, RFC 4301 §6.1.1 policy,
//    SA matching through the quoted SPI, addresses and NAT-T port), with
//    whole ICMP packets written by the library's builders around quoted
//    packets;
//  - a reference model written from the rules above in the plainest way
//    (every sequence number sent kept in a deque, the recent ones found by
//    scanning it; the plateau table searched linearly), run side by side with
//    the tracker over generated sequences of ICMP reports, time steps and
//    sent sequence numbers (fixed seeds, ESN wrap-around included): the same
//    outcome, MTU and estimate for every message, the same counters, the
//    same aging.
#include "vpnwire/ip/icmp.hpp"
#include "vpnwire/ip/icmpv6.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/tunnel/pmtu_tracker.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <vector>

using namespace vpnwire;
using namespace std::chrono_literals;
using tunnel::address;
using tunnel::ip_family;
using tunnel::pmtu_outcome;

namespace {

const address local4 = address::v4(0xC000020A);  // 192.0.2.10
const address remote4 = address::v4(0xCB007114); // 203.0.113.20
const address other4 = address::v4(0xCB007115);

address v6(std::uint8_t last) {
  std::array<std::byte, 16> a{};
  a[0] = std::byte{0x20};
  a[1] = std::byte{0x01};
  a[2] = std::byte{0x0d};
  a[3] = std::byte{0xb8};
  a[15] = static_cast<std::byte>(last);
  return address::v6(a);
}

tunnel::pmtu_config config4(tunnel::icmp_policy policy = tunnel::icmp_policy::accept_recent_sequence) {
  tunnel::pmtu_config c;
  c.stack.link_mtu = 1500;
  c.stack.esp->spi = 0x11223344;
  c.local = local4;
  c.remote = remote4;
  c.policy = policy;
  return c;
}

tunnel::pmtu_config config6() {
  tunnel::pmtu_config c = config4(tunnel::icmp_policy::accept);
  c.stack.outer = ip_family::ipv6;
  c.stack.inner = ip_family::ipv6;
  c.local = v6(0x10);
  c.remote = v6(0x20);
  return c;
}

// Our outer packet as the router would quote it: IP header + ESP (or UDP + ESP).
std::vector<std::byte> outer_packet(const address &src, const address &dst, std::size_t size, std::uint32_t spi,
                                    std::uint32_t seq, bool udp = false) {
  std::vector<std::byte> p(size);
  std::size_t h = 0;
  if (src.family == ip_family::ipv4) {
    ip::ipv4_fields f;
    f.dont_fragment = true;
    f.protocol = udp ? 17 : 50;
    f.source = src.v4_value();
    f.destination = dst.v4_value();
    h = ip::build_ipv4_header(p, f, size - 20).value();
  } else {
    ip::ipv6_fields f;
    f.next_header = udp ? 17 : 50;
    f.hop_limit = 64;
    f.source = src.bytes;
    f.destination = dst.bytes;
    (void)ip::build_ipv6_header(p, f, size - 40);
    h = 40;
  }
  if (udp) {
    core::store_be16(p.data() + h, 4500);
    core::store_be16(p.data() + h + 2, 4500);
    core::store_be16(p.data() + h + 4, static_cast<std::uint16_t>(size - h));
    h += 8;
  }
  core::store_be32(p.data() + h, spi);
  core::store_be32(p.data() + h + 4, seq);
  return p;
}

// A whole ICMP(v6) packet from a router about `invoking`.
std::vector<std::byte> too_big(const std::vector<std::byte> &invoking, std::uint32_t mtu,
                               ip::icmpv4_quote quote = ip::icmpv4_quote::rfc1812) {
  std::vector<std::byte> out(1500);
  if ((std::to_integer<unsigned>(invoking[0]) >> 4) == 4) {
    out.resize(ip::build_icmpv4_error_packet(out, 0xC6336401, 0xC000020A, 64, ip::icmp_type::destination_unreachable,
                                             ip::icmp_unreachable::fragmentation_needed, mtu, quote, invoking)
                   .value());
  } else {
    const address router = v6(1);
    auto q = ip::parse_quoted_ipv6(invoking).value();
    out.resize(ip::build_icmpv6_error_packet(out, router.bytes, q.source(), 64, ip::icmpv6_type::packet_too_big, 0, mtu,
                                             invoking)
                   .value());
  }
  return out;
}

const time_point t0 = from_nanoseconds(1'000'000'000);

TEST(PmtuTracker, LowersFromAFragmentationNeededQuotingOurSpiAndARecentSequence) {
  auto t = tunnel::pmtu_tracker::create(config4()).value();
  EXPECT_EQ(t.path_mtu(t0), 1500U);
  EXPECT_EQ(t.limits(t0).inner_mtu, 1446U);
  t.on_sent(1000);
  auto e = t.on_packet(too_big(outer_packet(local4, remote4, 1500, 0x11223344, 990), 1454), t0);
  EXPECT_EQ(e.outcome, pmtu_outcome::lowered);
  EXPECT_EQ(e.mtu, 1454U);
  EXPECT_EQ(e.path_mtu, 1454U);
  // The incident's numbers: AES-GCM-16 tunnel mode over 1454: inner 1398, MSS 1358; IPv6 inside: MSS 1338.
  EXPECT_EQ(t.limits(t0).inner_mtu, 1398U);
  EXPECT_EQ(t.limits(t0).tcp_mss, 1358U);
  EXPECT_EQ(t.limits(t0, ip_family::ipv6)->tcp_mss, 1338U);
  // The same message again confirms; a higher one is stale.
  EXPECT_EQ(t.on_packet(too_big(outer_packet(local4, remote4, 1500, 0x11223344, 991), 1454), t0 + 1s).outcome,
            pmtu_outcome::refreshed);
  EXPECT_EQ(t.on_packet(too_big(outer_packet(local4, remote4, 1500, 0x11223344, 992), 1480), t0 + 2s).outcome,
            pmtu_outcome::stale);
  EXPECT_EQ(t.counters().accepted(), 2U);
  EXPECT_EQ(t.counters().stale, 1U);
  EXPECT_EQ(t.ages_at(), t0 + 1s + 10min);
}

TEST(PmtuTracker, Rfc792QuoteIsEnoughForPlainEspButNotForNatT) {
  auto t = tunnel::pmtu_tracker::create(config4()).value();
  t.on_sent(5);
  // 8 bytes of ESP: SPI and sequence number.
  auto e = t.on_packet(too_big(outer_packet(local4, remote4, 1400, 0x11223344, 5), 1300, ip::icmpv4_quote::rfc792), t0);
  EXPECT_EQ(e.outcome, pmtu_outcome::lowered);
  auto c = config4();
  c.stack.esp->udp_encap = true;
  auto n = tunnel::pmtu_tracker::create(c).value();
  n.on_sent(5);
  const auto natt = outer_packet(local4, remote4, 1400, 0x11223344, 5, true);
  EXPECT_EQ(n.on_packet(too_big(natt, 1300, ip::icmpv4_quote::rfc792), t0).outcome, pmtu_outcome::insufficient_quote);
  EXPECT_EQ(n.on_packet(too_big(natt, 1300), t0).outcome, pmtu_outcome::lowered);
  // Another SPI behind the same port, another destination port, plain ESP to a NAT-T SA.
  EXPECT_EQ(n.on_packet(too_big(outer_packet(local4, remote4, 1400, 0x99, 5, true), 1200), t0).outcome,
            pmtu_outcome::unmatched);
  EXPECT_EQ(n.on_packet(too_big(outer_packet(local4, remote4, 1400, 0x11223344, 5), 1200), t0).outcome,
            pmtu_outcome::unmatched);
}

TEST(PmtuTracker, PolicyDecidesAboutUnauthenticatedIcmp) {
  const auto msg = too_big(outer_packet(local4, remote4, 1500, 0x11223344, 70000), 1400);
  auto ignore = tunnel::pmtu_tracker::create(config4(tunnel::icmp_policy::ignore)).value();
  ignore.on_sent(70000);
  EXPECT_EQ(ignore.on_packet(msg, t0).outcome, pmtu_outcome::ignored);
  EXPECT_EQ(ignore.path_mtu(t0), 1500U);
  auto accept = tunnel::pmtu_tracker::create(config4(tunnel::icmp_policy::accept)).value();
  EXPECT_EQ(accept.on_packet(msg, t0).outcome, pmtu_outcome::lowered); // nothing sent yet: accept does not care
  auto recent = tunnel::pmtu_tracker::create(config4()).value();
  EXPECT_EQ(recent.on_packet(msg, t0).outcome, pmtu_outcome::sequence_not_recent); // not sent yet
  recent.on_sent(70000 + 65535);
  EXPECT_EQ(recent.on_packet(msg, t0).outcome, pmtu_outcome::lowered); // the oldest of the last 65536
  recent.on_sent(70000 + 65536);
  EXPECT_EQ(recent.on_packet(msg, t0).outcome, pmtu_outcome::sequence_not_recent);
  EXPECT_EQ(recent.counters().sequence_not_recent, 2U);
}

TEST(PmtuTracker, RecentSequenceNumbersAcrossTheEsnWrap) {
  auto c = config4();
  c.stack.esp->esn = true;
  c.recent_window = 100;
  auto t = tunnel::pmtu_tracker::create(c).value();
  t.on_sent((std::uint64_t{1} << 32) + 10); // low 32 bits 10: numbers 2^32 - 89 .. 2^32 + 10 are recent
  const auto at = [&](std::uint32_t seq) {
    return t.on_packet(too_big(outer_packet(local4, remote4, 1500, 0x11223344, seq), 1400), t0).outcome;
  };
  EXPECT_EQ(at(0xFFFFFFA0U), pmtu_outcome::sequence_not_recent); // 2^32 - 96
  EXPECT_EQ(at(0xFFFFFFA7U), pmtu_outcome::lowered);             // 2^32 - 89
  EXPECT_EQ(at(0), pmtu_outcome::refreshed);                     // 2^32 itself: a valid ESN number
  EXPECT_EQ(at(11), pmtu_outcome::sequence_not_recent);          // not sent yet
}

TEST(PmtuTracker, MatchesAddressesAndFamily) {
  auto t = tunnel::pmtu_tracker::create(config4(tunnel::icmp_policy::accept)).value();
  EXPECT_EQ(t.on_packet(too_big(outer_packet(local4, other4, 1500, 0x11223344, 1), 1400), t0).outcome,
            pmtu_outcome::unmatched);
  EXPECT_EQ(t.on_packet(too_big(outer_packet(other4, remote4, 1500, 0x11223344, 1), 1400), t0).outcome,
            pmtu_outcome::unmatched);
  EXPECT_EQ(t.on_packet(too_big(outer_packet(v6(0x10), v6(0x20), 1500, 0x11223344, 1), 1400), t0).outcome,
            pmtu_outcome::unmatched);
  auto c = config4(tunnel::icmp_policy::accept);
  c.match_local = false;
  auto any_local = tunnel::pmtu_tracker::create(c).value();
  EXPECT_EQ(any_local.on_packet(too_big(outer_packet(other4, remote4, 1500, 0x11223344, 1), 1400), t0).outcome,
            pmtu_outcome::lowered);
}

TEST(PmtuTracker, OldRoutersGetTheRfc1191Plateau) {
  auto t = tunnel::pmtu_tracker::create(config4(tunnel::icmp_policy::accept)).value();
  // No MTU, a 1500-byte packet: the plateau below 1500 is 1492.
  auto e = t.on_packet(too_big(outer_packet(local4, remote4, 1500, 0x11223344, 1), 0), t0);
  EXPECT_EQ(e.outcome, pmtu_outcome::lowered);
  EXPECT_EQ(e.mtu, 1492U);
  // Next too big at 1492: 1006, which is above the floor of 576.
  e = t.on_packet(too_big(outer_packet(local4, remote4, 1492, 0x11223344, 2), 0), t0);
  EXPECT_EQ(e.mtu, 1006U);
  EXPECT_EQ(tunnel::rfc1191_plateau_below(1006), 508U);
  EXPECT_EQ(tunnel::rfc1191_plateau_below(68), 68U);
  EXPECT_EQ(tunnel::rfc1191_plateau_below(100000), 65535U);
}

TEST(PmtuTracker, Ipv4BelowTheFloorKeepsTheFloorAndClearsDf) {
  auto t = tunnel::pmtu_tracker::create(config4(tunnel::icmp_policy::accept)).value();
  auto e = t.on_packet(too_big(outer_packet(local4, remote4, 1500, 0x11223344, 1), 300), t0);
  EXPECT_EQ(e.outcome, pmtu_outcome::lowered);
  EXPECT_EQ(e.mtu, 576U);
  EXPECT_EQ(t.path_mtu(t0), 576U);
  EXPECT_TRUE(t.below_floor(t0));
  EXPECT_EQ(t.counters().clamped, 1U);
  // A 576 report is higher than "below 576": stale. Another below-floor report refreshes.
  EXPECT_EQ(t.on_packet(too_big(outer_packet(local4, remote4, 1000, 0x11223344, 2), 576), t0).outcome,
            pmtu_outcome::stale);
  EXPECT_EQ(t.on_packet(too_big(outer_packet(local4, remote4, 576, 0x11223344, 2), 500), t0 + 1min).outcome,
            pmtu_outcome::refreshed);
  EXPECT_FALSE(t.below_floor(t0 + 11min));
  // A configured floor of 68 (RFC 1191's own) lets the estimate go that low,
  // when the stack still carries a packet there.
  auto c = config4(tunnel::icmp_policy::accept);
  c.ipv4_floor = 68;
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::mtu_too_small); // 68 - 20 - 34: 14 bytes inside
  c.stack.esp->cipher = esp::cipher::null;
  c.stack.esp->integrity = esp::integrity::hmac_sha1_96;
  c.stack.esp->key_bits = 0;
  c.stack.esp->mode = esp::sa_mode::transport; // 68 - 20 - 20 = 28 -> 26 + 20: a 46-byte packet
  auto low = tunnel::pmtu_tracker::create(c).value();
  const auto e68 = low.on_packet(too_big(outer_packet(local4, remote4, 1500, 0x11223344, 1), 60), t0);
  EXPECT_EQ(e68.mtu, 68U);
  EXPECT_EQ(low.limits(t0).inner_mtu, 46U);
}

TEST(PmtuTracker, Ipv6NeverBelow1280AndTheMessageIsDiscarded) {
  auto t = tunnel::pmtu_tracker::create(config6()).value();
  EXPECT_EQ(t.on_packet(too_big(outer_packet(v6(0x10), v6(0x20), 1500, 0x11223344, 1), 1279), t0).outcome,
            pmtu_outcome::below_minimum);
  EXPECT_EQ(t.path_mtu(t0), 1500U);
  auto e = t.on_packet(too_big(outer_packet(v6(0x10), v6(0x20), 1500, 0x11223344, 1), 1280), t0);
  EXPECT_EQ(e.outcome, pmtu_outcome::lowered);
  // 6-in-6 ESP over a 1280 path: the stack cannot carry IPv6's own minimum.
  EXPECT_EQ(t.limits(t0).inner_mtu, 1206U);
  EXPECT_TRUE(t.limits(t0).below_inner_minimum);
  // An MTU not below the packet that it refused.
  EXPECT_EQ(t.on_packet(too_big(outer_packet(v6(0x10), v6(0x20), 1300, 0x11223344, 1), 1300), t0).outcome,
            pmtu_outcome::inconsistent);
}

TEST(PmtuTracker, AgesBackToTheFirstHopAfterTheTimeout) {
  auto c = config4(tunnel::icmp_policy::accept);
  c.stack.pppoe = true; // first hop 1492
  auto t = tunnel::pmtu_tracker::create(c).value();
  EXPECT_EQ(t.first_hop_mtu(), 1492U);
  EXPECT_FALSE(t.ages_at());
  EXPECT_EQ(t.on_packet(too_big(outer_packet(local4, remote4, 1492, 0x11223344, 1), 1400), t0).outcome,
            pmtu_outcome::lowered);
  EXPECT_EQ(t.path_mtu(t0 + 10min - 1ns), 1400U);
  EXPECT_EQ(t.path_mtu(t0 + 10min), 1492U);
  EXPECT_EQ(t.counters().aged, 0U); // path_mtu() only looks
  t.advance(t0 + 10min);
  EXPECT_EQ(t.counters().aged, 1U);
  EXPECT_FALSE(t.ages_at());
  // Configurable.
  c.aging = 30s;
  auto fast = tunnel::pmtu_tracker::create(c).value();
  (void)fast.on_packet(too_big(outer_packet(local4, remote4, 1492, 0x11223344, 1), 1400), t0);
  EXPECT_EQ(fast.path_mtu(t0 + 30s), 1492U);
}

TEST(PmtuTracker, OtherMessagesAndGarbageAreCountedNotUsed) {
  auto t = tunnel::pmtu_tracker::create(config4(tunnel::icmp_policy::accept)).value();
  const auto inv = outer_packet(local4, remote4, 1500, 0x11223344, 1);
  std::vector<std::byte> te(600);
  te.resize(ip::build_icmpv4_error_packet(te, 1, 0xC000020A, 64, ip::icmp_type::time_exceeded, 0, 0,
                                          ip::icmpv4_quote::rfc1812, inv)
                .value());
  EXPECT_EQ(t.on_packet(te, t0).outcome, pmtu_outcome::not_too_big);
  auto corrupt = too_big(inv, 1400);
  corrupt[30] ^= std::byte{1};
  EXPECT_EQ(t.on_packet(corrupt, t0).outcome, pmtu_outcome::malformed);
  EXPECT_EQ(t.on_packet(bytes_view{}, t0).outcome, pmtu_outcome::malformed);
  EXPECT_EQ(t.on_packet(inv, t0).outcome, pmtu_outcome::malformed); // ESP, not ICMP
  EXPECT_EQ(t.counters().messages(), 4U);
  EXPECT_EQ(t.counters().malformed, 3U);
  EXPECT_EQ(tunnel::name(pmtu_outcome::sequence_not_recent), "sequence_not_recent");
  EXPECT_EQ(tunnel::name(tunnel::icmp_policy::accept_recent_sequence), "accept_recent_sequence");
}

TEST(PmtuTracker, CreateRejectsConfigurationsOutsideTheirDomain) {
  auto c = config4();
  c.recent_window = 0;
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::invalid_parameter);
  c = config4();
  c.aging = 0s;
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::invalid_parameter);
  c = config4();
  c.stack.esp.reset(); // accept_recent_sequence without ESP
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::invalid_parameter);
  c = config4();
  c.ipv4_floor = 67;
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::invalid_parameter);
  c.ipv4_floor = 1501;
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::invalid_parameter);
  c = config4();
  c.local = v6(1);
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::invalid_parameter);
  auto s = config6();
  s.stack.link_mtu = 1279;
  EXPECT_EQ(tunnel::pmtu_tracker::create(s).code(), tunnel::errc::invalid_parameter);
  c = config4();
  c.stack.esp->aead_icv_size = 5;
  EXPECT_EQ(tunnel::pmtu_tracker::create(c).code(), tunnel::errc::invalid_sa_config);
}

// ---------------------------------------------------------------- reference model

// The rules of the header comment, written out plainly.
struct model {
  tunnel::pmtu_config cfg{};
  std::size_t first_hop = 0;
  std::size_t estimate = 0;
  bool below = false;
  bool timer = false;
  time_point lowered_at{};
  std::deque<std::uint64_t> sent; // every number sent, oldest first (bounded by the test's totals)
  tunnel::pmtu_counters c{};

  void age(time_point now) {
    if (timer && now - lowered_at >= cfg.aging) {
      estimate = first_hop;
      below = false;
      timer = false;
      ++c.aged;
    }
  }
  bool recent(std::uint32_t q) const {
    std::size_t n = 0;
    for (auto it = sent.rbegin(); it != sent.rend() && n < cfg.recent_window; ++it, ++n)
      if (static_cast<std::uint32_t>(*it) == q) return true;
    return false;
  }
  static std::size_t plateau(std::size_t size) {
    const std::size_t table[] = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    std::size_t best = 68;
    bool found = false;
    for (std::size_t p : table)
      if (p < size && (!found || p > best)) {
        best = p;
        found = true;
      }
    return best;
  }
  pmtu_outcome feed(const tunnel::icmp_report &r, time_point now, std::size_t &mtu_out) {
    age(now);
    mtu_out = 0;
    auto out = [&](pmtu_outcome o) {
      switch (o) {
      case pmtu_outcome::lowered: ++c.lowered; break;
      case pmtu_outcome::refreshed: ++c.refreshed; break;
      case pmtu_outcome::stale: ++c.stale; break;
      case pmtu_outcome::ignored: ++c.ignored; break;
      case pmtu_outcome::sequence_not_recent: ++c.sequence_not_recent; break;
      case pmtu_outcome::unmatched: ++c.unmatched; break;
      case pmtu_outcome::insufficient_quote: ++c.insufficient_quote; break;
      case pmtu_outcome::not_too_big: ++c.not_too_big; break;
      case pmtu_outcome::below_minimum: ++c.below_minimum; break;
      case pmtu_outcome::inconsistent: ++c.inconsistent; break;
      case pmtu_outcome::malformed: ++c.malformed; break;
      }
      return o;
    };
    if (!r.too_big) return out(pmtu_outcome::not_too_big);
    const bool ours = r.family == cfg.stack.outer && r.quoted_destination == cfg.remote &&
                      (!cfg.match_local || r.quoted_source == cfg.local);
    if (!ours) return out(pmtu_outcome::unmatched);
    const auto &sa = *cfg.stack.esp;
    const auto &t = r.transport;
    if (sa.udp_encap) {
      if (t.protocol != 17) return out(pmtu_outcome::unmatched);
      if (!t.destination_port) return out(pmtu_outcome::insufficient_quote);
      if (*t.destination_port != sa.udp_destination_port) return out(pmtu_outcome::unmatched);
      if (t.kind == ip::quoted_kind::udp) return out(pmtu_outcome::insufficient_quote);
      if (t.kind != ip::quoted_kind::esp_in_udp) return out(pmtu_outcome::unmatched);
    } else {
      if (t.protocol != 50) return out(pmtu_outcome::unmatched);
      if (t.kind != ip::quoted_kind::esp) return out(pmtu_outcome::insufficient_quote);
    }
    if (!t.spi) return out(pmtu_outcome::insufficient_quote);
    if (*t.spi != sa.spi) return out(pmtu_outcome::unmatched);
    if (cfg.policy == tunnel::icmp_policy::ignore) return out(pmtu_outcome::ignored);
    if (cfg.policy == tunnel::icmp_policy::accept_recent_sequence) {
      if (!t.sequence) return out(pmtu_outcome::insufficient_quote);
      if (!recent(*t.sequence)) return out(pmtu_outcome::sequence_not_recent);
    }
    std::size_t mtu = r.mtu;
    if (r.family == ip_family::ipv6 && mtu < 1280) return out(pmtu_outcome::below_minimum);
    if (r.family == ip_family::ipv4 && mtu == 0) mtu = plateau(r.quoted_size);
    mtu_out = mtu;
    if (mtu >= r.quoted_size) return out(pmtu_outcome::inconsistent);
    bool clamp = false;
    if (r.family == ip_family::ipv4 && mtu < cfg.ipv4_floor) {
      mtu = cfg.ipv4_floor;
      clamp = true;
    }
    mtu_out = mtu;
    // Order the states: (value, below the floor) with "below" the lower one.
    const auto rank = [](std::size_t v, bool b) { return 2 * v - (b ? 1 : 0); };
    if (rank(mtu, clamp) > rank(estimate, below)) return out(pmtu_outcome::stale);
    const bool lowered = rank(mtu, clamp) < rank(estimate, below);
    estimate = mtu;
    below = clamp;
    timer = true;
    lowered_at = now;
    if (clamp) ++c.clamped;
    return out(lowered ? pmtu_outcome::lowered : pmtu_outcome::refreshed);
  }
};

void expect_same_counters(const tunnel::pmtu_counters &a, const tunnel::pmtu_counters &b) {
  EXPECT_EQ(a.lowered, b.lowered);
  EXPECT_EQ(a.refreshed, b.refreshed);
  EXPECT_EQ(a.stale, b.stale);
  EXPECT_EQ(a.ignored, b.ignored);
  EXPECT_EQ(a.sequence_not_recent, b.sequence_not_recent);
  EXPECT_EQ(a.unmatched, b.unmatched);
  EXPECT_EQ(a.insufficient_quote, b.insufficient_quote);
  EXPECT_EQ(a.not_too_big, b.not_too_big);
  EXPECT_EQ(a.below_minimum, b.below_minimum);
  EXPECT_EQ(a.inconsistent, b.inconsistent);
  EXPECT_EQ(a.malformed, b.malformed);
  EXPECT_EQ(a.clamped, b.clamped);
  EXPECT_EQ(a.aged, b.aged);
}

TEST(PmtuTrackerModel, AgreesWithTheReferenceOverGeneratedSequences) {
  std::mt19937_64 rng(8201); // NOLINT(cert-msc32-c,cert-msc51-cpp): fixed seed, reproducible
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  std::uint64_t lowered = 0, total = 0;
  for (int run = 0; run < 300; ++run) {
    tunnel::pmtu_config cfg = (run % 3 == 1) ? config6() : config4();
    cfg.policy = static_cast<tunnel::icmp_policy>(pick(3));
    cfg.stack.esp->udp_encap = pick(3) == 0;
    cfg.stack.esp->esn = pick(2) == 0;
    cfg.stack.pppoe = pick(4) == 0;
    cfg.match_local = pick(4) != 0;
    cfg.recent_window = static_cast<std::uint32_t>(1 + pick(3000));
    cfg.aging = std::chrono::seconds(1 + pick(1200));
    if (cfg.stack.outer == ip_family::ipv4) cfg.ipv4_floor = 128 + pick(900);
    auto created = tunnel::pmtu_tracker::create(cfg);
    ASSERT_TRUE(created) << tunnel::name(created.code());
    auto t = *created;
    model m;
    m.cfg = cfg;
    m.first_hop = t.first_hop_mtu();
    m.estimate = m.first_hop;
    // Sequence numbers start anywhere, with ESN sometimes just below a 2^32 boundary.
    // (A resumed SA: every number below the start was sent before.)
    std::uint64_t next = cfg.stack.esp->esn && pick(2) == 0 ? (std::uint64_t{1} << 32) - pick(2000) : 1;
    for (std::uint64_t s = next > 5000 ? next - 5000 : 1; s < next; ++s) m.sent.push_back(s);
    t.on_sent(next - 1);
    time_point now = t0;
    const address ours_src = cfg.local, ours_dst = cfg.remote;
    const address v4other = other4, v6other = v6(0x99);
    for (int step = 0; step < 400; ++step) {
      const auto what = pick(10);
      if (what < 2) {
        now += std::chrono::seconds(pick(900));
        continue;
      }
      if (what < 4) {
        const std::uint64_t n = 1 + pick(800);
        for (std::uint64_t i = 0; i < n; ++i) m.sent.push_back(next++);
        while (m.sent.size() > 5000) m.sent.pop_front();
        t.on_sent(next - 1);
        continue;
      }
      // A report, mostly about us.
      tunnel::icmp_report r;
      r.family =
          pick(10) == 0 ? (cfg.stack.outer == ip_family::ipv4 ? ip_family::ipv6 : ip_family::ipv4) : cfg.stack.outer;
      r.type = r.family == ip_family::ipv4 ? 3 : 2;
      r.too_big = pick(12) != 0;
      r.quoted_source = pick(12) == 0 ? (r.family == ip_family::ipv4 ? v4other : v6other) : ours_src;
      r.quoted_destination = pick(12) == 0 ? (r.family == ip_family::ipv4 ? v4other : v6other) : ours_dst;
      r.quoted_size = 60 + pick(1500);
      const auto mtu_kind = pick(6);
      r.mtu = mtu_kind == 0   ? 0U
              : mtu_kind == 1 ? static_cast<std::uint32_t>(r.quoted_size + pick(100))
              : mtu_kind == 2 ? static_cast<std::uint32_t>(pick(1300))
                              : static_cast<std::uint32_t>(1200 + pick(320));
      auto &tr = r.transport;
      const bool natt_quote = cfg.stack.esp->udp_encap ? pick(8) != 0 : pick(8) == 0;
      tr.protocol = natt_quote ? 17 : (pick(15) == 0 ? 6 : 50);
      const auto depth = pick(8); // how much was quoted
      if (tr.protocol == 17) {
        tr.source_port = 4500;
        tr.destination_port = static_cast<std::uint16_t>(pick(10) == 0 ? 4501 : 4500);
        tr.kind =
            depth == 0 ? ip::quoted_kind::udp : (pick(15) == 0 ? ip::quoted_kind::ike : ip::quoted_kind::esp_in_udp);
      } else if (tr.protocol == 50) {
        tr.kind = depth == 0 ? ip::quoted_kind::not_quoted : ip::quoted_kind::esp;
      } else {
        tr.kind = ip::quoted_kind::tcp;
      }
      if (tr.kind == ip::quoted_kind::esp || tr.kind == ip::quoted_kind::esp_in_udp) {
        tr.spi = pick(10) == 0 ? 0x42U : cfg.stack.esp->spi;
        if (depth != 1) {
          // Mostly a number from around what was sent, sometimes far away.
          const std::uint64_t base = next > 1 ? next - 1 : 1;
          const std::uint64_t back = pick(4000);
          const std::uint64_t s = pick(8) == 0 ? rng() : (back < base ? base - back : base + pick(50));
          tr.sequence = static_cast<std::uint32_t>(s);
        }
      }
      std::size_t model_mtu = 0;
      const pmtu_outcome want = m.feed(r, now, model_mtu);
      const auto got = t.on_icmp(r, now);
      ASSERT_EQ(tunnel::name(got.outcome), tunnel::name(want))
          << "run " << run << " step " << step << " seq " << r.transport.sequence.value_or(0) << " last "
          << t.last_sent() << " window " << cfg.recent_window << " sent " << m.sent.size();
      if (want == pmtu_outcome::lowered || want == pmtu_outcome::refreshed || want == pmtu_outcome::stale ||
          want == pmtu_outcome::inconsistent) {
        EXPECT_EQ(got.mtu, model_mtu) << "run " << run << " step " << step;
      }
      EXPECT_EQ(got.path_mtu, m.estimate);
      EXPECT_EQ(t.path_mtu(now), m.estimate);
      EXPECT_EQ(t.below_floor(now), m.below);
      EXPECT_LE(t.path_mtu(now), t.first_hop_mtu());
      EXPECT_GE(t.path_mtu(now), cfg.stack.outer == ip_family::ipv6 ? 1280U : cfg.ipv4_floor);
      EXPECT_EQ(t.limits(now).inner_mtu, tunnel::compute_tunnel_limits([&] {
                                           auto s = cfg.stack;
                                           s.link_mtu = m.estimate;
                                           s.pppoe = false;
                                           return s;
                                         }())
                                             ->inner_mtu);
      lowered += want == pmtu_outcome::lowered ? 1 : 0;
      ++total;
    }
    t.advance(now);
    m.age(now);
    expect_same_counters(t.counters(), m.c);
    EXPECT_EQ(t.counters().messages(), t.counters().lowered + t.counters().refreshed + t.counters().stale +
                                           t.counters().ignored + t.counters().sequence_not_recent +
                                           t.counters().unmatched + t.counters().insufficient_quote +
                                           t.counters().not_too_big + t.counters().below_minimum +
                                           t.counters().inconsistent + t.counters().malformed);
  }
  // The generator reaches the interesting outcomes, not only rejections.
  EXPECT_GT(lowered, 500U);
  EXPECT_GT(total, 50000U);
}

} // namespace
