#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/esp_decap_burst.cpp into
fuzz/corpus/esp_decap_burst/ (file name = SHA-1 of the content).

Input layout: [cfg a][cfg b][flags][8 bytes window top], then records
[ctl][len high][len low][bytes]. ctl bit 0: SA 1; bit 1: seal (valid ICV);
bit 2: repeat the previous packet; bit 3: sequence = top + (ctl >> 4) - 4.
cfg bytes follow esp_fuzz::config_from: a % 6 picks the cipher (0 null,
1 cbc, 2 ctr, 3 gcm, 4 gmac, 5 chacha), b % 4 the HMAC, b & 4 tunnel,
b & 8 ESN, b & 32 relaxed padding.
"""
import hashlib
import os
import struct
import sys

SEAL, REPEAT, SEQ = 2, 4, 8


def sizes(a, b):
    """(iv, icv, alignment, tunnel) of esp_fuzz::config_from(a, b)."""
    cipher = a % 6
    iv = {0: 0, 1: 16}.get(cipher, 8)
    if cipher == 3:
        icv = (8, 12, 16)[(a // 18) % 3]
    elif cipher in (4, 5):
        icv = 16
    else:
        icv = (12, 16, 24, 32)[b % 4]
    align = 16 if cipher == 1 else 4
    return iv, icv, align, (b & 4) != 0


def packet(cfg, seq, payload_len):
    """A well-formed ESP packet for SA config bytes `cfg` = (a, b): header,
    IV, payload (an IPv4 header with the right total length in tunnel mode),
    default padding, pad length, next header, and room for the ICV. The
    target encrypts the body and seals it when the record says so."""
    iv, icv, align, tunnel = sizes(*cfg)
    payload = bytearray((i * 7 + 3) & 0xFF for i in range(payload_len))
    nh = 17
    if tunnel and payload_len >= 20:
        payload[0] = 0x45
        payload[2:4] = struct.pack(">H", payload_len)
        nh = 4
    pad = (align - (payload_len + 2) % align) % align
    body = bytes(payload) + bytes(range(1, pad + 1)) + bytes([pad, nh])
    return struct.pack(">II", 0x01020304, seq) + bytes(range(iv)) + body + bytes(icv)


def record(ctl, body=b""):
    return bytes([ctl]) + struct.pack(">H", len(body)) + body


def seq_ctl(delta, extra=0):
    """A sealed record whose sequence number is top + delta (delta in -4..11)."""
    return ((delta + 4) << 4) | SEQ | SEAL | extra


def seed(a, b, flags, top, records):
    return bytes([a, b, flags]) + struct.pack(">Q", top) + b"".join(records)


def main(out_dir):
    seeds = []
    top = 100
    # GCM-128 (16-byte ICV) tunnel: three packets in order, then a copy of the second.
    g = (3 + 36, 4)
    seeds.append(seed(*g, 0, top, [record(seq_ctl(1), packet(g, 0, 80)), record(seq_ctl(2), packet(g, 0, 80)),
                                   record(seq_ctl(3), packet(g, 0, 80)), record(seq_ctl(2), packet(g, 0, 80))]))
    # The same number twice, forged first (not sealed), then genuine, then a repeat.
    g = (3, 0)
    seeds.append(seed(*g, 0, top, [record(((1 + 4) << 4) | SEQ, packet(g, 0, 64)),
                                   record(seq_ctl(1), packet(g, 0, 64)), record(REPEAT)]))
    # AES-CBC + HMAC-SHA1-96 transport: a far jump that pushes a later, lower number out.
    c = (1, 0)
    seeds.append(seed(*c, 0, top, [record(SEAL, packet(c, top + 500, 96)), record(seq_ctl(-3), packet(c, 0, 96)),
                                   record(seq_ctl(-2), packet(c, 0, 96))]))
    # ESN near a 2^32 boundary, AES-CTR + HMAC-SHA256 on SA 0 and the mirrored config on SA 1.
    e0, e1 = (2, 1 | 8), (1 | 8, 2)
    seeds.append(seed(*e0, 2, 0xFFFFFFF0, [record(seq_ctl(5), packet(e0, 0, 60)),
                                           record(seq_ctl(7, 1), packet(e1, 0, 60)),
                                           record(seq_ctl(-2), packet(e0, 0, 60)),
                                           record(seq_ctl(11), packet(e0, 0, 60))]))
    # ChaCha20-Poly1305 tunnel, plus truncated, empty and unsealed packets.
    h = (5, 4 | 16)
    seeds.append(seed(*h, 0, top, [record(seq_ctl(1), packet(h, 0, 120)), record(0, b"\x01\x02\x03"),
                                   record(0, b""), record(SEQ | (6 << 4), packet(h, 0, 12)),
                                   record(seq_ctl(2), packet(h, 0, 12))]))
    # GMAC on SA 0, NULL + HMAC-SHA512 on SA 1, relaxed padding.
    m0, m1 = (4, 3 | 32), (3 | 32, 4)
    seeds.append(seed(*m0, 0, top, [record(seq_ctl(1), packet(m0, 0, 40)),
                                     record(seq_ctl(1, 1), packet(m1, 0, 40)), record(REPEAT | 1)]))
    # A burst longer than one chunk (70 packets, GCM-256 tunnel), with a copy every tenth.
    g = (3 + 12 + 36, 4)
    recs = []
    for i in range(70):
        recs.append(record(REPEAT) if i % 10 == 9 else record(seq_ctl(i % 12 - 4), packet(g, 0, 50 + i)))
    seeds.append(seed(*g, 0, top, recs))
    os.makedirs(out_dir, exist_ok=True)
    for s in seeds:
        with open(os.path.join(out_dir, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print(f"{len(seeds)} seeds in {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "esp_decap_burst"))
