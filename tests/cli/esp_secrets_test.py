#!/usr/bin/python3
"""decode/doctor --esp-secrets, end to end, against independent implementations.

Captures are built by scapy's ESP SecurityAssociation (an independent ESP
encoder), with the legacy transforms of old gateways (3DES-CBC with
HMAC-MD5-96) and today's (AES-CBC with HMAC-SHA1-96, AES-CBC with
HMAC-SHA256-128), in tunnel mode, plus one packet whose ICV is corrupted.
The keys are given the way operators have them:

  - a tcpdump -E secrets file (SPI@DST ALGO:SECRET, "-hmac96": no integrity
    key, so vpnwire decrypts UNVERIFIED);
  - `ip xfrm state` output with every key (verified decryption).

Checked:
  1. the inner packets vpnwire writes (--write-inner) are byte for byte the
     packets scapy encrypted, with the tcpdump secrets and with the xfrm keys;
  2. JSON marks every packet of a secret without integrity key
     vpnwire.esp.unverified = true (and never with the xfrm keys), flags
     3DES/HMAC-MD5 "deprecated", and the summary counts the unverified ones;
  3. the corrupted-ICV packet decrypts unverified (the ICV is skipped) but is
     refused with icv_mismatch with the integrity key;
  4. tshark, given `vpnwire keys --to wireshark`'s esp_sa records as
     -o uat:esp_sa:..., decrypts the same packets and agrees on every inner
     IP/UDP field;
  5. tcpdump -E 'file SECRETS' decrypts the same capture and prints the same
     inner addresses and ports;
  6. text output says UNVERIFIED, doctor lists the unverified SAs and the
     deprecated one;
  7. a skipped algorithm is a note naming it (the rest loads), and an
     unparsable line is a usage error with FILE:LINE:COLUMN.

usage: esp_secrets_test.py VPNWIRE
"""
import json
import os
import subprocess
import sys
import tempfile

from scapy.all import IP, UDP, TCP, Raw, Ether, wrpcap, rdpcap  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation, ESP  # noqa: E402

VPNWIRE = sys.argv[1]
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


GW1, GW2 = "192.0.2.1", "192.0.2.2"
SAS = [
    # spi, scapy crypt, key, scapy auth, auth key, tcpdump algo, xfrm enc, xfrm auth line
    (0xC1A0F501, "3DES", "41b646076b5be036264217c22a6b8585f8e9a29196b8edad", "HMAC-MD5-96",
     "a225d24f3bf234d5eb3e1cfb16a38f8c", "3des-cbc-hmac96", "cbc(des3_ede)", "auth-trunc hmac(md5) 0x{} 96"),
    (0xC1A0F502, "AES-CBC", "00112233445566778899aabbccddeeff", "HMAC-SHA1-96",
     "0102030405060708090a0b0c0d0e0f1011121314", "aes128-cbc-hmac96", "cbc(aes)", "auth-trunc hmac(sha1) 0x{} 96"),
]
# Verified with both key sources (xfrm only: tcpdump cannot express a 16-byte ICV).
SHA256_SA = (0xC1A0F503, "AES-CBC", "fd2774ec77edd78cd181b4fb165f7e69", "SHA2-256-128",
             "a43c54b2fed3cbc6bf1abad136daac60523d83a441835f216688ca510dc990b8")


def build(tmp):
    inner, frames, spis = [], [], []
    sas = []
    for spi, ca, ck, aa, ak, *_ in SAS + [SHA256_SA + (None, None, None)]:
        sas.append((spi, SecurityAssociation(ESP, spi=spi, crypt_algo=ca, crypt_key=bytes.fromhex(ck), auth_algo=aa,
                                             auth_key=bytes.fromhex(ak), tunnel_header=IP(src=GW1, dst=GW2))))
    n = 0
    for rnd in range(4):
        for spi, sa in sas:
            n += 1
            if n % 2:
                p = IP(src="10.0.0.1", dst="10.0.1.%d" % (n % 7 + 1), id=n, ttl=60 + n) / UDP(
                    sport=1000 + n, dport=53) / Raw(bytes(range(n * 5 % 97)))
            else:
                p = IP(src="10.0.1.9", dst="10.0.0.1", id=n, flags="DF") / TCP(
                    sport=443, dport=40000 + n, flags="A", seq=n * 1000) / Raw(b"y" * (n * 13 % 200))
            p = IP(bytes(p))
            inner.append(bytes(p))
            spis.append(spi)
            frames.append(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / sa.encrypt(p))
    # One more packet on the 3DES SA with its last ICV byte flipped.
    spi, sa = sas[0]
    p = IP(bytes(IP(src="10.0.0.1", dst="10.0.1.1", id=999) / UDP(sport=7, dport=7) / Raw(b"corrupt")))
    e = bytearray(bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / sa.encrypt(p)))
    e[-1] ^= 0x5A
    bad_inner = bytes(p)
    frames.append(Ether(bytes(e)))
    cap = os.path.join(tmp, "esp-legacy.pcap")
    wrpcap(cap, frames)
    return cap, inner, spis, bad_inner


def run(args, ok=(0,)):
    r = subprocess.run([VPNWIRE] + args, capture_output=True, text=True)
    if r.returncode not in ok:
        FAILS.append("exit %d from %s: %s" % (r.returncode, args, r.stderr))
    return r


def esp_and_inner(capture, secrets):
    """Per frame: (esp layer dict, [inner layer dicts], error) from --json."""
    args = ["decode", "--json", capture]
    for s in secrets:
        args += ["--esp-secrets", s]
    r = run(args)
    out, summary = [], None
    for line in r.stdout.splitlines():
        o = json.loads(line)
        if "summary" in o:
            summary = o["summary"]
            continue
        layers = o["layers"]
        esp = next((i for i, l in enumerate(layers) if l["proto"] == "esp"), None)
        out.append((layers[esp] if esp is not None else None, layers[esp + 1:] if esp is not None else [], o["error"]))
    return out, summary


def written_inner(capture, secrets, tmp, name):
    path = os.path.join(tmp, name)
    args = ["decode", capture, "--write-inner", path]
    for s in secrets:
        args += ["--esp-secrets", s]
    run(args)
    # Packets that stay encrypted (no key, or refused) are written as they came: leave them out.
    return [bytes(p) for p in rdpcap(path) if IP(bytes(p)).proto != 50]


def main():
    tmp = tempfile.mkdtemp(prefix="vpnwire-esp-secrets-")
    cap, inner, spis, bad_inner = build(tmp)
    secrets = os.path.join(tmp, "tcpdump_secrets.txt")
    with open(secrets, "w") as f:
        f.write("# tcpdump -E 'file tcpdump_secrets.txt'\n")
        for spi, _, ck, _, _, algo, _, _ in SAS:
            f.write("0x%08x@%s %s:0x%s\n" % (spi, GW2, algo, ck))
    xfrm = os.path.join(tmp, "ip_xfrm_state.txt")
    with open(xfrm, "w") as f:
        for spi, _, ck, _, ak, _, enc, auth in SAS + [SHA256_SA + (None, "cbc(aes)", "auth-trunc hmac(sha256) 0x{} 128")]:
            f.write("src %s dst %s\n\tproto esp spi 0x%08x reqid 1 mode tunnel\n\treplay-window 0 flag af-unspec\n"
                    "\t%s\n\tenc %s 0x%s\n\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n"
                    "\tsel src 0.0.0.0/0 dst 0.0.0.0/0 \n" % (GW1, GW2, spi, auth.format(ak), enc, ck))

    # 1. Inner packets byte for byte (the SHA-256 SA only with the xfrm keys).
    legacy = [p for p, s in zip(inner, spis) if s != SHA256_SA[0]]
    got = written_inner(cap, [secrets], tmp, "inner-tcpdump.pcap")
    check(got == legacy + [bad_inner], "tcpdump secrets: --write-inner differs from scapy's inner packets "
          "(%d written, %d expected)" % (len(got), len(legacy) + 1))
    got = written_inner(cap, [xfrm], tmp, "inner-xfrm.pcap")
    check(got == inner, "ip xfrm keys: --write-inner differs from scapy's inner packets (%d written, %d expected)"
          % (len(got), len(inner)))

    # 2./3. JSON marks.
    rows, summary = esp_and_inner(cap, [secrets])
    for i, (esp, layers, err) in enumerate(rows):
        spi = esp["esp.spi"]
        if spi == SHA256_SA[0]:
            check(esp["vpnwire.esp.payload"] == "encrypted", "frame %d: SA without keys not left encrypted" % (i + 1))
            continue
        check(esp["vpnwire.esp.payload"] == "decrypted" and esp.get("vpnwire.esp.unverified") is True,
              "frame %d: tcpdump secret not decrypted unverified: %s" % (i + 1, esp))
        check("esp.icv_good" not in esp, "frame %d: an unverified packet claims a good ICV" % (i + 1))
        want_dep = "des3_cbc" if spi == SAS[0][0] else None
        check(esp.get("vpnwire.esp.deprecated") == want_dep, "frame %d: deprecated flag %s, want %s" %
              (i + 1, esp.get("vpnwire.esp.deprecated"), want_dep))
        check(err is None, "frame %d: error %s" % (i + 1, err))
    check(summary["esp_unverified"] == len(legacy) + 1, "summary esp_unverified %s" % summary["esp_unverified"])
    rows_x, summary_x = esp_and_inner(cap, [xfrm])
    for i, (esp, layers, err) in enumerate(rows_x[:-1]):
        check(esp["vpnwire.esp.payload"] == "decrypted" and esp.get("vpnwire.esp.unverified") is False and
              esp.get("esp.icv_good") is True, "frame %d: xfrm key not verified: %s" % (i + 1, esp))
        if esp["esp.spi"] == SAS[0][0]:
            check(esp.get("vpnwire.esp.deprecated") == "des3_cbc,hmac_md5_96",
                  "frame %d: xfrm 3DES/MD5 not flagged deprecated: %s" % (i + 1, esp.get("vpnwire.esp.deprecated")))
    last = rows_x[-1]
    check(last[2] is not None and last[2]["code"] == "icv_mismatch",
          "corrupted ICV not refused with the integrity key: %s" % (last[2],))
    check(summary_x["esp_unverified"] == 0, "xfrm keys: unverified count %s" % summary_x["esp_unverified"])
    # The same inner fields unverified and verified (1:1 on the legacy SAs).
    same = [(a, b) for a, b in zip(rows, rows_x) if a[0]["esp.spi"] != SHA256_SA[0]][:-1]
    check(all(a[1] == b[1] for a, b in same), "inner layers differ between unverified and verified decryption")

    # 4. tshark with the converted esp_sa file.
    conv = run(["keys", secrets, xfrm, "--to", "wireshark"])
    uat = []
    for rec in conv.stdout.splitlines():
        if rec and not rec.startswith("#"):
            uat += ["-o", "uat:esp_sa:" + rec]
    check(len(uat) >= 6, "vpnwire keys --to wireshark wrote %d records" % (len(uat) // 2))
    ts = subprocess.run(["tshark", "-r", cap, "-T", "json", "--no-duplicate-keys", "-o", "esp.enable_encryption_decode:TRUE"] + uat,
                        capture_output=True, text=True)
    check(ts.returncode == 0, "tshark failed: " + ts.stderr)
    tframes = json.loads(ts.stdout) if ts.returncode == 0 else []
    fields = ["ip.src", "ip.dst", "ip.len", "ip.id", "ip.ttl", "ip.proto", "ip.checksum", "udp.srcport",
              "udp.dstport", "udp.length", "udp.checksum", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.hdr_len"]
    compared = 0
    for i, (tf, (esp, layers, err)) in enumerate(zip(tframes, rows_x)):
        lay = tf["_source"]["layers"]
        ips = lay.get("ip")
        if not isinstance(ips, list) or len(ips) < 2:
            check(False, "frame %d: tshark did not decrypt" % (i + 1))
            continue
        tin = dict(ips[1])
        for p in ("udp", "tcp"):
            if p in lay:
                tin.update(lay[p])
        ours = {}
        for l in layers:
            ours.update(l)
        for f in fields:
            if f in tin and f in ours:
                tv, ov = tin[f], ours[f]
                tv = int(tv, 16) if isinstance(tv, str) and tv.startswith("0x") else tv
                tv = int(tv) if isinstance(tv, str) and tv.isdigit() else tv
                check(tv == ov, "frame %d: %s tshark %r vpnwire %r" % (i + 1, f, tv, ov))
                compared += 1
    check(compared >= 8 * len(inner), "only %d inner fields compared with tshark" % compared)

    # 5. tcpdump -E with the same secrets file.
    td = subprocess.run(["tcpdump", "-Z", "root", "-n", "-r", cap, "-E", "file " + secrets], capture_output=True, text=True)
    td_lines = [l for l in td.stdout.splitlines() if "ESP(" in l]
    txt = run(["decode", cap, "--esp-secrets", secrets]).stdout.splitlines()
    for i, (tl, ol) in enumerate(zip(td_lines, txt)):
        if "spi=0x%08x" % SHA256_SA[0] in ol:
            continue
        p = IP(inner[i] if i < len(inner) else bad_inner)
        l4 = p[UDP] if UDP in p else p[TCP]
        want = "IP %s.%d > %s.%d" % (p.src, l4.sport, p.dst, l4.dport)
        check(want in tl, "frame %d: tcpdump does not show %s: %s" % (i + 1, want, tl))
        check("UNVERIFIED" in ol and "IP %s > %s" % (p.src, p.dst) in ol,
              "frame %d: text output %s" % (i + 1, ol))
    check("unverified: %d" % (len(legacy) + 1) in txt[-1], "text summary: " + txt[-1])

    # 6. doctor.
    doc = run(["doctor", cap, "--esp-secrets", secrets]).stdout
    check("WITHOUT integrity verification on SA spi 0x%08x" % SAS[0][0] in doc and "0x%08x" % SAS[1][0] in doc,
          "doctor does not list the unverified SAs:\n" + doc)
    check("SA spi 0x%08x uses des3_cbc: deprecated (RFC 8221)" % SAS[0][0] in doc,
          "doctor does not flag 3DES:\n" + doc)
    doc = run(["doctor", cap, "--esp-secrets", xfrm]).stdout
    check("WITHOUT integrity" not in doc, "doctor reports unverified SAs with every key given")
    check("uses des3_cbc and hmac_md5_96: deprecated (RFC 8221)" in doc, "doctor with xfrm keys:\n" + doc)

    # 7. Skipped algorithms and errors.
    mixed = os.path.join(tmp, "mixed.txt")
    with open(mixed, "w") as f:
        f.write("0x%08x@%s blowfish-cbc:0x00112233\n" % (SAS[1][0], GW2))
        f.write("0x%08x@%s 3des-cbc-hmac96:0x%s\n" % (SAS[0][0], GW2, SAS[0][2]))
    r = run(["decode", cap, "--esp-secrets", mixed])
    check("mixed.txt:1:" in r.stderr and "blowfish-cbc" in r.stderr, "skipped algorithm not named: " + r.stderr)
    check(sum("UNVERIFIED" in l for l in r.stdout.splitlines()) == 5, "the rest of the file did not load")
    bad = os.path.join(tmp, "bad.txt")
    with open(bad, "w") as f:
        f.write("src 192.0.2.1 dst 192.0.2.2\n\tproto esp spi 0x1000 reqid 1 mode tunnel\n\tenc cbc(aes) 0x0011\n")
    r = run(["decode", cap, "--esp-secrets", bad], ok=(2,))
    check(bad + ":3:15:" in r.stderr, "parse error without FILE:LINE:COLUMN: " + r.stderr)
    r = run(["doctor", cap, "--esp-secrets", os.path.join(tmp, "missing.txt")], ok=(2,))
    check("missing.txt: cannot open" in r.stderr, "missing file: " + r.stderr)
    r = run(["decode", cap, "--esp-secrets"], ok=(2,))

    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("esp_secrets_test: all checks passed (%d packets, %d tshark fields)" % (len(inner) + 1, compared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
