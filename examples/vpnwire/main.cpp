// vpnwire: decode, diagnose and size L2TP/IPsec captures.
//
//   vpnwire decode [options] CAPTURE     one line (or JSON object) per frame
//   vpnwire doctor [options] CAPTURE     findings with evidence and the fix
//   vpnwire mtu [stack options]          inner MTU and MSS of a tunnel stack
//   vpnwire keys FILE... --to FORMAT     convert ESP key files (keys/command.hpp)
//
// Exit status: 0 success, 1 the capture could not be read to the end or an
// output file could not be written, 2 a usage error (bad option or value).
#include "doctor.hpp"
#include "keys/command.hpp"
#include "mtu.hpp"
#include "options.hpp"
#include "pipeline.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage_text =
    "usage: vpnwire decode [options] CAPTURE\n"
    "       vpnwire doctor [options] CAPTURE\n"
    "       vpnwire mtu [--link-mtu N] [--pppoe] [--nat-t] [--esp ENC[/AUTH]] [--mode tunnel|transport]\n"
    "                   [--l2tp] [--l2tp-seq] [--l2tp-length] [--ppp] [--ppp-acfc] [--ppp-pfc]\n"
    "       vpnwire keys FILE... --to esp-sa|wireshark|tcpdump\n"
    "                   (FILE: ip xfrm state or setkey -D output, tcpdump -E secrets, Wireshark esp_sa; - for stdin)\n"
    "\n"
    "decode and doctor options:\n"
    "  --esp-sa spi=0x..,enc=NAME,key=0x..[,auth=NAME,auth-key=0x..][,esn=1]   (repeatable)\n"
    "        enc: null aes-cbc aes-ctr aes-gcm-8 aes-gcm-12 aes-gcm-16 aes-gmac chacha20-poly1305\n"
    "             (ctr, gcm, gmac and chacha20-poly1305 keys end with the 4-byte salt)\n"
    "        auth: none hmac-sha1-96 hmac-sha256-128 hmac-sha384-192 hmac-sha512-256\n"
    "  --l2tp-secret SECRET      decrypt hidden AVPs\n"
    "  --reassembly POLICY       drop first last bsd bsd-right linux windows solaris linux-current\n"
    "                            (default drop)\n"
    "  --reorder POLICY          strict timeout=MS depth=N none (default timeout=30)\n"
    "  --reorder-memory MIB      memory the reorder stage may hold, 1..65536 (default 64)\n"
    "  --json                    JSON Lines, Wireshark field names (decode only)\n"
    "  --write-inner FILE        raw-IPv4 pcap of the innermost packets in delivery order (decode only)\n"
    "\n"
    "See docs/cli.md for worked examples.\n";

/// Prints "vpnwire: MSG" as one line on stderr. Messages quote argv (a
/// command, a file name) verbatim, so control characters are escaped the way
/// options.hpp escapes them.
void say(std::string_view msg, std::string_view tail = {}) {
  const std::string line = vpnwire_cli::printable(msg);
  std::fprintf(stderr, "vpnwire: %.*s%.*s\n", static_cast<int>(line.size()), line.data(), static_cast<int>(tail.size()),
               tail.data());
}

int usage_error(std::string_view msg) {
  say(msg, " (vpnwire --help for usage)");
  return 2;
}

int run_capture(const std::vector<std::string_view> &args, bool doctor) {
  auto parsed = vpnwire_cli::parse_decode_args(args);
  if (!parsed) return usage_error(parsed.error);
  vpnwire_cli::decode_options &o = parsed.value;
  if (doctor && o.json) return usage_error("doctor: --json is a decode option");
  if (doctor && !o.write_inner.empty()) return usage_error("doctor: --write-inner is a decode option");

  std::string err;
  vpnwire_cli::capture_reader reader;
  if (!reader.open(o.capture, err)) {
    say(err);
    return 1;
  }
  vpnwire_cli::output out(stdout);
  vpnwire_cli::doctor doc;
  doc.configure(o);
  vpnwire_cli::pipeline_limits limits;
  limits.reorder_bytes = o.reorder_memory_mib << 20;
  vpnwire_cli::pipeline pipe(o, out, doctor ? &doc : nullptr, limits);
  if (!pipe.ready(err)) {
    say(err);
    return err.starts_with("--") ? 2 : 1;
  }
  vpnwire_cli::captured_frame f;
  int status = 0;
  for (;;) {
    const int r = reader.next(f, err);
    if (r == 0) break;
    if (r < 0) {
      // The frames before the damage were decoded; say where it stopped.
      pipe.finish();
      say(o.capture + ": " + err + " after frame " + std::to_string(pipe.frames()));
      status = 1;
      break;
    }
    pipe.on_frame(reader.kind(), f);
  }
  if (status == 0) pipe.finish();
  if (!pipe.close(err)) {
    say(err);
    status = 1;
  }
  if (doctor) {
    doc.report(out, pipe.summary().frames, pipe.summary().errors);
  } else {
    pipe.print_summary();
  }
  if (!out.flush()) {
    say(std::string("cannot write to standard output: ") + std::strerror(errno));
    return 1;
  }
  return status;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (args.empty()) {
    std::fputs(usage_text.data(), stderr);
    return 2;
  }
  const std::string_view cmd = args.front();
  args.erase(args.begin());
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(usage_text.data(), stdout);
    return 0;
  }
  if (cmd == "decode") return run_capture(args, false);
  if (cmd == "doctor") return run_capture(args, true);
  if (cmd == "keys") return vpnwire_cli::keys::keys_main(args);
  if (cmd == "mtu") {
    auto m = vpnwire_cli::parse_mtu_args(args);
    if (!m) return usage_error(m.error);
    std::string text;
    std::string err;
    if (!vpnwire_cli::mtu_report(m.value, text, err)) return usage_error(err);
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  return usage_error("unknown command '" + std::string(cmd) + "' (decode, doctor, mtu or keys)");
}
