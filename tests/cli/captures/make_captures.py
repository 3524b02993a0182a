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

IPv6 (issue 17): ipv6-*.pcap, from scapy (extension headers, fragments,
ICMPv6, ESP/AH, L2TP over UDP/IPv6, 6in4/4in6, IPV6CP over PPPoE), text2pcap
(NULL with AF_INET6 24/28/30, LOOP, LINKTYPE_RAW with both families),
editcap -T rawip6 (LINKTYPE_IPV6) and tcpdump on a veth pair between two
network namespaces with MTU 1280 (kernel-fragmented ping and UDP, a TCP
handshake, L2TP over UDP/IPv6), as Ethernet and LINUX_SLL2; ipv6-routing.pcap from
tests/ip/ipv6_routing_cases.py (scapy: checksums under Routing headers with segments left);
fragment-duplicates.pcap (scapy: both families' fragments with a duplicate); ipv6-ah-lengths.pcap
(scapy: AH with and without an ICV, and cut short by its Payload Len); nflog-tlv-lengths.pcap
(text2pcap: nflog.pcap's first packet with fixed-size TLVs resized); enc-host-order.pcap
(text2pcap: ENC headers in either byte order, and damaged).

usage: make_captures.py [--ipv6-only] OUTDIR   (root, for the network namespace; needs Debian's
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
    # FreeBSD's AF_INET6 is 28: an IPv6 packet (an L2TP ZLB acknowledgement over UDP/IPv6) ends the capture.
    from scapy.all import IPv6
    v6 = raw(IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=1701, dport=1701) /
             Raw(bytes.fromhex("c802000c0001000000000000")))
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


# ------------------------------------------------------------------ IPv6 (issue 17)

V6A, V6B = "vpnwire-v6a", "vpnwire-v6b"


def ipv6_scapy(out, frames):
    """IPv6 outer and inner packets built by scapy: an extension-header chain
    (Hop-by-Hop, Destination Options, Routing, AH), UDP, a TCP SYN, ICMPv6
    echo and Packet Too Big, fragments (scapy's fragment6), ESP, L2TP over
    UDP/IPv6 (incident 1's messages, and a data message whose PPP carries
    IPv6), 6in4 and 4in6; then PPPoE with IPV6CP and PPP IPv6."""
    from scapy.all import (AH, ESP, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt,
                           IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN, TCP, fragment6)
    a, b = "2001:db8:1::10", "2001:db8:2::1"
    mac_a, mac_b = "02:00:00:00:06:01", "02:00:00:00:06:02"
    e = lambda p: Ether(src=mac_a, dst=mac_b) / p
    l2tp = [f[14 + 28:] for _, f in frames[:6]]  # incident 1's first L2TP messages (UDP payloads)
    inner6 = IPv6(src="fd00::2", dst="fd00::1", hlim=64) / ICMPv6EchoRequest(id=7, seq=1, data=b"inner")
    # L2TP data, S bit set: flags 0x0802, tunnel 7, session 9, Ns 0, Nr 0, then PPP FF03 0057 + IPv6.
    l2tp_v6 = struct.pack(">HHHHH", 0x0802, 7, 9, 0, 0) + b"\xff\x03\x00\x57" + raw(inner6)
    big = IPv6(src=a, dst=b) / IPv6ExtHdrFragment(id=0x1234abcd) / UDP(sport=33000, dport=33001) / Raw(
        bytes(range(256)) * 12)
    pkts = [
        e(IPv6(src=a, dst=b, tc=0xB8, fl=0x12345, hlim=61) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00\x00\x00")]) /
          IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) /
          IPv6ExtHdrRouting(type=0, segleft=0, addresses=["2001:db8:3::1"]) / UDP(sport=33000, dport=33001) /
          Raw(b"extension headers")),
        e(IPv6(src=a, dst=b) / TCP(sport=40000, dport=443, flags="S", seq=1000, window=64800,
                                   options=[("MSS", 1440), ("NOP", None), ("WScale", 7), ("NOP", None), ("NOP", None),
                                            ("SAckOK", b"")])),
        e(IPv6(src=a, dst=b) / ICMPv6EchoRequest(id=0x4242, seq=1, data=b"ping over ipv6")),
        e(IPv6(src=b, dst=a) / ICMPv6EchoReply(id=0x4242, seq=1, data=b"ping over ipv6")),
        e(IPv6(src=b, dst=a) / ICMPv6PacketTooBig(mtu=1280) / raw(IPv6(src=a, dst=b) / UDP(sport=33000, dport=33001) /
                                                                  Raw(b"x" * 64))),
    ]
    pkts += [e(f) for f in fragment6(big, 1280)]
    pkts += [
        e(IPv6(src=a, dst=b, nh=50) / Raw(struct.pack(">II", 0x600D0001, 1) + bytes(range(48)))),
        # scapy leaves a UDP checksum behind AH at 0: take it from the same datagram without AH.
        e(IPv6(src=a, dst=b) / AH(nh=17, payloadlen=4, spi=0x600D0002, seq=5, icv=b"\x11" * 12) /
          UDP(sport=33000, dport=33002, chksum=IPv6(raw(IPv6(src=a, dst=b) / UDP(sport=33000, dport=33002) /
                                                        Raw(b"ah")))[UDP].chksum) / Raw(b"ah")),
    ]
    pkts += [e(IPv6(src=a, dst=b) / UDP(sport=1701, dport=1701) / Raw(m)) for m in l2tp]
    pkts += [
        e(IPv6(src=a, dst=b) / UDP(sport=1701, dport=1701) / Raw(l2tp_v6)),
        Ether(src=mac_a, dst=mac_b) / IP(src="192.0.2.1", dst="198.51.100.9") / IPv6(src=a, dst=b) /
        UDP(sport=33000, dport=33001) / Raw(b"6in4"),
        e(IPv6(src=a, dst=b) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=33000, dport=33001) / Raw(b"4in6")),
    ]
    t0 = 1768471200.0
    for i, p in enumerate(pkts):
        p.time = t0 + i * 0.01
    wrpcap(f"{out}/ipv6-scapy.pcap", pkts)
    # The same IP packets as LINKTYPE_IPV6 (editcap -T rawip6; the 6in4 frame
    # is IPv4 and left out) and, both families together, LINKTYPE_RAW (101).
    ip_pkts = [(float(p.time), raw(p.payload)) for p in pkts]
    raw_path = f"{out}/.raw6.pcap"
    text2pcap(raw_path, 101, [x for x in ip_pkts if x[1][0] >> 4 == 6])
    run("editcap", "-F", "pcap", "-T", "rawip6", raw_path, f"{out}/ipv6-rawip6.pcap")
    os.unlink(raw_path)
    text2pcap(f"{out}/ipv6-raw-mixed.pcap", 101, ip_pkts[:3] + [(ip_pkts[-2][0], raw(pkts[-2].payload))] + ip_pkts[3:5])
    # BSD loopback: AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS);
    # NULL in the capturing host's byte order, LOOP in network order.
    v6 = [x for x in ip_pkts if x[1][0] >> 4 == 6][:6]
    text2pcap(f"{out}/ipv6-null.pcap", 0, [(ts, struct.pack("<I", (24, 28, 30)[i % 3]) + d)
                                            for i, (ts, d) in enumerate(v6)])
    text2pcap(f"{out}/ipv6-loop.pcap", 108, [(ts, struct.pack(">I", 24) + d) for ts, d in v6])
    # PPPoE: IPV6CP negotiates interface identifiers (RFC 5072), then IPv6 in PPP (0x0057).
    cpe, bras, sid = "02:00:00:00:01:02", "02:00:00:00:01:01", 0x1234
    s = lambda src, dst, payload: Ether(src=src, dst=dst) / PPPoE(sessionid=sid) / payload
    ipv6cp = lambda code, ident, opts: PPP(proto=0x8057) / Raw(struct.pack(">BBH", code, ident, 4 + len(opts)) + opts)
    iid = lambda v: b"\x01\x0a" + v
    pkts = [
        s(cpe, bras, ipv6cp(1, 1, iid(bytes.fromhex("021122fffe334455")))),
        s(bras, cpe, ipv6cp(1, 1, iid(bytes.fromhex("0200000000000001")) + b"\x02\x04\x00\x4f")),
        s(cpe, bras, ipv6cp(4, 1, b"\x02\x04\x00\x4f")),
        s(bras, cpe, ipv6cp(3, 2, iid(bytes.fromhex("0000000000000000")))),
        s(cpe, bras, ipv6cp(2, 1, iid(bytes.fromhex("021122fffe334455")))),
        s(cpe, bras, PPP(proto=0x0057) / IPv6(src="fe80::11:22ff:fe33:4455", dst="fe80::1") /
          ICMPv6EchoRequest(id=1, seq=1)),
        s(cpe, bras, PPP(proto=0x0057) / IPv6(src="2001:db8:1::10", dst="2001:db8:2::1") /
          TCP(sport=40001, dport=80, flags="S", options=[("MSS", 1432)])),
    ]
    for i, p in enumerate(pkts):
        p.time = t0 + 1 + i * 0.01
    wrpcap(f"{out}/ipv6-pppoe-ipv6cp.pcap", pkts)
    # Tunnels over IPv6 fragmented after encapsulation on a 1280-byte path:
    # L2TP over UDP/IPv6 whose PPP carries an IPv6 TCP SYN with MSS 1440 (too
    # big for the tunnel) padded to 1500 bytes, and a 1400-byte ESP packet.
    syn = IPv6(src="fd00::2", dst="2001:db8:9::1") / TCP(sport=40002, dport=443, flags="S", options=[("MSS", 1440)]) / \
        Raw(b"\x00" * 1400)
    l2tp_syn = struct.pack(">HHHHH", 0x0802, 7, 9, 1, 0) + b"\xff\x03\x00\x57" + raw(syn)
    outer = [IPv6(src=a, dst=b) / IPv6ExtHdrFragment(id=0x0BAD0001) / UDP(sport=1701, dport=1701) / Raw(l2tp_syn),
             IPv6(src=a, dst=b) / IPv6ExtHdrFragment(id=0x0BAD0002, nh=50) /
             Raw(struct.pack(">II", 0x600D0003, 1) + bytes(range(256)) * 5 + bytes(120))]
    pkts = [e(f) for o in outer for f in fragment6(o, 1280)]
    for i, p in enumerate(pkts):
        p.time = t0 + 2 + i * 0.01
    wrpcap(f"{out}/ipv6-tunnel-fragmented.pcap", pkts)
    # Malformed on purpose (each frame one error or warning vpnwire must name):
    # Hop-by-Hop after Destination Options, two Fragment headers, a Payload
    # Length past the packet, a zero UDP checksum, an IPV6CP Interface-Identifier
    # of length 6, a first fragment that ends inside its header chain (RFC 7112).
    u = UDP(sport=33000, dport=33001) / Raw(b"bad")
    trunc = raw(IPv6(src=a, dst=b) / u)
    trunc = trunc[:4] + struct.pack(">H", 200) + trunc[6:]
    pkts = [
        e(IPv6(src=a, dst=b) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / u),
        e(IPv6(src=a, dst=b) / IPv6ExtHdrFragment(id=1, offset=0, m=0) / IPv6ExtHdrFragment(id=2) / u),
        Ether(src=mac_a, dst=mac_b, type=0x86DD) / Raw(trunc),
        e(IPv6(src=a, dst=b) / UDP(sport=33000, dport=33001, chksum=0) / Raw(b"zero")),
        s(cpe, bras, ipv6cp(1, 9, b"\x01\x06\x02\x11\x22\x33")),
        e(IPv6(src=a, dst=b) / IPv6ExtHdrFragment(id=3, m=1, nh=60) / Raw(b"\x11\x02" + b"\x00" * 6)),
    ]
    for i, p in enumerate(pkts):
        p.time = t0 + 3 + i * 0.01
    wrpcap(f"{out}/ipv6-malformed.pcap", pkts)
    # ESP over IPv6 by scapy's SecurityAssociation (AES-CBC + HMAC-SHA1-96):
    # tunnel mode 6-in-6 and 4-in-6, transport mode UDP and TCP over IPv6, and
    # 6-in-4; the keys are ESP_V6_SAS of compare_tshark.py and cli_ipv6_test.
    from scapy.all import SecurityAssociation
    key, akey = bytes.fromhex("000102030405060708090a0b0c0d0e0f"), bytes.fromhex("1011121314151617181920212223242526272829")
    tun6 = SecurityAssociation(ESP, spi=0x6E600001, crypt_algo="AES-CBC", crypt_key=key, auth_algo="HMAC-SHA1-96",
                               auth_key=akey, tunnel_header=IPv6(src=a, dst=b))
    tra6 = SecurityAssociation(ESP, spi=0x6E600002, crypt_algo="AES-CBC", crypt_key=key, auth_algo="HMAC-SHA1-96",
                               auth_key=akey)
    tun4 = SecurityAssociation(ESP, spi=0x6E600003, crypt_algo="AES-CBC", crypt_key=key, auth_algo="HMAC-SHA1-96",
                               auth_key=akey, tunnel_header=IP(src="192.0.2.1", dst="198.51.100.9"))
    inner6 = IPv6(src="fd00::2", dst="fd00::1") / UDP(sport=33000, dport=33001) / Raw(b"6in6 over esp")
    inner4 = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=33000, dport=33001) / Raw(b"4in6 over esp")
    pkts = [
        e(tun6.encrypt(inner6, seq_num=1)),
        e(tun6.encrypt(inner4, seq_num=2)),
        e(tra6.encrypt(IPv6(src=a, dst=b) / UDP(sport=33000, dport=33001) / Raw(b"transport over ipv6"), seq_num=1)),
        e(tra6.encrypt(IPv6(src=a, dst=b) / TCP(sport=40003, dport=443, flags="S", options=[("MSS", 1400)]),
                       seq_num=2)),
        Ether(src=mac_a, dst=mac_b) / tun4.encrypt(inner6, seq_num=1),
    ]
    for i, p in enumerate(pkts):
        p.time = t0 + 4 + i * 0.01
    wrpcap(f"{out}/ipv6-esp.pcap", pkts)


SENDER6 = r"""
import socket, struct, sys, time
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
payloads = open(sys.argv[4], "rb").read()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((src, port))
off = 0
while off < len(payloads):
    gap_us, n = struct.unpack(">IH", payloads[off:off + 6])
    time.sleep(min(gap_us / 1e6, 0.05))
    s.sendto(payloads[off + 6:off + 6 + n], (dst, port))
    off += 6 + n
# One datagram larger than the link MTU: the kernel sends it in IPv6 fragments.
big = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
big.bind((src, 33000))
big.sendto(bytes(range(256)) * 12, (dst, 33001))
"""
TCP6 = r"""
import socket, struct, sys, time
if sys.argv[1] == "ping":
    # Two 2000-byte ICMPv6 echoes through a raw socket (the kernel computes the
    # checksum and fragments the request; the peer's kernel fragments the reply).
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.settimeout(2)
    for seq in (1, 2):
        s.sendto(struct.pack(">BBHHH", 128, 0, 0, 0x77, seq) + bytes(range(250)) * 8, ("fd00::2", 0))
        while s.recv(4096)[0] != 129:
            pass
        time.sleep(0.2)
elif sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("fd00::2", 8080)); s.listen(1)
    c, _ = s.accept(); c.sendall(c.recv(100)); c.close()
else:
    c = socket.create_connection(("fd00::2", 8080)); c.sendall(b"hello over ipv6"); c.recv(100); c.close()
"""


def ipv6_kernel(out, frames):
    """Real IPv6 traffic of the Linux kernel between two network namespaces
    joined by a veth pair with the IPv6 minimum MTU (1280), captured by
    tcpdump on the veth (Ethernet) and on -i any (LINUX_SLL2): ping -6 with
    2000-byte echoes (fragmented by the kernel), a TCP connection (SYN MSS
    1220), incident 1's L2TP messages over UDP/IPv6 and a fragmented UDP datagram."""
    nsx = lambda n, *cmd, **kw: subprocess.run(["ip", "netns", "exec", n, *cmd], check=True, **kw)
    run("ip", "netns", "add", V6A)
    run("ip", "netns", "add", V6B)
    try:
        tmp = tempfile.mkdtemp()
        send, tcp = os.path.join(tmp, "send6.py"), os.path.join(tmp, "tcp6.py")
        open(send, "w").write(SENDER6)
        open(tcp, "w").write(TCP6)
        data = os.path.join(tmp, "l2tp.bin")
        open(data, "wb").write(l2tp_payloads(frames[:8]))
        run("ip", "link", "add", "v6a", "netns", V6A, "type", "veth", "peer", "name", "v6b", "netns", V6B)
        for n, dev, addr, mac in ((V6A, "v6a", "fd00::1/64", "02:00:00:00:66:01"),
                                  (V6B, "v6b", "fd00::2/64", "02:00:00:00:66:02")):
            nsx(n, "ip", "link", "set", "lo", "up")
            nsx(n, "ip", "link", "set", dev, "address", mac, "mtu", "1280")
            nsx(n, "ip", "-6", "addr", "add", addr, "dev", dev, "nodad")
            nsx(n, "ip", "link", "set", dev, "up")
        time.sleep(1)
        for dlt, name in (("EN10MB", "ipv6-veth.pcap"), ("LINUX_SLL2", "ipv6-any-sll2.pcap")):
            iface = "v6a" if dlt == "EN10MB" else "any"
            p = subprocess.Popen(["ip", "netns", "exec", V6A, "tcpdump", "-U", "-n", "-s", "0", "-w", f"{out}/{name}",
                                  "-i", iface, "-y", dlt, "ip6", "and", "not", "icmp6[0] >= 133"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            while "listening" not in p.stderr.readline().decode():
                pass
            time.sleep(1)
            nsx(V6A, "/usr/bin/python3", tcp, "ping")
            server = subprocess.Popen(["ip", "netns", "exec", V6B, "/usr/bin/python3", tcp, "server"])
            time.sleep(0.5)
            nsx(V6A, "/usr/bin/python3", tcp, "client")
            server.wait(timeout=10)
            nsx(V6A, "/usr/bin/python3", send, "fd00::1", "fd00::2", "1701", data)
            stop(p)
        shutil.rmtree(tmp)
    finally:
        run("ip", "netns", "del", V6A)
        run("ip", "netns", "del", V6B)


def multi_interface(out):
    """One pcapng whose interfaces differ in link type and snap length (libpcap refuses it)."""
    cut = f"{out}/.null-s96.pcap"
    run("editcap", "-s", "96", f"{out}/null-bsd-loopback.pcap", cut)
    run("mergecap", "-w", f"{out}/multi-interface.pcapng", f"{out}/offload-lo.pcap", cut, f"{out}/nflog.pcap",
        f"{out}/ppp-ether.pcap")
    os.unlink(cut)


def ipv6_routing(out):
    """ipv6-routing.pcap: UDP, TCP and ICMPv6 under Routing headers of types 0, 2, 3 (RPL) and 4 (SRH)
    with and without segments left, checksums right and wrong (tests/ip/ipv6_routing_cases.py,
    scapy; its manifest says which)."""
    with tempfile.TemporaryDirectory() as d:
        here = os.path.dirname(os.path.abspath(__file__))
        run(sys.executable, os.path.join(here, "..", "..", "ip", "ipv6_routing_cases.py"), d)
        shutil.copyfile(os.path.join(d, "routing.pcap"), f"{out}/ipv6-routing.pcap")


def host_order_families(out, frames):
    """enc-host-order.pcap (text2pcap -l 109): an IPv4 packet of incident 1 behind OpenBSD ENC headers
    whose address family and flags (host byte order) are written little endian, big endian, and
    damaged with bits in both halves; tshark and vpnwire must read each the same way (tcpdump's rule,
    shared with BSD NULL headers: byte-swap when the top half is not empty). A NULL capture would
    not compare: tshark reads a NULL value above 1500 as an Ethernet type (null.type)."""
    ts, eth = frames[0]
    ip = eth[14:]
    fams = [b"\x02\x00\x00\x00", b"\x00\x00\x00\x02", b"\x00\x01\x00\x02", b"\x01\x00\x00\x02",
            b"\x02\x00\x40\x00", b"\x00\x02\x00\x40", b"\x02\x01\x00\x00", b"\x00\x00\x01\x02"]
    flags = [b"\x00\x0c\x00\x00", b"\x00\x00\x0c\x00", b"\x00\x04\x00\x00", b"\x00\x00\x04\x00",
             b"\x00\x0c\x00\x00", b"\x00\x00\x0c\x00", b"\x00\x0c\x30\x00", b"\x00\x00\x0c\x00"]
    spi = b"\xc1\x00\x00\x01"
    text2pcap(f"{out}/enc-host-order.pcap", 109,
              [(ts + i / 1000, f + spi + g + ip) for i, (f, g) in enumerate(zip(fams, flags))])


def fragment_duplicates(out):
    """fragment-duplicates.pcap: a 3072-byte UDP datagram per family, fragmented by scapy (fragment6 on
    a 1280-byte path, fragment for IPv4) with its first fragment sent twice before the last one: the
    copy is a duplicate the reassembler drops alone, and the datagram still completes."""
    from scapy.all import IPv6, IPv6ExtHdrFragment, fragment, fragment6
    payload = bytes(range(256)) * 12
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    f6 = fragment6(IPv6(src="2001:db8:1::10", dst="2001:db8:2::1") / IPv6ExtHdrFragment(id=0x5EED) /
                   UDP(sport=33000, dport=33001) / Raw(payload), 1280)
    f4 = fragment(IP(src="192.0.2.10", dst="198.51.100.1", id=0x4242) / UDP(sport=33000, dport=33001) /
                  Raw(payload), 1280)
    wrpcap(f"{out}/fragment-duplicates.pcap", [e / f for f in (f6[0], f6[1], f6[0], f6[2])] +
           [e / f for f in (f4[0], f4[1], f4[0], f4[2])])


def nflog_tlv_lengths(out):
    """nflog-tlv-lengths.pcap (text2pcap -l 239): the first packet of nflog.pcap (tcpdump on an nflog
    group, kernel-made TLVs) with one fixed-size TLV resized per frame: the packet header, the
    out-device, the UID and the GID with 3 or 8 value bytes instead of 4 (no tool writes these; the
    TLVs are rebuilt here in the capture's byte order, each padded to 4 bytes). vpnwire reads fixed-size
    values only at their size, as tshark does, and warns `tlv_value_length`."""
    ts, frame = read_pcap(f"{out}/nflog.pcap")[0]
    tlvs, pos = [], 4
    while pos + 4 <= len(frame):
        ln, typ = struct.unpack_from("<HH", frame, pos)
        tlvs.append((typ, frame[pos + 4:pos + ln]))
        pos += (ln + 3) & ~3

    def rebuild(changed_type, size):
        body = b""
        for typ, value in tlvs:
            if typ == changed_type:
                value = (value + bytes(8))[:size]
            tlv = struct.pack("<HH", 4 + len(value), typ) + value
            body += tlv + bytes(-len(tlv) % 4)
        return frame[:4] + body

    cases = [(1, 8), (1, 3), (5, 8), (11, 3), (14, 8)]
    text2pcap(f"{out}/nflog-tlv-lengths.pcap", 239,
              [(ts + i / 1000, rebuild(t, n)) for i, (t, n) in enumerate([(0, 0)] + cases)])


def ah_lengths(out):
    """ipv6-ah-lengths.pcap: IPv6 Authentication Headers (scapy's AH) of every Payload Len around the
    12-byte fixed part (RFC 4302 §2.2): with a 12-byte ICV, with none (Payload Len 1), and cut by a
    Payload Len of 0 (8 bytes: no Sequence Number; readers go on at the 9th byte) before No Next
    Header and before UDP. The short ones get vpnwire's ah_length_too_small warning."""
    from scapy.all import AH, IPv6
    a, b = "2001:db8:1::10", "2001:db8:2::1"
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    u = UDP(sport=33000, dport=33001) / Raw(b"ah")
    udp = raw(IPv6(src=a, dst=b) / u)[40:]  # with its checksum (scapy leaves it 0 under AH)
    # scapy leaves AH's Next Header and Payload Len to the caller.
    pkts = [e / IPv6(src=a, dst=b) / AH(nh=17, payloadlen=4, spi=0xA4000002, seq=1, icv=bytes(range(12))) / Raw(udp),
            e / IPv6(src=a, dst=b) / AH(nh=17, payloadlen=1, spi=0xA4000003, seq=2) / Raw(udp),
            e / IPv6(src=a, dst=b, nh=51) / Raw(raw(AH(nh=59, payloadlen=0, spi=0xA4000001, seq=9))[:8]),
            e / IPv6(src=a, dst=b, nh=51) / Raw(raw(AH(nh=17, payloadlen=0, spi=0xA4000004))[:8] + udp)]
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i * 0.01
    wrpcap(f"{out}/ipv6-ah-lengths.pcap", pkts)


def main():
    args = [a for a in sys.argv[1:] if a != "--ipv6-only"]
    out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    frames = read_pcap(PLAIN)
    ipv6_scapy(out, frames)
    ipv6_routing(out)
    fragment_duplicates(out)
    ah_lengths(out)
    if "--ipv6-only" not in sys.argv:
        host_order_families(out, frames)
        nflog_tlv_lengths(out)
    ipv6_kernel(out, frames)
    if "--ipv6-only" in sys.argv:
        return
    link_captures(out, frames)
    ppp_family(out)
    vlan_tags(out, frames)
    kernel_captures(out, frames)
    multi_interface(out)


if __name__ == "__main__":
    main()
