// Frames cut by the capture's snap length. A layer whose length field says
// more than was captured is not malformed when its bytes run to where the
// capture stopped: the pipeline decodes its header and what follows as far
// as it goes. The library's views check lengths against the bytes they are
// given, so such a layer is parsed from a copy whose length field says what
// was captured (the copy becomes the new place where bytes end); the values
// the record shows are the ones on the wire.
#pragma once

#include "vpnwire/core/bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace vpnwire_cli {

class snap_cut {
public:
  /// Copies per frame (one per nested layer with a length field).
  static constexpr std::size_t max_copies = 12;

  /// A new frame: `data` as captured, `wire_length` its original size.
  void reset(vpnwire::bytes_view data, std::uint32_t wire_length) noexcept {
    active_ = wire_length > data.size();
    end_ = data.data() + data.size();
    used_ = 0;
  }

  /// True when `b` runs to the point where the capture stopped: a length
  /// beyond it is the snap length's doing, not the sender's.
  [[nodiscard]] bool reaches_cut(vpnwire::bytes_view b) const noexcept {
    return active_ && b.data() + b.size() == end_;
  }

  /// A copy of `b` whose big-endian 16-bit field at `field` holds `value`;
  /// the copy's end becomes the cut. An empty span when the copies of this
  /// frame are used up (the caller then treats the layer as cut at its header).
  [[nodiscard]] vpnwire::bytes_view patched(vpnwire::bytes_view b, std::size_t field, std::uint16_t value) {
    if (used_ == max_copies || field + 2 > b.size()) return {};
    std::vector<std::byte> &buf = copies_[used_++];
    buf.assign(b.begin(), b.end());
    vpnwire::core::store_be16(buf.data() + field, value);
    end_ = buf.data() + buf.size();
    return {buf.data(), buf.size()};
  }

private:
  bool active_ = false;
  const std::byte *end_ = nullptr;
  std::size_t used_ = 0;
  std::array<std::vector<std::byte>, max_copies> copies_;
};

} // namespace vpnwire_cli
