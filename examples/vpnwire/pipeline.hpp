// The reference receive pipeline of an L2TP/IPsec endpoint, as the CLI runs
// it over a capture:
//
//   link (Ethernet/SLL/SLL2/raw) -> [PPPoE -> PPP] -> IPv4 (reassembly)
//     -> UDP -> 4500: NAT-T demux -> ESP (replay check, verify, decrypt)
//     -> ESP (protocol 50) directly
//     -> inner IPv4 (tunnel mode) or UDP (transport mode)
//     -> UDP 1701 -> L2TP header -> control: AVPs (hidden ones decrypted),
//                                              message validation
//                                -> data: reorder window -> PPP -> IPv4/LCP/IPCP
//     -> TCP (MSS option)
//
// Every protocol step is a vpnwire view or engine; this file only chooses
// the next step, keeps the per-capture state (reassembler, SAs, reorder
// windows) and prints. Memory is bounded (pipeline_limits): a fixed set of
// buffers, one reassembler with a byte budget, a bounded number of sessions
// and SAs, and one byte budget for everything the reorder stage holds (the
// sessions' windows and the inner packets they keep until delivery).
#pragma once

#include "capture.hpp"
#include "doctor.hpp"
#include "json.hpp"
#include "l2tp_json.hpp"
#include "options.hpp"
#include "output.hpp"
#include "ppp_stage.hpp"

#include "vpnwire/core/time.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/natt.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/udp.hpp"
#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/hidden.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/seq/reorder_window.hpp"

#ifdef VPNWIRE_CLI_HAVE_OPENSSL
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"
#endif

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vpnwire_cli {

namespace ip = vpnwire::ip;
namespace esp = vpnwire::esp;
namespace seq = vpnwire::seq;
namespace ppp = vpnwire::ppp;

/// Totals printed at the end of decode and used by doctor.
struct run_summary {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t errors = 0;         ///< frames whose "error" is not null
  std::uint64_t decrypted = 0;      ///< ESP packets verified and decrypted
  std::uint64_t esp_without_sa = 0; ///< ESP packets whose SPI had no --esp-sa
  std::uint64_t reassembled = 0;    ///< datagrams completed
  std::uint64_t fragments = 0;      ///< fragments stored (not completing)
  std::uint64_t reorder_delivered = 0;
  std::uint64_t reorder_dropped = 0;
  std::uint64_t sessions_over_limit = 0; ///< data packets of sessions beyond the session cap or budget
  std::uint64_t budget_releases = 0;     ///< packets released early because the reorder budget was full
  std::uint64_t inner_written = 0;
  std::map<std::string, std::uint64_t> error_counts; ///< "layer/code" -> frames
};

/// Converts --esp-sa to the library's SA description. The CLI decapsulates in
/// transport mode and trims tunnel-mode TFC padding by the inner IPv4 length
/// itself, so one --esp-sa serves both modes.
[[nodiscard]] inline esp::sa_config to_sa_config(const esp_sa_option &o) {
  esp::sa_config c;
  c.spi = o.spi;
  c.mode = esp::sa_mode::transport;
  c.esn = o.esn;
  c.strict_padding = true;
  c.aead_icv_size = 16;
  switch (o.enc) {
  case enc_alg::null: c.cipher = esp::cipher::null; break;
  case enc_alg::aes_cbc: c.cipher = esp::cipher::aes_cbc; break;
  case enc_alg::aes_ctr: c.cipher = esp::cipher::aes_ctr; break;
  case enc_alg::aes_gcm_8:
    c.cipher = esp::cipher::aes_gcm;
    c.aead_icv_size = 8;
    break;
  case enc_alg::aes_gcm_12:
    c.cipher = esp::cipher::aes_gcm;
    c.aead_icv_size = 12;
    break;
  case enc_alg::aes_gcm_16:
    c.cipher = esp::cipher::aes_gcm;
    c.aead_icv_size = 16;
    break;
  case enc_alg::aes_gmac: c.cipher = esp::cipher::aes_gmac; break;
  case enc_alg::chacha20_poly1305: c.cipher = esp::cipher::chacha20_poly1305; break;
  }
  c.key_bits = static_cast<std::uint16_t>(o.key.size() * 8);
  switch (o.auth) {
  case auth_alg::none: c.integrity = esp::integrity::none; break;
  case auth_alg::hmac_sha1_96: c.integrity = esp::integrity::hmac_sha1_96; break;
  case auth_alg::hmac_sha256_128: c.integrity = esp::integrity::hmac_sha256_128; break;
  case auth_alg::hmac_sha384_192: c.integrity = esp::integrity::hmac_sha384_192; break;
  case auth_alg::hmac_sha512_256: c.integrity = esp::integrity::hmac_sha512_256; break;
  }
  return c;
}

[[nodiscard]] inline ip::overlap_policy to_overlap_policy(reassembly_policy p) noexcept {
  switch (p) {
  case reassembly_policy::drop: return ip::overlap_policy::rfc5722;
  case reassembly_policy::first: return ip::overlap_policy::first;
  case reassembly_policy::last: return ip::overlap_policy::last;
  case reassembly_policy::bsd: return ip::overlap_policy::bsd;
  case reassembly_policy::bsd_right: return ip::overlap_policy::bsd_right;
  case reassembly_policy::linux: return ip::overlap_policy::linux_legacy;
  case reassembly_policy::windows: return ip::overlap_policy::windows;
  case reassembly_policy::solaris: return ip::overlap_policy::solaris;
  case reassembly_policy::linux_current: return ip::overlap_policy::linux_current;
  }
  return ip::overlap_policy::rfc5722;
}

/// The reorder policy of --reorder. timeout=0 means what it means on Linux
/// (pppol2tp reorder timeout 0): no reordering, out-of-order packets dropped.
[[nodiscard]] inline seq::policy to_seq_policy(const reorder_option &r) noexcept {
  switch (r.mode) {
  case reorder_option::kind::strict: return seq::policy::strict();
  case reorder_option::kind::none: return seq::policy::pass_through();
  case reorder_option::kind::depth: return seq::policy::reordering().with_depth(static_cast<std::uint32_t>(r.value));
  case reorder_option::kind::timeout:
    if (r.value == 0) return seq::policy::strict();
    return seq::policy::with_timeout(std::chrono::milliseconds(r.value));
  }
  return seq::policy::strict();
}

/// What is held in a reorder window: enough to print the delivery and to
/// write the inner packet in delivery order.
struct held_packet {
  std::uint64_t frame = 0;
  std::vector<std::byte> inner; ///< innermost IPv4 packet (empty: none)
};

/// The memory limits of a pipeline. The defaults are the CLI's; tests and
/// fuzz targets pass smaller ones.
struct pipeline_limits {
  /// Datagrams the IPv4 reassembler tracks at once (its pool is allocated up front).
  std::size_t reasm_datagrams = 1024;
  /// Bytes of fragments the reassembler holds at most.
  std::size_t reasm_bytes = std::size_t{8} << 20;
  /// Sessions with their own reorder window; data of further sessions is
  /// passed through unordered and counted (sessions_over_limit).
  std::size_t max_sessions = 4096;
  /// Bytes the reorder stage holds at most: each session's window (a fixed
  /// size, see pipeline::session_bytes) plus the inner packets held in them.
  /// When a packet would not fit, the sessions holding packets are released
  /// oldest first, as their timeout would (gaps skipped, held packets
  /// delivered, counted in budget_releases); a packet that cannot fit even
  /// then is dropped with reason "over_reorder_budget".
  std::size_t reorder_bytes = std::size_t{64} << 20;
};

class pipeline {
public:
  /// Packets a session's reorder window holds at most (L2TP Ns is 16 bits).
  static constexpr std::size_t reorder_capacity = 1024;
  /// Sessions with their own reorder window by default.
  static constexpr std::size_t max_sessions = pipeline_limits{}.max_sessions;
  /// Nesting limit (IP in ESP in IP ...): deeper packets are reported, not decoded.
  static constexpr int max_depth = 4;

  pipeline(const decode_options &o, output &out, doctor *doc, const pipeline_limits &limits = {})
      : opt_(o), out_(out), doc_(doc), lim_(limits), reasm_(make_reasm_config(o, limits)),
        policy_(to_seq_policy(o.reorder)) {
    for (auto &b : reasm_buf_) b.resize(65535);
    for (auto &b : esp_buf_) b.resize(65535 + 64);
    secret_ = vpnwire::as_bytes(opt_.l2tp_secret);
  }

  /// Builds the SAs and opens --write-inner. False with a one-line error.
  [[nodiscard]] bool ready(std::string &error) {
    for (const auto &o : opt_.sas) {
      const esp::sa_config cfg = to_sa_config(o);
      if (auto v = cfg.validate(); !v) {
        error = "--esp-sa spi=" + hex32(o.spi) + ": " + std::string(esp::name(v.code()));
        return false;
      }
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
      std::vector<std::byte> material(o.key);
      material.insert(material.end(), o.salt.begin(), o.salt.begin() + (info(o.enc).salted ? 4 : 0));
      auto t = esp::crypto::openssl_transform::make(cfg, material, o.auth_key);
      if (!t) {
        error = "--esp-sa spi=" + hex32(o.spi) + ": " + std::string(esp::name(t.code()));
        return false;
      }
      sas_.emplace(o.spi, std::make_unique<inbound>(cfg, std::move(*t)));
      sa_opts_.emplace(o.spi, o);
#else
      error = "--esp-sa: this vpnwire was built without OpenSSL and cannot decrypt ESP";
      return false;
#endif
    }
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
    if (opt_.have_secret && !md5_.ok()) {
      error = "--l2tp-secret: OpenSSL MD5 is not available (FIPS mode?)";
      return false;
    }
#else
    if (opt_.have_secret) {
      error = "--l2tp-secret: this vpnwire was built without OpenSSL and cannot decrypt hidden AVPs";
      return false;
    }
#endif
    if (!opt_.write_inner.empty() && !inner_.open(opt_.write_inner, linktype_raw, error)) return false;
    return true;
  }

  [[nodiscard]] std::uint64_t frames() const noexcept { return sum_.frames; }
  /// Bytes the reorder stage holds now (windows and held inner packets);
  /// never above limits().reorder_bytes.
  [[nodiscard]] std::size_t reorder_bytes_held() const noexcept { return held_bytes_; }
  [[nodiscard]] const pipeline_limits &limits() const noexcept { return lim_; }
  [[nodiscard]] const run_summary &summary() const noexcept { return sum_; }

  /// Decodes one captured frame and prints its line (and any reorder lines it caused).
  void on_frame(link_kind kind, const captured_frame &f) {
    ++sum_.frames;
    sum_.bytes += f.data.size();
    now_ = vpnwire::from_nanoseconds(f.ts_ns);
    last_ts_ = f.ts_ns;
    fr_ = frame_state{};
    fr_.n = sum_.frames;
    fr_.ts_ns = f.ts_ns;
    line_.clear();
    after_.clear();
    json_writer j(line_);
    jw_ = opt_.json ? &j : nullptr;
    if (jw_) {
      j.begin_object();
      j.field("frame", fr_.n);
      j.key("layers");
      j.begin_array();
    } else {
      append_time(line_, f.ts_ns);
    }
    // Release what timed out before this frame arrived, in arrival-time order.
    poll_sessions(now_);

    decode_link(kind, f);

    if (jw_) {
      j.end_array();
      j.key("error");
      if (fr_.has_error) {
        j.begin_object();
        j.field_str("layer", fr_.err_layer);
        j.field_str("code", fr_.err_code);
        j.field("offset", fr_.err_offset);
        j.end_object();
      } else {
        j.null();
      }
      j.end_object();
    } else if (fr_.has_error) {
      line_.append(" [error ").append(fr_.err_layer).append(" ").append(fr_.err_code).append(" at ");
      line_.append(std::to_string(fr_.err_offset)).append("]");
    }
    line_.push_back('\n');
    if (fr_.has_error) {
      ++sum_.errors;
      ++sum_.error_counts[std::string(fr_.err_layer) + "/" + std::string(fr_.err_code)];
      if (doc_) doc_->on_error(fr_.n, fr_.err_layer, fr_.err_code, fr_.err_offset);
    }
    if (!doc_) {
      out_.write(pending_);
      out_.write(line_);
      out_.write(after_);
    }
    pending_.clear();
    if (fr_.inner_ready && !fr_.inner_held) write_inner(fr_.inner);
    jw_ = nullptr;
  }

  /// End of capture: held packets leave their windows as the policy would
  /// after its timeout (or, without a timeout, as a flush would).
  void finish() {
    line_.clear();
    const bool timed = opt_.reorder.mode == reorder_option::kind::timeout && opt_.reorder.value != 0;
    const auto end = now_ + std::chrono::milliseconds(timed ? opt_.reorder.value : 0);
    for (auto &[key, s] : sessions_) {
      cur_key_ = key;
      if (timed) s->window.poll(end, sink());
      s->window.flush(sink());
      s->held_since = 0;
    }
    waiting_.clear();
    if (!doc_) out_.write(pending_);
    pending_.clear();
  }

  [[nodiscard]] bool close(std::string &error) { return inner_.close(error); }

  /// The closing summary of decode (stderr-free: it goes to stdout after the frames).
  void print_summary() {
    std::string s;
    if (opt_.json) {
      json_writer j(s);
      j.begin_object();
      j.key("summary");
      j.begin_object();
      j.field("frames", sum_.frames);
      j.field("bytes", sum_.bytes);
      j.field("errors", sum_.errors);
      j.field("esp_decrypted", sum_.decrypted);
      j.field("esp_without_sa", sum_.esp_without_sa);
      j.field("datagrams_reassembled", sum_.reassembled);
      j.field("reorder_delivered", sum_.reorder_delivered);
      j.field("reorder_dropped", sum_.reorder_dropped);
      j.field("reorder_unordered", sum_.sessions_over_limit);
      j.field("reorder_budget_releases", sum_.budget_releases);
      if (inner_.is_open() || !opt_.write_inner.empty()) j.field("inner_written", sum_.inner_written);
      j.key("error_counts");
      j.begin_object();
      for (const auto &[k, v] : sum_.error_counts) j.field(k, v);
      j.end_object();
      j.end_object();
      j.end_object();
      s.push_back('\n');
    } else {
      s += "-- " + std::to_string(sum_.frames) + " frames, " + std::to_string(sum_.bytes) + " bytes, " +
           std::to_string(sum_.errors) + " with errors";
      if (sum_.decrypted || sum_.esp_without_sa)
        s += ", ESP decrypted " + std::to_string(sum_.decrypted) + " (no SA: " + std::to_string(sum_.esp_without_sa) +
             ")";
      if (sum_.reassembled) s += ", " + std::to_string(sum_.reassembled) + " datagrams reassembled";
      if (sum_.reorder_delivered || sum_.reorder_dropped)
        s += ", L2TP delivered " + std::to_string(sum_.reorder_delivered) + " dropped " +
             std::to_string(sum_.reorder_dropped);
      if (sum_.sessions_over_limit)
        s += ", " + std::to_string(sum_.sessions_over_limit) + " L2TP data packets unordered (session limit)";
      if (sum_.budget_releases)
        s += ", " + std::to_string(sum_.budget_releases) + " released early (reorder memory budget)";
      if (!opt_.write_inner.empty()) s += ", " + std::to_string(sum_.inner_written) + " inner packets written";
      s += "\n";
      for (const auto &[k, v] : sum_.error_counts) s += "--   " + k + ": " + std::to_string(v) + "\n";
    }
    out_.write(s);
  }

private:
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  using inbound = esp::inbound_sa<esp::crypto::openssl_transform, 64>;
#endif

  using window_type = seq::reorder_window<held_packet, 16, reorder_capacity, seq::policy, seq::single_thread>;
  struct session {
    explicit session(seq::policy p) : window(p) {}
    window_type window;
    std::uint64_t held_since = 0; ///< frame that made the window non-empty (0: empty)
  };

public:
  /// What one session costs the reorder budget before it holds anything:
  /// its window and an estimate of the map node that owns it.
  static constexpr std::size_t session_bytes = sizeof(session) + 64;

private:
  struct frame_state {
    std::uint64_t n = 0;
    std::int64_t ts_ns = 0;
    bool has_error = false;
    std::string_view err_layer;
    std::string_view err_code;
    std::size_t err_offset = 0;
    vpnwire::bytes_view inner; ///< innermost IPv4 packet seen so far
    bool inner_ready = false;
    bool inner_held = false; ///< the reorder stage owns the inner packet
    std::uint32_t outer_src = 0, outer_dst = 0;
    bool seen_outer = false;
    std::uint32_t esp_spi = 0; ///< SPI of the ESP layer this frame went through (0: none)
    bool natt = false;
  };

  static ip::reassembler_config make_reasm_config(const decode_options &o, const pipeline_limits &l) {
    ip::reassembler_config c;
    c.policy = to_overlap_policy(o.reassembly);
    c.max_datagrams = l.reasm_datagrams;
    c.byte_budget = l.reasm_bytes;
    return c;
  }

  static std::string hex32(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
  }

  static void append_time(std::string &s, std::int64_t ts_ns) {
    const std::int64_t sec = ts_ns / 1'000'000'000;
    const std::int64_t us = (ts_ns % 1'000'000'000) / 1000;
    char b[48];
    std::snprintf(b, sizeof b, "%02lld:%02lld:%02lld.%06lld ", static_cast<long long>((sec / 3600) % 24),
                  static_cast<long long>((sec / 60) % 60), static_cast<long long>(sec % 60),
                  static_cast<long long>(us));
    s += b;
  }

  template <class E> void error(std::string_view layer, vpnwire::error_info<E> e, std::size_t base = 0) {
    if (fr_.has_error) return;
    fr_.has_error = true;
    fr_.err_layer = layer;
    fr_.err_code = name(e.code);
    fr_.err_offset = base + e.offset;
  }

  void text(std::string_view s) {
    if (!jw_) line_.append(s);
  }
  void text_ipv4(std::uint32_t a) {
    if (!jw_) json_writer::append_ipv4(line_, a);
  }
  void text_num(std::uint64_t v) {
    if (!jw_) line_.append(std::to_string(v));
  }

  // ------------------------------------------------------------ link

  void decode_link(link_kind kind, const captured_frame &f) {
    auto l = parse_link(kind, f.data);
    if (!l) {
      error(kind == link_kind::ethernet ? "eth" : "sll", l.error());
      return;
    }
    if (jw_ && kind != link_kind::raw_ip) {
      json_writer &j = *jw_;
      j.begin_object();
      if (kind == link_kind::ethernet) {
        j.field_str("proto", "eth");
        j.key("eth.dst");
        j.mac(l->eth_dst);
        j.key("eth.src");
        j.mac(l->eth_src);
        j.field("eth.type", l->ethertype);
        if (l->has_vlan) j.field("vlan.id", l->vlan_id);
      } else {
        j.field_str("proto", "sll");
        j.field("sll.pkttype", l->sll_pkttype);
        j.field("sll.hatype", l->sll_hatype);
        j.field("sll.halen", l->sll_halen);
        if (kind == link_kind::sll2) j.field("sll.ifindex", l->sll_ifindex);
        if (l->sll_addr.size() == 6) {
          j.key("sll.src.eth");
          j.mac(std::span<const std::byte, 6>(l->sll_addr.data(), 6));
        }
        j.field("sll.etype", l->ethertype);
      }
      j.end_object();
    }
    switch (l->ethertype) {
    case 0x0800: ip_stage(l->payload, 0, 0); break;
    case 0x8864:
    case 0x8863: pppoe_stage(l->ethertype, l->payload); break;
    default: {
      char b[40];
      std::snprintf(b, sizeof b, "ethertype 0x%04x (not decoded)", l->ethertype);
      text(b);
    }
    }
  }

  // ------------------------------------------------------------ PPPoE / PPP

  void pppoe_stage(std::uint16_t ethertype, vpnwire::bytes_view b) {
    ppp_stage_result r = decode_pppoe(jw_, ethertype, b);
    text(r.text);
    if (r.has_error) {
      error_raw(r.err_layer, r.err_code, r.err_offset);
      return;
    }
    if (r.ipv4) ip_stage(*r.ipv4, 0, 0);
  }

  void error_raw(std::string_view layer, std::string_view code, std::size_t offset) {
    if (fr_.has_error) return;
    fr_.has_error = true;
    fr_.err_layer = layer;
    fr_.err_code = code;
    fr_.err_offset = offset;
  }

  // ------------------------------------------------------------ IPv4

  void ip_stage(vpnwire::bytes_view b, int depth, std::uint64_t context) {
    if (depth >= max_depth) {
      text(" | (nesting limit)");
      return;
    }
    auto v = ip::parse_ipv4(b);
    if (!v) {
      error("ip", v.error());
      return;
    }
    if (depth > 0 || fr_.seen_outer) text(" | ");
    text("IP ");
    text_ipv4(v->source());
    text(" > ");
    text_ipv4(v->destination());
    if (!fr_.seen_outer) {
      fr_.seen_outer = true;
      fr_.outer_src = v->source();
      fr_.outer_dst = v->destination();
    }
    ip::ipv4_view pkt = *v;
    bool reassembled = false;
    std::vector<std::uint64_t> frag_frames;
    if (v->is_fragment()) {
      const frag_key key{v->source(), v->destination(), v->identification(), v->protocol(), context};
      auto r = reasm_.submit(v->packet(), context, now_, mutable_bytes_of(reasm_buf_[static_cast<std::size_t>(depth)]));
      auto &frames = frag_frames_[key];
      if (frames.empty()) frag_first_ts_[key] = fr_.ts_ns;
      if (frames.size() < 256) frames.push_back(fr_.n);
      if (doc_) doc_->on_fragment(fr_.n, *v, depth);
      if (!r) {
        emit_ip_layer(*v, nullptr, 0);
        frag_frames_.erase(key);
        frag_first_ts_.erase(key);
        error("ip", r.error());
        return;
      }
      if (r->status == ip::delivery_status::incomplete) {
        // The datagram is written when it completes, not fragment by fragment.
        fr_.inner_ready = false;
        ++sum_.fragments;
        emit_ip_layer(*v, nullptr, 0);
        text(" frag id ");
        text_num(v->identification());
        text(" off ");
        text_num(v->fragment_offset());
        text(v->more_fragments() ? "+" : "");
        prune_fragments();
        return;
      }
      frag_frames = std::move(frames);
      frag_frames_.erase(key);
      frag_first_ts_.erase(key);
      auto whole = ip::parse_ipv4_unchecked(r->datagram);
      if (!whole) {
        error("ip", whole.error());
        return;
      }
      pkt = *whole;
      reassembled = true;
      ++sum_.reassembled;
      emit_ip_layer(*v, &frag_frames, pkt.total_length());
      text(" reassembled ");
      text_num(pkt.total_length());
      text(" bytes from ");
      text_num(frag_frames.size());
      text(" fragments");
      if (doc_) doc_->on_reassembled(fr_.n, pkt, frag_frames, depth);
    } else {
      emit_ip_layer(*v, nullptr, 0);
    }
    (void)reassembled;
    fr_.inner = pkt.packet();
    fr_.inner_ready = true;
    switch (pkt.protocol()) {
    case ip::proto::udp: udp_stage(pkt, depth, context); break;
    case ip::proto::esp: esp_stage(pkt.payload(), depth, false); break;
    case ip::proto::tcp: tcp_stage(pkt); break;
    default: text(" proto "); text_num(pkt.protocol());
    }
  }

  static vpnwire::mutable_bytes mutable_bytes_of(std::vector<std::byte> &v) { return {v.data(), v.size()}; }

  void emit_ip_layer(const ip::ipv4_view &v, const std::vector<std::uint64_t> *frags, std::size_t reassembled_len) {
    if (!jw_) return;
    json_writer &j = *jw_;
    j.begin_object();
    j.field_str("proto", "ip");
    j.field("ip.version", v.version());
    j.field("ip.hdr_len", v.header_length());
    j.field("ip.dsfield", v.tos());
    j.field("ip.len", v.total_length());
    j.field("ip.id", v.identification());
    j.field_bool("ip.flags.rb", v.reserved_flag());
    j.field_bool("ip.flags.df", v.dont_fragment());
    j.field_bool("ip.flags.mf", v.more_fragments());
    j.field("ip.frag_offset", v.fragment_offset() / 8); // Wireshark shows the field itself (8-byte units)
    j.field("ip.ttl", v.ttl());
    j.field("ip.proto", v.protocol());
    j.field("ip.checksum", v.checksum());
    j.field_ipv4("ip.src", v.source());
    j.field_ipv4("ip.dst", v.destination());
    if (frags) {
      j.field("ip.reassembled_in", fr_.n);
      j.field("ip.reassembled.length", reassembled_len - v.header_length());
      j.key("ip.fragment");
      j.begin_array();
      for (std::uint64_t n : *frags) j.number(n);
      j.end_array();
    }
    j.end_object();
  }

  struct frag_key {
    std::uint32_t src, dst;
    std::uint16_t id;
    std::uint8_t proto;
    std::uint64_t context;
    bool operator<(const frag_key &o) const noexcept {
      return std::tie(src, dst, id, proto, context) < std::tie(o.src, o.dst, o.id, o.proto, o.context);
    }
  };

  /// Forgets fragment-frame lists of datagrams the reassembler has given up
  /// on (timed out): keeps the bookkeeping as bounded as the reassembler.
  void prune_fragments() {
    if (frag_frames_.size() <= 2048) return;
    const std::int64_t limit = fr_.ts_ns - std::int64_t{30} * 1'000'000'000;
    for (auto it = frag_first_ts_.begin(); it != frag_first_ts_.end();) {
      if (it->second < limit || frag_frames_.size() > 4096) {
        frag_frames_.erase(it->first);
        it = frag_first_ts_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // ------------------------------------------------------------ UDP, TCP

  /// The udp layer object (JSON) or its text, shared by plain and
  /// transport-mode ESP UDP.
  void udp_layer(const ip::udp_view &u, const char *text_prefix) {
    if (jw_) {
      json_writer &j = *jw_;
      j.begin_object();
      j.field_str("proto", "udp");
      j.field("udp.srcport", u.source_port());
      j.field("udp.dstport", u.destination_port());
      j.field("udp.length", u.length());
      j.field("udp.checksum", u.checksum());
      j.end_object();
    }
    text(text_prefix);
    text_num(u.source_port());
    text(" > ");
    text_num(u.destination_port());
  }

  void udp_stage(const ip::ipv4_view &pkt, int depth, std::uint64_t context) {
    (void)context;
    auto u = ip::parse_udp_checked(pkt);
    if (!u) {
      error("udp", u.error(), pkt.header_length());
      return;
    }
    udp_layer(*u, " UDP ");
    const bool natt = u->source_port() == esp::natt_port || u->destination_port() == esp::natt_port;
    const bool l2tp = u->source_port() == vpnwire::l2tp::udp_port || u->destination_port() == vpnwire::l2tp::udp_port;
    if (natt) {
      auto c = esp::classify_udp4500(u->payload());
      if (!c) {
        error("esp", c.error());
        return;
      }
      switch (c->kind) {
      case esp::natt_kind::keepalive: text(" NAT-keepalive"); return;
      case esp::natt_kind::ike: text(" IKE"); return;
      case esp::natt_kind::esp:
        fr_.natt = true;
        esp_stage(c->payload, depth, true);
        return;
      }
    } else if (l2tp) {
      l2tp_stage(u->payload(), depth);
    } else if (u->source_port() == 500 || u->destination_port() == 500) {
      text(" IKE");
    }
  }

  void tcp_stage(const ip::ipv4_view &pkt) {
    if (pkt.fragment_offset() != 0) return;
    auto t = ip::parse_tcp(pkt.payload());
    if (!t) {
      error("tcp", t.error(), pkt.header_length());
      return;
    }
    std::optional<std::uint16_t> mss;
    auto it = t->option_iter();
    while (!it.done()) {
      auto o = it.next();
      if (!o) {
        error("tcp", o.error(), pkt.header_length() + 20);
        break;
      }
      if (o->type == ip::tcp_option::mss && o->data.size() == 2) mss = vpnwire::core::load_be16(o->data.data());
    }
    if (jw_) {
      json_writer &j = *jw_;
      j.begin_object();
      j.field_str("proto", "tcp");
      j.field("tcp.srcport", t->source_port());
      j.field("tcp.dstport", t->destination_port());
      j.field("tcp.seq_raw", t->sequence());
      j.field("tcp.ack_raw", t->acknowledgment());
      j.field("tcp.hdr_len", t->header_length());
      j.field("tcp.flags", t->flags());
      j.field_bool("tcp.flags.syn", t->syn());
      j.field_bool("tcp.flags.ack", t->ack());
      j.field("tcp.window_size_value", t->window());
      if (mss) j.field("tcp.options.mss_val", *mss);
      j.end_object();
    }
    text(" TCP ");
    text_num(t->source_port());
    text(" > ");
    text_num(t->destination_port());
    if (t->syn()) text(t->ack() ? " [S.]" : " [S]");
    if (mss) {
      text(" mss ");
      text_num(*mss);
    }
    if (doc_ && t->syn() && mss) doc_->on_syn(fr_.n, pkt, *mss, fr_.esp_spi, fr_.natt);
  }

  // ------------------------------------------------------------ ESP

  void esp_stage(vpnwire::bytes_view b, int depth, bool natt) {
    auto p = esp::parse_packet(b);
    if (!p) {
      error("esp", p.error());
      return;
    }
    if (jw_) {
      json_writer &j = *jw_;
      j.begin_object();
      j.field_str("proto", "esp");
      j.field("esp.spi", p->spi());
      j.field("esp.sequence", p->sequence_low());
    }
    text(" ESP(spi=");
    text(hex32(p->spi()));
    text(",seq=");
    text_num(p->sequence_low());
    text(")");
    fr_.esp_spi = p->spi();
    (void)natt;
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
    auto it = sas_.find(p->spi());
    if (it == sas_.end()) {
      ++sum_.esp_without_sa;
      if (jw_) jw_->end_object();
      text(" encrypted");
      if (doc_) doc_->on_esp(fr_.n, p->spi(), p->sequence_low(), b.size(), false, {});
      return;
    }
    std::vector<std::byte> &buf = esp_buf_[static_cast<std::size_t>(depth)];
    std::memcpy(buf.data(), b.data(), b.size());
    auto d = it->second->decap(vpnwire::mutable_bytes(buf.data(), b.size()));
    if (!d) {
      if (jw_) jw_->end_object();
      if (doc_) doc_->on_esp(fr_.n, p->spi(), p->sequence_low(), b.size(), true, d.code());
      error("esp", d.error());
      return;
    }
    ++sum_.decrypted;
    if (doc_) {
      doc_->on_esp(fr_.n, p->spi(), p->sequence_low(), b.size(), true, esp::errc::ok);
      doc_->on_esp_payload(p->spi(), d->next_header);
    }
    if (jw_) {
      jw_->field("esp.pad_len", d->pad_length);
      jw_->field("esp.protocol", d->next_header);
      jw_->end_object();
    }
    if (d->outcome == esp::decap_outcome::dummy) {
      text(" dummy");
      return;
    }
    const vpnwire::bytes_view payload = d->payload;
    switch (d->next_header) {
    case esp::next_header_ipv4: ip_stage(payload, depth + 1, std::uint64_t{p->spi()} + 1); break;
    case ip::proto::udp: transport_udp(payload, depth); break;
    case ip::proto::tcp: text(" | TCP (transport mode)"); break;
    default: text(" next header "); text_num(d->next_header);
    }
#else
    (void)depth;
    ++sum_.esp_without_sa;
    if (jw_) jw_->end_object();
    text(" encrypted");
    if (doc_) doc_->on_esp(fr_.n, p->spi(), p->sequence_low(), b.size(), false, {});
#endif
  }

  /// Transport-mode ESP carrying UDP (L2TP/IPsec): the UDP header belongs to
  /// the outer IPv4 packet, so its checksum is not checked against a
  /// pseudo-header (NAT-T peers commonly send it stale; RFC 3948 §3.1.2).
  void transport_udp(vpnwire::bytes_view payload, int depth) {
    auto u = ip::parse_udp(payload);
    if (!u) {
      error("udp", u.error());
      return;
    }
    udp_layer(*u, " | UDP ");
    if (u->source_port() == vpnwire::l2tp::udp_port || u->destination_port() == vpnwire::l2tp::udp_port)
      l2tp_stage(u->payload(), depth + 1);
  }

  // ------------------------------------------------------------ L2TP

  void l2tp_stage(vpnwire::bytes_view b, int depth) {
    namespace l2 = vpnwire::l2tp;
    auto h = l2::parse_header(b);
    if (!h) {
      error("l2tp", h.error());
      return;
    }
    if (jw_) {
      json_writer &j = *jw_;
      j.begin_object();
      j.field_str("proto", "l2tp");
      j.field("l2tp.type", h->is_control() ? 1 : 0);
      j.field_bool("l2tp.length_bit", h->has_length());
      j.field_bool("l2tp.seq_bit", h->has_sequence());
      j.field_bool("l2tp.offset_bit", h->has_offset());
      j.field_bool("l2tp.priority", h->priority());
      j.field("l2tp.version", h->version());
      if (h->has_length()) j.field("l2tp.length", h->length());
      j.field("l2tp.tunnel", h->tunnel_id());
      j.field("l2tp.session", h->session_id());
      if (h->has_sequence()) {
        j.field("l2tp.Ns", h->ns());
        j.field("l2tp.Nr", h->nr());
      }
      if (h->has_offset()) j.field("l2tp.offset", h->offset_size());
    }
    text(" L2TP ");
    if (h->is_control()) {
      control_stage(*h);
      if (jw_) jw_->end_object();
      return;
    }
    if (jw_) jw_->end_object();
    text("data t=");
    text_num(h->tunnel_id());
    text(" s=");
    text_num(h->session_id());
    if (h->has_sequence()) {
      text(" Ns=");
      text_num(h->ns());
      text(" Nr=");
      text_num(h->nr());
    }
    if (doc_)
      doc_->on_l2tp_data(fr_.n, fr_.ts_ns, fr_.outer_src, fr_.outer_dst, h->tunnel_id(), h->session_id(),
                         h->has_sequence(), h->ns(), fr_.esp_spi, h->has_length());
    // The PPP frame and what it carries are decoded now, for this frame's line;
    // delivery order is the reorder window's business.
    // Inner fragments are only merged within their own session (reassembler context).
    ppp_inner(h->payload(), depth, (std::uint64_t{1} << 48) | (std::uint64_t{h->tunnel_id()} << 16) | h->session_id());
    if (!h->has_sequence()) return;
    reorder(*h);
  }

  void ppp_inner(vpnwire::bytes_view b, int depth, std::uint64_t context) {
    auto f = ppp::parse_frame(b);
    if (!f) {
      error("ppp", f.error());
      return;
    }
    ppp_stage_result r = decode_ppp_payload(jw_, *f);
    text(" | ");
    text(r.text);
    if (r.has_error) {
      error_raw(r.err_layer, r.err_code, r.err_offset);
      return;
    }
    if (r.ipv4) ip_stage(*r.ipv4, depth + 1, context);
  }

  void control_stage(const vpnwire::l2tp::header_view &h) {
    namespace l2 = vpnwire::l2tp;
    const vpnwire::bytes_view body = h.payload();
    if (body.empty()) {
      text("ZLB t=");
      text_num(h.tunnel_id());
      text(" Ns=");
      text_num(h.ns());
      text(" Nr=");
      text_num(h.nr());
      return;
    }
    std::uint16_t msg_type = 0;
    bool seq_required = false;
    // Every AVP, in order, with its value (hidden ones decrypted when the
    // secret is known, with the nearest preceding Random Vector).
    if (jw_) {
      jw_->key("l2tp.avps");
      jw_->begin_array();
    }
    l2::avp_reader rd(body);
    vpnwire::bytes_view rv;
    for (const l2::avp_view &a : rd) {
      if (a.is_ietf() && a.type() == static_cast<std::uint16_t>(l2::avp_type::message_type) && a.value().size() == 2 &&
          msg_type == 0)
        msg_type = vpnwire::core::load_be16(a.value().data());
      if (a.is_ietf() && a.type() == static_cast<std::uint16_t>(l2::avp_type::sequencing_required)) seq_required = true;
      if (jw_) {
        json_writer &j = *jw_;
        j.begin_object();
        j.field_bool("l2tp.avp.mandatory", a.mandatory());
        j.field_bool("l2tp.avp.hidden", a.hidden());
        j.field("l2tp.avp.length", a.length());
        j.field("l2tp.avp.vendor_id", a.vendor_id());
        j.field("l2tp.avp.type", a.type());
      }
      avp_value(a, rv, h.payload_offset());
      if (a.is_ietf() && a.type() == static_cast<std::uint16_t>(l2::avp_type::random_vector)) rv = a.value();
      if (jw_) jw_->end_object();
    }
    if (jw_) jw_->end_array();
    if (rd.error().code != l2::errc::ok) {
      error("l2tp", rd.error(), h.payload_offset());
      return;
    }
    text(message_short_name(msg_type));
    text(" t=");
    text_num(h.tunnel_id());
    text(" s=");
    text_num(h.session_id());
    text(" Ns=");
    text_num(h.ns());
    text(" Nr=");
    text_num(h.nr());
    if (seq_required) text(" seq-required");
    auto m = l2::validate_message(body);
    if (!m) {
      error("l2tp", m.error(), h.payload_offset());
    } else if (m->action() != l2::disposition::accept) {
      text(" (");
      text(l2::name(m->action()));
      text(")");
    }
    if (doc_)
      doc_->on_l2tp_control(fr_.n, fr_.outer_src, fr_.outer_dst, h.tunnel_id(), h.session_id(), msg_type, seq_required);
  }

  void avp_value(const vpnwire::l2tp::avp_view &a, vpnwire::bytes_view rv, std::size_t base) {
    namespace l2 = vpnwire::l2tp;
    if (!a.is_ietf()) {
      if (jw_) jw_->field_hex("vpnwire.avp.value", a.value());
      return;
    }
    vpnwire::bytes_view value = a.value();
    if (a.hidden()) {
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
      if (!opt_.have_secret) {
        if (jw_) jw_->field_hex("vpnwire.avp.hidden_value", value);
        return;
      }
      if (rv.empty()) {
        error("l2tp", vpnwire::fail(l2::errc::hidden_avp_without_random_vector, a.offset()), base);
        return;
      }
      auto plain = l2::decode_hidden(md5_, a.type(), value, secret_, rv, mutable_bytes_of(hidden_buf_));
      if (!plain) {
        error("l2tp", plain.error(), base + a.value_offset());
        return;
      }
      value = *plain;
#else
      (void)rv;
      if (jw_) jw_->field_hex("vpnwire.avp.hidden_value", value);
      return;
#endif
    }
    if (!jw_) {
      if (auto c = l2::check_value(a.type(), value); !c) error("l2tp", c.error(), base + a.value_offset());
      return;
    }
    auto e = write_avp_value(*jw_, a.type(), value);
    if (e.code != l2::errc::ok) error("l2tp", e, base + a.value_offset());
  }

  // ------------------------------------------------------------ reorder

  using session_key = std::uint32_t; // tunnel << 16 | session

  void reorder(const vpnwire::l2tp::header_view &h) {
    const session_key key = (std::uint32_t{h.tunnel_id()} << 16) | h.session_id();
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
      if (sessions_.size() >= lim_.max_sessions || !make_room(session_bytes)) {
        ++sum_.sessions_over_limit;
        return; // delivered unordered: the inner packet is written with the frame
      }
      it = sessions_.emplace(key, std::make_unique<session>(policy_)).first;
      held_bytes_ += session_bytes;
    }
    session &s = *it->second;
    fr_.inner_held = true;
    const std::size_t cost = fr_.inner_ready ? fr_.inner.size() : 0;
    if (!make_room(cost)) {
      cur_key_ = key;
      drop_line(key, h.ns(), fr_.n, "over_reorder_budget");
      return;
    }
    held_packet item;
    item.frame = fr_.n;
    if (cost != 0) item.inner.assign(fr_.inner.begin(), fr_.inner.end());
    const std::size_t held_cost = item.inner.capacity();
    held_bytes_ += held_cost;
    cur_key_ = key;
    const auto outcome = s.window.insert(h.ns(), std::move(item), now_, sink_after());
    if (!seq::accepted(outcome)) held_bytes_ -= held_cost; // the item stayed with us
    update_waiting(key, s);
    if (!seq::accepted(outcome)) drop_line(key, h.ns(), fr_.n, seq::name(outcome));
    if (doc_) doc_->on_reorder_outcome(fr_.n, key, h.ns(), outcome);
  }

  /// Keeps waiting_ (sessions holding packets, oldest first) in step with a window.
  void update_waiting(session_key key, session &s) {
    if (s.window.held() != 0 && s.held_since == 0) {
      s.held_since = fr_.n;
      waiting_.emplace(s.held_since, key);
    } else if (s.window.held() == 0 && s.held_since != 0) {
      waiting_.erase({s.held_since, key});
      s.held_since = 0;
    }
  }

  /// Makes `cost` more bytes fit in the reorder budget by releasing the
  /// sessions holding packets, oldest first, as a timeout would: gaps are
  /// skipped and what is held is delivered in order. False if even with every
  /// window empty the bytes do not fit.
  [[nodiscard]] bool make_room(std::size_t cost) {
    while (held_bytes_ + cost > lim_.reorder_bytes && !waiting_.empty()) {
      const session_key key = waiting_.begin()->second;
      waiting_.erase(waiting_.begin());
      session &s = *sessions_.at(key);
      cur_key_ = key;
      sum_.budget_releases += s.window.flush(sink_after());
      s.held_since = 0;
    }
    return held_bytes_ + cost <= lim_.reorder_bytes;
  }

  void poll_sessions(vpnwire::time_point now) {
    if (opt_.reorder.mode != reorder_option::kind::timeout || opt_.reorder.value == 0) return;
    // Only sessions holding packets can time out (waiting_ is usually empty).
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      cur_key_ = it->second;
      session &s = *sessions_.at(it->second);
      s.window.poll(now, sink());
      if (s.window.held() == 0) {
        s.held_since = 0;
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
  }

  /// Receives what a reorder window delivers and prints it into `to`.
  struct delivery_sink {
    pipeline *self;
    std::string *to;
    void operator()(std::uint16_t ns, held_packet &&p) const noexcept { self->deliver(*to, ns, std::move(p)); }
  };
  /// Delivery lines that go before the current frame's line (timeouts that
  /// fired before it arrived, end-of-capture releases).
  delivery_sink sink() { return delivery_sink{this, &pending_}; }
  /// Delivery lines that go after the current frame's line.
  delivery_sink sink_after() { return delivery_sink{this, &after_}; }

  void deliver(std::string &to, std::uint16_t ns, held_packet &&p) {
    ++sum_.reorder_delivered;
    held_bytes_ -= p.inner.capacity();
    if (doc_) doc_->on_deliver(cur_key_, ns, p.frame);
    if (!p.inner.empty()) write_inner(p.inner);
    if (doc_) return;
    if (opt_.json) {
      json_writer j(to);
      j.begin_object();
      j.key("deliver");
      j.begin_object();
      j.field("tunnel", cur_key_ >> 16);
      j.field("session", cur_key_ & 0xFFFFU);
      j.field("ns", ns);
      j.field("frame", p.frame);
      j.end_object();
      j.end_object();
      to.push_back('\n');
    }
  }

  void drop_line(session_key key, std::uint16_t ns, std::uint64_t frame, std::string_view reason) {
    ++sum_.reorder_dropped;
    if (doc_) return;
    if (opt_.json) {
      json_writer j(after_);
      j.begin_object();
      j.key("drop");
      j.begin_object();
      j.field("tunnel", key >> 16);
      j.field("session", key & 0xFFFFU);
      j.field("ns", ns);
      j.field("frame", frame);
      j.field_str("reason", reason);
      j.end_object();
      j.end_object();
      after_.push_back('\n');
    } else {
      after_ += "   reorder: dropped tunnel " + std::to_string(key >> 16) + " session " +
                std::to_string(key & 0xFFFFU) + " Ns=" + std::to_string(ns) + " (frame " + std::to_string(frame) +
                "): " + std::string(reason) + "\n";
    }
  }

  void write_inner(vpnwire::bytes_view pkt) {
    if (!inner_.is_open()) return;
    std::string err;
    if (inner_.write_frame(last_ts_, pkt, err)) ++sum_.inner_written;
  }

  const decode_options &opt_;
  output &out_;
  doctor *doc_;
  pipeline_limits lim_;
  ip::reassembler reasm_;
  seq::policy policy_;
  run_summary sum_;
  frame_state fr_;
  json_writer *jw_ = nullptr;
  std::string line_, after_, pending_;
  vpnwire::time_point now_{};
  std::int64_t last_ts_ = 0;
  std::array<std::vector<std::byte>, max_depth> reasm_buf_;
  std::array<std::vector<std::byte>, max_depth> esp_buf_;
  std::vector<std::byte> hidden_buf_ = std::vector<std::byte>(1024);
  std::map<frag_key, std::vector<std::uint64_t>> frag_frames_;
  std::map<frag_key, std::int64_t> frag_first_ts_;
  std::map<session_key, std::unique_ptr<session>> sessions_;
  /// Sessions whose window holds packets, by the frame that started the
  /// hold: the oldest first.
  std::set<std::pair<std::uint64_t, session_key>> waiting_;
  std::size_t held_bytes_ = 0; ///< bytes charged to the reorder budget
  session_key cur_key_ = 0;
  pcap_writer inner_;
  vpnwire::bytes_view secret_;
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  std::map<std::uint32_t, std::unique_ptr<inbound>> sas_;
  std::map<std::uint32_t, esp_sa_option> sa_opts_;
  vpnwire::crypto::openssl_md5 md5_;
#endif
};

} // namespace vpnwire_cli
