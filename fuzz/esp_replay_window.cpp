// Fuzz target: the anti-replay window and ESN inference against reference
// models. Each 9-byte record is [op][8-byte value]; op picks check+commit of
// a number near the top, far behind, far ahead, or an ESN inference.
// Invariants: check() equals the set model's answer, commit() moves the
// window exactly as the model, infer_esn() equals the RFC 4303 A2.1
// definition (the congruent number in [top - W + 1, top - W + 2^32]).
#include "vpnwire/esp/replay_window.hpp"

#include "fuzz_check.hpp"

#include <cstdint>
#include <set>

using namespace vpnwire;

namespace {
__extension__ typedef __int128 i128;

bool reference_esn(std::uint64_t top, std::uint32_t sl, std::uint64_t w, std::uint64_t &out) {
  const i128 lo = static_cast<i128>(top) - static_cast<i128>(w) + 1;
  const i128 two32 = static_cast<i128>(1) << 32;
  const i128 base = lo - (((lo - sl) % two32) + two32) % two32;
  const i128 x = base < lo ? base + two32 : base;
  if (x < 0 || x > static_cast<i128>(~std::uint64_t{0})) return false;
  out = static_cast<std::uint64_t>(x);
  return true;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  constexpr std::size_t W = 256;
  esp::replay_window<W> w;
  std::set<std::uint64_t> seen;
  std::uint64_t top = 0;
  for (std::size_t i = 0; i + 9 <= size; i += 9) {
    const std::uint8_t op = data[i];
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = (v << 8) | data[i + 1 + k];
    std::uint64_t s = 0;
    switch (op % 5) {
    case 0: s = top + (v % 16); break;
    case 1: s = top - (v % (W + 64) > top ? top : v % (W + 64)); break;
    case 2: s = top + (v % (1ULL << 40)); break;
    case 3: s = v; break;
    default: {
      std::uint64_t got = 0, want = 0;
      const auto sl = static_cast<std::uint32_t>(v);
      const bool ok = esp::infer_esn(top, sl, W, got);
      FUZZ_CHECK(ok == reference_esn(top, sl, W, want));
      FUZZ_CHECK(!ok || got == want);
      continue;
    }
    }
    esp::replay_check want;
    if (s > top)
      want = esp::replay_check::fresh;
    else if (s == 0 || top - s >= W)
      want = esp::replay_check::left_of_window;
    else
      want = seen.count(s) != 0 ? esp::replay_check::replayed : esp::replay_check::fresh;
    FUZZ_CHECK(w.check(s) == want);
    if (want == esp::replay_check::fresh && (op & 0x80) == 0) {
      w.commit(s);
      seen.insert(s);
      if (s > top) top = s;
      // Keep the model small: forget what fell out of the window.
      while (!seen.empty() && top - *seen.begin() >= W) seen.erase(seen.begin());
    } else if (want != esp::replay_check::fresh) {
      w.commit(s); // must be a no-op when not fresh
    }
    FUZZ_CHECK(w.top() == top);
  }
  return 0;
}
