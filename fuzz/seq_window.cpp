// Fuzz target: arbitrary sequences of insert, poll, flush and reanchor on the
// single-threaded window, and of insert and drain on the multi-producer
// window driven from one thread, under an input-chosen policy, width and
// capacity (in the spirit of ngtcp2's fuzzed reorder buffer). Invariants:
//  - every insert has exactly one outcome; taken items are delivered exactly
//    once (or, multi-producer, handed back with a reason), untaken ones never are;
//  - conservation: inserted == delivered + duplicate + late + overflow + held;
//  - delivery in strictly increasing serial order (between resyncs, outside
//    pass-through), each item under the number it was inserted with;
//  - at most Capacity items held; a timeout deadline exists exactly when
//    something can time out; nothing is left after a final flush.
#include "vpnwire/seq/reorder_windows.hpp"

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;
using seq::insert_outcome;

namespace {

seq::policy policy_from(fuzz::bytes_in &c) {
  const std::uint8_t a = c.u8();
  const std::uint8_t b = c.u8();
  seq::policy p;
  switch (a & 3) {
  case 0: p = seq::policy::strict(); break;
  case 1: p = seq::policy::pass_through(); break;
  default: p = seq::policy::reordering(); break;
  }
  if ((a & 4) != 0) p = p.and_timeout(std::chrono::microseconds(1 + (b & 0x3F) * 10));
  if ((a & 8) != 0) p = p.with_depth(1U + ((b >> 6) | ((a >> 4) & 3U) << 2));
  if ((a & 16) != 0) p = p.with_resync(1U + (b & 7U));
  switch ((a >> 5) & 3) {
  case 1: p = p.with_anchor(seq::anchor_mode::explicit_value); break;
  case 2: p = p.with_anchor(seq::anchor_mode::probation); break;
  case 3: p = p.with_probation(std::chrono::microseconds(1 + b)); break;
  default: break;
  }
  return p;
}

template <unsigned Bits, std::size_t Cap> void single(fuzz::bytes_in c) {
  using W = seq::reorder_window<std::uint32_t, Bits, Cap>;
  using S = typename W::serial_type;
  using V = typename W::value_type;
  const seq::policy p = policy_from(c);
  const V anchor = static_cast<V>(S::mask - c.u8());
  W w(p, anchor);
  std::vector<V> number_of;        // item id -> number it was inserted with
  std::vector<std::uint8_t> state; // 0 not taken, 1 taken, 2 delivered
  bool have_last = false;
  V last = 0;
  std::uint64_t resyncs = 0;
  auto sink = [&](V s, std::uint32_t &&id) noexcept {
    FUZZ_CHECK(id < state.size());
    FUZZ_CHECK(state[id] == 1); // taken, and not delivered before
    FUZZ_CHECK(number_of[id] == s);
    state[id] = 2;
    if (p.mode != seq::reorder_mode::pass_through && have_last && w.stats().resynced == resyncs)
      FUZZ_CHECK(S::less(last, s));
    have_last = true;
    last = s;
  };
  V seqno = anchor;
  std::int64_t now = 1'000'000'000;
  while (c.n >= 3) {
    const std::uint8_t op = c.u8();
    const std::uint8_t x = c.u8();
    const std::uint8_t y = c.u8();
    now += (op & 0x80) != 0 ? -static_cast<std::int64_t>(y) * 1000 : static_cast<std::int64_t>(y) * 1000;
    resyncs = w.stats().resynced;
    switch (op & 7) {
    case 0:
    case 1:
    case 2:
    case 3: {
      if ((op & 0x40) != 0) {
        seqno = static_cast<V>(S::advance(seqno, (static_cast<std::uint64_t>(x) << 8 | y) * 97));
      } else {
        seqno = static_cast<V>(S::advance(seqno, static_cast<std::uint64_t>(static_cast<std::int8_t>(x)) & S::mask));
      }
      const auto id = static_cast<std::uint32_t>(state.size());
      number_of.push_back(seqno);
      state.push_back(1);
      std::uint32_t item = id;
      const insert_outcome r = w.insert(seqno, std::move(item), from_nanoseconds(now), sink);
      FUZZ_CHECK(seq::name(r) != "unknown");
      if (!seq::accepted(r)) {
        FUZZ_CHECK(state[id] == 1); // never delivered
        state[id] = 0;
      } else if (r == insert_outcome::delivered) {
        FUZZ_CHECK(state[id] == 2);
      } else {
        FUZZ_CHECK(state[id] == 1 || w.stats().resynced != resyncs);
      }
      break;
    }
    case 4:
    case 5: (void)w.poll(from_nanoseconds(now), sink); break;
    case 6: (void)w.flush(sink); break;
    default:
      w.reanchor(static_cast<V>(S::advance(seqno, x)), sink);
      have_last = false;
      break;
    }
    const auto &st = w.stats();
    FUZZ_CHECK(w.held() <= Cap);
    FUZZ_CHECK(st.inserted == st.delivered + st.duplicate + st.late + st.overflow + w.held());
    if (w.anchored() && p.timeout.count() > 0 && w.held() != 0) FUZZ_CHECK(w.next_deadline().has_value());
    if (w.held() == 0 && !w.on_probation()) FUZZ_CHECK(!w.next_deadline().has_value());
  }
  (void)w.flush(sink);
  FUZZ_CHECK(w.held() == 0);
  for (const std::uint8_t s : state) FUZZ_CHECK(s != 1); // every taken item was delivered
}

template <unsigned Bits, std::size_t Cap> void multi(fuzz::bytes_in c) {
  using W = seq::reorder_window<std::uint32_t, Bits, Cap, seq::policy, seq::multi_producer>;
  using S = typename W::serial_type;
  using V = typename W::value_type;
  seq::policy p = seq::policy::with_timeout(std::chrono::microseconds(1 + c.u8()));
  const std::uint8_t flags = c.u8();
  if ((flags & 1) != 0) p = p.with_depth(1U + c.u8() % Cap);
  switch ((flags >> 1) & 3) {
  case 0: p = p.with_anchor(seq::anchor_mode::explicit_value); break;
  case 1: p = p.with_anchor(seq::anchor_mode::probation); break;
  default: break; // first packet
  }
  switch ((flags >> 3) & 3) {
  case 1: p.mode = seq::reorder_mode::strict; break;
  case 2: p.mode = seq::reorder_mode::pass_through; break;
  default: break; // reorder
  }
  if ((flags & 0x20) != 0) p = p.with_resync(1U + c.u8() % 8);
  const bool ordered = p.mode != seq::reorder_mode::pass_through;
  const V anchor = static_cast<V>(S::mask - c.u8());
  W w(p, anchor);
  std::vector<V> number_of;
  std::vector<std::uint8_t> state;
  bool have_last = false;
  V last = 0;
  std::uint64_t resyncs = 0;
  auto sink = [&](V s, std::uint32_t &&id) noexcept {
    FUZZ_CHECK(id < state.size() && state[id] == 1 && number_of[id] == s);
    state[id] = 2;
    // Increasing, except that a resync (counted before its item) restarts the order.
    const std::uint64_t r = w.stats().resynced;
    if (have_last && ordered && r == resyncs) FUZZ_CHECK(S::less(last, s));
    resyncs = r;
    have_last = true;
    last = s;
  };
  auto reject = [&](V s, std::uint32_t &&id, insert_outcome why) noexcept {
    // One producer never acts on a stale view: only items placed unchecked
    // before the anchor (or, strict, not claimed) come back, as beyond_horizon;
    // and a depth slide that a resync applied in the same drain passed.
    FUZZ_CHECK(why == insert_outcome::beyond_horizon ||
               (p.depth != 0 && p.resync_after != 0 &&
                (why == insert_outcome::late || why == insert_outcome::duplicate_delivered)));
    FUZZ_CHECK(id < state.size() && state[id] == 1 && number_of[id] == s);
    state[id] = 3;
  };
  V seqno = anchor;
  std::int64_t now = 0;
  while (c.n >= 3) {
    const std::uint8_t op = c.u8();
    const std::uint8_t x = c.u8();
    const std::uint8_t y = c.u8();
    now += static_cast<std::int64_t>(y) * 1000;
    if ((op & 3) != 3) {
      seqno = static_cast<V>(S::advance(seqno, static_cast<std::uint64_t>(static_cast<std::int8_t>(x)) & S::mask));
      const auto id = static_cast<std::uint32_t>(state.size());
      number_of.push_back(seqno);
      state.push_back(1);
      std::uint32_t item = id;
      const insert_outcome r = w.insert(seqno, std::move(item), from_nanoseconds(now));
      FUZZ_CHECK(r != insert_outcome::delivered); // a producer never delivers
      if (!ordered)
        FUZZ_CHECK(r == insert_outcome::buffered || r == insert_outcome::duplicate_held ||
                   r == insert_outcome::beyond_horizon);
      if (!seq::accepted(r)) state[id] = 0;
    } else {
      (void)w.drain(from_nanoseconds(now), sink, reject);
    }
    const auto st = w.stats();
    FUZZ_CHECK(w.held() <= Cap + 2); // the slots, the resync slot and the slide slot
    FUZZ_CHECK(st.inserted == state.size());
    FUZZ_CHECK(st.inserted == st.delivered + st.duplicate + st.late + st.overflow + w.held());
  }
  (void)w.flush(sink, reject);
  FUZZ_CHECK(w.held() == 0);
  for (const std::uint8_t s : state) FUZZ_CHECK(s != 1);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 1) return 0;
  // Copy so that ASan sees any read past the input.
  std::vector<std::uint8_t> copy(data, data + size);
  fuzz::bytes_in c{copy.data() + 1, copy.size() - 1};
  switch (copy[0] % 6) {
  case 0: single<16, 8>(c); break;
  case 1: single<32, 1>(c); break;
  case 2: single<64, 64>(c); break;
  case 3: single<24, 128>(c); break;
  case 4: multi<16, 8>(c); break;
  default: multi<64, 64>(c); break;
  }
  return 0;
}
