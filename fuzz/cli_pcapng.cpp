// Fuzz target: the CLI's capture file reader (examples/vpnwire/capture.hpp
// over capture_format.hpp), alone: pcap in both byte orders and timestamp
// precisions, pcapng with several sections and interfaces, Simple and
// obsolete packet blocks, options (if_tsresol, if_tsoffset), blocks cut
// short. The input is the file; the reader gets it through fmemopen(), the
// way it reads any FILE*.
//
// Invariants: no crash, leak or over-read; open() fails with one line
// naming the file, or next() gives frames then 0 (the end, again on every
// later call) or -1 with one line; every frame's captured bytes fit the
// input and the reader's block limit, its interface is one a block
// described, with that block's link type; timestamps stay within the clamp
// that keeps the pipeline's clock arithmetic from overflowing.
#include "capture.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size == 0 || size > (std::size_t{1} << 20)) return 0;
  // Its own allocation, so ASan sees any read past the input through the FILE*.
  std::vector<std::uint8_t> copy(data, data + size);
  std::FILE *f = fmemopen(copy.data(), copy.size(), "rb");
  FUZZ_CHECK(f != nullptr);
  vpnwire_cli::capture_reader reader;
  std::string err;
  if (!reader.open(f, "fuzz.pcap", err)) {
    FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
    FUZZ_CHECK(err.rfind("fuzz.pcap: ", 0) == 0);
    return 0;
  }
  vpnwire_cli::captured_frame frame;
  std::size_t captured = 0;
  constexpr std::int64_t limit = 9'000'000'000LL * 1'000'000'000LL + 999'999'999LL;
  for (int n = 0; n < 100000; ++n) {
    const int r = reader.next(frame, err);
    if (r == 0) {
      FUZZ_CHECK(reader.next(frame, err) == 0); // the end stays the end
      break;
    }
    if (r < 0) {
      FUZZ_CHECK(!err.empty() && err.find('\n') == std::string::npos);
      break;
    }
    FUZZ_CHECK(r == 1);
    captured += frame.data.size();
    FUZZ_CHECK(captured <= size);
    FUZZ_CHECK(frame.data.size() <= vpnwire_cli::max_block);
    FUZZ_CHECK(frame.ts_ns <= limit && frame.ts_ns >= -limit);
    if (reader.file_format() == vpnwire_cli::capture_reader::format::pcap) FUZZ_CHECK(frame.interface == 0);
    // Touch every byte: ASan checks the view lies in the reader's buffer.
    unsigned sum = 0;
    for (std::byte b : frame.data) sum += std::to_integer<unsigned>(b);
    (void)sum;
  }
  return 0;
}
