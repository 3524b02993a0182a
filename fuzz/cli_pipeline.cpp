// Fuzz target: the vpnwire CLI's receive pipeline (examples/vpnwire/), the
// code `vpnwire decode` and `vpnwire doctor` run on every captured frame:
// link layer (Ethernet, raw IPv4, SLL, SLL2) -> PPPoE/PPP -> IPv4 with
// reassembly -> UDP/NAT-T -> ESP (decrypted with the demo captures' SAs) ->
// L2TP (hidden AVPs decrypted with the demo secret) -> reorder windows ->
// PPP/LCP/IPCP -> inner IPv4 -> TCP, plus the doctor's analysis and report.
//
// Input:
//   [c0][c1][c2] then records [len_hi][len_lo][dt][mode][len bytes...]
//   c0: bits 0-1 link type (ethernet, raw IPv4, SLL, SLL2); bit 2 --json;
//       bit 3 --esp-sa for the four demo SAs; bit 4 --l2tp-secret demo-secret;
//       bit 5 doctor instead of decode; bits 6-7 --reorder kind
//       (timeout, strict, depth, none).
//   c1: bits 0-2 --reassembly policy; bits 3-7 the reorder value
//       (timeout from a table of 0..3600000 ms, depth 1..993).
//   c2: bit 0 --write-inner /dev/null; bit 6 a reorder budget of 4 windows
//       and 4 KiB (else 64 KiB) of held packets.
//   Each record is one captured frame; a length beyond the input takes the
//   rest. dt advances the capture clock (bits 6-7 pick the unit: 10 us,
//   1 ms, 1 s, 60 s; 0xFF steps back one second, as a capture may). With
//   mode bit 0 set (OpenSSL builds) the record is a plaintext that the
//   target encrypts with a demo SA (an outbound SA with the same keys) and
//   wraps in outer IPv4 [+ UDP 4500] [+ PPPoE] + the link header, so the
//   stages behind ESP see hostile plaintext under a genuine ICV:
//     bits 1-2 SA (0xc1000001, 0x5e000001: aes-cbc/hmac-sha1-96;
//     0xa0000001, 0xb0000001: aes-gcm-16); bit 3 NAT-T (UDP 4500) or IP
//     protocol 50; bit 4 next header 4 (IPv4) or 17 (UDP); bit 5 PPPoE
//     session (Ethernet only); bits 6-7 the sequence number: next, replay
//     the previous, jump 100 ahead, go 100 back.
//
// Invariants: no crash, no leak, no over-read (ASan); with --json every
// output line is valid JSON, there is exactly one {"frame": N, ...} line per
// frame numbered 1..N in order, every "deliver"/"drop" line is counted in the
// summary and the summary agrees with the lines (frames, errors,
// error_counts, deliveries, drops); every sequenced L2TP data message is
// delivered, dropped or passed over the session cap exactly once (nothing
// is left in a reorder window after the end of the capture). Without --json
// every frame gives exactly one line starting with its timestamp. The doctor
// report names the frame count, numbers its findings [1]..[n] and closes with
// their count.
#include "doctor.hpp"
#include "options.hpp"
#include "output.hpp"
#include "pipeline.hpp"

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

using vpnwire::bytes_view;

// ------------------------------------------------------------------ JSON check

/// A strict RFC 8259 validator for one line (bounded nesting), enough to
/// prove the CLI never prints a broken JSON Lines record.
class json_check {
public:
  explicit json_check(std::string_view s) : s_(s) {}
  [[nodiscard]] bool valid() {
    ws();
    if (!value(0)) return false;
    ws();
    return i_ == s_.size();
  }

private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool value(int depth) {
    if (depth > 64 || i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (c == 't') return lit("true");
    if (c == 'f') return lit("false");
    if (c == 'n') return lit("null");
    return number();
  }
  bool object(int depth) {
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    for (;;) {
      ws();
      if (!string()) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == '}') return ++i_, true;
      if (s_[i_] != ',') return false;
      ++i_;
    }
  }
  bool array(int depth) {
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    for (;;) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ']') return ++i_, true;
      if (s_[i_] != ',') return false;
      ++i_;
    }
  }
  bool string() {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20 || c >= 0x80) return false; // the CLI escapes every non-ASCII byte
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        const char e = s_[i_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            if (++i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
      ++i_;
    }
    return false;
  }
  bool number() {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    return i_ > start;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

std::size_t count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + needle.size())) ++n;
  return n;
}

/// The number after `"key":` in a JSON line (the CLI prints no spaces).
std::optional<std::uint64_t> field_number(std::string_view line, std::string_view key) {
  const std::string pat = "\"" + std::string(key) + "\":";
  const std::size_t p = line.find(pat);
  if (p == std::string_view::npos) return std::nullopt;
  std::uint64_t v = 0;
  std::size_t i = p + pat.size();
  if (i >= line.size() || !std::isdigit(static_cast<unsigned char>(line[i]))) return std::nullopt;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])))
    v = v * 10 + static_cast<std::uint64_t>(line[i++] - '0');
  return v;
}

// ------------------------------------------------------------------ memory sink

/// A FILE* over a growing memory buffer (open_memstream): the CLI's output
/// class writes into it as it writes to stdout; nothing touches the disk.

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

/// Adds the link-layer header of `kind` in front of a network-layer packet.
void wrap_link(vpnwire_cli::link_kind kind, std::uint16_t ethertype, std::vector<std::byte> &frame) {
  std::vector<std::byte> h;
  switch (kind) {
  case vpnwire_cli::link_kind::raw_ip: return;
  case vpnwire_cli::link_kind::ethernet:
    h.assign(14, std::byte{0x02});
    vpnwire::core::store_be16(h.data() + 12, ethertype);
    break;
  case vpnwire_cli::link_kind::sll:
    h.assign(16, std::byte{0});
    vpnwire::core::store_be16(h.data() + 2, 1); // ARPHRD_ETHER
    vpnwire::core::store_be16(h.data() + 4, 6);
    vpnwire::core::store_be16(h.data() + 14, ethertype);
    break;
  case vpnwire_cli::link_kind::sll2:
    h.assign(20, std::byte{0});
    vpnwire::core::store_be16(h.data(), ethertype);
    vpnwire::core::store_be32(h.data() + 4, 2);
    vpnwire::core::store_be16(h.data() + 8, 1);
    h[11] = std::byte{6};
    break;
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
bool forge(forge_state &st, vpnwire_cli::link_kind kind, std::uint8_t mode, bytes_view plain,
           std::vector<std::byte> &frame) {
  const std::size_t which = (mode >> 1) & 3U;
  const bool natt = (mode & 8U) != 0;
  const std::uint8_t next_header = (mode & 16U) != 0 ? 4 : 17;
  const bool pppoe = (mode & 32U) != 0 && kind == vpnwire_cli::link_kind::ethernet;
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
  std::uint16_t ethertype = 0x0800;
  if (pppoe) {
    // PPPoE session header (RFC 2516) + PPP protocol 0x0021, as on a DSL link.
    std::array<std::byte, 8> p{std::byte{0x11}, std::byte{0x00}, std::byte{0x00}, std::byte{0x11},
                               std::byte{0},    std::byte{0},    std::byte{0x00}, std::byte{0x21}};
    vpnwire::core::store_be16(p.data() + 4, static_cast<std::uint16_t>(pkt.size() + 2));
    pkt.insert(pkt.begin(), p.begin(), p.end());
    ethertype = 0x8864;
  }
  frame = std::move(pkt);
  wrap_link(kind, ethertype, frame);
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
    FUZZ_CHECK(json_check(line).valid());
    if (line.starts_with("{\"frame\":")) {
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
  const auto kind = static_cast<vpnwire_cli::link_kind>(c0 & 3U);
  const bool doctor_mode = (c0 & 32U) != 0;
  vpnwire_cli::decode_options opt = make_options(c0, c1, c2);
  if (doctor_mode) {
    opt.json = false; // doctor refuses --json and --write-inner (main.cpp)
    opt.write_inner.clear();
  }

  fuzz::memory_sink sink;
  vpnwire_cli::output out(sink.file());
  vpnwire_cli::doctor doc;
  doc.configure(opt);
  // Small limits: the defaults allocate and zero about 10 MiB per input (the
  // reassembler's pool); these still let every limit be reached by 512 frames.
  vpnwire_cli::pipeline_limits lim;
  lim.reasm_datagrams = 16;
  lim.reasm_bytes = std::size_t{256} << 10;
  lim.max_sessions = 8;
  lim.reorder_bytes = 4 * vpnwire_cli::pipeline::session_bytes + (c2 & 64U ? 4096 : 65536);
  vpnwire_cli::pipeline pipe(opt, out, doctor_mode ? &doc : nullptr, lim);
  std::string err;
  const bool ready = pipe.ready(err);
  FUZZ_CHECK(ready); // the demo SAs and secret are valid options
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
  forge_state forger;
  forger.make();
#endif

  static constexpr std::size_t max_frames = 512;
  std::size_t pos = 3;
  std::int64_t ts = t0_ns;
  std::uint64_t frames = 0;
  std::vector<std::byte> frame;
  while (pos + 4 <= size && frames < max_frames) {
    const std::size_t want = std::size_t{data[pos]} << 8 | data[pos + 1];
    const std::uint8_t dt = data[pos + 2], mode = data[pos + 3];
    pos += 4;
    const std::size_t len = want < size - pos ? want : size - pos;
    const bytes_view body(static_cast<const std::byte *>(static_cast<const void *>(data + pos)), len);
    pos += len;
    ts = advance(ts, dt);
    if ((mode & 1U) != 0) {
#ifdef VPNWIRE_CLI_HAVE_OPENSSL
      if (!forge(forger, kind, mode, body, frame)) continue;
#else
      continue;
#endif
    } else {
      // Its own allocation of exactly its size, so ASan sees any over-read.
      frame.assign(body.begin(), body.end());
      frame.shrink_to_fit();
    }
    vpnwire_cli::captured_frame f;
    f.data = bytes_view(frame.data(), frame.size());
    f.wire_length = static_cast<std::uint32_t>(frame.size());
    f.ts_ns = ts;
    pipe.on_frame(kind, f);
    ++frames;
  }
  pipe.finish();
  FUZZ_CHECK(pipe.close(err));
  const vpnwire_cli::run_summary &sum = pipe.summary();
  FUZZ_CHECK(sum.frames == frames);
  FUZZ_CHECK(sum.errors <= frames);
  std::uint64_t by_code = 0;
  for (const auto &[code, n] : sum.error_counts) by_code += n;
  FUZZ_CHECK(by_code == sum.errors);
  FUZZ_CHECK(sum.inner_written == 0 || !opt.write_inner.empty());
  FUZZ_CHECK(sum.inner_written <= frames + sum.reorder_delivered);
  // Within the budget, and finish() released every held packet: only the
  // windows themselves are left.
  FUZZ_CHECK(pipe.reorder_bytes_held() <= lim.reorder_bytes);
  FUZZ_CHECK(pipe.reorder_bytes_held() % vpnwire_cli::pipeline::session_bytes == 0);

  if (doctor_mode) {
    doc.report(out, sum.frames, sum.errors);
    FUZZ_CHECK(out.flush());
    const std::string_view text = sink.text();
    dump(text);
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
  pipe.print_summary();
  FUZZ_CHECK(out.flush());
  const std::string_view text = sink.text();
  dump(text);
  if (opt.json) {
    const decoded_counts c = check_json(text, frames);
    FUZZ_CHECK(c.frame_lines == frames);
    FUZZ_CHECK(c.error_frames == sum.errors);
    FUZZ_CHECK(c.deliver_lines == sum.reorder_delivered);
    FUZZ_CHECK(c.drop_lines == sum.reorder_dropped);
    // Nothing a reorder window accepted is lost, and nothing is counted twice.
    FUZZ_CHECK(c.sequenced_data == sum.reorder_delivered + sum.reorder_dropped + sum.sessions_over_limit);
  } else {
    check_text(text, frames, sum.reorder_dropped);
  }
  return 0;
}
