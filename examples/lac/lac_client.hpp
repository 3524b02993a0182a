// An L2TP Access Concentrator over a UDP socket (IPv4 or IPv6, after the
// server's address): the vpnwire control plane
// (sans-IO) driven by poll(2) and steady_clock. It opens a tunnel to an LNS,
// places incoming calls, holds them, then clears them and the tunnel.
//
// Used by examples/lac/lac.cpp (the command-line program) and by the xl2tpd
// interop test (tests/l2tp_control/xl2tpd_interop_test.cpp), so the test
// exercises exactly the example's code path.
#pragma once

#include "vpnwire/core/time.hpp"
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace vpnwire_example {

/// Bytes from the kernel's CSPRNG (getrandom(2)).
struct os_random {
  void fill(vpnwire::mutable_bytes out) noexcept {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
      if (n > 0) done += static_cast<std::size_t>(n);
    }
  }
};

struct lac_options {
  std::string server = "127.0.0.1"; ///< an IPv4 or IPv6 address literal
  std::uint16_t port = 1701;
  std::uint16_t local_port = 0; ///< 0: any
  std::string secret;           ///< empty: no challenge, nothing hidden
  bool hide_avps = true;
  std::string host_name = "vpnwire-lac";
  int calls = 1;
  std::chrono::milliseconds hold{0}; ///< how long to keep the calls up
  std::chrono::milliseconds timeout{15000};
  bool sequencing_required = false;
  bool verbose = true;
};

struct lac_report {
  bool tunnel_up = false;
  int sessions_up = 0;
  int sessions_down_by_peer = 0;
  bool tunnel_down_by_peer = false;
  bool timed_out = false;
  std::uint16_t local_tunnel_id = 0;
  std::uint16_t peer_tunnel_id = 0;
  std::vector<vpnwire::l2tp::control::session_params> sessions;
  std::uint16_t last_result = 0; ///< result code of the last tunnel_down/session_down from the peer
  std::uint16_t last_error = 0;
  std::string error; ///< socket errors
};

inline lac_report run_lac(const lac_options &o, std::FILE *log = stdout) {
  using namespace vpnwire;
  namespace ctl = vpnwire::l2tp::control;
  lac_report rep;
  auto say = [&](const char *fmt, auto... args) {
    if (o.verbose && log) {
      std::fprintf(log, fmt, args...);
      std::fputc('\n', log);
      std::fflush(log);
    }
  };

  // The server's address decides the family: an IPv6 literal (::1,
  // 2001:db8::1) gives a UDP/IPv6 socket, an IPv4 one a UDP/IPv4 socket.
  sockaddr_in6 peer6{}, local6{};
  sockaddr_in peer4{}, local4{};
  const bool v6 = ::inet_pton(AF_INET6, o.server.c_str(), &peer6.sin6_addr) == 1;
  if (!v6 && ::inet_pton(AF_INET, o.server.c_str(), &peer4.sin_addr) != 1) {
    rep.error = "server address";
    return rep;
  }
  peer6.sin6_family = local6.sin6_family = AF_INET6;
  peer6.sin6_port = htons(o.port);
  local6.sin6_port = htons(o.local_port);
  local6.sin6_addr = in6addr_any;
  peer4.sin_family = local4.sin_family = AF_INET;
  peer4.sin_port = htons(o.port);
  local4.sin_port = htons(o.local_port);
  local4.sin_addr.s_addr = htonl(INADDR_ANY);
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    rep.error = "socket";
    return rep;
  }
  const bool bound = v6 ? ::bind(fd, reinterpret_cast<sockaddr *>(&local6), sizeof local6) == 0
                        : ::bind(fd, reinterpret_cast<sockaddr *>(&local4), sizeof local4) == 0;
  const bool connected = bound && (v6 ? ::connect(fd, reinterpret_cast<sockaddr *>(&peer6), sizeof peer6) == 0
                                      : ::connect(fd, reinterpret_cast<sockaddr *>(&peer4), sizeof peer4) == 0);
  if (!connected) {
    rep.error = "bind/connect";
    ::close(fd);
    return rep;
  }

  ctl::tunnel_config cfg;
  cfg.role = ctl::role::lac;
  cfg.host_name = o.host_name;
  cfg.secret = o.secret;
  cfg.hide_avps = o.hide_avps;
  cfg.max_sessions = static_cast<std::uint16_t>(std::max(o.calls, 1));
  auto clock = [] { return from_steady(std::chrono::steady_clock::now()); };
  time_point now = clock();
  ctl::tunnel<crypto::openssl_md5, os_random> t(cfg, crypto::openssl_md5{}, os_random{}, now);
  rep.local_tunnel_id = t.local_tunnel_id();
  if (!t.open(now)) {
    rep.error = "open";
    ::close(fd);
    return rep;
  }
  say(v6 ? "lac: SCCRQ to [%s]:%u, local tunnel %u%s" : "lac: SCCRQ to %s:%u, local tunnel %u%s", o.server.c_str(),
      unsigned{o.port}, unsigned{t.local_tunnel_id()}, o.secret.empty() ? "" : " (challenge, hidden AVPs)");

  const time_point give_up = now + o.timeout;
  time_point hold_until = time_point::max();
  bool clearing = false;
  std::array<std::byte, 4096> buf{};
  for (;;) {
    now = clock();
    // Output first: everything the control plane has to say.
    for (;;) {
      auto n = t.poll_transmit(now, buf);
      if (!n || *n == 0) break;
      (void)::send(fd, buf.data(), *n, 0);
    }
    for (ctl::event e; t.poll_event(e);) {
      say("lac: event %s", std::string(ctl::name(e.type)).c_str());
      switch (e.type) {
      case ctl::event_type::tunnel_up: {
        rep.tunnel_up = true;
        rep.peer_tunnel_id = t.peer_tunnel_id();
        say("lac: tunnel up: local %u, peer %u, peer host '%.*s'", unsigned{t.local_tunnel_id()},
            unsigned{t.peer_tunnel_id()}, static_cast<int>(t.peer_host_name().size()), t.peer_host_name().data());
        for (int i = 0; i < o.calls; ++i) {
          ctl::call_request c;
          c.sequencing_required = o.sequencing_required;
          c.calling_number = as_bytes("5550100");
          auto sid = t.start_incoming_call(c, now);
          if (sid) say("lac: ICRQ for local session %u", unsigned{*sid});
        }
        break;
      }
      case ctl::event_type::session_up:
        ++rep.sessions_up;
        rep.sessions.push_back(e.session);
        say("lac: session up: local %u, peer %u, serial %u", unsigned{e.session.local_session_id},
            unsigned{e.session.peer_session_id}, e.session.call_serial_number);
        if (rep.sessions_up == o.calls) hold_until = now + o.hold;
        break;
      case ctl::event_type::session_down:
        if (e.from == ctl::origin::peer) {
          ++rep.sessions_down_by_peer;
          rep.last_result = e.result.result;
          rep.last_error = e.result.error;
        }
        say("lac: session down (%s): local %u, result %u error %u '%.*s'",
            e.from == ctl::origin::peer ? "peer" : "local", unsigned{e.session.local_session_id},
            unsigned{e.result.result}, unsigned{e.result.error}, static_cast<int>(e.result.text().size()),
            e.result.text().data());
        break;
      case ctl::event_type::tunnel_down:
        if (e.from != ctl::origin::local) {
          rep.tunnel_down_by_peer = e.from == ctl::origin::peer;
          rep.last_result = e.result.result;
          rep.last_error = e.result.error;
        }
        say("lac: tunnel down (%s): result %u error %u '%.*s'",
            e.from == ctl::origin::peer ? "peer" : (e.from == ctl::origin::local ? "local" : "unreachable"),
            unsigned{e.result.result}, unsigned{e.result.error}, static_cast<int>(e.result.text().size()),
            e.result.text().data());
        break;
      case ctl::event_type::protocol_error:
        say("lac: protocol error in message type %u: %s at %zu", unsigned{e.message_type},
            std::string(l2tp::name(e.wire_error)).c_str(), e.wire_offset);
        break;
      default: break;
      }
    }
    // Done: the calls were held and cleared, the StopCCN acknowledged.
    if (!clearing && (now >= hold_until || rep.sessions_down_by_peer > 0) &&
        t.state() == ctl::tunnel_state::established) {
      clearing = true;
      for (const auto &s : rep.sessions)
        if (t.state_of(s.local_session_id) != ctl::session_state::unused)
          (void)t.disconnect(s.local_session_id, now, l2tp::result_codes::cdn_admin, 0, "vpnwire lac done");
      (void)t.close(now, l2tp::result_codes::stopccn_general_request, 0, "vpnwire lac done");
      continue; // send them
    }
    if (t.state() == ctl::tunnel_state::closed) break;
    if (t.state() == ctl::tunnel_state::closing && t.transport().unacknowledged() == 0) break; // no need to linger here
    if (now >= give_up) {
      rep.timed_out = true;
      break;
    }
    const time_point deadline = std::min({t.next_deadline(), give_up, hold_until});
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::clamp<long long>(wait, 0, 1000)));
    now = clock();
    if (ready > 0 && (p.revents & POLLIN)) {
      std::array<std::byte, 4096> in{};
      const ssize_t n = ::recv(fd, in.data(), in.size(), 0);
      if (n > 0) t.receive(bytes_view(in.data(), static_cast<std::size_t>(n)), now);
    }
    if (t.next_deadline() <= now) t.handle_timeout(now);
  }
  ::close(fd);
  return rep;
}

} // namespace vpnwire_example
