// Deterministic generator of the demo captures in examples/captures/, built
// only with vpnwire's own builders (IPv4, UDP, fragmenter, ESP outbound SA,
// L2TP message writer, PPP frames and control packets, PPPoE). The same
// inputs always give byte-identical files: timestamps, IVs and padding come
// from fixed values and a seeded generator.
//
//   vpnwire_gen_captures OUTDIR            the incident captures (incident 1 also
//                                          over plain L2TP, without IPsec)
//   vpnwire_gen_captures --large N FILE    a capture of N rounds of incident 1's
//                                          data phase (for benchmarks)
//
// The keys are in examples/captures/README.md and in keys() below.
#include "capture.hpp"

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#include "vpnwire/ip/fragmenter.hpp"
#include "vpnwire/ip/ipv4.hpp"
#include "vpnwire/ip/udp.hpp"
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/writer.hpp"
#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ip = vpnwire::ip;
namespace esp = vpnwire::esp;
namespace l2tp = vpnwire::l2tp;
namespace ppp = vpnwire::ppp;
using vpnwire::bytes_view;
using vpnwire::mutable_bytes;
using bytes = std::vector<std::byte>;

[[noreturn]] void die(const std::string &what) {
  std::fprintf(stderr, "vpnwire_gen_captures: %s\n", what.c_str());
  std::exit(1);
}

template <class R> auto must(R r, const char *what) {
  if (!r) die(std::string(what) + ": " + std::string(name(r.code())));
  if constexpr (!std::is_void_v<typename R::value_type>) return std::move(*r);
}
// The message writer's steps return the writer (errors are sticky).
void must(const l2tp::message_writer &w, const char *what) {
  if (!w) die(std::string(what) + ": " + std::string(name(w.error().code)));
}

constexpr std::uint32_t addr(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

bytes unhex(std::string_view s) {
  bytes out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<std::byte>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
  return out;
}

/// xorshift64*: the deterministic source of CBC IVs and hidden-AVP padding.
struct prng {
  std::uint64_t s = 0x9E3779B97F4A7C15ULL;
  std::uint64_t next() noexcept {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
  }
  static void fill(void *ctx, mutable_bytes out) noexcept {
    auto *p = static_cast<prng *>(ctx);
    for (std::byte &b : out) b = static_cast<std::byte>(p->next() >> 56);
  }
};

// ------------------------------------------------------------------ keys

struct sa_keys {
  std::uint32_t spi;
  esp::sa_config cfg;
  bytes enc;
  bytes auth;
};

/// Incident 1: L2TP/IPsec, transport mode, NAT-T, AES-128-CBC + HMAC-SHA1-96.
sa_keys incident1_sa(std::uint32_t spi, const char *enc_hex, const char *auth_hex) {
  sa_keys k{spi, {}, unhex(enc_hex), unhex(auth_hex)};
  k.cfg.spi = spi;
  k.cfg.cipher = esp::cipher::aes_cbc;
  k.cfg.key_bits = 128;
  k.cfg.integrity = esp::integrity::hmac_sha1_96;
  k.cfg.mode = esp::sa_mode::transport;
  k.cfg.udp_encap = true;
  return k;
}
sa_keys incident1_c2s() {
  return incident1_sa(0xc1000001U, "00112233445566778899aabbccddeeff", "0102030405060708090a0b0c0d0e0f1011121314");
}
sa_keys incident1_s2c() {
  return incident1_sa(0x5e000001U, "ffeeddccbbaa99887766554433221100", "2122232425262728292a2b2c2d2e2f3031323334");
}
/// Incident 2: site-to-site tunnel mode, NAT-T, AES-128-GCM with a 16-byte ICV
/// (the key ends with the 4-byte salt).
sa_keys incident2_sa(std::uint32_t spi, const char *key_and_salt_hex) {
  sa_keys k{spi, {}, unhex(key_and_salt_hex), {}};
  k.cfg.spi = spi;
  k.cfg.cipher = esp::cipher::aes_gcm;
  k.cfg.key_bits = 128;
  k.cfg.aead_icv_size = 16;
  k.cfg.mode = esp::sa_mode::tunnel;
  k.cfg.udp_encap = true;
  return k;
}
sa_keys incident2_a2b() { return incident2_sa(0xa0000001U, "000102030405060708090a0b0c0d0e0fcafebabe"); }
sa_keys incident2_b2a() { return incident2_sa(0xb0000001U, "101112131415161718191a1b1c1d1e1fdeadbeef"); }

using transform = esp::crypto::openssl_transform;
using outbound = esp::outbound_sa<transform>;

std::unique_ptr<outbound> make_sa(const sa_keys &k, prng &rng) {
  auto t = must(transform::make(k.cfg, k.enc, k.auth), "openssl_transform::make");
  return std::make_unique<outbound>(k.cfg, std::move(t), esp::iv_generator{&prng::fill, &rng});
}

// ------------------------------------------------------------------ builders

bytes ipv4(std::uint32_t src, std::uint32_t dst, std::uint8_t proto, std::uint16_t id, bytes_view payload,
           bool df = false) {
  bytes out(20 + payload.size());
  ip::ipv4_fields f;
  f.source = src;
  f.destination = dst;
  f.protocol = proto;
  f.identification = id;
  f.dont_fragment = df;
  const std::size_t h = must(ip::build_ipv4_header(out, f, payload.size()), "build_ipv4_header");
  std::memcpy(out.data() + h, payload.data(), payload.size());
  return out;
}

bytes udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sp, std::uint16_t dp, bytes_view payload) {
  bytes out(8 + payload.size());
  const std::size_t n = must(ip::build_udp(out, src, dst, sp, dp, payload), "build_udp");
  out.resize(n);
  return out;
}

/// A TCP segment (no TCP builder in the library: 20 bytes + options, the
/// checksum by the library's pseudo-header sum).
bytes tcp(std::uint32_t src, std::uint32_t dst, std::uint16_t sp, std::uint16_t dp, std::uint32_t seq,
          std::uint32_t ack, std::uint8_t flags, std::optional<std::uint16_t> mss, std::size_t data_len) {
  const std::size_t hlen = mss ? 24 : 20;
  bytes out(hlen + data_len);
  vpnwire::core::byte_writer w(out);
  (void)w.u16(sp);
  (void)w.u16(dp);
  (void)w.u32(seq);
  (void)w.u32(ack);
  (void)w.u8(static_cast<std::uint8_t>((hlen / 4) << 4));
  (void)w.u8(flags);
  (void)w.u16(64240);
  (void)w.u16(0);
  (void)w.u16(0);
  if (mss) {
    (void)w.u8(2);
    (void)w.u8(4);
    (void)w.u16(*mss);
  }
  for (std::size_t i = 0; i < data_len; ++i) (void)w.u8(static_cast<std::uint8_t>('a' + i % 26));
  vpnwire::core::store_be16(out.data() + 16, ip::pseudo_header_checksum(src, dst, ip::proto::tcp, out));
  return out;
}

bytes ethernet(std::array<std::uint8_t, 6> dst, std::array<std::uint8_t, 6> src, std::uint16_t type,
               bytes_view payload) {
  bytes out(14 + payload.size());
  for (int i = 0; i < 6; ++i) {
    out[static_cast<std::size_t>(i)] = std::byte{dst[static_cast<std::size_t>(i)]};
    out[static_cast<std::size_t>(6 + i)] = std::byte{src[static_cast<std::size_t>(i)]};
  }
  vpnwire::core::store_be16(out.data() + 12, type);
  std::memcpy(out.data() + 14, payload.data(), payload.size());
  return out;
}

bytes ppp_frame(std::uint16_t protocol, bytes_view payload, bool address_control = true) {
  bytes out(4 + payload.size());
  ppp::frame_build_options o;
  o.address_control = address_control;
  const std::size_t n = must(ppp::build_frame(out, protocol, o, payload), "build_frame");
  out.resize(n);
  return out;
}

/// ESP (with its RFC 3948 UDP header) around `payload`, inside an outer IPv4 packet.
bytes esp_packet(outbound &sa, std::uint32_t src, std::uint32_t dst, std::uint16_t id, bytes_view payload,
                 std::uint8_t next_header) {
  bytes buf(sa.packet_size(payload.size()));
  std::memcpy(buf.data() + sa.headroom(), payload.data(), payload.size());
  const std::size_t n = must(sa.encap(buf, payload.size(), next_header), "esp encap");
  buf.resize(n);
  return ipv4(src, dst, ip::proto::udp, id, buf);
}

struct frame {
  std::int64_t ts_ns;
  bytes data;
};

class capture {
public:
  explicit capture(std::int64_t start_ns) : now_(start_ns) {}
  void add(std::int64_t advance_us, bytes data) {
    now_ += advance_us * 1000;
    frames_.push_back({now_, std::move(data)});
  }
  void write(const std::string &path, std::uint16_t linktype) const {
    vpnwire_cli::pcap_writer w;
    std::string err;
    if (!w.open(path, linktype, err)) die(err);
    for (const auto &f : frames_)
      if (!w.write_frame(f.ts_ns, f.data, err)) die(err);
    if (!w.close(err)) die(err);
  }
  [[nodiscard]] std::size_t size() const noexcept { return frames_.size(); }
  void write_to(vpnwire_cli::pcap_writer &w) const {
    std::string err;
    for (const auto &f : frames_)
      if (!w.write_frame(f.ts_ns, f.data, err)) die(err);
  }
  void clear() { frames_.clear(); }

private:
  std::int64_t now_;
  std::vector<frame> frames_;
};

// 2026-01-15 09:00:00 UTC
constexpr std::int64_t t0 = 1768467600LL * 1'000'000'000LL;

// ------------------------------------------------------------------ incident 1

/// L2TP/IPsec between a client that always sends Ns/Nr and an LNS that does
/// not require sequencing. Inner packets larger than the PPP MTU (1400) are
/// fragmented by the client into two IPv4 fragments, carried in two L2TP
/// data messages with consecutive Ns, and the path swaps them.
struct incident1 {
  static constexpr std::uint32_t client = addr(192, 0, 2, 10), server = addr(198, 51, 100, 1);
  static constexpr std::uint32_t inner_client = addr(10, 10, 0, 2), inner_server = addr(10, 20, 0, 5);
  static constexpr std::array<std::uint8_t, 6> mac_c{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
  static constexpr std::array<std::uint8_t, 6> mac_s{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  static constexpr std::uint16_t client_tunnel = 100, server_tunnel = 200, client_session = 10, server_session = 20;

  prng rng;
  std::unique_ptr<outbound> c2s = make_sa(incident1_c2s(), rng);
  std::unique_ptr<outbound> s2c = make_sa(incident1_s2c(), rng);
  vpnwire::crypto::openssl_md5 md5;
  capture cap{t0};
  std::uint16_t ip_id_c = 0x1000, ip_id_s = 0x2000, inner_id = 0x3000;
  std::uint16_t ns_c = 0, ns_s = 0; // control messages sent by each side (Nr is the other's count)
  std::uint16_t data_ns = 0;
  std::uint32_t tcp_seq = 1000, tcp_ack = 5000;
  /// L2TP over plain UDP (no IPsec), as xl2tpd runs without it.
  bool plain = false;

  void send_c2s(std::int64_t advance_us, bytes_view l2tp_msg) {
    const bytes u = udp(client, server, 1701, 1701, l2tp_msg);
    const bytes p = plain ? ipv4(client, server, ip::proto::udp, ip_id_c++, u)
                          : esp_packet(*c2s, client, server, ip_id_c++, u, ip::proto::udp);
    cap.add(advance_us, ethernet(mac_s, mac_c, 0x0800, p));
  }
  void send_s2c(std::int64_t advance_us, bytes_view l2tp_msg) {
    const bytes u = udp(server, client, 1701, 1701, l2tp_msg);
    const bytes p = plain ? ipv4(server, client, ip::proto::udp, ip_id_s++, u)
                          : esp_packet(*s2c, server, client, ip_id_s++, u, ip::proto::udp);
    cap.add(advance_us, ethernet(mac_c, mac_s, 0x0800, p));
  }

  template <class F>
  bytes control(std::uint16_t tunnel, std::uint16_t session, bool from_client, l2tp::message_type t, F &&avps) {
    bytes buf(1500);
    l2tp::message_writer w(buf);
    std::uint16_t &ns = from_client ? ns_c : ns_s;
    const std::uint16_t nr = from_client ? ns_s : ns_c;
    must(w.begin({tunnel, session, ns, nr}, t), "begin");
    avps(w);
    const std::size_t n = must(w.finish(), "finish");
    ++ns;
    buf.resize(n);
    return buf;
  }
  bytes zlb(std::uint16_t tunnel, bool from_client) {
    bytes buf(12);
    l2tp::message_writer w(buf);
    must(w.begin_zlb({tunnel, 0, from_client ? ns_c : ns_s, from_client ? ns_s : ns_c}), "zlb");
    buf.resize(must(w.finish(), "finish"));
    return buf;
  }

  bytes data_msg(std::uint16_t tunnel, std::uint16_t session, bool sequenced, std::uint16_t ns, bytes_view ppp) {
    l2tp::header_fields h;
    h.tunnel_id = tunnel;
    h.session_id = session;
    h.with_sequence = sequenced;
    h.ns = ns;
    h.nr = 0;
    bytes buf(l2tp::header_size(h) + ppp.size());
    const std::size_t n = must(l2tp::build_header(buf, h, ppp.size()), "build_header");
    std::memcpy(buf.data() + n, ppp.data(), ppp.size());
    return buf;
  }
  void client_data(std::int64_t advance_us, bytes_view ppp) {
    send_c2s(advance_us, data_msg(server_tunnel, server_session, true, data_ns++, ppp));
  }
  void server_data(std::int64_t advance_us, bytes_view ppp) {
    send_s2c(advance_us, data_msg(client_tunnel, client_session, false, 0, ppp));
  }

  bytes lcp(std::uint8_t code, std::uint8_t id, std::uint16_t mru, std::uint32_t magic) {
    bytes buf(64);
    ppp::control_packet_builder b(buf, code, id);
    b.option_u16(ppp::lcp_option::mru, mru).option_u32(ppp::lcp_option::magic_number, magic);
    buf.resize(must(b.finish(), "lcp"));
    return ppp_frame(ppp::protocol::lcp, buf);
  }
  bytes ipcp(std::uint8_t code, std::uint8_t id, std::uint32_t a) {
    bytes buf(64);
    ppp::control_packet_builder b(buf, code, id);
    b.option_u32(ppp::ipcp_option::ip_address, a);
    buf.resize(must(b.finish(), "ipcp"));
    return ppp_frame(ppp::protocol::ipcp, buf);
  }

  void setup() {
    const bytes host_c = {std::byte{'c'}, std::byte{'l'}, std::byte{'i'},
                          std::byte{'e'}, std::byte{'n'}, std::byte{'t'}};
    const std::string_view lns = "lns.example";
    const std::string_view vendor = "vpnwire-demo";
    const std::string_view calling = "5551234";
    send_c2s(0, control(0, 0, true, l2tp::message_type::sccrq, [&](l2tp::message_writer &w) {
               must(w.add<l2tp::avp_type::protocol_version>({1, 0}), "pv");
               must(w.add<l2tp::avp_type::host_name>(host_c), "host");
               must(w.add<l2tp::avp_type::framing_capabilities>(3), "framing");
               must(w.add<l2tp::avp_type::bearer_capabilities>(0), "bearer");
               must(w.add<l2tp::avp_type::firmware_revision>(0x0100), "fw");
               must(w.add<l2tp::avp_type::vendor_name>(vpnwire::as_bytes(vendor)), "vendor");
               must(w.add<l2tp::avp_type::assigned_tunnel_id>(client_tunnel), "tid");
               must(w.add<l2tp::avp_type::receive_window_size>(4), "rws");
             }));
    send_s2c(1200, control(client_tunnel, 0, false, l2tp::message_type::sccrp, [&](l2tp::message_writer &w) {
               must(w.add<l2tp::avp_type::protocol_version>({1, 0}), "pv");
               must(w.add<l2tp::avp_type::framing_capabilities>(1), "framing");
               must(w.add<l2tp::avp_type::host_name>(vpnwire::as_bytes(lns)), "host");
               must(w.add<l2tp::avp_type::assigned_tunnel_id>(server_tunnel), "tid");
               must(w.add<l2tp::avp_type::receive_window_size>(8), "rws");
             }));
    send_c2s(900, control(server_tunnel, 0, true, l2tp::message_type::scccn, [](l2tp::message_writer &) {}));
    send_s2c(700, zlb(client_tunnel, false));
    // ICRQ with a hidden Calling Number (secret "demo-secret").
    const bytes rv = unhex("8f2c6a51d3b04e97a1c5e8f20b7d3469");
    const bytes pad = unhex("5a5a5a");
    send_c2s(2000, control(server_tunnel, 0, true, l2tp::message_type::icrq, [&](l2tp::message_writer &w) {
               must(w.add<l2tp::avp_type::assigned_session_id>(client_session), "sid");
               must(w.add<l2tp::avp_type::call_serial_number>(1), "serial");
               must(w.add_random_vector(rv), "rv");
               must(w.add_hidden<l2tp::avp_type::calling_number>(
                        md5, vpnwire::as_bytes(std::string_view("demo-secret")), vpnwire::as_bytes(calling), pad),
                    "hidden");
             }));
    send_s2c(1100,
             control(client_tunnel, client_session, false, l2tp::message_type::icrp, [&](l2tp::message_writer &w) {
               must(w.add<l2tp::avp_type::assigned_session_id>(server_session), "sid");
             }));
    // ICCN without Sequencing Required: the LNS is free not to reorder.
    send_c2s(800, control(server_tunnel, server_session, true, l2tp::message_type::iccn, [&](l2tp::message_writer &w) {
               must(w.add<l2tp::avp_type::tx_connect_speed>(100000000), "speed");
               must(w.add<l2tp::avp_type::framing_type>(1), "framing");
             }));
    send_s2c(600, zlb(client_tunnel, false));
    // PPP: LCP and IPCP both ways. The client sequences everything; the LNS never does.
    client_data(3000, lcp(ppp::code::configure_request, 1, 1400, 0x11223344));
    server_data(400, lcp(ppp::code::configure_request, 1, 1400, 0x55667788));
    client_data(300, lcp(ppp::code::configure_ack, 1, 1400, 0x55667788));
    server_data(300, lcp(ppp::code::configure_ack, 1, 1400, 0x11223344));
    client_data(2000, ipcp(ppp::code::configure_request, 1, inner_client));
    server_data(400, ipcp(ppp::code::configure_request, 1, addr(10, 10, 0, 1)));
    client_data(300, ipcp(ppp::code::configure_ack, 1, addr(10, 10, 0, 1)));
    server_data(300, ipcp(ppp::code::configure_ack, 1, inner_client));
  }

  /// One round: three small packets, then one 1600-byte packet split at the
  /// PPP MTU into two fragments whose L2TP messages arrive swapped, then the
  /// server's acknowledgement.
  void round() {
    for (int i = 0; i < 3; ++i) {
      const bytes seg = tcp(inner_client, inner_server, 40000, 443, tcp_seq, tcp_ack, 0x18, std::nullopt, 200);
      tcp_seq += 200;
      client_data(i == 0 ? 20000 : 900, ppp_frame(ppp::protocol::ipv4, ipv4(inner_client, inner_server, ip::proto::tcp,
                                                                            inner_id++, seg, false)));
    }
    const bytes big_seg = tcp(inner_client, inner_server, 40000, 443, tcp_seq, tcp_ack, 0x18, std::nullopt, 1560);
    tcp_seq += 1560;
    const bytes big = ipv4(inner_client, inner_server, ip::proto::tcp, inner_id++, big_seg, false);
    auto fr = must(ip::fragmenter::create(big, 1400), "fragmenter");
    std::vector<bytes> frags;
    while (!fr.done()) {
      bytes f(1400);
      f.resize(must(fr.next(f), "fragment"));
      frags.push_back(std::move(f));
    }
    const std::uint16_t first_ns = data_ns;
    data_ns = static_cast<std::uint16_t>(data_ns + frags.size());
    // The second fragment's message (Ns + 1) overtakes the first (Ns).
    send_c2s(700, data_msg(server_tunnel, server_session, true, static_cast<std::uint16_t>(first_ns + 1),
                           ppp_frame(ppp::protocol::ipv4, frags[1])));
    send_c2s(350, data_msg(server_tunnel, server_session, true, first_ns, ppp_frame(ppp::protocol::ipv4, frags[0])));
    const bytes ack = tcp(inner_server, inner_client, 443, 40000, tcp_ack, tcp_seq, 0x10, std::nullopt, 0);
    server_data(1500,
                ppp_frame(ppp::protocol::ipv4, ipv4(inner_server, inner_client, ip::proto::tcp, inner_id++, ack)));
  }
};

// ------------------------------------------------------------------ incident 2

/// A site-to-site ESP tunnel from a gateway behind a PPPoE link of MTU 1454.
/// Hosts announce MSS 1460; full-size segments make ESP packets that the
/// gateway fragments after encapsulation. Captured on the PPPoE link.
struct incident2 {
  static constexpr std::uint32_t gw_a = addr(203, 0, 113, 2), gw_b = addr(198, 51, 100, 7);
  static constexpr std::uint32_t host_a = addr(10, 1, 0, 10), host_b = addr(10, 2, 0, 20);
  static constexpr std::array<std::uint8_t, 6> mac_cpe{0x02, 0x00, 0x00, 0x00, 0x01, 0x02};
  static constexpr std::array<std::uint8_t, 6> mac_bras{0x02, 0x00, 0x00, 0x00, 0x01, 0x01};
  static constexpr std::uint16_t pppoe_session = 0x0011;
  static constexpr std::size_t path_mtu = 1454;

  prng rng;
  std::unique_ptr<outbound> a2b = make_sa(incident2_a2b(), rng);
  std::unique_ptr<outbound> b2a = make_sa(incident2_b2a(), rng);
  capture cap{t0 + 3'600'000'000'000LL};
  std::uint16_t id_a = 0x4000, id_b = 0x6000, inner_id = 0x100;

  void pppoe(std::int64_t advance_us, bool from_a, bytes_view ip_packet) {
    const bytes f = ppp_frame(ppp::protocol::ipv4, ip_packet, false);
    bytes buf(6 + f.size());
    ppp::pppoe_builder b(buf, ppp::pppoe_code::session, pppoe_session);
    b.data(f);
    buf.resize(must(b.finish(), "pppoe"));
    cap.add(advance_us, from_a ? ethernet(mac_bras, mac_cpe, ppp::ethertype_pppoe_session, buf)
                               : ethernet(mac_cpe, mac_bras, ppp::ethertype_pppoe_session, buf));
  }

  /// Encrypts an inner packet and sends it, fragmented at the path MTU.
  void tunnel(std::int64_t advance_us, bool from_a, bytes_view inner) {
    const bytes outer =
        from_a ? esp_packet(*a2b, gw_a, gw_b, id_a++, inner, 4) : esp_packet(*b2a, gw_b, gw_a, id_b++, inner, 4);
    auto fr = must(ip::fragmenter::create(outer, path_mtu), "fragmenter");
    bool first = true;
    while (!fr.done()) {
      bytes f(path_mtu);
      f.resize(must(fr.next(f), "fragment"));
      pppoe(first ? advance_us : 40, from_a, f);
      first = false;
    }
  }

  void connection(std::uint16_t port, std::int64_t gap_us) {
    std::uint32_t a_seq = 100000U * port, b_seq = 700000U * port;
    auto seg = [&](bool from_a, std::uint8_t flags, std::optional<std::uint16_t> mss, std::size_t len) {
      const std::uint32_t s = from_a ? host_a : host_b, d = from_a ? host_b : host_a;
      const bytes t = from_a ? tcp(s, d, port, 443, a_seq, b_seq, flags, mss, len)
                             : tcp(s, d, 443, port, b_seq, a_seq, flags, mss, len);
      (from_a ? a_seq : b_seq) += static_cast<std::uint32_t>(len + ((flags & 0x02) ? 1 : 0));
      return ipv4(s, d, ip::proto::tcp, inner_id++, t, true);
    };
    tunnel(gap_us, true, seg(true, 0x02, 1460, 0));  // SYN, MSS 1460
    tunnel(30000, false, seg(false, 0x12, 1460, 0)); // SYN-ACK, MSS 1460
    tunnel(30000, true, seg(true, 0x10, std::nullopt, 0));
    tunnel(500, true, seg(true, 0x18, std::nullopt, 300));                                                 // request
    for (int i = 0; i < 4; ++i) tunnel(i == 0 ? 31000 : 120, false, seg(false, 0x10, std::nullopt, 1460)); // full-size
    tunnel(30000, true, seg(true, 0x10, std::nullopt, 0));
  }
};

void write_incidents(const std::string &dir) {
  incident1 a;
  a.setup();
  for (int i = 0; i < 12; ++i) a.round();
  a.cap.write(dir + "/incident1-l2tp-reorder.pcap", vpnwire_cli::linktype::ethernet);
  incident1 plain;
  plain.plain = true;
  plain.setup();
  for (int i = 0; i < 12; ++i) plain.round();
  plain.cap.write(dir + "/incident1-l2tp-plain.pcap", vpnwire_cli::linktype::ethernet);
  incident2 b;
  for (std::uint16_t p = 50001; p <= 50003; ++p) b.connection(p, 250000);
  b.cap.write(dir + "/incident2-esp-pppoe-mtu.pcap", vpnwire_cli::linktype::ethernet);
  std::printf("wrote %s/incident1-l2tp-reorder.pcap (%zu frames), %s/incident1-l2tp-plain.pcap (%zu frames) and "
              "%s/incident2-esp-pppoe-mtu.pcap (%zu frames)\n",
              dir.c_str(), a.cap.size(), dir.c_str(), plain.cap.size(), dir.c_str(), b.cap.size());
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() == 1 && !args[0].starts_with("-")) {
    write_incidents(std::string(args[0]));
    return 0;
  }
  if (args.size() == 3 && args[0] == "--large") {
    const long rounds = std::strtol(std::string(args[1]).c_str(), nullptr, 10);
    if (rounds <= 0) die("--large: rounds must be a positive number");
    // Streamed: each round is written as it is made, so memory stays flat.
    vpnwire_cli::pcap_writer w;
    std::string err;
    if (!w.open(std::string(args[2]), vpnwire_cli::linktype::ethernet, err)) die(err);
    incident1 a;
    a.setup();
    std::size_t frames = 0;
    for (long i = 0; i < rounds; ++i) {
      a.round();
      frames += a.cap.size();
      a.cap.write_to(w);
      a.cap.clear();
    }
    if (!w.close(err)) die(err);
    std::printf("wrote %s (%zu data frames)\n", std::string(args[2]).c_str(), frames);
    return 0;
  }
  std::fprintf(stderr, "usage: vpnwire_gen_captures OUTDIR | vpnwire_gen_captures --large ROUNDS FILE\n");
  return 2;
}
