// Fuzz target: L2TPv2 header parse (RFC 2661 §3.1).
// Invariants: a parsed header lies within the datagram; header, offset pad
// and payload tile the message exactly; Length trims and trailing_bytes()
// accounts for the rest; rebuilding the header from the parsed fields with
// build_header() reproduces the received bytes except the reserved bits and
// the (undefined) offset pad contents. Errors carry an offset inside the input.
#include "vpnwire/l2tp/header.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  // Own allocation of exactly `size` bytes so ASan sees any over-read.
  std::vector<std::byte> in(size);
  for (std::size_t i = 0; i < size; ++i) in[i] = static_cast<std::byte>(data[i]);
  auto h = l2tp::parse_header(in);
  if (!h) {
    FUZZ_CHECK(h.offset() <= size);
    return 0;
  }
  FUZZ_CHECK(h->version() == 2);
  FUZZ_CHECK(h->message().data() == in.data());
  FUZZ_CHECK(h->length() + h->trailing_bytes() == size);
  FUZZ_CHECK(h->header_size() + h->offset_size() + h->payload().size() == h->length());
  FUZZ_CHECK(h->payload_offset() <= h->length());
  if (h->is_control()) FUZZ_CHECK(h->has_length() && h->has_sequence() && !h->has_offset());
  if (!h->has_length()) FUZZ_CHECK(h->trailing_bytes() == 0);

  l2tp::header_fields f;
  f.control = h->is_control();
  f.with_length = h->has_length();
  f.with_sequence = h->has_sequence();
  f.with_offset = h->has_offset();
  f.priority = h->priority();
  f.tunnel_id = h->tunnel_id();
  f.session_id = h->session_id();
  f.ns = h->ns();
  f.nr = h->nr();
  f.offset_size = h->offset_size();
  std::vector<std::byte> out(h->payload_offset());
  auto n = l2tp::build_header(out, f, h->payload().size());
  FUZZ_CHECK(n.has_value());
  FUZZ_CHECK(*n == h->payload_offset());
  // flags: the defined bits (P is never sent on a control message)
  std::uint16_t expect = h->flags_word() & l2tp::flag::defined;
  if (h->is_control()) expect &= static_cast<std::uint16_t>(~l2tp::flag::priority);
  FUZZ_CHECK(core::load_be16(out.data()) == expect);
  for (std::size_t i = 2; i < h->header_size(); ++i) FUZZ_CHECK(out[i] == in[i]);
  auto again = l2tp::parse_header(std::span(out));
  if (h->payload().empty()) FUZZ_CHECK(again.has_value());
  return 0;
}
