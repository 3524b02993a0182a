#!/usr/bin/python3
"""Writes the seed corpora of fuzz/ip_ipv6_chain and fuzz/ip_ipv6_reassembler.

ip_ipv6_chain: packets built by scapy (run with /usr/bin/python3, which has
Debian's scapy), each behind two bytes of walker limits.
ip_ipv6_reassembler: 4 configuration bytes then 8-byte records (see the
target's header comment), one meaningful stream per seed.

Usage: fuzz/ip_ipv6_seeds.py [fuzz/corpus]; files are named by their SHA-1
like libFuzzer's, so rerunning is idempotent.
"""
import hashlib
import pathlib
import sys

from scapy.all import (AH, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN,
                       RouterAlert, TCP, UDP, fragment6)

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "corpus")


def put(target, data):
    d = root / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


# --- ip_ipv6_chain --------------------------------------------------------
limits = bytes([15, 155])  # 16 headers, 1280 bytes
A, B = "2001:db8::1", "2001:db8::2"
chains = [
    IPv6(src=A, dst=B, tc=0x2e, fl=0x12345) / UDP(sport=1701, dport=1701) / b"hello l2tp",
    IPv6(src=A, dst=B) / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)])
    / IPv6ExtHdrRouting(type=0, addresses=["2001:db8::c"], segleft=0) / IPv6ExtHdrFragment(id=0x01020304)
    / AH(nh=6, payloadlen=4, spi=0x1000, seq=7, icv=b"\0" * 12)
    / TCP(sport=40000, dport=443, flags="S", options=[("MSS", 1440), ("NOP", None), ("WScale", 7)]),
    IPv6(src=A, dst=B) / IPv6ExtHdrFragment(id=0xdeadbeef) / UDP(sport=1, dport=2) / b"atomic",
    IPv6(src="fe80::1", dst="ff02::1") / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / UDP(),
    IPv6(src=A, dst=B) / TCP(sport=40001, dport=443, flags="SA", options=[("NOP", None), ("MSS", 1460), ("SAckOK", b"")])
    / b"x",
    IPv6(src=A, dst=B) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / TCP(flags="S", options=[("MSS", 1400)]),
    IPv6(src=A, dst=B) / IPv6ExtHdrFragment(id=5, m=1) / IPv6ExtHdrFragment(id=6) / UDP(),
]
for p in chains:
    put("ip_ipv6_chain", limits + bytes(p))
for f in fragment6(IPv6(src=A, dst=B) / IPv6ExtHdrFragment(id=77) / TCP(flags="S", options=[("MSS", 1460)])
                   / (b"y" * 3000), 1280):
    put("ip_ipv6_chain", limits + bytes(f))
put("ip_ipv6_chain", bytes([0, 0]) + bytes(chains[1]))  # the tightest limits

# --- ip_ipv6_reassembler --------------------------------------------------
def rec(step, key, off8, length, mf=False, tainted=False, damage=False, no_frag=False, ext=0, fill=0, caller=False,
        far=False):
    b2 = (0x80 | (off8 & 0x7F)) if far else off8
    b4 = ((length >> 8) & 0x0F) | (0x10 if mf else 0) | (0x20 if tainted else 0) | (0xC0 if damage else 0)
    b5 = (ext & 3) | (4 if caller else 0) | (0x30 if no_frag else 0)
    return bytes([step, key, b2, length & 0xFF, b4, b5, fill, 1])


# rfc5722 with 72 header bytes, 64 fragments, 64 KiB budget in 128-byte blocks, 8 slots, 1 ms timeout
cfg = bytes([0x24, 63, 0x16, 0x07])
streams = {
    "two in order": [rec(1, 0, 0, 1232, mf=True), rec(1, 0, 154, 500)],
    "three reversed with routing headers": [rec(1, 1, 40, 100, ext=2), rec(1, 1, 20, 160, mf=True, ext=2),
                                            rec(1, 1, 0, 160, mf=True, ext=2)],
    "atomic amid a reassembly": [rec(1, 2, 0, 64, mf=True), rec(1, 2, 0, 40), rec(1, 2, 8, 16)],
    "exact duplicate": [rec(1, 3, 0, 32, mf=True), rec(1, 3, 0, 32, mf=True), rec(1, 3, 4, 8)],
    "overlap drops the datagram": [rec(1, 4, 0, 32, mf=True), rec(1, 4, 2, 32, mf=True), rec(1, 4, 4, 8)],
    "first fragment without the UDP header": [rec(1, 5, 0, 8, mf=True), rec(1, 5, 1, 24), rec(1, 5, 0, 8, mf=True)],
    "misaligned then right": [rec(1, 6, 0, 16, mf=True), rec(1, 6, 2, 13, mf=True), rec(1, 6, 2, 16)],
    "timeout between fragments": [rec(1, 7, 0, 64, mf=True), rec(250, 7, 8, 64)],
    "not a fragment": [rec(1, 8, 0, 100, no_frag=True)],
    "near the 65535 limit": [rec(1, 9, 0x7F, 0xFFF, mf=True, far=True), rec(1, 9, 0, 64, mf=True)],
    "caller buffer too small": [rec(1, 10, 0, 1000, mf=True, caller=True), rec(1, 10, 125, 1000, caller=True, fill=2)],
    "tainted bytes": [rec(1, 11, 0, 64, mf=True), rec(1, 11, 8, 64, tainted=True, fill=0x5A)],
}
for name, recs in streams.items():
    put("ip_ipv6_reassembler", cfg + b"".join(recs))
# The same streams under linux_current and a target-based policy.
for policy in (0x23, 0x27):  # linux_current, bsd
    put("ip_ipv6_reassembler", bytes([policy]) + cfg[1:] + b"".join(r for recs in streams.values() for r in recs))
