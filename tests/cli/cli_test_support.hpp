// Helpers of the CLI's end-to-end tests: the program run through the shell
// with its output captured, the demo captures and keys, and captures read
// and written with the CLI's own reader and writer.
#pragma once

#include "capture.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cli_test {

using namespace vpnwire_cli;

inline const std::string cli = VPNWIRE_CLI_PATH;
inline const std::string captures = VPNWIRE_CAPTURES_DIR;
inline const std::string incident1 = captures + "/incident1-l2tp-reorder.pcap";
inline const std::string incident2 = captures + "/incident2-esp-pppoe-mtu.pcap";
inline const std::string sa1 =
    "--esp-sa spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,auth=hmac-sha1-96,"
    "auth-key=0x0102030405060708090a0b0c0d0e0f1011121314 "
    "--esp-sa spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,auth=hmac-sha1-96,"
    "auth-key=0x2122232425262728292a2b2c2d2e2f3031323334";
inline const std::string sa2 = "--esp-sa spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe "
                               "--esp-sa spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef";

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

/// A file name in the test temporary directory, unique to this process
/// (several test binaries run at once).
inline std::string tmp(const std::string &name) {
  return ::testing::TempDir() + "cli_test_" + std::to_string(getpid()) + "_" + name;
}

inline std::string slurp(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// Runs `cli args` through the shell; stdout and stderr captured separately.
inline run_result run(const std::string &args, const std::string &program = cli) {
  const std::string out = tmp("stdout"), err = tmp("stderr");
  const std::string cmd = "exec " + program + " " + args + " >" + out + " 2>" + err;
  run_result r;
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

inline std::vector<std::string> lines(const std::string &s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

inline std::size_t count(const std::string &hay, const std::string &needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

inline bool one_line(const std::string &s) { return !s.empty() && count(s, "\n") == 1 && s.rfind("vpnwire: ", 0) == 0; }

/// Frames of a capture, to build derived captures.
inline std::vector<captured_frame> frames_of(const std::string &path, std::vector<std::vector<std::byte>> &store) {
  capture_reader r;
  std::string err;
  EXPECT_TRUE(r.open(path, err)) << err;
  std::vector<captured_frame> out;
  captured_frame f;
  while (r.next(f, err) == 1) {
    store.emplace_back(f.data.begin(), f.data.end());
    out.push_back(f);
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i].data = store[i];
  return out;
}

inline void write_capture(const std::string &path, std::uint16_t linktype,
                          const std::vector<std::pair<std::int64_t, std::vector<std::byte>>> &frames) {
  pcap_writer w;
  std::string err;
  ASSERT_TRUE(w.open(path, linktype, err)) << err;
  for (const auto &[ts, d] : frames) ASSERT_TRUE(w.write_frame(ts, d, err)) << err;
  ASSERT_TRUE(w.close(err)) << err;
}

} // namespace cli_test
