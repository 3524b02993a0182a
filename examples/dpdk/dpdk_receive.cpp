// vpnwire inside a DPDK dataplane: the receive path of the two incidents on
// rte_mbufs, sharded over two lcores.
//
//   net_pcap rx --> lcore 0: parse L2 (Ethernet, PPPoE) and the outer IPv4
//   addresses, shard by tunnel (outer source and destination, RSS style)
//        |--> ring 0 --> worker 0 (on lcore 0, between rx polls)
//        '--> ring 1 --> worker 1 (lcore 1)
//   worker: outer IPv4 fragments --> vpnwire::ip::borrowing_reassembler (the mbufs
//           are referenced, not copied; tokens are mbuf pointers)
//       --> UDP 4500 --> esp::decap_burst over the burst's ESP packets, in
//           place in the mbufs (intel-ipsec-mb when built with it, else OpenSSL)
//       --> tunnel mode: the inner IPv4 packet
//           transport mode: UDP 1701 --> L2TP data --> PPP --> IPv4 (inner
//           fragments through the same reassembler) --> the session's
//           seq::reorder_window (items are mbuf pointers) when sequenced
//       --> the inner packet, still in the mbuf it arrived in (adjusted to
//           it, an Ethernet header written in front) --> output ring
//   lcore 0: output ring --> net_pcap tx
//
// The one copy: an outer datagram reassembled from fragments is gathered
// from its fragments' mbufs into one new mbuf, because ESP decrypts one
// contiguous span. An inner datagram leaves as an mbuf chain: a small mbuf
// with the rewritten header, then the fragments' own mbufs narrowed to their
// payload. Every other packet is processed and sent in the mbuf it arrived in.
//
//   vpnwire_dpdk_receive -l 0-1 --no-huge --no-pci -m 256 --no-telemetry --file-prefix x
//     --vdev net_pcap0,rx_pcap=capture.pcap,tx_pcap=inner.pcap --
//     --esp-sa spi=0xa0000001,enc=aes-gcm-16,key=0x000102...cafebabe [--esp-sa ...]
//
// The SA syntax is the vpnwire CLI's (--esp-sa of `vpnwire decode`), and the
// output is what `vpnwire decode --write-inner` writes for the tunnelled
// packets, in the same order per flow (ctest dpdk_receive_matches_cli).
#include "vpnwire/esp/burst.hpp"
#include "vpnwire/esp/natt.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/udp.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/pppoe.hpp"
#include "vpnwire/seq/reorder_window.hpp"
#if VPNWIRE_DPDK_EXAMPLE_IPSEC_MB
#include "vpnwire/esp/crypto/ipsec_mb.hpp"
#else
#include "vpnwire/esp/crypto/openssl.hpp"
#endif

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

using namespace vpnwire;

namespace {

#if VPNWIRE_DPDK_EXAMPLE_IPSEC_MB
using crypto_type = esp::crypto::ipsec_mb_burst;
constexpr const char *backend_name = "intel-ipsec-mb";
#else
using crypto_type = esp::crypto::burst_adapter<esp::crypto::openssl_transform>;
constexpr const char *backend_name = "OpenSSL";
#endif
using rx_sa = esp::inbound_sa<crypto_type>;

constexpr std::uint16_t burst_size = 32;
constexpr unsigned shards = 2;

// ------------------------------------------------------------- command line

struct sa_spec {
  esp::sa_config cfg;
  std::vector<std::byte> key, auth_key;
};

std::optional<std::vector<std::byte>> parse_hex(std::string_view s) {
  if (s.substr(0, 2) == "0x") s.remove_prefix(2);
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<std::byte> out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    for (char c : s.substr(i, 2)) {
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    out.push_back(static_cast<std::byte>(v));
  }
  return out;
}

/// spi=0x..,enc=NAME,key=0x..[,auth=NAME,auth-key=0x..][,esn=1], as the CLI.
std::optional<sa_spec> parse_sa(std::string_view text, std::string &error) {
  sa_spec s;
  esp::sa_config &c = s.cfg;
  // Transport mode as the CLI: decap keeps the whole payload (no TFC trim).
  c.mode = esp::sa_mode::transport;
  bool have_spi = false, have_enc = false;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return error = "--esp-sa: expected key=value", std::nullopt;
    const std::string_view k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "spi") {
      c.spi = static_cast<std::uint32_t>(std::strtoul(std::string(v).c_str(), nullptr, 0));
      have_spi = true;
    } else if (k == "enc") {
      have_enc = true;
      if (v == "null")
        c.cipher = esp::cipher::null;
      else if (v == "aes-cbc")
        c.cipher = esp::cipher::aes_cbc;
      else if (v == "aes-ctr")
        c.cipher = esp::cipher::aes_ctr;
      else if (v == "aes-gcm-8" || v == "aes-gcm-12" || v == "aes-gcm-16") {
        c.cipher = esp::cipher::aes_gcm;
        c.aead_icv_size = static_cast<std::uint8_t>(std::stoi(std::string(v.substr(8))));
      } else if (v == "aes-gmac")
        c.cipher = esp::cipher::aes_gmac;
      else if (v == "chacha20-poly1305")
        c.cipher = esp::cipher::chacha20_poly1305;
      else
        return error = "--esp-sa: unknown enc " + std::string(v), std::nullopt;
    } else if (k == "auth") {
      if (v == "none")
        c.integrity = esp::integrity::none;
      else if (v == "hmac-sha1-96")
        c.integrity = esp::integrity::hmac_sha1_96;
      else if (v == "hmac-sha256-128")
        c.integrity = esp::integrity::hmac_sha256_128;
      else if (v == "hmac-sha384-192")
        c.integrity = esp::integrity::hmac_sha384_192;
      else if (v == "hmac-sha512-256")
        c.integrity = esp::integrity::hmac_sha512_256;
      else
        return error = "--esp-sa: unknown auth " + std::string(v), std::nullopt;
    } else if (k == "key" || k == "auth-key") {
      auto b = parse_hex(v);
      if (!b) return error = "--esp-sa: bad hex in " + std::string(k), std::nullopt;
      (k == "key" ? s.key : s.auth_key) = std::move(*b);
    } else if (k == "esn") {
      c.esn = v == "1";
    } else {
      return error = "--esp-sa: unknown field " + std::string(k), std::nullopt;
    }
  }
  if (!have_spi || !have_enc) return error = "--esp-sa: spi and enc are required", std::nullopt;
  const std::size_t salt = c.cipher == esp::cipher::null || c.cipher == esp::cipher::aes_cbc ? 0 : 4;
  c.key_bits = static_cast<std::uint16_t>(s.key.size() >= salt ? (s.key.size() - salt) * 8 : 0);
  if (auto v = c.validate(); !v) return error = "--esp-sa: " + std::string(esp::name(v.code())), std::nullopt;
  return s;
}

// ------------------------------------------------------------- shared state

struct shared {
  std::vector<sa_spec> sas;
  rte_mempool *pool = nullptr; // rx and gathered datagrams
  std::array<rte_ring *, shards> in{};
  rte_ring *out = nullptr; // workers -> lcore 0 (multi-producer)
  std::atomic<bool> rx_done{false};
  std::array<std::atomic<bool>, shards> worker_done{};
  int ts_offset = -1; // net_pcap rx timestamp (dynamic field), if available
  std::uint64_t ts_flag = 0;
};

/// Counters of one worker (printed at the end).
struct worker_counters {
  std::uint64_t received = 0, non_ip = 0, fragments_held = 0, reassembled = 0, chained = 0, esp = 0, no_sa = 0,
                decap_failed = 0, inner = 0, l2tp_control = 0, ppp_other = 0, reorder_held = 0, reorder_dropped = 0,
                out_full = 0, other = 0;
};

std::uint64_t token_of(rte_mbuf *m) { return reinterpret_cast<std::uint64_t>(m); }
rte_mbuf *mbuf_of(std::uint64_t t) { return reinterpret_cast<rte_mbuf *>(t); }
void release_token(void *, std::uint64_t token) noexcept { rte_pktmbuf_free(mbuf_of(token)); }

/// Offset of the first IPv4 byte in an Ethernet frame (after PPPoE and PPP
/// when it is a PPPoE session frame), or nullopt.
std::optional<std::size_t> l3_offset(bytes_view frame) {
  if (frame.size() < 14) return std::nullopt;
  const std::uint16_t type = core::load_be16(frame.data() + 12);
  if (type == 0x0800) return 14;
  if (type != ppp::ethertype_pppoe_session) return std::nullopt;
  auto s = ppp::parse_pppoe(frame.subspan(14), ppp::pppoe_stage::session);
  if (!s) return std::nullopt;
  auto f = ppp::parse_frame(s->payload);
  if (!f || f->protocol != ppp::protocol::ipv4) return std::nullopt;
  return static_cast<std::size_t>(f->payload.data() - frame.data());
}

bytes_view mbuf_bytes(rte_mbuf *m) { return {rte_pktmbuf_mtod(m, const std::byte *), rte_pktmbuf_data_len(m)}; }

// ------------------------------------------------------------------ worker

class worker {
public:
  worker(shared &sh, unsigned id) : sh_(sh), id_(id), reasm_(reasm_config()) {
#if VPNWIRE_DPDK_EXAMPLE_IPSEC_MB
    // One job manager per lcore; this runs on the lcore that uses it.
    auto m = esp::crypto::ipsec_mb_manager::make();
    if (!m) std::abort();
    mgr_ = std::move(m).value();
#endif
    for (const sa_spec &s : sh_.sas) {
#if VPNWIRE_DPDK_EXAMPLE_IPSEC_MB
      auto t = esp::crypto::ipsec_mb_transform::make(mgr_, s.cfg, s.key, s.auth_key);
#else
      auto t = esp::crypto::openssl_transform::make(s.cfg, s.key, s.auth_key);
#endif
      if (!t) std::abort();
      sas_.emplace(s.cfg.spi, std::make_unique<rx_sa>(s.cfg, crypto_type(std::move(t).value())));
    }
  }

  /// Takes what waits in this worker's ring and runs it through; returns how
  /// many mbufs it took.
  unsigned poll() {
    std::array<rte_mbuf *, burst_size> m;
    const unsigned n = rte_ring_sc_dequeue_burst(sh_.in[id_], reinterpret_cast<void **>(m.data()), burst_size, nullptr);
    if (n != 0) process(m.data(), n);
    return n;
  }

  /// End of the capture: what the reorder windows hold is delivered (gaps
  /// skipped) and incomplete datagrams are dropped, as `vpnwire decode`
  /// does when its capture ends.
  void finish() {
    for (auto &[key, s] : sessions_) {
      (void)key;
      s->window.flush(sink());
    }
    (void)reasm_.expire(time_point::max());
  }

  [[nodiscard]] const worker_counters &counters() const { return c_; }

private:
  struct esp_item {
    rte_mbuf *m;
    rx_sa *sa;
  };
  using window_type = seq::reorder_window<rte_mbuf *, 16, 1024, seq::policy, seq::single_thread>;
  struct session {
    window_type window{seq::policy::with_timeout(std::chrono::milliseconds(30))};
  };

  static vpnwire::ip::reassembler_config reasm_config() {
    vpnwire::ip::reassembler_config c;
    c.max_datagrams = 256;
    c.release = &release_token;
    return c;
  }

  time_point stamp(rte_mbuf *m) const {
    if (sh_.ts_offset < 0 || (m->ol_flags & sh_.ts_flag) == 0) return now_;
    const auto us = *RTE_MBUF_DYNFIELD(m, sh_.ts_offset, rte_mbuf_timestamp_t *);
    return time_point(std::chrono::microseconds(us));
  }

  void process(rte_mbuf **m, unsigned n) {
    std::array<esp::decap_packet<rx_sa>, burst_size> dp;
    std::array<esp_item, burst_size> items;
    unsigned k = 0;
    for (unsigned i = 0; i < n; ++i) {
      ++c_.received;
      now_ = stamp(m[i]);
      (void)reasm_.expire(now_);
      poll_sessions();
      rte_mbuf *p = outer(m[i]); // the packet whose IPv4 header is at its data start, or null
      if (p == nullptr) continue;
      // Outer IPv4 -> UDP 4500 -> ESP.
      auto v4 = vpnwire::ip::parse_ipv4(mbuf_bytes(p));
      if (!v4 || v4->protocol() != vpnwire::ip::proto::udp) {
        ++c_.other;
        rte_pktmbuf_free(p);
        continue;
      }
      auto udp = vpnwire::ip::parse_udp(v4->payload());
      const bool natt = udp && (udp->source_port() == esp::natt_port || udp->destination_port() == esp::natt_port);
      auto cls = natt ? esp::classify_udp4500(udp->payload()) : esp::classify_udp4500(bytes_view{});
      if (!natt || !cls || cls->kind != esp::natt_kind::esp) {
        ++c_.other;
        rte_pktmbuf_free(p);
        continue;
      }
      ++c_.esp;
      auto it = sas_.find(core::load_be32(cls->payload.data()));
      if (it == sas_.end()) {
        ++c_.no_sa;
        rte_pktmbuf_free(p);
        continue;
      }
      auto *esp_start = const_cast<std::byte *>(cls->payload.data()); // the mbuf's own bytes
      dp[k] = {it->second.get(), esp_start, cls->payload.size(), 0, 0};
      items[k] = {p, it->second.get()};
      ++k;
    }
    if (k == 0) return;
    // The burst's ESP packets, decapsulated in place in their mbufs, in order.
    std::array<esp::decap_result, burst_size> out = esp::make_decap_results<burst_size>();
    (void)esp::decap_burst(std::span(dp.data(), k), std::span(out.data(), k));
    for (unsigned i = 0; i < k; ++i) after_decap(items[i], out[i]);
  }

  // L2 and the outer IPv4 layer: returns the mbuf to continue with (data
  // starting at its IPv4 header), or null when it was dropped or is held by
  // the reassembler.
  rte_mbuf *outer(rte_mbuf *m) {
    const auto off = l3_offset(mbuf_bytes(m));
    if (!off || m->nb_segs != 1) {
      ++c_.non_ip;
      rte_pktmbuf_free(m);
      return nullptr;
    }
    rte_pktmbuf_adj(m, static_cast<std::uint16_t>(*off));
    auto v4 = vpnwire::ip::parse_ipv4(mbuf_bytes(m));
    if (!v4) {
      ++c_.non_ip;
      rte_pktmbuf_free(m);
      return nullptr;
    }
    // Drop Ethernet padding beyond the IPv4 total length.
    if (rte_pktmbuf_data_len(m) > v4->total_length())
      rte_pktmbuf_trim(m, static_cast<std::uint16_t>(rte_pktmbuf_data_len(m) - v4->total_length()));
    if (!v4->is_fragment()) return m;
    return reassemble(m, v4->packet(), 0, true);
  }

  // Offers the IPv4 fragment `bytes` (inside mbuf m) to the zero-copy
  // reassembler. Returns the completed datagram, or null. `contiguous`: the
  // datagram is gathered into one new mbuf (the outer datagram, which ESP
  // decrypts as one span); otherwise it is an mbuf chain of the rewritten
  // header and the fragments' own mbufs, narrowed to their payload (nothing
  // copied but the header).
  rte_mbuf *reassemble(rte_mbuf *m, bytes_view bytes, std::uint64_t context, bool contiguous) {
    auto d = reasm_.submit(bytes, token_of(m), context, now_);
    if (!d) { // the token was not taken
      rte_pktmbuf_free(m);
      return nullptr;
    }
    if (d->status == vpnwire::ip::delivery_status::incomplete) {
      ++c_.fragments_held;
      return nullptr;
    }
    ++c_.reassembled;
    rte_mbuf *whole = contiguous ? nullptr : chain(*d);
    if (whole != nullptr) {
      ++c_.chained;
      return whole;
    }
    whole = rte_pktmbuf_alloc(sh_.pool);
    if (whole != nullptr && d->total_length <= rte_pktmbuf_tailroom(whole)) {
      auto *dst = reinterpret_cast<std::byte *>(rte_pktmbuf_append(whole, static_cast<std::uint16_t>(d->total_length)));
      if (vpnwire::ip::gather(*d, mutable_bytes(dst, d->total_length)) != d->total_length) {
        rte_pktmbuf_free(whole);
        whole = nullptr;
      }
    } else if (whole != nullptr) {
      rte_pktmbuf_free(whole);
      whole = nullptr;
    }
    for (std::uint64_t t : d->tokens) rte_pktmbuf_free(mbuf_of(t)); // the fragments are ours again
    return whole;
  }

  // The delivered datagram as an mbuf chain: a new mbuf with the rewritten
  // header, then for each payload piece the fragment mbuf that holds it,
  // narrowed to the piece. Null (and nothing changed) when a piece is not
  // alone in its mbuf or no header mbuf is available; the caller then gathers.
  rte_mbuf *chain(const vpnwire::ip::chained_delivery &d) {
    std::array<rte_mbuf *, 64> seg{};
    if (d.payload.size() > seg.size() || d.tokens.size() > seg.size()) return nullptr;
    std::array<bool, 64> used{};
    for (std::size_t i = 0; i < d.payload.size(); ++i) {
      const bytes_view piece = d.payload[i];
      for (std::size_t k = 0; k < d.tokens.size() && seg[i] == nullptr; ++k) {
        const bytes_view held = mbuf_bytes(mbuf_of(d.tokens[k]));
        if (piece.data() >= held.data() && piece.data() + piece.size() <= held.data() + held.size()) {
          if (used[k]) return nullptr;
          used[k] = true;
          seg[i] = mbuf_of(d.tokens[k]);
        }
      }
      if (seg[i] == nullptr) return nullptr;
    }
    rte_mbuf *head = rte_pktmbuf_alloc(sh_.pool);
    if (head == nullptr) return nullptr;
    std::memcpy(rte_pktmbuf_append(head, static_cast<std::uint16_t>(d.header.size())), d.header.data(),
                d.header.size());
    for (std::size_t k = 0; k < d.tokens.size(); ++k)
      if (!used[k]) rte_pktmbuf_free(mbuf_of(d.tokens[k])); // a duplicate the datagram does not use
    for (std::size_t i = 0; i < d.payload.size(); ++i) {
      rte_mbuf *f = seg[i];
      const bytes_view piece = d.payload[i];
      rte_pktmbuf_adj(f, static_cast<std::uint16_t>(piece.data() - rte_pktmbuf_mtod(f, const std::byte *)));
      rte_pktmbuf_trim(f, static_cast<std::uint16_t>(rte_pktmbuf_data_len(f) - piece.size()));
      if (rte_pktmbuf_chain(head, f) != 0) { // too many segments: give up on this datagram
        for (std::size_t j = i; j < d.payload.size(); ++j) rte_pktmbuf_free(seg[j]);
        rte_pktmbuf_free(head);
        return nullptr;
      }
    }
    return head;
  }

  void after_decap(const esp_item &item, const esp::decap_result &r) {
    if (!r) {
      ++c_.decap_failed;
      rte_pktmbuf_free(item.m);
      return;
    }
    if (r->outcome == esp::decap_outcome::dummy) {
      rte_pktmbuf_free(item.m);
      return;
    }
    if (r->next_header == esp::next_header_ipv4) {
      // Tunnel mode: the inner packet; its fragments merge per SA.
      inner_ip(item.m, r->payload, std::uint64_t{item.sa->config().spi} + 1, nullptr, 0);
      return;
    }
    if (r->next_header == vpnwire::ip::proto::udp) {
      auto u = vpnwire::ip::parse_udp(r->payload);
      if (u && (u->source_port() == l2tp::udp_port || u->destination_port() == l2tp::udp_port)) {
        l2tp_data(item.m, u->payload());
        return;
      }
    }
    ++c_.other;
    rte_pktmbuf_free(item.m);
  }

  void l2tp_data(rte_mbuf *m, bytes_view b) {
    auto h = l2tp::parse_header(b);
    if (!h || h->is_control()) {
      ++c_.l2tp_control;
      rte_pktmbuf_free(m);
      return;
    }
    session *s = nullptr;
    if (h->has_sequence()) {
      auto &slot = sessions_[(std::uint32_t{h->tunnel_id()} << 16) | h->session_id()];
      if (!slot) slot = std::make_unique<session>(); // once per session, not per packet
      s = slot.get();
    }
    const std::uint64_t context = (std::uint64_t{1} << 48) | (std::uint64_t{h->tunnel_id()} << 16) | h->session_id();
    auto f = ppp::parse_frame(h->payload());
    if (!f || f->protocol != ppp::protocol::ipv4) {
      // LCP, IPCP...: nothing to write, but the number still takes its place.
      ++c_.ppp_other;
      rte_pktmbuf_free(m);
      if (s != nullptr) to_window(*s, h->ns(), nullptr);
      return;
    }
    inner_ip(m, f->payload, context, s, h->ns());
  }

  // The innermost IPv4 packet `bytes`, inside mbuf m: reassembled if it is a
  // fragment, then through the session's reorder window (when sequenced),
  // then out.
  void inner_ip(rte_mbuf *m, bytes_view bytes, std::uint64_t context, session *s, std::uint16_t ns) {
    auto v4 = vpnwire::ip::parse_ipv4(bytes);
    rte_mbuf *pkt = nullptr;
    if (!v4) {
      ++c_.other;
      rte_pktmbuf_free(m);
    } else if (v4->is_fragment()) {
      pkt = reassemble(m, v4->packet(), context, false);
    } else {
      // Zero copy: the mbuf itself, narrowed to the inner packet.
      const auto start = static_cast<std::uint16_t>(v4->packet().data() - rte_pktmbuf_mtod(m, const std::byte *));
      rte_pktmbuf_adj(m, start);
      rte_pktmbuf_trim(m, static_cast<std::uint16_t>(rte_pktmbuf_data_len(m) - v4->total_length()));
      pkt = m;
    }
    if (s != nullptr) {
      to_window(*s, ns, pkt);
    } else if (pkt != nullptr) {
      emit(pkt);
    }
  }

  void to_window(session &s, std::uint16_t ns, rte_mbuf *pkt) {
    rte_mbuf *item = pkt;
    const auto outcome = s.window.insert(ns, std::move(item), now_, sink());
    if (outcome == seq::insert_outcome::buffered) ++c_.reorder_held;
    if (!seq::accepted(outcome)) {
      ++c_.reorder_dropped;
      if (pkt != nullptr) rte_pktmbuf_free(pkt);
    }
  }

  void poll_sessions() {
    for (auto &[key, s] : sessions_) {
      (void)key;
      if (s->window.held() != 0) s->window.poll(now_, sink());
    }
  }

  /// Receives what a reorder window delivers, in order.
  struct delivery_sink {
    worker *self;
    void operator()(std::uint16_t, rte_mbuf *&&p) const noexcept {
      if (p != nullptr) self->emit(p);
    }
  };
  delivery_sink sink() { return delivery_sink{this}; }

  // An Ethernet header in front of the inner packet (net_pcap writes
  // Ethernet captures), then to lcore 0 for transmission.
  void emit(rte_mbuf *p) noexcept {
    auto *eth = rte_pktmbuf_prepend(p, 14);
    if (eth == nullptr) {
      rte_pktmbuf_free(p);
      return;
    }
    std::memset(eth, 0, 12);
    eth[12] = 0x08;
    eth[13] = 0x00;
    ++c_.inner;
    if (rte_ring_mp_enqueue(sh_.out, p) != 0) {
      ++c_.out_full;
      rte_pktmbuf_free(p);
    }
  }

  shared &sh_;
  unsigned id_;
#if VPNWIRE_DPDK_EXAMPLE_IPSEC_MB
  esp::crypto::ipsec_mb_manager mgr_;
#endif
  std::unordered_map<std::uint32_t, std::unique_ptr<rx_sa>> sas_;
  vpnwire::ip::borrowing_reassembler reasm_;
  std::unordered_map<std::uint32_t, std::unique_ptr<session>> sessions_;
  time_point now_{};
  worker_counters c_;
};

// ------------------------------------------------------------------ lcores

/// RSS-style shard of a frame: a hash of the outer IPv4 source and
/// destination (the tunnel), so an SA, its fragments and its L2TP sessions
/// always land on the same worker.
unsigned shard_of(rte_mbuf *m) {
  const bytes_view f = mbuf_bytes(m);
  const auto off = l3_offset(f);
  if (!off || f.size() < *off + 20) return 0;
  const std::uint64_t src = core::load_be32(f.data() + *off + 12);
  const std::uint64_t dst = core::load_be32(f.data() + *off + 16);
  std::uint64_t h = (src << 32 | dst) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29;
  return static_cast<unsigned>(h % shards);
}

struct lcore_args {
  shared *sh;
  worker_counters counters;
};

int worker_main(void *arg) {
  auto &a = *static_cast<lcore_args *>(arg);
  worker w(*a.sh, 1);
  for (;;) {
    const bool done = a.sh->rx_done.load(std::memory_order_acquire);
    if (w.poll() == 0 && done && rte_ring_empty(a.sh->in[1])) break;
  }
  w.finish();
  a.counters = w.counters();
  a.sh->worker_done[1].store(true, std::memory_order_release);
  return 0;
}

void transmit(shared &sh, std::uint16_t port, std::uint64_t &sent) {
  std::array<rte_mbuf *, burst_size> m;
  unsigned n = 0;
  while ((n = rte_ring_sc_dequeue_burst(sh.out, reinterpret_cast<void **>(m.data()), burst_size, nullptr)) != 0) {
    unsigned done = 0;
    while (done < n) done += rte_eth_tx_burst(port, 0, m.data() + done, static_cast<std::uint16_t>(n - done));
    sent += n;
  }
}

void print(const char *who, const worker_counters &c) {
  std::printf("%s: received %lu, esp %lu (no SA %lu, decap failed %lu), fragments held %lu, reassembled %lu, "
              "chained %lu, inner written %lu, l2tp control %lu, ppp other %lu, reorder held %lu, reorder dropped %lu, "
              "non-ip %lu, other %lu\n",
              who, static_cast<unsigned long>(c.received), static_cast<unsigned long>(c.esp),
              static_cast<unsigned long>(c.no_sa), static_cast<unsigned long>(c.decap_failed),
              static_cast<unsigned long>(c.fragments_held), static_cast<unsigned long>(c.reassembled),
              static_cast<unsigned long>(c.chained), static_cast<unsigned long>(c.inner),
              static_cast<unsigned long>(c.l2tp_control), static_cast<unsigned long>(c.ppp_other),
              static_cast<unsigned long>(c.reorder_held), static_cast<unsigned long>(c.reorder_dropped),
              static_cast<unsigned long>(c.non_ip), static_cast<unsigned long>(c.other));
}

} // namespace

int main(int argc, char **argv) {
  const int eal = rte_eal_init(argc, argv);
  if (eal < 0) {
    std::fprintf(stderr, "vpnwire_dpdk_receive: EAL initialisation failed\n");
    return 2;
  }
  shared sh;
  for (int i = eal + 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--esp-sa" && i + 1 < argc) {
      std::string error;
      auto s = parse_sa(argv[++i], error);
      if (!s) {
        std::fprintf(stderr, "vpnwire_dpdk_receive: %s\n", error.c_str());
        return 2;
      }
      sh.sas.push_back(std::move(*s));
    } else {
      std::fprintf(stderr, "usage: vpnwire_dpdk_receive EAL-OPTIONS -- --esp-sa SPEC [--esp-sa SPEC...]\n");
      return 2;
    }
  }
  if (rte_lcore_count() < shards || rte_eth_dev_count_avail() < 1) {
    std::fprintf(stderr, "vpnwire_dpdk_receive: needs 2 lcores (-l 0-1) and a port (--vdev net_pcap0,...)\n");
    return 2;
  }
  // Room for the largest reassembled datagram of the captures (and jumbo frames).
  sh.pool = rte_pktmbuf_pool_create("vpnwire_mbufs", 4095, 64, 0, 10240 + RTE_PKTMBUF_HEADROOM, rte_socket_id());
  sh.out = rte_ring_create("vpnwire_out", 4096, rte_socket_id(), RING_F_SC_DEQ);
  for (unsigned s = 0; s < shards; ++s) {
    const std::string name = "vpnwire_in" + std::to_string(s);
    sh.in[s] = rte_ring_create(name.c_str(), 4096, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
  }
  if (sh.pool == nullptr || sh.out == nullptr || sh.in[0] == nullptr || sh.in[1] == nullptr) {
    std::fprintf(stderr, "vpnwire_dpdk_receive: pool or ring creation failed\n");
    return 2;
  }

  const std::uint16_t port = 0;
  rte_eth_dev_info info{};
  rte_eth_dev_info_get(port, &info);
  rte_eth_conf conf{};
  if ((info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) != 0 &&
      rte_mbuf_dyn_rx_timestamp_register(&sh.ts_offset, &sh.ts_flag) == 0)
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP; // capture time, for timeouts
  if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
      rte_eth_rx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), nullptr, sh.pool) != 0 ||
      rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), nullptr) != 0 ||
      rte_eth_dev_start(port) != 0) {
    std::fprintf(stderr, "vpnwire_dpdk_receive: port setup failed\n");
    return 2;
  }

  lcore_args wargs{&sh, {}};
  const unsigned worker_lcore = rte_get_next_lcore(rte_lcore_id(), 1, 0);
  rte_eal_remote_launch(worker_main, &wargs, worker_lcore);

  worker w0(sh, 0);
  std::uint64_t sent = 0, idle = 0;
  std::array<rte_mbuf *, burst_size> rx;
  // net_pcap returns nothing once the capture is read to its end.
  while (idle < 10000) {
    const std::uint16_t n = rte_eth_rx_burst(port, 0, rx.data(), burst_size);
    idle = n == 0 ? idle + 1 : 0;
    for (std::uint16_t i = 0; i < n; ++i) {
      const unsigned s = shard_of(rx[i]);
      while (rte_ring_sp_enqueue(sh.in[s], rx[i]) != 0) {
        if (s == 0) (void)w0.poll(); // make room in our own ring
      }
    }
    while (w0.poll() != 0) {
    }
    transmit(sh, port, sent);
  }
  sh.rx_done.store(true, std::memory_order_release);
  while (w0.poll() != 0) {
  }
  w0.finish();
  while (!sh.worker_done[1].load(std::memory_order_acquire)) transmit(sh, port, sent);
  rte_eal_mp_wait_lcore();
  transmit(sh, port, sent);

  std::printf("vpnwire_dpdk_receive: %s backend, %zu SA(s), %lu inner packets sent\n", backend_name, sh.sas.size(),
              static_cast<unsigned long>(sent));
  print("worker 0 (lcore 0)", w0.counters());
  print("worker 1 (lcore 1)", wargs.counters);
  rte_eth_dev_stop(port);
  rte_eth_dev_close(port); // net_pcap closes (flushes) the output capture
  rte_eal_cleanup();
  return 0;
}
