// docs/architecture.md: the conventions' examples, written inside `using
// namespace vpnwire;`; the packet, buffers and callbacks are the application's.
#pragma once
#include "vpnwire/l2tp/error_action.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/frame.hpp"

#include <cstdint>
#include <span>

using namespace vpnwire;

void use(const ppp::option_view &option);
void send(bytes_view frame);
void stop_ccn(l2tp::result_code rc);
void cdn(l2tp::result_code rc);
#define DOCS_SNIPPET_PARAMETERS                                                                                        \
  const ppp::control_packet_view &packet, mutable_bytes out, bytes_view payload, bytes_view body, std::uint16_t type,  \
      bool established
#define DOCS_SNIPPET_RETURN error_info<ppp::errc>
