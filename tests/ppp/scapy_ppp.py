#!/usr/bin/python3
"""Builds PPP, LCP, IPCP and PPPoE frames with scapy (an independent
implementation) for tests/ppp/scapy_interop_test.cpp. One line per frame:
  <kind> <hex bytes> <field>=<value> ...
where the fields are what scapy put in, for the C++ views to read back."""
import sys

from scapy.layers.l2 import Ether
from scapy.layers.ppp import (HDLC, PPP, PPP_IPCP, PPP_IPCP_Option_DNS1, PPP_IPCP_Option_DNS2,
                              PPP_IPCP_Option_IPAddress, PPP_LCP_ACCM_Option, PPP_LCP_Auth_Protocol_Option,
                              PPP_LCP_Configure, PPP_LCP_Echo, PPP_LCP_Magic_Number_Option, PPP_LCP_MRU_Option,
                              PPPoE, PPPoED, PPPoED_Tags, PPPoETag)


def emit(kind, pkt, **fields):
    data = bytes(pkt)
    print(kind, data.hex(), " ".join(f"{k}={v}" for k, v in fields.items()))


def main():
    padi = Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01") / PPPoED(code=0x09, sessionid=0) / PPPoED_Tags(
        tag_list=[PPPoETag(tag_type=0x0101, tag_value=b"isp"), PPPoETag(tag_type=0x0103, tag_value=b"\x0a\x0b\x0c"),
                  PPPoETag(tag_type=0x0120, tag_value=b"\x05\xdc")])
    emit("pppoed", padi, code=0x09, session=0, tags=3, service_name="isp", max_payload=1500)

    pado = Ether() / PPPoED(code=0x07, sessionid=0) / PPPoED_Tags(
        tag_list=[PPPoETag(tag_type=0x0102, tag_value=b"scapy-ac"), PPPoETag(tag_type=0x0101, tag_value=b"")])
    emit("pppoed", pado, code=0x07, session=0, tags=2, ac_name="scapy-ac")

    lcp = Ether() / PPPoE(sessionid=0x0beb) / PPP(proto=0xC021) / PPP_LCP_Configure(
        code=1, id=0x42, options=[PPP_LCP_MRU_Option(max_recv_unit=1492), PPP_LCP_ACCM_Option(accm=0x000a0000),
                                  PPP_LCP_Auth_Protocol_Option(auth_protocol=0xC223, algorithm=5),
                                  PPP_LCP_Magic_Number_Option(magic_number=0xDEADBEEF)])
    emit("pppoes", lcp, session=0x0beb, protocol=0xC021, code=1, id=0x42, mru=1492, accm=0x000a0000,
         auth=0xC223, magic=0xDEADBEEF)

    ipcp = Ether() / PPPoE(sessionid=0x0beb) / PPP(proto=0x8021) / PPP_IPCP(
        code=2, id=9, options=[PPP_IPCP_Option_IPAddress(data="10.1.2.3"), PPP_IPCP_Option_DNS1(data="9.9.9.9"),
                               PPP_IPCP_Option_DNS2(data="149.112.112.112")])
    emit("pppoes", ipcp, session=0x0beb, protocol=0x8021, code=2, id=9, ip=0x0A010203, dns1=0x09090909,
         dns2=0x95707070)

    echo = HDLC() / PPP(proto=0xC021) / PPP_LCP_Echo(code=9, id=5, magic_number=0x01020304, data=b"ping")
    emit("sync", echo, protocol=0xC021, code=9, id=5, magic=0x01020304)
    return 0


if __name__ == "__main__":
    sys.exit(main())
