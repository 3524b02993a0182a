// Fuzz target: PPPoE header and tag views (RFC 2516, RFC 4638).
// Input: one octet choosing discovery or session, then the Ethernet payload.
// Invariants: the payload lies inside the input and is exactly LENGTH
// octets; tags tile the payload up to End-Of-List or stop with tag_past_end
// at the offset of the bad tag; rebuilding the tags with pppoe_builder gives
// the same octets; flags follow their definitions.
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 1) return 0;
  const pppoe_stage stage = (data[0] & 1U) != 0 ? pppoe_stage::session : pppoe_stage::discovery;
  std::vector<std::byte> in(size - 1);
  if (!in.empty()) std::memcpy(in.data(), data + 1, in.size());
  const auto v = parse_pppoe(in, stage);
  if (!v) {
    FUZZ_CHECK(v.offset() <= in.size());
    return 0;
  }
  FUZZ_CHECK(v->payload.size() == v->length);
  FUZZ_CHECK(v->payload.empty() || v->payload.data() == in.data() + pppoe_header_size);
  FUZZ_CHECK(pppoe_header_size + v->length + v->padding.size() == in.size());
  FUZZ_CHECK(v->reserved_session_id() == (v->session_id == 0xFFFF));
  FUZZ_CHECK(v->oversized_padi() ==
             (stage == pppoe_stage::discovery && v->code == pppoe_code::padi && v->length + pppoe_header_size > 1484));
  if (stage == pppoe_stage::session) {
    FUZZ_CHECK(v->code == 0);
    const auto f = parse_frame(v->payload);
    if (f) FUZZ_CHECK(f->header_size + f->payload.size() == v->payload.size());
    return 0;
  }
  FUZZ_CHECK(is_discovery_code(v->code));
  std::vector<std::byte> rebuilt(in.size() + 8);
  pppoe_builder b(rebuilt, v->code, v->session_id);
  auto r = v->tags();
  std::size_t end = pppoe_header_size;
  bool complete = true;
  while (!r.done()) {
    const auto t = r.next();
    if (!t) {
      FUZZ_CHECK(t.code() == errc::tag_past_end && t.offset() == end);
      complete = false;
      break;
    }
    FUZZ_CHECK(t->offset == end);
    end += 4 + t->value.size();
    FUZZ_CHECK(end <= pppoe_header_size + v->length);
    b.tag(t->type, t->value);
  }
  FUZZ_CHECK(complete == static_cast<bool>(v->validate_tags()));
  if (complete) {
    const auto mp = v->ppp_max_payload();
    if (mp) FUZZ_CHECK(v->find_tag(pppoe_tag::ppp_max_payload)->value.size() == 2);
    const auto n = b.finish();
    FUZZ_CHECK(n && *n == end);
    FUZZ_CHECK(std::memcmp(rebuilt.data() + 6, in.data() + 6, end - 6) == 0);
  }
  return 0;
}
