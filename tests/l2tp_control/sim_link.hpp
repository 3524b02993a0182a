// Test support for the control plane: control messages built byte by byte
// from RFC 2661 §3.1/§4.1 (independently of the library), and a simulated
// link between two endpoints that loses, reorders and duplicates datagrams
// under a fixed seed and a test clock.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/time.hpp"
#include "vpnwire/l2tp/control/reliable_transport.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace vpnwire_test {

using namespace std::chrono_literals;
using bytes = std::vector<std::byte>;

inline void put16(bytes &b, std::uint16_t v) {
  b.push_back(static_cast<std::byte>(v >> 8));
  b.push_back(static_cast<std::byte>(v & 0xFF));
}
inline std::uint16_t get16(const std::byte *p) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) << 8 | std::to_integer<unsigned>(p[1]));
}

/// A control message (T=L=S=1, Ver 2) carrying a mandatory Message Type AVP
/// (attribute 0) and a vendor AVP (vendor 0x9999, attribute 1) whose 4-byte
/// value is `tag`, so tests can tell messages apart after delivery.
inline bytes control_message(std::uint16_t tunnel, std::uint16_t session, std::uint16_t ns, std::uint16_t nr,
                             std::uint16_t message_type, std::uint32_t tag) {
  bytes b;
  put16(b, 0xC802);
  put16(b, 0); // length, patched below
  put16(b, tunnel);
  put16(b, session);
  put16(b, ns);
  put16(b, nr);
  put16(b, 0x8008); // M=1, length 8
  put16(b, 0);
  put16(b, 0);
  put16(b, message_type);
  put16(b, 0x000A); // length 10
  put16(b, 0x9999);
  put16(b, 1);
  put16(b, static_cast<std::uint16_t>(tag >> 16));
  put16(b, static_cast<std::uint16_t>(tag & 0xFFFF));
  b[2] = static_cast<std::byte>(b.size() >> 8);
  b[3] = static_cast<std::byte>(b.size() & 0xFF);
  return b;
}
inline bytes zlb(std::uint16_t tunnel, std::uint16_t ns, std::uint16_t nr) {
  bytes b;
  put16(b, 0xC802);
  put16(b, 12);
  put16(b, tunnel);
  put16(b, 0);
  put16(b, ns);
  put16(b, nr);
  return b;
}
inline std::uint32_t tag_of(vpnwire::bytes_view m) {
  const std::byte *p = m.data() + m.size() - 4;
  return static_cast<std::uint32_t>(get16(p)) << 16 | get16(p + 2);
}
inline std::uint16_t ns_of(vpnwire::bytes_view m) { return get16(m.data() + 8); }
inline std::uint16_t nr_of(vpnwire::bytes_view m) { return get16(m.data() + 10); }

/// Datagrams in flight between two endpoints, delivered at a time that
/// models delay plus jitter (which reorders), with loss and duplication.
class sim_link {
public:
  struct impairments {
    double loss = 0.0;
    double duplicate = 0.0;
    vpnwire::duration delay = 10ms;
    vpnwire::duration jitter = 0ms; ///< uniform extra delay in [0, jitter]: reorders when > gaps
  };
  struct in_flight {
    vpnwire::time_point at;
    int to;
    bytes data;
    std::uint64_t order;
  };

  sim_link(impairments imp, std::uint32_t seed) : imp_(imp), rng_(seed) {}

  void send(int to, vpnwire::time_point now, vpnwire::bytes_view d) {
    ++sent_;
    if (chance(imp_.loss)) {
      ++lost_;
      return;
    }
    const int copies = chance(imp_.duplicate) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      vpnwire::duration extra{0};
      if (imp_.jitter.count() > 0)
        extra = vpnwire::duration{std::uniform_int_distribution<std::int64_t>(0, imp_.jitter.count())(rng_)};
      q_.push_back({now + imp_.delay + extra, to, bytes(d.begin(), d.end()), order_++});
    }
  }
  /// The earliest arrival time, or max when the link is empty.
  [[nodiscard]] vpnwire::time_point next_arrival() const {
    vpnwire::time_point t = vpnwire::time_point::max();
    for (const auto &f : q_) t = std::min(t, f.at);
    return t;
  }
  /// Removes and returns every datagram due by `now`, in arrival order.
  std::vector<in_flight> arrivals(vpnwire::time_point now) {
    std::vector<in_flight> due;
    for (auto it = q_.begin(); it != q_.end();) {
      if (it->at <= now) {
        due.push_back(std::move(*it));
        it = q_.erase(it);
      } else
        ++it;
    }
    std::sort(due.begin(), due.end(),
              [](const in_flight &a, const in_flight &b) { return a.at != b.at ? a.at < b.at : a.order < b.order; });
    return due;
  }
  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t lost() const { return lost_; }
  void set_loss(double p) { imp_.loss = p; }

private:
  bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  impairments imp_;
  std::mt19937 rng_;
  std::vector<in_flight> q_;
  std::uint64_t order_ = 0, sent_ = 0, lost_ = 0;
};

} // namespace vpnwire_test
