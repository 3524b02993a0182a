// intel-ipsec-mb backend for the ESP codec (libIPSec_MB 1.x, Debian
// libipsec-mb-dev): the multi-buffer job API that DPDK's aesni_mb and
// aesni_gcm drivers use. One ipsec_mb_manager per thread owns the library's
// job manager (IMB_MGR, the lanes); one ipsec_mb_transform per SA holds the
// expanded keys and, for HMAC, the hashed ipad/opad blocks.
//
//   auto mgr = esp::crypto::ipsec_mb_manager::make();            // CPU dispatch by the library
//   auto t   = esp::crypto::ipsec_mb_transform::make(*mgr, cfg, key, auth_key);
//   esp::inbound_sa<esp::crypto::ipsec_mb_burst> rx(cfg, esp::crypto::ipsec_mb_burst(std::move(*t)));
//   esp::decap_burst(std::span(packets), std::span(results));     // esp/burst.hpp
//
// Single packets (seal, open, encrypt, decrypt, compute) submit one job and
// flush it; bursts (run_burst) submit every job of the burst, then flush, so
// AES-CBC, AES-CTR and HMAC of many packets run in parallel lanes.
// ChaCha20-Poly1305 goes through jobs too, which the library processes one
// by one; AES-GCM, which the library also has no lanes for, goes through its
// direct GCM calls, the code a GCM job runs, without the job's overhead.
//
// Algorithms: AES-GCM and AES-GMAC (128, 192, 256), ChaCha20-Poly1305,
// AES-CBC and AES-CTR (128, 192, 256) and ENCR_NULL, each non-AEAD one with
// HMAC-SHA1-96, HMAC-SHA256-128, HMAC-SHA384-192 or HMAC-SHA512-256.
// GMAC is run packet by packet (its AAD is the whole packet, which the job
// API only takes contiguous); everything else is batched.
//
// The only vpnwire header that includes intel-ipsec-mb.h. Link with
// vpnwire::ipsec_mb (defined when the library is found).
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/esp/burst_crypto.hpp"
#include "vpnwire/esp/crypto/concepts.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/sa.hpp"

#include <intel-ipsec-mb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace esp {
namespace crypto {

/// Which code path of the library a manager uses.
enum class ipsec_mb_arch : std::uint8_t {
  automatic, ///< The best the CPU supports (init_mb_mgr_auto).
  sse,       ///< SSE4.2 + AES-NI (+ SHA-NI when present): works on any x86-64 with AES-NI.
  avx,
  avx2,
  avx512,
};

[[nodiscard]] constexpr std::string_view name(ipsec_mb_arch a) noexcept {
  switch (a) {
  case ipsec_mb_arch::automatic: return "automatic";
  case ipsec_mb_arch::sse: return "sse";
  case ipsec_mb_arch::avx: return "avx";
  case ipsec_mb_arch::avx2: return "avx2";
  case ipsec_mb_arch::avx512: return "avx512";
  }
  return "unknown";
}

/// One thread's job manager. Every transform made from it, and every burst
/// of those transforms, must run on the thread that uses the manager, and the
/// manager must outlive them. Move-only.
class ipsec_mb_manager {
public:
  /// Largest input one single-packet compute() with a second part, or one
  /// GMAC, can take (it is assembled contiguously in a scratch buffer).
  static constexpr std::size_t scratch_size = 65536 + 64;

  ipsec_mb_manager() noexcept = default;
  ipsec_mb_manager(const ipsec_mb_manager &) = delete;
  ipsec_mb_manager &operator=(const ipsec_mb_manager &) = delete;
  ipsec_mb_manager(ipsec_mb_manager &&o) noexcept
      : mgr_(std::exchange(o.mgr_, nullptr)), scratch_(std::move(o.scratch_)), arch_(o.arch_) {}
  ipsec_mb_manager &operator=(ipsec_mb_manager &&o) noexcept {
    if (this != &o) {
      reset();
      mgr_ = std::exchange(o.mgr_, nullptr);
      scratch_ = std::move(o.scratch_);
      arch_ = o.arch_;
    }
    return *this;
  }
  ~ipsec_mb_manager() { reset(); }

  /// Allocates and initialises a job manager for `arch` (automatic: the
  /// library picks the best path for this CPU). Allocates once, here.
  /// Errors: crypto_failure when the library cannot allocate the manager or
  /// the CPU lacks what `arch` needs (e.g. avx512 on an AVX2 machine).
  [[nodiscard]] static result<ipsec_mb_manager, errc> make(ipsec_mb_arch arch = ipsec_mb_arch::automatic) noexcept {
    ipsec_mb_manager m;
    m.mgr_ = alloc_mb_mgr(0);
    m.scratch_.reset(new (std::nothrow) std::byte[scratch_size]);
    if (m.mgr_ == nullptr || !m.scratch_) return fail(errc::crypto_failure);
    IMB_ARCH used = IMB_ARCH_NONE;
    switch (arch) {
    case ipsec_mb_arch::automatic: init_mb_mgr_auto(m.mgr_, &used); break;
    case ipsec_mb_arch::sse: init_mb_mgr_sse(m.mgr_); break;
    case ipsec_mb_arch::avx: init_mb_mgr_avx(m.mgr_); break;
    case ipsec_mb_arch::avx2: init_mb_mgr_avx2(m.mgr_); break;
    case ipsec_mb_arch::avx512: init_mb_mgr_avx512(m.mgr_); break;
    }
    if (imb_get_errno(m.mgr_) != 0) return fail(errc::crypto_failure);
    if (arch == ipsec_mb_arch::automatic) {
      switch (used) {
      case IMB_ARCH_SSE: m.arch_ = ipsec_mb_arch::sse; break;
      case IMB_ARCH_AVX: m.arch_ = ipsec_mb_arch::avx; break;
      case IMB_ARCH_AVX2: m.arch_ = ipsec_mb_arch::avx2; break;
      case IMB_ARCH_AVX512: m.arch_ = ipsec_mb_arch::avx512; break;
      default: return fail(errc::crypto_failure); // no AES-NI: not a path we support
      }
    } else {
      m.arch_ = arch;
    }
    return m;
  }

  /// The code path in use (never automatic once made).
  [[nodiscard]] ipsec_mb_arch arch() const noexcept { return arch_; }
  /// The library's manager, for embedders that also submit their own jobs
  /// (they must flush them before a vpnwire burst or single call).
  [[nodiscard]] IMB_MGR *get() const noexcept { return mgr_; }
  /// The library's version string, e.g. "1.3.0".
  [[nodiscard]] static std::string_view version() noexcept { return imb_get_version_str(); }

private:
  friend class ipsec_mb_transform;
  void reset() noexcept {
    if (mgr_ != nullptr) free_mb_mgr(mgr_);
    mgr_ = nullptr;
  }

  IMB_MGR *mgr_ = nullptr;
  std::unique_ptr<std::byte[]> scratch_{};
  ipsec_mb_arch arch_ = ipsec_mb_arch::automatic;
};

/// An SA's keys in the form the library's jobs take. Copyable and movable
/// (plain key material, no handles); create with make().
class ipsec_mb_transform {
public:
  ipsec_mb_transform() noexcept = default;

  /// Expands the keys for `cfg` with `mgr`'s code path. cipher_key is the
  /// whole encryption key material (AES key, then the 4-byte salt/nonce for
  /// CTR, GCM, GMAC and ChaCha20-Poly1305); integrity_key is the HMAC key
  /// (empty for AEAD). `mgr` must outlive the transform.
  /// Errors: the errors of cfg.validate(); key_length_mismatch when a key is
  /// not cfg.cipher_key_size() / cfg.integrity_key_size() bytes;
  /// crypto_failure when `mgr` was not made, or the configuration uses an
  /// algorithm this backend does not implement.
  [[nodiscard]] static result<ipsec_mb_transform, errc> make(const ipsec_mb_manager &mgr, const sa_config &cfg,
                                                             bytes_view cipher_key, bytes_view integrity_key) noexcept {
    if (auto v = cfg.validate(); !v) return v.error();
    if (cipher_key.size() != cfg.cipher_key_size() || integrity_key.size() != cfg.integrity_key_size())
      return fail(errc::key_length_mismatch);
    if (mgr.mgr_ == nullptr) return fail(errc::crypto_failure);
    ipsec_mb_transform t;
    t.mgr_ = mgr.mgr_;
    t.scratch_ = mgr.scratch_.get();
    t.cipher_ = cfg.cipher;
    t.aead_ = cfg.is_aead();
    t.icv_len_ = static_cast<std::uint8_t>(cfg.icv_size());
    const std::size_t aes_len = cfg.cipher == esp::cipher::aes_cbc ? cipher_key.size() : cipher_key.size() - 4;
    if (cfg.cipher != esp::cipher::null && cfg.cipher != esp::cipher::aes_cbc)
      std::memcpy(t.salt_.data(), cipher_key.data() + aes_len, 4);
    t.key_len_ = aes_len;
    IMB_MGR *m = t.mgr_;
    const void *k = cipher_key.data();
    switch (cfg.cipher) {
    case esp::cipher::null: t.cmode_ = IMB_CIPHER_NULL; break;
    case esp::cipher::aes_cbc:
    case esp::cipher::aes_ctr:
      t.cmode_ = cfg.cipher == esp::cipher::aes_cbc ? IMB_CIPHER_CBC : IMB_CIPHER_CNTR;
      if (aes_len == 16)
        IMB_AES_KEYEXP_128(m, k, t.enc_keys_.data(), t.dec_keys_.data());
      else if (aes_len == 24)
        IMB_AES_KEYEXP_192(m, k, t.enc_keys_.data(), t.dec_keys_.data());
      else
        IMB_AES_KEYEXP_256(m, k, t.enc_keys_.data(), t.dec_keys_.data());
      break;
    case esp::cipher::aes_gcm:
    case esp::cipher::aes_gmac:
      t.cmode_ = IMB_CIPHER_GCM;
      t.hash_ = IMB_AUTH_AES_GMAC;
      if (aes_len == 16)
        IMB_AES128_GCM_PRE(m, k, &t.gcm_);
      else if (aes_len == 24)
        IMB_AES192_GCM_PRE(m, k, &t.gcm_);
      else
        IMB_AES256_GCM_PRE(m, k, &t.gcm_);
      break;
    case esp::cipher::chacha20_poly1305:
      t.cmode_ = IMB_CIPHER_CHACHA20_POLY1305;
      t.hash_ = IMB_AUTH_CHACHA20_POLY1305;
      std::memcpy(t.chacha_key_.data(), cipher_key.data(), 32);
      break;
    default: return fail(errc::crypto_failure);
    }
    if (!t.aead_ && !t.hmac_precompute(cfg.integrity, integrity_key)) return fail(errc::crypto_failure);
    return t;
  }

  [[nodiscard]] bool is_aead() const noexcept { return aead_; }

  /// AEAD encrypt in place (GCM, GMAC with empty data, ChaCha20-Poly1305).
  [[nodiscard]] bool seal(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                          mutable_bytes tag_out) noexcept {
    return aead_single(burst_op_kind::seal, iv, aad_head, aad_tail, data, tag_out);
  }
  /// AEAD verify and decrypt in place; on a tag mismatch `data` is left as
  /// it was given (re-encrypted with the same keystream).
  [[nodiscard]] bool open(bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                          bytes_view tag_in) noexcept {
    // The op's tag pointer is only read for open.
    return aead_single(burst_op_kind::open, iv, aad_head, aad_tail, data,
                       mutable_bytes(const_cast<std::byte *>(tag_in.data()), tag_in.size()));
  }
  /// Cipher-only encrypt in place (NULL, AES-CBC without padding, AES-CTR).
  [[nodiscard]] bool encrypt(bytes_view iv, mutable_bytes data) noexcept {
    return cipher_single(IMB_DIR_ENCRYPT, iv, data);
  }
  /// Cipher-only decrypt in place.
  [[nodiscard]] bool decrypt(bytes_view iv, mutable_bytes data) noexcept {
    return cipher_single(IMB_DIR_DECRYPT, iv, data);
  }
  /// HMAC of part1 || part2 truncated to out.size() bytes. False for an
  /// empty message, which the library refuses (ESP always authenticates at
  /// least its 8-byte header).
  [[nodiscard]] bool compute(bytes_view part1, bytes_view part2, mutable_bytes out) noexcept {
    if (aead_ || out.size() > digest_len_ || mgr_ == nullptr || part1.size() + part2.size() == 0) return false;
    bytes_view input = part1;
    if (!part2.empty()) {
      if (part1.size() + part2.size() > ipsec_mb_manager::scratch_size) return false;
      if (!part1.empty()) std::memcpy(scratch_, part1.data(), part1.size());
      std::memcpy(scratch_ + part1.size(), part2.data(), part2.size());
      input = bytes_view(scratch_, part1.size() + part2.size());
    }
    // The library produces the configured ICV length or the full digest.
    std::array<std::byte, 64> full{};
    const std::size_t len = out.size() == icv_len_ ? icv_len_ : digest_len_;
    IMB_JOB *j = IMB_GET_NEXT_JOB(mgr_);
    clear_job(*j);
    j->cipher_mode = IMB_CIPHER_NULL;
    j->cipher_direction = IMB_DIR_ENCRYPT;
    j->chain_order = IMB_ORDER_HASH_CIPHER;
    j->src = core::uc(input.data());
    j->dst = core::uc(scratch_);
    j->hash_alg = hash_;
    j->hash_start_src_offset_in_bytes = 0;
    j->msg_len_to_hash_in_bytes = input.size();
    j->auth_tag_output = core::uc(full.data());
    j->auth_tag_output_len_in_bytes = len;
    j->u.HMAC._hashed_auth_key_xor_ipad = ipad_.data();
    j->u.HMAC._hashed_auth_key_xor_opad = opad_.data();
    if (!submit_and_wait(j)) return false;
    if (!out.empty()) std::memcpy(out.data(), full.data(), out.size());
    return true;
  }

  /// Runs a burst: every batchable op is submitted to its manager (in op
  /// order; ops of transforms of different managers are flushed manager by
  /// manager), then the managers are flushed; AES-GCM ops run through the
  /// direct GCM calls as they come; GMAC ops, and ops of a shape the job API
  /// does not take, run one by one afterwards. For open and
  /// mac_then_decrypt the computed tag is compared (in constant time) with
  /// the packet's; on a mismatch the decrypted data is encrypted again, so a
  /// failed op leaves the packet's bytes as they were.
  static void run_burst(std::span<burst_op<ipsec_mb_transform>> ops) noexcept {
    IMB_MGR *cur = nullptr;
    for (op_type &op : ops) {
      op.executed = false;
      if (op.kind == burst_op_kind::none || op.backend == nullptr || op.backend->mgr_ == nullptr) {
        op.executed = true;
        op.ok = false;
        continue;
      }
      ipsec_mb_transform &t = *op.backend;
      if (!t.batchable(op)) continue;
      if (t.cipher_ == esp::cipher::aes_gcm) {
        // The library has no parallel lanes for GCM: its job manager calls
        // the same single-buffer code, so call it directly and save the
        // job's ~12 ns (measured at 64 bytes, AVX-512).
        t.gcm_direct(op);
        continue;
      }
      if (t.mgr_ != cur) {
        if (cur != nullptr) drain(cur);
        cur = t.mgr_;
      }
      IMB_JOB *j = IMB_GET_NEXT_JOB(cur);
      t.fill(*j, op);
      // Unchecked submit: make() validated the keys and algorithm, and
      // batchable() every length the checked submit would look at (the
      // single-packet calls keep the checked one).
      for (IMB_JOB *done = IMB_SUBMIT_JOB_NOCHECK(cur); done != nullptr; done = IMB_GET_COMPLETED_JOB(cur))
        finish(*done);
    }
    if (cur != nullptr) drain(cur);
    for (op_type &op : ops) {
      if (!op.executed) {
        // Only the per-packet calls of this backend: they submit and flush
        // their own job on an idle manager.
        run_one(op);
      } else if (op.flags == needs_restore) {
        (void)restore(op);
        op.flags = 0;
      }
    }
  }

private:
  using op_type = burst_op<ipsec_mb_transform>;
  static constexpr std::uint8_t needs_restore = 1;

  static void clear_job(IMB_JOB &j) noexcept {
    // The manager reuses job slots: every field a previous job may have set
    // and this one reads gets a value.
    j.enc_keys = nullptr;
    j.dec_keys = nullptr;
    j.key_len_in_bytes = 0;
    j.src = nullptr;
    j.dst = nullptr;
    j.cipher_start_src_offset_in_bytes = 0;
    j.msg_len_to_cipher_in_bytes = 0;
    j.hash_start_src_offset_in_bytes = 0;
    j.msg_len_to_hash_in_bytes = 0;
    j.iv = nullptr;
    j.iv_len_in_bytes = 0;
    j.auth_tag_output = nullptr;
    j.auth_tag_output_len_in_bytes = 0;
    j.hash_alg = IMB_AUTH_NULL;
    j.user_data = nullptr;
    j.user_data2 = nullptr;
  }

  // Waits for one job submitted on an idle manager.
  bool submit_and_wait(IMB_JOB *j) noexcept {
    j->user_data = nullptr;
    bool ok = false;
    bool seen = false;
    for (IMB_JOB *done = IMB_SUBMIT_JOB(mgr_); done != nullptr; done = IMB_GET_COMPLETED_JOB(mgr_)) {
      if (done == j) {
        seen = true;
        ok = done->status == IMB_STATUS_COMPLETED;
      }
    }
    for (IMB_JOB *done = IMB_FLUSH_JOB(mgr_); done != nullptr; done = IMB_FLUSH_JOB(mgr_)) {
      if (done == j) {
        seen = true;
        ok = done->status == IMB_STATUS_COMPLETED;
      }
    }
    return seen && ok;
  }

  bool cipher_single(IMB_CIPHER_DIRECTION dir, bytes_view iv, mutable_bytes data) noexcept {
    if (aead_ || mgr_ == nullptr) return false;
    if (cipher_ == esp::cipher::null) return iv.empty();
    std::array<std::byte, 16> block{};
    if (cipher_ == esp::cipher::aes_cbc) {
      if (iv.size() != 16 || data.size() % 16 != 0) return false;
      std::memcpy(block.data(), iv.data(), 16);
    } else {
      if (iv.size() != 8) return false;
      counter_block(block, iv.data());
    }
    if (data.empty()) return true;
    IMB_JOB *j = IMB_GET_NEXT_JOB(mgr_);
    clear_job(*j);
    set_cipher(*j, dir, block.data());
    j->chain_order = IMB_ORDER_CIPHER_HASH;
    j->src = core::uc(data.data());
    j->dst = core::uc(data.data());
    j->msg_len_to_cipher_in_bytes = data.size();
    j->hash_alg = IMB_AUTH_NULL;
    return submit_and_wait(j);
  }

  bool aead_single(burst_op_kind kind, bytes_view iv, bytes_view aad_head, bytes_view aad_tail, mutable_bytes data,
                   mutable_bytes tag) noexcept {
    if (!aead_ || mgr_ == nullptr || iv.size() != 8) return false;
    op_type op;
    op.backend = this;
    op.kind = kind;
    op.iv_len = 8;
    std::memcpy(op.iv.data(), iv.data(), 8);
    // The job API takes the AAD contiguous: SPI || sequence fits in the op;
    // anything longer (never for ESP) is not handled here.
    if (aad_head.size() > op.aad.size() || tag.size() > 16) return false;
    op.aad_len = static_cast<std::uint8_t>(aad_head.size());
    if (!aad_head.empty()) std::memcpy(op.aad.data(), aad_head.data(), aad_head.size());
    op.aad_tail = aad_tail.data();
    op.aad_tail_len = aad_tail.size();
    if (!aad_tail.empty() && cipher_ != esp::cipher::aes_gmac) return false;
    op.data = data.data();
    op.data_len = data.size();
    op.tag = tag.data();
    op.tag_len = static_cast<std::uint8_t>(tag.size());
    // GMAC, and GCM over empty data (the same computation), go through the
    // GMAC calls; anything else the job API does not take is refused.
    if (cipher_ == esp::cipher::aes_gmac || (cipher_ == esp::cipher::aes_gcm && data.empty())) {
      if (!data.empty()) return false;
      return gmac(op);
    }
    if (!batchable(op)) return false;
    run_burst(std::span<op_type>(&op, 1));
    return op.ok;
  }

  // One AES-GCM op through the library's direct GCM calls (what a GCM job
  // runs): encrypt with the tag into the packet, or decrypt with the tag into
  // op.computed and, on a mismatch, encrypt again to restore the ciphertext.
  void gcm_direct(op_type &op) noexcept {
    std::array<std::uint8_t, 12> nonce;
    std::memcpy(nonce.data(), salt_.data(), 4);
    std::memcpy(nonce.data() + 4, op.iv.data(), 8);
    gcm_context_data ctx;
    auto *d = core::uc(op.data);
    const auto *a = core::uc(op.aad.data());
    const bool enc = op.kind == burst_op_kind::seal;
    auto *tag = core::uc(enc ? op.tag : op.computed.data());
    auto run = [&](bool encrypt, std::uint8_t *tag_out) {
      if (key_len_ == 16) {
        if (encrypt)
          IMB_AES128_GCM_ENC(mgr_, &gcm_, &ctx, d, d, op.data_len, nonce.data(), a, op.aad_len, tag_out, op.tag_len);
        else
          IMB_AES128_GCM_DEC(mgr_, &gcm_, &ctx, d, d, op.data_len, nonce.data(), a, op.aad_len, tag_out, op.tag_len);
      } else if (key_len_ == 24) {
        if (encrypt)
          IMB_AES192_GCM_ENC(mgr_, &gcm_, &ctx, d, d, op.data_len, nonce.data(), a, op.aad_len, tag_out, op.tag_len);
        else
          IMB_AES192_GCM_DEC(mgr_, &gcm_, &ctx, d, d, op.data_len, nonce.data(), a, op.aad_len, tag_out, op.tag_len);
      } else {
        if (encrypt)
          IMB_AES256_GCM_ENC(mgr_, &gcm_, &ctx, d, d, op.data_len, nonce.data(), a, op.aad_len, tag_out, op.tag_len);
        else
          IMB_AES256_GCM_DEC(mgr_, &gcm_, &ctx, d, d, op.data_len, nonce.data(), a, op.aad_len, tag_out, op.tag_len);
      }
    };
    run(enc, tag);
    op.executed = true;
    op.flags = 0;
    if (enc) {
      op.ok = true;
      return;
    }
    op.mac_ok = true;
    op.ok = detail::icv_equal(op.computed.data(), op.tag, op.tag_len);
    if (!op.ok) {
      std::array<std::uint8_t, 16> scratch;
      run(true, scratch.data()); // the same keystream: the ciphertext is back
    }
  }

  // GMAC (RFC 4543): GCM over empty plaintext with SPI, sequence, IV and the
  // payload as AAD, assembled contiguously in the manager's scratch buffer.
  bool gmac(op_type &op) noexcept {
    const std::size_t aad_len = op.aad_len + op.aad_tail_len;
    if (aad_len > ipsec_mb_manager::scratch_size || op.tag_len > 16 || op.tag_len == 0) return false;
    std::memcpy(scratch_, op.aad.data(), op.aad_len);
    if (op.aad_tail_len != 0) std::memcpy(scratch_ + op.aad_len, op.aad_tail, op.aad_tail_len);
    std::array<std::byte, 12> nonce{};
    std::memcpy(nonce.data(), salt_.data(), 4);
    std::memcpy(nonce.data() + 4, op.iv.data(), 8);
    std::array<std::byte, 16> tag{};
    gcm_context_data ctx{};
    const auto *n = core::uc(nonce.data());
    const auto *a = core::uc(scratch_);
    auto *out = core::uc(tag.data());
    if (key_len_ == 16) {
      IMB_AES128_GMAC_INIT(mgr_, &gcm_, &ctx, n, 12);
      IMB_AES128_GMAC_UPDATE(mgr_, &gcm_, &ctx, a, aad_len);
      IMB_AES128_GMAC_FINALIZE(mgr_, &gcm_, &ctx, out, op.tag_len);
    } else if (key_len_ == 24) {
      IMB_AES192_GMAC_INIT(mgr_, &gcm_, &ctx, n, 12);
      IMB_AES192_GMAC_UPDATE(mgr_, &gcm_, &ctx, a, aad_len);
      IMB_AES192_GMAC_FINALIZE(mgr_, &gcm_, &ctx, out, op.tag_len);
    } else {
      IMB_AES256_GMAC_INIT(mgr_, &gcm_, &ctx, n, 12);
      IMB_AES256_GMAC_UPDATE(mgr_, &gcm_, &ctx, a, aad_len);
      IMB_AES256_GMAC_FINALIZE(mgr_, &gcm_, &ctx, out, op.tag_len);
    }
    const bytes_view computed = bytes_view(tag).first(op.tag_len);
    if (op.kind == burst_op_kind::seal) {
      std::memcpy(op.tag, computed.data(), op.tag_len);
      return true;
    }
    return detail::icv_equal(computed.data(), op.tag, op.tag_len);
  }

  [[nodiscard]] bool batchable(const op_type &op) const noexcept {
    if (cipher_ == esp::cipher::aes_gmac) return false;
    switch (op.kind) {
    case burst_op_kind::seal:
    case burst_op_kind::open:
      return aead_ && op.iv_len == 8 && op.aad_tail_len == 0 &&
             (op.data_len != 0 || cipher_ == esp::cipher::chacha20_poly1305) && tag_len_ok(op.tag_len);
    case burst_op_kind::encrypt_then_mac:
    case burst_op_kind::mac_then_decrypt:
      // The ESN high half goes where the ICV goes, right after the MAC input.
      return !aead_ && op.tag_len == icv_len_ && op.tag_len >= 4 &&
             (op.mac_tail_len == 0 || op.mac + op.mac_len == op.tag) && op.data >= op.mac &&
             op.data + op.data_len <= op.mac + op.mac_len && cipher_iv_ok(op);
    case burst_op_kind::none: break;
    }
    return false;
  }
  [[nodiscard]] bool tag_len_ok(std::size_t n) const noexcept {
    return cipher_ == esp::cipher::chacha20_poly1305 ? n == 16 : (n == 8 || n == 12 || n == 16);
  }
  [[nodiscard]] bool cipher_iv_ok(const op_type &op) const noexcept {
    switch (cipher_) {
    case esp::cipher::null: return op.iv_len == 0;
    case esp::cipher::aes_cbc: return op.iv_len == 16 && op.data_len % 16 == 0;
    case esp::cipher::aes_ctr: return op.iv_len == 8;
    default: return false;
    }
  }

  void counter_block(std::array<std::byte, 16> &block, const std::byte *iv) const noexcept {
    // RFC 3686 §4: nonce || IV || block counter starting at 1.
    std::memcpy(block.data(), salt_.data(), 4);
    std::memcpy(block.data() + 4, iv, 8);
    block[12] = block[13] = block[14] = std::byte{0};
    block[15] = std::byte{1};
  }

  void set_cipher(IMB_JOB &j, IMB_CIPHER_DIRECTION dir, const std::byte *iv16) const noexcept {
    j.cipher_mode = cmode_;
    j.cipher_direction = dir;
    if (cipher_ == esp::cipher::null) return;
    j.enc_keys = enc_keys_.data();
    j.dec_keys = cipher_ == esp::cipher::aes_cbc ? dec_keys_.data() : enc_keys_.data();
    j.key_len_in_bytes = key_len_;
    j.iv = core::uc(iv16);
    j.iv_len_in_bytes = 16;
  }

  // Fills a job for a batchable op, every field the library reads for this
  // mode (job slots are reused). Nonces and counter blocks live in the op
  // (the library may read them at any later submit or flush).
  void fill(IMB_JOB &j, op_type &op) const noexcept {
    op.flags = 0;
    const bool enc = op.kind == burst_op_kind::seal || op.kind == burst_op_kind::encrypt_then_mac;
    j.user_data = &op;
    j.cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    j.chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    j.cipher_mode = cmode_;
    j.hash_alg = hash_;
    j.auth_tag_output = core::uc(enc ? op.tag : op.computed.data());
    j.auth_tag_output_len_in_bytes = op.tag_len;
    j.hash_start_src_offset_in_bytes = 0;
    if (aead_) {
      std::memcpy(op.scratch.data(), salt_.data(), 4);
      std::memcpy(op.scratch.data() + 4, op.iv.data(), 8);
      j.src = core::uc(op.data);
      j.dst = core::uc(op.data);
      j.cipher_start_src_offset_in_bytes = 0;
      j.msg_len_to_cipher_in_bytes = op.data_len;
      j.msg_len_to_hash_in_bytes = op.data_len;
      j.iv = core::uc(op.scratch.data());
      j.iv_len_in_bytes = 12;
      if (cipher_ == esp::cipher::chacha20_poly1305) {
        j.enc_keys = chacha_key_.data();
        j.dec_keys = chacha_key_.data();
        j.key_len_in_bytes = 32;
        j.u.CHACHA20_POLY1305.aad = op.aad.data();
        j.u.CHACHA20_POLY1305.aad_len_in_bytes = op.aad_len;
      } else {
        j.enc_keys = &gcm_;
        j.dec_keys = &gcm_;
        j.key_len_in_bytes = key_len_;
        j.u.GCM.aad = op.aad.data();
        j.u.GCM.aad_len_in_bytes = op.aad_len;
      }
      return;
    }
    // Cipher + HMAC over [mac, mac + mac_len) (+ the ESN high half, written
    // where the ICV goes; decap saves and restores the received ICV bytes).
    const std::byte *iv = op.iv.data();
    if (cipher_ == esp::cipher::aes_ctr) {
      std::array<std::byte, 16> block;
      counter_block(block, op.iv.data());
      std::memcpy(op.scratch.data(), block.data(), 16);
      iv = op.scratch.data();
    }
    j.enc_keys = enc_keys_.data();
    j.dec_keys = cipher_ == esp::cipher::aes_cbc ? dec_keys_.data() : enc_keys_.data();
    j.key_len_in_bytes = key_len_;
    j.iv = core::uc(iv);
    j.iv_len_in_bytes = 16;
    if (op.mac_tail_len != 0) {
      if (!enc) detail::copy_small<4>(op.scratch.data() + 16, op.tag, op.mac_tail_len);
      detail::copy_small<4>(op.tag, op.mac_tail.data(), op.mac_tail_len);
    }
    j.src = core::uc(op.mac);
    j.dst = core::uc(op.data);
    j.cipher_start_src_offset_in_bytes = static_cast<std::uint64_t>(op.data - op.mac);
    j.msg_len_to_cipher_in_bytes = cipher_ == esp::cipher::null ? 0 : op.data_len;
    j.msg_len_to_hash_in_bytes = op.mac_len + op.mac_tail_len;
    j.u.HMAC._hashed_auth_key_xor_ipad = ipad_.data();
    j.u.HMAC._hashed_auth_key_xor_opad = opad_.data();
  }

  static void finish(IMB_JOB &j) noexcept {
    auto &op = *static_cast<op_type *>(j.user_data);
    const bool done = j.status == IMB_STATUS_COMPLETED;
    op.executed = true;
    switch (op.kind) {
    case burst_op_kind::seal:
    case burst_op_kind::encrypt_then_mac: op.ok = done; return;
    case burst_op_kind::open:
    case burst_op_kind::mac_then_decrypt: {
      if (op.kind == burst_op_kind::mac_then_decrypt && op.mac_tail_len != 0)
        detail::copy_small<4>(op.tag, op.scratch.data() + 16, op.mac_tail_len); // the received ICV bytes
      op.mac_ok = done;
      op.ok = done && detail::icv_equal(op.computed.data(), op.tag, op.tag_len);
      // Decrypted although the ICV is wrong: put the ciphertext back.
      if (done && !op.ok && op.data_len != 0 && op.backend->cipher_ != esp::cipher::null) op.flags = needs_restore;
      return;
    }
    case burst_op_kind::none: op.ok = false; return;
    }
  }

  static void drain(IMB_MGR *m) noexcept {
    for (IMB_JOB *done = IMB_FLUSH_JOB(m); done != nullptr; done = IMB_FLUSH_JOB(m)) finish(*done);
  }

  bool hmac_precompute(esp::integrity integ, bytes_view key) noexcept {
    std::size_t block = 64;
    switch (integ) {
    case esp::integrity::hmac_sha1_96:
      hash_ = IMB_AUTH_HMAC_SHA_1;
      digest_len_ = 20;
      break;
    case esp::integrity::hmac_sha256_128:
      hash_ = IMB_AUTH_HMAC_SHA_256;
      digest_len_ = 32;
      break;
    case esp::integrity::hmac_sha384_192:
      hash_ = IMB_AUTH_HMAC_SHA_384;
      digest_len_ = 48;
      block = 128;
      break;
    case esp::integrity::hmac_sha512_256:
      hash_ = IMB_AUTH_HMAC_SHA_512;
      digest_len_ = 64;
      block = 128;
      break;
    default: return false;
    }
    // RFC 2104: (K xor ipad) and (K xor opad), one block each, hashed once
    // here; ESP keys (RFC 2404, RFC 4868) are never longer than a block.
    if (key.size() > block) return false;
    std::array<std::uint8_t, 128> ib{}, ob{};
    for (std::size_t i = 0; i < block; ++i) {
      const auto kb = i < key.size() ? std::to_integer<std::uint8_t>(key[i]) : std::uint8_t{0};
      ib[i] = static_cast<std::uint8_t>(kb ^ 0x36U);
      ob[i] = static_cast<std::uint8_t>(kb ^ 0x5cU);
    }
    switch (hash_) {
    case IMB_AUTH_HMAC_SHA_1:
      IMB_SHA1_ONE_BLOCK(mgr_, ib.data(), ipad_.data());
      IMB_SHA1_ONE_BLOCK(mgr_, ob.data(), opad_.data());
      break;
    case IMB_AUTH_HMAC_SHA_256:
      IMB_SHA256_ONE_BLOCK(mgr_, ib.data(), ipad_.data());
      IMB_SHA256_ONE_BLOCK(mgr_, ob.data(), opad_.data());
      break;
    case IMB_AUTH_HMAC_SHA_384:
      IMB_SHA384_ONE_BLOCK(mgr_, ib.data(), ipad_.data());
      IMB_SHA384_ONE_BLOCK(mgr_, ob.data(), opad_.data());
      break;
    default:
      IMB_SHA512_ONE_BLOCK(mgr_, ib.data(), ipad_.data());
      IMB_SHA512_ONE_BLOCK(mgr_, ob.data(), opad_.data());
      break;
    }
    return true;
  }

  alignas(64) gcm_key_data gcm_{};
  alignas(16) std::array<std::uint8_t, 240> enc_keys_{};
  alignas(16) std::array<std::uint8_t, 240> dec_keys_{};
  alignas(16) std::array<std::uint8_t, 64> ipad_{};
  alignas(16) std::array<std::uint8_t, 64> opad_{};
  alignas(16) std::array<std::uint8_t, 32> chacha_key_{};
  IMB_MGR *mgr_ = nullptr;
  std::byte *scratch_ = nullptr;
  std::uint64_t key_len_ = 0;
  std::array<std::byte, 4> salt_{};
  IMB_CIPHER_MODE cmode_ = IMB_CIPHER_NULL;
  IMB_HASH_ALG hash_ = IMB_AUTH_NULL;
  esp::cipher cipher_ = esp::cipher::null;
  std::uint8_t icv_len_ = 0;
  std::uint8_t digest_len_ = 0;
  bool aead_ = false;
};

static_assert(transform<ipsec_mb_transform>);
static_assert(burst_backend<ipsec_mb_transform>);

/// The SA crypto type for bursts over intel-ipsec-mb (esp/burst.hpp).
using ipsec_mb_burst = burst_adapter<ipsec_mb_transform>;
static_assert(transform<ipsec_mb_burst>);

} // namespace crypto
} // namespace esp
} // namespace v1
} // namespace vpnwire
