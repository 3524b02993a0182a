// 16.6: the control-plane engines allocate once, at construction; create()
// turns an allocation failure into errc::out_of_memory (for code built
// without exceptions), and the plain constructors report it through
// VPNWIRE_ASSERT with a hint. Out-of-memory is real here: the address space
// of a forked child is limited (setrlimit RLIMIT_AS) just above what it
// uses, then an engine whose limits need far more is created. Skipped under
// AddressSanitizer, whose shadow memory needs the address space.
#include "vpnwire/l2tp/control/endpoint.hpp"
#include "vpnwire/l2tp/control/reliable_transport.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#if defined(__SANITIZE_ADDRESS__)
#define VPNWIRE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VPNWIRE_TEST_ASAN 1
#endif
#endif
#ifndef VPNWIRE_TEST_ASAN
#define VPNWIRE_TEST_ASAN 0
#endif

using namespace vpnwire;
using namespace vpnwire::l2tp::control;

namespace {

/// An MD5 stand-in (these tests hash nothing).
struct no_md5 {
  static constexpr std::size_t digest_size = 16;
  bool reset() noexcept { return true; }
  bool update(bytes_view) noexcept { return true; }
  bool finish(std::span<std::byte, 16> out) noexcept {
    for (auto &b : out) b = std::byte{0};
    return true;
  }
};
struct counter_random {
  std::uint8_t n = 1;
  void fill(mutable_bytes out) noexcept {
    for (auto &b : out) b = std::byte{n++};
  }
};
using test_tunnel = tunnel<no_md5, counter_random>;
using test_endpoint = endpoint<no_md5, counter_random, 4>;

/// Limits that need about 128 MiB of slots per transport.
transport_limits huge() {
  transport_limits l;
  l.send_slots = transport_limits::max_slots;
  l.receive_window = transport_limits::max_slots;
  l.max_message = 65535;
  return l;
}

/// Caps this process's address space a little above what it uses now.
void cap_address_space() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  const auto used = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE));
  const rlimit r{used + (32u << 20), used + (32u << 20)};
  if (setrlimit(RLIMIT_AS, &r) != 0) std::_Exit(90);
}

} // namespace

TEST(Create, EnginesAreUsableFromCreate) {
  auto t = reliable_transport::create(time_point{});
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->allocated());
  EXPECT_EQ(t->storage_bytes(), 2U * 16U * 4096U);

  tunnel_config cfg;
  cfg.host_name = "created";
  auto tun = test_tunnel::create(cfg, no_md5{}, counter_random{}, time_point{});
  ASSERT_TRUE(tun);
  EXPECT_TRUE(tun->allocated());
  ASSERT_TRUE(tun->open(time_point{}));
  std::array<std::byte, 4096> buf{};
  auto n = tun->poll_transmit(time_point{}, buf);
  ASSERT_TRUE(n);
  EXPECT_GT(*n, 12U); // the SCCRQ, built in the tunnel's own buffers
  // The tunnel moved out of the result keeps working.
  test_tunnel moved = std::move(tun).value();
  EXPECT_EQ(moved.state(), tunnel_state::wait_ctl_reply);

  auto ep = test_endpoint::create(endpoint_config{}, no_md5{}, counter_random{}, time_point{});
  ASSERT_TRUE(ep);
  EXPECT_TRUE(ep->allocated());
  EXPECT_EQ(ep->tunnels_in_use(), 0U);
}

TEST(CreateDeathTest, OutOfMemoryIsAnErrorValue) {
  if (VPNWIRE_TEST_ASAN) GTEST_SKIP() << "AddressSanitizer needs the address space this test takes away";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        cap_address_space();
        auto t = reliable_transport::create(time_point{}, huge());
        std::fprintf(stderr, "transport: %s\n", std::string(name(t.code())).c_str());
        tunnel_config cfg;
        cfg.transport = huge();
        auto tun = test_tunnel::create(cfg, no_md5{}, counter_random{}, time_point{});
        std::fprintf(stderr, "tunnel: %s\n", std::string(name(tun.code())).c_str());
        endpoint_config ec;
        ec.tunnel.transport = huge();
        auto ep = test_endpoint::create(ec, no_md5{}, counter_random{}, time_point{});
        std::fprintf(stderr, "endpoint: %s\n", std::string(name(ep.code())).c_str());
        std::_Exit(!t && !tun && !ep ? 3 : 1);
      },
      ::testing::ExitedWithCode(3), "transport: out_of_memory\ntunnel: out_of_memory\nendpoint: out_of_memory");
}

TEST(CreateDeathTest, TheConstructorReportsOutOfMemoryAndNamesCreate) {
  if (VPNWIRE_TEST_ASAN) GTEST_SKIP() << "AddressSanitizer needs the address space this test takes away";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        cap_address_space();
        tunnel_config cfg;
        cfg.transport = huge();
        test_tunnel t(cfg, no_md5{}, counter_random{}, time_point{});
        std::_Exit(t.allocated() ? 1 : 2);
      },
      R"re(vpnwire: assertion failed: allocated\(\) && "out of memory: use tunnel::create\(\)" \(.*tunnel\.hpp:[0-9]+\))re");
}

// The endpoint's scheduler allocates six arrays; when only some can be had,
// allocate() reports it and holds no slot, so clearing it (the endpoint's
// reset(), or allocate() itself) touches none of the missing arrays. Here
// the first array (one byte per slot) fits the capped address space and the
// next ones (four and eight bytes per slot) do not.
TEST(CreateDeathTest, ASchedulerThatGetsPartOfItsMemoryHoldsNoSlot) {
  if (VPNWIRE_TEST_ASAN) GTEST_SKIP() << "AddressSanitizer needs the address space this test takes away";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        cap_address_space();
        vpnwire::l2tp::control::detail::tunnel_scheduler s;
        const bool got = s.allocate(std::size_t{16} << 20);
        std::fprintf(stderr, "allocate: %s, %zu slots\n", got ? "true" : "false", s.size());
        s.clear();
        const bool again = s.allocate(1000);
        std::fprintf(stderr, "then: %s, %zu slots\n", again ? "true" : "false", s.size());
        std::_Exit(!got && s.size() == 1000 && again ? 3 : 1);
      },
      ::testing::ExitedWithCode(3), "allocate: false, 0 slots\nthen: true, 1000 slots");
}
