#!/usr/bin/python3
"""Independent ESP oracle for esp_interop_test: scapy's SecurityAssociation,
over IPv4 and IPv6 outer headers.

Input file (one case per line, space-separated key=value):
  id=N crypt=AES-GCM crypt_key=HEX icv=16 auth=NULL auth_key=HEX spi=N esn=0|1
  mode=transport|tunnel nh=N outer=4|6 natt=0|1 tfc=N inner=HEX
  packets=SEQ:HEX,SEQ:HEX,...
where each packet is an outer IPv4 or IPv6 datagram carrying our ESP (behind
a UDP/4500 header when natt=1), and `inner` is what the SA protects
(transport: the payload after the IP header, whose protocol is nh; tunnel: the
whole inner IPv4 or IPv6 packet, followed in our packets by `tfc` zero bytes
of TFC padding that scapy hands back untrimmed).

Output lines:
  dec N SEQ ok|fail DETAIL     scapy decrypted and verified our packet
  enc N SEQ HEX                scapy encrypted `inner` at SEQ: the ESP bytes
                               (from the SPI; without any UDP header)
"""
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw, raw

OUTER4 = ("192.0.2.1", "192.0.2.2")
OUTER6 = ("2001:db8::1", "2001:db8::2")


def outer_header(c, **kw):
    if c["outer"] == "6":
        return IPv6(src=OUTER6[0], dst=OUTER6[1], **kw)
    return IP(src=OUTER4[0], dst=OUTER4[1], **kw)


def sa_for(c, esn_hi):
    kw = dict(spi=int(c["spi"]), crypt_algo=c["crypt"],
              crypt_key=bytes.fromhex(c["crypt_key"]) or None,
              auth_algo=c["auth"], auth_key=bytes.fromhex(c["auth_key"]) or None)
    if c["crypt"] == "AES-GCM":
        kw["crypt_icv_size"] = int(c["icv"])
    if c["mode"] == "tunnel":
        kw["tunnel_header"] = outer_header(c)
    if c["natt"] == "1":
        kw["nat_t_header"] = UDP(sport=4500, dport=4500)
    if c["esn"] == "1":
        kw["esn_en"] = True
        kw["esn"] = esn_hi
    return SecurityAssociation(ESP, **kw)


def parse_outer(c, b):
    return IPv6(b) if c["outer"] == "6" else IP(b)


def inner_packet(inner):
    return IPv6(inner) if inner[0] >> 4 == 6 else IP(inner)


def decrypted_payload(c, out):
    """What the SA protected, from scapy's decrypted packet."""
    if c["mode"] == "tunnel":
        return raw(out)
    if c["outer"] == "6":
        if out.nh != int(c["nh"]):
            raise ValueError("next header %d" % out.nh)
        return raw(out)[40:]
    if out.proto != int(c["nh"]):
        raise ValueError("next header %d" % out.proto)
    return raw(out)[out.ihl * 4:]


def main(path):
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        c = dict(kv.split("=", 1) for kv in line.split(" "))
        c.setdefault("outer", "4")
        c.setdefault("natt", "0")
        c.setdefault("tfc", "0")
        inner = bytes.fromhex(c["inner"])
        tfc = int(c["tfc"])
        for item in c["packets"].split(","):
            seq_s, hexpkt = item.split(":")
            seq = int(seq_s)
            sa = sa_for(c, seq >> 32)
            try:
                got = decrypted_payload(c, sa.decrypt(parse_outer(c, bytes.fromhex(hexpkt))))
                want = inner + b"\0" * tfc
                status = "ok" if got == want else "fail payload " + got.hex()
            except Exception as e:  # noqa: BLE001 - report every failure
                status = "fail " + type(e).__name__ + ":" + str(e).replace(" ", "_")
            print("dec", c["id"], seq, status)
            # Encrypt the same inner data with scapy at seq + 1000.
            eseq = seq + 1000
            sa = sa_for(c, eseq >> 32)
            if c["mode"] == "tunnel":
                pkt = inner_packet(inner)
            elif c["outer"] == "6":
                pkt = outer_header(c, nh=int(c["nh"])) / Raw(inner)
            else:
                pkt = outer_header(c, proto=int(c["nh"])) / Raw(inner)
            enc = raw(sa.encrypt(pkt, seq_num=eseq & 0xFFFFFFFF))
            hdr = 40 if c["outer"] == "6" else (enc[0] & 0x0F) * 4
            if c["natt"] == "1":
                hdr += 8
            print("enc", c["id"], eseq, enc[hdr:].hex())


if __name__ == "__main__":
    main(sys.argv[1])
