// ESP over bursts: encap_burst and decap_burst run many packets, of one or
// many SAs, through the single-packet outbound_sa::encap and
// inbound_sa::decap, so every packet gets exactly the outcome, the counters
// and the replay-window effect it would get alone, in burst order, while the
// crypto of the whole burst runs as one batch (a multi-buffer backend works
// on many packets in parallel lanes).
//
// Packet descriptors look like DPDK's rte_mbuf or VPP's vlib_buffer: a data
// pointer, a length, the writable room before and after, and the SA.
//
//   encap: payload at data[0, length)  -->  ESP packet at data - sa->headroom()
//          [room >= sa->headroom()][payload ...][room for padding, trailer, ICV]
//   decap: ESP packet (from its SPI) at data[0, length)  -->  payload sub-span
//
// Decap and RFC 4303 §3.4.3: the replay check runs before any crypto and the
// window is committed only after the ICV (and the trailer) verified, in
// sequence order. Within one burst a packet's check can depend on whether an
// earlier packet of the same SA verifies (the same sequence number twice: the
// second is fresh only if the first was forged; a much higher number that,
// once committed, pushes a lower one out of the window). Each packet is
// planned against the window as it is and as it would be if every earlier
// batched packet of its SA verified: fresh either way, it joins the batch;
// refused either way, it gets no crypto at all; otherwise (it depends) it is
// left out of the batch and decap verifies it on its own, at its turn, against
// the window as it then is. So a replay is never decrypted, even
// speculatively, and an adversarial burst (every packet a copy of one
// number) costs one packet's crypto, not a batch's.
//
// Nothing is allocated: the batch of up to burst_chunk ops lives on the
// stack; longer bursts run in chunks.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/detail/config.hpp"
#include "vpnwire/esp/burst_crypto.hpp"
#include "vpnwire/esp/errc.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/esp/replay_window.hpp"
#include "vpnwire/esp/sa.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace vpnwire {
inline namespace v1 {
namespace esp {

/// Most packets whose crypto is batched together (ops kept on the stack);
/// longer bursts are processed in consecutive chunks of this size.
inline constexpr std::size_t burst_chunk = 64;

/// One packet to encapsulate. `sa` is an outbound_sa (any crypto type).
template <class SA> struct encap_packet {
  SA *sa = nullptr;
  /// The payload (inner packet or transport payload): data[0, length).
  std::byte *data = nullptr;
  std::size_t length = 0;
  /// Writable bytes before `data`; encap needs sa->headroom().
  std::size_t headroom = 0;
  /// Writable bytes after data + length; encap needs the TFC padding, the
  /// padding, pad length, next header and ICV (at most sa->tailroom() + TFC).
  std::size_t tailroom = 0;
  std::uint8_t next_header = 0;
  encap_options options{};
};

/// One packet to decapsulate. `sa` is an inbound_sa (any crypto type).
template <class SA> struct decap_packet {
  SA *sa = nullptr;
  /// The ESP packet starting at its SPI (strip a NAT-T UDP header first).
  std::byte *data = nullptr;
  std::size_t length = 0;
  /// Room around the packet; decap works inside data[0, length) and does not
  /// use these (they make the descriptor the same shape as encap's).
  std::size_t headroom = 0;
  std::size_t tailroom = 0;
};

/// Per-packet outcome of encap_burst: the ESP packet size (it starts at
/// data - sa->headroom()), or the error.
using encap_result = result<std::size_t, errc>;
/// Per-packet outcome of decap_burst: what decap found, or the error.
using decap_result = result<decap_output, errc>;

/// An array of N outcomes to hand to encap_burst (result has no empty state,
/// so the array starts filled with a placeholder success that every call
/// overwrites).
template <std::size_t N> [[nodiscard]] constexpr std::array<encap_result, N> make_encap_results() noexcept {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<encap_result, N>{((void)I, encap_result(std::size_t{0}))...};
  }
  (std::make_index_sequence<N>{});
}
/// An array of N outcomes to hand to decap_burst (see make_encap_results).
template <std::size_t N> [[nodiscard]] constexpr std::array<decap_result, N> make_decap_results() noexcept {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<decap_result, N>{((void)I, decap_result(decap_output{}))...};
  }
  (std::make_index_sequence<N>{});
}

namespace burst_detail {

template <class SA> using crypto_of = std::remove_reference_t<decltype(std::declval<SA &>().crypto())>;

/// Storage for up to N ops, constructed only as used (a burst of 32 touches
/// 32 ops, not burst_chunk).
template <class Op> class op_buffer {
  static_assert(std::is_trivially_destructible_v<Op>);

public:
  // Default-initialised: the op's scalars get their defaults, its byte
  // arrays are written before they are read.
  Op &emplace() noexcept { return *::new (static_cast<void *>(&storage_[size_ * sizeof(Op)])) Op; }
  [[nodiscard]] Op &operator[](std::size_t i) noexcept { return *std::launder(ptr(i)); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  void commit() noexcept { ++size_; }
  [[nodiscard]] std::span<Op> ops() noexcept { return {std::launder(ptr(0)), size_}; }

private:
  Op *ptr(std::size_t i) noexcept { return static_cast<Op *>(static_cast<void *>(&storage_[i * sizeof(Op)])); }
  alignas(Op) std::array<std::byte, sizeof(Op) * burst_chunk> storage_;
  std::size_t size_ = 0;
};

/// Constructs the result of `make()` straight in `slot` (guaranteed copy
/// elision: the SA call writes its result into the caller's array instead of
/// a temporary that is then copied, which costs a store-forwarding stall per
/// packet). result<> of these types is trivially destructible.
template <class R, class F> VPNWIRE_ALWAYS_INLINE void emplace(R &slot, F &&make) noexcept {
  static_assert(std::is_trivially_destructible_v<R>);
  ::new (static_cast<void *>(&slot)) R(make());
}

template <class SA> encap_result encap_one(const encap_packet<SA> &p) noexcept {
  const std::size_t h = p.sa->headroom();
  // Too little headroom: the SA refuses it as it refuses any short span
  // (and counts it under buffer_too_small).
  if (p.headroom < h || p.data == nullptr) return p.sa->encap(mutable_bytes{}, p.length, p.next_header, p.options);
  return p.sa->encap(mutable_bytes(p.data - h, h + p.length + p.tailroom), p.length, p.next_header, p.options);
}

/// How decap_burst treats one packet before the batch runs.
enum class plan : std::uint8_t {
  no_crypto, ///< The SA will refuse it before any crypto (length, SPI, replay, blocks).
  crypto,    ///< Fresh whatever the earlier packets of the burst turn out to be: batched.
  dependent, ///< Its replay check depends on an earlier batched packet: decap runs it alone.
};

/// What decap's replay check would find for a packet against a window whose
/// highest number is `top` (and the SA's bitmap for numbers up to its own
/// top): the inferred sequence number (ESN) and whether it is fresh. With
/// top == window.top() this is exactly inbound_sa::decap's check.
struct replay_view {
  bool inferred = true; ///< ESN inference stayed inside the 64-bit space.
  std::uint64_t seq = 0;
  bool fresh = false;
  friend constexpr bool operator==(const replay_view &, const replay_view &) = default;
};

template <class Window>
replay_view check_under(const Window &w, std::uint64_t top, std::uint32_t seq_low, bool esn) noexcept {
  replay_view v;
  v.seq = seq_low;
  if (esn) v.inferred = infer_esn(top, seq_low, Window::size, v.seq);
  if (!v.inferred || v.seq == 0) return v;
  if (v.seq > top)
    v.fresh = true;
  else if (top - v.seq < Window::size)
    v.fresh = w.check(v.seq) == replay_check::fresh;
  return v;
}

/// The packets batched so far in this chunk, which may still fail: per SA
/// the highest sequence number batched, and every batched (SA, number).
template <class SA> struct pending_set {
  struct sa_state {
    const SA *sa;
    std::uint64_t top;
    bool tainted; ///< A left-out packet may move the window beyond `top`: batch nothing more.
  };
  struct entry {
    const SA *sa;
    std::uint64_t seq;
  };
  std::array<sa_state, burst_chunk> sas;
  std::size_t n_sas = 0;
  std::array<entry, burst_chunk> entries;
  std::size_t n_entries = 0;

  [[nodiscard]] const sa_state *find(const SA *sa) const noexcept {
    for (std::size_t i = 0; i < n_sas; ++i)
      if (sas[i].sa == sa) return &sas[i];
    return nullptr;
  }
  [[nodiscard]] bool contains(const SA *sa, std::uint64_t seq) const noexcept {
    for (std::size_t i = 0; i < n_entries; ++i)
      if (entries[i].sa == sa && entries[i].seq == seq) return true;
    return false;
  }
  void add(const SA *sa, std::uint64_t seq) noexcept {
    entries[n_entries++] = {sa, seq};
    for (std::size_t i = 0; i < n_sas; ++i) {
      if (sas[i].sa == sa) {
        if (seq > sas[i].top) sas[i].top = seq;
        return;
      }
    }
    sas[n_sas++] = {sa, seq, false};
  }
  void taint(const SA *sa) noexcept {
    for (std::size_t i = 0; i < n_sas; ++i)
      if (sas[i].sa == sa) sas[i].tainted = true;
  }
};

// Plans one packet: checks what decap checks before crypto, against the
// window as it is and as it would be if every batched packet of the SA
// verified, and fills `op` with the crypto decap will ask for.
//
// Why the two ends suffice: without ESN, committing packets only raises the
// top (up to the highest batched number) and sets the bits of their own
// numbers; a packet's verdict changes monotonically with the top (fresh,
// then fresh or replayed, then left of the window), so if it is the same at
// both ends it is the same for every subset of the batch that verifies, and
// a packet of the same number as a batched one is the only other case. With
// ESN the inferred number is also monotonic in the top; if it differs between
// the ends the packet is left out and, because its own commit could then
// move the top past what the plan assumed, so is the rest of its SA's chunk.
// A left-out packet's own commit never goes past the highest batched number
// otherwise (it is at most that number), so later plans stay valid.
//
// The layout mirrors inbound_sa::decap; if it ever did not, the adapter would
// see a call that does not match the op, run it for real and restore the
// bytes the batch touched: a disagreement costs speed, never correctness.
template <class SA, class Op>
plan plan_decap(SA &sa, mutable_bytes pkt, pending_set<SA> &pending, Op &op, std::uint64_t &seq_out) noexcept {
  const sa_config &cfg = sa.config();
  const std::size_t iv_len = cfg.iv_size();
  const std::size_t icv_len = cfg.icv_size();
  if (pkt.size() < header_size + iv_len + icv_len + 2) return plan::no_crypto;
  if (core::load_be32(pkt.data()) != cfg.spi) return plan::no_crypto;
  const std::size_t body_off = header_size + iv_len;
  const std::size_t body_len = pkt.size() - body_off - icv_len;
  if ((body_len & (cfg.block_size() - 1)) != 0) return plan::no_crypto;              // block sizes are powers of two
  if (iv_len > op.iv.size() || icv_len > op.computed.size()) return plan::dependent; // not a shape we batch

  const auto seq_low = core::load_be32(pkt.data() + 4);
  const auto &window = sa.window();
  const replay_view now = check_under(window, window.top(), seq_low, cfg.esn);
  if (const auto *p = pending.find(&sa)) {
    if (p->tainted) return plan::dependent;
    const replay_view all = check_under(window, p->top > window.top() ? p->top : window.top(), seq_low, cfg.esn);
    if (now.inferred != all.inferred || now.seq != all.seq) {
      pending.taint(&sa);
      return plan::dependent;
    }
    if (now.fresh != all.fresh) return plan::dependent;
    if (!now.fresh) return plan::no_crypto;
    if (now.seq <= p->top && pending.contains(&sa, now.seq)) return plan::dependent;
  } else if (!now.fresh) {
    return plan::no_crypto;
  }
  const std::uint64_t seq = now.seq;

  op.backend = &sa.crypto().backend();
  op.iv_len = static_cast<std::uint8_t>(iv_len);
  crypto::detail::copy_small<16>(op.iv.data(), pkt.data() + header_size, iv_len);
  op.tag = pkt.data() + body_off + body_len;
  op.tag_len = static_cast<std::uint8_t>(icv_len);
  if (cfg.is_aead()) {
    op.kind = crypto::burst_op_kind::open;
    if (cfg.esn) {
      core::store_be32(op.aad.data(), cfg.spi);
      core::store_be32(op.aad.data() + 4, static_cast<std::uint32_t>(seq >> 32));
      core::store_be32(op.aad.data() + 8, seq_low);
      op.aad_len = 12;
    } else {
      std::memcpy(op.aad.data(), pkt.data(), header_size);
      op.aad_len = header_size;
    }
    if (cfg.cipher == esp::cipher::aes_gmac) {
      op.aad_tail = pkt.data() + header_size;
      op.aad_tail_len = iv_len + body_len;
    } else {
      op.data = pkt.data() + body_off;
      op.data_len = body_len;
    }
  } else {
    op.kind = crypto::burst_op_kind::mac_then_decrypt;
    op.mac = pkt.data();
    op.mac_len = body_off + body_len;
    if (cfg.esn) {
      core::store_be32(op.mac_tail.data(), static_cast<std::uint32_t>(seq >> 32));
      op.mac_tail_len = 4;
    }
    op.data = pkt.data() + body_off;
    op.data_len = body_len;
  }
  seq_out = seq;
  return plan::crypto;
}

} // namespace burst_detail

/// Encapsulates every packet of `packets` in place, in order, writing one
/// outcome per packet into `out` (which must hold at least packets.size()
/// results; traps otherwise). Returns how many succeeded.
///
/// Each packet gets exactly what `sa->encap(span, length, next_header,
/// options)` gives for the span [data - sa->headroom(), data + length +
/// tailroom): the same packet bytes, sequence numbers in burst order per SA,
/// the same errors and counters: tfc_in_transport_mode; buffer_too_small
/// (offset 0 when headroom < sa->headroom(), else the span's size);
/// packet_too_large; sequence_exhausted; iv_length_mismatch;
/// iv_source_missing; crypto_failure. One difference: with a burst-capable
/// crypto (crypto::burst_adapter) the crypto runs after the SA accepted the
/// packet, so if the backend then fails (an internal error of the crypto
/// library, never a property of the packet) the outcome is crypto_failure
/// (offset sa->headroom()) while the SA has counted the packet as sent and
/// its sequence number stays used, which is the safe side (never reused).
///
/// SAs of a crypto type that is not a crypto::burst_adapter are simply run
/// one packet after the other.
template <class SA, std::size_t N, std::size_t M>
std::size_t encap_burst(std::span<const encap_packet<SA>, N> packets, std::span<encap_result, M> out) noexcept {
  VPNWIRE_ASSERT(out.size() >= packets.size());
  using crypto_type = burst_detail::crypto_of<SA>;
  std::size_t ok = 0;
  if constexpr (!crypto::is_burst_adapter<crypto_type>) {
    for (std::size_t i = 0; i < packets.size(); ++i) {
      burst_detail::emplace(out[i], [&] { return burst_detail::encap_one(packets[i]); });
      ok += out[i].has_value() ? 1 : 0;
    }
  } else {
    using op_type = typename crypto_type::op_type;
    for (std::size_t base = 0; base < packets.size(); base += burst_chunk) {
      const std::size_t n = packets.size() - base < burst_chunk ? packets.size() - base : burst_chunk;
      burst_detail::op_buffer<op_type> ops;
      std::array<std::uint8_t, burst_chunk> owner{}; // op index -> packet index in the chunk
      for (std::size_t i = 0; i < n; ++i) {
        const encap_packet<SA> &p = packets[base + i];
        op_type &op = ops.emplace();
        p.sa->crypto().record_into(op);
        burst_detail::emplace(out[base + i], [&] { return burst_detail::encap_one(p); });
        p.sa->crypto().release();
        if (op.kind != crypto::burst_op_kind::none) {
          owner[ops.size()] = static_cast<std::uint8_t>(i);
          ops.commit();
        } else if (op.executed && !op.ok && out[base + i].has_value()) {
          // Recorded half an op that had to run on the spot, and it failed.
          out[base + i] = fail(errc::crypto_failure, p.sa->headroom());
        }
      }
      crypto::run_burst<typename crypto_type::backend_type>(ops.ops());
      for (std::size_t k = 0; k < ops.size(); ++k) {
        if (!ops[k].ok) out[base + owner[k]] = fail(errc::crypto_failure, packets[base + owner[k]].sa->headroom());
      }
      for (std::size_t i = 0; i < n; ++i) ok += out[base + i].has_value() ? 1 : 0;
    }
  }
  return ok;
}

/// Overload for a span of non-const descriptors (std::span(vector)).
template <class SA, std::size_t N, std::size_t M>
std::size_t encap_burst(std::span<encap_packet<SA>, N> packets, std::span<encap_result, M> out) noexcept {
  return encap_burst(std::span<const encap_packet<SA>, N>(packets), out);
}

/// Decapsulates every packet of `packets` in place, writing one outcome per
/// packet into `out` (which must hold at least packets.size() results; traps
/// otherwise). Returns how many succeeded (delivered or dummy).
///
/// Each packet gets exactly what `sa->decap(span(data, length))` gives when
/// the packets are decapsulated one after the other in burst order: the same
/// outcome, payload, errors and offsets (too_short, spi_mismatch,
/// sequence_zero, left_of_window, replayed, not_block_multiple, icv_mismatch,
/// pad_length_beyond_payload, bad_pad_bytes, inner_length_invalid,
/// crypto_failure), the same counters and the same window. A packet that
/// fails leaves its bytes as they were, as decap does (a batch that
/// decrypted a packet whose ICV then failed re-encrypts it).
template <class SA, std::size_t N, std::size_t M>
std::size_t decap_burst(std::span<const decap_packet<SA>, N> packets, std::span<decap_result, M> out) noexcept {
  VPNWIRE_ASSERT(out.size() >= packets.size());
  using crypto_type = burst_detail::crypto_of<SA>;
  std::size_t ok = 0;
  if constexpr (!crypto::is_burst_adapter<crypto_type>) {
    for (std::size_t i = 0; i < packets.size(); ++i) {
      burst_detail::emplace(out[i],
                            [&] { return packets[i].sa->decap(mutable_bytes(packets[i].data, packets[i].length)); });
      ok += out[i].has_value() ? 1 : 0;
    }
  } else {
    using op_type = typename crypto_type::op_type;
    constexpr std::uint8_t no_op = 0xFF;
    static_assert(burst_chunk < no_op);
    for (std::size_t base = 0; base < packets.size(); base += burst_chunk) {
      const std::size_t n = packets.size() - base < burst_chunk ? packets.size() - base : burst_chunk;
      burst_detail::op_buffer<op_type> ops;
      burst_detail::pending_set<SA> pending;
      std::array<std::uint8_t, burst_chunk> op_of; // packet index in the chunk -> op index
      for (std::size_t i = 0; i < n; ++i) {
        const decap_packet<SA> &p = packets[base + i];
        op_type &op = ops.emplace();
        std::uint64_t seq = 0;
        const auto pl = burst_detail::plan_decap(*p.sa, mutable_bytes(p.data, p.length), pending, op, seq);
        if (pl == burst_detail::plan::crypto) {
          op_of[i] = static_cast<std::uint8_t>(ops.size());
          ops.commit();
          pending.add(p.sa, seq);
        } else {
          op_of[i] = no_op;
        }
      }
      crypto::run_burst<typename crypto_type::backend_type>(ops.ops());
      for (std::size_t i = 0; i < n; ++i) {
        const decap_packet<SA> &p = packets[base + i];
        const std::uint8_t k = op_of[i];
        if (k != no_op) p.sa->crypto().prime(ops[k]);
        burst_detail::emplace(out[base + i], [&] { return p.sa->decap(mutable_bytes(p.data, p.length)); });
        if (k != no_op) p.sa->crypto().release();
        ok += out[base + i].has_value() ? 1 : 0;
      }
    }
  }
  return ok;
}

/// Overload for a span of non-const descriptors (std::span(vector)).
template <class SA, std::size_t N, std::size_t M>
std::size_t decap_burst(std::span<decap_packet<SA>, N> packets, std::span<decap_result, M> out) noexcept {
  return decap_burst(std::span<const decap_packet<SA>, N>(packets), out);
}

} // namespace esp
} // namespace v1
} // namespace vpnwire
