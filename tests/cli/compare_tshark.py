#!/usr/bin/python3
"""vpnwire decode --json against tshark -T json, on every capture of
examples/captures/ and tests/cli/captures/.

The oracle is Wireshark's dissectors (tshark 4.0), given the same ESP keys
and checksum validation turned on (-o ip/udp/tcp.check_checksum:TRUE), so
tshark's *.checksum.status fields say good (1), bad (0), unverified (2) or
not present (3). For every frame, each layer vpnwire prints is matched, in
order, with the next tshark layer of the same protocol, and every field
that both report is compared after normalising tshark's strings (hex and
decimal numbers, booleans as 0/1, byte strings with colons). L2TP AVPs are
compared AVP by AVP. The run fails on any difference; when a field of the
list below was never compared (so the test cannot pass by comparing
nothing); and when tshark shows a field of a protocol vpnwire decodes that
vpnwire's JSON lacks and docs/cli.md's table of fields left out does not
name (so every field tshark 4.0 shows is either printed or explained).

usage: compare_tshark.py VPNWIRE ROOT   (ROOT: the source tree)
"""
import fnmatch
import glob
import json
import os
import re
import subprocess
import sys

I1_SAS = [
    ("192.0.2.10", "198.51.100.1", 0xC1000001, "aes-cbc", "AES-CBC [RFC3602]", "00112233445566778899aabbccddeeff",
     "hmac-sha1-96", "HMAC-SHA-1-96 [RFC2404]", "0102030405060708090a0b0c0d0e0f1011121314"),
    ("198.51.100.1", "192.0.2.10", 0x5E000001, "aes-cbc", "AES-CBC [RFC3602]", "ffeeddccbbaa99887766554433221100",
     "hmac-sha1-96", "HMAC-SHA-1-96 [RFC2404]", "2122232425262728292a2b2c2d2e2f3031323334"),
]
I2_SAS = [
    ("203.0.113.2", "198.51.100.7", 0xA0000001, "aes-gcm-16", "AES-GCM with 16 octet ICV [RFC4106]",
     "000102030405060708090a0b0c0d0e0fcafebabe", None, "NULL", ""),
    ("198.51.100.7", "203.0.113.2", 0xB0000001, "aes-gcm-16", "AES-GCM with 16 octet ICV [RFC4106]",
     "101112131415161718191a1b1c1d1e1fdeadbeef", None, "NULL", ""),
]
# ESP over IPv6 (tests/cli/captures/ipv6-esp.pcap, scapy's SecurityAssociation): tunnel and
# transport mode over IPv6, and 6-in-4; tshark's SA table is per address family.
_V6KEY, _V6AUTH = "000102030405060708090a0b0c0d0e0f", "1011121314151617181920212223242526272829"
ESP_V6_SAS = [
    ("2001:db8:1::10", "2001:db8:2::1", 0x6E600001, "aes-cbc", "AES-CBC [RFC3602]", _V6KEY, "hmac-sha1-96",
     "HMAC-SHA-1-96 [RFC2404]", _V6AUTH),
    ("2001:db8:1::10", "2001:db8:2::1", 0x6E600002, "aes-cbc", "AES-CBC [RFC3602]", _V6KEY, "hmac-sha1-96",
     "HMAC-SHA-1-96 [RFC2404]", _V6AUTH),
    ("192.0.2.1", "198.51.100.9", 0x6E600003, "aes-cbc", "AES-CBC [RFC3602]", _V6KEY, "hmac-sha1-96",
     "HMAC-SHA-1-96 [RFC2404]", _V6AUTH),
]
# Captures whose frames must decode without an error (the others hold malformed packets on purpose).
MALFORMED = {"lcp-mru-length3.pcap", "ipv6-malformed.pcap", "fragment-duplicates.pcap"}

# Fields each must be compared at least once over all captures.
MUST_COMPARE = [
    "frame.len", "frame.cap_len", "frame.interface_id",
    "eth.src", "eth.dst", "eth.type", "vlan.id", "vlan.priority", "vlan.etype",
    "sll.pkttype", "sll.hatype", "sll.halen", "sll.etype", "sll.ifindex", "sll.src.eth",
    "null.family", "enc.af", "enc.spi", "enc.flags", "chdlc.address", "chdlc.protocol",
    "nflog.family", "nflog.res_id", "nflog.tlv_type", "nflog.tlv_length", "nflog.prefix", "nflog.protocol",
    "ip.src", "ip.dst", "ip.id", "ip.flags.mf", "ip.frag_offset", "ip.proto", "ip.len", "ip.ttl",
    "ip.checksum.status", "ip.checksum_calculated", "ip.dsfield.dscp",
    "udp.srcport", "udp.dstport", "udp.length", "udp.checksum", "udp.checksum.status", "udp.checksum_calculated",
    "esp.spi", "esp.sequence", "esp.pad_len", "esp.protocol",
    "l2tp.type", "l2tp.length_bit", "l2tp.seq_bit", "l2tp.offset_bit", "l2tp.priority", "l2tp.version",
    "l2tp.length", "l2tp.tunnel", "l2tp.session", "l2tp.Ns", "l2tp.Nr",
    "l2tp.avp.mandatory", "l2tp.avp.hidden", "l2tp.avp.length", "l2tp.avp.vendor_id", "l2tp.avp.type",
    "l2tp.avp.message_type", "l2tp.avp.host_name", "l2tp.avp.assigned_tunnel_id", "l2tp.avp.assigned_session_id",
    "l2tp.avp.protocol_version", "l2tp.avp.vendor_name", "l2tp.avp.receive_window_size",
    "l2tp.avp.call_serial_number", "l2tp.avp.random_vector", "l2tp.avp.connect_speed",
    "ppp.protocol", "pppoe.code", "pppoe.session_id", "pppoe.payload_length", "ppp.code", "ppp.identifier",
    "ppp.length",
    "pppoed.tag", "pppoed.tag_length", "pppoed.tags.service_name", "pppoed.tags.ac_name", "pppoed.tags.host_uniq",
    "pppoed.tags.ac_cookie", "pppoed.tags.generic_error", "pppoed.tags.max_payload",
    "lcp.opt.type", "lcp.opt.length", "lcp.opt.mru", "lcp.opt.magic_number", "lcp.opt.auth_protocol",
    "lcp.magic_number", "lcp.rej_proto", "ipcp.opt.type", "ipcp.opt.length", "ipcp.opt.ip_address",
    "ipcp.opt.pri_dns_address",
    "pap.code", "pap.identifier", "pap.length", "pap.peer_id", "pap.peer_id.length", "pap.password",
    "pap.message", "chap.code", "chap.identifier", "chap.value_size", "chap.value", "chap.name", "chap.message",
    "tcp.srcport", "tcp.dstport", "tcp.options.mss_val", "tcp.flags", "tcp.seq_raw", "tcp.checksum.status",
    "tcp.checksum_calculated", "tcp.len", "tcp.urgent_pointer",
    # IPv6 (tests/cli/captures/ipv6-*.pcap).
    "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.plen", "ipv6.hlim", "ipv6.flow", "ipv6.tclass", "ipv6.tclass.dscp",
    "ipv6.hopopts.nxt", "ipv6.hopopts.len", "ipv6.dstopts.nxt", "ipv6.routing.nxt", "ipv6.routing.type",
    "ipv6.routing.segleft", "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
    "ipv6.fragment", "ipv6.fragment.count", "ipv6.reassembled.length", "ah.spi", "ah.sequence",
    "icmpv6.type", "icmpv6.code", "icmpv6.checksum", "icmpv6.checksum.status", "icmpv6.mtu",
    "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
    # "esp.protocol" and "esp.pad_len" are compared on IPv6 SAs too (ipv6-esp.pcap).
    "ipv6cp.opt.type", "ipv6cp.opt.length", "ipv6cp.interface_identifier",
]

TSHARK_LAYER = {"pppoe": ("pppoes", "pppoed")}
# Protocols whose every tshark field must be in vpnwire's JSON or in docs/cli.md's table.
IN_SCOPE = {"frame", "eth", "vlan", "sll", "null", "enc", "nflog", "chdlc", "pppoed", "pppoes", "ppp", "lcp", "ipcp",
            "pap", "chap", "ip", "udp", "tcp", "esp", "udpencap", "l2tp", "ipv6", "icmpv6", "ipv6cp"}
CHECKSUMS = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
             # UDP and TCP over IPv6 checksums as IPv4's; ICMPv6 checksums are always checked.
             # PPPoE discovery tag types and lengths (pppoed.tag, pppoed.tag_length) are shown on request.
             "-o", "pppoed.show_tags_and_lengths:TRUE"]
FIELD_NAME = re.compile(r"^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$")


def pairs(p):
    return p


# Protocol subtrees that tshark nests in an ICMPv6 error for the packet it
# quotes; vpnwire does not dissect the quoted packet (docs/cli.md).
QUOTED = {"ipv6", "ip", "udp", "tcp", "icmpv6", "ipv6.fraghdr", "esp"}


def leaves(tree, out, skip=()):
    """All (key, value) leaves of a tshark layer tree, in order (subtrees named in `skip` left out)."""
    for k, v in tree:
        if k in skip:
            continue
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            leaves(v, out, skip)
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


def left_out(docs, title="### Wireshark fields vpnwire leaves out"):
    """Field names (or globs) of a docs/cli.md table (first column), by its title."""
    text = open(docs).read()
    start = text.index(title)
    ends = [e for e in (text.find("\n## ", start), text.find("\n### ", start + 1)) if e != -1]
    section = text[start:min(ends)]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
                names.add(name)
    return names


def covered(field, names):
    """`field` is one of `names`, or matches one of them written as a glob (`tcp.analysis.*`)."""
    return field in names or any("*" in n and fnmatch.fnmatchcase(field, n) for n in names)


class Comparer:
    def __init__(self):
        self.compared = {}
        self.failures = []
        self.lacking = {}  # tshark field -> first place seen
        self.extra = {}  # vpnwire field where tshark's layer shows none -> first place seen

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

    def layer(self, where, proto, ours, theirs_tree, check_extra=False):
        their = leaves(theirs_tree, [], QUOTED if proto == "icmpv6" else ())
        index = {}
        for k, v in their:
            index.setdefault(k, []).append(v)
        mine = set(ours)
        for k, v in ours.items():
            if k == "proto" or k.startswith("vpnwire."):
                continue
            if k == "l2tp.avps":
                self.avps(where, v, avp_trees(theirs_tree))
                for a in v:
                    mine.update(a)
                continue
            if k in index:
                self.field(where, k, v, index[k])
            elif check_extra and v != []:  # an empty list (no options, no tags) holds no value
                self.extra.setdefault(k, where)
        if proto in IN_SCOPE:
            for k in index:
                if k.endswith("_tree") or k.startswith("_ws.") or k in mine or not FIELD_NAME.match(k):
                    continue
                self.lacking.setdefault(k, where)

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


def run(vpnwire, path, sas, cmp):
    ours_args = [vpnwire, "decode", "--json"]
    tshark_args = ["tshark", "-n", "-r", path, "-T", "json", "-o", "esp.enable_encryption_decode:TRUE",
                   "-o", "esp.enable_authentication_check:TRUE"] + CHECKSUMS
    for src, dst, spi, enc, tenc, key, auth, tauth, akey in sas:
        sa = f"spi={spi:#010x},enc={enc},key=0x{key}"
        if auth:
            sa += f",auth={auth},auth-key=0x{akey}"
        ours_args += ["--esp-sa", sa]
        family = "IPv6" if ":" in src else "IPv4"
        tshark_args += ["-o", f'uat:esp_sa:"{family}","{src}","{dst}","{spi:#010x}","{tenc}","0x{key}","{tauth}","{"0x" + akey if akey else ""}"']
    ours_args.append(path)
    ours = subprocess.run(ours_args, check=True, capture_output=True, text=True).stdout
    frames = [json.loads(l) for l in ours.splitlines() if l.startswith('{"frame"')]
    theirs = json.loads(subprocess.run(tshark_args, check=True, capture_output=True, text=True).stdout,
                        object_pairs_hook=pairs)
    name = os.path.basename(path)
    if len(frames) != len(theirs) or not frames:
        cmp.failures.append(f"{path}: {len(frames)} frames from vpnwire, {len(theirs)} from tshark")
        return
    for f, t in zip(frames, theirs):
        if f["error"] is not None and name not in MALFORMED:
            cmp.failures.append(f"{path} frame {f['frame']}: vpnwire reports {f['error']}")
        layers = dict(t)["_source"]
        tl = [(k, v) for k, v in dict(layers)["layers"] if isinstance(v, list)]
        pos = 0
        for layer in f["layers"]:
            names = TSHARK_LAYER.get(layer["proto"], (layer["proto"],))
            j = pos
            while j < len(tl) and tl[j][0] not in names:
                j += 1
            if j == len(tl):
                continue  # a layer tshark does not show (or names differently): nothing to compare
            if f["error"] is not None and f["error"]["layer"] == "ipv6" == layer["proto"]:
                pos = j + 1  # vpnwire stops at a bad header chain; tshark goes on reading it
                continue
            # On a frame vpnwire decodes without an error, every field it prints must be shown by tshark
            # too, or docs/cli.md says why not (a value read from bytes tshark does not interpret is a bug).
            cmp.layer(f"{name} frame {f['frame']} {layer['proto']}", tl[j][0], layer, tl[j][1],
                      check_extra=f["error"] is None)
            pos = j + 1


def main():
    vpnwire, root = sys.argv[1], sys.argv[2]
    captures = [(f"{root}/examples/captures/incident1-l2tp-reorder.pcap", I1_SAS),
                (f"{root}/examples/captures/incident2-esp-pppoe-mtu.pcap", I2_SAS),
                (f"{root}/examples/captures/incident1-l2tp-plain.pcap", []),
                (f"{root}/tests/cli/captures/ipv6-esp.pcap", ESP_V6_SAS)]
    keyed = {p for p, _ in captures}
    captures += [(p, []) for p in sorted(glob.glob(f"{root}/tests/cli/captures/*.pcap*")) if p not in keyed]
    cmp = Comparer()
    for path, sas in captures:
        run(vpnwire, path, sas, cmp)
    never = [k for k in MUST_COMPARE if k not in cmp.compared]
    total = sum(cmp.compared.values())
    documented = left_out(f"{root}/docs/cli.md")
    unexplained = sorted(k for k in cmp.lacking if not covered(k, documented))
    not_shown = left_out(f"{root}/docs/cli.md", "### Fields vpnwire prints where tshark shows none")
    unexplained_extra = sorted(k for k in cmp.extra if not covered(k, not_shown))
    print(f"compared {total} field values over {len(cmp.compared)} field names in {len(captures)} captures")
    for f in cmp.failures[:50]:
        print("MISMATCH", f)
    if never:
        print("never compared:", ", ".join(never))
    for k in unexplained:
        print(f"tshark shows {k} (first in {cmp.lacking[k]}); vpnwire prints no such field and docs/cli.md does "
              "not say why")
    for k in unexplained_extra:
        print(f"vpnwire prints {k} (first in {cmp.extra[k]}) where tshark shows none; docs/cli.md does not say "
              "why")
    if cmp.failures or never or unexplained or unexplained_extra or total < 20000:
        sys.exit(1)


if __name__ == "__main__":
    main()
