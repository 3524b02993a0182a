#!/usr/bin/python3
"""What an RFC 2661 peer does about a rejected L2TP control message (issue
#15 point 4): decode (text and --json) and doctor report the action and the
Result Code from the library's l2tp::clears() / l2tp::result_code_for().

scapy carries hand-assembled control messages (no tool builds broken ones):
  SCCRQ without Host Name (AVP 7)           tunnel setup: StopCCN, result 2 error 3
  ICRQ without Assigned Session ID (AVP 14) session:      CDN, result 2 error 3
  HELLO with a Host Name AVP                 tunnel kept: discarded
The expected actions and codes are RFC 2661's: a message missing a mandatory
AVP is a field-value error (section 4.4.2, General Error Code 3) answered
with StopCCN while the tunnel is set up and with CDN for a session message
(section 4.4.2 Result Codes 2: general error). tshark independently confirms
each message's type and that the AVP is absent (l2tp.avp.type).

ESP: a scapy ESP packet (AES-CBC/HMAC-SHA1-96) with one ciphertext byte
flipped, which scapy's own SA refuses (integrity check failed), is an
icv_mismatch the SA survives (RFC 4303 section 3.4.4: the packet is dropped):
"vpnwire.esp.sa_fatal": false, text "(SA survives)".

IP: what an IPv4/IPv6 error ended, from ip::scope(). Two scapy IPv6 fragments
of one datagram that overlap (tshark: ipv6.fragment.overlap) end the whole
datagram under RFC 5722: "vpnwire.ip.scope": "datagram", text "(datagram
dropped)"; the header errors of tests/cli/captures/ipv6-malformed.pcap end
only their packet: "packet", "(packet dropped)".

usage: peer_action_test.py VPNWIRE
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from scapy.all import IP, IPv6, IPv6ExtHdrFragment, UDP, Raw, Ether, wrpcap
from scapy.layers.ipsec import SecurityAssociation, ESP

SPI, KEY, AUTH = 0x5e000101, "ffeeddccbbaa99887766554433221100", "2122232425262728292a2b2c2d2e2f3031323334"

VPNWIRE = sys.argv[1]
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def avp(typ, value, mandatory=True):
    return ((0x8000 if mandatory else 0) | (6 + len(value))).to_bytes(2, "big") + (0).to_bytes(2, "big") + \
        typ.to_bytes(2, "big") + value


def control(tunnel, session, ns, avps):
    body = b"".join(avps)
    return (0xC802).to_bytes(2, "big") + (12 + len(body)).to_bytes(2, "big") + tunnel.to_bytes(2, "big") + \
        session.to_bytes(2, "big") + ns.to_bytes(2, "big") + (0).to_bytes(2, "big") + body


def u16(v):
    return v.to_bytes(2, "big")


CASES = [
    # (message type, AVP that is absent (or None), tunnel, session, AVPs, action, text, result, error)
    (1, 7, 0, 0, [avp(0, u16(1)), avp(2, b"\x01\x00"), avp(3, (3).to_bytes(4, "big")), avp(9, u16(5))],
     "stopccn", "StopCCN, result 2 error 3", 2, 3),
    (10, 14, 5, 0, [avp(0, u16(10)), avp(15, (77).to_bytes(4, "big"))], "cdn", "CDN, result 2 error 3", 2, 3),
    (6, None, 5, 0, [avp(0, u16(6)), avp(7, b"lac")], "discard", "discard", 2, 3),
]


def main():
    tmp = tempfile.mkdtemp(prefix="vpnwire-peer-")
    cap = os.path.join(tmp, "l2tp_bad_control.pcap")
    frames = []
    for i, (mt, _, tunnel, session, avps, *_rest) in enumerate(CASES):
        f = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.1", dst="198.51.100.1") / \
            UDP(sport=1701, dport=1701) / Raw(control(tunnel, session, i, avps))
        f.time = 1_000_000 + i
        frames.append(f)
    wrpcap(cap, frames)

    ts = subprocess.run(["tshark", "-r", cap, "-T", "fields", "-E", "separator=;", "-e", "l2tp.avp.message_type",
                         "-e", "l2tp.avp.type"], capture_output=True, text=True).stdout.splitlines()
    check(len(ts) == len(CASES), "tshark frames: %s" % ts)
    text = subprocess.run([VPNWIRE, "decode", cap], capture_output=True, text=True).stdout.splitlines()
    js = [json.loads(l) for l in subprocess.run([VPNWIRE, "decode", "--json", cap], capture_output=True,
                                                text=True).stdout.splitlines() if l.startswith("{")]
    js = [o for o in js if "error" in o]
    check(len(js) == len(CASES) and len(text) >= len(CASES), "decode output: %s / %s" % (text, js))
    for i, (mt, absent, _t, _s, _a, action, phrase, result, error) in enumerate(CASES):
        if i >= len(ts) or i >= len(js):
            break
        tmt, types = ts[i].split(";")
        check(tmt == str(mt), "frame %d: tshark message type %s, expected %d" % (i + 1, tmt, mt))
        if absent is not None:
            check(str(absent) not in types.split(","), "frame %d: tshark sees AVP %d" % (i + 1, absent))
        e = js[i]["error"]
        check(e is not None and e["layer"] == "l2tp", "frame %d: no L2TP error: %s" % (i + 1, js[i]))
        if e is None:
            continue
        if absent is not None:
            check(e["code"] == "missing_required_avp", "frame %d: code %s" % (i + 1, e["code"]))
        check(e.get("vpnwire.l2tp.peer_action") == action, "frame %d: peer_action %s, expected %s" %
              (i + 1, e.get("vpnwire.l2tp.peer_action"), action))
        check(e.get("vpnwire.l2tp.result_code") == result and e.get("vpnwire.l2tp.error_code") == error,
              "frame %d: result %s error %s, expected %d %d" % (i + 1, e.get("vpnwire.l2tp.result_code"),
                                                                e.get("vpnwire.l2tp.error_code"), result, error))
        check("(RFC 2661 peer: %s)" % phrase in text[i], "frame %d text: %s" % (i + 1, text[i]))

    doc = subprocess.run([VPNWIRE, "doctor", cap], capture_output=True, text=True).stdout
    f = re.search(r"malformed packets: l2tp missing_required_avp\n(.*?)\n\n", doc, re.S)
    check(f is not None, "doctor has no missing_required_avp finding:\n" + doc)
    if f:
        check("peer action: RFC 2661 peer: StopCCN, result 2 error 3" in f.group(1) and
              "peer action: RFC 2661 peer: CDN, result 2 error 3" in f.group(1), "doctor evidence:\n" + f.group(1))

    # ESP: a corrupted packet, refused by scapy's own SA.
    sa = SecurityAssociation(ESP, spi=SPI, crypt_algo="AES-CBC", crypt_key=bytes.fromhex(KEY),
                             auth_algo="HMAC-SHA1-96", auth_key=bytes.fromhex(AUTH))
    good = sa.encrypt(IP(src="192.0.2.1", dst="198.51.100.1") / UDP(sport=1, dport=2) / Raw(b"x" * 40))
    raw = bytearray(bytes(good))
    raw[40] ^= 0x01
    bad = IP(bytes(raw))
    try:
        sa.decrypt(bad)
        check(False, "scapy accepted the corrupted ESP packet")
    except Exception:
        pass
    cap = os.path.join(tmp, "esp_bad.pcap")
    f = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / bad
    f.time = 1_000_000
    wrpcap(cap, [f])
    opt = ["--esp-sa", "spi=0x%08x,enc=aes-cbc,key=0x%s,auth=hmac-sha1-96,auth-key=0x%s" % (SPI, KEY, AUTH)]
    text = subprocess.run([VPNWIRE, "decode", cap] + opt, capture_output=True, text=True).stdout.splitlines()
    js = [json.loads(l) for l in subprocess.run([VPNWIRE, "decode", "--json", cap] + opt, capture_output=True,
                                                text=True).stdout.splitlines() if l.startswith("{")]
    js = [o for o in js if "error" in o]
    e = js[0]["error"] if js else None
    check(e is not None and e["code"] == "icv_mismatch" and e.get("vpnwire.esp.sa_fatal") is False,
          "ESP error object: %s" % e)
    check(text and "(SA survives) [error esp icv_mismatch" in text[0], "ESP text: %s" % text)

    # IPv6: overlapping fragments (RFC 5722) end the datagram; header errors end the packet.
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    first = eth / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=7) / \
        Raw(bytes(range(24)))
    second = eth / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(nh=17, offset=2, m=0, id=7) / \
        Raw(bytes(range(16)))
    first.time, second.time = 1_000_000, 1_000_001
    cap = os.path.join(tmp, "ipv6_overlap.pcap")
    wrpcap(cap, [first, second])
    ov = subprocess.run(["tshark", "-r", cap, "-T", "fields", "-e", "ipv6.fragment.overlap"], capture_output=True,
                        text=True).stdout.split()
    check(ov == ["1"], "tshark does not see the overlap: %s" % ov)
    text = subprocess.run([VPNWIRE, "decode", cap], capture_output=True, text=True).stdout.splitlines()
    js = [json.loads(l) for l in subprocess.run([VPNWIRE, "decode", "--json", cap], capture_output=True,
                                                text=True).stdout.splitlines() if l.startswith('{"frame"')]
    e = js[1]["error"] if len(js) == 2 else None
    check(e is not None and e["code"] == "overlap" and e.get("vpnwire.ip.scope") == "datagram",
          "IPv6 overlap error object: %s" % e)
    check(len(text) > 1 and "(datagram dropped) [error ipv6 overlap" in text[1], "IPv6 overlap text: %s" % text)
    cap = os.path.join(os.path.dirname(os.path.abspath(__file__)), "captures", "ipv6-malformed.pcap")
    js = [json.loads(l) for l in subprocess.run([VPNWIRE, "decode", "--json", cap], capture_output=True,
                                                text=True).stdout.splitlines() if l.startswith('{"frame"')]
    ip_errors = [o["error"] for o in js if o["error"] and o["error"]["layer"] == "ipv6"]
    check(len(ip_errors) >= 3 and all(x.get("vpnwire.ip.scope") == "packet" for x in ip_errors),
          "ipv6-malformed.pcap scopes: %s" % ip_errors)

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("peer_action_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
