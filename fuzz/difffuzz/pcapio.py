"""Minimal pcap reading and writing (classic pcap, microsecond, either byte order)."""
import glob
import os
import struct


def read(path):
    """(linktype, [frame bytes]) of a classic pcap file."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    frames = []
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[pos:pos + 16])
        frames.append(data[pos + 16:pos + 16 + incl])
        pos += 16 + incl
    return linktype, frames


def write(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, b in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(b), len(b)))
            f.write(b)


def project_seeds(root):
    """Every frame of the project's classic-pcap captures, as (linktype, bytes)."""
    out = []
    paths = sorted(glob.glob(os.path.join(root, "examples/captures/*.pcap")))
    paths += sorted(glob.glob(os.path.join(root, "tests/cli/captures/*.pcap")))
    for p in paths:
        lt, frames = read(p)
        out += [(lt, f) for f in frames if f]
    return out
