// doctor's IP-TFS advice (RFC 9347, issue #21): when a tunnel-mode SA's ESP
// packets were fragmented after encapsulation, AGGFRAG mode is a third fix
// beside clamping the MSS and lowering the tunnel MTU: the sender splits
// inner packets across ESP packets sized to the path, so nothing is
// fragmented after encapsulation and the inner MTU is no longer limited by
// the path. The lines name each implementation's own settings:
//   - Linux (6.14+) with iproute2: `ip xfrm state add ... mode iptfs` with
//     `dir out iptfs-opts pkt-size N ...` and `dir in iptfs-opts drop-time
//     ... reorder-window ...`;
//   - strongSwan (6.0.2+): swanctl.conf `<child>.mode = iptfs`, and the
//     global strongswan.conf section `charon.iptfs { packet_size = N ... }`;
//   - libreswan: `iptfs=yes`, `iptfs-fragmentation=yes`, `iptfs-packet-size=N`.
// Transport mode (L2TP/IPsec) cannot use it: AGGFRAG carries whole IP packets.
#pragma once

#include "doctor_esp.hpp"

#include "vpnwire/esp/sa.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpnwire_cli {

/// The receiver defaults of Linux, strongSwan and libreswan (and of iptfs::receiver_config).
inline constexpr std::uint32_t iptfs_default_reorder_window = 3;
inline constexpr std::uint32_t iptfs_default_drop_time_us = 1'000'000;

/// The IP-TFS items of a post-encapsulation fragmentation finding for a
/// tunnel from `src` to `dst` with SA `spi`, whose path MTU is `path_mtu`
/// (the outer packet size to configure). Empty when `st` is not a
/// tunnel-mode ESP stack (transport mode, L2TP/IPsec, no ESP).
[[nodiscard]] inline std::vector<std::pair<std::string_view, std::string>>
iptfs_fix_items(const vpnwire::tunnel::tunnel_stack &st, std::size_t path_mtu, std::uint32_t src, std::uint32_t dst,
                std::uint32_t spi) {
  std::vector<std::pair<std::string_view, std::string>> out;
  if (!st.esp || st.esp->mode != vpnwire::esp::sa_mode::tunnel || st.l2tp) return out;
  char spi_text[16];
  std::snprintf(spi_text, sizeof spi_text, "0x%08x", spi);
  const std::string n = std::to_string(path_mtu);
  out.emplace_back("fix (IP-TFS)",
                   "or switch the SA to AGGFRAG mode (RFC 9347): the sender splits inner packets across ESP packets "
                   "of at most " +
                       n +
                       " bytes, so nothing is fragmented after encapsulation and the inner MTU no longer depends "
                       "on the path (vpnwire mtu --iptfs); both peers must support it");
  out.emplace_back("IP-TFS (Linux 6.14+, iproute2)",
                   "ip xfrm state add src " + dotted_quad(src) + " dst " + dotted_quad(dst) + " proto esp spi " +
                       spi_text + " ... mode iptfs dir out iptfs-opts pkt-size " + n +
                       " init-delay 0; and on the receiving side: ... mode iptfs dir in iptfs-opts drop-time " +
                       std::to_string(iptfs_default_drop_time_us) + " reorder-window " +
                       std::to_string(iptfs_default_reorder_window));
  out.emplace_back("IP-TFS (strongSwan 6.0.2+)",
                   "swanctl.conf: connections.<conn>.children.<child>.mode = iptfs; "
                   "strongswan.conf: charon.iptfs { packet_size = " +
                       n + " reorder_window = " + std::to_string(iptfs_default_reorder_window) +
                       " drop_time = " + std::to_string(iptfs_default_drop_time_us) + " }");
  out.emplace_back("IP-TFS (libreswan)", "conn: iptfs=yes iptfs-fragmentation=yes iptfs-packet-size=" + n);
  return out;
}

} // namespace vpnwire_cli
