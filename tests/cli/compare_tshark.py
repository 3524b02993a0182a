#!/usr/bin/python3
"""vpnwire decode --json against tshark -T json on the demo captures.

The oracle is Wireshark's dissectors (tshark 4.0), given the same ESP keys.
For every frame, each layer vpnwire prints is matched, in order, with the
next tshark layer of the same protocol, and every field that both report is
compared after normalising tshark's strings (hex and decimal numbers,
booleans as 0/1, byte strings with colons). L2TP AVPs are compared AVP by
AVP. The run fails on any difference, and also when a field of the issue's
list was never compared (so the test cannot pass by comparing nothing).

usage: compare_tshark.py VPNWIRE CAPTURE_DIR
"""
import json
import subprocess
import sys

INCIDENT1 = {
    "file": "incident1-l2tp-reorder.pcap",
    "sas": [
        ("192.0.2.10", "198.51.100.1", 0xC1000001, "aes-cbc", "AES-CBC [RFC3602]", "00112233445566778899aabbccddeeff",
         "hmac-sha1-96", "HMAC-SHA-1-96 [RFC2404]", "0102030405060708090a0b0c0d0e0f1011121314"),
        ("198.51.100.1", "192.0.2.10", 0x5E000001, "aes-cbc", "AES-CBC [RFC3602]", "ffeeddccbbaa99887766554433221100",
         "hmac-sha1-96", "HMAC-SHA-1-96 [RFC2404]", "2122232425262728292a2b2c2d2e2f3031323334"),
    ],
}
INCIDENT2 = {
    "file": "incident2-esp-pppoe-mtu.pcap",
    "sas": [
        ("203.0.113.2", "198.51.100.7", 0xA0000001, "aes-gcm-16", "AES-GCM with 16 octet ICV [RFC4106]",
         "000102030405060708090a0b0c0d0e0fcafebabe", None, "NULL", ""),
        ("198.51.100.7", "203.0.113.2", 0xB0000001, "aes-gcm-16", "AES-GCM with 16 octet ICV [RFC4106]",
         "101112131415161718191a1b1c1d1e1fdeadbeef", None, "NULL", ""),
    ],
}

# Fields the issue names; each must be compared at least once over both captures.
MUST_COMPARE = [
    "eth.src", "eth.dst", "eth.type",
    "ip.src", "ip.dst", "ip.id", "ip.flags.mf", "ip.frag_offset", "ip.proto", "ip.len", "ip.ttl",
    "udp.srcport", "udp.dstport", "udp.length",
    "esp.spi", "esp.sequence", "esp.pad_len", "esp.protocol",
    "l2tp.type", "l2tp.length_bit", "l2tp.seq_bit", "l2tp.offset_bit", "l2tp.priority", "l2tp.version",
    "l2tp.length", "l2tp.tunnel", "l2tp.session", "l2tp.Ns", "l2tp.Nr",
    "l2tp.avp.mandatory", "l2tp.avp.hidden", "l2tp.avp.length", "l2tp.avp.vendor_id", "l2tp.avp.type",
    "l2tp.avp.message_type", "l2tp.avp.host_name", "l2tp.avp.assigned_tunnel_id", "l2tp.avp.assigned_session_id",
    "l2tp.avp.protocol_version", "l2tp.avp.vendor_name", "l2tp.avp.receive_window_size",
    "l2tp.avp.call_serial_number", "l2tp.avp.random_vector", "l2tp.avp.connect_speed",
    "ppp.protocol", "pppoe.code", "pppoe.session_id", "ppp.code", "ppp.identifier", "ppp.length",
    "lcp.opt.mru", "lcp.opt.magic_number", "ipcp.opt.ip_address",
    "tcp.srcport", "tcp.dstport", "tcp.options.mss_val", "tcp.flags", "tcp.seq_raw",
]

TSHARK_LAYER = {"pppoe": ("pppoes", "pppoed")}

# Checksum validation on, so tshark's *.checksum.status fields say good/bad.
CHECKSUMS = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]


def pairs(p):
    return p


def leaves(tree, out):
    """All (key, value) leaves of a tshark layer tree, in order."""
    for k, v in tree:
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            leaves(v, out)
        elif isinstance(v, list):
            for x in v:
                out.append((k, x))
        else:
            out.append((k, v))
    return out


def avp_trees(tree):
    """The L2TP AVP subtrees (each holding an l2tp.avp.length leaf; hidden ones have no type), in order."""
    found = []
    for _, v in tree:
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            if any(k == "l2tp.avp.length" for k, _ in v):
                found.append(leaves(v, []))
            else:
                found.extend(avp_trees(v))
    return found


def norm_theirs(v):
    s = str(v)
    try:
        return int(s, 0)
    except ValueError:
        pass
    if all(len(p) == 2 for p in s.split(":")) and ":" in s:
        return s.replace(":", "").lower()
    return s


def norm_ours(v):
    if isinstance(v, bool):
        return int(v)
    return v


def same(ours, theirs):
    if isinstance(ours, str) and isinstance(theirs, str):
        return ours.lower() == theirs.lower() or ours.lower() == theirs.replace(":", "").lower()
    o = norm_ours(ours)
    t = norm_theirs(theirs)
    if isinstance(t, str) and isinstance(o, str):
        return o.lower() == t.lower() or o.lower().replace(":", "") == t.lower()
    return o == t


class Comparer:
    def __init__(self):
        self.compared = {}
        self.failures = []

    def field(self, where, key, ours, their_values):
        if isinstance(ours, list):
            want = sorted(norm_theirs(x) for x in their_values)
            got = sorted(norm_ours(x) for x in ours)
            ok = want == got
        else:
            ok = any(same(ours, t) for t in their_values)
        self.compared[key] = self.compared.get(key, 0) + 1
        if not ok:
            self.failures.append(f"{where}: {key}: vpnwire {ours!r}, tshark {their_values!r}")

    def layer(self, where, ours, theirs_tree):
        their = leaves(theirs_tree, [])
        index = {}
        for k, v in their:
            index.setdefault(k, []).append(v)
        for k, v in ours.items():
            if k == "proto" or k.startswith("vpnwire."):
                continue
            if k == "l2tp.avps":
                self.avps(where, v, avp_trees(theirs_tree))
                continue
            if k in index:
                self.field(where, k, v, index[k])

    def avps(self, where, ours, theirs):
        if len(ours) != len(theirs):
            self.failures.append(f"{where}: {len(ours)} AVPs in vpnwire, {len(theirs)} in tshark")
            return
        for i, (a, t) in enumerate(zip(ours, theirs)):
            index = {}
            for k, v in t:
                index.setdefault(k, []).append(v)
            for k, v in a.items():
                if k.startswith("vpnwire."):
                    continue
                if k in index:
                    self.field(f"{where} AVP {i}", k, v, index[k])


def run(vpnwire, capdir, incident, cmp):
    path = f"{capdir}/{incident['file']}"
    ours_args = [vpnwire, "decode", "--json"]
    tshark_args = ["tshark", "-n", "-r", path, "-T", "json", "-o", "esp.enable_encryption_decode:TRUE"] + CHECKSUMS
    for src, dst, spi, enc, tenc, key, auth, tauth, akey in incident["sas"]:
        sa = f"spi={spi:#010x},enc={enc},key=0x{key}"
        if auth:
            sa += f",auth={auth},auth-key=0x{akey}"
        ours_args += ["--esp-sa", sa]
        tshark_args += ["-o", f'uat:esp_sa:"IPv4","{src}","{dst}","{spi:#010x}","{tenc}","0x{key}","{tauth}","{"0x" + akey if akey else ""}"']
    ours_args.append(path)
    ours = subprocess.run(ours_args, check=True, capture_output=True, text=True).stdout
    frames = [json.loads(l) for l in ours.splitlines() if l.startswith('{"frame"')]
    theirs = json.loads(subprocess.run(tshark_args, check=True, capture_output=True, text=True).stdout,
                        object_pairs_hook=pairs)
    if len(frames) != len(theirs) or not frames:
        cmp.failures.append(f"{path}: {len(frames)} frames from vpnwire, {len(theirs)} from tshark")
        return
    for f, t in zip(frames, theirs):
        if f["error"] is not None:
            cmp.failures.append(f"{path} frame {f['frame']}: vpnwire reports {f['error']}")
        layers = dict(t)["_source"]
        tl = [(k, v) for k, v in dict(layers)["layers"] if k != "frame" and isinstance(v, list)]
        pos = 0
        for layer in f["layers"]:
            names = TSHARK_LAYER.get(layer["proto"], (layer["proto"],))
            j = pos
            while j < len(tl) and tl[j][0] not in names:
                j += 1
            if j == len(tl):
                continue  # a layer tshark does not show (or names differently): nothing to compare
            cmp.layer(f"{path} frame {f['frame']} {layer['proto']}", layer, tl[j][1])
            pos = j + 1


def main():
    vpnwire, capdir = sys.argv[1], sys.argv[2]
    cmp = Comparer()
    for incident in (INCIDENT1, INCIDENT2):
        run(vpnwire, capdir, incident, cmp)
    never = [k for k in MUST_COMPARE if k not in cmp.compared]
    total = sum(cmp.compared.values())
    print(f"compared {total} field values over {len(cmp.compared)} field names")
    for f in cmp.failures[:50]:
        print("MISMATCH", f)
    if never:
        print("never compared:", ", ".join(never))
    if cmp.failures or never or total < 1000:
        sys.exit(1)


if __name__ == "__main__":
    main()
