#!/usr/bin/python3
"""vpnwire mtu --outer/--inner ipv4|ipv6 and --iptfs against scapy's ESP.

For every outer/inner family pair, several link MTUs and ciphers (tunnel
mode), the inner MTU vpnwire prints is checked by encapsulating with scapy's
ESP SecurityAssociation (an independent encoder): an inner packet of that size
fits the link, one byte more does not. The MSS is inner MTU - 40 (IPv4) or
- 60 (IPv6), and an inner IPv6 MTU below 1280 is called out. With --iptfs the
AGGFRAG payload size is checked the same way (ESP with next header 144: the
payload fits, one byte more does not), and the inner MTU is reported as not
limited by the path. Refusals: transport mode with different families, and
--iptfs in transport mode.

usage: mtu_families_test.py VPNWIRE
"""
import re
import subprocess
import sys

from scapy.all import IP, IPv6, Raw
from scapy.layers.ipsec import SecurityAssociation, ESP

VPNWIRE = sys.argv[1]
FAILS = []
CIPHERS = {
    "aes-cbc/hmac-sha1-96": dict(crypt_algo="AES-CBC", crypt_key=bytes(16), auth_algo="HMAC-SHA1-96", auth_key=bytes(20)),
    "aes-gcm-16": dict(crypt_algo="AES-GCM", crypt_key=bytes(20), auth_algo="NULL", auth_key=None),
}


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def mtu(*args):
    return subprocess.run([VPNWIRE, "mtu"] + list(args), capture_output=True, text=True)


def outer_ip(fam):
    return IP(src="192.0.2.1", dst="192.0.2.2") if fam == "ipv4" else IPv6(src="2001:db8::1", dst="2001:db8::2")


def tunnel_len(fam_out, fam_in, cipher, inner_size):
    sa = SecurityAssociation(ESP, spi=0x1000, tunnel_header=outer_ip(fam_out), **CIPHERS[cipher])
    hdr = 20 if fam_in == "ipv4" else 40
    inner = (IP(src="10.0.0.1", dst="10.0.0.2", proto=17) if fam_in == "ipv4" else
             IPv6(src="fd00::1", dst="fd00::2", nh=17)) / Raw(bytes(inner_size - hdr))
    return len(sa.encrypt(inner))


def aggfrag_len(fam_out, cipher, payload_size):
    sa = SecurityAssociation(ESP, spi=0x1000, **CIPHERS[cipher])
    o = outer_ip(fam_out)
    if fam_out == "ipv4":
        o.proto = 144
    else:
        o.nh = 144
    return len(sa.encrypt(o / Raw(bytes(payload_size))))


def main():
    checked = 0
    for fam_out in ("ipv4", "ipv6"):
        for fam_in in ("ipv4", "ipv6"):
            for cipher in CIPHERS:
                for link in (1280, 1400, 1454, 1500):
                    r = mtu("--link-mtu", str(link), "--esp", cipher, "--outer", fam_out, "--inner", fam_in,
                            "--iptfs")
                    check(r.returncode == 0, "mtu %s %s %s %d: %s" % (fam_out, fam_in, cipher, link, r.stderr))
                    m = re.search(r"^inner MTU\s+(\d+)", r.stdout, re.M)
                    s = re.search(r"^TCP MSS\s+(\d+)", r.stdout, re.M)
                    if not m or not s:
                        check(False, "no inner MTU in:\n" + r.stdout)
                        continue
                    n, mss = int(m.group(1)), int(s.group(1))
                    what = "%s in %s, %s, link %d: inner MTU %d" % (fam_in, fam_out, cipher, link, n)
                    check(tunnel_len(fam_out, fam_in, cipher, n) <= link < tunnel_len(fam_out, fam_in, cipher, n + 1),
                          what + " disagrees with scapy's ESP")
                    check(mss == n - (40 if fam_in == "ipv4" else 60), what + ": MSS %d" % mss)
                    check((fam_in == "ipv6" and n < 1280) == ("below IPv6's minimum" in r.stdout),
                          what + ": the 1280 note")
                    p = re.search(r"^AGGFRAG payload\s+(\d+) bytes: 4-byte header \+ (\d+)", r.stdout, re.M)
                    check(p is not None and "not limited by the path" in r.stdout, what + ": no IP-TFS part")
                    if p:
                        size = int(p.group(1))
                        check(aggfrag_len(fam_out, cipher, size) <= link < aggfrag_len(fam_out, cipher, size + 1),
                              what + ": AGGFRAG payload %d disagrees with scapy's ESP" % size)
                        check(int(p.group(2)) == size - 4, what + ": AGGFRAG data")
                    checked += 1
    r = mtu("--outer", "ipv6", "--inner", "ipv4", "--mode", "transport")
    check(r.returncode == 2 and "carries only its own family" in r.stderr, "transport 4-in-6 not refused: " + r.stderr)
    r = mtu("--iptfs", "--l2tp")
    check(r.returncode == 2 and "--iptfs needs a tunnel-mode ESP SA" in r.stderr, "--iptfs with L2TP/IPsec: " + r.stderr)
    r = mtu("--outer", "ipv5")
    check(r.returncode == 2 and "is not ipv4 or ipv6" in r.stderr, "--outer ipv5: " + r.stderr)
    r = mtu("--l2tp", "--outer", "ipv6", "--inner", "ipv6", "--link-mtu", "1500")
    check(r.returncode == 0 and "outer IPv6" in r.stdout and "(IPv6)" in r.stdout, "L2TP over IPv6: " + r.stdout)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("mtu_families_test: all checks passed (%d stacks)" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
