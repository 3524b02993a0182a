// docs/l2tp-control.md, the endpoint: the previous snippet's names (ctl,
// os_random, cfg) and the application's peer addressing.
#pragma once
#include "l2tp_control.hpp"
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/control/endpoint.hpp"
#include "vpnwire/l2tp/control/tunnel.hpp"

namespace ctl = vpnwire::l2tp::control;
struct os_random {
  void fill(vpnwire::mutable_bytes) noexcept {}
};
struct sockaddr_storage;
ctl::peer_key key_of(const sockaddr_storage &sender);
void udp_send_to(const ctl::peer_key &peer, const std::byte *data, std::size_t size);
void udp_send_to6(const std::array<std::byte, 16> &address, std::uint16_t port, std::uint32_t scope_id,
                  const std::byte *data, std::size_t size);

#undef DOCS_SNIPPET_PARAMETERS
#define DOCS_SNIPPET_PARAMETERS                                                                                        \
  vpnwire::time_point now, std::array<std::byte, 1500> &buf, bool got_datagram, vpnwire::bytes_view datagram,          \
      const ctl::tunnel_config &cfg, vpnwire::bytes_view addr_and_port_bytes, const sockaddr_storage &sender,          \
      const std::array<std::byte, 16> &from6_addr, std::uint16_t from6_port, std::uint32_t from6_scope
