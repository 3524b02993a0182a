// Compilation-failure tests (simdjson's tests/compilation_failure_tests
// style): every ip/ function that returns a view into its input refuses an
// rvalue container, whose bytes die at the end of the full expression.
// Case 0 is the control: the same calls on lvalues (and on spans, which do
// not own their bytes) must compile. Cases 1..N must each fail to compile
// with a "deleted function" diagnostic naming the function (check.cmake).
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_fragmenter.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/udp.hpp"

#include <array>
#include <vector>

using namespace vpnwire;

namespace {
std::vector<std::byte> make_packet() { return std::vector<std::byte>(64); }
std::array<std::byte, 64> make_array() { return {}; }
} // namespace

int main() {
  [[maybe_unused]] const time_point now{};
  [[maybe_unused]] ip::reassembler r4({.max_datagrams = 1});
  [[maybe_unused]] ip::borrowing_reassembler z4({.max_datagrams = 1});
  [[maybe_unused]] ip::ipv6_reassembler r6({.max_datagrams = 1});
  [[maybe_unused]] ip::ipv6_borrowing_reassembler z6({.max_datagrams = 1});
#if VPNWIRE_CASE == 0
  auto p = make_packet();
  auto a = make_array();
  (void)ip::parse_ipv4(p);
  (void)ip::parse_ipv4_unchecked(a);
  (void)ip::parse_ipv6(p);
  (void)ip::parse_udp(p);
  (void)ip::parse_tcp(p);
  (void)ip::fragmenter::create(p, 1280);
  (void)ip::ipv6_fragmenter::create(p, 1280, 1);
  (void)r4.submit(p, 0, now);
  (void)z4.submit(p, 1, 0, now);
  (void)r6.submit(p, 0, now);
  (void)z6.submit(p, 1, 0, now);
  (void)ip::parse_ipv4(bytes_view(make_packet())); // a span says "I keep the bytes alive": allowed
#elif VPNWIRE_CASE == 1
  (void)ip::parse_ipv4(make_packet());
#elif VPNWIRE_CASE == 2
  (void)ip::parse_ipv4_unchecked(make_array());
#elif VPNWIRE_CASE == 3
  (void)ip::parse_ipv6(make_packet());
#elif VPNWIRE_CASE == 4
  (void)ip::parse_udp(make_packet());
#elif VPNWIRE_CASE == 5
  (void)ip::parse_tcp(make_packet());
#elif VPNWIRE_CASE == 6
  (void)ip::fragmenter::create(make_packet(), 1280);
#elif VPNWIRE_CASE == 7
  (void)r4.submit(make_packet(), 0, now);
#elif VPNWIRE_CASE == 8
  (void)z4.submit(make_packet(), 1, 0, now);
#elif VPNWIRE_CASE == 9
  (void)r6.submit(make_packet(), 0, now);
#elif VPNWIRE_CASE == 10
  (void)z6.submit(make_packet(), 1, 0, now);
#elif VPNWIRE_CASE == 11
  (void)ip::ipv6_fragmenter::create(make_packet(), 1280, 1);
#endif
  return 0;
}
