// `vpnwire keys FILE... --to esp-sa|wireshark|tcpdump`: reads key files in
// any format keys/import.hpp detects and writes their SAs in another.
//
//   vpnwire keys gw1.xfrm gw2.setkey --to wireshark > ~/.config/wireshark/esp_sa
//   ip xfrm state | vpnwire keys - --to esp-sa
//
// Exit status: 0 success (SAs left out or skipped are noted on stderr), 1 a
// file could not be read or has an unparsable line (file:line:column on
// stderr, nothing on stdout), 2 a usage error.
#pragma once

#include "keys/export.hpp"
#include "keys/import.hpp"
#include "keys/model.hpp"
#include "options.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpnwire_cli::keys {

struct keys_options {
  std::vector<std::string> files; ///< "-" reads standard input
  output_format to = output_format::esp_sa;
};

/// Parses the arguments after "keys": one or more files and --to FORMAT
/// (also --to=FORMAT), in any order.
[[nodiscard]] inline parsed<keys_options> parse_keys_args(const std::vector<std::string_view> &args) {
  keys_options o;
  bool have_to = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--to" || a.starts_with("--to=")) {
      std::string_view v;
      if (a == "--to") {
        if (i + 1 >= args.size()) return parse_fail<keys_options>("--to: missing value (esp-sa, wireshark or tcpdump)");
        v = args[++i];
      } else {
        v = a.substr(5);
      }
      if (have_to) return parse_fail<keys_options>("--to: given twice");
      auto f = output_format_by_name(v);
      if (!f)
        return parse_fail<keys_options>("--to: unknown format '" + std::string(v) +
                                        "' (one of esp-sa, wireshark, tcpdump)");
      o.to = *f;
      have_to = true;
    } else if (a.starts_with("-") && a != "-") {
      return parse_fail<keys_options>("keys: unknown option '" + std::string(a) + "'");
    } else {
      if (a.empty()) return parse_fail<keys_options>("keys: empty file name");
      o.files.emplace_back(a);
    }
  }
  if (o.files.empty()) return parse_fail<keys_options>("keys: no key file given");
  if (!have_to) return parse_fail<keys_options>("keys: --to esp-sa|wireshark|tcpdump is required");
  return {std::move(o), {}};
}

/// What a run produced: the converted text for stdout, the lines for stderr
/// (without the "vpnwire: " prefix) and the exit status.
struct keys_run {
  int status = 0;
  std::string out;
  std::vector<std::string> messages;
};

/// Converts the files. `read(path, text, error)` loads one file (returns
/// false with a reason). Every file is read and checked; when any has an
/// error nothing is written and the status is 1.
template <class ReadFile> [[nodiscard]] keys_run run_keys(const keys_options &o, ReadFile &&read) {
  keys_run run;
  std::vector<imported_sa> all;
  for (const std::string &f : o.files) {
    std::string text, err;
    if (!read(f, text, err)) {
      run.messages.push_back(printable(f + ": " + err));
      run.status = 1;
      continue;
    }
    import_result r = import_keys(text, f == "-" ? std::string_view("<stdin>") : std::string_view(f));
    for (const diagnostic &n : r.notes) run.messages.push_back(n.text());
    if (!r.ok()) {
      run.messages.push_back(r.error->text());
      run.status = 1;
      continue;
    }
    for (imported_sa &sa : r.sas) all.push_back(std::move(sa));
  }
  if (run.status != 0) return run;
  export_result e = write_keys(o.to, all);
  for (const diagnostic &n : e.notes) run.messages.push_back(n.text());
  run.out = std::move(e.text);
  return run;
}

/// Reads a whole file ("-": standard input), at most 64 MiB.
inline bool read_key_file(const std::string &path, std::string &text, std::string &err) {
  FILE *f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    err = std::strerror(errno);
    return false;
  }
  constexpr std::size_t limit = std::size_t{64} << 20;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > limit) {
      err = "larger than 64 MiB; not a key file";
      if (f != stdin) std::fclose(f);
      return false;
    }
  }
  const bool bad = std::ferror(f) != 0;
  if (bad) err = std::strerror(errno);
  if (f != stdin) std::fclose(f);
  return !bad;
}

/// The `vpnwire keys` subcommand: parses `args`, converts, prints.
inline int keys_main(const std::vector<std::string_view> &args) {
  auto parsed_args = parse_keys_args(args);
  if (!parsed_args) {
    std::fprintf(stderr, "vpnwire: %s (vpnwire --help for usage)\n", parsed_args.error.c_str());
    return 2;
  }
  const keys_run run = run_keys(parsed_args.value, read_key_file);
  for (const std::string &m : run.messages) std::fprintf(stderr, "vpnwire: %s\n", m.c_str());
  if (run.status == 0 && !run.out.empty() && std::fwrite(run.out.data(), 1, run.out.size(), stdout) != run.out.size())
    return 1;
  if (std::fflush(stdout) != 0) return 1;
  return run.status;
}

} // namespace vpnwire_cli::keys
