#!/usr/bin/python3
"""The three renderers of vpnwire's dissection record agree, on every capture.

For every capture file under tests/ and examples/, and for a corrupted copy
of each (Wireshark's editcap -E flips random bytes in the packets, with a
fixed seed), vpnwire runs three times with the same options:
  decode          one text line per frame, ending with [warning ...] and [error ...]
  decode --json   one object per frame with "warnings" and "error"
  doctor          findings "malformed packets: LAYER CODE" and "decoder warnings:
                  LAYER CODE" with every frame as evidence (--evidence 1000000)
and the test checks that text and JSON report the same errors and warnings,
frame for frame and in order, that doctor names the same frames for each
(layer, code) with the same first offset, and that the summaries count them
alike. It fails when a capture gives no frame at all, and needs some
errors and warnings overall so it cannot pass on clean input alone.

usage: agreement_test.py VPNWIRE ROOT
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

KEYS = [
    "--esp-sa", "spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,auth=hmac-sha1-96,"
                "auth-key=0x0102030405060708090a0b0c0d0e0f1011121314",
    "--esp-sa", "spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,auth=hmac-sha1-96,"
                "auth-key=0x2122232425262728292a2b2c2d2e2f3031323334",
    "--esp-sa", "spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe",
    "--esp-sa", "spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef",
    "--l2tp-secret", "demo-secret",
]
TEXT_ISSUE = re.compile(r"^(.*) \[(warning|error) ([a-z0-9_.]+) ([a-z0-9_]+) at ([0-9]+)\]$")
TIME = re.compile(r"^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} ")
FINDING = re.compile(r"^\[[0-9]+\] (error|warning): (malformed packets|decoder warnings): ([a-z0-9_.]+) ([a-z0-9_]+)$")
EVIDENCE = re.compile(r"^    evidence: ([0-9]+) frames \(frames ([0-9, ]+)\), first at byte offset ([0-9]+) of the layer$")


def run(vpnwire, *args):
    r = subprocess.run([vpnwire, *args], capture_output=True, text=True)
    # 0: read to the end; 1: the file ends mid-record (frames before it are decoded).
    assert r.returncode in (0, 1), (args, r.returncode, r.stderr)
    return r.stdout


def text_issues(out):
    frames = []
    for line in out.splitlines():
        if not TIME.match(line):
            continue
        found = []
        while True:
            m = TEXT_ISSUE.match(line)
            if not m:
                break
            line = m.group(1)
            found.append((m.group(2), m.group(3), m.group(4), int(m.group(5))))
        frames.append(list(reversed(found)))
    return frames


def json_issues(out):
    frames, summary = [], None
    for line in out.splitlines():
        o = json.loads(line)
        if "frame" in o:
            assert o["frame"] == len(frames) + 1
            found = [("warning", w["layer"], w["code"], w["offset"]) for w in o["warnings"]]
            if o["error"] is not None:
                e = o["error"]
                found.append(("error", e["layer"], e["code"], e["offset"]))
            frames.append(found)
        elif "summary" in o:
            summary = o["summary"]
    return frames, summary


def doctor_issues(out):
    """(kind, layer, code) -> (frames, first offset)."""
    found, current = {}, None
    for line in out.splitlines():
        m = FINDING.match(line)
        if m:
            current = (m.group(1), m.group(3), m.group(4))
            continue
        m = EVIDENCE.match(line)
        if m and current:
            frames = [int(x) for x in m.group(2).split(", ")]
            assert int(m.group(1)) == len(frames), line
            found[current] = (frames, int(m.group(3)))
            current = None
    return found


def check(vpnwire, path, failures, totals):
    name = os.path.relpath(path)
    text = text_issues(run(vpnwire, "decode", *KEYS, path))
    js, summary = json_issues(run(vpnwire, "decode", "--json", *KEYS, path))
    doc = doctor_issues(run(vpnwire, "doctor", "--evidence", "1000000", *KEYS, path))
    if not js:
        failures.append(f"{name}: no frames")
        return
    if len(text) != len(js):
        failures.append(f"{name}: {len(text)} text lines, {len(js)} JSON frames")
        return
    expected = {}
    for n, (t, j) in enumerate(zip(text, js), start=1):
        if t != j:
            failures.append(f"{name} frame {n}: text {t}, JSON {j}")
        seen = set()
        for kind, layer, code, offset in j:
            totals[kind] += 1
            if (kind, layer, code) in seen:
                continue  # doctor counts frames, once per frame
            seen.add((kind, layer, code))
            frames, first = expected.setdefault((kind, layer, code), ([], offset))
            frames.append(n)
    if doc != expected:
        for k in sorted(set(doc) | set(expected)):
            if doc.get(k) != expected.get(k):
                failures.append(f"{name}: {k}: doctor {doc.get(k)}, decode {expected.get(k)}")
    errors = sum(1 for j in js if any(i[0] == "error" for i in j))
    if summary["errors"] != errors or summary["warnings"] != sum(1 for j in js if any(i[0] == "warning" for i in j)):
        failures.append(f"{name}: summary {summary['errors']}/{summary['warnings']} errors/warnings")


def main():
    vpnwire, root = sys.argv[1], sys.argv[2]
    captures = sorted(set(glob.glob(f"{root}/tests/**/*.pcap", recursive=True) +
                          glob.glob(f"{root}/tests/**/*.pcapng", recursive=True) +
                          glob.glob(f"{root}/examples/**/*.pcap", recursive=True) +
                          glob.glob(f"{root}/examples/**/*.pcapng", recursive=True)))
    failures, totals = [], {"error": 0, "warning": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(captures):
            check(vpnwire, path, failures, totals)
            corrupt = os.path.join(tmp, f"corrupt-{i}-" + os.path.basename(path))
            subprocess.run(["editcap", "--seed", str(1000 + i), "-E", "0.01", path, corrupt], check=True,
                           capture_output=True)
            check(vpnwire, corrupt, failures, totals)
    print(f"{len(captures)} captures and their corrupted copies: {totals['error']} errors, "
          f"{totals['warning']} warnings, the same in text, JSON and doctor")
    for f in failures[:40]:
        print("DISAGREE", f)
    if failures or not captures or totals["error"] < 100 or totals["warning"] < 100:
        sys.exit(1)


if __name__ == "__main__":
    main()
