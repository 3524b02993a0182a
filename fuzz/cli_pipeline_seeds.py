#!/usr/bin/python3
# Writes the seed corpora of the CLI's fuzz targets from the demo captures in
# examples/captures/, the test captures in tests/cli/captures/ and, for
# cli_pipeline, plaintexts that the target encrypts with the demo SAs (see
# the input format at the top of fuzz/cli_pipeline.cpp):
#   fuzz/corpus/cli_pipeline/  every link type, whole and snap-cut frames
#   fuzz/corpus/cli_capture/   pcap and pcapng files through the whole CLI
#   fuzz/corpus/cli_pcapng/    capture files for the reader alone
#   fuzz/corpus/cli_link/      single frames of every link type
# Deterministic: rerunning gives the same files (the existing seeds keep
# their bytes; new ones are added beside them).
#   /usr/bin/python3 fuzz/cli_pipeline_seeds.py
import hashlib
import os
import struct

from scapy.all import IP, TCP, UDP, raw  # Debian's python3-scapy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus", "cli_pipeline")
OUT_CAPTURE = os.path.join(ROOT, "fuzz", "corpus", "cli_capture")
OUT_PCAPNG = os.path.join(ROOT, "fuzz", "corpus", "cli_pcapng")
OUT_LINK = os.path.join(ROOT, "fuzz", "corpus", "cli_link")
TEST_CAPTURES = os.path.join(ROOT, "tests", "cli", "captures")

ETH, RAW, SLL, SLL2 = 0, 1, 2, 3
# Link types of c2 bits 1-4 (extra_links in fuzz/cli_pipeline.cpp), as "kinds" >= 16 here.
NULL, LOOP, PPP_LT, PPP_HDLC, PPP_ETHER, ENC, NFLOG, IPV4, IPV6, VLAN, QINQ = range(17, 28)
CUT_FORGED = 32  # c2 bit 5
JSON, SAS, SECRET, DOCTOR = 4, 8, 16, 32
TIMEOUT, STRICT, DEPTH, NONE = 0 << 6, 1 << 6, 2 << 6, 3 << 6
TIMEOUT_IDX = {0: 0, 1: 1, 2: 2, 5: 3, 30: 4, 100: 5, 1000: 6, 3600000: 7}


def read_pcap(name):
    d = open(os.path.join(ROOT, "examples", "captures", name), "rb").read()
    assert struct.unpack("<I", d[:4])[0] == 0xA1B2C3D4
    off, frames = 24, []
    while off < len(d):
        s, us, cl, _ = struct.unpack("<IIII", d[off:off + 16])
        frames.append((s * 1_000_000 + us, d[off + 16:off + 16 + cl]))
        off += 16 + cl
    return frames


def dt_byte(delta_us):
    if delta_us < 640:
        return delta_us // 10
    if delta_us < 64_000:
        return 0x40 | round(delta_us / 1000)
    return 0x40 | 63


def relink(frame, kind):
    """An Ethernet frame as the same packet on another link type."""
    etype = struct.unpack(">H", frame[12:14])[0]
    payload = frame[14:]
    if kind == ETH:
        return frame
    if kind == RAW:
        if etype == 0x8864:  # PPPoE session + PPP: keep the IPv4 packet
            payload, etype = payload[8:], 0x0800
        return payload if etype == 0x0800 else None
    if kind == SLL:
        return struct.pack(">HHH8sH", 0, 1, 6, frame[6:12] + b"\0\0", etype) + payload
    if kind == SLL2:
        return struct.pack(">HHIHBB8s", etype, 0, 2, 1, 0, 6, frame[6:12] + b"\0\0") + payload
    if kind == VLAN:
        return frame[:12] + struct.pack(">HH", 0x8100, 100) + frame[12:]
    if kind == QINQ:
        return frame[:12] + struct.pack(">HHHH", 0x9100, 100, 0x8100, 200) + frame[12:]
    if kind == PPP_ETHER:
        return payload if etype == 0x8864 else struct.pack(">BBHH", 0x11, 0, 0x11, len(payload) + 2) + b"\x00\x21" + payload
    # The others carry the IPv4 packet.
    if etype == 0x8864:
        payload, etype = payload[8:], 0x0800
    if etype != 0x0800:
        return None
    if kind == NULL:
        return struct.pack("<I", 2) + payload
    if kind == LOOP:
        return struct.pack(">I", 2) + payload
    if kind in (PPP_LT, PPP_HDLC):
        return b"\xff\x03\x00\x21" + payload
    if kind == ENC:
        return struct.pack("<I", 2) + struct.pack(">I", 0xC1000001) + struct.pack("<I", 0x0C00) + payload
    if kind == NFLOG:
        pad = b"\0" * (-len(payload) % 4)
        return (struct.pack(">BBH", 2, 0, 5) + struct.pack("<HH", 8, 1) + struct.pack(">HBB", 0x0800, 3, 0) +
                struct.pack("<HH", 4 + len(payload), 9) + payload + pad)
    return payload  # IPV4, IPV6 (raw)


def record(body, dt=0, mode=0):
    return struct.pack(">HBB", len(body), dt, mode) + body


def capture_seed(frames, kind=ETH, snap=None):
    """Records of `frames` relinked to `kind`; with `snap`, cut to that many
    bytes the way a snap length cuts them (mode bit 7: the original was longer)."""
    out, prev = b"", None
    for ts, f in frames:
        f = relink(f, kind)
        if f is None:
            continue
        mode = 0
        if snap is not None and len(f) > snap:
            missing = len(f) - snap
            mode = 0x80 | (min((missing - 1) // 8, 0x3F) << 1)
            f = f[:snap]
        out += record(f, dt_byte(0 if prev is None else ts - prev), mode)
        prev = ts
    return out


def header(c0, reassembly=0, value=0, write_inner=False, extra=0):
    """c0, c1, c2; `extra` is a kind >= 16 (a link type of c2) or CUT_FORGED flags."""
    kind = (extra & 0x1F) - 16 if (extra & 0x1F) >= 16 else 0
    c2 = (1 if write_inner else 0) | (kind << 1) | (extra & CUT_FORGED)
    return bytes([c0, (reassembly & 7) | (value << 3), c2])


# ------------------------------------------------------------- plaintexts

def l2tp_data(tunnel, session, payload, ns=None, nr=0, length=False):
    flags = 0x0002 | (0x0800 if ns is not None else 0) | (0x4000 if length else 0)
    h = struct.pack(">H", flags)
    rest = struct.pack(">HH", tunnel, session)
    if ns is not None:
        rest += struct.pack(">HH", ns, nr)
    if length:
        return h + struct.pack(">H", 2 + 2 + len(rest) + len(payload)) + rest + payload
    return h + rest + payload


def avp(typ, value, mandatory=True, hidden=False):
    flags = (0x8000 if mandatory else 0) | (0x4000 if hidden else 0)
    return struct.pack(">HHH", flags | (6 + len(value)), 0, typ) + value


def hide(typ, value, secret, rv):
    """RFC 2661 section 4.3 hiding: length, value, padding, MD5 chain."""
    plain = struct.pack(">H", len(value)) + value + b"\0" * 3
    plain += b"\0" * (-len(plain) % 16)
    out, prev = b"", struct.pack(">H", typ) + secret + rv
    for i in range(0, len(plain), 16):
        key = hashlib.md5(prev).digest()
        block = bytes(a ^ b for a, b in zip(plain[i:i + 16], key))
        out += block
        prev = secret + block
    return out


def l2tp_control(tunnel, session, ns, nr, avps):
    body = b"".join(avps)
    return struct.pack(">HHHHHH", 0xC802, 12 + len(body), tunnel, session, ns, nr) + body


def udp_raw(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def ppp(proto, payload):
    return b"\xff\x03" + struct.pack(">H", proto) + payload


def syn(src, dst, mss=1460):
    return raw(IP(src=src, dst=dst, id=7) / TCP(sport=40000, dport=443, flags="S", options=[("MSS", mss)]))


def ppp_control(code, ident, options):
    return struct.pack(">BBH", code, ident, 4 + len(options)) + options


# mode bits (fuzz/cli_pipeline.cpp): 1 forge, SA << 1, 8 NAT-T, 16 next header IPv4, 32 PPPoE, seq << 6
def forged(sa, natt=True, tunnel=False, pppoe=False, seq=0):
    return 1 | (sa << 1) | (8 if natt else 0) | (16 if tunnel else 0) | (32 if pppoe else 0) | (seq << 6)


def main():
    os.makedirs(OUT, exist_ok=True)
    i1 = read_pcap("incident1-l2tp-reorder.pcap")
    i2 = read_pcap("incident2-esp-pppoe-mtu.pcap")
    keyed = SAS | SECRET
    seeds = {
        # Whole demo captures, as the README and docs/cli.md run them.
        "i1_all_json_keys": header(JSON | keyed, 0, TIMEOUT_IDX[30], True) + capture_seed(i1),
        "i1_all_doctor_keys": header(DOCTOR | keyed, 0, TIMEOUT_IDX[30]) + capture_seed(i1),
        "i1_all_text_strict": header(keyed | STRICT) + capture_seed(i1),
        "i2_all_json_keys": header(JSON | keyed, 3, TIMEOUT_IDX[30], True) + capture_seed(i2),
        "i2_all_doctor_keys": header(DOCTOR | keyed, 0, TIMEOUT_IDX[30]) + capture_seed(i2),
        # Slices: control setup (hidden AVP), the swapped pairs, the fragments.
        "i1_setup_json_keys": header(JSON | keyed) + capture_seed(i1[:16]),
        "i1_setup_json_nokeys": header(JSON) + capture_seed(i1[:16]),
        "i1_swaps_json_depth": header(JSON | keyed | DEPTH, 0, 1) + capture_seed(i1[16:28]),
        "i1_swaps_json_none": header(JSON | keyed | NONE) + capture_seed(i1[16:28]),
        "i1_swaps_json_timeout0": header(JSON | keyed | TIMEOUT, 0, TIMEOUT_IDX[0]) + capture_seed(i1[16:28]),
        "i1_swaps_doctor": header(DOCTOR | keyed) + capture_seed(i1[16:40]),
        "i2_frags_json_keys": header(JSON | keyed, 5) + capture_seed(i2[:13]),
        "i2_frags_text_nokeys": header(0, 6) + capture_seed(i2[:13]),
    }
    for kind, tag in ((RAW, "raw"), (SLL, "sll"), (SLL2, "sll2")):
        seeds["i1_swaps_json_" + tag] = header(kind | JSON | keyed) + capture_seed(i1[16:28], kind)
        seeds["i2_frags_json_" + tag] = header(kind | JSON | keyed, 1) + capture_seed(i2[:13], kind)
        seeds["i1_setup_doctor_" + tag] = header(kind | DOCTOR | keyed) + capture_seed(i1[:16], kind)
    # The link types of c2: each carries the swaps (and PPPoE's fragments where it can).
    plain = read_pcap("incident1-l2tp-plain.pcap")
    for kind, tag in ((NULL, "null"), (LOOP, "loop"), (PPP_LT, "ppp"), (PPP_HDLC, "ppp_hdlc"),
                      (PPP_ETHER, "ppp_ether"), (ENC, "enc"), (NFLOG, "nflog"), (IPV4, "ipv4"), (VLAN, "vlan"),
                      (QINQ, "qinq")):
        seeds["link_" + tag + "_i1_swaps_json"] = header(JSON | keyed, extra=kind) + capture_seed(i1[16:28], kind)
        seeds["link_" + tag + "_plain_doctor"] = header(DOCTOR, extra=kind) + capture_seed(plain[:30], kind)
    seeds["link_ipv6_raw_json"] = header(JSON, extra=IPV6) + record(bytes.fromhex(
        "6000000000101140" + "20010db8000000000000000000000001" * 2 + "06a506a5001000000002000100010000"))
    # Snap lengths: plain L2TP cut to 128 bytes (editcap -s 128), ESP cut by the forger.
    seeds["snap128_plain_doctor"] = header(DOCTOR) + capture_seed(plain, ETH, snap=128)
    seeds["snap128_plain_json_depth"] = header(JSON | DEPTH, 0, 1) + capture_seed(plain[:40], ETH, snap=128)
    seeds["snap64_i2_json_keys"] = header(JSON | keyed) + capture_seed(i2[:13], ETH, snap=64)

    # Forged: plaintexts the target encrypts with the demo SAs.
    secret, rv = b"demo-secret", bytes(range(16))
    sccrq = l2tp_control(0, 0, 0, 0, [
        avp(0, struct.pack(">H", 1)), avp(2, b"\x01\x00"), avp(3, struct.pack(">I", 3)),
        avp(7, b"lac.example"), avp(9, struct.pack(">H", 100)), avp(10, struct.pack(">H", 4), False),
        avp(8, b"vpnwire", False)])
    icrq = l2tp_control(200, 0, 1, 1, [
        avp(0, struct.pack(">H", 10)), avp(14, struct.pack(">H", 10)), avp(15, struct.pack(">I", 42)),
        avp(36, rv), avp(22, hide(22, b"5551234", secret, rv), True, True), avp(39, b"")])
    iccn = l2tp_control(200, 20, 2, 2, [
        avp(0, struct.pack(">H", 12)), avp(24, struct.pack(">I", 100000000)), avp(19, struct.pack(">I", 1))])
    lcp = ppp(0xC021, ppp_control(1, 1, b"\x01\x04\x05\x78\x05\x06\x12\x34\x56\x78"))
    ipcp = ppp(0x8021, ppp_control(1, 2, b"\x03\x06\x0a\x0a\x00\x02\x81\x06\x00\x00\x00\x00"))
    inner = syn("10.10.0.2", "10.20.0.5")
    big = raw(IP(src="10.10.0.2", dst="10.20.0.5", id=99) / UDP(sport=5000, dport=5001) / (b"x" * 1200))
    frags = [raw(f) for f in IP(big).fragment(600)]
    def data(ns, payload, length=False):
        return udp_raw(1701, 1701, l2tp_data(200, 20, ppp(0x0021, payload), ns, 0, length))
    seeds["forge_l2tp_control_hidden"] = header(JSON | keyed) + b"".join([
        record(udp_raw(1701, 1701, sccrq), 0, forged(0)),
        record(udp_raw(1701, 1701, icrq), 30, forged(0)),
        record(udp_raw(1701, 1701, iccn), 30, forged(0)),
        record(udp_raw(1701, 1701, l2tp_data(200, 20, lcp)), 10, forged(0)),
        record(udp_raw(1701, 1701, l2tp_data(100, 10, ipcp)), 10, forged(1)),
    ])
    seeds["forge_l2tp_reorder_json"] = header(JSON | keyed, 0, TIMEOUT_IDX[5]) + b"".join([
        record(data(0, inner), 0, forged(0)),
        record(data(2, inner, True), 5, forged(0)),
        record(data(1, inner), 35, forged(0)),
        record(data(4, inner), 0x42, forged(0)),
        record(data(4, inner), 0x41, forged(0, seq=1)),
        record(data(3, inner), 0x4A, forged(0, seq=2)),
        record(data(5, inner), 0x41, forged(0, seq=3)),
    ])
    seeds["forge_l2tp_reorder_doctor"] = header(DOCTOR | keyed, 0, TIMEOUT_IDX[1]) + b"".join([
        record(data(0, inner), 0, forged(0)),
        record(data(2, inner), 5, forged(0)),
        record(data(1, inner), 35, forged(0)),
        record(data(3, frags[1]), 5, forged(0)),
        record(data(4, frags[0]), 5, forged(0)),
    ])
    seeds["forge_tunnel_inner_frags"] = header(JSON | keyed, 2) + b"".join(
        [record(inner, 0, forged(2, tunnel=True, pppoe=True))] +
        [record(f, 3, forged(2, natt=False, tunnel=True)) for f in reversed(frags)] +
        [record(raw(IP(src="10.2.0.20", dst="10.1.0.10") / UDP(sport=1701, dport=1701) /
                    l2tp_data(1, 2, ppp(0x0021, inner), 0, 0, True)), 3, forged(3, natt=False, tunnel=True))])
    seeds["forge_tunnel_doctor_sll2"] = header(SLL2 | DOCTOR | keyed) + b"".join(
        [record(inner, 0, forged(2, tunnel=True))] + [record(f, 3, forged(3, tunnel=True)) for f in frags])
    seeds["forge_text_sll"] = header(SLL | keyed, 4, 0, True) + b"".join([
        record(data(0, inner), 0, forged(0)), record(data(1, frags[0]), 0, forged(0)),
        record(data(2, frags[1]), 0, forged(0)), record(inner, 1, forged(2, tunnel=True))])
    # PAP, CHAP, LCP Echo and a bad MRU length inside L2TP, under a genuine ICV.
    pap = ppp(0xC023, struct.pack(">BBH", 1, 3, 4 + 1 + 4 + 1 + 6) + b"\x04user\x06secret")
    chap = ppp(0xC223, struct.pack(">BBH", 1, 1, 4 + 1 + 16 + 4) + b"\x10" + bytes(range(16)) + b"bras")
    echo = ppp(0xC021, struct.pack(">BBHI", 9, 2, 8, 0x6E3A1F29))
    mru3 = ppp(0xC021, ppp_control(1, 7, b"\x01\x03\x05\xd4\x05\x06\x11\x22\x33\x44"))
    seeds["forge_ppp_auth_json"] = header(JSON | keyed) + b"".join(
        record(udp_raw(1701, 1701, l2tp_data(200, 20, p, i)), 1, forged(0)) for i, p in enumerate((pap, chap, echo, mru3)))
    # The forger's frames cut to 128 bytes (c2 bit 5): ESP that cannot be decrypted, in order and not.
    seeds["forge_cut128_esp_doctor"] = header(DOCTOR | keyed, extra=CUT_FORGED) + b"".join([
        record(data(0, big), 0, forged(0)), record(data(2, big), 0, forged(0, seq=2)),
        record(data(1, big), 0, forged(0, seq=3)), record(inner, 1, forged(2, tunnel=True))])
    seeds["forge_cut128_null_json"] = header(JSON | keyed, extra=NULL | CUT_FORGED) + b"".join([
        record(data(0, big), 0, forged(0)), record(inner, 1, forged(2, natt=False, tunnel=True))])

    for name, data_ in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data_)
    print(f"{len(seeds)} seeds in {OUT}")
    capture_seeds(i1, i2)
    pcapng_seeds()
    link_seeds(i1, i2)
    ipv6_seeds()


def read_test_pcap(name):
    """Frames of a capture in tests/cli/captures/ (microsecond pcap)."""
    d = open(os.path.join(TEST_CAPTURES, name), "rb").read()
    assert struct.unpack("<I", d[:4])[0] == 0xA1B2C3D4
    off, frames = 24, []
    while off < len(d):
        s, us, cl, _ = struct.unpack("<IIII", d[off:off + 16])
        frames.append((s * 1_000_000 + us, d[off + 16:off + 16 + cl]))
        off += 16 + cl
    return frames


def ipv6_seeds():
    """IPv6 (issue 17): the Ethernet captures of tests/cli/captures/ipv6-*.pcap
    (scapy's extension chains, fragments, ICMPv6, ESP/AH, L2TP over UDP/IPv6,
    6in4/4in6, IPV6CP, malformed chains; the kernel's fragmented echoes and
    handshake) through the pipeline, whole and cut, in text, JSON and doctor;
    and single IPv6 frames for cli_link."""
    seeds = {}
    for name, c0 in (("ipv6-scapy.pcap", 0), ("ipv6-tunnel-fragmented.pcap", DOCTOR),
                     ("ipv6-pppoe-ipv6cp.pcap", JSON | DOCTOR), ("ipv6-malformed.pcap", JSON),
                     ("ipv6-veth.pcap", JSON)):
        frames = read_test_pcap(name)
        tag = name[5:-5].replace("-", "_")
        seeds[f"ipv6_{tag}"] = header(c0) + capture_seed(frames)
        seeds[f"ipv6_{tag}_cut90"] = header(c0 | JSON) + capture_seed(frames, snap=90)
    for name, data_ in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data_)
    print(f"{len(seeds)} IPv6 seeds in {OUT}")
    links = {}
    for i, (_, f) in enumerate(read_test_pcap("ipv6-scapy.pcap")[:10]):
        ip6 = f[14:]
        links[f"ipv6_lt229_{i}"] = struct.pack(">HB", 229, 0) + ip6
        links[f"ipv6_lt0_af28_{i}"] = struct.pack(">HB", 0, 0) + struct.pack("<I", 28) + ip6
    for name, data_ in links.items():
        with open(os.path.join(OUT_LINK, name), "wb") as f:
            f.write(data_)
    print(f"{len(links)} IPv6 seeds in {OUT_LINK}")


def pcap_file(frames, linktype, nano=False):
    """A classic little-endian pcap file (microsecond or nanosecond magic)."""
    out = struct.pack("<IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)
    for ts, f in frames:
        frac = (ts % 1_000_000) * (1000 if nano else 1)
        out += struct.pack("<IIII", ts // 1_000_000, frac, len(f), len(f)) + f
    return out


def capture_seeds(i1, i2):
    os.makedirs(OUT_CAPTURE, exist_ok=True)
    def linked(frames, kind):
        return [(ts, g) for ts, g in ((ts, relink(f, kind)) for ts, f in frames) if g is not None]
    seeds = {
        "i1_ethernet.pcap": pcap_file(i1, 1),
        "i2_ethernet_pppoe.pcap": pcap_file(i2, 1),
        "i1_swaps_raw101.pcap": pcap_file(linked(i1[16:28], RAW), 101),
        "i2_frags_ipv4_228_nano.pcap": pcap_file(linked(i2[:13], RAW), 228, nano=True),
        "i1_setup_sll.pcap": pcap_file(linked(i1[:16], SLL), 113),
        "i2_frags_sll2.pcap": pcap_file(linked(i2[:13], SLL2), 276),
        "unsupported_linktype_105.pcap": pcap_file(i1[:2], 105),
        "cut_mid_record.pcap": pcap_file(i1[:6], 1)[:-40],
        "header_only.pcap": pcap_file([], 1),
    }
    # The test captures written by tcpdump, text2pcap, editcap, mergecap and scapy.
    for name in sorted(os.listdir(TEST_CAPTURES)):
        if name.endswith((".pcap", ".pcapng")):
            seeds["tests_" + name] = open(os.path.join(TEST_CAPTURES, name), "rb").read()
    for name, data_ in seeds.items():
        with open(os.path.join(OUT_CAPTURE, name), "wb") as f:
            f.write(data_)
    print(f"{len(seeds)} seeds in {OUT_CAPTURE}")


# ------------------------------------------------------------- pcapng

def block(order, btype, body):
    body += b"\0" * (-len(body) % 4)
    total = 12 + len(body)
    return struct.pack(order + "II", btype, total) + body + struct.pack(order + "I", total)


def shb(order):
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(order, linktype, snaplen, tsresol=None, tsoffset=None):
    opts = b""
    if tsresol is not None:
        opts += struct.pack(order + "HH", 9, 1) + bytes([tsresol]) + b"\0\0\0"
    if tsoffset is not None:
        opts += struct.pack(order + "HHq", 14, 8, tsoffset)
    if opts:
        opts += struct.pack(order + "HH", 0, 0)
    return block(order, 1, struct.pack(order + "HHI", linktype, 0, snaplen) + opts)


def epb(order, ifc, ticks, data, wirelen=None):
    return block(order, 6, struct.pack(order + "IIIII", ifc, ticks >> 32, ticks & 0xFFFFFFFF, len(data),
                                       len(data) if wirelen is None else wirelen) + data)


def pcapng_seeds():
    """Files for the reader alone: both byte orders, two sections, several
    interfaces, Simple and obsolete packet blocks, timestamp options."""
    os.makedirs(OUT_PCAPNG, exist_ok=True)
    i1 = read_pcap("incident1-l2tp-reorder.pcap")
    ip = [f[14:] for _, f in i1[:4]]
    us = 1768467600 * 1_000_000
    seeds = {
        "le_two_interfaces": shb("<") + idb("<", 1, 262144) + idb("<", 101, 96, tsresol=9) +
        epb("<", 0, us, i1[0][1]) + epb("<", 1, us * 1000 + 5, ip[1][:96], len(ip[1])),
        "be_obsolete_and_simple": shb(">") + idb(">", 101, 0, tsresol=0x80 | 20, tsoffset=3600) +
        block(">", 2, struct.pack(">HHIIII", 0, 0, 0, 7, len(ip[0]), len(ip[0])) + ip[0]) +
        block(">", 3, struct.pack(">I", len(ip[2])) + ip[2]),
        "two_sections_two_orders": shb("<") + idb("<", 0, 0) + epb("<", 0, us, struct.pack("<I", 2) + ip[0]) +
        shb(">") + idb(">", 239, 0) + idb(">", 1, 0) + epb(">", 1, us, i1[1][1]),
        "other_blocks_skipped": shb("<") + block("<", 4, b"\0\0\0\0") + idb("<", 1, 0) +
        block("<", 5, struct.pack("<III", 0, 0, 0)) + block("<", 0x0BAD, b"abcd") + epb("<", 0, us, i1[2][1]),
        "unknown_interface": shb("<") + idb("<", 1, 0) + epb("<", 3, us, i1[0][1]),
        "cut_in_block": (shb("<") + idb("<", 1, 0) + epb("<", 0, us, i1[0][1]))[:-9],
        "pcap_be_nano": struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1) +
        b"".join(struct.pack(">IIII", 1768467600, 5, len(f), len(f) + 10) + f for _, f in i1[:3]),
    }
    for name in ("multi-interface.pcapng", "null-bsd-loopback.pcap", "nflog.pcap"):
        seeds["tests_" + name] = open(os.path.join(TEST_CAPTURES, name), "rb").read()
    for name, data_ in seeds.items():
        with open(os.path.join(OUT_PCAPNG, name), "wb") as f:
            f.write(data_)
    print(f"{len(seeds)} seeds in {OUT_PCAPNG}")


def link_seeds(i1, i2):
    """One frame per link type for fuzz/cli_link.cpp: [linktype][cut] frame."""
    os.makedirs(OUT_LINK, exist_ok=True)
    plain = read_pcap("incident1-l2tp-plain.pcap")
    frames = {"ctl": plain[0][1], "data": plain[20][1], "pppoe": i2[4][1]}
    kinds = {1: ETH, 113: SLL, 276: SLL2, 101: RAW, 0: NULL, 108: LOOP, 9: PPP_LT, 50: PPP_HDLC, 51: PPP_ETHER,
             109: ENC, 239: NFLOG, 228: IPV4}
    seeds = {}
    for lt, kind in kinds.items():
        for tag, f in frames.items():
            g = relink(f, kind)
            if g is None:
                continue
            seeds[f"lt{lt}_{tag}"] = struct.pack(">HB", lt, 0) + g
            seeds[f"lt{lt}_{tag}_cut"] = struct.pack(">HB", lt, 200) + g[:60]
    seeds["lt1_vlan_qinq"] = struct.pack(">HB", 1, 0) + relink(frames["data"], QINQ)
    seeds["lt50_cisco_hdlc"] = struct.pack(">HB", 50, 0) + b"\x0f\x00\x08\x00" + frames["data"][14:]
    seeds["lt229_ipv6"] = struct.pack(">HB", 229, 0) + bytes.fromhex("6000000000081140" + "00" * 32 + "0001000200080000")
    seeds["lt147_unknown"] = struct.pack(">HB", 147, 0) + b"\x01\x02\x03"
    for name, data_ in seeds.items():
        with open(os.path.join(OUT_LINK, name), "wb") as f:
            f.write(data_)
    print(f"{len(seeds)} seeds in {OUT_LINK}")


if __name__ == "__main__":
    main()
