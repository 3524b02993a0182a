// Fuzz target: the vpnwire CLI's HTML report (examples/vpnwire/html_report.hpp,
// html_collect.hpp, svg.hpp): the parser of doctor's text report and the page
// built from it and from the collector's charts.
//
// Input: TEXT [NUL BYTES]. TEXT is given as doctor's report (the seeds are
// real reports of the incident captures, so the fuzzer starts from titles the
// page draws pictures for). BYTES drive the collector with records, 6 bytes
// each: kind (L2TP data / ESP / outer size), a 16-bit sequence number or size,
// a time step and a session/SPI selector; small html_limits so raw,
// aggregated and sampled paths all run.
//
// Invariants: no crash or over-read; memory_used() <= memory_bound() after
// every record; the page is one document whose every <svg> closes, with one
// <article> per parsed finding, no <script and no markup from the input
// (every '<' of TEXT arrives escaped); each chart's drawn columns or points
// add up to its packet count.
#include "html_collect.hpp"
#include "html_report.hpp"
#include "options.hpp"
#include "record.hpp"
#include "summary.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace {

std::size_t count(const std::string &hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  using namespace vpnwire_cli;
  const char *begin = reinterpret_cast<const char *>(data);
  const void *nul = std::memchr(data, 0, size);
  const std::size_t text_size = nul ? static_cast<std::size_t>(static_cast<const std::uint8_t *>(nul) - data) : size;
  const std::string text(begin, text_size);

  html_limits lim;
  lim.raw_points = 16;
  lim.columns = 8;
  lim.marks = 5;
  lim.charts = 3;
  lim.flows = 3;
  lim.rows = 4;
  lim.sas = 4;
  decode_options o;
  html_collector col(o, lim);
  run_summary sum;
  frame_record rec;
  std::int64_t ts = 0;
  std::uint64_t number = 0;
  for (std::size_t i = text_size + 1; i + 6 <= size; i += 6) {
    const std::uint8_t *b = data + i;
    const auto v = static_cast<std::uint16_t>(b[1] << 8 | b[2]);
    ts += static_cast<std::int64_t>(b[3]) * 1000 * (b[3] & 0x80 ? 1000 : 1);
    rec.clear();
    rec.number = ++number;
    rec.ts_ns = ts;
    rec.caplen = rec.wirelen = 64;
    ipv4_layer ip;
    ip.src = 0x0A000001U + (b[4] & 3U);
    ip.dst = 0x0A000009;
    ip.total_length = v;
    if (b[0] & 0x40) ip.flags = 1; // a fragment: counted only when a completion event says so
    rec.add(ip);
    switch (b[0] % 4) {
    case 0: {
      udp_layer u;
      u.src_port = u.dst_port = 1701;
      rec.add(u);
      l2tp_layer l;
      l.seq_bit = true;
      l.tunnel = 1;
      l.session = b[4] & 7U;
      l.ns = v;
      rec.add(l);
      break;
    }
    case 1: {
      esp_layer e;
      e.spi = 0x100U + (b[4] & 7U);
      e.seq = v;
      e.state = static_cast<esp_layer::payload_state>(b[5] % 5);
      rec.add(e);
      break;
    }
    case 2: {
      esp_layer e;
      e.spi = 0x200U + (b[4] & 3U);
      e.seq = number;
      rec.add(e);
      if (b[0] & 0x40) {
        event ev;
        ev.what = event::kind::fragment_completed;
        ev.layer_index = 0;
        ev.datagram_length = static_cast<std::uint32_t>(v) + b[5];
        rec.events.push_back(ev);
      }
      break;
    }
    default: {
      tcp_layer t;
      t.flags = 0x02;
      t.mss = v;
      rec.add(t);
      if (b[5] & 1) rec.fail("l2tp", b[5] & 2 ? "avp_length_below_header" : "replayed", b[5]);
      if (b[5] & 4) rec.warn("ip", b[5] & 8 ? "bad_header_checksum" : "cut_by_snaplen", 3);
      break;
    }
    }
    sum.add(rec);
    col.add(rec);
    FUZZ_CHECK(col.memory_used() <= col.memory_bound());
  }

  const parsed_doctor_report r = parse_doctor_report(text);
  const std::string page = render_html_report(text, col, sum, {"capture<&>.pcap", text.substr(0, 64)});
  FUZZ_CHECK(page.starts_with("<!DOCTYPE html>"));
  FUZZ_CHECK(page.ends_with("</body></html>\n"));
  FUZZ_CHECK(count(page, "<svg") == count(page, "</svg>"));
  FUZZ_CHECK(count(page, "<article") == r.findings.size());
  FUZZ_CHECK(page.find("<script") == std::string::npos);
  FUZZ_CHECK(page.find("capture<&>") == std::string::npos);
  for (const auto &[key, s] : col.sessions()) {
    const seq_series &q = s->series;
    std::uint64_t n = 0;
    if (q.aggregated()) {
      FUZZ_CHECK(q.columns().size() <= lim.columns);
      for (const seq_column &c : q.columns()) n += c.n;
    } else {
      n = q.raw().size();
    }
    FUZZ_CHECK(n == q.total());
    FUZZ_CHECK(q.marks().size() <= lim.marks);
  }
  return 0;
}
