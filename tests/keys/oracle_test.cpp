// The converted key files against the tools that read them, on packets built
// with the keys of the samples:
//  - tshark 4.0 decrypts with the Wireshark esp_sa file `vpnwire keys --to
//    wireshark` writes, loaded both ways Wireshark loads it (the records as
//    -o uat:esp_sa:RECORD, and the file itself in a configuration directory
//    given by WIRESHARK_CONFIG_DIR), and every inner field it dissects equals
//    the same field of the packet our decap (the imported SA, verified or
//    unverified) returns; the ICV is good wherever the file has the key.
//  - tcpdump 4.99 decrypts with the secrets file (-E 'file NAME') `vpnwire keys --to tcpdump`
//    writes (3DES-CBC and AES-CBC, with and without -hmac96) and prints the
//    inner packet our decap returns.
// Oracle limits (shared/ARCHITECTURE.md): tshark cannot decrypt
// ChaCha20-Poly1305 and has no HMAC-SHA1-160 (the converter leaves both out),
// and it reports ESN ICVs as bad; tcpdump only decrypts CBC ciphers.
#include "keys_test_support.hpp"

#include "keys/export.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace keys_test;
namespace esp = vpnwire::esp;
using vpnwire_test::to_hex;

namespace {

struct decrypted {
  const imported_sa *sa = nullptr;
  sample_packet packet;
  std::vector<std::byte> payload; ///< what our decap returned
  std::uint8_t next_header = 0;
  bool verified = false;
};

// Packets for the SAs, each decrypted by the SA import made. Any-SPI SAs get
// packets with SPI 0x7a7a0001; only the first such SA is used (a second would
// be shadowed by the first in every tool).
std::vector<decrypted> decrypt_all(const std::vector<imported_sa> &sas) {
  std::mt19937 rng(4303);
  std::vector<decrypted> out;
  for (const imported_sa &sa : sas) {
    imported_sa rx_sa = sa;
    if (sa.any_spi) rx_sa.config.spi = 0x7a7a0001;
    auto rx = vpnwire_cli::keys::make_receiver(rx_sa);
    if (!rx) std::abort();
    std::uint64_t seq = 1;
    for (std::size_t len : {0, 33, 120}) {
      decrypted d;
      d.sa = &sa;
      d.packet = packet_for(sa, len, seq++, rng);
      auto work = d.packet.esp;
      auto r = sa.verifiable() ? rx->decap(work) : rx->decap_unverified(work);
      if (!r) std::abort();
      d.payload.assign(r->payload.begin(), r->payload.end());
      d.next_header = r->next_header;
      d.verified = r->verified;
      out.push_back(std::move(d));
    }
  }
  return out;
}

// The fields tshark shows for the inner packet, computed from our payload.
std::map<std::string, std::string> our_fields(const decrypted &d) {
  std::map<std::string, std::string> f;
  const auto &p = d.payload;
  std::size_t udp = 0;
  if (d.next_header == 4) {
    char addr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, p.data() + 12, addr, sizeof addr);
    f["ip.src"] = addr;
    inet_ntop(AF_INET, p.data() + 16, addr, sizeof addr);
    f["ip.dst"] = addr;
    f["ip.len"] = std::to_string(vpnwire::core::load_be16(p.data() + 2));
    f["ip.ttl"] = std::to_string(std::to_integer<unsigned>(p[8]));
    f["ip.proto"] = std::to_string(std::to_integer<unsigned>(p[9]));
    char id[8];
    std::snprintf(id, sizeof id, "0x%04x", vpnwire::core::load_be16(p.data() + 4));
    f["ip.id"] = id;
    udp = (std::to_integer<std::size_t>(p[0]) & 15U) * 4;
  }
  f["udp.srcport"] = std::to_string(vpnwire::core::load_be16(p.data() + udp));
  f["udp.dstport"] = std::to_string(vpnwire::core::load_be16(p.data() + udp + 2));
  f["udp.length"] = std::to_string(vpnwire::core::load_be16(p.data() + udp + 4));
  f["data.data"] = to_hex(vpnwire::bytes_view(p).subspan(udp + 8));
  char nh[8];
  std::snprintf(nh, sizeof nh, "0x%02x", d.next_header);
  f["esp.protocol"] = nh;
  return f;
}

const std::vector<std::string> tshark_fields{"frame.number", "esp.spi",     "esp.icv_good", "esp.protocol", "ip.src",
                                             "ip.dst",       "ip.len",      "ip.ttl",       "ip.proto",     "ip.id",
                                             "udp.srcport",  "udp.dstport", "udp.length",   "data.data"};

std::string tshark_command(const std::string &pcap, const std::string &extra) {
  std::string cmd =
      "tshark -n -r " + pcap + " -d udp.port==4500,udpencap" + extra + " -T fields -E separator=/t -E occurrence=l";
  for (const auto &f : tshark_fields) cmd += " -e " + f;
  return cmd + " 2>/dev/null";
}

std::vector<std::map<std::string, std::string>> parse_tshark(const std::string &out) {
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::map<std::string, std::string> row;
    std::size_t start = 0, i = 0;
    for (std::size_t tab; i < tshark_fields.size(); start = tab + 1, ++i) {
      tab = line.find('\t', start);
      row[tshark_fields[i]] = line.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
      if (tab == std::string::npos) break;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// The SAs tshark can be asked about: everything the Wireshark file holds,
// one any-SPI SA at most.
std::vector<imported_sa> wireshark_sas() {
  std::vector<imported_sa> out;
  bool any = false;
  for (auto &sa : every_sample_sa()) {
    if (!vpnwire_cli::keys::to_wireshark(std::span<const imported_sa>(&sa, 1)).notes.empty()) continue;
    if (sa.any_spi && std::exchange(any, true)) continue;
    out.push_back(std::move(sa));
  }
  return out;
}

TEST(KeysOracle, TsharkDecryptsWithTheConvertedEspSaFileAndAgreesOnEveryInnerField) {
  if (!esp_test::have("tshark")) GTEST_SKIP() << "tshark not available";
  const auto sas = wireshark_sas();
  ASSERT_GE(sas.size(), 15U);
  const auto packets = decrypt_all(sas);
  std::vector<std::vector<std::byte>> frames;
  for (const auto &d : packets) frames.push_back(d.packet.ip);
  const std::string pcap = esp_test::tmp_path("keys_oracle.pcap");
  esp_test::write_pcap(pcap, frames);
  const auto converted = vpnwire_cli::keys::to_wireshark(sas);
  ASSERT_TRUE(converted.notes.empty());

  // 1. The records on the command line.
  std::string uat = " -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE";
  std::istringstream records(converted.text);
  std::string record;
  while (std::getline(records, record))
    if (!record.starts_with("#")) uat += " -o 'uat:esp_sa:" + record + "'";
  const std::string by_option = esp_test::run(tshark_command(pcap, uat));
  // 2. The file itself, in a Wireshark configuration directory.
  const std::filesystem::path dir = esp_test::tmp_path("wireshark_config");
  std::filesystem::create_directories(dir);
  esp_test::write_file((dir / "esp_sa").string(), vpnwire::as_bytes(converted.text));
  const std::string prefs = "esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n";
  esp_test::write_file((dir / "preferences").string(), vpnwire::as_bytes(prefs));
  const std::string by_profile = esp_test::run("WIRESHARK_CONFIG_DIR=" + dir.string() + " " + tshark_command(pcap, ""));
  std::filesystem::remove_all(dir);
  std::remove(pcap.c_str());
  EXPECT_EQ(by_option, by_profile) << "tshark read the file differently from the records";

  const auto rows = parse_tshark(by_profile);
  ASSERT_EQ(rows.size(), packets.size()) << by_profile.substr(0, 3000);
  std::size_t good_icv = 0, fields = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const decrypted &d = packets[i];
    const auto &row = rows[i];
    SCOPED_TRACE(d.sa->file + ":" + std::to_string(d.sa->line) + " packet " + std::to_string(i));
    EXPECT_EQ(to_hex(d.payload), to_hex(d.packet.inner)); // our decap
    for (const auto &[name, value] : our_fields(d)) {
      EXPECT_EQ(row.at(name), value) << name;
      ++fields;
    }
    if (d.sa->verifiable() && !d.sa->config.esn) {
      EXPECT_EQ(row.at("esp.icv_good"), "1") << "tshark did not verify the ICV with the converted key";
      ++good_icv;
    }
  }
  EXPECT_GE(good_icv, 3U * 10U);
  EXPECT_GE(fields, packets.size() * 6);
}

TEST(KeysOracle, TcpdumpDecryptsWithTheConvertedSecretsFile) {
  if (!esp_test::have("tcpdump")) GTEST_SKIP() << "tcpdump not available";
  std::vector<imported_sa> sas;
  bool any = false;
  for (auto &sa : every_sample_sa()) {
    if (!vpnwire_cli::keys::to_tcpdump(std::span<const imported_sa>(&sa, 1)).notes.empty()) continue;
    if (sa.any_spi && std::exchange(any, true)) continue;
    sas.push_back(std::move(sa));
  }
  ASSERT_GE(sas.size(), 8U);
  const auto packets = decrypt_all(sas);
  std::vector<std::vector<std::byte>> frames;
  for (const auto &d : packets) frames.push_back(d.packet.ip);
  const std::string pcap = esp_test::tmp_path("keys_tcpdump.pcap");
  const std::string secrets = esp_test::tmp_path("keys_tcpdump.secrets");
  esp_test::write_pcap(pcap, frames);
  const auto converted = vpnwire_cli::keys::to_tcpdump(sas);
  ASSERT_TRUE(converted.notes.empty());
  esp_test::write_file(secrets, vpnwire::as_bytes(converted.text));
  const std::string out = esp_test::run("tcpdump -n -r " + pcap + " -E \"file " + secrets + "\" 2>/dev/null");
  std::remove(pcap.c_str());
  std::remove(secrets.c_str());
  std::istringstream lines(out);
  std::string line;
  std::size_t i = 0, legacy = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, packets.size()) << out;
    const decrypted &d = packets[i];
    SCOPED_TRACE(d.sa->file + ":" + std::to_string(d.sa->line) + ": " + line);
    const auto f = our_fields(d);
    // What tcpdump prints after decrypting: the inner packet's addresses and
    // ports (tunnel), or the ports after the outer addresses (transport),
    // and the UDP payload length.
    const std::string udp_len = std::to_string(std::stoul(f.at("udp.length")) - 8);
    const std::string want =
        d.next_header == 4 ? "IP " + f.at("ip.src") + "." + f.at("udp.srcport") + " > " + f.at("ip.dst") + "." +
                                 f.at("udp.dstport") + ": UDP, length " + udp_len
                           : ": " + f.at("udp.srcport") + " > " + f.at("udp.dstport") + ": UDP, length " + udp_len;
    EXPECT_NE(line.find(want), std::string::npos) << "want: " << want;
    if (d.sa->config.is_deprecated()) ++legacy;
    ++i;
  }
  EXPECT_EQ(i, packets.size()) << out;
  EXPECT_GE(legacy, 3U * 3U); // 3DES from ip xfrm, setkey and tcpdump samples
}

} // namespace
