// Interop with Wireshark's L2TP dissector: messages built by message_writer
// (every message type, every catalogue AVP type, a ZLB, a data message with
// offset pad and priority, a hidden AVP) are written to a pcap (IPv4/UDP
// 1701), dissected by `tshark -T json -e <field>...`, and tshark's fields
// are compared one by one, in order, with what our parser reads back from
// the same bytes. tshark cannot decrypt hidden AVPs; for the hidden AVP it
// proves the H flag, length and type only.
#include "vpnwire/core/checksum.hpp"
#include "vpnwire/crypto/openssl_digest.hpp"
#include "vpnwire/l2tp/message.hpp"
#include "vpnwire/l2tp/writer.hpp"

#include "test_bytes.hpp"

#define BOOST_BIND_GLOBAL_PLACEHOLDERS // property_tree still includes the deprecated boost/bind.hpp
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace vpnwire;
using l2tp::avp_type;
using l2tp::message_type;

namespace {

using bytes = std::vector<std::byte>;
using fields = std::map<std::string, std::vector<std::string>>;

bool have_tshark() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }

void put16(std::string &s, std::uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v & 0xFF));
}
void put32le(std::string &s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// pcap (LINKTYPE_RAW = 101: packets start with the IPv4 header).
std::string pcap_of(const std::vector<bytes> &l2tp_payloads) {
  std::string f;
  put32le(f, 0xA1B2C3D4);
  f += std::string("\x02\x00\x04\x00", 4);
  put32le(f, 0);
  put32le(f, 0);
  put32le(f, 65535);
  put32le(f, 101);
  std::uint32_t ts = 1;
  for (const bytes &p : l2tp_payloads) {
    std::string ip;
    const auto total = static_cast<std::uint16_t>(20 + 8 + p.size());
    ip += std::string("\x45\x00", 2);
    put16(ip, total);
    ip += std::string("\x00\x01\x00\x00\x40\x11\x00\x00\xc0\x00\x02\x01\xc0\x00\x02\x02", 16);
    const auto sum = core::internet_checksum(as_bytes(ip));
    ip[10] = static_cast<char>(sum >> 8);
    ip[11] = static_cast<char>(sum & 0xFF);
    put16(ip, 1701);
    put16(ip, 1701);
    put16(ip, static_cast<std::uint16_t>(8 + p.size()));
    put16(ip, 0); // no UDP checksum (allowed for IPv4)
    for (std::byte b : p) ip.push_back(static_cast<char>(b));
    put32le(f, ts++);
    put32le(f, 0);
    put32le(f, static_cast<std::uint32_t>(ip.size()));
    put32le(f, static_cast<std::uint32_t>(ip.size()));
    f += ip;
  }
  return f;
}

const std::vector<std::string> field_names = {"l2tp.type",
                                              "l2tp.length_bit",
                                              "l2tp.seq_bit",
                                              "l2tp.offset_bit",
                                              "l2tp.priority",
                                              "l2tp.version",
                                              "l2tp.length",
                                              "l2tp.tunnel",
                                              "l2tp.session",
                                              "l2tp.Ns",
                                              "l2tp.Nr",
                                              "l2tp.offset",
                                              "l2tp.avp.mandatory",
                                              "l2tp.avp.hidden",
                                              "l2tp.avp.length",
                                              "l2tp.avp.vendor_id",
                                              "l2tp.avp.type",
                                              "l2tp.avp.message_type",
                                              "l2tp.result_code",
                                              "l2tp.avp.error_code",
                                              "l2tp.avp.error_message",
                                              "l2tp.avp.protocol_version",
                                              "l2tp.avp.protocol_revision",
                                              "l2tp.avp.async_framing_supported",
                                              "l2tp.avp.sync_framing_supported",
                                              "l2tp.avp.analog_access_supported",
                                              "l2tp.avp.digital_access_supported",
                                              "l2tp.tie_breaker",
                                              "l2tp.avp.firmware_revision",
                                              "l2tp.avp.host_name",
                                              "l2tp.avp.vendor_name",
                                              "l2tp.avp.assigned_tunnel_id",
                                              "l2tp.avp.receive_window_size",
                                              "l2tp.avp.chap_challenge",
                                              "l2tp.avp.cause_code",
                                              "l2tp.avp.cause_msg",
                                              "l2tp.avp.advisory_msg",
                                              "l2tp.avp.chap_challenge_response",
                                              "l2tp.avp.assigned_session_id",
                                              "l2tp.avp.call_serial_number",
                                              "l2tp.avp.minimum_bps",
                                              "l2tp.avp.maximum_bps",
                                              "l2tp.avp.analog_bearer_type",
                                              "l2tp.avp.digital_bearer_type",
                                              "l2tp.avp.async_framing_type",
                                              "l2tp.avp.sync_framing_type",
                                              "l2tp.avp.called_number",
                                              "l2tp.avp.calling_number",
                                              "l2tp.avp.sub_address",
                                              "l2tp.avp.connect_speed",
                                              "l2tp.avp.physical_channel",
                                              "l2tp.avp.initial_received_lcp_confreq",
                                              "l2tp.avp.last_sent_lcp_confreq",
                                              "l2tp.avp.last_received_lcp_confreq",
                                              "l2tp.avp.proxy_authen_type",
                                              "l2tp.avp.proxy_authen_name",
                                              "l2tp.avp.proxy_authen_challenge",
                                              "l2tp.avp.proxy_authen_id",
                                              "l2tp.avp.proxy_authen_response",
                                              "l2tp.avp.crc_errors",
                                              "l2tp.avp.framing_errors",
                                              "l2tp.avp.hardware_overruns",
                                              "l2tp.avp.buffer_overruns",
                                              "l2tp.avp.time_out_errors",
                                              "l2tp.avp.alignment_errors",
                                              "l2tp.avp.send_accm",
                                              "l2tp.avp.receive_accm",
                                              "l2tp.avp.random_vector",
                                              "l2tp.avp.private_group_id",
                                              "l2tp.avp.rx_connect_speed",
                                              "l2tp.avp.disconnect_code",
                                              "l2tp.avp.control_protocol_number",
                                              "l2tp.avp.cause_code_direction",
                                              "l2tp.avp.cause_code_message"};

std::vector<fields> run_tshark(const std::string &pcap_path) {
  std::string cmd = "tshark -n -r '" + pcap_path + "' -T json";
  for (const auto &f : field_names) cmd += " -e " + f;
  cmd += " 2>/dev/null";
  std::string out;
  if (FILE *p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  std::vector<fields> packets;
  std::istringstream in(out);
  boost::property_tree::ptree root;
  boost::property_tree::read_json(in, root);
  for (const auto &[_, pkt] : root) {
    fields f;
    for (const auto &[name, arr] : pkt.get_child("_source.layers"))
      for (const auto &[__, v] : arr) f[name].push_back(v.get_value<std::string>());
    packets.push_back(std::move(f));
  }
  return packets;
}

std::string str(bytes_view b) { return std::string(reinterpret_cast<const char *>(b.data()), b.size()); }
// tshark -T json -e renders FT_BYTES as plain lowercase hex
std::string plain_hex(bytes_view b) { return vpnwire_test::to_hex(b); }
std::string bit(bool b) { return b ? "1" : "0"; }

// What our parser reads from one datagram, in Wireshark's field names and formats.
fields ours(bytes_view datagram) {
  fields f;
  auto h = l2tp::parse_header(datagram);
  EXPECT_TRUE(h);
  if (!h) return f;
  auto add = [&](const std::string &k, const std::string &v) { f[k].push_back(v); };
  add("l2tp.type", bit(h->is_control()));
  add("l2tp.length_bit", bit(h->has_length()));
  add("l2tp.seq_bit", bit(h->has_sequence()));
  add("l2tp.offset_bit", bit(h->has_offset()));
  add("l2tp.priority", bit(h->priority()));
  add("l2tp.version", std::to_string(h->version()));
  if (h->has_length()) add("l2tp.length", std::to_string(h->length()));
  add("l2tp.tunnel", std::to_string(h->tunnel_id()));
  add("l2tp.session", std::to_string(h->session_id()));
  if (h->has_sequence()) {
    add("l2tp.Ns", std::to_string(h->ns()));
    add("l2tp.Nr", std::to_string(h->nr()));
  }
  if (h->has_offset()) add("l2tp.offset", std::to_string(h->offset_size()));
  if (!h->is_control()) return f;
  auto m = l2tp::validate_message(h->payload());
  EXPECT_TRUE(m) << l2tp::name(m.code());
  if (!m) return f;
  auto n = [](auto x) { return std::to_string(x); };
  for (const l2tp::avp_view &a : m->avps()) {
    add("l2tp.avp.mandatory", bit(a.mandatory()));
    add("l2tp.avp.hidden", bit(a.hidden()));
    add("l2tp.avp.length", n(a.length()));
    // Wireshark 4.0 shows only the flags and length of a hidden AVP (it cannot decrypt it)
    if (a.hidden()) continue;
    add("l2tp.avp.vendor_id", n(a.vendor_id()));
    add("l2tp.avp.type", n(a.type()));
    if (!a.is_ietf()) continue;
    const bytes_view v = a.value();
    switch (static_cast<avp_type>(a.type())) {
    case avp_type::message_type: add("l2tp.avp.message_type", n(*l2tp::decode_value<avp_type::message_type>(v))); break;
    case avp_type::result_code: {
      auto x = *l2tp::decode_value<avp_type::result_code>(v);
      add("l2tp.result_code", n(x.result));
      if (x.has_error) add("l2tp.avp.error_code", n(x.error));
      if (!x.message.empty()) add("l2tp.avp.error_message", str(x.message));
      break;
    }
    case avp_type::protocol_version: {
      auto x = *l2tp::decode_value<avp_type::protocol_version>(v);
      add("l2tp.avp.protocol_version", n(x.version));
      add("l2tp.avp.protocol_revision", n(x.revision));
      break;
    }
    case avp_type::framing_capabilities: {
      auto x = *l2tp::decode_value<avp_type::framing_capabilities>(v);
      add("l2tp.avp.async_framing_supported", bit(x & l2tp::framing::async));
      add("l2tp.avp.sync_framing_supported", bit(x & l2tp::framing::sync));
      break;
    }
    case avp_type::bearer_capabilities: {
      auto x = *l2tp::decode_value<avp_type::bearer_capabilities>(v);
      add("l2tp.avp.analog_access_supported", bit(x & l2tp::bearer::analog));
      add("l2tp.avp.digital_access_supported", bit(x & l2tp::bearer::digital));
      break;
    }
    case avp_type::tie_breaker: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%016llx",
                    static_cast<unsigned long long>(*l2tp::decode_value<avp_type::tie_breaker>(v)));
      add("l2tp.tie_breaker", buf);
      break;
    }
    case avp_type::firmware_revision:
      add("l2tp.avp.firmware_revision", n(*l2tp::decode_value<avp_type::firmware_revision>(v)));
      break;
    case avp_type::host_name: add("l2tp.avp.host_name", str(*l2tp::decode_value<avp_type::host_name>(v))); break;
    case avp_type::vendor_name: add("l2tp.avp.vendor_name", str(*l2tp::decode_value<avp_type::vendor_name>(v))); break;
    case avp_type::assigned_tunnel_id:
      add("l2tp.avp.assigned_tunnel_id", n(*l2tp::decode_value<avp_type::assigned_tunnel_id>(v)));
      break;
    case avp_type::receive_window_size:
      add("l2tp.avp.receive_window_size", n(*l2tp::decode_value<avp_type::receive_window_size>(v)));
      break;
    case avp_type::challenge:
      add("l2tp.avp.chap_challenge", plain_hex(*l2tp::decode_value<avp_type::challenge>(v)));
      break;
    case avp_type::q931_cause_code: {
      auto x = *l2tp::decode_value<avp_type::q931_cause_code>(v);
      add("l2tp.avp.cause_code", n(x.cause_code));
      add("l2tp.avp.cause_msg", n(x.cause_msg));
      if (!x.advisory.empty()) add("l2tp.avp.advisory_msg", str(x.advisory));
      break;
    }
    case avp_type::challenge_response:
      add("l2tp.avp.chap_challenge_response", plain_hex(*l2tp::decode_value<avp_type::challenge_response>(v)));
      break;
    case avp_type::assigned_session_id:
      add("l2tp.avp.assigned_session_id", n(*l2tp::decode_value<avp_type::assigned_session_id>(v)));
      break;
    case avp_type::call_serial_number:
      add("l2tp.avp.call_serial_number", n(*l2tp::decode_value<avp_type::call_serial_number>(v)));
      break;
    case avp_type::minimum_bps: add("l2tp.avp.minimum_bps", n(*l2tp::decode_value<avp_type::minimum_bps>(v))); break;
    case avp_type::maximum_bps: add("l2tp.avp.maximum_bps", n(*l2tp::decode_value<avp_type::maximum_bps>(v))); break;
    case avp_type::bearer_type: {
      auto x = *l2tp::decode_value<avp_type::bearer_type>(v);
      add("l2tp.avp.analog_bearer_type", bit(x & l2tp::bearer::analog));
      add("l2tp.avp.digital_bearer_type", bit(x & l2tp::bearer::digital));
      break;
    }
    case avp_type::framing_type: {
      auto x = *l2tp::decode_value<avp_type::framing_type>(v);
      add("l2tp.avp.async_framing_type", bit(x & l2tp::framing::async));
      add("l2tp.avp.sync_framing_type", bit(x & l2tp::framing::sync));
      break;
    }
    case avp_type::called_number:
      add("l2tp.avp.called_number", str(*l2tp::decode_value<avp_type::called_number>(v)));
      break;
    case avp_type::calling_number:
      add("l2tp.avp.calling_number", str(*l2tp::decode_value<avp_type::calling_number>(v)));
      break;
    case avp_type::sub_address: add("l2tp.avp.sub_address", str(*l2tp::decode_value<avp_type::sub_address>(v))); break;
    case avp_type::tx_connect_speed:
      add("l2tp.avp.connect_speed", n(*l2tp::decode_value<avp_type::tx_connect_speed>(v)));
      break;
    case avp_type::physical_channel_id:
      add("l2tp.avp.physical_channel", n(*l2tp::decode_value<avp_type::physical_channel_id>(v)));
      break;
    case avp_type::initial_received_lcp_confreq: add("l2tp.avp.initial_received_lcp_confreq", plain_hex(v)); break;
    case avp_type::last_sent_lcp_confreq: add("l2tp.avp.last_sent_lcp_confreq", plain_hex(v)); break;
    case avp_type::last_received_lcp_confreq: add("l2tp.avp.last_received_lcp_confreq", plain_hex(v)); break;
    case avp_type::proxy_authen_type:
      add("l2tp.avp.proxy_authen_type", n(*l2tp::decode_value<avp_type::proxy_authen_type>(v)));
      break;
    case avp_type::proxy_authen_name:
      add("l2tp.avp.proxy_authen_name", str(*l2tp::decode_value<avp_type::proxy_authen_name>(v)));
      break;
    case avp_type::proxy_authen_challenge:
      add("l2tp.avp.proxy_authen_challenge", plain_hex(*l2tp::decode_value<avp_type::proxy_authen_challenge>(v)));
      break;
    case avp_type::proxy_authen_id:
      add("l2tp.avp.proxy_authen_id", n(l2tp::decode_value<avp_type::proxy_authen_id>(v)->id));
      break;
    case avp_type::proxy_authen_response:
      add("l2tp.avp.proxy_authen_response", plain_hex(*l2tp::decode_value<avp_type::proxy_authen_response>(v)));
      break;
    case avp_type::call_errors: {
      auto x = *l2tp::decode_value<avp_type::call_errors>(v);
      add("l2tp.avp.crc_errors", n(x.crc_errors));
      add("l2tp.avp.framing_errors", n(x.framing_errors));
      add("l2tp.avp.hardware_overruns", n(x.hardware_overruns));
      add("l2tp.avp.buffer_overruns", n(x.buffer_overruns));
      add("l2tp.avp.time_out_errors", n(x.timeout_errors));
      add("l2tp.avp.alignment_errors", n(x.alignment_errors));
      break;
    }
    case avp_type::accm: {
      auto x = *l2tp::decode_value<avp_type::accm>(v);
      add("l2tp.avp.send_accm", n(x.send));
      add("l2tp.avp.receive_accm", n(x.receive));
      break;
    }
    case avp_type::random_vector: add("l2tp.avp.random_vector", plain_hex(v)); break;
    case avp_type::private_group_id: add("l2tp.avp.private_group_id", plain_hex(v)); break;
    case avp_type::rx_connect_speed:
      add("l2tp.avp.rx_connect_speed", n(*l2tp::decode_value<avp_type::rx_connect_speed>(v)));
      break;
    case avp_type::sequencing_required: break; // no value
    case avp_type::ppp_disconnect_cause_code: {
      auto x = *l2tp::decode_value<avp_type::ppp_disconnect_cause_code>(v);
      add("l2tp.avp.disconnect_code", n(x.code));
      add("l2tp.avp.control_protocol_number", n(x.protocol));
      add("l2tp.avp.cause_code_direction", n(x.direction));
      if (!x.message.empty()) add("l2tp.avp.cause_code_message", str(x.message));
      break;
    }
    }
  }
  return f;
}

struct corpus {
  std::vector<bytes> messages;
  std::vector<std::uint16_t> avp_types_used;
};

corpus build() {
  corpus c;
  crypto::openssl_md5 md5;
  std::uint16_t ns = 0;
  auto msg = [&](message_type t, auto &&fill) {
    bytes buf(2048);
    l2tp::message_writer w(buf);
    EXPECT_TRUE(w.begin({.tunnel_id = 0x1234, .session_id = 0x0042, .ns = ns++, .nr = 7}, t));
    fill(w);
    auto n = w.finish();
    EXPECT_TRUE(n) << l2tp::name(n.code());
    buf.resize(n ? *n : 0);
    c.messages.push_back(buf);
  };
  const auto chal = vpnwire_test::hex("00112233445566778899aabbccddeeff0102");
  const auto resp = vpnwire_test::hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  using A = avp_type;
  msg(message_type::sccrq, [&](auto &w) {
    (void)w.template add<A::protocol_version>({1, 0});
    (void)w.template add<A::host_name>(as_bytes("lac.example.net"));
    (void)w.template add<A::framing_capabilities>(l2tp::framing::async | l2tp::framing::sync);
    (void)w.template add<A::bearer_capabilities>(l2tp::bearer::analog);
    (void)w.template add<A::tie_breaker>(0x0102030405060708ULL);
    (void)w.template add<A::firmware_revision>(0x0690);
    (void)w.template add<A::vendor_name>(as_bytes("vpnwire"));
    (void)w.template add<A::assigned_tunnel_id>(4321);
    (void)w.template add<A::receive_window_size>(16);
    (void)w.template add<A::challenge>(chal);
  });
  msg(message_type::sccrp, [&](auto &w) {
    (void)w.template add<A::protocol_version>({1, 0});
    (void)w.template add<A::framing_capabilities>(l2tp::framing::sync);
    (void)w.template add<A::bearer_capabilities>(l2tp::bearer::digital | l2tp::bearer::analog);
    (void)w.template add<A::host_name>(as_bytes("lns"));
    (void)w.template add<A::assigned_tunnel_id>(1);
    (void)w.template add<A::challenge_response>(resp);
  });
  msg(message_type::scccn, [&](auto &w) { (void)w.template add<A::challenge_response>(resp); });
  msg(message_type::stopccn, [&](auto &w) {
    (void)w.template add<A::assigned_tunnel_id>(4321);
    (void)w.template add<A::result_code>({2, true, 8, as_bytes("unknown mandatory AVP")});
  });
  msg(message_type::hello, [&](auto &w) { (void)w.add_random_vector(vpnwire_test::hex("deadbeef0011")); });
  msg(message_type::ocrq, [&](auto &w) {
    (void)w.template add<A::assigned_session_id>(77);
    (void)w.template add<A::call_serial_number>(123456789);
    (void)w.template add<A::minimum_bps>(9600);
    (void)w.template add<A::maximum_bps>(64000);
    (void)w.template add<A::bearer_type>(l2tp::bearer::digital);
    (void)w.template add<A::framing_type>(l2tp::framing::async);
    (void)w.template add<A::called_number>(as_bytes("5550100"));
    (void)w.template add<A::sub_address>(as_bytes("12"));
  });
  msg(message_type::ocrp, [&](auto &w) {
    (void)w.template add<A::assigned_session_id>(78);
    (void)w.template add<A::physical_channel_id>(0xABCDEF);
  });
  msg(message_type::occn, [&](auto &w) {
    (void)w.template add<A::tx_connect_speed>(115200);
    (void)w.template add<A::framing_type>(l2tp::framing::sync);
    (void)w.template add<A::rx_connect_speed>(57600);
    (void)w.template add<A::sequencing_required>({});
  });
  msg(message_type::icrq, [&](auto &w) {
    (void)w.template add<A::assigned_session_id>(79);
    (void)w.template add<A::call_serial_number>(42);
    (void)w.template add<A::bearer_type>(l2tp::bearer::analog);
    (void)w.template add<A::physical_channel_id>(3);
    (void)w.template add<A::calling_number>(as_bytes("5551234"));
    (void)w.template add<A::called_number>(as_bytes("5554321"));
    (void)w.template add<A::sub_address>(as_bytes("sub"));
  });
  msg(message_type::icrp, [&](auto &w) { (void)w.template add<A::assigned_session_id>(80); });
  msg(message_type::iccn, [&](auto &w) {
    (void)w.template add<A::tx_connect_speed>(10000000);
    (void)w.template add<A::framing_type>(l2tp::framing::sync);
    (void)w.template add<A::initial_received_lcp_confreq>(vpnwire_test::hex("0104058a0506a1b2c3d4"));
    (void)w.template add<A::last_sent_lcp_confreq>(vpnwire_test::hex("010405dc"));
    (void)w.template add<A::last_received_lcp_confreq>(vpnwire_test::hex("0305c22305"));
    (void)w.template add<A::proxy_authen_type>(2);
    (void)w.template add<A::proxy_authen_name>(as_bytes("user@example.net"));
    (void)w.template add<A::proxy_authen_challenge>(vpnwire_test::hex("0f0e0d0c0b0a09080706050403020100"));
    (void)w.template add<A::proxy_authen_id>({0x2A});
    (void)w.template add<A::proxy_authen_response>(vpnwire_test::hex("99887766554433221100ffeeddccbbaa"));
    (void)w.template add<A::private_group_id>(vpnwire_test::hex("47726f7570"));
    (void)w.template add<A::rx_connect_speed>(5000000);
    (void)w.template add<A::sequencing_required>({});
  });
  msg(message_type::cdn, [&](auto &w) {
    (void)w.template add<A::result_code>({3, false, 0, {}});
    (void)w.template add<A::assigned_session_id>(81);
    (void)w.template add<A::q931_cause_code>({16, 0x45, as_bytes("normal clearing")});
    (void)w.template add<A::ppp_disconnect_cause_code>({3, 0xC021, 1, as_bytes("peer terminated")});
  });
  msg(message_type::wen, [&](auto &w) { (void)w.template add<A::call_errors>({1, 2, 3, 4, 5, 6}); });
  msg(message_type::sli, [&](auto &w) { (void)w.template add<A::accm>({0xFFFFFFFF, 0x000A0000}); });
  // a hidden AVP (tshark shows its flags, length and type; it cannot decrypt it)
  msg(message_type::icrp, [&](auto &w) {
    (void)w.add_random_vector(vpnwire_test::hex("00112233445566778899aabbccddeeff"));
    (void)w.template add_hidden<A::assigned_session_id>(md5, as_bytes("secret"), 82, vpnwire_test::hex("0102"));
  });
  // ZLB
  {
    bytes buf(64);
    l2tp::message_writer w(buf);
    EXPECT_TRUE(w.begin_zlb({.tunnel_id = 0x1234, .session_id = 0, .ns = ns, .nr = 9}));
    auto n = w.finish();
    buf.resize(n ? *n : 0);
    c.messages.push_back(buf);
  }
  // data message with L, S, O (3 pad bytes) and P
  {
    bytes buf(64);
    l2tp::header_fields f;
    f.with_length = f.with_sequence = f.with_offset = f.priority = true;
    f.tunnel_id = 0x1234;
    f.session_id = 81;
    f.ns = 5;
    f.nr = 0;
    f.offset_size = 3;
    const auto ppp = vpnwire_test::hex("ff03c021010100040000");
    auto n = l2tp::build_header(buf, f, ppp.size());
    EXPECT_TRUE(n);
    std::copy(ppp.begin(), ppp.end(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    buf.resize(*n + ppp.size());
    c.messages.push_back(buf);
  }
  return c;
}

} // namespace

TEST(L2tpInteropTshark, DissectionMatchesOurParserFieldByField) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  const corpus c = build();
  const char *bindir = std::getenv("VPNWIRE_BINARY_DIR");
  const std::string path = std::string(bindir ? bindir : ".") + "/l2tp_interop_tshark.pcap";
  {
    std::ofstream out(path, std::ios::binary);
    out << pcap_of(c.messages);
  }
  const auto packets = run_tshark(path);
  ASSERT_EQ(packets.size(), c.messages.size());
  std::set<std::string> types_seen;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const fields mine = ours(c.messages[i]);
    for (const auto &name : field_names) {
      const auto t = packets[i].find(name);
      const auto o = mine.find(name);
      const std::vector<std::string> empty;
      EXPECT_EQ(o == mine.end() ? empty : o->second, t == packets[i].end() ? empty : t->second)
          << "packet " << i + 1 << " field " << name;
    }
    if (auto t = packets[i].find("l2tp.avp.type"); t != packets[i].end())
      for (const auto &v : t->second) types_seen.insert(v);
  }
  // every catalogue type went through tshark
  for (std::uint16_t t = 0; t < l2tp::avp_type_slots; ++t)
    if (l2tp::avp_catalogue(t).known) {
      EXPECT_TRUE(types_seen.count(std::to_string(t))) << "AVP type " << t;
    }
  // The catalogue's main Wireshark field of every plain IETF AVP is one
  // tshark reported for that packet (the key the CLI's JSON uses).
  for (std::size_t i = 0; i < packets.size(); ++i) {
    auto h = l2tp::parse_header(c.messages[i]);
    ASSERT_TRUE(h);
    if (!h->is_control()) continue;
    for (const l2tp::avp_view &a : l2tp::avp_reader(h->payload())) {
      if (a.hidden() || !a.is_ietf()) continue;
      const std::string_view key = l2tp::wireshark_field(a.type());
      if (key.empty()) continue;
      EXPECT_TRUE(packets[i].count(std::string(key))) << "packet " << i + 1 << " AVP " << a.type() << " " << key;
    }
  }
}

// Every Wireshark field name in the AVP catalogue is one tshark 4.0 knows.
TEST(L2tpTshark, CatalogueFieldNamesAreTsharkFields) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  std::set<std::string> known;
  if (FILE *p = popen("tshark -G fields 2>/dev/null", "r")) {
    std::string all;
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) all.append(buf.data(), n);
    pclose(p);
    std::istringstream lines(all);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream cols(line);
      std::string kind, display, abbrev;
      std::getline(cols, kind, '\t');
      std::getline(cols, display, '\t');
      std::getline(cols, abbrev, '\t');
      known.insert(abbrev);
    }
  }
  ASSERT_GT(known.size(), 1000U);
  std::size_t checked = 0;
  for (std::uint16_t t = 0; t < l2tp::avp_type_slots; ++t)
    for (std::size_t i = 0; i < l2tp::max_wireshark_fields; ++i) {
      const std::string_view f = l2tp::wireshark_field(t, i);
      if (f.empty()) continue;
      EXPECT_TRUE(known.count(std::string(f))) << "AVP " << t << " field " << i << ": " << f;
      ++checked;
    }
  EXPECT_GE(checked, 50U); // the walk found the table
}
