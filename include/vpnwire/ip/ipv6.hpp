// IPv6 (RFC 8200): the fixed header view, the extension-header chain
// walker, and builders for the fixed header and the extension headers a
// tunnel writes (Fragment, Hop-by-Hop and Destination Options, Routing).
//
//   auto v = ip::parse_ipv6(bytes);                 // 40-byte header, payload length
//   if (!v) return report(v.code(), v.offset());
//   auto chain = v->extension_headers();            // a core::walker
//   for (const auto &h : chain)                     // Hop-by-Hop, Routing, Fragment,
//     if (h.type == ip::proto::ipv6_fragment) ...   // Destination Options, AH
//   if (!chain.ok()) return chain.error();
//   std::uint8_t upper = chain.format().next_header();   // TCP, UDP, ESP, ICMPv6...
//   bytes_view l4 = chain.rest();                         // its bytes
//
// The chain is walked one header at a time and never past the payload; it
// ends at the first next-header value that is not one of the five
// extension headers above (an upper-layer protocol, ESP whose contents are
// encrypted, or No Next Header), or after a Fragment header with a
// non-zero offset (what follows is the middle of a datagram). Bounds on the
// number of extension headers and on the chain's length are parameters
// (ipv6_chain_limits). A Hop-by-Hop Options header anywhere but right after
// the fixed header, and a second Fragment header, are errors.
//
// A view keeps the constness of its input (mutable_ipv6_view has a
// writable payload()); parsing a temporary container does not compile.
#pragma once

#include "vpnwire/core/bytes.hpp"
#include "vpnwire/core/result.hpp"
#include "vpnwire/core/walker.hpp"
#include "vpnwire/ip/detail/byte_range.hpp"
#include "vpnwire/ip/errc.hpp"
#include "vpnwire/ip/ipv4.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

namespace vpnwire {
inline namespace v1 {
namespace ip {

inline constexpr std::size_t ipv6_header_size = 40;
/// Largest payload length field value (jumbograms, RFC 2675, are not supported).
inline constexpr std::size_t ipv6_max_payload = 65535;
/// The minimum link MTU of IPv6 (RFC 8200 §5).
inline constexpr std::size_t ipv6_min_mtu = 1280;
inline constexpr std::size_t ipv6_fragment_header_size = 8;

/// An IPv6 address in network byte order (the 16 bytes as on the wire).
using ipv6_address = std::array<std::byte, 16>;

/// True for the next-header values the chain walker steps over: Hop-by-Hop
/// Options, Routing, Fragment, Destination Options and AH. ESP (its
/// contents are encrypted) and every other value end the chain.
[[nodiscard]] constexpr bool is_extension_header(std::uint8_t next_header) noexcept {
  return next_header == proto::hop_by_hop || next_header == proto::ipv6_routing ||
         next_header == proto::ipv6_fragment || next_header == proto::ipv6_destination || next_header == proto::ah;
}

/// The bytes of its header an upper-layer protocol needs in a first
/// fragment (RFC 7112 §5: the first fragment carries the whole header chain
/// through the upper-layer header): TCP 20 (the fixed header), UDP 8,
/// ICMPv6 8 (type, code, checksum and the 4-byte field every message has),
/// ESP 8 (SPI and sequence number), No Next Header 0, any other protocol 1.
/// TCP, UDP and ICMPv6 are the values Linux checks (ipv6frag_thdr_truncated).
[[nodiscard]] constexpr std::size_t upper_layer_header_size(std::uint8_t protocol) noexcept {
  switch (protocol) {
  case proto::tcp: return 20;
  case proto::udp:    // source and destination ports, length, checksum
  case proto::icmpv6: // type, code, checksum and the 4-byte field every message has
  case proto::esp:    // SPI and sequence number
    return 8;
  case proto::no_next_header: return 0;
  default: return 1;
  }
}

/// Bounds applied while walking a header chain (hostile packets can chain
/// thousands of tiny headers). The defaults accept every chain RFC 8200
/// describes: its recommended order has at most six headers before ESP or
/// the upper layer.
struct ipv6_chain_limits {
  /// Extension headers (the fixed header not counted).
  std::size_t max_extension_headers = 16;
  /// Bytes from the start of the fixed header to the end of the last
  /// extension header. Default: the IPv6 minimum MTU, the most a first
  /// fragment is sure to carry (RFC 7112). At least 40 is used.
  std::size_t max_chain_length = ipv6_min_mtu;
};

/// One header of an IPv6 header chain. `type` is the header's own protocol
/// number (proto::hop_by_hop, ipv6_routing, ipv6_fragment,
/// ipv6_destination, ah), or proto::ipv6 for the fixed header when a walker
/// is started at the very beginning of a packet.
struct ipv6_extension_header {
  std::uint8_t type = 0;
  /// The Next Header field: what follows this header.
  std::uint8_t next_header = 0;
  /// Offset of the header from the start of the packet.
  std::size_t offset = 0;
  /// The whole header (2 + data bytes; 8 for Fragment; (len + 2) * 4 for AH).
  bytes_view bytes{};

  /// The header after its Next Header and length bytes: the options of a
  /// Hop-by-Hop or Destination Options header, the routing type, segments
  /// left and data of a Routing header, AH's reserved field, SPI, sequence
  /// number and ICV.
  [[nodiscard]] bytes_view data() const noexcept { return bytes.size() >= 2 ? bytes.subspan(2) : bytes_view{}; }
  /// Fragment header: the offset of the fragment's data in bytes.
  [[nodiscard]] std::uint32_t fragment_offset() const noexcept {
    return static_cast<std::uint32_t>(core::load_be16(bytes.data() + 2) & 0xFFF8U);
  }
  /// Fragment header: the two reserved bits beside M.
  [[nodiscard]] std::uint8_t fragment_reserved() const noexcept {
    return static_cast<std::uint8_t>((core::load_u8(bytes.data() + 3) >> 1) & 3U);
  }
  /// Fragment header: the M (more fragments) flag.
  [[nodiscard]] bool more_fragments() const noexcept { return (core::load_u8(bytes.data() + 3) & 1U) != 0; }
  /// Fragment header: the 32-bit identification.
  [[nodiscard]] std::uint32_t identification() const noexcept { return core::load_be32(bytes.data() + 4); }
  /// Fragment header with offset 0 and M clear: an atomic fragment (RFC 6946).
  [[nodiscard]] bool atomic_fragment() const noexcept { return fragment_offset() == 0 && !more_fragments(); }
  /// Routing header: the routing type.
  [[nodiscard]] std::uint8_t routing_type() const noexcept { return core::load_u8(bytes.data() + 2); }
  /// Routing header: segments left.
  [[nodiscard]] std::uint8_t segments_left() const noexcept { return core::load_u8(bytes.data() + 3); }
};

/// The final destination a Routing header names: the Destination Address
/// of an upper-layer checksum's pseudo-header while the packet is on its
/// way (RFC 8200 §8.1: at the source, and at every hop that captures it
/// before the last segment). `destination` (the fixed header's) when
/// Segments Left is 0 (the packet has reached its final destination, which
/// is then the fixed header's), for a header that is not a Routing header,
/// for a routing type without addresses vpnwire knows, or when the header
/// is shorter than the addresses its type and length announce.
/// Types: 0 (RFC 2460 §4.4, deprecated by RFC 5095, still in captures): the
/// last of its Hdr Ext Len / 2 addresses; 2 (RFC 6275 §6.4): its address;
/// 3 (RPL Source Route, RFC 6554 §3): the last address, whose first CmprE
/// bytes are those of `destination`; 4 (Segment Routing Header, RFC 8754
/// §2): Segment List[0].
[[nodiscard]] inline ipv6_address routing_final_destination(const ipv6_extension_header &routing,
                                                            const ipv6_address &destination) noexcept {
  const bytes_view h = routing.bytes;
  if (routing.type != proto::ipv6_routing || h.size() < 8 || routing.segments_left() == 0) return destination;
  const std::size_t units = core::load_u8(h.data() + 1); // Hdr Ext Len: 8-byte units after the first 8
  std::size_t at = 0, keep = 0; // the address's bytes start at `at`; the first `keep` come from `destination`
  switch (routing.routing_type()) {
  case 0:
    if (units == 0 || units % 2 != 0) return destination;
    at = 8 + 16 * (units / 2 - 1);
    break;
  case 2:
    if (units != 2) return destination;
    at = 8;
    break;
  case 3: {
    const std::size_t cmpr_i = core::load_u8(h.data() + 4) >> 4, cmpr_e = core::load_u8(h.data() + 4) & 15U;
    const std::size_t pad = core::load_u8(h.data() + 5) >> 4;
    if (units * 8 < pad + (16 - cmpr_e)) return destination;
    at = 8 + (units * 8 - pad - (16 - cmpr_e)) / (16 - cmpr_i) * (16 - cmpr_i);
    keep = cmpr_e;
    break;
  }
  case 4:
    if (units < 2) return destination;
    at = 8;
    break;
  default: return destination;
  }
  if (at + (16 - keep) > h.size()) return destination;
  ipv6_address out = destination;
  std::memcpy(out.data() + keep, h.data() + at, 16 - keep);
  return out;
}

/// The Home Address destination option's type (RFC 6275 §6.3).
inline constexpr std::uint8_t home_address_option = 0xC9;

/// One option of a Hop-by-Hop or Destination Options header.
struct ipv6_option {
  std::uint8_t type = 0;
  /// The Opt Data Len field.
  std::uint8_t length = 0;
  /// The option's data inside the header: `length` bytes, or fewer when the
  /// option runs past the header's end (malformed).
  bytes_view value{};
  [[nodiscard]] constexpr bool whole() const noexcept { return value.size() == length; }
};

/// The first option of type `type` (not Pad1, 0) in a Hop-by-Hop or
/// Destination Options header (RFC 8200 §4.2: Pad1, or type, length and
/// that many data bytes), or std::nullopt when the header is of another kind
/// or holds no such option. An option that runs past the header's end ends
/// the search: returned (not whole()) when it is of `type`.
[[nodiscard]] inline std::optional<ipv6_option> find_ipv6_option(const ipv6_extension_header &options,
                                                                 std::uint8_t type) noexcept {
  if ((options.type != proto::hop_by_hop && options.type != proto::ipv6_destination) || options.bytes.size() < 8)
    return std::nullopt;
  const bytes_view o = options.bytes.subspan(2);
  for (std::size_t i = 0; i < o.size();) {
    const std::uint8_t t = core::load_u8(o.data() + i);
    if (t == 0) { // Pad1
      ++i;
      continue;
    }
    if (o.size() - i < 2) break;
    const std::uint8_t len = core::load_u8(o.data() + i + 1);
    const std::size_t have = std::min<std::size_t>(len, o.size() - i - 2);
    if (t == type) return ipv6_option{t, len, o.subspan(i + 2, have)};
    if (have < len) break;
    i += 2 + std::size_t{len};
  }
  return std::nullopt;
}

/// The source an upper-layer checksum's pseudo-header uses when `options`
/// is a Destination Options header carrying a Home Address option (RFC 6275
/// §6.3, 16 bytes: a mobile node away from home sends from its care-of
/// address and names its home address there; the receiver puts the home
/// address in the source before the upper layer sees the packet).
/// `source` otherwise: another header, no such option, or a first Home
/// Address option whose length is not 16 or that runs past the header
/// (malformed; tshark 4.0 reads 16 bytes from it anyway).
[[nodiscard]] inline ipv6_address home_address_source(const ipv6_extension_header &options,
                                                      const ipv6_address &source) noexcept {
  if (options.type != proto::ipv6_destination) return source;
  const auto hoa = find_ipv6_option(options, home_address_option);
  if (!hoa || hoa->length != 16 || !hoa->whole()) return source;
  ipv6_address home{};
  std::memcpy(home.data(), hoa->value.data(), 16);
  return home;
}

/// The core::walker Format of an IPv6 header chain. Its state after a walk
/// says where the chain ended: next_header() is the upper-layer protocol
/// (or ESP, No Next Header, or the protocol of a non-first fragment's
/// data), and the walker's rest() are that protocol's bytes.
class ipv6_chain_format {
public:
  using item_type = ipv6_extension_header;
  using errc_type = errc;
  /// next() called although done().
  static constexpr errc exhausted = errc::extension_header_truncated;
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  constexpr ipv6_chain_format() noexcept = default;
  /// Starts with the header whose type is `first` (proto::ipv6: the fixed
  /// header at the start of a packet; an extension header type: a chain
  /// whose first header's type was named by the Next Header field at
  /// `first_named_at`).
  constexpr explicit ipv6_chain_format(ipv6_chain_limits limits, std::uint8_t first = proto::ipv6,
                                       std::size_t first_named_at = none) noexcept
      : limits_(limits), next_(first), started_(first != proto::ipv6), named_at_(first_named_at) {}

  /// The type of the header at the walker's position; after the walk, the
  /// upper-layer protocol. While is_extension_header(next_header()) after
  /// the walker is done, the packet ended inside the chain.
  [[nodiscard]] constexpr std::uint8_t next_header() const noexcept { return next_; }
  /// Offset (from the start of the packet) of the Next Header field that
  /// names next_header(); none before the fixed header is read.
  [[nodiscard]] constexpr std::size_t next_header_field() const noexcept { return named_at_; }
  /// Extension headers read so far.
  [[nodiscard]] constexpr std::size_t extension_headers() const noexcept { return count_; }
  /// Offset of the Fragment header, or none.
  [[nodiscard]] constexpr std::size_t fragment_header() const noexcept { return fragment_at_; }
  /// Offset of the Next Header field that names the Fragment header, or none.
  [[nodiscard]] constexpr std::size_t fragment_named_at() const noexcept { return fragment_named_at_; }
  /// True when a chain walked to its end stopped at a non-extension header
  /// (and not because the bytes ran out).
  [[nodiscard]] constexpr bool complete() const noexcept { return started_ && !is_extension_header(next_); }

  /// Reads the header at `pos`. Errors (offsets: base + position in the
  /// area): truncated (base + pos) when the fixed header does not fit;
  /// hop_by_hop_not_first (the Next Header field naming it);
  /// too_many_extension_headers (base + pos); extension_header_truncated
  /// (base + pos when its first bytes are missing, base + pos + 1, the
  /// length field, when the header runs past the area);
  /// header_chain_too_long (base + pos); multiple_fragment_headers (base + pos).
  [[nodiscard]] result<core::walk_step<ipv6_extension_header>, errc> read(bytes_view area, std::size_t pos,
                                                                          std::size_t base) noexcept {
    const std::size_t avail = area.size() - pos;
    const std::byte *h = area.data() + pos;
    ipv6_extension_header item;
    item.type = next_;
    item.offset = base + pos;
    std::size_t len = ipv6_header_size;
    const bool fixed = !started_;
    const bool fragment = !fixed && next_ == proto::ipv6_fragment;
    if (fixed) {
      if (avail < ipv6_header_size) return fail(errc::truncated, base + pos);
      item.next_header = core::load_u8(h + 6);
    } else {
      if (next_ == proto::hop_by_hop && count_ != 0) return fail(errc::hop_by_hop_not_first, named_at_);
      if (count_ >= limits_.max_extension_headers) return fail(errc::too_many_extension_headers, base + pos);
      if (avail < (fragment ? ipv6_fragment_header_size : 2)) return fail(errc::extension_header_truncated, base + pos);
      const std::size_t l = core::load_u8(h + 1);
      len = fragment ? ipv6_fragment_header_size : next_ == proto::ah ? (l + 2) * 4 : (l + 1) * 8;
      if (len > avail) return fail(errc::extension_header_truncated, base + pos + 1);
      if (fragment && fragment_at_ != none) return fail(errc::multiple_fragment_headers, base + pos);
      item.next_header = core::load_u8(h);
    }
    if (base + pos + len > std::max(limits_.max_chain_length, ipv6_header_size))
      return fail(errc::header_chain_too_long, base + pos);
    // Every check passed: the state moves on.
    if (fixed) {
      started_ = true;
      named_at_ = base + pos + 6;
    } else {
      if (fragment) {
        fragment_at_ = base + pos;
        fragment_named_at_ = named_at_;
      }
      ++count_;
      named_at_ = base + pos;
    }
    item.bytes = bytes_view(h, len);
    next_ = item.next_header;
    // The chain also ends after a non-first fragment's Fragment header.
    const bool later_fragment = fragment && item.fragment_offset() != 0;
    return core::walk_step<ipv6_extension_header>{item, len, !is_extension_header(next_) || later_fragment};
  }

private:
  ipv6_chain_limits limits_{};
  std::uint8_t next_ = proto::ipv6;
  bool started_ = false;
  std::size_t named_at_ = none;
  std::size_t count_ = 0;
  std::size_t fragment_at_ = none;
  std::size_t fragment_named_at_ = none;
};

/// Walks an IPv6 header chain (a core::walker: next(), done(), ok(),
/// error(), rest(), range-for; format() says where the chain ended).
using ipv6_chain_walker = core::walker<ipv6_chain_format>;

/// Where a header chain ends: the upper-layer protocol and its bytes.
template <class Bytes> struct basic_ipv6_upper_layer {
  /// The final Next Header value (TCP, UDP, ICMPv6, ESP, No Next Header...).
  std::uint8_t protocol = 0;
  /// Offset of the upper-layer header from the start of the packet.
  std::size_t offset = 0;
  /// The upper-layer header and data (to the end of the payload).
  Bytes bytes{};
  /// Offset of the Fragment header, or ipv6_chain_format::none. With a
  /// Fragment header that is not atomic, `bytes` are one fragment's share.
  std::size_t fragment_header = ipv6_chain_format::none;
  /// The Fragment header's fields (valid when fragment_header != none).
  std::uint32_t fragment_offset = 0;
  bool more_fragments = false;
  std::uint32_t identification = 0;
  /// The Destination Address of the upper layer's checksum pseudo-header
  /// (RFC 8200 §8.1): the fixed header's, or the final destination the
  /// chain's first Routing header names while it has segments left
  /// (routing_final_destination()).
  ipv6_address checksum_destination{};
  /// The Source Address of that pseudo-header: the fixed header's, or the
  /// home address a Destination Options header's Home Address option names
  /// (home_address_source(), RFC 6275 §6.3; the first one in the chain).
  ipv6_address checksum_source{};
  /// True when a Fragment header is present and the packet is not an atomic fragment.
  [[nodiscard]] constexpr bool is_fragment() const noexcept {
    return fragment_header != ipv6_chain_format::none && (fragment_offset != 0 || more_fragments);
  }
};
using ipv6_upper_layer = basic_ipv6_upper_layer<bytes_view>;
using mutable_ipv6_upper_layer = basic_ipv6_upper_layer<mutable_bytes>;

template <class Bytes> class basic_ipv6_view;
/// A read-only IPv6 view.
using ipv6_view = basic_ipv6_view<bytes_view>;
/// An IPv6 view over writable bytes: header(), payload() and packet() are writable.
using mutable_ipv6_view = basic_ipv6_view<mutable_bytes>;

namespace detail {
template <class Bytes> [[nodiscard]] inline result<basic_ipv6_view<Bytes>, errc> parse_ipv6(Bytes bytes) noexcept;
} // namespace detail

/// A validated IPv6 packet: the fixed header and `payload_length()` bytes
/// (extension headers and upper layer). Holds the span it was parsed from;
/// the bytes must outlive the view. `Bytes` is bytes_view or mutable_bytes.
template <class Bytes> class basic_ipv6_view {
  static_assert(detail::is_byte_span<Bytes>);

public:
  constexpr basic_ipv6_view() noexcept = default;
  /// A writable view converts to a read-only one.
  template <class B>
  requires(std::is_same_v<Bytes, bytes_view> &&std::is_same_v<B, mutable_bytes>) constexpr basic_ipv6_view(
      const basic_ipv6_view<B> &o) noexcept // NOLINT(google-explicit-constructor)
      : bytes_(o.packet()) {}

  [[nodiscard]] std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(b(0) >> 4); }
  /// The 8-bit Traffic Class (DSCP and ECN).
  [[nodiscard]] std::uint8_t traffic_class() const noexcept {
    return static_cast<std::uint8_t>((b(0) & 0x0FU) << 4 | b(1) >> 4);
  }
  [[nodiscard]] std::uint8_t dscp() const noexcept { return static_cast<std::uint8_t>(traffic_class() >> 2); }
  [[nodiscard]] std::uint8_t ecn() const noexcept { return static_cast<std::uint8_t>(traffic_class() & 3U); }
  /// The 20-bit Flow Label.
  [[nodiscard]] std::uint32_t flow_label() const noexcept {
    return (std::uint32_t{b(1)} & 0x0FU) << 16 | core::load_be16(p() + 2);
  }
  /// Bytes after the fixed header (extension headers included).
  [[nodiscard]] std::uint16_t payload_length() const noexcept { return core::load_be16(p() + 4); }
  /// The fixed header's Next Header field.
  [[nodiscard]] std::uint8_t next_header() const noexcept { return b(6); }
  [[nodiscard]] std::uint8_t hop_limit() const noexcept { return b(7); }
  [[nodiscard]] ipv6_address source() const noexcept { return address(8); }
  [[nodiscard]] ipv6_address destination() const noexcept { return address(24); }

  /// The 40-byte fixed header.
  [[nodiscard]] Bytes header() const noexcept { return bytes_.first(ipv6_header_size); }
  /// The payload: extension headers and upper layer (payload_length() bytes).
  [[nodiscard]] Bytes payload() const noexcept { return bytes_.subspan(ipv6_header_size); }
  /// The whole packet (40 + payload length bytes; trailing link padding excluded).
  [[nodiscard]] Bytes packet() const noexcept { return bytes_; }

  /// A walker over the extension headers, positioned after the fixed
  /// header; error and item offsets count from the start of the packet.
  [[nodiscard]] ipv6_chain_walker extension_headers(ipv6_chain_limits limits = {}) const noexcept {
    ipv6_chain_walker w(bytes_view(bytes_), 0, ipv6_chain_format(limits));
    (void)w.next(); // the fixed header, which parse_ipv6 checked
    return w;
  }

  /// Walks the whole chain and returns where it ends.
  /// Errors: those of ipv6_chain_format::read; extension_header_truncated
  /// (offset = packet size) when the payload ends inside the chain.
  [[nodiscard]] result<basic_ipv6_upper_layer<Bytes>, errc> upper_layer(ipv6_chain_limits limits = {}) const noexcept {
    auto w = extension_headers(limits);
    basic_ipv6_upper_layer<Bytes> u;
    u.checksum_destination = destination();
    u.checksum_source = source();
    bool routed = false, homed = false;
    while (!w.done()) {
      auto h = w.next();
      if (!h) return h.error();
      if (h->type == proto::ipv6_routing && !routed) {
        routed = true;
        u.checksum_destination = routing_final_destination(*h, u.checksum_destination);
      } else if (h->type == proto::ipv6_destination && !homed) {
        u.checksum_source = home_address_source(*h, u.checksum_source);
        homed = u.checksum_source != source();
      }
    }
    const ipv6_chain_format &f = w.format();
    if (is_extension_header(f.next_header()) && f.fragment_header() == ipv6_chain_format::none)
      return fail(errc::extension_header_truncated, bytes_.size());
    u.protocol = f.next_header();
    u.offset = w.position();
    u.bytes = bytes_.subspan(w.position());
    u.fragment_header = f.fragment_header();
    if (u.fragment_header != ipv6_chain_format::none) {
      const std::byte *fh = p() + u.fragment_header;
      u.fragment_offset = static_cast<std::uint32_t>(core::load_be16(fh + 2) & 0xFFF8U);
      u.more_fragments = (core::load_u8(fh + 3) & 1U) != 0;
      u.identification = core::load_be32(fh + 4);
      // A first fragment whose own bytes end inside the chain: the rest of
      // the chain is in the next fragment (RFC 7112 forbids it; the
      // reassembler rejects it).
      if (is_extension_header(f.next_header()) && !u.is_fragment())
        return fail(errc::extension_header_truncated, bytes_.size());
    }
    return u;
  }

private:
  template <class B> friend result<basic_ipv6_view<B>, errc> detail::parse_ipv6(B) noexcept;
  [[nodiscard]] const std::byte *p() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::uint8_t b(std::size_t i) const noexcept { return core::load_u8(p() + i); }
  [[nodiscard]] ipv6_address address(std::size_t at) const noexcept {
    ipv6_address a;
    std::memcpy(a.data(), p() + at, a.size());
    return a;
  }
  Bytes bytes_{};
};

namespace detail {
template <class Bytes> [[nodiscard]] inline result<basic_ipv6_view<Bytes>, errc> parse_ipv6(Bytes bytes) noexcept {
  if (bytes.size() < ipv6_header_size) return fail(errc::truncated, bytes.size());
  if ((core::load_u8(bytes.data()) >> 4) != 6) return fail(errc::bad_version, 0);
  const std::size_t total = ipv6_header_size + core::load_be16(bytes.data() + 4);
  if (total > bytes.size()) return fail(errc::payload_length_beyond_buffer, 4);
  basic_ipv6_view<Bytes> v;
  v.bytes_ = bytes.first(total);
  return v;
}
} // namespace detail

/// Parses an IPv6 packet at the start of `bytes` (trailing bytes past the
/// payload length, such as Ethernet padding, are ignored). The extension
/// headers are walked on demand (extension_headers(), upper_layer()).
/// A writable range gives a mutable_ipv6_view.
/// Errors: truncated (offset = size) below 40 bytes; bad_version (0);
/// payload_length_beyond_buffer (4).
template <detail::byte_range R>
requires detail::lasting<R>
[[nodiscard]] inline result<basic_ipv6_view<detail::span_for<R>>, errc> parse_ipv6(R &&bytes) noexcept {
  return detail::parse_ipv6(detail::as_span(bytes));
}
/// An ipv6_view points into its packet: parsing a temporary container
/// (`parse_ipv6(make_vector())`) would leave it dangling, so it does not compile.
template <detail::byte_range R>
requires(!detail::lasting<R>) result<ipv6_view, errc> parse_ipv6(R &&)
= delete;

/// Fields of an IPv6 fixed header to build.
struct ipv6_fields {
  std::uint8_t traffic_class = 0;
  /// 20 bits.
  std::uint32_t flow_label = 0;
  std::uint8_t next_header = 0;
  std::uint8_t hop_limit = 64;
  ipv6_address source{};
  ipv6_address destination{};
};

/// Writes a 40-byte IPv6 header into `out` for `payload_length` bytes of
/// extension headers and upper layer (which the caller writes after it).
/// Returns 40.
/// Errors: invalid_parameter (offset 1) when the flow label exceeds 20
/// bits, (offset 4) when payload_length exceeds 65535;
/// buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_ipv6_header(mutable_bytes out, const ipv6_fields &f,
                                                                 std::size_t payload_length) noexcept {
  if (f.flow_label > 0xFFFFFU) return fail(errc::invalid_parameter, 1);
  if (payload_length > ipv6_max_payload) return fail(errc::invalid_parameter, 4);
  if (out.size() < ipv6_header_size) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_be32(o, 0x60000000U | std::uint32_t{f.traffic_class} << 20 | f.flow_label);
  core::store_be16(o + 4, static_cast<std::uint16_t>(payload_length));
  core::store_u8(o + 6, f.next_header);
  core::store_u8(o + 7, f.hop_limit);
  std::memcpy(o + 8, f.source.data(), 16);
  std::memcpy(o + 24, f.destination.data(), 16);
  return ipv6_header_size;
}

/// Writes an 8-byte Fragment header (RFC 8200 §4.5) into `out`.
/// `fragment_offset` is in bytes. Returns 8.
/// Errors: invalid_parameter (offset 2) when the offset is not a multiple
/// of 8 or exceeds 65528; buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_ipv6_fragment_header(mutable_bytes out, std::uint8_t next_header,
                                                                          std::uint32_t fragment_offset,
                                                                          bool more_fragments,
                                                                          std::uint32_t identification) noexcept {
  if (fragment_offset % 8U != 0 || fragment_offset > 0xFFF8U) return fail(errc::invalid_parameter, 2);
  if (out.size() < ipv6_fragment_header_size) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_u8(o, next_header);
  core::store_u8(o + 1, 0);
  core::store_be16(o + 2, static_cast<std::uint16_t>(fragment_offset | (more_fragments ? 1U : 0U)));
  core::store_be32(o + 4, identification);
  return ipv6_fragment_header_size;
}

/// The size of a Hop-by-Hop or Destination Options header carrying
/// `options_length` bytes of options (padded to a multiple of 8).
[[nodiscard]] constexpr std::size_t ipv6_options_header_size(std::size_t options_length) noexcept {
  return (2 + options_length + 7) / 8 * 8;
}

/// Writes a Hop-by-Hop or Destination Options header (RFC 8200 §4.3, §4.6)
/// carrying the TLV-encoded `options` as given, padded with a Pad1 or PadN
/// option (§4.2) to a multiple of 8 bytes. Returns its size.
/// Errors: invalid_parameter (offset 1) when the header would exceed 2048
/// bytes; buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_ipv6_options_header(mutable_bytes out, std::uint8_t next_header,
                                                                         bytes_view options) noexcept {
  const std::size_t len = ipv6_options_header_size(options.size());
  if (len > 2048) return fail(errc::invalid_parameter, 1);
  if (out.size() < len) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_u8(o, next_header);
  core::store_u8(o + 1, static_cast<std::uint8_t>(len / 8 - 1));
  if (!options.empty()) std::memmove(o + 2, options.data(), options.size());
  const std::size_t pad = len - 2 - options.size();
  std::byte *q = o + 2 + options.size();
  if (pad == 1) {
    core::store_u8(q, 0); // Pad1
  } else if (pad >= 2) {
    core::store_u8(q, 1); // PadN
    core::store_u8(q + 1, static_cast<std::uint8_t>(pad - 2));
    std::memset(q + 2, 0, pad - 2);
  }
  return len;
}

/// Writes a Routing header (RFC 8200 §4.4): Next Header, length, routing
/// type, segments left, then `data` (the type-specific data, whose length
/// plus 4 must be a multiple of 8). Returns its size.
/// Errors: invalid_parameter (offset 1) when 4 + data is not a multiple of
/// 8 or exceeds 2048 bytes; buffer_too_small (offset = out.size()).
[[nodiscard]] inline result<std::size_t, errc> build_ipv6_routing_header(mutable_bytes out, std::uint8_t next_header,
                                                                         std::uint8_t routing_type,
                                                                         std::uint8_t segments_left,
                                                                         bytes_view data) noexcept {
  const std::size_t len = 4 + data.size();
  if (len % 8 != 0 || len > 2048) return fail(errc::invalid_parameter, 1);
  if (out.size() < len) return fail(errc::buffer_too_small, out.size());
  std::byte *o = out.data();
  core::store_u8(o, next_header);
  core::store_u8(o + 1, static_cast<std::uint8_t>(len / 8 - 1));
  core::store_u8(o + 2, routing_type);
  core::store_u8(o + 3, segments_left);
  if (!data.empty()) std::memmove(o + 4, data.data(), data.size());
  return len;
}

} // namespace ip
} // namespace v1
} // namespace vpnwire
