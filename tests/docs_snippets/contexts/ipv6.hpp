// docs/ipv6.md: the page's snippets are written inside `using namespace
// vpnwire;` with chrono literals; the rest is the application's: the arriving
// packet, its context id, the clock, and what it does with the results.
#pragma once
#include "vpnwire/ip/ipv6.hpp"
#include "vpnwire/ip/ipv6_reassembler.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace vpnwire;
using namespace std::chrono_literals;

std::uint64_t random64() noexcept;
void report(std::string_view what, std::size_t offset);
void note(std::uint32_t identification);
void use(bytes_view upper_layer);
void count(std::string_view reason);
void deliver(bytes_view datagram);
#define DOCS_SNIPPET_PARAMETERS bytes_view packet, std::uint64_t ctx, time_point now
