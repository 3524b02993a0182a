#!/usr/bin/env python3
"""docs/fuzzing-stats.md from the campaign ledger (scripts/fuzz.sh calls it after every run).

   scripts/fuzz-stats.py [LEDGER] [OUT]
"""
import collections, csv, os, sys
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
ledger = sys.argv[1] if len(sys.argv) > 1 else "fuzz/campaign-ledger.tsv"
out = sys.argv[2] if len(sys.argv) > 2 else "docs/fuzzing-stats.md"
rows = list(csv.DictReader(open(ledger), delimiter="\t"))
agg = collections.OrderedDict()
for r in sorted(rows, key=lambda r: r["target"]):
    a = agg.setdefault(r["target"], {"cpu": 0, "execs": 0, "runs": 0, "corpus": 0, "last": ""})
    a["cpu"] += int(r["cpu_seconds"]); a["execs"] += int(r["executions"]); a["runs"] += 1
    a["corpus"] = int(r["corpus_after"]); a["last"] = max(a["last"], r["date"])
crashes = {t: sorted(os.listdir(os.path.join("fuzz/crashes", t)))
           for t in (os.listdir("fuzz/crashes") if os.path.isdir("fuzz/crashes") else [])
           if os.listdir(os.path.join("fuzz/crashes", t))}
goal = 3600
with open(out, "w") as f:
    f.write("# Fuzzing statistics\n\n")
    f.write("Cumulative over the project's history, from fuzz/campaign-ledger.tsv (one row per target per\n"
            "`scripts/fuzz.sh` run; each run starts from the merged corpus of the runs before it).\n"
            "Goal: at least one CPU-hour per target with no open crash.\n\n")
    f.write("| target | CPU time | executions | runs | corpus | last run | goal (1 CPU-h) | open crashes |\n")
    f.write("|---|---|---|---|---|---|---|---|\n")
    tot_cpu = tot_ex = 0
    for t, a in agg.items():
        tot_cpu += a["cpu"]; tot_ex += a["execs"]
        h, m = divmod(a["cpu"] // 60, 60)
        f.write(f"| {t} | {h}h{m:02d}m | {a['execs']:,} | {a['runs']} | {a['corpus']} | {a['last']} | "
                f"{min(100, 100 * a['cpu'] // goal)}% | {len(crashes.get(t, []))} |\n")
    f.write(f"\nTotal: {tot_cpu / 3600:.1f} CPU-hours, {tot_ex:,} executions over {len(agg)} targets.\n")
    if crashes:
        f.write("\n## Open crashes\n\n")
        for t, files in sorted(crashes.items()):
            for c in files:
                f.write(f"- {t}: fuzz/crashes/{t}/{c}\n")
print("wrote", out)
