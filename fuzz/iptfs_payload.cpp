// Fuzz target: the AGGFRAG payload view, the data-block walker, the
// dissector and the builder round trip (RFC 9347 §2.2, §6.1).
//
// Invariants: the view and every block stay inside the input; the blocks
// tile the data area from the header on, each at least one byte, a
// continuation only first and pad only last; a successful walk covers the
// whole payload; the dissector finds the same blocks and the same error;
// rebuilding a parsed payload from its fields and blocks (build_payload)
// gives back the same bytes except reserved bits and pad contents, which the
// builder writes as zero.
#include "vpnwire/iptfs/dissect.hpp"
#include "vpnwire/iptfs/payload.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const bytes_view in = std::as_bytes(std::span<const std::uint8_t>(data, size));
  std::size_t dissected_blocks = 0;
  auto d = iptfs::dissect_payload(in, [&](const iptfs::field &f) {
    FUZZ_CHECK(f.offset + f.length <= size);
    if (f.name == iptfs::field_names::block) ++dissected_blocks;
  });
  auto p = iptfs::parse_payload(in);
  if (!p) {
    FUZZ_CHECK(p.code() == iptfs::errc::truncated || p.code() == iptfs::errc::unknown_sub_type);
    FUZZ_CHECK(!d && d.code() == p.code());
    return 0;
  }
  const std::size_t hs = p->header_size();
  FUZZ_CHECK(hs == 4 || hs == 24);
  FUZZ_CHECK(p->data().data() == in.data() + hs && p->data().size() == size - hs);
  FUZZ_CHECK(p->continuation().size() <= p->data().size());

  std::vector<iptfs::data_block> blocks;
  auto r = p->blocks();
  std::size_t at = hs;
  for (const iptfs::data_block &b : r) {
    FUZZ_CHECK(b.offset == at);
    FUZZ_CHECK(!b.bytes.empty());
    FUZZ_CHECK(b.bytes.data() == in.data() + b.offset);
    FUZZ_CHECK(b.offset + b.bytes.size() <= size);
    FUZZ_CHECK(b.kind != iptfs::block_kind::continuation || blocks.empty());
    FUZZ_CHECK(blocks.empty() || blocks.back().kind != iptfs::block_kind::pad);
    if (b.kind == iptfs::block_kind::ipv4 || b.kind == iptfs::block_kind::ipv6) {
      if (b.length_split()) {
        FUZZ_CHECK(b.bytes.size() < iptfs::max_length_field_end);
      } else {
        FUZZ_CHECK(b.bytes.size() <= b.length);
        FUZZ_CHECK(b.length >= (b.kind == iptfs::block_kind::ipv4 ? 20U : 40U));
      }
      if (!b.complete()) FUZZ_CHECK(b.offset + b.bytes.size() == size); // only the last may continue
    }
    at += b.bytes.size();
    blocks.push_back(b);
  }
  FUZZ_CHECK(blocks.size() == dissected_blocks);
  if (!r.ok()) {
    FUZZ_CHECK(!d && d.code() == r.error().code && d.offset() == r.error().offset);
    FUZZ_CHECK(r.error().offset >= at && r.error().offset < size);
    return 0;
  }
  FUZZ_CHECK(d && *d == blocks.size());
  FUZZ_CHECK(at == size);

  // Rebuild from the parsed fields.
  iptfs::header_fields h;
  h.sub_type = p->sub_type();
  h.block_offset = p->block_offset();
  h.cc = p->congestion();
  std::vector<bytes_view> parts;
  std::size_t pad_at = size;
  for (const auto &b : blocks) {
    if (b.kind == iptfs::block_kind::pad) {
      pad_at = b.offset;
    } else {
      parts.push_back(b.bytes);
    }
  }
  std::vector<std::byte> out(size);
  auto n = iptfs::build_payload(out, h, parts, size);
  FUZZ_CHECK(n && *n == size);
  FUZZ_CHECK(out[0] == in[0]);
  const std::uint8_t kept_bits = p->congestion_control() ? 0x03 : 0x00;
  FUZZ_CHECK((std::to_integer<std::uint8_t>(out[1]) & ~kept_bits) == 0);
  FUZZ_CHECK((std::to_integer<std::uint8_t>(out[1]) & kept_bits) == (p->reserved() & kept_bits));
  FUZZ_CHECK(std::memcmp(out.data() + 2, in.data() + 2, pad_at - 2) == 0);
  auto q = iptfs::parse_payload(out);
  FUZZ_CHECK(q && q->block_offset() == h.block_offset && q->congestion() == h.cc);
  return 0;
}
