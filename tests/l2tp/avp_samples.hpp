// Shared by the L2TP tests: random typed values for every catalogue AVP type,
// field-by-field equality, and a compile-time list of all types.
#pragma once

#include "vpnwire/l2tp/catalogue.hpp"

#include <deque>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace l2tp_test {

using vpnwire::bytes_view;
using vpnwire::l2tp::avp_type;

template <avp_type... Ts> struct type_list {};
using all_avp_types =
    type_list<avp_type::result_code, avp_type::protocol_version, avp_type::framing_capabilities,
              avp_type::bearer_capabilities, avp_type::tie_breaker, avp_type::firmware_revision, avp_type::host_name,
              avp_type::vendor_name, avp_type::assigned_tunnel_id, avp_type::receive_window_size, avp_type::challenge,
              avp_type::q931_cause_code, avp_type::challenge_response, avp_type::assigned_session_id,
              avp_type::call_serial_number, avp_type::minimum_bps, avp_type::maximum_bps, avp_type::bearer_type,
              avp_type::framing_type, avp_type::called_number, avp_type::calling_number, avp_type::sub_address,
              avp_type::tx_connect_speed, avp_type::physical_channel_id, avp_type::initial_received_lcp_confreq,
              avp_type::last_sent_lcp_confreq, avp_type::last_received_lcp_confreq, avp_type::proxy_authen_type,
              avp_type::proxy_authen_name, avp_type::proxy_authen_challenge, avp_type::proxy_authen_id,
              avp_type::proxy_authen_response, avp_type::call_errors, avp_type::accm, avp_type::private_group_id,
              avp_type::rx_connect_speed, avp_type::sequencing_required, avp_type::ppp_disconnect_cause_code>;

/// Random values whose octet strings live as long as the generator.
class sampler {
public:
  explicit sampler(std::uint32_t seed) : rng_(seed) {}
  std::mt19937 &rng() { return rng_; }
  std::uint32_t u32() { return static_cast<std::uint32_t>(rng_()); }

  bytes_view octets(std::size_t min, std::size_t max) {
    const std::size_t n = min + rng_() % (max - min + 1);
    auto &s = store_.emplace_back(n, std::byte{0});
    for (auto &b : s) b = static_cast<std::byte>(rng_() % 2 ? 'a' + rng_() % 26 : rng_());
    return {s.data(), s.size()};
  }
  template <avp_type T> vpnwire::l2tp::value_t<T> value() {
    using namespace vpnwire::l2tp;
    using V = value_t<T>;
    constexpr avp_info info = avp_catalogue(T);
    if constexpr (T == avp_type::result_code) {
      V v;
      v.result = static_cast<std::uint16_t>(rng_());
      v.has_error = rng_() % 2 != 0;
      if (v.has_error) {
        v.error = static_cast<std::uint16_t>(rng_());
        v.message = octets(0, 30);
      }
      return v;
    } else if constexpr (T == avp_type::protocol_version) {
      return V{static_cast<std::uint8_t>(rng_()), static_cast<std::uint8_t>(rng_())};
    } else if constexpr (T == avp_type::q931_cause_code) {
      return V{static_cast<std::uint16_t>(rng_()), static_cast<std::uint8_t>(rng_()), octets(0, 30)};
    } else if constexpr (T == avp_type::call_errors) {
      return V{u32(), u32(), u32(), u32(), u32(), u32()};
    } else if constexpr (T == avp_type::accm) {
      return V{u32(), u32()};
    } else if constexpr (T == avp_type::proxy_authen_id) {
      return V{static_cast<std::uint8_t>(rng_())};
    } else if constexpr (T == avp_type::ppp_disconnect_cause_code) {
      return V{static_cast<std::uint16_t>(rng_()), static_cast<std::uint16_t>(rng_()),
               static_cast<std::uint8_t>(rng_() % 3), octets(0, 30)};
    } else if constexpr (std::is_same_v<V, empty_value>) {
      return V{};
    } else if constexpr (std::is_same_v<V, bytes_view>) {
      return octets(info.min_length, info.max_length < 40 ? info.max_length : 40);
    } else if constexpr (std::is_same_v<V, std::uint16_t>) {
      return static_cast<std::uint16_t>(1 + rng_() % 65535); // assigned IDs are non-zero
    } else if constexpr (std::is_same_v<V, std::uint32_t>) {
      return static_cast<std::uint32_t>(rng_());
    } else {
      return (std::uint64_t{u32()} << 32) | u32();
    }
  }

private:
  std::mt19937 rng_;
  std::deque<std::vector<std::byte>> store_;
};

inline std::string hex_of(bytes_view b) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s;
  for (std::byte x : b) {
    s.push_back(d[std::to_integer<unsigned>(x) >> 4]);
    s.push_back(d[std::to_integer<unsigned>(x) & 15]);
  }
  return s;
}

/// A printable rendering of a typed value, so tests compare with one ==.
template <avp_type T> std::string render(const vpnwire::l2tp::value_t<T> &v) {
  using namespace vpnwire::l2tp;
  using V = value_t<T>;
  auto n = [](auto x) { return std::to_string(x) + ","; };
  if constexpr (T == avp_type::result_code) {
    return n(v.result) + (v.has_error ? n(v.error) + hex_of(v.message) : "-");
  } else if constexpr (T == avp_type::protocol_version) {
    return n(v.version) + n(v.revision);
  } else if constexpr (T == avp_type::q931_cause_code) {
    return n(v.cause_code) + n(v.cause_msg) + hex_of(v.advisory);
  } else if constexpr (T == avp_type::call_errors) {
    return n(v.crc_errors) + n(v.framing_errors) + n(v.hardware_overruns) + n(v.buffer_overruns) + n(v.timeout_errors) +
           n(v.alignment_errors);
  } else if constexpr (T == avp_type::accm) {
    return n(v.send) + n(v.receive);
  } else if constexpr (T == avp_type::proxy_authen_id) {
    return n(v.id);
  } else if constexpr (T == avp_type::ppp_disconnect_cause_code) {
    return n(v.code) + n(v.protocol) + n(v.direction) + hex_of(v.message);
  } else if constexpr (std::is_same_v<V, empty_value>) {
    return "empty";
  } else if constexpr (std::is_same_v<V, bytes_view>) {
    return hex_of(v);
  } else {
    return n(v);
  }
}

} // namespace l2tp_test
