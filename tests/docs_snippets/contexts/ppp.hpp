// docs/ppp.md: written inside `using namespace vpnwire;` with the ppp headers;
// the input and what the application does with frames are its own.
#pragma once
#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/errc.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/hdlc.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace vpnwire;

void report(ppp::errc code, std::size_t offset);
void forward(bytes_view ipv4_packet);
void deliver(bytes_view frame);
void log(std::string_view what);
void use(std::uint16_t mru);
#define DOCS_SNIPPET_PARAMETERS bytes_view l2tp_payload, bytes_view in
