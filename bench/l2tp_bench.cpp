// L2TPv2 wire layer benchmarks (ns per message):
//  - l2tp_header/<impl>/<kind>: parse a data header (L=0 and L=1,S=1) and
//    reach the payload. Baseline "dpdk_overlay": DPDK's rte_l2tpv2.h
//    structs overlaid on the bytes and chosen by the L/S/O bits, as DPDK's
//    flow code does; it checks no bounds, vpnwire checks all of them.
//  - l2tp_validate/<impl>/sccrq: full validation of an SCCRQ (11 AVPs) plus
//    typed reads of every AVP. Baseline "alloc_map": the common design of
//    a walker that copies each AVP into a std::map<type, std::vector<byte>>.
//  - l2tp_validate/<impl>/iccn_hidden: validation of an ICCN with 4 hidden
//    AVPs and decryption of all of them. Baseline "alloc_map_evp_oneshot":
//    the map walker decrypting with OpenSSL's one-shot EVP_Digest (a new
//    context per hash) instead of vpnwire's reused EVP context.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "bench_support.hpp"

#if VPNWIRE_BENCH_HAVE_DPDK
#include <rte_l2tpv2.h>
#endif
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <map>
#include <vector>

using namespace vpnwire;
using l2tp::avp_type;

namespace {

std::vector<std::byte> data_message(bool with_length_and_sequence) {
  std::vector<std::byte> b(1420);
  l2tp::header_fields f;
  f.with_length = f.with_sequence = with_length_and_sequence;
  f.tunnel_id = 0x1234;
  f.session_id = 0x5678;
  f.ns = 10;
  auto n = l2tp::build_header(b, f, 1400);
  b.resize(*n + 1400);
  return b;
}

void header_vpnwire(benchmark::State &state) {
  const auto msg = data_message(state.range(0) != 0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(msg.data());
    auto h = l2tp::parse_header(msg);
    if (!h) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(h->session_id());
    benchmark::DoNotOptimize(h->payload().data());
  }
}
BENCHMARK(header_vpnwire)->Name("l2tp_header/vpnwire")->Arg(0)->Arg(1);

#if VPNWIRE_BENCH_HAVE_DPDK
// DPDK-style: overlay the union of header layouts and pick one by the flag bits.
struct overlay_result {
  std::uint16_t tunnel, session;
  const std::uint8_t *payload;
};
overlay_result dpdk_parse(const std::uint8_t *p) {
  const auto *h = reinterpret_cast<const rte_l2tpv2_combined_msg_hdr *>(p);
  const std::uint16_t fv = rte_be_to_cpu_16(h->common.flags_version);
  overlay_result r{};
  const bool l = fv & 0x4000, s = fv & 0x0800, o = fv & 0x0200;
  if (l && s && !o) {
    r.tunnel = rte_be_to_cpu_16(h->type3.tunnel_id);
    r.session = rte_be_to_cpu_16(h->type3.session_id);
    r.payload = p + 12;
  } else if (!l && !s && !o) {
    r.tunnel = rte_be_to_cpu_16(h->type7.tunnel_id);
    r.session = rte_be_to_cpu_16(h->type7.session_id);
    r.payload = p + 6;
  } else if (l && !s && !o) {
    r.tunnel = rte_be_to_cpu_16(h->type6.tunnel_id);
    r.session = rte_be_to_cpu_16(h->type6.session_id);
    r.payload = p + 8;
  } else {
    r.tunnel = rte_be_to_cpu_16(h->type5.tunnel_id);
    r.session = rte_be_to_cpu_16(h->type5.session_id);
    r.payload = p + 10;
  }
  return r;
}
void header_dpdk(benchmark::State &state) {
  const auto msg = data_message(state.range(0) != 0);
  const auto *p = reinterpret_cast<const std::uint8_t *>(msg.data());
  for (auto _ : state) {
    benchmark::DoNotOptimize(p);
    auto r = dpdk_parse(p);
    benchmark::DoNotOptimize(r.session);
    benchmark::DoNotOptimize(r.payload);
  }
}
BENCHMARK(header_dpdk)->Name("l2tp_header/dpdk_overlay")->Arg(0)->Arg(1);
#endif

const bytes_view secret = as_bytes("benchmark secret");

std::vector<std::byte> sccrq_body() {
  std::vector<std::byte> b(512);
  l2tp::message_writer w(b);
  (void)w.begin({0, 0, 0, 0}, l2tp::message_type::sccrq);
  (void)w.add<avp_type::protocol_version>({1, 0});
  (void)w.add<avp_type::host_name>(as_bytes("lac1.example.net"));
  (void)w.add<avp_type::framing_capabilities>(3);
  (void)w.add<avp_type::bearer_capabilities>(3);
  (void)w.add<avp_type::tie_breaker>(0x1122334455667788ULL);
  (void)w.add<avp_type::firmware_revision>(0x0100);
  (void)w.add<avp_type::vendor_name>(as_bytes("vpnwire"));
  (void)w.add<avp_type::assigned_tunnel_id>(4242);
  (void)w.add<avp_type::receive_window_size>(8);
  (void)w.add<avp_type::challenge>(as_bytes("0123456789abcdef"));
  auto n = w.finish();
  return {b.begin() + 12, b.begin() + static_cast<std::ptrdiff_t>(*n)};
}

std::vector<std::byte> iccn_hidden_body() {
  crypto::openssl_md5 md5;
  std::vector<std::byte> b(512);
  l2tp::message_writer w(b);
  (void)w.begin({0, 0, 0, 0}, l2tp::message_type::iccn);
  (void)w.add_random_vector(as_bytes("0123456789abcdef"));
  (void)w.add_hidden<avp_type::tx_connect_speed>(md5, secret, 100000000);
  (void)w.add<avp_type::framing_type>(1);
  (void)w.add_hidden<avp_type::proxy_authen_type>(md5, secret, 2);
  (void)w.add_hidden<avp_type::proxy_authen_name>(md5, secret, as_bytes("user@example.net"));
  (void)w.add_hidden<avp_type::proxy_authen_response>(md5, secret, as_bytes("0123456789abcdef"));
  (void)w.add<avp_type::rx_connect_speed>(100000000);
  auto n = w.finish();
  return {b.begin() + 12, b.begin() + static_cast<std::ptrdiff_t>(*n)};
}

void validate_sccrq_vpnwire(benchmark::State &state) {
  const auto body = sccrq_body();
  for (auto _ : state) {
    benchmark::DoNotOptimize(body.data());
    auto m = l2tp::validate_message(body);
    if (!m) state.SkipWithError("validation failed");
    benchmark::DoNotOptimize(m->get<avp_type::assigned_tunnel_id>().value_or(0));
    benchmark::DoNotOptimize(m->get<avp_type::host_name>().value_or({}).data());
    benchmark::DoNotOptimize(m->get<avp_type::tie_breaker>().value_or(0));
    benchmark::DoNotOptimize(m->get<avp_type::challenge>().value_or({}).data());
  }
}
BENCHMARK(validate_sccrq_vpnwire)->Name("l2tp_validate/vpnwire/sccrq");

// Baseline: copy every AVP into an ordered map (allocation per AVP).
using avp_map = std::map<std::uint16_t, std::vector<std::uint8_t>>;
bool map_walk(const std::vector<std::byte> &body, avp_map &out, std::map<std::uint16_t, bool> &hidden) {
  out.clear();
  hidden.clear();
  const auto *p = reinterpret_cast<const std::uint8_t *>(body.data());
  std::size_t pos = 0;
  while (pos + 6 <= body.size()) {
    const std::size_t len = ((p[pos] & 3U) << 8) | p[pos + 1];
    if (len < 6 || pos + len > body.size()) return false;
    const auto type = static_cast<std::uint16_t>(p[pos + 4] << 8 | p[pos + 5]);
    out[type].assign(p + pos + 6, p + pos + len);
    hidden[type] = (p[pos] & 0x40) != 0;
    pos += len;
  }
  return pos == body.size() && out.count(0);
}
void validate_sccrq_map(benchmark::State &state) {
  const auto body = sccrq_body();
  avp_map m;
  std::map<std::uint16_t, bool> hidden;
  for (auto _ : state) {
    benchmark::DoNotOptimize(body.data());
    if (!map_walk(body, m, hidden)) state.SkipWithError("walk failed");
    benchmark::DoNotOptimize(m[9].data());
    benchmark::DoNotOptimize(m[7].data());
    benchmark::DoNotOptimize(m[5].data());
    benchmark::DoNotOptimize(m[11].data());
  }
}
BENCHMARK(validate_sccrq_map)->Name("l2tp_validate/alloc_map/sccrq");

void validate_iccn_vpnwire(benchmark::State &state) {
  const auto body = iccn_hidden_body();
  crypto::openssl_md5 md5;
  std::array<std::byte, 1024> scratch{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(body.data());
    auto m = l2tp::validate_message(body);
    if (!m) state.SkipWithError("validation failed");
    benchmark::DoNotOptimize(m->get<avp_type::tx_connect_speed>(md5, secret, scratch).value_or(0));
    benchmark::DoNotOptimize(m->get<avp_type::proxy_authen_type>(md5, secret, scratch).value_or(0));
    benchmark::DoNotOptimize(m->get<avp_type::proxy_authen_name>(md5, secret, scratch).value_or({}).data());
    benchmark::DoNotOptimize(m->get<avp_type::proxy_authen_response>(md5, secret, scratch).value_or({}).data());
    benchmark::DoNotOptimize(m->get<avp_type::framing_type>().value_or(0));
  }
}
BENCHMARK(validate_iccn_vpnwire)->Name("l2tp_validate/vpnwire/iccn_hidden");

// Baseline decryption with one-shot EVP_Digest (a context per hash).
bool oneshot_unhide(std::uint16_t type, const std::vector<std::uint8_t> &ct, const std::vector<std::uint8_t> &rv,
                    std::vector<std::uint8_t> &out) {
  out.resize(ct.size());
  std::uint8_t key[16];
  unsigned int kl = 0;
  std::vector<std::uint8_t> in;
  in.push_back(static_cast<std::uint8_t>(type >> 8));
  in.push_back(static_cast<std::uint8_t>(type));
  const auto *s = reinterpret_cast<const std::uint8_t *>(secret.data());
  in.insert(in.end(), s, s + secret.size());
  in.insert(in.end(), rv.begin(), rv.end());
  if (EVP_Digest(in.data(), in.size(), key, &kl, EVP_md5(), nullptr) != 1) return false;
  for (std::size_t pos = 0; pos < ct.size(); pos += 16) {
    const std::size_t n = std::min<std::size_t>(16, ct.size() - pos);
    for (std::size_t i = 0; i < n; ++i) out[pos + i] = ct[pos + i] ^ key[i];
    if (pos + 16 < ct.size()) {
      in.assign(s, s + secret.size());
      in.insert(in.end(), ct.begin() + static_cast<std::ptrdiff_t>(pos),
                ct.begin() + static_cast<std::ptrdiff_t>(pos + 16));
      if (EVP_Digest(in.data(), in.size(), key, &kl, EVP_md5(), nullptr) != 1) return false;
    }
  }
  const std::size_t len = static_cast<std::size_t>(out[0] << 8 | out[1]);
  if (len + 2 > out.size()) return false;
  out.erase(out.begin(), out.begin() + 2);
  out.resize(len);
  return true;
}
void validate_iccn_map(benchmark::State &state) {
  const auto body = iccn_hidden_body();
  avp_map m;
  std::map<std::uint16_t, bool> hidden;
  std::vector<std::uint8_t> plain;
  for (auto _ : state) {
    benchmark::DoNotOptimize(body.data());
    if (!map_walk(body, m, hidden)) state.SkipWithError("walk failed");
    for (std::uint16_t t : {24, 29, 30, 33}) {
      if (!oneshot_unhide(t, m[t], m[36], plain)) state.SkipWithError("unhide failed");
      benchmark::DoNotOptimize(plain.data());
    }
    benchmark::DoNotOptimize(m[19].data());
  }
}
BENCHMARK(validate_iccn_map)->Name("l2tp_validate/alloc_map_evp_oneshot/iccn_hidden");

} // namespace

VPNWIRE_BENCH_MAIN();
