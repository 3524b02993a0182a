// docs/l2tp.md, "Receiving a datagram": what the application does with each
// kind of datagram.
#pragma once
#include "vpnwire/core/bytes.hpp"

#include <cstdint>

void deliver_ppp(std::uint16_t tunnel_id, std::uint16_t session_id, vpnwire::bytes_view ppp_frame);
void ack_only(std::uint16_t nr);
template <class Action, class Result, class Error> void send_clear(Action, Result, Error) {}
