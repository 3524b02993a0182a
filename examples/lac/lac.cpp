// l2tp_lac: an L2TP Access Concentrator that opens a tunnel to an LNS over
// UDP over IPv4 or IPv6 (the --server address's family), places incoming
// calls and reports what happened.
//
//   l2tp_lac [--server 127.0.0.1 | ::1] [--port 1701] [--local-port 0] [--secret S]
//            [--no-hide] [--calls 1] [--hold-ms 0] [--timeout-ms 15000]
//            [--sequencing] [--host-name vpnwire-lac] [--quiet]
//
// Exit status: 0 when the tunnel and every call came up, 1 otherwise.
#include "lac_client.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char **argv) {
  vpnwire_example::lac_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--server")
      o.server = value();
    else if (a == "--port")
      o.port = static_cast<std::uint16_t>(std::stoul(value()));
    else if (a == "--local-port")
      o.local_port = static_cast<std::uint16_t>(std::stoul(value()));
    else if (a == "--secret")
      o.secret = value();
    else if (a == "--no-hide")
      o.hide_avps = false;
    else if (a == "--calls")
      o.calls = std::stoi(value());
    else if (a == "--hold-ms")
      o.hold = std::chrono::milliseconds(std::stol(value()));
    else if (a == "--timeout-ms")
      o.timeout = std::chrono::milliseconds(std::stol(value()));
    else if (a == "--sequencing")
      o.sequencing_required = true;
    else if (a == "--host-name")
      o.host_name = value();
    else if (a == "--quiet")
      o.verbose = false;
    else {
      std::fprintf(stderr, "unknown option %s (see the comment at the top of lac.cpp)\n", a.c_str());
      return 2;
    }
  }
  const auto rep = vpnwire_example::run_lac(o);
  if (!rep.error.empty()) std::fprintf(stderr, "l2tp_lac: %s failed\n", rep.error.c_str());
  std::printf("tunnel_up=%d sessions_up=%d timed_out=%d\n", rep.tunnel_up ? 1 : 0, rep.sessions_up,
              rep.timed_out ? 1 : 0);
  return rep.tunnel_up && rep.sessions_up == o.calls ? 0 : 1;
}
