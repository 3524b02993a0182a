// Fuzz target: the vpnwire CLI's receive pipeline (examples/vpnwire/), the
// code `vpnwire decode` and `vpnwire doctor` run on every captured frame:
// link layer (Ethernet with 802.1Q/QinQ, raw IPv4, SLL, SLL2, NULL, LOOP,
// PPP, PPP_HDLC, PPP_ETHER, ENC, NFLOG) -> PPPoE/PPP -> IPv4 with
// reassembly -> UDP/NAT-T -> ESP (decrypted with the demo captures' SAs) ->
// L2TP (hidden AVPs decrypted with the demo secret) -> reorder windows ->
// PPP/LCP/IPCP/PAP/CHAP -> inner IPv4 -> TCP, on whole and snap-cut frames,
// rendered as text, JSON or doctor.
//
// Input:
//   [c0][c1][c2] then records [len_hi][len_lo][dt][mode][len bytes...]
//   c0: bits 0-1 link type (ethernet, raw IPv4, SLL, SLL2); bit 2 --json;
//       bit 3 --esp-sa for the four demo SAs; bit 4 --l2tp-secret demo-secret;
//       bit 5 doctor instead of decode; bits 6-7 --reorder kind
//       (timeout, strict, depth, none).
//   c1: bits 0-2 --reassembly policy; bits 3-7 the reorder value
//       (timeout from a table of 0..3600000 ms, depth 1..993).
//   c2: bit 0 --write-inner /dev/null; bits 1-4, when not 0, a link type
//       that replaces c0's (extra_links below: NULL, LOOP, PPP, PPP_HDLC,
//       PPP_ETHER, ENC, NFLOG, IPV4, IPV6, Ethernet with an 802.1Q tag,
//       Ethernet with 0x9100 + 0x8100 tags); bit 5 forged frames are cut to
//       a snap length of 128 bytes; bit 6 a reorder budget of 4 windows and
//       4 KiB (else 64 KiB) of held packets.
//   Each record is one captured frame; a length beyond the input takes the
//   rest. dt advances the capture clock (bits 6-7 pick the unit: 10 us,
//   1 ms, 1 s, 60 s; 0xFF steps back one second, as a capture may). With
//   mode bit 0 clear the record is the frame; bit 7 then says the snap
//   length cut it (its original length is 1 + 8 * (mode & 0x7E) bytes
//   longer). With mode bit 0 set (OpenSSL builds) the record is a plaintext
//   that the target encrypts with a demo SA (an outbound SA with the same
//   keys) and wraps in outer IPv4 [+ UDP 4500] [+ PPPoE] + the link header,
//   so the stages behind ESP see hostile plaintext under a genuine ICV:
//     bits 1-2 SA (0xc1000001, 0x5e000001: aes-cbc/hmac-sha1-96;
//     0xa0000001, 0xb0000001: aes-gcm-16); bit 3 NAT-T (UDP 4500) or IP
//     protocol 50; bit 4 next header 4 (IPv4) or 17 (UDP); bit 5 PPPoE
//     session (Ethernet only); bits 6-7 the sequence number: next, replay
//     the previous, jump 100 ahead, go 100 back.
//
// Invariants: no crash, no leak, no over-read (ASan); every record renders
// to one text line ending with its warnings and error in order, and to one
// valid JSON object whose "warnings" and "error" are the record's (the
// renderers agree); with --json every output line is valid JSON, there is
// exactly one {"frame": N, ...} line per frame numbered 1..N in order, every
// "deliver"/"drop" line is counted in the summary and the summary agrees
// with the lines (frames, errors, error_counts, deliveries, drops); every
// sequenced L2TP data message is delivered, dropped or passed over the
// session cap exactly once (nothing is left in a reorder window after the
// end of the capture). Without --json every frame gives exactly one line
// starting with its timestamp. The doctor report names the frame count,
// numbers its findings [1]..[n] and closes with their count.
#include "capture.hpp"
#include "options.hpp"
#include "output.hpp"
#include "pipeline.hpp"
#include "record_sink.hpp"

#include "cli_checks.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

#ifdef VPNWIRE_CLI_HAVE_OPENSSL
#include "vpnwire/esp/crypto/openssl.hpp"
#include "vpnwire/esp/outbound_sa.hpp"
#endif

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using cli_fuzz::check_renderers;
using cli_fuzz::count;
using cli_fuzz::field_number;
using cli_fuzz::json_check;

using vpnwire::bytes_view;

// ------------------------------------------------------------------ forging

constexpr std::int64_t t0_ns = 1768467600LL * 1'000'000'000LL;     // the demo captures' epoch
constexpr std::int64_t ts_max_ns = 0xFFFFFFFFLL * 1'000'000'000LL; // pcap seconds are 32-bit

struct demo_sa {
  std::string_view option; ///< the --esp-sa text (docs/cli.md, examples/captures/README.md)
  std::uint32_t src, dst;  ///< outer addresses of the direction
};
constexpr std::uint32_t addr(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }
const std::array<demo_sa, 4> demo_sas{{
    {"spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,auth=hmac-sha1-96,"
     "auth-key=0x0102030405060708090a0b0c0d0e0f1011121314",
     addr(192, 0, 2, 10), addr(198, 51, 100, 1)},
    {"spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,auth=hmac-sha1-96,"
     "auth-key=0x2122232425262728292a2b2c2d2e2f3031323334",
     addr(198, 51, 100, 1), addr(192, 0, 2, 10)},
    {"spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe", addr(203, 0, 113, 2),
     addr(198, 51, 100, 7)},
    {"spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef", addr(198, 51, 100, 7),
     addr(203, 0, 113, 2)},
}};

/// A link type to frame records with: the LINKTYPE value and, for
/// Ethernet, the VLAN tags the forger puts in front of the EtherType.
struct link_choice {
  std::uint16_t linktype = vpnwire_cli::linktype::ethernet;
  std::uint16_t outer_tag = 0, inner_tag = 0; ///< TPIDs (0: none)
};
constexpr std::array<link_choice, 4> base_links{{{vpnwire_cli::linktype::ethernet, 0, 0},
                                                 {vpnwire_cli::linktype::raw, 0, 0},
                                                 {vpnwire_cli::linktype::linux_sll, 0, 0},
                                                 {vpnwire_cli::linktype::linux_sll2, 0, 0}}};
constexpr std::array<link_choice, 11> extra_links{{{vpnwire_cli::linktype::null, 0, 0},
                                                   {vpnwire_cli::linktype::loop, 0, 0},
                                                   {vpnwire_cli::linktype::ppp, 0, 0},
                                                   {vpnwire_cli::linktype::ppp_hdlc, 0, 0},
                                                   {vpnwire_cli::linktype::ppp_ether, 0, 0},
                                                   {vpnwire_cli::linktype::enc, 0, 0},
                                                   {vpnwire_cli::linktype::nflog, 0, 0},
                                                   {vpnwire_cli::linktype::ipv4, 0, 0},
                                                   {vpnwire_cli::linktype::ipv6, 0, 0},
                                                   {vpnwire_cli::linktype::ethernet, 0x8100, 0},
                                                   {vpnwire_cli::linktype::ethernet, 0x9100, 0x8100}}};

link_choice pick_link(std::uint8_t c0, std::uint8_t c2) {
  const unsigned extra = (c2 >> 1) & 15U;
  if (extra != 0 && extra <= extra_links.size()) return extra_links[extra - 1];
  return base_links[c0 & 3U];
}

/// Adds the link-layer header of `l` in front of a network-layer packet
/// (an IPv4 packet, or with `pppoe` a PPPoE session packet).
void wrap_link(const link_choice &l, bool pppoe, std::vector<std::byte> &frame) {
  namespace lt = vpnwire_cli::linktype;
  const std::uint16_t ethertype = pppoe ? 0x8864 : 0x0800;
  std::vector<std::byte> h;
  auto put16 = [&](std::uint16_t v) {
    h.push_back(static_cast<std::byte>(v >> 8));
    h.push_back(static_cast<std::byte>(v & 0xFF));
  };
  switch (l.linktype) {
  case lt::raw:
  case lt::ipv4:
  case lt::ipv6: return;
  case lt::ethernet:
    h.assign(12, std::byte{0x02});
    if (l.outer_tag != 0) {
      put16(l.outer_tag);
      put16(100); // VLAN id
    }
    if (l.inner_tag != 0) {
      put16(l.inner_tag);
      put16(200);
    }
    put16(ethertype);
    break;
  case lt::linux_sll:
    h.assign(16, std::byte{0});
    vpnwire::core::store_be16(h.data() + 2, 1); // ARPHRD_ETHER
    vpnwire::core::store_be16(h.data() + 4, 6);
    vpnwire::core::store_be16(h.data() + 14, ethertype);
    break;
  case lt::linux_sll2:
    h.assign(20, std::byte{0});
    vpnwire::core::store_be16(h.data(), ethertype);
    vpnwire::core::store_be32(h.data() + 4, 2);
    vpnwire::core::store_be16(h.data() + 8, 1);
    h[11] = std::byte{6};
    break;
  case lt::null: h = {std::byte{2}, std::byte{0}, std::byte{0}, std::byte{0}}; break; // AF_INET, little endian
  case lt::loop: h = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{2}}; break;
  case lt::enc: // AF_INET (host order), SPI, M_CONF|M_AUTH (host order)
    h = {std::byte{2}, std::byte{0}, std::byte{0}, std::byte{0},    std::byte{0xc1}, std::byte{0},
         std::byte{0}, std::byte{1}, std::byte{0}, std::byte{0x0c}, std::byte{0},    std::byte{0}};
    break;
  case lt::ppp:
  case lt::ppp_hdlc: h = {std::byte{0xff}, std::byte{0x03}, std::byte{0x00}, std::byte{0x21}}; break;
  case lt::ppp_ether: {
    // A PPPoE session header and PPP around the IPv4 packet.
    h = {std::byte{0x11}, std::byte{0}, std::byte{0x00}, std::byte{0x11},
         std::byte{0},    std::byte{0}, std::byte{0x00}, std::byte{0x21}};
    vpnwire::core::store_be16(h.data() + 4, static_cast<std::uint16_t>(frame.size() + 2));
    break;
  }
  case lt::nflog: {
    // Header (AF_INET, version 0, group 5), a packet-header TLV, the payload TLV.
    h = {std::byte{2}, std::byte{0}, std::byte{0},    std::byte{5},    std::byte{8}, std::byte{0},
         std::byte{1}, std::byte{0}, std::byte{0x08}, std::byte{0x00}, std::byte{3}, std::byte{0}};
    const std::size_t tlv = 4 + frame.size();
    h.push_back(static_cast<std::byte>(tlv & 0xFF));
    h.push_back(static_cast<std::byte>(tlv >> 8 & 0xFF));
    h.push_back(std::byte{9});
    h.push_back(std::byte{0});
    frame.resize(frame.size() + ((4 - frame.size() % 4) % 4), std::byte{0});
    break;
  }
  default: return;
  }
  frame.insert(frame.begin(), h.begin(), h.end());
}

#ifdef VPNWIRE_CLI_HAVE_OPENSSL
using outbound = vpnwire::esp::outbound_sa<vpnwire::esp::crypto::openssl_transform>;

struct forge_state {
  std::array<std::unique_ptr<outbound>, 4> sas;
  std::uint64_t prng = 0x9E3779B97F4A7C15ULL;
  std::uint16_t ip_id = 1;
  static void fill(void *ctx, vpnwire::mutable_bytes out) noexcept {
    auto *s = static_cast<forge_state *>(ctx);
    for (std::byte &b : out) {
      s->prng ^= s->prng >> 12;
      s->prng ^= s->prng << 25;
      s->prng ^= s->prng >> 27;
      b = static_cast<std::byte>((s->prng * 0x2545F4914F6CDD1DULL) >> 56);
    }
  }
  void make() {
    for (std::size_t i = 0; i < sas.size(); ++i) {
      auto o = vpnwire_cli::parse_esp_sa(demo_sas[i].option);
      FUZZ_CHECK(static_cast<bool>(o));
      const vpnwire::esp::sa_config cfg = vpnwire_cli::to_sa_config(o.value);
      std::vector<std::byte> material(o.value.key);
      if (vpnwire_cli::info(o.value.enc).salted)
        material.insert(material.end(), o.value.salt.begin(), o.value.salt.end());
      auto t = vpnwire::esp::crypto::openssl_transform::make(cfg, material, o.value.auth_key);
      FUZZ_CHECK(static_cast<bool>(t));
      sas[i] = std::make_unique<outbound>(cfg, std::move(*t), vpnwire::esp::iv_generator{&forge_state::fill, this});
    }
  }
};

/// Encrypts `plain` with a demo SA and builds the whole frame around it.
/// False when the result would not fit an IPv4 packet.
bool forge(forge_state &st, const link_choice &link, std::uint8_t mode, bytes_view plain,
           std::vector<std::byte> &frame) {
  const std::size_t which = (mode >> 1) & 3U;
  const bool natt = (mode & 8U) != 0;
  const std::uint8_t next_header = (mode & 16U) != 0 ? 4 : 17;
  const bool pppoe = (mode & 32U) != 0 && link.linktype == vpnwire_cli::linktype::ethernet;
  outbound &sa = *st.sas[which];
  switch (mode >> 6) {
  case 1: sa.set_last_sequence(sa.last_sequence() == 0 ? 0 : sa.last_sequence() - 1); break;
  case 2: sa.set_last_sequence(sa.last_sequence() + 100); break;
  case 3: sa.set_last_sequence(sa.last_sequence() < 101 ? 0 : sa.last_sequence() - 101); break;
  default: break;
  }
  const std::size_t esp_len = sa.packet_size(plain.size());
  const std::size_t udp_len = natt ? 8 : 0;
  if (20 + udp_len + esp_len > 0xFFFF) return false;
  std::vector<std::byte> pkt(20 + udp_len + esp_len);
  std::memcpy(pkt.data() + 20 + udp_len + sa.headroom(), plain.data(), plain.size());
  auto n = sa.encap(vpnwire::mutable_bytes(pkt.data() + 20 + udp_len, esp_len), plain.size(), next_header);
  if (!n) return false;
  FUZZ_CHECK(*n == esp_len);
  if (natt) {
    vpnwire::core::store_be16(pkt.data() + 20, 4500);
    vpnwire::core::store_be16(pkt.data() + 22, 4500);
    vpnwire::core::store_be16(pkt.data() + 24, static_cast<std::uint16_t>(8 + esp_len));
    vpnwire::core::store_be16(pkt.data() + 26, 0); // RFC 3948 §2.1
  }
  vpnwire::ip::ipv4_fields f;
  f.source = demo_sas[which].src;
  f.destination = demo_sas[which].dst;
  f.protocol = natt ? vpnwire::ip::proto::udp : vpnwire::ip::proto::esp;
  f.identification = st.ip_id++;
  auto h = vpnwire::ip::build_ipv4_header(vpnwire::mutable_bytes(pkt.data(), 20), f, udp_len + esp_len);
  FUZZ_CHECK(h && *h == 20);
  if (pppoe) {
    // PPPoE session header (RFC 2516) + PPP protocol 0x0021, as on a DSL link.
    std::array<std::byte, 8> p{std::byte{0x11}, std::byte{0x00}, std::byte{0x00}, std::byte{0x11},
                               std::byte{0},    std::byte{0},    std::byte{0x00}, std::byte{0x21}};
    vpnwire::core::store_be16(p.data() + 4, static_cast<std::uint16_t>(pkt.size() + 2));
    pkt.insert(pkt.begin(), p.begin(), p.end());
  }
  frame = std::move(pkt);
  wrap_link(link, pppoe, frame);
  return true;
}
#endif

// ------------------------------------------------------------------ options

vpnwire_cli::decode_options make_options(std::uint8_t c0, std::uint8_t c1, std::uint8_t c2) {
  vpnwire_cli::decode_options o;
  o.json = (c0 & 4U) != 0;
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  if ((c0 & 8U) != 0) {
    for (const demo_sa &d : demo_sas) {
      auto sa = vpnwire_cli::parse_esp_sa(d.option);
      FUZZ_CHECK(static_cast<bool>(sa));
      o.sas.push_back(std::move(sa.value));
    }
  }
  if ((c0 & 16U) != 0) {
    o.l2tp_secret = "demo-secret";
    o.have_secret = true;
  }
#endif
  o.reassembly = static_cast<vpnwire_cli::reassembly_policy>(c1 & 7U);
  const unsigned v = c1 >> 3;
  static constexpr std::array<std::uint64_t, 8> timeouts{0, 1, 2, 5, 30, 100, 1000, 3'600'000};
  switch (c0 >> 6) {
  case 0: o.reorder = {vpnwire_cli::reorder_option::kind::timeout, timeouts[v % 8]}; break;
  case 1: o.reorder = {vpnwire_cli::reorder_option::kind::strict, 0}; break;
  case 2: o.reorder = {vpnwire_cli::reorder_option::kind::depth, 1 + std::uint64_t{v} * 32}; break;
  default: o.reorder = {vpnwire_cli::reorder_option::kind::none, 0}; break;
  }
  if ((c2 & 1U) != 0) o.write_inner = "/dev/null";
  o.capture = "fuzz";
  return o;
}

std::int64_t advance(std::int64_t ts, std::uint8_t dt) {
  if (dt == 0xFF) return ts >= 1'000'000'000 ? ts - 1'000'000'000 : 0;
  static constexpr std::array<std::int64_t, 4> unit{10'000, 1'000'000, 1'000'000'000, 60'000'000'000};
  const std::int64_t next = ts + (dt & 0x3F) * unit[dt >> 6];
  return next > ts_max_ns ? ts_max_ns : next;
}

// ------------------------------------------------------------------ checks

struct decoded_counts {
  std::uint64_t frame_lines = 0, error_frames = 0, deliver_lines = 0, drop_lines = 0, sequenced_data = 0;
};

/// Checks every line of decode --json output; returns what the lines say.
/// Frame lines were parsed as JSON by check_renderers and the output is
/// checked to be exactly the renderer's, so only the other lines are parsed
/// again here.
decoded_counts check_json(std::string_view text, std::uint64_t frames) {
  decoded_counts c;
  bool summary_seen = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    FUZZ_CHECK(nl != std::string_view::npos); // every record ends its line
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    FUZZ_CHECK(!summary_seen); // the summary is the last line
    FUZZ_CHECK(!line.empty() && line.front() == '{' && line.back() == '}');
    const bool frame_line = line.starts_with("{\"frame\":");
    if (!frame_line) FUZZ_CHECK(json_check(line).valid());
    if (frame_line) {
      ++c.frame_lines;
      FUZZ_CHECK(field_number(line, "frame") == c.frame_lines);
      FUZZ_CHECK(line.find(",\"layers\":[") != std::string_view::npos);
      if (!line.ends_with(",\"error\":null}")) {
        FUZZ_CHECK(line.find(",\"error\":{\"layer\":") != std::string_view::npos);
        ++c.error_frames;
      }
      // Field order within an l2tp layer is fixed; string values cannot
      // contain an unescaped quote, so this counts layers only.
      c.sequenced_data += count(line, "\"l2tp.type\":0,\"l2tp.length_bit\":true,\"l2tp.seq_bit\":true");
      c.sequenced_data += count(line, "\"l2tp.type\":0,\"l2tp.length_bit\":false,\"l2tp.seq_bit\":true");
    } else if (line.starts_with("{\"deliver\":")) {
      ++c.deliver_lines;
      const auto f = field_number(line, "frame");
      FUZZ_CHECK(f && *f >= 1 && *f <= frames);
    } else if (line.starts_with("{\"drop\":")) {
      ++c.drop_lines;
      const auto f = field_number(line, "frame");
      FUZZ_CHECK(f && *f >= 1 && *f <= frames);
    } else {
      FUZZ_CHECK(line.starts_with("{\"summary\":"));
      summary_seen = true;
      FUZZ_CHECK(field_number(line, "frames") == frames);
    }
  }
  FUZZ_CHECK(summary_seen);
  return c;
}

/// Checks decode's readable output: one line per frame, each starting with
/// its HH:MM:SS.uuuuuu timestamp; reorder drops and the summary otherwise.
void check_text(std::string_view text, std::uint64_t frames, std::uint64_t drops) {
  std::uint64_t frame_lines = 0, drop_lines = 0;
  bool summary = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    FUZZ_CHECK(nl != std::string_view::npos);
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("--   ")) {
      FUZZ_CHECK(summary); // error counts follow the summary
      continue;
    }
    if (line.starts_with("-- ")) {
      FUZZ_CHECK(!summary);
      summary = true;
      FUZZ_CHECK(line.starts_with("-- " + std::to_string(frames) + " frames, "));
      continue;
    }
    FUZZ_CHECK(!summary);
    if (line.starts_with("   reorder: dropped ")) {
      ++drop_lines;
      continue;
    }
    FUZZ_CHECK(line.size() >= 16 && line[2] == ':' && line[5] == ':' && line[8] == '.' && line[15] == ' ');
    ++frame_lines;
  }
  FUZZ_CHECK(summary);
  FUZZ_CHECK(frame_lines == frames);
  FUZZ_CHECK(drop_lines == drops);
}

/// VPNWIRE_FUZZ_DUMP=1 prints what the CLI printed (to see what a seed reaches).
void dump(std::string_view text) {
  static const bool on = std::getenv("VPNWIRE_FUZZ_DUMP") != nullptr;
  if (on) std::fwrite(text.data(), 1, text.size(), stderr);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t c0 = data[0], c1 = data[1], c2 = data[2];
  const link_choice link = pick_link(c0, c2);
  const bool cut_forged = (c2 & 32U) != 0;
  const bool doctor_mode = (c0 & 32U) != 0;
  vpnwire_cli::decode_options opt = make_options(c0, c1, c2);
  if (doctor_mode) {
    opt.json = false; // doctor refuses --json and --write-inner (main.cpp)
    opt.write_inner.clear();
  }

  fuzz::memory_sink memory;
  vpnwire_cli::output out(memory.file());
  using sink_mode = vpnwire_cli::record_sink::mode;
  vpnwire_cli::record_sink sink(opt,
                                doctor_mode ? sink_mode::doctor
                                : opt.json  ? sink_mode::json
                                            : sink_mode::text,
                                out);
  std::string err;
  FUZZ_CHECK(sink.open_inner(opt.write_inner, err));
  // Small limits: the defaults allocate and zero about 10 MiB per input (the
  // reassembler's pool); these still let every limit be reached by 512 frames.
  vpnwire_cli::pipeline_limits lim;
  lim.reasm_datagrams = 16;
  lim.reasm_bytes = std::size_t{256} << 10;
  lim.max_sessions = 8;
  lim.reorder_bytes = 4 * vpnwire_cli::pipeline::session_bytes + (c2 & 64U ? 4096 : 65536);
  vpnwire_cli::pipeline pipe(opt, lim);
  FUZZ_CHECK(!pipe.ready()); // the demo SAs and secret are valid options
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  forge_state forger;
  forger.make();
#endif

  static constexpr std::size_t max_frames = 512;
  std::size_t pos = 3;
  std::int64_t ts = t0_ns;
  std::uint64_t frames = 0, sequenced_data = 0;
  std::vector<std::byte> frame;
  vpnwire_cli::frame_record rec;
  std::string rendered; // with --json: what the output must be, record by record
  auto consume = [&](const vpnwire_cli::frame_record &r) {
    const std::string json = check_renderers(r);
    if (opt.json && !doctor_mode) rendered += json;
    for (const auto &l : r.layers)
      if (const auto *h = std::get_if<vpnwire_cli::l2tp_layer>(&l)) sequenced_data += !h->control && h->seq_bit;
    sink.add(r);
  };
  while (pos + 4 <= size && frames < max_frames) {
    const std::size_t want = std::size_t{data[pos]} << 8 | data[pos + 1];
    const std::uint8_t dt = data[pos + 2], mode = data[pos + 3];
    pos += 4;
    const std::size_t len = want < size - pos ? want : size - pos;
    const bytes_view body(static_cast<const std::byte *>(static_cast<const void *>(data + pos)), len);
    pos += len;
    ts = advance(ts, dt);
    std::size_t wire = 0;
    if ((mode & 1U) != 0) {
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
      if (!forge(forger, link, mode, body, frame)) continue;
      wire = frame.size();
      if (cut_forged && frame.size() > 128) frame.resize(128);
#else
      continue;
#endif
    } else {
      frame.assign(body.begin(), body.end());
      wire = frame.size() + ((mode & 0x80U) != 0 ? 1 + 8 * std::size_t{mode & 0x7EU} : 0);
    }
    // Its own allocation of exactly its size, so ASan sees any over-read.
    frame.shrink_to_fit();
    vpnwire_cli::captured_frame f;
    f.data = bytes_view(frame.data(), frame.size());
    f.wire_length = static_cast<std::uint32_t>(wire);
    f.ts_ns = ts;
    f.linktype = link.linktype;
    pipe.dissect(++frames, f, rec);
    FUZZ_CHECK(rec.number == frames);
    FUZZ_CHECK(rec.caplen <= rec.wirelen);
    consume(rec);
  }
  pipe.finish(rec);
  FUZZ_CHECK(rec.end_of_capture());
  consume(rec);
  FUZZ_CHECK(sink.finish(err));
  const vpnwire_cli::run_summary &sum = sink.summary();
  FUZZ_CHECK(sum.frames == frames);
  FUZZ_CHECK(sum.errors <= frames);
  std::uint64_t by_code = 0;
  for (const auto &[code, n] : sum.error_counts) by_code += n;
  FUZZ_CHECK(by_code == sum.errors);
  FUZZ_CHECK(sink.inner_written() == 0 || !opt.write_inner.empty());
  FUZZ_CHECK(sink.inner_written() <= frames + sum.reorder_delivered);
  // Nothing a reorder window accepted is lost, and nothing is counted twice.
  FUZZ_CHECK(sequenced_data == sum.reorder_delivered + sum.reorder_dropped + sum.reorder_unordered);
  // Within the budget, and finish() released every held packet: only the
  // windows themselves are left.
  FUZZ_CHECK(pipe.reorder_bytes_held() <= lim.reorder_bytes);
  FUZZ_CHECK(pipe.reorder_bytes_held() % vpnwire_cli::pipeline::session_bytes == 0);
  FUZZ_CHECK(out.flush());
  const std::string_view text = memory.text();
  dump(text);

  if (doctor_mode) {
    FUZZ_CHECK(text.starts_with("vpnwire doctor: " + std::to_string(frames) + " frames, "));
    // Findings are numbered [1]..[n] and the closing line counts them.
    std::size_t findings = 0;
    for (std::size_t p = text.find("\n["); p != std::string_view::npos; p = text.find("\n[", p + 1)) {
      ++findings;
      FUZZ_CHECK(text.substr(p + 1).starts_with("[" + std::to_string(findings) + "] "));
    }
    if (findings == 0)
      FUZZ_CHECK(text.ends_with("\nNo problems found.\n"));
    else
      FUZZ_CHECK(text.ends_with("\n" + std::to_string(findings) + " finding(s).\n"));
    return 0;
  }
  if (opt.json) {
    // The sink wrote exactly the renderer's lines, then one summary line.
    FUZZ_CHECK(text.starts_with(rendered));
    FUZZ_CHECK(text.substr(rendered.size()).starts_with("{\"summary\":"));
    FUZZ_CHECK(text.find('\n', rendered.size()) == text.size() - 1);
    const decoded_counts c = check_json(text, frames);
    FUZZ_CHECK(c.frame_lines == frames);
    FUZZ_CHECK(c.error_frames == sum.errors);
    FUZZ_CHECK(c.deliver_lines == sum.reorder_delivered);
    FUZZ_CHECK(c.drop_lines == sum.reorder_dropped);
    FUZZ_CHECK(c.sequenced_data == sequenced_data);
  } else {
    check_text(text, frames, sum.reorder_dropped);
  }
  return 0;
}
