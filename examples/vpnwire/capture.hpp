// Capture input and output for the CLI: a streaming reader of pcap and
// pcapng files (one frame at a time, memory bounded by the largest block),
// where every frame carries its own interface's link type and snap length,
// and a minimal classic-pcap writer for --write-inner and the generator.
// The formats themselves are parsed in capture_format.hpp.
#pragma once

#include "capture_format.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli {

/// Link-layer header types (the LINKTYPE_ values of the pcap and pcapng formats).
namespace linktype {
inline constexpr std::uint16_t null = 0; ///< BSD loopback: 4-byte address family, host byte order
inline constexpr std::uint16_t ethernet = 1;
inline constexpr std::uint16_t ppp = 9;        ///< PPP (RFC 1661), optional FF 03
inline constexpr std::uint16_t raw = 101;      ///< raw IPv4 or IPv6 (version nibble)
inline constexpr std::uint16_t ppp_hdlc = 50;  ///< PPP in HDLC-like framing (RFC 1662), or Cisco HDLC
inline constexpr std::uint16_t ppp_ether = 51; ///< PPPoE session header, no Ethernet header (NetBSD pppoe)
inline constexpr std::uint16_t loop = 108;     ///< OpenBSD loopback: address family in network byte order
inline constexpr std::uint16_t enc = 109;      ///< OpenBSD/FreeBSD enc(4): af, spi, flags, then the IP packet
inline constexpr std::uint16_t linux_sll = 113;
inline constexpr std::uint16_t ipv4 = 228;
inline constexpr std::uint16_t ipv6 = 229;
inline constexpr std::uint16_t nflog = 239; ///< Linux netfilter NFLOG
inline constexpr std::uint16_t linux_sll2 = 276;
} // namespace linktype

/// The LINKTYPE_ name of a link type (as libpcap and tcpdump spell it), or "".
[[nodiscard]] constexpr std::string_view linktype_name(std::uint16_t t) noexcept {
  switch (t) {
  case linktype::null: return "NULL";
  case linktype::ethernet: return "ETHERNET";
  case linktype::ppp: return "PPP";
  case linktype::ppp_hdlc: return "PPP_HDLC";
  case linktype::ppp_ether: return "PPP_ETHER";
  case linktype::raw: return "RAW";
  case linktype::loop: return "LOOP";
  case linktype::enc: return "ENC";
  case linktype::linux_sll: return "LINUX_SLL";
  case 127: return "IEEE802_11_RADIOTAP";
  case 189: return "USB_LINUX";
  case linktype::ipv4: return "IPV4";
  case linktype::ipv6: return "IPV6";
  case linktype::nflog: return "NFLOG";
  case linktype::linux_sll2: return "LINUX_SLL2";
  default: return "";
  }
}

/// True for the link types the pipeline decodes (link.hpp).
[[nodiscard]] constexpr bool linktype_supported(std::uint16_t t) noexcept {
  switch (t) {
  case linktype::null:
  case linktype::ethernet:
  case linktype::ppp:
  case linktype::ppp_hdlc:
  case linktype::ppp_ether:
  case linktype::raw:
  case linktype::loop:
  case linktype::enc:
  case linktype::linux_sll:
  case linktype::ipv4:
  case linktype::ipv6:
  case linktype::nflog:
  case linktype::linux_sll2: return true;
  default: return false;
  }
}

/// One captured frame: its bytes (valid until the next read) and what the
/// file says about it.
struct captured_frame {
  bytes_view data;               ///< the captured bytes (caplen = data.size())
  std::uint32_t wire_length = 0; ///< original length; > data.size() when the snap length cut the frame
  std::int64_t ts_ns = 0;        ///< capture timestamp, nanoseconds since the epoch
  std::uint32_t interface = 0;   ///< pcapng interface index (0 in classic pcap)
  std::uint16_t linktype = linktype::ethernet;
  std::uint32_t snaplen = 0; ///< the interface's snap length (0: none given)
};

/// Streams a pcap or pcapng file. Move-only; one buffer of at most max_block bytes.
class capture_reader {
public:
  enum class format : std::uint8_t { pcap, pcapng };

  capture_reader() = default;

  /// Opens `path`. On failure returns false and fills `error` with one line
  /// naming the file.
  [[nodiscard]] bool open(const std::string &path, std::string &error) {
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      error = path + ": cannot read capture: " + std::strerror(errno);
      return false;
    }
    return open(f, path, error);
  }

  /// Reads from `f` (taking ownership; e.g. fmemopen() in the fuzz target).
  [[nodiscard]] bool open(std::FILE *f, const std::string &name, std::string &error) {
    file_.reset(f);
    name_ = name;
    std::array<std::byte, pcap_file_header_size> h{};
    const std::size_t n = std::fread(h.data(), 1, 4, file_.get());
    if (n < 4) return open_failed(error, "cannot read capture: file too short to be a capture");
    const std::uint32_t magic = vpnwire::core::load_be32(h.data());
    if (magic == pcapng::section_header) {
      format_ = format::pcapng;
      pending_shb_ = true; // its type is read; next() reads the rest
      return true;
    }
    if (std::fread(h.data() + 4, 1, h.size() - 4, file_.get()) != h.size() - 4)
      return open_failed(error, "cannot read capture: file too short to be a capture");
    auto p = parse_pcap_file_header(h);
    if (!p) {
      return open_failed(error, p.code() == capture_errc::not_a_capture
                                    ? "cannot read capture: not a pcap or pcapng file"
                                    : "cannot read capture: unsupported pcap version");
    }
    format_ = format::pcap;
    pcap_ = *p;
    if (!linktype_supported(pcap_.linktype)) {
      const std::string_view n2 = linktype_name(pcap_.linktype);
      return open_failed(error, "unsupported link type " + std::to_string(pcap_.linktype) +
                                    (n2.empty() ? "" : " (" + std::string(n2) + ")") + "; " + supported_text());
    }
    return true;
  }

  [[nodiscard]] format file_format() const noexcept { return format_; }

  /// The next frame. Returns 1 on a frame, 0 at the end, -1 on a read error
  /// (a file cut short mid-record, a damaged block), with `error` set.
  [[nodiscard]] int next(captured_frame &f, std::string &error) {
    return format_ == format::pcap ? next_pcap(f, error) : next_pcapng(f, error);
  }

  /// The link types vpnwire decodes, as one sentence for error messages.
  [[nodiscard]] static std::string supported_text() {
    return "vpnwire reads Ethernet (802.1Q, QinQ), raw IPv4, Linux SLL and SLL2, BSD NULL and LOOP, PPP, PPP_HDLC, "
           "PPP_ETHER, ENC and NFLOG";
  }

private:
  struct closer {
    void operator()(std::FILE *f) const noexcept { std::fclose(f); }
  };

  bool open_failed(std::string &error, const std::string &what) {
    error = name_ + ": " + what;
    file_.reset();
    return false;
  }

  int read_error(std::string &error, capture_errc e, std::string_view where) {
    error = std::string("capture read error: ") + std::string(where) + ": " + std::string(name(e));
    return -1;
  }

  /// Reads exactly n bytes into buf_ (from `at`). 0 at a clean end before
  /// any byte, -1 when the file ends inside them, 1 otherwise.
  int read_into(std::size_t at, std::size_t n) {
    if (buf_.size() < at + n) buf_.resize(at + n);
    const std::size_t got = n == 0 ? 0 : std::fread(buf_.data() + at, 1, n, file_.get());
    if (got == n) return 1;
    return got == 0 && at == 0 ? 0 : -1;
  }

  int next_pcap(captured_frame &f, std::string &error) {
    const int h = read_into(0, pcap_record_header_size);
    if (h == 0) return 0;
    if (h < 0) return read_error(error, capture_errc::truncated, "record header");
    auto r = parse_pcap_record_header(bytes_view(buf_.data(), pcap_record_header_size), pcap_);
    if (!r) return read_error(error, r.code(), "record header");
    if (read_into(pcap_record_header_size, r->caplen) != 1)
      return read_error(error, capture_errc::truncated, "record data");
    f.data = bytes_view(buf_.data() + pcap_record_header_size, r->caplen);
    f.wire_length = r->wirelen;
    f.ts_ns = r->ts_ns;
    f.interface = 0;
    f.linktype = pcap_.linktype;
    f.snaplen = pcap_.snaplen;
    return 1;
  }

  int next_pcapng(captured_frame &f, std::string &error) {
    for (;;) {
      // Block type and total length; for a Section Header Block also the
      // byte-order magic, which says how to read the length.
      std::size_t have = 0;
      if (pending_shb_) {
        vpnwire::core::store_be32(head_.data(), pcapng::section_header);
        have = 4;
        pending_shb_ = false;
      }
      const std::size_t got = std::fread(head_.data() + have, 1, 8 - have, file_.get());
      if (have + got == 0) return 0;
      if (have + got < 8) return read_error(error, capture_errc::truncated, "block header");
      const std::uint32_t type_be = vpnwire::core::load_be32(head_.data());
      if (type_be == pcapng::section_header) {
        if (std::fread(head_.data() + 8, 1, 4, file_.get()) != 4)
          return read_error(error, capture_errc::truncated, "section header");
        auto o = pcapng::section_byte_order(head_);
        if (!o) return read_error(error, o.code(), "section header");
        section_.order = *o;
        have = 12;
      } else {
        have = 8;
      }
      const byte_order &o = section_.order;
      const std::uint32_t type = o.u32(head_.data());
      const std::uint32_t total = o.u32(head_.data() + 4);
      if (total < 12 || total % 4 != 0) return read_error(error, capture_errc::block_length_invalid, "block");
      if (total > max_block) return read_error(error, capture_errc::record_too_large, "block");
      if (have > total) return read_error(error, capture_errc::block_length_invalid, "block");
      // The whole block in buf_: what was read, then the body and the
      // repeated total length.
      if (buf_.size() < total) buf_.resize(total);
      std::memcpy(buf_.data(), head_.data(), have);
      if (std::fread(buf_.data() + have, 1, total - have, file_.get()) != total - have)
        return read_error(error, capture_errc::truncated, "block");
      if (o.u32(buf_.data() + total - 4) != total)
        return read_error(error, capture_errc::block_length_invalid, "block trailer");
      if (type == pcapng::section_header) interface_base_ += static_cast<std::uint32_t>(section_.interfaces.size());
      const bytes_view body(buf_.data() + 8, total - 12);
      pcapng::packet p;
      auto k = pcapng::parse_block(type, body, section_, p);
      if (!k) return read_error(error, k.code(), "block");
      if (*k != pcapng::block_kind::packet) continue;
      const pcapng::interface_info &i = section_.interfaces[p.interface];
      f.data = p.data;
      f.wire_length = p.wirelen;
      f.ts_ns = p.ts_ns;
      f.interface = p.interface + interface_base_;
      f.linktype = i.linktype;
      f.snaplen = i.snaplen;
      return 1;
    }
  }

  std::unique_ptr<std::FILE, closer> file_;
  std::string name_;
  format format_ = format::pcap;
  pcap_file_header pcap_{};
  pcapng::section section_;
  std::array<std::byte, 12> head_{};
  bool pending_shb_ = false;
  std::uint32_t interface_base_ = 0;
  std::vector<std::byte> buf_;
};

/// Writes a classic (microsecond, little-endian) pcap file.
class pcap_writer {
public:
  pcap_writer() = default;
  [[nodiscard]] bool open(const std::string &path, std::uint16_t lt, std::string &error) {
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
      error = path + ": cannot write: " + std::strerror(errno);
      return false;
    }
    file_.reset(f);
    path_ = path;
    unsigned char h[24] = {};
    put32(h, 0xa1b2c3d4U);
    put16(h + 4, 2);
    put16(h + 6, 4);
    put32(h + 16, 262144);
    put32(h + 20, lt);
    return write(h, sizeof h, error);
  }
  [[nodiscard]] bool is_open() const noexcept { return file_ != nullptr; }

  /// Writes one record; `wire_length` 0 means the frame was captured whole.
  [[nodiscard]] bool write_frame(std::int64_t ts_ns, bytes_view data, std::string &error,
                                 std::uint32_t wire_length = 0) {
    unsigned char h[16];
    const std::int64_t us = ts_ns / 1000;
    put32(h, static_cast<std::uint32_t>(us / 1'000'000));
    put32(h + 4, static_cast<std::uint32_t>(us % 1'000'000));
    put32(h + 8, static_cast<std::uint32_t>(data.size()));
    put32(h + 12, wire_length != 0 ? wire_length : static_cast<std::uint32_t>(data.size()));
    return write(h, sizeof h, error) && write(data.data(), data.size(), error);
  }

  [[nodiscard]] bool close(std::string &error) {
    if (!file_) return true;
    const bool ok = std::fclose(file_.release()) == 0;
    if (!ok) error = path_ + ": write failed: " + std::strerror(errno);
    return ok;
  }

private:
  static void put16(unsigned char *p, std::uint16_t v) { std::memcpy(p, &v, 2); } // host order, as the magic says
  static void put32(unsigned char *p, std::uint32_t v) { std::memcpy(p, &v, 4); }
  bool write(const void *p, std::size_t n, std::string &error) {
    if (n != 0 && std::fwrite(p, 1, n, file_.get()) != n) {
      error = path_ + ": write failed: " + std::strerror(errno);
      return false;
    }
    return true;
  }
  struct closer {
    void operator()(std::FILE *f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, closer> file_;
  std::string path_;
};

} // namespace vpnwire_cli
