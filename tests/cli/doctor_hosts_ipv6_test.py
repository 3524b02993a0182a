#!/usr/bin/python3
"""doctor names hosts of either family (RFC 5952 text for IPv6) in its L2TP
sequencing/reordering findings and its checksum-offload finding.

scapy builds L2TPv2 over UDP/IPv6 between A6 and B6: A6 sends sequenced data
(S bit) out of order (Ns 0 2 1 3 4), every datagram with a wrong UDP checksum
(what a sender with checksum offload hands its own capture); B6 answers with
unsequenced data and correct checksums. Checked against tshark:
  - the addresses of the sequenced and the reordered packets (ipv6.src,
    ipv6.dst of l2tp.Ns) are the ones doctor's findings name;
  - the senders of the datagrams tshark finds with a bad UDP checksum
    (udp.checksum.status == 0) are the one host doctor blames, and the count
    is doctor's count;
and the same checks on the checked-in capture tests/cli/captures/ipv6-scapy.pcap.

usage: doctor_hosts_ipv6_test.py VPNWIRE
"""
import os
import re
import subprocess
import sys
import tempfile

from scapy.all import IP, IPv6, UDP, Raw, Ether, wrpcap

VPNWIRE = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
FAILS = []
A6, B6 = "2001:db8:a::1", "2001:db8:b:0:0:0:0:2"  # B6 written long on purpose: doctor must compress it
B6_TEXT = "2001:db8:b::2"


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def l2tp_data(ns, seq, payload):
    ppp = b"\xff\x03\x00\x21" + payload
    if seq:  # T=0 L=1 S=1, version 2
        hdr = (0x4802).to_bytes(2, "big") + (12 + len(ppp)).to_bytes(2, "big") + (7).to_bytes(2, "big") + \
            (9).to_bytes(2, "big") + ns.to_bytes(2, "big") + (0).to_bytes(2, "big")
    else:  # T=0 L=1, version 2
        hdr = (0x4002).to_bytes(2, "big") + (8 + len(ppp)).to_bytes(2, "big") + (7).to_bytes(2, "big") + \
            (9).to_bytes(2, "big")
    return hdr + ppp


def build(path):
    frames, t = [], 1_000_000.0
    inner = bytes(IP(src="10.8.0.1", dst="10.8.0.2") / UDP(sport=5000, dport=53) / Raw(b"q" * 20))
    for ns in (0, 2, 1, 3, 4):
        t += 0.01
        f = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IPv6(src=A6, dst=B6) / UDP(sport=1701, dport=1701, chksum=0x1234) / \
            Raw(l2tp_data(ns, True, inner))
        f.time = t
        frames.append(f)
        t += 0.01
        g = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IPv6(src=B6, dst=A6) / UDP(sport=1701, dport=1701) / Raw(l2tp_data(0, False, inner))
        g.time = t
        frames.append(g)
    wrpcap(path, frames)


def tshark(cap, filt, fields, prefs=()):
    cmd = ["tshark", "-r", cap, "-d", "udp.port==1701,l2tp", "-Y", filt, "-T", "fields", "-E", "separator=,",
           "-E", "occurrence=f"] + list(prefs)
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return [l.split(",") for l in r.stdout.splitlines() if l]


def doctor(cap):
    r = subprocess.run([VPNWIRE, "doctor", cap], capture_output=True, text=True)
    check(r.returncode == 0, "doctor exit %d: %s" % (r.returncode, r.stderr))
    return r.stdout


def main():
    tmp = tempfile.mkdtemp(prefix="vpnwire-hosts6-")
    cap = os.path.join(tmp, "l2tp_ipv6.pcap")
    build(cap)
    out = doctor(cap)
    check("0.0.0.0" not in out, "an IPv6 host printed as 0.0.0.0:\n" + out)

    seq = tshark(cap, "l2tp.Ns", ["ipv6.src", "ipv6.dst", "l2tp.Ns"])
    check(len(seq) == 5 and {(s, d) for s, d, _ in seq} == {(A6, B6_TEXT)}, "tshark sequenced packets: %s" % seq)
    src, dst = seq[0][0], seq[0][1]
    ns = [int(n) for _, _, n in seq]
    check(ns == [0, 2, 1, 3, 4], "tshark Ns order %s" % ns)
    check(re.search(r"critical: L2TP packets reordered in tunnel 7 session 9 \(%s to %s\)" % (re.escape(src),
                    re.escape(dst)), out) is not None, "reorder finding does not name %s to %s:\n%s" % (src, dst, out))
    check(re.search(r"L2TP data from %s to %s is sequenced" % (re.escape(src), re.escape(dst)), out) is not None,
          "sequencing finding does not name the direction:\n" + out)

    bad = tshark(cap, "udp.checksum.status == 0", ["ipv6.src"], ["-o", "udp.check_checksum:TRUE"])
    check(len(bad) == 5 and {b[0] for b in bad} == {A6}, "tshark bad UDP checksums: %s" % bad)
    check("note: bad checksums all come from %s: likely checksum offload" % A6 in out,
          "checksum-offload finding does not name %s:\n%s" % (A6, out))
    check(re.search(r"evidence: %d \S+ checksums fail, every one in a packet from %s" % (len(bad), re.escape(A6)),
                    out) is not None, "checksum count differs from tshark's %d:\n%s" % (len(bad), out))

    # The checked-in L2TP-over-IPv6 capture (make_captures.py).
    cap = os.path.join(HERE, "captures", "ipv6-scapy.pcap")
    out = doctor(cap)
    seq = tshark(cap, "l2tp.Ns && l2tp.type == 0", ["ipv6.src", "ipv6.dst"])
    check(len(seq) >= 1, "tshark finds no sequenced L2TP data in ipv6-scapy.pcap")
    for s, d in {(s, d) for s, d in seq}:
        check("L2TP data from %s to %s is sequenced" % (s, d) in out, "ipv6-scapy.pcap: %s to %s not named:\n%s" %
              (s, d, out))
    check("0.0.0.0" not in out, "ipv6-scapy.pcap: 0.0.0.0 printed:\n" + out)

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("doctor_hosts_ipv6_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
