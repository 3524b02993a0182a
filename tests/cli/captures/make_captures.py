#!/usr/bin/python3
"""Writes the test captures of tests/cli/captures/ with real capture tools.

Every file here is written by a tool operators use, not by vpnwire:
  - tcpdump -w, on loopback, on `-i any` (LINUX_SLL and LINUX_SLL2 via -y)
    and on an nflog group fed by an nftables rule, in a network namespace,
    while the Linux kernel carries incident 1's L2TP traffic (its UDP
    payloads, replayed through real sockets);
  - text2pcap -l <linktype> for the link types Linux cannot capture (BSD
    NULL and LOOP, PPP, PPP_HDLC, PPP_ETHER, ENC), from hex dumps of
    incident 1's packets with the header each link type puts in front;
  - editcap -T (raw IPv4, LINKTYPE_IPV4) and -s (snap lengths), mergecap
    (a multi-interface pcapng);
  - scapy's wrpcap for PPPoE discovery, LCP/IPCP/PAP/CHAP, the LCP
    Configure-Request whose MRU option has length 3 (which no tool emits)
    and 802.1Q/QinQ tags (this machine's kernel has no 802.1Q support).
The bytes in front of each packet for text2pcap are hand-made (no tool
here writes them), as are scapy's malformed option; everything else comes
from the kernel or the incident generator.

usage: make_captures.py OUTDIR   (root, for the network namespace; needs Debian's
       wireshark-common, tcpdump, nftables and python3-scapy, all in scripts/install-deps.sh)
Rerunning rewrites the files (tcpdump's timestamps differ); the tests
depend on their content, not on their bytes.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from scapy.all import (CookedLinux, Dot1AD, Dot1Q, Ether, IP, PPP, PPPoE, PPPoED, PPP_CHAP, PPP_CHAP_ChallengeResponse,
                       PPP_IPCP, PPP_IPCP_Option_DNS1, PPP_IPCP_Option_IPAddress, PPP_LCP_Configure, PPP_LCP_Echo,
                       PPP_LCP_MRU_Option, PPP_LCP_Magic_Number_Option, PPP_LCP_Auth_Protocol_Option,
                       PPP_LCP_Protocol_Reject, PPP_PAP_Request, PPP_PAP_Response, PPPoED_Tags, PPPoETag, Raw, UDP,
                       raw, wrpcap)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PLAIN = os.path.join(ROOT, "examples", "captures", "incident1-l2tp-plain.pcap")
NS = "vpnwire-captures"
os.environ["TZ"] = "UTC"


def read_pcap(path):
    d = open(path, "rb").read()
    assert struct.unpack("<I", d[:4])[0] == 0xA1B2C3D4
    off, frames = 24, []
    while off < len(d):
        s, us, cl, _ = struct.unpack("<IIII", d[off:off + 16])
        frames.append((s + us / 1e6, d[off + 16:off + 16 + cl]))
        off += 16 + cl
    return frames


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


# ------------------------------------------------------------------ text2pcap

def hexdump(packets):
    """text2pcap input: a timestamp then offset lines of 16 bytes per packet."""
    out = []
    for ts, data in packets:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts)) + ".%06d" % round((ts % 1) * 1e6)
        for i in range(0, len(data), 16):
            chunk = " ".join("%02x" % b for b in data[i:i + 16])
            out.append(("%s %04x  %s" % (stamp, i, chunk)) if i == 0 else ("%04x  %s" % (i, chunk)))
    return "\n".join(out) + "\n"


def text2pcap(path, linktype, packets):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(hexdump(packets))
    run("text2pcap", "-q", "-F", "pcap", "-l", str(linktype), "-t", "%Y-%m-%d %H:%M:%S.%f", f.name, path)
    os.unlink(f.name)


def link_captures(out, frames):
    """Incident 1's IP packets under the headers of the BSD and PPP link types."""
    ip = [(ts, f[14:]) for ts, f in frames]
    ppp_ip = [(ts, b"\xff\x03\x00\x21" + p) for ts, p in ip]
    # FreeBSD's AF_INET6 is 28: an IPv6 packet (a UDP datagram to port 1701) ends the capture.
    v6 = bytes.fromhex("6000000000101140" + "20010db8000000000000000000000001" + "20010db8000000000000000000000002" +
                       "06a506a5001000000002000100010000")
    last = ip[-1][0] + 0.001
    text2pcap(f"{out}/null-bsd-loopback.pcap", 0,
              [(ts, struct.pack("<I", 2) + p) for ts, p in ip] + [(last, struct.pack("<I", 28) + v6)])
    text2pcap(f"{out}/loop-openbsd.pcap", 108, [(ts, struct.pack(">I", 2) + p) for ts, p in ip])
    text2pcap(f"{out}/ppp.pcap", 9, ppp_ip)
    # PPP_HDLC: PPP in HDLC-like framing, and one Cisco HDLC frame (0F 00 0800).
    # Wireshark's writers store LINKTYPE_PPP_HDLC (50) as PPP (9); no tool
    # here writes 50, so the file header's link type is set to 50 afterwards.
    text2pcap(f"{out}/ppp-hdlc.pcap", 50, ppp_ip + [(last, b"\x0f\x00\x08\x00" + ip[0][1])])
    with open(f"{out}/ppp-hdlc.pcap", "r+b") as f:
        f.seek(20)
        assert struct.unpack("<I", f.read(4))[0] == 9
        f.seek(20)
        f.write(struct.pack("<I", 50))
    # PPP_ETHER: the PPPoE session header and PPP, no Ethernet header.
    text2pcap(f"{out}/ppp-ether.pcap", 51,
              [(ts, struct.pack(">BBHH", 0x11, 0, 0x0011, len(p) + 2) + b"\x00\x21" + p) for ts, p in ip])
    # ENC: af (host order), SPI, flags M_CONF|M_AUTH (host order): IPsec seen in the clear on enc0.
    text2pcap(f"{out}/enc.pcap", 109,
              [(ts, struct.pack("<I", 2) + struct.pack(">I", 0xC1000001 if p[12:16] == bytes([192, 0, 2, 10])
                                                       else 0x5E000001) + struct.pack("<I", 0x0C00) + p)
               for ts, p in ip])
    # Raw IP (101) by text2pcap, then LINKTYPE_IPV4 (228) by editcap -T.
    raw_path = f"{out}/.raw.pcap"
    text2pcap(raw_path, 101, ip)
    run("editcap", "-F", "pcap", "-T", "rawip4", raw_path, f"{out}/ipv4-rawip4.pcap")
    os.unlink(raw_path)


# ------------------------------------------------------------------ scapy

def ppp_family(out):
    """PPPoE discovery with tags, then a session with LCP, CHAP, PAP, IPCP, an IP packet, PADT."""
    cpe, bras = "02:00:00:00:01:02", "02:00:00:00:01:01"
    sid = 0x1234
    d = lambda code, tags, src, dst, s=0: Ether(src=src, dst=dst) / PPPoED(code=code, sessionid=s) / PPPoED_Tags(
        tag_list=tags)
    s = lambda src, dst, payload: Ether(src=src, dst=dst) / PPPoE(sessionid=sid) / payload
    host_uniq = PPPoETag(tag_type=0x0103, tag_value=b"\x00\x00\x30\x39")
    pkts = [
        d(0x09, [PPPoETag(tag_type=0x0101, tag_value=b""), host_uniq], cpe, "ff:ff:ff:ff:ff:ff"),
        d(0x07, [PPPoETag(tag_type=0x0101, tag_value=b"internet"), PPPoETag(tag_type=0x0102, tag_value=b"bras-1"),
                 PPPoETag(tag_type=0x0104, tag_value=bytes.fromhex("5fa1c3e2")), host_uniq], bras, cpe),
        d(0x19, [PPPoETag(tag_type=0x0101, tag_value=b"internet"), PPPoETag(tag_type=0x0104, tag_value=bytes.fromhex("5fa1c3e2")),
                 host_uniq, PPPoETag(tag_type=0x0120, tag_value=b"\x05\xd4")], cpe, bras),
        d(0x65, [PPPoETag(tag_type=0x0101, tag_value=b"internet"), host_uniq], bras, cpe, sid),
        s(bras, cpe, PPP(proto=0xC021) / PPP_LCP_Configure(code=1, id=1, options=[
            PPP_LCP_MRU_Option(max_recv_unit=1492), PPP_LCP_Auth_Protocol_Option(auth_protocol=0xC223, data=b"\x05"),
            PPP_LCP_Magic_Number_Option(magic_number=0x6E3A1F29)])),
        s(cpe, bras, PPP(proto=0xC021) / PPP_LCP_Configure(code=1, id=1, options=[
            PPP_LCP_MRU_Option(max_recv_unit=1492), PPP_LCP_Magic_Number_Option(magic_number=0x11D2C3B4)])),
        s(cpe, bras, PPP(proto=0xC021) / PPP_LCP_Configure(code=2, id=1, options=[
            PPP_LCP_MRU_Option(max_recv_unit=1492), PPP_LCP_Auth_Protocol_Option(auth_protocol=0xC223, data=b"\x05"),
            PPP_LCP_Magic_Number_Option(magic_number=0x6E3A1F29)])),
        s(bras, cpe, PPP(proto=0xC021) / PPP_LCP_Configure(code=2, id=1, options=[
            PPP_LCP_MRU_Option(max_recv_unit=1492), PPP_LCP_Magic_Number_Option(magic_number=0x11D2C3B4)])),
        s(bras, cpe, PPP(proto=0xC223) / PPP_CHAP_ChallengeResponse(code=1, id=1, value=bytes(range(16)),
                                                                     optional_name=b"bras-1")),
        s(cpe, bras, PPP(proto=0xC223) / PPP_CHAP_ChallengeResponse(code=2, id=1, value=bytes(range(100, 116)),
                                                                     optional_name=b"user@isp")),
        s(bras, cpe, PPP(proto=0xC223) / PPP_CHAP(code=3, id=1, data=b"Access granted")),
        s(bras, cpe, PPP(proto=0xC021) / PPP_LCP_Echo(code=9, id=2, magic_number=0x6E3A1F29)),
        s(cpe, bras, PPP(proto=0xC021) / PPP_LCP_Echo(code=10, id=2, magic_number=0x11D2C3B4)),
        s(cpe, bras, PPP(proto=0xC023) / PPP_PAP_Request(id=3, username=b"user@isp", password=b"secret")),
        s(bras, cpe, PPP(proto=0xC023) / PPP_PAP_Response(code=2, id=3, message=b"Login ok")),
        s(cpe, bras, PPP(proto=0x8021) / PPP_IPCP(code=1, id=1, options=[
            PPP_IPCP_Option_IPAddress(data="0.0.0.0"), PPP_IPCP_Option_DNS1(data="0.0.0.0")])),
        s(bras, cpe, PPP(proto=0x8021) / PPP_IPCP(code=3, id=1, options=[
            PPP_IPCP_Option_IPAddress(data="203.0.113.2"), PPP_IPCP_Option_DNS1(data="198.51.100.53")])),
        s(cpe, bras, PPP(proto=0xC021) / PPP_LCP_Protocol_Reject(id=4, rejected_protocol=0x8057,
                                                                  rejected_information=b"\x01\x01\x00\x04")),
        s(cpe, bras, PPP(proto=0x0021) / IP(src="203.0.113.2", dst="198.51.100.1") / UDP(sport=1701, dport=1701) /
          Raw(bytes.fromhex("0002") + struct.pack(">HH", 200, 20) + bytes.fromhex("ff03c0210901000863a1b2c3"))),
        d(0xA7, [PPPoETag(tag_type=0x0203, tag_value=b"session closed by admin")], bras, cpe, sid),
    ]
    t0 = 1768467600.0
    for i, p in enumerate(pkts):
        p.time = t0 + i * 0.01
    wrpcap(f"{out}/pppoe-ppp-family.pcap", pkts)
    # The case: LCP Configure-Request whose MRU option says length 3.
    bad = Ether(src=cpe, dst=bras) / PPPoE(sessionid=sid) / PPP(proto=0xC021) / PPP_LCP_Configure(
        code=1, id=7, options=[PPP_LCP_MRU_Option(len=3, max_recv_unit=1492),
                               PPP_LCP_Magic_Number_Option(magic_number=0x11D2C3B4)])
    good = Ether(src=bras, dst=cpe) / PPPoE(sessionid=sid) / PPP(proto=0xC021) / PPP_LCP_Configure(
        code=1, id=8, options=[PPP_LCP_MRU_Option(max_recv_unit=1492)])
    bad.time, good.time = t0, t0 + 0.01
    wrpcap(f"{out}/lcp-mru-length3.pcap", [bad, good])


def vlan_tags(out, frames):
    """Incident 1's frames with VLAN tags: 802.1Q (id 100), 802.1ad + 802.1Q
    (QinQ, 300 then 400) and the older 0x9100 + 802.1Q (500, 600). This
    machine's kernel has no 802.1Q support, so scapy inserts the tags."""
    pkts = []
    for i, (ts, f) in enumerate(frames):
        e = Ether(f)
        inner = e.payload
        if i % 3 == 0:
            p = Ether(src=e.src, dst=e.dst) / Dot1Q(vlan=100, prio=3) / inner
        elif i % 3 == 1:
            p = Ether(src=e.src, dst=e.dst) / Dot1AD(vlan=300) / Dot1Q(vlan=400) / inner
        else:
            p = Ether(src=e.src, dst=e.dst, type=0x9100) / Dot1Q(vlan=500, id=1) / Dot1Q(vlan=600) / inner
        p.time = ts
        pkts.append(p)
    wrpcap(f"{out}/vlan-qinq.pcap", pkts)


# ------------------------------------------------------------------ the kernel

def ns(*cmd, **kw):
    return subprocess.run(["ip", "netns", "exec", NS, *cmd], check=True, **kw)


def start_tcpdump(path, *args):
    p = subprocess.Popen(["ip", "netns", "exec", NS, "tcpdump", "-U", "-n", "-s", "0", "-w", path, *args],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # tcpdump says "listening on" once its socket is open (after a "data link type" line with -y).
    while True:
        line = p.stderr.readline().decode()
        if not line:
            raise RuntimeError("tcpdump " + " ".join(args) + " did not start")
        if "listening" in line:
            break
    time.sleep(1)  # the capture ring fills only once tcpdump polls it
    return p


def stop(p):
    time.sleep(1)
    p.terminate()
    p.communicate(timeout=10)


SENDER = r'''
import socket, struct, sys, time
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
payloads = open(sys.argv[4], "rb").read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, port))
off = 0
while off < len(payloads):
    gap_us, n = struct.unpack(">IH", payloads[off:off + 6])
    time.sleep(gap_us / 1e6)
    s.sendto(payloads[off + 6:off + 6 + n], (dst, port))
    off += 6 + n
'''


def l2tp_payloads(frames):
    """Incident 1's L2TP messages (the UDP payloads) with the gaps between them, in capture order."""
    out, prev = b"", None
    for ts, f in frames:
        udp = f[14 + 20:]
        body = udp[8:]
        gap = 0 if prev is None else int((ts - prev) * 1e6)
        prev = ts
        out += struct.pack(">IH", gap, len(body)) + body
    return out


def kernel_captures(out, frames):
    run("ip", "netns", "add", NS)
    try:
        tmp = tempfile.mkdtemp()
        send = os.path.join(tmp, "send.py")
        open(send, "w").write(SENDER)
        data = os.path.join(tmp, "l2tp.bin")
        open(data, "wb").write(l2tp_payloads(frames))
        replay = lambda src, dst: ns("/usr/bin/python3", send, src, dst, "1701", data)
        ns("ip", "link", "set", "lo", "up")
        # 1. Loopback: the kernel leaves UDP checksums partial (offload), tcpdump -i lo writes EN10MB.
        p = start_tcpdump(f"{out}/offload-lo.pcap", "-i", "lo", "udp", "port", "1701")
        replay("127.0.0.1", "127.0.0.1")
        stop(p)
        # 2. The same on -i any, as LINUX_SLL and LINUX_SLL2.
        for dlt, name in (("LINUX_SLL", "any-sll.pcap"), ("LINUX_SLL2", "any-sll2.pcap")):
            p = start_tcpdump(f"{out}/{name}", "-i", "any", "-y", dlt, "udp", "port", "1701")
            replay("127.0.0.1", "127.0.0.1")
            stop(p)
        # 3. NFLOG: nftables logs the datagrams to group 5, tcpdump reads the group.
        ns("nft", "add table inet t")
        ns("nft", "add chain inet t out { type filter hook output priority 0; }")
        ns("nft", "add rule inet t out udp dport 1701 log prefix \"l2tp \" group 5")
        p = start_tcpdump(f"{out}/nflog.pcap", "-i", "nflog:5")
        replay("127.0.0.1", "127.0.0.1")
        stop(p)
        ns("nft", "flush ruleset")
        shutil.rmtree(tmp)
    finally:
        run("ip", "netns", "del", NS)


def multi_interface(out):
    """One pcapng whose interfaces differ in link type and snap length (libpcap refuses it)."""
    cut = f"{out}/.null-s96.pcap"
    run("editcap", "-s", "96", f"{out}/null-bsd-loopback.pcap", cut)
    run("mergecap", "-w", f"{out}/multi-interface.pcapng", f"{out}/offload-lo.pcap", cut, f"{out}/nflog.pcap",
        f"{out}/ppp-ether.pcap")
    os.unlink(cut)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    frames = read_pcap(PLAIN)
    link_captures(out, frames)
    ppp_family(out)
    vlan_tags(out, frames)
    kernel_captures(out, frames)
    multi_interface(out)


if __name__ == "__main__":
    main()
