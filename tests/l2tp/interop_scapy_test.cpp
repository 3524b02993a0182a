// Interop with scapy (scapy.layers.l2tp, run with /usr/bin/python3): data
// messages with every combination of L, S, O, P and control messages
// (HELLO, ICRP, ICCN with a vendor AVP, StopCCN, ZLB) are built by scapy;
// our parser must read the same header fields scapy dissects, the same
// payload, and the AVPs the script packed. See data/scapy_l2tp.py.
#include "vpnwire/l2tp/header.hpp"
#include "vpnwire/l2tp/message.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace vpnwire;

namespace {

std::string run(const std::string &cmd) {
  std::string out;
  if (FILE *p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

bool have_scapy() { return std::system("/usr/bin/python3 -c 'import scapy.layers.l2tp' >/dev/null 2>&1") == 0; }

std::string opt(bool present, unsigned v) { return present ? std::to_string(v) : "-"; }

} // namespace

TEST(L2tpInteropScapy, ParsesWhatScapyBuildsFieldByField) {
  if (!have_scapy()) GTEST_SKIP() << "/usr/bin/python3 with scapy not installed";
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  const std::string out = run("/usr/bin/python3 " + std::string(src) + "/tests/l2tp/data/scapy_l2tp.py 2>&1");
  std::istringstream lines(out);
  std::string line;
  int data = 0, control = 0, zlb = 0;
  while (std::getline(lines, line)) {
    std::istringstream in(line);
    std::string kind, hexbytes, flags, version, len, tunnel, session, ns, nr, offset, payload, avps;
    in >> kind >> hexbytes >> flags >> version >> len >> tunnel >> session >> ns >> nr >> offset >> payload >> avps;
    ASSERT_TRUE(in) << "unexpected scapy output: " << line;
    const auto bytes = vpnwire_test::hex(hexbytes);
    auto h = l2tp::parse_header(bytes);
    ASSERT_TRUE(h) << l2tp::name(h.code()) << " for " << line;
    EXPECT_EQ(std::to_string(h->flags_word() >> 4), flags) << line; // scapy's hdr is the first 12 bits
    EXPECT_EQ(std::to_string(h->version()), version);
    EXPECT_EQ(opt(h->has_length(), static_cast<unsigned>(h->length())), len) << line;
    EXPECT_EQ(std::to_string(h->tunnel_id()), tunnel);
    EXPECT_EQ(std::to_string(h->session_id()), session);
    EXPECT_EQ(opt(h->has_sequence(), h->ns()), ns);
    EXPECT_EQ(opt(h->has_sequence(), h->nr()), nr);
    EXPECT_EQ(opt(h->has_offset(), h->offset_size()), offset);
    const std::string ph = vpnwire_test::to_hex(h->payload());
    EXPECT_EQ(ph.empty() ? "-" : ph, payload) << line;
    if (kind == "D") {
      ++data;
      EXPECT_TRUE(h->is_data());
      continue;
    }
    EXPECT_TRUE(h->is_control());
    auto m = l2tp::validate_message(h->payload());
    ASSERT_TRUE(m) << l2tp::name(m.code()) << " at " << m.offset() << " for " << line;
    if (kind == "Z") {
      ++zlb;
      EXPECT_TRUE(m->is_zlb());
      continue;
    }
    ++control;
    EXPECT_EQ(m->action(), l2tp::disposition::accept);
    std::string mine;
    l2tp::avp_reader r(h->payload());
    for (const l2tp::avp_view &a : r) {
      if (!mine.empty()) mine += ';';
      mine += std::to_string(a.mandatory()) + "," + std::to_string(a.hidden()) + "," + std::to_string(a.vendor_id()) +
              "," + std::to_string(a.type()) + "," + vpnwire_test::to_hex(a.value());
    }
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(mine, avps);
  }
  EXPECT_EQ(data, 200);
  EXPECT_EQ(control, 100);
  EXPECT_EQ(zlb, 1);
}
