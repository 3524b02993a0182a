// Fuzz target: the link layers of the CLI's receive pipeline
// (examples/vpnwire/link.hpp, ppp_stage.hpp) and everything after them, one
// frame at a time, on every link type and on snap-cut frames.
//
// Input: [lt_hi][lt_lo][cut] then the frame. The link type is taken as
// given (the known ones and every unknown one); `cut` > 0 says the snap
// length removed that many bytes (the original length is longer by it).
//
// Invariants: no crash or over-read; the record's link type and lengths
// are the frame's; a known link type gives at least one layer or an error
// or a cut warning, an unknown one a not-decoded layer; the text line and
// the JSON object carry the same warnings and error (cli_checks.hpp); a
// cut_by_snaplen warning appears only on a cut frame, and at most one.
#include "capture.hpp"
#include "cli_checks.hpp"
#include "options.hpp"
#include "pipeline.hpp"
#include "record.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 3) return 0;
  const auto lt = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  const std::uint8_t cut = data[2];
  // Its own allocation of exactly its size, so ASan sees any over-read.
  const auto *bytes = static_cast<const std::byte *>(static_cast<const void *>(data));
  const std::vector<std::byte> frame(bytes + 3, bytes + size);
  static const vpnwire_cli::decode_options opt = [] {
    vpnwire_cli::decode_options o;
    o.capture = "fuzz";
    return o;
  }();
  vpnwire_cli::pipeline_limits lim;
  lim.reasm_datagrams = 4;
  lim.reasm_bytes = std::size_t{64} << 10;
  lim.max_sessions = 2;
  vpnwire_cli::pipeline pipe(opt, lim);
  FUZZ_CHECK(!pipe.ready());
  vpnwire_cli::captured_frame f;
  f.data = vpnwire::bytes_view(frame.data(), frame.size());
  f.wire_length = static_cast<std::uint32_t>(frame.size() + cut);
  f.linktype = lt;
  f.ts_ns = 1'700'000'000'000'000'000LL;
  vpnwire_cli::frame_record rec;
  pipe.dissect(1, f, rec);
  FUZZ_CHECK(rec.linktype == lt && rec.caplen == frame.size() && rec.wirelen == frame.size() + cut);
  std::size_t cuts = 0;
  for (const auto &w : rec.warnings) cuts += w.code == vpnwire_cli::cli_code::cut_by_snaplen;
  FUZZ_CHECK(cuts <= 1);
  FUZZ_CHECK(cuts == 0 || cut != 0);
  if (vpnwire_cli::linktype_supported(lt))
    FUZZ_CHECK(!rec.layers.empty() || rec.error || cuts == 1);
  else
    FUZZ_CHECK(rec.layers.size() == 1 && std::holds_alternative<vpnwire_cli::not_decoded_layer>(rec.layers[0]));
  cli_fuzz::check_renderers(rec);
  pipe.finish(rec);
  cli_fuzz::check_renderers(rec);
  return 0;
}
