// The tunnel MTU calculator brute-forced against the ESP encapsulator
// (vpnwire::esp::outbound_sa with the OpenSSL backend, built by the esp
// area independently of ip/tunnel_mtu.hpp's own size table): for every
// inner packet size, the packet the encapsulator really produces fits the
// link exactly when the calculator says it does.
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/ip/tunnel_mtu.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace vpnwire;
using ip::esp_mode;

namespace {

void fill_iv(void *, mutable_bytes out) noexcept {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i * 7 + 1);
}

struct esp_choice {
  ip::esp_transform table;
  esp::cipher cipher;
  esp::integrity integrity;
  std::uint16_t key_bits;
};

const esp_choice choices[] = {
    {ip::esp_transforms::aes_cbc_hmac_sha1_96, esp::cipher::aes_cbc, esp::integrity::hmac_sha1_96, 128},
    {ip::esp_transforms::aes_cbc_hmac_sha256_128, esp::cipher::aes_cbc, esp::integrity::hmac_sha256_128, 256},
    {ip::esp_transforms::aes_gcm_16, esp::cipher::aes_gcm, esp::integrity::none, 128},
    {ip::esp_transforms::chacha20_poly1305, esp::cipher::chacha20_poly1305, esp::integrity::none, 256},
    {ip::esp_transforms::aes_ctr_hmac_sha1_96, esp::cipher::aes_ctr, esp::integrity::hmac_sha1_96, 128},
    {ip::esp_transforms::null_hmac_sha1_96, esp::cipher::null, esp::integrity::hmac_sha1_96, 0},
};

TEST(MtuVsEsp, EveryInnerSizeFitsExactlyWhenTheCalculatorSaysSo) {
  int stacks = 0;
  for (const auto &ch : choices) {
    for (std::size_t link : {1454U, 1500U, 1280U, 576U}) {
      for (esp_mode mode : {esp_mode::tunnel, esp_mode::transport}) {
        for (bool nat_t : {false, true}) {
          for (bool l2tp : {false, true}) {
            if (l2tp && mode == esp_mode::tunnel) continue; // L2TP/IPsec is transport mode
            ip::tunnel_stack s;
            s.link_mtu = link;
            s.mode = mode;
            s.nat_t = nat_t;
            s.esp = ch.table;
            s.l2tp = l2tp;
            auto lim = ip::compute_tunnel_limits(s);
            ASSERT_TRUE(lim);

            esp::sa_config cfg;
            cfg.spi = 0x1000;
            cfg.cipher = ch.cipher;
            cfg.integrity = ch.integrity;
            cfg.key_bits = ch.key_bits;
            cfg.mode = mode == esp_mode::tunnel ? esp::sa_mode::tunnel : esp::sa_mode::transport;
            cfg.udp_encap = nat_t;
            ASSERT_TRUE(cfg.validate());
            std::vector<std::byte> ck(cfg.cipher_key_size(), std::byte{0x11});
            std::vector<std::byte> ik(cfg.integrity_key_size(), std::byte{0x22});
            auto t = esp::crypto::openssl_transform::make(cfg, ck, ik);
            ASSERT_TRUE(t);
            esp::outbound_sa<esp::crypto::openssl_transform> tx(cfg, std::move(*t),
                                                                esp::iv_generator{&fill_iv, nullptr});
            // Exactly the table's sizes, cross-checked with the esp area's own numbers.
            EXPECT_EQ(cfg.iv_size(), ch.table.iv_size);
            EXPECT_EQ(cfg.icv_size(), ch.table.icv_size);
            EXPECT_EQ(cfg.pad_alignment(), ch.table.pad_alignment);

            std::vector<std::byte> buf(4096);
            const std::size_t prefix = ip::inner_prefix(s);
            for (std::size_t inner = 40; inner <= link; ++inner) {
              // What goes inside ESP for an inner packet of this size.
              std::size_t esp_payload = inner + prefix;
              if (mode == esp_mode::transport && !l2tp) esp_payload = inner - 20;
              auto n = tx.encap(buf, esp_payload, 4);
              ASSERT_TRUE(n) << esp::name(n.code());
              const std::size_t outer = 20 + *n; // outer IPv4 header + [UDP] + ESP
              const bool fits = outer <= link;
              ASSERT_EQ(fits, inner <= lim->inner_mtu)
                  << ch.table.name << " link " << link << " mode " << static_cast<int>(mode) << " nat_t " << nat_t
                  << " l2tp " << l2tp << " inner " << inner << " outer " << outer << " calculated " << lim->inner_mtu;
              if (inner == lim->inner_mtu) {
                EXPECT_EQ(outer, lim->outer_packet);
              }
            }
            ++stacks;
          }
        }
      }
    }
  }
  EXPECT_EQ(stacks, 6 * 4 * 6);
}

} // namespace
