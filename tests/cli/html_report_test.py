#!/usr/bin/python3
"""Structural tests of `vpnwire doctor --html` (examples/vpnwire/html_report.hpp).

The pages of the two incident captures (written by examples/vpnwire/gen_captures.cpp)
are parsed with html.parser (the page) and xml.etree (each inline SVG), and checked
against two references:
  - doctor's own text report: every finding and evidence line is on the page; the
    number of late marks is the number of late packets doctor reports; the band of
    a timeout-0 receiver covers as many packets as doctor says it drops; the path
    MTU, inner MTU, MSS clamp and reorder timeout lines sit at the values doctor prints;
  - tshark (an independent dissector): the late packets marked are exactly those
    whose Ns arrived after a higher one, by tshark's reading of the plain-L2TP
    capture; the path MTU line is the largest fragment tshark sees; the size
    histogram counts the ESP datagrams tshark counts.
Then hostile file names, the page's self-containment, and scale: a million-frame
capture streamed through a FIFO gives a bounded page (sampled points) and a
process whose peak memory does not grow with the capture's length.

usage: html_report_test.py VPNWIRE GEN_CAPTURES PROJECT_DIR
"""
import html
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET

CLI, GEN, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
CAPS = os.path.join(ROOT, "examples", "captures")
INCIDENT1 = os.path.join(CAPS, "incident1-l2tp-reorder.pcap")
INCIDENT1_PLAIN = os.path.join(CAPS, "incident1-l2tp-plain.pcap")
INCIDENT2 = os.path.join(CAPS, "incident2-esp-pppoe-mtu.pcap")
SA1 = [
    "--esp-sa", "spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,auth=hmac-sha1-96,"
    "auth-key=0x0102030405060708090a0b0c0d0e0f1011121314",
    "--esp-sa", "spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,auth=hmac-sha1-96,"
    "auth-key=0x2122232425262728292a2b2c2d2e2f3031323334",
    "--l2tp-secret", "demo-secret",
]
SA2 = [
    "--esp-sa", "spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe",
    "--esp-sa", "spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef",
]
SVG = "{http://www.w3.org/2000/svg}"
TMP = tempfile.mkdtemp(prefix="vpnwire-html-test-")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


class Page(html.parser.HTMLParser):
    """Elements with attributes and text, in document order (a flat list is enough here)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, attrs dict, text list)
        self.stack = []

    def handle_starttag(self, tag, attrs):
        e = (tag, dict(attrs), [])
        self.elements.append(e)
        if tag not in ("meta", "br", "img", "link", "input", "line", "rect", "path", "circle"):
            self.stack.append(e)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), []))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        for e in self.stack:
            e[2].append(data)

    def find(self, tag, cls=None, **attrs):
        out = []
        for t, a, txt in self.elements:
            if t != tag:
                continue
            if cls is not None and cls not in a.get("class", "").split():
                continue
            if any(a.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append((t, a, "".join(txt)))
        return out


def doctor(capture, extra, page_name):
    out = os.path.join(TMP, page_name)
    r = subprocess.run([CLI, "doctor", *extra, "--html", out, capture], capture_output=True, text=True)
    check(r.returncode == 0, f"doctor --html {capture}: exit {r.returncode}: {r.stderr}")
    with open(out, encoding="utf-8") as f:
        text = f.read()
    p = Page()
    p.feed(text)
    return r.stdout, text, p


def svgs(text):
    """Every inline SVG, parsed as XML (so each must be well-formed on its own)."""
    out = []
    for m in re.finditer(r"<svg\b.*?</svg>", text, re.S):
        try:
            out.append(ET.fromstring(m.group(0)))
        except ET.ParseError as e:
            check(False, f"SVG not well-formed: {e}")
    return out


def cls(e):
    return e.get("class", "").split()


def all_of(root, klass):
    """Elements of a class, legend keys excepted."""
    return [e for e in root.iter() if klass in cls(e) and "key" not in cls(e)]


def findings(report):
    """doctor's text report: [(number, severity, title, [(label, text)])]."""
    out = []
    for line in report.splitlines():
        m = re.match(r"^\[(\d+)\] (\w+): (.*)$", line)
        if m:
            out.append((int(m[1]), m[2], m[3], []))
        elif line.startswith("    ") and out:
            label, _, text = line[4:].partition(": ")
            out[-1][3].append((label, text))
    return out


def self_contained(text, p, name, limit=200_000):
    check("<script" not in text.lower(), f"{name}: has a script")
    for t, a, _ in p.elements:
        for k in ("src", "href", "xlink:href", "srcset", "action", "data"):
            check(k not in a, f"{name}: <{t}> has {k}= ({a.get(k)})")
    check("url(" not in text, f"{name}: CSS url()")
    check("@import" not in text, f"{name}: CSS @import")
    for u in re.findall(r"(?:https?|ftp)://[^\s\"'<>]+", text):
        check(u == "http://www.w3.org/2000/svg", f"{name}: external URL {u}")
    csp = [a for t, a, _ in p.elements if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    check(csp and "default-src 'none'" in csp[0].get("content", ""), f"{name}: no default-src 'none' CSP")
    check(len(text) < limit, f"{name}: {len(text)} bytes, not small")


def every_finding_on_page(report, p, name):
    fs = findings(report)
    check(len(fs) > 0, f"{name}: doctor found nothing")
    for n, sev, title, items in fs:
        art = p.find("article", id=f"finding-{n}")
        check(len(art) == 1, f"{name}: finding {n} missing")
        if not art:
            continue
        check(title in art[0][2], f"{name}: finding {n} title")
        check(f"sev-{sev}" in art[0][1]["class"], f"{name}: finding {n} severity")
        for label, text in items:
            check(text in art[0][2], f"{name}: finding {n} item {label!r} not on the page")


# ---------------------------------------------------------------- incident 1


def tshark_late(capture):
    """Late packets by tshark's dissection: (Ns, displacement) of each data packet whose Ns
    arrived after a higher one of its session (RFC 1982 order, within doctor's 512-arrival look-back)."""
    r = subprocess.run(["tshark", "-r", capture, "-Y", "l2tp.type == 0 && l2tp.Ns", "-T", "fields", "-e",
                        "l2tp.tunnel", "-e", "l2tp.session", "-e", "l2tp.Ns"], capture_output=True, text=True)
    check(r.returncode == 0, "tshark failed: " + r.stderr)
    seen = {}
    late = []
    for line in r.stdout.splitlines():
        t, s, ns = (int(x) for x in line.split("\t"))
        hist = seen.setdefault((t, s), [])
        d = max([(a - ns) & 0xFFFF for a in hist[-512:] if 0 < ((a - ns) & 0xFFFF) < 0x8000] or [0])
        if d:
            late.append((ns, d))
        hist.append(ns)
    return late


def test_incident1():
    report, text, p = doctor(INCIDENT1, SA1, "incident1.html")
    self_contained(text, p, "incident1")
    every_finding_on_page(report, p, "incident1")
    late = int(re.search(r"(\d+) of \d+ sequenced packets arrived after a higher Ns", report)[1])
    packets = int(re.search(r"\d+ of (\d+) sequenced packets arrived", report)[1])
    dropped = int(re.search(r"would have dropped (\d+) of", report)[1])
    timeout = int(re.search(r"reorder timeout to at least (\d+) ms", report)[1])
    charts = [s for s in svgs(text) if "seq" in cls(s) and s.get("data-kind") == "l2tp"]
    check(len(charts) == 1, f"incident1: {len(charts)} L2TP charts")
    c = charts[0]
    marks = all_of(c, "late")
    marks = [m for m in marks if m.tag == SVG + "path"]
    check(len(marks) == late, f"incident1: {len(marks)} late marks, doctor reports {late}")
    check(c.get("data-late") == str(late), "incident1: data-late")
    check(c.get("data-aggregated") == "0", "incident1: aggregated")
    pts = all_of(c, "pts")
    check(pts and pts[0].get("data-count") == str(packets), "incident1: not every packet drawn")
    check(pts and pts[0].get("d").count("M") == packets, "incident1: dot count")
    band = sum(int(b.get("data-count")) for b in all_of(c, "band-timeout0"))
    check(band == dropped, f"incident1: the timeout-0 band covers {band} packets, doctor says {dropped}")
    waits = [s for s in svgs(text) if "waits" in cls(s)]
    check(len(waits) == 1, "incident1: waits chart")
    line = all_of(waits[0], "timeout-line")
    check(line and line[0].get("data-ms") == str(timeout), "incident1: timeout line not at doctor's value")
    w = [int(r.get("data-wait-ns")) for r in all_of(waits[0], "wait")]
    check(len(w) == late, "incident1: one wait bar per late packet")
    # The recommended timeout delivers everything: every wait is below its line.
    check(w and max(w) < timeout * 1_000_000, "incident1: a wait reaches the recommended timeout")
    # The line is drawn above every wait bar (SVG y grows downwards).
    check(all(float(r.get("y")) > float(line[0].get("y1")) for r in all_of(waits[0], "wait")), "incident1: line y")
    # Summary and command line.
    check(p.find("td", id="frames")[0][2] == re.search(r"doctor: (\d+) frames", report)[1], "incident1: frames")
    check(p.find("td", id="sas")[0][2] == "2 with keys, 0 without", "incident1: SAs with keys")
    cmd = p.find("pre", id="command-line")[0][2]
    check(cmd.startswith("vpnwire doctor --esp-sa") and "REDACTED" in cmd, "incident1: command line")
    check("00112233445566778899aabbccddeeff" not in text and "demo-secret" not in text, "incident1: secret on page")


def test_incident1_plain_against_tshark():
    report, text, p = doctor(INCIDENT1_PLAIN, [], "incident1-plain.html")
    c = [s for s in svgs(text) if "seq" in cls(s) and s.get("data-kind") == "l2tp"][0]
    marked = sorted((int(m.get("data-seq")), int(m.get("data-displacement")))
                    for m in all_of(c, "late") if m.tag == SVG + "path")
    expected = sorted(tshark_late(INCIDENT1_PLAIN))
    check(len(expected) > 0, "tshark found no late packets")
    check(marked == expected, f"late marks {marked} != tshark's {expected}")


# ---------------------------------------------------------------- incident 2


def tshark_count(capture, flt, field=None):
    args = ["tshark", "-r", capture, "-Y", flt, "-T", "fields", "-e", field or "frame.number"]
    r = subprocess.run(args, capture_output=True, text=True)
    return [x for x in r.stdout.split() if x]


def test_incident2():
    report, text, p = doctor(INCIDENT2, SA2, "incident2.html")
    self_contained(text, p, "incident2")
    every_finding_on_page(report, p, "incident2")
    pmtu = int(re.search(r"path MTU: (\d+) bytes", report)[1])
    inner = int(re.search(r"inner MTU: (\d+) bytes", report)[1])
    clamp = int(re.search(r"clamp the TCP MSS to (\d+)", report)[1])
    datagrams = int(re.search(r"(\d+) datagrams of up to (\d+) bytes", report)[1])
    largest = int(re.search(r"\d+ datagrams of up to (\d+) bytes", report)[1])
    syns = int(re.search(r"(\d+) SYN\(s\) announce an MSS above", report)[1])
    spi = re.search(r"inner MTU: \d+ bytes for SA spi (0x[0-9a-f]+)", report)[1]
    sizes = [s for s in svgs(text) if "sizes" in cls(s) and spi in s.get("data-flow")]
    check(len(sizes) == 1, f"incident2: {len(sizes)} size charts for {spi}")
    h = sizes[0]
    pl = all_of(h, "path-mtu")
    il = all_of(h, "inner-mtu")
    check(pl and int(pl[0].get("data-bytes")) == pmtu, "incident2: path MTU line not at doctor's value")
    check(il and int(il[0].get("data-bytes")) == inner, "incident2: inner MTU line not at doctor's value")
    # tshark: the largest fragment (doctor's path MTU estimate).
    frag_lens = [int(x) for x in tshark_count(INCIDENT2, "ip.flags.mf == 1", "ip.len")]
    check(frag_lens and max(frag_lens) == pmtu, f"incident2: tshark's largest fragment {max(frag_lens or [0])}")
    frag = all_of(h, "fragmented")
    check(sum(int(b.get("data-count")) for b in frag) == datagrams, "incident2: fragmented datagrams marked")
    check(all(int(b.get("data-size")) > pmtu for b in frag), "incident2: a fragmented datagram left of the MTU")
    check(any(int(b.get("data-size")) <= largest < int(b.get("data-size")) + 8 for b in frag),
          "incident2: largest datagram not in a bar")
    # Bars sit right of the path MTU line exactly when they are fragmented datagrams.
    x_line = float(pl[0].get("x1"))
    check(all(float(b.get("x")) > x_line for b in frag), "incident2: fragmented bar drawn left of the line")
    whole = all_of(h, "whole")
    check(all(int(b.get("data-size")) + 8 <= pmtu + 8 for b in whole), "incident2: unfragmented packet over the MTU")
    # tshark counts the SA's ESP datagrams (reassembled) from that direction.
    src, dst = re.search(r"ESP datagrams from ([\d.]+) to ([\d.]+)", report).groups()
    n = len(tshark_count(INCIDENT2, f"esp.spi == {spi} && ip.src == {src} && ip.dst == {dst}"))
    total = sum(int(b.get("data-count")) for b in frag + whole)
    check(total == n == int(h.get("data-packets")), f"incident2: histogram holds {total}, tshark counts {n}")
    mss = [s for s in svgs(text) if "mss" in cls(s)]
    check(len(mss) == 1, "incident2: MSS chart")
    cl = all_of(mss[0], "clamp-line")
    check(cl and int(cl[0].get("data-mss")) == clamp, "incident2: clamp line not at doctor's value")
    above = sum(int(b.get("data-count")) for b in all_of(mss[0], "above"))
    check(above == syns, f"incident2: {above} SYNs above the clamp, doctor says {syns}")
    check(all(int(b.get("data-mss")) <= clamp for b in all_of(mss[0], "ok")), "incident2: SYN under the clamp")


def test_ipv6_tunnel():
    """Fragmentation after encapsulation over IPv6 (L2TP and ESP over UDP/IPv6): each
    finding gets the size chart of its flow, named by the outer IPv6 addresses tshark
    reads, with the datagram at the size tshark reassembles (40 + ipv6.reassembled.length)."""
    cap = os.path.join(ROOT, "tests", "cli", "captures", "ipv6-tunnel-fragmented.pcap")
    report, text, p = doctor(cap, [], "ipv6-tunnel.html")
    self_contained(text, p, "ipv6-tunnel")
    every_finding_on_page(report, p, "ipv6-tunnel")
    r = subprocess.run(["tshark", "-r", cap, "-Y", "ipv6.reassembled.length", "-T", "fields", "-e", "ipv6.src",
                        "-e", "ipv6.dst", "-e", "ipv6.reassembled.length", "-e", "esp.spi", "-e", "udp.dstport"],
                       capture_output=True, text=True)
    rows = [l.split("\t") for l in r.stdout.splitlines() if l.strip()]
    check(len(rows) == 2, f"ipv6-tunnel: tshark reassembles {len(rows)} datagrams")
    charts = [s for s in svgs(text) if "sizes" in cls(s)]
    check(len(charts) == 2, f"ipv6-tunnel: {len(charts)} size charts")
    for src, dst, length, spi, port in rows:
        outer_src, outer_dst = src.split(",")[0], dst.split(",")[0]
        kind = "L2TP over UDP" if port.split(",")[0] == "1701" else f"ESP SA spi {spi}"
        name = f"{outer_src} \u2192 {outer_dst}, {kind}"
        mine = [s for s in charts if s.get("data-flow") == name]
        check(len(mine) == 1, f"ipv6-tunnel: no size chart named {name!r} (have {[s.get('data-flow') for s in charts]})")
        if not mine:
            continue
        size = 40 + int(length)
        frag = all_of(mine[0], "fragmented")
        check(len(frag) == 1 and int(frag[0].get("data-count")) == 1, f"ipv6-tunnel: {name}: fragmented bars {len(frag)}")
        check(frag and int(frag[0].get("data-size")) <= size < int(frag[0].get("data-size")) + 8,
              f"ipv6-tunnel: {name}: bar at {frag[0].get('data-size') if frag else None}, tshark reassembles {size}")
        pl = all_of(mine[0], "path-mtu")
        pmtu = int(re.search(r"path MTU: (\d+) bytes", report)[1])
        check(pl and int(pl[0].get("data-bytes")) == pmtu, f"ipv6-tunnel: {name}: path MTU line")
        check(size > pmtu, f"ipv6-tunnel: {name}: the datagram is larger than the path MTU")


def test_hostile_name_and_errors():
    # A file name with markup in it stays text.
    name = os.path.join(TMP, "x<script>alert(1)<\\script>&\"'.pcap")
    shutil.copy(INCIDENT2, name)
    _, text, p = doctor(name, [], "hostile.html")
    check("<script>" not in text, "hostile name: markup reached the page")
    check(html.escape("x<script>alert(1)<\\script>&") in text, "hostile name: not escaped")
    # Counts table from a damaged copy (editcap -E with a fixed seed, as the agreement test does).
    if shutil.which("editcap"):
        bad = os.path.join(TMP, "damaged.pcap")
        subprocess.run(["editcap", "-E", "0.02", "-S", "0", INCIDENT1_PLAIN, bad], check=True, capture_output=True)
        report, text, p = doctor(bad, [], "damaged.html")
        every_finding_on_page(report, p, "damaged")
        self_contained(text, p, "damaged")
    # --html is a doctor option; an unwritable file is an output error.
    r = subprocess.run([CLI, "decode", "--html", os.path.join(TMP, "d.html"), INCIDENT2], capture_output=True)
    check(r.returncode == 2, "decode --html accepted")
    r = subprocess.run([CLI, "doctor", "--html", os.path.join(TMP, "no/such/dir.html"), INCIDENT2],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "--html: cannot create" in r.stderr, "unwritable --html: " + r.stderr)


# ---------------------------------------------------------------- scale


def streamed(rounds, name):
    """doctor --html over gen_captures --large ROUNDS, streamed through a FIFO (no file on disk).
    Returns (report, page text, peak RSS in KiB of the doctor process)."""
    fifo = os.path.join(TMP, name + ".fifo")
    os.mkfifo(fifo)
    out = os.path.join(TMP, name + ".html")
    gen = subprocess.Popen([GEN, "--large", str(rounds), fifo], stdout=subprocess.DEVNULL)
    env = dict(os.environ)
    # Under ASan, freed memory sits in quarantine: keep it small so RSS measures the program.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
    rep = os.path.join(TMP, name + ".txt")
    with open(rep, "w") as f:
        doc = subprocess.Popen([CLI, "doctor", *SA1, "--html", out, fifo], stdout=f, env=env)
        _, status, usage = os.wait4(doc.pid, 0)
    doc.returncode = os.waitstatus_to_exitcode(status)
    gen.wait()
    check(doc.returncode == 0 and gen.returncode == 0, f"{name}: exit {doc.returncode}/{gen.returncode}")
    with open(rep) as f:
        report = f.read()
    with open(out, encoding="utf-8") as f:
        text = f.read()
    return report, text, usage.ru_maxrss


def test_million_frames():
    small_report, small_text, small_rss = streamed(16_667, "100k")
    report, text, rss = streamed(166_667, "1m")
    frames = int(re.search(r"doctor: (\d+) frames", report)[1])
    check(frames >= 1_000_000, f"million: only {frames} frames")
    p = Page()
    p.feed(text)
    self_contained(text, p, "million", 1_000_000)
    every_finding_on_page(report, p, "million")
    late = int(re.search(r"(\d+) of \d+ sequenced packets arrived after a higher Ns", report)[1])
    dropped = int(re.search(r"would have dropped (\d+) of", report)[1])
    c = [s for s in svgs(text) if "seq" in cls(s) and s.get("data-kind") == "l2tp"][0]
    check(c.get("data-aggregated") == "1", "million: chart not aggregated")
    check(c.get("data-late") == str(late), "million: the chart's late count differs from doctor's")
    check(c.get("data-dropped") == str(dropped), "million: the chart's dropped count differs from doctor's")
    cols = all_of(c, "col")
    check(cols and int(cols[0].get("data-count")) <= 512, "million: more than 512 columns")
    check(cols and cols[0].get("d").count("M") == int(cols[0].get("data-count")), "million: column count")
    marks = [m for m in all_of(c, "late") if m.tag == SVG + "path"]
    check(0 < len(marks) <= 1000, f"million: {len(marks)} late marks drawn")
    band = sum(int(b.get("data-count")) for b in all_of(c, "band-timeout0"))
    check(band == dropped, "million: aggregated band does not add up to doctor's drops")
    # Every SVG element of the page, bounded whatever the capture's size.
    elements = sum(len(list(s.iter())) for s in svgs(text))
    check(elements < 6000, f"million: {elements} SVG elements")
    check(len(text) < 1_000_000, f"million: page of {len(text)} bytes")
    check("Some charts are aggregated" in text, "million: the page does not say it is aggregated")
    # The page of 100k frames and of 1M frames have the same bounded shape.
    check(abs(len(text) - len(small_text)) < 200_000, "million: page grows with the capture")
    # Streaming: ten times the frames, no more memory (within 16 MiB of allocator noise).
    print(f"peak RSS: 100k frames {small_rss} KiB, 1M frames {rss} KiB; page {len(text)} bytes, {elements} elements")
    check(rss < small_rss + 16 * 1024, f"million: peak RSS {rss} KiB vs {small_rss} KiB for a tenth of the frames")


tests = [test_incident1, test_incident1_plain_against_tshark, test_incident2, test_ipv6_tunnel,
         test_hostile_name_and_errors]
if os.environ.get("VPNWIRE_HTML_SCALE", "1") != "0":
    tests.append(test_million_frames)
for t in tests:
    print("--", t.__name__)
    t()
shutil.rmtree(TMP, ignore_errors=True)
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all passed")
