// README.md "Embedding": what the application around the snippet provides.
#pragma once
#include "vpnwire/l2tp/errc.hpp"

#include <cstddef>
#include <string_view>

struct packet { // the application's owned packet handle (moved, never copied)
  packet() = default;
  packet(packet &&) noexcept = default;
  packet &operator=(packet &&) noexcept = default;
  packet(const packet &) = delete;
  packet &operator=(const packet &) = delete;
};
void drop(vpnwire::l2tp::errc code, std::size_t offset);
void ppp_input(packet &&p);
void count_drop(std::string_view reason);
