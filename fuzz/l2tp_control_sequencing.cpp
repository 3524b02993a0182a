// Fuzz target: the §5.4 data sequencing policy of one session fed arbitrary
// data messages (sequenced or not, any Ns), clock steps, transmissions and a
// late Sequencing Required, in either role.
//
// Invariants: every item offered is delivered exactly once or handed back
// with a reason (duplicate, late, beyond_horizon), counted by the end after a
// flush; delivered sequenced items come out in increasing serial Ns order
// between two unsequenced ones; our transmitted Ns run on one by one with no
// gap or repeat whatever turns sequencing off and on; once Sequencing
// Required is latched every transmission is sequenced; the next deadline is
// never in the past after a poll.
#include "vpnwire/core/serial.hpp"
#include "vpnwire/l2tp/control/data_sequencing.hpp"

#include "fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::l2tp::control;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) return 0;
  const role r = (data[0] & 1) ? role::lac : role::lns;
  sequencing_config cfg;
  cfg.lns_sequences = (data[0] & 2) != 0;
  cfg.lac_sequences_initially = (data[0] & 4) != 0;
  if (data[0] & 8) cfg.reorder = cfg.reorder.with_depth(4);
  data_sequencing<std::uint32_t, 16> s(r, (data[0] & 16) != 0, cfg);
  time_point now{};
  std::uint32_t next_item = 0;
  std::vector<std::uint8_t> seen; // delivery count per item
  std::uint64_t handed_back = 0;
  std::optional<std::uint16_t> last_ns; // last sequenced delivery since the last unsequenced one
  std::optional<std::uint16_t> last_tx;
  std::uint32_t unsequenced_item = 0xFFFFFFFFU;
  auto sink = [&](std::uint16_t ns, std::uint32_t &&item) noexcept {
    FUZZ_CHECK(item < seen.size());
    FUZZ_CHECK(seen[item] == 0);
    seen[item] = 1;
    if (item == unsequenced_item) { // ordering restarts after unsequenced data
      last_ns.reset();
      return;
    }
    if (last_ns) FUZZ_CHECK(core::serial16::less(*last_ns, ns));
    last_ns = ns;
  };
  for (std::size_t i = 1; i + 2 < size && seen.size() < 4096; i += 3) {
    const std::uint8_t op = data[i];
    const auto ns = static_cast<std::uint16_t>(data[i + 1] << 8 | data[i + 2]);
    switch (op % 6) {
    case 0:
    case 1: { // a sequenced data message
      const std::uint32_t item = next_item++;
      seen.push_back(0);
      const auto o = s.receive(true, ns, std::uint32_t{item}, now, sink);
      if (o == data_outcome::duplicate || o == data_outcome::late || o == data_outcome::beyond_horizon) {
        ++handed_back;
        seen[item] = 2;
      }
      break;
    }
    case 2: { // an unsequenced one
      const std::uint32_t item = next_item++;
      seen.push_back(0);
      unsequenced_item = item;
      FUZZ_CHECK(s.receive(false, 0, std::uint32_t{item}, now, sink) == data_outcome::delivered);
      FUZZ_CHECK(seen[item] == 1);
      break;
    }
    case 3: { // time passes
      now += std::chrono::milliseconds(ns % 200);
      (void)s.poll(now, sink);
      if (auto d = s.next_deadline()) FUZZ_CHECK(*d > now);
      break;
    }
    case 4: { // we transmit
      const data_transmit t = s.next_transmit();
      if (s.sequencing_required()) FUZZ_CHECK(t.sequenced);
      if (t.sequenced) {
        if (last_tx)
          FUZZ_CHECK(t.ns == core::serial16::advance(*last_tx, 1));
        else
          FUZZ_CHECK(t.ns == 0);
        last_tx = t.ns;
      }
      break;
    }
    default:
      if (op & 0x80) s.require_sequencing();
      break;
    }
  }
  (void)s.flush(sink);
  std::uint64_t delivered = 0;
  for (std::uint8_t v : seen) {
    FUZZ_CHECK(v != 0); // nothing lost: delivered (1) or handed back (2)
    delivered += v == 1;
  }
  FUZZ_CHECK(delivered + handed_back == seen.size());
  return 0;
}
