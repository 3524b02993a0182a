// docs/l2tp-control.md, "Running a LAC": the application's event loop around
// the tunnel: clock, buffer, UDP socket, timer wait, PPP start.
#pragma once
#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/time.hpp"

#include <array>
#include <cstddef>

void udp_send(const std::byte *data, std::size_t size);
template <class Deadline> void wait_until(const Deadline &) {}
template <class Session> void start_ppp(const Session &) {}
#define DOCS_SNIPPET_PARAMETERS                                                                                        \
  vpnwire::time_point now, std::array<std::byte, 1500> &buf, bool got_datagram, vpnwire::bytes_view datagram
