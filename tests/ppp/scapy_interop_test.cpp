// Oracle: scapy 2.5 (scapy.layers.ppp, scapy.layers.l2). tests/ppp/scapy_ppp.py
// builds PPPoE discovery and session frames, LCP and IPCP packets and a sync
// PPP frame, printing the bytes and the field values it put in; our views
// must read back exactly those fields. What this proves: our parsers accept
// frames laid out by an independent implementation.
#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include "interop_support.hpp"
#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;
using namespace ppp_interop;

namespace {
struct scapy_frame {
  std::string kind;
  std::vector<std::byte> bytes;
  std::map<std::string, std::string> fields;
  [[nodiscard]] unsigned long num(const std::string &k) const { return std::stoul(fields.at(k)); }
};

std::vector<scapy_frame> scapy_frames() {
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  const std::string script = std::string(src != nullptr ? src : ".") + "/tests/ppp/scapy_ppp.py";
  int status = 0;
  const std::string out = run("/usr/bin/python3 '" + script + "' 2>/dev/null", status);
  EXPECT_EQ(status, 0) << out;
  std::vector<scapy_frame> frames;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    scapy_frame f;
    std::string hexbytes;
    words >> f.kind >> hexbytes;
    f.bytes = vpnwire_test::hex(hexbytes);
    std::string kv;
    while (words >> kv) {
      const auto eq = kv.find('=');
      f.fields[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    frames.push_back(std::move(f));
  }
  return frames;
}
} // namespace

TEST(ScapyInterop, OurViewsReadWhatScapyBuilt) {
  int st = 0;
  run("/usr/bin/python3 -c 'import scapy.layers.ppp' 2>/dev/null", st);
  if (st != 0) GTEST_SKIP() << "scapy not installed for /usr/bin/python3 (apt-get install python3-scapy)";
  const auto frames = scapy_frames();
  ASSERT_EQ(frames.size(), 5U);
  for (const auto &f : frames) {
    SCOPED_TRACE(f.kind + " " + vpnwire_test::to_hex(f.bytes));
    if (f.kind == "sync") {
      const auto p = parse_frame(f.bytes, {false, false});
      ASSERT_TRUE(p) << name(p.code());
      EXPECT_EQ(p->protocol, f.num("protocol"));
      const auto c = parse_control_packet(p->payload);
      ASSERT_TRUE(c);
      EXPECT_EQ(c->code, f.num("code"));
      EXPECT_EQ(c->identifier, f.num("id"));
      EXPECT_EQ(core::load_be32(c->data.data()), f.num("magic"));
      continue;
    }
    ASSERT_GT(f.bytes.size(), 14U);
    const bytes_view eth_payload = std::span(f.bytes).subspan(14);
    const bool discovery = f.kind == "pppoed";
    const auto v = parse_pppoe(eth_payload, discovery ? pppoe_stage::discovery : pppoe_stage::session);
    ASSERT_TRUE(v) << name(v.code()) << " at " << v.offset();
    EXPECT_EQ(v->session_id, f.num("session"));
    if (discovery) {
      EXPECT_EQ(v->code, f.num("code"));
      EXPECT_EQ(*v->validate_tags(), f.num("tags"));
      if (f.fields.count("service_name") != 0) {
        const auto t = v->find_tag(pppoe_tag::service_name);
        ASSERT_TRUE(t);
        EXPECT_EQ(std::string(reinterpret_cast<const char *>(t->value.data()), t->value.size()),
                  f.fields.at("service_name"));
      }
      if (f.fields.count("ac_name") != 0) {
        const auto t = v->find_tag(pppoe_tag::ac_name);
        ASSERT_TRUE(t);
        EXPECT_EQ(std::string(reinterpret_cast<const char *>(t->value.data()), t->value.size()),
                  f.fields.at("ac_name"));
      }
      if (f.fields.count("max_payload") != 0) {
        EXPECT_EQ(*v->ppp_max_payload(), f.num("max_payload"));
      }
      continue;
    }
    const auto p = parse_frame(v->payload);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->has_address_control);
    EXPECT_EQ(p->protocol, f.num("protocol"));
    const auto c = parse_control_packet(p->payload);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->code, f.num("code"));
    EXPECT_EQ(c->identifier, f.num("id"));
    ASSERT_TRUE(c->validate_options());
    if (p->protocol == protocol::lcp) {
      EXPECT_EQ(*lcp_mru(*c->find(lcp_option::mru)), f.num("mru"));
      EXPECT_EQ(*lcp_accm(*c->find(lcp_option::accm)), f.num("accm"));
      EXPECT_EQ(lcp_auth_protocol(*c->find(lcp_option::authentication_protocol))->protocol, f.num("auth"));
      EXPECT_EQ(*lcp_magic_number(*c->find(lcp_option::magic_number)), f.num("magic"));
    } else {
      EXPECT_EQ(*ipcp_ip_address(*c->find(ipcp_option::ip_address)), f.num("ip"));
      EXPECT_EQ(*ipcp_primary_dns(*c->find(ipcp_option::primary_dns)), f.num("dns1"));
      EXPECT_EQ(*ipcp_secondary_dns(*c->find(ipcp_option::secondary_dns)), f.num("dns2"));
    }
  }
}
