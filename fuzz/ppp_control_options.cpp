// Fuzz target: PPP frame and LCP/IPCP/CCP option views.
// Input: a PPP frame (with or without FF 03, PFC or not) whose information
// field is parsed as a control packet. Invariants: views stay inside the
// input; option iteration either tiles the option list exactly or stops at
// an error whose offset lies inside it; typed accessors only succeed on the
// exact lengths; rebuilding the options with control_packet_builder and
// parsing again gives the same options.
#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/frame.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;

namespace {
bool inside(bytes_view inner, bytes_view outer) {
  return inner.empty() || (inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size());
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::vector<std::byte> in(size);
  if (size != 0) std::memcpy(in.data(), data, size);
  const bytes_view all = in;

  const auto f = parse_frame(all);
  bytes_view info = all;
  if (f) {
    FUZZ_CHECK(inside(f->payload, all));
    FUZZ_CHECK(f->header_size + f->payload.size() == all.size());
    FUZZ_CHECK(protocol_valid(f->protocol) || f->protocol_compressed);
    info = f->payload;
  } else {
    FUZZ_CHECK(f.offset() <= all.size());
  }

  const auto p = parse_control_packet(info);
  if (!p) {
    FUZZ_CHECK(p.offset() <= info.size());
    return 0;
  }
  FUZZ_CHECK(p->length >= 4 && p->length <= info.size());
  FUZZ_CHECK(inside(p->data, info) && p->data.size() == p->length - 4U);
  auto r = p->options();
  if (!r) {
    FUZZ_CHECK(!carries_options(p->code));
    return 0;
  }
  std::vector<std::byte> rebuilt(p->length + 16);
  control_packet_builder b(rebuilt, p->code, p->identifier);
  std::size_t end = 4;
  bool complete = true;
  while (!r->done()) {
    const auto o = r->next();
    if (!o) {
      FUZZ_CHECK(o.offset() >= end && o.offset() < p->length);
      complete = false;
      break;
    }
    FUZZ_CHECK(o->offset == end && o->length >= 2);
    FUZZ_CHECK(inside(o->value, p->data));
    end += o->length;
    FUZZ_CHECK(end <= p->length);
    // Typed accessors: success only with the exact length for the type.
    FUZZ_CHECK(static_cast<bool>(lcp_mru(*o)) == (o->type == lcp_option::mru && o->length == 4));
    FUZZ_CHECK(static_cast<bool>(lcp_accm(*o)) == (o->type == lcp_option::accm && o->length == 6));
    FUZZ_CHECK(static_cast<bool>(lcp_magic_number(*o)) == (o->type == lcp_option::magic_number && o->length == 6));
    FUZZ_CHECK(static_cast<bool>(lcp_pfc(*o)) == (o->type == lcp_option::protocol_field_compression && o->length == 2));
    FUZZ_CHECK(static_cast<bool>(lcp_acfc(*o)) ==
               (o->type == lcp_option::address_control_field_compression && o->length == 2));
    FUZZ_CHECK(static_cast<bool>(lcp_auth_protocol(*o)) ==
               (o->type == lcp_option::authentication_protocol && o->length >= 4));
    FUZZ_CHECK(static_cast<bool>(ipcp_ip_address(*o)) == (o->type == ipcp_option::ip_address && o->length == 6));
    FUZZ_CHECK(static_cast<bool>(ipcp_primary_dns(*o)) == (o->type == ipcp_option::primary_dns && o->length == 6));
    FUZZ_CHECK(static_cast<bool>(ipcp_secondary_dns(*o)) == (o->type == ipcp_option::secondary_dns && o->length == 6));
    b.option(o->type, o->value);
  }
  FUZZ_CHECK(complete == static_cast<bool>(p->validate_options()));
  if (complete) {
    FUZZ_CHECK(end == p->length);
    const auto n = b.finish();
    FUZZ_CHECK(n && *n == p->length);
    FUZZ_CHECK(std::memcmp(rebuilt.data(), info.data(), *n) == 0);
  }
  return 0;
}
