#!/usr/bin/python3
"""Reassembles IPv6 fragment sets with scapy (an independent implementation)
for tests/tunnel/outer_fragmenter_test.cpp. Input lines: `<set> <hex of one
fragment>`; output: one line per set, in order of first appearance:
`<set> <hex of the packet scapy's defragment6 rebuilt>`."""
import sys

from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, defragment6


def main():
    sets = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        name, data = line.split()
        sets.setdefault(name, []).append(IPv6(bytes.fromhex(data)))
    for name, frags in sets.items():
        # scapy 2.5.0's defragment6 means to reorder but its loop never moves
        # past the first fragment (min_pos stays 0): give it offset order.
        frags.sort(key=lambda p: p[IPv6ExtHdrFragment].offset)
        print(name, bytes(defragment6(frags)).hex())


if __name__ == "__main__":
    main()
