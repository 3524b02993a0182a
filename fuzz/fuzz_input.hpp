// Helpers shared by the fuzz targets: a byte cursor over the input that
// reads zeros once it runs out (so a target never reads past the input and
// never needs a length check per field), and an in-memory FILE* for targets
// that drive code writing to a stream.
#pragma once

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz {

/// Consumes the fuzz input front to back; past the end every read is 0.
struct bytes_in {
  const std::uint8_t *p;
  std::size_t n;
  [[nodiscard]] bool empty() const noexcept { return n == 0; }
  std::uint8_t u8() noexcept {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::uint64_t u64() noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | u8();
    return v;
  }
};

/// A FILE* writing to memory (open_memstream); text() is what was written.
class memory_sink {
public:
  memory_sink() : f_(open_memstream(&buf_, &size_)) { FUZZ_CHECK(f_ != nullptr); }
  memory_sink(const memory_sink &) = delete;
  memory_sink &operator=(const memory_sink &) = delete;
  ~memory_sink() {
    if (f_ != nullptr) std::fclose(f_);
    std::free(buf_);
  }
  [[nodiscard]] std::FILE *file() const noexcept { return f_; }
  /// The bytes written so far (valid until the next write).
  [[nodiscard]] std::string_view text() {
    std::fflush(f_);
    return {buf_, size_};
  }

private:
  char *buf_ = nullptr;
  std::size_t size_ = 0;
  std::FILE *f_;
};

} // namespace fuzz
