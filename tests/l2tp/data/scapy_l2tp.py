#!/usr/bin/python3
# Builds L2TPv2 datagrams with scapy (scapy.layers.l2tp) for
# interop_scapy_test.cpp and prints, one per line, the bytes and the fields
# scapy itself dissects from them:
#   <kind> <hex> <flags> <version> <len|-> <tunnel> <session> <ns|-> <nr|-> <offset|-> <payload hex|-> <avps|->
# avps: "m,h,vendor,type,valuehex;..." as packed here for control messages.
# Scapy 2.5 writes the Offset Size field followed by 2 pad bytes whatever its
# value (PadField to 4), so data messages with O=1 use Offset Size 2, where
# scapy and RFC 2661 §3.1 agree.
import random
import struct
import sys

from scapy.layers.l2tp import L2TP
from scapy.packet import Raw

rng = random.Random(2661)


def avp(m, h, vendor, typ, value):
    return struct.pack("!HHH", (0x8000 if m else 0) | (0x4000 if h else 0) | (6 + len(value)), vendor, typ) + value


def emit(kind, raw, avps):
    p = L2TP(raw)
    hdr = int(p.hdr)
    ctrl_or_len = hdr & (0x800 | 0x400)  # scapy's hdr is the first 12 bits: T = 0x800, L = 0x400
    seq = hdr & (0x80 | 0x800)
    off = (not hdr & 0x800) and hdr & 0x20
    payload = bytes(p.payload)
    cols = [kind, raw.hex(), str(hdr), str(int(p.version)),
            str(p.len) if ctrl_or_len else "-",
            str(p.tunnel_id), str(p.session_id),
            str(p.ns) if seq else "-", str(p.nr) if seq else "-",
            str(p.offset) if off else "-",
            payload.hex() if payload else "-",
            ";".join("%d,%d,%d,%d,%s" % (m, h, v, t, val.hex()) for (m, h, v, t, val) in avps) if avps else "-"]
    print(" ".join(cols))


# Data messages: every combination of L, S, O, P.
for i in range(200):
    flags = []
    if rng.random() < 0.5:
        flags.append("length")
    if rng.random() < 0.5:
        flags.append("sequence")
    if rng.random() < 0.5:
        flags.append("offset")
    if rng.random() < 0.5:
        flags.append("priority")
    kw = dict(hdr="+".join(flags) if flags else 0, tunnel_id=rng.randrange(65536), session_id=rng.randrange(65536))
    if "sequence" in flags:
        kw.update(ns=rng.randrange(65536), nr=rng.randrange(65536))
    if "offset" in flags:
        kw.update(offset=2)
    ppp = bytes([0xff, 0x03]) + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60)))
    emit("D", bytes(L2TP(**kw) / Raw(ppp)), None)

# Control messages: a few message types with hand-packed AVPs, and the ZLB.
for i in range(100):
    which = i % 4
    avps = [(1, 0, 0, 0, struct.pack("!H", [6, 11, 12, 4][which]))]
    if which == 1:  # ICRP
        avps.append((1, 0, 0, 14, struct.pack("!H", rng.randrange(1, 65536))))
    if which == 2:  # ICCN
        avps.append((1, 0, 0, 24, struct.pack("!I", rng.randrange(1 << 32))))
        avps.append((1, 0, 0, 19, struct.pack("!I", rng.randrange(1, 4))))
        if rng.random() < 0.5:
            avps.append((0, 0, 9, 1, bytes(rng.randrange(256) for _ in range(rng.randrange(0, 20)))))  # vendor, M=0
        avps.append((0, 0, 0, 38, struct.pack("!I", rng.randrange(1 << 32))))
    if which == 3:  # StopCCN
        avps.append((1, 0, 0, 9, struct.pack("!H", rng.randrange(1, 65536))))
        msg = b"bye" * rng.randrange(0, 5)
        avps.append((1, 0, 0, 1, struct.pack("!HH", 1, 0) + msg))
    body = b"".join(avp(*a) for a in avps)
    pkt = L2TP(hdr="control+length+sequence", tunnel_id=rng.randrange(65536), session_id=rng.randrange(65536),
               ns=rng.randrange(65536), nr=rng.randrange(65536)) / Raw(body)
    emit("C", bytes(pkt), avps)
emit("Z", bytes(L2TP(hdr="control+length+sequence", tunnel_id=5, ns=1, nr=2)), None)
sys.stdout.flush()
