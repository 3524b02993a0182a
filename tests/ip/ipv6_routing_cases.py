#!/usr/bin/env python3
"""IPv6 packets with Routing headers and Home Address options for ipv6_routing_checksum_test.cpp.

   ipv6_routing_cases.py OUT-DIR

Writes OUT-DIR/routing.pcap (Ethernet) and OUT-DIR/routing.txt, one line per
frame: "<name> <good|bad>", whether the upper-layer checksum was computed
the way RFC 8200 section 8.1 asks (over the final destination while the
Routing header has segments left) and RFC 6275 section 6.3 (over the home
address of a Home Address option). scapy 2.5 computes the checksums (its
in6_chksum uses the final destination of Routing types 0 and 2 and of the
Segment Routing Header, and a lone Home Address option); the "bad" cases are
computed on purpose over the wrong address. scapy has no RPL Source Route header (type 3, RFC 6554),
so those headers are assembled here from the RFC's layout, with the UDP
checksum scapy computes over the final address; tshark judges them all.
"""
import sys

from scapy.all import (HAO, ICMPv6EchoRequest, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
                       IPv6ExtHdrSegmentRouting, Ether, PadN, Raw, TCP, UDP, raw, wrpcap)

SRC = "2001:db8:1::1"
DST = "2001:db8:2::2"            # the fixed header's destination: the next segment
MID = "2001:db8:3::3"
FINAL = "2001:db8:9::99"         # where the packet ends up
L2TP = b"\xc8\x02\x00\x0c\x00\x01\x00\x00\x00\x00\x00\x00"  # a ZLB (what this project carries)

cases = []


def case(name, pkt, expect="good"):
    cases.append((name, Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / pkt, expect))


def with_checksum_over(pkt, layer, destination, source=None):
    """pkt with `layer`'s checksum computed as if the pseudo-header had `source` (default: the packet's)
    and `destination`."""
    body = pkt[layer].copy()
    body.chksum = None
    computed = IPv6(src=source or pkt[IPv6].src, dst=destination,
                    nh=pkt[layer].overload_fields.get(IPv6, {}).get("nh", 17))
    c = (IPv6(raw(computed / body)))[layer].chksum
    out = pkt.copy()
    out[layer].chksum = c
    return out


udp = UDP(sport=1701, dport=1701) / Raw(L2TP)
# Type 0 (RFC 2460), two addresses, two segments left: the last address is the final destination.
case("rh0-udp-segleft2", IPv6(src=SRC, dst=DST) / IPv6ExtHdrRouting(addresses=[MID, FINAL], segleft=2) / udp)
# Type 0 with one segment left: still the last address.
case("rh0-udp-segleft1", IPv6(src=SRC, dst=MID) / IPv6ExtHdrRouting(addresses=[DST, FINAL], segleft=1) / udp)
# Segments left 0: the fixed header's destination is the final one.
case("rh0-udp-segleft0", IPv6(src=SRC, dst=FINAL) / IPv6ExtHdrRouting(addresses=[MID, DST], segleft=0) / udp)
# Type 2 (Mobile IPv6 home address, RFC 6275 section 6.4), one segment left.
case("rh2-udp", IPv6(src=SRC, dst=DST) / IPv6ExtHdrRouting(type=2, addresses=[FINAL], segleft=1) / udp)
# Segment Routing Header (RFC 8754): Segment List[0] is the final segment.
case("srh-udp-segleft2",
     IPv6(src=SRC, dst=DST) / IPv6ExtHdrSegmentRouting(addresses=[FINAL, MID, DST], segleft=2) / udp)
case("srh-tcp-syn-segleft1",
     IPv6(src=SRC, dst=MID) / IPv6ExtHdrSegmentRouting(addresses=[FINAL, MID], segleft=1) /
     TCP(sport=40000, dport=1723, flags="S", seq=1, options=[("MSS", 1220)]))
case("srh-udp-segleft0",
     IPv6(src=SRC, dst=FINAL) / IPv6ExtHdrSegmentRouting(addresses=[FINAL, MID], segleft=0) / udp)
# Other headers around the Routing header.
case("hbh-rh0-dst-udp",
     IPv6(src=SRC, dst=DST) / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=[MID, FINAL], segleft=2) /
     IPv6ExtHdrDestOpt() / udp)
# ICMPv6 under a Routing header: an echo request, and a Packet Too Big quoting an ESP packet.
case("rh0-icmpv6-echo",
     IPv6(src=SRC, dst=DST) / IPv6ExtHdrRouting(addresses=[MID, FINAL], segleft=2) / ICMPv6EchoRequest(id=7, seq=1))
quoted = IPv6(src=FINAL, dst=SRC, nh=50) / Raw(b"\xc1\x00\x00\x01\x00\x00\x00\x05" + bytes(64))
case("srh-icmpv6-too-big",
     IPv6(src=SRC, dst=DST) / IPv6ExtHdrSegmentRouting(addresses=[FINAL, DST], segleft=1) /
     ICMPv6PacketTooBig(mtu=1280) / quoted)
# Checksums computed over the fixed header's destination although segments are left: wrong.
p = IPv6(src=SRC, dst=DST) / IPv6ExtHdrRouting(addresses=[MID, FINAL], segleft=2) / udp
case("rh0-udp-over-fixed-destination", with_checksum_over(IPv6(raw(p)), UDP, DST), "bad")
p = IPv6(src=SRC, dst=DST) / IPv6ExtHdrSegmentRouting(addresses=[FINAL, DST], segleft=1) / udp
case("srh-udp-over-fixed-destination", with_checksum_over(IPv6(raw(p)), UDP, DST), "bad")
# ...and over the final destination although no segment is left: wrong too.
p = IPv6(src=SRC, dst=DST) / IPv6ExtHdrSegmentRouting(addresses=[FINAL, DST], segleft=0) / udp
case("srh-udp-segleft0-over-segment-list", with_checksum_over(IPv6(raw(p)), UDP, FINAL), "bad")

# Mobile IPv6 (RFC 6275 section 6.3): a mobile node away from home sends from its care-of address and
# names its home address in a Home Address destination option; the checksum is over the home address.
COA = "2001:db8:c::c"
HOME = "2001:db8:7::7"
case("hao-udp", IPv6(src=COA, dst=DST) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOME)]) / udp)
case("hao-tcp-syn", IPv6(src=COA, dst=DST) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOME)]) /
     TCP(sport=40001, dport=1723, flags="S", seq=7, options=[("MSS", 1220)]))
p = IPv6(src=COA, dst=DST) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOME)]) / udp
case("hao-udp-over-care-of-address", with_checksum_over(IPv6(raw(p)), UDP, DST, COA), "bad")
# A Home Address option among other options (scapy only substitutes it when it is alone: the checksum
# is computed here over the home address explicitly).
p = IPv6(src=COA, dst=DST) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0"), HAO(hoa=HOME)]) / udp
case("hao-after-padn-udp", with_checksum_over(IPv6(raw(p)), UDP, DST, HOME))
# Destination options without a Home Address option: the packet's source.
case("dstopt-padn-udp", IPv6(src=COA, dst=DST) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]) / udp)


def rpl(cmpr_i, cmpr_e, addresses, segleft, final_tail):
    """An RPL Source Route header (RFC 6554 section 3) carrying `addresses` (each 16 - cmpr_i bytes) and
    the final address's last 16 - cmpr_e bytes; padded to 8-byte units."""
    body = b"".join(addresses) + final_tail
    pad = (-(8 + len(body))) % 8
    body += bytes(pad)
    hdr_ext_len = (8 + len(body)) // 8 - 1
    return bytes([17, hdr_ext_len, 3, segleft, cmpr_i << 4 | cmpr_e, pad << 4, 0, 0]) + body


def rpl_case(name, cmpr_i, cmpr_e, n_mid, segleft, expect_over):
    import ipaddress
    dst = ipaddress.IPv6Address(DST).packed
    final = ipaddress.IPv6Address(FINAL).packed
    final = dst[:cmpr_e] + final[cmpr_e:]          # shares its first CmprE bytes with DST
    mids = [dst[:cmpr_i] + bytes([0x30 + i]) * (16 - cmpr_i) for i in range(n_mid)]
    rh = rpl(cmpr_i, cmpr_e, [m[cmpr_i:] for m in mids], segleft, final[cmpr_e:])
    over = ipaddress.IPv6Address(final if expect_over == "final" else dst).compressed
    u = UDP(raw(IPv6(src=SRC, dst=over) / udp)[40:])
    pkt = IPv6(src=SRC, dst=DST, nh=43) / Raw(rh + raw(u))
    good = (expect_over == "final") == (segleft != 0)
    case(name, pkt, "good" if good else "bad")


rpl_case("rpl-udp-cmpr8-8", 8, 8, 2, 3, "final")
rpl_case("rpl-udp-cmpr12-4", 12, 4, 1, 2, "final")
rpl_case("rpl-udp-cmpr0-0", 0, 0, 1, 1, "final")
rpl_case("rpl-udp-segleft0", 8, 8, 2, 0, "fixed")
rpl_case("rpl-udp-over-fixed-destination", 8, 8, 2, 3, "fixed")

out = sys.argv[1]
wrpcap(out + "/routing.pcap", [c[1] for c in cases])
with open(out + "/routing.txt", "w") as f:
    for name, _, expect in cases:
        f.write(f"{name} {expect}\n")
