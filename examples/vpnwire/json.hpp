// A minimal JSON Lines writer for the CLI: appends to a caller-owned
// std::string that is reused line after line (no allocation once warm).
// Keys are Wireshark display-filter field names; numbers are JSON numbers,
// addresses dotted strings, byte strings lowercase hex.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vpnwire_cli {

class json_writer {
public:
  explicit json_writer(std::string &out) noexcept : out_(out) {}

  void begin_object() {
    comma();
    out_.push_back('{');
    first_ = true;
  }
  void end_object() {
    out_.push_back('}');
    first_ = false;
  }
  void begin_array() {
    comma();
    out_.push_back('[');
    first_ = true;
  }
  void end_array() {
    out_.push_back(']');
    first_ = false;
  }

  /// Writes "key": and leaves the writer ready for exactly one value.
  void key(std::string_view k) {
    comma();
    string_literal(k);
    out_.push_back(':');
    first_ = true; // the value that follows takes no comma
  }

  void number(std::uint64_t v) {
    comma();
    std::array<char, 24> buf{};
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    out_.append(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  }
  void signed_number(std::int64_t v) {
    comma();
    std::array<char, 24> buf{};
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    out_.append(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  }
  void boolean(bool v) {
    comma();
    out_.append(v ? "true" : "false");
  }
  void null() {
    comma();
    out_.append("null");
  }
  void string(std::string_view s) {
    comma();
    string_literal(s);
  }
  /// Bytes as a lowercase hex string.
  void hex(std::span<const std::byte> b) {
    comma();
    static constexpr char digits[] = "0123456789abcdef";
    out_.push_back('"');
    for (std::byte x : b) {
      const auto v = std::to_integer<unsigned>(x);
      out_.push_back(digits[v >> 4]);
      out_.push_back(digits[v & 15U]);
    }
    out_.push_back('"');
  }
  /// An IPv4 address (host-order integer) as a dotted string.
  void ipv4(std::uint32_t a) {
    comma();
    out_.push_back('"');
    append_ipv4(out_, a);
    out_.push_back('"');
  }
  /// A MAC address as Wireshark prints it: aa:bb:cc:dd:ee:ff.
  void mac(std::span<const std::byte, 6> m) {
    comma();
    static constexpr char digits[] = "0123456789abcdef";
    out_.push_back('"');
    for (std::size_t i = 0; i < 6; ++i) {
      if (i != 0) out_.push_back(':');
      const auto v = std::to_integer<unsigned>(m[i]);
      out_.push_back(digits[v >> 4]);
      out_.push_back(digits[v & 15U]);
    }
    out_.push_back('"');
  }

  // key + value shorthands
  void field(std::string_view k, std::uint64_t v) {
    key(k);
    number(v);
  }
  void field_bool(std::string_view k, bool v) {
    key(k);
    boolean(v);
  }
  void field_str(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  void field_hex(std::string_view k, std::span<const std::byte> v) {
    key(k);
    hex(v);
  }
  void field_ipv4(std::string_view k, std::uint32_t v) {
    key(k);
    ipv4(v);
  }

  static void append_ipv4(std::string &s, std::uint32_t a) {
    std::array<char, 4> buf{};
    for (int i = 3; i >= 0; --i) {
      const unsigned octet = (a >> (8 * i)) & 0xFFU;
      auto r = std::to_chars(buf.data(), buf.data() + buf.size(), octet);
      s.append(buf.data(), r.ptr);
      if (i != 0) s.push_back('.');
    }
  }

private:
  void comma() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  void string_literal(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    out_.push_back('"');
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      switch (c) {
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      case '\n': out_.append("\\n"); break;
      case '\r': out_.append("\\r"); break;
      case '\t': out_.append("\\t"); break;
      default:
        if (u < 0x20 || u >= 0x7F) {
          // Wire strings are not trusted to be UTF-8: escape every non-ASCII
          // byte as a code point of the same value so the line stays valid JSON.
          out_.append("\\u00");
          out_.push_back(digits[u >> 4]);
          out_.push_back(digits[u & 15U]);
        } else {
          out_.push_back(c);
        }
      }
    }
    out_.push_back('"');
  }

  std::string &out_;
  bool first_ = true;
};

} // namespace vpnwire_cli
