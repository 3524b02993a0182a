// Interop with a real xl2tpd (Debian's package) on loopback: the example
// LAC's code path (examples/lac/lac_client.hpp) brings up a tunnel and a
// call against xl2tpd acting as LNS, with a generated configuration on a
// free high port, without and with a shared secret (challenge in both
// directions, hidden AVPs both ways). The outcome is checked on both sides:
// our events, and xl2tpd's own log lines, which name our tunnel and session
// IDs (for the secret case this proves xl2tpd decrypted our hidden Assigned
// Session ID and accepted our Challenge Response, and that we accepted its).
//
// How far a session gets: xl2tpd accepts the ICCN and starts pppd; in this
// environment pppd exits at once (no /dev/ppp, no kernel PPP), so xl2tpd
// then clears the call with a CDN. The test asserts the call was established
// by xl2tpd ("Call established") before that.
#include "lac_client.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace {

std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  (void)::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
  socklen_t len = sizeof a;
  (void)::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string slurp(const std::string &path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// An xl2tpd LNS in the foreground (-D) with its own config, secrets,
/// pid file, control pipe and log, always killed by the destructor.
class xl2tpd_daemon {
public:
  /// lac_target_port != 0 adds a [lac] section that dials our LNS on that port.
  xl2tpd_daemon(const std::string &secret, std::uint16_t port, std::uint16_t lac_target_port = 0) : port_(port) {
    char tmpl[] = "/tmp/vpnwire-xl2tpd-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const bool auth = !secret.empty();
    std::ofstream(dir_ + "/xl2tpd.conf") << "[global]\n"
                                         << "port = " << port << "\n"
                                         << "listen-addr = 127.0.0.1\n"
                                         << "auth file = " << dir_ << "/l2tp-secrets\n"
                                         << "access control = no\n"
                                         << "debug avp = yes\n"
                                         << "debug state = yes\n"
                                         << "debug tunnel = yes\n"
                                         << "\n[lns default]\n"
                                         << "ip range = 10.213.0.2-10.213.0.20\n"
                                         << "local ip = 10.213.0.1\n"
                                         << "require authentication = no\n"
                                         << "challenge = " << (auth ? "yes" : "no") << "\n"
                                         << "hidden bit = " << (auth ? "yes" : "no") << "\n"
                                         << "length bit = yes\n"
                                         << "pppoptfile = " << dir_ << "/options\n";
    if (lac_target_port != 0)
      std::ofstream(dir_ + "/xl2tpd.conf", std::ios::app) << "\n[lac vpnwire]\n"
                                                          << "lns = 127.0.0.1:" << lac_target_port << "\n"
                                                          << "autodial = yes\n"
                                                          << "redial = no\n"
                                                          << "challenge = " << (auth ? "yes" : "no") << "\n"
                                                          << "hidden bit = " << (auth ? "yes" : "no") << "\n"
                                                          << "require authentication = no\n"
                                                          << "length bit = yes\n"
                                                          << "pppoptfile = " << dir_ << "/options\n";
    std::ofstream(dir_ + "/l2tp-secrets") << "* * " << (auth ? secret : "unused") << "\n";
    ::chmod((dir_ + "/l2tp-secrets").c_str(), 0600);
    std::ofstream(dir_ + "/options") << "noauth\n";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int log = ::open((dir_ + "/log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(log, 1);
      ::dup2(log, 2);
      ::execl("/usr/sbin/xl2tpd", "xl2tpd", "-D", "-c", (dir_ + "/xl2tpd.conf").c_str(), "-p", (dir_ + "/pid").c_str(),
              "-C", (dir_ + "/control").c_str(), static_cast<char *>(nullptr));
      ::_exit(127);
    }
    // Ready once it says it listens.
    for (int i = 0; i < 100 && log().find("Listening on IP address") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  ~xl2tpd_daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 50; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    // pppd children (if any started) die with their parent's tunnel; remove our files.
    std::system(("rm -rf " + dir_).c_str());
  }
  [[nodiscard]] std::string log() const { return slurp(dir_ + "/log"); }
  [[nodiscard]] bool listening() const { return log().find("Listening on IP address") != std::string::npos; }
  /// Waits until xl2tpd logs `what` (it writes asynchronously).
  bool wait_for(const std::string &what) const {
    for (int i = 0; i < 100; ++i) {
      if (log().find(what) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

private:
  std::string dir_;
  pid_t pid_ = -1;
  std::uint16_t port_;
};

bool have_xl2tpd() { return ::access("/usr/sbin/xl2tpd", X_OK) == 0; }

struct lns_report {
  bool tunnel_up = false;
  int sessions_up = 0;
  std::uint16_t local_tunnel_id = 0;
  std::uint16_t peer_tunnel_id = 0;
  std::string peer_host;
  vpnwire::l2tp::control::session_params session{};
  vpnwire::l2tp::control::tunnel_counters counters{};
};

/// A minimal vpnwire LNS on 127.0.0.1:port: the first datagram creates the
/// responder tunnel; runs until a call is up (then holds it briefly) or the timeout.
lns_report run_lns(std::uint16_t port, const std::string &secret, std::chrono::milliseconds timeout) {
  using namespace vpnwire;
  namespace ctl = vpnwire::l2tp::control;
  lns_report rep;
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
    ::close(fd);
    return rep;
  }
  ctl::tunnel_config cfg;
  cfg.role = ctl::role::lns;
  cfg.host_name = "vpnwire-lns";
  cfg.secret = secret;
  auto clock = [] { return from_steady(std::chrono::steady_clock::now()); };
  std::optional<ctl::tunnel<crypto::openssl_md5, vpnwire_example::os_random>> t;
  sockaddr_in peer{};
  const time_point give_up = clock() + timeout;
  time_point stop_at = time_point::max();
  std::array<std::byte, 4096> buf{};
  for (time_point now = clock(); now < give_up && now < stop_at; now = clock()) {
    if (t) {
      for (;;) {
        auto n = t->poll_transmit(now, buf);
        if (!n || *n == 0) break;
        (void)::sendto(fd, buf.data(), *n, 0, reinterpret_cast<sockaddr *>(&peer), sizeof peer);
      }
      for (ctl::event e; t->poll_event(e);) {
        std::fprintf(stderr, "lns: event %s\n", std::string(ctl::name(e.type)).c_str());
        if (e.type == ctl::event_type::tunnel_up) {
          rep.tunnel_up = true;
          rep.peer_tunnel_id = t->peer_tunnel_id();
          rep.peer_host = std::string(t->peer_host_name());
        }
        if (e.type == ctl::event_type::session_up) {
          ++rep.sessions_up;
          rep.session = e.session;
          stop_at = now + std::chrono::milliseconds(200);
        }
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0 && (p.revents & POLLIN)) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr *>(&from), &len);
      now = clock();
      if (n > 0) {
        if (!t) {
          peer = from;
          t.emplace(cfg, crypto::openssl_md5{}, vpnwire_example::os_random{}, now);
          rep.local_tunnel_id = t->local_tunnel_id();
        }
        t->receive(bytes_view(buf.data(), static_cast<std::size_t>(n)), now);
      }
    }
    if (t && t->next_deadline() <= now) t->handle_timeout(now);
  }
  if (t) rep.counters = t->counters();
  ::close(fd);
  return rep;
}

vpnwire_example::lac_report run(const xl2tpd_daemon &d, const std::string &secret) {
  vpnwire_example::lac_options o;
  o.port = d.port();
  o.secret = secret;
  o.hold = std::chrono::milliseconds(300);
  o.timeout = std::chrono::milliseconds(10000);
  o.verbose = true;
  return vpnwire_example::run_lac(o, stderr);
}

} // namespace

TEST(Xl2tpdInterop, TunnelAndCallWithoutSecret) {
  if (!have_xl2tpd()) GTEST_SKIP() << "xl2tpd not installed";
  xl2tpd_daemon d("", free_udp_port());
  ASSERT_TRUE(d.listening()) << d.log();
  const auto rep = run(d, "");
  EXPECT_TRUE(rep.error.empty()) << rep.error;
  ASSERT_TRUE(rep.tunnel_up) << d.log();
  ASSERT_EQ(rep.sessions_up, 1) << d.log();
  const auto &s = rep.sessions.front();
  // xl2tpd's side: the tunnel and the call, named by our IDs.
  EXPECT_TRUE(d.wait_for("Connection established to 127.0.0.1")) << d.log();
  EXPECT_TRUE(d.wait_for("Remote: " + std::to_string(rep.local_tunnel_id))) << d.log();
  EXPECT_TRUE(d.wait_for("Local: " + std::to_string(rep.peer_tunnel_id))) << d.log();
  EXPECT_TRUE(d.wait_for("Call established with 127.0.0.1")) << d.log();
  EXPECT_TRUE(
      d.wait_for("Local: " + std::to_string(s.peer_session_id) + ", Remote: " + std::to_string(s.local_session_id)))
      << d.log();
  EXPECT_TRUE(d.wait_for("using peer's call " + std::to_string(s.local_session_id))) << d.log();
  // Our StopCCN reached it with its result code and message.
  EXPECT_TRUE(d.wait_for("peer closing for reason 1")) << d.log();
  EXPECT_TRUE(d.wait_for("(vpnwire lac done)")) << d.log();
}

TEST(Xl2tpdInterop, TunnelAndCallWithSharedSecretChallengeAndHiddenAvps) {
  if (!have_xl2tpd()) GTEST_SKIP() << "xl2tpd not installed";
  xl2tpd_daemon d("vpnwire-interop-secret", free_udp_port());
  ASSERT_TRUE(d.listening()) << d.log();
  const auto rep = run(d, "vpnwire-interop-secret");
  ASSERT_TRUE(rep.tunnel_up) << d.log(); // we verified xl2tpd's Challenge Response in its SCCRP
  ASSERT_EQ(rep.sessions_up, 1) << d.log();
  const auto &s = rep.sessions.front();
  EXPECT_TRUE(d.wait_for("challenge_avp: challenge avp found")) << d.log();  // our Challenge
  EXPECT_TRUE(d.wait_for("chalresp_avp: Challenge reply found")) << d.log(); // our response, accepted:
  EXPECT_TRUE(d.wait_for("Connection established to 127.0.0.1")) << d.log();
  EXPECT_TRUE(d.wait_for("rand_vector_avp: Random Vector")) << d.log(); // hidden AVPs follow
  // xl2tpd decrypted our hidden Assigned Session ID to the right value...
  EXPECT_TRUE(d.wait_for("using peer's call " + std::to_string(s.local_session_id))) << d.log();
  EXPECT_TRUE(d.wait_for("Call established with 127.0.0.1")) << d.log();
  // ...and we decrypted its hidden one (hidden bit = yes) to the ID it logs as Local.
  EXPECT_TRUE(
      d.wait_for("Local: " + std::to_string(s.peer_session_id) + ", Remote: " + std::to_string(s.local_session_id)))
      << d.log();
}

TEST(Xl2tpdInterop, MismatchedSecretIsRefused) {
  if (!have_xl2tpd()) GTEST_SKIP() << "xl2tpd not installed";
  xl2tpd_daemon d("the-lns-secret", free_udp_port());
  ASSERT_TRUE(d.listening()) << d.log();
  const auto rep = run(d, "another-secret");
  EXPECT_FALSE(rep.tunnel_up);
  EXPECT_EQ(rep.sessions_up, 0);
  // We found xl2tpd's response to our challenge wrong and sent StopCCN with Result Code 4.
  EXPECT_TRUE(d.wait_for("peer closing for reason 4")) << d.log();
  EXPECT_EQ(d.log().find("Connection established"), std::string::npos) << d.log();
}

// The other direction: xl2tpd as the LAC (autodial) against a vpnwire LNS:
// our responder path (SCCRQ in, SCCRP out, SCCCN in; ICRQ in, ICRP out, ICCN
// in), with and without a shared secret.
class Xl2tpdLacInterop : public ::testing::TestWithParam<const char *> {};

TEST_P(Xl2tpdLacInterop, Xl2tpdDialsAVpnwireLns) {
  if (!have_xl2tpd()) GTEST_SKIP() << "xl2tpd not installed";
  const std::string secret = GetParam();
  const std::uint16_t lns_port = free_udp_port();
  xl2tpd_daemon d(secret, free_udp_port(), lns_port);
  const auto rep = run_lns(lns_port, secret, std::chrono::milliseconds(10000));
  ASSERT_TRUE(rep.tunnel_up) << d.log();
  EXPECT_EQ(rep.counters.auth_failures, 0U);
  ASSERT_EQ(rep.sessions_up, 1) << d.log();
  EXPECT_TRUE(rep.session.incoming);
  EXPECT_TRUE(d.wait_for("Connection established to 127.0.0.1, " + std::to_string(lns_port))) << d.log();
  EXPECT_TRUE(d.wait_for("Remote: " + std::to_string(rep.local_tunnel_id))) << d.log();
  EXPECT_TRUE(d.wait_for("Call established with 127.0.0.1")) << d.log();
  // xl2tpd names our (possibly hidden) Assigned Session ID as the call's remote end.
  EXPECT_TRUE(d.wait_for("Remote: " + std::to_string(rep.session.local_session_id))) << d.log();
}

INSTANTIATE_TEST_SUITE_P(Secrets, Xl2tpdLacInterop, ::testing::Values("", "vpnwire-lns-secret"));
