#!/usr/bin/python3
"""Shows one finding of findings.jsonl: the minimised frame as a pcap, vpnwire's JSON and tshark's verbose tree.

usage: show.py VPNWIRE FINDINGS.jsonl INDEX [OUT.pcap]"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapio  # noqa: E402

vpnwire, findings, index = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = sys.argv[4] if len(sys.argv) > 4 else "/tmp/difffuzz-show.pcap"
rec = [json.loads(line) for line in open(findings)][index]
frame = bytes.fromhex(rec["minimised"])
pcapio.write(out, rec["linktype"], [frame])
print(json.dumps({k: rec[k] for k in ("signature", "class", "rule", "ours", "theirs", "vpnwire_error", "ops")}))
print("frame:", rec["minimised"])
seed = bytes.fromhex(rec["seed_frame"])
print("changed offsets vs seed:", [i for i in range(min(len(seed), len(frame))) if seed[i] != frame[i]],
      "length", len(frame), "seed length", len(seed))
print(subprocess.run([vpnwire, "decode", "--json", out], capture_output=True, text=True).stdout)
print(subprocess.run(["tshark", "-n", "-r", out, "-V", "-o", "pppoed.show_tags_and_lengths:TRUE"],
                     capture_output=True, text=True).stdout)
