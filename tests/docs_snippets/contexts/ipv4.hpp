// docs/ipv4.md: the page's snippets are written inside `using namespace
// vpnwire;` with chrono literals; the rest is the application's: the arriving
// packet, its context id, the clock, and what it does with the result.
#pragma once
#include "vpnwire/ip/reassembler.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

using namespace vpnwire;
using namespace std::chrono_literals;

std::uint64_t random64() noexcept;
void count(std::string_view reason);
void deliver(bytes_view datagram);
// Zero copy: the application's buffers (say DPDK mbufs) and their pool.
struct rte_mbuf;
void recycle_mbuf(void *pool, std::uint64_t token) noexcept;
void recycle(std::uint64_t token);
void send_chain(bytes_view header, std::span<const bytes_view> payload);
#define DOCS_SNIPPET_PARAMETERS bytes_view packet_bytes, std::uint64_t sa_id, time_point now, rte_mbuf *mbuf, void *pool
