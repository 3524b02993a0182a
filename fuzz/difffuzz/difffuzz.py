#!/usr/bin/python3
"""Differential fuzzing of `vpnwire decode --json` against tshark's PDML.

Frames of the project's captures (examples/captures/, tests/cli/captures/)
and of structured generators (generators.py: L2TP control messages with
every AVP family, L2TP data carrying LCP/IPCP/PAP/CHAP, PPPoE discovery and
session, IPv4 fragments, TCP with MSS options, ESP and ESP-in-UDP) are
mutated by a seeded PRNG (mutate.py: bit flips, interesting bytes, length
fields located by a small dissector: IPv4 total length and IHL, UDP length,
L2TP Length/Offset/flags, AVP lengths, PPP and PPPoE lengths, LCP/IPCP
option lengths, PPPoE tag lengths, IPv4 fragment offset and flags,
truncation, insertion and deletion). Each batch is written as one pcap per
link type, dissected by both programs, and every field both report is
compared with tests/cli/compare_tshark.py's comparer (its field mapping and
normalisation), layer by layer and AVP by AVP.

Every disagreement gets a signature (layer, field, shape) and a class from
known.py: a documented difference (docs/differential.md) or `unclassified`.
The first example of each new signature is minimised to one frame (mutated
bytes reverted one by one while the disagreement stays) and kept in the
findings file. vpnwire crashing, or printing a different number of frames
than tshark, is always a failure.

usage: difffuzz.py VPNWIRE ROOT --frames N [--seed S] [--batch B] [--out DIR]
                   [--fail-on-unclassified] [--min-fields N]
Prints a summary and writes DIR/summary.json and DIR/findings.jsonl.
"""
import argparse
import collections
import importlib.util
import json
import os
import random
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generators  # noqa: E402
import known  # noqa: E402
import mutate  # noqa: E402
import pcapio  # noqa: E402


def load_compare(root):
    spec = importlib.util.spec_from_file_location("compare_tshark", os.path.join(root, "tests/cli/compare_tshark.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- PDML
def pdml_tree(elem):
    """A PDML <proto>/<field> element as compare_tshark's (key, value) tree:
    a field is (name, show); its children follow as (name + "_tree", [...])."""
    out = []
    for f in elem:
        if f.tag == "proto" and f.get("name"):
            # A protocol tshark nests in another: IPv6 extension headers and AH inside "ipv6", the packet
            # an ICMP error quotes. tshark's JSON (compare_tshark) has them as subtrees of the layer too.
            out.append((f.get("name"), pdml_tree(f)))
            continue
        if f.tag != "field":
            continue
        name = f.get("name") or ""
        show = f.get("show")
        kids = [c for c in f if c.tag in ("field", "proto")]
        if name and show is not None:
            out.append((name, show))
        if kids:
            out.append(((name or "text") + "_tree", pdml_tree(f)))
    return out


def pdml_packets(path):
    """Yields, per packet, the list of (proto name, tree) of a PDML file."""
    for _, elem in ET.iterparse(path, events=("end",)):
        if elem.tag != "packet":
            continue
        layers = []
        for p in elem:
            if p.tag == "proto" and p.get("name") == "fake-field-wrapper":
                # PDML's holder of protocols without a proto element of their own ("data"): each field
                # with children is a layer, as in tshark's JSON.
                layers += [(f.get("name"), pdml_tree(f)) for f in p if f.tag == "field" and len(f)]
            elif p.tag == "proto" and p.get("name") not in ("geninfo",):
                layers.append((p.get("name"), pdml_tree(p)))
        yield layers
        elem.clear()


# ---------------------------------------------------------------- comparing
class FrameComparer:
    """compare_tshark.Comparer, recording each disagreement as a tuple."""

    def __init__(self, ct):
        outer = self

        class C(ct.Comparer):
            def field(self, where, key, ours, their_values):
                before = len(self.failures)
                super().field(where, key, ours, their_values)
                if len(self.failures) > before:
                    outer.current.append(("field", outer.layer_proto, key, ours, list(their_values)))

            def avps(self, where, ours, theirs):
                before = len(self.failures)
                super().avps(where, ours, theirs)
                if len(self.failures) > before and len(ours) != len(theirs):
                    outer.current.append(("avp_count", "l2tp", "l2tp.avps", len(ours), [len(theirs)]))

        self.c = C()
        self.ct = ct
        self.current = []
        self.layer_proto = ""

    def frame(self, ours, tl):
        """Compares one vpnwire frame object with one tshark layer list; returns the disagreements."""
        self.current = []
        tl = [(k, v) for k, v in tl if isinstance(v, list)]
        pos = 0
        for layer in ours["layers"]:
            names = self.ct.TSHARK_LAYER.get(layer["proto"], (layer["proto"],))
            j = pos
            while j < len(tl) and tl[j][0] not in names:
                j += 1
            if j == len(tl):
                continue
            self.layer_proto = layer["proto"]
            self.c.layer(layer["proto"], tl[j][0], layer, tl[j][1])
            pos = j + 1
        return self.current


# ---------------------------------------------------------------- running both
def run_vpnwire(vpnwire, path):
    p = subprocess.run([vpnwire, "decode", "--json", path], capture_output=True, text=True)
    frames = []
    for line in p.stdout.splitlines():
        if line.startswith('{"frame"'):
            frames.append(json.loads(line))
    return p.returncode, frames, p.stderr


def run_tshark(ct, path, xml_path):
    with open(xml_path, "w") as out:
        subprocess.run(["tshark", "-n", "-r", path, "-T", "pdml"] + ct.CHECKSUMS, stdout=out,
                       stderr=subprocess.DEVNULL, check=True)
    return list(pdml_packets(xml_path))


def tshark_trouble(tl):
    """Whether tshark flagged the frame as malformed or truncated (an expert error)."""
    for k, v in tl:
        if k in ("_ws.malformed", "_ws.short"):
            return True
    return False


def compare_batch(args, ct, fc, frames_by_lt, workdir, tag):
    """frames_by_lt: {linktype: [(frame bytes, meta)]}. Returns (compared fields, [(meta, frame, lt, disagreements)],
    problems)."""
    compared_before = sum(fc.c.compared.values())
    results = []
    problems = []
    for lt, items in sorted(frames_by_lt.items()):
        path = os.path.join(workdir, f"{tag}-lt{lt}.pcap")
        pcapio.write(path, lt, [b for b, _ in items])
        rc, ours, err = run_vpnwire(args.vpnwire, path)
        if rc < 0 or rc > 2:
            problems.append({"kind": "vpnwire-exit", "rc": rc, "stderr": err[-400:], "linktype": lt, "pcap": path})
            # Find the frame: one by one (rare).
            for b, meta in items:
                one = os.path.join(workdir, f"{tag}-one.pcap")
                pcapio.write(one, lt, [b])
                r1, _, e1 = run_vpnwire(args.vpnwire, one)
                if r1 < 0 or r1 > 2:
                    problems[-1]["frame"] = b.hex()
                    problems[-1]["stderr"] = e1[-400:]
                    break
            continue
        theirs = run_tshark(ct, path, path + ".pdml")
        if len(ours) != len(theirs):
            problems.append({"kind": "frame-count", "ours": len(ours), "theirs": len(theirs), "linktype": lt})
            continue
        for (b, meta), o, t in zip(items, ours, theirs):
            d = fc.frame(o, t)
            if d:
                results.append((meta, b, lt, d, o.get("error"), tshark_trouble(t), o))
        os.unlink(path + ".pdml")
    return sum(fc.c.compared.values()) - compared_before, results, problems


# The keys of vpnwire's layers that known.classify reads (with ipv6.routing.*), kept in all.jsonl.
SLIM = ("proto", "vpnwire.ip.reassembly", "vpnwire.ipv6.reassembly", "vpnwire.not_decoded", "nflog.protocol")


def signature(d):
    kind, proto, key, ours, theirs = d
    return f"{kind}:{proto}:{key}"


def still_disagrees(args, ct, workdir, lt, candidates, sig):
    """Which candidate frames still show disagreement `sig` (one run of each tool for all)."""
    fc = FrameComparer(ct)
    path = os.path.join(workdir, "min.pcap")
    pcapio.write(path, lt, candidates)
    rc, ours, _ = run_vpnwire(args.vpnwire, path)
    theirs = run_tshark(ct, path, path + ".pdml")
    if len(ours) != len(theirs):
        return [False] * len(candidates)
    return [any(signature(d) == sig for d in fc.frame(o, t)) for o, t in zip(ours, theirs)]


def minimise(args, ct, workdir, lt, frame, seed, sig):
    """Reverts the mutated bytes one at a time (and undoes a truncation) while the disagreement stays."""
    cur = bytearray(frame)
    for _ in range(8):
        cands = []
        if len(cur) < len(seed):
            cands.append(bytes(cur) + seed[len(cur):])
        n = min(len(cur), len(seed))
        diff = [i for i in range(n) if cur[i] != seed[i]]
        for i in diff:
            c = bytearray(cur)
            c[i] = seed[i]
            cands.append(bytes(c))
        if len(cur) > len(seed):
            cands.append(bytes(cur[: len(seed)]))
        if not cands:
            break
        keep = still_disagrees(args, ct, workdir, lt, cands, sig)
        ok = [c for c, k in zip(cands, keep) if k]
        if not ok:
            break
        # Take the candidate closest to the seed.
        cur = bytearray(min(ok, key=lambda c: (sum(1 for i in range(min(len(c), len(seed))) if c[i] != seed[i])
                                                 + abs(len(c) - len(seed)))))
    return bytes(cur)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vpnwire")
    ap.add_argument("root")
    ap.add_argument("--frames", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=4000)
    ap.add_argument("--out", default="build/difffuzz")
    ap.add_argument("--fail-on-unclassified", action="store_true")
    ap.add_argument("--min-fields", type=int, default=0)
    ap.add_argument("--no-minimise", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ct = load_compare(args.root)
    rng = random.Random(args.seed)
    captured = pcapio.project_seeds(args.root)
    generated = generators.all_frames(random.Random(args.seed))
    seeds = captured + generated
    fc = FrameComparer(ct)
    stats = collections.Counter()
    by_sig = collections.Counter()
    by_class = collections.Counter()
    by_rule = collections.Counter()
    frames_by_class = collections.Counter()
    examples = {}
    problems = []
    t0 = time.time()
    done = 0
    findings = open(os.path.join(args.out, "findings.jsonl"), "w")
    every = open(os.path.join(args.out, "all.jsonl"), "w")  # every disagreement, for reclassifying offline
    while done < args.frames:
        n = min(args.batch, args.frames - done)
        batch = collections.defaultdict(list)
        for _ in range(n):
            # Half from the captures, half from the generators (far fewer, but denser in structure).
            si = rng.randrange(len(captured)) if rng.random() < 0.5 else len(captured) + rng.randrange(len(generated))
            lt, seed = seeds[si]
            frame, ops = mutate.mutate(rng, lt, seed)
            batch[lt].append((frame, {"seed": si, "ops": ops}))
        nf, results, probs = compare_batch(args, ct, fc, batch, args.out, f"b{args.seed}")
        stats["frames"] += n
        stats["compared_fields"] += nf
        problems += probs
        for meta, frame, lt, ds, our_error, their_trouble, ours_frame in results:
            classes_here = set()
            ours_frame["vpnwire.difffuzz.lists_differ"] = known.lists_differ(ds)
            # A Home Address option (0xC9) outside a Destination Options header, read by mutate.py's
            # own walker.
            ours_frame["vpnwire.difffuzz.hao_outside_dstopts"] = any(
                opt == 0xC9 and hdr != 60 for hdr, opt in mutate.ipv6_options(lt, frame))
            for d in ds:
                sig = signature(d)
                cls, rule = known.classify(d, our_error, their_trouble, ours_frame)
                by_sig[sig] += 1
                reassembled = any(known.reassembled(layer) for layer in ours_frame["layers"])
                # What known.classify reads of vpnwire's frame, so reclassify.py can redo it.
                slim = {"layers": [{k: v for k, v in layer.items() if k.startswith("ipv6.routing.") or k in SLIM}
                                   for layer in ours_frame["layers"]],
                        "warnings": ours_frame.get("warnings", []),
                        "vpnwire.difffuzz.lists_differ": ours_frame["vpnwire.difffuzz.lists_differ"],
                        "vpnwire.difffuzz.hao_outside_dstopts": ours_frame["vpnwire.difffuzz.hao_outside_dstopts"]}
                every.write(json.dumps([list(d), our_error, their_trouble, reassembled, slim]) + "\n")
                by_class[cls] += 1
                by_rule[f"{cls}/{rule}"] += 1
                classes_here.add(cls)
                key = (sig, rule)
                if key not in examples:
                    seed_lt, seed = seeds[meta["seed"]]
                    small = frame if args.no_minimise else minimise(args, ct, args.out, lt, frame, seed, sig)
                    examples[key] = True
                    rec = {"signature": sig, "class": cls, "rule": rule, "linktype": lt, "ops": meta["ops"],
                           "ours": repr(d[3]), "theirs": repr(d[4]), "vpnwire_error": our_error,
                           "tshark_malformed": their_trouble, "frame": frame.hex(), "minimised": small.hex(),
                           "seed_frame": seed.hex()}
                    findings.write(json.dumps(rec) + "\n")
                    findings.flush()
            for cls in classes_here:
                frames_by_class[cls] += 1
        done += n
        print(f"[difffuzz] {done}/{args.frames} frames, {stats['compared_fields']} fields compared, "
              f"{sum(frames_by_class.values())} frame disagreements {dict(frames_by_class)}, "
              f"{len(problems)} problems, {time.time() - t0:.0f} s", flush=True)
    summary = {"frames": stats["frames"], "seed": args.seed, "compared_fields": stats["compared_fields"],
               "distinct_fields_compared": len(fc.c.compared), "disagreements_by_class": dict(by_class),
               "disagreements_by_rule": dict(by_rule),
               "frames_with_disagreement_by_class": dict(frames_by_class), "signatures": dict(by_sig),
               "problems": problems, "seconds": round(time.time() - t0, 1)}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    print(json.dumps({k: summary[k] for k in ("frames", "compared_fields", "distinct_fields_compared",
                                              "disagreements_by_class", "frames_with_disagreement_by_class")}))
    for p in problems[:20]:
        print("PROBLEM", json.dumps(p)[:600])
    fail = bool(problems)
    if args.fail_on_unclassified and by_class.get("unclassified"):
        for s, c in by_sig.items():
            print("signature", s, c)
        print("unclassified disagreements: see", os.path.join(args.out, "findings.jsonl"))
        fail = True
    if stats["compared_fields"] < args.min_fields:
        print(f"only {stats['compared_fields']} fields compared (< {args.min_fields})")
        fail = True
    sys.exit(1 if fail else 0)


if __name__ == "__main__":
    main()
