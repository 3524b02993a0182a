// Fuzz target: AVP walk (RFC 2661 §4.1) and control message validation (§6).
// The input is a control message body. Invariants: the walk never loops and
// tiles the body exactly or stops at an error offset inside it; validation
// errors point inside the body (or at its end for a missing AVP); on success
// every recognized AVP found in O(1) has the asked type and lies inside the
// body, required AVPs are present, and typed accessors never read outside.
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/message.hpp"

#include "fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace vpnwire;
using l2tp::avp_type;

namespace {
template <avp_type T> void touch(const l2tp::message_view &m, crypto::openssl_md5 &md5, std::size_t size) {
  static std::array<std::byte, 1024> scratch{};
  auto plain = m.get<T>();
  if (!plain) FUZZ_CHECK(plain.offset() <= size);
  auto any = m.get<T>(md5, as_bytes("fuzz secret"), scratch);
  if (!any) FUZZ_CHECK(any.offset() <= size);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::vector<std::byte> body(size);
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<std::byte>(data[i]);

  l2tp::avp_reader r(body);
  std::size_t walked = 0, count = 0;
  for (const l2tp::avp_view &a : r) {
    FUZZ_CHECK(a.offset() == walked);
    FUZZ_CHECK(a.length() >= 6 && a.length() <= 1023);
    FUZZ_CHECK(a.offset() + a.length() <= size);
    walked += a.length();
    ++count;
  }
  FUZZ_CHECK(r.done()); // range-for ends only when the walk is done
  if (r.ok())
    FUZZ_CHECK(walked == size);
  else
    FUZZ_CHECK(r.error().offset == walked && walked < size);

  auto m = l2tp::validate_message(body);
  if (!m) {
    FUZZ_CHECK(m.offset() <= size);
    if (m.code() == l2tp::errc::missing_required_avp) FUZZ_CHECK(l2tp::error_avp_type(body, m.error()).has_value());
    return 0;
  }
  FUZZ_CHECK(m->avp_count() <= count);
  if (m->is_zlb()) {
    FUZZ_CHECK(size == 0);
    return 0;
  }
  if (m->action() == l2tp::disposition::accept) {
    // An accepted message walks without error, and every AVP counts.
    auto avps = m->avps();
    std::size_t n = 0;
    for (const l2tp::avp_view &a : avps) n += a.length() != 0 ? 1 : 0;
    FUZZ_CHECK(avps.ok() && n == m->avp_count());
    FUZZ_CHECK(r.done());
    FUZZ_CHECK(m->avp_count() == count);
    const auto mi = l2tp::message_catalogue(m->type_value());
    FUZZ_CHECK(mi.known);
    for (std::uint16_t t = 0; t < l2tp::avp_type_slots; ++t) {
      const auto f = m->find(static_cast<avp_type>(t));
      if (((mi.required >> t) & 1U) != 0) FUZZ_CHECK(f.has_value());
      if (!f) continue;
      FUZZ_CHECK(f->type() == t && f->is_ietf());
      FUZZ_CHECK(f->offset() + f->length() <= size);
      FUZZ_CHECK(((mi.allowed >> t) & 1U) != 0);
      if (f->hidden()) FUZZ_CHECK(m->random_vector_for(static_cast<avp_type>(t)).has_value());
    }
    static crypto::openssl_md5 md5;
    [&]<avp_type... Ts>(std::integer_sequence<avp_type, Ts...>) { (touch<Ts>(*m, md5, size), ...); }
    (std::integer_sequence<avp_type, avp_type::result_code, avp_type::protocol_version, avp_type::host_name,
                           avp_type::assigned_tunnel_id, avp_type::challenge_response, avp_type::assigned_session_id,
                           avp_type::call_serial_number, avp_type::q931_cause_code, avp_type::call_errors,
                           avp_type::accm, avp_type::proxy_authen_id, avp_type::ppp_disconnect_cause_code,
                           avp_type::tie_breaker, avp_type::sequencing_required, avp_type::calling_number>{});
  } else if (m->action() != l2tp::disposition::ignore_message) {
    FUZZ_CHECK(m->error_code() == 8 || m->culprit_offset() == 0);
    FUZZ_CHECK(m->culprit_offset() < size);
  }
  return 0;
}
