#!/usr/bin/env python3
"""ctest dpdk_receive_matches_cli: runs the DPDK example (vpnwire_dpdk_receive,
net_pcap in and out, two lcores) on both incident captures, and on incident 1
with frames swapped so that L2TP data arrives out of order (the reorder
windows must hold packets), and compares the inner packets it writes with
`vpnwire decode --write-inner`.

The CLI writes the innermost IPv4 packet of every frame; for a frame with no
tunnelled IPv4 packet inside (L2TP control messages, LCP/IPCP, IKE) that is
the captured outer packet itself. The DPDK example writes only the tunnelled
packets, so the CLI's outer packets (byte-identical to a captured frame's
IPv4 packet) are set aside first. What remains must be the same packets,
byte for byte, and within each inner flow (source and destination address)
in the same order: the example shards by tunnel over two lcores, so only
the interleaving of different tunnels' packets may differ.
"""
import argparse
import collections
import os
import struct
import subprocess
import sys

INCIDENTS = {
    "incident1-l2tp-reorder.pcap": [
        "spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,"
        "auth=hmac-sha1-96,auth-key=0x0102030405060708090a0b0c0d0e0f1011121314",
        "spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,"
        "auth=hmac-sha1-96,auth-key=0x2122232425262728292a2b2c2d2e2f3031323334",
    ],
    "incident2-esp-pppoe-mtu.pcap": [
        "spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe",
        "spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef",
    ],
}


def read_pcap(path):
    """(linktype, [packet bytes]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    packets, pos = [], 24
    while pos + 16 <= len(data):
        incl = struct.unpack(end + "I", data[pos + 8:pos + 12])[0]
        packets.append(data[pos + 16:pos + 16 + incl])
        pos += 16 + incl
    return linktype, packets


def write_pcap(path, linktype, packets, timestamps):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for p, (sec, usec) in zip(packets, timestamps):
            f.write(struct.pack("<IIII", sec, usec, len(p), len(p)))
            f.write(p)


def read_timestamps(path):
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 24
    while pos + 16 <= len(data):
        sec, usec, incl = struct.unpack("<III", data[pos:pos + 12])
        out.append((sec, usec))
        pos += 16 + incl
    return out


def shuffled_incident1(captures, work):
    """incident 1 with more of the client's frames swapped: from frame 20 on,
    of every three consecutive frames the client sends, the first two trade
    places (timestamps kept in capture order). Its sequenced L2TP data then
    arrives out of Ns order, within the ESP replay window, and the session's
    reorder window must put it back."""
    path = os.path.join(captures, "incident1-l2tp-reorder.pcap")
    linktype, frames = read_pcap(path)
    stamps = read_timestamps(path)
    frames = list(frames)
    client = bytes([192, 0, 2, 10])
    idx = [i for i, f in enumerate(frames) if i >= 20 and (ipv4_of_frame(f) or b"")[12:16] == client]
    for j in range(0, len(idx) - 1, 3):
        a, b = idx[j], idx[j + 1]
        frames[a], frames[b] = frames[b], frames[a]
    out = os.path.join(work, "incident1-shuffled.pcap")
    write_pcap(out, linktype, frames, stamps)
    return out


def ipv4_of_frame(frame):
    """The IPv4 packet of an Ethernet frame (plain or PPPoE session), cut to
    its total length, or None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack(">H", frame[12:14])[0]
    off = None
    if ethertype == 0x0800:
        off = 14
    elif ethertype == 0x8864 and len(frame) >= 22 and frame[20:22] == b"\x00\x21":
        off = 22
    if off is None or len(frame) < off + 20:
        return None
    total = struct.unpack(">H", frame[off + 2:off + 4])[0]
    return frame[off:off + total]


def flow(packet):
    return packet[12:16], packet[16:20]


def run(cmd, what):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if r.returncode != 0:
        print(f"{what} failed ({r.returncode}):\n{r.stdout}")
        sys.exit(1)
    return r.stdout


def counter(log, name):
    """A counter summed over the example's worker lines ("name N, ...")."""
    return sum(int(line.split(name + " ")[1].split(",")[0].split(" ")[0]) for line in log.splitlines()
               if line.startswith("worker") and name + " " in line)


# What each run must have exercised, beyond matching the CLI.
NEEDS = {
    "incident1-l2tp-reorder.pcap": ["chained"],           # inner fragments -> mbuf chains
    "incident2-esp-pppoe-mtu.pcap": ["reassembled"],      # outer ESP fragments -> borrowing reassembler
    "incident1-shuffled.pcap": ["chained", "reorder held"],
}


def check(args, capture, sas, path=None):
    name = os.path.splitext(capture)[0]
    path = path or os.path.join(args.captures, capture)
    cli_out = os.path.join(args.work, name + "-cli.pcap")
    dpdk_out = os.path.join(args.work, name + "-dpdk.pcap")
    for p in (cli_out, dpdk_out):
        if os.path.exists(p):
            os.remove(p)
    sa_args = [a for sa in sas for a in ("--esp-sa", sa)]
    run([args.cli, "decode", *sa_args, "--write-inner", cli_out, path], "vpnwire decode")
    log = run([args.dpdk, "-l", "0-1", "--no-huge", "--no-pci", "-m", "256", "--no-telemetry",
               f"--file-prefix=vpnwire_dpdk_example_{os.getpid()}", "--log-level=lib.eal:error",
               "--vdev", f"net_pcap0,rx_pcap={path},tx_pcap={dpdk_out}", "--", *sa_args], "vpnwire_dpdk_receive")

    _, frames = read_pcap(path)
    outer = {ipv4_of_frame(f) for f in frames} - {None}
    cli_link, cli_pkts = read_pcap(cli_out)
    dpdk_link, dpdk_pkts = read_pcap(dpdk_out)
    if cli_link != 101 or dpdk_link != 1:
        print(f"{capture}: unexpected link types cli={cli_link} dpdk={dpdk_link}")
        return False
    cli_inner = [p for p in cli_pkts if p not in outer]
    dpdk_inner = [p[14:] for p in dpdk_pkts]

    ok = True
    if not cli_inner:
        print(f"{capture}: the CLI wrote no tunnelled packet; nothing to compare")
        ok = False
    if sorted(cli_inner) != sorted(dpdk_inner):
        missing = collections.Counter(cli_inner) - collections.Counter(dpdk_inner)
        extra = collections.Counter(dpdk_inner) - collections.Counter(cli_inner)
        print(f"{capture}: different packets: {sum(missing.values())} only from the CLI, "
              f"{sum(extra.values())} only from DPDK")
        ok = False
    by_flow_cli, by_flow_dpdk = collections.defaultdict(list), collections.defaultdict(list)
    for p in cli_inner:
        by_flow_cli[flow(p)].append(p)
    for p in dpdk_inner:
        by_flow_dpdk[flow(p)].append(p)
    for key, seq in by_flow_cli.items():
        if by_flow_dpdk.get(key) != seq:
            print(f"{capture}: flow {key[0].hex()} -> {key[1].hex()} in a different order")
            ok = False
    print(f"{capture}: CLI wrote {len(cli_pkts)} packets ({len(cli_pkts) - len(cli_inner)} captured outer "
          f"packets set aside), DPDK wrote {len(dpdk_pkts)}; {len(by_flow_cli)} flows: "
          f"{'same packets, same order per flow' if ok else 'MISMATCH'}")
    print("  " + "\n  ".join(line for line in log.splitlines() if line.startswith(("vpnwire", "worker"))))
    for name in NEEDS.get(capture, []):
        n = counter(log, name)
        print(f"  {name}: {n}")
        if n == 0:
            print(f"{capture}: nothing was {name}; the run proves less than it should")
            ok = False
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--dpdk", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    results = [check(args, capture, sas) for capture, sas in INCIDENTS.items()]
    shuffled = shuffled_incident1(args.captures, args.work)
    results.append(check(args, "incident1-shuffled.pcap", INCIDENTS["incident1-l2tp-reorder.pcap"], shuffled))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
