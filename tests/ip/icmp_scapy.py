#!/usr/bin/python3
"""Builds ICMP and ICMPv6 error messages with scapy (an independent
implementation) for tests/ip/icmp_interop_test.cpp. One line per message:
  <kind> <hex of the whole IP packet> <field>=<value> ...
where kind is icmp4 or icmp6 and the fields are what scapy put in (the
invoking packet as `invoking=<hex>`, and `quote=rfc792` when scapy was given
only the IP header and 8 bytes), for our views to read back and our builders
to reproduce byte for byte."""
import struct

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6PacketTooBig, ICMPv6ParamProblem,
                                ICMPv6TimeExceeded, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                IPv6ExtHdrRouting, PadN)
from scapy.layers.ipsec import AH, ESP
from scapy.layers.l2tp import L2TP
from scapy.packet import Raw

ROUTER4, LOCAL4, PEER4 = "198.51.100.1", "192.0.2.10", "203.0.113.20"
ROUTER6, LOCAL6, PEER6 = "2001:db8:ffff::1", "2001:db8:1::10", "2001:db8:2::20"


def emit(family, pkt, invoking=None, **fields):
    data = bytes(pkt)
    extra = {} if invoking is None else {"invoking": bytes(invoking).hex()}
    extra.update(fields)
    print(family, data.hex(), " ".join(f"{k}={v}" for k, v in extra.items()))


def main():
    body = bytes(range(64))

    # Fragmentation needed (RFC 1191 MTU 1400) quoting a whole ESP packet sent with DF.
    inv = IP(src=LOCAL4, dst=PEER4, flags="DF", id=0x1234, ttl=63) / ESP(spi=0x11223344, seq=7, data=body)
    emit("icmp4", IP(src=ROUTER4, dst=LOCAL4) / ICMP(type=3, code=4, nexthopmtu=1400) / inv, inv,
         type=3, code=4, mtu=1400, qsrc=0xC000020A, qdst=0xCB007114, qproto=50, qdf=1, qlen=len(inv),
         kind="esp", spi=0x11223344, seq=7)

    # An old router (MTU field 0) quoting RFC 792's IP header + 64 bits.
    inv = IP(src=LOCAL4, dst=PEER4, flags="DF", id=0x2222) / ESP(spi=0xCAFEF00D, seq=0x01020304, data=body * 20)
    emit("icmp4", IP(src=ROUTER4, dst=LOCAL4) / ICMP(type=3, code=4, nexthopmtu=0) / bytes(inv)[:28], inv,
         type=3, code=4, mtu=0, qsrc=0xC000020A, qdst=0xCB007114, qproto=50, qdf=1, qlen=len(inv),
         kind="esp", spi=0xCAFEF00D, seq=0x01020304, quote="rfc792")

    # NAT-T: ESP in UDP 4500 quoted in full.
    inv = IP(src=LOCAL4, dst=PEER4, flags="DF") / UDP(sport=4500, dport=4500, chksum=0) / Raw(
        struct.pack("!II", 0xDEADBEEF, 99) + body)
    emit("icmp4", IP(src=ROUTER4, dst=LOCAL4) / ICMP(type=3, code=4, nexthopmtu=1300) / inv, inv,
         type=3, code=4, mtu=1300, qproto=17, qdf=1, qlen=len(inv), kind="esp_in_udp", sport=4500, dport=4500,
         spi=0xDEADBEEF, seq=99)

    # NAT-T with RFC 792's 8 bytes: only the UDP header is quoted.
    emit("icmp4", IP(src=ROUTER4, dst=LOCAL4) / ICMP(type=3, code=4, nexthopmtu=1300) / bytes(inv)[:28], inv,
         type=3, code=4, mtu=1300, qproto=17, qdf=1, qlen=len(inv), kind="udp", sport=4500, dport=4500,
         quote="rfc792")

    # Time exceeded quoting plain L2TP (data message with the L bit) on UDP 1701.
    inv = IP(src=LOCAL4, dst=PEER4, ttl=1) / UDP(sport=1701, dport=1701) / L2TP(
        hdr="length", tunnel_id=0x0102, session_id=0x0304) / Raw(b"\xff\x03\x00\x21" + body)
    emit("icmp4", IP(src=ROUTER4, dst=LOCAL4) / ICMP(type=11, code=0) / inv, inv,
         type=11, code=0, qproto=17, qdf=0, qlen=len(inv), kind="l2tp", sport=1701, dport=1701, tunnel=0x0102,
         session=0x0304, control=0)

    # Port unreachable quoting TCP.
    inv = IP(src=LOCAL4, dst=PEER4) / TCP(sport=40000, dport=443, seq=0x10203040, flags="S")
    emit("icmp4", IP(src=PEER4, dst=LOCAL4) / ICMP(type=3, code=3) / inv, inv,
         type=3, code=3, qproto=6, qdf=0, qlen=len(inv), kind="tcp", sport=40000, dport=443, seq=0x10203040)

    # Parameter problem (pointer 9) quoting IKE on UDP 500.
    inv = IP(src=LOCAL4, dst=PEER4) / UDP(sport=500, dport=500) / Raw(b"\x00" * 28)
    emit("icmp4", IP(src=PEER4, dst=LOCAL4) / ICMP(type=12, code=0, ptr=9) / inv, inv,
         type=12, code=0, pointer=9, qproto=17, qdf=0, qlen=len(inv), kind="ike", sport=500, dport=500)

    # Echo request: not an error, quotes nothing.
    emit("icmp4", IP(src=PEER4, dst=LOCAL4) / ICMP(type=8, id=0x4242, seq=5) / Raw(b"ping"), None,
         type=8, code=0, ident=0x4242, sequence=5)

    # ICMPv6 Packet Too Big (MTU 1400) quoting IPv6 + ESP.
    inv = IPv6(src=LOCAL6, dst=PEER6, nh=50, hlim=63) / ESP(spi=0x55667788, seq=1234, data=body)
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6PacketTooBig(mtu=1400) / inv, inv,
         type=2, code=0, mtu=1400, qnh=50, qlen=len(inv), kind="esp", spi=0x55667788, seq=1234)

    # Packet Too Big quoting ESP in UDP over IPv6, a large packet cut at 1280 bytes.
    inv = IPv6(src=LOCAL6, dst=PEER6) / UDP(sport=4500, dport=4500) / Raw(
        struct.pack("!II", 0x0A0B0C0D, 0xFFFFFFF0) + body * 30)
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6PacketTooBig(mtu=1280) / bytes(inv)[:1232], inv,
         type=2, code=0, mtu=1280, qnh=17, qlen=len(inv), kind="esp_in_udp", sport=4500, dport=4500,
         spi=0x0A0B0C0D, seq=0xFFFFFFF0)

    # Time exceeded quoting L2TP (control message: T, L, S bits) over UDP/IPv6.
    inv = IPv6(src=LOCAL6, dst=PEER6, hlim=1) / UDP(sport=1701, dport=1701) / L2TP(
        hdr="control+length+sequence", tunnel_id=7, session_id=0, ns=1, nr=2)
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6TimeExceeded(code=0) / inv, inv,
         type=3, code=0, qnh=17, qlen=len(inv), kind="l2tp", sport=1701, dport=1701, tunnel=7, session=0, control=1)

    # Port unreachable quoting TCP over IPv6.
    inv = IPv6(src=LOCAL6, dst=PEER6) / TCP(sport=50000, dport=22, seq=77, flags="S")
    emit("icmp6", IPv6(src=PEER6, dst=LOCAL6) / ICMPv6DestUnreach(code=4) / inv, inv,
         type=1, code=4, qnh=6, qlen=len(inv), kind="tcp", sport=50000, dport=22, seq=77)

    # Parameter problem, pointer 6 (the next header field), quoting an unknown next header.
    inv = IPv6(src=LOCAL6, dst=PEER6, nh=253) / Raw(b"\x00" * 16)
    emit("icmp6", IPv6(src=PEER6, dst=LOCAL6) / ICMPv6ParamProblem(code=1, ptr=6) / inv, inv,
         type=4, code=1, pointer=6, qnh=253, qlen=len(inv), kind="other")

    # Extension headers before the transport (RFC 8200 §4), walked to the ESP SPI / UDP header.
    # Packet Too Big quoting the first fragment of an ESP packet (Fragment header, M set).
    inv = IPv6(src=LOCAL6, dst=PEER6) / IPv6ExtHdrFragment(offset=0, m=1, id=0xA1B2C3D4, nh=50) / ESP(
        spi=0x0C0FFEE0, seq=42, data=body)
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6PacketTooBig(mtu=1300) / inv, inv,
         type=2, code=0, mtu=1300, qnh=44, qlen=len(inv), kind="esp", spi=0x0C0FFEE0, seq=42)

    # Packet Too Big quoting ESP in UDP 4500 behind a Destination Options header.
    inv = IPv6(src=LOCAL6, dst=PEER6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) / UDP(
        sport=4500, dport=4500) / Raw(struct.pack("!II", 0x01020304, 5) + body)
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6PacketTooBig(mtu=1400) / inv, inv,
         type=2, code=0, mtu=1400, qnh=60, qlen=len(inv), kind="esp_in_udp", sport=4500, dport=4500,
         spi=0x01020304, seq=5)

    # Time exceeded quoting L2TP behind Hop-by-Hop, Routing (type 2, segments left 0) and Destination Options.
    inv = IPv6(src=LOCAL6, dst=PEER6, hlim=1) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting(
        type=2, segleft=0, addresses=["2001:db8:3::30"]) / IPv6ExtHdrDestOpt() / UDP(sport=1701, dport=1701) / L2TP(
        hdr="length", tunnel_id=0x0A0B, session_id=0x0C0D) / Raw(b"\xff\x03\x00\x57" + body)
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6TimeExceeded(code=0) / inv, inv,
         type=3, code=0, qnh=0, qlen=len(inv), kind="l2tp", sport=1701, dport=1701, tunnel=0x0A0B,
         session=0x0C0D, control=0)

    # Packet Too Big quoting ESP behind AH (RFC 4302: SPI, sequence number, 12-byte ICV).
    inv = IPv6(src=LOCAL6, dst=PEER6) / AH(nh=50, payloadlen=4, spi=0x99, seq=3, icv=b"\x11" * 12) / ESP(
        spi=0x0D0E0F10, seq=77, data=body)
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6PacketTooBig(mtu=1280) / inv, inv,
         type=2, code=0, mtu=1280, qnh=51, qlen=len(inv), kind="esp", spi=0x0D0E0F10, seq=77)

    # Destination unreachable quoting a later fragment: no transport header in it.
    inv = IPv6(src=LOCAL6, dst=PEER6) / IPv6ExtHdrFragment(offset=181, m=0, id=0x55, nh=17) / Raw(body)
    emit("icmp6", IPv6(src=PEER6, dst=LOCAL6) / ICMPv6DestUnreach(code=0) / inv, inv,
         type=1, code=0, qnh=44, qlen=len(inv), kind="later_fragment")

    # A quote cut inside a Destination Options header: the transport is not quoted.
    inv = IPv6(src=LOCAL6, dst=PEER6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 60)]) / UDP(
        sport=4500, dport=4500) / Raw(body)
    cut = bytes(inv)[:56]
    emit("icmp6", IPv6(src=ROUTER6, dst=LOCAL6) / ICMPv6PacketTooBig(mtu=1280) / cut, cut,
         type=2, code=0, mtu=1280, qnh=60, qlen=len(inv), kind="not_quoted")

    # Echo request.
    emit("icmp6", IPv6(src=PEER6, dst=LOCAL6) / ICMPv6EchoRequest(id=0x77, seq=3, data=b"ping"), None,
         type=128, code=0, ident=0x77, sequence=3)


if __name__ == "__main__":
    main()
