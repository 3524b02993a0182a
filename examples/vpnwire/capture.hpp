// Capture input and output for the CLI: reading pcap and pcapng through
// libpcap (one frame at a time, constant memory), the link layers the CLI
// accepts (Ethernet with 802.1Q tags, raw IPv4, Linux cooked SLL and SLL2),
// and a minimal classic-pcap writer for --write-inner and the generator.
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>

namespace vpnwire_cli {

using vpnwire::bytes_view;

// Link-layer header types (the LINKTYPE_ values of the pcap file format).
inline constexpr int linktype_ethernet = 1;
inline constexpr int linktype_raw = 101;
inline constexpr int linktype_linux_sll = 113;
inline constexpr int linktype_ipv4 = 228;
inline constexpr int linktype_linux_sll2 = 276;

enum class link_kind : std::uint8_t { ethernet, raw_ip, sll, sll2 };

/// One captured frame: its bytes (valid until the next read) and timestamp.
struct captured_frame {
  bytes_view data;
  std::uint32_t wire_length = 0; ///< original length; > data.size() when the snaplen cut it
  std::int64_t ts_ns = 0;        ///< capture timestamp, nanoseconds since the epoch
};

/// Reads a pcap or pcapng file through libpcap. Move-only.
class capture_reader {
public:
  capture_reader() = default;

  /// Opens `path`. On failure returns false and fills `error` with one line.
  [[nodiscard]] bool open(const std::string &path, std::string &error) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == nullptr) {
      error = path + ": cannot read capture: " + errbuf;
      return false;
    }
    handle_.reset(p);
    const int dlt = pcap_datalink(p);
    switch (dlt) {
    case DLT_EN10MB: kind_ = link_kind::ethernet; break;
    case DLT_RAW:
    case DLT_IPV4: kind_ = link_kind::raw_ip; break;
    case DLT_LINUX_SLL: kind_ = link_kind::sll; break;
    case DLT_LINUX_SLL2: kind_ = link_kind::sll2; break;
    default: {
      const char *n = pcap_datalink_val_to_name(dlt);
      error = path + ": unsupported link type " + std::to_string(dlt) + (n ? std::string(" (") + n + ")" : "") +
              "; vpnwire reads Ethernet, raw IPv4, Linux SLL and SLL2";
      handle_.reset();
      return false;
    }
    }
    return true;
  }

  [[nodiscard]] link_kind kind() const noexcept { return kind_; }

  /// The next frame. Returns 1 on a frame, 0 at the end, -1 on a read error
  /// (a file cut short mid-record), with `error` set.
  [[nodiscard]] int next(captured_frame &f, std::string &error) {
    pcap_pkthdr *h = nullptr;
    const u_char *d = nullptr;
    const int r = pcap_next_ex(handle_.get(), &h, &d);
    if (r == 1) {
      f.data = bytes_view(static_cast<const std::byte *>(static_cast<const void *>(d)), h->caplen);
      f.wire_length = h->len;
      f.ts_ns = to_ns(static_cast<std::int64_t>(h->ts.tv_sec), static_cast<std::int64_t>(h->ts.tv_usec));
      return 1;
    }
    if (r == PCAP_ERROR_BREAK) return 0;
    error = std::string("capture read error: ") + pcap_geterr(handle_.get());
    return -1;
  }

  /// Nanoseconds of a (seconds, sub-second) capture timestamp (the reader
  /// opens files with nanosecond precision). A file may hold any value: both
  /// parts are clamped (seconds to +-9e9, past year 2255) so the result and
  /// the pipeline's clock arithmetic on it (timeouts of up to hours) cannot
  /// overflow.
  [[nodiscard]] static constexpr std::int64_t to_ns(std::int64_t sec, std::int64_t frac) noexcept {
    constexpr std::int64_t max_sec = 9'000'000'000;
    constexpr std::int64_t max_frac = std::int64_t{1} << 32;
    sec = sec < -max_sec ? -max_sec : (sec > max_sec ? max_sec : sec);
    frac = frac < -max_frac ? -max_frac : (frac > max_frac ? max_frac : frac);
    return sec * 1'000'000'000 + frac;
  }

private:
  struct closer {
    void operator()(pcap_t *p) const noexcept { pcap_close(p); }
  };
  std::unique_ptr<pcap_t, closer> handle_;
  link_kind kind_ = link_kind::ethernet;
};

/// Writes a classic (microsecond, little-endian) pcap file.
class pcap_writer {
public:
  pcap_writer() = default;
  [[nodiscard]] bool open(const std::string &path, int linktype, std::string &error) {
    FILE *f = std::fopen(path.c_str(), "wb");
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
    put32(h + 20, static_cast<std::uint32_t>(linktype));
    return write(h, sizeof h, error);
  }
  [[nodiscard]] bool is_open() const noexcept { return file_ != nullptr; }

  [[nodiscard]] bool write_frame(std::int64_t ts_ns, bytes_view data, std::string &error) {
    unsigned char h[16];
    const std::int64_t us = ts_ns / 1000;
    put32(h, static_cast<std::uint32_t>(us / 1'000'000));
    put32(h + 4, static_cast<std::uint32_t>(us % 1'000'000));
    put32(h + 8, static_cast<std::uint32_t>(data.size()));
    put32(h + 12, static_cast<std::uint32_t>(data.size()));
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
    void operator()(FILE *f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<FILE, closer> file_;
  std::string path_;
};

// ---------------------------------------------------------------- link layers

/// What the link layer says: the network protocol (EtherType) and where its
/// bytes start. Nothing is copied.
struct link_view {
  std::uint16_t ethertype = 0;
  bytes_view payload;
  std::size_t header_size = 0;
  std::uint16_t vlan_id = 0;
  bool has_vlan = false;
  // Fields for printing (Wireshark names in comments).
  std::span<const std::byte, 6> eth_dst{static_cast<const std::byte *>(nullptr), 6}; // eth.dst
  std::span<const std::byte, 6> eth_src{static_cast<const std::byte *>(nullptr), 6}; // eth.src
  std::uint16_t sll_pkttype = 0;                                                     // sll.pkttype
  std::uint16_t sll_hatype = 0;                                                      // sll.hatype
  std::uint16_t sll_halen = 0;                                                       // sll.halen
  std::uint32_t sll_ifindex = 0;                                                     // sll.ifindex (SLL2)
  bytes_view sll_addr;                                                               // sll.src.eth when 6 bytes
};

enum class link_errc : std::uint8_t { ok = 0, truncated_ethernet, truncated_vlan, truncated_sll, truncated_sll2 };
[[nodiscard]] constexpr std::string_view name(link_errc e) noexcept {
  switch (e) {
  case link_errc::ok: return "ok";
  case link_errc::truncated_ethernet: return "truncated_ethernet_header";
  case link_errc::truncated_vlan: return "truncated_vlan_tag";
  case link_errc::truncated_sll: return "truncated_sll_header";
  case link_errc::truncated_sll2: return "truncated_sll2_header";
  }
  return "unknown";
}

/// Parses the link-layer header of a frame. Errors name the header and the
/// offset at which bytes ran out.
[[nodiscard]] inline vpnwire::result<link_view, link_errc> parse_link(link_kind k, bytes_view f) noexcept {
  using vpnwire::core::load_be16;
  using vpnwire::core::load_be32;
  link_view v;
  switch (k) {
  case link_kind::raw_ip:
    v.ethertype = 0x0800;
    v.payload = f;
    return v;
  case link_kind::ethernet: {
    if (f.size() < 14) return vpnwire::fail(link_errc::truncated_ethernet, f.size());
    v.eth_dst = f.subspan<0, 6>();
    v.eth_src = f.subspan<6, 6>();
    std::size_t off = 12;
    std::uint16_t type = load_be16(f.data() + off);
    while (type == 0x8100 || type == 0x88a8) {
      if (f.size() < off + 6) return vpnwire::fail(link_errc::truncated_vlan, f.size());
      if (!v.has_vlan) v.vlan_id = static_cast<std::uint16_t>(load_be16(f.data() + off + 2) & 0x0FFFU);
      v.has_vlan = true;
      off += 4;
      type = load_be16(f.data() + off);
    }
    v.ethertype = type;
    v.header_size = off + 2;
    v.payload = f.subspan(off + 2);
    return v;
  }
  case link_kind::sll: {
    if (f.size() < 16) return vpnwire::fail(link_errc::truncated_sll, f.size());
    v.sll_pkttype = load_be16(f.data());
    v.sll_hatype = load_be16(f.data() + 2);
    v.sll_halen = load_be16(f.data() + 4);
    v.sll_addr = f.subspan(6, v.sll_halen < 8 ? v.sll_halen : 8);
    v.ethertype = load_be16(f.data() + 14);
    v.header_size = 16;
    v.payload = f.subspan(16);
    return v;
  }
  case link_kind::sll2: {
    if (f.size() < 20) return vpnwire::fail(link_errc::truncated_sll2, f.size());
    v.ethertype = load_be16(f.data());
    v.sll_ifindex = load_be32(f.data() + 4);
    v.sll_hatype = load_be16(f.data() + 8);
    v.sll_pkttype = vpnwire::core::load_u8(f.data() + 10);
    v.sll_halen = vpnwire::core::load_u8(f.data() + 11);
    v.sll_addr = f.subspan(12, v.sll_halen < 8 ? v.sll_halen : 8);
    v.header_size = 20;
    v.payload = f.subspan(20);
    return v;
  }
  }
  return v;
}

} // namespace vpnwire_cli
