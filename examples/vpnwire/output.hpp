// Buffered standard output for the CLI: lines are appended to one buffer and
// written in large blocks, so printing costs one write per ~1 MiB.
#pragma once

#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>

namespace vpnwire_cli {

class output {
public:
  explicit output(std::FILE *f) : f_(f) { buf_.reserve(block + 65536); }
  output(const output &) = delete;
  output &operator=(const output &) = delete;

  void write(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= block) drain();
  }
  /// Writes what is buffered. False when the stream failed (errno says why).
  [[nodiscard]] bool flush() {
    drain();
    return ok_ && std::fflush(f_) == 0;
  }

private:
  static constexpr std::size_t block = std::size_t{1} << 20;
  void drain() {
    if (!buf_.empty() && ok_ && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) ok_ = false;
    buf_.clear();
  }
  std::FILE *f_;
  std::string buf_;
  bool ok_ = true;
};

} // namespace vpnwire_cli
