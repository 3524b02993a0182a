// Fuzz target: async HDLC encoder/decoder round trip.
// Input: 9 config octets (FCS kind, leading flag, send map words 0, 1, 3
// selectors), then a frame. The fast encoder must write exactly what the
// reference encoder writes, fit hdlc_encoded_size_max, contain no raw flag
// inside, and decode (fast and reference, receive ACCM 0) back to the frame.
#include "vpnwire/ppp/hdlc.hpp"
#include "vpnwire/ppp/hdlc_reference.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 9) return 0;
  hdlc_encoder_config cfg;
  cfg.fcs = (data[0] & 1U) != 0 ? fcs_kind::fcs32 : fcs_kind::fcs16;
  cfg.leading_flag = (data[0] & 2U) != 0;
  std::uint32_t w0 = 0;
  std::memcpy(&w0, data + 1, 4);
  cfg.accm.words[0] = w0;
  if ((data[0] & 4U) != 0) cfg.accm.words[1] = 0xFFFFFFFFU; // 0x20..0x3F
  if ((data[0] & 8U) != 0) cfg.accm.words[2] = 0xFFFFFFFFU; // 0x40..0x5F (0x5E stays plain)
  std::uint32_t w7 = 0;
  std::memcpy(&w7, data + 5, 4);
  cfg.accm.words[7] = w7;
  std::vector<std::byte> frame(size - 9);
  if (!frame.empty()) std::memcpy(frame.data(), data + 9, frame.size());

  const std::size_t max = hdlc_encoded_size_max(frame.size(), cfg.fcs);
  std::vector<std::byte> a(max), b(max);
  const auto na = build_hdlc_frame(a, cfg, frame);
  const auto nb = build_hdlc_frame_reference(b, cfg, frame);
  FUZZ_CHECK(na && nb && *na == *nb);
  FUZZ_CHECK(std::memcmp(a.data(), b.data(), *na) == 0);
  for (const auto path : {hdlc_fast_path::ssse3, hdlc_fast_path::word, hdlc_fast_path::none}) {
    hdlc_encoder_config c2 = cfg;
    c2.fast_paths = path;
    std::vector<std::byte> x(max);
    const auto nx = build_hdlc_frame(x, c2, frame);
    FUZZ_CHECK(nx && *nx == *na && std::memcmp(x.data(), a.data(), *na) == 0);
  }
  const std::size_t first = cfg.leading_flag ? 1 : 0;
  FUZZ_CHECK(!cfg.leading_flag || a[0] == std::byte{0x7E});
  FUZZ_CHECK(a[*na - 1] == std::byte{0x7E});
  for (std::size_t i = first; i + 1 < *na; ++i) FUZZ_CHECK(a[i] != std::byte{0x7E});
  // One octet short never succeeds and never writes past the span.
  std::vector<std::byte> small(*na - 1);
  const auto ns = build_hdlc_frame(small, cfg, frame);
  FUZZ_CHECK(ns.code() == errc::buffer_too_small && ns.offset() == small.size());

  // Decode: the encoded stream (with an opening flag so the decoder is not hunting).
  std::vector<std::byte> wire;
  wire.push_back(std::byte{0x7E});
  wire.insert(wire.end(), a.begin() + static_cast<std::ptrdiff_t>(first), a.begin() + static_cast<std::ptrdiff_t>(*na));
  hdlc_decoder_config dc{cfg.fcs, 0, frame.size() + 1};
  std::vector<std::byte> buf(frame.size() + 8), rbuf(frame.size() + 8);
  hdlc_decoder d(buf, dc);
  hdlc_reference_decoder r(rbuf, dc);
  const auto sd = d.decode(wire);
  const auto sr = r.decode(wire);
  FUZZ_CHECK(sd.code == sr.code && sd.consumed == sr.consumed);
  if (frame.size() + fcs_size(cfg.fcs) >= (cfg.fcs == fcs_kind::fcs16 ? 4U : 6U)) {
    FUZZ_CHECK(sd.code == errc::ok);
    FUZZ_CHECK(sd.consumed == wire.size());
    FUZZ_CHECK(sd.frame.size() == frame.size());
    FUZZ_CHECK(frame.empty() || std::memcmp(sd.frame.data(), frame.data(), frame.size()) == 0);
  } else {
    FUZZ_CHECK(sd.code == errc::frame_too_short);
  }
  return 0;
}
