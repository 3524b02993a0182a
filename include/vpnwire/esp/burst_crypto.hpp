// How a crypto backend takes a burst: the record of one packet's crypto
// (burst_op), the concept of a backend that runs many of them at once
// (burst_backend), and the adapter that lets the unchanged single-packet SA
// code drive it (burst_adapter).
//
// The ESP framing, the replay window and the trailer checks exist once, in
// outbound_sa::encap and inbound_sa::decap. esp/burst.hpp runs a burst
// through those same functions, and the adapter turns their per-packet
// crypto calls into a batch:
//
//   encap:  adapter records   sa.encap() x N  --> ops --> Backend::run_burst(ops)
//           (seal / encrypt + compute are recorded, not run; the SA finishes
//           its framing and counters, then the whole burst is encrypted)
//   decap:  plan ops (esp/burst.hpp) --> Backend::run_burst(ops)
//           --> adapter primed with op i --> sa.decap() x N
//           (open / compute + decrypt return what the batch found)
//
// A call that does not match the op the adapter holds (different spans or
// bytes) is run for real, so the adapter can never make an SA see results
// that belong to other bytes. Without a bound op (no burst in progress) every
// call goes straight to the backend: the single-packet path costs one branch.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/detail/config.hpp"
#include "vpnwire/esp/crypto/concepts.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace esp {
namespace crypto {

/// What one packet asks of the crypto.
enum class burst_op_kind : std::uint8_t {
  none,             ///< Nothing recorded (the SA refused the packet before any crypto).
  seal,             ///< AEAD encrypt `data` in place and write the tag at `tag`.
  open,             ///< AEAD verify the tag at `tag`, then decrypt `data` in place.
  encrypt_then_mac, ///< Encrypt `data`, then MAC mac[0, mac_len) || mac_tail into `tag`.
  mac_then_decrypt, ///< MAC mac[0, mac_len) || mac_tail into `computed`; if it equals
                    ///< the ICV at `tag`, decrypt `data`.
};

namespace detail {

// Copies of a few bytes whose length is known only at run time but is
// almost always 4, 8, 12 or 16: fixed-size copies the compiler inlines
// instead of a call to memcpy per packet. Cap is the most the destination
// holds (the caller guarantees n <= Cap); no case larger than Cap exists.
template <std::size_t Cap>
VPNWIRE_ALWAYS_INLINE void copy_small(std::byte *dst, const std::byte *src, std::size_t n) noexcept {
  switch (n) {
  case 0: return;
  case 4:
    if constexpr (Cap >= 4) std::memcpy(dst, src, 4);
    return;
  case 8:
    if constexpr (Cap >= 8) std::memcpy(dst, src, 8);
    return;
  case 12:
    if constexpr (Cap >= 12) std::memcpy(dst, src, 12);
    return;
  case 16:
    if constexpr (Cap >= 16) std::memcpy(dst, src, 16);
    return;
  default: std::memcpy(dst, src, n < Cap ? n : Cap); return;
  }
}
[[nodiscard]] VPNWIRE_ALWAYS_INLINE bool equal_small(const std::byte *a, const std::byte *b, std::size_t n) noexcept {
  switch (n) {
  case 0: return true;
  case 4: return std::memcmp(a, b, 4) == 0;
  case 8: return std::memcmp(a, b, 8) == 0;
  case 12: return std::memcmp(a, b, 12) == 0;
  case 16: return std::memcmp(a, b, 16) == 0;
  default: return std::memcmp(a, b, n) == 0;
  }
}

/// a == b over n bytes (an ICV) in time that depends only on n: 8 bytes at a
/// time (the byte-wise esp::detail::constant_time_equal costs as much as the
/// rest of a 64-byte packet's ESP framing).
[[nodiscard]] inline bool icv_equal(const std::byte *a, const std::byte *b, std::size_t n) noexcept {
  std::uint64_t diff = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  for (; i < n; ++i) diff |= std::to_integer<std::uint64_t>(a[i] ^ b[i]);
#if defined(__GNUC__) || defined(__clang__)
  __asm__ volatile("" : "+r"(diff)); // no early exit from the accumulation
#endif
  return diff == 0;
}

} // namespace detail

/// One packet's crypto, with every input that does not live in the packet
/// copied in (the SA builds the ESN AAD and the ESN MAC tail on its stack).
/// Spans into the packet stay valid for the whole burst. The byte arrays are
/// left uninitialised by default construction (a burst builds one op per
/// packet): only their first iv_len / aad_len / mac_tail_len / tag_len bytes
/// are ever read.
template <class Backend> struct burst_op {
  Backend *backend = nullptr; ///< The SA's keys.
  burst_op_kind kind = burst_op_kind::none;
  std::uint8_t iv_len = 0;       ///< Explicit IV as carried in the packet (0, 8 or 16 bytes).
  std::uint8_t aad_len = 0;      ///< AEAD: SPI || sequence (8) or SPI || seq high || seq low (12).
  std::uint8_t mac_tail_len = 0; ///< Cipher + MAC: 4 with ESN (sequence high half), else 0.
  std::uint8_t tag_len = 0;      ///< ICV length.
  std::array<std::byte, 16> iv;
  std::array<std::byte, 12> aad;
  std::array<std::byte, 4> mac_tail;
  const std::byte *aad_tail = nullptr; ///< GMAC: the rest of the AAD (IV and payload), in the packet.
  std::size_t aad_tail_len = 0;
  std::byte *data = nullptr; ///< Cipher region, transformed in place (may be empty).
  std::size_t data_len = 0;
  const std::byte *mac = nullptr; ///< Cipher + MAC: start of the MAC input (the ESP header).
  std::size_t mac_len = 0;
  std::byte *tag = nullptr; ///< seal/encrypt_then_mac: written; open/mac_then_decrypt: the received ICV.

  // Results, set by run_burst.
  std::array<std::byte, 32> computed; ///< mac_then_decrypt: the MAC computed over the packet.
  bool mac_ok = false;                ///< mac_then_decrypt: the MAC could be computed.
  /// seal, encrypt_then_mac: done. open, mac_then_decrypt: the ICV matched and
  /// `data` is decrypted. False otherwise, and then `data` holds what it held
  /// before (a backend restores it when a mismatch is found after decryption).
  bool ok = false;
  bool executed = false; ///< run_burst processed the op.

  /// Owned by the backend while it runs the op (nonces, counter blocks,
  /// saved bytes, state flags); never read by the SA or the adapter.
  std::array<std::byte, 24> scratch;
  std::uint8_t flags = 0;

  /// The recorded inputs and outputs as spans (what run_one hands the
  /// single-packet calls).
  [[nodiscard]] bytes_view iv_bytes() const noexcept { return bytes_view(iv).first(iv_len); }
  [[nodiscard]] bytes_view aad_bytes() const noexcept { return bytes_view(aad).first(aad_len); }
  [[nodiscard]] bytes_view aad_tail_bytes() const noexcept { return {aad_tail, aad_tail_len}; }
  [[nodiscard]] bytes_view mac_bytes() const noexcept { return {mac, mac_len}; }
  [[nodiscard]] bytes_view mac_tail_bytes() const noexcept { return bytes_view(mac_tail).first(mac_tail_len); }
  [[nodiscard]] mutable_bytes data_bytes() const noexcept { return {data, data_len}; }
  [[nodiscard]] mutable_bytes tag_bytes() const noexcept { return {tag, tag_len}; }
};

/// A transform that also runs a whole burst of ops (possibly of many SAs, all
/// of this backend type) in one call, in any internal order. For every op it
/// sets `executed` and the results described in burst_op.
template <class T>
concept burst_backend = transform<T> && requires(std::span<burst_op<T>> ops) {
  { T::run_burst(ops) }
  noexcept->std::same_as<void>;
};

/// Runs one op through a transform's single-packet calls: the meaning of
/// every op kind, for backends without a batch (and the reference the batch
/// backends are tested against).
template <transform T> void run_one(burst_op<T> &op) noexcept {
  T &t = *op.backend;
  op.executed = true;
  switch (op.kind) {
  case burst_op_kind::none: op.ok = false; return;
  case burst_op_kind::seal:
    op.ok = t.seal(op.iv_bytes(), op.aad_bytes(), op.aad_tail_bytes(), op.data_bytes(), op.tag_bytes());
    return;
  case burst_op_kind::open:
    op.ok = t.open(op.iv_bytes(), op.aad_bytes(), op.aad_tail_bytes(), op.data_bytes(), op.tag_bytes());
    return;
  case burst_op_kind::encrypt_then_mac:
    op.ok = t.encrypt(op.iv_bytes(), op.data_bytes()) && t.compute(op.mac_bytes(), op.mac_tail_bytes(), op.tag_bytes());
    return;
  case burst_op_kind::mac_then_decrypt: {
    const mutable_bytes computed = mutable_bytes(op.computed).first(op.tag_len);
    op.mac_ok = t.compute(op.mac_bytes(), op.mac_tail_bytes(), computed);
    op.ok = op.mac_ok && detail::icv_equal(computed.data(), op.tag, op.tag_len) &&
            t.decrypt(op.iv_bytes(), op.data_bytes());
    return;
  }
  }
}

/// Runs ops one by one (backends without a batch call).
template <transform T> void run_each(std::span<burst_op<T>> ops) noexcept {
  for (burst_op<T> &op : ops) run_one(op);
}

/// Puts `data` of an executed open/mac_then_decrypt op back as it was before
/// decryption (encrypting again with the same IV and keys restores the
/// ciphertext exactly: CTR, GCM and ChaCha20 XOR the same keystream, CBC
/// encryption is the inverse of CBC decryption). The tag is not touched.
template <transform T> bool restore(burst_op<T> &op) noexcept {
  T &t = *op.backend;
  if (op.data_len == 0) return true;
  if (op.kind == burst_op_kind::open) {
    std::array<std::byte, 16> scratch{};
    return t.seal(op.iv_bytes(), op.aad_bytes(), op.aad_tail_bytes(), op.data_bytes(),
                  mutable_bytes(scratch).first(op.tag_len < 16 ? op.tag_len : 16));
  }
  if (op.kind == burst_op_kind::mac_then_decrypt) return t.encrypt(op.iv_bytes(), op.data_bytes());
  return true;
}

/// Wraps a backend so that esp::encap_burst / esp::decap_burst can batch its
/// crypto. Use it as the SA's crypto type:
///
///   using rx_sa = esp::inbound_sa<esp::crypto::burst_adapter<esp::crypto::ipsec_mb_transform>>;
///
/// Any esp::crypto::transform can be wrapped; one with a run_burst (a
/// burst_backend) gets its batch, any other runs the ops one by one. Outside
/// a burst every call is forwarded unchanged.
template <transform Backend> class burst_adapter {
public:
  using backend_type = Backend;
  using op_type = burst_op<Backend>;

  burst_adapter() noexcept = default;
  /// Wraps a keyed backend.
  explicit burst_adapter(Backend b) noexcept : backend_(std::move(b)) {}

  /// The wrapped backend.
  [[nodiscard]] Backend &backend() noexcept { return backend_; }
  [[nodiscard]] const Backend &backend() const noexcept { return backend_; }
  /// The backend's is_aead().
  [[nodiscard]] bool is_aead() const noexcept { return backend_.is_aead(); }

  // --- the transform calls the SA makes ---------------------------------
  // Each is the backend's call of the same name (esp/crypto/concepts.hpp)
  // outside a burst. While recording (encap_burst) seal, encrypt and compute
  // store their arguments in the op and return true; while primed
  // (decap_burst) open, compute and decrypt return the executed op's results
  // when their arguments are the op's, and otherwise undo the batch's work on
  // the packet and run for real. They fail exactly when the backend's call
  // would.

  [[nodiscard]] bool seal(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                          mutable_bytes tag_out) noexcept {
    if (VPNWIRE_UNLIKELY(op_ != nullptr) && recording_ && op_->kind == burst_op_kind::none &&
        record_aead(iv, aad_head, aad_tail, data, tag_out))
      return true;
    return backend_.seal(iv, aad_head, aad_tail, data, tag_out);
  }
  [[nodiscard]] bool open(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                          bytes_view tag_in) noexcept {
    if (VPNWIRE_UNLIKELY(op_ != nullptr) && !recording_) {
      if (op_->kind == burst_op_kind::open && op_->executed && matches_aead(iv, aad_head, aad_tail, data, tag_in)) {
        consumed_ = true;
        return op_->ok;
      }
      settle();
    }
    return backend_.open(iv, aad_head, aad_tail, data, tag_in);
  }
  [[nodiscard]] bool encrypt(bytes_view iv, mutable_bytes data) noexcept {
    if (VPNWIRE_UNLIKELY(op_ != nullptr) && recording_ && op_->kind == burst_op_kind::none && iv.size() <= 16) {
      op_->kind = burst_op_kind::encrypt_then_mac;
      copy_iv(iv);
      op_->data = data.data();
      op_->data_len = data.size();
      return true;
    }
    return backend_.encrypt(iv, data);
  }
  [[nodiscard]] bool decrypt(bytes_view iv, mutable_bytes data) noexcept {
    if (VPNWIRE_UNLIKELY(op_ != nullptr) && !recording_) {
      // Only after compute() matched this op (the SA verified the ICV it returned).
      if (mac_matched_ && iv.size() == op_->iv_len && detail::equal_small(iv.data(), op_->iv.data(), iv.size()) &&
          data.data() == op_->data && data.size() == op_->data_len) {
        consumed_ = true;
        return op_->ok;
      }
      settle();
    }
    return backend_.decrypt(iv, data);
  }
  [[nodiscard]] bool compute(bytes_view part1, bytes_view part2, mutable_bytes out) noexcept {
    if (VPNWIRE_UNLIKELY(op_ != nullptr)) {
      if (recording_) {
        if (op_->kind == burst_op_kind::encrypt_then_mac && op_->mac == nullptr && part2.size() <= 4 &&
            out.size() <= 32) {
          op_->mac = part1.data();
          op_->mac_len = part1.size();
          op_->mac_tail_len = static_cast<std::uint8_t>(part2.size());
          detail::copy_small<4>(op_->mac_tail.data(), part2.data(), part2.size());
          op_->tag = out.data();
          op_->tag_len = static_cast<std::uint8_t>(out.size());
          return true;
        }
        // Not the shape we batch: run what was recorded so far for real.
        flush_recorded();
      } else {
        if (op_->kind == burst_op_kind::mac_then_decrypt && op_->executed && !mac_matched_ &&
            part1.data() == op_->mac && part1.size() == op_->mac_len && part2.size() == op_->mac_tail_len &&
            detail::equal_small(part2.data(), op_->mac_tail.data(), part2.size()) && out.size() == op_->tag_len) {
          if (!op_->mac_ok) {
            consumed_ = true;
            return false;
          }
          detail::copy_small<32>(out.data(), op_->computed.data(), out.size());
          mac_matched_ = true;
          // ok == false: the ICV differs (the SA stops here, and the backend
          // left the data as it was) or decryption failed (decrypt() below
          // reports it); either way nothing is left to restore.
          if (!op_->ok) consumed_ = true;
          return true;
        }
        settle();
      }
    }
    return backend_.compute(part1, part2, out);
  }

  // --- used by esp/burst.hpp ----------------------------------------------

  /// Encap: the next seal, or encrypt + compute, are recorded into `op`
  /// (which must be empty) instead of being run.
  void record_into(op_type &op) noexcept {
    op.backend = &backend_;
    op_ = &op;
    recording_ = true;
    consumed_ = false;
    mac_matched_ = false;
  }
  /// Decap: the next open, or compute + decrypt, return the results of the
  /// executed `op` when their arguments are the op's.
  void prime(op_type &op) noexcept {
    op_ = &op;
    recording_ = false;
    consumed_ = false;
    mac_matched_ = false;
  }
  /// Ends record_into/prime. Recording: an op left half-recorded (encrypt
  /// without compute) is run now. Priming: an executed op whose decrypted
  /// data the SA never took is restored, so the packet holds its original
  /// bytes as if the batch had not touched it.
  void release() noexcept {
    if (op_ == nullptr) return;
    if (recording_) {
      if (op_->kind == burst_op_kind::encrypt_then_mac && op_->mac == nullptr) flush_recorded();
    } else {
      settle();
    }
    op_ = nullptr;
  }

private:
  void copy_iv(bytes_view iv) noexcept {
    op_->iv_len = static_cast<std::uint8_t>(iv.size());
    detail::copy_small<16>(op_->iv.data(), iv.data(), iv.size());
  }
  bool record_aead(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                   mutable_bytes tag_out) noexcept {
    if (iv.size() > 16 || aad_head.size() > 12 || tag_out.size() > 32) return false;
    op_->kind = burst_op_kind::seal;
    copy_iv(iv);
    op_->aad_len = static_cast<std::uint8_t>(aad_head.size());
    detail::copy_small<12>(op_->aad.data(), aad_head.data(), aad_head.size());
    op_->aad_tail = aad_tail.data();
    op_->aad_tail_len = aad_tail.size();
    op_->data = data.data();
    op_->data_len = data.size();
    op_->tag = tag_out.data();
    op_->tag_len = static_cast<std::uint8_t>(tag_out.size());
    return true;
  }
  [[nodiscard]] bool matches_aead(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                                  bytes_view tag_in) const noexcept {
    const op_type &o = *op_;
    return iv.size() == o.iv_len && aad_head.size() == o.aad_len && data.data() == o.data &&
           data.size() == o.data_len && aad_tail.data() == o.aad_tail && aad_tail.size() == o.aad_tail_len &&
           tag_in.data() == o.tag && tag_in.size() == o.tag_len &&
           detail::equal_small(iv.data(), o.iv.data(), iv.size()) &&
           detail::equal_small(aad_head.data(), o.aad.data(), aad_head.size());
  }
  // The encap recorded an encrypt but then asked for something the batch
  // does not take: run the encrypt now, so the packet is as the SA expects.
  void flush_recorded() noexcept {
    op_type &o = *op_;
    if (o.kind == burst_op_kind::encrypt_then_mac && o.mac == nullptr) {
      const bool ok = backend_.encrypt(o.iv_bytes(), o.data_bytes());
      o = op_type{};
      o.backend = &backend_;
      o.executed = true;
      o.ok = ok;
    }
    recording_ = false;
    op_ = nullptr;
  }
  // Priming: detach; if the batch decrypted data the SA never took, restore it.
  void settle() noexcept {
    if (op_ == nullptr) return;
    op_type &o = *op_;
    if (!consumed_ && o.executed && o.ok) {
      (void)restore(o);
      o.ok = false;
    }
    op_ = nullptr;
  }

  Backend backend_{};
  op_type *op_ = nullptr;
  bool recording_ = false;
  bool consumed_ = false;
  bool mac_matched_ = false;
};

/// True for SA crypto types that esp/burst.hpp can batch.
template <class T> inline constexpr bool is_burst_adapter = false;
template <class B> inline constexpr bool is_burst_adapter<burst_adapter<B>> = true;

/// Runs a burst of ops of one backend type: the backend's batch if it has
/// one, else one by one.
template <transform Backend> void run_burst(std::span<burst_op<Backend>> ops) noexcept {
  if constexpr (burst_backend<Backend>) {
    Backend::run_burst(ops);
  } else {
    run_each(ops);
  }
}

} // namespace crypto
} // namespace esp
} // namespace v1
} // namespace vpnwire
