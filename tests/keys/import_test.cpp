// Key import (examples/vpnwire/keys/) on samples laid out exactly as the
// tools print them (tests/data/keys/, each written from the tool's printing
// code: iproute2 ip/ipxfrm.c, KAME libipsec/pfkey_dump.c, tcpdump
// print-esp.c's reader, Wireshark uat.c's putfld), field by field; every
// skipped algorithm is named; malformed input is refused with file, line and
// column; conversion between formats reads back to the same SAs; SA matching
// by SPI and addresses; the `vpnwire keys` command.
#include "keys/cli_option.hpp"
#include "keys/command.hpp"
#include "keys/export.hpp"
#include "keys/import.hpp"

#include "test_bytes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

using namespace vpnwire_cli;
using namespace vpnwire_cli::keys;
namespace esp = vpnwire::esp;
using vpnwire_test::to_hex;

namespace {

std::string sample(const std::string &name) {
  const char *src = std::getenv("VPNWIRE_SOURCE_DIR");
  std::ifstream f(std::string(src != nullptr ? src : ".") + "/tests/data/keys/" + name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const imported_sa *by_spi(const import_result &r, std::uint32_t spi) {
  for (const auto &sa : r.sas)
    if (!sa.any_spi && sa.config.spi == spi) return &sa;
  return nullptr;
}

bool noted(const import_result &r, std::size_t line, const std::string &needle) {
  for (const auto &n : r.notes)
    if (n.line == line && n.message.find(needle) != std::string::npos) return true;
  return false;
}

std::string all_notes(const import_result &r) {
  std::string s;
  for (const auto &n : r.notes) s += n.text() + "\n";
  return s;
}

// The sample files were generated from fixed tags; the keys here are copied
// from the files as the tools printed them.
TEST(KeysIpXfrm, ReadsEveryStateOfIproute2Output) {
  const auto text = sample("ip_xfrm_state.txt");
  ASSERT_EQ(detect_format(text), format::ip_xfrm);
  const auto r = import_keys(text, "ip_xfrm_state.txt");
  ASSERT_TRUE(r.ok()) << r.error->text();
  EXPECT_EQ(r.source_format, format::ip_xfrm);
  ASSERT_EQ(r.sas.size(), 8U) << all_notes(r);

  const auto *a = by_spi(r, 0xc1a0f001);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->source.text(), "192.0.2.1");
  EXPECT_EQ(a->destination.text(), "192.0.2.2");
  EXPECT_EQ(a->config.cipher, esp::cipher::aes_cbc);
  EXPECT_EQ(a->config.key_bits, 128);
  EXPECT_EQ(a->config.integrity, esp::integrity::hmac_sha256_128);
  EXPECT_EQ(a->config.mode, esp::sa_mode::tunnel);
  EXPECT_TRUE(a->mode_known);
  EXPECT_FALSE(a->config.esn);
  EXPECT_FALSE(a->config.udp_encap);
  EXPECT_EQ(a->reqid, 1U);
  EXPECT_EQ(a->line, 1U);
  EXPECT_EQ(a->file, "ip_xfrm_state.txt");
  EXPECT_EQ(to_hex(a->cipher_key), "fd2774ec77edd78cd181b4fb165f7e69");
  EXPECT_EQ(to_hex(a->integrity_key), "a43c54b2fed3cbc6bf1abad136daac60523d83a441835f216688ca510dc990b8");
  EXPECT_TRUE(a->verifiable());

  const auto *g = by_spi(r, 0xc1a0f002);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->config.cipher, esp::cipher::aes_gcm);
  EXPECT_EQ(g->config.key_bits, 128);
  EXPECT_EQ(g->config.aead_icv_size, 16);
  EXPECT_EQ(g->cipher_key.size(), 20U); // with the salt
  EXPECT_TRUE(g->config.esn);
  EXPECT_TRUE(g->config.udp_encap);
  EXPECT_EQ(g->config.udp_source_port, 4500);
  EXPECT_EQ(g->config.udp_destination_port, 4500);

  const auto *l = by_spi(r, 0x0000de5a);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->config.cipher, esp::cipher::des3_cbc);
  EXPECT_EQ(l->config.integrity, esp::integrity::hmac_md5_96);
  EXPECT_EQ(l->config.mode, esp::sa_mode::transport);
  EXPECT_TRUE(l->config.is_deprecated());

  const auto *s = by_spi(r, 0xc1a0f004);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->source.family, address::family_t::ipv6);
  EXPECT_EQ(s->destination.text(), "2001:db8::2");
  EXPECT_EQ(s->config.key_bits, 256);
  EXPECT_EQ(s->config.integrity, esp::integrity::hmac_sha1_160);
  EXPECT_EQ(s->config.icv_size(), 20U);

  EXPECT_EQ(by_spi(r, 0xc1a0f005)->config.cipher, esp::cipher::chacha20_poly1305);
  EXPECT_EQ(by_spi(r, 0xc1a0f006)->config.cipher, esp::cipher::aes_ctr);
  EXPECT_EQ(by_spi(r, 0xc1a0f006)->config.integrity, esp::integrity::hmac_sha512_256);
  EXPECT_EQ(by_spi(r, 0xc1a0f007)->config.aead_icv_size, 12);
  EXPECT_EQ(by_spi(r, 0xc1a0f007)->config.key_bits, 256);
  const auto *n = by_spi(r, 0xc1a0f008);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->config.cipher, esp::cipher::null);
  EXPECT_TRUE(n->cipher_key.empty());

  // Skipped, each by name, the rest still loaded.
  EXPECT_EQ(by_spi(r, 0xc1a0f009), nullptr);
  EXPECT_TRUE(noted(r, 62, "enc cbc(camellia) is not an algorithm vpnwire implements")) << all_notes(r);
  EXPECT_TRUE(noted(r, 68, "auth hmac(sha256) (Linux truncates it to 96 bits without auth-trunc)")) << all_notes(r);
  EXPECT_TRUE(noted(r, 72, "proto ah is not ESP")) << all_notes(r);
  EXPECT_EQ(r.notes.size(), 3U) << all_notes(r);
}

TEST(KeysIpXfrm, ReadsTheStatisticsVariant) {
  const auto r = import_keys(sample("ip_s_xfrm_state.txt"), "s");
  ASSERT_TRUE(r.ok()) << r.error->text();
  ASSERT_EQ(r.sas.size(), 1U);
  EXPECT_TRUE(r.notes.empty()) << all_notes(r);
  const auto plain = import_keys(sample("ip_xfrm_state.txt"), "p");
  const auto *a = by_spi(plain, 0xc1a0f001);
  EXPECT_EQ(r.sas[0].config.spi, 0xc1a0f001U);
  EXPECT_EQ(r.sas[0].reqid, 1U);
  EXPECT_EQ(r.sas[0].cipher_key, a->cipher_key);
  EXPECT_EQ(r.sas[0].integrity_key, a->integrity_key);
  EXPECT_EQ(r.sas[0].config.integrity, a->config.integrity);
}

TEST(KeysSetkey, ReadsFreeBsdDumpWithContinuedKeys) {
  const auto text = sample("setkey_D.txt");
  ASSERT_EQ(detect_format(text), format::setkey);
  const auto r = import_keys(text, "setkey_D.txt");
  ASSERT_TRUE(r.ok()) << r.error->text();
  ASSERT_EQ(r.sas.size(), 5U) << all_notes(r);
  const auto *a = by_spi(r, 0xc1a0f301);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->config.cipher, esp::cipher::des3_cbc);
  EXPECT_EQ(a->config.integrity, esp::integrity::hmac_md5_96);
  EXPECT_EQ(to_hex(a->cipher_key), "9b6a34b3840b8ebd388f7cfe8be402eca20a3b549b3940b3");
  EXPECT_EQ(to_hex(a->integrity_key), "9264b51f2536b30c19fc014744a44701");
  EXPECT_EQ(a->config.mode, esp::sa_mode::transport);
  EXPECT_EQ(a->source.text(), "192.0.2.2");
  const auto *g = by_spi(r, 0xc1a0f303);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->config.cipher, esp::cipher::aes_gcm);
  EXPECT_EQ(g->cipher_key.size(), 36U); // 32 bytes on the E: line, 4 on the next
  EXPECT_EQ(g->config.key_bits, 256);
  EXPECT_TRUE(g->config.udp_encap);
  EXPECT_TRUE(g->config.esn); // flags 0x440: SADB_X_SAFLAGS_ESN
  EXPECT_EQ(g->config.udp_source_port, 4500);
  const auto *c = by_spi(r, 0xc1a0f304);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->config.cipher, esp::cipher::aes_ctr);
  EXPECT_EQ(c->integrity_key.size(), 64U); // continued on a second line
  EXPECT_EQ(by_spi(r, 0xc1a0f307)->destination.text(), "2001:db8::2");
  EXPECT_EQ(by_spi(r, 0xc1a0f307)->config.key_bits, 256);
  EXPECT_TRUE(noted(r, 46, "an ah SA, not ESP")) << all_notes(r);
  EXPECT_TRUE(noted(r, 58, "E: blowfish-cbc is not an algorithm vpnwire implements")) << all_notes(r);
  EXPECT_EQ(r.notes.size(), 2U) << all_notes(r);
}

TEST(KeysSetkey, ReadsKameOfTheFreeBsd6Era) {
  const auto text = sample("setkey_D_kame.txt");
  ASSERT_EQ(detect_format(text), format::setkey);
  const auto r = import_keys(text, "kame");
  ASSERT_TRUE(r.ok()) << r.error->text();
  ASSERT_EQ(r.sas.size(), 2U) << all_notes(r);
  EXPECT_EQ(r.sas[0].config.cipher, esp::cipher::aes_cbc); // rijndael-cbc
  EXPECT_EQ(r.sas[0].config.integrity, esp::integrity::hmac_sha1_96);
  EXPECT_EQ(r.sas[1].config.cipher, esp::cipher::des3_cbc);
  EXPECT_EQ(r.sas[1].source.text(), "10.0.0.2");
  EXPECT_EQ(import_keys("No SAD entries.\n", "empty").sas.size(), 0U);
  EXPECT_TRUE(import_keys("No SAD entries.\n", "empty").ok());
}

TEST(KeysTcpdump, ReadsASecretsFileAsTcpdumpDoes) {
  const auto text = sample("tcpdump_secrets.txt");
  ASSERT_EQ(detect_format(text), format::tcpdump);
  const auto r = import_keys(text, "secrets");
  ASSERT_TRUE(r.ok()) << r.error->text();
  ASSERT_EQ(r.sas.size(), 4U) << all_notes(r);
  const auto *a = by_spi(r, 0xc1a0f501);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->config.cipher, esp::cipher::des3_cbc);
  EXPECT_EQ(a->config.icv_size(), 12U); // -hmac96
  EXPECT_FALSE(a->integrity_algorithm_known);
  EXPECT_TRUE(a->integrity_key.empty());
  EXPECT_FALSE(a->verifiable());
  EXPECT_EQ(a->destination.text(), "192.0.2.2");
  EXPECT_TRUE(a->source.is_any());
  EXPECT_FALSE(a->mode_known);
  const auto *b = by_spi(r, 0xc1a0f502);
  EXPECT_EQ(b->destination.text(), "2001:db8::2");
  EXPECT_EQ(b->config.key_bits, 256);
  const auto *t = by_spi(r, 0xc1a0f503);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->config.icv_size(), 0U); // no -hmac96: no ICV
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(t->cipher_key.data()), t->cipher_key.size()),
            "vpnwire-secret16");
  const auto &d = r.sas.back();
  EXPECT_TRUE(d.any_spi);
  EXPECT_EQ(d.config.key_bits, 192);
  EXPECT_TRUE(noted(r, 5, "an IKEv2 SA key line")) << all_notes(r);
  EXPECT_TRUE(noted(r, 6, "'blowfish-cbc-hmac96' is not an algorithm vpnwire implements")) << all_notes(r);
}

TEST(KeysTcpdump, CommandLineArgumentFormAndStrtoulSpis) {
  const auto r = parse_tcpdump_argument(
      "010@192.0.2.9 3des-cbc:0x" + std::string(48, 'a') + ",0x20@192.0.2.9 aes128-cbc-hmac96:0x" +
      std::string(32, 'b') + ",aes256-cbc:0x" + std::string(64, 'c') + ",aes128-cbc:0x" + std::string(32, 'd'));
  ASSERT_TRUE(r.ok()) << r.error->text();
  ASSERT_EQ(r.sas.size(), 3U);        // the second default secret replaced the first
  EXPECT_EQ(r.sas[0].config.spi, 8U); // leading 0: octal, as strtoul(…, 0)
  EXPECT_EQ(r.sas[1].config.spi, 0x20U);
  EXPECT_EQ(r.sas[2].config.key_bits, 128);
  EXPECT_TRUE(noted(r, 1, "replaces the one on line 1"));
}

TEST(KeysWireshark, ReadsTheUatFileWiresharkWrites) {
  const auto text = sample("esp_sa");
  ASSERT_EQ(detect_format(text), format::wireshark);
  const auto r = import_keys(text, "esp_sa");
  ASSERT_TRUE(r.ok()) << r.error->text();
  ASSERT_EQ(r.sas.size(), 6U) << all_notes(r);
  const auto *a = by_spi(r, 0xc1a0f601);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->config.integrity, esp::integrity::hmac_sha256_128);
  EXPECT_TRUE(a->verifiable());
  EXPECT_FALSE(a->mode_known);
  const auto *l = by_spi(r, 0xc1a0f602);
  EXPECT_EQ(l->config.cipher, esp::cipher::des3_cbc);
  EXPECT_TRUE(l->source.is_any());
  const auto *g = by_spi(r, 0xc1a0f603);
  EXPECT_EQ(g->config.cipher, esp::cipher::aes_gcm);
  EXPECT_EQ(g->config.aead_icv_size, 16);
  EXPECT_EQ(g->source.family, address::family_t::ipv6);
  const auto *w = by_spi(r, 0xc1a0f604);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->source.text(), "192.0.2.*");
  EXPECT_EQ(w->config.key_bits, 192);
  EXPECT_FALSE(w->integrity_algorithm_known); // "ANY 96 bit": length only
  EXPECT_EQ(w->config.icv_size(), 12U);
  // The text key with escaped quotes, for any SPI.
  const imported_sa *any = nullptr;
  for (const auto &sa : r.sas)
    if (sa.any_spi) any = &sa;
  ASSERT_NE(any, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(any->cipher_key.data()), any->cipher_key.size()),
            "my \"ESP\" key 16!");
  EXPECT_EQ(by_spi(r, 0xc1a0f607)->config.cipher, esp::cipher::null);
  EXPECT_TRUE(noted(r, 7, "encryption 'BLOWFISH-CBC [RFC2451]' is not an algorithm vpnwire implements"))
      << all_notes(r);
}

// ---------------------------------------------------------------- errors

struct bad_input {
  std::string text;
  std::size_t line, column;
  std::string message;
};

void expect_error(format f, const bad_input &b) {
  SCOPED_TRACE(b.text);
  const auto r = parse_keys(f, b.text, "bad.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.sas.empty());
  EXPECT_EQ(r.error->file, "bad.txt");
  EXPECT_EQ(r.error->line, b.line);
  EXPECT_EQ(r.error->column, b.column);
  EXPECT_NE(r.error->message.find(b.message), std::string::npos) << r.error->message;
  EXPECT_EQ(r.error->text().find("bad.txt:" + std::to_string(b.line) + ":" + std::to_string(b.column) + ": "), 0U);
}

TEST(KeysErrors, IpXfrmLinesAreRefusedWithLineAndColumn) {
  const std::string head = "src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1000 reqid 1 mode tunnel\n";
  for (const auto &b : std::vector<bad_input>{
           {"hello\n", 1, 1, "expected a state's first line"},
           {"\tproto esp spi 0x1000\n", 1, 1, "before any 'src ADDRESS dst ADDRESS'"},
           {"src 192.0.2.1 dst 300.0.2.2\n", 1, 19, "not an IP address: '300.0.2.2'"},
           {"src 192.0.2.1 dst 2001:db8::1\n", 1, 19, "different address families"},
           {head + "\tenc cbc(aes) 0x0011\n", 3, 15, "the key for cbc(aes) is 2 bytes; it takes 16, 24 or 32"},
           {head + "\tenc cbc(aes) 00112233445566778899aabbccddeeff\n", 3, 15, "is not 0x and hex digits"},
           {head + "\tenc cbc(aes) 0x0011223\n", 3, 15, "is not 0x and hex digits"},
           {head + "\tauth-trunc hmac(sha1) 0x00\n", 3, 2, "auth-trunc takes NAME 0xKEY BITS"},
           {"src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1zz0 reqid 1 mode tunnel\n", 2, 16, "spi '0x1zz0'"},
           {"src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi\n", 2, 12, "'spi' without a value"},
           {head + "\tencap type espinudp sport 4500\n", 3, 2, "expected 'encap type TYPE"},
           {head + "\tenc cbc(aes) 0x" + std::string(32, '0') + "\n\tenc cbc(aes) 0x" + std::string(32, '0') + "\n", 4,
            2, "enc given twice"},
           {"src 192.0.2.1 dst 192.0.2.2\n\treplay-window 0\n", 1, 1, "without its 'proto"},
           {head, 1, 1, "without an enc or aead line"},
           {head + "\tenc cbc(aes) 0x" + std::string(32, '0') + "\x01\n", 3, 49, "control character"},
       })
    expect_error(format::ip_xfrm, b);
}

TEST(KeysErrors, SetkeyLinesAreRefusedWithLineAndColumn) {
  const std::string head = "192.0.2.1 192.0.2.2\n\tesp mode=tunnel spi=4096(0x00001000) reqid=0(0x00000000)\n";
  for (const auto &b : std::vector<bad_input>{
           {"192.0.2.1\n", 1, 1, "expected an SA's first line"},
           {"192.0.2.1 192.0.2.256\n", 1, 11, "not an address[port]"},
           {"192.0.2.1[45000000] 192.0.2.2\n", 1, 1, "not an address[port]"},
           {"192.0.2.1 192.0.2.2\n\tesp mode=tunnel spi=4096(0x00001001) reqid=0(0x00000000)\n", 2, 22,
            "is not DECIMAL(0xHEX)"},
           {"192.0.2.1 192.0.2.2\n\tesp mode=tunnel reqid=0(0x00000000)\n", 2, 2, "without spi="},
           {"192.0.2.1 192.0.2.2\n\tesp mode=tunnel spi=4096(0x00001000) cipher\n", 2, 39, "expected NAME=VALUE"},
           {head + "\tE: aes-cbc  0011223g\n", 3, 14, "not a hex key group"},
           {head + "\tE: aes-cbc  00112233\n", 3, 14, "the key for aes-cbc is 4 bytes"},
           {head + "\tE: aes-cbc  001122\n 3\n", 3, 14, "odd number of hex digits"},
           {head + "\tE: aes-cbc  00112233 44556677 8899aabb ccddeeff\n\tA: hmac-sha1  00\n", 4, 16,
            "the key for hmac-sha1 is 1 bytes; it takes 20"},
           {"\tesp mode=tunnel\n", 1, 1, "before any SA's"},
       })
    expect_error(format::setkey, b);
}

TEST(KeysErrors, TcpdumpLinesAreRefusedWithLineAndColumn) {
  for (const auto &b : std::vector<bad_input>{
           {"# x\n0x10@192.0.2.1 3des-cbc\n", 2, 16, "expected ALGORITHM:SECRET"},
           {"0x10 3des-cbc:0x00\n", 1, 1, "expected SPI@ADDRESS"},
           {"0x1g@192.0.2.1 3des-cbc:0x00\n", 1, 1, "SPI '0x1g'"},
           {"0x10@192.0.2 3des-cbc:0x00\n", 1, 6, "not an IP address: '192.0.2'"},
           {"0x10@192.0.2.1 3des-cbc:0x001\n", 1, 25, "is not 0x and an even number of hex digits"},
           {"0x10@192.0.2.1 3des-cbc:0x\n", 1, 25, "is not 0x and an even number"},
           {"0x10@192.0.2.1 aes128-cbc:short\n", 1, 27, "the key for aes128-cbc is 5 bytes; it takes 16, 24 or 32"},
       })
    expect_error(format::tcpdump, b);
}

TEST(KeysErrors, WiresharkLinesAreRefusedWithLineAndColumn) {
  const std::string ok_tail = "\"AES-CBC [RFC3602]\",\"0x00112233445566778899aabbccddeeff\",\"NULL\",\"\"";
  for (const auto &b : std::vector<bad_input>{
           {"\"IPv4\",\"*\",\"*\",\"*\",\"NULL\",\"\",\"NULL\"\n", 1, 36, "an esp_sa record has 8 fields"},
           {"\"IPv4\",\"*\",\"*\",\"*\",\"NULL\",\"\",\"NULL\",\"\",\"x\"\n", 1, 40, "this one 9"},
           {"\"IPv4\",\"*\n", 1, 8, "not a UAT record"},
           {"\"IPv4\" \"*\"\n", 1, 8, "not a UAT record"},
           {"# header\n\"IPX\",\"*\",\"*\",\"*\"," + ok_tail + "\n", 2, 1, "protocol 'IPX' is not IPv4 or IPv6"},
           {"\"IPv4\",\"2001:db8::1\",\"*\",\"*\"," + ok_tail + "\n", 1, 8, "is not an IPv4 address"},
           {"\"IPv4\",\"*\",\"*\",\"0xfffffffff\"," + ok_tail + "\n", 1, 16, "is not a 32-bit number or '*'"},
           {"\"IPv4\",\"*\",\"*\",\"*\",\"AES-CBC [RFC3602]\",\"0x0\",\"NULL\",\"\"\n", 1, 40, "even number of hex"},
           {"\"IPv4\",\"*\",\"*\",\"*\",\"AES-CBC [RFC3602]\",\"0x00\",\"NULL\",\"\"\n", 1, 40,
            "the key for AES-CBC [RFC3602] is 1 bytes"},
       })
    expect_error(format::wireshark, b);
}

TEST(KeysErrors, UnknownFormatAndControlCharacters) {
  const auto r = import_keys("\n# notes\nsomething else entirely\n", "x.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->line, 3U);
  EXPECT_EQ(r.error->column, 1U);
  EXPECT_NE(r.error->message.find("cannot tell the key format"), std::string::npos);
  const auto e = import_keys("", "empty.txt");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error->line, 1U);
  // A file name with a control character prints escaped, on one line.
  diagnostic d{"a\nb", 1, 2, "m"};
  EXPECT_EQ(d.text(), "a\\x0ab:1:2: m");
}

// ---------------------------------------------------------------- conversion

void expect_same_sa(const imported_sa &a, const imported_sa &b, bool addresses = true) {
  EXPECT_EQ(a.config.spi, b.config.spi);
  EXPECT_EQ(a.any_spi, b.any_spi);
  EXPECT_EQ(a.config.cipher, b.config.cipher);
  EXPECT_EQ(a.config.key_bits, b.config.key_bits);
  EXPECT_EQ(a.config.is_aead() ? a.config.aead_icv_size : 0, b.config.is_aead() ? b.config.aead_icv_size : 0);
  EXPECT_EQ(a.config.integrity, b.config.integrity);
  EXPECT_EQ(a.cipher_key, b.cipher_key);
  EXPECT_EQ(a.integrity_key, b.integrity_key);
  if (addresses) {
    EXPECT_EQ(a.destination, b.destination);
  }
}

std::vector<imported_sa> every_sample_sa() {
  std::vector<imported_sa> all;
  for (const char *f : {"ip_xfrm_state.txt", "setkey_D.txt", "setkey_D_kame.txt", "tcpdump_secrets.txt", "esp_sa"}) {
    auto r = import_keys(sample(f), f);
    for (auto &sa : r.sas) all.push_back(std::move(sa));
  }
  return all;
}

TEST(KeysConvert, WiresharkFileReadsBackToTheSameSas) {
  const auto all = every_sample_sa();
  const auto w = to_wireshark(all);
  const auto back = parse_wireshark(w.text, "converted");
  ASSERT_TRUE(back.ok()) << back.error->text() << "\n" << w.text;
  // Left out: ChaCha20 (ip xfrm 5), SHA1-160 (ip xfrm 4): Wireshark cannot.
  ASSERT_EQ(w.notes.size(), 2U);
  EXPECT_NE(w.notes[0].message.find("Wireshark has no hmac_sha1_160 authentication"), std::string::npos);
  EXPECT_NE(w.notes[1].message.find("Wireshark has no chacha20_poly1305 decryption"), std::string::npos);
  // Written most specific first (Wireshark takes the first matching record).
  auto ordered = all;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const imported_sa &a, const imported_sa &b) { return a.specificity() > b.specificity(); });
  EXPECT_TRUE(ordered.back().any_spi);
  std::size_t j = 0;
  for (const auto &sa : ordered) {
    if (sa.config.cipher == esp::cipher::chacha20_poly1305 || sa.config.integrity == esp::integrity::hmac_sha1_160)
      continue;
    const std::size_t rows = sa.source.is_any() && sa.destination.is_any() ? 2 : 1;
    for (std::size_t k = 0; k < rows; ++k) {
      ASSERT_LT(j, back.sas.size());
      SCOPED_TRACE(sa.file + ":" + std::to_string(sa.line));
      expect_same_sa(sa, back.sas[j], !sa.destination.is_any());
      EXPECT_EQ(sa.integrity_algorithm_known, back.sas[j].integrity_algorithm_known);
      ++j;
    }
  }
  EXPECT_EQ(j, back.sas.size());
}

TEST(KeysConvert, TcpdumpFileReadsBackToTheSameCiphers) {
  const auto all = every_sample_sa();
  const auto t = to_tcpdump(all);
  const auto back = parse_tcpdump(t.text, "converted");
  ASSERT_TRUE(back.ok()) << back.error->text() << "\n" << t.text;
  std::size_t j = 0;
  bool have_default = false;
  for (const auto &sa : all) {
    const bool cbc = sa.config.cipher == esp::cipher::aes_cbc || sa.config.cipher == esp::cipher::des3_cbc;
    const std::size_t icv = sa.config.icv_size();
    if (!cbc || (icv != 0 && icv != 12) || sa.destination.is_any() != sa.any_spi || sa.destination.has_wildcards())
      continue;
    if (sa.any_spi && std::exchange(have_default, true)) continue; // tcpdump has one default secret
    ASSERT_LT(j, back.sas.size());
    SCOPED_TRACE(sa.file + ":" + std::to_string(sa.line));
    EXPECT_EQ(back.sas[j].config.cipher, sa.config.cipher);
    EXPECT_EQ(back.sas[j].config.key_bits, sa.config.key_bits);
    EXPECT_EQ(back.sas[j].cipher_key, sa.cipher_key);
    EXPECT_EQ(back.sas[j].config.icv_size(), icv);
    EXPECT_EQ(back.sas[j].destination, sa.destination);
    EXPECT_EQ(back.sas[j].config.spi, sa.config.spi);
    ++j;
  }
  EXPECT_EQ(j, back.sas.size());
  EXPECT_GE(j, 8U);
  EXPECT_EQ(t.notes.size(), all.size() - j);
}

TEST(KeysConvert, EspSaOptionsParseWithTheCliParser) {
  const auto all = every_sample_sa();
  const auto e = to_esp_sa_options(all);
  std::istringstream lines(e.text);
  std::string line;
  std::size_t n = 0;
  std::vector<std::string_view> args;
  std::vector<std::string> store;
  while (std::getline(lines, line)) {
    ASSERT_EQ(line.rfind("--esp-sa spi=", 0), 0U) << line;
    store.push_back(line.substr(9));
    ++n;
  }
  for (const auto &s : store) {
    args.push_back("--esp-sa");
    args.push_back(s);
  }
  args.push_back("capture.pcap");
  auto parsed_args = parse_decode_args(args);
  ASSERT_TRUE(parsed_args) << parsed_args.error;
  ASSERT_EQ(parsed_args.value.sas.size(), n);
  // Every SA --esp-sa can express came through, with its keys.
  std::size_t expressible = 0;
  for (const auto &sa : all) {
    std::string why;
    auto o = to_esp_sa_option(sa, &why);
    if (!o) {
      EXPECT_FALSE(why.empty());
      continue;
    }
    ++expressible;
    EXPECT_EQ(o->spi, sa.config.spi);
    std::vector<std::byte> material(o->key);
    material.insert(material.end(), o->salt.begin(), o->salt.begin() + (info(o->enc).salted ? 4 : 0));
    EXPECT_EQ(material, sa.cipher_key);
    EXPECT_EQ(o->auth_key, sa.integrity_key);
    EXPECT_EQ(o->esn, sa.config.esn);
  }
  EXPECT_EQ(expressible, n);
  EXPECT_GE(n, 10U);
  EXPECT_EQ(e.notes.size(), all.size() - n);
}

// ---------------------------------------------------------------- matching

TEST(KeysMatch, BySpiAndByTheAddressesTheFileGives) {
  auto r = import_keys(sample("esp_sa"), "esp_sa");
  ASSERT_TRUE(r.ok());
  const std::array<std::uint8_t, 4> a1{192, 0, 2, 1}, a2{192, 0, 2, 2}, a7{192, 0, 2, 7}, other{198, 51, 100, 1};
  // Exact addresses.
  auto *m = find_sa(r.sas, 0xc1a0f601, a1, a2);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->config.spi, 0xc1a0f601U);
  // Same SPI, other addresses: only the any-SPI wildcard SA matches.
  m = find_sa(r.sas, 0xc1a0f601, other, a2);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->any_spi);
  // A wildcard octet.
  m = find_sa(r.sas, 0xc1a0f604, a7, a2);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->config.spi, 0xc1a0f604U);
  m = find_sa(r.sas, 0xc1a0f604, a2, a7);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->any_spi); // destination 192.0.2.7 is not the SA's
  // IPv6 SA, IPv4 packet.
  const std::array<std::uint8_t, 16> v6a{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::array<std::uint8_t, 16> v6b{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  EXPECT_EQ(find_sa(r.sas, 0xc1a0f603, v6a, v6b)->config.spi, 0xc1a0f603U);
  EXPECT_TRUE(find_sa(r.sas, 0xc1a0f603, a1, a2)->any_spi);
  // Without the any-SPI SA nothing matches a foreign SPI.
  std::erase_if(r.sas, [](const imported_sa &s) { return s.any_spi; });
  EXPECT_EQ(find_sa(r.sas, 0x12345678, a1, a2), nullptr);
}

// ---------------------------------------------------------------- command

TEST(KeysCommand, ArgumentsAndErrors) {
  auto ok = parse_keys_args({"a.txt", "--to", "wireshark", "-"});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value.files.size(), 2U);
  EXPECT_EQ(ok.value.to, output_format::wireshark);
  EXPECT_TRUE(parse_keys_args({"--to=tcpdump", "x"}));
  EXPECT_EQ(parse_keys_args({"x"}).error, "keys: --to esp-sa|wireshark|tcpdump is required");
  EXPECT_EQ(parse_keys_args({"--to", "esp-sa"}).error, "keys: no key file given");
  EXPECT_EQ(parse_keys_args({"x", "--to"}).error, "--to: missing value (esp-sa, wireshark or tcpdump)");
  EXPECT_EQ(parse_keys_args({"x", "--to", "pcap"}).error,
            "--to: unknown format 'pcap' (one of esp-sa, wireshark, tcpdump)");
  EXPECT_EQ(parse_keys_args({"x", "--to", "esp-sa", "--to", "tcpdump"}).error, "--to: given twice");
  EXPECT_EQ(parse_keys_args({"x", "--to", "esp-sa", "-v"}).error, "keys: unknown option '-v'");
}

TEST(KeysCommand, ConvertsSeveralFilesAndReportsEveryError) {
  std::map<std::string, std::string> files{{"xfrm", sample("ip_xfrm_state.txt")},
                                           {"sk", sample("setkey_D.txt")},
                                           {"bad", "src 192.0.2.1 dst 192.0.2.2\n\tenc x\n"}};
  auto reader = [&](const std::string &p, std::string &text, std::string &err) {
    auto it = files.find(p);
    if (it == files.end()) {
      err = "No such file or directory";
      return false;
    }
    text = it->second;
    return true;
  };
  auto run = run_keys(keys_options{{"xfrm", "sk"}, output_format::wireshark}, reader);
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out.rfind("# This file is automatically generated, DO NOT MODIFY.\n", 0), 0U);
  const auto back = parse_wireshark(run.out, "out");
  EXPECT_EQ(back.sas.size(), 8U - 2U + 5U);
  // Notes: 3 skipped in xfrm, 2 in setkey, 2 left out of the Wireshark file.
  EXPECT_EQ(run.messages.size(), 7U);
  EXPECT_EQ(run.messages[0].rfind("xfrm:62:", 0), 0U) << run.messages[0];
  auto failed = run_keys(keys_options{{"missing", "bad", "xfrm"}, output_format::esp_sa}, reader);
  EXPECT_EQ(failed.status, 1);
  EXPECT_TRUE(failed.out.empty());
  ASSERT_GE(failed.messages.size(), 2U);
  EXPECT_EQ(failed.messages[0], "missing: No such file or directory");
  EXPECT_EQ(failed.messages[1], "bad:2:2: enc takes NAME 0xKEY, not '\\x09enc x'");
}

} // namespace
