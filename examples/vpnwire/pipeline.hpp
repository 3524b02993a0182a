// The reference receive pipeline of an L2TP/IPsec endpoint, as the CLI runs
// it over a capture. Each frame is dissected once into a frame_record
// (record.hpp); the text line, the JSON object, doctor and the summary are
// renderers of that record. Top to bottom, the way an embedder would write
// its receive path:
//
//   link (link.hpp: Ethernet/VLAN, SLL, NULL/LOOP, ENC, NFLOG, PPP, raw)
//     -> [PPPoE -> PPP (ppp_stage.hpp) -> LCP/IPCP/PAP/CHAP]
//     -> IPv4 (checksum reported, never fatal; fragments: ip::reassembler)
//       -> UDP (checksum reported) -> 4500: NAT-T demux -> ESP
//       -> ESP (protocol 50): esp::inbound_sa (replay check, verify, decrypt)
//            -> inner IPv4 (tunnel mode) or UDP/TCP (transport mode)
//       -> UDP 1701 -> L2TP header
//            control: AVPs (hidden ones decrypted), message validation,
//                     session establishment (which sessions start at Ns 0)
//            data:    PPP and what it carries; Ns through the session's
//                     reorder window (seq::reorder_window)
//       -> TCP (checksum reported, MSS option)
//     -> IPv6 (ipv6_stage.hpp: extension headers, fragments through
//        ip::ipv6_reassembler) -> the same UDP/TCP/ESP/L2TP stages with the
//        IPv6 pseudo-header, ICMPv6; IPv4 in IPv6 and IPv6 in IPv4
//
// One error convention: every stage that finds a problem calls
// frame_record::fail (the first error of the frame: layer, library errc
// name, offset within the layer) or warn, and decoding of that branch stops
// at an error; warnings (checksums, the snap length) never stop it.
//
// Memory is bounded (pipeline_limits): a fixed set of buffers, one
// reassembler with a byte budget, a bounded number of sessions and SAs, and
// one byte budget for everything the reorder stage holds.
#pragma once

#include "capture.hpp"
#include "esp_secrets.hpp"
#include "iptfs_stage.hpp"
#include "ipv6_stage.hpp"
#include "link.hpp"
#include "options.hpp"
#include "ppp_stage.hpp"
#include "record.hpp"
#include "snap_cut.hpp"

#include "vpnwire/core/time.hpp"
#include "vpnwire/esp/inbound_sa.hpp"
#include "vpnwire/esp/natt.hpp"
#include "vpnwire/esp/packet.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/reassembler.hpp"
#include "vpnwire/ip/tcp.hpp"
#include "vpnwire/ip/udp.hpp"
#include "vpnwire/l2tp/avp.hpp"
#include "vpnwire/l2tp/catalogue.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/hidden.hpp"
#include "vpnwire/l2tp/message.hpp"
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
#include <utility>
#include <vector>

namespace vpnwire_cli {

namespace ip = vpnwire::ip;
namespace esp = vpnwire::esp;
namespace seq = vpnwire::seq;
namespace l2 = vpnwire::l2tp;

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
  case reassembly_policy::linux_kernel: return ip::overlap_policy::linux_legacy;
  case reassembly_policy::windows: return ip::overlap_policy::windows;
  case reassembly_policy::solaris: return ip::overlap_policy::solaris;
  case reassembly_policy::linux_current: return ip::overlap_policy::linux_current;
  }
  return ip::overlap_policy::rfc5722;
}

/// How long a depth-only window keeps a mid-stream session's first arrivals
/// on probation (a depth limit has no clock; the depth itself ends it sooner).
inline constexpr std::chrono::hours depth_probation{1};

/// The reorder policy of --reorder for one session. `established`: the
/// capture holds the session's establishment (ICRQ/ICRP or OCRQ/OCRP), so
/// its data starts at Ns 0 (RFC 2661 §5.4) and the window is anchored there;
/// otherwise the capture joined the session mid-stream and the window takes
/// the probation anchor: it holds the first arrivals for the timeout (or
/// until the depth limit) and moves its anchor back when a lower Ns comes,
/// so a swapped first pair is kept. timeout=0 means what it means on Linux
/// (pppol2tp reorder timeout 0): no reordering, out-of-order packets
/// dropped; strict anchors like Linux, at 0 or at the first packet seen.
[[nodiscard]] inline seq::policy to_seq_policy(const reorder_option &r, bool established) noexcept {
  using seq::anchor_mode;
  switch (r.mode) {
  case reorder_option::kind::none: return seq::policy::pass_through();
  case reorder_option::kind::strict: break;
  case reorder_option::kind::depth: {
    const auto p = seq::policy::reordering().with_depth(static_cast<std::uint32_t>(r.value));
    return established ? p.with_anchor(anchor_mode::explicit_value) : p.with_probation(depth_probation);
  }
  case reorder_option::kind::timeout:
    if (r.value == 0) break;
    const auto p = seq::policy::with_timeout(std::chrono::milliseconds(r.value));
    return established ? p.with_anchor(anchor_mode::explicit_value) : p.with_anchor(anchor_mode::probation);
  }
  const auto p = seq::policy::strict();
  return established ? p.with_anchor(anchor_mode::explicit_value) : p;
}

/// What is held in a reorder window: the frame that carried it and its
/// innermost packet, to be written in delivery order.
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
  /// passed through unordered (an `unordered` event).
  std::size_t max_sessions = 4096;
  /// Bytes the reorder stage holds at most: each session's window (a fixed
  /// size, see pipeline::session_bytes) plus the inner packets held in them.
  /// When a packet would not fit, the sessions holding packets are released
  /// oldest first, as their timeout would (gaps skipped, held packets
  /// delivered, marked budget_release); a packet that cannot fit even then
  /// is dropped with reason "over_reorder_budget".
  std::size_t reorder_bytes = std::size_t{64} << 20;
};

class pipeline {
public:
  /// Packets a session's reorder window holds at most (L2TP Ns is 16 bits).
  static constexpr std::size_t reorder_capacity = 1024;
  /// Nesting limit (IP in ESP in IP ...): deeper packets are recorded as not decoded.
  static constexpr int max_depth = 4;
  /// Inner packets of one AGGFRAG payload decoded as layers (all are written by --write-inner).
  static constexpr std::size_t iptfs_decoded_max = 16;

  explicit pipeline(const decode_options &o, const pipeline_limits &limits = {})
      : opt_(o), lim_(limits), reasm_(make_reasm_config(o, limits)), v6_(make_reasm_config(o, limits)) {
    for (auto &b : reasm_buf_) b.resize(65535);
    for (auto &b : esp_buf_) b.resize(65535 + 64);
    secret_ = vpnwire::as_bytes(opt_.l2tp_secret);
  }

  /// Builds the SAs and the hidden-AVP digest. Nothing when ready; else the
  /// option this build or these keys cannot honour, as one sentence (a
  /// usage error).
  [[nodiscard]] std::optional<std::string> ready() {
    for (const auto &o : opt_.sas) {
      const esp::sa_config cfg = to_sa_config(o);
      if (auto v = cfg.validate(); !v) return "--esp-sa spi=" + hex32(o.spi) + ": " + std::string(esp::name(v.code()));
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
      std::vector<std::byte> material(o.key);
      material.insert(material.end(), o.salt.begin(), o.salt.begin() + (info(o.enc).salted ? 4 : 0));
      auto t = esp::crypto::openssl_transform::make(cfg, material, o.auth_key);
      if (!t) return "--esp-sa spi=" + hex32(o.spi) + ": " + std::string(esp::name(t.code()));
      sas_.emplace(o.spi, std::make_unique<inbound>(cfg, std::move(*t)));
#else
      return std::string("--esp-sa: this vpnwire was built without OpenSSL and cannot decrypt ESP");
#endif
    }
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
    if (!opt_.esp_secrets.empty()) {
      auto loaded = load_esp_secrets(opt_.esp_secrets);
      if (loaded.error) return "--esp-secrets: " + *loaded.error;
      secret_notes_ = std::move(loaded.notes);
      secrets_.add(std::move(loaded.sas), secret_notes_);
    }
    if (opt_.have_secret && !md5_.ok()) return std::string("--l2tp-secret: OpenSSL MD5 is not available (FIPS mode?)");
#else
    if (!opt_.esp_secrets.empty())
      return std::string("--esp-secrets: this vpnwire was built without OpenSSL and cannot decrypt ESP");
    if (opt_.have_secret)
      return std::string("--l2tp-secret: this vpnwire was built without OpenSSL and cannot decrypt hidden AVPs");
#endif
    return std::nullopt;
  }

  /// What loading --esp-secrets skipped, one "FILE:LINE:COLUMN: what" each
  /// (after ready()); the caller prints them.
  [[nodiscard]] const std::vector<std::string> &esp_secret_notes() const noexcept { return secret_notes_; }

  /// Bytes the reorder stage holds now (windows and held inner packets);
  /// never above limits().reorder_bytes.
  [[nodiscard]] std::size_t reorder_bytes_held() const noexcept { return held_bytes_; }
  [[nodiscard]] const pipeline_limits &limits() const noexcept { return lim_; }

  /// Dissects frame number `number` into `rec` (cleared first). Timeouts
  /// due before the frame arrived are applied first (rec.released).
  void dissect(std::uint64_t number, const captured_frame &f, frame_record &rec) {
    rec.clear();
    delivered_used_ = 0;
    hidden_used_ = 0;
    rec_ = &rec;
    rec.number = number;
    rec.ts_ns = f.ts_ns;
    rec.caplen = static_cast<std::uint32_t>(f.data.size());
    rec.wirelen = f.wire_length;
    rec.interface = f.interface;
    rec.linktype = f.linktype;
    rec.snaplen = f.snaplen;
    now_ = vpnwire::from_nanoseconds(f.ts_ns);
    cut_.reset(f.data, f.wire_length);

    events_ = &rec.released;
    poll_sessions(now_);
    events_ = &rec.events;

    iptfs_.begin_frame();
    const link_result l = decode_link(rec, f);
    network(l, f.linktype == linktype::ppp || f.linktype == linktype::ppp_hdlc);
    rec.finish_cut();
    rec_ = nullptr;
  }

  /// End of capture: held packets leave their windows as the policy would
  /// after its timeout (or, without a timeout, as a flush would), into
  /// `rec.released` of an end-of-capture record (number 0).
  void finish(frame_record &rec) {
    rec.clear();
    delivered_used_ = 0;
    rec_ = &rec;
    events_ = &rec.released;
    const bool timed = opt_.reorder.mode == reorder_option::kind::timeout && opt_.reorder.value != 0;
    const auto end = now_ + std::chrono::milliseconds(timed ? opt_.reorder.value : 0);
    for (auto &[key, s] : sessions_) {
      cur_key_ = key;
      if (timed) s->window.poll(end, sink());
      s->window.flush(sink());
      s->held_since = 0;
    }
    waiting_.clear();
    iptfs_.finish(rec, end);
    rec_ = nullptr;
  }

private:
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  using inbound = esp::inbound_sa<esp::crypto::openssl_transform, 64>;
#endif

  using window_type = seq::reorder_window<held_packet, 16, reorder_capacity, seq::policy, seq::single_thread>;
  struct session {
    explicit session(seq::policy p) : window(p, 0) {}
    window_type window;
    std::uint64_t held_since = 0; ///< frame that made the window non-empty (0: empty)
  };

public:
  /// What one session costs the reorder budget before it holds anything:
  /// its window and an estimate of the map node that owns it.
  static constexpr std::size_t session_bytes = sizeof(session) + 64;

private:
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
  static vpnwire::mutable_bytes mutable_bytes_of(std::vector<std::byte> &v) { return {v.data(), v.size()}; }

  /// The checksum field value that would verify, from the result of
  /// verifying with the stored value in place (one's complement arithmetic:
  /// the sum without the field is the sum with it minus the field).
  static std::uint16_t expected_checksum(std::uint16_t verify, std::uint16_t stored) noexcept {
    std::uint32_t sum = static_cast<std::uint16_t>(~verify);
    sum += static_cast<std::uint16_t>(~stored);
    sum = (sum & 0xFFFFU) + (sum >> 16);
    sum = (sum & 0xFFFFU) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
  }

  // ------------------------------------------------------------ network layer

  /// Continues with what a link or PPP stage said follows. `ppp_link`: the
  /// frame's link type is PPP or PPP_HDLC (Cisco HDLC may appear there).
  void network(const link_result &l, bool ppp_link) {
    switch (l.next) {
    case next_protocol::none: return;
    case next_protocol::ipv4: ip_stage(l.payload, 0, 0); return;
    case next_protocol::ipv6: ipv6_stage(l.payload, 0, 0); return;
    case next_protocol::pppoe_discovery:
    case next_protocol::pppoe_session:
      network(decode_pppoe(*rec_, cut_, l.next == next_protocol::pppoe_session, l.payload), false);
      return;
    case next_protocol::ppp: network(decode_ppp(*rec_, cut_, l.payload, ppp_link), false); return;
    }
  }

  // ------------------------------------------------------------ IPv4

  /// An IPv4 packet at nesting `depth`; `context` keeps fragments of
  /// different tunnels apart in the reassembler.
  void ip_stage(vpnwire::bytes_view b, int depth, std::uint64_t context) {
    frame_record &rec = *rec_;
    if (depth >= max_depth) {
      rec.add(not_decoded_layer{"nesting_limit", static_cast<std::uint32_t>(depth), b.size()});
      return;
    }
    // The header checksum is judged below, never fatal.
    auto v = ip::parse_ipv4_unchecked(b);
    bool cut_here = false;
    std::uint16_t wire_total = 0;
    if (!v && cut_.reaches_cut(b)) {
      if (v.code() != ip::errc::total_length_beyond_buffer) {
        if (v.code() == ip::errc::truncated || v.code() == ip::errc::header_beyond_buffer) {
          rec.note_cut("ip", b.size());
          return;
        }
      } else {
        wire_total = vpnwire::core::load_be16(b.data() + 2);
        const vpnwire::bytes_view copy = cut_.patched(b, 2, static_cast<std::uint16_t>(b.size()));
        if (copy.empty()) {
          rec.note_cut("ip", b.size());
          return;
        }
        v = ip::parse_ipv4_unchecked(copy);
        cut_here = static_cast<bool>(v);
      }
    }
    if (!v) {
      rec.fail("ip", v.error());
      return;
    }
    // The header as captured (the copy of a cut packet differs in its length field).
    const vpnwire::bytes_view header = b.first(v->header_length());
    ipv4_layer l;
    l.depth = static_cast<std::uint8_t>(depth);
    l.header_length = static_cast<std::uint8_t>(v->header_length());
    l.tos = v->tos();
    l.total_length = cut_here ? wire_total : v->total_length();
    l.id = v->identification();
    l.flags = static_cast<std::uint8_t>(vpnwire::core::load_u8(header.data() + 6) >> 5);
    l.fragment_offset = static_cast<std::uint16_t>(v->fragment_offset());
    l.ttl = v->ttl();
    l.protocol = v->protocol();
    l.checksum = v->checksum();
    l.checksum_calculated = ip::ipv4_header_checksum(header);
    l.src = v->source();
    l.dst = v->destination();
    l.status = l.checksum == l.checksum_calculated ? checksum_status::good : checksum_status::bad;
    if (l.status == checksum_status::bad) rec.warn("ip", ip::name(ip::errc::bad_header_checksum), 10);
    const std::size_t layer_index = rec.layers.size();
    rec.add(l);
    if (cut_here) rec.note_cut("ip", b.size());

    ip::ipv4_view pkt = *v;
    if (v->is_fragment()) {
      if (cut_here) {
        // Part of the fragment is missing: it cannot join a reassembly.
        add_event(fragment_event(event::kind::fragment_not_captured, layer_index));
        rec.inner = {};
        return;
      }
      auto whole = reassemble(*v, depth, context, layer_index);
      if (!whole) return;
      pkt = *whole;
    }
    rec.inner = cut_here ? vpnwire::bytes_view{} : pkt.packet();
    const vpnwire::bytes_view payload = pkt.payload();
    switch (pkt.protocol()) {
    case ip::proto::udp: udp_stage(l.src, l.dst, payload, depth); break;
    case ip::proto::esp: esp_stage(payload, depth); break;
    case ip::proto::tcp:
      tcp_stage(l.src, l.dst, payload, cut_here ? l.total_length - std::size_t{l.header_length} : payload.size());
      break;
    case esp::next_header_ipv6: ipv6_stage(payload, depth + 1, context); break;
    default: rec.add(not_decoded_layer{"ip.proto", pkt.protocol(), payload.size()});
    }
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

  /// Offers a fragment to the reassembler: a fragment_held event while its
  /// datagram is incomplete, fragment_completed (with every fragment's
  /// frame) and the whole datagram when it completes.
  std::optional<ip::ipv4_view> reassemble(const ip::ipv4_view &v, int depth, std::uint64_t context,
                                          std::size_t layer_index) {
    frame_record &rec = *rec_;
    const frag_key key{v.source(), v.destination(), v.identification(), v.protocol(), context};
    auto r = reasm_.submit(v.packet(), context, now_, mutable_bytes_of(reasm_buf_[static_cast<std::size_t>(depth)]));
    auto &frames = frag_frames_[key];
    if (frames.empty()) frag_first_ts_[key] = rec.ts_ns;
    const bool listed = frames.size() < 256;
    if (listed) frames.push_back(rec.number);
    if (!r) {
      // As the IPv6 stage: a packet-scope refusal keeps the datagram's frame
      // list (an exact duplicate stays in it, as in tshark's); a datagram-scope
      // one drops the list with the datagram.
      if (ip::scope(r.code()) == ip::error_scope::packet) {
        if (listed && r.code() != ip::errc::duplicate_fragment) frames.pop_back();
      } else {
        frames.clear();
      }
      if (frames.empty()) {
        frag_frames_.erase(key);
        frag_first_ts_.erase(key);
      }
      rec.fail("ip", r.error());
      return std::nullopt;
    }
    if (r->status == ip::delivery_status::incomplete) {
      add_event(fragment_event(event::kind::fragment_held, layer_index));
      rec.inner = {}; // the datagram is written when it completes, not fragment by fragment
      prune_fragments();
      return std::nullopt;
    }
    auto whole = ip::parse_ipv4_unchecked(r->datagram);
    event e = fragment_event(event::kind::fragment_completed, layer_index);
    e.fragments.first = static_cast<std::uint32_t>(rec.fragment_frames.size());
    rec.fragment_frames.insert(rec.fragment_frames.end(), frames.begin(), frames.end());
    e.fragments.count = static_cast<std::uint32_t>(frames.size());
    frag_frames_.erase(key);
    frag_first_ts_.erase(key);
    if (!whole) {
      rec.fail("ip", whole.error());
      return std::nullopt;
    }
    e.datagram_length = whole->total_length();
    add_event(e);
    return *whole;
  }

  /// Forgets fragment-frame lists of datagrams the reassembler has given up
  /// on (timed out): keeps the bookkeeping as bounded as the reassembler.
  void prune_fragments() {
    if (frag_frames_.size() <= 2048) return;
    const std::int64_t limit = rec_->ts_ns - std::int64_t{30} * 1'000'000'000;
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

  /// A UDP datagram from `src` to `dst` (for transport-mode ESP, the outer
  /// packet's addresses, as Wireshark checks it; a NAT between the peers
  /// makes such a checksum fail, RFC 3948 §3.1.2).
  template <class Address> void udp_stage(const Address &src, const Address &dst, vpnwire::bytes_view b, int depth) {
    frame_record &rec = *rec_;
    auto u = ip::parse_udp(b);
    bool cut_here = false;
    if (!u && cut_.reaches_cut(b)) {
      if (u.code() == ip::errc::truncated) {
        rec.note_cut("udp", b.size());
        return;
      }
      if (u.code() == ip::errc::udp_length_invalid && vpnwire::core::load_be16(b.data() + 4) > b.size()) {
        const vpnwire::bytes_view copy = cut_.patched(b, 4, static_cast<std::uint16_t>(b.size()));
        if (copy.empty()) {
          rec.note_cut("udp", b.size());
          return;
        }
        u = ip::parse_udp(copy);
        cut_here = static_cast<bool>(u);
      }
    }
    if (!u) {
      rec.fail("udp", u.error());
      return;
    }
    udp_layer l;
    l.src_port = u->source_port();
    l.dst_port = u->destination_port();
    l.length = cut_here ? vpnwire::core::load_be16(b.data() + 4) : u->length();
    l.checksum = u->checksum();
    l.checksum_calculated = l.checksum;
    if (l.checksum == 0) {
      l.status = checksum_status::not_present;
      if constexpr (sizeof(Address) == 16) {
        l.status = checksum_status::illegal;
        rec.warn("udp", ip::name(ip::errc::zero_udp_checksum), 6);
      }
    } else if (!cut_here) {
      const std::uint16_t r = ip::pseudo_header_checksum(src, dst, ip::proto::udp, u->datagram());
      l.status = r == 0 ? checksum_status::good : checksum_status::bad;
      if (r != 0) {
        l.checksum_calculated = expected_checksum(r, l.checksum);
        if (l.checksum_calculated == 0) l.checksum_calculated = 0xFFFF;
        rec.warn("udp", ip::name(ip::errc::bad_udp_checksum), 6);
      }
    }
    rec.add(l);
    if (cut_here) rec.note_cut("udp", b.size());
    const vpnwire::bytes_view payload = u->payload();
    const bool natt = l.src_port == esp::natt_port || l.dst_port == esp::natt_port;
    const bool l2tp = l.src_port == l2::udp_port || l.dst_port == l2::udp_port;
    if (natt) {
      auto c = esp::classify_udp4500(payload);
      if (!c) {
        if (cut_.reaches_cut(payload) && c.code() == esp::errc::too_short)
          rec.note_cut("esp", payload.size());
        else
          rec.fail("esp", c.error());
        return;
      }
      switch (c->kind) {
      case esp::natt_kind::keepalive: rec.add(natt_layer{true}); return;
      case esp::natt_kind::ike:
        rec.add(natt_layer{false});
        rec.add(not_decoded_layer{"isakmp", 0, c->payload.size()});
        return;
      case esp::natt_kind::esp: esp_stage(c->payload, depth); return;
      }
    } else if (l2tp) {
      l2tp_stage(payload, depth);
    } else if (l.src_port == 500 || l.dst_port == 500) {
      rec.add(not_decoded_layer{"isakmp", 0, payload.size()});
    }
  }

  /// A TCP segment from `src` to `dst`, `wire_length` bytes on the wire.
  template <class Address>
  void tcp_stage(const Address &src, const Address &dst, vpnwire::bytes_view b, std::size_t wire_length) {
    frame_record &rec = *rec_;
    auto t = ip::parse_tcp(b);
    if (!t) {
      if (cut_.reaches_cut(b) && (t.code() == ip::errc::truncated || t.code() == ip::errc::tcp_header_beyond_buffer))
        rec.note_cut("tcp", b.size());
      else
        rec.fail("tcp", t.error());
      return;
    }
    const bool cut_here = cut_.reaches_cut(b) && wire_length > b.size();
    tcp_layer l;
    l.src_port = t->source_port();
    l.dst_port = t->destination_port();
    l.seq = t->sequence();
    l.ack = t->acknowledgment();
    l.header_length = static_cast<std::uint8_t>(t->header_length());
    l.flags = static_cast<std::uint16_t>((vpnwire::core::load_be16(t->segment().data() + 12)) & 0x0FFFU);
    l.window = t->window();
    l.checksum = t->checksum();
    l.checksum_calculated = l.checksum;
    l.urgent = t->urgent_pointer();
    l.payload_length = (cut_here ? wire_length : b.size()) - t->header_length();
    l.options.first = static_cast<std::uint32_t>(rec.tcp_options.size());
    auto it = t->option_iter();
    while (!it.done()) {
      auto o = it.next();
      if (!o) {
        rec.fail("tcp", o.error(), ip::tcp_min_header);
        break;
      }
      rec.tcp_options.push_back(tcp_option{o->type, static_cast<std::uint8_t>(o->size)});
      if (o->type == ip::tcp_option::mss && o->data.size() == 2) l.mss = vpnwire::core::load_be16(o->data.data());
    }
    l.options.count = static_cast<std::uint32_t>(rec.tcp_options.size()) - l.options.first;
    if (!cut_here) {
      const std::uint16_t r = ip::pseudo_header_checksum(src, dst, ip::proto::tcp, t->segment());
      l.status = r == 0 ? checksum_status::good : checksum_status::bad;
      if (r != 0) {
        l.checksum_calculated = expected_checksum(r, l.checksum);
        rec.warn("tcp", cli_code::bad_tcp_checksum, 16);
      }
    }
    rec.add(l);
    if (cut_here) rec.note_cut("tcp", b.size());
  }

  // ------------------------------------------------------------ ESP

  void esp_stage(vpnwire::bytes_view b, int depth) {
    frame_record &rec = *rec_;
    if (depth >= max_depth) {
      rec.add(not_decoded_layer{"nesting_limit", static_cast<std::uint32_t>(depth), b.size()});
      return;
    }
    auto p = esp::parse_packet(b);
    if (!p) {
      if (cut_.reaches_cut(b) && p.code() == esp::errc::too_short)
        rec.note_cut("esp", b.size());
      else
        rec.fail("esp", p.error());
      return;
    }
    esp_layer l;
    l.spi = p->spi();
    l.seq = p->sequence_low();
    const std::size_t index = rec.layers.size();
    rec.add(l);
    auto esp_ref = [&]() -> esp_layer & { return std::get<esp_layer>(rec.layers[index]); };
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
    auto it = sas_.find(p->spi());
    const esp_secret_store::match sm = it == sas_.end() ? find_secret(p->spi()) : esp_secret_store::match{};
    if (it == sas_.end() && !sm) return; // no_sa
    if (cut_.reaches_cut(b)) {
      // The ICV and part of the ciphertext were not captured.
      esp_ref().state = esp_layer::payload_state::not_captured;
      rec.note_cut("esp", b.size());
      return;
    }
    std::vector<std::byte> &buf = esp_buf_[static_cast<std::size_t>(depth)];
    std::memcpy(buf.data(), b.data(), b.size());
    const vpnwire::mutable_bytes work(buf.data(), b.size());
    auto d = sm ? esp_secret_store::decap(sm, work) : it->second->decap(work);
    if (sm) mark_secret_sa(esp_ref(), *sm.sa, d && !d->verified);
    if (!d) {
      esp_ref().state = esp_layer::payload_state::failed;
      rec.fail("esp", d.error());
      return;
    }
    esp_ref().state = esp_layer::payload_state::decrypted;
    esp_ref().pad_length = d->pad_length;
    esp_ref().next_header = d->next_header;
    if (d->outcome == esp::decap_outcome::dummy) {
      esp_ref().dummy = true;
      return;
    }
    const vpnwire::bytes_view payload = d->payload;
    const ipv4_layer *outer = last_ip();
    const std::uint32_t src = outer ? outer->src : 0, dst = outer ? outer->dst : 0;
    switch (d->next_header) {
    case esp::next_header_ipv4: ip_stage(payload, depth + 1, std::uint64_t{p->spi()} + 1); break;
    case esp::next_header_ipv6: ipv6_stage(payload, depth + 1, std::uint64_t{p->spi()} + 1); break;
    // Transport mode: the pseudo-header is the outer packet's.
    case ip::proto::udp:
      if (const ipv6_layer *v6 = outer_ipv6(outer))
        udp_stage(ip::ipv6_address(v6->src), ip::ipv6_address(v6->dst), payload, depth + 1);
      else
        udp_stage(src, dst, payload, depth + 1);
      break;
    case ip::proto::tcp:
      if (const ipv6_layer *v6 = outer_ipv6(outer))
        tcp_stage(ip::ipv6_address(v6->src), ip::ipv6_address(v6->dst), payload, payload.size());
      else
        tcp_stage(src, dst, payload, payload.size());
      break;
    case vpnwire::iptfs::next_header_aggfrag: aggfrag_stage(payload, depth, p->spi(), d->sequence); break;
    default: rec.add(not_decoded_layer{"ip.proto", d->next_header, payload.size()});
    }
#else
    (void)depth;
    esp_ref().state = esp_layer::payload_state::no_backend;
#endif
  }

  /// The IPv6 layer that carries ESP when it is later in the record than
  /// the last IPv4 layer `v4` (ESP over IPv6), else nothing.
  [[nodiscard]] const ipv6_layer *outer_ipv6(const ipv4_layer *v4) const noexcept {
    for (auto it = rec_->layers.rbegin(); it != rec_->layers.rend(); ++it) {
      if (const auto *p = std::get_if<ipv6_layer>(&*it)) return p;
      if (std::get_if<ipv4_layer>(&*it) == v4 && v4 != nullptr) return nullptr;
    }
    return nullptr;
  }

  // ------------------------------------------------------------ IPv6

  /// An IPv6 packet at nesting `depth` (ipv6_stage.hpp), then its upper layer.
  void ipv6_stage(vpnwire::bytes_view b, int depth, std::uint64_t context) {
    frame_record &rec = *rec_;
    if (depth >= max_depth) {
      rec.add(not_decoded_layer{"nesting_limit", static_cast<std::uint32_t>(depth), b.size()});
      return;
    }
    const auto u = v6_.dissect(rec, cut_, *events_, b, depth, context, now_);
    if (!u) return;
    switch (u->protocol) {
    case ip::proto::udp: udp_stage(u->src, u->dst, u->payload, depth); break;
    case ip::proto::tcp: tcp_stage(u->src, u->dst, u->payload, u->wire_length); break;
    case ip::proto::esp: esp_stage(u->payload, depth); break;
    case esp::next_header_ipv4: ip_stage(u->payload, depth + 1, context); break;
    case esp::next_header_ipv6: ipv6_stage(u->payload, depth + 1, context); break;
    case vpnwire::ip::icmpv6_next_header: decode_icmpv6(rec, cut_, u->src, u->dst, u->payload, u->wire_length); break;
    case ip::proto::no_next_header: break;
    default: rec.add(not_decoded_layer{"ip.proto", u->protocol, u->payload.size()});
    }
  }

#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  /// The --esp-secrets SA for an SPI, matched by the outer addresses.
  esp_secret_store::match find_secret(std::uint32_t spi) {
    if (secrets_.empty()) return {};
    const ipv4_layer *outer = last_ip();
    if (const ipv6_layer *v6 = outer_ipv6(outer)) { // ESP over IPv6: match the 16-byte addresses
      std::array<std::uint8_t, 16> src6{}, dst6{};
      for (std::size_t i = 0; i < 16; ++i) {
        src6[i] = static_cast<std::uint8_t>(v6->src[i]);
        dst6[i] = static_cast<std::uint8_t>(v6->dst[i]);
      }
      return secrets_.find(spi, src6, dst6);
    }
    const auto src = address_bytes(outer != nullptr ? outer->src : 0);
    const auto dst = address_bytes(outer != nullptr ? outer->dst : 0);
    return secrets_.find(spi, src, dst);
  }
#endif

  /// An AGGFRAG payload (iptfs_stage.hpp): its layer, then the layers of
  /// the inner packets it completed (at most iptfs_decoded_max decoded; all
  /// of them go to --write-inner through rec.iptfs_inner).
  void aggfrag_stage(vpnwire::bytes_view payload, int depth, std::uint32_t spi, std::uint64_t seq) {
    const std::vector<vpnwire::bytes_view> inner = iptfs_.offer(*rec_, spi, seq, payload, now_);
    for (std::size_t i = 0; i < inner.size() && i < iptfs_decoded_max; ++i) {
      const unsigned version = inner[i].empty() ? 0U : (vpnwire::core::load_u8(inner[i].data()) >> 4);
      if (version == 4)
        ip_stage(inner[i], depth + 1, std::uint64_t{spi} + 1);
      else if (version == 6)
        ipv6_stage(inner[i], depth + 1, std::uint64_t{spi} + 1);
      else
        rec_->add(not_decoded_layer{"ip.version", version, inner[i].size()});
    }
    rec_->inner = {}; // the frame's inner packets are rec.iptfs_inner
  }

  [[nodiscard]] const ipv4_layer *last_ip() const noexcept {
    for (auto it = rec_->layers.rbegin(); it != rec_->layers.rend(); ++it)
      if (const auto *p = std::get_if<ipv4_layer>(&*it)) return p;
    return nullptr;
  }

  // ------------------------------------------------------------ L2TP

  void l2tp_stage(vpnwire::bytes_view b, int depth) {
    frame_record &rec = *rec_;
    auto h = l2::parse_header(b);
    bool cut_here = false;
    std::uint16_t wire_length = 0;
    if (!h && cut_.reaches_cut(b)) {
      if (h.code() == l2::errc::header_truncated) {
        rec.note_cut("l2tp", b.size());
        return;
      }
      if (h.code() == l2::errc::length_beyond_datagram) {
        wire_length = vpnwire::core::load_be16(b.data() + 2);
        const vpnwire::bytes_view copy = cut_.patched(b, 2, static_cast<std::uint16_t>(b.size()));
        if (copy.empty()) {
          rec.note_cut("l2tp", b.size());
          return;
        }
        h = l2::parse_header(copy);
        cut_here = static_cast<bool>(h);
      }
    }
    if (!h) {
      rec.fail("l2tp", h.error());
      return;
    }
    l2tp_layer l;
    l.flags = vpnwire::core::load_be16(b.data());
    l.control = h->is_control();
    l.length_bit = h->has_length();
    l.seq_bit = h->has_sequence();
    l.offset_bit = h->has_offset();
    l.priority = h->priority();
    l.version = static_cast<std::uint8_t>(h->version());
    l.length = cut_here ? wire_length : (h->has_length() ? h->length() : 0);
    l.tunnel = h->tunnel_id();
    l.session = h->session_id();
    l.ns = h->ns();
    l.nr = h->nr();
    l.offset_size = h->has_offset() ? h->offset_size() : 0;
    if (cut_here) rec.note_cut("l2tp", b.size());
    if (l.control) {
      control_stage(*h, l, cut_here);
      rec.add(l);
      return;
    }
    rec.add(l);
    // The PPP frame and what it carries are decoded now, for this frame's
    // record; delivery order is the reorder window's business. Inner
    // fragments are only merged within their own session (reassembler context).
    const std::uint64_t context = (std::uint64_t{1} << 48) | (std::uint64_t{l.tunnel} << 16) | l.session;
    const link_result next = decode_ppp(rec, cut_, h->payload());
    if (next.next == next_protocol::ipv4)
      ip_stage(next.payload, depth + 1, context);
    else if (next.next == next_protocol::ipv6)
      ipv6_stage(next.payload, depth + 1, context);
    if (l.seq_bit) reorder(l.tunnel, l.session, l.ns);
  }

  /// A control message: every AVP in order with its value (hidden ones
  /// decrypted when the secret is known, with the nearest preceding Random
  /// Vector), checked against the catalogue; then the message rules.
  void control_stage(const l2::header_view &h, l2tp_layer &l, bool cut_here) {
    frame_record &rec = *rec_;
    const vpnwire::bytes_view body = h.payload();
    const std::size_t base = h.payload_offset();
    l.avps.first = static_cast<std::uint32_t>(rec.avps.size());
    std::optional<std::uint16_t> assigned_tunnel, assigned_session;
    l2::avp_reader rd(body);
    vpnwire::bytes_view rv;
    for (const l2::avp_view &a : rd) {
      l2tp_avp e{a.mandatory(), a.hidden(), static_cast<std::uint16_t>(a.length()), a.vendor_id(), a.type(),
                 a.value(),     false};
      const bool ietf = a.is_ietf();
      if (ietf && a.hidden()) {
        auto plain = reveal(a, rv, base);
        if (plain)
          e.value = *plain;
        else
          e.still_hidden = true;
      }
      if (ietf && !e.still_hidden) {
        if (auto c = l2::check_value(a.type(), e.value); !c) rec.fail("l2tp", c.error(), base + a.value_offset());
        using A = l2::avp_type;
        switch (static_cast<A>(a.type())) {
        case A::message_type:
          if (l.message_type == 0 && e.value.size() == 2) l.message_type = vpnwire::core::load_be16(e.value.data());
          break;
        case A::sequencing_required: l.seq_required = true; break;
        case A::random_vector: rv = e.value; break;
        case A::assigned_tunnel_id:
          if (e.value.size() == 2) assigned_tunnel = vpnwire::core::load_be16(e.value.data());
          break;
        case A::assigned_session_id:
          if (e.value.size() == 2) assigned_session = vpnwire::core::load_be16(e.value.data());
          break;
        default: break;
        }
      }
      rec.avps.push_back(e);
    }
    l.avps.count = static_cast<std::uint32_t>(rec.avps.size()) - l.avps.first;
    l.avps_cut = cut_here; // the message ends where the capture does, AVP boundary or not
    if (rd.error().code != l2::errc::ok) {
      // An AVP running into the end of a cut capture is where the capture stopped.
      const bool at_cut =
          rd.error().code == l2::errc::avp_length_beyond_message || rd.error().code == l2::errc::avp_header_truncated;
      if (!cut_here || !at_cut) rec.fail("l2tp", rd.error(), base);
      return;
    }
    if (body.empty() || cut_here) return; // a ZLB; or a cut message, whose rules cannot be judged
    auto m = l2::validate_message(body);
    if (!m)
      rec.fail("l2tp", m.error(), base);
    else if (m->action() != l2::disposition::accept)
      l.disposition = l2::name(m->action());
    note_establishment(l.message_type, h.tunnel_id(), assigned_tunnel, assigned_session);
  }

  /// The plain value of a hidden AVP, decrypted into this frame's arena;
  /// nothing (the AVP stays hidden) without the secret. Errors go to the record.
  std::optional<vpnwire::bytes_view> reveal(const l2::avp_view &a, vpnwire::bytes_view rv, std::size_t base) {
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
    if (!opt_.have_secret) return std::nullopt;
    if (rv.empty()) {
      rec_->fail("l2tp", name(l2::errc::hidden_avp_without_random_vector), base + a.offset());
      return std::nullopt;
    }
    const vpnwire::mutable_bytes out(hidden_arena_.data() + hidden_used_, hidden_arena_.size() - hidden_used_);
    auto plain = l2::decode_hidden(md5_, a.type(), a.value(), secret_, rv, out);
    if (!plain) {
      rec_->fail("l2tp", plain.error(), base + a.value_offset());
      return std::nullopt;
    }
    hidden_used_ += a.value().size();
    return *plain;
#else
    (void)a;
    (void)rv;
    (void)base;
    return std::nullopt;
#endif
  }

  // ------------------------------------------------------------ sessions

  using session_key = std::uint32_t; // tunnel << 16 | session

  /// Learns, from the control messages of the capture, which sessions were
  /// established in it: SCCRQ/SCCRP pair the two ends' tunnel IDs; an
  /// ICRQ/ICRP/OCRQ/OCRP assigns its sender's session ID, which the peer
  /// puts in the data it sends back (tunnel = the sender's own tunnel).
  void note_establishment(std::uint16_t message_type, std::uint16_t header_tunnel,
                          std::optional<std::uint16_t> assigned_tunnel, std::optional<std::uint16_t> assigned_session) {
    constexpr std::uint16_t sccrp = 2, ocrq = 7, ocrp = 8, icrq = 10, icrp = 11;
    if (message_type == sccrp && assigned_tunnel && peer_tunnel_.size() < lim_.max_sessions) {
      peer_tunnel_[header_tunnel] = *assigned_tunnel;
      peer_tunnel_[*assigned_tunnel] = header_tunnel;
    }
    const bool call = message_type == icrq || message_type == icrp || message_type == ocrq || message_type == ocrp;
    if (!call || !assigned_session || established_.size() >= lim_.max_sessions) return;
    auto own = peer_tunnel_.find(header_tunnel);
    if (own != peer_tunnel_.end())
      established_.insert((std::uint32_t{own->second} << 16) | *assigned_session);
    else
      established_.insert((std::uint32_t{0xFFFF} << 16) | *assigned_session); // tunnel unknown: match the session alone
  }

  [[nodiscard]] bool established(session_key key) const {
    return established_.count(key) != 0 || established_.count((std::uint32_t{0xFFFF} << 16) | (key & 0xFFFFU)) != 0;
  }

  // ------------------------------------------------------------ reorder

  void reorder(std::uint16_t tunnel, std::uint16_t session_id, std::uint16_t ns) {
    frame_record &rec = *rec_;
    const session_key key = (std::uint32_t{tunnel} << 16) | session_id;
    cur_key_ = key;
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
      if (sessions_.size() >= lim_.max_sessions || !make_room(session_bytes)) {
        // Delivered unordered: the inner packet is written with the frame.
        add_event(session_event(event::kind::unordered, key, ns, rec.number));
        return;
      }
      it = sessions_.emplace(key, std::make_unique<session>(to_seq_policy(opt_.reorder, established(key)))).first;
      held_bytes_ += session_bytes;
    }
    session &s = *it->second;
    rec.inner_held = true;
    const std::size_t cost = rec.inner.size();
    if (!make_room(cost)) {
      cur_key_ = key;
      event e = session_event(event::kind::drop, key, ns, rec.number);
      e.reason = "over_reorder_budget";
      add_event(e);
      return;
    }
    held_packet item;
    item.frame = rec.number;
    if (cost != 0) item.inner.assign(rec.inner.begin(), rec.inner.end());
    const std::size_t held_cost = item.inner.capacity();
    held_bytes_ += held_cost;
    cur_key_ = key;
    const auto outcome = s.window.insert(ns, std::move(item), now_, sink());
    if (!seq::accepted(outcome)) held_bytes_ -= held_cost; // the item stayed with us
    update_waiting(key, s);
    if (!seq::accepted(outcome)) {
      event e = session_event(event::kind::drop, key, ns, rec.number);
      e.reason = seq::name(outcome);
      add_event(e);
    }
  }

  /// Keeps waiting_ (sessions holding packets, oldest first) in step with a window.
  void update_waiting(session_key key, session &s) {
    if (s.window.held() != 0 && s.held_since == 0) {
      s.held_since = rec_->number;
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
    const session_key saved = cur_key_;
    while (held_bytes_ + cost > lim_.reorder_bytes && !waiting_.empty()) {
      const session_key key = waiting_.begin()->second;
      waiting_.erase(waiting_.begin());
      session &s = *sessions_.at(key);
      cur_key_ = key;
      budget_release_ = true;
      s.window.flush(sink());
      budget_release_ = false;
      s.held_since = 0;
    }
    cur_key_ = saved;
    return held_bytes_ + cost <= lim_.reorder_bytes;
  }

  void poll_sessions(vpnwire::time_point now) {
    // Only sessions holding packets can time out or end a probation.
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

  /// Receives what a reorder window delivers: a deliver event for the
  /// current record's events_ list, with the packet kept until the next frame.
  struct delivery_sink {
    pipeline *self;
    void operator()(std::uint16_t ns, held_packet &&p) const noexcept { self->deliver(ns, std::move(p)); }
  };
  delivery_sink sink() { return delivery_sink{this}; }

  void deliver(std::uint16_t ns, held_packet &&p) {
    held_bytes_ -= p.inner.capacity();
    if (delivered_used_ == delivered_.size()) delivered_.emplace_back();
    std::vector<std::byte> &keep = delivered_[delivered_used_++];
    keep.swap(p.inner);
    event e = session_event(event::kind::deliver, cur_key_, ns, p.frame);
    e.budget_release = budget_release_;
    e.packet = vpnwire::bytes_view(keep.data(), keep.size());
    add_event(e);
  }

  void add_event(const event &e) { events_->push_back(e); }
  [[nodiscard]] event fragment_event(event::kind k, std::size_t layer_index) const {
    event e;
    e.what = k;
    e.frame = rec_->number;
    e.layer_index = layer_index;
    return e;
  }
  [[nodiscard]] static event session_event(event::kind k, session_key key, std::uint16_t ns, std::uint64_t frame) {
    event e;
    e.what = k;
    e.tunnel = static_cast<std::uint16_t>(key >> 16);
    e.session = static_cast<std::uint16_t>(key & 0xFFFFU);
    e.ns = ns;
    e.frame = frame;
    return e;
  }

  const decode_options &opt_;
  pipeline_limits lim_;
  ip::reassembler reasm_;
  ipv6_header_stage v6_;
  frame_record *rec_ = nullptr;
  std::vector<event> *events_ = nullptr;
  snap_cut cut_;
  vpnwire::time_point now_{};
  std::array<std::vector<std::byte>, max_depth> reasm_buf_;
  std::array<std::vector<std::byte>, max_depth> esp_buf_;
  /// Decrypted hidden AVP values of the current frame (a message is at most
  /// 65535 bytes, so its plain values fit).
  std::vector<std::byte> hidden_arena_ = std::vector<std::byte>(65536);
  std::size_t hidden_used_ = 0;
  /// Packets delivered during the current frame, kept until the next one.
  std::vector<std::vector<std::byte>> delivered_;
  std::size_t delivered_used_ = 0;
  std::map<frag_key, std::vector<std::uint64_t>> frag_frames_;
  std::map<frag_key, std::int64_t> frag_first_ts_;
  std::map<session_key, std::unique_ptr<session>> sessions_;
  std::map<std::uint16_t, std::uint16_t> peer_tunnel_;
  std::set<session_key> established_;
  /// Sessions whose window holds packets, by the frame that started the
  /// hold: the oldest first.
  std::set<std::pair<std::uint64_t, session_key>> waiting_;
  std::size_t held_bytes_ = 0; ///< bytes charged to the reorder budget
  session_key cur_key_ = 0;
  std::vector<std::string> secret_notes_;
  iptfs_stage iptfs_;
  bool budget_release_ = false;
  vpnwire::bytes_view secret_;
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  std::map<std::uint32_t, std::unique_ptr<inbound>> sas_;
  esp_secret_store secrets_;
  vpnwire::crypto::openssl_md5 md5_;
#endif
};

} // namespace vpnwire_cli
