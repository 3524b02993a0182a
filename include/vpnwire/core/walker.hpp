// core::walker<Format>: the one shape of every TLV, option and
// extension-header walker in vpnwire (L2TP AVPs, LCP/IPCP/IPV6CP options,
// PPPoE tags, IPv4 and TCP options, IPv6 extension headers).
//
//   ppp::option_reader r = packet.options().value();
//   while (!r.done()) {
//     auto o = r.next();                 // result<item, errc>
//     if (!o) return o.error();          // code and offset; the walk has stopped
//     use(*o);
//   }
//
// or, when the first error is all the caller needs afterwards:
//
//   for (const auto &o : r) use(o);      // stops at the end or at the first error
//   if (r.error().code != errc::ok) return r.error();
//
// The walk never loops and never over-reads: the Format reads one element at
// a time from the bytes still unread and reports its size (at least 1), or an
// error; after an error the walker is done and keeps that error. What a
// protocol adds (the element layout, an end-of-list marker, the state an IPv6
// chain carries from one header to the next) lives in its Format:
//
//   struct Format {
//     using item_type = ...;   // default-constructible, trivially copyable view
//     using errc_type = ...;   // the area's errc
//     // Returned by next() when called although done().
//     static constexpr errc_type exhausted = errc_type::...;
//     // Reads the element at `pos` of `area`. Error offsets are `base + pos`
//     // plus the position of the offending byte inside the element.
//     result<walk_step<item_type>, errc_type> read(bytes_view area, std::size_t pos, std::size_t base) noexcept;
//   };
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"

#include <cstddef>
#include <iterator>
#include <type_traits>

namespace vpnwire {
inline namespace v1 {
namespace core {

/// One element read by a Format: the item, the bytes it occupies, and
/// whether it ends the list (an end-of-list option, or the last header of a
/// chain). `size` is at least 1 so that every step advances.
template <class Item> struct walk_step {
  Item item{};
  std::size_t size = 0;
  bool last = false;
};

/// A walker over the elements of `area`; see the file comment for the Format
/// requirements.
template <class Format> class walker {
public:
  using format_type = Format;
  using item_type = typename Format::item_type;
  using errc_type = typename Format::errc_type;

  constexpr walker() noexcept = default;
  /// Walks `area`; `base` is the offset of `area` inside the unit the caller
  /// reports offsets against (4 for the options of a PPP control packet).
  constexpr explicit walker(bytes_view area, std::size_t base = 0, Format format = Format{}) noexcept
      : area_(area), base_(base), format_(format) {}
  /// A walker over a temporary container would dangle: does not compile.
  // Deleted, and constrained to owners of bytes: it hides no copy or move.
  // NOLINTBEGIN(bugprone-forwarding-reference-overload)
  template <class Owner>
  requires temporary_owner<Owner> && std::is_convertible_v<Owner, bytes_view>
  explicit walker(Owner &&, std::size_t = 0, Format = Format{}) = delete;
  // NOLINTEND(bugprone-forwarding-reference-overload)

  /// True at the end of the area, after a last element, or after an error.
  [[nodiscard]] constexpr bool done() const noexcept { return stopped_ || pos_ == area_.size(); }

  /// The next element. Errors: the Format's, with their offsets (the walk
  /// stops and error() keeps the error); Format::exhausted at base + position()
  /// when called although done() (not kept).
  [[nodiscard]] constexpr result<item_type, errc_type> next() noexcept {
    if (done()) return fail(Format::exhausted, base_ + pos_);
    auto s = format_.read(area_, pos_, base_);
    if (!s) {
      stopped_ = true;
      err_ = s.error();
      return s.error();
    }
    VPNWIRE_ASSERT(s->size >= 1 && s->size <= area_.size() - pos_);
    pos_ += s->size;
    if (s->last) stopped_ = true;
    return s->item;
  }

  /// The error that stopped the walk; code ok when there was none.
  [[nodiscard]] constexpr error_info<errc_type> error() const noexcept { return err_; }
  /// True when the walk is done without an error.
  [[nodiscard]] constexpr bool ok() const noexcept { return done() && err_.code == errc_type{}; }
  /// Bytes consumed so far, from the start of the area.
  [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }
  /// The bytes not consumed: padding after an end-of-list element, or what
  /// follows the last header of a chain.
  [[nodiscard]] constexpr bytes_view rest() const noexcept { return area_.subspan(pos_); }
  /// The Format's state (for example the next-header value of an IPv6 chain).
  [[nodiscard]] constexpr const Format &format() const noexcept { return format_; }

  /// Input iteration for range-for; ends at done(). Check error() afterwards.
  class iterator {
  public:
    using value_type = item_type;
    using difference_type = std::ptrdiff_t;
    constexpr iterator() noexcept = default;
    constexpr explicit iterator(walker *w) noexcept : w_(w) { advance(); }
    [[nodiscard]] constexpr const item_type &operator*() const noexcept { return cur_; }
    [[nodiscard]] constexpr const item_type *operator->() const noexcept { return &cur_; }
    constexpr iterator &operator++() noexcept {
      advance();
      return *this;
    }
    constexpr void operator++(int) noexcept { advance(); }
    [[nodiscard]] friend constexpr bool operator==(const iterator &it, std::default_sentinel_t) noexcept {
      return it.w_ == nullptr;
    }

  private:
    constexpr void advance() noexcept {
      if (w_ == nullptr || w_->done()) {
        w_ = nullptr;
        return;
      }
      auto r = w_->next();
      if (!r) {
        w_ = nullptr;
        return;
      }
      cur_ = *r;
    }
    walker *w_ = nullptr;
    item_type cur_{};
  };
  [[nodiscard]] constexpr iterator begin() noexcept { return iterator(this); }
  [[nodiscard]] constexpr std::default_sentinel_t end() const noexcept { return {}; }

private:
  bytes_view area_{};
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  Format format_{};
  error_info<errc_type> err_{};
  bool stopped_ = false;
};

} // namespace core
} // namespace v1
} // namespace vpnwire
