// The AGGFRAG payload view, the data-block walker, the builders and the
// dissector (RFC 9347 §2.2, §6.1). The expected bytes are written out by
// hand from the RFC's layouts: header fields at their byte offsets, blocks
// delimited by the inner IP length fields.
#include "iptfs_test_support.hpp"

#include <gtest/gtest.h>

#include "vpnwire/iptfs/dissect.hpp"
#include "vpnwire/iptfs/payload.hpp"

#include <map>
#include <string>
#include <vector>

using namespace vpnwire;
using namespace iptfs_test;
using vpnwire_test::hex;
using vpnwire_test::to_hex;

namespace {

bytes concat(std::initializer_list<bytes_view> parts) {
  bytes out;
  for (bytes_view p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<iptfs::data_block> walk(const iptfs::payload_view &p, error_info<iptfs::errc> *err = nullptr) {
  std::vector<iptfs::data_block> v;
  auto r = p.blocks();
  for (const auto &b : r) v.push_back(b);
  if (err != nullptr) *err = r.error();
  return v;
}

TEST(IptfsErrc, EveryNameIsItsSpelling) {
  using iptfs::errc;
  const std::map<errc, std::string> names = {
      {errc::ok, "ok"},
      {errc::truncated, "truncated"},
      {errc::unknown_sub_type, "unknown_sub_type"},
      {errc::unknown_block_type, "unknown_block_type"},
      {errc::inner_length_below_header, "inner_length_below_header"},
      {errc::inner_packet_too_large, "inner_packet_too_large"},
      {errc::block_offset_mismatch, "block_offset_mismatch"},
      {errc::walk_exhausted, "walk_exhausted"},
      {errc::buffer_too_small, "buffer_too_small"},
      {errc::value_out_of_range, "value_out_of_range"},
      {errc::not_an_ip_packet, "not_an_ip_packet"},
      {errc::inner_length_mismatch, "inner_length_mismatch"},
      {errc::too_big, "too_big"},
      {errc::queue_full, "queue_full"},
      {errc::queue_empty, "queue_empty"},
      {errc::not_due, "not_due"},
      {errc::invalid_parameter, "invalid_parameter"},
      {errc::out_of_memory, "out_of_memory"},
      {errc::esp_refused, "esp_refused"},
      {errc::not_aggfrag, "not_aggfrag"},
      {errc::payload_too_large, "payload_too_large"},
  };
  for (const auto &[e, n] : names) EXPECT_EQ(iptfs::name(e), n);
  EXPECT_EQ(iptfs::name(static_cast<errc>(200)), "unknown");
  // Every enumerator up to the last is listed above.
  EXPECT_EQ(names.size(), static_cast<std::size_t>(errc::payload_too_large) + 1);
}

// Sub-type 0: "00 | 00 | BlockOffset". An aggregate of three small packets:
// IPv4 of 28 bytes, IPv6 of 48, IPv4 of 40, then 12 bytes of padding.
TEST(IptfsPayload, AggregateOfSmallPacketsByHand) {
  const bytes a = ipv4_packet(28, 1);
  const bytes b = ipv6_packet(48, 2);
  const bytes c = ipv4_packet(40, 3);
  const bytes wire = concat({hex("00 00 00 00"), a, b, c, hex("00 00 00 00 00 00 00 00 00 00 00 00")});
  ASSERT_EQ(wire.size(), 4U + 28 + 48 + 40 + 12);
  auto p = iptfs::parse_payload(wire);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sub_type(), 0);
  EXPECT_EQ(p->block_offset(), 0);
  EXPECT_EQ(p->header_size(), 4U);
  EXPECT_FALSE(p->congestion_control());
  EXPECT_TRUE(p->continuation().empty());
  error_info<iptfs::errc> err;
  const auto blocks = walk(*p, &err);
  EXPECT_EQ(err.code, iptfs::errc::ok);
  ASSERT_EQ(blocks.size(), 4U);
  const std::size_t offsets[] = {4, 32, 80, 120};
  const iptfs::block_kind kinds[] = {iptfs::block_kind::ipv4, iptfs::block_kind::ipv6, iptfs::block_kind::ipv4,
                                     iptfs::block_kind::pad};
  const std::size_t lengths[] = {28, 48, 40, 12};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(blocks[i].offset, offsets[i]) << i;
    EXPECT_EQ(blocks[i].kind, kinds[i]) << i;
    EXPECT_EQ(blocks[i].length, lengths[i]) << i;
    EXPECT_EQ(blocks[i].bytes.size(), lengths[i]) << i;
    EXPECT_TRUE(blocks[i].complete()) << i;
  }
  EXPECT_EQ(to_hex(blocks[1].bytes), to_hex(b));

  // The builder writes the same bytes from the same parts.
  bytes out(wire.size());
  const bytes_view parts[] = {a, b, c};
  auto n = iptfs::build_payload(out, iptfs::header_fields{}, parts, wire.size());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, wire.size());
  EXPECT_EQ(to_hex(out), to_hex(wire));
}

// A payload that is only padding (RFC 9347 §2.2.3 "all pad"): BlockOffset 0
// and one pad block running to the end.
TEST(IptfsPayload, PadOnlyPayloadByHand) {
  const bytes wire = hex("00 00 00 00  00 00 00 00 00 00");
  auto p = iptfs::parse_payload(wire);
  ASSERT_TRUE(p);
  const auto blocks = walk(*p);
  ASSERT_EQ(blocks.size(), 1U);
  EXPECT_EQ(blocks[0].kind, iptfs::block_kind::pad);
  EXPECT_EQ(blocks[0].offset, 4U);
  EXPECT_EQ(blocks[0].length, 6U);
  bytes out(10);
  auto n = iptfs::build_payload(out, {}, {}, 10);
  ASSERT_TRUE(n);
  EXPECT_EQ(to_hex(out), to_hex(wire));
  // A payload without data is valid too (no block at all).
  const bytes header_only = hex("00 00 00 00");
  auto empty = iptfs::parse_payload(header_only);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(walk(*empty).empty());
}

// The length field of the second packet is cut: 3 bytes of an IPv4 header
// ("45 00 00") end the first payload; the second payload's BlockOffset is
// the 57 bytes still missing and its data starts with "3c" (60 = 0x003c).
TEST(IptfsPayload, SplitIpv4LengthFieldByHand) {
  const bytes x = ipv4_packet(56, 10);
  const bytes y = ipv4_packet(60, 11);
  ASSERT_EQ(to_hex(bytes_view(y).first(4)), "4500003c");
  const bytes first = concat({hex("00 00 00 00"), x, bytes_view(y).first(3)});
  const bytes second = concat({hex("00 00 00 39"), bytes_view(y).subspan(3), hex("00 00 00 00")});
  auto p1 = iptfs::parse_payload(first);
  ASSERT_TRUE(p1);
  const auto b1 = walk(*p1);
  ASSERT_EQ(b1.size(), 2U);
  EXPECT_EQ(b1[0].kind, iptfs::block_kind::ipv4);
  EXPECT_TRUE(b1[0].complete());
  EXPECT_EQ(b1[1].kind, iptfs::block_kind::ipv4);
  EXPECT_EQ(b1[1].offset, 60U);
  EXPECT_EQ(b1[1].bytes.size(), 3U);
  EXPECT_TRUE(b1[1].length_split());
  EXPECT_FALSE(b1[1].complete());

  auto p2 = iptfs::parse_payload(second);
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2->block_offset(), 57);
  EXPECT_EQ(to_hex(p2->continuation()).substr(0, 2), "3c");
  const auto b2 = walk(*p2);
  ASSERT_EQ(b2.size(), 2U);
  EXPECT_EQ(b2[0].kind, iptfs::block_kind::continuation);
  EXPECT_EQ(b2[0].length, 57U);
  EXPECT_TRUE(b2[0].complete());
  EXPECT_EQ(b2[1].kind, iptfs::block_kind::pad);
}

// IPv6: the Payload Length is bytes 4-5, so up to 5 header bytes are a runt.
TEST(IptfsPayload, SplitIpv6LengthField) {
  const bytes y = ipv6_packet(100, 7);
  for (std::size_t cut = 1; cut < 6; ++cut) {
    const bytes wire = concat({hex("00 00 00 00"), bytes_view(y).first(cut)});
    auto p = iptfs::parse_payload(wire);
    ASSERT_TRUE(p);
    const auto b = walk(*p);
    ASSERT_EQ(b.size(), 1U);
    EXPECT_TRUE(b[0].length_split()) << cut;
  }
  const bytes six = concat({hex("00 00 00 00"), bytes_view(y).first(6)});
  auto p = iptfs::parse_payload(six);
  const auto b = walk(*p);
  ASSERT_EQ(b.size(), 1U);
  EXPECT_FALSE(b[0].length_split());
  EXPECT_EQ(b[0].length, 100U);
  EXPECT_FALSE(b[0].complete());
}

// BlockOffset past the end of the payload: all of it continues an earlier
// packet, which goes on in the next payload (RFC 9347 §2.2).
TEST(IptfsPayload, BlockOffsetPastTheEnd) {
  const bytes wire = concat({hex("00 00 0b 54"), bytes(20, std::byte{0xAB})}); // 2900
  auto p = iptfs::parse_payload(wire);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->block_offset(), 2900);
  EXPECT_TRUE(p->continues_beyond());
  EXPECT_EQ(p->continuation().size(), 20U);
  const auto b = walk(*p);
  ASSERT_EQ(b.size(), 1U);
  EXPECT_EQ(b[0].kind, iptfs::block_kind::continuation);
  EXPECT_FALSE(b[0].complete());
}

// Sub-type 1: 24 bytes. RTT (22 bits), Delay (21), XDelay (21) share bytes
// 8-15 most significant first; worked out bit by bit:
//   RTT = all ones, Delay 0, XDelay all ones -> ff ff fc 00 00 1f ff ff
//   RTT 0, Delay all ones, XDelay 0          -> 00 00 03 ff ff e0 00 00
TEST(IptfsPayload, CongestionControlHeaderByHand) {
  iptfs::cc_fields cc;
  cc.ecn_ce = true;
  cc.loss_event_rate = 0x01020304;
  cc.rtt = iptfs::max_rtt;
  cc.delay = 0;
  cc.xdelay = iptfs::max_delay;
  cc.tval = 0xDEADBEEF;
  cc.techo = 0x01234567;
  bytes out(24);
  ASSERT_TRUE(iptfs::build_cc_header(out, 0x0102, cc));
  EXPECT_EQ(to_hex(out), "01010102"
                         "01020304"
                         "fffffc00001fffff"
                         "deadbeef"
                         "01234567");
  auto p = iptfs::parse_payload(out);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->congestion_control());
  EXPECT_EQ(p->header_size(), 24U);
  EXPECT_EQ(p->block_offset(), 0x0102);
  EXPECT_EQ(p->congestion(), cc);

  iptfs::cc_fields d;
  d.plmtud = true;
  d.delay = iptfs::max_delay;
  ASSERT_TRUE(iptfs::build_cc_header(out, 0, d));
  EXPECT_EQ(to_hex(out), "01020000"
                         "00000000"
                         "000003ffffe00000"
                         "00000000"
                         "00000000");
  EXPECT_EQ(iptfs::parse_payload(out)->congestion(), d);
}

TEST(IptfsPayload, CongestionFieldsOutOfRange) {
  bytes out(24);
  iptfs::cc_fields cc;
  cc.rtt = iptfs::max_rtt + 1;
  auto r = iptfs::build_cc_header(out, 0, cc);
  EXPECT_EQ(r.code(), iptfs::errc::value_out_of_range);
  EXPECT_EQ(r.offset(), 8U);
  cc = {};
  cc.delay = iptfs::max_delay + 1;
  EXPECT_EQ(iptfs::build_cc_header(out, 0, cc).offset(), 10U);
  cc = {};
  cc.xdelay = iptfs::max_delay + 1;
  EXPECT_EQ(iptfs::build_cc_header(out, 0, cc).offset(), 13U);
  EXPECT_EQ(iptfs::build_cc_header(mutable_bytes(out).first(23), 0, {}).code(), iptfs::errc::buffer_too_small);
}

TEST(IptfsPayload, HeaderErrors) {
  const bytes short_basic = hex("00 00 00"), short_cc = hex("01 00 00 00 00 00 00 00"), sub2 = hex("02 00 00 00"),
              reserved = hex("00 ff 00 00");
  auto r = iptfs::parse_payload(short_basic);
  EXPECT_EQ(r.code(), iptfs::errc::truncated);
  EXPECT_EQ(r.offset(), 3U);
  r = iptfs::parse_payload(short_cc);
  EXPECT_EQ(r.code(), iptfs::errc::truncated);
  EXPECT_EQ(r.offset(), 8U);
  r = iptfs::parse_payload(sub2);
  EXPECT_EQ(r.code(), iptfs::errc::unknown_sub_type);
  EXPECT_EQ(r.offset(), 0U);
  // Reserved bits are ignored on receipt (and reported as received).
  auto ok = iptfs::parse_payload(reserved);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->reserved(), 0xFF);
}

TEST(IptfsPayload, BlockErrorsNameTheOffset) {
  // A block of type 5 after a 28-byte IPv4 packet.
  const bytes a = ipv4_packet(28, 1);
  const bytes wire = concat({hex("00 00 00 00"), a, hex("50 00 00 00")});
  error_info<iptfs::errc> err;
  const auto b = walk(*iptfs::parse_payload(wire), &err);
  EXPECT_EQ(b.size(), 1U);
  EXPECT_EQ(err.code, iptfs::errc::unknown_block_type);
  EXPECT_EQ(err.offset, 32U);

  // IPv4 Total Length 19: the block cannot be delimited.
  const bytes bad = hex("00 00 00 00  45 00 00 13 00 00 00 00");
  auto r = iptfs::parse_payload(bad)->blocks();
  auto first = r.next();
  EXPECT_EQ(first.code(), iptfs::errc::inner_length_below_header);
  EXPECT_EQ(first.offset(), 6U);
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.ok());
  // The error is sticky and next() afterwards says the walk is over.
  EXPECT_EQ(r.error().code, iptfs::errc::inner_length_below_header);
  EXPECT_EQ(r.next().code(), iptfs::errc::walk_exhausted);
}

TEST(IptfsPayload, BuilderErrors) {
  bytes out(3);
  EXPECT_EQ(iptfs::build_header(out, 0).code(), iptfs::errc::buffer_too_small);
  EXPECT_EQ(iptfs::build_header(out, 0).offset(), 3U);
  iptfs::header_fields h;
  h.sub_type = 9;
  bytes big(64);
  EXPECT_EQ(iptfs::build_header(big, h).code(), iptfs::errc::unknown_sub_type);
  EXPECT_EQ(iptfs::build_pad_block(big, 0).code(), iptfs::errc::value_out_of_range);
  EXPECT_EQ(iptfs::build_pad_block(out, 4).code(), iptfs::errc::buffer_too_small);
  const bytes a = ipv4_packet(40, 1);
  const bytes_view parts[] = {a};
  EXPECT_EQ(iptfs::build_payload(mutable_bytes(big).first(43), {}, parts).code(), iptfs::errc::buffer_too_small);
  EXPECT_EQ(iptfs::build_payload(mutable_bytes(big).first(44), {}, parts, 45).code(), iptfs::errc::buffer_too_small);
  EXPECT_EQ(*iptfs::build_payload(mutable_bytes(big).first(44), {}, parts, 44), 44U);
}

// Round trip over many generated payloads: what the builder writes, the
// view and the walker give back, block by block.
TEST(IptfsPayload, BuildThenParseGivesBackEveryField) {
  std::mt19937_64 rng(20240521);
  for (int iter = 0; iter < 3000; ++iter) {
    iptfs::header_fields h;
    h.sub_type = (rng() & 1) != 0 ? iptfs::sub_type_congestion_control : iptfs::sub_type_basic;
    h.cc.ecn_ce = (rng() & 1) != 0;
    h.cc.plmtud = (rng() & 1) != 0;
    h.cc.loss_event_rate = static_cast<std::uint32_t>(rng());
    h.cc.rtt = static_cast<std::uint32_t>(rng()) & iptfs::max_rtt;
    h.cc.delay = static_cast<std::uint32_t>(rng()) & iptfs::max_delay;
    h.cc.xdelay = static_cast<std::uint32_t>(rng()) & iptfs::max_delay;
    h.cc.tval = static_cast<std::uint32_t>(rng());
    h.cc.techo = static_cast<std::uint32_t>(rng());
    std::vector<bytes> parts;
    const std::size_t lead = rng() % 3 == 0 ? 1 + rng() % 200 : 0;
    h.block_offset = static_cast<std::uint16_t>(lead);
    if (lead != 0) parts.emplace_back(std::min<std::size_t>(lead, 1 + rng() % 200), std::byte{0x77});
    const bool lead_ends = lead == 0 || parts.back().size() == lead;
    const std::size_t n = lead_ends ? rng() % 5 : 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t len = 44 + rng() % 300;
      parts.push_back((rng() & 1) != 0 ? ipv4_packet(len, static_cast<std::uint32_t>(i)) : ipv6_packet(len, 0));
    }
    const bool cut_last = lead_ends && n != 0 && (rng() & 1) != 0;
    if (cut_last) parts.back().resize(1 + rng() % (parts.back().size() - 1));
    std::vector<bytes_view> views(parts.begin(), parts.end());
    std::size_t used = iptfs::header_size_of(h.sub_type);
    for (const auto &p : parts) used += p.size();
    const std::size_t pad = cut_last || !lead_ends ? 0 : rng() % 20;
    bytes out(used + pad);
    auto size = iptfs::build_payload(out, h, views, used + pad);
    ASSERT_TRUE(size) << iptfs::name(size.code());
    ASSERT_EQ(*size, used + pad);
    auto v = iptfs::parse_payload(out);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->sub_type(), h.sub_type);
    EXPECT_EQ(v->block_offset(), h.block_offset);
    if (h.sub_type == iptfs::sub_type_congestion_control) {
      EXPECT_EQ(v->congestion(), h.cc);
    }
    error_info<iptfs::errc> err;
    const auto blocks = walk(*v, &err);
    ASSERT_EQ(err.code, iptfs::errc::ok);
    ASSERT_EQ(blocks.size(), parts.size() + (pad != 0 ? 1 : 0));
    std::size_t at = iptfs::header_size_of(h.sub_type);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      EXPECT_EQ(blocks[i].offset, at);
      EXPECT_EQ(to_hex(blocks[i].bytes), to_hex(parts[i]));
      const bool last = i + 1 == parts.size();
      const bool incomplete = last && (cut_last || !lead_ends);
      EXPECT_EQ(blocks[i].complete(), !incomplete) << i;
      at += parts[i].size();
    }
  }
}

TEST(IptfsDissect, FieldsInWireOrder) {
  const bytes a = ipv4_packet(28, 1);
  const bytes y = ipv6_packet(80, 2);
  const bytes wire = concat({hex("00 00 00 05"), hex("01 02 03 04 05"), a, bytes_view(y).first(4)});
  std::vector<std::pair<std::string, std::uint64_t>> got;
  auto n = iptfs::dissect_payload(wire, [&](const iptfs::field &f) { got.emplace_back(std::string(f.name), f.value); });
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3U);
  const std::vector<std::pair<std::string, std::uint64_t>> want = {
      {"vpnwire.iptfs.subtype", 0},
      {"vpnwire.iptfs.reserved", 0},
      {"vpnwire.iptfs.block_offset", 5},
      {"vpnwire.iptfs.block", 0},
      {"vpnwire.iptfs.block.type", 255},
      {"vpnwire.iptfs.block.length", 5},
      {"vpnwire.iptfs.block.present", 5},
      {"vpnwire.iptfs.block.complete", 1},
      {"vpnwire.iptfs.block", 1},
      {"vpnwire.iptfs.block.type", 4},
      {"vpnwire.iptfs.block.length", 28},
      {"vpnwire.iptfs.block.present", 28},
      {"vpnwire.iptfs.block.complete", 1},
      {"vpnwire.iptfs.block", 2},
      {"vpnwire.iptfs.block.type", 6},
      {"vpnwire.iptfs.block.length", 0},
      {"vpnwire.iptfs.block.present", 4},
      {"vpnwire.iptfs.block.complete", 0},
      {"vpnwire.iptfs.block.length_split", 1},
  };
  EXPECT_EQ(got, want);

  bytes cc(24);
  iptfs::cc_fields f;
  f.rtt = 5;
  f.techo = 9;
  ASSERT_TRUE(iptfs::build_cc_header(cc, 0, f));
  std::map<std::string, std::uint64_t> m;
  ASSERT_TRUE(iptfs::dissect_payload(cc, [&](const iptfs::field &x) { m[std::string(x.name)] = x.value; }));
  EXPECT_EQ(m.at("vpnwire.iptfs.cc.rtt"), 5U);
  EXPECT_EQ(m.at("vpnwire.iptfs.cc.techo"), 9U);
  EXPECT_EQ(m.at("vpnwire.iptfs.subtype"), 1U);

  const bytes sub7 = hex("07 00 00 00"), type7 = hex("00 00 00 00 70");
  EXPECT_EQ(iptfs::dissect_payload(sub7, [](const iptfs::field &) {}).code(), iptfs::errc::unknown_sub_type);
  EXPECT_EQ(iptfs::dissect_payload(type7, [](const iptfs::field &) {}).code(), iptfs::errc::unknown_block_type);
}

} // namespace
