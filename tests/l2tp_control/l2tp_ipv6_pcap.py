#!/usr/bin/python3
"""Writes the L2TP datagrams of tests/l2tp_control/endpoint_ipv6_test.cpp into
a pcap as scapy builds them over Ethernet/IPv6/UDP (an independent
implementation of the IPv6 and UDP headers and of the UDP checksum over the
IPv6 pseudo-header). Input lines on stdin: `<src> <sport> <dst> <dport>
<hex of the UDP payload>`; argument: the pcap to write."""
import sys

from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import wrpcap


def main():
    packets = []
    for line in sys.stdin:
        if not line.strip():
            continue
        src, sport, dst, dport, data = line.split()
        packets.append(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IPv6(src=src, dst=dst) /
                       UDP(sport=int(sport), dport=int(dport)) / Raw(bytes.fromhex(data)))
    wrpcap(sys.argv[1], packets)


if __name__ == "__main__":
    main()
