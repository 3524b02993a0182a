#!/usr/bin/python3
"""Independent ESP oracle for esp_interop_test: scapy's SecurityAssociation.

Input file (one case per line, space-separated key=value):
  id=N crypt=AES-GCM crypt_key=HEX icv=16 auth=NULL auth_key=HEX spi=N esn=0|1
  esn_hi=N mode=transport|tunnel nh=N inner=HEX packets=SEQ:HEX,SEQ:HEX,...
where each packet is an outer IPv4 datagram carrying our ESP, and `inner` is
what the SA protects (transport: the payload after the IP header, whose
protocol is nh; tunnel: the whole inner IP packet).

Output lines:
  dec N SEQ ok|fail DETAIL     scapy decrypted and verified our packet
  enc N SEQ HEX                scapy encrypted `inner` at SEQ: the ESP bytes
"""
import sys

from scapy.layers.inet import IP
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw, raw


def sa_for(c, esn_hi):
    kw = dict(spi=int(c["spi"]), crypt_algo=c["crypt"],
              crypt_key=bytes.fromhex(c["crypt_key"]) or None,
              auth_algo=c["auth"], auth_key=bytes.fromhex(c["auth_key"]) or None)
    if c["crypt"] == "AES-GCM":
        kw["crypt_icv_size"] = int(c["icv"])
    if c["mode"] == "tunnel":
        kw["tunnel_header"] = IP(src="192.0.2.1", dst="192.0.2.2")
    if c["esn"] == "1":
        kw["esn_en"] = True
        kw["esn"] = esn_hi
    return SecurityAssociation(ESP, **kw)


def main(path):
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        c = dict(kv.split("=", 1) for kv in line.split(" "))
        inner = bytes.fromhex(c["inner"])
        for item in c["packets"].split(","):
            seq_s, hexpkt = item.split(":")
            seq = int(seq_s)
            sa = sa_for(c, seq >> 32)
            try:
                out = sa.decrypt(IP(bytes.fromhex(hexpkt)))
                if c["mode"] == "tunnel":
                    got = raw(out)
                else:
                    got = raw(out)[out.ihl * 4:]
                    if out.proto != int(c["nh"]):
                        raise ValueError("next header %d" % out.proto)
                status = "ok" if got == inner else "fail payload " + got.hex()
            except Exception as e:  # noqa: BLE001 - report every failure
                status = "fail " + type(e).__name__ + ":" + str(e).replace(" ", "_")
            print("dec", c["id"], seq, status)
            # Encrypt the same inner data with scapy at seq + 1000.
            eseq = seq + 1000
            sa = sa_for(c, eseq >> 32)
            if c["mode"] == "tunnel":
                pkt = IP(inner)
            else:
                pkt = IP(src="192.0.2.1", dst="192.0.2.2", proto=int(c["nh"])) / Raw(inner)
            enc = sa.encrypt(pkt, seq_num=eseq & 0xFFFFFFFF)
            b = raw(enc)
            ihl = (b[0] & 0x0F) * 4
            print("enc", c["id"], eseq, b[ihl:].hex())


if __name__ == "__main__":
    main(sys.argv[1])
