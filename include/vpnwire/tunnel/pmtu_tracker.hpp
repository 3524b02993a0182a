// A path MTU estimate for one SA (or one destination), fed by ICMP "too big"
// messages: the sans-IO counterpart of Linux's esp4_err/esp6_err plus the
// route's PMTU aging.
//
//   auto t = tunnel::pmtu_tracker::create(cfg).value();
//   t.on_sent(tx.last_sequence());                 // now and then: what we sent
//   auto e = t.on_packet(icmp_packet, now);        // an ICMP(v6) packet from the outside
//   if (e.outcome == tunnel::pmtu_outcome::lowered) {
//     auto lim = t.limits(now);                     // inner MTU and MSS for this path
//     set_tunnel_mtu(lim.inner_mtu); clamp_mss(lim.tcp_mss);
//   }
//
// A message is used only when, in this order:
//  1. it is IPv4 Fragmentation Needed or ICMPv6 Packet Too Big (else
//     not_too_big);
//  2. its quoted packet is ours: the outer family, the SA's remote address
//     (and local address unless match_local is off), and for ESP the SA's SPI
//     behind ESP or, with UDP encapsulation, behind UDP to the SA's
//     destination port (else unmatched; insufficient_quote when the quote is
//     too short to show the SPI);
//  3. the caller's policy for unauthenticated ICMP (RFC 4301 §6.1.1) allows it:
//     ignore (ignored), accept, or accept only when the quoted ESP sequence
//     number is among the last `recent_window` numbers sent (else
//     sequence_not_recent);
//  4. the MTU is believable: an IPv6 MTU below 1280 is discarded (RFC 8201
//     §4: below_minimum); an MTU not below the quoted packet's size cannot
//     have refused it (inconsistent). An IPv4 message without an MTU (a
//     router older than RFC 1191) is read as the largest RFC 1191 §7 plateau
//     below the quoted packet's Total Length (RFC 1191 §5). An IPv4 MTU
//     below the floor is raised to the floor, and the path is marked "below
//     the floor": outer IPv4 packets then go without DF so routers fragment
//     them, as Linux does with its locked min_pmtu route;
//  5. it lowers the estimate (lowered) or confirms it (refreshed, which
//     restarts the aging timer); a higher MTU is stale (RFC 1191 §3: never
//     raise the estimate from a message).
// After `aging` (10 minutes by default, RFC 1191 §6.3, RFC 8201 §5.3)
// without a lowering or confirming message, the estimate returns to the
// first-hop MTU.
//
// Memory is the object itself (no allocation, no per-message state); every
// message is counted under exactly one outcome.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/esp/sa.hpp"
#include "vpnwire/tunnel/errc.hpp"
#include "vpnwire/tunnel/family.hpp"
#include "vpnwire/tunnel/icmp_report.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vpnwire {
inline namespace v1 {
namespace tunnel {

/// What to do with ICMP errors that arrive unprotected (RFC 4301 §6.1.1.1:
/// an implementation must let the administrator accept or reject them).
enum class icmp_policy : std::uint8_t {
  ignore,                ///< Never change the estimate from unauthenticated ICMP.
  accept,                ///< Accept any message that quotes this SA (Linux's behaviour).
  accept_recent_sequence ///< Accept only when the quoted ESP sequence number is one sent recently.
};

/// The enumerator's name, e.g. for logs and JSON.
[[nodiscard]] constexpr std::string_view name(icmp_policy p) noexcept {
  switch (p) {
  case icmp_policy::ignore: return "ignore";
  case icmp_policy::accept: return "accept";
  case icmp_policy::accept_recent_sequence: return "accept_recent_sequence";
  }
  return "unknown";
}

/// The default IPv4 floor: 576 bytes. RFC 1191 §3 only forbids going below
/// 68, but every IPv4 host must accept 576-byte datagrams (RFC 1122
/// §3.3.2, RFC 791), paths below 576 are vanishingly rare, and a forged
/// message claiming a tiny MTU would otherwise shrink every packet of the SA
/// to a few dozen bytes of payload (RFC 5927 §7 discusses this attack; Linux
/// refuses to go below its min_pmtu of 552 for the same reason). When a
/// message does report less, the tracker keeps 576 and clears DF instead.
inline constexpr std::size_t default_ipv4_floor = 576;

struct pmtu_config {
  /// The stack this SA's packets go through. Its link IP MTU (link_mtu less
  /// PPPoE) is the first-hop MTU the estimate starts from and ages back to;
  /// `outer` is the path's family; `esp` the SA (SPI, UDP encapsulation and
  /// its destination port are matched against the quote).
  tunnel_stack stack{};
  /// The SA's outer addresses: the quoted packet goes from local to remote.
  address local{};
  address remote{};
  /// Match the quoted source address too. Turn off when the local address is
  /// not known (a wildcard bind, a NAT that does not translate ICMP quotes).
  bool match_local = true;
  icmp_policy policy = icmp_policy::accept_recent_sequence;
  /// accept_recent_sequence: the quoted sequence number must be one of the
  /// last `recent_window` numbers sent (1 .. 2^31). ESP numbers are
  /// consecutive, so this is exact. The default 65536 is 65 ms of traffic at
  /// a million packets per second (more than the round trip to a router on
  /// the path), and a blind forger's guess succeeds once in 65536.
  std::uint32_t recent_window = 65536;
  /// How long a lowered estimate lasts without a confirming message.
  duration aging = std::chrono::minutes(10);
  /// The lowest IPv4 estimate (68 .. first-hop MTU); see default_ipv4_floor.
  std::size_t ipv4_floor = default_ipv4_floor;
};

/// The outcome of one ICMP message: exactly one per message.
enum class pmtu_outcome : std::uint8_t {
  lowered,             ///< Accepted: the estimate went down (or below the IPv4 floor).
  refreshed,           ///< Accepted: the estimate was confirmed and its aging timer restarted.
  stale,               ///< Matched and allowed, but reports an MTU above the current estimate.
  ignored,             ///< Matched, but the policy is ignore.
  sequence_not_recent, ///< Matched, but the quoted sequence number was not sent recently.
  unmatched,           ///< Quotes another SA, another address or another family.
  insufficient_quote,  ///< Quotes too little to identify the SA or check its sequence number.
  not_too_big,         ///< An ICMP error that is not Fragmentation Needed / Packet Too Big.
  below_minimum,       ///< An ICMPv6 MTU below 1280, discarded (RFC 8201 §4).
  inconsistent,        ///< The reported MTU is not below the quoted packet's size.
  malformed            ///< Not a well-formed ICMP error (on_packet only).
};

/// The enumerator's name, e.g. for logs and JSON.
[[nodiscard]] constexpr std::string_view name(pmtu_outcome o) noexcept {
  switch (o) {
  case pmtu_outcome::lowered: return "lowered";
  case pmtu_outcome::refreshed: return "refreshed";
  case pmtu_outcome::stale: return "stale";
  case pmtu_outcome::ignored: return "ignored";
  case pmtu_outcome::sequence_not_recent: return "sequence_not_recent";
  case pmtu_outcome::unmatched: return "unmatched";
  case pmtu_outcome::insufficient_quote: return "insufficient_quote";
  case pmtu_outcome::not_too_big: return "not_too_big";
  case pmtu_outcome::below_minimum: return "below_minimum";
  case pmtu_outcome::inconsistent: return "inconsistent";
  case pmtu_outcome::malformed: return "malformed";
  }
  return "unknown";
}

/// One counter per outcome, plus derived sums.
struct pmtu_counters {
  std::uint64_t lowered = 0;
  std::uint64_t refreshed = 0;
  std::uint64_t stale = 0;
  std::uint64_t ignored = 0;
  std::uint64_t sequence_not_recent = 0;
  std::uint64_t unmatched = 0;
  std::uint64_t insufficient_quote = 0;
  std::uint64_t not_too_big = 0;
  std::uint64_t below_minimum = 0;
  std::uint64_t inconsistent = 0;
  std::uint64_t malformed = 0;
  /// Accepted messages whose IPv4 MTU was raised to the floor (also counted as lowered or refreshed).
  std::uint64_t clamped = 0;
  /// Times the estimate aged back to the first-hop MTU.
  std::uint64_t aged = 0;

  /// Messages that changed or confirmed the estimate.
  [[nodiscard]] constexpr std::uint64_t accepted() const noexcept { return lowered + refreshed; }
  /// Every message seen.
  [[nodiscard]] constexpr std::uint64_t messages() const noexcept {
    return lowered + refreshed + stale + ignored + sequence_not_recent + unmatched + insufficient_quote + not_too_big +
           below_minimum + inconsistent + malformed;
  }
};

/// What one message did.
struct pmtu_event {
  pmtu_outcome outcome = pmtu_outcome::malformed;
  /// The MTU the message was read as (its own, a plateau, or the floor); 0
  /// when it was not read that far.
  std::size_t mtu = 0;
  /// The estimate after the message.
  std::size_t path_mtu = 0;
};

class pmtu_tracker {
public:
  /// A tracker over the default configuration (IPv4, 1500, AES-GCM-16 tunnel
  /// mode, SPI 0, addresses 0.0.0.0): mostly a placeholder for create().
  pmtu_tracker() noexcept : pmtu_tracker(pmtu_config{}, 1500) {}

  /// Validates `cfg` and builds a tracker whose estimate is the first-hop MTU.
  /// Errors: as compute_tunnel_limits for cfg.stack (invalid_sa_config,
  /// family_mismatch, mtu_too_small); invalid_parameter when the addresses
  /// are not of the outer family, recent_window is 0 or above 2^31, aging is
  /// not positive, accept_recent_sequence is asked of a stack without ESP, an
  /// IPv6 first hop is below 1280, or the IPv4 floor is outside 68 .. first
  /// hop; mtu_too_small when the stack cannot carry even a minimal inner
  /// packet at the lowest estimate (the floor, or 1280).
  [[nodiscard]] static result<pmtu_tracker, errc> create(const pmtu_config &cfg) noexcept {
    auto first = compute_tunnel_limits(cfg.stack);
    if (!first) return first.error();
    const std::size_t hop = first->link_ip_mtu;
    const ip_family f = cfg.stack.outer;
    if (cfg.local.family != f || cfg.remote.family != f) return fail(errc::invalid_parameter, 0);
    if (cfg.recent_window == 0 || cfg.recent_window > (1U << 31)) return fail(errc::invalid_parameter, 0);
    if (cfg.aging <= duration::zero()) return fail(errc::invalid_parameter, 0);
    if (cfg.policy == icmp_policy::accept_recent_sequence && !cfg.stack.esp) return fail(errc::invalid_parameter, 0);
    if (f == ip_family::ipv6 && hop < minimum_mtu(ip_family::ipv6)) return fail(errc::invalid_parameter, 0);
    if (f == ip_family::ipv4 && (cfg.ipv4_floor < minimum_mtu(ip_family::ipv4) || cfg.ipv4_floor > hop))
      return fail(errc::invalid_parameter, 0);
    pmtu_tracker t(cfg, hop);
    auto lowest = t.limits_at(t.floor());
    if (!lowest) return lowest.error();
    return t;
  }

  /// Records that ESP sequence numbers up to `last_sequence` have been sent
  /// (outbound_sa::last_sequence(); 64-bit with ESN). An SA numbers its
  /// packets 1, 2, 3, ... (RFC 4303 §3.3.3), so every number up to it counts
  /// as sent. Lower values than one recorded before are ignored.
  void on_sent(std::uint64_t last_sequence) noexcept {
    if (last_sequence > last_sent_) last_sent_ = last_sequence;
  }

  /// A new SPI for the same path after a rekey: the estimate stays, the sent
  /// sequence numbers start again.
  void rekey(std::uint32_t spi) noexcept {
    if (cfg_.stack.esp) cfg_.stack.esp->spi = spi;
    last_sent_ = 0;
  }

  /// Applies aging up to `now` (also done by every on_icmp).
  void advance(time_point now) noexcept {
    if (expired(now)) {
      estimate_ = first_hop_;
      below_floor_ = false;
      lowered_at_.reset();
      ++counters_.aged;
    }
  }

  /// Feeds one ICMP report (tunnel::read_icmpv4/read_icmpv6/read_icmp_packet).
  pmtu_event on_icmp(const icmp_report &r, time_point now) noexcept {
    advance(now);
    pmtu_event e;
    e.path_mtu = estimate_;
    if (!r.too_big) return count(e, pmtu_outcome::not_too_big);
    if (auto o = match(r)) return count(e, *o);
    if (cfg_.policy == icmp_policy::ignore) return count(e, pmtu_outcome::ignored);
    if (cfg_.policy == icmp_policy::accept_recent_sequence) {
      if (!r.transport.sequence) return count(e, pmtu_outcome::insufficient_quote);
      if (!sent_recently(*r.transport.sequence)) return count(e, pmtu_outcome::sequence_not_recent);
    }
    // The MTU the message stands for.
    std::size_t mtu = r.mtu;
    if (r.family == ip_family::ipv6) {
      if (mtu < minimum_mtu(ip_family::ipv6)) return count(e, pmtu_outcome::below_minimum);
    } else if (mtu == 0) {
      mtu = rfc1191_plateau_below(r.quoted_size); // RFC 1191 §5
    }
    e.mtu = mtu;
    if (mtu >= r.quoted_size) return count(e, pmtu_outcome::inconsistent);
    bool clamp = false;
    if (r.family == ip_family::ipv4 && mtu < cfg_.ipv4_floor) {
      mtu = cfg_.ipv4_floor;
      clamp = true;
      e.mtu = mtu;
    }
    // Compare (mtu, clamp) with (estimate, below_floor): at the floor, being
    // below it is the lower state.
    const bool lower = mtu < estimate_ || (mtu == estimate_ && clamp && !below_floor_);
    const bool same = mtu == estimate_ && clamp == below_floor_;
    if (!lower && !same) return count(e, pmtu_outcome::stale);
    estimate_ = mtu;
    below_floor_ = clamp;
    lowered_at_ = now;
    if (clamp) ++counters_.clamped;
    e.path_mtu = estimate_;
    return count(e, lower ? pmtu_outcome::lowered : pmtu_outcome::refreshed);
  }

  /// Reads a whole ICMP-bearing IP packet and feeds it; a packet that is not
  /// an ICMP error is counted as malformed (an informational message as
  /// not_too_big).
  pmtu_event on_packet(bytes_view packet, time_point now) noexcept {
    auto r = read_icmp_packet(packet);
    if (!r) {
      advance(now);
      pmtu_event e;
      e.path_mtu = estimate_;
      return count(e, r.code() == errc::not_an_icmp_error ? pmtu_outcome::not_too_big : pmtu_outcome::malformed);
    }
    return on_icmp(*r, now);
  }

  /// The estimate at `now` (aging applied, nothing changed).
  [[nodiscard]] std::size_t path_mtu(time_point now) const noexcept { return expired(now) ? first_hop_ : estimate_; }
  /// True while the path is known to be below the IPv4 floor: send outer
  /// IPv4 packets without DF (tunnel/encap.hpp reads this).
  [[nodiscard]] bool below_floor(time_point now) const noexcept { return !expired(now) && below_floor_; }
  /// When the current estimate ages back to the first hop (empty when it is
  /// the first hop already): a caller's timer can wake up then.
  [[nodiscard]] std::optional<time_point> ages_at() const noexcept {
    if (!lowered_at_) return std::nullopt;
    return *lowered_at_ + cfg_.aging;
  }
  /// The stack's limits over the path at `now`: inner MTU and TCP MSS for
  /// the SA's inner family. Never fails: create() checked the lowest estimate.
  [[nodiscard]] tunnel_limits limits(time_point now) const noexcept {
    return limits_at(path_mtu(now)).value_or(tunnel_limits{});
  }
  /// The same for the other inner family (a dual-stack tunnel).
  [[nodiscard]] result<tunnel_limits, errc> limits(time_point now, ip_family inner) const noexcept {
    tunnel_stack s = path_stack(path_mtu(now));
    s.inner = inner;
    return compute_tunnel_limits(s);
  }
  [[nodiscard]] std::size_t first_hop_mtu() const noexcept { return first_hop_; }
  [[nodiscard]] std::uint64_t last_sent() const noexcept { return last_sent_; }
  [[nodiscard]] const pmtu_config &config() const noexcept { return cfg_; }
  [[nodiscard]] const pmtu_counters &counters() const noexcept { return counters_; }

private:
  pmtu_tracker(const pmtu_config &cfg, std::size_t first_hop) noexcept
      : cfg_(cfg), first_hop_(first_hop), estimate_(first_hop) {}

  [[nodiscard]] std::size_t floor() const noexcept {
    return cfg_.stack.outer == ip_family::ipv6 ? minimum_mtu(ip_family::ipv6) : cfg_.ipv4_floor;
  }
  [[nodiscard]] bool expired(time_point now) const noexcept { return lowered_at_ && now - *lowered_at_ >= cfg_.aging; }
  [[nodiscard]] tunnel_stack path_stack(std::size_t path) const noexcept {
    tunnel_stack s = cfg_.stack;
    s.link_mtu = path; // an IP MTU: PPPoE is part of the first hop only
    s.pppoe = false;
    return s;
  }
  [[nodiscard]] result<tunnel_limits, errc> limits_at(std::size_t path) const noexcept {
    return compute_tunnel_limits(path_stack(path));
  }

  // Whether a quoted (low 32 bits of a) sequence number is among the last
  // recent_window numbers sent: numbers 1 .. last_sent_ were all sent, so
  // it is last_sent_ - d for d = (low(last_sent_) - q) mod 2^32, provided
  // d < recent_window and d < last_sent_ (the number is at least 1).
  [[nodiscard]] bool sent_recently(std::uint32_t q) const noexcept {
    const std::uint32_t d = static_cast<std::uint32_t>(last_sent_) - q;
    return d < cfg_.recent_window && d < last_sent_;
  }

  // nullopt when the report quotes this SA; otherwise why not.
  [[nodiscard]] std::optional<pmtu_outcome> match(const icmp_report &r) const noexcept {
    if (r.family != cfg_.stack.outer) return pmtu_outcome::unmatched;
    if (r.quoted_destination != cfg_.remote) return pmtu_outcome::unmatched;
    if (cfg_.match_local && r.quoted_source != cfg_.local) return pmtu_outcome::unmatched;
    if (!cfg_.stack.esp) return std::nullopt; // a per-destination tracker: addresses only
    const esp::sa_config &sa = *cfg_.stack.esp;
    const ip::quoted_transport &t = r.transport;
    if (sa.udp_encap) {
      if (t.protocol != 17) return pmtu_outcome::unmatched;
      if (!t.destination_port) return pmtu_outcome::insufficient_quote;
      if (*t.destination_port != sa.udp_destination_port) return pmtu_outcome::unmatched;
      if (t.kind == ip::quoted_kind::udp)
        return pmtu_outcome::insufficient_quote; // RFC 792's 8 bytes: the UDP header only
      if (t.kind != ip::quoted_kind::esp_in_udp) return pmtu_outcome::unmatched;
    } else {
      if (t.protocol != 50) return pmtu_outcome::unmatched;
      if (t.kind != ip::quoted_kind::esp) return pmtu_outcome::insufficient_quote;
    }
    if (!t.spi) return pmtu_outcome::insufficient_quote;
    if (*t.spi != sa.spi) return pmtu_outcome::unmatched;
    return std::nullopt;
  }

  pmtu_event count(pmtu_event e, pmtu_outcome o) noexcept {
    e.outcome = o;
    switch (o) {
    case pmtu_outcome::lowered: ++counters_.lowered; break;
    case pmtu_outcome::refreshed: ++counters_.refreshed; break;
    case pmtu_outcome::stale: ++counters_.stale; break;
    case pmtu_outcome::ignored: ++counters_.ignored; break;
    case pmtu_outcome::sequence_not_recent: ++counters_.sequence_not_recent; break;
    case pmtu_outcome::unmatched: ++counters_.unmatched; break;
    case pmtu_outcome::insufficient_quote: ++counters_.insufficient_quote; break;
    case pmtu_outcome::not_too_big: ++counters_.not_too_big; break;
    case pmtu_outcome::below_minimum: ++counters_.below_minimum; break;
    case pmtu_outcome::inconsistent: ++counters_.inconsistent; break;
    case pmtu_outcome::malformed: ++counters_.malformed; break;
    }
    return e;
  }

  pmtu_config cfg_{};
  std::size_t first_hop_ = 1500;
  std::size_t estimate_ = 1500;
  bool below_floor_ = false;
  std::optional<time_point> lowered_at_{};
  std::uint64_t last_sent_ = 0;
  pmtu_counters counters_{};
};

} // namespace tunnel
} // namespace v1
} // namespace vpnwire
