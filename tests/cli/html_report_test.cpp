// The HTML report's data side (examples/vpnwire/html_collect.hpp,
// html_report.hpp), over generated cases with a fixed seed:
//  - the collector marks exactly the packets doctor counts: late and dropped
//    by a timeout-0 receiver agree with doctor's text for random orders;
//  - a series aggregates without losing a packet: columns add up to the
//    exact counts, stay within the limit, and the sampled marks are exactly
//    every stride-th late packet;
//  - memory stays within memory_bound() however many records stream past,
//    with more sessions, SAs and flows than the limits;
//  - doctor's report parses back into its findings; escaping, shell quoting
//    (checked by /bin/sh itself) and secret redaction of the command line.
#include "doctor.hpp"
#include "html_collect.hpp"
#include "html_report.hpp"
#include "options.hpp"
#include "record.hpp"
#include "summary.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace {

using namespace vpnwire_cli;

/// A sequenced L2TP data record of session (tunnel, session) from src to dst.
void l2tp_record(frame_record &rec, std::uint64_t number, std::int64_t ts, std::uint16_t tunnel, std::uint16_t session,
                 std::uint16_t ns, std::uint32_t src = 0xC000020A, std::uint32_t dst = 0xC6336401) {
  rec.clear();
  rec.number = number;
  rec.ts_ns = ts;
  rec.caplen = rec.wirelen = 100;
  ipv4_layer ip;
  ip.src = src;
  ip.dst = dst;
  ip.total_length = 86;
  ip.protocol = 17;
  rec.add(ip);
  udp_layer u;
  u.src_port = u.dst_port = 1701;
  rec.add(u);
  l2tp_layer l;
  l.seq_bit = true;
  l.tunnel = tunnel;
  l.session = session;
  l.ns = ns;
  rec.add(l);
}

/// Random arrival orders: runs in order with swaps, jumps back and repeats.
std::vector<std::uint16_t> random_order(std::mt19937 &rng, std::size_t n) {
  std::vector<std::uint16_t> v;
  std::uint16_t next = static_cast<std::uint16_t>(rng());
  for (std::size_t i = 0; i < n; ++i) v.push_back(next++);
  for (std::size_t i = 0; i + 1 < v.size(); ++i) {
    const unsigned r = rng() % 100;
    if (r < 8)
      std::swap(v[i], v[i + 1]);
    else if (r < 10 && i + 5 < v.size())
      std::swap(v[i], v[i + 5]);
    else if (r < 11)
      v[i] = v[i + 1]; // a repeat
  }
  return v;
}

TEST(HtmlCollector, MarksTheLateAndDroppedPacketsDoctorCounts) {
  std::mt19937 rng(20261206);
  decode_options o;
  for (int round = 0; round < 200; ++round) {
    doctor doc(o);
    html_collector col(o);
    run_summary sum;
    frame_record rec;
    const auto order = random_order(rng, 10 + rng() % 3000);
    std::int64_t ts = 0;
    std::uint64_t number = 0;
    for (const std::uint16_t ns : order) {
      ts += 1000 + rng() % 100000;
      l2tp_record(rec, ++number, ts, 7, 9, ns);
      sum.add(rec);
      doc.add(rec);
      col.add(rec);
    }
    const std::string text = doc.report(sum);
    ASSERT_EQ(col.sessions().size(), 1U);
    const seq_series &q = col.sessions().begin()->second->series;
    EXPECT_EQ(q.total(), order.size());
    std::smatch m;
    if (std::regex_search(text, m, std::regex(R"((\d+) of (\d+) sequenced packets arrived after a higher Ns)"))) {
      EXPECT_EQ(std::to_string(q.late()), m[1].str()) << text;
      EXPECT_EQ(std::to_string(q.total()), m[2].str());
      ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(would have dropped (\d+) of)")));
      EXPECT_EQ(std::to_string(q.dropped()), m[1].str());
      ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(largest displacement (\d+) packet)")));
      EXPECT_EQ(std::to_string(q.max_displacement()), m[1].str());
    } else {
      EXPECT_EQ(q.late(), 0U) << text;
    }
    // Raw or aggregated, the drawn points add up to the counts.
    std::uint64_t n = 0, late = 0, dropped = 0;
    if (q.aggregated()) {
      for (const seq_column &c : q.columns()) {
        n += c.n;
        late += c.late;
        dropped += c.dropped;
      }
    } else {
      for (const seq_point &p : q.raw()) {
        ++n;
        late += (p.flags & seq_point::late) ? 1 : 0;
        dropped += (p.flags & seq_point::dropped) ? 1 : 0;
      }
    }
    EXPECT_EQ(n, q.total());
    EXPECT_EQ(late, q.late());
    EXPECT_EQ(dropped, q.dropped());
  }
}

TEST(SeqSeries, AggregatesWithinLimitsAndSamplesMarksEvenly) {
  std::mt19937 rng(7);
  for (const std::size_t count : {1UL, 50UL, 100UL, 101UL, 4096UL, 250'000UL}) {
    html_limits l;
    l.raw_points = 100;
    l.columns = 64;
    l.marks = 40;
    seq_series q(l);
    std::vector<seq_point> late;
    for (std::size_t i = 0; i < count; ++i) {
      seq_point p;
      p.t = static_cast<std::int64_t>(i) * 1000;
      p.seq = static_cast<std::int64_t>(i) - (rng() % 7 == 0 ? 3 : 0);
      if (rng() % 5 == 0) {
        p.flags = seq_point::late;
        p.displacement = 3;
        late.push_back(p);
      }
      q.add(p);
      ASSERT_LE(q.memory_used(), seq_series::memory_bound(l));
    }
    EXPECT_EQ(q.aggregated(), count > l.raw_points) << count;
    if (q.aggregated()) {
      EXPECT_LE(q.columns().size(), l.columns);
      std::uint64_t n = 0;
      std::int64_t prev_t1 = -1;
      for (const seq_column &c : q.columns()) {
        n += c.n;
        EXPECT_GT(c.t0, prev_t1); // columns are consecutive runs of arrivals
        prev_t1 = c.t1;
        EXPECT_LE(c.n, q.packets_per_column());
      }
      EXPECT_EQ(n, count);
    }
    // The marks: every stride-th late packet, in order, and no more than the limit.
    ASSERT_LE(q.marks().size(), l.marks);
    std::vector<std::int64_t> want, got;
    for (std::size_t i = 0; i < late.size(); i += q.mark_stride()) want.push_back(late[i].t);
    for (const seq_point &p : q.marks()) got.push_back(p.t);
    EXPECT_EQ(got, want) << count;
    EXPECT_EQ(q.late(), late.size());
  }
}

TEST(HtmlCollector, MemoryStaysBoundedOverAMillionRecords) {
  decode_options o;
  html_limits l; // the defaults the program uses
  html_collector col(o, l);
  frame_record rec;
  std::mt19937 rng(99);
  for (std::uint64_t i = 1; i <= 1'000'000; ++i) {
    // 200 sessions (more than l.charts), 100 SPIs, 100 flows.
    const auto s = static_cast<std::uint16_t>(rng() % 200);
    l2tp_record(rec, i, static_cast<std::int64_t>(i) * 1000, 1, s, static_cast<std::uint16_t>(i / 200 + (rng() % 3)),
                0x0A000000U + s % 100, 0x0A640001);
    if (i % 2 == 0) { // some ESP too, with bad checksums and errors
      rec.layers.clear();
      ipv4_layer ip;
      ip.src = 0x0A000000U + static_cast<std::uint32_t>(rng() % 100);
      ip.dst = 0x0A640001;
      ip.total_length = static_cast<std::uint16_t>(60 + rng() % 1500);
      rec.add(ip);
      esp_layer e;
      e.spi = 0x1000U + static_cast<std::uint32_t>(rng() % 100);
      e.seq = static_cast<std::uint32_t>(i / 100 - rng() % 4);
      rec.add(e);
      rec.warn("ip", "bad_header_checksum", 10);
      if (i % 10 == 0) rec.fail("esp", "replayed", 4);
    }
    col.add(rec);
    if (i % 50'000 == 0) {
      ASSERT_LE(col.memory_used(), col.memory_bound()) << i;
    }
  }
  EXPECT_EQ(col.frames(), 1'000'000U);
  EXPECT_EQ(col.sessions().size(), l.charts);
  EXPECT_EQ(col.sessions_not_charted(), 200 - l.charts);
  EXPECT_EQ(col.esp_charts().size(), l.charts);
  EXPECT_EQ(col.flows().size(), l.flows);
  for (const auto &[k, s] : col.sessions()) {
    EXPECT_TRUE(s->series.aggregated());
    EXPECT_LE(s->series.columns().size(), l.columns);
    EXPECT_LE(s->series.marks().size(), l.marks);
  }
  // The page drawn from it is bounded too.
  run_summary sum;
  sum.frames = col.frames();
  const std::string page = render_html_report("vpnwire doctor: 1000000 frames\n", col, sum, {"x.pcap", "vpnwire"});
  EXPECT_LT(page.size(), 2'000'000U);
  EXPECT_NE(page.find("Some charts are aggregated"), std::string::npos);
}

TEST(HtmlReport, ParsesDoctorsReportBack) {
  const std::string text = "vpnwire doctor: 3 frames, 0 sequenced L2TP session(s), 0 L2TP control message(s)\n"
                           "\n[1] critical: a title: with a colon\n"
                           "    evidence: 12 of 64 (frames 1, 2)\n"
                           "    a line without a label that goes on and on and on and on and on\n"
                           "\n[2] note: second <b>\n"
                           "    fix: do x & y\n"
                           "\n2 finding(s).\n";
  const parsed_doctor_report r = parse_doctor_report(text);
  EXPECT_EQ(r.headline, "vpnwire doctor: 3 frames, 0 sequenced L2TP session(s), 0 L2TP control message(s)");
  ASSERT_EQ(r.findings.size(), 2U);
  EXPECT_EQ(r.findings[0].number, 1);
  EXPECT_EQ(r.findings[0].severity, "critical");
  EXPECT_EQ(r.findings[0].title, "a title: with a colon");
  ASSERT_EQ(r.findings[0].items.size(), 2U);
  EXPECT_EQ(r.findings[0].items[0], (std::pair<std::string, std::string>{"evidence", "12 of 64 (frames 1, 2)"}));
  EXPECT_EQ(r.findings[0].items[1].first, "");
  EXPECT_EQ(r.findings[1].title, "second <b>");
  EXPECT_EQ(r.closing, "2 finding(s).");
  // Unknown shapes never throw or get lost.
  const parsed_doctor_report odd = parse_doctor_report("[x] y\n[99999999999999] a: b\n\n    orphan: 1\nfree text\n");
  EXPECT_TRUE(odd.findings.empty());
  // The page escapes what it quotes.
  html_collector col{decode_options{}};
  const std::string page = render_html_report(text, col, run_summary{}, {"a<b>.pcap", "vpnwire doctor 'a<b>.pcap'"});
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_NE(page.find("second &lt;b&gt;"), std::string::npos);
  EXPECT_NE(page.find("do x &amp; y"), std::string::npos);
  EXPECT_NE(page.find("id=\"finding-2\""), std::string::npos);
}

TEST(HtmlReport, EscapesMarkupAndControlCharacters) {
  EXPECT_EQ(svg::escaped("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(svg::escaped(std::string("a\x01"
                                     "b\n",
                                     4)),
            "a&#xFFFD;b\n");
}

/// What /bin/sh makes of `word`.
std::string through_shell(const std::string &word) {
  const std::string cmd = "printf '%s' " + word;
  std::FILE *p = popen(cmd.c_str(), "r");
  std::string out;
  char b[256];
  for (std::size_t n; (n = std::fread(b, 1, sizeof b, p)) > 0;) out.append(b, n);
  pclose(p);
  return out;
}

TEST(HtmlReport, CommandLineIsShellQuotedWithSecretsRedacted) {
  for (const std::string w : {"plain", "with space", "it's", "$(rm -rf x)", "a\"b", "*", "back\\slash", ""})
    EXPECT_EQ(through_shell(shell_quoted(w)), w) << w;
  const std::vector<std::string_view> args{"--esp-sa",
                                           "spi=0x1,enc=aes-cbc,key=0xdeadbeef,auth=hmac-sha1-96,auth-key=0xcafe",
                                           "--esp-sa=spi=0x2,enc=aes-gcm-16,key=0x0102",
                                           "--l2tp-secret",
                                           "hunter2",
                                           "--l2tp-secret=hunter3",
                                           "my capture.pcap"};
  const std::string line = html_command_line("doctor", args);
  EXPECT_EQ(line, "vpnwire doctor --esp-sa spi=0x1,enc=aes-cbc,key=REDACTED,auth=hmac-sha1-96,auth-key=REDACTED "
                  "--esp-sa=spi=0x2,enc=aes-gcm-16,key=REDACTED --l2tp-secret REDACTED --l2tp-secret=REDACTED "
                  "'my capture.pcap'");
  for (const char *secret : {"deadbeef", "cafe", "0102", "hunter"}) EXPECT_EQ(line.find(secret), std::string::npos);
}

TEST(HtmlOption, HtmlTakesOneFileName) {
  auto ok = parse_decode_args({"--html", "out.html", "cap.pcap"});
  ASSERT_TRUE(ok) << ok.error;
  EXPECT_EQ(ok.value.html, "out.html");
  auto inline_form = parse_decode_args({"--html=a b.html", "cap.pcap"});
  ASSERT_TRUE(inline_form);
  EXPECT_EQ(inline_form.value.html, "a b.html");
  EXPECT_EQ(parse_decode_args({"--html", "a", "--html", "b", "cap.pcap"}).error, "--html: given twice");
  EXPECT_EQ(parse_decode_args({"--html=", "cap.pcap"}).error, "--html: empty file name");
  EXPECT_EQ(parse_decode_args({"cap.pcap", "--html"}).error, "--html: missing value");
}

} // namespace
