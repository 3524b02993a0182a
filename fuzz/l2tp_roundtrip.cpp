// Fuzz target: build-then-parse round trip of every catalogue AVP type.
// The input is a program: each step picks an AVP type, a hide flag and a
// chunk of bytes; the chunk is decoded as that type's value (skipped if it is
// not a valid value) and written with message_writer, plain or hidden (after
// a Random Vector taken from the input). The finished message must parse,
// and every AVP must decode (decrypting hidden ones) to a value that encodes
// to exactly the bytes written.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

using namespace vpnwire;
using l2tp::avp_type;

namespace {

using all = std::integer_sequence<
    avp_type, avp_type::result_code, avp_type::protocol_version, avp_type::framing_capabilities,
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
constexpr std::size_t type_count = 38;

const bytes_view secret = as_bytes("round trip secret");

struct written {
  avp_type type;
  std::vector<std::byte> encoding; // build_value() of the value written
};

// Writes chunk as type T (index-dispatched). Returns false if the chunk is not a valid T value.
template <avp_type T>
bool write_one(l2tp::message_writer &w, crypto::openssl_md5 &md5, bytes_view chunk, bool hide, bytes_view pad,
               std::vector<written> &log) {
  auto v = l2tp::decode_value<T>(chunk);
  if (!v) return false;
  std::array<std::byte, 1024> enc{};
  const auto en = l2tp::build_value<T>(enc, *v);
  FUZZ_CHECK(en.has_value());
  const bool hidden = hide && l2tp::avp_catalogue(T).may_hide;
  const bool added = static_cast<bool>(hidden ? w.add_hidden<T>(md5, secret, *v, pad) : w.add<T>(*v));
  if (!added) return false; // message full: the writer's error is sticky, finish() reports it
  log.push_back({T, std::vector<std::byte>(enc.begin(), enc.begin() + static_cast<std::ptrdiff_t>(*en))});
  return true;
}

template <avp_type T>
void check_one(const l2tp::avp_view &a, const bytes_view rv, crypto::openssl_md5 &md5, const written &want) {
  std::array<std::byte, 1024> plain{};
  bytes_view value = a.value();
  if (a.hidden()) {
    auto p = l2tp::decode_hidden(md5, a.type(), a.value(), secret, rv, plain);
    FUZZ_CHECK(p.has_value());
    value = *p;
  }
  auto v = l2tp::decode_value<T>(value);
  FUZZ_CHECK(v.has_value());
  std::array<std::byte, 1024> enc{};
  const auto en = l2tp::build_value<T>(enc, *v);
  FUZZ_CHECK(en.has_value());
  FUZZ_CHECK(*en == want.encoding.size());
  for (std::size_t i = 0; i < *en; ++i) FUZZ_CHECK(enc[i] == want.encoding[i]);
}

template <avp_type... Ts>
bool dispatch_write(std::size_t idx, std::integer_sequence<avp_type, Ts...>, l2tp::message_writer &w,
                    crypto::openssl_md5 &md5, bytes_view chunk, bool hide, bytes_view pad, std::vector<written> &log) {
  std::size_t i = 0;
  bool r = false;
  (void)((i++ == idx ? (r = write_one<Ts>(w, md5, chunk, hide, pad, log), true) : false) || ...);
  return r;
}
template <avp_type... Ts>
void dispatch_check(std::integer_sequence<avp_type, Ts...>, const l2tp::avp_view &a, bytes_view rv,
                    crypto::openssl_md5 &md5, const written &want) {
  (void)((want.type == Ts ? (check_one<Ts>(a, rv, md5, want), true) : false) || ...);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  static crypto::openssl_md5 md5;
  std::vector<std::byte> buf(4096);
  l2tp::message_writer w(buf);
  FUZZ_CHECK(w.begin({1, 2, 3, 4}, l2tp::message_type::hello).ok());
  std::vector<written> log;
  std::size_t pos = 0;
  bool have_rv = false;
  while (pos + 3 <= size) {
    const std::size_t idx = data[pos] % (type_count + 1);
    const bool hide = (data[pos + 1] & 1) != 0;
    const std::size_t n = data[pos + 2] % 64;
    pos += 3;
    if (pos + n > size) break;
    const bytes_view chunk = std::as_bytes(std::span(data + pos, n));
    pos += n;
    if (idx == type_count) { // a Random Vector step
      if (n == 0) continue;
      if (!w.add_random_vector(chunk)) break;
      have_rv = true;
      continue;
    }
    const bytes_view pad = chunk.first(n / 4);
    if (!dispatch_write(idx, all{}, w, md5, chunk, hide && have_rv, pad, log) && w.error().code != l2tp::errc::ok)
      break;
  }
  auto total = w.finish();
  if (!total) {
    FUZZ_CHECK(total.code() == l2tp::errc::buffer_too_small || total.code() == l2tp::errc::value_too_long);
    return 0;
  }
  auto h = l2tp::parse_header(w.written());
  FUZZ_CHECK(h.has_value());
  FUZZ_CHECK(h->length() == *total && h->tunnel_id() == 1 && h->session_id() == 2 && h->ns() == 3 && h->nr() == 4);
  l2tp::avp_reader r(h->payload());
  auto first = r.next();
  FUZZ_CHECK(first && first->type() == 0);
  bytes_view rv{};
  std::size_t k = 0;
  for (const l2tp::avp_view &a : r) {
    if (a.type() == static_cast<std::uint16_t>(avp_type::random_vector)) { // keys the hidden AVPs after it
      rv = a.value();
      continue;
    }
    FUZZ_CHECK(k < log.size());
    FUZZ_CHECK(a.type() == static_cast<std::uint16_t>(log[k].type));
    dispatch_check(all{}, a, rv, md5, log[k]);
    ++k;
  }
  FUZZ_CHECK(r.ok());
  FUZZ_CHECK(k == log.size());
  return 0;
}
