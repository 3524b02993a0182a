"""Structured generators of well-formed seed frames (Ethernet link type).

scapy builds Ethernet, IPv4, UDP, TCP, PPPoE, PPP and the PPP control
protocols (LCP/IPCP options, PAP, CHAP); the L2TP header and AVPs (which
scapy's L2TP layer does not model) are packed here per RFC 2661 §3.1, §4.1.
"""
import struct

from scapy.all import (IP, TCP, UDP, Ether, PPP, PPP_CHAP_ChallengeResponse, PPP_IPCP, PPP_IPCP_Option_DNS1,
                       PPP_IPCP_Option_IPAddress, PPP_LCP_Configure, PPP_LCP_Echo, PPP_LCP_Magic_Number_Option,
                       PPP_LCP_MRU_Option, PPP_LCP_Auth_Protocol_Option, PPP_PAP_Request, PPPoE, PPPoED,
                       PPPoED_Tags, PPPoETag, Raw, TCPOptionsField, conf, fragment)  # noqa: F401

conf.verb = 0
A, B = "192.0.2.10", "198.51.100.1"
MA, MB = "02:00:00:00:00:0a", "02:00:00:00:00:01"


def avp(typ, value, m=1, vendor=0, hidden=0):
    ln = 6 + len(value)
    return struct.pack(">HHH", (m << 15) | (hidden << 14) | ln, vendor, typ) + value


def l2tp_control(tunnel, session, ns, nr, avps, offset=False):
    body = b"".join(avps)
    flags = 0xC802
    hdr_len = 12
    if offset:
        flags |= 0x0200
        hdr_len += 2
    ln = hdr_len + body.__len__()
    h = struct.pack(">HHHHHH", flags, ln, tunnel, session, ns, nr)
    if offset:
        h += struct.pack(">H", 0)
    return h + body


def l2tp_data(tunnel, session, ppp, length=True, seq=None, offset=None, prio=False):
    flags = 0x0002
    if length:
        flags |= 0x4000
    if seq is not None:
        flags |= 0x0800
    if offset is not None:
        flags |= 0x0200
    if prio:
        flags |= 0x0100
    rest = struct.pack(">HH", tunnel, session)
    if seq is not None:
        rest += struct.pack(">HH", *seq)
    if offset is not None:
        rest += struct.pack(">H", offset) + b"\x00" * offset
    total = 2 + (2 if length else 0) + len(rest) + len(ppp)
    return struct.pack(">H", flags) + (struct.pack(">H", total) if length else b"") + rest + ppp


def udp_l2tp(payload, sport=1701, dport=1701, ident=1):
    return bytes(Ether(src=MA, dst=MB) / IP(src=A, dst=B, id=ident) / UDP(sport=sport, dport=dport) / Raw(payload))


def control_messages(rng):
    u16 = lambda v: struct.pack(">H", v)  # noqa: E731
    u32 = lambda v: struct.pack(">I", v)  # noqa: E731
    msgs = []
    # SCCRQ (1), SCCRP (2), SCCCN (3), StopCCN (4), HELLO (6), ICRQ (10), ICRP (11), ICCN (12), CDN (14), SLI (16)
    msgs.append([avp(0, u16(1)), avp(2, u16(0x0100)), avp(3, u32(3)), avp(4, u32(1), m=0), avp(6, u16(0x0690), m=0),
                 avp(7, b"lac.example"), avp(8, b"vpnwire", m=0), avp(9, u16(7)), avp(10, u16(4))])
    msgs.append([avp(0, u16(2)), avp(2, u16(0x0100)), avp(3, u32(3)), avp(7, b"lns"), avp(9, u16(9)),
                 avp(11, bytes(rng.randrange(256) for _ in range(16)))])
    msgs.append([avp(0, u16(3)), avp(13, bytes(16))])
    msgs.append([avp(0, u16(4)), avp(9, u16(7)), avp(1, u16(1) + u16(0) + b"bye")])
    msgs.append([avp(0, u16(6))])
    msgs.append([avp(0, u16(10)), avp(14, u16(0x1234)), avp(15, u32(42)), avp(18, u32(1)), avp(21, b"5551234"),
                 avp(22, b"5550000", m=0), avp(23, b"sub", m=0)])
    msgs.append([avp(0, u16(11)), avp(14, u16(0x4321))])
    msgs.append([avp(0, u16(12)), avp(24, u32(100000000)), avp(19, u32(1)), avp(38, u32(100000000), m=0),
                 avp(27, bytes(20), m=0), avp(26, bytes(20), m=0), avp(29, b"\x03\x06\xc0\xa8\x00\x01", m=0)])
    msgs.append([avp(0, u16(14)), avp(1, u16(1) + u16(0)), avp(14, u16(0x1234))])
    msgs.append([avp(0, u16(16)), avp(35, u16(0) + u32(0xFFFFFFFF) + u32(0xFFFFFFFF))])
    msgs.append([avp(0, u16(6)), avp(13, bytes(4), m=1), avp(7, b"\x8a\x12\x33", hidden=1)])
    msgs.append([avp(0, u16(6)), avp(99, b"vendor", m=0, vendor=9)])
    out = []
    for i, avps in enumerate(msgs):
        out.append(udp_l2tp(l2tp_control(rng.randrange(1, 65536), 0, i, i + 1, avps), ident=100 + i))
        out.append(udp_l2tp(l2tp_control(7, 3, i, i, avps, offset=True), ident=200 + i))
    out.append(udp_l2tp(struct.pack(">HHHHHH", 0xC802, 12, 7, 0, 5, 6)))  # ZLB
    return out


def ppp_frames(rng):
    lcp = [PPP_LCP_Configure(code=1, id=1, options=[PPP_LCP_MRU_Option(max_recv_unit=1400),
                                                     PPP_LCP_Magic_Number_Option(magic_number=0xDEADBEEF)]),
           PPP_LCP_Configure(code=1, id=2, options=[PPP_LCP_Auth_Protocol_Option(auth_protocol=0xC223,
                                                                                data=b"\x05")]),
           PPP_LCP_Configure(code=4, id=3, options=[PPP_LCP_MRU_Option(max_recv_unit=1500)]),
           PPP_LCP_Echo(code=9, id=4, magic_number=0x11223344, data=b"ping")]
    ipcp = [PPP_IPCP(code=1, id=5, options=[PPP_IPCP_Option_IPAddress(data="10.0.0.1"),
                                             PPP_IPCP_Option_DNS1(data="10.0.0.53")]),
            PPP_IPCP(code=3, id=6, options=[PPP_IPCP_Option_IPAddress(data="10.0.0.2")])]
    auth = [PPP_PAP_Request(id=7, username=b"user", password=b"secret"),
            PPP_CHAP_ChallengeResponse(code=1, id=8, value=bytes(16), optional_name=b"lns")]
    out = []
    for p in lcp:
        out.append(bytes(PPP(proto=0xC021) / p))
    for p in ipcp:
        out.append(bytes(PPP(proto=0x8021) / p))
    out.append(bytes(PPP(proto=0xC023) / auth[0]))
    out.append(bytes(PPP(proto=0xC223) / auth[1]))
    inner = bytes(IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=40000, dport=80, flags="S",
                                                            options=[("MSS", 1460), ("NOP", None), ("WScale", 7)]))
    out.append(b"\x00\x21" + inner)
    return out


def ipv6_frames(rng):
    """IPv6 outer and inner packets: L2TP over UDP/IPv6 (control and PPP 0x0057 data), extension header
    chains (Hop-by-Hop, Destination Options with a Home Address option, Routing types 0, 2 and 4 with
    and without segments left, AH), fragments of an L2TP datagram, ESP and ESP-in-UDP, ICMPv6 echo and
    Packet Too Big quoting a tunnel packet, a TCP SYN with MSS, 6in4 and 4in6."""
    from scapy.all import (AH, HAO, ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt,
                           IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting,
                           PadN, RouterAlert, fragment6)
    S, D, M = "2001:db8:1::10", "2001:db8:2::1", "2001:db8:3::1"
    e = Ether(src=MA, dst=MB)
    inner6 = bytes(IPv6(src="fd00::1", dst="fd00::2") / TCP(sport=40000, dport=443, flags="S",
                                                           options=[("MSS", 1440), ("NOP", None), ("WScale", 7)]))
    ppp6 = b"\xff\x03\x00\x57" + inner6
    l2tp_ctl = l2tp_control(7, 0, 1, 2, [avp(0, struct.pack(">H", 6))])
    u = UDP(sport=1701, dport=1701)
    pkts = [
        IPv6(src=S, dst=D) / u / Raw(l2tp_ctl),
        IPv6(src=S, dst=D) / u / Raw(l2tp_data(7, 3, ppp6, seq=(rng.randrange(65536), 0))),
        IPv6(src=S, dst=D) / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / IPv6ExtHdrDestOpt(
            options=[PadN(optdata=b"\0\0")]) / u / Raw(l2tp_data(7, 3, ppp6)),
        IPv6(src=S, dst=D) / IPv6ExtHdrDestOpt(options=[HAO(hoa="2001:db8:9::9")]) / u / Raw(l2tp_ctl),
        IPv6(src=S, dst=M) / IPv6ExtHdrRouting(type=0, addresses=[D], segleft=1) / u / Raw(l2tp_ctl),
        IPv6(src=S, dst=D) / IPv6ExtHdrRouting(type=0, addresses=[M], segleft=0) / u / Raw(l2tp_ctl),
        IPv6(src=S, dst=M) / IPv6ExtHdrRouting(type=2, addresses=[D], segleft=1) / u / Raw(l2tp_ctl),
        IPv6(src=S, dst=M) / IPv6ExtHdrSegmentRouting(addresses=[D, M], segleft=1) / u / Raw(l2tp_ctl),
        # scapy leaves a UDP checksum under AH 0: the datagram comes with its own.
        IPv6(src=S, dst=D) / AH(nh=17, payloadlen=4, spi=0x1000, seq=3, icv=bytes(12)) / Raw(
            bytes(IPv6(src=S, dst=D) / u / Raw(l2tp_ctl))[40:]),
        IPv6(src=S, dst=D, nh=50) / Raw(struct.pack(">II", 0x6E600001, 5) + bytes(48)),
        IPv6(src=S, dst=D) / UDP(sport=4500, dport=4500) / Raw(struct.pack(">II", 0x6E600002, 5) + bytes(40)),
        IPv6(src=S, dst=D) / ICMPv6EchoRequest(id=7, seq=1, data=b"ping"),
        IPv6(src=M, dst=S) / ICMPv6PacketTooBig(mtu=1280) / IPv6(src=S, dst=D) / u / Raw(l2tp_data(7, 3, ppp6)),
        IPv6(src=S, dst=D) / TCP(sport=40001, dport=443, flags="S", options=[("MSS", 1440), ("SAckOK", b"")]),
        IPv6(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1701, dport=1701) / Raw(l2tp_ctl),
    ]
    out = [bytes(e / p) for p in pkts]
    out.append(bytes(e / IP(src=A, dst=B, proto=41) / Raw(inner6)))  # 6in4
    big = IPv6(src=S, dst=D) / IPv6ExtHdrFragment(id=rng.randrange(1 << 32)) / u / Raw(
        l2tp_data(7, 3, b"\xff\x03\x00\x57" + bytes(IPv6(src="fd00::1", dst="fd00::2") / UDP() / Raw(bytes(1400)))))
    out += [bytes(e / f) for f in fragment6(big, 1280)]
    return out


def all_frames(rng):
    """Seed frames, as (linktype, bytes)."""
    eth = []
    eth += control_messages(rng)
    eth += ipv6_frames(rng)
    for i, p in enumerate(ppp_frames(rng)):
        eth.append(udp_l2tp(l2tp_data(7, 3, b"\xff\x03" + p), ident=300 + i))
        eth.append(udp_l2tp(l2tp_data(7, 3, b"\xff\x03" + p, seq=(i, 0), offset=2), ident=400 + i))
        eth.append(udp_l2tp(l2tp_data(7, 3, p, length=False, prio=True), ident=500 + i))
        eth.append(bytes(Ether(src=MA, dst=MB, type=0x8864) / PPPoE(code=0, sessionid=0x11) / Raw(p)))
    tags = [PPPoETag(tag_type=0x0101, tag_value=b""), PPPoETag(tag_type=0x0102, tag_value=b"ac"),
            PPPoETag(tag_type=0x0103, tag_value=b"\x01\x02\x03\x04"), PPPoETag(tag_type=0x0104, tag_value=bytes(8)),
            PPPoETag(tag_type=0x0120, tag_value=struct.pack(">H", 1492)), PPPoETag(tag_type=0x0203, tag_value=b"e")]
    for code in (0x09, 0x07, 0x19, 0x65, 0xA7):
        eth.append(bytes(Ether(src=MA, dst="ff:ff:ff:ff:ff:ff", type=0x8863) / PPPoED(code=code, sessionid=0) /
                         PPPoED_Tags(tag_list=tags)))
    big = IP(src=A, dst=B, id=0x4242) / UDP(sport=1701, dport=1701) / Raw(
        l2tp_data(7, 3, b"\xff\x03\x00\x21" + bytes(IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / Raw(bytes(1400)))))
    for f in fragment(big, fragsize=600):
        eth.append(bytes(Ether(src=MA, dst=MB) / f))
    eth.append(bytes(Ether(src=MA, dst=MB) / IP(src=A, dst=B, proto=50) / Raw(struct.pack(">II", 0xC1000001, 9) +
                                                                                 bytes(48))))
    eth.append(bytes(Ether(src=MA, dst=MB) / IP(src=A, dst=B) / UDP(sport=4500, dport=4500) /
                     Raw(struct.pack(">II", 0xA0000001, 3) + bytes(40))))
    eth.append(bytes(Ether(src=MA, dst=MB) / IP(src=A, dst=B) /
                     TCP(sport=40000, dport=443, flags="S", options=[("MSS", 1360), ("SAckOK", b"")])))
    return [(1, f) for f in eth]
