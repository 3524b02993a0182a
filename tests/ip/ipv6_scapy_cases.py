#!/usr/bin/python3
"""Builds the IPv6 interop inputs of tests/ip/ipv6_interop_test.cpp with scapy.

Writes into the directory given:
  cases.pcap     raw IPv6 packets (LINKTYPE_IPV6): packets with extension
                 header chains, atomic fragments, and the fragments of many
                 datagrams (scapy's fragment6), shuffled together;
  expected.pcap  for every datagram fragmented into cases.pcap and every
                 atomic fragment, the packet a reassembler must deliver: the
                 same layers built without the Fragment header.
Fixed seed: the same files every run.
"""
import random
import sys

from scapy.all import (AH, ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, PadN, RouterAlert, TCP, UDP, fragment6, wrpcap)

out = sys.argv[1]
rng = random.Random(8200)


def addr():
    return "2001:db8:%x::%x" % (rng.randrange(1, 0xFFFF), rng.randrange(1, 0xFFFF))


def unfragmentable():
    """Extension headers that go before a Fragment header (RFC 8200 §4.5)."""
    layers = []
    if rng.random() < 0.3:
        layers.append(IPv6ExtHdrHopByHop(options=[RouterAlert()]))
    if rng.random() < 0.3:
        layers.append(IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 4)]))
    if rng.random() < 0.3:
        layers.append(IPv6ExtHdrRouting(type=0, addresses=[addr()], segleft=0))
    return layers


def upper(size):
    kind = rng.randrange(3)
    data = bytes(rng.randrange(256) for _ in range(size))
    if kind == 0:
        return UDP(sport=rng.randrange(1024, 65535), dport=1701) / data
    if kind == 1:
        return TCP(sport=rng.randrange(1024, 65535), dport=443, flags="PA", seq=rng.randrange(1 << 32)) / data
    return ICMPv6EchoRequest(id=rng.randrange(65536), seq=1, data=data)


def stack(fixed, layers, top, frag=None):
    p = fixed
    for layer in layers:
        p = p / layer.copy()
    if frag is not None:
        p = p / frag
    return p / top.copy()


packets = []
expected = []

# Plain packets: field variety and extension header chains (no Fragment header).
for i in range(40):
    fixed = IPv6(src=addr(), dst=addr(), tc=rng.randrange(256), fl=rng.randrange(1 << 20), hlim=rng.randrange(256))
    layers = unfragmentable()
    top = upper(rng.randrange(0, 200))
    if rng.random() < 0.3:  # scapy 2.5 leaves AH's nh and payloadlen 0: give them
        nh = {UDP: 17, TCP: 6, ICMPv6EchoRequest: 58}[type(top)]
        layers.append(AH(nh=nh, payloadlen=4, spi=rng.randrange(1 << 32), seq=i, icv=b"\0" * 12))
    packets.append(stack(fixed, layers, top))

# Atomic fragments (RFC 6946).
for i in range(8):
    fixed = IPv6(src=addr(), dst=addr(), hlim=64)
    layers = unfragmentable()
    top = upper(rng.randrange(8, 300))
    packets.append(stack(fixed, layers, top, IPv6ExtHdrFragment(id=rng.randrange(1 << 32), offset=0, m=0)))
    expected.append(stack(fixed, layers, top))

# Fragmented datagrams, shuffled together.
fragments = []
for i in range(40):
    fixed = IPv6(src=addr(), dst=addr(), tc=rng.randrange(256), fl=rng.randrange(1 << 20))
    layers = unfragmentable()
    top = upper(rng.randrange(200, 9000))
    whole = stack(fixed, layers, top, IPv6ExtHdrFragment(id=rng.randrange(1 << 32)))
    mtu = rng.choice([1280, 1280, 1400, 1500, 2048, 4000])
    frags = fragment6(whole, mtu)
    if len(frags) < 2:
        continue
    if rng.random() < 0.2:
        frags.append(frags[rng.randrange(len(frags))])  # an exact duplicate
    fragments.extend(frags)
    expected.append(stack(fixed, layers, top))
rng.shuffle(fragments)
packets.extend(fragments)

wrpcap(out + "/cases.pcap", packets)
wrpcap(out + "/expected.pcap", expected)
print(len(packets), "packets,", len(expected), "expected deliveries")
