// The sending side of an ESP SA: encapsulation in place in the caller's
// buffer (RFC 4303 §3.3), with the sequence counter that refuses to cycle.
//
//   auto tx = esp::outbound_sa<esp::crypto::openssl_transform>::make(cfg, std::move(keys).value());
//   // payload already at buf[tx->headroom()], length n
//   auto size = tx->encap(buf, n, 4 /* IPv4 inner packet; 41 for IPv6 */);
//   if (size) send(std::span(buf).first(*size));
//
// Legacy transforms (3DES-CBC, HMAC-MD5-96, HMAC-SHA1-160) are decap only:
// make() refuses them and encap() fails with decap_only_transform.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/crypto/concepts.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/sa.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// Source of random IVs for AES-CBC (RFC 3602 §3: unpredictable IVs). A plain
/// function pointer and context: no virtual call, no allocation.
struct iv_generator {
  void (*fill)(void *context, mutable_bytes out) noexcept = nullptr;
  void *context = nullptr;
};

/// The outer IPv6 addresses of a UDP-encapsulated packet, for its UDP
/// checksum: over IPv6 a zero UDP checksum is not allowed (RFC 8200 §8.1), so
/// encap computes it over the pseudo-header when given these.
struct udp_ipv6_addresses {
  std::array<std::byte, 16> source{};
  std::array<std::byte, 16> destination{};
};

/// Per-packet choices of encap.
struct encap_options {
  /// Use these IV bytes instead of the default (the 64-bit sequence number for
  /// CTR, GCM, GMAC and ChaCha20-Poly1305; the generator for CBC). Must be
  /// iv_size() bytes. For reproducing test vectors; never reuse an IV.
  bytes_view iv{};
  /// Traffic-flow-confidentiality padding after the payload (RFC 4303 §2.7),
  /// tunnel mode only. Written as zeros.
  std::size_t tfc_padding = 0;
  /// With UDP encapsulation over IPv6: the outer addresses, so the UDP
  /// checksum is computed (RFC 8200 §8.1). Null: checksum 0, as RFC 3948 §2.1
  /// asks over IPv4.
  const udp_ipv6_addresses *udp_ipv6 = nullptr;
};

/// Sender statistics: one field per outcome.
struct outbound_counters {
  std::uint64_t packets = 0;            ///< Packets encapsulated.
  std::uint64_t payload_bytes = 0;      ///< Payload bytes encapsulated.
  std::uint64_t buffer_too_small = 0;   ///< Refused: span too small.
  std::uint64_t sequence_exhausted = 0; ///< Refused: counter would cycle.
  /// Refused: iv_length_mismatch, iv_source_missing, tfc_in_transport_mode, packet_too_large.
  std::uint64_t bad_request = 0;
  std::uint64_t crypto_failure = 0;       ///< Refused: the backend failed.
  std::uint64_t decap_only_transform = 0; ///< Refused: the SA uses a legacy transform.
};

template <crypto::transform Crypto> class outbound_sa {
public:
  /// An SA that sends nothing useful (an unkeyed backend). Exists so
  /// result<outbound_sa> can hold one; use make() or the keyed constructor.
  outbound_sa() noexcept requires std::default_initializable<Crypto>
  = default;

  /// Precondition: cfg.validate() succeeds and `crypto` is keyed for cfg;
  /// traps otherwise. make() checks both and returns an error instead. A
  /// legacy (decap-only) config constructs, and every encap() then fails
  /// with decap_only_transform.
  outbound_sa(const sa_config &cfg, Crypto crypto, iv_generator gen = {}) noexcept
      : cfg_(cfg), crypto_(std::move(crypto)), gen_(gen) {
    VPNWIRE_ASSERT(cfg.validate().has_value());
  }

  /// Builds a sending SA after checking the config and that `crypto` was
  /// keyed for it (when the backend can say so, see crypto::describes_keys;
  /// otherwise only that both agree on AEAD).
  /// Errors: those of cfg.validate(); decap_only_transform (3DES-CBC,
  /// HMAC-MD5-96, HMAC-SHA1-160); transform_mismatch; integrity_key_missing.
  [[nodiscard]] static result<outbound_sa, errc>
  make(const sa_config &cfg, Crypto crypto,
       iv_generator gen = {}) noexcept requires std::default_initializable<Crypto> {
    if (auto v = cfg.validate_outbound(); !v) return v.error();
    if constexpr (crypto::describes_keys<Crypto>) {
      if (auto m = crypto.check_config(cfg); !m) return m.error();
      if (!cfg.is_aead() && !crypto.integrity_keyed()) return fail(errc::integrity_key_missing);
    } else {
      if (crypto.is_aead() != cfg.is_aead()) return fail(errc::transform_mismatch);
    }
    return outbound_sa(cfg, std::move(crypto), gen);
  }

  [[nodiscard]] const sa_config &config() const noexcept { return cfg_; }
  [[nodiscard]] const outbound_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] std::size_t headroom() const noexcept { return cfg_.headroom(); }
  [[nodiscard]] std::size_t tailroom() const noexcept { return cfg_.tailroom(); }
  [[nodiscard]] std::size_t overhead(std::size_t payload_len, std::size_t tfc_len = 0) const noexcept {
    return cfg_.overhead(payload_len, tfc_len);
  }
  [[nodiscard]] std::size_t packet_size(std::size_t payload_len, std::size_t tfc_len = 0) const noexcept {
    return cfg_.packet_size(payload_len, tfc_len);
  }

  /// The sequence number of the last packet sent (0 before the first).
  [[nodiscard]] std::uint64_t last_sequence() const noexcept { return last_; }
  /// Continues the counter after `last_sent` (resuming an SA, or tests). Without
  /// ESN only the low 32 bits are kept.
  void set_last_sequence(std::uint64_t last_sent) noexcept { last_ = cfg_.esn ? last_sent : (last_sent & 0xFFFFFFFFU); }

  /// Encapsulates in place. `buf` starts where the UDP header (with UDP
  /// encapsulation) or the ESP header goes; the payload is already at
  /// buf[headroom(), headroom() + payload_len). Writes the header, IV,
  /// trailer and ICV, encrypts, and returns the packet size
  /// (= packet_size(payload_len, tfc)). On any error the sequence counter is
  /// unchanged, and except after crypto_failure the payload is untouched.
  /// With UDP encapsulation the UDP checksum is 0 (IPv4, RFC 3948 §2.1), or
  /// computed over the IPv6 pseudo-header when opt.udp_ipv6 gives the outer
  /// addresses.
  /// Errors: decap_only_transform (a legacy config, see make());
  /// tfc_in_transport_mode; buffer_too_small (offset = buf.size());
  /// packet_too_large (UDP encapsulation beyond 65535 bytes);
  /// sequence_exhausted (the next number would cycle 2^32, or 2^64 with ESN);
  /// iv_length_mismatch; iv_source_missing (CBC without generator or IV);
  /// crypto_failure.
  [[nodiscard]] result<std::size_t, errc> encap(mutable_bytes buf, std::size_t payload_len, std::uint8_t next_header,
                                                const encap_options &opt = {}) noexcept {
    if (cfg_.is_deprecated()) return refuse(counters_.decap_only_transform, errc::decap_only_transform, 0);
    const std::size_t tfc = opt.tfc_padding;
    if (tfc != 0 && cfg_.mode != sa_mode::tunnel) return refuse(counters_.bad_request, errc::tfc_in_transport_mode, 0);
    const std::size_t total = cfg_.packet_size(payload_len, tfc);
    if (payload_len > buf.size() || tfc > buf.size() || total > buf.size())
      return refuse(counters_.buffer_too_small, errc::buffer_too_small, buf.size());
    if (cfg_.udp_encap && total > 0xFFFFU) return refuse(counters_.bad_request, errc::packet_too_large, 0);
    const std::uint64_t seq_limit = cfg_.esn ? ~std::uint64_t{0} : std::uint64_t{0xFFFFFFFFU};
    if (last_ >= seq_limit) return refuse(counters_.sequence_exhausted, errc::sequence_exhausted, 0);
    const std::uint64_t seq = last_ + 1;

    const std::size_t esp_off = cfg_.udp_encap ? udp_header_size : 0;
    const std::size_t iv_off = esp_off + header_size;
    const std::size_t iv_len = cfg_.iv_size();
    const std::size_t body_off = iv_off + iv_len; // == headroom()
    const mutable_bytes iv = buf.subspan(iv_off, iv_len);
    if (!opt.iv.empty() || (iv_len != 0 && cfg_.cipher == esp::cipher::aes_cbc)) {
      if (!opt.iv.empty()) {
        if (opt.iv.size() != iv_len) return refuse(counters_.bad_request, errc::iv_length_mismatch, iv_off);
        std::memmove(iv.data(), opt.iv.data(), iv_len);
      } else {
        if (gen_.fill == nullptr) return refuse(counters_.bad_request, errc::iv_source_missing, iv_off);
        gen_.fill(gen_.context, iv);
      }
    } else if (iv_len == 8) {
      core::store_be64(iv.data(), seq); // RFC 4106 §3.1, RFC 3686 §3.1, RFC 7634 §2: a counter is a fine IV
    }
    core::store_be32(buf.data() + esp_off, cfg_.spi);
    core::store_be32(buf.data() + esp_off + 4, static_cast<std::uint32_t>(seq));

    // Trailer: TFC zeros, padding 1, 2, 3, ..., pad length, next header.
    std::byte *t = buf.data() + body_off + payload_len;
    if (tfc != 0) std::memset(t, 0, tfc);
    t += tfc;
    const std::size_t pad = cfg_.padding_for(payload_len, tfc);
    for (std::size_t i = 0; i < pad; ++i) t[i] = static_cast<std::byte>(i + 1);
    t[pad] = static_cast<std::byte>(pad);
    t[pad + 1] = static_cast<std::byte>(next_header);
    const std::size_t body_len = payload_len + tfc + pad + 2;
    const mutable_bytes body = buf.subspan(body_off, body_len);
    const mutable_bytes icv = buf.subspan(body_off + body_len, cfg_.icv_size());

    std::array<std::byte, 12> aad_esn;
    bytes_view aad_head = buf.subspan(esp_off, header_size);
    if (cfg_.esn) {
      core::store_be32(aad_esn.data(), cfg_.spi);
      core::store_be32(aad_esn.data() + 4, static_cast<std::uint32_t>(seq >> 32));
      core::store_be32(aad_esn.data() + 8, static_cast<std::uint32_t>(seq));
      aad_head = aad_esn;
    }
    bool ok = false;
    if (cfg_.is_aead()) {
      if (cfg_.cipher == esp::cipher::aes_gmac) {
        // RFC 4543 §3.3: SPI, sequence, IV and the whole payload are AAD.
        ok = crypto_.seal(iv, aad_head, buf.subspan(iv_off, iv_len + body_len), mutable_bytes{}, icv);
      } else {
        ok = crypto_.seal(iv, aad_head, bytes_view{}, body, icv);
      }
    } else {
      ok = crypto_.encrypt(iv, body);
      if (ok) {
        // RFC 4303 §2.2.1: with ESN the high 32 bits follow the packet in the ICV input.
        std::array<std::byte, 4> hi;
        core::store_be32(hi.data(), static_cast<std::uint32_t>(seq >> 32));
        ok = crypto_.compute(buf.subspan(esp_off, header_size + iv_len + body_len),
                             cfg_.esn ? bytes_view(hi) : bytes_view{}, icv);
      }
    }
    if (!ok) return refuse(counters_.crypto_failure, errc::crypto_failure, body_off);

    if (cfg_.udp_encap) {
      core::store_be16(buf.data(), cfg_.udp_source_port);
      core::store_be16(buf.data() + 2, cfg_.udp_destination_port);
      core::store_be16(buf.data() + 4, static_cast<std::uint16_t>(total));
      core::store_be16(buf.data() + 6, 0); // RFC 3948 §2.1: checksum SHOULD be zero (IPv4)
      if (opt.udp_ipv6 != nullptr) core::store_be16(buf.data() + 6, udp6_checksum(*opt.udp_ipv6, buf.first(total)));
    }
    last_ = seq;
    ++counters_.packets;
    counters_.payload_bytes += payload_len;
    return total;
  }

  /// The backend (for tests and key inspection by the embedder).
  [[nodiscard]] Crypto &crypto() noexcept { return crypto_; }

private:
  // RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length,
  // three zero bytes and next header 17; a computed 0 is sent as 0xFFFF.
  static std::uint16_t udp6_checksum(const udp_ipv6_addresses &a, bytes_view udp) noexcept {
    core::checksum_accumulator acc;
    acc.add(a.source);
    acc.add(a.destination);
    acc.add_u32(static_cast<std::uint32_t>(udp.size()));
    acc.add_u32(17);
    acc.add(udp);
    const std::uint16_t c = acc.finish();
    return c == 0 ? std::uint16_t{0xFFFF} : c;
  }

  error_info<errc> refuse(std::uint64_t &counter, errc e, std::size_t offset) noexcept {
    ++counter;
    return fail(e, offset);
  }

  sa_config cfg_{};
  Crypto crypto_{};
  iv_generator gen_{};
  std::uint64_t last_ = 0;
  outbound_counters counters_{};
};

} // namespace esp
} // namespace v1
} // namespace vpnwire
