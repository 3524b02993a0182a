#!/usr/bin/python3
"""Writes the seed corpora of fuzz/icmp_view.cpp and fuzz/tunnel_pmtu_tracker.cpp
(run from the repository root with Debian's python3, which has scapy).

icmp_view: the ICMP/ICMPv6 messages of tests/ip/icmp_scapy.py (scapy-built
errors quoting ESP, ESP in UDP, L2TP, IKE and TCP, over IPv6 also behind
Fragment, Destination Options, Hop-by-Hop/Routing and AH headers), each as a bare message
(byte 0 = 0 or 1; ICMPv6 preceded by the pseudo-header addresses) and as a
whole packet (byte 0 = 2), plus an RFC 4884 message with extensions.

tunnel_pmtu_tracker: operation streams (see the target's header comment):
a Fragmentation Needed lowering an IPv4 SA, aging, an ICMPv6 Packet Too Big
for a NAT-T SA, an old router without MTU, a short RFC 792 quote, raw bytes."""
import hashlib
import os
import struct
import subprocess

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.ipsec import ESP
from scapy.packet import Raw

ROOT = os.path.dirname(os.path.abspath(__file__))


def write(target, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def icmp_view():
    script = os.path.join(ROOT, "..", "tests", "ip", "icmp_scapy.py")
    for line in subprocess.check_output(["/usr/bin/python3", script]).decode().splitlines():
        family, hexbytes = line.split()[:2]
        pkt = bytes.fromhex(hexbytes)
        write("icmp_view", b"\x02" + pkt)
        if family == "icmp4":
            ihl = (pkt[0] & 15) * 4
            write("icmp_view", b"\x00" + pkt[ihl:])
        else:
            write("icmp_view", b"\x01" + pkt[8:40] + pkt[40:])
    # RFC 4884: Time Exceeded with a 128-byte original datagram and an extension.
    inv = IP(src="192.0.2.10", dst="203.0.113.20") / UDP(sport=4500, dport=4500) / Raw(
        struct.pack("!II", 0x1234, 5) + bytes(92))
    msg = ICMP(type=11, code=0, length=32) / Raw(bytes(inv)[:128] + bytes.fromhex("20000000000800010a000001"))
    write("icmp_view", b"\x00" + bytes(msg))


def tracker():
    def cfg(flags, window, floor, aging, link):
        return struct.pack("!BHHBH", flags, window, floor - 68, aging, link - 1280)

    def built(op, size, back, mtu):
        return struct.pack("!BHBH", op, size - 60, back, mtu)

    def sent(n):
        return struct.pack("!BH", 1, n)

    def wait(tenths):
        return struct.pack("!BH", 0, tenths)

    # IPv4, accept only recent sequence numbers: lowered to 1400, refreshed, stale, aged.
    write("tunnel_pmtu_tracker", cfg(0x20, 1000, 576, 60, 1500) + sent(100) + built(8, 1500, 1, 1400) +
          built(8, 1500, 2, 1400) + built(8, 1500, 3, 1480) + wait(700) + built(8, 1500, 200, 1300))
    # IPv6 outside, NAT-T, accept: a Packet Too Big, one below 1280, Time Exceeded.
    write("tunnel_pmtu_tracker", cfg(0x15, 65535, 576, 255, 1500) + sent(5) + built(8, 1500, 1, 1400) +
          built(8, 1500, 1, 1200) + built(3, 1500, 1, 0))
    # IPv4, an old router (MTU 0: plateaus), below the floor, a short quote, another SPI.
    write("tunnel_pmtu_tracker", cfg(0x10, 10, 600, 10, 9000) + built(8, 9000, 0, 0) + built(8, 8166, 0, 0) +
          built(8, 1500, 0, 100) + built(138, 1500, 0, 1000) + built(73, 1500, 0, 1000))
    # Raw bytes and an unmatched family mix.
    write("tunnel_pmtu_tracker", cfg(0x23, 4, 68, 1, 1280) + struct.pack("!BH", 2, 8) + bytes(8) +
          built(8, 1400, 0, 1300) + wait(20) + built(4, 1400, 0, 1300))


if __name__ == "__main__":
    icmp_view()
    tracker()
