// The data-channel sequencing policy of one session (RFC 2661 §5.4) and the
// reordering of received data through seq::reorder_window.
//
//   l2tp::control::data_sequencing<packet, 64> ds(role::lns, params.sequencing_required);
//   auto tx = ds.next_transmit();            // S bit and Ns for the next data message
//   ds.receive(h.has_sequence(), h.ns(), std::move(pkt), now, sink);   // sink(ns, packet&&)
//   if (auto t = ds.next_deadline()) arm(*t); ds.poll(now, sink);
//
// The rules, per role:
//  - Sequencing Required (the AVP in ICCN/OCCN, sent or received) latches
//    sequencing on for the life of the session: both directions number
//    their data and nothing turns it off.
//  - Otherwise the LNS decides: it numbers its data or not (config), and the
//    LAC follows what it receives: unsequenced data from the LNS stops the
//    LAC's numbering; sequenced data resumes it, continuing from the Ns
//    where it stopped (the numbers are never reset).
//  - An LNS accepts sequenced data whatever it asked for (real clients
//    number their data regardless) and reorders it; unsequenced data under
//    Sequencing Required is a peer violation: counted, delivered, and
//    nothing is torn down.
//  - Received Ns go through the reorder window with a configurable policy,
//    by default a 30 ms timeout (default_reorder_timeout; never strict: one
//    lost packet must not stall or drop the ones after it).
//  - The sink runs inside noexcept calls and must be declared noexcept.
#pragma once

#include "vpnwire/core/serial.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/l2tp/control/events.hpp"
#include "vpnwire/seq/outcome.hpp"
#include "vpnwire/seq/policy.hpp"
#include "vpnwire/seq/reorder_window.hpp"

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace l2tp {
namespace control {

/// The reorder timeout of the default policy, 30 ms: well above the
/// reordering that parallel paths, ECMP and link-layer retransmission cause
/// (a few ms), and short enough that a lost packet holds the packets behind
/// it for less than TCP's minimum retransmission timeout would; with the
/// default Capacity (64) it covers about 2,000 packets per second. The
/// reasoning and the figures are in docs/reorder.md ("Choosing the timeout").
inline constexpr duration default_reorder_timeout = std::chrono::milliseconds(30);

struct sequencing_config {
  /// LNS only, without Sequencing Required: number our data messages.
  bool lns_sequences = false;
  /// LAC only: number data until the LNS is heard sending unsequenced data.
  bool lac_sequences_initially = true;
  /// How received data is reordered.
  seq::policy reorder = seq::policy::with_timeout(default_reorder_timeout);
};

/// The S bit and Ns to put in the next data message.
struct data_transmit {
  bool sequenced = false;
  std::uint16_t ns = 0; ///< meaningful when sequenced; Nr is reserved on data (§3.1) and sent as 0
};

/// What receive() did with a data message.
enum class data_outcome : std::uint8_t {
  delivered,     ///< Unsequenced, or sequenced and in order: given to the sink (with any run it completed).
  held,          ///< Sequenced and early: held by the reorder window.
  duplicate,     ///< Sequenced, already delivered or held: not taken (the item stays with the caller).
  late,          ///< Sequenced, behind a gap already skipped: not taken.
  beyond_horizon ///< Sequenced, too far ahead of the window: not taken.
};

/// The enumerator's name, e.g. "beyond_horizon".
[[nodiscard]] constexpr std::string_view name(data_outcome v) noexcept {
  switch (v) {
  case data_outcome::delivered: return "delivered";
  case data_outcome::held: return "held";
  case data_outcome::duplicate: return "duplicate";
  case data_outcome::late: return "late";
  case data_outcome::beyond_horizon: return "beyond_horizon";
  }
  return "unknown";
}

struct sequencing_counters {
  std::uint64_t sent_sequenced = 0;
  std::uint64_t sent_unsequenced = 0;
  std::uint64_t received_sequenced = 0;
  std::uint64_t received_unsequenced = 0;
  std::uint64_t required_violations = 0;    ///< unsequenced data while Sequencing Required is latched
  std::uint64_t unrequested_sequencing = 0; ///< LNS: sequenced data it did not ask for (accepted)
  std::uint64_t lac_stops = 0;              ///< LAC: times unsequenced data stopped our numbering
  std::uint64_t lac_resumes = 0;            ///< LAC: times sequenced data resumed it
  std::uint64_t duplicates = 0;
  std::uint64_t late = 0;
  std::uint64_t beyond_horizon = 0;
};

/// One session's data sequencing. Item: what the caller passes through the
/// reorder window (a packet handle, an index); default-constructible and
/// nothrow-movable. Capacity: items held at most (a power of two).
template <class Item, std::size_t Capacity = 64> class data_sequencing {
public:
  using window_type = seq::reorder_window<Item, 16, Capacity, seq::policy>;

  /// `required`: the Sequencing Required AVP was sent or received in ICCN/OCCN.
  data_sequencing(control::role r, bool required, sequencing_config cfg = {}) noexcept
      : role_(r), cfg_(cfg), required_(required), window_(cfg.reorder),
        peer_wants_(r == role::lac ? cfg.lac_sequences_initially : cfg.lns_sequences) {}

  /// Latches Sequencing Required (from a late ICCN/OCCN, for instance). Never unlatched.
  void require_sequencing() noexcept { required_ = true; }
  [[nodiscard]] bool sequencing_required() const noexcept { return required_; }

  /// Whether our data messages carry Ns now.
  [[nodiscard]] bool sending_sequenced() const noexcept { return required_ || peer_wants_; }

  /// The S bit and Ns of the next data message we send; Ns advances only
  /// on sequenced messages, so numbering resumes where it stopped.
  data_transmit next_transmit() noexcept {
    data_transmit t;
    if (!sending_sequenced()) {
      ++counters_.sent_unsequenced;
      return t;
    }
    t.sequenced = true;
    t.ns = next_ns_;
    next_ns_ = core::serial16::advance(next_ns_, 1);
    ++counters_.sent_sequenced;
    return t;
  }

  /// Processes a received data message. `sequenced`: its S bit; `ns`: its
  /// Ns when sequenced. The sink `sink(std::uint16_t ns, Item&&)` gets
  /// delivered items in order (ns is 0 for unsequenced ones). On duplicate,
  /// late and beyond_horizon the item is left with the caller.
  template <class Sink>
  requires std::invocable<Sink &, std::uint16_t, Item &&> data_outcome receive(bool sequenced, std::uint16_t ns,
                                                                               Item &&item, time_point now, Sink &&sink)
  noexcept {
    if (!sequenced) {
      ++counters_.received_unsequenced;
      if (required_) {
        ++counters_.required_violations; // the peer broke §5.4; deliver anyway, tear nothing down
      } else if (role_ == role::lac && peer_wants_) {
        peer_wants_ = false; // the LNS turned sequencing off
        ++counters_.lac_stops;
      }
      window_.flush(sink); // what is held came before this message
      sink(std::uint16_t{0}, std::move(item));
      return data_outcome::delivered;
    }
    ++counters_.received_sequenced;
    if (role_ == role::lac && !peer_wants_) {
      peer_wants_ = true; // the LNS turned sequencing (back) on
      ++counters_.lac_resumes;
    } else if (role_ == role::lns && !required_ && !cfg_.lns_sequences) {
      ++counters_.unrequested_sequencing;
    }
    switch (window_.insert(ns, std::move(item), now, sink)) {
    case seq::insert_outcome::delivered: return data_outcome::delivered;
    case seq::insert_outcome::buffered: return data_outcome::held;
    case seq::insert_outcome::duplicate_held:
    case seq::insert_outcome::duplicate_delivered: ++counters_.duplicates; return data_outcome::duplicate;
    case seq::insert_outcome::late: ++counters_.late; return data_outcome::late;
    case seq::insert_outcome::beyond_horizon: break;
    }
    ++counters_.beyond_horizon;
    return data_outcome::beyond_horizon;
  }

  /// Releases held data whose wait reached the policy's timeout.
  template <class Sink>
  requires std::invocable<Sink &, std::uint16_t, Item &&> std::size_t poll(time_point now, Sink &&sink)
  noexcept { return window_.poll(now, sink); }
  /// Delivers everything held, in order (session teardown).
  template <class Sink>
  requires std::invocable<Sink &, std::uint16_t, Item &&> std::size_t flush(Sink &&sink)
  noexcept { return window_.flush(sink); }
  /// When poll() next has work, if ever.
  [[nodiscard]] std::optional<time_point> next_deadline() const noexcept { return window_.next_deadline(); }

  [[nodiscard]] const sequencing_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] seq::counters window_counters() const noexcept { return window_.stats(); }
  [[nodiscard]] std::uint16_t next_ns() const noexcept { return next_ns_; }

private:
  control::role role_;
  sequencing_config cfg_;
  bool required_;
  window_type window_;
  bool peer_wants_; // LAC: the LNS's last data was sequenced; LNS: our configured choice
  std::uint16_t next_ns_ = 0;
  sequencing_counters counters_{};
};

} // namespace control
} // namespace l2tp
} // namespace v1
} // namespace vpnwire
