// Byte spans, big-endian loads and stores, and a bounds-checked reader and
// writer. Everything that touches wire bytes in vpnwire goes through here.
//
// The reader and writer never read or write outside their span: every
// operation either succeeds completely or fails with core::errc and the
// offset at which the missing bytes were needed, leaving the position
// unchanged.
#pragma once

#include "vpnwire/core/errc.hpp"
#include "vpnwire/core/result.hpp"

#include <boost/endian/conversion.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {

/// Read-only bytes: the input type of every parser.
using bytes_view = std::span<const std::byte>;
/// Writable bytes: the output type of every builder.
using mutable_bytes = std::span<std::byte>;

namespace core {
/// A temporary that owns its elements (an rvalue std::vector, std::array,
/// std::string, ...): a view of it dangles once the full expression ends.
/// Every function that returns a view into its input has a deleted overload
/// for such an argument, so `parse_frame(make_vector())` does not compile
/// (spans and string_views are borrowed ranges and pass).
template <class T>
concept temporary_owner = !std::is_lvalue_reference_v<T> && !std::ranges::borrowed_range<std::remove_cvref_t<T>>;
} // namespace core

/// Views the characters of a string as bytes (no copy).
[[nodiscard]] inline bytes_view as_bytes(std::string_view s) noexcept {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}
/// A view of a temporary string would dangle: does not compile.
template <class Owner>
requires core::temporary_owner<Owner> && std::is_convertible_v<Owner, std::string_view> bytes_view as_bytes(Owner &&)
= delete;

namespace core {

// Unchecked big-endian access at a pointer. Callers check bounds first; the
// views do so once at parse time and then read fields through these.
// (Casting std::byte* to unsigned char* is the sanctioned byte alias; no
// struct is ever overlaid on wire bytes.)
[[nodiscard]] VPNWIRE_ALWAYS_INLINE const unsigned char *uc(const std::byte *p) noexcept {
  return reinterpret_cast<const unsigned char *>(p); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}
[[nodiscard]] VPNWIRE_ALWAYS_INLINE unsigned char *uc(std::byte *p) noexcept {
  return reinterpret_cast<unsigned char *>(p); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

[[nodiscard]] VPNWIRE_ALWAYS_INLINE std::uint8_t load_u8(const std::byte *p) noexcept {
  return static_cast<std::uint8_t>(*p);
}
[[nodiscard]] VPNWIRE_ALWAYS_INLINE std::uint16_t load_be16(const std::byte *p) noexcept {
  return boost::endian::load_big_u16(uc(p));
}
[[nodiscard]] VPNWIRE_ALWAYS_INLINE std::uint32_t load_be24(const std::byte *p) noexcept {
  return boost::endian::load_big_u24(uc(p));
}
[[nodiscard]] VPNWIRE_ALWAYS_INLINE std::uint32_t load_be32(const std::byte *p) noexcept {
  return boost::endian::load_big_u32(uc(p));
}
[[nodiscard]] VPNWIRE_ALWAYS_INLINE std::uint64_t load_be64(const std::byte *p) noexcept {
  return boost::endian::load_big_u64(uc(p));
}
VPNWIRE_ALWAYS_INLINE void store_u8(std::byte *p, std::uint8_t v) noexcept { *p = std::byte{v}; }
VPNWIRE_ALWAYS_INLINE void store_be16(std::byte *p, std::uint16_t v) noexcept {
  boost::endian::store_big_u16(uc(p), v);
}
VPNWIRE_ALWAYS_INLINE void store_be24(std::byte *p, std::uint32_t v) noexcept {
  boost::endian::store_big_u24(uc(p), v);
}
VPNWIRE_ALWAYS_INLINE void store_be32(std::byte *p, std::uint32_t v) noexcept {
  boost::endian::store_big_u32(uc(p), v);
}
VPNWIRE_ALWAYS_INLINE void store_be64(std::byte *p, std::uint64_t v) noexcept {
  boost::endian::store_big_u64(uc(p), v);
}

/// A forward cursor over read-only bytes. Cheap to copy (a span and an index).
class byte_reader {
public:
  constexpr byte_reader() noexcept = default;
  constexpr explicit byte_reader(bytes_view bytes) noexcept : bytes_(bytes) {}
  /// A reader over a temporary container would dangle: does not compile.
  // Deleted, and constrained to owners of bytes: it hides no copy or move.
  // NOLINTBEGIN(bugprone-forwarding-reference-overload)
  template <class Owner>
  requires temporary_owner<Owner> && std::is_convertible_v<Owner, bytes_view>
  explicit byte_reader(Owner &&) = delete;
  // NOLINTEND(bugprone-forwarding-reference-overload)

  /// Bytes not yet consumed.
  [[nodiscard]] constexpr std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  /// Offset of the next byte from the start of the span.
  [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] constexpr bool empty() const noexcept { return pos_ == bytes_.size(); }
  /// The unconsumed bytes.
  [[nodiscard]] constexpr bytes_view rest() const noexcept { return bytes_.subspan(pos_); }

  /// Errors: truncated (offset = position) if fewer than 1/2/3/4/8 bytes remain.
  [[nodiscard]] result<std::uint8_t, errc> u8() noexcept { return read<std::uint8_t, 1>(); }
  [[nodiscard]] result<std::uint16_t, errc> u16() noexcept { return read<std::uint16_t, 2>(); }
  [[nodiscard]] result<std::uint32_t, errc> u24() noexcept { return read<std::uint32_t, 3>(); }
  [[nodiscard]] result<std::uint32_t, errc> u32() noexcept { return read<std::uint32_t, 4>(); }
  [[nodiscard]] result<std::uint64_t, errc> u64() noexcept { return read<std::uint64_t, 8>(); }

  /// The next n bytes as a sub-span (no copy). Errors: truncated if fewer than n remain.
  [[nodiscard]] result<bytes_view, errc> bytes(std::size_t n) noexcept {
    if (n > remaining()) return fail(errc::truncated, pos_);
    bytes_view out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  /// Copies the next out.size() bytes into out. Errors: truncated.
  [[nodiscard]] result<void, errc> copy_to(mutable_bytes out) noexcept {
    if (out.size() > remaining()) return fail(errc::truncated, pos_);
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + pos_, out.size());
    pos_ += out.size();
    return {};
  }
  /// Advances by n bytes. Errors: truncated if fewer than n remain.
  [[nodiscard]] result<void, errc> skip(std::size_t n) noexcept {
    if (n > remaining()) return fail(errc::truncated, pos_);
    pos_ += n;
    return {};
  }

private:
  template <class T, std::size_t N> [[nodiscard]] result<T, errc> read() noexcept {
    if (remaining() < N) return fail(errc::truncated, pos_);
    const std::byte *p = bytes_.data() + pos_;
    T v;
    if constexpr (N == 1)
      v = load_u8(p);
    else if constexpr (N == 2)
      v = load_be16(p);
    else if constexpr (N == 3)
      v = load_be24(p);
    else if constexpr (N == 4)
      v = load_be32(p);
    else
      v = load_be64(p);
    pos_ += N;
    return v;
  }

  bytes_view bytes_{};
  std::size_t pos_ = 0;
};

/// A forward cursor that writes into a caller-owned span.
class byte_writer {
public:
  constexpr byte_writer() noexcept = default;
  constexpr explicit byte_writer(mutable_bytes out) noexcept : out_(out) {}

  /// Bytes written so far (also the offset of the next byte).
  [[nodiscard]] constexpr std::size_t size() const noexcept { return pos_; }
  [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] constexpr std::size_t remaining() const noexcept { return out_.size() - pos_; }
  /// What has been written, as a read-only view.
  [[nodiscard]] constexpr bytes_view written() const noexcept { return out_.first(pos_); }
  /// The whole output span (for patching fields written earlier).
  [[nodiscard]] constexpr mutable_bytes buffer() const noexcept { return out_; }

  /// Errors: buffer_too_small (offset = position) when the value does not fit.
  [[nodiscard]] result<void, errc> u8(std::uint8_t v) noexcept { return write<1>(v); }
  [[nodiscard]] result<void, errc> u16(std::uint16_t v) noexcept { return write<2>(v); }
  /// Errors: value_out_of_range when v >= 2^24; buffer_too_small.
  [[nodiscard]] result<void, errc> u24(std::uint32_t v) noexcept {
    if (v > 0xFFFFFFU) return fail(errc::value_out_of_range, pos_);
    return write<3>(v);
  }
  [[nodiscard]] result<void, errc> u32(std::uint32_t v) noexcept { return write<4>(v); }
  [[nodiscard]] result<void, errc> u64(std::uint64_t v) noexcept { return write<8>(v); }
  /// Copies bytes. Errors: buffer_too_small.
  [[nodiscard]] result<void, errc> bytes(bytes_view b) noexcept {
    if (b.size() > remaining()) return fail(errc::buffer_too_small, pos_);
    if (!b.empty()) std::memcpy(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
    return {};
  }
  /// Writes n copies of a byte. Errors: buffer_too_small.
  [[nodiscard]] result<void, errc> fill(std::size_t n, std::byte v) noexcept {
    if (n > remaining()) return fail(errc::buffer_too_small, pos_);
    for (std::byte &b : out_.subspan(pos_, n)) b = v;
    pos_ += n;
    return {};
  }
  /// Reserves n bytes to fill in later and returns them. Errors: buffer_too_small.
  [[nodiscard]] result<mutable_bytes, errc> reserve(std::size_t n) noexcept {
    if (n > remaining()) return fail(errc::buffer_too_small, pos_);
    mutable_bytes r = out_.subspan(pos_, n);
    pos_ += n;
    return r;
  }

private:
  template <std::size_t N, class T> [[nodiscard]] result<void, errc> write(T v) noexcept {
    if (remaining() < N) return fail(errc::buffer_too_small, pos_);
    std::byte *p = out_.data() + pos_;
    if constexpr (N == 1)
      store_u8(p, v);
    else if constexpr (N == 2)
      store_be16(p, v);
    else if constexpr (N == 3)
      store_be24(p, v);
    else if constexpr (N == 4)
      store_be32(p, v);
    else
      store_be64(p, v);
    pos_ += N;
    return {};
  }

  mutable_bytes out_{};
  std::size_t pos_ = 0;
};

} // namespace core
} // namespace v1
} // namespace vpnwire
