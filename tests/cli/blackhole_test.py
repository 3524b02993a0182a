#!/usr/bin/python3
"""doctor's path-MTU black-hole findings (issue #19) on generated captures.

scapy builds an IPsec tunnel (ESP tunnel mode, AES-CBC/HMAC-SHA1-96, DF set on
the outer header) carrying a TCP download, and a plain L2TP tunnel, through a
path whose MTU is 1400:

  icmp_noshrink  the router answers each oversized ESP packet with ICMP
                 Fragmentation Needed (MTU 1400); the sender keeps sending them;
  icmp_shrink    the same, but after the ICMP the sender's packets fit;
  noicmp         no ICMP at all (filtered): the full-size segment is
                 retransmitted again and again while small segments pass;
  fixed          the MSS is clamped to doctor's advice: nothing is lost;
  l2tp_oldrouter plain L2TP, an ICMP without an MTU (pre-RFC 1191 router);
  ipv6           ESP over IPv6 (the same SA, IPv6 outer header) told by an
                 ICMPv6 Packet Too Big (MTU 1400, RFC 4443) quoting it; the
                 sender keeps sending full-size packets.

Checked against independent truth:
  - tshark reads each ICMP (icmp.type, icmp.code, icmp.mtu, the quoted
    esp.spi and the router's ip.src); doctor names the same MTU, SPI, router;
  - the inner MTU and MSS doctor advises are checked by scapy's own ESP
    encapsulation: an inner packet of the advised MTU encapsulates to at most
    the path MTU, one byte more does not fit;
  - the black hole is reported without ICMP, not after the fix, and "shrank"
    vs "did NOT shrink" follows what the sender did.

usage: blackhole_test.py VPNWIRE
"""
import os
import re
import subprocess
import sys
import tempfile

from scapy.all import IP, IPv6, TCP, UDP, ICMP, ICMPv6PacketTooBig, Raw, Ether, wrpcap
from scapy.layers.ipsec import SecurityAssociation, ESP

VPNWIRE = sys.argv[1]
FAILS = []
A, B, ROUTER = "192.0.2.1", "198.51.100.1", "203.0.113.254"
PMTU = 1400
SPI_AB, SPI_BA = 0xC1000101, 0x5E000101
KEY_AB, AUTH_AB = "00112233445566778899aabbccddeeff", "0102030405060708090a0b0c0d0e0f1011121314"
KEY_BA, AUTH_BA = "ffeeddccbbaa99887766554433221100", "2122232425262728292a2b2c2d2e2f3031323334"
SA_OPTS = ["--esp-sa", "spi=0x%08x,enc=aes-cbc,key=0x%s,auth=hmac-sha1-96,auth-key=0x%s" % (SPI_AB, KEY_AB, AUTH_AB),
           "--esp-sa", "spi=0x%08x,enc=aes-cbc,key=0x%s,auth=hmac-sha1-96,auth-key=0x%s" % (SPI_BA, KEY_BA, AUTH_BA)]


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def sa(spi, key, auth, src, dst):
    return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-CBC", crypt_key=bytes.fromhex(key),
                               auth_algo="HMAC-SHA1-96", auth_key=bytes.fromhex(auth),
                               tunnel_header=IP(src=src, dst=dst, flags="DF"))


class Capture:
    def __init__(self):
        self.frames, self.t = [], 1_000_000.0
        self.ab = sa(SPI_AB, KEY_AB, AUTH_AB, A, B)
        self.ba = sa(SPI_BA, KEY_BA, AUTH_BA, B, A)

    def add(self, pkt, dt=0.01):
        self.t += dt
        f = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / pkt
        f.time = self.t
        self.frames.append(f)

    def esp(self, inner, up):
        outer = (self.ab if up else self.ba).encrypt(inner)
        self.add(outer)
        return bytes(outer)

    def icmp_too_big(self, outer, mtu=PMTU, toward=B):
        # A router quotes as much as fits in 576 bytes (RFC 1812 section 4.3.2.3).
        self.add(IP(src=ROUTER, dst=toward) / ICMP(type=3, code=4, nexthopmtu=mtu) / Raw(outer[:548]))

    def handshake(self, mss):
        c, s = "10.0.0.1", "10.0.1.1"
        self.esp(IP(src=c, dst=s) / TCP(sport=40000, dport=443, flags="S", seq=100, options=[("MSS", 1460)]), True)
        self.esp(IP(src=s, dst=c) / TCP(sport=443, dport=40000, flags="SA", seq=5000, ack=101,
                                        options=[("MSS", mss)]), False)
        self.esp(IP(src=c, dst=s) / TCP(sport=40000, dport=443, flags="A", seq=101, ack=5001), True)

    def segment(self, seq, size):
        return IP(src="10.0.1.1", dst="10.0.0.1", flags="DF") / TCP(sport=443, dport=40000, flags="PA", seq=seq,
                                                                   ack=101) / Raw(b"d" * size)

    def write(self, path):
        wrpcap(path, self.frames)


def tunnel_scenario(kind, fixed_mss=None):
    c = Capture()
    c.handshake(fixed_mss or 1460)
    seq = 5001
    # Small segments get through.
    for _ in range(3):
        c.esp(c.segment(seq, 200), False)
        seq += 200
        c.esp(IP(src="10.0.0.1", dst="10.0.1.1") / TCP(sport=40000, dport=443, flags="A", seq=101, ack=seq), True)
    if kind == "fixed":
        for _ in range(6):
            c.esp(c.segment(seq, fixed_mss), False)
            seq += fixed_mss
            c.esp(IP(src="10.0.0.1", dst="10.0.1.1") / TCP(sport=40000, dport=443, flags="A", seq=101, ack=seq), True)
        return c
    # The full-size segment: sent and retransmitted with backoff.
    big = c.segment(seq, 1448)
    for k in range(4):
        outer = c.esp(big, False)
        if kind in ("icmp_noshrink", "icmp_shrink") and (k == 0 or kind == "icmp_noshrink"):
            c.icmp_too_big(outer)
        if kind == "icmp_shrink":
            break
        c.t += 0.2 * (2 ** k)
    if kind == "icmp_shrink":
        for _ in range(4):
            c.esp(c.segment(seq, 1300), False)
            seq += 1300
            c.esp(IP(src="10.0.0.1", dst="10.0.1.1") / TCP(sport=40000, dport=443, flags="A", seq=101, ack=seq), True)
    return c


def l2tp_scenario():
    c = Capture()
    lns, lac = "198.51.100.7", "192.0.2.9"
    for i in range(3):
        inner = IP(src="10.8.0.1", dst="10.8.0.2") / UDP(sport=5000, dport=5001) / Raw(b"v" * (1400 + i * 20))
        # L2TPv2 data with the L and S bits (0x4802), tunnel 7, session 9, Ns i, Nr 0; then PPP
        # (address, control, protocol 0x0021) and the inner IPv4 packet.
        ppp = b"\xff\x03\x00\x21" + bytes(inner)
        hdr = (0x4802).to_bytes(2, "big") + (12 + len(ppp)).to_bytes(2, "big") + (7).to_bytes(2, "big") + \
            (9).to_bytes(2, "big") + i.to_bytes(2, "big") + (0).to_bytes(2, "big")
        pkt = IP(src=lns, dst=lac, flags="DF") / UDP(sport=1701, dport=1701) / Raw(hdr + ppp)
        c.add(pkt)
        c.add(IP(src=ROUTER, dst=lns) / ICMP(type=3, code=4, nexthopmtu=0) / Raw(bytes(pkt)[:548]))
    return c


A6, B6, ROUTER6 = "2001:db8:a::1", "2001:db8:b::1", "2001:db8:ff::fe"


def ipv6_scenario():
    """ESP (tunnel mode, IPv4 inside) over IPv6 from B6 to A6; a router answers each
    oversized packet with ICMPv6 Packet Too Big (MTU 1400) quoting as much as fits in
    1280 bytes (RFC 4443 section 2.4 (c))."""
    c = Capture()
    c.ba = SecurityAssociation(ESP, spi=SPI_BA, crypt_algo="AES-CBC", crypt_key=bytes.fromhex(KEY_BA),
                               auth_algo="HMAC-SHA1-96", auth_key=bytes.fromhex(AUTH_BA),
                               tunnel_header=IPv6(src=B6, dst=A6))
    for size in (200, 1448, 1448, 1448):
        outer = c.esp(c.segment(5001, size), False)
        if size > 1300:
            c.add(IPv6(src=ROUTER6, dst=B6) / ICMPv6PacketTooBig(mtu=PMTU) / Raw(outer[:1280 - 48]))
    return c


def tshark_icmpv6(cap):
    r = subprocess.run(["tshark", "-r", cap, "-Y", "icmpv6", "-T", "fields", "-E", "separator=,", "-E", "occurrence=f",
                        "-e", "ipv6.src", "-e", "icmpv6.type", "-e", "icmpv6.mtu", "-e", "esp.spi"],
                       capture_output=True, text=True)
    return [l.split(",") for l in r.stdout.splitlines() if l]


def doctor(cap, extra=()):
    r = subprocess.run([VPNWIRE, "doctor", cap] + list(extra), capture_output=True, text=True)
    check(r.returncode == 0, "doctor exit %d: %s" % (r.returncode, r.stderr))
    return r.stdout


def tshark_icmp(cap):
    r = subprocess.run(["tshark", "-r", cap, "-Y", "icmp", "-T", "fields", "-E", "separator=,", "-E", "occurrence=f", "-e", "ip.src",
                        "-e", "icmp.type", "-e", "icmp.code", "-e", "icmp.mtu", "-e", "esp.spi"],
                       capture_output=True, text=True)
    return [l.split(",") for l in r.stdout.splitlines() if l]


def finding(text, title_re):
    """The lines of the finding whose title matches."""
    blocks = re.split(r"\n(?=\[\d+\] )", text)
    for b in blocks:
        if re.search(title_re, b.split("\n")[0]):
            return b
    return None


def scapy_fits(inner_mtu):
    """True when scapy's ESP (the tunnel's SA) puts an inner packet of inner_mtu bytes in <= PMTU bytes."""
    s = sa(SPI_BA, KEY_BA, AUTH_BA, B, A)
    inner = IP(src="10.0.1.1", dst="10.0.0.1") / TCP() / Raw(b"z" * (inner_mtu - 40))
    return len(s.encrypt(IP(bytes(inner)))) <= PMTU


def main():
    tmp = tempfile.mkdtemp(prefix="vpnwire-blackhole-")
    caps = {}
    for kind in ("icmp_noshrink", "icmp_shrink", "noicmp"):
        caps[kind] = os.path.join(tmp, kind + ".pcap")
        tunnel_scenario(kind).write(caps[kind])

    # ICMP, sender does not shrink.
    out = doctor(caps["icmp_noshrink"], SA_OPTS)
    ts = tshark_icmp(caps["icmp_noshrink"])
    check(len(ts) == 4, "tshark sees %d ICMP messages" % len(ts))
    for src, typ, code, mtu, spi in ts:
        check((typ, code) == ("3", "4"), "tshark: not Fragmentation Needed: %s %s" % (typ, code))
        f = finding(out, r"ESP packets from %s to %s are too big for the path: ICMP Fragmentation Needed, path MTU %s$"
                    % (re.escape(B), re.escape(A), mtu))
        check(f is not None, "doctor has no too-big finding for MTU %s:\n%s" % (mtu, out))
        if f is None:
            continue
        check("critical" in f.split("\n")[0], "not critical although the sender ignores the ICMP")
        check("from router %s" % src in f and "SA spi 0x%08x" % int(spi, 16) in f,
              "router %s / spi %s not named:\n%s" % (src, spi, f))
        check("did NOT shrink" in f, "shrink verdict:\n" + f)
        m = re.search(r"inner MTU: (\d+) bytes for IPv4 \(TCP MSS (\d+)\), (\d+) for IPv6 \(TCP MSS (\d+)\)", f)
        check(m is not None, "no per-family inner MTU:\n" + f)
        if m:
            mtu4, mss4, mtu6, mss6 = map(int, m.groups())
            check(scapy_fits(mtu4) and not scapy_fits(mtu4 + 1),
                  "scapy's ESP disagrees with inner MTU %d at path MTU %d" % (mtu4, PMTU))
            check(mss4 == mtu4 - 40 and mss6 == mtu6 - 60, "MSS arithmetic %s" % (m.groups(),))
            check("--set-mss %d" % mss4 in f and "--set-mss %d" % mss6 in f and "max-mss %d" % mss4 in f,
                  "fix lines lack the numbers:\n" + f)
            fixed_mss = mss4
    check("black hole:" not in out, "heuristic finding duplicated although the ICMP explains it")

    # ICMP, sender shrinks.
    out = doctor(caps["icmp_shrink"], SA_OPTS)
    f = finding(out, r"too big for the path")
    check(f is not None and f.split("\n")[0].find("note") >= 0 and "the sender shrank its packets" in f,
          "icmp_shrink:\n%s" % out)

    # No ICMP: the TCP heuristic.
    out = doctor(caps["noicmp"], SA_OPTS)
    check(tshark_icmp(caps["noicmp"]) == [], "the noicmp capture holds ICMP")
    f = finding(out, r"black hole: path MTU below (\d+) for TCP 10\.0\.1\.1:443 > 10\.0\.0\.1:40000")
    check(f is not None, "no black-hole finding without ICMP:\n" + out)
    if f:
        below = int(re.search(r"below (\d+)", f).group(1))
        big_outer = len(sa(SPI_BA, KEY_BA, AUTH_BA, B, A).encrypt(IP(bytes(tunnel_scenario("fixed", 1).segment(0,
                                                                                                         1448)))))
        check(below == big_outer, "black hole bound %d, the lost packet is %d bytes" % (below, big_outer))
        check("SA spi 0x%08x (aes-cbc/hmac-sha1-96, tunnel mode)" % SPI_BA in f and "TCPMSS --set-mss" in f and
              "ICMP type 3 code 4" in f, "black-hole advice:\n" + f)
    # Without keys the inner TCP is invisible: no claim is made.
    check("black hole:" not in doctor(caps["noicmp"]), "black hole claimed without seeing TCP")

    # After the fix (doctor's own MSS): nothing lost, no finding.
    caps["fixed"] = os.path.join(tmp, "fixed.pcap")
    tunnel_scenario("fixed", fixed_mss).write(caps["fixed"])
    out = doctor(caps["fixed"], SA_OPTS)
    check("black hole" not in out and "too big" not in out, "findings after the fix:\n" + out)

    # Plain L2TP, a router without RFC 1191.
    caps["l2tp"] = os.path.join(tmp, "l2tp_oldrouter.pcap")
    l2tp_scenario().write(caps["l2tp"])
    out = doctor(caps["l2tp"])
    ts = tshark_icmp(caps["l2tp"])
    check(all(t[3] in ("", "0") for t in ts) and len(ts) == 3, "tshark ICMP of the L2TP capture: %s" % ts)
    f = finding(out, r"L2TP packets from 198\.51\.100\.7 to 192\.0\.2\.9 are too big for the path: .* path MTU 1006$")
    # Quoted sizes 1472 and 1492 bytes: the RFC 1191 plateau below them is 1006 (below 1512: 1492).
    check(f is not None and "RFC 1191" in f and "plain L2TP over UDP" in f and "mtu " in f and "mru " in f,
          "L2TP plateau finding:\n" + out)

    # ESP over IPv6, ICMPv6 Packet Too Big.
    caps["ipv6"] = os.path.join(tmp, "ipv6_ptb.pcap")
    ipv6_scenario().write(caps["ipv6"])
    out = doctor(caps["ipv6"], SA_OPTS)
    ts = tshark_icmpv6(caps["ipv6"])
    check(len(ts) == 3, "tshark sees %d ICMPv6 messages: %s" % (len(ts), ts))
    for src, typ, mtu, spi in ts:
        check(typ == "2" and spi != "", "tshark: not a Packet Too Big quoting ESP: %s %s" % (typ, spi))
        f = finding(out, r"ESP packets from %s to %s are too big for the path: ICMPv6 Packet Too Big, path MTU %s$"
                    % (re.escape(B6), re.escape(A6), mtu))
        check(f is not None, "doctor has no ICMPv6 too-big finding for MTU %s:\n%s" % (mtu, out))
        if f is None:
            continue
        check("3 ICMPv6 message(s) from router %s" % src in f and "SA spi 0x%08x" % int(spi, 16) in f,
              "router %s / spi %s not named:\n%s" % (src, spi, f))
        check("did NOT shrink" in f and "critical" in f.split("\n")[0], "IPv6 shrink verdict:\n" + f)
        check(re.search(r"inner MTU: \d+ bytes for IPv4", f) is not None, "no inner MTU:\n" + f)

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("blackhole_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
