// Fuzz target: the vpnwire CLI's capture input, as `vpnwire decode --json`
// runs it (examples/vpnwire/main.cpp): the whole input is a capture file
// (pcap or pcapng) opened through capture_reader (capture_format.hpp: both
// byte orders, every interface with its own link type, timestamp units, a
// file cut short mid-record), every frame decoded by the pipeline with the
// demo captures' keys and rendered by the same record sink.
//
// The bytes live in a memfd (memory, never the disk) opened by its
// /proc/self/fd path, exactly as the CLI opens a file name.
//
// Invariants: no crash, leak or over-read; an unreadable file or unknown
// link type gives one line naming the file; a read error names the damage;
// the JSON Lines output has one valid {"frame": N} line per frame read, and
// the summary counts them.
#include "capture.hpp"
#include "options.hpp"
#include "output.hpp"
#include "pipeline.hpp"
#include "record_sink.hpp"

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// A file in memory: its /proc/self/fd path works wherever a path does.
class memfd_file {
public:
  memfd_file(const std::uint8_t *data, std::size_t size) : fd_(memfd_create("vpnwire-fuzz-capture", 0)) {
    FUZZ_CHECK(fd_ >= 0);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      FUZZ_CHECK(n > 0);
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  memfd_file(const memfd_file &) = delete;
  memfd_file &operator=(const memfd_file &) = delete;
  ~memfd_file() { ::close(fd_); }
  [[nodiscard]] const std::string &path() const noexcept { return path_; }

private:
  int fd_;
  std::string path_;
};

bool one_line(const std::string &s) { return !s.empty() && s.find('\n') == std::string::npos; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size > (std::size_t{1} << 20)) return 0;
  memfd_file file(data, size);
  // The command line of the README's demo, as main() parses it.
  const std::vector<std::string_view> args{
      "--json",
      "--esp-sa",
      "spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,auth=hmac-sha1-96,"
      "auth-key=0x0102030405060708090a0b0c0d0e0f1011121314",
      "--esp-sa",
      "spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,auth=hmac-sha1-96,"
      "auth-key=0x2122232425262728292a2b2c2d2e2f3031323334",
      "--esp-sa=spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe",
      "--esp-sa=spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef",
      "--l2tp-secret",
      "demo-secret",
      file.path()};
  auto parsed = vpnwire_cli::parse_decode_args(args);
  FUZZ_CHECK(static_cast<bool>(parsed));
  const vpnwire_cli::decode_options &o = parsed.value;
#ifndef VPNWIRE_CLI_HAVE_OPENSSL
  parsed.value.sas.clear();
  parsed.value.have_secret = false;
#endif

  std::string err;
  vpnwire_cli::capture_reader reader;
  if (!reader.open(o.capture, err)) {
    FUZZ_CHECK(one_line(err));
    FUZZ_CHECK(std::string_view(err).starts_with(file.path() + ": "));
    return 0;
  }
  fuzz::memory_sink memory;
  vpnwire_cli::output out(memory.file());
  vpnwire_cli::record_sink sink(o, vpnwire_cli::record_sink::mode::json, out);
  // Small limits, as in cli_pipeline: the defaults allocate and zero about
  // 10 MiB per input (the reassembler's 8 MiB pool, 1024 slots), which made
  // the page faults of that allocation most of this target's time; at most
  // 1024 frames per input still reach every limit (eviction, budget).
  vpnwire_cli::pipeline_limits lim;
  lim.reasm_datagrams = 16;
  lim.reasm_bytes = std::size_t{256} << 10;
  lim.max_sessions = 8;
  lim.reorder_bytes = 4 * vpnwire_cli::pipeline::session_bytes + 65536;
  vpnwire_cli::pipeline pipe(o, lim);
  FUZZ_CHECK(!pipe.ready());
  vpnwire_cli::captured_frame f;
  vpnwire_cli::frame_record rec;
  std::uint64_t frames = 0;
  while (frames < 1024) {
    const int r = reader.next(f, err);
    if (r == 0) break;
    if (r < 0) {
      FUZZ_CHECK(one_line(err));
      break;
    }
    FUZZ_CHECK(r == 1);
    FUZZ_CHECK(f.data.size() <= vpnwire_cli::max_block);
    pipe.dissect(++frames, f, rec);
    FUZZ_CHECK(rec.linktype == f.linktype && rec.interface == f.interface);
    sink.add(rec);
  }
  pipe.finish(rec);
  sink.add(rec);
  FUZZ_CHECK(sink.finish(err));
  FUZZ_CHECK(out.flush());
  FUZZ_CHECK(sink.summary().frames == frames);

  const std::string_view text = memory.text();
  std::uint64_t frame_lines = 0;
  bool summary = false;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t nl = text.find('\n', pos);
    FUZZ_CHECK(nl != std::string_view::npos);
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    FUZZ_CHECK(!summary);
    FUZZ_CHECK(!line.empty() && line.front() == '{' && line.back() == '}');
    if (line.starts_with("{\"frame\":")) {
      ++frame_lines;
      FUZZ_CHECK(line.starts_with("{\"frame\":" + std::to_string(frame_lines) + ",\"layers\":["));
    } else if (line.starts_with("{\"summary\":")) {
      summary = true;
      FUZZ_CHECK(line.starts_with("{\"summary\":{\"frames\":" + std::to_string(frames) + ","));
    } else {
      FUZZ_CHECK(line.starts_with("{\"deliver\":") || line.starts_with("{\"drop\":"));
    }
  }
  FUZZ_CHECK(summary);
  FUZZ_CHECK(frame_lines == frames);
  return 0;
}
