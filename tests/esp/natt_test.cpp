// The NAT-T receive helper and the views that keep writability: given the
// caller's writable datagram, every span handed back points into it and is
// writable, so in-place decap needs no pointer arithmetic; given read-only
// bytes, the spans are read-only. Temporaries are refused at compile time
// (the concepts below, and tests/esp/compile_fail/ for the diagnostics).
#include "esp_test_support.hpp"

#include "vpnwire/esp/natt.hpp"
#include "vpnwire/esp/packet.hpp"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <type_traits>
#include <vector>

using namespace vpnwire;
using namespace esp_test;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {

// ---------------------------------------------------------------- constness and lifetime

template <class T>
concept can_classify = requires(T &&t) {
  esp::classify_udp4500(std::forward<T>(t));
};
template <class T>
concept can_parse_packet = requires(T &&t) {
  esp::parse_packet(std::forward<T>(t));
};
template <class T>
concept can_strip_udp = requires(T &&t) {
  esp::parse_udp_encapsulation(std::forward<T>(t));
};
template <class T>
concept can_receive = requires(T &&t) {
  esp::receive_udp4500(std::forward<T>(t), [](std::uint32_t) noexcept { return static_cast<int *>(nullptr); });
};
template <class T>
concept can_decap = requires(inbound &rx, T &&t) {
  rx.decap(std::forward<T>(t));
};

using vec = std::vector<std::byte>;
using arr = std::array<std::byte, 16>;
static_assert(!can_classify<vec> && !can_classify<arr>);
static_assert(!can_parse_packet<vec> && !can_parse_packet<arr>);
static_assert(!can_strip_udp<vec> && !can_strip_udp<arr>);
static_assert(!can_receive<vec> && !can_receive<arr>);
static_assert(!can_decap<vec> && !can_decap<const vec &>);
static_assert(can_classify<vec &> && can_classify<const vec &> && can_classify<bytes_view> &&
              can_classify<mutable_bytes> && can_classify<std::span<std::byte, 8>>);
static_assert(can_parse_packet<vec &> && can_strip_udp<arr &> && can_receive<const vec &>);
static_assert(can_decap<vec &> && can_decap<mutable_bytes>);

// The result keeps the input's constness.
static_assert(
    std::is_same_v<decltype(esp::classify_udp4500(std::declval<vec &>()))::value_type, esp::mutable_natt_datagram>);
static_assert(
    std::is_same_v<decltype(esp::classify_udp4500(std::declval<const vec &>()))::value_type, esp::natt_datagram>);
static_assert(
    std::is_same_v<decltype(esp::parse_packet(std::declval<mutable_bytes>()))::value_type, esp::mutable_packet_view>);
static_assert(std::is_same_v<decltype(esp::parse_packet(std::declval<bytes_view>()))::value_type, esp::packet_view>);
static_assert(std::is_same_v<decltype(esp::parse_udp_encapsulation(std::declval<arr &>()))::value_type,
                             esp::mutable_udp_encapsulated>);

// ---------------------------------------------------------------- helpers

// A UDP/4500 datagram around an ESP packet made by a real SA.
struct natt_fixture {
  esp::sa_config cfg;
  std::vector<std::byte> ck, ik;
  natt_fixture() {
    cfg.spi = 0x4500AA01U;
    cfg.cipher = esp::cipher::aes_gcm;
    cfg.key_bits = 128;
    cfg.mode = esp::sa_mode::transport;
    cfg.udp_encap = true;
    std::tie(ck, ik) = keys_for(cfg, 21);
  }
  std::vector<std::byte> datagram(const std::vector<std::byte> &payload, std::uint64_t seq) const {
    outbound tx(cfg, make_crypto(cfg, ck, ik));
    tx.set_last_sequence(seq - 1);
    std::vector<std::byte> buf(cfg.packet_size(payload.size()));
    std::copy(payload.begin(), payload.end(), buf.begin() + static_cast<std::ptrdiff_t>(cfg.headroom()));
    if (!tx.encap(buf, payload.size(), 17)) std::abort();
    return buf;
  }
};

TEST(EspNattReceive, StripsClassifiesLooksUpAndDecapsInPlace) {
  natt_fixture f;
  esp::sa_config rcfg = f.cfg;
  rcfg.udp_encap = false; // the receiver sees the packet from its SPI
  inbound rx(rcfg, make_crypto(rcfg, f.ck, f.ik));
  std::map<std::uint32_t, inbound *> table{{f.cfg.spi, &rx}};
  auto lookup = [&](std::uint32_t spi) noexcept -> inbound * {
    auto it = table.find(spi);
    return it == table.end() ? nullptr : it->second;
  };
  const auto payload = hex("0102030405060708 090a");
  auto dgram = f.datagram(payload, 7);
  dgram.resize(dgram.size() + 4, std::byte{0xEE}); // link-layer padding after the UDP length
  auto r = esp::receive_udp4500(dgram, lookup);
  ASSERT_TRUE(r) << esp::name(r.code());
  static_assert(std::is_same_v<decltype(r->payload), mutable_bytes>);
  EXPECT_EQ(r->kind, esp::natt_kind::esp);
  EXPECT_EQ(r->source_port, 4500);
  EXPECT_EQ(r->destination_port, 4500);
  EXPECT_EQ(r->spi, f.cfg.spi);
  EXPECT_EQ(r->sa, &rx);
  EXPECT_EQ(r->payload.data(), dgram.data() + 8); // a sub-span of the caller's buffer
  EXPECT_EQ(r->payload.size(), dgram.size() - 8 - 4);
  auto d = r->sa->decap(r->payload);
  ASSERT_TRUE(d) << esp::name(d.code());
  EXPECT_EQ(to_hex(d->payload), to_hex(payload));
  EXPECT_EQ(d->payload.data(), dgram.data() + 8 + 16); // decrypted in place
  // Unknown SPI.
  auto other = f.datagram(payload, 8);
  core::store_be32(other.data() + 8, 0x99999999U);
  auto u = esp::receive_udp4500(other, lookup);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.code(), esp::errc::no_sa_for_spi);
  EXPECT_EQ(u.offset(), 8U);
  EXPECT_FALSE(esp::is_fatal(u.code()));
}

TEST(EspNattReceive, KeepaliveAndIkeNeedNoLookup) {
  int lookups = 0;
  auto lookup = [&](std::uint32_t) noexcept -> int * {
    ++lookups;
    return nullptr;
  };
  auto ka = hex("11941194 0009 0000 ff");
  auto r = esp::receive_udp4500(ka, lookup);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, esp::natt_kind::keepalive);
  EXPECT_EQ(r->sa, nullptr);
  const auto ike = hex("01f41194 0010 1234 00000000 aabbccdd");
  auto i = esp::receive_udp4500(bytes_view(ike), lookup);
  ASSERT_TRUE(i);
  static_assert(std::is_same_v<decltype(i->payload), bytes_view>);
  EXPECT_EQ(i->kind, esp::natt_kind::ike);
  EXPECT_EQ(i->source_port, 500);
  EXPECT_EQ(to_hex(i->payload), "aabbccdd");
  EXPECT_EQ(lookups, 0);
}

TEST(EspNattReceive, ErrorsCountFromTheUdpHeader) {
  auto lookup = [](std::uint32_t) noexcept { return static_cast<int *>(nullptr); };
  for (std::size_t n = 0; n < 8; ++n) {
    std::vector<std::byte> d(n, std::byte{0});
    auto r = esp::receive_udp4500(d, lookup);
    EXPECT_EQ(r.code(), esp::errc::too_short);
    EXPECT_EQ(r.offset(), n);
  }
  auto longer = hex("11941194 0020 0000 ff"); // length 32 in a 9-byte datagram
  EXPECT_EQ(esp::receive_udp4500(longer, lookup).code(), esp::errc::udp_length_invalid);
  EXPECT_EQ(esp::receive_udp4500(longer, lookup).offset(), 4U);
  auto below = hex("11941194 0007 0000 ff");
  EXPECT_EQ(esp::receive_udp4500(below, lookup).code(), esp::errc::udp_length_invalid);
  auto empty = hex("11941194 0008 0000");
  EXPECT_EQ(esp::receive_udp4500(empty, lookup).code(), esp::errc::too_short);
  EXPECT_EQ(esp::receive_udp4500(empty, lookup).offset(), 8U);
  auto bad_ka = hex("11941194 0009 0000 fe");
  EXPECT_EQ(esp::receive_udp4500(bad_ka, lookup).code(), esp::errc::keepalive_invalid);
  EXPECT_EQ(esp::receive_udp4500(bad_ka, lookup).offset(), 8U);
  auto short_esp = hex("11941194 000e 0000 00001000 0000");
  EXPECT_EQ(esp::receive_udp4500(short_esp, lookup).code(), esp::errc::too_short);
  EXPECT_EQ(esp::receive_udp4500(short_esp, lookup).offset(), 14U);
}

TEST(EspNattReceive, ParseUdpEncapsulationKeepsWritability) {
  auto d = hex("11941194 000c abcd 00001000");
  auto u = esp::parse_udp_encapsulation(d);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->checksum, 0xabcd);
  u->payload[0] = std::byte{0x77}; // writable, and it is the caller's byte
  EXPECT_EQ(d[8], std::byte{0x77});
  auto p = esp::parse_packet(d);
  ASSERT_TRUE(p);
  p->protected_region()[0] = std::byte{0x42};
  EXPECT_EQ(d[8], std::byte{0x42});
}

TEST(EspNattBuild, KeepaliveAndUdpHeaderFollowTheBuilderConvention) {
  std::array<std::byte, 2> out{};
  auto n = esp::build_natt_keepalive(out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1U);
  EXPECT_EQ(out[0], std::byte{0xFF});
  EXPECT_EQ(esp::build_natt_keepalive(mutable_bytes{}).code(), esp::errc::buffer_too_small);
  // What the builders write, the parsers read back.
  std::array<std::byte, 9> dgram{};
  ASSERT_TRUE(esp::build_udp_header(dgram, 4500, 4501, 9));
  ASSERT_TRUE(esp::build_natt_keepalive(std::span(dgram).subspan(8)));
  auto lookup = [](std::uint32_t) noexcept { return static_cast<int *>(nullptr); };
  auto r = esp::receive_udp4500(dgram, lookup);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, esp::natt_kind::keepalive);
  EXPECT_EQ(r->destination_port, 4501);
}

} // namespace
