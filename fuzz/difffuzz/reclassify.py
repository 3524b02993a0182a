#!/usr/bin/python3
"""Recounts a difffuzz run's disagreements (DIR/all.jsonl) with the current known.py rules.

usage: reclassify.py DIR   prints counts by class and rule, and the unclassified signatures."""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import known  # noqa: E402

by_class, by_rule, unclassified = collections.Counter(), collections.Counter(), collections.Counter()
for line in open(os.path.join(sys.argv[1], "all.jsonl")):
    d, err, trouble, reassembled, *slim = json.loads(line)
    # Runs before the frame digest was recorded kept only whether a datagram was reassembled.
    frame = slim[0] if slim else {"layers": [{"vpnwire.ip.reassembly": "completed"}] if reassembled else []}
    cls, rule = known.classify(tuple(d), err, trouble, frame)
    by_class[cls] += 1
    by_rule[(cls, rule)] += 1
    if cls == "unclassified":
        unclassified[f"{d[0]}:{d[1]}:{d[2]}"] += 1
print(json.dumps({"by_class": dict(by_class), "by_rule": {f"{c}/{r}": n for (c, r), n in by_rule.items()},
                  "unclassified": dict(unclassified)}, indent=1))
