#!/usr/bin/python3
"""decode's AGGFRAG layer (RFC 9347 IP-TFS, ESP next header 144), end to end.

The AGGFRAG payloads are packed here, independently of vpnwire, from RFC 9347
section 2.2 (Sub-Type 0, BlockOffset = the bytes that continue the packet in
progress, data blocks = the inner IP packets back to back, zero padding as a
pad block) and encrypted by scapy's ESP (next header 144). The inner traffic
has the cases of the RFC's figures:
  - an inner packet split across three outer packets (BlockOffset > payload);
  - an aggregate of small packets in one payload;
  - a packet whose IPv4 length field is split between two payloads (3 bytes
    of its header end one payload: the runt rule);
  - a pad-only payload between packets;
  - two outer packets swapped on the wire (within the reorder window of 3);
  - in a second capture, one outer packet lost in the middle of a split
    packet (that packet abandoned, the rest delivered in order).

Checked: --write-inner writes exactly the inner packets packed, in order,
byte for byte (minus the abandoned one); the JSON AGGFRAG layer's fields
(vpnwire.iptfs.block_offset, the blocks) match what was packed; tshark,
decrypting with the same key (esp_sa UAT), reads next header 144 on every
packet; the text line names AGGFRAG.

usage: iptfs_test.py VPNWIRE
"""
import json
import os
import subprocess
import sys
import tempfile

from scapy.all import IP, UDP, TCP, Raw, Ether, wrpcap, rdpcap
from scapy.layers.ipsec import SecurityAssociation, ESP

VPNWIRE = sys.argv[1]
FAILS = []
SPI = 0xC1A0F900
KEY, AUTH = "00112233445566778899aabbccddeeff", "0102030405060708090a0b0c0d0e0f1011121314"
ESP_SA = "spi=0x%08x,enc=aes-cbc,key=0x%s,auth=hmac-sha1-96,auth-key=0x%s" % (SPI, KEY, AUTH)
SPACE = 1000  # data bytes per AGGFRAG payload (after the 4-byte header)


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def udp(n, size):
    return bytes(IP(src="10.9.0.1", dst="10.9.1.1", id=n) / UDP(sport=4000 + n, dport=9) / Raw(bytes([n]) * (size - 28)))


def inner_packets():
    p = [udp(1, 997)]               # leaves 3 bytes of the next packet's header: its length field is split
    p.append(udp(2, 2500))          # spans three payloads
    p += [udp(10 + i, 60) for i in range(8)]  # aggregated
    p.append(bytes(IP(src="10.9.1.1", dst="10.9.0.1", id=30) / TCP(sport=80, dport=5555, flags="PA", seq=7) /
                   Raw(b"t" * 300)))
    p.append(udp(31, 1400))
    return p


def pack(packets):
    """RFC 9347 payloads of SPACE data bytes: (payload bytes, block_offset, [block starts])."""
    out, i, off = [], 0, 0
    while i < len(packets):
        bo = len(packets[i]) - off if off else 0
        data, starts = bytearray(), []
        while len(data) < SPACE and i < len(packets):
            if off == 0:
                starts.append(len(data))
            take = min(SPACE - len(data), len(packets[i]) - off)
            data += packets[i][off:off + take]
            off += take
            if off == len(packets[i]):
                i, off = i + 1, 0
        data += bytes(SPACE - len(data))  # a pad block (type 0) fills the rest
        out.append((bytes([0, 0]) + bo.to_bytes(2, "big") + bytes(data), bo, starts))
    return out


def capture(path, payloads, order):
    sa = SecurityAssociation(ESP, spi=SPI, crypt_algo="AES-CBC", crypt_key=bytes.fromhex(KEY),
                             auth_algo="HMAC-SHA1-96", auth_key=bytes.fromhex(AUTH))
    esp = [sa.encrypt(IP(src="192.0.2.1", dst="192.0.2.2", proto=144) / Raw(p)) for p in payloads]
    frames = []
    for k, idx in enumerate(order):
        f = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / esp[idx]
        f.time = 1_700_000_000 + k * 0.001
        frames.append(f)
    wrpcap(path, frames)


def decode(cap, tmp, name):
    out = os.path.join(tmp, name)
    r = subprocess.run([VPNWIRE, "decode", "--json", "--esp-sa", ESP_SA, "--write-inner", out, cap],
                       capture_output=True, text=True)
    check(r.returncode == 0, "decode exit %d: %s" % (r.returncode, r.stderr))
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    return rows, [bytes(p) for p in rdpcap(out)] if os.path.exists(out) else []


def main():
    tmp = tempfile.mkdtemp(prefix="vpnwire-iptfs-")
    inner = inner_packets()
    # The last packet after a pad-only payload (the packets before it end in a padded payload).
    packed = pack(inner[:-1]) + [(bytes([0, 0, 0, 0]) + bytes(SPACE), 0, [])] + pack(inner[-1:])
    payloads = [p for p, _, _ in packed]
    meta = [(bo, starts) for _, bo, starts in packed]
    check(any(0 < SPACE - s[-1] < 4 for _, s in meta if s), "no payload splits a length field")
    check(any(bo > SPACE for bo, _ in meta), "no packet spans three payloads")
    order = list(range(len(payloads)))
    order[1], order[2] = order[2], order[1]  # swapped on the wire
    cap = os.path.join(tmp, "iptfs.pcap")
    capture(cap, payloads, order)

    rows, written = decode(cap, tmp, "inner.pcap")
    check(written == inner, "--write-inner: %d packets, expected the %d packed, in order, byte for byte"
          % (len(written), len(inner)))
    frames = [r for r in rows if "layers" in r]
    seen = 0
    for r, idx in zip(frames, order):
        check(r["error"] is None, "frame %d: error %s" % (r["frame"], r["error"]))
        esp = next(l for l in r["layers"] if l["proto"] == "esp")
        check(esp.get("esp.protocol") == 144, "frame %d: esp.protocol %s" % (r["frame"], esp.get("esp.protocol")))
        t = next((l for l in r["layers"] if l["proto"] == "iptfs"), None)
        check(t is not None, "frame %d: no iptfs layer" % r["frame"])
        if t is None:
            continue
        bo, starts = meta[idx]
        check(t["vpnwire.iptfs.block_offset"] == bo, "frame %d: block_offset %s, packed %d" %
              (r["frame"], t["vpnwire.iptfs.block_offset"], bo))
        data_starts = [b["vpnwire.iptfs.block.offset"] - 4 for b in t["vpnwire.iptfs.blocks"]
                       if b["vpnwire.iptfs.block.type"] in (4, 6)]
        check(data_starts == starts, "frame %d: blocks start at %s, packed at %s" % (r["frame"], data_starts, starts))
        seen += t["vpnwire.iptfs.inner_completed"]
    check(seen == len(inner), "inner_completed adds up to %d, not %d" % (seen, len(inner)))

    # tshark decrypts with the same key: the plaintext starts with the payload packed here and its
    # trailer's last byte (Next Header) is 144.
    uat = '"IPv4","*","*","0x%08x","AES-CBC [RFC3602]","0x%s","HMAC-SHA-1-96 [RFC2404]","0x%s"' % (SPI, KEY, AUTH)
    ts = subprocess.run(["tshark", "-r", cap, "-o", "esp.enable_encryption_decode:TRUE", "-o", "uat:esp_sa:" + uat,
                         "-T", "fields", "-e", "esp.sequence", "-e", "esp.decrypted_data"], capture_output=True,
                        text=True)
    lines = [l.split("\t") for l in ts.stdout.splitlines()]
    check(len(lines) == len(frames), "tshark: %d lines" % len(lines))
    for r, idx, l in zip(frames, order, lines):
        esp = next(x for x in r["layers"] if x["proto"] == "esp")
        plain = bytes.fromhex(l[1].replace(":", "")) if len(l) > 1 else b""
        check(plain.startswith(payloads[idx]) and plain[-1:] == bytes([144]),
              "frame %d: tshark's plaintext is not the packed payload with next header 144" % r["frame"])
        check(plain[-2] == esp.get("esp.pad_len"), "frame %d: pad length %s vs tshark %d" %
              (r["frame"], esp.get("esp.pad_len"), plain[-2] if plain else -1))
        check(str(esp["esp.sequence"]) == l[0], "esp.sequence %s vs tshark %s" % (esp["esp.sequence"], l[0]))

    text = subprocess.run([VPNWIRE, "decode", "--esp-sa", ESP_SA, cap], capture_output=True, text=True).stdout
    check("AGGFRAG(off=497,blocks=10,inner=9) | IP 10.9.0.1 > 10.9.1.1 UDP 4002 > 9 IP 10.9.0.1 > 10.9.1.1 UDP 4010 > 9" in text, "text output:\n" + text)

    # Loss in the middle of the packet split across three payloads.
    mid = next(k for k, (bo, _) in enumerate(meta) if bo > SPACE)
    lossy = [k for k in range(len(payloads)) if k != mid]
    cap2 = os.path.join(tmp, "iptfs-loss.pcap")
    capture(cap2, payloads, lossy)
    rows, written = decode(cap2, tmp, "inner-loss.pcap")
    check(written == [p for p in inner if p != inner[1]],
          "with payload %d lost: %d packets written, expected all but the split one" % (mid, len(written)))

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("iptfs_test: all checks passed (%d payloads, %d inner packets)" % (len(payloads), len(inner)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
