#!/usr/bin/python3
"""Writes the doctor PMTU seeds of fuzz/corpus/cli_pipeline/ (doctor_icmp_too_big: ESP and
L2TP packets with ICMP Fragmentation Needed quoting them; doctor_tcp_black_hole: a full-size
segment retransmitted while small ones pass). Layout: fuzz/cli_pipeline.cpp (c0 0x21: raw IPv4,
doctor). usage: /usr/bin/python3 fuzz/cli_pipeline_pmtu_seeds.py"""
import os
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "cli_pipeline")
import struct
from scapy.all import IP, TCP, UDP, ICMP, Raw
from scapy.layers.ipsec import SecurityAssociation, ESP
def rec(frame, dt=1, mode=0):
    b = bytes(frame)
    return struct.pack(">HBB", len(b), dt, mode) + b
sa = SecurityAssociation(ESP, spi=0x5e000101, crypt_algo="AES-CBC", crypt_key=bytes(16), auth_algo="HMAC-SHA1-96",
                         auth_key=bytes(20), tunnel_header=IP(src="198.51.100.1", dst="192.0.2.1", flags="DF"))
outer = sa.encrypt(IP(src="10.0.1.1", dst="10.0.0.1", flags="DF") / TCP(sport=443, dport=40000, flags="PA") / Raw(b"d" * 1448))
icmp = IP(src="203.0.113.254", dst="198.51.100.1") / ICMP(type=3, code=4, nexthopmtu=1400) / Raw(bytes(outer)[:548])
l2 = IP(src="198.51.100.7", dst="192.0.2.9", flags="DF") / UDP(sport=1701, dport=1701) / Raw(b"\x00\x02\x00\x07\x00\x09\xff\x03\x00\x21" + bytes(IP(src="10.8.0.1", dst="10.8.0.2") / UDP() / Raw(bytes(1400))))
icmp0 = IP(src="203.0.113.254", dst="198.51.100.7") / ICMP(type=3, code=4, nexthopmtu=0) / Raw(bytes(l2)[:28])
data = bytes([0x21, 0, 0]) + rec(outer) + rec(icmp) + rec(outer) + rec(icmp) + rec(l2) + rec(icmp0)
open(os.path.join(OUT, "doctor_icmp_too_big"), "wb").write(data)
seg = lambda seq, n: IP(src="10.0.1.1", dst="10.0.0.1", flags="DF") / TCP(sport=443, dport=40000, flags="PA", seq=seq) / Raw(b"x" * n)
frames = [seg(1, 200), seg(201, 200), seg(401, 1460), seg(401, 1460), seg(401, 1460), seg(401, 1460)]
data = bytes([0x21, 0, 0]) + b"".join(rec(f, 0x45) for f in frames)
open(os.path.join(OUT, "doctor_tcp_black_hole"), "wb").write(data)
