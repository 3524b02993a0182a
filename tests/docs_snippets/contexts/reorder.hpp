// docs/reorder.md: the application's packet handle and callbacks; the arrival
// (ns, p, now) is the snippet's input.
#pragma once
#include "vpnwire/core/time.hpp"

#include <cstdint>

struct packet_handle {
  packet_handle() = default;
  packet_handle(packet_handle &&) noexcept = default;
  packet_handle &operator=(packet_handle &&) noexcept = default;
};
void ppp_input(packet_handle &&p);
void recycle(packet_handle &&p);
void arm_timer(vpnwire::time_point deadline);
#define DOCS_SNIPPET_PARAMETERS std::uint16_t ns, packet_handle &p, vpnwire::time_point now
