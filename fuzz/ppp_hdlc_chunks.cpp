// Fuzz target: the streaming async HDLC decoder (RFC 1662 §4).
// Input: 4 config octets (FCS kind, receive ACCM mode, MRU, chunking seed),
// then the byte stream. The stream is decoded whole, in chunks chosen by the
// seed, one octet at a time, and with each fast path (best, SSSE3, word, none);
// every run must give exactly the events (code, absolute offset, frame
// bytes) and counters of the byte-at-a-time reference decoder. Frames stay
// within the MRU.
#include "vpnwire/ppp/hdlc.hpp"
#include "vpnwire/ppp/hdlc_reference.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;

namespace {
struct event {
  errc code;
  std::size_t offset;
  std::vector<std::byte> frame;
  bool operator==(const event &) const = default;
};

template <class D> std::vector<event> run(D &d, bytes_view s, std::uint32_t seed, int mode) {
  std::vector<event> out;
  std::size_t base = 0;
  std::uint32_t x = seed | 1U;
  while (base < s.size()) {
    std::size_t n = s.size() - base;
    if (mode == 1) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      n = std::min<std::size_t>(n, 1 + x % 80);
    } else if (mode == 2) {
      n = 1;
    }
    const bytes_view chunk = s.subspan(base, n);
    std::size_t off = 0;
    while (off < chunk.size()) {
      const hdlc_step st = d.decode(chunk.subspan(off));
      FUZZ_CHECK(st.consumed >= 1 && st.consumed <= chunk.size() - off);
      if (st.code != errc::need_more_input) {
        FUZZ_CHECK(st.offset + 1 == st.consumed);
        out.push_back({st.code, base + off + st.offset, {st.frame.begin(), st.frame.end()}});
      } else {
        FUZZ_CHECK(st.consumed == chunk.size() - off);
      }
      off += st.consumed;
    }
    base += n;
  }
  return out;
}

bool same(const hdlc_decoder_counters &a, const hdlc_decoder_counters &b) {
  return a.frames == b.frames && a.empty_frames == b.empty_frames && a.short_frames == b.short_frames &&
         a.long_frames == b.long_frames && a.aborted_frames == b.aborted_frames && a.fcs_errors == b.fcs_errors &&
         a.control_dropped == b.control_dropped && a.hunt_discarded == b.hunt_discarded;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 4) return 0;
  hdlc_decoder_config cfg;
  cfg.fcs = (data[0] & 1U) != 0 ? fcs_kind::fcs32 : fcs_kind::fcs16;
  const unsigned accm_mode = (data[0] >> 1) & 3U;
  cfg.receive_accm = accm_mode == 0 ? 0xFFFFFFFFU : accm_mode == 1 ? 0U : accm_mode == 2 ? 0x000A0000U : 0x55555555U;
  cfg.mru = 16 + static_cast<std::size_t>(data[1]) * 8;
  const std::uint32_t seed = static_cast<std::uint32_t>(data[2]) << 8 | data[3];
  // A private copy so ASan sees any read past the end.
  std::vector<std::byte> stream(size - 4);
  if (!stream.empty()) std::memcpy(stream.data(), data + 4, stream.size());

  std::vector<std::byte> rbuf(cfg.mru + fcs_size(cfg.fcs));
  hdlc_reference_decoder ref(rbuf, cfg);
  const auto want = run(ref, stream, seed, 0);
  for (const auto &e : want) FUZZ_CHECK(e.frame.size() <= cfg.mru);
  for (int mode = 0; mode < 6; ++mode) {
    std::vector<std::byte> buf(rbuf.size() + (mode >= 3 ? 0 : 64)); // room beyond the limit must stay unused
    hdlc_decoder d(buf, cfg);
    const hdlc_fast_path paths[] = {hdlc_fast_path::best, hdlc_fast_path::best, hdlc_fast_path::best,
                                    hdlc_fast_path::none, hdlc_fast_path::word, hdlc_fast_path::ssse3};
    d.set_fast_paths(paths[mode]);
    const auto got = run(d, stream, seed, mode >= 3 ? 1 : mode);
    FUZZ_CHECK(got == want);
    FUZZ_CHECK(same(d.counters(), ref.counters()));
  }
  return 0;
}
