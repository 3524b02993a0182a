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
#include <cstddef>
#include <cstdint>
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
};

template <crypto::transform Crypto, std::size_t WindowSize = 64> class inbound_sa {
public:
  using window_type = replay_window<WindowSize>;

  /// Precondition: cfg.validate() succeeds and `crypto` is keyed for cfg; traps otherwise.
  inbound_sa(const sa_config &cfg, Crypto crypto) noexcept : cfg_(cfg), crypto_(std::move(crypto)) {
    VPNWIRE_ASSERT(cfg.validate().has_value());
  }

  [[nodiscard]] const sa_config &config() const noexcept { return cfg_; }
  [[nodiscard]] const inbound_counters &counters() const noexcept { return counters_; }
  [[nodiscard]] const window_type &window() const noexcept { return window_; }
  /// Restores the window (resuming an SA, or tests): see replay_window::reset.
  void reset_window(std::uint64_t highest_seen) noexcept { window_.reset(highest_seen); }
  [[nodiscard]] std::size_t headroom() const noexcept { return cfg_.headroom(); }
  [[nodiscard]] std::size_t tailroom() const noexcept { return cfg_.tailroom(); }
  [[nodiscard]] std::size_t overhead(std::size_t payload_len, std::size_t tfc_len = 0) const noexcept {
    return cfg_.overhead(payload_len, tfc_len);
  }

  /// Decapsulates the ESP packet `pkt` (starting at the SPI; strip any UDP
  /// header first, see natt.hpp) in place.
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
  ///   missing or its length beyond the payload;
  ///  crypto_failure: the backend failed after the ICV was verified.
  [[nodiscard]] result<decap_output, errc> decap(mutable_bytes pkt) noexcept {
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
    if (cfg_.is_aead()) {
      const bool ok =
          cfg_.cipher == esp::cipher::aes_gmac
              ? crypto_.open(iv, aad_head, pkt.subspan(header_size, iv_len + body_len), mutable_bytes{}, icv)
              : crypto_.open(iv, aad_head, bytes_view{}, body, icv);
      if (!ok) return drop(counters_.icv_mismatch, errc::icv_mismatch, body_off + body_len);
    } else {
      std::array<std::byte, 4> hi;
      core::store_be32(hi.data(), static_cast<std::uint32_t>(seq >> 32));
      std::array<std::byte, 32> expect;
      const mutable_bytes e = mutable_bytes(expect).first(icv_len);
      if (!crypto_.compute(pkt.first(body_off + body_len), cfg_.esn ? bytes_view(hi) : bytes_view{}, e))
        return drop(counters_.crypto_failure, errc::crypto_failure, body_off + body_len);
      if (!detail::constant_time_equal(e, icv))
        return drop(counters_.icv_mismatch, errc::icv_mismatch, body_off + body_len);
      if (!crypto_.decrypt(iv, body)) return drop(counters_.crypto_failure, errc::crypto_failure, body_off);
    }

    // Trailer (RFC 4303 §2.4-2.6), authenticated from here on.
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
    } else {
      ++counters_.delivered;
      counters_.delivered_bytes += out.payload.size();
    }
    return out;
  }

  /// The backend.
  [[nodiscard]] Crypto &crypto() noexcept { return crypto_; }

private:
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
      const std::size_t total = 40 + std::size_t{core::load_be16(p.data() + 4)};
      if (total > p.size()) return false;
      len = total;
    }
    return true;
  }

  error_info<errc> drop(std::uint64_t &counter, errc e, std::size_t offset) noexcept {
    ++counter;
    return fail(e, offset);
  }

  sa_config cfg_;
  Crypto crypto_;
  window_type window_{};
  inbound_counters counters_{};
};

} // namespace esp
} // namespace v1
} // namespace vpnwire
