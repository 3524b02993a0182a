// The tunnel MTU calculator brute-forced against the ESP encapsulator
// (vpnwire::esp::outbound_sa with the OpenSSL backend, which writes real
// packets): for every stack (each transform esp::sa_config describes, tunnel
// and transport mode, with and without NAT-T and L2TP, outer and inner IPv4
// and IPv6) and every inner packet size, the packet the encapsulator really
// produces fits the link exactly when the calculator says it does. The ESP
// library is family-agnostic: an outer IPv6 header is 40 bytes in front of
// what encap returns, an outer IPv4 header 20.
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/tunnel/mtu.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace vpnwire;
using tunnel::ip_family;

namespace {

void fill_iv(void * /*context*/, mutable_bytes out) noexcept {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i * 7 + 1);
}

struct transform {
  esp::cipher cipher;
  esp::integrity integrity;
  std::uint16_t key_bits;
  std::uint8_t aead_icv;
};

const transform transforms[] = {
    {esp::cipher::aes_cbc, esp::integrity::hmac_sha1_96, 128, 16},
    {esp::cipher::aes_cbc, esp::integrity::hmac_sha256_128, 256, 16},
    {esp::cipher::aes_cbc, esp::integrity::hmac_sha512_256, 256, 16},
    {esp::cipher::aes_ctr, esp::integrity::hmac_sha1_96, 128, 16},
    {esp::cipher::aes_gcm, esp::integrity::none, 128, 16},
    {esp::cipher::aes_gcm, esp::integrity::none, 256, 8},
    {esp::cipher::aes_gmac, esp::integrity::none, 128, 16},
    {esp::cipher::chacha20_poly1305, esp::integrity::none, 256, 16},
    {esp::cipher::null, esp::integrity::hmac_sha1_96, 0, 16},
};

std::size_t hdr(ip_family f) { return f == ip_family::ipv4 ? 20 : 40; }

TEST(MtuVsEsp, EveryInnerSizeOfEveryStackFitsExactlyWhenTheCalculatorSaysSo) {
  int stacks = 0;
  std::vector<std::byte> buf(10000);
  for (const auto &tr : transforms) {
    for (std::size_t link : {1454U, 1500U, 1280U, 576U}) {
      for (esp::sa_mode mode : {esp::sa_mode::tunnel, esp::sa_mode::transport}) {
        for (bool nat_t : {false, true}) {
          for (bool l2tp : {false, true}) {
            if (l2tp && mode == esp::sa_mode::tunnel) continue; // L2TP/IPsec is transport mode
            for (ip_family outer : {ip_family::ipv4, ip_family::ipv6}) {
              for (ip_family inner : {ip_family::ipv4, ip_family::ipv6}) {
                // Transport mode keeps the inner header outside: one family.
                if (mode == esp::sa_mode::transport && !l2tp && inner != outer) continue;
                esp::sa_config cfg;
                cfg.spi = 0x1000;
                cfg.cipher = tr.cipher;
                cfg.integrity = tr.integrity;
                cfg.key_bits = tr.key_bits;
                cfg.aead_icv_size = tr.aead_icv;
                cfg.mode = mode;
                cfg.udp_encap = nat_t;
                ASSERT_TRUE(cfg.validate());

                tunnel::tunnel_stack s;
                s.link_mtu = link;
                s.outer = outer;
                s.inner = inner;
                s.esp = cfg;
                s.l2tp = l2tp;
                auto lim = tunnel::compute_tunnel_limits(s);
                ASSERT_TRUE(lim) << tunnel::name(lim.code());

                std::vector<std::byte> ck(cfg.cipher_key_size(), std::byte{0x11});
                std::vector<std::byte> ik(cfg.integrity_key_size(), std::byte{0x22});
                auto t = esp::crypto::openssl_transform::make(cfg, ck, ik);
                ASSERT_TRUE(t);
                esp::outbound_sa<esp::crypto::openssl_transform> tx(cfg, std::move(*t),
                                                                    esp::iv_generator{&fill_iv, nullptr});
                const std::size_t prefix = tunnel::inner_prefix(s);
                const std::uint8_t next_header = inner == ip_family::ipv4 ? 4 : 41;
                const std::size_t smallest = hdr(inner) + 20;
                bool fit_at_limit = false;
                for (std::size_t size = smallest; size <= link + 64; ++size) {
                  // What goes inside ESP for an inner packet of this size.
                  std::size_t esp_payload = size + prefix;
                  if (mode == esp::sa_mode::transport && !l2tp) esp_payload = size - hdr(outer);
                  auto n = tx.encap(buf, esp_payload, next_header);
                  ASSERT_TRUE(n) << esp::name(n.code());
                  const std::size_t outer_size = hdr(outer) + *n; // outer IP header + [UDP] + ESP
                  const bool fits = outer_size <= link;
                  ASSERT_EQ(fits, size <= lim->inner_mtu)
                      << "cipher " << static_cast<int>(tr.cipher) << " link " << link << " mode "
                      << static_cast<int>(mode) << " nat_t " << nat_t << " l2tp " << l2tp << " outer "
                      << tunnel::name(outer) << " inner " << tunnel::name(inner) << " size " << size << " outer "
                      << outer_size << " calculated " << lim->inner_mtu;
                  if (size == lim->inner_mtu) {
                    EXPECT_EQ(outer_size, lim->outer_packet);
                    fit_at_limit = true;
                  }
                }
                EXPECT_TRUE(fit_at_limit);
                EXPECT_EQ(lim->below_inner_minimum, inner == ip_family::ipv6 && lim->inner_mtu < 1280);
                ++stacks;
              }
            }
          }
        }
      }
    }
  }
  // Per transform and link: tunnel 2 NAT-T x 4 family pairs, transport 2 x 2,
  // L2TP/IPsec 2 x 4.
  EXPECT_EQ(stacks, static_cast<int>(std::size(transforms)) * 4 * (8 + 4 + 8));
}

} // namespace
