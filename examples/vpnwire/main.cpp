// vpnwire: decode, diagnose and size L2TP/IPsec captures.
//
//   vpnwire decode [options] CAPTURE     one line (or JSON object) per frame
//   vpnwire doctor [options] CAPTURE     findings with evidence and the fix
//   vpnwire mtu [stack options]          inner MTU and MSS of a tunnel stack
//   vpnwire keys FILE... --to FORMAT     convert ESP key files (keys/command.hpp)
//
// Each frame is dissected once by the pipeline into a record; decode renders
// it as text or JSON, doctor reads it, the summary counts it.
//
// Exit status (from the kind of failure, see failure below): 0 success, 1 the
// capture could not be read to the end or an output could not be written,
// 2 a usage error (bad option or value).
#include "capture.hpp"
#include "keys/command.hpp"
#include "mtu.hpp"
#include "options.hpp"
#include "output.hpp"
#include "pipeline.hpp"
#include "record.hpp"
#include "record_sink.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage_text =
    "usage: vpnwire decode [options] CAPTURE\n"
    "       vpnwire doctor [options] CAPTURE\n"
    "       vpnwire mtu [--link-mtu N] [--pppoe] [--nat-t] [--esp ENC[/AUTH]] [--mode tunnel|transport]\n"
    "                   [--l2tp] [--l2tp-seq] [--l2tp-length] [--ppp] [--ppp-acfc] [--ppp-pfc]\n"
    "                   [--outer ipv4|ipv6] [--inner ipv4|ipv6] [--iptfs]\n"
    "       vpnwire keys FILE... --to esp-sa|wireshark|tcpdump\n"
    "                   (FILE: ip xfrm state or setkey -D output, tcpdump -E secrets, Wireshark esp_sa; - for stdin)\n"
    "\n"
    "decode and doctor options:\n"
    "  --esp-sa spi=0x..,enc=NAME,key=0x..[,auth=NAME,auth-key=0x..][,esn=1]   (repeatable)\n"
    "        enc: null aes-cbc aes-ctr aes-gcm-8 aes-gcm-12 aes-gcm-16 aes-gmac chacha20-poly1305\n"
    "             (ctr, gcm, gmac and chacha20-poly1305 keys end with the 4-byte salt)\n"
    "        auth: none hmac-sha1-96 hmac-sha256-128 hmac-sha384-192 hmac-sha512-256\n"
    "  --esp-secrets FILE        ESP keys from ip xfrm state, setkey -D, tcpdump -E secrets or a\n"
    "                            Wireshark esp_sa file (repeatable); without an integrity key the\n"
    "                            packets are decrypted UNVERIFIED, for analysis only\n"
    "  --l2tp-secret SECRET      decrypt hidden AVPs\n"
    "  --reassembly POLICY       drop first last bsd bsd-right linux windows solaris linux-current\n"
    "                            (default drop)\n"
    "  --reorder POLICY          strict timeout=MS depth=N none (default timeout=30)\n"
    "  --reorder-memory MIB      memory the reorder stage may hold, 1..65536 (default 64)\n"
    "  --json                    JSON Lines, Wireshark field names (decode only)\n"
    "  --write-inner FILE        raw-IP pcap (IPv4, IPv6) of the innermost packets in delivery order (decode only)\n"
    "  --evidence N              frame numbers listed per finding (doctor only; default 12)\n"
    "  --html FILE               also write the report as one self-contained HTML page with\n"
    "                            charts (doctor only)\n"
    "\n"
    "Captures: pcap or pcapng (several interfaces and link types in one file), link types\n"
    "Ethernet (802.1Q, QinQ), raw IPv4, Linux SLL/SLL2, BSD NULL/LOOP, PPP, PPP_HDLC, PPP_ETHER,\n"
    "ENC and NFLOG. See docs/cli.md for worked examples.\n";

/// What went wrong, which decides the exit status.
enum class failure : std::uint8_t { none, usage, input, output };

[[nodiscard]] int exit_status(failure f) noexcept {
  switch (f) {
  case failure::none: return 0;
  case failure::usage: return 2;
  case failure::input:
  case failure::output: return 1;
  }
  return 1;
}

/// Prints "vpnwire: MSG" as one line on stderr. Messages quote argv (a
/// command, a file name) verbatim, so control characters are escaped the way
/// options.hpp escapes them.
void say(std::string_view msg, std::string_view tail = {}) {
  const std::string line = vpnwire_cli::printable(msg);
  std::fprintf(stderr, "vpnwire: %.*s%.*s\n", static_cast<int>(line.size()), line.data(), static_cast<int>(tail.size()),
               tail.data());
}

failure usage_error(std::string_view msg) {
  say(msg, " (vpnwire --help for usage)");
  return failure::usage;
}

failure run_capture(const std::vector<std::string_view> &args, bool doctor_mode, const std::string &command_line) {
  auto parsed = vpnwire_cli::parse_decode_args(args);
  if (!parsed) return usage_error(parsed.error);
  const vpnwire_cli::decode_options &o = parsed.value;
  if (doctor_mode && o.json) return usage_error("doctor: --json is a decode option");
  if (doctor_mode && !o.write_inner.empty()) return usage_error("doctor: --write-inner is a decode option");
  if (!doctor_mode && o.evidence != 0) return usage_error("decode: --evidence is a doctor option");
  if (!doctor_mode && !o.html.empty()) return usage_error("decode: --html is a doctor option");

  std::string err;
  vpnwire_cli::capture_reader reader;
  if (!reader.open(o.capture, err)) {
    say(err);
    return failure::input;
  }
  vpnwire_cli::pipeline_limits limits;
  limits.reorder_bytes = o.reorder_memory_mib << 20;
  vpnwire_cli::pipeline pipe(o, limits);
  if (auto e = pipe.ready()) {
    say(*e);
    return failure::usage;
  }
  for (const auto &note : pipe.esp_secret_notes()) say(note);
  vpnwire_cli::output out(stdout);
  using sink_mode = vpnwire_cli::record_sink::mode;
  vpnwire_cli::record_sink sink(o, doctor_mode ? sink_mode::doctor : o.json ? sink_mode::json : sink_mode::text, out);
  sink.set_command_line(command_line);
  if (!sink.open_inner(o.write_inner, err)) {
    say(err);
    return failure::output;
  }

  failure status = failure::none;
  vpnwire_cli::frame_record rec;
  vpnwire_cli::captured_frame f;
  std::uint64_t number = 0;
  for (;;) {
    const int r = reader.next(f, err);
    if (r == 0) break;
    if (r < 0) {
      // The frames before the damage were decoded; say where it stopped.
      say(o.capture + ": " + err + " after frame " + std::to_string(number));
      status = failure::input;
      break;
    }
    pipe.dissect(++number, f, rec);
    sink.add(rec);
  }
  pipe.finish(rec);
  sink.add(rec);
  if (!sink.finish(err)) {
    say(err);
    status = failure::output;
  }
  if (!out.flush()) {
    say(std::string("cannot write to standard output: ") + std::strerror(errno));
    return failure::output;
  }
  return status;
}

failure run_mtu(const std::vector<std::string_view> &args) {
  auto m = vpnwire_cli::parse_mtu_args(args);
  if (!m) return usage_error(m.error);
  std::string text;
  std::string err;
  if (!vpnwire_cli::mtu_report(m.value, text, err)) return usage_error(err);
  std::fputs(text.c_str(), stdout);
  return failure::none;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (args.empty()) {
    std::fputs(usage_text.data(), stderr);
    return exit_status(failure::usage);
  }
  const std::string_view cmd = args.front();
  args.erase(args.begin());
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(usage_text.data(), stdout);
    return 0;
  }
  const std::string command_line = vpnwire_cli::html_command_line(cmd, args); // quoted by doctor --html
  if (cmd == "decode") return exit_status(run_capture(args, false, command_line));
  if (cmd == "doctor") return exit_status(run_capture(args, true, command_line));
  if (cmd == "mtu") return exit_status(run_mtu(args));
  if (cmd == "keys") return vpnwire_cli::keys::keys_main(args);
  return exit_status(usage_error("unknown command '" + std::string(cmd) + "' (decode, doctor, mtu or keys)"));
}
