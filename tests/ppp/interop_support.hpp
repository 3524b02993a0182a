// Helpers for the interop tests (PPP, IPv6): a minimal pcap writer and reader,
// running a command and capturing its output, and tshark's -T fields output as one
// map per packet (field name -> value, occurrences joined with ',').
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ppp_interop {

/// Writes the classic pcap format (little-endian, microsecond timestamps).
class pcap_writer {
public:
  explicit pcap_writer(std::uint32_t linktype) {
    put32(0xA1B2C3D4U);
    put16(2);
    put16(4);
    put32(0);
    put32(0);
    put32(65535);
    put32(linktype);
  }
  void add(vpnwire::bytes_view packet) {
    put32(1700000000U + count_);
    put32(0);
    put32(static_cast<std::uint32_t>(packet.size()));
    put32(static_cast<std::uint32_t>(packet.size()));
    for (std::byte b : packet) data_.push_back(static_cast<char>(b));
    ++count_;
  }
  void save(const std::string &path) const {
    std::ofstream f(path, std::ios::binary);
    f.write(data_.data(), static_cast<std::streamsize>(data_.size()));
  }

private:
  void put16(std::uint16_t v) {
    data_.push_back(static_cast<char>(v & 0xFF));
    data_.push_back(static_cast<char>(v >> 8));
  }
  void put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) data_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::vector<char> data_;
  std::uint32_t count_ = 0;
};

/// Runs a shell command; returns its standard output and sets `status`.
inline std::string run(const std::string &cmd, int &status) {
  std::string out;
  FILE *p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  status = pclose(p);
  return out;
}

/// The frames of a classic little-endian pcap file (empty when it is not one).
inline std::vector<std::vector<std::byte>> read_pcap(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::vector<std::byte>> out;
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(all[at + static_cast<std::size_t>(i)]);
    return v;
  };
  if (all.size() < 24 || u32(0) != 0xA1B2C3D4U) return out;
  for (std::size_t at = 24; at + 16 <= all.size();) {
    const std::uint32_t incl = u32(at + 8);
    at += 16;
    if (at + incl > all.size()) break;
    out.emplace_back(reinterpret_cast<const std::byte *>(all.data() + at),
                     reinterpret_cast<const std::byte *>(all.data() + at + incl));
    at += incl;
  }
  return out;
}

inline bool have_tool(const std::string &name) {
  int st = 0;
  run("command -v " + name + " >/dev/null 2>&1", st);
  return st == 0;
}

/// A scratch directory for pcaps (under the build tree when ctest runs us).
inline std::string scratch_dir() {
  const char *b = std::getenv("VPNWIRE_BINARY_DIR");
  std::string dir = std::string(b != nullptr ? b : "/tmp") + "/ppp_interop";
  int st = 0;
  run("mkdir -p '" + dir + "'", st);
  return dir;
}

/// tshark -T fields for `fields`, one map per packet.
inline std::vector<std::map<std::string, std::string>>
tshark_fields(const std::string &pcap, const std::vector<std::string> &fields, const std::string &options = "") {
  std::string cmd =
      "tshark -n " + options + " -r '" + pcap + "' -T fields -E separator=/t -E occurrence=a -E aggregator=,";
  for (const auto &f : fields) cmd += " -e " + f;
  cmd += " 2>/dev/null";
  int st = 0;
  const std::string out = run(cmd, st);
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::map<std::string, std::string> row;
    std::size_t start = 0;
    for (const auto &f : fields) {
      const std::size_t tab = line.find('\t', start);
      row[f] = line.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
      start = tab == std::string::npos ? line.size() : tab + 1;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

inline std::string hex8(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", v);
  return b;
}
inline std::string hex16(unsigned v) {
  char b[12];
  std::snprintf(b, sizeof b, "0x%04x", v);
  return b;
}
inline std::string hex32(unsigned long v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08lx", v);
  return b;
}
inline std::string dotted(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." + std::to_string((a >> 8) & 0xFF) +
         "." + std::to_string(a & 0xFF);
}
} // namespace ppp_interop
