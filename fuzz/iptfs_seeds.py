#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/iptfs_payload.cpp and fuzz/iptfs_receiver.cpp.

The payloads follow RFC 9347 section 2.2 byte for byte (header fields at their
offsets, blocks delimited by the inner IP length fields), including the example
flow of Appendix A. No tool writes AGGFRAG payloads on this machine (tshark 4.0
has no dissector, the kernel has no ESP), so the seeds are made here.

Usage: fuzz/iptfs_seeds.py   (rewrites fuzz/corpus/iptfs_payload/ and iptfs_receiver/)
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def ipv4(n, ident):
    hdr = bytearray(20)
    hdr[0] = 0x45
    struct.pack_into("!H", hdr, 2, n)
    struct.pack_into("!H", hdr, 4, ident & 0xFFFF)
    hdr[8], hdr[9] = 64, 17
    hdr[12:16] = bytes([10, 0, 0, 1])
    hdr[16:20] = bytes([10, 0, 0, 2])
    s = sum(struct.unpack("!10H", bytes(hdr)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    struct.pack_into("!H", hdr, 10, ~s & 0xFFFF)
    body = struct.pack("!I", ident) + bytes((ident * 31 + i) & 0xFF for i in range(24, n))
    return bytes(hdr) + body


def ipv6(n, ident):
    hdr = bytearray(40)
    hdr[0] = 0x60
    struct.pack_into("!H", hdr, 4, n - 40)
    hdr[6], hdr[7] = 17, 64
    hdr[8], hdr[9], hdr[24], hdr[25], hdr[39] = 0x20, 0x01, 0x20, 0x01, 2
    return bytes(hdr) + struct.pack("!I", ident) + bytes((ident * 17 + i) & 0xFF for i in range(44, n))


def header(block_offset):
    return struct.pack("!BBH", 0, 0, block_offset)


def cc_header(block_offset, flags, loss, rtt, delay, xdelay, tval, techo):
    packed = rtt << 42 | delay << 21 | xdelay
    return struct.pack("!BBHIQII", 1, flags, block_offset, loss, packed, tval, techo)


def write(corpus, name, data):
    d = os.path.join(HERE, "corpus", corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def payload_seeds():
    a, b, c, d, e = ipv4(800, 1), ipv4(800, 2), ipv4(60, 3), ipv4(240, 4), ipv4(4000, 5)
    # RFC 9347 Appendix A: BlockOffsets 0, 100, 2900, 1400; 1500 data bytes each.
    flow = [header(0) + a + b[:700], header(100) + b[700:] + c + d + e[:1100],
            header(2900) + e[1100:2600], header(1400) + e[2600:] + bytes(100)]
    for i, p in enumerate(flow, 1):
        write("iptfs_payload", "rfc9347_appendix_a_%d" % i, p)
    write("iptfs_payload", "aggregate_small", header(0) + ipv4(28, 1) + ipv6(48, 2) + ipv4(40, 3) + bytes(12))
    write("iptfs_payload", "pad_only", header(0) + bytes(60))
    write("iptfs_payload", "empty_data", header(0))
    y = ipv4(60, 11)
    write("iptfs_payload", "runt_ipv4", header(0) + ipv4(56, 10) + y[:3])
    write("iptfs_payload", "after_runt_ipv4", header(57) + y[3:] + bytes(4))
    write("iptfs_payload", "runt_ipv6", header(0) + ipv6(64, 12)[:5])
    write("iptfs_payload", "cc_header", cc_header(0, 0x01, 0x01020304, (1 << 22) - 1, 0, (1 << 21) - 1,
                                                  0xDEADBEEF, 0x01234567) + ipv6(80, 7) + bytes(8))
    write("iptfs_payload", "cc_continuation", cc_header(30, 0x02, 0, 5, 6, 7, 8, 9) + bytes(30) + ipv4(40, 8))
    write("iptfs_payload", "offset_past_end", header(2900) + bytes(40))
    write("iptfs_payload", "unknown_block_type", header(0) + ipv4(28, 1) + b"\x50\x00\x00\x00")
    write("iptfs_payload", "ipv4_length_19", header(0) + b"\x45\x00\x00\x13" + bytes(20))
    write("iptfs_payload", "unknown_sub_type", b"\x02\x00\x00\x00" + ipv4(28, 1))
    write("iptfs_payload", "truncated_cc", b"\x01\x00\x00\x00" + bytes(10))


def receiver_seeds():
    # Hostile mode (first byte even): configuration (reorder 3, drop time
    # 1001 us, slots of 2004 bytes, inner packets up to 8040), first number,
    # then ops: op, time step, [length, bytes] (op & 1 adds 256 to the length).
    cfg = bytes([3, 1]) + struct.pack("!HHH", 1000, 2000, 8000) + bytes([1])

    def receive(p, op=2):
        assert len(p) < 512
        return bytes([op | (1 if len(p) >= 256 else 0), 1, len(p) & 0xFF]) + p

    a, e = ipv4(200, 1), ipv4(500, 2)
    ops = b"".join(receive(p) for p in [header(0) + a + e[:300], header(200) + e[300:], header(0) + bytes(30),
                                        header(5) + b"\x01\x02\x03\x04\x05" + ipv6(50, 3), b"\x07\x00\x00\x00",
                                        header(0) + e[:250]])
    ops += bytes([0, 200])  # poll after the drop time
    ops += bytes([1, 1])  # flush
    write("iptfs_receiver", "hostile_mixed", b"\x00" + cfg + bytes([0]) + ops)
    # Out of order and duplicated numbers (op >> 3 >= 20 jumps around).
    jumpy = b"".join(receive(header(0) + ipv4(40, op), op) for op in (0xA2, 0xB2, 0x02, 0xC2, 0x02, 0xA2))
    write("iptfs_receiver", "hostile_reordered", b"\x00" + cfg + bytes([0]) + jumpy)

    # Stream mode (first byte odd): payload size, shape, configuration, packets, channel ops.
    def stream(payload_size, shape, reorder, sizes, channel):
        out = b"\x01" + struct.pack("!H", payload_size - 40) + bytes([shape])
        out += bytes([reorder, 1]) + struct.pack("!HHH", 2000, 0, 8960) + bytes([1])
        out += bytes([len(sizes) - 1])
        for v6, n in sizes:
            out += bytes([1 if v6 else 0]) + struct.pack("!H", n)
        return out + bytes(channel)

    mix = [(False, 40), (True, 1200), (False, 500), (True, 3), (False, 2900), (False, 100), (True, 60)] * 3
    write("iptfs_receiver", "stream_clean", stream(500, 0, 3, mix, [5] * 60))
    write("iptfs_receiver", "stream_padded_split_cc", stream(300, 7, 3, mix, [5] * 90))
    write("iptfs_receiver", "stream_loss", stream(400, 2, 3, mix, [5, 5, 0, 5, 5, 5, 0, 5] * 10))
    write("iptfs_receiver", "stream_duplicates", stream(400, 0, 1, mix, [1, 5, 1, 5] * 20))
    write("iptfs_receiver", "stream_reordered", stream(600, 1, 7, mix, [2, 5, 5, 0x1D, 2, 2, 5, 0x1D] * 10))
    write("iptfs_receiver", "stream_timeouts", stream(600, 0, 3, mix, [0xE2, 0xE5, 0xE4, 0xFD] * 15))
    write("iptfs_receiver", "stream_corrupt", stream(500, 2, 3, mix, [5, 3, 0, 0x11, 5, 5] * 12))


if __name__ == "__main__":
    payload_seeds()
    receiver_seeds()
