// Oracle: Wireshark's dissectors (tshark 4.0). We build PPPoE discovery and
// session frames carrying LCP and IPCP over Ethernet, and async HDLC frames
// (DLT_USER0 decoded as ppp_raw_hdlc, which unescapes and checks the FCS),
// write them as pcap, and compare tshark's fields, by Wireshark field name,
// with what our own views read from the same bytes. What this proves: our
// builders and encoder produce what an independent dissector reads as the
// intended fields with a good FCS, and our views agree with it.
#include "vpnwire/ppp/control.hpp"
#include "vpnwire/ppp/frame.hpp"
#include "vpnwire/ppp/hdlc.hpp"
#include "vpnwire/ppp/pppoe.hpp"

#include "interop_support.hpp"
#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace vpnwire;
using namespace vpnwire::ppp;
using namespace ppp_interop;
using vpnwire_test::hex;

namespace {

std::vector<std::byte> ethernet(std::uint16_t ethertype, bytes_view payload) {
  std::vector<std::byte> f = hex("ff ff ff ff ff ff 02 00 00 00 00 01");
  if (payload.size() > 0 && ethertype == ethertype_pppoe_session) f = hex("02 00 00 00 00 02 02 00 00 00 00 01");
  f.push_back(static_cast<std::byte>(ethertype >> 8));
  f.push_back(static_cast<std::byte>(ethertype & 0xFF));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

std::vector<std::byte> session_with(std::uint16_t session, std::uint16_t proto, bytes_view control) {
  std::vector<std::byte> out(1600);
  pppoe_builder b(out, pppoe_code::session, session);
  std::vector<std::byte> frame(control.size() + 4);
  const auto n = build_frame(frame, proto, {false, false}, control);
  EXPECT_TRUE(n);
  b.data(std::span(frame).first(*n));
  const auto len = b.finish();
  EXPECT_TRUE(len);
  out.resize(*len);
  return out;
}

class TsharkInterop : public ::testing::Test {
protected:
  void SetUp() override {
    if (!have_tool("tshark")) GTEST_SKIP() << "tshark not installed (apt-get install tshark)";
  }
};

} // namespace

TEST_F(TsharkInterop, PppoeDiscoveryAndSessionFramesWithLcpAndIpcp) {
  std::vector<std::vector<std::byte>> pppoe;
  // PADI: Service-Name "internet", Host-Uniq, PPP-Max-Payload 1500.
  {
    std::vector<std::byte> out(200);
    pppoe_builder b(out, pppoe_code::padi, 0);
    b.tag(pppoe_tag::service_name, as_bytes("internet"))
        .tag(pppoe_tag::host_uniq, hex("de ad be ef"))
        .ppp_max_payload(1500);
    out.resize(*b.finish());
    pppoe.push_back(out);
  }
  // PADS with a session id and AC-Name.
  {
    std::vector<std::byte> out(200);
    pppoe_builder b(out, pppoe_code::pads, 0x2a17);
    b.tag(pppoe_tag::ac_name, as_bytes("vpnwire-ac")).tag(pppoe_tag::service_name, as_bytes("internet"));
    out.resize(*b.finish());
    pppoe.push_back(out);
  }
  // PADT with Generic-Error.
  {
    std::vector<std::byte> out(200);
    pppoe_builder b(out, pppoe_code::padt, 0x2a17);
    b.tag(pppoe_tag::generic_error, as_bytes("bye"));
    out.resize(*b.finish());
    pppoe.push_back(out);
  }
  // Session: LCP Configure-Request (MRU, ACCM, CHAP-MD5, magic, PFC, ACFC).
  std::vector<std::byte> lcp(64);
  {
    control_packet_builder b(lcp, code::configure_request, 0x11);
    b.option_u16(lcp_option::mru, 1492)
        .option_u32(lcp_option::accm, 0x000A0000)
        .option(lcp_option::authentication_protocol, hex("c2 23 05"))
        .option_u32(lcp_option::magic_number, 0x5eed1234)
        .option(lcp_option::protocol_field_compression, {})
        .option(lcp_option::address_control_field_compression, {});
    lcp.resize(*b.finish());
    pppoe.push_back(session_with(0x2a17, protocol::lcp, lcp));
  }
  // Session: IPCP Configure-Nak with address and both DNS servers.
  std::vector<std::byte> ipcp(64);
  {
    control_packet_builder b(ipcp, code::configure_nak, 0x22);
    b.option_u32(ipcp_option::ip_address, 0xC0000221)
        .option_u32(ipcp_option::primary_dns, 0x08080404)
        .option_u32(ipcp_option::secondary_dns, 0x01000001);
    ipcp.resize(*b.finish());
    pppoe.push_back(session_with(0x2a17, protocol::ipcp, ipcp));
  }

  // Session: IPV6CP Configure-Request with an Interface-Identifier (RFC 5072).
  std::vector<std::byte> ipv6cp(64);
  {
    control_packet_builder b(ipv6cp, code::configure_request, 0x33);
    b.option(ipv6cp_option::interface_identifier, hex("02 11 22 ff fe 33 44 55"));
    ipv6cp.resize(*b.finish());
    pppoe.push_back(session_with(0x2a17, protocol::ipv6cp, ipv6cp));
  }

  pcap_writer w(1); // DLT_EN10MB
  for (std::size_t i = 0; i < pppoe.size(); ++i)
    w.add(ethernet(i < 3 ? ethertype_pppoe_discovery : ethertype_pppoe_session, pppoe[i]));
  const std::string path = scratch_dir() + "/pppoe.pcap";
  w.save(path);

  const std::vector<std::string> fields = {"pppoe.version",
                                           "pppoe.type",
                                           "pppoe.code",
                                           "pppoe.session_id",
                                           "pppoe.payload_length",
                                           "pppoed.tags.service_name",
                                           "pppoed.tags.host_uniq",
                                           "pppoed.tags.max_payload",
                                           "pppoed.tags.ac_name",
                                           "pppoed.tags.generic_error",
                                           "ppp.protocol",
                                           "ppp.code",
                                           "ppp.identifier",
                                           "ppp.length",
                                           "lcp.opt.type",
                                           "lcp.opt.length",
                                           "lcp.opt.mru",
                                           "lcp.opt.asyncmap",
                                           "lcp.opt.auth_protocol",
                                           "lcp.opt.algorithm",
                                           "lcp.opt.magic_number",
                                           "ipcp.opt.type",
                                           "ipcp.opt.ip_address",
                                           "ipcp.opt.pri_dns_address",
                                           "ipcp.opt.sec_dns_address",
                                           "ipv6cp.opt.type",
                                           "ipv6cp.opt.length",
                                           "ipv6cp.interface_identifier"};
  const auto rows = tshark_fields(path, fields);
  ASSERT_EQ(rows.size(), pppoe.size());

  for (std::size_t i = 0; i < pppoe.size(); ++i) {
    SCOPED_TRACE(i);
    const auto v = parse_pppoe(pppoe[i], i < 3 ? pppoe_stage::discovery : pppoe_stage::session);
    ASSERT_TRUE(v);
    const auto &row = rows[i];
    EXPECT_EQ(row.at("pppoe.version"), "1");
    EXPECT_EQ(row.at("pppoe.type"), "1");
    EXPECT_EQ(row.at("pppoe.code"), hex8(v->code));
    EXPECT_EQ(row.at("pppoe.session_id"), hex16(v->session_id));
    EXPECT_EQ(row.at("pppoe.payload_length"), std::to_string(v->length));
    if (i < 3) {
      std::map<std::string, std::string> tags;
      auto r = v->tags();
      while (!r.done()) {
        const auto t = r.next();
        ASSERT_TRUE(t);
        const std::string text(reinterpret_cast<const char *>(t->value.data()), t->value.size());
        // The field name comes from the library's tag table; Wireshark shows
        // the text tags as strings and the others as hex.
        const pppoe_tag_info info = pppoe_tag_catalogue(t->type);
        ASSERT_TRUE(info.known);
        if (info.wireshark.empty()) continue;
        const bool is_text = t->type == pppoe_tag::service_name || t->type == pppoe_tag::ac_name || info.error;
        tags[std::string(info.wireshark)] = is_text ? text : vpnwire_test::to_hex(t->value);
      }
      EXPECT_FALSE(tags.empty());
      for (const auto &[k, val] : tags) EXPECT_EQ(row.at(k), val) << k;
      if (i == 0) {
        EXPECT_EQ(*v->ppp_max_payload(), 1500);
      }
      continue;
    }
    const auto f = parse_frame(v->payload);
    ASSERT_TRUE(f);
    EXPECT_EQ(row.at("ppp.protocol"), hex16(f->protocol));
    const auto p = parse_control_packet(f->payload);
    ASSERT_TRUE(p);
    EXPECT_EQ(row.at("ppp.code"), std::to_string(p->code));
    EXPECT_EQ(row.at("ppp.identifier"), std::to_string(p->identifier));
    EXPECT_EQ(row.at("ppp.length"), std::to_string(p->length));
    std::string types;
    std::string lengths;
    auto r = *p->options();
    while (!r.done()) {
      const auto o = r.next();
      ASSERT_TRUE(o);
      types += (types.empty() ? "" : ",") + std::to_string(o->type);
      lengths += (lengths.empty() ? "" : ",") + std::to_string(o->length);
      if (f->protocol == protocol::ipv6cp) {
        const auto id = ipv6cp_interface_identifier(*o);
        ASSERT_TRUE(id);
        EXPECT_EQ(*id, 0x021122fffe334455ULL);
        // Wireshark shows it as colon-separated hex pairs.
        EXPECT_EQ(row.at(std::string(option_catalogue(control_protocol::ipv6cp, o->type).wireshark)),
                  "02:11:22:ff:fe:33:44:55");
      } else if (f->protocol == protocol::lcp) {
        switch (o->type) {
        case lcp_option::mru: EXPECT_EQ(row.at("lcp.opt.mru"), std::to_string(*lcp_mru(*o))); break;
        case lcp_option::accm: EXPECT_EQ(row.at("lcp.opt.asyncmap"), hex32(*lcp_accm(*o))); break;
        case lcp_option::magic_number: EXPECT_EQ(row.at("lcp.opt.magic_number"), hex32(*lcp_magic_number(*o))); break;
        case lcp_option::authentication_protocol: {
          const auto a = lcp_auth_protocol(*o);
          EXPECT_EQ(row.at("lcp.opt.auth_protocol"), hex16(a->protocol));
          EXPECT_EQ(row.at("lcp.opt.algorithm"), std::to_string(std::to_integer<unsigned>(a->data[0])));
          break;
        }
        default: break;
        }
      } else {
        switch (o->type) {
        case ipcp_option::ip_address: EXPECT_EQ(row.at("ipcp.opt.ip_address"), dotted(*ipcp_ip_address(*o))); break;
        case ipcp_option::primary_dns:
          EXPECT_EQ(row.at("ipcp.opt.pri_dns_address"), dotted(*ipcp_primary_dns(*o)));
          break;
        case ipcp_option::secondary_dns:
          EXPECT_EQ(row.at("ipcp.opt.sec_dns_address"), dotted(*ipcp_secondary_dns(*o)));
          break;
        default: break;
        }
      }
    }
    if (f->protocol == protocol::lcp) {
      EXPECT_EQ(row.at("lcp.opt.type"), types);
      EXPECT_EQ(row.at("lcp.opt.type"), "1,2,3,5,7,8");
      EXPECT_EQ(row.at("lcp.opt.length"), lengths);
    } else if (f->protocol == protocol::ipv6cp) {
      EXPECT_EQ(row.at("ipv6cp.opt.type"), "1");
      EXPECT_EQ(row.at("ipv6cp.opt.length"), "10");
    } else {
      EXPECT_EQ(row.at("ipcp.opt.type"), types);
      EXPECT_EQ(row.at("ipcp.opt.type"), "3,129,131");
    }
  }
}

// Async HDLC: our encoder's output, unescaped and FCS-checked by Wireshark's
// ppp_raw_hdlc dissector, for FCS-16 and FCS-32, default and full ACCMs.
TEST_F(TsharkInterop, AsyncHdlcFramesUnescapeWithAGoodFcs) {
  for (const fcs_kind kind : {fcs_kind::fcs16, fcs_kind::fcs32}) {
    SCOPED_TRACE(kind == fcs_kind::fcs16 ? "fcs16" : "fcs32");
    std::vector<std::vector<std::byte>> frames;
    // LCP Echo-Request whose magic number and data contain 7D, 7E and control characters.
    {
      std::vector<std::byte> pkt(64);
      control_packet_builder b(pkt, code::echo_request, 0x7E);
      b.data(hex("7d 7e 11 13")).data(hex("00 7d 7e 20 5e 03"));
      pkt.resize(*b.finish());
      std::vector<std::byte> frame(128);
      frame.resize(*build_frame(frame, protocol::lcp, pkt));
      frames.push_back(frame);
    }
    // LCP Configure-Request, and a large LCP Discard-Request of every octet value.
    {
      std::vector<std::byte> pkt(64);
      control_packet_builder b(pkt, code::configure_request, 3);
      b.option_u16(lcp_option::mru, 1500).option_u32(lcp_option::magic_number, 0x7e7d1100);
      pkt.resize(*b.finish());
      std::vector<std::byte> frame(128);
      frame.resize(*build_frame(frame, protocol::lcp, pkt));
      frames.push_back(frame);
      std::vector<std::byte> big(1200);
      control_packet_builder d(big, code::discard_request, 4);
      std::vector<std::byte> data(4 + 1024);
      for (std::size_t k = 0; k < data.size(); ++k) data[k] = static_cast<std::byte>(k * 7);
      d.data(data);
      big.resize(*d.finish());
      std::vector<std::byte> f2(1300);
      f2.resize(*build_frame(f2, protocol::lcp, big));
      frames.push_back(f2);
    }
    pcap_writer w(147); // DLT_USER0
    std::vector<std::uint32_t> fcs_values;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      hdlc_encoder_config cfg;
      cfg.fcs = kind;
      if (i == 1)
        for (auto &word : cfg.accm.words) word = 0xFFFFFFFFU; // every octet escaped
      std::vector<std::byte> wire(hdlc_encoded_size_max(frames[i].size(), kind));
      const auto n = build_hdlc_frame(wire, cfg, frames[i]);
      ASSERT_TRUE(n);
      w.add(std::span(wire).first(*n)); // one record per frame, opening and closing flags included
      fcs_values.push_back(kind == fcs_kind::fcs16 ? fcs16(frames[i]) : fcs32(frames[i]));
    }
    const std::string path = scratch_dir() + (kind == fcs_kind::fcs16 ? "/hdlc16.pcap" : "/hdlc32.pcap");
    w.save(path);
    const std::string fcs_field = kind == fcs_kind::fcs16 ? "ppp.fcs_16" : "ppp.fcs_32";
    const std::string opts = std::string("-o ppp.fcs_type:") + (kind == fcs_kind::fcs16 ? "16-Bit" : "32-Bit") +
                             " -o 'uat:user_dlts:\"User 0 (DLT=147)\",\"ppp_raw_hdlc\",\"0\",\"\",\"0\",\"\"'";
    const auto rows = tshark_fields(path,
                                    {"ppp.address", "ppp.control", "ppp.protocol", fcs_field, "ppp.fcs.status",
                                     "ppp.code", "ppp.identifier", "ppp.length", "lcp.magic_number", "lcp.data",
                                     "lcp.opt.mru", "lcp.opt.magic_number"},
                                    opts);
    ASSERT_EQ(rows.size(), frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      SCOPED_TRACE(i);
      const auto f = parse_frame(frames[i]);
      ASSERT_TRUE(f);
      const auto p = parse_control_packet(f->payload);
      ASSERT_TRUE(p);
      const auto &row = rows[i];
      EXPECT_EQ(row.at("ppp.address"), hex8(all_stations));
      EXPECT_EQ(row.at("ppp.control"), hex8(ui_control));
      EXPECT_EQ(row.at("ppp.protocol"), hex16(f->protocol));
      EXPECT_EQ(row.at(fcs_field), kind == fcs_kind::fcs16 ? hex16(fcs_values[i]) : hex32(fcs_values[i]));
      EXPECT_EQ(row.at("ppp.fcs.status"), "1"); // PROTO_CHECKSUM_E_GOOD
      EXPECT_EQ(row.at("ppp.code"), std::to_string(p->code));
      EXPECT_EQ(row.at("ppp.identifier"), std::to_string(p->identifier));
      EXPECT_EQ(row.at("ppp.length"), std::to_string(p->length));
      if (p->code == code::echo_request) {
        EXPECT_EQ(row.at("lcp.magic_number"), hex32(core::load_be32(p->data.data())));
        EXPECT_EQ(row.at("lcp.data"), vpnwire_test::to_hex(p->data.subspan(4)));
      }
      if (p->code == code::configure_request) {
        EXPECT_EQ(row.at("lcp.opt.mru"), std::to_string(*lcp_mru(*p->find(lcp_option::mru))));
        EXPECT_EQ(row.at("lcp.opt.magic_number"), hex32(*lcp_magic_number(*p->find(lcp_option::magic_number))));
      }
    }
  }
}

// A corrupted frame: tshark and our decoder agree the FCS is bad.
TEST_F(TsharkInterop, CorruptedFcsIsBadForBoth) {
  std::vector<std::byte> frame(64);
  frame.resize(*build_frame(frame, protocol::lcp, hex("09 01 00 08 12 34 56 78")));
  std::vector<std::byte> wire(hdlc_encoded_size_max(frame.size(), fcs_kind::fcs16));
  wire.resize(*build_hdlc_frame(wire, frame));
  wire[4] ^= std::byte{0x40}; // the LCP protocol octet 0x21 -> 0x61
  std::vector<std::byte> buf(1600);
  hdlc_decoder d(buf);
  EXPECT_EQ(d.decode(wire).code, errc::bad_fcs);
  pcap_writer w(147);
  w.add(wire);
  const std::string path = scratch_dir() + "/hdlc_bad.pcap";
  w.save(path);
  const auto rows = tshark_fields(
      path, {"ppp.fcs.status"},
      "-o ppp.fcs_type:16-Bit -o 'uat:user_dlts:\"User 0 (DLT=147)\",\"ppp_raw_hdlc\",\"0\",\"\",\"0\",\"\"'");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].at("ppp.fcs.status"), "0"); // PROTO_CHECKSUM_E_BAD
}

// Every Wireshark field name in the library's PPP tables (options, PPPoE
// tags) is one tshark 4.0 knows (`tshark -G fields`).
TEST_F(TsharkInterop, TableFieldNamesAreTsharkFields) {
  int st = 0;
  const std::string all = run("tshark -G fields 2>/dev/null", st);
  ASSERT_EQ(st, 0);
  std::set<std::string> known;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream cols(line);
    std::string kind, display, abbrev;
    std::getline(cols, kind, '\t');
    std::getline(cols, display, '\t');
    std::getline(cols, abbrev, '\t');
    known.insert(abbrev);
  }
  ASSERT_GT(known.size(), 1000U);
  std::size_t checked = 0;
  for (control_protocol p :
       {control_protocol::lcp, control_protocol::ipcp, control_protocol::ccp, control_protocol::ipv6cp})
    for (unsigned t = 0; t < 256; ++t) {
      const option_info o = option_catalogue(p, static_cast<std::uint8_t>(t));
      if (!o.known) continue;
      EXPECT_TRUE(known.count(std::string(o.wireshark))) << name(p) << " option " << t << ": " << o.wireshark;
      ++checked;
    }
  for (unsigned t = 0; t < 0x10000; ++t) {
    const pppoe_tag_info i = pppoe_tag_catalogue(static_cast<std::uint16_t>(t));
    if (!i.known || i.wireshark.empty()) continue;
    EXPECT_TRUE(known.count(std::string(i.wireshark))) << "PPPoE tag " << t << ": " << i.wireshark;
    ++checked;
  }
  EXPECT_GE(checked, 30U); // the walk found the tables
}
