#!/usr/bin/python3
"""Writes fuzz/corpus/cli_iptfs_stage/ (input layout: fuzz/cli_iptfs_stage.cpp):
AGGFRAG payloads packed from RFC 9347 section 2.2 (the same packing as
tests/cli/iptfs_test.py): a packet over three payloads, an aggregate, a split
length field, a pad-only payload, payloads out of order, a loss.

usage: /usr/bin/python3 fuzz/cli_iptfs_seeds.py
"""
import os
import struct

from scapy.all import IP, UDP, Raw

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "cli_iptfs_stage")


def udp(n, size):
    return bytes(IP(src="10.9.0.1", dst="10.9.1.1", id=n) / UDP(sport=4000 + n, dport=9) / Raw(bytes([n]) * (size - 28)))


def pack(packets, space):
    out, i, off = [], 0, 0
    while i < len(packets):
        bo = len(packets[i]) - off if off else 0
        data = bytearray()
        while len(data) < space and i < len(packets):
            take = min(space - len(data), len(packets[i]) - off)
            data += packets[i][off:off + take]
            off += take
            if off == len(packets[i]):
                i, off = i + 1, 0
        data += bytes(space - len(data))
        out.append(bytes([0, 0]) + bo.to_bytes(2, "big") + bytes(data))
    return out


def records(payloads, dseq=None, spi=0):
    b = b""
    for k, p in enumerate(payloads):
        d = 9 if dseq is None else dseq[k]
        b += struct.pack(">BBBH", spi, d, 1, len(p)) + p
    return b


inner = [udp(1, 397), udp(2, 1000)] + [udp(10 + i, 40) for i in range(6)] + [udp(20, 300)]
p = pack(inner, 400)
seeds = {
    "in_order": records(p),
    "swapped": records([p[0], p[2], p[1]] + p[3:], [9, 10, 7] + [9] * (len(p) - 3)),
    "lost_middle": records(p[:2] + p[3:], [9, 9, 10] + [9] * (len(p) - 4)),
    "pad_only_between": records(p + [bytes(4 + 400)] + pack([udp(30, 200)], 400)),
    "two_sas": records(p[:3]) + records(p[:3], spi=1),
    "congestion_control": records([bytes([1, 0, 0, 0]) + bytes(20) + udp(5, 100)]),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), OUT))
