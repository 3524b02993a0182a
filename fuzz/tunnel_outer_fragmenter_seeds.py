#!/usr/bin/python3
"""Writes the seed corpus of fuzz/tunnel_outer_fragmenter.cpp (run from the
repository root with Debian's python3, which has scapy): MTU (2 bytes),
identification (4 bytes), then a packet built by scapy: UDP over IPv6 with
no extension headers, with Hop-by-Hop + Destination Options, with a Routing
header, ESP over IPv6 that fits, an IPv6 packet that is already a fragment,
and an IPv4 packet with DF clear."""
import hashlib
import os
import struct

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting
from scapy.layers.ipsec import ESP
from scapy.packet import Raw

ROOT = os.path.dirname(os.path.abspath(__file__))
S, D = "2001:db8::1", "2001:db8::2"


def write(mtu, ident, pkt):
    data = struct.pack("!HI", mtu, ident) + bytes(pkt)
    d = os.path.join(ROOT, "corpus", "tunnel_outer_fragmenter")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def main():
    body = bytes(range(256)) * 12
    write(1280, 1, IPv6(src=S, dst=D) / UDP(sport=4500, dport=4500) / Raw(body))
    write(1300, 0xCAFE, IPv6(src=S, dst=D) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / UDP(sport=1701, dport=1701) /
          Raw(body[:2000]))
    write(1280, 7, IPv6(src=S, dst=D) / IPv6ExtHdrRouting(type=2, segleft=0, addresses=["2001:db8::3"]) /
          IPv6ExtHdrDestOpt() / UDP() / Raw(body[:1500]))
    write(1500, 9, IPv6(src=S, dst=D, nh=50) / ESP(spi=0x1234, seq=1, data=body[:200]))
    write(600, 3, IPv6(src=S, dst=D) / IPv6ExtHdrFragment(offset=0, m=1, id=5) / UDP() / Raw(body[:1000]))
    write(576, 0, IP(src="192.0.2.1", dst="192.0.2.2", flags=0, id=0x4242, proto=50) / Raw(body[:1400]))


if __name__ == "__main__":
    main()
