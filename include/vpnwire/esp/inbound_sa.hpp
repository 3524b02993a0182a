// The receiving side of an ESP SA: decapsulation in place (RFC 4303 §3.4)
// in the order that keeps a forger from changing anything:
//
//   length and SPI -> sequence number (ESN inference) -> replay pre-check
//   -> integrity (AEAD tag, or HMAC compared in constant time before any
//      decryption) -> decryption -> trailer checks -> replay commit
//
// Every failure returns a distinct errc and leaves the replay window exactly
// as it was (only the counter of that drop reason moves). Only bytes inside
// the span handed to decap() are ever read or written.
//
// decap_unverified() is the separate, explicitly named entry point for
// analysis when the integrity key is unknown (a tcpdump secret, a key file
// without the auth key): it locates the ICV by the algorithm's length, skips
// the check, decrypts, and still runs every trailer check. What it delivers
// is marked verified = false and counted apart. decap() never does this.
//
// The same code serves IPv4 and IPv6 outer headers (ESP starts at the SPI
// either way); in tunnel mode the inner packet's own length (IPv4 total
// length, IPv6 40 + payload length) trims TFC padding.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/crypto/concepts.hpp"
#include "vpnwire/esp/detail/constant_time.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/replay_window.hpp"
#include "vpnwire/esp/sa.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// Next Header value of a dummy packet (RFC 4303 §2.6), dropped silently.
inline constexpr std::uint8_t next_header_dummy = 59;
inline constexpr std::uint8_t next_header_ipv4 = 4;
inline constexpr std::uint8_t next_header_ipv6 = 41;

enum class decap_outcome : std::uint8_t {
  delivered, ///< payload holds the inner packet (or transport payload).
  dummy,     ///< A genuine dummy packet (next header 59): nothing to deliver.
};

/// The enumerator's name: "delivered" or "dummy".
[[nodiscard]] constexpr std::string_view name(decap_outcome o) noexcept {
  switch (o) {
  case decap_outcome::delivered: return "delivered";
  case decap_outcome::dummy: return "dummy";
  }
  return "unknown";
}

/// What a successful decap found.
struct decap_output {
  decap_outcome outcome = decap_outcome::delivered;
  /// The decrypted payload: a sub-span of the packet span given to decap,
  /// without TFC padding (tunnel mode), padding, pad length or next header.
  mutable_bytes payload{};
  std::uint8_t next_header = 0;
  std::uint8_t pad_length = 0;
  /// TFC padding bytes trimmed (tunnel mode, by the inner IP length).
  std::size_t tfc_length = 0;
  /// The full 64-bit sequence number (high half inferred with ESN).
  std::uint64_t sequence = 0;
  /// False when decap_unverified() delivered the packet without checking its
  /// ICV: for analysis only, never for forwarding.
  bool verified = true;
};

/// Receiver statistics: one field per outcome and drop reason.
struct inbound_counters {
  std::uint64_t delivered = 0;
  std::uint64_t delivered_bytes = 0;
  std::uint64_t dummy = 0;
  std::uint64_t too_short = 0;
  std::uint64_t spi_mismatch = 0;
  std::uint64_t sequence_zero = 0;
  std::uint64_t replayed = 0;
  std::uint64_t left_of_window = 0;
  std::uint64_t not_block_multiple = 0;
  std::uint64_t icv_mismatch = 0;
  std::uint64_t pad_length_beyond_payload = 0;
  std::uint64_t bad_pad_bytes = 0;
  std::uint64_t inner_length_invalid = 0;
  std::uint64_t crypto_failure = 0;
  /// decap() refused: the SA was made without an integrity key.
  std::uint64_t integrity_key_missing = 0;
  /// Packets and bytes decap_unverified() delivered without an ICV check
  /// (never counted in delivered / delivered_bytes).
  std::uint64_t unverified = 0;
  std::uint64_t unverified_bytes = 0;
};

template <crypto::transform Crypto, std::size_t WindowSize = 64> class inbound_sa {
public:
  using window_type = replay_window<WindowSize>;

  /// An SA that accepts nothing: every decap fails (crypto_failure or
  /// icv_mismatch from an unkeyed backend). Exists so result<inbound_sa> can
  /// hold one; use make() or the keyed constructor.
  inbound_sa() noexcept requires std::default_initializable<Crypto>
  = default;

  /// Precondition: cfg.validate() succeeds and `crypto` is keyed for cfg;
  /// traps otherwise. make() checks both and returns an error instead.
  inbound_sa(const sa_config &cfg, Crypto crypto) noexcept : cfg_(cfg), crypto_(std::move(crypto)) {
    VPNWIRE_ASSERT(cfg.validate().has_value());
  }

  /// Builds an SA that verifies every packet, after checking the config and
  /// that `crypto` was keyed for it (when the backend can say so, see
  /// crypto::describes_keys; otherwise only that both agree on AEAD).
  /// Errors: those of cfg.validate(); transform_mismatch;
  /// integrity_key_missing (the backend was keyed without its integrity key:
  /// see make_unverified()).
  [[nodiscard]] static result<inbound_sa, errc>
  make(const sa_config &cfg, Crypto crypto) noexcept requires std::default_initializable<Crypto> {
    if (auto v = cfg.validate(); !v) return v.error();
    if (auto m = matches(cfg, crypto); !m) return m.error();
    if constexpr (crypto::describes_keys<Crypto>) {
      if (!cfg.is_aead() && !crypto.integrity_keyed()) return fail(errc::integrity_key_missing);
    }
    return inbound_sa(cfg, std::move(crypto), true);
  }

  /// Builds an SA for analysis only, whose integrity key may be unknown:
  /// decap() refuses every packet (integrity_key_missing) and
  /// decap_unverified() reads them. The ICV length comes from
  /// cfg.integrity (or is 0 without one, as in a tcpdump secret lacking
  /// "-hmac96"). Errors: those of cfg.validate_unverified();
  /// transform_mismatch.
  [[nodiscard]] static result<inbound_sa, errc>
  make_unverified(const sa_config &cfg, Crypto crypto) noexcept requires std::default_initializable<Crypto> {
    if (auto v = cfg.validate_unverified(); !v) return v.error();
    if (auto m = matches(cfg, crypto); !m) return m.error();
    return inbound_sa(cfg, std::move(crypto), false);
  }

  [[nodiscard]] const sa_config &config() const noexcept { return cfg_; }
  [[nodiscard]] const inbound_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] const window_type &window() const noexcept { return window_; }
  /// False for an SA built by make_unverified(): decap() refuses its packets.
  [[nodiscard]] bool verifies() const noexcept { return verifies_; }
  /// Restores the window (resuming an SA, or tests): see replay_window::reset.
  void reset_window(std::uint64_t highest_seen) noexcept { window_.reset(highest_seen); }
  [[nodiscard]] std::size_t headroom() const noexcept { return cfg_.headroom(); }
  [[nodiscard]] std::size_t tailroom() const noexcept { return cfg_.tailroom(); }
  [[nodiscard]] std::size_t overhead(std::size_t payload_len, std::size_t tfc_len = 0) const noexcept {
    return cfg_.overhead(payload_len, tfc_len);
  }

  /// Decapsulates the ESP packet `pkt` (starting at the SPI; strip any UDP
  /// header first, see natt.hpp) in place. The outer header may be IPv4 or
  /// IPv6; in tunnel mode the inner packet may be either (next header 4 or 41).
  /// Errors (offsets from the start of pkt), each leaving the window unchanged:
  ///  too_short (size): shorter than header + IV + ICV + 2;
  ///  spi_mismatch (0);
  ///  sequence_zero (4): sequence 0 without ESN (or 64-bit 0 with ESN);
  ///  left_of_window (4): older than the window, or (ESN) outside the 64-bit space;
  ///  replayed (4);
  ///  not_block_multiple (8 + IV): CBC ciphertext not whole blocks;
  ///  icv_mismatch (size - ICV): the packet bytes are left as they were;
  ///  pad_length_beyond_payload (position of the pad length byte);
  ///  bad_pad_bytes (position of the first wrong byte), unless strict_padding is off;
  ///  inner_length_invalid (8 + IV): tunnel mode, IPv4/IPv6 inner header
  ///   missing or its length beyond the payload (or an IPv6 jumbogram);
  ///  crypto_failure: the backend failed after the ICV was verified;
  ///  integrity_key_missing (0): the SA was built by make_unverified().
  [[nodiscard]] result<decap_output, errc> decap(mutable_bytes pkt) noexcept {
    if (!verifies_) return drop(counters_.integrity_key_missing, errc::integrity_key_missing, 0);
    return decap_impl<true>(pkt);
  }

  /// Decapsulates WITHOUT checking the ICV, for analysis of captures whose
  /// integrity key is unknown; never for forwarding. The ICV is located by
  /// the configured algorithm's length and skipped; for AEAD SAs the payload
  /// is decrypted without the tag check when the backend offers it
  /// (crypto::aead_unverified), and otherwise verified as decap() does (then
  /// `verified` is true). Everything else is as decap(): length, SPI, replay
  /// check and commit (a forged packet can move the window, which is why this
  /// is analysis only), decryption, padding and inner-length checks, the
  /// same errors. Delivered packets have verified = false and are counted in
  /// counters().unverified. Works on SAs from make() and make_unverified().
  [[nodiscard]] result<decap_output, errc> decap_unverified(mutable_bytes pkt) noexcept {
    return decap_impl<false>(pkt);
  }

  /// The backend.
  [[nodiscard]] Crypto &crypto() noexcept { return crypto_; }

private:
  inbound_sa(const sa_config &cfg, Crypto &&crypto, bool verifies) noexcept
      : cfg_(cfg), crypto_(std::move(crypto)), verifies_(verifies) {}

  static result<void, errc> matches(const sa_config &cfg, const Crypto &c) noexcept {
    if constexpr (crypto::describes_keys<Crypto>) {
      return c.check_config(cfg);
    } else {
      if (c.is_aead() != cfg.is_aead()) return fail(errc::transform_mismatch);
      return {};
    }
  }

  template <bool Verify> [[nodiscard]] result<decap_output, errc> decap_impl(mutable_bytes pkt) noexcept {
    const std::size_t iv_len = cfg_.iv_size();
    const std::size_t icv_len = cfg_.icv_size();
    if (pkt.size() < header_size + iv_len + icv_len + 2) return drop(counters_.too_short, errc::too_short, pkt.size());
    if (core::load_be32(pkt.data()) != cfg_.spi) return drop(counters_.spi_mismatch, errc::spi_mismatch, 0);

    const std::uint32_t seq_low = core::load_be32(pkt.data() + 4);
    std::uint64_t seq = seq_low;
    if (cfg_.esn) {
      if (!infer_esn(window_.top(), seq_low, WindowSize, seq))
        return drop(counters_.left_of_window, errc::left_of_window, 4);
    }
    if (seq == 0) return drop(counters_.sequence_zero, errc::sequence_zero, 4);
    switch (window_.check(seq)) {
    case replay_check::fresh: break;
    case replay_check::replayed: return drop(counters_.replayed, errc::replayed, 4);
    case replay_check::left_of_window: return drop(counters_.left_of_window, errc::left_of_window, 4);
    }

    const std::size_t body_off = header_size + iv_len;
    const std::size_t body_len = pkt.size() - body_off - icv_len;
    const bytes_view iv = pkt.subspan(header_size, iv_len);
    const mutable_bytes body = pkt.subspan(body_off, body_len);
    const bytes_view icv = pkt.subspan(body_off + body_len, icv_len);
    if (body_len % cfg_.block_size() != 0)
      return drop(counters_.not_block_multiple, errc::not_block_multiple, body_off);

    std::array<std::byte, 12> aad_esn;
    bytes_view aad_head = pkt.first(header_size);
    if (cfg_.esn) {
      core::store_be32(aad_esn.data(), cfg_.spi);
      core::store_be32(aad_esn.data() + 4, static_cast<std::uint32_t>(seq >> 32));
      core::store_be32(aad_esn.data() + 8, seq_low);
      aad_head = aad_esn;
    }
    bool verified = Verify;
    if (cfg_.is_aead()) {
      // GMAC (RFC 4543 §3.3): SPI, sequence, IV and payload are all AAD, nothing is encrypted.
      const bool gmac = cfg_.cipher == esp::cipher::aes_gmac;
      const bytes_view aad_tail = gmac ? bytes_view(pkt.subspan(header_size, iv_len + body_len)) : bytes_view{};
      const mutable_bytes data = gmac ? mutable_bytes{} : body;
      if constexpr (!Verify && crypto::aead_unverified<Crypto>) {
        if (!crypto_.open_unverified(iv, aad_head, aad_tail, data))
          return drop(counters_.crypto_failure, errc::crypto_failure, body_off);
      } else {
        if (!crypto_.open(iv, aad_head, aad_tail, data, icv))
          return drop(counters_.icv_mismatch, errc::icv_mismatch, body_off + body_len);
        verified = true;
      }
    } else {
      if constexpr (Verify) {
        std::array<std::byte, 4> hi;
        core::store_be32(hi.data(), static_cast<std::uint32_t>(seq >> 32));
        std::array<std::byte, 32> expect;
        const mutable_bytes e = mutable_bytes(expect).first(icv_len);
        if (!crypto_.compute(pkt.first(body_off + body_len), cfg_.esn ? bytes_view(hi) : bytes_view{}, e))
          return drop(counters_.crypto_failure, errc::crypto_failure, body_off + body_len);
        if (!detail::constant_time_equal(e, icv))
          return drop(counters_.icv_mismatch, errc::icv_mismatch, body_off + body_len);
      }
      if (!crypto_.decrypt(iv, body)) return drop(counters_.crypto_failure, errc::crypto_failure, body_off);
    }

    // Trailer (RFC 4303 §2.4-2.6): authenticated from here on (unless unverified).
    const auto pad_len = std::to_integer<std::uint8_t>(body[body_len - 2]);
    const auto next_header = std::to_integer<std::uint8_t>(body[body_len - 1]);
    if (pad_len > body_len - 2)
      return drop(counters_.pad_length_beyond_payload, errc::pad_length_beyond_payload, body_off + body_len - 2);
    const std::size_t payload_len = body_len - 2 - pad_len;
    if (cfg_.strict_padding) {
      for (std::size_t i = 0; i < pad_len; ++i) {
        if (std::to_integer<std::size_t>(body[payload_len + i]) != i + 1)
          return drop(counters_.bad_pad_bytes, errc::bad_pad_bytes, body_off + payload_len + i);
      }
    }
    decap_output out;
    out.payload = body.first(payload_len);
    out.next_header = next_header;
    out.pad_length = pad_len;
    out.sequence = seq;
    out.verified = verified;
    if (next_header == next_header_dummy) {
      out.outcome = decap_outcome::dummy;
    } else if (cfg_.mode == sa_mode::tunnel) {
      std::size_t inner = payload_len;
      if (!inner_length(out.payload, next_header, inner))
        return drop(counters_.inner_length_invalid, errc::inner_length_invalid, body_off);
      out.tfc_length = payload_len - inner;
      out.payload = out.payload.first(inner);
    }

    window_.commit(seq);
    if (out.outcome == decap_outcome::dummy) {
      ++counters_.dummy;
    } else if (out.verified) {
      ++counters_.delivered;
      counters_.delivered_bytes += out.payload.size();
    } else {
      ++counters_.unverified;
      counters_.unverified_bytes += out.payload.size();
    }
    return out;
  }

  // Tunnel mode: the inner IP header says how long the inner packet is; the
  // rest is TFC padding (RFC 4303 §2.7). Other next headers are left whole.
  static bool inner_length(bytes_view p, std::uint8_t nh, std::size_t &len) noexcept {
    if (nh == next_header_ipv4) {
      if (p.size() < 20 || (std::to_integer<unsigned>(p[0]) >> 4) != 4) return false;
      const std::size_t total = core::load_be16(p.data() + 2);
      const std::size_t ihl = (std::to_integer<std::size_t>(p[0]) & 0x0F) * 4;
      if (total < 20 || ihl < 20 || ihl > total || total > p.size()) return false;
      len = total;
    } else if (nh == next_header_ipv6) {
      if (p.size() < 40 || (std::to_integer<unsigned>(p[0]) >> 4) != 6) return false;
      const std::size_t payload_length = core::load_be16(p.data() + 4);
      // Payload length 0 with a Hop-by-Hop header is a jumbogram (RFC 2675):
      // its length is elsewhere and ESP (under 65536 bytes) cannot carry one.
      if (payload_length == 0 && p[6] == std::byte{0}) return false;
      const std::size_t total = 40 + payload_length;
      if (total > p.size()) return false;
      len = total;
    }
    return true;
  }

  error_info<errc> drop(std::uint64_t &counter, errc e, std::size_t offset) noexcept {
    ++counter;
    return fail(e, offset);
  }

  sa_config cfg_{};
  Crypto crypto_{};
  window_type window_{};
  inbound_counters counters_{};
  bool verifies_ = true;
};

} // namespace esp
} // namespace v1
} // namespace vpnwire
